/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-home-reconcile.h"
#include "gs-home-relay.h"
#include "gs-negentropy.h"
#include "gs-test-home.h"
#include "gs-test-utils.h"

typedef struct {
	gchar *tmpdir;
	GsStore *store;
	GsTestHome *home;
	GsHomeRelay *relay;
	GsHomeRelayOptions opts;
	gint64 clock_offset;
	GPtrArray *events; /* what the store holds for the repositories */
	GsHomeReconcileResult *result;
	GError *error;
	gboolean done;
} Fixture;

static gint64
fixture_clock(gpointer user_data)
{
	Fixture *f = user_data;
	return g_get_real_time() + f->clock_offset;
}

static void
add_event(GPtrArray *events, guint32 seed, gint64 at, guint kind, const gchar *const *tags)
{
	g_autofree gchar *content = g_strdup_printf("%u/%" G_GINT64_FORMAT "/%u", seed, at, kind);
	g_ptr_array_add(events, gs_test_event_new(seed, at, kind, tags, content));
}

/*
 * One repository of @owner with identifier @d: announcement, state, @n_roots patches and
 * issues (roots), each with a comment (`E` root), a status (`e`) and a quote (`q`); plus a
 * note that belongs to no repository.
 */
static void
add_repo(GPtrArray *events, guint32 owner, const gchar *d, guint n_roots)
{
	g_autoptr(GsEvent) probe = gs_test_event_new(owner, 1, 1, NULL, "");
	g_autofree gchar *coord = g_strdup_printf("30617:%s:%s", gs_event_get_pubkey(probe), d);
	const gchar *ann[] = {"d", d, NULL, "name", d, NULL, NULL};
	const gchar *state[] = {"d", d, NULL, "refs/heads/main", "abc", NULL, NULL};
	gint64 t = 1700000000;

	add_event(events, owner, t++, 30617, ann);
	add_event(events, owner, t++, 30618, state);
	for (guint i = 0; i < n_roots; i++) {
		const gchar *root_tags[] = {"a", coord, NULL, NULL};
		GsEvent *root;
		const gchar *root_id;

		add_event(events, owner + 1 + i % 3, t++, i % 2 ? 1621 : 1617, root_tags);
		root = g_ptr_array_index(events, events->len - 1);
		root_id = gs_event_get_id(root);
		{
			const gchar *comment[] = {"E", root_id, NULL, NULL};
			const gchar *status[] = {"e", root_id, NULL, NULL};
			const gchar *quote[] = {"q", root_id, NULL, NULL};
			add_event(events, owner + 7, t++, 1111, comment);
			add_event(events, owner, t++, 1630, status);
			add_event(events, owner + 8, t++, 1, quote);
		}
	}
	add_event(events, owner + 9, t++, 1, NULL);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autofree gchar *path = NULL;
	g_autoptr(GError) error = NULL;

	f->tmpdir = gs_test_tmpdir_new();
	path = g_build_filename(f->tmpdir, "events.db", NULL);
	f->store = gs_store_new(path, &error);
	g_assert_no_error(error);
	f->home = gs_test_home_new();
	f->events = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	add_repo(f->events, 100, "alpha", 12);
	add_repo(f->events, 200, "beta", 5);
	gs_home_relay_options_init(&f->opts);
	f->opts.base_backoff_secs = 1;
	f->opts.max_backoff_secs = 2;
	f->opts.clock = fixture_clock;
	f->opts.clock_data = f;
	f->opts.neg_timeout_ms = 1000;
	f->opts.req_page_limit = 10;
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_object(&f->relay);
	g_clear_pointer(&f->home, gs_test_home_free);
	g_clear_object(&f->store);
	g_clear_pointer(&f->result, gs_home_reconcile_result_free);
	g_clear_error(&f->error);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_ptr_array_unref(f->events);
	gs_test_tmpdir_remove(f->tmpdir);
	g_free(f->tmpdir);
}

static void
fixture_start_relay(Fixture *f)
{
	g_autoptr(GError) error = NULL;

	f->relay = gs_home_relay_new(f->store, gs_test_home_get_url(f->home), &f->opts, &error);
	g_assert_no_error(error);
	gs_home_relay_start(f->relay);
}

static void
store_all(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(gs_store_insert_batch(f->store, f->events, NULL, &error));
	g_assert_no_error(error);
}

static guint
home_count(Fixture *f)
{
	guint n = 0;
	for (guint i = 0; i < f->events->len; i++)
		n += gs_store_has_event(gs_test_home_get_store(f->home),
					gs_event_get_id(g_ptr_array_index(f->events, i)),
					NULL);
	return n;
}

static gint64
pending(Fixture *f)
{
	return gs_home_relay_get_outbox_pending(f->relay);
}

