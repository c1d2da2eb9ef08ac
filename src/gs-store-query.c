/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsStore, the read half: NIP-01 queries, counts, negentropy items and the lookups of the
 * acceptance policy. The object, its lifecycle and the writes are in gs-store.c. */

#define G_LOG_DOMAIN "GsStore"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-store-private.h"
#include "gs-store-query-cache.h"
#include "gs-store-sql.h"

/* newest first: created_at descending, then id ascending */

/**
 * gs_store_parse_stored:
 * @id_hex: the event's id, for the message
 *
 * Parses an event's stored JSON.
 *
 * Returns: (transfer full) (nullable): the event, or %NULL with %GS_ERROR_STORE
 */
GsEvent *
gs_store_parse_stored(const gchar *json, gsize len, const gchar *id_hex, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	GsEvent *event = gs_event_new_from_json(json, len, &error_local);

	if (event == NULL)
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_STORE,
			    "stored event %s is unreadable: %s",
			    id_hex,
			    error_local->message);
	return event;
}

static gint
gs_store_event_cmp_newest(gconstpointer a, gconstpointer b)
{
	const GsEvent *ea = *(const GsEvent *const *)a;
	const GsEvent *eb = *(const GsEvent *const *)b;
	gint64 ca = gs_event_get_created_at(ea);
	gint64 cb = gs_event_get_created_at(eb);

	if (ca != cb)
		return ca > cb ? -1 : 1;
	return memcmp(gs_event_get_id_raw(ea), gs_event_get_id_raw(eb), 32);
}

/* @seen: (nullable): ids (hex, owned by the events) already in @events; rows with such an id
 * are skipped without parsing. @filter: (nullable): events it does not match are dropped (the
 * tag index is by 64-bit key, see gs-store-schema.c). Columns: 0 = id, 1 = json. */
static gboolean
gs_store_collect_events(GsStore *self,
			sqlite3_stmt *stmt,
			GsFilter *filter,
			GPtrArray *events,
			GHashTable *seen,
			GError **error)
{
	gint rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		gchar id_hex[65];
		guint8 id[32];
		const gchar *json = (const gchar *)sqlite3_column_text(stmt, 1);
		GsEvent *event;

		if (!gs_store_sql_column_id(stmt, 0, id, error))
			return FALSE;
		gs_hex_encode_to(id, 32, id_hex);
		if (seen != NULL && g_hash_table_contains(seen, id_hex))
			continue;
		event = gs_store_parse_stored(
			json != NULL ? json : "", sqlite3_column_bytes(stmt, 1), id_hex, error);
		if (event == NULL)
			return FALSE;
		if (filter != NULL && !gs_filter_matches(filter, event)) {
			gs_event_unref(event);
			continue;
		}
		g_ptr_array_add(events, event);
		if (seen != NULL)
			g_hash_table_add(seen, (gpointer)gs_event_get_id(event));
	}
	if (rc != SQLITE_DONE)
		return gs_store_sql_error(gs_store_get_db(self), "failed to read events", error);
	return TRUE;
}

/* NIP-01 queries ------------------------------------------------------------------------------ */

/* the rows one filter may return: its limit capped by @max_limit; -1 means no limit */
static gint64
gs_store_filter_row_limit(GsFilter *filter, guint max_limit)
{
	gint64 limit = gs_filter_get_limit(filter);
	if (max_limit > 0 && (limit < 0 || limit > (gint64)max_limit))
		return max_limit;
	return limit;
}

/* returns: (transfer full) (nullable): "SELECT @columns FROM events e WHERE <filter> @tail"
 * prepared and bound, or %NULL with an error; @extra (nullable) is bound last, for a `?` in
 * @tail */
