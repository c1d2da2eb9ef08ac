/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsStore, serving stored events as their stored JSON (gs_store_query_raw()), for the relay
 * endpoint's REQ answers. The other reads are in gs-store-query.c. */

#define G_LOG_DOMAIN "GsStore"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-json.h"
#include "gs-store-private.h"
#include "gs-store-sql.h"

/*
 * gs_store_query_raw() serves stored events as their stored JSON, without building a GsEvent
 * (parsing that JSON was most of what serving an event cost). SQL decides exactly: ids (id8,
 * then the full id), authors (pk8, then the full pubkey), kinds, since, until and the limit, so
 * the rows of a filter made of those need no check. `#x` conditions go through the tags index,
 * whose key is a 64-bit SipHash of the tag under the database's secret (gs-store-schema.c): a
 * row can come from an accidental collision (about 2^-64 for a pair of tag and value; nobody
 * without the secret can make one on purpose), and an event that does not match must never be
 * sent. So each such row is checked, and cheaply: its text is searched for the tag itself,
 * `["x","<value as gs_json_append_string() writes it>"`. Found, that is a proof of the tag in
 * any valid event JSON: a `"` after `[` is unescaped, so it delimits a string; it cannot close
 * one (a closing quote is followed by `,` `:` `]` `}` or blanks, not by the letter x), so the
 * `[` is structural and opens one of the tags (the only arrays of an event besides `tags`,
 * whose members are arrays); its element 0 is "x", and its element 1 is exactly the value,
 * since the written value ends with a whole escape sequence and the next `"` ends the string.
 * Not found, the text is parsed and gs_filter_matches() decides: that is the collision, or a
 * text not in our own serialisation (`\u0061` for `a`, blanks), which the stored JSON (always
 * gs_event_get_json()) never is. So the check neither sends an event that does not match nor
 * drops one that does, and parses nothing on the usual path.
 */

/* one letter's `#x` condition: its values as written in JSON (without the quotes) */
typedef struct {
	gchar letter;
	GHashTable *values;
} GsStoreRawTag;

static void
gs_store_raw_tag_free(GsStoreRawTag *tag)
{
	g_hash_table_unref(tag->values);
	g_free(tag);
}

/* returns: (transfer full) (element-type GsStoreRawTag): @filter's tag conditions */
static GPtrArray *
gs_store_raw_tags_new(GsFilter *filter)
{
	g_autofree gchar *letters = gs_filter_get_tag_letters(filter);
	GPtrArray *tags = g_ptr_array_new_with_free_func((GDestroyNotify)gs_store_raw_tag_free);

	for (const gchar *l = letters; *l != '\0'; l++) {
		GPtrArray *values = gs_filter_get_tag_values(filter, *l);
		GsStoreRawTag *tag = g_new0(GsStoreRawTag, 1);
		tag->letter = *l;
		tag->values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		for (guint i = 0; i < values->len; i++) {
			GString *text = g_string_new(NULL);
			gs_json_append_string(text, g_ptr_array_index(values, i));
			/* without the quotes */
			g_string_truncate(text, text->len - 1);
			g_hash_table_add(tag->values, g_strdup(text->str + 1));
			g_string_free(text, TRUE);
		}
		g_ptr_array_add(tags, tag);
	}
	return tags;
}

static gboolean
gs_store_raw_value_in(GHashTable *values, const gchar *value, gsize len)
{
	gchar stack[256];
	g_autofree gchar *heap = NULL;
	gchar *key = stack;

	if (len >= sizeof(stack))
		key = heap = g_malloc(len + 1);
	memcpy(key, value, len);
	key[len] = '\0';
	return g_hash_table_contains(values, key);
}

/* %TRUE when @json (a stored event) has a tag `[tag->letter, one of the values, ...]` written
 * as gs_json_append_string() writes it; %FALSE says nothing (see above) */
