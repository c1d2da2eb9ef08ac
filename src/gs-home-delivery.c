/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsHome"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-home-relay-private.h"
#include "gs-message.h"

/*
 * Delivery into the home relay (the GRASP server's own relay), from the outbox table.
 *
 * The store's insert hook writes an outbox row in the transaction that stores an event, so
 * a crash at any instant loses nothing. A window of events (gs-home-window.c) is sent with
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
	GS_HOME_RESULT_REMOVE,
	GS_HOME_RESULT_RETRY,
	GS_HOME_RESULT_REFUSE,
} GsHomeResultKind;

typedef struct {
	GsHomeResultKind kind;
	gint64 seq;
	gchar id[65];
	guint8 id_raw[32];
	guint attempts;
	gchar *message;
	gint64 next_retry; /* unix s */
} GsHomeResult;

/* results ------------------------------------------------------------------------------------ */

static void
gs_home_result_clear(GsHomeResult *result)
{
	g_free(result->message);
}

static void
gs_home_relay_append_result(GsHomeRelay *self,
			    GsHomeResultKind kind,
			    gint64 seq,
			    const gchar *id,
			    const guint8 *id_raw,
			    guint attempts,
			    const gchar *message,
			    gint64 next_retry)
{
	GsHomeResult result = {kind, seq, "", {0}, attempts, g_strdup(message), next_retry};

	memcpy(result.id, id, sizeof(result.id));
	memcpy(result.id_raw, id_raw, sizeof(result.id_raw));
	g_array_append_val(self->results, result);
}

/* a result that is written, and acted on, in the next main-loop round */
static void
gs_home_relay_push_result(GsHomeRelay *self,
			  GsHomeResultKind kind,
			  gint64 seq,
			  const gchar *id,
			  const guint8 *id_raw,
			  guint attempts,
			  const gchar *message,
			  gint64 next_retry)
{
	gs_home_relay_append_result(self, kind, seq, id, id_raw, attempts, message, next_retry);
	gs_home_relay_schedule_pump(self);
}

