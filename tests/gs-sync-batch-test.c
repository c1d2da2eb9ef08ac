/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gs-sync-batch-private.h"
#include "gs-test-utils.h"

static gchar *
test_id(guint n)
{
	return g_strdup_printf("%064x", n);
}

static GPtrArray *
test_ids(guint from, guint to)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	for (guint i = from; i < to; i++)
		g_ptr_array_add(ids, test_id(i));
	return ids;
}

static GsSyncBatch *
test_batch_new(gboolean layer1)
{
	g_autoptr(GPtrArray) repos = g_ptr_array_new();
	const gchar *coord =
		"30617:"
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa:repo";

	if (!layer1) {
		/* given twice and out of order: the batch keeps a sorted set */
		g_ptr_array_add(repos, (gpointer)coord);
		g_ptr_array_add(repos,
				(gpointer) "30617:"
					   "0000000000000000000000000000000000000000000000000000000"
					   "000000000:x");
		g_ptr_array_add(repos, (gpointer)coord);
	}
	return gs_sync_batch_new(7, "wss://r.example", GS_SYNC_METHOD_NEGENTROPY, repos, NULL, 100);
}

static void
gs_sync_batch_items(void)
{
	g_autoptr(GsSyncBatch) l1 = test_batch_new(TRUE);
	g_autoptr(GsSyncBatch) batch = test_batch_new(FALSE);
	GPtrArray *repos = gs_sync_batch_get_repos(batch);

	g_assert_true(gs_sync_batch_is_layer1(l1));
	g_assert_false(gs_sync_batch_is_layer1(batch));
	g_assert_cmpuint(repos->len, ==, 2);
	g_assert_true(g_str_has_suffix(g_ptr_array_index(repos, 0), ":x"));
	g_assert_cmpuint(gs_sync_batch_get_roots(batch)->len, ==, 0);
	g_assert_cmpuint(gs_sync_batch_get_id(batch), ==, 7);
	g_assert_cmpstr(gs_sync_batch_get_relay(batch), ==, "wss://r.example");
	g_assert_cmpint(gs_sync_batch_get_started_at(batch), ==, 100);
	g_assert_cmpint(gs_sync_batch_get_ended_at(batch), ==, -1);
	g_assert_cmpint(gs_sync_batch_get_outcome(batch), ==, GS_SYNC_OUTCOME_PENDING);
	g_assert_null(gs_sync_batch_get_reason(batch));
}

static void
gs_sync_batch_subscriptions(void)
{
	g_autoptr(GsSyncBatch) batch = test_batch_new(FALSE);
	g_autoptr(GPtrArray) subs = NULL;
	g_autofree gchar *id = test_id(1);

	gs_sync_batch_add_subscription(batch, "s2", gs_sync_pager_new(100, -1));
	gs_sync_batch_add_subscription(batch, "s1", NULL);
	g_assert_cmpuint(gs_sync_batch_get_n_subscriptions(batch), ==, 2);
	subs = gs_sync_batch_dup_subscriptions(batch);
	g_assert_cmpstr(g_ptr_array_index(subs, 0), ==, "s1");
	g_assert_nonnull(gs_sync_batch_get_pager(batch, "s2"));
	g_assert_null(gs_sync_batch_get_pager(batch, "s1"));
	g_assert_null(gs_sync_batch_get_pager(batch, NULL));

	/* events count only on the batch's own subscriptions */
	g_assert_true(gs_sync_batch_record_event(batch, "s2", id, 50));
	g_assert_false(gs_sync_batch_record_event(batch, "other", id, 50));
	g_assert_false(gs_sync_batch_record_event(batch, NULL, id, 50));
	g_assert_cmpuint(gs_sync_batch_get_n_events(batch), ==, 1);
	g_assert_cmpuint(
		gs_sync_pager_get_n_page_events(gs_sync_batch_get_pager(batch, "s2")), ==, 1);

	g_assert_true(gs_sync_batch_remove_subscription(batch, "s1"));
	g_assert_false(gs_sync_batch_remove_subscription(batch, "s1"));
	g_assert_false(gs_sync_batch_has_subscription(batch, "s1"));
	gs_sync_batch_finish(batch, GS_SYNC_OUTCOME_COMPLETE, NULL, 130);
	g_assert_cmpuint(gs_sync_batch_get_n_subscriptions(batch), ==, 0);
	g_assert_cmpint(gs_sync_batch_get_ended_at(batch), ==, 130);
	g_assert_false(gs_sync_batch_record_event(batch, "s2", id, 50));
}

