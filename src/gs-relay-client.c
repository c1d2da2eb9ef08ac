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

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-hex.h"
#include "gs-json.h"
#include "gs-message.h"
#include "gs-nip77.h"
#include "gs-relay-client.h"
#include "gs-relay-neg.h"
#include "gs-relay-replay.h"
#include "gs-relay-server-private.h"

/* a replay sends at most this much before it lets the main loop run other work */
#define GS_RELAY_CLIENT_SLICE_BYTES (256 * 1024)
/* a congested connection is looked at again after 1 ms, backing off to 64 ms while the peer
 * acknowledges nothing: fast readers are served at once, stalled ones cost little */
#define GS_RELAY_CLIENT_DRAIN_POLL_MIN_MS 1
#define GS_RELAY_CLIENT_DRAIN_POLL_MAX_MS 64
/* how long a closing handshake may take before the connection is dropped: a slow reader
 * reads its close frame late or never */
#define GS_RELAY_CLIENT_CLOSE_GRACE_MS 3000

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

struct _GsRelayClient {
	GObject parent_instance;
	GsRelayServer *server; /* unowned; the server holds us while the connection is open */
	SoupWebsocketConnection *conn;
	gchar *peer;
	guint64 id;
	gboolean closing;
	gboolean closed;
	/* bytes we queued (as websocket frames) and the peer's TCP acknowledgements */
	GSocket *socket; /* nullable: without it there is no congestion estimate */
	guint64 queued;
	guint64 acked;
	guint64 acked_base;
	gint64 progress_at;   /* monotonic time acked last moved, or when data was first queued */
	guint64 polled_acked; /* acked at the last drain poll */
	guint poll_ms;
	guint64 live_bytes; /* held in the live queues of replaying subscriptions */
	/* subscriptions */
	GHashTable *subs;    /* id -> GsRelaySub (a GRcBox reference) */
	GQueue replay_queue; /* GsRelaySub waiting or replaying, oldest first (unowned) */
	guint pump_id;
	guint close_timer_id;
	GsRelayNeg *neg;
	/* EVENT rate: a token bucket of events_per_minute tokens */
	gdouble tokens;
	gint64 tokens_at;
};

enum { SIGNAL_CLOSED, SIGNAL_LAST };
static guint signals[SIGNAL_LAST] = {0};

G_DEFINE_FINAL_TYPE(GsRelayClient, gs_relay_client, G_TYPE_OBJECT)

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

/* outgoing accounting ------------------------------------------------------------------------ */

/* a server frame is unmasked: 2, 4 or 10 bytes of header */
static guint64
gs_relay_client_frame_size(gsize len)
{
	if (len < 126)
		return len + 2;
	if (len < 65536)
		return len + 4;
	return len + 10;
}

/* the peer's cumulative TCP acknowledgements (Linux TCP_INFO), relative to the upgrade */
static gboolean
gs_relay_client_read_acked(GsRelayClient *self, guint64 *acked)
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
gs_relay_client_refresh_acked(GsRelayClient *self)
{
	guint64 acked = 0;

	if (!gs_relay_client_read_acked(self, &acked))
		return;
	acked = acked > self->acked_base ? acked - self->acked_base : 0;
	if (acked > self->acked) {
		self->acked = acked;
		self->progress_at = g_get_monotonic_time();
	}
}

/**
 * gs_relay_client_get_pending_bytes:
 *
 * Returns: the bytes queued towards the client (in libsoup's queue and the kernel's) that
 *   its TCP stack has not acknowledged yet; 0 when the socket cannot be inspected
 */
guint64
gs_relay_client_get_pending_bytes(GsRelayClient *self)
{
	gs_relay_client_refresh_acked(self);
	if (self->socket == NULL || self->queued <= self->acked)
		return 0;
	return self->queued - self->acked;
}

/* the pending estimate when it may exceed @threshold: acked only grows, so the cheap upper
 * bound queued - acked decides most calls without a system call */
