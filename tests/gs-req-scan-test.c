/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* gs_message_peek_req() against the full path (gs_message_parse() and
 * gs_filter_new_from_node()): whatever the scanner takes, the full path takes too, with the
 * same subscription id and filters; whatever it leaves, the full path decides */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-message.h"
#include "gs-test-utils.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef enum {
	SCAN_TAKES,   /* the scanner reads it; the full path accepts it */
	SCAN_LEAVES,  /* the scanner leaves it; the full path accepts it */
	SCAN_REFUSED, /* the scanner leaves it; the full path refuses it */
} ScanExpect;

/* a text with a NUL in it, and its length */
#define WITH_NUL(s) s, sizeof(s) - 1

typedef struct {
	const gchar *json;
	gsize len; /* 0: strlen */
	ScanExpect expect;
} ScanCase;

static const ScanCase cases[] = {
	/* the plain form */
	{"[\"REQ\",\"s\",{}]", 0, SCAN_TAKES},
	{"[\"REQ\",\"s\",{},{}]", 0, SCAN_TAKES},
	{"[\"REQ\",\"s\",{\"kinds\":[1617,1618,1621],\"#a\":[\"30617:" HEX_A ":repo\"],"
	 "\"since\":1700000000,\"limit\":500}]",
	 0,
	 SCAN_TAKES},
	{"[\"REQ\",\"sub:1\",{\"ids\":[\"" HEX_A "\",\"" HEX_B "\"]},{\"authors\":[\"" HEX_B
	 "\"],\"kinds\":[0,65535],\"until\":0}]",
	 0,
	 SCAN_TAKES},
	{"[\"REQ\",\"s\",{\"#e\":[\"" HEX_A "\"],\"#E\":[\"" HEX_A "\"],\"#q\":[\"x\"]}]",
	 0,
	 SCAN_TAKES},
	{"[\"REQ\",\"s\",{\"ids\":[],\"authors\":[],\"kinds\":[],\"#e\":[]}]", 0, SCAN_TAKES},
	{"[\"REQ\",\"s\",{\"#e\":[\"x\",\"x\",\"x\"],\"kinds\":[1,1]}]", 0, SCAN_TAKES},
	{"[\"REQ\",\"s\",{\"since\":999999999999999999}]", 0, SCAN_TAKES},
	{" \t\r\n[ \"REQ\" ,\n\"s\" , { \"kinds\" : [ 1 , 2 ] , \"#t\" : [ \"a b\" ] } ] \n",
	 0,
	 SCAN_TAKES},
	{"[\"REQ\",\"\",{}]", 0, SCAN_TAKES}, /* the relay refuses the empty id, both ways */
	{"[\"REQ\",\"caf\xc3\xa9\",{\"#d\":[\"\xe2\x82\xac \xf0\x9f\x98\x80 \xef\xbf\xbf\"]}]",
	 0,
	 SCAN_TAKES},
	{"[\"REQ\",\"s\",{\"#t\":[\"\x7f~ !#$%&'()*+,-./:;<=>?@[]^_`{|}\"]}]", 0, SCAN_TAKES},
	{"[\"REQ\",\"s\",{\"#t\":[\"\"]}]", 0, SCAN_TAKES},
	/* accepted by json-glib, left to it */
	{"[\"REQ\",\"s\",{\"#t\":[\"a\\\"b\"]}]", 0, SCAN_LEAVES},
	{"[\"REQ\",\"s\",{\"#t\":[\"\\u00e9\"]}]", 0, SCAN_LEAVES},
	{"[\"REQ\",\"s\\n\",{}]", 0, SCAN_LEAVES},
	{"[\"REQ\",\"s\",{\"\\u0069ds\":[\"" HEX_A "\"]}]", 0, SCAN_LEAVES},
	{"[\"R\\u0045Q\",\"s\",{}]", 0, SCAN_LEAVES},
	{"[\"REQ\",\"s\",{\"kinds\":[1],\"kinds\":[2]}]", 0, SCAN_LEAVES},
	{"[\"REQ\",\"s\",{\"#e\":[\"x\"],\"#e\":[\"y\"]}]", 0, SCAN_LEAVES},
	{"[\"REQ\",\"s\",{\"kinds\":[-0]}]", 0, SCAN_LEAVES},
	{"[\"REQ\",\"s\",{\"since\":-0}]", 0, SCAN_LEAVES},
	{"[\"REQ\",\"s\",{\"since\":1000000000000000000}]", 0, SCAN_LEAVES},
	{"[\"REQ\",\"s\",{\"since\":9223372036854775807}]", 0, SCAN_LEAVES},
	/* refused by json-glib or by the filter parser */
	{"[\"REQ\",\"s\",{\"since\":9223372036854775808}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"since\":99999999999999999999999}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[65536]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[1e3]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[1E3]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[1.0]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[01]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[-1]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[+1]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[\"1\"]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[null]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":1}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[0x10]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"limit\":true}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"limit\":1.5}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"until\":-5}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"ids\":[\"abc\"]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"ids\":[\"" HEX_A "0\"]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"ids\":["
	 "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"]}]",
	 0,
	 SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"authors\":[\"" HEX_A "\",1]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"ids\":\"" HEX_A "\"}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"#e\":[1]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"#e\":[[\"x\"]]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"#e\":\"x\"}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"#ab\":[\"x\"]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"#\":[\"x\"]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"#1\":[\"x\"]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"search\":\"x\"}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"\":1}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[1],}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[1,]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{},]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{}", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[1]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"#t\":[\"x]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{}] x", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{}][]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\"]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",[]]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{},1]", 0, SCAN_REFUSED},
	{"[\"REQ\",1,{}]", 0, SCAN_REFUSED},
	{"[\"REQ\",null,{}]", 0, SCAN_REFUSED},
	{"[\"REQ\"]", 0, SCAN_REFUSED},
	{"[\"req\",\"s\",{}]", 0, SCAN_REFUSED},
	{"[\"REQS\",\"s\",{}]", 0, SCAN_REFUSED},
	{"{\"REQ\":\"s\"}", 0, SCAN_REFUSED},
	{"[\"REQ\",'s',{}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"kinds\":[1]}/**/]", 0, SCAN_REFUSED},
	{"\xef\xbb\xbf[\"REQ\",\"s\",{}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",\f{}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"#t\":[\"a\tb\"]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"#t\":[\"a\\xb\"]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"#t\":[\"\\u0000\"]}]", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"#t\":[\"\\ud800\"]}]", 0, SCAN_REFUSED},
	{WITH_NUL("[\"REQ\",\"s\",{\"#t\":[\"a\0b\"]}]"), SCAN_REFUSED},
	{WITH_NUL("[\"REQ\",\"s\",{}]\0"), SCAN_REFUSED},
	{"[\"REQ\",\"s\",{\"#t\":[\"[[[[[[[[[[[[[[[[[[[[\"]}]", 0, SCAN_TAKES},
	{"[\"REQ\",\"s\",{\"#t\":[[[[[[[[[[[[[[[[[[[[[[\"x\"]]]]]]]]]]]]]]]]]]]]]]}]",
	 0,
	 SCAN_REFUSED},
	{"", 0, SCAN_REFUSED},
	{"[", 0, SCAN_REFUSED},
	{"[\"", 0, SCAN_REFUSED},
	{"[\"REQ", 0, SCAN_REFUSED},
	{"[\"REQ\",\"s", 0, SCAN_REFUSED},
};

