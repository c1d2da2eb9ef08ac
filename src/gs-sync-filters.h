/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-filter.h"
#include "gs-sync-pager.h"
#include "gs-sync-rules.h"

G_BEGIN_DECLS

/* values a filter names at most: 100 coordinates, identifiers or root ids (specs/sync.md 2) */
#define GS_SYNC_FILTERS_CHUNK 100
/* ids a negentropy fetch filter names at most (specs/sync.md 4.3) */
#define GS_SYNC_FILTERS_IDS_CHUNK 300

/**
 * GsSyncFiltersMode:
 * @GS_SYNC_FILTERS_LIVE: `limit:0`, for subscriptions kept open for the connection's life
 * @GS_SYNC_FILTERS_HISTORIC: no limit: the engine pages them (gs_sync_filters_page())
 */
typedef enum {
	GS_SYNC_FILTERS_LIVE,
	GS_SYNC_FILTERS_HISTORIC,
} GsSyncFiltersMode;

GPtrArray *
gs_sync_filters_layer1(GsSyncFiltersMode mode, gint64 since);
GPtrArray *
gs_sync_filters_state(GPtrArray *coordinates, GsSyncFiltersMode mode, gint64 since, GError **error);
GPtrArray *
gs_sync_filters_repos(GPtrArray *coordinates, GsSyncFiltersMode mode, gint64 since, GError **error);
GPtrArray *
gs_sync_filters_roots(GPtrArray *ids, GsSyncFiltersMode mode, gint64 since, GError **error);
GPtrArray *
gs_sync_filters_items(GPtrArray *full_repos,
		      GPtrArray *state_only_repos,
		      GPtrArray *roots,
		      GsSyncFiltersMode mode,
		      gint64 since,
		      GError **error);
GPtrArray *
gs_sync_filters_ids(GPtrArray *ids, GError **error);

GsSyncPager *
gs_sync_filters_pager_new(const GsFilter *base, guint limit);
GsFilter *
gs_sync_filters_page(const GsFilter *base, const GsSyncPager *pager);

G_END_DECLS
