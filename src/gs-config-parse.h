/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "gs-config.h"

G_BEGIN_DECLS

/* the value syntaxes of the configuration: pure functions without state. Each error is
 * GS_ERROR_INVALID_ARGUMENT and reads "expected <what>, got “<value>”"; GsConfig adds the
 * file or variable, the group and the key in front. */

gboolean
gs_config_parse_listen(const gchar *text, gchar **host, guint16 *port, GError **error);
gboolean
gs_config_parse_boolean(const gchar *text, gint64 *out, GError **error);
gboolean
gs_config_parse_int(const gchar *text,
		    gint64 min,
		    gint64 max,
		    GsConfigType type,
		    gint64 *out,
		    GError **error);
gboolean
gs_config_parse_choice(const gchar *text, const gchar *choices, GError **error);

gboolean
gs_config_check_relay_url(const gchar *value, GError **error);
gboolean
gs_config_check_pubkey(const gchar *value, GError **error);
gboolean
gs_config_check_host(const gchar *value, GError **error);
gboolean
gs_config_check_coordinate(const gchar *value, GError **error);

G_END_DECLS
