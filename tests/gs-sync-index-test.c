/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gs-error.h"
#include "gs-sync-index.h"
#include "gs-test-utils.h"

#define RELAY_A "wss://a.example"
#define RELAY_B "wss://b.example"
#define OURS "wss://ours.example"

typedef struct {
	GsSyncIndex *index;
	GsSyncTargets *targets;
	gint64 now;
	guint n_started;
	guint n_finished;
	GArray *outcomes;   /* GsSyncOutcome of each batch-finished */
	GArray *statuses_a; /* statuses seen through the RELAY_A detail */
	guint n_status_any; /* relay-status-changed for any relay */
	guint n_notify_pending;
	guint n_notify_failed;
	guint n_notify_repos;
	guint n_notify_roots;
	gchar *c1, *c2, *c3; /* coordinates */
	gchar *r1, *r2;	     /* root ids */
} Fixture;

static gint64
test_clock(gpointer user_data)
{
	return ((Fixture *)user_data)->now;
}

static void
test_started_cb(GsSyncIndex *index, const gchar *relay, GsSyncBatch *batch, Fixture *fx)
{
	g_assert_cmpstr(relay, ==, gs_sync_batch_get_relay(batch));
	g_assert_cmpint(gs_sync_batch_get_outcome(batch), ==, GS_SYNC_OUTCOME_PENDING);
	fx->n_started++;
}

static void
test_finished_cb(GsSyncIndex *index,
		 const gchar *relay,
		 GsSyncBatch *batch,
		 GsSyncOutcome outcome,
		 Fixture *fx)
{
	g_assert_cmpstr(relay, ==, gs_sync_batch_get_relay(batch));
	g_assert_cmpint(gs_sync_batch_get_outcome(batch), ==, outcome);
	/* by the time it is announced, the batch is no longer pending */
	{
		g_autoptr(GPtrArray) pending = gs_sync_index_dup_pending_batches(index, relay);
		g_assert_false(g_ptr_array_find(pending, batch, NULL));
		g_assert_cmpuint(gs_sync_batch_get_n_subscriptions(batch), ==, 0);
	}
	fx->n_finished++;
	g_array_append_val(fx->outcomes, outcome);
}

static void
test_status_a_cb(GsSyncIndex *index, const gchar *relay, GsConnectionStatus status, Fixture *fx)
{
	g_assert_cmpstr(relay, ==, RELAY_A);
	g_assert_cmpint(gs_sync_index_get_relay_status(index, relay), ==, status);
	g_array_append_val(fx->statuses_a, status);
}

static void
test_status_any_cb(GsSyncIndex *index, const gchar *relay, GsConnectionStatus status, Fixture *fx)
{
	fx->n_status_any++;
}

static void
test_notify_cb(GObject *obj, GParamSpec *pspec, Fixture *fx)
{
	if (g_strcmp0(pspec->name, "pending-batches") == 0)
		fx->n_notify_pending++;
	else if (g_strcmp0(pspec->name, "failed-batches") == 0)
		fx->n_notify_failed++;
	else if (g_strcmp0(pspec->name, "repos") == 0)
		fx->n_notify_repos++;
	else if (g_strcmp0(pspec->name, "root-events") == 0)
		fx->n_notify_roots++;
}

static void
fixture_reset(Fixture *fx)
{
	fx->n_started = fx->n_finished = fx->n_status_any = 0;
	fx->n_notify_pending = fx->n_notify_failed = fx->n_notify_repos = fx->n_notify_roots = 0;
	g_array_set_size(fx->outcomes, 0);
	g_array_set_size(fx->statuses_a, 0);
}

