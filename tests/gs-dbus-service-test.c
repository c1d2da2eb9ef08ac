/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsDbusService on a private bus (GTestDBus): every method, property and signal, and the
 * error names, seen by a client on its own connection */

#include "config.h"

#include <string.h>

#include "gs-dbus-service.h"
#include "gs-error.h"
#include "gs-fake-provider.h"
#include "gs-sync-metrics.h"
#include "gs-test-utils.h"

#define MANAGER_IFACE "dev.graspsync.GraspSync1"
#define RELAY_IFACE "dev.graspsync.GraspSync1.Relay"
#define PROPS_IFACE "org.freedesktop.DBus.Properties"
#define OM_IFACE "org.freedesktop.DBus.ObjectManager"
/* relay objects are numbered in URL order at start */
#define PATH_CONNECTED GS_DBUS_RELAY_DIR "/0"
#define PATH_DEAD GS_DBUS_RELAY_DIR "/2"
#define PATH_DEGRADED GS_DBUS_RELAY_DIR "/3"
#define PATH_SYNCING GS_DBUS_RELAY_DIR "/5"

typedef struct {
	GTestDBus *bus;
	GsFakeProvider *fake;
	GsMetrics *metrics;
	GsDbusService *service;
	GDBusConnection *client;
	GPtrArray *signals; /* of GVariant (member name, path, parameters) */
	guint subscription;
	gboolean acquired;
} Fixture;

static void
signal_cb(GDBusConnection *connection,
	  const gchar *sender,
	  const gchar *path,
	  const gchar *iface,
	  const gchar *member,
	  GVariant *params,
	  gpointer user_data)
{
	Fixture *f = user_data;
	g_ptr_array_add(f->signals,
			g_variant_ref_sink(g_variant_new("(so@*)", member, path, params)));
}

static void
acquired_cb(GsDbusService *service, gpointer user_data)
{
	Fixture *f = user_data;
	f->acquired = TRUE;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GDBusConnection) server = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *address = NULL;
	GVariant *reply;

	f->bus = g_test_dbus_new(G_TEST_DBUS_NONE);
	g_test_dbus_up(f->bus);
	f->fake = gs_fake_provider_new_populated();
	f->metrics = gs_metrics_new();
	gs_sync_metrics_register(f->metrics);
	gs_sync_metrics_bind(f->metrics, GS_STATUS_PROVIDER(f->fake));
	f->service = gs_dbus_service_new(GS_STATUS_PROVIDER(f->fake), f->metrics);
	server = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(gs_dbus_service_export(f->service, server, &error));
	g_assert_no_error(error);
	g_signal_connect(f->service, "name-acquired", G_CALLBACK(acquired_cb), f);
	gs_dbus_service_own_name(f->service);
	while (!f->acquired)
		g_main_context_iteration(NULL, TRUE);
	/* the client has its own connection, as grasp-syncctl would */
	address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SESSION, NULL, &error);
	f->client = g_dbus_connection_new_for_address_sync(
		address,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL,
		NULL,
		&error);
	g_assert_no_error(error);
	f->signals = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
	f->subscription = g_dbus_connection_signal_subscribe(f->client,
							     GS_DBUS_NAME,
							     NULL,
							     NULL,
							     NULL,
							     NULL,
							     G_DBUS_SIGNAL_FLAGS_NONE,
							     signal_cb,
							     f,
							     NULL);
	/* the bus handles a connection's messages in order: once this call is answered, the
	 * match rule the subscription sent is in place, and no signal of the test is missed */
	reply = g_dbus_connection_call_sync(f->client,
					    "org.freedesktop.DBus",
					    "/org/freedesktop/DBus",
					    "org.freedesktop.DBus",
					    "GetNameOwner",
					    g_variant_new("(s)", GS_DBUS_NAME),
					    G_VARIANT_TYPE("(s)"),
					    G_DBUS_CALL_FLAGS_NONE,
					    -1,
					    NULL,
					    &error);
	g_assert_no_error(error);
	g_variant_unref(reply);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_dbus_connection_signal_unsubscribe(f->client, f->subscription);
	g_dbus_connection_close_sync(f->client, NULL, NULL);
	g_object_unref(f->client);
	g_ptr_array_unref(f->signals);
	g_object_unref(f->service);
	g_object_unref(f->metrics);
	g_object_unref(f->fake);
	g_test_dbus_down(f->bus);
	g_object_unref(f->bus);
}

