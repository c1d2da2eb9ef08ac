/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-message.h"
#include "gs-relay-connection.h"
#include "gs-websocket.h"

G_BEGIN_DECLS

/*
 * Internal to GsRelayConnection: gs-relay-connection.c keeps the connection (connect, open,
 * watchdog, teardown, status, the message loop); gs-relay-connection-requests.c keeps what a
 * client asks of an open connection and the relay's answers to it (REQ subscriptions,
 * publishing and OK, NIP-42 AUTH, NIP-77 sessions).
 */

struct _GsRelayConnection {
	GObject parent_instance;
	gchar *url;
	GsConnectionStatus status;
	GsRelayConnectionOptions opts;
	guint8 seckey[32];
	gboolean has_seckey;
	SoupSession *session; /* the NIP-11 document only: the websocket is ours (gs-websocket) */
	gchar *user_agent;
	GsWebsocket *ws;
	GSocket *socket; /* under ws (TLS or not), for TCP_CORK; NULL when not known */
	gboolean corked;
	GCancellable *connect_cancellable;
	guint connect_timeout_id;
	gboolean connect_timed_out;
	guint watchdog_id;
	gint64 last_activity; /* monotonic, us */
	gchar *close_reason;
	GHashTable *subs;	  /* id -> GsRelaySub */
	GHashTable *negs;	  /* id -> GsRelayNeg */
	GHashTable *pending_ok;	  /* event id -> GsRelayOk */
	GHashTable *auth_waiting; /* AUTH event id -> GPtrArray of sub ids to re-send */
	gchar *auth_challenge;
	guint64 next_sub;
	guint64 protocol_errors;
	guint protocol_errors_this_connection;
	gint64 last_connected;	/* wall clock, s; 0 = never */
	gint64 disconnected_at; /* wall clock, s; 0 = never */
	gint64 last_notice_log; /* monotonic, us */
	guint64 bytes_sent;	/* websocket payload bytes, over the object's life */
	guint64 bytes_received;
	/* NIP-11 (gs-relay-connection-info.c) */
	SoupMessage *info_msg;
	GCancellable *info_cancellable;
	guint info_timeout_id;
	guint info_max_subscriptions; /* 0 unknown */
	guint info_max_filters;	      /* 0 unknown */
};

void
gs_relay_connection_log(GsRelayConnection *self, GLogLevelFlags level, const gchar *message);
void
gs_relay_connection_send_text(GsRelayConnection *self, const gchar *text);

/* gs-relay-connection-requests.c */
void
gs_relay_connection_start_websocket(GsRelayConnection *self);
void
gs_relay_connection_connect_failed(GsRelayConnection *self, GError *error);
void
gs_relay_connection_fetch_info(GsRelayConnection *self);
void
gs_relay_connection_cancel_info(GsRelayConnection *self);
void
gs_relay_connection_parse_info(const gchar *data,
			       gsize len,
			       guint *max_subscriptions,
			       guint *max_filters);
guint
gs_relay_connection_get_budget(GsRelayConnection *self);

void
gs_relay_connection_requests_init(GsRelayConnection *self);
void
gs_relay_connection_requests_clear(GsRelayConnection *self);
void
gs_relay_connection_abort_all(GsRelayConnection *self, const gchar *reason);
void
gs_relay_connection_dispatch_event(GsRelayConnection *self,
				   const gchar *sub_id,
				   const gchar *json,
				   gsize len);
void
gs_relay_connection_handle_eose(GsRelayConnection *self, const gchar *sub_id);
void
gs_relay_connection_handle_closed(GsRelayConnection *self, GsMessage *msg);
void
gs_relay_connection_handle_ok(GsRelayConnection *self,
			      const gchar *event_id,
			      gboolean accepted,
			      const gchar *text);
void
gs_relay_connection_handle_neg(GsRelayConnection *self, GsMessage *msg);
void
gs_relay_connection_notice_negs(GsRelayConnection *self, const gchar *text);

G_END_DECLS
