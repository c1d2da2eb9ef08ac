/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * sync: historic sync from one daemon to another over loopback (docs/benchmarks.md).
 *
 * The source is our relay endpoint (GsRelayServer over a GsStore that the full GsIngest filled
 * with every event of a JSONL file, e.g. from gen-events) in a child process. The syncing side
 * is the daemon itself (GsDaemon: store, policy, ingest, sync engine, as grasp-syncd runs it)
 * with the source as its bootstrap relay, run once per case in a fresh process of this program
 * so that its CPU time and peak RSS are its own. A case ends when the source relay reaches
 * connected (history complete). Cases: a full sync with negentropy and with REQ+EOSE only, and
 * a re-sync of a store that already holds all but about 1 % of the events (a fresh start, as
 * after a restart more than 15 minutes later), again both ways. Reported per case: wall time,
 * CPU time of each side, payload bytes each way on the websocket, peak RSS, events, and
 * whether the synced set equals the source's (count and XOR of the ids). The full ingest of
 * the same file into a fresh store (as bench/ingest does it) is timed in the same run, for the
 * ratio of the sync's wall time to it.
 */

#define G_LOG_DOMAIN "BenchSync"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench-util.h"
#include "gs-daemon.h"
#include "gs-filter.h"
#include "gs-hex.h"
#include "gs-http-server.h"
#include "gs-ingest.h"
#include "gs-relay-server.h"
#include "gs-relay-url.h"

#define BENCH_SOURCES 4
#define BENCH_SUBMIT_LIMIT 4096
#define BENCH_STORE_FILE "grasp-sync.db" /* the daemon's file inside [store] path */
#define BENCH_TIMEOUT_S 1800

/* a store's event set: how many, and the XOR of their ids */
typedef struct {
	guint64 n;
	guint8 xor [32];
} BenchDigest;

static gchar *
bench_digest(GsStore *store)
{
	g_autoptr(GsFilter) all = gs_filter_new();
	g_autoptr(GArray) items = NULL;
	g_autoptr(GError) error = NULL;
	BenchDigest d = {0};
	gchar hex[65];

	if (!gs_store_query_items(store, all, G_MAXUINT, &items, &error)) {
		g_printerr("digest: %s\n", error->message);
		return g_strdup("0:?");
	}
	d.n = items->len;
	for (guint i = 0; i < items->len; i++) {
		const GsStoreItem *item = &g_array_index(items, GsStoreItem, i);
		for (guint j = 0; j < 32; j++)
			d.xor [j] ^= item->id[j];
	}
	gs_hex_encode_to(d.xor, 32, hex);
	hex[64] = '\0';
	return g_strdup_printf("%" G_GUINT64_FORMAT ":%s", d.n, hex);
}

/* a store with the daemon's acceptance policy for @service, and its ingest */
typedef struct {
	GsStore *store;
	GsPolicy *policy;
	GsRejectedIndex *index;
	GsIngest *ingest;
} BenchStore;

static gboolean
bench_store_open(BenchStore *s, const gchar *db, const gchar *service, GError **error)
{
	const gchar *urls[] = {service, NULL};

	s->store = gs_store_new(db, error);
	if (s->store == NULL)
		return FALSE;
	s->policy = gs_policy_new(s->store);
	if (!gs_policy_set_service_urls(s->policy, urls, error))
		return FALSE;
	s->index = gs_rejected_index_new(120, 7 * 24 * 3600);
	s->ingest = gs_ingest_new(s->store, s->policy, s->index);
	return TRUE;
}

static void
bench_store_close(BenchStore *s)
{
	if (s->ingest != NULL)
		gs_ingest_flush(s->ingest);
	g_clear_object(&s->ingest);
	g_clear_object(&s->index);
	g_clear_object(&s->policy);
	g_clear_object(&s->store);
}

/* the kind of a gen-events line without parsing it; 0 when not found */
static guint
bench_line_kind(const gchar *line)
{
	const gchar *at = strstr(line, "\"kind\":");
	return at != NULL ? (guint)g_ascii_strtoull(at + 7, NULL, 10) : 0;
}

/*
 * Leaves out about @skip_percent % of the lines, all of them status events (1630-1633):
 * nothing depends on those, so what the store lacks is exactly what was left out, spread over
 * every repository. Returns the lines read.
 */
