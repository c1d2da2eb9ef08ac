/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsWebsocket, the relay endpoint's server side of RFC 6455, driven by raw frames over TCP */

#include "config.h"

#include <string.h>

#include "gs-http-server.h"
#include "gs-test-utils.h"
#include "gs-websocket-client.h"
#include "gs-websocket.h"

typedef struct {
	GsHttpServer *server;
	GsWebsocket *ws;
	GSocketConnection *conn;
	GSocket *sock;
	GPtrArray *messages; /* gchar *, what the server received */
	GByteArray *in;	     /* what the client received, not parsed yet */
	GError *error;	     /* the server's error, if any */
	gboolean closed;
} Fixture;

static void
fixture_message(GsWebsocket *ws, const gchar *data, gsize len, gboolean text, gpointer user_data)
{
	Fixture *f = user_data;

	g_assert_cmpint(data[len], ==, '\0');
	g_assert_true(text);
	g_ptr_array_add(f->messages, g_strndup(data, len));
	/* echoes what it got, as one message */
	if (g_str_has_prefix(data, "echo:"))
		gs_websocket_send_text(ws, data + 5, len - 5);
}

static void
fixture_error(GsWebsocket *ws, const GError *error, gpointer user_data)
{
	Fixture *f = user_data;
	g_clear_error(&f->error);
	f->error = g_error_copy(error);
}

static void
fixture_closed(GsWebsocket *ws, gpointer user_data)
{
	Fixture *f = user_data;
	g_assert_cmpint(gs_websocket_get_state(ws), ==, SOUP_WEBSOCKET_STATE_CLOSED);
	f->closed = TRUE;
}

static const GsWebsocketHandlers fixture_handlers = {
	fixture_message,
	fixture_error,
	fixture_closed,
};

static void
fixture_accept(GsWebsocket *ws, const gchar *peer, gpointer user_data)
{
	Fixture *f = user_data;
	g_assert_null(f->ws);
	f->ws = g_object_ref(ws);
	gs_websocket_set_max_incoming_payload_size(ws, 100000);
	gs_websocket_start(ws, &fixture_handlers, f);
}

/* reads what the client has waiting without blocking; FALSE at EOF */
static gboolean
fixture_pump(Fixture *f)
{
	g_autoptr(GError) error = NULL;
	guint8 buf[4096];
	gssize n;

	g_main_context_iteration(NULL, FALSE);
	if (f->conn == NULL)
		return FALSE;
	n = g_socket_receive(f->sock, (gchar *)buf, sizeof(buf), NULL, &error);
	if (n > 0)
		g_byte_array_append(f->in, buf, n);
	return n > 0 || g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
}