static sqlite3_stmt *
gs_store_prepare_filter_full(GsStore *self,
			     GsFilter *filter,
			     const gchar *columns,
			     const gchar *tail,
			     const gint64 *extra,
			     gboolean cached,
			     GError **error)
{
	g_autoptr(GString) sql = g_string_new(NULL);
	g_autoptr(GArray) params = g_array_new(FALSE, FALSE, sizeof(GsStoreSqlParam));

	g_string_append_printf(sql, "SELECT %s FROM events e WHERE ", columns);
	if (!gs_store_sql_filter_where(filter, gs_store_get_tag_secret(self), sql, params, error))
		return NULL;
	g_string_append(sql, tail);
	if (extra != NULL) {
		GsStoreSqlParam p = {.type = GS_STORE_SQL_INT, .num = *extra};
		g_array_append_val(params, p);
	}
	if (cached)
		return gs_store_query_cache_prepare(self, sql->str, params, error);
	return gs_store_sql_prepare_params(gs_store_get_db(self), sql->str, params, error);
}

static sqlite3_stmt *
gs_store_prepare_filter(GsStore *self,
			GsFilter *filter,
			const gchar *columns,
			const gchar *tail,
			const gint64 *extra,
			GError **error)
{
	return gs_store_prepare_filter_full(self, filter, columns, tail, extra, FALSE, error);
}

static gboolean
gs_store_query_filter(GsStore *self,
		      GsFilter *filter,
		      guint max_limit,
		      GPtrArray *events,
		      GHashTable *seen,
		      GError **error)
{
	gint64 limit = gs_store_filter_row_limit(filter, max_limit);
	g_autoptr(sqlite3_stmt) stmt = NULL;

	if (limit == 0 || gs_filter_is_empty_match(filter))
		return TRUE;
	stmt = gs_store_prepare_filter(self,
				       filter,
				       "e.id, e.json",
				       " ORDER BY e.created_at DESC, e.id LIMIT ?",
				       &limit,
				       error);
	if (stmt == NULL)
		return FALSE;
	return gs_store_collect_events(self, stmt, filter, events, seen, error);
}

GPtrArray *
gs_store_query(GsStore *self, GPtrArray *filters, guint max_limit, GError **error)
{
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	g_return_val_if_fail(GS_IS_STORE(self), NULL);
	g_return_val_if_fail(filters != NULL, NULL);
	for (guint i = 0; i < filters->len; i++) {
		GsFilter *filter = g_ptr_array_index(filters, i);
		if (!gs_store_query_filter(self, filter, max_limit, events, seen, error))
			return NULL;
	}
	g_ptr_array_sort(events, gs_store_event_cmp_newest);
	return g_steal_pointer(&events);
}

gboolean
gs_store_count(GsStore *self, GsFilter *filter, guint64 *count, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	g_return_val_if_fail(filter != NULL, FALSE);
	g_return_val_if_fail(count != NULL, FALSE);
	if (gs_filter_is_empty_match(filter)) {
		*count = 0;
		return TRUE;
	}
	stmt = gs_store_prepare_filter(self, filter, "count(*)", "", NULL, error);
	if (stmt == NULL)
		return FALSE;
	if (sqlite3_step(stmt) != SQLITE_ROW)
		return gs_store_sql_error(gs_store_get_db(self), "failed to count events", error);
	*count = (guint64)sqlite3_column_int64(stmt, 0);
	return TRUE;
}

/* negentropy items ---------------------------------------------------------------------------- */

static gint
gs_store_item_cmp(gconstpointer a, gconstpointer b)
{
	const GsStoreItem *ia = a;
	const GsStoreItem *ib = b;

	if (ia->created_at != ib->created_at)
		return ia->created_at < ib->created_at ? -1 : 1;
	return memcmp(ia->id, ib->id, 32);
}

static gboolean
gs_store_collect_items(GsStore *self,
		       sqlite3_stmt *stmt,
		       guint max_items,
		       GArray *items,
		       GError **error)
{
	gint rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		GsStoreItem item = {.created_at = (guint64)sqlite3_column_int64(stmt, 0)};
		if (items->len >= max_items) {
			g_set_error(error,
				    GS_ERROR,
				    GS_ERROR_TOO_LARGE,
				    "more than %u stored events match the filter",
				    max_items);
			return FALSE;
		}
		if (!gs_store_sql_column_id(stmt, 1, item.id, error))
			return FALSE;
		g_array_append_val(items, item);
	}
	if (rc != SQLITE_DONE)
		return gs_store_sql_error(gs_store_get_db(self), "failed to read items", error);
	return TRUE;
}

