/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Negentropy benchmark: deterministic data sets, both sides in one process, so the figures
 * are codec time only (no network). For each set and pair of frame limits it prints setup
 * time (add + seal, one side), reconcile time (initiate to done, both sides), rounds, bytes
 * each way, and the sealed storage's memory per record. Median of --runs runs (default 5).
 * Usage: bench/negentropy [--runs N]
 */

#include "config.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs-negentropy.h"

typedef struct {
	const gchar *name;
	guint common;
	guint unique; /* on each side */
} BenchSet;

static const BenchSet sets[] = {
	{"1M a side, 500 unique each", 999500, 500},
	{"100k a side, identical", 100000, 0},
	{"100k a side, 5,000 unique each", 95000, 5000},
};

static const gsize limits[] = {0, 60000};

typedef struct {
	gdouble setup;
	gdouble reconcile;
	guint rounds;
	gsize up;
	gsize down;
	gsize have;
	gsize need;
} Result;

static guint64
splitmix64(guint64 *state)
{
	guint64 z = (*state += G_GUINT64_CONSTANT(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* record @i of the universe: a year of timestamps, random ids; the same for every run */
static void
make_record(guint64 i, guint64 *ts, guint8 *id)
{
	guint64 state = i * 4 + 1;
	*ts = 1700000000 + splitmix64(&state) % 31536000;
	for (guint j = 0; j < GS_NEGENTROPY_ID_SIZE; j += 8) {
		guint64 v = splitmix64(&state);
		memcpy(id + j, &v, 8);
	}
}

/* side 0 holds records [0, common + unique), side 1 the common ones and the next unique */
static GsNegentropyStorage *
build_side(const BenchSet *set, guint side)
{
	GsNegentropyStorage *st = gs_negentropy_storage_new(set->common + set->unique);
	for (guint64 k = 0; k < (guint64)set->common + set->unique; k++) {
		guint64 i = k < set->common ? k : k + (guint64)side * set->unique;
		guint64 ts;
		guint8 id[GS_NEGENTROPY_ID_SIZE];
		make_record(i, &ts, id);
		gs_negentropy_storage_add(st, ts, id, NULL);
	}
	gs_negentropy_storage_seal(st);
	return st;
}

static void
run_session(GsNegentropyStorage *a, GsNegentropyStorage *b, gsize limit, Result *res)
{
	g_autoptr(GsNegentropy) client = gs_negentropy_new(a, limit, NULL);
	g_autoptr(GsNegentropy) server = gs_negentropy_new(b, limit, NULL);
	g_autoptr(GArray) have = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	g_autoptr(GArray) need = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	gint64 start = g_get_monotonic_time();
	GBytes *q = gs_negentropy_initiate(client, NULL);

	res->rounds = 0;
	res->up = res->down = 0;
	while (q != NULL) {
		GBytes *r = gs_negentropy_respond(
			server, g_bytes_get_data(q, NULL), g_bytes_get_size(q), NULL);
		GBytes *next = NULL;
		if (r == NULL)
			g_error("responder failed");
		res->up += g_bytes_get_size(q);
		res->down += g_bytes_get_size(r);
		res->rounds++;
		if (!gs_negentropy_reconcile(client,
					     g_bytes_get_data(r, NULL),
					     g_bytes_get_size(r),
					     &next,
					     have,
					     need,
					     NULL))
			g_error("initiator failed");
		g_bytes_unref(q);
		g_bytes_unref(r);
		q = next;
	}
	res->reconcile = (g_get_monotonic_time() - start) / 1e6;
	res->have = have->len;
	res->need = need->len;
}

static int
cmp_double(const void *a, const void *b)
{
	gdouble x = *(const gdouble *)a, y = *(const gdouble *)b;
	return x < y ? -1 : x > y;
}

static gsize
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static void
bench_set(const BenchSet *set, guint runs)
{
	g_autofree gdouble *setup = g_new(gdouble, runs);
	g_autoptr(GsNegentropyStorage) a = NULL;
	g_autoptr(GsNegentropyStorage) b = NULL;
	gsize heap_before = heap_in_use();
	gsize n;

	for (guint r = 0; r < runs; r++) {
		gint64 start = g_get_monotonic_time();
		g_clear_pointer(&a, gs_negentropy_storage_unref);
		heap_before = heap_in_use();
		a = build_side(set, 0);
		setup[r] = (g_get_monotonic_time() - start) / 1e6;
	}
	n = gs_negentropy_storage_get_size(a);
	printf("%s: %" G_GSIZE_FORMAT " records a side; sealed storage %.1f bytes/record "
	       "(heap %.1f); setup %.3f s a side\n",
	       set->name,
	       n,
	       (gdouble)gs_negentropy_storage_get_memory_size(a) / n,
	       (gdouble)(heap_in_use() - heap_before) / n,
	       (qsort(setup, runs, sizeof(gdouble), cmp_double), setup[runs / 2]));
	b = build_side(set, 1);
	for (guint l = 0; l < G_N_ELEMENTS(limits); l++) {
		g_autofree gdouble *times = g_new(gdouble, runs);
		Result res = {0};
		for (guint r = 0; r < runs; r++) {
			run_session(a, b, limits[l], &res);
			times[r] = res.reconcile;
		}
		qsort(times, runs, sizeof(gdouble), cmp_double);
		if (res.have != set->unique || res.need != set->unique)
			g_error("wrong result: have %" G_GSIZE_FORMAT " need %" G_GSIZE_FORMAT,
				res.have,
				res.need);
		printf("  limits %" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT
		       ": reconcile %.3f s, %u rounds, "
		       "%" G_GSIZE_FORMAT " bytes up, %" G_GSIZE_FORMAT " bytes down\n",
		       limits[l],
		       limits[l],
		       times[runs / 2],
		       res.rounds,
		       res.up,
		       res.down);
	}
}

int
main(int argc, char **argv)
{
	guint runs = 5;

	if (argc == 3 && g_strcmp0(argv[1], "--runs") == 0)
		runs = MAX(1, (guint)g_ascii_strtoull(argv[2], NULL, 10));
	for (guint i = 0; i < G_N_ELEMENTS(sets); i++)
		bench_set(&sets[i], runs);
	return 0;
}
