/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsHome"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-home-outbox.h"
#include "gs-home-relay.h"
#include "gs-message.h"
#include "gs-relay-connection.h"

/*
 * Delivery into the home relay (the GRASP server's own relay), from the outbox table.
 *
 * The store's insert hook writes an outbox row in the transaction that stores an event, so
 * a crash at any instant loses nothing. A window of up to max-in-flight events is sent with
 * EVENT; each OK becomes a result, and the results of one main-loop round are written in one
 * transaction (the "pump": write the results, then refill the window). Until its result is
 * committed an event stays pending, so a crash can make us send it once more, never lose it;
 * once its OK is committed it is never sent again.
 *
 * The window is refilled by a cursor over the outbox in storing order (row numbers). Rows
 * that become due behind the cursor (a retry time reached, an event put back after a
 * disconnect or AUTH, events queued by reconciliation) set `rescan`, which starts the next
 * sweep from the beginning.
 */

typedef enum {
	GS_HOME_AUTH_NONE,
	GS_HOME_AUTH_PENDING,
	GS_HOME_AUTH_DONE,
	GS_HOME_AUTH_FAILED,
} GsHomeAuth;

typedef struct {
	gint64 seq;
	gchar id[65];
	guint attempts;
	gint64 deadline;      /* monotonic, µs */
	GsHomeAuth sent_auth; /* the AUTH state when it was sent */
} GsHomeFlight;

typedef enum {
	GS_HOME_RESULT_REMOVE,
	GS_HOME_RESULT_RETRY,
	GS_HOME_RESULT_REFUSE,
} GsHomeResultKind;

typedef struct {
	GsHomeResultKind kind;
	gint64 seq;
	gchar id[65];
	guint attempts;
	gchar *message;
	gint64 next_retry; /* unix s */
} GsHomeResult;

struct _GsHomeRelay {
	GObject parent_instance;
	GsStore *store;
	gchar *url;
	GsHomeRelayOptions opts;
	guint8 seckey[32];
	gboolean has_seckey;
	GsHomeOutbox *outbox;
	GsRelayConnection *conn;
	GsHealthTracker *health;
	GsHomeSourceFunc source_func;
	gpointer source_data;
	gboolean running;
	GHashTable *flights;	 /* id -> GsHomeFlight */
	GHashTable *flight_seqs; /* &flight->seq -> flight (not owned) */
	GArray *results;	 /* GsHomeResult, written by the next pump */
	gint64 cursor;
	gboolean rescan;
	guint pump_id;
	guint reconnect_id;
	guint ok_timer_id;
	guint wake_id;
	gint64 wake_at; /* wall, µs, of the armed wake timer */
	guint maintenance_id;
	guint rate_limit_streak;
	gint64 paused_until; /* wall, µs */
	GsHomeAuth auth;
	GsHomeRelayStats stats;
};

G_DEFINE_FINAL_TYPE(GsHomeRelay, gs_home_relay, G_TYPE_OBJECT)

static void
gs_home_relay_schedule_pump(GsHomeRelay *self);

