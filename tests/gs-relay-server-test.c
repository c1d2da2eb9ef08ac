/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-hex.h"
#include "gs-negentropy.h"
#include "gs-relay-server.h"
#include "gs-test-client.h"
#include "gs-test-relay.h"
#include "gs-test-utils.h"

#define WAIT_MS 5000
#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static GsRelayLimits
test_limits(void)
{
	GsRelayLimits limits;
	gs_relay_limits_init(&limits);
	limits.events_per_minute = 0;
	return limits;
}

/* @n events of @kind, created_at @base .. @base + n - 1, with @pad bytes of content */
static GPtrArray *
make_events(guint seed, guint n, gint64 base, guint kind, gsize pad)
{
	GPtrArray *events = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autofree gchar *content = g_strnfill(pad, 'x');

	for (guint i = 0; i < n; i++)
		g_ptr_array_add(events, gs_test_event_new(seed + i, base + i, kind, NULL, content));
	return events;
}

/* reads until EOSE for @sub; returns the ids of the EVENTs, in order */
static GPtrArray *
recv_until_eose(GsTestClient *client, const gchar *sub)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

	for (;;) {
		g_autoptr(GsMessage) msg = gs_test_client_recv_message(client, WAIT_MS);
		g_assert_nonnull(msg);
		g_assert_cmpstr(msg->sub_id, ==, sub);
		if (msg->type == GS_MESSAGE_EOSE)
			return ids;
		g_assert_cmpint(msg->type, ==, GS_MESSAGE_EVENT);
		g_ptr_array_add(ids,
				g_strdup(json_object_get_string_member(
					json_node_get_object(msg->event), "id")));
	}
}

static GsMessage *
recv_type(GsTestClient *client, GsMessageType type)
{
	GsMessage *msg = gs_test_client_recv_message(client, WAIT_MS);
	g_assert_nonnull(msg);
	g_assert_cmpstr(gs_message_type_to_string(msg->type), ==, gs_message_type_to_string(type));
	return msg;
}

/* the connection still works: a REQ for nothing gets its EOSE next */
static void
assert_alive(GsTestClient *client)
{
	g_autoptr(GsMessage) msg = NULL;

	gs_test_client_send(client, "[\"REQ\",\"ping\",{\"kinds\":[65000]}]");
	msg = recv_type(client, GS_MESSAGE_EOSE);
	g_assert_cmpstr(msg->sub_id, ==, "ping");
	gs_test_client_send(client, "[\"CLOSE\",\"ping\"]");
}

static void
assert_no_message(GsTestClient *client, guint ms)
{
	g_autofree gchar *text = gs_test_client_recv(client, ms);
	g_assert_cmpstr(text, ==, NULL);
}

static gboolean
wait_connections(GsTestRelay *relay, guint count, guint timeout_ms)
{
	gint64 end = g_get_monotonic_time() + timeout_ms * 1000;

	while (gs_test_relay_get_connection_count(relay) != count) {
		if (g_get_monotonic_time() > end)
			return FALSE;
		gs_test_iterate(10);
	}
	return TRUE;
}

/* NIP-11 ------------------------------------------------------------------------------------- */

typedef struct {
	GBytes *body;
	GError *error;
	gboolean done;
} HttpResult;

static void
http_get_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	HttpResult *r = user_data;
	r->body = soup_session_send_and_read_finish(SOUP_SESSION(source), res, &r->error);
	r->done = TRUE;
}

/* the server runs on this thread: the request must not block it */
static gchar *
http_get(const gchar *url, const gchar *accept, SoupMessage **msg_out)
{
	g_autoptr(SoupSession) session = soup_session_new();
	g_autoptr(SoupMessage) msg = soup_message_new(SOUP_METHOD_GET, url);
	HttpResult r = {0};
	gchar *body;

	if (accept != NULL)
		soup_message_headers_replace(
			soup_message_get_request_headers(msg), "Accept", accept);
	soup_session_send_and_read_async(session, msg, G_PRIORITY_DEFAULT, NULL, http_get_cb, &r);
	g_assert_true(gs_test_wait_until(&r.done, WAIT_MS));
	g_assert_no_error(r.error);
	body = g_strndup(g_bytes_get_data(r.body, NULL), g_bytes_get_size(r.body));
	g_bytes_unref(r.body);
	*msg_out = g_steal_pointer(&msg);
	return body;
}

static gboolean
nips_contain(JsonArray *nips, gint64 nip)
{
	for (guint i = 0; i < json_array_get_length(nips); i++) {
		if (json_array_get_int_element(nips, i) == nip)
			return TRUE;
	}
	return FALSE;
}

