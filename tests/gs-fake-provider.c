/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsFake"

#include "config.h"

#include "gs-error.h"
#include "gs-fake-provider.h"

struct _GsFakeProvider {
	GObject parent_instance;
	GPtrArray *relays; /* of GsRelayStatus */
	GPtrArray *repos;  /* of GsRepoInfo */
	GPtrArray *log;	   /* of gchar* */
	GStrv service_urls;
	gint64 started_at;
	guint repo_count;
	guint root_count;
	gboolean busy;
	GVariant *home; /* a{sv}, NULL: no home relay */
};

enum { PROP_0, PROP_SERVICE_URLS, PROP_STARTED_AT, PROP_REPO_COUNT, PROP_ROOT_COUNT };

static void
gs_fake_provider_iface_init(GsStatusProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(GsFakeProvider,
			      gs_fake_provider,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(GS_TYPE_STATUS_PROVIDER,
						    gs_fake_provider_iface_init))

/**
 * gs_fake_provider_set_home:
 * @url: (nullable): the home relay, or %NULL for none
 *
 * A home relay record as GsSyncStatus gives it: @pending and @refused events, 1,000 delivered,
 * the refusals all `blocked`, one reconciliation.
 */
void
gs_fake_provider_set_home(GsFakeProvider *self,
			  const gchar *url,
			  gboolean connected,
			  guint64 pending,
			  guint64 refused)
{
	GVariantBuilder published, refusals;
	GVariantDict dict;

	g_clear_pointer(&self->home, g_variant_unref);
	if (url != NULL) {
		g_variant_builder_init(&published, G_VARIANT_TYPE("a{st}"));
		g_variant_builder_add(&published, "{st}", "delivered", (guint64)1000);
		g_variant_builder_add(&published, "{st}", "duplicate", (guint64)7);
		g_variant_builder_add(&published, "{st}", "refused", refused);
		g_variant_builder_add(&published, "{st}", "retried", (guint64)12);
		g_variant_builder_init(&refusals, G_VARIANT_TYPE("a{st}"));
		g_variant_builder_add(&refusals, "{st}", "blocked", refused);
		g_variant_dict_init(&dict, NULL);
		g_variant_dict_insert(&dict, "Url", "s", url);
		g_variant_dict_insert(&dict, "Connected", "b", connected);
		g_variant_dict_insert(&dict, "OutboxPending", "t", pending);
		g_variant_dict_insert(&dict, "OutboxRefused", "t", refused);
		g_variant_dict_insert(
			&dict, "OldestPendingSeconds", "t", pending > 0 ? (guint64)95 : 0);
		g_variant_dict_insert(&dict, "InFlight", "u", (guint)MIN(pending, 100));
		g_variant_dict_insert(&dict, "Window", "u", 100u);
		g_variant_dict_insert_value(&dict, "Published", g_variant_builder_end(&published));
		g_variant_dict_insert_value(&dict, "Refusals", g_variant_builder_end(&refusals));
		g_variant_dict_insert(&dict, "Reconciliations", "t", (guint64)1);
		g_variant_dict_insert(&dict, "Reconciled", "t", (guint64)0);
		g_variant_dict_insert(&dict, "LastReconciliation", "x", (gint64)GS_FAKE_STARTED_AT);
		self->home = g_variant_ref_sink(g_variant_dict_end(&dict));
	}
	g_signal_emit_by_name(self, "home-changed");
}

/* returns: (transfer none) (nullable): */
GsRelayStatus *
gs_fake_provider_get(GsFakeProvider *self, const gchar *url)
{
	for (guint i = 0; i < self->relays->len; i++) {
		GsRelayStatus *relay = g_ptr_array_index(self->relays, i);
		if (g_strcmp0(gs_relay_status_get_url(relay), url) == 0)
			return relay;
	}
	return NULL;
}

void
gs_fake_provider_add(GsFakeProvider *self, GsRelayStatus *relay)
{
	g_ptr_array_add(self->relays, g_object_ref(relay));
	g_signal_emit_by_name(self, "relay-added", relay);
}

void
gs_fake_provider_remove(GsFakeProvider *self, const gchar *url)
{
	g_autoptr(GsRelayStatus) relay = NULL;
	GsRelayStatus *found = gs_fake_provider_get(self, url);

	g_assert_nonnull(found);
	relay = g_object_ref(found);
	g_ptr_array_remove(self->relays, found);
	g_signal_emit_by_name(self, "relay-removed", relay);
}

void
gs_fake_provider_set_counts(GsFakeProvider *self, guint repos, guint roots)
{
	if (self->repo_count != repos) {
		self->repo_count = repos;
		g_object_notify(G_OBJECT(self), "repo-count");
	}
	if (self->root_count != roots) {
		self->root_count = roots;
		g_object_notify(G_OBJECT(self), "root-count");
	}
}

void
gs_fake_provider_set_busy(GsFakeProvider *self, gboolean busy)
{
	self->busy = busy;
}

/* returns: (transfer none) (element-type utf8): the actions performed, oldest first */
GPtrArray *
gs_fake_provider_get_log(GsFakeProvider *self)
{
	return self->log;
}

static gboolean
gs_fake_provider_record(GsFakeProvider *self, const gchar *action, const gchar *url, GError **error)
{
	if (self->busy) {
		g_set_error(error, GS_ERROR, GS_ERROR_BUSY, "%s: the engine is busy", action);
		return FALSE;
	}
	g_ptr_array_add(self->log,
			url != NULL ? g_strdup_printf("%s %s", action, url) : g_strdup(action));
	return TRUE;
}

static GPtrArray *
gs_fake_provider_dup_relays(GsStatusProvider *provider)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(provider);
	GPtrArray *copy = g_ptr_array_new_with_free_func(g_object_unref);

	for (guint i = 0; i < self->relays->len; i++)
		g_ptr_array_add(copy, g_object_ref(g_ptr_array_index(self->relays, i)));
	return copy;
}

