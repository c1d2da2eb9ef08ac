/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsSyncStatus: the operator surfaces over a real GsSyncManager syncing from a GsTestRelay */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-relay-server.h"
#include "gs-relay-url.h"
#include "gs-sync-harness.h"
#include "gs-sync-metrics.h"
#include "gs-sync-status.h"

static void
notify_status_cb(GsRelayStatus *relay, GParamSpec *pspec, gpointer user_data)
{
	GArray *seen = user_data;
	GsConnectionStatus status = gs_relay_status_get_status(relay);
	g_array_append_val(seen, status);
}

static void
added_cb(GsStatusProvider *provider, GsRelayStatus *relay, gpointer user_data)
{
	GArray *seen = user_data;
	g_signal_connect(relay, "notify::status", G_CALLBACK(notify_status_cb), seen);
}

static gboolean
status_is(GsHarness *h, gpointer data)
{
	GsRelayStatus *relay = data;
	return gs_relay_status_get_status(relay) == GS_CONNECTION_STATUS_CONNECTED;
}

/* the relay's record follows the engine through a bootstrap sync; the metrics count it */
static void
test_sync_status_bootstrap(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	const gchar *service[] = {GS_HARNESS_SERVICE, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 4, 2);
	g_autoptr(GArray) seen = g_array_new(FALSE, FALSE, sizeof(GsConnectionStatus));
	g_autoptr(GsSyncStatus) status = NULL;
	g_autoptr(GsMetrics) metrics = gs_metrics_new();
	g_autoptr(GsRelayStatus) relay = NULL;
	g_autoptr(GPtrArray) repos = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *success = NULL;

	gs_test_relay_add_events(source, events);
	/* as the daemon does: the status right after the manager, before the loop runs */
	gs_harness_start(h, bootstrap);
	status = gs_sync_status_new(h->manager, service);
	gs_sync_metrics_register(metrics);
	gs_sync_metrics_bind(metrics, GS_STATUS_PROVIDER(status));
	gs_sync_status_bind_metrics(status, metrics);
	gs_sync_metrics_bind_ingest(metrics, h->ingest, h->rejected);
	relay = gs_status_provider_find_relay(GS_STATUS_PROVIDER(status), url, NULL);
	g_assert_nonnull(relay);
	added_cb(GS_STATUS_PROVIDER(status), relay, seen);
	g_assert_true(gs_harness_wait(h, status_is, relay, GS_HARNESS_WAIT_MS));
	/* the record says what the engine says */
	g_assert_cmpint(gs_relay_status_get_status(relay),
			==,
			gs_sync_manager_get_relay_status(h->manager, url));
	g_assert_true(gs_relay_status_get_is_bootstrap(relay));
	g_assert_true(gs_relay_status_get_historic_sync_completed(relay));
	g_assert_cmpint(gs_relay_status_get_supports_negentropy(relay), ==, 1);
	g_assert_cmpint(gs_relay_status_get_health(relay), ==, GS_RELAY_HEALTH_HEALTHY);
	g_assert_cmpint(gs_relay_status_get_last_connected(relay), >, 0);
	g_assert_cmpint(g_array_index(seen, GsConnectionStatus, seen->len - 1),
			==,
			GS_CONNECTION_STATUS_CONNECTED);
	g_assert_cmpuint(gs_status_provider_get_repo_count(GS_STATUS_PROVIDER(status)), ==, 1);
	repos = gs_status_provider_dup_repos(GS_STATUS_PROVIDER(status));
	g_assert_cmpuint(repos->len, ==, 1);
	/* the engine's counters, read at scrape time */
	text = gs_metrics_render(metrics);
	success = g_strdup_printf(
		"ngit_sync_connection_attempts_total{relay=\"%s\",result=\"success\"} 1\n",
		gs_relay_status_get_url(relay));
	gs_test_assert_contains(text, success);
	g_free(success);
	success = g_strdup_printf("ngit_sync_relay_connected{relay=\"%s\"} 3\n",
				  gs_relay_status_get_url(relay));
	gs_test_assert_contains(text, success);
	g_free(success);
	success = g_strdup_printf("ngit_sync_events_synced_total %u\n", events->len);
	gs_test_assert_contains(text, success);
	gs_test_assert_contains(text, "ngit_sync_historic_sync_duration_seconds_count 1\n");
	/* the ingest and the rejected index, one series per event type */
	gs_test_assert_contains(text, "ngit_sync_events_deferred_total ");
	for (guint t = 0; t < GS_REJECTED_EVENT_TYPE_LAST; t++) {
		g_autofree gchar *line =
			g_strdup_printf("ngit_sync_rejected_cold_index_current{event_type=\"%s\"} ",
					gs_rejected_event_type_to_string(t));
		gs_test_assert_contains(text, line);
	}
}

