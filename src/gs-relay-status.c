/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsStatus"

#include "config.h"

#include "gs-enums-types.h"
#include "gs-relay-status.h"

struct _GsRelayStatus {
	GObject parent_instance;
	gchar *url;
	guint status; /* GsConnectionStatus */
	guint health; /* GsRelayHealth */
	guint consecutive_failures;
	gboolean is_bootstrap;
	gint64 last_connected;
	gint64 disconnected_at;
	gboolean historic_sync_completed;
	gboolean historic_sync_had_failures;
	guint pending_batches;
	GPtrArray *failed; /* of GsFailedBatch */
	gint supports_negentropy;
	gint64 next_retry_at;
	guint subscriptions;
	gint64 last_event_at;
	gchar *naughty_category;
	guint naughty_occurrences;
};

enum {
	PROP_0,
	PROP_URL,
	PROP_STATUS,
	PROP_HEALTH,
	PROP_CONSECUTIVE_FAILURES,
	PROP_IS_BOOTSTRAP,
	PROP_LAST_CONNECTED,
	PROP_DISCONNECTED_AT,
	PROP_HISTORIC_SYNC_COMPLETED,
	PROP_HISTORIC_SYNC_HAD_FAILURES,
	PROP_PENDING_BATCHES,
	PROP_FAILED_BATCHES,
	PROP_SUPPORTS_NEGENTROPY,
	PROP_NEXT_RETRY_AT,
	PROP_SUBSCRIPTIONS,
	PROP_LAST_EVENT_AT,
	PROP_NAUGHTY_CATEGORY,
	PROP_NAUGHTY_OCCURRENCES,
	PROP_LAST
};

static GParamSpec *props[PROP_LAST] = {NULL};

G_DEFINE_FINAL_TYPE(GsRelayStatus, gs_relay_status, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE(GsFailedBatch, gs_failed_batch, gs_failed_batch_copy, gs_failed_batch_free)

GsFailedBatch *
gs_failed_batch_new(const gchar *reason,
		    GsSyncMethod method,
		    guint n_repos,
		    guint n_roots,
		    gint64 failed_at)
{
	GsFailedBatch *batch = g_new0(GsFailedBatch, 1);
	batch->reason = g_strdup(reason);
	batch->method = method;
	batch->n_repos = n_repos;
	batch->n_roots = n_roots;
	batch->failed_at = failed_at;
	return batch;
}

GsFailedBatch *
gs_failed_batch_copy(const GsFailedBatch *batch)
{
	return gs_failed_batch_new(
		batch->reason, batch->method, batch->n_repos, batch->n_roots, batch->failed_at);
}

void
gs_failed_batch_free(GsFailedBatch *batch)
{
	g_free(batch->reason);
	g_free(batch);
}

/* each setter notifies only on a real change (G_PARAM_EXPLICIT_NOTIFY) */
static void
gs_relay_status_update_uint(GsRelayStatus *self, guint *field, guint value, guint prop)
{
	if (*field == value)
		return;
	*field = value;
	g_object_notify_by_pspec(G_OBJECT(self), props[prop]);
}

static void
gs_relay_status_update_int(GsRelayStatus *self, gint *field, gint value, guint prop)
{
	if (*field == value)
		return;
	*field = value;
	g_object_notify_by_pspec(G_OBJECT(self), props[prop]);
}

static void
gs_relay_status_update_int64(GsRelayStatus *self, gint64 *field, gint64 value, guint prop)
{
	if (*field == value)
		return;
	*field = value;
	g_object_notify_by_pspec(G_OBJECT(self), props[prop]);
}

static void
gs_relay_status_update_string(GsRelayStatus *self, gchar **field, const gchar *value, guint prop)
{
	if (g_strcmp0(*field, value) == 0)
		return;
	g_free(*field);
	*field = g_strdup(value);
	g_object_notify_by_pspec(G_OBJECT(self), props[prop]);
}

const gchar *
gs_relay_status_get_url(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), NULL);
	return self->url;
}

GsConnectionStatus
gs_relay_status_get_status(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), GS_CONNECTION_STATUS_DISCONNECTED);
	return (GsConnectionStatus)self->status;
}

