/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-hex.h"
#include "gs-negentropy.h"
#include "gs-relay-neg.h"
#include "gs-test-client.h"
#include "gs-test-relay.h"
#include "gs-test-utils.h"

#define WAIT_MS 5000

/*
 * A random reconciliation: the store holds "both" and "server only" events, the initiator
 * holds "both" and "client only" items; the differences found must be exactly those sets.
 */
typedef struct {
	GsStore *store;
	GsNegentropyStorage *local;
	GHashTable *server_only; /* hex id */
	GHashTable *client_only; /* hex id */
} RandomSets;

static void
random_sets_clear(RandomSets *sets)
{
	g_clear_object(&sets->store);
	g_clear_pointer(&sets->local, gs_negentropy_storage_unref);
	g_clear_pointer(&sets->server_only, g_hash_table_unref);
	g_clear_pointer(&sets->client_only, g_hash_table_unref);
}

/* timestamps from a narrow range, so that many items share one */
static void
random_sets_init(RandomSets *sets, GsStore *store, guint n, guint seed)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GError) error = NULL;

	sets->store = g_object_ref(store);
	sets->local = gs_negentropy_storage_new(n);
	sets->server_only = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sets->client_only = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < n; i++) {
		gint64 ts = 1000000 + g_rand_int_range(rand, 0, n / 4 + 1);
		guint where = g_rand_int_range(rand, 0, 4); /* 0,1: both, 2: server, 3: client */
		if (where == 3) {
			guint8 id[32];
			for (guint j = 0; j < 32; j++)
				id[j] = (guint8)g_rand_int_range(rand, 0, 256);
			g_assert_true(gs_negentropy_storage_add(sets->local, ts, id, NULL));
			g_hash_table_add(sets->client_only, gs_hex_encode(id, 32));
			continue;
		}
		g_ptr_array_add(events, gs_test_event_new(seed * 100000 + i, ts, 1617, NULL, "p"));
		if (where == 2) {
			g_hash_table_add(sets->server_only,
					 g_strdup(gs_event_get_id(events->pdata[events->len - 1])));
			continue;
		}
		g_assert_true(gs_negentropy_storage_add(
			sets->local,
			ts,
			gs_event_get_id_raw(events->pdata[events->len - 1]),
			NULL));
	}
	gs_negentropy_storage_seal(sets->local);
	if (events->len > 0)
		g_assert_true(gs_store_insert_batch(store, events, NULL, &error));
	g_assert_no_error(error);
}

static void
collect_ids(GArray *ids, GHashTable *into)
{
	for (guint i = 0; i < ids->len; i++) {
		GsNegentropyId *id = &g_array_index(ids, GsNegentropyId, i);
		g_hash_table_add(into, gs_hex_encode(id->bytes, 32));
	}
}

static void
assert_same_set(GHashTable *got, GHashTable *want)
{
	GHashTableIter iter;
	gpointer key;

	g_assert_cmpuint(g_hash_table_size(got), ==, g_hash_table_size(want));
	g_hash_table_iter_init(&iter, want);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_assert_true(g_hash_table_contains(got, key));
}

/* parses a NEG-MSG or NEG-ERR answer */
static GsMessage *
parse_answer(const gchar *text)
{
	g_autoptr(GError) error = NULL;
	GsMessage *msg = gs_message_parse(text, strlen(text), GS_MESSAGE_FROM_RELAY, &error);
	g_assert_no_error(error);
	return msg;
}

