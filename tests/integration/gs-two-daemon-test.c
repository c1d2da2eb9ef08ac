/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Two built grasp-syncd (GS_DAEMON_PATH) on 127.0.0.1: A follows nothing and serves its relay
 * endpoint; B has A as its bootstrap relay. Everything is observed from outside: events are
 * published to A's relay endpoint, B's events are read from B's relay endpoint, and B's
 * status for A from its D-Bus relay object (B runs on a private session bus).
 * 1. an announcement and its history published to A reach B (same set of ids);
 * 2. with B live, an issue, a comment on it and a patch published to A reach a subscription
 *    on B's endpoint within a few seconds;
 * 3. A stops; events are written into A's store while it is down; A comes back on the same
 *    port and state: B reconnects, catches up to exactly A's set, and its status for A went
 *    disconnected -> ... -> syncing -> connected.
 * A daemon's log is printed when a case fails.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "gs-relay-url.h"
#include "gs-sync-harness.h"
#include "gs-test-client.h"

#define OWNER 900
#define REPO "two"
#define N_ROOTS 12
#define N_REPLIES 3
/* how long an event published to A may take to reach B's live subscription */
#define LIVE_MS (5000 * gs_harness_scale())

typedef struct {
	const gchar *name;
	gchar *state_dir;
	gchar *conf;
	gchar *log;
	gchar *url; /* ws://127.0.0.1:<port>, the relay endpoint */
	GSubprocess *proc;
} Daemon;

typedef struct {
	gchar *tmpdir;
	GTestDBus *bus;
	GDBusConnection *conn;
	guint signal_id;
	GPtrArray *changes; /* "<object path> <StatusName>", in the order B sent them */
	Daemon a;
	Daemon b;
} Fixture;

static void
daemon_init(Daemon *d, const gchar *tmpdir, const gchar *name)
{
	g_autofree gchar *conf = g_strdup_printf("%s.conf", name);
	g_autofree gchar *log = g_strdup_printf("%s.log", name);
	g_autofree gchar *state = g_strdup_printf("%s-state", name);

	d->name = name;
	d->state_dir = g_build_filename(tmpdir, state, NULL);
	d->conf = g_build_filename(tmpdir, conf, NULL);
	d->log = g_build_filename(tmpdir, log, NULL);
}

static void
daemon_clear(Daemon *d)
{
	if (d->proc != NULL && g_subprocess_get_identifier(d->proc) != NULL)
		g_subprocess_force_exit(d->proc);
	g_clear_object(&d->proc);
	g_free(d->state_dir);
	g_free(d->conf);
	g_free(d->log);
	g_free(d->url);
}

static void
status_changed_cb(GDBusConnection *conn,
		  const gchar *sender,
		  const gchar *path,
		  const gchar *interface,
		  const gchar *signal,
		  GVariant *params,
		  gpointer user_data)
{
	Fixture *f = user_data;
	g_autoptr(GVariant) changed = NULL;
	const gchar *name = NULL;

	g_variant_get_child(params, 1, "@a{sv}", &changed);
	if (g_variant_lookup(changed, "StatusName", "&s", &name))
		g_ptr_array_add(f->changes, g_strdup_printf("%s %s", path, name));
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->tmpdir = gs_test_tmpdir_new();
	f->bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(f->bus);
	f->conn = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);
	g_assert_no_error(error);
	f->changes = g_ptr_array_new_with_free_func(g_free);
	f->signal_id = g_dbus_connection_signal_subscribe(f->conn,
							  NULL,
							  "org.freedesktop.DBus.Properties",
							  "PropertiesChanged",
							  NULL,
							  "dev.graspsync.GraspSync1.Relay",
							  G_DBUS_SIGNAL_FLAGS_NONE,
							  status_changed_cb,
							  f,
							  NULL);
	daemon_init(&f->a, f->tmpdir, "a");
	daemon_init(&f->b, f->tmpdir, "b");
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	daemon_clear(&f->a);
	daemon_clear(&f->b);
	g_dbus_connection_signal_unsubscribe(f->conn, f->signal_id);
	g_clear_object(&f->conn);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_test_dbus_down(f->bus);
	g_clear_object(&f->bus);
	g_ptr_array_unref(f->changes);
	gs_test_tmpdir_remove(f->tmpdir);
	g_free(f->tmpdir);
}

