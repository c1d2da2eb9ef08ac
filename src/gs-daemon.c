/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsDaemon"

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gs-daemon-private.h"
#include "gs-daemon.h"
#include "gs-home-relay.h"
#include "gs-http-server.h"
#include "gs-identity.h"
#include "gs-ingest.h"
#include "gs-policy.h"
#include "gs-rejected-index.h"
#include "gs-relay-server.h"
#include "gs-relay-url.h"
#include "gs-store.h"
#include "gs-sync-manager.h"
#include "gs-sync-metrics.h"
#include "gs-sync-status.h"

enum { SIGNAL_FAILED, SIGNAL_LAST };
static guint signals[SIGNAL_LAST] = {0};

G_DEFINE_FINAL_TYPE(GsDaemon, gs_daemon, G_TYPE_OBJECT)

/* the SQLite file inside [store] path */
#define GS_DAEMON_STORE_FILE "grasp-sync.db"

static gboolean
gs_daemon_make_state_dir(GsDaemon *self, GError **error)
{
	if (g_mkdir_with_parents(self->state_dir, 0700) != 0) {
		gint errsv = errno;
		g_set_error(error,
			    G_IO_ERROR,
			    g_io_error_from_errno(errsv),
			    "failed to create state directory %s: %s",
			    self->state_dir,
			    g_strerror(errsv));
		return FALSE;
	}
	if (g_access(self->state_dir, W_OK) != 0) {
		gint errsv = errno;
		g_set_error(error,
			    G_IO_ERROR,
			    g_io_error_from_errno(errsv),
			    "cannot write to state directory %s: %s",
			    self->state_dir,
			    g_strerror(errsv));
		return FALSE;
	}
	return TRUE;
}

static void
gs_daemon_name_lost_cb(GsDbusService *service, gpointer user_data)
{
	GsDaemon *self = GS_DAEMON(user_data);

	if (gs_dbus_service_name_owned_elsewhere(service)) {
		g_signal_emit(self,
			      signals[SIGNAL_FAILED],
			      0,
			      "the D-Bus name " GS_DBUS_NAME " is taken");
		return;
	}
	/* refused by the bus (its policy for the name is not installed) or the bus went away:
	 * syncing and the HTTP surfaces go on; only the D-Bus interface is missing */
	g_warning("running without D-Bus: the bus did not let this process own %s (is "
		  "dev.graspsync.GraspSync1.conf installed in /usr/share/dbus-1/system.d? see "
		  "docs/operations.md)",
		  GS_DBUS_NAME);
}

/* [dbus] bus: system, session or none */
static gboolean
gs_daemon_start_dbus(GsDaemon *self, GError **error)
{
	const gchar *bus = gs_config_get_string(self->config, "dbus", "bus");
	g_autoptr(GError) local_error = NULL;

	if (g_strcmp0(bus, "none") == 0) {
		g_message("not using D-Bus ([dbus] bus=none)");
		return TRUE;
	}
	self->dbus_service = gs_dbus_service_new(self->provider, self->metrics);
	g_signal_connect(self->dbus_service, "name-lost", G_CALLBACK(gs_daemon_name_lost_cb), self);
	if (!gs_dbus_service_start(self->dbus_service,
				   g_strcmp0(bus, "session") == 0 ? G_BUS_TYPE_SESSION
								  : G_BUS_TYPE_SYSTEM,
				   &local_error)) {
		/* a machine without a running bus still gets its sync, relay endpoint and HTTP
		 * surfaces; [dbus] bus=none says so without the warning */
		g_warning("running without D-Bus: %s", local_error->message);
		g_clear_object(&self->dbus_service);
	}
	return TRUE;
}

/*
 * The operator surfaces (D-Bus, the status page and the live-state metrics) show the sync
 * engine's state, so they start only with a status provider. Before the engine exists there
 * is nothing true to show about relays: no relay is followed, so no D-Bus name is owned
 * rather than one that lists relays which never connect.
 */
