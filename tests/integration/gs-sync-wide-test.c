/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsTest"

#include "config.h"

#include <string.h>

#include "gs-message.h"
#include "gs-sync-harness.h"

/*
 * The relay-wide reconciliation of a fresh start (docs/sync.md, "Historic batches"): the new
 * L2/L3 batches of a relay share one NEG session with the empty filter when that costs less
 * than their own filters, and every event still arrives when it does not, or when the relay
 * does not deliver what it listed. Re-syncs start from a store that already holds most of
 * the relay's events.
 */

/* NEG-OPENs the relay received from @start on; @n_wide: (out): of which with the filter `{}` */
static guint
count_neg_opens(GsTestRelay *relay, guint start, guint *n_wide)
{
	GPtrArray *log = gs_test_relay_get_log(relay);
	guint n = 0;

	*n_wide = 0;
	for (guint i = start; i < log->len; i++) {
		const gchar *text = g_ptr_array_index(log, i);
		g_autoptr(GsMessage) msg =
			gs_message_parse(text, strlen(text), GS_MESSAGE_FROM_CLIENT, NULL);
		g_autoptr(GsFilter) filter = NULL;
		g_autofree gchar *json = NULL;

		if (msg == NULL || msg->type != GS_MESSAGE_NEG_OPEN)
			continue;
		n++;
		filter = gs_filter_new_from_node(g_ptr_array_index(msg->filters, 0), NULL);
		g_assert_nonnull(filter);
		json = gs_filter_to_json(filter);
		*n_wide += g_strcmp0(json, "{}") == 0;
	}
	return n;
}

/* the filters of REQs from @start on for which @pred is TRUE */
static guint
count_req_filters(GsTestRelay *relay, guint start, gboolean (*pred)(GsFilter *filter))
{
	GPtrArray *log = gs_test_relay_get_log(relay);
	guint n = 0;

	for (guint i = start; i < log->len; i++) {
		const gchar *text = g_ptr_array_index(log, i);
		g_autoptr(GsMessage) msg =
			gs_message_parse(text, strlen(text), GS_MESSAGE_FROM_CLIENT, NULL);

		if (msg == NULL || msg->type != GS_MESSAGE_REQ)
			continue;
		for (guint j = 0; j < msg->filters->len; j++) {
			g_autoptr(GsFilter) filter =
				gs_filter_new_from_node(g_ptr_array_index(msg->filters, j), NULL);
			n += pred(filter);
		}
	}
	return n;
}

/* a live REQ's filter that is exactly `{"limit":0}` */
static gboolean
is_wide_live(GsFilter *filter)
{
	g_autofree gchar *json = gs_filter_to_json(filter);
	return g_strcmp0(json, "{\"limit\":0}") == 0;
}

static guint
count_wide_live(GsTestRelay *relay, guint start)
{
	return count_req_filters(relay, start, is_wide_live);
}

/* three repositories with roots and replies on @relay; all but every @skip-th reply (0: all)
 * also in our store; returns: (transfer full): the events left out */
static GPtrArray *
setup_resync(GsHarness *h, GsTestRelay *relay, const gchar *const *bootstrap, guint skip)
{
	GPtrArray *missing = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GPtrArray) have = g_ptr_array_new();
	const gchar *names[] = {"alpha", "beta", "gamma"};
	g_autoptr(GError) error = NULL;

	for (guint r = 0; r < G_N_ELEMENTS(names); r++) {
		g_autoptr(GPtrArray) events =
			gs_harness_repo_events(1 + 10 * r, names[r], bootstrap, 40, 3);
		gs_test_relay_add_events(relay, events);
		for (guint i = 0; i < events->len; i++) {
			GsEvent *event = g_ptr_array_index(events, i);
			gboolean reply = gs_event_get_kind(event) == 1111 ||
					 gs_event_get_kind(event) == 1630;
			if (skip > 0 && reply && i % skip == 0)
				g_ptr_array_add(missing, gs_event_ref(event));
			else
				g_ptr_array_add(have, event);
		}
		g_assert_true(gs_store_insert_batch(h->store, have, NULL, &error));
		g_assert_no_error(error);
		g_ptr_array_set_size(have, 0);
	}
	g_assert_cmpuint(missing->len, >, 0);
	return missing;
}

/* one `{}` session stands for every L2/L3 filter; the missing events arrive; live L2/L3 is
 * one REQ `{limit:0}` and brings a new root and its reply */
