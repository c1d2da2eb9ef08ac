/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "gs-relay-client.h"
#include "gs-test-client.h"
#include "gs-test-relay.h"
#include "gs-test-utils.h"

#define WAIT_MS 10000

/*
 * A client that completes the websocket handshake, sends what it is told and then never reads
 * again: its receive buffer is small, so the relay's data piles up on the relay's side.
 */
typedef struct {
	GSocket *socket;
} StuckClient;

static void
stuck_client_read_handshake(StuckClient *self)
{
	GString *got = g_string_new(NULL);
	gint64 end = g_get_monotonic_time() + WAIT_MS * 1000;

	/* the relay runs on this thread: let it answer between non-blocking reads */
	while (strstr(got->str, "\r\n\r\n") == NULL) {
		gchar c;
		gssize n = g_socket_receive(self->socket, &c, 1, NULL, NULL);
		if (n == 1) {
			g_string_append_c(got, c);
			continue;
		}
		g_assert_cmpint(g_get_monotonic_time(), <, end);
		gs_test_iterate(5);
	}
	g_assert_true(g_str_has_prefix(got->str, "HTTP/1.1 101"));
	g_string_free(got, TRUE);
}

static StuckClient *
stuck_client_new(guint16 port)
{
	StuckClient *self = g_new0(StuckClient, 1);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) addr = g_inet_socket_address_new(lo, port);
	g_autoptr(GError) error = NULL;
	const gchar *req = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
			   "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			   "Sec-WebSocket-Version: 13\r\n\r\n";

	self->socket = g_socket_new(
		G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
	g_assert_no_error(error);
	/* before connecting, so that the advertised window stays small */
	g_assert_true(g_socket_set_option(self->socket, SOL_SOCKET, SO_RCVBUF, 4096, &error));
	g_assert_true(g_socket_connect(self->socket, addr, NULL, &error));
	g_assert_no_error(error);
	g_socket_set_blocking(self->socket, FALSE);
	g_assert_cmpint(
		g_socket_send(self->socket, req, strlen(req), NULL, &error), ==, strlen(req));
	stuck_client_read_handshake(self);
	return self;
}

/* one masked text frame (client frames must be masked); @text need not be UTF-8 */
static void
stuck_client_send_len(StuckClient *self, const gchar *text, gsize len)
{
	g_autoptr(GByteArray) frame = g_byte_array_new();
	const guint8 mask[4] = {0x12, 0x34, 0x56, 0x78};
	guint8 head[4] = {0x81, 0x80, 0, 0};
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(len, <, 65536);
	if (len < 126) {
		head[1] |= (guint8)len;
		g_byte_array_append(frame, head, 2);
	} else {
		head[1] |= 126;
		head[2] = (guint8)(len >> 8);
		head[3] = (guint8)(len & 0xff);
		g_byte_array_append(frame, head, 4);
	}
	g_byte_array_append(frame, mask, 4);
	for (gsize i = 0; i < len; i++) {
		guint8 b = (guint8)text[i] ^ mask[i % 4];
		g_byte_array_append(frame, &b, 1);
	}
	g_assert_cmpint(
		g_socket_send(self->socket, (const gchar *)frame->data, frame->len, NULL, &error),
		==,
		frame->len);
}

static void
stuck_client_send(StuckClient *self, const gchar *text)
{
	stuck_client_send_len(self, text, strlen(text));
}

/* reads what the relay sent (the handshake is already consumed) until it closes */
static GByteArray *
stuck_client_read_all(StuckClient *self)
{
	GByteArray *got = g_byte_array_new();
	gint64 end = g_get_monotonic_time() + WAIT_MS * 1000;

	for (;;) {
		guint8 buf[256];
		g_autoptr(GError) error = NULL;
		gssize n = g_socket_receive(self->socket, (gchar *)buf, sizeof(buf), NULL, &error);
		if (n == 0)
			return got;
		if (n > 0) {
			g_byte_array_append(got, buf, n);
			continue;
		}
		g_assert_true(g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK));
		g_assert_cmpint(g_get_monotonic_time(), <, end);
		gs_test_iterate(5);
	}
}

