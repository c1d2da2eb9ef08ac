/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-enums-types.h"
#include "gs-error.h"
#include "gs-filter.h"
#include "gs-message.h"
#include "gs-relay-connection.h"
#include "gs-test-utils.h"

/*
 * A scripted relay: a SoupServer websocket endpoint whose replies each test writes as a
 * function of the client's message. The server side runs on the same main context.
 */
typedef struct _Fixture Fixture;
typedef void (*ScriptFunc)(Fixture *f, SoupWebsocketConnection *peer, GsMessage *msg);

struct _Fixture {
	SoupServer *server;
	gchar *url;
	SoupWebsocketConnection *peer;
	ScriptFunc script;
	GsRelayConnection *conn;
	GArray *statuses;
	GPtrArray *events;
	GPtrArray *ends;
	GPtrArray *notices;
	guint n_reqs;
	guint n_auth;
	guint64 peer_bytes_in;	/* payload bytes the peer received */
	guint64 peer_bytes_out; /* and sent, where a script counts them */
	gboolean opened;
	GError *connect_error;
	gchar *disconnect_reason;
	guint8 seckey[32];
};

static void
peer_message_cb(SoupWebsocketConnection *peer, gint type, GBytes *message, gpointer user_data)
{
	Fixture *f = user_data;
	gsize len = 0;
	const gchar *data = g_bytes_get_data(message, &len);
	g_autoptr(GsMessage) msg = gs_message_parse(data, len, GS_MESSAGE_FROM_CLIENT, NULL);

	f->peer_bytes_in += len;
	if (msg == NULL)
		return;
	if (msg->type == GS_MESSAGE_REQ)
		f->n_reqs++;
	if (msg->type == GS_MESSAGE_AUTH)
		f->n_auth++;
	if (f->script != NULL)
		f->script(f, peer, msg);
}

static void
server_ws_cb(SoupServer *server,
	     SoupServerMessage *msg,
	     const char *path,
	     SoupWebsocketConnection *conn,
	     gpointer user_data)
{
	Fixture *f = user_data;
	g_clear_object(&f->peer);
	f->peer = g_object_ref(conn);
	g_signal_connect(conn, "message", G_CALLBACK(peer_message_cb), f);
}

static void
status_cb(GObject *obj, GParamSpec *pspec, gpointer user_data)
{
	Fixture *f = user_data;
	guint status = gs_relay_connection_get_status(GS_RELAY_CONNECTION(obj));
	g_array_append_val(f->statuses, status);
}

static void
opened_cb(GsRelayConnection *conn, gpointer user_data)
{
	Fixture *f = user_data;
	f->opened = TRUE;
}

static void
connect_failed_cb(GsRelayConnection *conn, GError *error, gpointer user_data)
{
	Fixture *f = user_data;
	g_clear_error(&f->connect_error);
	f->connect_error = g_error_copy(error);
}

static void
disconnected_cb(GsRelayConnection *conn, const gchar *reason, gpointer user_data)
{
	Fixture *f = user_data;
	g_free(f->disconnect_reason);
	f->disconnect_reason = g_strdup(reason);
}

static void
notice_cb(GsRelayConnection *conn, const gchar *text, gpointer user_data)
{
	Fixture *f = user_data;
	g_ptr_array_add(f->notices, g_strdup(text));
}

static GsRelayConnection *
fixture_new_connection(Fixture *f, const gchar *url, GsRelayConnectionOptions *opts)
{
	GsRelayConnection *conn = gs_relay_connection_new(url, opts);
	g_signal_connect(conn, "notify::status", G_CALLBACK(status_cb), f);
	g_signal_connect(conn, "opened", G_CALLBACK(opened_cb), f);
	g_signal_connect(conn, "connect-failed", G_CALLBACK(connect_failed_cb), f);
	g_signal_connect(conn, "disconnected", G_CALLBACK(disconnected_cb), f);
	g_signal_connect(conn, "notice", G_CALLBACK(notice_cb), f);
	return conn;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	GsRelayConnectionOptions opts;
	GSList *uris;

	f->server = soup_server_new(NULL, NULL);
	soup_server_add_websocket_handler(f->server, NULL, NULL, NULL, server_ws_cb, f, NULL);
	g_assert_true(soup_server_listen_local(f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, NULL));
	uris = soup_server_get_uris(f->server);
	f->url = g_strdup_printf("ws://127.0.0.1:%d", g_uri_get_port(uris->data));
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	f->statuses = g_array_new(FALSE, FALSE, sizeof(guint));
	f->events = g_ptr_array_new_with_free_func(g_free);
	f->ends = g_ptr_array_new_with_free_func(g_free);
	f->notices = g_ptr_array_new_with_free_func(g_free);
	gs_test_seckey_from_seed(99, f->seckey);
	gs_relay_connection_options_init(&opts);
	opts.seckey = f->seckey;
	opts.max_protocol_errors = 3;
	f->conn = fixture_new_connection(f, f->url, &opts);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_object(&f->conn);
	g_clear_object(&f->peer);
	soup_server_disconnect(f->server);
	g_clear_object(&f->server);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_free(f->url);
	g_array_unref(f->statuses);
	g_ptr_array_unref(f->events);
	g_ptr_array_unref(f->ends);
	g_ptr_array_unref(f->notices);
	g_clear_error(&f->connect_error);
	g_free(f->disconnect_reason);
}

