/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-relay-url.h"
#include "gs-sync-manager-private.h"
#include "gs-sync-rules.h"

/*
 * The sync manager's options (from the defaults of specs/sync.md 12 or a #GsConfig) and its
 * control methods, the core of the D-Bus AddRelay, RemoveRelay, Resync, ResyncAll,
 * RetryFailed, Reconnect and Disconnect.
 */

/* options ------------------------------------------------------------------------------------ */

void
gs_sync_manager_options_init(GsSyncManagerOptions *options)
{
	memset(options, 0, sizeof(*options));
	options->batch_window_ms = 5000;
	options->completion_extra_ms = 1000;
	options->batch_timeout_ms = 120000;
	options->health_tick_ms = 2000;
	options->connect_timeout_ms = 5000;
	options->read_timeout_ms = 60000;
	options->neg_timeout_ms = 10000;
	options->rate_limit_cooldown_ms = 65000;
	options->base_backoff_secs = 5;
	options->max_backoff_secs = 3600;
	options->dead_after_secs = 24 * 3600;
	options->naughty_expiry_secs = 12 * 3600;
	options->quick_reconnect_secs = 900;
	options->daily_min_secs = 23 * 3600;
	options->daily_max_secs = 25 * 3600;
	options->negentropy_unsupported_secs = 24 * 3600;
	options->negentropy_frame_limit = 60000;
	options->negentropy_wide_min_bytes = 64 * 1024;
	options->negentropy_req_max_local = -1;
	options->req_page_limit = 500;
	options->max_subscriptions = 70;
	options->fetch_relay_info = TRUE;
	options->max_event_bytes = 256 * 1024;
	options->max_protocol_errors = 1000;
	options->ingest_backlog_events = 20000;
	options->ingest_backlog_bytes = 64 * 1024 * 1024;
}

/* fills @options from the [sync] keys of @config (specs/sync.md 12) */
void
gs_sync_manager_options_load_config(GsSyncManagerOptions *options, GsConfig *config)
{
	g_strfreev(options->service_urls);
	g_strfreev(options->bootstrap_relays);
	options->service_urls =
		g_strdupv((gchar **)gs_config_get_strv(config, "sync", "service-urls"));
	options->bootstrap_relays =
		g_strdupv((gchar **)gs_config_get_strv(config, "sync", "bootstrap-relays"));
	options->disable_negentropy = gs_config_get_boolean(config, "sync", "disable-negentropy");
	options->batch_window_ms = gs_config_get_int(config, "sync", "batch-window-ms");
	options->batch_timeout_ms = gs_config_get_int(config, "sync", "batch-timeout-secs") * 1000;
	options->base_backoff_secs = gs_config_get_int(config, "sync", "base-backoff-secs");
	options->connect_timeout_ms = options->base_backoff_secs * 1000;
	options->max_backoff_secs = gs_config_get_int(config, "sync", "max-backoff-secs");
	options->quick_reconnect_secs = gs_config_get_int(config, "sync", "quick-reconnect-secs");
	options->daily_min_secs = gs_config_get_int(config, "sync", "daily-min-hours") * 3600;
	options->daily_max_secs = gs_config_get_int(config, "sync", "daily-max-hours") * 3600;
	options->rate_limit_cooldown_ms =
		gs_config_get_int(config, "sync", "rate-limit-cooldown-secs") * 1000;
	options->dead_after_secs = gs_config_get_int(config, "sync", "dead-after-hours") * 3600;
	options->naughty_expiry_secs =
		gs_config_get_int(config, "sync", "naughty-list-expiration-hours") * 3600;
	options->negentropy_frame_limit =
		gs_config_get_int(config, "sync", "negentropy-frame-limit");
	options->req_page_limit = gs_config_get_int(config, "sync", "req-page-limit");
	options->max_subscriptions =
		gs_config_get_int(config, "sync", "max-subscriptions-per-relay");
	options->max_event_bytes = gs_config_get_int(config, "sync", "max-event-bytes");
}

void
gs_sync_manager_options_clear(GsSyncManagerOptions *options)
{
	g_clear_pointer(&options->service_urls, g_strfreev);
	g_clear_pointer(&options->bootstrap_relays, g_strfreev);
}

/* control ------------------------------------------------------------------------------------- */

static GsSyncRelay *
gs_sync_manager_find(GsSyncManager *self, const gchar *url, GError **error)
{
	g_autofree gchar *normal = gs_relay_url_normalise(url, FALSE, error);
	GsSyncRelay *relay;

	if (normal == NULL)
		return NULL;
	relay = gs_sync_manager_lookup(self, normal);
	if (relay == NULL)
		g_set_error(
			error, GS_ERROR, GS_ERROR_NOT_FOUND, "relay %s is not followed", normal);
	return relay;
}

