/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsStatus"

#include "config.h"

#include "gs-enums-types.h"
#include "gs-error.h"
#include "gs-sync-metrics.h"
#include "gs-sync-status.h"

struct _GsSyncStatus {
	GObject parent_instance;
	GsSyncManager *manager;
	GHashTable *relays; /* url -> GsRelayStatus */
	GStrv service_urls;
	gint64 started_at;
	guint repo_count;
	guint root_count;
	GsHomeRelay *home; /* nullable */
};

enum { PROP_0, PROP_SERVICE_URLS, PROP_STARTED_AT, PROP_REPO_COUNT, PROP_ROOT_COUNT };

static void
gs_sync_status_iface_init(GsStatusProviderInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE(GsSyncStatus,
			      gs_sync_status,
			      G_TYPE_OBJECT,
			      G_IMPLEMENT_INTERFACE(GS_TYPE_STATUS_PROVIDER,
						    gs_sync_status_iface_init))

static GsSyncTargets *
gs_sync_status_targets(GsSyncStatus *self)
{
	return gs_sync_index_get_targets(gs_sync_manager_get_index(self->manager));
}

static void
gs_sync_status_update_counts(GsSyncStatus *self)
{
	guint repos = gs_sync_targets_get_n_repos(gs_sync_status_targets(self));
	guint roots = gs_sync_targets_get_n_roots(gs_sync_status_targets(self));

	if (repos != self->repo_count) {
		self->repo_count = repos;
		g_object_notify(G_OBJECT(self), "repo-count");
	}
	if (roots != self->root_count) {
		self->root_count = roots;
		g_object_notify(G_OBJECT(self), "root-count");
	}
}

/* the manager's `aa{sv}` of failed batches as #GsFailedBatch records */
static GPtrArray *
gs_sync_status_failed_batches(GsSyncStatus *self, const gchar *url)
{
	g_autoptr(GVariant) list = gs_sync_manager_dup_relay_failed_batches(self->manager, url);
	GPtrArray *batches = g_ptr_array_new_with_free_func((GDestroyNotify)gs_failed_batch_free);

	for (gsize i = 0; i < g_variant_n_children(list); i++) {
		g_autoptr(GVariant) dict = g_variant_get_child_value(list, i);
		g_autoptr(GVariant) repos = g_variant_lookup_value(dict, "repos", NULL);
		g_autoptr(GVariant) roots = g_variant_lookup_value(dict, "roots", NULL);
		const gchar *reason = "error", *method = NULL;
		gint64 ended_at = 0;

		g_variant_lookup(dict, "reason", "&s", &reason);
		g_variant_lookup(dict, "method", "&s", &method);
		g_variant_lookup(dict, "ended-at", "x", &ended_at);
		g_ptr_array_add(batches,
				gs_failed_batch_new(reason,
						    g_strcmp0(method, "negentropy") == 0
							    ? GS_SYNC_METHOD_NEGENTROPY
							    : GS_SYNC_METHOD_REQ_EOSE,
						    repos != NULL ? g_variant_n_children(repos) : 0,
						    roots != NULL ? g_variant_n_children(roots) : 0,
						    ended_at));
	}
	return batches;
}

static void
gs_sync_status_refresh(GsSyncStatus *self, GsRelayStatus *relay)
{
	GsSyncManager *m = self->manager;
	const gchar *url = gs_relay_status_get_url(relay);
	GsHealthTracker *health = gs_sync_manager_get_health(m);
	GsNaughtyCategory category = gs_health_tracker_get_naughty_category(health, url);
	g_autoptr(GPtrArray) failed = gs_sync_status_failed_batches(self, url);
	GsSyncRelayStats stats = {0};

	gs_sync_manager_get_relay_stats(m, url, &stats);
	g_object_freeze_notify(G_OBJECT(relay));
	g_object_set(relay,
		     "status",
		     gs_sync_manager_get_relay_status(m, url),
		     "health",
		     gs_sync_manager_get_relay_health(m, url),
		     "consecutive-failures",
		     gs_sync_manager_get_relay_consecutive_failures(m, url),
		     "is-bootstrap",
		     gs_sync_manager_get_relay_is_bootstrap(m, url),
		     "last-connected",
		     MAX(0, gs_sync_manager_get_relay_last_connected(m, url)),
		     "disconnected-at",
		     MAX(0, gs_sync_manager_get_relay_disconnected_at(m, url)),
		     "historic-sync-completed",
		     gs_sync_manager_get_relay_historic_sync_completed(m, url),
		     "historic-sync-had-failures",
		     gs_sync_manager_get_relay_historic_sync_had_failures(m, url),
		     "pending-batches",
		     gs_sync_manager_get_relay_pending_batches(m, url),
		     "supports-negentropy",
		     gs_sync_manager_get_relay_supports_negentropy(m, url),
		     "next-retry-at",
		     MAX(0, gs_sync_manager_get_relay_next_retry_at(m, url)),
		     "subscriptions",
		     stats.n_subscriptions,
		     "last-event-at",
		     MAX(0, stats.last_event_at),
		     "naughty-category",
		     category != GS_NAUGHTY_CATEGORY_NONE ? gs_naughty_category_to_string(category)
							  : NULL,
		     "naughty-occurrences",
		     gs_health_tracker_get_naughty_occurrences(health, url),
		     NULL);
	gs_relay_status_set_failed_batches(relay, failed);
	g_object_thaw_notify(G_OBJECT(relay));
}

static void
gs_sync_status_relay_added_cb(GsSyncManager *manager, const gchar *url, gpointer user_data)
{
	GsSyncStatus *self = GS_SYNC_STATUS(user_data);
	g_autoptr(GsRelayStatus) relay = NULL;

	if (g_hash_table_contains(self->relays, url))
		return;
	relay = gs_relay_status_new(url);
	gs_sync_status_refresh(self, relay);
	g_hash_table_insert(self->relays, g_strdup(url), g_object_ref(relay));
	g_signal_emit_by_name(self, "relay-added", relay);
}

static void
gs_sync_status_relay_removed_cb(GsSyncManager *manager, const gchar *url, gpointer user_data)
{
	GsSyncStatus *self = GS_SYNC_STATUS(user_data);
	GsRelayStatus *found = g_hash_table_lookup(self->relays, url);
	g_autoptr(GsRelayStatus) relay = found != NULL ? g_object_ref(found) : NULL;

	if (relay == NULL)
		return;
	g_hash_table_remove(self->relays, url);
	g_signal_emit_by_name(self, "relay-removed", relay);
	gs_sync_status_update_counts(self);
}

static void
gs_sync_status_relay_changed_cb(GsSyncManager *manager, const gchar *url, gpointer user_data)
{
	GsSyncStatus *self = GS_SYNC_STATUS(user_data);
	GsRelayStatus *relay = g_hash_table_lookup(self->relays, url);

	if (relay != NULL)
		gs_sync_status_refresh(self, relay);
	gs_sync_status_update_counts(self);
}

static GPtrArray *
gs_sync_status_dup_relays(GsStatusProvider *provider)
{
	GsSyncStatus *self = GS_SYNC_STATUS(provider);
	GPtrArray *relays = g_ptr_array_new_with_free_func(g_object_unref);
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_ptr_array_add(relays, g_object_ref(value));
	return relays;
}

/* every repository a followed relay serves (the targets list them by relay) */
static GPtrArray *
gs_sync_status_dup_repos(GsStatusProvider *provider)
{
	GsSyncStatus *self = GS_SYNC_STATUS(provider);
	GsSyncTargets *targets = gs_sync_status_targets(self);
	g_auto(GStrv) relays = gs_sync_targets_dup_relays(targets);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GPtrArray *repos = g_ptr_array_new_with_free_func((GDestroyNotify)gs_repo_info_free);

	for (guint i = 0; relays != NULL && relays[i] != NULL; i++) {
		g_autoptr(GPtrArray) coords = gs_sync_targets_dup_relay_repos(targets, relays[i]);
		for (guint j = 0; coords != NULL && j < coords->len; j++) {
			const gchar *coord = g_ptr_array_index(coords, j);
			g_auto(GStrv) repo_relays = NULL;
			g_autoptr(GPtrArray) roots = NULL;
			GsSyncLevel level = GS_SYNC_LEVEL_FULL;

			if (!g_hash_table_add(seen, g_strdup(coord)))
				continue;
			gs_sync_targets_get_repo_level(targets, coord, &level);
			repo_relays = gs_sync_targets_dup_repo_relays(targets, coord);
			roots = gs_sync_targets_dup_repo_roots(targets, coord);
			g_ptr_array_add(repos,
					gs_repo_info_new(coord,
							 level,
							 roots != NULL ? roots->len : 0,
							 (const gchar *const *)repo_relays));
		}
	}
	return repos;
}

static gboolean
gs_sync_status_add_relay(GsStatusProvider *provider,
			 const gchar *url,
			 gboolean bootstrap,
			 GError **error)
{
	GsSyncStatus *self = GS_SYNC_STATUS(provider);
	g_autofree gchar *normal = gs_sync_manager_add_relay(self->manager, url, bootstrap, error);

	if (normal == NULL)
		return FALSE;
	/* the manager may only have changed the bootstrap flag */
	gs_sync_status_relay_added_cb(self->manager, normal, self);
	gs_sync_status_relay_changed_cb(self->manager, normal, self);
	return TRUE;
}

static gboolean
gs_sync_status_remove_relay(GsStatusProvider *provider, const gchar *url, GError **error)
{
	return gs_sync_manager_remove_relay(GS_SYNC_STATUS(provider)->manager, url, error);
}

static gboolean
gs_sync_status_resync(GsStatusProvider *provider, const gchar *url, GError **error)
{
	return gs_sync_manager_resync(GS_SYNC_STATUS(provider)->manager, url, error);
}

static gboolean
gs_sync_status_resync_all(GsStatusProvider *provider, GError **error)
{
	gs_sync_manager_resync_all(GS_SYNC_STATUS(provider)->manager);
	return TRUE;
}

static gboolean
gs_sync_status_retry_failed(GsStatusProvider *provider, const gchar *url, GError **error)
{
	return gs_sync_manager_retry_failed(GS_SYNC_STATUS(provider)->manager, url, error);
}

static gboolean
gs_sync_status_reconnect(GsStatusProvider *provider, const gchar *url, GError **error)
{
	return gs_sync_manager_reconnect(GS_SYNC_STATUS(provider)->manager, url, error);
}

static gboolean
gs_sync_status_disconnect(GsStatusProvider *provider, const gchar *url, GError **error)
{
	return gs_sync_manager_disconnect_relay(GS_SYNC_STATUS(provider)->manager, url, error);
}

static GVariant *
gs_sync_status_dup_home(GsStatusProvider *provider)
{
	GsSyncStatus *self = GS_SYNC_STATUS(provider);
	return self->home != NULL ? gs_home_relay_dup_status(self->home) : NULL;
}

static gboolean
gs_sync_status_retry_home_refused(GsStatusProvider *provider, guint *n_retried, GError **error)
{
	GsSyncStatus *self = GS_SYNC_STATUS(provider);
	g_autoptr(GError) error_local = NULL;

	if (self->home == NULL) {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_NOT_FOUND, "no home relay is configured");
		return FALSE;
	}
	*n_retried = gs_home_relay_retry_refused(self->home, &error_local);
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	return TRUE;
}