static void
test_wide(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) missing = setup_resync(h, source, bootstrap, 50);
	g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autofree gchar *coordinate = gs_harness_coordinate(11, "beta");
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	GsEvent *issue;
	guint n_wide;

	h->opts.negentropy_wide_min_bytes = 1;
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_stored(h, missing));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	/* L1 and the relay-wide session, nothing per filter */
	g_assert_cmpuint(count_neg_opens(source, 0, &n_wide), ==, 2);
	g_assert_cmpuint(n_wide, ==, 1);
	g_assert_cmpuint(count_wide_live(source, 0), ==, 1);

	issue = gs_harness_root(3, 1621, coordinate, now, "a new issue");
	g_ptr_array_add(fresh, issue);
	g_ptr_array_add(fresh, gs_harness_reply(4, 1111, "E", gs_event_get_id(issue), now, "+1"));
	gs_test_relay_add_event(source, g_ptr_array_index(fresh, 0));
	gs_test_relay_add_event(source, g_ptr_array_index(fresh, 1));
	g_assert_true(gs_harness_wait_stored(h, fresh));
	g_assert_cmpuint(count_wide_live(source, 0), ==, 1);
}

/* by default a handful of items reconciles its own filters: the wide session is for large
 * histories */
static void
test_wide_small(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) missing = setup_resync(h, source, bootstrap, 50);
	guint n_wide;

	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	g_assert_cmpuint(count_neg_opens(source, 0, &n_wide), >, 2);
	g_assert_cmpuint(n_wide, ==, 0);
}

/* a relay holding much we do not want makes the wide session cost more than the filters: it
 * is closed early, every batch reconciles its filters, only our events are stored; the next
 * fresh start does not try it again */
static void
test_wide_declined(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) missing = setup_resync(h, source, bootstrap, 50);
	g_autoptr(GPtrArray) theirs = NULL;
	g_autoptr(GError) error = NULL;
	guint n_wide;
	guint start;

	for (guint r = 0; r < 4; r++) {
		g_autofree gchar *d = g_strdup_printf("theirs-%u", r);
		g_autoptr(GPtrArray) events =
			gs_harness_repo_events_full(100 + 10 * r, d, bootstrap, FALSE, 10, 4);
		gs_test_relay_add_events(source, events);
		if (theirs == NULL)
			theirs = g_ptr_array_ref(events);
	}
	/* a budget that the first round's differences exceed, well above the first message */
	h->opts.negentropy_wide_min_bytes = 1;
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_stored(h, missing));
	for (guint i = 0; i < theirs->len; i++)
		g_assert_false(gs_harness_has(h, g_ptr_array_index(theirs, i)));
	g_assert_cmpuint(count_neg_opens(source, 0, &n_wide), >, 2);
	g_assert_cmpuint(n_wide, ==, 1);

	start = gs_test_relay_get_log(source)->len;
	g_assert_true(gs_sync_manager_resync(h->manager, url, &error));
	g_assert_no_error(error);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_SYNCING));
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_cmpuint(count_neg_opens(source, start, &n_wide), >, 1);
	g_assert_cmpuint(n_wide, ==, 0);
}

/* the relay lists ids it then does not serve: the owner falls back, the other batches
 * reconcile their own filters (and fall back in turn); everything arrives through REQ+EOSE */
static void
test_wide_undelivered(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_IDS_NOT_SERVED);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) missing = setup_resync(h, source, bootstrap, 50);
	guint n_wide;

	h->opts.negentropy_wide_min_bytes = 1;
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_stored(h, missing));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	g_assert_cmpuint(count_neg_opens(source, 0, &n_wide), >, 2);
	g_assert_cmpuint(n_wide, ==, 1);
}

/* a relay that refuses `{limit:0}`: live L2/L3 go back to the items' own REQs, which bring a
 * new reply to a known root */
static void
test_wide_live_refused(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_REFUSE_BROAD_REQ);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) missing = setup_resync(h, source, bootstrap, 50);
	g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	const gchar *root_id = NULL;
	guint n_wide;

	h->opts.negentropy_wide_min_bytes = 1;
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_stored(h, missing));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	g_assert_cmpuint(count_neg_opens(source, 0, &n_wide), ==, 2);
	g_assert_cmpuint(n_wide, ==, 1);
	g_assert_cmpuint(count_wide_live(source, 0), ==, 1);

	for (guint i = 0; i < missing->len && root_id == NULL; i++) {
		GsEvent *reply = g_ptr_array_index(missing, i);
		root_id = gs_event_get_tag_value(reply, "E");
		if (root_id == NULL)
			root_id = gs_event_get_tag_value(reply, "e");
	}
	g_assert_nonnull(root_id);
	g_ptr_array_add(fresh, gs_harness_reply(5, 1111, "E", root_id, now, "late"));
	gs_test_relay_add_event(source, g_ptr_array_index(fresh, 0));
	g_assert_true(gs_harness_wait_stored(h, fresh));
	g_assert_cmpuint(count_wide_live(source, 0), ==, 1);
}