static void
stuck_client_free(StuckClient *self)
{
	g_socket_close(self->socket, NULL);
	g_object_unref(self->socket);
	g_free(self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(StuckClient, stuck_client_free)

static guint16
relay_port(GsTestRelay *relay)
{
	const gchar *url = gs_test_relay_get_url(relay);
	return (guint16)g_ascii_strtoull(strrchr(url, ':') + 1, NULL, 10);
}

static GsRelayClient *
only_client(GsTestRelay *relay)
{
	g_autoptr(GList) clients = gs_relay_server_get_clients(gs_test_relay_get_server(relay));
	g_assert_cmpuint(g_list_length(clients), ==, 1);
	return clients->data;
}

/* the connection accepted last, referenced */
static GsRelayClient *
newest_client(GsTestRelay *relay)
{
	g_autoptr(GList) clients = gs_relay_server_get_clients(gs_test_relay_get_server(relay));
	GsRelayClient *newest = NULL;

	for (GList *l = clients; l != NULL; l = l->next) {
		if (newest == NULL ||
		    gs_relay_client_get_id(l->data) > gs_relay_client_get_id(newest))
			newest = l->data;
	}
	g_assert_nonnull(newest);
	return g_object_ref(newest);
}

static gboolean
wait_connections(GsTestRelay *relay, guint count)
{
	gint64 end = g_get_monotonic_time() + WAIT_MS * 1000;

	while (gs_test_relay_get_connection_count(relay) != count) {
		if (g_get_monotonic_time() > end)
			return FALSE;
		gs_test_iterate(10);
	}
	return TRUE;
}

static GsEvent *
big_event(guint seed, gsize size)
{
	g_autofree gchar *content = g_strnfill(size, 'z');
	return gs_test_event_new(seed, 1000 + seed, 1, NULL, content);
}

/* live events to a client that stopped reading: closed once over the bound, while a client
 * that reads gets every event */
static void
test_slow_reader_live(void)
{
	GsRelayLimits limits;
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(StuckClient) stuck = NULL;
	g_autoptr(GsTestClient) good = NULL;
	g_autofree gchar *eose = NULL;
	g_autoptr(GsRelayClient) stuck_peer = NULL;
	guint stored = 0, received = 0;

	gs_relay_limits_init(&limits);
	limits.max_pending_bytes = 256 * 1024;
	relay = gs_test_relay_new_full(NULL, &limits);
	good = gs_test_client_new(gs_test_relay_get_url(relay));
	gs_test_client_send(good, "[\"REQ\",\"g\",{\"kinds\":[1],\"limit\":0}]");
	eose = gs_test_client_recv(good, WAIT_MS);
	g_assert_cmpstr(eose, ==, "[\"EOSE\",\"g\"]");
	stuck = stuck_client_new(relay_port(relay));
	stuck_client_send(stuck, "[\"REQ\",\"s\",{\"kinds\":[1],\"limit\":0}]");
	g_assert_true(wait_connections(relay, 2));
	gs_test_iterate(50);
	stuck_peer = newest_client(relay);
	while (gs_relay_client_is_open(stuck_peer)) {
		g_autoptr(GsEvent) ev = big_event(++stored, 16 * 1024);
		g_assert_cmpuint(stored, <, 400);
		gs_test_relay_add_event(relay, ev);
		for (;;) {
			g_autofree gchar *msg = gs_test_client_recv(good, 1);
			if (msg == NULL)
				break;
			received++;
		}
	}
	/* the bound and both kernel buffers: far fewer than 400 events */
	g_assert_cmpuint(stored, >, 10);
	/* it cannot read the close frame: it is dropped after a grace period */
	g_assert_true(wait_connections(relay, 1));
	g_assert_true(gs_test_relay_get_connection_count(relay) == 1);
	while (received < stored) {
		g_autofree gchar *msg = gs_test_client_recv(good, WAIT_MS);
		g_assert_nonnull(msg);
		g_assert_true(g_str_has_prefix(msg, "[\"EVENT\",\"g\","));
		received++;
	}
}

/* a replay to a client that stopped reading waits at the low-water mark, then the client is
 * closed for making no progress; the queue stays within the bound meanwhile */
static void
test_slow_reader_replay(void)
{
	GsRelayLimits limits;
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(StuckClient) stuck = NULL;
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	guint64 max_pending = 0;

	gs_relay_limits_init(&limits);
	limits.max_pending_bytes = 1024 * 1024;
	limits.write_timeout_seconds = 1;
	relay = gs_test_relay_new_full(NULL, &limits);
	for (guint i = 0; i < 200; i++)
		g_ptr_array_add(events, big_event(i + 1, 16 * 1024));
	gs_test_relay_add_events(relay, events);
	stuck = stuck_client_new(relay_port(relay));
	stuck_client_send(stuck, "[\"REQ\",\"s\",{\"kinds\":[1],\"limit\":200}]");
	g_assert_true(wait_connections(relay, 1));
	while (gs_test_relay_get_connection_count(relay) == 1) {
		GsRelayClient *client = only_client(relay);
		if (gs_relay_client_is_open(client))
			max_pending = MAX(max_pending, gs_relay_client_get_pending_bytes(client));
		gs_test_iterate(20);
	}
	/* it did fill up to the low-water mark (256 KiB here) and not much beyond */
	g_assert_cmpuint(max_pending, >=, 256 * 1024);
	g_assert_cmpuint(max_pending, <=, 256 * 1024 + 32 * 1024);
}

/* a text frame that is not UTF-8 (a libsoup client cannot even send one): libsoup closes
 * the connection with 1007, the relay carries on */
static void
test_invalid_utf8(void)
{
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	g_autoptr(StuckClient) raw = stuck_client_new(relay_port(relay));
	g_autoptr(GsTestClient) other = NULL;
	g_autoptr(GByteArray) got = NULL;
	g_autofree gchar *eose = NULL;
	const gchar bad[] = "[\"REQ\",\"\xff\xfe\",{}]";

	stuck_client_send_len(raw, bad, sizeof(bad) - 1);
	got = stuck_client_read_all(raw);
	/* a close frame: 0x88, length, code 1007 */
	g_assert_cmpuint(got->len, >=, 4);
	g_assert_cmpuint(got->data[0], ==, 0x88);
	g_assert_cmpuint((got->data[2] << 8) | got->data[3], ==, SOUP_WEBSOCKET_CLOSE_BAD_DATA);
	g_assert_true(wait_connections(relay, 0));
	other = gs_test_client_new(gs_test_relay_get_url(relay));
	gs_test_client_send(other, "[\"REQ\",\"x\",{\"limit\":0}]");
	eose = gs_test_client_recv(other, WAIT_MS);
	g_assert_cmpstr(eose, ==, "[\"EOSE\",\"x\"]");
}

/* a reading client's queue drains back to nothing */
static void
test_pending_drains(void)
{
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	g_autoptr(GsTestClient) client = NULL;
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	guint n = 0;

	for (guint i = 0; i < 100; i++)
		g_ptr_array_add(events, big_event(i + 1, 8 * 1024));
	gs_test_relay_add_events(relay, events);
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	gs_test_client_send(client, "[\"REQ\",\"r\",{\"limit\":100}]");
	for (;;) {
		g_autofree gchar *msg = gs_test_client_recv(client, WAIT_MS);
		g_assert_nonnull(msg);
		if (g_str_has_prefix(msg, "[\"EOSE\""))
			break;
		n++;
	}
	g_assert_cmpuint(n, ==, 100);
	gs_test_iterate(50);
	g_assert_cmpuint(gs_relay_client_get_pending_bytes(only_client(relay)), ==, 0);
	g_assert_cmpuint(gs_relay_client_get_subscription_count(only_client(relay)), ==, 1);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/relay-client/slow-reader-live", test_slow_reader_live);
	g_test_add_func("/grasp-sync/relay-client/slow-reader-replay", test_slow_reader_replay);
	g_test_add_func("/grasp-sync/relay-client/pending-drains", test_pending_drains);
	g_test_add_func("/grasp-sync/relay-client/invalid-utf8", test_invalid_utf8);
	return g_test_run();
}