static void
gs_sync_status_iface_init(GsStatusProviderInterface *iface)
{
	iface->dup_home = gs_sync_status_dup_home;
	iface->retry_home_refused = gs_sync_status_retry_home_refused;
	iface->dup_relays = gs_sync_status_dup_relays;
	iface->dup_repos = gs_sync_status_dup_repos;
	iface->add_relay = gs_sync_status_add_relay;
	iface->remove_relay = gs_sync_status_remove_relay;
	iface->resync = gs_sync_status_resync;
	iface->resync_all = gs_sync_status_resync_all;
	iface->retry_failed = gs_sync_status_retry_failed;
	iface->reconnect = gs_sync_status_reconnect;
	iface->disconnect = gs_sync_status_disconnect;
}

/* `a{st}` reason -> count as totals of a {relay, reason} counter */
static void
gs_sync_status_set_reasons(GsMetrics *metrics,
			   const gchar *name,
			   const gchar *url,
			   GVariant *reasons)
{
	GVariantIter iter;
	const gchar *reason;
	guint64 count;

	g_variant_iter_init(&iter, reasons);
	while (g_variant_iter_next(&iter, "{&st}", &reason, &count)) {
		const gchar *values[] = {url, reason, NULL};
		gs_metrics_set_total(metrics, name, values, (gdouble)count);
	}
}