static void
test_nip11(void)
{
	GsRelayLimits limits = test_limits();
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(SoupMessage) msg = NULL;
	g_autoptr(SoupMessage) page_msg = NULL;
	g_autofree gchar *body = NULL;
	g_autofree gchar *page = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonObject *doc, *lim;
	SoupMessageHeaders *hdrs;

	limits.max_message_bytes = 100000;
	limits.max_subscriptions = 7;
	relay = gs_test_relay_new_full(NULL, &limits);
	gs_relay_server_set_info(gs_test_relay_get_server(relay),
				 "my relay",
				 "syncs git",
				 "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
				 NULL);
	body = http_get(gs_test_relay_get_http_url(relay), "application/nostr+json", &msg);
	g_assert_cmpuint(soup_message_get_status(msg), ==, 200);
	hdrs = soup_message_get_response_headers(msg);
	g_assert_cmpstr(
		soup_message_headers_get_content_type(hdrs, NULL), ==, "application/nostr+json");
	g_assert_cmpstr(soup_message_headers_get_one(hdrs, "Access-Control-Allow-Origin"), ==, "*");
	g_assert_nonnull(soup_message_headers_get_one(hdrs, "Access-Control-Allow-Headers"));
	g_assert_nonnull(soup_message_headers_get_one(hdrs, "Access-Control-Allow-Methods"));
	root = json_from_string(body, NULL);
	g_assert_nonnull(root);
	doc = json_node_get_object(root);
	g_assert_cmpstr(json_object_get_string_member(doc, "name"), ==, "my relay");
	g_assert_cmpstr(json_object_get_string_member(doc, "description"), ==, "syncs git");
	g_assert_cmpuint(strlen(json_object_get_string_member(doc, "pubkey")), ==, 64);
	g_assert_cmpstr(json_object_get_string_member(doc, "version"), ==, PACKAGE_VERSION);
	g_assert_nonnull(json_object_get_string_member(doc, "software"));
	for (guint i = 0; i < 6; i++) {
		const gint64 want[] = {1, 9, 11, 34, 45, 77};
		g_assert_true(
			nips_contain(json_object_get_array_member(doc, "supported_nips"), want[i]));
	}
	lim = json_object_get_object_member(doc, "limitation");
	g_assert_cmpint(json_object_get_int_member(lim, "max_message_length"), ==, 100000);
	g_assert_cmpint(json_object_get_int_member(lim, "max_subscriptions"), ==, 7);
	g_assert_cmpint(json_object_get_int_member(lim, "max_limit"), ==, 5000);
	g_assert_cmpint(json_object_get_int_member(lim, "max_subid_length"), ==, 64);
	g_assert_false(json_object_get_boolean_member(lim, "auth_required"));
	/* without the Accept header: the page */
	page = http_get(gs_test_relay_get_http_url(relay), NULL, &page_msg);
	g_assert_cmpuint(soup_message_get_status(page_msg), ==, 200);
	g_assert_nonnull(strstr(page, "<html>"));
}

/* the websocket is not compressed, so the slow-reader estimate counts real bytes */
static void
test_no_deflate(void)
{
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));
	SoupWebsocketConnection *conn = gs_test_client_get_connection(client);

	g_assert_null(soup_websocket_connection_get_extensions(conn));
	g_assert_cmpuint(gs_test_relay_get_connection_count(relay), ==, 1);
	assert_alive(client);
}

/* REQ ---------------------------------------------------------------------------------------- */

static void
assert_ids(GPtrArray *got, GPtrArray *events, gint first, gint last)
{
	gint step = first <= last ? 1 : -1;
	guint n = 0;

	for (gint i = first;; i += step) {
		GsEvent *ev = g_ptr_array_index(events, i);
		g_assert_cmpuint(n, <, got->len);
		g_assert_cmpstr(g_ptr_array_index(got, n), ==, gs_event_get_id(ev));
		n++;
		if (i == last)
			break;
	}
	g_assert_cmpuint(n, ==, got->len);
}

static GPtrArray *
req(GsTestClient *client, const gchar *sub, const gchar *filters)
{
	g_autofree gchar *text = g_strdup_printf("[\"REQ\",\"%s\",%s]", sub, filters);
	gs_test_client_send(client, text);
	return recv_until_eose(client, sub);
}

static void
test_req_limits(void)
{
	GsRelayLimits limits = test_limits();
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(GsTestClient) client = NULL;
	g_autoptr(GPtrArray) notes = make_events(100, 20, 1000, 1, 10);
	g_autoptr(GPtrArray) reactions = make_events(200, 3, 500, 7, 0);
	g_autoptr(GPtrArray) got = NULL;

	limits.default_limit = 5;
	limits.max_limit = 8;
	relay = gs_test_relay_new_full(NULL, &limits);
	gs_test_relay_add_events(relay, notes);
	gs_test_relay_add_events(relay, reactions);
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	/* no limit: the default, newest first */
	got = req(client, "a", "{\"kinds\":[1]}");
	assert_ids(got, notes, 19, 15);
	g_clear_pointer(&got, g_ptr_array_unref);
	/* above the maximum: clamped */
	got = req(client, "b", "{\"kinds\":[1],\"limit\":1000}");
	assert_ids(got, notes, 19, 12);
	g_clear_pointer(&got, g_ptr_array_unref);
	got = req(client, "c", "{\"kinds\":[1],\"limit\":2}");
	assert_ids(got, notes, 19, 18);
	g_clear_pointer(&got, g_ptr_array_unref);
	/* limit 0: only live events */
	got = req(client, "d", "{\"kinds\":[1],\"limit\":0}");
	g_assert_cmpuint(got->len, ==, 0);
	g_clear_pointer(&got, g_ptr_array_unref);
	/* two filters: the union, newest first */
	got = req(client, "e", "{\"kinds\":[1],\"limit\":1},{\"kinds\":[7]}");
	g_assert_cmpuint(got->len, ==, 4);
	g_assert_cmpstr(g_ptr_array_index(got, 0), ==, gs_event_get_id(notes->pdata[19]));
	g_assert_cmpstr(g_ptr_array_index(got, 1), ==, gs_event_get_id(reactions->pdata[2]));
	g_assert_cmpstr(g_ptr_array_index(got, 3), ==, gs_event_get_id(reactions->pdata[0]));
	g_clear_pointer(&got, g_ptr_array_unref);
	/* ids */
	{
		g_autofree gchar *f =
			g_strdup_printf("{\"ids\":[\"%s\"]}", gs_event_get_id(notes->pdata[3]));
		got = req(client, "f", f);
		assert_ids(got, notes, 3, 3);
	}
}

