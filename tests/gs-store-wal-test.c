/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsStore's log and file: checkpoints without holding the writer off, the writer's wait for a
 * lock, the page size of new and existing databases */

#include "config.h"

#include "gs-store-private.h"
#include "gs-store-sql.h"
#include "gs-store.h"
#include "gs-test-utils.h"

typedef GsTestStore Fixture;

/* an event with a made-up id and signature: the store does not verify */
static GsEvent *
fake_event(guint64 n, gint64 created_at)
{
	g_autofree gchar *id =
		g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)&n, sizeof(n));
	g_autofree gchar *json = g_strdup_printf(
		"{\"id\":\"%s\",\"pubkey\":\"%064x\",\"created_at\":%" G_GINT64_FORMAT
		",\"kind\":1,\"tags\":[[\"p\",\"x\"]],\"content\":\"a fake event\","
		"\"sig\":\"%0128x\"}",
		id,
		(guint)(n % 50),
		created_at,
		0);
	g_autoptr(GError) error = NULL;
	GsEvent *event = gs_event_new_from_json(json, -1, &error);

	g_assert_no_error(error);
	return event;
}

/* the log's length in pages, read with a passive checkpoint of the writer's connection */
static gint
wal_frames(GsStore *store)
{
	gint log_frames = -1, copied = -1;

	g_assert_cmpint(sqlite3_wal_checkpoint_v2(gs_store_get_db(store),
						  NULL,
						  SQLITE_CHECKPOINT_PASSIVE,
						  &log_frames,
						  &copied),
			==,
			SQLITE_OK);
	return log_frames;
}

/* a checkpoint that nothing writes against copies the log in passive passes and does not
 * hold the writer off with a RESTART; the writer's next transaction starts the log over */
static void
store_checkpoint_passive(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GsFilter) all = gs_filter_new();
	g_autoptr(GError) error = NULL;
	guint64 count = 0;

	gs_store_set_checkpoint_threshold(fx->store, 64);
	for (guint i = 0; i < 2000; i++)
		g_ptr_array_add(batch, fake_event(i, 1000 + i));
	g_assert_true(gs_store_insert_batch(fx->store, batch, NULL, &error));
	g_assert_no_error(error);
	for (guint i = 0; i < 1000 && gs_store_get_checkpoint_runs(fx->store) == 0; i++)
		g_usleep(10000);
	g_assert_cmpuint(gs_store_get_checkpoint_runs(fx->store), ==, 1);
	g_assert_cmpuint(gs_store_get_checkpoint_restarts(fx->store), ==, 0);

	/* the next commit writes its few pages at the start of the log, not after the batch's */
	g_ptr_array_add(one, fake_event(5000, 5000));
	g_assert_true(gs_store_insert_batch(fx->store, one, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpint(wal_frames(fx->store), <, 64);
	g_assert_true(gs_store_count(fx->store, all, &count, &error));
	g_assert_cmpuint(count, ==, 2001);
}

static gpointer
release_after(gpointer data)
{
	sqlite3 *other = data;

	g_usleep(120 * 1000);
	g_assert_cmpint(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), ==, SQLITE_OK);
	return NULL;
}

/* a writer that finds the write lock taken (another process, the checkpoint thread's
 * RESTART) waits for it, in short steps, instead of failing */
static void
store_busy_wait(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GError) error = NULL;
	g_autoptr(GThread) thread = NULL;
	sqlite3 *other = NULL;
	gint64 start;

	g_assert_cmpint(sqlite3_open(fx->path, &other), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);
	thread = g_thread_new("release", release_after, other);
	g_ptr_array_add(batch, fake_event(1, 1000));
	start = g_get_monotonic_time();
	g_assert_true(gs_store_insert_batch(fx->store, batch, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 100 * 1000);
	g_test_message("waited %" G_GINT64_FORMAT " us for a lock held 120 ms",
		       g_get_monotonic_time() - start);
	g_thread_join(g_steal_pointer(&thread));
	sqlite3_close(other);
}

static gint64
page_size(GsStore *store)
{
	gint64 size = 0;
	g_autoptr(GError) error = NULL;

	g_assert_true(
		gs_store_sql_query_int(gs_store_get_db(store), "PRAGMA page_size", &size, &error));
	g_assert_no_error(error);
	return size;
}

/* a new database has 8 KiB pages; one made with 4 KiB pages keeps them and works as before */
static void
store_page_size(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *dir = g_path_get_dirname(fx->path);
	g_autofree gchar *old_path = g_build_filename(dir, "old.db", NULL);
	g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GsFilter) all = gs_filter_new();
	g_autoptr(GsStore) old = NULL;
	g_autoptr(GError) error = NULL;
	guint64 count = 0;
	sqlite3 *db = NULL;

	g_assert_cmpint(page_size(fx->store), ==, 8192);

	g_assert_cmpint(sqlite3_open(old_path, &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_exec(db,
				     "PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; "
				     "CREATE TABLE t (x)",
				     NULL,
				     NULL,
				     NULL),
			==,
			SQLITE_OK);
	sqlite3_close(db);
	old = gs_store_new(old_path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(page_size(old), ==, 4096);
	for (guint i = 0; i < 3000; i++)
		g_ptr_array_add(batch, fake_event(i, 1000 + i));
	g_assert_true(gs_store_insert_batch(old, batch, NULL, &error));
	g_assert_no_error(error);
	g_clear_object(&old);
	old = gs_store_new(old_path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(page_size(old), ==, 4096);
	g_assert_true(gs_store_count(old, all, &count, &error));
	g_assert_cmpuint(count, ==, 3000);
}

#define ADD(path, func)                                                                            \
	g_test_add(path, Fixture, NULL, gs_test_store_setup, func, gs_test_store_teardown)

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	ADD("/grasp-sync/store-wal/checkpoint-passive", store_checkpoint_passive);
	ADD("/grasp-sync/store-wal/busy-wait", store_busy_wait);
	ADD("/grasp-sync/store-wal/page-size", store_page_size);
	return g_test_run();
}
