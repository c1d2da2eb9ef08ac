/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-neg-session.h"
#include "gs-sync-run-private.h"

/*
 * The relay-wide reconciliation (docs/sync.md, "Historic batches"). A fresh start or daily
 * pass gives a relay one L2/L3 batch per 100 repositories and 100 roots, and each filter of
 * each batch is one NEG-OPEN naming its 100 values: every root id goes up three times (#e,
 * #E, #q), megabytes for a large history even when nothing differs. Instead, the batches a
 * relay gets at once (without `since`) first join one NEG session with the empty filter `{}`
 * over everything we hold or refused. Its "need" ids are every event the relay has and we
 * lack, a superset of what the batches' filters would have found (the local set of a filter is
 * the store's events matching it, so every id a batch would need is needed here too). The
 * first batch (the *owner*) fetches them through its usual `{ids}` rounds, with their retry
 * protection; the others wait and complete with it. Nothing is lost on any other path: when
 * the session costs more than the filters it replaces (its traffic, or 1 KiB for each id we
 * lack, against the bytes of those filters: a relay holding much that we do not want), the
 * relay refuses it, or the owner's fetch does not complete, every batch reconciles its own
 * filters as before. A relay that made it too costly is not asked again until our set has
 * grown by a tenth. Batches created later in the pass reconcile their own filters: their
 * live REQs opened after the wide session began.
 */

/* our set: beyond this the relay-wide session is not tried (strfry's maxSyncEvents) */
#define GS_SYNC_WIDE_MAX_ITEMS 1000000
/* what an id the relay has and we lack may cost to fetch, if we turn out not to want it */
#define GS_SYNC_WIDE_NEED_WEIGHT 1024
/* JSON of ["NEG-OPEN","<sub id>",...] and the first message, per filter replaced */
#define GS_SYNC_WIDE_FILTER_OVERHEAD 64

typedef enum {
	GS_SYNC_WIDE_GATHERING, /* batches join until the main loop is idle */
	GS_SYNC_WIDE_RUNNING,	/* the owner's session, then its fetch */
	GS_SYNC_WIDE_DONE,	/* either way: later batches of the pass use their filters */
} GsSyncWideState;

struct _GsSyncWide {
	GsSyncRelay *relay;
	gint64 pass; /* the relay's pass_started it belongs to */
	GsSyncWideState state;
	GsSyncRun *owner;   /* a reference */
	GPtrArray *waiters; /* of GsSyncRun references: the batches it stands for */
	guint64 budget;	    /* bytes of the filters it replaces */
	guint n_local;	    /* our set's size, once known */
	gboolean reconciled;
	gboolean success;      /* what the release tells the waiters */
	gboolean rebuild_live; /* the release changes the live subscriptions */
	guint idle_id;
};

static void
gs_sync_wide_free(GsSyncWide *wide)
{
	g_clear_handle_id(&wide->idle_id, g_source_remove);
	g_clear_pointer(&wide->owner, gs_sync_run_unref);
	g_ptr_array_unref(wide->waiters);
	g_free(wide);
}

/**
 * gs_sync_wide_live:
 *
 * Whether the relay's live L2/L3 subscriptions are the one REQ `{limit:0}`: while a relay-wide
 * session is gathering or running (it covers every event the relay has, so the live REQ that
 * covers every new one opens before it), and after one succeeded: a relay holding little we
 * do not want sends little we do not want. Not on a connection where the relay closed it
 * (some relays refuse filters that name nothing).
 */
gboolean
gs_sync_wide_live(GsSyncRelay *relay)
{
	GsSyncWide *wide = relay->wide;

	if (relay->wide_live_refused)
		return FALSE;
	if (wide != NULL && wide->state != GS_SYNC_WIDE_DONE &&
	    wide->budget >= relay->manager->opts.negentropy_wide_min_bytes)
		return TRUE;
	return relay->wide_live;
}

/* the relay's connection is gone, or the relay itself */
void
gs_sync_wide_clear(GsSyncRelay *relay)
{
	g_clear_pointer(&relay->wide, gs_sync_wide_free);
}

/* the waiters go on: complete (the owner fetched everything) or with their own filters */
static gboolean
gs_sync_wide_release_cb(gpointer user_data)
{
	GsSyncWide *wide = user_data;
	g_autoptr(GPtrArray) waiters = g_steal_pointer(&wide->waiters);
	GsSyncRelay *relay = wide->relay;

	wide->idle_id = 0;
	wide->waiters = g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_run_unref);
	for (guint i = 0; i < waiters->len; i++) {
		GsSyncRun *run = g_ptr_array_index(waiters, i);
		if (run->ended || run->phase != GS_SYNC_PHASE_NEG)
			continue;
		run->n_neg--;
		run->n_neg_waiting--;
		if (wide->success)
			gs_sync_run_check(run);
		else
			gs_sync_run_begin_neg_filters(run);
	}
	/* the items' live REQs after the sessions, as when a pass starts: a relay that takes 50
	 * subscriptions would otherwise give them all to live REQs and refuse the fetches */
	if (wide->rebuild_live) {
		wide->rebuild_live = FALSE;
		gs_sync_live_rebuild(relay->manager, relay);
	}
	gs_sync_runner_flush_waiters(relay);
	return G_SOURCE_REMOVE;
}

