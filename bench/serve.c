/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The relay endpoint under load: `serve [EVENTS [CLIENTS [DIR]]]` stores EVENTS
 * made-up events (unsigned: nothing on this path verifies) in a new store under DIR, then
 *  1. CLIENTS websocket clients each send one REQ for all of them at once and read until EOSE;
 *  2. one client reconciles with NEG-OPEN/NEG-MSG (frame limit 60,000) holding 90 % of them.
 * The relay runs on the main thread, the clients on a second thread with their own main
 * context. Prints time, messages, bytes and the process's peak RSS.
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>

#include "gs-filter.h"
#include "gs-hex.h"
#include "gs-http-server.h"
#include "gs-message.h"
#include "gs-negentropy.h"
#include "gs-nip77.h"
#include "gs-relay-server.h"
#include "gs-store.h"

#define BENCH_FRAME_LIMIT 60000

static GsEvent *
bench_event(guint64 n)
{
	g_autofree gchar *id =
		g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)&n, sizeof(n));
	g_autofree gchar *json = NULL;
	g_autoptr(GError) error = NULL;
	GsEvent *event;

	/* a patch-sized NIP-34 event: a repository reference and ~1 KiB of content */
	json = g_strdup_printf(
		"{\"id\":\"%s\",\"pubkey\":\"%064x\",\"created_at\":%" G_GUINT64_FORMAT
		",\"kind\":1617,\"tags\":[[\"a\",\"30617:%064x:repo%u\"]],"
		"\"content\":\"%01024u\",\"sig\":\"%0128x\"}",
		id,
		(guint)(n % 500),
		1700000000 + n / 2,
		(guint)(n % 50),
		(guint)(n % 50),
		(guint)n,
		0);
	event = gs_event_new_from_json(json, -1, &error);
	if (event == NULL)
		g_error("%s", error->message);
	return event;
}

static void
bench_fill(GsStore *store, guint n)
{
	g_autoptr(GTimer) timer = g_timer_new();

	for (guint done = 0; done < n;) {
		g_autoptr(GPtrArray) batch =
			g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
		g_autoptr(GError) error = NULL;
		for (guint i = 0; i < 1000 && done < n; i++, done++)
			g_ptr_array_add(batch, bench_event(done));
		if (!gs_store_insert_batch(store, batch, NULL, &error))
			g_error("%s", error->message);
	}
	g_print("stored %u events in %.2f s\n", n, g_timer_elapsed(timer, NULL));
}

/* what one REQ for every event costs the store alone */
static void
bench_query(GsStore *store, guint n)
{
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	g_autoptr(GTimer) timer = g_timer_new();
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GError) error = NULL;
	GsFilter *filter = gs_filter_new();

	gs_filter_set_limit(filter, n);
	g_ptr_array_add(filters, filter);
	events = gs_store_query(store, filters, n, &error);
	if (events == NULL)
		g_error("%s", error->message);
	g_print("store query of %u events: %.2f s (%.1f us per event)\n",
		events->len,
		g_timer_elapsed(timer, NULL),
		g_timer_elapsed(timer, NULL) * 1e6 / MAX(events->len, 1));
}

