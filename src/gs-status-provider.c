/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsStatus"

#include "config.h"

#include "gs-error.h"
#include "gs-relay-url.h"
#include "gs-status-provider.h"

G_DEFINE_INTERFACE(GsStatusProvider, gs_status_provider, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE(GsRepoInfo, gs_repo_info, gs_repo_info_copy, gs_repo_info_free)

GsRepoInfo *
gs_repo_info_new(const gchar *coordinate,
		 GsSyncLevel level,
		 guint n_roots,
		 const gchar *const *relays)
{
	GsRepoInfo *info = g_new0(GsRepoInfo, 1);
	info->coordinate = g_strdup(coordinate);
	info->level = level;
	info->n_roots = n_roots;
	info->relays = relays != NULL ? g_strdupv((gchar **)relays) : g_new0(gchar *, 1);
	return info;
}

GsRepoInfo *
gs_repo_info_copy(const GsRepoInfo *info)
{
	return gs_repo_info_new(
		info->coordinate, info->level, info->n_roots, (const gchar *const *)info->relays);
}

void
gs_repo_info_free(GsRepoInfo *info)
{
	g_free(info->coordinate);
	g_strfreev(info->relays);
	g_free(info);
}

/**
 * gs_repo_info_to_variant:
 *
 * Returns: (transfer full): a row of ListRepos: `Coordinate`, `Identifier`, `Owner`,
 *   `Level`, `RootEvents`, `Relays`
 */
GVariant *
gs_repo_info_to_variant(const GsRepoInfo *info)
{
	GVariantDict dict;
	g_auto(GStrv) parts = g_strsplit(info->coordinate, ":", 3);
	const gchar *level = gs_sync_level_to_string(info->level);

	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "Coordinate", "s", info->coordinate);
	g_variant_dict_insert(&dict, "Owner", "s", g_strv_length(parts) == 3 ? parts[1] : "");
	g_variant_dict_insert(&dict, "Identifier", "s", g_strv_length(parts) == 3 ? parts[2] : "");
	g_variant_dict_insert(&dict, "Level", "s", level != NULL ? level : "");
	g_variant_dict_insert(&dict, "RootEvents", "u", info->n_roots);
	g_variant_dict_insert_value(
		&dict, "Relays", g_variant_new_strv((const gchar *const *)info->relays, -1));
	return g_variant_ref_sink(g_variant_dict_end(&dict));
}

static void
gs_status_provider_default_init(GsStatusProviderInterface *iface)
{
	const GParamFlags flags =
		G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

	g_object_interface_install_property(
		iface, g_param_spec_boxed("service-urls", NULL, NULL, G_TYPE_STRV, flags));
	g_object_interface_install_property(
		iface, g_param_spec_int64("started-at", NULL, NULL, 0, G_MAXINT64, 0, flags));
	g_object_interface_install_property(
		iface, g_param_spec_uint("repo-count", NULL, NULL, 0, G_MAXUINT, 0, flags));
	g_object_interface_install_property(
		iface, g_param_spec_uint("root-count", NULL, NULL, 0, G_MAXUINT, 0, flags));
	g_signal_new("relay-added",
		     G_TYPE_FROM_INTERFACE(iface),
		     G_SIGNAL_RUN_LAST,
		     0,
		     NULL,
		     NULL,
		     NULL,
		     G_TYPE_NONE,
		     1,
		     GS_TYPE_RELAY_STATUS);
	g_signal_new("relay-removed",
		     G_TYPE_FROM_INTERFACE(iface),
		     G_SIGNAL_RUN_LAST,
		     0,
		     NULL,
		     NULL,
		     NULL,
		     G_TYPE_NONE,
		     1,
		     GS_TYPE_RELAY_STATUS);
	/**
	 * GsStatusProvider::home-changed:
	 *
	 * What gs_status_provider_dup_home() says changed: the connection to home, or its
	 * outbox counts (at most about once a second).
	 */
	g_signal_new("home-changed",
		     G_TYPE_FROM_INTERFACE(iface),
		     G_SIGNAL_RUN_LAST,
		     0,
		     NULL,
		     NULL,
		     NULL,
		     G_TYPE_NONE,
		     0);
}

