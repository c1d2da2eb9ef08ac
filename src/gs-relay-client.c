/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelay"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-hex.h"
#include "gs-ingest.h"
#include "gs-json.h"
#include "gs-message.h"
#include "gs-nip77.h"
#include "gs-relay-client-private.h"

/* how long a closing handshake may take before the connection is dropped: a slow reader
 * reads its close frame late or never */
#define GS_RELAY_CLIENT_CLOSE_GRACE_MS 3000

enum { SIGNAL_CLOSED, SIGNAL_LAST };
static guint signals[SIGNAL_LAST] = {0};

G_DEFINE_FINAL_TYPE(GsRelayClient, gs_relay_client, G_TYPE_OBJECT)

/* outgoing accounting ------------------------------------------------------------------------ */

/**
 * gs_relay_client_get_pending_bytes:
 *
 * Returns: the bytes queued towards the client (in libsoup's queue and the kernel's) that
 *   its TCP stack has not acknowledged yet; 0 when the socket cannot be inspected
 */
guint64
gs_relay_client_get_pending_bytes(GsRelayClient *self)
{
	return gs_relay_outq_get_pending(self->outq);
}

/* closes a slow reader; returns %TRUE when the connection is still fine */
gboolean
gs_relay_client_check_pending(GsRelayClient *self)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	guint64 bound = limits->max_pending_bytes;
	guint64 held = self->live_bytes;
	g_autofree gchar *reason = NULL;

	if (held <= bound &&
	    held + gs_relay_outq_get_pending_above(self->outq, bound - held) <= bound)
		return TRUE;
	reason = g_strdup_printf("slow reader: over %u bytes queued", limits->max_pending_bytes);
	g_debug("closing connection %" G_GUINT64_FORMAT " from %s: %s",
		self->id,
		self->peer,
		reason);
	gs_relay_client_close(self, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, reason);
	return FALSE;
}

gboolean
gs_relay_client_is_open(GsRelayClient *self)
{
	return !self->closing && gs_websocket_get_state(self->conn) == SOUP_WEBSOCKET_STATE_OPEN;
}

/* queues @len bytes of UTF-8 (not checked again) as one text message */
static gboolean
gs_relay_client_send_text_len(GsRelayClient *self, const gchar *text, gsize len)
{
	if (!gs_relay_client_is_open(self))
		return FALSE;
	gs_websocket_send_text(self->conn, text, len);
	gs_relay_outq_add_frame(self->outq, len);
	return TRUE;
}

/**
 * gs_relay_client_send_text:
 * @text: a whole message
 *
 * Queues @text as is: no tap, no slow-reader check (for taps and tests).
 *
 * Returns: %FALSE when the connection is closing or closed
 */
gboolean
gs_relay_client_send_text(GsRelayClient *self, const gchar *text)
{
	return gs_relay_client_send_text_len(self, text, strlen(text));
}

/* every message of the relay goes here: outgoing tap, queue, slow-reader bound */
gboolean
gs_relay_client_send(GsRelayClient *self, gchar *text)
{
	g_autofree gchar *owned = text;
	gsize len;

	if (!gs_relay_client_is_open(self))
		return FALSE;
	/* libsoup refuses text frames that are not UTF-8, and client input can make ours so:
	 * json-glib decodes a lone surrogate escape (a sub id "\ud800") to invalid UTF-8, and
	 * error texts quote input cut at a byte count */
	if (!g_utf8_validate(text, -1, NULL)) {
		g_debug("connection %" G_GUINT64_FORMAT ": repairing a message that is not UTF-8",
			self->id);
		gchar *repaired = g_utf8_make_valid(owned, -1);
		g_free(owned);
		owned = repaired;
		text = repaired;
	}
	len = strlen(text);
	if (!gs_relay_server_run_tap(self->server, self, TRUE, text, len))
		return gs_relay_client_is_open(self);
	if (!gs_relay_client_send_text_len(self, text, len))
		return FALSE;
	return gs_relay_client_check_pending(self);
}

