/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsWebsocket"

#include "config.h"

#include <string.h>

#include "gs-websocket-private.h"

/* bytes asked for by one read, and reads one wake-up makes at most before others get a turn */
#define GS_WEBSOCKET_READ_SIZE (64 * 1024)
#define GS_WEBSOCKET_READS_PER_WAKE 4
/* queued output written at once rather than at the end of the main-loop round */
#define GS_WEBSOCKET_FLUSH_AT (256 * 1024)
/* how long the peer has to answer our close frame before the stream is closed anyway */
#define GS_WEBSOCKET_CLOSE_TIMEOUT_SECONDS 5
/* libsoup's default for max-incoming-payload-size */
#define GS_WEBSOCKET_DEFAULT_MAX_PAYLOAD (128 * 1024)

G_DEFINE_FINAL_TYPE(GsWebsocket, gs_websocket, G_TYPE_OBJECT)

typedef struct {
	gboolean fin;
	guint8 opcode;
	gboolean masked;
	gboolean compressed; /* RSV1: a compressed message's first frame (permessage-deflate) */
	guint8 mask[4];
	guint64 len;
} GsWebsocketFrame;

/* helpers --------------------------------------------------------------------------------- */

static void
gs_websocket_unmask(guint8 *p, gsize len, const guint8 mask[4])
{
	guint32 m32;
	guint64 m64;
	gsize i = 0;

	memcpy(&m32, mask, 4);
	m64 = ((guint64)m32 << 32) | m32;
	for (; i + 8 <= len; i += 8) {
		guint64 w;
		memcpy(&w, p + i, 8);
		w ^= m64;
		memcpy(p + i, &w, 8);
	}
	for (; i < len; i++)
		p[i] ^= mask[i & 3];
}

/* UTF-8, with ASCII (all of a Nostr event's JSON, mostly) checked eight bytes at a time */
static gboolean
gs_websocket_utf8_valid(const guint8 *p, gsize len)
{
	gsize i = 0;

	for (; i + 8 <= len; i += 8) {
		guint64 w;
		memcpy(&w, p + i, 8);
		if ((w & G_GUINT64_CONSTANT(0x8080808080808080)) != 0)
			break;
	}
	for (; i < len && p[i] < 0x80; i++)
		;
	if (i == len)
		return TRUE;
	return g_utf8_validate_len((const gchar *)p + i, len - i, NULL);
}

/* closing ---------------------------------------------------------------------------------- */

void
gs_websocket_drop_source(GSource **source)
{
	if (*source != NULL)
		g_source_destroy(*source);
	g_clear_pointer(source, g_source_unref);
}

static void
gs_websocket_close_io(GsWebsocket *self)
{
	if (self->state == SOUP_WEBSOCKET_STATE_CLOSED)
		return;
	self->state = SOUP_WEBSOCKET_STATE_CLOSED;
	gs_websocket_drop_source(&self->in_source);
	gs_websocket_drop_source(&self->out_source);
	gs_websocket_drop_source(&self->flush_source);
	gs_websocket_drop_source(&self->close_timer);
	gs_websocket_drop_source(&self->finish_source);
	gs_websocket_drop_source(&self->pending_source);
	gs_websocket_drop_source(&self->keepalive_source);
	g_io_stream_close(self->stream, NULL, NULL);
	if (self->handlers.closed != NULL)
		self->handlers.closed(self, self->user_data);
}

static void
gs_websocket_emit_error(GsWebsocket *self, GError *error)
{
	g_debug("%s", error->message);
	if (self->handlers.error != NULL)
		self->handlers.error(self, error, self->user_data);
}

/* an I/O error while reading: nothing more can be sent or read */
static void
gs_websocket_fail_io(GsWebsocket *self, GError *error)
{
	if (self->state == SOUP_WEBSOCKET_STATE_CLOSED)
		return;
	gs_websocket_emit_error(self, error);
	gs_websocket_close_io(self);
}