static void
print_log(Daemon *d)
{
	g_autofree gchar *contents = NULL;
	g_file_get_contents(d->log, &contents, NULL, NULL);
	g_printerr("daemon %s log:\n%s\n", d->name, contents != NULL ? contents : "(none)");
}

static void
print_logs(Fixture *f)
{
	print_log(&f->a);
	print_log(&f->b);
}

/* @d's log says @text exactly @n times */
static void
assert_log_count(Fixture *f, Daemon *d, const gchar *text, guint n)
{
	g_autofree gchar *contents = NULL;
	guint count = 0;

	g_assert_true(g_file_get_contents(d->log, &contents, NULL, NULL));
	for (const gchar *at = strstr(contents, text); at != NULL; at = strstr(at + 1, text))
		count++;
	if (count != n) {
		print_logs(f);
		g_error("daemon %s logged \"%s\" %u times, not %u", d->name, text, count, n);
	}
}

/* a port nothing listens on now; A must come back on the same one */
static guint16
free_port(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocket) sock = g_socket_new(
		G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
	g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) any = g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) bound = NULL;

	g_assert_no_error(error);
	g_assert_true(g_socket_bind(sock, any, TRUE, &error));
	g_assert_no_error(error);
	bound = g_socket_get_local_address(sock, &error);
	g_assert_no_error(error);
	return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

/* the daemon dies with the test, so that a failed assertion leaves nothing running */
static void
child_setup_cb(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void
write_config(Daemon *d, const gchar *bootstrap, guint16 port)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *conf = g_strdup_printf("[sync]\n"
						 "service-urls=%s\n"
						 "bootstrap-relays=%s\n"
						 "archive=none\n"
						 "base-backoff-secs=1\n"
						 "max-backoff-secs=1\n"
						 "batch-window-ms=200\n"
						 "[http]\n"
						 "listen=127.0.0.1:%u\n"
						 "[relay]\n"
						 "events-per-minute=10000\n",
						 GS_HARNESS_SERVICE,
						 bootstrap,
						 port);

	g_assert_true(g_file_set_contents(d->conf, conf, -1, &error));
	g_assert_no_error(error);
	g_free(d->url);
	d->url = g_strdup_printf("ws://127.0.0.1:%u", port);
}

/* starts @d and waits until its relay endpoint answers */
static void
start_daemon(Fixture *f, Daemon *d, gboolean dbus)
{
	const gchar *daemon = gs_test_env_path("GS_DAEMON_PATH");
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_autoptr(GError) error = NULL;

	g_subprocess_launcher_unsetenv(launcher, "NGIT_SYNC_BOOTSTRAP_RELAY_URL");
	g_subprocess_launcher_unsetenv(launcher, "NGIT_BIND_ADDRESS");
	g_subprocess_launcher_unsetenv(launcher, "NGIT_HOME_RELAY_URL");
	/* the engine's info lines say which sync entry a connection took */
	g_subprocess_launcher_setenv(launcher, "G_MESSAGES_DEBUG", "GsSync", TRUE);
	g_subprocess_launcher_set_child_setup(launcher, child_setup_cb, NULL, NULL);
	g_subprocess_launcher_set_stdout_file_path(launcher, d->log);
	d->proc = g_subprocess_launcher_spawn(launcher,
					      &error,
					      daemon,
					      "--config",
					      d->conf,
					      "--state-dir",
					      d->state_dir,
					      dbus ? "--session" : "--no-dbus",
					      NULL);
	g_assert_no_error(error);
	for (guint i = 0; i < 100 * gs_harness_scale(); i++) {
		g_autoptr(GsTestClient) client = gs_test_client_try_new(d->url, NULL);
		if (client != NULL)
			return;
		gs_test_iterate(100);
	}
	print_logs(f);
	g_error("daemon %s never served %s", d->name, d->url);
}

static void
stop_daemon(Daemon *d)
{
	g_autoptr(GError) error = NULL;

	g_subprocess_send_signal(d->proc, SIGTERM);
	g_subprocess_wait(d->proc, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(d->proc));
	g_assert_cmpint(g_subprocess_get_exit_status(d->proc), ==, 0);
	g_clear_object(&d->proc);
}