void
gs_relay_status_set_status(GsRelayStatus *self, GsConnectionStatus status)
{
	g_return_if_fail(GS_IS_RELAY_STATUS(self));
	gs_relay_status_update_uint(self, &self->status, status, PROP_STATUS);
}

GsRelayHealth
gs_relay_status_get_health(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), GS_RELAY_HEALTH_DISCONNECTED);
	return (GsRelayHealth)self->health;
}

guint
gs_relay_status_get_consecutive_failures(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), 0);
	return self->consecutive_failures;
}

gboolean
gs_relay_status_get_is_bootstrap(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), FALSE);
	return self->is_bootstrap;
}

gint64
gs_relay_status_get_last_connected(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), 0);
	return self->last_connected;
}

gint64
gs_relay_status_get_disconnected_at(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), 0);
	return self->disconnected_at;
}

gboolean
gs_relay_status_get_historic_sync_completed(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), FALSE);
	return self->historic_sync_completed;
}

gboolean
gs_relay_status_get_historic_sync_had_failures(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), FALSE);
	return self->historic_sync_had_failures;
}

guint
gs_relay_status_get_pending_batches(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), 0);
	return self->pending_batches;
}

guint
gs_relay_status_get_failed_batches(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), 0);
	return self->failed->len;
}

gint
gs_relay_status_get_supports_negentropy(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), -1);
	return self->supports_negentropy;
}

gint64
gs_relay_status_get_next_retry_at(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), 0);
	return self->next_retry_at;
}

guint
gs_relay_status_get_subscriptions(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), 0);
	return self->subscriptions;
}

gint64
gs_relay_status_get_last_event_at(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), 0);
	return self->last_event_at;
}

/* returns: (nullable): `dns_lookup_failed`, `tls_certificate_invalid` or `protocol_error`
 * while the relay is on the naughty list */
const gchar *
gs_relay_status_get_naughty_category(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), NULL);
	return self->naughty_category;
}

guint
gs_relay_status_get_naughty_occurrences(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), 0);
	return self->naughty_occurrences;
}

/* syncing, connected or connected-degraded: is_live_sync_active() of the sync spec */
gboolean
gs_relay_status_is_live(GsRelayStatus *self)
{
	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), FALSE);
	return self->status == GS_CONNECTION_STATUS_SYNCING ||
	       self->status == GS_CONNECTION_STATUS_CONNECTED ||
	       self->status == GS_CONNECTION_STATUS_CONNECTED_DEGRADED;
}

/**
 * gs_relay_status_set_failed_batches:
 * @batches: (element-type GsFailedBatch) (transfer none): copied
 *
 * Replaces the list of failed batches; notifies :failed-batches when its length changes.
 */
void
gs_relay_status_set_failed_batches(GsRelayStatus *self, GPtrArray *batches)
{
	guint old_len;

	g_return_if_fail(GS_IS_RELAY_STATUS(self));
	old_len = self->failed->len;
	g_ptr_array_set_size(self->failed, 0);
	for (guint i = 0; batches != NULL && i < batches->len; i++)
		g_ptr_array_add(self->failed, gs_failed_batch_copy(g_ptr_array_index(batches, i)));
	if (old_len != self->failed->len)
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_FAILED_BATCHES]);
}

/* returns: (transfer container) (element-type GsFailedBatch): a copy, oldest first */
GPtrArray *
gs_relay_status_dup_failed_batches(GsRelayStatus *self)
{
	GPtrArray *copy = g_ptr_array_new_with_free_func((GDestroyNotify)gs_failed_batch_free);

	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), copy);
	for (guint i = 0; i < self->failed->len; i++)
		g_ptr_array_add(copy, gs_failed_batch_copy(g_ptr_array_index(self->failed, i)));
	return copy;
}

static GVariant *
gs_failed_batch_to_variant(GsFailedBatch *batch)
{
	GVariantDict dict;
	const gchar *method = gs_sync_method_to_string(batch->method);

	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "Reason", "s", batch->reason != NULL ? batch->reason : "");
	g_variant_dict_insert(&dict, "Method", "s", method != NULL ? method : "");
	g_variant_dict_insert(&dict, "Repos", "u", batch->n_repos);
	g_variant_dict_insert(&dict, "RootEvents", "u", batch->n_roots);
	g_variant_dict_insert(&dict, "FailedAt", "x", batch->failed_at);
	return g_variant_dict_end(&dict);
}

