/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-enums-types.h"
#include "gs-error.h"
#include "gs-filter.h"
#include "gs-sync-batch-private.h"
#include "gs-sync-index-private.h"
#include "gs-sync-relay-state.h"
#include "gs-sync-rules.h"

/*
 * The three indexes of the sync engine (specs/sync.md 5):
 * - targets: what we want (#GsSyncTargets, owned here, filled by the caller);
 * - pending: historic batches in flight, per relay;
 * - confirmed: items whose historic batch ended on a relay, per relay.
 * The three-way diff `new = targets - pending - confirmed` is the one place that decides which
 * new historic work to create. Nothing here does I/O or runs timers: the caller owns the
 * connections and the timers, and asks this object what to do.
 */

enum { PROP_0, PROP_PENDING_BATCHES, PROP_FAILED_BATCHES, PROP_REPOS, PROP_ROOT_EVENTS, N_PROPS };
static GParamSpec *props[N_PROPS] = {NULL};

enum { SIGNAL_BATCH_STARTED, SIGNAL_BATCH_FINISHED, SIGNAL_RELAY_STATUS_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS] = {0};

G_DEFINE_FINAL_TYPE(GsSyncIndex, gs_sync_index, G_TYPE_OBJECT)

GHashTable *
gs_sync_set_new(void)
{
	return g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
}

/* the nick of an enum value: the one spelling used in logs, metrics and D-Bus */
static const gchar *
gs_sync_index_nick(GType type, gint value)
{
	g_autoptr(GEnumClass) klass = g_type_class_ref(type);
	GEnumValue *found = g_enum_get_value(klass, value);
	return found != NULL ? found->value_nick : "unknown";
}

/* returns: (nullable): the state of @relay (nullable), created when @create */
GsSyncRelayState *
gs_sync_index_relay(GsSyncIndex *self, const gchar *relay, gboolean create)
{
	GsSyncRelayState *state;

	if (relay == NULL)
		return NULL;
	state = g_hash_table_lookup(self->relays, relay);
	if (state != NULL || !create)
		return state;
	state = gs_sync_relay_state_new();
	g_hash_table_insert(self->relays, g_strdup(relay), state);
	return state;
}

gint64
gs_sync_index_now(GsSyncIndex *self)
{
	if (self->clock != NULL)
		return self->clock(self->clock_data);
	return g_get_real_time() / G_USEC_PER_SEC;
}

/* notifies each batch count property whose value changed since the last call */
void
gs_sync_index_update_counts(GsSyncIndex *self)
{
	guint n_pending = gs_sync_index_get_n_pending_total(self);
	guint n_failed = gs_sync_index_get_n_failed_total(self);

	if (n_pending != self->n_pending) {
		self->n_pending = n_pending;
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_PENDING_BATCHES]);
	}
	if (n_failed != self->n_failed) {
		self->n_failed = n_failed;
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_FAILED_BATCHES]);
	}
}

void
gs_sync_index_change_status(GsSyncIndex *self, const gchar *relay, GsConnectionStatus status)
{
	GsSyncRelayState *state = gs_sync_index_relay(self, relay, TRUE);

	if (state->status == status)
		return;
	g_debug("%s: status %s", relay, gs_sync_index_nick(GS_TYPE_CONNECTION_STATUS, status));
	state->status = status;
	g_signal_emit(self,
		      signals[SIGNAL_RELAY_STATUS_CHANGED],
		      g_quark_from_string(relay),
		      relay,
		      status);
}

/* confirmed state follows the targets: a relay no longer named by a repository, or a new
 * level, means the repository is no longer confirmed there */
static void
gs_sync_index_repo_changed_cb(GsSyncTargets *targets, const gchar *coordinate, GsSyncIndex *self)
{
	GHashTableIter iter;
	gpointer key, value;
	GsSyncLevel level = GS_SYNC_LEVEL_FULL;
	gboolean known = gs_sync_targets_get_repo_level(targets, coordinate, &level);

	g_hash_table_add(self->touched_repos, g_strdup(coordinate));
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		GsSyncRelayState *state = value;
		gint confirmed = gs_sync_relay_state_get_confirmed_level(state, coordinate);
		if (confirmed < 0)
			continue;
		if (!known || confirmed != (gint)level ||
		    !gs_sync_targets_repo_names_relay(targets, coordinate, key))
			g_hash_table_remove(state->confirmed_repos, coordinate);
	}
}