/* targets: c1 full on A and B, c2 state-only on A, c3 full on B; roots r1 of c1, r2 of c3 */
static void
fixture_setup(Fixture *fx, gconstpointer data)
{
	const gchar *service[] = {OURS, NULL};
	const gchar *ab[] = {RELAY_A, RELAY_B, OURS, NULL};
	const gchar *a[] = {RELAY_A, NULL};
	const gchar *b[] = {RELAY_B, NULL};

	fx->index = gs_sync_index_new();
	fx->targets = gs_sync_index_get_targets(fx->index);
	fx->now = 1700000000;
	fx->outcomes = g_array_new(FALSE, FALSE, sizeof(GsSyncOutcome));
	fx->statuses_a = g_array_new(FALSE, FALSE, sizeof(GsConnectionStatus));
	gs_sync_index_set_clock(fx->index, test_clock, fx);
	g_signal_connect(fx->index, "batch-started", G_CALLBACK(test_started_cb), fx);
	g_signal_connect(fx->index, "batch-finished", G_CALLBACK(test_finished_cb), fx);
	g_signal_connect(
		fx->index, "relay-status-changed::" RELAY_A, G_CALLBACK(test_status_a_cb), fx);
	g_signal_connect(fx->index, "relay-status-changed", G_CALLBACK(test_status_any_cb), fx);
	g_signal_connect(fx->index, "notify", G_CALLBACK(test_notify_cb), fx);

	fx->c1 = g_strdup_printf("30617:%064x:one", 1);
	fx->c2 = g_strdup_printf("30617:%064x:two", 2);
	fx->c3 = g_strdup_printf("30617:%064x:three", 3);
	fx->r1 = g_strdup_printf("%064x", 101);
	fx->r2 = g_strdup_printf("%064x", 102);
	gs_sync_targets_set_service_urls(fx->targets, service);
	g_assert_true(gs_sync_targets_set_repo(fx->targets, fx->c1, GS_SYNC_LEVEL_FULL, ab, NULL));
	g_assert_true(
		gs_sync_targets_set_repo(fx->targets, fx->c2, GS_SYNC_LEVEL_STATE_ONLY, a, NULL));
	g_assert_true(gs_sync_targets_set_repo(fx->targets, fx->c3, GS_SYNC_LEVEL_FULL, b, NULL));
	g_assert_true(gs_sync_targets_add_root(fx->targets, fx->r1, fx->c1, NULL));
	g_assert_true(gs_sync_targets_add_root(fx->targets, fx->r2, fx->c3, NULL));
	fixture_reset(fx);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
	g_object_unref(fx->index);
	g_array_unref(fx->outcomes);
	g_array_unref(fx->statuses_a);
	g_free(fx->c1);
	g_free(fx->c2);
	g_free(fx->c3);
	g_free(fx->r1);
	g_free(fx->r2);
}

/* the diff of @relay as "repos|roots", each comma-separated */
static gchar *
test_diff(Fixture *fx, const gchar *relay)
{
	g_autoptr(GPtrArray) repos = NULL;
	g_autoptr(GPtrArray) roots = NULL;
	g_autoptr(GString) out = g_string_new(NULL);
	gboolean found = gs_sync_index_diff(fx->index, relay, &repos, &roots);

	for (guint i = 0; i < repos->len; i++) {
		const gchar *c = g_ptr_array_index(repos, i);
		g_string_append_printf(out,
				       "%s%s",
				       i > 0 ? "," : "",
				       g_strcmp0(c, fx->c1) == 0   ? "c1"
				       : g_strcmp0(c, fx->c2) == 0 ? "c2"
				       : g_strcmp0(c, fx->c3) == 0 ? "c3"
								   : "?");
	}
	g_string_append_c(out, '|');
	for (guint i = 0; i < roots->len; i++) {
		const gchar *r = g_ptr_array_index(roots, i);
		g_string_append_printf(out,
				       "%s%s",
				       i > 0 ? "," : "",
				       g_strcmp0(r, fx->r1) == 0   ? "r1"
				       : g_strcmp0(r, fx->r2) == 0 ? "r2"
								   : "?");
	}
	g_assert_cmpint(found, ==, out->len > 1);
	return g_string_free(g_steal_pointer(&out), FALSE);
}

#define assert_diff(fx, relay, want)                                                               \
	G_STMT_START                                                                               \
	{                                                                                          \
		g_autofree gchar *_got = test_diff(fx, relay);                                     \
		g_assert_cmpstr(_got, ==, want);                                                   \
	}                                                                                          \
	G_STMT_END

static GPtrArray *
test_items(const gchar *first, ...)
{
	GPtrArray *out = g_ptr_array_new();
	va_list args;

	va_start(args, first);
	for (const gchar *s = first; s != NULL; s = va_arg(args, const gchar *))
		g_ptr_array_add(out, (gpointer)s);
	va_end(args);
	return out;
}

static GsSyncBatch *
test_register(Fixture *fx, const gchar *relay, GPtrArray *repos, GPtrArray *roots)
{
	g_autoptr(GError) error = NULL;
	GsSyncBatch *batch = gs_sync_index_register_batch(
		fx->index, relay, GS_SYNC_METHOD_REQ_EOSE, repos, roots, &error);
	g_assert_no_error(error);
	g_assert_nonnull(batch);
	return batch;
}

static void
test_end(Fixture *fx, GsSyncBatch *batch, GsSyncOutcome outcome, const gchar *reason)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(gs_sync_index_end_batch(fx->index, batch, outcome, reason, &error));
	g_assert_no_error(error);
}

