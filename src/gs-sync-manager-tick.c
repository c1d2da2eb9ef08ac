/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"
#include "gs-error.h"
#include "gs-relay-url.h"
#include "gs-sync-manager-private.h"
#include "gs-sync-rules.h"
#include <string.h>

/* the health tick (every health-tick-ms): per relay, connect when due, start the daily pass,
 * drop relays no longer targeted; and the timers of the drain and the tick */

static void
gs_sync_manager_daily_pass(GsSyncManager *self, GsSyncRelay *relay)
{
	gs_sync_manager_schedule_daily(self, relay);
	g_info("%s: daily pass", relay->url);
	gs_sync_manager_begin_entry(self, relay, GS_SYNC_ENTRY_FRESH_START, -1);
	relay->hist_source = GS_SYNC_EVENT_SOURCE_DAILY;
	gs_sync_state_save_relay(self, relay);
}

/* the periodic tick of section 6: due retries, removals, the daily pass, expiries */
static void
gs_sync_manager_tick_relay(GsSyncManager *self, GsSyncRelay *relay, gint64 now)
{
	if (relay->nip77 == GS_SYNC_NIP77_NO &&
	    now - relay->nip77_learned_at >= self->opts.negentropy_unsupported_secs) {
		relay->nip77 = GS_SYNC_NIP77_UNKNOWN;
		gs_sync_state_save_relay(self, relay);
	}
	if (gs_relay_connection_get_status(relay->conn) == GS_CONNECTION_STATUS_DISCONNECTED) {
		gs_sync_manager_maybe_connect(self, relay);
		return;
	}
	if (relay->next_daily_at > 0 && now >= relay->next_daily_at &&
	    gs_sync_relay_can_subscribe(relay) &&
	    gs_sync_index_get_historic_sync_completed(self->index, relay->url))
		gs_sync_manager_daily_pass(self, relay);
}

/* the rejected index is saved now and then, not only at shutdown, so that a crash keeps most
 * of it */
#define GS_SYNC_REJECTED_SAVE_SECS 300

static gboolean
gs_sync_manager_tick_cb(gpointer user_data)
{
	GsSyncManager *self = GS_SYNC_MANAGER(user_data);
	g_autofree gpointer *urls = NULL;
	gint64 now = gs_sync_manager_now(self);
	guint n = 0;

	gs_health_tracker_tick(self->health);
	gs_sync_state_flush_confirmed(self);
	if (now - self->rejected_saved_at >= GS_SYNC_REJECTED_SAVE_SECS) {
		self->rejected_saved_at = now;
		gs_sync_state_save_rejected(self);
	}
	urls = g_hash_table_get_keys_as_array(self->relays, &n);
	for (guint i = 0; i < n; i++) {
		GsSyncRelay *relay = gs_sync_manager_lookup(self, urls[i]);
		if (relay == NULL)
			continue;
		if (!gs_sync_relay_is_wanted(self, relay))
			gs_sync_manager_remove(self, relay);
		else
			gs_sync_manager_tick_relay(self, relay, now);
	}
	/* historic work that waited for the ingest's backlog starts again (on every relay:
	 * gs_sync_runner_backlogged() schedules it) */
	if (self->backlogged)
		gs_sync_runner_backlogged(self);
	return G_SOURCE_CONTINUE;
}

/* the discovery drain (every batch-window) and the health tick, (re)started */
void
gs_sync_manager_arm_timers(GsSyncManager *self)
{
	g_clear_handle_id(&self->drain_id, g_source_remove);
	g_clear_handle_id(&self->tick_id, g_source_remove);
	self->drain_id =
		g_timeout_add(self->opts.batch_window_ms, gs_sync_discovery_drain_cb, self);
	self->tick_id = g_timeout_add(self->opts.health_tick_ms, gs_sync_manager_tick_cb, self);
}
