/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Property tests: two sides built from seeded random sets reconcile, both ours, and the
 * initiator's have/need are exactly A\B and B\A; every message stays within its sender's
 * frame limit; every session ends.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gs-error.h"
#include "gs-negentropy.h"
#include "gs-test-utils.h"

#define MAX_ROUNDS 100000

typedef enum {
	TS_RANDOM,   /* timestamps spread over a window smaller than the set */
	TS_ONE,	     /* every record on one timestamp */
	TS_LAST_BYTE /* one timestamp, ids equal but for their last byte */
} TsKind;

typedef struct {
	const gchar *name;
	guint n_common;
	guint n_a;
	guint n_b;
	TsKind ts_kind;
	guint seed;
} SetCase;

static const SetCase set_cases[] = {
	{"both-empty", 0, 0, 0, TS_RANDOM, 1},
	{"a-empty", 0, 0, 3000, TS_RANDOM, 2},
	{"b-empty", 0, 3000, 0, TS_RANDOM, 3},
	{"disjoint", 0, 10000, 10000, TS_RANDOM, 4},
	{"equal", 20000, 0, 0, TS_RANDOM, 5},
	{"superset", 5000, 2000, 0, TS_RANDOM, 6},
	{"subset", 5000, 0, 2000, TS_RANDOM, 7},
	{"one-timestamp", 4000, 500, 500, TS_ONE, 8},
	{"last-byte", 128, 64, 64, TS_LAST_BYTE, 9},
	{"one-each", 1, 1, 1, TS_RANDOM, 10},
	{"large", 199000, 1000, 1000, TS_RANDOM, 11},
};

typedef struct {
	gsize limit_a;
	gsize limit_b;
	gboolean reference_digest;
} LimitCase;

static const LimitCase limit_cases[] = {
	{0, 0, FALSE},
	{4096, 4096, FALSE},
	{60000, 60000, FALSE},
	{0, 4096, FALSE},
	{4096, 0, FALSE},
	{4096, 4096, TRUE},
};

typedef struct {
	guint rounds;
	gsize up;
	gsize down;
} Stats;

static void
make_id(GRand *rand, TsKind kind, guint serial, guint8 *id)
{
	if (kind == TS_LAST_BYTE) {
		memset(id, 0x5a, GS_NEGENTROPY_ID_SIZE);
		id[GS_NEGENTROPY_ID_SIZE - 1] = serial;
		return;
	}
	for (guint j = 0; j < GS_NEGENTROPY_ID_SIZE; j += 4) {
		guint32 v = g_rand_int(rand);
		memcpy(id + j, &v, 4);
	}
}

static guint64
make_ts(GRand *rand, TsKind kind, guint total)
{
	if (kind != TS_RANDOM)
		return 1700000000;
	return 1600000000 + g_rand_int_range(rand, 0, MAX(1, total / 3));
}

/* builds both sides; the expected differences go to @a_only and @b_only */
static void
build_sets(const SetCase *c,
	   GsNegentropyStorage **a,
	   GsNegentropyStorage **b,
	   GArray *a_only,
	   GArray *b_only)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(c->seed);
	guint total = c->n_common + c->n_a + c->n_b;

	*a = gs_negentropy_storage_new(c->n_common + c->n_a);
	*b = gs_negentropy_storage_new(c->n_common + c->n_b);
	for (guint i = 0; i < total; i++) {
		GsNegentropyId id;
		guint64 ts = make_ts(rand, c->ts_kind, total);

		make_id(rand, c->ts_kind, i, id.bytes);
		if (i < c->n_common || i < c->n_common + c->n_a)
			g_assert_true(gs_negentropy_storage_add(*a, ts, id.bytes, NULL));
		if (i < c->n_common || i >= c->n_common + c->n_a)
			g_assert_true(gs_negentropy_storage_add(*b, ts, id.bytes, NULL));
		if (i >= c->n_common && i < c->n_common + c->n_a)
			g_array_append_val(a_only, id);
		if (i >= c->n_common + c->n_a)
			g_array_append_val(b_only, id);
	}
	gs_negentropy_storage_seal(*a);
	gs_negentropy_storage_seal(*b);
}

