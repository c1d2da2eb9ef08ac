/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * ingest: events/s of the ingest stages over a JSONL file (one event a line, e.g. from
 * gen-events), all in one run:
 *   parse only; parse + id; parse + id + signature, each on 1 thread and on all cores;
 *   the full GsIngest pipeline (all cores) into a fresh store in a temporary directory;
 *   and the peak RSS of the process.
 * The file is streamed, never held whole in memory, so the RSS is the pipeline's.
 */

#define G_LOG_DOMAIN "BenchIngest"

#include "config.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "gs-ingest.h"
#include "gs-store-private.h"

#define BENCH_JOB_LINES 256
#define BENCH_SUBMIT_LIMIT 8192

typedef enum {
	BENCH_STAGE_PARSE,
	BENCH_STAGE_ID,
	BENCH_STAGE_VERIFY,
} BenchStage;

static const gchar *bench_stage_names[] = {"parse only", "parse+id", "parse+id+verify"};

typedef struct {
	GPtrArray *lines; /* gchar * */
	BenchStage stage;
	guint failed;
} BenchJob;

typedef struct {
	GAsyncQueue *done;
} BenchPool;

/* a measurement: events per second of wall time, and CPU time (all threads) per event */
typedef struct {
	gdouble rate;
	gdouble cpu_usec;
} BenchRate;

static gint64
bench_cpu_usec(void)
{
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	return (gint64)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
	       usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

/* blocks (512 bytes) the process sent towards the file system: pages it dirtied, the log's
 * and the checkpoints' (the same figure as /usr/bin/time's "File system outputs") */
static gint64
bench_fs_output_blocks(void)
{
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	return usage.ru_oublock;
}

static void
bench_print_load(void)
{
	g_autofree gchar *loadavg = NULL;

	if (g_file_get_contents("/proc/loadavg", &loadavg, NULL, NULL))
		g_print("load average: %s", loadavg);
}

/* CPU time of the calling thread: the main context's share of the full pipeline */
static gint64
bench_thread_cpu_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* per thread of this process: its name and the nanoseconds it ran and waited for a processor
 * (/proc/self/task/TID/schedstat); the rest of the wall time it was asleep */
typedef struct {
	gchar *name;
	guint64 run_ns;
	guint64 wait_ns;
} BenchThreadTimes;

static void
bench_thread_times_free(BenchThreadTimes *t)
{
	g_free(t->name);
	g_free(t);
}

/* TID (as a string) -> BenchThreadTimes */
static GHashTable *
bench_thread_times(void)
{
	GHashTable *times = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)bench_thread_times_free);
	g_autoptr(GDir) dir = g_dir_open("/proc/self/task", 0, NULL);
	const gchar *tid;

	while (dir != NULL && (tid = g_dir_read_name(dir)) != NULL) {
		g_autofree gchar *stat_path = g_strdup_printf("/proc/self/task/%s/schedstat", tid);
		g_autofree gchar *comm_path = g_strdup_printf("/proc/self/task/%s/comm", tid);
		g_autofree gchar *stat = NULL;
		g_autofree gchar *comm = NULL;
		BenchThreadTimes *t;

		if (!g_file_get_contents(stat_path, &stat, NULL, NULL) ||
		    !g_file_get_contents(comm_path, &comm, NULL, NULL))
			continue;
		t = g_new0(BenchThreadTimes, 1);
		t->name = g_strdup(g_strstrip(comm));
		if (sscanf(stat,
			   "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT,
			   &t->run_ns,
			   &t->wait_ns) != 2) {
			bench_thread_times_free(t);
			continue;
		}
		g_hash_table_insert(times, g_strdup(tid), t);
	}
	return times;
}

/* what each thread did during the @wall_usec since @start (threads started meanwhile count
 * from zero): the bubbles of the pipeline are the workers' time asleep */
static void
bench_print_thread_times(GHashTable *start, gint64 wall_usec)
{
	g_autoptr(GHashTable) end = bench_thread_times();
	GHashTableIter iter;
	gpointer key, value;

	g_print("  threads (ran / waited for a processor / asleep):");
	g_hash_table_iter_init(&iter, end);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		BenchThreadTimes *t = value;
		BenchThreadTimes *t0 = g_hash_table_lookup(start, key);
		gdouble wall_ns = (gdouble)MAX(wall_usec, 1) * 1000.0;
		gdouble run = (gdouble)(t->run_ns - (t0 != NULL ? t0->run_ns : 0)) / wall_ns;
		gdouble wait = (gdouble)(t->wait_ns - (t0 != NULL ? t0->wait_ns : 0)) / wall_ns;
		g_print(" %s %.0f/%.0f/%.0f %%;",
			t->name,
			100.0 * run,
			100.0 * wait,
			100.0 * MAX(1.0 - run - wait, 0.0));
	}
	g_print("\n");
}