void
gs_home_relay_options_init(GsHomeRelayOptions *options)
{
	memset(options, 0, sizeof(*options));
	options->max_in_flight = GS_HOME_RELAY_DEFAULT_MAX_IN_FLIGHT;
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

static gint64
gs_home_relay_now(GsHomeRelay *self)
{
	if (self->opts.clock != NULL)
		return self->opts.clock(self->opts.clock_data);
	return g_get_real_time();
}

static gint64
gs_home_relay_now_secs(GsHomeRelay *self)
{
	return gs_home_relay_now(self) / G_USEC_PER_SEC;
}

static gboolean
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

/* results ------------------------------------------------------------------------------------ */

static void
gs_home_result_clear(GsHomeResult *result)
{
	g_free(result->message);
}

static void
gs_home_relay_push_result(GsHomeRelay *self,
			  GsHomeResultKind kind,
			  gint64 seq,
			  const gchar *id,
			  guint attempts,
			  const gchar *message,
			  gint64 next_retry)
{
	GsHomeResult result = {kind, seq, "", attempts, g_strdup(message), next_retry};

	g_strlcpy(result.id, id, sizeof(result.id));
	g_array_append_val(self->results, result);
	gs_home_relay_schedule_pump(self);
}

static gboolean
gs_home_relay_apply_result(GsHomeRelay *self, GsHomeResult *r, GError **error)
{
	gboolean removed = FALSE;

	switch (r->kind) {
	case GS_HOME_RESULT_REMOVE:
		if (!gs_home_outbox_remove(self->outbox, r->seq, r->id, &removed, error))
			return FALSE;
		/* the row now belongs to another event: it is due behind the cursor */
		if (!removed)
			self->rescan = TRUE;
		return TRUE;
	case GS_HOME_RESULT_RETRY:
	case GS_HOME_RESULT_REFUSE:
		return gs_home_outbox_set_result(self->outbox,
						 r->seq,
						 r->id,
						 r->kind == GS_HOME_RESULT_RETRY
							 ? GS_HOME_OUTBOX_PENDING
							 : GS_HOME_OUTBOX_REFUSED,
						 r->attempts,
						 r->message,
						 r->next_retry,
						 error);
	default:
		g_assert_not_reached();
	}
}

/* writes the results gathered since the last pump in one transaction */
static gboolean
gs_home_relay_flush(GsHomeRelay *self)
{
	g_autoptr(GError) error = NULL;
	gboolean any_retry = FALSE;

	if (self->results->len == 0)
		return FALSE;
	if (!gs_home_outbox_begin(self->outbox, &error)) {
		g_warning("%s", error->message);
		g_array_set_size(self->results, 0);
		self->rescan = TRUE;
		return FALSE;
	}
	for (guint i = 0; i < self->results->len; i++) {
		GsHomeResult *r = &g_array_index(self->results, GsHomeResult, i);
		if (!gs_home_relay_apply_result(self, r, &error))
			break;
		any_retry |= r->kind == GS_HOME_RESULT_RETRY;
	}
	if (error == NULL)
		gs_home_outbox_commit(self->outbox, &error);
	if (error != NULL) {
		/* the events stay pending as they were: they will be sent again */
		g_warning("failed to record %u home delivery results: %s",
			  self->results->len,
			  error->message);
		gs_home_outbox_rollback(self->outbox);
		self->rescan = TRUE;
	}
	g_array_set_size(self->results, 0);
	return any_retry;
}

/* the wake timer: retries that fall due, and the end of a rate-limit pause ------------------- */

static void
gs_home_relay_arm_next_retry(GsHomeRelay *self);

static gboolean
gs_home_relay_wake_cb(gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);

	self->wake_id = 0;
	self->wake_at = 0;
	self->rescan = TRUE;
	gs_home_relay_schedule_pump(self);
	/* the retries that fall due later */
	gs_home_relay_arm_next_retry(self);
	return G_SOURCE_REMOVE;
}

/* arms the wake timer for @at (wall, µs) unless it is armed for an earlier time already */
static void
gs_home_relay_wake_at(GsHomeRelay *self, gint64 at)
{
	gint64 delay_ms;

	if (at <= 0 || (self->wake_id != 0 && self->wake_at <= at))
		return;
	g_clear_handle_id(&self->wake_id, g_source_remove);
	delay_ms = MAX(at - gs_home_relay_now(self), 0) / 1000 + 1;
	self->wake_at = at;
	self->wake_id =
		g_timeout_add((guint)MIN(delay_ms, G_MAXUINT32 / 2), gs_home_relay_wake_cb, self);
}

static void
gs_home_relay_arm_next_retry(GsHomeRelay *self)
{
	gint64 next = gs_home_outbox_get_next_retry(self->outbox, gs_home_relay_now_secs(self));
	if (next > 0)
		gs_home_relay_wake_at(self, next * G_USEC_PER_SEC);
}

/* OK handling -------------------------------------------------------------------------------- */