/**
 * gs_sync_manager_add_relay:
 * @bootstrap: keep following it whatever the targets say
 *
 * Follows @url until gs_sync_manager_remove_relay() (the D-Bus AddRelay).
 *
 * Returns: (transfer full): the normalised URL, or %NULL with %GS_ERROR_INVALID_ARGUMENT for a
 *   bad URL or one of our own service URLs
 */
gchar *
gs_sync_manager_add_relay(GsSyncManager *self, const gchar *url, gboolean bootstrap, GError **error)
{
	g_autofree gchar *normal = NULL;
	GsSyncTargets *targets;
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), NULL);
	normal = gs_relay_url_normalise(url, FALSE, error);
	if (normal == NULL)
		return NULL;
	targets = gs_sync_index_get_targets(self->index);
	if (gs_sync_targets_is_service_url(targets, normal)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "%s is one of our own service URLs",
			    normal);
		return NULL;
	}
	relay = gs_sync_manager_ensure_relay(self, normal, bootstrap);
	relay->pinned = TRUE;
	if (bootstrap && !relay->added_bootstrap) {
		/* asked for every target repository from now on */
		relay->added_bootstrap = TRUE;
		gs_sync_manager_apply_bootstrap(self);
	}
	relay->paused = FALSE;
	gs_sync_state_save_relay(self, relay);
	gs_sync_manager_maybe_connect(self, relay);
	gs_sync_manager_relay_changed(self, relay);
	return g_steal_pointer(&normal);
}

/* stops following a relay added with AddRelay; one the targets or the configuration name is
 * followed again at once, so it is refused */
gboolean
gs_sync_manager_remove_relay(GsSyncManager *self, const gchar *url, GError **error)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	relay = gs_sync_manager_find(self, url, error);
	if (relay == NULL)
		return FALSE;
	if (g_strv_contains((const gchar *const *)self->opts.bootstrap_relays, relay->url) ||
	    gs_sync_targets_has_relay(gs_sync_index_get_targets(self->index), relay->url)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "%s is named by the configuration or by a repository announcement",
			    relay->url);
		return FALSE;
	}
	gs_sync_manager_remove(self, relay);
	return TRUE;
}

static void
gs_sync_manager_resync_relay(GsSyncManager *self, GsSyncRelay *relay)
{
	relay->paused = FALSE;
	if (gs_sync_relay_is_live(relay)) {
		gs_sync_manager_begin_entry(self, relay, GS_SYNC_ENTRY_FRESH_START, -1);
		return;
	}
	relay->explicit_resync = TRUE;
	gs_sync_manager_maybe_connect(self, relay);
}

/* a fresh start of @url: now when it is connected, else at its next connection */
gboolean
gs_sync_manager_resync(GsSyncManager *self, const gchar *url, GError **error)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	relay = gs_sync_manager_find(self, url, error);
	if (relay == NULL)
		return FALSE;
	gs_sync_manager_resync_relay(self, relay);
	return TRUE;
}

void
gs_sync_manager_resync_all(GsSyncManager *self)
{
	GHashTableIter iter;
	gpointer value;

	g_return_if_fail(GS_IS_SYNC_MANAGER(self));
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		gs_sync_manager_resync_relay(self, value);
}

/**
 * gs_sync_manager_retry_failed:
 *
 * Runs again exactly the failed batches of @url (their items, with the method the relay now
 * allows). When they all complete the relay goes from connected-degraded to connected.
 *
 * Returns: %FALSE with %GS_ERROR_NOT_FOUND for an unknown relay, %GS_ERROR_BUSY when it is
 *   not connected or rate limited
 */
gboolean
gs_sync_manager_retry_failed(GsSyncManager *self, const gchar *url, GError **error)
{
	g_autoptr(GPtrArray) failed = NULL;
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	relay = gs_sync_manager_find(self, url, error);
	if (relay == NULL)
		return FALSE;
	if (!gs_sync_relay_can_subscribe(relay)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_BUSY,
			    "%s is not connected or is rate limited",
			    relay->url);
		return FALSE;
	}
	failed = gs_sync_index_take_failed_batches(self->index, relay->url);
	gs_sync_state_save_failed(self, relay);
	g_info("%s: retrying %u failed batches", relay->url, failed->len);
	relay->pass_started = g_get_monotonic_time();
	for (guint i = 0; i < failed->len; i++) {
		GsSyncBatch *batch = g_ptr_array_index(failed, i);
		gs_sync_runner_start_batch(self,
					   relay,
					   gs_sync_batch_get_repos(batch),
					   gs_sync_batch_get_roots(batch),
					   -1,
					   NULL);
	}
	gs_sync_state_save_relay(self, relay);
	gs_sync_manager_completion_check(self, relay);
	gs_sync_manager_relay_changed(self, relay);
	return TRUE;
}

/* connects @url now, whatever its backoff (D-Bus Relay.Reconnect); an open connection is
 * closed first and the new one catches up */
