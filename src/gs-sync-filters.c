/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-filter.h"
#include "gs-sync-filters.h"

/*
 * The three layers of specs/sync.md 2. Every builder returns a new array of new filters, with
 * values sorted and de-duplicated so that the same items always give the same filters (the
 * engine compares them when it rebuilds live subscriptions).
 */

static gint
gs_sync_filters_strcmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* the distinct keys of @set, sorted (the set's own strings, not copies) */
static GPtrArray *
gs_sync_filters_sorted(GHashTable *set)
{
	GPtrArray *out = g_ptr_array_sized_new(g_hash_table_size(set));
	GHashTableIter iter;
	gpointer key;

	/* the set's own strings: it outlives the filters' building, which copies them */
	g_hash_table_iter_init(&iter, set);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(out, key);
	g_ptr_array_sort(out, gs_sync_filters_strcmp);
	return out;
}

static GPtrArray *
gs_sync_filters_new_array(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
}

static GsFilter *
gs_sync_filters_finish(GsFilter *filter, GsSyncFiltersMode mode, gint64 since)
{
	if (mode == GS_SYNC_FILTERS_LIVE)
		gs_filter_set_limit(filter, 0);
	if (since >= 0)
		gs_filter_set_since(filter, since);
	return filter;
}

/* adds the values of @items (nullable) to @set, after checking each */
static gboolean
gs_sync_filters_collect(GHashTable *set, GPtrArray *items, gboolean as_identifiers, GError **error)
{
	for (guint i = 0; items != NULL && i < items->len; i++) {
		const gchar *item = g_ptr_array_index(items, i);
		g_autofree gchar *d = NULL;

		if (!gs_sync_check_repo_coordinate(item, &d, error))
			return FALSE;
		/* identifiers are new strings the set owns; coordinates are borrowed from @items */
		g_hash_table_add(set, as_identifiers ? g_steal_pointer(&d) : (gpointer)item);
	}
	return TRUE;
}

static gboolean
gs_sync_filters_collect_ids(GHashTable *set, GPtrArray *ids, GError **error)
{
	for (guint i = 0; ids != NULL && i < ids->len; i++) {
		const gchar *id = g_ptr_array_index(ids, i);
		if (!gs_sync_check_event_id(id, error))
			return FALSE;
		/* borrowed from @ids */
		g_hash_table_add(set, (gpointer)id);
	}
	return TRUE;
}

/* one filter a tag letter per chunk of @values: `{#x:[chunk]}` for each x of @letters */
static void
gs_sync_filters_add_tagged(GPtrArray *out,
			   GPtrArray *values,
			   const gchar *letters,
			   GsSyncFiltersMode mode,
			   gint64 since)
{
	for (guint start = 0; start < values->len; start += GS_SYNC_FILTERS_CHUNK) {
		guint end = MIN(start + GS_SYNC_FILTERS_CHUNK, values->len);
		for (const gchar *l = letters; *l != '\0'; l++) {
			GsFilter *filter = gs_filter_new();
			/* the values come from a set: distinct */
			gs_filter_add_tag_values_distinct(filter,
							  *l,
							  (const gchar *const *)values->pdata +
								  start,
							  end - start);
			g_ptr_array_add(out, gs_sync_filters_finish(filter, mode, since));
		}
	}
}

/**
 * gs_sync_filters_layer1:
 * @since: -1 for none
 *
 * Returns: (transfer full) (element-type GsFilter): `{kinds:[30617,10317]}`
 */
GPtrArray *
gs_sync_filters_layer1(GsSyncFiltersMode mode, gint64 since)
{
	GPtrArray *out = gs_sync_filters_new_array();
	GsFilter *filter = gs_filter_new();

	gs_filter_add_kind(filter, GS_SYNC_KIND_REPO_ANNOUNCEMENT);
	gs_filter_add_kind(filter, GS_SYNC_KIND_USER_GRASP_LIST);
	g_ptr_array_add(out, gs_sync_filters_finish(filter, mode, since));
	return out;
}

/**
 * gs_sync_filters_state:
 * @coordinates: (nullable) (element-type utf8): repositories of either level
 *
 * `{kinds:[30618], #d:[identifiers]}`, 100 distinct identifiers a filter: coordinates of
 * different owners sharing an identifier need one value.
 *
 * Returns: (transfer full) (element-type GsFilter): the filters, or %NULL with @error set when
 *   an item is not a repository coordinate
 */
GPtrArray *
gs_sync_filters_state(GPtrArray *coordinates, GsSyncFiltersMode mode, gint64 since, GError **error)
{
	g_autoptr(GHashTable) set =
		g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) identifiers = NULL;
	GPtrArray *out;

	if (!gs_sync_filters_collect(set, coordinates, TRUE, error))
		return NULL;
	identifiers = gs_sync_filters_sorted(set);
	out = gs_sync_filters_new_array();
	for (guint start = 0; start < identifiers->len; start += GS_SYNC_FILTERS_CHUNK) {
		GsFilter *filter = gs_filter_new();
		guint end = MIN(start + GS_SYNC_FILTERS_CHUNK, identifiers->len);

		gs_filter_add_kind(filter, GS_SYNC_KIND_REPO_STATE);
		gs_filter_add_tag_values_distinct(
			filter, 'd', (const gchar *const *)identifiers->pdata + start, end - start);
		g_ptr_array_add(out, gs_sync_filters_finish(filter, mode, since));
	}
	return out;
}