static void
gs_home_relay_retry_later(GsHomeRelay *self,
			  GsHomeFlight *flight,
			  const gchar *message,
			  gint64 delay)
{
	gint64 next = (gs_home_relay_now(self) + delay + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;

	self->stats.retried++;
	gs_home_relay_push_result(self,
				  GS_HOME_RESULT_RETRY,
				  flight->seq,
				  flight->id,
				  flight->attempts + 1,
				  message,
				  next);
	g_debug("%s: retry in %.1f s: %s", flight->id, (gdouble)delay / G_USEC_PER_SEC, message);
}

static void
gs_home_relay_refuse(GsHomeRelay *self,
		     GsHomeFlight *flight,
		     GsHomeRefusal refusal,
		     const gchar *message)
{
	gint64 next = gs_home_relay_now_secs(self) + self->opts.refused_retry_secs;

	self->stats.refused++;
	self->stats.refusals[refusal]++;
	gs_home_relay_push_result(self,
				  GS_HOME_RESULT_REFUSE,
				  flight->seq,
				  flight->id,
				  flight->attempts + 1,
				  message,
				  next);
	g_debug("%s: refused by home: %s", flight->id, message);
}

static void
gs_home_relay_auth_cb(GsRelayConnection *conn,
		      const gchar *event_id,
		      gboolean accepted,
		      const gchar *message,
		      gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);

	if (self->auth != GS_HOME_AUTH_PENDING)
		return;
	if (!gs_relay_connection_is_open(conn)) {
		self->auth = GS_HOME_AUTH_NONE;
		return;
	}
	if (accepted) {
		g_info("authenticated to home relay %s", self->url);
		self->auth = GS_HOME_AUTH_DONE;
	} else {
		g_message("home relay %s refused our AUTH: %s", self->url, message);
		self->auth = GS_HOME_AUTH_FAILED;
	}
	self->rescan = TRUE;
	gs_home_relay_schedule_pump(self);
}

/* `auth-required:`: authenticate once per connection, then send the event again */
static void
gs_home_relay_auth_required(GsHomeRelay *self, GsHomeFlight *flight, const gchar *message)
{
	g_autoptr(GError) error = NULL;

	if (flight->sent_auth == GS_HOME_AUTH_DONE || flight->sent_auth == GS_HOME_AUTH_FAILED ||
	    self->auth == GS_HOME_AUTH_FAILED) {
		gs_home_relay_refuse(self, flight, GS_HOME_REFUSAL_AUTH_REQUIRED, message);
		return;
	}
	if (self->auth == GS_HOME_AUTH_NONE) {
		if (!gs_relay_connection_authenticate(
			    self->conn, gs_home_relay_auth_cb, self, &error)) {
			g_message("home relay %s wants AUTH: %s", self->url, error->message);
			self->auth = GS_HOME_AUTH_FAILED;
			gs_home_relay_refuse(self, flight, GS_HOME_REFUSAL_AUTH_REQUIRED, message);
			return;
		}
		self->auth = GS_HOME_AUTH_PENDING;
	}
	/* unchanged in the outbox: sent again once AUTH is answered */
	self->stats.retried++;
	self->rescan = TRUE;
}

static gboolean
gs_home_refusal_from_prefix(const gchar *prefix, GsHomeRefusal *refusal)
{
	for (guint i = 0; prefix != NULL && i < GS_HOME_REFUSAL_AUTH_REQUIRED; i++) {
		if (g_strcmp0(prefix, gs_home_refusal_to_string(i)) == 0) {
			*refusal = i;
			return TRUE;
		}
	}
	return FALSE;
}

/*
 * `rate-limited:` pauses all sending for the backoff of the current streak; the other events
 * of the window that hit the same limit wait for the same pause, they do not lengthen it
 */
static void
gs_home_relay_rate_limited(GsHomeRelay *self, GsHomeFlight *flight, const gchar *message)
{
	gint64 now = gs_home_relay_now(self);

	if (self->paused_until <= now) {
		gint64 delay =
			gs_health_tracker_draw_backoff(self->health, ++self->rate_limit_streak);
		self->paused_until = now + delay;
		g_info("home relay %s is rate-limiting us: pausing %.1f s",
		       self->url,
		       (gdouble)delay / G_USEC_PER_SEC);
	}
	gs_home_relay_retry_later(self, flight, message, self->paused_until - now);
}

