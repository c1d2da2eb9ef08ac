/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsDbus"

#include "config.h"

#include "gs-dbus-generated.h"
#include "gs-dbus-service.h"
#include "gs-error.h"

typedef struct {
	GsDbusService *self; /* unowned: the service owns the entry */
	GsRelayStatus *status;
	GsDbusObjectSkeleton *object;
	GsDbusRelay *iface;
	GPtrArray *bindings; /* of GBinding, each ref'd */
	gchar *path;
} GsDbusRelayEntry;

struct _GsDbusService {
	GObject parent_instance;
	GsStatusProvider *provider;
	GsMetrics *metrics;
	GsDbusManager *manager;
	GDBusObjectManagerServer *server;
	GDBusConnection *connection;
	GHashTable *relays; /* url -> GsDbusRelayEntry */
	guint next_relay_id;
	guint owner_id;
};

enum { SIGNAL_NAME_ACQUIRED, SIGNAL_NAME_LOST, SIGNAL_LAST };
static guint signals[SIGNAL_LAST] = {0};

G_DEFINE_FINAL_TYPE(GsDbusService, gs_dbus_service, G_TYPE_OBJECT)

static void
gs_dbus_relay_entry_free(GsDbusRelayEntry *entry)
{
	for (guint i = 0; i < entry->bindings->len; i++)
		g_binding_unbind(g_ptr_array_index(entry->bindings, i));
	g_ptr_array_unref(entry->bindings);
	g_signal_handlers_disconnect_by_data(entry->status, entry->self);
	if (entry->self->server != NULL)
		g_dbus_object_manager_server_unexport(entry->self->server, entry->path);
	g_object_unref(entry->iface);
	g_object_unref(entry->object);
	g_object_unref(entry->status);
	g_free(entry->path);
	g_free(entry);
}

static void
gs_dbus_service_update_counts(GsDbusService *self)
{
	gs_dbus_manager_set_relay_count(self->manager, g_hash_table_size(self->relays));
	gs_dbus_manager_set_connected_relay_count(self->manager,
						  gs_status_provider_count_live(self->provider));
}

static gboolean
gs_dbus_status_to_uint(GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
	g_value_set_uint(to, (guint)g_value_get_enum(from));
	return TRUE;
}

static gboolean
gs_dbus_status_to_name(GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
	const gchar *nick = gs_connection_status_to_string(g_value_get_enum(from));
	g_value_set_string(to, nick != NULL ? nick : "");
	return TRUE;
}

static gboolean
gs_dbus_health_to_name(GBinding *binding, const GValue *from, GValue *to, gpointer user_data)
{
	const gchar *nick = gs_relay_health_to_string(g_value_get_enum(from));
	g_value_set_string(to, nick != NULL ? nick : "");
	return TRUE;
}

static void
gs_dbus_relay_entry_bind(GsDbusRelayEntry *entry)
{
	const gchar *same[] = {"consecutive-failures",
			       "is-bootstrap",
			       "last-connected",
			       "disconnected-at",
			       "historic-sync-completed",
			       "historic-sync-had-failures",
			       "pending-batches",
			       "failed-batches",
			       "supports-negentropy",
			       "next-retry-at"};
	/* enum properties go out both as a number and as their name */
	const struct {
		const gchar *source;
		const gchar *target;
		GBindingTransformFunc transform;
	} mapped[] = {
		{"status", "status", gs_dbus_status_to_uint},
		{"status", "status-name", gs_dbus_status_to_name},
		{"health", "health", gs_dbus_status_to_uint},
		{"health", "health-name", gs_dbus_health_to_name},
	};
	const GBindingFlags flags = G_BINDING_SYNC_CREATE;
	GBinding *b;

	for (guint i = 0; i < G_N_ELEMENTS(same); i++) {
		b = g_object_bind_property(entry->status, same[i], entry->iface, same[i], flags);
		g_ptr_array_add(entry->bindings, g_object_ref(b));
	}
	for (guint i = 0; i < G_N_ELEMENTS(mapped); i++) {
		b = g_object_bind_property_full(entry->status,
						mapped[i].source,
						entry->iface,
						mapped[i].target,
						flags,
						mapped[i].transform,
						NULL,
						NULL,
						NULL);
		g_ptr_array_add(entry->bindings, g_object_ref(b));
	}
}

