/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-rejected-index.h"
#include "gs-test-utils.h"

#define T0 ((gint64)1700000000 * G_USEC_PER_SEC)

typedef struct {
	GsRejectedIndex *index;
	gint64 now;
} Fixture;

static gint64
fixture_clock(gpointer user_data)
{
	Fixture *fx = user_data;
	return fx->now;
}

static void
fixture_set_up(Fixture *fx, gconstpointer data)
{
	fx->now = T0;
	fx->index = gs_rejected_index_new(120, 7 * 24 * 3600);
	gs_rejected_index_set_clock(fx->index, fixture_clock, fx);
}

static void
fixture_tear_down(Fixture *fx, gconstpointer data)
{
	g_clear_object(&fx->index);
}

static void
fixture_advance(Fixture *fx, gint64 secs)
{
	fx->now += secs * G_USEC_PER_SEC;
}

static GsEvent *
make_event(guint32 seed, guint kind, gint64 created_at)
{
	g_autofree gchar *content = g_strdup_printf("event %u", seed);
	const gchar *tags[] = {"d", "repo", NULL, NULL};
	return gs_test_event_new(seed, created_at, kind, tags, content);
}

static GsRejectedIndexCounters
counters_of(Fixture *fx, GsRejectedEventType type)
{
	GsRejectedIndexCounters c;
	gs_rejected_index_get_counters(fx->index, type, &c);
	return c;
}

static void
gs_rejected_index_hot_ttl(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) a = make_event(1, 30618, 1000);
	g_autoptr(GsEvent) b = make_event(2, 30618, 1001);
	const gchar *deps_a[] = {"30617:aa:repo", NULL};
	const gchar *deps_b[] = {"30617:bb:repo", NULL};
	g_autoptr(GPtrArray) got_a = NULL;
	g_autoptr(GPtrArray) got_b = NULL;
	GsRejectedIndexCounters c;

	gs_rejected_index_add_deferred(fx->index, a, deps_a);
	gs_rejected_index_add_deferred(fx->index, b, deps_b);
	c = counters_of(fx, GS_REJECTED_EVENT_TYPE_STATE);
	g_assert_cmpuint(c.hot_current, ==, 2);
	g_assert_cmpuint(c.cold_current, ==, 2);

	/* one second before the TTL: still whole */
	fixture_advance(fx, 119);
	g_assert_cmpuint(gs_rejected_index_expire(fx->index), ==, 0);
	got_a = gs_rejected_index_take_dependents(fx->index, "30617:aa:repo");
	g_assert_cmpuint(got_a->len, ==, 1);
	g_assert_true(g_ptr_array_index(got_a, 0) == a);

	/* after the TTL: the event is gone, the id stays in the cold tier */
	fixture_advance(fx, 2);
	g_assert_cmpuint(gs_rejected_index_expire(fx->index), ==, 1);
	c = counters_of(fx, GS_REJECTED_EVENT_TYPE_STATE);
	g_assert_cmpuint(c.hot_current, ==, 0);
	g_assert_cmpuint(c.hot_expired, ==, 1);
	g_assert_cmpuint(c.cold_current, ==, 1);
	g_assert_true(gs_rejected_index_contains(fx->index, gs_event_get_id(b)));
	got_b = gs_rejected_index_take_dependents(fx->index, "30617:bb:repo");
	g_assert_cmpuint(got_b->len, ==, 0);
	c = counters_of(fx, GS_REJECTED_EVENT_TYPE_STATE);
	g_assert_cmpuint(c.hot_hits, ==, 1);
	g_assert_cmpuint(c.hot_misses, ==, 1);
	g_assert_cmpuint(c.invalidated, ==, 2);
	g_assert_cmpuint(c.cold_current, ==, 0);
	g_assert_false(gs_rejected_index_contains(fx->index, gs_event_get_id(b)));
}

