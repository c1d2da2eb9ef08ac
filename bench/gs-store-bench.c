/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Insert and query rates of GsStore: `gs-store-bench [N [BATCH [DIR]]]` inserts N events (made
 * up, unsigned: the store does not verify) in batches of BATCH into a new store under DIR and
 * prints events/s, then times a few typical queries.
 *
 * `gs-store-bench --jsonl FILE [N [BATCH]]` inserts the first N events of a JSONL file (as
 * bench/gen-events writes it; parsed before the clock starts, not verified) instead: the
 * store's own cost per event of a real data set, e.g. under
 * `valgrind --tool=callgrind --toggle-collect=gs_store_insert_batch`.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>

#include "gs-store.h"

static GsEvent *
bench_event(guint64 n)
{
	g_autofree gchar *id =
		g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)&n, sizeof(n));
	g_autofree gchar *json = NULL;
	g_autoptr(GError) error = NULL;
	GsEvent *event;

	/* a comment-sized event with the tags a NIP-34 reply carries */
	json = g_strdup_printf(
		"{\"id\":\"%s\",\"pubkey\":\"%064x\",\"created_at\":%" G_GUINT64_FORMAT
		",\"kind\":1111,"
		"\"tags\":[[\"A\",\"30617:%064x:repo%u\"],[\"E\",\"%064x\",\"\",\"root\"],"
		"[\"e\",\"%064x\",\"\",\"reply\"],[\"p\",\"%064x\"]],"
		"\"content\":\"Looks good to me, but please rebase on main before merging this.\","
		"\"sig\":\"%0128x\"}",
		id,
		(guint)(n % 1000),
		1700000000 + n / 3,
		(guint)(n % 100),
		(guint)(n % 100),
		(guint)(n % 5000),
		(guint)(n % 7000),
		(guint)(n % 1000),
		0);
	event = gs_event_new_from_json(json, -1, &error);
	if (event == NULL)
		g_error("%s", error->message);
	return event;
}

/* CPU seconds (user + system) of this process: the machine is shared, so wall time alone
 * understates what the store can do */
static gdouble
bench_cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static void
bench_query(GsStore *store, const gchar *json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GTimer) timer = NULL;

	g_ptr_array_add(filters, gs_filter_new_from_json(json, -1, &error));
	if (error != NULL)
		g_error("%s", error->message);
	timer = g_timer_new();
	events = gs_store_query(store, filters, 500, &error);
	if (events == NULL)
		g_error("%s", error->message);
	g_print("query %-60s %4u events in %.2f ms\n",
		json,
		events->len,
		g_timer_elapsed(timer, NULL) * 1000);
}

/* the first @n events of the JSONL file @path */
static GPtrArray *
bench_read_jsonl(const gchar *path, guint n)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	gchar *line, *next;

	if (!g_file_get_contents(path, &text, NULL, &error))
		g_error("%s", error->message);
	for (line = text; *line != '\0' && all->len < n; line = next) {
		GsEvent *event;
		next = strchr(line, '\n');
		next = next != NULL ? next + 1 : line + strlen(line);
		if (next - line <= 1)
			continue;
		event = gs_event_new_from_json(line, next - line - (next[-1] == '\n'), &error);
		if (event == NULL)
			g_error("%s", error->message);
		g_ptr_array_add(all, event);
	}
	return g_steal_pointer(&all);
}

int
main(int argc, char **argv)
{
	const gchar *jsonl = NULL;
	guint n, batch_size;
	g_autofree gchar *dir = NULL;
	g_autofree gchar *path = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = NULL;
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GTimer) timer = NULL;
	gdouble cpu0, wall, cpu;

	if (argc > 2 && g_strcmp0(argv[1], "--jsonl") == 0) {
		jsonl = argv[2];
		argv += 2;
		argc -= 2;
	}
	n = argc > 1 ? (guint)g_ascii_strtoull(argv[1], NULL, 10) : (jsonl ? G_MAXUINT : 200000);
	batch_size = argc > 2 ? (guint)g_ascii_strtoull(argv[2], NULL, 10) : 1000;
	dir = argc > 3 ? g_strdup(argv[3]) : g_dir_make_tmp("gs-store-bench-XXXXXX", &error);
	if (dir == NULL || batch_size == 0)
		g_error("usage: %s [--jsonl FILE] [N [BATCH [DIR]]]", argv[0]);
	path = g_build_filename(dir, "bench.db", NULL);
	store = gs_store_new(path, &error);
	if (store == NULL)
		g_error("%s", error->message);
	if (jsonl != NULL) {
		all = bench_read_jsonl(jsonl, n);
		n = all->len;
	} else {
		all = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
		for (guint i = 0; i < n; i++)
			g_ptr_array_add(all, bench_event(i));
	}
	timer = g_timer_new();
	cpu0 = bench_cpu_seconds();
	for (guint i = 0; i < n; i += batch_size) {
		g_autoptr(GPtrArray) batch = g_ptr_array_new();
		for (guint j = i; j < MIN(n, i + batch_size); j++)
			g_ptr_array_add(batch, g_ptr_array_index(all, j));
		if (!gs_store_insert_batch(store, batch, NULL, &error))
			g_error("%s", error->message);
	}
	wall = g_timer_elapsed(timer, NULL);
	cpu = bench_cpu_seconds() - cpu0;
	g_print("inserted %u events in batches of %u: %.2f s wall (%.0f events/s), "
		"%.2f s CPU (%.0f events/s)\n",
		n,
		batch_size,
		wall,
		n / wall,
		cpu,
		n / cpu);
	bench_query(store, "{\"kinds\":[1111],\"limit\":100}");
	bench_query(store,
		    "{\"#A\":[\"30617:"
		    "0000000000000000000000000000000000000000000000000000000000000007:repo7\"]}");
	bench_query(
		store,
		"{\"#E\":[\"0000000000000000000000000000000000000000000000000000000000000010\"]}");
	bench_query(store,
		    "{\"authors\":["
		    "\"0000000000000000000000000000000000000000000000000000000000000003\"],"
		    "\"limit\":20}");
	g_clear_object(&store);
	if (argc <= 3) {
		g_autofree gchar *wal = g_strconcat(path, "-wal", NULL);
		g_autofree gchar *shm = g_strconcat(path, "-shm", NULL);
		g_unlink(path);
		g_unlink(wal);
		g_unlink(shm);
		g_rmdir(dir);
	}
	return 0;
}
