/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-relay-url.h"
#include "gs-sync-manager-private.h"
#include "gs-sync-rules.h"

/*
 * GsSyncManager: the sync engine (specs/sync.md 1-9). It owns one GsRelayConnection per
 * followed relay, the health tracker and the index, and runs the connection state machine:
 * connect when the health tracker allows, choose the sync entry on open (fresh start or
 * catch-up), create historic batches (gs-sync-runner.c) and live subscriptions
 * (gs-sync-live.c) from the three-way diff, and decide when a relay's historic pass is
 * complete. Discovery (gs-sync-discovery.c) keeps the targets current from the store, and
 * gs-sync-state.c persists what a restart needs.
 */

enum { SIGNAL_RELAY_ADDED, SIGNAL_RELAY_REMOVED, SIGNAL_RELAY_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS] = {0};

G_DEFINE_FINAL_TYPE(GsSyncManager, gs_sync_manager, G_TYPE_OBJECT)

static const gdouble gs_sync_duration_bounds[GS_SYNC_DURATION_BUCKETS] =
	{1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};

/* time ---------------------------------------------------------------------------------------- */

/* unix seconds of the manager's clock */
gint64
gs_sync_manager_now(GsSyncManager *self)
{
	gint64 us = self->opts.clock != NULL ? self->opts.clock(self->opts.clock_data)
					     : g_get_real_time();
	return us / G_USEC_PER_SEC;
}

static gint64
gs_sync_manager_index_clock(gpointer user_data)
{
	return gs_sync_manager_now(GS_SYNC_MANAGER(user_data));
}

/* a new draw in [daily-min, daily-max] so that relays are staggered */
void
gs_sync_manager_schedule_daily(GsSyncManager *self, GsSyncRelay *relay)
{
	gint64 span = MAX(self->opts.daily_max_secs - self->opts.daily_min_secs, 0);
	gint64 delay = self->opts.daily_min_secs;

	if (span > 0)
		delay += (gint64)(g_rand_double(self->rand) * (gdouble)span);
	relay->next_daily_at = gs_sync_manager_now(self) + delay;
}

/* relays ------------------------------------------------------------------------------------- */

GsSyncRelay *
gs_sync_manager_lookup(GsSyncManager *self, const gchar *url)
{
	return url != NULL ? g_hash_table_lookup(self->relays, url) : NULL;
}

gboolean
gs_sync_relay_is_live(GsSyncRelay *relay)
{
	GsConnectionStatus status = gs_relay_connection_get_status(relay->conn);
	return gs_relay_connection_is_open(relay->conn) &&
	       (status == GS_CONNECTION_STATUS_SYNCING ||
		status == GS_CONNECTION_STATUS_CONNECTED ||
		status == GS_CONNECTION_STATUS_CONNECTED_DEGRADED);
}

/* live, and not in a rate-limit cooldown */
gboolean
gs_sync_relay_can_subscribe(GsSyncRelay *relay)
{
	return gs_sync_relay_is_live(relay) &&
	       !gs_health_tracker_is_rate_limited(relay->manager->health, relay->url);
}

void
gs_sync_relay_count_reason(GHashTable *reasons, const gchar *reason)
{
	guint n = GPOINTER_TO_UINT(g_hash_table_lookup(reasons, reason));
	g_hash_table_insert(reasons, g_strdup(reason), GUINT_TO_POINTER(n + 1));
}

void
gs_sync_manager_relay_changed(GsSyncManager *self, GsSyncRelay *relay)
{
	g_signal_emit(
		self, signals[SIGNAL_RELAY_CHANGED], g_quark_from_string(relay->url), relay->url);
}

