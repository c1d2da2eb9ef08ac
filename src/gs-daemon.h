/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "gs-config.h"
#include "gs-dbus-service.h"
#include "gs-metrics.h"
#include "gs-status-page.h"
#include "gs-status-provider.h"
#include "gs-store.h"
#include "gs-sync-manager.h"

G_BEGIN_DECLS

#define GS_TYPE_DAEMON (gs_daemon_get_type())
G_DECLARE_FINAL_TYPE(GsDaemon, gs_daemon, GS, DAEMON, GObject)

/* the configuration file read when --config is not given; a missing one is no error */
#define GS_DAEMON_DEFAULT_CONFIG "/etc/grasp-sync/grasp-syncd.conf"
/* the state directory of the system service when systemd does not pass STATE_DIRECTORY */
#define GS_DAEMON_SYSTEM_STATE_DIR "/var/lib/grasp-sync"

GsDaemon *
gs_daemon_new(void);
GOptionGroup *
gs_daemon_get_option_group(GsDaemon *self);
gboolean
gs_daemon_setup(GsDaemon *self, GError **error);
gboolean
gs_daemon_start(GsDaemon *self, GError **error);
gboolean
gs_daemon_reload(GsDaemon *self, GError **error);
void
gs_daemon_stop(GsDaemon *self);
GsConfig *
gs_daemon_get_config(GsDaemon *self);
const gchar *
gs_daemon_get_state_dir(GsDaemon *self);
GsMetrics *
gs_daemon_get_metrics(GsDaemon *self);
void
gs_daemon_set_status_provider(GsDaemon *self, GsStatusProvider *provider);
GsStatusPage *
gs_daemon_get_status_page(GsDaemon *self);
GsDbusService *
gs_daemon_get_dbus_service(GsDaemon *self);
GsStore *
gs_daemon_get_store(GsDaemon *self);
GsIngest *
gs_daemon_get_ingest(GsDaemon *self);
GsSyncManager *
gs_daemon_get_sync_manager(GsDaemon *self);

G_END_DECLS