/* one fetch round: the relay delivers @deliver of the missing ids */
static GsSyncFetchDecision
test_round(GsSyncBatch *batch, guint deliver)
{
	g_autoptr(GPtrArray) missing = gs_sync_batch_dup_missing_ids(batch);
	for (guint i = 0; i < deliver && i < missing->len; i++)
		gs_sync_batch_record_event(batch, "ids", g_ptr_array_index(missing, i), 10);
	return gs_sync_batch_decide_fetch(batch);
}

static void
gs_sync_batch_fetch_complete(void)
{
	g_autoptr(GsSyncBatch) batch = test_batch_new(FALSE);
	g_autoptr(GPtrArray) ids = test_ids(0, 10);
	g_autoptr(GPtrArray) again = test_ids(5, 12);
	g_autofree gchar *stray = test_id(99);

	/* nothing requested: nothing missing */
	g_assert_cmpint(gs_sync_batch_decide_fetch(batch), ==, GS_SYNC_FETCH_COMPLETE);
	gs_sync_batch_add_subscription(batch, "ids", NULL);
	gs_sync_batch_add_requested_ids(batch, ids);
	gs_sync_batch_add_requested_ids(batch, again); /* reported twice: de-duplicated */
	g_assert_cmpuint(gs_sync_batch_get_n_requested(batch), ==, 12);
	/* an id nobody asked for does not count */
	gs_sync_batch_record_event(batch, "ids", stray, 10);
	g_assert_cmpuint(gs_sync_batch_get_n_received(batch), ==, 0);
	g_assert_cmpint(test_round(batch, 12), ==, GS_SYNC_FETCH_COMPLETE);
	g_assert_cmpuint(gs_sync_batch_get_n_received(batch), ==, 12);
	g_assert_cmpuint(gs_sync_batch_get_retry_count(batch), ==, 0);
}

static void
gs_sync_batch_fetch_partial_rounds(void)
{
	g_autoptr(GsSyncBatch) batch = test_batch_new(FALSE);
	g_autoptr(GPtrArray) ids = test_ids(0, 10);
	g_autoptr(GPtrArray) missing = NULL;

	gs_sync_batch_add_subscription(batch, "ids", NULL);
	gs_sync_batch_add_requested_ids(batch, ids);
	/* some arrived: fetch the rest again */
	g_assert_cmpint(test_round(batch, 4), ==, GS_SYNC_FETCH_REFETCH);
	missing = gs_sync_batch_begin_refetch(batch);
	g_assert_cmpuint(missing->len, ==, 6);
	g_assert_cmpuint(gs_sync_batch_get_retry_count(batch), ==, 1);
	/* a retry that brings some keeps going */
	g_assert_cmpint(test_round(batch, 1), ==, GS_SYNC_FETCH_REFETCH);
	g_clear_pointer(&missing, g_ptr_array_unref);
	missing = gs_sync_batch_begin_refetch(batch);
	g_assert_cmpuint(missing->len, ==, 5);
	/* a retry that brings none: the relay will not deliver, fall back for the items */
	g_assert_cmpint(test_round(batch, 0), ==, GS_SYNC_FETCH_FALLBACK);
	g_assert_true(gs_sync_batch_begin_fallback(batch));
	g_assert_cmpint(gs_sync_batch_get_method(batch), ==, GS_SYNC_METHOD_REQ_EOSE);
	g_assert_cmpuint(gs_sync_batch_get_n_requested(batch), ==, 0);
	g_assert_cmpint(gs_sync_batch_decide_fetch(batch), ==, GS_SYNC_FETCH_COMPLETE);
}