static void
call_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GAsyncResult **out = user_data;
	*out = g_object_ref(res);
}

/* the service runs on this thread's main context, so calls iterate it while waiting */
static GVariant *
call(Fixture *f,
     const gchar *path,
     const gchar *iface,
     const gchar *method,
     GVariant *params,
     GError **error)
{
	g_autoptr(GAsyncResult) res = NULL;

	g_dbus_connection_call(f->client,
			       GS_DBUS_NAME,
			       path,
			       iface,
			       method,
			       params,
			       NULL,
			       G_DBUS_CALL_FLAGS_NONE,
			       5000,
			       NULL,
			       call_done_cb,
			       &res);
	while (res == NULL)
		g_main_context_iteration(NULL, TRUE);
	return g_dbus_connection_call_finish(f->client, res, error);
}

static GVariant *
call_ok(Fixture *f, const gchar *path, const gchar *iface, const gchar *method, GVariant *params)
{
	g_autoptr(GError) error = NULL;
	GVariant *ret = call(f, path, iface, method, params, &error);
	g_assert_no_error(error);
	return ret;
}

static GVariant *
get_property(Fixture *f, const gchar *path, const gchar *iface, const gchar *name)
{
	g_autoptr(GVariant) ret =
		call_ok(f, path, PROPS_IFACE, "Get", g_variant_new("(ss)", iface, name));
	GVariant *value = NULL;
	g_variant_get(ret, "(v)", &value);
	return value;
}

static void
assert_property(Fixture *f,
		const gchar *path,
		const gchar *iface,
		const gchar *name,
		const gchar *expected)
{
	g_autoptr(GVariant) value = get_property(f, path, iface, name);
	g_autofree gchar *text = g_variant_print(value, TRUE);
	g_test_message("%s %s = %s", path, name, text);
	g_assert_cmpstr(text, ==, expected);
}

/* the introspection data says exactly what data/dev.graspsync.GraspSync1.xml says */
static void
gs_dbus_introspect_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GVariant) ret =
		call_ok(f, GS_DBUS_PATH, "org.freedesktop.DBus.Introspectable", "Introspect", NULL);
	g_autofree gchar *xml_path = g_test_build_filename(
		G_TEST_DIST, "..", "data", "dev.graspsync.GraspSync1.xml", NULL);
	g_autofree gchar *xml = NULL;
	g_autoptr(GDBusNodeInfo) spec = NULL;
	g_autoptr(GDBusNodeInfo) live = NULL;
	const gchar *text = NULL;
	GDBusInterfaceInfo *want, *have;

	g_assert_true(g_file_get_contents(xml_path, &xml, NULL, NULL));
	spec = g_dbus_node_info_new_for_xml(xml, NULL);
	g_variant_get(ret, "(&s)", &text);
	live = g_dbus_node_info_new_for_xml(text, NULL);
	g_assert_nonnull(g_dbus_node_info_lookup_interface(live, OM_IFACE));
	want = g_dbus_node_info_lookup_interface(spec, MANAGER_IFACE);
	have = g_dbus_node_info_lookup_interface(live, MANAGER_IFACE);
	g_assert_nonnull(have);
	for (guint i = 0; want->methods[i] != NULL; i++)
		g_assert_nonnull(g_dbus_interface_info_lookup_method(have, want->methods[i]->name));
	for (guint i = 0; want->properties[i] != NULL; i++) {
		GDBusPropertyInfo *p =
			g_dbus_interface_info_lookup_property(have, want->properties[i]->name);
		g_assert_nonnull(p);
		g_assert_cmpstr(p->signature, ==, want->properties[i]->signature);
	}
	/* the relay objects are children of the manager path */
	g_assert_nonnull(strstr(text, "<node name=\"relay\"/>"));
}

