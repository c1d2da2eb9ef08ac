/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * sync-scale: the sync engine against many relays (docs/benchmarks.md, "Many relays").
 *
 * A child process runs --relays fake relays on 127.0.0.1, each our own relay endpoint
 * (GsRelayServer) over a small in-memory store, all on the child's main loop. Every
 * --neg-err-every'th relay answers NEG-OPEN with `NEG-ERR blocked:` (no NIP-77), so the
 * engine falls back to REQ+EOSE there. The child generates --repos repositories, signed
 * deterministically from --seed: an announcement (30617) listing our service URL and 3 to 7 of
 * the relays, a state (30618), an issue (1621), a patch (1617) and a comment (1111) on the
 * issue. Each relay holds the events of the repositories that name it; relay 0 is the
 * bootstrap relay and holds every announcement (an index relay). Event ids change from run to
 * run because the announcements name the relays' ports.
 *
 * This process is the daemon itself: a GsDaemon started as grasp-syncd starts it (options,
 * a configuration file with a shortened batch window, no D-Bus, HTTP on a free port), so
 * its RSS is the engine's alone. It runs until every relay is connected or
 * connected-degraded with no pending batch, reports time, memory and counts, then measures
 * its own CPU time (getrusage) and context switches over --idle-seconds with nothing new
 * arriving.
 */

#define G_LOG_DOMAIN "BenchSyncScale"

#include "config.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <malloc.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench-util.h"
#include "gs-daemon.h"
#include "gs-filter.h"
#include "gs-hex.h"
#include "gs-http-server.h"
#include "gs-json.h"
#include "gs-message.h"
#include "gs-relay-server.h"

#define BENCH_SERVICE "wss://grasp.bench.example"
#define BENCH_BASE_TIME 1700000000

typedef struct {
	guint n_relays;
	guint n_repos;
	guint neg_err_every;
	guint idle_seconds;
	guint batch_window_ms;
	guint seed;
	gboolean verbose;
} BenchOptions;

/* helpers ------------------------------------------------------------------------------------- */

/* context switches of every thread of this process, ended ones included: each is a wakeup
 * from a wait, or a preemption */
static guint64
bench_context_switches(void)
{
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	return (guint64)usage.ru_nvcsw + (guint64)usage.ru_nivcsw;
}

/* what holds the memory: the live heap (every malloc arena) and SQLite's share of it */
static void
bench_print_heap(const gchar *label)
{
	struct mallinfo2 mi = mallinfo2();

	g_print("%-19s %.1f MiB in use (%.1f MiB of it SQLite's, page cache included), %.1f MiB "
		"free in the arenas\n",
		label,
		(mi.uordblks + mi.hblkhd) / 1048576.0,
		sqlite3_memory_used() / 1048576.0,
		mi.fordblks / 1048576.0);
}

/* the metrics about what the policy kept waiting or refused */
static void
bench_print_policy_metrics(GsDaemon *daemon)
{
	g_autofree gchar *text = gs_metrics_render(gs_daemon_get_metrics(daemon));
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	const gchar *names[] = {"ngit_sync_rejected_hot_cache_current",
				"ngit_sync_rejected_cold_index_current",
				"ngit_sync_events_deferred_total",
				"ngit_sync_events_rejected_total"};

	for (guint i = 0; lines[i] != NULL; i++) {
		for (guint n = 0; n < G_N_ELEMENTS(names); n++) {
			if (g_str_has_prefix(lines[i], names[n]) &&
			    !g_str_has_suffix(lines[i], " 0"))
				g_print("  %s\n", lines[i]);
		}
	}
}

static GLogWriterOutput
bench_log_writer(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer user_data)
{
	const BenchOptions *opts = user_data;

	if (!opts->verbose &&
	    (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO | G_LOG_LEVEL_DEBUG)) != 0)
		return G_LOG_WRITER_HANDLED;
	return g_log_writer_standard_streams(level, fields, n, NULL);
}

/* the fake relays (child process) ------------------------------------------------------------ */