static void
gs_sync_status_collect_relay(GsSyncStatus *self, GsMetrics *metrics, const gchar *url)
{
	GsSyncRelayStats stats = {0};
	const gchar *one[] = {url, NULL};
	const gchar *ok[] = {url, "success", NULL};
	const gchar *ko[] = {url, "failure", NULL};
	g_autoptr(GVariant) failures =
		gs_sync_manager_dup_relay_failure_reasons(self->manager, url);
	g_autoptr(GVariant) fallbacks =
		gs_sync_manager_dup_relay_fallback_reasons(self->manager, url);
	g_autoptr(GEnumClass) outcomes = g_type_class_ref(GS_TYPE_SYNC_OUTCOME);

	if (!gs_sync_manager_get_relay_stats(self->manager, url, &stats))
		return;
	gs_metrics_set_total(metrics, GS_METRIC_CONNECTION_ATTEMPTS, ok, stats.attempts_success);
	gs_metrics_set_total(metrics, GS_METRIC_CONNECTION_ATTEMPTS, ko, stats.attempts_failure);
	gs_metrics_set_total(metrics, GS_METRIC_EVENTS_RECEIVED, one, stats.events_received);
	gs_metrics_set_total(metrics, GS_METRIC_RATE_LIMITED, one, stats.rate_limited);
	gs_metrics_set_total(metrics, GS_METRIC_GAP_EVENTS, one, stats.gap_events);
	for (guint m = GS_SYNC_METHOD_NEGENTROPY; m <= GS_SYNC_METHOD_REQ_EOSE; m++) {
		for (guint o = GS_SYNC_OUTCOME_COMPLETE; o <= GS_SYNC_OUTCOME_ABORTED; o++) {
			GEnumValue *ev = g_enum_get_value(outcomes, o);
			const gchar *values[] = {
				url, gs_sync_method_to_string(m), ev->value_nick, NULL};
			gs_metrics_set_total(
				metrics, GS_METRIC_BATCHES, values, stats.batches[m][o]);
		}
	}
	gs_sync_status_set_reasons(metrics, GS_METRIC_BATCHES_FAILED, url, failures);
	gs_sync_status_set_reasons(metrics, GS_METRIC_NEGENTROPY_FALLBACKS, url, fallbacks);
}

