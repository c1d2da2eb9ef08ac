/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-http-server.h"
#include "gs-metrics.h"
#include "gs-status-provider.h"

G_BEGIN_DECLS

#define GS_TYPE_STATUS_PAGE (gs_status_page_get_type())
G_DECLARE_FINAL_TYPE(GsStatusPage, gs_status_page, GS, STATUS_PAGE, GObject)

/* seconds after which the HTML page reloads itself */
#define GS_STATUS_PAGE_REFRESH_SECS 10

/*
 * GsStatusPage: the HTTP views of a #GsStatusProvider: `/status` (JSON: the GetStatus summary
 * as "daemon", the ListRelays records as "relays", the ListRepos records as "repos", keyed by
 * the D-Bus names), `/metrics` (the #GsMetrics exposition) and the HTML page that `/` shows
 * to browsers: a relay table with a colour per status, the counts and the last events, no
 * external assets, reloading itself every GS_STATUS_PAGE_REFRESH_SECS seconds.
 */

GsStatusPage *
gs_status_page_new(GsStatusProvider *provider, GsMetrics *metrics);
void
gs_status_page_attach(GsStatusPage *self, GsHttpServer *server);
gchar *
gs_status_page_render_html(GsStatusPage *self);
gchar *
gs_status_page_render_json(GsStatusPage *self);

G_END_DECLS