/* the session ran: @success says whether the relay is one to follow with `{}` */
static void
gs_sync_wide_release(GsSyncWide *wide, gboolean success)
{
	GsSyncRelay *relay = wide->relay;
	gboolean was_live = gs_sync_wide_live(relay);

	wide->state = GS_SYNC_WIDE_DONE;
	wide->success = success;
	relay->wide_live = success;
	wide->rebuild_live = was_live != success;
	g_clear_handle_id(&wide->idle_id, g_source_remove);
	wide->idle_id = g_idle_add(gs_sync_wide_release_cb, wide);
}

static guint64
gs_sync_wide_filters_bytes(GPtrArray *filters)
{
	guint64 bytes = 0;

	for (guint i = 0; i < filters->len; i++) {
		g_autofree gchar *json = gs_filter_to_json(g_ptr_array_index(filters, i));
		bytes += strlen(json) + GS_SYNC_WIDE_FILTER_OVERHEAD;
	}
	return bytes;
}

/* an item batch of a whole history (no `since`), on a relay whose pass has no wide session
 * yet, or one still gathering */
static gboolean
gs_sync_wide_eligible(GsSyncRun *run)
{
	GsSyncRelay *relay = run->relay;
	GsSyncWide *wide = relay->wide;

	if (run->manager->opts.negentropy_wide_min_bytes == 0 ||
	    (gs_sync_batch_get_repos(run->batch)->len == 0 &&
	     gs_sync_batch_get_roots(run->batch)->len == 0))
		return FALSE;
	for (guint i = 0; i < run->base->len; i++) {
		if (gs_filter_get_since(g_ptr_array_index(run->base, i)) >= 0)
			return FALSE;
	}
	if (wide == NULL)
		return TRUE;
	if (wide->pass == relay->pass_started)
		return wide->state == GS_SYNC_WIDE_GATHERING;
	/* an earlier pass's, finished and released */
	return wide->state == GS_SYNC_WIDE_DONE && wide->idle_id == 0;
}

static void
gs_sync_wide_start_cb(GsSyncRun *owner, gpointer data);

/* the batches of this turn of the main loop have joined: go, or leave them to their filters */
static gboolean
gs_sync_wide_gathered_cb(gpointer user_data)
{
	GsSyncWide *wide = user_data;
	GsSyncRun *owner = wide->owner;

	wide->idle_id = 0;
	if (owner->ended || wide->budget < owner->manager->opts.negentropy_wide_min_bytes) {
		gboolean was_live = gs_sync_wide_live(wide->relay);
		GsSyncRelay *relay = wide->relay;

		wide->state = GS_SYNC_WIDE_DONE;
		wide->rebuild_live = was_live != gs_sync_wide_live(relay);
		gs_sync_wide_release_cb(wide);
		return G_SOURCE_REMOVE;
	}
	g_debug("%s: one relay-wide negentropy session for %u batches (%" G_GUINT64_FORMAT
		" bytes of filters)",
		wide->relay->url,
		wide->waiters->len,
		wide->budget);
	wide->state = GS_SYNC_WIDE_RUNNING;
	/* the owner's wait for the session becomes its wait for a slot */
	g_ptr_array_remove_index(wide->waiters, 0);
	gs_sync_run_with_slot(owner, gs_sync_wide_start_cb, NULL, NULL);
	return G_SOURCE_REMOVE;
}

/**
 * gs_sync_wide_join:
 *
 * Lets the relay-wide reconciliation of the relay's pass stand for @run's negentropy phase,
 * when it is one of the batches that may use it.
 *
 * Returns: %TRUE when @run waits for it, %FALSE when @run reconciles its own filters
 */
gboolean
gs_sync_wide_join(GsSyncRun *run)
{
	GsSyncRelay *relay = run->relay;
	GsSyncWide *wide;

	if (!gs_sync_wide_eligible(run))
		return FALSE;
	if (relay->wide == NULL || relay->wide->pass != relay->pass_started) {
		gs_sync_wide_clear(relay);
		wide = g_new0(GsSyncWide, 1);
		wide->relay = relay;
		wide->pass = relay->pass_started;
		wide->waiters = g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_run_unref);
		wide->owner = gs_sync_run_ref(run);
		wide->idle_id = g_idle_add(gs_sync_wide_gathered_cb, wide);
		relay->wide = wide;
	}
	wide = relay->wide;
	wide->budget += gs_sync_wide_filters_bytes(run->base);
	g_ptr_array_add(wide->waiters, gs_sync_run_ref(run));
	/* a session waiting, so that nothing ends the phase meanwhile */
	run->n_neg++;
	run->n_neg_waiting++;
	return TRUE;
}

