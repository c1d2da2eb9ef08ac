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
#include "gs-store-query-cache.h"
#include "gs-store-sql.h"

/*
 * GsStoreRawQuery serves stored events as their stored JSON, without building a GsEvent
 * (parsing that JSON was most of what serving an event cost). It reads in two steps: the keys
 * of the matching rows (row, created_at, id) in the store's order, a page at a time, through
 * one statement prepared once (a filter of 300 ids is 600 SQL parameters: parsing it again for
 * every page cost more than the page), and then the JSON of each row as it is sent, by row
 * number. Sorting keys alone also keeps the JSON out of SQLite's sorter (it sorts by id within
 * each created_at, or the whole result for `ids`). SQL decides exactly: ids (id8,
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
	guint found = 0;

	while (found < tags->len && gs_store_raw_has_tag(json, len, tags->pdata[found]))
		found++;
	if (found == tags->len)
		return TRUE;
	event = gs_store_parse_stored(json, len, id_hex, error);
	return event != NULL && gs_filter_matches(filter, event);
}

/*
 * A filter of ids alone (the `{ids:[...]}` fetches of negentropy sessions, 300 ids each) is
 * read id by id through a two-parameter statement instead of one `id8 IN (...) AND id IN
 * (...)` query: preparing that statement (600 parameters, a new text for every count of ids)
 * was most of what such a REQ cost beyond reading its rows. The keys are then ordered and cut
 * as SQL would: created_at descending, then id ascending, up to the cursor and the limit.
 */
#define GS_STORE_RAW_BY_ID "SELECT seq, created_at FROM events WHERE id8 = ? AND id = ?"

struct _GsStoreRawQuery {
	GsStore *store; /* owned ref */
	GsFilter *filter;
	GPtrArray *tags;     /* GsStoreRawTag */
	sqlite3_stmt *keys;  /* ids alone: the by-id statement; else NULL */
	sqlite3_stmt *fetch; /* id, json by seq */
	gchar *sql;	     /* not ids alone: ... created_at <= ?cursor ... LIMIT ?limit */
	GArray *params;	     /* GsStoreSqlParam of @sql (text ones point into @filter) */
	gint n_params;	     /* the filter's; the cursor and the limit follow */
	GArray *ids;	     /* ids alone: the filter's ids, raw (guint8[32]); else NULL */
};

/* a filter whose only condition is its ids */
static gboolean
gs_store_raw_is_ids_only(GsFilter *filter)
{
	g_autofree gchar *letters = gs_filter_get_tag_letters(filter);

	return gs_filter_get_ids(filter) != NULL && gs_filter_get_authors(filter) == NULL &&
	       gs_filter_get_kinds(filter) == NULL && letters[0] == '\0' &&
	       gs_filter_get_since(filter) < 0 && gs_filter_get_until(filter) < 0;
}

/* the store's order: newer first, then the lower id */
static gint
gs_store_raw_key_cmp(gconstpointer a, gconstpointer b)
{
	const GsStoreRawKey *ka = a;
	const GsStoreRawKey *kb = b;

	if (ka->created_at != kb->created_at)
		return ka->created_at > kb->created_at ? -1 : 1;
	return memcmp(ka->id, kb->id, 32);
}

/* prepares the by-id statement of an ids-only filter, with the same limit on values as the
 * IN query it stands for */
static sqlite3_stmt *
gs_store_raw_ids_prepare(GsStoreRawQuery *query, GError **error)
{
	GPtrArray *ids = gs_filter_get_ids(query->filter);
	sqlite3 *db = gs_store_get_db(query->store);
	gint max = sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);

	if (2 * (gint64)ids->len + 2 > max) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_TOO_LARGE,
			    "filter has %u values, more than the store can take (%d)",
			    2 * ids->len,
			    max);
		return NULL;
	}
	query->ids = g_array_sized_new(FALSE, FALSE, 32, ids->len);
	g_array_set_size(query->ids, ids->len);
	for (guint i = 0; i < ids->len; i++) {
		guint8 *raw = (guint8 *)query->ids->data + 32 * i;
		gs_hex_decode_to(g_ptr_array_index(ids, i), 64, raw, 32);
	}
	return gs_store_sql_prepare(db, GS_STORE_RAW_BY_ID, FALSE, error);
}