typedef struct {
	GsStore *store;
	GsRelayServer *server;
	GsHttpServer *http;
	gchar *url;
	GPtrArray *events; /* of GsEvent, inserted once generated */
} FakeRelay;

typedef struct {
	guint8 seckey[32];
	gchar pubkey[65];
} FakeKey;

typedef struct {
	GRand *rand;
	GArray *keys; /* of FakeKey */
	FakeRelay *relays;
	guint n_relays;
	guint64 n_events; /* distinct */
	guint64 n_copies; /* stored over all relays */
} FakeWorld;

/* NEG-OPEN answered `NEG-ERR blocked:` as a relay without NIP-77 does; NEG-MSG and NEG-CLOSE
 * are ignored */
static gboolean
fake_tap_no_nip77(GsRelayClient *client, const gchar *text, gsize len, gpointer user_data)
{
	g_autoptr(GsMessage) msg = gs_message_parse(text, len, GS_MESSAGE_FROM_CLIENT, NULL);
	g_autoptr(GString) answer = NULL;

	if (msg == NULL)
		return TRUE;
	if (msg->type == GS_MESSAGE_NEG_MSG || msg->type == GS_MESSAGE_NEG_CLOSE)
		return FALSE;
	if (msg->type != GS_MESSAGE_NEG_OPEN)
		return TRUE;
	answer = g_string_new("[\"NEG-ERR\",");
	gs_json_append_string(answer, msg->sub_id);
	g_string_append(answer, ",\"blocked: negentropy disabled\"]");
	gs_relay_client_send_text(client, answer->str);
	return FALSE;
}

static void
fake_relay_start(FakeRelay *relay, gboolean no_nip77)
{
	g_autoptr(GError) error = NULL;
	GsRelayLimits limits;

	gs_relay_limits_init(&limits);
	limits.accept_events = FALSE;
	relay->store = gs_store_new(":memory:", &error);
	g_assert_no_error(error);
	relay->server = gs_relay_server_new(relay->store, NULL, &limits);
	if (no_nip77)
		gs_relay_server_set_taps(relay->server, fake_tap_no_nip77, NULL, NULL);
	relay->http = gs_http_server_new();
	gs_relay_server_attach(relay->server, relay->http);
	if (!gs_http_server_listen(relay->http, "127.0.0.1:0", &error))
		g_error("fake relay: %s", error->message);
	relay->url = g_strdup_printf("ws://127.0.0.1:%u", gs_http_server_get_port(relay->http));
	relay->events = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
}

static void
fake_relay_clear(FakeRelay *relay)
{
	gs_relay_server_close_all(relay->server, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "done");
	gs_http_server_disconnect(relay->http);
	g_clear_object(&relay->server);
	g_clear_object(&relay->http);
	g_clear_object(&relay->store);
	g_clear_pointer(&relay->events, g_ptr_array_unref);
	g_free(relay->url);
}

static void
fake_keys_init(FakeWorld *w, guint n, guint seed)
{
	w->keys = g_array_sized_new(FALSE, TRUE, sizeof(FakeKey), n);
	g_array_set_size(w->keys, n);
	for (guint i = 0; i < n; i++) {
		FakeKey *key = &g_array_index(w->keys, FakeKey, i);
		guint8 pub[32];
		guint32 attempt = 0;

		do {
			g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
			gsize len = 32;
			g_checksum_update(sum, (const guchar *)"sync-scale", -1);
			g_checksum_update(sum, (const guchar *)&seed, sizeof(seed));
			g_checksum_update(sum, (const guchar *)&i, sizeof(i));
			g_checksum_update(sum, (const guchar *)&attempt, sizeof(attempt));
			g_checksum_get_digest(sum, key->seckey, &len);
			attempt++;
		} while (!gs_seckey_get_pubkey(key->seckey, pub, NULL));
		gs_hex_encode_to(pub, 32, key->pubkey);
	}
}

