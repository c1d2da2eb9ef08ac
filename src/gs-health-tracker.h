/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gs-enums.h"

G_BEGIN_DECLS

/* defaults of sync spec section 6 and section 12 */
#define GS_HEALTH_BASE_BACKOFF_SECS 5
#define GS_HEALTH_MAX_BACKOFF_SECS 3600
#define GS_HEALTH_JITTER 0.2
#define GS_HEALTH_DEAD_AFTER_SECS (24 * 3600)
#define GS_HEALTH_RATE_LIMIT_COOLDOWN_MS 65000
#define GS_HEALTH_NAUGHTY_EXPIRY_SECS (12 * 3600)
#define GS_HEALTH_NAUGHTY_RETRY_SECS 3600

#define GS_TYPE_HEALTH_TRACKER (gs_health_tracker_get_type())
G_DECLARE_FINAL_TYPE(GsHealthTracker, gs_health_tracker, GS, HEALTH_TRACKER, GObject)

/**
 * GsClockFunc:
 *
 * Returns: wall-clock time in microseconds since the epoch, as g_get_real_time() does. Wall
 *   clock, not monotonic, because next-retry times are saved in the store across restarts.
 */
typedef gint64 (*GsClockFunc)(gpointer user_data);

GsHealthTracker *
gs_health_tracker_new(void);

void
gs_health_tracker_set_clock(GsHealthTracker *self, GsClockFunc func, gpointer user_data);
void
gs_health_tracker_set_seed(GsHealthTracker *self, guint32 seed);
void
gs_health_tracker_set_backoff(GsHealthTracker *self, guint base_secs, guint max_secs);
void
gs_health_tracker_set_dead_after(GsHealthTracker *self, guint secs);
void
gs_health_tracker_set_rate_limit_cooldown(GsHealthTracker *self, guint msecs);
void
gs_health_tracker_set_naughty_expiry(GsHealthTracker *self, guint secs);

void
gs_health_tracker_record_success(GsHealthTracker *self, const gchar *url);
void
gs_health_tracker_record_failure(GsHealthTracker *self,
				 const gchar *url,
				 GsNaughtyCategory category);
void
gs_health_tracker_record_connected(GsHealthTracker *self, const gchar *url);
void
gs_health_tracker_record_disconnected(GsHealthTracker *self, const gchar *url);
void
gs_health_tracker_rate_limit(GsHealthTracker *self, const gchar *url);
void
gs_health_tracker_tick(GsHealthTracker *self);
void
gs_health_tracker_remove(GsHealthTracker *self, const gchar *url);

gint64
gs_health_tracker_draw_backoff(GsHealthTracker *self, guint failures);

gboolean
gs_health_tracker_can_attempt(GsHealthTracker *self, const gchar *url);
gint64
gs_health_tracker_get_next_retry_at(GsHealthTracker *self, const gchar *url);
guint
gs_health_tracker_get_consecutive_failures(GsHealthTracker *self, const gchar *url);
GsRelayHealth
gs_health_tracker_get_health(GsHealthTracker *self, const gchar *url);
gboolean
gs_health_tracker_is_rate_limited(GsHealthTracker *self, const gchar *url);
GsNaughtyCategory
gs_health_tracker_get_naughty_category(GsHealthTracker *self, const gchar *url);
guint
gs_health_tracker_get_naughty_occurrences(GsHealthTracker *self, const gchar *url);
GStrv
gs_health_tracker_dup_urls(GsHealthTracker *self);

GVariant *
gs_health_tracker_export(GsHealthTracker *self, const gchar *url);
gboolean
gs_health_tracker_import(GsHealthTracker *self, const gchar *url, GVariant *state, GError **error);

GsNaughtyCategory
gs_health_classify_error(const GError *error);
gboolean
gs_health_notice_is_rate_limit(const gchar *text);
gboolean
gs_health_closed_is_rate_limit(const gchar *reason);
const gchar *
gs_naughty_category_to_string(GsNaughtyCategory category);
gboolean
gs_naughty_category_from_string(const gchar *str, GsNaughtyCategory *category);

G_END_DECLS