static void
test_index_diff(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) c1 = test_items(fx->c1, NULL);
	g_autoptr(GPtrArray) r1 = test_items(fx->r1, NULL);
	g_autoptr(GsSyncBatch) batch = NULL;

	/* unknown and disconnected relays get nothing; connecting ones do */
	assert_diff(fx, RELAY_A, "|");
	assert_diff(fx, NULL, "|");
	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_DISCONNECTED);
	assert_diff(fx, RELAY_A, "|");
	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_CONNECTING);
	/* c2 is state-only: no roots for it; r2 belongs to c3, which is not on A */
	assert_diff(fx, RELAY_A, "c1,c2|r1");
	gs_sync_index_set_relay_status(fx->index, RELAY_B, GS_CONNECTION_STATUS_SYNCING);
	assert_diff(fx, RELAY_B, "c1,c3|r1,r2");
	/* our own service URL, even named by an announcement, gets nothing */
	gs_sync_index_set_relay_status(fx->index, OURS, GS_CONNECTION_STATUS_SYNCING);
	assert_diff(fx, OURS, "|");

	/* pending items are not new */
	batch = test_register(fx, RELAY_A, c1, r1);
	assert_diff(fx, RELAY_A, "c2|");
	/* nor are confirmed ones; per relay */
	test_end(fx, batch, GS_SYNC_OUTCOME_COMPLETE, NULL);
	assert_diff(fx, RELAY_A, "c2|");
	assert_diff(fx, RELAY_B, "c1,c3|r1,r2");
	{
		g_autoptr(GPtrArray) repos = gs_sync_index_dup_confirmed_repos(fx->index, RELAY_A);
		g_autoptr(GPtrArray) roots = gs_sync_index_dup_confirmed_roots(fx->index, RELAY_A);
		g_assert_cmpuint(repos->len, ==, 1);
		g_assert_cmpstr(g_ptr_array_index(repos, 0), ==, fx->c1);
		g_assert_cmpuint(roots->len, ==, 1);
	}
	/* a new root of a confirmed repository is new work */
	{
		g_autofree gchar *r3 = g_strdup_printf("%064x", 103);
		g_assert_true(gs_sync_targets_add_root(fx->targets, r3, fx->c1, NULL));
		g_free(fx->r2);
		fx->r2 = g_steal_pointer(&r3); /* printed as r2 from here */
		assert_diff(fx, RELAY_A, "c2|r2");
	}
}

static void
test_index_diff_follows_targets(Fixture *fx, gconstpointer data)
{
	const gchar *b_only[] = {RELAY_B, NULL};
	const gchar *ab[] = {RELAY_A, RELAY_B, NULL};
	const gchar *a[] = {RELAY_A, NULL};
	g_autoptr(GPtrArray) items = test_items(fx->c1, fx->c2, NULL);
	g_autoptr(GPtrArray) r1 = test_items(fx->r1, NULL);
	g_autoptr(GsSyncBatch) batch = NULL;

	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_SYNCING);
	batch = test_register(fx, RELAY_A, items, r1);
	test_end(fx, batch, GS_SYNC_OUTCOME_COMPLETE, NULL);
	assert_diff(fx, RELAY_A, "|");
	/* a new level means the repository is fetched again at that level */
	g_assert_true(gs_sync_targets_set_repo(fx->targets, fx->c2, GS_SYNC_LEVEL_FULL, a, NULL));
	assert_diff(fx, RELAY_A, "c2|");
	g_assert_true(
		gs_sync_targets_set_repo(fx->targets, fx->c2, GS_SYNC_LEVEL_STATE_ONLY, a, NULL));
	assert_diff(fx, RELAY_A, "c2|");
	/* a relay dropped from the announcement forgets what it confirmed there */
	g_assert_true(
		gs_sync_targets_set_repo(fx->targets, fx->c1, GS_SYNC_LEVEL_FULL, b_only, NULL));
	assert_diff(fx, RELAY_A, "c2|");
	g_assert_true(gs_sync_targets_set_repo(fx->targets, fx->c1, GS_SYNC_LEVEL_FULL, ab, NULL));
	assert_diff(fx, RELAY_A, "c1,c2|");
	/* a root removed and found again is fetched again */
	g_assert_true(gs_sync_targets_remove_root(fx->targets, fx->r1));
	g_assert_true(gs_sync_targets_add_root(fx->targets, fx->r1, fx->c1, NULL));
	assert_diff(fx, RELAY_A, "c1,c2|r1");
	/* a repository removed is no work, and comes back as new */
	g_assert_true(gs_sync_targets_remove_repo(fx->targets, fx->c1));
	assert_diff(fx, RELAY_A, "c2|");
	g_assert_true(gs_sync_targets_set_repo(fx->targets, fx->c1, GS_SYNC_LEVEL_FULL, a, NULL));
	assert_diff(fx, RELAY_A, "c1,c2|");
}

