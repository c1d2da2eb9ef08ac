/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-store.h"

G_BEGIN_DECLS

/**
 * GsRelayReplay:
 *
 * The stored events of one REQ, read from the store page by page instead of in one query, so
 * that a large REQ neither holds its whole result in memory nor blocks the main loop for long.
 *
 * Each filter is read as a stream of pages, newest first, continuing with `until` at the last
 * event given and skipping the ids already given at that timestamp; the streams are merged in
 * the store's order (created_at descending, then id ascending) and an event matching several
 * filters is given once. The result is the same set, in the same order, as gs_store_query()
 * with the same filters, except that events stored or deleted while the replay runs may be
 * included or left out. Events come as their stored JSON, never parsed, already wrapped in the
 * `["EVENT",<sub id>,...]` message (gs_store_query_raw()).
 */
typedef struct _GsRelayReplay GsRelayReplay;

GsRelayReplay *
gs_relay_replay_new(GsStore *store, GPtrArray *filters, const gchar *sub_id);
void
gs_relay_replay_free(GsRelayReplay *self);
GsStoreRawEvent *
gs_relay_replay_next(GsRelayReplay *self, GHashTable *exclude, GError **error);
guint
gs_relay_replay_get_query_count(GsRelayReplay *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsRelayReplay, gs_relay_replay_free)

G_END_DECLS