static guint64
bench_ingest_file(GsIngest *ingest, const gchar *path, guint skip_percent, guint64 *skipped)
{
	FILE *fp = fopen(path, "r");
	guint64 n = 0, n_status = 0, limit = 0;
	gchar *line;

	*skipped = 0;
	if (fp == NULL) {
		g_printerr("cannot open %s\n", path);
		exit(1);
	}
	while ((line = bench_read_line(fp)) != NULL) {
		guint kind = skip_percent > 0 ? bench_line_kind(line) : 0;
		g_autofree gchar *source =
			g_strdup_printf("wss://relay%u.example.net", (guint)(n++ % BENCH_SOURCES));

		limit = n * skip_percent / 100;
		/* every 5th status event while fewer than the share are left out */
		if (kind >= 1630 && kind <= 1633 && n_status++ % 5 == 0 && *skipped < limit) {
			(*skipped)++;
			free(line);
			continue;
		}
		gs_ingest_submit(ingest, source, line, strlen(line), NULL, NULL);
		free(line);
		while (gs_ingest_get_pending(ingest) >= BENCH_SUBMIT_LIMIT)
			g_main_context_iteration(NULL, TRUE);
	}
	gs_ingest_flush(ingest);
	fclose(fp);
	return n;
}

/* the source (child process) ------------------------------------------------------------------- */

/* payload bytes by message type, each way, as the source sees them */
typedef struct {
	GHashTable *up;	      /* type -> guint64 * */
	GHashTable *down;     /* type -> guint64 * */
	GHashTable *refusals; /* CLOSED and NEG-ERR text -> guint64 * */
} BenchTally;

static void
bench_tally_add(GHashTable *table, const gchar *text, gsize len)
{
	g_autofree gchar *type = NULL;
	const gchar *end;
	guint64 *bytes;

	end = len > 2 && text[0] == '[' && text[1] == '"' ? memchr(text + 2, '"', len - 2) : NULL;
	type = end != NULL ? g_strndup(text + 2, end - text - 2) : g_strdup("?");
	bytes = g_hash_table_lookup(table, type);
	if (bytes == NULL) {
		bytes = g_new0(guint64, 1);
		g_hash_table_insert(table, g_steal_pointer(&type), bytes);
	}
	*bytes += len;
}

static gboolean
bench_tap_in_cb(GsRelayClient *client, const gchar *text, gsize len, gpointer user_data)
{
	BenchTally *t = user_data;
	bench_tally_add(t->up, text, len);
	return TRUE;
}

static gboolean
bench_tap_out_cb(GsRelayClient *client, const gchar *text, gsize len, gpointer user_data)
{
	BenchTally *t = user_data;
	const gchar *reason;

	bench_tally_add(t->down, text, len);
	/* refusals, by their text without the subscription id, to the log */
	if ((g_str_has_prefix(text, "[\"CLOSED\"") || g_str_has_prefix(text, "[\"NEG-ERR\"")) &&
	    (reason = g_strstr_len(text + 12, (gssize)len - 12, "\",\"")) != NULL) {
		g_autofree gchar *key = g_strndup(reason + 3, MIN(len - (reason + 3 - text), 80));
		guint64 *n = g_hash_table_lookup(t->refusals, key);
		if (n == NULL) {
			n = g_new0(guint64, 1);
			g_hash_table_insert(t->refusals, g_steal_pointer(&key), n);
		}
		(*n)++;
	}
	return TRUE;
}

/* "TALLY up REQ=n ... down EVENT=n ...", then starts again from zero */
static void
bench_tally_print(BenchTally *t)
{
	GHashTable *tables[] = {t->up, t->down};
	const gchar *names[] = {"up", "down"};
	GHashTableIter iter;
	gpointer key, value;

	g_print("TALLY");
	for (guint i = 0; i < G_N_ELEMENTS(tables); i++) {
		g_print(" %s", names[i]);
		g_hash_table_iter_init(&iter, tables[i]);
		while (g_hash_table_iter_next(&iter, &key, &value))
			g_print(" %s=%" G_GUINT64_FORMAT, (const gchar *)key, *(guint64 *)value);
		g_hash_table_remove_all(tables[i]);
	}
	g_print("\n");
	fflush(stdout);
	g_hash_table_iter_init(&iter, t->refusals);
	while (g_hash_table_iter_next(&iter, &key, &value))
		g_printerr("refused %" G_GUINT64_FORMAT " times: %s\n",
			   *(guint64 *)value,
			   (const gchar *)key);
	g_printerr("--\n");
	g_hash_table_remove_all(t->refusals);
}

typedef struct {
	GMainLoop *loop;
	BenchTally *tally;
} BenchSourceLoop;

/* each line on stdin asks for the tally; the end of stdin ends the source */
static gboolean
bench_stdin_cb(GIOChannel *channel, GIOCondition condition, gpointer user_data)
{
	BenchSourceLoop *l = user_data;
	gchar buf[64];

	gssize n = read(g_io_channel_unix_get_fd(channel), buf, sizeof(buf));

	if (n > 0) {
		if (memchr(buf, '\n', (gsize)n) != NULL)
			bench_tally_print(l->tally);
		return G_SOURCE_CONTINUE;
	}
	g_main_loop_quit(l->loop);
	return G_SOURCE_REMOVE;
}

