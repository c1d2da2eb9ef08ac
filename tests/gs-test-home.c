/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>

#include "gs-filter.h"
#include "gs-hex.h"
#include "gs-message.h"
#include "gs-negentropy.h"
#include "gs-test-home.h"

typedef struct {
	SoupWebsocketConnection *ws;
	gchar *id;
} GsTestHomeHeld;

/* one client connection: its NEG sessions and whether it authenticated */
typedef struct {
	GsTestHome *home;
	SoupWebsocketConnection *ws;
	GHashTable *negs; /* sub id -> GsNegentropy */
	gboolean authed;
} GsTestHomePeer;

struct _GsTestHome {
	SoupServer *server;
	guint port;
	gchar *url;
	GsStore *store;
	GsTestHomeJudge judge;
	gpointer judge_data;
	gboolean no_nip77;
	gboolean req_silent;
	guint req_cap;
	gboolean require_auth;
	gboolean accept_auth;
	GList *peers;	   /* GsTestHomePeer */
	GHashTable *times; /* id -> count */
	GPtrArray *held;   /* GsTestHomeHeld */
	guint n_events;
	guint outstanding;
	guint max_outstanding;
	guint n_auth;
	guint n_neg_open;
	guint n_req;
	guint n_connections;
};

static void
gs_test_home_held_free(GsTestHomeHeld *held)
{
	g_object_unref(held->ws);
	g_free(held->id);
	g_free(held);
}

static void
gs_test_home_peer_free(GsTestHomePeer *peer)
{
	g_signal_handlers_disconnect_by_data(peer->ws, peer);
	g_object_unref(peer->ws);
	g_hash_table_unref(peer->negs);
	g_free(peer);
}

static void
gs_test_home_send(SoupWebsocketConnection *ws, const gchar *text)
{
	if (soup_websocket_connection_get_state(ws) == SOUP_WEBSOCKET_STATE_OPEN)
		soup_websocket_connection_send_text(ws, text);
}

static void
gs_test_home_ok(GsTestHome *self,
		SoupWebsocketConnection *ws,
		const gchar *id,
		gboolean ok,
		const gchar *msg)
{
	g_autofree gchar *text = gs_message_build_ok(id, ok, msg);
	if (self->outstanding > 0)
		self->outstanding--;
	gs_test_home_send(ws, text);
}

static void
gs_test_home_on_event(GsTestHomePeer *peer, GsMessage *msg)
{
	GsTestHome *self = peer->home;
	g_autoptr(GsEvent) ev = gs_event_new_from_node(msg->event, NULL);
	const gchar *message = "";
	GsTestHomeVerdict verdict = GS_TEST_HOME_ACCEPT;
	GsStoreResult result = GS_STORE_RESULT_STORED;
	guint times;

	g_assert_nonnull(ev);
	g_assert_true(gs_event_verify(ev, NULL));
	times = GPOINTER_TO_UINT(g_hash_table_lookup(self->times, gs_event_get_id(ev))) + 1;
	g_hash_table_insert(self->times, g_strdup(gs_event_get_id(ev)), GUINT_TO_POINTER(times));
	self->n_events++;
	self->outstanding++;
	self->max_outstanding = MAX(self->max_outstanding, self->outstanding);
	if (self->require_auth && !peer->authed) {
		gs_test_home_ok(
			self, peer->ws, gs_event_get_id(ev), FALSE, "auth-required: sign in");
		return;
	}
	if (self->judge != NULL)
		verdict = self->judge(self, ev, times, &message, self->judge_data);
	if (verdict == GS_TEST_HOME_SILENT)
		return;
	if (verdict == GS_TEST_HOME_REFUSE) {
		gs_test_home_ok(self, peer->ws, gs_event_get_id(ev), FALSE, message);
		return;
	}
	g_assert_true(gs_store_insert(self->store, ev, &result, NULL));
	if (verdict == GS_TEST_HOME_HOLD) {
		GsTestHomeHeld *held = g_new0(GsTestHomeHeld, 1);
		held->ws = g_object_ref(peer->ws);
		held->id = g_strdup(gs_event_get_id(ev));
		g_ptr_array_add(self->held, held);
		return;
	}
	gs_test_home_ok(self,
			peer->ws,
			gs_event_get_id(ev),
			TRUE,
			result == GS_STORE_RESULT_DUPLICATE ? "duplicate: have it" : "");
}