static gboolean
timeout_cb(gpointer user_data)
{
	gboolean *expired = user_data;
	*expired = TRUE;
	return G_SOURCE_REMOVE;
}

/* iterates until @cond holds; fails the test after 5 s */
#define WAIT_FOR(cond)                                                                             \
	G_STMT_START                                                                               \
	{                                                                                          \
		gboolean expired_ = FALSE;                                                         \
		guint id_ = g_timeout_add(5000, timeout_cb, &expired_);                            \
		while (!(cond) && !expired_)                                                       \
			g_main_context_iteration(NULL, TRUE);                                      \
		g_assert_true(cond);                                                               \
		if (!expired_)                                                                     \
			g_source_remove(id_);                                                      \
	}                                                                                          \
	G_STMT_END

static void
fixture_connect(Fixture *f)
{
	gs_relay_connection_connect(f->conn);
	WAIT_FOR(f->opened && f->peer != NULL);
}

static void
sub_event_cb(GsRelayConnection *conn,
	     const gchar *sub_id,
	     const gchar *json,
	     gsize len,
	     gpointer user_data)
{
	Fixture *f = user_data;
	g_ptr_array_add(f->events, g_strndup(json, len));
}

static void
sub_state_cb(GsRelayConnection *conn,
	     const gchar *sub_id,
	     GsRelaySubscriptionEnd end,
	     const gchar *prefix,
	     const gchar *message,
	     gpointer user_data)
{
	Fixture *f = user_data;
	g_ptr_array_add(f->ends,
			g_strdup_printf("%d|%s|%s",
					end,
					prefix != NULL ? prefix : "",
					message != NULL ? message : ""));
}

static gchar *
fixture_subscribe(Fixture *f)
{
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	g_autoptr(GError) error = NULL;
	gchar *sub;

	g_ptr_array_add(filters, gs_filter_new());
	gs_filter_add_kind(g_ptr_array_index(filters, 0), 1);
	sub = gs_relay_connection_subscribe(
		f->conn, filters, sub_event_cb, sub_state_cb, f, &error);
	g_assert_no_error(error);
	return sub;
}

static void
script_events_then_eose(Fixture *f, SoupWebsocketConnection *peer, GsMessage *msg)
{
	const gchar *tags[] = {NULL};
	if (msg->type != GS_MESSAGE_REQ)
		return;
	for (guint i = 0; i < 3; i++) {
		g_autoptr(GsEvent) ev = gs_test_event_new(1, 1000 + i, 1, tags, "hello");
		g_autofree gchar *text = gs_message_build_event(msg->sub_id, ev);
		soup_websocket_connection_send_text(peer, text);
		f->peer_bytes_out += strlen(text);
	}
	{
		g_autofree gchar *eose = gs_message_build_eose(msg->sub_id);
		soup_websocket_connection_send_text(peer, eose);
		f->peer_bytes_out += strlen(eose);
	}
}

