/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsMetrics"

#include "config.h"

#include "gs-policy.h"
#include "gs-relay-server.h"
#include "gs-sync-metrics.h"

#define C GS_METRIC_TYPE_COUNTER
#define G GS_METRIC_TYPE_GAUGE
#define H GS_METRIC_TYPE_HISTOGRAM

/* the names, types and labels are an interface (dashboards, alerts): append only */
static const GsSyncMetricInfo gs_sync_metrics[] = {
	/* upstream ngit-grasp, kept exactly */
	{"ngit_sync_relay_connected",
	 G,
	 {"relay"},
	 TRUE,
	 "Relay connection status (0=disconnected, 1=connecting, 2=syncing, 3=connected, "
	 "4=connected-degraded)"},
	{GS_METRIC_CONNECTION_ATTEMPTS,
	 C,
	 {"relay", "result"},
	 FALSE,
	 "Connection attempts by relay and result (success or failure)"},
	{"ngit_sync_relay_status",
	 G,
	 {"relay"},
	 TRUE,
	 "Relay health (1=healthy, 2=disconnected, 3=degraded, 4=dead, 5=rate-limited)"},
	{"ngit_sync_relay_failures", G, {"relay"}, TRUE, "Consecutive failures of the relay"},
	{GS_METRIC_EVENTS_SYNCED, C, {NULL}, FALSE, "Events newly stored by sync"},
	{"ngit_sync_relays_tracked_total", G, {NULL}, TRUE, "Relays followed now"},
	{"ngit_sync_relays_connected_total",
	 G,
	 {NULL},
	 TRUE,
	 "Relays with live sync active (syncing, connected or connected-degraded)"},
	{"ngit_sync_relays_dead_total", G, {NULL}, TRUE, "Relays whose health is dead"},
	{GS_METRIC_HOT_CACHE_CURRENT,
	 G,
	 {"event_type"},
	 FALSE,
	 "Deferred events waiting in the rejected index's hot cache"},
	{GS_METRIC_HOT_CACHE_HITS,
	 C,
	 {"event_type"},
	 FALSE,
	 "Deferred events re-processed from the hot cache when their dependency arrived"},
	{GS_METRIC_HOT_CACHE_MISSES,
	 C,
	 {"event_type"},
	 FALSE,
	 "Dependencies that arrived with no deferred event left in the hot cache"},
	{GS_METRIC_HOT_CACHE_EXPIRED,
	 C,
	 {"event_type"},
	 FALSE,
	 "Deferred events dropped from the hot cache after their waiting time"},
	{GS_METRIC_COLD_INDEX_CURRENT,
	 G,
	 {"event_type"},
	 FALSE,
	 "Refused event ids remembered in the cold index"},
	{GS_METRIC_COLD_INDEX_EXPIRED,
	 C,
	 {"event_type"},
	 FALSE,
	 "Refused event ids dropped from the cold index after its expiry"},
	{GS_METRIC_REJECTED_INVALIDATED,
	 C,
	 {"event_type"},
	 FALSE,
	 "Rejected-index entries invalidated because their dependency arrived"},
	{"ngit_sync_naughty_relays_total",
	 G,
	 {"category"},
	 TRUE,
	 "Relays on the naughty list by category"},
	{"ngit_sync_naughty_relay_info",
	 G,
	 {"relay", "category"},
	 TRUE,
	 "Occurrences of the error that put the relay on the naughty list"},
	/* added by grasp-sync */
	{"ngit_sync_batches_pending", G, {"relay"}, TRUE, "Historic batches in flight"},
	{GS_METRIC_BATCHES,
	 C,
	 {"relay", "method", "outcome"},
	 FALSE,
	 "Historic batches ended, by method (negentropy, req-eose) and outcome (complete, "
	 "failed, aborted)"},
	{GS_METRIC_BATCHES_FAILED, C, {"relay", "reason"}, FALSE, "Historic batches failed"},
	{GS_METRIC_EVENTS_RECEIVED,
	 C,
	 {"relay"},
	 FALSE,
	 "Events received from the relay, whatever the policy then decided"},
	{GS_METRIC_EVENTS_REJECTED, C, {"reason"}, FALSE, "Synced events refused"},
	{GS_METRIC_EVENTS_DEFERRED,
	 C,
	 {NULL},
	 FALSE,
	 "Synced events deferred until an event they depend on arrives"},
	{"ngit_sync_negentropy_supported",
	 G,
	 {"relay"},
	 TRUE,
	 "Whether the relay supports NIP-77 negentropy (1 yes, 0 no, -1 not known yet)"},
	{GS_METRIC_NEGENTROPY_FALLBACKS,
	 C,
	 {"relay", "reason"},
	 FALSE,
	 "Historic batches that fell back from negentropy to REQ+EOSE"},
	{GS_METRIC_RATE_LIMITED, C, {"relay"}, FALSE, "Rate-limit cooldowns started"},
	{"ngit_sync_subscriptions", G, {"relay"}, TRUE, "Subscriptions open on the relay"},
	{"ngit_sync_last_event_timestamp_seconds",
	 G,
	 {"relay"},
	 TRUE,
	 "When the last event from the relay was received (Unix seconds, 0 for never)"},
	{GS_METRIC_HISTORIC_DURATION,
	 H,
	 {NULL},
	 FALSE,
	 "Time from connect to the end of a relay's historic sync"},
	{"ngit_sync_repos_tracked", G, {NULL}, TRUE, "Repositories synced"},
	{"ngit_sync_root_events_tracked",
	 G,
	 {NULL},
	 TRUE,
	 "Root events (patches, pull requests, issues) whose threads are synced"},
	{"ngit_build_info", G, {"version"}, TRUE, "Always 1; the version label says which"},
	{"ngit_uptime_seconds", G, {NULL}, TRUE, "Seconds since the daemon started"},
	/* upstream's earlier names, still queried by its published Grafana dashboard */
	{GS_METRIC_EVENTS_BY_SOURCE,
	 C,
	 {"source"},
	 FALSE,
	 "Events newly stored by how they arrived (live_sync, catchup, daily_catchup, direct)"},
	{GS_METRIC_GAP_EVENTS,
	 C,
	 {"relay"},
	 FALSE,
	 "Events newly stored by a historic pass after the relay's first, i.e. missed by live "
	 "sync"},
	/* the home relay ([home] relay): the GRASP server's own relay we deliver into */
	{"ngit_sync_home_outbox_pending",
	 G,
	 {NULL},
	 TRUE,
	 "Events still to deliver into the home relay, those awaiting their OK included"},
	{GS_METRIC_HOME_PUBLISHED,
	 C,
	 {"result"},
	 FALSE,
	 "Events published to the home relay by result (delivered, duplicate, refused, retried)"},
	{GS_METRIC_HOME_REFUSED,
	 C,
	 {"reason"},
	 FALSE,
	 "Events the home relay refused, by the prefix of its OK message"},
	{"ngit_sync_home_oldest_pending_seconds",
	 G,
	 {NULL},
	 TRUE,
	 "How long the oldest event not yet delivered into the home relay has waited"},
};