static void
gs_sync_status_collect_cb(GsMetrics *metrics, gpointer user_data)
{
	GWeakRef *ref = user_data;
	g_autoptr(GsSyncStatus) self = g_weak_ref_get(ref);
	GsSyncDurationHistogram histogram = {0};
	guint64 counts[GS_SYNC_DURATION_BUCKETS + 1];
	guint64 in_buckets = 0;
	GHashTableIter iter;
	gpointer key;

	if (self == NULL)
		return;
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		gs_sync_status_collect_relay(self, metrics, key);
	gs_metrics_set_total(metrics,
			     GS_METRIC_EVENTS_SYNCED,
			     NULL,
			     (gdouble)gs_sync_manager_get_events_synced(self->manager));
	for (guint s = 0; s < GS_SYNC_EVENT_SOURCE_LAST; s++) {
		const gchar *values[] = {gs_sync_event_source_to_string(s), NULL};
		gs_metrics_set_total(
			metrics,
			GS_METRIC_EVENTS_BY_SOURCE,
			values,
			(gdouble)gs_sync_manager_get_events_by_source(self->manager, s));
	}
	gs_sync_manager_get_duration_histogram(self->manager, &histogram);
	for (guint i = 0; i < GS_SYNC_DURATION_BUCKETS; i++) {
		counts[i] = histogram.counts[i];
		in_buckets += histogram.counts[i];
	}
	counts[GS_SYNC_DURATION_BUCKETS] = histogram.count - MIN(in_buckets, histogram.count);
	gs_metrics_set_histogram(metrics,
				 GS_METRIC_HISTORIC_DURATION,
				 NULL,
				 counts,
				 G_N_ELEMENTS(counts),
				 histogram.sum);
}

static void
gs_sync_status_weak_ref_free(GWeakRef *ref)
{
	g_weak_ref_clear(ref);
	g_free(ref);
}

/**
 * gs_sync_status_bind_metrics:
 *
 * Adds the engine's counters; the live-state gauges come from gs_sync_metrics_bind(), which
 * GsDaemon calls for its status provider. Holds @self weakly.
 */
void
gs_sync_status_bind_metrics(GsSyncStatus *self, GsMetrics *metrics)
{
	GWeakRef *ref = g_new0(GWeakRef, 1);

	g_return_if_fail(GS_IS_SYNC_STATUS(self));
	g_weak_ref_init(ref, self);
	gs_metrics_add_collector(metrics,
				 gs_sync_status_collect_cb,
				 ref,
				 (GDestroyNotify)gs_sync_status_weak_ref_free);
}