static void
assert_within(GBytes *msg, gsize limit, const gchar *who)
{
	if (limit != 0 && g_bytes_get_size(msg) > limit)
		g_error("%s sent %" G_GSIZE_FORMAT " bytes over its limit %" G_GSIZE_FORMAT,
			who,
			g_bytes_get_size(msg),
			limit);
}

/* a full session, A initiating against B; have/need collect what A learns */
static void
run_session(GsNegentropyStorage *a,
	    GsNegentropyStorage *b,
	    const LimitCase *lc,
	    GArray *have,
	    GArray *need,
	    Stats *stats)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsNegentropy) client = gs_negentropy_new(a, lc->limit_a, &error);
	g_autoptr(GsNegentropy) server = gs_negentropy_new(b, lc->limit_b, &error);
	g_autoptr(GBytes) q = NULL;

	g_assert_no_error(error);
	gs_negentropy_set_reference_digest(client, lc->reference_digest);
	gs_negentropy_set_reference_digest(server, lc->reference_digest);
	q = gs_negentropy_initiate(client, &error);
	g_assert_no_error(error);
	memset(stats, 0, sizeof(*stats));
	while (q != NULL) {
		g_autoptr(GBytes) r = NULL;
		GBytes *next = NULL;

		g_assert_cmpuint(stats->rounds, <, MAX_ROUNDS);
		if (stats->rounds > 0)
			assert_within(q, lc->limit_a, "initiator");
		stats->up += g_bytes_get_size(q);
		r = gs_negentropy_respond(
			server, g_bytes_get_data(q, NULL), g_bytes_get_size(q), &error);
		g_assert_no_error(error);
		assert_within(r, lc->limit_b, "responder");
		stats->down += g_bytes_get_size(r);
		stats->rounds++;
		g_assert_true(gs_negentropy_reconcile(client,
						      g_bytes_get_data(r, NULL),
						      g_bytes_get_size(r),
						      &next,
						      have,
						      need,
						      &error));
		g_assert_no_error(error);
		g_bytes_unref(q);
		q = next;
	}
}

static int
id_cmp(const void *a, const void *b)
{
	return memcmp(a, b, GS_NEGENTROPY_ID_SIZE);
}

/* exact set equality; the codec promises each id once, so no duplicates either */
static void
assert_same_ids(GArray *got, GArray *expected, const gchar *what)
{
	if (got->len != expected->len)
		g_error("%s: got %u ids, expected %u", what, got->len, expected->len);
	if (got->len == 0)
		return;
	qsort(got->data, got->len, sizeof(GsNegentropyId), id_cmp);
	qsort(expected->data, expected->len, sizeof(GsNegentropyId), id_cmp);
	g_assert_cmpmem(got->data,
			got->len * sizeof(GsNegentropyId),
			expected->data,
			expected->len * sizeof(GsNegentropyId));
}

static void
gs_negentropy_property_case(gconstpointer user_data)
{
	const SetCase *c = user_data;
	g_autoptr(GsNegentropyStorage) a = NULL;
	g_autoptr(GsNegentropyStorage) b = NULL;
	g_autoptr(GArray) a_only = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	g_autoptr(GArray) b_only = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));

	build_sets(c, &a, &b, a_only, b_only);
	g_assert_cmpuint(gs_negentropy_storage_get_size(a), ==, c->n_common + c->n_a);
	g_assert_cmpuint(gs_negentropy_storage_get_size(b), ==, c->n_common + c->n_b);
	for (guint i = 0; i < G_N_ELEMENTS(limit_cases); i++) {
		g_autoptr(GArray) have = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
		g_autoptr(GArray) need = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
		Stats st;

		run_session(a, b, &limit_cases[i], have, need, &st);
		g_test_message("%s limits %" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT
			       "%s: %u rounds, %" G_GSIZE_FORMAT " up, %" G_GSIZE_FORMAT " down",
			       c->name,
			       limit_cases[i].limit_a,
			       limit_cases[i].limit_b,
			       limit_cases[i].reference_digest ? " (reference digest)" : "",
			       st.rounds,
			       st.up,
			       st.down);
		assert_same_ids(have, a_only, "have");
		assert_same_ids(need, b_only, "need");
		/* identical sets of 32 or more records: one round, a bare reply */
		if (c->n_a == 0 && c->n_b == 0 && c->n_common >= 32) {
			g_assert_cmpuint(st.rounds, ==, 1);
			g_assert_cmpuint(st.down, ==, 1);
		}
	}
}

