/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The built grasp-syncd (GS_DAEMON_PATH) with a home relay, the remote and home relays served
 * by this process; the daemon's log is printed when a case fails.
 * - kill-9: the daemon is killed while it delivers 10,000 events into home, then restarted:
 *   home ends with exactly the full set, and no event was published again after its OK had
 *   been recorded (every event home received twice was still in the outbox the daemon left
 *   behind).
 * - down: home is down while the daemon syncs; `ngit_sync_home_outbox_pending` on /metrics
 *   counts everything; home comes up: the outbox drains and the gauge goes to 0.
 */

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "gs-hex.h"
#include "gs-relay-url.h"
#include "gs-sync-harness.h"
#include "gs-test-home.h"

#define N_ROOTS 2000
#define N_REPLIES 4

typedef struct {
	gchar *tmpdir;
	gchar *state_dir;
	gchar *conf;
	gchar *log;
	GsTestRelay *remote;
	GsTestRelay *home;
	GsTestHome *scripted_home; /* the down case's home, which can go away and come back */
	GSubprocess *proc;
	GHashTable *stored_at; /* id -> length of home's log when home stored the event */
	GHashTable *resent;    /* ids home received again after it had stored them */
	guint log_pos;	       /* entries of home's log already looked at */
} Fixture;

static void
home_stored_cb(GsStore *store, GsEvent *event, gpointer user_data)
{
	Fixture *f = user_data;
	GPtrArray *log = gs_test_relay_get_log(f->home);
	g_hash_table_insert(
		f->stored_at, g_strdup(gs_event_get_id(event)), GUINT_TO_POINTER(log->len));
}

/* the kill-9 case kills the daemon while it connects to the home relay, which runs in this
 * process: libsoup warns when it caches the address of a peer that is already gone (at the
 * websocket upgrade). That is the situation under test, not a fault: such a warning is
 * reported as a test message; every other message of libsoup goes to GLib's default handler
 * and stays fatal as G_DEBUG says. Both hooks are needed: the domain handler keeps GTest from
 * printing "Bail out!" for it, the fatal handler (which GTest resets for each test case)
 * keeps GLib from aborting. */
static gboolean
is_peer_gone(const gchar *log_domain, const gchar *message)
{
	return g_strcmp0(log_domain, "libsoup") == 0 &&
	       strstr(message, "Transport endpoint is not connected") != NULL;
}

static gboolean
peer_gone_fatal_cb(const gchar *log_domain,
		   GLogLevelFlags log_level,
		   const gchar *message,
		   gpointer user_data)
{
	return !is_peer_gone(log_domain, message);
}

static void
libsoup_log_cb(const gchar *log_domain,
	       GLogLevelFlags log_level,
	       const gchar *message,
	       gpointer user_data)
{
	if (is_peer_gone(log_domain, message)) {
		g_test_message("libsoup (a killed peer): %s", message);
		return;
	}
	g_log_default_handler(log_domain, log_level, message, user_data);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	GsRelayLimits limits;

	g_test_log_set_fatal_handler(peer_gone_fatal_cb, NULL);
	f->tmpdir = gs_test_tmpdir_new();
	f->state_dir = g_build_filename(f->tmpdir, "state", NULL);
	f->conf = g_build_filename(f->tmpdir, "grasp-syncd.conf", NULL);
	f->log = g_build_filename(f->tmpdir, "daemon.log", NULL);
	f->remote = gs_test_relay_new(NULL);
	gs_relay_limits_init(&limits);
	limits.events_per_minute = 0;
	f->home = gs_test_relay_new_full(NULL, &limits);
	f->stored_at = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f->resent = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_signal_connect(
		gs_test_relay_get_store(f->home), "event-stored", G_CALLBACK(home_stored_cb), f);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	if (f->proc != NULL && g_subprocess_get_identifier(f->proc) != NULL)
		g_subprocess_force_exit(f->proc);
	g_clear_object(&f->proc);
	g_clear_object(&f->remote);
	g_clear_object(&f->home);
	g_clear_pointer(&f->scripted_home, gs_test_home_free);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_hash_table_unref(f->stored_at);
	g_hash_table_unref(f->resent);
	gs_test_tmpdir_remove(f->tmpdir);
	g_free(f->tmpdir);
	g_free(f->state_dir);
	g_free(f->conf);
	g_free(f->log);
}

