/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsStore's filter of the ids it holds (src/gs-store-ids.c): it must never call an id new
 * that is stored or deleted, whoever wrote it */

#include "config.h"

#include "gs-error.h"
#include "gs-store-private.h"
#include "gs-test-utils.h"

typedef struct {
	GsTestStore ts;
	GsStore *other; /* a second connection to the same file, as a second process */
} Fixture;

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	gs_test_store_open(&fx->ts);
	fx->other = gs_store_new(fx->ts.path, &error);
	g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
	g_clear_object(&fx->other);
	gs_test_store_close(&fx->ts);
}

static guint64
count(GsStore *store)
{
	g_autoptr(GsFilter) all = gs_filter_new();
	g_autoptr(GError) error = NULL;
	guint64 n = 0;

	g_assert_true(gs_store_count(store, all, &n, &error));
	g_assert_no_error(error);
	return n;
}

/* ids stored or deleted by this store, before and after the filter was filled */
static void
store_ids_own_writes(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) first = gs_test_event_new(1, 100, 1, NULL, "first");
	g_autoptr(GsEvent) second = gs_test_event_new(1, 101, 1, NULL, "second");
	g_autoptr(GsEvent) gone = gs_test_event_new(2, 102, 1, NULL, "gone");
	const gchar *del_tags[] = {"e", gs_event_get_id(gone), NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(2, 103, 5, del_tags, "");
	g_autoptr(GPtrArray) batch = g_ptr_array_new();
	g_autoptr(GArray) results = g_array_new(FALSE, FALSE, sizeof(GsStoreResult));
	g_autoptr(GError) error = NULL;

	gs_test_store_insert_expect(fx->ts.store, first, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->ts.store, first, GS_STORE_RESULT_DUPLICATE);
	/* a deletion of an event never stored, then the event */
	gs_test_store_insert_expect(fx->ts.store, deletion, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->ts.store, gone, GS_STORE_RESULT_REFUSED_DELETED);
	/* twice in one batch */
	g_ptr_array_add(batch, second);
	g_ptr_array_add(batch, second);
	g_assert_true(gs_store_insert_batch(fx->ts.store, batch, results, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g_array_index(results, GsStoreResult, 0), ==, GS_STORE_RESULT_STORED);
	g_assert_cmpint(g_array_index(results, GsStoreResult, 1), ==, GS_STORE_RESULT_DUPLICATE);
	g_assert_cmpuint(count(fx->ts.store), ==, 3);
}

/* what another connection stores or deletes is seen (PRAGMA data_version), and a store
 * opened on existing data knows its ids */
static void
store_ids_other_writer(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) mine = gs_test_event_new(1, 100, 1, NULL, "mine");
	g_autoptr(GsEvent) theirs = gs_test_event_new(1, 101, 1, NULL, "theirs");
	g_autoptr(GsEvent) gone = gs_test_event_new(2, 102, 1, NULL, "gone");
	const gchar *del_tags[] = {"e", gs_event_get_id(gone), NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(2, 103, 5, del_tags, "");
	g_autoptr(GError) error = NULL;

	/* the first write fills the filter */
	gs_test_store_insert_expect(fx->ts.store, mine, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->other, theirs, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->other, deletion, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->ts.store, theirs, GS_STORE_RESULT_DUPLICATE);
	gs_test_store_insert_expect(fx->ts.store, gone, GS_STORE_RESULT_REFUSED_DELETED);
	gs_test_store_insert_expect(fx->other, mine, GS_STORE_RESULT_DUPLICATE);
	g_assert_cmpuint(count(fx->ts.store), ==, 3);

	g_clear_object(&fx->ts.store);
	fx->ts.store = gs_store_new(fx->ts.path, &error);
	g_assert_no_error(error);
	gs_test_store_insert_expect(fx->ts.store, mine, GS_STORE_RESULT_DUPLICATE);
	gs_test_store_insert_expect(fx->ts.store, theirs, GS_STORE_RESULT_DUPLICATE);
	gs_test_store_insert_expect(fx->ts.store, gone, GS_STORE_RESULT_REFUSED_DELETED);
	g_assert_cmpuint(count(fx->ts.store), ==, 3);
}

/* many more ids than the filter was sized for: saturated, then filled again, larger; the
 * answers stay exact */
static void
store_ids_growth(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GArray) results = g_array_new(FALSE, FALSE, sizeof(GsStoreResult));
	g_autoptr(GError) error = NULL;
	const guint n = 1500;

	/* room for 16 ids: full after about 50 */
	gs_store_ids_set_headroom(gs_store_get_ids(fx->ts.store), 16);
	for (guint i = 0; i < n; i++)
		g_ptr_array_add(events, gs_test_event_new(i % 7 + 1, 1000 + i, 1, NULL, "x"));
	for (guint pass = 0; pass < 2; pass++) {
		g_assert_true(gs_store_insert_batch(fx->ts.store, events, results, &error));
		g_assert_no_error(error);
		for (guint i = 0; i < n; i++) {
			g_assert_cmpint(g_array_index(results, GsStoreResult, i),
					==,
					pass == 0 ? GS_STORE_RESULT_STORED
						  : GS_STORE_RESULT_DUPLICATE);
		}
	}
	g_assert_cmpuint(count(fx->ts.store), ==, n);
}