static void
gs_sync_relay_free(GsSyncRelay *relay)
{
	g_signal_handlers_disconnect_by_data(relay->conn, relay);
	g_clear_handle_id(&relay->completion_id, g_source_remove);
	gs_sync_runner_clear_waiters(relay);
	gs_sync_wide_clear(relay);
	relay->closing = TRUE;
	gs_relay_connection_disconnect(relay->conn, "relay removed");
	g_object_unref(relay->conn);
	for (guint i = 0; i < G_N_ELEMENTS(relay->live); i++) {
		g_ptr_array_unref(relay->live[i]);
		g_hash_table_unref(relay->live_items[i]);
		g_ptr_array_unref(relay->live_parts[i]);
	}
	g_ptr_array_unref(relay->redo);
	g_hash_table_unref(relay->hist_subs);
	g_hash_table_unref(relay->fetching);
	g_hash_table_unref(relay->failure_reasons);
	g_hash_table_unref(relay->fallback_reasons);
	g_free(relay->url);
	g_free(relay);
}

gboolean
gs_sync_relay_is_wanted(GsSyncManager *self, GsSyncRelay *relay)
{
	return relay->bootstrap || relay->pinned ||
	       gs_sync_targets_has_relay(gs_sync_index_get_targets(self->index), relay->url);
}

void
gs_sync_manager_connect(GsSyncManager *self, GsSyncRelay *relay)
{
	if (gs_relay_connection_get_status(relay->conn) != GS_CONNECTION_STATUS_DISCONNECTED)
		return;
	g_debug("%s: connection attempt", relay->url);
	gs_relay_connection_connect(relay->conn);
}

/* an attempt when the health tracker allows one (section 6) */
void
gs_sync_manager_maybe_connect(GsSyncManager *self, GsSyncRelay *relay)
{
	if (!self->running || relay->paused || !gs_sync_relay_is_wanted(self, relay))
		return;
	if (gs_health_tracker_can_attempt(self->health, relay->url))
		gs_sync_manager_connect(self, relay);
}

/* the index decided a status (completion, degraded, a new pass): the connection shows it */
static void
gs_sync_manager_index_status_cb(GsSyncIndex *index,
				const gchar *url,
				GsConnectionStatus status,
				GsSyncManager *self)
{
	GsSyncRelay *relay = gs_sync_manager_lookup(self, url);

	if (relay == NULL || !gs_relay_connection_is_open(relay->conn))
		return;
	gs_relay_connection_set_status(relay->conn, status);
}

/* the connection dropped: pending batches end aborted, confirmed items stay (section 3) */
static void
gs_sync_manager_relay_down(GsSyncManager *self, GsSyncRelay *relay)
{
	GsConnectionStatus was = gs_sync_index_get_relay_status(self->index, relay->url);

	if (was == GS_CONNECTION_STATUS_SYNCING || was == GS_CONNECTION_STATUS_CONNECTED ||
	    was == GS_CONNECTION_STATUS_CONNECTED_DEGRADED)
		relay->disconnected_at = gs_sync_manager_now(self);
	g_clear_handle_id(&relay->completion_id, g_source_remove);
	relay->pass_started = 0;
	gs_sync_index_relay_disconnected(self->index, relay->url);
	gs_sync_live_clear(relay);
	gs_sync_runner_clear_waiters(relay);
	relay->n_slots = 0;
	gs_sync_state_save_relay(self, relay);
}

static void
gs_sync_manager_conn_status_cb(GsRelayConnection *conn, GParamSpec *pspec, GsSyncRelay *relay)
{
	GsSyncManager *self = relay->manager;
	GsConnectionStatus status = gs_relay_connection_get_status(conn);

	if (status == GS_CONNECTION_STATUS_DISCONNECTED)
		gs_sync_manager_relay_down(self, relay);
	else
		gs_sync_index_set_relay_status(self->index, relay->url, status);
	gs_sync_manager_relay_changed(self, relay);
}