/* gs_store_raw_query_keys() for an ids-only filter */
static gboolean
gs_store_raw_ids_keys(GsStoreRawQuery *self,
		      gint64 until,
		      gint64 limit,
		      GArray *keys,
		      GError **error)
{
	guint from = keys->len;
	gint rc = SQLITE_DONE;

	for (guint i = 0; i < self->ids->len; i++) {
		const guint8 *raw = (const guint8 *)self->ids->data + 32 * i;
		GsStoreRawKey key;
		gs_store_sql_bind_key32_static(self->keys, 1, 2, raw);
		rc = sqlite3_step(self->keys);
		if (rc == SQLITE_ROW) {
			key.seq = sqlite3_column_int64(self->keys, 0);
			key.created_at = sqlite3_column_int64(self->keys, 1);
			memcpy(key.id, raw, 32);
			if (until < 0 || key.created_at <= until)
				g_array_append_val(keys, key);
			rc = SQLITE_DONE;
		}
		sqlite3_reset(self->keys);
		if (rc != SQLITE_DONE)
			break;
	}
	sqlite3_clear_bindings(self->keys);
	if (rc != SQLITE_DONE)
		return gs_store_sql_error(
			gs_store_get_db(self->store), "failed to read events", error);
	g_qsort_with_data(keys->data + (gsize)from * sizeof(GsStoreRawKey),
			  keys->len - from,
			  sizeof(GsStoreRawKey),
			  (GCompareDataFunc)gs_store_raw_key_cmp,
			  NULL);
	/* an id named twice is one row, as in SQL */
	for (guint i = keys->len; i-- > from + 1;) {
		if (memcmp(g_array_index(keys, GsStoreRawKey, i).id,
			   g_array_index(keys, GsStoreRawKey, i - 1).id,
			   32) == 0)
			g_array_remove_index(keys, i);
	}
	if (limit >= 0 && keys->len - from > limit)
		g_array_set_size(keys, from + (guint)limit);
	return TRUE;
}

void
gs_store_raw_query_free(GsStoreRawQuery *self)
{
	if (self == NULL)
		return;
	sqlite3_finalize(self->keys);
	sqlite3_finalize(self->fetch);
	g_free(self->sql);
	g_clear_pointer(&self->params, g_array_unref);
	g_clear_pointer(&self->ids, g_array_unref);
	g_ptr_array_unref(self->tags);
	gs_filter_unref(self->filter);
	g_object_unref(self->store);
	g_free(self);
}

/**
 * gs_store_raw_query_new:
 * @filter: one NIP-01 filter (referenced); its limit is the caller's business
 * @error: a #GError
 *
 * Prepares reading @filter's events as stored JSON: gs_store_raw_query_keys() for their keys,
 * newest first, gs_store_raw_query_fetch() and gs_store_raw_query_matches() for each event.
 *
 * Returns: (transfer full) (nullable): the query, or %NULL with %GS_ERROR_TOO_LARGE for a
 *   filter with more values than SQLite can bind, or %GS_ERROR_STORE
 */
GsStoreRawQuery *
gs_store_raw_query_new(GsStore *self, GsFilter *filter, GError **error)
{
	g_autoptr(GString) sql =
		g_string_new("SELECT e.seq, e.created_at, e.id FROM events e WHERE ");
	g_autoptr(GArray) params = g_array_new(FALSE, FALSE, sizeof(GsStoreSqlParam));
	GsStoreSqlParam p = {.type = GS_STORE_SQL_INT, .num = G_MAXINT64};
	GsStoreRawQuery *query;
	sqlite3_stmt *keys = NULL;

	g_return_val_if_fail(GS_IS_STORE(self), NULL);
	g_return_val_if_fail(filter != NULL, NULL);
	query = g_new0(GsStoreRawQuery, 1);
	query->store = g_object_ref(self);
	query->filter = gs_filter_ref(filter);
	query->tags = gs_store_raw_tags_new(filter);
	if (!gs_filter_is_empty_match(filter) && gs_store_raw_is_ids_only(filter)) {
		query->keys = gs_store_raw_ids_prepare(query, error);
	} else {
		/* a filter that cannot match still gets a statement: one that reads nothing */
		if (gs_filter_is_empty_match(filter))
			g_string_append(sql, "0");
		else if (!gs_store_sql_filter_where(
				 filter, gs_store_get_tag_secret(self), sql, params, error)) {
			gs_store_raw_query_free(query);
			return NULL;
		}
		g_string_append(sql,
				" AND e.created_at <= ? ORDER BY e.created_at DESC, e.id LIMIT ?");
		g_array_append_val(params, p);
		g_array_append_val(params, p);
		query->n_params = params->len - 2;
		/* prepared (or found) once here for its errors, then taken for each page */
		keys = gs_store_query_cache_prepare(self, sql->str, params, error);
		gs_store_query_cache_release(self, keys);
		query->sql = g_string_free(g_steal_pointer(&sql), FALSE);
		query->params = g_steal_pointer(&params);
	}
	if (query->keys != NULL || keys != NULL)
		query->fetch = gs_store_sql_prepare(gs_store_get_db(self),
						    "SELECT id, json FROM events WHERE seq = ?",
						    FALSE,
						    error);
	if (query->fetch == NULL) {
		gs_store_raw_query_free(query);
		return NULL;
	}
	return query;
}

