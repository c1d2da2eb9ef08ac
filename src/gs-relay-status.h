/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "gs-enums.h"

G_BEGIN_DECLS

/**
 * GsFailedBatch:
 * @reason: why it failed: a CLOSED prefix (`rate-limited`, `error`, ...), `timeout`,
 *   `negentropy-undelivered`, ...; the `reason` label of `ngit_sync_batches_failed_total`
 * @method: how it fetched
 * @n_repos: repositories in the batch (0 for the layer 1 batch)
 * @n_roots: root events in the batch
 * @failed_at: when it failed, Unix seconds
 *
 * A historic batch that failed and is kept for RetryFailed (sync spec section 4.2).
 */
typedef struct {
	gchar *reason;
	GsSyncMethod method;
	guint n_repos;
	guint n_roots;
	gint64 failed_at;
} GsFailedBatch;

#define GS_TYPE_FAILED_BATCH (gs_failed_batch_get_type())
GType
gs_failed_batch_get_type(void);
GsFailedBatch *
gs_failed_batch_new(const gchar *reason,
		    GsSyncMethod method,
		    guint n_repos,
		    guint n_roots,
		    gint64 failed_at);
GsFailedBatch *
gs_failed_batch_copy(const GsFailedBatch *batch);
void
gs_failed_batch_free(GsFailedBatch *batch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsFailedBatch, gs_failed_batch_free)

#define GS_TYPE_RELAY_STATUS (gs_relay_status_get_type())
G_DECLARE_FINAL_TYPE(GsRelayStatus, gs_relay_status, GS, RELAY_STATUS, GObject)

/*
 * GsRelayStatus: what the operator surfaces (D-Bus, /status, the HTML page, /metrics) show
 * about one relay. The sync engine owns one per followed relay and writes its properties with
 * g_object_set() or g_object_bind_property() (e.g. from GsRelayConnection:status); each
 * property notifies only on a real change, and the D-Bus relay object is bound to these
 * notifications, so PropertiesChanged follows every change.
 *
 * Properties, all readable and writable except :url (construct-only) and :failed-batches
 * (the length of the list given to gs_relay_status_set_failed_batches()):
 *   url, status, health, consecutive-failures, is-bootstrap, last-connected,
 *   disconnected-at, historic-sync-completed, historic-sync-had-failures, pending-batches,
 *   failed-batches, supports-negentropy (1 yes, 0 no, -1 not known yet), next-retry-at,
 *   subscriptions, last-event-at, naughty-category (nullable), naughty-occurrences.
 * Times are Unix seconds, 0 for never or none.
 */

GsRelayStatus *
gs_relay_status_new(const gchar *url);
const gchar *
gs_relay_status_get_url(GsRelayStatus *self);
GsConnectionStatus
gs_relay_status_get_status(GsRelayStatus *self);
GsRelayHealth
gs_relay_status_get_health(GsRelayStatus *self);
guint
gs_relay_status_get_consecutive_failures(GsRelayStatus *self);
gboolean
gs_relay_status_get_is_bootstrap(GsRelayStatus *self);
gint64
gs_relay_status_get_last_connected(GsRelayStatus *self);
gint64
gs_relay_status_get_disconnected_at(GsRelayStatus *self);
gboolean
gs_relay_status_get_historic_sync_completed(GsRelayStatus *self);
gboolean
gs_relay_status_get_historic_sync_had_failures(GsRelayStatus *self);
guint
gs_relay_status_get_pending_batches(GsRelayStatus *self);
guint
gs_relay_status_get_failed_batches(GsRelayStatus *self);
gint
gs_relay_status_get_supports_negentropy(GsRelayStatus *self);
gint64
gs_relay_status_get_next_retry_at(GsRelayStatus *self);
guint
gs_relay_status_get_subscriptions(GsRelayStatus *self);
gint64
gs_relay_status_get_last_event_at(GsRelayStatus *self);
const gchar *
gs_relay_status_get_naughty_category(GsRelayStatus *self);
guint
gs_relay_status_get_naughty_occurrences(GsRelayStatus *self);
gboolean
gs_relay_status_is_live(GsRelayStatus *self);

void
gs_relay_status_set_status(GsRelayStatus *self, GsConnectionStatus status);
void
gs_relay_status_set_failed_batches(GsRelayStatus *self, GPtrArray *batches);
GPtrArray *
gs_relay_status_dup_failed_batches(GsRelayStatus *self);

GVariant *
gs_relay_status_to_variant(GsRelayStatus *self);

G_END_DECLS
