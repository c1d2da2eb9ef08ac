/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsWebsocket"

#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "gs-websocket-client.h"
#include "gs-websocket-private.h"

#define GS_WEBSOCKET_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define GS_WEBSOCKET_CLIENT_READ_SIZE 4096

typedef struct {
	gchar *request;
	gchar *accept; /* the Sec-WebSocket-Accept the answer must carry */
	GSocketConnection *conn;
	GByteArray *head; /* what was read of the answer so far */
	gboolean deflate; /* the server took permessage-deflate */
	gboolean deflate_reset;
} GsWebsocketHandshake;

static void
gs_websocket_handshake_free(GsWebsocketHandshake *hs)
{
	g_free(hs->request);
	g_free(hs->accept);
	g_clear_object(&hs->conn);
	g_byte_array_unref(hs->head);
	g_free(hs);
}

/**
 * gs_websocket_client_accept_key:
 * @key: the Sec-WebSocket-Key sent
 *
 * Returns: (transfer full): the Sec-WebSocket-Accept a server must answer it with
 */
gchar *
gs_websocket_client_accept_key(const gchar *key)
{
	g_autoptr(GChecksum) sha1 = g_checksum_new(G_CHECKSUM_SHA1);
	guint8 digest[20];
	gsize len = sizeof(digest);

	g_checksum_update(sha1, (const guchar *)key, strlen(key));
	g_checksum_update(sha1, (const guchar *)GS_WEBSOCKET_GUID, strlen(GS_WEBSOCKET_GUID));
	g_checksum_get_digest(sha1, digest, &len);
	return g_base64_encode(digest, len);
}

/* the request line and headers of the upgrade; sets @accept to the answer expected */
static gchar *
gs_websocket_client_build_request(GUri *uri, gboolean tls, const gchar *user_agent, gchar **accept)
{
	const gchar *host = g_uri_get_host(uri);
	const gchar *path = g_uri_get_path(uri);
	const gchar *query = g_uri_get_query(uri);
	gint port = g_uri_get_port(uri);
	gboolean v6 = strchr(host, ':') != NULL;
	g_autofree gchar *key = NULL;
	g_autofree gchar *port_str = NULL;
	guint8 nonce[16];

	for (guint i = 0; i < sizeof(nonce); i += 4) {
		guint32 r = g_random_int();
		memcpy(nonce + i, &r, 4);
	}
	key = g_base64_encode(nonce, sizeof(nonce));
	*accept = gs_websocket_client_accept_key(key);
	if (port > 0 && port != (tls ? 443 : 80))
		port_str = g_strdup_printf(":%d", port);
	return g_strdup_printf(
		"GET %s%s%s HTTP/1.1\r\n"
		"Host: %s%s%s%s\r\n"
		"Upgrade: websocket\r\n"
		"Connection: Upgrade\r\n"
		"Sec-WebSocket-Key: %s\r\n"
		"Sec-WebSocket-Version: 13\r\n"
		"Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
		"%s%s%s"
		"\r\n",
		path[0] != '\0' ? path : "/",
		query != NULL ? "?" : "",
		query != NULL ? query : "",
		v6 ? "[" : "",
		host,
		v6 ? "]" : "",
		port_str != NULL ? port_str : "",
		key,
		user_agent != NULL ? "User-Agent: " : "",
		user_agent != NULL ? user_agent : "",
		user_agent != NULL ? "\r\n" : "");
}

/* the server's Sec-WebSocket-Extensions: nothing, or permessage-deflate with parameters that
 * suit what we offered (we never compress, so only the server's side matters) */