static void
test_req_live_close(void)
{
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));
	g_autoptr(GsEvent) note = gs_test_event_new(1, 2000, 1, NULL, "live");
	g_autoptr(GsEvent) other = gs_test_event_new(2, 2001, 7, NULL, "+");
	g_autoptr(GsEvent) late = gs_test_event_new(3, 2002, 1, NULL, "after close");
	g_autoptr(GPtrArray) got = NULL;
	g_autoptr(GsMessage) msg = NULL;

	got = req(client, "live", "{\"kinds\":[1]}");
	g_assert_cmpuint(got->len, ==, 0);
	gs_test_relay_add_event(relay, other);
	gs_test_relay_add_event(relay, note);
	msg = recv_type(client, GS_MESSAGE_EVENT);
	g_assert_cmpstr(msg->sub_id, ==, "live");
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(msg->event), "id"),
			==,
			gs_event_get_id(note));
	gs_test_client_send(client, "[\"CLOSE\",\"live\"]");
	/* CLOSE is not answered; an unknown id is ignored */
	gs_test_client_send(client, "[\"CLOSE\",\"never-opened\"]");
	assert_alive(client);
	gs_test_relay_add_event(relay, late);
	assert_no_message(client, 200);
}

/* an event stored while a REQ is replaying reaches the client exactly once, after EOSE */
static void
test_req_eose_boundary(void)
{
	GsRelayLimits limits = test_limits();
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(GsTestClient) client = NULL;
	g_autoptr(GPtrArray) stored = make_events(1000, 1500, 10000, 1, 400);
	g_autoptr(GPtrArray) fresh = make_events(5000, 15, 20000, 1, 10);
	g_autoptr(GPtrArray) old = make_events(6000, 15, 5000, 1, 10);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	guint replayed = 0, live = 0, next_fresh = 0;
	gboolean eose = FALSE;

	limits.max_limit = 5000;
	relay = gs_test_relay_new_full(NULL, &limits);
	gs_test_relay_add_events(relay, stored);
	/* newer events, and events older than every stored one: the replay would reach those
	 * later on, but they were stored after it started, so they come once, after EOSE */
	g_ptr_array_extend_and_steal(fresh, g_steal_pointer(&old));
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	gs_test_client_send(client, "[\"REQ\",\"b\",{\"kinds\":[1],\"limit\":5000}]");
	while (!eose || live < fresh->len) {
		g_autoptr(GsMessage) msg = gs_test_client_recv_message(client, WAIT_MS);
		const gchar *id;
		g_assert_nonnull(msg);
		if (msg->type == GS_MESSAGE_EOSE) {
			eose = TRUE;
			continue;
		}
		id = json_object_get_string_member(json_node_get_object(msg->event), "id");
		g_assert_true(g_hash_table_add(seen, g_strdup(id)));
		if (eose)
			live++;
		else
			replayed++;
		/* store a few fresh events at several points of the replay */
		if (!eose && next_fresh < fresh->len && replayed % 100 == 1) {
			for (guint i = 0; i < 5 && next_fresh < fresh->len; i++)
				gs_test_relay_add_event(relay, fresh->pdata[next_fresh++]);
		}
	}
	g_assert_cmpuint(replayed, ==, stored->len);
	g_assert_cmpuint(next_fresh, ==, fresh->len);
	for (guint i = 0; i < fresh->len; i++)
		g_assert_true(g_hash_table_contains(seen, gs_event_get_id(fresh->pdata[i])));
	assert_no_message(client, 200);
}

/* a long replay reads the store page by page: events deleted meanwhile are not sent */
static void
test_req_replay_deleted(void)
{
	GsRelayLimits limits = test_limits();
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(GsTestClient) client = NULL;
	g_autoptr(GPtrArray) stored = make_events(3000, 400, 10000, 1, 8 * 1024);
	g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GsMessage) first = NULL;

	relay = gs_test_relay_new_full(NULL, &limits);
	gs_test_relay_add_events(relay, stored);
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	gs_test_client_send(client, "[\"REQ\",\"t\",{\"kinds\":[1],\"limit\":400}]");
	first = recv_type(client, GS_MESSAGE_EVENT);
	g_ptr_array_add(
		got,
		g_strdup(json_object_get_string_member(json_node_get_object(first->event), "id")));
	/* the 10 oldest are sent last: delete them now (each author deletes its own) */
	for (guint i = 0; i < 10; i++) {
		const gchar *tags[] = {"e", gs_event_get_id(stored->pdata[i]), NULL, NULL};
		g_autoptr(GsEvent) del = gs_test_event_new(3000 + i, 20000, 5, tags, "");
		gs_test_relay_add_event(relay, del);
	}
	{
		g_autoptr(GPtrArray) rest = recv_until_eose(client, "t");
		g_ptr_array_extend_and_steal(got, g_steal_pointer(&rest));
	}
	g_assert_cmpuint(got->len, ==, 390);
	for (guint i = 0; i < got->len; i++)
		g_assert_cmpstr(
			g_ptr_array_index(got, i), ==, gs_event_get_id(stored->pdata[399 - i]));
}