/* times the id lookup statement ran */
static gint
lookups(GsStore *store)
{
	return sqlite3_stmt_status(
		gs_store_stmt(store, GS_STORE_STMT_HAS_ID), SQLITE_STMTSTATUS_RUN, FALSE);
}

static GPtrArray *
absent_ids(guint n)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < n; i++) {
		g_autoptr(GsEvent) event = gs_test_event_new(9, 5000 + i, 1, NULL, "absent");
		g_ptr_array_add(ids, g_strdup(gs_event_get_id(event)));
	}
	return ids;
}

/* reads (gs_store_has_event(), gs_store_remove_stored()) answer "not stored" from the filter
 * without a lookup, but look every id up once another connection wrote, until the next write
 * fills the filter again */
static void
store_ids_reads(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) mine = gs_test_event_new(1, 100, 1, NULL, "mine");
	g_autoptr(GsEvent) theirs = gs_test_event_new(1, 101, 1, NULL, "theirs");
	g_autoptr(GsEvent) later = gs_test_event_new(1, 102, 1, NULL, "later");
	g_autoptr(GsEvent) again = gs_test_event_new(1, 103, 1, NULL, "again");
	g_autoptr(GPtrArray) ids = absent_ids(200);
	g_autoptr(GError) error = NULL;
	gint before;

	/* before any write the filter is empty: every id is looked up */
	before = lookups(fx->ts.store);
	g_assert_false(gs_store_has_event(fx->ts.store, g_ptr_array_index(ids, 0), &error));
	g_assert_no_error(error);
	g_assert_cmpint(lookups(fx->ts.store) - before, ==, 1);

	gs_test_store_insert_expect(fx->ts.store, mine, GS_STORE_RESULT_STORED);
	g_ptr_array_add(ids, g_strdup(gs_event_get_id(mine)));
	before = lookups(fx->ts.store);
	g_assert_true(gs_store_remove_stored(fx->ts.store, ids, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(ids->len, ==, 200);
	/* the stored id, and a false hit or two at most */
	g_assert_cmpint(lookups(fx->ts.store) - before, >=, 1);
	g_assert_cmpint(lookups(fx->ts.store) - before, <=, 3);
	g_assert_true(gs_store_has_event(fx->ts.store, gs_event_get_id(mine), &error));

	/* another connection stores an event: the filter does not know it, so every id is looked
	 * up and the event is found */
	gs_test_store_insert_expect(fx->other, theirs, GS_STORE_RESULT_STORED);
	g_ptr_array_add(ids, g_strdup(gs_event_get_id(theirs)));
	before = lookups(fx->ts.store);
	g_assert_true(gs_store_remove_stored(fx->ts.store, ids, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(ids->len, ==, 200);
	g_assert_cmpint(lookups(fx->ts.store) - before, ==, 201);
	g_assert_true(gs_store_has_event(fx->ts.store, gs_event_get_id(theirs), &error));
	g_assert_no_error(error);

	/* the next write fills it again, with the other's event */
	gs_test_store_insert_expect(fx->ts.store, later, GS_STORE_RESULT_STORED);
	g_assert_true(gs_store_has_event(fx->ts.store, gs_event_get_id(theirs), &error));
	g_assert_true(gs_store_has_event(fx->ts.store, gs_event_get_id(later), &error));
	before = lookups(fx->ts.store);
	g_assert_true(gs_store_remove_stored(fx->ts.store, ids, &error));
	g_assert_cmpint(lookups(fx->ts.store) - before, <=, 2);

	/* a write by the other right before a single read */
	gs_test_store_insert_expect(fx->other, again, GS_STORE_RESULT_STORED);
	g_assert_true(gs_store_has_event(fx->ts.store, gs_event_get_id(again), &error));
	g_assert_no_error(error);

	/* a malformed id stays, with an error; the others are asked about all the same */
	g_ptr_array_add(ids, g_strdup("not-an-id"));
	g_ptr_array_add(ids, g_strdup(gs_event_get_id(again)));
	g_assert_false(gs_store_remove_stored(fx->ts.store, ids, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_assert_cmpuint(ids->len, ==, 201);
	for (guint i = 0; i < ids->len; i++)
		g_assert_cmpstr(g_ptr_array_index(ids, i), !=, gs_event_get_id(again));
}

/* ids are 64 lower-case hex digits, nothing else: each malformed one is refused, a good one
 * with every digit decodes */
static void
store_ids_malformed(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) event = gs_test_event_new(1, 100, 1, NULL, "x");
	g_autofree gchar *upper = g_ascii_strup(gs_event_get_id(event), -1);
	g_autofree gchar *short_id = g_strndup(gs_event_get_id(event), 63);
	g_autofree gchar *long_id = g_strconcat(gs_event_get_id(event), "0", NULL);
	g_autofree gchar *last_bad = g_strdup(gs_event_get_id(event));
	g_autofree gchar *odd = g_strdup(gs_event_get_id(event));
	const gchar *digits = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	const gchar *bad[] = {upper, short_id, long_id, last_bad, odd, "", "g", NULL};
	g_autoptr(GError) error = NULL;

	last_bad[63] = 'g';
	odd[10] = '\xc3';
	gs_test_store_insert_expect(fx->ts.store, event, GS_STORE_RESULT_STORED);
	for (guint i = 0; bad[i] != NULL; i++) {
		g_assert_false(gs_store_has_event(fx->ts.store, bad[i], &error));
		g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
	}
	g_assert_true(gs_store_has_event(fx->ts.store, gs_event_get_id(event), &error));
	g_assert_false(gs_store_has_event(fx->ts.store, digits, &error));
	g_assert_no_error(error);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add("/grasp-sync/store-ids/own-writes",
		   Fixture,
		   NULL,
		   fixture_setup,
		   store_ids_own_writes,
		   fixture_teardown);
	g_test_add("/grasp-sync/store-ids/other-writer",
		   Fixture,
		   NULL,
		   fixture_setup,
		   store_ids_other_writer,
		   fixture_teardown);
	g_test_add("/grasp-sync/store-ids/growth",
		   Fixture,
		   NULL,
		   fixture_setup,
		   store_ids_growth,
		   fixture_teardown);
	g_test_add("/grasp-sync/store-ids/reads",
		   Fixture,
		   NULL,
		   fixture_setup,
		   store_ids_reads,
		   fixture_teardown);
	g_test_add("/grasp-sync/store-ids/malformed",
		   Fixture,
		   NULL,
		   fixture_setup,
		   store_ids_malformed,
		   fixture_teardown);
	return g_test_run();
}
