/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* the acceptance scenarios of specs/sync.md 13, one meson test each */

#include "config.h"

#include <string.h>

#include "gs-message.h"
#include "gs-relay-url.h"
#include "gs-sync-harness.h"

#define END ((GsConnectionStatus)-1)

static const GsConnectionStatus status_connected[] = {GS_CONNECTION_STATUS_DISCONNECTED,
						      GS_CONNECTION_STATUS_CONNECTING,
						      GS_CONNECTION_STATUS_SYNCING,
						      GS_CONNECTION_STATUS_CONNECTED,
						      END};

/* 1. bootstrap sync: every event of the source arrives; disconnected -> connecting -> syncing
 * -> connected */
static void
test_bootstrap(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 6, 3);

	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	gs_harness_assert_statuses(h, url, status_connected);
	g_assert_cmpstr(
		gs_connection_status_to_string(gs_sync_manager_get_relay_status(h->manager, url)),
		==,
		"connected");
	g_assert_true(gs_sync_manager_get_relay_historic_sync_completed(h->manager, url));
	g_assert_false(gs_sync_manager_get_relay_historic_sync_had_failures(h->manager, url));
	g_assert_cmpuint(gs_sync_manager_get_relay_pending_batches(h->manager, url), ==, 0);
	g_assert_cmpint(gs_sync_manager_get_relay_supports_negentropy(h->manager, url), ==, 1);
}

static const GsConnectionStatus status_degraded[] = {GS_CONNECTION_STATUS_DISCONNECTED,
						     GS_CONNECTION_STATUS_CONNECTING,
						     GS_CONNECTION_STATUS_SYNCING,
						     GS_CONNECTION_STATUS_CONNECTED_DEGRADED,
						     END};

static guint64
failures_for(GsHarness *h, const gchar *url, const gchar *reason)
{
	g_autoptr(GVariant) reasons = gs_sync_manager_dup_relay_failure_reasons(h->manager, url);
	guint64 n = 0;

	g_variant_lookup(reasons, reason, "t", &n);
	return n;
}

static guint64
fallbacks_for(GsHarness *h, const gchar *url, const gchar *reason)
{
	g_autoptr(GVariant) reasons = gs_sync_manager_dup_relay_fallback_reasons(h->manager, url);
	guint64 n = 0;

	g_variant_lookup(reasons, reason, "t", &n);
	return n;
}

/* 2. an announcement that does not list us is not stored, nor what tags it */
static void
test_not_ours(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) ours = gs_harness_repo_events(1, "alpha", bootstrap, 3, 2);
	g_autoptr(GPtrArray) theirs =
		gs_harness_repo_events_full(20, "beta", bootstrap, FALSE, 3, 2);
	gs_test_relay_add_events(source, ours);
	gs_test_relay_add_events(source, theirs);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, ours->len);
	for (guint i = 0; i < ours->len; i++)
		g_assert_true(gs_harness_has(h, g_ptr_array_index(ours, i)));
	for (guint i = 0; i < theirs->len; i++)
		g_assert_false(gs_harness_has(h, g_ptr_array_index(theirs, i)));
}

/* 3. history without negentropy: a relay answering NEG-OPEN "unknown envelope" and one that
 * never answers it; both fall back to REQ+EOSE and everything arrives */
static void
test_no_negentropy(GsHarness *h, gconstpointer data)
{
	GsTestRelay *plain = gs_harness_relay_new(h, GS_TEST_RELAY_NO_NIP77);
	GsTestRelay *silent = gs_harness_relay_new(h, GS_TEST_RELAY_NEG_SILENT);
	const gchar *urls[] = {gs_test_relay_get_url(plain), gs_test_relay_get_url(silent), NULL};
	const gchar *only_plain[] = {urls[0], NULL};
	const gchar *only_silent[] = {urls[1], NULL};
	g_autoptr(GPtrArray) a = gs_harness_repo_events(1, "alpha", only_plain, 4, 3);
	g_autoptr(GPtrArray) b = gs_harness_repo_events(30, "beta", only_silent, 4, 3);

	gs_test_relay_add_events(plain, a);
	gs_test_relay_add_events(silent, b);
	gs_harness_start(h, urls);
	for (guint i = 0; i < 2; i++) {
		g_assert_true(gs_harness_wait_status(h, urls[i], GS_CONNECTION_STATUS_CONNECTED));
		gs_harness_assert_statuses(h, urls[i], status_connected);
		g_assert_cmpint(
			gs_sync_manager_get_relay_supports_negentropy(h->manager, urls[i]), ==, 0);
		g_assert_cmpuint(fallbacks_for(h, urls[i], "unsupported"), >=, 1);
	}
	g_assert_true(gs_harness_wait_stored(h, a));
	g_assert_true(gs_harness_wait_stored(h, b));
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, a->len + b->len);
}