static void
test_index_register_errors(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) c1 = test_items(fx->c1, NULL);
	g_autoptr(GPtrArray) c1c2 = test_items(fx->c2, fx->c1, NULL);
	g_autoptr(GPtrArray) r1 = test_items(fx->r1, NULL);
	g_autoptr(GPtrArray) bad_c = test_items("30617:nope:x", NULL);
	g_autoptr(GPtrArray) bad_r = test_items("xyz", NULL);
	g_autoptr(GsSyncBatch) l1 = NULL;
	g_autoptr(GsSyncBatch) batch = NULL;
	const struct {
		const gchar *relay;
		GPtrArray *repos;
		GPtrArray *roots;
		gint code;
	} table[] = {
		{NULL, NULL, NULL, GS_ERROR_INVALID_ARGUMENT},
		{"", NULL, NULL, GS_ERROR_INVALID_ARGUMENT},
		{OURS, NULL, NULL, GS_ERROR_INVALID_ARGUMENT},
		{RELAY_A, bad_c, NULL, GS_ERROR_INVALID_ARGUMENT},
		{RELAY_A, NULL, bad_r, GS_ERROR_INVALID_ARGUMENT},
		/* already pending there */
		{RELAY_A, NULL, NULL, GS_ERROR_BUSY},
		{RELAY_A, c1c2, NULL, GS_ERROR_BUSY},
		{RELAY_A, NULL, r1, GS_ERROR_BUSY},
	};

	l1 = test_register(fx, RELAY_A, NULL, NULL);
	g_assert_true(gs_sync_batch_is_layer1(l1));
	batch = test_register(fx, RELAY_A, c1, r1);
	g_assert_cmpuint(gs_sync_batch_get_id(batch), >, gs_sync_batch_get_id(l1));
	g_assert_cmpint(gs_sync_batch_get_started_at(batch), ==, fx->now);
	fixture_reset(fx);
	for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GsSyncBatch) bad = gs_sync_index_register_batch(fx->index,
									  table[i].relay,
									  GS_SYNC_METHOD_NEGENTROPY,
									  table[i].repos,
									  table[i].roots,
									  &error);
		g_test_message("row %u", i);
		g_assert_null(bad);
		g_assert_error(error, GS_ERROR, table[i].code);
	}
	g_assert_cmpuint(fx->n_started, ==, 0);
	g_assert_cmpuint(fx->n_notify_pending, ==, 0);
	g_assert_cmpuint(gs_sync_index_get_n_pending(fx->index, RELAY_A), ==, 2);
	/* the same items on another relay are fine */
	{
		g_autoptr(GsSyncBatch) other = test_register(fx, RELAY_B, c1, r1);
		g_autoptr(GsSyncBatch) other_l1 = test_register(fx, RELAY_B, NULL, NULL);
		g_assert_cmpuint(gs_sync_index_get_n_pending_total(fx->index), ==, 4);
	}
}

