/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The operator surfaces driven from outside, as an operator would: busctl and grasp-syncctl
 * against gs-fake-daemon (the real GsDbusService and GsStatusPage over the fake provider) on a
 * private bus, the status page in headless Chromium, and the system bus policy in a
 * dbus-daemon run with it. One meson test per case (see tests/meson.build).
 */

#include "config.h"

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "gs-test-utils.h"

typedef struct {
	GTestDBus *bus;
	GSubprocess *daemon;
	GDataInputStream *daemon_out;
	gchar *uri;
	gchar *tmpdir;
} Fixture;

static void
start_daemon(Fixture *f, const gchar *check_page)
{
	const gchar *argv[] = {gs_test_env_path("GS_FAKE_DAEMON_PATH"), NULL, NULL};
	g_autofree gchar *arg = NULL;

	if (check_page != NULL) {
		arg = g_strdup_printf("--check-page=%s", check_page);
		argv[1] = arg;
	}
	f->daemon = gs_test_spawn(argv, NULL, NULL, &f->daemon_out);
	f->uri = gs_test_read_line(f->daemon_out, 10);
	g_assert_nonnull(f->uri);
	g_assert_true(g_str_has_prefix(f->uri, "http://127.0.0.1:"));
}

static void
stop_daemon(Fixture *f)
{
	if (f->daemon == NULL)
		return;
	g_subprocess_send_signal(f->daemon, SIGTERM);
	g_assert_true(g_subprocess_wait(f->daemon, NULL, NULL));
	g_clear_object(&f->daemon_out);
	g_clear_object(&f->daemon);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	f->tmpdir = gs_test_tmpdir_new();
	f->bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(f->bus);
	/* english output; the translation is checked by the po tests */
	g_setenv("LC_ALL", "C.UTF-8", TRUE);
	g_unsetenv("LANGUAGE");
	if (data != NULL)
		start_daemon(f, NULL);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	stop_daemon(f);
	g_test_dbus_down(f->bus);
	g_object_unref(f->bus);
	gs_test_tmpdir_remove(f->tmpdir);
	g_free(f->tmpdir);
	g_free(f->uri);
}

static gchar *
busctl(gint expected_status,
       const gchar *a1,
       const gchar *a2,
       const gchar *a3,
       const gchar *a4,
       const gchar *a5,
       const gchar *a6,
       const gchar *a7,
       const gchar *a8)
{
	const gchar *argv[] = {gs_test_env_path("GS_BUSCTL"),
			       "--user",
			       "--no-pager",
			       a1,
			       a2,
			       a3,
			       a4,
			       a5,
			       a6,
			       a7,
			       a8,
			       NULL};
	g_autofree gchar *err = NULL;
	gchar *out = NULL;

	g_assert_cmpint(gs_test_run(argv, NULL, &out, &err), ==, expected_status);
	if (expected_status != 0) {
		g_free(out);
		return g_steal_pointer(&err);
	}
	return out;
}

#define DEST "dev.graspsync.GraspSync1"
#define PATH "/dev/graspsync/GraspSync1"