/* @items: (transfer full): returns: (transfer full): those not in a pending batch of @relay */
static GPtrArray *
gs_sync_manager_not_pending(GsSyncManager *self, GsSyncRelay *relay, GPtrArray *items)
{
	g_autoptr(GPtrArray) owned = items;
	g_autoptr(GPtrArray) pending = gs_sync_index_dup_pending_batches(self->index, relay->url);
	g_autoptr(GHashTable) busy = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint b = 0; b < pending->len; b++) {
		GsSyncBatch *batch = g_ptr_array_index(pending, b);
		GPtrArray *lists[] = {gs_sync_batch_get_repos(batch),
				      gs_sync_batch_get_roots(batch)};
		for (guint l = 0; l < G_N_ELEMENTS(lists); l++) {
			for (guint i = 0; i < lists[l]->len; i++)
				g_hash_table_add(busy, g_ptr_array_index(lists[l], i));
		}
	}
	for (guint i = 0; i < owned->len; i++) {
		if (!g_hash_table_contains(busy, g_ptr_array_index(owned, i)))
			g_ptr_array_add(out, g_strdup(g_ptr_array_index(owned, i)));
	}
	return out;
}

/* batches that had failed before a restart run again when the relay catches up */
static void
gs_sync_manager_redo(GsSyncManager *self, GsSyncRelay *relay)
{
	g_autoptr(GPtrArray) redo = g_steal_pointer(&relay->redo);

	relay->redo = g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_items_free);
	for (guint i = 0; i < redo->len; i++) {
		GsSyncItems *items = g_ptr_array_index(redo, i);
		g_autoptr(GError) error = NULL;
		if (!gs_sync_runner_start_batch(
			    self, relay, items->repos, items->roots, -1, &error))
			g_debug("%s: %s", relay->url, error->message);
	}
}

/* the sync entry of section 5 on a live relay */
void
gs_sync_manager_begin_entry(GsSyncManager *self,
			    GsSyncRelay *relay,
			    GsSyncEntry entry,
			    gint64 since)
{
	g_autoptr(GPtrArray) repos = NULL;
	g_autoptr(GPtrArray) roots = NULL;

	g_info("%s: %s%s",
	       relay->url,
	       entry == GS_SYNC_ENTRY_FRESH_START ? "fresh start" : "catch-up",
	       entry == GS_SYNC_ENTRY_CATCH_UP ? " from the disconnection" : "");
	relay->pass_started = g_get_monotonic_time();
	/* the opened callback says when this is the relay's first pass, the daily pass says so */
	relay->hist_source = GS_SYNC_EVENT_SOURCE_CATCHUP;
	relay->hist_gap = TRUE;
	if (entry == GS_SYNC_ENTRY_FRESH_START) {
		gs_sync_index_begin_fresh_start(self->index, relay->url);
		gs_sync_state_clear_confirmed(self, relay);
		g_ptr_array_set_size(relay->redo, 0);
	} else {
		gs_sync_index_begin_catch_up(self->index, relay->url);
	}
	relay->l1_wanted = TRUE;
	relay->l1_since = since;
	relay->live_dirty = TRUE;
	if (entry == GS_SYNC_ENTRY_CATCH_UP && gs_sync_relay_can_subscribe(relay)) {
		/* whole history for what failed before, the rest since the disconnection */
		gs_sync_manager_redo(self, relay);
		repos = gs_sync_manager_not_pending(
			self, relay, gs_sync_index_dup_confirmed_repos(self->index, relay->url));
		roots = gs_sync_manager_not_pending(
			self, relay, gs_sync_index_dup_confirmed_roots(self->index, relay->url));
		if (repos->len > 0 || roots->len > 0)
			gs_sync_runner_start_batch(self, relay, repos, roots, since, NULL);
	}
	gs_sync_manager_start_work(self, relay);
	gs_sync_manager_completion_check(self, relay);
}

