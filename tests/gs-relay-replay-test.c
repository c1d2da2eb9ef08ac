/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-message.h"
#include "gs-relay-replay.h"
#include "gs-store-private.h"
#include "gs-store-sql.h"
#include "gs-test-utils.h"

/* tag values that JSON escapes, or that look like tags in the text */
static const gchar *const tricky_values[] = {
	"q\"uote",
	"back\\slash",
	"tab\tnew\nline\x01",
	"\xc3\xbcn\xc3\xaf"
	"code",
	"[\"t\",\"git\"]",
	"git",
};

/* a store of @n events over few timestamps (page boundaries fall inside runs of equal
 * created_at), kinds 1 and 7, authors from a few keys, each with a `t` tag, some with an `x`
 * and an `E` tag whose values need escaping */
static GsStore *
make_store(guint n, guint span, gsize pad)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autofree gchar *content = g_strnfill(pad, 'c');
	GsStore *store = gs_store_new(":memory:", &error);

	g_assert_no_error(error);
	for (guint i = 0; i < n; i++) {
		const gchar *tags[] = {"t",
				       i % 3 == 0 ? "git" : "other",
				       NULL,
				       "x",
				       tricky_values[i % G_N_ELEMENTS(tricky_values)],
				       "more",
				       NULL,
				       i % 2 ? "E" : "e",
				       tricky_values[i % 4],
				       NULL,
				       NULL};
		g_autofree gchar *text = g_strdup_printf("%u %s", i, content);
		g_ptr_array_add(
			events,
			gs_test_event_new(i % 5, 1000 + i % span, i % 4 ? 1 : 7, tags, text));
	}
	g_assert_true(gs_store_insert_batch(store, events, NULL, &error));
	g_assert_no_error(error);
	return store;
}

static GPtrArray *
parse_filters(const gchar *json)
{
	g_autoptr(JsonNode) root = json_from_string(json, NULL);
	JsonArray *arr = json_node_get_array(root);
	GPtrArray *filters = g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);

	for (guint i = 0; i < json_array_get_length(arr); i++) {
		g_autoptr(GError) error = NULL;
		GsFilter *f = gs_filter_new_from_node(json_array_get_element(arr, i), &error);
		g_assert_no_error(error);
		g_ptr_array_add(filters, f);
	}
	return filters;
}

typedef struct {
	guint n;
	guint span;
	gsize pad;
	const gchar *filters;
} ReplayCase;

static const ReplayCase replay_cases[] = {
	{0, 1, 0, "[{\"limit\":10}]"},
	{50, 50, 0, "[{\"limit\":500}]"},
	/* 600 events on 3 timestamps: every page boundary is inside a run */
	{600, 3, 0, "[{\"limit\":450}]"},
	{600, 1, 0, "[{\"limit\":600}]"},
	{600, 7, 0, "[{\"kinds\":[1],\"limit\":300},{\"kinds\":[7],\"limit\":40}]"},
	/* overlapping filters: an event matching both is given once */
	{600, 20, 0, "[{\"kinds\":[1],\"limit\":200},{\"#t\":[\"git\"],\"limit\":250}]"},
	{600, 600, 0, "[{\"since\":1100,\"until\":1400,\"limit\":1000},{\"limit\":5}]"},
	/* big events: small pages */
	{300, 10, 8000, "[{\"limit\":300},{\"kinds\":[7],\"limit\":0}]"},
	{300, 300, 100, "[{\"ids\":[],\"limit\":10},{\"kinds\":[7],\"limit\":1000}]"},
	/* tag conditions, checked on the stored text: escaped values, two letters, upper case */
	{300, 30, 0, "[{\"#x\":[\"q\\\"uote\",\"back\\\\slash\"],\"limit\":1000}]"},
	{300,
	 30,
	 0,
	 "[{\"#x\":[\"tab\\tnew\\nline\\u0001\",\"\u00fcn\u00efcode\"],\"limit\":100}]"},
	{300,
	 30,
	 0,
	 "[{\"#E\":[\"back\\\\slash\",\"[\\\"t\\\",\\\"git\\\"]\"],\"#t\":[\"git\"],\"limit\":1000}"
	 "]"},
	{300,
	 30,
	 0,
	 "[{\"#x\":[\"git\"],\"limit\":50},{\"#e\":[\"git\",\"nothing\"],\"kinds\":[1]}]"},
	{300, 30, 0, "[{\"#x\":[\"more\"]},{\"#t\":[\"other\"],\"since\":1010,\"until\":1020}]"},
};