#undef C
#undef G
#undef H

static const gdouble gs_sync_duration_buckets[] = {1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};

const GsSyncMetricInfo *
gs_sync_metrics_get_table(guint *n_entries)
{
	*n_entries = G_N_ELEMENTS(gs_sync_metrics);
	return gs_sync_metrics;
}

/* adds every family of the table; the names are fixed, so failure is a programming error */
void
gs_sync_metrics_register(GsMetrics *metrics)
{
	for (guint i = 0; i < G_N_ELEMENTS(gs_sync_metrics); i++) {
		const GsSyncMetricInfo *info = &gs_sync_metrics[i];
		g_autoptr(GError) error = NULL;
		gboolean ok;

		if (info->type == GS_METRIC_TYPE_HISTOGRAM)
			ok = gs_metrics_register_histogram(metrics,
							   info->name,
							   info->help,
							   info->labels,
							   gs_sync_duration_buckets,
							   G_N_ELEMENTS(gs_sync_duration_buckets),
							   &error);
		else
			ok = gs_metrics_register(
				metrics, info->name, info->type, info->help, info->labels, &error);
		if (!ok)
			g_critical("%s", error->message);
	}
}

static void
gs_sync_metrics_set1(GsMetrics *metrics, const gchar *name, const gchar *label, gdouble value)
{
	const gchar *values[] = {label, NULL};
	gs_metrics_set(metrics, name, label != NULL ? values : NULL, value);
}