static gint
gs_status_provider_relay_cmp(gconstpointer a, gconstpointer b)
{
	GsRelayStatus *ra = *(GsRelayStatus *const *)a;
	GsRelayStatus *rb = *(GsRelayStatus *const *)b;
	return g_strcmp0(gs_relay_status_get_url(ra), gs_relay_status_get_url(rb));
}

/* returns: (transfer container) (element-type GsRelayStatus): sorted by URL */
GPtrArray *
gs_status_provider_dup_relays(GsStatusProvider *self)
{
	GsStatusProviderInterface *iface;
	GPtrArray *relays;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), NULL);
	iface = GS_STATUS_PROVIDER_GET_IFACE(self);
	relays = iface->dup_relays(self);
	g_ptr_array_sort(relays, gs_status_provider_relay_cmp);
	return relays;
}

/* returns: (transfer full) (nullable): the relay with this normalised URL */
GsRelayStatus *
gs_status_provider_lookup_relay(GsStatusProvider *self, const gchar *url)
{
	g_autoptr(GPtrArray) relays = NULL;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), NULL);
	relays = GS_STATUS_PROVIDER_GET_IFACE(self)->dup_relays(self);
	for (guint i = 0; i < relays->len; i++) {
		GsRelayStatus *relay = g_ptr_array_index(relays, i);
		if (g_strcmp0(gs_relay_status_get_url(relay), url) == 0)
			return g_object_ref(relay);
	}
	return NULL;
}

/* returns: (transfer container) (element-type GsRepoInfo): */
GPtrArray *
gs_status_provider_dup_repos(GsStatusProvider *self)
{
	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), NULL);
	return GS_STATUS_PROVIDER_GET_IFACE(self)->dup_repos(self);
}

/* returns: (transfer full): this service's relay URLs, possibly empty */
GStrv
gs_status_provider_dup_service_urls(GsStatusProvider *self)
{
	GStrv urls = NULL;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), NULL);
	g_object_get(self, "service-urls", &urls, NULL);
	return urls != NULL ? urls : g_new0(gchar *, 1);
}

gint64
gs_status_provider_get_started_at(GsStatusProvider *self)
{
	gint64 started_at = 0;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), 0);
	g_object_get(self, "started-at", &started_at, NULL);
	return started_at;
}

guint
gs_status_provider_get_repo_count(GsStatusProvider *self)
{
	guint count = 0;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), 0);
	g_object_get(self, "repo-count", &count, NULL);
	return count;
}

guint
gs_status_provider_get_root_count(GsStatusProvider *self)
{
	guint count = 0;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), 0);
	g_object_get(self, "root-count", &count, NULL);
	return count;
}

/* the relays for which @pred returns %TRUE; all relays when @pred is %NULL */
guint
gs_status_provider_count_relays(GsStatusProvider *self,
				gboolean (*pred)(GsRelayStatus *relay, gpointer user_data),
				gpointer user_data)
{
	g_autoptr(GPtrArray) relays = NULL;
	guint count = 0;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), 0);
	relays = GS_STATUS_PROVIDER_GET_IFACE(self)->dup_relays(self);
	for (guint i = 0; i < relays->len; i++) {
		if (pred == NULL || pred(g_ptr_array_index(relays, i), user_data))
			count++;
	}
	return count;
}

static gboolean
gs_status_provider_is_live_cb(GsRelayStatus *relay, gpointer user_data)
{
	return gs_relay_status_is_live(relay);
}

/* relays with live sync active: syncing, connected or connected-degraded */
guint
gs_status_provider_count_live(GsStatusProvider *self)
{
	return gs_status_provider_count_relays(self, gs_status_provider_is_live_cb, NULL);
}

static gchar *
gs_status_provider_normalise(const gchar *url, GError **error)
{
	g_autoptr(GError) error_local = NULL;
	gchar *normal;

	if (url == NULL || url[0] == '\0') {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "no relay URL given");
		return NULL;
	}
	normal = gs_relay_url_normalise(url, FALSE, &error_local);
	if (normal == NULL) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "malformed relay URL: %s",
			    error_local->message);
		return NULL;
	}
	return normal;
}