static void
gs_sync_manager_opened_cb(GsRelayConnection *conn, GsSyncRelay *relay)
{
	GsSyncManager *self = relay->manager;
	gint64 now = gs_sync_manager_now(self);
	gint64 since = -1;
	gboolean first = !relay->ever_connected;
	GsSyncEntry entry;
	guint info_filters = 0;

	/* the limits the relay states (NIP-11) hold from the first REQ on */
	gs_relay_connection_get_relay_limits(conn, &relay->max_subs, &info_filters);
	if (info_filters > 0 && info_filters < relay->max_filters)
		relay->max_filters = info_filters;
	relay->stats.attempts_success++;
	gs_health_tracker_record_success(self->health, relay->url);
	gs_health_tracker_record_connected(self->health, relay->url);
	entry = gs_sync_decide_entry(now,
				     relay->disconnected_at,
				     self->opts.quick_reconnect_secs,
				     relay->ever_connected,
				     relay->explicit_resync,
				     &since);
	relay->explicit_resync = FALSE;
	relay->ever_connected = TRUE;
	relay->last_connected = now;
	relay->n_slots = 0;
	if (relay->next_daily_at == 0)
		gs_sync_manager_schedule_daily(self, relay);
	gs_sync_index_set_relay_status(self->index, relay->url, GS_CONNECTION_STATUS_SYNCING);
	gs_sync_manager_begin_entry(self, relay, entry, since);
	/* the first history of a relay is not a gap in live sync */
	if (first)
		relay->hist_gap = FALSE;
	gs_sync_state_save_relay(self, relay);
	gs_sync_manager_relay_changed(self, relay);
}

static void
gs_sync_manager_connect_failed_cb(GsRelayConnection *conn, GError *error, GsSyncRelay *relay)
{
	GsSyncManager *self = relay->manager;

	relay->stats.attempts_failure++;
	g_debug("%s: connection attempt failed: %s", relay->url, error->message);
	gs_health_tracker_record_failure(self->health, relay->url, gs_health_classify_error(error));
	gs_sync_state_save_relay(self, relay);
	gs_sync_manager_relay_changed(self, relay);
}

static void
gs_sync_manager_disconnected_cb(GsRelayConnection *conn, const gchar *reason, GsSyncRelay *relay)
{
	GsSyncManager *self = relay->manager;

	gs_health_tracker_record_disconnected(self->health, relay->url);
	if (!relay->closing)
		gs_health_tracker_record_failure(
			self->health, relay->url, GS_NAUGHTY_CATEGORY_NONE);
	relay->closing = FALSE;
	gs_sync_state_save_relay(self, relay);
	gs_sync_manager_relay_changed(self, relay);
}

static void
gs_sync_manager_notice_cb(GsRelayConnection *conn, const gchar *text, GsSyncRelay *relay)
{
	if (gs_health_notice_is_rate_limit(text))
		gs_sync_manager_enter_rate_limit(relay->manager, relay, TRUE);
}

/* a rate limit (section 6): no new subscription or attempt until the cooldown ends; what the
 * relay dropped silently (a NOTICE names no subscription) is sent again then */
void
gs_sync_manager_enter_rate_limit(GsSyncManager *self, GsSyncRelay *relay, gboolean from_notice)
{
	if (!gs_health_tracker_is_rate_limited(self->health, relay->url)) {
		g_info("%s: rate limited; no new subscriptions for %u ms",
		       relay->url,
		       self->opts.rate_limit_cooldown_ms);
		relay->stats.rate_limited++;
		gs_health_tracker_rate_limit(self->health, relay->url);
	}
	if (from_notice)
		gs_sync_runner_requeue_unanswered(relay);
	gs_sync_manager_relay_changed(self, relay);
}

static void
gs_sync_manager_rate_limit_ended_cb(GsHealthTracker *health, const gchar *url, GsSyncManager *self)
{
	GsSyncRelay *relay = gs_sync_manager_lookup(self, url);

	if (relay == NULL)
		return;
	g_debug("%s: rate limit over", url);
	if (gs_sync_relay_is_live(relay)) {
		gs_sync_live_resend_unanswered(relay);
		gs_sync_runner_flush_waiters(relay);
		gs_sync_manager_start_work(self, relay);
		gs_sync_manager_completion_check(self, relay);
	} else {
		gs_sync_manager_maybe_connect(self, relay);
	}
	gs_sync_manager_relay_changed(self, relay);
}

