/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelay"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-json.h"
#include "gs-nip77.h"
#include "gs-relay-connection-private.h"

/*
 * What a client asks of an open GsRelayConnection, and the relay's answers: REQ subscriptions
 * (EVENT, EOSE, CLOSED), publishing (EVENT and its OK), NIP-42 AUTH (a CLOSED
 * `auth-required:` authenticates once and sends the REQ again), and NIP-77 initiator
 * sessions (NEG-OPEN, NEG-MSG and NEG-CLOSE built by gs-nip77; NEG-MSG, NEG-ERR and a NOTICE
 * saying there is no NIP-77 answered). When the connection ends, every one of them ends as
 * aborted.
 */

/* a REQ we sent; its text is built again from @filters only when AUTH makes us re-send it, so
 * that what many long-lived live REQs keep is the filters their owner holds anyway */
typedef struct {
	gchar *id;
	GPtrArray *filters; /* of GsFilter, references */
	GsRelayEventFunc event_func;
	GsRelayStateFunc state_func;
	gpointer user_data;
	gboolean eose_seen;
	gboolean auth_retried;
} GsRelaySub;

typedef struct {
	GsRelayNegFunc func;
	gpointer user_data;
} GsRelayNeg;

typedef struct {
	GsRelayOkFunc func;
	gpointer user_data;
} GsRelayOk;

static void
gs_relay_sub_free(GsRelaySub *sub)
{
	g_free(sub->id);
	g_ptr_array_unref(sub->filters);
	g_free(sub);
}

/* ends every subscription, NEG session and pending OK with "aborted"; callbacks may re-enter */
static void
gs_relay_connection_new_tables(GsRelayConnection *self)
{
	self->subs = g_hash_table_new_full(
		g_str_hash, g_str_equal, NULL, (GDestroyNotify)gs_relay_sub_free);
	self->negs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	self->pending_ok = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void
gs_relay_connection_requests_init(GsRelayConnection *self)
{
	gs_relay_connection_new_tables(self);
	self->auth_waiting = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
}

void
gs_relay_connection_requests_clear(GsRelayConnection *self)
{
	g_hash_table_unref(self->subs);
	g_hash_table_unref(self->negs);
	g_hash_table_unref(self->pending_ok);
	g_hash_table_unref(self->auth_waiting);
	g_free(self->auth_challenge);
}

void
gs_relay_connection_abort_all(GsRelayConnection *self, const gchar *reason)
{
	g_autoptr(GHashTable) subs = g_steal_pointer(&self->subs);
	g_autoptr(GHashTable) negs = g_steal_pointer(&self->negs);
	g_autoptr(GHashTable) oks = g_steal_pointer(&self->pending_ok);
	g_autoptr(GError) error = NULL;
	GHashTableIter iter;
	gpointer key, value;

	gs_relay_connection_new_tables(self);
	g_hash_table_remove_all(self->auth_waiting);

	g_hash_table_iter_init(&iter, subs);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		GsRelaySub *sub = value;
		if (sub->state_func != NULL)
			sub->state_func(self,
					sub->id,
					GS_RELAY_SUBSCRIPTION_ABORTED,
					NULL,
					reason,
					sub->user_data);
	}
	error = g_error_new(GS_ERROR, GS_ERROR_PROTOCOL, "connection lost: %s", reason);
	g_hash_table_iter_init(&iter, negs);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		GsRelayNeg *neg = value;
		neg->func(self, key, NULL, error, neg->user_data);
	}
	g_hash_table_iter_init(&iter, oks);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		GsRelayOk *ok = value;
		if (ok->func != NULL)
			ok->func(self, key, FALSE, "aborted: connection closed", ok->user_data);
	}
}

void
gs_relay_connection_dispatch_event(GsRelayConnection *self,
				   const gchar *sub_id,
				   const gchar *json,
				   gsize len)
{
	GsRelaySub *sub = g_hash_table_lookup(self->subs, sub_id);

	/* relays may still send for a subscription we closed: not an error */
	if (sub == NULL || sub->event_func == NULL)
		return;
	sub->event_func(self, sub_id, json, len, sub->user_data);
}