static GsHomeRelayStats
stats(Fixture *f)
{
	GsHomeRelayStats s;
	gs_home_relay_get_stats(f->relay, &s);
	return s;
}

/* the events that belong to no repository: the last of each add_repo() */
static gboolean
is_unrelated(Fixture *f, guint i)
{
	GsEvent *ev = g_ptr_array_index(f->events, i);
	return gs_event_get_kind(ev) == 1 && gs_event_get_n_tags(ev) == 0;
}

/* 2 repositories and 17 roots: layer 1, one state filter, #a #A #q, then #e #E #q */
static void
reconcile_filters(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) filters = NULL;
	g_autofree gchar *first = NULL;

	filters = gs_home_reconcile_build_filters(f->store, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(filters->len, ==, 1);
	g_clear_pointer(&filters, g_ptr_array_unref);
	store_all(f);
	filters = gs_home_reconcile_build_filters(f->store, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(filters->len, ==, 8);
	first = gs_filter_to_json(g_ptr_array_index(filters, 0));
	g_assert_cmpstr(first, ==, "{\"kinds\":[30617,10317]}");
	/* every repository event is matched by one of them, the unrelated notes by none */
	for (guint i = 0; i < f->events->len; i++)
		g_assert_cmpint(gs_filters_match(filters, g_ptr_array_index(f->events, i)),
				==,
				!is_unrelated(f, i));
}

/*
 * Home restored from an older copy: the events removed behind our back are found on the next
 * connect and sent again, exactly those, once each.
 */
static void
reconcile_restored_home(Fixture *f, gboolean no_nip77)
{
	g_autoptr(GPtrArray) older = g_ptr_array_new();
	g_autoptr(GHashTable) removed = g_hash_table_new(g_str_hash, g_str_equal);
	guint expected = 0;

	gs_test_home_set_no_nip77(f->home, no_nip77);
	/* pages of 5: a relay that caps at the limit asked for */
	f->opts.req_page_limit = 5;
	gs_test_home_set_req_cap(f->home, no_nip77 ? 5 : 0);
	fixture_start_relay(f);
	store_all(f);
	GS_TEST_WAIT_FOR(pending(f) == 0 && !gs_home_relay_is_reconciling(f->relay), 10000);
	g_assert_cmpuint(home_count(f), ==, f->events->len);

	/* the backup lacks every third event */
	for (guint i = 0; i < f->events->len; i++) {
		GsEvent *ev = g_ptr_array_index(f->events, i);
		if (i % 3 == 1) {
			g_hash_table_add(removed, (gpointer)gs_event_get_id(ev));
			expected += !is_unrelated(f, i);
		} else {
			g_ptr_array_add(older, ev);
		}
	}
	gs_test_home_replace_store(f->home, older);
	gs_test_home_reset_counts(f->home);
	gs_test_home_drop_connections(f->home);
	GS_TEST_WAIT_FOR(stats(f).reconciliations == 2 && pending(f) == 0, 15000);
	g_assert_cmpuint(stats(f).reconciled, ==, expected);
	g_assert_cmpuint(gs_test_home_get_n_events(f->home), ==, expected);
	for (guint i = 0; i < f->events->len; i++) {
		GsEvent *ev = g_ptr_array_index(f->events, i);
		guint times = gs_test_home_get_times(f->home, gs_event_get_id(ev));
		if (g_hash_table_contains(removed, gs_event_get_id(ev)) && !is_unrelated(f, i))
			g_assert_cmpuint(times, ==, 1);
		else
			g_assert_cmpuint(times, ==, 0);
	}
	g_assert_cmpuint(
		home_count(f), ==, f->events->len - (g_hash_table_size(removed) - expected));
	if (no_nip77)
		g_assert_cmpuint(gs_test_home_get_n_req(f->home), >, 8);
	else
		g_assert_cmpuint(gs_test_home_get_n_neg_open(f->home), ==, 8);
}

static void
reconcile_restored_negentropy(Fixture *f, gconstpointer data)
{
	reconcile_restored_home(f, FALSE);
}

static void
reconcile_restored_req(Fixture *f, gconstpointer data)
{
	reconcile_restored_home(f, TRUE);
}

/* events stored before home was configured (no outbox rows): found and delivered */
static void
reconcile_outbox_lost(Fixture *f, gconstpointer data)
{
	guint related = 0;

	store_all(f);
	for (guint i = 0; i < f->events->len; i++)
		related += !is_unrelated(f, i);
	fixture_start_relay(f);
	GS_TEST_WAIT_FOR(stats(f).reconciliations == 1 && pending(f) == 0, 10000);
	g_assert_cmpuint(stats(f).reconciled, ==, related);
	g_assert_cmpuint(stats(f).delivered, ==, related);
	g_assert_cmpuint(home_count(f), ==, related);
}

/* daily: a day later the maintenance tick reconciles again; nothing is missing then */
static void
reconcile_daily(Fixture *f, gconstpointer data)
{
	guint n_neg;

	fixture_start_relay(f);
	store_all(f);
	GS_TEST_WAIT_FOR(stats(f).reconciliations == 1 && pending(f) == 0, 10000);
	n_neg = gs_test_home_get_n_neg_open(f->home);
	gs_home_relay_run_maintenance(f->relay);
	gs_test_home_run(300);
	g_assert_cmpuint(gs_test_home_get_n_neg_open(f->home), ==, n_neg);
	f->clock_offset += (gint64)25 * 3600 * G_USEC_PER_SEC;
	gs_home_relay_run_maintenance(f->relay);
	GS_TEST_WAIT_FOR(stats(f).reconciliations == 2, 10000);
	g_assert_cmpuint(gs_test_home_get_n_neg_open(f->home), ==, n_neg + 8);
	g_assert_cmpuint(stats(f).reconciled, ==, 0);
}

static void
reconcile_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Fixture *f = user_data;
	f->result = gs_home_reconcile_finish(res, &f->error);
	f->done = TRUE;
}