/* what docs/operations.md shows: tree, introspect, get-property, call */
static void
gs_ops_busctl_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *tree = busctl(0, "tree", DEST, NULL, NULL, NULL, NULL, NULL, NULL);
	g_autofree gchar *intro = busctl(0, "introspect", DEST, PATH, NULL, NULL, NULL, NULL, NULL);
	g_autofree gchar *relay_intro = busctl(
		0, "introspect", DEST, PATH "/relay/3", DEST ".Relay", NULL, NULL, NULL, NULL);
	g_autofree gchar *status = busctl(0,
					  "get-property",
					  DEST,
					  PATH "/relay/3",
					  DEST ".Relay",
					  "StatusName",
					  NULL,
					  NULL,
					  NULL);
	g_autofree gchar *count =
		busctl(0, "get-property", DEST, PATH, DEST, "RelayCount", NULL, NULL, NULL);
	g_autofree gchar *added =
		busctl(0, "call", DEST, PATH, DEST, "AddRelay", "sb", "relay.example.net", "false");
	g_autofree gchar *unknown =
		busctl(1, "call", DEST, PATH, DEST, "Resync", "s", "wss://nope.example.com", NULL);
	g_autofree gchar *retried = busctl(
		0, "call", DEST, PATH "/relay/3", DEST ".Relay", "RetryFailed", NULL, NULL, NULL);
	g_autofree gchar *after = busctl(0,
					 "get-property",
					 DEST,
					 PATH "/relay/3",
					 DEST ".Relay",
					 "StatusName",
					 NULL,
					 NULL,
					 NULL);
	g_autofree gchar *json =
		busctl(0, "--json=short", "call", DEST, PATH, DEST, "GetStatus", NULL, NULL);
	g_autofree gchar *home =
		busctl(0, "get-property", DEST, PATH, DEST, "HomeRelay", NULL, NULL, NULL);
	g_autofree gchar *refused =
		busctl(0, "get-property", DEST, PATH, DEST, "HomeRefused", NULL, NULL, NULL);
	g_autofree gchar *retried_home =
		busctl(0, "call", DEST, PATH, DEST, "RetryHomeRefused", NULL, NULL, NULL);
	g_autofree gchar *pending =
		busctl(0, "get-property", DEST, PATH, DEST, "HomeOutboxPending", NULL, NULL, NULL);

	for (guint i = 0; i <= 5; i++) {
		g_autofree gchar *path = g_strdup_printf(PATH "/relay/%u", i);
		gs_test_assert_contains(tree, path);
	}
	gs_test_assert_contains(intro, ".AddRelay");
	gs_test_assert_contains(intro, ".GetMetrics");
	gs_test_assert_contains(intro, ".RelayCount");
	gs_test_assert_contains(intro, "org.freedesktop.DBus.ObjectManager");
	gs_test_assert_contains(relay_intro, ".StatusName");
	gs_test_assert_contains(relay_intro, "emits-change");
	gs_test_assert_contains(relay_intro, ".Disconnect");
	g_assert_cmpstr(status, ==, "s \"connected-degraded\"\n");
	g_assert_cmpstr(count, ==, "u 6\n");
	g_assert_cmpstr(added, ==, "o \"" PATH "/relay/6\"\n");
	gs_test_assert_contains(unknown, "relay wss://nope.example.com is not followed");
	g_assert_cmpstr(retried, ==, "");
	g_assert_cmpstr(after, ==, "s \"connected\"\n");
	gs_test_assert_contains(json, "\"RelayCount\":{\"type\":\"u\",\"data\":7}");
	g_assert_cmpstr(home, ==, "s \"ws://127.0.0.1:3334\"\n");
	g_assert_cmpstr(refused, ==, "t 3\n");
	g_assert_cmpstr(retried_home, ==, "u 3\n");
	g_assert_cmpstr(pending, ==, "t 45\n");
}

static gint
ctl5(gchar **out,
     gchar **err,
     const gchar *a1,
     const gchar *a2,
     const gchar *a3,
     const gchar *a4,
     const gchar *a5)
{
	const gchar *argv[] = {gs_test_env_path("GS_CTL_PATH"), a1, a2, a3, a4, a5, NULL};
	return gs_test_run(argv, NULL, out, err);
}

static gint
ctl(gchar **out, gchar **err, const gchar *a1, const gchar *a2, const gchar *a3, const gchar *a4)
{
	const gchar *argv[] = {gs_test_env_path("GS_CTL_PATH"), a1, a2, a3, a4, NULL};
	return gs_test_run(argv, NULL, out, err);
}