static gboolean
gs_websocket_finish_cb(gpointer user_data)
{
	GsWebsocket *self = GS_WEBSOCKET(user_data);

	g_clear_pointer(&self->finish_source, g_source_unref);
	g_object_ref(self);
	if (self->write_error != NULL)
		gs_websocket_fail_io(self, self->write_error);
	else
		gs_websocket_close_io(self);
	g_object_unref(self);
	return G_SOURCE_REMOVE;
}

/* the stream is closed (and `error`, then `closed`, emitted) from the main loop, not from
 * inside a caller that is sending */
static void
gs_websocket_finish_later(GsWebsocket *self)
{
	if (self->finish_source != NULL || self->state == SOUP_WEBSOCKET_STATE_CLOSED)
		return;
	self->finish_source = g_idle_source_new();
	g_source_set_priority(self->finish_source, G_PRIORITY_DEFAULT);
	g_source_set_callback(self->finish_source, gs_websocket_finish_cb, self, NULL);
	g_source_attach(self->finish_source, g_main_context_get_thread_default());
}

/*
 * a protocol error: the peer is told with @code; its input is read and dropped until it
 * closes the connection or the close timeout ends it (closing at once, with its input
 * unread, would make the kernel reset the connection and lose our close frame)
 */
static void
gs_websocket_fail(GsWebsocket *self, gushort code, const gchar *message)
{
	g_autoptr(GError) error = g_error_new_literal(SOUP_WEBSOCKET_ERROR, code, message);

	self->input_failed = TRUE;
	gs_websocket_emit_error(self, error);
	gs_websocket_close(self, code, NULL);
	gs_websocket_flush(self);
}

static gboolean
gs_websocket_close_timeout_cb(gpointer user_data)
{
	GsWebsocket *self = GS_WEBSOCKET(user_data);

	g_clear_pointer(&self->close_timer, g_source_unref);
	g_debug("no close frame from the peer in time, closing");
	g_object_ref(self);
	gs_websocket_close_io(self);
	g_object_unref(self);
	return G_SOURCE_REMOVE;
}

/* output ----------------------------------------------------------------------------------- */

static void
gs_websocket_stop_out(GsWebsocket *self)
{
	gs_websocket_drop_source(&self->out_source);
	gs_websocket_drop_source(&self->flush_source);
}

/* drops what was written from the front of the output, so that a connection that never
 * drains completely does not keep it all */
static void
gs_websocket_compact_out(GsWebsocket *self)
{
	if (self->out_off < GS_WEBSOCKET_READ_SIZE || self->out_off < self->outbuf->len / 2)
		return;
	g_byte_array_remove_range(self->outbuf, 0, self->out_off);
	self->out_off = 0;
}

static gboolean
gs_websocket_writable_cb(GObject *stream, gpointer user_data)
{
	gs_websocket_flush(GS_WEBSOCKET(user_data));
	return G_SOURCE_CONTINUE;
}

static gboolean
gs_websocket_flush_cb(gpointer user_data)
{
	GsWebsocket *self = GS_WEBSOCKET(user_data);

	g_clear_pointer(&self->flush_source, g_source_unref);
	g_object_ref(self);
	gs_websocket_flush(self);
	g_object_unref(self);
	return G_SOURCE_REMOVE;
}

/**
 * gs_websocket_flush:
 *
 * Writes what is queued now rather than at the end of the main-loop round, as far as the
 * socket takes it (the rest follows when it can), e.g. before the connection is shut down.
 */
