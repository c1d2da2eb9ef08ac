/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-test-client.h"
#include "gs-test-relay.h"
#include "gs-test-utils.h"

/* the misbehaving test relay does what each knob says */

#define WAIT_MS 5000

static GsTestRelay *
relay_with_notes(GsTestRelayFlags flags, guint n)
{
	GsTestRelayKnobs knobs = {.flags = flags};
	GsTestRelay *relay = gs_test_relay_new(&knobs);

	for (guint i = 0; i < n; i++) {
		g_autoptr(GsEvent) ev = gs_test_event_new(i + 1, 1000 + i, 1, NULL, "note");
		gs_test_relay_add_event(relay, ev);
	}
	return relay;
}

static gchar *
recv_text(GsTestClient *client)
{
	gchar *text = gs_test_client_recv(client, WAIT_MS);
	g_assert_nonnull(text);
	return text;
}

static void
assert_prefix(GsTestClient *client, const gchar *prefix)
{
	g_autofree gchar *text = recv_text(client);
	if (!g_str_has_prefix(text, prefix))
		g_error("'%s' does not start with '%s'", text, prefix);
}

static void
assert_silent(GsTestClient *client, guint ms)
{
	g_autofree gchar *text = gs_test_client_recv(client, ms);
	g_assert_cmpstr(text, ==, NULL);
}

static void
test_well_behaved(void)
{
	g_autoptr(GsTestRelay) relay = relay_with_notes(GS_TEST_RELAY_NONE, 3);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));
	GPtrArray *log;

	g_assert_true(g_str_has_prefix(gs_test_relay_get_url(relay), "ws://127.0.0.1:"));
	g_assert_true(g_str_has_prefix(gs_test_relay_get_http_url(relay), "http://127.0.0.1:"));
	gs_test_client_send(client, "[\"REQ\",\"a\",{\"kinds\":[1]}]");
	for (guint i = 0; i < 3; i++)
		assert_prefix(client, "[\"EVENT\",\"a\",");
	assert_prefix(client, "[\"EOSE\",\"a\"]");
	gs_test_client_send(client, "[\"NEG-OPEN\",\"n\",{},\"6100000200\"]");
	assert_prefix(client, "[\"NEG-MSG\",\"n\",");
	g_assert_cmpuint(gs_test_relay_get_received(relay, GS_MESSAGE_REQ), ==, 1);
	g_assert_cmpuint(gs_test_relay_get_received(relay, GS_MESSAGE_NEG_OPEN), ==, 1);
	g_assert_cmpuint(gs_test_relay_get_received(relay, GS_MESSAGE_EVENT), ==, 0);
	log = gs_test_relay_get_log(relay);
	g_assert_cmpuint(log->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(log, 0), ==, "[\"REQ\",\"a\",{\"kinds\":[1]}]");
	gs_test_relay_reset_counters(relay);
	g_assert_cmpuint(gs_test_relay_get_received(relay, GS_MESSAGE_REQ), ==, 0);
	g_assert_cmpuint(log->len, ==, 0);
	g_assert_cmpuint(gs_test_relay_get_connection_count(relay), ==, 1);
}

static void
test_no_nip77(void)
{
	g_autoptr(GsTestRelay) relay = relay_with_notes(GS_TEST_RELAY_NO_NIP77, 1);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));

	gs_test_client_send(client, "[\"NEG-OPEN\",\"n\",{},\"6100000200\"]");
	assert_prefix(client, "[\"NOTICE\",\"unknown envelope\"]");
	g_assert_cmpuint(gs_test_relay_get_received(relay, GS_MESSAGE_NEG_OPEN), ==, 1);
	/* REQ still works */
	gs_test_client_send(client, "[\"REQ\",\"a\",{}]");
	assert_prefix(client, "[\"EVENT\",\"a\",");
	assert_prefix(client, "[\"EOSE\",\"a\"]");
}