/* a REQ with the id of an open one replaces it; a queued REQ can be closed before its turn */
static void
test_req_replace(void)
{
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	g_autoptr(GsTestClient) client = NULL;
	g_autoptr(GPtrArray) stored = make_events(1, 1200, 10000, 1, 300);
	g_autoptr(GPtrArray) got = NULL;
	g_autoptr(GsEvent) live = gs_test_event_new(9999, 30000, 1, NULL, "live");
	g_autoptr(GsMessage) msg = NULL;

	gs_test_relay_add_events(relay, stored);
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	gs_test_client_send(client, "[\"REQ\",\"a\",{\"kinds\":[1],\"limit\":1200}]");
	gs_test_client_send(client, "[\"REQ\",\"b\",{\"kinds\":[1],\"limit\":1200}]");
	gs_test_client_send(client, "[\"CLOSE\",\"b\"]");
	got = recv_until_eose(client, "a");
	g_assert_cmpuint(got->len, ==, 1200);
	g_clear_pointer(&got, g_ptr_array_unref);
	got = req(client, "a", "{\"kinds\":[1],\"limit\":3}");
	g_assert_cmpuint(got->len, ==, 3);
	gs_test_relay_add_event(relay, live);
	/* one EVENT: "a" was replaced (not duplicated) and "b" is gone */
	msg = recv_type(client, GS_MESSAGE_EVENT);
	g_assert_cmpstr(msg->sub_id, ==, "a");
	assert_no_message(client, 200);
}

/* refusals -------------------------------------------------------------------------------------
 */

static void
assert_closed(GsTestClient *client, const gchar *text, const gchar *sub, const gchar *prefix)
{
	g_autoptr(GsMessage) msg = NULL;

	gs_test_client_send(client, text);
	msg = recv_type(client, GS_MESSAGE_CLOSED);
	g_assert_cmpstr(msg->sub_id, ==, sub);
	if (!g_str_has_prefix(msg->text, prefix))
		g_error("CLOSED '%s' does not start with '%s'", msg->text, prefix);
}

static void
test_req_refusals(void)
{
	GsRelayLimits limits = test_limits();
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(GsTestClient) client = NULL;
	g_autofree gchar *long_id = g_strnfill(65, 's');
	g_autofree gchar *long_req = g_strdup_printf("[\"REQ\",\"%s\",{}]", long_id);
	g_autofree gchar *max_id = g_strnfill(64, 't');
	g_autofree gchar *max_req = g_strdup_printf("[\"REQ\",\"%s\",{\"limit\":0}]", max_id);

	limits.max_subscriptions = 3;
	limits.max_filters = 2;
	relay = gs_test_relay_new_full(NULL, &limits);
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	for (guint i = 0; i < 3; i++) {
		g_autofree gchar *sub = g_strdup_printf("s%u", i);
		g_autoptr(GPtrArray) got = req(client, sub, "{\"kinds\":[1]}");
	}
	assert_closed(client, "[\"REQ\",\"s3\",{}]", "s3", "blocked: too many subscriptions");
	/* re-using an open id is a replacement, not one more */
	{
		g_autoptr(GPtrArray) got = req(client, "s2", "{\"kinds\":[2]}");
	}
	gs_test_client_send(client, "[\"CLOSE\",\"s0\"]");
	{
		g_autoptr(GPtrArray) got = req(client, "s3", "{\"kinds\":[1]}");
	}
	gs_test_client_send(client, "[\"CLOSE\",\"s1\"]");
	assert_closed(client, "[\"REQ\",\"f\",{},{},{}]", "f", "blocked: too many filters");
	assert_closed(client, long_req, long_id, "invalid: subscription id longer than 64");
	assert_closed(client, "[\"REQ\",\"\",{}]", "", "invalid: empty subscription id");
	assert_closed(client, "[\"REQ\",\"k\",{\"kinds\":\"x\"}]", "k", "invalid: ");
	assert_closed(client, "[\"REQ\",\"k\",{\"search\":\"x\"}]", "k", "invalid: ");
	assert_closed(client, "[\"REQ\",\"k\",{\"ids\":[\"abc\"]}]", "k", "invalid: ");
	assert_closed(client, "[\"REQ\",\"k\",{\"limit\":-1}]", "k", "invalid: ");
	/* a 64-character id is fine */
	gs_test_client_send(client, max_req);
	{
		g_autoptr(GPtrArray) got = recv_until_eose(client, max_id);
	}
	gs_test_client_send(client, "[\"CLOSE\",\"s2\"]");
	assert_alive(client);
}

static void
test_message_too_big(void)
{
	GsRelayLimits limits = test_limits();
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(GsTestClient) client = NULL;
	g_autoptr(GsTestClient) again = NULL;
	g_autofree gchar *pad = g_strnfill(5000, 'a');
	g_autofree gchar *big = g_strdup_printf("[\"REQ\",\"x\",{\"#t\":[\"%s\"]}]", pad);

	limits.max_message_bytes = 4096;
	relay = gs_test_relay_new_full(NULL, &limits);
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	gs_test_client_send(client, big);
	g_assert_true(gs_test_client_wait_closed(client, WAIT_MS));
	g_assert_cmpuint(gs_test_client_get_close_code(client), ==, SOUP_WEBSOCKET_CLOSE_TOO_BIG);
	g_assert_true(wait_connections(relay, 0, WAIT_MS));
	again = gs_test_client_new(gs_test_relay_get_url(relay));
	assert_alive(again);
}

