/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-websocket.h"

G_BEGIN_DECLS

/* GsWebsocket's insides, shared by gs-websocket.c (framing, both sides) and
 * gs-websocket-client.c (the client's handshake, constructor and keepalive) */

enum {
	GS_WS_OP_CONTINUATION = 0x0,
	GS_WS_OP_TEXT = 0x1,
	GS_WS_OP_BINARY = 0x2,
	GS_WS_OP_CLOSE = 0x8,
	GS_WS_OP_PING = 0x9,
	GS_WS_OP_PONG = 0xa,
};

struct _GsWebsocket {
	GObject parent_instance;
	GIOStream *stream;
	GPollableInputStream *in;
	GPollableOutputStream *out;
	GsWebsocketHandlers handlers;
	gpointer user_data;
	gboolean client;    /* sends masked frames, takes only unmasked ones */
	guint64 mask_state; /* xorshift64* state for the mask keys of a client's frames */
	guint64 max_payload;
	SoupWebsocketState state;
	gushort close_code;
	gboolean close_sent;
	gboolean input_failed;	 /* a protocol error: the rest of the input is not parsed */
	gboolean close_io_after; /* close the stream once the output is written */
	GByteArray *inbuf;	 /* bytes read and not parsed yet */
	GByteArray *message;	 /* a fragmented message being joined, or NULL */
	gboolean message_text;
	GByteArray *outbuf;
	gsize out_off; /* bytes of outbuf already written */
	GSource *in_source;
	GSource *out_source;
	GSource *flush_source;
	GSource *close_timer;
	GSource *finish_source;	 /* closes the stream from the main loop (see gs_websocket_flush) */
	GSource *pending_source; /* parses bytes that came with the handshake (a client's) */
	GSource *keepalive_source;
	GError *write_error;	     /* a write failed: nothing more is written */
	GConverter *inflater;	     /* permessage-deflate was agreed (a client's): inflates */
	gboolean inflate_reset;	     /* ... each message on its own (server_no_context_takeover) */
	gboolean message_compressed; /* the fragmented message being joined is compressed */
};

void
gs_websocket_drop_source(GSource **source);
gboolean
gs_websocket_inflate(GConverter *inflater,
		     const guint8 *data,
		     gsize len,
		     guint64 max,
		     GByteArray *out,
		     GError **error);
void
gs_websocket_queue_frame(GsWebsocket *self, guint8 opcode, const guint8 *data, gsize len);

G_END_DECLS