static void
gs_sync_metrics_collect_relay(GsMetrics *m, GsRelayStatus *relay, GHashTable *naughty)
{
	const gchar *url = gs_relay_status_get_url(relay);
	const gchar *category = gs_relay_status_get_naughty_category(relay);

	gs_sync_metrics_set1(
		m, "ngit_sync_relay_connected", url, gs_relay_status_get_status(relay));
	gs_sync_metrics_set1(m, "ngit_sync_relay_status", url, gs_relay_status_get_health(relay));
	gs_sync_metrics_set1(m,
			     "ngit_sync_relay_failures",
			     url,
			     gs_relay_status_get_consecutive_failures(relay));
	gs_sync_metrics_set1(
		m, "ngit_sync_batches_pending", url, gs_relay_status_get_pending_batches(relay));
	gs_sync_metrics_set1(m,
			     "ngit_sync_negentropy_supported",
			     url,
			     gs_relay_status_get_supports_negentropy(relay));
	gs_sync_metrics_set1(
		m, "ngit_sync_subscriptions", url, gs_relay_status_get_subscriptions(relay));
	gs_sync_metrics_set1(m,
			     "ngit_sync_last_event_timestamp_seconds",
			     url,
			     (gdouble)gs_relay_status_get_last_event_at(relay));
	if (category != NULL) {
		const gchar *values[] = {url, category, NULL};
		gs_metrics_set(m,
			       "ngit_sync_naughty_relay_info",
			       values,
			       gs_relay_status_get_naughty_occurrences(relay));
		g_hash_table_insert(
			naughty,
			(gpointer)category,
			GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(naughty, category)) +
					 1));
	}
}

static void
gs_sync_metrics_clear_collected(GsMetrics *metrics)
{
	for (guint i = 0; i < G_N_ELEMENTS(gs_sync_metrics); i++) {
		if (gs_sync_metrics[i].collected)
			gs_metrics_clear(metrics, gs_sync_metrics[i].name);
	}
}

/* `a{st}` name -> count, as the totals of a counter with one label */
static void
gs_sync_metrics_set_totals(GsMetrics *metrics, const gchar *name, GVariant *counts)
{
	GVariantIter iter;
	const gchar *key;
	guint64 count;

	if (counts == NULL)
		return;
	g_variant_iter_init(&iter, counts);
	while (g_variant_iter_next(&iter, "{&st}", &key, &count)) {
		const gchar *values[] = {key, NULL};
		gs_metrics_set_total(metrics, name, values, count);
	}
}

/* the home relay's outbox and results, when one is configured */
static void
gs_sync_metrics_collect_home(GsMetrics *metrics, GsStatusProvider *provider)
{
	g_autoptr(GVariant) home = gs_status_provider_dup_home(provider);
	g_autoptr(GVariant) published = NULL;
	g_autoptr(GVariant) refusals = NULL;
	guint64 pending = 0, oldest = 0;

	if (home == NULL)
		return;
	g_variant_lookup(home, "OutboxPending", "t", &pending);
	g_variant_lookup(home, "OldestPendingSeconds", "t", &oldest);
	gs_sync_metrics_set1(metrics, "ngit_sync_home_outbox_pending", NULL, pending);
	gs_sync_metrics_set1(metrics, "ngit_sync_home_oldest_pending_seconds", NULL, oldest);
	published = g_variant_lookup_value(home, "Published", G_VARIANT_TYPE("a{st}"));
	gs_sync_metrics_set_totals(metrics, GS_METRIC_HOME_PUBLISHED, published);
	refusals = g_variant_lookup_value(home, "Refusals", G_VARIANT_TYPE("a{st}"));
	gs_sync_metrics_set_totals(metrics, GS_METRIC_HOME_REFUSED, refusals);
}

