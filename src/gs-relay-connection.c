/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelay"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "gs-enums-types.h"
#include "gs-error.h"
#include "gs-filter.h"
#include "gs-message.h"
#include "gs-relay-connection-private.h"
#include "gs-websocket-client.h"

enum { PROP_0, PROP_URL, PROP_STATUS, N_PROPS };
static GParamSpec *props[N_PROPS] = {NULL};

enum { SIGNAL_OPENED, SIGNAL_CONNECT_FAILED, SIGNAL_DISCONNECTED, SIGNAL_NOTICE, N_SIGNALS };
static guint signals[N_SIGNALS] = {0};

G_DEFINE_FINAL_TYPE(GsRelayConnection, gs_relay_connection, G_TYPE_OBJECT)

/* NOTICE lines are logged at most this often per relay, so a chatty relay cannot flood logs */
#define GS_RELAY_NOTICE_LOG_INTERVAL_US (10 * G_USEC_PER_SEC)

void
gs_relay_connection_options_init(GsRelayConnectionOptions *options)
{
	memset(options, 0, sizeof(*options));
	options->connect_timeout_ms = 5000;
	options->read_timeout_ms = 60000;
	options->keepalive_ms = 20000;
	options->max_incoming_bytes = 8 * 1024 * 1024;
	options->max_subscriptions = 70;
	options->max_protocol_errors = 20;
	options->neg_timeout_ms = 10000;
	options->user_agent = "grasp-syncd/" PACKAGE_VERSION;
}

void
gs_relay_connection_log(GsRelayConnection *self, GLogLevelFlags level, const gchar *message)
{
	g_log_structured(G_LOG_DOMAIN,
			 level,
			 "GS_RELAY_URL",
			 self->url,
			 "MESSAGE",
			 "%s: %s",
			 self->url,
			 message);
}

const gchar *
gs_relay_connection_get_url(GsRelayConnection *self)
{
	return self->url;
}

GsConnectionStatus
gs_relay_connection_get_status(GsRelayConnection *self)
{
	return self->status;
}

/* notify::status fires exactly once per real change */
void
gs_relay_connection_set_status(GsRelayConnection *self, GsConnectionStatus status)
{
	g_autoptr(GEnumClass) klass = NULL;
	g_autofree gchar *msg = NULL;

	if (self->status == status)
		return;
	klass = g_type_class_ref(GS_TYPE_CONNECTION_STATUS);
	msg = g_strdup_printf("status %s -> %s",
			      g_enum_get_value(klass, self->status)->value_nick,
			      g_enum_get_value(klass, status)->value_nick);
	gs_relay_connection_log(self, G_LOG_LEVEL_DEBUG, msg);
	self->status = status;
	g_object_notify_by_pspec(G_OBJECT(self), props[PROP_STATUS]);
}

