/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-filter.h"
#include "gs-sync-pager.h"

struct _GsSyncPager {
	guint limit;		/* the configured page limit */
	gint64 since;		/* the base filter's since, -1 when absent */
	gint64 until;		/* the next page's until, -1 for the first page */
	guint page_limit;	/* the next page's limit */
	gboolean crowded;	/* the next page asks for the boundary second alone */
	gboolean done;		/* paging has ended */
	gint64 boundary;	/* the oldest second reached so far, -1 before the first page */
	GHashTable *known;	/* ids seen at the boundary second */
	guint n_pages;		/* pages ended */
	guint n_received;	/* distinct new events over all pages */
	guint n_page;		/* distinct events in the current page */
	guint n_page_new;	/* of which new */
	gint64 page_oldest;	/* the oldest created_at in the current page */
	GHashTable *page_ids;	/* ids of the current page */
	GHashTable *oldest_ids; /* ids of the current page at page_oldest */
};

/**
 * gs_sync_pager_new:
 * @limit: the page limit (`req-page-limit`); 0 means the default, 500
 * @since: the base filter's `since`, or -1 when it has none
 *
 * Returns: (transfer full): a pager for one historic subscription, ready for its first page
 */
GsSyncPager *
gs_sync_pager_new(guint limit, gint64 since)
{
	GsSyncPager *self = g_new0(GsSyncPager, 1);
	self->limit = limit > 0 ? MIN(limit, GS_SYNC_PAGER_MAX_LIMIT) : GS_SYNC_PAGER_DEFAULT_LIMIT;
	self->since = since >= 0 ? since : -1;
	self->until = -1;
	self->page_limit = self->limit;
	self->boundary = -1;
	self->page_oldest = G_MAXINT64;
	self->known = g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
	self->page_ids = g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
	self->oldest_ids = g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
	return self;
}

void
gs_sync_pager_free(GsSyncPager *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->known);
	g_hash_table_unref(self->page_ids);
	g_hash_table_unref(self->oldest_ids);
	g_free(self);
}

/**
 * gs_sync_pager_get_page:
 * @since: (out) (optional): the page's since, -1 for none (the base filter's own since, if
 *   any, is already folded in)
 * @until: (out) (optional): the page's until, -1 for none
 * @limit: (out) (optional): the page's limit
 *
 * The bounds of the page to send next: apply them to a copy of the subscription's base filter.
 */
void
gs_sync_pager_get_page(const GsSyncPager *self, gint64 *since, gint64 *until, gint64 *limit)
{
	if (since != NULL)
		*since = self->crowded ? MAX(self->boundary, self->since) : self->since;
	if (until != NULL)
		*until = self->until;
	if (limit != NULL)
		*limit = self->page_limit;
}

static gboolean
gs_sync_pager_in_bounds(const GsSyncPager *self, gint64 created_at)
{
	gint64 since = -1;
	gs_sync_pager_get_page(self, &since, NULL, NULL);
	if (self->until >= 0 && created_at > self->until)
		return FALSE;
	return since < 0 || created_at >= since;
}

static void
gs_sync_pager_track_oldest(GsSyncPager *self, const gchar *id, gint64 created_at)
{
	if (created_at < self->page_oldest) {
		self->page_oldest = created_at;
		g_hash_table_remove_all(self->oldest_ids);
	}
	if (created_at == self->page_oldest)
		g_hash_table_add(self->oldest_ids, g_strdup(id));
}

/**
 * gs_sync_pager_record:
 * @id: the event id (64 hex digits)
 * @created_at: the event's created_at
 *
 * Counts one event of the current page. Events outside the page's bounds (relays that ignore
 * `since`/`until`) and repeats within the page are ignored.
 *
 * Returns: %TRUE when the event is new to this subscription
 */
gboolean
gs_sync_pager_record(GsSyncPager *self, const gchar *id, gint64 created_at)
{
	gboolean is_new;

	g_return_val_if_fail(id != NULL, FALSE);
	if (self->done || !gs_sync_pager_in_bounds(self, created_at))
		return FALSE;
	if (!g_hash_table_add(self->page_ids, g_strdup(id)))
		return FALSE;
	self->n_page++;
	is_new = created_at != self->boundary || !g_hash_table_contains(self->known, id);
	if (is_new) {
		self->n_page_new++;
		self->n_received++;
	}
	gs_sync_pager_track_oldest(self, id, created_at);
	return is_new;
}