static void
gs_sync_metrics_collect_cb(GsMetrics *metrics, gpointer user_data)
{
	GWeakRef *ref = user_data;
	g_autoptr(GsStatusProvider) provider = g_weak_ref_get(ref);
	g_autoptr(GPtrArray) relays = NULL;
	g_autoptr(GHashTable) naughty = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter iter;
	gpointer key, value;
	guint n_dead = 0;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	gs_sync_metrics_clear_collected(metrics);
	if (provider == NULL)
		return;
	relays = gs_status_provider_dup_relays(provider);
	for (guint i = 0; i < relays->len; i++) {
		GsRelayStatus *relay = g_ptr_array_index(relays, i);
		gs_sync_metrics_collect_relay(metrics, relay, naughty);
		if (gs_relay_status_get_health(relay) == GS_RELAY_HEALTH_DEAD)
			n_dead++;
	}
	g_hash_table_iter_init(&iter, naughty);
	while (g_hash_table_iter_next(&iter, &key, &value))
		gs_sync_metrics_set1(
			metrics, "ngit_sync_naughty_relays_total", key, GPOINTER_TO_UINT(value));
	gs_sync_metrics_set1(metrics, "ngit_sync_relays_tracked_total", NULL, relays->len);
	gs_sync_metrics_set1(metrics,
			     "ngit_sync_relays_connected_total",
			     NULL,
			     gs_status_provider_count_live(provider));
	gs_sync_metrics_set1(metrics, "ngit_sync_relays_dead_total", NULL, n_dead);
	gs_sync_metrics_collect_home(metrics, provider);
	gs_sync_metrics_set1(metrics,
			     "ngit_sync_repos_tracked",
			     NULL,
			     gs_status_provider_get_repo_count(provider));
	gs_sync_metrics_set1(metrics,
			     "ngit_sync_root_events_tracked",
			     NULL,
			     gs_status_provider_get_root_count(provider));
	gs_sync_metrics_set1(metrics, "ngit_build_info", PACKAGE_VERSION, 1);
	gs_sync_metrics_set1(metrics,
			     "ngit_uptime_seconds",
			     NULL,
			     MAX(0, now - gs_status_provider_get_started_at(provider)));
}

static void
gs_sync_metrics_weak_ref_free(GWeakRef *ref)
{
	g_weak_ref_clear(ref);
	g_free(ref);
}

static void
gs_sync_metrics_relay_removed_cb(GsStatusProvider *provider,
				 GsRelayStatus *relay,
				 gpointer user_data)
{
	GsMetrics *metrics = GS_METRICS(user_data);
	guint n = gs_metrics_remove_label_value(metrics, "relay", gs_relay_status_get_url(relay));
	g_debug("relay %s removed: %u series dropped", gs_relay_status_get_url(relay), n);
}

/**
 * gs_sync_metrics_bind:
 *
 * Computes the live-state gauges from @provider at every scrape, and drops a removed relay's
 * series. Holds only a weak reference to @provider: the engine that implements it usually
 * owns @metrics too.
 */
void
gs_sync_metrics_bind(GsMetrics *metrics, GsStatusProvider *provider)
{
	GWeakRef *ref = g_new0(GWeakRef, 1);

	g_return_if_fail(GS_IS_METRICS(metrics));
	g_return_if_fail(GS_IS_STATUS_PROVIDER(provider));
	g_weak_ref_init(ref, provider);
	gs_metrics_add_collector(metrics,
				 gs_sync_metrics_collect_cb,
				 ref,
				 (GDestroyNotify)gs_sync_metrics_weak_ref_free);
	g_signal_connect_object(provider,
				"relay-removed",
				G_CALLBACK(gs_sync_metrics_relay_removed_cb),
				metrics,
				0);
}

typedef struct {
	GWeakRef ingest;
	GWeakRef rejected;
} GsSyncMetricsIngest;

static void
gs_sync_metrics_ingest_free(GsSyncMetricsIngest *refs)
{
	g_weak_ref_clear(&refs->ingest);
	g_weak_ref_clear(&refs->rejected);
	g_free(refs);
}

