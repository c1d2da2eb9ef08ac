/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsHome"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-home-outbox.h"
#include "gs-home-reconcile.h"
#include "gs-home-relay-private.h"
#include "gs-negentropy.h"
#include "gs-relay-connection.h"

/*
 * GsHomeRelay: the connection to home, its reconciliation and the public API. The delivery
 * itself (the window, OK handling, retries) is in gs-home-delivery.c.
 *
 * On every connect, and daily while connected, a reconciliation (gs-home-reconcile.c) finds
 * what home lacks of what the store holds and queues it, once the outbox has drained (before
 * that, home lacks what is queued anyway, and the comparison would only compete with it): that
 * repairs a lost outbox, events stored before home was configured, and a home restored from an
 * older backup. Events whose OK is recorded while it runs are not queued again by it.
 */

enum { PROP_0, PROP_URL, PROP_CONNECTED, PROP_OUTBOX_PENDING, PROP_OUTBOX_REFUSED, N_PROPS };
static GParamSpec *props[N_PROPS] = {NULL};

G_DEFINE_FINAL_TYPE(GsHomeRelay, gs_home_relay, G_TYPE_OBJECT)

/* the observed state: `connected` at once, the outbox counts at most once a second */
static void
gs_home_relay_set_connected(GsHomeRelay *self, gboolean connected)
{
	if (self->shown_connected == connected)
		return;
	self->shown_connected = connected;
	g_object_notify_by_pspec(G_OBJECT(self), props[PROP_CONNECTED]);
}

static void
gs_home_relay_refresh_counts(GsHomeRelay *self)
{
	gint64 pending = MAX(gs_home_outbox_count(self->outbox, GS_HOME_OUTBOX_PENDING), 0);
	gint64 refused = MAX(gs_home_outbox_count(self->outbox, GS_HOME_OUTBOX_REFUSED), 0);

	self->counts_dirty = FALSE;
	if (pending != self->shown_pending) {
		self->shown_pending = pending;
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_OUTBOX_PENDING]);
	}
	if (refused != self->shown_refused) {
		self->shown_refused = refused;
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_OUTBOX_REFUSED]);
	}
}

static gboolean
gs_home_relay_counts_cb(gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);
	if (self->counts_dirty)
		gs_home_relay_refresh_counts(self);
	return G_SOURCE_CONTINUE;
}

void
gs_home_relay_options_init(GsHomeRelayOptions *options)
{
	memset(options, 0, sizeof(*options));
	options->max_in_flight = GS_HOME_RELAY_DEFAULT_MAX_IN_FLIGHT;
	options->start_window = GS_HOME_RELAY_START_WINDOW;
	options->ok_timeout_ms = GS_HOME_RELAY_DEFAULT_OK_TIMEOUT_MS;
	options->base_backoff_secs = GS_HEALTH_BASE_BACKOFF_SECS;
	options->max_backoff_secs = GS_HEALTH_MAX_BACKOFF_SECS;
	options->refused_retry_secs = GS_HOME_RELAY_DEFAULT_REFUSED_RETRY_SECS;
	options->reconcile_secs = GS_HOME_RELAY_DEFAULT_RECONCILE_SECS;
	options->maintenance_ms = 60000;
	options->connect_timeout_ms = 5000;
	options->neg_timeout_ms = 10000;
	options->negentropy_frame_limit = 60000;
	options->req_page_limit = 500;
	options->status_interval_ms = 1000;
}

const gchar *
gs_home_refusal_to_string(GsHomeRefusal refusal)
{
	static const gchar *const names[GS_HOME_REFUSAL_LAST] = {
		[GS_HOME_REFUSAL_BLOCKED] = "blocked",
		[GS_HOME_REFUSAL_INVALID] = "invalid",
		[GS_HOME_REFUSAL_RESTRICTED] = "restricted",
		[GS_HOME_REFUSAL_POW] = "pow",
		[GS_HOME_REFUSAL_AUTH_REQUIRED] = "auth-required",
	};
	g_return_val_if_fail(refusal < GS_HOME_REFUSAL_LAST, NULL);
	return names[refusal];
}