static BenchRate
bench_rate(guint64 n, gint64 wall_start, gint64 cpu_start)
{
	BenchRate r;
	gint64 wall = MAX(g_get_monotonic_time() - wall_start, 1);
	r.rate = (gdouble)n * G_USEC_PER_SEC / (gdouble)wall;
	r.cpu_usec = (gdouble)(bench_cpu_usec() - cpu_start) / (gdouble)MAX(n, 1);
	return r;
}

/* reads the next line into a new string without its newline; NULL at the end */
static gchar *
bench_read_line(FILE *fp)
{
	gchar *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, fp);

	if (n < 0) {
		free(line);
		return NULL;
	}
	if (n > 0 && line[n - 1] == '\n')
		line[--n] = '\0';
	return line;
}

static guint
bench_process_line(const gchar *line, BenchStage stage)
{
	g_autoptr(GsEvent) ev = gs_event_new_from_json(line, -1, NULL);

	if (ev == NULL)
		return 1;
	if (stage >= BENCH_STAGE_ID && !gs_event_check_id(ev, NULL))
		return 1;
	if (stage >= BENCH_STAGE_VERIFY && !gs_event_check_signature(ev, NULL))
		return 1;
	return 0;
}

static void
bench_worker(gpointer data, gpointer user_data)
{
	BenchJob *job = data;
	BenchPool *pool = user_data;

	for (guint i = 0; i < job->lines->len; i++)
		job->failed += bench_process_line(g_ptr_array_index(job->lines, i), job->stage);
	g_async_queue_push(pool->done, job);
}

static BenchJob *
bench_job_fill(FILE *fp, BenchStage stage)
{
	BenchJob *job = g_new0(BenchJob, 1);
	gchar *line;

	job->stage = stage;
	job->lines = g_ptr_array_new_with_free_func(free);
	while (job->lines->len < BENCH_JOB_LINES && (line = bench_read_line(fp)) != NULL)
		g_ptr_array_add(job->lines, line);
	return job;
}

static void
bench_job_free(BenchJob *job)
{
	g_ptr_array_unref(job->lines);
	g_free(job);
}

/* one stage over the whole file on @threads threads */
static BenchRate
bench_stage(const gchar *path, BenchStage stage, guint threads, guint64 *n_events)
{
	FILE *fp = fopen(path, "r");
	BenchPool pool = {g_async_queue_new()};
	GThreadPool *tp = g_thread_pool_new(bench_worker, &pool, (gint)threads, TRUE, NULL);
	guint in_flight = 0;
	guint failed = 0;
	gint64 start = g_get_monotonic_time();
	gint64 cpu_start = bench_cpu_usec();
	BenchRate rate;

	*n_events = 0;
	g_assert(fp != NULL);
	for (;;) {
		BenchJob *job = bench_job_fill(fp, stage);
		if (job->lines->len == 0) {
			bench_job_free(job);
			break;
		}
		*n_events += job->lines->len;
		g_thread_pool_push(tp, job, NULL);
		/* at most 4 jobs a thread in flight: the file is streamed */
		if (++in_flight >= 4 * threads) {
			BenchJob *done = g_async_queue_pop(pool.done);
			failed += done->failed;
			bench_job_free(done);
			in_flight--;
		}
	}
	while (in_flight-- > 0) {
		BenchJob *done = g_async_queue_pop(pool.done);
		failed += done->failed;
		bench_job_free(done);
	}
	rate = bench_rate(*n_events, start, cpu_start);
	g_thread_pool_free(tp, FALSE, TRUE);
	g_async_queue_unref(pool.done);
	fclose(fp);
	if (failed > 0)
		g_printerr("warning: %u events failed %s\n", failed, bench_stage_names[stage]);
	return rate;
}

typedef struct {
	guint64 outcomes[GS_INGEST_OUTCOME_LAST];
} BenchTally;

