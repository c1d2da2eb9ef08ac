/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* the client's handshake (gs-websocket-client.c) and GsWebsocket's client mode, against a
 * scripted server on 127.0.0.1 that runs in a thread with blocking sockets */

#include "config.h"

#include <string.h>

#include "gs-test-utils.h"
#include "gs-websocket-client.h"

typedef struct {
	GSocketListener *listener;
	guint16 port;
	gchar *answer; /* printf format with one %s, the accept key; NULL: drop after the request */
	GByteArray *after; /* written in the same write as the answer */
	gsize read_after;  /* bytes of client frames read after answering, into `got` */
	gboolean linger;   /* keep the connection open until the client closes it */
	gchar *request;	   /* what the client sent, up to the blank line */
	GByteArray *got;
	GThread *thread;
} RawServer;

typedef struct {
	RawServer raw;
	GsWebsocket *ws;
	GError *connect_error;
	gboolean connect_done;
	GPtrArray *messages; /* gchar *, what the client received */
	GError *error;
	guint pongs;
	gboolean closed;
} Fixture;

/* reads the request; returns its Sec-WebSocket-Key */
static gchar *
raw_read_request(RawServer *raw, GInputStream *in)
{
	GString *req = g_string_new(NULL);
	const gchar *key;
	gchar c;

	while (!g_str_has_suffix(req->str, "\r\n\r\n") &&
	       g_input_stream_read(in, &c, 1, NULL, NULL) == 1)
		g_string_append_c(req, c);
	g_atomic_pointer_set(&raw->request, g_string_free(req, FALSE));
	key = strstr(raw->request, "Sec-WebSocket-Key: ");
	if (key == NULL)
		return g_strdup("");
	key += strlen("Sec-WebSocket-Key: ");
	return g_strndup(key, strcspn(key, "\r"));
}

static gpointer
raw_thread(gpointer data)
{
	RawServer *raw = data;
	g_autoptr(GSocketConnection) conn =
		g_socket_listener_accept(raw->listener, NULL, NULL, NULL);
	GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(conn));
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(conn));
	g_autofree gchar *key = raw_read_request(raw, in);
	g_autofree gchar *accept = gs_websocket_client_accept_key(key);
	g_autoptr(GByteArray) reply = g_byte_array_new();
	gsize n = 0;

	if (raw->answer != NULL) {
		g_autoptr(GString) head = g_string_new(raw->answer);
		g_string_replace(head, "%s", accept, 1);
		g_byte_array_append(reply, (const guint8 *)head->str, head->len);
		g_byte_array_append(reply, raw->after->data, raw->after->len);
		g_output_stream_write_all(out, reply->data, reply->len, NULL, NULL, NULL);
	}
	g_byte_array_set_size(raw->got, raw->read_after);
	if (raw->read_after > 0)
		g_input_stream_read_all(in, raw->got->data, raw->read_after, &n, NULL, NULL);
	g_byte_array_set_size(raw->got, n);
	while (raw->linger) {
		guint8 buf[256];
		if (g_input_stream_read(in, buf, sizeof(buf), NULL, NULL) <= 0)
			break;
	}
	g_io_stream_close(G_IO_STREAM(conn), NULL, NULL);
	return NULL;
}

static void
raw_start(Fixture *f, const gchar *answer)
{
	f->raw.answer = g_strdup(answer);
	f->raw.thread = g_thread_new("raw-server", raw_thread, &f->raw);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	f->raw.listener = g_socket_listener_new();
	f->raw.port = g_socket_listener_add_any_inet_port(f->raw.listener, NULL, NULL);
	g_assert_cmpuint(f->raw.port, >, 0);
	f->raw.after = g_byte_array_new();
	f->raw.got = g_byte_array_new();
	f->messages = g_ptr_array_new_with_free_func(g_free);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_object(&f->ws);
	if (f->raw.thread != NULL)
		g_thread_join(f->raw.thread);
	g_socket_listener_close(f->raw.listener);
	g_object_unref(f->raw.listener);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_free(f->raw.answer);
	g_free(f->raw.request);
	g_byte_array_unref(f->raw.after);
	g_byte_array_unref(f->raw.got);
	g_ptr_array_unref(f->messages);
	g_clear_error(&f->connect_error);
	g_clear_error(&f->error);
}

static void
fixture_message(GsWebsocket *ws, const gchar *data, gsize len, gboolean text, gpointer user_data)
{
	Fixture *f = user_data;
	g_assert_cmpint(data[len], ==, '\0');
	g_ptr_array_add(f->messages, g_strndup(data, len));
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
	f->closed = TRUE;
}

