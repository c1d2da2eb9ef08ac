/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-event.h"
#include "gs-sync-peek.h"
#include "gs-test-utils.h"

#define ROOT "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define OTHER "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static GsFilter *
filter_e(const gchar *value)
{
	GsFilter *filter = gs_filter_new();
	gs_filter_add_tag_value(filter, 'e', value);
	return filter;
}

static GsSyncPeekResult
peek(const gchar *json, GsFilter *filter, gchar *id, gint64 *created_at)
{
	g_autoptr(GHashTable) values = gs_sync_peek_values(filter);

	return gs_sync_peek_match(json, strlen(json), filter, values, id, created_at);
}

/* a signed event, as relays send it: the scanner agrees with the filter match of the parsed
 * event, and reads its id and created_at */
static void
gs_sync_peek_agrees_with_parse(void)
{
	const gchar *tags[] = {"e", ROOT, "", "root", "p", OTHER, NULL, "q", OTHER, NULL, NULL};
	g_autoptr(GsEvent) event = gs_test_event_new(
		3, 1700000000, 1111, tags, "text \"tags\":[[\"e\",\"" OTHER "\"]]");
	const gchar *json = gs_event_get_json(event);
	g_autoptr(GsFilter) hit = filter_e(ROOT);
	g_autoptr(GsFilter) miss = filter_e(OTHER);
	g_autoptr(GsFilter) kinds = filter_e(ROOT);
	g_autoptr(GsFilter) until = filter_e(ROOT);
	gchar id[65];
	gint64 created_at = 0;

	g_assert_cmpint(peek(json, hit, id, &created_at), ==, GS_SYNC_PEEK_MATCH);
	g_assert_cmpstr(id, ==, gs_event_get_id(event));
	g_assert_cmpint(created_at, ==, 1700000000);
	g_assert_true(gs_filter_matches(hit, event));
	/* OTHER is in the content and a `p` and `q` tag, not an `e` tag */
	g_assert_cmpint(peek(json, miss, id, &created_at), ==, GS_SYNC_PEEK_NO_MATCH);
	g_assert_false(gs_filter_matches(miss, event));
	gs_filter_add_kind(kinds, 1617);
	g_assert_cmpint(peek(json, kinds, id, &created_at), ==, GS_SYNC_PEEK_NO_MATCH);
	gs_filter_add_kind(kinds, 1111);
	g_assert_cmpint(peek(json, kinds, id, &created_at), ==, GS_SYNC_PEEK_MATCH);
	gs_filter_set_until(until, 1699999999);
	g_assert_cmpint(peek(json, until, id, &created_at), ==, GS_SYNC_PEEK_NO_MATCH);
	gs_filter_set_until(until, 1700000000);
	gs_filter_set_since(until, 1700000000);
	g_assert_cmpint(peek(json, until, id, &created_at), ==, GS_SYNC_PEEK_MATCH);
}

/* contents of every length around the eight-byte steps, with escapes anywhere: the scan
 * finds the end of each string as the parser does */
static void
gs_sync_peek_strings(void)
{
	const gchar *tags[] = {"e", ROOT, NULL, NULL};
	const gchar *specials[] = {"\"", "\\", "\n", "\u00e9", "\t", "é", "/"};
	g_autoptr(GsFilter) hit = filter_e(ROOT);

	for (guint len = 0; len < 40; len++) {
		for (guint k = 0; k <= G_N_ELEMENTS(specials); k++) {
			g_autoptr(GString) content = g_string_new(NULL);
			g_autoptr(GsEvent) event = NULL;
			gchar id[65];
			gint64 created_at = 0;
			for (guint i = 0; i < len; i++) {
				if (k < G_N_ELEMENTS(specials) && i == len / 2)
					g_string_append(content, specials[k]);
				g_string_append_c(content, (gchar)('a' + i % 26));
			}
			event = gs_test_event_new(3, 1700000000 + len, 1111, tags, content->str);
			g_assert_cmpint(peek(gs_event_get_json(event), hit, id, &created_at),
					==,
					GS_SYNC_PEEK_MATCH);
			g_assert_cmpstr(id, ==, gs_event_get_id(event));
			g_assert_cmpint(created_at, ==, 1700000000 + len);
		}
	}
}

/* whatever it is not sure of is left to the parser */
static void
gs_sync_peek_unsure(void)
{
	g_autoptr(GsFilter) filter = filter_e(ROOT);
	g_autoptr(GsFilter) two = filter_e(ROOT);
	g_autoptr(GsFilter) ids = filter_e(ROOT);
	const gchar *base = "{\"id\":\"" OTHER "\",\"created_at\":5,\"kind\":1,";
	const gchar *cases[] = {
		/* an escape in the tags */
		"\"tags\":[[\"e\",\"\\u0061" ROOT "\"]],\"content\":\"\"}",
		/* a member twice */
		"\"tags\":[[\"e\",\"" ROOT "\"]],\"kind\":2}",
		/* no tags */
		"\"content\":\"\"}",
		/* malformed */
		"\"tags\":[[\"e\",\"" ROOT "\"],\"content\":\"\"}",
		"\"tags\":[[\"e\",\"" ROOT "\"]],\"content\":}",
		"\"tags\":[[\"e\",\"" ROOT "\"]],\"content\":\"\"} x",
		"\"tags\":[[\"e\",\"" ROOT "\"]],\"content\":\"unterminated}",
		"\"tags\":[[\"e\",1]],\"content\":\"\"}",
		/* a control character in a string, after eight plain bytes and in the first eight
		 */
		"\"tags\":[[\"e\",\"" ROOT "\"]],\"content\":\"abcdefghij\x01k\"}",
		"\"tags\":[[\"e\",\"" ROOT "\"]],\"content\":\"ab\ncdefghijk\"}",
		/* unterminated after an escape */
		"\"tags\":[[\"e\",\"" ROOT "\"]],\"content\":\"abcdefghij\\\"}",
	};
	gchar id[65];
	gint64 created_at;

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *json = g_strconcat(base, cases[i], NULL);
		g_assert_cmpint(peek(json, filter, id, &created_at), ==, GS_SYNC_PEEK_UNSURE);
	}
	/* a created_at that is not a plain integer */
	g_assert_cmpint(peek("{\"id\":\"" OTHER "\",\"created_at\":-5,\"kind\":1,\"tags\":[]}",
			     filter,
			     id,
			     &created_at),
			==,
			GS_SYNC_PEEK_UNSURE);
	/* filters it does not decide */
	gs_filter_add_tag_value(two, 'E', ROOT);
	g_assert_null(gs_sync_peek_values(two));
	gs_filter_add_id(ids, OTHER);
	g_assert_null(gs_sync_peek_values(ids));
	/* nested values and literals are skipped */
	g_assert_cmpint(peek("{\"x\":{\"a\":[1,true,null,{\"b\":\"]\"}]},\"id\":\"" OTHER
			     "\",\"created_at\":7,\"kind\":1,\"tags\":[[],[\"e\",\"" ROOT
			     "\",\"r\"]],\"y\":-1.5e3}",
			     filter,
			     id,
			     &created_at),
			==,
			GS_SYNC_PEEK_MATCH);
	g_assert_cmpint(created_at, ==, 7);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/sync-peek/agrees-with-parse", gs_sync_peek_agrees_with_parse);
	g_test_add_func("/grasp-sync/sync-peek/strings", gs_sync_peek_strings);
	g_test_add_func("/grasp-sync/sync-peek/unsure", gs_sync_peek_unsure);
	return g_test_run();
}