static GVariant *
gs_relay_status_failed_to_variant(GsRelayStatus *self)
{
	GVariantBuilder builder;

	g_variant_builder_init(&builder, G_VARIANT_TYPE("aa{sv}"));
	for (guint i = 0; i < self->failed->len; i++)
		g_variant_builder_add_value(
			&builder, gs_failed_batch_to_variant(g_ptr_array_index(self->failed, i)));
	return g_variant_builder_end(&builder);
}

/**
 * gs_relay_status_to_variant:
 *
 * The relay as a record keyed by the D-Bus property names, plus `Subscriptions`,
 * `LastEventAt` and `FailedBatchList`: a row of ListRelays and of /status.
 *
 * Returns: (transfer full): an `a{sv}`
 */
GVariant *
gs_relay_status_to_variant(GsRelayStatus *self)
{
	GVariantDict dict;
	const gchar *status = gs_connection_status_to_string(self->status);
	const gchar *health = gs_relay_health_to_string(self->health);

	g_return_val_if_fail(GS_IS_RELAY_STATUS(self), NULL);
	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "Url", "s", self->url);
	g_variant_dict_insert(&dict, "Status", "u", self->status);
	g_variant_dict_insert(&dict, "StatusName", "s", status != NULL ? status : "");
	g_variant_dict_insert(&dict, "Health", "u", self->health);
	g_variant_dict_insert(&dict, "HealthName", "s", health != NULL ? health : "");
	g_variant_dict_insert(&dict, "ConsecutiveFailures", "u", self->consecutive_failures);
	g_variant_dict_insert(&dict, "IsBootstrap", "b", self->is_bootstrap);
	g_variant_dict_insert(&dict, "LastConnected", "x", self->last_connected);
	g_variant_dict_insert(&dict, "DisconnectedAt", "x", self->disconnected_at);
	g_variant_dict_insert(&dict, "HistoricSyncCompleted", "b", self->historic_sync_completed);
	g_variant_dict_insert(
		&dict, "HistoricSyncHadFailures", "b", self->historic_sync_had_failures);
	g_variant_dict_insert(&dict, "PendingBatches", "u", self->pending_batches);
	g_variant_dict_insert(&dict, "FailedBatches", "u", self->failed->len);
	g_variant_dict_insert(&dict, "SupportsNegentropy", "i", self->supports_negentropy);
	g_variant_dict_insert(&dict, "NextRetryAt", "x", self->next_retry_at);
	g_variant_dict_insert(&dict, "Subscriptions", "u", self->subscriptions);
	g_variant_dict_insert(&dict, "LastEventAt", "x", self->last_event_at);
	g_variant_dict_insert_value(
		&dict, "FailedBatchList", gs_relay_status_failed_to_variant(self));
	return g_variant_ref_sink(g_variant_dict_end(&dict));
}