gboolean
gs_store_query_items(GsStore *self,
		     GsFilter *filter,
		     guint max_items,
		     GArray **items_out,
		     GError **error)
{
	g_autoptr(GArray) items = g_array_new(FALSE, FALSE, sizeof(GsStoreItem));

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	g_return_val_if_fail(filter != NULL, FALSE);
	g_return_val_if_fail(items_out != NULL, FALSE);
	if (!gs_filter_is_empty_match(filter)) {
		/* one row past the maximum is enough to know there are too many */
		gint64 limit = (gint64)max_items + 1;
		sqlite3_stmt *stmt = gs_store_prepare_filter_full(
			self, filter, "e.created_at, e.id", " LIMIT ?", &limit, TRUE, error);
		gboolean ok;
		if (stmt == NULL)
			return FALSE;
		ok = gs_store_collect_items(self, stmt, max_items, items, error);
		gs_store_query_cache_release(self, stmt);
		if (!ok)
			return FALSE;
	}
	g_array_sort(items, gs_store_item_cmp);
	*items_out = g_steal_pointer(&items);
	return TRUE;
}

/* runs @sql (a SELECT of created_at, id) with @params under a LIMIT of @max_items + 1 and
 * returns its items sorted; @sql NULL: no rows can match */
static gboolean
gs_store_run_items(GsStore *self,
		   GString *sql,
		   GArray *params,
		   guint max_items,
		   GArray **items_out,
		   GError **error)
{
	g_autoptr(GArray) items = g_array_new(FALSE, FALSE, sizeof(GsStoreItem));
	GsStoreSqlParam limit = {.type = GS_STORE_SQL_INT, .num = (gint64)max_items + 1};

	if (sql != NULL) {
		sqlite3_stmt *stmt;
		gboolean ok;
		g_string_append(sql, " LIMIT ?");
		g_array_append_val(params, limit);
		stmt = gs_store_query_cache_prepare(self, sql->str, params, error);
		if (stmt == NULL)
			return FALSE;
		ok = gs_store_collect_items(self, stmt, max_items, items, error);
		gs_store_query_cache_release(self, stmt);
		if (!ok)
			return FALSE;
	}
	g_array_sort(items, gs_store_item_cmp);
	*items_out = g_steal_pointer(&items);
	return TRUE;
}

gboolean
gs_store_query_superseded_items(GsStore *self,
				GsFilter *filter,
				guint max_items,
				GArray **items_out,
				GError **error)
{
	g_autoptr(GString) sql = g_string_new("SELECT s.created_at, s.id FROM superseded s WHERE ");
	g_autoptr(GArray) params = g_array_new(FALSE, FALSE, sizeof(GsStoreSqlParam));
	gboolean any;

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	g_return_val_if_fail(filter != NULL, FALSE);
	g_return_val_if_fail(items_out != NULL, FALSE);
	any = !gs_filter_is_empty_match(filter) &&
	      gs_store_sql_superseded_where(filter, sql, params);
	return gs_store_run_items(self, any ? sql : NULL, params, max_items, items_out, error);
}

gboolean
gs_store_query_deleted_items(GsStore *self,
			     GsFilter *filter,
			     guint max_items,
			     GArray **items_out,
			     GError **error)
{
	g_autoptr(GString) sql = g_string_new(
		"SELECT x.created_at, x.id FROM deleted_ids x WHERE x.created_at IS NOT NULL");
	g_autoptr(GArray) params = g_array_new(FALSE, FALSE, sizeof(GsStoreSqlParam));

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	g_return_val_if_fail(filter != NULL, FALSE);
	g_return_val_if_fail(items_out != NULL, FALSE);
	if (gs_filter_is_empty_match(filter))
		return gs_store_run_items(self, NULL, params, max_items, items_out, error);
	/* deleted by id, then the versions of deleted addresses (UNION drops repeats) */
	gs_store_sql_deleted_where(filter, sql, params);
	g_string_append(sql, " UNION SELECT x.created_at, x.id FROM deleted_versions x WHERE 1");
	gs_store_sql_deleted_where(filter, sql, params);
	return gs_store_run_items(self, sql, params, max_items, items_out, error);
}