/* our relay endpoint over a store holding every event of @path; prints its URL and the
 * digest of its events, serves until stdin closes */
static gint
bench_serve_source(const gchar *path, const gchar *service)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("gs-bench-sync-source-XXXXXX", &error);
	g_autofree gchar *db = NULL;
	g_autofree gchar *digest = NULL;
	g_autoptr(GsRelayServer) server = NULL;
	g_autoptr(GsHttpServer) http = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GIOChannel) in = g_io_channel_unix_new(0);
	BenchStore s = {0};
	BenchTally tally = {g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
			    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
			    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free)};
	BenchSourceLoop l = {loop, &tally};
	GsRelayLimits limits;
	guint64 skipped;

	g_assert_no_error(error);
	db = g_build_filename(dir, "source.db", NULL);
	if (!bench_store_open(&s, db, service, &error)) {
		g_printerr("source: %s\n", error->message);
		return 1;
	}
	bench_ingest_file(s.ingest, path, 0, &skipped);
	digest = bench_digest(s.store);
	gs_relay_limits_init(&limits);
	server = gs_relay_server_new(s.store, s.ingest, &limits);
	http = gs_http_server_new();
	gs_relay_server_attach(server, http);
	if (!gs_http_server_listen(http, "127.0.0.1:0", &error)) {
		g_printerr("source: %s\n", error->message);
		return 1;
	}
	g_print("ws://127.0.0.1:%u %s\n", gs_http_server_get_port(http), digest);
	fflush(stdout);
	gs_relay_server_set_taps(server, bench_tap_in_cb, bench_tap_out_cb, &tally);
	g_io_add_watch(in, G_IO_IN | G_IO_HUP | G_IO_ERR, bench_stdin_cb, &l);
	g_main_loop_run(loop);
	g_hash_table_unref(tally.up);
	g_hash_table_unref(tally.down);
	g_hash_table_unref(tally.refusals);
	gs_relay_server_close_all(server, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "done");
	gs_http_server_disconnect(http);
	g_clear_object(&server);
	bench_store_close(&s);
	bench_remove_tree(dir);
	return 0;
}

/* the syncing daemon (child process, one per case) -------------------------------------------- */