/* the control actions reach the engine; adding a relay publishes it */
static void
test_sync_status_control(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GsSyncStatus) status = NULL;
	GsStatusProvider *provider;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *added = NULL;
	g_autoptr(GsRelayStatus) relay = NULL;
	g_autoptr(GsRelayStatus) extra = NULL;
	g_autoptr(GsRelayStatus) gone = NULL;

	gs_harness_start(h, bootstrap);
	status = gs_sync_status_new(h->manager, NULL);
	provider = GS_STATUS_PROVIDER(status);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_run_for(h, 50);
	relay = gs_status_provider_find_relay(provider, url, NULL);
	g_assert_nonnull(relay);
	g_assert_true(gs_status_provider_disconnect(provider, url, &error));
	g_assert_no_error(error);
	gs_harness_run_for(h, 50);
	g_assert_cmpint(gs_relay_status_get_status(relay), ==, GS_CONNECTION_STATUS_DISCONNECTED);
	g_assert_true(gs_status_provider_reconnect(provider, url, &error));
	g_assert_true(gs_harness_wait(h, status_is, relay, GS_HARNESS_WAIT_MS));
	g_assert_true(gs_status_provider_resync(provider, url, &error));
	g_assert_true(gs_status_provider_resync_all(provider, &error));
	g_assert_true(gs_harness_wait(h, status_is, relay, GS_HARNESS_WAIT_MS));
	added = gs_status_provider_add_relay(provider, "ws://127.0.0.1:9/extra", FALSE, &error);
	g_assert_no_error(error);
	extra = gs_status_provider_lookup_relay(provider, added);
	g_assert_nonnull(extra);
	g_assert_true(gs_status_provider_remove_relay(provider, added, &error));
	g_assert_no_error(error);
	gs_harness_run_for(h, 50);
	gone = gs_status_provider_lookup_relay(provider, added);
	g_assert_null(gone);
	g_assert_false(gs_status_provider_resync(provider, "wss://nope.example.com", &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_NOT_FOUND);
}

/* the value of the series @series (name and labels) in @metrics' text, -1 when absent */
static gdouble
scrape(GsMetrics *metrics, const gchar *series)
{
	g_autofree gchar *text = gs_metrics_render(metrics);
	g_autofree gchar *needle = g_strdup_printf("\n%s ", series);
	const gchar *at = strstr(text, needle);

	return at != NULL ? g_ascii_strtod(at + strlen(needle), NULL) : -1;
}

static void
assert_sources(GsMetrics *metrics,
	       const gchar *url,
	       gdouble live,
	       gdouble catchup,
	       gdouble daily,
	       gdouble direct,
	       gdouble gap)
{
	g_autofree gchar *gap_series =
		g_strdup_printf("ngit_sync_gap_events_total{relay=\"%s\"}", url);

	g_assert_cmpfloat(
		scrape(metrics, "ngit_sync_events_total{source=\"live_sync\"}"), ==, live);
	g_assert_cmpfloat(
		scrape(metrics, "ngit_sync_events_total{source=\"catchup\"}"), ==, catchup);
	g_assert_cmpfloat(
		scrape(metrics, "ngit_sync_events_total{source=\"daily_catchup\"}"), ==, daily);
	g_assert_cmpfloat(scrape(metrics, "ngit_sync_events_total{source=\"direct\"}"), ==, direct);
	g_assert_cmpfloat(scrape(metrics, gap_series), ==, gap);
	g_assert_cmpfloat(
		scrape(metrics, "ngit_sync_events_synced_total"), ==, live + catchup + daily);
}

static void
direct_done_cb(GsIngest *ingest, const GsIngestResult *result, gpointer user_data)
{
	gboolean *done = user_data;
	g_assert_cmpint(result->outcome, ==, GS_INGEST_OUTCOME_STORED);
	*done = TRUE;
}

static gboolean
is_done(GsHarness *h, gpointer data)
{
	return *(gboolean *)data;
}

/* ngit_sync_events_total{source} and ngit_sync_gap_events_total{relay} follow how each event
 * came: the first history, live, a catch-up after a disconnection, the daily pass, a client
 * of the relay endpoint */
