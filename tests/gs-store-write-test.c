/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsStore's write path: the tags index (rows written at the end of each transaction, in key
 * order, and kept right when the same transaction removes an event it stored), and the NIP-09
 * address deletions that other connections write */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-store-private.h"
#include "gs-store-sql.h"
#include "gs-store.h"
#include "gs-test-utils.h"

typedef GsTestStore Fixture;

static gint64
query_int(GsStore *store, const gchar *sql)
{
	g_autoptr(GError) error = NULL;
	gint64 value = -1;

	g_assert_true(gs_store_sql_query_int(gs_store_get_db(store), sql, &value, &error));
	g_assert_no_error(error);
	return value;
}

/* the tags table holds exactly the keys every stored event lists in its tag_keys, no more */
static void
assert_tags_consistent(GsStore *store)
{
	gint64 listed =
		query_int(store, "SELECT coalesce(sum(length(tag_keys) / 8), 0) FROM events");
	gint64 rows = query_int(store, "SELECT count(*) FROM tags");
	gint64 orphans = query_int(store,
				   "SELECT count(*) FROM tags t WHERE NOT EXISTS "
				   "(SELECT 1 FROM events e WHERE e.seq = t.event AND "
				   "instr(e.tag_keys, CAST(unhex_key(t.key) AS BLOB)) > 0)");

	g_assert_cmpint(rows, ==, listed);
	g_assert_cmpint(orphans, ==, 0);
}

/* unhex_key(k): the 8 big-endian bytes of the integer k, as tag_keys holds them */
static void
unhex_key_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	guint64 be = GUINT64_TO_BE((guint64)sqlite3_value_int64(argv[0]));
	sqlite3_result_blob(ctx, &be, sizeof(be), SQLITE_TRANSIENT);
}

static void
add_unhex_key(GsStore *store)
{
	g_assert_cmpint(sqlite3_create_function(gs_store_get_db(store),
						"unhex_key",
						1,
						SQLITE_UTF8 | SQLITE_DETERMINISTIC,
						NULL,
						unhex_key_func,
						NULL,
						NULL),
			==,
			SQLITE_OK);
}

static guint
count_tag(GsStore *store, const gchar *letter, const gchar *value)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *json = g_strdup_printf("{\"#%s\":[\"%s\"]}", letter, value);
	g_autoptr(GsFilter) filter = gs_filter_new_from_json(json, -1, &error);
	guint64 count = 0;

	g_assert_no_error(error);
	g_assert_true(gs_store_count(store, filter, &count, &error));
	g_assert_no_error(error);
	return (guint)count;
}

