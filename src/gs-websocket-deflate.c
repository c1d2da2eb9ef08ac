/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsWebsocket"

#include "config.h"

#include "gs-websocket-private.h"

/*
 * permessage-deflate (RFC 7692) as the client takes it: the server's compressed messages
 * are inflated, ours are sent as they are (a sender may leave any message uncompressed, so
 * no compressor and no window size has to be agreed for our side). A compressed message is
 * raw DEFLATE data whose sender removed the final empty stored block (00 00 ff ff) of its
 * flush; it is put back before inflating. Unless the server said
 * `server_no_context_takeover`, one inflater runs across messages (its 32 KiB window
 * refers back to earlier ones).
 */

#define GS_WEBSOCKET_INFLATE_STEP (64 * 1024)

static const guint8 gs_websocket_deflate_tail[4] = {0x00, 0x00, 0xff, 0xff};

/* feeds @len bytes to @inflater, appending what comes out to @out */
static gboolean
gs_websocket_inflate_part(GConverter *inflater,
			  const guint8 *in,
			  gsize len,
			  guint64 max,
			  GByteArray *out,
			  GError **error)
{
	gsize off = 0;

	for (;;) {
		gsize start = out->len;
		gsize read = 0, written = 0;
		GConverterResult r;

		g_byte_array_set_size(out, start + GS_WEBSOCKET_INFLATE_STEP);
		r = g_converter_convert(inflater,
					in + off,
					len - off,
					out->data + start,
					GS_WEBSOCKET_INFLATE_STEP,
					G_CONVERTER_FLUSH,
					&read,
					&written,
					error);
		g_byte_array_set_size(out, start + written);
		if (r == G_CONVERTER_ERROR) {
			g_prefix_error(error, "a compressed message does not inflate: ");
			return FALSE;
		}
		off += read;
		if (max > 0 && out->len > max) {
			g_set_error_literal(
				error,
				G_IO_ERROR,
				G_IO_ERROR_MESSAGE_TOO_LARGE,
				"received a message larger than max-incoming-payload-size "
				"once inflated");
			return FALSE;
		}
		if (r == G_CONVERTER_FINISHED) {
			/* a final block: the next message starts a stream of its own */
			g_converter_reset(inflater);
			return TRUE;
		}
		if (r == G_CONVERTER_FLUSHED || (off == len && written < GS_WEBSOCKET_INFLATE_STEP))
			return TRUE;
	}
}

/**
 * gs_websocket_inflate:
 * @inflater: a raw-DEFLATE GZlibDecompressor
 * @max: the largest inflated size taken (0: no limit)
 * @out: (out caller-allocates): receives the message
 *
 * Returns: %FALSE with @error set (%G_IO_ERROR_MESSAGE_TOO_LARGE over @max) on failure
 */
gboolean
gs_websocket_inflate(GConverter *inflater,
		     const guint8 *data,
		     gsize len,
		     guint64 max,
		     GByteArray *out,
		     GError **error)
{
	if (!gs_websocket_inflate_part(inflater, data, len, max, out, error))
		return FALSE;
	return gs_websocket_inflate_part(inflater,
					 gs_websocket_deflate_tail,
					 sizeof(gs_websocket_deflate_tail),
					 max,
					 out,
					 error);
}
