/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * home: delivery into a home relay on loopback (docs/benchmarks.md).
 *
 * The events of a JSONL file (gen-events) go through the full GsIngest pipeline into a fresh
 * store with a GsHomeRelay attached, so the outbox is written as the daemon writes it; that
 * ingest is timed (the "full ingest" rate, outbox included). Then the outbox is delivered
 * into our own relay endpoint (GsRelayServer over its own store, accepting every repository)
 * running in a child process, as a GRASP server's relay runs beside the daemon, and timed
 * until it is empty. Reported: both rates and their ratio, the CPU time per event of this
 * process while delivering, and this process's RSS while the outbox drains.
 *
 * With --sink the child is not a relay but a sink that answers `OK true` at once without
 * checking or keeping anything: the rate of the delivery side alone.
 */

#define G_LOG_DOMAIN "BenchHome"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench-util.h"
#include "gs-home-relay.h"
#include "gs-http-server.h"
#include "gs-ingest.h"
#include "gs-message.h"
#include "gs-relay-server.h"
#include "gs-relay-url.h"

#define BENCH_SOURCES 4
#define BENCH_SUBMIT_LIMIT 8192

static void
bench_store_remove(const gchar *dir, const gchar *name)
{
	g_autofree gchar *db = g_build_filename(dir, name, NULL);
	g_autofree gchar *wal = g_strconcat(db, "-wal", NULL);
	g_autofree gchar *shm = g_strconcat(db, "-shm", NULL);

	g_unlink(db);
	g_unlink(wal);
	g_unlink(shm);
	g_rmdir(dir);
}

/* the home relay (child process) -------------------------------------------------------------- */

static gboolean
bench_stdin_closed_cb(GIOChannel *channel, GIOCondition condition, gpointer user_data)
{
	gchar buf[64];
	gsize n = 0;

	if (g_io_channel_read_chars(channel, buf, sizeof(buf), &n, NULL) == G_IO_STATUS_NORMAL &&
	    n > 0)
		return G_SOURCE_CONTINUE;
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

/* CPU time of the calling thread, microseconds */
static gint64
bench_home_thread_cpu_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* our relay endpoint over a fresh store, accepting every repository; prints its URL, serves
 * until stdin closes, then prints how many events it stored */
static gint
bench_serve_home(gint checking_bytes)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("gs-bench-home-relay-XXXXXX", &error);
	g_autofree gchar *db = NULL;
	g_autoptr(GsStore) store = NULL;
	g_autoptr(GsPolicy) policy = NULL;
	g_autoptr(GsRejectedIndex) index = NULL;
	g_autoptr(GsIngest) ingest = NULL;
	g_autoptr(GsRelayServer) server = NULL;
	g_autoptr(GsHttpServer) http = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GIOChannel) in = g_io_channel_unix_new(0);
	GsIngestCounters counters;
	GsRelayLimits limits;
	guint64 stored;

	g_assert_no_error(error);
	db = g_build_filename(dir, "home.db", NULL);
	store = gs_store_new(db, &error);
	g_assert_no_error(error);
	policy = gs_policy_new(store);
	gs_policy_set_archive_mode(policy, GS_ARCHIVE_MODE_ALL);
	index = gs_rejected_index_new(120, 3600);
	ingest = gs_ingest_new(store, policy, index);
	gs_relay_limits_init(&limits);
	limits.events_per_minute = 0;
	if (checking_bytes > 0)
		limits.max_checking_bytes = (guint)checking_bytes;
	server = gs_relay_server_new(store, ingest, &limits);
	http = gs_http_server_new();
	gs_relay_server_attach(server, http);
	if (!gs_http_server_listen(http, "127.0.0.1:0", &error)) {
		g_printerr("home: %s\n", error->message);
		return 1;
	}
	g_print("ws://127.0.0.1:%u\n", gs_http_server_get_port(http));
	fflush(stdout);
	g_io_add_watch(in, G_IO_IN | G_IO_HUP | G_IO_ERR, bench_stdin_closed_cb, loop);
	g_main_loop_run(loop);
	gs_ingest_flush(ingest);
	gs_ingest_get_counters(ingest, NULL, &counters);
	stored = MAX(counters.outcomes[GS_INGEST_OUTCOME_STORED], 1);
	g_print("%" G_GUINT64_FORMAT
		" events, %.1f us CPU/event (main thread %.1f), %" G_GUINT64_FORMAT
		" transactions of %.0f events\n",
		counters.outcomes[GS_INGEST_OUTCOME_STORED],
		(gdouble)bench_cpu_usec() / (gdouble)stored,
		(gdouble)bench_home_thread_cpu_usec() / (gdouble)stored,
		counters.transactions,
		(gdouble)counters.inserted / (gdouble)MAX(counters.transactions, 1));
	gs_relay_server_close_all(server, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "done");
	gs_http_server_disconnect(http);
	g_clear_object(&server);
	g_clear_object(&ingest);
	g_clear_object(&store);
	bench_store_remove(dir, "home.db");
	return 0;
}

