/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsCtl"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "gs-dbus-generated.h"
#include "gs-dbus-service.h"
#include "gs-error.h"
#include "gs-relay-url.h"

/* exit statuses, documented in grasp-syncctl(1) */
#define GS_CTL_EXIT_OK 0
#define GS_CTL_EXIT_FAILED 1
#define GS_CTL_EXIT_USAGE 2
#define GS_CTL_EXIT_NOT_RUNNING 3
#define GS_CTL_EXIT_DENIED 4

typedef struct {
	gboolean json;
	gboolean session;
	gboolean system;
	gboolean bootstrap;
	GBusType bus_type;
	GsDbusManager *manager;
	GMainLoop *loop;
	gint exit_status;
} GsCtl;

typedef gint (*GsCtlCommandFunc)(GsCtl *ctl, gchar **args, GError **error);

typedef struct {
	const gchar *name;
	const gchar *args;
	guint min_args;
	guint max_args;
	GsCtlCommandFunc func;
	const gchar *description;
} GsCtlCommand;

static const gchar *
gs_ctl_bus_name(GsCtl *ctl)
{
	/* TRANSLATORS: the bus grasp-syncd was looked for on */
	return ctl->bus_type == G_BUS_TYPE_SESSION ? _("session bus") : _("system bus");
}

static gboolean
gs_ctl_connect(GsCtl *ctl, GError **error)
{
	g_autofree gchar *owner = NULL;

	ctl->manager = gs_dbus_manager_proxy_new_for_bus_sync(ctl->bus_type,
							      G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START,
							      GS_DBUS_NAME,
							      GS_DBUS_PATH,
							      NULL,
							      error);
	if (ctl->manager == NULL) {
		g_prefix_error(error, _("cannot connect to the %s: "), gs_ctl_bus_name(ctl));
		return FALSE;
	}
	owner = g_dbus_proxy_get_name_owner(G_DBUS_PROXY(ctl->manager));
	if (owner == NULL) {
		g_set_error(error,
			    G_DBUS_ERROR,
			    G_DBUS_ERROR_NAME_HAS_NO_OWNER,
			    _("grasp-syncd is not running on the %s (nobody owns %s)"),
			    gs_ctl_bus_name(ctl),
			    GS_DBUS_NAME);
		return FALSE;
	}
	return TRUE;
}

static void
gs_ctl_print_json(GVariant *value)
{
	g_autoptr(JsonNode) node = json_gvariant_serialize(value);
	g_autofree gchar *text = json_to_string(node, TRUE);
	g_print("%s\n", text);
}

static gchar *
gs_ctl_format_time(gint64 secs)
{
	g_autoptr(GDateTime) dt = NULL;

	if (secs <= 0)
		/* TRANSLATORS: a time that has not happened, e.g. "last connected: never" */
		return g_strdup(_("never"));
	dt = g_date_time_new_from_unix_local(secs);
	return dt != NULL ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S") : g_strdup("?");
}

static const gchar *
gs_ctl_lookup_string(GVariant *dict, const gchar *key)
{
	const gchar *value = NULL;
	if (!g_variant_lookup(dict, key, "&s", &value))
		return "";
	return value;
}

static guint32
gs_ctl_lookup_uint(GVariant *dict, const gchar *key)
{
	guint32 value = 0;
	g_variant_lookup(dict, key, "u", &value);
	return value;
}

static void
gs_ctl_print_relay_table(GVariant *relays)
{
	/* TRANSLATORS: column headings of the relay table; keep them short */
	g_print("%-40s %-19s %-13s %8s %8s %7s\n",
		_("RELAY"),
		_("STATUS"),
		_("HEALTH"),
		_("FAILURES"),
		_("PENDING"),
		_("FAILED"));
	for (gsize i = 0; i < g_variant_n_children(relays); i++) {
		g_autoptr(GVariant) relay = g_variant_get_child_value(relays, i);
		g_print("%-40s %-19s %-13s %8u %8u %7u\n",
			gs_ctl_lookup_string(relay, "Url"),
			gs_ctl_lookup_string(relay, "StatusName"),
			gs_ctl_lookup_string(relay, "HealthName"),
			gs_ctl_lookup_uint(relay, "ConsecutiveFailures"),
			gs_ctl_lookup_uint(relay, "PendingBatches"),
			gs_ctl_lookup_uint(relay, "FailedBatches"));
	}
}

