/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-filter.h"
#include "gs-http-server.h"
#include "gs-test-relay.h"
#include "gs-test-utils.h"

#define GS_TEST_RELAY_N_TYPES (GS_MESSAGE_NEG_ERR + 1)

struct _GsTestRelay {
	GObject parent_instance;
	GsStore *store;
	GsPolicy *policy;
	GsRejectedIndex *rejected;
	GsIngest *ingest;
	GsRelayServer *server;
	GsHttpServer *http;
	gchar *url;
	gchar *http_url;
	GsTestRelayKnobs knobs;
	gchar *closed_text;
	guint received[GS_TEST_RELAY_N_TYPES];
	guint refusals;	  /* CLOSED and NEG-ERR sent */
	GPtrArray *log;	  /* gchar*: every client text message, in order */
	GHashTable *sent; /* client id -> EVENTs sent (GUINT_TO_POINTER) */
};

G_DEFINE_FINAL_TYPE(GsTestRelay, gs_test_relay, G_TYPE_OBJECT)

static const gchar *const gs_test_relay_garbage[] = {
	"this is not json",
	"{\"not\":\"an array\"}",
	"[\"EVENT\"]",
	"[\"EOSE\",42]",
	"[\"NOTICE\"]",
	"[\"NO-SUCH-VERB\",\"x\"]",
	"[]",
};

static void
gs_test_relay_send_garbage(GsRelayClient *client, const gchar *sub_id)
{
	g_autoptr(GsEvent) ev = gs_test_event_new(424242, 1000, 1, NULL, "forged");
	g_autofree gchar *json = g_strdup(gs_event_get_json(ev));
	g_autofree gchar *forged = NULL;
	gchar *id = strstr(json, "\"id\":\"");

	for (guint i = 0; i < G_N_ELEMENTS(gs_test_relay_garbage); i++)
		gs_relay_client_send_text(client, gs_test_relay_garbage[i]);
	if (sub_id == NULL || id == NULL)
		return;
	/* flip a digit of the id: both the id and the signature are now wrong */
	id[6] = id[6] == '0' ? '1' : '0';
	forged = g_strdup_printf("[\"EVENT\",\"%s\",%s]", sub_id, json);
	gs_relay_client_send_text(client, forged);
}

/* a copy of each event @msg's filters match, its content changed but not its id */
static void
gs_test_relay_send_forged(GsTestRelay *self, GsRelayClient *client, GsMessage *msg)
{
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	g_autoptr(GPtrArray) events = NULL;

	for (guint i = 0; i < msg->filters->len; i++) {
		GsFilter *filter =
			gs_filter_new_from_node(g_ptr_array_index(msg->filters, i), NULL);
		if (filter != NULL)
			g_ptr_array_add(filters, filter);
	}
	events = gs_store_query(self->store, filters, 0, NULL);
	for (guint i = 0; events != NULL && i < events->len; i++) {
		const gchar *json = gs_event_get_json(g_ptr_array_index(events, i));
		const gchar *content = strstr(json, "\"content\":\"");
		g_autofree gchar *text = NULL;
		if (content == NULL)
			continue;
		content += strlen("\"content\":\"");
		text = g_strdup_printf("[\"EVENT\",\"%s\",%.*sforged %s]",
				       msg->sub_id,
				       (gint)(content - json),
				       json,
				       content);
		gs_relay_client_send_text(client, text);
	}
}

/* REQ results capped at req_cap: the filters' limits are lowered and the REQ handled again */
static void
gs_test_relay_cap_req(GsTestRelay *self, GsRelayClient *client, GsMessage *msg)
{
	g_autoptr(GPtrArray) nodes =
		g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
	g_autofree gchar *text = NULL;

	for (guint i = 0; i < msg->filters->len; i++) {
		JsonNode *node = json_node_copy(g_ptr_array_index(msg->filters, i));
		JsonObject *obj = json_node_get_object(node);
		gint64 limit = json_object_has_member(obj, "limit")
				       ? json_object_get_int_member(obj, "limit")
				       : G_MAXINT64;
		json_object_set_int_member(obj, "limit", MIN(limit, (gint64)self->knobs.req_cap));
		g_ptr_array_add(nodes, node);
	}
	text = gs_message_build_req(msg->sub_id, nodes);
	gs_relay_client_handle_text(client, text, strlen(text));
}

