/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelay"

#include "config.h"

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-relay-client-private.h"
#include "gs-relay-replay.h"

/* a replay sends at most this much before it lets the main loop run other work */
#define GS_RELAY_CLIENT_SLICE_BYTES (256 * 1024)

/*
 * A REQ subscription. WAITING (queued behind another replay: nothing read yet), REPLAYING
 * (stored events are read page by page and sent; events stored meanwhile wait in @live and
 * are skipped by the replay), LIVE (EOSE sent: matches go out at once). Every event is sent
 * once: one stored before the replay started comes from the replay, one stored after it from
 * @live.
 */
typedef struct {
	gchar *id;
	GPtrArray *filters;    /* GsFilter */
	GsRelayReplay *replay; /* while REPLAYING */
	GPtrArray *live;       /* GsEvent stored during the replay */
	GHashTable *live_ids;  /* their hex ids, which the replay skips */
	guint64 live_bytes;
	gboolean started;
	gboolean eose_sent;
	gboolean dropped;
} GsRelaySub;

static void
gs_relay_client_pump(GsRelayClient *self);
static gboolean
gs_relay_client_pump_cb(gpointer user_data);

static void
gs_relay_sub_clear(GsRelaySub *sub)
{
	g_free(sub->id);
	g_ptr_array_unref(sub->filters);
	g_clear_pointer(&sub->replay, gs_relay_replay_free);
	g_clear_pointer(&sub->live, g_ptr_array_unref);
	g_clear_pointer(&sub->live_ids, g_hash_table_unref);
}

static void
gs_relay_sub_unref(GsRelaySub *sub)
{
	g_rc_box_release_full(sub, (GDestroyNotify)gs_relay_sub_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsRelaySub, gs_relay_sub_unref)

static guint64
gs_relay_client_low_water(GsRelayClient *self)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	return MIN(512 * 1024, limits->max_pending_bytes / 4);
}

/* subscriptions and replay -------------------------------------------------------------------- */

void
gs_relay_client_drop_sub(GsRelayClient *self, const gchar *sub_id)
{
	GsRelaySub *sub = g_hash_table_lookup(self->subs, sub_id);

	if (sub == NULL)
		return;
	sub->dropped = TRUE;
	self->live_bytes -= sub->live_bytes;
	sub->live_bytes = 0;
	g_queue_remove(&self->replay_queue, sub);
	g_hash_table_remove(self->subs, sub_id);
}

static void
gs_relay_client_schedule_pump(GsRelayClient *self, gboolean congested)
{
	if (self->pump_id != 0 || self->closing)
		return;
	if (!congested) {
		self->pump_id = g_idle_add(gs_relay_client_pump_cb, self);
		return;
	}
	self->pump_id = g_timeout_add(
		gs_relay_outq_next_poll_ms(self->outq), gs_relay_client_pump_cb, self);
}

/* a replay failed (the store, or a filter with too many values): CLOSED, and the sub is gone */
static void
gs_relay_client_replay_failed(GsRelayClient *self, GsRelaySub *sub, GError *error)
{
	g_autofree gchar *reason = NULL;

	if (g_error_matches(error, GS_ERROR, GS_ERROR_TOO_LARGE))
		reason = g_strdup_printf("blocked: %s", error->message);
	else
		reason = g_strdup("error: could not read the store");
	g_debug("REQ %s refused: %s", sub->id, error->message);
	gs_relay_client_send_closed(self, sub->id, reason);
	gs_relay_client_drop_sub(self, sub->id);
}

/* from now on, events stored for @sub are held for after EOSE */
static void
gs_relay_client_start_replay(GsRelayClient *self, GsRelaySub *sub)
{
	sub->replay =
		gs_relay_replay_new(gs_relay_server_get_store(self->server), sub->filters, sub->id);
	sub->live_ids = g_hash_table_new(g_str_hash, g_str_equal);
	sub->started = TRUE;
}