static void
gs_ops_ctl_status_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL, *err = NULL;
	g_auto(GStrv) lines = NULL;

	g_assert_cmpint(ctl(&out, &err, "--session", "status", NULL, NULL), ==, 0);
	gs_test_assert_contains(out, "grasp-syncd " PACKAGE_VERSION ", up ");
	gs_test_assert_contains(out, "Service URLs: wss://git.example.org\n");
	gs_test_assert_contains(out, "Relays: 6 (4 live, 1 degraded, 1 dead)\n");
	gs_test_assert_contains(out, "Repositories: 2, root events: 5\n");
	gs_test_assert_contains(out, "Home relay: ws://127.0.0.1:3334 (connected)\n");
	gs_test_assert_contains(
		out, "Home outbox: 42 pending (oldest 95 s), 3 refused, 1000 delivered\n");
	gs_test_assert_contains(
		out, "RELAY                                    STATUS              HEALTH");
	gs_test_assert_contains(
		out,
		"wss://degraded.example.com               connected-degraded  healthy      "
		"        0        0       2\n");
	gs_test_assert_contains(
		out,
		"wss://dead.example.com                   disconnected        dead         "
		"       12        0       0\n");
	g_free(out);
	g_free(err);
	g_assert_cmpint(ctl(&out, &err, "--session", "relays", NULL, NULL), ==, 0);
	lines = g_strsplit(out, "\n", -1);
	g_assert_cmpuint(g_strv_length(lines), ==, 8); /* heading, 6 relays, "" */
}

static JsonNode *
parse_json(const gchar *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
	g_assert_no_error(error);
	return json_node_copy(json_parser_get_root(parser));
}

static void
gs_ops_ctl_json_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *status = NULL, *relays = NULL, *relay = NULL, *repos = NULL, *err = NULL;
	g_autoptr(JsonNode) n_status = NULL, n_relays = NULL, n_relay = NULL, n_repos = NULL;
	JsonObject *o;

	g_assert_cmpint(ctl(&status, NULL, "--session", "--json", "status", NULL), ==, 0);
	g_assert_cmpint(ctl(&relays, NULL, "--session", "--json", "relays", NULL), ==, 0);
	g_assert_cmpint(
		ctl(&relay, NULL, "--session", "--json", "relay", "Degraded.Example.COM"), ==, 0);
	g_assert_cmpint(ctl(&repos, &err, "--session", "--json", "repos", NULL), ==, 0);
	n_status = parse_json(status);
	o = json_object_get_object_member(json_node_get_object(n_status), "daemon");
	g_assert_cmpint(json_object_get_int_member(o, "DeadRelayCount"), ==, 1);
	o = json_object_get_object_member(o, "Home");
	g_assert_cmpstr(json_object_get_string_member(o, "Url"), ==, "ws://127.0.0.1:3334");
	g_assert_cmpint(json_object_get_int_member(o, "OutboxPending"), ==, 42);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
				 json_node_get_object(n_status), "relays")),
			 ==,
			 6);
	n_relays = parse_json(relays);
	g_assert_cmpuint(json_array_get_length(json_node_get_array(n_relays)), ==, 6);
	n_relay = parse_json(relay);
	o = json_node_get_object(n_relay);
	g_assert_cmpstr(json_object_get_string_member(o, "StatusName"), ==, "connected-degraded");
	g_assert_cmpstr(json_object_get_string_member(o, "ObjectPath"), ==, PATH "/relay/3");
	g_assert_cmpuint(
		json_array_get_length(json_object_get_array_member(o, "FailedBatchList")), ==, 2);
	n_repos = parse_json(repos);
	o = json_array_get_object_element(json_node_get_array(n_repos), 1);
	g_assert_cmpstr(json_object_get_string_member(o, "Level"), ==, "state-only");
}

static void
gs_ops_ctl_relay_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL, *repos = NULL, *metrics = NULL;

	g_assert_cmpint(
		ctl(&out, NULL, "--session", "relay", "wss://degraded.example.com/", NULL), ==, 0);
	gs_test_assert_contains(out, "StatusName               connected-degraded\n");
	gs_test_assert_contains(out, "FailedBatches            2\n");
	gs_test_assert_contains(
		out,
		"  failed batch: negentropy-undelivered (negentropy, 0 repositories, 0 "
		"root events, ");
	gs_test_assert_contains(out,
				"  failed batch: error (req-eose, 2 repositories, 1 root events, ");
	g_assert_cmpint(ctl(&repos, NULL, "--session", "repos", NULL, NULL), ==, 0);
	gs_test_assert_contains(repos,
				"grasp-sync               aaaaaaaaaaaa full             5 "
				"wss://connected.example.com wss://degraded.example.com\n");
	g_assert_cmpint(ctl(&metrics, NULL, "--session", "metrics", NULL, NULL), ==, 0);
	gs_test_assert_contains(
		metrics, "ngit_sync_relay_connected{relay=\"wss://syncing.example.com\"} 2\n");
	gs_test_assert_contains(metrics,
				"ngit_sync_connection_attempts_total{relay=\"wss://"
				"connected.example.com\",result=\"success\"} 1\n");
}