static void
fixture_pong(GsWebsocket *ws, gpointer user_data)
{
	Fixture *f = user_data;
	f->pongs++;
}

static const GsWebsocketHandlers fixture_handlers = {
	.message = fixture_message,
	.error = fixture_error,
	.closed = fixture_closed,
	.pong = fixture_pong,
};

static void
fixture_connected_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Fixture *f = user_data;
	f->ws = gs_websocket_client_connect_finish(res, &f->connect_error);
	f->connect_done = TRUE;
}

#define WAIT_FOR(cond)                                                                             \
	G_STMT_START                                                                               \
	{                                                                                          \
		gint64 until_ = g_get_monotonic_time() + 5 * G_USEC_PER_SEC;                       \
		while (!(cond) && g_get_monotonic_time() < until_)                                 \
			g_main_context_iteration(NULL, TRUE);                                      \
		g_assert_true(cond);                                                               \
	}                                                                                          \
	G_STMT_END

/* connects to the raw server (path and query given) and waits for the outcome */
static void
fixture_connect(Fixture *f, const gchar *path)
{
	g_autofree gchar *url = g_strdup_printf("ws://127.0.0.1:%u%s", f->raw.port, path);

	gs_websocket_client_connect_async(url, "gs-test/1", NULL, fixture_connected_cb, f);
	WAIT_FOR(f->connect_done);
}

#define SWITCHING                                                                                  \
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: keep-alive, "       \
	"Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"

/* the request, and frames from the server in the same write as its 101 */
static void
client_request_and_early_data(Fixture *f, gconstpointer data)
{
	/* a pong nobody asked for, then a text message in two fragments */
	const guint8 after[] = {0x8a, 0x00, 0x01, 0x02, 'h', 'e', 0x80, 0x03, 'l', 'l', 'o'};

	g_byte_array_append(f->raw.after, after, sizeof(after));
	f->raw.linger = TRUE;
	raw_start(f, SWITCHING);
	fixture_connect(f, "/relay%20one?x=%2F");
	g_assert_no_error(f->connect_error);
	g_assert_nonnull(strstr(f->raw.request, "GET /relay%20one?x=%2F HTTP/1.1\r\n"));
	g_assert_nonnull(strstr(f->raw.request, "\r\nHost: 127.0.0.1:"));
	g_assert_nonnull(strstr(f->raw.request, "\r\nUpgrade: websocket\r\n"));
	g_assert_nonnull(strstr(f->raw.request, "\r\nSec-WebSocket-Version: 13\r\n"));
	g_assert_nonnull(strstr(f->raw.request, "\r\nUser-Agent: gs-test/1\r\n"));
	g_assert_nonnull(strstr(
		f->raw.request,
		"\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"));
	gs_websocket_start(f->ws, &fixture_handlers, f);
	/* nothing is handed on before the main loop runs */
	g_assert_cmpuint(f->messages->len, ==, 0);
	WAIT_FOR(f->messages->len == 1);
	g_assert_cmpstr(g_ptr_array_index(f->messages, 0), ==, "hello");
	g_assert_cmpuint(f->pongs, ==, 1);
	g_assert_no_error(f->error);
	gs_websocket_close(f->ws, 1000, NULL);
	gs_websocket_flush(f->ws);
	g_clear_object(&f->ws);
}

/* the client's frames are masked, each with a key of its own */
static void
client_masks(Fixture *f, gconstpointer data)
{
	const gchar *text = "masked text";
	gsize flen = 2 + 4 + strlen(text);
	guint8 *got;

	f->raw.read_after = 2 * flen + 6;
	raw_start(f, SWITCHING);
	fixture_connect(f, "");
	g_assert_no_error(f->connect_error);
	g_assert_nonnull(strstr(f->raw.request, "GET / HTTP/1.1\r\n"));
	gs_websocket_start(f->ws, &fixture_handlers, f);
	gs_websocket_send_text(f->ws, text, strlen(text));
	gs_websocket_send_text(f->ws, text, strlen(text));
	gs_websocket_send_ping(f->ws);
	/* queued until the end of the main-loop round, or until flushed */
	gs_websocket_flush(f->ws);
	g_thread_join(g_steal_pointer(&f->raw.thread));
	g_assert_cmpuint(f->raw.got->len, ==, f->raw.read_after);
	got = f->raw.got->data;
	for (guint i = 0; i < 2; i++) {
		guint8 *frame = got + i * flen;
		g_assert_cmpint(frame[0], ==, 0x81);
		g_assert_cmpint(frame[1], ==, 0x80 | strlen(text));
		for (gsize j = 0; j < strlen(text); j++)
			g_assert_cmpint(frame[6 + j] ^ frame[2 + (j & 3)], ==, text[j]);
	}
	g_assert_true(memcmp(got + 2, got + flen + 2, 4) != 0);
	g_assert_cmpint(got[2 * flen], ==, 0x89);
	g_assert_cmpint(got[2 * flen + 1], ==, 0x80);
	/* the server went away without a close frame */
	WAIT_FOR(f->closed);
	g_assert_cmpuint(gs_websocket_get_close_code(f->ws), ==, 0);
}

