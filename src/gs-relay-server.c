/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelay"

#include "config.h"

#include "gs-negentropy.h"
#include "gs-relay-server-private.h"

/* websocket close code for "try again later" (RFC 6455 registry) */
#define GS_RELAY_CLOSE_TRY_AGAIN_LATER 1013

struct _GsRelayServer {
	GObject parent_instance;
	GsStore *store;
	GsIngest *ingest; /* nullable */
	GsRelayLimits limits;
	gchar *name;
	gchar *description;
	gchar *pubkey;
	gchar *contact;
	GHashTable *clients; /* guint64 id -> GsRelayClient (owned) */
	guint64 next_id;
	GsHttpServer *http; /* weak pointer */
	GsRelayTapFunc tap_in;
	GsRelayTapFunc tap_out;
	gpointer tap_data;
};

G_DEFINE_FINAL_TYPE(GsRelayServer, gs_relay_server, G_TYPE_OBJECT)

/**
 * gs_relay_limits_init:
 *
 * Fills @limits with the defaults of the `[relay]` configuration group.
 */
void
gs_relay_limits_init(GsRelayLimits *limits)
{
	limits->accept_events = TRUE;
	limits->default_limit = 500;
	limits->max_limit = 5000;
	limits->max_message_bytes = 512 * 1024;
	limits->max_subscriptions = 50;
	limits->max_filters = 10;
	limits->max_subid_length = 64;
	limits->max_connections = 1024;
	limits->events_per_minute = 120;
	limits->max_sync_events = 1000000;
	limits->negentropy_frame_limit = 60000;
	limits->max_pending_bytes = 4 * 1024 * 1024;
	limits->max_checking_bytes = 8 * 1024 * 1024;
	limits->max_checking_bytes_total = 64 * 1024 * 1024;
	limits->write_timeout_seconds = 60;
}

GsStore *
gs_relay_server_get_store(GsRelayServer *self)
{
	return self->store;
}

/* returns: (transfer none) (nullable): the ingest client EVENTs go through */
GsIngest *
gs_relay_server_get_ingest(GsRelayServer *self)
{
	return self->ingest;
}

const GsRelayLimits *
gs_relay_server_get_limits(GsRelayServer *self)
{
	return &self->limits;
}

/**
 * gs_relay_server_set_info:
 * @name: (nullable): NIP-11 `name`
 * @description: (nullable): NIP-11 `description`
 * @pubkey: (nullable): NIP-11 `pubkey` of the operator (64 hex digits)
 * @contact: (nullable): NIP-11 `contact`
 */
void
gs_relay_server_set_info(GsRelayServer *self,
			 const gchar *name,
			 const gchar *description,
			 const gchar *pubkey,
			 const gchar *contact)
{
	g_free(self->name);
	g_free(self->description);
	g_free(self->pubkey);
	g_free(self->contact);
	self->name = g_strdup(name);
	self->description = g_strdup(description);
	self->pubkey = g_strdup(pubkey);
	self->contact = g_strdup(contact);
}

static void
gs_relay_server_add_string(JsonBuilder *b, const gchar *member, const gchar *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	json_builder_set_member_name(b, member);
	json_builder_add_string_value(b, value);
}

static void
gs_relay_server_add_int(JsonBuilder *b, const gchar *member, gint64 value)
{
	json_builder_set_member_name(b, member);
	json_builder_add_int_value(b, value);
}

static void
gs_relay_server_add_bool(JsonBuilder *b, const gchar *member, gboolean value)
{
	json_builder_set_member_name(b, member);
	json_builder_add_boolean_value(b, value);
}

static void
gs_relay_server_add_limitation(GsRelayServer *self, JsonBuilder *b)
{
	const GsRelayLimits *l = &self->limits;

	json_builder_set_member_name(b, "limitation");
	json_builder_begin_object(b);
	gs_relay_server_add_int(b, "max_message_length", l->max_message_bytes);
	gs_relay_server_add_int(b, "max_subscriptions", l->max_subscriptions);
	gs_relay_server_add_int(b, "max_filters", l->max_filters);
	gs_relay_server_add_int(b, "max_limit", l->max_limit);
	gs_relay_server_add_int(b, "default_limit", l->default_limit);
	gs_relay_server_add_int(b, "max_subid_length", l->max_subid_length);
	gs_relay_server_add_bool(b, "auth_required", FALSE);
	gs_relay_server_add_bool(b, "payment_required", FALSE);
	/* the acceptance policy decides what is stored, so writes are always restricted */
	gs_relay_server_add_bool(b, "restricted_writes", TRUE);
	json_builder_end_object(b);
}