static void
gs_sync_status_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	GsSyncStatus *self = GS_SYNC_STATUS(object);

	switch (prop_id) {
	case PROP_SERVICE_URLS:
		g_value_set_boxed(value, self->service_urls);
		break;
	case PROP_STARTED_AT:
		g_value_set_int64(value, self->started_at);
		break;
	case PROP_REPO_COUNT:
		g_value_set_uint(value, self->repo_count);
		break;
	case PROP_ROOT_COUNT:
		g_value_set_uint(value, self->root_count);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
gs_sync_status_dispose(GObject *object)
{
	GsSyncStatus *self = GS_SYNC_STATUS(object);

	if (self->manager != NULL)
		g_signal_handlers_disconnect_by_data(self->manager, self);
	g_clear_object(&self->manager);
	if (self->home != NULL)
		g_signal_handlers_disconnect_by_data(self->home, self);
	g_clear_object(&self->home);
	g_hash_table_remove_all(self->relays);
	G_OBJECT_CLASS(gs_sync_status_parent_class)->dispose(object);
}

static void
gs_sync_status_finalize(GObject *object)
{
	GsSyncStatus *self = GS_SYNC_STATUS(object);

	g_hash_table_unref(self->relays);
	g_strfreev(self->service_urls);
	G_OBJECT_CLASS(gs_sync_status_parent_class)->finalize(object);
}

static void
gs_sync_status_class_init(GsSyncStatusClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->get_property = gs_sync_status_get_property;
	object_class->dispose = gs_sync_status_dispose;
	object_class->finalize = gs_sync_status_finalize;
	g_object_class_override_property(object_class, PROP_SERVICE_URLS, "service-urls");
	g_object_class_override_property(object_class, PROP_STARTED_AT, "started-at");
	g_object_class_override_property(object_class, PROP_REPO_COUNT, "repo-count");
	g_object_class_override_property(object_class, PROP_ROOT_COUNT, "root-count");
}

static void
gs_sync_status_init(GsSyncStatus *self)
{
	self->relays = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_object_unref);
	self->started_at = g_get_real_time() / G_USEC_PER_SEC;
}

static void
gs_sync_status_home_notify_cb(GObject *home, GParamSpec *pspec, gpointer user_data)
{
	g_signal_emit_by_name(user_data, "home-changed");
}

/**
 * gs_sync_status_set_home:
 * @home: (nullable): the delivery into the GRASP server's own relay
 *
 * Shows @home as the provider's home relay (GetStatus, /status, the Home D-Bus properties,
 * the `ngit_sync_home_*` metrics) and lets `RetryHomeRefused` act on it.
 */
void
gs_sync_status_set_home(GsSyncStatus *self, GsHomeRelay *home)
{
	const gchar *const props[] = {"connected", "outbox-pending", "outbox-refused"};

	g_return_if_fail(GS_IS_SYNC_STATUS(self));
	if (self->home != NULL)
		g_signal_handlers_disconnect_by_data(self->home, self);
	g_set_object(&self->home, home);
	for (guint i = 0; home != NULL && i < G_N_ELEMENTS(props); i++) {
		g_autofree gchar *signal = g_strdup_printf("notify::%s", props[i]);
		g_signal_connect(home, signal, G_CALLBACK(gs_sync_status_home_notify_cb), self);
	}
	g_signal_emit_by_name(self, "home-changed");
}

/**
 * gs_sync_status_new:
 * @service_urls: (nullable): this GRASP service's relay URLs, shown as ServiceUrls
 */
GsSyncStatus *
gs_sync_status_new(GsSyncManager *manager, const gchar *const *service_urls)
{
	GsSyncStatus *self;
	g_auto(GStrv) urls = NULL;

	g_return_val_if_fail(GS_IS_SYNC_MANAGER(manager), NULL);
	self = g_object_new(GS_TYPE_SYNC_STATUS, NULL);
	self->manager = g_object_ref(manager);
	self->service_urls =
		service_urls != NULL ? g_strdupv((gchar **)service_urls) : g_new0(gchar *, 1);
	g_signal_connect(manager, "relay-added", G_CALLBACK(gs_sync_status_relay_added_cb), self);
	g_signal_connect(
		manager, "relay-removed", G_CALLBACK(gs_sync_status_relay_removed_cb), self);
	g_signal_connect(
		manager, "relay-changed", G_CALLBACK(gs_sync_status_relay_changed_cb), self);
	urls = gs_sync_manager_dup_relay_urls(manager);
	for (guint i = 0; urls != NULL && urls[i] != NULL; i++)
		gs_sync_status_relay_added_cb(manager, urls[i], self);
	gs_sync_status_update_counts(self);
	return self;
}