static void
insert_batch_expect(GsStore *store, GsEvent **events, guint n, const GsStoreResult *expect)
{
	g_autoptr(GPtrArray) batch = g_ptr_array_new();
	g_autoptr(GArray) results = g_array_new(FALSE, FALSE, sizeof(GsStoreResult));
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < n; i++)
		g_ptr_array_add(batch, events[i]);
	g_assert_true(gs_store_insert_batch(store, batch, results, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(results->len, ==, n);
	for (guint i = 0; i < n; i++)
		g_assert_cmpint(g_array_index(results, GsStoreResult, i), ==, expect[i]);
}

/* a version replaced and an event deleted by the same batch that stored them leave no tags
 * rows, including when the replacement reuses the removed version's seq */
static void
tags_same_batch_removals(Fixture *fx, gconstpointer data)
{
	const gchar *t_old[] = {"d", "repo", NULL, "t", "old", NULL, "r", "x", NULL, NULL};
	const gchar *t_new[] = {"d", "repo", NULL, "t", "new", NULL, NULL};
	const gchar *t_note[] = {"t", "note", NULL, "p", "someone", NULL, NULL};
	const gchar *t_last[] = {"d", "other", NULL, "t", "last", NULL, NULL};
	const gchar *t_last2[] = {"d", "other", NULL, "t", "last2", NULL, NULL};
	g_autoptr(GsEvent) keep = gs_test_event_new(2, 90, 1, t_note, "kept");
	g_autoptr(GsEvent) old = gs_test_event_new(1, 100, 30617, t_old, "");
	g_autoptr(GsEvent) note = gs_test_event_new(1, 100, 1, t_note, "deleted");
	g_autoptr(GsEvent) newer = gs_test_event_new(1, 110, 30617, t_new, "");
	g_autoptr(GsEvent) last = gs_test_event_new(3, 100, 30617, t_last, "");
	g_autoptr(GsEvent) last2 = gs_test_event_new(3, 120, 30617, t_last2, "");
	g_autoptr(GsEvent) deletion = NULL;
	g_autofree gchar *note_id = g_strdup(gs_event_get_id(note));
	const gchar *del_tags[] = {"e", note_id, NULL, NULL};
	GsStoreResult expect[] = {GS_STORE_RESULT_STORED,
				  GS_STORE_RESULT_STORED,
				  GS_STORE_RESULT_STORED,
				  GS_STORE_RESULT_REPLACED,
				  GS_STORE_RESULT_STORED,
				  GS_STORE_RESULT_STORED,
				  GS_STORE_RESULT_REPLACED};
	GsEvent *events[7];

	deletion = gs_test_event_new(1, 130, 5, del_tags, "");
	events[0] = keep;
	events[1] = old;
	events[2] = note;
	events[3] = newer;    /* removes old, in the middle of the batch */
	events[4] = deletion; /* removes note, in the middle */
	events[5] = last;
	events[6] = last2; /* removes last, the latest seq: last2 gets it again */
	add_unhex_key(fx->store);
	insert_batch_expect(fx->store, events, G_N_ELEMENTS(events), expect);
	assert_tags_consistent(fx->store);
	g_assert_cmpuint(count_tag(fx->store, "t", "old"), ==, 0);
	g_assert_cmpuint(count_tag(fx->store, "r", "x"), ==, 0);
	g_assert_cmpuint(count_tag(fx->store, "t", "new"), ==, 1);
	g_assert_cmpuint(count_tag(fx->store, "t", "note"), ==, 1);
	g_assert_cmpuint(count_tag(fx->store, "p", "someone"), ==, 1);
	g_assert_cmpuint(count_tag(fx->store, "e", note_id), ==, 1);
	g_assert_cmpuint(count_tag(fx->store, "t", "last"), ==, 0);
	g_assert_cmpuint(count_tag(fx->store, "t", "last2"), ==, 1);
	g_assert_cmpint(query_int(fx->store, "SELECT count(*) FROM events"), ==, 4);
}

/* an event stored by an earlier transaction and removed by a later one loses its rows from the
 * table, while the later transaction's own rows wait */
static void
tags_removal_across_batches(Fixture *fx, gconstpointer data)
{
	const gchar *t1[] = {"d", "repo", NULL, "t", "one", NULL, NULL};
	const gchar *t2[] = {"d", "repo", NULL, "t", "two", NULL, NULL};
	const gchar *t3[] = {"d", "repo", NULL, "t", "three", NULL, NULL};
	g_autoptr(GsEvent) v1 = gs_test_event_new(1, 100, 30617, t1, "");
	g_autoptr(GsEvent) v2 = gs_test_event_new(1, 110, 30617, t2, "");
	g_autoptr(GsEvent) v3 = gs_test_event_new(1, 120, 30617, t3, "");
	GsStoreResult stored[] = {GS_STORE_RESULT_STORED};
	GsStoreResult replaced[] = {GS_STORE_RESULT_REPLACED, GS_STORE_RESULT_REPLACED};
	GsEvent *first[] = {v1};
	GsEvent *second[] = {v2, v3};

	add_unhex_key(fx->store);
	insert_batch_expect(fx->store, first, 1, stored);
	insert_batch_expect(fx->store, second, 2, replaced);
	assert_tags_consistent(fx->store);
	g_assert_cmpuint(count_tag(fx->store, "t", "one"), ==, 0);
	g_assert_cmpuint(count_tag(fx->store, "t", "two"), ==, 0);
	g_assert_cmpuint(count_tag(fx->store, "t", "three"), ==, 1);
	g_assert_cmpuint(count_tag(fx->store, "d", "repo"), ==, 1);
}

static gboolean
fail_hook(GsStore *store,
	  sqlite3 *db,
	  GsEvent *event,
	  gint64 seq,
	  GsStoreResult result,
	  gpointer user_data,
	  GError **error)
{
	if (g_strcmp0(gs_event_get_content(event), "fail") != 0)
		return TRUE;
	g_set_error_literal(error, GS_ERROR, GS_ERROR_INTERNAL, "the hook fails");
	return FALSE;
}

/* more rows than one statement takes, in an order unlike the keys': every one is found, and a
 * failed transaction leaves none waiting for the next */
static void
tags_many(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GPtrArray) bad = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GError) error = NULL;
	const guint n = GS_STORE_TAGS_PER_STMT * 3 + 7;

	add_unhex_key(fx->store);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *value = g_strdup_printf("v%u", i);
		const gchar *tags[] = {"t", value, NULL, "t", "all", NULL, NULL};
		g_ptr_array_add(batch, gs_test_event_new(1, 100 + i, 1, tags, value));
	}
	/* a transaction that fails after storing tagged events (their rows waiting) and rolls
	 * back: the next one, which gets the same seqs, must not inherit those rows */
	for (guint i = 0; i < 3; i++) {
		const gchar *tags[] = {"t", "rolled-back", NULL, NULL};
		g_ptr_array_add(bad, gs_test_event_new(2, 50 + i, 1, tags, i < 2 ? "ok" : "fail"));
	}
	gs_store_set_insert_hook(fx->store, fail_hook, NULL, NULL);
	g_assert_false(gs_store_insert_batch(fx->store, bad, NULL, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INTERNAL);
	g_clear_error(&error);
	g_assert_true(gs_store_insert_batch(fx->store, batch, NULL, &error));
	g_assert_no_error(error);
	assert_tags_consistent(fx->store);
	g_assert_cmpint(query_int(fx->store, "SELECT count(*) FROM tags"), ==, 2 * n);
	g_assert_cmpuint(count_tag(fx->store, "t", "all"), ==, n);
	g_assert_cmpuint(count_tag(fx->store, "t", "rolled-back"), ==, 0);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *value = g_strdup_printf("v%u", i);
		g_assert_cmpuint(count_tag(fx->store, "t", value), ==, 1);
	}
}

