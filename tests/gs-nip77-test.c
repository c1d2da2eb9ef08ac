/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-json.h"
#include "gs-nip77.h"
#include "gs-test-utils.h"

static void
gs_nip77_build_parse_roundtrip(void)
{
	const guint8 raw[] = {0x61, 0x00, 0x00, 0x02, 0x00};
	g_autoptr(GBytes) payload = g_bytes_new(raw, sizeof(raw));
	g_autoptr(JsonNode) filter = gs_json_parse("{\"kinds\":[30617],\"#d\":[\"x\"]}", -1, NULL);
	g_autofree gchar *open = gs_nip77_open_new("sub \"1\"", filter, payload);
	g_autofree gchar *msg = gs_nip77_msg_new("s", payload);
	g_autofree gchar *close = gs_nip77_close_new("s");
	g_autofree gchar *err = gs_nip77_err_new("s", "blocked: too many\nresults");
	g_autoptr(GsNip77Message) m1 = NULL;
	g_autoptr(GsNip77Message) m2 = NULL;
	g_autoptr(GsNip77Message) m3 = NULL;
	g_autoptr(GsNip77Message) m4 = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *filter_back = NULL;

	g_assert_cmpstr(open,
			==,
			"[\"NEG-OPEN\",\"sub \\\"1\\\"\",{\"kinds\":[30617],\"#d\":[\"x\"]},"
			"\"6100000200\"]");
	/* the same message from the filter's text */
	{
		g_autofree gchar *open_text = gs_nip77_open_new_text(
			"sub \"1\"", "{\"kinds\":[30617],\"#d\":[\"x\"]}", payload);
		g_assert_cmpstr(open_text, ==, open);
	}
	g_assert_cmpstr(msg, ==, "[\"NEG-MSG\",\"s\",\"6100000200\"]");
	g_assert_cmpstr(close, ==, "[\"NEG-CLOSE\",\"s\"]");
	g_assert_cmpstr(err, ==, "[\"NEG-ERR\",\"s\",\"blocked: too many\\nresults\"]");

	m1 = gs_nip77_message_parse(open, -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(m1->type, ==, GS_NIP77_TYPE_OPEN);
	g_assert_cmpstr(m1->sub_id, ==, "sub \"1\"");
	g_assert_true(g_bytes_equal(m1->payload, payload));
	filter_back = json_to_string(m1->filter, FALSE);
	g_assert_cmpstr(filter_back, ==, "{\"kinds\":[30617],\"#d\":[\"x\"]}");

	m2 = gs_nip77_message_parse(msg, -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(m2->type, ==, GS_NIP77_TYPE_MSG);
	g_assert_true(g_bytes_equal(m2->payload, payload));
	g_assert_null(m2->filter);

	m3 = gs_nip77_message_parse(close, -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(m3->type, ==, GS_NIP77_TYPE_CLOSE);
	g_assert_cmpstr(m3->sub_id, ==, "s");
	g_assert_null(m3->payload);

	m4 = gs_nip77_message_parse(err, -1, &error);
	g_assert_no_error(error);
	g_assert_cmpint(m4->type, ==, GS_NIP77_TYPE_ERR);
	g_assert_cmpstr(m4->reason, ==, "blocked: too many\nresults");
	g_assert_null(m4->extra);
}

/* what relays really send: upper-case hex, strfry's 4-element NEG-ERR and bare reasons */
static void
gs_nip77_parse_relay_forms(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsNip77Message) upper =
		gs_nip77_message_parse("[\"NEG-MSG\",\"a\",\"61AB\"]", -1, &error);
	g_autoptr(GsNip77Message) blocked = NULL;
	g_autoptr(GsNip77Message) proto = NULL;
	const guint8 expect[] = {0x61, 0xab};
	GsNip77Type type;

	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(upper->payload, NULL),
			g_bytes_get_size(upper->payload),
			expect,
			sizeof(expect));
	blocked = gs_nip77_message_parse(
		"[\"NEG-ERR\",\"a\",\"blocked: too many query results\",100000]", -1, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(blocked->reason, ==, "blocked: too many query results");
	g_assert_nonnull(blocked->extra);
	g_assert_cmpint(json_node_get_int(blocked->extra), ==, 100000);
	proto = gs_nip77_message_parse("[\"NEG-ERR\",\"a\",\"PROTOCOL-ERROR\"]", -1, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(proto->reason, ==, "PROTOCOL-ERROR");

	g_assert_true(gs_nip77_type_from_string("NEG-CLOSE", &type));
	g_assert_cmpint(type, ==, GS_NIP77_TYPE_CLOSE);
	g_assert_false(gs_nip77_type_from_string("REQ", &type));
	g_assert_cmpstr(gs_nip77_type_to_string(GS_NIP77_TYPE_ERR), ==, "NEG-ERR");
}

typedef struct {
	const gchar *json;
	const gchar *error;
} BadMessage;

static const BadMessage bad_messages[] = {
	{"{}", "not a JSON array"},
	{"[", "malformed JSON"},
	{"[]", "empty message array"},
	{"[1,\"a\"]", "message label is not a string"},
	{"[\"REQ\",\"a\",{}]", "not a NIP-77 message: REQ"},
	{"[\"NEG-MSG\",\"a\"]", "NEG-MSG has 2 elements"},
	{"[\"NEG-MSG\",\"a\",\"61\",\"62\"]", "NEG-MSG has 4 elements"},
	{"[\"NEG-CLOSE\",\"a\",\"x\"]", "NEG-CLOSE has 3 elements"},
	{"[\"NEG-ERR\",\"a\"]", "NEG-ERR has 2 elements"},
	{"[\"NEG-OPEN\",\"a\",{},32,\"61\"]", "old 5-element NEG-OPEN"},
	{"[\"NEG-OPEN\",\"a\",{}]", "NEG-OPEN has 3 elements"},
	{"[\"NEG-MSG\",5,\"61\"]", "subscription id is not a string"},
	{"[\"NEG-MSG\",\"\",\"61\"]", "subscription id must have 1 to 64"},
	{"[\"NEG-MSG\",\"0123456789012345678901234567890123456789012345678901234567890123x\","
	 "\"61\"]",
	 "subscription id must have 1 to 64"},
	{"[\"NEG-OPEN\",\"a\",[],\"61\"]", "filter is not an object"},
	{"[\"NEG-OPEN\",\"a\",{},61]", "negentropy message is not a string"},
	{"[\"NEG-MSG\",\"a\",\"616\"]", "odd length"},
	{"[\"NEG-MSG\",\"a\",\"6x\"]", "non-hex"},
	{"[\"NEG-ERR\",\"a\",null]", "NEG-ERR reason is not a string"},
	{"[\"NEG-MSG\",\"a\",[[[[[[[[[[[[[[[[[[[[\"61\"]]]]]]]]]]]]]]]]]]]]", "nested deeper"},
};

static void
gs_nip77_parse_bad(gconstpointer user_data)
{
	const BadMessage *bad = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GsNip77Message) msg = gs_nip77_message_parse(bad->json, -1, &error);

	g_assert_null(msg);
	g_assert_error(error, GS_ERROR, GS_ERROR_PROTOCOL);
	if (strstr(error->message, bad->error) == NULL)
		g_error("%s gave '%s', expected '%s'", bad->json, error->message, bad->error);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/nip77/build-parse-roundtrip", gs_nip77_build_parse_roundtrip);
	g_test_add_func("/grasp-sync/nip77/parse-relay-forms", gs_nip77_parse_relay_forms);
	for (guint i = 0; i < G_N_ELEMENTS(bad_messages); i++) {
		g_autofree gchar *path = g_strdup_printf("/grasp-sync/nip77/parse-bad/%u", i);
		g_test_add_data_func(path, &bad_messages[i], gs_nip77_parse_bad);
	}
	return g_test_run();
}