/**
 * gs_relay_client_send_valid:
 * @text: a whole message, known to be UTF-8: built only from stored event JSON (every string
 *   of a stored event was checked when it was parsed, and its serialisation keeps them so) and
 *   strings checked on the way in (subscription ids, gs_relay_client_check_sub_id())
 * @len: its length
 *
 * gs_relay_client_send() without the UTF-8 check (libsoup does its own), for the events a
 * replay sends, and without taking @text.
 */
gboolean
gs_relay_client_send_valid(GsRelayClient *self, const gchar *text, gsize len)
{
	if (!gs_relay_client_is_open(self))
		return FALSE;
	if (!gs_relay_server_run_tap(self->server, self, TRUE, text, len))
		return gs_relay_client_is_open(self);
	if (!gs_relay_client_send_text_len(self, text, len))
		return FALSE;
	return gs_relay_client_check_pending(self);
}

static void
gs_relay_client_send_notice(GsRelayClient *self, const gchar *text)
{
	gs_relay_client_send(self, gs_message_build_notice(text));
}

void
gs_relay_client_send_closed(GsRelayClient *self, const gchar *sub_id, const gchar *reason)
{
	gs_relay_client_send(self, gs_message_build_closed(sub_id, reason));
}

gboolean
gs_relay_client_check_sub_id(GsRelayClient *self,
			     const gchar *sub_id,
			     const gchar *prefix,
			     gchar **reason)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);

	if (sub_id[0] == '\0') {
		*reason = g_strdup_printf("%s: empty subscription id", prefix);
		return FALSE;
	}
	if (!g_utf8_validate(sub_id, -1, NULL)) {
		*reason = g_strdup_printf("%s: subscription id is not valid UTF-8", prefix);
		return FALSE;
	}
	if (g_utf8_strlen(sub_id, -1) > limits->max_subid_length) {
		*reason = g_strdup_printf("%s: subscription id longer than %u characters",
					  prefix,
					  limits->max_subid_length);
		return FALSE;
	}
	return TRUE;
}

gboolean
gs_relay_client_check_n_filters(GsRelayClient *self, guint n_filters, gchar **reason)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);

	if (n_filters > limits->max_filters) {
		*reason = g_strdup_printf("blocked: too many filters (at most %u)",
					  limits->max_filters);
		return FALSE;
	}
	return TRUE;
}

/* REQ and COUNT filters, or NULL with the CLOSED reason */
GPtrArray *
gs_relay_client_parse_filters(GsRelayClient *self, GPtrArray *nodes, gchar **reason)
{
	g_autoptr(GPtrArray) filters = NULL;

	if (!gs_relay_client_check_n_filters(self, nodes->len, reason))
		return NULL;
	filters = g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	for (guint i = 0; i < nodes->len; i++) {
		g_autoptr(GError) error = NULL;
		GsFilter *filter = gs_filter_new_from_node(g_ptr_array_index(nodes, i), &error);
		if (filter == NULL) {
			*reason = g_strdup_printf("invalid: %s", error->message);
			return NULL;
		}
		g_ptr_array_add(filters, filter);
	}
	return g_steal_pointer(&filters);
}

/* COUNT (NIP-45): one filter is exact; several are summed, which may count an event twice */
static void
gs_relay_client_handle_count(GsRelayClient *self, GsMessage *msg)
{
	GsStore *store = gs_relay_server_get_store(self->server);
	g_autoptr(GPtrArray) filters = NULL;
	g_autofree gchar *reason = NULL;
	guint64 total = 0;

	if (!gs_relay_client_check_sub_id(self, msg->sub_id, "invalid", &reason) ||
	    (filters = gs_relay_client_parse_filters(self, msg->filters, &reason)) == NULL) {
		gs_relay_client_send_closed(self, msg->sub_id, reason);
		return;
	}
	for (guint i = 0; i < filters->len; i++) {
		g_autoptr(GError) error = NULL;
		guint64 count = 0;
		if (!gs_store_count(store, g_ptr_array_index(filters, i), &count, &error)) {
			g_debug("COUNT %s refused: %s", msg->sub_id, error->message);
			gs_relay_client_send_closed(self, msg->sub_id, "error: could not count");
			return;
		}
		total += count;
	}
	gs_relay_client_send(self, gs_message_build_count(msg->sub_id, total, filters->len > 1));
}