static void
gs_sync_pager_add_all(GHashTable *dst, GHashTable *src)
{
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, src);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_hash_table_add(dst, g_strdup(key));
}

/* the boundary second holds more than a page: ask for it alone with a larger limit */
static GsSyncPageStep
gs_sync_pager_crowd(GsSyncPager *self)
{
	guint want = g_hash_table_size(self->known) + self->limit;

	if (want > GS_SYNC_PAGER_MAX_LIMIT)
		return GS_SYNC_PAGE_STEP_DONE;
	self->crowded = TRUE;
	self->until = self->boundary;
	self->page_limit = want;
	return GS_SYNC_PAGE_STEP_NEXT;
}

/* the boundary second gave all it will give: continue below it */
static GsSyncPageStep
gs_sync_pager_step_past(GsSyncPager *self)
{
	gint64 until = self->boundary - 1;

	self->crowded = FALSE;
	self->page_limit = self->limit;
	self->until = until;
	g_hash_table_remove_all(self->known);
	if (until < 0 || (self->since >= 0 && until < self->since))
		return GS_SYNC_PAGE_STEP_DONE;
	return GS_SYNC_PAGE_STEP_NEXT;
}

static GsSyncPageStep
gs_sync_pager_end_plain_page(GsSyncPager *self, gboolean full)
{
	if (!full)
		return GS_SYNC_PAGE_STEP_DONE;
	if (self->n_page_new == 0) {
		GsSyncPageStep step = gs_sync_pager_crowd(self);
		if (step == GS_SYNC_PAGE_STEP_DONE)
			return gs_sync_pager_step_past(self);
		return step;
	}
	if (self->page_oldest != self->boundary) {
		self->boundary = self->page_oldest;
		g_hash_table_remove_all(self->known);
	}
	gs_sync_pager_add_all(self->known, self->oldest_ids);
	self->until = self->boundary;
	return GS_SYNC_PAGE_STEP_NEXT;
}

static GsSyncPageStep
gs_sync_pager_end_crowded_page(GsSyncPager *self, gboolean full)
{
	gs_sync_pager_add_all(self->known, self->page_ids);
	if (full && self->n_page_new > 0 && gs_sync_pager_crowd(self) == GS_SYNC_PAGE_STEP_NEXT)
		return GS_SYNC_PAGE_STEP_NEXT;
	return gs_sync_pager_step_past(self);
}

/**
 * gs_sync_pager_end_page:
 *
 * Decides, at EOSE of the current page, whether another page is needed; when it is,
 * gs_sync_pager_get_page() gives its bounds. Once DONE, it stays DONE.
 *
 * Returns: %GS_SYNC_PAGE_STEP_NEXT or %GS_SYNC_PAGE_STEP_DONE
 */
GsSyncPageStep
gs_sync_pager_end_page(GsSyncPager *self)
{
	GsSyncPageStep step;
	gboolean full;

	if (self->done)
		return GS_SYNC_PAGE_STEP_DONE;
	self->n_pages++;
	full = self->n_page >= MIN(self->page_limit, GS_SYNC_PAGER_FULL_THRESHOLD);
	if (self->crowded)
		step = gs_sync_pager_end_crowded_page(self, full);
	else
		step = gs_sync_pager_end_plain_page(self, full);
	self->n_page = 0;
	self->n_page_new = 0;
	self->page_oldest = G_MAXINT64;
	g_hash_table_remove_all(self->page_ids);
	g_hash_table_remove_all(self->oldest_ids);
	self->done = step == GS_SYNC_PAGE_STEP_DONE;
	return step;
}

guint
gs_sync_pager_get_limit(const GsSyncPager *self)
{
	return self->limit;
}

guint
gs_sync_pager_get_n_pages(const GsSyncPager *self)
{
	return self->n_pages;
}

/* distinct events that were new to this subscription, over all pages */
guint
gs_sync_pager_get_n_received(const GsSyncPager *self)
{
	return self->n_received;
}

/* distinct in-bounds events of the current page so far */
guint
gs_sync_pager_get_n_page_events(const GsSyncPager *self)
{
	return self->n_page;
}
