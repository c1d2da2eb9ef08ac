/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsHomeOutbox's counts and state queries */

#include "config.h"

#include <string.h>

#include "gs-home-outbox.h"
#include "gs-store.h"
#include "gs-test-utils.h"

typedef struct {
	gchar *tmpdir;
	gchar *path;
	GsStore *store;
	GsHomeOutbox *outbox;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->tmpdir = gs_test_tmpdir_new();
	f->path = g_build_filename(f->tmpdir, "events.db", NULL);
	f->store = gs_store_new(f->path, &error);
	g_assert_no_error(error);
	f->outbox = gs_home_outbox_new(gs_store_get_db(f->store), &error);
	g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_pointer(&f->outbox, gs_home_outbox_free);
	g_clear_object(&f->store);
	gs_test_tmpdir_remove(f->tmpdir);
	g_free(f->tmpdir);
	g_free(f->path);
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
#undef ADD
	return g_test_run();
}