/* point lookups ------------------------------------------------------------------------------- */

/* returns: (transfer full) (nullable): the first event of @stmt, or %NULL with NOT_FOUND
 * (saying @what) or another error */
static GsEvent *
gs_store_first_event(GsStore *self, sqlite3_stmt *stmt, const gchar *what, GError **error)
{
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	gboolean ok = gs_store_collect_events(self, stmt, NULL, events, NULL, error);

	sqlite3_reset(stmt);
	if (!ok)
		return NULL;
	if (events->len == 0) {
		g_set_error(error, GS_ERROR, GS_ERROR_NOT_FOUND, "%s is not stored", what);
		return NULL;
	}
	return gs_event_ref(g_ptr_array_index(events, 0));
}

GsEvent *
gs_store_get_event(GsStore *self, const gchar *id_hex, GError **error)
{
	sqlite3_stmt *stmt;
	g_autofree gchar *what = NULL;
	guint8 id[32];

	g_return_val_if_fail(GS_IS_STORE(self), NULL);
	if (!gs_store_sql_decode_hex32(id_hex, id, error))
		return NULL;
	stmt = gs_store_stmt(self, GS_STORE_STMT_GET_BY_ID);
	gs_store_sql_bind_key32(stmt, 1, 2, id);
	what = g_strdup_printf("event %s", id_hex);
	return gs_store_first_event(self, stmt, what, error);
}

/* steps a cached statement that answers yes (a row) or no (none) */
static gboolean
gs_store_ask(GsStore *self, sqlite3_stmt *stmt, GError **error)
{
	gboolean found = FALSE;
	gboolean ok = gs_store_step_row(self, stmt, &found, error);

	sqlite3_reset(stmt);
	return ok && found;
}

/* @id is in `events`; @current: the id filter may answer "not stored" */
static gboolean
gs_store_has_id(GsStore *self, const guint8 *id, gboolean current, GError **error)
{
	sqlite3_stmt *stmt;

	if (current && !gs_store_ids_may_contain(gs_store_get_ids(self), id))
		return FALSE;
	stmt = gs_store_stmt(self, GS_STORE_STMT_HAS_ID);
	gs_store_sql_bind_key32(stmt, 1, 2, id);
	return gs_store_ask(self, stmt, error);
}

gboolean
gs_store_has_event(GsStore *self, const gchar *id_hex, GError **error)
{
	guint8 id[32];

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	if (!gs_store_sql_decode_hex32(id_hex, id, error))
		return FALSE;
	/* an id the filter may hold is looked up whatever the filter's state: ask whether the
	 * filter is current (`PRAGMA data_version`, a statement of its own) only when its "not
	 * stored" would decide (the acceptance policy asks about the roots and parents a sync
	 * stored long before, nearly all of them stored) */
	if (gs_store_ids_may_contain(gs_store_get_ids(self), id))
		return gs_store_has_id(self, id, FALSE, error);
	return gs_store_has_id(self,
			       id,
			       gs_store_ids_current(gs_store_get_ids(self), gs_store_get_db(self)),
			       error);
}

gboolean
gs_store_remove_stored(GsStore *self, GPtrArray *ids_hex, GError **error)
{
	gboolean current;
	gboolean ok = TRUE;

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	g_return_val_if_fail(ids_hex != NULL, FALSE);
	current = gs_store_ids_current(gs_store_get_ids(self), gs_store_get_db(self));
	/* backwards: the last id, moved into a removed one's place, was asked about already */
	for (guint i = ids_hex->len; i-- > 0;) {
		g_autoptr(GError) error_local = NULL;
		guint8 id[32];
		gboolean stored = FALSE;

		if (gs_store_sql_decode_hex32(g_ptr_array_index(ids_hex, i), id, &error_local))
			stored = gs_store_has_id(self, id, current, &error_local);
		if (error_local != NULL && ok) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			ok = FALSE;
		}
		if (stored)
			g_ptr_array_remove_index_fast(ids_hex, i);
	}
	return ok;
}