static gboolean
gs_test_relay_has_ids_filter(GsMessage *msg)
{
	for (guint i = 0; i < msg->filters->len; i++) {
		JsonObject *obj = json_node_get_object(g_ptr_array_index(msg->filters, i));
		if (json_object_has_member(obj, "ids"))
			return TRUE;
	}
	return FALSE;
}

/* a filter of only since, until and limit */
static gboolean
gs_test_relay_has_broad_filter(GsMessage *msg)
{
	for (guint i = 0; i < msg->filters->len; i++) {
		JsonObject *obj = json_node_get_object(g_ptr_array_index(msg->filters, i));
		g_autoptr(GList) members = json_object_get_members(obj);
		gboolean narrow = FALSE;

		for (GList *l = members; l != NULL; l = l->next)
			narrow |= g_strcmp0(l->data, "since") != 0 &&
				  g_strcmp0(l->data, "until") != 0 &&
				  g_strcmp0(l->data, "limit") != 0;
		if (!narrow)
			return TRUE;
	}
	return FALSE;
}

/* returns FALSE when the test relay answered (or ignored) the REQ itself */
static gboolean
gs_test_relay_tap_req(GsTestRelay *self, GsRelayClient *client, GsMessage *msg)
{
	GsTestRelayFlags flags = self->knobs.flags;
	g_autofree gchar *answer = NULL;

	if (flags & GS_TEST_RELAY_REFUSE_REQ)
		answer = gs_message_build_closed(msg->sub_id, self->closed_text);
	else if (flags & GS_TEST_RELAY_NOTICE_RATE_LIMITED)
		answer = gs_message_build_notice("rate-limited: slow down");
	else if ((flags & GS_TEST_RELAY_IDS_NOT_SERVED) && gs_test_relay_has_ids_filter(msg))
		answer = gs_message_build_eose(msg->sub_id);
	else if ((flags & GS_TEST_RELAY_REFUSE_BROAD_REQ) && gs_test_relay_has_broad_filter(msg))
		answer = gs_message_build_closed(msg->sub_id, "blocked: filter too broad");
	if (answer != NULL) {
		gs_relay_client_send_text(client, answer);
		return FALSE;
	}
	if (flags & GS_TEST_RELAY_FORGE_COPIES)
		gs_test_relay_send_forged(self, client, msg);
	if (self->knobs.req_cap > 0) {
		gs_test_relay_cap_req(self, client, msg);
		return FALSE;
	}
	return TRUE;
}

static gboolean
gs_test_relay_tap_neg(GsTestRelay *self, GsRelayClient *client, GsMessage *msg)
{
	if (self->knobs.flags & GS_TEST_RELAY_NO_NIP77) {
		g_autofree gchar *notice = gs_message_build_notice("unknown envelope");
		gs_relay_client_send_text(client, notice);
		return FALSE;
	}
	if ((self->knobs.flags & GS_TEST_RELAY_NEG_SILENT) && msg->type == GS_MESSAGE_NEG_OPEN)
		return FALSE;
	return TRUE;
}

static gboolean
gs_test_relay_tap_in(GsRelayClient *client, const gchar *text, gsize len, gpointer user_data)
{
	GsTestRelay *self = GS_TEST_RELAY(user_data);
	g_autoptr(GsMessage) msg = NULL;

	g_ptr_array_add(self->log, g_strndup(text, len));
	msg = gs_message_parse(text, len, GS_MESSAGE_FROM_CLIENT, NULL);
	if (msg == NULL)
		return TRUE;
	self->received[msg->type]++;
	if ((self->knobs.flags & GS_TEST_RELAY_SEND_GARBAGE) &&
	    (msg->type == GS_MESSAGE_REQ || msg->type == GS_MESSAGE_NEG_OPEN))
		gs_test_relay_send_garbage(client,
					   msg->type == GS_MESSAGE_REQ ? msg->sub_id : NULL);
	switch (msg->type) {
	case GS_MESSAGE_REQ:
		return gs_test_relay_tap_req(self, client, msg);
	case GS_MESSAGE_NEG_OPEN:
	case GS_MESSAGE_NEG_MSG:
	case GS_MESSAGE_NEG_CLOSE:
		return gs_test_relay_tap_neg(self, client, msg);
	default:
		return TRUE;
	}
}