static void
gs_ops_ctl_control_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *add = NULL, *add_json = NULL, *bootstrap = NULL, *remove = NULL;
	g_autofree gchar *resync = NULL, *all = NULL, *retry = NULL, *after = NULL;
	g_autofree gchar *home = NULL, *home_json = NULL;

	g_assert_cmpint(
		ctl(&add, NULL, "--session", "add-relay", "wss://new.example.com", NULL), ==, 0);
	g_assert_cmpstr(add, ==, "Following wss://new.example.com (" PATH "/relay/6)\n");
	g_assert_cmpint(ctl5(&add_json,
			     NULL,
			     "--session",
			     "--json",
			     "--bootstrap",
			     "add-relay",
			     "b.example.com"),
			==,
			0);
	gs_test_assert_contains(add_json, "\"ObjectPath\" : \"" PATH "/relay/7\"");
	g_assert_cmpint(
		ctl(&bootstrap, NULL, "--session", "relay", "wss://b.example.com", NULL), ==, 0);
	gs_test_assert_contains(bootstrap, "IsBootstrap              true\n");
	g_assert_cmpint(
		ctl(&remove, NULL, "--session", "remove-relay", "wss://new.example.com", NULL),
		==,
		0);
	g_assert_cmpstr(remove, ==, "No longer following wss://new.example.com\n");
	g_assert_cmpint(
		ctl(&retry, NULL, "--session", "retry-failed", "wss://degraded.example.com", NULL),
		==,
		0);
	g_assert_cmpstr(retry, ==, "Retrying the failed batches of wss://degraded.example.com\n");
	g_assert_cmpint(
		ctl(&after, NULL, "--session", "relay", "wss://degraded.example.com", NULL), ==, 0);
	gs_test_assert_contains(after, "StatusName               connected\n");
	gs_test_assert_contains(after, "FailedBatches            0\n");
	g_assert_cmpint(
		ctl(&resync, NULL, "--session", "resync", "wss://syncing.example.com", NULL),
		==,
		0);
	g_assert_cmpstr(resync, ==, "Resync of wss://syncing.example.com started\n");
	g_assert_cmpint(ctl(&all, NULL, "--session", "resync", NULL, NULL), ==, 0);
	g_assert_cmpstr(all, ==, "Resync of every relay started\n");
	g_assert_cmpint(ctl(&home, NULL, "--session", "retry-home-refused", NULL, NULL), ==, 0);
	g_assert_cmpstr(home, ==, "Events sent to the home relay again: 3\n");
	g_assert_cmpint(
		ctl(&home_json, NULL, "--session", "--json", "retry-home-refused", NULL), ==, 0);
	gs_test_assert_contains(home_json, "\"Count\" : 0");
}