static guint64
gs_relay_client_pending_above(GsRelayClient *self, guint64 threshold)
{
	if (self->socket == NULL || self->queued <= self->acked ||
	    self->queued - self->acked < threshold)
		return 0;
	return gs_relay_client_get_pending_bytes(self);
}

static guint64
gs_relay_client_low_water(GsRelayClient *self)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	return MIN(512 * 1024, limits->max_pending_bytes / 4);
}

/* closes a slow reader; returns %TRUE when the connection is still fine */
static gboolean
gs_relay_client_check_pending(GsRelayClient *self)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	guint64 bound = limits->max_pending_bytes;
	g_autofree gchar *reason = NULL;

	if (self->live_bytes <= bound &&
	    gs_relay_client_pending_above(self, bound - self->live_bytes) + self->live_bytes <=
		    bound)
		return TRUE;
	reason = g_strdup_printf("slow reader: over %u bytes queued", limits->max_pending_bytes);
	g_debug("closing connection %" G_GUINT64_FORMAT " from %s: %s",
		self->id,
		self->peer,
		reason);
	gs_relay_client_close(self, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, reason);
	return FALSE;
}

gboolean
gs_relay_client_is_open(GsRelayClient *self)
{
	return !self->closing &&
	       soup_websocket_connection_get_state(self->conn) == SOUP_WEBSOCKET_STATE_OPEN;
}

/**
 * gs_relay_client_send_text:
 * @text: a whole message
 *
 * Queues @text as is: no tap, no slow-reader check (for taps and tests).
 *
 * Returns: %FALSE when the connection is closing or closed
 */
gboolean
gs_relay_client_send_text(GsRelayClient *self, const gchar *text)
{
	if (!gs_relay_client_is_open(self))
		return FALSE;
	if (self->queued <= self->acked)
		self->progress_at = g_get_monotonic_time();
	soup_websocket_connection_send_text(self->conn, text);
	self->queued += gs_relay_client_frame_size(strlen(text));
	return TRUE;
}

/* every message of the relay goes here: outgoing tap, queue, slow-reader bound */
static gboolean
gs_relay_client_send(GsRelayClient *self, gchar *text)
{
	g_autofree gchar *owned = text;

	if (!gs_relay_client_is_open(self))
		return FALSE;
	if (!gs_relay_server_run_tap(self->server, self, TRUE, text, strlen(text)))
		return gs_relay_client_is_open(self);
	if (!gs_relay_client_send_text(self, text))
		return FALSE;
	return gs_relay_client_check_pending(self);
}

static void
gs_relay_client_send_notice(GsRelayClient *self, const gchar *text)
{
	gs_relay_client_send(self, gs_message_build_notice(text));
}

static void
gs_relay_client_send_closed(GsRelayClient *self, const gchar *sub_id, const gchar *reason)
{
	gs_relay_client_send(self, gs_message_build_closed(sub_id, reason));
}

/* subscriptions and replay -------------------------------------------------------------------- */

static void
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
	if (self->acked != self->polled_acked || self->poll_ms == 0)
		self->poll_ms = GS_RELAY_CLIENT_DRAIN_POLL_MIN_MS;
	else
		self->poll_ms = MIN(self->poll_ms * 2, GS_RELAY_CLIENT_DRAIN_POLL_MAX_MS);
	self->polled_acked = self->acked;
	self->pump_id = g_timeout_add(self->poll_ms, gs_relay_client_pump_cb, self);
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
	sub->replay = gs_relay_replay_new(gs_relay_server_get_store(self->server), sub->filters);
	sub->live_ids = g_hash_table_new(g_str_hash, g_str_equal);
	sub->started = TRUE;
}