/**
 * gs_sync_filters_repos:
 * @coordinates: (nullable) (element-type utf8): full repositories
 *
 * `{#a:[coords]}`, `{#A:[coords]}`, `{#q:[coords]}` for every chunk of 100 coordinates.
 *
 * Returns: (transfer full) (element-type GsFilter): the filters, or %NULL with @error set
 */
GPtrArray *
gs_sync_filters_repos(GPtrArray *coordinates, GsSyncFiltersMode mode, gint64 since, GError **error)
{
	g_autoptr(GHashTable) set = g_hash_table_new(gs_filter_value_hash, g_str_equal);
	g_autoptr(GPtrArray) sorted = NULL;
	GPtrArray *out;

	if (!gs_sync_filters_collect(set, coordinates, FALSE, error))
		return NULL;
	sorted = gs_sync_filters_sorted(set);
	out = gs_sync_filters_new_array();
	gs_sync_filters_add_tagged(out, sorted, "aAq", mode, since);
	return out;
}

/**
 * gs_sync_filters_roots:
 * @ids: (nullable) (element-type utf8): root events of full repositories
 *
 * `{#e:[ids]}`, `{#E:[ids]}`, `{#q:[ids]}` for every chunk of 100 ids.
 *
 * Returns: (transfer full) (element-type GsFilter): the filters, or %NULL with @error set when
 *   an item is not 64 lower-case hex digits
 */
GPtrArray *
gs_sync_filters_roots(GPtrArray *ids, GsSyncFiltersMode mode, gint64 since, GError **error)
{
	g_autoptr(GHashTable) set = g_hash_table_new(gs_filter_value_hash, g_str_equal);
	g_autoptr(GPtrArray) sorted = NULL;
	GPtrArray *out;

	if (!gs_sync_filters_collect_ids(set, ids, error))
		return NULL;
	sorted = gs_sync_filters_sorted(set);
	out = gs_sync_filters_new_array();
	gs_sync_filters_add_tagged(out, sorted, "eEq", mode, since);
	return out;
}

static void
gs_sync_filters_append(GPtrArray *dst, GPtrArray *src)
{
	for (guint i = 0; i < src->len; i++)
		g_ptr_array_add(dst, gs_filter_ref(g_ptr_array_index(src, i)));
}