gint64
gs_home_relay_now(GsHomeRelay *self)
{
	if (self->opts.clock != NULL)
		return self->opts.clock(self->opts.clock_data);
	return g_get_real_time();
}

gint64
gs_home_relay_now_secs(GsHomeRelay *self)
{
	return gs_home_relay_now(self) / G_USEC_PER_SEC;
}

gboolean
gs_home_relay_is_open(GsHomeRelay *self)
{
	return self->conn != NULL && gs_relay_connection_is_open(self->conn);
}

/* the insert hook: runs inside the store's write transaction */
static gboolean
gs_home_relay_insert_hook(GsStore *store,
			  sqlite3 *db,
			  GsEvent *event,
			  gint64 seq,
			  GsStoreResult result,
			  gpointer user_data,
			  GError **error)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);

	/* what came from home is never published back to it */
	if (self->source_func != NULL &&
	    g_strcmp0(self->source_func(event, self->source_data), self->url) == 0)
		return TRUE;
	return gs_home_outbox_add(self->outbox,
				  seq,
				  gs_event_get_id_raw(event),
				  gs_home_relay_now_secs(self),
				  NULL,
				  error);
}

/* the connection ------------------------------------------------------------------------------ */

static void
gs_home_relay_connect(GsHomeRelay *self);

static gboolean
gs_home_relay_reconnect_cb(gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);
	self->reconnect_id = 0;
	gs_home_relay_connect(self);
	return G_SOURCE_REMOVE;
}

static void
gs_home_relay_schedule_reconnect(GsHomeRelay *self)
{
	gint64 at = gs_health_tracker_get_next_retry_at(self->health, self->url);
	gint64 delay_ms = MAX(at - gs_home_relay_now(self), 0) / 1000;

	if (!self->running)
		return;
	g_clear_handle_id(&self->reconnect_id, g_source_remove);
	g_info("home relay %s: next connection attempt in %.1f s",
	       self->url,
	       (gdouble)delay_ms / 1000);
	self->reconnect_id = g_timeout_add(
		(guint)MIN(delay_ms, G_MAXUINT32 / 2), gs_home_relay_reconnect_cb, self);
}

static void
gs_home_relay_connect(GsHomeRelay *self)
{
	if (!self->running || gs_home_relay_is_open(self))
		return;
	gs_relay_connection_connect(self->conn);
}

static void
gs_home_relay_opened_cb(GsRelayConnection *conn, gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);

	g_info("connected to home relay %s", self->url);
	gs_health_tracker_record_success(self->health, self->url);
	gs_health_tracker_record_connected(self->health, self->url);
	gs_home_relay_set_connected(self, TRUE);
	/* once what the outbox holds has gone: until then home lacks those anyway */
	self->reconcile_wanted = TRUE;
	gs_home_delivery_opened(self);
}

static void
gs_home_relay_connect_failed_cb(GsRelayConnection *conn, GError *error, gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);

	g_info("cannot connect to home relay %s: %s", self->url, error->message);
	gs_health_tracker_record_failure(self->health, self->url, gs_health_classify_error(error));
	gs_home_relay_schedule_reconnect(self);
}

static void
gs_home_relay_disconnected_cb(GsRelayConnection *conn, const gchar *reason, gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);

	gs_home_delivery_closed(self);
	gs_home_relay_set_connected(self, FALSE);
	gs_health_tracker_record_disconnected(self->health, self->url);
	if (!self->running)
		return;
	g_info("home relay %s disconnected: %s; %u events stay queued",
	       self->url,
	       reason,
	       (guint)MAX(gs_home_outbox_count(self->outbox, GS_HOME_OUTBOX_PENDING), 0));
	gs_health_tracker_record_failure(self->health, self->url, GS_NAUGHTY_CATEGORY_NONE);
	gs_home_relay_schedule_pump(self);
	gs_home_relay_schedule_reconnect(self);
}

/* maintenance: refused events that are due go back to the queue ----------------------------- */