static gdouble
bench_thread_cpu(void)
{
	struct rusage usage;
	getrusage(RUSAGE_THREAD, &usage);
	return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
	       (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

/* the client side, on its own thread ------------------------------------------------------- */

typedef struct {
	gchar *url;
	guint clients;
	guint events;
	GMainContext *context;
	GMainLoop *loop;
	SoupSession *session;
	GPtrArray *conns;
	guint eose;
	guint64 messages;
	guint64 bytes;
	GTimer *timer;
	gdouble first_at; /* when the first EVENT arrived: the store query's share */
	gdouble cpu;	  /* the clients' thread */
	gboolean failed;
} BenchClients;

static void
bench_message_cb(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer user_data)
{
	BenchClients *b = user_data;
	gsize len = g_bytes_get_size(message);
	const gchar *data = g_bytes_get_data(message, NULL);

	if (b->messages++ == 0)
		b->first_at = g_timer_elapsed(b->timer, NULL);
	b->bytes += len;
	if (len > 8 && memcmp(data, "[\"EOSE\"", 7) == 0 && ++b->eose == b->clients)
		g_main_loop_quit(b->loop);
}

static void
bench_closed_cb(SoupWebsocketConnection *conn, gpointer user_data)
{
	BenchClients *b = user_data;
	if (b->eose < b->clients) {
		g_printerr("a client was closed: %u\n",
			   soup_websocket_connection_get_close_code(conn));
		b->failed = TRUE;
		g_main_loop_quit(b->loop);
	}
}

static void
bench_connected_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	BenchClients *b = user_data;
	g_autoptr(GError) error = NULL;
	SoupWebsocketConnection *conn =
		soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &error);

	if (conn == NULL)
		g_error("connect: %s", error->message);
	soup_websocket_connection_set_max_incoming_payload_size(conn, 16 * 1024 * 1024);
	g_signal_connect(conn, "message", G_CALLBACK(bench_message_cb), b);
	g_signal_connect(conn, "closed", G_CALLBACK(bench_closed_cb), b);
	g_ptr_array_add(b->conns, conn);
	if (b->conns->len < b->clients)
		return;
	/* everyone is connected: all REQs go out together */
	g_timer_start(b->timer);
	for (guint i = 0; i < b->conns->len; i++) {
		g_autofree gchar *req =
			g_strdup_printf("[\"REQ\",\"r%u\",{\"limit\":%u}]", i, b->events);
		soup_websocket_connection_send_text(g_ptr_array_index(b->conns, i), req);
	}
}

static gpointer
bench_clients_thread(gpointer user_data)
{
	BenchClients *b = user_data;

	g_main_context_push_thread_default(b->context);
	b->session = soup_session_new();
	for (guint i = 0; i < b->clients; i++) {
		g_autoptr(SoupMessage) msg = soup_message_new(SOUP_METHOD_GET, b->url);
		soup_session_websocket_connect_async(b->session,
						     msg,
						     NULL,
						     NULL,
						     G_PRIORITY_DEFAULT,
						     NULL,
						     bench_connected_cb,
						     b);
	}
	b->cpu = bench_thread_cpu();
	g_main_loop_run(b->loop);
	g_timer_stop(b->timer);
	b->cpu = bench_thread_cpu() - b->cpu;
	for (guint i = 0; i < b->conns->len; i++) {
		SoupWebsocketConnection *conn = g_ptr_array_index(b->conns, i);
		g_signal_handlers_disconnect_by_data(conn, b);
		soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
	}
	g_ptr_array_set_size(b->conns, 0);
	g_clear_object(&b->session);
	g_main_context_pop_thread_default(b->context);
	return NULL;
}

static gboolean
bench_quit_cb(gpointer user_data)
{
	g_main_loop_quit(user_data);
	return G_SOURCE_REMOVE;
}

typedef struct {
	GThreadFunc func;
	gpointer data;
	GMainLoop *loop;
} BenchBeside;

static gpointer
bench_beside_thread(gpointer user_data)
{
	BenchBeside *beside = user_data;
	beside->func(beside->data);
	g_main_context_invoke(NULL, bench_quit_cb, beside->loop);
	return NULL;
}

/* runs @func on a thread while the relay serves on this one; returns the relay's CPU time */
static gdouble
bench_run_beside(GThreadFunc func, gpointer data)
{
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	BenchBeside beside = {func, data, loop};
	gdouble cpu = bench_thread_cpu();
	GThread *thread = g_thread_new("bench-clients", bench_beside_thread, &beside);

	g_main_loop_run(loop);
	cpu = bench_thread_cpu() - cpu;
	g_thread_join(thread);
	return cpu;
}