static void
gs_sync_index_root_changed_cb(GsSyncTargets *targets, const gchar *id, GsSyncIndex *self)
{
	GHashTableIter iter;
	gpointer value;

	g_hash_table_add(self->touched_roots, g_strdup(id));
	if (gs_sync_targets_has_root(targets, id))
		return;
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_hash_table_remove(((GsSyncRelayState *)value)->confirmed_roots, id);
}

static void
gs_sync_index_targets_notify_cb(GObject *targets, GParamSpec *pspec, GsSyncIndex *self)
{
	if (g_strcmp0(pspec->name, "repos") == 0)
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_REPOS]);
	else if (g_strcmp0(pspec->name, "root-events") == 0)
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_ROOT_EVENTS]);
}

/* public API: targets and clock ---------------------------------------------------------------- */

/* returns: (transfer none): the targets, which the caller fills from accepted announcements */
GsSyncTargets *
gs_sync_index_get_targets(GsSyncIndex *self)
{
	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), NULL);
	return self->targets;
}

/**
 * gs_sync_index_set_clock:
 * @func: (nullable): returns unix seconds; %NULL restores the real clock
 *
 * Tests use this to control the times recorded on batches and completions.
 */
void
gs_sync_index_set_clock(GsSyncIndex *self, GsSyncClockFunc func, gpointer user_data)
{
	g_return_if_fail(GS_IS_SYNC_INDEX(self));
	self->clock = func;
	self->clock_data = user_data;
}

/* public API: per-relay state ------------------------------------------------------------------ */

/* unknown relays are disconnected */
GsConnectionStatus
gs_sync_index_get_relay_status(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), GS_CONNECTION_STATUS_DISCONNECTED);
	state = gs_sync_index_relay(self, relay, FALSE);
	return state != NULL ? state->status : GS_CONNECTION_STATUS_DISCONNECTED;
}

/**
 * gs_sync_index_set_relay_status:
 *
 * Records the connection status the engine observed (connecting on an attempt, syncing when the
 * websocket opens, ...). Emits #GsSyncIndex::relay-status-changed, detailed by the relay URL,
 * when it changes. The index itself moves a relay from syncing to connected or
 * connected-degraded (gs_sync_index_completion_finish()), from connected to connected-degraded
 * when a batch fails, back to syncing when a new pass begins, and to disconnected in
 * gs_sync_index_relay_disconnected().
 */
void
gs_sync_index_set_relay_status(GsSyncIndex *self, const gchar *relay, GsConnectionStatus status)
{
	g_return_if_fail(GS_IS_SYNC_INDEX(self));
	g_return_if_fail(relay != NULL && relay[0] != '\0');
	gs_sync_index_change_status(self, relay, status);
}

gboolean
gs_sync_index_get_historic_sync_completed(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), FALSE);
	state = gs_sync_index_relay(self, relay, FALSE);
	return state != NULL && state->completed;
}

/* unix seconds of the last completed historic pass, -1 when none */
gint64
gs_sync_index_get_historic_sync_completed_at(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), -1);
	state = gs_sync_index_relay(self, relay, FALSE);
	return state != NULL ? state->completed_at : -1;
}

gboolean
gs_sync_index_get_historic_sync_had_failures(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), FALSE);
	state = gs_sync_index_relay(self, relay, FALSE);
	return state != NULL && state->had_failures;
}

/* returns: (transfer full) (element-type utf8): the repositories confirmed on @relay, sorted
 * (catch-up re-subscribes them with `since`; the store persists them) */
GPtrArray *
gs_sync_index_dup_confirmed_repos(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), NULL);
	state = gs_sync_index_relay(self, relay, FALSE);
	return gs_sync_set_dup_sorted(state != NULL ? state->confirmed_repos : NULL);
}

