/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-websocket.h"

G_BEGIN_DECLS

/*
 * The client's opening handshake (RFC 6455 section 4.1) without libsoup's websocket: a
 * GSocketClient connection (TLS for wss://, with the host as the server identity; the
 * default proxy resolver as GSocketClient applies it), one HTTP/1.1 GET with
 * `Upgrade: websocket`, and the answer's head read up to GS_WEBSOCKET_CLIENT_MAX_HEAD bytes.
 * It must be `101` with `Upgrade: websocket`, `Connection: upgrade` (both case-insensitive)
 * and `Sec-WebSocket-Accept` equal to base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-
 * C5AB0DC85B11")) for the random 16-byte key we sent. permessage-deflate (RFC 7692) is offered
 * with `client_max_window_bits`; the answer may take it (with `server_no_context_takeover`,
 * `client_no_context_takeover`, `server_max_window_bits` or `client_max_window_bits`, windows
 * of 8 to 15 bits), and the server's compressed
 * messages are then inflated (gs-websocket-deflate.c; ours go uncompressed). Any other
 * extension or parameter, or a subprotocol, is refused. Bytes that arrive after the head in
 * the same read are the first websocket frames and go to the GsWebsocket.
 *
 * Errors: an answer other than 101, `SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET` (the message names
 * the status); a head that does not parse, `SOUP_SESSION_ERROR_PARSING`; a head over the
 * bound, a wrong or missing accept key or upgrade header, an unasked extension or parameter,
 * `SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE`; the server closing before the head ends,
 * `G_IO_ERROR_CONNECTION_CLOSED`; otherwise GIO's and GTLS's errors as they come (a
 * cancelled attempt: `G_IO_ERROR_CANCELLED`).
 */

#define GS_WEBSOCKET_CLIENT_MAX_HEAD (16 * 1024)

void
gs_websocket_client_connect_async(const gchar *url,
				  const gchar *user_agent,
				  GCancellable *cancellable,
				  GAsyncReadyCallback callback,
				  gpointer user_data);
GsWebsocket *
gs_websocket_client_connect_finish(GAsyncResult *res, GError **error);

gchar *
gs_websocket_client_accept_key(const gchar *key);

G_END_DECLS