static gboolean
gs_websocket_client_check_extensions(GsWebsocketHandshake *hs, const gchar *value, GError **error)
{
	g_auto(GStrv) params = NULL;

	if (value == NULL)
		return TRUE;
	params = g_strsplit(value, ";", -1);
	for (guint i = 0; params[i] != NULL; i++) {
		const gchar *p = g_strstrip(params[i]);
		guint64 bits = 0;

		if (i == 0 && g_ascii_strcasecmp(p, "permessage-deflate") == 0)
			continue;
		if (i > 0 && (g_ascii_strcasecmp(p, "server_no_context_takeover") == 0)) {
			hs->deflate_reset = TRUE;
			continue;
		}
		if (i > 0 && g_ascii_strcasecmp(p, "client_no_context_takeover") == 0)
			continue;
		if (i > 0 && g_ascii_strncasecmp(p, "server_max_window_bits=", 23) == 0 &&
		    g_ascii_string_to_unsigned(p + 23, 10, 8, 15, &bits, NULL))
			continue;
		/* offered (as libsoup did), so that servers that always state it are taken;
		 * our side never compresses, whatever window it names */
		if (i > 0 && g_ascii_strncasecmp(p, "client_max_window_bits=", 23) == 0 &&
		    g_ascii_string_to_unsigned(p + 23, 10, 8, 15, &bits, NULL))
			continue;
		g_set_error(error,
			    SOUP_WEBSOCKET_ERROR,
			    SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
			    "the server chose an extension not offered: %s",
			    value);
		return FALSE;
	}
	hs->deflate = TRUE;
	return TRUE;
}

/* checks the answer's head (@len bytes, the blank line included) */
static gboolean
gs_websocket_client_check_head(GsWebsocketHandshake *hs, gsize len, GError **error)
{
	g_autoptr(SoupMessageHeaders) headers =
		soup_message_headers_new(SOUP_MESSAGE_HEADERS_RESPONSE);
	g_autofree gchar *reason = NULL;
	const gchar *accept;
	guint status = 0;

	if (!soup_headers_parse_response(
		    (const gchar *)hs->head->data, (gint)len, headers, NULL, &status, &reason)) {
		g_set_error_literal(error,
				    SOUP_SESSION_ERROR,
				    SOUP_SESSION_ERROR_PARSING,
				    "the answer to the websocket upgrade does not parse as HTTP");
		return FALSE;
	}
	if (status != SOUP_STATUS_SWITCHING_PROTOCOLS) {
		g_set_error(error,
			    SOUP_WEBSOCKET_ERROR,
			    SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET,
			    "the server answered the websocket upgrade with %u %s",
			    status,
			    reason != NULL ? reason : "");
		return FALSE;
	}
	accept = soup_message_headers_get_one(headers, "Sec-WebSocket-Accept");
	if (!soup_message_headers_header_equals(headers, "Upgrade", "websocket") ||
	    !soup_message_headers_header_contains(headers, "Connection", "upgrade")) {
		g_set_error_literal(error,
				    SOUP_WEBSOCKET_ERROR,
				    SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
				    "the server's 101 lacks the websocket upgrade headers");
		return FALSE;
	}
	if (accept == NULL || strcmp(accept, hs->accept) != 0) {
		g_set_error_literal(error,
				    SOUP_WEBSOCKET_ERROR,
				    SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
				    "the server's Sec-WebSocket-Accept does not match our key");
		return FALSE;
	}
	if (soup_message_headers_get_one(headers, "Sec-WebSocket-Protocol") != NULL) {
		g_set_error_literal(error,
				    SOUP_WEBSOCKET_ERROR,
				    SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
				    "the server chose a subprotocol not offered");
		return FALSE;
	}
	return gs_websocket_client_check_extensions(
		hs, soup_message_headers_get_list(headers, "Sec-WebSocket-Extensions"), error);
}

static void
gs_websocket_client_read_head(GTask *task);

/* a head complete in what was read: checked, and the websocket made with the rest */
static void
gs_websocket_client_head_done(GTask *task, gsize head_len)
{
	GsWebsocketHandshake *hs = g_task_get_task_data(task);
	GError *error = NULL;
	GsWebsocket *ws;

	if (!gs_websocket_client_check_head(hs, head_len, &error)) {
		g_task_return_error(task, error);
		return;
	}
	ws = gs_websocket_new_client(
		G_IO_STREAM(hs->conn), hs->head->data + head_len, hs->head->len - head_len);
	if (hs->deflate) {
		ws->inflater = G_CONVERTER(g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_RAW));
		ws->inflate_reset = hs->deflate_reset;
	}
	g_task_return_pointer(task, ws, g_object_unref);
}