static void
gs_dbus_manager_properties_test(Fixture *f, gconstpointer data)
{
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "Version", "'" PACKAGE_VERSION "'");
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "ServiceUrls", "['wss://git.example.org']");
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "RelayCount", "uint32 6");
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "ConnectedRelayCount", "uint32 4");
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "RepoCount", "uint32 2");
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "HomeRelay", "'" GS_FAKE_HOME "'");
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "HomeOutboxPending", "uint64 42");
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "HomeRefused", "uint64 3");
}

/* every relay property, for relays in different states, equals the provider's state */
static void
gs_dbus_relay_properties_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GVariant) all =
		call_ok(f, PATH_DEGRADED, PROPS_IFACE, "GetAll", g_variant_new("(s)", RELAY_IFACE));
	g_autoptr(GVariant) dict = g_variant_get_child_value(all, 0);
	const struct {
		const gchar *name;
		const gchar *value;
	} degraded[] = {
		{"Url", "'" GS_FAKE_DEGRADED "'"},
		{"Status", "uint32 4"},
		{"StatusName", "'connected-degraded'"},
		{"Health", "uint32 1"},
		{"HealthName", "'healthy'"},
		{"ConsecutiveFailures", "uint32 0"},
		{"IsBootstrap", "false"},
		{"LastConnected", "int64 1700000030"},
		{"DisconnectedAt", "int64 0"},
		{"HistoricSyncCompleted", "true"},
		{"HistoricSyncHadFailures", "true"},
		{"PendingBatches", "uint32 0"},
		{"FailedBatches", "uint32 2"},
		{"SupportsNegentropy", "1"},
		{"NextRetryAt", "int64 0"},
	};

	g_assert_cmpuint(g_variant_n_children(dict), ==, G_N_ELEMENTS(degraded));
	for (guint i = 0; i < G_N_ELEMENTS(degraded); i++) {
		g_autoptr(GVariant) v = g_variant_lookup_value(dict, degraded[i].name, NULL);
		g_autofree gchar *text = NULL;
		g_assert_nonnull(v);
		text = g_variant_print(v, TRUE);
		g_assert_cmpstr(text, ==, degraded[i].value);
	}
	assert_property(f, PATH_DEAD, RELAY_IFACE, "HealthName", "'dead'");
	assert_property(f, PATH_DEAD, RELAY_IFACE, "Health", "uint32 4");
	assert_property(f, PATH_DEAD, RELAY_IFACE, "ConsecutiveFailures", "uint32 12");
	assert_property(f, PATH_DEAD, RELAY_IFACE, "NextRetryAt", "int64 1700086400");
	assert_property(f, PATH_DEAD, RELAY_IFACE, "SupportsNegentropy", "-1");
	assert_property(f, PATH_CONNECTED, RELAY_IFACE, "IsBootstrap", "true");
	assert_property(f, PATH_SYNCING, RELAY_IFACE, "StatusName", "'syncing'");
	assert_property(f, PATH_SYNCING, RELAY_IFACE, "PendingBatches", "uint32 4");
}