static void
print_log(Fixture *f)
{
	g_autofree gchar *contents = NULL;
	g_file_get_contents(f->log, &contents, NULL, NULL);
	g_printerr("daemon log:\n%s\n", contents != NULL ? contents : "(none)");
}

/* the daemon dies with the test, so that a failed assertion leaves nothing running */
static void
child_setup_cb(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static void
start_daemon(Fixture *f)
{
	const gchar *daemon = gs_test_env_path("GS_DAEMON_PATH");
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_autoptr(GError) error = NULL;

	g_subprocess_launcher_unsetenv(launcher, "NGIT_SYNC_BOOTSTRAP_RELAY_URL");
	g_subprocess_launcher_unsetenv(launcher, "NGIT_HOME_RELAY_URL");
	g_subprocess_launcher_setenv(launcher, "G_MESSAGES_DEBUG", "GsHome", TRUE);
	g_subprocess_launcher_set_child_setup(launcher, child_setup_cb, NULL, NULL);
	g_subprocess_launcher_set_stdout_file_path(launcher, f->log);
	f->proc = g_subprocess_launcher_spawn(launcher,
					      &error,
					      daemon,
					      "--config",
					      f->conf,
					      "--state-dir",
					      f->state_dir,
					      "--no-dbus",
					      NULL);
	g_assert_no_error(error);
}

/*
 * The EVENTs home received, since the last call, for events it had stored already: sent
 * again after home accepted them. (A refusal, `rate-limited:` say, is rightly followed by
 * the same event again: that is not counted.)
 */
static void
find_resent(Fixture *f)
{
	GPtrArray *log = gs_test_relay_get_log(f->home);

	for (; f->log_pos < log->len; f->log_pos++) {
		const gchar *text = g_ptr_array_index(log, f->log_pos);
		g_autoptr(GsMessage) msg = NULL;
		g_autoptr(GsEvent) event = NULL;
		gpointer stored_at = NULL;

		if (!g_str_has_prefix(text, "[\"EVENT\""))
			continue;
		msg = gs_message_parse(text, strlen(text), GS_MESSAGE_FROM_CLIENT, NULL);
		g_assert_nonnull(msg);
		event = gs_event_new_from_node(msg->event, NULL);
		g_assert_nonnull(event);
		if (g_hash_table_lookup_extended(
			    f->stored_at, gs_event_get_id(event), NULL, &stored_at) &&
		    f->log_pos >= GPOINTER_TO_UINT(stored_at))
			g_hash_table_add(f->resent, g_strdup(gs_event_get_id(event)));
	}
}

static guint
home_has(Fixture *f, GPtrArray *events)
{
	guint n = 0;
	for (guint i = 0; i < events->len; i++)
		n += gs_store_has_event(gs_test_relay_get_store(f->home),
					gs_event_get_id(g_ptr_array_index(events, i)),
					NULL);
	return n;
}

/* runs the main loop (both relays live here) until home holds @n of @events, for at most
 * @timeout_secs (times GS_TEST_TIME_SCALE) */
static gboolean
wait_home(Fixture *f, GPtrArray *events, guint n, guint timeout_secs)
{
	gint64 deadline =
		g_get_monotonic_time() + (gint64)timeout_secs * gs_harness_scale() * G_USEC_PER_SEC;

	while (g_get_monotonic_time() < deadline) {
		gint64 slice = g_get_monotonic_time() + 50 * 1000;
		while (g_get_monotonic_time() < slice) {
			if (!g_main_context_iteration(NULL, FALSE))
				g_usleep(1000);
		}
		if (home_has(f, events) >= n)
			return TRUE;
	}
	return FALSE;
}

/* the ids the daemon's outbox still held when it died: the only ones it may send again */
static GHashTable *
read_outbox(Fixture *f)
{
	g_autofree gchar *path = g_build_filename(f->state_dir, "grasp-sync.db", NULL);
	GHashTable *ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;

	g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
	g_assert_cmpint(sqlite3_prepare_v2(db, "SELECT id FROM home_outbox", -1, &stmt, NULL),
			==,
			SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		g_assert_cmpint(sqlite3_column_bytes(stmt, 0), ==, 32);
		g_hash_table_add(ids, gs_hex_encode(sqlite3_column_blob(stmt, 0), 32));
	}
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return ids;
}

static void
home_kill9(Fixture *f, gconstpointer data)
{
	const gchar *relays[] = {GS_HARNESS_SERVICE, NULL};
	g_autoptr(GPtrArray) events =
		gs_harness_repo_events(700, "crash", relays, N_ROOTS, N_REPLIES);
	g_autofree gchar *conf = NULL;
	g_autoptr(GHashTable) left = NULL;
	g_autoptr(GError) error = NULL;
	GHashTableIter iter;
	gpointer key;
	guint at_kill;

	gs_test_relay_add_events(f->remote, events);
	conf = g_strdup_printf("[sync]\n"
			       "service-urls=%s\n"
			       "bootstrap-relays=%s\n"
			       "archive=none\n"
			       "base-backoff-secs=1\n"
			       "[http]\n"
			       "listen=127.0.0.1:0\n"
			       "[home]\n"
			       "relay=%s\n"
			       "ok-timeout-secs=%u\n",
			       GS_HARNESS_SERVICE,
			       gs_test_relay_get_url(f->remote),
			       gs_test_relay_get_url(f->home),
			       MIN(30 * gs_harness_scale(), 3600));
	g_assert_true(g_file_set_contents(f->conf, conf, -1, &error));
	start_daemon(f);
	if (!wait_home(f, events, events->len / 4, 120)) {
		print_log(f);
		g_error("home never got a quarter of the events");
	}
	g_subprocess_send_signal(f->proc, SIGKILL);
	g_subprocess_wait(f->proc, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_signaled(f->proc));
	g_clear_object(&f->proc);
	find_resent(f);
	if (g_hash_table_size(f->resent) != 0) {
		print_log(f);
		g_error("%u events were sent again before the kill", g_hash_table_size(f->resent));
	}
	at_kill = home_has(f, events);
	left = read_outbox(f);
	g_test_message("killed with %u of %u events in home, %u in the outbox",
		       at_kill,
		       events->len,
		       g_hash_table_size(left));
	g_assert_cmpuint(at_kill, <, events->len);

	start_daemon(f);
	if (!wait_home(f, events, events->len, 180)) {
		print_log(f);
		g_error("home never got every event after the restart");
	}
	/* let the daemon finish what it has in flight, then look at everything home got */
	wait_home(f, events, events->len + 1, 2);
	find_resent(f);
	g_assert_cmpuint(home_has(f, events), ==, events->len);
	g_assert_cmpuint(gs_harness_n_events(gs_test_relay_get_store(f->home)), ==, events->len);
	g_hash_table_iter_init(&iter, f->resent);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (!g_hash_table_contains(left, key)) {
			print_log(f);
			g_error("%s was sent again after its OK was recorded", (const gchar *)key);
		}
	}
	g_test_message("%u events were sent again after home had them, all of them unconfirmed "
		       "when the daemon was killed",
		       g_hash_table_size(f->resent));
	g_subprocess_send_signal(f->proc, SIGTERM);
	g_subprocess_wait(f->proc, NULL, &error);
	g_assert_no_error(error);
}