static void
gs_test_home_on_req(GsTestHomePeer *peer, GsMessage *msg)
{
	GsTestHome *self = peer->home;
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	g_autoptr(GPtrArray) events = NULL;
	g_autofree gchar *eose = gs_message_build_eose(msg->sub_id);

	self->n_req++;
	if (self->req_silent)
		return;
	for (guint i = 0; i < msg->filters->len; i++) {
		GsFilter *filter =
			gs_filter_new_from_node(g_ptr_array_index(msg->filters, i), NULL);
		g_assert_nonnull(filter);
		g_ptr_array_add(filters, filter);
	}
	events = gs_store_query(self->store, filters, self->req_cap, NULL);
	g_assert_nonnull(events);
	for (guint i = 0; i < events->len; i++) {
		g_autofree gchar *text =
			gs_message_build_event(msg->sub_id, g_ptr_array_index(events, i));
		gs_test_home_send(peer->ws, text);
	}
	gs_test_home_send(peer->ws, eose);
}

/* NIP-77 responder over the stored events matching the NEG-OPEN filter */
static void
gs_test_home_on_neg(GsTestHomePeer *peer, GsMessage *msg)
{
	GsTestHome *self = peer->home;
	GsNegentropy *neg = g_hash_table_lookup(peer->negs, msg->sub_id);
	g_autoptr(GBytes) in = gs_hex_decode(msg->text, NULL);
	g_autoptr(GBytes) out = NULL;
	g_autofree gchar *hex = NULL;
	g_autofree gchar *text = NULL;

	if (self->no_nip77) {
		gs_test_home_send(peer->ws, "[\"NOTICE\",\"ERROR: unknown envelope NEG-OPEN\"]");
		return;
	}
	if (msg->type == GS_MESSAGE_NEG_OPEN) {
		g_autoptr(GsFilter) filter = gs_filter_new_from_node(msg->filters->pdata[0], NULL);
		g_autoptr(GArray) items = NULL;
		g_autoptr(GsNegentropyStorage) storage = gs_negentropy_storage_new(0);

		self->n_neg_open++;
		g_assert_true(gs_store_query_items(self->store, filter, G_MAXUINT, &items, NULL));
		for (guint i = 0; i < items->len; i++) {
			GsStoreItem *item = &g_array_index(items, GsStoreItem, i);
			g_assert_true(gs_negentropy_storage_add(
				storage, item->created_at, item->id, NULL));
		}
		gs_negentropy_storage_seal(storage);
		neg = gs_negentropy_new(storage, 0, NULL);
		g_hash_table_replace(peer->negs, g_strdup(msg->sub_id), neg);
	}
	g_assert_nonnull(neg);
	g_assert_nonnull(in);
	out = gs_negentropy_respond(neg, g_bytes_get_data(in, NULL), g_bytes_get_size(in), NULL);
	g_assert_nonnull(out);
	hex = gs_hex_encode(g_bytes_get_data(out, NULL), g_bytes_get_size(out));
	text = g_strdup_printf("[\"NEG-MSG\",\"%s\",\"%s\"]", msg->sub_id, hex);
	gs_test_home_send(peer->ws, text);
}

static void
gs_test_home_on_auth(GsTestHomePeer *peer, GsMessage *msg)
{
	GsTestHome *self = peer->home;
	g_autoptr(GsEvent) ev = gs_event_new_from_node(msg->event, NULL);
	g_autofree gchar *ok = NULL;

	g_assert_nonnull(ev);
	g_assert_true(gs_event_verify(ev, NULL));
	g_assert_cmpuint(gs_event_get_kind(ev), ==, 22242);
	g_assert_cmpstr(gs_event_get_tag_value(ev, "challenge"), ==, "home-challenge");
	self->n_auth++;
	peer->authed = self->accept_auth;
	ok = gs_message_build_ok(
		gs_event_get_id(ev), self->accept_auth, self->accept_auth ? "" : "restricted: no");
	gs_test_home_send(peer->ws, ok);
}

