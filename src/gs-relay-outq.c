/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelay"

#include "config.h"

#include <linux/tcp.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "gs-relay-outq.h"

/* a congested connection is looked at again after 1 ms, backing off to 64 ms while the peer
 * acknowledges nothing: fast readers are served at once, stalled ones cost little */
#define GS_RELAY_OUTQ_POLL_MIN_MS 1
#define GS_RELAY_OUTQ_POLL_MAX_MS 64

struct _GsRelayOutq {
	GSocket *socket; /* nullable */
	guint64 queued;	 /* frame bytes given to libsoup since the upgrade */
	guint64 acked;	 /* bytes the peer acknowledged since the upgrade */
	guint64 acked_base;
	gint64 progress_at; /* when acked last moved, or data was queued after a drain */
	guint64 polled_acked;
	guint poll_ms;
	GSource *uncork; /* the idle that ends the current burst; NULL when not corked */
};

/* a server frame is unmasked: 2, 4 or 10 bytes of header */
static guint64
gs_relay_outq_frame_size(gsize len)
{
	if (len < 126)
		return len + 2;
	if (len < 65536)
		return len + 4;
	return len + 10;
}

/* the peer's cumulative TCP acknowledgements on this socket */
static gboolean
gs_relay_outq_read_acked(GsRelayOutq *self, guint64 *acked)
{
	struct tcp_info info;
	socklen_t len = sizeof(info);
	gint fd;

	if (self->socket == NULL || (fd = g_socket_get_fd(self->socket)) < 0)
		return FALSE;
	memset(&info, 0, sizeof(info));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) != 0)
		return FALSE;
	if (len < G_STRUCT_OFFSET(struct tcp_info, tcpi_bytes_acked) + sizeof(guint64))
		return FALSE;
	*acked = info.tcpi_bytes_acked;
	return TRUE;
}

static void
gs_relay_outq_refresh(GsRelayOutq *self)
{
	guint64 acked = 0;

	if (!gs_relay_outq_read_acked(self, &acked))
		return;
	acked = acked > self->acked_base ? acked - self->acked_base : 0;
	if (acked > self->acked) {
		self->acked = acked;
		self->progress_at = g_get_monotonic_time();
	}
}

gboolean
gs_relay_outq_can_measure(GsRelayOutq *self)
{
	return self->socket != NULL;
}

static void
gs_relay_outq_set_cork(GsRelayOutq *self, gboolean cork)
{
	gint value = cork ? 1 : 0;
	gint fd;

	/* a closed GSocket's descriptor number may already belong to something else */
	if (g_socket_is_closed(self->socket))
		return;
	fd = g_socket_get_fd(self->socket);
	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_CORK, &value, sizeof(value));
}

static gboolean
gs_relay_outq_uncork_cb(gpointer user_data)
{
	GsRelayOutq *self = user_data;

	g_clear_pointer(&self->uncork, g_source_unref);
	gs_relay_outq_set_cork(self, FALSE);
	return G_SOURCE_REMOVE;
}

/*
 * Bursts: the frames a main-loop round queues (the OKs of an ingest slice, a page of a REQ's
 * events) would each leave as a TCP segment of their own, and on loopback each segment also
 * runs the peer's receive path and wakes it. The first frame of a round goes out at once;
 * then the socket is corked (TCP_CORK), so the rest gather into full segments, and an idle
 * of high priority uncorks it first thing in the next round, which sends what is left: one
 * transmission a burst, and nothing waits for longer than the round.
 */
static void
gs_relay_outq_start_burst(GsRelayOutq *self)
{
	if (self->socket == NULL || self->uncork != NULL)
		return;
	gs_relay_outq_set_cork(self, TRUE);
	/* the context the connection's libsoup sources run in */
	self->uncork = g_idle_source_new();
	g_source_set_priority(self->uncork, G_PRIORITY_HIGH);
	g_source_set_callback(self->uncork, gs_relay_outq_uncork_cb, self, NULL);
	g_source_attach(self->uncork, g_main_context_get_thread_default());
}

