/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-message.h"
#include "gs-relay-client.h"
#include "gs-relay-neg.h"
#include "gs-relay-outq.h"
#include "gs-relay-server-private.h"

G_BEGIN_DECLS

/* GsRelayClient is split in two files: gs-relay-client.c (the connection, sending, EVENT,
 * COUNT, NEG) and gs-relay-client-subs.c (REQ subscriptions: replay, EOSE, live events) */

struct _GsRelayClient {
	GObject parent_instance;
	GsRelayServer *server; /* unowned; the server holds us while the connection is open */
	GsWebsocket *conn;
	gchar *peer;
	guint64 id;
	gboolean closing;
	gboolean closed;
	GsRelayOutq *outq;  /* what is queued towards the client */
	guint64 live_bytes; /* held in the live queues of replaying subscriptions */
	/* subscriptions */
	GHashTable *subs;    /* id -> GsRelaySub (a GRcBox reference) */
	GQueue replay_queue; /* GsRelaySub waiting or replaying, oldest first (unowned) */
	guint pump_id;
	guint close_timer_id;
	GsRelayNeg *neg;
	/* EVENT rate: a token bucket of events_per_minute tokens */
	gdouble tokens;
	gint64 tokens_at;
	guint events_in_flight;	     /* EVENTs submitted to the ingest, not yet answered */
	gsize event_bytes_in_flight; /* their JSON, bytes */
};

/* gs-relay-client.c */
gboolean
gs_relay_client_send(GsRelayClient *self, gchar *text);
gboolean
gs_relay_client_send_valid(GsRelayClient *self, const gchar *text, gsize len);
void
gs_relay_client_send_closed(GsRelayClient *self, const gchar *sub_id, const gchar *reason);
gboolean
gs_relay_client_check_pending(GsRelayClient *self);
gboolean
gs_relay_client_check_sub_id(GsRelayClient *self,
			     const gchar *sub_id,
			     const gchar *prefix,
			     gchar **reason);
gboolean
gs_relay_client_check_n_filters(GsRelayClient *self, guint n_filters, gchar **reason);
GPtrArray *
gs_relay_client_parse_filters(GsRelayClient *self, GPtrArray *nodes, gchar **reason);

/* gs-relay-client-subs.c */
void
gs_relay_client_subs_init(GsRelayClient *self);
void
gs_relay_client_subs_clear(GsRelayClient *self);
void
gs_relay_client_subs_free(GsRelayClient *self);
void
gs_relay_client_handle_req(GsRelayClient *self, const gchar *sub_id, GPtrArray *filters);
void
gs_relay_client_handle_req_nodes(GsRelayClient *self, const gchar *sub_id, GPtrArray *nodes);
void
gs_relay_client_drop_sub(GsRelayClient *self, const gchar *sub_id);

G_END_DECLS
