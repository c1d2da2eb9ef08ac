/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define GS_SYNC_PAGER_DEFAULT_LIMIT 500
/* a page with at least min(limit, this) events may have been cut short by the relay */
#define GS_SYNC_PAGER_FULL_THRESHOLD 75
/* the largest limit asked for while draining one crowded second */
#define GS_SYNC_PAGER_MAX_LIMIT 10000

/**
 * GsSyncPageStep:
 * @GS_SYNC_PAGE_STEP_NEXT: send the next page (gs_sync_pager_get_page() says which)
 * @GS_SYNC_PAGE_STEP_DONE: the subscription has everything the relay will give
 */
typedef enum {
	GS_SYNC_PAGE_STEP_NEXT,
	GS_SYNC_PAGE_STEP_DONE,
} GsSyncPageStep;

/**
 * GsSyncPager:
 *
 * The REQ+EOSE paging of one historic subscription (specs/sync.md 4.5), as a pure state
 * machine: no filter, no I/O. Record every event of a page with gs_sync_pager_record(), call
 * gs_sync_pager_end_page() at EOSE, and when it says NEXT send the base filter again with the
 * bounds of gs_sync_pager_get_page().
 *
 * A page of at least min(limit, 75) events may be cut short, so the next page asks for
 * `until = oldest created_at seen` (inclusive: events sharing that second are not lost). The
 * ids seen at that boundary second are kept; a page that brings nothing new at the boundary
 * means the second holds more events than one page: the pager then asks for that second alone
 * (`since = until = boundary`) with a limit large enough for what it knows plus a page, and
 * when even that brings nothing new (a relay that caps its pages) it steps past the second
 * (`until = boundary - 1`). Every step either learns a new id or moves `until` back, so paging
 * always ends.
 */
typedef struct _GsSyncPager GsSyncPager;

GsSyncPager *
gs_sync_pager_new(guint limit, gint64 since);
void
gs_sync_pager_free(GsSyncPager *self);

void
gs_sync_pager_get_page(const GsSyncPager *self, gint64 *since, gint64 *until, gint64 *limit);
gboolean
gs_sync_pager_record(GsSyncPager *self, const gchar *id, gint64 created_at);
GsSyncPageStep
gs_sync_pager_end_page(GsSyncPager *self);

guint
gs_sync_pager_get_limit(const GsSyncPager *self);
guint
gs_sync_pager_get_n_pages(const GsSyncPager *self);
guint
gs_sync_pager_get_n_received(const GsSyncPager *self);
guint
gs_sync_pager_get_n_page_events(const GsSyncPager *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsSyncPager, gs_sync_pager_free)

G_END_DECLS