static GPtrArray *
gs_fake_provider_dup_repos(GsStatusProvider *provider)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(provider);
	GPtrArray *copy = g_ptr_array_new_with_free_func((GDestroyNotify)gs_repo_info_free);

	for (guint i = 0; i < self->repos->len; i++)
		g_ptr_array_add(copy, gs_repo_info_copy(g_ptr_array_index(self->repos, i)));
	return copy;
}

static gboolean
gs_fake_provider_add_relay(GsStatusProvider *provider,
			   const gchar *url,
			   gboolean bootstrap,
			   GError **error)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(provider);
	GsRelayStatus *existing = gs_fake_provider_get(self, url);
	g_autoptr(GsRelayStatus) relay = NULL;

	if (!gs_fake_provider_record(self, "add-relay", url, error))
		return FALSE;
	if (existing != NULL) {
		g_object_set(existing, "is-bootstrap", bootstrap, NULL);
		return TRUE;
	}
	relay = gs_relay_status_new(url);
	g_object_set(relay, "is-bootstrap", bootstrap, NULL);
	gs_fake_provider_add(self, relay);
	return TRUE;
}

static gboolean
gs_fake_provider_remove_relay(GsStatusProvider *provider, const gchar *url, GError **error)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(provider);

	if (gs_relay_status_get_is_bootstrap(gs_fake_provider_get(self, url))) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "%s is a bootstrap relay; remove it from the configuration",
			    url);
		return FALSE;
	}
	if (!gs_fake_provider_record(self, "remove-relay", url, error))
		return FALSE;
	gs_fake_provider_remove(self, url);
	return TRUE;
}

/* a fresh start: live relays go back to syncing, disconnected ones wait for their connect */
static void
gs_fake_provider_restart(GsRelayStatus *relay)
{
	if (gs_relay_status_is_live(relay))
		gs_relay_status_set_status(relay, GS_CONNECTION_STATUS_SYNCING);
	g_object_set(relay, "historic-sync-completed", FALSE, NULL);
}