static gchar *
gs_ctl_format_uptime(guint64 secs)
{
	if (secs >= 86400)
		/* TRANSLATORS: uptime in days and hours */
		return g_strdup_printf(
			_("%ud %uh"), (guint)(secs / 86400), (guint)(secs % 86400 / 3600));
	/* TRANSLATORS: uptime in hours and minutes */
	return g_strdup_printf(_("%uh %umin"), (guint)(secs / 3600), (guint)(secs % 3600 / 60));
}

/* the home relay's lines of `status`, when one is configured */
static void
gs_ctl_print_home(GVariant *status)
{
	g_autoptr(GVariant) home = g_variant_lookup_value(status, "Home", G_VARIANT_TYPE_VARDICT);
	g_autoptr(GVariant) published = NULL;
	gboolean connected = FALSE;
	guint64 pending = 0, refused = 0, oldest = 0, delivered = 0;
	g_autofree gchar *pending_str = NULL, *oldest_str = NULL;
	g_autofree gchar *refused_str = NULL, *delivered_str = NULL;

	if (home == NULL)
		return;
	g_variant_lookup(home, "Connected", "b", &connected);
	g_variant_lookup(home, "OutboxPending", "t", &pending);
	g_variant_lookup(home, "OutboxRefused", "t", &refused);
	g_variant_lookup(home, "OldestPendingSeconds", "t", &oldest);
	published = g_variant_lookup_value(home, "Published", G_VARIANT_TYPE("a{st}"));
	if (published != NULL)
		g_variant_lookup(published, "delivered", "t", &delivered);
	/* TRANSLATORS: the home relay (the GRASP server's own relay) and its connection */
	g_print(_("Home relay: %s (%s)\n"),
		gs_ctl_lookup_string(home, "Url"),
		connected ? _("connected") : _("not connected"));
	pending_str = g_strdup_printf("%" G_GUINT64_FORMAT, pending);
	oldest_str = g_strdup_printf("%" G_GUINT64_FORMAT, oldest);
	refused_str = g_strdup_printf("%" G_GUINT64_FORMAT, refused);
	delivered_str = g_strdup_printf("%" G_GUINT64_FORMAT, delivered);
	/* TRANSLATORS: the events waiting to go to the home relay, the oldest one's wait in
	 * seconds, the events it refused and those delivered since the daemon started */
	g_print(_("Home outbox: %s pending (oldest %s s), %s refused, %s delivered\n"),
		pending_str,
		oldest_str,
		refused_str,
		delivered_str);
}

static void
gs_ctl_print_summary(GVariant *status)
{
	g_autoptr(GVariant) urls =
		g_variant_lookup_value(status, "ServiceUrls", G_VARIANT_TYPE_STRING_ARRAY);
	g_autofree const gchar **strv = urls != NULL ? g_variant_get_strv(urls, NULL) : NULL;
	g_autofree gchar *joined = strv != NULL ? g_strjoinv(", ", (gchar **)strv) : g_strdup("");
	guint64 uptime = 0;
	g_autofree gchar *uptime_str = NULL;

	g_variant_lookup(status, "UptimeSeconds", "t", &uptime);
	uptime_str = gs_ctl_format_uptime(uptime);
	/* TRANSLATORS: first line of "grasp-syncctl status": version and uptime */
	g_print(_("grasp-syncd %s, up %s\n"), gs_ctl_lookup_string(status, "Version"), uptime_str);
	g_print(_("Service URLs: %s\n"), joined[0] != '\0' ? joined : _("(none)"));
	g_print(_("Relays: %u (%u live, %u degraded, %u dead)\n"),
		gs_ctl_lookup_uint(status, "RelayCount"),
		gs_ctl_lookup_uint(status, "ConnectedRelayCount"),
		gs_ctl_lookup_uint(status, "DegradedRelayCount"),
		gs_ctl_lookup_uint(status, "DeadRelayCount"));
	g_print(_("Repositories: %u, root events: %u\n"),
		gs_ctl_lookup_uint(status, "RepoCount"),
		gs_ctl_lookup_uint(status, "RootEventCount"));
	gs_ctl_print_home(status);
}

