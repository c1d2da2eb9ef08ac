/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include <glib.h>

G_BEGIN_DECLS

/* private to GsStore: the schema and its migrations, versioned by `PRAGMA user_version` */

guint
gs_store_schema_get_latest(void);
gboolean
gs_store_schema_migrate(sqlite3 *db, const gchar *path, guint *version_out, GError **error);

G_END_DECLS