/**
 * gs_relay_server_dup_nip11_json:
 *
 * Returns: (transfer full): the NIP-11 relay information document
 */
gchar *
gs_relay_server_dup_nip11_json(GsRelayServer *self)
{
	static const gint nips[] = {1, 9, 11, 34, 45, 77};
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	gs_relay_server_add_string(b, "name", self->name != NULL ? self->name : "grasp-syncd");
	gs_relay_server_add_string(b,
				   "description",
				   self->description != NULL
					   ? self->description
					   : "Nostr git (NIP-34) events collected by grasp-syncd");
	gs_relay_server_add_string(b, "pubkey", self->pubkey);
	gs_relay_server_add_string(b, "contact", self->contact);
	gs_relay_server_add_string(b, "software", "grasp-syncd");
	gs_relay_server_add_string(b, "version", PACKAGE_VERSION);
	json_builder_set_member_name(b, "supported_nips");
	json_builder_begin_array(b);
	for (guint i = 0; i < G_N_ELEMENTS(nips); i++)
		json_builder_add_int_value(b, nips[i]);
	json_builder_end_array(b);
	gs_relay_server_add_limitation(self, b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

guint
gs_relay_server_get_connection_count(GsRelayServer *self)
{
	return g_hash_table_size(self->clients);
}

/* returns: (transfer container) (element-type GsRelayClient): the open connections */
GList *
gs_relay_server_get_clients(GsRelayServer *self)
{
	return g_hash_table_get_values(self->clients);
}

/**
 * gs_relay_server_can_accept:
 * @status: (out): the HTTP status to refuse with
 * @reason: (out) (transfer full): the text to refuse with
 *
 * The check before a websocket upgrade: %FALSE at the connection limit (503).
 */
gboolean
gs_relay_server_can_accept(GsRelayServer *self, guint *status, gchar **reason)
{
	if (g_hash_table_size(self->clients) < self->limits.max_connections)
		return TRUE;
	*status = SOUP_STATUS_SERVICE_UNAVAILABLE;
	*reason = g_strdup_printf("too many connections (at most %u)\n",
				  self->limits.max_connections);
	return FALSE;
}

static void
gs_relay_server_client_closed_cb(GsRelayClient *client, gpointer user_data)
{
	GsRelayServer *self = GS_RELAY_SERVER(user_data);
	guint64 id = gs_relay_client_get_id(client);

	g_debug("connection %" G_GUINT64_FORMAT " from %s closed",
		id,
		gs_relay_client_get_peer(client));
	g_hash_table_remove(self->clients, &id);
}

/**
 * gs_relay_server_accept:
 * @conn: an open websocket on `/`
 * @peer: (nullable): the remote address, for logs
 *
 * Serves the relay endpoint on @conn until it closes.
 */
void
gs_relay_server_accept(GsRelayServer *self, GsWebsocket *conn, const gchar *peer)
{
	GsRelayClient *client;
	guint64 *key;

	if (g_hash_table_size(self->clients) >= self->limits.max_connections) {
		gs_websocket_close(conn, GS_RELAY_CLOSE_TRY_AGAIN_LATER, "too many connections");
		return;
	}
	key = g_new(guint64, 1);
	*key = ++self->next_id;
	client = gs_relay_client_new(self, conn, peer != NULL ? peer : "unknown", *key);
	g_signal_connect_object(
		client, "closed", G_CALLBACK(gs_relay_server_client_closed_cb), self, 0);
	g_hash_table_insert(self->clients, key, client);
	g_debug("connection %" G_GUINT64_FORMAT " from %s", *key, peer);
}

/* closes every connection, e.g. on shutdown (1001 "going away") */
void
gs_relay_server_close_all(GsRelayServer *self, gushort code, const gchar *reason)
{
	g_autoptr(GList) clients = g_hash_table_get_values(self->clients);
	for (GList *l = clients; l != NULL; l = l->next)
		gs_relay_client_close(l->data, code, reason);
}

/**
 * gs_relay_server_set_taps:
 * @incoming: (nullable): sees client messages first
 * @outgoing: (nullable): sees relay messages before they are queued
 *
 * See #GsRelayTapFunc. Meant for tests.
 */
void
gs_relay_server_set_taps(GsRelayServer *self,
			 GsRelayTapFunc incoming,
			 GsRelayTapFunc outgoing,
			 gpointer user_data)
{
	self->tap_in = incoming;
	self->tap_out = outgoing;
	self->tap_data = user_data;
}

gboolean
gs_relay_server_run_tap(GsRelayServer *self,
			GsRelayClient *client,
			gboolean outgoing,
			const gchar *text,
			gsize len)
{
	GsRelayTapFunc tap = outgoing ? self->tap_out : self->tap_in;
	if (tap == NULL)
		return TRUE;
	return tap(client, text, len, self->tap_data);
}

static void
gs_relay_server_event_stored_cb(GsStore *store, GsEvent *event, gpointer user_data)
{
	GsRelayServer *self = GS_RELAY_SERVER(user_data);
	g_autoptr(GList) clients = NULL;

	if (g_hash_table_size(self->clients) == 0)
		return;
	/* a connection may close while we send; hold each one until the loop ends */
	clients = g_hash_table_get_values(self->clients);
	g_list_foreach(clients, (GFunc)(void (*)(void))g_object_ref, NULL);
	for (GList *l = clients; l != NULL; l = l->next)
		gs_relay_client_event_stored(l->data, event);
	g_list_foreach(clients, (GFunc)(void (*)(void))g_object_unref, NULL);
}

static gboolean
gs_relay_server_ws_check(gpointer user_data, guint *status, gchar **reason)
{
	return gs_relay_server_can_accept(GS_RELAY_SERVER(user_data), status, reason);
}

static void
gs_relay_server_ws_accept(GsWebsocket *conn, const gchar *peer, gpointer user_data)
{
	gs_relay_server_accept(GS_RELAY_SERVER(user_data), conn, peer);
}

static gchar *
gs_relay_server_nip11(gpointer user_data)
{
	return gs_relay_server_dup_nip11_json(GS_RELAY_SERVER(user_data));
}

/**
 * gs_relay_server_attach:
 * @http: the HTTP server whose `/` this endpoint serves
 *
 * Takes `/`'s websocket upgrades (refused with 503 at the connection limit) and its NIP-11
 * document. Detached again when @self is disposed.
 */
void
gs_relay_server_attach(GsRelayServer *self, GsHttpServer *http)
{
	g_clear_weak_pointer(&self->http);
	g_set_weak_pointer(&self->http, http);
	gs_http_server_set_websocket_func(
		http, gs_relay_server_ws_check, gs_relay_server_ws_accept, self);
	gs_http_server_set_nip11_func(http, gs_relay_server_nip11, self);
}

static void
gs_relay_server_dispose(GObject *object)
{
	GsRelayServer *self = GS_RELAY_SERVER(object);

	if (self->http != NULL) {
		gs_http_server_set_websocket_func(self->http, NULL, NULL, NULL);
		gs_http_server_set_nip11_func(self->http, NULL, NULL);
	}
	g_clear_weak_pointer(&self->http);
	if (self->clients != NULL) {
		gs_relay_server_close_all(self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "shutting down");
		g_hash_table_remove_all(self->clients);
	}
	g_clear_object(&self->ingest);
	g_clear_object(&self->store);
	G_OBJECT_CLASS(gs_relay_server_parent_class)->dispose(object);
}

static void
gs_relay_server_finalize(GObject *object)
{
	GsRelayServer *self = GS_RELAY_SERVER(object);

	g_hash_table_unref(self->clients);
	g_free(self->name);
	g_free(self->description);
	g_free(self->pubkey);
	g_free(self->contact);
	G_OBJECT_CLASS(gs_relay_server_parent_class)->finalize(object);
}

static void
gs_relay_server_class_init(GsRelayServerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = gs_relay_server_dispose;
	object_class->finalize = gs_relay_server_finalize;
}

static void
gs_relay_server_init(GsRelayServer *self)
{
	self->clients = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_object_unref);
}

/**
 * gs_relay_server_new:
 * @store: the store served (and watched for `event-stored`)
 * @ingest: (nullable): where client EVENTs go; %NULL refuses them like `accept-events=false`
 * @limits: (nullable): the limits, copied; %NULL for the defaults
 */
GsRelayServer *
gs_relay_server_new(GsStore *store, GsIngest *ingest, const GsRelayLimits *limits)
{
	GsRelayServer *self = g_object_new(GS_TYPE_RELAY_SERVER, NULL);

	self->store = g_object_ref(store);
	if (ingest != NULL)
		self->ingest = g_object_ref(ingest);
	if (limits != NULL)
		self->limits = *limits;
	else
		gs_relay_limits_init(&self->limits);
	/* negentropy refuses frame limits below its minimum; 0 means none */
	if (self->limits.negentropy_frame_limit > 0 &&
	    self->limits.negentropy_frame_limit < GS_NEGENTROPY_FRAME_SIZE_LIMIT_MIN)
		self->limits.negentropy_frame_limit = GS_NEGENTROPY_FRAME_SIZE_LIMIT_MIN;
	g_signal_connect_object(
		store, "event-stored", G_CALLBACK(gs_relay_server_event_stored_cb), self, 0);
	return self;
}
