/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-sync-batch.h"

G_BEGIN_DECLS

/* for GsSyncIndex only: it keeps the relay-wide bookkeeping in step with these */

GsSyncBatch *
gs_sync_batch_new(guint64 id,
		  const gchar *relay,
		  GsSyncMethod method,
		  GPtrArray *repos,
		  GPtrArray *roots,
		  gint64 started_at);
void
gs_sync_batch_add_subscription(GsSyncBatch *self, const gchar *sub_id, GsSyncPager *pager);
gboolean
gs_sync_batch_remove_subscription(GsSyncBatch *self, const gchar *sub_id);
void
gs_sync_batch_finish(GsSyncBatch *self,
		     GsSyncOutcome outcome,
		     const gchar *reason,
		     gint64 ended_at);

G_END_DECLS