static gboolean
gs_daemon_start_surfaces(GsDaemon *self, GError **error)
{
	if (self->provider == NULL) {
		g_message("no sync engine: D-Bus, /status and relay metrics are not served");
		return TRUE;
	}
	gs_sync_metrics_bind(self->metrics, self->provider);
	self->status_page = gs_status_page_new(self->provider, self->metrics);
	gs_status_page_attach(self->status_page, self->http);
	return gs_daemon_start_dbus(self, error);
}

static gboolean
gs_daemon_store_health_cb(gpointer user_data, GError **error)
{
	GsDaemon *self = GS_DAEMON(user_data);
	return self->store != NULL && gs_store_check_health(self->store, error);
}

static gboolean
gs_daemon_start_http(GsDaemon *self, GError **error)
{
	const gchar *listen = gs_config_get_string(self->config, "http", "listen");
	g_autofree gchar *uri = NULL;

	self->http = gs_http_server_new();
	gs_http_server_set_health_func(self->http, gs_daemon_store_health_cb, self);
	if (!gs_http_server_listen(self->http, listen, error))
		return FALSE;
	uri = gs_http_server_dup_uri(self->http);
	g_message("listening on %s", uri);
	return TRUE;
}

/* the acceptance policy from [sync]: service URLs, archive modes, blacklists; created at the
 * start, updated on reload */
static gboolean
gs_daemon_setup_policy(GsDaemon *self, GError **error)
{
	GsConfig *c = self->config;
	gboolean archive_all = g_strcmp0(gs_config_get_string(c, "sync", "archive"), "all") == 0;

	if (self->policy == NULL)
		self->policy = gs_policy_new(self->store);
	gs_policy_set_archive_mode(self->policy,
				   archive_all ? GS_ARCHIVE_MODE_ALL : GS_ARCHIVE_MODE_NONE);
	return gs_policy_set_service_urls(
		       self->policy, gs_config_get_strv(c, "sync", "service-urls"), error) &&
	       gs_policy_set_archive_pubkeys(
		       self->policy, gs_config_get_strv(c, "sync", "archive-pubkeys"), error) &&
	       gs_policy_set_archive_services(
		       self->policy, gs_config_get_strv(c, "sync", "archive-services"), error) &&
	       gs_policy_set_repository_blacklist(
		       self->policy,
		       gs_config_get_strv(c, "sync", "repository-blacklist"),
		       error) &&
	       gs_policy_set_event_blacklist(
		       self->policy, gs_config_get_strv(c, "sync", "event-blacklist"), error);
}

/* what every incoming event goes through: the policy, the rejected index and the ingest */
static gboolean
gs_daemon_start_ingest(GsDaemon *self, GError **error)
{
	GsConfig *c = self->config;

	if (!gs_daemon_setup_policy(self, error))
		return FALSE;
	self->rejected = gs_rejected_index_new(
		gs_config_get_int(c, "sync", "rejected-hot-cache-duration-secs"),
		gs_config_get_int(c, "sync", "rejected-cold-index-expiry-secs"));
	self->ingest = gs_ingest_new(self->store, self->policy, self->rejected);
	gs_ingest_set_max_event_bytes(self->ingest,
				      gs_config_get_int(c, "sync", "max-event-bytes"));
	return TRUE;
}