/* TRUE when the connection should wait for the peer; closes it when it stalled too long */
static gboolean
gs_relay_client_congested(GsRelayClient *self)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	gint64 stalled;

	if (gs_relay_client_pending_above(self, gs_relay_client_low_water(self)) == 0)
		return FALSE;
	stalled = g_get_monotonic_time() - self->progress_at;
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
		g_autoptr(GsEvent) ev = NULL;
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
		*budget -= MIN(*budget, gs_event_get_json_size(ev) + 32);
		gs_relay_client_send(self, gs_message_build_event(sub->id, ev));
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
	gsize budget = GS_RELAY_CLIENT_SLICE_BYTES;
	GsRelaySub *head;

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

static gboolean
gs_relay_client_check_sub_id(GsRelayClient *self,
			     const gchar *sub_id,
			     const gchar *prefix,
			     gchar **reason)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);

	if (sub_id[0] == '\0') {
		*reason = g_strdup_printf("%s: empty subscription id", prefix);
		return FALSE;
	}
	if (g_utf8_strlen(sub_id, -1) > limits->max_subid_length) {
		*reason = g_strdup_printf("%s: subscription id longer than %u characters",
					  prefix,
					  limits->max_subid_length);
		return FALSE;
	}
	return TRUE;
}

/* REQ and COUNT filters, or NULL with the CLOSED reason */
static GPtrArray *
gs_relay_client_parse_filters(GsRelayClient *self, GPtrArray *nodes, gchar **reason)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	g_autoptr(GPtrArray) filters = NULL;

	if (nodes->len > limits->max_filters) {
		*reason = g_strdup_printf("blocked: too many filters (at most %u)",
					  limits->max_filters);
		return NULL;
	}
	filters = g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	for (guint i = 0; i < nodes->len; i++) {
		g_autoptr(GError) error = NULL;
		GsFilter *filter = gs_filter_new_from_node(g_ptr_array_index(nodes, i), &error);
		if (filter == NULL) {
			*reason = g_strdup_printf("invalid: %s", error->message);
			return NULL;
		}
		g_ptr_array_add(filters, filter);
	}
	return g_steal_pointer(&filters);
}

static void
gs_relay_client_handle_req(GsRelayClient *self, GsMessage *msg)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	g_autoptr(GPtrArray) filters = NULL;
	g_autofree gchar *reason = NULL;
	GsRelaySub *sub;

	if (!gs_relay_client_check_sub_id(self, msg->sub_id, "invalid", &reason) ||
	    (filters = gs_relay_client_parse_filters(self, msg->filters, &reason)) == NULL) {
		gs_relay_client_send_closed(self, msg->sub_id, reason);
		return;
	}
	/* NIP-01: a REQ with the id of an open subscription replaces it */
	gs_relay_client_drop_sub(self, msg->sub_id);
	if (g_hash_table_size(self->subs) >= limits->max_subscriptions) {
		reason = g_strdup_printf("blocked: too many subscriptions (at most %u)",
					 limits->max_subscriptions);
		gs_relay_client_send_closed(self, msg->sub_id, reason);
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
	sub->id = g_strdup(msg->sub_id);
	sub->filters = g_steal_pointer(&filters);
	g_hash_table_insert(self->subs, g_strdup(sub->id), sub);
	g_queue_push_tail(&self->replay_queue, sub);
	if (self->pump_id == 0)
		gs_relay_client_pump(self);
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

/* COUNT (NIP-45): one filter is exact; several are summed, which may count an event twice */
static void
gs_relay_client_handle_count(GsRelayClient *self, GsMessage *msg)
{
	GsStore *store = gs_relay_server_get_store(self->server);
	g_autoptr(GPtrArray) filters = NULL;
	g_autofree gchar *reason = NULL;
	guint64 total = 0;

	if (!gs_relay_client_check_sub_id(self, msg->sub_id, "invalid", &reason) ||
	    (filters = gs_relay_client_parse_filters(self, msg->filters, &reason)) == NULL) {
		gs_relay_client_send_closed(self, msg->sub_id, reason);
		return;
	}
	for (guint i = 0; i < filters->len; i++) {
		g_autoptr(GError) error = NULL;
		guint64 count = 0;
		if (!gs_store_count(store, g_ptr_array_index(filters, i), &count, &error)) {
			g_debug("COUNT %s refused: %s", msg->sub_id, error->message);
			gs_relay_client_send_closed(self, msg->sub_id, "error: could not count");
			return;
		}
		total += count;
	}
	gs_relay_client_send(self, gs_message_build_count(msg->sub_id, total, filters->len > 1));
}

/* negentropy ---------------------------------------------------------------------------------- */

static void
gs_relay_client_handle_neg(GsRelayClient *self, GsMessage *msg)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	g_autofree gchar *reason = NULL;

	if (!gs_relay_client_check_sub_id(self, msg->sub_id, "closed", &reason)) {
		gs_relay_client_send(self, gs_nip77_err_new(msg->sub_id, reason));
		return;
	}
	if (self->neg == NULL)
		self->neg = gs_relay_neg_new(gs_relay_server_get_store(self->server),
					     limits->max_subscriptions,
					     limits->max_sync_events,
					     limits->negentropy_frame_limit);
	switch (msg->type) {
	case GS_MESSAGE_NEG_OPEN:
		gs_relay_client_send(self,
				     gs_relay_neg_open(self->neg,
						       msg->sub_id,
						       g_ptr_array_index(msg->filters, 0),
						       msg->text));
		break;
	case GS_MESSAGE_NEG_MSG:
		gs_relay_client_send(self, gs_relay_neg_msg(self->neg, msg->sub_id, msg->text));
		break;
	default:
		gs_relay_neg_close(self->neg, msg->sub_id);
		break;
	}
}

