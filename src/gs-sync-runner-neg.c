/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-neg-session.h"
#include "gs-sync-run-private.h"

/*
 * The negentropy phase of a historic batch (specs/sync.md 8): one NIP-77 session per filter
 * over the local set (the store's events plus the ids we refused before), then the ids the
 * relay has and we lack go to the fetch rounds of gs-sync-runner.c. "No NIP-77" is
 * remembered for the relay; it and any transient failure send the batch to REQ+EOSE at once.
 */

#define GS_SYNC_RUN_MAX_NEG_ITEMS 5000000
#define GS_SYNC_RUN_NEG_BUDGET_RETRIES 8

/* one NEG session of a run, for its filter */
typedef struct {
	GsSyncRun *run; /* a reference */
	GsFilter *filter;
	guint budget_retries;
} GsSyncNegCall;

static void
gs_sync_neg_call_free(GsSyncNegCall *call)
{
	gs_sync_run_unref(call->run);
	gs_filter_unref(call->filter);
	g_free(call);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsSyncNegCall, gs_sync_neg_call_free)

static void
gs_sync_run_neg_start(GsSyncRun *run, gpointer data);

/* queues @call (taken) for a slot */
static void
gs_sync_run_neg_queue(GsSyncRun *run, GsSyncNegCall *call)
{
	run->n_neg++;
	run->n_neg_waiting++;
	gs_sync_run_with_slot(
		run, gs_sync_run_neg_start, call, (GDestroyNotify)gs_sync_neg_call_free);
}

void
gs_sync_run_fallback(GsSyncRun *run, const gchar *reason)
{
	g_info("%s: batch %" G_GUINT64_FORMAT " falls back to REQ+EOSE (%s)",
	       run->relay->url,
	       gs_sync_batch_get_id(run->batch),
	       reason);
	gs_sync_relay_count_reason(run->relay->fallback_reasons, reason);
	gs_sync_wide_owner_fell_back(run);
	run->phase = GS_SYNC_PHASE_REQ;
	/* the filters already fetched with REQ are fetched again with the others */
	gs_sync_run_drop_streams(run);
	/* sessions still waiting for a slot never start */
	gs_sync_run_drop_waiters(run);
	run->n_neg -= run->n_neg_waiting;
	run->n_neg_waiting = 0;
	/* the L1 batch keeps its recorded method (the index lets only item batches fall back);
	 * the run counts what it did */
	gs_sync_batch_begin_fallback(run->batch);
	gs_sync_run_begin_req(run);
	/* the running sessions end as cancelled, after the streams exist, so that their ends
	 * cannot end the batch early */
	g_cancellable_cancel(run->cancellable);
}

/* ids the relay has and we lack, minus those stored since or refused before, and those
 * another batch on the relay fetches now (an event matching the filters of two batches, such
 * as a status event naming a repository and a root, comes once) */
static GPtrArray *
gs_sync_run_missing(GsSyncRun *run)
{
	GsSyncManager *self = run->manager;
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, run->need);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		GsSyncRun *owner = g_hash_table_lookup(run->relay->fetching, key);
		if (owner != NULL && owner != run)
			continue;
		if (g_hash_table_contains(run->req_seen, key))
			continue;
		if (self->rejected != NULL && gs_rejected_index_contains(self->rejected, key))
			continue;
		g_ptr_array_add(ids, g_strdup(key));
	}
	/* at once: the store's id filter answers most "not stored" without a lookup; an id whose
	 * lookup fails is fetched */
	gs_store_remove_stored(self->store, ids, NULL);
	g_ptr_array_sort(ids, gs_sync_run_strcmp);
	return ids;
}

void
gs_sync_run_neg_done(GsSyncRun *run)
{
	g_autoptr(GPtrArray) ids = gs_sync_run_missing(run);

	if (run->neg_ran && run->relay->nip77 != GS_SYNC_NIP77_YES) {
		run->relay->nip77 = GS_SYNC_NIP77_YES;
		run->relay->nip77_learned_at = gs_sync_manager_now(run->manager);
		gs_sync_state_save_relay(run->manager, run->relay);
	}
	g_debug("%s: batch %" G_GUINT64_FORMAT " reconciled: %u ids to fetch",
		run->relay->url,
		gs_sync_batch_get_id(run->batch),
		ids->len);
	if (ids->len == 0) {
		gs_sync_run_finish(run, GS_SYNC_OUTCOME_COMPLETE, NULL);
		return;
	}
	gs_sync_batch_add_requested_ids(run->batch, ids);
	gs_sync_run_begin_fetch(run, ids);
}

