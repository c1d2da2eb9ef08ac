/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-message.h"
#include "gs-neg-session.h"
#include "gs-test-utils.h"

/* what the scripted relay does with NEG-OPEN / NEG-MSG */
typedef enum {
	MODE_RESPOND,	    /* a real responder over its own items */
	MODE_SILENT,	    /* never answers */
	MODE_BLOCKED,	    /* NEG-ERR blocked: */
	MODE_CLOSED_LATER,  /* answers the open, then NEG-ERR closed: */
	MODE_DROP_LATER,    /* answers the open, then drops the connection */
	MODE_NOTICE_NO_NEG, /* NOTICE "negentropy disabled" */
} Mode;

typedef struct {
	SoupServer *server;
	SoupWebsocketConnection *peer;
	GsRelayConnection *conn;
	GsNegentropyStorage *remote;
	GsNegentropy *responder;
	gsize remote_limit;
	Mode mode;
	guint n_closes;
	GsNegSessionResult *result;
	GError *error;
	gboolean done;
} Fixture;

static void
fixture_reply(Fixture *f, SoupWebsocketConnection *peer, GsMessage *msg)
{
	g_autoptr(GBytes) in = gs_hex_decode(msg->text, NULL);
	g_autoptr(GBytes) out = NULL;
	g_autofree gchar *hex = NULL;
	g_autofree gchar *text = NULL;

	if (msg->type == GS_MESSAGE_NEG_OPEN) {
		g_clear_pointer(&f->responder, gs_negentropy_free);
		f->responder = gs_negentropy_new(f->remote, f->remote_limit, NULL);
	}
	out = gs_negentropy_respond(
		f->responder, g_bytes_get_data(in, NULL), g_bytes_get_size(in), NULL);
	g_assert_nonnull(out);
	hex = gs_hex_encode(g_bytes_get_data(out, NULL), g_bytes_get_size(out));
	text = g_strdup_printf("[\"NEG-MSG\",\"%s\",\"%s\"]", msg->sub_id, hex);
	soup_websocket_connection_send_text(peer, text);
}

static void
peer_message_cb(SoupWebsocketConnection *peer, gint type, GBytes *message, gpointer user_data)
{
	Fixture *f = user_data;
	gsize len = 0;
	const gchar *data = g_bytes_get_data(message, &len);
	g_autoptr(GsMessage) msg = gs_message_parse(data, len, GS_MESSAGE_FROM_CLIENT, NULL);
	g_autofree gchar *text = NULL;

	g_assert_nonnull(msg);
	if (msg->type == GS_MESSAGE_NEG_CLOSE) {
		f->n_closes++;
		return;
	}
	switch (f->mode) {
	case MODE_RESPOND:
		fixture_reply(f, peer, msg);
		break;
	case MODE_SILENT:
		break;
	case MODE_BLOCKED:
		text = g_strdup_printf("[\"NEG-ERR\",\"%s\",\"blocked: too many results\",500]",
				       msg->sub_id);
		break;
	case MODE_CLOSED_LATER:
	case MODE_DROP_LATER:
		if (msg->type == GS_MESSAGE_NEG_OPEN)
			fixture_reply(f, peer, msg);
		else if (f->mode == MODE_CLOSED_LATER)
			text = g_strdup_printf("[\"NEG-ERR\",\"%s\",\"closed: gone\"]",
					       msg->sub_id);
		else
			soup_websocket_connection_close(
				peer, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
		break;
	case MODE_NOTICE_NO_NEG:
		text = g_strdup("[\"NOTICE\",\"ERROR: bad msg: negentropy disabled\"]");
		break;
	default:
		g_assert_not_reached();
	}
	if (text != NULL)
		soup_websocket_connection_send_text(peer, text);
}

static void
server_ws_cb(SoupServer *server,
	     SoupServerMessage *msg,
	     const char *path,
	     SoupWebsocketConnection *conn,
	     gpointer user_data)
{
	Fixture *f = user_data;
	g_clear_object(&f->peer);
	f->peer = g_object_ref(conn);
	g_signal_connect(conn, "message", G_CALLBACK(peer_message_cb), f);
}

static void
opened_cb(GsRelayConnection *conn, gpointer user_data)
{
	gboolean *opened = user_data;
	*opened = TRUE;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autofree gchar *url = NULL;
	gboolean opened = FALSE;
	GSList *uris;

	f->server = soup_server_new(NULL, NULL);
	soup_server_add_websocket_handler(f->server, NULL, NULL, NULL, server_ws_cb, f, NULL);
	g_assert_true(soup_server_listen_local(f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, NULL));
	uris = soup_server_get_uris(f->server);
	url = g_strdup_printf("ws://127.0.0.1:%d", g_uri_get_port(uris->data));
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	f->conn = gs_relay_connection_new(url, NULL);
	g_signal_connect(f->conn, "opened", G_CALLBACK(opened_cb), &opened);
	gs_relay_connection_connect(f->conn);
	while (!opened || f->peer == NULL)
		g_main_context_iteration(NULL, TRUE);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_object(&f->conn);
	g_clear_object(&f->peer);
	soup_server_disconnect(f->server);
	g_clear_object(&f->server);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_clear_pointer(&f->responder, gs_negentropy_free);
	g_clear_pointer(&f->remote, gs_negentropy_storage_unref);
	g_clear_pointer(&f->result, gs_neg_session_result_free);
	g_clear_error(&f->error);
}

static void
run_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Fixture *f = user_data;
	f->result = gs_neg_session_run_finish(res, &f->error);
	f->done = TRUE;
}