typedef gboolean (*GsDbusRelayAction)(GsStatusProvider *provider, const gchar *url, GError **error);

static void
gs_dbus_relay_run(GsDbusRelayEntry *entry,
		  GDBusMethodInvocation *invocation,
		  const gchar *what,
		  GsDbusRelayAction action)
{
	const gchar *url = gs_relay_status_get_url(entry->status);
	g_autoptr(GError) error = NULL;

	if (!action(entry->self->provider, url, &error)) {
		g_dbus_method_invocation_return_gerror(invocation, error);
		return;
	}
	g_message("%s asked to %s %s", g_dbus_method_invocation_get_sender(invocation), what, url);
	g_dbus_method_invocation_return_value(invocation, NULL);
}

static gboolean
gs_dbus_relay_reconnect_cb(GsDbusRelay *iface, GDBusMethodInvocation *invocation, gpointer data)
{
	gs_dbus_relay_run(data, invocation, "reconnect", gs_status_provider_reconnect);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
gs_dbus_relay_resync_cb(GsDbusRelay *iface, GDBusMethodInvocation *invocation, gpointer data)
{
	gs_dbus_relay_run(data, invocation, "resync", gs_status_provider_resync);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
gs_dbus_relay_retry_failed_cb(GsDbusRelay *iface, GDBusMethodInvocation *invocation, gpointer data)
{
	gs_dbus_relay_run(
		data, invocation, "retry the failed batches of", gs_status_provider_retry_failed);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
gs_dbus_relay_disconnect_cb(GsDbusRelay *iface, GDBusMethodInvocation *invocation, gpointer data)
{
	gs_dbus_relay_run(data, invocation, "disconnect", gs_status_provider_disconnect);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
gs_dbus_relay_status_notify_cb(GsRelayStatus *status, GParamSpec *pspec, gpointer user_data)
{
	gs_dbus_service_update_counts(GS_DBUS_SERVICE(user_data));
}

static GsDbusRelayEntry *
gs_dbus_service_add_entry(GsDbusService *self, GsRelayStatus *status)
{
	GsDbusRelayEntry *entry = g_new0(GsDbusRelayEntry, 1);

	entry->self = self;
	entry->status = g_object_ref(status);
	entry->path = g_strdup_printf("%s/%u", GS_DBUS_RELAY_DIR, self->next_relay_id++);
	entry->object = gs_dbus_object_skeleton_new(entry->path);
	entry->iface = gs_dbus_relay_skeleton_new();
	entry->bindings = g_ptr_array_new_with_free_func(g_object_unref);
	gs_dbus_relay_set_url(entry->iface, gs_relay_status_get_url(status));
	gs_dbus_relay_entry_bind(entry);
	g_signal_connect(
		entry->iface, "handle-reconnect", G_CALLBACK(gs_dbus_relay_reconnect_cb), entry);
	g_signal_connect(entry->iface, "handle-resync", G_CALLBACK(gs_dbus_relay_resync_cb), entry);
	g_signal_connect(entry->iface,
			 "handle-retry-failed",
			 G_CALLBACK(gs_dbus_relay_retry_failed_cb),
			 entry);
	g_signal_connect(
		entry->iface, "handle-disconnect", G_CALLBACK(gs_dbus_relay_disconnect_cb), entry);
	g_signal_connect(
		status, "notify::status", G_CALLBACK(gs_dbus_relay_status_notify_cb), self);
	gs_dbus_object_skeleton_set_relay(entry->object, entry->iface);
	g_hash_table_insert(self->relays, g_strdup(gs_relay_status_get_url(status)), entry);
	g_dbus_object_manager_server_export(self->server, G_DBUS_OBJECT_SKELETON(entry->object));
	gs_dbus_service_update_counts(self);
	g_debug("relay %s is %s", gs_relay_status_get_url(status), entry->path);
	return entry;
}

static void
gs_dbus_service_relay_added_cb(GsStatusProvider *provider,
			       GsRelayStatus *status,
			       gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	if (!g_hash_table_contains(self->relays, gs_relay_status_get_url(status)))
		gs_dbus_service_add_entry(self, status);
}

static void
gs_dbus_service_relay_removed_cb(GsStatusProvider *provider,
				 GsRelayStatus *status,
				 gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	g_hash_table_remove(self->relays, gs_relay_status_get_url(status));
	gs_dbus_service_update_counts(self);
}

/**
 * gs_dbus_service_dup_relay_path:
 *
 * Returns: (transfer full) (nullable): the object path of the relay with this normalised URL
 */
gchar *
gs_dbus_service_dup_relay_path(GsDbusService *self, const gchar *url)
{
	GsDbusRelayEntry *entry;

	g_return_val_if_fail(GS_IS_DBUS_SERVICE(self), NULL);
	entry = g_hash_table_lookup(self->relays, url);
	return entry != NULL ? g_strdup(entry->path) : NULL;
}

static gboolean
gs_dbus_manager_add_relay_cb(GsDbusManager *manager,
			     GDBusMethodInvocation *invocation,
			     const gchar *url,
			     gboolean bootstrap,
			     gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *normal = NULL;
	GsDbusRelayEntry *entry;

	normal = gs_status_provider_add_relay(self->provider, url, bootstrap, &error);
	if (normal == NULL) {
		g_dbus_method_invocation_return_gerror(invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	g_message("%s asked to follow %s%s",
		  g_dbus_method_invocation_get_sender(invocation),
		  normal,
		  bootstrap ? " as a bootstrap relay" : "");
	entry = g_hash_table_lookup(self->relays, normal);
	if (entry == NULL) {
		/* the provider may add it later than the call returns; publish it now */
		g_autoptr(GsRelayStatus) status =
			gs_status_provider_lookup_relay(self->provider, normal);
		if (status == NULL) {
			g_dbus_method_invocation_return_error(invocation,
							      GS_ERROR,
							      GS_ERROR_INTERNAL,
							      "relay %s was not added",
							      normal);
			return G_DBUS_METHOD_INVOCATION_HANDLED;
		}
		entry = gs_dbus_service_add_entry(self, status);
	}
	gs_dbus_manager_complete_add_relay(manager, invocation, entry->path);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

typedef gboolean (*GsDbusUrlAction)(GsStatusProvider *provider, const gchar *url, GError **error);

static gboolean
gs_dbus_manager_run(GsDbusService *self,
		    GDBusMethodInvocation *invocation,
		    const gchar *what,
		    GsDbusUrlAction action,
		    const gchar *url)
{
	g_autoptr(GError) error = NULL;

	if (!action(self->provider, url, &error)) {
		g_dbus_method_invocation_return_gerror(invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	g_message("%s asked to %s %s", g_dbus_method_invocation_get_sender(invocation), what, url);
	g_dbus_method_invocation_return_value(invocation, NULL);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
gs_dbus_manager_remove_relay_cb(GsDbusManager *manager,
				GDBusMethodInvocation *invocation,
				const gchar *url,
				gpointer user_data)
{
	return gs_dbus_manager_run(
		user_data, invocation, "remove", gs_status_provider_remove_relay, url);
}

static gboolean
gs_dbus_manager_resync_cb(GsDbusManager *manager,
			  GDBusMethodInvocation *invocation,
			  const gchar *url,
			  gpointer user_data)
{
	return gs_dbus_manager_run(user_data, invocation, "resync", gs_status_provider_resync, url);
}

static gboolean
gs_dbus_manager_retry_failed_cb(GsDbusManager *manager,
				GDBusMethodInvocation *invocation,
				const gchar *url,
				gpointer user_data)
{
	return gs_dbus_manager_run(user_data,
				   invocation,
				   "retry the failed batches of",
				   gs_status_provider_retry_failed,
				   url);
}

static gboolean
gs_dbus_manager_resync_all_cb(GsDbusManager *manager,
			      GDBusMethodInvocation *invocation,
			      gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	g_autoptr(GError) error = NULL;

	if (!gs_status_provider_resync_all(self->provider, &error)) {
		g_dbus_method_invocation_return_gerror(invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	g_message("%s asked to resync every relay",
		  g_dbus_method_invocation_get_sender(invocation));
	gs_dbus_manager_complete_resync_all(manager, invocation);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
gs_dbus_manager_get_status_cb(GsDbusManager *manager,
			      GDBusMethodInvocation *invocation,
			      gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	g_autoptr(GVariant) summary =
		gs_status_provider_dup_summary(self->provider, PACKAGE_VERSION);

	gs_dbus_manager_complete_get_status(manager, invocation, summary);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
gs_dbus_manager_list_relays_cb(GsDbusManager *manager,
			       GDBusMethodInvocation *invocation,
			       gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	g_autoptr(GPtrArray) relays = gs_status_provider_dup_relays(self->provider);
	GVariantBuilder builder;

	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{sv}"));
	for (guint i = 0; i < relays->len; i++) {
		GsRelayStatus *status = g_ptr_array_index(relays, i);
		g_autoptr(GVariant) record = gs_relay_status_to_variant(status);
		GsDbusRelayEntry *entry =
			g_hash_table_lookup(self->relays, gs_relay_status_get_url(status));
		GVariantDict dict;

		g_variant_dict_init(&dict, record);
		if (entry != NULL)
			g_variant_dict_insert(&dict, "ObjectPath", "o", entry->path);
		g_variant_builder_add_value(&builder, g_variant_dict_end(&dict));
	}
	gs_dbus_manager_complete_list_relays(manager, invocation, g_variant_builder_end(&builder));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
gs_dbus_manager_list_repos_cb(GsDbusManager *manager,
			      GDBusMethodInvocation *invocation,
			      gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	g_autoptr(GPtrArray) repos = gs_status_provider_dup_repos(self->provider);
	GVariantBuilder builder;

	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{sv}"));
	for (guint i = 0; i < repos->len; i++) {
		g_autoptr(GVariant) record = gs_repo_info_to_variant(g_ptr_array_index(repos, i));
		g_variant_builder_add_value(&builder, record);
	}
	gs_dbus_manager_complete_list_repos(manager, invocation, g_variant_builder_end(&builder));
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static gboolean
gs_dbus_manager_get_metrics_cb(GsDbusManager *manager,
			       GDBusMethodInvocation *invocation,
			       gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	g_autofree gchar *text = gs_metrics_render(self->metrics);

	gs_dbus_manager_complete_get_metrics(manager, invocation, text);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
gs_dbus_service_service_urls_cb(GObject *provider, GParamSpec *pspec, gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	g_auto(GStrv) urls = gs_status_provider_dup_service_urls(self->provider);
	gs_dbus_manager_set_service_urls(self->manager, (const gchar *const *)urls);
}

/* the Home* properties from the provider's home relay record (empty and 0 without one) */
static void
gs_dbus_service_home_changed_cb(GsStatusProvider *provider, gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	g_autoptr(GVariant) home = gs_status_provider_dup_home(self->provider);
	const gchar *url = "";
	guint64 pending = 0, refused = 0;

	if (home != NULL) {
		g_variant_lookup(home, "Url", "&s", &url);
		g_variant_lookup(home, "OutboxPending", "t", &pending);
		g_variant_lookup(home, "OutboxRefused", "t", &refused);
	}
	gs_dbus_manager_set_home_relay(self->manager, url);
	gs_dbus_manager_set_home_outbox_pending(self->manager, pending);
	gs_dbus_manager_set_home_refused(self->manager, refused);
}

static gboolean
gs_dbus_manager_retry_home_refused_cb(GsDbusManager *manager,
				      GDBusMethodInvocation *invocation,
				      gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	g_autoptr(GError) error = NULL;
	guint n = 0;

	if (!gs_status_provider_retry_home_refused(self->provider, &n, &error)) {
		g_dbus_method_invocation_return_gerror(invocation, error);
		return G_DBUS_METHOD_INVOCATION_HANDLED;
	}
	g_message("%s asked to retry the %u events the home relay refused",
		  g_dbus_method_invocation_get_sender(invocation),
		  n);
	gs_dbus_manager_complete_retry_home_refused(manager, invocation, n);
	gs_dbus_service_home_changed_cb(self->provider, self);
	return G_DBUS_METHOD_INVOCATION_HANDLED;
}

static void
gs_dbus_service_repo_count_cb(GObject *provider, GParamSpec *pspec, gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	gs_dbus_manager_set_repo_count(self->manager,
				       gs_status_provider_get_repo_count(self->provider));
}

static void
gs_dbus_service_connect_manager(GsDbusService *self)
{
	const struct {
		const gchar *signal;
		GCallback callback;
	} handlers[] = {
		{"handle-add-relay", G_CALLBACK(gs_dbus_manager_add_relay_cb)},
		{"handle-remove-relay", G_CALLBACK(gs_dbus_manager_remove_relay_cb)},
		{"handle-resync", G_CALLBACK(gs_dbus_manager_resync_cb)},
		{"handle-resync-all", G_CALLBACK(gs_dbus_manager_resync_all_cb)},
		{"handle-retry-failed", G_CALLBACK(gs_dbus_manager_retry_failed_cb)},
		{"handle-retry-home-refused", G_CALLBACK(gs_dbus_manager_retry_home_refused_cb)},
		{"handle-get-status", G_CALLBACK(gs_dbus_manager_get_status_cb)},
		{"handle-list-relays", G_CALLBACK(gs_dbus_manager_list_relays_cb)},
		{"handle-list-repos", G_CALLBACK(gs_dbus_manager_list_repos_cb)},
		{"handle-get-metrics", G_CALLBACK(gs_dbus_manager_get_metrics_cb)},
	};

	for (guint i = 0; i < G_N_ELEMENTS(handlers); i++)
		g_signal_connect(self->manager, handlers[i].signal, handlers[i].callback, self);
	g_signal_connect_object(self->provider,
				"notify::service-urls",
				G_CALLBACK(gs_dbus_service_service_urls_cb),
				self,
				0);
	g_signal_connect_object(self->provider,
				"notify::repo-count",
				G_CALLBACK(gs_dbus_service_repo_count_cb),
				self,
				0);
	g_signal_connect_object(self->provider,
				"home-changed",
				G_CALLBACK(gs_dbus_service_home_changed_cb),
				self,
				0);
	g_signal_connect_object(
		self->provider, "relay-added", G_CALLBACK(gs_dbus_service_relay_added_cb), self, 0);
	g_signal_connect_object(self->provider,
				"relay-removed",
				G_CALLBACK(gs_dbus_service_relay_removed_cb),
				self,
				0);
}

/**
 * gs_dbus_service_export:
 *
 * Exports the manager and the relay objects on @connection; no name is owned yet.
 */
gboolean
gs_dbus_service_export(GsDbusService *self, GDBusConnection *connection, GError **error)
{
	g_return_val_if_fail(GS_IS_DBUS_SERVICE(self), FALSE);
	g_return_val_if_fail(self->connection == NULL, FALSE);

	if (!g_dbus_interface_skeleton_export(
		    G_DBUS_INTERFACE_SKELETON(self->manager), connection, GS_DBUS_PATH, error)) {
		g_prefix_error(error, "failed to export %s: ", GS_DBUS_PATH);
		return FALSE;
	}
	g_dbus_object_manager_server_set_connection(self->server, connection);
	self->connection = g_object_ref(connection);
	return TRUE;
}

static void
gs_dbus_service_name_acquired_cb(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	g_message("owning %s on %s", name, g_dbus_connection_get_unique_name(connection));
	g_signal_emit(self, signals[SIGNAL_NAME_ACQUIRED], 0);
}

static void
gs_dbus_service_name_lost_cb(GDBusConnection *connection, const gchar *name, gpointer user_data)
{
	GsDbusService *self = GS_DBUS_SERVICE(user_data);
	g_message("lost or could not own the D-Bus name %s", name);
	g_signal_emit(self, signals[SIGNAL_NAME_LOST], 0);
}

/* asks for GS_DBUS_NAME on the exported connection; `name-acquired` or `name-lost` follows */
void
gs_dbus_service_own_name(GsDbusService *self)
{
	g_return_if_fail(GS_IS_DBUS_SERVICE(self));
	g_return_if_fail(self->connection != NULL);
	g_return_if_fail(self->owner_id == 0);
	self->owner_id = g_bus_own_name_on_connection(self->connection,
						      GS_DBUS_NAME,
						      G_BUS_NAME_OWNER_FLAGS_NONE,
						      gs_dbus_service_name_acquired_cb,
						      gs_dbus_service_name_lost_cb,
						      self,
						      NULL);
}

/**
 * gs_dbus_service_start:
 *
 * Connects to the system or session bus on a connection of its own (nothing else in the
 * process shares its objects), exports the objects and asks for the name. The connection is
 * made synchronously, once, at start-up.
 */
gboolean
gs_dbus_service_start(GsDbusService *self, GBusType bus_type, GError **error)
{
	g_autoptr(GDBusConnection) connection = NULL;
	g_autofree gchar *address = NULL;
	const gchar *name = bus_type == G_BUS_TYPE_SYSTEM ? "system" : "session";

	g_return_val_if_fail(GS_IS_DBUS_SERVICE(self), FALSE);
	address = g_dbus_address_get_for_bus_sync(bus_type, NULL, error);
	if (address == NULL) {
		g_prefix_error(error, "cannot find the %s bus: ", name);
		return FALSE;
	}
	connection = g_dbus_connection_new_for_address_sync(
		address,
		G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
			G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
		NULL,
		NULL,
		error);
	if (connection == NULL) {
		g_prefix_error(error, "cannot connect to the %s bus: ", name);
		return FALSE;
	}
	if (!gs_dbus_service_export(self, connection, error))
		return FALSE;
	gs_dbus_service_own_name(self);
	return TRUE;
}

/**
 * gs_dbus_service_name_owned_elsewhere:
 *
 * After `name-lost`: whether another connection owns the name (another grasp-syncd), as
 * opposed to the bus refusing it to us (no bus policy installed) or the bus going away.
 */
gboolean
gs_dbus_service_name_owned_elsewhere(GsDbusService *self)
{
	g_autoptr(GVariant) reply = NULL;
	const gchar *owner = NULL;

	g_return_val_if_fail(GS_IS_DBUS_SERVICE(self), FALSE);
	if (self->connection == NULL || g_dbus_connection_is_closed(self->connection))
		return FALSE;
	reply = g_dbus_connection_call_sync(self->connection,
					    "org.freedesktop.DBus",
					    "/org/freedesktop/DBus",
					    "org.freedesktop.DBus",
					    "GetNameOwner",
					    g_variant_new("(s)", GS_DBUS_NAME),
					    G_VARIANT_TYPE("(s)"),
					    G_DBUS_CALL_FLAGS_NONE,
					    5000,
					    NULL,
					    NULL);
	if (reply == NULL)
		return FALSE;
	g_variant_get(reply, "(&s)", &owner);
	return g_strcmp0(owner, g_dbus_connection_get_unique_name(self->connection)) != 0;
}

/* releases the name and unexports everything; safe to call twice */
void
gs_dbus_service_stop(GsDbusService *self)
{
	g_return_if_fail(GS_IS_DBUS_SERVICE(self));
	g_clear_handle_id(&self->owner_id, g_bus_unown_name);
	if (self->connection == NULL)
		return;
	g_dbus_interface_skeleton_unexport(G_DBUS_INTERFACE_SKELETON(self->manager));
	g_dbus_object_manager_server_set_connection(self->server, NULL);
	g_dbus_connection_flush_sync(self->connection, NULL, NULL);
	g_clear_object(&self->connection);
}

static void
gs_dbus_service_dispose(GObject *object)
{
	GsDbusService *self = GS_DBUS_SERVICE(object);

	gs_dbus_service_stop(self);
	if (self->relays != NULL)
		g_hash_table_remove_all(self->relays);
	g_clear_object(&self->manager);
	g_clear_object(&self->server);
	g_clear_object(&self->provider);
	g_clear_object(&self->metrics);
	G_OBJECT_CLASS(gs_dbus_service_parent_class)->dispose(object);
}

static void
gs_dbus_service_finalize(GObject *object)
{
	GsDbusService *self = GS_DBUS_SERVICE(object);

	g_hash_table_unref(self->relays);
	G_OBJECT_CLASS(gs_dbus_service_parent_class)->finalize(object);
}

static void
gs_dbus_service_class_init(GsDbusServiceClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = gs_dbus_service_dispose;
	object_class->finalize = gs_dbus_service_finalize;
	signals[SIGNAL_NAME_ACQUIRED] = g_signal_new("name-acquired",
						     G_TYPE_FROM_CLASS(klass),
						     G_SIGNAL_RUN_LAST,
						     0,
						     NULL,
						     NULL,
						     NULL,
						     G_TYPE_NONE,
						     0);
	signals[SIGNAL_NAME_LOST] = g_signal_new("name-lost",
						 G_TYPE_FROM_CLASS(klass),
						 G_SIGNAL_RUN_LAST,
						 0,
						 NULL,
						 NULL,
						 NULL,
						 G_TYPE_NONE,
						 0);
}

static void
gs_dbus_service_init(GsDbusService *self)
{
	self->relays = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)gs_dbus_relay_entry_free);
	self->manager = gs_dbus_manager_skeleton_new();
	self->server = g_dbus_object_manager_server_new(GS_DBUS_PATH);
	gs_dbus_manager_set_version(self->manager, PACKAGE_VERSION);
}

/**
 * gs_dbus_service_new:
 *
 * Publishes the provider's relays as objects at once; nothing is on a bus until
 * gs_dbus_service_export() or gs_dbus_service_start().
 */
GsDbusService *
gs_dbus_service_new(GsStatusProvider *provider, GsMetrics *metrics)
{
	GsDbusService *self;
	g_autoptr(GPtrArray) relays = NULL;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(provider), NULL);
	g_return_val_if_fail(GS_IS_METRICS(metrics), NULL);
	self = g_object_new(GS_TYPE_DBUS_SERVICE, NULL);
	self->provider = g_object_ref(provider);
	self->metrics = g_object_ref(metrics);
	gs_dbus_service_connect_manager(self);
	gs_dbus_service_service_urls_cb(NULL, NULL, self);
	gs_dbus_service_repo_count_cb(NULL, NULL, self);
	gs_dbus_service_home_changed_cb(provider, self);
	relays = gs_status_provider_dup_relays(provider);
	for (guint i = 0; i < relays->len; i++)
		gs_dbus_service_add_entry(self, g_ptr_array_index(relays, i));
	gs_dbus_service_update_counts(self);
	return self;
}