/**
 * gs_home_relay_run_maintenance:
 *
 * What the periodic timer does: refused events whose day has passed are queued again, and
 * the daily reconciliation runs when it is due. Tests call it after moving their clock.
 */
void
gs_home_relay_run_maintenance(GsHomeRelay *self)
{
	g_autoptr(GError) error = NULL;
	guint n = 0;

	g_return_if_fail(GS_IS_HOME_RELAY(self));
	if (!gs_home_outbox_requeue_refused(
		    self->outbox, gs_home_relay_now_secs(self), &n, &error)) {
		g_warning("%s", error->message);
		return;
	}
	if (n > 0) {
		g_info("%u events home refused a day ago are tried again", n);
		self->rescan = TRUE;
		gs_home_relay_schedule_pump(self);
	}
	if (gs_home_relay_now_secs(self) - self->last_reconcile >= self->opts.reconcile_secs) {
		self->reconcile_wanted = TRUE;
		gs_home_relay_schedule_pump(self);
	}
}

static gboolean
gs_home_relay_maintenance_cb(gpointer user_data)
{
	gs_home_relay_run_maintenance(GS_HOME_RELAY(user_data));
	return G_SOURCE_CONTINUE;
}

/* public API --------------------------------------------------------------------------------- */

/**
 * gs_home_relay_set_source_func:
 * @func: (nullable): tells where a stored event came from
 *
 * Events whose source is the home relay are not queued for it. Set before events are stored.
 */
void
gs_home_relay_set_source_func(GsHomeRelay *self, GsHomeSourceFunc func, gpointer user_data)
{
	g_return_if_fail(GS_IS_HOME_RELAY(self));
	self->source_func = func;
	self->source_data = user_data;
}

/**
 * gs_home_relay_start:
 *
 * Connects to home and delivers the outbox; reconnects with the health tracker's backoff
 * whenever the connection fails or drops.
 */
void
gs_home_relay_start(GsHomeRelay *self)
{
	g_return_if_fail(GS_IS_HOME_RELAY(self));
	if (self->running)
		return;
	self->running = TRUE;
	g_info("delivering to home relay %s; %" G_GINT64_FORMAT " events queued, %" G_GINT64_FORMAT
	       " refused",
	       self->url,
	       gs_home_outbox_count(self->outbox, GS_HOME_OUTBOX_PENDING),
	       gs_home_outbox_count(self->outbox, GS_HOME_OUTBOX_REFUSED));
	self->maintenance_id =
		g_timeout_add(self->opts.maintenance_ms, gs_home_relay_maintenance_cb, self);
	self->counts_id =
		g_timeout_add(self->opts.status_interval_ms, gs_home_relay_counts_cb, self);
	gs_home_relay_refresh_counts(self);
	gs_home_relay_connect(self);
}

/* stops delivering; the events in flight stay queued (their OKs, if any come, are ignored) */
void
gs_home_relay_stop(GsHomeRelay *self)
{
	g_return_if_fail(GS_IS_HOME_RELAY(self));
	if (!self->running)
		return;
	self->running = FALSE;
	if (self->reconcile_cancellable != NULL)
		g_cancellable_cancel(self->reconcile_cancellable);
	g_clear_handle_id(&self->reconnect_id, g_source_remove);
	g_clear_handle_id(&self->maintenance_id, g_source_remove);
	g_clear_handle_id(&self->counts_id, g_source_remove);
	gs_relay_connection_disconnect(self->conn, "stopping");
	gs_home_delivery_stop(self);
}

const gchar *
gs_home_relay_get_url(GsHomeRelay *self)
{
	g_return_val_if_fail(GS_IS_HOME_RELAY(self), NULL);
	return self->url;
}

gboolean
gs_home_relay_is_connected(GsHomeRelay *self)
{
	g_return_val_if_fail(GS_IS_HOME_RELAY(self), FALSE);
	return gs_home_relay_is_open(self);
}

/* events still to deliver (those in flight included); -1 when the store cannot be read */
gint64
gs_home_relay_get_outbox_pending(GsHomeRelay *self)
{
	g_return_val_if_fail(GS_IS_HOME_RELAY(self), -1);
	return gs_home_outbox_count(self->outbox, GS_HOME_OUTBOX_PENDING);
}