/* sends @event to @client's relay and asserts that it was stored */
static void
publish(Fixture *f, GsTestClient *client, GsEvent *event)
{
	g_autofree gchar *text = g_strdup_printf(
		"[\"EVENT\",%.*s]", (gint)gs_event_get_json_size(event), gs_event_get_json(event));

	gs_test_client_send(client, text);
	for (;;) {
		g_autoptr(GsMessage) msg = gs_test_client_recv_message(client, 10000);
		if (msg == NULL) {
			print_logs(f);
			g_error("no OK for %s", gs_event_get_id(event));
		}
		if (msg->type != GS_MESSAGE_OK ||
		    g_strcmp0(msg->event_id, gs_event_get_id(event)) != 0)
			continue;
		if (!msg->ok || (msg->text != NULL && msg->text[0] != '\0'))
			g_error("A did not store %s: %s", gs_event_get_id(event), msg->text);
		return;
	}
}

static void
publish_all(Fixture *f, const gchar *url, GPtrArray *events)
{
	g_autoptr(GsTestClient) client = gs_test_client_new(url);
	for (guint i = 0; i < events->len; i++)
		publish(f, client, g_ptr_array_index(events, i));
}

/* every id a relay endpoint serves */
static GHashTable *
relay_ids(const gchar *url)
{
	g_autoptr(GsTestClient) client = gs_test_client_new(url);
	GHashTable *ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	gs_test_client_send(client, "[\"REQ\",\"all\",{\"limit\":5000}]");
	for (;;) {
		g_autoptr(GsMessage) msg = gs_test_client_recv_message(client, 10000);
		g_autoptr(GsEvent) event = NULL;

		g_assert_nonnull(msg);
		if (msg->type == GS_MESSAGE_EOSE)
			return ids;
		g_assert_cmpint(msg->type, ==, GS_MESSAGE_EVENT);
		event = gs_event_new_from_node(msg->event, NULL);
		g_assert_nonnull(event);
		g_hash_table_add(ids, g_strdup(gs_event_get_id(event)));
	}
}

/* the ids in one set and not the other, for the failure message */
static gchar *
describe_difference(GHashTable *a, GHashTable *b)
{
	GString *out = g_string_new(NULL);
	GHashTable *sets[] = {a, b, a};
	const gchar *names[] = {"only on A:", "only on B:"};
	GHashTableIter iter;
	gpointer key;

	for (guint s = 0; s < 2; s++) {
		g_string_append_printf(out, " %s", names[s]);
		g_hash_table_iter_init(&iter, sets[s]);
		while (g_hash_table_iter_next(&iter, &key, NULL)) {
			if (!g_hash_table_contains(sets[s + 1], key))
				g_string_append_printf(out, " %.12s", (const gchar *)key);
		}
	}
	return g_string_free(out, FALSE);
}

static gboolean
same_ids(GHashTable *a, GHashTable *b)
{
	GHashTableIter iter;
	gpointer key;

	if (g_hash_table_size(a) != g_hash_table_size(b))
		return FALSE;
	g_hash_table_iter_init(&iter, a);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (!g_hash_table_contains(b, key))
			return FALSE;
	}
	return TRUE;
}

/* waits until B serves exactly what A serves, and that A holds @expected events */
static void
wait_same_sets(Fixture *f, guint expected, const gchar *when)
{
	g_autoptr(GHashTable) on_a = relay_ids(f->a.url);
	g_autoptr(GHashTable) on_b = NULL;
	g_autofree gchar *difference = NULL;

	g_assert_cmpuint(g_hash_table_size(on_a), ==, expected);
	for (guint i = 0; i < 200; i++) {
		g_clear_pointer(&on_b, g_hash_table_unref);
		on_b = relay_ids(f->b.url);
		if (same_ids(on_a, on_b))
			return;
		gs_test_iterate(100 * gs_harness_scale());
	}
	print_logs(f);
	difference = describe_difference(on_a, on_b);
	g_error("%s, B never got A's %u events:%s", when, g_hash_table_size(on_a), difference);
}