/* a historic filter naming tag values (a `#x` key and a limit) */
static gboolean
is_item_req(GsFilter *filter)
{
	g_autofree gchar *letters = gs_filter_get_tag_letters(filter);
	return letters != NULL && letters[0] != '\0' && gs_filter_get_limit(filter) > 0;
}

static guint
count_item_reqs(GsTestRelay *relay, guint start)
{
	return count_req_filters(relay, start, is_item_req);
}

/* a first sync into an empty store with negentropy_req_max_local = 0: the item batches'
 * filters have nothing here to reconcile and are fetched with REQ+EOSE within their negentropy
 * batches; only L1 opens a session, and
 * every event arrives, by the batches' own method, nothing failed */
static void
test_req_empty(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	const gchar *names[] = {"alpha", "beta", "gamma"};
	GsSyncRelayStats stats;
	guint n_wide;

	for (guint r = 0; r < G_N_ELEMENTS(names); r++) {
		g_autoptr(GPtrArray) events =
			gs_harness_repo_events(1 + 10 * r, names[r], bootstrap, 40, 3);
		gs_test_relay_add_events(source, events);
	}
	h->opts.negentropy_req_max_local = 0;
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	g_assert_cmpuint(count_neg_opens(source, 0, &n_wide), ==, 1);
	g_assert_cmpuint(n_wide, ==, 0);
	g_assert_cmpuint(count_item_reqs(source, 0), >, 0);
	g_assert_cmpint(gs_sync_manager_get_relay_supports_negentropy(h->manager, url), ==, 1);
	gs_sync_manager_get_relay_stats(h->manager, url, &stats);
	g_assert_cmpuint(stats.batches[GS_SYNC_METHOD_NEGENTROPY][GS_SYNC_OUTCOME_COMPLETE], >, 1);
	g_assert_cmpuint(stats.batches[GS_SYNC_METHOD_NEGENTROPY][GS_SYNC_OUTCOME_FAILED], ==, 0);
	g_assert_cmpuint(stats.batches[GS_SYNC_METHOD_REQ_EOSE][GS_SYNC_OUTCOME_COMPLETE], ==, 0);
	g_assert_false(gs_sync_manager_get_relay_historic_sync_had_failures(h->manager, url));
}

/* two relays holding the same history, both in their first pass: the filters are reconciled
 * on both, so that what one relay delivered is not fetched from the other again */
static void
test_req_empty_two(GsHarness *h, gconstpointer data)
{
	GsTestRelay *a = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	GsTestRelay *b = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *bootstrap[] = {gs_test_relay_get_url(a), gs_test_relay_get_url(b), NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 40, 3);
	guint n_wide;

	gs_test_relay_add_events(a, events);
	gs_test_relay_add_events(b, events);
	h->opts.negentropy_req_max_local = 0;
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, bootstrap[0], GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_status(h, bootstrap[1], GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(a));
	g_assert_cmpuint(count_neg_opens(a, 0, &n_wide) + count_neg_opens(b, 0, &n_wide), >, 2);
	g_assert_cmpuint(count_item_reqs(a, 0) + count_item_reqs(b, 0), ==, 0);
}

/* by default (negentropy_req_max_local = -1) every filter is reconciled: a session each */
static void
test_req_empty_off(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 40, 3);
	guint n_wide;

	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	g_assert_cmpuint(count_neg_opens(source, 0, &n_wide), >, 1);
	g_assert_cmpuint(count_item_reqs(source, 0), ==, 0);
}

static const GsHarnessCase cases[] = {
	{"wide", test_wide},
	{"wide-small", test_wide_small},
	{"wide-declined", test_wide_declined},
	{"wide-undelivered", test_wide_undelivered},
	{"wide-live-refused", test_wide_live_refused},
	{"req-empty", test_req_empty},
	{"req-empty-two", test_req_empty_two},
	{"req-empty-off", test_req_empty_off},
};

int
main(int argc, char **argv)
{
	return gs_harness_run_cases(&argc, &argv, cases, G_N_ELEMENTS(cases));
}