/* events home refused, kept with their reason */
gint64
gs_home_relay_get_outbox_refused(GsHomeRelay *self)
{
	g_return_val_if_fail(GS_IS_HOME_RELAY(self), -1);
	return gs_home_outbox_count(self->outbox, GS_HOME_OUTBOX_REFUSED);
}

/* how long the oldest pending event has waited, 0 when none waits */
gint64
gs_home_relay_get_oldest_pending_seconds(GsHomeRelay *self)
{
	gint64 oldest;

	g_return_val_if_fail(GS_IS_HOME_RELAY(self), 0);
	oldest = gs_home_outbox_get_oldest_queued(self->outbox);
	if (oldest <= 0)
		return 0;
	return MAX(gs_home_relay_now_secs(self) - oldest, 0);
}

void
gs_home_relay_get_stats(GsHomeRelay *self, GsHomeRelayStats *stats)
{
	g_return_if_fail(GS_IS_HOME_RELAY(self));
	*stats = self->stats;
	stats->in_flight = g_hash_table_size(self->flights);
	stats->window = self->window;
	stats->window_bytes = self->window_bytes;
}

/**
 * gs_home_relay_dup_status:
 *
 * The home relay for GetStatus and /status (docs/dbus.md): `Url` (s), `Connected` (b),
 * `OutboxPending` (t), `OutboxRefused` (t), `OldestPendingSeconds` (t), `InFlight` (u),
 * `Window` (u), `Published` (a{st}: delivered, duplicate, refused, retried), `Refusals`
 * (a{st} by reason), `Reconciliations` (t), `Reconciled` (t), `LastReconciliation` (x, unix
 * seconds, 0 for none yet). The counts are read now.
 *
 * Returns: (transfer full): an `a{sv}`
 */
GVariant *
gs_home_relay_dup_status(GsHomeRelay *self)
{
	GsHomeRelayStats st;
	GVariantBuilder published, refusals;
	GVariantDict dict;

	g_return_val_if_fail(GS_IS_HOME_RELAY(self), NULL);
	gs_home_relay_get_stats(self, &st);
	g_variant_builder_init(&published, G_VARIANT_TYPE("a{st}"));
	g_variant_builder_add(&published, "{st}", "delivered", st.delivered);
	g_variant_builder_add(&published, "{st}", "duplicate", st.duplicate);
	g_variant_builder_add(&published, "{st}", "refused", st.refused);
	g_variant_builder_add(&published, "{st}", "retried", st.retried);
	g_variant_builder_init(&refusals, G_VARIANT_TYPE("a{st}"));
	for (guint i = 0; i < GS_HOME_REFUSAL_LAST; i++)
		g_variant_builder_add(
			&refusals, "{st}", gs_home_refusal_to_string(i), st.refusals[i]);
	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "Url", "s", self->url);
	g_variant_dict_insert(&dict, "Connected", "b", gs_home_relay_is_open(self));
	g_variant_dict_insert(&dict,
			      "OutboxPending",
			      "t",
			      (guint64)MAX(gs_home_relay_get_outbox_pending(self), 0));
	g_variant_dict_insert(&dict,
			      "OutboxRefused",
			      "t",
			      (guint64)MAX(gs_home_relay_get_outbox_refused(self), 0));
	g_variant_dict_insert(&dict,
			      "OldestPendingSeconds",
			      "t",
			      (guint64)gs_home_relay_get_oldest_pending_seconds(self));
	g_variant_dict_insert(&dict, "InFlight", "u", st.in_flight);
	g_variant_dict_insert(&dict, "Window", "u", st.window);
	g_variant_dict_insert_value(&dict, "Published", g_variant_builder_end(&published));
	g_variant_dict_insert_value(&dict, "Refusals", g_variant_builder_end(&refusals));
	g_variant_dict_insert(&dict, "Reconciliations", "t", st.reconciliations);
	g_variant_dict_insert(&dict, "Reconciled", "t", st.reconciled);
	g_variant_dict_insert(&dict, "LastReconciliation", "x", self->last_reconcile);
	return g_variant_ref_sink(g_variant_dict_end(&dict));
}

