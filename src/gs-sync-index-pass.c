/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-sync-index-private.h"
#include "gs-sync-index.h"

/* how a relay enters a historic pass (fresh start, catch-up, a retry of the failed batches),
 * leaves it on a disconnect, and the completion check that ends it */

/* public API: sync entries and the completion check -------------------------------------------- */

/* a new historic pass on a live relay puts it back to syncing */
static void
gs_sync_index_begin_pass(GsSyncIndex *self, const gchar *relay, GsSyncRelayState *state)
{
	state->completed = FALSE;
	if (state->status == GS_CONNECTION_STATUS_CONNECTED ||
	    state->status == GS_CONNECTION_STATUS_CONNECTED_DEGRADED)
		gs_sync_index_change_status(self, relay, GS_CONNECTION_STATUS_SYNCING);
}

/**
 * gs_sync_index_begin_fresh_start:
 *
 * Prepares a fresh start of @relay (first connection, reconnection after the quick-reconnect
 * window, Resync, the daily pass): pending batches end aborted, confirmed items and the failed
 * list are cleared with the pass flags, and a live relay goes back to syncing. The caller then
 * sends L1 without `since` and creates L2/L3 work from gs_sync_index_diff().
 */
void
gs_sync_index_begin_fresh_start(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_if_fail(GS_IS_SYNC_INDEX(self));
	g_return_if_fail(relay != NULL && relay[0] != '\0');
	gs_sync_index_abort_pending(self, relay);
	state = gs_sync_index_relay(self, relay, TRUE);
	g_hash_table_remove_all(state->confirmed_repos);
	g_hash_table_remove_all(state->confirmed_roots);
	g_ptr_array_set_size(state->failed, 0);
	state->had_failures = FALSE;
	gs_sync_index_update_counts(self);
	gs_sync_index_begin_pass(self, relay, state);
}

/**
 * gs_sync_index_begin_catch_up:
 *
 * Prepares a catch-up of @relay (reconnection or restart within the quick-reconnect window):
 * pending batches end aborted, confirmed items are kept (the caller re-subscribes them with
 * `since`), failures already recorded stay until a fresh start or RetryFailed deals with them.
 */
void
gs_sync_index_begin_catch_up(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_if_fail(GS_IS_SYNC_INDEX(self));
	g_return_if_fail(relay != NULL && relay[0] != '\0');
	gs_sync_index_abort_pending(self, relay);
	state = gs_sync_index_relay(self, relay, TRUE);
	gs_sync_index_begin_pass(self, relay, state);
}

/**
 * gs_sync_index_take_failed_batches:
 *
 * For RetryFailed: hands over the relay's failed batches so that exactly their items (and
 * method) can be registered again, clears the list and the failure flag, and puts a live relay
 * back to syncing so that the completion check decides again.
 *
 * Returns: (transfer full) (element-type GsSyncBatch): the failed batches, oldest first
 */
GPtrArray *
gs_sync_index_take_failed_batches(GsSyncIndex *self, const gchar *relay)
{
	GPtrArray *out = NULL;
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), NULL);
	out = gs_sync_index_dup_failed_batches(self, relay);
	state = gs_sync_index_relay(self, relay, FALSE);
	if (state == NULL || out->len == 0)
		return out;
	g_ptr_array_set_size(state->failed, 0);
	state->had_failures = FALSE;
	gs_sync_index_update_counts(self);
	gs_sync_index_begin_pass(self, relay, state);
	return out;
}

/* the connection to @relay is lost: pending batches end aborted, confirmed items are kept */
void
gs_sync_index_relay_disconnected(GsSyncIndex *self, const gchar *relay)
{
	g_return_if_fail(GS_IS_SYNC_INDEX(self));
	g_return_if_fail(relay != NULL && relay[0] != '\0');
	gs_sync_index_abort_pending(self, relay);
	gs_sync_index_change_status(self, relay, GS_CONNECTION_STATUS_DISCONNECTED);
}

/**
 * gs_sync_index_completion_should_wait:
 *
 * Steps 1-2 of the completion check (specs/sync.md 4.4), after a batch ended or right after
 * connect: a syncing relay with no pending batch should wait `batch-window + 1 s` (the timer is
 * the caller's), so that discovery can turn fresh announcements and roots into new batches.
 *
 * Returns: %TRUE to arm the wait, %FALSE to stop (batches pending, or not syncing)
 */
gboolean
gs_sync_index_completion_should_wait(GsSyncIndex *self, const gchar *relay)
{
	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), FALSE);
	return gs_sync_index_get_relay_status(self, relay) == GS_CONNECTION_STATUS_SYNCING &&
	       gs_sync_index_get_n_pending(self, relay) == 0;
}

/**
 * gs_sync_index_completion_finish:
 *
 * Steps 3-4 of the completion check, when the wait is over: if batches appeared meanwhile (or
 * the relay left syncing) stop; otherwise the pass is complete: `historic_sync_completed`,
 * its time, and status connected, or connected-degraded when a batch of the pass failed.
 *
 * Returns: %TRUE when the relay completed its pass
 */
gboolean
gs_sync_index_completion_finish(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), FALSE);
	if (!gs_sync_index_completion_should_wait(self, relay))
		return FALSE;
	state = gs_sync_index_relay(self, relay, FALSE);
	state->completed = TRUE;
	state->completed_at = gs_sync_index_now(self);
	gs_sync_index_change_status(self,
				    relay,
				    state->had_failures ? GS_CONNECTION_STATUS_CONNECTED_DEGRADED
							: GS_CONNECTION_STATUS_CONNECTED);
	return TRUE;
}

/* GObject -------------------------------------------------------------------------------------- */