static gint
gs_ctl_cmd_status(GsCtl *ctl, gchar **args, GError **error)
{
	g_autoptr(GVariant) status = NULL;
	g_autoptr(GVariant) relays = NULL;

	if (!gs_dbus_manager_call_get_status_sync(ctl->manager, &status, NULL, error))
		return GS_CTL_EXIT_FAILED;
	if (!gs_dbus_manager_call_list_relays_sync(ctl->manager, &relays, NULL, error))
		return GS_CTL_EXIT_FAILED;
	if (ctl->json) {
		g_autoptr(GVariant) both = g_variant_ref_sink(g_variant_new_parsed(
			"{'daemon': <%@a{sv}>, 'relays': <%@aa{sv}>}", status, relays));
		gs_ctl_print_json(both);
		return GS_CTL_EXIT_OK;
	}
	gs_ctl_print_summary(status);
	g_print("\n");
	gs_ctl_print_relay_table(relays);
	return GS_CTL_EXIT_OK;
}

static gint
gs_ctl_cmd_relays(GsCtl *ctl, gchar **args, GError **error)
{
	g_autoptr(GVariant) relays = NULL;

	if (!gs_dbus_manager_call_list_relays_sync(ctl->manager, &relays, NULL, error))
		return GS_CTL_EXIT_FAILED;
	if (ctl->json)
		gs_ctl_print_json(relays);
	else
		gs_ctl_print_relay_table(relays);
	return GS_CTL_EXIT_OK;
}

/* the record of the relay with this URL, compared in normalised form as the daemon does */
static GVariant *
gs_ctl_find_relay(GsCtl *ctl, const gchar *url, GError **error)
{
	g_autoptr(GVariant) relays = NULL;
	g_autofree gchar *normal = gs_relay_url_normalise(url, FALSE, NULL);

	if (normal == NULL) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    _("malformed relay URL: %s"),
			    url);
		return NULL;
	}
	if (!gs_dbus_manager_call_list_relays_sync(ctl->manager, &relays, NULL, error))
		return NULL;
	for (gsize i = 0; i < g_variant_n_children(relays); i++) {
		g_autoptr(GVariant) relay = g_variant_get_child_value(relays, i);
		if (g_strcmp0(gs_ctl_lookup_string(relay, "Url"), normal) == 0)
			return g_steal_pointer(&relay);
	}
	g_set_error(error, GS_ERROR, GS_ERROR_NOT_FOUND, _("relay %s is not followed"), normal);
	return NULL;
}

static void
gs_ctl_print_failed_batches(GVariant *relay)
{
	g_autoptr(GVariant) failed =
		g_variant_lookup_value(relay, "FailedBatchList", G_VARIANT_TYPE("aa{sv}"));

	for (gsize i = 0; failed != NULL && i < g_variant_n_children(failed); i++) {
		g_autoptr(GVariant) batch = g_variant_get_child_value(failed, i);
		gint64 at = 0;
		g_autofree gchar *when = NULL;

		g_variant_lookup(batch, "FailedAt", "x", &at);
		when = gs_ctl_format_time(at);
		/* TRANSLATORS: one failed batch: reason, method, item counts, time */
		g_print(_("  failed batch: %s (%s, %u repositories, %u root events, %s)\n"),
			gs_ctl_lookup_string(batch, "Reason"),
			gs_ctl_lookup_string(batch, "Method"),
			gs_ctl_lookup_uint(batch, "Repos"),
			gs_ctl_lookup_uint(batch, "RootEvents"),
			when);
	}
}

static void
gs_ctl_print_relay(GVariant *relay)
{
	const gchar *time_keys[] = {
		"LastConnected", "DisconnectedAt", "NextRetryAt", "LastEventAt", NULL};
	GVariantIter iter;
	const gchar *key = NULL;
	GVariant *value = NULL;

	g_variant_iter_init(&iter, relay);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		g_autofree gchar *text = NULL;
		if (g_variant_is_of_type(value, G_VARIANT_TYPE("aa{sv}"))) {
			g_variant_unref(value);
			continue;
		}
		if (g_strv_contains(time_keys, key) &&
		    g_variant_is_of_type(value, G_VARIANT_TYPE_INT64))
			text = gs_ctl_format_time(g_variant_get_int64(value));
		else if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING) ||
			 g_variant_is_of_type(value, G_VARIANT_TYPE_OBJECT_PATH))
			text = g_variant_dup_string(value, NULL);
		else
			text = g_variant_print(value, FALSE);
		g_print("%-24s %s\n", key, text);
		g_variant_unref(value);
	}
	gs_ctl_print_failed_batches(relay);
}

