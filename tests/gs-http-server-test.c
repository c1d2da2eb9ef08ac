/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-http-server.h"
#include "gs-test-utils.h"

typedef struct {
	GsHttpServer *server;
	SoupSession *session;
	gchar *uri;
	gboolean healthy;
	gboolean accept_ws;
	guint ws_count;
	GPtrArray *ws; /* GsWebsocket accepted, held open */
} Fixture;

static gboolean
fixture_health(gpointer user_data, GError **error)
{
	Fixture *f = user_data;
	if (!f->healthy)
		g_set_error_literal(error, GS_ERROR, GS_ERROR_STORE, "store is gone");
	return f->healthy;
}

static gchar *
fixture_nip11(gpointer user_data)
{
	return g_strdup("{\"name\":\"test\"}");
}

static gboolean
fixture_ws_check(gpointer user_data, guint *status, gchar **reason)
{
	Fixture *f = user_data;
	if (!f->accept_ws) {
		*status = SOUP_STATUS_SERVICE_UNAVAILABLE;
		*reason = g_strdup("too many connections\n");
	}
	return f->accept_ws;
}

static void
fixture_ws(GsWebsocket *conn, const gchar *peer, gpointer user_data)
{
	Fixture *f = user_data;
	f->ws_count++;
	g_assert_cmpstr(peer, ==, "127.0.0.1");
	gs_websocket_start(conn, NULL, NULL);
	gs_websocket_send_text(conn, "welcome", 7);
	g_ptr_array_add(f->ws, g_object_ref(conn));
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->healthy = TRUE;
	f->accept_ws = TRUE;
	f->ws = g_ptr_array_new_with_free_func(g_object_unref);
	f->server = gs_http_server_new();
	gs_http_server_set_health_func(f->server, fixture_health, f);
	gs_http_server_set_nip11_func(f->server, fixture_nip11, f);
	gs_http_server_set_websocket_func(f->server, fixture_ws_check, fixture_ws, f);
	g_assert_true(gs_http_server_listen(f->server, "127.0.0.1:0", &error));
	g_assert_no_error(error);
	f->uri = gs_http_server_dup_uri(f->server);
	g_assert_nonnull(f->uri);
	g_assert_cmpuint(gs_http_server_get_port(f->server), >, 0);
	f->session = soup_session_new();
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	/* let the server see the client's connections close before it goes away */
	soup_session_abort(f->session);
	g_object_unref(f->session);
	for (guint i = 0; i < 20; i++)
		g_main_context_iteration(NULL, FALSE);
	g_usleep(10000);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_ptr_array_unref(f->ws);
	g_object_unref(f->server);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_free(f->uri);
}

typedef struct {
	GBytes *body;
	SoupWebsocketConnection *conn;
	GError *error;
	gboolean done;
} SendResult;

static void
send_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	SendResult *r = user_data;
	r->body = soup_session_send_and_read_finish(SOUP_SESSION(source), res, &r->error);
	r->done = TRUE;
}

/* returns the status; @body_out gets the body as a string */
static guint
fixture_request(Fixture *f,
		const gchar *method,
		const gchar *path,
		const gchar *accept,
		const gchar *body,
		gsize body_len,
		SoupMessage **msg_out,
		gchar **body_out)
{
	g_autofree gchar *uri = g_strconcat(f->uri, path, NULL);
	g_autoptr(SoupMessage) msg = soup_message_new(method, uri);
	SendResult r = {0};

	if (accept != NULL)
		soup_message_headers_replace(
			soup_message_get_request_headers(msg), "Accept", accept);
	if (body != NULL) {
		g_autoptr(GBytes) b = g_bytes_new(body, body_len);
		soup_message_set_request_body_from_bytes(msg, "text/plain", b);
	}
	soup_session_send_and_read_async(f->session, msg, G_PRIORITY_DEFAULT, NULL, send_cb, &r);
	while (!r.done)
		g_main_context_iteration(NULL, TRUE);
	g_assert_no_error(r.error);
	if (body_out != NULL)
		*body_out = g_strndup(g_bytes_get_data(r.body, NULL), g_bytes_get_size(r.body));
	g_bytes_unref(r.body);
	if (msg_out != NULL)
		*msg_out = g_object_ref(msg);
	return soup_message_get_status(msg);
}

static void
http_page(Fixture *f, gconstpointer data)
{
	g_autofree gchar *body = NULL;
	g_assert_cmpuint(fixture_request(f, "GET", "/", NULL, NULL, 0, NULL, &body), ==, 200);
	g_assert_nonnull(strstr(body, "grasp-syncd"));
}

static void
http_nip11(Fixture *f, gconstpointer data)
{
	g_autofree gchar *body = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	SoupMessageHeaders *hdrs;

	g_assert_cmpuint(
		fixture_request(f, "GET", "/", "application/nostr+json", NULL, 0, &msg, &body),
		==,
		200);
	g_assert_cmpstr(body, ==, "{\"name\":\"test\"}");
	hdrs = soup_message_get_response_headers(msg);
	g_assert_cmpstr(
		soup_message_headers_get_content_type(hdrs, NULL), ==, "application/nostr+json");
	g_assert_cmpstr(soup_message_headers_get_one(hdrs, "Access-Control-Allow-Origin"), ==, "*");
	g_assert_nonnull(soup_message_headers_get_one(hdrs, "Access-Control-Allow-Headers"));
	g_assert_nonnull(soup_message_headers_get_one(hdrs, "Access-Control-Allow-Methods"));
}