static gboolean
wake_cb(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

static GVariant *
wait_signal(Fixture *f, const gchar *member, const gchar *path)
{
	gint64 deadline = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	guint wake;

	while (g_get_monotonic_time() < deadline) {
		for (guint i = 0; i < f->signals->len; i++) {
			GVariant *s = g_ptr_array_index(f->signals, i);
			const gchar *m = NULL, *p = NULL;
			GVariant *params = NULL;
			g_variant_get(s, "(&s&o@*)", &m, &p, &params);
			if (g_strcmp0(m, member) == 0 && g_strcmp0(p, path) == 0) {
				g_ptr_array_remove_index(f->signals, i);
				return params;
			}
			g_variant_unref(params);
		}
		/* wakes the loop at least every 50 ms, so the deadline holds */
		wake = g_timeout_add(50, wake_cb, NULL);
		g_main_context_iteration(NULL, TRUE);
		g_source_remove(wake);
	}
	g_error("no %s signal for %s", member, path);
	return NULL;
}

/* PropertiesChanged carries exactly the changed relay properties; the manager's count too */
static void
gs_dbus_properties_changed_test(Fixture *f, gconstpointer data)
{
	GsRelayStatus *syncing = gs_fake_provider_get(f->fake, GS_FAKE_SYNCING);
	GsRelayStatus *dead = gs_fake_provider_get(f->fake, GS_FAKE_DEAD);
	g_autoptr(GVariant) params = NULL;
	g_autoptr(GVariant) changed = NULL;
	g_autoptr(GVariant) manager = NULL;
	g_autoptr(GVariant) manager_changed = NULL;
	const gchar *iface = NULL;

	g_object_set(syncing, "pending-batches", 0u, "historic-sync-completed", TRUE, NULL);
	gs_relay_status_set_status(syncing, GS_CONNECTION_STATUS_CONNECTED);
	params = wait_signal(f, "PropertiesChanged", PATH_SYNCING);
	g_variant_get(params, "(&s@a{sv}@as)", &iface, &changed, NULL);
	g_assert_cmpstr(iface, ==, RELAY_IFACE);
	g_assert_cmpuint(g_variant_n_children(changed), ==, 4);
	g_assert_true(g_variant_lookup(changed, "Status", "u", NULL));
	g_assert_true(g_variant_lookup(changed, "StatusName", "&s", &iface));
	g_assert_cmpstr(iface, ==, "connected");
	g_assert_true(g_variant_lookup(changed, "PendingBatches", "u", NULL));
	g_assert_true(g_variant_lookup(changed, "HistoricSyncCompleted", "b", NULL));

	/* a dead relay coming to life changes the manager's count */
	g_object_set(dead,
		     "status",
		     GS_CONNECTION_STATUS_SYNCING,
		     "health",
		     GS_RELAY_HEALTH_HEALTHY,
		     NULL);
	manager = wait_signal(f, "PropertiesChanged", GS_DBUS_PATH);
	g_variant_get(manager, "(&s@a{sv}@as)", &iface, &manager_changed, NULL);
	g_assert_cmpstr(iface, ==, MANAGER_IFACE);
	g_assert_true(g_variant_lookup(manager_changed, "ConnectedRelayCount", "u", NULL));
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "ConnectedRelayCount", "uint32 5");
	assert_property(f, PATH_DEAD, RELAY_IFACE, "HealthName", "'healthy'");
	/* a write of the same value sends nothing */
	gs_relay_status_set_status(syncing, GS_CONNECTION_STATUS_CONNECTED);
	g_ptr_array_set_size(f->signals, 0);
	for (guint i = 0; i < 20; i++)
		g_main_context_iteration(NULL, FALSE);
	assert_property(f, PATH_SYNCING, RELAY_IFACE, "Status", "uint32 3");
	g_assert_cmpuint(f->signals->len, ==, 0);
}

