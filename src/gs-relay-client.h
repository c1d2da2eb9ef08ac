/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "gs-event.h"
#include "gs-websocket.h"

G_BEGIN_DECLS

typedef struct _GsRelayServer GsRelayServer;

#define GS_TYPE_RELAY_CLIENT (gs_relay_client_get_type())
G_DECLARE_FINAL_TYPE(GsRelayClient, gs_relay_client, GS, RELAY_CLIENT, GObject)

/**
 * GsRelayClient:
 *
 * One websocket connection to the relay endpoint: its REQ subscriptions (replayed in slices
 * while the connection drains, then live), its NEG sessions, its EVENT rate window and the
 * bytes queued towards it. Created by #GsRelayServer, which holds it until the connection
 * closes.
 *
 * Signals:
 * - `closed`: the websocket closed; the client sends nothing more and has dropped its state.
 */

GsRelayClient *
gs_relay_client_new(GsRelayServer *server, GsWebsocket *conn, const gchar *peer, guint64 id);
guint64
gs_relay_client_get_id(GsRelayClient *self);
const gchar *
gs_relay_client_get_peer(GsRelayClient *self);
gboolean
gs_relay_client_is_open(GsRelayClient *self);
guint
gs_relay_client_get_subscription_count(GsRelayClient *self);
guint64
gs_relay_client_get_pending_bytes(GsRelayClient *self);
gboolean
gs_relay_client_send_text(GsRelayClient *self, const gchar *text);
void
gs_relay_client_handle_text(GsRelayClient *self, const gchar *text, gsize len);
void
gs_relay_client_close(GsRelayClient *self, gushort code, const gchar *reason);
void
gs_relay_client_abort(GsRelayClient *self);
void
gs_relay_client_event_stored(GsRelayClient *self, GsEvent *event);

G_END_DECLS
