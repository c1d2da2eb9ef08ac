/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "gs-config.h"
#include "gs-enums.h"
#include "gs-health-tracker.h"
#include "gs-ingest.h"
#include "gs-rejected-index.h"
#include "gs-relay-connection.h"
#include "gs-store.h"
#include "gs-sync-index.h"

G_BEGIN_DECLS

#define GS_TYPE_SYNC_MANAGER (gs_sync_manager_get_type())
G_DECLARE_FINAL_TYPE(GsSyncManager, gs_sync_manager, GS, SYNC_MANAGER, GObject)

/**
 * GsSyncManagerOptions:
 * @service_urls: (nullable): our own relay URLs (never followed; "ours" test)
 * @bootstrap_relays: (nullable): relays always followed
 * @disable_negentropy: fetch history with REQ+EOSE only
 * @batch_window_ms: how often discovery drains its queue (specs/sync.md 7)
 * @completion_extra_ms: added to the batch window by the completion check (4.4), 1000
 * @batch_timeout_ms: a historic batch with no EOSE for this long fails (reset by each event)
 * @health_tick_ms: the periodic health tick (6), 2000
 * @connect_timeout_ms: how long a connection attempt may take (the base backoff)
 * @read_timeout_ms: a relay silent this long (no pong either) is dead, 60000
 * @neg_timeout_ms: a NEG-OPEN unanswered this long means "no NIP-77", 10000
 * @rate_limit_cooldown_ms: no new subscription or attempt for this long after a rate limit
 * @base_backoff_secs: first retry delay (seconds of the manager's clock)
 * @max_backoff_secs: longest retry delay
 * @dead_after_secs: a failure streak this long makes a relay dead
 * @naughty_expiry_secs: how long a relay stays on the naughty list
 * @quick_reconnect_secs: a reconnection within this time catches up (5), 900
 * @daily_min_secs: shortest interval of a relay's daily pass
 * @daily_max_secs: longest interval of a relay's daily pass
 * @negentropy_unsupported_secs: how long a "no NIP-77" mark holds, 86400
 * @negentropy_frame_limit: largest NEG-MSG we send, bytes
 * @negentropy_wide_min_bytes: the NEG-OPEN filters of a relay's new historic batches (with no
 *   `since`) adding up to at least this many bytes are first replaced by one relay-wide
 *   reconciliation (docs/sync.md, "Historic batches"); 65536, 0 never
 * @negentropy_req_max_local: an item batch's filter with at most this many events here (its
 *   local set) is fetched with paged REQ+EOSE instead of being reconciled, while no other
 *   relay syncs; -1 (the default) reconciles every filter (docs/sync.md, "Historic batches")
 * @req_page_limit: the limit of each historic REQ page
 * @max_subscriptions: subscription budget per relay (live, historic and NEG together)
 * @max_event_bytes: events larger than this are not parsed here (the ingest refuses them)
 * @max_protocol_errors: malformed messages a relay may send on one connection before it is
 *   dropped, 1000 (each is counted and ignored; dropping sooner only starts a reconnect loop)
 * @ingest_backlog_events: historic work (REQ pages, NEG sessions) waits while the ingest has
 *   this many events pending, until they are fewer than half; 20,000, 0 for no limit
 * @ingest_backlog_bytes: the same for the pending events' JSON bytes; 64 MiB, 0 for no limit
 * @clock: (nullable): wall clock in microseconds since the epoch; %NULL for the real one.
 *   It times the long schedules (backoff, the 15 minute rule, the daily pass); main-loop
 *   timers use the millisecond options above
 * @clock_data: data for @clock
 * @seed: seeds the random draws (daily schedule, backoff jitter); 0 for a random seed
 * @seckey: (nullable): 32 bytes signing NIP-42 AUTH events
 * @fetch_relay_info: read each relay's NIP-11 document before connecting, and keep within the
 *   subscription and filter limits it states from the start (default %TRUE)
 *
 * What a #GsSyncManager needs to know; gs_sync_manager_options_init() gives the defaults of
 * specs/sync.md 12, gs_sync_manager_options_load_config() reads a #GsConfig.
 */