static void
conn_subscribe_eose(Fixture *f, gconstpointer data)
{
	g_autofree gchar *sub = NULL;
	g_autoptr(GsEvent) ev = NULL;

	f->script = script_events_then_eose;
	fixture_connect(f);
	g_assert_cmpint(gs_relay_connection_get_status(f->conn), ==, GS_CONNECTION_STATUS_SYNCING);
	sub = fixture_subscribe(f);
	g_assert_cmpuint(gs_relay_connection_get_n_subscriptions(f->conn), ==, 1);
	WAIT_FOR(f->ends->len == 1);
	g_assert_cmpuint(f->events->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(f->ends, 0), ==, "0||");
	/* the payload bytes each way, as the peer counted them */
	g_assert_cmpuint(f->peer_bytes_out, >, 0);
	g_assert_cmpuint(gs_relay_connection_get_bytes_received(f->conn), ==, f->peer_bytes_out);
	g_assert_cmpuint(gs_relay_connection_get_bytes_sent(f->conn), ==, f->peer_bytes_in);
	/* the raw JSON is the event object, parseable and verifiable */
	ev = gs_event_new_from_json(g_ptr_array_index(f->events, 0), -1, NULL);
	g_assert_nonnull(ev);
	g_assert_true(gs_event_verify(ev, NULL));
	/* EOSE keeps the subscription open; CLOSE removes it */
	g_assert_cmpuint(gs_relay_connection_get_n_subscriptions(f->conn), ==, 1);
	gs_relay_connection_unsubscribe(f->conn, sub);
	g_assert_cmpuint(gs_relay_connection_get_n_subscriptions(f->conn), ==, 0);
}

static void
script_closed(Fixture *f, SoupWebsocketConnection *peer, GsMessage *msg)
{
	g_autofree gchar *text = NULL;
	if (msg->type != GS_MESSAGE_REQ)
		return;
	text = gs_message_build_closed(msg->sub_id, "rate-limited: slow down");
	soup_websocket_connection_send_text(peer, text);
}

static void
conn_closed_prefix(Fixture *f, gconstpointer data)
{
	g_autofree gchar *sub = NULL;

	f->script = script_closed;
	fixture_connect(f);
	sub = fixture_subscribe(f);
	WAIT_FOR(f->ends->len == 1);
	g_assert_cmpstr(
		g_ptr_array_index(f->ends, 0), ==, "1|rate-limited|rate-limited: slow down");
	g_assert_cmpuint(gs_relay_connection_get_n_subscriptions(f->conn), ==, 0);
}

/* NIP-42: CLOSED auth-required, then AUTH with a signed 22242, then the REQ once more */
static void
script_auth(Fixture *f, SoupWebsocketConnection *peer, GsMessage *msg)
{
	if (msg->type == GS_MESSAGE_REQ && f->n_auth == 0) {
		g_autofree gchar *closed = gs_message_build_closed(msg->sub_id, "auth-required: x");
		soup_websocket_connection_send_text(peer, closed);
	} else if (msg->type == GS_MESSAGE_AUTH) {
		g_autoptr(GsEvent) ev = gs_event_new_from_node(msg->event, NULL);
		g_autofree gchar *ok = NULL;
		g_assert_nonnull(ev);
		g_assert_true(gs_event_verify(ev, NULL));
		g_assert_cmpuint(gs_event_get_kind(ev), ==, 22242);
		g_assert_cmpstr(gs_event_get_tag_value(ev, "challenge"), ==, "chal-123");
		g_assert_cmpstr(gs_event_get_tag_value(ev, "relay"), ==, f->url);
		ok = gs_message_build_ok(gs_event_get_id(ev), TRUE, "");
		soup_websocket_connection_send_text(peer, ok);
	} else if (msg->type == GS_MESSAGE_REQ) {
		g_autofree gchar *eose = gs_message_build_eose(msg->sub_id);
		soup_websocket_connection_send_text(peer, eose);
	}
}

static void
conn_auth(Fixture *f, gconstpointer data)
{
	g_autofree gchar *sub = NULL;

	f->script = script_auth;
	fixture_connect(f);
	soup_websocket_connection_send_text(f->peer, "[\"AUTH\",\"chal-123\"]");
	WAIT_FOR(f->peer != NULL); /* let the challenge arrive */
	while (g_main_context_iteration(NULL, FALSE))
		;
	sub = fixture_subscribe(f);
	WAIT_FOR(f->ends->len == 1);
	g_assert_cmpstr(g_ptr_array_index(f->ends, 0), ==, "0||");
	g_assert_cmpuint(f->n_auth, ==, 1);
	g_assert_cmpuint(f->n_reqs, ==, 2);
}

static void
ok_cb(GsRelayConnection *conn,
      const gchar *event_id,
      gboolean accepted,
      const gchar *message,
      gpointer user_data)
{
	Fixture *f = user_data;
	g_ptr_array_add(f->ends, g_strdup_printf("%s|%d|%s", event_id, accepted, message));
}

static void
script_ok(Fixture *f, SoupWebsocketConnection *peer, GsMessage *msg)
{
	g_autoptr(GsEvent) ev = NULL;
	g_autofree gchar *ok = NULL;
	if (msg->type != GS_MESSAGE_EVENT)
		return;
	ev = gs_event_new_from_node(msg->event, NULL);
	ok = gs_message_build_ok(gs_event_get_id(ev), FALSE, "blocked: not here");
	soup_websocket_connection_send_text(peer, ok);
}

