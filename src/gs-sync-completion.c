/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif

#include "gs-sync-manager-private.h"

/*
 * The end of a historic pass (specs/sync.md 4.4): the completion check after each batch end,
 * after connect and when the ingest has decided everything it held; what a completed pass
 * releases (held live REQs, memory).
 */

/*
 * Once no relay has a historic pass running, the memory the passes used (events in flight to
 * the ingest, negentropy sets, REQ texts) is free but mostly stays with the process: glibc
 * returns only the top of its heap, and live blocks sit above the freed ones. The store's page
 * cache is emptied (it is read again from the OS cache when needed) and the heap trimmed, which
 * hands the free pages back (bench/sync-scale, 200 relays: RSS 285 -> 167-198 MiB). It runs
 * when a pass ends and no other is running, so at most once per wave of passes.
 */
static void
gs_sync_manager_trim_if_idle(GsSyncManager *self)
{
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (((GsSyncRelay *)value)->pass_started > 0)
			return;
	}
	self->memory_trims++;
	gs_sync_intake_forget_stored(self);
	/* SQLite's page cache too: its pages are spread all over the heap, pinning it */
	gs_store_release_memory(self->store);
#ifdef HAVE_MALLOC_TRIM
	malloc_trim(0);
#endif
}

/* nothing fetched can still become work for @relay: the ingest decided every event it held,
 * discovery drained what was stored, and L1 and rate limits are not in the way */
gboolean
gs_sync_manager_settled(GsSyncManager *self, GsSyncRelay *relay)
{
	return gs_ingest_get_pending(self->ingest) == 0 && self->queue->len == 0 &&
	       !relay->l1_wanted && !gs_health_tracker_is_rate_limited(self->health, relay->url);
}

/* live REQs held during a pass catch up from this long before it began (clock skew) */
#define GS_SYNC_HELD_MARGIN_SECS 60

static gboolean
gs_sync_manager_completion_cb(gpointer user_data)
{
	GsSyncRelay *relay = user_data;
	GsSyncManager *self = relay->manager;
	gdouble secs;

	relay->completion_id = 0;
	/* stored events not yet turned into work: turn them now */
	if (self->queue->len > 0 && gs_ingest_get_pending(self->ingest) == 0)
		gs_sync_discovery_drain_cb(self);
	/* fetched events still on their way to the store, or stored ones not yet turned into
	 * work, may bring new batches: wait for them */
	if (!gs_sync_manager_settled(self, relay) ||
	    !gs_sync_index_completion_should_wait(self->index, relay->url)) {
		gs_sync_manager_completion_check(self, relay);
		return G_SOURCE_REMOVE;
	}
	if (!gs_sync_index_completion_finish(self->index, relay->url))
		return G_SOURCE_REMOVE;
	secs = relay->pass_started > 0
		       ? (gdouble)(g_get_monotonic_time() - relay->pass_started) / G_USEC_PER_SEC
		       : 0;
	relay->pass_started = 0;
	gs_sync_live_release_held(
		relay, gs_sync_manager_now(self) - (gint64)secs - GS_SYNC_HELD_MARGIN_SECS);
	/* batches from now on fetch the history of items discovered while live */
	relay->hist_source = GS_SYNC_EVENT_SOURCE_CATCHUP;
	relay->hist_gap = FALSE;
	self->durations.sum += secs;
	self->durations.count++;
	for (guint i = 0; i < GS_SYNC_DURATION_BUCKETS; i++) {
		if (secs <= self->durations.bounds[i]) {
			self->durations.counts[i]++;
			break;
		}
	}
	g_info("%s: historic sync %s in %.1f s",
	       relay->url,
	       gs_sync_index_get_historic_sync_had_failures(self->index, relay->url)
		       ? "completed with failures"
		       : "completed",
	       secs);
	gs_sync_state_save_relay(self, relay);
	gs_sync_manager_relay_changed(self, relay);
	gs_sync_manager_trim_if_idle(self);
	return G_SOURCE_REMOVE;
}

/* the completion check of section 4.4, (re)started after each batch end, after connect and
 * when the ingest has decided every event it held: once nothing fetched can become new work
 * any more (gs_sync_manager_settled()) it runs at once, else it waits batch-window + 1 s */
void
gs_sync_manager_completion_check(GsSyncManager *self, GsSyncRelay *relay)
{
	g_clear_handle_id(&relay->completion_id, g_source_remove);
	if (!gs_sync_index_completion_should_wait(self->index, relay->url))
		return;
	if (gs_sync_manager_settled(self, relay))
		relay->completion_id = g_idle_add(gs_sync_manager_completion_cb, relay);
	else
		relay->completion_id =
			g_timeout_add(self->opts.batch_window_ms + self->opts.completion_extra_ms,
				      gs_sync_manager_completion_cb,
				      relay);
}

static gboolean
gs_sync_manager_settle_cb(gpointer user_data)
{
	GsSyncManager *self = GS_SYNC_MANAGER(user_data);
	GHashTableIter iter;
	gpointer value;

	self->settle_id = 0;
	if (!self->running || gs_ingest_get_pending(self->ingest) > 0)
		return G_SOURCE_REMOVE;
	if (self->queue->len > 0)
		gs_sync_discovery_drain_cb(self);
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsSyncRelay *relay = value;
		if (relay->completion_id != 0)
			gs_sync_manager_completion_check(self, relay);
	}
	return G_SOURCE_REMOVE;
}

/**
 * gs_sync_manager_ingest_idle:
 *
 * The ingest is deciding the last event it held: once it is done, what was stored becomes
 * work at once (discovery drains), and relays waiting for their completion check run it at
 * once when nothing else can come (gs_sync_manager_settled()).
 */
void
gs_sync_manager_ingest_idle(GsSyncManager *self)
{
	if (self->settle_id == 0 && self->running)
		self->settle_id = g_idle_add_full(G_PRIORITY_DEFAULT,
						  gs_sync_manager_settle_cb,
						  g_object_ref(self),
						  g_object_unref);
}
