/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include <string.h>

#include "gs-filter.h"
#include "gs-json.h"
#include "gs-sync-peek.h"

/*
 * Matching an event of a historic REQ against the subscription's filter without parsing it on
 * the main thread (docs/sync.md, "Events from relays"): one pass over the top-level members
 * reads `id`, `created_at`, `kind` and the tags, and skips the rest (the content above all).
 * Nothing is validated beyond what the match needs: a matching event goes to the ingest as
 * JSON, whose workers parse it strictly, check its id and signature. Whatever this scanner is
 * not sure of (an escape in a key or in the tags, a member twice, a filter naming ids or
 * authors or several tag letters, anything malformed) is GS_SYNC_PEEK_UNSURE, and the caller
 * parses the event as before.
 */

#define GS_SYNC_PEEK_MAX_DEPTH 64

typedef struct {
	const gchar *data;
	gsize len;
	gsize pos;
} GsSyncPeekCursor;

static void
gs_sync_peek_ws(GsSyncPeekCursor *c)
{
	while (c->pos < c->len && (c->data[c->pos] == ' ' || c->data[c->pos] == '\n' ||
				   c->data[c->pos] == '\r' || c->data[c->pos] == '\t'))
		c->pos++;
}

static gboolean
gs_sync_peek_char(GsSyncPeekCursor *c, gchar ch)
{
	gs_sync_peek_ws(c);
	if (c->pos >= c->len || c->data[c->pos] != ch)
		return FALSE;
	c->pos++;
	return TRUE;
}

/* a string at the cursor: @start and @end bound its content; @escaped: it holds a backslash */
static gboolean
gs_sync_peek_string(GsSyncPeekCursor *c, gsize *start, gsize *end, gboolean *escaped)
{
	*escaped = FALSE;
	if (!gs_sync_peek_char(c, '"'))
		return FALSE;
	*start = c->pos;
	for (;;) {
		/* eight bytes at a time up to one that needs a look: a quote, a backslash or a
		 * control character */
		while (c->pos + 8 <= c->len) {
			guint64 w;
			memcpy(&w, c->data + c->pos, 8);
			if (gs_json_word_special(w))
				break;
			c->pos += 8;
		}
		if (c->pos >= c->len || c->data[c->pos] == '"')
			break;
		if ((guchar)c->data[c->pos] < 0x20)
			return FALSE;
		if (c->data[c->pos] == '\\') {
			*escaped = TRUE;
			c->pos++;
		}
		c->pos++;
	}
	if (c->pos >= c->len)
		return FALSE;
	*end = c->pos++;
	return TRUE;
}

/* skips any JSON value */
static gboolean
gs_sync_peek_skip(GsSyncPeekCursor *c)
{
	guint depth = 0;
	gsize start, end;
	gboolean escaped;

	do {
		gs_sync_peek_ws(c);
		if (c->pos >= c->len)
			return FALSE;
		switch (c->data[c->pos]) {
		case '"':
			if (!gs_sync_peek_string(c, &start, &end, &escaped))
				return FALSE;
			break;
		case '[':
		case '{':
			if (++depth > GS_SYNC_PEEK_MAX_DEPTH)
				return FALSE;
			c->pos++;
			break;
		case ']':
		case '}':
			if (depth == 0)
				return FALSE;
			depth--;
			c->pos++;
			break;
		default:
			/* a number, a literal, or a ',' or ':' inside a container */
			start = c->pos;
			while (c->pos < c->len && strchr(",:]}\" \n\r\t", c->data[c->pos]) == NULL)
				c->pos++;
			if (depth == 0 && c->pos == start)
				return FALSE;
			if (depth > 0 && c->pos < c->len &&
			    (c->data[c->pos] == ',' || c->data[c->pos] == ':'))
				c->pos++;
			break;
		}
	} while (depth > 0);
	return TRUE;
}

static gboolean
gs_sync_peek_int(GsSyncPeekCursor *c, gint64 *out)
{
	gsize start;
	guint64 value = 0;

	gs_sync_peek_ws(c);
	start = c->pos;
	while (c->pos < c->len && g_ascii_isdigit(c->data[c->pos]) && c->pos - start < 12)
		value = value * 10 + (guint64)(c->data[c->pos++] - '0');
	if (c->pos == start || (c->pos < c->len && g_ascii_isdigit(c->data[c->pos])))
		return FALSE;
	*out = (gint64)value;
	return TRUE;
}

/* the tags: whether one names @letter with a value in @values ("<letter>:<value>" keys) */
static gboolean
gs_sync_peek_tags(GsSyncPeekCursor *c, gchar letter, GHashTable *values, gboolean *hit)
{
	g_autoptr(GString) key = g_string_new(NULL);

	*hit = FALSE;
	if (!gs_sync_peek_char(c, '['))
		return FALSE;
	if (gs_sync_peek_char(c, ']'))
		return TRUE;
	do {
		gsize start, end;
		gboolean escaped, named = FALSE;
		guint i = 0;
		if (!gs_sync_peek_char(c, '['))
			return FALSE;
		if (!gs_sync_peek_char(c, ']')) {
			do {
				if (!gs_sync_peek_string(c, &start, &end, &escaped) || escaped)
					return FALSE;
				if (i == 0)
					named = end - start == 1 && c->data[start] == letter;
				else if (i == 1 && named && !*hit) {
					g_string_printf(key, "%c:", letter);
					g_string_append_len(key, c->data + start, end - start);
					*hit = g_hash_table_contains(values, key->str);
				}
				i++;
			} while (gs_sync_peek_char(c, ','));
			if (!gs_sync_peek_char(c, ']'))
				return FALSE;
		}
	} while (gs_sync_peek_char(c, ','));
	return gs_sync_peek_char(c, ']');
}

