/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-message.h"
#include "gs-nip77.h"
#include "gs-test-utils.h"

typedef struct {
	const gchar *json;
	GsMessageOrigin origin;
	GsMessageType type; /* expected type when valid */
	gboolean valid;
} GsMessageCase;

static const GsMessageCase cases[] = {
	{"[\"REQ\",\"s\",{}]", GS_MESSAGE_FROM_CLIENT, GS_MESSAGE_REQ, TRUE},
	{"[\"REQ\",\"s\",{},{\"kinds\":[1]}]", GS_MESSAGE_FROM_CLIENT, GS_MESSAGE_REQ, TRUE},
	{"[\"REQ\",\"s\"]", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"[\"REQ\",\"s\",[]]", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"[\"REQ\",1,{}]", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"[\"CLOSE\",\"s\"]", GS_MESSAGE_FROM_CLIENT, GS_MESSAGE_CLOSE, TRUE},
	{"[\"CLOSE\",\"s\",\"x\"]", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"[\"EVENT\",{}]", GS_MESSAGE_FROM_CLIENT, GS_MESSAGE_EVENT, TRUE},
	{"[\"EVENT\",\"s\",{}]", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"[\"EVENT\",\"s\",{}]", GS_MESSAGE_FROM_RELAY, GS_MESSAGE_EVENT, TRUE},
	{"[\"EOSE\",\"s\"]", GS_MESSAGE_FROM_RELAY, GS_MESSAGE_EOSE, TRUE},
	{"[\"EOSE\",\"s\"]", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"[\"CLOSED\",\"s\",\"error: x\"]", GS_MESSAGE_FROM_RELAY, GS_MESSAGE_CLOSED, TRUE},
	{"[\"CLOSED\",\"s\"]", GS_MESSAGE_FROM_RELAY, GS_MESSAGE_CLOSED, TRUE},
	{"[\"NOTICE\",\"hello\"]", GS_MESSAGE_FROM_RELAY, GS_MESSAGE_NOTICE, TRUE},
	{"[\"NOTICE\"]", GS_MESSAGE_FROM_RELAY, 0, FALSE},
	{"[\"OK\",\""
	 "0000000000000000000000000000000000000000000000000000000000000000"
	 "\",true,\"\"]",
	 GS_MESSAGE_FROM_RELAY,
	 GS_MESSAGE_OK,
	 TRUE},
	{"[\"OK\",\"abc\",true,\"\"]", GS_MESSAGE_FROM_RELAY, 0, FALSE},
	{"[\"OK\",\""
	 "0000000000000000000000000000000000000000000000000000000000000000"
	 "\",\"true\",\"\"]",
	 GS_MESSAGE_FROM_RELAY,
	 0,
	 FALSE},
	{"[\"AUTH\",\"challenge\"]", GS_MESSAGE_FROM_RELAY, GS_MESSAGE_AUTH, TRUE},
	{"[\"AUTH\",{}]", GS_MESSAGE_FROM_CLIENT, GS_MESSAGE_AUTH, TRUE},
	{"[\"NEG-OPEN\",\"n\",{},\"6100000200\"]",
	 GS_MESSAGE_FROM_CLIENT,
	 GS_MESSAGE_NEG_OPEN,
	 TRUE},
	{"[\"NEG-OPEN\",\"n\",{},32,\"6100000200\"]", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	/* a filter that is not an object */
	{"[\"NEG-OPEN\",\"n\",[],\"61\"]", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"[\"NEG-MSG\",\"n\",\"61\"]", GS_MESSAGE_FROM_RELAY, GS_MESSAGE_NEG_MSG, TRUE},
	{"[\"NEG-ERR\",\"n\",\"blocked: too many\",500]",
	 GS_MESSAGE_FROM_RELAY,
	 GS_MESSAGE_NEG_ERR,
	 TRUE},
	{"[\"NEG-CLOSE\",\"n\"]", GS_MESSAGE_FROM_CLIENT, GS_MESSAGE_NEG_CLOSE, TRUE},
	{"[\"FOO\",\"n\"]", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"{\"REQ\":1}", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"[]", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"[1,2]", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"[\"REQ\",\"s\",{}", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"nonsense", GS_MESSAGE_FROM_CLIENT, 0, FALSE},
	{"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
	 GS_MESSAGE_FROM_CLIENT,
	 0,
	 FALSE},
};

static void
gs_message_parse_case(gconstpointer data)
{
	const GsMessageCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GsMessage) msg = gs_message_parse(c->json, strlen(c->json), c->origin, &error);

	if (c->valid) {
		g_assert_no_error(error);
		g_assert_nonnull(msg);
		g_assert_cmpint(msg->type, ==, c->type);
	} else {
		g_assert_error(error, GS_ERROR, GS_ERROR_PROTOCOL);
		g_assert_null(msg);
	}
}