/* returns: (transfer full) (element-type utf8): the root events confirmed on @relay, sorted */
GPtrArray *
gs_sync_index_dup_confirmed_roots(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), NULL);
	state = gs_sync_index_relay(self, relay, FALSE);
	return gs_sync_set_dup_sorted(state != NULL ? state->confirmed_roots : NULL);
}

/**
 * gs_sync_index_restore_confirmed:
 * @repos: (nullable) (element-type utf8): confirmed repositories, as persisted
 * @roots: (nullable) (element-type utf8): confirmed root events, as persisted
 *
 * Loads a relay's confirmed items from the store at start-up, after the targets, so that a
 * restart within the quick-reconnect window can catch up instead of starting afresh. Items
 * that are no longer targets on @relay are skipped.
 */
void
gs_sync_index_restore_confirmed(GsSyncIndex *self,
				const gchar *relay,
				GPtrArray *repos,
				GPtrArray *roots)
{
	GsSyncRelayState *state;

	g_return_if_fail(GS_IS_SYNC_INDEX(self));
	g_return_if_fail(relay != NULL && relay[0] != '\0');
	state = gs_sync_index_relay(self, relay, TRUE);
	for (guint i = 0; repos != NULL && i < repos->len; i++) {
		const gchar *coordinate = g_ptr_array_index(repos, i);
		GsSyncLevel level = GS_SYNC_LEVEL_FULL;
		if (gs_sync_targets_repo_names_relay(self->targets, coordinate, relay) &&
		    gs_sync_targets_get_repo_level(self->targets, coordinate, &level))
			gs_sync_relay_state_confirm_repo(state, coordinate, level);
	}
	for (guint i = 0; roots != NULL && i < roots->len; i++) {
		const gchar *id = g_ptr_array_index(roots, i);
		if (gs_sync_targets_has_root(self->targets, id))
			g_hash_table_add(state->confirmed_roots, g_strdup(id));
	}
}

/* forgets everything about a relay no longer followed; its pending batches end aborted */
void
gs_sync_index_remove_relay(GsSyncIndex *self, const gchar *relay)
{
	g_return_if_fail(GS_IS_SYNC_INDEX(self));
	if (gs_sync_index_relay(self, relay, FALSE) == NULL)
		return;
	gs_sync_index_abort_pending(self, relay);
	g_hash_table_remove(self->relays, relay);
	gs_sync_index_update_counts(self);
}

/* public API: batches -------------------------------------------------------------------------- */

static gboolean
gs_sync_index_check_items(GPtrArray *repos, GPtrArray *roots, GError **error)
{
	for (guint i = 0; repos != NULL && i < repos->len; i++) {
		if (!gs_sync_check_repo_coordinate(g_ptr_array_index(repos, i), NULL, error))
			return FALSE;
	}
	for (guint i = 0; roots != NULL && i < roots->len; i++) {
		if (!gs_sync_check_event_id(g_ptr_array_index(roots, i), error))
			return FALSE;
	}
	return TRUE;
}

/**
 * gs_sync_index_register_batch:
 * @relay: the relay URL, normalised
 * @method: how it will fetch
 * @repos: (nullable) (element-type utf8): repository coordinates
 * @roots: (nullable) (element-type utf8): root event ids; with @repos empty too this is the
 *   relay's L1 batch
 *
 * Starts tracking a historic batch. Call it **before** the REQ or NEG-OPEN leaves, then add
 * its subscriptions. Emits #GsSyncIndex::batch-started.
 *
 * Returns: (transfer full): the batch, or %NULL with @error set: %GS_ERROR_INVALID_ARGUMENT
 *   for a bad relay or item (or one of our service URLs), %GS_ERROR_BUSY when an item (or the
 *   L1 batch) is already pending on @relay
 */