/* the owner's batch ended: the waiters complete with it when its fetch brought everything */
void
gs_sync_wide_run_ended(GsSyncRun *run, GsSyncOutcome outcome)
{
	GsSyncWide *wide = run->relay->wide;

	if (wide == NULL || wide->owner != run || wide->state != GS_SYNC_WIDE_RUNNING)
		return;
	gs_sync_wide_release(wide, outcome == GS_SYNC_OUTCOME_COMPLETE && wide->reconciled);
}

/* the relay did not deliver what it listed: each batch finds out for itself */
void
gs_sync_wide_owner_fell_back(GsSyncRun *run)
{
	GsSyncWide *wide = run->relay->wide;

	if (wide != NULL && wide->owner == run && wide->state == GS_SYNC_WIDE_RUNNING)
		gs_sync_wide_release(wide, FALSE);
}

/* the owner and the waiters reconcile their own filters; @remember: the relay made the
 * session too costly, or refused it */
static void
gs_sync_wide_decline(GsSyncWide *wide, GsSyncRun *owner, const GError *error, gboolean remember)
{
	g_info("%s: no relay-wide negentropy session: %s", wide->relay->url, error->message);
	if (remember)
		wide->relay->wide_declined_local = MAX(wide->n_local, 1);
	gs_sync_wide_release(wide, FALSE);
	gs_sync_run_begin_neg_filters(owner);
}

static void
gs_sync_wide_session_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GsSyncRun) owner = user_data;
	g_autoptr(GsNegSessionResult) result = NULL;
	g_autoptr(GError) error = NULL;
	GsSyncRelay *relay = owner->relay;
	GsSyncWide *wide;

	result = gs_neg_session_run_finish(res, &error);
	/* an ended run gave its session's slot back already, and its relay may be gone */
	if (owner->ended)
		return;
	owner->n_neg--;
	gs_sync_runner_release_slot(relay);
	wide = relay->wide;
	if (owner->phase != GS_SYNC_PHASE_NEG || wide == NULL || wide->owner != owner ||
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
	    g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED)) {
		gs_sync_runner_flush_waiters(relay);
		return;
	}
	if (error != NULL) {
		gs_sync_wide_decline(
			wide,
			owner,
			error,
			g_error_matches(error, GS_ERROR, GS_ERROR_TOO_LARGE) ||
				g_error_matches(error, GS_ERROR, GS_ERROR_UNSUPPORTED));
	} else {
		g_debug("%s: relay-wide session: %u ids lacking, %u rounds, %" G_GUINT64_FORMAT
			" + %" G_GUINT64_FORMAT " hex characters",
			relay->url,
			result->need->len,
			result->rounds,
			result->bytes_sent,
			result->bytes_received);
		wide->reconciled = TRUE;
		for (guint i = 0; i < result->need->len; i++) {
			GsNegentropyId *id = &g_array_index(result->need, GsNegentropyId, i);
			g_hash_table_add(owner->need, gs_hex_encode(id->bytes, sizeof(id->bytes)));
		}
		gs_sync_run_arm_timeout(owner);
		gs_sync_run_check(owner);
	}
	gs_sync_runner_flush_waiters(relay);
}

/* with a slot: our whole set against the relay's, `{}` */
static void
gs_sync_wide_start_cb(GsSyncRun *owner, gpointer data)
{
	GsSyncManager *self = owner->manager;
	GsSyncRelay *relay = owner->relay;
	GsSyncWide *wide = relay->wide;
	g_autoptr(GsFilter) all = gs_filter_new();
	g_autoptr(GsNegentropyStorage) local = NULL;
	g_autoptr(GError) error = NULL;

	owner->n_neg_waiting--;
	if (owner->ended || owner->phase != GS_SYNC_PHASE_NEG || wide == NULL ||
	    wide->owner != owner) {
		owner->n_neg--;
		gs_sync_runner_release_slot(relay);
		return;
	}
	local = gs_sync_run_local_set(owner, all, GS_SYNC_WIDE_MAX_ITEMS, &error);
	if (local != NULL) {
		wide->n_local = (guint)gs_negentropy_storage_get_size(local);
		if (relay->wide_declined_local > 0 &&
		    (guint64)wide->n_local * 10 < (guint64)relay->wide_declined_local * 11)
			g_set_error(&error,
				    GS_ERROR,
				    GS_ERROR_TOO_LARGE,
				    "too costly before, with %u of our events (now %u)",
				    relay->wide_declined_local,
				    wide->n_local);
	}
	if (error != NULL) {
		owner->n_neg--;
		gs_sync_runner_release_slot(relay);
		gs_sync_wide_decline(wide, owner, error, FALSE);
		return;
	}
	gs_neg_session_run_budget_async(relay->conn,
					all,
					local,
					self->opts.negentropy_frame_limit,
					self->opts.neg_timeout_ms,
					wide->budget,
					GS_SYNC_WIDE_NEED_WEIGHT,
					owner->cancellable,
					gs_sync_wide_session_cb,
					gs_sync_run_ref(owner));
}