/* B's D-Bus object for the relay @url */
static gchar *
relay_object(Fixture *f, const gchar *url)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GVariant) reply = NULL;
	g_autoptr(GVariantIter) relays = NULL;
	g_autofree gchar *normal = gs_relay_url_normalise(url, FALSE, &error);
	GVariant *record;

	g_assert_no_error(error);
	reply = g_dbus_connection_call_sync(f->conn,
					    "dev.graspsync.GraspSync1",
					    "/dev/graspsync/GraspSync1",
					    "dev.graspsync.GraspSync1",
					    "ListRelays",
					    NULL,
					    G_VARIANT_TYPE("(aa{sv})"),
					    G_DBUS_CALL_FLAGS_NONE,
					    5000,
					    NULL,
					    &error);
	g_assert_no_error(error);
	g_variant_get(reply, "(aa{sv})", &relays);
	while ((record = g_variant_iter_next_value(relays)) != NULL) {
		const gchar *relay_url = NULL;
		const gchar *path = NULL;
		gchar *found = NULL;

		if (g_variant_lookup(record, "Url", "&s", &relay_url) &&
		    g_variant_lookup(record, "ObjectPath", "&o", &path) &&
		    g_strcmp0(relay_url, normal) == 0)
			found = g_strdup(path);
		g_variant_unref(record);
		if (found != NULL)
			return found;
	}
	g_error("B does not follow %s", normal);
}

/* the StatusNames B sent for @path, from the @from-th change on, joined with " > " */
static gchar *
statuses_since(Fixture *f, const gchar *path, guint from)
{
	g_autofree gchar *prefix = g_strdup_printf("%s ", path);
	g_autoptr(GStrvBuilder) names = g_strv_builder_new();
	g_auto(GStrv) list = NULL;

	for (guint i = from; i < f->changes->len; i++) {
		const gchar *change = g_ptr_array_index(f->changes, i);
		if (g_str_has_prefix(change, prefix))
			g_strv_builder_add(names, change + strlen(prefix));
	}
	list = g_strv_builder_end(names);
	return g_strjoinv(" > ", list);
}

/* waits until B's last status for @path is connected, reached through syncing; @first
 * (nullable) is the first status B must have sent from the @from-th change on */
static void
assert_reached_connected(Fixture *f, const gchar *path, guint from, const gchar *first)
{
	g_autofree gchar *seen = NULL;

	for (guint i = 0; i < 100 * gs_harness_scale(); i++) {
		g_free(seen);
		seen = statuses_since(f, path, from);
		if (g_str_has_suffix(seen, "syncing > connected"))
			break;
		gs_test_iterate(100);
	}
	if (!g_str_has_suffix(seen, "syncing > connected") ||
	    (first != NULL && !g_str_has_prefix(seen, first))) {
		print_logs(f);
		g_error("B's status for A went \"%s\"; expected %s ... syncing > connected",
			seen,
			first != NULL ? first : "");
	}
	g_test_message("B's status for A: %s", seen);
}

/* publishes @event to A and waits until B's live subscription @live sends it */
static void
assert_live(Fixture *f, GsTestClient *to_a, GsTestClient *live, GsEvent *event)
{
	gint64 start = g_get_monotonic_time();
	gint64 deadline = start + (gint64)LIVE_MS * 1000;

	publish(f, to_a, event);
	while (g_get_monotonic_time() < deadline) {
		g_autoptr(GsMessage) msg = gs_test_client_recv_message(live, 100);
		g_autoptr(GsEvent) got = NULL;

		if (msg == NULL || msg->type != GS_MESSAGE_EVENT)
			continue;
		got = gs_event_new_from_node(msg->event, NULL);
		g_assert_nonnull(got);
		if (g_strcmp0(gs_event_get_id(got), gs_event_get_id(event)) == 0) {
			g_test_message("kind %u reached B live in %" G_GINT64_FORMAT " ms",
				       gs_event_get_kind(event),
				       (g_get_monotonic_time() - start) / 1000);
			return;
		}
	}
	print_logs(f);
	g_error("kind %u event %s did not reach B live within %u ms",
		gs_event_get_kind(event),
		gs_event_get_id(event),
		LIVE_MS);
}

