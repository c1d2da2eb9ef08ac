/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "gs-enums.h"
#include "gs-event.h"
#include "gs-policy.h"
#include "gs-rejected-index.h"
#include "gs-store.h"

G_BEGIN_DECLS

#define GS_TYPE_INGEST (gs_ingest_get_type())
G_DECLARE_FINAL_TYPE(GsIngest, gs_ingest, GS, INGEST, GObject)

/* specs/sync.md section 10 limits */
#define GS_INGEST_DEFAULT_MAX_EVENT_BYTES (256 * 1024)
#define GS_INGEST_MAX_TAGS 2000
#define GS_INGEST_MAX_FUTURE_SECS (15 * 60)

/**
 * GsIngestResult:
 * @source: the source given to gs_ingest_submit()
 * @seq: the event's arrival number within @source, from 0
 * @outcome: what happened
 * @reason: why, for rejected, invalid and failed outcomes; %GS_REJECT_REASON_NONE otherwise
 * @dependency: (nullable): for deferred events, the coordinate or id waited for
 * @event: (nullable): the parsed event; %NULL when it could not be parsed
 * @error: (nullable): what was wrong, for invalid and failed outcomes
 *
 * Valid for the duration of the callback only.
 */
typedef struct {
	const gchar *source;
	guint64 seq;
	GsIngestOutcome outcome;
	GsRejectReason reason;
	const gchar *dependency;
	GsEvent *event;
	const GError *error;
} GsIngestResult;

/**
 * GsIngestDoneFunc:
 *
 * Called on the ingest's main context once per submitted event, in the order the events of
 * one source were submitted.
 */
typedef void (*GsIngestDoneFunc)(GsIngest *self, const GsIngestResult *result, gpointer user_data);

/**
 * GsIngestCounters:
 * @received: events submitted (counted on arrival, before any check)
 * @outcomes: decisions, by #GsIngestOutcome; a deferred event that is later re-processed is
 *   counted again with its new outcome
 * @reasons: rejected, invalid and failed decisions by #GsRejectReason
 * @reprocessed: deferred events run through the policy again because a dependency arrived
 * @transactions: store transactions (one per slice with accepted events; totals only)
 * @inserted: events sent to the store in them (totals only)
 * @verify_skipped: copies of an event stored or verified and pending, whose signature was
 *   not verified again (also counted as duplicate outcomes)
 */
typedef struct {
	guint64 received;
	guint64 outcomes[GS_INGEST_OUTCOME_LAST];
	guint64 reasons[GS_REJECT_REASON_LAST];
	guint64 reprocessed;
	guint64 transactions;
	guint64 inserted;
	guint64 verify_skipped;
} GsIngestCounters;

/**
 * GsIngestMoreFunc:
 *
 * Asked while ready events wait: whether a source will send more events soon (a relay still
 * streaming the pages of a historic fetch), so that they gather into a larger transaction.
 *
 * Returns: %TRUE when more are coming
 */
typedef gboolean (*GsIngestMoreFunc)(gpointer user_data);

GsIngest *
gs_ingest_new(GsStore *store, GsPolicy *policy, GsRejectedIndex *index);

void
gs_ingest_set_max_threads(GsIngest *self, guint max_threads);
guint
gs_ingest_get_max_threads(GsIngest *self);
void
gs_ingest_set_max_event_bytes(GsIngest *self, gsize max_event_bytes);
void
gs_ingest_set_clock(GsIngest *self, GsClockFunc clock, gpointer user_data);
void
gs_ingest_set_more_func(GsIngest *self, GsIngestMoreFunc func, gpointer user_data);

void
gs_ingest_submit(GsIngest *self,
		 const gchar *source,
		 const gchar *json,
		 gsize len,
		 GsIngestDoneFunc callback,
		 gpointer user_data);
void
gs_ingest_submit_event(GsIngest *self,
		       const gchar *source,
		       GsEvent *event,
		       GsIngestDoneFunc callback,
		       gpointer user_data);
void
gs_ingest_flush(GsIngest *self);
guint
gs_ingest_get_pending(GsIngest *self);
guint64
gs_ingest_get_pending_bytes(GsIngest *self);

gboolean
gs_ingest_get_counters(GsIngest *self, const gchar *source, GsIngestCounters *counters);
GVariant *
gs_ingest_dup_counters(GsIngest *self);
void
gs_ingest_forget_source(GsIngest *self, const gchar *source);

const gchar *
gs_ingest_get_storing_source(GsIngest *self, GsEvent *event);

const gchar *
gs_ingest_outcome_to_string(GsIngestOutcome outcome);

G_END_DECLS