static void
gs_test_home_message_cb(SoupWebsocketConnection *ws, gint type, GBytes *message, gpointer user_data)
{
	GsTestHomePeer *peer = user_data;
	gsize len = 0;
	const gchar *data = g_bytes_get_data(message, &len);
	g_autoptr(GsMessage) msg = gs_message_parse(data, len, GS_MESSAGE_FROM_CLIENT, NULL);

	g_assert_nonnull(msg);
	switch (msg->type) {
	case GS_MESSAGE_EVENT:
		gs_test_home_on_event(peer, msg);
		break;
	case GS_MESSAGE_REQ:
		gs_test_home_on_req(peer, msg);
		break;
	case GS_MESSAGE_NEG_OPEN:
	case GS_MESSAGE_NEG_MSG:
		gs_test_home_on_neg(peer, msg);
		break;
	case GS_MESSAGE_NEG_CLOSE:
		g_hash_table_remove(peer->negs, msg->sub_id);
		break;
	case GS_MESSAGE_AUTH:
		gs_test_home_on_auth(peer, msg);
		break;
	default:
		break;
	}
}

static void
gs_test_home_closed_cb(SoupWebsocketConnection *ws, gpointer user_data)
{
	GsTestHomePeer *peer = user_data;
	GsTestHome *self = peer->home;

	self->peers = g_list_remove(self->peers, peer);
	gs_test_home_peer_free(peer);
}

static void
gs_test_home_ws_cb(SoupServer *server,
		   SoupServerMessage *msg,
		   const char *path,
		   SoupWebsocketConnection *ws,
		   gpointer user_data)
{
	GsTestHome *self = user_data;
	GsTestHomePeer *peer = g_new0(GsTestHomePeer, 1);

	peer->home = self;
	peer->ws = g_object_ref(ws);
	peer->negs = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)gs_negentropy_free);
	soup_websocket_connection_set_max_incoming_payload_size(ws, 8 * 1024 * 1024);
	g_signal_connect(ws, "message", G_CALLBACK(gs_test_home_message_cb), peer);
	g_signal_connect(ws, "closed", G_CALLBACK(gs_test_home_closed_cb), peer);
	self->peers = g_list_prepend(self->peers, peer);
	self->n_connections++;
	if (self->require_auth)
		gs_test_home_send(ws, "[\"AUTH\",\"home-challenge\"]");
}