/* 4. paging: 2,000 issues on a relay that caps REQ results at 100 */
static void
test_paging(GsHarness *h, gconstpointer data)
{
	GsTestRelayKnobs knobs = {.flags = GS_TEST_RELAY_NO_NIP77, .req_cap = 100};
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 0, 0);
	g_autofree gchar *coordinate = gs_harness_coordinate(1, "alpha");
	gint64 base = g_get_real_time() / G_USEC_PER_SEC - 50000;
	GsSyncRelayStats stats;

	/* three issues a second, so that pages end inside a second */
	for (guint i = 0; i < 2000; i++) {
		g_autofree gchar *text = g_strdup_printf("issue %u", i);
		g_ptr_array_add(events,
				gs_harness_root(2 + i % 5, 1621, coordinate, base + i / 3, text));
	}
	gs_test_relay_add_events(source, events);
	gs_test_relay_set_knobs(source, &knobs);
	h->opts.batch_timeout_ms = 10000 * gs_harness_scale();
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	gs_sync_manager_get_relay_stats(h->manager, url, &stats);
	g_assert_cmpuint(stats.batches[GS_SYNC_METHOD_REQ_EOSE][GS_SYNC_OUTCOME_FAILED], ==, 0);
	/* at least one page of 100 per 100 issues */
	g_assert_cmpuint(gs_test_relay_get_received(source, GS_MESSAGE_REQ), >=, 20);
}

/* 5. discovery: the announcement on the bootstrap relay lists a second relay, which holds the
 * rest; roots found there bring their replies (`e`, `E`, `q`) */
static void
test_discovery(GsHarness *h, gconstpointer data)
{
	GsTestRelay *boot = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	GsTestRelay *second = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *bootstrap[] = {gs_test_relay_get_url(boot), NULL};
	const gchar *listed[] = {gs_test_relay_get_url(second), NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", listed, 5, 3);

	/* the bootstrap relay holds the announcement only */
	gs_test_relay_add_event(boot, g_ptr_array_index(events, 0));
	gs_test_relay_add_events(second, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, listed[0], GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_status(h, bootstrap[0], GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(second));
	gs_harness_assert_statuses(h, listed[0], status_connected);
	g_assert_false(gs_sync_manager_get_relay_is_bootstrap(h->manager, listed[0]));
}

/* 6. tag variations: L2 events naming the repository by `a`, `A` and `q`; L3 by `e`, `E`, `q` */
static void
test_tags(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 1, 3);
	g_autofree gchar *coordinate = gs_harness_coordinate(1, "alpha");
	gint64 at = g_get_real_time() / G_USEC_PER_SEC - 3600;
	const gchar *by_upper_a[] = {"A", coordinate, NULL, "K", "30617", NULL, NULL};
	const gchar *by_q[] = {"q", coordinate, NULL, NULL};

	g_ptr_array_add(events, gs_test_event_new(5, at, 1111, by_upper_a, "on the repository"));
	g_ptr_array_add(events, gs_test_event_new(6, at + 1, 1, by_q, "quoting the repository"));
	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, events->len);
}

/* 7. live: after connected, a new issue and a comment on it (published before the issue is
 * known as a root) arrive within 2 s */
static void
test_live(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 2, 1);
	g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autofree gchar *coordinate = gs_harness_coordinate(1, "alpha");
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gint64 start;
	GsEvent *issue;

	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	issue = gs_harness_root(3, 1621, coordinate, now, "a new issue");
	g_ptr_array_add(fresh, issue);
	g_ptr_array_add(fresh, gs_harness_reply(4, 1111, "E", gs_event_get_id(issue), now, "+1"));
	start = g_get_monotonic_time();
	gs_test_relay_add_event(source, g_ptr_array_index(fresh, 0));
	gs_test_relay_add_event(source, g_ptr_array_index(fresh, 1));
	g_assert_true(gs_harness_wait_stored(h, fresh));
	g_assert_cmpint(g_get_monotonic_time() - start, <, 2 * G_USEC_PER_SEC * gs_harness_scale());
	g_assert_cmpint(gs_sync_manager_get_relay_status(h->manager, url),
			==,
			GS_CONNECTION_STATUS_CONNECTED);
}