static void
gs_rejected_index_hot_expiry_without_sweep(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) a = make_event(1, 1617, 1000);
	const gchar *deps[] = {"parent", NULL};
	g_autoptr(GPtrArray) got = NULL;
	GsRejectedIndexCounters c;

	/* an expired hot event is never handed back, even before expire() swept it */
	gs_rejected_index_add_deferred(fx->index, a, deps);
	fixture_advance(fx, 121);
	got = gs_rejected_index_take_dependents(fx->index, "parent");
	g_assert_cmpuint(got->len, ==, 0);
	c = counters_of(fx, GS_REJECTED_EVENT_TYPE_OTHER);
	g_assert_cmpuint(c.hot_misses, ==, 1);
	g_assert_cmpuint(c.hot_current, ==, 0);
	g_assert_cmpuint(c.cold_current, ==, 0);
}

static void
gs_rejected_index_max_hot(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	const gchar *deps[] = {"k", NULL};
	g_autoptr(GPtrArray) got = NULL;
	GsRejectedIndexCounters c;

	/* five orphans with room for three: the two oldest keep only their cold entry */
	gs_rejected_index_set_max_hot(fx->index, 3);
	for (guint i = 0; i < 5; i++) {
		GsEvent *ev = make_event(200 + i, 1111, 1000 + i);
		g_ptr_array_add(events, ev);
		gs_rejected_index_add_deferred(fx->index, ev, deps);
	}
	c = counters_of(fx, GS_REJECTED_EVENT_TYPE_OTHER);
	g_assert_cmpuint(c.hot_current, ==, 3);
	g_assert_cmpuint(c.hot_expired, ==, 2);
	g_assert_cmpuint(c.cold_current, ==, 5);
	got = gs_rejected_index_take_dependents(fx->index, "k");
	g_assert_cmpuint(got->len, ==, 3);
	g_assert_true(g_ptr_array_index(got, 0) == g_ptr_array_index(events, 2));
	c = counters_of(fx, GS_REJECTED_EVENT_TYPE_OTHER);
	g_assert_cmpuint(c.hot_hits, ==, 3);
	g_assert_cmpuint(c.hot_misses, ==, 2);
	g_assert_cmpuint(c.hot_current, ==, 0);
	g_assert_cmpuint(c.cold_current, ==, 0);

	/* lowering the bound applies at once */
	gs_rejected_index_add_deferred(fx->index, g_ptr_array_index(events, 0), deps);
	gs_rejected_index_add_deferred(fx->index, g_ptr_array_index(events, 1), deps);
	gs_rejected_index_set_max_hot(fx->index, 0);
	c = counters_of(fx, GS_REJECTED_EVENT_TYPE_OTHER);
	g_assert_cmpuint(c.hot_current, ==, 0);
	g_assert_cmpuint(c.cold_current, ==, 2);
}

static void
gs_rejected_index_cold_ttl(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) a = make_event(1, 30617, 1000);
	g_auto(GStrv) ids = NULL;
	GsRejectedIndexCounters c;

	gs_rejected_index_add_rejected(fx->index, a, NULL);
	c = counters_of(fx, GS_REJECTED_EVENT_TYPE_ANNOUNCEMENT);
	g_assert_cmpuint(c.hot_current, ==, 0);
	g_assert_cmpuint(c.cold_current, ==, 1);

	fixture_advance(fx, 7 * 24 * 3600 - 1);
	g_assert_true(gs_rejected_index_contains(fx->index, gs_event_get_id(a)));
	g_assert_cmpuint(gs_rejected_index_expire(fx->index), ==, 0);
	fixture_advance(fx, 1);
	g_assert_false(gs_rejected_index_contains(fx->index, gs_event_get_id(a)));
	ids = gs_rejected_index_dup_ids(fx->index);
	g_assert_cmpuint(g_strv_length(ids), ==, 0);
	g_assert_cmpuint(gs_rejected_index_expire(fx->index), ==, 1);
	c = counters_of(fx, GS_REJECTED_EVENT_TYPE_ANNOUNCEMENT);
	g_assert_cmpuint(c.cold_current, ==, 0);
	g_assert_cmpuint(c.cold_expired, ==, 1);
	g_assert_cmpuint(c.invalidated, ==, 0);
}