/**
 * gs_home_relay_dup_refused:
 * @max: the most events to list
 *
 * Returns: (transfer full) (element-type GsHomeOutboxEntry): the refused events with their
 *   reason (`last_result`) and next retry time, oldest first; %NULL with %GS_ERROR_STORE
 */
GPtrArray *
gs_home_relay_dup_refused(GsHomeRelay *self, guint max, GError **error)
{
	g_return_val_if_fail(GS_IS_HOME_RELAY(self), NULL);
	return gs_home_outbox_dup_refused(self->outbox, max, error);
}

/**
 * gs_home_relay_retry_refused:
 *
 * `RetryHomeRefused`: every event home refused is queued again at once.
 *
 * Returns: how many; 0 with @error set on failure
 */
guint
gs_home_relay_retry_refused(GsHomeRelay *self, GError **error)
{
	guint n = 0;

	g_return_val_if_fail(GS_IS_HOME_RELAY(self), 0);
	if (!gs_home_outbox_requeue_refused(self->outbox, G_MAXINT64, &n, error))
		return 0;
	g_info("retrying %u events home refused", n);
	self->rescan = TRUE;
	gs_home_relay_schedule_pump(self);
	return n;
}

static void
gs_home_relay_dispose(GObject *object)
{
	GsHomeRelay *self = GS_HOME_RELAY(object);

	if (self->running)
		gs_home_relay_stop(self);
	gs_home_delivery_stop(self);
	if (self->conn != NULL)
		g_signal_handlers_disconnect_by_data(self->conn, self);
	g_clear_object(&self->conn);
	if (self->store != NULL) {
		g_signal_handlers_disconnect_by_data(self->store, self);
		gs_store_set_insert_hook(self->store, NULL, NULL, NULL);
	}
	g_clear_pointer(&self->outbox, gs_home_outbox_free);
	g_clear_object(&self->store);
	g_clear_object(&self->health);
	G_OBJECT_CLASS(gs_home_relay_parent_class)->dispose(object);
}

static void
gs_home_relay_finalize(GObject *object)
{
	GsHomeRelay *self = GS_HOME_RELAY(object);

	gs_home_delivery_finalize(self);
	g_clear_pointer(&self->reconcile_delivered, g_hash_table_unref);
	g_free(self->url);
	memset(self->seckey, 0, sizeof(self->seckey));
	G_OBJECT_CLASS(gs_home_relay_parent_class)->finalize(object);
}