/* user + system CPU of the calling thread, microseconds (the main context's share) */
static gint64
bench_thread_cpu_usec(void)
{
	struct rusage usage;
	getrusage(RUSAGE_THREAD, &usage);
	return (gint64)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
	       usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

typedef struct {
	guint64 stored;
	gint64 last_stored; /* monotonic, us */
	guint peak_pending; /* the most events seen pending in the ingest */
} BenchWatch;

static void
bench_event_stored_cb(GsStore *store, GsEvent *event, gpointer user_data)
{
	BenchWatch *w = user_data;
	w->stored++;
	w->last_stored = g_get_monotonic_time();
}

static gboolean
bench_wake_cb(gpointer user_data)
{
	return G_SOURCE_CONTINUE;
}

/* every 5 s to the case's log: what is stored, and what the engine has in flight */
static void
bench_progress(GsSyncManager *sync,
	       GsIngest *ingest,
	       const gchar *relay,
	       BenchWatch *w,
	       gint64 start)
{
	GsRelayConnection *conn = gs_sync_manager_get_connection(sync, relay);

	g_printerr("progress %.0f s: %" G_GUINT64_FORMAT
		   " stored, %u batches pending, %u subscriptions open, %.1f MB received, %u "
		   "events (%.1f MB) in the ingest, %u at most, %" G_GUINT64_FORMAT
		   " backlog pauses\n",
		   (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC,
		   w->stored,
		   gs_sync_manager_get_relay_pending_batches(sync, relay),
		   conn != NULL ? gs_relay_connection_get_n_subscriptions(conn) : 0,
		   conn != NULL ? gs_relay_connection_get_bytes_received(conn) / 1e6 : 0.0,
		   gs_ingest_get_pending(ingest),
		   gs_ingest_get_pending_bytes(ingest) / 1e6,
		   w->peak_pending,
		   gs_sync_manager_get_backlog_pauses(sync));
}

/* the daemon's configuration: its own command-line options, then the bench's settings */
static gboolean
bench_daemon_setup(GsDaemon *daemon,
		   const gchar *dir,
		   const gchar *url,
		   const gchar *service,
		   guint window_ms,
		   gboolean req_only,
		   GError **error)
{
	g_autoptr(GOptionContext) context = g_option_context_new(NULL);
	g_autofree gchar *window = g_strdup_printf("%u", window_ms);
	const gchar *args[] = {"grasp-syncd",
			       "--state-dir",
			       dir,
			       "--listen",
			       "127.0.0.1:0",
			       "--bootstrap-relay",
			       url,
			       "--service-url",
			       service,
			       "--no-dbus",
			       NULL};
	g_auto(GStrv) argv = g_strdupv((gchar **)args);
	GsConfig *config = gs_daemon_get_config(daemon);

	g_option_context_set_main_group(context, gs_daemon_get_option_group(daemon));
	if (!g_option_context_parse_strv(context, &argv, error) || !gs_daemon_setup(daemon, error))
		return FALSE;
	return gs_config_set_value(config, "sync", "batch-window-ms", window, "bench", error) &&
	       gs_config_set_value(config,
				   "sync",
				   "disable-negentropy",
				   req_only ? "true" : "false",
				   "bench",
				   error);
}

/* copies the pre-filled store to where the daemon opens its own */
static gboolean
bench_install_store(GsDaemon *daemon, const gchar *prefill, GError **error)
{
	g_autofree gchar *dir = gs_config_dup_path(gs_daemon_get_config(daemon), "store", "path");
	g_autofree gchar *dest = g_build_filename(dir, BENCH_STORE_FILE, NULL);
	g_autoptr(GFile) from = g_file_new_for_path(prefill);
	g_autoptr(GFile) to = g_file_new_for_path(dest);

	g_mkdir_with_parents(dir, 0700);
	return g_file_copy(from, to, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error);
}

/* runs the daemon until @url is connected (or degraded); prints one RESULT line */
static gint
bench_run_sync(const gchar *url,
	       const gchar *dir,
	       const gchar *service,
	       const gchar *prefill,
	       guint window_ms,
	       gboolean req_only)
{
	g_autoptr(GsDaemon) daemon = gs_daemon_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *relay = gs_relay_url_normalise(url, FALSE, NULL);
	g_autofree gchar *digest = NULL;
	BenchWatch w = {0};
	GsSyncRelayStats st = {0};
	GsSyncManager *sync;
	GsRelayConnection *conn;
	GsConnectionStatus status = GS_CONNECTION_STATUS_DISCONNECTED;
	struct rusage usage;
	gint64 start, cpu_start, main_start, end, cpu, main_cpu, next_progress;
	GsIngestCounters ic;
	guint wake;

	if (!bench_daemon_setup(daemon, dir, url, service, window_ms, req_only, &error) ||
	    (prefill != NULL && !bench_install_store(daemon, prefill, &error))) {
		g_printerr("sync: %s\n", error->message);
		return 1;
	}
	start = g_get_monotonic_time();
	cpu_start = bench_cpu_usec();
	main_start = bench_thread_cpu_usec();
	if (!gs_daemon_start(daemon, &error)) {
		g_printerr("sync: %s\n", error->message);
		return 1;
	}
	g_signal_connect(
		gs_daemon_get_store(daemon), "event-stored", G_CALLBACK(bench_event_stored_cb), &w);
	sync = gs_daemon_get_sync_manager(daemon);
	wake = g_timeout_add(100, bench_wake_cb, NULL);
	next_progress = start + 5 * G_USEC_PER_SEC;
	while (status != GS_CONNECTION_STATUS_CONNECTED &&
	       status != GS_CONNECTION_STATUS_CONNECTED_DEGRADED &&
	       g_get_monotonic_time() - start < BENCH_TIMEOUT_S * G_USEC_PER_SEC) {
		g_main_context_iteration(NULL, TRUE);
		status = gs_sync_manager_get_relay_status(sync, relay);
		w.peak_pending =
			MAX(w.peak_pending, gs_ingest_get_pending(gs_daemon_get_ingest(daemon)));
		if (g_get_monotonic_time() >= next_progress) {
			bench_progress(sync, gs_daemon_get_ingest(daemon), relay, &w, start);
			next_progress += 5 * G_USEC_PER_SEC;
		}
	}
	end = g_get_monotonic_time();
	cpu = bench_cpu_usec() - cpu_start;
	main_cpu = bench_thread_cpu_usec() - main_start;
	g_source_remove(wake);
	bench_progress(sync, gs_daemon_get_ingest(daemon), relay, &w, start);
	gs_ingest_flush(gs_daemon_get_ingest(daemon));
	digest = bench_digest(gs_daemon_get_store(daemon));
	conn = gs_sync_manager_get_connection(sync, relay);
	gs_sync_manager_get_relay_stats(sync, relay, &st);
	gs_ingest_get_counters(gs_daemon_get_ingest(daemon), NULL, &ic);
	getrusage(RUSAGE_SELF, &usage);
	g_print("RESULT status=%d wall=%.3f last=%.3f cpu=%.3f up=%" G_GUINT64_FORMAT
		" down=%" G_GUINT64_FORMAT " rss=%ld stored=%" G_GUINT64_FORMAT
		" received=%" G_GUINT64_FORMAT " neg=%" G_GUINT64_FORMAT " req=%" G_GUINT64_FORMAT
		" main=%.3f tx=%" G_GUINT64_FORMAT " deferred=%" G_GUINT64_FORMAT
		" reprocessed=%" G_GUINT64_FORMAT " known=%" G_GUINT64_FORMAT " digest=%s\n",
		(gint)status,
		(gdouble)(end - start) / G_USEC_PER_SEC,
		w.last_stored > 0 ? (gdouble)(w.last_stored - start) / G_USEC_PER_SEC : 0.0,
		(gdouble)cpu / G_USEC_PER_SEC,
		conn != NULL ? gs_relay_connection_get_bytes_sent(conn) : 0,
		conn != NULL ? gs_relay_connection_get_bytes_received(conn) : 0,
		usage.ru_maxrss,
		w.stored,
		st.events_received,
		st.batches[GS_SYNC_METHOD_NEGENTROPY][GS_SYNC_OUTCOME_COMPLETE],
		st.batches[GS_SYNC_METHOD_REQ_EOSE][GS_SYNC_OUTCOME_COMPLETE],
		(gdouble)main_cpu / G_USEC_PER_SEC,
		ic.transactions,
		ic.outcomes[GS_INGEST_OUTCOME_DEFERRED],
		ic.reprocessed,
		st.events_known,
		digest);
	fflush(stdout);
	gs_daemon_stop(daemon);
	return 0;
}

/* the orchestrator ----------------------------------------------------------------------------- */

/* the full ingest of @path into a fresh store (bench/ingest's full pipeline); wall seconds */
static gdouble
bench_full_ingest(const gchar *workdir, const gchar *path, const gchar *service, gdouble *cpu)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_build_filename(workdir, "ingest", NULL);
	g_autofree gchar *db = g_build_filename(dir, "store.db", NULL);
	BenchStore s = {0};
	guint64 skipped, n;
	gint64 start, cpu_start, main_start;
	gdouble wall, main_cpu;
	GsIngestCounters counters;

	g_mkdir_with_parents(dir, 0700);
	if (!bench_store_open(&s, db, service, &error)) {
		g_printerr("ingest: %s\n", error->message);
		exit(1);
	}
	start = g_get_monotonic_time();
	cpu_start = bench_cpu_usec();
	main_start = bench_thread_cpu_usec();
	n = bench_ingest_file(s.ingest, path, 0, &skipped);
	wall = (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
	*cpu = (gdouble)(bench_cpu_usec() - cpu_start) / G_USEC_PER_SEC;
	main_cpu = (gdouble)(bench_thread_cpu_usec() - main_start) / G_USEC_PER_SEC;
	gs_ingest_get_counters(s.ingest, NULL, &counters);
	g_print("full ingest: %" G_GUINT64_FORMAT " lines, %" G_GUINT64_FORMAT
		" stored, %.2f s, %.2f s CPU (main thread %.2f s), %" G_GUINT64_FORMAT
		" transactions, %" G_GUINT64_FORMAT " deferred\n",
		n,
		counters.outcomes[GS_INGEST_OUTCOME_STORED],
		wall,
		*cpu,
		main_cpu,
		counters.transactions,
		counters.outcomes[GS_INGEST_OUTCOME_DEFERRED]);
	bench_store_close(&s);
	bench_remove_tree(dir);
	return wall;
}

/* a store holding every event of @path but about @percent % (status events); its file */
static gchar *
bench_prefill(const gchar *workdir, const gchar *path, const gchar *service, guint percent)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_build_filename(workdir, "prefill", NULL);
	g_autofree gchar *digest = NULL;
	gchar *db = g_build_filename(dir, BENCH_STORE_FILE, NULL);
	BenchStore s = {0};
	guint64 skipped;

	g_mkdir_with_parents(dir, 0700);
	if (!bench_store_open(&s, db, service, &error)) {
		g_printerr("prefill: %s\n", error->message);
		exit(1);
	}
	bench_ingest_file(s.ingest, path, percent, &skipped);
	digest = bench_digest(s.store);
	g_print("pre-filled store for the re-sync: %" G_GUINT64_FORMAT
		" events left out, holds %s (count:xor)\n",
		skipped,
		digest);
	bench_store_close(&s);
	return db;
}

typedef struct {
	const gchar *name;
	gboolean req_only;
	gboolean resync;
	GHashTable *result; /* key -> value of the RESULT line */
	gdouble source_cpu;
	gchar *tally; /* the source's bytes by message type */
} BenchCase;

static GSubprocess *
bench_spawn(const gchar *log, GError **error, ...)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
		G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	va_list ap;
	const gchar *arg;

	va_start(ap, error);
	while ((arg = va_arg(ap, const gchar *)) != NULL)
		g_ptr_array_add(argv, (gpointer)arg);
	va_end(ap);
	g_ptr_array_add(argv, NULL);
	g_subprocess_launcher_set_stderr_file_path(launcher, log);
	return g_subprocess_launcher_spawnv(launcher, (const gchar *const *)argv->pdata, error);
}

