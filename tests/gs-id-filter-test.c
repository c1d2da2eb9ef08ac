/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsIdFilterTest"

#include "config.h"

#include "gs-id-filter.h"
#include "gs-test-utils.h"

/* the 8-byte prefix of a SHA-256 digest: spread over all 64 bits like a real id */
static gint64
test_key8(guint32 n)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	guint8 digest[32];
	gsize len = sizeof(digest);
	gint64 key = 0;

	g_checksum_update(sum, (const guchar *)&n, sizeof(n));
	g_checksum_get_digest(sum, digest, &len);
	for (guint i = 0; i < 8; i++)
		key = (gint64)(((guint64)key << 8) | digest[i]);
	return key;
}

/* every id added is found; ids never added are mostly not (the filter is sized for them) */
static void
test_added_found(void)
{
	g_autoptr(GsIdFilter) filter = gs_id_filter_new(10000);
	guint false_hits = 0;

	for (guint32 i = 0; i < 10000; i++)
		gs_id_filter_add(filter, test_key8(i));
	for (guint32 i = 0; i < 10000; i++)
		g_assert_true(gs_id_filter_may_contain(filter, test_key8(i)));
	for (guint32 i = 10000; i < 110000; i++)
		false_hits += gs_id_filter_may_contain(filter, test_key8(i));
	/* 24 bits an id or more, 4 probes: well under 1 % */
	g_assert_cmpuint(false_hits, <, 1000);
	g_assert_false(gs_id_filter_is_full(filter));
}

/* an empty filter has nothing; one past its size says it is full */
static void
test_empty_and_full(void)
{
	g_autoptr(GsIdFilter) empty = gs_id_filter_new(0);
	g_autoptr(GsIdFilter) small = gs_id_filter_new(100);
	guint32 n = 0;

	for (guint32 i = 0; i < 1000; i++)
		g_assert_false(gs_id_filter_may_contain(empty, test_key8(i)));
	while (!gs_id_filter_is_full(small)) {
		gs_id_filter_add(small, test_key8(n++));
		g_assert_cmpuint(n, <, 100000);
	}
	/* sized at 24 bits an id (rounded up to a power of two), full past 10 bits an id */
	g_assert_cmpuint(n, >, 100 * 24 / 10);
	for (guint32 i = 0; i < n; i++)
		g_assert_true(gs_id_filter_may_contain(small, test_key8(i)));
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/id-filter/added-found", test_added_found);
	g_test_add_func("/grasp-sync/id-filter/empty-and-full", test_empty_and_full);
	return g_test_run();
}