void
gs_relay_connection_handle_eose(GsRelayConnection *self, const gchar *sub_id)
{
	GsRelaySub *sub = g_hash_table_lookup(self->subs, sub_id);
	if (sub == NULL || sub->eose_seen)
		return;
	sub->eose_seen = TRUE;
	if (sub->state_func != NULL)
		sub->state_func(
			self, sub_id, GS_RELAY_SUBSCRIPTION_EOSE, NULL, NULL, sub->user_data);
}

/* NIP-42: signs a kind 22242 event for the last challenge and sends it; returns its id */
static gchar *
gs_relay_connection_send_auth(GsRelayConnection *self)
{
	g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	g_autoptr(GsEvent) ev = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;
	const gchar *relay_tag[] = {"relay", self->url, NULL};
	const gchar *challenge_tag[] = {"challenge", self->auth_challenge, NULL};

	if (!self->has_seckey || self->auth_challenge == NULL)
		return NULL;
	g_ptr_array_add(tags, g_strdupv((gchar **)relay_tag));
	g_ptr_array_add(tags, g_strdupv((gchar **)challenge_tag));
	ev = gs_event_new_signed(
		self->seckey, g_get_real_time() / G_USEC_PER_SEC, 22242, tags, "", &error);
	if (ev == NULL) {
		gs_relay_connection_log(self, G_LOG_LEVEL_WARNING, error->message);
		return NULL;
	}
	text = gs_message_build_auth(ev);
	gs_relay_connection_send_text(self, text);
	return g_strdup(gs_event_get_id(ev));
}

/* CLOSED auth-required: authenticate once and re-send the REQ when the relay says OK */
static gboolean
gs_relay_connection_try_auth(GsRelayConnection *self, GsRelaySub *sub)
{
	g_autofree gchar *auth_id = NULL;
	GPtrArray *waiting;

	if (sub->auth_retried)
		return FALSE;
	auth_id = gs_relay_connection_send_auth(self);
	if (auth_id == NULL)
		return FALSE;
	sub->auth_retried = TRUE;
	waiting = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(waiting, g_strdup(sub->id));
	g_hash_table_insert(self->auth_waiting, g_steal_pointer(&auth_id), waiting);
	return TRUE;
}

void
gs_relay_connection_handle_closed(GsRelayConnection *self, GsMessage *msg)
{
	GsRelaySub *sub = g_hash_table_lookup(self->subs, msg->sub_id);
	const gchar *rest = NULL;
	g_autofree gchar *prefix = gs_message_split_prefix(msg->text, &rest);

	if (sub == NULL)
		return;
	if (g_strcmp0(prefix, "auth-required") == 0 && gs_relay_connection_try_auth(self, sub))
		return;
	g_hash_table_steal(self->subs, msg->sub_id);
	if (sub->state_func != NULL)
		sub->state_func(self,
				sub->id,
				GS_RELAY_SUBSCRIPTION_CLOSED,
				prefix,
				msg->text,
				sub->user_data);
	gs_relay_sub_free(sub);
}

static void
gs_relay_connection_send_req(GsRelayConnection *self, GsRelaySub *sub)
{
	g_autoptr(GString) req = g_string_new("[\"REQ\",");

	/* the filters' text is written directly (gs_filter_to_json()), not through JsonNodes:
	 * the same bytes as gs_message_build_req(), without json-glib's builder and generator */
	gs_json_append_string(req, sub->id);
	for (guint i = 0; i < sub->filters->len; i++) {
		g_autofree gchar *json = gs_filter_to_json(g_ptr_array_index(sub->filters, i));
		g_string_append_c(req, ',');
		g_string_append(req, json);
	}
	g_string_append_c(req, ']');
	gs_relay_connection_send_text(self, req->str);
}