static gboolean
gs_fake_provider_resync(GsStatusProvider *provider, const gchar *url, GError **error)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(provider);

	if (!gs_fake_provider_record(self, "resync", url, error))
		return FALSE;
	gs_fake_provider_restart(gs_fake_provider_get(self, url));
	return TRUE;
}

static gboolean
gs_fake_provider_resync_all(GsStatusProvider *provider, GError **error)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(provider);

	if (!gs_fake_provider_record(self, "resync-all", NULL, error))
		return FALSE;
	for (guint i = 0; i < self->relays->len; i++)
		gs_fake_provider_restart(g_ptr_array_index(self->relays, i));
	return TRUE;
}

/* the failed batches succeed this time: connected-degraded becomes connected */
static gboolean
gs_fake_provider_retry_failed(GsStatusProvider *provider, const gchar *url, GError **error)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(provider);
	GsRelayStatus *relay = gs_fake_provider_get(self, url);

	if (gs_relay_status_get_failed_batches(relay) == 0) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "%s has no failed batches",
			    url);
		return FALSE;
	}
	if (!gs_fake_provider_record(self, "retry-failed", url, error))
		return FALSE;
	gs_relay_status_set_failed_batches(relay, NULL);
	g_object_set(relay, "historic-sync-had-failures", FALSE, NULL);
	if (gs_relay_status_get_status(relay) == GS_CONNECTION_STATUS_CONNECTED_DEGRADED)
		gs_relay_status_set_status(relay, GS_CONNECTION_STATUS_CONNECTED);
	return TRUE;
}

static gboolean
gs_fake_provider_reconnect(GsStatusProvider *provider, const gchar *url, GError **error)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(provider);

	if (!gs_fake_provider_record(self, "reconnect", url, error))
		return FALSE;
	g_object_set(gs_fake_provider_get(self, url),
		     "status",
		     GS_CONNECTION_STATUS_CONNECTING,
		     "next-retry-at",
		     (gint64)0,
		     NULL);
	return TRUE;
}

static gboolean
gs_fake_provider_disconnect(GsStatusProvider *provider, const gchar *url, GError **error)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(provider);

	if (!gs_fake_provider_record(self, "disconnect", url, error))
		return FALSE;
	g_object_set(gs_fake_provider_get(self, url),
		     "status",
		     GS_CONNECTION_STATUS_DISCONNECTED,
		     "disconnected-at",
		     g_get_real_time() / G_USEC_PER_SEC,
		     "subscriptions",
		     0u,
		     NULL);
	return TRUE;
}

static GVariant *
gs_fake_provider_dup_home(GsStatusProvider *provider)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(provider);
	return self->home != NULL ? g_variant_ref(self->home) : NULL;
}

/* the refused events are queued again: none is refused any more */
static gboolean
gs_fake_provider_retry_home_refused(GsStatusProvider *provider, guint *n_retried, GError **error)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(provider);
	g_autofree gchar *url = NULL;
	guint64 pending = 0, refused = 0;
	gboolean connected = FALSE;

	if (self->home == NULL) {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_NOT_FOUND, "no home relay is configured");
		return FALSE;
	}
	if (!gs_fake_provider_record(self, "retry-home-refused", NULL, error))
		return FALSE;
	g_variant_lookup(self->home, "Url", "s", &url);
	g_variant_lookup(self->home, "Connected", "b", &connected);
	g_variant_lookup(self->home, "OutboxPending", "t", &pending);
	g_variant_lookup(self->home, "OutboxRefused", "t", &refused);
	*n_retried = (guint)refused;
	gs_fake_provider_set_home(self, url, connected, pending + refused, 0);
	return TRUE;
}