static void
conn_publish_ok(Fixture *f, gconstpointer data)
{
	const gchar *tags[] = {NULL};
	g_autoptr(GsEvent) ev = gs_test_event_new(2, 5000, 1, tags, "publish me");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *expected = NULL;

	f->script = script_ok;
	g_assert_false(gs_relay_connection_publish(f->conn, ev, ok_cb, f, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_BUSY);
	g_clear_error(&error);
	fixture_connect(f);
	g_assert_true(gs_relay_connection_publish(f->conn, ev, ok_cb, f, &error));
	WAIT_FOR(f->ends->len == 1);
	expected = g_strdup_printf("%s|0|blocked: not here", gs_event_get_id(ev));
	g_assert_cmpstr(g_ptr_array_index(f->ends, 0), ==, expected);
}

/* a writer's NIP-42: OK false auth-required, AUTH, then the same event again is accepted */
static void
script_publish_auth(Fixture *f, SoupWebsocketConnection *peer, GsMessage *msg)
{
	g_autoptr(GsEvent) ev = gs_event_new_from_node(msg->event, NULL);
	g_autofree gchar *ok = NULL;

	g_assert_nonnull(ev);
	if (msg->type == GS_MESSAGE_AUTH) {
		g_assert_true(gs_event_verify(ev, NULL));
		g_assert_cmpstr(gs_event_get_tag_value(ev, "challenge"), ==, "chal-w");
		ok = gs_message_build_ok(gs_event_get_id(ev), TRUE, "");
	} else if (msg->type == GS_MESSAGE_EVENT) {
		ok = gs_message_build_ok(gs_event_get_id(ev),
					 f->n_auth > 0,
					 f->n_auth > 0 ? "" : "auth-required: who are you");
	}
	if (ok != NULL)
		soup_websocket_connection_send_text(peer, ok);
}

static void
conn_publish_auth(Fixture *f, gconstpointer data)
{
	g_autoptr(GsEvent) ev = gs_test_event_new(2, 5000, 1, NULL, "publish me");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *refused = NULL;
	g_autofree gchar *accepted = NULL;

	f->script = script_publish_auth;
	fixture_connect(f);
	/* no challenge yet: nothing to answer */
	g_assert_false(gs_relay_connection_authenticate(f->conn, ok_cb, f, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_UNSUPPORTED);
	g_clear_error(&error);
	soup_websocket_connection_send_text(f->peer, "[\"AUTH\",\"chal-w\"]");
	g_assert_true(gs_relay_connection_publish_json(
		f->conn, gs_event_get_id(ev), gs_event_get_json(ev), ok_cb, f, &error));
	g_assert_no_error(error);
	WAIT_FOR(f->ends->len == 1);
	refused = g_strdup_printf("%s|0|auth-required: who are you", gs_event_get_id(ev));
	g_assert_cmpstr(g_ptr_array_index(f->ends, 0), ==, refused);
	g_assert_true(gs_relay_connection_authenticate(f->conn, ok_cb, f, &error));
	g_assert_no_error(error);
	WAIT_FOR(f->ends->len == 2);
	g_assert_true(g_str_has_suffix(g_ptr_array_index(f->ends, 1), "|1|"));
	g_assert_cmpuint(f->n_auth, ==, 1);
	g_assert_true(gs_relay_connection_publish(f->conn, ev, ok_cb, f, &error));
	WAIT_FOR(f->ends->len == 3);
	accepted = g_strdup_printf("%s|1|", gs_event_get_id(ev));
	g_assert_cmpstr(g_ptr_array_index(f->ends, 2), ==, accepted);
}

/* a dropped connection answers every awaited OK, AUTH included, with "aborted:" */
static void
conn_publish_aborted(Fixture *f, gconstpointer data)
{
	g_autoptr(GsEvent) ev = gs_test_event_new(2, 5000, 1, NULL, "never answered");
	g_autoptr(GError) error = NULL;

	fixture_connect(f);
	soup_websocket_connection_send_text(f->peer, "[\"AUTH\",\"chal-x\"]");
	g_assert_true(gs_relay_connection_publish(f->conn, ev, ok_cb, f, &error));
	WAIT_FOR(gs_relay_connection_authenticate(f->conn, ok_cb, f, NULL));
	soup_websocket_connection_close(f->peer, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
	WAIT_FOR(f->ends->len == 2);
	for (guint i = 0; i < 2; i++)
		g_assert_nonnull(strstr(g_ptr_array_index(f->ends, i), "|0|aborted: "));
}

static void
conn_notice_and_garbage(Fixture *f, gconstpointer data)
{
	fixture_connect(f);
	soup_websocket_connection_send_text(f->peer, "[\"NOTICE\",\"slow down please\"]");
	WAIT_FOR(f->notices->len == 1);
	g_assert_cmpstr(g_ptr_array_index(f->notices, 0), ==, "slow down please");
	/* up to the threshold, garbage is counted and the connection stays */
	soup_websocket_connection_send_text(f->peer, "not json");
	soup_websocket_connection_send_text(f->peer, "[\"WHAT\"]");
	soup_websocket_connection_send_text(f->peer, "{\"x\":1}");
	WAIT_FOR(gs_relay_connection_get_protocol_errors(f->conn) == 3);
	g_assert_true(gs_relay_connection_is_open(f->conn));
	/* one more breaks it */
	soup_websocket_connection_send_text(f->peer, "[\"EOSE\"]");
	WAIT_FOR(f->disconnect_reason != NULL);
	g_assert_cmpstr(f->disconnect_reason, ==, "too many protocol errors");
	g_assert_cmpint(
		gs_relay_connection_get_status(f->conn), ==, GS_CONNECTION_STATUS_DISCONNECTED);
}

static void
conn_drop_aborts(Fixture *f, gconstpointer data)
{
	g_autofree gchar *sub = NULL;
	const guint expected[] = {GS_CONNECTION_STATUS_CONNECTING,
				  GS_CONNECTION_STATUS_SYNCING,
				  GS_CONNECTION_STATUS_DISCONNECTED};

	fixture_connect(f);
	sub = fixture_subscribe(f);
	soup_websocket_connection_close(f->peer, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "bye");
	WAIT_FOR(f->disconnect_reason != NULL);
	g_assert_cmpuint(f->ends->len, ==, 1);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(f->ends, 0), "2||"));
	g_assert_cmpuint(gs_relay_connection_get_n_subscriptions(f->conn), ==, 0);
	g_assert_cmpint(gs_relay_connection_get_disconnected_at(f->conn), >, 0);
	/* the exact notify::status sequence: each change once */
	g_assert_cmpuint(f->statuses->len, ==, G_N_ELEMENTS(expected));
	for (guint i = 0; i < G_N_ELEMENTS(expected); i++)
		g_assert_cmpuint(g_array_index(f->statuses, guint, i), ==, expected[i]);
}

static void
conn_reconnect_sequence(Fixture *f, gconstpointer data)
{
	const guint expected[] = {GS_CONNECTION_STATUS_CONNECTING,
				  GS_CONNECTION_STATUS_SYNCING,
				  GS_CONNECTION_STATUS_CONNECTED,
				  GS_CONNECTION_STATUS_DISCONNECTED,
				  GS_CONNECTION_STATUS_CONNECTING,
				  GS_CONNECTION_STATUS_SYNCING};

	fixture_connect(f);
	/* the owner (sync manager) moves syncing -> connected; setting it twice notifies once */
	gs_relay_connection_set_status(f->conn, GS_CONNECTION_STATUS_CONNECTED);
	gs_relay_connection_set_status(f->conn, GS_CONNECTION_STATUS_CONNECTED);
	gs_relay_connection_disconnect(f->conn, "test");
	gs_relay_connection_disconnect(f->conn, "twice is a no-op");
	g_assert_cmpstr(f->disconnect_reason, ==, "test");
	f->opened = FALSE;
	g_clear_object(&f->peer);
	fixture_connect(f);
	g_assert_cmpuint(f->statuses->len, ==, G_N_ELEMENTS(expected));
	for (guint i = 0; i < G_N_ELEMENTS(expected); i++)
		g_assert_cmpuint(g_array_index(f->statuses, guint, i), ==, expected[i]);
}

static void
conn_connect_refused(Fixture *f, gconstpointer data)
{
	g_autoptr(GsRelayConnection) conn = NULL;
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	guint16 port = g_socket_listener_add_any_inet_port(listener, NULL, NULL);
	g_autofree gchar *url = NULL;

	/* a port that was free a moment ago: nothing listens there any more */
	g_socket_listener_close(listener);
	url = g_strdup_printf("ws://127.0.0.1:%u", port);
	conn = fixture_new_connection(f, url, NULL);
	gs_relay_connection_connect(conn);
	WAIT_FOR(f->connect_error != NULL);
	g_assert_error(f->connect_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
	g_assert_cmpint(
		gs_relay_connection_get_status(conn), ==, GS_CONNECTION_STATUS_DISCONNECTED);
	g_assert_null(f->disconnect_reason);
	/* a failed attempt notifies connecting, then disconnected, and nothing else */
	g_assert_cmpuint(f->statuses->len, ==, 2);
	g_assert_cmpuint(g_array_index(f->statuses, guint, 0), ==, GS_CONNECTION_STATUS_CONNECTING);
	g_assert_cmpuint(
		g_array_index(f->statuses, guint, 1), ==, GS_CONNECTION_STATUS_DISCONNECTED);
}

/* a frame over the incoming limit ends the connection, with a reason that says so */
static void
conn_oversized_frame(Fixture *f, gconstpointer data)
{
	GsRelayConnectionOptions opts;
	g_autofree gchar *big = NULL;
	g_autofree gchar *sub = NULL;

	gs_relay_connection_options_init(&opts);
	opts.max_incoming_bytes = 64 * 1024;
	g_clear_object(&f->conn);
	f->conn = fixture_new_connection(f, f->url, &opts);
	fixture_connect(f);
	sub = fixture_subscribe(f);
	big = g_strnfill(128 * 1024, 'x');
	{
		g_autofree gchar *notice = g_strdup_printf("[\"NOTICE\",\"%s\"]", big);
		soup_websocket_connection_send_text(f->peer, notice);
	}
	WAIT_FOR(f->disconnect_reason != NULL);
	/* libsoup's own words, or ours when it gives none */
	g_assert_true(strstr(f->disconnect_reason, "max-incoming-payload-size") != NULL ||
		      g_strcmp0(f->disconnect_reason, "frame too large") == 0);
	g_assert_cmpuint(f->notices->len, ==, 0);
	/* the open subscription ends as aborted */
	g_assert_cmpuint(f->ends->len, ==, 1);
	g_assert_true(g_str_has_prefix(g_ptr_array_index(f->ends, 0), "2||"));
	g_assert_cmpint(
		gs_relay_connection_get_status(f->conn), ==, GS_CONNECTION_STATUS_DISCONNECTED);
}

/* a TCP peer that accepts and then says nothing: the attempt times out */
static void
conn_connect_timeout(Fixture *f, gconstpointer data)
{
	g_autoptr(GsRelayConnection) conn = NULL;
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	guint16 port = g_socket_listener_add_any_inet_port(listener, NULL, NULL);
	g_autofree gchar *url = g_strdup_printf("ws://127.0.0.1:%u", port);
	GsRelayConnectionOptions opts;

	gs_relay_connection_options_init(&opts);
	opts.connect_timeout_ms = 200;
	conn = fixture_new_connection(f, url, &opts);
	gs_relay_connection_connect(conn);
	WAIT_FOR(f->connect_error != NULL);
	g_assert_error(f->connect_error, GS_ERROR, GS_ERROR_TIMEOUT);
	g_assert_cmpint(
		gs_relay_connection_get_status(conn), ==, GS_CONNECTION_STATUS_DISCONNECTED);
}

/* the handshake completes, then the peer never answers anything, not even pings */
static gboolean
silent_peer_cb(GSocketService *service,
	       GSocketConnection *connection,
	       GObject *source,
	       gpointer user_data)
{
	GPtrArray *keep = user_data;
	GInputStream *in = g_io_stream_get_input_stream(G_IO_STREAM(connection));
	GOutputStream *out = g_io_stream_get_output_stream(G_IO_STREAM(connection));
	g_autoptr(GDataInputStream) din = g_data_input_stream_new(in);
	g_autofree gchar *key = NULL;
	g_autofree gchar *accept = NULL;
	g_autofree gchar *reply = NULL;
	gchar *line;

	g_filter_input_stream_set_close_base_stream(G_FILTER_INPUT_STREAM(din), FALSE);
	while ((line = g_data_input_stream_read_line(din, NULL, NULL, NULL)) != NULL) {
		g_strchomp(line);
		if (g_ascii_strncasecmp(line, "Sec-WebSocket-Key:", 18) == 0)
			key = g_strstrip(g_strdup(line + 18));
		if (line[0] == '\0') {
			g_free(line);
			break;
		}
		g_free(line);
	}
	accept = g_compute_checksum_for_string(G_CHECKSUM_SHA1, "", -1);
	{
		g_autofree gchar *cat =
			g_strconcat(key, "258EAFA5-E914-47DA-95CA-C5AB0DC85B11", NULL);
		guint8 digest[20];
		gsize dlen = sizeof(digest);
		g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA1);
		g_checksum_update(sum, (const guchar *)cat, -1);
		g_checksum_get_digest(sum, digest, &dlen);
		g_free(accept);
		accept = g_base64_encode(digest, dlen);
	}
	reply = g_strdup_printf("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
				"Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
				accept);
	g_output_stream_write_all(out, reply, strlen(reply), NULL, NULL, NULL);
	g_ptr_array_add(keep, g_object_ref(connection));
	return TRUE;
}

static void
conn_dead_peer(Fixture *f, gconstpointer data)
{
	guint read_timeout_ms = data != NULL ? GPOINTER_TO_UINT(data) : 300;
	gint64 opened_at, elapsed_ms;
	g_autoptr(GsRelayConnection) conn = NULL;
	g_autoptr(GSocketService) service = g_threaded_socket_service_new(1);
	g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_object_unref);
	guint16 port = g_socket_listener_add_any_inet_port(G_SOCKET_LISTENER(service), NULL, NULL);
	g_autofree gchar *url = g_strdup_printf("ws://127.0.0.1:%u", port);
	GsRelayConnectionOptions opts;

	g_signal_connect(service, "run", G_CALLBACK(silent_peer_cb), keep);
	gs_relay_connection_options_init(&opts);
	opts.read_timeout_ms = read_timeout_ms;
	conn = fixture_new_connection(f, url, &opts);
	gs_relay_connection_connect(conn);
	WAIT_FOR(f->opened);
	opened_at = g_get_monotonic_time();
	/* WAIT_FOR gives up after 5 s: a timeout of several seconds needs two */
	if (read_timeout_ms >= 4000)
		WAIT_FOR(f->disconnect_reason != NULL ||
			 g_get_monotonic_time() - opened_at > 4500 * 1000);
	WAIT_FOR(f->disconnect_reason != NULL);
	g_assert_true(g_str_has_prefix(f->disconnect_reason, "read timeout"));
	/* never before the timeout; at most one check interval (a quarter of it, rounded to
	 * whole seconds from 4 s on) after it, plus scheduling slack */
	elapsed_ms = (g_get_monotonic_time() - opened_at) / 1000;
	g_assert_cmpint(elapsed_ms, >=, (gint64)read_timeout_ms - 50);
	g_assert_cmpint(elapsed_ms, <=, (gint64)read_timeout_ms * 5 / 4 + 1500);
	g_assert_cmpint(
		gs_relay_connection_get_status(conn), ==, GS_CONNECTION_STATUS_DISCONNECTED);
	g_socket_service_stop(service);
	g_socket_listener_close(G_SOCKET_LISTENER(service));
}

