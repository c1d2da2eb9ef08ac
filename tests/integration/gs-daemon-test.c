/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* runs the built grasp-syncd (GS_DAEMON_PATH) as a user would, one case per meson test;
 * the daemon's log is printed when a case fails */

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>

#include "gs-test-utils.h"

typedef struct {
	gchar *tmpdir;
	gchar *state_dir;
	gchar *conf;
	gchar *log;
	gchar **env;
	GSubprocess *proc;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autofree gchar *home = NULL;

	f->tmpdir = gs_test_tmpdir_new();
	f->state_dir = g_build_filename(f->tmpdir, "state", "nested", NULL);
	f->conf = g_build_filename(f->tmpdir, "grasp-syncd.conf", NULL);
	f->log = g_build_filename(f->tmpdir, "daemon.log", NULL);
	home = g_build_filename(f->tmpdir, "home", NULL);
	/* a clean environment: no NGIT_* or STATE_DIRECTORY from the caller, no fatal warnings */
	f->env = g_environ_setenv(NULL, "PATH", "/usr/bin:/bin", TRUE);
	f->env = g_environ_setenv(f->env, "LC_ALL", "C.UTF-8", TRUE);
	f->env = g_environ_setenv(f->env, "HOME", home, TRUE);
	/* never the built-in public relays: a local address where nothing listens */
	f->env =
		g_environ_setenv(f->env, "NGIT_SYNC_BOOTSTRAP_RELAY_URL", "ws://127.0.0.1:9", TRUE);
	/* never the default port: tests run in parallel */
	f->env = g_environ_setenv(f->env, "NGIT_BIND_ADDRESS", "127.0.0.1:0", TRUE);
	/* never the built-in public relays: tests talk to 127.0.0.1 only */
	g_assert_true(g_file_set_contents(f->conf, "[sync]\nbootstrap-relays=\n", -1, NULL));
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	if (f->proc != NULL && g_subprocess_get_identifier(f->proc) != NULL)
		g_subprocess_force_exit(f->proc);
	g_clear_object(&f->proc);
	gs_test_tmpdir_remove(f->tmpdir);
	g_free(f->tmpdir);
	g_free(f->state_dir);
	g_free(f->conf);
	g_free(f->log);
	g_strfreev(f->env);
}

static GPtrArray *
daemon_argv(const gchar *first_arg, va_list args)
{
	GPtrArray *argv = g_ptr_array_new();
	const gchar *daemon = g_getenv("GS_DAEMON_PATH");

	g_assert_nonnull(daemon);
	g_ptr_array_add(argv, (gpointer)daemon);
	for (const gchar *a = first_arg; a != NULL; a = va_arg(args, const gchar *))
		g_ptr_array_add(argv, (gpointer)a);
	g_ptr_array_add(argv, NULL);
	return argv;
}

/* runs the daemon to its end; returns its exit status, output in @out and @err */
G_GNUC_NULL_TERMINATED static gint
run_sync(Fixture *f, gchar **out, gchar **err, const gchar *first_arg, ...)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GSubprocess) proc = NULL;
	g_autoptr(GPtrArray) argv = NULL;
	g_autoptr(GError) error = NULL;
	va_list args;

	va_start(args, first_arg);
	argv = daemon_argv(first_arg, args);
	va_end(args);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	g_subprocess_launcher_set_environ(launcher, f->env);
	proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
	g_subprocess_communicate_utf8(proc, NULL, NULL, out, err, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(proc));
	g_test_message("stdout: %s\nstderr: %s", *out, *err);
	return g_subprocess_get_exit_status(proc);
}

/* starts the daemon in the background, its stdout and stderr going to f->log */
G_GNUC_NULL_TERMINATED static void
start_daemon(Fixture *f, const gchar *first_arg, ...)
{
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	g_autoptr(GPtrArray) argv = NULL;
	g_autoptr(GError) error = NULL;
	va_list args;

	va_start(args, first_arg);
	argv = daemon_argv(first_arg, args);
	va_end(args);
	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDERR_MERGE);
	g_subprocess_launcher_set_environ(launcher, f->env);
	g_subprocess_launcher_set_stdout_file_path(launcher, f->log);
	f->proc = g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, &error);
	g_assert_no_error(error);
}

static gchar *
read_log(Fixture *f)
{
	gchar *contents = NULL;
	if (!g_file_get_contents(f->log, &contents, NULL, NULL))
		return g_strdup("");
	return contents;
}

/* waits up to 10 s for @needle in the daemon's log; prints the log when it never comes */
static void
assert_log_contains(Fixture *f, const gchar *needle)
{
	for (guint i = 0; i < 500; i++) {
		g_autofree gchar *log = read_log(f);
		if (strstr(log, needle) != NULL)
			return;
		g_usleep(20 * 1000);
	}
	g_printerr("daemon log (no “%s” in it):\n%s\n", needle, read_log(f));
	g_assert_not_reached();
}