/* a relay that refuses a NEG-OPEN for its subscription budget speaks NIP-77 all the same:
 * stay under what it allowed and open the session again later */
static gboolean
gs_sync_run_neg_over_budget(GsSyncRun *run, GsSyncNegCall *call, const GError *error)
{
	GsSyncRelay *relay = run->relay;

	if (error == NULL ||
	    !(gs_sync_text_is_sub_limit(error->message) ||
	      g_error_matches(error, GS_ERROR, GS_ERROR_BUSY)) ||
	    call->budget_retries++ >= GS_SYNC_RUN_NEG_BUDGET_RETRIES)
		return FALSE;
	gs_sync_runner_learn_cap(relay, error->message, relay->n_slots);
	gs_sync_run_neg_queue(run, call);
	return TRUE;
}

static void
gs_sync_run_neg_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GsSyncNegCall) call = user_data;
	g_autoptr(GsSyncRun) run = gs_sync_run_ref(call->run);
	g_autoptr(GsNegSessionResult) result = NULL;
	g_autoptr(GError) error = NULL;
	GsSyncRelay *relay = run->relay;

	result = gs_neg_session_run_finish(res, &error);
	/* an ended run gave its sessions' slots back already, and its relay may be gone */
	if (run->ended)
		return;
	run->n_neg--;
	gs_sync_runner_release_slot(relay);
	if (run->phase != GS_SYNC_PHASE_NEG ||
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)) {
		if (run->phase != GS_SYNC_PHASE_NEG)
			gs_sync_run_check(run);
		gs_sync_runner_flush_waiters(relay);
		return;
	}
	if (gs_sync_run_neg_over_budget(run, call, error)) {
		g_steal_pointer(&call);
		gs_sync_runner_flush_waiters(relay);
		return;
	}
	if (error != NULL) {
		const gchar *reason = "error";
		if (g_error_matches(error, GS_ERROR, GS_ERROR_UNSUPPORTED)) {
			reason = "unsupported";
			relay->nip77 = GS_SYNC_NIP77_NO;
			relay->nip77_learned_at = gs_sync_manager_now(run->manager);
			gs_sync_state_save_relay(run->manager, relay);
			gs_sync_manager_relay_changed(run->manager, relay);
		} else if (g_error_matches(error, GS_ERROR, GS_ERROR_TIMEOUT)) {
			reason = "timeout";
		}
		g_debug("%s: negentropy: %s", relay->url, error->message);
		gs_sync_run_fallback(run, reason);
	} else {
		for (guint i = 0; i < result->need->len; i++) {
			GsNegentropyId *id = &g_array_index(result->need, GsNegentropyId, i);
			g_hash_table_add(run->need, gs_hex_encode(id->bytes, sizeof(id->bytes)));
		}
		run->neg_ran = TRUE;
		gs_sync_run_arm_timeout(run);
		gs_sync_run_check(run);
	}
	gs_sync_runner_flush_waiters(relay);
}

static void
gs_sync_run_add_items(GsNegentropyStorage *storage, GArray *items)
{
	for (guint i = 0; i < items->len; i++) {
		GsStoreItem *item = &g_array_index(items, GsStoreItem, i);
		gs_negentropy_storage_add(storage, item->created_at, item->id, NULL);
	}
}

/* the local set for @filter (sections 8 and 14): the store's events, the versions it holds
 * newer ones of, the events their authors deleted, and the ids we refused before; whatever
 * we do not want again is in it, so relays holding it do not make us fetch it again. More
 * than @max_items of any kind is an error. */
