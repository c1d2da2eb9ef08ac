/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

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

/*
 * json-glib reads JSON with GScanner, which is lenient where Nostr peers are not: it accepts
 * single-quoted strings, hex and octal numbers (0x10, 0777), C comments, unknown escapes ("\x"
 * becomes "x") and data after the document. "\u0000" silently ends the string and lone
 * surrogates come out as invalid UTF-8. Every such input could make us read an event differently
 * from every other implementation, so one linear pass refuses it with RFC 8259's token grammar
 * before json-glib sees it. The grammar of arrays and objects is left to json-glib, which is
 * strict there, and so are number ranges: json-glib reads an integer past 2^63 as a negative
 * number (saturating at -1), never as a wrong positive one, so the field validators, which all
 * refuse negatives, say which field is out of range.
 */
static gboolean
gs_json_lex_error(GError **error, gsize pos, const gchar *what)
{
	g_set_error(error,
		    GS_ERROR,
		    GS_ERROR_PROTOCOL,
		    "malformed JSON at byte %" G_GSIZE_FORMAT ": %s",
		    pos,
		    what);
	return FALSE;
}

/* the code unit of the 4 hex digits at @pos, or -1 */
static gint
gs_json_hex4(const gchar *data, gsize len, gsize pos)
{
	gint val = 0;
	if (pos + 4 > len)
		return -1;
	for (guint k = 0; k < 4; k++) {
		gint d = g_ascii_xdigit_value(data[pos + k]);
		if (d < 0)
			return -1;
		val = (val << 4) | d;
	}
	return val;
}

/* @j: the index of a backslash inside a string; moved past the escape */
static gboolean
gs_json_scan_escape(const gchar *data, gsize len, gsize *j, GError **error)
{
	gsize at = *j;
	gint cp;
	gint lo;

	if (at + 1 >= len)
		return gs_json_lex_error(error, at, "unterminated escape");
	switch (data[at + 1]) {
	case '"':
	case '\\':
	case '/':
	case 'b':
	case 'f':
	case 'n':
	case 'r':
	case 't':
		*j = at + 2;
		return TRUE;
	case 'u':
		break;
	default:
		return gs_json_lex_error(error, at, "invalid escape");
	}
	cp = gs_json_hex4(data, len, at + 2);
	if (cp < 0)
		return gs_json_lex_error(error, at, "\\u needs four hex digits");
	if (cp == 0)
		return gs_json_lex_error(error, at, "\\u0000 is not supported");
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return gs_json_lex_error(error, at, "lone low surrogate");
	*j = at + 6;
	if (cp < 0xd800 || cp > 0xdbff)
		return TRUE;
	lo = (at + 7 < len && data[at + 6] == '\\' && data[at + 7] == 'u')
		     ? gs_json_hex4(data, len, at + 8)
		     : -1;
	if (lo < 0xdc00 || lo > 0xdfff)
		return gs_json_lex_error(error, at, "lone high surrogate");
	*j = at + 12;
	return TRUE;
}

/* @i: the index of the opening quote; moved past the closing quote */
static gboolean
gs_json_scan_string(const gchar *data, gsize len, gsize *i, GError **error)
{
	gsize j = *i + 1;

	while (j < len) {
		guchar c = (guchar)data[j];
		if (c == '"') {
			*i = j + 1;
			return TRUE;
		}
		if (c < 0x20)
			return gs_json_lex_error(error, j, "unescaped control character in string");
		if (c != '\\') {
			j++;
			continue;
		}
		if (!gs_json_scan_escape(data, len, &j, error))
			return FALSE;
	}
	return gs_json_lex_error(error, *i, "unterminated string");
}

static gsize
gs_json_skip_digits(const gchar *data, gsize len, gsize j)
{
	while (j < len && g_ascii_isdigit(data[j]))
		j++;
	return j;
}

static gboolean
gs_json_is_delimiter(const gchar *data, gsize len, gsize j)
{
	if (j >= len)
		return TRUE;
	switch (data[j]) {
	case ' ':
	case '\t':
	case '\n':
	case '\r':
	case ',':
	case ']':
	case '}':
		return TRUE;
	default:
		return FALSE;
	}
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? followed by a delimiter */
static gboolean
gs_json_scan_number(const gchar *data, gsize len, gsize *i, GError **error)
{
	gsize j = *i + (data[*i] == '-' ? 1 : 0);

	if (j >= len || !g_ascii_isdigit(data[j]))
		return gs_json_lex_error(error, *i, "invalid number");
	j = data[j] == '0' ? j + 1 : gs_json_skip_digits(data, len, j);
	if (j < len && data[j] == '.') {
		if (j + 1 >= len || !g_ascii_isdigit(data[j + 1]))
			return gs_json_lex_error(error, *i, "invalid number");
		j = gs_json_skip_digits(data, len, j + 1);
	}
	if (j < len && (data[j] == 'e' || data[j] == 'E')) {
		j++;
		if (j < len && (data[j] == '+' || data[j] == '-'))
			j++;
		if (j >= len || !g_ascii_isdigit(data[j]))
			return gs_json_lex_error(error, *i, "invalid number");
		j = gs_json_skip_digits(data, len, j);
	}
	if (!gs_json_is_delimiter(data, len, j))
		return gs_json_lex_error(error, *i, "invalid number");
	*i = j;
	return TRUE;
}

static gboolean
gs_json_scan_literal(const gchar *data, gsize len, gsize *i, GError **error)
{
	const gchar *literals[] = {"true", "false", "null"};

	for (guint k = 0; k < G_N_ELEMENTS(literals); k++) {
		gsize n = strlen(literals[k]);
		if (*i + n <= len && memcmp(data + *i, literals[k], n) == 0 &&
		    gs_json_is_delimiter(data, len, *i + n)) {
			*i += n;
			return TRUE;
		}
	}
	return gs_json_lex_error(error, *i, "unexpected character");
}

/* one token at @i (not whitespace); @depth tracks nesting, @value_done is set when a
 * top-level value ends with this token */
static gboolean
gs_json_scan_token(const gchar *data,
		   gsize len,
		   gsize *i,
		   guint *depth,
		   gboolean *value_done,
		   GError **error)
{
	gchar c = data[*i];

	if (c == '[' || c == '{') {
		(*depth)++;
		(*i)++;
		return TRUE;
	}
	if (c == ']' || c == '}') {
		if (*depth == 0)
			return gs_json_lex_error(error, *i, "unbalanced bracket");
		*value_done = --(*depth) == 0;
		(*i)++;
		return TRUE;
	}
	if (c == ',' || c == ':') {
		(*i)++;
		return TRUE;
	}
	*value_done = *depth == 0;
	if (c == '"')
		return gs_json_scan_string(data, len, i, error);
	if (c == '-' || g_ascii_isdigit(c))
		return gs_json_scan_number(data, len, i, error);
	return gs_json_scan_literal(data, len, i, error);
}

static gboolean
gs_json_check_lexical(const gchar *data, gsize len, GError **error)
{
	guint depth = 0;
	gboolean done = FALSE;
	gsize i = 0;

	while (i < len) {
		gchar c = data[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			i++;
			continue;
		}
		if (done)
			return gs_json_lex_error(error, i, "data after the JSON document");
		if (!gs_json_scan_token(data, len, &i, &depth, &done, error))
			return FALSE;
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
	if (!gs_json_check_lexical(data, (gsize)len, error))
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