static void
test_connection_limit(void)
{
	GsRelayLimits limits = test_limits();
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(GsTestClient) a = NULL;
	g_autoptr(GsTestClient) b = NULL;
	g_autoptr(GsTestClient) c = NULL;
	g_autoptr(GError) error = NULL;

	limits.max_connections = 2;
	relay = gs_test_relay_new_full(NULL, &limits);
	a = gs_test_client_new(gs_test_relay_get_url(relay));
	b = gs_test_client_new(gs_test_relay_get_url(relay));
	c = gs_test_client_try_new(gs_test_relay_get_url(relay), &error);
	g_assert_null(c);
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_clear_pointer(&a, gs_test_client_free);
	g_assert_true(wait_connections(relay, 1, WAIT_MS));
	c = gs_test_client_new(gs_test_relay_get_url(relay));
	assert_alive(c);
	assert_alive(b);
}

static void
assert_ok(GsTestClient *client, GsEvent *ev, gboolean accepted, const gchar *prefix)
{
	g_autofree gchar *text = gs_message_build_client_event(ev);
	g_autoptr(GsMessage) msg = NULL;

	gs_test_client_send(client, text);
	msg = recv_type(client, GS_MESSAGE_OK);
	g_assert_cmpstr(msg->event_id, ==, gs_event_get_id(ev));
	g_assert_cmpint(msg->ok, ==, accepted);
	if (!g_str_has_prefix(msg->text, prefix))
		g_error("OK '%s' does not start with '%s'", msg->text, prefix);
}

/* with accept-events off EVENTs are refused; the rate limit comes first */
static void
test_event_refused(void)
{
	GsRelayLimits limits = test_limits();
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(GsTestClient) client = NULL;
	g_autoptr(GPtrArray) events = make_events(1, 3, 1000, 1, 0);
	g_autoptr(GsMessage) msg = NULL;

	limits.events_per_minute = 2;
	limits.accept_events = FALSE;
	relay = gs_test_relay_new_full(NULL, &limits);
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	assert_ok(client, events->pdata[0], FALSE, "blocked: this relay does not accept events");
	assert_ok(client, events->pdata[1], FALSE, "blocked: this relay does not accept events");
	assert_ok(client, events->pdata[2], FALSE, "rate-limited: at most 2 events a minute");
	/* an EVENT whose id cannot be named gets a NOTICE instead of OK */
	gs_test_client_send(client, "[\"EVENT\",{\"id\":42}]");
	msg = recv_type(client, GS_MESSAGE_NOTICE);
	g_assert_true(g_str_has_prefix(msg->text, "invalid: "));
	assert_alive(client);
}

/* sends @events without waiting for their OKs (read by the endpoint in one go), then reads an
 * OK for each: returns: how many were answered with @limited (refused), the others in
 * @checked (answered by the ingest, not rate-limited) */
static guint
send_unanswered(GsTestClient *client, GPtrArray *events, const gchar *limited, guint *checked)
{
	guint n = 0;

	for (guint i = 0; i < events->len; i++) {
		g_autofree gchar *text = gs_message_build_client_event(events->pdata[i]);
		gs_test_client_send(client, text);
	}
	*checked = 0;
	for (guint i = 0; i < events->len; i++) {
		g_autoptr(GsMessage) msg = recv_type(client, GS_MESSAGE_OK);
		if (g_str_has_prefix(msg->text, limited)) {
			g_assert_false(msg->ok);
			n++;
		} else {
			g_assert_false(g_str_has_prefix(msg->text, "rate-limited:"));
			(*checked)++;
		}
	}
	return n;
}

/* the EVENTs of one connection waiting to be checked are held to a budget in bytes: sent
 * without waiting for OKs (read by the endpoint in one go), three fit and the rest are
 * answered rate-limited at once; a lone event larger than the budget is still taken */
static void
test_event_checking_budget(void)
{
	GsRelayLimits limits = test_limits();
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(GsTestClient) client = NULL;
	g_autoptr(GPtrArray) events = make_events(10, 10, 1000, 1, 1000);
	g_autoptr(GsEvent) big = gs_test_event_new(30, 2000, 1, NULL, "big");
	g_autoptr(GPtrArray) huge = make_events(40, 1, 3000, 1, 8000);
	gsize len = strlen(gs_event_get_json(events->pdata[0]));
	guint limited, checked;

	for (guint i = 1; i < events->len; i++)
		g_assert_cmpuint(strlen(gs_event_get_json(events->pdata[i])), ==, len);
	limits.max_checking_bytes = 3 * len + len / 2;
	relay = gs_test_relay_new_full(NULL, &limits);
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	assert_alive(client);
	limited =
		send_unanswered(client, events, "rate-limited: too many events waiting", &checked);
	g_assert_cmpuint(checked, ==, 3);
	g_assert_cmpuint(limited, ==, 7);
	/* all answered: the budget is free again, and one event of any size passes */
	g_assert_cmpuint(strlen(gs_event_get_json(huge->pdata[0])), >, limits.max_checking_bytes);
	assert_ok(client, huge->pdata[0], FALSE, "blocked: ");
	assert_ok(client, big, FALSE, "blocked: ");
}