GsSyncBatch *
gs_sync_index_register_batch(GsSyncIndex *self,
			     const gchar *relay,
			     GsSyncMethod method,
			     GPtrArray *repos,
			     GPtrArray *roots,
			     GError **error)
{
	GsSyncRelayState *state;
	GsSyncBatch *batch;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), NULL);
	if (relay == NULL || relay[0] == '\0' ||
	    gs_sync_targets_is_service_url(self->targets, relay)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "not a relay to sync from: %.80s",
			    relay != NULL ? relay : "(null)");
		return NULL;
	}
	if (!gs_sync_index_check_items(repos, roots, error))
		return NULL;
	state = gs_sync_index_relay(self, relay, TRUE);
	if (!gs_sync_relay_state_check_not_pending(state, repos, roots, error))
		return NULL;
	batch = gs_sync_batch_new(
		++self->last_batch_id, relay, method, repos, roots, gs_sync_index_now(self));
	gs_sync_relay_state_add_pending(state, batch);
	g_debug("%s: batch %" G_GUINT64_FORMAT " started (%u repos, %u roots)",
		relay,
		gs_sync_batch_get_id(batch),
		gs_sync_batch_get_repos(batch)->len,
		gs_sync_batch_get_roots(batch)->len);
	gs_sync_index_update_counts(self);
	g_signal_emit(self, signals[SIGNAL_BATCH_STARTED], 0, relay, batch);
	return batch;
}

static gboolean
gs_sync_index_is_pending(GsSyncIndex *self, GsSyncBatch *batch, guint *idx)
{
	GsSyncRelayState *state = gs_sync_index_relay(self, gs_sync_batch_get_relay(batch), FALSE);
	return state != NULL && g_ptr_array_find(state->pending, batch, idx);
}

/**
 * gs_sync_index_add_subscription:
 * @batch: a pending batch of this index
 * @sub_id: the subscription id about to be sent
 * @pager: (transfer full) (nullable): its paging state, %NULL when it is not paged
 *
 * Tracks a subscription of @batch; do it before the REQ leaves. Subscription ids are unique
 * per relay among pending batches.
 *
 * Returns: %FALSE with @error set: %GS_ERROR_NOT_FOUND when @batch is not pending,
 *   %GS_ERROR_BUSY when @sub_id is in use on the relay, %GS_ERROR_INVALID_ARGUMENT when empty
 */
gboolean
gs_sync_index_add_subscription(GsSyncIndex *self,
			       GsSyncBatch *batch,
			       const gchar *sub_id,
			       GsSyncPager *pager,
			       GError **error)
{
	g_autoptr(GsSyncPager) owned = pager;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), FALSE);
	g_return_val_if_fail(batch != NULL, FALSE);
	if (sub_id == NULL || sub_id[0] == '\0') {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "no subscription id");
		return FALSE;
	}
	if (!gs_sync_index_is_pending(self, batch, NULL)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_NOT_FOUND,
			    "batch %" G_GUINT64_FORMAT " is not pending",
			    gs_sync_batch_get_id(batch));
		return FALSE;
	}
	if (gs_sync_index_lookup_subscription(self, gs_sync_batch_get_relay(batch), sub_id) !=
	    NULL) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_BUSY,
			    "subscription %s is in use on %s",
			    sub_id,
			    gs_sync_batch_get_relay(batch));
		return FALSE;
	}
	gs_sync_batch_add_subscription(batch, sub_id, g_steal_pointer(&owned));
	return TRUE;
}

/* ends tracking of @sub_id (EOSE, CLOSED, replaced by its next page); returns: the number of
 * subscriptions @batch still has outstanding */
guint
gs_sync_index_remove_subscription(GsSyncIndex *self, GsSyncBatch *batch, const gchar *sub_id)
{
	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), 0);
	g_return_val_if_fail(batch != NULL, 0);
	if (sub_id != NULL)
		gs_sync_batch_remove_subscription(batch, sub_id);
	return gs_sync_batch_get_n_subscriptions(batch);
}

/* returns: (transfer none) (nullable): the pending batch of @relay that owns @sub_id */
GsSyncBatch *
gs_sync_index_lookup_subscription(GsSyncIndex *self, const gchar *relay, const gchar *sub_id)
{
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), NULL);
	state = gs_sync_index_relay(self, relay, FALSE);
	return state != NULL ? gs_sync_relay_state_lookup_subscription(state, sub_id) : NULL;
}