/* negentropy ---------------------------------------------------------------------------------- */

static void
gs_relay_client_handle_neg(GsRelayClient *self, GsMessage *msg)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	g_autofree gchar *reason = NULL;

	if (!gs_relay_client_check_sub_id(self, msg->sub_id, "closed", &reason)) {
		gs_relay_client_send(self, gs_nip77_err_new(msg->sub_id, reason));
		return;
	}
	if (self->neg == NULL)
		self->neg = gs_relay_neg_new(gs_relay_server_get_store(self->server),
					     limits->max_subscriptions,
					     limits->max_sync_events,
					     limits->negentropy_frame_limit);
	switch (msg->type) {
	case GS_MESSAGE_NEG_OPEN:
		gs_relay_client_send(self,
				     gs_relay_neg_open(self->neg,
						       msg->sub_id,
						       g_ptr_array_index(msg->filters, 0),
						       msg->text));
		break;
	case GS_MESSAGE_NEG_MSG:
		gs_relay_client_send(self, gs_relay_neg_msg(self->neg, msg->sub_id, msg->text));
		break;
	default:
		gs_relay_neg_close(self->neg, msg->sub_id);
		break;
	}
}

/* EVENT and AUTH ------------------------------------------------------------------------------ */

/* OK for the event @id names, or a NOTICE when it has no id we can name */
static void
gs_relay_client_answer_event(GsRelayClient *self,
			     const gchar *id,
			     gboolean accepted,
			     const gchar *message)
{
	g_autofree gchar *notice = NULL;

	if (id == NULL) {
		notice = g_strdup_printf("invalid: event has no valid id (%s)", message);
		gs_relay_client_send_notice(self, notice);
		return;
	}
	gs_relay_client_send(self, gs_message_build_ok(id, accepted, message));
}

/* the id of an event object (AUTH), or NULL */
static gchar *
gs_relay_client_node_id(JsonNode *node)
{
	g_autofree gchar *json = json_to_string(node, FALSE);
	gchar id[65];

	if (!gs_message_peek_event_id(json, strlen(json), id))
		return NULL;
	return g_strdup(id);
}

/* a token bucket: events_per_minute tokens, refilled continuously */
static gboolean
gs_relay_client_take_token(GsRelayClient *self)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	gint64 now = g_get_monotonic_time();
	gdouble cap = limits->events_per_minute;

	if (limits->events_per_minute == 0)
		return TRUE;
	if (self->tokens_at == 0)
		self->tokens = cap;
	else
		self->tokens = MIN(cap, self->tokens + (now - self->tokens_at) * cap / 60e6);
	self->tokens_at = now;
	if (self->tokens < 1.0)
		return FALSE;
	self->tokens -= 1.0;
	return TRUE;
}

#define GS_RELAY_DUPLICATE_TEXT "duplicate: already have this event"