static void
conn_budget(Fixture *f, gconstpointer data)
{
	GsRelayConnectionOptions opts;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);

	gs_relay_connection_options_init(&opts);
	opts.max_subscriptions = 2;
	g_clear_object(&f->conn);
	f->conn = fixture_new_connection(f, f->url, &opts);
	fixture_connect(f);
	g_ptr_array_add(filters, gs_filter_new());
	for (guint i = 0; i < 2; i++) {
		g_autofree gchar *sub =
			gs_relay_connection_subscribe(f->conn, filters, NULL, NULL, NULL, &error);
		g_assert_no_error(error);
	}
	g_assert_null(gs_relay_connection_subscribe(f->conn, filters, NULL, NULL, NULL, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_BUSY);
}

static void
neg_cb(GsRelayConnection *conn,
       const gchar *sub_id,
       const gchar *hex,
       const GError *error,
       gpointer user_data)
{
	Fixture *f = user_data;
	g_ptr_array_add(f->ends,
			g_strdup_printf("%s|%d|%s",
					hex != NULL ? hex : "",
					error != NULL ? error->code : -1,
					error != NULL ? error->message : ""));
}

static void
script_no_negentropy(Fixture *f, SoupWebsocketConnection *peer, GsMessage *msg)
{
	if (msg->type == GS_MESSAGE_NEG_OPEN)
		soup_websocket_connection_send_text(peer,
						    "[\"NOTICE\",\"ERROR: unknown envelope\"]");
}

