/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsEnums"

#include "config.h"

#include "gs-enums-types.h"
#include "gs-enums.h"

/* the nick of the mkenums GType is the one spelling; no hand-kept tables */
static const gchar *
gs_enum_nick(GType type, gint value)
{
	GEnumClass *klass = g_type_class_ref(type);
	GEnumValue *ev = g_enum_get_value(klass, value);
	const gchar *nick = ev != NULL ? ev->value_nick : NULL;

	/* enum classes stay alive once referenced, so the nick outlives the unref */
	g_type_class_unref(klass);
	return nick;
}

/* returns: (nullable): "connected-degraded" etc., %NULL for a value outside the enum */
const gchar *
gs_connection_status_to_string(GsConnectionStatus status)
{
	return gs_enum_nick(GS_TYPE_CONNECTION_STATUS, status);
}

/* returns: (nullable): "rate-limited" etc., %NULL for a value outside the enum */
const gchar *
gs_relay_health_to_string(GsRelayHealth health)
{
	return gs_enum_nick(GS_TYPE_RELAY_HEALTH, health);
}

/* returns: (nullable): "negentropy" or "req-eose" */
const gchar *
gs_sync_method_to_string(GsSyncMethod method)
{
	return gs_enum_nick(GS_TYPE_SYNC_METHOD, method);
}

/* returns: (nullable): "full" or "state-only" */
const gchar *
gs_sync_level_to_string(GsSyncLevel level)
{
	return gs_enum_nick(GS_TYPE_SYNC_LEVEL, level);
}