/* the OK text of an ingest outcome (docs/relay.md) */
static gchar *
gs_relay_client_outcome_text(const GsIngestResult *result, gboolean *accepted)
{
	const gchar *reason = gs_reject_reason_to_string(result->reason);

	*accepted = FALSE;
	switch (result->outcome) {
	case GS_INGEST_OUTCOME_STORED:
		*accepted = TRUE;
		return g_strdup("");
	case GS_INGEST_OUTCOME_DUPLICATE:
		*accepted = TRUE;
		return g_strdup(GS_RELAY_DUPLICATE_TEXT);
	case GS_INGEST_OUTCOME_DEFERRED:
		return g_strdup_printf("blocked: waiting for %s",
				       result->dependency != NULL ? result->dependency
								  : "an event it depends on");
	case GS_INGEST_OUTCOME_REJECTED:
		return g_strdup_printf("blocked: %s", reason);
	case GS_INGEST_OUTCOME_INVALID:
		return g_strdup_printf("invalid: %s", reason);
	default:
		return g_strdup_printf("error: %s", reason);
	}
}

/* an EVENT in the ingest: the client (referenced) and the id read from the message */
typedef struct {
	GsRelayClient *client;
	gboolean has_id;
	gchar id[65];
	gsize len;
} GsRelayEventJob;

/*
 * the OK of a stored or duplicate event, as gs_message_build_ok() writes it but without
 * allocating, escaping or checking (one OK per EVENT a home delivery sends): @id is 64
 * lower-case hex digits and the text one of ours with nothing to escape; %FALSE (nothing
 * sent) for other outcomes or ids
 */
static gboolean
gs_relay_client_answer_accepted(GsRelayClient *self, const GsIngestResult *result, const gchar *id)
{
	static const gchar head[] = "[\"OK\",\"";
	static const gchar mid[] = "\",true,\"";
	const gchar *text =
		result->outcome == GS_INGEST_OUTCOME_STORED ? "" : GS_RELAY_DUPLICATE_TEXT;
	gchar buf[sizeof(head) + 64 + sizeof(mid) + sizeof(GS_RELAY_DUPLICATE_TEXT) + 2];
	gsize text_len = strlen(text);
	gsize n = 0;

	if ((result->outcome != GS_INGEST_OUTCOME_STORED &&
	     result->outcome != GS_INGEST_OUTCOME_DUPLICATE) ||
	    id == NULL || strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
		return FALSE;
	memcpy(buf, head, sizeof(head) - 1);
	n += sizeof(head) - 1;
	memcpy(buf + n, id, 64);
	n += 64;
	memcpy(buf + n, mid, sizeof(mid) - 1);
	n += sizeof(mid) - 1;
	memcpy(buf + n, text, text_len);
	n += text_len;
	buf[n++] = '"';
	buf[n++] = ']';
	buf[n] = '\0';
	gs_relay_client_send_valid(self, buf, n);
	return TRUE;
}

static void
gs_relay_client_ingest_cb(GsIngest *ingest, const GsIngestResult *result, gpointer user_data)
{
	GsRelayEventJob *job = user_data;
	GsRelayClient *self = job->client;
	const gchar *id = result->event != NULL ? gs_event_get_id(result->event)
			  : job->has_id		? job->id
						: NULL;
	gboolean accepted = FALSE;

	self->events_in_flight--;
	self->event_bytes_in_flight -= job->len;
	/* the client may have gone while the event was checked: the answer goes nowhere */
	if (gs_relay_client_is_open(self) && !gs_relay_client_answer_accepted(self, result, id)) {
		g_autofree gchar *text = gs_relay_client_outcome_text(result, &accepted);
		gs_relay_client_answer_event(self, id, accepted, text);
	}
	g_object_unref(job->client);
	g_free(job);
}

/* the hot path: @json is handed to the ingest's worker threads unparsed */
static void
gs_relay_client_handle_event(GsRelayClient *self, const gchar *json, gsize len)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	GsIngest *ingest = gs_relay_server_get_ingest(self->server);
	g_autofree gchar *reason = NULL;
	GsRelayEventJob *job;
	gchar id[65];
	gboolean has_id = gs_message_peek_event_id(json, len, id);

	if (!gs_relay_client_take_token(self)) {
		reason = g_strdup_printf("rate-limited: at most %u events a minute",
					 limits->events_per_minute);
		gs_relay_client_answer_event(self, has_id ? id : NULL, FALSE, reason);
		return;
	}
	/* a budget in bytes (what waiting costs): many small events, or a few large ones; one
	 * event is always taken when none waits */
	if (self->events_in_flight > 0 &&
	    self->event_bytes_in_flight + len > limits->max_checking_bytes) {
		reason = g_strdup_printf(
			"rate-limited: too many events waiting to be checked (at most %u bytes)",
			limits->max_checking_bytes);
		gs_relay_client_answer_event(self, has_id ? id : NULL, FALSE, reason);
		return;
	}
	/* and what every source together has waiting: the bound of all connections' budgets */
	if (self->events_in_flight > 0 && ingest != NULL &&
	    gs_ingest_get_pending_bytes(ingest) + len > limits->max_checking_bytes_total) {
		gs_relay_client_answer_event(
			self,
			has_id ? id : NULL,
			FALSE,
			"rate-limited: this relay has too many events waiting to be checked");
		return;
	}
	if (!limits->accept_events || ingest == NULL) {
		gs_relay_client_answer_event(self,
					     has_id ? id : NULL,
					     FALSE,
					     "blocked: this relay does not accept events");
		return;
	}
	job = g_new0(GsRelayEventJob, 1);
	job->client = g_object_ref(self);
	job->has_id = has_id;
	if (has_id)
		memcpy(job->id, id, sizeof(job->id));
	job->len = len;
	self->events_in_flight++;
	self->event_bytes_in_flight += len;
	gs_ingest_submit(
		ingest, GS_RELAY_SERVER_INGEST_SOURCE, json, len, gs_relay_client_ingest_cb, job);
}

