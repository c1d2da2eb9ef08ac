/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "gs-enums.h"
#include "gs-relay-status.h"

G_BEGIN_DECLS

/**
 * GsRepoInfo:
 * @coordinate: `30617:<owner-pubkey-hex>:<identifier>`
 * @level: full or state-only
 * @n_roots: root events (patches, pull requests, issues) known for it
 * @relays: the normalised relay URLs its announcement lists
 *
 * One repository the daemon syncs (a row of ListRepos).
 */
typedef struct {
	gchar *coordinate;
	GsSyncLevel level;
	guint n_roots;
	GStrv relays;
} GsRepoInfo;

#define GS_TYPE_REPO_INFO (gs_repo_info_get_type())
GType
gs_repo_info_get_type(void);
GsRepoInfo *
gs_repo_info_new(const gchar *coordinate,
		 GsSyncLevel level,
		 guint n_roots,
		 const gchar *const *relays);
GsRepoInfo *
gs_repo_info_copy(const GsRepoInfo *info);
void
gs_repo_info_free(GsRepoInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsRepoInfo, gs_repo_info_free)

#define GS_TYPE_STATUS_PROVIDER (gs_status_provider_get_type())
G_DECLARE_INTERFACE(GsStatusProvider, gs_status_provider, GS, STATUS_PROVIDER, GObject)

/**
 * GsStatusProviderInterface:
 * @dup_relays: every followed relay, as #GsRelayStatus objects the provider keeps current
 * @dup_repos: every synced repository, as #GsRepoInfo records
 * @add_relay: follow a relay (a bootstrap relay is never dropped); adding a followed relay
 *   again only updates its bootstrap flag
 * @remove_relay: stop following a relay
 * @resync: fresh start for one relay (sync spec section 5)
 * @resync_all: fresh start for every relay
 * @retry_failed: re-run exactly the failed batches of one relay
 * @reconnect: drop the connection of one relay and connect again now, ignoring backoff
 * @disconnect: close the connection of one relay until the next Reconnect or Resync
 *
 * What the operator surfaces (D-Bus, /status, the HTML page, /metrics) need from the sync
 * engine. The URL given to the relay actions is already normalised and names a relay of
 * dup_relays(): the gs_status_provider_*() wrappers check that first, so every caller gets the
 * same INVALID_ARGUMENT and NOT_FOUND errors. An action fails with a #GsError (BUSY,
 * INVALID_ARGUMENT, ...) when the engine refuses it.
 *
 * Properties: `service-urls` (GStrv), `started-at` (gint64, Unix seconds), `repo-count` and
 * `root-count` (guint), all read-only and notified on change. Signals: `relay-added` and
 * `relay-removed` (a #GsRelayStatus), emitted after the relay list changed.
 */
struct _GsStatusProviderInterface {
	GTypeInterface parent_iface;
	GPtrArray *(*dup_relays)(GsStatusProvider *self);
	GPtrArray *(*dup_repos)(GsStatusProvider *self);
	gboolean (*add_relay)(GsStatusProvider *self,
			      const gchar *url,
			      gboolean bootstrap,
			      GError **error);
	gboolean (*remove_relay)(GsStatusProvider *self, const gchar *url, GError **error);
	gboolean (*resync)(GsStatusProvider *self, const gchar *url, GError **error);
	gboolean (*resync_all)(GsStatusProvider *self, GError **error);
	gboolean (*retry_failed)(GsStatusProvider *self, const gchar *url, GError **error);
	gboolean (*reconnect)(GsStatusProvider *self, const gchar *url, GError **error);
	gboolean (*disconnect)(GsStatusProvider *self, const gchar *url, GError **error);
	/* optional: the home relay (NULL: none configured) */
	GVariant *(*dup_home)(GsStatusProvider *self);
	gboolean (*retry_home_refused)(GsStatusProvider *self, guint *n_retried, GError **error);
};

GPtrArray *
gs_status_provider_dup_relays(GsStatusProvider *self);
GsRelayStatus *
gs_status_provider_lookup_relay(GsStatusProvider *self, const gchar *url);
GPtrArray *
gs_status_provider_dup_repos(GsStatusProvider *self);
GStrv
gs_status_provider_dup_service_urls(GsStatusProvider *self);
gint64
gs_status_provider_get_started_at(GsStatusProvider *self);
guint
gs_status_provider_get_repo_count(GsStatusProvider *self);
guint
gs_status_provider_get_root_count(GsStatusProvider *self);
guint
gs_status_provider_count_relays(GsStatusProvider *self,
				gboolean (*pred)(GsRelayStatus *relay, gpointer user_data),
				gpointer user_data);
guint
gs_status_provider_count_live(GsStatusProvider *self);

GsRelayStatus *
gs_status_provider_find_relay(GsStatusProvider *self, const gchar *url, GError **error);
gchar *
gs_status_provider_add_relay(GsStatusProvider *self,
			     const gchar *url,
			     gboolean bootstrap,
			     GError **error);
gboolean
gs_status_provider_remove_relay(GsStatusProvider *self, const gchar *url, GError **error);
gboolean
gs_status_provider_resync(GsStatusProvider *self, const gchar *url, GError **error);
gboolean
gs_status_provider_resync_all(GsStatusProvider *self, GError **error);
gboolean
gs_status_provider_retry_failed(GsStatusProvider *self, const gchar *url, GError **error);
gboolean
gs_status_provider_reconnect(GsStatusProvider *self, const gchar *url, GError **error);
gboolean
gs_status_provider_disconnect(GsStatusProvider *self, const gchar *url, GError **error);

GVariant *
gs_status_provider_dup_home(GsStatusProvider *self);
gboolean
gs_status_provider_retry_home_refused(GsStatusProvider *self, guint *n_retried, GError **error);

GVariant *
gs_repo_info_to_variant(const GsRepoInfo *info);
GVariant *
gs_status_provider_dup_summary(GsStatusProvider *self, const gchar *version);

G_END_DECLS
