/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-ingest-item.h"
#include "gs-ingest-known.h"
#include "gs-ingest.h"

G_BEGIN_DECLS

/* GsIngest's state, shared by gs-ingest.c (the pipeline) and gs-ingest-counters.c */

struct _GsIngestSourceState {
	gchar *name;
	guint64 next_seq;
	GQueue inflight; /* GsIngestItem in arrival order, not yet ready */
	GsIngestCounters counters;
	guint n_items; /* items of this source not yet finished */
	gboolean forgotten;
};

struct _GsIngest {
	GObject parent_instance;
	GsStore *store;
	GsPolicy *policy;
	GsRejectedIndex *index;
	GMainContext *context;
	GSource *source;
	GSource *expire_source;
	GThreadPool *pool;
	guint max_threads;
	gsize max_event_bytes;
	GsClockFunc clock;
	gpointer clock_data;
	GsIngestMoreFunc more_func; /* %NULL: no source says more is coming */
	gpointer more_data;
	GsIngestKnown *known; /* ids the workers need not verify, shared with them */
	GPtrArray *staging;   /* items not yet pushed to the pool */
	GMutex lock;
	GPtrArray *finished;	      /* jobs (GPtrArray of items) back from workers, under @lock */
	gint wake_pending;	      /* atomic */
	GQueue ready;		      /* items whose turn has come, for the policy */
	gint64 ready_since;	      /* monotonic time the oldest ready item became ready */
	GHashTable *sources;	      /* name -> GsIngestSourceState */
	GHashTable *deferred_origins; /* id -> the source a deferred event came from */
	GPtrArray *storing;	      /* the items of the insert in progress */
	guint storing_pos;
	GsIngestCounters totals;
	guint64 next_order;
	guint n_pending;       /* submitted or re-queued, callback not yet run */
	guint64 pending_bytes; /* the JSON sizes of the submitted ones among them */
	gboolean disposing;
};

#define GS_INGEST_SLICE_EVENTS 8000
/* a build may raise the time limits (-DGS_INGEST_SLICE_USEC=...) so that slices under
 * valgrind hold as many events as without it (docs/benchmarks.md, "Ingest") */
#ifndef GS_INGEST_SLICE_USEC
#define GS_INGEST_SLICE_USEC 100000
#endif
/* sources of deferred events remembered at most (for the home relay: see
 * gs_ingest_get_storing_source()) */
#define GS_INGEST_MAX_DEFERRED_ORIGINS 100000

/* gs-ingest-decide.c */
void
gs_ingest_finish(GsIngest *self, GsIngestItem *item);
void
gs_ingest_drain_slice(GsIngest *self);

/* gs-ingest-counters.c */
void
gs_ingest_count(GsIngest *self, GsIngestItem *item);

G_END_DECLS
