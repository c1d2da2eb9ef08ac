/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include <string.h>

#include "gs-filter.h"
#include "gs-sync-batch-private.h"

struct _GsSyncBatch {
	gint ref_count;
	guint64 id;
	gchar *relay;
	GPtrArray *repos; /* sorted distinct coordinates */
	GPtrArray *roots; /* sorted distinct event ids */
	GsSyncMethod method;
	GHashTable *subs;      /* subscription id -> GsSyncPager (or NULL: not paged) */
	GHashTable *requested; /* ids negentropy said the relay has and we lack */
	GHashTable *received;  /* requested ids that arrived */
	guint round_received;  /* requested ids that arrived in the current fetch round */
	guint retry_count;
	guint n_events;
	gboolean failed;
	GsSyncOutcome outcome;
	gchar *reason;
	gint64 started_at;
	gint64 ended_at;
};

G_DEFINE_BOXED_TYPE(GsSyncBatch, gs_sync_batch, gs_sync_batch_ref, gs_sync_batch_unref)

static gint
gs_sync_batch_strcmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* a sorted copy without repeats */
static GPtrArray *
gs_sync_batch_sorted_set(GPtrArray *items)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; items != NULL && i < items->len; i++)
		g_ptr_array_add(out, g_strdup(g_ptr_array_index(items, i)));
	g_ptr_array_sort(out, gs_sync_batch_strcmp);
	for (guint i = 1; i < out->len;) {
		if (g_strcmp0(g_ptr_array_index(out, i - 1), g_ptr_array_index(out, i)) == 0)
			g_ptr_array_remove_index(out, i);
		else
			i++;
	}
	return out;
}

static GPtrArray *
gs_sync_batch_sorted_keys(GHashTable *set, GHashTable *minus)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, set);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (minus == NULL || !g_hash_table_contains(minus, key))
			g_ptr_array_add(out, g_strdup(key));
	}
	g_ptr_array_sort(out, gs_sync_batch_strcmp);
	return out;
}

/* the items are copied; @repos and @roots may be %NULL (the L1 batch has neither) */
GsSyncBatch *
gs_sync_batch_new(guint64 id,
		  const gchar *relay,
		  GsSyncMethod method,
		  GPtrArray *repos,
		  GPtrArray *roots,
		  gint64 started_at)
{
	GsSyncBatch *self = g_new0(GsSyncBatch, 1);

	self->ref_count = 1;
	self->id = id;
	self->relay = g_strdup(relay);
	self->method = method;
	self->repos = gs_sync_batch_sorted_set(repos);
	self->roots = gs_sync_batch_sorted_set(roots);
	self->subs = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)gs_sync_pager_free);
	self->requested = g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
	self->received = g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
	self->outcome = GS_SYNC_OUTCOME_PENDING;
	self->started_at = started_at;
	self->ended_at = -1;
	return self;
}

GsSyncBatch *
gs_sync_batch_ref(GsSyncBatch *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_int_inc(&self->ref_count);
	return self;
}

void
gs_sync_batch_unref(GsSyncBatch *self)
{
	if (self == NULL || !g_atomic_int_dec_and_test(&self->ref_count))
		return;
	g_free(self->relay);
	g_ptr_array_unref(self->repos);
	g_ptr_array_unref(self->roots);
	g_hash_table_unref(self->subs);
	g_hash_table_unref(self->requested);
	g_hash_table_unref(self->received);
	g_free(self->reason);
	g_free(self);
}

/* the index's unique, increasing number for the batch (logs, D-Bus) */
guint64
gs_sync_batch_get_id(const GsSyncBatch *self)
{
	return self->id;
}

/* the normalised relay URL */
const gchar *
gs_sync_batch_get_relay(const GsSyncBatch *self)
{
	return self->relay;
}

/* returns: (transfer none) (element-type utf8): sorted coordinates, empty for L1 */
GPtrArray *
gs_sync_batch_get_repos(const GsSyncBatch *self)
{
	return self->repos;
}

/* returns: (transfer none) (element-type utf8): sorted root event ids */
GPtrArray *
gs_sync_batch_get_roots(const GsSyncBatch *self)
{
	return self->roots;
}

/* the L1 batch (announcements and user GRASP lists) names no item */
gboolean
gs_sync_batch_is_layer1(const GsSyncBatch *self)
{
	return self->repos->len == 0 && self->roots->len == 0;
}