typedef struct {
	gchar **service_urls;
	gchar **bootstrap_relays;
	gboolean disable_negentropy;
	guint batch_window_ms;
	guint completion_extra_ms;
	guint batch_timeout_ms;
	guint health_tick_ms;
	guint connect_timeout_ms;
	guint read_timeout_ms;
	guint neg_timeout_ms;
	guint rate_limit_cooldown_ms;
	guint base_backoff_secs;
	guint max_backoff_secs;
	guint dead_after_secs;
	guint naughty_expiry_secs;
	gint64 quick_reconnect_secs;
	gint64 daily_min_secs;
	gint64 daily_max_secs;
	gint64 negentropy_unsupported_secs;
	guint negentropy_frame_limit;
	guint64 negentropy_wide_min_bytes;
	gint negentropy_req_max_local;
	guint req_page_limit;
	guint max_subscriptions;
	gsize max_event_bytes;
	guint max_protocol_errors;
	guint ingest_backlog_events;
	guint64 ingest_backlog_bytes;
	GsClockFunc clock;
	gpointer clock_data;
	guint32 seed;
	const guint8 *seckey;
	gboolean fetch_relay_info;
} GsSyncManagerOptions;

void
gs_sync_manager_options_init(GsSyncManagerOptions *options);
void
gs_sync_manager_options_load_config(GsSyncManagerOptions *options, GsConfig *config);
void
gs_sync_manager_options_clear(GsSyncManagerOptions *options);

/**
 * GsSyncRelayStats:
 * @attempts_success: connection attempts that opened (`ngit_sync_connection_attempts_total`)
 * @attempts_failure: connection attempts that failed
 * @events_received: EVENT messages received from the relay, before any check
 * @events_dropped: events dropped here: unparsable, or not matching their subscription
 * @events_known: copies of events that an earlier copy had stored (or found stored), not
 *   handed to the ingest again (gs-sync-intake.c)
 * @last_event_at: unix seconds of the last EVENT received, 0 for never
 * @rate_limited: rate limits the relay imposed
 * @n_subscriptions: subscriptions (REQ and NEG) open on the relay now
 * @batches: ended historic batches by #GsSyncMethod and #GsSyncOutcome
 * @gap_events: events newly stored from the relay by a historic pass other than its first
 *   (the catch-up after a disconnection or a restart, a fresh start after a long one, a
 *   resync, the daily pass): events live sync should have brought
 *   (`ngit_sync_gap_events_total`)
 *
 * Counters of one relay, for the metrics of specs/sync.md 11.
 */
typedef struct {
	guint64 attempts_success;
	guint64 attempts_failure;
	guint64 events_received;
	guint64 events_dropped;
	guint64 events_known;
	gint64 last_event_at;
	guint64 rate_limited;
	guint n_subscriptions;
	guint64 batches[GS_SYNC_METHOD_REQ_EOSE + 1][GS_SYNC_OUTCOME_ABORTED + 1];
	guint64 gap_events;
} GsSyncRelayStats;

/**
 * GsSyncEventSource:
 * @GS_SYNC_EVENT_SOURCE_LIVE: a live subscription (`live_sync`)
 * @GS_SYNC_EVENT_SOURCE_CATCHUP: a historic batch outside the daily pass: the sync entry
 *   after a connect (fresh start or catch-up), a resync, retried batches, the history of
 *   repositories and threads discovered while live (`catchup`)
 * @GS_SYNC_EVENT_SOURCE_DAILY: a historic batch of the daily pass (`daily_catchup`)
 *
 * How an event newly stored by sync arrived (`ngit_sync_events_total{source}`).
 */
typedef enum {
	GS_SYNC_EVENT_SOURCE_LIVE,
	GS_SYNC_EVENT_SOURCE_CATCHUP,
	GS_SYNC_EVENT_SOURCE_DAILY,
	GS_SYNC_EVENT_SOURCE_LAST,
} GsSyncEventSource;

const gchar *
gs_sync_event_source_to_string(GsSyncEventSource source);

/* the bucket bounds (seconds) of the historic sync duration histogram */
#define GS_SYNC_DURATION_BUCKETS 10

typedef struct {
	gdouble bounds[GS_SYNC_DURATION_BUCKETS];
	guint64 counts[GS_SYNC_DURATION_BUCKETS]; /* not cumulative; +Inf is @count */
	gdouble sum;
	guint64 count;
} GsSyncDurationHistogram;

GsSyncManager *
gs_sync_manager_new(GsStore *store,
		    GsIngest *ingest,
		    GsRejectedIndex *rejected,
		    const GsSyncManagerOptions *options);