/**
 * gs_sync_manager_ensure_relay:
 *
 * Registers @url (normalised) as disconnected when it is new.
 *
 * Returns: (transfer none): the relay
 */
GsSyncRelay *
gs_sync_manager_ensure_relay(GsSyncManager *self, const gchar *url, gboolean bootstrap)
{
	GsSyncRelay *relay = gs_sync_manager_lookup(self, url);
	GsRelayConnectionOptions copts;

	if (relay != NULL) {
		relay->bootstrap |= bootstrap;
		return relay;
	}
	gs_relay_connection_options_init(&copts);
	copts.connect_timeout_ms = self->opts.connect_timeout_ms;
	copts.read_timeout_ms = self->opts.read_timeout_ms;
	copts.keepalive_ms = MAX(self->opts.read_timeout_ms / 3, 1000);
	copts.max_subscriptions = self->opts.max_subscriptions;
	copts.neg_timeout_ms = self->opts.neg_timeout_ms;
	copts.max_protocol_errors = self->opts.max_protocol_errors;
	copts.seckey = self->opts.seckey;
	copts.fetch_info = self->opts.fetch_relay_info;
	relay = g_new0(GsSyncRelay, 1);
	relay->manager = self;
	relay->url = g_strdup(url);
	relay->bootstrap = bootstrap;
	relay->disconnected_at = -1;
	relay->nip77 = GS_SYNC_NIP77_UNKNOWN;
	relay->hist_source = GS_SYNC_EVENT_SOURCE_CATCHUP;
	relay->max_filters = GS_SYNC_LIVE_MAX_FILTERS;
	relay->conn = gs_relay_connection_new(url, &copts);
	gs_sync_live_clear(relay);
	relay->redo = g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_items_free);
	relay->hist_subs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	relay->fetching = g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
	g_queue_init(&relay->waiters);
	relay->failure_reasons = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	relay->fallback_reasons = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_signal_connect(
		relay->conn, "notify::status", G_CALLBACK(gs_sync_manager_conn_status_cb), relay);
	g_signal_connect(relay->conn, "opened", G_CALLBACK(gs_sync_manager_opened_cb), relay);
	g_signal_connect(relay->conn,
			 "connect-failed",
			 G_CALLBACK(gs_sync_manager_connect_failed_cb),
			 relay);
	g_signal_connect(
		relay->conn, "disconnected", G_CALLBACK(gs_sync_manager_disconnected_cb), relay);
	g_signal_connect(relay->conn, "notice", G_CALLBACK(gs_sync_manager_notice_cb), relay);
	g_hash_table_insert(self->relays, relay->url, relay);
	gs_sync_index_set_relay_status(self->index, url, GS_CONNECTION_STATUS_DISCONNECTED);
	g_info("%s: following", url);
	g_signal_emit(self, signals[SIGNAL_RELAY_ADDED], 0, url);
	return relay;
}

/* no target names it and it is not a bootstrap relay: close it directly (section 3) */
void
gs_sync_manager_remove(GsSyncManager *self, GsSyncRelay *relay)
{
	g_autofree gchar *url = g_strdup(relay->url);

	g_info("%s: no longer followed", url);
	gs_sync_index_remove_relay(self->index, url);
	gs_health_tracker_remove(self->health, url);
	gs_ingest_forget_source(self->ingest, url);
	gs_sync_state_delete_relay(self, url);
	g_hash_table_remove(self->relays, url);
	g_signal_emit(self, signals[SIGNAL_RELAY_REMOVED], 0, url);
}

/* work ---------------------------------------------------------------------------------------- */