/* a masked frame from the server is a protocol error: the client closes with 1002 */
static void
client_refuses_masked(Fixture *f, gconstpointer data)
{
	const guint8 after[] = {0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2};
	guint8 *got;

	g_byte_array_append(f->raw.after, after, sizeof(after));
	f->raw.read_after = 8;
	raw_start(f, SWITCHING);
	fixture_connect(f, "/");
	g_assert_no_error(f->connect_error);
	gs_websocket_start(f->ws, &fixture_handlers, f);
	WAIT_FOR(f->error != NULL);
	g_assert_error(f->error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR);
	g_thread_join(g_steal_pointer(&f->raw.thread));
	g_assert_cmpuint(f->raw.got->len, ==, 8);
	got = f->raw.got->data;
	g_assert_cmpint(got[0], ==, 0x88);
	g_assert_cmpint(got[1], ==, 0x82);
	g_assert_cmpint(((got[6] ^ got[2]) << 8) | (got[7] ^ got[3]), ==, 1002);
	WAIT_FOR(f->closed);
	g_assert_cmpuint(f->messages->len, ==, 0);
}

/* permessage-deflate --------------------------------------------------------------------- */

#define SWITCHING_DEFLATE                                                                          \
	"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"        \
	"Sec-WebSocket-Accept: %s\r\n"                                                             \
	"Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=15; "                \
	"client_max_window_bits=10\r\n\r\n"

/* @text compressed as a server sends it: a sync flush without its final 00 00 ff ff */
static GByteArray *
deflate_message(GConverter *deflater, const gchar *text)
{
	GByteArray *out = g_byte_array_new();
	gsize len = strlen(text), off = 0;

	for (;;) {
		guint8 buf[4096];
		gsize read = 0, written = 0;
		GConverterResult r = g_converter_convert(deflater,
							 text + off,
							 len - off,
							 buf,
							 sizeof(buf),
							 G_CONVERTER_FLUSH,
							 &read,
							 &written,
							 NULL);
		g_assert_cmpint(r, !=, G_CONVERTER_ERROR);
		off += read;
		g_byte_array_append(out, buf, written);
		if (r == G_CONVERTER_FLUSHED && off == len)
			break;
	}
	g_assert_cmpuint(out->len, >=, 4);
	g_assert_cmpmem(out->data + out->len - 4, 4, "\x00\x00\xff\xff", 4);
	g_byte_array_set_size(out, out->len - 4);
	return out;
}

/* appends an unmasked server frame */
static void
append_frame(GByteArray *to, guint8 b0, const guint8 *payload, gsize len)
{
	guint8 head[4] = {b0, (guint8)len, 0, 0};

	g_assert_cmpuint(len, <, 65536);
	if (len >= 126) {
		head[1] = 126;
		head[2] = (guint8)(len >> 8);
		head[3] = (guint8)len;
	}
	g_byte_array_append(to, head, len >= 126 ? 4 : 2);
	g_byte_array_append(to, payload, len);
}

/* compressed messages, whole and fragmented, referring back to earlier ones, between plain
 * ones */