gboolean
gs_sync_manager_reconnect(GsSyncManager *self, const gchar *url, GError **error)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	relay = gs_sync_manager_find(self, url, error);
	if (relay == NULL)
		return FALSE;
	relay->paused = FALSE;
	if (gs_relay_connection_get_status(relay->conn) != GS_CONNECTION_STATUS_DISCONNECTED) {
		relay->closing = TRUE;
		gs_relay_connection_disconnect(relay->conn, "reconnect asked for");
	}
	if (self->running)
		gs_sync_manager_connect(self, relay);
	return TRUE;
}

/* closes @url and makes no attempt until gs_sync_manager_reconnect() (D-Bus Disconnect) */
gboolean
gs_sync_manager_disconnect_relay(GsSyncManager *self, const gchar *url, GError **error)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	relay = gs_sync_manager_find(self, url, error);
	if (relay == NULL)
		return FALSE;
	relay->paused = TRUE;
	if (gs_relay_connection_get_status(relay->conn) != GS_CONNECTION_STATUS_DISCONNECTED) {
		relay->closing = TRUE;
		gs_relay_connection_disconnect(relay->conn, "disconnect asked for");
	}
	gs_sync_manager_relay_changed(self, relay);
	return TRUE;
}

/* the health tracker follows the options */
static void
gs_sync_manager_apply_health(GsSyncManager *self)
{
	gs_health_tracker_set_backoff(
		self->health, self->opts.base_backoff_secs, self->opts.max_backoff_secs);
	gs_health_tracker_set_dead_after(self->health, self->opts.dead_after_secs);
	gs_health_tracker_set_rate_limit_cooldown(self->health, self->opts.rate_limit_cooldown_ms);
	gs_health_tracker_set_naughty_expiry(self->health, self->opts.naughty_expiry_secs);
}

/* bootstrap relays: those the configuration names and those added as bootstrap */
void
gs_sync_manager_apply_bootstrap(GsSyncManager *self)
{
	GsSyncTargets *targets = gs_sync_index_get_targets(self->index);
	g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsSyncRelay *relay = value;
		if (relay->added_bootstrap)
			g_ptr_array_add(urls, g_strdup(relay->url));
	}
	for (guint i = 0; self->opts.bootstrap_relays != NULL && self->opts.bootstrap_relays[i];
	     i++) {
		g_autofree gchar *url =
			gs_relay_url_normalise(self->opts.bootstrap_relays[i], FALSE, NULL);
		if (url != NULL && !gs_sync_targets_is_service_url(targets, url))
			g_ptr_array_add(urls, g_steal_pointer(&url));
	}
	g_ptr_array_add(urls, NULL);
	gs_sync_targets_set_bootstrap_relays(targets, (const gchar *const *)urls->pdata);
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsSyncRelay *relay = value;
		relay->bootstrap = gs_sync_targets_is_bootstrap(targets, relay->url);
	}
	for (guint i = 0; i + 1 < urls->len; i++)
		gs_sync_manager_ensure_relay(self, g_ptr_array_index(urls, i), TRUE);
}

/**
 * gs_sync_manager_reconfigure:
 * @options: the new options; the clock, the seed and the AUTH key are kept
 *
 * Applies a reloaded configuration (SIGHUP) to a running engine: service URLs and bootstrap
 * relays (new ones are followed at once; relays that are no longer bootstrap and that nothing
 * else names are dropped at the next tick), timers, backoff and the other limits. Open
 * connections keep their own timeouts until they reconnect.
 */
void
gs_sync_manager_reconfigure(GsSyncManager *self, const GsSyncManagerOptions *options)
{
	GsSyncManagerOptions old;
	GHashTableIter iter;
	gpointer value;

	g_return_if_fail(GS_IS_SYNC_MANAGER(self));
	g_return_if_fail(options != NULL);
	old = self->opts;
	self->opts = *options;
	self->opts.service_urls = g_strdupv(options->service_urls);
	self->opts.bootstrap_relays = g_strdupv(options->bootstrap_relays);
	self->opts.max_subscriptions = MAX(self->opts.max_subscriptions, 1);
	self->opts.clock = old.clock;
	self->opts.clock_data = old.clock_data;
	self->opts.seed = old.seed;
	self->opts.seckey = old.seckey;
	gs_sync_manager_options_clear(&old);
	gs_sync_targets_set_service_urls(gs_sync_index_get_targets(self->index),
					 (const gchar *const *)self->opts.service_urls);
	gs_sync_manager_apply_health(self);
	gs_sync_manager_apply_bootstrap(self);
	if (!self->running)
		return;
	gs_sync_manager_arm_timers(self);
	gs_sync_discovery_sync_relays(self);
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		gs_sync_manager_maybe_connect(self, value);
	g_info("sync reconfigured: %u relays", g_hash_table_size(self->relays));
}
