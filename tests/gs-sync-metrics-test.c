/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-fake-provider.h"
#include "gs-sync-metrics.h"
#include "gs-test-utils.h"

/* sync spec section 11, restated: name, type, labels (comma-separated) */
static const struct {
	const gchar *name;
	const gchar *type;
	const gchar *labels;
} spec_families[] = {
	{"ngit_sync_relay_connected", "gauge", "relay"},
	{"ngit_sync_connection_attempts_total", "counter", "relay,result"},
	{"ngit_sync_relay_status", "gauge", "relay"},
	{"ngit_sync_relay_failures", "gauge", "relay"},
	{"ngit_sync_events_synced_total", "counter", ""},
	{"ngit_sync_relays_tracked_total", "gauge", ""},
	{"ngit_sync_relays_connected_total", "gauge", ""},
	{"ngit_sync_relays_dead_total", "gauge", ""},
	{"ngit_sync_rejected_hot_cache_current", "gauge", "event_type"},
	{"ngit_sync_rejected_hot_cache_hits_total", "counter", "event_type"},
	{"ngit_sync_rejected_hot_cache_misses_total", "counter", "event_type"},
	{"ngit_sync_rejected_hot_cache_expired_total", "counter", "event_type"},
	{"ngit_sync_rejected_cold_index_current", "gauge", "event_type"},
	{"ngit_sync_rejected_cold_index_expired_total", "counter", "event_type"},
	{"ngit_sync_rejected_invalidated_total", "counter", "event_type"},
	{"ngit_sync_naughty_relays_total", "gauge", "category"},
	{"ngit_sync_naughty_relay_info", "gauge", "relay,category"},
	{"ngit_sync_batches_pending", "gauge", "relay"},
	{"ngit_sync_batches_total", "counter", "relay,method,outcome"},
	{"ngit_sync_batches_failed_total", "counter", "relay,reason"},
	{"ngit_sync_events_received_total", "counter", "relay"},
	{"ngit_sync_events_rejected_total", "counter", "reason"},
	{"ngit_sync_events_deferred_total", "counter", ""},
	{"ngit_sync_negentropy_supported", "gauge", "relay"},
	{"ngit_sync_negentropy_fallbacks_total", "counter", "relay,reason"},
	{"ngit_sync_rate_limited_total", "counter", "relay"},
	{"ngit_sync_subscriptions", "gauge", "relay"},
	{"ngit_sync_last_event_timestamp_seconds", "gauge", "relay"},
	{"ngit_sync_historic_sync_duration_seconds", "histogram", ""},
	{"ngit_sync_repos_tracked", "gauge", ""},
	{"ngit_sync_root_events_tracked", "gauge", ""},
	{"ngit_build_info", "gauge", "version"},
	{"ngit_uptime_seconds", "gauge", ""},
};

static GsMetrics *
sync_metrics_new(void)
{
	GsMetrics *m = gs_metrics_new();
	gs_sync_metrics_register(m);
	return m;
}

static void
gs_sync_metrics_spec_test(void)
{
	g_autoptr(GsMetrics) m = sync_metrics_new();
	g_autofree gchar *text = gs_metrics_render(m);

	for (guint i = 0; i < G_N_ELEMENTS(spec_families); i++) {
		const gchar *const *labels = NULL;
		GsMetricType type;
		g_autofree gchar *joined = NULL;
		g_autofree gchar *type_line = NULL;

		g_test_message("%s", spec_families[i].name);
		g_assert_true(gs_metrics_describe(m, spec_families[i].name, &type, NULL, &labels));
		g_assert_cmpstr(gs_metric_type_to_string(type), ==, spec_families[i].type);
		joined = g_strjoinv(",", (gchar **)labels);
		g_assert_cmpstr(joined, ==, spec_families[i].labels);
		type_line = g_strdup_printf(
			"# TYPE %s %s\n", spec_families[i].name, spec_families[i].type);
		g_assert_nonnull(strstr(text, type_line));
	}
}

static gdouble
value_of(GsMetrics *m, const gchar *name, const gchar *label)
{
	const gchar *values[] = {label, NULL};
	gdouble v = -1000;
	g_assert_true(gs_metrics_lookup(m, name, label != NULL ? values : NULL, &v));
	return v;
}