static void
test_index_subscriptions(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) c1 = test_items(fx->c1, NULL);
	g_autoptr(GsSyncBatch) l1 = test_register(fx, RELAY_A, NULL, NULL);
	g_autoptr(GsSyncBatch) batch = test_register(fx, RELAY_A, c1, NULL);
	g_autoptr(GsSyncBatch) on_b = test_register(fx, RELAY_B, NULL, NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *id = g_strdup_printf("%064x", 7);

	g_assert_true(gs_sync_index_add_subscription(
		fx->index, l1, "s1", gs_sync_pager_new(100, -1), &error));
	g_assert_no_error(error);
	g_assert_true(gs_sync_index_add_subscription(fx->index, batch, "s2", NULL, &error));
	g_assert_true(gs_sync_index_add_subscription(fx->index, batch, "s3", NULL, &error));
	/* ids are per relay */
	g_assert_true(gs_sync_index_add_subscription(fx->index, on_b, "s1", NULL, &error));
	g_assert_no_error(error);
	g_assert_false(gs_sync_index_add_subscription(
		fx->index, batch, "s1", gs_sync_pager_new(0, -1), &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_BUSY);
	g_clear_error(&error);
	g_assert_false(gs_sync_index_add_subscription(fx->index, batch, "", NULL, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	g_assert_true(gs_sync_index_lookup_subscription(fx->index, RELAY_A, "s1") == l1);
	g_assert_true(gs_sync_index_lookup_subscription(fx->index, RELAY_A, "s3") == batch);
	g_assert_true(gs_sync_index_lookup_subscription(fx->index, RELAY_B, "s1") == on_b);
	g_assert_null(gs_sync_index_lookup_subscription(fx->index, RELAY_B, "s2"));
	g_assert_null(gs_sync_index_lookup_subscription(fx->index, "wss://none", "s1"));

	/* events reach the batch and its pager through the subscription */
	g_assert_true(gs_sync_batch_record_event(l1, "s1", id, 10));
	g_assert_cmpuint(gs_sync_pager_get_n_page_events(gs_sync_batch_get_pager(l1, "s1")), ==, 1);

	g_assert_cmpuint(gs_sync_index_remove_subscription(fx->index, batch, "s2"), ==, 1);
	g_assert_cmpuint(gs_sync_index_remove_subscription(fx->index, batch, "s2"), ==, 1);
	g_assert_cmpuint(gs_sync_index_remove_subscription(fx->index, batch, "s3"), ==, 0);
	test_end(fx, batch, GS_SYNC_OUTCOME_COMPLETE, NULL);
	/* an ended batch takes no subscription and cannot end again */
	g_assert_false(gs_sync_index_add_subscription(fx->index, batch, "s9", NULL, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(
		gs_sync_index_end_batch(fx->index, batch, GS_SYNC_OUTCOME_COMPLETE, NULL, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(
		gs_sync_index_end_batch(fx->index, l1, GS_SYNC_OUTCOME_PENDING, NULL, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_assert_cmpuint(fx->n_finished, ==, 1);
}

static void
test_index_outcomes(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) c1 = test_items(fx->c1, NULL);
	g_autoptr(GPtrArray) c2 = test_items(fx->c2, NULL);
	g_autoptr(GPtrArray) r1 = test_items(fx->r1, NULL);
	g_autoptr(GsSyncBatch) failed = NULL;
	g_autoptr(GsSyncBatch) aborted = NULL;
	g_autoptr(GsSyncBatch) l1 = NULL;
	g_autoptr(GPtrArray) list = NULL;

	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_SYNCING);
	failed = test_register(fx, RELAY_A, c1, r1);
	aborted = test_register(fx, RELAY_A, c2, NULL);
	l1 = test_register(fx, RELAY_A, NULL, NULL);
	g_assert_cmpuint(fx->n_started, ==, 3);
	g_assert_cmpuint(fx->n_notify_pending, ==, 3);
	fixture_reset(fx);

	fx->now += 30;
	gs_sync_batch_mark_failed(failed, gs_sync_reason_from_closed("error: boom"));
	test_end(fx, failed, GS_SYNC_OUTCOME_FAILED, NULL);
	g_assert_cmpint(gs_sync_batch_get_ended_at(failed), ==, fx->now);
	g_assert_cmpstr(gs_sync_batch_get_reason(failed), ==, "error");
	g_assert_true(gs_sync_index_get_historic_sync_had_failures(fx->index, RELAY_A));
	/* a failed batch confirms what it fetched: the diff does not redo it */
	assert_diff(fx, RELAY_A, "|");
	test_end(fx, aborted, GS_SYNC_OUTCOME_ABORTED, NULL);
	/* aborted: back to be redone, and not a failure */
	assert_diff(fx, RELAY_A, "c2|");
	test_end(fx, l1, GS_SYNC_OUTCOME_FAILED, "timeout");
	g_assert_cmpuint(fx->n_finished, ==, 3);
	g_assert_cmpint(g_array_index(fx->outcomes, GsSyncOutcome, 0), ==, GS_SYNC_OUTCOME_FAILED);
	g_assert_cmpint(g_array_index(fx->outcomes, GsSyncOutcome, 1), ==, GS_SYNC_OUTCOME_ABORTED);
	g_assert_cmpint(g_array_index(fx->outcomes, GsSyncOutcome, 2), ==, GS_SYNC_OUTCOME_FAILED);
	g_assert_cmpuint(fx->n_notify_pending, ==, 3);
	g_assert_cmpuint(fx->n_notify_failed, ==, 2);
	g_assert_cmpuint(gs_sync_index_get_n_pending(fx->index, RELAY_A), ==, 0);

	/* the failed list keeps items and reasons, in order, for RetryFailed */
	g_assert_cmpuint(gs_sync_index_get_n_failed(fx->index, RELAY_A), ==, 2);
	g_assert_cmpuint(gs_sync_index_get_n_failed_total(fx->index), ==, 2);
	list = gs_sync_index_dup_failed_batches(fx->index, RELAY_A);
	g_assert_true(g_ptr_array_index(list, 0) == failed);
	g_assert_cmpstr(gs_sync_batch_get_reason(g_ptr_array_index(list, 1)), ==, "timeout");
	g_assert_true(gs_sync_batch_is_layer1(g_ptr_array_index(list, 1)));
	/* no status change: the relay is still syncing until the completion check */
	g_assert_cmpuint(fx->statuses_a->len, ==, 0);
}

static void
test_index_retry_failed(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) c1 = test_items(fx->c1, NULL);
	g_autoptr(GsSyncBatch) batch = NULL;
	g_autoptr(GsSyncBatch) again = NULL;
	g_autoptr(GPtrArray) taken = NULL;
	g_autoptr(GPtrArray) none = NULL;

	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_CONNECTED);
	batch = test_register(fx, RELAY_A, c1, NULL);
	test_end(fx, batch, GS_SYNC_OUTCOME_FAILED, "blocked");
	/* a failure while connected is data missing: connected-degraded */
	g_assert_cmpint(gs_sync_index_get_relay_status(fx->index, RELAY_A),
			==,
			GS_CONNECTION_STATUS_CONNECTED_DEGRADED);
	fixture_reset(fx);
	taken = gs_sync_index_take_failed_batches(fx->index, RELAY_A);
	g_assert_cmpuint(taken->len, ==, 1);
	g_assert_cmpuint(gs_sync_index_get_n_failed(fx->index, RELAY_A), ==, 0);
	g_assert_false(gs_sync_index_get_historic_sync_had_failures(fx->index, RELAY_A));
	g_assert_cmpuint(fx->n_notify_failed, ==, 1);
	g_assert_cmpuint(fx->statuses_a->len, ==, 1);
	g_assert_cmpint(g_array_index(fx->statuses_a, GsConnectionStatus, 0),
			==,
			GS_CONNECTION_STATUS_SYNCING);
	/* exactly those items can run again, although they are confirmed */
	again = test_register(fx,
			      RELAY_A,
			      gs_sync_batch_get_repos(g_ptr_array_index(taken, 0)),
			      gs_sync_batch_get_roots(g_ptr_array_index(taken, 0)));
	test_end(fx, again, GS_SYNC_OUTCOME_COMPLETE, NULL);
	g_assert_true(gs_sync_index_completion_should_wait(fx->index, RELAY_A));
	g_assert_true(gs_sync_index_completion_finish(fx->index, RELAY_A));
	g_assert_cmpint(gs_sync_index_get_relay_status(fx->index, RELAY_A),
			==,
			GS_CONNECTION_STATUS_CONNECTED);
	/* nothing to take: nothing changes */
	fixture_reset(fx);
	none = gs_sync_index_take_failed_batches(fx->index, RELAY_A);
	g_assert_cmpuint(none->len, ==, 0);
	g_assert_cmpuint(fx->statuses_a->len, ==, 0);
	g_assert_cmpuint(fx->n_notify_failed, ==, 0);
}

static void
test_index_completion(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) c1 = test_items(fx->c1, NULL);
	g_autoptr(GsSyncBatch) l1 = NULL;
	g_autoptr(GsSyncBatch) late = NULL;

	/* not syncing: nothing to check */
	g_assert_false(gs_sync_index_completion_should_wait(fx->index, RELAY_A));
	g_assert_false(gs_sync_index_completion_finish(fx->index, RELAY_A));
	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_SYNCING);
	l1 = test_register(fx, RELAY_A, NULL, NULL);
	/* 1. batches pending: stop */
	g_assert_false(gs_sync_index_completion_should_wait(fx->index, RELAY_A));
	test_end(fx, l1, GS_SYNC_OUTCOME_COMPLETE, NULL);
	/* 2. none pending: arm the wait */
	g_assert_true(gs_sync_index_completion_should_wait(fx->index, RELAY_A));
	/* discovery creates a batch during the wait: 3. stop */
	late = test_register(fx, RELAY_A, c1, NULL);
	g_assert_false(gs_sync_index_completion_finish(fx->index, RELAY_A));
	g_assert_false(gs_sync_index_get_historic_sync_completed(fx->index, RELAY_A));
	g_assert_cmpint(gs_sync_index_get_relay_status(fx->index, RELAY_A),
			==,
			GS_CONNECTION_STATUS_SYNCING);
	test_end(fx, late, GS_SYNC_OUTCOME_COMPLETE, NULL);
	g_assert_true(gs_sync_index_completion_should_wait(fx->index, RELAY_A));
	/* 4. complete */
	fx->now += 6;
	fixture_reset(fx);
	g_assert_true(gs_sync_index_completion_finish(fx->index, RELAY_A));
	g_assert_true(gs_sync_index_get_historic_sync_completed(fx->index, RELAY_A));
	g_assert_cmpint(
		gs_sync_index_get_historic_sync_completed_at(fx->index, RELAY_A), ==, fx->now);
	g_assert_cmpuint(fx->statuses_a->len, ==, 1);
	g_assert_cmpint(g_array_index(fx->statuses_a, GsConnectionStatus, 0),
			==,
			GS_CONNECTION_STATUS_CONNECTED);
	/* once connected the check does nothing more */
	g_assert_false(gs_sync_index_completion_should_wait(fx->index, RELAY_A));
	g_assert_false(gs_sync_index_completion_finish(fx->index, RELAY_A));
	g_assert_cmpuint(fx->statuses_a->len, ==, 1);
}

static void
test_index_completion_degraded(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsSyncBatch) l1 = NULL;

	gs_sync_index_set_relay_status(fx->index, RELAY_B, GS_CONNECTION_STATUS_SYNCING);
	l1 = test_register(fx, RELAY_B, NULL, NULL);
	test_end(fx, l1, GS_SYNC_OUTCOME_FAILED, "timeout");
	g_assert_true(gs_sync_index_completion_finish(fx->index, RELAY_B));
	g_assert_cmpint(gs_sync_index_get_relay_status(fx->index, RELAY_B),
			==,
			GS_CONNECTION_STATUS_CONNECTED_DEGRADED);
	/* a relay that never had a batch also completes, through the same check */
	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_SYNCING);
	g_assert_true(gs_sync_index_completion_should_wait(fx->index, RELAY_A));
	g_assert_true(gs_sync_index_completion_finish(fx->index, RELAY_A));
	g_assert_cmpint(gs_sync_index_get_relay_status(fx->index, RELAY_A),
			==,
			GS_CONNECTION_STATUS_CONNECTED);
}

static void
test_index_fresh_start(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) c1 = test_items(fx->c1, NULL);
	g_autoptr(GPtrArray) c2 = test_items(fx->c2, NULL);
	g_autoptr(GsSyncBatch) done = NULL;
	g_autoptr(GsSyncBatch) failed = NULL;
	g_autoptr(GsSyncBatch) pending = NULL;

	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_SYNCING);
	done = test_register(fx, RELAY_A, c1, NULL);
	test_end(fx, done, GS_SYNC_OUTCOME_COMPLETE, NULL);
	failed = test_register(fx, RELAY_A, NULL, NULL);
	test_end(fx, failed, GS_SYNC_OUTCOME_FAILED, "timeout");
	g_assert_true(gs_sync_index_completion_finish(fx->index, RELAY_A));
	pending = test_register(fx, RELAY_A, c2, NULL);
	fixture_reset(fx);

	/* the daily pass on a connected-degraded relay */
	gs_sync_index_begin_fresh_start(fx->index, RELAY_A);
	g_assert_cmpuint(fx->n_finished, ==, 1);
	g_assert_cmpint(g_array_index(fx->outcomes, GsSyncOutcome, 0), ==, GS_SYNC_OUTCOME_ABORTED);
	g_assert_cmpint(gs_sync_batch_get_outcome(pending), ==, GS_SYNC_OUTCOME_ABORTED);
	g_assert_cmpuint(gs_sync_index_get_n_pending(fx->index, RELAY_A), ==, 0);
	g_assert_cmpuint(gs_sync_index_get_n_failed(fx->index, RELAY_A), ==, 0);
	g_assert_false(gs_sync_index_get_historic_sync_had_failures(fx->index, RELAY_A));
	g_assert_false(gs_sync_index_get_historic_sync_completed(fx->index, RELAY_A));
	/* the last completion time stays for display */
	g_assert_cmpint(
		gs_sync_index_get_historic_sync_completed_at(fx->index, RELAY_A), ==, fx->now);
	g_assert_cmpint(gs_sync_index_get_relay_status(fx->index, RELAY_A),
			==,
			GS_CONNECTION_STATUS_SYNCING);
	g_assert_cmpuint(fx->n_notify_pending, ==, 1);
	g_assert_cmpuint(fx->n_notify_failed, ==, 1);
	g_assert_cmpuint(fx->statuses_a->len, ==, 1);
	/* everything is new again */
	assert_diff(fx, RELAY_A, "c1,c2|r1");
}