/* the replay gives exactly what one query gives, as the EVENT messages the parsed path builds
 * (to the byte); returns the number of store queries it made */
static guint
assert_same_as_query(GsStore *store, GPtrArray *filters)
{
	g_autoptr(GsRelayReplay) replay = gs_relay_replay_new(store, filters, "sub \"1\"");
	g_autoptr(GPtrArray) want = NULL;
	g_autoptr(GError) error = NULL;
	guint got = 0;

	want = gs_store_query(store, filters, 0, &error);
	g_assert_no_error(error);
	for (;;) {
		g_autofree GsStoreRawEvent *ev = gs_relay_replay_next(replay, NULL, &error);
		g_autofree gchar *msg = NULL;
		g_assert_no_error(error);
		if (ev == NULL)
			break;
		g_assert_cmpuint(got, <, want->len);
		msg = gs_message_build_event("sub \"1\"", want->pdata[got]);
		g_assert_cmpstr(ev->text, ==, msg);
		g_assert_cmpuint(ev->len, ==, strlen(msg));
		g_assert_cmpuint(ev->json_len, ==, gs_event_get_json_size(want->pdata[got]));
		g_assert_cmpstr(ev->id_hex, ==, gs_event_get_id(want->pdata[got]));
		g_assert_cmpint(ev->created_at, ==, gs_event_get_created_at(want->pdata[got]));
		got++;
	}
	g_assert_cmpuint(got, ==, want->len);
	return gs_relay_replay_get_query_count(replay);
}

static void
test_same_as_query(gconstpointer data)
{
	const ReplayCase *c = data;
	g_autoptr(GsStore) store = make_store(c->n, c->span, c->pad);
	g_autoptr(GPtrArray) filters = parse_filters(c->filters);
	g_autoptr(GPtrArray) want = NULL;
	g_autoptr(GError) error = NULL;
	guint queries;

	want = gs_store_query(store, filters, 0, &error);
	g_assert_no_error(error);
	if (c->n > 0)
		g_assert_cmpuint(want->len, >, 0);
	queries = assert_same_as_query(store, filters);
	if (c->n >= 600 && want->len > 200)
		g_assert_cmpuint(queries, >, filters->len);
}

/* `ids` filters (as negentropy fetches them): one page of keys each, limits within them */
static void
test_ids(void)
{
	g_autoptr(GsStore) store = make_store(600, 3, 0);
	g_autoptr(GPtrArray) all_filters = parse_filters("[{}]");
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GsFilter) a = gs_filter_new();
	g_autoptr(GsFilter) b = gs_filter_new();
	g_autoptr(GsFilter) c = gs_filter_new();
	g_autoptr(GPtrArray) filters = g_ptr_array_new();

	all = gs_store_query(store, all_filters, 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(all->len, ==, 600);
	for (guint i = 0; i < all->len; i++) {
		const gchar *id = gs_event_get_id(all->pdata[i]);
		if (i % 3 == 0)
			gs_filter_add_id(a, id);
		if (i % 4 == 1)
			gs_filter_add_id(b, id);
	}
	gs_filter_add_id(a, "00000000000000000000000000000000000000000000000000000000000000ff");
	gs_filter_set_limit(b, 40);
	gs_filter_add_id(c, gs_event_get_id(all->pdata[7]));
	gs_filter_add_kind(c, 1);
	g_ptr_array_add(filters, a);
	g_assert_cmpuint(assert_same_as_query(store, filters), ==, 1);
	g_ptr_array_add(filters, b);
	g_ptr_array_add(filters, c);
	assert_same_as_query(store, filters);
	/* more ids than a page of keys: read page by page from the cursor, inside runs of equal
	 * created_at (600 events on 3 timestamps), each id read on its own */
	{
		g_autoptr(GsFilter) d = gs_filter_new();
		g_autoptr(GPtrArray) big = g_ptr_array_new();
		for (guint i = 0; i < all->len; i++)
			gs_filter_add_id(d, gs_event_get_id(all->pdata[i]));
		for (guint i = 0; i < 500; i++) {
			g_autofree gchar *id = g_strdup_printf("%064x", i);
			gs_filter_add_id(d, id);
		}
		g_ptr_array_add(big, d);
		g_assert_cmpuint(assert_same_as_query(store, big), ==, 2);
		gs_filter_set_limit(d, 250);
		assert_same_as_query(store, big);
	}
}