/* new historic work on a live relay: the L1 batch if due, then the three-way diff */
void
gs_sync_manager_start_work(GsSyncManager *self, GsSyncRelay *relay)
{
	if (!gs_sync_relay_can_subscribe(relay))
		return;
	if (relay->l1_wanted) {
		relay->l1_wanted = FALSE;
		gs_sync_runner_start_batch(self, relay, NULL, NULL, relay->l1_since, NULL);
	}
	gs_sync_discovery_diff_relay(self, relay);
	gs_sync_live_rebuild(self, relay);
}

static void
gs_sync_manager_batch_finished_cb(GsSyncIndex *index,
				  const gchar *url,
				  GsSyncBatch *batch,
				  GsSyncOutcome outcome,
				  GsSyncManager *self)
{
	GsSyncRelay *relay = gs_sync_manager_lookup(self, url);

	gs_sync_runner_batch_finished(self, batch);
	if (relay == NULL)
		return;
	gs_sync_manager_completion_check(self, relay);
	gs_sync_manager_relay_changed(self, relay);
}

static void
gs_sync_manager_batch_started_cb(GsSyncIndex *index,
				 const gchar *url,
				 GsSyncBatch *batch,
				 GsSyncManager *self)
{
	GsSyncRelay *relay = gs_sync_manager_lookup(self, url);

	if (relay == NULL)
		return;
	g_clear_handle_id(&relay->completion_id, g_source_remove);
	gs_sync_manager_relay_changed(self, relay);
}

/* lifecycle ----------------------------------------------------------------------------------- */

static void
gs_sync_manager_connect_all(GsSyncManager *self)
{
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		gs_sync_manager_maybe_connect(self, value);
}

/**
 * gs_sync_manager_start:
 *
 * Loads the persisted state and the targets from the store, registers the bootstrap relays
 * and every relay the targets name, connects them, and starts discovery and the health tick.
 * Call after the store and the ingest are ready.
 *
 * Returns: %FALSE with %GS_ERROR_STORE when the store cannot be read
 */
gboolean
gs_sync_manager_start(GsSyncManager *self, GError **error)
{
	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	g_return_val_if_fail(!self->running, FALSE);

	if (!gs_sync_state_init(self, error))
		return FALSE;
	gs_sync_state_load_rejected(self);
	if (!gs_sync_discovery_load(self, error))
		return FALSE;
	for (guint i = 0; self->opts.bootstrap_relays != NULL && self->opts.bootstrap_relays[i];
	     i++) {
		g_autofree gchar *url =
			gs_relay_url_normalise(self->opts.bootstrap_relays[i], FALSE, NULL);
		if (url != NULL &&
		    !gs_sync_targets_is_service_url(gs_sync_index_get_targets(self->index), url))
			gs_sync_manager_ensure_relay(self, url, TRUE);
	}
	if (!gs_sync_state_load_relays(self, error))
		return FALSE;
	gs_sync_manager_apply_bootstrap(self);
	gs_sync_discovery_sync_relays(self);
	self->stored_id = g_signal_connect(
		self->store, "event-stored", G_CALLBACK(gs_sync_discovery_event_stored_cb), self);
	gs_sync_manager_arm_timers(self);
	self->rejected_saved_at = gs_sync_manager_now(self);
	self->running = TRUE;
	gs_sync_manager_connect_all(self);
	g_info("sync started: %u relays, %u repositories",
	       g_hash_table_size(self->relays),
	       gs_sync_targets_get_n_repos(gs_sync_index_get_targets(self->index)));
	return TRUE;
}

/**
 * gs_sync_manager_stop:
 *
 * Records the disconnection time of every open relay (a restart within the quick-reconnect
 * window then catches up), saves the state and closes every connection. Safe to call twice.
 */