/* marks the items of an ended batch confirmed on its relay, where they are still targets */
static void
gs_sync_index_confirm(GsSyncIndex *self, GsSyncRelayState *state, GsSyncBatch *batch)
{
	const gchar *relay = gs_sync_batch_get_relay(batch);
	GPtrArray *repos = gs_sync_batch_get_repos(batch);
	GPtrArray *roots = gs_sync_batch_get_roots(batch);

	for (guint i = 0; i < repos->len; i++) {
		const gchar *coordinate = g_ptr_array_index(repos, i);
		GsSyncLevel level = GS_SYNC_LEVEL_FULL;
		if (gs_sync_targets_repo_names_relay(self->targets, coordinate, relay) &&
		    gs_sync_targets_get_repo_level(self->targets, coordinate, &level))
			gs_sync_relay_state_confirm_repo(state, coordinate, level);
	}
	for (guint i = 0; i < roots->len; i++) {
		const gchar *id = g_ptr_array_index(roots, i);
		if (gs_sync_targets_has_root(self->targets, id))
			g_hash_table_add(state->confirmed_roots, g_strdup(id));
	}
}

static void
gs_sync_index_apply_outcome(GsSyncIndex *self, GsSyncRelayState *state, GsSyncBatch *batch)
{
	GsSyncOutcome outcome = gs_sync_batch_get_outcome(batch);

	if (outcome == GS_SYNC_OUTCOME_ABORTED)
		return;
	/* a failed batch confirms what it did fetch, so the diff does not redo it at every
	 * batch window; the failed list says what RetryFailed must run again */
	gs_sync_index_confirm(self, state, batch);
	if (outcome == GS_SYNC_OUTCOME_FAILED) {
		state->had_failures = TRUE;
		g_ptr_array_add(state->failed, gs_sync_batch_ref(batch));
	}
}

/**
 * gs_sync_index_end_batch:
 * @batch: a pending batch
 * @outcome: complete, failed or aborted
 * @reason: (nullable): why it failed (gs_sync_reason_from_closed(), `timeout`, ...); by
 *   default the reason given to gs_sync_batch_mark_failed()
 *
 * Ends a batch, once (specs/sync.md 4.2). Complete: its items become confirmed. Failed: its
 * items become confirmed too (what it fetched is kept), the relay records that its pass had
 * failures (a connected relay becomes connected-degraded), and the batch joins the relay's
 * failed list for gs_sync_index_take_failed_batches(). Aborted: nothing is confirmed, so the
 * items are redone. Emits #GsSyncIndex::batch-finished.
 *
 * Returns: %FALSE with @error set when @batch is not pending (%GS_ERROR_NOT_FOUND) or
 *   @outcome is not an end (%GS_ERROR_INVALID_ARGUMENT)
 */
gboolean
gs_sync_index_end_batch(GsSyncIndex *self,
			GsSyncBatch *batch,
			GsSyncOutcome outcome,
			const gchar *reason,
			GError **error)
{
	g_autoptr(GsSyncBatch) hold = NULL;
	g_autofree gchar *relay = NULL;
	GsSyncRelayState *state;
	guint idx = 0;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), FALSE);
	g_return_val_if_fail(batch != NULL, FALSE);
	if (outcome != GS_SYNC_OUTCOME_COMPLETE && outcome != GS_SYNC_OUTCOME_FAILED &&
	    outcome != GS_SYNC_OUTCOME_ABORTED) {
		g_set_error(
			error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "not an outcome: %d", outcome);
		return FALSE;
	}
	if (!gs_sync_index_is_pending(self, batch, &idx)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_NOT_FOUND,
			    "batch %" G_GUINT64_FORMAT " is not pending",
			    gs_sync_batch_get_id(batch));
		return FALSE;
	}
	hold = gs_sync_batch_ref(batch);
	relay = g_strdup(gs_sync_batch_get_relay(batch));
	state = gs_sync_index_relay(self, relay, FALSE);
	gs_sync_relay_state_remove_pending(state, idx);
	gs_sync_batch_finish(batch, outcome, reason, gs_sync_index_now(self));
	gs_sync_index_apply_outcome(self, state, batch);
	g_debug("%s: batch %" G_GUINT64_FORMAT " ended %s%s%s",
		relay,
		gs_sync_batch_get_id(batch),
		gs_sync_index_nick(GS_TYPE_SYNC_OUTCOME, outcome),
		gs_sync_batch_get_reason(batch) != NULL ? ": " : "",
		gs_sync_batch_get_reason(batch) != NULL ? gs_sync_batch_get_reason(batch) : "");
	gs_sync_index_update_counts(self);
	g_signal_emit(self, signals[SIGNAL_BATCH_FINISHED], 0, relay, batch, outcome);
	if (outcome == GS_SYNC_OUTCOME_FAILED && state->status == GS_CONNECTION_STATUS_CONNECTED)
		gs_sync_index_change_status(self, relay, GS_CONNECTION_STATUS_CONNECTED_DEGRADED);
	return TRUE;
}