/* 8. degraded: a relay that lists ids in negentropy but never serves them, for the L1 batch;
 * RetryFailed once it is fixed brings it to connected */
static void
test_degraded(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_IDS_NOT_SERVED);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 2, 2);
	g_autoptr(GVariant) failed = NULL;
	g_autoptr(GError) error = NULL;
	GsSyncRelayStats stats;

	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED_DEGRADED));
	gs_harness_assert_statuses(h, url, status_degraded);
	g_assert_cmpint(gs_sync_manager_get_relay_status(h->manager, url), ==, 4);
	g_assert_cmpstr(
		gs_connection_status_to_string(gs_sync_manager_get_relay_status(h->manager, url)),
		==,
		"connected-degraded");
	g_assert_true(gs_sync_manager_get_relay_historic_sync_had_failures(h->manager, url));
	g_assert_cmpuint(gs_sync_manager_get_relay_failed_batches(h->manager, url), ==, 1);
	g_assert_cmpuint(failures_for(h, url, "negentropy-undelivered"), ==, 1);
	gs_sync_manager_get_relay_stats(h->manager, url, &stats);
	g_assert_cmpuint(stats.batches[GS_SYNC_METHOD_NEGENTROPY][GS_SYNC_OUTCOME_FAILED], ==, 1);
	failed = gs_sync_manager_dup_relay_failed_batches(h->manager, url);
	g_assert_cmpuint(g_variant_n_children(failed), ==, 1);
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, 0);

	/* fixed: RetryFailed runs the L1 batch again, discovery does the rest */
	gs_test_relay_set_knobs(source, NULL);
	g_assert_true(gs_sync_manager_retry_failed(h->manager, url, &error));
	g_assert_no_error(error);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	g_assert_false(gs_sync_manager_get_relay_historic_sync_had_failures(h->manager, url));
	g_assert_cmpuint(gs_sync_manager_get_relay_failed_batches(h->manager, url), ==, 0);
	/* the counter keeps its history */
	g_assert_cmpuint(failures_for(h, url, "negentropy-undelivered"), ==, 1);
}

/* 9. batch timeout and CLOSED: a relay that never sends EOSE and one that answers CLOSED
 * `error: ...`; batches fail and both end connected-degraded, never stuck in syncing */