static GPtrArray *
fake_tags(const gchar *const *flat)
{
	GPtrArray *tags = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	for (guint i = 0; flat[i] != NULL; i++) {
		g_autoptr(GStrvBuilder) b = g_strv_builder_new();
		for (; flat[i] != NULL && flat[i][0] != '\0'; i++)
			g_strv_builder_add(b, flat[i]);
		g_ptr_array_add(tags, g_strv_builder_end(b));
		if (flat[i] == NULL)
			break;
	}
	return tags;
}

static GsEvent *
fake_sign(FakeWorld *w, guint key, gint64 at, guint kind, GPtrArray *tags, const gchar *text)
{
	g_autoptr(GError) error = NULL;
	GsEvent *ev = gs_event_new_signed(
		g_array_index(w->keys, FakeKey, key).seckey, at, kind, tags, text, &error);

	if (ev == NULL)
		g_error("signing failed: %s", error->message);
	w->n_events++;
	return ev;
}

/* 3 to 7 distinct relays among 1..n-1, as indexes */
static guint
fake_pick_relays(FakeWorld *w, guint *picked)
{
	guint k = MIN((guint)g_rand_int_range(w->rand, 3, 8), w->n_relays - 1);

	for (guint i = 0; i < k; i++) {
		gboolean dup;
		do {
			picked[i] = (guint)g_rand_int_range(w->rand, 1, (gint32)w->n_relays);
			dup = FALSE;
			for (guint j = 0; j < i; j++)
				dup = dup || picked[j] == picked[i];
		} while (dup);
	}
	return k;
}

static GsEvent *
fake_announcement(FakeWorld *w, guint r, guint owner, const guint *picked, guint k)
{
	const gchar *pub = g_array_index(w->keys, FakeKey, owner).pubkey;
	g_autofree gchar *d = g_strdup_printf("repo-%05u", r);
	g_autofree gchar *clone = g_strdup_printf("https://grasp.bench.example/%s/%s.git", pub, d);
	g_autoptr(GPtrArray) tags = NULL;
	g_autoptr(GStrvBuilder) relays = g_strv_builder_new();
	const gchar *flat[] = {"d", d, "", "name", d, "", "clone", clone, "", "t", "nostr", NULL};

	tags = fake_tags(flat);
	g_strv_builder_add(relays, "relays");
	g_strv_builder_add(relays, BENCH_SERVICE);
	for (guint i = 0; i < k; i++)
		g_strv_builder_add(relays, w->relays[picked[i]].url);
	g_ptr_array_add(tags, g_strv_builder_end(relays));
	return fake_sign(w, owner, BENCH_BASE_TIME + r * 60, 30617, tags, "a benchmark repository");
}

/* the five events of repository @r, added to @out */
static void
fake_repo(FakeWorld *w, guint r, const guint *picked, guint k, GPtrArray *out)
{
	guint owner = r % w->keys->len;
	guint author = (guint)g_rand_int_range(w->rand, 0, (gint32)w->keys->len);
	const gchar *owner_pub = g_array_index(w->keys, FakeKey, owner).pubkey;
	g_autofree gchar *d = g_strdup_printf("repo-%05u", r);
	g_autofree gchar *coord = g_strdup_printf("30617:%s:%s", owner_pub, d);
	g_autofree gchar *commit = g_strdup_printf("%040x", r);
	gint64 at = BENCH_BASE_TIME + r * 60;
	const gchar *state[] = {
		"d", d, "", "refs/heads/main", commit, "", "HEAD", "ref: refs/heads/main", NULL};
	const gchar *issue[] = {"a", coord, "", "p", owner_pub, "", "subject", "it breaks", NULL};
	const gchar *patch[] = {
		"a", coord, "", "p", owner_pub, "", "t", "root", "", "commit", commit, NULL};
	g_autoptr(GPtrArray) t1 = fake_tags(state);
	g_autoptr(GPtrArray) t2 = fake_tags(issue);
	g_autoptr(GPtrArray) t3 = fake_tags(patch);
	g_autoptr(GPtrArray) t4 = NULL;
	GsEvent *root;

	g_ptr_array_add(out, fake_announcement(w, r, owner, picked, k));
	g_ptr_array_add(out, fake_sign(w, owner, at + 1, 30618, t1, ""));
	root = fake_sign(w, author, at + 2, 1621, t2, "Steps: run it twice; it crashes.");
	g_ptr_array_add(out, root);
	g_ptr_array_add(out,
			fake_sign(w,
				  author,
				  at + 3,
				  1617,
				  t3,
				  "From 0 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] fix it\n"));
	{
		const gchar *comment[] = {"E",
					  gs_event_get_id(root),
					  "",
					  gs_event_get_pubkey(root),
					  "",
					  "K",
					  "1621",
					  "",
					  "P",
					  gs_event_get_pubkey(root),
					  "",
					  "e",
					  gs_event_get_id(root),
					  "",
					  "k",
					  "1621",
					  "",
					  "p",
					  gs_event_get_pubkey(root),
					  NULL};
		t4 = fake_tags(comment);
		g_ptr_array_add(out, fake_sign(w, owner, at + 4, 1111, t4, "Confirmed here."));
	}
}