static gboolean
gs_store_raw_has_tag(const gchar *json, gsize len, const GsStoreRawTag *tag)
{
	const gchar *end = json + len;
	const gchar *p = json;

	while ((p = memchr(p, '[', end - p)) != NULL) {
		const gchar *value = p + 6;
		const gchar *q = value;
		if (end - p < 7 || p[1] != '"' || p[2] != tag->letter || p[3] != '"' ||
		    p[4] != ',' || p[5] != '"') {
			p++;
			continue;
		}
		while (q < end && *q != '"')
			q += *q == '\\' ? 2 : 1;
		if (q >= end)
			return FALSE;
		if (gs_store_raw_value_in(tag->values, value, q - value))
			return TRUE;
		p = q;
	}
	return FALSE;
}

/* whether the row @json (with the id @id_hex) matches @filter, whose conditions but the tags
 * SQL has decided */
static gboolean
gs_store_raw_matches(GsFilter *filter,
		     GPtrArray *tags,
		     const gchar *json,
		     gsize len,
		     const gchar *id_hex,
		     GError **error)
{
	g_autoptr(GsEvent) event = NULL;
	g_autoptr(GError) error_local = NULL;
	guint found = 0;

	while (found < tags->len && gs_store_raw_has_tag(json, len, tags->pdata[found]))
		found++;
	if (found == tags->len)
		return TRUE;
	event = gs_event_new_from_json(json, len, &error_local);
	if (event == NULL) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_STORE,
			    "stored event %s is unreadable: %s",
			    id_hex,
			    error_local->message);
		return FALSE;
	}
	return gs_filter_matches(filter, event);
}

/* the row's event as @prefix, its JSON and @suffix in one allocation */
static GsStoreRawEvent *
gs_store_raw_event_new(sqlite3_stmt *stmt,
		       const gchar *prefix,
		       gsize prefix_len,
		       const gchar *suffix,
		       gsize suffix_len)
{
	const gchar *json = (const gchar *)sqlite3_column_text(stmt, 2);
	gsize json_len = sqlite3_column_bytes(stmt, 2);
	gsize len = prefix_len + json_len + suffix_len;
	GsStoreRawEvent *ev = g_malloc(sizeof(GsStoreRawEvent) + len + 1);

	ev->created_at = sqlite3_column_int64(stmt, 1);
	ev->json_len = json_len;
	ev->len = len;
	memcpy(ev->text, prefix, prefix_len);
	memcpy(ev->text + prefix_len, json, json_len);
	memcpy(ev->text + prefix_len + json_len, suffix, suffix_len);
	ev->text[len] = '\0';
	return ev;
}

/* the filter's rows, newest first, as (id, created_at, json). The order and the limit are
 * decided on the keys alone, and only the rows kept are read whole: sorting the rows with their
 * JSON (SQLite sorts by id within each created_at, or the whole result for `ids`) copied the
 * JSON of every row into the sorter and cost more than reading it. The join follows the inner
 * order in practice, which gs_store_query_raw() checks all the same. */
static sqlite3_stmt *
gs_store_raw_prepare(GsStore *self, GsFilter *filter, gint64 limit, GError **error)
{
	g_autoptr(GString) sql = g_string_new("SELECT r.id, r.created_at, r.json FROM "
					      "(SELECT e.seq AS seq FROM events e WHERE ");
	g_autoptr(GArray) params = g_array_new(FALSE, FALSE, sizeof(GsStoreSqlParam));
	GsStoreSqlParam p = {.type = GS_STORE_SQL_INT, .num = limit};

	if (!gs_store_sql_filter_where(filter, gs_store_get_tag_secret(self), sql, params, error))
		return NULL;
	g_string_append(sql,
			" ORDER BY e.created_at DESC, e.id LIMIT ?) AS s "
			"CROSS JOIN events r ON r.seq = s.seq");
	g_array_append_val(params, p);
	return gs_store_sql_prepare_params(gs_store_get_db(self), sql->str, params, error);
}

