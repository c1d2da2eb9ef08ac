/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsDaemon's operator surfaces: D-Bus on the configured bus once a status provider is set */

#include "config.h"

#include <string.h>

#include "gs-daemon.h"
#include "gs-fake-provider.h"
#include "gs-test-utils.h"

typedef struct {
	GTestDBus *bus;
	gchar *state_dir;
	GDBusConnection *client;
	guint n_daemons;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(f->bus);
	f->state_dir = gs_test_tmpdir_new();
	g_setenv("STATE_DIRECTORY", f->state_dir, TRUE);
	f->client = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);
	g_assert_no_error(error);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_object_unref(f->client);
	g_test_dbus_down(f->bus);
	g_object_unref(f->bus);
	gs_test_tmpdir_remove(f->state_dir);
	g_free(f->state_dir);
	g_unsetenv("STATE_DIRECTORY");
}

static GsDaemon *
daemon_new(Fixture *f, const gchar *bus, GsStatusProvider *provider)
{
	GsDaemon *daemon = gs_daemon_new();
	GsConfig *config = gs_daemon_get_config(daemon);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *store = g_strdup_printf("%s/store-%u", f->state_dir, f->n_daemons++);

	g_assert_true(gs_daemon_setup(daemon, &error));
	g_assert_no_error(error);
	/* a free port and a store each: two daemons may run at once here */
	g_assert_true(gs_config_set_value(config, "dbus", "bus", bus, "test", &error));
	g_assert_true(gs_config_set_value(config, "http", "listen", "127.0.0.1:0", "test", &error));
	g_assert_true(gs_config_set_value(config, "store", "path", store, "test", &error));
	/* never the built-in public relays: tests talk to 127.0.0.1 only */
	{
		const gchar *none[] = {NULL};
		g_assert_true(gs_config_set_strv(
			config, "sync", "bootstrap-relays", none, "test", &error));
	}
	g_assert_no_error(error);
	if (provider != NULL)
		gs_daemon_set_status_provider(daemon, provider);
	return daemon;
}

static gboolean
name_has_owner(Fixture *f)
{
	g_autoptr(GVariant) ret = NULL;
	gboolean has = FALSE;

	ret = g_dbus_connection_call_sync(f->client,
					  "org.freedesktop.DBus",
					  "/org/freedesktop/DBus",
					  "org.freedesktop.DBus",
					  "NameHasOwner",
					  g_variant_new("(s)", GS_DBUS_NAME),
					  G_VARIANT_TYPE("(b)"),
					  G_DBUS_CALL_FLAGS_NONE,
					  -1,
					  NULL,
					  NULL);
	g_variant_get(ret, "(b)", &has);
	return has;
}

static void
wait_owner(Fixture *f, gboolean owned)
{
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;

	while (name_has_owner(f) != owned) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_main_context_iteration(NULL, FALSE);
		g_usleep(10000);
	}
}

static void
gs_daemon_dbus_session_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GsFakeProvider) fake = gs_fake_provider_new_populated();
	g_autoptr(GsDaemon) daemon = daemon_new(f, "session", GS_STATUS_PROVIDER(fake));
	g_autoptr(GError) error = NULL;
	g_autofree gchar *metrics = NULL;

	g_assert_true(gs_daemon_start(daemon, &error));
	g_assert_no_error(error);
	wait_owner(f, TRUE);
	g_assert_nonnull(gs_daemon_get_dbus_service(daemon));
	g_assert_nonnull(gs_daemon_get_status_page(daemon));
	/* the live-state gauges now come from the provider */
	metrics = gs_metrics_render(gs_daemon_get_metrics(daemon));
	g_assert_nonnull(strstr(metrics, "ngit_sync_relays_tracked_total 6\n"));
	gs_daemon_stop(daemon);
	wait_owner(f, FALSE);
}

static void
gs_daemon_no_dbus_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GsFakeProvider) fake = gs_fake_provider_new_populated();
	g_autoptr(GsDaemon) daemon = daemon_new(f, "none", GS_STATUS_PROVIDER(fake));
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_daemon_start(daemon, &error));
	g_assert_null(gs_daemon_get_dbus_service(daemon));
	g_assert_nonnull(gs_daemon_get_status_page(daemon));
	for (guint i = 0; i < 10; i++)
		g_main_context_iteration(NULL, FALSE);
	g_assert_false(name_has_owner(f));
}

/* with no provider given, the daemon shows its own sync engine (here following no relay) */
static void
gs_daemon_engine_provider_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GsDaemon) daemon = daemon_new(f, "session", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *metrics = NULL;

	g_assert_true(gs_daemon_start(daemon, &error));
	g_assert_no_error(error);
	wait_owner(f, TRUE);
	g_assert_nonnull(gs_daemon_get_dbus_service(daemon));
	g_assert_nonnull(gs_daemon_get_status_page(daemon));
	metrics = gs_metrics_render(gs_daemon_get_metrics(daemon));
	g_assert_nonnull(strstr(metrics, "# TYPE ngit_sync_relay_connected gauge\n"));
	g_assert_nonnull(strstr(metrics, "ngit_sync_relays_tracked_total 0\n"));
	g_assert_null(strstr(metrics, "ngit_sync_relay_connected{"));
	gs_daemon_stop(daemon);
	wait_owner(f, FALSE);
}

static void
failed_cb(GsDaemon *daemon, const gchar *reason, gpointer user_data)
{
	gchar **out = user_data;
	*out = g_strdup(reason);
}

/* a second daemon on the bus is told that the name is taken */
static void
gs_daemon_name_taken_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GsFakeProvider) fake = gs_fake_provider_new_populated();
	g_autoptr(GsDaemon) first = daemon_new(f, "session", GS_STATUS_PROVIDER(fake));
	g_autoptr(GsDaemon) second = daemon_new(f, "session", GS_STATUS_PROVIDER(fake));
	g_autoptr(GError) error = NULL;
	g_autofree gchar *reason = NULL;

	g_assert_true(gs_daemon_start(first, &error));
	wait_owner(f, TRUE);
	g_signal_connect(second, "failed", G_CALLBACK(failed_cb), &reason);
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	gs_daemon_start(second, &error);
	g_assert_no_error(error);
	while (reason == NULL)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpstr(reason, ==, "the D-Bus name dev.graspsync.GraspSync1 is taken");
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add("/grasp-sync/daemon-surfaces/dbus-session",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_daemon_dbus_session_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/daemon-surfaces/no-dbus",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_daemon_no_dbus_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/daemon-surfaces/engine-provider",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_daemon_engine_provider_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/daemon-surfaces/name-taken",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_daemon_name_taken_test,
		   fixture_teardown);
	return g_test_run();
}