static gboolean
gs_test_relay_tap_out(GsRelayClient *client, const gchar *text, gsize len, gpointer user_data)
{
	GsTestRelay *self = GS_TEST_RELAY(user_data);
	gpointer key = GSIZE_TO_POINTER(gs_relay_client_get_id(client));
	guint sent;

	if (g_str_has_prefix(text, "[\"CLOSED\"") || g_str_has_prefix(text, "[\"NEG-ERR\""))
		self->refusals++;
	if ((self->knobs.flags & GS_TEST_RELAY_NO_EOSE) && g_str_has_prefix(text, "[\"EOSE\""))
		return FALSE;
	if (self->knobs.drop_after_events == 0 || !g_str_has_prefix(text, "[\"EVENT\""))
		return TRUE;
	sent = GPOINTER_TO_UINT(g_hash_table_lookup(self->sent, key)) + 1;
	g_hash_table_insert(self->sent, key, GUINT_TO_POINTER(sent));
	if (sent <= self->knobs.drop_after_events)
		return TRUE;
	gs_relay_client_abort(client);
	return FALSE;
}

/**
 * gs_test_relay_set_knobs:
 * @knobs: (nullable): new knobs (copied), %NULL for a well-behaved relay
 *
 * Changes how the relay behaves from the next message on.
 */
void
gs_test_relay_set_knobs(GsTestRelay *self, const GsTestRelayKnobs *knobs)
{
	GsTestRelayKnobs none = {0};

	self->knobs = knobs != NULL ? *knobs : none;
	g_free(self->closed_text);
	self->closed_text = g_strdup(self->knobs.closed_text != NULL ? self->knobs.closed_text
								     : "blocked: refused by test");
	self->knobs.closed_text = self->closed_text;
}

/* ws://127.0.0.1:PORT/ */
const gchar *
gs_test_relay_get_url(GsTestRelay *self)
{
	return self->url;
}

/* http://127.0.0.1:PORT */
const gchar *
gs_test_relay_get_http_url(GsTestRelay *self)
{
	return self->http_url;
}

GsStore *
gs_test_relay_get_store(GsTestRelay *self)
{
	return self->store;
}

GsRelayServer *
gs_test_relay_get_server(GsTestRelay *self)
{
	return self->server;
}

/* what client EVENTs go through; its policy is in archive mode "all" */
GsIngest *
gs_test_relay_get_ingest(GsTestRelay *self)
{
	return self->ingest;
}

GsPolicy *
gs_test_relay_get_policy(GsTestRelay *self)
{
	return self->policy;
}

/* stores @event (it must be valid); live subscriptions see it */
void
gs_test_relay_add_event(GsTestRelay *self, GsEvent *event)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(gs_store_insert(self->store, event, NULL, &error));
	g_assert_no_error(error);
}

void
gs_test_relay_add_events(GsTestRelay *self, GPtrArray *events)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(gs_store_insert_batch(self->store, events, NULL, &error));
	g_assert_no_error(error);
}

/* how many well-formed client messages of @type arrived (whatever the knobs did with them) */
guint
gs_test_relay_get_received(GsTestRelay *self, GsMessageType type)
{
	g_return_val_if_fail((guint)type < GS_TEST_RELAY_N_TYPES, 0);
	return self->received[type];
}

/* returns: the CLOSED and NEG-ERR messages the relay sent (refused or ended subscriptions) */
guint
gs_test_relay_get_refusals(GsTestRelay *self)
{
	return self->refusals;
}

/* returns: (transfer none) (element-type utf8): every client text message, in order */
GPtrArray *
gs_test_relay_get_log(GsTestRelay *self)
{
	return self->log;
}

void
gs_test_relay_reset_counters(GsTestRelay *self)
{
	memset(self->received, 0, sizeof(self->received));
	self->refusals = 0;
	g_ptr_array_set_size(self->log, 0);
	g_hash_table_remove_all(self->sent);
}

