/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-negentropy.h"
#include "gs-sync-manager-private.h"

G_BEGIN_DECLS

/* internal to gs-sync-runner.c (streams, REQ+EOSE, ending) and gs-sync-runner-neg.c (NIP-77) */

typedef enum {
	GS_SYNC_PHASE_NEG,
	GS_SYNC_PHASE_FETCH,
	GS_SYNC_PHASE_REQ,
} GsSyncPhase;

typedef struct {
	GsFilter *base;		/* REQ: the historic filter; FETCH: the ids filter */
	GsFilter *current;	/* what the open (or next) subscription asks for */
	GsSyncPager *pager;	/* REQ phase only */
	GHashTable *ids;	/* FETCH: the set of ids asked for (borrowed from @base) */
	GHashTable *tag_values; /* REQ: gs_sync_peek_values() of @base, %NULL: parse events */
	gchar *sub_id;		/* %NULL while waiting */
	guint page_events;
	guint rate_retries;
} GsSyncStream;

struct _GsSyncRun {
	gint ref_count;
	GsSyncManager *manager;
	GsSyncRelay *relay;
	GsSyncBatch *batch;
	guint64 id;
	GsSyncMethod method; /* what it does now: negentropy until it falls back */
	GsSyncPhase phase;
	GPtrArray *base;      /* of GsFilter: the items' historic filters */
	GPtrArray *streams;   /* of GsSyncStream, open or waiting */
	GHashTable *need;     /* ids negentropy found on the relay and not here */
	GHashTable *req_seen; /* ids the NEG phase's REQ streams brought */
	gboolean neg_ran;     /* a NEG session of the batch reconciled */
	guint n_neg;	      /* NEG sessions running or waiting for a slot */
	guint n_neg_waiting;  /* of which waiting */
	GCancellable *cancellable;
	guint timeout_id;
	gint64 timeout_due; /* monotonic us: when the armed timeout is due */
	gboolean ended;
};

GsSyncRun *
gs_sync_run_ref(GsSyncRun *run);
void
gs_sync_run_unref(GsSyncRun *run);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsSyncRun, gs_sync_run_unref)

gint
gs_sync_run_strcmp(gconstpointer a, gconstpointer b);
void
gs_sync_run_finish(GsSyncRun *run, GsSyncOutcome outcome, const gchar *reason);
void
gs_sync_run_check(GsSyncRun *run);
void
gs_sync_run_with_slot(GsSyncRun *run, GsSyncSlotFunc func, gpointer data, GDestroyNotify free);
void
gs_sync_run_drop_waiters(GsSyncRun *run);
void
gs_sync_run_retry_with_slot(GsSyncRun *run, GsSyncSlotFunc func, gpointer data);
void
gs_sync_run_arm_timeout(GsSyncRun *run);
void
gs_sync_run_touch_timeout(GsSyncRun *run);
void
gs_sync_run_begin_req(GsSyncRun *run);
void
gs_sync_run_req_filter(GsSyncRun *run, GsFilter *filter);
void
gs_sync_run_drop_streams(GsSyncRun *run);
void
gs_sync_run_begin_fetch(GsSyncRun *run, GPtrArray *ids);
void
gs_sync_run_begin_neg(GsSyncRun *run);
void
gs_sync_run_neg_done(GsSyncRun *run);
gboolean
gs_sync_text_is_sub_limit(const gchar *message);
void
gs_sync_run_fallback(GsSyncRun *run, const gchar *reason);
GsNegentropyStorage *
gs_sync_run_local_set(GsSyncRun *run, GsFilter *filter, guint max_items, GError **error);
void
gs_sync_run_begin_neg_filters(GsSyncRun *run);

/* gs-sync-runner-wide.c */
gboolean
gs_sync_wide_join(GsSyncRun *run);
void
gs_sync_wide_run_ended(GsSyncRun *run, GsSyncOutcome outcome);
void
gs_sync_wide_owner_fell_back(GsSyncRun *run);

G_END_DECLS