GsSyncMethod
gs_sync_batch_get_method(const GsSyncBatch *self)
{
	return self->method;
}

/* unix seconds when the batch was registered */
gint64
gs_sync_batch_get_started_at(const GsSyncBatch *self)
{
	return self->started_at;
}

/* unix seconds when the batch ended, -1 while pending */
gint64
gs_sync_batch_get_ended_at(const GsSyncBatch *self)
{
	return self->ended_at;
}

GsSyncOutcome
gs_sync_batch_get_outcome(const GsSyncBatch *self)
{
	return self->outcome;
}

/* returns: (nullable): why the batch failed (a short label such as `error` or `timeout`) */
const gchar *
gs_sync_batch_get_reason(const GsSyncBatch *self)
{
	return self->reason;
}

guint
gs_sync_batch_get_n_subscriptions(const GsSyncBatch *self)
{
	return g_hash_table_size(self->subs);
}

gboolean
gs_sync_batch_has_subscription(const GsSyncBatch *self, const gchar *sub_id)
{
	return sub_id != NULL && g_hash_table_contains(self->subs, sub_id);
}

/* returns: (transfer full) (element-type utf8): the outstanding subscription ids, sorted */
GPtrArray *
gs_sync_batch_dup_subscriptions(const GsSyncBatch *self)
{
	return gs_sync_batch_sorted_keys(self->subs, NULL);
}

/* returns: (nullable) (transfer none): the paging state of @sub_id, %NULL when it is not paged
 * (negentropy id fetches) or not a subscription of this batch */
GsSyncPager *
gs_sync_batch_get_pager(const GsSyncBatch *self, const gchar *sub_id)
{
	if (sub_id == NULL)
		return NULL;
	return g_hash_table_lookup(self->subs, sub_id);
}

/* takes @pager (nullable); replaces an existing subscription of the same id */
void
gs_sync_batch_add_subscription(GsSyncBatch *self, const gchar *sub_id, GsSyncPager *pager)
{
	g_hash_table_replace(self->subs, g_strdup(sub_id), pager);
}

gboolean
gs_sync_batch_remove_subscription(GsSyncBatch *self, const gchar *sub_id)
{
	return g_hash_table_remove(self->subs, sub_id);
}

/**
 * gs_sync_batch_record_event:
 * @sub_id: the subscription the EVENT arrived on
 * @id: the event id
 * @created_at: the event's created_at
 *
 * Counts an event for the batch the moment it arrives, whatever the policy then decides
 * (specs/sync.md 4.3): it feeds the subscription's pager and the negentropy accounting.
 *
 * Returns: %TRUE when @sub_id is an outstanding subscription of this batch
 */
gboolean
gs_sync_batch_record_event(GsSyncBatch *self,
			   const gchar *sub_id,
			   const gchar *id,
			   gint64 created_at)
{
	GsSyncPager *pager;

	g_return_val_if_fail(id != NULL, FALSE);
	if (self->outcome != GS_SYNC_OUTCOME_PENDING ||
	    !gs_sync_batch_has_subscription(self, sub_id))
		return FALSE;
	self->n_events++;
	pager = g_hash_table_lookup(self->subs, sub_id);
	if (pager != NULL)
		gs_sync_pager_record(pager, id, created_at);
	if (g_hash_table_contains(self->requested, id) &&
	    g_hash_table_add(self->received, g_strdup(id)))
		self->round_received++;
	return TRUE;
}

/* events that arrived on this batch's subscriptions, repeats included */
guint
gs_sync_batch_get_n_events(const GsSyncBatch *self)
{
	return self->n_events;
}

/* adds ids the reconciliation found on the relay and not here; repeats are ignored */
void
gs_sync_batch_add_requested_ids(GsSyncBatch *self, GPtrArray *ids)
{
	for (guint i = 0; ids != NULL && i < ids->len; i++)
		g_hash_table_add(self->requested, g_strdup(g_ptr_array_index(ids, i)));
}

guint
gs_sync_batch_get_n_requested(const GsSyncBatch *self)
{
	return g_hash_table_size(self->requested);
}

guint
gs_sync_batch_get_n_received(const GsSyncBatch *self)
{
	return g_hash_table_size(self->received);
}

/* returns: (transfer full) (element-type utf8): requested ids that have not arrived, sorted */
GPtrArray *
gs_sync_batch_dup_missing_ids(const GsSyncBatch *self)
{
	return gs_sync_batch_sorted_keys(self->requested, self->received);
}