typedef struct {
	gchar id[65];
	gint64 created_at;
	gint64 kind;
	gboolean hit;
	guint seen; /* bits: id, created_at, kind, tags */
} GsSyncPeekFields;

/* one member's value; returns: %FALSE when unsure */
static gboolean
gs_sync_peek_member(GsSyncPeekCursor *c,
		    const gchar *name,
		    gsize name_len,
		    gchar letter,
		    GHashTable *values,
		    GsSyncPeekFields *f)
{
	const gchar *names[] = {"id", "created_at", "kind", "tags"};
	guint which = G_N_ELEMENTS(names);
	gsize start, end;
	gboolean escaped;

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if (strlen(names[i]) == name_len && memcmp(names[i], name, name_len) == 0)
			which = i;
	}
	if (which == G_N_ELEMENTS(names))
		return gs_sync_peek_skip(c);
	if (f->seen & (1u << which))
		return FALSE;
	f->seen |= 1u << which;
	switch (which) {
	case 0:
		if (!gs_sync_peek_string(c, &start, &end, &escaped) || end - start != 64)
			return FALSE;
		for (gsize i = start; i < end; i++) {
			if (!g_ascii_isdigit(c->data[i]) && (c->data[i] < 'a' || c->data[i] > 'f'))
				return FALSE;
		}
		memcpy(f->id, c->data + start, 64);
		f->id[64] = '\0';
		return TRUE;
	case 1:
		return gs_sync_peek_int(c, &f->created_at);
	case 2:
		return gs_sync_peek_int(c, &f->kind);
	default:
		return gs_sync_peek_tags(c, letter, values, &f->hit);
	}
}

static gboolean
gs_sync_peek_fields(GsSyncPeekCursor *c, gchar letter, GHashTable *values, GsSyncPeekFields *f)
{
	if (!gs_sync_peek_char(c, '{'))
		return FALSE;
	if (gs_sync_peek_char(c, '}'))
		return FALSE;
	do {
		gsize start, end;
		gboolean escaped;
		if (!gs_sync_peek_string(c, &start, &end, &escaped) || escaped ||
		    !gs_sync_peek_char(c, ':') ||
		    !gs_sync_peek_member(c, c->data + start, end - start, letter, values, f))
			return FALSE;
	} while (gs_sync_peek_char(c, ','));
	if (!gs_sync_peek_char(c, '}'))
		return FALSE;
	gs_sync_peek_ws(c);
	return c->pos == c->len && f->seen == 0xf;
}

/**
 * gs_sync_peek_values:
 * @filter: a historic filter
 *
 * Returns: (transfer full) (nullable): the set gs_sync_peek_match() needs for @filter: its
 *   one tag letter and values as "<letter>:<value>" keys; %NULL when the filter is not one it
 *   decides (ids, authors, no tag or several tag letters)
 */
GHashTable *
gs_sync_peek_values(const GsFilter *filter)
{
	g_autofree gchar *letters = gs_filter_get_tag_letters(filter);
	GHashTable *set;
	GPtrArray *values;

	if (gs_filter_get_ids(filter) != NULL || gs_filter_get_authors(filter) != NULL ||
	    letters == NULL || strlen(letters) != 1)
		return NULL;
	values = gs_filter_get_tag_values(filter, letters[0]);
	set = g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; values != NULL && i < values->len; i++)
		g_hash_table_add(set,
				 g_strdup_printf("%c:%s", letters[0], (gchar *)values->pdata[i]));
	return set;
}

/**
 * gs_sync_peek_match:
 * @json: an event object
 * @filter: the subscription's filter (its kinds, since and until are checked too)
 * @values: gs_sync_peek_values() of @filter (or of a page of it: the same tags)
 * @id_out: (out caller-allocates): 65 bytes, the id the event states
 * @created_at: (out): the created_at it states
 *
 * Returns: %GS_SYNC_PEEK_MATCH or %GS_SYNC_PEEK_NO_MATCH, or %GS_SYNC_PEEK_UNSURE when the
 *   event must be parsed to decide
 */
GsSyncPeekResult
gs_sync_peek_match(const gchar *json,
		   gsize len,
		   const GsFilter *filter,
		   GHashTable *values,
		   gchar *id_out,
		   gint64 *created_at)
{
	g_autofree gchar *letters = gs_filter_get_tag_letters(filter);
	GsSyncPeekCursor c = {json, len, 0};
	GsSyncPeekFields f = {{0}, 0, 0, FALSE, 0};
	GArray *kinds = gs_filter_get_kinds(filter);
	gint64 since = gs_filter_get_since(filter);
	gint64 until = gs_filter_get_until(filter);
	gboolean kind_ok = kinds == NULL;

	if (values == NULL || letters == NULL || strlen(letters) != 1 ||
	    !gs_sync_peek_fields(&c, letters[0], values, &f))
		return GS_SYNC_PEEK_UNSURE;
	memcpy(id_out, f.id, 65);
	*created_at = f.created_at;
	for (guint i = 0; kinds != NULL && i < kinds->len; i++)
		kind_ok |= (gint64)g_array_index(kinds, guint, i) == f.kind;
	if (!kind_ok || !f.hit || (since >= 0 && f.created_at < since) ||
	    (until >= 0 && f.created_at > until))
		return GS_SYNC_PEEK_NO_MATCH;
	return GS_SYNC_PEEK_MATCH;
}
