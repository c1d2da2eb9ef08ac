/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsSyncStatus: the operator surfaces over a real GsSyncManager syncing from a GsTestRelay */

#include "config.h"

#include <string.h>

#include "gs-error.h"
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
	return g_test_run();
}