guint
gs_sync_batch_get_retry_count(const GsSyncBatch *self)
{
	return self->retry_count;
}

/**
 * gs_sync_batch_decide_fetch:
 *
 * The negentropy retry protection (specs/sync.md 4.3), for the end of a fetch round. A round
 * that brought at least one missing id is followed by another for the rest; a round that
 * brought none is retried once (a first round may meet a transient refusal), and a retry round
 * that brings none means the relay lists ids it will not serve: fall back to REQ+EOSE, or fail
 * the L1 batch, which has no items to fall back to.
 */
GsSyncFetchDecision
gs_sync_batch_decide_fetch(const GsSyncBatch *self)
{
	if (g_hash_table_size(self->received) >= g_hash_table_size(self->requested))
		return GS_SYNC_FETCH_COMPLETE;
	if (self->round_received > 0 || self->retry_count == 0)
		return GS_SYNC_FETCH_REFETCH;
	if (gs_sync_batch_is_layer1(self))
		return GS_SYNC_FETCH_FAIL;
	return GS_SYNC_FETCH_FALLBACK;
}

/* starts the next fetch round; returns: (transfer full): the ids to ask for again */
GPtrArray *
gs_sync_batch_begin_refetch(GsSyncBatch *self)
{
	self->retry_count++;
	self->round_received = 0;
	return gs_sync_batch_dup_missing_ids(self);
}

/**
 * gs_sync_batch_begin_fallback:
 *
 * Switches the batch to REQ+EOSE for its items and forgets the negentropy accounting; the
 * caller then subscribes the semantic filters of the items.
 *
 * Returns: %FALSE for the L1 batch, which cannot fall back
 */
gboolean
gs_sync_batch_begin_fallback(GsSyncBatch *self)
{
	if (gs_sync_batch_is_layer1(self))
		return FALSE;
	self->method = GS_SYNC_METHOD_REQ_EOSE;
	g_hash_table_remove_all(self->requested);
	g_hash_table_remove_all(self->received);
	self->round_received = 0;
	return TRUE;
}

/* a subscription of the batch failed (CLOSED, timeout): the batch will end failed; the first
 * reason is kept */
void
gs_sync_batch_mark_failed(GsSyncBatch *self, const gchar *reason)
{
	self->failed = TRUE;
	if (self->reason == NULL)
		self->reason = g_strdup(reason != NULL ? reason : "error");
}

gboolean
gs_sync_batch_get_failed(const GsSyncBatch *self)
{
	return self->failed;
}

/* @reason: (nullable): replaces the recorded reason when given */
void
gs_sync_batch_finish(GsSyncBatch *self, GsSyncOutcome outcome, const gchar *reason, gint64 ended_at)
{
	self->outcome = outcome;
	self->ended_at = ended_at;
	if (outcome == GS_SYNC_OUTCOME_FAILED)
		self->failed = TRUE;
	if (reason != NULL) {
		g_free(self->reason);
		self->reason = g_strdup(reason);
	}
	if (outcome == GS_SYNC_OUTCOME_FAILED && self->reason == NULL)
		self->reason = g_strdup("error");
	/* an ended batch keeps its items and outcome; the per-subscription state goes */
	g_hash_table_remove_all(self->subs);
}

/**
 * gs_sync_reason_from_closed:
 * @message: (nullable): the text of a CLOSED (or NEG-ERR) message
 *
 * Maps the machine-readable NIP-01 prefix to a bounded label fit for a metric: one of
 * `rate-limited`, `auth-required`, `restricted`, `blocked`, `error`, `invalid`, or `closed`
 * for anything else. The prefix is matched without regard to case, since strfry writes
 * `ERROR: bad req: ...`.
 *
 * Returns: a static string
 */
const gchar *
gs_sync_reason_from_closed(const gchar *message)
{
	const gchar *prefixes[] = {
		"rate-limited", "auth-required", "restricted", "blocked", "error", "invalid"};
	const gchar *colon = message != NULL ? strchr(message, ':') : NULL;
	g_autofree gchar *prefix = NULL;

	if (colon == NULL)
		return "closed";
	prefix = g_strstrip(g_ascii_strdown(message, colon - message));
	for (guint i = 0; i < G_N_ELEMENTS(prefixes); i++) {
		if (g_strcmp0(prefix, prefixes[i]) == 0)
			return prefixes[i];
	}
	return "closed";
}