static gboolean
gs_home_relay_apply_result(GsHomeRelay *self, GsHomeResult *r, GError **error)
{
	gboolean removed = FALSE;

	switch (r->kind) {
	case GS_HOME_RESULT_REMOVE:
		if (!gs_home_outbox_remove(self->outbox, r->seq, r->id_raw, &removed, error))
			return FALSE;
		/* the row now belongs to another event: it is due behind the cursor */
		if (!removed)
			self->rescan = TRUE;
		return TRUE;
	case GS_HOME_RESULT_RETRY:
	case GS_HOME_RESULT_REFUSE:
		return gs_home_outbox_set_result(self->outbox,
						 r->seq,
						 r->id_raw,
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
gboolean
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
	for (guint i = 0;
	     error == NULL && self->reconcile_delivered != NULL && i < self->results->len;
	     i++) {
		GsHomeResult *r = &g_array_index(self->results, GsHomeResult, i);
		if (r->kind == GS_HOME_RESULT_REMOVE)
			g_hash_table_add(self->reconcile_delivered, g_strdup(r->id));
	}
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
	/* rounded down: due when the pause that goes with it ends, before anything sent later */
	gint64 next = (gs_home_relay_now(self) + delay) / G_USEC_PER_SEC;

	self->stats.retried++;
	gs_home_relay_push_result(self,
				  GS_HOME_RESULT_RETRY,
				  flight->seq,
				  flight->id,
				  flight->id_raw,
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
	self->second_chance = TRUE;
	gs_home_relay_push_result(self,
				  GS_HOME_RESULT_REFUSE,
				  flight->seq,
				  flight->id,
				  flight->id_raw,
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

	if (gs_home_relay_window_overflow(self, flight, message)) {
		self->rescan = TRUE;
		gs_home_relay_retry_later(self, flight, message, 0);
		return;
	}
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
		gs_home_relay_grow_window(self, flight);
		/* the caller decides when to write it */
		gs_home_relay_append_result(self,
					    GS_HOME_RESULT_REMOVE,
					    flight->seq,
					    flight->id,
					    flight->id_raw,
					    0,
					    NULL,
					    0);
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
	self->bytes_in_flight -= flight->bytes;
	return flight;
}

/*
 * After an OK: the pump (a transaction for the results, a read of the outbox, a burst of
 * EVENTs) runs once an eighth of the window has been answered, not for every few OKs that
 * one read of the socket brings, or at once when nothing more is awaited. The events keep
 * going meanwhile: seven eighths of the window stay in flight.
 */
static void
gs_home_relay_schedule_batched_pump(GsHomeRelay *self)
{
	guint batch = MAX(self->window / 8, 1);
	guint flying = g_hash_table_size(self->flights);

	if (self->results->len >= batch || self->window - MIN(flying, self->window) >= batch ||
	    flying == 0 || self->rescan)
		gs_home_relay_schedule_pump(self);
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
	gs_home_relay_schedule_batched_pump(self);
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
	if (entry->message == NULL) {
		/* replaced or deleted since it was queued: nothing to deliver */
		g_debug("%s: no longer stored, dropped from the outbox", entry->id);
		gs_home_relay_push_result(self,
					  GS_HOME_RESULT_REMOVE,
					  entry->seq,
					  entry->id,
					  entry->id_raw,
					  0,
					  NULL,
					  0);
		return TRUE;
	}
	flight = g_new0(GsHomeFlight, 1);
	flight->seq = entry->seq;
	memcpy(flight->id, entry->id, sizeof(flight->id));
	memcpy(flight->id_raw, entry->id_raw, sizeof(flight->id_raw));
	flight->attempts = entry->attempts;
	flight->send_seq = self->next_send_seq++;
	flight->deadline = g_get_monotonic_time() + (gint64)self->opts.ok_timeout_ms * 1000;
	flight->sent_auth = self->auth;
	flight->bytes = entry->message_len;
	self->bytes_in_flight += flight->bytes;
	g_hash_table_insert(self->flights, flight->id, flight);
	g_hash_table_insert(self->flight_seqs, &flight->seq, flight);
	if (!gs_relay_connection_publish_message(
		    self->conn, flight->id, entry->message, gs_home_relay_ok_cb, self, &error)) {
		g_free(gs_home_relay_take_flight(self, entry->id));
		return FALSE;
	}
	return TRUE;
}

/*
 * Once the queue has drained (nothing due, nothing in flight), the events refused since then
 * for the first time go once more: a refusal can come from order (an event that reached
 * home before the one it depends on, which home may keep waiting and call `blocked:`). A
 * second refusal stands until the daily retry.
 *
 * Returns: %TRUE when events were queued again
 */
static gboolean
gs_home_relay_second_chance(GsHomeRelay *self)
{
	g_autoptr(GError) error = NULL;
	guint n = 0;

	if (!self->second_chance || g_hash_table_size(self->flights) > 0 || self->results->len > 0)
		return FALSE;
	self->second_chance = FALSE;
	if (!gs_home_outbox_requeue_first_refusals(self->outbox, &n, &error)) {
		g_warning("%s", error->message);
		return FALSE;
	}
	if (n > 0)
		g_info("home relay %s: sending the %u events it refused once more", self->url, n);
	return n > 0;
}

/* nothing due, nothing in flight: the reconciliation a connect or the daily pass asked for */
static void
gs_home_relay_drained(GsHomeRelay *self)
{
	if (!self->reconcile_wanted || g_hash_table_size(self->flights) > 0 ||
	    self->results->len > 0)
		return;
	self->reconcile_wanted = FALSE;
	gs_home_relay_start_reconcile(self);
}

/* sends due events until the window is full or nothing is due */
static void
gs_home_relay_fill_window(GsHomeRelay *self, gint64 now)
{
	self->window_full = FALSE;
	while (g_hash_table_size(self->flights) < self->window) {
		guint room = self->window - g_hash_table_size(self->flights);
		g_autoptr(GError) error = NULL;
		g_autoptr(GPtrArray) due = gs_home_outbox_load_due(
			self->outbox, self->cursor, now / G_USEC_PER_SEC, room, &error);

		if (due == NULL) {
			g_warning("%s", error->message);
			return;
		}
		if (due->len == 0) {
			if (!self->rescan && !gs_home_relay_second_chance(self)) {
				gs_home_relay_drained(self);
				return;
			}
			self->rescan = FALSE;
			self->cursor = 0;
			continue;
		}
		for (guint i = 0; i < due->len; i++) {
			GsHomeOutboxEntry *entry = g_ptr_array_index(due, i);
			/* over the budget home named: it waits for room, at the cursor */
			if (self->window_bytes > 0 && g_hash_table_size(self->flights) > 0 &&
			    entry->message != NULL &&
			    self->bytes_in_flight + entry->message_len > self->window_bytes)
				return;
			self->cursor = entry->seq;
			if (!gs_home_relay_send(self, entry))
				return;
		}
	}
	self->window_full = TRUE;
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
	gs_relay_connection_cork(self->conn, TRUE);
	gs_home_relay_fill_window(self, now);
	gs_relay_connection_cork(self->conn, FALSE);
}

static gboolean
gs_home_relay_pump_cb(gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);

	self->pump_id = 0;
	self->counts_dirty = TRUE;
	if (gs_home_relay_flush(self))
		gs_home_relay_arm_next_retry(self);
	gs_home_relay_refill(self);
	return G_SOURCE_REMOVE;
}

/* one pump per main-loop round, after the OKs that arrived in it */
void
gs_home_relay_schedule_pump(GsHomeRelay *self)
{
	if (self->pump_id == 0)
		self->pump_id =
			g_idle_add_full(G_PRIORITY_DEFAULT, gs_home_relay_pump_cb, self, NULL);
}

void
gs_home_relay_event_stored_cb(GsStore *store, GsEvent *event, gpointer user_data)
{
	GsHomeRelay *self = GS_HOME_RELAY(user_data);

	self->counts_dirty = TRUE;
	if (gs_home_relay_is_open(self) && g_hash_table_size(self->flights) < self->window)
		gs_home_relay_schedule_pump(self);
}

/* lifecycle (called by gs-home-relay.c) ---------------------------------------------------------
 */

/* the flights' key: an event id is a hash already, its first 16 hex digits hash as well as
 * all 64 (g_str_hash walks every one, three lookups an event) */
static guint
gs_home_id_hash(gconstpointer key)
{
	const gchar *id = key;
	guint h = 0;

	for (guint i = 0; i < 16 && id[i] != '\0'; i++)
		h = (h << 4) ^ (h >> 28) ^ (guchar)id[i];
	return h;
}

void
gs_home_delivery_init(GsHomeRelay *self)
{
	self->flights = g_hash_table_new_full(gs_home_id_hash, g_str_equal, NULL, g_free);
	self->flight_seqs = g_hash_table_new(g_int64_hash, g_int64_equal);
	self->results = g_array_new(FALSE, FALSE, sizeof(GsHomeResult));
	g_array_set_clear_func(self->results, (GDestroyNotify)gs_home_result_clear);
}

void
gs_home_delivery_finalize(GsHomeRelay *self)
{
	g_hash_table_unref(self->flight_seqs);
	g_hash_table_unref(self->flights);
	g_array_unref(self->results);
}

/* a new connection: a fresh sweep from the start of the outbox, and the OK timer */
void
gs_home_delivery_opened(GsHomeRelay *self)
{
	self->auth = GS_HOME_AUTH_NONE;
	self->cursor = 0;
	self->rescan = FALSE;
	gs_home_delivery_reset_window(self);
	g_clear_handle_id(&self->ok_timer_id, g_source_remove);
	self->ok_timer_id = g_timeout_add(
		MAX(self->opts.ok_timeout_ms / 4, 10), gs_home_relay_ok_timer_cb, self);
	gs_home_relay_schedule_pump(self);
}

/* the connection closed: every event in flight was answered "aborted" and stays queued */
void
gs_home_delivery_closed(GsHomeRelay *self)
{
	g_clear_handle_id(&self->ok_timer_id, g_source_remove);
	self->auth = GS_HOME_AUTH_NONE;
}

/* no more timers; the results gathered so far are written */
void
gs_home_delivery_stop(GsHomeRelay *self)
{
	g_clear_handle_id(&self->ok_timer_id, g_source_remove);
	g_clear_handle_id(&self->wake_id, g_source_remove);
	g_clear_handle_id(&self->pump_id, g_source_remove);
	if (self->results != NULL)
		gs_home_relay_flush(self);
}