/**
 * gs_status_provider_find_relay:
 *
 * Normalises @url and finds the relay: INVALID_ARGUMENT for a malformed URL, NOT_FOUND
 * for one that is not followed.
 *
 * Returns: (transfer full):
 */
GsRelayStatus *
gs_status_provider_find_relay(GsStatusProvider *self, const gchar *url, GError **error)
{
	g_autofree gchar *normal = NULL;
	GsRelayStatus *relay;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), NULL);
	normal = gs_status_provider_normalise(url, error);
	if (normal == NULL)
		return NULL;
	relay = gs_status_provider_lookup_relay(self, normal);
	if (relay == NULL) {
		g_set_error(
			error, GS_ERROR, GS_ERROR_NOT_FOUND, "relay %s is not followed", normal);
		return NULL;
	}
	return relay;
}

/**
 * gs_status_provider_add_relay:
 *
 * Returns: (transfer full): the normalised URL of the relay now followed
 */
gchar *
gs_status_provider_add_relay(GsStatusProvider *self,
			     const gchar *url,
			     gboolean bootstrap,
			     GError **error)
{
	g_autofree gchar *normal = NULL;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), NULL);
	normal = gs_status_provider_normalise(url, error);
	if (normal == NULL)
		return NULL;
	if (!GS_STATUS_PROVIDER_GET_IFACE(self)->add_relay(self, normal, bootstrap, error))
		return NULL;
	return g_steal_pointer(&normal);
}

typedef gboolean (*GsStatusRelayAction)(GsStatusProvider *self, const gchar *url, GError **error);

static gboolean
gs_status_provider_relay_action(GsStatusProvider *self,
				GsStatusRelayAction action,
				const gchar *url,
				GError **error)
{
	g_autoptr(GsRelayStatus) relay = gs_status_provider_find_relay(self, url, error);

	if (relay == NULL)
		return FALSE;
	return action(self, gs_relay_status_get_url(relay), error);
}

gboolean
gs_status_provider_remove_relay(GsStatusProvider *self, const gchar *url, GError **error)
{
	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), FALSE);
	return gs_status_provider_relay_action(
		self, GS_STATUS_PROVIDER_GET_IFACE(self)->remove_relay, url, error);
}

gboolean
gs_status_provider_resync(GsStatusProvider *self, const gchar *url, GError **error)
{
	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), FALSE);
	return gs_status_provider_relay_action(
		self, GS_STATUS_PROVIDER_GET_IFACE(self)->resync, url, error);
}

gboolean
gs_status_provider_resync_all(GsStatusProvider *self, GError **error)
{
	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), FALSE);
	return GS_STATUS_PROVIDER_GET_IFACE(self)->resync_all(self, error);
}

gboolean
gs_status_provider_retry_failed(GsStatusProvider *self, const gchar *url, GError **error)
{
	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), FALSE);
	return gs_status_provider_relay_action(
		self, GS_STATUS_PROVIDER_GET_IFACE(self)->retry_failed, url, error);
}

gboolean
gs_status_provider_reconnect(GsStatusProvider *self, const gchar *url, GError **error)
{
	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), FALSE);
	return gs_status_provider_relay_action(
		self, GS_STATUS_PROVIDER_GET_IFACE(self)->reconnect, url, error);
}

gboolean
gs_status_provider_disconnect(GsStatusProvider *self, const gchar *url, GError **error)
{
	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), FALSE);
	return gs_status_provider_relay_action(
		self, GS_STATUS_PROVIDER_GET_IFACE(self)->disconnect, url, error);
}

/**
 * gs_status_provider_dup_home:
 *
 * The home relay the daemon delivers into (`[home] relay`), as an `a{sv}` with `Url`,
 * `Connected`, `OutboxPending`, `OutboxRefused`, `OldestPendingSeconds`, `InFlight`, `Window`,
 * `Published`, `Refusals`, `Reconciliations`, `Reconciled`, `LastReconciliation`
 * (docs/dbus.md).
 *
 * Returns: (transfer full) (nullable): the record, or %NULL when no home relay is configured
 */
GVariant *
gs_status_provider_dup_home(GsStatusProvider *self)
{
	GsStatusProviderInterface *iface;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), NULL);
	iface = GS_STATUS_PROVIDER_GET_IFACE(self);
	return iface->dup_home != NULL ? iface->dup_home(self) : NULL;
}

