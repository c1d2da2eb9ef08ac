/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsHomeOutbox's counts and state queries, and the partial index they use (schema 6) */

#include "config.h"

#include <string.h>

#include "gs-home-outbox.h"
#include "gs-store.h"
#include "gs-test-utils.h"

typedef struct {
	GsTestStore ts;
	GsHomeOutbox *outbox;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	gs_test_store_open(&f->ts);
	f->outbox = gs_home_outbox_new(gs_store_get_db(f->ts.store), &error);
	g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_pointer(&f->outbox, gs_home_outbox_free);
	gs_test_store_close(&f->ts);
}

/* column @col of every row of @sql, one a line */
static gchar *
query_text(GsStore *store, const gchar *sql, gint col)
{
	sqlite3_stmt *stmt = NULL;
	gchar *text = NULL;

	g_assert_cmpint(
		sqlite3_prepare_v2(gs_store_get_db(store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		g_autofree gchar *old = text;
		text = g_strconcat(old != NULL ? old : "",
				   (const gchar *)sqlite3_column_text(stmt, col),
				   "\n",
				   NULL);
	}
	sqlite3_finalize(stmt);
	return text;
}

/* rows 1..n, ids of their number */
static void
add_rows(Fixture *f, guint n)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_home_outbox_begin(f->outbox, &error));
	for (guint i = 1; i <= n; i++) {
		guint8 id[32] = {0};
		gboolean added = FALSE;

		id[0] = (guint8)i;
		g_assert_true(gs_home_outbox_add(f->outbox, i, id, 1000, &added, &error));
		g_assert_true(added);
	}
	g_assert_true(gs_home_outbox_commit(f->outbox, &error));
	g_assert_no_error(error);
}

static void
set_result(Fixture *f, guint row, GsHomeOutboxState state, gint64 next_retry)
{
	g_autoptr(GError) error = NULL;
	guint8 id[32] = {0};

	id[0] = (guint8)row;
	g_assert_true(gs_home_outbox_set_result(
		f->outbox, row, id, state, 1, "blocked: test", next_retry, &error));
	g_assert_no_error(error);
}

static void
outbox_counts(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) refused = NULL;
	guint n = 0;

	add_rows(f, 5);
	g_assert_cmpint(gs_home_outbox_count(f->outbox, GS_HOME_OUTBOX_PENDING), ==, 5);
	g_assert_cmpint(gs_home_outbox_count(f->outbox, GS_HOME_OUTBOX_REFUSED), ==, 0);
	g_assert_cmpint(gs_home_outbox_get_next_retry(f->outbox, 0), ==, 0);
	set_result(f, 2, GS_HOME_OUTBOX_REFUSED, 9000);
	set_result(f, 4, GS_HOME_OUTBOX_PENDING, 700);
	g_assert_cmpint(gs_home_outbox_count(f->outbox, GS_HOME_OUTBOX_PENDING), ==, 4);
	g_assert_cmpint(gs_home_outbox_count(f->outbox, GS_HOME_OUTBOX_REFUSED), ==, 1);
	/* the pending row waiting for a retry time, not the refused one nor those due now */
	g_assert_cmpint(gs_home_outbox_get_next_retry(f->outbox, 0), ==, 700);
	g_assert_cmpint(gs_home_outbox_get_next_retry(f->outbox, 700), ==, 0);
	refused = gs_home_outbox_dup_refused(f->outbox, 10, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(refused->len, ==, 1);
	g_assert_cmpint(((GsHomeOutboxEntry *)g_ptr_array_index(refused, 0))->seq, ==, 2);
	/* not due yet, then due */
	g_assert_true(gs_home_outbox_requeue_refused(f->outbox, 8999, &n, &error));
	g_assert_cmpuint(n, ==, 0);
	g_assert_true(gs_home_outbox_requeue_refused(f->outbox, 9000, &n, &error));
	g_assert_cmpuint(n, ==, 1);
	g_assert_cmpint(gs_home_outbox_count(f->outbox, GS_HOME_OUTBOX_PENDING), ==, 5);
	g_assert_cmpint(gs_home_outbox_count(f->outbox, GS_HOME_OUTBOX_REFUSED), ==, 0);
	/* a first refusal gets its second chance */
	set_result(f, 3, GS_HOME_OUTBOX_REFUSED, 9000);
	g_assert_true(gs_home_outbox_requeue_first_refusals(f->outbox, &n, &error));
	g_assert_cmpuint(n, ==, 1);
	g_assert_no_error(error);
}

/* rows queued and delivered, as nearly all are, have no index entry; the queries that look
 * for refused or retried rows use the index */
static void
outbox_partial_index(Fixture *f, gconstpointer data)
{
	g_autofree gchar *sql = query_text(
		f->ts.store, "SELECT sql FROM sqlite_master WHERE name = 'home_outbox_due'", 0);
	g_autofree gchar *plan = NULL;

	g_assert_nonnull(strstr(sql, "WHERE state != 0 OR next_retry != 0"));
	plan = query_text(f->ts.store,
			  "EXPLAIN QUERY PLAN SELECT count(*) FROM home_outbox "
			  "WHERE (state != 0 OR next_retry != 0) AND state = 1",
			  3); /* the plan's detail */
	g_assert_nonnull(strstr(plan, "home_outbox_due"));
}

/* a store of schema 5 gets the partial index in place of the full one */
static void
outbox_migrate(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *sql = NULL;

	add_rows(f, 3);
	set_result(f, 1, GS_HOME_OUTBOX_REFUSED, 9000);
	g_clear_pointer(&f->outbox, gs_home_outbox_free);
	g_assert_cmpint(sqlite3_exec(gs_store_get_db(f->ts.store),
				     "DROP INDEX home_outbox_due; CREATE INDEX home_outbox_due ON "
				     "home_outbox (state, next_retry); PRAGMA user_version = 5",
				     NULL,
				     NULL,
				     NULL),
			==,
			SQLITE_OK);
	g_clear_object(&f->ts.store);
	f->ts.store = gs_store_new(f->ts.path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(gs_store_get_schema_version(f->ts.store), >=, 6);
	sql = query_text(
		f->ts.store, "SELECT sql FROM sqlite_master WHERE name = 'home_outbox_due'", 0);
	g_assert_nonnull(strstr(sql, "WHERE"));
	f->outbox = gs_home_outbox_new(gs_store_get_db(f->ts.store), &error);
	g_assert_no_error(error);
	g_assert_cmpint(gs_home_outbox_count(f->outbox, GS_HOME_OUTBOX_PENDING), ==, 2);
	g_assert_cmpint(gs_home_outbox_count(f->outbox, GS_HOME_OUTBOX_REFUSED), ==, 1);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
#define ADD(path, fn)                                                                              \
	g_test_add("/grasp-sync/home-outbox/" path,                                                \
		   Fixture,                                                                        \
		   NULL,                                                                           \
		   fixture_setup,                                                                  \
		   fn,                                                                             \
		   fixture_teardown)
	ADD("counts", outbox_counts);
	ADD("partial-index", outbox_partial_index);
	ADD("migrate", outbox_migrate);
#undef ADD
	return g_test_run();
}