static void
http_options(Fixture *f, gconstpointer data)
{
	g_autoptr(SoupMessage) msg = NULL;
	g_assert_cmpuint(fixture_request(f, "OPTIONS", "/", NULL, NULL, 0, &msg, NULL), ==, 204);
	g_assert_cmpstr(soup_message_headers_get_one(soup_message_get_response_headers(msg),
						     "Access-Control-Allow-Origin"),
			==,
			"*");
}

static void
http_health(Fixture *f, gconstpointer data)
{
	g_autofree gchar *body = NULL;
	g_autofree gchar *body2 = NULL;

	g_assert_cmpuint(fixture_request(f, "GET", "/health", NULL, NULL, 0, NULL, &body), ==, 200);
	g_assert_cmpstr(body, ==, "ok\n");
	f->healthy = FALSE;
	g_assert_cmpuint(
		fixture_request(f, "GET", "/health", NULL, NULL, 0, NULL, &body2), ==, 503);
	g_assert_nonnull(strstr(body2, "store is gone"));
}

static void
http_bad_requests(Fixture *f, gconstpointer data)
{
	g_autoptr(SoupMessage) msg = NULL;
	g_autofree gchar *big = g_malloc0(GS_HTTP_SERVER_MAX_BODY + 1);

	g_assert_cmpuint(fixture_request(f, "GET", "/nope", NULL, NULL, 0, NULL, NULL), ==, 404);
	g_assert_cmpuint(fixture_request(f, "POST", "/", NULL, "x", 1, &msg, NULL), ==, 405);
	g_assert_cmpstr(
		soup_message_headers_get_one(soup_message_get_response_headers(msg), "Allow"),
		==,
		"GET, HEAD, OPTIONS");
	g_assert_cmpuint(
		fixture_request(f, "DELETE", "/health", NULL, NULL, 0, NULL, NULL), ==, 405);
	g_assert_cmpuint(
		fixture_request(f, "POST", "/", NULL, big, GS_HTTP_SERVER_MAX_BODY + 1, NULL, NULL),
		==,
		413);
}

static void
ws_connected_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	SendResult *r = user_data;
	SoupWebsocketConnection *conn =
		soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &r->error);
	r->conn = conn;
	r->done = TRUE;
}

static SoupWebsocketConnection *
fixture_ws_connect(Fixture *f, GError **error)
{
	g_autofree gchar *uri = g_strdup_printf("ws%s", f->uri + 4);
	g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
	SendResult r = {0};

	soup_session_websocket_connect_async(
		f->session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, ws_connected_cb, &r);
	while (!r.done)
		g_main_context_iteration(NULL, TRUE);
	if (r.error != NULL) {
		g_propagate_error(error, r.error);
		return NULL;
	}
	return r.conn;
}

static void
ws_message_cb(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer user_data)
{
	gchar **out = user_data;
	*out = g_strndup(g_bytes_get_data(message, NULL), g_bytes_get_size(message));
}

static void
http_websocket(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(SoupWebsocketConnection) conn = fixture_ws_connect(f, &error);
	g_autoptr(SoupWebsocketConnection) conn2 = NULL;
	g_autofree gchar *got = NULL;

	g_assert_no_error(error);
	g_signal_connect(conn, "message", G_CALLBACK(ws_message_cb), &got);
	while (got == NULL)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpstr(got, ==, "welcome");
	g_assert_cmpuint(f->ws_count, ==, 1);
	soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);

	/* at the connection limit the upgrade is refused before the handshake */
	f->accept_ws = FALSE;
	conn2 = fixture_ws_connect(f, &error);
	g_assert_null(conn2);
	g_assert_nonnull(error);
	g_assert_cmpuint(f->ws_count, ==, 1);
}

static void
http_listen_address(void)
{
	g_autofree gchar *host = NULL;
	g_autofree gchar *host6 = NULL;
	guint16 port = 0;
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_http_parse_listen_address("127.0.0.1:7334", &host, &port, NULL));
	g_assert_cmpstr(host, ==, "127.0.0.1");
	g_assert_cmpuint(port, ==, 7334);
	g_assert_true(gs_http_parse_listen_address("[::1]:80", &host6, &port, NULL));
	g_assert_cmpstr(host6, ==, "::1");
	g_assert_false(gs_http_parse_listen_address("127.0.0.1", &host, &port, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(gs_http_parse_listen_address("127.0.0.1:99999", &host, &port, &error));
	g_clear_error(&error);
	g_assert_false(gs_http_parse_listen_address("example.org:80", &host, &port, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/http-server/listen-address", http_listen_address);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/grasp-sync/http-server/page", http_page);
	ADD("/grasp-sync/http-server/nip11", http_nip11);
	ADD("/grasp-sync/http-server/options", http_options);
	ADD("/grasp-sync/http-server/health", http_health);
	ADD("/grasp-sync/http-server/bad-requests", http_bad_requests);
	ADD("/grasp-sync/http-server/websocket", http_websocket);
#undef ADD
	return g_test_run();
}