/**
 * gs_status_provider_retry_home_refused:
 * @n_retried: (out) (optional): how many refused events were queued again
 *
 * `RetryHomeRefused`: every event the home relay refused is sent again.
 *
 * Returns: %FALSE with %GS_ERROR_NOT_FOUND when no home relay is configured, or the error
 */
gboolean
gs_status_provider_retry_home_refused(GsStatusProvider *self, guint *n_retried, GError **error)
{
	GsStatusProviderInterface *iface;
	guint n = 0;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(self), FALSE);
	iface = GS_STATUS_PROVIDER_GET_IFACE(self);
	if (iface->retry_home_refused == NULL) {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_NOT_FOUND, "no home relay is configured");
		return FALSE;
	}
	if (!iface->retry_home_refused(self, &n, error))
		return FALSE;
	if (n_retried != NULL)
		*n_retried = n;
	return TRUE;
}

static void
gs_status_provider_count_by_status(GPtrArray *relays, guint *by_status, guint *n_dead)
{
	for (guint i = 0; i < relays->len; i++) {
		GsRelayStatus *relay = g_ptr_array_index(relays, i);
		GsConnectionStatus status = gs_relay_status_get_status(relay);
		if (status <= GS_CONNECTION_STATUS_CONNECTED_DEGRADED)
			by_status[status]++;
		if (gs_relay_status_get_health(relay) == GS_RELAY_HEALTH_DEAD)
			(*n_dead)++;
	}
}

/**
 * gs_status_provider_dup_summary:
 * @version: the daemon's version
 *
 * Returns: (transfer full): the `a{sv}` of GetStatus and of the daemon part of /status; `Home`
 *   (a{sv}, see gs_status_provider_dup_home()) only when a home relay is configured
 */
GVariant *
gs_status_provider_dup_summary(GsStatusProvider *self, const gchar *version)
{
	g_autoptr(GPtrArray) relays = gs_status_provider_dup_relays(self);
	g_auto(GStrv) service_urls = gs_status_provider_dup_service_urls(self);
	gint64 started_at = gs_status_provider_get_started_at(self);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	guint by_status[GS_CONNECTION_STATUS_CONNECTED_DEGRADED + 1] = {0};
	guint n_dead = 0;
	g_autoptr(GVariant) home = NULL;
	GVariantBuilder counts;
	GVariantDict dict;

	gs_status_provider_count_by_status(relays, by_status, &n_dead);
	g_variant_builder_init(&counts, G_VARIANT_TYPE("a{su}"));
	for (guint i = 0; i < G_N_ELEMENTS(by_status); i++)
		g_variant_builder_add(
			&counts, "{su}", gs_connection_status_to_string(i), by_status[i]);
	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "Version", "s", version);
	g_variant_dict_insert_value(
		&dict, "ServiceUrls", g_variant_new_strv((const gchar *const *)service_urls, -1));
	g_variant_dict_insert(&dict, "StartedAt", "x", started_at);
	g_variant_dict_insert(&dict, "UptimeSeconds", "t", (guint64)MAX(0, now - started_at));
	g_variant_dict_insert(&dict, "RelayCount", "u", relays->len);
	g_variant_dict_insert(
		&dict, "ConnectedRelayCount", "u", gs_status_provider_count_live(self));
	g_variant_dict_insert(&dict,
			      "DegradedRelayCount",
			      "u",
			      by_status[GS_CONNECTION_STATUS_CONNECTED_DEGRADED]);
	g_variant_dict_insert(&dict, "DeadRelayCount", "u", n_dead);
	g_variant_dict_insert(&dict, "RepoCount", "u", gs_status_provider_get_repo_count(self));
	g_variant_dict_insert(
		&dict, "RootEventCount", "u", gs_status_provider_get_root_count(self));
	g_variant_dict_insert_value(&dict, "RelaysByStatus", g_variant_builder_end(&counts));
	home = gs_status_provider_dup_home(self);
	if (home != NULL)
		g_variant_dict_insert_value(&dict, "Home", home);
	return g_variant_ref_sink(g_variant_dict_end(&dict));
}