/* all connections together are held to what the ingest has waiting: with a large budget per
 * connection, three events sent without waiting fit under the relay's total and the rest are
 * answered rate-limited at once; answered, the total is free again */
static void
test_event_checking_total(void)
{
	GsRelayLimits limits = test_limits();
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(GsTestClient) client = NULL;
	g_autoptr(GPtrArray) events = make_events(50, 10, 1000, 1, 1000);
	g_autoptr(GsEvent) late = gs_test_event_new(60, 2000, 1, NULL, "late");
	gsize len = strlen(gs_event_get_json(events->pdata[0]));
	guint limited, checked;

	for (guint i = 1; i < events->len; i++)
		g_assert_cmpuint(strlen(gs_event_get_json(events->pdata[i])), ==, len);
	limits.max_checking_bytes = 100 * len;
	limits.max_checking_bytes_total = 3 * len + len / 2;
	relay = gs_test_relay_new_full(NULL, &limits);
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	assert_alive(client);
	limited = send_unanswered(
		client, events, "rate-limited: this relay has too many events waiting", &checked);
	g_assert_cmpuint(checked, ==, 3);
	g_assert_cmpuint(limited, ==, 7);
	assert_ok(client, late, FALSE, "blocked: ");
}

static GsEvent *
announcement(guint seed, const gchar *d)
{
	const gchar *tags[] = {"d", d, NULL, "name", d, NULL, NULL};
	return gs_test_event_new(seed, 1700000000, 30617, tags, "");
}

/* the OKs of stored and duplicate events, written without gs_message_build_ok(), are its
 * text byte for byte */
static void
test_event_ok_text(void)
{
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));
	g_autoptr(GsEvent) repo = announcement(1, "repo1");
	g_autofree gchar *text = gs_message_build_client_event(repo);
	const gchar *answers[] = {"", "duplicate: already have this event"};

	for (guint i = 0; i < G_N_ELEMENTS(answers); i++) {
		g_autofree gchar *want =
			gs_message_build_ok(gs_event_get_id(repo), TRUE, answers[i]);
		g_autofree gchar *got = NULL;

		gs_test_client_send(client, text);
		got = gs_test_client_recv(client, WAIT_MS);
		g_assert_cmpstr(got, ==, want);
	}
}

/* client EVENTs go through the ingest: the policy's outcome is the OK */
static void
test_event_ingest(void)
{
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));
	g_autoptr(GsTestClient) watcher = gs_test_client_new(gs_test_relay_get_url(relay));
	g_autoptr(GsEvent) repo = announcement(1, "repo1");
	g_autoptr(GsEvent) note = gs_test_event_new(2, 1700000000, 1, NULL, "hello");
	g_autofree gchar *coord = gs_event_dup_coordinate(repo);
	g_autofree gchar *other = g_strdup_printf("30617:%s:unknown", gs_event_get_pubkey(repo));
	const gchar *patch_tags[] = {"a", coord, NULL, NULL};
	const gchar *early_tags[] = {"a", other, NULL, NULL};
	g_autoptr(GsEvent) patch = gs_test_event_new(3, 1700000001, 1617, patch_tags, "diff");
	g_autoptr(GsEvent) early = gs_test_event_new(3, 1700000002, 1617, early_tags, "diff");
	g_autoptr(GsMessage) live = NULL;
	g_autoptr(GPtrArray) got = NULL;

	got = req(watcher, "w", "{\"kinds\":[30617,1617]}");
	g_assert_cmpuint(got->len, ==, 0);
	assert_ok(client, repo, TRUE, "");
	live = recv_type(watcher, GS_MESSAGE_EVENT);
	g_assert_cmpstr(json_object_get_string_member(json_node_get_object(live->event), "id"),
			==,
			gs_event_get_id(repo));
	assert_ok(client, repo, TRUE, "duplicate: ");
	assert_ok(client, patch, TRUE, "");
	assert_ok(client, note, FALSE, "blocked: unreferenced");
	/* a patch for a repository not known yet waits for it */
	{
		g_autofree gchar *waiting = g_strdup_printf("blocked: waiting for %s", other);
		assert_ok(client, early, FALSE, waiting);
	}
	g_clear_pointer(&got, g_ptr_array_unref);
	got = req(client, "q", "{\"kinds\":[30617,1617]}");
	g_assert_cmpuint(got->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(got, 0), ==, gs_event_get_id(patch));
}

/* events the ingest finds invalid: named by the id in the message when it has one */
static void
test_event_invalid(void)
{
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));
	g_autoptr(GsEvent) repo = announcement(1, "repo1");
	g_autofree gchar *json = g_strdup(gs_event_get_json(repo));
	g_autofree gchar *forged = NULL;
	g_autoptr(GsMessage) ok = NULL;
	g_autoptr(GsMessage) notice = NULL;
	gchar *content = strstr(json, "\"content\":\"\"");

	/* same id, other content: the id no longer matches */
	g_assert_nonnull(content);
	forged = g_strdup_printf("[\"EVENT\",%.*s\"content\":\"x\"%s]",
				 (int)(content - json),
				 json,
				 content + strlen("\"content\":\"\""));
	gs_test_client_send(client, forged);
	ok = recv_type(client, GS_MESSAGE_OK);
	g_assert_cmpstr(ok->event_id, ==, gs_event_get_id(repo));
	g_assert_false(ok->ok);
	g_assert_cmpstr(ok->text, ==, "invalid: bad-id");
	/* not an event at all, but with an id */
	gs_test_client_send(client, "[\"EVENT\",{\"kind\":\"x\",\"id\":\"" ID64 "\"}]");
	g_clear_pointer(&ok, gs_message_free);
	ok = recv_type(client, GS_MESSAGE_OK);
	g_assert_cmpstr(ok->event_id, ==, ID64);
	g_assert_true(g_str_has_prefix(ok->text, "invalid: "));
	/* no id: a NOTICE */
	gs_test_client_send(client, "[\"EVENT\",{\"kind\":1}]");
	notice = recv_type(client, GS_MESSAGE_NOTICE);
	g_assert_true(g_str_has_prefix(notice->text, "invalid: event has no valid id (invalid: "));
	assert_alive(client);
}