static void
wait_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	gboolean *done = user_data;
	g_subprocess_wait_finish(G_SUBPROCESS(source), res, NULL);
	*done = TRUE;
}

static gboolean
timeout_cb(gpointer user_data)
{
	gboolean *timed_out = user_data;
	*timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

/* sends @signum and returns the exit status; a daemon that does not stop in 10 s fails */
static gint
stop_daemon(Fixture *f, gint signum)
{
	gboolean done = FALSE;
	gboolean timed_out = FALSE;
	guint timeout_id = g_timeout_add_seconds(10, timeout_cb, &timed_out);

	g_subprocess_send_signal(f->proc, signum);
	g_subprocess_wait_async(f->proc, NULL, wait_cb, &done);
	while (!done && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!done) {
		g_printerr("daemon did not stop; log:\n%s\n", read_log(f));
		g_subprocess_force_exit(f->proc);
		while (!done)
			g_main_context_iteration(NULL, TRUE);
		g_assert_not_reached();
	}
	g_source_remove(timeout_id);
	if (!g_subprocess_get_if_exited(f->proc) || g_subprocess_get_exit_status(f->proc) != 0)
		g_printerr("daemon log:\n%s\n", read_log(f));
	g_assert_true(g_subprocess_get_if_exited(f->proc));
	return g_subprocess_get_exit_status(f->proc);
}

static void
write_conf(Fixture *f, const gchar *contents)
{
	g_autoptr(GError) error = NULL;
	g_file_set_contents(f->conf, contents, -1, &error);
	g_assert_no_error(error);
}

static void
help_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;

	g_assert_cmpint(run_sync(f, &out, &err, "--help", NULL), ==, 0);
	g_assert_nonnull(strstr(out, "--state-dir"));
	g_assert_nonnull(strstr(out, "--print-config"));
}

static void
version_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;

	g_assert_cmpint(run_sync(f, &out, &err, "--version", NULL), ==, 0);
	g_assert_cmpstr(out, ==, "grasp-syncd " PACKAGE_VERSION "\n");
}

static void
unknown_option_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;

	g_assert_cmpint(run_sync(f, &out, &err, "--frobnicate", NULL), ==, 2);
	g_assert_nonnull(strstr(err, "--frobnicate"));
}

static void
bad_option_value_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *out2 = NULL;
	g_autofree gchar *err2 = NULL;
	g_autofree gchar *out3 = NULL;
	g_autofree gchar *err3 = NULL;

	g_assert_cmpint(
		run_sync(f, &out, &err, "--config", f->conf, "--listen", "nowhere", NULL), ==, 2);
	g_assert_nonnull(strstr(err, "--listen ([http] listen): expected HOST:PORT"));
	g_assert_cmpint(run_sync(f, &out2, &err2, "--session", "--no-dbus", NULL), ==, 2);
	g_assert_nonnull(strstr(err2, "--no-dbus cannot be used together with --session"));
	g_assert_cmpint(run_sync(f, &out3, &err3, "stray", NULL), ==, 2);
	g_assert_nonnull(strstr(err3, "stray"));
}

static void
malformed_config_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *expected = g_strdup_printf(
		"%s: [sync] batch-timeout-secs: expected a number of seconds", f->conf);

	write_conf(f, "[sync]\nbatch-timeout-secs=soon\n");
	g_assert_cmpint(run_sync(f, &out, &err, "--config", f->conf, NULL), ==, 2);
	g_assert_nonnull(strstr(err, expected));
	g_assert_false(g_file_test(f->state_dir, G_FILE_TEST_EXISTS));
}

static void
unknown_key_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;

	write_conf(f, "[sync]\nbootstrap-relay=wss://relay.example.com\n");
	g_assert_cmpint(run_sync(f, &out, &err, "--config", f->conf, NULL), ==, 2);
	g_assert_nonnull(strstr(err, "unknown key [sync] bootstrap-relay"));
}

static void
missing_config_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;
	g_autofree gchar *missing = g_build_filename(f->tmpdir, "missing.conf", NULL);

	g_assert_cmpint(run_sync(f, &out, &err, "--config", missing, NULL), ==, 2);
	g_assert_nonnull(strstr(err, missing));
}

static void
bad_env_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;

	f->env = g_environ_setenv(f->env, "NGIT_SYNC_BASE_BACKOFF_SECS", "five", TRUE);
	g_assert_cmpint(run_sync(f, &out, &err, "--config", f->conf, NULL), ==, 2);
	g_assert_nonnull(strstr(err,
				"environment variable NGIT_SYNC_BASE_BACKOFF_SECS "
				"([sync] base-backoff-secs): expected"));
}