/**
 * gs_sync_filters_items:
 * @full_repos: (nullable) (element-type utf8): repositories synced in full
 * @state_only_repos: (nullable) (element-type utf8): repositories whose state alone is synced
 * @roots: (nullable) (element-type utf8): root events of the full repositories
 *
 * Layers 2 and 3 for a set of items, in the order state, repository, root filters. A
 * repository given at both levels counts as full.
 *
 * Returns: (transfer full) (element-type GsFilter): the filters, or %NULL with @error set
 */
GPtrArray *
gs_sync_filters_items(GPtrArray *full_repos,
		      GPtrArray *state_only_repos,
		      GPtrArray *roots,
		      GsSyncFiltersMode mode,
		      gint64 since,
		      GError **error)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new();
	g_autoptr(GPtrArray) state = NULL;
	g_autoptr(GPtrArray) repos = NULL;
	g_autoptr(GPtrArray) l3 = NULL;
	GPtrArray *out;

	for (guint i = 0; full_repos != NULL && i < full_repos->len; i++)
		g_ptr_array_add(all, g_ptr_array_index(full_repos, i));
	for (guint i = 0; state_only_repos != NULL && i < state_only_repos->len; i++)
		g_ptr_array_add(all, g_ptr_array_index(state_only_repos, i));
	state = gs_sync_filters_state(all, mode, since, error);
	if (state == NULL)
		return NULL;
	repos = gs_sync_filters_repos(full_repos, mode, since, error);
	if (repos == NULL)
		return NULL;
	l3 = gs_sync_filters_roots(roots, mode, since, error);
	if (l3 == NULL)
		return NULL;
	out = gs_sync_filters_new_array();
	gs_sync_filters_append(out, state);
	gs_sync_filters_append(out, repos);
	gs_sync_filters_append(out, l3);
	return out;
}

/**
 * gs_sync_filters_ids:
 * @ids: (element-type utf8): ids negentropy found missing; repeats are dropped (a session
 *   with frame limits can report an id twice), order is kept
 *
 * Returns: (transfer full) (element-type GsFilter): `{ids:[...]}` filters of at most 300 ids,
 *   or %NULL with @error set when an item is not 64 lower-case hex digits
 */
GPtrArray *
gs_sync_filters_ids(GPtrArray *ids, GError **error)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(gs_filter_value_hash, g_str_equal);
	g_autoptr(GPtrArray) out = gs_sync_filters_new_array();
	GsFilter *filter = NULL;
	guint n = 0;

	for (guint i = 0; ids != NULL && i < ids->len; i++) {
		const gchar *id = g_ptr_array_index(ids, i);
		if (!gs_sync_check_event_id(id, error))
			return NULL;
		if (!g_hash_table_add(seen, (gpointer)id))
			continue;
		if (n % GS_SYNC_FILTERS_IDS_CHUNK == 0) {
			filter = gs_filter_new();
			g_ptr_array_add(out, filter);
		}
		gs_filter_add_id(filter, id);
		n++;
	}
	return g_steal_pointer(&out);
}

/**
 * gs_sync_filters_pager_new:
 * @base: a historic filter
 * @limit: the page limit, 0 for the default
 *
 * Returns: (transfer full): the pager for a subscription of @base
 */
GsSyncPager *
gs_sync_filters_pager_new(const GsFilter *base, guint limit)
{
	return gs_sync_pager_new(limit, gs_filter_get_since(base));
}

/**
 * gs_sync_filters_page:
 * @base: the subscription's historic filter
 * @pager: its pager
 *
 * Returns: (transfer full): a copy of @base bounded for the pager's next page
 */
GsFilter *
gs_sync_filters_page(const GsFilter *base, const GsSyncPager *pager)
{
	GsFilter *page = gs_filter_copy(base);
	gint64 since, until, limit;

	gs_sync_pager_get_page(pager, &since, &until, &limit);
	if (since >= 0)
		gs_filter_set_since(page, since);
	if (until >= 0)
		gs_filter_set_until(page, until);
	gs_filter_set_limit(page, limit);
	return page;
}