static void
gs_ops_ctl_errors_test(Fixture *f, gconstpointer data)
{
	const struct {
		const gchar *args[4];
		gint status;
		const gchar *message;
	} cases[] = {
		{{"--session", "remove-relay", "wss://unknown.example.com", NULL},
		 1,
		 "grasp-syncctl: relay wss://unknown.example.com is not followed\n"},
		{{"--session", "add-relay", "http://x.example.com", NULL},
		 1,
		 "grasp-syncctl: malformed relay URL: "},
		{{"--session", "retry-failed", "wss://connected.example.com", NULL},
		 1,
		 "has no failed batches"},
		{{"--session", "relay", "wss://unknown.example.com", NULL},
		 1,
		 "relay wss://unknown.example.com is not followed"},
		{{"--session", NULL, NULL, NULL}, 2, "no command given"},
		{{"--session", "frobnicate", NULL, NULL}, 2, "unknown command: frobnicate"},
		{{"--session", "relay", NULL, NULL}, 2, "usage: grasp-syncctl relay URL"},
		{{"--session", "status", "extra", NULL}, 2, "usage: grasp-syncctl status"},
		{{"--session", "--system", "status", NULL},
		 2,
		 "--session cannot be used together with --system"},
		{{"--bogus", NULL, NULL, NULL}, 2, "Unknown option --bogus"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *out = NULL, *err = NULL;
		g_assert_cmpint(ctl(&out,
				    &err,
				    cases[i].args[0],
				    cases[i].args[1],
				    cases[i].args[2],
				    cases[i].args[3]),
				==,
				cases[i].status);
		gs_test_assert_contains(err, cases[i].message);
	}
}

/* exit status 3 and a clear message when nobody owns the name, or there is no bus */
static void
gs_ops_ctl_not_running_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL, *err = NULL, *err2 = NULL;

	g_assert_cmpint(ctl(&out, &err, "--session", "status", NULL, NULL), ==, 3);
	g_assert_cmpstr(err,
			==,
			"grasp-syncctl: grasp-syncd is not running on the session bus (nobody owns "
			"dev.graspsync.GraspSync1)\n");
	g_setenv("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/nonexistent/grasp-sync-test-bus", TRUE);
	g_assert_cmpint(ctl(NULL, &err2, "relays", NULL, NULL, NULL), ==, 3);
	gs_test_assert_contains(err2, "grasp-syncctl: cannot connect to the system bus: ");
}

/* watch prints each change from the D-Bus signals, and notices the daemon stopping */
static void
gs_ops_ctl_watch_test(Fixture *f, gconstpointer data)
{
	const gchar *argv[] = {gs_test_env_path("GS_CTL_PATH"), "--session", "watch", NULL};
	const gchar *argv_json[] = {
		gs_test_env_path("GS_CTL_PATH"), "--session", "--json", "watch", NULL};
	g_autoptr(GDataInputStream) out = NULL, out_json = NULL;
	g_autoptr(GSubprocess) watch = gs_test_spawn(argv, NULL, NULL, &out);
	g_autoptr(GSubprocess) watch_json = gs_test_spawn(argv_json, NULL, NULL, &out_json);
	g_autofree gchar *first = gs_test_read_line(out, 10);
	g_autofree gchar *changed = NULL, *added = NULL, *json = NULL, *r1 = NULL, *r2 = NULL;
	g_autoptr(JsonNode) node = NULL;

	g_assert_cmpstr(first, ==, "Watching relay status changes; press Ctrl+C to stop");
	/* the watchers have their proxies once the first line is out; give the JSON one a moment */
	g_usleep(300 * 1000);
	r1 = busctl(
		0, "call", DEST, PATH "/relay/5", DEST ".Relay", "Disconnect", NULL, NULL, NULL);
	changed = gs_test_read_line(out, 10);
	g_assert_nonnull(changed);
	gs_test_assert_contains(changed, " wss://syncing.example.com changed");
	gs_test_assert_contains(changed, "StatusName='disconnected'");
	gs_test_assert_contains(changed, "Status=0");
	json = gs_test_read_line(out_json, 10);
	node = parse_json(json);
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(node), "Url"),
			==,
			"wss://syncing.example.com");
	g_assert_cmpstr(
		json_object_get_string_member(
			json_object_get_object_member(json_node_get_object(node), "Changed"),
			"StatusName"),
		==,
		"disconnected");
	r2 = busctl(0, "call", DEST, PATH, DEST, "AddRelay", "sb", "wss://new.example.com", "true");
	added = gs_test_read_line(out, 10);
	g_assert_nonnull(added);
	gs_test_assert_contains(added, " wss://new.example.com added");
	g_subprocess_send_signal(watch_json, SIGTERM);
	g_assert_true(g_subprocess_wait(watch_json, NULL, NULL));
	g_assert_cmpint(g_subprocess_get_exit_status(watch_json), ==, 0);
	/* the daemon goes away: watch says so and exits 3 */
	stop_daemon(f);
	g_assert_true(g_subprocess_wait(watch, NULL, NULL));
	g_assert_cmpint(g_subprocess_get_exit_status(watch), ==, 3);
}

