/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-home-relay.h"
#include "gs-metrics.h"
#include "gs-status-provider.h"
#include "gs-sync-manager.h"

G_BEGIN_DECLS

#define GS_TYPE_SYNC_STATUS (gs_sync_status_get_type())
G_DECLARE_FINAL_TYPE(GsSyncStatus, gs_sync_status, GS, SYNC_STATUS, GObject)

/*
 * GsSyncStatus: the #GsStatusProvider of a #GsSyncManager. It keeps one #GsRelayStatus per
 * relay, read again from the manager's getters at every `relay-changed`, so that the D-Bus
 * relay objects follow each change; `relay-added` and `relay-removed` are passed on. The
 * control actions call the manager. gs_sync_status_bind_metrics() exposes the manager's own
 * counters (connection attempts, events, batches, fallbacks, rate limits, the duration
 * histogram) as the engine families of sync spec section 11, read at scrape time.
 *
 * The daemon wires it, in gs_daemon_start() after the manager and before the surfaces, as:
 *   status = gs_sync_status_new(manager, service_urls);
 *   gs_sync_status_bind_metrics(status, self->metrics);
 *   gs_sync_metrics_bind_ingest(self->metrics, ingest, rejected_index);
 *   self->provider = GS_STATUS_PROVIDER(status);
 */

GsSyncStatus *
gs_sync_status_new(GsSyncManager *manager, const gchar *const *service_urls);
void
gs_sync_status_bind_metrics(GsSyncStatus *self, GsMetrics *metrics);
void
gs_sync_status_set_home(GsSyncStatus *self, GsHomeRelay *home);

G_END_DECLS
