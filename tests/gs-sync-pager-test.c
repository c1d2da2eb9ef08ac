/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gs-sync-pager.h"
#include "gs-test-utils.h"

/* a scripted relay: events ordered newest first, ties by id, as strfry orders them; it answers
 * a page with at most min(limit, cap) events inside [since, until] */
typedef struct {
	gint64 created_at;
	gchar *id;
} FakeEvent;

typedef struct {
	GArray *events; /* FakeEvent, sorted */
	guint cap;	/* 0 = no cap of its own */
} FakeRelay;

static gint
fake_event_cmp(gconstpointer a, gconstpointer b)
{
	const FakeEvent *ea = a;
	const FakeEvent *eb = b;
	if (ea->created_at != eb->created_at)
		return ea->created_at > eb->created_at ? -1 : 1;
	return g_strcmp0(ea->id, eb->id);
}

static void
fake_event_clear(gpointer data)
{
	FakeEvent *ev = data;
	g_free(ev->id);
}

static FakeRelay *
fake_relay_new(guint cap)
{
	FakeRelay *relay = g_new0(FakeRelay, 1);
	relay->events = g_array_new(FALSE, FALSE, sizeof(FakeEvent));
	g_array_set_clear_func(relay->events, fake_event_clear);
	relay->cap = cap;
	return relay;
}