void
gs_sync_manager_stop(GsSyncManager *self)
{
	GHashTableIter iter;
	gpointer value;

	g_return_if_fail(GS_IS_SYNC_MANAGER(self));
	if (!self->running)
		return;
	self->running = FALSE;
	g_clear_signal_handler(&self->stored_id, self->store);
	g_clear_handle_id(&self->drain_id, g_source_remove);
	g_clear_handle_id(&self->kick_id, g_source_remove);
	g_clear_handle_id(&self->settle_id, g_source_remove);
	g_clear_handle_id(&self->resume_id, g_source_remove);
	g_clear_handle_id(&self->tick_id, g_source_remove);
	gs_sync_state_flush_confirmed(self);
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsSyncRelay *relay = value;
		relay->closing = TRUE;
		gs_relay_connection_disconnect(relay->conn, "shutting down");
		gs_sync_state_save_relay(self, relay);
	}
	gs_sync_state_save_rejected(self);
	g_info("sync stopped");
}

/* GObject ------------------------------------------------------------------------------------- */

static void
gs_sync_manager_dispose(GObject *object)
{
	GsSyncManager *self = GS_SYNC_MANAGER(object);

	gs_sync_manager_stop(self);
	if (self->index != NULL)
		g_signal_handlers_disconnect_by_data(self->index, self);
	if (self->health != NULL)
		g_signal_handlers_disconnect_by_data(self->health, self);
	if (self->relays != NULL) {
		/* end the runs while the relays they point at still exist */
		g_autoptr(GList) urls = g_hash_table_get_keys(self->relays);
		for (GList *l = urls; l != NULL; l = l->next)
			gs_sync_index_remove_relay(self->index, l->data);
		g_hash_table_remove_all(self->relays);
	}
	g_clear_object(&self->index);
	g_clear_object(&self->health);
	if (self->ingest != NULL)
		gs_ingest_set_more_func(self->ingest, NULL, NULL);
	g_clear_object(&self->ingest);
	g_clear_object(&self->rejected);
	g_clear_object(&self->store);
	G_OBJECT_CLASS(gs_sync_manager_parent_class)->dispose(object);
}

static void
gs_sync_manager_finalize(GObject *object)
{
	GsSyncManager *self = GS_SYNC_MANAGER(object);

	g_hash_table_unref(self->relays);
	g_hash_table_unref(self->runs);
	g_ptr_array_unref(self->queue);
	g_clear_pointer(&self->hist_stored, g_hash_table_unref);
	g_clear_pointer(&self->hist_inflight, g_hash_table_unref);
	g_ptr_array_unref(self->confirm_queue);
	g_rand_free(self->rand);
	gs_sync_manager_options_clear(&self->opts);
	G_OBJECT_CLASS(gs_sync_manager_parent_class)->finalize(object);
}

static void
gs_sync_manager_class_init(GsSyncManagerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = gs_sync_manager_dispose;
	object_class->finalize = gs_sync_manager_finalize;

	/**
	 * GsSyncManager::relay-added:
	 * @url: the normalised relay URL
	 */
	signals[SIGNAL_RELAY_ADDED] = g_signal_new("relay-added",
						   G_TYPE_FROM_CLASS(klass),
						   G_SIGNAL_RUN_LAST,
						   0,
						   NULL,
						   NULL,
						   NULL,
						   G_TYPE_NONE,
						   1,
						   G_TYPE_STRING);
	/**
	 * GsSyncManager::relay-removed:
	 * @url: the normalised relay URL, no longer followed
	 */
	signals[SIGNAL_RELAY_REMOVED] = g_signal_new("relay-removed",
						     G_TYPE_FROM_CLASS(klass),
						     G_SIGNAL_RUN_LAST,
						     0,
						     NULL,
						     NULL,
						     NULL,
						     G_TYPE_NONE,
						     1,
						     G_TYPE_STRING);
	/**
	 * GsSyncManager::relay-changed:
	 * @url: the relay URL (also the detail)
	 *
	 * A property of the relay may have changed (status, health, batch counts, ...): read
	 * them again. Emitted on the main context.
	 */
	signals[SIGNAL_RELAY_CHANGED] = g_signal_new("relay-changed",
						     G_TYPE_FROM_CLASS(klass),
						     G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
						     0,
						     NULL,
						     NULL,
						     NULL,
						     G_TYPE_NONE,
						     1,
						     G_TYPE_STRING);
}