static void
test_sync_status_sources(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	const gchar *service[] = {GS_HARNESS_SERVICE, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 3, 1);
	g_autoptr(GPtrArray) live = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GPtrArray) away = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GPtrArray) missed =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autofree gchar *coordinate = gs_harness_coordinate(1, "alpha");
	g_autoptr(GsSyncStatus) status = NULL;
	g_autoptr(GsMetrics) metrics = gs_metrics_new();
	g_autoptr(GsEvent) direct = NULL;
	g_autofree gchar *normal = NULL;
	GsStore *relay_store = gs_test_relay_get_store(source);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	const gchar *root = gs_event_get_id(g_ptr_array_index(events, 2));
	gboolean done = FALSE;
	guint n = events->len;

	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	status = gs_sync_status_new(h->manager, service);
	gs_sync_metrics_register(metrics);
	gs_sync_metrics_bind(metrics, GS_STATUS_PROVIDER(status));
	gs_sync_status_bind_metrics(status, metrics);
	gs_sync_metrics_bind_ingest(metrics, h->ingest, h->rejected);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	normal = gs_relay_url_normalise(url, FALSE, NULL);
	/* the first history is not a gap */
	assert_sources(metrics, normal, 0, n, 0, 0, 0);

	/* live: an issue (L2) and a comment on a known root (L3) */
	g_ptr_array_add(live, gs_harness_root(3, 1621, coordinate, now, "live issue"));
	g_ptr_array_add(live, gs_harness_reply(4, 1111, "E", root, now, "live comment"));
	for (guint i = 0; i < live->len; i++)
		gs_test_relay_add_event(source, g_ptr_array_index(live, i));
	g_assert_true(gs_harness_wait_stored(h, live));
	assert_sources(metrics, normal, 2, n, 0, 0, 0);

	/* published while we were disconnected: the catch-up brings them, gaps */
	gs_test_relay_drop_connections(source);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_DISCONNECTED));
	g_ptr_array_add(away, gs_harness_root(5, 1617, coordinate, now, "away patch"));
	g_ptr_array_add(away, gs_harness_reply(6, 1111, "E", root, now, "away comment"));
	gs_test_relay_add_events(source, away);
	gs_harness_advance(h, 7);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_stored(h, away));
	assert_sources(metrics, normal, 2, n + 2, 0, 0, 2);

	/* stored on the relay without reaching our live subscription: the daily pass finds it */
	g_ptr_array_add(missed, gs_harness_reply(7, 1111, "E", root, now, "missed"));
	g_signal_handlers_block_matched(relay_store,
					G_SIGNAL_MATCH_DATA,
					0,
					0,
					NULL,
					NULL,
					gs_test_relay_get_server(source));
	gs_test_relay_add_events(source, missed);
	g_signal_handlers_unblock_matched(relay_store,
					  G_SIGNAL_MATCH_DATA,
					  0,
					  0,
					  NULL,
					  NULL,
					  gs_test_relay_get_server(source));
	gs_harness_run_for(h, 200);
	g_assert_false(gs_harness_has(h, g_ptr_array_index(missed, 0)));
	gs_harness_advance(h, 26 * 3600);
	g_assert_true(gs_harness_wait_stored(h, missed));
	assert_sources(metrics, normal, 2, n + 2, 1, 0, 3);

	/* a client of the relay endpoint */
	direct = gs_harness_reply(8, 1111, "E", root, now, "direct");
	gs_ingest_submit_event(
		h->ingest, GS_RELAY_SERVER_INGEST_SOURCE, direct, direct_done_cb, &done);
	g_assert_true(gs_harness_wait(h, is_done, &done, GS_HARNESS_WAIT_MS));
	assert_sources(metrics, normal, 2, n + 2, 1, 1, 3);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add("/grasp-sync/sync-status/bootstrap",
		   GsHarness,
		   NULL,
		   gs_harness_setup,
		   test_sync_status_bootstrap,
		   gs_harness_teardown);
	g_test_add("/grasp-sync/sync-status/control",
		   GsHarness,
		   NULL,
		   gs_harness_setup,
		   test_sync_status_control,
		   gs_harness_teardown);
	g_test_add("/grasp-sync/sync-status/sources",
		   GsHarness,
		   NULL,
		   gs_harness_setup,
		   test_sync_status_sources,
		   gs_harness_teardown);
	return g_test_run();
}