static void
gs_relay_client_handle_event_node(GsRelayClient *self, JsonNode *event)
{
	g_autofree gchar *json = json_to_string(event, FALSE);
	gs_relay_client_handle_event(self, json, strlen(json));
}

static void
gs_relay_client_handle_auth(GsRelayClient *self, JsonNode *event)
{
	g_autofree gchar *id = gs_relay_client_node_id(event);
	gs_relay_client_answer_event(
		self, id, FALSE, "restricted: this relay does not use authentication");
}

/* messages ------------------------------------------------------------------------------------ */

static void
gs_relay_client_dispatch(GsRelayClient *self, GsMessage *msg)
{
	switch (msg->type) {
	case GS_MESSAGE_REQ:
		gs_relay_client_handle_req_nodes(self, msg->sub_id, msg->filters);
		break;
	case GS_MESSAGE_CLOSE:
		gs_relay_client_drop_sub(self, msg->sub_id);
		break;
	case GS_MESSAGE_EVENT:
		gs_relay_client_handle_event_node(self, msg->event);
		break;
	case GS_MESSAGE_COUNT:
		gs_relay_client_handle_count(self, msg);
		break;
	case GS_MESSAGE_AUTH:
		gs_relay_client_handle_auth(self, msg->event);
		break;
	case GS_MESSAGE_NEG_OPEN:
	case GS_MESSAGE_NEG_MSG:
	case GS_MESSAGE_NEG_CLOSE:
		gs_relay_client_handle_neg(self, msg);
		break;
	default:
		gs_relay_client_send_notice(self, "invalid: not a client message");
		break;
	}
}

/**
 * gs_relay_client_handle_text:
 *
 * Handles one client message as if it had arrived (without the incoming tap).
 */