static void
gs_sync_metrics_collect_rejected(GsMetrics *metrics, GsRejectedIndex *rejected)
{
	for (guint t = 0; t < GS_REJECTED_EVENT_TYPE_LAST; t++) {
		GsRejectedIndexCounters c = {0};
		const gchar *values[] = {gs_rejected_event_type_to_string(t), NULL};

		gs_rejected_index_get_counters(rejected, t, &c);
		gs_metrics_set(metrics, GS_METRIC_HOT_CACHE_CURRENT, values, c.hot_current);
		gs_metrics_set(metrics, GS_METRIC_COLD_INDEX_CURRENT, values, c.cold_current);
		gs_metrics_set_total(metrics, GS_METRIC_HOT_CACHE_HITS, values, c.hot_hits);
		gs_metrics_set_total(metrics, GS_METRIC_HOT_CACHE_MISSES, values, c.hot_misses);
		gs_metrics_set_total(metrics, GS_METRIC_HOT_CACHE_EXPIRED, values, c.hot_expired);
		gs_metrics_set_total(metrics, GS_METRIC_COLD_INDEX_EXPIRED, values, c.cold_expired);
		gs_metrics_set_total(
			metrics, GS_METRIC_REJECTED_INVALIDATED, values, c.invalidated);
	}
}

/* events our relay endpoint's clients published that were stored (source="direct") */
static void
gs_sync_metrics_collect_direct(GsMetrics *metrics, GsIngest *ingest)
{
	const gchar *values[] = {"direct", NULL};
	GsIngestCounters c = {0};

	gs_ingest_get_counters(ingest, GS_RELAY_SERVER_INGEST_SOURCE, &c);
	gs_metrics_set_total(
		metrics, GS_METRIC_EVENTS_BY_SOURCE, values, c.outcomes[GS_INGEST_OUTCOME_STORED]);
}

static void
gs_sync_metrics_collect_ingest_cb(GsMetrics *metrics, gpointer user_data)
{
	GsSyncMetricsIngest *refs = user_data;
	g_autoptr(GsIngest) ingest = g_weak_ref_get(&refs->ingest);
	g_autoptr(GsRejectedIndex) rejected = g_weak_ref_get(&refs->rejected);
	GsIngestCounters c = {0};

	if (rejected != NULL)
		gs_sync_metrics_collect_rejected(metrics, rejected);
	if (ingest == NULL)
		return;
	gs_ingest_get_counters(ingest, NULL, &c);
	gs_metrics_set_total(
		metrics, GS_METRIC_EVENTS_DEFERRED, NULL, c.outcomes[GS_INGEST_OUTCOME_DEFERRED]);
	gs_sync_metrics_collect_direct(metrics, ingest);
	for (guint r = 0; r < GS_REJECT_REASON_LAST; r++) {
		const gchar *values[] = {gs_reject_reason_to_string(r), NULL};
		if (c.reasons[r] > 0)
			gs_metrics_set_total(
				metrics, GS_METRIC_EVENTS_REJECTED, values, c.reasons[r]);
	}
}

/**
 * gs_sync_metrics_bind_ingest:
 * @rejected: (nullable):
 *
 * Reads the ingest's refusal and deferral counts and the rejected index's tiers at every
 * scrape (`ngit_sync_events_rejected_total`, `ngit_sync_events_deferred_total`, the
 * `ngit_sync_rejected_*` families). Holds both weakly.
 */
void
gs_sync_metrics_bind_ingest(GsMetrics *metrics, GsIngest *ingest, GsRejectedIndex *rejected)
{
	GsSyncMetricsIngest *refs = g_new0(GsSyncMetricsIngest, 1);

	g_return_if_fail(GS_IS_METRICS(metrics));
	g_weak_ref_init(&refs->ingest, ingest);
	g_weak_ref_init(&refs->rejected, rejected);
	gs_metrics_add_collector(metrics,
				 gs_sync_metrics_collect_ingest_cb,
				 refs,
				 (GDestroyNotify)gs_sync_metrics_ingest_free);
}