/* AddRelay and RemoveRelay publish and withdraw objects through the ObjectManager */
static void
gs_dbus_add_remove_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GVariant) ret = call_ok(f,
					  GS_DBUS_PATH,
					  MANAGER_IFACE,
					  "AddRelay",
					  g_variant_new("(sb)", "New.Example.com/", FALSE));
	g_autoptr(GVariant) added = NULL;
	g_autoptr(GVariant) removed = NULL;
	g_autoptr(GVariant) again = NULL;
	g_autoptr(GVariant) objects = NULL;
	g_autoptr(GVariant) object_list = NULL;
	const gchar *path = NULL;
	const gchar *path2 = NULL;

	g_variant_get(ret, "(&o)", &path);
	g_assert_cmpstr(path, ==, GS_DBUS_RELAY_DIR "/6");
	added = wait_signal(f, "InterfacesAdded", GS_DBUS_PATH);
	g_assert_true(g_variant_is_of_type(added, G_VARIANT_TYPE("(oa{sa{sv}})")));
	assert_property(f, path, RELAY_IFACE, "Url", "'wss://new.example.com'");
	assert_property(f, path, RELAY_IFACE, "StatusName", "'disconnected'");
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "RelayCount", "uint32 7");
	/* adding it again returns the same object and only sets the bootstrap flag */
	again = call_ok(f,
			GS_DBUS_PATH,
			MANAGER_IFACE,
			"AddRelay",
			g_variant_new("(sb)", "wss://new.example.com", TRUE));
	g_variant_get(again, "(&o)", &path2);
	g_assert_cmpstr(path2, ==, path);
	assert_property(f, path, RELAY_IFACE, "IsBootstrap", "true");
	g_object_set(gs_fake_provider_get(f->fake, "wss://new.example.com"),
		     "is-bootstrap",
		     FALSE,
		     NULL);
	g_variant_unref(call_ok(f,
				GS_DBUS_PATH,
				MANAGER_IFACE,
				"RemoveRelay",
				g_variant_new("(s)", "wss://new.example.com")));
	removed = wait_signal(f, "InterfacesRemoved", GS_DBUS_PATH);
	objects = call_ok(f, GS_DBUS_PATH, OM_IFACE, "GetManagedObjects", NULL);
	object_list = g_variant_get_child_value(objects, 0);
	g_assert_cmpuint(g_variant_n_children(object_list), ==, 6);
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "RelayCount", "uint32 6");
}

static void
assert_log(Fixture *f, const gchar *expected)
{
	GPtrArray *log = gs_fake_provider_get_log(f->fake);
	g_assert_cmpuint(log->len, >, 0);
	g_assert_cmpstr(g_ptr_array_index(log, log->len - 1), ==, expected);
}

static void
gs_dbus_control_methods_test(Fixture *f, gconstpointer data)
{
	const gchar *relay_methods[] = {"Reconnect", "Resync", "RetryFailed", "Disconnect"};
	const gchar *relay_log[] = {"reconnect", "resync", "retry-failed", "disconnect"};

	g_variant_unref(call_ok(f,
				GS_DBUS_PATH,
				MANAGER_IFACE,
				"Resync",
				g_variant_new("(s)", "connected.example.com")));
	assert_log(f, "resync " GS_FAKE_CONNECTED);
	g_variant_unref(call_ok(f, GS_DBUS_PATH, MANAGER_IFACE, "ResyncAll", NULL));
	assert_log(f, "resync-all");
	g_variant_unref(call_ok(f,
				GS_DBUS_PATH,
				MANAGER_IFACE,
				"RetryFailed",
				g_variant_new("(s)", GS_FAKE_DEGRADED)));
	assert_log(f, "retry-failed " GS_FAKE_DEGRADED);
	assert_property(f, PATH_DEGRADED, RELAY_IFACE, "FailedBatches", "uint32 0");
	/* the relay's own methods; give it failed batches again for RetryFailed */
	for (guint i = 0; i < G_N_ELEMENTS(relay_methods); i++) {
		g_autoptr(GPtrArray) failed =
			g_ptr_array_new_with_free_func((GDestroyNotify)gs_failed_batch_free);
		g_autofree gchar *expected =
			g_strdup_printf("%s %s", relay_log[i], GS_FAKE_DEGRADED);
		g_ptr_array_add(failed,
				gs_failed_batch_new("timeout", GS_SYNC_METHOD_REQ_EOSE, 1, 0, 1));
		gs_relay_status_set_failed_batches(gs_fake_provider_get(f->fake, GS_FAKE_DEGRADED),
						   failed);
		g_variant_unref(call_ok(f, PATH_DEGRADED, RELAY_IFACE, relay_methods[i], NULL));
		assert_log(f, expected);
	}
	assert_property(f, PATH_DEGRADED, RELAY_IFACE, "StatusName", "'disconnected'");
	g_assert_cmpuint(gs_fake_provider_get_log(f->fake)->len, ==, 7);
}