static void
gs_test_home_listen(GsTestHome *self)
{
	g_autoptr(GError) error = NULL;
	GSList *uris;

	self->server = soup_server_new(NULL, NULL);
	soup_server_add_websocket_handler(
		self->server, NULL, NULL, NULL, gs_test_home_ws_cb, self, NULL);
	g_assert_true(soup_server_listen_local(
		self->server, self->port, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
	g_assert_no_error(error);
	uris = soup_server_get_uris(self->server);
	self->port = g_uri_get_port(uris->data);
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
}

GsTestHome *
gs_test_home_new(void)
{
	GsTestHome *self = g_new0(GsTestHome, 1);
	g_autoptr(GError) error = NULL;

	self->store = gs_store_new(":memory:", &error);
	g_assert_no_error(error);
	self->times = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	self->held = g_ptr_array_new_with_free_func((GDestroyNotify)gs_test_home_held_free);
	self->accept_auth = TRUE;
	gs_test_home_listen(self);
	self->url = g_strdup_printf("ws://127.0.0.1:%u", self->port);
	return self;
}

/* home restored from an older backup: its store now holds exactly @events */
void
gs_test_home_replace_store(GsTestHome *self, GPtrArray *events)
{
	g_autoptr(GError) error = NULL;

	g_object_unref(self->store);
	self->store = gs_store_new(":memory:", &error);
	g_assert_no_error(error);
	if (events != NULL && events->len > 0)
		g_assert_true(gs_store_insert_batch(self->store, events, NULL, &error));
	g_assert_no_error(error);
}

void
gs_test_home_drop_connections(GsTestHome *self)
{
	g_autoptr(GList) peers = g_list_copy(self->peers);

	/* no close handshake: the client sees the connection die */
	for (GList *l = peers; l != NULL; l = l->next) {
		GsTestHomePeer *peer = l->data;
		GIOStream *stream = soup_websocket_connection_get_io_stream(peer->ws);
		g_io_stream_close(stream, NULL, NULL);
	}
	g_ptr_array_set_size(self->held, 0);
	self->outstanding = 0;
}

/* home goes down: connections dropped and the port closed until gs_test_home_restart() */
void
gs_test_home_stop(GsTestHome *self)
{
	gs_test_home_drop_connections(self);
	if (self->server != NULL)
		soup_server_disconnect(self->server);
	g_clear_object(&self->server);
}

void
gs_test_home_restart(GsTestHome *self)
{
	g_assert_null(self->server);
	gs_test_home_listen(self);
}

void
gs_test_home_free(GsTestHome *self)
{
	gs_test_home_stop(self);
	while (self->peers != NULL) {
		GsTestHomePeer *peer = self->peers->data;
		self->peers = g_list_delete_link(self->peers, self->peers);
		gs_test_home_peer_free(peer);
	}
	g_ptr_array_unref(self->held);
	g_hash_table_unref(self->times);
	g_object_unref(self->store);
	g_free(self->url);
	g_free(self);
}

const gchar *
gs_test_home_get_url(GsTestHome *self)
{
	return self->url;
}

GsStore *
gs_test_home_get_store(GsTestHome *self)
{
	return self->store;
}

void
gs_test_home_set_judge(GsTestHome *self, GsTestHomeJudge judge, gpointer user_data)
{
	self->judge = judge;
	self->judge_data = user_data;
}

void
gs_test_home_set_no_nip77(GsTestHome *self, gboolean no_nip77)
{
	self->no_nip77 = no_nip77;
}

/* REQs are never answered, not even with EOSE */
void
gs_test_home_set_req_silent(GsTestHome *self, gboolean silent)
{
	self->req_silent = silent;
}

/* REQ answers at most @cap events per filter (0: no cap), like relays that clamp limits */
void
gs_test_home_set_req_cap(GsTestHome *self, guint cap)
{
	self->req_cap = cap;
}

/* EVENTs before AUTH get `auth-required:`; @accept_auth says whether AUTH succeeds */
void
gs_test_home_set_require_auth(GsTestHome *self, gboolean require_auth, gboolean accept_auth)
{
	self->require_auth = require_auth;
	self->accept_auth = accept_auth;
}

/* sends the held OKs; returns how many */
guint
gs_test_home_release(GsTestHome *self)
{
	g_autoptr(GPtrArray) held = g_steal_pointer(&self->held);
	guint n = held->len;

	self->held = g_ptr_array_new_with_free_func((GDestroyNotify)gs_test_home_held_free);
	for (guint i = 0; i < held->len; i++) {
		GsTestHomeHeld *h = g_ptr_array_index(held, i);
		gs_test_home_ok(self, h->ws, h->id, TRUE, "");
	}
	return n;
}

guint
gs_test_home_get_held(GsTestHome *self)
{
	return self->held->len;
}

guint
gs_test_home_get_times(GsTestHome *self, const gchar *id)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(self->times, id));
}

/* EVENT messages received */
guint
gs_test_home_get_n_events(GsTestHome *self)
{
	return self->n_events;
}

/* distinct ids received */
guint
gs_test_home_get_n_ids(GsTestHome *self)
{
	return g_hash_table_size(self->times);
}

/* the most EVENTs that were awaiting their OK at one time */
guint
gs_test_home_get_max_outstanding(GsTestHome *self)
{
	return self->max_outstanding;
}

guint
gs_test_home_get_n_auth(GsTestHome *self)
{
	return self->n_auth;
}

guint
gs_test_home_get_n_neg_open(GsTestHome *self)
{
	return self->n_neg_open;
}

guint
gs_test_home_get_n_req(GsTestHome *self)
{
	return self->n_req;
}

guint
gs_test_home_get_n_connections(GsTestHome *self)
{
	return self->n_connections;
}

void
gs_test_home_reset_counts(GsTestHome *self)
{
	g_hash_table_remove_all(self->times);
	self->n_events = 0;
	self->max_outstanding = self->outstanding;
	self->n_auth = 0;
	self->n_neg_open = 0;
	self->n_req = 0;
}

static gboolean
gs_test_home_iterate_cb(gpointer user_data)
{
	*(gboolean *)user_data = TRUE;
	return G_SOURCE_REMOVE;
}

/* one main-context iteration, waiting at most @max_ms */
void
gs_test_home_iterate(guint max_ms)
{
	gboolean fired = FALSE;
	guint id = g_timeout_add(max_ms, gs_test_home_iterate_cb, &fired);

	g_main_context_iteration(NULL, TRUE);
	if (!fired)
		g_source_remove(id);
}

/* runs the default main context for @ms */
void
gs_test_home_run(guint ms)
{
	gboolean fired = FALSE;

	g_timeout_add(ms, gs_test_home_iterate_cb, &fired);
	while (!fired)
		g_main_context_iteration(NULL, TRUE);
}