static void
gs_fake_provider_iface_init(GsStatusProviderInterface *iface)
{
	iface->dup_home = gs_fake_provider_dup_home;
	iface->retry_home_refused = gs_fake_provider_retry_home_refused;
	iface->dup_relays = gs_fake_provider_dup_relays;
	iface->dup_repos = gs_fake_provider_dup_repos;
	iface->add_relay = gs_fake_provider_add_relay;
	iface->remove_relay = gs_fake_provider_remove_relay;
	iface->resync = gs_fake_provider_resync;
	iface->resync_all = gs_fake_provider_resync_all;
	iface->retry_failed = gs_fake_provider_retry_failed;
	iface->reconnect = gs_fake_provider_reconnect;
	iface->disconnect = gs_fake_provider_disconnect;
}

static void
gs_fake_provider_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(object);

	switch (prop_id) {
	case PROP_SERVICE_URLS:
		g_value_set_boxed(value, self->service_urls);
		break;
	case PROP_STARTED_AT:
		g_value_set_int64(value, self->started_at);
		break;
	case PROP_REPO_COUNT:
		g_value_set_uint(value, self->repo_count);
		break;
	case PROP_ROOT_COUNT:
		g_value_set_uint(value, self->root_count);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
gs_fake_provider_finalize(GObject *object)
{
	GsFakeProvider *self = GS_FAKE_PROVIDER(object);

	g_ptr_array_unref(self->relays);
	g_ptr_array_unref(self->repos);
	g_ptr_array_unref(self->log);
	g_strfreev(self->service_urls);
	g_clear_pointer(&self->home, g_variant_unref);
	G_OBJECT_CLASS(gs_fake_provider_parent_class)->finalize(object);
}

static void
gs_fake_provider_class_init(GsFakeProviderClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->get_property = gs_fake_provider_get_property;
	object_class->finalize = gs_fake_provider_finalize;
	g_object_class_override_property(object_class, PROP_SERVICE_URLS, "service-urls");
	g_object_class_override_property(object_class, PROP_STARTED_AT, "started-at");
	g_object_class_override_property(object_class, PROP_REPO_COUNT, "repo-count");
	g_object_class_override_property(object_class, PROP_ROOT_COUNT, "root-count");
}

static void
gs_fake_provider_init(GsFakeProvider *self)
{
	const gchar *service_urls[] = {"wss://git.example.org", NULL};

	self->relays = g_ptr_array_new_with_free_func(g_object_unref);
	self->repos = g_ptr_array_new_with_free_func((GDestroyNotify)gs_repo_info_free);
	self->log = g_ptr_array_new_with_free_func(g_free);
	self->service_urls = g_strdupv((gchar **)service_urls);
	self->started_at = g_get_real_time() / G_USEC_PER_SEC - 3600;
}

GsFakeProvider *
gs_fake_provider_new(void)
{
	return g_object_new(GS_TYPE_FAKE_PROVIDER, NULL);
}

static GsRelayStatus *
gs_fake_relay_new(const gchar *url, GsConnectionStatus status, GsRelayHealth health)
{
	GsRelayStatus *relay = gs_relay_status_new(url);
	g_object_set(relay, "status", status, "health", health, NULL);
	return relay;
}

static void
gs_fake_provider_populate_relays(GsFakeProvider *self)
{
	g_autoptr(GsRelayStatus) connected = NULL, degraded = NULL, syncing = NULL;
	g_autoptr(GsRelayStatus) connecting = NULL, dead = NULL, limited = NULL;
	g_autoptr(GPtrArray) failed =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_failed_batch_free);
	const gint64 t = GS_FAKE_STARTED_AT;

	connected = gs_fake_relay_new(
		GS_FAKE_CONNECTED, GS_CONNECTION_STATUS_CONNECTED, GS_RELAY_HEALTH_HEALTHY);
	g_object_set(connected,
		     "is-bootstrap",
		     TRUE,
		     "supports-negentropy",
		     1,
		     "last-connected",
		     t + 60,
		     "historic-sync-completed",
		     TRUE,
		     "subscriptions",
		     3u,
		     "last-event-at",
		     t + 900,
		     NULL);
	degraded = gs_fake_relay_new(
		GS_FAKE_DEGRADED, GS_CONNECTION_STATUS_CONNECTED_DEGRADED, GS_RELAY_HEALTH_HEALTHY);
	g_ptr_array_add(
		failed,
		gs_failed_batch_new(
			"negentropy-undelivered", GS_SYNC_METHOD_NEGENTROPY, 0, 0, t + 120));
	g_ptr_array_add(failed,
			gs_failed_batch_new("error", GS_SYNC_METHOD_REQ_EOSE, 2, 1, t + 180));
	gs_relay_status_set_failed_batches(degraded, failed);
	g_object_set(degraded,
		     "supports-negentropy",
		     1,
		     "last-connected",
		     t + 30,
		     "historic-sync-completed",
		     TRUE,
		     "historic-sync-had-failures",
		     TRUE,
		     "subscriptions",
		     2u,
		     NULL);
	syncing = gs_fake_relay_new(
		GS_FAKE_SYNCING, GS_CONNECTION_STATUS_SYNCING, GS_RELAY_HEALTH_HEALTHY);
	g_object_set(syncing,
		     "pending-batches",
		     4u,
		     "supports-negentropy",
		     0,
		     "last-connected",
		     t + 600,
		     NULL);
	connecting = gs_fake_relay_new(
		GS_FAKE_CONNECTING, GS_CONNECTION_STATUS_CONNECTING, GS_RELAY_HEALTH_DEGRADED);
	g_object_set(connecting, "consecutive-failures", 2u, "disconnected-at", t + 700, NULL);
	dead = gs_fake_relay_new(
		GS_FAKE_DEAD, GS_CONNECTION_STATUS_DISCONNECTED, GS_RELAY_HEALTH_DEAD);
	g_object_set(dead,
		     "consecutive-failures",
		     12u,
		     "next-retry-at",
		     t + 86400,
		     "naughty-category",
		     "dns_lookup_failed",
		     "naughty-occurrences",
		     7u,
		     NULL);
	limited = gs_fake_relay_new(
		GS_FAKE_LIMITED, GS_CONNECTION_STATUS_CONNECTED, GS_RELAY_HEALTH_RATE_LIMITED);
	g_object_set(limited, "historic-sync-completed", TRUE, NULL);
	gs_fake_provider_add(self, connected);
	gs_fake_provider_add(self, degraded);
	gs_fake_provider_add(self, syncing);
	gs_fake_provider_add(self, connecting);
	gs_fake_provider_add(self, dead);
	gs_fake_provider_add(self, limited);
}

