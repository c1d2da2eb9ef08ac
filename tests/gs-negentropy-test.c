/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-negentropy.h"
#include "gs-test-utils.h"

#define EE32 "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"

static GBytes *
hex_bytes(const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) clean = g_string_new(NULL);
	GBytes *bytes;

	for (const gchar *p = hex; *p != '\0'; p++) {
		if (*p != ' ')
			g_string_append_c(clean, *p);
	}
	bytes = gs_hex_decode(clean->str, &error);
	g_assert_no_error(error);
	return bytes;
}

static gchar *
bytes_hex(GBytes *bytes)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(bytes, &len);
	return gs_hex_encode(data, len);
}

static void
fill_id(guint8 *id, guint8 byte)
{
	memset(id, byte, GS_NEGENTROPY_ID_SIZE);
}

static GsNegentropyStorage *
storage_from_ids(const guint64 *ts, guint8 (*ids)[GS_NEGENTROPY_ID_SIZE], gsize n)
{
	GsNegentropyStorage *st = gs_negentropy_storage_new(n);
	for (gsize i = 0; i < n; i++) {
		g_autoptr(GError) error = NULL;
		g_assert_true(gs_negentropy_storage_add(st, ts[i], ids[i], &error));
		g_assert_no_error(error);
	}
	gs_negentropy_storage_seal(st);
	return st;
}