static void
client_deflate(Fixture *f, gconstpointer data)
{
	g_autoptr(GConverter) deflater =
		G_CONVERTER(g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_RAW, -1));
	g_autofree gchar *long_text = g_strnfill(3000, 'z');
	g_autoptr(GByteArray) m1 = deflate_message(deflater, "[\"NOTICE\",\"hello hello\"]");
	g_autoptr(GByteArray) m2 = deflate_message(deflater, "[\"NOTICE\",\"hello again\"]");
	g_autoptr(GByteArray) m3 = deflate_message(deflater, long_text);

	append_frame(f->raw.after, 0xc1, m1->data, m1->len);
	append_frame(f->raw.after, 0x81, (const guint8 *)"plain", 5);
	/* a fragmented compressed message: RSV1 on its first frame only */
	append_frame(f->raw.after, 0x41, m2->data, 3);
	append_frame(f->raw.after, 0x80, m2->data + 3, m2->len - 3);
	append_frame(f->raw.after, 0xc1, m3->data, m3->len);
	f->raw.linger = TRUE;
	raw_start(f, SWITCHING_DEFLATE);
	fixture_connect(f, "/");
	g_assert_no_error(f->connect_error);
	gs_websocket_start(f->ws, &fixture_handlers, f);
	WAIT_FOR(f->messages->len == 4 || f->error != NULL);
	g_assert_no_error(f->error);
	g_assert_cmpstr(g_ptr_array_index(f->messages, 0), ==, "[\"NOTICE\",\"hello hello\"]");
	g_assert_cmpstr(g_ptr_array_index(f->messages, 1), ==, "plain");
	g_assert_cmpstr(g_ptr_array_index(f->messages, 2), ==, "[\"NOTICE\",\"hello again\"]");
	g_assert_cmpstr(g_ptr_array_index(f->messages, 3), ==, long_text);
	g_clear_object(&f->ws);
}

/* compressed input that is refused: too large once inflated, not DEFLATE, or RSV1 without
 * the extension */
static void
client_deflate_refused(Fixture *f, gconstpointer data)
{
	const gchar *what = data;
	g_autoptr(GConverter) deflater =
		G_CONVERTER(g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_RAW, -1));
	g_autofree gchar *big = g_strnfill(200000, 'a');
	g_autoptr(GByteArray) bomb = deflate_message(deflater, big);
	const guint8 junk[] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x12};
	gushort code = SOUP_WEBSOCKET_CLOSE_TOO_BIG;

	if (g_strcmp0(what, "too-big") == 0) {
		append_frame(f->raw.after, 0xc1, bomb->data, bomb->len);
	} else if (g_strcmp0(what, "corrupt") == 0) {
		append_frame(f->raw.after, 0xc1, junk, sizeof(junk));
		code = SOUP_WEBSOCKET_CLOSE_BAD_DATA;
	} else {
		append_frame(f->raw.after, 0xc1, bomb->data, bomb->len);
		code = SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR;
	}
	f->raw.linger = TRUE;
	raw_start(f, g_strcmp0(what, "not-agreed") == 0 ? SWITCHING : SWITCHING_DEFLATE);
	fixture_connect(f, "/");
	g_assert_no_error(f->connect_error);
	gs_websocket_set_max_incoming_payload_size(f->ws, 100000);
	gs_websocket_start(f->ws, &fixture_handlers, f);
	WAIT_FOR(f->error != NULL);
	g_assert_error(f->error, SOUP_WEBSOCKET_ERROR, code);
	g_assert_cmpuint(f->messages->len, ==, 0);
	g_clear_object(&f->ws);
}

typedef struct {
	const gchar *name;
	const gchar *answer; /* NULL: the server drops the connection after the request */
	GQuark (*domain)(void);
	gint code;
	const gchar *in_message;
} BadAnswer;

static const BadAnswer bad_answers[] = {
	{"status",
	 "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
	 soup_websocket_error_quark,
	 SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET,
	 "403"},
	{"ok-status",
	 "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
	 soup_websocket_error_quark,
	 SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET,
	 "200"},
	{"wrong-accept",
	 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n",
	 soup_websocket_error_quark,
	 SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
	 "Accept"},
	{"no-accept",
	 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
	 soup_websocket_error_quark,
	 SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
	 "Accept"},
	{"no-upgrade",
	 "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
	 "Sec-WebSocket-Accept: %s\r\n\r\n",
	 soup_websocket_error_quark,
	 SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
	 "upgrade"},
	{"extension",
	 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	 "Sec-WebSocket-Accept: %s\r\nSec-WebSocket-Extensions: x-webkit-deflate-frame\r\n\r\n",
	 soup_websocket_error_quark,
	 SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
	 "extension"},
	{"deflate-client-window",
	 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	 "Sec-WebSocket-Accept: %s\r\n"
	 "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=16\r\n\r\n",
	 soup_websocket_error_quark,
	 SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
	 "extension"},
	{"deflate-bad-window",
	 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	 "Sec-WebSocket-Accept: %s\r\n"
	 "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16\r\n\r\n",
	 soup_websocket_error_quark,
	 SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
	 "extension"},
	{"garbage",
	 "SSH-2.0-OpenSSH_9.2\r\n\r\n",
	 soup_session_error_quark,
	 SOUP_SESSION_ERROR_PARSING,
	 "parse"},
	{"early-close",
	 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n",
	 g_io_error_quark,
	 G_IO_ERROR_CONNECTION_CLOSED,
	 "closed"},
	{"dropped", NULL, g_io_error_quark, G_IO_ERROR_CONNECTION_CLOSED, "closed"},
	{"oversized", "", soup_websocket_error_quark, SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE, "head"},
};