static void
gs_sync_manager_init(GsSyncManager *self)
{
	self->relays = g_hash_table_new_full(
		g_str_hash, g_str_equal, NULL, (GDestroyNotify)gs_sync_relay_free);
	self->runs = g_hash_table_new(g_int64_hash, g_int64_equal);
	self->queue = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	self->confirm_queue = g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_batch_unref);
	memcpy(self->durations.bounds, gs_sync_duration_bounds, sizeof(gs_sync_duration_bounds));
}

/**
 * gs_sync_manager_new:
 * @store: the event store (targets, negentropy local sets, persisted state)
 * @ingest: where every event from a relay goes, with the relay URL as its source
 * @rejected: (nullable): the rejected index whose ids negentropy must not fetch again
 * @options: (nullable): copied; %NULL for the defaults
 */
GsSyncManager *
gs_sync_manager_new(GsStore *store,
		    GsIngest *ingest,
		    GsRejectedIndex *rejected,
		    const GsSyncManagerOptions *options)
{
	GsSyncManager *self = g_object_new(GS_TYPE_SYNC_MANAGER, NULL);
	GsSyncTargets *targets;

	g_return_val_if_fail(GS_IS_STORE(store), NULL);
	g_return_val_if_fail(GS_IS_INGEST(ingest), NULL);
	if (options != NULL) {
		self->opts = *options;
		self->opts.service_urls = g_strdupv(options->service_urls);
		self->opts.bootstrap_relays = g_strdupv(options->bootstrap_relays);
	} else {
		gs_sync_manager_options_init(&self->opts);
	}
	self->opts.max_subscriptions = MAX(self->opts.max_subscriptions, 1);
	self->store = g_object_ref(store);
	self->ingest = g_object_ref(ingest);
	gs_ingest_set_more_func(self->ingest, gs_sync_intake_more_coming, self);
	self->rejected = rejected != NULL ? g_object_ref(rejected) : NULL;
	self->rand = self->opts.seed != 0 ? g_rand_new_with_seed(self->opts.seed) : g_rand_new();
	self->index = gs_sync_index_new();
	gs_sync_index_set_clock(self->index, gs_sync_manager_index_clock, self);
	targets = gs_sync_index_get_targets(self->index);
	gs_sync_targets_set_service_urls(targets, (const gchar *const *)self->opts.service_urls);
	gs_sync_targets_set_bootstrap_relays(targets,
					     (const gchar *const *)self->opts.bootstrap_relays);
	self->health = gs_health_tracker_new();
	if (self->opts.clock != NULL)
		gs_health_tracker_set_clock(self->health, self->opts.clock, self->opts.clock_data);
	if (self->opts.seed != 0)
		gs_health_tracker_set_seed(self->health, self->opts.seed);
	gs_health_tracker_set_backoff(
		self->health, self->opts.base_backoff_secs, self->opts.max_backoff_secs);
	gs_health_tracker_set_dead_after(self->health, self->opts.dead_after_secs);
	gs_health_tracker_set_rate_limit_cooldown(self->health, self->opts.rate_limit_cooldown_ms);
	gs_health_tracker_set_naughty_expiry(self->health, self->opts.naughty_expiry_secs);
	g_signal_connect(self->health,
			 "rate-limit-ended",
			 G_CALLBACK(gs_sync_manager_rate_limit_ended_cb),
			 self);
	g_signal_connect(self->index,
			 "relay-status-changed",
			 G_CALLBACK(gs_sync_manager_index_status_cb),
			 self);
	g_signal_connect(
		self->index, "batch-started", G_CALLBACK(gs_sync_manager_batch_started_cb), self);
	g_signal_connect(
		self->index, "batch-finished", G_CALLBACK(gs_sync_manager_batch_finished_cb), self);
	return self;
}