void
gs_relay_connection_handle_ok(GsRelayConnection *self,
			      const gchar *event_id,
			      gboolean accepted,
			      const gchar *text)
{
	GPtrArray *waiting = g_hash_table_lookup(self->auth_waiting, event_id);
	GsRelayOk *ok = NULL;
	gpointer key = NULL;

	if (waiting != NULL) {
		for (guint i = 0; accepted && i < waiting->len; i++) {
			GsRelaySub *sub = g_hash_table_lookup(self->subs, waiting->pdata[i]);
			if (sub != NULL)
				gs_relay_connection_send_req(self, sub);
		}
		if (!accepted)
			gs_relay_connection_log(self, G_LOG_LEVEL_INFO, "AUTH refused");
		g_hash_table_remove(self->auth_waiting, event_id);
		return;
	}
	if (!g_hash_table_steal_extended(self->pending_ok, event_id, &key, (gpointer *)&ok))
		return;
	if (ok->func != NULL)
		ok->func(self, event_id, accepted, text, ok->user_data);
	g_free(key);
	g_free(ok);
}

/* strfry and others say "no NIP-77" in a NOTICE without a subscription id */
static gboolean
gs_relay_connection_notice_is_no_negentropy(const gchar *text)
{
	g_autofree gchar *lower = g_ascii_strdown(text, -1);
	return strstr(text, "NEG-") != NULL || strstr(lower, "negentropy") != NULL ||
	       strstr(lower, "envelope") != NULL;
}

/* a NOTICE that says the relay has no NIP-77 ends every NEG session with UNSUPPORTED */
void
gs_relay_connection_notice_negs(GsRelayConnection *self, const gchar *text)
{
	g_autoptr(GHashTable) negs = NULL;
	g_autoptr(GError) error = NULL;
	GHashTableIter iter;
	gpointer key, value;

	if (g_hash_table_size(self->negs) == 0 ||
	    !gs_relay_connection_notice_is_no_negentropy(text))
		return;
	negs = g_steal_pointer(&self->negs);
	error = g_error_new(GS_ERROR, GS_ERROR_UNSUPPORTED, "%s", text);
	self->negs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_hash_table_iter_init(&iter, negs);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		GsRelayNeg *neg = value;
		neg->func(self, key, NULL, error, neg->user_data);
	}
}

void
gs_relay_connection_handle_neg(GsRelayConnection *self, GsMessage *msg)
{
	GsRelayNeg *neg = g_hash_table_lookup(self->negs, msg->sub_id);
	g_autoptr(GError) error = NULL;

	if (neg == NULL)
		return;
	if (msg->type == GS_MESSAGE_NEG_MSG) {
		neg->func(self, msg->sub_id, msg->text, NULL, neg->user_data);
		return;
	}
	/* NEG-ERR ends the session on the relay side */
	error = g_error_new(GS_ERROR, GS_ERROR_PROTOCOL, "%s", msg->text);
	{
		GsRelayNeg copy = *neg;
		g_autofree gchar *id = g_strdup(msg->sub_id);
		g_hash_table_remove(self->negs, msg->sub_id);
		copy.func(self, id, NULL, error, copy.user_data);
	}
}

static gboolean
gs_relay_connection_check_budget(GsRelayConnection *self, GError **error)
{
	if (!gs_relay_connection_is_open(self)) {
		g_set_error(error, GS_ERROR, GS_ERROR_BUSY, "%s: not connected", self->url);
		return FALSE;
	}
	if (gs_relay_connection_get_budget(self) > 0 &&
	    gs_relay_connection_get_n_subscriptions(self) >= gs_relay_connection_get_budget(self)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_BUSY,
			    "%s: subscription budget of %u reached",
			    self->url,
			    gs_relay_connection_get_budget(self));
		return FALSE;
	}
	return TRUE;
}

static gchar *
gs_relay_connection_new_sub_id(GsRelayConnection *self, const gchar *prefix)
{
	return g_strdup_printf("%s%" G_GUINT64_FORMAT, prefix, ++self->next_sub);
}

/**
 * gs_relay_connection_subscribe:
 * @filters: (element-type GsFilter): the REQ's filters
 *
 * Registers the subscription, then sends the REQ (tracking exists before the relay can
 * answer). Fails with %GS_ERROR_BUSY when not connected or over the subscription budget.
 *
 * Returns: (transfer full): the subscription id
 */
