/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsStore's cache of generated read statements: reused by text, bound afresh, the least
 * recently used one dropped when it is full */

#include "config.h"

#include "gs-store-private.h"
#include "gs-store-query-cache.h"
#include "gs-store-sql.h"
#include "gs-store.h"
#include "gs-test-utils.h"

typedef GsTestStore Fixture;

/* "SELECT ?1 + n": a text of its own for each @n */
static gchar *
shape(guint n)
{
	return g_strdup_printf("SELECT ?1 + %u", n);
}

/* prepares shape @n bound to @value, steps it once, checks the answer and gives it back;
 * returns whether the statement had run before (it came from the cache) */
static gboolean
use_shape(GsStore *store, guint n, gint64 value)
{
	g_autofree gchar *sql = shape(n);
	g_autoptr(GArray) params = g_array_new(FALSE, FALSE, sizeof(GsStoreSqlParam));
	GsStoreSqlParam p = {.type = GS_STORE_SQL_INT, .num = value};
	g_autoptr(GError) error = NULL;
	sqlite3_stmt *stmt;
	gboolean reused;

	g_array_append_val(params, p);
	stmt = gs_store_query_cache_prepare(store, sql, params, &error);
	g_assert_no_error(error);
	g_assert_nonnull(stmt);
	reused = sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_RUN, FALSE) > 0;
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
	g_assert_cmpint(sqlite3_column_int64(stmt, 0), ==, value + n);
	gs_store_query_cache_release(store, stmt);
	return reused;
}

static void
test_reuse(Fixture *fx, gconstpointer data)
{
	g_assert_false(use_shape(fx->store, 1, 10));
	/* the same text again: the kept statement, with the new value bound */
	g_assert_true(use_shape(fx->store, 1, 20));
	g_assert_true(use_shape(fx->store, 1, 30));
	g_assert_false(use_shape(fx->store, 2, 10));
	g_assert_true(use_shape(fx->store, 2, 40));
}

/* two users of one text at once get two statements; both are given back */
static void
test_in_use(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *sql = shape(7);
	g_autoptr(GArray) params = g_array_new(FALSE, FALSE, sizeof(GsStoreSqlParam));
	GsStoreSqlParam p = {.type = GS_STORE_SQL_INT, .num = 1};
	sqlite3_stmt *a, *b;

	g_array_append_val(params, p);
	g_assert_false(use_shape(fx->store, 7, 1));
	a = gs_store_query_cache_prepare(fx->store, sql, params, NULL);
	b = gs_store_query_cache_prepare(fx->store, sql, params, NULL);
	g_assert_nonnull(a);
	g_assert_nonnull(b);
	g_assert_true(a != b);
	g_assert_cmpint(sqlite3_step(a), ==, SQLITE_ROW);
	g_assert_cmpint(sqlite3_step(b), ==, SQLITE_ROW);
	gs_store_query_cache_release(fx->store, a);
	gs_store_query_cache_release(fx->store, b); /* the text is kept already: finalised */
	g_assert_true(use_shape(fx->store, 7, 2));
}

/* past the maximum the least recently used text goes, not the newest */
static void
test_lru(Fixture *fx, gconstpointer data)
{
	for (guint n = 0; n < GS_STORE_QUERY_CACHE_MAX; n++)
		g_assert_false(use_shape(fx->store, n, 1));
	/* shape 0 used again: now the most recent; shape 1 the least */
	g_assert_true(use_shape(fx->store, 0, 2));
	/* a new text when full drops shape 1 */
	g_assert_false(use_shape(fx->store, 1000, 1));
	g_assert_true(use_shape(fx->store, 1000, 2));
	g_assert_true(use_shape(fx->store, 0, 3));
	for (guint n = 2; n < GS_STORE_QUERY_CACHE_MAX; n++)
		g_assert_true(use_shape(fx->store, n, 4));
	g_assert_false(use_shape(fx->store, 1, 5));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add("/store-query-cache/reuse",
		   Fixture,
		   NULL,
		   gs_test_store_setup,
		   test_reuse,
		   gs_test_store_teardown);
	g_test_add("/store-query-cache/in-use",
		   Fixture,
		   NULL,
		   gs_test_store_setup,
		   test_in_use,
		   gs_test_store_teardown);
	g_test_add("/store-query-cache/lru",
		   Fixture,
		   NULL,
		   gs_test_store_setup,
		   test_lru,
		   gs_test_store_teardown);
	return g_test_run();
}