/* TRUE when the connection should wait for the peer; closes it when it stalled too long */
static gboolean
gs_relay_client_congested(GsRelayClient *self)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	gint64 stalled;

	if (gs_relay_outq_get_pending_above(self->outq, gs_relay_client_low_water(self)) == 0)
		return FALSE;
	stalled = gs_relay_outq_get_stalled_usec(self->outq);
	if (limits->write_timeout_seconds > 0 &&
	    stalled > (gint64)limits->write_timeout_seconds * G_USEC_PER_SEC) {
		g_debug("closing connection %" G_GUINT64_FORMAT ": no progress for %us",
			self->id,
			limits->write_timeout_seconds);
		gs_relay_client_close(self,
				      SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION,
				      "slow reader: nothing read for too long");
	}
	return TRUE;
}

/* sends the rest of @sub's snapshot; %FALSE when it has to wait (a pump is scheduled) */
static gboolean
gs_relay_client_replay(GsRelayClient *self, GsRelaySub *sub, gsize *budget)
{
	for (;;) {
		g_autofree GsStoreRawEvent *ev = NULL;
		g_autoptr(GError) error = NULL;
		if (sub->dropped || !gs_relay_client_is_open(self))
			return FALSE;
		if (*budget == 0) {
			gs_relay_client_schedule_pump(self, FALSE);
			return FALSE;
		}
		if (gs_relay_client_congested(self)) {
			gs_relay_client_schedule_pump(self, TRUE);
			return FALSE;
		}
		ev = gs_relay_replay_next(sub->replay, sub->live_ids, &error);
		if (error != NULL) {
			gs_relay_client_replay_failed(self, sub, error);
			return FALSE;
		}
		if (ev == NULL)
			return TRUE;
		*budget -= MIN(*budget, ev->len);
		gs_relay_client_send_valid(self, ev->text, ev->len);
	}
}

/* EOSE, then what was stored during the replay, then live */
static void
gs_relay_client_finish_replay(GsRelayClient *self, GsRelaySub *sub)
{
	g_autoptr(GPtrArray) live = g_steal_pointer(&sub->live);

	g_queue_remove(&self->replay_queue, sub);
	g_clear_pointer(&sub->replay, gs_relay_replay_free);
	g_clear_pointer(&sub->live_ids, g_hash_table_unref);
	sub->eose_sent = TRUE;
	self->live_bytes -= sub->live_bytes;
	sub->live_bytes = 0;
	if (!gs_relay_client_send(self, gs_message_build_eose(sub->id)))
		return;
	for (guint i = 0; live != NULL && i < live->len; i++) {
		if (sub->dropped ||
		    !gs_relay_client_send(
			    self, gs_message_build_event(sub->id, g_ptr_array_index(live, i))))
			return;
	}
}

/* drives the replays, oldest REQ first; one snapshot is held at a time */
static void
gs_relay_client_pump(GsRelayClient *self)
{
	GsStore *store = gs_relay_server_get_store(self->server);
	gsize budget = GS_RELAY_CLIENT_SLICE_BYTES;
	GsRelaySub *head;
	/* one read transaction for the slice's reads (a key page, then one row an event) */
	gboolean reading = gs_store_read_begin(store);

	g_object_ref(self);
	while (gs_relay_client_is_open(self) &&
	       (head = g_queue_peek_head(&self->replay_queue)) != NULL) {
		g_autoptr(GsRelaySub) sub = g_rc_box_acquire(head);
		if (!sub->started)
			gs_relay_client_start_replay(self, sub);
		if (!gs_relay_client_replay(self, sub, &budget)) {
			if (sub->dropped)
				continue;
			break;
		}
		gs_relay_client_finish_replay(self, sub);
	}
	if (reading)
		gs_store_read_end(store);
	g_object_unref(self);
}

static gboolean
gs_relay_client_pump_cb(gpointer user_data)
{
	GsRelayClient *self = GS_RELAY_CLIENT(user_data);
	self->pump_id = 0;
	gs_relay_client_pump(self);
	return G_SOURCE_REMOVE;
}

/**
 * gs_relay_client_handle_req:
 * @filters_in: (transfer full) (element-type GsFilter): the REQ's filters, already parsed (by
 *   gs_message_peek_req())
 *
 * Opens the subscription, or answers CLOSED for a bad id or too many filters.
 */