void
gs_websocket_flush(GsWebsocket *self)
{
	while (self->state != SOUP_WEBSOCKET_STATE_CLOSED && self->write_error == NULL &&
	       self->out_off < self->outbuf->len) {
		g_autoptr(GError) error = NULL;
		gssize n = g_pollable_output_stream_write_nonblocking(
			self->out,
			self->outbuf->data + self->out_off,
			self->outbuf->len - self->out_off,
			NULL,
			&error);
		if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)) {
			gs_websocket_compact_out(self);
			if (self->out_source == NULL) {
				self->out_source =
					g_pollable_output_stream_create_source(self->out, NULL);
				g_source_set_callback(self->out_source,
						      G_SOURCE_FUNC(gs_websocket_writable_cb),
						      self,
						      NULL);
				g_source_attach(self->out_source,
						g_main_context_get_thread_default());
			}
			return;
		}
		if (n < 0) {
			gs_websocket_stop_out(self);
			self->write_error = g_steal_pointer(&error);
			gs_websocket_finish_later(self);
			return;
		}
		self->out_off += (gsize)n;
	}
	gs_websocket_stop_out(self);
	g_byte_array_set_size(self->outbuf, 0);
	self->out_off = 0;
	if (self->close_io_after)
		gs_websocket_finish_later(self);
}

/* a fresh mask key for each frame a client sends (RFC 6455 5.3: not predictable from the
 * frames before it; xorshift64* seeded from GLib's random source is enough for that) */
static void
gs_websocket_next_mask(GsWebsocket *self, guint8 key[4])
{
	guint64 x = self->mask_state;
	guint32 k;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	self->mask_state = x;
	k = (guint32)((x * G_GUINT64_CONSTANT(0x2545F4914F6CDD1D)) >> 32);
	memcpy(key, &k, 4);
}

/* queues one frame, masked when we are the client; written at the end of this main-loop
 * round */
void
gs_websocket_queue_frame(GsWebsocket *self, guint8 opcode, const guint8 *data, gsize len)
{
	guint8 head[14];
	gsize head_len = 2;

	head[0] = 0x80 | opcode;
	if (len < 126) {
		head[1] = (guint8)len;
	} else if (len < 65536) {
		head[1] = 126;
		head[2] = (guint8)(len >> 8);
		head[3] = (guint8)len;
		head_len = 4;
	} else {
		head[1] = 127;
		for (guint i = 0; i < 8; i++)
			head[2 + i] = (guint8)((guint64)len >> (56 - 8 * i));
		head_len = 10;
	}
	if (self->client) {
		head[1] |= 0x80;
		gs_websocket_next_mask(self, head + head_len);
		head_len += 4;
	}
	g_byte_array_append(self->outbuf, head, head_len);
	g_byte_array_append(self->outbuf, data, len);
	if (self->client)
		gs_websocket_unmask(self->outbuf->data + self->outbuf->len - len,
				    len,
				    self->outbuf->data + self->outbuf->len - len - 4);
	if (self->outbuf->len - self->out_off >= GS_WEBSOCKET_FLUSH_AT &&
	    self->out_source == NULL) {
		gs_websocket_flush(self);
		return;
	}
	if (self->flush_source != NULL || self->out_source != NULL)
		return;
	self->flush_source = g_idle_source_new();
	g_source_set_priority(self->flush_source, G_PRIORITY_DEFAULT);
	g_source_set_callback(self->flush_source, gs_websocket_flush_cb, self, NULL);
	g_source_attach(self->flush_source, g_main_context_get_thread_default());
}

/* input ------------------------------------------------------------------------------------ */

static void
gs_websocket_deliver(GsWebsocket *self, guint8 *data, gsize len, gboolean text)
{
	if (text && !gs_websocket_utf8_valid(data, len)) {
		gs_websocket_fail(self,
				  SOUP_WEBSOCKET_CLOSE_BAD_DATA,
				  "received a text message that is not UTF-8");
		return;
	}
	if (self->state != SOUP_WEBSOCKET_STATE_OPEN || self->handlers.message == NULL)
		return;
	/* the byte after the payload is writable (the read buffer keeps one spare byte) */
	guint8 after = data[len];
	data[len] = '\0';
	self->handlers.message(self, (const gchar *)data, len, text, self->user_data);
	data[len] = after;
}

