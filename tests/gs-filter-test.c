/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-test-utils.h"

#define HEX_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define HEX_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

typedef struct {
	const gchar *json;
	const gchar *member; /* expected in the error message */
} GsFilterBadCase;

static const GsFilterBadCase bad_cases[] = {
	{"[]", "not a JSON object"},
	{"42", "not a JSON object"},
	{"\"ids\"", "not a JSON object"},
	{"{", "invalid filter"},
	{"{\"ids\":\"" HEX_A "\"}", "'ids'"},
	{"{\"ids\":[42]}", "'ids'"},
	{"{\"ids\":[\"abc\"]}", "'ids'"},
	{"{\"ids\":[\"" HEX_A "0\"]}", "'ids'"},
	{"{\"ids\":[\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"]}",
	 "'ids'"},
	{"{\"ids\":[\"gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg\"]}",
	 "'ids'"},
	{"{\"ids\":[null]}", "'ids'"},
	{"{\"ids\":[[\"" HEX_A "\"]]}", "'ids'"},
	{"{\"authors\":[\"" HEX_A "\", \"xyz\"]}", "'authors'"},
	{"{\"authors\":{}}", "'authors'"},
	{"{\"authors\":[\"aAaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"]}",
	 "'authors'"},
	{"{\"kinds\":1}", "'kinds'"},
	{"{\"kinds\":[\"1\"]}", "'kinds'"},
	{"{\"kinds\":[-1]}", "'kinds'"},
	{"{\"kinds\":[65536]}", "'kinds'"},
	{"{\"kinds\":[1.0]}", "'kinds'"},
	{"{\"kinds\":[1e3]}", "'kinds'"},
	{"{\"kinds\":[true]}", "'kinds'"},
	{"{\"kinds\":[99999999999999999999999]}", "'kinds'"},
	{"{\"#e\":\"" HEX_A "\"}", "'#e'"},
	{"{\"#e\":[1]}", "'#e'"},
	{"{\"#e\":[[\"x\"]]}", "'#e'"},
	{"{\"#ab\":[\"x\"]}", "'#ab'"},
	{"{\"#\":[\"x\"]}", "'#'"},
	{"{\"#1\":[\"x\"]}", "'#1'"},
	{"{\"#\\u00e9\":[\"x\"]}", "tag filters"},
	{"{\"since\":-1}", "'since'"},
	{"{\"since\":1.5}", "'since'"},
	{"{\"since\":\"1\"}", "'since'"},
	{"{\"since\":null}", "'since'"},
	{"{\"until\":-5}", "'until'"},
	{"{\"until\":[1]}", "'until'"},
	{"{\"limit\":-1}", "'limit'"},
	{"{\"limit\":10.0}", "'limit'"},
	{"{\"search\":\"git\"}", "'search'"},
	{"{\"IDS\":[]}", "'IDS'"},
	{"{\"ids\":[],\"extra\":1}", "'extra'"},
	{"{\"ids\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	 "nested deeper"},
	{"{\"ids\":[[[[[[[]]]]]]]}", "'ids'"},
};

static void
gs_filter_bad_input(gconstpointer data)
{
	const GsFilterBadCase *bad = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GsFilter) filter = gs_filter_new_from_json(bad->json, -1, &error);

	g_assert_null(filter);
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	if (strstr(error->message, bad->member) == NULL)
		g_error("'%s': message '%s' lacks '%s'", bad->json, error->message, bad->member);
}