/* a sink (child process): `OK true` for every EVENT at once, nothing checked or kept, and
 * NOTICE for anything else; shows how fast the delivery side alone goes */
static void
bench_sink_message_cb(SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data)
{
	guint64 *n = user_data;
	gsize len = 0;
	const gchar *data = g_bytes_get_data(message, &len);
	gsize off = 0, evlen = 0;
	gchar id[65];
	g_autofree gchar *ok = NULL;

	if (!gs_message_peek_event(data, len, GS_MESSAGE_FROM_CLIENT, NULL, &off, &evlen) ||
	    !gs_message_peek_event_id(data + off, evlen, id)) {
		soup_websocket_connection_send_text(ws, "[\"NOTICE\",\"ERROR: unknown envelope\"]");
		return;
	}
	id[64] = '\0';
	ok = gs_message_build_ok(id, TRUE, "");
	soup_websocket_connection_send_text(ws, ok);
	(*n)++;
}

static void
bench_sink_ws_cb(SoupServer *server,
		 SoupServerMessage *msg,
		 const char *path,
		 SoupWebsocketConnection *ws,
		 gpointer user_data)
{
	soup_websocket_connection_set_max_incoming_payload_size(ws, 8 * 1024 * 1024);
	g_signal_connect(ws, "message", G_CALLBACK(bench_sink_message_cb), user_data);
	g_object_set_data_full(G_OBJECT(server),
			       g_strdup_printf("ws-%p", (gpointer)ws),
			       g_object_ref(ws),
			       g_object_unref);
}

static gint
bench_serve_sink(void)
{
	g_autoptr(SoupServer) server = soup_server_new(NULL, NULL);
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GIOChannel) in = g_io_channel_unix_new(0);
	g_autoptr(GError) error = NULL;
	GSList *uris;
	guint64 n = 0;

	soup_server_add_websocket_handler(server, NULL, NULL, NULL, bench_sink_ws_cb, &n, NULL);
	if (!soup_server_listen_local(server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error)) {
		g_printerr("sink: %s\n", error->message);
		return 1;
	}
	uris = soup_server_get_uris(server);
	g_print("ws://127.0.0.1:%d\n", g_uri_get_port(uris->data));
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	fflush(stdout);
	g_io_add_watch(in, G_IO_IN | G_IO_HUP | G_IO_ERR, bench_stdin_closed_cb, loop);
	g_main_loop_run(loop);
	g_print("%" G_GUINT64_FORMAT " events, %.1f us CPU/event\n",
		n,
		(gdouble)bench_cpu_usec() / (gdouble)MAX(n, 1));
	soup_server_disconnect(server);
	return 0;
}

/* the daemon's side ---------------------------------------------------------------------------- */

typedef struct {
	gchar *dir;
	GsStore *store;
	GsPolicy *policy;
	GsRejectedIndex *index;
	GsIngest *ingest;
	GsHomeRelay *home;
} Bench;

static void
bench_clear(Bench *b)
{
	g_clear_object(&b->home);
	g_clear_object(&b->ingest);
	g_clear_object(&b->index);
	g_clear_object(&b->policy);
	g_clear_object(&b->store);
	if (b->dir != NULL)
		bench_store_remove(b->dir, "store.db");
	g_free(b->dir);
}

static const gchar *
bench_source_cb(GsEvent *event, gpointer user_data)
{
	Bench *b = user_data;
	return gs_ingest_get_storing_source(b->ingest, event);
}

static gboolean
bench_setup(Bench *b,
	    const gchar *service,
	    const gchar *home_url,
	    guint window,
	    guint start_window,
	    GError **error)
{
	g_autofree gchar *db = NULL;
	const gchar *urls[] = {service, NULL};
	GsHomeRelayOptions opts;

	b->dir = g_dir_make_tmp("gs-bench-home-XXXXXX", error);
	if (b->dir == NULL)
		return FALSE;
	db = g_build_filename(b->dir, "store.db", NULL);
	b->store = gs_store_new(db, error);
	if (b->store == NULL)
		return FALSE;
	b->policy = gs_policy_new(b->store);
	if (!gs_policy_set_service_urls(b->policy, urls, error))
		return FALSE;
	b->index = gs_rejected_index_new(120, 7 * 24 * 3600);
	b->ingest = gs_ingest_new(b->store, b->policy, b->index);
	gs_home_relay_options_init(&opts);
	opts.max_in_flight = window;
	opts.start_window = start_window;
	b->home = gs_home_relay_new(b->store, home_url, &opts, error);
	if (b->home == NULL)
		return FALSE;
	gs_home_relay_set_source_func(b->home, bench_source_cb, b);
	return TRUE;
}

