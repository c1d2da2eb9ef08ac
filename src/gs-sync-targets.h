/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "gs-enums.h"
#include "gs-event.h"

G_BEGIN_DECLS

#define GS_TYPE_SYNC_TARGETS (gs_sync_targets_get_type())
G_DECLARE_FINAL_TYPE(GsSyncTargets, gs_sync_targets, GS, SYNC_TARGETS, GObject)

GsSyncTargets *
gs_sync_targets_new(void);

/* relays: setters normalise (gs-relay-url); queries take normalised URLs and compare exactly */
void
gs_sync_targets_set_service_urls(GsSyncTargets *self, const gchar *const *urls);
gchar **
gs_sync_targets_dup_service_urls(GsSyncTargets *self);
gboolean
gs_sync_targets_is_service_url(GsSyncTargets *self, const gchar *url);
void
gs_sync_targets_set_bootstrap_relays(GsSyncTargets *self, const gchar *const *urls);
gboolean
gs_sync_targets_is_bootstrap(GsSyncTargets *self, const gchar *url);
gchar **
gs_sync_targets_dup_relays(GsSyncTargets *self);
gboolean
gs_sync_targets_has_relay(GsSyncTargets *self, const gchar *url);
gboolean
gs_sync_targets_is_ours(GsSyncTargets *self, const GsEvent *announcement);

/* repositories */
gboolean
gs_sync_targets_set_repo(GsSyncTargets *self,
			 const gchar *coordinate,
			 GsSyncLevel level,
			 const gchar *const *relays,
			 GError **error);
gboolean
gs_sync_targets_remove_repo(GsSyncTargets *self, const gchar *coordinate);
gboolean
gs_sync_targets_get_repo_level(GsSyncTargets *self, const gchar *coordinate, GsSyncLevel *level);
gchar **
gs_sync_targets_dup_repo_relays(GsSyncTargets *self, const gchar *coordinate);
gboolean
gs_sync_targets_repo_names_relay(GsSyncTargets *self, const gchar *coordinate, const gchar *relay);
GPtrArray *
gs_sync_targets_dup_relay_repos(GsSyncTargets *self, const gchar *relay);
GPtrArray *
gs_sync_targets_filter_by_level(GsSyncTargets *self, GPtrArray *coordinates, GsSyncLevel level);
guint
gs_sync_targets_get_n_repos(GsSyncTargets *self);

/* root events */
gboolean
gs_sync_targets_add_root(GsSyncTargets *self,
			 const gchar *id,
			 const gchar *coordinate,
			 GError **error);
gboolean
gs_sync_targets_remove_root(GsSyncTargets *self, const gchar *id);
gboolean
gs_sync_targets_has_root(GsSyncTargets *self, const gchar *id);
GPtrArray *
gs_sync_targets_dup_repo_roots(GsSyncTargets *self, const gchar *coordinate);
guint
gs_sync_targets_get_n_roots(GsSyncTargets *self);
GPtrArray *
gs_sync_targets_match_root(GsSyncTargets *self, const GsEvent *event);
gboolean
gs_sync_targets_root_wanted_from(GsSyncTargets *self, const gchar *id, const gchar *relay);
gboolean
gs_sync_targets_add_root_event(GsSyncTargets *self, const GsEvent *event);

G_END_DECLS