static void
gs_filter_roundtrip(void)
{
	const gchar *json =
		"{\"until\":20,\"#e\":[\"x\",\"y\"],\"kinds\":[1,30617],\"limit\":0,"
		"\"#A\":[\"z\"],\"authors\":[\"" HEX_B "\"],\"since\":10,\"ids\":[\"" HEX_A "\"]}";
	const gchar *expect = "{\"ids\":[\"" HEX_A "\"],\"authors\":[\"" HEX_B
			      "\"],\"kinds\":[1,30617],\"#A\":[\"z\"],\"#e\":[\"x\",\"y\"],"
			      "\"since\":10,\"until\":20,\"limit\":0}";
	g_autoptr(GError) error = NULL;
	g_autoptr(GsFilter) filter = gs_filter_new_from_json(json, -1, &error);
	g_autoptr(GsFilter) copy = NULL;
	g_autofree gchar *out = NULL;
	g_autofree gchar *out2 = NULL;
	g_autofree gchar *letters = NULL;

	g_assert_no_error(error);
	out = gs_filter_to_json(filter);
	g_assert_cmpstr(out, ==, expect);
	copy = gs_filter_copy(filter);
	out2 = gs_filter_to_json(copy);
	g_assert_cmpstr(out2, ==, expect);
	letters = gs_filter_get_tag_letters(filter);
	g_assert_cmpstr(letters, ==, "Ae");
	g_assert_cmpint(gs_filter_get_since(filter), ==, 10);
	g_assert_cmpint(gs_filter_get_until(filter), ==, 20);
	g_assert_cmpint(gs_filter_get_limit(filter), ==, 0);
	g_assert_cmpuint(gs_filter_get_tag_values(filter, 'e')->len, ==, 2);
	g_assert_null(gs_filter_get_tag_values(filter, 'p'));
	g_assert_null(gs_filter_get_tag_values(filter, '#'));
}

static void
gs_filter_empty_object(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsFilter) filter = gs_filter_new_from_json("{}", -1, &error);
	g_autoptr(GsEvent) ev = gs_test_event_new(1, 100, 1, NULL, "x");
	g_autofree gchar *out = NULL;

	g_assert_no_error(error);
	out = gs_filter_to_json(filter);
	g_assert_cmpstr(out, ==, "{}");
	g_assert_null(gs_filter_get_ids(filter));
	g_assert_null(gs_filter_get_kinds(filter));
	g_assert_cmpint(gs_filter_get_limit(filter), ==, -1);
	g_assert_true(gs_filter_matches(filter, ev));
	g_assert_false(gs_filter_is_empty_match(filter));
}

static void
gs_filter_builders(void)
{
	g_autoptr(GsFilter) filter = gs_filter_new();
	g_autofree gchar *out = NULL;

	gs_filter_add_kind(filter, 30618);
	gs_filter_add_kind(filter, 30618);
	gs_filter_add_tag_value(filter, 'd', "repo");
	gs_filter_add_tag_value(filter, 'd', "repo");
	gs_filter_add_tag_value(filter, 'd', "other");
	gs_filter_add_id(filter, HEX_A);
	gs_filter_add_author(filter, HEX_B);
	gs_filter_set_limit(filter, 5);
	out = gs_filter_to_json(filter);
	g_assert_cmpstr(out,
			==,
			"{\"ids\":[\"" HEX_A "\"],\"authors\":[\"" HEX_B "\"],\"kinds\":[30618],"
			"\"#d\":[\"repo\",\"other\"],\"limit\":5}");
}

static void
gs_filter_match_conditions(void)
{
	const gchar *tags[] = {"e",
			       "root-id",
			       "",
			       "marker",
			       NULL,
			       "p",
			       "pk",
			       NULL,
			       "t",
			       NULL,
			       "ee",
			       "nope",
			       NULL,
			       NULL};
	g_autoptr(GsEvent) ev = gs_test_event_new(1, 1000, 1621, tags, "hi");
	g_autoptr(GError) error = NULL;
	struct {
		const gchar *json;
		gboolean match;
	} cases[] = {
		{"{\"kinds\":[1621]}", TRUE},
		{"{\"kinds\":[1,2]}", FALSE},
		{"{\"kinds\":[1,1621],\"#e\":[\"zzz\",\"root-id\"]}", TRUE},
		{"{\"#e\":[\"nope\"]}", FALSE},
		{"{\"#e\":[\"marker\"]}", FALSE},
		{"{\"#E\":[\"root-id\"]}", FALSE},
		{"{\"#p\":[\"pk\"],\"#e\":[\"root-id\"]}", TRUE},
		{"{\"#p\":[\"pk\"],\"#e\":[\"other\"]}", FALSE},
		{"{\"#t\":[\"\"]}", FALSE},
		{"{\"since\":1000,\"until\":1000}", TRUE},
		{"{\"since\":1001}", FALSE},
		{"{\"until\":999}", FALSE},
		{"{\"limit\":0}", TRUE},
		{"{\"authors\":[\"" HEX_A "\"]}", FALSE},
		{"{\"ids\":[\"" HEX_A "\"]}", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GsFilter) f = gs_filter_new_from_json(cases[i].json, -1, &error);
		g_assert_no_error(error);
		if (gs_filter_matches(f, ev) != cases[i].match)
			g_error("%s: expected match=%d", cases[i].json, cases[i].match);
	}
}

