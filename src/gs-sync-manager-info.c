/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-enums-types.h"
#include "gs-relay-url.h"
#include "gs-sync-manager-private.h"

/*
 * What the sync manager shows: the properties of each relay (the D-Bus Relay object of
 * DESIGN.md) and the counters behind the metrics of specs/sync.md 11. Getters take a URL in
 * any spelling; an unknown relay gives the default value.
 */

gboolean
gs_sync_manager_is_running(GsSyncManager *self)
{
	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	return self->running;
}

GsSyncIndex *
gs_sync_manager_get_index(GsSyncManager *self)
{
	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), NULL);
	return self->index;
}

GsHealthTracker *
gs_sync_manager_get_health(GsSyncManager *self)
{
	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), NULL);
	return self->health;
}

static GsSyncRelay *
gs_sync_manager_info_find(GsSyncManager *self, const gchar *url)
{
	g_autofree gchar *normal = NULL;
	GsSyncRelay *relay = gs_sync_manager_lookup(self, url);

	if (relay != NULL || url == NULL)
		return relay;
	normal = gs_relay_url_normalise(url, FALSE, NULL);
	return gs_sync_manager_lookup(self, normal);
}

static gint
gs_sync_manager_info_strcmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* returns: (transfer full): the followed relays, sorted */
gchar **
gs_sync_manager_dup_relay_urls(GsSyncManager *self)
{
	g_autofree gpointer *keys = NULL;
	GPtrArray *out = g_ptr_array_new();
	guint n = 0;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), NULL);
	keys = g_hash_table_get_keys_as_array(self->relays, &n);
	for (guint i = 0; i < n; i++)
		g_ptr_array_add(out, g_strdup(keys[i]));
	g_ptr_array_sort(out, gs_sync_manager_info_strcmp);
	g_ptr_array_add(out, NULL);
	return (gchar **)g_ptr_array_free(out, FALSE);
}

gboolean
gs_sync_manager_has_relay(GsSyncManager *self, const gchar *url)
{
	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	return gs_sync_manager_info_find(self, url) != NULL;
}

/* returns: (transfer none) (nullable): the connection, whose `status` property can be watched */
GsRelayConnection *
gs_sync_manager_get_connection(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), NULL);
	relay = gs_sync_manager_info_find(self, url);
	return relay != NULL ? relay->conn : NULL;
}

GsConnectionStatus
gs_sync_manager_get_relay_status(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), GS_CONNECTION_STATUS_DISCONNECTED);
	relay = gs_sync_manager_info_find(self, url);
	return relay != NULL ? gs_relay_connection_get_status(relay->conn)
			     : GS_CONNECTION_STATUS_DISCONNECTED;
}

GsRelayHealth
gs_sync_manager_get_relay_health(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), GS_RELAY_HEALTH_DISCONNECTED);
	relay = gs_sync_manager_info_find(self, url);
	if (relay == NULL)
		return GS_RELAY_HEALTH_DISCONNECTED;
	return gs_health_tracker_get_health(self->health, relay->url);
}

guint
gs_sync_manager_get_relay_consecutive_failures(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), 0);
	relay = gs_sync_manager_info_find(self, url);
	return relay != NULL ? gs_health_tracker_get_consecutive_failures(self->health, relay->url)
			     : 0;
}

gboolean
gs_sync_manager_get_relay_is_bootstrap(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	relay = gs_sync_manager_info_find(self, url);
	return relay != NULL && relay->bootstrap;
}

/* unix seconds of the last successful connection, 0 for never */
gint64
gs_sync_manager_get_relay_last_connected(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), 0);
	relay = gs_sync_manager_info_find(self, url);
	return relay != NULL ? relay->last_connected : 0;
}

/* unix seconds when the last connection ended, 0 for never (or unknown) */
gint64
gs_sync_manager_get_relay_disconnected_at(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), 0);
	relay = gs_sync_manager_info_find(self, url);
	return relay != NULL ? MAX(relay->disconnected_at, 0) : 0;
}

gboolean
gs_sync_manager_get_relay_historic_sync_completed(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	relay = gs_sync_manager_info_find(self, url);
	return relay != NULL && gs_sync_index_get_historic_sync_completed(self->index, relay->url);
}