/* EVENT and AUTH ------------------------------------------------------------------------------ */

/* the id of an event object, for OK; NULL when it has none we could name */
static gchar *
gs_relay_client_event_id(JsonNode *node)
{
	JsonNode *member;
	const gchar *id;

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
		return NULL;
	member = json_object_get_member(json_node_get_object(node), "id");
	if (member == NULL || !JSON_NODE_HOLDS_VALUE(member) ||
	    json_node_get_value_type(member) != G_TYPE_STRING)
		return NULL;
	id = json_node_get_string(member);
	if (!gs_hex_is_lower(id, 64))
		return NULL;
	return g_strdup(id);
}

static void
gs_relay_client_send_ok(GsRelayClient *self,
			JsonNode *event,
			gboolean accepted,
			const gchar *message)
{
	g_autofree gchar *id = gs_relay_client_event_id(event);
	g_autofree gchar *notice = NULL;

	if (id == NULL) {
		notice = g_strdup_printf("invalid: event has no valid id (%s)", message);
		gs_relay_client_send_notice(self, notice);
		return;
	}
	gs_relay_client_send(self, gs_message_build_ok(id, accepted, message));
}

/* a token bucket: events_per_minute tokens, refilled continuously */
static gboolean
gs_relay_client_take_token(GsRelayClient *self)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	gint64 now = g_get_monotonic_time();
	gdouble cap = limits->events_per_minute;

	if (limits->events_per_minute == 0)
		return TRUE;
	if (self->tokens_at == 0)
		self->tokens = cap;
	else
		self->tokens = MIN(cap, self->tokens + (now - self->tokens_at) * cap / 60e6);
	self->tokens_at = now;
	if (self->tokens < 1.0)
		return FALSE;
	self->tokens -= 1.0;
	return TRUE;
}

static void
gs_relay_client_handle_event(GsRelayClient *self, const gchar *json, gsize len)
{
	const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
	g_autoptr(JsonNode) node = gs_json_parse(json, (gssize)len, NULL);
	g_autofree gchar *reason = NULL;

	if (node == NULL) {
		gs_relay_client_send_notice(self, "invalid: EVENT is not valid JSON");
		return;
	}
	if (!gs_relay_client_take_token(self)) {
		reason = g_strdup_printf("rate-limited: at most %u events a minute",
					 limits->events_per_minute);
		gs_relay_client_send_ok(self, node, FALSE, reason);
		return;
	}
	if (!limits->accept_events || gs_relay_server_get_ingest(self->server) == NULL) {
		gs_relay_client_send_ok(
			self, node, FALSE, "blocked: this relay does not accept events");
		return;
	}
}