void
gs_relay_client_handle_req(GsRelayClient *self, const gchar *sub_id, GPtrArray *filters_in)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	g_autoptr(GPtrArray) filters = filters_in;
	g_autofree gchar *reason = NULL;
	GsRelaySub *sub;

	if (!gs_relay_client_check_sub_id(self, sub_id, "invalid", &reason) ||
	    !gs_relay_client_check_n_filters(self, filters->len, &reason)) {
		gs_relay_client_send_closed(self, sub_id, reason);
		return;
	}
	/* NIP-01: a REQ with the id of an open subscription replaces it */
	gs_relay_client_drop_sub(self, sub_id);
	if (g_hash_table_size(self->subs) >= limits->max_subscriptions) {
		reason = g_strdup_printf("blocked: too many subscriptions (at most %u)",
					 limits->max_subscriptions);
		gs_relay_client_send_closed(self, sub_id, reason);
		return;
	}
	/* no limit: the default; above the maximum: the maximum (lowered, not refused) */
	for (guint i = 0; i < filters->len; i++) {
		GsFilter *filter = g_ptr_array_index(filters, i);
		if (gs_filter_get_limit(filter) < 0)
			gs_filter_set_limit(filter, limits->default_limit);
		if (gs_filter_get_limit(filter) > limits->max_limit)
			gs_filter_set_limit(filter, limits->max_limit);
	}
	sub = g_rc_box_new0(GsRelaySub);
	sub->id = g_strdup(sub_id);
	sub->filters = g_steal_pointer(&filters);
	g_hash_table_insert(self->subs, g_strdup(sub->id), sub);
	g_queue_push_tail(&self->replay_queue, sub);
	if (self->pump_id == 0)
		gs_relay_client_pump(self);
}

/* a REQ parsed by gs_message_parse(): @nodes (element-type JsonNode) are its filters */
void
gs_relay_client_handle_req_nodes(GsRelayClient *self, const gchar *sub_id, GPtrArray *nodes)
{
	g_autofree gchar *reason = NULL;
	GPtrArray *filters;

	if (!gs_relay_client_check_sub_id(self, sub_id, "invalid", &reason) ||
	    (filters = gs_relay_client_parse_filters(self, nodes, &reason)) == NULL) {
		gs_relay_client_send_closed(self, sub_id, reason);
		return;
	}
	gs_relay_client_handle_req(self, sub_id, filters);
}

/* live events: sent at once after EOSE, held during the replay, ignored while waiting */
void
gs_relay_client_event_stored(GsRelayClient *self, GsEvent *event)
{
	GHashTableIter iter;
	GsRelaySub *sub;

	if (!gs_relay_client_is_open(self))
		return;
	g_hash_table_iter_init(&iter, self->subs);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&sub)) {
		if (!sub->started || !gs_filters_match(sub->filters, event))
			continue;
		if (sub->eose_sent) {
			if (!gs_relay_client_send(self, gs_message_build_event(sub->id, event)))
				return;
			continue;
		}
		if (sub->live == NULL)
			sub->live = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
		g_ptr_array_add(sub->live, gs_event_ref(event));
		g_hash_table_add(sub->live_ids, (gpointer)gs_event_get_id(event));
		sub->live_bytes += gs_event_get_json_size(event);
		self->live_bytes += gs_event_get_json_size(event);
		if (!gs_relay_client_check_pending(self))
			return;
	}
}

void
gs_relay_client_subs_init(GsRelayClient *self)
{
	self->subs = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)gs_relay_sub_unref);
	g_queue_init(&self->replay_queue);
}

/* drops every subscription (the connection is closing) */
void
gs_relay_client_subs_clear(GsRelayClient *self)
{
	GHashTableIter iter;
	GsRelaySub *sub;

	g_clear_handle_id(&self->pump_id, g_source_remove);
	g_queue_clear(&self->replay_queue);
	if (self->subs == NULL)
		return;
	g_hash_table_iter_init(&iter, self->subs);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&sub))
		sub->dropped = TRUE;
	g_hash_table_remove_all(self->subs);
	self->live_bytes = 0;
}

void
gs_relay_client_subs_free(GsRelayClient *self)
{
	g_clear_pointer(&self->subs, g_hash_table_unref);
}

/* REQ subscriptions open, waiting or replaying */
guint
gs_relay_client_get_subscription_count(GsRelayClient *self)
{
	return g_hash_table_size(self->subs);
}