gchar *
gs_relay_connection_subscribe(GsRelayConnection *self,
			      GPtrArray *filters,
			      GsRelayEventFunc event_func,
			      GsRelayStateFunc state_func,
			      gpointer user_data,
			      GError **error)
{
	GsRelaySub *sub;

	if (!gs_relay_connection_check_budget(self, error))
		return NULL;
	sub = g_new0(GsRelaySub, 1);
	sub->id = gs_relay_connection_new_sub_id(self, "gs");
	sub->filters = g_ptr_array_new_full(filters->len, (GDestroyNotify)gs_filter_unref);
	for (guint i = 0; i < filters->len; i++)
		g_ptr_array_add(sub->filters, gs_filter_ref(g_ptr_array_index(filters, i)));
	sub->event_func = event_func;
	sub->state_func = state_func;
	sub->user_data = user_data;
	g_hash_table_insert(self->subs, sub->id, sub);
	gs_relay_connection_send_req(self, sub);
	return g_strdup(sub->id);
}

/* sends CLOSE; no further callback comes for @sub_id */
void
gs_relay_connection_unsubscribe(GsRelayConnection *self, const gchar *sub_id)
{
	g_autofree gchar *text = NULL;

	if (!g_hash_table_remove(self->subs, sub_id))
		return;
	if (gs_relay_connection_is_open(self)) {
		text = gs_message_build_close(sub_id);
		gs_relay_connection_send_text(self, text);
	}
}

/**
 * gs_relay_connection_publish_message:
 * @event_id: the event's id, 64 lower-case hex digits
 * @message: the complete `["EVENT",<event>]` message, NUL-terminated, the event as stored
 *   (already verified)
 * @ok_func: (nullable): called with the relay's OK for @event_id, or with accepted %FALSE and
 *   "aborted: ..." when the connection drops first
 *
 * Sends @message as it is, for callers that hold events as stored text (the home-relay
 * outbox reads the message ready-made from the store). Publishing an id whose OK is still
 * awaited replaces the earlier callback.
 *
 * Returns: %FALSE with %GS_ERROR_BUSY when not connected
 */
gboolean
gs_relay_connection_publish_message(GsRelayConnection *self,
				    const gchar *event_id,
				    const gchar *message,
				    GsRelayOkFunc ok_func,
				    gpointer user_data,
				    GError **error)
{
	GsRelayOk *ok;

	if (!gs_relay_connection_is_open(self)) {
		g_set_error(error, GS_ERROR, GS_ERROR_BUSY, "%s: not connected", self->url);
		return FALSE;
	}
	ok = g_new0(GsRelayOk, 1);
	ok->func = ok_func;
	ok->user_data = user_data;
	g_hash_table_replace(self->pending_ok, g_strdup(event_id), ok);
	gs_relay_connection_send_text(self, message);
	return TRUE;
}

/**
 * gs_relay_connection_publish_json:
 * @event_id: the event's id, 64 lower-case hex digits
 * @json: the event object as stored (already verified), NUL-terminated
 * @ok_func: (nullable): as for gs_relay_connection_publish_message()
 *
 * Sends `["EVENT",<json>]` without parsing @json again.
 *
 * Returns: %FALSE with %GS_ERROR_BUSY when not connected
 */
gboolean
gs_relay_connection_publish_json(GsRelayConnection *self,
				 const gchar *event_id,
				 const gchar *json,
				 GsRelayOkFunc ok_func,
				 gpointer user_data,
				 GError **error)
{
	g_autofree gchar *text = g_strconcat("[\"EVENT\",", json, "]", NULL);

	return gs_relay_connection_publish_message(self, event_id, text, ok_func, user_data, error);
}

/**
 * gs_relay_connection_publish:
 * @ok_func: (nullable): called with the relay's OK, or with accepted %FALSE and
 *   "aborted: ..." when the connection drops first
 */
gboolean
gs_relay_connection_publish(GsRelayConnection *self,
			    GsEvent *event,
			    GsRelayOkFunc ok_func,
			    gpointer user_data,
			    GError **error)
{
	return gs_relay_connection_publish_json(
		self, gs_event_get_id(event), gs_event_get_json(event), ok_func, user_data, error);
}

