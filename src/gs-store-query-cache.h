/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "gs-store.h"

G_BEGIN_DECLS

/* the idle statements a store keeps; past it the least recently used one is finalised */
#define GS_STORE_QUERY_CACHE_MAX 64

sqlite3_stmt *
gs_store_query_cache_prepare(GsStore *store, const gchar *sql, GArray *params, GError **error);
void
gs_store_query_cache_release(GsStore *store, sqlite3_stmt *stmt);

G_END_DECLS