static const guint8 neg_initial[] = {0x61, 0x00, 0x00, 0x02, 0x00};

static void
conn_neg_unsupported(Fixture *f, gconstpointer data)
{
	g_autoptr(GsFilter) all = gs_filter_new_from_json("{}", -1, NULL);
	g_autoptr(GBytes) initial = g_bytes_new_static(neg_initial, sizeof(neg_initial));
	g_autoptr(GError) error = NULL;
	g_autofree gchar *neg = NULL;

	f->script = script_no_negentropy;
	fixture_connect(f);
	neg = gs_relay_connection_neg_open(f->conn, all, initial, neg_cb, f, &error);
	g_assert_no_error(error);
	WAIT_FOR(f->ends->len == 1);
	g_assert_cmpstr(g_ptr_array_index(f->ends, 0), ==, "|9|ERROR: unknown envelope");
	g_assert_cmpuint(gs_relay_connection_get_n_subscriptions(f->conn), ==, 0);
}

static void
script_neg_echo(Fixture *f, SoupWebsocketConnection *peer, GsMessage *msg)
{
	g_autofree gchar *text = NULL;
	/* what the client sent, through gs-nip77: one filter object and the message in hex */
	if (msg->type == GS_MESSAGE_NEG_OPEN) {
		g_assert_cmpuint(msg->filters->len, ==, 1);
		g_assert_cmpstr(msg->text, ==, "6100000200");
		text = g_strdup_printf("[\"NEG-MSG\",\"%s\",\"61\"]", msg->sub_id);
	} else if (msg->type == GS_MESSAGE_NEG_MSG) {
		g_assert_cmpstr(msg->text, ==, "6100");
		text = g_strdup_printf("[\"NEG-ERR\",\"%s\",\"closed: bye\"]", msg->sub_id);
	}
	if (text != NULL)
		soup_websocket_connection_send_text(peer, text);
}

