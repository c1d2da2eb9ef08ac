/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* deepest nesting any Nostr message needs is 4 (message > filter/event > tags > tag) */
#define GS_JSON_MAX_DEPTH 16

gboolean
gs_json_check_depth(const gchar *data, gsize len, guint max_depth, GError **error);
JsonNode *
gs_json_parse(const gchar *data, gssize len, GError **error);
void
gs_json_append_string(GString *out, const gchar *str);

G_END_DECLS
