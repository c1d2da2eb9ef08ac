/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The home relay end to end: a GsSyncManager (the sync scenarios' harness) syncs from remote
 * GsTestRelay relays while a GsHomeRelay delivers into a home relay on 127.0.0.1: our own relay
 * endpoint (GsTestRelay), or @nostr-relay/core from npm run by node. What home holds is read
 * back with REQ.
 */

#include "config.h"

#include <string.h>

#include "gs-home-relay.h"
#include "gs-relay-url.h"
#include "gs-sync-harness.h"

typedef struct {
	GsHarness h;
	gchar *home_url; /* normalised */
	GsTestRelay *home;
	GsHomeRelay *delivery;
	GSubprocess *node;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	gs_harness_setup(&f->h, data);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_object(&f->delivery);
	gs_harness_teardown(&f->h, data);
	g_clear_object(&f->home);
	if (f->node != NULL) {
		g_subprocess_force_exit(f->node);
		g_subprocess_wait(f->node, NULL, NULL);
	}
	g_clear_object(&f->node);
	g_free(f->home_url);
}

static const gchar *
fixture_source_cb(GsEvent *event, gpointer user_data)
{
	Fixture *f = user_data;
	return gs_ingest_get_storing_source(f->h.ingest, event);
}

/* our relay endpoint as home, with no EVENT rate limit and large REQ pages */
static void
fixture_home_endpoint(Fixture *f)
{
	GsRelayLimits limits;

	gs_relay_limits_init(&limits);
	limits.events_per_minute = 0;
	limits.max_limit = 1000000;
	limits.default_limit = 1000000;
	f->home = gs_test_relay_new_full(NULL, &limits);
	f->home_url = gs_relay_url_normalise(gs_test_relay_get_url(f->home), FALSE, NULL);
}

/* the delivery, then the sync engine following @remote and home */
static void
fixture_start(Fixture *f, GsTestRelay *remote)
{
	const gchar *bootstrap[] = {gs_test_relay_get_url(remote), f->home_url, NULL};
	g_autoptr(GError) error = NULL;
	GsHomeRelayOptions opts;

	gs_home_relay_options_init(&opts);
	opts.base_backoff_secs = 1;
	opts.max_backoff_secs = 2;
	opts.neg_timeout_ms = 1000 * gs_harness_scale();
	opts.connect_timeout_ms = 1000 * gs_harness_scale();
	f->delivery = gs_home_relay_new(f->h.store, f->home_url, &opts, &error);
	g_assert_no_error(error);
	gs_home_relay_set_source_func(f->delivery, fixture_source_cb, f);
	gs_home_relay_start(f->delivery);
	gs_harness_start(&f->h, bootstrap);
}

/* reading home back -----------------------------------------------------------------------------
 */

typedef struct {
	GHashTable *ids;
	gboolean done;
} ReadBack;

static void
read_event_cb(GsRelayConnection *conn,
	      const gchar *sub_id,
	      const gchar *json,
	      gsize len,
	      gpointer user_data)
{
	ReadBack *rb = user_data;
	g_autoptr(GsEvent) event = gs_event_new_from_json(json, (gssize)len, NULL);
	g_assert_nonnull(event);
	g_hash_table_add(rb->ids, g_strdup(gs_event_get_id(event)));
}

static void
read_state_cb(GsRelayConnection *conn,
	      const gchar *sub_id,
	      GsRelaySubscriptionEnd end,
	      const gchar *prefix,
	      const gchar *message,
	      gpointer user_data)
{
	ReadBack *rb = user_data;
	g_assert_cmpint(end, ==, GS_RELAY_SUBSCRIPTION_EOSE);
	rb->done = TRUE;
	gs_relay_connection_unsubscribe(conn, sub_id);
}

static gboolean
flag_set(GsHarness *h, gpointer data)
{
	return *(gboolean *)data;
}

/* every id home answers `{}` with, read over a websocket of our own */
static GHashTable *
home_ids(Fixture *f)
{
	g_autoptr(GsRelayConnection) conn = gs_relay_connection_new(f->home_url, NULL);
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	g_autofree gchar *sub = NULL;
	g_autoptr(GError) error = NULL;
	gboolean open = FALSE;
	ReadBack rb = {g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL), FALSE};

	gs_relay_connection_connect(conn);
	while (!(open = gs_relay_connection_is_open(conn)))
		if (!gs_harness_wait(&f->h, flag_set, &open, 100) &&
		    gs_relay_connection_get_status(conn) == GS_CONNECTION_STATUS_DISCONNECTED)
			g_error("cannot connect to home %s", f->home_url);
	g_ptr_array_add(filters, gs_filter_new());
	sub = gs_relay_connection_subscribe(
		conn, filters, read_event_cb, read_state_cb, &rb, &error);
	g_assert_no_error(error);
	g_assert_true(gs_harness_wait(&f->h, flag_set, &rb.done, GS_HARNESS_WAIT_MS));
	gs_relay_connection_disconnect(conn, NULL);
	return rb.ids;
}