static gchar *
bytes_to_hex(GBytes *bytes)
{
	return gs_hex_encode(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
}

/* one initiator step on a NEG-MSG answer; returns the next hex or NULL when done */
static gchar *
initiator_step(GsNegentropy *ne, GsMessage *answer, GArray *have, GArray *need)
{
	g_autoptr(GBytes) in = NULL;
	g_autoptr(GBytes) next = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(answer->type, ==, GS_MESSAGE_NEG_MSG);
	in = gs_hex_decode(answer->text, &error);
	g_assert_no_error(error);
	g_assert_true(gs_negentropy_reconcile(
		ne, g_bytes_get_data(in, NULL), g_bytes_get_size(in), &next, have, need, &error));
	g_assert_no_error(error);
	return next != NULL ? bytes_to_hex(next) : NULL;
}

typedef struct {
	guint n;
	guint frame_limit;
	guint seed;
} ReconcileCase;

static const ReconcileCase reconcile_cases[] = {
	{0, 0, 1},
	{1, 0, 2},
	{40, 0, 3},
	{300, 0, 4},
	{300, 4096, 5},
	{1500, 4096, 6},
	{1500, 0, 7},
};

/* the responder sessions against a local initiator, message by message */
static void
test_reconcile(gconstpointer data)
{
	const ReconcileCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = gs_store_new(":memory:", &error);
	g_autoptr(GsRelayNeg) neg = gs_relay_neg_new(store, 4, 100000, c->frame_limit);
	g_autoptr(GsNegentropy) ne = NULL;
	g_autoptr(GArray) have = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	g_autoptr(GArray) need = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	g_autoptr(GHashTable) have_set =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) need_set =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(JsonNode) filter = json_from_string("{\"kinds\":[1617]}", NULL);
	g_autoptr(GBytes) first = NULL;
	g_autofree gchar *hex = NULL;
	g_autofree gchar *answer_text = NULL;
	RandomSets sets = {0};
	guint rounds = 0;

	g_assert_no_error(error);
	random_sets_init(&sets, store, c->n, c->seed);
	ne = gs_negentropy_new(sets.local, c->frame_limit, &error);
	g_assert_no_error(error);
	first = gs_negentropy_initiate(ne, &error);
	g_assert_no_error(error);
	hex = bytes_to_hex(first);
	answer_text = gs_relay_neg_open(neg, "n1", filter, hex);
	g_assert_cmpuint(gs_relay_neg_get_session_count(neg), ==, 1);
	for (;;) {
		g_autoptr(GsMessage) answer = parse_answer(answer_text);
		g_autofree gchar *next = NULL;
		g_assert_cmpstr(answer->sub_id, ==, "n1");
		if (c->frame_limit > 0)
			g_assert_cmpuint(strlen(answer->text) / 2, <=, c->frame_limit);
		next = initiator_step(ne, answer, have, need);
		rounds++;
		if (next == NULL)
			break;
		g_free(answer_text);
		answer_text = gs_relay_neg_msg(neg, "n1", next);
	}
	collect_ids(have, have_set);
	collect_ids(need, need_set);
	assert_same_set(have_set, sets.client_only);
	assert_same_set(need_set, sets.server_only);
	if (c->frame_limit > 0 && c->n >= 1500)
		g_assert_cmpuint(rounds, >, 1);
	g_assert_true(gs_relay_neg_close(neg, "n1"));
	g_assert_false(gs_relay_neg_close(neg, "n1"));
	g_assert_cmpuint(gs_relay_neg_get_item_count(neg), ==, 0);
	random_sets_clear(&sets);
}

static void
assert_neg_err(const gchar *text, const gchar *sub, const gchar *prefix)
{
	g_autoptr(GsMessage) msg = parse_answer(text);
	g_assert_cmpint(msg->type, ==, GS_MESSAGE_NEG_ERR);
	g_assert_cmpstr(msg->sub_id, ==, sub);
	if (!g_str_has_prefix(msg->text, prefix))
		g_error("NEG-ERR '%s' does not start with '%s'", msg->text, prefix);
}

static void
test_limits(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = gs_store_new(":memory:", &error);
	g_autoptr(GsRelayNeg) neg = gs_relay_neg_new(store, 2, 10, 0);
	g_autoptr(JsonNode) all = json_from_string("{}", NULL);
	g_autoptr(JsonNode) notes = json_from_string("{\"kinds\":[1]}", NULL);
	g_autoptr(JsonNode) few = json_from_string("{\"kinds\":[1],\"since\":1005}", NULL);
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	gchar *text;

	for (guint i = 0; i < 11; i++)
		g_ptr_array_add(events,
				gs_test_event_new(i + 1, 1000 + i, i < 8 ? 1 : 7, NULL, ""));
	g_assert_true(gs_store_insert_batch(store, events, NULL, &error));
	/* 11 events match: more than 10 */
	text = gs_relay_neg_open(neg, "a", all, "6100000200");
	assert_neg_err(text, "a", "blocked: too many results");
	g_free(text);
	g_assert_cmpuint(gs_relay_neg_get_session_count(neg), ==, 0);
	/* 8 fit; 3 more would not fit beside them */
	text = gs_relay_neg_open(neg, "b", notes, "6100000200");
	g_assert_true(g_str_has_prefix(text, "[\"NEG-MSG\",\"b\","));
	g_free(text);
	text = gs_relay_neg_open(neg, "c", few, "6100000200");
	assert_neg_err(text, "c", "blocked: too many results held");
	g_free(text);
	/* re-opening "b" replaces it, so its items do not count twice */
	text = gs_relay_neg_open(neg, "b", few, "6100000200");
	g_assert_true(g_str_has_prefix(text, "[\"NEG-MSG\",\"b\","));
	g_free(text);
	g_assert_cmpuint(gs_relay_neg_get_item_count(neg), ==, 3);
	text = gs_relay_neg_open(neg, "c", few, "6100000200");
	g_assert_true(g_str_has_prefix(text, "[\"NEG-MSG\",\"c\","));
	g_free(text);
	/* two sessions are the maximum */
	text = gs_relay_neg_open(neg, "d", few, "6100000200");
	assert_neg_err(text, "d", "blocked: too many open negentropy sessions");
	g_free(text);
	/* a bad message ends the session */
	text = gs_relay_neg_msg(neg, "c", "61zz");
	assert_neg_err(text, "c", "closed: bad negentropy message");
	g_free(text);
	text = gs_relay_neg_msg(neg, "c", "6100000200");
	assert_neg_err(text, "c", "closed: unknown subscription handle");
	g_free(text);
	g_assert_cmpuint(gs_relay_neg_get_session_count(neg), ==, 1);
	g_assert_cmpuint(gs_relay_neg_get_item_count(neg), ==, 3);
}

