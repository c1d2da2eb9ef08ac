/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* gs_store_query_items(): the negentropy item sets, checked against gs_store_query() */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-store.h"
#include "gs-test-utils.h"

/* @n events, kinds 1 and 1111, each with `e` tags naming one or two of 20 values (the same
 * value twice in some), some with a `t` tag; created_at repeats so that the id order matters */
static GsStore *
make_store(guint n)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	GsStore *store = gs_store_new(":memory:", &error);

	g_assert_no_error(error);
	for (guint i = 0; i < n; i++) {
		g_autofree gchar *v1 = g_strdup_printf("v%u", i % 20);
		g_autofree gchar *v2 = g_strdup_printf("v%u", (i * 7) % 20);
		const gchar *tags[] = {"e",
				       v1,
				       NULL,
				       "e",
				       i % 3 == 0 ? v1 : v2,
				       NULL,
				       i % 2 ? "t" : "x",
				       "git",
				       NULL,
				       NULL};
		g_autofree gchar *text = g_strdup_printf("%u", i);
		g_ptr_array_add(
			events,
			gs_test_event_new(i % 5, 1000 + i % 13, i % 4 ? 1 : 1111, tags, text));
	}
	g_assert_true(gs_store_insert_batch(store, events, NULL, &error));
	g_assert_no_error(error);
	return store;
}

static gint
item_cmp(gconstpointer a, gconstpointer b)
{
	const GsStoreItem *ia = a;
	const GsStoreItem *ib = b;

	if (ia->created_at != ib->created_at)
		return ia->created_at < ib->created_at ? -1 : 1;
	return memcmp(ia->id, ib->id, 32);
}

/* the items gs_store_query() gives for @filter, sorted as item sets are */
static GArray *
items_from_query(GsStore *store, GsFilter *filter)
{
	g_autoptr(GPtrArray) filters = g_ptr_array_new();
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GError) error = NULL;
	GArray *items = g_array_new(FALSE, FALSE, sizeof(GsStoreItem));

	g_ptr_array_add(filters, filter);
	events = gs_store_query(store, filters, 0, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < events->len; i++) {
		GsStoreItem item = {.created_at = gs_event_get_created_at(events->pdata[i])};
		memcpy(item.id, gs_event_get_id_raw(events->pdata[i]), 32);
		g_array_append_val(items, item);
	}
	g_array_sort(items, item_cmp);
	return items;
}

static void
assert_items(GsStore *store, const gchar *json, guint expect)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsFilter) filter = gs_filter_new_from_json(json, -1, &error);
	g_autoptr(GArray) want = NULL;
	g_autoptr(GArray) got = NULL;

	g_assert_no_error(error);
	want = items_from_query(store, filter);
	g_assert_cmpuint(want->len, ==, expect);
	g_assert_true(gs_store_query_items(store, filter, G_MAXUINT, &got, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(got->len, ==, want->len);
	g_assert_cmpmem(got->data,
			got->len * sizeof(GsStoreItem),
			want->data,
			want->len * sizeof(GsStoreItem));
	/* one item too many for the maximum */
	if (expect > 0) {
		g_autoptr(GArray) none = NULL;
		g_autoptr(GArray) all = NULL;
		g_assert_false(gs_store_query_items(store, filter, expect - 1, &none, &error));
		g_assert_error(error, GS_ERROR, GS_ERROR_TOO_LARGE);
		g_assert_null(none);
		g_clear_error(&error);
		g_assert_true(gs_store_query_items(store, filter, expect, &all, &error));
		g_assert_cmpuint(all->len, ==, expect);
	}
}

/* filters of one tag letter (as negentropy sessions name roots and coordinates), with kinds,
 * with an event holding two of the values (given once), and the other shapes */
static void
test_items_tags(void)
{
	g_autoptr(GsStore) store = make_store(200);

	assert_items(store, "{\"#e\":[\"v1\"]}", 16);
	/* the same statement text again (kept by the store), other values */
	assert_items(store, "{\"#e\":[\"v2\"]}", 16);
	assert_items(store, "{\"#e\":[\"v1\"]}", 16);
	/* event 1 names v1 and v7: one item */
	assert_items(store, "{\"#e\":[\"v1\",\"v7\",\"nothing\"]}", 26);
	assert_items(store, "{\"#e\":[\"v2\",\"v4\"],\"kinds\":[1111]}", 16);
	assert_items(store, "{\"#e\":[\"v1\",\"v7\"],\"kinds\":[1,7]}", 26);
	assert_items(store, "{\"#e\":[\"nothing\"]}", 0);
	assert_items(store, "{\"#t\":[\"git\"],\"#e\":[\"v1\"]}", 16);
	assert_items(store, "{\"#x\":[\"git\"],\"#e\":[\"v2\",\"v4\"]}", 32);
	assert_items(store, "{\"#e\":[\"v3\"],\"since\":1005}", 10);
	assert_items(store, "{\"kinds\":[1111]}", 50);
}

/* the statements the store keeps for reuse go before it closes its database (a statement
 * left would make the close fail, a warning), also after a query that failed half-way */
static void
test_items_statements_closed(void)
{
	for (guint round = 0; round < 2; round++) {
		g_autoptr(GsStore) store = make_store(40);
		g_autoptr(GsFilter) filter = gs_filter_new_from_json("{\"#e\":[\"v1\"]}", -1, NULL);
		g_autoptr(GArray) items = NULL;
		g_autoptr(GArray) none = NULL;
		g_autoptr(GError) error = NULL;
		g_assert_true(gs_store_query_items(store, filter, 10, &items, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(items->len, >, 0);
		g_assert_false(gs_store_query_items(store, filter, 0, &none, &error));
		g_assert_error(error, GS_ERROR, GS_ERROR_TOO_LARGE);
	}
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/store-items/tags", test_items_tags);
	g_test_add_func("/grasp-sync/store-items/statements-closed", test_items_statements_closed);
	return g_test_run();
}