static void
gs_home_relay_handle_ok(GsHomeRelay *self,
			GsHomeFlight *flight,
			gboolean accepted,
			const gchar *message)
{
	g_autofree gchar *prefix = gs_message_split_prefix(message, NULL);
	GsHomeRefusal refusal;

	if (accepted || g_strcmp0(prefix, "duplicate") == 0) {
		if (g_strcmp0(prefix, "duplicate") == 0)
			self->stats.duplicate++;
		else
			self->stats.delivered++;
		self->rate_limit_streak = 0;
		gs_home_relay_push_result(
			self, GS_HOME_RESULT_REMOVE, flight->seq, flight->id, 0, NULL, 0);
	} else if (g_strcmp0(prefix, "rate-limited") == 0) {
		gs_home_relay_rate_limited(self, flight, message);
	} else if (g_strcmp0(prefix, "auth-required") == 0) {
		gs_home_relay_auth_required(self, flight, message);
	} else if (gs_home_refusal_from_prefix(prefix, &refusal)) {
		gs_home_relay_refuse(self, flight, refusal, message);
	} else {
		/* `error:`, or words no NIP defines */
		gs_home_relay_retry_later(
			self,
			flight,
			message,
			gs_health_tracker_draw_backoff(self->health, flight->attempts + 1));
	}
}

static GsHomeFlight *
gs_home_relay_take_flight(GsHomeRelay *self, const gchar *event_id)
{
	GsHomeFlight *flight = NULL;
	gpointer key = NULL;

	if (!g_hash_table_steal_extended(self->flights, event_id, &key, (gpointer *)&flight))
		return NULL;
	g_hash_table_remove(self->flight_seqs, &flight->seq);
	return flight;
}

static void
gs_home_relay_ok_cb(GsRelayConnection *conn,
		    const gchar *event_id,
		    gboolean accepted,
		    const gchar *message,
		    gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);
	g_autofree GsHomeFlight *flight = gs_home_relay_take_flight(self, event_id);

	/* answered after its timeout: the retry is recorded already */
	if (flight == NULL)
		return;
	/* the connection dropped: the event stays queued as it was */
	if (!accepted && !gs_relay_connection_is_open(conn)) {
		self->rescan = TRUE;
		return;
	}
	gs_home_relay_handle_ok(self, flight, accepted, message != NULL ? message : "");
	gs_home_relay_schedule_pump(self);
}

/* events unanswered for ok-timeout are retried with backoff; a late OK is then ignored */
static gboolean
gs_home_relay_ok_timer_cb(gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);
	gint64 now = g_get_monotonic_time();
	g_autoptr(GPtrArray) expired = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->flights);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsHomeFlight *flight = value;
		if (flight->deadline <= now)
			g_ptr_array_add(expired, flight->id);
	}
	for (guint i = 0; i < expired->len; i++) {
		g_autofree GsHomeFlight *flight =
			gs_home_relay_take_flight(self, g_ptr_array_index(expired, i));
		g_autofree gchar *msg = NULL;

		if (flight == NULL)
			continue;
		msg = g_strdup_printf("error: no OK within %u ms", self->opts.ok_timeout_ms);
		gs_home_relay_retry_later(
			self,
			flight,
			msg,
			gs_health_tracker_draw_backoff(self->health, flight->attempts + 1));
	}
	return G_SOURCE_CONTINUE;
}

/* the window ----------------------------------------------------------------------------------- */

/* sends one due entry unless it is in flight; %FALSE when the connection cannot take it */
static gboolean
gs_home_relay_send(GsHomeRelay *self, GsHomeOutboxEntry *entry)
{
	g_autoptr(GError) error = NULL;
	GsHomeFlight *flight;

	if (g_hash_table_contains(self->flight_seqs, &entry->seq) ||
	    g_hash_table_contains(self->flights, entry->id))
		return TRUE;
	if (entry->json == NULL) {
		/* replaced or deleted since it was queued: nothing to deliver */
		g_debug("%s: no longer stored, dropped from the outbox", entry->id);
		gs_home_relay_push_result(
			self, GS_HOME_RESULT_REMOVE, entry->seq, entry->id, 0, NULL, 0);
		return TRUE;
	}
	flight = g_new0(GsHomeFlight, 1);
	flight->seq = entry->seq;
	memcpy(flight->id, entry->id, sizeof(flight->id));
	flight->attempts = entry->attempts;
	flight->deadline = g_get_monotonic_time() + (gint64)self->opts.ok_timeout_ms * 1000;
	flight->sent_auth = self->auth;
	g_hash_table_insert(self->flights, flight->id, flight);
	g_hash_table_insert(self->flight_seqs, &flight->seq, flight);
	if (!gs_relay_connection_publish_json(
		    self->conn, flight->id, entry->json, gs_home_relay_ok_cb, self, &error)) {
		g_free(gs_home_relay_take_flight(self, entry->id));
		return FALSE;
	}
	return TRUE;
}

