/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gs-relay-url.h"
#include "gs-sync-harness.h"

/*
 * Copies of one event in a REQ+EOSE pass (docs/sync.md, "Events from relays"): the layers'
 * filters overlap, and a copy of an event an earlier copy stored is only counted; a copy that
 * is not the event it says it is never stands in for it.
 */

/* an event two subscriptions fetch (a status naming its repository and its root, a comment
 * naming its root as `e` and `E`) goes to the ingest once: the other copy is only counted */
static void
test_known_copies(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NO_NIP77);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 3, 0);
	g_autofree gchar *coordinate = gs_harness_coordinate(1, "alpha");
	gint64 at = g_get_real_time() / G_USEC_PER_SEC - 3600;
	g_autofree gchar *normalised = gs_relay_url_normalise(url, FALSE, NULL);
	guint n = events->len;
	GsSyncRelayStats stats;
	GsIngestCounters counters;

	/* newer than their roots: a page (newest first) brings them before the roots */
	for (guint i = 0; i < n; i++) {
		GsEvent *root = g_ptr_array_index(events, i);
		const gchar *tags[] = {
			"a", coordinate, NULL, "e", gs_event_get_id(root), NULL, NULL};
		const gchar *scope[] = {
			"E", gs_event_get_id(root), NULL, "e", gs_event_get_id(root), NULL, NULL};
		if (gs_event_get_kind(root) != 1617 && gs_event_get_kind(root) != 1621)
			continue;
		g_ptr_array_add(events, gs_test_event_new(9, at + i, 1630, tags, "open"));
		g_ptr_array_add(events, gs_test_event_new(10, at + i, 1111, scope, "a comment"));
	}
	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, events->len);
	/* each status by `#a` (L2), stored with its root, then by `#e` (L3); each comment by
	 * `#e` and `#E` (L3), the second copy while the first is with the ingest or stored */
	g_assert_true(gs_sync_manager_get_relay_stats(h->manager, url, &stats));
	g_assert_cmpuint(stats.events_known, >=, 6);
	/* every event received was dropped, known or handed to the ingest */
	g_assert_true(gs_ingest_get_counters(h->ingest, normalised, &counters));
	g_assert_cmpuint(stats.events_received,
			 ==,
			 counters.received + stats.events_known + stats.events_dropped);
}

/* a copy that states a stored event's id but is not that event (its content was changed)
 * arrives first: the ingest refuses it, and the copy that waited for it is stored */
static void
test_forged_copies(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source =
		gs_harness_relay_new(h, GS_TEST_RELAY_NO_NIP77 | GS_TEST_RELAY_FORGE_COPIES);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 3, 3);
	g_autofree gchar *normalised = gs_relay_url_normalise(url, FALSE, NULL);
	GsIngestCounters counters;
	GsSyncRelayStats stats;

	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, events->len);
	g_assert_true(gs_ingest_get_counters(h->ingest, normalised, &counters));
	g_assert_cmpuint(counters.reasons[GS_REJECT_REASON_BAD_ID], >=, events->len);
	g_assert_true(gs_sync_manager_get_relay_stats(h->manager, url, &stats));
	g_assert_cmpuint(stats.events_received,
			 ==,
			 counters.received + stats.events_known + stats.events_dropped);
}

static const GsHarnessCase cases[] = {
	{"known-copies", test_known_copies},
	{"forged-copies", test_forged_copies},
};

int
main(int argc, char **argv)
{
	return gs_harness_run_cases(&argc, &argv, cases, G_N_ELEMENTS(cases));
}
