/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsJson"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-json.h"

/*
 * json-glib's parser recurses once per nesting level, so a message of a few hundred kilobytes
 * of '[' could exhaust a worker thread's stack. One linear scan, aware of strings and escapes,
 * refuses such input before the parser sees it.
 */
gboolean
gs_json_check_depth(const gchar *data, gsize len, guint max_depth, GError **error)
{
	guint depth = 0;
	gboolean in_string = FALSE;

	for (gsize i = 0; i < len; i++) {
		gchar c = data[i];
		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = FALSE;
			continue;
		}
		if (c == '"') {
			in_string = TRUE;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth) {
				g_set_error(error,
					    GS_ERROR,
					    GS_ERROR_PROTOCOL,
					    "JSON nested deeper than %u levels",
					    max_depth);
				return FALSE;
			}
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		}
	}
	return TRUE;
}

/* returns the root node (never NULL on success); errors are GS_ERROR_PROTOCOL */
JsonNode *
gs_json_parse(const gchar *data, gssize len, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) error_local = NULL;
	JsonNode *root;

	if (len < 0)
		len = (gssize)strlen(data);
	if (!gs_json_check_depth(data, (gsize)len, GS_JSON_MAX_DEPTH, error))
		return NULL;
	if (!json_parser_load_from_data(parser, data, len, &error_local)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_PROTOCOL,
			    "malformed JSON: %s",
			    error_local->message);
		return NULL;
	}
	root = json_parser_get_root(parser);
	if (root == NULL) {
		g_set_error_literal(error, GS_ERROR, GS_ERROR_PROTOCOL, "empty JSON document");
		return NULL;
	}
	return json_node_copy(root);
}

/*
 * NIP-01 string escaping: \n \" \\ \r \t \b \f, other control characters as \u00xx, everything
 * else (including all non-ASCII UTF-8) verbatim. This is what the event id is computed over.
 */
void
gs_json_append_string(GString *out, const gchar *str)
{
	const guchar *p = (const guchar *)str;
	const guchar *run = p;

	g_string_append_c(out, '"');
	for (; *p != '\0'; p++) {
		const gchar *esc = NULL;
		if (*p >= 0x20 && *p != '"' && *p != '\\')
			continue;
		g_string_append_len(out, (const gchar *)run, p - run);
		switch (*p) {
		case '\n':
			esc = "\\n";
			break;
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		default:
			g_string_append_printf(out, "\\u%04x", (guint)*p);
			break;
		}
		if (esc != NULL)
			g_string_append(out, esc);
		run = p + 1;
	}
	g_string_append_len(out, (const gchar *)run, p - run);
	g_string_append_c(out, '"');
}