/* counts a text frame of @payload_len bytes given to libsoup */
void
gs_relay_outq_add_frame(GsRelayOutq *self, gsize payload_len)
{
	if (self->queued <= self->acked)
		self->progress_at = g_get_monotonic_time();
	self->queued += gs_relay_outq_frame_size(payload_len);
	gs_relay_outq_start_burst(self);
}

/* returns: the bytes queued that the peer has not acknowledged (one system call) */
guint64
gs_relay_outq_get_pending(GsRelayOutq *self)
{
	gs_relay_outq_refresh(self);
	if (self->socket == NULL || self->queued <= self->acked)
		return 0;
	return self->queued - self->acked;
}

/* the pending bytes when they may reach @threshold, else 0: acknowledgements only grow, so
 * the upper bound queued - acked answers most calls without a system call */
guint64
gs_relay_outq_get_pending_above(GsRelayOutq *self, guint64 threshold)
{
	if (self->socket == NULL || self->queued <= self->acked ||
	    self->queued - self->acked < threshold)
		return 0;
	return gs_relay_outq_get_pending(self);
}

/* how long the peer has acknowledged nothing while data waited (as of the last look) */
gint64
gs_relay_outq_get_stalled_usec(GsRelayOutq *self)
{
	if (self->queued <= self->acked)
		return 0;
	return g_get_monotonic_time() - self->progress_at;
}

/* the delay before looking at a congested connection again */
guint
gs_relay_outq_next_poll_ms(GsRelayOutq *self)
{
	if (self->acked != self->polled_acked || self->poll_ms == 0)
		self->poll_ms = GS_RELAY_OUTQ_POLL_MIN_MS;
	else
		self->poll_ms = MIN(self->poll_ms * 2, GS_RELAY_OUTQ_POLL_MAX_MS);
	self->polled_acked = self->acked;
	return self->poll_ms;
}

/* ends the TCP connection in both directions: the peer and libsoup see it drop */
gboolean
gs_relay_outq_shutdown(GsRelayOutq *self, GError **error)
{
	if (self->socket == NULL) {
		g_set_error_literal(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "no socket");
		return FALSE;
	}
	return g_socket_shutdown(self->socket, TRUE, TRUE, error);
}

/* the GSocket under libsoup's server-side stream (a SoupIOStream over a GTcpConnection) */
static GSocket *
gs_relay_outq_find_socket(GIOStream *io)
{
	g_autoptr(GIOStream) base = NULL;

	if (G_IS_SOCKET_CONNECTION(io))
		return g_object_ref(g_socket_connection_get_socket(G_SOCKET_CONNECTION(io)));
	if (g_object_class_find_property(G_OBJECT_GET_CLASS(io), "base-iostream") != NULL)
		g_object_get(io, "base-iostream", &base, NULL);
	if (base != NULL && G_IS_SOCKET_CONNECTION(base))
		return g_object_ref(g_socket_connection_get_socket(G_SOCKET_CONNECTION(base)));
	return NULL;
}

void
gs_relay_outq_free(GsRelayOutq *self)
{
	if (self == NULL)
		return;
	if (self->uncork != NULL) {
		g_source_destroy(self->uncork);
		g_clear_pointer(&self->uncork, g_source_unref);
		gs_relay_outq_set_cork(self, FALSE);
	}
	g_clear_object(&self->socket);
	g_free(self);
}

/* starts counting on a freshly upgraded connection */
GsRelayOutq *
gs_relay_outq_new(GIOStream *io)
{
	GsRelayOutq *self = g_new0(GsRelayOutq, 1);

	self->socket = gs_relay_outq_find_socket(io);
	if (self->socket != NULL && !gs_relay_outq_read_acked(self, &self->acked_base))
		g_clear_object(&self->socket);
	self->progress_at = g_get_monotonic_time();
	return self;
}