static void
gs_message_peek_event_test(void)
{
	const gchar *relay_msg = " [ \"EVENT\" , \"sub 1\" , {\"id\":\"x\",\"tags\":[[\"]\"]]} ] ";
	const gchar *client_msg = "[\"EVENT\",{\"a\":1}]";
	g_autofree gchar *sub = NULL;
	gsize off = 0, len = 0;

	g_assert_true(gs_message_peek_event(
		relay_msg, strlen(relay_msg), GS_MESSAGE_FROM_RELAY, &sub, &off, &len));
	g_assert_cmpstr(sub, ==, "sub 1");
	g_assert_cmpmem(relay_msg + off, len, "{\"id\":\"x\",\"tags\":[[\"]\"]]}", 25);
	g_assert_true(gs_message_peek_event(
		client_msg, strlen(client_msg), GS_MESSAGE_FROM_CLIENT, NULL, &off, &len));
	g_assert_cmpmem(client_msg + off, len, "{\"a\":1}", 7);
	/* not the hot path: escapes in the sub id, other verbs, truncated input */
	g_assert_false(gs_message_peek_event(
		"[\"EVENT\",\"a\\\"b\",{}]", 19, GS_MESSAGE_FROM_RELAY, NULL, &off, &len));
	g_assert_false(gs_message_peek_event(
		"[\"EOSE\",\"a\"]", 12, GS_MESSAGE_FROM_RELAY, NULL, &off, &len));
	g_assert_false(gs_message_peek_event(
		"[\"EVENT\",\"a\",{}", 15, GS_MESSAGE_FROM_RELAY, NULL, &off, &len));
	g_assert_false(
		gs_message_peek_event("[\"EVENT\"", 8, GS_MESSAGE_FROM_RELAY, NULL, &off, &len));
}

