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
 * never share one. The texts come in more shapes than one might think (chunks of 1 to 100
 * values, with or without kinds and times, the relay endpoint's REQ pages): the first 16
 * texts kept for good missed 810 of 1,309 lookups in a REQ+EOSE sync's serving, so at most
 * GS_STORE_QUERY_CACHE_MAX statements are kept and the least recently used goes first. The
 * statements go before the store closes its database (a weak reference: notified at the
 * store's dispose, before its finalize closes the connection).
 */

typedef struct {
	GHashTable *by_sql; /* text (owned by the entry) -> GsStoreQueryCacheEntry */
	GQueue lru;	    /* entries, the most recently released first */
} GsStoreQueryCache;

typedef struct {
	gchar *sql;
	sqlite3_stmt *stmt;
	GList link; /* in GsStoreQueryCache.lru */
} GsStoreQueryCacheEntry;

static GQuark
gs_store_query_cache_quark(void)
{
	static GQuark quark;

	if (quark == 0)
		quark = g_quark_from_static_string("gs-store-query-cache");
	return quark;
}

static void
gs_store_query_cache_entry_free(GsStoreQueryCacheEntry *entry)
{
	sqlite3_finalize(entry->stmt);
	g_free(entry->sql);
	g_free(entry);
}

static void
gs_store_query_cache_free(gpointer data, GObject *where_the_store_was)
{
	GsStoreQueryCache *cache = data;

	g_object_set_qdata(where_the_store_was, gs_store_query_cache_quark(), NULL);
	g_hash_table_unref(cache->by_sql);
	g_free(cache);
}

/* returns: (transfer none): the store's idle statements, created at the first use */
static GsStoreQueryCache *
gs_store_query_cache_get(GsStore *store)
{
	GsStoreQueryCache *cache =
		g_object_get_qdata(G_OBJECT(store), gs_store_query_cache_quark());

	if (cache == NULL) {
		cache = g_new0(GsStoreQueryCache, 1);
		cache->by_sql =
			g_hash_table_new_full(g_str_hash,
					      g_str_equal,
					      NULL,
					      (GDestroyNotify)gs_store_query_cache_entry_free);
		g_queue_init(&cache->lru);
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
	GsStoreQueryCache *cache = gs_store_query_cache_get(store);
	GsStoreQueryCacheEntry *entry = g_hash_table_lookup(cache->by_sql, sql);
	sqlite3_stmt *stmt;

	if (entry == NULL)
		return gs_store_sql_prepare_params(gs_store_get_db(store), sql, params, error);
	g_queue_unlink(&cache->lru, &entry->link);
	stmt = g_steal_pointer(&entry->stmt);
	g_hash_table_steal(cache->by_sql, entry->sql);
	g_free(entry->sql);
	g_free(entry);
	gs_store_query_cache_bind(stmt, params);
	return stmt;
}

/* resets @stmt (ending its read) and keeps it for the next use of its text, or finalises it */
void
gs_store_query_cache_release(GsStore *store, sqlite3_stmt *stmt)
{
	GsStoreQueryCache *cache;
	GsStoreQueryCacheEntry *entry;
	const gchar *sql;

	if (stmt == NULL)
		return;
	cache = gs_store_query_cache_get(store);
	sql = sqlite3_sql(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	if (sql == NULL || g_hash_table_contains(cache->by_sql, sql)) {
		sqlite3_finalize(stmt);
		return;
	}
	if (g_hash_table_size(cache->by_sql) >= GS_STORE_QUERY_CACHE_MAX) {
		GsStoreQueryCacheEntry *oldest = g_queue_peek_tail(&cache->lru);
		g_queue_unlink(&cache->lru, &oldest->link);
		g_hash_table_remove(cache->by_sql, oldest->sql);
	}
	entry = g_new0(GsStoreQueryCacheEntry, 1);
	entry->sql = g_strdup(sql);
	entry->stmt = stmt;
	entry->link.data = entry;
	g_queue_push_head_link(&cache->lru, &entry->link);
	g_hash_table_insert(cache->by_sql, entry->sql, entry);
}