static void
client_bad_answer(Fixture *f, gconstpointer data)
{
	const BadAnswer *bad = data;

	if (g_strcmp0(bad->name, "oversized") == 0) {
		/* a head that never ends within the bound (the server then waits for us) */
		g_autofree gchar *filler = g_strnfill(GS_WEBSOCKET_CLIENT_MAX_HEAD, 'x');
		g_autofree gchar *head = g_strdup_printf(
			"HTTP/1.1 101 Switching Protocols\r\nX-Filler: %s\r\n\r\n", filler);
		f->raw.linger = TRUE;
		raw_start(f, head);
	} else {
		raw_start(f, bad->answer);
	}
	fixture_connect(f, "/");
	g_assert_null(f->ws);
	g_assert_error(f->connect_error, bad->domain(), bad->code);
	g_assert_nonnull(strstr(f->connect_error->message, bad->in_message));
}

/* a cancelled attempt ends with G_IO_ERROR_CANCELLED */
static void
client_cancelled(Fixture *f, gconstpointer data)
{
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	g_autofree gchar *url = g_strdup_printf("ws://127.0.0.1:%u", f->raw.port);

	/* the server reads the request and never answers until we hang up */
	f->raw.linger = TRUE;
	f->raw.read_after = 1;
	raw_start(f, "");
	gs_websocket_client_connect_async(url, NULL, cancellable, fixture_connected_cb, f);
	while (g_atomic_pointer_get(&f->raw.request) == NULL)
		g_main_context_iteration(NULL, FALSE);
	g_cancellable_cancel(cancellable);
	WAIT_FOR(f->connect_done);
	g_assert_error(f->connect_error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
	g_assert_null(strstr(f->raw.request, "User-Agent"));
}

static void
client_bad_url(Fixture *f, gconstpointer data)
{
	gs_websocket_client_connect_async("http://127.0.0.1/", NULL, NULL, fixture_connected_cb, f);
	WAIT_FOR(f->connect_done);
	g_assert_error(f->connect_error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

static void
client_accept_key(void)
{
	/* RFC 6455 section 1.3's example */
	g_autofree gchar *accept = gs_websocket_client_accept_key("dGhlIHNhbXBsZSBub25jZQ==");
	g_assert_cmpstr(accept, ==, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/websocket-client/accept-key", client_accept_key);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/grasp-sync/websocket-client/request-and-early-data", client_request_and_early_data);
	ADD("/grasp-sync/websocket-client/masks", client_masks);
	ADD("/grasp-sync/websocket-client/refuses-masked", client_refuses_masked);
	ADD("/grasp-sync/websocket-client/cancelled", client_cancelled);
	ADD("/grasp-sync/websocket-client/bad-url", client_bad_url);
	ADD("/grasp-sync/websocket-client/deflate", client_deflate);
#undef ADD
	g_test_add("/grasp-sync/websocket-client/deflate-too-big",
		   Fixture,
		   "too-big",
		   fixture_setup,
		   client_deflate_refused,
		   fixture_teardown);
	g_test_add("/grasp-sync/websocket-client/deflate-corrupt",
		   Fixture,
		   "corrupt",
		   fixture_setup,
		   client_deflate_refused,
		   fixture_teardown);
	g_test_add("/grasp-sync/websocket-client/deflate-not-agreed",
		   Fixture,
		   "not-agreed",
		   fixture_setup,
		   client_deflate_refused,
		   fixture_teardown);
	for (guint i = 0; i < G_N_ELEMENTS(bad_answers); i++) {
		g_autofree gchar *path = g_strdup_printf(
			"/grasp-sync/websocket-client/bad-answer/%s", bad_answers[i].name);
		g_test_add(path,
			   Fixture,
			   &bad_answers[i],
			   fixture_setup,
			   client_bad_answer,
			   fixture_teardown);
	}
	return g_test_run();
}