static void
fake_world_fill(FakeWorld *w, guint n_repos)
{
	g_autoptr(GPtrArray) evs = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	guint picked[8];

	for (guint r = 0; r < n_repos; r++) {
		guint k = fake_pick_relays(w, picked);

		g_ptr_array_set_size(evs, 0);
		fake_repo(w, r, picked, k, evs);
		/* relay 0, the bootstrap, indexes every announcement */
		g_ptr_array_add(w->relays[0].events, gs_event_ref(evs->pdata[0]));
		w->n_copies++;
		for (guint i = 0; i < k; i++) {
			for (guint e = 0; e < evs->len; e++)
				g_ptr_array_add(w->relays[picked[i]].events,
						gs_event_ref(evs->pdata[e]));
			w->n_copies += evs->len;
		}
	}
	for (guint i = 0; i < w->n_relays; i++) {
		g_autoptr(GError) error = NULL;
		if (!gs_store_insert_batch(w->relays[i].store, w->relays[i].events, NULL, &error))
			g_error("fake relay store: %s", error->message);
		g_ptr_array_set_size(w->relays[i].events, 0);
	}
}

static gboolean
fake_stdin_closed_cb(GIOChannel *channel, GIOCondition condition, gpointer user_data)
{
	gchar buf[64];
	gsize n = 0;

	if (g_io_channel_read_chars(channel, buf, sizeof(buf), &n, NULL) == G_IO_STATUS_NORMAL &&
	    n > 0)
		return G_SOURCE_CONTINUE;
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

/* prints the bootstrap URL, then the counts; serves until stdin closes */
static gint
fake_serve(const BenchOptions *opts)
{
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GIOChannel) in = g_io_channel_unix_new(0);
	FakeWorld w = {0};
	guint n_no_nip77 = 0;
	gint64 start = g_get_monotonic_time();

	w.n_relays = opts->n_relays;
	w.rand = g_rand_new_with_seed(opts->seed);
	w.relays = g_new0(FakeRelay, w.n_relays);
	for (guint i = 0; i < w.n_relays; i++) {
		gboolean no_nip77 = opts->neg_err_every > 0 && i % opts->neg_err_every == 1;
		fake_relay_start(&w.relays[i], no_nip77);
		n_no_nip77 += no_nip77 ? 1 : 0;
	}
	fake_keys_init(&w, MAX(opts->n_repos / 5, 1), opts->seed);
	fake_world_fill(&w, opts->n_repos);
	g_print("%s\n", w.relays[0].url);
	g_print("%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %u %.1f\n",
		w.n_events,
		w.n_copies,
		n_no_nip77,
		(gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC);
	fflush(stdout);
	g_io_add_watch(in, G_IO_IN | G_IO_HUP | G_IO_ERR, fake_stdin_closed_cb, loop);
	g_main_loop_run(loop);
	for (guint i = 0; i < w.n_relays; i++)
		fake_relay_clear(&w.relays[i]);
	g_free(w.relays);
	g_array_unref(w.keys);
	g_rand_free(w.rand);
	return 0;
}

/* the engine (this process) ------------------------------------------------------------------ */

typedef struct {
	guint n_relays;
	guint n_live; /* connected or connected-degraded */
	guint n_degraded;
	guint n_pending; /* batches */
	guint n_no_nip77;
	guint n_rate_limited; /* relays that imposed a rate limit at least once */
} BenchState;

static void
bench_state(GsSyncManager *sync, BenchState *st)
{
	g_auto(GStrv) urls = gs_sync_manager_dup_relay_urls(sync);
	GsSyncRelayStats stats;

	memset(st, 0, sizeof(*st));
	for (guint i = 0; urls[i] != NULL; i++) {
		GsConnectionStatus s = gs_sync_manager_get_relay_status(sync, urls[i]);
		st->n_relays++;
		st->n_live += s == GS_CONNECTION_STATUS_CONNECTED ||
			      s == GS_CONNECTION_STATUS_CONNECTED_DEGRADED;
		st->n_degraded += s == GS_CONNECTION_STATUS_CONNECTED_DEGRADED;
		st->n_pending += gs_sync_manager_get_relay_pending_batches(sync, urls[i]);
		st->n_no_nip77 += gs_sync_manager_get_relay_supports_negentropy(sync, urls[i]) == 0;
		if (gs_sync_manager_get_relay_stats(sync, urls[i], &stats))
			st->n_rate_limited += stats.rate_limited > 0;
	}
}

static guint64
bench_count_events(GsStore *store)
{
	g_autoptr(GsFilter) all = gs_filter_new();
	g_autoptr(GError) error = NULL;
	guint64 n = 0;

	if (!gs_store_count(store, all, &n, &error))
		g_warning("count: %s", error->message);
	return n;
}

static gboolean
bench_quit_cb(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

static void
bench_run_for(guint ms)
{
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_timeout_add(ms, bench_quit_cb, loop);
	g_main_loop_run(loop);
}

static GsDaemon *
bench_start_daemon(const BenchOptions *opts, const gchar *dir, const gchar *bootstrap)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *conf = g_build_filename(dir, "grasp-syncd.conf", NULL);
	g_autofree gchar *state = g_build_filename(dir, "state", NULL);
	g_autofree gchar *text =
		g_strdup_printf("[sync]\nbatch-window-ms = %u\n", opts->batch_window_ms);
	g_autoptr(GOptionContext) context = g_option_context_new(NULL);
	gchar *args[] = {"sync-scale",
			 "--config",
			 conf,
			 "--state-dir",
			 state,
			 "--no-dbus",
			 "--listen",
			 "127.0.0.1:0",
			 "--bootstrap-relay",
			 (gchar *)bootstrap,
			 "--service-url",
			 BENCH_SERVICE,
			 NULL};
	g_auto(GStrv) argv = g_strdupv(args);
	GsDaemon *daemon = gs_daemon_new();

	if (!g_file_set_contents(conf, text, -1, &error))
		g_error("%s", error->message);
	g_option_context_set_main_group(context, gs_daemon_get_option_group(daemon));
	if (!g_option_context_parse_strv(context, &argv, &error) ||
	    !gs_daemon_setup(daemon, &error) || !gs_daemon_start(daemon, &error))
		g_error("daemon: %s", error->message);
	return daemon;
}

/* runs until every relay is live with no pending batch; returns seconds */
static gdouble
bench_sync(GsDaemon *daemon, const BenchOptions *opts, BenchState *st)
{
	GsSyncManager *sync = gs_daemon_get_sync_manager(daemon);
	gint64 start = g_get_monotonic_time();
	gint64 next_report = start + 10 * G_USEC_PER_SEC;

	for (;;) {
		bench_run_for(250);
		bench_state(sync, st);
		if (st->n_relays >= opts->n_relays && st->n_live == st->n_relays &&
		    st->n_pending == 0)
			break;
		if (g_get_monotonic_time() >= next_report) {
			next_report += 10 * G_USEC_PER_SEC;
			g_printerr("  %5.0f s: %u relays, %u live, %u batches pending, "
				   "%" G_GUINT64_FORMAT " events, RSS %" G_GUINT64_FORMAT " KiB\n",
				   (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC,
				   st->n_relays,
				   st->n_live,
				   st->n_pending,
				   bench_count_events(gs_daemon_get_store(daemon)),
				   bench_status_field("/proc/self/status", "VmRSS:"));
		}
	}
	return (gdouble)(g_get_monotonic_time() - start) / G_USEC_PER_SEC;
}

static void
bench_idle(const BenchOptions *opts)
{
	guint64 cs0, cs1;
	gint64 cpu0, cpu1, t0, t1;

	g_print("idle for %u s ...\n", opts->idle_seconds);
	cs0 = bench_context_switches();
	cpu0 = bench_cpu_usec();
	t0 = g_get_monotonic_time();
	bench_run_for(opts->idle_seconds * 1000);
	t1 = g_get_monotonic_time();
	cpu1 = bench_cpu_usec();
	cs1 = bench_context_switches();
	g_print("idle CPU            %.3f %% of a core (%.3f s CPU in %.1f s)\n",
		100.0 * (gdouble)(cpu1 - cpu0) / (gdouble)(t1 - t0),
		(gdouble)(cpu1 - cpu0) / G_USEC_PER_SEC,
		(gdouble)(t1 - t0) / G_USEC_PER_SEC);
	g_print("idle wakeups        %.1f /s (context switches, all threads; %" G_GUINT64_FORMAT
		" threads now)\n",
		(gdouble)(cs1 - cs0) * G_USEC_PER_SEC / (gdouble)(t1 - t0),
		bench_status_field("/proc/self/status", "Threads:"));
}

static gchar *
bench_read_child_line(GDataInputStream *out)
{
	g_autoptr(GError) error = NULL;
	gchar *line = g_data_input_stream_read_line(out, NULL, NULL, &error);

	if (line == NULL)
		g_error("fake relays: %s", error != NULL ? error->message : "no output");
	return line;
}

static gint
bench_main(const BenchOptions *opts, const gchar *self_path)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *dir = g_dir_make_tmp("gs-bench-sync-scale-XXXXXX", &error);
	g_autofree gchar *n_relays = g_strdup_printf("%u", opts->n_relays);
	g_autofree gchar *n_repos = g_strdup_printf("%u", opts->n_repos);
	g_autofree gchar *neg_err = g_strdup_printf("%u", opts->neg_err_every);
	g_autofree gchar *seed = g_strdup_printf("%u", opts->seed);
	g_autoptr(GSubprocess) child = NULL;
	g_autoptr(GDataInputStream) out = NULL;
	g_autofree gchar *bootstrap = NULL;
	g_autofree gchar *counts = NULL;
	g_autoptr(GsDaemon) daemon = NULL;
	guint64 n_events = 0, n_copies = 0, rss_start;
	guint n_no_nip77 = 0;
	gdouble gen_secs = 0, secs;
	BenchState st;

	g_assert_no_error(error);
	child = g_subprocess_new(G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE,
				 &error,
				 self_path,
				 "--serve-relays",
				 "--relays",
				 n_relays,
				 "--repos",
				 n_repos,
				 "--neg-err-every",
				 neg_err,
				 "--seed",
				 seed,
				 NULL);
	g_assert_no_error(error);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(child));
	bootstrap = bench_read_child_line(out);
	counts = bench_read_child_line(out);
	sscanf(counts,
	       "%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %u %lf",
	       &n_events,
	       &n_copies,
	       &n_no_nip77,
	       &gen_secs);
	g_print("fake relays         %u in a child process (%u without NIP-77), bootstrap %s\n",
		opts->n_relays,
		n_no_nip77,
		bootstrap);
	g_print("data set            %u repositories, %" G_GUINT64_FORMAT
		" events, %" G_GUINT64_FORMAT " copies on the relays (made in %.1f s)\n",
		opts->n_repos,
		n_events,
		n_copies,
		gen_secs);

	rss_start = bench_status_field("/proc/self/status", "VmRSS:");
	daemon = bench_start_daemon(opts, dir, bootstrap);
	secs = bench_sync(daemon, opts, &st);
	g_print("history complete    %.1f s: %u relays live (%u degraded, %u without NIP-77), "
		"%" G_GUINT64_FORMAT " events stored, %u relays rate-limited once or more\n",
		secs,
		st.n_relays,
		st.n_degraded,
		st.n_no_nip77,
		bench_count_events(gs_daemon_get_store(daemon)),
		st.n_rate_limited);
	g_print("RSS at start        %.1f MiB\n", rss_start / 1024.0);
	g_print("RSS after sync      %.1f MiB (peak %.1f MiB)\n",
		bench_status_field("/proc/self/status", "VmRSS:") / 1024.0,
		bench_status_field("/proc/self/status", "VmHWM:") / 1024.0);
	bench_print_heap("heap after sync");
	bench_print_policy_metrics(daemon);
	malloc_trim(0);
	g_print("RSS after trim      %.1f MiB\n",
		bench_status_field("/proc/self/status", "VmRSS:") / 1024.0);
	bench_idle(opts);
	bench_state(gs_daemon_get_sync_manager(daemon), &st);
	g_print("after idle          %u relays live, %u batches pending, RSS %.1f MiB\n",
		st.n_live,
		st.n_pending,
		bench_status_field("/proc/self/status", "VmRSS:") / 1024.0);

	gs_daemon_stop(daemon);
	g_clear_object(&daemon);
	g_output_stream_close(g_subprocess_get_stdin_pipe(child), NULL, NULL);
	g_subprocess_wait(child, NULL, NULL);
	bench_remove_tree(dir);
	return 0;
}