static void
test_timeout_closed(GsHarness *h, gconstpointer data)
{
	GsTestRelayKnobs refuse = {.flags = GS_TEST_RELAY_REFUSE_REQ,
				   .closed_text = "error: not today"};
	GsTestRelay *mute = gs_harness_relay_new(h, GS_TEST_RELAY_NO_EOSE);
	GsTestRelay *closer = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *urls[] = {gs_test_relay_get_url(mute), gs_test_relay_get_url(closer), NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", urls, 1, 1);

	gs_test_relay_add_events(mute, events);
	gs_test_relay_add_events(closer, events);
	gs_test_relay_set_knobs(closer, &refuse);
	h->opts.batch_timeout_ms = 500 * gs_harness_scale();
	gs_harness_start(h, urls);
	for (guint i = 0; i < 2; i++) {
		g_assert_true(gs_harness_wait_status(
			h, urls[i], GS_CONNECTION_STATUS_CONNECTED_DEGRADED));
		g_assert_cmpuint(
			gs_sync_manager_get_relay_failed_batches(h->manager, urls[i]), >=, 1);
		g_assert_cmpuint(
			gs_sync_manager_get_relay_pending_batches(h->manager, urls[i]), ==, 0);
	}
	g_assert_cmpuint(failures_for(h, urls[0], "timeout"), >=, 1);
	g_assert_cmpuint(failures_for(h, urls[1], "error"), >=, 1);
}

typedef struct {
	GsHarness *h;
	GsEvent *event;
	gint64 at; /* monotonic us when it was first seen stored */
} StoredWatch;

static gboolean
watch_stored(GsHarness *h, gpointer data)
{
	StoredWatch *w = data;
	if (w->at == 0 && gs_harness_has(h, w->event))
		w->at = g_get_monotonic_time();
	return w->at != 0;
}

/* 10. maintainers: maintainers' announcements that arrive before the owner's are deferred,
 * then accepted within one batch window of the owner's; an invalid maintainer key is ignored */
static void
test_maintainers(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autofree gchar *owner_key = gs_harness_pubkey(1);
	g_autofree gchar *m1 = gs_harness_pubkey(51);
	g_autofree gchar *m2 = gs_harness_pubkey(52);
	g_autofree gchar *m3 = gs_harness_pubkey(53);
	const gchar *maintainers[] = {m1, m2, m3, "not-a-key", NULL};
	const gchar *owner_only[] = {owner_key, NULL};
	g_autoptr(GPtrArray) theirs =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GsEvent) owner = NULL;
	gint64 at = g_get_real_time() / G_USEC_PER_SEC - 600;
	StoredWatch w = {h, NULL, 0};

	for (guint i = 0; i < 3; i++)
		g_ptr_array_add(theirs,
				gs_harness_announcement_full(
					51 + i, "alpha", at + i, bootstrap, FALSE, owner_only));
	gs_test_relay_add_events(source, theirs);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	/* fetched, and waiting for the owner's announcement */
	for (guint i = 0; i < theirs->len; i++)
		g_assert_false(gs_harness_has(h, g_ptr_array_index(theirs, i)));
	owner = gs_harness_announcement_full(1, "alpha", at + 10, bootstrap, TRUE, maintainers);
	w.event = owner;
	gs_test_relay_add_event(source, owner);
	g_assert_true(gs_harness_wait(h, watch_stored, &w, GS_HARNESS_WAIT_MS));
	g_assert_true(gs_harness_wait_stored(h, theirs));
	g_assert_cmpint(g_get_monotonic_time() - w.at,
			<=,
			(h->opts.batch_window_ms + 100) * 1000 * gs_harness_scale());
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, 4);
}

/* 11. a state event arriving before its announcement is deferred, then accepted when the
 * announcement arrives */
static void
test_state_first(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	gint64 at = g_get_real_time() / G_USEC_PER_SEC - 600;
	g_autoptr(GsEvent) first = gs_harness_announcement(1, "alpha", at, bootstrap);
	g_autoptr(GsEvent) state = gs_harness_state(2, "alpha", at + 1);
	g_autoptr(GsEvent) second = gs_harness_announcement(2, "alpha", at + 2, bootstrap);
	StoredWatch w = {h, state, 0};

	/* the state of a second owner's "alpha" comes with the first owner's L2 (#d:[alpha]) */
	gs_test_relay_add_event(source, first);
	gs_test_relay_add_event(source, state);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_has(h, first));
	g_assert_false(gs_harness_has(h, state));
	gs_test_relay_add_event(source, second);
	g_assert_true(gs_harness_wait(h, watch_stored, &w, GS_HARNESS_WAIT_MS));
	g_assert_true(gs_harness_has(h, second));
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, 3);
}

/* the filters of every NEG-OPEN and historic REQ in @log from @start on; returns: how many
 * historic requests there were, each checked to carry since == @since. Exempt: fetches by id
 * (they name exactly what is missing) and filters naming @new_id, an item discovered by the
 * catch-up itself, which the three-way diff fetches whole */
static guint
assert_historic_since(GPtrArray *log, guint start, gint64 since, const gchar *new_id)
{
	guint n = 0;

	for (guint i = start; i < log->len; i++) {
		const gchar *text = g_ptr_array_index(log, i);
		g_autoptr(GsMessage) msg =
			gs_message_parse(text, strlen(text), GS_MESSAGE_FROM_CLIENT, NULL);
		GPtrArray *nodes = NULL;

		if (msg == NULL)
			continue;
		if (msg->type == GS_MESSAGE_REQ || msg->type == GS_MESSAGE_NEG_OPEN)
			nodes = msg->filters;
		for (guint j = 0; nodes != NULL && j < nodes->len; j++) {
			g_autoptr(GsFilter) f =
				gs_filter_new_from_node(g_ptr_array_index(nodes, j), NULL);
			g_assert_nonnull(f);
			g_autofree gchar *json = gs_filter_to_json(f);
			if (gs_filter_get_limit(f) == 0 || gs_filter_get_ids(f) != NULL ||
			    (new_id != NULL && strstr(json, new_id) != NULL))
				continue;
			if (gs_filter_get_since(f) != since)
				g_error("historic request without since %" G_GINT64_FORMAT ": %s",
					since,
					text);
			n++;
		}
	}
	return n;
}