gboolean
gs_sync_manager_get_relay_historic_sync_had_failures(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	relay = gs_sync_manager_info_find(self, url);
	return relay != NULL &&
	       gs_sync_index_get_historic_sync_had_failures(self->index, relay->url);
}

guint
gs_sync_manager_get_relay_pending_batches(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), 0);
	relay = gs_sync_manager_info_find(self, url);
	return relay != NULL ? gs_sync_index_get_n_pending(self->index, relay->url) : 0;
}

guint
gs_sync_manager_get_relay_failed_batches(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), 0);
	relay = gs_sync_manager_info_find(self, url);
	return relay != NULL ? gs_sync_index_get_n_failed(self->index, relay->url) : 0;
}

static GVariant *
gs_sync_manager_strv_variant(GPtrArray *items)
{
	GVariantBuilder builder;

	g_variant_builder_init(&builder, G_VARIANT_TYPE_STRING_ARRAY);
	for (guint i = 0; i < items->len; i++)
		g_variant_builder_add(&builder, "s", g_ptr_array_index(items, i));
	return g_variant_builder_end(&builder);
}

/**
 * gs_sync_manager_dup_relay_failed_batches:
 *
 * The failed batches kept for RetryFailed, oldest first, one `a{sv}` each: `id` (t),
 * `reason` (s), `method` (s), `repos` (as), `roots` (as), `started-at` and `ended-at` (x).
 *
 * Returns: (transfer full): an `aa{sv}` variant (floating references sunk)
 */
GVariant *
gs_sync_manager_dup_relay_failed_batches(GsSyncManager *self, const gchar *url)
{
	g_autoptr(GPtrArray) failed = NULL;
	GVariantBuilder builder;
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), NULL);
	relay = gs_sync_manager_info_find(self, url);
	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{sv}"));
	failed = relay != NULL ? gs_sync_index_dup_failed_batches(self->index, relay->url)
			       : g_ptr_array_new();
	for (guint i = 0; i < failed->len; i++) {
		GsSyncBatch *batch = g_ptr_array_index(failed, i);
		const gchar *reason = gs_sync_batch_get_reason(batch);
		GVariantBuilder dict;

		g_variant_builder_init(&dict, G_VARIANT_TYPE_VARDICT);
		g_variant_builder_add(
			&dict, "{sv}", "id", g_variant_new_uint64(gs_sync_batch_get_id(batch)));
		g_variant_builder_add(
			&dict, "{sv}", "reason", g_variant_new_string(reason ? reason : "error"));
		g_variant_builder_add(&dict,
				      "{sv}",
				      "method",
				      g_variant_new_string(gs_sync_batch_get_method(batch) ==
									   GS_SYNC_METHOD_NEGENTROPY
								   ? "negentropy"
								   : "req-eose"));
		g_variant_builder_add(&dict,
				      "{sv}",
				      "repos",
				      gs_sync_manager_strv_variant(gs_sync_batch_get_repos(batch)));
		g_variant_builder_add(&dict,
				      "{sv}",
				      "roots",
				      gs_sync_manager_strv_variant(gs_sync_batch_get_roots(batch)));
		g_variant_builder_add(&dict,
				      "{sv}",
				      "started-at",
				      g_variant_new_int64(gs_sync_batch_get_started_at(batch)));
		g_variant_builder_add(&dict,
				      "{sv}",
				      "ended-at",
				      g_variant_new_int64(gs_sync_batch_get_ended_at(batch)));
		g_variant_builder_add_value(&builder, g_variant_builder_end(&dict));
	}
	return g_variant_ref_sink(g_variant_builder_end(&builder));
}

/* 1: the relay speaks NIP-77, 0: it does not (the mark holds 24 h), -1: not known yet */
gint
gs_sync_manager_get_relay_supports_negentropy(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), GS_SYNC_NIP77_UNKNOWN);
	relay = gs_sync_manager_info_find(self, url);
	return relay != NULL ? relay->nip77 : GS_SYNC_NIP77_UNKNOWN;
}

/* unix seconds of the next connection attempt the backoff allows, 0 when none is due */
gint64
gs_sync_manager_get_relay_next_retry_at(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;
	gint64 us;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), 0);
	relay = gs_sync_manager_info_find(self, url);
	if (relay == NULL)
		return 0;
	us = gs_health_tracker_get_next_retry_at(self->health, relay->url);
	return us > 0 ? us / G_USEC_PER_SEC : 0;
}

