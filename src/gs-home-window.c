/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsHome"

#include "config.h"

#include <string.h>

#include "gs-home-relay-private.h"

/*
 * The delivery window: how many events, and how many bytes of them, may await home's OK at
 * once. A connection starts at start_window events (500) and GS_HOME_RELAY_MAX_BYTES_IN_FLIGHT;
 * the count grows while home accepts a full window in time, up to max-in-flight. Home's
 * `rate-limited:` for an event sent while earlier ones were unanswered says how much it takes
 * at once: a budget in bytes when it names one, else the count it held; either holds for the
 * rest of the connection.
 */

/* events accepted for each event the window grows by */
#define GS_HOME_WINDOW_GROWTH 4

/* what a new connection starts with: what home takes is not known yet */
void
gs_home_delivery_reset_window(GsHomeRelay *self)
{
	self->window = MIN(self->opts.max_in_flight, self->opts.start_window);
	self->window_ceiling = self->opts.max_in_flight;
	self->window_credit = 0;
	self->window_full = FALSE;
	self->window_bytes = GS_HOME_RELAY_MAX_BYTES_IN_FLIGHT;
}

/* the budget in bytes a refusal names, "... (at most <n> bytes)" (our relay endpoint's
 * words); 0 when it names none */
static gsize
gs_home_relay_named_budget(const gchar *message)
{
	const gchar *at = strstr(message, "(at most ");
	gchar *end = NULL;
	guint64 n;

	if (at == NULL)
		return 0;
	n = g_ascii_strtoull(at + 9, &end, 10);
	if (end == at + 9 || !g_str_has_prefix(end, " bytes)") || n > G_MAXSIZE)
		return 0;
	return (gsize)n;
}

/*
 * The events sent before @flight and still unanswered: home held them when it refused
 * @flight. When there were some, the refusal says how much home takes at once (relays cap
 * what a connection may have waiting): when it names a budget in bytes (our relay endpoint
 * does), the events in flight are held to that many bytes; otherwise the window shrinks to
 * the number home held. Either lasts for the rest of the connection, and @flight goes again
 * as soon as there is room, without a pause; so do the events that were sent beyond the
 * shrunk window. Each shrink makes the window smaller, so this ends; a refusal with nothing
 * of ours waiting before it is a rate limit.
 *
 * Returns: %TRUE when the refusal came from sending more than home takes at once
 */
gboolean
gs_home_relay_window_overflow(GsHomeRelay *self, GsHomeFlight *flight, const gchar *message)
{
	GHashTableIter iter;
	gpointer value;
	guint earlier = 0;
	gsize budget = gs_home_relay_named_budget(message);

	g_hash_table_iter_init(&iter, self->flights);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		earlier += ((GsHomeFlight *)value)->send_seq < flight->send_seq;
	if (earlier == 0)
		return FALSE;
	if (budget > 0) {
		if (self->window_bytes == 0 || budget < self->window_bytes) {
			self->window_bytes = budget;
			g_info("home relay %s takes %" G_GSIZE_FORMAT " bytes of events at a time: "
			       "sending at most that much until reconnected",
			       self->url,
			       budget);
		}
	} else if (earlier < self->window) {
		self->window = earlier;
		self->window_ceiling = earlier;
		g_info("home relay %s takes %u events at a time: sending at most that many until "
		       "reconnected",
		       self->url,
		       earlier);
	}
	return TRUE;
}

/*
 * An accepted event while the window's count was what held the sending back: one more event
 * may be in flight for every GS_HOME_WINDOW_GROWTH accepted, so the window grows by a quarter
 * each time a window's worth comes back, up to max-in-flight (or the count home was found to
 * take). Growing a step at a time, the window overshoots what home takes by a few events,
 * not by hundreds, before home's `rate-limited:` answer holds it (gs_home_relay_window_overflow).
 * It grows only while answers come back within an eighth of ok-timeout: a slow home is not
 * given more than it answers in time.
 */
void
gs_home_relay_grow_window(GsHomeRelay *self, const GsHomeFlight *flight)
{
	gint64 timeout = (gint64)self->opts.ok_timeout_ms * 1000;

	if (!self->window_full || self->window >= self->window_ceiling)
		return;
	if (g_get_monotonic_time() - (flight->deadline - timeout) > timeout / 8)
		return;
	if (++self->window_credit < GS_HOME_WINDOW_GROWTH)
		return;
	self->window_credit = 0;
	self->window++;
}