static void
conn_neg_messages(Fixture *f, gconstpointer data)
{
	g_autoptr(GsFilter) kinds = gs_filter_new_from_json("{\"kinds\":[30617]}", -1, NULL);
	g_autoptr(GBytes) initial = g_bytes_new_static(neg_initial, sizeof(neg_initial));
	g_autoptr(GBytes) next = g_bytes_new_static(neg_initial, 2);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *neg = NULL;

	f->script = script_neg_echo;
	fixture_connect(f);
	neg = gs_relay_connection_neg_open(f->conn, kinds, initial, neg_cb, f, &error);
	WAIT_FOR(f->ends->len == 1);
	g_assert_cmpstr(g_ptr_array_index(f->ends, 0), ==, "61|-1|");
	g_assert_true(gs_relay_connection_neg_send(f->conn, neg, next, &error));
	WAIT_FOR(f->ends->len == 2);
	g_assert_cmpstr(g_ptr_array_index(f->ends, 1), ==, "|5|closed: bye");
	g_assert_false(gs_relay_connection_neg_send(f->conn, neg, next, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_NOT_FOUND);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
	ADD("/grasp-sync/relay-connection/subscribe-eose", conn_subscribe_eose);
	ADD("/grasp-sync/relay-connection/closed-prefix", conn_closed_prefix);
	ADD("/grasp-sync/relay-connection/auth", conn_auth);
	ADD("/grasp-sync/relay-connection/publish-ok", conn_publish_ok);
	ADD("/grasp-sync/relay-connection/publish-auth", conn_publish_auth);
	ADD("/grasp-sync/relay-connection/publish-aborted", conn_publish_aborted);
	ADD("/grasp-sync/relay-connection/notice-and-garbage", conn_notice_and_garbage);
	ADD("/grasp-sync/relay-connection/drop-aborts", conn_drop_aborts);
	ADD("/grasp-sync/relay-connection/reconnect-sequence", conn_reconnect_sequence);
	ADD("/grasp-sync/relay-connection/connect-refused", conn_connect_refused);
	ADD("/grasp-sync/relay-connection/connect-timeout", conn_connect_timeout);
	ADD("/grasp-sync/relay-connection/dead-peer", conn_dead_peer);
	/* 4 s: the watchdog runs on a whole-seconds timer shared with other connections */
	g_test_add("/grasp-sync/relay-connection/dead-peer-seconds",
		   Fixture,
		   GUINT_TO_POINTER(4000),
		   fixture_setup,
		   conn_dead_peer,
		   fixture_teardown);
	ADD("/grasp-sync/relay-connection/oversized-frame", conn_oversized_frame);
	ADD("/grasp-sync/relay-connection/budget", conn_budget);
	ADD("/grasp-sync/relay-connection/neg-unsupported", conn_neg_unsupported);
	ADD("/grasp-sync/relay-connection/neg-messages", conn_neg_messages);
#undef ADD
	return g_test_run();
}