/* runs the main loop for @ms (the relays of this process keep serving) */
static void
run_for(guint ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)ms * 1000;

	while (g_get_monotonic_time() < end) {
		if (!g_main_context_iteration(NULL, FALSE))
			g_usleep(1000);
	}
}

/* the daemon's HTTP address, from its log */
static gchar *
wait_http_url(Fixture *f)
{
	for (guint i = 0; i < 200; i++) {
		g_autofree gchar *log = NULL;
		const gchar *at;

		run_for(50);
		if (!g_file_get_contents(f->log, &log, NULL, NULL))
			continue;
		at = strstr(log, "listening on ");
		if (at != NULL && strchr(at, '\n') != NULL)
			return g_strndup(at + strlen("listening on "),
					 strchr(at, '\n') - at - strlen("listening on "));
	}
	print_log(f);
	g_error("the daemon never said where it listens");
}

/* one sample of /metrics, -1 when the family has no sample without labels */
static gdouble
scrape(const gchar *base, const gchar *family)
{
	g_autoptr(SoupSession) session = soup_session_new();
	g_autofree gchar *uri =
		g_strdup_printf("%s%smetrics", base, g_str_has_suffix(base, "/") ? "" : "/");
	g_autoptr(SoupMessage) msg = soup_message_new(SOUP_METHOD_GET, uri);
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	g_autofree gchar *needle = g_strdup_printf("\n%s ", family);
	const gchar *at;

	body = soup_session_send_and_read(session, msg, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(soup_message_get_status(msg), ==, 200);
	text = g_strndup(g_bytes_get_data(body, NULL), g_bytes_get_size(body));
	at = strstr(text, needle);
	return at != NULL ? g_ascii_strtod(at + strlen(needle), NULL) : -1;
}

static void
home_down(Fixture *f, gconstpointer data)
{
	const gchar *relays[] = {GS_HARNESS_SERVICE, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(800, "down", relays, 60, 3);
	g_autofree gchar *conf = NULL;
	g_autofree gchar *http = NULL;
	g_autoptr(GError) error = NULL;
	gdouble pending = -1;

	f->scripted_home = gs_test_home_new();
	gs_test_home_stop(f->scripted_home);
	gs_test_relay_add_events(f->remote, events);
	conf = g_strdup_printf("[sync]\n"
			       "service-urls=%s\n"
			       "bootstrap-relays=%s\n"
			       "archive=none\n"
			       "base-backoff-secs=1\n"
			       "max-backoff-secs=2\n"
			       "[http]\n"
			       "listen=127.0.0.1:0\n"
			       "[home]\n"
			       "relay=%s\n",
			       GS_HARNESS_SERVICE,
			       gs_test_relay_get_url(f->remote),
			       gs_test_home_get_url(f->scripted_home));
	g_assert_true(g_file_set_contents(f->conf, conf, -1, &error));
	start_daemon(f);
	http = wait_http_url(f);
	/* everything synced waits for home */
	for (guint i = 0; i < 300 && pending != events->len; i++) {
		run_for(100);
		pending = scrape(http, "ngit_sync_home_outbox_pending");
	}
	g_assert_cmpfloat(pending, ==, events->len);
	run_for(1500);
	g_assert_cmpfloat(scrape(http, "ngit_sync_home_outbox_pending"), ==, events->len);
	g_assert_cmpfloat(scrape(http, "ngit_sync_home_oldest_pending_seconds"), >=, 1);

	/* home is back: the outbox drains */
	gs_test_home_restart(f->scripted_home);
	for (guint i = 0; i < 300 && pending != 0; i++) {
		run_for(100);
		pending = scrape(http, "ngit_sync_home_outbox_pending");
	}
	if (pending != 0)
		print_log(f);
	g_assert_cmpfloat(pending, ==, 0);
	g_assert_cmpfloat(scrape(http, "ngit_sync_home_oldest_pending_seconds"), ==, 0);
	g_assert_cmpuint(gs_test_home_get_n_ids(f->scripted_home), ==, events->len);
	g_assert_cmpuint(
		gs_harness_n_events(gs_test_home_get_store(f->scripted_home)), ==, events->len);
	g_subprocess_send_signal(f->proc, SIGTERM);
	g_subprocess_wait(f->proc, NULL, &error);
	g_assert_no_error(error);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_log_set_handler("libsoup", G_LOG_LEVEL_WARNING | G_LOG_FLAG_FATAL, libsoup_log_cb, NULL);
	g_test_add("/grasp-sync/home-daemon/kill-9",
		   Fixture,
		   NULL,
		   fixture_setup,
		   home_kill9,
		   fixture_teardown);
	g_test_add("/grasp-sync/home-daemon/down",
		   Fixture,
		   NULL,
		   fixture_setup,
		   home_down,
		   fixture_teardown);
	return g_test_run();
}