static void
gs_relay_client_handle_event_node(GsRelayClient *self, JsonNode *event)
{
	g_autofree gchar *json = json_to_string(event, FALSE);
	gs_relay_client_handle_event(self, json, strlen(json));
}

/* messages ------------------------------------------------------------------------------------ */

static void
gs_relay_client_dispatch(GsRelayClient *self, GsMessage *msg)
{
	switch (msg->type) {
	case GS_MESSAGE_REQ:
		gs_relay_client_handle_req(self, msg);
		break;
	case GS_MESSAGE_CLOSE:
		gs_relay_client_drop_sub(self, msg->sub_id);
		break;
	case GS_MESSAGE_EVENT:
		gs_relay_client_handle_event_node(self, msg->event);
		break;
	case GS_MESSAGE_COUNT:
		gs_relay_client_handle_count(self, msg);
		break;
	case GS_MESSAGE_AUTH:
		gs_relay_client_send_ok(self,
					msg->event,
					FALSE,
					"restricted: this relay does not use authentication");
		break;
	case GS_MESSAGE_NEG_OPEN:
	case GS_MESSAGE_NEG_MSG:
	case GS_MESSAGE_NEG_CLOSE:
		gs_relay_client_handle_neg(self, msg);
		break;
	default:
		gs_relay_client_send_notice(self, "invalid: not a client message");
		break;
	}
}

/**
 * gs_relay_client_handle_text:
 *
 * Handles one client message as if it had arrived (without the incoming tap).
 */
void
gs_relay_client_handle_text(GsRelayClient *self, const gchar *text, gsize len)
{
	g_autoptr(GsMessage) msg = NULL;
	g_autoptr(GError) error = NULL;
	gsize off = 0;
	gsize event_len = 0;

	if (!gs_relay_client_is_open(self))
		return;
	/* the hot path: the event object is handed on without building a tree here */
	if (gs_message_peek_event(text, len, GS_MESSAGE_FROM_CLIENT, NULL, &off, &event_len)) {
		gs_relay_client_handle_event(self, text + off, event_len);
		return;
	}
	msg = gs_message_parse(text, len, GS_MESSAGE_FROM_CLIENT, &error);
	if (msg == NULL) {
		g_autofree gchar *notice = g_strdup_printf("invalid: %s", error->message);
		gs_relay_client_send_notice(self, notice);
		return;
	}
	g_object_ref(self);
	gs_relay_client_dispatch(self, msg);
	g_object_unref(self);
}

static void
gs_relay_client_message_cb(SoupWebsocketConnection *conn,
			   gint type,
			   GBytes *message,
			   gpointer user_data)
{
	GsRelayClient *self = GS_RELAY_CLIENT(user_data);
	gsize len = 0;
	const gchar *data = g_bytes_get_data(message, &len);

	if (!gs_relay_client_is_open(self))
		return;
	if (type != SOUP_WEBSOCKET_DATA_TEXT) {
		gs_relay_client_send_notice(self, "invalid: binary messages are not supported");
		return;
	}
	if (!gs_relay_server_run_tap(self->server, self, FALSE, data, len))
		return;
	gs_relay_client_handle_text(self, data, len);
}

/* lifecycle ----------------------------------------------------------------------------------- */

static void
gs_relay_client_drop_state(GsRelayClient *self)
{
	g_clear_handle_id(&self->pump_id, g_source_remove);
	g_queue_clear(&self->replay_queue);
	if (self->subs != NULL) {
		GHashTableIter iter;
		GsRelaySub *sub;
		g_hash_table_iter_init(&iter, self->subs);
		while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&sub))
			sub->dropped = TRUE;
		g_hash_table_remove_all(self->subs);
	}
	self->live_bytes = 0;
	g_clear_pointer(&self->neg, gs_relay_neg_free);
}