/* the relay endpoint on the HTTP server's `/`, with the [relay] limits */
static void
gs_daemon_start_relay(GsDaemon *self)
{
	GsConfig *c = self->config;
	GsRelayLimits limits;

	gs_relay_limits_init(&limits);
	limits.accept_events = gs_config_get_boolean(c, "relay", "accept-events");
	limits.default_limit = gs_config_get_int(c, "relay", "default-limit");
	limits.max_limit = gs_config_get_int(c, "relay", "max-limit");
	limits.max_message_bytes = gs_config_get_int(c, "relay", "max-message-bytes");
	limits.max_subscriptions = gs_config_get_int(c, "relay", "max-subscriptions");
	limits.max_filters = gs_config_get_int(c, "relay", "max-filters");
	limits.max_subid_length = gs_config_get_int(c, "relay", "max-subid-length");
	limits.max_connections = gs_config_get_int(c, "relay", "max-connections");
	limits.events_per_minute = gs_config_get_int(c, "relay", "events-per-minute");
	limits.max_sync_events = gs_config_get_int(c, "relay", "max-sync-events");
	limits.negentropy_frame_limit = gs_config_get_int(c, "relay", "negentropy-frame-limit");
	limits.max_checking_bytes = gs_config_get_int(c, "relay", "max-checking-bytes");
	limits.max_checking_bytes_total = gs_config_get_int(c, "relay", "max-checking-bytes-total");
	self->relay = gs_relay_server_new(self->store, self->ingest, &limits);
	gs_relay_server_set_info(self->relay,
				 "grasp-syncd",
				 "a synced copy of Nostr git repositories (NIP-34)",
				 NULL,
				 NULL);
	gs_relay_server_attach(self->relay, self->http);
}

/* the daemon's NIP-42 identity, created on first start */
static gboolean
gs_daemon_load_identity(GsDaemon *self, GError **error)
{
	g_autofree gchar *path = gs_config_dup_path(self->config, "identity", "secret-key-file");
	gboolean created = FALSE;

	if (!gs_identity_load(path, self->seckey, &created, error))
		return FALSE;
	if (created)
		g_message("created identity key %s", path);
	return TRUE;
}

/* where an event being stored came from, as the ingest knows it */
static const gchar *
gs_daemon_event_source_cb(GsEvent *event, gpointer user_data)
{
	GsDaemon *self = GS_DAEMON(user_data);
	return self->ingest != NULL ? gs_ingest_get_storing_source(self->ingest, event) : NULL;
}

/*
 * [home] relay: the GRASP server's own relay. Set up right after the store, so that every
 * event stored from then on is queued for it in the same transaction.
 */
static gboolean
gs_daemon_start_home(GsDaemon *self, GError **error)
{
	const gchar *url = gs_config_get_string(self->config, "home", "relay");
	GsHomeRelayOptions opts;

	if (url == NULL || url[0] == '\0')
		return TRUE;
	self->home_url = gs_relay_url_normalise(url, FALSE, error);
	if (self->home_url == NULL) {
		g_prefix_error(error, "[home] relay: ");
		return FALSE;
	}
	gs_home_relay_options_init(&opts);
	opts.max_in_flight = gs_config_get_int(self->config, "home", "max-in-flight");
	opts.ok_timeout_ms = gs_config_get_int(self->config, "home", "ok-timeout-secs") * 1000;
	opts.base_backoff_secs = gs_config_get_int(self->config, "sync", "base-backoff-secs");
	opts.max_backoff_secs = gs_config_get_int(self->config, "sync", "max-backoff-secs");
	opts.connect_timeout_ms = opts.base_backoff_secs * 1000;
	opts.negentropy_frame_limit =
		gs_config_get_int(self->config, "sync", "negentropy-frame-limit");
	opts.req_page_limit = gs_config_get_int(self->config, "sync", "req-page-limit");
	opts.disable_negentropy = gs_config_get_boolean(self->config, "sync", "disable-negentropy");
	opts.seckey = self->seckey;
	self->home = gs_home_relay_new(self->store, self->home_url, &opts, error);
	if (self->home == NULL)
		return FALSE;
	gs_home_relay_set_source_func(self->home, gs_daemon_event_source_cb, self);
	g_message("home relay %s", self->home_url);
	gs_home_relay_start(self->home);
	return TRUE;
}

