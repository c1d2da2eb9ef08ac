/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <grp.h>
#include <signal.h>
#include <unistd.h>

#include "gs-test-utils.h"

#define DEST "dev.graspsync.GraspSync1"
#define PATH "/dev/graspsync/GraspSync1"

typedef struct {
	gchar *tmpdir;
	GSubprocess *daemon;
	GDataInputStream *daemon_out;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	f->tmpdir = gs_test_tmpdir_new();
	g_setenv("LC_ALL", "C.UTF-8", TRUE);
	g_unsetenv("LANGUAGE");
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
fixture_teardown(Fixture *f, gconstpointer data)
{
	stop_daemon(f);
	gs_test_tmpdir_remove(f->tmpdir);
	g_free(f->tmpdir);
}

/*
 * The system bus policy, enforced by a real dbus-daemon: data/dev.graspsync.GraspSync1.conf
 * included into a bus configured like Debian's system bus (method calls denied unless a
 * policy allows them). The daemon runs as root; the clients run as nobody, once without
 * and once with membership of the control group. That group must exist for dbus-daemon to
 * load the policy, so the test's copy names "users" where the installed file names
 * "grasp-sync": the rules are otherwise the file's, unchanged.
 */
static gchar *
policy_write_config(const gchar *dir)
{
	g_autofree gchar *src = g_test_build_filename(
		G_TEST_DIST, "..", "data", "dev.graspsync.GraspSync1.conf", NULL);
	g_autofree gchar *policy = NULL;
	g_autofree gchar *copy = g_build_filename(dir, "policy.conf", NULL);
	g_autofree gchar *conf = g_build_filename(dir, "bus.conf", NULL);
	g_autofree gchar *text = NULL;
	g_auto(GStrv) parts = NULL;

	g_assert_true(g_file_get_contents(src, &policy, NULL, NULL));
	parts = g_strsplit(policy, "group=\"grasp-sync\"", -1);
	g_assert_cmpuint(g_strv_length(parts), ==, 2);
	g_free(policy);
	policy = g_strjoinv("group=\"users\"", parts);
	g_assert_true(g_file_set_contents(copy, policy, -1, NULL));
	text = g_strdup_printf(
		"<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-BUS Bus Configuration "
		"1.0//EN\"\n"
		" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		"<busconfig><type>system</type><listen>unix:path=%s/bus</listen><auth>EXTERNAL</"
		"auth>\n"
		"<policy context=\"default\"><allow user=\"*\"/><deny own=\"*\"/>"
		"<deny send_type=\"method_call\"/><allow send_type=\"signal\"/>"
		"<allow send_requested_reply=\"true\" send_type=\"method_return\"/>"
		"<allow send_requested_reply=\"true\" send_type=\"error\"/>"
		"<allow receive_type=\"method_call\"/><allow receive_type=\"method_return\"/>"
		"<allow receive_type=\"error\"/><allow receive_type=\"signal\"/>"
		"<allow send_destination=\"org.freedesktop.DBus\" "
		"send_interface=\"org.freedesktop.DBus\"/>"
		"<allow send_destination=\"org.freedesktop.DBus\" "
		"send_interface=\"org.freedesktop.DBus.Introspectable\"/>"
		"</policy><include>%s</include></busconfig>\n",
		dir,
		copy);
	g_assert_true(g_file_set_contents(conf, text, -1, NULL));
	return g_steal_pointer(&conf);
}

/* busctl on the policy bus as nobody (@group: with that supplementary group) or as root */
static gint
policy_busctl(const gchar *address,
	      const gchar *as,
	      gchar **err,
	      const gchar *a1,
	      const gchar *a2,
	      const gchar *a3,
	      const gchar *a4,
	      const gchar *a5,
	      const gchar *a6,
	      const gchar *a7,
	      const gchar *a8)
{
	g_autofree gchar *addr = g_strdup_printf("--address=%s", address);
	g_autofree gchar *groups =
		as != NULL ? g_strdup_printf("--groups=%s", as) : g_strdup("--clear-groups");
	const gchar *argv[] = {"setpriv",
			       "--reuid=65534",
			       "--regid=65534",
			       groups,
			       gs_test_env_path("GS_BUSCTL"),
			       "--no-pager",
			       addr,
			       a1,
			       a2,
			       a3,
			       a4,
			       a5,
			       a6,
			       a7,
			       a8,
			       NULL};
	const gchar *const *cmd = g_strcmp0(as, "root") == 0 ? argv + 4 : argv;
	g_autofree gchar *out = NULL;

	return gs_test_run(cmd, NULL, &out, err);
}

static void
gs_ops_policy_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *conf = NULL, *conf_arg = NULL, *address = NULL, *line = NULL;
	g_autofree gchar *users_gid = NULL;
	g_autoptr(GSubprocess) bus = NULL;
	g_autoptr(GDataInputStream) bus_out = NULL;
	const gchar *fake_argv[] = {gs_test_env_path("GS_FAKE_DAEMON_PATH"), NULL};
	const struct {
		const gchar *as; /* NULL: nobody; a gid: nobody in that group; "root" */
		gint status;
		const gchar *args[5];
	} cases[] = {
		{NULL, 0, {"get-property", DEST, PATH, DEST, "Version"}},
		{NULL, 0, {"introspect", DEST, PATH, NULL, NULL}},
		{NULL, 0, {"tree", DEST, NULL, NULL, NULL}},
		{NULL, 0, {"call", DEST, PATH, DEST, "GetStatus"}},
		{NULL, 0, {"call", DEST, PATH, DEST, "ListRelays"}},
		{NULL, 0, {"call", DEST, PATH, DEST, "ListRepos"}},
		{NULL, 0, {"call", DEST, PATH, DEST, "GetMetrics"}},
		{NULL, 0, {"get-property", DEST, PATH "/relay/3", DEST ".Relay", "StatusName"}},
		{NULL, 1, {"call", DEST, PATH, DEST, "ResyncAll"}},
		{NULL, 1, {"call", DEST, PATH, DEST, "RetryHomeRefused"}},
		{NULL, 0, {"get-property", DEST, PATH, DEST, "HomeOutboxPending"}},
		{NULL, 1, {"call", DEST, PATH "/relay/3", DEST ".Relay", "Disconnect"}},
		{NULL,
		 1,
		 {"call",
		  "org.freedesktop.DBus",
		  "/org/freedesktop/DBus",
		  "org.freedesktop.DBus",
		  "RequestName"}},
		{"GID", 0, {"call", DEST, PATH, DEST, "ResyncAll"}},
		{"GID", 0, {"call", DEST, PATH, DEST, "RetryHomeRefused"}},
		{"GID", 0, {"call", DEST, PATH "/relay/3", DEST ".Relay", "RetryFailed"}},
		{"root", 0, {"call", DEST, PATH "/relay/3", DEST ".Relay", "Disconnect"}},
	};
	struct group *gr = getgrnam("users");

	if (geteuid() != 0) {
		g_test_skip("running clients as other users needs root");
		return;
	}
	g_assert_nonnull(gr);
	users_gid = g_strdup_printf("%u", (guint)gr->gr_gid);
	g_assert_cmpint(g_chmod(f->tmpdir, 0755), ==, 0);
	conf = policy_write_config(f->tmpdir);
	conf_arg = g_strdup_printf("--config-file=%s", conf);
	{
		const gchar *argv[] = {
			"dbus-daemon", conf_arg, "--nofork", "--print-address=1", NULL};
		bus = gs_test_spawn(argv, NULL, NULL, &bus_out);
	}
	address = gs_test_read_line(bus_out, 10);
	g_assert_nonnull(address);
	f->daemon = gs_test_spawn(fake_argv, "DBUS_SESSION_BUS_ADDRESS", address, &f->daemon_out);
	line = gs_test_read_line(f->daemon_out, 10);
	g_assert_nonnull(line);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *err = NULL;
		const gchar *as = g_strcmp0(cases[i].as, "GID") == 0 ? users_gid : cases[i].as;
		const gchar *sig = g_strcmp0(cases[i].args[4], "RequestName") == 0 ? "su" : NULL;
		gint status = policy_busctl(address,
					    as,
					    &err,
					    cases[i].args[0],
					    cases[i].args[1],
					    cases[i].args[2],
					    cases[i].args[3],
					    cases[i].args[4],
					    sig,
					    sig != NULL ? DEST : NULL,
					    sig != NULL ? "0" : NULL);
		g_assert_cmpint(status, ==, cases[i].status);
		if (cases[i].status != 0)
			gs_test_assert_contains(err, "Access denied");
	}
	/* grasp-syncctl says why, with its own exit status */
	{
		const gchar *argv[] = {"setpriv",
				       "--reuid=65534",
				       "--regid=65534",
				       "--clear-groups",
				       gs_test_env_path("GS_CTL_PATH"),
				       "resync",
				       NULL};
		g_auto(GStrv) envp =
			g_environ_setenv(g_get_environ(), "DBUS_SYSTEM_BUS_ADDRESS", address, TRUE);
		g_autofree gchar *err = NULL;
		g_assert_cmpint(gs_test_run(argv, envp, NULL, &err), ==, 4);
		gs_test_assert_contains(
			err, "Control commands need root or membership of the grasp-sync group.");
	}
	stop_daemon(f);
	g_subprocess_send_signal(bus, SIGTERM);
	g_subprocess_wait(bus, NULL, NULL);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add("/grasp-sync/ops/bus-policy",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_ops_policy_test,
		   fixture_teardown);
	return g_test_run();
}