static void
gs_rejected_index_invalidation(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) a = make_event(1, 1111, 1000);
	g_autoptr(GsEvent) b = make_event(2, 1111, 1001);
	g_autoptr(GsEvent) c = make_event(3, 1111, 1002);
	const gchar *deps_a[] = {"root", "own-a", "root", "", NULL};
	const gchar *deps_b[] = {"root", NULL};
	const gchar *deps_c[] = {"other", NULL};
	g_autoptr(GPtrArray) got = NULL;
	g_autoptr(GPtrArray) again = NULL;
	GsRejectedIndexCounters cnt;

	g_assert_false(gs_rejected_index_has_any_dependents(fx->index));
	gs_rejected_index_add_deferred(fx->index, a, deps_a);
	gs_rejected_index_add_rejected(fx->index, b, deps_b);
	gs_rejected_index_add_deferred(fx->index, c, deps_c);
	g_assert_true(gs_rejected_index_has_dependents(fx->index, "own-a"));
	g_assert_true(gs_rejected_index_has_any_dependents(fx->index));

	/* the arrival of "root" takes a (hot) and b (cold only), leaves c */
	got = gs_rejected_index_take_dependents(fx->index, "root");
	g_assert_cmpuint(got->len, ==, 1);
	g_assert_true(g_ptr_array_index(got, 0) == a);
	g_assert_false(gs_rejected_index_contains(fx->index, gs_event_get_id(a)));
	g_assert_false(gs_rejected_index_contains(fx->index, gs_event_get_id(b)));
	g_assert_true(gs_rejected_index_contains(fx->index, gs_event_get_id(c)));
	/* a left every key it was filed under */
	g_assert_false(gs_rejected_index_has_dependents(fx->index, "own-a"));
	again = gs_rejected_index_take_dependents(fx->index, "own-a");
	g_assert_cmpuint(again->len, ==, 0);

	cnt = counters_of(fx, GS_REJECTED_EVENT_TYPE_OTHER);
	g_assert_cmpuint(cnt.invalidated, ==, 2);
	g_assert_cmpuint(cnt.hot_hits, ==, 1);
	g_assert_cmpuint(cnt.hot_misses, ==, 1);
	g_assert_cmpuint(cnt.hot_current, ==, 1);
	g_assert_cmpuint(cnt.cold_current, ==, 1);
	/* c is still filed under "other"; once it is taken, nothing is filed */
	g_assert_true(gs_rejected_index_has_any_dependents(fx->index));
	g_ptr_array_unref(gs_rejected_index_take_dependents(fx->index, "other"));
	g_assert_false(gs_rejected_index_has_any_dependents(fx->index));
}

static void
gs_rejected_index_order_and_replace(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GPtrArray) got = NULL;
	const gchar *deps[] = {"k", NULL};
	GsRejectedIndexCounters c;

	for (guint i = 0; i < 20; i++) {
		GsEvent *ev = make_event(100 + i, 1617, 5000 - i);
		g_ptr_array_add(events, ev);
		gs_rejected_index_add_deferred(fx->index, ev, deps);
	}
	/* adding an id again replaces its entry, it does not duplicate it */
	gs_rejected_index_add_deferred(fx->index, g_ptr_array_index(events, 3), deps);
	c = counters_of(fx, GS_REJECTED_EVENT_TYPE_OTHER);
	g_assert_cmpuint(c.hot_current, ==, 20);
	g_assert_cmpuint(c.cold_current, ==, 20);

	got = gs_rejected_index_take_dependents(fx->index, "k");
	g_assert_cmpuint(got->len, ==, 20);
	/* arrival order, with the re-added event last */
	for (guint i = 0, j = 0; i < 20; i++, j++) {
		if (i == 3)
			j++;
		if (i == 19)
			j = 3;
		g_assert_true(g_ptr_array_index(got, i) == g_ptr_array_index(events, j));
	}
}