static void
gs_dbus_read_methods_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GVariant) status = call_ok(f, GS_DBUS_PATH, MANAGER_IFACE, "GetStatus", NULL);
	g_autoptr(GVariant) relays = call_ok(f, GS_DBUS_PATH, MANAGER_IFACE, "ListRelays", NULL);
	g_autoptr(GVariant) repos = call_ok(f, GS_DBUS_PATH, MANAGER_IFACE, "ListRepos", NULL);
	g_autoptr(GVariant) metrics = call_ok(f, GS_DBUS_PATH, MANAGER_IFACE, "GetMetrics", NULL);
	g_autoptr(GVariant) s = g_variant_get_child_value(status, 0);
	g_autoptr(GVariant) list = g_variant_get_child_value(relays, 0);
	g_autoptr(GVariant) degraded = g_variant_get_child_value(list, 3);
	g_autoptr(GVariant) failed = NULL;
	g_autoptr(GVariant) by_status = NULL;
	g_autoptr(GVariant) repo = NULL;
	g_autoptr(GVariant) repo_list = NULL;
	g_autoptr(GVariant) first_failed = NULL;
	const gchar *text = NULL;
	guint32 n = 0;

	g_assert_true(g_variant_lookup(s, "RelayCount", "u", &n));
	g_assert_cmpuint(n, ==, 6);
	g_assert_true(g_variant_lookup(s, "DegradedRelayCount", "u", &n));
	g_assert_cmpuint(n, ==, 1);
	g_assert_true(g_variant_lookup(s, "DeadRelayCount", "u", &n));
	g_assert_cmpuint(n, ==, 1);
	g_assert_true(g_variant_lookup(s, "RootEventCount", "u", &n));
	g_assert_cmpuint(n, ==, 5);
	g_assert_true(g_variant_lookup(s, "Version", "&s", &text));
	g_assert_cmpstr(text, ==, PACKAGE_VERSION);
	by_status = g_variant_lookup_value(s, "RelaysByStatus", G_VARIANT_TYPE("a{su}"));
	g_assert_true(g_variant_lookup(by_status, "connected", "u", &n));
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpuint(g_variant_n_children(list), ==, 6);
	g_assert_true(g_variant_lookup(degraded, "ObjectPath", "&o", &text));
	g_assert_cmpstr(text, ==, PATH_DEGRADED);
	g_assert_true(g_variant_lookup(degraded, "StatusName", "&s", &text));
	g_assert_cmpstr(text, ==, "connected-degraded");
	failed = g_variant_lookup_value(degraded, "FailedBatchList", G_VARIANT_TYPE("aa{sv}"));
	g_assert_cmpuint(g_variant_n_children(failed), ==, 2);
	first_failed = g_variant_get_child_value(failed, 0);
	g_assert_true(g_variant_lookup(first_failed, "Reason", "&s", &text));
	g_assert_cmpstr(text, ==, "negentropy-undelivered");
	repo_list = g_variant_get_child_value(repos, 0);
	repo = g_variant_get_child_value(repo_list, 0);
	g_assert_true(g_variant_lookup(repo, "Identifier", "&s", &text));
	g_assert_cmpstr(text, ==, "grasp-sync");
	g_assert_true(g_variant_lookup(repo, "Level", "&s", &text));
	g_assert_cmpstr(text, ==, "full");
	g_variant_get(metrics, "(&s)", &text);
	g_assert_nonnull(
		strstr(text, "ngit_sync_relay_connected{relay=\"" GS_FAKE_DEGRADED "\"} 4\n"));
}

typedef struct {
	const gchar *path;
	const gchar *iface;
	const gchar *method;
	const gchar *args; /* GVariant text, or NULL */
	gboolean busy;
	const gchar *error_name;
	const gchar *message; /* pattern */
} BadCall;

