/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "gs-enums-types.h"
#include "gs-error.h"
#include "gs-health-tracker.h"

/* what a failure says about a relay: naughty or not, a rate limit or not (pure functions for
 * the relay connection, the health tracker and the metrics) */

/**
 * gs_health_classify_error:
 * @error: (nullable): why a connection attempt failed (GIO, GTLS or libsoup)
 *
 * Only faults of the relay itself are naughty. Refused, timed out, reset, unreachable,
 * cancelled and temporary DNS failures are not: they come and go, or are our network's.
 */
GsNaughtyCategory
gs_health_classify_error(const GError *error)
{
	if (error == NULL)
		return GS_NAUGHTY_CATEGORY_NONE;
	if (g_error_matches(error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND) ||
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_HOST_NOT_FOUND))
		return GS_NAUGHTY_CATEGORY_DNS_LOOKUP_FAILED;
	if (g_error_matches(error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE))
		return GS_NAUGHTY_CATEGORY_TLS_CERTIFICATE_INVALID;
	if (g_error_matches(error, G_TLS_ERROR, G_TLS_ERROR_NOT_TLS) ||
	    g_error_matches(error, G_TLS_ERROR, G_TLS_ERROR_HANDSHAKE) ||
	    g_error_matches(error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET) ||
	    g_error_matches(error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE) ||
	    g_error_matches(error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_ERROR_BAD_ORIGIN) ||
	    g_error_matches(error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_PARSING) ||
	    g_error_matches(error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_ENCODING) ||
	    g_error_matches(error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS) ||
	    g_error_matches(error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_REDIRECT_NO_LOCATION) ||
	    g_error_matches(error, SOUP_SESSION_ERROR, SOUP_SESSION_ERROR_REDIRECT_BAD_URI))
		return GS_NAUGHTY_CATEGORY_PROTOCOL_ERROR;
	return GS_NAUGHTY_CATEGORY_NONE;
}

/* a NOTICE asking us to slow down: lower-cased, it contains ("rate" and "limit"), "too many",
 * "slow down" or "throttl" */
gboolean
gs_health_notice_is_rate_limit(const gchar *text)
{
	g_autofree gchar *lower = NULL;

	if (text == NULL)
		return FALSE;
	lower = g_ascii_strdown(text, -1);
	return (strstr(lower, "rate") != NULL && strstr(lower, "limit") != NULL) ||
	       strstr(lower, "too many") != NULL || strstr(lower, "slow down") != NULL ||
	       strstr(lower, "throttl") != NULL;
}

/* a CLOSED (or OK) message with NIP-01's machine-readable `rate-limited:` prefix */
gboolean
gs_health_closed_is_rate_limit(const gchar *reason)
{
	return reason != NULL && g_str_has_prefix(reason, "rate-limited:");
}

/**
 * gs_naughty_category_to_string:
 *
 * The metric label, e.g. `dns_lookup_failed`. It is the enum's nick with '-' as '_': mkenums
 * makes nicks with hyphens (`dns-lookup-failed`), but the upstream metric
 * `ngit_sync_naughty_relays_total{category}` that operators already query spells the label
 * with underscores, and the spec keeps upstream names and values exactly. Reading the nick from
 * the generated type keeps one source of truth instead of a second hand-kept table.
 *
 * Returns: (nullable): an interned string, %NULL for a value outside the enum
 */
const gchar *
gs_naughty_category_to_string(GsNaughtyCategory category)
{
	g_autoptr(GEnumClass) klass = g_type_class_ref(GS_TYPE_NAUGHTY_CATEGORY);
	GEnumValue *value = g_enum_get_value(klass, (gint)category);
	g_autofree gchar *label = NULL;

	if (value == NULL)
		return NULL;
	label = g_strdelimit(g_strdup(value->value_nick), "-", '_');
	return g_intern_string(label);
}

/* the inverse of gs_naughty_category_to_string() */
gboolean
gs_naughty_category_from_string(const gchar *str, GsNaughtyCategory *category)
{
	g_autoptr(GEnumClass) klass = g_type_class_ref(GS_TYPE_NAUGHTY_CATEGORY);

	for (guint i = 0; str != NULL && i < klass->n_values; i++) {
		GsNaughtyCategory value = klass->values[i].value;
		if (g_strcmp0(gs_naughty_category_to_string(value), str) == 0) {
			if (category != NULL)
				*category = value;
			return TRUE;
		}
	}
	return FALSE;
}