/* the engine's options from the configuration, with the identity and the home relay */
static void
gs_daemon_sync_options(GsDaemon *self, GsSyncManagerOptions *opts)
{
	gs_sync_manager_options_init(opts);
	gs_sync_manager_options_load_config(opts, self->config);
	opts->seckey = self->seckey;
	/* home is a source too, followed like a bootstrap relay: what users push straight to
	 * the GRASP server is discovered at once */
	if (self->home_url != NULL &&
	    !g_strv_contains((const gchar *const *)opts->bootstrap_relays, self->home_url)) {
		g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
		g_strv_builder_addv(builder, (const gchar **)opts->bootstrap_relays);
		g_strv_builder_add(builder, self->home_url);
		g_strfreev(opts->bootstrap_relays);
		opts->bootstrap_relays = g_strv_builder_end(builder);
	}
}

/* the sync engine, last: it feeds the ingest from the relays it follows */
static gboolean
gs_daemon_start_sync(GsDaemon *self, GError **error)
{
	GsSyncManagerOptions opts;
	g_auto(GStrv) relays = NULL;
	g_autoptr(GsSyncStatus) status = NULL;

	gs_daemon_sync_options(self, &opts);
	self->sync = gs_sync_manager_new(self->store, self->ingest, self->rejected, &opts);
	gs_sync_manager_options_clear(&opts);
	if (!gs_sync_manager_start(self->sync, error))
		return FALSE;
	relays = gs_sync_manager_dup_relay_urls(self->sync);
	g_message("syncing from %u relays", g_strv_length(relays));
	/* what D-Bus, /status, the page and /metrics show of the engine (tests may have set
	 * a provider of their own before start) */
	if (self->provider == NULL) {
		status = gs_sync_status_new(
			self->sync, gs_config_get_strv(self->config, "sync", "service-urls"));
		gs_sync_status_bind_metrics(status, self->metrics);
		if (self->home != NULL)
			gs_sync_status_set_home(status, self->home);
		self->provider = GS_STATUS_PROVIDER(g_steal_pointer(&status));
	}
	gs_sync_metrics_bind_ingest(self->metrics, self->ingest, self->rejected);
	return TRUE;
}

/**
 * gs_daemon_start:
 *
 * Creates the state directory (mode 0700) and starts the parts in order. Call once, after
 * gs_daemon_setup().
 */
gboolean
gs_daemon_start(GsDaemon *self, GError **error)
{
	const gchar *filename = gs_config_get_filename(self->config);
	g_autofree gchar *store_dir = NULL;
	g_autofree gchar *store_path = NULL;

	g_return_val_if_fail(GS_IS_DAEMON(self), FALSE);
	g_return_val_if_fail(self->state_dir != NULL, FALSE);
	g_return_val_if_fail(!self->started, FALSE);

	if (!gs_daemon_make_state_dir(self, error))
		return FALSE;
	g_message("grasp-syncd %s starting", PACKAGE_VERSION);
	g_message("state directory %s", self->state_dir);
	if (gs_config_get_file_loaded(self->config))
		g_message("configuration file %s", filename);
	else
		g_message("configuration file %s not present, using the built-in defaults",
			  filename);

	/* the event store first: every later part needs it */
	store_dir = gs_config_dup_path(self->config, "store", "path");
	if (g_mkdir_with_parents(store_dir, 0700) != 0) {
		gint errsv = errno;
		g_set_error(error,
			    G_IO_ERROR,
			    g_io_error_from_errno(errsv),
			    "cannot create store directory %s: %s",
			    store_dir,
			    g_strerror(errsv));
		return FALSE;
	}
	store_path = g_build_filename(store_dir, GS_DAEMON_STORE_FILE, NULL);
	self->store = gs_store_new(store_path, error);
	if (self->store == NULL)
		return FALSE;
	g_message("event store %s", store_path);
	if (!gs_daemon_load_identity(self, error))
		return FALSE;
	if (!gs_daemon_start_home(self, error))
		return FALSE;
	if (!gs_daemon_start_ingest(self, error))
		return FALSE;
	if (!gs_daemon_start_http(self, error))
		return FALSE;
	gs_daemon_start_relay(self);
	if (!gs_daemon_start_sync(self, error))
		return FALSE;
	if (!gs_daemon_start_surfaces(self, error))
		return FALSE;
	self->started = TRUE;
	return TRUE;
}