static const BadCall bad_calls[] = {
	{GS_DBUS_PATH,
	 MANAGER_IFACE,
	 "AddRelay",
	 "('http://x.example.com', false)",
	 FALSE,
	 "dev.graspsync.GraspSync1.Error.InvalidArgument",
	 "malformed relay URL*"},
	{GS_DBUS_PATH,
	 MANAGER_IFACE,
	 "AddRelay",
	 "('', true)",
	 FALSE,
	 "dev.graspsync.GraspSync1.Error.InvalidArgument",
	 "no relay URL given"},
	{GS_DBUS_PATH,
	 MANAGER_IFACE,
	 "RemoveRelay",
	 "('wss://unknown.example.com',)",
	 FALSE,
	 "dev.graspsync.GraspSync1.Error.NotFound",
	 "relay wss://unknown.example.com is not followed"},
	{GS_DBUS_PATH,
	 MANAGER_IFACE,
	 "RemoveRelay",
	 "('" GS_FAKE_CONNECTED "',)",
	 FALSE,
	 "dev.graspsync.GraspSync1.Error.InvalidArgument",
	 "*bootstrap relay*"},
	{GS_DBUS_PATH,
	 MANAGER_IFACE,
	 "Resync",
	 "('wss://a b',)",
	 FALSE,
	 "dev.graspsync.GraspSync1.Error.InvalidArgument",
	 "malformed relay URL*"},
	{GS_DBUS_PATH,
	 MANAGER_IFACE,
	 "RetryFailed",
	 "('" GS_FAKE_CONNECTED "',)",
	 FALSE,
	 "dev.graspsync.GraspSync1.Error.InvalidArgument",
	 "*has no failed batches"},
	{GS_DBUS_PATH,
	 MANAGER_IFACE,
	 "ResyncAll",
	 NULL,
	 TRUE,
	 "dev.graspsync.GraspSync1.Error.Busy",
	 "resync-all: the engine is busy"},
	{PATH_DEAD,
	 RELAY_IFACE,
	 "Reconnect",
	 NULL,
	 TRUE,
	 "dev.graspsync.GraspSync1.Error.Busy",
	 "*busy"},
	{GS_DBUS_PATH,
	 MANAGER_IFACE,
	 "Resync",
	 "(uint32 1,)",
	 FALSE,
	 "org.freedesktop.DBus.Error.InvalidArgs",
	 "*"},
	{GS_DBUS_PATH,
	 MANAGER_IFACE,
	 "Frobnicate",
	 NULL,
	 FALSE,
	 "org.freedesktop.DBus.Error.UnknownMethod",
	 "*"},
	{GS_DBUS_RELAY_DIR "/99",
	 RELAY_IFACE,
	 "Resync",
	 NULL,
	 FALSE,
	 "org.freedesktop.DBus.Error.UnknownMethod",
	 "*"},
};

/* RetryHomeRefused queues the refused events again; the Home properties follow the provider,
 * and without a home relay they are empty and the method fails with NotFound */
static void
gs_dbus_home_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GVariant) ret = NULL;
	g_autoptr(GVariant) params = NULL;
	g_autoptr(GVariant) changed = NULL;
	g_autoptr(GVariant) status = NULL;
	g_autoptr(GVariant) home = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *name = NULL;
	guint n = 0;
	guint64 pending = 0;

	ret = call_ok(f, GS_DBUS_PATH, MANAGER_IFACE, "RetryHomeRefused", NULL);
	g_variant_get(ret, "(u)", &n);
	g_assert_cmpuint(n, ==, 3);
	assert_log(f, "retry-home-refused");
	params = wait_signal(f, "PropertiesChanged", GS_DBUS_PATH);
	g_variant_get(params, "(&s@a{sv}@as)", NULL, &changed, NULL);
	g_assert_true(g_variant_lookup(changed, "HomeRefused", "t", &pending));
	g_assert_cmpuint(pending, ==, 0);
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "HomeOutboxPending", "uint64 45");

	/* GetStatus carries the home relay's record */
	g_clear_pointer(&ret, g_variant_unref);
	ret = call_ok(f, GS_DBUS_PATH, MANAGER_IFACE, "GetStatus", NULL);
	g_variant_get(ret, "(@a{sv})", &status);
	home = g_variant_lookup_value(status, "Home", G_VARIANT_TYPE_VARDICT);
	g_assert_nonnull(home);
	g_assert_true(g_variant_lookup(home, "OutboxPending", "t", &pending));
	g_assert_cmpuint(pending, ==, 45);

	/* no home relay */
	gs_fake_provider_set_home(f->fake, NULL, FALSE, 0, 0);
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "HomeRelay", "''");
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "HomeOutboxPending", "uint64 0");
	g_clear_pointer(&ret, g_variant_unref);
	ret = call(f, GS_DBUS_PATH, MANAGER_IFACE, "RetryHomeRefused", NULL, &error);
	g_assert_null(ret);
	name = g_dbus_error_get_remote_error(error);
	g_assert_cmpstr(name, ==, "dev.graspsync.GraspSync1.Error.NotFound");
	g_clear_pointer(&status, g_variant_unref);
	ret = call_ok(f, GS_DBUS_PATH, MANAGER_IFACE, "GetStatus", NULL);
	g_variant_get(ret, "(@a{sv})", &status);
	g_assert_false(g_variant_lookup(status, "Home", "@a{sv}", NULL));
}