static void
fake_relay_free(FakeRelay *relay)
{
	g_array_unref(relay->events);
	g_free(relay);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(FakeRelay, fake_relay_free)

static void
fake_relay_add(FakeRelay *relay, gint64 created_at)
{
	FakeEvent ev = {created_at, NULL};
	ev.id = g_strdup_printf("%064x", relay->events->len);
	g_array_append_val(relay->events, ev);
}

/* runs a whole subscription; returns the number of distinct events fetched */
static guint
fake_relay_drain(FakeRelay *relay, GsSyncPager *pager, guint max_pages)
{
	g_autoptr(GHashTable) fetched = g_hash_table_new(g_str_hash, g_str_equal);

	g_array_sort(relay->events, fake_event_cmp);
	for (guint page = 0; page < max_pages; page++) {
		gint64 since, until, limit;
		guint n = 0;
		guint max;

		gs_sync_pager_get_page(pager, &since, &until, &limit);
		max = relay->cap > 0 ? MIN((guint)limit, relay->cap) : (guint)limit;
		for (guint i = 0; i < relay->events->len && n < max; i++) {
			FakeEvent *ev = &g_array_index(relay->events, FakeEvent, i);
			if ((until >= 0 && ev->created_at > until) ||
			    (since >= 0 && ev->created_at < since))
				continue;
			n++;
			gs_sync_pager_record(pager, ev->id, ev->created_at);
			g_hash_table_add(fetched, ev->id);
		}
		if (gs_sync_pager_end_page(pager) == GS_SYNC_PAGE_STEP_DONE)
			return g_hash_table_size(fetched);
	}
	g_assert_not_reached();
	return 0;
}

static void
gs_sync_pager_one_crowded_second(void)
{
	g_autoptr(FakeRelay) relay = fake_relay_new(0);
	g_autoptr(GsSyncPager) pager = gs_sync_pager_new(100, -1);

	for (guint i = 0; i < 200; i++)
		fake_relay_add(relay, 1700000000);
	g_assert_cmpuint(fake_relay_drain(relay, pager, 50), ==, 200);
	g_assert_cmpuint(gs_sync_pager_get_n_received(pager), ==, 200);
	g_assert_cmpuint(gs_sync_pager_get_n_pages(pager), <=, 6);
	/* once done it stays done */
	g_assert_false(gs_sync_pager_record(pager, "ff", 1));
	g_assert_cmpint(gs_sync_pager_end_page(pager), ==, GS_SYNC_PAGE_STEP_DONE);
}

static void
gs_sync_pager_crowded_second_capped_relay(void)
{
	g_autoptr(FakeRelay) relay = fake_relay_new(100);
	g_autoptr(GsSyncPager) pager = gs_sync_pager_new(100, -1);

	/* 200 in one second behind a cap of 100: only 100 can ever be had, and paging ends */
	for (guint i = 0; i < 200; i++)
		fake_relay_add(relay, 1700000000);
	g_assert_cmpuint(fake_relay_drain(relay, pager, 50), ==, 100);
	g_assert_cmpuint(gs_sync_pager_get_n_pages(pager), <=, 5);
}

static void
gs_sync_pager_crowded_second_then_older(void)
{
	g_autoptr(FakeRelay) relay = fake_relay_new(100);
	g_autoptr(GsSyncPager) pager = gs_sync_pager_new(500, -1);

	/* a second the capped relay cannot drain does not hide the older history */
	for (guint i = 0; i < 150; i++)
		fake_relay_add(relay, 1700000000);
	for (guint i = 0; i < 300; i++)
		fake_relay_add(relay, 1600000000 + i);
	g_assert_cmpuint(fake_relay_drain(relay, pager, 100), ==, 400);
}

static void
gs_sync_pager_capped_relay_distinct(void)
{
	g_autoptr(FakeRelay) relay = fake_relay_new(100);
	g_autoptr(GsSyncPager) pager = gs_sync_pager_new(500, -1);

	for (guint i = 0; i < 2000; i++)
		fake_relay_add(relay, 1700000000 - i * 7);
	g_assert_cmpuint(fake_relay_drain(relay, pager, 100), ==, 2000);
	/* 99 new a page after the first, plus the short last page */
	g_assert_cmpuint(gs_sync_pager_get_n_pages(pager), <=, 22);
}

static void
gs_sync_pager_capped_relay_shared_seconds(void)
{
	g_autoptr(FakeRelay) relay = fake_relay_new(100);
	g_autoptr(GsSyncPager) pager = gs_sync_pager_new(500, -1);

	for (guint i = 0; i < 2000; i++)
		fake_relay_add(relay, 1700000000 - i / 10);
	g_assert_cmpuint(fake_relay_drain(relay, pager, 200), ==, 2000);
}

static void
gs_sync_pager_threshold(void)
{
	const struct {
		guint limit;
		guint n;
		GsSyncPageStep step;
	} table[] = {
		{500, 74, GS_SYNC_PAGE_STEP_DONE},
		{500, 75, GS_SYNC_PAGE_STEP_NEXT},
		{500, 500, GS_SYNC_PAGE_STEP_NEXT},
		{50, 49, GS_SYNC_PAGE_STEP_DONE},
		{50, 50, GS_SYNC_PAGE_STEP_NEXT},
		{0, 74, GS_SYNC_PAGE_STEP_DONE},
		{0, 0, GS_SYNC_PAGE_STEP_DONE},
	};
	for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
		g_autoptr(GsSyncPager) pager = gs_sync_pager_new(table[i].limit, -1);
		gint64 since, until, limit;

		gs_sync_pager_get_page(pager, &since, &until, &limit);
		g_assert_cmpint(since, ==, -1);
		g_assert_cmpint(until, ==, -1);
		g_assert_cmpint(limit, ==, table[i].limit > 0 ? table[i].limit : 500);
		for (guint j = 0; j < table[i].n; j++) {
			g_autofree gchar *id = g_strdup_printf("%064x", j);
			g_assert_true(gs_sync_pager_record(pager, id, 1000 + j));
		}
		g_assert_cmpint(gs_sync_pager_end_page(pager), ==, table[i].step);
		if (table[i].step == GS_SYNC_PAGE_STEP_NEXT) {
			/* inclusive: the oldest second is asked for again */
			gs_sync_pager_get_page(pager, &since, &until, &limit);
			g_assert_cmpint(until, ==, 1000);
			g_assert_cmpint(since, ==, -1);
		}
	}
}