/* 12. reconnect within 15 min: what was published while disconnected arrives through a
 * catch-up with `since`, not a full resync */
static void
test_reconnect(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 2, 2);
	g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autofree gchar *coordinate = gs_harness_coordinate(1, "alpha");
	const GsConnectionStatus expected[] = {GS_CONNECTION_STATUS_DISCONNECTED,
					       GS_CONNECTION_STATUS_CONNECTING,
					       GS_CONNECTION_STATUS_SYNCING,
					       GS_CONNECTION_STATUS_CONNECTED,
					       GS_CONNECTION_STATUS_DISCONNECTED,
					       GS_CONNECTION_STATUS_CONNECTING,
					       GS_CONNECTION_STATUS_SYNCING,
					       GS_CONNECTION_STATUS_CONNECTED,
					       END};
	GsSyncRelayStats before, after;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	gint64 disconnected_at;
	guint start;
	GsEvent *issue;

	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_test_relay_drop_connections(source);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_DISCONNECTED));
	disconnected_at = gs_sync_manager_get_relay_disconnected_at(h->manager, url);
	g_assert_cmpint(disconnected_at, >, 0);
	issue = gs_harness_root(3, 1621, coordinate, now, "while away");
	g_ptr_array_add(fresh, issue);
	g_ptr_array_add(fresh, gs_harness_reply(4, 1111, "E", gs_event_get_id(issue), now, "+1"));
	gs_test_relay_add_events(source, fresh);
	gs_sync_manager_get_relay_stats(h->manager, url, &before);
	start = gs_test_relay_get_log(source)->len;
	/* one failure: the retry is due after the 5 s base backoff (plus jitter) */
	g_assert_cmpuint(gs_sync_manager_get_relay_consecutive_failures(h->manager, url), ==, 1);
	gs_harness_advance(h, 7);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_stored(h, fresh));
	gs_harness_assert_statuses(h, url, expected);
	g_assert_cmpuint(assert_historic_since(gs_test_relay_get_log(source),
					       start,
					       disconnected_at - 900,
					       gs_event_get_id(issue)),
			 >,
			 0);
	gs_sync_manager_get_relay_stats(h->manager, url, &after);
	g_assert_cmpuint(after.events_received - before.events_received, ==, fresh->len);
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
}

/* 13. restart: the daemon stops and starts again; it resumes with a catch-up, not a fresh
 * start, and fetches only what changed */
static void
test_restart(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 3, 2);
	g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autofree gchar *coordinate = gs_harness_coordinate(1, "alpha");
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	GsSyncRelayStats stats;
	gint64 disconnected_at;
	GsEvent *patch;
	guint start;

	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_stop(h);
	patch = gs_harness_root(3, 1617, coordinate, now, "while stopped");
	g_ptr_array_add(fresh, patch);
	gs_test_relay_add_events(source, fresh);
	gs_harness_advance(h, 60);
	start = gs_test_relay_get_log(source)->len;

	gs_harness_open_store(h);
	gs_harness_start(h, bootstrap);
	disconnected_at = gs_sync_manager_get_relay_disconnected_at(h->manager, url);
	g_assert_cmpint(disconnected_at, >, 0);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_stored(h, fresh));
	g_assert_cmpuint(assert_historic_since(gs_test_relay_get_log(source),
					       start,
					       disconnected_at - 900,
					       gs_event_get_id(patch)),
			 >,
			 0);
	gs_sync_manager_get_relay_stats(h->manager, url, &stats);
	g_assert_cmpuint(stats.events_received, ==, fresh->len);
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
}

static gboolean
is_rate_limited(GsHarness *h, gpointer data)
{
	return gs_sync_manager_get_relay_health(h->manager, data) == GS_RELAY_HEALTH_RATE_LIMITED;
}