static void
gs_negentropy_varint_table(void)
{
	struct {
		guint64 value;
		const gchar *hex;
	} table[] = {
		{0, "00"},
		{127, "7f"},
		{128, "8100"},
		{255, "817f"},
		{16383, "ff7f"},
		{16384, "818000"},
		{1677970535, "86a08f9867"},
		{G_GUINT64_CONSTANT(1) << 32, "9080808000"},
		{G_MAXUINT64, "81ffffffffffffffff7f"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
		guint8 buf[GS_NEGENTROPY_VARINT_MAX_SIZE];
		gsize n = gs_negentropy_varint_encode(table[i].value, buf);
		g_autofree gchar *hex = gs_hex_encode(buf, n);
		const guint8 *pos = buf;
		guint64 back = 0;
		g_autoptr(GError) error = NULL;

		g_assert_cmpstr(hex, ==, table[i].hex);
		g_assert_true(gs_negentropy_varint_decode(&pos, buf + n, &back, &error));
		g_assert_no_error(error);
		g_assert_cmpuint(back, ==, table[i].value);
		g_assert_true(pos == buf + n);
	}
}

static void
gs_negentropy_varint_bad(void)
{
	struct {
		const gchar *hex;
		const gchar *msg;
	} table[] = {
		{"", "truncated"},
		{"80", "truncated"},
		{"ffff", "truncated"},
		{"8080808080808080808000", "longer than 10 bytes"},
		{"8280808080808080808000", "overflows 64 bits"},
		{"ffffffffffffffffff7f", "overflows 64 bits"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
		g_autoptr(GBytes) bytes = hex_bytes(table[i].hex);
		gsize len = 0;
		const guint8 *data = g_bytes_get_data(bytes, &len);
		const guint8 *pos = data;
		guint64 value = 0;
		g_autoptr(GError) error = NULL;

		g_assert_false(gs_negentropy_varint_decode(&pos, data + len, &value, &error));
		g_assert_error(error, GS_ERROR, GS_ERROR_PROTOCOL);
		g_assert_nonnull(strstr(error->message, table[i].msg));
		g_assert_true(pos == data);
	}
}

static void
assert_fingerprint(const guint8 *ids, gsize n, const gchar *expected)
{
	guint8 fp[GS_NEGENTROPY_FINGERPRINT_SIZE];
	g_autofree gchar *hex = NULL;

	gs_negentropy_fingerprint_ids(ids, n, fp);
	hex = gs_hex_encode(fp, sizeof(fp));
	g_assert_cmpstr(hex, ==, expected);
}

/* expected values computed independently (Python hashlib, big-integer sums) */
static void
gs_negentropy_fingerprint_known(void)
{
	guint8 ids[200][GS_NEGENTROPY_ID_SIZE];

	assert_fingerprint(NULL, 0, "7f9c9e31ac8256ca2f258583df262dbc");
	fill_id(ids[0], 0xee);
	assert_fingerprint(ids[0], 1, "d5530eded759c1cb5749aacb9bc66bb2");
	/* 1 + (2^256 - 1) = 0 mod 2^256: the carry runs through all 32 bytes */
	memset(ids, 0, 2 * GS_NEGENTROPY_ID_SIZE);
	ids[0][0] = 0x01;
	fill_id(ids[1], 0xff);
	assert_fingerprint(ids[0], 2, "58cc2f44d3a27866874701fbad573da9");
	/* a carry out of the first 64-bit limb */
	memset(ids, 0, 2 * GS_NEGENTROPY_ID_SIZE);
	memset(ids[0], 0xff, 8);
	ids[1][0] = 0x01;
	assert_fingerprint(ids[0], 2, "fe77277fdc1349df808b365582fa9199");
	/* 200 ids: the count is a two-byte varint */
	for (guint i = 0; i < 200; i++)
		fill_id(ids[i], i);
	assert_fingerprint(ids[0], 200, "ee324757553658b9258bb21e203f8fe6");
}

/* prefix sums give the same fingerprint as summing the range directly, for every range */
static void
gs_negentropy_fingerprint_ranges(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(7);
	guint64 ts[64];
	guint8 ids[64][GS_NEGENTROPY_ID_SIZE];
	g_autoptr(GsNegentropyStorage) st = NULL;

	for (guint i = 0; i < 64; i++) {
		ts[i] = g_rand_int_range(rand, 0, 8);
		for (guint j = 0; j < GS_NEGENTROPY_ID_SIZE; j++)
			ids[i][j] = g_rand_int_range(rand, 0, 256);
	}
	/* make some sums wrap */
	fill_id(ids[3], 0xff);
	fill_id(ids[4], 0xff);
	st = storage_from_ids(ts, ids, 64);
	for (gsize lo = 0; lo <= 64; lo++) {
		for (gsize hi = lo; hi <= 64; hi++) {
			guint8 a[GS_NEGENTROPY_FINGERPRINT_SIZE];
			guint8 b[GS_NEGENTROPY_FINGERPRINT_SIZE];
			g_autofree guint8 *flat = g_malloc((hi - lo + 1) * GS_NEGENTROPY_ID_SIZE);

			for (gsize i = lo; i < hi; i++)
				memcpy(flat + (i - lo) * GS_NEGENTROPY_ID_SIZE,
				       gs_negentropy_storage_get_id(st, i),
				       GS_NEGENTROPY_ID_SIZE);
			gs_negentropy_storage_fingerprint(st, lo, hi, a);
			gs_negentropy_fingerprint_ids(flat, hi - lo, b);
			g_assert_cmpmem(a, sizeof(a), b, sizeof(b));
		}
	}
}

static void
gs_negentropy_storage_seal_sorts(void)
{
	guint64 ts[] = {5, 3, 5, 3, 9, 5};
	guint8 ids[6][GS_NEGENTROPY_ID_SIZE];
	g_autoptr(GsNegentropyStorage) st = NULL;
	g_autoptr(GError) error = NULL;
	guint8 id[GS_NEGENTROPY_ID_SIZE];

	fill_id(ids[0], 0x20);
	fill_id(ids[1], 0x30);
	fill_id(ids[2], 0x10);
	fill_id(ids[3], 0x30); /* exact duplicate of record 1 */
	fill_id(ids[4], 0x01);
	fill_id(ids[5], 0x20); /* exact duplicate of record 0 */
	st = storage_from_ids(ts, ids, 6);
	g_assert_cmpuint(gs_negentropy_storage_get_size(st), ==, 4);
	g_assert_cmpuint(gs_negentropy_storage_get_timestamp(st, 0), ==, 3);
	g_assert_cmpuint(gs_negentropy_storage_get_timestamp(st, 1), ==, 5);
	g_assert_cmpuint(gs_negentropy_storage_get_id(st, 1)[0], ==, 0x10);
	g_assert_cmpuint(gs_negentropy_storage_get_id(st, 2)[0], ==, 0x20);
	g_assert_cmpuint(gs_negentropy_storage_get_timestamp(st, 3), ==, 9);
	g_assert_cmpuint(gs_negentropy_storage_get_memory_size(st), <=, 4 * 72 + 64);

	/* sealed storage is read-only */
	fill_id(id, 0x44);
	g_assert_false(gs_negentropy_storage_add(st, 1, id, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	/* lower bound: (5, 0x20 prefix padded) lands on the 0x20 record itself */
	memset(id, 0, sizeof(id));
	id[0] = 0x20;
	g_assert_cmpuint(gs_negentropy_storage_lower_bound(st, 0, 4, 5, id), ==, 2);
	id[1] = 0x21;
	g_assert_cmpuint(gs_negentropy_storage_lower_bound(st, 0, 4, 5, id), ==, 3);
	g_assert_cmpuint(gs_negentropy_storage_lower_bound(st, 0, 4, G_MAXUINT64, id), ==, 4);
}

/* sealing sorts any input order, keeps one of each record and nothing else */
static void
gs_negentropy_storage_seal_orders(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(11);

	for (guint pattern = 0; pattern < 5; pattern++) {
		g_autoptr(GsNegentropyStorage) st = gs_negentropy_storage_new(0);
		g_autoptr(GHashTable) distinct =
			g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		guint n = 20000;

		for (guint i = 0; i < n; i++) {
			guint8 id[GS_NEGENTROPY_ID_SIZE] = {0};
			guint64 ts;
			guint k = pattern == 0
					  ? (guint)g_rand_int_range(rand, 0, 3000) /* duplicates */
				  : pattern == 1 ? i				   /* ascending */
				  : pattern == 2 ? n - i			   /* descending */
				  : pattern == 3 ? i % 7			   /* few values */
						 : 5;				   /* all equal */
			ts = pattern == 3 ? 9 : k / 10;
			id[0] = k >> 8;
			id[31] = k & 0xff;
			g_assert_true(gs_negentropy_storage_add(st, ts, id, NULL));
			g_hash_table_add(distinct,
					 g_strdup_printf("%" G_GUINT64_FORMAT "/%u", ts, k));
		}
		gs_negentropy_storage_seal(st);
		g_assert_cmpuint(
			gs_negentropy_storage_get_size(st), ==, g_hash_table_size(distinct));
		for (gsize i = 1; i < gs_negentropy_storage_get_size(st); i++) {
			guint64 t0 = gs_negentropy_storage_get_timestamp(st, i - 1);
			guint64 t1 = gs_negentropy_storage_get_timestamp(st, i);
			g_assert_true(t0 < t1 ||
				      (t0 == t1 && memcmp(gs_negentropy_storage_get_id(st, i - 1),
							  gs_negentropy_storage_get_id(st, i),
							  GS_NEGENTROPY_ID_SIZE) < 0));
		}
	}
}

static void
gs_negentropy_storage_infinity(void)
{
	g_autoptr(GsNegentropyStorage) st = gs_negentropy_storage_new(0);
	g_autoptr(GError) error = NULL;
	guint8 id[GS_NEGENTROPY_ID_SIZE];

	fill_id(id, 1);
	g_assert_false(gs_negentropy_storage_add(st, G_MAXUINT64, id, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_true(gs_negentropy_storage_add(st, G_MAXUINT64 - 1, id, &error));
	g_assert_no_error(error);
}

static void
gs_negentropy_frame_limits(void)
{
	g_autoptr(GsNegentropyStorage) st = gs_negentropy_storage_new(0);
	g_autoptr(GsNegentropyStorage) unsealed = gs_negentropy_storage_new(0);
	gsize good[] = {0, 4096, 60000, 500000};
	gsize bad[] = {1, 200, 4095};
	g_autoptr(GError) error = NULL;

	gs_negentropy_storage_seal(st);
	for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
		g_autoptr(GsNegentropy) ne = gs_negentropy_new(st, good[i], &error);
		g_assert_no_error(error);
		g_assert_cmpuint(gs_negentropy_get_frame_size_limit(ne), ==, good[i]);
	}
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GsNegentropy) ne = gs_negentropy_new(st, bad[i], &error);
		g_assert_null(ne);
		g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
		g_assert_nonnull(strstr(error->message, "too small"));
		g_clear_error(&error);
	}
	g_assert_null(gs_negentropy_new(unsealed, 0, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
}

/* the spec's example: an empty client, a server with (12345, ee..ee) */
static void
gs_negentropy_example_one_record(void)
{
	guint64 ts = 12345;
	guint8 ids[1][GS_NEGENTROPY_ID_SIZE];
	g_autoptr(GsNegentropyStorage) empty = gs_negentropy_storage_new(0);
	g_autoptr(GsNegentropyStorage) one = NULL;
	g_autoptr(GsNegentropy) client = NULL;
	g_autoptr(GsNegentropy) server = NULL;
	g_autoptr(GBytes) q = NULL;
	g_autoptr(GBytes) r = NULL;
	g_autoptr(GBytes) next = NULL;
	g_autoptr(GArray) have = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	g_autoptr(GArray) need = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	g_autoptr(GError) error = NULL;
	g_autofree gchar *qhex = NULL;
	g_autofree gchar *rhex = NULL;

	fill_id(ids[0], 0xee);
	gs_negentropy_storage_seal(empty);
	one = storage_from_ids(&ts, ids, 1);
	client = gs_negentropy_new(empty, 0, &error);
	server = gs_negentropy_new(one, 0, &error);
	g_assert_no_error(error);

	q = gs_negentropy_initiate(client, &error);
	g_assert_no_error(error);
	qhex = bytes_hex(q);
	g_assert_cmpstr(qhex, ==, "6100000200");
	g_assert_true(gs_negentropy_is_initiator(client));
	g_assert_false(gs_negentropy_is_initiator(server));

	r = gs_negentropy_respond(server, g_bytes_get_data(q, NULL), g_bytes_get_size(q), &error);
	g_assert_no_error(error);
	rhex = bytes_hex(r);
	g_assert_cmpstr(rhex, ==, "6100000201" EE32);

	g_assert_true(gs_negentropy_reconcile(
		client, g_bytes_get_data(r, NULL), g_bytes_get_size(r), &next, have, need, &error));
	g_assert_no_error(error);
	g_assert_null(next);
	g_assert_cmpuint(have->len, ==, 0);
	g_assert_cmpuint(need->len, ==, 1);
	g_assert_cmpmem(g_array_index(need, GsNegentropyId, 0).bytes, 32, ids[0], 32);
}

static void
gs_negentropy_roles(void)
{
	g_autoptr(GsNegentropyStorage) st = gs_negentropy_storage_new(0);
	g_autoptr(GsNegentropy) ne = NULL;
	g_autoptr(GBytes) q = NULL;
	g_autoptr(GBytes) again = NULL;
	g_autoptr(GBytes) reply = NULL;
	GBytes *next = NULL;
	g_autoptr(GError) error = NULL;
	const guint8 bare[] = {0x61};

	gs_negentropy_storage_seal(st);
	ne = gs_negentropy_new(st, 0, &error);
	g_assert_false(gs_negentropy_reconcile(ne, bare, 1, &next, NULL, NULL, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	q = gs_negentropy_initiate(ne, &error);
	g_assert_no_error(error);
	again = gs_negentropy_initiate(ne, &error);
	g_assert_null(again);
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	reply = gs_negentropy_respond(ne, bare, 1, &error);
	g_assert_null(reply);
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	/* a bare version byte from the server: nothing left, done */
	g_assert_true(gs_negentropy_reconcile(ne, bare, 1, &next, NULL, NULL, &error));
	g_assert_no_error(error);
	g_assert_null(next);
}

/* version negotiation (spec 1.7 step 1) */
static void
gs_negentropy_versions(void)
{
	g_autoptr(GsNegentropyStorage) st = gs_negentropy_storage_new(0);
	g_autoptr(GsNegentropy) server = NULL;
	g_autoptr(GsNegentropy) client = NULL;
	g_autoptr(GBytes) q = NULL;
	g_autoptr(GError) error = NULL;
	const guint8 v2[] = {0x62, 0x00, 0x00, 0x02, 0x00};
	const guint8 v0[] = {0x60};
	const guint8 bad[] = {0x70, 0x00};
	GBytes *next = NULL;

	gs_negentropy_storage_seal(st);
	server = gs_negentropy_new(st, 0, &error);
	client = gs_negentropy_new(st, 0, &error);
	q = gs_negentropy_initiate(client, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < 2; i++) {
		const guint8 *msg = i == 0 ? v2 : v0;
		gsize len = i == 0 ? sizeof(v2) : sizeof(v0);
		g_autoptr(GBytes) reply = gs_negentropy_respond(server, msg, len, &error);
		g_autofree gchar *hex = NULL;

		g_assert_no_error(error);
		hex = bytes_hex(reply);
		g_assert_cmpstr(hex, ==, "61");
		g_assert_false(
			gs_negentropy_reconcile(client, msg, len, &next, NULL, NULL, &error));
		g_assert_error(error, GS_ERROR, GS_ERROR_PROTOCOL);
		g_assert_nonnull(strstr(error->message, "unsupported"));
		g_clear_error(&error);
	}
	g_assert_null(gs_negentropy_respond(server, bad, sizeof(bad), &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_PROTOCOL);
	g_assert_nonnull(strstr(error->message, "version byte 0x70"));
}

typedef struct {
	const gchar *hex;
	const gchar *error;
} BadInput;

static const BadInput bad_inputs[] = {
	{"", "empty negentropy message"},
	{"5f", "version byte 0x5f"},
	{"70", "version byte 0x70"},
	{"61 01", "truncated message: varint"},
	{"61 80", "truncated message: varint"},
	{"61 8080808080808080808000 00 00", "varint longer than 10 bytes"},
	{"61 8280808080808080808000 00 00", "varint overflows 64 bits"},
	{"61 00 21 000000000000000000000000000000000000000000000000000000000000000000 00",
	 "prefix length 33 exceeds 32"},
	{"61 00 8100", "prefix length 128 exceeds 32"},
	{"61 00 05 aabb", "truncated message: bound id prefix"},
	{"61 00 00", "truncated message: varint"},
	{"61 00 00 03", "unknown range mode 3"},
	{"61 00 00 ff7f", "unknown range mode 16383"},
	{"61 00 00 01 aabb", "truncated message: fingerprint"},
	{"61 00 00 02", "truncated message: varint"},
	{"61 00 00 02 02 eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee",
	 "IdList count 2 exceeds"},
	{"61 00 00 02 81ffffffffffffffff7f", "IdList count 18446744073709551615 exceeds"},
	{"61 05 01 20 00 01 01 10 00", "bounds not ascending"},
	{"61 00 01 20 00", "bound above infinity"},
	{"61 0a 01 20 00 01 00 00", "bounds not ascending"},
	/* infinity with a 32-byte zero prefix, as @nostr-dev-kit/sync echoes it */
	{"61 00 20 0000000000000000000000000000000000000000000000000000000000000000 02 00", NULL},
	{"61 00 00 00 05", "truncated message: varint"},
	{"61 03 00 00 0a 00 01 0011223344", "truncated message: fingerprint"},
};

/* some records, so that fingerprints and IdLists have something to compare against */
static GsNegentropyStorage *
storage_sample(guint n, guint seed)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	GsNegentropyStorage *st = gs_negentropy_storage_new(n);

	for (guint i = 0; i < n; i++) {
		guint8 id[GS_NEGENTROPY_ID_SIZE];
		for (guint j = 0; j < GS_NEGENTROPY_ID_SIZE; j++)
			id[j] = g_rand_int_range(rand, 0, 256);
		g_assert_true(
			gs_negentropy_storage_add(st, g_rand_int_range(rand, 0, 4), id, NULL));
	}
	gs_negentropy_storage_seal(st);
	return st;
}

static void
gs_negentropy_bad_input(gconstpointer user_data)
{
	const BadInput *bad = user_data;
	g_autoptr(GBytes) msg = hex_bytes(bad->hex);
	g_autoptr(GsNegentropyStorage) st = storage_sample(40, 3);
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(msg, &len);

	for (guint role = 0; role < 2; role++) {
		g_autoptr(GsNegentropy) ne = gs_negentropy_new(st, 0, NULL);
		g_autoptr(GBytes) q = NULL;
		g_autoptr(GBytes) reply = NULL;
		g_autoptr(GError) error = NULL;
		GBytes *next = NULL;

		if (role == 0) {
			reply = gs_negentropy_respond(ne, data, len, &error);
		} else {
			q = gs_negentropy_initiate(ne, NULL);
			if (!gs_negentropy_reconcile(ne, data, len, &next, NULL, NULL, &error))
				g_assert_null(next);
			g_clear_pointer(&next, g_bytes_unref);
		}
		/* NULL: a well-formed edge case that must be accepted */
		if (bad->error == NULL) {
			g_assert_no_error(error);
			continue;
		}
		g_assert_null(reply);
		g_assert_error(error, GS_ERROR, GS_ERROR_PROTOCOL);
		if (strstr(error->message, bad->error) == NULL)
			g_error("'%s' gave '%s', expected '%s'",
				bad->hex,
				error->message,
				bad->error);
	}
}

/* a message walker for checking our own output: ranges as (record index, mode, payload) */
typedef struct {
	gsize index;
	guint64 mode;
	gsize count;
	const guint8 *payload;
} Range;

static GArray *
parse_ranges(GsNegentropyStorage *st, GBytes *msg)
{
	GArray *ranges = g_array_new(FALSE, TRUE, sizeof(Range));
	gsize len = 0;
	const guint8 *pos = g_bytes_get_data(msg, &len);
	const guint8 *end = pos + len;
	guint64 last = 0;

	g_assert_cmpuint(len, >=, 1);
	g_assert_cmpuint(*pos++, ==, 0x61);
	while (pos < end) {
		guint64 v = 0, plen = 0;
		guint8 key[GS_NEGENTROPY_ID_SIZE] = {0};
		Range r = {0};

		g_assert_true(gs_negentropy_varint_decode(&pos, end, &v, NULL));
		last = v == 0 ? G_MAXUINT64 : last + v - 1;
		g_assert_true(gs_negentropy_varint_decode(&pos, end, &plen, NULL));
		g_assert_cmpuint(plen, <=, 32);
		memcpy(key, pos, plen);
		pos += plen;
		r.index = gs_negentropy_storage_lower_bound(
			st, 0, gs_negentropy_storage_get_size(st), last, key);
		g_assert_true(gs_negentropy_varint_decode(&pos, end, &r.mode, NULL));
		if (r.mode == 1) {
			r.payload = pos;
			pos += GS_NEGENTROPY_FINGERPRINT_SIZE;
		} else if (r.mode == 2) {
			g_assert_true(gs_negentropy_varint_decode(&pos, end, &v, NULL));
			r.count = v;
			r.payload = pos;
			pos += v * GS_NEGENTROPY_ID_SIZE;
		}
		g_assert_true(pos <= end);
		g_array_append_val(ranges, r);
	}
	return ranges;
}

/* split sizes around the IdList threshold and the bucket count (spec 1.5) */
static void
gs_negentropy_split_sizes(void)
{
	const guint sizes[] = {0, 1, 15, 16, 17, 31, 32, 33, 47, 511, 512, 513};

	for (guint s = 0; s < G_N_ELEMENTS(sizes); s++) {
		guint n = sizes[s];
		g_autoptr(GsNegentropyStorage) st = storage_sample(n, 100 + n);
		g_autoptr(GsNegentropy) ne = gs_negentropy_new(st, 0, NULL);
		g_autoptr(GBytes) q = gs_negentropy_initiate(ne, NULL);
		g_autoptr(GArray) ranges = parse_ranges(st, q);
		gsize prev = 0;

		g_assert_cmpuint(gs_negentropy_storage_get_size(st), ==, n);
		g_assert_cmpuint(g_bytes_get_size(q), <=, 997);
		if (n < 32) {
			Range *r = &g_array_index(ranges, Range, 0);
			g_assert_cmpuint(ranges->len, ==, 1);
			g_assert_cmpuint(r->mode, ==, 2);
			g_assert_cmpuint(r->count, ==, n);
			g_assert_cmpuint(r->index, ==, n);
			for (guint i = 0; i < n; i++)
				g_assert_cmpmem(r->payload + 32 * i,
						32,
						gs_negentropy_storage_get_id(st, i),
						32);
			continue;
		}
		g_assert_cmpuint(ranges->len, ==, 16);
		for (guint b = 0; b < 16; b++) {
			Range *r = &g_array_index(ranges, Range, b);
			guint8 fp[GS_NEGENTROPY_FINGERPRINT_SIZE];

			g_assert_cmpuint(r->mode, ==, 1);
			/* larger buckets first */
			g_assert_cmpuint(r->index - prev, ==, n / 16 + (b < n % 16 ? 1 : 0));
			gs_negentropy_storage_fingerprint(st, prev, r->index, fp);
			g_assert_cmpmem(r->payload, 16, fp, 16);
			prev = r->index;
		}
		g_assert_cmpuint(prev, ==, n);
	}
}

static GsNegentropyStorage *
storage_fill(guint n, guint64 (*ts_of)(guint), void (*id_of)(guint, guint8 *))
{
	GsNegentropyStorage *st = gs_negentropy_storage_new(n);
	for (guint i = 0; i < n; i++) {
		guint8 id[GS_NEGENTROPY_ID_SIZE];
		id_of(i, id);
		g_assert_true(gs_negentropy_storage_add(st, ts_of(i), id, NULL));
	}
	gs_negentropy_storage_seal(st);
	return st;
}

static guint64
ts_zero(guint i)
{
	return 0;
}

static guint64
ts_max(guint i)
{
	return G_MAXUINT64 - 1;
}

static guint64
ts_thousands(guint i)
{
	return (guint64)i * 1000;
}

/* record 1 and 2 share 31 bytes; all others differ in byte 0 */
static void
id_shared31(guint i, guint8 *id)
{
	fill_id(id, 0);
	id[0] = i == 2 ? 1 : i;
	id[31] = i == 2 ? 1 : 0;
}

static void
id_fill(guint i, guint8 *id)
{
	fill_id(id, i);
}

static gchar *
initiate_hex(GsNegentropyStorage *st)
{
	g_autoptr(GsNegentropy) ne = gs_negentropy_new(st, 0, NULL);
	g_autoptr(GBytes) q = gs_negentropy_initiate(ne, NULL);
	return bytes_hex(q);
}

/* bound encodings: equal timestamps, 31 shared bytes, timestamp 0 and 2^64-2, infinity */
static void
gs_negentropy_bound_edges(void)
{
	g_autoptr(GsNegentropyStorage) a = storage_fill(32, ts_zero, id_shared31);
	g_autoptr(GsNegentropyStorage) b = storage_fill(32, ts_max, id_fill);
	g_autoptr(GsNegentropyStorage) c = storage_fill(32, ts_thousands, id_fill);
	g_autofree gchar *ha = initiate_hex(a);
	g_autofree gchar *hb = initiate_hex(b);
	g_autofree gchar *hc = initiate_hex(c);
	g_autofree gchar *id2 = NULL;
	g_autofree gchar *expect_a = NULL;
	guint8 id[GS_NEGENTROPY_ID_SIZE];

	/* ts 0 is varint 01; the bound between 0100..00 and 0100..01 needs all 32 bytes */
	id_shared31(2, id);
	id2 = gs_hex_encode(id, sizeof(id));
	expect_a = g_strconcat("61"
			       "01"
			       "20",
			       id2,
			       "01",
			       NULL);
	g_assert_true(g_str_has_prefix(ha, expect_a));
	/* next bucket boundary (03.. | 04..): delta 0 is 01, one prefix byte */
	g_assert_true(g_str_has_prefix(ha + strlen(expect_a) + 32,
				       "01"
				       "01"
				       "04"
				       "01"));
	/* the largest finite timestamp: varint(2^64-1), 10 bytes; then delta 0 */
	g_assert_true(g_str_has_prefix(hb,
				       "61"
				       "81ffffffffffffffff7f"
				       "01"
				       "02"
				       "01"));
	g_assert_true(g_str_has_prefix(hb + 2 + 26 + 32,
				       "01"
				       "01"
				       "04"
				       "01"));
	/* different timestamps: no prefix; 2000 is written as varint 2001 = 8f51, twice */
	g_assert_true(g_str_has_prefix(hc,
				       "61"
				       "8f51"
				       "00"
				       "01"));
	g_assert_true(g_str_has_prefix(hc + 2 + 8 + 32,
				       "8f51"
				       "00"
				       "01"));
	/* the last bucket always ends at infinity: 00 00 */
	g_assert_true(g_str_has_prefix(ha + strlen(ha) - 38, "000001"));
	g_assert_true(g_str_has_prefix(hb + strlen(hb) - 38, "000001"));
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/negentropy/varint-table", gs_negentropy_varint_table);
	g_test_add_func("/grasp-sync/negentropy/varint-bad", gs_negentropy_varint_bad);
	g_test_add_func("/grasp-sync/negentropy/fingerprint-known",
			gs_negentropy_fingerprint_known);
	g_test_add_func("/grasp-sync/negentropy/fingerprint-ranges",
			gs_negentropy_fingerprint_ranges);
	g_test_add_func("/grasp-sync/negentropy/storage-seal-sorts",
			gs_negentropy_storage_seal_sorts);
	g_test_add_func("/grasp-sync/negentropy/storage-seal-orders",
			gs_negentropy_storage_seal_orders);
	g_test_add_func("/grasp-sync/negentropy/storage-infinity", gs_negentropy_storage_infinity);
	g_test_add_func("/grasp-sync/negentropy/frame-limits", gs_negentropy_frame_limits);
	g_test_add_func("/grasp-sync/negentropy/example-one-record",
			gs_negentropy_example_one_record);
	g_test_add_func("/grasp-sync/negentropy/roles", gs_negentropy_roles);
	g_test_add_func("/grasp-sync/negentropy/versions", gs_negentropy_versions);
	g_test_add_func("/grasp-sync/negentropy/split-sizes", gs_negentropy_split_sizes);
	g_test_add_func("/grasp-sync/negentropy/bound-edges", gs_negentropy_bound_edges);
	for (guint i = 0; i < G_N_ELEMENTS(bad_inputs); i++) {
		g_autofree gchar *path = g_strdup_printf("/grasp-sync/negentropy/bad-input/%u", i);
		g_test_add_data_func(path, &bad_inputs[i], gs_negentropy_bad_input);
	}
	return g_test_run();
}
