/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-test-client.h"

struct _GsTestClient {
	SoupSession *session;
	SoupWebsocketConnection *conn;
	GQueue messages; /* gchar*, oldest first */
	gboolean closed;
	gushort close_code;
};

typedef struct {
	gboolean done;
	SoupWebsocketConnection *conn;
	GError *error;
} GsTestConnect;

static gboolean
gs_test_timeout_cb(gpointer user_data)
{
	gboolean *timed_out = user_data;
	*timed_out = TRUE;
	return G_SOURCE_REMOVE;
}

/**
 * gs_test_wait_until:
 * @done: set by a callback
 *
 * Returns: %TRUE when @done became %TRUE within @timeout_ms
 */
gboolean
gs_test_wait_until(gboolean *done, guint timeout_ms)
{
	gboolean timed_out = FALSE;
	guint id = g_timeout_add(timeout_ms, gs_test_timeout_cb, &timed_out);

	while (!*done && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(id);
	return *done;
}

/* runs the default main context for @ms milliseconds */
void
gs_test_iterate(guint ms)
{
	gboolean never = FALSE;
	gs_test_wait_until(&never, ms);
}

static void
gs_test_client_message_cb(SoupWebsocketConnection *conn,
			  gint type,
			  GBytes *message,
			  gpointer user_data)
{
	GsTestClient *self = user_data;
	gsize len = 0;
	const gchar *data = g_bytes_get_data(message, &len);

	if (type == SOUP_WEBSOCKET_DATA_TEXT)
		g_queue_push_tail(&self->messages, g_strndup(data, len));
	else
		g_queue_push_tail(&self->messages, g_strdup("<binary>"));
}

static void
gs_test_client_closed_cb(SoupWebsocketConnection *conn, gpointer user_data)
{
	GsTestClient *self = user_data;
	self->closed = TRUE;
	self->close_code = soup_websocket_connection_get_close_code(conn);
}

static void
gs_test_client_connect_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GsTestConnect *c = user_data;
	c->conn = soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &c->error);
	c->done = TRUE;
}

/* returns: (nullable): a connected client, or %NULL with the handshake's error */
GsTestClient *
gs_test_client_try_new(const gchar *url, GError **error)
{
	g_autoptr(SoupMessage) msg = soup_message_new(SOUP_METHOD_GET, url);
	GsTestConnect c = {0};
	GsTestClient *self;
	g_autoptr(SoupSession) session = soup_session_new_with_options("timeout", 10, NULL);

	soup_session_websocket_connect_async(
		session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, gs_test_client_connect_cb, &c);
	g_assert_true(gs_test_wait_until(&c.done, 10000));
	if (c.conn == NULL) {
		g_propagate_error(error, c.error);
		return NULL;
	}
	self = g_new0(GsTestClient, 1);
	self->session = g_steal_pointer(&session);
	self->conn = c.conn;
	g_queue_init(&self->messages);
	soup_websocket_connection_set_max_incoming_payload_size(self->conn, 64 * 1024 * 1024);
	g_signal_connect(self->conn, "message", G_CALLBACK(gs_test_client_message_cb), self);
	g_signal_connect(self->conn, "closed", G_CALLBACK(gs_test_client_closed_cb), self);
	return self;
}

/* a connected client; the test fails when the handshake does */
GsTestClient *
gs_test_client_new(const gchar *url)
{
	g_autoptr(GError) error = NULL;
	GsTestClient *self = gs_test_client_try_new(url, &error);
	g_assert_no_error(error);
	return self;
}

/* closes the connection (waiting briefly for the handshake) and frees the client */
void
gs_test_client_free(GsTestClient *self)
{
	if (self == NULL)
		return;
	if (soup_websocket_connection_get_state(self->conn) == SOUP_WEBSOCKET_STATE_OPEN) {
		soup_websocket_connection_close(self->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
		gs_test_wait_until(&self->closed, 2000);
	}
	g_signal_handlers_disconnect_by_data(self->conn, self);
	g_object_unref(self->conn);
	g_object_unref(self->session);
	g_queue_clear_full(&self->messages, g_free);
	g_free(self);
}

void
gs_test_client_send(GsTestClient *self, const gchar *text)
{
	g_assert_cmpint(
		soup_websocket_connection_get_state(self->conn), ==, SOUP_WEBSOCKET_STATE_OPEN);
	soup_websocket_connection_send_text(self->conn, text);
}

void
gs_test_client_send_binary(GsTestClient *self, gconstpointer data, gsize len)
{
	soup_websocket_connection_send_binary(self->conn, data, len);
}

static gboolean
gs_test_client_has_message(GsTestClient *self, guint timeout_ms)
{
	gboolean timed_out = FALSE;
	guint id;

	if (!g_queue_is_empty(&self->messages))
		return TRUE;
	id = g_timeout_add(timeout_ms, gs_test_timeout_cb, &timed_out);
	while (g_queue_is_empty(&self->messages) && !self->closed && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(id);
	return !g_queue_is_empty(&self->messages);
}

/**
 * gs_test_client_recv:
 *
 * Returns: (transfer full) (nullable): the next text message ("<binary>" for a binary one),
 *   or %NULL when none came within @timeout_ms or the connection closed
 */
gchar *
gs_test_client_recv(GsTestClient *self, guint timeout_ms)
{
	if (!gs_test_client_has_message(self, timeout_ms))
		return NULL;
	return g_queue_pop_head(&self->messages);
}

/* the next message parsed as a relay message; the test fails when it does not parse */
GsMessage *
gs_test_client_recv_message(GsTestClient *self, guint timeout_ms)
{
	g_autofree gchar *text = gs_test_client_recv(self, timeout_ms);
	g_autoptr(GError) error = NULL;
	GsMessage *msg;

	if (text == NULL)
		return NULL;
	msg = gs_message_parse(text, strlen(text), GS_MESSAGE_FROM_RELAY, &error);
	if (msg == NULL)
		g_error("cannot parse relay message %.200s: %s", text, error->message);
	return msg;
}

gboolean
gs_test_client_wait_closed(GsTestClient *self, guint timeout_ms)
{
	return gs_test_wait_until(&self->closed, timeout_ms);
}

/* the close code the peer sent (1006 when the connection dropped without one) */
gushort
gs_test_client_get_close_code(GsTestClient *self)
{
	return self->close_code;
}

SoupWebsocketConnection *
gs_test_client_get_connection(GsTestClient *self)
{
	return self->conn;
}