static void
gs_filter_match_id_author(void)
{
	g_autoptr(GsEvent) ev = gs_test_event_new(3, 5, 1, NULL, "");
	g_autoptr(GsFilter) by_id = gs_filter_new();
	g_autoptr(GsFilter) by_author = gs_filter_new();
	g_autoptr(GsFilter) wrong = gs_filter_new();
	g_autoptr(GPtrArray) list = g_ptr_array_new();

	gs_filter_add_id(by_id, HEX_A);
	gs_filter_add_id(by_id, gs_event_get_id(ev));
	gs_filter_add_author(by_author, gs_event_get_pubkey(ev));
	gs_filter_add_author(wrong, HEX_B);
	g_assert_true(gs_filter_matches(by_id, ev));
	g_assert_true(gs_filter_matches(by_author, ev));
	g_assert_false(gs_filter_matches(wrong, ev));

	g_assert_false(gs_filters_match(list, ev));
	g_ptr_array_add(list, wrong);
	g_assert_false(gs_filters_match(list, ev));
	g_ptr_array_add(list, by_author);
	g_assert_true(gs_filters_match(list, ev));
}

static void
gs_filter_empty_match(void)
{
	const gchar *empty[] = {"{\"ids\":[]}",
				"{\"authors\":[]}",
				"{\"kinds\":[]}",
				"{\"#a\":[],\"kinds\":[1]}",
				"{\"since\":10,\"until\":9}"};
	const gchar *nonempty[] = {"{}", "{\"limit\":0}", "{\"since\":10,\"until\":10}"};
	g_autoptr(GsEvent) ev = gs_test_event_new(3, 10, 1, NULL, "");
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(empty); i++) {
		g_autoptr(GsFilter) f = gs_filter_new_from_json(empty[i], -1, &error);
		g_assert_no_error(error);
		g_assert_true(gs_filter_is_empty_match(f));
		g_assert_false(gs_filter_matches(f, ev));
	}
	for (guint i = 0; i < G_N_ELEMENTS(nonempty); i++) {
		g_autoptr(GsFilter) f = gs_filter_new_from_json(nonempty[i], -1, &error);
		g_assert_no_error(error);
		g_assert_false(gs_filter_is_empty_match(f));
	}
}

/* thousands of values, each added again and again: kept once each, in the order first added,
 * in the filter, its copy and a parsed one */