static void
bench_replay(const gchar *url, guint events, guint clients)
{
	BenchClients b = {0};
	gdouble cpu;

	b.url = g_strdup(url);
	b.clients = clients;
	b.events = events;
	b.context = g_main_context_new();
	b.loop = g_main_loop_new(b.context, FALSE);
	b.conns = g_ptr_array_new_with_free_func(g_object_unref);
	b.timer = g_timer_new();
	cpu = bench_run_beside(bench_clients_thread, &b);
	if (b.failed)
		g_error("the replay failed");
	g_print("replay: %u clients x %u events: %.2f s (first event after %.2f s), "
		"%" G_GUINT64_FORMAT " messages, %.1f MiB, %.0f events/s, %.1f MiB/s\n",
		clients,
		events,
		g_timer_elapsed(b.timer, NULL),
		b.first_at,
		b.messages,
		b.bytes / 1048576.0,
		(gdouble)clients * events / g_timer_elapsed(b.timer, NULL),
		b.bytes / 1048576.0 / g_timer_elapsed(b.timer, NULL));
	g_print("  relay CPU: %.2f s, %.1f us per event sent; clients' CPU: %.2f s\n",
		cpu,
		cpu * 1e6 / clients / events,
		b.cpu);
	g_ptr_array_unref(b.conns);
	g_main_loop_unref(b.loop);
	g_main_context_unref(b.context);
	g_timer_destroy(b.timer);
	g_free(b.url);
}

/* negentropy: one client holding 90 % of the relay's events --------------------------------- */

typedef struct {
	gchar *url;
	guint events;
	GMainContext *context;
	GMainLoop *loop;
	SoupWebsocketConnection *conn;
	GsNegentropy *neg;
	GArray *have;
	GArray *need;
	guint rounds;
	guint64 bytes_up;
	guint64 bytes_down;
	GTimer *timer;
} BenchNeg;

static void
bench_neg_send(BenchNeg *b, gchar *text)
{
	b->bytes_up += strlen(text);
	soup_websocket_connection_send_text(b->conn, text);
	g_free(text);
}

static void
bench_neg_message_cb(SoupWebsocketConnection *conn, gint type, GBytes *message, gpointer user_data)
{
	BenchNeg *b = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GsMessage) msg = NULL;
	g_autoptr(GBytes) in = NULL;
	g_autoptr(GBytes) next = NULL;
	gsize len = 0;
	const gchar *data = g_bytes_get_data(message, &len);

	b->bytes_down += len;
	b->rounds++;
	msg = gs_message_parse(data, len, GS_MESSAGE_FROM_RELAY, &error);
	if (msg == NULL || msg->type != GS_MESSAGE_NEG_MSG)
		g_error("unexpected answer %.200s", data);
	in = gs_hex_decode(msg->text, &error);
	if (in == NULL || !gs_negentropy_reconcile(b->neg,
						   g_bytes_get_data(in, NULL),
						   g_bytes_get_size(in),
						   &next,
						   b->have,
						   b->need,
						   &error))
		g_error("reconcile: %s", error->message);
	if (next == NULL) {
		g_main_loop_quit(b->loop);
		return;
	}
	bench_neg_send(b, gs_nip77_msg_new("neg", next));
}

static void
bench_neg_connected_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	BenchNeg *b = user_data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) first = NULL;
	g_autoptr(JsonNode) filter = json_from_string("{}", NULL);

	b->conn = soup_session_websocket_connect_finish(SOUP_SESSION(source), res, &error);
	if (b->conn == NULL)
		g_error("connect: %s", error->message);
	soup_websocket_connection_set_max_incoming_payload_size(b->conn, 16 * 1024 * 1024);
	g_signal_connect(b->conn, "message", G_CALLBACK(bench_neg_message_cb), b);
	g_timer_start(b->timer);
	first = gs_negentropy_initiate(b->neg, &error);
	if (first == NULL)
		g_error("initiate: %s", error->message);
	bench_neg_send(b, gs_nip77_open_new("neg", filter, first));
}

