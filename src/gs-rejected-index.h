/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "gs-enums.h"
#include "gs-event.h"
#include "gs-store.h"

G_BEGIN_DECLS

#define GS_TYPE_REJECTED_INDEX (gs_rejected_index_get_type())
G_DECLARE_FINAL_TYPE(GsRejectedIndex, gs_rejected_index, GS, REJECTED_INDEX, GObject)

/**
 * GsClockFunc:
 * @user_data: the data given with the function
 *
 * A wall clock, injectable so that tests can move time without sleeping.
 *
 * Returns: microseconds since the Unix epoch, as g_get_real_time()
 */
typedef gint64 (*GsClockFunc)(gpointer user_data);

/**
 * GsRejectedIndexCounters:
 * @hot_current: deferred events held in the hot tier now
 * @hot_hits: deferred events handed back for re-processing because a dependency arrived
 * @hot_misses: entries whose dependency arrived after their event had left the hot tier
 *   (the event will be fetched again by the next sync)
 * @hot_expired: events dropped from the hot tier by its TTL
 * @cold_current: ids held in the cold tier now (deferred and rejected)
 * @cold_expired: ids dropped from the cold tier by its TTL
 * @invalidated: cold entries removed because a dependency arrived
 *
 * The `ngit_sync_rejected_*` metric values of one `event_type`.
 */
typedef struct {
	guint64 hot_current;
	guint64 hot_hits;
	guint64 hot_misses;
	guint64 hot_expired;
	guint64 cold_current;
	guint64 cold_expired;
	guint64 invalidated;
} GsRejectedIndexCounters;

/**
 * GsRejectedIndex:
 *
 * The rejected-events index of specs/sync.md section 10, in two tiers:
 * - hot: deferred events, kept whole for `hot-secs` (default 120) so that they are
 *   re-processed as soon as a dependency of theirs is stored;
 * - cold: the ids (with created_at) of deferred and refused events, kept for `cold-secs`
 *   (default 7 days) so that negentropy does not fetch them again.
 *
 * Every entry is filed under zero or more dependency keys (an event id, a coordinate
 * `kind:pubkey:d`); gs_rejected_index_take_dependents() is called with the keys of each stored
 * event and removes the entries filed under them from both tiers, returning the hot events.
 *
 * Main-thread only. Held in memory; gs_rejected_index_export() and gs_rejected_index_import()
 * carry the cold tier across a restart (the hot tier is short-lived and not persisted).
 */

#define GS_REJECTED_INDEX_DEFAULT_MAX_HOT 20000

GsRejectedIndex *
gs_rejected_index_new(guint hot_secs, guint cold_secs);
void
gs_rejected_index_set_max_hot(GsRejectedIndex *self, guint max_hot);
void
gs_rejected_index_set_clock(GsRejectedIndex *self, GsClockFunc clock, gpointer user_data);
guint
gs_rejected_index_get_hot_secs(GsRejectedIndex *self);
guint
gs_rejected_index_get_cold_secs(GsRejectedIndex *self);

void
gs_rejected_index_add_deferred(GsRejectedIndex *self,
			       GsEvent *event,
			       const gchar *const *dependencies);
void
gs_rejected_index_add_rejected(GsRejectedIndex *self,
			       GsEvent *event,
			       const gchar *const *dependencies);
GPtrArray *
gs_rejected_index_take_dependents(GsRejectedIndex *self, const gchar *key);
gboolean
gs_rejected_index_contains(GsRejectedIndex *self, const gchar *id_hex);
gboolean
gs_rejected_index_has_dependents(GsRejectedIndex *self, const gchar *key);
gboolean
gs_rejected_index_has_any_dependents(GsRejectedIndex *self);
guint
gs_rejected_index_expire(GsRejectedIndex *self);

GArray *
gs_rejected_index_dup_items(GsRejectedIndex *self);
GStrv
gs_rejected_index_dup_ids(GsRejectedIndex *self);
void
gs_rejected_index_get_counters(GsRejectedIndex *self,
			       GsRejectedEventType event_type,
			       GsRejectedIndexCounters *counters);

GVariant *
gs_rejected_index_export(GsRejectedIndex *self);
gboolean
gs_rejected_index_import(GsRejectedIndex *self, GVariant *state, GError **error);

GsRejectedEventType
gs_rejected_event_type_for_kind(guint kind);
const gchar *
gs_rejected_event_type_to_string(GsRejectedEventType event_type);

G_END_DECLS