/* home holds exactly what our store holds: every accepted event, nothing else */
static gboolean
home_matches_store(GsHarness *h, gpointer data)
{
	Fixture *f = data;
	g_autoptr(GHashTable) ours = gs_harness_ids(h->store);
	g_autoptr(GHashTable) theirs = NULL;
	GHashTableIter iter;
	gpointer key;

	if (gs_home_relay_get_outbox_pending(f->delivery) != 0)
		return FALSE;
	theirs = home_ids(f);
	if (g_hash_table_size(ours) != g_hash_table_size(theirs))
		return FALSE;
	g_hash_table_iter_init(&iter, ours);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (!g_hash_table_contains(theirs, key))
			return FALSE;
	}
	return TRUE;
}

/* how many EVENT messages for @id home received */
static guint
home_received(Fixture *f, const gchar *id)
{
	GPtrArray *log = gs_test_relay_get_log(f->home);
	guint n = 0;

	for (guint i = 0; i < log->len; i++) {
		const gchar *text = g_ptr_array_index(log, i);
		g_autoptr(GsMessage) msg = NULL;
		g_autoptr(GsEvent) event = NULL;

		if (!g_str_has_prefix(text, "[\"EVENT\""))
			continue;
		msg = gs_message_parse(text, strlen(text), GS_MESSAGE_FROM_CLIENT, NULL);
		g_assert_nonnull(msg);
		event = gs_event_new_from_node(msg->event, NULL);
		g_assert_nonnull(event);
		n += g_strcmp0(gs_event_get_id(event), id) == 0;
	}
	return n;
}

/* scenarios ------------------------------------------------------------------------------------ */

/*
 * A remote relay holds an announcement listing our service with its related events, and a
 * repository that does not list us; home starts empty. Every accepted event ends up in home,
 * nothing the policy rejected, and nothing goes to home twice.
 */
static void
home_deliver(Fixture *f, gconstpointer data)
{
	GsTestRelay *remote = gs_harness_relay_new(&f->h, GS_TEST_RELAY_NONE);
	const gchar *relays[] = {gs_test_relay_get_url(remote), NULL};
	g_autoptr(GPtrArray) ours = gs_harness_repo_events(100, "ours", relays, 8, 3);
	g_autoptr(GPtrArray) other = gs_harness_repo_events_full(200, "other", relays, FALSE, 4, 2);
	g_autoptr(GHashTable) theirs = NULL;

	gs_test_relay_add_events(remote, ours);
	gs_test_relay_add_events(remote, other);
	fixture_home_endpoint(f);
	fixture_start(f, remote);
	g_assert_true(gs_harness_wait_stored(&f->h, ours));
	g_assert_true(gs_harness_wait(&f->h, home_matches_store, f, GS_HARNESS_WAIT_MS));
	theirs = home_ids(f);
	g_assert_cmpuint(g_hash_table_size(theirs), ==, ours->len);
	for (guint i = 0; i < other->len; i++)
		g_assert_false(g_hash_table_contains(theirs,
						     gs_event_get_id(g_ptr_array_index(other, i))));
	for (guint i = 0; i < ours->len; i++)
		g_assert_cmpuint(
			home_received(f, gs_event_get_id(g_ptr_array_index(ours, i))), ==, 1);
}

/*
 * A client publishes an announcement straight to home: the live subscription on home finds it,
 * its issues and comments are fetched from the remote relay and delivered to home; the
 * announcement itself is never published back to home.
 */