static void
gs_rejected_index_items(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) a = make_event(1, 30617, 3000);
	g_autoptr(GsEvent) b = make_event(2, 30618, 1000);
	g_autoptr(GsEvent) c = make_event(3, 1617, 2000);
	g_autoptr(GArray) items = NULL;
	g_auto(GStrv) ids = NULL;

	gs_rejected_index_add_rejected(fx->index, a, NULL);
	gs_rejected_index_add_deferred(fx->index, b, NULL);
	gs_rejected_index_add_rejected(fx->index, c, NULL);
	items = gs_rejected_index_dup_items(fx->index);
	g_assert_cmpuint(items->len, ==, 3);
	g_assert_cmpuint(g_array_index(items, GsStoreItem, 0).created_at, ==, 1000);
	g_assert_cmpuint(g_array_index(items, GsStoreItem, 1).created_at, ==, 2000);
	g_assert_cmpuint(g_array_index(items, GsStoreItem, 2).created_at, ==, 3000);
	g_assert_cmpmem(g_array_index(items, GsStoreItem, 0).id, 32, gs_event_get_id_raw(b), 32);
	g_assert_cmpmem(g_array_index(items, GsStoreItem, 2).id, 32, gs_event_get_id_raw(a), 32);

	ids = gs_rejected_index_dup_ids(fx->index);
	g_assert_cmpuint(g_strv_length(ids), ==, 3);
	g_assert_true(strcmp(ids[0], ids[1]) < 0 && strcmp(ids[1], ids[2]) < 0);
	g_assert_true(g_strv_contains((const gchar *const *)ids, gs_event_get_id(c)));
}

static void
gs_rejected_index_export_import(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) a = make_event(1, 30617, 3000);
	g_autoptr(GsEvent) b = make_event(2, 30618, 1000);
	const gchar *deps[] = {"30617:aa:repo", "x", NULL};
	g_autoptr(GVariant) state = NULL;
	g_autoptr(GsRejectedIndex) other = gs_rejected_index_new(120, 7 * 24 * 3600);
	g_autoptr(GPtrArray) got = NULL;
	g_autoptr(GError) error = NULL;
	GsRejectedIndexCounters c;

	gs_rejected_index_set_clock(other, fixture_clock, fx);
	gs_rejected_index_add_rejected(fx->index, a, deps);
	fixture_advance(fx, 3600);
	gs_rejected_index_add_deferred(fx->index, b, NULL);
	state = gs_rejected_index_export(fx->index);
	g_assert_cmpstr(g_variant_get_type_string(state), ==, "a(sxqasx)");
	g_assert_cmpuint(g_variant_n_children(state), ==, 2);

	/* an hour short of a's cold expiry: both come back, filed under their keys */
	fixture_advance(fx, 6 * 24 * 3600 - 3600);
	g_assert_true(gs_rejected_index_import(other, state, &error));
	g_assert_no_error(error);
	g_assert_true(gs_rejected_index_contains(other, gs_event_get_id(a)));
	g_assert_true(gs_rejected_index_contains(other, gs_event_get_id(b)));
	gs_rejected_index_get_counters(other, GS_REJECTED_EVENT_TYPE_ANNOUNCEMENT, &c);
	g_assert_cmpuint(c.cold_current, ==, 1);
	g_assert_cmpuint(c.hot_current, ==, 0);
	got = gs_rejected_index_take_dependents(other, "x");
	g_assert_cmpuint(got->len, ==, 0);
	g_assert_false(gs_rejected_index_contains(other, gs_event_get_id(a)));

	/* a week later, an import of the same state brings back nothing */
	fixture_advance(fx, 7 * 24 * 3600);
	g_assert_true(gs_rejected_index_import(other, state, &error));
	gs_rejected_index_expire(other);
	gs_rejected_index_get_counters(other, GS_REJECTED_EVENT_TYPE_STATE, &c);
	g_assert_cmpuint(c.cold_current, ==, 0);
}