static void
fixture_run(Fixture *f, GsNegentropyStorage *local, gsize limit, guint timeout_ms)
{
	g_autoptr(GsFilter) filter = gs_filter_new();

	gs_filter_add_kind(filter, 1);
	gs_neg_session_run_async(f->conn, filter, local, limit, timeout_ms, NULL, run_cb, f);
	while (!f->done)
		g_main_context_iteration(NULL, TRUE);
}

static void
fixture_run_budget(Fixture *f, GsNegentropyStorage *local, guint64 max_cost, guint need_weight)
{
	g_autoptr(GsFilter) filter = gs_filter_new();

	gs_neg_session_run_budget_async(
		f->conn, filter, local, 4096, 2000, max_cost, need_weight, NULL, run_cb, f);
	while (!f->done)
		g_main_context_iteration(NULL, TRUE);
}

static void
make_id(guint32 n, guint8 *id)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize len = 32;
	g_checksum_update(sum, (const guchar *)&n, sizeof(n));
	g_checksum_get_digest(sum, id, &len);
}

/* ids [lo, hi) into a sealed storage, timestamp = 1000000 + n / 3 */
static GsNegentropyStorage *
make_storage(guint32 lo, guint32 hi)
{
	GsNegentropyStorage *st = gs_negentropy_storage_new(hi - lo);
	for (guint32 n = lo; n < hi; n++) {
		guint8 id[32];
		make_id(n, id);
		g_assert_true(gs_negentropy_storage_add(st, 1000000 + n / 3, id, NULL));
	}
	gs_negentropy_storage_seal(st);
	return st;
}

static gboolean
ids_equal_range(GArray *ids, guint32 lo, guint32 hi)
{
	g_autoptr(GHashTable) want = g_hash_table_new_full(
		g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, NULL);
	if (ids->len != hi - lo)
		return FALSE;
	for (guint32 n = lo; n < hi; n++) {
		guint8 id[32];
		make_id(n, id);
		g_hash_table_add(want, g_bytes_new(id, 32));
	}
	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(GBytes) b = g_bytes_new(g_array_index(ids, GsNegentropyId, i).bytes, 32);
		if (!g_hash_table_remove(want, b))
			return FALSE;
	}
	return g_hash_table_size(want) == 0;
}

/* we hold [0, 3000), the relay [1000, 5000): have = [0,1000), need = [3000,5000) */
static void
neg_reconcile(Fixture *f, gconstpointer data)
{
	gsize limit = GPOINTER_TO_SIZE(data);
	g_autoptr(GsNegentropyStorage) local = make_storage(0, 3000);

	f->remote = make_storage(1000, 5000);
	f->remote_limit = limit;
	fixture_run(f, local, limit, 2000);
	g_assert_no_error(f->error);
	g_assert_true(ids_equal_range(f->result->have, 0, 1000));
	g_assert_true(ids_equal_range(f->result->need, 3000, 5000));
	g_assert_cmpuint(f->result->rounds, >=, 1);
	if (limit != 0)
		g_assert_cmpuint(f->result->rounds, >, 1);
	g_assert_cmpuint(f->result->bytes_received, >, 0);
	/* the session ends with NEG-CLOSE and frees its subscription */
	while (f->n_closes == 0)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(gs_relay_connection_get_n_subscriptions(f->conn), ==, 0);
}

/* a budget the session stays within changes nothing */
static void
neg_budget_within(Fixture *f, gconstpointer data)
{
	g_autoptr(GsNegentropyStorage) local = make_storage(0, 3000);

	f->remote = make_storage(1000, 5000);
	f->remote_limit = 4096;
	fixture_run_budget(f, local, 10 * 1024 * 1024, 1024);
	g_assert_no_error(f->error);
	g_assert_true(ids_equal_range(f->result->have, 0, 1000));
	g_assert_true(ids_equal_range(f->result->need, 3000, 5000));
	g_assert_cmpuint(f->result->bytes_sent + f->result->bytes_received, <=, 10 * 1024 * 1024);
}

