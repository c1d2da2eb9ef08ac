/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-enums.h"
#include "gs-sync-batch.h"

G_BEGIN_DECLS

/*
 * GsSyncRelayState: what #GsSyncIndex knows about one relay. Internal to the index, which
 * reads and writes the fields directly and keeps its signals and counts in step; these
 * functions are the parts that need no signal.
 */
typedef struct {
	GsConnectionStatus status;
	GHashTable *confirmed_repos; /* coordinate -> GINT_TO_POINTER(level + 1) it was synced at */
	GHashTable *confirmed_roots; /* set of ids */
	GPtrArray *pending;	     /* of GsSyncBatch, in registration order */
	GHashTable *pending_repos;   /* the repositories of the pending batches (borrowed) */
	GHashTable *pending_roots;   /* the root ids of the pending batches (borrowed) */
	GPtrArray *failed;	     /* of GsSyncBatch, ended failed, kept for RetryFailed */
	gboolean completed;	     /* historic_sync_completed */
	gint64 completed_at;	     /* historic_sync_completed_at, -1 when never */
	gboolean had_failures;	     /* historic_sync_had_failures */
} GsSyncRelayState;

GsSyncRelayState *
gs_sync_relay_state_new(void);
void
gs_sync_relay_state_free(GsSyncRelayState *self);

gint
gs_sync_relay_state_get_confirmed_level(GsSyncRelayState *self, const gchar *coordinate);
void
gs_sync_relay_state_confirm_repo(GsSyncRelayState *self,
				 const gchar *coordinate,
				 GsSyncLevel level);
void
gs_sync_relay_state_add_pending(GsSyncRelayState *self, GsSyncBatch *batch);
void
gs_sync_relay_state_remove_pending(GsSyncRelayState *self, guint idx);
gboolean
gs_sync_relay_state_check_not_pending(GsSyncRelayState *self,
				      GPtrArray *repos,
				      GPtrArray *roots,
				      GError **error);
GsSyncBatch *
gs_sync_relay_state_lookup_subscription(GsSyncRelayState *self, const gchar *sub_id);

GPtrArray *
gs_sync_batches_dup(GPtrArray *batches);
GPtrArray *
gs_sync_set_dup_sorted(GHashTable *set);

G_END_DECLS
