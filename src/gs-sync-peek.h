/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "gs-filter.h"

G_BEGIN_DECLS

typedef enum {
	GS_SYNC_PEEK_UNSURE,
	GS_SYNC_PEEK_MATCH,
	GS_SYNC_PEEK_NO_MATCH,
} GsSyncPeekResult;

GHashTable *
gs_sync_peek_values(const GsFilter *filter);
GsSyncPeekResult
gs_sync_peek_match(const gchar *json,
		   gsize len,
		   const GsFilter *filter,
		   GHashTable *values,
		   gchar *id_out,
		   gint64 *created_at);

G_END_DECLS