void
gs_relay_client_handle_text(GsRelayClient *self, const gchar *text, gsize len)
{
	g_autoptr(GsMessage) msg = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *sub_id = NULL;
	g_autoptr(GPtrArray) filters = NULL;
	gsize off = 0;
	gsize event_len = 0;

	if (!gs_relay_client_is_open(self))
		return;
	/* the hot paths: the event object is handed on without building a tree here, and a REQ
	 * in the plain form is read straight into its filters */
	if (gs_message_peek_event(text, len, GS_MESSAGE_FROM_CLIENT, NULL, &off, &event_len)) {
		gs_relay_client_handle_event(self, text + off, event_len);
		return;
	}
	if (gs_message_peek_req(text, len, &sub_id, &filters)) {
		g_object_ref(self);
		gs_relay_client_handle_req(self, sub_id, g_steal_pointer(&filters));
		g_object_unref(self);
		return;
	}
	msg = gs_message_parse(text, len, GS_MESSAGE_FROM_CLIENT, &error);
	if (msg == NULL) {
		g_autofree gchar *notice = g_strdup_printf("invalid: %s", error->message);
		gs_relay_client_send_notice(self, notice);
		return;
	}
	g_object_ref(self);
	gs_relay_client_dispatch(self, msg);
	g_object_unref(self);
}

static void
gs_relay_client_message_cb(GsWebsocket *conn,
			   const gchar *data,
			   gsize len,
			   gboolean text,
			   gpointer user_data)
{
	GsRelayClient *self = GS_RELAY_CLIENT(user_data);

	if (!gs_relay_client_is_open(self))
		return;
	if (!text) {
		gs_relay_client_send_notice(self, "invalid: binary messages are not supported");
		return;
	}
	if (!gs_relay_server_run_tap(self->server, self, FALSE, data, len))
		return;
	gs_relay_client_handle_text(self, data, len);
}

/* lifecycle ----------------------------------------------------------------------------------- */

static void
gs_relay_client_drop_state(GsRelayClient *self)
{
	gs_relay_client_subs_clear(self);
	g_clear_pointer(&self->neg, gs_relay_neg_free);
}

static gboolean
gs_relay_client_close_timeout_cb(gpointer user_data)
{
	GsRelayClient *self = GS_RELAY_CLIENT(user_data);

	self->close_timer_id = 0;
	g_debug("connection %" G_GUINT64_FORMAT ": no close handshake, dropping it", self->id);
	gs_relay_outq_shutdown(self->outq, NULL);
	return G_SOURCE_REMOVE;
}

/**
 * gs_relay_client_close:
 * @code: a websocket close code (1008 for limits, 1001 when going away)
 * @reason: (nullable): the close reason (at most 123 bytes are sent)
 *
 * Starts the closing handshake; `closed` follows when it ends (libsoup gives up on a peer that
 * does not answer). State is dropped at once.
 */
void
gs_relay_client_close(GsRelayClient *self, gushort code, const gchar *reason)
{
	if (self->closing)
		return;
	self->closing = TRUE;
	gs_relay_client_drop_state(self);
	if (gs_websocket_get_state(self->conn) != SOUP_WEBSOCKET_STATE_OPEN)
		return;
	gs_websocket_close(self->conn, code, reason);
	self->close_timer_id = g_timeout_add(
		GS_RELAY_CLIENT_CLOSE_GRACE_MS, gs_relay_client_close_timeout_cb, self);
}

/**
 * gs_relay_client_abort:
 *
 * Drops the connection without a closing handshake (the peer sees the TCP connection end);
 * `closed` follows.
 */