gboolean
gs_store_lookup_seq(GsStore *self, const guint8 *id, gint64 *seq, GError **error)
{
	sqlite3_stmt *stmt;
	gboolean found = FALSE;
	gboolean ok;

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	g_return_val_if_fail(id != NULL && seq != NULL, FALSE);
	stmt = gs_store_stmt(self, GS_STORE_STMT_HAS_ID);
	gs_store_sql_bind_key32(stmt, 1, 2, id);
	ok = gs_store_step_row(self, stmt, &found, error);
	if (ok && found)
		*seq = sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	if (ok && !found) {
		g_autofree gchar *hex = gs_hex_encode(id, 32);
		g_set_error(error, GS_ERROR, GS_ERROR_NOT_FOUND, "event %s is not stored", hex);
	}
	return ok && found;
}

gboolean
gs_store_is_deleted(GsStore *self, const gchar *id_hex, const gchar *pubkey_hex, GError **error)
{
	sqlite3_stmt *stmt;
	guint8 id[32];
	guint8 pk[32];

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	if (!gs_store_sql_decode_hex32(id_hex, id, error) ||
	    !gs_store_sql_decode_hex32(pubkey_hex, pk, error))
		return FALSE;
	stmt = gs_store_stmt(self, GS_STORE_STMT_IS_DELETED_ID);
	gs_store_sql_bind_blob32(stmt, 1, id);
	gs_store_sql_bind_blob32(stmt, 2, pk);
	return gs_store_ask(self, stmt, error);
}

static gboolean
gs_store_check_tag_name(const gchar *tag_name, GError **error)
{
	if (tag_name == NULL || !g_ascii_isalpha(tag_name[0]) || tag_name[1] != '\0') {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "only single-letter tags are indexed, not '%.20s'",
			    tag_name != NULL ? tag_name : "(null)");
		return FALSE;
	}
	return TRUE;
}

gboolean
gs_store_has_tag_reference(GsStore *self, const gchar *tag_name, const gchar *value, GError **error)
{
	sqlite3_stmt *stmt;

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	g_return_val_if_fail(value != NULL, FALSE);
	if (!gs_store_check_tag_name(tag_name, error))
		return FALSE;
	stmt = gs_store_stmt(self, GS_STORE_STMT_HAS_TAG);
	sqlite3_bind_int64(
		stmt, 1, gs_store_sql_tag_key(gs_store_get_tag_secret(self), tag_name, value));
	return gs_store_ask(self, stmt, error);
}

/* the statements below are kept by the query cache (gs-store-query-cache.c): bound here */
static sqlite3_stmt *
gs_store_query_cache_prepare_unbound(GsStore *self, const gchar *sql, GError **error)
{
	g_autoptr(GArray) none = g_array_new(FALSE, FALSE, sizeof(GsStoreSqlParam));
	return gs_store_query_cache_prepare(self, sql, none, error);
}

