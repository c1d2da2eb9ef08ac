/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-ingest.h"
#include "gs-metrics.h"
#include "gs-rejected-index.h"
#include "gs-status-provider.h"

G_BEGIN_DECLS

/*
 * The metric families of sync spec section 11, with upstream ngit-grasp's names, types and
 * labels. Two kinds:
 *
 * - gauges of live state, computed at every scrape from the #GsStatusProvider by the collector
 *   gs_sync_metrics_bind() installs (relay_connected, relay_status, relay_failures, the
 *   relays_*_total counts, naughty list, batches_pending, negentropy_supported,
 *   subscriptions, last_event_timestamp_seconds, repos/root events tracked, build_info,
 *   uptime): a relay that is no longer listed has no series;
 * - counters (and the rejected-index gauges and the histogram) that the engine feeds as things
 *   happen, through the names below:
 *     gs_metrics_inc(m, GS_METRIC_CONNECTION_ATTEMPTS, url, "success", NULL);
 *   their series labelled with a relay are dropped when the provider emits `relay-removed`.
 */
#define GS_METRIC_CONNECTION_ATTEMPTS "ngit_sync_connection_attempts_total"
#define GS_METRIC_EVENTS_SYNCED "ngit_sync_events_synced_total"
#define GS_METRIC_HOT_CACHE_CURRENT "ngit_sync_rejected_hot_cache_current"
#define GS_METRIC_HOT_CACHE_HITS "ngit_sync_rejected_hot_cache_hits_total"
#define GS_METRIC_HOT_CACHE_MISSES "ngit_sync_rejected_hot_cache_misses_total"
#define GS_METRIC_HOT_CACHE_EXPIRED "ngit_sync_rejected_hot_cache_expired_total"
#define GS_METRIC_COLD_INDEX_CURRENT "ngit_sync_rejected_cold_index_current"
#define GS_METRIC_COLD_INDEX_EXPIRED "ngit_sync_rejected_cold_index_expired_total"
#define GS_METRIC_REJECTED_INVALIDATED "ngit_sync_rejected_invalidated_total"
#define GS_METRIC_BATCHES "ngit_sync_batches_total"
#define GS_METRIC_BATCHES_FAILED "ngit_sync_batches_failed_total"
#define GS_METRIC_EVENTS_RECEIVED "ngit_sync_events_received_total"
#define GS_METRIC_EVENTS_REJECTED "ngit_sync_events_rejected_total"
#define GS_METRIC_EVENTS_DEFERRED "ngit_sync_events_deferred_total"
#define GS_METRIC_NEGENTROPY_FALLBACKS "ngit_sync_negentropy_fallbacks_total"
#define GS_METRIC_RATE_LIMITED "ngit_sync_rate_limited_total"
#define GS_METRIC_HISTORIC_DURATION "ngit_sync_historic_sync_duration_seconds"
#define GS_METRIC_EVENTS_BY_SOURCE "ngit_sync_events_total"
#define GS_METRIC_GAP_EVENTS "ngit_sync_gap_events_total"
#define GS_METRIC_HOME_PUBLISHED "ngit_sync_home_published_total"
#define GS_METRIC_HOME_REFUSED "ngit_sync_home_refused_total"

/**
 * GsSyncMetricInfo:
 * @collected: %TRUE when computed from the provider at scrape time
 */
typedef struct {
	const gchar *name;
	GsMetricType type;
	const gchar *labels[4];
	gboolean collected;
	const gchar *help;
} GsSyncMetricInfo;

const GsSyncMetricInfo *
gs_sync_metrics_get_table(guint *n_entries);
void
gs_sync_metrics_register(GsMetrics *metrics);
void
gs_sync_metrics_bind(GsMetrics *metrics, GsStatusProvider *provider);
void
gs_sync_metrics_bind_ingest(GsMetrics *metrics, GsIngest *ingest, GsRejectedIndex *rejected);

G_END_DECLS