static void
fixture_write(Fixture *f, const guint8 *data, gsize len)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(f->conn)),
						data,
						len,
						NULL,
						NULL,
						&error));
	g_assert_no_error(error);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSocketClient) client = g_socket_client_new();
	const gchar *req = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
			   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			   "Sec-WebSocket-Version: 13\r\n"
			   "Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n";
	gchar *end;

	f->messages = g_ptr_array_new_with_free_func(g_free);
	f->in = g_byte_array_new();
	f->server = gs_http_server_new();
	gs_http_server_set_websocket_func(f->server, NULL, fixture_accept, f);
	g_assert_true(gs_http_server_listen(f->server, "127.0.0.1:0", &error));
	f->conn = g_socket_client_connect_to_host(
		client, "127.0.0.1", gs_http_server_get_port(f->server), NULL, &error);
	g_assert_no_error(error);
	f->sock = g_socket_connection_get_socket(f->conn);
	g_socket_set_blocking(f->sock, FALSE);
	fixture_write(f, (const guint8 *)req, strlen(req));
	while (f->in->len == 0 ||
	       (end = g_strstr_len((gchar *)f->in->data, f->in->len, "\r\n\r\n")) == NULL ||
	       f->ws == NULL)
		g_assert_true(fixture_pump(f));
	g_assert_cmpmem(f->in->data, 12, "HTTP/1.1 101", 12);
	/* the accept key of RFC 6455's example, and no extension taken */
	g_assert_nonnull(g_strstr_len(
		(gchar *)f->in->data, end - (gchar *)f->in->data, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
	g_assert_null(g_strstr_len((gchar *)f->in->data, end - (gchar *)f->in->data, "deflate"));
	g_byte_array_remove_range(f->in, 0, end + 4 - (gchar *)f->in->data);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_object(&f->ws);
	g_clear_object(&f->conn);
	g_object_unref(f->server);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_ptr_array_unref(f->messages);
	g_byte_array_unref(f->in);
	g_clear_error(&f->error);
}

/* a client frame: masked with a fixed key */
static void
fixture_send_frame(Fixture *f, guint8 b0, const gchar *payload, gsize len, gboolean masked)
{
	static const guint8 key[4] = {0x37, 0xfa, 0x21, 0x3d};
	g_autoptr(GByteArray) frame = g_byte_array_new();
	guint8 head[14];
	gsize n = 2;

	head[0] = b0;
	if (len < 126) {
		head[1] = (guint8)len;
	} else if (len < 65536) {
		head[1] = 126;
		head[2] = (guint8)(len >> 8);
		head[3] = (guint8)len;
		n = 4;
	} else {
		head[1] = 127;
		for (guint i = 0; i < 8; i++)
			head[2 + i] = (guint8)((guint64)len >> (56 - 8 * i));
		n = 10;
	}
	if (masked) {
		head[1] |= 0x80;
		memcpy(head + n, key, 4);
		n += 4;
	}
	g_byte_array_append(frame, head, n);
	for (gsize i = 0; i < len; i++) {
		guint8 c = (guint8)payload[i] ^ (masked ? key[i & 3] : 0);
		g_byte_array_append(frame, &c, 1);
	}
	fixture_write(f, frame->data, frame->len);
}

/* waits for one whole server frame; returns its payload */
static GByteArray *
fixture_read_frame(Fixture *f, guint8 *b0)
{
	GByteArray *payload = g_byte_array_new();
	gsize head = 2;
	guint64 len = 0;

	for (;;) {
		if (f->in->len >= 2) {
			g_assert_cmpint(f->in->data[1] & 0x80, ==, 0); /* servers do not mask */
			len = f->in->data[1] & 0x7f;
			head = len == 126 ? 4 : len == 127 ? 10 : 2;
		}
		if (f->in->len >= head && f->in->len >= 2) {
			if (len == 126)
				len = ((guint64)f->in->data[2] << 8) | f->in->data[3];
			for (guint i = 0; head == 10 && i < 8; i++)
				len = (i == 0 ? 0 : len << 8) | f->in->data[2 + i];
			if (f->in->len >= head + len)
				break;
		}
		g_assert_true(fixture_pump(f));
	}
	*b0 = f->in->data[0];
	g_byte_array_append(payload, f->in->data + head, len);
	g_byte_array_remove_range(f->in, 0, head + len);
	return payload;
}

static void
fixture_wait_messages(Fixture *f, guint n)
{
	while (f->messages->len < n && !f->closed)
		fixture_pump(f);
	g_assert_cmpuint(f->messages->len, ==, n);
}

/* the close frame the server sends; returns its code */
static gushort
fixture_read_close(Fixture *f, gchar **reason)
{
	guint8 b0 = 0;
	g_autoptr(GByteArray) p = fixture_read_frame(f, &b0);

	g_assert_cmpint(b0, ==, 0x88);
	g_assert_cmpuint(p->len, >=, 2);
	if (reason != NULL)
		*reason = g_strndup((gchar *)p->data + 2, p->len - 2);
	return (gushort)((p->data[0] << 8) | p->data[1]);
}

static void
fixture_wait_closed(Fixture *f)
{
	gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	while (!f->closed && g_get_monotonic_time() < until)
		fixture_pump(f);
	g_assert_true(f->closed);
}

static void
ws_echo(Fixture *f, gconstpointer data)
{
	g_autofree gchar *big = g_strnfill(70000, 'x');
	g_autofree gchar *mid = g_strnfill(300, 'y');
	g_autofree gchar *echo = g_strconcat("echo:", mid, NULL);
	g_autoptr(GByteArray) got = NULL;
	guint8 b0 = 0;

	/* three messages in one write, then a 64-bit length, split across reads */
	fixture_send_frame(f, 0x81, "hello", 5, TRUE);
	fixture_send_frame(f, 0x81, "wörld", strlen("wörld"), TRUE);
	fixture_send_frame(f, 0x81, echo, strlen(echo), TRUE);
	fixture_send_frame(f, 0x81, big, 70000, TRUE);
	fixture_wait_messages(f, 4);
	g_assert_cmpstr(g_ptr_array_index(f->messages, 0), ==, "hello");
	g_assert_cmpstr(g_ptr_array_index(f->messages, 1), ==, "wörld");
	g_assert_cmpstr(g_ptr_array_index(f->messages, 3), ==, big);
	got = fixture_read_frame(f, &b0);
	g_assert_cmpint(b0, ==, 0x81);
	g_assert_cmpmem(got->data, got->len, mid, 300);
	g_assert_no_error(f->error);
	g_assert_false(f->closed);
}

/* more than the socket takes at once: written in parts as the client reads, in order */
static void
ws_output_backlog(Fixture *f, gconstpointer data)
{
	const guint n = 200;

	for (guint i = 0; i < n; i++) {
		g_autofree gchar *text = g_strdup_printf("%05u", i);
		g_autofree gchar *body = g_strnfill(20000, (gchar)('a' + i % 26));
		g_autofree gchar *msg = g_strconcat(text, body, NULL);
		gs_websocket_send_text(f->ws, msg, strlen(msg));
	}
	for (guint i = 0; i < n; i++) {
		guint8 b0 = 0;
		g_autoptr(GByteArray) got = fixture_read_frame(f, &b0);
		g_autofree gchar *head = g_strdup_printf("%05u", i);

		g_assert_cmpint(b0, ==, 0x81);
		g_assert_cmpuint(got->len, ==, 20005);
		g_assert_cmpmem(got->data, 5, head, 5);
		g_assert_cmpint(got->data[20004], ==, 'a' + i % 26);
	}
	g_assert_no_error(f->error);
}

static void
ws_fragments_and_ping(Fixture *f, gconstpointer data)
{
	g_autoptr(GByteArray) pong = NULL;
	guint8 b0 = 0;

	fixture_send_frame(f, 0x01, "frag", 4, TRUE);
	fixture_send_frame(f, 0x89, "are you there", 13, TRUE); /* a ping between fragments */
	fixture_send_frame(f, 0x00, "men", 3, TRUE);
	fixture_send_frame(f, 0x80, "ted", 3, TRUE);
	fixture_wait_messages(f, 1);
	g_assert_cmpstr(g_ptr_array_index(f->messages, 0), ==, "fragmented");
	pong = fixture_read_frame(f, &b0);
	g_assert_cmpint(b0, ==, 0x8a);
	g_assert_cmpmem(pong->data, pong->len, "are you there", 13);
}

static void
ws_client_closes(Fixture *f, gconstpointer data)
{
	const gchar close_payload[] = {0x03, (gchar)0xe8, 'b', 'y', 'e'};

	fixture_send_frame(f, 0x88, close_payload, sizeof(close_payload), TRUE);
	g_assert_cmpuint(fixture_read_close(f, NULL), ==, 1000);
	fixture_wait_closed(f);
	g_assert_cmpuint(gs_websocket_get_close_code(f->ws), ==, 1000);
	while (fixture_pump(f)) /* the server ends the TCP connection */
		;
	g_assert_no_error(f->error);
}

static void
ws_server_closes(Fixture *f, gconstpointer data)
{
	g_autofree gchar *reason = NULL;
	g_autofree gchar *long_reason = g_strnfill(200, 'r');
	const gchar close_payload[] = {0x03, (gchar)0xf0};

	gs_websocket_close(f->ws, 1008, long_reason);
	g_assert_cmpint(gs_websocket_get_state(f->ws), ==, SOUP_WEBSOCKET_STATE_CLOSING);
	gs_websocket_send_text(f->ws, "ignored", 7); /* nothing follows a close frame */
	g_assert_cmpuint(fixture_read_close(f, &reason), ==, 1008);
	g_assert_cmpuint(strlen(reason), ==, 123);
	g_assert_false(f->closed);
	/* messages after the server's close are not delivered */
	fixture_send_frame(f, 0x81, "late", 4, TRUE);
	fixture_send_frame(f, 0x88, close_payload, sizeof(close_payload), TRUE);
	fixture_wait_closed(f);
	g_assert_cmpuint(f->messages->len, ==, 0);
	g_assert_cmpuint(f->in->len, ==, 0);
}

static void
ws_peer_drops(Fixture *f, gconstpointer data)
{
	fixture_send_frame(f, 0x81, "hel", 3, TRUE);
	g_clear_object(&f->conn);
	fixture_wait_closed(f);
	g_assert_cmpuint(f->messages->len, ==, 1);
}

/* a write that fails (the peer is gone) closes the connection from the main loop, never from
 * inside the send that found it */
static void
ws_write_fails_later(Fixture *f, gconstpointer data)
{
	g_autofree gchar *big = g_strnfill(300000, 'w');

	g_clear_object(&f->conn);
	g_usleep(50000); /* the FIN arrives, unread by the server */
	for (guint i = 0; i < 3; i++) {
		gs_websocket_send_text(f->ws, big, strlen(big));
		g_assert_false(f->closed);
	}
	fixture_wait_closed(f);
	g_assert_cmpint(gs_websocket_get_state(f->ws), ==, SOUP_WEBSOCKET_STATE_CLOSED);
}

/* refused input: the error and the close code; the server reads on until the peer drops */
static void
ws_refused(Fixture *f, gushort code)
{
	g_assert_cmpuint(fixture_read_close(f, NULL), ==, code);
	g_assert_error(f->error, SOUP_WEBSOCKET_ERROR, code);
	g_assert_false(f->closed);
	fixture_send_frame(f, 0x81, "dropped", 7, TRUE);
	g_clear_object(&f->conn);
	fixture_wait_closed(f);
}

static void
ws_unmasked(Fixture *f, gconstpointer data)
{
	fixture_send_frame(f, 0x81, "plain", 5, FALSE);
	ws_refused(f, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR);
	g_assert_cmpuint(f->messages->len, ==, 0);
}

static void
ws_too_big(Fixture *f, gconstpointer data)
{
	g_autofree gchar *big = g_strnfill(100001, 'x');

	/* refused from its header: the payload need not arrive */
	fixture_send_frame(f, 0x81, big, 100001, TRUE);
	ws_refused(f, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
	g_assert_cmpuint(f->messages->len, ==, 0);
}

static void
ws_too_big_joined(Fixture *f, gconstpointer data)
{
	g_autofree gchar *half = g_strnfill(60000, 'x');

	fixture_send_frame(f, 0x01, half, 60000, TRUE);
	fixture_send_frame(f, 0x80, half, 60000, TRUE);
	ws_refused(f, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
	g_assert_cmpuint(f->messages->len, ==, 0);
}

static void
ws_bad_utf8(Fixture *f, gconstpointer data)
{
	/* valid ASCII for more than eight bytes, then a lone continuation byte */
	const gchar bad[] = "[\"EVENT\",{\"id\":\"\x80\"}]";

	fixture_send_frame(f, 0x81, bad, strlen(bad), TRUE);
	ws_refused(f, SOUP_WEBSOCKET_CLOSE_BAD_DATA);
	g_assert_cmpuint(f->messages->len, ==, 0);
}

static void
ws_reserved_bits(Fixture *f, gconstpointer data)
{
	fixture_send_frame(f, 0xc1, "deflated?", 9, TRUE);
	ws_refused(f, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR);
}

static void
ws_bad_continuation(Fixture *f, gconstpointer data)
{
	fixture_send_frame(f, 0x80, "orphan", 6, TRUE);
	ws_refused(f, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR);
}

static void
ws_long_ping(Fixture *f, gconstpointer data)
{
	g_autofree gchar *p = g_strnfill(126, 'p');

	fixture_send_frame(f, 0x89, p, 126, TRUE);
	ws_refused(f, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR);
}

/* client mode against the server side: masked frames one way, unmasked the other */
typedef struct {
	GsWebsocket *ws;
	GPtrArray *messages;
	guint pongs;
	gboolean closed;
	gboolean connected;
} ClientSide;

static void
client_message(GsWebsocket *ws, const gchar *data, gsize len, gboolean text, gpointer user_data)
{
	ClientSide *c = user_data;
	g_assert_true(text);
	g_ptr_array_add(c->messages, g_strndup(data, len));
}

static void
client_closed(GsWebsocket *ws, gpointer user_data)
{
	ClientSide *c = user_data;
	c->closed = TRUE;
}

static void
client_pong(GsWebsocket *ws, gpointer user_data)
{
	ClientSide *c = user_data;
	c->pongs++;
}

static const GsWebsocketHandlers client_handlers = {
	.message = client_message,
	.closed = client_closed,
	.pong = client_pong,
};

static void
client_connected_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	ClientSide *c = user_data;

	c->ws = gs_websocket_client_connect_finish(res, &error);
	g_assert_no_error(error);
	c->connected = TRUE;
}

static void
client_wait(gboolean *cond)
{
	gint64 until = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;
	while (!*cond && g_get_monotonic_time() < until)
		g_main_context_iteration(NULL, TRUE);
	g_assert_true(*cond);
}

static void
ws_client_round_trip(void)
{
	g_autoptr(GError) error = NULL;
	Fixture f = {0};
	ClientSide c = {0};
	g_autofree gchar *url = NULL;
	g_autofree gchar *big = g_strnfill(70000, 'b');
	g_autofree gchar *echo_big = g_strconcat("echo:", big, NULL);
	gboolean done = FALSE;

	f.messages = g_ptr_array_new_with_free_func(g_free);
	c.messages = g_ptr_array_new_with_free_func(g_free);
	f.server = gs_http_server_new();
	gs_http_server_set_websocket_func(f.server, NULL, fixture_accept, &f);
	g_assert_true(gs_http_server_listen(f.server, "127.0.0.1:0", &error));
	url = g_strdup_printf("ws://127.0.0.1:%u/", gs_http_server_get_port(f.server));
	gs_websocket_client_connect_async(url, NULL, NULL, client_connected_cb, &c);
	client_wait(&c.connected);
	gs_websocket_start(c.ws, &client_handlers, &c);
	/* the server refuses unmasked frames: these arrive only because they are masked */
	gs_websocket_send_text(c.ws, "hello", 5);
	gs_websocket_send_text(c.ws, echo_big, strlen(echo_big));
	gs_websocket_send_text(c.ws, "echo:small", 10);
	gs_websocket_send_ping(c.ws);
	while (!done) {
		g_main_context_iteration(NULL, TRUE);
		done = c.messages->len == 2 && c.pongs == 1;
	}
	g_assert_cmpuint(f.messages->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(f.messages, 0), ==, "hello");
	g_assert_cmpstr(g_ptr_array_index(c.messages, 0), ==, big);
	g_assert_cmpstr(g_ptr_array_index(c.messages, 1), ==, "small");
	g_assert_no_error(f.error);
	/* the client closes; the server answers and both ends close */
	gs_websocket_close(c.ws, 1000, "done");
	client_wait(&c.closed);
	client_wait(&f.closed);
	g_assert_cmpuint(gs_websocket_get_close_code(f.ws), ==, 1000);
	g_assert_cmpuint(gs_websocket_get_close_code(c.ws), ==, 1000);
	g_clear_object(&c.ws);
	g_clear_object(&f.ws);
	g_object_unref(f.server);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_ptr_array_unref(f.messages);
	g_ptr_array_unref(c.messages);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/websocket/client-round-trip", ws_client_round_trip);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/grasp-sync/websocket/echo", ws_echo);
	ADD("/grasp-sync/websocket/fragments-and-ping", ws_fragments_and_ping);
	ADD("/grasp-sync/websocket/output-backlog", ws_output_backlog);
	ADD("/grasp-sync/websocket/client-closes", ws_client_closes);
	ADD("/grasp-sync/websocket/server-closes", ws_server_closes);
	ADD("/grasp-sync/websocket/peer-drops", ws_peer_drops);
	ADD("/grasp-sync/websocket/write-fails-later", ws_write_fails_later);
	ADD("/grasp-sync/websocket/unmasked", ws_unmasked);
	ADD("/grasp-sync/websocket/too-big", ws_too_big);
	ADD("/grasp-sync/websocket/too-big-joined", ws_too_big_joined);
	ADD("/grasp-sync/websocket/bad-utf8", ws_bad_utf8);
	ADD("/grasp-sync/websocket/reserved-bits", ws_reserved_bits);
	ADD("/grasp-sync/websocket/bad-continuation", ws_bad_continuation);
	ADD("/grasp-sync/websocket/long-ping", ws_long_ping);
#undef ADD
	return g_test_run();
}