static void
gs_sync_batch_fetch_layer1_fails(void)
{
	g_autoptr(GsSyncBatch) batch = test_batch_new(TRUE);
	g_autoptr(GPtrArray) ids = test_ids(0, 3);
	g_autoptr(GPtrArray) missing = NULL;

	gs_sync_batch_add_subscription(batch, "ids", NULL);
	gs_sync_batch_add_requested_ids(batch, ids);
	/* a first round bringing nothing is retried once */
	g_assert_cmpint(test_round(batch, 0), ==, GS_SYNC_FETCH_REFETCH);
	missing = gs_sync_batch_begin_refetch(batch);
	g_assert_cmpuint(missing->len, ==, 3);
	/* then the L1 batch, which has no items to fall back on, fails */
	g_assert_cmpint(test_round(batch, 0), ==, GS_SYNC_FETCH_FAIL);
	g_assert_false(gs_sync_batch_begin_fallback(batch));
	g_assert_cmpint(gs_sync_batch_get_method(batch), ==, GS_SYNC_METHOD_NEGENTROPY);
}

static void
gs_sync_batch_failed_reason(void)
{
	g_autoptr(GsSyncBatch) batch = test_batch_new(FALSE);
	g_autoptr(GsSyncBatch) other = test_batch_new(FALSE);

	g_assert_false(gs_sync_batch_get_failed(batch));
	gs_sync_batch_mark_failed(batch, "blocked");
	gs_sync_batch_mark_failed(batch, "timeout"); /* the first reason is kept */
	g_assert_true(gs_sync_batch_get_failed(batch));
	g_assert_cmpstr(gs_sync_batch_get_reason(batch), ==, "blocked");
	gs_sync_batch_finish(batch, GS_SYNC_OUTCOME_FAILED, NULL, 5);
	g_assert_cmpstr(gs_sync_batch_get_reason(batch), ==, "blocked");
	gs_sync_batch_finish(other, GS_SYNC_OUTCOME_FAILED, NULL, 5);
	g_assert_true(gs_sync_batch_get_failed(other));
	g_assert_cmpstr(gs_sync_batch_get_reason(other), ==, "error");
}

static void
gs_sync_batch_closed_reasons(void)
{
	const struct {
		const gchar *message;
		const gchar *reason;
	} table[] = {
		{"rate-limited: slow down", "rate-limited"},
		{"auth-required: we only serve members", "auth-required"},
		{"restricted: not allowed", "restricted"},
		{"blocked: too many query results", "blocked"},
		{"error: internal", "error"},
		{"ERROR: bad req: arr too big", "error"},
		{"invalid: bad filter", "invalid"},
		{" Invalid : spaced", "invalid"},
		{"duplicate: already have it", "closed"},
		{"no prefix at all", "closed"},
		{"", "closed"},
		{NULL, "closed"},
		{"rate-limited", "closed"},
	};
	for (guint i = 0; i < G_N_ELEMENTS(table); i++)
		g_assert_cmpstr(gs_sync_reason_from_closed(table[i].message), ==, table[i].reason);
}

static void
gs_sync_batch_boxed(void)
{
	GsSyncBatch *batch = test_batch_new(FALSE);
	GsSyncBatch *copy = g_boxed_copy(GS_TYPE_SYNC_BATCH, batch);

	g_assert_true(copy == batch);
	g_boxed_free(GS_TYPE_SYNC_BATCH, copy);
	g_assert_cmpuint(gs_sync_batch_get_repos(batch)->len, ==, 2);
	gs_sync_batch_unref(batch);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/sync-batch/items", gs_sync_batch_items);
	g_test_add_func("/grasp-sync/sync-batch/subscriptions", gs_sync_batch_subscriptions);
	g_test_add_func("/grasp-sync/sync-batch/fetch-complete", gs_sync_batch_fetch_complete);
	g_test_add_func("/grasp-sync/sync-batch/fetch-partial-rounds",
			gs_sync_batch_fetch_partial_rounds);
	g_test_add_func("/grasp-sync/sync-batch/fetch-layer1-fails",
			gs_sync_batch_fetch_layer1_fails);
	g_test_add_func("/grasp-sync/sync-batch/failed-reason", gs_sync_batch_failed_reason);
	g_test_add_func("/grasp-sync/sync-batch/closed-reasons", gs_sync_batch_closed_reasons);
	g_test_add_func("/grasp-sync/sync-batch/boxed", gs_sync_batch_boxed);
	return g_test_run();
}