static void
bench_ingest_cb(GsIngest *ingest, const GsIngestResult *result, gpointer user_data)
{
	BenchTally *tally = user_data;
	tally->outcomes[result->outcome]++;
}

static gboolean
bench_full_setup(const gchar *dir,
		 const gchar *service,
		 GsStore **store,
		 GsPolicy **policy,
		 GsRejectedIndex **index,
		 GError **error)
{
	g_autofree gchar *db = g_build_filename(dir, "store.db", NULL);
	const gchar *urls[] = {service, NULL};

	*store = gs_store_new(db, error);
	if (*store == NULL)
		return FALSE;
	*policy = gs_policy_new(*store);
	if (!gs_policy_set_service_urls(*policy, urls, error))
		return FALSE;
	*index = gs_rejected_index_new(120, 7 * 24 * 3600);
	return TRUE;
}

/* the whole pipeline; a negative rate on failure */
static BenchRate
bench_full(const gchar *path, const gchar *service, guint sources, guint copies, BenchTally *tally)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("gs-bench-ingest-XXXXXX", &error);
	g_autoptr(GsStore) store = NULL;
	g_autoptr(GsPolicy) policy = NULL;
	g_autoptr(GsRejectedIndex) index = NULL;
	g_autoptr(GsIngest) ingest = NULL;
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	FILE *fp = fopen(path, "r");
	gchar *line;
	guint64 n = 0;
	gint64 start;
	gint64 cpu_start;
	BenchRate rate = {-1, 0};
	GsIngestCounters counters;
	gint64 main_start;
	gint64 blocks_start;
	g_autoptr(GHashTable) threads_start = NULL;

	if (dir == NULL || fp == NULL ||
	    !bench_full_setup(dir, service, &store, &policy, &index, &error)) {
		g_printerr("full ingest: %s\n", error != NULL ? error->message : "cannot open");
		return rate;
	}
	ingest = gs_ingest_new(store, policy, index);
	for (guint i = 0; i < sources; i++)
		g_ptr_array_add(names, g_strdup_printf("wss://relay%u.example.net", i));
	threads_start = bench_thread_times();
	start = g_get_monotonic_time();
	cpu_start = bench_cpu_usec();
	main_start = bench_thread_cpu_usec();
	blocks_start = bench_fs_output_blocks();
	for (guint64 i = 0; (line = bench_read_line(fp)) != NULL; i++) {
		/* copy k of line i comes from source i + k, as from several relays */
		for (guint k = 0; k < copies; k++, n++)
			gs_ingest_submit(ingest,
					 g_ptr_array_index(names, (i + k) % sources),
					 line,
					 strlen(line),
					 bench_ingest_cb,
					 tally);
		free(line);
		/* a relay connection is not infinitely fast either: bound what is in flight */
		while (gs_ingest_get_pending(ingest) >= BENCH_SUBMIT_LIMIT)
			g_main_context_iteration(NULL, TRUE);
	}
	gs_ingest_flush(ingest);
	rate = bench_rate(n, start, cpu_start);
	bench_print_thread_times(threads_start, g_get_monotonic_time() - start);
	gs_ingest_get_counters(ingest, NULL, &counters);
	g_print("  main thread %.1f us CPU/event (policy, store, callbacks)\n",
		(gdouble)(bench_thread_cpu_usec() - main_start) / (gdouble)MAX(n, 1));
	g_print("  %" G_GUINT64_FORMAT " transactions, %.0f events each, %" G_GUINT64_FORMAT
		" deferred events re-processed\n",
		counters.transactions,
		(gdouble)counters.inserted / (gdouble)MAX(counters.transactions, 1),
		counters.reprocessed);
	g_print("  %" G_GUINT64_FORMAT " signature checks skipped (copies of known events)\n",
		counters.verify_skipped);
	g_print("  written to the file system: %.1f MiB (%.1f KiB per event)\n",
		(gdouble)(bench_fs_output_blocks() - blocks_start) * 512 / (1024.0 * 1024.0),
		(gdouble)(bench_fs_output_blocks() - blocks_start) * 512 / 1024.0 /
			(gdouble)MAX(n, 1));
	g_print("  checkpoints: %u, %u of them holding the writer off (RESTART)\n",
		gs_store_get_checkpoint_runs(store),
		gs_store_get_checkpoint_restarts(store));
	{
		g_autoptr(GsFilter) all = gs_filter_new();
		guint64 stored = 0;
		if (gs_store_count(store, all, &stored, NULL))
			g_print("  events in the store at the end: %" G_GUINT64_FORMAT "\n",
				stored);
	}
	fclose(fp);
	g_clear_object(&ingest);
	g_clear_object(&policy);
	g_clear_object(&store);
	{
		g_autofree gchar *db = g_build_filename(dir, "store.db", NULL);
		g_autofree gchar *wal = g_strconcat(db, "-wal", NULL);
		g_autofree gchar *shm = g_strconcat(db, "-shm", NULL);
		g_unlink(wal);
		g_unlink(shm);
		g_unlink(db);
		g_rmdir(dir);
	}
	return rate;
}