static guint
subscriptions_asked(GsTestRelay *relay)
{
	return gs_test_relay_get_received(relay, GS_MESSAGE_REQ) +
	       gs_test_relay_get_received(relay, GS_MESSAGE_NEG_OPEN);
}

/* 14. rate limit: a relay answering NOTICE "rate limited", and one answering CLOSED
 * `rate-limited:`, get no new subscription during the cooldown; then work resumes and
 * completes */
static void
test_rate_limit(GsHarness *h, gconstpointer data)
{
	GsTestRelayKnobs closing = {.flags = GS_TEST_RELAY_REFUSE_REQ,
				    .closed_text = "rate-limited: slow down"};
	GsTestRelay *noticer = gs_harness_relay_new(h, GS_TEST_RELAY_NOTICE_RATE_LIMITED);
	GsTestRelay *closer = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	GsTestRelay *relays[] = {noticer, closer};
	const gchar *urls[] = {gs_test_relay_get_url(noticer), gs_test_relay_get_url(closer), NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", urls, 2, 2);
	guint asked[2];

	gs_test_relay_add_events(noticer, events);
	gs_test_relay_add_events(closer, events);
	gs_test_relay_set_knobs(closer, &closing);
	gs_harness_start(h, urls);
	for (guint i = 0; i < 2; i++)
		g_assert_true(
			gs_harness_wait(h, is_rate_limited, (gpointer)urls[i], GS_HARNESS_WAIT_MS));
	/* the relays are fine again, but we keep quiet for the cooldown (what was on the wire
	 * before the rate limit reached us lands first) */
	for (guint i = 0; i < 2; i++)
		gs_test_relay_set_knobs(relays[i], NULL);
	gs_harness_run_for(h, 50 * gs_harness_scale());
	for (guint i = 0; i < 2; i++)
		asked[i] = subscriptions_asked(relays[i]);
	gs_harness_run_for(h, h->opts.rate_limit_cooldown_ms / 2);
	for (guint i = 0; i < 2; i++)
		g_assert_cmpuint(subscriptions_asked(relays[i]), ==, asked[i]);
	for (guint i = 0; i < 2; i++) {
		GsSyncRelayStats stats;

		g_assert_true(gs_harness_wait_status(h, urls[i], GS_CONNECTION_STATUS_CONNECTED));
		g_assert_cmpuint(subscriptions_asked(relays[i]), >, asked[i]);
		gs_sync_manager_get_relay_stats(h->manager, urls[i], &stats);
		g_assert_cmpuint(stats.rate_limited, >=, 1);
		g_assert_false(
			gs_sync_manager_get_relay_historic_sync_had_failures(h->manager, urls[i]));
	}
	g_assert_true(gs_harness_wait_stored(h, events));
}

typedef struct {
	GsHarness *h;
	GArray *attempts; /* clock seconds of each attempt */
} Attempts;

static void
attempt_cb(GsRelayConnection *conn, GParamSpec *pspec, Attempts *a)
{
	gint64 now;

	if (gs_relay_connection_get_status(conn) != GS_CONNECTION_STATUS_CONNECTING)
		return;
	now = gs_harness_now(a->h);
	g_array_append_val(a->attempts, now);
}

static guint16
free_port(void)
{
	g_autoptr(GSocket) sock = g_socket_new(
		G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;

	g_assert_true(g_socket_bind(sock, any, FALSE, NULL));
	bound = g_socket_get_local_address(sock, NULL);
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

/* 15. backoff: a dead address is retried at 5, 10, 20, 40 s (clock moved forward), health
 * degraded (3), attempts counted as failures */
static void
test_backoff(GsHarness *h, gconstpointer data)
{
	g_autofree gchar *url = g_strdup_printf("ws://127.0.0.1:%u", free_port());
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gint64));
	Attempts a = {h, times};
	GsSyncRelayStats stats;
	GsRelayConnection *conn;
	gint64 first;

	/* the first attempt starts with the manager; then only the test moves the clock, one
	 * second per tick */
	h->opts.health_tick_ms = 10;
	gs_harness_freeze(h);
	first = gs_harness_now(h);
	g_array_append_val(times, first);
	gs_harness_start(h, bootstrap);
	conn = gs_sync_manager_get_connection(h->manager, url);
	g_signal_connect(conn, "notify::status", G_CALLBACK(attempt_cb), &a);
	for (guint step = 0; step < 120 && times->len < 5; step++) {
		gs_harness_advance(h, 1);
		gs_harness_run_for(h, 3 * h->opts.health_tick_ms / 2 * gs_harness_scale());
	}
	gs_harness_run_for(h, 200 * gs_harness_scale());
	g_assert_cmpuint(times->len, ==, 5);
	for (guint i = 1; i < times->len; i++) {
		gint64 gap = g_array_index(times, gint64, i) - g_array_index(times, gint64, i - 1);
		gint64 base = 5 << (i - 1); /* 5, 10, 20, 40 */
		g_assert_cmpint(gap, >=, base);
		/* one second per step, and the failure may be seen a step after the attempt */
		g_assert_cmpint(gap, <=, base * 12 / 10 + 2);
	}
	gs_sync_manager_get_relay_stats(h->manager, url, &stats);
	g_assert_cmpuint(stats.attempts_success, ==, 0);
	g_assert_cmpuint(stats.attempts_failure, ==, 5);
	g_assert_cmpuint(gs_sync_manager_get_relay_consecutive_failures(h->manager, url), ==, 5);
	g_assert_cmpint(gs_sync_manager_get_relay_health(h->manager, url), ==, 3);
	g_assert_cmpint(gs_sync_manager_get_relay_next_retry_at(h->manager, url),
			>,
			g_array_index(times, gint64, times->len - 1));
}

/* 16. bad input: invalid JSON, wrong id and signature, an oversized event, a timestamp in
 * the future, unknown message types: each counted and dropped, the connection survives,
 * nothing bad is stored */
static void
test_bad_input(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_SEND_GARBAGE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 2, 2);
	g_autofree gchar *coordinate = gs_harness_coordinate(1, "alpha");
	g_autofree gchar *huge = g_strnfill(300 * 1024, 'x');
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	g_autoptr(GsEvent) oversized = gs_harness_root(5, 1621, coordinate, now - 10, huge);
	g_autoptr(GsEvent) future = gs_harness_root(6, 1621, coordinate, now + 3600, "later");
	g_autofree gchar *source_name = gs_relay_url_normalise(url, FALSE, NULL);
	GsIngestCounters counters;
	GsSyncRelayStats stats;

	gs_test_relay_add_events(source, events);
	gs_test_relay_add_event(source, oversized);
	gs_test_relay_add_event(source, future);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_stored(h, events));
	gs_harness_run_for(h, 300);
	gs_harness_assert_statuses(h, url, status_connected);
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, events->len);
	g_assert_false(gs_harness_has(h, oversized));
	g_assert_false(gs_harness_has(h, future));
	g_assert_cmpuint(gs_relay_connection_get_protocol_errors(
				 gs_sync_manager_get_connection(h->manager, url)),
			 >=,
			 7);
	g_assert_true(gs_ingest_get_counters(h->ingest, source_name, &counters));
	g_assert_cmpuint(counters.reasons[GS_REJECT_REASON_TOO_LARGE], >=, 1);
	g_assert_cmpuint(counters.reasons[GS_REJECT_REASON_FUTURE], >=, 1);
	gs_sync_manager_get_relay_stats(h->manager, url, &stats);
	/* the forged event: dropped here when it matches nothing asked, else refused there */
	g_assert_cmpuint(stats.events_dropped + counters.reasons[GS_REJECT_REASON_BAD_ID] +
				 counters.reasons[GS_REJECT_REASON_BAD_SIGNATURE],
			 >=,
			 1);
}

static const GsHarnessCase cases[] = {
	{"bootstrap", test_bootstrap},
	{"not-ours", test_not_ours},
	{"no-negentropy", test_no_negentropy},
	{"paging", test_paging},
	{"discovery", test_discovery},
	{"tags", test_tags},
	{"live", test_live},
	{"degraded", test_degraded},
	{"timeout-closed", test_timeout_closed},
	{"maintainers", test_maintainers},
	{"state-first", test_state_first},
	{"reconnect", test_reconnect},
	{"restart", test_restart},
	{"rate-limit", test_rate_limit},
	{"backoff", test_backoff},
	{"bad-input", test_bad_input},
};

int
main(int argc, char **argv)
{
	return gs_harness_run_cases(&argc, &argv, cases, G_N_ELEMENTS(cases));
}