guint
gs_test_relay_get_connection_count(GsTestRelay *self)
{
	return gs_relay_server_get_connection_count(self->server);
}

/* drops every connection without a close handshake, like a network failure */
void
gs_test_relay_drop_connections(GsTestRelay *self)
{
	g_autoptr(GList) clients = gs_relay_server_get_clients(self->server);
	for (GList *l = clients; l != NULL; l = l->next)
		gs_relay_client_abort(l->data);
}

static void
gs_test_relay_dispose(GObject *object)
{
	GsTestRelay *self = GS_TEST_RELAY(object);

	g_clear_object(&self->http);
	g_clear_object(&self->server);
	g_clear_object(&self->ingest);
	g_clear_object(&self->rejected);
	g_clear_object(&self->policy);
	g_clear_object(&self->store);
	G_OBJECT_CLASS(gs_test_relay_parent_class)->dispose(object);
}

static void
gs_test_relay_finalize(GObject *object)
{
	GsTestRelay *self = GS_TEST_RELAY(object);

	g_free(self->url);
	g_free(self->http_url);
	g_free(self->closed_text);
	g_ptr_array_unref(self->log);
	g_hash_table_unref(self->sent);
	G_OBJECT_CLASS(gs_test_relay_parent_class)->finalize(object);
}

static void
gs_test_relay_class_init(GsTestRelayClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = gs_test_relay_dispose;
	object_class->finalize = gs_test_relay_finalize;
}

static void
gs_test_relay_init(GsTestRelay *self)
{
	self->log = g_ptr_array_new_with_free_func(g_free);
	self->sent = g_hash_table_new(g_direct_hash, g_direct_equal);
}

/**
 * gs_test_relay_new_full:
 * @knobs: (nullable): how to misbehave; %NULL for a well-behaved relay
 * @limits: (nullable): the endpoint's limits; %NULL for the defaults without the EVENT rate
 *   limit
 *
 * Starts an in-process relay endpoint on 127.0.0.1 (a free port) over an empty in-memory
 * store. It serves while the default main context runs. Client EVENTs go through a GsIngest
 * whose policy accepts every valid announcement and the events that refer to one;
 * gs_test_relay_add_event() stores directly, whatever the policy says.
 */
GsTestRelay *
gs_test_relay_new_full(const GsTestRelayKnobs *knobs, const GsRelayLimits *limits)
{
	GsTestRelay *self = g_object_new(GS_TYPE_TEST_RELAY, NULL);
	g_autoptr(GError) error = NULL;
	GsRelayLimits defaults;

	gs_relay_limits_init(&defaults);
	defaults.events_per_minute = 0;
	self->store = gs_store_new(":memory:", &error);
	g_assert_no_error(error);
	/* client EVENTs: every valid announcement and what refers to one (GRASP-05 archive) */
	self->policy = gs_policy_new(self->store);
	gs_policy_set_archive_mode(self->policy, GS_ARCHIVE_MODE_ALL);
	self->rejected = gs_rejected_index_new(120, 3600);
	self->ingest = gs_ingest_new(self->store, self->policy, self->rejected);
	self->server =
		gs_relay_server_new(self->store, self->ingest, limits != NULL ? limits : &defaults);
	gs_relay_server_set_info(self->server, "test relay", NULL, NULL, NULL);
	gs_relay_server_set_taps(self->server, gs_test_relay_tap_in, gs_test_relay_tap_out, self);
	self->http = gs_http_server_new();
	gs_relay_server_attach(self->server, self->http);
	g_assert_true(gs_http_server_listen(self->http, "127.0.0.1:0", &error));
	g_assert_no_error(error);
	self->http_url = gs_http_server_dup_uri(self->http);
	self->url = g_strdup_printf("ws://127.0.0.1:%u/", gs_http_server_get_port(self->http));
	gs_test_relay_set_knobs(self, knobs);
	return self;
}

GsTestRelay *
gs_test_relay_new(const GsTestRelayKnobs *knobs)
{
	return gs_test_relay_new_full(knobs, NULL);
}