static void
gs_websocket_handle_close(GsWebsocket *self, const guint8 *data, gsize len)
{
	gushort code = SOUP_WEBSOCKET_CLOSE_NO_STATUS;

	if (len == 1) {
		gs_websocket_fail(
			self, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR, "a close frame of 1 byte");
		return;
	}
	if (len >= 2)
		code = (gushort)((data[0] << 8) | data[1]);
	self->close_code = code;
	self->close_io_after = TRUE;
	if (!self->close_sent) {
		guint8 echo[2] = {len >= 2 ? data[0] : 0, len >= 2 ? data[1] : 0};
		self->close_sent = TRUE;
		self->state = SOUP_WEBSOCKET_STATE_CLOSING;
		gs_websocket_queue_frame(self, GS_WS_OP_CLOSE, echo, len >= 2 ? 2 : 0);
	}
	gs_websocket_flush(self);
}

/* a compressed message: inflated (within the size limit), then handed on */
static void
gs_websocket_deliver_inflated(GsWebsocket *self, const guint8 *data, gsize len, gboolean text)
{
	g_autoptr(GByteArray) out = g_byte_array_new();
	g_autoptr(GError) error = NULL;
	gsize n;

	if (!gs_websocket_inflate(self->inflater, data, len, self->max_payload, out, &error)) {
		gs_websocket_fail(self,
				  g_error_matches(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE)
					  ? SOUP_WEBSOCKET_CLOSE_TOO_BIG
					  : SOUP_WEBSOCKET_CLOSE_BAD_DATA,
				  error->message);
		return;
	}
	if (self->inflate_reset)
		g_converter_reset(self->inflater);
	n = out->len;
	g_byte_array_set_size(out, n + 1);
	gs_websocket_deliver(self, out->data, n, text);
}

static void
gs_websocket_handle_data(GsWebsocket *self, const GsWebsocketFrame *f, guint8 *data)
{
	if (f->opcode != GS_WS_OP_CONTINUATION && self->message != NULL) {
		gs_websocket_fail(
			self, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR, "a new message inside another");
		return;
	}
	if (f->opcode == GS_WS_OP_CONTINUATION && self->message == NULL) {
		gs_websocket_fail(
			self, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR, "a continuation of no message");
		return;
	}
	if (f->fin && self->message == NULL && f->compressed) {
		gs_websocket_deliver_inflated(self, data, f->len, f->opcode == GS_WS_OP_TEXT);
		return;
	}
	if (f->fin && self->message == NULL) {
		gs_websocket_deliver(self, data, f->len, f->opcode == GS_WS_OP_TEXT);
		return;
	}
	if (self->message == NULL) {
		self->message = g_byte_array_new();
		self->message_text = f->opcode == GS_WS_OP_TEXT;
		self->message_compressed = f->compressed;
	}
	g_byte_array_append(self->message, data, f->len);
	if (f->fin && self->message_compressed) {
		g_autoptr(GByteArray) whole = g_steal_pointer(&self->message);
		gs_websocket_deliver_inflated(self, whole->data, whole->len, self->message_text);
	} else if (f->fin) {
		g_autoptr(GByteArray) whole = g_steal_pointer(&self->message);
		gsize len = whole->len;
		g_byte_array_set_size(whole, len + 1);
		gs_websocket_deliver(self, whole->data, len, self->message_text);
	}
}

static void
gs_websocket_handle_frame(GsWebsocket *self, const GsWebsocketFrame *f, guint8 *data)
{
	switch (f->opcode) {
	case GS_WS_OP_CONTINUATION:
	case GS_WS_OP_TEXT:
	case GS_WS_OP_BINARY:
		gs_websocket_handle_data(self, f, data);
		break;
	case GS_WS_OP_CLOSE:
		gs_websocket_handle_close(self, data, f->len);
		break;
	case GS_WS_OP_PING:
		if (!self->close_sent)
			gs_websocket_queue_frame(self, GS_WS_OP_PONG, data, f->len);
		break;
	case GS_WS_OP_PONG:
		if (self->handlers.pong != NULL && self->state == SOUP_WEBSOCKET_STATE_OPEN)
			self->handlers.pong(self, self->user_data);
		break;
	default:
		gs_websocket_fail(self, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR, "an unknown opcode");
		break;
	}
}

