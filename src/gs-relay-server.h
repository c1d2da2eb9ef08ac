/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "gs-http-server.h"
#include "gs-relay-client.h"
#include "gs-store.h"

G_BEGIN_DECLS

#include "gs-ingest.h"

/* the ingest source of client EVENTs (its counters are the endpoint's) */
#define GS_RELAY_SERVER_INGEST_SOURCE "relay-endpoint"

/**
 * GsRelayLimits:
 * @accept_events: take EVENTs from clients (through the ingest); when %FALSE they are answered
 *   `OK false "blocked: ..."`
 * @default_limit: the limit of a REQ filter that has none
 * @max_limit: the most events one REQ filter returns (larger limits are clamped)
 * @max_message_bytes: the largest message a client may send; larger ones close the connection
 *   with websocket code 1009
 * @max_subscriptions: open REQ subscriptions per connection (NEG sessions count separately,
 *   against the same number)
 * @max_filters: filters in one REQ or COUNT
 * @max_subid_length: characters in a subscription id
 * @max_connections: concurrent websocket connections; more are refused with HTTP 503
 * @events_per_minute: EVENTs one connection may send per minute (a token bucket of that
 *   size, refilled continuously); 0 for no limit
 * @max_sync_events: the most events one NEG-OPEN filter may match, and the most items all the
 *   NEG sessions of one connection may hold together
 * @negentropy_frame_limit: the negentropy frame size limit of our NEG-MSG answers, in bytes
 *   of binary message (the hex text is twice as long); 0 for none; smaller values than 4096
 *   (the protocol's minimum) count as 4096
 * @max_pending_bytes: the most bytes queued towards one client (in libsoup and the kernel,
 *   not yet acknowledged by the peer); a connection above it is closed as a slow reader
 * @write_timeout_seconds: a connection that has data queued but acknowledges nothing for this
 *   long is closed as a slow reader
 * @max_checking_bytes: the most bytes of EVENTs (their JSON) one connection may have waiting
 *   to be checked by the ingest; more are answered `rate-limited:`. One event is always taken
 *   when none of the connection's waits, so an event up to @max_message_bytes still passes
 * @max_checking_bytes_total: the most bytes of event JSON the ingest may have waiting to be
 *   checked (from every source: all connections, and the relays sync fetches from) for a
 *   connection to send it more; past it an EVENT is answered `rate-limited:`, but for one
 *   event when none of the connection's waits. It bounds what @max_checking_bytes allows
 *   all @max_connections together
 *
 * The relay endpoint's limits. The daemon maps `[relay]` configuration keys to it;
 * gs_relay_limits_init() gives the defaults.
 */
typedef struct {
	gboolean accept_events;
	guint default_limit;
	guint max_limit;
	guint max_message_bytes;
	guint max_subscriptions;
	guint max_filters;
	guint max_subid_length;
	guint max_connections;
	guint events_per_minute;
	guint max_sync_events;
	guint negentropy_frame_limit;
	guint max_pending_bytes;
	guint write_timeout_seconds;
	guint max_checking_bytes;
	guint max_checking_bytes_total;
} GsRelayLimits;

void
gs_relay_limits_init(GsRelayLimits *limits);

/**
 * GsRelayTapFunc:
 * @client: the connection
 * @text: a whole text message (not NUL-terminated when it came from the client)
 * @len: its length in bytes
 *
 * Sees every text message a client sends (before the relay handles it) or that the relay sends
 * to a client (before it is queued). Returning %FALSE swallows the message. Used by the test
 * fixture to make the endpoint misbehave; a tap may send and close through @client.
 */
typedef gboolean (*GsRelayTapFunc)(GsRelayClient *client,
				   const gchar *text,
				   gsize len,
				   gpointer user_data);

#define GS_TYPE_RELAY_SERVER (gs_relay_server_get_type())
G_DECLARE_FINAL_TYPE(GsRelayServer, gs_relay_server, GS, RELAY_SERVER, GObject)

GsRelayServer *
gs_relay_server_new(GsStore *store, GsIngest *ingest, const GsRelayLimits *limits);
void
gs_relay_server_set_info(GsRelayServer *self,
			 const gchar *name,
			 const gchar *description,
			 const gchar *pubkey,
			 const gchar *contact);
void
gs_relay_server_attach(GsRelayServer *self, GsHttpServer *http);
gboolean
gs_relay_server_can_accept(GsRelayServer *self, guint *status, gchar **reason);
void
gs_relay_server_accept(GsRelayServer *self, GsWebsocket *conn, const gchar *peer);
gchar *
gs_relay_server_dup_nip11_json(GsRelayServer *self);
guint
gs_relay_server_get_connection_count(GsRelayServer *self);
GList *
gs_relay_server_get_clients(GsRelayServer *self);
void
gs_relay_server_close_all(GsRelayServer *self, gushort code, const gchar *reason);
void
gs_relay_server_set_taps(GsRelayServer *self,
			 GsRelayTapFunc incoming,
			 GsRelayTapFunc outgoing,
			 gpointer user_data);

GsStore *
gs_relay_server_get_store(GsRelayServer *self);
GsIngest *
gs_relay_server_get_ingest(GsRelayServer *self);
const GsRelayLimits *
gs_relay_server_get_limits(GsRelayServer *self);

G_END_DECLS
