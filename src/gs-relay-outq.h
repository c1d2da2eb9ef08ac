/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

/**
 * GsRelayOutq:
 *
 * What one relay connection has queued towards its client and not yet seen acknowledged.
 * libsoup 3.2 has no API for the bytes waiting in a websocket's queue, so this counts the
 * frames it is given and asks the kernel (Linux `TCP_INFO`, `tcpi_bytes_acked`) how many
 * bytes the peer's TCP stack acknowledged since the upgrade: the difference is what waits in
 * libsoup's queue and in the kernel's send buffer. It needs uncompressed frames (the server
 * does not negotiate permessage-deflate). Without a socket to ask, the estimate is 0.
 */
typedef struct _GsRelayOutq GsRelayOutq;

GsRelayOutq *
gs_relay_outq_new(GIOStream *io);
void
gs_relay_outq_free(GsRelayOutq *self);
gboolean
gs_relay_outq_can_measure(GsRelayOutq *self);
void
gs_relay_outq_add_frame(GsRelayOutq *self, gsize payload_len);
guint64
gs_relay_outq_get_pending(GsRelayOutq *self);
guint64
gs_relay_outq_get_pending_above(GsRelayOutq *self, guint64 threshold);
gint64
gs_relay_outq_get_stalled_usec(GsRelayOutq *self);
guint
gs_relay_outq_next_poll_ms(GsRelayOutq *self);
gboolean
gs_relay_outq_shutdown(GsRelayOutq *self, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsRelayOutq, gs_relay_outq_free)

G_END_DECLS