/* the same over a websocket: NEG-OPEN, NEG-MSG rounds, NEG-CLOSE, then an unknown handle */
static void
test_websocket(void)
{
	GsRelayLimits limits;
	g_autoptr(GsTestRelay) relay = NULL;
	g_autoptr(GsTestClient) client = NULL;
	g_autoptr(GsNegentropy) ne = NULL;
	g_autoptr(GArray) have = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	g_autoptr(GArray) need = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	g_autoptr(GHashTable) have_set =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) need_set =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GBytes) first = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *hex = NULL;
	g_autofree gchar *open = NULL;
	g_autoptr(GsMessage) err = NULL;
	RandomSets sets = {0};

	gs_relay_limits_init(&limits);
	/* below the protocol's minimum: the endpoint uses 4096 */
	limits.negentropy_frame_limit = 1000;
	relay = gs_test_relay_new_full(NULL, &limits);
	random_sets_init(&sets, gs_test_relay_get_store(relay), 800, 11);
	ne = gs_negentropy_new(sets.local, 4096, &error);
	g_assert_no_error(error);
	first = gs_negentropy_initiate(ne, &error);
	hex = bytes_to_hex(first);
	open = g_strdup_printf("[\"NEG-OPEN\",\"w\",{\"kinds\":[1617]},\"%s\"]", hex);
	client = gs_test_client_new(gs_test_relay_get_url(relay));
	gs_test_client_send(client, open);
	for (;;) {
		g_autoptr(GsMessage) answer = gs_test_client_recv_message(client, WAIT_MS);
		g_autofree gchar *next = NULL;
		g_autofree gchar *text = NULL;
		g_assert_nonnull(answer);
		g_assert_cmpint(answer->type, ==, GS_MESSAGE_NEG_MSG);
		g_assert_cmpuint(strlen(answer->text) / 2, <=, 4096);
		next = initiator_step(ne, answer, have, need);
		if (next == NULL)
			break;
		text = g_strdup_printf("[\"NEG-MSG\",\"w\",\"%s\"]", next);
		gs_test_client_send(client, text);
	}
	collect_ids(have, have_set);
	collect_ids(need, need_set);
	assert_same_set(have_set, sets.client_only);
	assert_same_set(need_set, sets.server_only);
	gs_test_client_send(client, "[\"NEG-CLOSE\",\"w\"]");
	gs_test_client_send(client, "[\"NEG-MSG\",\"w\",\"61\"]");
	err = gs_test_client_recv_message(client, WAIT_MS);
	g_assert_nonnull(err);
	g_assert_cmpint(err->type, ==, GS_MESSAGE_NEG_ERR);
	g_assert_cmpstr(err->text, ==, "closed: unknown subscription handle");
	random_sets_clear(&sets);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	for (guint i = 0; i < G_N_ELEMENTS(reconcile_cases); i++) {
		g_autofree gchar *path =
			g_strdup_printf("/grasp-sync/relay-neg/reconcile/%u-items-limit-%u",
					reconcile_cases[i].n,
					reconcile_cases[i].frame_limit);
		g_test_add_data_func(path, &reconcile_cases[i], test_reconcile);
	}
	g_test_add_func("/grasp-sync/relay-neg/limits", test_limits);
	g_test_add_func("/grasp-sync/relay-neg/websocket", test_websocket);
	return g_test_run();
}