static GHashTable *
bench_parse_result(const gchar *line)
{
	GHashTable *result = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) words = g_strsplit(line != NULL ? line : "", " ", 0);

	for (guint i = 0; words[i] != NULL; i++) {
		gchar *eq = strchr(words[i], '=');
		if (eq != NULL)
			g_hash_table_insert(
				result, g_strndup(words[i], eq - words[i]), g_strdup(eq + 1));
	}
	return result;
}

static void
bench_run_case(BenchCase *c,
	       const gchar *self_path,
	       const gchar *workdir,
	       const gchar *url,
	       const gchar *service,
	       const gchar *prefill,
	       const gchar *window,
	       GSubprocess *source,
	       GDataInputStream *source_out)
{
	GOutputStream *source_in = g_subprocess_get_stdin_pipe(source);
	const gchar *source_pid = g_subprocess_get_identifier(source);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_build_filename(workdir, c->name, NULL);
	g_autofree gchar *log = g_strconcat(dir, ".log", NULL);
	g_autoptr(GSubprocess) child = NULL;
	g_autoptr(GDataInputStream) out = NULL;
	g_autofree gchar *line = NULL;
	gdouble source_cpu = bench_proc_cpu(source_pid);

	child = bench_spawn(log,
			    &error,
			    self_path,
			    "--run-sync",
			    url,
			    "--state-dir",
			    dir,
			    "--service",
			    service,
			    "--batch-window-ms",
			    window,
			    c->req_only ? "--req-only" : "--negentropy",
			    c->resync ? "--prefill" : NULL,
			    prefill,
			    NULL);
	g_assert_no_error(error);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(child));
	while ((line = g_data_input_stream_read_line(out, NULL, NULL, NULL)) != NULL &&
	       !g_str_has_prefix(line, "RESULT "))
		g_clear_pointer(&line, g_free);
	g_subprocess_wait(child, NULL, NULL);
	c->source_cpu = bench_proc_cpu(source_pid) - source_cpu;
	/* what the source saw of this case, by message type */
	g_output_stream_write_all(source_in, "\n", 1, NULL, NULL, NULL);
	c->tally = g_data_input_stream_read_line(source_out, NULL, NULL, NULL);
	c->result = bench_parse_result(line);
	if (line == NULL)
		g_printerr("%s: no result (see %s)\n", c->name, log);
	else
		bench_remove_tree(dir);
}