static void
test_index_catch_up(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) c1 = test_items(fx->c1, NULL);
	g_autoptr(GPtrArray) c2 = test_items(fx->c2, NULL);
	g_autoptr(GsSyncBatch) done = NULL;
	g_autoptr(GsSyncBatch) failed = NULL;
	g_autoptr(GsSyncBatch) pending = NULL;

	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_CONNECTED);
	done = test_register(fx, RELAY_A, c1, NULL);
	test_end(fx, done, GS_SYNC_OUTCOME_COMPLETE, NULL);
	failed = test_register(fx, RELAY_A, NULL, NULL);
	test_end(fx, failed, GS_SYNC_OUTCOME_FAILED, "timeout");
	pending = test_register(fx, RELAY_A, c2, NULL);
	fixture_reset(fx);

	/* disconnect: pending batches abort, confirmed state stays */
	gs_sync_index_relay_disconnected(fx->index, RELAY_A);
	g_assert_cmpint(gs_sync_batch_get_outcome(pending), ==, GS_SYNC_OUTCOME_ABORTED);
	g_assert_cmpuint(fx->statuses_a->len, ==, 1);
	g_assert_cmpint(g_array_index(fx->statuses_a, GsConnectionStatus, 0),
			==,
			GS_CONNECTION_STATUS_DISCONNECTED);
	assert_diff(fx, RELAY_A, "|");
	/* reconnect within the window: catch-up keeps confirmed and the failure record */
	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_CONNECTING);
	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_SYNCING);
	gs_sync_index_begin_catch_up(fx->index, RELAY_A);
	/* c1 stays confirmed; c2 was aborted and r1 never fetched */
	assert_diff(fx, RELAY_A, "c2|r1");
	{
		g_autoptr(GPtrArray) confirmed =
			gs_sync_index_dup_confirmed_repos(fx->index, RELAY_A);
		g_assert_cmpuint(confirmed->len, ==, 1);
	}
	g_assert_cmpuint(gs_sync_index_get_n_failed(fx->index, RELAY_A), ==, 1);
	g_assert_true(gs_sync_index_get_historic_sync_had_failures(fx->index, RELAY_A));
	g_assert_cmpuint(fx->statuses_a->len, ==, 3);
	g_assert_cmpuint(fx->n_finished, ==, 1);
}

