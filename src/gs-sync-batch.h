/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "gs-enums.h"
#include "gs-sync-pager.h"

G_BEGIN_DECLS

#define GS_TYPE_SYNC_BATCH (gs_sync_batch_get_type())

/**
 * GsSyncFetchDecision:
 * @GS_SYNC_FETCH_COMPLETE: every requested id arrived
 * @GS_SYNC_FETCH_REFETCH: ask for the missing ids again (gs_sync_batch_begin_refetch())
 * @GS_SYNC_FETCH_FALLBACK: the relay will not deliver: use REQ+EOSE filters for the items
 * @GS_SYNC_FETCH_FAIL: it will not deliver and there is nothing to fall back to: fail
 *
 * What to do at EOSE of a negentropy batch's `{ids:[...]}` fetch round (specs/sync.md 4.3).
 */
typedef enum {
	GS_SYNC_FETCH_COMPLETE,
	GS_SYNC_FETCH_REFETCH,
	GS_SYNC_FETCH_FALLBACK,
	GS_SYNC_FETCH_FAIL,
} GsSyncFetchDecision;

/**
 * GsSyncBatch:
 *
 * One historic batch on one relay (specs/sync.md 4.1): the items it fetches (repository
 * coordinates and root event ids; none for the L1 batch), its method, its outstanding
 * subscriptions with their paging state, the ids negentropy asked for and those that arrived,
 * and, once ended, its outcome and reason. Created and ended only by #GsSyncIndex, which owns
 * the bookkeeping around it; the engine records events and fetch rounds on it directly.
 * Refcounted; not thread-safe (it lives on the main context).
 */
typedef struct _GsSyncBatch GsSyncBatch;

GType
gs_sync_batch_get_type(void) G_GNUC_CONST;

GsSyncBatch *
gs_sync_batch_ref(GsSyncBatch *self);
void
gs_sync_batch_unref(GsSyncBatch *self);

guint64
gs_sync_batch_get_id(const GsSyncBatch *self);
const gchar *
gs_sync_batch_get_relay(const GsSyncBatch *self);
GPtrArray *
gs_sync_batch_get_repos(const GsSyncBatch *self);
GPtrArray *
gs_sync_batch_get_roots(const GsSyncBatch *self);
gboolean
gs_sync_batch_is_layer1(const GsSyncBatch *self);
GsSyncMethod
gs_sync_batch_get_method(const GsSyncBatch *self);
gint64
gs_sync_batch_get_started_at(const GsSyncBatch *self);
gint64
gs_sync_batch_get_ended_at(const GsSyncBatch *self);
GsSyncOutcome
gs_sync_batch_get_outcome(const GsSyncBatch *self);
const gchar *
gs_sync_batch_get_reason(const GsSyncBatch *self);

guint
gs_sync_batch_get_n_subscriptions(const GsSyncBatch *self);
gboolean
gs_sync_batch_has_subscription(const GsSyncBatch *self, const gchar *sub_id);
GPtrArray *
gs_sync_batch_dup_subscriptions(const GsSyncBatch *self);
GsSyncPager *
gs_sync_batch_get_pager(const GsSyncBatch *self, const gchar *sub_id);

gboolean
gs_sync_batch_record_event(GsSyncBatch *self,
			   const gchar *sub_id,
			   const gchar *id,
			   gint64 created_at);
guint
gs_sync_batch_get_n_events(const GsSyncBatch *self);

void
gs_sync_batch_add_requested_ids(GsSyncBatch *self, GPtrArray *ids);
guint
gs_sync_batch_get_n_requested(const GsSyncBatch *self);
guint
gs_sync_batch_get_n_received(const GsSyncBatch *self);
GPtrArray *
gs_sync_batch_dup_missing_ids(const GsSyncBatch *self);
guint
gs_sync_batch_get_retry_count(const GsSyncBatch *self);
GsSyncFetchDecision
gs_sync_batch_decide_fetch(const GsSyncBatch *self);
GPtrArray *
gs_sync_batch_begin_refetch(GsSyncBatch *self);
gboolean
gs_sync_batch_begin_fallback(GsSyncBatch *self);

void
gs_sync_batch_mark_failed(GsSyncBatch *self, const gchar *reason);
gboolean
gs_sync_batch_get_failed(const GsSyncBatch *self);

const gchar *
gs_sync_reason_from_closed(const gchar *message);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsSyncBatch, gs_sync_batch_unref)

G_END_DECLS