static void
test_neg_silent(void)
{
	g_autoptr(GsTestRelay) relay = relay_with_notes(GS_TEST_RELAY_NEG_SILENT, 1);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));

	gs_test_client_send(client, "[\"NEG-OPEN\",\"n\",{},\"6100000200\"]");
	assert_silent(client, 300);
	g_assert_cmpuint(gs_test_relay_get_received(relay, GS_MESSAGE_NEG_OPEN), ==, 1);
}

static void
test_ids_not_served(void)
{
	g_autoptr(GsTestRelay) relay = relay_with_notes(GS_TEST_RELAY_IDS_NOT_SERVED, 0);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));
	g_autoptr(GsEvent) ev = gs_test_event_new(1, 1000, 1, NULL, "listed");
	g_autofree gchar *by_id = NULL;

	gs_test_relay_add_event(relay, ev);
	/* negentropy lists it */
	gs_test_client_send(client, "[\"NEG-OPEN\",\"n\",{},\"6100000200\"]");
	{
		g_autofree gchar *text = recv_text(client);
		g_assert_nonnull(strstr(text, gs_event_get_id(ev)));
	}
	/* but a REQ by id does not serve it */
	by_id = g_strdup_printf("[\"REQ\",\"i\",{\"ids\":[\"%s\"]}]", gs_event_get_id(ev));
	gs_test_client_send(client, by_id);
	assert_prefix(client, "[\"EOSE\",\"i\"]");
	gs_test_client_send(client, "[\"REQ\",\"k\",{\"kinds\":[1]}]");
	assert_prefix(client, "[\"EVENT\",\"k\",");
}

static void
test_no_eose(void)
{
	g_autoptr(GsTestRelay) relay = relay_with_notes(GS_TEST_RELAY_NO_EOSE, 2);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));

	gs_test_client_send(client, "[\"REQ\",\"a\",{}]");
	assert_prefix(client, "[\"EVENT\",\"a\",");
	assert_prefix(client, "[\"EVENT\",\"a\",");
	assert_silent(client, 300);
}

static void
test_refuse_req(void)
{
	GsTestRelayKnobs knobs = {.flags = GS_TEST_RELAY_REFUSE_REQ,
				  .closed_text = "rate-limited: slow down"};
	g_autoptr(GsTestRelay) relay = gs_test_relay_new(&knobs);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));

	gs_test_client_send(client, "[\"REQ\",\"a\",{}]");
	assert_prefix(client, "[\"CLOSED\",\"a\",\"rate-limited: slow down\"]");
	/* the default text, after changing the knobs at run time */
	knobs.closed_text = NULL;
	gs_test_relay_set_knobs(relay, &knobs);
	gs_test_client_send(client, "[\"REQ\",\"b\",{}]");
	assert_prefix(client, "[\"CLOSED\",\"b\",\"blocked: ");
	gs_test_relay_set_knobs(relay, NULL);
	gs_test_client_send(client, "[\"REQ\",\"c\",{}]");
	assert_prefix(client, "[\"EOSE\",\"c\"]");
}

static void
test_notice_rate_limited(void)
{
	g_autoptr(GsTestRelay) relay = relay_with_notes(GS_TEST_RELAY_NOTICE_RATE_LIMITED, 1);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));

	gs_test_client_send(client, "[\"REQ\",\"a\",{}]");
	assert_prefix(client, "[\"NOTICE\",\"rate-limited: ");
	assert_silent(client, 200);
}

static void
test_send_garbage(void)
{
	g_autoptr(GsTestRelay) relay = relay_with_notes(GS_TEST_RELAY_SEND_GARBAGE, 1);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));
	guint garbage = 0;
	gboolean forged = FALSE;

	gs_test_client_send(client, "[\"REQ\",\"a\",{}]");
	for (;;) {
		g_autofree gchar *text = recv_text(client);
		g_autoptr(GsMessage) msg =
			gs_message_parse(text, strlen(text), GS_MESSAGE_FROM_RELAY, NULL);
		if (msg == NULL) {
			garbage++;
			continue;
		}
		if (msg->type == GS_MESSAGE_EOSE)
			break;
		g_assert_cmpint(msg->type, ==, GS_MESSAGE_EVENT);
		/* the forged event parses but does not verify */
		if (strstr(text, "forged") != NULL) {
			g_autoptr(GsEvent) ev = gs_event_new_from_node(msg->event, NULL);
			g_assert_nonnull(ev);
			g_assert_false(gs_event_verify(ev, NULL));
			forged = TRUE;
		}
	}
	g_assert_cmpuint(garbage, >=, 5);
	g_assert_true(forged);
}

