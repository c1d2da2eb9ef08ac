/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-daemon.h"
#include "gs-home-relay.h"
#include "gs-http-server.h"
#include "gs-ingest.h"
#include "gs-policy.h"
#include "gs-rejected-index.h"
#include "gs-relay-server.h"
#include "gs-store.h"
#include "gs-sync-manager.h"

G_BEGIN_DECLS

/* shared by gs-daemon.c and gs-daemon-options.c */
struct _GsDaemon {
	GObject parent_instance;
	GsConfig *config;
	GsMetrics *metrics;
	GsStatusProvider *provider; /* the sync engine, once it exists */
	GsStatusPage *status_page;
	GsDbusService *dbus_service;
	GsStore *store;
	GsHttpServer *http;
	GsPolicy *policy;
	GsRejectedIndex *rejected;
	GsIngest *ingest;
	GsRelayServer *relay;
	GsSyncManager *sync;
	GsHomeRelay *home;
	gchar *home_url; /* normalised [home] relay, NULL when unset */
	guint8 seckey[32];
	gchar *state_dir;
	gboolean started;
	/* command-line options, applied to the configuration by gs_daemon_setup() */
	gchar *opt_config;
	gchar *opt_state_dir;
	gchar *opt_listen;
	gchar *opt_archive;
	gchar *opt_bus;
	gchar *opt_bus_option;
	gchar **opt_bootstrap_relays;
	gchar **opt_service_urls;
	gchar **opt_archive_pubkeys;
	gchar *opt_home_relay;
};

G_END_DECLS