static void
gs_filter_many_values(void)
{
	g_autoptr(GsFilter) filter = gs_filter_new();
	g_autoptr(GsFilter) copy = NULL;
	g_autoptr(GsFilter) parsed = NULL;
	g_autoptr(GString) ids = g_string_new("{\"ids\":[");
	g_autoptr(GString) tags = g_string_new("\"#e\":[");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *expected = NULL;
	g_autofree gchar *out = NULL;
	const guint n = 3000;

	for (guint i = 0; i < n; i++) {
		g_autofree gchar *id = g_strdup_printf("%064x", i * 2654435761u);
		g_autofree gchar *value = g_strdup_printf("v%u", n - i);
		g_autofree gchar *earlier = g_strdup_printf("v%u", n - i / 2);

		gs_filter_add_id(filter, id);
		gs_filter_add_tag_value(filter, 'e', value);
		gs_filter_add_tag_value(filter, 'e', earlier);
		gs_filter_add_id(filter, id);
		g_string_append_printf(ids, "%s\"%s\"", i == 0 ? "" : ",", id);
		g_string_append_printf(tags, "%s\"%s\"", i == 0 ? "" : ",", value);
	}
	expected = g_strdup_printf("%s],%s]}", ids->str, tags->str);
	out = gs_filter_to_json(filter);
	g_assert_cmpstr(out, ==, expected);
	g_assert_cmpuint(gs_filter_get_ids(filter)->len, ==, n);

	/* a copy and a parsed filter know their values too */
	copy = gs_filter_copy(filter);
	parsed = gs_filter_new_from_json(out, -1, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < n; i += 7) {
		g_autofree gchar *value = g_strdup_printf("v%u", n - i);
		gs_filter_add_tag_value(copy, 'e', value);
		gs_filter_add_tag_value(parsed, 'e', value);
	}
	gs_filter_add_tag_value(copy, 'e', "new");
	g_clear_pointer(&out, g_free);
	out = gs_filter_to_json(copy);
	g_clear_pointer(&expected, g_free);
	expected = g_strdup_printf("%s],%s,\"new\"]}", ids->str, tags->str);
	g_assert_cmpstr(out, ==, expected);
	g_clear_pointer(&expected, g_free);
	expected = g_strdup_printf("%s],%s]}", ids->str, tags->str);
	g_clear_pointer(&out, g_free);
	out = gs_filter_to_json(parsed);
	g_assert_cmpstr(out, ==, expected);
}

/* gs_filter_to_json() writes plain filters itself: the same text as json-glib's generator,
 * and values that need escaping go through json-glib */
static void
gs_filter_json_writer(void)
{
	g_autoptr(GString) ascii = g_string_new(NULL);
	const gchar *values[] = {"",
				 "a/b<c>&'",
				 "\"q\"",
				 "back\\slash",
				 "tab\t",
				 "\x7f",
				 "caf\xc3\xa9",
				 "\xe2\x82\xac",
				 "nl\n",
				 NULL};

	/* printable ASCII: written directly */
	for (guchar c = 0x20; c < 0x7f; c++) {
		if (c != '"' && c != '\\')
			g_string_append_c(ascii, (gchar)c);
	}
	for (guint i = 0; values[i] != NULL || i == 0; i++) {
		g_autoptr(GsFilter) filter = gs_filter_new();
		g_autoptr(JsonNode) node = NULL;
		g_autofree gchar *want = NULL;
		g_autofree gchar *out = NULL;

		if (i % 2 == 0)
			gs_filter_add_id(filter, HEX_A);
		if (i % 3 == 0) {
			gs_filter_add_author(filter, HEX_B);
			gs_filter_add_kind(filter, 0);
			gs_filter_add_kind(filter, 30617);
		}
		gs_filter_add_tag_value(filter, 'd', ascii->str);
		if (values[i] != NULL)
			gs_filter_add_tag_value(filter, 'Z', values[i]);
		gs_filter_add_tag_value(filter, 'a', "30617:x:y");
		gs_filter_set_since(filter, i % 2 == 0 ? 1700000000 : -1);
		gs_filter_set_until(filter, i);
		gs_filter_set_limit(filter, i % 4 == 0 ? 0 : -1);
		node = gs_filter_to_node(filter);
		want = json_to_string(node, FALSE);
		out = gs_filter_to_json(filter);
		g_assert_cmpstr(out, ==, want);
		if (values[i] == NULL)
			break;
	}
	{
		g_autoptr(GsFilter) empty = gs_filter_new();
		g_autofree gchar *out = gs_filter_to_json(empty);
		g_assert_cmpstr(out, ==, "{}");
	}
}

/* gs_filter_value_hash(): equal strings hash alike whatever their length and alignment, and
 * ids, coordinates and short values spread (few collisions among 20,000) */