static void
gs_dbus_errors_test(Fixture *f, gconstpointer data)
{
	for (guint i = 0; i < G_N_ELEMENTS(bad_calls); i++) {
		const BadCall *bad = &bad_calls[i];
		g_autoptr(GError) error = NULL;
		g_autoptr(GVariant) args =
			bad->args != NULL ? g_variant_parse(NULL, bad->args, NULL, NULL, NULL)
					  : NULL;
		g_autoptr(GVariant) ret = NULL;
		g_autofree gchar *name = NULL;

		g_test_message("%s %s", bad->method, bad->args != NULL ? bad->args : "");
		gs_fake_provider_set_busy(f->fake, bad->busy);
		ret = call(f, bad->path, bad->iface, bad->method, args, &error);
		g_assert_null(ret);
		g_assert_nonnull(error);
		name = g_dbus_error_get_remote_error(error);
		g_assert_cmpstr(name, ==, bad->error_name);
		g_dbus_error_strip_remote_error(error);
		g_assert_true(g_pattern_match_simple(bad->message, error->message));
		/* our own names map back to GsError codes */
		if (g_str_has_prefix(bad->error_name, "dev.graspsync."))
			g_assert_true(error->domain == GS_ERROR);
	}
	g_assert_cmpuint(gs_fake_provider_get_log(f->fake)->len, ==, 0);
}

static void
lost_cb(GsDbusService *service, gpointer user_data)
{
	gboolean *lost = user_data;
	*lost = TRUE;
}

/* a second daemon on the same bus does not take the name: it is told, and stops */
static void
gs_dbus_name_taken_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GsDbusService) second =
		gs_dbus_service_new(GS_STATUS_PROVIDER(f->fake), f->metrics);
	g_autoptr(GDBusConnection) connection = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *address = g_dbus_address_get_for_bus_sync(G_BUS_TYPE_SESSION, NULL, NULL);
	gboolean lost = FALSE;

	connection = g_dbus_connection_new_for_address_sync(
		address,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL,
		NULL,
		&error);
	g_assert_no_error(error);
	g_assert_true(gs_dbus_service_export(second, connection, &error));
	g_signal_connect(second, "name-lost", G_CALLBACK(lost_cb), &lost);
	/* the service warns, as it should; here that is expected */
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
	gs_dbus_service_own_name(second);
	while (!lost)
		g_main_context_iteration(NULL, TRUE);
	gs_dbus_service_stop(second);
	g_dbus_connection_close_sync(connection, NULL, NULL);
	assert_property(f, GS_DBUS_PATH, MANAGER_IFACE, "RelayCount", "uint32 6");
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add("/grasp-sync/dbus-service/introspect",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_dbus_introspect_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/dbus-service/manager-properties",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_dbus_manager_properties_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/dbus-service/home",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_dbus_home_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/dbus-service/relay-properties",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_dbus_relay_properties_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/dbus-service/properties-changed",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_dbus_properties_changed_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/dbus-service/add-remove",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_dbus_add_remove_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/dbus-service/control-methods",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_dbus_control_methods_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/dbus-service/read-methods",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_dbus_read_methods_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/dbus-service/errors",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_dbus_errors_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/dbus-service/name-taken",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_dbus_name_taken_test,
		   fixture_teardown);
	return g_test_run();
}