/* checks what the header says; %FALSE after a protocol error */
static gboolean
gs_websocket_check_header(GsWebsocket *self, const GsWebsocketFrame *f, guint8 b0, guint8 b1)
{
	guint64 joined = self->message != NULL ? self->message->len : 0;

	/* RSV1 marks a compressed message's first frame once permessage-deflate is agreed */
	if ((b0 & 0x70) != 0 && ((b0 & 0x70) != 0x40 || self->inflater == NULL ||
				 (f->opcode != GS_WS_OP_TEXT && f->opcode != GS_WS_OP_BINARY))) {
		gs_websocket_fail(self, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR, "reserved bits set");
		return FALSE;
	}
	if ((b1 & 0x80) == 0 && !self->client) {
		gs_websocket_fail(self, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR, "an unmasked frame");
		return FALSE;
	}
	if ((b1 & 0x80) != 0 && self->client) {
		gs_websocket_fail(self,
				  SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR,
				  "a masked frame from the server");
		return FALSE;
	}
	if ((f->opcode & 0x8) != 0 && (!f->fin || f->len > 125)) {
		gs_websocket_fail(self,
				  SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR,
				  "a fragmented or long control frame");
		return FALSE;
	}
	if ((f->opcode & 0x8) == 0 && self->max_payload > 0 &&
	    (f->len > self->max_payload || joined + f->len > self->max_payload)) {
		gs_websocket_fail(self,
				  SOUP_WEBSOCKET_CLOSE_TOO_BIG,
				  "received a message larger than max-incoming-payload-size");
		return FALSE;
	}
	return TRUE;
}

/* parses a frame header; returns its length, 0 when more bytes are needed or on an error */
static gsize
gs_websocket_parse_header(GsWebsocket *self, const guint8 *p, gsize avail, GsWebsocketFrame *f)
{
	gsize need;
	guint8 len7;

	if (avail < 2)
		return 0;
	need = (p[1] & 0x80) != 0 ? 6 : 2;
	len7 = p[1] & 0x7f;
	need += len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
	if (avail < need)
		return 0;
	f->fin = (p[0] & 0x80) != 0;
	f->opcode = p[0] & 0x0f;
	f->len = len7;
	if (len7 == 126)
		f->len = ((guint64)p[2] << 8) | p[3];
	for (guint i = 0; len7 == 127 && i < 8; i++)
		f->len = (i == 0 ? 0 : f->len << 8) | p[2 + i];
	if (len7 == 127 && (p[2] & 0x80) != 0) {
		gs_websocket_fail(self, SOUP_WEBSOCKET_CLOSE_PROTOCOL_ERROR, "a length over 2^63");
		return 0;
	}
	if (!gs_websocket_check_header(self, f, p[0], p[1]))
		return 0;
	f->compressed = (p[0] & 0x40) != 0;
	f->masked = (p[1] & 0x80) != 0;
	if (f->masked)
		memcpy(f->mask, p + need - 4, 4);
	return need;
}

/* handles the whole frames read so far */
static void
gs_websocket_process(GsWebsocket *self)
{
	gsize off = 0;

	while (!self->input_failed && self->state != SOUP_WEBSOCKET_STATE_CLOSED) {
		GsWebsocketFrame f;
		guint8 *p = self->inbuf->data + off;
		gsize avail = self->inbuf->len - off;
		gsize head = gs_websocket_parse_header(self, p, avail, &f);

		if (head == 0 || f.len > avail - head)
			break;
		if (f.masked)
			gs_websocket_unmask(p + head, f.len, f.mask);
		off += head + f.len;
		gs_websocket_handle_frame(self, &f, p + head);
	}
	if (self->input_failed)
		off = self->inbuf->len;
	g_byte_array_remove_range(self->inbuf, 0, off);
}