static void
gs_home_relay_refill(GsHomeRelay *self)
{
	gint64 now = gs_home_relay_now(self);

	if (!self->running || !gs_home_relay_is_open(self) || self->auth == GS_HOME_AUTH_PENDING)
		return;
	if (self->paused_until > now) {
		gs_home_relay_wake_at(self, self->paused_until);
		return;
	}
	while (g_hash_table_size(self->flights) < self->opts.max_in_flight) {
		guint room = self->opts.max_in_flight - g_hash_table_size(self->flights);
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) due = gs_home_outbox_load_due(
			self->outbox, self->cursor, now / G_USEC_PER_SEC, room, &error);

		if (due == NULL) {
			g_warning("%s", error->message);
			return;
		}
		if (due->len == 0) {
			if (!self->rescan)
				return;
			self->rescan = FALSE;
			self->cursor = 0;
			continue;
		}
		for (guint i = 0; i < due->len; i++) {
			GsHomeOutboxEntry *entry = g_ptr_array_index(due, i);
			self->cursor = entry->seq;
			if (!gs_home_relay_send(self, entry))
				return;
		}
	}
}

static gboolean
gs_home_relay_pump_cb(gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);

	self->pump_id = 0;
	if (gs_home_relay_flush(self))
		gs_home_relay_arm_next_retry(self);
	gs_home_relay_refill(self);
	return G_SOURCE_REMOVE;
}

/* one pump per main-loop round, after the OKs that arrived in it */
static void
gs_home_relay_schedule_pump(GsHomeRelay *self)
{
	if (self->pump_id == 0)
		self->pump_id =
			g_idle_add_full(G_PRIORITY_DEFAULT, gs_home_relay_pump_cb, self, NULL);
}

static void
gs_home_relay_event_stored_cb(GsStore *store, GsEvent *event, gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);
	if (gs_home_relay_is_open(self) &&
	    g_hash_table_size(self->flights) < self->opts.max_in_flight)
		gs_home_relay_schedule_pump(self);
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
	self->auth = GS_HOME_AUTH_NONE;
	self->cursor = 0;
	self->rescan = FALSE;
	g_clear_handle_id(&self->ok_timer_id, g_source_remove);
	self->ok_timer_id = g_timeout_add(
		MAX(self->opts.ok_timeout_ms / 4, 10), gs_home_relay_ok_timer_cb, self);
	gs_home_relay_schedule_pump(self);
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

	g_clear_handle_id(&self->ok_timer_id, g_source_remove);
	self->auth = GS_HOME_AUTH_NONE;
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
 * What the periodic timer does: refused events whose day has passed are queued again. Tests
 * call it after moving their clock.
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
	g_clear_handle_id(&self->reconnect_id, g_source_remove);
	g_clear_handle_id(&self->maintenance_id, g_source_remove);
	g_clear_handle_id(&self->wake_id, g_source_remove);
	gs_relay_connection_disconnect(self->conn, "stopping");
	g_clear_handle_id(&self->pump_id, g_source_remove);
	gs_home_relay_flush(self);
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
	g_clear_handle_id(&self->ok_timer_id, g_source_remove);
	g_clear_handle_id(&self->pump_id, g_source_remove);
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

	g_hash_table_unref(self->flight_seqs);
	g_hash_table_unref(self->flights);
	g_array_unref(self->results);
	g_free(self->url);
	memset(self->seckey, 0, sizeof(self->seckey));
	G_OBJECT_CLASS(gs_home_relay_parent_class)->finalize(object);
}

static void
gs_home_relay_class_init(GsHomeRelayClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = gs_home_relay_dispose;
	object_class->finalize = gs_home_relay_finalize;
}

static void
gs_home_relay_init(GsHomeRelay *self)
{
	self->flights = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	self->flight_seqs = g_hash_table_new(g_int64_hash, g_int64_equal);
	self->results = g_array_new(FALSE, FALSE, sizeof(GsHomeResult));
	g_array_set_clear_func(self->results, (GDestroyNotify)gs_home_result_clear);
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
	self->opts.ok_timeout_ms = MAX(self->opts.ok_timeout_ms, 1);
	self->opts.maintenance_ms = MAX(self->opts.maintenance_ms, 1);
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
