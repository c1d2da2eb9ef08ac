/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "gs-enums.h"
#include "gs-event.h"
#include "gs-sync-batch.h"
#include "gs-sync-targets.h"

G_BEGIN_DECLS

#define GS_TYPE_SYNC_INDEX (gs_sync_index_get_type())
G_DECLARE_FINAL_TYPE(GsSyncIndex, gs_sync_index, GS, SYNC_INDEX, GObject)

/* returns the current time in unix seconds */
typedef gint64 (*GsSyncClockFunc)(gpointer user_data);

GsSyncIndex *
gs_sync_index_new(void);
void
gs_sync_index_set_clock(GsSyncIndex *self, GsSyncClockFunc func, gpointer user_data);

GsSyncTargets *
gs_sync_index_get_targets(GsSyncIndex *self);

/* the three-way diff */
gboolean
gs_sync_index_diff(GsSyncIndex *self,
		   const gchar *relay,
		   GPtrArray **new_repos,
		   GPtrArray **new_roots);
gboolean
gs_sync_index_diff_touched(GsSyncIndex *self,
			   const gchar *relay,
			   GPtrArray **new_repos,
			   GPtrArray **new_roots);
void
gs_sync_index_peek_touched(GsSyncIndex *self, GHashTable **repos, GHashTable **roots);
void
gs_sync_index_clear_touched(GsSyncIndex *self);

/* per-relay state */
GsConnectionStatus
gs_sync_index_get_relay_status(GsSyncIndex *self, const gchar *relay);
void
gs_sync_index_set_relay_status(GsSyncIndex *self, const gchar *relay, GsConnectionStatus status);
gboolean
gs_sync_index_get_historic_sync_completed(GsSyncIndex *self, const gchar *relay);
gint64
gs_sync_index_get_historic_sync_completed_at(GsSyncIndex *self, const gchar *relay);
gboolean
gs_sync_index_get_historic_sync_had_failures(GsSyncIndex *self, const gchar *relay);
GPtrArray *
gs_sync_index_dup_confirmed_repos(GsSyncIndex *self, const gchar *relay);
GPtrArray *
gs_sync_index_dup_confirmed_roots(GsSyncIndex *self, const gchar *relay);
void
gs_sync_index_restore_confirmed(GsSyncIndex *self,
				const gchar *relay,
				GPtrArray *repos,
				GPtrArray *roots);
void
gs_sync_index_remove_relay(GsSyncIndex *self, const gchar *relay);

/* batches */
GsSyncBatch *
gs_sync_index_register_batch(GsSyncIndex *self,
			     const gchar *relay,
			     GsSyncMethod method,
			     GPtrArray *repos,
			     GPtrArray *roots,
			     GError **error);
gboolean
gs_sync_index_add_subscription(GsSyncIndex *self,
			       GsSyncBatch *batch,
			       const gchar *sub_id,
			       GsSyncPager *pager,
			       GError **error);
guint
gs_sync_index_remove_subscription(GsSyncIndex *self, GsSyncBatch *batch, const gchar *sub_id);
GsSyncBatch *
gs_sync_index_lookup_subscription(GsSyncIndex *self, const gchar *relay, const gchar *sub_id);
gboolean
gs_sync_index_end_batch(GsSyncIndex *self,
			GsSyncBatch *batch,
			GsSyncOutcome outcome,
			const gchar *reason,
			GError **error);
GPtrArray *
gs_sync_index_dup_pending_batches(GsSyncIndex *self, const gchar *relay);
guint
gs_sync_index_get_n_pending(GsSyncIndex *self, const gchar *relay);
guint
gs_sync_index_get_n_pending_total(GsSyncIndex *self);
GPtrArray *
gs_sync_index_dup_failed_batches(GsSyncIndex *self, const gchar *relay);
guint
gs_sync_index_get_n_failed(GsSyncIndex *self, const gchar *relay);
guint
gs_sync_index_get_n_failed_total(GsSyncIndex *self);
guint
gs_sync_index_abort_pending(GsSyncIndex *self, const gchar *relay);

/* sync entries (specs/sync.md 5) and the completion check (4.4) */
void
gs_sync_index_begin_fresh_start(GsSyncIndex *self, const gchar *relay);
void
gs_sync_index_begin_catch_up(GsSyncIndex *self, const gchar *relay);
GPtrArray *
gs_sync_index_take_failed_batches(GsSyncIndex *self, const gchar *relay);
void
gs_sync_index_relay_disconnected(GsSyncIndex *self, const gchar *relay);
gboolean
gs_sync_index_completion_should_wait(GsSyncIndex *self, const gchar *relay);
gboolean
gs_sync_index_completion_finish(GsSyncIndex *self, const gchar *relay);

G_END_DECLS