/* gauges come from the provider at scrape time, with the values of spec sections 3 and 6 */
static void
gs_sync_metrics_collect_test(void)
{
	g_autoptr(GsFakeProvider) fake = gs_fake_provider_new_populated();
	g_autoptr(GsMetrics) m = sync_metrics_new();
	g_autofree gchar *text = NULL;
	const gchar *info[] = {GS_FAKE_DEAD, "dns_lookup_failed", NULL};
	gint64 uptime = g_get_real_time() / G_USEC_PER_SEC - GS_FAKE_STARTED_AT;

	gs_sync_metrics_bind(m, GS_STATUS_PROVIDER(fake));
	text = gs_metrics_render(m);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relay_connected", GS_FAKE_CONNECTED), ==, 3);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relay_connected", GS_FAKE_DEGRADED), ==, 4);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relay_connected", GS_FAKE_SYNCING), ==, 2);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relay_connected", GS_FAKE_CONNECTING), ==, 1);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relay_connected", GS_FAKE_DEAD), ==, 0);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relay_status", GS_FAKE_CONNECTED), ==, 1);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relay_status", GS_FAKE_CONNECTING), ==, 3);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relay_status", GS_FAKE_DEAD), ==, 4);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relay_status", GS_FAKE_LIMITED), ==, 5);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relay_failures", GS_FAKE_DEAD), ==, 12);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relays_tracked_total", NULL), ==, 6);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relays_connected_total", NULL), ==, 4);
	g_assert_cmpfloat(value_of(m, "ngit_sync_relays_dead_total", NULL), ==, 1);
	g_assert_cmpfloat(
		value_of(m, "ngit_sync_naughty_relays_total", "dns_lookup_failed"), ==, 1);
	g_assert_true(gs_metrics_lookup(m, "ngit_sync_naughty_relay_info", info, NULL));
	g_assert_cmpuint(gs_metrics_count_series(m, "ngit_sync_naughty_relay_info"), ==, 1);
	g_assert_cmpfloat(value_of(m, "ngit_sync_batches_pending", GS_FAKE_SYNCING), ==, 4);
	g_assert_cmpfloat(value_of(m, "ngit_sync_negentropy_supported", GS_FAKE_SYNCING), ==, 0);
	g_assert_cmpfloat(value_of(m, "ngit_sync_negentropy_supported", GS_FAKE_DEAD), ==, -1);
	g_assert_cmpfloat(value_of(m, "ngit_sync_subscriptions", GS_FAKE_CONNECTED), ==, 3);
	g_assert_cmpfloat(value_of(m, "ngit_sync_last_event_timestamp_seconds", GS_FAKE_CONNECTED),
			  ==,
			  GS_FAKE_STARTED_AT + 900);
	g_assert_cmpfloat(value_of(m, "ngit_sync_repos_tracked", NULL), ==, 2);
	g_assert_cmpfloat(value_of(m, "ngit_sync_root_events_tracked", NULL), ==, 5);
	g_assert_cmpfloat(value_of(m, "ngit_build_info", PACKAGE_VERSION), ==, 1);
	g_assert_cmpfloat(value_of(m, "ngit_uptime_seconds", NULL), >=, uptime);
	g_assert_cmpfloat(value_of(m, "ngit_uptime_seconds", NULL), <=, uptime + 5);
	g_assert_nonnull(
		strstr(text, "ngit_sync_relay_connected{relay=\"" GS_FAKE_DEGRADED "\"} 4\n"));
}

/* the home relay's families, from the provider's home record; none without a home relay */
static void
gs_sync_metrics_home_test(void)
{
	g_autoptr(GsFakeProvider) fake = gs_fake_provider_new_populated();
	g_autoptr(GsMetrics) m = sync_metrics_new();
	g_autofree gchar *text = NULL;

	gs_sync_metrics_bind(m, GS_STATUS_PROVIDER(fake));
	text = gs_metrics_render(m);
	g_assert_cmpfloat(value_of(m, "ngit_sync_home_outbox_pending", NULL), ==, 42);
	g_assert_cmpfloat(value_of(m, "ngit_sync_home_oldest_pending_seconds", NULL), ==, 95);
	g_assert_cmpfloat(value_of(m, "ngit_sync_home_published_total", "delivered"), ==, 1000);
	g_assert_cmpfloat(value_of(m, "ngit_sync_home_published_total", "duplicate"), ==, 7);
	g_assert_cmpfloat(value_of(m, "ngit_sync_home_published_total", "refused"), ==, 3);
	g_assert_cmpfloat(value_of(m, "ngit_sync_home_published_total", "retried"), ==, 12);
	g_assert_cmpfloat(value_of(m, "ngit_sync_home_refused_total", "blocked"), ==, 3);
	g_assert_nonnull(strstr(text, "ngit_sync_home_outbox_pending 42\n"));
	g_assert_nonnull(strstr(text, "ngit_sync_home_refused_total{reason=\"blocked\"} 3\n"));

	/* the outbox drains: the gauge follows at the next scrape */
	gs_fake_provider_set_home(fake, GS_FAKE_HOME, TRUE, 0, 3);
	g_clear_pointer(&text, g_free);
	text = gs_metrics_render(m);
	g_assert_nonnull(strstr(text, "ngit_sync_home_outbox_pending 0\n"));
	g_assert_cmpfloat(value_of(m, "ngit_sync_home_oldest_pending_seconds", NULL), ==, 0);

	/* no home relay: the gauges read 0, as every family without labels shows its sample */
	gs_fake_provider_set_home(fake, NULL, FALSE, 0, 0);
	g_clear_pointer(&text, g_free);
	text = gs_metrics_render(m);
	g_assert_nonnull(strstr(text, "ngit_sync_home_outbox_pending 0\n"));
	g_assert_nonnull(strstr(text, "ngit_sync_home_oldest_pending_seconds 0\n"));
}