static void
gs_rejected_index_import_bad(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) wrong_type = g_variant_ref_sink(g_variant_new_string("x"));
	g_autoptr(GVariant) bad_id = NULL;
	const gchar *keys[] = {NULL};
	GVariantBuilder b;
	GsRejectedIndexCounters c;

	g_assert_false(gs_rejected_index_import(fx->index, wrong_type, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	g_variant_builder_init(&b, G_VARIANT_TYPE("a(sxqasx)"));
	g_variant_builder_add(&b,
			      "(sxq^asx)",
			      "aa00000000000000000000000000000000000000000000000000000000000000",
			      (gint64)1,
			      (guint16)1,
			      keys,
			      T0 + G_USEC_PER_SEC);
	g_variant_builder_add(&b, "(sxq^asx)", "XYZ", (gint64)1, (guint16)1, keys, T0);
	bad_id = g_variant_ref_sink(g_variant_builder_end(&b));
	g_assert_false(gs_rejected_index_import(fx->index, bad_id, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	/* all or nothing: the good entry before the bad one was not imported */
	c = counters_of(fx, GS_REJECTED_EVENT_TYPE_OTHER);
	g_assert_cmpuint(c.cold_current, ==, 0);
}

static void
gs_rejected_index_labels(void)
{
	g_assert_cmpstr(gs_rejected_event_type_to_string(gs_rejected_event_type_for_kind(30617)),
			==,
			"announcement");
	g_assert_cmpstr(gs_rejected_event_type_to_string(gs_rejected_event_type_for_kind(30618)),
			==,
			"state");
	g_assert_cmpstr(gs_rejected_event_type_to_string(gs_rejected_event_type_for_kind(1111)),
			==,
			"other");
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add("/grasp-sync/rejected-index/hot-ttl",
		   Fixture,
		   NULL,
		   fixture_set_up,
		   gs_rejected_index_hot_ttl,
		   fixture_tear_down);
	g_test_add("/grasp-sync/rejected-index/hot-expiry-without-sweep",
		   Fixture,
		   NULL,
		   fixture_set_up,
		   gs_rejected_index_hot_expiry_without_sweep,
		   fixture_tear_down);
	g_test_add("/grasp-sync/rejected-index/max-hot",
		   Fixture,
		   NULL,
		   fixture_set_up,
		   gs_rejected_index_max_hot,
		   fixture_tear_down);
	g_test_add("/grasp-sync/rejected-index/cold-ttl",
		   Fixture,
		   NULL,
		   fixture_set_up,
		   gs_rejected_index_cold_ttl,
		   fixture_tear_down);
	g_test_add("/grasp-sync/rejected-index/invalidation",
		   Fixture,
		   NULL,
		   fixture_set_up,
		   gs_rejected_index_invalidation,
		   fixture_tear_down);
	g_test_add("/grasp-sync/rejected-index/order-and-replace",
		   Fixture,
		   NULL,
		   fixture_set_up,
		   gs_rejected_index_order_and_replace,
		   fixture_tear_down);
	g_test_add("/grasp-sync/rejected-index/items",
		   Fixture,
		   NULL,
		   fixture_set_up,
		   gs_rejected_index_items,
		   fixture_tear_down);
	g_test_add("/grasp-sync/rejected-index/export-import",
		   Fixture,
		   NULL,
		   fixture_set_up,
		   gs_rejected_index_export_import,
		   fixture_tear_down);
	g_test_add("/grasp-sync/rejected-index/import-bad",
		   Fixture,
		   NULL,
		   fixture_set_up,
		   gs_rejected_index_import_bad,
		   fixture_tear_down);
	g_test_add_func("/grasp-sync/rejected-index/labels", gs_rejected_index_labels);
	return g_test_run();
}