/**
 * gs_store_raw_query_keys:
 * @until: only events with created_at <= @until; -1 for no bound
 * @limit: at most this many keys; -1 for no limit
 * @keys: (element-type GsStoreRawKey): gets the keys appended, newest first (created_at
 *   descending, then id ascending), as gs_store_query() orders events
 * @error: a #GError
 *
 * Returns: %TRUE on success; %FALSE with %GS_ERROR_STORE
 */
gboolean
gs_store_raw_query_keys(GsStoreRawQuery *self,
			gint64 until,
			gint64 limit,
			GArray *keys,
			GError **error)
{
	sqlite3_stmt *stmt;
	gint rc;

	if (self->ids != NULL)
		return gs_store_raw_ids_keys(self, until, limit, keys, error);
	/* the statement is the store's between pages: the same text serves every filter of the
	 * same shape (REQ pages of 100 tag values), parsed and planned once */
	stmt = gs_store_query_cache_prepare(self->store, self->sql, self->params, error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64(stmt, self->n_params + 1, until >= 0 ? until : G_MAXINT64);
	sqlite3_bind_int64(stmt, self->n_params + 2, limit);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		GsStoreRawKey key = {.seq = sqlite3_column_int64(stmt, 0),
				     .created_at = sqlite3_column_int64(stmt, 1)};
		if (!gs_store_sql_column_id(stmt, 2, key.id, error)) {
			gs_store_query_cache_release(self->store, stmt);
			return FALSE;
		}
		g_array_append_val(keys, key);
	}
	/* ends the read (a reset): nothing is held between pages */
	gs_store_query_cache_release(self->store, stmt);
	if (rc != SQLITE_DONE)
		return gs_store_sql_error(
			gs_store_get_db(self->store), "failed to read events", error);
	return TRUE;
}

/**
 * gs_store_raw_query_fetch:
 * @key: a key gs_store_raw_query_keys() gave
 * @prefix: text to put before the event's JSON, e.g. `["EVENT","sub",`
 * @suffix: text to put after it, e.g. `]`
 * @error: a #GError
 *
 * Reads the event of @key. Its `#x` conditions are not checked: see
 * gs_store_raw_query_matches().
 *
 * Returns: (transfer full) (nullable): the event, to free with g_free(); %NULL without an
 *   error when it is no longer stored (deleted or replaced since its key was read), %NULL with
 *   %GS_ERROR_STORE
 */
GsStoreRawEvent *
gs_store_raw_query_fetch(GsStoreRawQuery *self,
			 const GsStoreRawKey *key,
			 const gchar *prefix,
			 const gchar *suffix,
			 GError **error)
{
	GsStoreRawEvent *ev = NULL;
	gint rc;

	sqlite3_bind_int64(self->fetch, 1, key->seq);
	rc = sqlite3_step(self->fetch);
	if (rc == SQLITE_ROW && sqlite3_column_bytes(self->fetch, 0) == 32 &&
	    memcmp(sqlite3_column_blob(self->fetch, 0), key->id, 32) == 0) {
		const gchar *json = (const gchar *)sqlite3_column_text(self->fetch, 1);
		gsize json_len = sqlite3_column_bytes(self->fetch, 1);
		gsize prefix_len = strlen(prefix);
		gsize suffix_len = strlen(suffix);
		gsize len = prefix_len + json_len + suffix_len;
		ev = g_malloc(sizeof(GsStoreRawEvent) + len + 1);
		ev->created_at = key->created_at;
		memcpy(ev->id, key->id, 32);
		gs_hex_encode_to(key->id, 32, ev->id_hex);
		ev->json_len = json_len;
		ev->len = len;
		memcpy(ev->text, prefix, prefix_len);
		memcpy(ev->text + prefix_len, json != NULL ? json : "", json_len);
		memcpy(ev->text + prefix_len + json_len, suffix, suffix_len);
		ev->text[len] = '\0';
	}
	sqlite3_reset(self->fetch);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		gs_store_sql_error(gs_store_get_db(self->store), "failed to read an event", error);
	return ev;
}