/**
 * gs_relay_connection_authenticate:
 * @func: (nullable): called with the relay's OK for the AUTH event, or with accepted %FALSE
 *   and "aborted: ..." when the connection drops first
 *
 * NIP-42 for writers: answers the relay's last AUTH challenge with a signed kind 22242 event,
 * for example after an `OK false "auth-required: ..."`. Subscriptions closed with
 * `auth-required:` authenticate by themselves.
 *
 * Returns: %FALSE with %GS_ERROR_BUSY when not connected, or %GS_ERROR_UNSUPPORTED when there
 *   is no secret key or the relay sent no challenge
 */
gboolean
gs_relay_connection_authenticate(GsRelayConnection *self,
				 GsRelayOkFunc func,
				 gpointer user_data,
				 GError **error)
{
	g_autofree gchar *auth_id = NULL;
	GsRelayOk *ok;

	if (!gs_relay_connection_is_open(self)) {
		g_set_error(error, GS_ERROR, GS_ERROR_BUSY, "%s: not connected", self->url);
		return FALSE;
	}
	auth_id = gs_relay_connection_send_auth(self);
	if (auth_id == NULL) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_UNSUPPORTED,
			    "%s: %s",
			    self->url,
			    self->has_seckey ? "the relay sent no AUTH challenge"
					     : "no secret key to authenticate with");
		return FALSE;
	}
	ok = g_new0(GsRelayOk, 1);
	ok->func = func;
	ok->user_data = user_data;
	g_hash_table_replace(self->pending_ok, g_steal_pointer(&auth_id), ok);
	return TRUE;
}

/**
 * gs_relay_connection_neg_open:
 * @filter: the one filter of the NEG-OPEN
 * @initial: the initiator's first negentropy message (binary; sent as hex)
 * @func: receives every NEG-MSG and the end of the session
 *
 * Returns: (transfer full): the NEG subscription id, or %NULL (%GS_ERROR_BUSY)
 */
gchar *
gs_relay_connection_neg_open(GsRelayConnection *self,
			     GsFilter *filter,
			     GBytes *initial,
			     GsRelayNegFunc func,
			     gpointer user_data,
			     GError **error)
{
	g_autofree gchar *filter_json = NULL;
	g_autofree gchar *id = NULL;
	g_autofree gchar *text = NULL;
	GsRelayNeg *neg;

	if (!gs_relay_connection_check_budget(self, error))
		return NULL;
	id = gs_relay_connection_new_sub_id(self, "neg");
	filter_json = gs_filter_to_json(filter);
	text = gs_nip77_open_new_text(id, filter_json, initial);
	neg = g_new0(GsRelayNeg, 1);
	neg->func = func;
	neg->user_data = user_data;
	g_hash_table_insert(self->negs, g_strdup(id), neg);
	gs_relay_connection_send_text(self, text);
	return g_steal_pointer(&id);
}

/* sends the next negentropy @message (binary; sent as hex) of an open session */
gboolean
gs_relay_connection_neg_send(GsRelayConnection *self,
			     const gchar *sub_id,
			     GBytes *message,
			     GError **error)
{
	g_autofree gchar *text = NULL;

	if (!g_hash_table_contains(self->negs, sub_id)) {
		g_set_error(error, GS_ERROR, GS_ERROR_NOT_FOUND, "no NEG session %s", sub_id);
		return FALSE;
	}
	text = gs_nip77_msg_new(sub_id, message);
	return gs_relay_connection_send_raw(self, text, error);
}

/* sends NEG-CLOSE; no further callback comes for @sub_id */
void
gs_relay_connection_neg_close(GsRelayConnection *self, const gchar *sub_id)
{
	g_autofree gchar *text = NULL;

	if (!g_hash_table_remove(self->negs, sub_id))
		return;
	if (gs_relay_connection_is_open(self)) {
		text = gs_nip77_close_new(sub_id);
		gs_relay_connection_send_text(self, text);
	}
}