/* many small random pairs with random limits */
static void
gs_negentropy_property_random(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(424242);
	const gsize limits[] = {0, 4096, 5000, 60000};

	for (guint iter = 0; iter < 60; iter++) {
		SetCase c = {"random",
			     g_rand_int_range(rand, 0, 3000),
			     g_rand_int_range(rand, 0, 400),
			     g_rand_int_range(rand, 0, 400),
			     g_rand_int_range(rand, 0, 4) == 0 ? TS_ONE : TS_RANDOM,
			     g_rand_int(rand)};
		LimitCase lc = {limits[g_rand_int_range(rand, 0, 4)],
				limits[g_rand_int_range(rand, 0, 4)],
				g_rand_boolean(rand)};
		g_autoptr(GsNegentropyStorage) a = NULL;
		g_autoptr(GsNegentropyStorage) b = NULL;
		g_autoptr(GArray) a_only = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
		g_autoptr(GArray) b_only = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
		g_autoptr(GArray) have = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
		g_autoptr(GArray) need = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
		Stats st;

		build_sets(&c, &a, &b, a_only, b_only);
		run_session(a, b, &lc, have, need, &st);
		assert_same_ids(have, a_only, "have");
		assert_same_ids(need, b_only, "need");
	}
}

/* continues a session from a reply @r already in hand; returns the have ids A learns */
static GArray *
finish_session(GsNegentropy *client, GsNegentropy *server, GBytes *first_reply)
{
	GArray *have = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	GBytes *q = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_negentropy_reconcile(client,
					      g_bytes_get_data(first_reply, NULL),
					      g_bytes_get_size(first_reply),
					      &q,
					      have,
					      NULL,
					      &error));
	for (guint round = 0; q != NULL; round++) {
		g_autoptr(GBytes) r = gs_negentropy_respond(
			server, g_bytes_get_data(q, NULL), g_bytes_get_size(q), &error);
		g_assert_no_error(error);
		g_assert_cmpuint(round, <, 100);
		g_bytes_unref(q);
		q = NULL;
		g_assert_true(gs_negentropy_reconcile(client,
						      g_bytes_get_data(r, NULL),
						      g_bytes_get_size(r),
						      &q,
						      have,
						      NULL,
						      &error));
	}
	return have;
}

/*
 * The reference's remainder digest (spec 1.8) loses records in one corner case; ours does
 * not. A (initiator, 4096-byte frames) holds 120 low records shared with B and 40 high
 * ones B lacks. B's (well-formed) message has six wrong fingerprints over the low records,
 * then the fingerprint of an empty range up to infinity, which is what B holds there. A's
 * six IdList answers nearly fill its frame, so the split of its 40 high records is dropped
 * and the frame closes with a digest of "the rest". The reference digests from the end of
 * the current range, an empty set, which B sees as a match: the 40 are never reported.
 */