/* a status change shows at the next scrape, with no call from the engine to the metrics */
static void
gs_sync_metrics_live_test(void)
{
	g_autoptr(GsFakeProvider) fake = gs_fake_provider_new_populated();
	g_autoptr(GsMetrics) m = sync_metrics_new();
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;

	gs_sync_metrics_bind(m, GS_STATUS_PROVIDER(fake));
	before = gs_metrics_render(m);
	gs_relay_status_set_status(gs_fake_provider_get(fake, GS_FAKE_SYNCING),
				   GS_CONNECTION_STATUS_CONNECTED);
	after = gs_metrics_render(m);
	g_assert_nonnull(
		strstr(before, "ngit_sync_relay_connected{relay=\"" GS_FAKE_SYNCING "\"} 2\n"));
	g_assert_nonnull(
		strstr(after, "ngit_sync_relay_connected{relay=\"" GS_FAKE_SYNCING "\"} 3\n"));
}

/* a removed relay's series disappear: the collected gauges and the engine's counters */
static void
gs_sync_metrics_removal_test(void)
{
	g_autoptr(GsFakeProvider) fake = gs_fake_provider_new_populated();
	g_autoptr(GsMetrics) m = sync_metrics_new();
	g_autofree gchar *before = NULL;
	g_autofree gchar *after = NULL;

	gs_sync_metrics_bind(m, GS_STATUS_PROVIDER(fake));
	gs_metrics_inc(m, GS_METRIC_CONNECTION_ATTEMPTS, GS_FAKE_DEAD, "failure", NULL);
	gs_metrics_inc(m, GS_METRIC_BATCHES_FAILED, GS_FAKE_DEAD, "timeout", NULL);
	gs_metrics_inc(m, GS_METRIC_CONNECTION_ATTEMPTS, GS_FAKE_CONNECTED, "success", NULL);
	gs_metrics_inc(m, GS_METRIC_EVENTS_SYNCED, NULL);
	before = gs_metrics_render(m);
	g_assert_nonnull(strstr(before, GS_FAKE_DEAD));
	gs_fake_provider_remove(fake, GS_FAKE_DEAD);
	after = gs_metrics_render(m);
	g_assert_null(strstr(after, GS_FAKE_DEAD));
	g_assert_null(strstr(after, "ngit_sync_naughty_relays_total{"));
	g_assert_nonnull(strstr(after,
				"ngit_sync_connection_attempts_total{relay=\"" GS_FAKE_CONNECTED
				"\",result=\"success\"} 1\n"));
	g_assert_nonnull(strstr(after, "ngit_sync_events_synced_total 1\n"));
	g_assert_nonnull(strstr(after, "ngit_sync_relays_tracked_total 5\n"));
	g_assert_nonnull(strstr(after, "ngit_sync_relays_dead_total 0\n"));
}

/* the collector holds the provider weakly: the engine owns the metrics, not the reverse */
static void
gs_sync_metrics_weak_test(void)
{
	g_autoptr(GsMetrics) m = sync_metrics_new();
	GsFakeProvider *fake = gs_fake_provider_new_populated();
	g_autofree gchar *text = NULL;

	gs_sync_metrics_bind(m, GS_STATUS_PROVIDER(fake));
	g_object_add_weak_pointer(G_OBJECT(fake), (gpointer *)&fake);
	g_object_unref(fake);
	g_assert_null(fake);
	text = gs_metrics_render(m);
	g_assert_null(strstr(text, "ngit_sync_relay_connected{"));
	g_assert_nonnull(strstr(text, "# TYPE ngit_sync_relay_connected gauge\n"));
}

static void
gs_sync_metrics_table_test(void)
{
	guint n = 0;
	const GsSyncMetricInfo *table = gs_sync_metrics_get_table(&n);

	/* everything of the spec, upstream's two dashboard families and the home relay's four */
	g_assert_cmpuint(n, ==, G_N_ELEMENTS(spec_families) + 2 + 4);
	for (guint i = 0; i < n; i++) {
		g_assert_true(g_str_has_prefix(table[i].name, "ngit_"));
		g_assert_true(table[i].help != NULL && table[i].help[0] != '\0');
		/* collected families are gauges: counters only ever go up */
		if (table[i].collected)
			g_assert_cmpint(table[i].type, ==, GS_METRIC_TYPE_GAUGE);
	}
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/sync-metrics/spec", gs_sync_metrics_spec_test);
	g_test_add_func("/grasp-sync/sync-metrics/table", gs_sync_metrics_table_test);
	g_test_add_func("/grasp-sync/sync-metrics/collect", gs_sync_metrics_collect_test);
	g_test_add_func("/grasp-sync/sync-metrics/live", gs_sync_metrics_live_test);
	g_test_add_func("/grasp-sync/sync-metrics/home", gs_sync_metrics_home_test);
	g_test_add_func("/grasp-sync/sync-metrics/removal", gs_sync_metrics_removal_test);
	g_test_add_func("/grasp-sync/sync-metrics/weak", gs_sync_metrics_weak_test);
	return g_test_run();
}