/* the answer of an event whose client left meanwhile goes nowhere */
static void
test_event_client_gone(void)
{
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	GsIngest *ingest = gs_test_relay_get_ingest(relay);
	g_autoptr(GsEvent) repo = announcement(1, "gone");
	g_autofree gchar *text = gs_message_build_client_event(repo);
	GsTestClient *client = gs_test_client_new(gs_test_relay_get_url(relay));
	g_autoptr(GsEvent) stored = NULL;

	gs_test_client_send(client, text);
	gs_test_client_free(client);
	while (gs_ingest_get_pending(ingest) > 0 || gs_test_relay_get_connection_count(relay) > 0)
		gs_test_iterate(10);
	stored = gs_store_get_event(gs_test_relay_get_store(relay), gs_event_get_id(repo), NULL);
	g_assert_nonnull(stored);
}

static void
test_auth_count(void)
{
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	g_autoptr(GsTestClient) client = NULL;
	g_autoptr(GPtrArray) notes = make_events(1, 6, 1000, 1, 0);
	g_autoptr(GsEvent) auth = gs_test_event_new(7, 1000, 22242, NULL, "");
	g_autofree gchar *auth_text = gs_message_build_auth(auth);
	g_autoptr(GsMessage) msg = NULL;
	g_autoptr(GsMessage) count = NULL;
	g_autoptr(GsMessage) approx = NULL;

	gs_test_relay_add_events(relay, notes);
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	gs_test_client_send(client, auth_text);
	msg = recv_type(client, GS_MESSAGE_OK);
	g_assert_cmpstr(msg->event_id, ==, gs_event_get_id(auth));
	g_assert_false(msg->ok);
	g_assert_true(g_str_has_prefix(msg->text, "restricted: "));
	gs_test_client_send(client, "[\"COUNT\",\"c\",{\"kinds\":[1],\"since\":1002}]");
	count = recv_type(client, GS_MESSAGE_COUNT);
	g_assert_cmpstr(count->sub_id, ==, "c");
	g_assert_cmpint(
		json_object_get_int_member(json_node_get_object(count->event), "count"), ==, 4);
	g_assert_false(json_object_has_member(json_node_get_object(count->event), "approximate"));
	/* two filters are summed, and say so */
	gs_test_client_send(client, "[\"COUNT\",\"d\",{\"kinds\":[1]},{\"since\":1004}]");
	approx = recv_type(client, GS_MESSAGE_COUNT);
	g_assert_cmpint(
		json_object_get_int_member(json_node_get_object(approx->event), "count"), ==, 8);
	g_assert_true(
		json_object_get_boolean_member(json_node_get_object(approx->event), "approximate"));
	assert_closed(client, "[\"COUNT\",\"e\",{\"kinds\":[-4]}]", "e", "invalid: ");
}

/* bad input: each message gets its answer and the connection carries on ------------------------
 */

typedef struct {
	const gchar *text;
	GsMessageType answer;
	const gchar *prefix;
} BadInput;

static const BadInput bad_inputs[] = {
	{"", GS_MESSAGE_NOTICE, "invalid: "},
	{"not json", GS_MESSAGE_NOTICE, "invalid: "},
	{"{}", GS_MESSAGE_NOTICE, "invalid: "},
	{"[]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[1,2]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"REQ\"]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"REQ\",\"s\"]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"REQ\",\"s\",1]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"REQ\",5,{}]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"REQ\",\"s\",{\"kinds\":[-1]}]", GS_MESSAGE_CLOSED, "invalid: "},
	{"[\"REQ\",\"s\",{\"#tag\":[\"x\"]}]", GS_MESSAGE_CLOSED, "invalid: "},
	{"[\"CLOSE\"]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"CLOSE\",\"a\",\"b\"]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"EVENT\"]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"EVENT\",{}]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"EVENT\",{]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"EVENT\",\"sub\",{}]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"COUNT\",\"c\"]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"HELLO\",1]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"EOSE\",\"x\"]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"OK\",\"x\",true,\"\"]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	 GS_MESSAGE_NOTICE,
	 "invalid: "},
	{"[\"NEG-OPEN\",\"n\",{},\"zz\"]", GS_MESSAGE_NEG_ERR, "closed: "},
	{"[\"NEG-OPEN\",\"n\",{},\"6100\",\"x\"]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"NEG-OPEN\",\"n\",[],\"61\"]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"NEG-OPEN\",\"n\",{\"bogus\":1},\"61\"]", GS_MESSAGE_NEG_ERR, "closed: bad filter"},
	{"[\"NEG-OPEN\",\"n\",{},\"\"]", GS_MESSAGE_NEG_ERR, "closed: "},
	{"[\"NEG-OPEN\",\"n\",{},\"7000\"]", GS_MESSAGE_NEG_ERR, "closed: "},
	{"[\"NEG-MSG\",\"unknown\",\"61\"]", GS_MESSAGE_NEG_ERR, "closed: unknown subscription"},
	{"[\"NEG-MSG\",\"n\"]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"NEG-CLOSE\"]", GS_MESSAGE_NOTICE, "invalid: "},
	/* lone surrogates (json-glib would decode them to bytes that are not UTF-8) */
	{"[\"REQ\",\"a\\ud800b\",{}]", GS_MESSAGE_NOTICE, "invalid: "},
	{"[\"NEG-OPEN\",\"\\udfff\",{},\"61\"]", GS_MESSAGE_NOTICE, "invalid: "},
	/* quoted in the answer, cut at a byte count: the answer must still be UTF-8 */
	{"[\"x\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
	 "\u00e9\u00e9"
	 "\u00e9\u00e9\u00e9\"]",
	 GS_MESSAGE_NOTICE,
	 "invalid: "},
	{"[\"REQ\",\"s\",{\"#"
	 "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
	 "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\":[]}]",
	 GS_MESSAGE_CLOSED,
	 "invalid: "},
	{"[\"NEG-OPEN\",\"n\",{"
	 "\"x\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
	 "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\":1},\"61\"]",
	 GS_MESSAGE_NEG_ERR,
	 "closed: bad filter"},
};

