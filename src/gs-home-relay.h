/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "gs-health-tracker.h"
#include "gs-store.h"

G_BEGIN_DECLS

#define GS_TYPE_HOME_RELAY (gs_home_relay_get_type())
G_DECLARE_FINAL_TYPE(GsHomeRelay, gs_home_relay, GS, HOME_RELAY, GObject)

/* defaults (docs/configuration.md, [home]) */
#define GS_HOME_RELAY_DEFAULT_MAX_IN_FLIGHT 4000
/* the window a connection starts with (or max-in-flight when smaller); it grows while home
 * accepts a full window */
#define GS_HOME_RELAY_START_WINDOW 500
/* bytes of EVENT messages in flight at most, whatever max-in-flight says: a window of large
 * events must not hold hundreds of MiB of frames in memory */
#define GS_HOME_RELAY_MAX_BYTES_IN_FLIGHT (4 * 1024 * 1024)
#define GS_HOME_RELAY_DEFAULT_OK_TIMEOUT_MS 30000
#define GS_HOME_RELAY_DEFAULT_REFUSED_RETRY_SECS (24 * 3600)
#define GS_HOME_RELAY_DEFAULT_RECONCILE_SECS (24 * 3600)

/**
 * GsHomeRelayOptions:
 * @max_in_flight: events sent and not yet answered with OK, at most
 * @start_window: events in flight at most on a new connection (or @max_in_flight when
 *   smaller); the window grows from there while home accepts it in full
 * @ok_timeout_ms: an event unanswered this long is retried with backoff
 * @base_backoff_secs: first retry delay (the health tracker's schedule: doubling, 20 % jitter)
 * @max_backoff_secs: longest retry delay
 * @refused_retry_secs: an event home refused is tried again after this long
 * @reconcile_secs: how often to reconcile with home while connected (also on each connect)
 * @maintenance_ms: how often refused events that are due go back to the queue
 * @status_interval_ms: how often the outbox counts of the properties are refreshed
 * @connect_timeout_ms: how long a connection attempt may take
 * @neg_timeout_ms: a NEG-OPEN unanswered this long means home has no NIP-77
 * @negentropy_frame_limit: largest NEG-MSG we send, bytes
 * @req_page_limit: the limit of each REQ page when reconciling without NIP-77
 * @disable_negentropy: reconcile with REQ only
 * @clock: (nullable): wall clock in microseconds since the epoch (retry times are stored);
 *   %NULL for the real one
 * @clock_data: data for @clock
 * @seed: seeds the backoff jitter; 0 for a random seed
 * @seckey: (nullable): 32 bytes signing NIP-42 AUTH events
 *
 * gs_home_relay_options_init() gives the defaults.
 */
typedef struct {
	guint max_in_flight;
	guint start_window;
	guint ok_timeout_ms;
	guint base_backoff_secs;
	guint max_backoff_secs;
	guint refused_retry_secs;
	guint reconcile_secs;
	guint maintenance_ms;
	guint status_interval_ms;
	guint connect_timeout_ms;
	guint neg_timeout_ms;
	guint negentropy_frame_limit;
	guint req_page_limit;
	gboolean disable_negentropy;
	GsClockFunc clock;
	gpointer clock_data;
	guint32 seed;
	const guint8 *seckey;
} GsHomeRelayOptions;

void
gs_home_relay_options_init(GsHomeRelayOptions *options);

/**
 * GsHomeRefusal:
 * @GS_HOME_REFUSAL_BLOCKED: `blocked:`
 * @GS_HOME_REFUSAL_INVALID: `invalid:`
 * @GS_HOME_REFUSAL_RESTRICTED: `restricted:`
 * @GS_HOME_REFUSAL_POW: `pow:`
 * @GS_HOME_REFUSAL_AUTH_REQUIRED: `auth-required:` that authenticating did not cure
 *
 * Why home refused an event: the OK message's machine-readable prefix.
 */
typedef enum {
	GS_HOME_REFUSAL_BLOCKED,
	GS_HOME_REFUSAL_INVALID,
	GS_HOME_REFUSAL_RESTRICTED,
	GS_HOME_REFUSAL_POW,
	GS_HOME_REFUSAL_AUTH_REQUIRED,
	GS_HOME_REFUSAL_LAST
} GsHomeRefusal;

const gchar *
gs_home_refusal_to_string(GsHomeRefusal refusal);

/**
 * GsHomeRelayStats:
 * @delivered: events home accepted (`OK true`)
 * @duplicate: events home already had (`duplicate:`)
 * @refused: events home refused (kept with their reason)
 * @retried: deliveries that will be retried (`rate-limited:`, `error:`, no OK in time, ...)
 * @refusals: @refused by #GsHomeRefusal
 * @reconciliations: reconciliations finished
 * @reconciled: events they found home lacking and queued
 * @in_flight: events sent and awaiting OK now
 * @window: events that may be in flight at once now: the start window (or max-in-flight
 *   when smaller) on a new connection, growing while home accepts a full window
 *   up to max-in-flight; held where it is when home rate-limited a fuller window on this
 *   connection
 * @window_bytes: bytes of EVENT messages that may be in flight at once now:
 *   %GS_HOME_RELAY_MAX_BYTES_IN_FLIGHT, or less when home named a smaller budget in bytes on
 *   this connection (one event always goes when none is in flight)
 *
 * Counters since start (`ngit_sync_home_published_total{result}`,
 * `ngit_sync_home_refused_total{reason}`).
 */
typedef struct {
	guint64 delivered;
	guint64 duplicate;
	guint64 refused;
	guint64 retried;
	guint64 refusals[GS_HOME_REFUSAL_LAST];
	guint64 reconciliations;
	guint64 reconciled;
	guint in_flight;
	guint window;
	guint64 window_bytes;
} GsHomeRelayStats;

/**
 * GsHomeSourceFunc:
 * @event: an event being stored
 *
 * Says where an event being stored came from, so that events that arrived from home are
 * never published back to it. Runs inside the store's write transaction.
 *
 * Returns: (nullable): the normalised relay URL it came from, or %NULL when unknown
 */
typedef const gchar *(*GsHomeSourceFunc)(GsEvent *event, gpointer user_data);

GsHomeRelay *
gs_home_relay_new(GsStore *store,
		  const gchar *url,
		  const GsHomeRelayOptions *options,
		  GError **error);

void
gs_home_relay_set_source_func(GsHomeRelay *self, GsHomeSourceFunc func, gpointer user_data);
void
gs_home_relay_start(GsHomeRelay *self);
void
gs_home_relay_stop(GsHomeRelay *self);

const gchar *
gs_home_relay_get_url(GsHomeRelay *self);
gboolean
gs_home_relay_is_connected(GsHomeRelay *self);
gint64
gs_home_relay_get_outbox_pending(GsHomeRelay *self);
gint64
gs_home_relay_get_outbox_refused(GsHomeRelay *self);
gint64
gs_home_relay_get_oldest_pending_seconds(GsHomeRelay *self);
void
gs_home_relay_get_stats(GsHomeRelay *self, GsHomeRelayStats *stats);
GVariant *
gs_home_relay_dup_status(GsHomeRelay *self);
GPtrArray *
gs_home_relay_dup_refused(GsHomeRelay *self, guint max, GError **error);
gboolean
gs_home_relay_is_reconciling(GsHomeRelay *self);

guint
gs_home_relay_retry_refused(GsHomeRelay *self, GError **error);
gboolean
gs_home_relay_reconcile(GsHomeRelay *self, GError **error);
void
gs_home_relay_run_maintenance(GsHomeRelay *self);

G_END_DECLS