static glong
bench_peak_rss_kib(void)
{
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	return usage.ru_maxrss;
}

int
main(int argc, char **argv)
{
	/* GOption replaces a string option's value without freeing a default: set after parsing */
	g_autofree gchar *service = NULL;
	gint sources = 4;
	gint copies = 1;
	gboolean full_only = FALSE;
	guint cores = g_get_num_processors();
	g_autoptr(GOptionContext) context = g_option_context_new("FILE.jsonl - ingest benchmark");
	g_autoptr(GError) error = NULL;
	BenchTally tally = {0};
	gdouble verify_all = 0;
	BenchRate full;
	guint64 n = 0;
	const GOptionEntry entries[] = {
		{"service", 0, 0, G_OPTION_ARG_STRING, &service, "Our relay URL", "URL"},
		{"sources", 0, 0, G_OPTION_ARG_INT, &sources, "Relays to spread events over", "N"},
		{"full-only", 0, 0, G_OPTION_ARG_NONE, &full_only, "Only the full pipeline", NULL},
		{"copies",
		 0,
		 0,
		 G_OPTION_ARG_INT,
		 &copies,
		 "Submit every event N times, from different sources (the full pipeline)",
		 "N"},
		{NULL}};

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error) || argc != 2 || sources < 1 ||
	    copies < 1) {
		g_printerr("usage: ingest [--service URL] [--sources N] [--copies N] [--full-only] "
			   "FILE.jsonl\n");
		return 2;
	}
	if (!gs_crypto_init(&error)) {
		g_printerr("ingest: %s\n", error->message);
		return 1;
	}
	bench_print_load();
	for (BenchStage stage = BENCH_STAGE_PARSE; !full_only && stage <= BENCH_STAGE_VERIFY;
	     stage++) {
		guint counts[] = {1, cores};
		for (guint i = 0; i < G_N_ELEMENTS(counts); i++) {
			BenchRate rate = bench_stage(argv[1], stage, counts[i], &n);
			g_print("%-16s %u thread%s %8.0f events/s %6.1f us CPU/event\n",
				bench_stage_names[stage],
				counts[i],
				counts[i] > 1 ? "s" : " ",
				rate.rate,
				rate.cpu_usec);
			if (stage == BENCH_STAGE_VERIFY && i == 1)
				verify_all = rate.rate;
		}
	}
	if (service == NULL)
		service = g_strdup("wss://relay.example.com");
	full = bench_full(argv[1], service, (guint)MAX(sources, copies), (guint)copies, &tally);
	if (full.rate < 0)
		return 1;
	g_print("%-16s %u threads %8.0f events/s %6.1f us CPU/event\n",
		"full ingest",
		cores,
		full.rate,
		full.cpu_usec);
	g_print("  outcomes: stored %" G_GUINT64_FORMAT ", duplicate %" G_GUINT64_FORMAT
		", deferred %" G_GUINT64_FORMAT ", rejected %" G_GUINT64_FORMAT
		", invalid %" G_GUINT64_FORMAT "\n",
		tally.outcomes[GS_INGEST_OUTCOME_STORED],
		tally.outcomes[GS_INGEST_OUTCOME_DUPLICATE],
		tally.outcomes[GS_INGEST_OUTCOME_DEFERRED],
		tally.outcomes[GS_INGEST_OUTCOME_REJECTED],
		tally.outcomes[GS_INGEST_OUTCOME_INVALID]);
	if (verify_all > 0)
		g_print("full ingest / parse+id+verify (%u threads): %.0f %%\n",
			cores,
			100.0 * full.rate / verify_all);
	g_print("peak RSS: %.1f MiB\n", bench_peak_rss_kib() / 1024.0);
	bench_print_load();
	return 0;
}