static void
gs_home_relay_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	GsHomeRelay *self = GS_HOME_RELAY(object);

	switch (prop_id) {
	case PROP_URL:
		g_value_set_string(value, self->url);
		break;
	case PROP_CONNECTED:
		g_value_set_boolean(value, self->shown_connected);
		break;
	case PROP_OUTBOX_PENDING:
		g_value_set_int64(value, self->shown_pending);
		break;
	case PROP_OUTBOX_REFUSED:
		g_value_set_int64(value, self->shown_refused);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
gs_home_relay_class_init(GsHomeRelayClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	const GParamFlags flags =
		G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

	object_class->get_property = gs_home_relay_get_property;
	object_class->dispose = gs_home_relay_dispose;
	object_class->finalize = gs_home_relay_finalize;

	/**
	 * GsHomeRelay:url: The home relay, normalised.
	 */
	props[PROP_URL] = g_param_spec_string("url", NULL, NULL, NULL, flags);
	/**
	 * GsHomeRelay:connected: Whether the connection to home is open.
	 */
	props[PROP_CONNECTED] = g_param_spec_boolean("connected", NULL, NULL, FALSE, flags);
	/**
	 * GsHomeRelay:outbox-pending: Events still to deliver, those in flight included;
	 * updated at most once a second (gs_home_relay_get_outbox_pending() counts now).
	 */
	props[PROP_OUTBOX_PENDING] =
		g_param_spec_int64("outbox-pending", NULL, NULL, 0, G_MAXINT64, 0, flags);
	/**
	 * GsHomeRelay:outbox-refused: Events home refused, kept with their reason; updated at
	 * most once a second.
	 */
	props[PROP_OUTBOX_REFUSED] =
		g_param_spec_int64("outbox-refused", NULL, NULL, 0, G_MAXINT64, 0, flags);
	g_object_class_install_properties(object_class, N_PROPS, props);
}

static void
gs_home_relay_init(GsHomeRelay *self)
{
	gs_home_delivery_init(self);
}

static void
gs_home_relay_setup_connection(GsHomeRelay *self)
{
	GsRelayConnectionOptions opts;

	gs_relay_connection_options_init(&opts);
	opts.connect_timeout_ms = self->opts.connect_timeout_ms;
	opts.neg_timeout_ms = self->opts.neg_timeout_ms;
	opts.seckey = self->has_seckey ? self->seckey : NULL;
	self->conn = gs_relay_connection_new(self->url, &opts);
	g_signal_connect(self->conn, "opened", G_CALLBACK(gs_home_relay_opened_cb), self);
	g_signal_connect(
		self->conn, "connect-failed", G_CALLBACK(gs_home_relay_connect_failed_cb), self);
	g_signal_connect(
		self->conn, "disconnected", G_CALLBACK(gs_home_relay_disconnected_cb), self);
}

/**
 * gs_home_relay_new:
 * @store: the event store; its insert hook is taken (one per store)
 * @url: the home relay, normalised (gs-relay-url)
 * @options: (nullable): %NULL for the defaults
 *
 * From now on every event the store keeps is queued for home in the same transaction, unless
 * the source function says it came from home. Call gs_home_relay_start() to deliver.
 *
 * Returns: (transfer full) (nullable): the home relay, or %NULL with %GS_ERROR_STORE when the
 *   store has no outbox table
 */
GsHomeRelay *
gs_home_relay_new(GsStore *store,
		  const gchar *url,
		  const GsHomeRelayOptions *options,
		  GError **error)
{
	g_autoptr(GsHomeRelay) self = g_object_new(GS_TYPE_HOME_RELAY, NULL);

	g_return_val_if_fail(GS_IS_STORE(store), NULL);
	g_return_val_if_fail(url != NULL, NULL);
	if (options != NULL)
		self->opts = *options;
	else
		gs_home_relay_options_init(&self->opts);
	self->opts.max_in_flight = MAX(self->opts.max_in_flight, 1);
	self->opts.start_window = MAX(self->opts.start_window, 1);
	self->opts.ok_timeout_ms = MAX(self->opts.ok_timeout_ms, 1);
	self->opts.maintenance_ms = MAX(self->opts.maintenance_ms, 1);
	self->opts.status_interval_ms = MAX(self->opts.status_interval_ms, 1);
	gs_home_delivery_reset_window(self);
	if (self->opts.seckey != NULL) {
		memcpy(self->seckey, self->opts.seckey, sizeof(self->seckey));
		self->has_seckey = TRUE;
	}
	self->opts.seckey = NULL;
	self->url = g_strdup(url);
	self->outbox = gs_home_outbox_new(gs_store_get_db(store), error);
	if (self->outbox == NULL)
		return NULL;
	self->store = g_object_ref(store);
	self->health = gs_health_tracker_new();
	gs_health_tracker_set_backoff(
		self->health,
		MAX(self->opts.base_backoff_secs, 1),
		MAX(self->opts.max_backoff_secs, MAX(self->opts.base_backoff_secs, 1)));
	if (self->opts.clock != NULL)
		gs_health_tracker_set_clock(self->health, self->opts.clock, self->opts.clock_data);
	if (self->opts.seed != 0)
		gs_health_tracker_set_seed(self->health, self->opts.seed);
	gs_home_relay_setup_connection(self);
	gs_store_set_insert_hook(store, gs_home_relay_insert_hook, self, NULL);
	g_signal_connect(store, "event-stored", G_CALLBACK(gs_home_relay_event_stored_cb), self);
	return g_steal_pointer(&self);
}