static void
gs_websocket_client_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = G_TASK(user_data);
	GsWebsocketHandshake *hs = g_task_get_task_data(task);
	GError *error = NULL;
	gssize n = g_input_stream_read_finish(G_INPUT_STREAM(source), res, &error);
	gsize before = hs->head->len - GS_WEBSOCKET_CLIENT_READ_SIZE;
	const gchar *end;
	gsize from;

	if (n < 0) {
		g_task_return_error(task, error);
		return;
	}
	g_byte_array_set_size(hs->head, before + (gsize)n);
	if (n == 0) {
		g_task_return_new_error(task,
					G_IO_ERROR,
					G_IO_ERROR_CONNECTION_CLOSED,
					"the server closed the connection during the websocket "
					"handshake");
		return;
	}
	/* the blank line may straddle the reads */
	from = before >= 3 ? before - 3 : 0;
	end = g_strstr_len((const gchar *)hs->head->data + from, hs->head->len - from, "\r\n\r\n");
	if (end != NULL &&
	    end + 4 - (const gchar *)hs->head->data <= GS_WEBSOCKET_CLIENT_MAX_HEAD) {
		gs_websocket_client_head_done(task, end + 4 - (const gchar *)hs->head->data);
		return;
	}
	if (hs->head->len >= GS_WEBSOCKET_CLIENT_MAX_HEAD) {
		g_task_return_new_error(
			task,
			SOUP_WEBSOCKET_ERROR,
			SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
			"the answer to the websocket upgrade has a head over %u bytes",
			GS_WEBSOCKET_CLIENT_MAX_HEAD);
		return;
	}
	gs_websocket_client_read_head(g_steal_pointer(&task));
}

static void
gs_websocket_client_read_head(GTask *task)
{
	GsWebsocketHandshake *hs = g_task_get_task_data(task);
	gsize len = hs->head->len;

	g_byte_array_set_size(hs->head, len + GS_WEBSOCKET_CLIENT_READ_SIZE);
	g_input_stream_read_async(g_io_stream_get_input_stream(G_IO_STREAM(hs->conn)),
				  hs->head->data + len,
				  GS_WEBSOCKET_CLIENT_READ_SIZE,
				  G_PRIORITY_DEFAULT,
				  g_task_get_cancellable(task),
				  gs_websocket_client_read_cb,
				  task);
}

static void
gs_websocket_client_write_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = G_TASK(user_data);
	GError *error = NULL;

	if (!g_output_stream_write_all_finish(G_OUTPUT_STREAM(source), res, NULL, &error)) {
		g_task_return_error(task, error);
		return;
	}
	gs_websocket_client_read_head(g_steal_pointer(&task));
}

static void
gs_websocket_client_connect_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GTask) task = G_TASK(user_data);
	GsWebsocketHandshake *hs = g_task_get_task_data(task);
	GCancellable *cancellable = g_task_get_cancellable(task);
	GError *error = NULL;
	GSocket *socket;

	hs->conn = g_socket_client_connect_to_uri_finish(G_SOCKET_CLIENT(source), res, &error);
	if (hs->conn == NULL) {
		g_task_return_error(task, error);
		return;
	}
	/* the websocket writes what a main-loop round queued in one call: Nagle's wait would
	 * only delay the last segment of it */
	socket = g_socket_connection_get_socket(hs->conn);
	if (socket != NULL && g_socket_get_family(socket) != G_SOCKET_FAMILY_UNIX)
		g_socket_set_option(socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
	g_output_stream_write_all_async(g_io_stream_get_output_stream(G_IO_STREAM(hs->conn)),
					hs->request,
					strlen(hs->request),
					G_PRIORITY_DEFAULT,
					cancellable,
					gs_websocket_client_write_cb,
					g_steal_pointer(&task));
}

/**
 * gs_websocket_client_connect_async:
 * @url: a `ws://` or `wss://` URL
 * @user_agent: (nullable): the User-Agent header
 * @cancellable: (nullable): cancels the attempt (the caller's connect timeout, say)
 *
 * Connects and performs the opening handshake. There is no timeout of its own.
 */