gint
main(gint argc, gchar **argv)
{
	BenchOptions opts = {200, 5000, 8, 60, 1000, 1, FALSE};
	gboolean serve = FALSE;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) context = g_option_context_new("- the sync engine, many relays");
	const GOptionEntry entries[] = {
		{"relays", 0, 0, G_OPTION_ARG_INT, &opts.n_relays, "Fake relays (200)", "N"},
		{"repos", 0, 0, G_OPTION_ARG_INT, &opts.n_repos, "Repositories (5000)", "N"},
		{"neg-err-every",
		 0,
		 0,
		 G_OPTION_ARG_INT,
		 &opts.neg_err_every,
		 "Every Nth relay answers NEG-ERR (8; 0 none)",
		 "N"},
		{"idle-seconds",
		 0,
		 0,
		 G_OPTION_ARG_INT,
		 &opts.idle_seconds,
		 "Idle CPU measured over this long (60)",
		 "S"},
		{"batch-window-ms",
		 0,
		 0,
		 G_OPTION_ARG_INT,
		 &opts.batch_window_ms,
		 "[sync] batch-window-ms (1000)",
		 "MS"},
		{"seed", 0, 0, G_OPTION_ARG_INT, &opts.seed, "Data set seed (1)", "N"},
		{"verbose",
		 'v',
		 0,
		 G_OPTION_ARG_NONE,
		 &opts.verbose,
		 "Show the daemon's log",
		 NULL},
		{"serve-relays", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, &serve, NULL, NULL},
		{NULL}};

	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("%s\n", error->message);
		return 2;
	}
	if (opts.n_relays < 2 || opts.n_repos < 1) {
		g_printerr("need at least 2 relays and 1 repository\n");
		return 2;
	}
	g_log_set_writer_func(bench_log_writer, &opts, NULL);
	if (!gs_crypto_init(&error)) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	if (serve)
		return fake_serve(&opts);
	return bench_main(&opts, argv[0]);
}
