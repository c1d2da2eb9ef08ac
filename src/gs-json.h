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

/* eight bytes of JSON text at a time: whether a byte of @w is '"', '\\' or below 0x20, the
 * bytes a scan of a string must stop at (the zero-byte test of each, exact for "any byte") */
#define GS_JSON_WORD_ONES G_GUINT64_CONSTANT(0x0101010101010101)
#define GS_JSON_WORD_HIGHS G_GUINT64_CONSTANT(0x8080808080808080)

static inline gboolean
gs_json_word_special(guint64 w)
{
	guint64 quote = w ^ (GS_JSON_WORD_ONES * '"');
	guint64 slash = w ^ (GS_JSON_WORD_ONES * '\\');
	guint64 t = ((quote - GS_JSON_WORD_ONES) & ~quote) |
		    ((slash - GS_JSON_WORD_ONES) & ~slash) | ((w - GS_JSON_WORD_ONES * 0x20) & ~w);

	return (t & GS_JSON_WORD_HIGHS) != 0;
}

G_END_DECLS