/* the full path: a REQ whose filters all parse, or %NULL */
static GPtrArray *
full_parse(const gchar *text, gsize len, gchar **sub_id)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsMessage) msg = gs_message_parse(text, len, GS_MESSAGE_FROM_CLIENT, &error);
	g_autoptr(GPtrArray) filters = NULL;

	if (msg == NULL) {
		g_assert_error(error, GS_ERROR, GS_ERROR_PROTOCOL);
		return NULL;
	}
	if (msg->type != GS_MESSAGE_REQ)
		return NULL;
	filters = g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	for (guint i = 0; i < msg->filters->len; i++) {
		GsFilter *filter =
			gs_filter_new_from_node(g_ptr_array_index(msg->filters, i), &error);
		if (filter == NULL) {
			g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
			return NULL;
		}
		g_ptr_array_add(filters, filter);
	}
	*sub_id = g_strdup(msg->sub_id);
	return g_steal_pointer(&filters);
}

static void
assert_same_filter(GsFilter *a, GsFilter *b)
{
	g_autofree gchar *ja = gs_filter_to_json(a);
	g_autofree gchar *jb = gs_filter_to_json(b);
	g_autofree gchar *la = gs_filter_get_tag_letters(a);
	g_autofree gchar *lb = gs_filter_get_tag_letters(b);

	g_assert_cmpstr(ja, ==, jb);
	g_assert_cmpstr(la, ==, lb);
	g_assert_cmpint(gs_filter_get_since(a), ==, gs_filter_get_since(b));
	g_assert_cmpint(gs_filter_get_until(a), ==, gs_filter_get_until(b));
	g_assert_cmpint(gs_filter_get_limit(a), ==, gs_filter_get_limit(b));
}