static void
gs_relay_status_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	GsRelayStatus *self = GS_RELAY_STATUS(object);

	switch (prop_id) {
	case PROP_URL:
		g_value_set_string(value, self->url);
		break;
	case PROP_STATUS:
		g_value_set_enum(value, self->status);
		break;
	case PROP_HEALTH:
		g_value_set_enum(value, self->health);
		break;
	case PROP_CONSECUTIVE_FAILURES:
		g_value_set_uint(value, self->consecutive_failures);
		break;
	case PROP_IS_BOOTSTRAP:
		g_value_set_boolean(value, self->is_bootstrap);
		break;
	case PROP_LAST_CONNECTED:
		g_value_set_int64(value, self->last_connected);
		break;
	case PROP_DISCONNECTED_AT:
		g_value_set_int64(value, self->disconnected_at);
		break;
	case PROP_HISTORIC_SYNC_COMPLETED:
		g_value_set_boolean(value, self->historic_sync_completed);
		break;
	case PROP_HISTORIC_SYNC_HAD_FAILURES:
		g_value_set_boolean(value, self->historic_sync_had_failures);
		break;
	case PROP_PENDING_BATCHES:
		g_value_set_uint(value, self->pending_batches);
		break;
	case PROP_FAILED_BATCHES:
		g_value_set_uint(value, self->failed->len);
		break;
	case PROP_SUPPORTS_NEGENTROPY:
		g_value_set_int(value, self->supports_negentropy);
		break;
	case PROP_NEXT_RETRY_AT:
		g_value_set_int64(value, self->next_retry_at);
		break;
	case PROP_SUBSCRIPTIONS:
		g_value_set_uint(value, self->subscriptions);
		break;
	case PROP_LAST_EVENT_AT:
		g_value_set_int64(value, self->last_event_at);
		break;
	case PROP_NAUGHTY_CATEGORY:
		g_value_set_string(value, self->naughty_category);
		break;
	case PROP_NAUGHTY_OCCURRENCES:
		g_value_set_uint(value, self->naughty_occurrences);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

/* booleans, enums and unsigned counts share the guint path; a gboolean is an int */
static void
gs_relay_status_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	GsRelayStatus *self = GS_RELAY_STATUS(object);

	switch (prop_id) {
	case PROP_URL:
		self->url = g_value_dup_string(value);
		break;
	case PROP_STATUS:
		gs_relay_status_update_uint(self, &self->status, g_value_get_enum(value), prop_id);
		break;
	case PROP_HEALTH:
		gs_relay_status_update_uint(self, &self->health, g_value_get_enum(value), prop_id);
		break;
	case PROP_CONSECUTIVE_FAILURES:
		gs_relay_status_update_uint(
			self, &self->consecutive_failures, g_value_get_uint(value), prop_id);
		break;
	case PROP_IS_BOOTSTRAP:
		gs_relay_status_update_int(
			self, &self->is_bootstrap, g_value_get_boolean(value), prop_id);
		break;
	case PROP_LAST_CONNECTED:
		gs_relay_status_update_int64(
			self, &self->last_connected, g_value_get_int64(value), prop_id);
		break;
	case PROP_DISCONNECTED_AT:
		gs_relay_status_update_int64(
			self, &self->disconnected_at, g_value_get_int64(value), prop_id);
		break;
	case PROP_HISTORIC_SYNC_COMPLETED:
		gs_relay_status_update_int(
			self, &self->historic_sync_completed, g_value_get_boolean(value), prop_id);
		break;
	case PROP_HISTORIC_SYNC_HAD_FAILURES:
		gs_relay_status_update_int(self,
					   &self->historic_sync_had_failures,
					   g_value_get_boolean(value),
					   prop_id);
		break;
	case PROP_PENDING_BATCHES:
		gs_relay_status_update_uint(
			self, &self->pending_batches, g_value_get_uint(value), prop_id);
		break;
	case PROP_SUPPORTS_NEGENTROPY:
		gs_relay_status_update_int(
			self, &self->supports_negentropy, g_value_get_int(value), prop_id);
		break;
	case PROP_NEXT_RETRY_AT:
		gs_relay_status_update_int64(
			self, &self->next_retry_at, g_value_get_int64(value), prop_id);
		break;
	case PROP_SUBSCRIPTIONS:
		gs_relay_status_update_uint(
			self, &self->subscriptions, g_value_get_uint(value), prop_id);
		break;
	case PROP_LAST_EVENT_AT:
		gs_relay_status_update_int64(
			self, &self->last_event_at, g_value_get_int64(value), prop_id);
		break;
	case PROP_NAUGHTY_CATEGORY:
		gs_relay_status_update_string(
			self, &self->naughty_category, g_value_get_string(value), prop_id);
		break;
	case PROP_NAUGHTY_OCCURRENCES:
		gs_relay_status_update_uint(
			self, &self->naughty_occurrences, g_value_get_uint(value), prop_id);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
gs_relay_status_finalize(GObject *object)
{
	GsRelayStatus *self = GS_RELAY_STATUS(object);

	g_free(self->url);
	g_free(self->naughty_category);
	g_ptr_array_unref(self->failed);
	G_OBJECT_CLASS(gs_relay_status_parent_class)->finalize(object);
}

static GParamSpec *
gs_relay_status_pspec_uint(const gchar *name)
{
	return g_param_spec_uint(name,
				 NULL,
				 NULL,
				 0,
				 G_MAXUINT,
				 0,
				 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
					 G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
gs_relay_status_pspec_int64(const gchar *name)
{
	return g_param_spec_int64(name,
				  NULL,
				  NULL,
				  0,
				  G_MAXINT64,
				  0,
				  G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
					  G_PARAM_STATIC_STRINGS);
}

static GParamSpec *
gs_relay_status_pspec_boolean(const gchar *name)
{
	return g_param_spec_boolean(name,
				    NULL,
				    NULL,
				    FALSE,
				    G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
					    G_PARAM_STATIC_STRINGS);
}

static void
gs_relay_status_class_init(GsRelayStatusClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

	object_class->get_property = gs_relay_status_get_property;
	object_class->set_property = gs_relay_status_set_property;
	object_class->finalize = gs_relay_status_finalize;

	props[PROP_URL] = g_param_spec_string("url",
					      NULL,
					      NULL,
					      NULL,
					      G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
						      G_PARAM_STATIC_STRINGS);
	props[PROP_STATUS] = g_param_spec_enum("status",
					       NULL,
					       NULL,
					       GS_TYPE_CONNECTION_STATUS,
					       GS_CONNECTION_STATUS_DISCONNECTED,
					       rw);
	props[PROP_HEALTH] = g_param_spec_enum(
		"health", NULL, NULL, GS_TYPE_RELAY_HEALTH, GS_RELAY_HEALTH_DISCONNECTED, rw);
	props[PROP_CONSECUTIVE_FAILURES] = gs_relay_status_pspec_uint("consecutive-failures");
	props[PROP_IS_BOOTSTRAP] = gs_relay_status_pspec_boolean("is-bootstrap");
	props[PROP_LAST_CONNECTED] = gs_relay_status_pspec_int64("last-connected");
	props[PROP_DISCONNECTED_AT] = gs_relay_status_pspec_int64("disconnected-at");
	props[PROP_HISTORIC_SYNC_COMPLETED] =
		gs_relay_status_pspec_boolean("historic-sync-completed");
	props[PROP_HISTORIC_SYNC_HAD_FAILURES] =
		gs_relay_status_pspec_boolean("historic-sync-had-failures");
	props[PROP_PENDING_BATCHES] = gs_relay_status_pspec_uint("pending-batches");
	props[PROP_FAILED_BATCHES] = g_param_spec_uint("failed-batches",
						       NULL,
						       NULL,
						       0,
						       G_MAXUINT,
						       0,
						       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
							       G_PARAM_STATIC_STRINGS);
	props[PROP_SUPPORTS_NEGENTROPY] =
		g_param_spec_int("supports-negentropy", NULL, NULL, -1, 1, -1, rw);
	props[PROP_NEXT_RETRY_AT] = gs_relay_status_pspec_int64("next-retry-at");
	props[PROP_SUBSCRIPTIONS] = gs_relay_status_pspec_uint("subscriptions");
	props[PROP_LAST_EVENT_AT] = gs_relay_status_pspec_int64("last-event-at");
	props[PROP_NAUGHTY_CATEGORY] =
		g_param_spec_string("naughty-category", NULL, NULL, NULL, rw);
	props[PROP_NAUGHTY_OCCURRENCES] = gs_relay_status_pspec_uint("naughty-occurrences");
	g_object_class_install_properties(object_class, PROP_LAST, props);
}

static void
gs_relay_status_init(GsRelayStatus *self)
{
	self->health = GS_RELAY_HEALTH_DISCONNECTED;
	self->supports_negentropy = -1;
	self->failed = g_ptr_array_new_with_free_func((GDestroyNotify)gs_failed_batch_free);
}

/* @url: the normalised relay URL (gs_relay_url_normalise()) */
GsRelayStatus *
gs_relay_status_new(const gchar *url)
{
	g_return_val_if_fail(url != NULL, NULL);
	return g_object_new(GS_TYPE_RELAY_STATUS, "url", url, NULL);
}