gboolean
gs_store_has_tag_references(GsStore *self,
			    const gchar *const *tag_names,
			    const gchar *const *values,
			    guint n,
			    GError **error)
{
	/* one text per count, up to six (the policy's e|E|q id and a|A|q coordinate) */
	static const gchar *const sql[] = {
		NULL,
		"SELECT 1 FROM tags WHERE key = ?1 LIMIT 1",
		"SELECT 1 FROM tags WHERE key IN (?1, ?2) LIMIT 1",
		"SELECT 1 FROM tags WHERE key IN (?1, ?2, ?3) LIMIT 1",
		"SELECT 1 FROM tags WHERE key IN (?1, ?2, ?3, ?4) LIMIT 1",
		"SELECT 1 FROM tags WHERE key IN (?1, ?2, ?3, ?4, ?5) LIMIT 1",
		"SELECT 1 FROM tags WHERE key IN (?1, ?2, ?3, ?4, ?5, ?6) LIMIT 1",
	};
	sqlite3_stmt *stmt;
	gboolean found = FALSE;
	gboolean ok;

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	g_return_val_if_fail(n == 0 || (tag_names != NULL && values != NULL), FALSE);
	if (n >= G_N_ELEMENTS(sql)) {
		g_set_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "%u tag references", n);
		return FALSE;
	}
	for (guint i = 0; i < n; i++) {
		if (!gs_store_check_tag_name(tag_names[i], error))
			return FALSE;
		g_return_val_if_fail(values[i] != NULL, FALSE);
	}
	if (n == 0)
		return FALSE;
	stmt = gs_store_query_cache_prepare_unbound(self, sql[n], error);
	if (stmt == NULL)
		return FALSE;
	for (guint i = 0; i < n; i++)
		sqlite3_bind_int64(stmt,
				   (gint)i + 1,
				   gs_store_sql_tag_key(
					   gs_store_get_tag_secret(self), tag_names[i], values[i]));
	ok = gs_store_step_row(self, stmt, &found, error);
	gs_store_query_cache_release(self, stmt);
	return ok && found;
}

GPtrArray *
gs_store_find_referencing(GsStore *self,
			  const gchar *tag_name,
			  const gchar *value,
			  guint max_events,
			  GError **error)
{
	g_autoptr(GsFilter) filter = gs_filter_new();
	g_autoptr(GPtrArray) filters = g_ptr_array_new();

	g_return_val_if_fail(GS_IS_STORE(self), NULL);
	g_return_val_if_fail(value != NULL, NULL);
	if (!gs_store_check_tag_name(tag_name, error))
		return NULL;
	gs_filter_add_tag_value(filter, tag_name[0], value);
	g_ptr_array_add(filters, filter);
	return gs_store_query(self, filters, max_events, error);
}

static gboolean
gs_store_check_key(guint kind, const gchar *pubkey_hex, guint8 *pk, GError **error)
{
	if (!gs_kind_is_replaceable(kind) && !gs_kind_is_addressable(kind)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "kind %u is neither replaceable nor addressable",
			    kind);
		return FALSE;
	}
	return gs_store_sql_decode_hex32(pubkey_hex, pk, error);
}

GsEvent *
gs_store_get_latest(GsStore *self,
		    guint kind,
		    const gchar *pubkey_hex,
		    const gchar *d,
		    GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	g_autofree gchar *coord = NULL;
	guint8 pk[32];
	const gchar *key_d = gs_kind_is_addressable(kind) && d != NULL ? d : "";

	g_return_val_if_fail(GS_IS_STORE(self), NULL);
	g_return_val_if_fail(pubkey_hex != NULL, NULL);
	if (!gs_store_check_key(kind, pubkey_hex, pk, error))
		return NULL;
	stmt = gs_store_sql_prepare(gs_store_get_db(self),
				    "SELECT id, json FROM events "
				    "WHERE kind = ?1 AND pubkey = ?2 AND d = ?3",
				    FALSE,
				    error);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_int64(stmt, 1, kind);
	gs_store_sql_bind_blob32(stmt, 2, pk);
	sqlite3_bind_text(stmt, 3, key_d, -1, SQLITE_STATIC);
	coord = gs_coordinate_build(kind, pubkey_hex, key_d);
	return gs_store_first_event(self, stmt, coord, error);
}

gboolean
gs_store_has_latest(GsStore *self,
		    guint kind,
		    const gchar *pubkey_hex,
		    const gchar *d,
		    GError **error)
{
	sqlite3_stmt *stmt;
	guint8 pk[32];
	const gchar *key_d = gs_kind_is_addressable(kind) && d != NULL ? d : "";
	gboolean found = FALSE;
	gboolean ok;

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	g_return_val_if_fail(pubkey_hex != NULL, FALSE);
	if (!gs_store_check_key(kind, pubkey_hex, pk, error))
		return FALSE;
	/* the same rows as gs_store_get_latest(), without reading or parsing the event */
	stmt = gs_store_query_cache_prepare_unbound(
		self, "SELECT 1 FROM events WHERE kind = ?1 AND pubkey = ?2 AND d = ?3", error);
	if (stmt == NULL)
		return FALSE;
	sqlite3_bind_int64(stmt, 1, kind);
	gs_store_sql_bind_blob32(stmt, 2, pk);
	sqlite3_bind_text(stmt, 3, key_d, -1, SQLITE_STATIC);
	ok = gs_store_step_row(self, stmt, &found, error);
	gs_store_query_cache_release(self, stmt);
	return ok && found;
}