/* returns: (transfer full) (element-type GsSyncBatch): the pending batches of @relay, oldest
 * first */
GPtrArray *
gs_sync_index_dup_pending_batches(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), NULL);
	state = gs_sync_index_relay(self, relay, FALSE);
	return gs_sync_batches_dup(state != NULL ? state->pending : NULL);
}

guint
gs_sync_index_get_n_pending(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), 0);
	state = gs_sync_index_relay(self, relay, FALSE);
	return state != NULL ? state->pending->len : 0;
}

guint
gs_sync_index_get_n_pending_total(GsSyncIndex *self)
{
	GHashTableIter iter;
	gpointer value;
	guint n = 0;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), 0);
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		n += ((GsSyncRelayState *)value)->pending->len;
	return n;
}

/* returns: (transfer full) (element-type GsSyncBatch): the failed batches of @relay kept for
 * RetryFailed (items, method, reason), oldest first */
GPtrArray *
gs_sync_index_dup_failed_batches(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), NULL);
	state = gs_sync_index_relay(self, relay, FALSE);
	return gs_sync_batches_dup(state != NULL ? state->failed : NULL);
}

guint
gs_sync_index_get_n_failed(GsSyncIndex *self, const gchar *relay)
{
	GsSyncRelayState *state;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), 0);
	state = gs_sync_index_relay(self, relay, FALSE);
	return state != NULL ? state->failed->len : 0;
}

guint
gs_sync_index_get_n_failed_total(GsSyncIndex *self)
{
	GHashTableIter iter;
	gpointer value;
	guint n = 0;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), 0);
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		n += ((GsSyncRelayState *)value)->failed->len;
	return n;
}

/* ends every pending batch of @relay as aborted; returns: how many */
guint
gs_sync_index_abort_pending(GsSyncIndex *self, const gchar *relay)
{
	g_autoptr(GPtrArray) pending = NULL;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), 0);
	pending = gs_sync_index_dup_pending_batches(self, relay);
	for (guint i = 0; i < pending->len; i++)
		gs_sync_index_end_batch(
			self, g_ptr_array_index(pending, i), GS_SYNC_OUTCOME_ABORTED, NULL, NULL);
	return pending->len;
}