static gint
gs_ctl_cmd_relay(GsCtl *ctl, gchar **args, GError **error)
{
	g_autoptr(GVariant) relay = gs_ctl_find_relay(ctl, args[0], error);

	if (relay == NULL)
		return GS_CTL_EXIT_FAILED;
	if (ctl->json)
		gs_ctl_print_json(relay);
	else
		gs_ctl_print_relay(relay);
	return GS_CTL_EXIT_OK;
}

static gint
gs_ctl_cmd_repos(GsCtl *ctl, gchar **args, GError **error)
{
	g_autoptr(GVariant) repos = NULL;

	if (!gs_dbus_manager_call_list_repos_sync(ctl->manager, &repos, NULL, error))
		return GS_CTL_EXIT_FAILED;
	if (ctl->json) {
		gs_ctl_print_json(repos);
		return GS_CTL_EXIT_OK;
	}
	/* TRANSLATORS: column headings of the repository table */
	g_print("%-24s %-12s %-11s %6s %s\n",
		_("REPOSITORY"),
		_("OWNER"),
		_("LEVEL"),
		_("ROOTS"),
		_("RELAYS"));
	for (gsize i = 0; i < g_variant_n_children(repos); i++) {
		g_autoptr(GVariant) repo = g_variant_get_child_value(repos, i);
		g_autoptr(GVariant) relays =
			g_variant_lookup_value(repo, "Relays", G_VARIANT_TYPE_STRING_ARRAY);
		g_autofree const gchar **strv =
			relays != NULL ? g_variant_get_strv(relays, NULL) : NULL;
		g_autofree gchar *joined =
			strv != NULL ? g_strjoinv(" ", (gchar **)strv) : g_strdup("");
		g_autofree gchar *owner = g_strndup(gs_ctl_lookup_string(repo, "Owner"), 12);

		g_print("%-24s %-12s %-11s %6u %s\n",
			gs_ctl_lookup_string(repo, "Identifier"),
			owner,
			gs_ctl_lookup_string(repo, "Level"),
			gs_ctl_lookup_uint(repo, "RootEvents"),
			joined);
	}
	return GS_CTL_EXIT_OK;
}

static gint
gs_ctl_cmd_metrics(GsCtl *ctl, gchar **args, GError **error)
{
	g_autofree gchar *text = NULL;

	if (!gs_dbus_manager_call_get_metrics_sync(ctl->manager, &text, NULL, error))
		return GS_CTL_EXIT_FAILED;
	g_print("%s", text);
	return GS_CTL_EXIT_OK;
}

static gint
gs_ctl_cmd_add_relay(GsCtl *ctl, gchar **args, GError **error)
{
	g_autofree gchar *path = NULL;

	if (!gs_dbus_manager_call_add_relay_sync(
		    ctl->manager, args[0], ctl->bootstrap, &path, NULL, error))
		return GS_CTL_EXIT_FAILED;
	if (ctl->json) {
		g_autoptr(GVariant) out =
			g_variant_ref_sink(g_variant_new_parsed("{'ObjectPath': <%o>}", path));
		gs_ctl_print_json(out);
		return GS_CTL_EXIT_OK;
	}
	g_print(_("Following %s (%s)\n"), args[0], path);
	return GS_CTL_EXIT_OK;
}

static gint
gs_ctl_cmd_remove_relay(GsCtl *ctl, gchar **args, GError **error)
{
	if (!gs_dbus_manager_call_remove_relay_sync(ctl->manager, args[0], NULL, error))
		return GS_CTL_EXIT_FAILED;
	if (!ctl->json)
		g_print(_("No longer following %s\n"), args[0]);
	return GS_CTL_EXIT_OK;
}

static gint
gs_ctl_cmd_resync(GsCtl *ctl, gchar **args, GError **error)
{
	gboolean ok = args[0] != NULL
			      ? gs_dbus_manager_call_resync_sync(ctl->manager, args[0], NULL, error)
			      : gs_dbus_manager_call_resync_all_sync(ctl->manager, NULL, error);

	if (!ok)
		return GS_CTL_EXIT_FAILED;
	if (!ctl->json && args[0] != NULL)
		g_print(_("Resync of %s started\n"), args[0]);
	else if (!ctl->json)
		g_print(_("Resync of every relay started\n"));
	return GS_CTL_EXIT_OK;
}