/* the store's order: newer first, then the lower id */
static gint
gs_store_raw_cmp(gconstpointer a, gconstpointer b)
{
	const GsStoreRawEvent *ea = *(const GsStoreRawEvent *const *)a;
	const GsStoreRawEvent *eb = *(const GsStoreRawEvent *const *)b;

	if (ea->created_at != eb->created_at)
		return ea->created_at > eb->created_at ? -1 : 1;
	return memcmp(ea->id, eb->id, 32);
}

/**
 * gs_store_query_raw:
 * @filter: one NIP-01 filter; its limit (if any) caps the rows read
 * @prefix: text to put before each event's JSON, e.g. `["EVENT","sub",`
 * @suffix: text to put after it, e.g. `]`
 * @events_out: (out) (transfer full) (element-type GsStoreRawEvent): the matching events,
 *   newest first (created_at descending, then id ascending), as gs_store_query() orders them
 * @rows_out: (out) (optional): the rows read, including any a tag check dropped: fewer than
 *   the limit means the store holds nothing more that matches
 * @error: a #GError
 *
 * The events gs_store_query() gives for @filter alone (with no cap), as their stored JSON
 * wrapped in @prefix and @suffix, without parsing them (see above).
 *
 * Returns: %TRUE on success; %FALSE with %GS_ERROR_TOO_LARGE for a filter with more values
 *   than SQLite can bind, or %GS_ERROR_STORE
 */
gboolean
gs_store_query_raw(GsStore *self,
		   GsFilter *filter,
		   const gchar *prefix,
		   const gchar *suffix,
		   GPtrArray **events_out,
		   guint *rows_out,
		   GError **error)
{
	g_autoptr(GPtrArray) events = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) tags = NULL;
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint64 limit = gs_filter_get_limit(filter);
	gsize prefix_len = strlen(prefix);
	gsize suffix_len = strlen(suffix);
	guint rows = 0;
	gint rc;

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	g_return_val_if_fail(filter != NULL && events_out != NULL, FALSE);
	if (limit != 0 && !gs_filter_is_empty_match(filter)) {
		stmt = gs_store_raw_prepare(self, filter, limit, error);
		if (stmt == NULL)
			return FALSE;
		tags = gs_store_raw_tags_new(filter);
		while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
			guint8 id[32];
			gchar id_hex[65];
			GsStoreRawEvent *ev;
			rows++;
			if (!gs_store_sql_column_id(stmt, 0, id, error))
				return FALSE;
			gs_hex_encode_to(id, 32, id_hex);
			id_hex[64] = '\0';
			if (tags->len > 0) {
				g_autoptr(GError) error_local = NULL;
				const gchar *json = (const gchar *)sqlite3_column_text(stmt, 2);
				if (!gs_store_raw_matches(filter,
							  tags,
							  json != NULL ? json : "",
							  sqlite3_column_bytes(stmt, 2),
							  id_hex,
							  &error_local)) {
					if (error_local == NULL)
						continue;
					g_propagate_error(error, g_steal_pointer(&error_local));
					return FALSE;
				}
			}
			ev = gs_store_raw_event_new(stmt, prefix, prefix_len, suffix, suffix_len);
			memcpy(ev->id, id, 32);
			memcpy(ev->id_hex, id_hex, 65);
			g_ptr_array_add(events, ev);
		}
		if (rc != SQLITE_DONE)
			return gs_store_sql_error(
				gs_store_get_db(self), "failed to read events", error);
	}
	for (guint i = 1; i < events->len; i++) {
		if (gs_store_raw_cmp(&events->pdata[i - 1], &events->pdata[i]) > 0) {
			g_ptr_array_sort(events, gs_store_raw_cmp);
			break;
		}
	}
	if (rows_out != NULL)
		*rows_out = rows;
	*events_out = g_steal_pointer(&events);
	return TRUE;
}