gboolean
gs_sync_manager_start(GsSyncManager *self, GError **error);
void
gs_sync_manager_stop(GsSyncManager *self);
gboolean
gs_sync_manager_is_running(GsSyncManager *self);
void
gs_sync_manager_reconfigure(GsSyncManager *self, const GsSyncManagerOptions *options);

/* the parts */
GsSyncIndex *
gs_sync_manager_get_index(GsSyncManager *self);
GsHealthTracker *
gs_sync_manager_get_health(GsSyncManager *self);

/* control (the D-Bus methods) */
gchar *
gs_sync_manager_add_relay(GsSyncManager *self,
			  const gchar *url,
			  gboolean bootstrap,
			  GError **error);
gboolean
gs_sync_manager_remove_relay(GsSyncManager *self, const gchar *url, GError **error);
gboolean
gs_sync_manager_resync(GsSyncManager *self, const gchar *url, GError **error);
void
gs_sync_manager_resync_all(GsSyncManager *self);
gboolean
gs_sync_manager_retry_failed(GsSyncManager *self, const gchar *url, GError **error);
gboolean
gs_sync_manager_reconnect(GsSyncManager *self, const gchar *url, GError **error);
gboolean
gs_sync_manager_disconnect_relay(GsSyncManager *self, const gchar *url, GError **error);

/* relays and their properties (the D-Bus Relay object); unknown relays give defaults */
gchar **
gs_sync_manager_dup_relay_urls(GsSyncManager *self);
gboolean
gs_sync_manager_has_relay(GsSyncManager *self, const gchar *url);
GsRelayConnection *
gs_sync_manager_get_connection(GsSyncManager *self, const gchar *url);
GsConnectionStatus
gs_sync_manager_get_relay_status(GsSyncManager *self, const gchar *url);
GsRelayHealth
gs_sync_manager_get_relay_health(GsSyncManager *self, const gchar *url);
guint
gs_sync_manager_get_relay_consecutive_failures(GsSyncManager *self, const gchar *url);
gboolean
gs_sync_manager_get_relay_is_bootstrap(GsSyncManager *self, const gchar *url);
gint64
gs_sync_manager_get_relay_last_connected(GsSyncManager *self, const gchar *url);
gint64
gs_sync_manager_get_relay_disconnected_at(GsSyncManager *self, const gchar *url);
gboolean
gs_sync_manager_get_relay_historic_sync_completed(GsSyncManager *self, const gchar *url);
gboolean
gs_sync_manager_get_relay_historic_sync_had_failures(GsSyncManager *self, const gchar *url);
guint
gs_sync_manager_get_relay_pending_batches(GsSyncManager *self, const gchar *url);
guint
gs_sync_manager_get_relay_failed_batches(GsSyncManager *self, const gchar *url);
GVariant *
gs_sync_manager_dup_relay_failed_batches(GsSyncManager *self, const gchar *url);
gint
gs_sync_manager_get_relay_supports_negentropy(GsSyncManager *self, const gchar *url);
gint64
gs_sync_manager_get_relay_next_retry_at(GsSyncManager *self, const gchar *url);
gint64
gs_sync_manager_get_relay_next_daily_at(GsSyncManager *self, const gchar *url);

/* counters (metrics) */
gboolean
gs_sync_manager_get_relay_stats(GsSyncManager *self, const gchar *url, GsSyncRelayStats *stats);
GVariant *
gs_sync_manager_dup_relay_failure_reasons(GsSyncManager *self, const gchar *url);
GVariant *
gs_sync_manager_dup_relay_fallback_reasons(GsSyncManager *self, const gchar *url);
void
gs_sync_manager_get_duration_histogram(GsSyncManager *self, GsSyncDurationHistogram *histogram);
guint64
gs_sync_manager_get_events_synced(GsSyncManager *self);
guint64
gs_sync_manager_get_events_by_source(GsSyncManager *self, GsSyncEventSource source);
guint64
gs_sync_manager_get_memory_trims(GsSyncManager *self);
guint64
gs_sync_manager_get_backlog_pauses(GsSyncManager *self);
gboolean
gs_sync_manager_get_backlogged(GsSyncManager *self);

gboolean
gs_sync_backlog_update(gboolean paused,
		       guint64 events,
		       guint64 bytes,
		       guint64 max_events,
		       guint64 max_bytes);

G_END_DECLS