/* through the tag index, since no index on events leads with d; an addressable event without
 * a d tag (d = "") has no row there, so "" scans the kind. The unary + keeps SQLite (which has
 * no statistics) from choosing events_kind and scanning every event of the kind instead:
 * with a few thousand announcements that was a millisecond per call, now a few microseconds */
GPtrArray *
gs_store_find_addressable(GsStore *self, guint kind, const gchar *d, GError **error)
{
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	sqlite3_stmt *stmt;
	gboolean ok;

	g_return_val_if_fail(GS_IS_STORE(self), NULL);
	g_return_val_if_fail(d != NULL, NULL);
	if (!gs_kind_is_addressable(kind)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "kind %u is not addressable",
			    kind);
		return NULL;
	}
	/* the policy asks once per repository identifier: prepared once, not per call */
	stmt = gs_store_stmt(self,
			     d[0] == '\0' ? GS_STORE_STMT_FIND_ADDRESSABLE_NO_D
					  : GS_STORE_STMT_FIND_ADDRESSABLE);
	sqlite3_bind_int64(stmt, 1, kind);
	sqlite3_bind_text(stmt, 2, d, -1, SQLITE_STATIC);
	if (d[0] != '\0')
		sqlite3_bind_int64(
			stmt, 3, gs_store_sql_tag_key(gs_store_get_tag_secret(self), "d", d));
	ok = gs_store_collect_events(self, stmt, NULL, events, NULL, error);
	/* ends the read at once, also after a failure half-way */
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (!ok)
		return NULL;
	return g_steal_pointer(&events);
}

/**
 * gs_store_dup_coordinates:
 * @kind: an addressable kind (30000-39999), e.g. 30617 for repository announcements
 * @error: a #GError
 *
 * The coordinates (`kind:pubkey-hex:d`) of every stored event of @kind, read from the
 * events' key columns without loading the events: for callers that need the addresses of
 * thousands of announcements at once.
 *
 * Returns: (transfer full) (element-type utf8) (nullable): the coordinates in no particular
 *   order (possibly none), or %NULL with %GS_ERROR_INVALID_ARGUMENT or %GS_ERROR_STORE
 */
GPtrArray *
gs_store_dup_coordinates(GsStore *self, guint kind, GError **error)
{
	g_autoptr(GPtrArray) coordinates = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(sqlite3_stmt) stmt = NULL;
	gint rc;

	g_return_val_if_fail(GS_IS_STORE(self), NULL);
	if (!gs_kind_is_addressable(kind)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "kind %u is not addressable",
			    kind);
		return NULL;
	}
	stmt = gs_store_sql_prepare(
		gs_store_get_db(self),
		"SELECT pubkey, d FROM events WHERE kind = ?1 AND d IS NOT NULL",
		FALSE,
		error);
	if (stmt == NULL)
		return NULL;
	sqlite3_bind_int64(stmt, 1, kind);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		gchar pubkey[65];

		if (sqlite3_column_bytes(stmt, 0) != 32)
			continue;
		gs_hex_encode_to(sqlite3_column_blob(stmt, 0), 32, pubkey);
		pubkey[64] = '\0';
		g_ptr_array_add(coordinates,
				g_strdup_printf("%u:%s:%s",
						kind,
						pubkey,
						(const gchar *)sqlite3_column_text(stmt, 1)));
	}
	if (rc != SQLITE_DONE) {
		gs_store_sql_error(gs_store_get_db(self), "failed to read from the store", error);
		return NULL;
	}
	return g_steal_pointer(&coordinates);
}
