/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * GsIngestKnown: the ids GsIngest's workers need not verify again (gs-ingest-known.c): the
 * events stored (a Bloom filter of them, then a lookup on read-only connections of the store
 * file, one per worker at a time) and those verified and still in the pipeline. Thread-safe.
 */
typedef struct _GsIngestKnown GsIngestKnown;

GsIngestKnown *
gs_ingest_known_new(const gchar *store_path);
void
gs_ingest_known_free(GsIngestKnown *self);
gboolean
gs_ingest_known_contains(GsIngestKnown *self, const guint8 *id);
void
gs_ingest_known_add_stored(GsIngestKnown *self, const guint8 *id);
void
gs_ingest_known_add(GsIngestKnown *self, const guint8 *id);
void
gs_ingest_known_remove(GsIngestKnown *self, const guint8 *id);

G_END_DECLS