static gpointer
bench_neg_thread(gpointer user_data)
{
	BenchNeg *b = user_data;
	g_autoptr(SoupSession) session = NULL;
	g_autoptr(SoupMessage) msg = soup_message_new(SOUP_METHOD_GET, b->url);

	g_main_context_push_thread_default(b->context);
	session = soup_session_new();
	soup_session_websocket_connect_async(
		session, msg, NULL, NULL, G_PRIORITY_DEFAULT, NULL, bench_neg_connected_cb, b);
	g_main_loop_run(b->loop);
	g_timer_stop(b->timer);
	g_signal_handlers_disconnect_by_data(b->conn, b);
	soup_websocket_connection_close(b->conn, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
	g_clear_object(&b->conn);
	g_clear_object(&session);
	g_main_context_pop_thread_default(b->context);
	return NULL;
}

/* the client's items: every event but one in ten, by the same made-up ids */
static GsNegentropyStorage *
bench_neg_storage(guint events)
{
	GsNegentropyStorage *storage = gs_negentropy_storage_new(events);

	for (guint64 n = 0; n < events; n++) {
		guint8 id[32];
		gsize len = sizeof(id);
		g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
		if (n % 10 == 9)
			continue;
		g_checksum_update(sum, (guchar *)&n, sizeof(n));
		g_checksum_get_digest(sum, id, &len);
		if (!gs_negentropy_storage_add(storage, 1700000000 + n / 2, id, NULL))
			g_error("cannot add item");
	}
	gs_negentropy_storage_seal(storage);
	return storage;
}

static void
bench_negentropy(const gchar *url, guint events)
{
	g_autoptr(GsNegentropyStorage) storage = bench_neg_storage(events);
	g_autoptr(GError) error = NULL;
	BenchNeg b = {0};
	gdouble cpu;

	b.url = g_strdup(url);
	b.events = events;
	b.context = g_main_context_new();
	b.loop = g_main_loop_new(b.context, FALSE);
	b.neg = gs_negentropy_new(storage, BENCH_FRAME_LIMIT, &error);
	if (b.neg == NULL)
		g_error("%s", error->message);
	b.have = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	b.need = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	b.timer = g_timer_new();
	cpu = bench_run_beside(bench_neg_thread, &b);
	g_print("negentropy: %u items, client holds %u: %.3f s, %u round trips, "
		"%.1f KiB up, %.1f KiB down, need %u, have %u\n",
		events,
		(guint)gs_negentropy_storage_get_size(storage),
		g_timer_elapsed(b.timer, NULL),
		b.rounds,
		b.bytes_up / 1024.0,
		b.bytes_down / 1024.0,
		b.need->len,
		b.have->len);
	g_print("  relay CPU: %.3f s\n", cpu);
	if (b.need->len != events - gs_negentropy_storage_get_size(storage) || b.have->len != 0)
		g_error("wrong differences");
	gs_negentropy_free(b.neg);
	g_array_unref(b.have);
	g_array_unref(b.need);
	g_main_loop_unref(b.loop);
	g_main_context_unref(b.context);
	g_timer_destroy(b.timer);
	g_free(b.url);
}

static void
bench_print_rss(void)
{
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	g_print("peak RSS: %.1f MiB\n", usage.ru_maxrss / 1024.0);
}

int
main(int argc, char **argv)
{
	guint events = argc > 1 ? (guint)g_ascii_strtoull(argv[1], NULL, 10) : 100000;
	guint clients = argc > 2 ? (guint)g_ascii_strtoull(argv[2], NULL, 10) : 4;
	g_autofree gchar *dir = g_dir_make_tmp("gs-serve-XXXXXX", NULL);
	g_autofree gchar *path = g_build_filename(argc > 3 ? argv[3] : dir, "store.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = NULL;
	g_autoptr(GsRelayServer) relay = NULL;
	g_autoptr(GsHttpServer) http = gs_http_server_new();
	g_autofree gchar *url = NULL;
	GsRelayLimits limits;

	if (!gs_crypto_init(&error))
		g_error("%s", error->message);
	store = gs_store_new(path, &error);
	if (store == NULL)
		g_error("%s", error->message);
	bench_fill(store, events);
	gs_relay_limits_init(&limits);
	limits.max_limit = events;
	relay = gs_relay_server_new(store, NULL, &limits);
	gs_relay_server_attach(relay, http);
	if (!gs_http_server_listen(http, "127.0.0.1:0", &error))
		g_error("%s", error->message);
	url = g_strdup_printf("ws://127.0.0.1:%u/", gs_http_server_get_port(http));
	bench_replay(url, events, 1);
	bench_replay(url, events, clients);
	bench_negentropy(url, events);
	bench_print_rss();
	/* last: a query of everything at once holds it all in memory */
	bench_query(store, events);
	g_clear_object(&relay);
	g_clear_object(&store);
	for (guint i = 0; i < 3; i++) {
		const gchar *suffix[] = {"", "-wal", "-shm"};
		g_autofree gchar *file = g_strconcat(path, suffix[i], NULL);
		g_unlink(file);
	}
	g_rmdir(dir);
	return 0;
}
