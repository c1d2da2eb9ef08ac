/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A Bloom filter of event ids by their first 8 bytes (gs_store_sql_key8()): "certainly not
 * here" or "maybe". Sized for a number of ids at 24 bits each, it counts as full at 10 bits
 * an id (4 probes: about 0.3 % and 1.2 % false hits); its owner then builds a larger one.
 * Not thread-safe: the owner locks. Used by the store (ids stored or deleted) and the ingest
 * (ids the workers need not verify). */
typedef struct _GsIdFilter GsIdFilter;

GsIdFilter *
gs_id_filter_new(guint64 n_ids);
void
gs_id_filter_free(GsIdFilter *self);
void
gs_id_filter_add(GsIdFilter *self, gint64 key8);
gboolean
gs_id_filter_may_contain(const GsIdFilter *self, gint64 key8);
gboolean
gs_id_filter_is_full(const GsIdFilter *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsIdFilter, gs_id_filter_free)

G_END_DECLS
