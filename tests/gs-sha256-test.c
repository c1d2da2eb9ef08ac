/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-hex.h"
#include "gs-sha256.h"
#include "gs-test-utils.h"

static void
gs_sha256_vectors(void)
{
	/* FIPS 180-2 examples, and the empty string */
	struct {
		const gchar *input;
		const gchar *digest;
	} vectors[] = {
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
		 "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(vectors); i++) {
		guint8 out[32];
		g_autofree gchar *hex = NULL;
		gs_sha256((const guint8 *)vectors[i].input, strlen(vectors[i].input), out);
		hex = gs_hex_encode(out, 32);
		g_assert_cmpstr(hex, ==, vectors[i].digest);
	}
}

/* every length around the block and padding boundaries, and some long ones, agree with
 * GChecksum */
static void
gs_sha256_against_gchecksum(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(34);
	g_autofree guint8 *buf = g_malloc(300000);

	g_test_message("accelerated: %s", gs_sha256_is_accelerated() ? "yes" : "no");
	for (gsize i = 0; i < 300000; i++)
		buf[i] = (guint8)g_rand_int(rand);
	for (gsize len = 0; len < 1100 || len == 1100; len++) {
		guint8 ours[32];
		g_autofree gchar *hex = NULL;
		g_autofree gchar *want = NULL;
		gs_sha256(buf + (len % 7), len, ours);
		hex = gs_hex_encode(ours, 32);
		want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, buf + (len % 7), len);
		g_assert_cmpstr(hex, ==, want);
	}
	{
		guint8 ours[32];
		g_autofree gchar *hex = NULL;
		g_autofree gchar *want = NULL;
		gs_sha256(buf, 299999, ours);
		hex = gs_hex_encode(ours, 32);
		want = g_compute_checksum_for_data(G_CHECKSUM_SHA256, buf, 299999);
		g_assert_cmpstr(hex, ==, want);
	}
}

/* the same digest whatever the pieces the input comes in */
static void
gs_sha256_incremental(void)
{
	g_autoptr(GRand) rand = g_rand_new_with_seed(7);
	guint8 buf[700];

	for (gsize i = 0; i < sizeof(buf); i++)
		buf[i] = (guint8)g_rand_int(rand);
	for (guint round = 0; round < 500; round++) {
		gsize len = g_rand_int_range(rand, 0, sizeof(buf));
		guint8 whole[32];
		guint8 pieces[32];
		GsSha256 ctx;

		gs_sha256(buf, len, whole);
		gs_sha256_init(&ctx);
		for (gsize at = 0; at < len;) {
			gsize r = (gsize)g_rand_int_range(rand, 0, 130);
			gsize n = MIN(len - at, r);
			gs_sha256_update(&ctx, buf + at, n);
			at += n;
		}
		gs_sha256_final(&ctx, pieces);
		g_assert_cmpmem(whole, 32, pieces, 32);
	}
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/sha256/vectors", gs_sha256_vectors);
	g_test_add_func("/grasp-sync/sha256/against-gchecksum", gs_sha256_against_gchecksum);
	g_test_add_func("/grasp-sync/sha256/incremental", gs_sha256_incremental);
	return g_test_run();
}