/* an event deleted after its key was read is not sent, and not counted */
static void
test_deleted_meanwhile(void)
{
	g_autoptr(GsStore) store = make_store(200, 200, 0);
	g_autoptr(GPtrArray) filters = parse_filters("[{\"limit\":199}]");
	g_autoptr(GsRelayReplay) replay = gs_relay_replay_new(store, filters, "s");
	g_autoptr(GPtrArray) want = NULL;
	g_autoptr(GsEvent) deletion = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree GsStoreRawEvent *first = NULL;
	g_autofree gchar *victim = NULL;
	GsStoreResult result;
	guint got = 1;

	want = gs_store_query(store, filters, 0, &error);
	g_assert_no_error(error);
	first = gs_relay_replay_next(replay, NULL, &error);
	g_assert_cmpstr(first->id_hex, ==, gs_event_get_id(want->pdata[0]));
	/* want[50] is event 149 (created_at 1149, key 149 % 5), in the page of keys read */
	victim = g_strdup(gs_event_get_id(want->pdata[50]));
	{
		const gchar *tags[] = {"e", victim, NULL, NULL};
		deletion = gs_test_event_new(4, 3000, 5, tags, "");
	}
	g_assert_true(gs_store_insert(store, deletion, &result, &error));
	g_assert_no_error(error);
	g_assert_false(gs_store_has_event(store, victim, &error));
	for (;;) {
		g_autofree GsStoreRawEvent *ev = gs_relay_replay_next(replay, NULL, &error);
		g_assert_no_error(error);
		if (ev == NULL)
			break;
		g_assert_cmpstr(ev->id_hex, !=, victim);
		got++;
	}
	/* the limit counts events given: the one after the last of `want` takes its place */
	g_assert_cmpuint(got, ==, 199);
}

/* excluded ids are skipped and do not count towards the limit */
static void
test_exclude(void)
{
	g_autoptr(GsStore) store = make_store(100, 100, 0);
	g_autoptr(GPtrArray) filters = parse_filters("[{\"limit\":10}]");
	g_autoptr(GsRelayReplay) replay = gs_relay_replay_new(store, filters, "s");
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GHashTable) exclude = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) all_filters = parse_filters("[{\"limit\":12}]");
	guint got = 0;

	all = gs_store_query(store, all_filters, 0, &error);
	g_hash_table_add(exclude, (gpointer)gs_event_get_id(all->pdata[0]));
	g_hash_table_add(exclude, (gpointer)gs_event_get_id(all->pdata[5]));
	for (;;) {
		g_autofree GsStoreRawEvent *ev = gs_relay_replay_next(replay, exclude, &error);
		if (ev == NULL)
			break;
		g_assert_false(g_hash_table_contains(exclude, ev->id_hex));
		got++;
	}
	g_assert_no_error(error);
	g_assert_cmpuint(got, ==, 10);
}

/* a filter the store refuses (more values than SQLite binds, 250,000 on Debian 12): the
 * error comes from the first read */
static void
test_error(void)
{
	g_autoptr(GsStore) store = make_store(1, 1, 0);
	g_autoptr(GPtrArray) filters = NULL;
	g_autoptr(GsRelayReplay) replay = NULL;
	g_autofree GsStoreRawEvent *ev = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) json = g_string_new("[{\"limit\":10,\"#t\":[");

	for (guint i = 0; i < 260000; i++)
		g_string_append_printf(json, "%s\"v%u\"", i > 0 ? "," : "", i);
	g_string_append(json, "]}]");
	filters = parse_filters(json->str);
	replay = gs_relay_replay_new(store, filters, "s");
	ev = gs_relay_replay_next(replay, NULL, &error);
	g_assert_null(ev);
	g_assert_error(error, GS_ERROR, GS_ERROR_TOO_LARGE);
}

