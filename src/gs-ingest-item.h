/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-ingest-known.h"
#include "gs-ingest.h"

G_BEGIN_DECLS

/* the per-source state of GsIngest (gs-ingest.c); items only point at it */
typedef struct _GsIngestSourceState GsIngestSourceState;

/*
 * GsIngestItem: one event on its way through GsIngest. Created on the main context, handed to
 * a worker for gs_ingest_item_work(), then back to the main context; never touched by two
 * threads at once.
 */
typedef struct {
	GsIngestSourceState *source; /* NULL for re-processing */
	gchar *origin;		     /* re-processing: the source it first came from, or NULL */
	guint64 seq;
	guint64 order; /* arrival order over all sources */
	gchar *json;
	gsize len;
	gsize size; /* counted in GsIngest's pending bytes */
	gint64 now_secs;
	GsEvent *event;
	gboolean needs_verify;	 /* FALSE for re-processing: verified already */
	gboolean verify_skipped; /* a copy of a known event: a duplicate, not verified */
	gboolean known_added;	 /* verified here and added to the known ids */
	gboolean done;		 /* the worker part is finished */
	gboolean decided;	 /* the outcome is final before the policy */
	GsIngestOutcome outcome;
	GsRejectReason reason;
	gchar *dependency;
	GError *error;
	GsIngestDoneFunc callback;
	gpointer user_data;
} GsIngestItem;

GsIngestItem *
gs_ingest_item_new(void);
void
gs_ingest_item_free(GsIngestItem *item);
void
gs_ingest_item_set(GsIngestItem *item,
		   GsIngestOutcome outcome,
		   GsRejectReason reason,
		   GError *error);
gboolean
gs_ingest_item_check_size(GsIngestItem *item, gsize len, gsize max_event_bytes);
void
gs_ingest_item_work(GsIngestItem *item, GsIngestKnown *known);

G_END_DECLS