static void
gs_sync_pager_ignores_repeats_and_strays(void)
{
	g_autoptr(GsSyncPager) pager = gs_sync_pager_new(100, 500);
	gint64 since, until, limit;

	g_assert_false(gs_sync_pager_record(pager, "aa", 499)); /* before since */
	g_assert_true(gs_sync_pager_record(pager, "aa", 900));
	g_assert_false(gs_sync_pager_record(pager, "aa", 900)); /* repeat */
	g_assert_cmpuint(gs_sync_pager_get_n_page_events(pager), ==, 1);
	for (guint j = 0; j < 99; j++) {
		g_autofree gchar *id = g_strdup_printf("%064x", j);
		g_assert_true(gs_sync_pager_record(pager, id, 800));
	}
	g_assert_cmpint(gs_sync_pager_end_page(pager), ==, GS_SYNC_PAGE_STEP_NEXT);
	gs_sync_pager_get_page(pager, &since, &until, &limit);
	g_assert_cmpint(since, ==, 500);
	g_assert_cmpint(until, ==, 800);
	g_assert_false(gs_sync_pager_record(pager, "bb", 801)); /* after until */
	g_assert_false(gs_sync_pager_record(pager, "aa", 900));
	/* the ids at the boundary second are not new */
	g_assert_false(gs_sync_pager_record(
		pager, "0000000000000000000000000000000000000000000000000000000000000000", 800));
	g_assert_true(gs_sync_pager_record(pager, "cc", 800));
	g_assert_cmpuint(gs_sync_pager_get_n_received(pager), ==, 101);
}

static void
gs_sync_pager_stops_at_since(void)
{
	g_autoptr(FakeRelay) relay = fake_relay_new(0);
	g_autoptr(GsSyncPager) pager = gs_sync_pager_new(100, 1000);

	/* 150 at since itself: the step past the crowded second would go below since */
	for (guint i = 0; i < 150; i++)
		fake_relay_add(relay, 1000);
	for (guint i = 0; i < 50; i++)
		fake_relay_add(relay, 999 - i);
	g_assert_cmpuint(fake_relay_drain(relay, pager, 20), ==, 150);
}

static void
gs_sync_pager_random(void)
{
	for (guint round = 0; round < 30; round++) {
		guint cap = g_test_rand_bit() ? 0 : (guint)g_test_rand_int_range(80, 300);
		guint limit = (guint)g_test_rand_int_range(75, 600);
		guint n = (guint)g_test_rand_int_range(0, 3000);
		guint per_second = (guint)g_test_rand_int_range(1, 60);
		g_autoptr(FakeRelay) relay = fake_relay_new(cap);
		g_autoptr(GsSyncPager) pager = gs_sync_pager_new(limit, -1);

		/* every second holds fewer events than a page: everything must arrive */
		for (guint i = 0; i < n; i++)
			fake_relay_add(relay, 1700000000 - i / per_second);
		g_assert_cmpuint(fake_relay_drain(relay, pager, 10000), ==, n);
	}
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/sync-pager/one-crowded-second",
			gs_sync_pager_one_crowded_second);
	g_test_add_func("/grasp-sync/sync-pager/crowded-second-capped-relay",
			gs_sync_pager_crowded_second_capped_relay);
	g_test_add_func("/grasp-sync/sync-pager/crowded-second-then-older",
			gs_sync_pager_crowded_second_then_older);
	g_test_add_func("/grasp-sync/sync-pager/capped-relay-distinct",
			gs_sync_pager_capped_relay_distinct);
	g_test_add_func("/grasp-sync/sync-pager/capped-relay-shared-seconds",
			gs_sync_pager_capped_relay_shared_seconds);
	g_test_add_func("/grasp-sync/sync-pager/threshold", gs_sync_pager_threshold);
	g_test_add_func("/grasp-sync/sync-pager/ignores-repeats-and-strays",
			gs_sync_pager_ignores_repeats_and_strays);
	g_test_add_func("/grasp-sync/sync-pager/stops-at-since", gs_sync_pager_stops_at_since);
	g_test_add_func("/grasp-sync/sync-pager/random", gs_sync_pager_random);
	return g_test_run();
}
