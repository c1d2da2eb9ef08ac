/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gs-metrics.h"
#include "gs-status-provider.h"

G_BEGIN_DECLS

#define GS_DBUS_NAME "dev.graspsync.GraspSync1"
#define GS_DBUS_PATH "/dev/graspsync/GraspSync1"
#define GS_DBUS_RELAY_DIR GS_DBUS_PATH "/relay"

#define GS_TYPE_DBUS_SERVICE (gs_dbus_service_get_type())
G_DECLARE_FINAL_TYPE(GsDbusService, gs_dbus_service, GS, DBUS_SERVICE, GObject)

/*
 * GsDbusService: dev.graspsync.GraspSync1 over a #GsStatusProvider. The manager interface is
 * exported at GS_DBUS_PATH together with an org.freedesktop.DBus.ObjectManager that holds one
 * object per relay under GS_DBUS_RELAY_DIR. Relay properties are bound to the provider's
 * #GsRelayStatus notifications, so PropertiesChanged follows each change. Method handlers
 * validate their arguments and answer with the GsError D-Bus names.
 *
 * Signals: `name-acquired` and `name-lost` (no arguments) after gs_dbus_service_own_name().
 */

GsDbusService *
gs_dbus_service_new(GsStatusProvider *provider, GsMetrics *metrics);
gboolean
gs_dbus_service_export(GsDbusService *self, GDBusConnection *connection, GError **error);
void
gs_dbus_service_own_name(GsDbusService *self);
gboolean
gs_dbus_service_start(GsDbusService *self, GBusType bus_type, GError **error);
gboolean
gs_dbus_service_name_owned_elsewhere(GsDbusService *self);
void
gs_dbus_service_stop(GsDbusService *self);
gchar *
gs_dbus_service_dup_relay_path(GsDbusService *self, const gchar *url);

G_END_DECLS