/* the ids we lack, weighted, or the traffic pass the budget: the session is closed early */
static void
neg_budget_over(Fixture *f, gconstpointer data)
{
	gboolean by_traffic = GPOINTER_TO_INT(data);
	g_autoptr(GsNegentropyStorage) local = make_storage(0, 3000);

	f->remote = make_storage(1000, 5000);
	f->remote_limit = 4096;
	/* 2000 ids lacking at 1 KiB weigh 2 MB; the traffic alone is well over 20 kB */
	fixture_run_budget(f, local, by_traffic ? 20000 : 500000, by_traffic ? 0 : 1024);
	g_assert_null(f->result);
	g_assert_error(f->error, GS_ERROR, GS_ERROR_TOO_LARGE);
	while (f->n_closes == 0)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpuint(gs_relay_connection_get_n_subscriptions(f->conn), ==, 0);
}

/* a first message over the budget is never sent */
static void
neg_budget_first(Fixture *f, gconstpointer data)
{
	g_autoptr(GsNegentropyStorage) local = make_storage(0, 3000);

	f->remote = make_storage(1000, 5000);
	fixture_run_budget(f, local, 100, 1024);
	g_assert_error(f->error, GS_ERROR, GS_ERROR_TOO_LARGE);
	g_assert_cmpuint(gs_relay_connection_get_n_subscriptions(f->conn), ==, 0);
	g_assert_null(f->responder);
}

static void
neg_error_case(Fixture *f, gconstpointer data)
{
	const struct {
		Mode mode;
		GQuark domain;
		gint code;
	} *c = data;
	g_autoptr(GsNegentropyStorage) local = make_storage(0, 100);

	f->remote = make_storage(50, 200);
	f->mode = c->mode;
	fixture_run(f, local, 0, 300);
	g_assert_null(f->result);
	g_assert_error(f->error, c->domain, c->code);
	g_assert_cmpuint(gs_relay_connection_get_n_subscriptions(f->conn), ==, 0);
}

int
main(int argc, char **argv)
{
	static struct {
		Mode mode;
		GQuark domain;
		gint code;
	} cases[] = {
		{MODE_SILENT, 0, GS_ERROR_UNSUPPORTED},
		{MODE_BLOCKED, 0, GS_ERROR_UNSUPPORTED},
		{MODE_NOTICE_NO_NEG, 0, GS_ERROR_UNSUPPORTED},
		{MODE_CLOSED_LATER, 0, GS_ERROR_PROTOCOL},
		{MODE_DROP_LATER, 0, G_IO_ERROR_CONNECTION_CLOSED},
	};
	const gchar *names[] = {"silent", "blocked", "notice", "closed-later", "drop-later"};

	gs_test_init(&argc, &argv);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *path =
			g_strdup_printf("/grasp-sync/neg-session/error/%s", names[i]);
		cases[i].domain = cases[i].mode == MODE_DROP_LATER ? G_IO_ERROR : GS_ERROR;
		g_test_add(
			path, Fixture, &cases[i], fixture_setup, neg_error_case, fixture_teardown);
	}
	g_test_add("/grasp-sync/neg-session/reconcile/unlimited",
		   Fixture,
		   GSIZE_TO_POINTER(0),
		   fixture_setup,
		   neg_reconcile,
		   fixture_teardown);
	g_test_add("/grasp-sync/neg-session/reconcile/limit-4096",
		   Fixture,
		   GSIZE_TO_POINTER(4096),
		   fixture_setup,
		   neg_reconcile,
		   fixture_teardown);
	g_test_add("/grasp-sync/neg-session/budget/within",
		   Fixture,
		   NULL,
		   fixture_setup,
		   neg_budget_within,
		   fixture_teardown);
	g_test_add("/grasp-sync/neg-session/budget/over-lacking",
		   Fixture,
		   GINT_TO_POINTER(FALSE),
		   fixture_setup,
		   neg_budget_over,
		   fixture_teardown);
	g_test_add("/grasp-sync/neg-session/budget/over-traffic",
		   Fixture,
		   GINT_TO_POINTER(TRUE),
		   fixture_setup,
		   neg_budget_over,
		   fixture_teardown);
	g_test_add("/grasp-sync/neg-session/budget/first-message",
		   Fixture,
		   NULL,
		   fixture_setup,
		   neg_budget_first,
		   fixture_teardown);
	return g_test_run();
}