void
gs_websocket_client_connect_async(const gchar *url,
				  const gchar *user_agent,
				  GCancellable *cancellable,
				  GAsyncReadyCallback callback,
				  gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, user_data);
	g_autoptr(GSocketClient) client = NULL;
	g_autoptr(GUri) uri = NULL;
	g_autofree gchar *http_url = NULL;
	GsWebsocketHandshake *hs;
	GError *error = NULL;
	gboolean tls;

	g_task_set_source_tag(task, gs_websocket_client_connect_async);
	uri = g_uri_parse(url, G_URI_FLAGS_ENCODED, &error);
	if (uri == NULL) {
		g_task_return_error(task, error);
		return;
	}
	tls = g_strcmp0(g_uri_get_scheme(uri), "wss") == 0;
	if ((!tls && g_strcmp0(g_uri_get_scheme(uri), "ws") != 0) || g_uri_get_host(uri) == NULL ||
	    g_uri_get_host(uri)[0] == '\0') {
		g_task_return_new_error(task,
					G_IO_ERROR,
					G_IO_ERROR_INVALID_ARGUMENT,
					"not a websocket URL: %s",
					url);
		return;
	}
	hs = g_new0(GsWebsocketHandshake, 1);
	hs->head = g_byte_array_new();
	hs->request = gs_websocket_client_build_request(uri, tls, user_agent, &hs->accept);
	g_task_set_task_data(task, hs, (GDestroyNotify)gs_websocket_handshake_free);
	/* the http(s) form, so that proxy resolvers see the scheme they know */
	http_url = g_strconcat(tls ? "https" : "http", strchr(url, ':'), NULL);
	client = g_socket_client_new();
	g_socket_client_set_tls(client, tls);
	g_socket_client_connect_to_uri_async(client,
					     http_url,
					     tls ? 443 : 80,
					     cancellable,
					     gs_websocket_client_connect_cb,
					     g_steal_pointer(&task));
}

/**
 * gs_websocket_client_connect_finish:
 *
 * Returns: (transfer full): the client side of the websocket, not started yet (see
 *   gs_websocket_start()), or %NULL with @error set
 */
GsWebsocket *
gs_websocket_client_connect_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

/* the client side of the websocket ------------------------------------------------------- */

/**
 * gs_websocket_new_client:
 * @stream: a connection whose streams are pollable, after a successful handshake (see
 *   gs-websocket-client.h)
 * @head_rest: (nullable): bytes the server sent after its handshake answer, already read
 * @len: their length
 *
 * Returns: (transfer full): the client side of a websocket on @stream: its frames are
 *   masked, the server's must not be; call gs_websocket_start() to read from it
 */
GsWebsocket *
gs_websocket_new_client(GIOStream *stream, const guint8 *head_rest, gsize len)
{
	GsWebsocket *self = gs_websocket_new_server(stream);

	self->client = TRUE;
	self->mask_state = ((guint64)g_random_int() << 32) | g_random_int() | 1;
	if (len > 0) {
		g_byte_array_append(self->inbuf, head_rest, len);
		/* one spare byte beyond the bytes, for the NUL after a message */
		g_byte_array_set_size(self->inbuf, len + 1);
		g_byte_array_set_size(self->inbuf, len);
	}
	return self;
}

static gboolean
gs_websocket_keepalive_cb(gpointer user_data)
{
	gs_websocket_send_ping(GS_WEBSOCKET(user_data));
	return G_SOURCE_CONTINUE;
}

/**
 * gs_websocket_set_keepalive_interval:
 * @seconds: 0 for none
 *
 * Sends a ping every @seconds while the connection is open; the answers come to the `pong`
 * handler.
 */
void
gs_websocket_set_keepalive_interval(GsWebsocket *self, guint seconds)
{
	gs_websocket_drop_source(&self->keepalive_source);
	if (seconds == 0 || self->state == SOUP_WEBSOCKET_STATE_CLOSED)
		return;
	self->keepalive_source = g_timeout_source_new_seconds(seconds);
	g_source_set_callback(self->keepalive_source, gs_websocket_keepalive_cb, self, NULL);
	g_source_attach(self->keepalive_source, g_main_context_get_thread_default());
}

/* queues a ping with no payload; ignored unless the connection is open */
void
gs_websocket_send_ping(GsWebsocket *self)
{
	if (self->state != SOUP_WEBSOCKET_STATE_OPEN)
		return;
	gs_websocket_queue_frame(self, GS_WS_OP_PING, NULL, 0);
}