/* the task on its own: errors and figures */
static void
reconcile_task(Fixture *f, gconstpointer data)
{
	g_autoptr(GsRelayConnection) conn =
		gs_relay_connection_new(gs_test_home_get_url(f->home), NULL);
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	GsHomeReconcileOptions opts;

	gs_home_reconcile_options_init(&opts);
	store_all(f);
	/* not connected */
	gs_home_reconcile_async(conn, f->store, &opts, NULL, reconcile_done_cb, f);
	GS_TEST_WAIT_FOR(f->done, 1000);
	g_assert_error(f->error, GS_ERROR, GS_ERROR_BUSY);
	g_clear_error(&f->error);

	gs_relay_connection_connect(conn);
	GS_TEST_WAIT_FOR(gs_relay_connection_is_open(conn), 5000);
	f->done = FALSE;
	gs_home_reconcile_async(conn, f->store, &opts, NULL, reconcile_done_cb, f);
	GS_TEST_WAIT_FOR(f->done, 5000);
	g_assert_no_error(f->error);
	g_assert_cmpuint(f->result->n_filters, ==, 8);
	g_assert_cmpuint(f->result->n_negentropy, ==, 8);
	g_assert_cmpuint(f->result->lacking->len, ==, f->events->len - 2);
	g_clear_pointer(&f->result, gs_home_reconcile_result_free);

	/* home drops the connection mid-way */
	gs_test_home_set_no_nip77(f->home, TRUE);
	gs_test_home_set_req_cap(f->home, 1);
	f->done = FALSE;
	gs_home_reconcile_async(conn, f->store, &opts, NULL, reconcile_done_cb, f);
	gs_test_home_drop_connections(f->home);
	GS_TEST_WAIT_FOR(f->done, 5000);
	g_assert_error(f->error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
	g_clear_error(&f->error);

	/* cancelled while paging */
	gs_relay_connection_connect(conn);
	GS_TEST_WAIT_FOR(gs_relay_connection_is_open(conn), 5000);
	opts.disable_negentropy = TRUE;
	opts.page_limit = 1;
	f->done = FALSE;
	gs_home_reconcile_async(conn, f->store, &opts, cancellable, reconcile_done_cb, f);
	gs_test_home_iterate(10);
	g_cancellable_cancel(cancellable);
	GS_TEST_WAIT_FOR(f->done, 5000);
	g_assert_error(f->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_assert_cmpuint(gs_relay_connection_get_n_subscriptions(conn), ==, 0);
	g_clear_error(&f->error);

	/* a home that never ends a REQ: the whole reconciliation gives up after one page */
	gs_test_home_set_req_silent(f->home, TRUE);
	opts.page_timeout_ms = 200;
	f->done = FALSE;
	gs_home_reconcile_async(conn, f->store, &opts, NULL, reconcile_done_cb, f);
	GS_TEST_WAIT_FOR(f->done, 5000);
	g_assert_error(f->error, GS_ERROR, GS_ERROR_TIMEOUT);
	g_assert_cmpuint(gs_relay_connection_get_n_subscriptions(conn), ==, 0);
}

#define ADD(path, func)                                                                            \
	g_test_add("/grasp-sync/home-reconcile/" path,                                             \
		   Fixture,                                                                        \
		   NULL,                                                                           \
		   fixture_setup,                                                                  \
		   func,                                                                           \
		   fixture_teardown)

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	ADD("filters", reconcile_filters);
	ADD("restored-home/negentropy", reconcile_restored_negentropy);
	ADD("restored-home/req", reconcile_restored_req);
	ADD("outbox-lost", reconcile_outbox_lost);
	ADD("daily", reconcile_daily);
	ADD("task", reconcile_task);
	return g_test_run();
}