static gboolean
gs_websocket_readable_cb(GObject *stream, gpointer user_data)
{
	GsWebsocket *self = GS_WEBSOCKET(user_data);

	g_object_ref(self);
	for (guint i = 0; i < GS_WEBSOCKET_READS_PER_WAKE; i++) {
		g_autoptr(GError) error = NULL;
		gsize len = self->inbuf->len;
		gssize n;

		if (self->state == SOUP_WEBSOCKET_STATE_CLOSED)
			break;
		/* one spare byte beyond the read, for the NUL after a message */
		g_byte_array_set_size(self->inbuf, len + GS_WEBSOCKET_READ_SIZE + 1);
		n = g_pollable_input_stream_read_nonblocking(
			self->in, self->inbuf->data + len, GS_WEBSOCKET_READ_SIZE, NULL, &error);
		g_byte_array_set_size(self->inbuf, len + MAX(n, 0));
		if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
			break;
		if (n < 0) {
			gs_websocket_fail_io(self, error);
			break;
		}
		if (n == 0) {
			gs_websocket_close_io(self);
			break;
		}
		gs_websocket_process(self);
		if (n < GS_WEBSOCKET_READ_SIZE)
			break;
	}
	g_object_unref(self);
	return G_SOURCE_CONTINUE;
}

/* bytes read with the handshake (a client's), parsed from the main loop once started */
static gboolean
gs_websocket_pending_cb(gpointer user_data)
{
	GsWebsocket *self = GS_WEBSOCKET(user_data);

	g_clear_pointer(&self->pending_source, g_source_unref);
	g_object_ref(self);
	gs_websocket_process(self);
	g_object_unref(self);
	return G_SOURCE_REMOVE;
}

/* API -------------------------------------------------------------------------------------- */

/**
 * gs_websocket_start:
 * @handlers: (nullable): copied; %NULL drops the handlers set before
 *
 * Sets the handlers and starts reading (if it has not yet).
 */
void
gs_websocket_start(GsWebsocket *self, const GsWebsocketHandlers *handlers, gpointer user_data)
{
	if (handlers != NULL)
		self->handlers = *handlers;
	else
		memset(&self->handlers, 0, sizeof(self->handlers));
	self->user_data = user_data;
	if (self->in_source != NULL || self->state == SOUP_WEBSOCKET_STATE_CLOSED)
		return;
	self->in_source = g_pollable_input_stream_create_source(self->in, NULL);
	g_source_set_callback(self->in_source, G_SOURCE_FUNC(gs_websocket_readable_cb), self, NULL);
	g_source_attach(self->in_source, g_main_context_get_thread_default());
	if (self->inbuf->len > 0) {
		self->pending_source = g_idle_source_new();
		g_source_set_priority(self->pending_source, G_PRIORITY_DEFAULT);
		g_source_set_callback(self->pending_source, gs_websocket_pending_cb, self, NULL);
		g_source_attach(self->pending_source, g_main_context_get_thread_default());
	}
}

/* the largest message taken (0: no limit); a larger one closes the connection with 1009 */
void
gs_websocket_set_max_incoming_payload_size(GsWebsocket *self, guint64 max)
{
	self->max_payload = max;
}

SoupWebsocketState
gs_websocket_get_state(GsWebsocket *self)
{
	return self->state;
}

/* returns: (transfer none): the upgraded connection's stream */
GIOStream *
gs_websocket_get_io_stream(GsWebsocket *self)
{
	return self->stream;
}

/* the code of the peer's close frame (1005 when it had none), 0 before one arrived */
gushort
gs_websocket_get_close_code(GsWebsocket *self)
{
	return self->close_code;
}

/**
 * gs_websocket_send_text:
 * @text: UTF-8 (not checked: the caller's messages are)
 *
 * Queues a text message; ignored unless the connection is open.
 */