static gint
gs_ctl_cmd_retry_failed(GsCtl *ctl, gchar **args, GError **error)
{
	if (!gs_dbus_manager_call_retry_failed_sync(ctl->manager, args[0], NULL, error))
		return GS_CTL_EXIT_FAILED;
	if (!ctl->json)
		g_print(_("Retrying the failed batches of %s\n"), args[0]);
	return GS_CTL_EXIT_OK;
}

static gint
gs_ctl_cmd_retry_home_refused(GsCtl *ctl, gchar **args, GError **error)
{
	guint n = 0;

	if (!gs_dbus_manager_call_retry_home_refused_sync(ctl->manager, &n, NULL, error))
		return GS_CTL_EXIT_FAILED;
	if (ctl->json) {
		g_autoptr(GVariant) out =
			g_variant_ref_sink(g_variant_new_parsed("{'Count': <%u>}", n));
		gs_ctl_print_json(out);
		return GS_CTL_EXIT_OK;
	}
	/* TRANSLATORS: how many events the home relay refused are sent to it again */
	g_print(_("Events sent to the home relay again: %u\n"), n);
	return GS_CTL_EXIT_OK;
}

/* `watch`: one line per change, as long as the daemon runs */
static void
gs_ctl_watch_line(GsCtl *ctl, const gchar *url, const gchar *event, GVariant *changed)
{
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree gchar *stamp = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");

	if (ctl->json) {
		g_autoptr(GVariant) line = g_variant_ref_sink(g_variant_new_parsed(
			"{'Time': <%s>, 'Url': <%s>, 'Event': <%s>, 'Changed': <%@a{sv}>}",
			stamp,
			url,
			event,
			changed));
		g_autoptr(JsonNode) node = json_gvariant_serialize(line);
		g_autofree gchar *text = json_to_string(node, FALSE);
		g_print("%s\n", text);
	} else {
		GVariantIter iter;
		const gchar *key;
		GVariant *value;
		g_autoptr(GString) str = g_string_new(NULL);

		g_variant_iter_init(&iter, changed);
		while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
			g_autofree gchar *text = g_variant_print(value, FALSE);
			g_string_append_printf(str, " %s=%s", key, text);
			g_variant_unref(value);
		}
		g_print("%s %s %s%s\n", stamp, url, event, str->str);
	}
	fflush(stdout);
}

static void
gs_ctl_watch_properties_cb(GDBusObjectManagerClient *manager,
			   GDBusObjectProxy *object,
			   GDBusProxy *iface,
			   GVariant *changed,
			   const gchar *const *invalidated,
			   gpointer user_data)
{
	GsCtl *ctl = user_data;
	g_autoptr(GVariant) url = g_dbus_proxy_get_cached_property(iface, "Url");

	gs_ctl_watch_line(
		ctl, url != NULL ? g_variant_get_string(url, NULL) : "?", "changed", changed);
}

static void
gs_ctl_watch_object_cb(GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
	GsCtl *ctl = user_data;
	g_autoptr(GDBusInterface) iface =
		g_dbus_object_get_interface(object, GS_DBUS_NAME ".Relay");
	g_autoptr(GVariant) url = NULL;
	g_autoptr(GVariant) none = g_variant_ref_sink(g_variant_new("a{sv}", NULL));
	gboolean added = g_object_get_data(G_OBJECT(manager), "gs-ctl-removing") == NULL;

	if (iface != NULL)
		url = g_dbus_proxy_get_cached_property(G_DBUS_PROXY(iface), "Url");
	gs_ctl_watch_line(ctl,
			  url != NULL ? g_variant_get_string(url, NULL)
				      : g_dbus_object_get_object_path(object),
			  added ? "added" : "removed",
			  none);
}

static void
gs_ctl_watch_removed_cb(GDBusObjectManager *manager, GDBusObject *object, gpointer user_data)
{
	g_object_set_data(G_OBJECT(manager), "gs-ctl-removing", GINT_TO_POINTER(1));
	gs_ctl_watch_object_cb(manager, object, user_data);
	g_object_set_data(G_OBJECT(manager), "gs-ctl-removing", NULL);
}

static void
gs_ctl_watch_owner_cb(GObject *manager, GParamSpec *pspec, gpointer user_data)
{
	GsCtl *ctl = user_data;
	g_autofree gchar *owner =
		g_dbus_object_manager_client_get_name_owner(G_DBUS_OBJECT_MANAGER_CLIENT(manager));

	if (owner != NULL)
		return;
	g_printerr(_("grasp-syncd stopped\n"));
	ctl->exit_status = GS_CTL_EXIT_NOT_RUNNING;
	g_main_loop_quit(ctl->loop);
}