static GPtrArray *
query_raw(GsStore *store, const gchar *filter_json, guint expect_rows)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsFilter) filter = gs_filter_new_from_json(filter_json, -1, &error);
	GPtrArray *events = NULL;
	guint rows = 0;

	g_assert_no_error(error);
	g_assert_true(gs_store_query_raw(store, filter, "<", ">", &events, &rows, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(rows, ==, expect_rows);
	return events;
}

/* a row the tags index gives by a collision of its 64-bit keys is dropped, even when the
 * event's text holds the tag's JSON inside a string; a stored text not in our own
 * serialisation is parsed, and still served as stored */
static void
test_tag_collision(void)
{
	const gchar *tags_a[] = {"t", "git", NULL, NULL};
	const gchar *tags_b[] = {"x", "[\"t\",\"git\"]", NULL, "t", "other", NULL, NULL};
	g_autoptr(GsEvent) a = gs_test_event_new(1, 2000, 1, tags_a, "a");
	g_autoptr(GsEvent) b = gs_test_event_new(2, 1000, 1, tags_b, "[\"t\",\"git\"]");
	g_autoptr(GPtrArray) batch = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = gs_store_new(":memory:", &error);
	g_autoptr(GPtrArray) got = NULL;
	g_autofree gchar *sql = NULL;
	gint64 seq_a = 0;
	gint64 seq_b = 0;

	g_ptr_array_add(batch, a);
	g_ptr_array_add(batch, b);
	g_assert_true(gs_store_insert_batch(store, batch, NULL, &error));
	g_assert_true(gs_store_lookup_seq(store, gs_event_get_id_raw(a), &seq_a, &error));
	g_assert_true(gs_store_lookup_seq(store, gs_event_get_id_raw(b), &seq_b, &error));
	g_assert_no_error(error);
	/* b as if its `t` tag had collided with ("t", "git") */
	sql = g_strdup_printf("INSERT INTO tags (key, event) VALUES (%" G_GINT64_FORMAT
			      ", %" G_GINT64_FORMAT ")",
			      gs_store_sql_tag_key(gs_store_get_tag_secret(store), "t", "git"),
			      seq_b);
	g_assert_true(gs_store_sql_exec(gs_store_get_db(store), sql, &error));
	got = query_raw(store, "{\"#t\":[\"git\"]}", 2);
	g_assert_cmpuint(got->len, ==, 1);
	g_assert_cmpstr(((GsStoreRawEvent *)got->pdata[0])->id_hex, ==, gs_event_get_id(a));
	g_clear_pointer(&got, g_ptr_array_unref);
	/* a filter without tag conditions is not checked: SQL decided it */
	got = query_raw(store, "{\"kinds\":[1],\"limit\":1}", 1);
	g_assert_cmpuint(got->len, ==, 1);
	g_clear_pointer(&got, g_ptr_array_unref);

	/* a's text with a blank the tag search does not expect: parsed, matched, sent as is */
	g_clear_pointer(&sql, g_free);
	sql = g_strdup_printf("UPDATE events SET json = replace(json, '[\"t\",\"git\"]', "
			      "'[\"t\", \"git\"]') WHERE seq = %" G_GINT64_FORMAT,
			      seq_a);
	g_assert_true(gs_store_sql_exec(gs_store_get_db(store), sql, &error));
	got = query_raw(store, "{\"#t\":[\"git\"],\"limit\":5}", 2);
	g_assert_cmpuint(got->len, ==, 1);
	g_assert_nonnull(strstr(((GsStoreRawEvent *)got->pdata[0])->text, "[\"t\", \"git\"]"));
	g_assert_true(g_str_has_prefix(((GsStoreRawEvent *)got->pdata[0])->text, "<{"));
	g_assert_true(g_str_has_suffix(((GsStoreRawEvent *)got->pdata[0])->text, "}>"));
	g_clear_pointer(&got, g_ptr_array_unref);
	/* the limit counts rows: one row read, b never reached */
	got = query_raw(store, "{\"#t\":[\"git\"],\"limit\":1}", 1);
	g_assert_cmpuint(got->len, ==, 1);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	for (guint i = 0; i < G_N_ELEMENTS(replay_cases); i++) {
		g_autofree gchar *path =
			g_strdup_printf("/grasp-sync/relay-replay/same-as-query/%u", i);
		g_test_add_data_func(path, &replay_cases[i], test_same_as_query);
	}
	g_test_add_func("/grasp-sync/relay-replay/exclude", test_exclude);
	g_test_add_func("/grasp-sync/relay-replay/error", test_error);
	g_test_add_func("/grasp-sync/relay-replay/tag-collision", test_tag_collision);
	g_test_add_func("/grasp-sync/relay-replay/ids", test_ids);
	g_test_add_func("/grasp-sync/relay-replay/deleted-meanwhile", test_deleted_meanwhile);
	return g_test_run();
}
