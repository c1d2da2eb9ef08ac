/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* GsStore's checkpoint thread (gs-store-checkpoint.c); private to the store */
typedef struct _GsStoreCheckpointer GsStoreCheckpointer;

GsStoreCheckpointer *
gs_store_checkpointer_new(sqlite3 *writer, const gchar *path, guint threshold, GError **error);
void
gs_store_checkpointer_set_threshold(GsStoreCheckpointer *self, guint threshold);
void
gs_store_checkpointer_wait(GsStoreCheckpointer *self);
guint
gs_store_checkpointer_get_runs(GsStoreCheckpointer *self);
guint
gs_store_checkpointer_get_restarts(GsStoreCheckpointer *self);
void
gs_store_checkpointer_free(GsStoreCheckpointer *self, sqlite3 *writer);

G_END_DECLS
