/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsIngest"

#include "config.h"

#include "gs-error.h"
#include "gs-ingest-item.h"
#include "gs-json.h"

/* a new item: to be verified, with no outcome yet */
GsIngestItem *
gs_ingest_item_new(void)
{
	GsIngestItem *item = g_new0(GsIngestItem, 1);
	item->needs_verify = TRUE;
	return item;
}

void
gs_ingest_item_free(GsIngestItem *item)
{
	g_free(item->json);
	g_free(item->origin);
	g_clear_pointer(&item->event, gs_event_unref);
	g_free(item->dependency);
	g_clear_error(&item->error);
	g_free(item);
}

/* the outcome is final; takes @error (nullable) */
void
gs_ingest_item_set(GsIngestItem *item,
		   GsIngestOutcome outcome,
		   GsRejectReason reason,
		   GError *error)
{
	item->decided = TRUE;
	item->outcome = outcome;
	item->reason = reason;
	if (error != NULL) {
		g_clear_error(&item->error);
		item->error = error;
	}
}

static gboolean
gs_ingest_item_parse(GsIngestItem *item)
{
	g_autoptr(JsonNode) root = NULL;
	GError *error = NULL;

	item->event = gs_event_new_from_json(item->json, (gssize)item->len, &error);
	if (item->event != NULL) {
		g_clear_pointer(&item->json, g_free);
		return TRUE;
	}
	/* refused: was it the JSON itself or a member? (bad input only, so parsing twice is
	 * fine) */
	root = gs_json_parse(item->json, (gssize)item->len, NULL);
	gs_ingest_item_set(item,
			   GS_INGEST_OUTCOME_INVALID,
			   root == NULL ? GS_REJECT_REASON_MALFORMED_JSON
					: GS_REJECT_REASON_INVALID_EVENT,
			   error);
	return FALSE;
}

static gboolean
gs_ingest_item_check_limits(GsIngestItem *item)
{
	GsEvent *event = item->event;

	if (gs_event_get_n_tags(event) > GS_INGEST_MAX_TAGS) {
		gs_ingest_item_set(item,
				   GS_INGEST_OUTCOME_REJECTED,
				   GS_REJECT_REASON_TOO_MANY_TAGS,
				   g_error_new(GS_ERROR,
					       GS_ERROR_TOO_LARGE,
					       "event %s has %u tags, more than %u",
					       gs_event_get_id(event),
					       gs_event_get_n_tags(event),
					       (guint)GS_INGEST_MAX_TAGS));
		return FALSE;
	}
	if (gs_event_get_created_at(event) > item->now_secs + GS_INGEST_MAX_FUTURE_SECS) {
		gs_ingest_item_set(item,
				   GS_INGEST_OUTCOME_REJECTED,
				   GS_REJECT_REASON_FUTURE,
				   g_error_new(GS_ERROR,
					       GS_ERROR_INVALID_EVENT,
					       "event %s is dated %" G_GINT64_FORMAT
					       ", more than %u s ahead",
					       gs_event_get_id(event),
					       gs_event_get_created_at(event),
					       (guint)GS_INGEST_MAX_FUTURE_SECS));
		return FALSE;
	}
	return TRUE;
}

/*
 * A copy of an event we know is not verified: its id was computed from its content just now,
 * so the content is that of the stored (or verified, pending) event, and only the signature
 * may differ. That event's signature verified when it was first seen. The store keeps the
 * first verified copy and never replaces an event by one with the same id, so whatever this
 * copy's signature, it could only ever be a duplicate: classifying it so without verifying
 * stores nothing unverified and refuses nothing the store would have taken. (A copy with a
 * bad signature is reported duplicate rather than invalid.) Known pending ids are added only
 * after verifying, so a bad copy never makes a good one a duplicate; a copy of a pending event
 * is a duplicate whatever that event's outcome (it is stored, deferred or refused once).
 */
static gboolean
gs_ingest_item_skip_known(GsIngestItem *item, GsIngestKnown *known)
{
	if (known == NULL || !gs_ingest_known_contains(known, gs_event_get_id_raw(item->event)))
		return FALSE;
	item->verify_skipped = TRUE;
	gs_ingest_item_set(item, GS_INGEST_OUTCOME_DUPLICATE, GS_REJECT_REASON_NONE, NULL);
	return TRUE;
}

/* on a worker thread: parse, the tag-count and clock limits, id, known ids, signature */
void
gs_ingest_item_work(GsIngestItem *item, GsIngestKnown *known)
{
	GError *error = NULL;

	if (item->decided)
		return;
	if (item->event == NULL && !gs_ingest_item_parse(item))
		return;
	if (!gs_ingest_item_check_limits(item))
		return;
	if (!item->needs_verify)
		return;
	if (!gs_event_check_id(item->event, &error)) {
		gs_ingest_item_set(item, GS_INGEST_OUTCOME_INVALID, GS_REJECT_REASON_BAD_ID, error);
		return;
	}
	if (gs_ingest_item_skip_known(item, known))
		return;
	if (!gs_event_check_signature(item->event, &error)) {
		gs_ingest_item_set(
			item, GS_INGEST_OUTCOME_INVALID, GS_REJECT_REASON_BAD_SIGNATURE, error);
		return;
	}
	if (known != NULL) {
		gs_ingest_known_add(known, gs_event_get_id_raw(item->event));
		item->known_added = TRUE;
	}
}

/* the raw size limit, before any work */
gboolean
gs_ingest_item_check_size(GsIngestItem *item, gsize len, gsize max_event_bytes)
{
	if (len <= max_event_bytes)
		return TRUE;
	gs_ingest_item_set(item,
			   GS_INGEST_OUTCOME_REJECTED,
			   GS_REJECT_REASON_TOO_LARGE,
			   g_error_new(GS_ERROR,
				       GS_ERROR_TOO_LARGE,
				       "event of %" G_GSIZE_FORMAT
				       " bytes is over the limit of %" G_GSIZE_FORMAT,
				       len,
				       max_event_bytes));
	return FALSE;
}