/* the full ingest of @path, the outbox written by the insert hook; returns events/s */
static gdouble
bench_ingest(Bench *b, const gchar *path, guint64 *n_out)
{
	FILE *fp = fopen(path, "r");
	gint64 start = g_get_monotonic_time();
	guint64 n = 0;
	gchar *line;

	if (fp == NULL) {
		g_printerr("cannot open %s\n", path);
		return -1;
	}
	while ((line = bench_read_line(fp)) != NULL) {
		g_autofree gchar *source =
			g_strdup_printf("wss://relay%u.example.net", (guint)(n++ % BENCH_SOURCES));
		gs_ingest_submit(b->ingest, source, line, strlen(line), NULL, NULL);
		free(line);
		while (gs_ingest_get_pending(b->ingest) >= BENCH_SUBMIT_LIMIT)
			g_main_context_iteration(NULL, TRUE);
	}
	gs_ingest_flush(b->ingest);
	fclose(fp);
	*n_out = n;
	return (gdouble)n * G_USEC_PER_SEC / (gdouble)MAX(g_get_monotonic_time() - start, 1);
}

typedef struct {
	guint64 rss_min;
	guint64 rss_max;
	guint64 rss_at[11]; /* KiB when 0 %, 10 %, ... 100 % of the outbox was delivered */
	gdouble rate;
	gdouble cpu_usec;
} BenchDelivery;

static gboolean
bench_wake_cb(gpointer user_data)
{
	return G_SOURCE_CONTINUE;
}

/* answers counted so far; sets @in_flight */
static guint64
bench_answered(Bench *b, guint *in_flight)
{
	GsHomeRelayStats st;

	gs_home_relay_get_stats(b->home, &st);
	*in_flight = st.in_flight;
	return st.delivered + st.duplicate + st.refused;
}

/*
 * delivers the outbox; RSS sampled every 250 ms while it drains. The time and CPU are taken
 * at the last answer, so that the reconciliation with home that starts once the outbox has
 * drained is not counted as delivery; the outbox is counted (a scan of its rows) only when
 * nothing is in flight
 */
static G_GNUC_NO_INLINE BenchDelivery
bench_deliver(Bench *b, gint64 queued)
{
	BenchDelivery d = {G_MAXUINT64, 0, {0}, 0, 0};
	guint next_tenth = 0;
	gint64 start = g_get_monotonic_time();
	gint64 cpu_start = bench_cpu_usec();
	gint64 next_sample = start;
	gint64 last_answer = start, last_answer_cpu = cpu_start;
	guint64 answered = 0, now_answered;
	guint in_flight = 0;
	guint wake = g_timeout_add(50, bench_wake_cb, NULL);
	guint64 rss = 0;

	gs_home_relay_start(b->home);
	for (;;) {
		g_main_context_iteration(NULL, TRUE);
		now_answered = bench_answered(b, &in_flight);
		if (now_answered != answered) {
			answered = now_answered;
			last_answer = g_get_monotonic_time();
			last_answer_cpu = bench_cpu_usec();
		}
		if (g_get_monotonic_time() >= next_sample) {
			next_sample += 250 * 1000;
			rss = bench_rss_kib();
			d.rss_min = MIN(d.rss_min, rss);
			d.rss_max = MAX(d.rss_max, rss);
			for (; next_tenth <= 10 && answered * 10 >= (guint64)queued * next_tenth;
			     next_tenth++)
				d.rss_at[next_tenth] = rss;
			if (in_flight == 0 && answered > 0 &&
			    gs_home_relay_get_outbox_pending(b->home) == 0)
				break;
		}
	}
	for (; next_tenth <= 10; next_tenth++)
		d.rss_at[next_tenth] = rss;
	d.rate = (gdouble)queued * G_USEC_PER_SEC / (gdouble)MAX(last_answer - start, 1);
	d.cpu_usec = (gdouble)(last_answer_cpu - cpu_start) / (gdouble)MAX(queued, 1);
	g_source_remove(wake);
	return d;
}

static GSubprocess *
bench_spawn_home(const gchar *self_path,
		 gboolean sink,
		 gint checking_bytes,
		 gchar **url,
		 GDataInputStream **out)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *checking = g_strdup_printf("--home-checking-bytes=%d", checking_bytes);
	GSubprocess *proc =
		g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
				 &error,
				 self_path,
				 sink ? "--serve-sink" : "--serve-home",
				 checking,
				 NULL);

	g_assert_no_error(error);
	*out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
	*url = g_data_input_stream_read_line(*out, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(*url);
	return proc;
}