/* events written into A's store while A is down, all newer than the disconnection */
static GPtrArray *
write_while_down(Fixture *f, GPtrArray *history, gint64 now)
{
	g_autofree gchar *coordinate = gs_harness_coordinate(OWNER, REPO);
	g_autofree gchar *path = g_build_filename(f->a.state_dir, "grasp-sync.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = gs_store_new(path, &error);
	GPtrArray *events = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	GsEvent *issue;

	g_assert_no_error(error);
	issue = gs_harness_root(OWNER + 3, 1621, coordinate, now, "written while A was down");
	g_ptr_array_add(events, issue);
	g_ptr_array_add(events,
			gs_harness_reply(OWNER + 8, 1111, "E", gs_event_get_id(issue), now, "c"));
	g_ptr_array_add(events, gs_harness_root(OWNER + 4, 1617, coordinate, now, "patch"));
	/* a comment on a root B has had since step 1 */
	g_ptr_array_add(
		events,
		gs_harness_reply(
			OWNER + 9, 1111, "E", gs_event_get_id(history->pdata[2]), now, "late"));
	for (guint i = 0; i < events->len; i++) {
		GsStoreResult result;
		g_assert_true(
			gs_store_insert(store, g_ptr_array_index(events, i), &result, &error));
		g_assert_no_error(error);
		g_assert_cmpint(result, ==, GS_STORE_RESULT_STORED);
	}
	return events;
}

static void
two_daemons(Fixture *f, gconstpointer data)
{
	const gchar *relays[] = {NULL, NULL};
	g_autofree gchar *coordinate = gs_harness_coordinate(OWNER, REPO);
	g_autoptr(GPtrArray) history = NULL;
	g_autoptr(GPtrArray) down = NULL;
	g_autoptr(GsTestClient) to_a = NULL;
	g_autoptr(GsTestClient) live = NULL;
	g_autoptr(GsEvent) issue = NULL;
	g_autoptr(GsEvent) comment = NULL;
	g_autoptr(GsEvent) patch = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(GsMessage) eose = NULL;
	guint16 port_a = free_port();
	guint16 port_b = free_port();
	gint64 now;
	guint mark;
	guint expected;

	write_config(&f->a, "", port_a);
	write_config(&f->b, f->a.url, port_b);
	relays[0] = f->a.url;
	history = gs_harness_repo_events(OWNER, REPO, relays, N_ROOTS, N_REPLIES);
	start_daemon(f, &f->a, FALSE);

	/* 1. history published to A reaches B */
	publish_all(f, f->a.url, history);
	start_daemon(f, &f->b, TRUE);
	expected = history->len;
	wait_same_sets(f, expected, "after the first sync");
	path = relay_object(f, f->a.url);
	assert_reached_connected(f, path, 0, NULL);

	/* 2. new events published to A reach B's live subscription */
	live = gs_test_client_new(f->b.url);
	gs_test_client_send(live, "[\"REQ\",\"live\",{\"limit\":0}]");
	eose = gs_test_client_recv_message(live, 10000);
	g_assert_nonnull(eose);
	g_assert_cmpint(eose->type, ==, GS_MESSAGE_EOSE);
	to_a = gs_test_client_new(f->a.url);
	now = g_get_real_time() / G_USEC_PER_SEC;
	issue = gs_harness_root(OWNER + 1, 1621, coordinate, now, "a live issue");
	comment = gs_harness_reply(OWNER + 7, 1111, "E", gs_event_get_id(issue), now, "live");
	patch = gs_harness_root(OWNER + 2, 1617, coordinate, now, "a live patch");
	assert_live(f, to_a, live, issue);
	assert_live(f, to_a, live, comment);
	assert_live(f, to_a, live, patch);
	expected += 3;
	wait_same_sets(f, expected, "after the live events");
	g_clear_pointer(&to_a, gs_test_client_free);
	g_clear_pointer(&live, gs_test_client_free);

	/* 3. A stops, gets events while down, comes back: B catches up */
	mark = f->changes->len;
	stop_daemon(&f->a);
	gs_test_iterate(500);
	down = write_while_down(f, history, g_get_real_time() / G_USEC_PER_SEC);
	expected += down->len;
	start_daemon(f, &f->a, FALSE);
	wait_same_sets(f, expected, "after A's restart");
	assert_reached_connected(f, path, mark, "disconnected");
	assert_log_count(f, &f->b, ": fresh start", 1);
	assert_log_count(f, &f->b, ": catch-up from the disconnection", 1);
	stop_daemon(&f->b);
	stop_daemon(&f->a);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add("/grasp-sync/two-daemon/follow",
		   Fixture,
		   NULL,
		   fixture_setup,
		   two_daemons,
		   fixture_teardown);
	return g_test_run();
}