static gboolean
gs_ctl_watch_quit_cb(gpointer user_data)
{
	GsCtl *ctl = user_data;
	g_main_loop_quit(ctl->loop);
	return G_SOURCE_REMOVE;
}

static gint
gs_ctl_cmd_watch(GsCtl *ctl, gchar **args, GError **error)
{
	g_autoptr(GDBusObjectManager) manager = NULL;

	manager = gs_dbus_object_manager_client_new_for_bus_sync(
		ctl->bus_type,
		G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
		GS_DBUS_NAME,
		GS_DBUS_PATH,
		NULL,
		error);
	if (manager == NULL)
		return GS_CTL_EXIT_FAILED;
	g_signal_connect(manager,
			 "interface-proxy-properties-changed",
			 G_CALLBACK(gs_ctl_watch_properties_cb),
			 ctl);
	g_signal_connect(manager, "object-added", G_CALLBACK(gs_ctl_watch_object_cb), ctl);
	g_signal_connect(manager, "object-removed", G_CALLBACK(gs_ctl_watch_removed_cb), ctl);
	g_signal_connect(manager, "notify::name-owner", G_CALLBACK(gs_ctl_watch_owner_cb), ctl);
	ctl->loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, gs_ctl_watch_quit_cb, ctl);
	g_unix_signal_add(SIGTERM, gs_ctl_watch_quit_cb, ctl);
	if (!ctl->json) {
		g_print(_("Watching relay status changes; press Ctrl+C to stop\n"));
		fflush(stdout);
	}
	g_main_loop_run(ctl->loop);
	g_main_loop_unref(ctl->loop);
	return ctl->exit_status;
}

static const GsCtlCommand gs_ctl_commands[] = {
	{"status",
	 "",
	 0,
	 0,
	 gs_ctl_cmd_status,
	 N_("Show the daemon's state and a table of its relays")},
	{"relays", "", 0, 0, gs_ctl_cmd_relays, N_("List the relays followed")},
	{"relay",
	 N_("URL"),
	 1,
	 1,
	 gs_ctl_cmd_relay,
	 N_("Show one relay in detail, with its failed batches")},
	{"repos", "", 0, 0, gs_ctl_cmd_repos, N_("List the repositories synced")},
	{"watch", "", 0, 0, gs_ctl_cmd_watch, N_("Print relay status changes as they happen")},
	{"add-relay",
	 N_("URL"),
	 1,
	 1,
	 gs_ctl_cmd_add_relay,
	 N_("Follow a relay (--bootstrap: always)")},
	{"remove-relay", N_("URL"), 1, 1, gs_ctl_cmd_remove_relay, N_("Stop following a relay")},
	{"resync",
	 N_("[URL]"),
	 0,
	 1,
	 gs_ctl_cmd_resync,
	 N_("Sync a relay, or every relay, afresh")},
	{"retry-failed",
	 N_("URL"),
	 1,
	 1,
	 gs_ctl_cmd_retry_failed,
	 N_("Run a relay's failed batches again")},
	{"retry-home-refused",
	 "",
	 0,
	 0,
	 gs_ctl_cmd_retry_home_refused,
	 N_("Send the events the home relay refused again")},
	{"metrics", "", 0, 0, gs_ctl_cmd_metrics, N_("Print the Prometheus metrics")},
};

static gchar *
gs_ctl_commands_help(void)
{
	GString *str = g_string_new(_("Commands:"));

	for (guint i = 0; i < G_N_ELEMENTS(gs_ctl_commands); i++) {
		const GsCtlCommand *cmd = &gs_ctl_commands[i];
		g_autofree gchar *usage = g_strdup_printf(
			"%s %s", cmd->name, cmd->args[0] != '\0' ? _(cmd->args) : "");
		g_string_append_printf(str, "\n  %-20s %s", usage, _(cmd->description));
	}
	return g_string_free(str, FALSE);
}

/* the exit status for an error: the daemon went away, refused access, or refused the call */
static gint
gs_ctl_exit_for_error(const GError *error)
{
	if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
	    g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
	    g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_NO_REPLY))
		return GS_CTL_EXIT_NOT_RUNNING;
	if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
		return GS_CTL_EXIT_DENIED;
	return GS_CTL_EXIT_FAILED;
}