gboolean
gs_relay_connection_is_open(GsRelayConnection *self)
{
	return self->ws != NULL && gs_websocket_get_state(self->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

guint64
gs_relay_connection_get_protocol_errors(GsRelayConnection *self)
{
	return self->protocol_errors;
}

gint64
gs_relay_connection_get_last_connected(GsRelayConnection *self)
{
	return self->last_connected;
}

gint64
gs_relay_connection_get_disconnected_at(GsRelayConnection *self)
{
	return self->disconnected_at;
}

guint
gs_relay_connection_get_n_subscriptions(GsRelayConnection *self)
{
	return g_hash_table_size(self->subs) + g_hash_table_size(self->negs);
}

/* every text message we send goes through here, so that the payload bytes are counted */
void
gs_relay_connection_send_text(GsRelayConnection *self, const gchar *text)
{
	gsize len = strlen(text);

	self->bytes_sent += len;
	gs_websocket_send_text(self->ws, text, len);
}

/**
 * gs_relay_connection_get_bytes_sent:
 *
 * Returns: the payload bytes of every text message sent to the relay (all connections of
 *   this object; websocket framing not included)
 */
guint64
gs_relay_connection_get_bytes_sent(GsRelayConnection *self)
{
	return self->bytes_sent;
}

/**
 * gs_relay_connection_get_bytes_received:
 *
 * Returns: the payload bytes of every message received from the relay
 */
guint64
gs_relay_connection_get_bytes_received(GsRelayConnection *self)
{
	return self->bytes_received;
}

gboolean
gs_relay_connection_send_raw(GsRelayConnection *self, const gchar *text, GError **error)
{
	if (!gs_relay_connection_is_open(self)) {
		g_set_error(error, GS_ERROR, GS_ERROR_BUSY, "%s: not connected", self->url);
		return FALSE;
	}
	gs_relay_connection_send_text(self, text);
	return TRUE;
}

static void
gs_relay_connection_clear_ws(GsRelayConnection *self)
{
	if (self->ws == NULL)
		return;
	gs_relay_connection_cork(self, FALSE);
	gs_websocket_start(self->ws, NULL, NULL); /* no more handlers */
	gs_websocket_close(self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
	/* what is queued (the close frame) is written as far as the socket takes it now */
	g_clear_object(&self->ws);
	g_clear_object(&self->socket);
}

/* the one way a connection ends, whatever the cause; status moves to disconnected once */
static void
gs_relay_connection_teardown(GsRelayConnection *self, const gchar *reason)
{
	gboolean was_open = self->ws != NULL;
	g_autofree gchar *why = g_strdup(reason);

	g_object_ref(self);
	g_clear_handle_id(&self->watchdog_id, g_source_remove);
	g_clear_handle_id(&self->connect_timeout_id, g_source_remove);
	gs_relay_connection_cancel_info(self);
	if (self->connect_cancellable != NULL) {
		g_cancellable_cancel(self->connect_cancellable);
		g_clear_object(&self->connect_cancellable);
	}
	gs_relay_connection_clear_ws(self);
	g_clear_pointer(&self->auth_challenge, g_free);
	if (was_open) {
		g_autofree gchar *msg = g_strdup_printf("disconnected: %s", why);
		self->disconnected_at = g_get_real_time() / G_USEC_PER_SEC;
		gs_relay_connection_log(self, G_LOG_LEVEL_INFO, msg);
	}
	gs_relay_connection_set_status(self, GS_CONNECTION_STATUS_DISCONNECTED);
	gs_relay_connection_abort_all(self, why);
	if (was_open)
		g_signal_emit(self, signals[SIGNAL_DISCONNECTED], 0, why);
	g_object_unref(self);
}

void
gs_relay_connection_disconnect(GsRelayConnection *self, const gchar *reason)
{
	if (self->ws == NULL && self->connect_cancellable == NULL)
		return;
	gs_relay_connection_teardown(self, reason != NULL ? reason : "disconnected by us");
}

static void
gs_relay_connection_protocol_error(GsRelayConnection *self, const gchar *what)
{
	g_autofree gchar *msg = g_strdup_printf("protocol error: %s", what);

	self->protocol_errors++;
	self->protocol_errors_this_connection++;
	gs_relay_connection_log(self, G_LOG_LEVEL_DEBUG, msg);
	if (self->opts.max_protocol_errors > 0 &&
	    self->protocol_errors_this_connection > self->opts.max_protocol_errors)
		gs_relay_connection_teardown(self, "too many protocol errors");
}

static void
gs_relay_connection_handle_notice(GsRelayConnection *self, const gchar *text)
{
	gint64 now = g_get_monotonic_time();

	if (now - self->last_notice_log >= GS_RELAY_NOTICE_LOG_INTERVAL_US) {
		g_autofree gchar *msg = g_strdup_printf("NOTICE: %.200s", text);
		self->last_notice_log = now;
		gs_relay_connection_log(self, G_LOG_LEVEL_INFO, msg);
	}
	gs_relay_connection_notice_negs(self, text);
	g_signal_emit(self, signals[SIGNAL_NOTICE], 0, text);
}

static void
gs_relay_connection_handle_parsed(GsRelayConnection *self, GsMessage *msg)
{
	switch (msg->type) {
	case GS_MESSAGE_EVENT: {
		g_autofree gchar *json = json_to_string(msg->event, FALSE);
		gs_relay_connection_dispatch_event(self, msg->sub_id, json, strlen(json));
		break;
	}
	case GS_MESSAGE_EOSE:
		gs_relay_connection_handle_eose(self, msg->sub_id);
		break;
	case GS_MESSAGE_CLOSED:
		gs_relay_connection_handle_closed(self, msg);
		break;
	case GS_MESSAGE_NOTICE:
		gs_relay_connection_handle_notice(self, msg->text);
		break;
	case GS_MESSAGE_OK:
		gs_relay_connection_handle_ok(self, msg->event_id, msg->ok, msg->text);
		break;
	case GS_MESSAGE_AUTH:
		g_free(self->auth_challenge);
		self->auth_challenge = g_strdup(msg->text);
		break;
	case GS_MESSAGE_NEG_MSG:
	case GS_MESSAGE_NEG_ERR:
		gs_relay_connection_handle_neg(self, msg);
		break;
	default:
		/* COUNT replies are not asked for; ignore */
		break;
	}
}

static void
gs_relay_connection_message_cb(GsWebsocket *ws,
			       const gchar *data,
			       gsize len,
			       gboolean text,
			       gpointer user_data)
{
	GsRelayConnection *self = GS_RELAY_CONNECTION(user_data);
	g_autofree gchar *sub_id = NULL;
	g_autoptr(GsMessage) msg = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *ok_text = NULL;
	gsize off = 0, evlen = 0;
	gchar ok_id[65];
	gboolean accepted = FALSE;

	self->last_activity = g_get_monotonic_time();
	self->bytes_received += len;
	if (!text) {
		gs_relay_connection_protocol_error(self, "binary frame");
		return;
	}
	g_object_ref(self);
	if (gs_message_peek_event(data, len, GS_MESSAGE_FROM_RELAY, &sub_id, &off, &evlen)) {
		gs_relay_connection_dispatch_event(self, sub_id, data + off, evlen);
	} else if (gs_message_peek_ok(data, len, ok_id, &accepted, &ok_text)) {
		gs_relay_connection_handle_ok(self, ok_id, accepted, ok_text);
	} else {
		msg = gs_message_parse(data, len, GS_MESSAGE_FROM_RELAY, &error);
		if (msg == NULL)
			gs_relay_connection_protocol_error(self, error->message);
		else
			gs_relay_connection_handle_parsed(self, msg);
	}
	g_object_unref(self);
}

static void
gs_relay_connection_pong_cb(GsWebsocket *ws, gpointer user_data)
{
	GsRelayConnection *self = GS_RELAY_CONNECTION(user_data);
	self->last_activity = g_get_monotonic_time();
}

static void
gs_relay_connection_error_cb(GsWebsocket *ws, const GError *error, gpointer user_data)
{
	GsRelayConnection *self = GS_RELAY_CONNECTION(user_data);
	g_free(self->close_reason);
	self->close_reason = g_strdup(error->message);
}

static void
gs_relay_connection_closed_cb(GsWebsocket *ws, gpointer user_data)
{
	GsRelayConnection *self = GS_RELAY_CONNECTION(user_data);
	g_autofree gchar *reason = NULL;
	gushort code = gs_websocket_get_close_code(ws);

	if (self->close_reason != NULL)
		reason = g_steal_pointer(&self->close_reason);
	else if (code == SOUP_WEBSOCKET_CLOSE_TOO_BIG)
		reason = g_strdup("frame too large");
	else
		reason = g_strdup_printf("closed by peer (code %u)", code);
	gs_relay_connection_teardown(self, reason);
}

static const GsWebsocketHandlers gs_relay_connection_ws_handlers = {
	.message = gs_relay_connection_message_cb,
	.error = gs_relay_connection_error_cb,
	.closed = gs_relay_connection_closed_cb,
	.pong = gs_relay_connection_pong_cb,
};

/* dead-peer detection: the websocket pings, but has no pong timeout of its own */
static gboolean
gs_relay_connection_watchdog_cb(gpointer user_data)
{
	GsRelayConnection *self = GS_RELAY_CONNECTION(user_data);
	gint64 idle_ms = (g_get_monotonic_time() - self->last_activity) / 1000;

	if (idle_ms >= (gint64)self->opts.read_timeout_ms) {
		self->watchdog_id = 0;
		gs_relay_connection_teardown(self, "read timeout: the relay stopped answering");
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static void
gs_relay_connection_opened(GsRelayConnection *self, GsWebsocket *ws)
{
	guint interval = MAX(self->opts.read_timeout_ms / 4, 10);
	GIOStream *stream = gs_websocket_get_io_stream(ws);

	self->ws = ws;
	if (G_IS_SOCKET_CONNECTION(stream))
		g_set_object(&self->socket,
			     g_socket_connection_get_socket(G_SOCKET_CONNECTION(stream)));
	self->protocol_errors_this_connection = 0;
	gs_websocket_set_max_incoming_payload_size(ws, self->opts.max_incoming_bytes);
	gs_websocket_set_keepalive_interval(ws, MAX(self->opts.keepalive_ms / 1000, 1));
	gs_websocket_start(ws, &gs_relay_connection_ws_handlers, self);
	self->last_activity = g_get_monotonic_time();
	/* whole seconds share one wakeup with every other connection's watchdog (GLib fires
	 * second timers together): with 200 relays, ~1 wakeup a second instead of ~13 */
	if (interval >= 1000)
		self->watchdog_id = g_timeout_add_seconds(
			interval / 1000, gs_relay_connection_watchdog_cb, self);
	else
		self->watchdog_id = g_timeout_add(interval, gs_relay_connection_watchdog_cb, self);
	self->last_connected = g_get_real_time() / G_USEC_PER_SEC;
	gs_relay_connection_log(self, G_LOG_LEVEL_INFO, "connected");
	gs_relay_connection_set_status(self, GS_CONNECTION_STATUS_SYNCING);
	g_signal_emit(self, signals[SIGNAL_OPENED], 0);
}

/* the attempt failed (@error, or a timeout when %NULL or when the timer fired) */
void
gs_relay_connection_connect_failed(GsRelayConnection *self, GError *error)
{
	g_autoptr(GError) reported = NULL;

	g_clear_handle_id(&self->connect_timeout_id, g_source_remove);
	g_clear_object(&self->connect_cancellable);
	g_clear_object(&self->socket);
	if (self->connect_timed_out || error == NULL)
		reported = g_error_new(GS_ERROR, GS_ERROR_TIMEOUT, "connection attempt timed out");
	else
		reported = g_error_copy(error);
	gs_relay_connection_log(self, G_LOG_LEVEL_INFO, reported->message);
	gs_relay_connection_set_status(self, GS_CONNECTION_STATUS_DISCONNECTED);
	g_signal_emit(self, signals[SIGNAL_CONNECT_FAILED], 0, reported);
}

static void
gs_relay_connection_connect_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GsRelayConnection) self = GS_RELAY_CONNECTION(user_data);
	g_autoptr(GError) error = NULL;
	GsWebsocket *ws;

	ws = gs_websocket_client_connect_finish(res, &error);
	if (self->connect_cancellable == NULL) {
		/* disconnected or disposed while connecting */
		g_clear_object(&ws);
		return;
	}
	if (ws == NULL) {
		gs_relay_connection_connect_failed(self, error);
		return;
	}
	g_clear_handle_id(&self->connect_timeout_id, g_source_remove);
	g_clear_object(&self->connect_cancellable);
	gs_relay_connection_opened(self, ws);
}

static gboolean
gs_relay_connection_connect_timeout_cb(gpointer user_data)
{
	GsRelayConnection *self = GS_RELAY_CONNECTION(user_data);
	self->connect_timeout_id = 0;
	self->connect_timed_out = TRUE;
	g_cancellable_cancel(self->connect_cancellable);
	gs_relay_connection_cancel_info(self);
	return G_SOURCE_REMOVE;
}

/**
 * gs_relay_connection_cork:
 * @cork: %TRUE before a burst of messages, %FALSE after it
 *
 * Holds the websocket frames of a burst (many EVENTs) in the kernel while they are written
 * (TCP_CORK) and sends them in full TCP segments once uncorked: one transmission, and one
 * wake-up of the relay, for a burst instead of one for each part the websocket writes. The
 * websocket writes what a main-loop round queued at the end of the round, or at once when
 * much is queued; uncorking writes what is queued first. The caller uncorks in the same
 * main-loop callback, so nothing waits. A no-op when the socket is not known; a disconnect
 * uncorks.
 */
void
gs_relay_connection_cork(GsRelayConnection *self, gboolean cork)
{
	g_autoptr(GError) error = NULL;

	cork = cork && gs_relay_connection_is_open(self);
	if (self->socket == NULL || self->corked == cork)
		return;
	if (!cork && self->ws != NULL)
		gs_websocket_flush(self->ws);
	if (!g_socket_set_option(self->socket, IPPROTO_TCP, TCP_CORK, cork ? 1 : 0, &error)) {
		g_debug("%s: cannot set TCP_CORK: %s", self->url, error->message);
		g_clear_object(&self->socket);
		self->corked = FALSE;
		return;
	}
	self->corked = cork;
}

/**
 * gs_relay_connection_connect:
 *
 * Starts a connection attempt unless one is open or in progress. The result arrives as
 * `opened` (status syncing) or `connect-failed` (status disconnected).
 */
void
gs_relay_connection_connect(GsRelayConnection *self)
{
	g_autoptr(SoupMessage) msg = NULL;

	if (self->ws != NULL || self->connect_cancellable != NULL)
		return;
	msg = soup_message_new(SOUP_METHOD_GET, self->url);
	self->connect_timed_out = FALSE;
	g_clear_object(&self->socket);
	gs_relay_connection_set_status(self, GS_CONNECTION_STATUS_CONNECTING);
	if (msg == NULL) {
		g_autoptr(GError) error =
			g_error_new(GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "invalid relay URL");
		gs_relay_connection_set_status(self, GS_CONNECTION_STATUS_DISCONNECTED);
		g_signal_emit(self, signals[SIGNAL_CONNECT_FAILED], 0, error);
		return;
	}
	self->connect_cancellable = g_cancellable_new();
	self->connect_timeout_id = g_timeout_add(
		self->opts.connect_timeout_ms, gs_relay_connection_connect_timeout_cb, self);
	if (self->opts.fetch_info)
		gs_relay_connection_fetch_info(self);
	else
		gs_relay_connection_start_websocket(self);
}

/* the websocket part of a connection attempt (after the NIP-11 document, when asked for) */
void
gs_relay_connection_start_websocket(GsRelayConnection *self)
{
	gs_websocket_client_connect_async(self->url,
					  self->user_agent,
					  self->connect_cancellable,
					  gs_relay_connection_connect_cb,
					  g_object_ref(self));
}

/* subscriptions (REQs and NEG sessions) kept open at most: ours, or the relay's when lower */
guint
gs_relay_connection_get_budget(GsRelayConnection *self)
{
	if (self->info_max_subscriptions > 0 &&
	    (self->opts.max_subscriptions == 0 ||
	     self->info_max_subscriptions < self->opts.max_subscriptions))
		return self->info_max_subscriptions;
	return self->opts.max_subscriptions;
}

static void
gs_relay_connection_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	GsRelayConnection *self = GS_RELAY_CONNECTION(object);
	switch (prop_id) {
	case PROP_URL:
		g_value_set_string(value, self->url);
		break;
	case PROP_STATUS:
		g_value_set_enum(value, self->status);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
gs_relay_connection_set_property(GObject *object,
				 guint prop_id,
				 const GValue *value,
				 GParamSpec *pspec)
{
	GsRelayConnection *self = GS_RELAY_CONNECTION(object);
	switch (prop_id) {
	case PROP_URL:
		self->url = g_value_dup_string(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
gs_relay_connection_dispose(GObject *object)
{
	GsRelayConnection *self = GS_RELAY_CONNECTION(object);

	g_clear_handle_id(&self->watchdog_id, g_source_remove);
	g_clear_handle_id(&self->connect_timeout_id, g_source_remove);
	gs_relay_connection_cancel_info(self);
	if (self->connect_cancellable != NULL) {
		g_cancellable_cancel(self->connect_cancellable);
		g_clear_object(&self->connect_cancellable);
	}
	gs_relay_connection_clear_ws(self);
	g_clear_object(&self->socket);
	g_clear_object(&self->info_msg);
	if (self->session != NULL)
		soup_session_abort(self->session);
	g_clear_object(&self->session);
	G_OBJECT_CLASS(gs_relay_connection_parent_class)->dispose(object);
}

static void
gs_relay_connection_finalize(GObject *object)
{
	GsRelayConnection *self = GS_RELAY_CONNECTION(object);

	gs_relay_connection_requests_clear(self);
	g_free(self->close_reason);
	g_free(self->user_agent);
	g_free(self->url);
	memset(self->seckey, 0, sizeof(self->seckey));
	G_OBJECT_CLASS(gs_relay_connection_parent_class)->finalize(object);
}

static void
gs_relay_connection_class_init(GsRelayConnectionClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->get_property = gs_relay_connection_get_property;
	object_class->set_property = gs_relay_connection_set_property;
	object_class->dispose = gs_relay_connection_dispose;
	object_class->finalize = gs_relay_connection_finalize;

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
					       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
						       G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, N_PROPS, props);

	signals[SIGNAL_OPENED] = g_signal_new("opened",
					      G_TYPE_FROM_CLASS(klass),
					      G_SIGNAL_RUN_LAST,
					      0,
					      NULL,
					      NULL,
					      NULL,
					      G_TYPE_NONE,
					      0);
	signals[SIGNAL_CONNECT_FAILED] = g_signal_new("connect-failed",
						      G_TYPE_FROM_CLASS(klass),
						      G_SIGNAL_RUN_LAST,
						      0,
						      NULL,
						      NULL,
						      NULL,
						      G_TYPE_NONE,
						      1,
						      G_TYPE_ERROR);
	signals[SIGNAL_DISCONNECTED] = g_signal_new("disconnected",
						    G_TYPE_FROM_CLASS(klass),
						    G_SIGNAL_RUN_LAST,
						    0,
						    NULL,
						    NULL,
						    NULL,
						    G_TYPE_NONE,
						    1,
						    G_TYPE_STRING);
	signals[SIGNAL_NOTICE] = g_signal_new("notice",
					      G_TYPE_FROM_CLASS(klass),
					      G_SIGNAL_RUN_LAST,
					      0,
					      NULL,
					      NULL,
					      NULL,
					      G_TYPE_NONE,
					      1,
					      G_TYPE_STRING);
}

static void
gs_relay_connection_init(GsRelayConnection *self)
{
	self->status = GS_CONNECTION_STATUS_DISCONNECTED;
	gs_relay_connection_requests_init(self);
}

/**
 * gs_relay_connection_new:
 * @url: a normalised relay URL (see gs-relay-url)
 * @options: (nullable): connection options, copied; %NULL for the defaults
 */
GsRelayConnection *
gs_relay_connection_new(const gchar *url, const GsRelayConnectionOptions *options)
{
	GsRelayConnection *self = g_object_new(GS_TYPE_RELAY_CONNECTION, "url", url, NULL);

	if (options != NULL)
		self->opts = *options;
	else
		gs_relay_connection_options_init(&self->opts);
	if (self->opts.seckey != NULL) {
		memcpy(self->seckey, self->opts.seckey, 32);
		self->has_seckey = TRUE;
	}
	self->opts.seckey = NULL;
	self->session = soup_session_new_with_options(
		"user-agent", self->opts.user_agent, "timeout", 0, NULL);
	self->user_agent = g_strdup(self->opts.user_agent);
	self->opts.user_agent = NULL; /* the caller's string; the session and we have copies */
	return self;
}