static void
test_index_restore(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *stranger = g_strdup_printf("30617:%064x:gone", 9);
	g_autofree gchar *unknown_root = g_strdup_printf("%064x", 999);
	g_autoptr(GPtrArray) repos = test_items(fx->c1, fx->c3, stranger, NULL);
	g_autoptr(GPtrArray) roots = test_items(fx->r1, unknown_root, NULL);
	g_autoptr(GPtrArray) confirmed = NULL;

	/* only what is still a target there is restored */
	gs_sync_index_restore_confirmed(fx->index, RELAY_A, repos, roots);
	confirmed = gs_sync_index_dup_confirmed_repos(fx->index, RELAY_A);
	g_assert_cmpuint(confirmed->len, ==, 1);
	g_clear_pointer(&confirmed, g_ptr_array_unref);
	confirmed = gs_sync_index_dup_confirmed_roots(fx->index, RELAY_A);
	g_assert_cmpuint(confirmed->len, ==, 1);
	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_SYNCING);
	assert_diff(fx, RELAY_A, "c2|");
}

static void
test_index_remove_relay(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsSyncBatch) l1 = test_register(fx, RELAY_B, NULL, NULL);
	guint n = 99;

	g_object_get(fx->index, "pending-batches", &n, NULL);
	g_assert_cmpuint(n, ==, 1);
	fixture_reset(fx);
	gs_sync_index_remove_relay(fx->index, RELAY_B);
	gs_sync_index_remove_relay(fx->index, RELAY_B);
	gs_sync_index_remove_relay(fx->index, NULL);
	g_assert_cmpint(gs_sync_batch_get_outcome(l1), ==, GS_SYNC_OUTCOME_ABORTED);
	g_assert_cmpuint(fx->n_finished, ==, 1);
	g_assert_cmpuint(fx->n_notify_pending, ==, 1);
	g_object_get(fx->index, "pending-batches", &n, NULL);
	g_assert_cmpuint(n, ==, 0);
	g_assert_cmpint(gs_sync_index_get_relay_status(fx->index, RELAY_B),
			==,
			GS_CONNECTION_STATUS_DISCONNECTED);
}

