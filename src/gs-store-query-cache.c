/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsStore: generated read statements kept for reuse by their text */

#define G_LOG_DOMAIN "GsStore"

#include "config.h"

#include "gs-error.h"
#include "gs-store-private.h"
#include "gs-store-query-cache.h"
#include "gs-store-sql.h"

/*
 * A sync reconciles about 1,200 filters of 100 tag values each, and both sides build the item
 * set of each from the store: the same statement text every time (the values are
 * parameters), which SQLite parsed and planned again for each filter, a sixth of what the
 * query cost (callgrind, 100 such filters in a store of 100,000 events). The statements are
 * kept here, idle and reset, by their text; a statement in use is taken out, so two users
 * never share one. At most GS_STORE_QUERY_CACHE_MAX texts are kept: the item queries come in
 * few shapes (full chunks of 100 values), and a text past the maximum is just finalised. The
 * statements go before the store closes its database (a weak reference: notified at the
 * store's dispose, before its finalize closes the connection).
 */
#define GS_STORE_QUERY_CACHE_MAX 16

static GQuark
gs_store_query_cache_quark(void)
{
	static GQuark quark;

	if (quark == 0)
		quark = g_quark_from_static_string("gs-store-query-cache");
	return quark;
}

static void
gs_store_query_cache_free(gpointer data, GObject *where_the_store_was)
{
	g_object_set_qdata(where_the_store_was, gs_store_query_cache_quark(), NULL);
	g_hash_table_unref(data);
}

/* returns: (transfer none): the store's statements by text, created at the first use */
static GHashTable *
gs_store_query_cache_get(GsStore *store)
{
	GHashTable *cache = g_object_get_qdata(G_OBJECT(store), gs_store_query_cache_quark());

	if (cache == NULL) {
		cache = g_hash_table_new_full(
			g_str_hash, g_str_equal, g_free, (GDestroyNotify)sqlite3_finalize);
		g_object_set_qdata(G_OBJECT(store), gs_store_query_cache_quark(), cache);
		g_object_weak_ref(G_OBJECT(store), gs_store_query_cache_free, cache);
	}
	return cache;
}

static void
gs_store_query_cache_bind(sqlite3_stmt *stmt, GArray *params)
{
	for (guint i = 0; i < params->len; i++) {
		const GsStoreSqlParam *p = &g_array_index(params, GsStoreSqlParam, i);
		switch (p->type) {
		case GS_STORE_SQL_INT:
			sqlite3_bind_int64(stmt, (gint)i + 1, p->num);
			break;
		case GS_STORE_SQL_TEXT:
			sqlite3_bind_text(stmt, (gint)i + 1, p->text, -1, SQLITE_STATIC);
			break;
		case GS_STORE_SQL_BLOB32:
		default:
			gs_store_sql_bind_blob32(stmt, (gint)i + 1, p->blob);
			break;
		}
	}
}

/**
 * gs_store_query_cache_prepare:
 * @sql: a generated SELECT
 * @params: (element-type GsStoreSqlParam): its parameters, bound in order (text ones without
 *   a copy: keep their owner alive until the release)
 *
 * gs_store_sql_prepare_params(), reusing an idle statement of the same text when the store
 * keeps one. Give it back with gs_store_query_cache_release(), never sqlite3_finalize().
 *
 * Returns: (transfer full) (nullable): the statement, bound; %NULL with %GS_ERROR_TOO_LARGE or
 *   %GS_ERROR_STORE
 */
sqlite3_stmt *
gs_store_query_cache_prepare(GsStore *store, const gchar *sql, GArray *params, GError **error)
{
	GHashTable *cache = gs_store_query_cache_get(store);
	gpointer key = NULL;
	gpointer stmt = NULL;

	if (!g_hash_table_steal_extended(cache, sql, &key, &stmt))
		return gs_store_sql_prepare_params(gs_store_get_db(store), sql, params, error);
	g_free(key);
	gs_store_query_cache_bind(stmt, params);
	return stmt;
}

/* resets @stmt (ending its read) and keeps it for the next use of its text, or finalises it */
void
gs_store_query_cache_release(GsStore *store, sqlite3_stmt *stmt)
{
	GHashTable *cache;
	const gchar *sql;

	if (stmt == NULL)
		return;
	cache = gs_store_query_cache_get(store);
	sql = sqlite3_sql(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (sql == NULL || g_hash_table_size(cache) >= GS_STORE_QUERY_CACHE_MAX ||
	    g_hash_table_contains(cache, sql)) {
		sqlite3_finalize(stmt);
		return;
	}
	g_hash_table_insert(cache, g_strdup(sql), stmt);
}
