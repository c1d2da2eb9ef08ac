/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsIngest"

#include "config.h"

#include "gs-ingest-item.h"
#include "gs-ingest-private.h"
#include "gs-ingest.h"

/* the main context's step for the ready events (see the pipeline in gs-ingest.c): the policy
 * decides a slice, the accepted events go into the store in one transaction, then each
 * event's callback runs in order */

void
gs_ingest_finish(GsIngest *self, GsIngestItem *item)
{
	gs_ingest_count(self, item);
	/* decided, and in the store if it was stored: known from there now */
	if (item->known_added && self->known != NULL)
		gs_ingest_known_remove(self->known, gs_event_get_id_raw(item->event));
	if (item->callback != NULL) {
		GsIngestResult result = {
			.source = item->source != NULL ? item->source->name : NULL,
			.seq = item->seq,
			.outcome = item->outcome,
			.reason = item->reason,
			.dependency = item->dependency,
			.event = item->event,
			.error = item->error,
		};
		item->callback(self, &result, item->user_data);
	}
	if (item->source != NULL && --item->source->n_items == 0 && item->source->forgotten)
		g_hash_table_remove(self->sources, item->source->name);
	self->n_pending--;
	self->pending_bytes -= item->size;
	gs_ingest_item_free(item);
}

static void
gs_ingest_file_rejected(GsIngest *self, GsIngestItem *item, const GsPolicyResult *result)
{
	g_auto(GStrv) keys = gs_policy_dup_wait_keys(self->policy, item->event, result);

	if (result->verdict == GS_POLICY_VERDICT_DEFERRED) {
		const gchar *origin = item->source != NULL ? item->source->name : item->origin;
		gs_rejected_index_add_deferred(
			self->index, item->event, (const gchar *const *)keys);
		if (origin != NULL &&
		    g_hash_table_size(self->deferred_origins) < GS_INGEST_MAX_DEFERRED_ORIGINS)
			g_hash_table_replace(self->deferred_origins,
					     g_strdup(gs_event_get_id(item->event)),
					     g_strdup(origin));
	} else
		gs_rejected_index_add_rejected(
			self->index, item->event, (const gchar *const *)keys);
}

/* the policy step for one ready item; returns %TRUE when it goes into the insert batch */
static gboolean
gs_ingest_decide(GsIngest *self, GsIngestItem *item)
{
	g_auto(GsPolicyResult) result = {0};
	GError *error = NULL;

	if (item->decided)
		return FALSE;
	if (!gs_policy_decide(self->policy, item->event, &result, &error)) {
		gs_ingest_item_set(
			item, GS_INGEST_OUTCOME_FAILED, GS_REJECT_REASON_STORE_ERROR, error);
		return FALSE;
	}
	switch (result.verdict) {
	case GS_POLICY_VERDICT_ACCEPTED:
		gs_policy_add_pending(self->policy, item->event);
		return TRUE;
	case GS_POLICY_VERDICT_DUPLICATE:
		gs_ingest_item_set(item, GS_INGEST_OUTCOME_DUPLICATE, GS_REJECT_REASON_NONE, NULL);
		return FALSE;
	case GS_POLICY_VERDICT_DEFERRED:
		gs_ingest_item_set(item, GS_INGEST_OUTCOME_DEFERRED, GS_REJECT_REASON_NONE, NULL);
		item->dependency = g_strdup(result.dependency);
		gs_ingest_file_rejected(self, item, &result);
		return FALSE;
	case GS_POLICY_VERDICT_REJECTED:
	default:
		gs_ingest_item_set(item, GS_INGEST_OUTCOME_REJECTED, result.reason, NULL);
		gs_ingest_file_rejected(self, item, &result);
		return FALSE;
	}
}

static void
gs_ingest_apply_store_result(GsIngest *self, GsIngestItem *item, GsStoreResult result)
{
	switch (result) {
	case GS_STORE_RESULT_STORED:
	case GS_STORE_RESULT_REPLACED:
		gs_ingest_item_set(item, GS_INGEST_OUTCOME_STORED, GS_REJECT_REASON_NONE, NULL);
		break;
	case GS_STORE_RESULT_DUPLICATE:
		gs_ingest_item_set(item, GS_INGEST_OUTCOME_DUPLICATE, GS_REJECT_REASON_NONE, NULL);
		break;
	case GS_STORE_RESULT_REFUSED_DELETED:
		gs_ingest_item_set(
			item, GS_INGEST_OUTCOME_REJECTED, GS_REJECT_REASON_DELETED, NULL);
		gs_rejected_index_add_rejected(self->index, item->event, NULL);
		break;
	case GS_STORE_RESULT_REFUSED_OLDER:
	default:
		gs_ingest_item_set(
			item, GS_INGEST_OUTCOME_REJECTED, GS_REJECT_REASON_SUPERSEDED, NULL);
		gs_rejected_index_add_rejected(self->index, item->event, NULL);
		break;
	}
}

static void
gs_ingest_insert(GsIngest *self, GPtrArray *accepted)
{
	g_autoptr(GPtrArray) events = g_ptr_array_sized_new(accepted->len);
	g_autoptr(GArray) results = g_array_new(FALSE, FALSE, sizeof(GsStoreResult));
	g_autoptr(GError) error = NULL;
	gboolean ok;

	for (guint i = 0; i < accepted->len; i++) {
		GsIngestItem *item = g_ptr_array_index(accepted, i);
		g_ptr_array_add(events, item->event);
	}
	self->totals.transactions++;
	self->totals.inserted += events->len;
	self->storing = accepted;
	self->storing_pos = 0;
	ok = gs_store_insert_batch(self->store, events, results, &error);
	self->storing = NULL;
	if (!ok) {
		g_warning("failed to store %u events: %s", accepted->len, error->message);
		for (guint i = 0; i < accepted->len; i++) {
			gs_ingest_item_set(g_ptr_array_index(accepted, i),
					   GS_INGEST_OUTCOME_FAILED,
					   GS_REJECT_REASON_STORE_ERROR,
					   g_error_copy(error));
		}
		return;
	}
	for (guint i = 0; i < accepted->len; i++) {
		gs_ingest_apply_store_result(self,
					     g_ptr_array_index(accepted, i),
					     g_array_index(results, GsStoreResult, i));
	}
}

/* one slice: decide up to GS_INGEST_SLICE_EVENTS ready items (or GS_INGEST_SLICE_USEC of policy
 * work), insert the accepted ones in one transaction, then call back in order */
void
gs_ingest_drain_slice(GsIngest *self)
{
	g_autoptr(GPtrArray) slice = g_ptr_array_new();
	g_autoptr(GPtrArray) accepted = g_ptr_array_new();
	gint64 deadline = g_get_monotonic_time() + GS_INGEST_SLICE_USEC;

	while (self->ready.length > 0 && slice->len < GS_INGEST_SLICE_EVENTS) {
		GsIngestItem *item = g_queue_pop_head(&self->ready);
		g_ptr_array_add(slice, item);
		if (gs_ingest_decide(self, item))
			g_ptr_array_add(accepted, item);
		if (slice->len % 32 == 0 && g_get_monotonic_time() > deadline)
			break;
	}
	/* what remains, if anything, has waited long enough already */
	if (accepted->len > 0)
		gs_ingest_insert(self, accepted);
	gs_policy_clear_pending(self->policy);
	for (guint i = 0; i < slice->len; i++)
		gs_ingest_finish(self, g_ptr_array_index(slice, i));
}
