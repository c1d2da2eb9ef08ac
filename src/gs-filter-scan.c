/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsFilter"

#include "config.h"

#include <string.h>

#include "gs-filter-private.h"
#include "gs-json.h"

/*
 * The plain form of a NIP-01 filter, read straight from the text into a GsFilter. A syncing
 * peer sends its history as pages of REQs of many filters of 100 tag values each (megabytes of
 * REQ text), and building a json-glib tree of each and then the filter from the tree was a
 * fifth of what serving them cost. The scanner takes only what it is sure of, in the form our
 * own gs_filter_to_json() writes and most clients send: the known members, each at most once;
 * strings without escapes or control characters; integers without a sign, a leading zero, a
 * fraction or an exponent, of at most 18 digits; JSON whitespace between tokens. Whatever else
 * (an escape, a member twice, `-0`, `1e3`, an unknown member, a value of a wrong type, a value
 * out of range, anything malformed) makes it return nothing, and the caller hands the text to
 * json-glib and gs_filter_new_from_node(), which accept or refuse it and say why. Whatever the
 * scanner accepts, that path accepts too and builds the same filter (tests/gs-req-scan-test.c
 * compares both on tables and on random input).
 */

/* the members, as bits of a set of those seen */
enum {
	GS_FILTER_SCAN_IDS,
	GS_FILTER_SCAN_AUTHORS,
	GS_FILTER_SCAN_KINDS,
	GS_FILTER_SCAN_SINCE,
	GS_FILTER_SCAN_UNTIL,
	GS_FILTER_SCAN_LIMIT,
	GS_FILTER_SCAN_TAGS, /* + the letter's index */
};

static void
gs_filter_scan_ws(GsFilterScan *s)
{
	while (s->pos < s->len && (s->data[s->pos] == ' ' || s->data[s->pos] == '\n' ||
				   s->data[s->pos] == '\r' || s->data[s->pos] == '\t'))
		s->pos++;
}

/* whitespace, then @ch, which is consumed */
gboolean
gs_filter_scan_char(GsFilterScan *s, gchar ch)
{
	gs_filter_scan_ws(s);
	if (s->pos >= s->len || s->data[s->pos] != ch)
		return FALSE;
	s->pos++;
	return TRUE;
}

/* TRUE when nothing but whitespace is left */
gboolean
gs_filter_scan_end(GsFilterScan *s)
{
	gs_filter_scan_ws(s);
	return s->pos == s->len;
}

/**
 * gs_filter_scan_string:
 * @start: (out): where the string's content starts
 * @end: (out): where it ends (the closing quote)
 *
 * A string without escapes or control characters, read eight bytes at a time; non-ASCII bytes
 * are noted in @s's bytes (the caller validates the text as UTF-8 once).
 *
 * Returns: %FALSE when there is no such string at the cursor
 */
gboolean
gs_filter_scan_string(GsFilterScan *s, gsize *start, gsize *end)
{
	guint64 seen = 0;

	if (!gs_filter_scan_char(s, '"'))
		return FALSE;
	*start = s->pos;
	while (s->pos + 8 <= s->len) {
		guint64 w;
		memcpy(&w, s->data + s->pos, 8);
		if (gs_json_word_special(w))
			break;
		seen |= w;
		s->pos += 8;
	}
	for (; s->pos < s->len; s->pos++) {
		guchar c = (guchar)s->data[s->pos];
		if (c == '"') {
			*end = s->pos++;
			if ((seen & GS_JSON_WORD_HIGHS) != 0)
				s->bytes |= 0x80;
			return TRUE;
		}
		if (c < 0x20 || c == '\\')
			return FALSE;
		seen |= c;
	}
	return FALSE;
}

/* a non-negative integer of at most 18 digits (below 2^63), no sign, no leading zero; what
 * follows it is the caller's to check (a '.' or an 'e' is not what it expects) */
static gboolean
gs_filter_scan_uint(GsFilterScan *s, gint64 *out)
{
	gsize start;
	gint64 v = 0;

	gs_filter_scan_ws(s);
	start = s->pos;
	while (s->pos < s->len && s->data[s->pos] >= '0' && s->data[s->pos] <= '9') {
		if (s->pos - start == 18)
			return FALSE;
		v = v * 10 + (s->data[s->pos] - '0');
		s->pos++;
	}
	if (s->pos == start || (s->pos - start > 1 && s->data[start] == '0'))
		return FALSE;
	*out = v;
	return TRUE;
}

static gboolean
gs_filter_scan_is_hex64(const gchar *p, gsize n)
{
	if (n != 64)
		return FALSE;
	for (gsize i = 0; i < 64; i++) {
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return FALSE;
	}
	return TRUE;
}

/* an array of strings (of 64 lower-case hex digits when @hex); @out is set before anything is
 * read, so that the filter frees what was read when the rest fails */
