/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gs-error.h"
#include "gs-sync-filters.h"
#include "gs-test-utils.h"

static gchar *
test_coord(guint owner, const gchar *d)
{
	return g_strdup_printf("30617:%064x:%s", owner, d);
}

static GPtrArray *
test_coords(guint n, gboolean distinct_identifiers)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *d = g_strdup_printf("repo-%u", distinct_identifiers ? i : 0);
		g_ptr_array_add(out, test_coord(i, d));
	}
	return out;
}

static GPtrArray *
test_ids(guint n)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < n; i++)
		g_ptr_array_add(out, g_strdup_printf("%064x", i + 1));
	return out;
}

static guint
test_count(GPtrArray *full, GPtrArray *state_only, GPtrArray *roots)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) filters = gs_sync_filters_items(
		full, state_only, roots, GS_SYNC_FILTERS_HISTORIC, -1, &error);
	g_assert_no_error(error);
	return filters != NULL ? filters->len : G_MAXUINT;
}

static void
gs_sync_filters_reference_counts(void)
{
	g_autoptr(GPtrArray) one = test_coords(1, TRUE);
	g_autoptr(GPtrArray) many = test_coords(250, TRUE);
	g_autoptr(GPtrArray) shared = test_coords(3, FALSE);
	g_autoptr(GPtrArray) root = test_ids(1);
	g_autoptr(GPtrArray) state = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(test_count(one, NULL, NULL), ==, 4);
	g_assert_cmpuint(test_count(one, NULL, root), ==, 7);
	g_assert_cmpuint(test_count(NULL, NULL, root), ==, 3);
	g_assert_cmpuint(test_count(many, NULL, NULL), ==, 3 + 9);
	g_assert_cmpuint(test_count(NULL, one, NULL), ==, 1);
	g_assert_cmpuint(test_count(NULL, NULL, NULL), ==, 0);
	/* three owners sharing one identifier: one state filter naming it once */
	state = gs_sync_filters_state(shared, GS_SYNC_FILTERS_HISTORIC, -1, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(state->len, ==, 1);
	g_assert_cmpuint(gs_filter_get_tag_values(g_ptr_array_index(state, 0), 'd')->len, ==, 1);
	g_assert_cmpuint(test_count(shared, NULL, NULL), ==, 1 + 3);
	/* a repository given at both levels counts once, as full */
	g_assert_cmpuint(test_count(one, one, NULL), ==, 4);
}

static void
gs_sync_filters_chunks(void)
{
	g_autoptr(GPtrArray) many = test_coords(250, TRUE);
	g_autoptr(GPtrArray) roots = test_ids(201);
	g_autoptr(GPtrArray) filters = NULL;
	g_autoptr(GError) error = NULL;
	const guint sizes[] = {100, 100, 50};

	filters = gs_sync_filters_items(many, NULL, roots, GS_SYNC_FILTERS_HISTORIC, -1, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(filters->len, ==, 3 + 9 + 9);
	for (guint i = 0; i < 3; i++) {
		GsFilter *f = g_ptr_array_index(filters, i);
		g_autofree gchar *letters = gs_filter_get_tag_letters(f);
		g_assert_cmpstr(letters, ==, "d");
		g_assert_cmpuint(gs_filter_get_kinds(f)->len, ==, 1);
		g_assert_cmpuint(g_array_index(gs_filter_get_kinds(f), guint, 0), ==, 30618);
		g_assert_cmpuint(gs_filter_get_tag_values(f, 'd')->len, ==, sizes[i]);
	}
	for (guint i = 3; i < 12; i++) {
		GsFilter *f = g_ptr_array_index(filters, i);
		g_autofree gchar *letters = gs_filter_get_tag_letters(f);
		const gchar want = "aAq"[(i - 3) % 3];
		g_assert_cmpuint(strlen(letters), ==, 1);
		g_assert_cmpint(letters[0], ==, want);
		g_assert_null(gs_filter_get_kinds(f));
		g_assert_cmpuint(gs_filter_get_tag_values(f, want)->len, ==, sizes[(i - 3) / 3]);
	}
	for (guint i = 12; i < 21; i++) {
		GsFilter *f = g_ptr_array_index(filters, i);
		const gchar want = "eEq"[(i - 12) % 3];
		const guint n = (i - 12) / 3 < 2 ? 100 : 1;
		g_assert_cmpuint(gs_filter_get_tag_values(f, want)->len, ==, n);
		g_assert_cmpint(gs_filter_get_limit(f), ==, -1);
		g_assert_cmpint(gs_filter_get_since(f), ==, -1);
	}
}

static void
gs_sync_filters_json(void)
{
	g_autoptr(GPtrArray) live = gs_sync_filters_layer1(GS_SYNC_FILTERS_LIVE, -1);
	g_autoptr(GPtrArray) hist = gs_sync_filters_layer1(GS_SYNC_FILTERS_HISTORIC, 1700000000);
	g_autoptr(GPtrArray) one = g_ptr_array_new();
	g_autoptr(GPtrArray) root = test_ids(1);
	g_autoptr(GPtrArray) filters = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *coord = test_coord(10, "my-repo");
	g_autofree gchar *json = NULL;
	g_autofree gchar *expect = NULL;

	g_assert_cmpuint(live->len, ==, 1);
	json = gs_filter_to_json(g_ptr_array_index(live, 0));
	g_assert_cmpstr(json, ==, "{\"kinds\":[30617,10317],\"limit\":0}");
	g_clear_pointer(&json, g_free);
	json = gs_filter_to_json(g_ptr_array_index(hist, 0));
	g_assert_cmpstr(json, ==, "{\"kinds\":[30617,10317],\"since\":1700000000}");

	g_ptr_array_add(one, coord);
	filters = gs_sync_filters_items(one, NULL, root, GS_SYNC_FILTERS_LIVE, 5, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(filters->len, ==, 7);
	g_clear_pointer(&json, g_free);
	json = gs_filter_to_json(g_ptr_array_index(filters, 0));
	g_assert_cmpstr(
		json, ==, "{\"kinds\":[30618],\"#d\":[\"my-repo\"],\"since\":5,\"limit\":0}");
	g_clear_pointer(&json, g_free);
	json = gs_filter_to_json(g_ptr_array_index(filters, 1));
	expect = g_strdup_printf("{\"#a\":[\"%s\"],\"since\":5,\"limit\":0}", coord);
	g_assert_cmpstr(json, ==, expect);
	g_clear_pointer(&json, g_free);
	g_clear_pointer(&expect, g_free);
	json = gs_filter_to_json(g_ptr_array_index(filters, 4));
	expect = g_strdup_printf("{\"#e\":[\"%s\"],\"since\":5,\"limit\":0}",
				 (gchar *)g_ptr_array_index(root, 0));
	g_assert_cmpstr(json, ==, expect);
}

static void
gs_sync_filters_bad_items(void)
{
	const gchar *bad_coords[] = {
		"",
		"nonsense",
		"30618:0000000000000000000000000000000000000000000000000000000000000001:x",
		"30617:0000000000000000000000000000000000000000000000000000000000000001:",
		"30617:00000000000000000000000000000000000000000000000000000000000000zz:x",
		"30617:short:x",
	};
	const gchar *bad_ids[] = {
		NULL,

		"",
		"abc",
		"0000000000000000000000000000000000000000000000000000000000000ABC"};

	for (guint i = 0; i < G_N_ELEMENTS(bad_coords); i++) {
		g_autoptr(GPtrArray) items = g_ptr_array_new();
		g_autoptr(GPtrArray) a = NULL;
		g_autoptr(GPtrArray) b = NULL;
		g_autoptr(GError) e1 = NULL;
		g_autoptr(GError) e2 = NULL;

		g_ptr_array_add(items, (gpointer)bad_coords[i]);
		a = gs_sync_filters_items(items, NULL, NULL, GS_SYNC_FILTERS_LIVE, -1, &e1);
		g_assert_error(e1, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
		g_assert_null(a);
		b = gs_sync_filters_items(NULL, items, NULL, GS_SYNC_FILTERS_LIVE, -1, &e2);
		g_assert_error(e2, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
		g_assert_null(b);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad_ids); i++) {
		g_autoptr(GPtrArray) items = g_ptr_array_new();
		g_autoptr(GPtrArray) a = NULL;
		g_autoptr(GPtrArray) b = NULL;
		g_autoptr(GError) e1 = NULL;
		g_autoptr(GError) e2 = NULL;

		g_ptr_array_add(items, (gpointer)bad_ids[i]);
		a = gs_sync_filters_roots(items, GS_SYNC_FILTERS_LIVE, -1, &e1);
		g_assert_error(e1, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
		g_assert_null(a);
		b = gs_sync_filters_ids(items, &e2);
		g_assert_error(e2, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
		g_assert_null(b);
	}
}

static void
gs_sync_filters_ids_chunks(void)
{
	const struct {
		guint n;
		guint filters;
	} table[] = {{0, 0}, {1, 1}, {300, 1}, {301, 2}, {600, 2}, {601, 3}, {1000, 4}};

	for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
		g_autoptr(GPtrArray) ids = test_ids(table[i].n);
		g_autoptr(GPtrArray) filters = NULL;
		g_autoptr(GError) error = NULL;
		guint total = 0;

		/* repeats (a frame-limited session reports some ids twice) are dropped */
		for (guint j = 0; j < table[i].n && j < 10; j++)
			g_ptr_array_add(ids, g_strdup(g_ptr_array_index(ids, j)));
		filters = gs_sync_filters_ids(ids, &error);
		g_assert_no_error(error);
		g_assert_cmpuint(filters->len, ==, table[i].filters);
		for (guint j = 0; j < filters->len; j++) {
			GsFilter *f = g_ptr_array_index(filters, j);
			guint n = gs_filter_get_ids(f)->len;
			g_assert_cmpuint(n, <=, 300);
			g_assert_cmpint(gs_filter_get_limit(f), ==, -1);
			g_assert_null(gs_filter_get_kinds(f));
			total += n;
		}
		g_assert_cmpuint(total, ==, table[i].n);
	}
}

static void
gs_sync_filters_paging(void)
{
	g_autoptr(GPtrArray) base = gs_sync_filters_layer1(GS_SYNC_FILTERS_HISTORIC, 1000);
	GsFilter *filter = g_ptr_array_index(base, 0);
	g_autoptr(GsSyncPager) pager = gs_sync_filters_pager_new(filter, 100);
	g_autoptr(GsFilter) first = gs_sync_filters_page(filter, pager);
	g_autoptr(GsFilter) second = NULL;
	g_autofree gchar *json = NULL;

	json = gs_filter_to_json(first);
	g_assert_cmpstr(json, ==, "{\"kinds\":[30617,10317],\"since\":1000,\"limit\":100}");
	for (guint i = 0; i < 100; i++) {
		g_autofree gchar *id = g_strdup_printf("%064x", i);
		gs_sync_pager_record(pager, id, 5000 - i);
	}
	g_assert_cmpint(gs_sync_pager_end_page(pager), ==, GS_SYNC_PAGE_STEP_NEXT);
	second = gs_sync_filters_page(filter, pager);
	g_clear_pointer(&json, g_free);
	json = gs_filter_to_json(second);
	g_assert_cmpstr(
		json, ==, "{\"kinds\":[30617,10317],\"since\":1000,\"until\":4901,\"limit\":100}");
	/* the base is untouched */
	g_assert_cmpint(gs_filter_get_until(filter), ==, -1);
	g_assert_cmpint(gs_filter_get_limit(filter), ==, -1);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/sync-filters/reference-counts",
			gs_sync_filters_reference_counts);
	g_test_add_func("/grasp-sync/sync-filters/chunks", gs_sync_filters_chunks);
	g_test_add_func("/grasp-sync/sync-filters/json", gs_sync_filters_json);
	g_test_add_func("/grasp-sync/sync-filters/bad-items", gs_sync_filters_bad_items);
	g_test_add_func("/grasp-sync/sync-filters/ids-chunks", gs_sync_filters_ids_chunks);
	g_test_add_func("/grasp-sync/sync-filters/paging", gs_sync_filters_paging);
	return g_test_run();
}