GsNegentropyStorage *
gs_sync_run_local_set(GsSyncRun *run, GsFilter *filter, guint max_items, GError **error)
{
	GsSyncManager *self = run->manager;
	g_autoptr(GArray) items = NULL;
	g_autoptr(GArray) superseded = NULL;
	g_autoptr(GArray) deleted = NULL;
	g_autoptr(GArray) refused = NULL;
	g_autoptr(GsNegentropyStorage) storage = NULL;
	gint64 since = gs_filter_get_since(filter);

	if (!gs_store_query_items(self->store, filter, max_items, &items, error) ||
	    !gs_store_query_superseded_items(self->store, filter, max_items, &superseded, error) ||
	    !gs_store_query_deleted_items(self->store, filter, max_items, &deleted, error))
		return NULL;
	if (self->rejected != NULL)
		refused = gs_rejected_index_dup_items(self->rejected);
	storage = gs_negentropy_storage_new(items->len + superseded->len + deleted->len +
					    (refused ? refused->len : 0));
	gs_sync_run_add_items(storage, items);
	gs_sync_run_add_items(storage, superseded);
	gs_sync_run_add_items(storage, deleted);
	for (guint i = 0; refused != NULL && i < refused->len; i++) {
		GsStoreItem *item = &g_array_index(refused, GsStoreItem, i);
		if (since < 0 || (gint64)item->created_at >= since)
			gs_negentropy_storage_add(storage, item->created_at, item->id, NULL);
	}
	gs_negentropy_storage_seal(storage);
	return g_steal_pointer(&storage);
}

/* no other relay is in a historic pass or has historic batches in flight: none can deliver
 * the same events meanwhile. With several, a reconciliation that ends after another relay's
 * copies were stored fetches only what is still missing, where a REQ would bring (and parse)
 * every copy again. */
static gboolean
gs_sync_run_fetches_alone(GsSyncRun *run)
{
	GsSyncIndex *index = run->manager->index;
	GHashTableIter iter;
	gpointer value;

	if (gs_sync_index_get_n_pending_total(index) !=
	    gs_sync_index_get_n_pending(index, run->relay->url))
		return FALSE;
	g_hash_table_iter_init(&iter, run->manager->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (value != run->relay && ((GsSyncRelay *)value)->pass_started > 0)
			return FALSE;
	}
	return TRUE;
}

static void
gs_sync_run_neg_start(GsSyncRun *run, gpointer data)
{
	g_autoptr(GsSyncNegCall) call = data;
	g_autoptr(GsNegentropyStorage) local = NULL;
	g_autoptr(GError) error = NULL;
	GsSyncManager *self = run->manager;
	GsFilter *filter;

	run->n_neg_waiting--;
	if (run->ended || run->phase != GS_SYNC_PHASE_NEG) {
		run->n_neg--;
		gs_sync_runner_release_slot(run->relay);
		return;
	}
	local = gs_sync_run_local_set(run, call->filter, GS_SYNC_RUN_MAX_NEG_ITEMS, &error);
	if (local == NULL) {
		run->n_neg--;
		gs_sync_runner_release_slot(run->relay);
		g_debug("%s: no local set: %s", run->relay->url, error->message);
		gs_sync_run_fallback(run, "local-set");
		return;
	}
	filter = call->filter;
	if (self->opts.negentropy_req_max_local >= 0 &&
	    gs_negentropy_storage_get_size(local) <= (gsize)self->opts.negentropy_req_max_local &&
	    !gs_sync_batch_is_layer1(run->batch) && gs_sync_run_fetches_alone(run)) {
		/* nothing here to reconcile: the session would list every id of the relay's
		 * set, to be asked for by id in a second round trip; a REQ brings the events */
		run->n_neg--;
		gs_sync_run_req_filter(run, filter);
		return;
	}
	gs_neg_session_run_async(run->relay->conn,
				 filter,
				 local,
				 self->opts.negentropy_frame_limit,
				 self->opts.neg_timeout_ms,
				 run->cancellable,
				 gs_sync_run_neg_cb,
				 g_steal_pointer(&call));
}

/* one session per filter of the batch */
void
gs_sync_run_begin_neg_filters(GsSyncRun *run)
{
	for (guint i = 0; i < run->base->len; i++) {
		GsSyncNegCall *call = g_new0(GsSyncNegCall, 1);
		call->run = gs_sync_run_ref(run);
		call->filter = gs_filter_ref(g_ptr_array_index(run->base, i));
		gs_sync_run_neg_queue(run, call);
	}
}

void
gs_sync_run_begin_neg(GsSyncRun *run)
{
	run->phase = GS_SYNC_PHASE_NEG;
	/* a relay-wide reconciliation may do it for the batch (gs-sync-runner-wide.c) */
	if (!gs_sync_wide_join(run))
		gs_sync_run_begin_neg_filters(run);
}