/**
 * gs_daemon_reload:
 *
 * Reads the configuration file again (SIGHUP) and logs each effective change. A bad file
 * leaves the running configuration as it was and returns the error.
 */
gboolean
gs_daemon_reload(GsDaemon *self, GError **error)
{
	guint n_changed = 0;

	g_return_val_if_fail(GS_IS_DAEMON(self), FALSE);
	if (!gs_config_reload(self->config, &n_changed, error))
		return FALSE;
	if (self->policy != NULL && !gs_daemon_setup_policy(self, error))
		return FALSE;
	if (self->sync != NULL) {
		GsSyncManagerOptions opts;
		gs_daemon_sync_options(self, &opts);
		gs_sync_manager_reconfigure(self->sync, &opts);
		gs_sync_manager_options_clear(&opts);
	}
	g_message("configuration reloaded: %u %s",
		  n_changed,
		  n_changed == 1 ? "value changed" : "values changed");
	return TRUE;
}

/* stops the parts in the reverse order of gs_daemon_start(); safe to call twice */
void
gs_daemon_stop(GsDaemon *self)
{
	g_return_if_fail(GS_IS_DAEMON(self));
	/* also after a start that failed half-way; the sync engine first: it records when each
	 * relay was disconnected, so that a quick restart catches up */
	if (self->sync != NULL)
		gs_sync_manager_stop(self->sync);
	g_clear_object(&self->sync);
	if (self->relay != NULL)
		gs_relay_server_close_all(
			self->relay, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "shutting down");
	g_clear_object(&self->relay);
	if (self->http != NULL)
		gs_http_server_disconnect(self->http);
	if (self->dbus_service != NULL)
		gs_dbus_service_stop(self->dbus_service);
	g_clear_object(&self->http);
	if (self->ingest != NULL)
		gs_ingest_flush(self->ingest);
	/* after the last events were stored (and queued for home) */
	if (self->home != NULL)
		gs_home_relay_stop(self->home);
	g_clear_object(&self->home);
	g_clear_pointer(&self->home_url, g_free);
	g_clear_object(&self->ingest);
	g_clear_object(&self->rejected);
	g_clear_object(&self->policy);
	g_clear_object(&self->store);
	if (!self->started)
		return;
	self->started = FALSE;
	g_message("stopped");
}

GsConfig *
gs_daemon_get_config(GsDaemon *self)
{
	g_return_val_if_fail(GS_IS_DAEMON(self), NULL);
	return self->config;
}

/**
 * gs_daemon_get_state_dir:
 *
 * Returns: (nullable): the absolute state directory, known after gs_daemon_setup()
 */
const gchar *
gs_daemon_get_state_dir(GsDaemon *self)
{
	g_return_val_if_fail(GS_IS_DAEMON(self), NULL);
	return self->state_dir;
}

/**
 * gs_daemon_get_metrics:
 *
 * Returns: (transfer none): the registry with every family of sync spec section 11; the sync
 *   engine increments its counters
 */
GsMetrics *
gs_daemon_get_metrics(GsDaemon *self)
{
	g_return_val_if_fail(GS_IS_DAEMON(self), NULL);
	return self->metrics;
}

/**
 * gs_daemon_set_status_provider:
 *
 * Gives the daemon the sync engine's view for D-Bus, /status, the HTML page and the
 * live-state metrics. Call before gs_daemon_start().
 */
void
gs_daemon_set_status_provider(GsDaemon *self, GsStatusProvider *provider)
{
	g_return_if_fail(GS_IS_DAEMON(self));
	g_return_if_fail(!self->started);
	g_set_object(&self->provider, provider);
}

/**
 * gs_daemon_get_status_page:
 *
 * Returns: (transfer none) (nullable): the page to attach to the HTTP server with
 *   gs_status_page_attach(), once started with a status provider
 */