void
gs_relay_client_abort(GsRelayClient *self)
{
	g_autoptr(GError) error = NULL;

	/* what was sent before goes out first, as far as the socket takes it */
	gs_websocket_flush(self->conn);
	if (!gs_relay_outq_shutdown(self->outq, &error)) {
		g_debug("cannot shut down connection %" G_GUINT64_FORMAT ": %s",
			self->id,
			error->message);
		gs_relay_client_close(self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
		return;
	}
	self->closing = TRUE;
	gs_relay_client_drop_state(self);
}

static void
gs_relay_client_closed_cb(GsWebsocket *conn, gpointer user_data)
{
	GsRelayClient *self = GS_RELAY_CLIENT(user_data);

	if (self->closed)
		return;
	self->closing = TRUE;
	self->closed = TRUE;
	g_clear_handle_id(&self->close_timer_id, g_source_remove);
	gs_relay_client_drop_state(self);
	g_object_ref(self);
	g_signal_emit(self, signals[SIGNAL_CLOSED], 0);
	g_object_unref(self);
}

static void
gs_relay_client_error_cb(GsWebsocket *conn, const GError *error, gpointer user_data)
{
	GsRelayClient *self = GS_RELAY_CLIENT(user_data);

	g_debug("connection %" G_GUINT64_FORMAT " from %s: %s",
		self->id,
		self->peer,
		error->message);
	/* the connection closes after this; a close frame queued now says why */
	if (g_error_matches(error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG) &&
	    gs_websocket_get_state(conn) == SOUP_WEBSOCKET_STATE_OPEN) {
		const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
		g_autofree gchar *reason = g_strdup_printf("message too big (at most %u bytes)",
							   limits->max_message_bytes);
		gs_websocket_close(conn, SOUP_WEBSOCKET_CLOSE_TOO_BIG, reason);
	}
}

static const GsWebsocketHandlers gs_relay_client_ws_handlers = {
	gs_relay_client_message_cb,
	gs_relay_client_error_cb,
	gs_relay_client_closed_cb,
};

guint64
gs_relay_client_get_id(GsRelayClient *self)
{
	return self->id;
}

const gchar *
gs_relay_client_get_peer(GsRelayClient *self)
{
	return self->peer;
}

static void
gs_relay_client_dispose(GObject *object)
{
	GsRelayClient *self = GS_RELAY_CLIENT(object);

	gs_relay_client_drop_state(self);
	g_clear_handle_id(&self->close_timer_id, g_source_remove);
	if (self->conn != NULL) {
		gs_websocket_start(self->conn, NULL, NULL);
		gs_websocket_close(self->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
	}
	g_clear_object(&self->conn);
	g_clear_pointer(&self->outq, gs_relay_outq_free);
	G_OBJECT_CLASS(gs_relay_client_parent_class)->dispose(object);
}

static void
gs_relay_client_finalize(GObject *object)
{
	GsRelayClient *self = GS_RELAY_CLIENT(object);

	gs_relay_client_subs_free(self);
	g_free(self->peer);
	G_OBJECT_CLASS(gs_relay_client_parent_class)->finalize(object);
}

static void
gs_relay_client_class_init(GsRelayClientClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = gs_relay_client_dispose;
	object_class->finalize = gs_relay_client_finalize;
	signals[SIGNAL_CLOSED] = g_signal_new("closed",
					      G_TYPE_FROM_CLASS(klass),
					      G_SIGNAL_RUN_LAST,
					      0,
					      NULL,
					      NULL,
					      NULL,
					      G_TYPE_NONE,
					      0);
}

static void
gs_relay_client_init(GsRelayClient *self)
{
	gs_relay_client_subs_init(self);
}

/**
 * gs_relay_client_new:
 * @server: the endpoint (not referenced: it holds the client and outlives it)
 * @conn: the open websocket (referenced)
 */
GsRelayClient *
gs_relay_client_new(GsRelayServer *server, GsWebsocket *conn, const gchar *peer, guint64 id)
{
	GsRelayClient *self = g_object_new(GS_TYPE_RELAY_CLIENT, NULL);
	const GsRelayLimits *limits = gs_relay_server_get_limits(server);

	self->server = server;
	self->conn = g_object_ref(conn);
	self->peer = g_strdup(peer);
	self->id = id;
	self->outq = gs_relay_outq_new(gs_websocket_get_io_stream(conn));
	if (!gs_relay_outq_can_measure(self->outq))
		g_debug("connection %" G_GUINT64_FORMAT ": no TCP_INFO, no slow-reader bound", id);
	gs_websocket_set_max_incoming_payload_size(conn, limits->max_message_bytes);
	gs_websocket_start(conn, &gs_relay_client_ws_handlers, self);
	return self;
}