static void
test_bad_input(gconstpointer data)
{
	const BadInput *bad = data;
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));
	g_autoptr(GsMessage) msg = NULL;

	gs_test_client_send(client, bad->text);
	msg = recv_type(client, bad->answer);
	if (!g_str_has_prefix(msg->text, bad->prefix))
		g_error("answer '%s' to %s does not start with '%s'",
			msg->text,
			bad->text,
			bad->prefix);
	assert_alive(client);
}

static void
test_binary_frame(void)
{
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));
	g_autoptr(GsMessage) msg = NULL;
	const guint8 bin[] = {0x00, 0xff, 0x5b, 0x5d};

	gs_test_client_send_binary(client, bin, sizeof(bin));
	msg = recv_type(client, GS_MESSAGE_NOTICE);
	g_assert_true(g_str_has_prefix(msg->text, "invalid: binary"));
	assert_alive(client);
}

/* a client that goes away in the middle of a replay leaves nothing behind */
static void
test_disconnect_during_replay(void)
{
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(NULL);
	g_autoptr(GPtrArray) stored = make_events(1, 1000, 10000, 1, 1000);
	g_autoptr(GsTestClient) other = NULL;
	GsTestClient *client;
	g_autofree gchar *first = NULL;

	gs_test_relay_add_events(relay, stored);
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	gs_test_client_send(client, "[\"REQ\",\"r\",{\"limit\":1000}]");
	first = gs_test_client_recv(client, WAIT_MS);
	g_assert_nonnull(first);
	gs_test_client_free(client);
	g_assert_true(wait_connections(relay, 0, WAIT_MS));
	other = gs_test_client_new(gs_test_relay_get_url(relay));
	assert_alive(other);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/relay-server/nip11", test_nip11);
	g_test_add_func("/grasp-sync/relay-server/event-ok-text", test_event_ok_text);
	g_test_add_func("/grasp-sync/relay-server/no-deflate", test_no_deflate);
	g_test_add_func("/grasp-sync/relay-server/req-limits", test_req_limits);
	g_test_add_func("/grasp-sync/relay-server/req-live-close", test_req_live_close);
	g_test_add_func("/grasp-sync/relay-server/req-eose-boundary", test_req_eose_boundary);
	g_test_add_func("/grasp-sync/relay-server/req-replay-deleted", test_req_replay_deleted);
	g_test_add_func("/grasp-sync/relay-server/req-replace", test_req_replace);
	g_test_add_func("/grasp-sync/relay-server/req-refusals", test_req_refusals);
	g_test_add_func("/grasp-sync/relay-server/message-too-big", test_message_too_big);
	g_test_add_func("/grasp-sync/relay-server/connection-limit", test_connection_limit);
	g_test_add_func("/grasp-sync/relay-server/event-refused", test_event_refused);
	g_test_add_func("/grasp-sync/relay-server/event-ingest", test_event_ingest);
	g_test_add_func("/grasp-sync/relay-server/event-checking-budget",
			test_event_checking_budget);
	g_test_add_func("/grasp-sync/relay-server/event-checking-total", test_event_checking_total);
	g_test_add_func("/grasp-sync/relay-server/event-invalid", test_event_invalid);
	g_test_add_func("/grasp-sync/relay-server/event-client-gone", test_event_client_gone);
	g_test_add_func("/grasp-sync/relay-server/auth-count", test_auth_count);
	g_test_add_func("/grasp-sync/relay-server/binary-frame", test_binary_frame);
	g_test_add_func("/grasp-sync/relay-server/disconnect-during-replay",
			test_disconnect_during_replay);
	for (guint i = 0; i < G_N_ELEMENTS(bad_inputs); i++) {
		g_autofree gchar *path =
			g_strdup_printf("/grasp-sync/relay-server/bad-input/%u", i);
		g_test_add_data_func(path, &bad_inputs[i], test_bad_input);
	}
	return g_test_run();
}