GsStatusPage *
gs_daemon_get_status_page(GsDaemon *self)
{
	g_return_val_if_fail(GS_IS_DAEMON(self), NULL);
	return self->status_page;
}

/**
 * gs_daemon_get_store:
 *
 * Returns: (transfer none) (nullable): the event store, once started
 */
GsStore *
gs_daemon_get_store(GsDaemon *self)
{
	g_return_val_if_fail(GS_IS_DAEMON(self), NULL);
	return self->store;
}

/**
 * gs_daemon_get_ingest:
 *
 * Returns: (transfer none) (nullable): the ingest every incoming event goes through, once
 *   started
 */
GsIngest *
gs_daemon_get_ingest(GsDaemon *self)
{
	g_return_val_if_fail(GS_IS_DAEMON(self), NULL);
	return self->ingest;
}

/**
 * gs_daemon_get_sync_manager:
 *
 * Returns: (transfer none) (nullable): the sync engine, once started (bench/sync watches it)
 */
GsSyncManager *
gs_daemon_get_sync_manager(GsDaemon *self)
{
	g_return_val_if_fail(GS_IS_DAEMON(self), NULL);
	return self->sync;
}

/* returns: (transfer none) (nullable): the D-Bus service when one runs */
GsDbusService *
gs_daemon_get_dbus_service(GsDaemon *self)
{
	g_return_val_if_fail(GS_IS_DAEMON(self), NULL);
	return self->dbus_service;
}

static void
gs_daemon_config_changed_cb(GsConfig *config,
			    const gchar *group,
			    const gchar *key,
			    gpointer user_data)
{
	g_autofree gchar *value = gs_config_dup_value_string(config, group, key);
	g_message("configuration [%s] %s is now %s", group, key, value != NULL ? value : "unset");
}

static void
gs_daemon_dispose(GObject *object)
{
	GsDaemon *self = GS_DAEMON(object);

	gs_daemon_stop(self);
	g_clear_object(&self->dbus_service);
	g_clear_object(&self->status_page);
	g_clear_object(&self->provider);
	g_clear_object(&self->metrics);
	g_clear_object(&self->config);
	G_OBJECT_CLASS(gs_daemon_parent_class)->dispose(object);
}

static void
gs_daemon_finalize(GObject *object)
{
	GsDaemon *self = GS_DAEMON(object);

	g_free(self->state_dir);
	g_free(self->opt_config);
	g_free(self->opt_state_dir);
	g_free(self->opt_listen);
	g_free(self->opt_archive);
	g_free(self->opt_bus);
	g_free(self->opt_bus_option);
	g_strfreev(self->opt_bootstrap_relays);
	g_strfreev(self->opt_service_urls);
	g_strfreev(self->opt_archive_pubkeys);
	g_free(self->opt_home_relay);
	g_free(self->home_url);
	memset(self->seckey, 0, sizeof(self->seckey));
	G_OBJECT_CLASS(gs_daemon_parent_class)->finalize(object);
}

static void
gs_daemon_class_init(GsDaemonClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = gs_daemon_dispose;
	object_class->finalize = gs_daemon_finalize;
	/* something the daemon cannot run without went away; the argument says what */
	signals[SIGNAL_FAILED] = g_signal_new("failed",
					      G_TYPE_FROM_CLASS(klass),
					      G_SIGNAL_RUN_LAST,
					      0,
					      NULL,
					      NULL,
					      NULL,
					      G_TYPE_NONE,
					      1,
					      G_TYPE_STRING);
}

static void
gs_daemon_init(GsDaemon *self)
{
	self->config = gs_config_new();
	self->metrics = gs_metrics_new();
	gs_sync_metrics_register(self->metrics);
	g_signal_connect(self->config, "changed", G_CALLBACK(gs_daemon_config_changed_cb), self);
}

GsDaemon *
gs_daemon_new(void)
{
	return g_object_new(GS_TYPE_DAEMON, NULL);
}