static void
test_index_status_signals(Fixture *fx, gconstpointer data)
{
	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_CONNECTING);
	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_CONNECTING);
	gs_sync_index_set_relay_status(fx->index, RELAY_B, GS_CONNECTION_STATUS_CONNECTING);
	gs_sync_index_set_relay_status(fx->index, RELAY_A, GS_CONNECTION_STATUS_SYNCING);
	/* disconnected is where a relay starts: no change */
	gs_sync_index_set_relay_status(
		fx->index, "wss://c.example", GS_CONNECTION_STATUS_DISCONNECTED);
	g_assert_cmpuint(fx->statuses_a->len, ==, 2);
	g_assert_cmpuint(fx->n_status_any, ==, 3);
}

static void
test_index_count_properties(Fixture *fx, gconstpointer data)
{
	const gchar *a[] = {RELAY_A, NULL};
	g_autofree gchar *c4 = g_strdup_printf("30617:%064x:four", 4);
	g_autofree gchar *r4 = g_strdup_printf("%064x", 104);
	guint repos = 0, roots = 0, failed = 99;

	g_object_get(
		fx->index, "repos", &repos, "root-events", &roots, "failed-batches", &failed, NULL);
	g_assert_cmpuint(repos, ==, 3);
	g_assert_cmpuint(roots, ==, 2);
	g_assert_cmpuint(failed, ==, 0);
	g_assert_true(gs_sync_targets_set_repo(fx->targets, c4, GS_SYNC_LEVEL_FULL, a, NULL));
	g_assert_true(gs_sync_targets_set_repo(fx->targets, c4, GS_SYNC_LEVEL_FULL, a, NULL));
	g_assert_true(gs_sync_targets_add_root(fx->targets, r4, c4, NULL));
	g_assert_true(gs_sync_targets_add_root(fx->targets, r4, c4, NULL));
	g_assert_cmpuint(fx->n_notify_repos, ==, 1);
	g_assert_cmpuint(fx->n_notify_roots, ==, 1);
	/* removing c4 drops r4 with it */
	g_assert_true(gs_sync_targets_remove_repo(fx->targets, c4));
	g_assert_cmpuint(fx->n_notify_repos, ==, 2);
	g_assert_cmpuint(fx->n_notify_roots, ==, 2);
	g_object_get(fx->index, "repos", &repos, "root-events", &roots, NULL);
	g_assert_cmpuint(repos, ==, 3);
	g_assert_cmpuint(roots, ==, 2);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
#define ADD(path, func)                                                                            \
	g_test_add("/grasp-sync/sync-index/" path,                                                 \
		   Fixture,                                                                        \
		   NULL,                                                                           \
		   fixture_setup,                                                                  \
		   func,                                                                           \
		   fixture_teardown)
	ADD("diff", test_index_diff);
	ADD("diff-follows-targets", test_index_diff_follows_targets);
	ADD("register-errors", test_index_register_errors);
	ADD("subscriptions", test_index_subscriptions);
	ADD("outcomes", test_index_outcomes);
	ADD("retry-failed", test_index_retry_failed);
	ADD("completion", test_index_completion);
	ADD("completion-degraded", test_index_completion_degraded);
	ADD("fresh-start", test_index_fresh_start);
	ADD("catch-up", test_index_catch_up);
	ADD("restore", test_index_restore);
	ADD("remove-relay", test_index_remove_relay);
	ADD("status-signals", test_index_status_signals);
	ADD("count-properties", test_index_count_properties);
#undef ADD
	return g_test_run();
}
