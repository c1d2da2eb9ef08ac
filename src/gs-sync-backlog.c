/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-sync-run-private.h"

/* Backpressure from the ingest to historic work (docs/sync.md, "Historic batches"). */

/**
 * gs_sync_backlog_update:
 * @paused: whether historic work waits now
 * @events: the events pending in the ingest
 * @bytes: their JSON bytes
 * @max_events: the events from which it waits, 0 for no limit
 * @max_bytes: the bytes from which it waits, 0 for no limit
 *
 * The hysteresis of the ingest backpressure: historic work starts to wait when either limit is
 * reached, and resumes once both are under half of theirs, so that it does not start and stop
 * with every slice the ingest stores.
 *
 * Returns: whether historic work waits now
 */
gboolean
gs_sync_backlog_update(gboolean paused,
		       guint64 events,
		       guint64 bytes,
		       guint64 max_events,
		       guint64 max_bytes)
{
	if (!paused)
		return (max_events > 0 && events >= max_events) ||
		       (max_bytes > 0 && bytes >= max_bytes);
	return !((max_events == 0 || events < max_events / 2) &&
		 (max_bytes == 0 || bytes < max_bytes / 2));
}

/*
 * Events from historic REQ pages and NEG fetches arrive much faster than the ingest verifies
 * and stores them (bench/sync: 97 MB received, 20,840 stored 61 s in), and each waits in the
 * ingest as JSON and then as a parsed event. So no new historic subscription or NEG session
 * starts while the ingest's backlog is high: the work waits for a slot as it does for the
 * relay's budget (the batch timeout does not run meanwhile). What is open goes on, so no event
 * is dropped, and live subscriptions are not historic work. Checked whenever a slot is asked
 * for or freed, and on the health tick, which starts the waiting work again.
 */
static gboolean
gs_sync_runner_resume_cb(gpointer user_data)
{
	GsSyncManager *self = GS_SYNC_MANAGER(user_data);
	GHashTableIter iter;
	gpointer relay;

	self->resume_id = 0;
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &relay))
		gs_sync_runner_flush_waiters(relay);
	return G_SOURCE_REMOVE;
}

gboolean
gs_sync_runner_backlogged(GsSyncManager *self)
{
	gboolean paused = gs_sync_backlog_update(self->backlogged,
						 gs_ingest_get_pending(self->ingest),
						 gs_ingest_get_pending_bytes(self->ingest),
						 self->opts.ingest_backlog_events,
						 self->opts.ingest_backlog_bytes);

	if (paused && !self->backlogged) {
		self->backlog_pauses++;
		g_debug("historic sync waits for the ingest (%u events pending)",
			gs_ingest_get_pending(self->ingest));
	} else if (!paused && self->backlogged) {
		g_debug("historic sync resumes (%u events pending in the ingest)",
			gs_ingest_get_pending(self->ingest));
		/* whoever noticed first (one relay's flush, the tick), every relay's waiting
		 * work starts again */
		if (self->resume_id == 0)
			self->resume_id = g_idle_add_full(G_PRIORITY_DEFAULT,
							  gs_sync_runner_resume_cb,
							  g_object_ref(self),
							  g_object_unref);
	}
	self->backlogged = paused;
	return paused;
}