static void
gs_negentropy_remainder_digest(void)
{
	g_autoptr(GsNegentropyStorage) a = gs_negentropy_storage_new(160);
	g_autoptr(GsNegentropyStorage) b = gs_negentropy_storage_new(120);
	g_autoptr(GByteArray) crafted = g_byte_array_new();
	g_autoptr(GArray) expected = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	const guint8 head[] = {0x61, 0x87, 0x7d, 0x00, 0x01}; /* ts 1020: varint 1021 */
	const guint8 next[] = {0x15, 0x00, 0x01};	      /* ts +20: varint 21 */
	const guint8 tail[] = {0x00, 0x00, 0x01};	      /* infinity, Fingerprint */
	guint8 garbage[GS_NEGENTROPY_FINGERPRINT_SIZE];
	guint8 empty[GS_NEGENTROPY_FINGERPRINT_SIZE];

	for (guint i = 0; i < 160; i++) {
		GsNegentropyId id;
		memset(id.bytes, i, sizeof(id.bytes));
		id.bytes[1] = 0x77;
		gs_negentropy_storage_add(a, i < 120 ? 1000 + i : 5000 + i, id.bytes, NULL);
		if (i < 120)
			gs_negentropy_storage_add(b, 1000 + i, id.bytes, NULL);
		else
			g_array_append_val(expected, id);
	}
	gs_negentropy_storage_seal(a);
	gs_negentropy_storage_seal(b);

	memset(garbage, 0xab, sizeof(garbage));
	gs_negentropy_fingerprint_ids(NULL, 0, empty);
	g_byte_array_append(crafted, head, sizeof(head));
	g_byte_array_append(crafted, garbage, sizeof(garbage));
	for (guint i = 1; i < 6; i++) {
		g_byte_array_append(crafted, next, sizeof(next));
		g_byte_array_append(crafted, garbage, sizeof(garbage));
	}
	g_byte_array_append(crafted, tail, sizeof(tail));
	g_byte_array_append(crafted, empty, sizeof(empty));

	for (guint reference = 0; reference < 2; reference++) {
		g_autoptr(GsNegentropy) client = gs_negentropy_new(a, 4096, NULL);
		g_autoptr(GsNegentropy) server = gs_negentropy_new(b, 0, NULL);
		g_autoptr(GBytes) q = gs_negentropy_initiate(client, NULL);
		g_autoptr(GBytes) msg = g_bytes_new(crafted->data, crafted->len);
		g_autoptr(GArray) have = NULL;

		g_autoptr(GsNegentropy) probe = gs_negentropy_new(a, 4096, NULL);
		g_autoptr(GBytes) pq = gs_negentropy_initiate(probe, NULL);
		g_autoptr(GBytes) reply = NULL;
		guint8 rest[GS_NEGENTROPY_FINGERPRINT_SIZE];
		gsize len = 0;
		const guint8 *data;

		/* the frame did close with a digest: of nothing (reference) or of the 40 */
		gs_negentropy_set_reference_digest(probe, reference);
		g_assert_true(gs_negentropy_reconcile(
			probe, crafted->data, crafted->len, &reply, NULL, NULL, NULL));
		data = g_bytes_get_data(reply, &len);
		g_assert_cmpuint(len, <=, 4096);
		g_assert_cmpmem(data + len - 19, 3, tail, 3);
		gs_negentropy_storage_fingerprint(a, reference ? 160 : 120, 160, rest);
		g_assert_cmpmem(data + len - 16, 16, rest, 16);

		gs_negentropy_set_reference_digest(client, reference);
		have = finish_session(client, server, msg);
		if (reference)
			g_assert_cmpuint(have->len, ==, 0); /* the reference's loss */
		else
			assert_same_ids(have, expected, "have");
	}
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	for (guint i = 0; i < G_N_ELEMENTS(set_cases); i++) {
		g_autofree gchar *path =
			g_strdup_printf("/grasp-sync/negentropy/property/%s", set_cases[i].name);
		g_test_add_data_func(path, &set_cases[i], gs_negentropy_property_case);
	}
	g_test_add_func("/grasp-sync/negentropy/property/random", gs_negentropy_property_random);
	g_test_add_func("/grasp-sync/negentropy/remainder-digest", gs_negentropy_remainder_digest);
	return g_test_run();
}