void
gs_websocket_send_text(GsWebsocket *self, const gchar *text, gsize len)
{
	if (self->state != SOUP_WEBSOCKET_STATE_OPEN)
		return;
	gs_websocket_queue_frame(self, GS_WS_OP_TEXT, (const guint8 *)text, len);
}

/**
 * gs_websocket_close:
 * @code: the close code
 * @reason: (nullable): at most 123 bytes of it are sent (cut at a character boundary)
 *
 * Starts the closing handshake: the stream closes when the peer's close frame arrives (or
 * the peer drops the connection).
 */
void
gs_websocket_close(GsWebsocket *self, gushort code, const gchar *reason)
{
	guint8 payload[125];
	gsize len = 2;

	if (self->state != SOUP_WEBSOCKET_STATE_OPEN)
		return;
	payload[0] = (guint8)(code >> 8);
	payload[1] = (guint8)code;
	if (reason != NULL) {
		gsize n = MIN(strlen(reason), sizeof(payload) - 2);
		while (n > 0 && !g_utf8_validate_len(reason, n, NULL))
			n--;
		memcpy(payload + 2, reason, n);
		len += n;
	}
	self->close_sent = TRUE;
	self->state = SOUP_WEBSOCKET_STATE_CLOSING;
	gs_websocket_queue_frame(self, GS_WS_OP_CLOSE, payload, len);
	self->close_timer = g_timeout_source_new_seconds(GS_WEBSOCKET_CLOSE_TIMEOUT_SECONDS);
	g_source_set_callback(self->close_timer, gs_websocket_close_timeout_cb, self, NULL);
	g_source_attach(self->close_timer, g_main_context_get_thread_default());
}

/* GObject ---------------------------------------------------------------------------------- */

static void
gs_websocket_dispose(GObject *object)
{
	GsWebsocket *self = GS_WEBSOCKET(object);

	memset(&self->handlers, 0, sizeof(self->handlers));
	if (self->stream != NULL && self->state != SOUP_WEBSOCKET_STATE_CLOSED) {
		/* what is queued (a close frame, say) goes out if the socket takes it now */
		gs_websocket_flush(self);
		gs_websocket_close_io(self);
	}
	g_clear_object(&self->stream);
	G_OBJECT_CLASS(gs_websocket_parent_class)->dispose(object);
}

static void
gs_websocket_finalize(GObject *object)
{
	GsWebsocket *self = GS_WEBSOCKET(object);

	g_byte_array_unref(self->inbuf);
	g_byte_array_unref(self->outbuf);
	g_clear_error(&self->write_error);
	g_clear_object(&self->inflater);
	if (self->message != NULL)
		g_byte_array_unref(self->message);
	G_OBJECT_CLASS(gs_websocket_parent_class)->finalize(object);
}

static void
gs_websocket_class_init(GsWebsocketClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = gs_websocket_dispose;
	object_class->finalize = gs_websocket_finalize;
}

static void
gs_websocket_init(GsWebsocket *self)
{
	self->inbuf = g_byte_array_new();
	self->outbuf = g_byte_array_new();
	self->max_payload = GS_WEBSOCKET_DEFAULT_MAX_PAYLOAD;
	self->state = SOUP_WEBSOCKET_STATE_OPEN;
}

/**
 * gs_websocket_new_server:
 * @stream: an upgraded connection whose streams are pollable (soup_server_message_steal_connection)
 *
 * Returns: (transfer full): the server side of a websocket on @stream; call
 *   gs_websocket_start() to read from it
 */
GsWebsocket *
gs_websocket_new_server(GIOStream *stream)
{
	GsWebsocket *self = g_object_new(GS_TYPE_WEBSOCKET, NULL);

	self->stream = g_object_ref(stream);
	self->in = G_POLLABLE_INPUT_STREAM(g_io_stream_get_input_stream(stream));
	self->out = G_POLLABLE_OUTPUT_STREAM(g_io_stream_get_output_stream(stream));
	return self;
}