static void
gs_sync_index_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	GsSyncIndex *self = GS_SYNC_INDEX(object);

	switch (prop_id) {
	case PROP_PENDING_BATCHES:
		g_value_set_uint(value, gs_sync_index_get_n_pending_total(self));
		break;
	case PROP_FAILED_BATCHES:
		g_value_set_uint(value, gs_sync_index_get_n_failed_total(self));
		break;
	case PROP_REPOS:
		g_value_set_uint(value, gs_sync_targets_get_n_repos(self->targets));
		break;
	case PROP_ROOT_EVENTS:
		g_value_set_uint(value, gs_sync_targets_get_n_roots(self->targets));
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
gs_sync_index_dispose(GObject *object)
{
	GsSyncIndex *self = GS_SYNC_INDEX(object);

	if (self->targets != NULL)
		g_signal_handlers_disconnect_by_data(self->targets, self);
	g_clear_object(&self->targets);
	G_OBJECT_CLASS(gs_sync_index_parent_class)->dispose(object);
}

static void
gs_sync_index_finalize(GObject *object)
{
	GsSyncIndex *self = GS_SYNC_INDEX(object);

	g_hash_table_unref(self->relays);
	g_hash_table_unref(self->touched_repos);
	g_hash_table_unref(self->touched_roots);
	G_OBJECT_CLASS(gs_sync_index_parent_class)->finalize(object);
}

static void
gs_sync_index_class_init(GsSyncIndexClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	const GParamFlags flags =
		G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

	object_class->get_property = gs_sync_index_get_property;
	object_class->dispose = gs_sync_index_dispose;
	object_class->finalize = gs_sync_index_finalize;

	/* pending historic batches over all relays */
	props[PROP_PENDING_BATCHES] =
		g_param_spec_uint("pending-batches", NULL, NULL, 0, G_MAXUINT, 0, flags);
	/* failed batches kept for RetryFailed over all relays */
	props[PROP_FAILED_BATCHES] =
		g_param_spec_uint("failed-batches", NULL, NULL, 0, G_MAXUINT, 0, flags);
	/* target repositories (forwarded from the targets) */
	props[PROP_REPOS] = g_param_spec_uint("repos", NULL, NULL, 0, G_MAXUINT, 0, flags);
	/* known root events */
	props[PROP_ROOT_EVENTS] =
		g_param_spec_uint("root-events", NULL, NULL, 0, G_MAXUINT, 0, flags);
	g_object_class_install_properties(object_class, N_PROPS, props);

	/**
	 * GsSyncIndex::batch-started:
	 * @relay: the relay URL
	 * @batch: the batch, just registered
	 */
	signals[SIGNAL_BATCH_STARTED] = g_signal_new("batch-started",
						     G_TYPE_FROM_CLASS(klass),
						     G_SIGNAL_RUN_LAST,
						     0,
						     NULL,
						     NULL,
						     NULL,
						     G_TYPE_NONE,
						     2,
						     G_TYPE_STRING,
						     GS_TYPE_SYNC_BATCH);
	/**
	 * GsSyncIndex::batch-finished:
	 * @relay: the relay URL
	 * @batch: the batch, ended
	 * @outcome: complete, failed or aborted
	 */
	signals[SIGNAL_BATCH_FINISHED] = g_signal_new("batch-finished",
						      G_TYPE_FROM_CLASS(klass),
						      G_SIGNAL_RUN_LAST,
						      0,
						      NULL,
						      NULL,
						      NULL,
						      G_TYPE_NONE,
						      3,
						      G_TYPE_STRING,
						      GS_TYPE_SYNC_BATCH,
						      GS_TYPE_SYNC_OUTCOME);
	/**
	 * GsSyncIndex::relay-status-changed:
	 * @relay: the relay URL (also the signal detail)
	 * @status: the new #GsConnectionStatus
	 */
	signals[SIGNAL_RELAY_STATUS_CHANGED] = g_signal_new("relay-status-changed",
							    G_TYPE_FROM_CLASS(klass),
							    G_SIGNAL_RUN_LAST | G_SIGNAL_DETAILED,
							    0,
							    NULL,
							    NULL,
							    NULL,
							    G_TYPE_NONE,
							    2,
							    G_TYPE_STRING,
							    GS_TYPE_CONNECTION_STATUS);
}

static void
gs_sync_index_init(GsSyncIndex *self)
{
	self->targets = gs_sync_targets_new();
	self->touched_repos = gs_sync_set_new();
	self->touched_roots = gs_sync_set_new();
	self->relays = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)gs_sync_relay_state_free);
	g_signal_connect(
		self->targets, "repo-changed", G_CALLBACK(gs_sync_index_repo_changed_cb), self);
	g_signal_connect(
		self->targets, "root-changed", G_CALLBACK(gs_sync_index_root_changed_cb), self);
	g_signal_connect(
		self->targets, "notify", G_CALLBACK(gs_sync_index_targets_notify_cb), self);
}

GsSyncIndex *
gs_sync_index_new(void)
{
	return g_object_new(GS_TYPE_SYNC_INDEX, NULL);
}
