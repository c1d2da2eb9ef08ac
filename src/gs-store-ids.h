/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* private to GsStore: a Bloom filter of the ids in events and deleted_ids (gs-store-ids.c) */
typedef struct _GsStoreIds GsStoreIds;

GsStoreIds *
gs_store_ids_new(void);
void
gs_store_ids_free(GsStoreIds *self);
void
gs_store_ids_set_headroom(GsStoreIds *self, guint headroom);
gboolean
gs_store_ids_begin(GsStoreIds *self, sqlite3 *db, GError **error);
gboolean
gs_store_ids_current(GsStoreIds *self, sqlite3 *db);
gboolean
gs_store_ids_may_contain(GsStoreIds *self, const guint8 *id);
void
gs_store_ids_add(GsStoreIds *self, const guint8 *id);

G_END_DECLS