static gboolean
gs_relay_client_close_timeout_cb(gpointer user_data)
{
	GsRelayClient *self = GS_RELAY_CLIENT(user_data);

	self->close_timer_id = 0;
	g_debug("connection %" G_GUINT64_FORMAT ": no close handshake, dropping it", self->id);
	if (self->socket != NULL)
		g_socket_shutdown(self->socket, TRUE, TRUE, NULL);
	return G_SOURCE_REMOVE;
}

/**
 * gs_relay_client_close:
 * @code: a websocket close code (1008 for limits, 1001 when going away)
 * @reason: (nullable): the close reason (at most 123 bytes are sent)
 *
 * Starts the closing handshake; `closed` follows when it ends (libsoup gives up on a peer that
 * does not answer). State is dropped at once.
 */
void
gs_relay_client_close(GsRelayClient *self, gushort code, const gchar *reason)
{
	if (self->closing)
		return;
	self->closing = TRUE;
	gs_relay_client_drop_state(self);
	if (soup_websocket_connection_get_state(self->conn) != SOUP_WEBSOCKET_STATE_OPEN)
		return;
	soup_websocket_connection_close(self->conn, code, reason);
	self->close_timer_id = g_timeout_add(
		GS_RELAY_CLIENT_CLOSE_GRACE_MS, gs_relay_client_close_timeout_cb, self);
}

/**
 * gs_relay_client_abort:
 *
 * Drops the connection without a closing handshake (the peer sees the TCP connection end);
 * `closed` follows.
 */