/* returns: whether the scanner took @text; when it did, the full path took it the same way */
static gboolean
compare(const gchar *text, gsize len, gboolean *full_ok)
{
	g_autofree gchar *scan_sub = NULL;
	g_autofree gchar *full_sub = NULL;
	g_autoptr(GPtrArray) scanned = NULL;
	g_autoptr(GPtrArray) full = full_parse(text, len, &full_sub);
	gboolean took = gs_message_peek_req(text, len, &scan_sub, &scanned);

	*full_ok = full != NULL;
	if (!took)
		return FALSE;
	if (full == NULL)
		g_error("the scanner took what the full path refuses: %.*s", (gint)len, text);
	g_assert_cmpstr(scan_sub, ==, full_sub);
	g_assert_cmpuint(scanned->len, ==, full->len);
	for (guint i = 0; i < scanned->len; i++)
		assert_same_filter(g_ptr_array_index(scanned, i), g_ptr_array_index(full, i));
	return TRUE;
}

static void
test_case(gconstpointer data)
{
	const ScanCase *c = data;
	gsize len = c->len > 0 ? c->len : strlen(c->json);
	gboolean full_ok = FALSE;
	gboolean took = compare(c->json, len, &full_ok);

	g_assert_cmpint(took, ==, c->expect == SCAN_TAKES);
	g_assert_cmpint(full_ok, ==, c->expect != SCAN_REFUSED);
}

/* what the syncing side sends: gs_filter_to_json() of its filters, taken as they are */
static void
test_built(void)
{
	g_autoptr(GsFilter) a = gs_filter_new();
	g_autoptr(GsFilter) b = gs_filter_new();
	g_autoptr(GsFilter) c = gs_filter_new();
	g_autoptr(GPtrArray) filters = g_ptr_array_new();
	g_autofree gchar *req = NULL;
	g_autofree gchar *sub = NULL;
	g_autoptr(GPtrArray) scanned = NULL;
	gboolean full_ok = FALSE;

	gs_filter_add_kind(a, 1617);
	gs_filter_add_kind(a, 1621);
	for (guint i = 0; i < 100; i++) {
		g_autofree gchar *v = g_strdup_printf("30617:%s:repo-%u", HEX_B, i);
		gs_filter_add_tag_value(a, 'a', v);
		gs_filter_add_tag_value(b, 'e', HEX_A);
	}
	gs_filter_set_since(a, 1700000000);
	gs_filter_set_limit(a, 500);
	gs_filter_add_id(c, HEX_A);
	gs_filter_add_author(c, HEX_B);
	gs_filter_set_until(c, 0);
	g_ptr_array_add(filters, gs_filter_to_node(a));
	g_ptr_array_add(filters, gs_filter_to_node(b));
	g_ptr_array_add(filters, gs_filter_to_node(c));
	g_ptr_array_set_free_func(filters, (GDestroyNotify)json_node_unref);
	req = gs_message_build_req("page:7", filters);
	g_assert_true(compare(req, strlen(req), &full_ok));
	g_assert_true(gs_message_peek_req(req, strlen(req), &sub, &scanned));
	g_assert_cmpstr(sub, ==, "page:7");
	g_assert_cmpuint(scanned->len, ==, 3);
	assert_same_filter(g_ptr_array_index(scanned, 0), a);
	assert_same_filter(g_ptr_array_index(scanned, 1), b);
	assert_same_filter(g_ptr_array_index(scanned, 2), c);
}

/* a big REQ: many filters of many values */
static void
test_huge(void)
{
	GString *req = g_string_new("[\"REQ\",\"big\"");
	gboolean full_ok = FALSE;

	for (guint f = 0; f < 50; f++) {
		g_string_append(req, ",{\"kinds\":[1,7,1617],\"#e\":[");
		for (guint i = 0; i < 1000; i++)
			g_string_append_printf(req, "%s\"%064x\"", i > 0 ? "," : "", f * 1000 + i);
		g_string_append(req, "],\"limit\":5000}");
	}
	g_string_append_c(req, ']');
	g_assert_true(compare(req->str, req->len, &full_ok));
	g_string_free(req, TRUE);
}