static gint
gs_ctl_run(GsCtl *ctl, const GsCtlCommand *cmd, gchar **args)
{
	g_autoptr(GError) error = NULL;
	gint rc;

	if (!gs_ctl_connect(ctl, &error)) {
		g_printerr("grasp-syncctl: %s\n", error->message);
		if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
			return GS_CTL_EXIT_DENIED;
		return GS_CTL_EXIT_NOT_RUNNING;
	}
	rc = cmd->func(ctl, args, &error);
	if (rc != GS_CTL_EXIT_OK && error != NULL) {
		g_dbus_error_strip_remote_error(error);
		if (g_error_matches(error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
			g_printerr("grasp-syncctl: %s\n%s\n",
				   error->message,
				   _("Control commands need root or membership of the grasp-sync "
				     "group."));
		else
			g_printerr("grasp-syncctl: %s\n", error->message);
		return gs_ctl_exit_for_error(error);
	}
	return rc;
}

static const GsCtlCommand *
gs_ctl_find_command(const gchar *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(gs_ctl_commands); i++) {
		if (g_strcmp0(gs_ctl_commands[i].name, name) == 0)
			return &gs_ctl_commands[i];
	}
	return NULL;
}

static gint
gs_ctl_usage_error(const gchar *message)
{
	g_printerr("grasp-syncctl: %s\n%s\n", message, _("See grasp-syncctl --help"));
	return GS_CTL_EXIT_USAGE;
}

int
main(int argc, char *argv[])
{
	GsCtl ctl = {0};
	gboolean version = FALSE;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *commands = NULL;
	const GsCtlCommand *cmd;
	guint n_args;
	const GOptionEntry entries[] = {
		{"json", 'j', 0, G_OPTION_ARG_NONE, &ctl.json, N_("Print JSON for scripts"), NULL},
		{"system",
		 0,
		 0,
		 G_OPTION_ARG_NONE,
		 &ctl.system,
		 N_("Talk to the daemon on the system bus (the default)"),
		 NULL},
		{"session",
		 0,
		 0,
		 G_OPTION_ARG_NONE,
		 &ctl.session,
		 N_("Talk to the daemon on the session bus"),
		 NULL},
		{"bootstrap",
		 0,
		 0,
		 G_OPTION_ARG_NONE,
		 &ctl.bootstrap,
		 N_("With add-relay: follow the relay always"),
		 NULL},
		{"version",
		 0,
		 0,
		 G_OPTION_ARG_NONE,
		 &version,
		 N_("Show the version and exit"),
		 NULL},
		{NULL}};

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	g_log_writer_default_set_use_stderr(TRUE);

	/* TRANSLATORS: the arguments in "grasp-syncctl [OPTION…] COMMAND [ARGUMENT]" */
	context = g_option_context_new(_("COMMAND [ARGUMENT]"));
	g_option_context_set_summary(context,
				     _("Control and inspect grasp-syncd, the GRASP sync daemon"));
	commands = gs_ctl_commands_help();
	g_option_context_set_description(context, commands);
	g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(context, &argc, &argv, &error))
		return gs_ctl_usage_error(error->message);
	if (version) {
		g_print("grasp-syncctl %s\n", PACKAGE_VERSION);
		return GS_CTL_EXIT_OK;
	}
	if (ctl.session && ctl.system)
		return gs_ctl_usage_error(_("--session cannot be used together with --system"));
	ctl.bus_type = ctl.session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM;
	if (argc < 2)
		return gs_ctl_usage_error(_("no command given"));
	cmd = gs_ctl_find_command(argv[1]);
	if (cmd == NULL) {
		g_autofree gchar *msg = g_strdup_printf(_("unknown command: %s"), argv[1]);
		return gs_ctl_usage_error(msg);
	}
	n_args = (guint)argc - 2;
	if (n_args < cmd->min_args || n_args > cmd->max_args) {
		g_autofree gchar *msg = g_strdup_printf(_("usage: grasp-syncctl %s %s"),
							cmd->name,
							cmd->args[0] != '\0' ? _(cmd->args) : "");
		return gs_ctl_usage_error(msg);
	}
	ctl.exit_status = GS_CTL_EXIT_OK;
	n_args = (guint)gs_ctl_run(&ctl, cmd, argv + 2);
	g_clear_object(&ctl.manager);
	return (gint)n_args;
}