/**
 * gs_store_raw_query_matches:
 * @prefix_len: the length of the prefix @ev was fetched with
 * @error: a #GError
 *
 * Whether @ev matches the query's filter: %TRUE at once when it has no `#x` condition (SQL
 * decided the others), else checked on the text (see above).
 *
 * Returns: %TRUE when it matches; %FALSE when it does not, or with %GS_ERROR_STORE when its
 *   JSON cannot be parsed
 */
gboolean
gs_store_raw_query_matches(GsStoreRawQuery *self,
			   const GsStoreRawEvent *ev,
			   gsize prefix_len,
			   GError **error)
{
	if (self->tags->len == 0)
		return TRUE;
	return gs_store_raw_matches(
		self->filter, self->tags, ev->text + prefix_len, ev->json_len, ev->id_hex, error);
}

/**
 * gs_store_query_raw:
 * @filter: one NIP-01 filter; its limit (if any) caps the rows read
 * @prefix: text to put before each event's JSON
 * @suffix: text to put after it
 * @events_out: (out) (transfer full) (element-type GsStoreRawEvent): the matching events,
 *   newest first (created_at descending, then id ascending), as gs_store_query() orders them
 * @rows_out: (out) (optional): the rows read, including any a tag check dropped: fewer than
 *   the limit means the store holds nothing more that matches
 * @error: a #GError
 *
 * The events gs_store_query() gives for @filter alone (with no cap), in one call.
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
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, sizeof(GsStoreRawKey));
	g_autoptr(GsStoreRawQuery) query = NULL;
	gint64 limit = gs_filter_get_limit(filter);

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	g_return_val_if_fail(filter != NULL && events_out != NULL, FALSE);
	if (limit != 0) {
		query = gs_store_raw_query_new(self, filter, error);
		if (query == NULL || !gs_store_raw_query_keys(query, -1, limit, keys, error))
			return FALSE;
	}
	for (guint i = 0; i < keys->len; i++) {
		g_autoptr(GError) error_local = NULL;
		GsStoreRawEvent *ev =
			gs_store_raw_query_fetch(query,
						 &g_array_index(keys, GsStoreRawKey, i),
						 prefix,
						 suffix,
						 &error_local);
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		if (ev == NULL)
			continue;
		if (!gs_store_raw_query_matches(query, ev, strlen(prefix), &error_local)) {
			g_free(ev);
			if (error_local == NULL)
				continue;
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		g_ptr_array_add(events, ev);
	}
	if (rows_out != NULL)
		*rows_out = keys->len;
	*events_out = g_steal_pointer(&events);
	return TRUE;
}

/**
 * gs_store_read_begin:
 *
 * Begins a read transaction for the reads that follow on this thread until
 * gs_store_read_end(), so that they share one snapshot and one set of locks instead of taking
 * and dropping them each (a replay reads one event at a time). Meant for the reads of one
 * main-loop dispatch: nothing may write in between, and the transaction holds back the
 * checkpoints of the write-ahead log while it lasts.
 *
 * Returns: %TRUE when a transaction was begun, to end with gs_store_read_end(); %FALSE when
 *   one was open already or it could not begin (the reads then run on their own)
 */
gboolean
gs_store_read_begin(GsStore *self)
{
	g_autoptr(GError) error = NULL;

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	if (!sqlite3_get_autocommit(gs_store_get_db(self)))
		return FALSE;
	if (!gs_store_sql_exec(gs_store_get_db(self), "BEGIN", &error)) {
		g_debug("no read transaction: %s", error->message);
		return FALSE;
	}
	return TRUE;
}

/* ends what gs_store_read_begin() began (when it returned %TRUE) */
void
gs_store_read_end(GsStore *self)
{
	g_autoptr(GError) error = NULL;

	g_return_if_fail(GS_IS_STORE(self));
	if (sqlite3_get_autocommit(gs_store_get_db(self)))
		return;
	if (!gs_store_sql_exec(gs_store_get_db(self), "COMMIT", &error))
		g_warning("cannot end a read transaction: %s", error->message);
}