static void
bench_report(guint64 n_lines,
	     gdouble ingest_rate,
	     gint64 queued,
	     const BenchDelivery *d,
	     GsHomeRelayStats *st)
{
	g_print("full ingest (outbox written)   %8.0f events/s  (%" G_GUINT64_FORMAT
		" lines, %" G_GINT64_FORMAT " accepted)\n",
		ingest_rate,
		n_lines,
		queued);
	g_print("delivery into home             %8.0f events/s  %.1f us CPU/event here\n",
		d->rate,
		d->cpu_usec);
	g_print("delivery / full ingest         %8.2f\n", d->rate / ingest_rate);
	g_print("  delivered %" G_GUINT64_FORMAT ", duplicate %" G_GUINT64_FORMAT
		", refused %" G_GUINT64_FORMAT ", retried %" G_GUINT64_FORMAT ", window %u\n",
		st->delivered,
		st->duplicate,
		st->refused,
		st->retried,
		st->window);
	g_print("  RSS while draining: %.1f to %.1f MiB; at 0, 10, ... 100 %% delivered:",
		(gdouble)d->rss_min / 1024,
		(gdouble)d->rss_max / 1024);
	for (guint i = 0; i < G_N_ELEMENTS(d->rss_at); i++)
		g_print(" %.0f", (gdouble)d->rss_at[i] / 1024);
	g_print("\n");
}

int
main(int argc, char **argv)
{
	g_autoptr(GOptionContext) context = g_option_context_new("FILE.jsonl - home benchmark");
	g_autoptr(GError) error = NULL;
	g_autofree gchar *service = g_strdup("wss://grasp.example.com");
	g_autofree gchar *url = NULL;
	g_autofree gchar *stored_line = NULL;
	g_autoptr(GSubprocess) child = NULL;
	g_autoptr(GDataInputStream) child_out = NULL;
	gboolean serve_home = FALSE;
	gboolean serve_sink = FALSE;
	gboolean sink = FALSE;
	gint window = GS_HOME_RELAY_DEFAULT_MAX_IN_FLIGHT;
	gint start_window = GS_HOME_RELAY_START_WINDOW;
	gint checking_bytes = 0;
	Bench b = {0};
	BenchDelivery d;
	GsHomeRelayStats st;
	guint64 n_lines = 0;
	gdouble ingest_rate;
	gint64 queued;
	const GOptionEntry entries[] = {
		{"service", 0, 0, G_OPTION_ARG_STRING, &service, "Our relay URL", "URL"},
		{"window", 0, 0, G_OPTION_ARG_INT, &window, "Events in flight at most", "N"},
		{"start-window",
		 0,
		 0,
		 G_OPTION_ARG_INT,
		 &start_window,
		 "Events in flight at most at first (it grows up to --window)",
		 "N"},
		{"sink", 0, 0, G_OPTION_ARG_NONE, &sink, "Deliver into a sink, not a relay", NULL},
		{"home-checking-bytes",
		 0,
		 0,
		 G_OPTION_ARG_INT,
		 &checking_bytes,
		 "Home's [relay] max-checking-bytes (0: its default)",
		 "N"},
		{"serve-home", 0, 0, G_OPTION_ARG_NONE, &serve_home, "Be the home relay", NULL},
		{"serve-sink", 0, 0, G_OPTION_ARG_NONE, &serve_sink, "Be the sink", NULL},
		{NULL}};

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error) ||
	    (!serve_home && !serve_sink && argc != 2) || window < 1 || start_window < 1 ||
	    checking_bytes < 0) {
		g_printerr("usage: home [--service URL] [--window N] [--start-window N] "
			   "[--home-checking-bytes N] [--sink] FILE.jsonl\n");
		return 2;
	}
	if (!gs_crypto_init(&error)) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	if (serve_home)
		return bench_serve_home(checking_bytes);
	if (serve_sink)
		return bench_serve_sink();
	child = bench_spawn_home(argv[0], sink, checking_bytes, &url, &child_out);
	if (!bench_setup(&b, service, url, (guint)window, (guint)start_window, &error)) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	ingest_rate = bench_ingest(&b, argv[1], &n_lines);
	queued = gs_home_relay_get_outbox_pending(b.home);
	d = bench_deliver(&b, queued);
	gs_home_relay_get_stats(b.home, &st);
	gs_home_relay_stop(b.home);
	g_output_stream_close(g_subprocess_get_stdin_pipe(child), NULL, NULL);
	stored_line = g_data_input_stream_read_line(child_out, NULL, NULL, NULL);
	g_subprocess_wait(child, NULL, NULL);
	bench_report(n_lines, ingest_rate, queued, &d, &st);
	g_print("  %s %s\n",
		sink ? "the sink acknowledged" : "home stored",
		stored_line != NULL ? stored_line : "?");
	bench_clear(&b);
	return 0;
}
