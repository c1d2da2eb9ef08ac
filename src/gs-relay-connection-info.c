/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelayConnection"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-json.h"
#include "gs-relay-connection-private.h"

/*
 * The relay's NIP-11 document, read over HTTP before the websocket opens when
 * `fetch_info` is set: its `limitation.max_subscriptions` and `limitation.max_filters` are
 * believed from the first REQ on, instead of being learned from refusals (CLOSED "too many
 * subscriptions (at most 50)") once they have cost a round trip and a re-send each. A relay
 * that has no document, answers something else, or takes longer than the info timeout is
 * simply connected to, as before.
 */

#define GS_RELAY_INFO_TIMEOUT_MS 2000
#define GS_RELAY_INFO_MAX_BYTES (64 * 1024)
#define GS_RELAY_INFO_MAX_LIMIT 1000000

/* `limitation.@name` when it is a positive integer, else 0 */
static guint
gs_relay_connection_info_limit(JsonObject *limitation, const gchar *name)
{
	JsonNode *node = json_object_get_member(limitation, name);
	gint64 value;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_INT64)
		return 0;
	value = json_node_get_int(node);
	return value > 0 && value <= GS_RELAY_INFO_MAX_LIMIT ? (guint)value : 0;
}

/**
 * gs_relay_connection_parse_info:
 * @max_subscriptions: (out): the relay's subscription limit, 0 when it states none
 * @max_filters: (out): its filters per REQ, 0 when it states none
 *
 * Reads the limits of a NIP-11 document. Anything malformed counts as "not stated".
 */
void
gs_relay_connection_parse_info(const gchar *data,
			       gsize len,
			       guint *max_subscriptions,
			       guint *max_filters)
{
	g_autoptr(JsonNode) root = NULL;
	JsonObject *limitation;

	*max_subscriptions = 0;
	*max_filters = 0;
	if (data == NULL || len == 0 || len > GS_RELAY_INFO_MAX_BYTES)
		return;
	root = gs_json_parse(data, len, NULL);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root))
		return;
	limitation = json_object_get_object_member(json_node_get_object(root), "limitation");
	if (limitation == NULL)
		return;
	*max_subscriptions = gs_relay_connection_info_limit(limitation, "max_subscriptions");
	*max_filters = gs_relay_connection_info_limit(limitation, "max_filters");
}

static void
gs_relay_connection_info_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GsRelayConnection) self = GS_RELAY_CONNECTION(user_data);
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GError) error = NULL;

	body = soup_session_send_and_read_finish(SOUP_SESSION(source), res, &error);
	g_clear_handle_id(&self->info_timeout_id, g_source_remove);
	g_clear_object(&self->info_cancellable);
	if (self->connect_cancellable == NULL)
		return; /* disconnected or disposed meanwhile */
	if (g_cancellable_is_cancelled(self->connect_cancellable)) {
		gs_relay_connection_connect_failed(self, NULL);
		return;
	}
	if (body != NULL && self->info_msg != NULL &&
	    SOUP_STATUS_IS_SUCCESSFUL(soup_message_get_status(self->info_msg))) {
		gsize len = 0;
		const gchar *data = g_bytes_get_data(body, &len);
		gs_relay_connection_parse_info(
			data, len, &self->info_max_subscriptions, &self->info_max_filters);
	}
	g_clear_object(&self->info_msg);
	gs_relay_connection_start_websocket(self);
}

static gboolean
gs_relay_connection_info_timeout_cb(gpointer user_data)
{
	GsRelayConnection *self = GS_RELAY_CONNECTION(user_data);

	self->info_timeout_id = 0;
	g_cancellable_cancel(self->info_cancellable);
	return G_SOURCE_REMOVE;
}

/* the http(s) URL of a ws(s) URL, %NULL for other schemes */
static gchar *
gs_relay_connection_info_url(const gchar *url)
{
	if (g_str_has_prefix(url, "ws://"))
		return g_strconcat("http://", url + strlen("ws://"), NULL);
	if (g_str_has_prefix(url, "wss://"))
		return g_strconcat("https://", url + strlen("wss://"), NULL);
	return NULL;
}

/**
 * gs_relay_connection_fetch_info:
 *
 * Part of a connection attempt: asks for the relay's NIP-11 document, then opens the
 * websocket (at once when the URL has no HTTP form).
 */
void
gs_relay_connection_fetch_info(GsRelayConnection *self)
{
	g_autofree gchar *url = gs_relay_connection_info_url(self->url);

	self->info_max_subscriptions = 0;
	self->info_max_filters = 0;
	g_clear_object(&self->info_msg);
	if (url != NULL)
		self->info_msg = soup_message_new(SOUP_METHOD_GET, url);
	if (self->info_msg == NULL) {
		gs_relay_connection_start_websocket(self);
		return;
	}
	soup_message_headers_replace(soup_message_get_request_headers(self->info_msg),
				     "Accept",
				     "application/nostr+json");
	self->info_cancellable = g_cancellable_new();
	self->info_timeout_id = g_timeout_add(
		MIN(GS_RELAY_INFO_TIMEOUT_MS, MAX(self->opts.connect_timeout_ms / 2, 1)),
		gs_relay_connection_info_timeout_cb,
		self);
	soup_session_send_and_read_async(self->session,
					 self->info_msg,
					 G_PRIORITY_DEFAULT,
					 self->info_cancellable,
					 gs_relay_connection_info_cb,
					 g_object_ref(self));
}

/* stops a NIP-11 request in flight (teardown, dispose) */
void
gs_relay_connection_cancel_info(GsRelayConnection *self)
{
	g_clear_handle_id(&self->info_timeout_id, g_source_remove);
	if (self->info_cancellable != NULL)
		g_cancellable_cancel(self->info_cancellable);
}

/**
 * gs_relay_connection_get_relay_limits:
 * @max_subscriptions: (out) (optional): subscriptions the relay's NIP-11 document allows, 0
 *   when unknown
 * @max_filters: (out) (optional): filters per REQ it allows, 0 when unknown
 *
 * What the relay stated before the current (or last) connection opened.
 */
void
gs_relay_connection_get_relay_limits(GsRelayConnection *self,
				     guint *max_subscriptions,
				     guint *max_filters)
{
	g_return_if_fail(GS_IS_RELAY_CONNECTION(self));
	if (max_subscriptions != NULL)
		*max_subscriptions = self->info_max_subscriptions;
	if (max_filters != NULL)
		*max_filters = self->info_max_filters;
}