/* unix seconds of the relay's next daily pass, 0 when none is scheduled */
gint64
gs_sync_manager_get_relay_next_daily_at(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), 0);
	relay = gs_sync_manager_info_find(self, url);
	return relay != NULL ? relay->next_daily_at : 0;
}

/* fills @stats with the counters of @url; returns: %FALSE (zeroed) for an unknown relay */
gboolean
gs_sync_manager_get_relay_stats(GsSyncManager *self, const gchar *url, GsSyncRelayStats *stats)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	g_return_val_if_fail(stats != NULL, FALSE);
	relay = gs_sync_manager_info_find(self, url);
	memset(stats, 0, sizeof(*stats));
	if (relay == NULL)
		return FALSE;
	*stats = relay->stats;
	stats->n_subscriptions = gs_relay_connection_get_n_subscriptions(relay->conn);
	return TRUE;
}

static GVariant *
gs_sync_manager_reasons_variant(GHashTable *reasons)
{
	GVariantBuilder builder;
	GHashTableIter iter;
	gpointer key, value;

	g_variant_builder_init(&builder, G_VARIANT_TYPE("a{st}"));
	if (reasons != NULL) {
		g_hash_table_iter_init(&iter, reasons);
		while (g_hash_table_iter_next(&iter, &key, &value))
			g_variant_builder_add(
				&builder, "{st}", key, (guint64)GPOINTER_TO_UINT(value));
	}
	return g_variant_ref_sink(g_variant_builder_end(&builder));
}

/* returns: (transfer full): `a{st}`, failed batches by reason (`ngit_sync_batches_failed_total`) */
GVariant *
gs_sync_manager_dup_relay_failure_reasons(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), NULL);
	relay = gs_sync_manager_info_find(self, url);
	return gs_sync_manager_reasons_variant(relay != NULL ? relay->failure_reasons : NULL);
}

/* returns: (transfer full): `a{st}`, negentropy fallbacks by reason
 * (`ngit_sync_negentropy_fallbacks_total`) */
GVariant *
gs_sync_manager_dup_relay_fallback_reasons(GsSyncManager *self, const gchar *url)
{
	GsSyncRelay *relay;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), NULL);
	relay = gs_sync_manager_info_find(self, url);
	return gs_sync_manager_reasons_variant(relay != NULL ? relay->fallback_reasons : NULL);
}

/* the durations of completed historic passes (`ngit_sync_historic_sync_duration_seconds`) */
void
gs_sync_manager_get_duration_histogram(GsSyncManager *self, GsSyncDurationHistogram *histogram)
{
	g_return_if_fail(GS_IS_SYNC_MANAGER(self));
	*histogram = self->durations;
}

/* the `source` label of ngit_sync_events_total */
const gchar *
gs_sync_event_source_to_string(GsSyncEventSource source)
{
	static const gchar *const names[] = {"live_sync", "catchup", "daily_catchup"};

	g_return_val_if_fail((guint)source < GS_SYNC_EVENT_SOURCE_LAST, NULL);
	return names[source];
}

/* events newly stored from relays that came by @source (`ngit_sync_events_total`) */
guint64
gs_sync_manager_get_events_by_source(GsSyncManager *self, GsSyncEventSource source)
{
	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), 0);
	g_return_val_if_fail((guint)source < GS_SYNC_EVENT_SOURCE_LAST, 0);
	return self->events_by_source[source];
}

/* events newly stored from relays (`ngit_sync_events_synced_total`) */
guint64
gs_sync_manager_get_events_synced(GsSyncManager *self)
{
	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), 0);
	return self->events_synced;
}

/* times historic work began to wait for the ingest's backlog (gs_sync_backlog_update()) */
guint64
gs_sync_manager_get_backlog_pauses(GsSyncManager *self)
{
	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), 0);
	return self->backlog_pauses;
}

/* whether historic work waits for the ingest's backlog now */
gboolean
gs_sync_manager_get_backlogged(GsSyncManager *self)
{
	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), FALSE);
	return self->backlogged;
}

/* times the engine trimmed the heap after the last running historic pass ended */
guint64
gs_sync_manager_get_memory_trims(GsSyncManager *self)
{
	g_return_val_if_fail(GS_IS_SYNC_MANAGER(self), 0);
	return self->memory_trims;
}