static gdouble
bench_get(BenchCase *c, const gchar *key)
{
	const gchar *v = g_hash_table_lookup(c->result, key);
	return v != NULL ? g_ascii_strtod(v, NULL) : -1;
}

/* (@value + @extra) / @base with two decimals into @buf, or "not run" when @value is missing */
static const gchar *
bench_ratio(gdouble value, gdouble extra, gdouble base, gchar buf[32])
{
	if (value < 0 || base <= 0)
		return "not run";
	g_snprintf(buf, 32, "%.2f", (value + extra) / base);
	return buf;
}

static void
bench_report(BenchCase *cases,
	     guint n,
	     const gchar *source_digest,
	     gdouble ingest_wall,
	     gdouble ingest_cpu)
{
	static const gchar *status_names[] = {
		"disconnected", "connecting", "syncing", "connected", "degraded"};
	gchar ratio[2][32];

	g_print("\n%-14s %8s %8s %9s %9s %13s %13s %8s %8s %s\n",
		"case",
		"wall s",
		"last ev",
		"CPU here",
		"CPU src",
		"bytes up",
		"bytes down",
		"RSS MiB",
		"stored",
		"set");
	for (guint i = 0; i < n; i++) {
		BenchCase *c = &cases[i];
		const gchar *digest = g_hash_table_lookup(c->result, "digest");
		gint status = (gint)bench_get(c, "status");
		g_print("%-14s %8.2f %8.2f %9.2f %9.2f %13.0f %13.0f %8.1f %8.0f %s%s%s\n",
			c->name,
			bench_get(c, "wall"),
			bench_get(c, "last"),
			bench_get(c, "cpu"),
			c->source_cpu,
			bench_get(c, "up"),
			bench_get(c, "down"),
			bench_get(c, "rss") / 1024,
			bench_get(c, "stored"),
			g_strcmp0(digest, source_digest) == 0 ? "equal" : "DIFFERS",
			status == 3 ? "" : ", relay ",
			status == 3		     ? ""
			: status >= 0 && status <= 4 ? status_names[status]
						     : "?");
	}
	for (guint i = 0; i < n; i++)
		if (bench_get(&cases[i], "main") >= 0)
			g_print("%s: main thread %.2f s CPU, %.0f transactions, %.0f deferred, "
				"%.0f re-processed; %.0f events received, %.0f of them copies "
				"of stored ones\n",
				cases[i].name,
				bench_get(&cases[i], "main"),
				bench_get(&cases[i], "tx"),
				bench_get(&cases[i], "deferred"),
				bench_get(&cases[i], "reprocessed"),
				bench_get(&cases[i], "received"),
				bench_get(&cases[i], "known"));
	g_print("\nsync wall / full-ingest wall (%.2f s): negentropy %s, REQ+EOSE %s "
		"(target <= 1.5)\n",
		ingest_wall,
		bench_ratio(bench_get(&cases[0], "wall"), 0, ingest_wall, ratio[0]),
		bench_ratio(bench_get(&cases[1], "wall"), 0, ingest_wall, ratio[1]));
	/* on a loaded machine the CPU times are the steadier comparison */
	g_print("sync CPU (both sides) / full-ingest CPU (%.2f s): negentropy %s, REQ+EOSE "
		"%s\n",
		ingest_cpu,
		bench_ratio(bench_get(&cases[0], "cpu"), cases[0].source_cpu, ingest_cpu, ratio[0]),
		bench_ratio(
			bench_get(&cases[1], "cpu"), cases[1].source_cpu, ingest_cpu, ratio[1]));
	for (guint i = 2; i < n; i++) {
		/* a case run alone (--only) has no full sync in the same run to compare with */
		if (bench_get(&cases[i], "up") < 0)
			continue;
		if (bench_get(&cases[i - 2], "up") <= 0) {
			g_print("%s bytes / full transfer: no full %s sync in this run\n",
				cases[i].name,
				cases[i - 2].name);
			continue;
		}
		g_print("%s bytes / full transfer: up %.2f %%, down %.2f %%, both %.2f %% "
			"(target <= 5 %%)\n",
			cases[i].name,
			100 * bench_get(&cases[i], "up") / bench_get(&cases[i - 2], "up"),
			100 * bench_get(&cases[i], "down") / bench_get(&cases[i - 2], "down"),
			100 * (bench_get(&cases[i], "up") + bench_get(&cases[i], "down")) /
				(bench_get(&cases[i - 2], "up") +
				 bench_get(&cases[i - 2], "down")));
	}
}

