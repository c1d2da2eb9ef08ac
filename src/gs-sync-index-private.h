/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-sync-index.h"
#include "gs-sync-relay-state.h"

G_BEGIN_DECLS

/* internal to gs-sync-index.c and gs-sync-index-diff.c */
struct _GsSyncIndex {
	GObject parent_instance;
	GsSyncTargets *targets;
	GsSyncClockFunc clock;
	gpointer clock_data;
	GHashTable *relays; /* relay -> GsSyncRelayState */
	guint64 last_batch_id;
	guint n_pending; /* the values last notified */
	guint n_failed;
	/* repositories and roots whose targets changed since gs_sync_index_clear_touched() */
	GHashTable *touched_repos;
	GHashTable *touched_roots;
};

GHashTable *
gs_sync_set_new(void);
GsSyncRelayState *
gs_sync_index_relay(GsSyncIndex *self, const gchar *relay, gboolean create);

gint64
gs_sync_index_now(GsSyncIndex *self);
void
gs_sync_index_update_counts(GsSyncIndex *self);
void
gs_sync_index_change_status(GsSyncIndex *self, const gchar *relay, GsConnectionStatus status);

G_END_DECLS