#define GS_TEST_OK_ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* the OK hot path agrees with the full parser wherever it answers, and leaves the rest to it */
static void
gs_message_peek_ok_test(void)
{
	const struct {
		const gchar *text;
		gboolean plain;
		gboolean accepted;
		const gchar *message;
	} oks[] = {
		{"[\"OK\",\"" GS_TEST_OK_ID "\",true,\"\"]", TRUE, TRUE, ""},
		{" [ \"OK\" , \"" GS_TEST_OK_ID "\" , false , \"blocked: no\" ] \n",
		 TRUE,
		 FALSE,
		 "blocked: no"},
		{"[\"OK\",\"" GS_TEST_OK_ID "\",true]", TRUE, TRUE, ""},
		{"[\"OK\",\"" GS_TEST_OK_ID "\",false,\"caf\xc3\xa9\"]",
		 TRUE,
		 FALSE,
		 "caf\xc3\xa9"},
		/* left to gs_message_parse(): escapes, bad shapes, trailing input */
		{"[\"OK\",\"" GS_TEST_OK_ID "\",false,\"a\\\"b\"]", FALSE},
		{"[\"OK\",\"" GS_TEST_OK_ID "\",false,\"a\tb\"]", FALSE},
		{"[\"OK\",\"" GS_TEST_OK_ID "\",1,\"\"]", FALSE},
		{"[\"OK\",\"" GS_TEST_OK_ID "\",true,\"\"", FALSE},
		{"[\"OK\",\"" GS_TEST_OK_ID "\",true,\"\"]x", FALSE},
		{"[\"OK\",\"" GS_TEST_OK_ID "\",true,\"\",5]", FALSE},
		{"[\"OK\",\"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\","
		 "true,\"\"]",
		 FALSE},
		{"[\"OK\",\"0123\",true,\"\"]", FALSE},
		{"[\"NOTICE\",\"" GS_TEST_OK_ID "\"]", FALSE},
		{"[\"OK\"", FALSE},
		{"", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(oks); i++) {
		g_autofree gchar *text = NULL;
		gchar id[65];
		gboolean accepted = FALSE;
		gboolean plain =
			gs_message_peek_ok(oks[i].text, strlen(oks[i].text), id, &accepted, &text);
		g_autoptr(GsMessage) msg = NULL;

		g_test_message("%s", oks[i].text);
		g_assert_cmpint(plain, ==, oks[i].plain);
		if (!plain) {
			g_assert_null(text);
			continue;
		}
		g_assert_cmpstr(id, ==, GS_TEST_OK_ID);
		g_assert_cmpint(accepted, ==, oks[i].accepted);
		g_assert_cmpstr(text, ==, oks[i].message);
		msg = gs_message_parse(
			oks[i].text, strlen(oks[i].text), GS_MESSAGE_FROM_RELAY, NULL);
		g_assert_nonnull(msg);
		g_assert_cmpstr(msg->event_id, ==, id);
		g_assert_cmpint(msg->ok, ==, accepted);
		g_assert_cmpstr(msg->text, ==, text);
	}
}

static void
gs_message_build_test(void)
{
	const gchar *tags[] = {"t", "x", NULL, NULL};
	g_autoptr(GsEvent) ev = gs_test_event_new(3, 1000, 1, tags, "a\"b");
	g_autofree gchar *event_msg = gs_message_build_event("s\"1", ev);
	g_autofree gchar *ok = gs_message_build_ok(gs_event_get_id(ev), FALSE, "blocked: no");
	g_autofree gchar *closed = gs_message_build_closed("s", "error: x");
	g_autoptr(GsMessage) parsed = NULL;
	g_autoptr(GError) error = NULL;

	parsed = gs_message_parse(event_msg, strlen(event_msg), GS_MESSAGE_FROM_RELAY, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(parsed->sub_id, ==, "s\"1");
	g_clear_pointer(&parsed, gs_message_free);
	parsed = gs_message_parse(ok, strlen(ok), GS_MESSAGE_FROM_RELAY, &error);
	g_assert_no_error(error);
	g_assert_false(parsed->ok);
	g_assert_cmpstr(parsed->text, ==, "blocked: no");
	g_assert_cmpstr(parsed->event_id, ==, gs_event_get_id(ev));
	g_assert_cmpstr(closed, ==, "[\"CLOSED\",\"s\",\"error: x\"]");
}

#define ID64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
gs_message_peek_event_id_test(void)
{
	const struct {
		const gchar *json;
		gboolean found;
	} id_cases[] = {
		{"{\"id\":\"" ID64 "\"}", TRUE},
		{" { \"id\" : \"" ID64 "\" , \"kind\":1}", TRUE},
		/* after members of every kind, with brackets and quotes inside strings */
		{"{\"tags\":[[\"e\",\"]\\\"}\"],[]],\"kind\":1,\"x\":{\"id\":\"no\"},\"ok\":true,"
		 "\"content\":\"{\\\"id\\\":1}\",\"id\":\"" ID64 "\"}",
		 TRUE},
		/* not top-level, upper case, too short, not a string, absent, truncated, not an
		   object */
		{"{\"x\":{\"id\":\"" ID64 "\"}}", FALSE},
		{"{\"id\":\"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\"}",
		 FALSE},
		{"{\"id\":\"0123\"}", FALSE},
		{"{\"id\":42}", FALSE},
		{"{\"kind\":1}", FALSE},
		{"{}", FALSE},
		{"{\"kind\":1,\"id\":\"0123", FALSE},
		{"{\"kind\":[1,", FALSE},
		{"[\"id\",\"" ID64 "\"]", FALSE},
		{"", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(id_cases); i++) {
		gchar id[65] = {0};
		gboolean found =
			gs_message_peek_event_id(id_cases[i].json, strlen(id_cases[i].json), id);
		g_assert_cmpint(found, ==, id_cases[i].found);
		if (found)
			g_assert_cmpstr(id, ==, ID64);
	}
}

/* NIP-77 messages built by gs-nip77 parse here; COUNT answers */
static void
gs_message_build_neg_test(void)
{
	g_autoptr(JsonNode) filter = json_from_string("{\"kinds\":[30617]}", NULL);
	g_autoptr(GBytes) payload = g_bytes_new_static("\x61\x00", 2);
	g_autofree gchar *open = gs_nip77_open_new("n\\1", filter, payload);
	g_autofree gchar *err = gs_nip77_err_new("n1", "blocked: too many results");
	g_autofree gchar *count = gs_message_build_count("c", 42, FALSE);
	g_autofree gchar *approx = gs_message_build_count("c", 7, TRUE);
	g_autoptr(GsMessage) parsed = NULL;
	g_autoptr(GError) error = NULL;

	parsed = gs_message_parse(open, strlen(open), GS_MESSAGE_FROM_CLIENT, &error);
	g_assert_no_error(error);
	g_assert_cmpint(parsed->type, ==, GS_MESSAGE_NEG_OPEN);
	g_assert_cmpstr(parsed->sub_id, ==, "n\\1");
	g_assert_cmpstr(parsed->text, ==, "6100");
	g_assert_true(json_node_equal(g_ptr_array_index(parsed->filters, 0), filter));
	g_clear_pointer(&parsed, gs_message_free);
	parsed = gs_message_parse(err, strlen(err), GS_MESSAGE_FROM_RELAY, &error);
	g_assert_no_error(error);
	g_assert_cmpint(parsed->type, ==, GS_MESSAGE_NEG_ERR);
	g_assert_cmpstr(parsed->text, ==, "blocked: too many results");
	g_assert_cmpstr(count, ==, "[\"COUNT\",\"c\",{\"count\":42}]");
	g_assert_cmpstr(approx, ==, "[\"COUNT\",\"c\",{\"count\":7,\"approximate\":true}]");
}

static void
gs_message_prefix_test(void)
{
	const gchar *rest = NULL;
	g_autofree gchar *p1 = gs_message_split_prefix("rate-limited: slow down", &rest);
	g_autofree gchar *p2 = NULL;
	g_autofree gchar *p3 = NULL;

	g_assert_cmpstr(p1, ==, "rate-limited");
	g_assert_cmpstr(rest, ==, "slow down");
	p2 = gs_message_split_prefix("ERROR: bad req: x", &rest);
	g_assert_null(p2);
	g_assert_cmpstr(rest, ==, "ERROR: bad req: x");
	p3 = gs_message_split_prefix("duplicate:", &rest);
	g_assert_cmpstr(p3, ==, "duplicate");
	g_assert_cmpstr(rest, ==, "");
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/grasp-sync/message/parse/%u", i);
		g_test_add_data_func(path, &cases[i], gs_message_parse_case);
	}
	g_test_add_func("/grasp-sync/message/peek-event", gs_message_peek_event_test);
	g_test_add_func("/grasp-sync/message/peek-event-id", gs_message_peek_event_id_test);
	g_test_add_func("/grasp-sync/message/peek-ok", gs_message_peek_ok_test);
	g_test_add_func("/grasp-sync/message/build", gs_message_build_test);
	g_test_add_func("/grasp-sync/message/build-neg", gs_message_build_neg_test);
	g_test_add_func("/grasp-sync/message/prefix", gs_message_prefix_test);
	return g_test_run();
}