/* the status page rendered by a real browser: rows, status badges and their colours */
static void
gs_ops_chromium_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *page =
		g_test_build_filename(G_TEST_DIST, "data", "status-page-check.html", NULL);
	g_autofree gchar *profile = g_build_filename(f->tmpdir, "chromium-profile", NULL);
	g_autofree gchar *profile_arg = NULL;
	g_autofree gchar *crash_arg = g_strdup_printf("--crash-dumps-dir=%s/crash", f->tmpdir);
	g_autofree gchar *url = NULL;
	g_autofree gchar *out = NULL, *err = NULL;
	const gchar *expected[] = {
		"ROWS 6",
		"ROW wss://connected.example.com (bootstrap) | connected | rgb(26, 127, 55) | "
		"healthy | rgb(26, 127, 55) | 0",
		"ROW wss://connecting.example.com | connecting | rgb(154, 103, 0) | degraded | "
		"rgb(154, 103, 0) | 0",
		"ROW wss://dead.example.com | disconnected | rgb(110, 119, 129) | dead | rgb(207, "
		"34, 46) | 0",
		"ROW wss://degraded.example.com | connected-degraded | rgb(188, 76, 0) | healthy | "
		"rgb(26, 127, 55) | 2 (negentropy-undelivered, error)",
		"ROW wss://limited.example.com/nostr | connected | rgb(26, 127, 55) | rate-limited "
		"| rgb(130, 80, 223) | 0",
		"ROW wss://syncing.example.com | syncing | rgb(9, 105, 218) | healthy | rgb(26, "
		"127, 55) | 0",
		"SUMMARY 6 relays / 1 degraded / 1 dead",
		"BADGE-TEXT rgb(255, 255, 255)",
	};
	const gchar *argv[] = {gs_test_env_path("GS_CHROMIUM"),
			       "--headless",
			       "--no-sandbox",
			       "--disable-gpu",
			       "--disable-background-networking",
			       "--disable-component-update",
			       "--disable-sync",
			       "--no-first-run",
			       "--disable-dev-shm-usage",
			       "--virtual-time-budget=5000",
			       NULL,
			       NULL,
			       "--dump-dom",
			       NULL,
			       NULL};
	gint64 started = g_get_monotonic_time();
	g_auto(GStrv) envp = g_get_environ();

	start_daemon(f, page);
	profile_arg = g_strdup_printf("--user-data-dir=%s", profile);
	url = g_strdup_printf("%s/check", f->uri);
	argv[10] = profile_arg;
	argv[11] = crash_arg;
	argv[13] = url;
	/* the browser is no GLib test program, and has no business on the test bus */
	envp = g_environ_unsetenv(envp, "G_DEBUG");
	envp = g_environ_unsetenv(envp, "DBUS_SESSION_BUS_ADDRESS");
	g_assert_cmpint(gs_test_run(argv, envp, &out, &err), ==, 0);
	for (guint i = 0; i < G_N_ELEMENTS(expected); i++)
		gs_test_assert_contains(out, expected[i]);
	g_test_message("chromium took %.1f s", (g_get_monotonic_time() - started) / 1e6);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add("/grasp-sync/ops/busctl",
		   Fixture,
		   "daemon",
		   fixture_setup,
		   gs_ops_busctl_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/ops/ctl-status",
		   Fixture,
		   "daemon",
		   fixture_setup,
		   gs_ops_ctl_status_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/ops/ctl-json",
		   Fixture,
		   "daemon",
		   fixture_setup,
		   gs_ops_ctl_json_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/ops/ctl-relay",
		   Fixture,
		   "daemon",
		   fixture_setup,
		   gs_ops_ctl_relay_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/ops/ctl-control",
		   Fixture,
		   "daemon",
		   fixture_setup,
		   gs_ops_ctl_control_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/ops/ctl-errors",
		   Fixture,
		   "daemon",
		   fixture_setup,
		   gs_ops_ctl_errors_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/ops/ctl-not-running",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_ops_ctl_not_running_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/ops/ctl-watch",
		   Fixture,
		   "daemon",
		   fixture_setup,
		   gs_ops_ctl_watch_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/ops/chromium",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_ops_chromium_test,
		   fixture_teardown);
	return g_test_run();
}