static void
test_value_hash(void)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
	gchar buf[96];
	guint collisions = 0;

	for (gsize len = 0; len < 40; len++) {
		g_autofree gchar *a = g_strnfill(len, 'x');
		memset(buf, 'x', len);
		buf[len] = '\0';
		g_assert_cmpuint(gs_filter_value_hash(a), ==, gs_filter_value_hash(buf));
		/* the same text at another alignment */
		buf[0] = 'y';
		memset(buf + 1, 'x', len);
		buf[len + 1] = '\0';
		g_assert_cmpuint(gs_filter_value_hash(a), ==, gs_filter_value_hash(buf + 1));
	}
	for (guint i = 0; i < 20000; i++) {
		guint h;
		if (i % 2 == 0)
			g_snprintf(buf, sizeof(buf), "%064x", i * 2654435761u);
		else
			g_snprintf(buf, sizeof(buf), "30617:%064x:r%u", 7u, i);
		h = gs_filter_value_hash(buf);
		if (!g_hash_table_add(seen, GUINT_TO_POINTER(h)))
			collisions++;
	}
	g_assert_cmpuint(collisions, <, 10);
	g_assert_cmpuint(gs_filter_value_hash("a"), !=, gs_filter_value_hash("b"));
	g_assert_cmpuint(gs_filter_value_hash(""), !=, gs_filter_value_hash("\x01"));
}

/* gs_filter_add_tag_values_distinct() builds the filter gs_filter_add_tag_value() builds, and
 * later single adds still see its values */
static void
test_tag_values_distinct(void)
{
	g_autoptr(GsFilter) one = gs_filter_new();
	g_autoptr(GsFilter) many = gs_filter_new();
	g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *a = NULL;
	g_autofree gchar *b = NULL;

	for (guint i = 0; i < 40; i++)
		g_ptr_array_add(values, g_strdup_printf("%064x", i));
	for (guint i = 0; i < 20; i++)
		gs_filter_add_tag_value(one, 'e', values->pdata[i]);
	for (guint i = 0; i < 20; i++)
		gs_filter_add_tag_value(many, 'e', values->pdata[i]);
	/* the second half at once, after the set of the first half exists */
	gs_filter_add_tag_values_distinct(many, 'e', (const gchar *const *)values->pdata + 20, 20);
	for (guint i = 20; i < 40; i++)
		gs_filter_add_tag_value(one, 'e', values->pdata[i]);
	/* already there: ignored by both */
	gs_filter_add_tag_value(one, 'e', values->pdata[35]);
	gs_filter_add_tag_value(many, 'e', values->pdata[35]);
	gs_filter_add_tag_values_distinct(many, 'q', (const gchar *const *)values->pdata, 3);
	gs_filter_add_tag_value(one, 'q', values->pdata[0]);
	gs_filter_add_tag_value(one, 'q', values->pdata[1]);
	gs_filter_add_tag_value(one, 'q', values->pdata[2]);
	gs_filter_add_tag_value(many, 'q', values->pdata[1]);
	a = gs_filter_to_json(one);
	b = gs_filter_to_json(many);
	g_assert_cmpstr(a, ==, b);
	g_assert_cmpuint(gs_filter_get_tag_values(many, 'e')->len, ==, 40);
	g_assert_cmpuint(gs_filter_get_tag_values(many, 'q')->len, ==, 3);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/filter/roundtrip", gs_filter_roundtrip);
	g_test_add_func("/grasp-sync/filter/empty-object", gs_filter_empty_object);
	g_test_add_func("/grasp-sync/filter/builders", gs_filter_builders);
	g_test_add_func("/grasp-sync/filter/match-conditions", gs_filter_match_conditions);
	g_test_add_func("/grasp-sync/filter/match-id-author", gs_filter_match_id_author);
	g_test_add_func("/grasp-sync/filter/empty-match", gs_filter_empty_match);
	g_test_add_func("/grasp-sync/filter/many-values", gs_filter_many_values);
	g_test_add_func("/grasp-sync/filter/json-writer", gs_filter_json_writer);
	for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/grasp-sync/filter/bad-input/%u", i);
		g_test_add_data_func_full(path, &bad_cases[i], gs_filter_bad_input, NULL);
	}
	g_test_add_func("/grasp-sync/filter/value-hash", test_value_hash);
	g_test_add_func("/grasp-sync/filter/tag-values-distinct", test_tag_values_distinct);
	return g_test_run();
}
