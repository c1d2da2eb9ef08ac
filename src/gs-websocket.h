/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/*
 * GsWebsocket: the server side of one websocket (RFC 6455) over the stream of an upgraded
 * HTTP connection, for the relay endpoint. It replaces libsoup's SoupWebsocketConnection
 * there because the endpoint receives one frame per Nostr message and answers each EVENT
 * with an OK: libsoup reads 1 KiB per system call, unmasks and checks every byte one at a
 * time, formats a debug message for every frame it reads or writes (GLib 2.74 formats them
 * even when debug output is off), marshals every message through libffi and writes every
 * frame with a system call of its own. This class reads up to 64 KiB a call, unmasks and
 * checks ASCII eight bytes at a time, hands messages on through a plain function pointer and
 * writes what one main-loop round queued with one call.
 *
 * The same class is the client side of GsRelayConnection's outgoing connections
 * (gs_websocket_new_client(), after the handshake of gs-websocket-client.h), for the same
 * reasons: there its frames are masked, with a fresh key per frame from a per-connection
 * generator (masked eight bytes at a time), and the server's frames must not be (1002
 * otherwise); gs_websocket_set_keepalive_interval() pings, and pongs reach the `pong` handler.
 * When the handshake agreed permessage-deflate, the server's compressed messages (RSV1 on
 * their first frame) are inflated, within the size limit (1009 beyond it, 1007 for data that
 * does not inflate).
 *
 * What it keeps from the protocol: client frames must be masked (1002 otherwise), RSV bits
 * must be clear (the server side negotiates no extension), control frames are at most 125 bytes and
 * not fragmented, fragmented messages are joined, text messages must be UTF-8 (1007), a
 * message over the size limit is refused from its header (an error `TOO_BIG`, then 1009), a
 * ping is answered with a pong, and a close frame is answered with one carrying its code;
 * the stream is closed when both sides have sent theirs, or when the peer drops.
 */

#define GS_TYPE_WEBSOCKET (gs_websocket_get_type())
G_DECLARE_FINAL_TYPE(GsWebsocket, gs_websocket, GS, WEBSOCKET, GObject)

/**
 * GsWebsocketHandlers:
 * @message: a whole message: @data (NUL-terminated after @len bytes, valid during the call),
 *   @text %TRUE for a text message, %FALSE for binary
 * @error: a protocol or I/O error; the connection closes after it (the handler may close it
 *   itself first with its own code and reason, as for `SOUP_WEBSOCKET_CLOSE_TOO_BIG`)
 * @closed: the connection is closed; nothing follows
 * @pong: (nullable): a pong arrived (the answer to gs_websocket_send_ping())
 */
typedef struct {
	void (*message)(GsWebsocket *ws,
			const gchar *data,
			gsize len,
			gboolean text,
			gpointer user_data);
	void (*error)(GsWebsocket *ws, const GError *error, gpointer user_data);
	void (*closed)(GsWebsocket *ws, gpointer user_data);
	void (*pong)(GsWebsocket *ws, gpointer user_data);
} GsWebsocketHandlers;

GsWebsocket *
gs_websocket_new_server(GIOStream *stream);
GsWebsocket *
gs_websocket_new_client(GIOStream *stream, const guint8 *head_rest, gsize len);
void
gs_websocket_start(GsWebsocket *self, const GsWebsocketHandlers *handlers, gpointer user_data);
void
gs_websocket_set_max_incoming_payload_size(GsWebsocket *self, guint64 max);
SoupWebsocketState
gs_websocket_get_state(GsWebsocket *self);
GIOStream *
gs_websocket_get_io_stream(GsWebsocket *self);
gushort
gs_websocket_get_close_code(GsWebsocket *self);
void
gs_websocket_send_text(GsWebsocket *self, const gchar *text, gsize len);
void
gs_websocket_send_ping(GsWebsocket *self);
void
gs_websocket_set_keepalive_interval(GsWebsocket *self, guint seconds);
void
gs_websocket_flush(GsWebsocket *self);
void
gs_websocket_close(GsWebsocket *self, gushort code, const gchar *reason);

G_END_DECLS
