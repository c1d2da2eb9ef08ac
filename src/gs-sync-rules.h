/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-event.h"

G_BEGIN_DECLS

#define GS_SYNC_KIND_PATCH 1617
#define GS_SYNC_KIND_PULL_REQUEST 1618
#define GS_SYNC_KIND_ISSUE 1621
#define GS_SYNC_KIND_USER_GRASP_LIST 10317
#define GS_SYNC_KIND_REPO_ANNOUNCEMENT 30617
#define GS_SYNC_KIND_REPO_STATE 30618

/**
 * GsSyncEntry:
 * @GS_SYNC_ENTRY_FRESH_START: drop pending, clear confirmed, fetch all history
 * @GS_SYNC_ENTRY_CATCH_UP: drop pending, keep confirmed, fetch what changed since a margin
 *   before the disconnection
 *
 * How a relay's sync begins when it connects (specs/sync.md 5).
 */
typedef enum {
	GS_SYNC_ENTRY_FRESH_START,
	GS_SYNC_ENTRY_CATCH_UP,
} GsSyncEntry;

gboolean
gs_sync_kind_is_root(guint kind);
gboolean
gs_sync_check_repo_coordinate(const gchar *coordinate, gchar **identifier, GError **error);
gboolean
gs_sync_check_event_id(const gchar *id, GError **error);

GsSyncEntry
gs_sync_decide_entry(gint64 now,
		     gint64 disconnected_at,
		     gint64 quick_reconnect_secs,
		     gboolean ever_connected,
		     gboolean explicit_resync,
		     gint64 *since);

gboolean
gs_sync_announcement_is_ours(const GsEvent *announcement, const gchar *const *service_urls);

G_END_DECLS