/* six relays, one per status (two connected: healthy and rate-limited), and two repos */
GsFakeProvider *
gs_fake_provider_new_populated(void)
{
	GsFakeProvider *self = gs_fake_provider_new();
	const gchar *relays_a[] = {GS_FAKE_CONNECTED, GS_FAKE_DEGRADED, NULL};
	const gchar *relays_b[] = {GS_FAKE_SYNCING, NULL};

	g_autofree gchar *owner_a = g_strnfill(64, 'a');
	g_autofree gchar *owner_b = g_strnfill(64, 'b');
	g_autofree gchar *repo_a = g_strdup_printf("30617:%s:grasp-sync", owner_a);
	g_autofree gchar *repo_b = g_strdup_printf("30617:%s:ngit", owner_b);

	gs_fake_provider_populate_relays(self);
	g_ptr_array_add(self->repos, gs_repo_info_new(repo_a, GS_SYNC_LEVEL_FULL, 5, relays_a));
	g_ptr_array_add(self->repos,
			gs_repo_info_new(repo_b, GS_SYNC_LEVEL_STATE_ONLY, 0, relays_b));
	gs_fake_provider_set_counts(self, 2, 5);
	self->started_at = GS_FAKE_STARTED_AT;
	gs_fake_provider_set_home(self, GS_FAKE_HOME, TRUE, 42, 3);
	return self;
}