void
gs_relay_client_abort(GsRelayClient *self)
{
	g_autoptr(GError) error = NULL;

	if (self->socket == NULL || !g_socket_shutdown(self->socket, TRUE, TRUE, &error)) {
		g_debug("cannot shut down connection %" G_GUINT64_FORMAT ": %s",
			self->id,
			error != NULL ? error->message : "no socket");
		gs_relay_client_close(self, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
		return;
	}
	self->closing = TRUE;
	gs_relay_client_drop_state(self);
}

static void
gs_relay_client_closed_cb(SoupWebsocketConnection *conn, gpointer user_data)
{
	GsRelayClient *self = GS_RELAY_CLIENT(user_data);

	if (self->closed)
		return;
	self->closing = TRUE;
	self->closed = TRUE;
	g_clear_handle_id(&self->close_timer_id, g_source_remove);
	gs_relay_client_drop_state(self);
	g_object_ref(self);
	g_signal_emit(self, signals[SIGNAL_CLOSED], 0);
	g_object_unref(self);
}

static void
gs_relay_client_error_cb(SoupWebsocketConnection *conn, GError *error, gpointer user_data)
{
	GsRelayClient *self = GS_RELAY_CLIENT(user_data);

	g_debug("connection %" G_GUINT64_FORMAT " from %s: %s",
		self->id,
		self->peer,
		error->message);
	/* libsoup drops the connection after this signal without telling the peer why; a close
	 * frame queued now is written before that */
	if (g_error_matches(error, SOUP_WEBSOCKET_ERROR, SOUP_WEBSOCKET_CLOSE_TOO_BIG) &&
	    soup_websocket_connection_get_state(conn) == SOUP_WEBSOCKET_STATE_OPEN) {
		const GsRelayLimits *limits = gs_relay_server_get_limits(self->server);
		g_autofree gchar *reason = g_strdup_printf("message too big (at most %u bytes)",
							   limits->max_message_bytes);
		soup_websocket_connection_close(conn, SOUP_WEBSOCKET_CLOSE_TOO_BIG, reason);
	}
}

guint64
gs_relay_client_get_id(GsRelayClient *self)
{
	return self->id;
}

const gchar *
gs_relay_client_get_peer(GsRelayClient *self)
{
	return self->peer;
}

/* REQ subscriptions open, waiting or replaying */
guint
gs_relay_client_get_subscription_count(GsRelayClient *self)
{
	return g_hash_table_size(self->subs);
}

/* the GSocket under libsoup's server-side stream, for TCP_INFO */
static GSocket *
gs_relay_client_find_socket(SoupWebsocketConnection *conn)
{
	GIOStream *io = soup_websocket_connection_get_io_stream(conn);
	g_autoptr(GIOStream) base = NULL;

	if (G_IS_SOCKET_CONNECTION(io))
		return g_object_ref(g_socket_connection_get_socket(G_SOCKET_CONNECTION(io)));
	if (g_object_class_find_property(G_OBJECT_GET_CLASS(io), "base-iostream") != NULL)
		g_object_get(io, "base-iostream", &base, NULL);
	if (base != NULL && G_IS_SOCKET_CONNECTION(base))
		return g_object_ref(g_socket_connection_get_socket(G_SOCKET_CONNECTION(base)));
	return NULL;
}

static void
gs_relay_client_dispose(GObject *object)
{
	GsRelayClient *self = GS_RELAY_CLIENT(object);

	gs_relay_client_drop_state(self);
	g_clear_handle_id(&self->close_timer_id, g_source_remove);
	if (self->conn != NULL) {
		g_signal_handlers_disconnect_by_data(self->conn, self);
		if (soup_websocket_connection_get_state(self->conn) == SOUP_WEBSOCKET_STATE_OPEN)
			soup_websocket_connection_close(
				self->conn, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
	}
	g_clear_object(&self->conn);
	g_clear_object(&self->socket);
	G_OBJECT_CLASS(gs_relay_client_parent_class)->dispose(object);
}

static void
gs_relay_client_finalize(GObject *object)
{
	GsRelayClient *self = GS_RELAY_CLIENT(object);

	g_hash_table_unref(self->subs);
	g_free(self->peer);
	G_OBJECT_CLASS(gs_relay_client_parent_class)->finalize(object);
}

static void
gs_relay_client_class_init(GsRelayClientClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = gs_relay_client_dispose;
	object_class->finalize = gs_relay_client_finalize;
	signals[SIGNAL_CLOSED] = g_signal_new("closed",
					      G_TYPE_FROM_CLASS(klass),
					      G_SIGNAL_RUN_LAST,
					      0,
					      NULL,
					      NULL,
					      NULL,
					      G_TYPE_NONE,
					      0);
}

static void
gs_relay_client_init(GsRelayClient *self)
{
	self->subs = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)gs_relay_sub_unref);
	g_queue_init(&self->replay_queue);
}

/**
 * gs_relay_client_new:
 * @server: the endpoint (not referenced: it holds the client and outlives it)
 * @conn: the open websocket (referenced)
 */
GsRelayClient *
gs_relay_client_new(GsRelayServer *server,
		    SoupWebsocketConnection *conn,
		    const gchar *peer,
		    guint64 id)
{
	GsRelayClient *self = g_object_new(GS_TYPE_RELAY_CLIENT, NULL);
	const GsRelayLimits *limits = gs_relay_server_get_limits(server);

	self->server = server;
	self->conn = g_object_ref(conn);
	self->peer = g_strdup(peer);
	self->id = id;
	self->socket = gs_relay_client_find_socket(conn);
	if (self->socket == NULL || !gs_relay_client_read_acked(self, &self->acked_base))
		g_debug("connection %" G_GUINT64_FORMAT ": no TCP_INFO, no slow-reader bound", id);
	self->progress_at = g_get_monotonic_time();
	soup_websocket_connection_set_max_incoming_payload_size(conn, limits->max_message_bytes);
	g_signal_connect(conn, "message", G_CALLBACK(gs_relay_client_message_cb), self);
	g_signal_connect(conn, "closed", G_CALLBACK(gs_relay_client_closed_cb), self);
	g_signal_connect(conn, "error", G_CALLBACK(gs_relay_client_error_cb), self);
	return self;
}