static void
home_discover(Fixture *f, gconstpointer data)
{
	GsTestRelay *remote = gs_harness_relay_new(&f->h, GS_TEST_RELAY_NONE);
	const gchar *relays[] = {gs_test_relay_get_url(remote), NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(300, "pushed", relays, 5, 2);
	g_autoptr(GPtrArray) rest = g_ptr_array_new();
	GsEvent *announcement = g_ptr_array_index(events, 0);

	for (guint i = 1; i < events->len; i++)
		g_ptr_array_add(rest, g_ptr_array_index(events, i));
	gs_test_relay_add_events(remote, rest);
	fixture_home_endpoint(f);
	fixture_start(f, remote);
	/* everything connected and idle: nothing is ours yet */
	g_assert_true(gs_harness_wait_status(&f->h, f->home_url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_status(
		&f->h, gs_test_relay_get_url(remote), GS_CONNECTION_STATUS_CONNECTED));
	g_assert_cmpuint(gs_harness_n_events(f->h.store), ==, 0);

	gs_test_relay_add_event(f->home, announcement);
	g_assert_true(gs_harness_wait_stored(&f->h, events));
	g_assert_true(gs_harness_wait(&f->h, home_matches_store, f, GS_HARNESS_WAIT_MS));
	g_assert_cmpuint(home_received(f, gs_event_get_id(announcement)), ==, 0);
	for (guint i = 0; i < rest->len; i++)
		g_assert_cmpuint(
			home_received(f, gs_event_get_id(g_ptr_array_index(rest, i))), ==, 1);
}

static gboolean
reconciled_twice(GsHarness *h, gpointer data)
{
	Fixture *f = data;
	GsHomeRelayStats stats;

	gs_home_relay_get_stats(f->delivery, &stats);
	return stats.reconciliations >= 2 && gs_home_relay_get_outbox_pending(f->delivery) == 0;
}

/* home restored from an older copy: the next connect finds and re-sends exactly those events */
static void
home_restored(Fixture *f, gconstpointer data)
{
	GsTestRelay *remote = gs_harness_relay_new(&f->h, GS_TEST_RELAY_NONE);
	const gchar *relays[] = {gs_test_relay_get_url(remote), NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(400, "restored", relays, 10, 3);
	g_autoptr(GPtrArray) lost = g_ptr_array_new();
	sqlite3 *db;

	gs_test_relay_add_events(remote, events);
	fixture_home_endpoint(f);
	fixture_start(f, remote);
	g_assert_true(gs_harness_wait_stored(&f->h, events));
	g_assert_true(gs_harness_wait(&f->h, home_matches_store, f, GS_HARNESS_WAIT_MS));

	/* behind our back: every fourth event disappears from home */
	db = gs_store_get_db(gs_test_relay_get_store(f->home));
	for (guint i = 1; i < events->len; i += 4) {
		GsEvent *ev = g_ptr_array_index(events, i);
		sqlite3_stmt *stmt = NULL;
		g_assert_cmpint(
			sqlite3_prepare_v2(db, "DELETE FROM events WHERE id = ?", -1, &stmt, NULL),
			==,
			SQLITE_OK);
		sqlite3_bind_blob(stmt, 1, gs_event_get_id_raw(ev), 32, SQLITE_STATIC);
		g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_DONE);
		g_assert_cmpint(sqlite3_changes(db), ==, 1);
		sqlite3_finalize(stmt);
		g_ptr_array_add(lost, ev);
	}
	gs_test_relay_reset_counters(f->home);
	gs_test_relay_drop_connections(f->home);
	g_assert_true(gs_harness_wait(&f->h, reconciled_twice, f, GS_HARNESS_WAIT_MS));
	g_assert_true(gs_harness_wait(&f->h, home_matches_store, f, GS_HARNESS_WAIT_MS));
	for (guint i = 0; i < events->len; i++) {
		GsEvent *ev = g_ptr_array_index(events, i);
		gboolean was_lost = i % 4 == 1;
		g_assert_cmpuint(home_received(f, gs_event_get_id(ev)), ==, was_lost ? 1 : 0);
	}
	g_assert_cmpuint(gs_test_relay_get_received(f->home, GS_MESSAGE_EVENT), ==, lost->len);
}

/* @nostr-relay/core (npm) as home: the same set equality */
static void
home_npm(Fixture *f, gconstpointer data)
{
	const gchar *node = g_getenv("GS_NODE");
	g_autofree gchar *script = g_test_build_filename(G_TEST_DIST, "home-relay.mjs", NULL);
	g_autofree gchar *modules =
		g_test_build_filename(G_TEST_DIST, "node_modules", "@nostr-relay", "core", NULL);
	GsTestRelay *remote = gs_harness_relay_new(&f->h, GS_TEST_RELAY_NONE);
	const gchar *relays[] = {gs_test_relay_get_url(remote), NULL};
	g_autoptr(GPtrArray) ours = gs_harness_repo_events(500, "npm", relays, 12, 3);
	g_autoptr(GPtrArray) other = gs_harness_repo_events_full(600, "other", relays, FALSE, 3, 1);
	g_autoptr(GDataInputStream) out = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	g_autoptr(GHashTable) theirs = NULL;

	if (!g_file_test(modules, G_FILE_TEST_IS_DIR))
		g_error("npm packages missing (run: npm ci --prefix tests)");
	f->node = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDIN_PIPE,
				   &error,
				   node != NULL ? node : "node",
				   script,
				   NULL);
	g_assert_no_error(error);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(f->node));
	url = g_data_input_stream_read_line(out, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(url);
	g_test_message("@nostr-relay/core home at %s", url);
	f->home_url = gs_relay_url_normalise(url, FALSE, &error);
	g_assert_no_error(error);

	gs_test_relay_add_events(remote, ours);
	gs_test_relay_add_events(remote, other);
	fixture_start(f, remote);
	g_assert_true(gs_harness_wait_stored(&f->h, ours));
	g_assert_true(gs_harness_wait(&f->h, home_matches_store, f, GS_HARNESS_WAIT_MS));
	theirs = home_ids(f);
	g_assert_cmpuint(g_hash_table_size(theirs), ==, ours->len);
}

#define ADD(path, func)                                                                            \
	g_test_add("/grasp-sync/home/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	ADD("deliver", home_deliver);
	ADD("discover", home_discover);
	ADD("restored", home_restored);
	ADD("npm-home", home_npm);
	return g_test_run();
}