typedef struct {
	gchar *service;
	gchar *workdir;
	gchar *run_sync;
	gchar *state_dir;
	gchar *prefill;
	gint window_ms;
	gint resync_percent;
	gboolean req_only;
	gboolean negentropy;
	gboolean serve_source;
	gchar *only;
} BenchOptions;

static gint
bench_main(const gchar *self_path, const gchar *path, BenchOptions *o)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) source = NULL;
	g_autoptr(GDataInputStream) source_out = NULL;
	g_autofree gchar *source_log = g_build_filename(o->workdir, "source.log", NULL);
	g_autofree gchar *line = NULL;
	g_autofree gchar *prefill = NULL;
	g_autofree gchar *prefill_dir = NULL;
	g_autofree gchar *window = g_strdup_printf("%d", o->window_ms);
	g_autofree gchar *load_start = bench_loadavg();
	g_autofree gchar *load_end = NULL;
	g_auto(GStrv) words = NULL;
	BenchCase cases[] = {{"negentropy", FALSE, FALSE},
			     {"req-eose", TRUE, FALSE},
			     {"resync-neg", FALSE, TRUE},
			     {"resync-req", TRUE, TRUE}};
	gdouble ingest_wall, ingest_cpu;

	g_mkdir_with_parents(o->workdir, 0700);
	source = bench_spawn(source_log,
			     &error,
			     self_path,
			     "--serve-source",
			     "--service",
			     o->service,
			     path,
			     NULL);
	g_assert_no_error(error);
	source_out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(source));
	line = g_data_input_stream_read_line(source_out, NULL, NULL, &error);
	words = g_strsplit(line != NULL ? line : "", " ", 2);
	if (g_strv_length(words) != 2) {
		g_printerr("the source did not start (see %s)\n", source_log);
		return 1;
	}
	g_print("source %s holds %s (count:xor)\n", words[0], words[1]);
	fflush(stdout);
	ingest_wall = bench_full_ingest(o->workdir, path, o->service, &ingest_cpu);
	if (o->only == NULL || g_str_has_prefix(o->only, "resync"))
		prefill = bench_prefill(o->workdir, path, o->service, (guint)o->resync_percent);
	else
		prefill = g_build_filename(o->workdir, "prefill", BENCH_STORE_FILE, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		if (o->only != NULL && g_strcmp0(o->only, cases[i].name) != 0) {
			cases[i].result = bench_parse_result(NULL);
			continue;
		}
		bench_run_case(&cases[i],
			       self_path,
			       o->workdir,
			       words[0],
			       o->service,
			       prefill,
			       window,
			       source,
			       source_out);
		g_print("%s: %.2f s\n", cases[i].name, bench_get(&cases[i], "wall"));
		fflush(stdout);
	}
	load_end = bench_loadavg();
	g_output_stream_close(g_subprocess_get_stdin_pipe(source), NULL, NULL);
	g_subprocess_wait(source, NULL, NULL);
	bench_report(cases, G_N_ELEMENTS(cases), words[1], ingest_wall, ingest_cpu);
	g_print("batch window %d ms; load average %s at the start, %s at the end\n",
		o->window_ms,
		load_start,
		load_end);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_print("%s: %s\n", cases[i].name, cases[i].tally != NULL ? cases[i].tally : "-");
		g_hash_table_unref(cases[i].result);
		g_free(cases[i].tally);
	}
	prefill_dir = g_path_get_dirname(prefill);
	bench_remove_tree(prefill_dir);
	return 0;
}