/* an `a` deletion written through another connection (another process) refuses the versions
 * it covers here too, though this connection had seen no deleted address */
static void
write_deleted_address_elsewhere(Fixture *fx, gconstpointer data)
{
	const gchar *d_tags[] = {"d", "repo", NULL, NULL};
	g_autoptr(GsEvent) v1 = gs_test_event_new(1, 100, 30617, d_tags, "");
	g_autoptr(GsEvent) v0 = gs_test_event_new(1, 90, 30617, d_tags, "");
	g_autoptr(GsEvent) v2 = gs_test_event_new(1, 200, 30617, d_tags, "");
	g_autoptr(GsEvent) deletion = NULL;
	g_autoptr(GsStore) other = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *coord = NULL;
	GsStoreResult stored[] = {GS_STORE_RESULT_STORED};
	GsStoreResult refused[] = {GS_STORE_RESULT_REFUSED_DELETED};
	GsEvent *one[1];

	one[0] = v1;
	insert_batch_expect(fx->store, one, 1, stored);
	coord = g_strdup_printf("30617:%s:repo", gs_event_get_pubkey(v1));
	{
		const gchar *del_tags[] = {"a", coord, NULL, NULL};
		deletion = gs_test_event_new(1, 150, 5, del_tags, "");
	}
	other = gs_store_new(fx->path, &error);
	g_assert_no_error(error);
	one[0] = deletion;
	insert_batch_expect(other, one, 1, stored);
	g_clear_object(&other);
	one[0] = v0;
	insert_batch_expect(fx->store, one, 1, refused);
	one[0] = v1;
	insert_batch_expect(fx->store, one, 1, refused);
	one[0] = v2;
	insert_batch_expect(fx->store, one, 1, stored);
}

/* an event with more tags than the write path keeps on its stack, repeats among them: one row
 * per distinct single-letter tag */
static void
write_many_tags_one_event(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) flat = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GsEvent) event = NULL;
	GsStoreResult stored[] = {GS_STORE_RESULT_STORED};
	GsEvent *one[1];

	for (guint i = 0; i < 150; i++) {
		g_ptr_array_add(flat, g_strdup(i % 3 == 0 ? "t" : "p"));
		g_ptr_array_add(flat, g_strdup_printf("value-%u", i % 100));
		g_ptr_array_add(flat, NULL);
	}
	g_ptr_array_add(flat, g_strdup("name"));
	g_ptr_array_add(flat, g_strdup("not indexed"));
	g_ptr_array_add(flat, NULL);
	g_ptr_array_add(flat, NULL);
	event = gs_test_event_new(1, 100, 1, (const gchar *const *)flat->pdata, "many");
	one[0] = event;
	add_unhex_key(fx->store);
	insert_batch_expect(fx->store, one, 1, stored);
	assert_tags_consistent(fx->store);
	/* i and i + 100 give the same value; the letter is t when i % 3 == 0 */
	g_assert_cmpint(query_int(fx->store, "SELECT count(*) FROM tags"), ==, 133);
	g_assert_cmpuint(count_tag(fx->store, "t", "value-0"), ==, 1);
	g_assert_cmpuint(count_tag(fx->store, "p", "value-1"), ==, 1);
	g_assert_cmpuint(count_tag(fx->store, "p", "value-0"), ==, 1);
	g_assert_cmpuint(count_tag(fx->store, "t", "value-2"), ==, 1);
	g_assert_cmpuint(count_tag(fx->store, "p", "value-51"), ==, 0);
	g_assert_cmpuint(count_tag(fx->store, "t", "value-52"), ==, 0);
	g_assert_cmpuint(count_tag(fx->store, "t", "value-51"), ==, 1);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add("/grasp-sync/store-write/same-batch-removals",
		   Fixture,
		   NULL,
		   gs_test_store_setup,
		   tags_same_batch_removals,
		   gs_test_store_teardown);
	g_test_add("/grasp-sync/store-write/removal-across-batches",
		   Fixture,
		   NULL,
		   gs_test_store_setup,
		   tags_removal_across_batches,
		   gs_test_store_teardown);
	g_test_add("/grasp-sync/store-write/many",
		   Fixture,
		   NULL,
		   gs_test_store_setup,
		   tags_many,
		   gs_test_store_teardown);
	g_test_add("/grasp-sync/store-write/deleted-address-elsewhere",
		   Fixture,
		   NULL,
		   gs_test_store_setup,
		   write_deleted_address_elsewhere,
		   gs_test_store_teardown);
	g_test_add("/grasp-sync/store-write/many-tags-one-event",
		   Fixture,
		   NULL,
		   gs_test_store_setup,
		   write_many_tags_one_event,
		   gs_test_store_teardown);
	return g_test_run();
}