static void
print_config_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *out = NULL;
	g_autofree gchar *err = NULL;

	write_conf(f, "[sync]\narchive=all\nbase-backoff-secs=3\n");
	f->env = g_environ_setenv(f->env, "NGIT_BIND_ADDRESS", "127.0.0.1:9", TRUE);
	g_assert_cmpint(run_sync(f,
				 &out,
				 &err,
				 "--print-config",
				 "--config",
				 f->conf,
				 "--state-dir",
				 f->state_dir,
				 "--archive",
				 "none",
				 "--no-dbus",
				 NULL),
			==,
			0);
	g_assert_nonnull(strstr(out,
				"# from environment variable NGIT_BIND_ADDRESS\n"
				"listen=127.0.0.1:9\n"));
	g_assert_nonnull(strstr(out, "# from option --archive\narchive=none\n"));
	g_assert_nonnull(strstr(out, "# from option --no-dbus\nbus=none\n"));
	g_assert_nonnull(strstr(out, "base-backoff-secs=3\n"));
	g_assert_nonnull(strstr(out, f->conf));
	/* printing creates nothing */
	g_assert_false(g_file_test(f->state_dir, G_FILE_TEST_EXISTS));
}

static void
start_stop_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *expected = g_strdup_printf("state directory %s\n", f->state_dir);
	GStatBuf st;

	start_daemon(f, "--config", f->conf, "--state-dir", f->state_dir, "--no-dbus", NULL);
	assert_log_contains(f, expected);
	assert_log_contains(f, f->conf);
	g_assert_cmpint(g_stat(f->state_dir, &st), ==, 0);
	g_assert_true(S_ISDIR(st.st_mode));
	g_assert_cmpint(st.st_mode & 0777, ==, 0700);
	g_assert_cmpint(stop_daemon(f, SIGTERM), ==, 0);
	assert_log_contains(f, "stopped");
}

static void
state_directory_env_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *expected = g_strdup_printf("state directory %s\n", f->state_dir);

	f->env = g_environ_setenv(f->env, "STATE_DIRECTORY", f->state_dir, TRUE);
	start_daemon(f, "--config", f->conf, "--no-dbus", NULL);
	assert_log_contains(f, expected);
	g_assert_true(g_file_test(f->state_dir, G_FILE_TEST_IS_DIR));
	g_assert_cmpint(stop_daemon(f, SIGINT), ==, 0);
}

static void
reload_test(Fixture *f, gconstpointer data)
{
	write_conf(f, "[sync]\nbootstrap-relays=\nbase-backoff-secs=7\n");
	start_daemon(f, "--config", f->conf, "--state-dir", f->state_dir, "--no-dbus", NULL);
	assert_log_contains(f, "state directory");
	write_conf(f, "[sync]\nbootstrap-relays=\nbase-backoff-secs=9\n");
	g_subprocess_send_signal(f->proc, SIGHUP);
	assert_log_contains(f, "configuration [sync] base-backoff-secs is now 9");
	assert_log_contains(f, "configuration reloaded: 1 value changed");
	write_conf(f, "[sync]\nbootstrap-relays=\nbase-backoff-secs=99999\n");
	g_subprocess_send_signal(f->proc, SIGHUP);
	assert_log_contains(f, "configuration not reloaded, keeping the previous one");
	assert_log_contains(f, "[sync] base-backoff-secs: expected");
	g_assert_cmpint(stop_daemon(f, SIGTERM), ==, 0);
}

/* no system bus to be had: a warning, and the daemon runs on (sync, relay endpoint, HTTP) */
static void
no_bus_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *address = g_strdup_printf("unix:path=%s/no-bus", f->tmpdir);

	f->env = g_environ_setenv(f->env, "DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
	start_daemon(f, "--config", f->conf, "--state-dir", f->state_dir, "--system", NULL);
	assert_log_contains(f, "running without D-Bus: cannot connect to the system bus");
	assert_log_contains(f, "listening on http://127.0.0.1:");
	g_usleep(200 * 1000);
	g_assert_nonnull(g_subprocess_get_identifier(f->proc));
	g_assert_cmpint(stop_daemon(f, SIGTERM), ==, 0);
	assert_log_contains(f, "stopped");
}

int
main(int argc, char **argv)
{
	const struct {
		const gchar *name;
		void (*func)(Fixture *, gconstpointer);
	} cases[] = {
		{"help", help_test},
		{"version", version_test},
		{"unknown-option", unknown_option_test},
		{"bad-option-value", bad_option_value_test},
		{"malformed-config", malformed_config_test},
		{"unknown-key", unknown_key_test},
		{"missing-config", missing_config_test},
		{"bad-env", bad_env_test},
		{"print-config", print_config_test},
		{"start-stop", start_stop_test},
		{"state-directory-env", state_directory_env_test},
		{"reload", reload_test},
		{"no-bus", no_bus_test},
	};

	gs_test_init(&argc, &argv);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/grasp-sync/daemon/%s", cases[i].name);
		g_test_add(path, Fixture, NULL, fixture_setup, cases[i].func, fixture_teardown);
	}
	return g_test_run();
}