int
main(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = g_option_context_new("FILE.jsonl - sync benchmark");
	g_autoptr(GError) error = NULL;
	BenchOptions o = {g_strdup("wss://grasp.example.com"), NULL, NULL, NULL, NULL, 1000, 1};
	gint ret;
	const GOptionEntry entries[] = {
		{"service", 0, 0, G_OPTION_ARG_STRING, &o.service, "Our relay URL", "URL"},
		{"workdir", 0, 0, G_OPTION_ARG_FILENAME, &o.workdir, "Scratch directory", "DIR"},
		{"batch-window-ms", 0, 0, G_OPTION_ARG_INT, &o.window_ms, "Batch window", "MS"},
		{"resync-percent",
		 0,
		 0,
		 G_OPTION_ARG_INT,
		 &o.resync_percent,
		 "Events the re-synced store lacks",
		 "N"},
		{"serve-source", 0, 0, G_OPTION_ARG_NONE, &o.serve_source, "Be the source", NULL},
		{"run-sync", 0, 0, G_OPTION_ARG_STRING, &o.run_sync, "Sync from URL", "URL"},
		{"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &o.state_dir, "Daemon state", "DIR"},
		{"prefill", 0, 0, G_OPTION_ARG_FILENAME, &o.prefill, "Start from this store", "DB"},
		{"req-only", 0, 0, G_OPTION_ARG_NONE, &o.req_only, "REQ+EOSE only", NULL},
		{"negentropy", 0, 0, G_OPTION_ARG_NONE, &o.negentropy, "NIP-77 (default)", NULL},
		{"only", 0, 0, G_OPTION_ARG_STRING, &o.only, "Run this case alone", "CASE"},
		{NULL}};

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error) ||
	    (o.run_sync == NULL && argc != 2) || (o.run_sync != NULL && o.state_dir == NULL) ||
	    o.window_ms < 1 || o.resync_percent < 1 || o.resync_percent > 9) {
		g_printerr("usage: sync [--service URL] [--workdir DIR] [--batch-window-ms MS] "
			   "[--resync-percent N] FILE.jsonl\n");
		return 2;
	}
	if (!gs_crypto_init(&error)) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	if (o.serve_source)
		return bench_serve_source(argv[1], o.service);
	if (o.run_sync != NULL)
		return bench_run_sync(
			o.run_sync, o.state_dir, o.service, o.prefill, o.window_ms, o.req_only);
	if (o.workdir == NULL)
		o.workdir = g_dir_make_tmp("gs-bench-sync-XXXXXX", NULL);
	ret = bench_main(argv[0], argv[1], &o);
	g_free(o.service);
	g_free(o.workdir);
	return ret;
}