static void
test_req_cap(void)
{
	GsTestRelayKnobs knobs = {.req_cap = 3};
	g_autoptr(GsTestRelay) relay = relay_with_notes(GS_TEST_RELAY_NONE, 10);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));

	gs_test_relay_set_knobs(relay, &knobs);
	gs_test_client_send(client, "[\"REQ\",\"a\",{\"limit\":50}]");
	for (guint i = 0; i < 3; i++)
		assert_prefix(client, "[\"EVENT\",\"a\",");
	assert_prefix(client, "[\"EOSE\",\"a\"]");
	gs_test_client_send(client, "[\"REQ\",\"b\",{\"limit\":2},{\"kinds\":[7]}]");
	for (guint i = 0; i < 2; i++)
		assert_prefix(client, "[\"EVENT\",\"b\",");
	assert_prefix(client, "[\"EOSE\",\"b\"]");
	g_assert_cmpuint(gs_test_relay_get_received(relay, GS_MESSAGE_REQ), ==, 2);
}

static void
test_drop_after_events(void)
{
	GsTestRelayKnobs knobs = {.drop_after_events = 2};
	g_autoptr(GsTestRelay) relay = relay_with_notes(GS_TEST_RELAY_NONE, 5);
	g_autoptr(GsTestClient) client = gs_test_client_new(gs_test_relay_get_url(relay));

	gs_test_relay_set_knobs(relay, &knobs);
	gs_test_client_send(client, "[\"REQ\",\"a\",{}]");
	assert_prefix(client, "[\"EVENT\",\"a\",");
	assert_prefix(client, "[\"EVENT\",\"a\",");
	g_assert_true(gs_test_client_wait_closed(client, WAIT_MS));
	/* dropped, not closed: no close frame, so no close code */
	g_assert_cmpuint(gs_test_client_get_close_code(client), ==, 0);
	assert_silent(client, 50);
}

static void
test_drop_connections(void)
{
	g_autoptr(GsTestRelay) relay = relay_with_notes(GS_TEST_RELAY_NONE, 0);
	g_autoptr(GsTestClient) a = gs_test_client_new(gs_test_relay_get_url(relay));
	g_autoptr(GsTestClient) b = gs_test_client_new(gs_test_relay_get_url(relay));

	g_assert_cmpuint(gs_test_relay_get_connection_count(relay), ==, 2);
	gs_test_relay_drop_connections(relay);
	g_assert_true(gs_test_client_wait_closed(a, WAIT_MS));
	g_assert_true(gs_test_client_wait_closed(b, WAIT_MS));
	while (gs_test_relay_get_connection_count(relay) > 0)
		gs_test_iterate(10);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/test-relay/well-behaved", test_well_behaved);
	g_test_add_func("/grasp-sync/test-relay/no-nip77", test_no_nip77);
	g_test_add_func("/grasp-sync/test-relay/neg-silent", test_neg_silent);
	g_test_add_func("/grasp-sync/test-relay/ids-not-served", test_ids_not_served);
	g_test_add_func("/grasp-sync/test-relay/no-eose", test_no_eose);
	g_test_add_func("/grasp-sync/test-relay/refuse-req", test_refuse_req);
	g_test_add_func("/grasp-sync/test-relay/notice-rate-limited", test_notice_rate_limited);
	g_test_add_func("/grasp-sync/test-relay/send-garbage", test_send_garbage);
	g_test_add_func("/grasp-sync/test-relay/req-cap", test_req_cap);
	g_test_add_func("/grasp-sync/test-relay/drop-after-events", test_drop_after_events);
	g_test_add_func("/grasp-sync/test-relay/drop-connections", test_drop_connections);
	return g_test_run();
}