/* the pieces random REQs are made of, and what mutations insert */
static const gchar *const pieces[] = {
	"\"ids\":[\"" HEX_A "\"]",
	"\"authors\":[\"" HEX_B "\",\"" HEX_A "\"]",
	"\"kinds\":[1,30617,0]",
	"\"kinds\":[]",
	"\"#a\":[\"30617:" HEX_A ":r\xc3\xa9po\"]",
	"\"#e\":[\"" HEX_B "\"]",
	"\"#t\":[\"x y\",\"\"]",
	"\"since\":1700000000",
	"\"until\":0",
	"\"limit\":500",
};

static const gchar *const inserts[] = {
	"\"",
	"\\",
	",",
	":",
	"[",
	"]",
	"{",
	"}",
	"-",
	"0",
	"9",
	"e",
	".",
	" ",
	"\t",
	"\f",
	"\x80",
	"\xc3",
	"\xe9",
	"\x01",
	"\x7f",
	"null",
	"true",
	"\\u0041",
	"\\\"",
	"#",
	"ids",
	"kinds",
	"#e",
	"1e3",
	"-0",
	"18446744073709551616",
	"9223372036854775808",
	"A",
	"g",
};

static GString *
random_req(GRand *rand)
{
	GString *req = g_string_new("[\"REQ\",\"r");
	guint n_filters = (guint)g_rand_int_range(rand, 1, 4);

	g_string_append_printf(req, "%u\"", g_rand_int_range(rand, 0, 1000));
	for (guint f = 0; f < n_filters; f++) {
		guint n_members = (guint)g_rand_int_range(rand, 0, 5);
		g_string_append(req, g_rand_boolean(rand) ? ",{" : " , { ");
		for (guint m = 0; m < n_members; m++) {
			if (m > 0)
				g_string_append_c(req, ',');
			g_string_append(req,
					pieces[g_rand_int_range(rand, 0, G_N_ELEMENTS(pieces))]);
		}
		g_string_append_c(req, '}');
	}
	g_string_append_c(req, ']');
	return req;
}

static void
mutate(GRand *rand, GString *req)
{
	guint n = (guint)g_rand_int_range(rand, 0, 4);

	for (guint i = 0; i < n; i++) {
		gsize at = (gsize)g_rand_int_range(rand, 0, (gint32)req->len + 1);
		switch (g_rand_int_range(rand, 0, 4)) {
		case 0:
			g_string_insert(
				req, at, inserts[g_rand_int_range(rand, 0, G_N_ELEMENTS(inserts))]);
			break;
		case 1:
			if (at < req->len)
				g_string_erase(req, at, 1);
			break;
		case 2:
			if (at < req->len)
				req->str[at] = (gchar)g_rand_int_range(rand, 1, 256);
			break;
		default:
			g_string_truncate(req, at);
			break;
		}
	}
}

/* random REQs and mutations of them: never does the scanner take what the full path refuses
 * or read it differently */
static void
test_random(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(20261125);
	guint took = 0, full = 0, rounds = g_test_slow() ? 200000 : 20000;

	for (guint i = 0; i < rounds; i++) {
		GString *req = random_req(rand);
		gboolean full_ok = FALSE;
		if (i % 4 != 0)
			mutate(rand, req);
		if (compare(req->str, req->len, &full_ok))
			took++;
		if (full_ok)
			full++;
		g_string_free(req, TRUE);
	}
	g_test_message("%u REQs: %u taken by the scanner, %u accepted by the full path",
		       rounds,
		       took,
		       full);
	/* the unmutated quarter at least, and the mutations that left a valid plain REQ */
	g_assert_cmpuint(took, >=, rounds / 4);
	g_assert_cmpuint(full, >=, took);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/grasp-sync/req-scan/case/%u", i);
		g_test_add_data_func(path, &cases[i], test_case);
	}
	g_test_add_func("/grasp-sync/req-scan/built", test_built);
	g_test_add_func("/grasp-sync/req-scan/huge", test_huge);
	g_test_add_func("/grasp-sync/req-scan/random", test_random);
	return g_test_run();
}