static gboolean
gs_filter_scan_strings(GsFilterScan *s, gboolean hex, GPtrArray **out)
{
	gsize start, end;

	*out = g_ptr_array_new_with_free_func(g_free);
	if (!gs_filter_scan_char(s, '['))
		return FALSE;
	if (gs_filter_scan_char(s, ']'))
		return TRUE;
	do {
		if (!gs_filter_scan_string(s, &start, &end))
			return FALSE;
		if (hex && !gs_filter_scan_is_hex64(s->data + start, end - start))
			return FALSE;
		g_ptr_array_add(*out, g_strndup(s->data + start, end - start));
	} while (gs_filter_scan_char(s, ','));
	return gs_filter_scan_char(s, ']');
}

static gboolean
gs_filter_scan_kinds(GsFilterScan *s, GArray **out)
{
	*out = g_array_new(FALSE, FALSE, sizeof(guint));
	if (!gs_filter_scan_char(s, '['))
		return FALSE;
	if (gs_filter_scan_char(s, ']'))
		return TRUE;
	do {
		gint64 v = 0;
		guint kind;
		if (!gs_filter_scan_uint(s, &v) || v > 65535)
			return FALSE;
		kind = (guint)v;
		g_array_append_val(*out, kind);
	} while (gs_filter_scan_char(s, ','));
	return gs_filter_scan_char(s, ']');
}

/* the member named by @n bytes at @key, or -1 for one the scanner leaves to json-glib */
static gint
gs_filter_scan_member_id(const gchar *key, gsize n)
{
	static const gchar *const names[] = {
		[GS_FILTER_SCAN_IDS] = "ids",
		[GS_FILTER_SCAN_AUTHORS] = "authors",
		[GS_FILTER_SCAN_KINDS] = "kinds",
		[GS_FILTER_SCAN_SINCE] = "since",
		[GS_FILTER_SCAN_UNTIL] = "until",
		[GS_FILTER_SCAN_LIMIT] = "limit",
	};

	if (n == 2 && key[0] == '#') {
		gint idx = gs_filter_letter_index(key[1]);
		return idx < 0 ? -1 : GS_FILTER_SCAN_TAGS + idx;
	}
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if (strlen(names[i]) == n && memcmp(key, names[i], n) == 0)
			return (gint)i;
	}
	return -1;
}

static gboolean
gs_filter_scan_member(GsFilter *self, GsFilterScan *s, guint64 *seen)
{
	gsize start, end;
	gint member;

	if (!gs_filter_scan_string(s, &start, &end) || !gs_filter_scan_char(s, ':'))
		return FALSE;
	member = gs_filter_scan_member_id(s->data + start, end - start);
	/* json-glib keeps the last of a member given twice: that case is left to it */
	if (member < 0 || (*seen & (G_GUINT64_CONSTANT(1) << member)) != 0)
		return FALSE;
	*seen |= G_GUINT64_CONSTANT(1) << member;
	switch (member) {
	case GS_FILTER_SCAN_IDS:
		return gs_filter_scan_strings(s, TRUE, &self->ids);
	case GS_FILTER_SCAN_AUTHORS:
		return gs_filter_scan_strings(s, TRUE, &self->authors);
	case GS_FILTER_SCAN_KINDS:
		return gs_filter_scan_kinds(s, &self->kinds);
	case GS_FILTER_SCAN_SINCE:
		return gs_filter_scan_uint(s, &self->since);
	case GS_FILTER_SCAN_UNTIL:
		return gs_filter_scan_uint(s, &self->until);
	case GS_FILTER_SCAN_LIMIT:
		return gs_filter_scan_uint(s, &self->limit);
	default:
		return gs_filter_scan_strings(s, FALSE, &self->tags[member - GS_FILTER_SCAN_TAGS]);
	}
}

/**
 * gs_filter_scan:
 * @s: a cursor at a filter object (whitespace first is skipped)
 *
 * Reads a filter in the plain form (above) and moves the cursor past it. Nothing is reported
 * when the filter is not in that form: the caller parses the whole message with json-glib and
 * gs_filter_new_from_node() instead, whose errors say what is wrong. Strings may hold non-ASCII
 * bytes, noted in @s; the caller checks that the text is UTF-8.
 *
 * Returns: (transfer full) (nullable): the filter, %NULL when not in the plain form
 */
GsFilter *
gs_filter_scan(GsFilterScan *s)
{
	g_autoptr(GsFilter) self = gs_filter_new();
	guint64 seen = 0;

	if (!gs_filter_scan_char(s, '{'))
		return NULL;
	if (gs_filter_scan_char(s, '}'))
		return g_steal_pointer(&self);
	do {
		if (!gs_filter_scan_member(self, s, &seen))
			return NULL;
	} while (gs_filter_scan_char(s, ','));
	if (!gs_filter_scan_char(s, '}'))
		return NULL;
	return g_steal_pointer(&self);
}
