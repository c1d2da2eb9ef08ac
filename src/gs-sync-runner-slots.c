/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-sync-run-private.h"

/*
 * Slots: the relay's subscription budget, shared by its historic batches. Each REQ stream and
 * NEG session of a batch holds a slot while it is open; what does not fit waits in the
 * relay's line, in order, and runs when a slot is given back (specs/sync.md 4, docs/sync.md
 * "Historic batches").
 */

/* live subscriptions (one per layer) plus one spare are kept out of the historic budget */
#define GS_SYNC_RUN_LIVE_RESERVE 4

/* the subscriptions (REQs and NEG sessions) we keep open on @relay at most: ours
 * (`max-subscriptions-per-relay`), or fewer when the relay says it takes fewer (NIP-11) */
guint
gs_sync_relay_budget(GsSyncRelay *relay)
{
	guint budget = relay->manager->opts.max_subscriptions;

	if (relay->max_subs > 0)
		budget = MIN(budget, relay->max_subs);
	return MAX(budget, 1);
}

static guint
gs_sync_runner_cap(GsSyncRelay *relay)
{
	guint budget = gs_sync_relay_budget(relay);
	/* the live REQs open now (more than one per layer when a layer is large), one spare */
	guint live = MAX(gs_sync_live_n_open(relay) + 1, GS_SYNC_RUN_LIVE_RESERVE);
	guint cap = budget > live + 1 ? budget - live : 1;

	if (relay->learned_cap > 0)
		cap = MIN(cap, relay->learned_cap);
	return cap;
}

static GsSyncSlotWaiter *
gs_sync_slot_waiter_new(GsSyncRun *run, GsSyncSlotFunc func, gpointer data, GDestroyNotify free)
{
	GsSyncSlotWaiter *waiter = g_new0(GsSyncSlotWaiter, 1);

	waiter->run = gs_sync_run_ref(run);
	waiter->func = func;
	waiter->data = data;
	waiter->data_free = free;
	return waiter;
}

static void
gs_sync_slot_waiter_free(GsSyncSlotWaiter *waiter)
{
	if (waiter->data_free != NULL)
		waiter->data_free(waiter->data);
	gs_sync_run_unref(waiter->run);
	g_free(waiter);
}

/* runs waiting work while the relay takes new subscriptions, slots are free and the ingest
 * keeps up */
void
gs_sync_runner_flush_waiters(GsSyncRelay *relay)
{
	while (relay->waiters_retry_id == 0 && gs_sync_relay_can_subscribe(relay) &&
	       relay->n_slots < gs_sync_runner_cap(relay) && !g_queue_is_empty(&relay->waiters) &&
	       !gs_sync_runner_backlogged(relay->manager)) {
		GsSyncSlotWaiter *waiter = g_queue_pop_head(&relay->waiters);
		relay->n_slots++;
		waiter->func(waiter->run, waiter->data);
		waiter->data_free = NULL; /* the function took it */
		gs_sync_slot_waiter_free(waiter);
	}
}

void
gs_sync_runner_clear_waiters(GsSyncRelay *relay)
{
	GsSyncSlotWaiter *waiter;

	g_clear_handle_id(&relay->waiters_retry_id, g_source_remove);
	while ((waiter = g_queue_pop_head(&relay->waiters)) != NULL)
		gs_sync_slot_waiter_free(waiter);
}

static gboolean
gs_sync_runner_retry_cb(gpointer user_data)
{
	GsSyncRelay *relay = user_data;

	relay->waiters_retry_id = 0;
	gs_sync_runner_flush_waiters(relay);
	return G_SOURCE_REMOVE;
}

/* the connection refused a subscription for its own budget (full of live REQs, which hold no
 * slot): @func waits first in line, and the line moves again in a second, not at once (that
 * would loop for as long as the budget stays full) */
void
gs_sync_run_retry_with_slot(GsSyncRun *run, GsSyncSlotFunc func, gpointer data)
{
	GsSyncRelay *relay = run->relay;

	g_queue_push_head(&relay->waiters, gs_sync_slot_waiter_new(run, func, data, NULL));
	if (relay->waiters_retry_id == 0)
		relay->waiters_retry_id = g_timeout_add_seconds(1, gs_sync_runner_retry_cb, relay);
}

void
gs_sync_runner_release_slot(GsSyncRelay *relay)
{
	if (relay->n_slots > 0)
		relay->n_slots--;
}

/* @func gets a slot and takes @data; while none is free it waits, in order */
void
gs_sync_run_with_slot(GsSyncRun *run, GsSyncSlotFunc func, gpointer data, GDestroyNotify free)
{
	g_queue_push_tail(&run->relay->waiters, gs_sync_slot_waiter_new(run, func, data, free));
	gs_sync_runner_flush_waiters(run->relay);
}

void
gs_sync_run_drop_waiters(GsSyncRun *run)
{
	GList *l = run->relay->waiters.head;

	while (l != NULL) {
		GList *next = l->next;
		GsSyncSlotWaiter *waiter = l->data;
		if (waiter->run == run) {
			g_queue_delete_link(&run->relay->waiters, l);
			gs_sync_slot_waiter_free(waiter);
		}
		l = next;
	}
}
