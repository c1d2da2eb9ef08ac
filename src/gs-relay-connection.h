/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "gs-enums.h"
#include "gs-event.h"
#include "gs-filter.h"

G_BEGIN_DECLS

#define GS_TYPE_RELAY_CONNECTION (gs_relay_connection_get_type())
G_DECLARE_FINAL_TYPE(GsRelayConnection, gs_relay_connection, GS, RELAY_CONNECTION, GObject)

/**
 * GsRelayConnectionOptions:
 * @connect_timeout_ms: how long a connection attempt may take
 * @read_timeout_ms: a peer that sends nothing (not even a pong) for this long is dead
 * @keepalive_ms: interval of websocket pings
 * @max_incoming_bytes: largest frame accepted from the relay (strfry sends ~1 MB NEG-MSGs)
 * @max_subscriptions: subscription budget (REQs and NEG sessions) on this relay
 * @max_protocol_errors: malformed messages tolerated before the connection is dropped
 * @neg_timeout_ms: a NEG-OPEN or NEG-MSG unanswered this long means "no NIP-77"
 * @user_agent: the User-Agent of the upgrade request
 * @seckey: (nullable): 32-byte key that signs NIP-42 AUTH events; %NULL disables AUTH
 * @fetch_info: read the relay's NIP-11 document before each connection and keep within the
 *   limits it states (gs_relay_connection_get_relay_limits())
 */
typedef struct {
	guint connect_timeout_ms;
	guint read_timeout_ms;
	guint keepalive_ms;
	guint64 max_incoming_bytes;
	guint max_subscriptions;
	guint max_protocol_errors;
	guint neg_timeout_ms;
	const gchar *user_agent;
	const guint8 *seckey;
	gboolean fetch_info;
} GsRelayConnectionOptions;

void
gs_relay_connection_options_init(GsRelayConnectionOptions *options);

/**
 * GsRelaySubscriptionEnd:
 * @GS_RELAY_SUBSCRIPTION_EOSE: stored events delivered (the subscription stays open)
 * @GS_RELAY_SUBSCRIPTION_CLOSED: the relay refused or ended it (prefix and message given)
 * @GS_RELAY_SUBSCRIPTION_ABORTED: the connection dropped
 */
typedef enum {
	GS_RELAY_SUBSCRIPTION_EOSE,
	GS_RELAY_SUBSCRIPTION_CLOSED,
	GS_RELAY_SUBSCRIPTION_ABORTED,
} GsRelaySubscriptionEnd;

/**
 * GsRelayEventFunc:
 * @json: the event object exactly as received (not yet parsed or verified)
 *
 * Called for each EVENT of a subscription, in arrival order.
 */
typedef void (*GsRelayEventFunc)(GsRelayConnection *self,
				 const gchar *sub_id,
				 const gchar *json,
				 gsize len,
				 gpointer user_data);

/**
 * GsRelayStateFunc:
 * @end: what happened
 * @prefix: (nullable): the machine-readable prefix of a CLOSED message ("rate-limited", ...)
 * @message: (nullable): the CLOSED message, or the reason for an abort
 *
 * Called at EOSE (once), at CLOSED and when the connection drops. After CLOSED or ABORTED the
 * subscription is gone and no further callback comes.
 */
typedef void (*GsRelayStateFunc)(GsRelayConnection *self,
				 const gchar *sub_id,
				 GsRelaySubscriptionEnd end,
				 const gchar *prefix,
				 const gchar *message,
				 gpointer user_data);

typedef void (*GsRelayOkFunc)(GsRelayConnection *self,
			      const gchar *event_id,
			      gboolean accepted,
			      const gchar *message,
			      gpointer user_data);

/**
 * GsRelayNegFunc:
 * @hex: (nullable): the NEG-MSG payload, or %NULL for a NEG-ERR or a failure
 * @error: (nullable): NEG-ERR (%GS_ERROR_PROTOCOL with the relay's text), "no NIP-77" noticed
 *   on the connection (%GS_ERROR_UNSUPPORTED) or a dropped connection (%GS_ERROR_PROTOCOL)
 *
 * Receives what the relay says on one NEG subscription; see gs_relay_connection_neg_open().
 */
typedef void (*GsRelayNegFunc)(GsRelayConnection *self,
			       const gchar *sub_id,
			       const gchar *hex,
			       const GError *error,
			       gpointer user_data);

GsRelayConnection *
gs_relay_connection_new(const gchar *url, const GsRelayConnectionOptions *options);

const gchar *
gs_relay_connection_get_url(GsRelayConnection *self);
GsConnectionStatus
gs_relay_connection_get_status(GsRelayConnection *self);
void
gs_relay_connection_set_status(GsRelayConnection *self, GsConnectionStatus status);
gboolean
gs_relay_connection_is_open(GsRelayConnection *self);

void
gs_relay_connection_connect(GsRelayConnection *self);
void
gs_relay_connection_disconnect(GsRelayConnection *self, const gchar *reason);

gchar *
gs_relay_connection_subscribe(GsRelayConnection *self,
			      GPtrArray *filters,
			      GsRelayEventFunc event_func,
			      GsRelayStateFunc state_func,
			      gpointer user_data,
			      GError **error);
void
gs_relay_connection_unsubscribe(GsRelayConnection *self, const gchar *sub_id);
guint
gs_relay_connection_get_n_subscriptions(GsRelayConnection *self);

gboolean
gs_relay_connection_publish(GsRelayConnection *self,
			    GsEvent *event,
			    GsRelayOkFunc ok_func,
			    gpointer user_data,
			    GError **error);

void
gs_relay_connection_cork(GsRelayConnection *self, gboolean cork);
gboolean
gs_relay_connection_publish_message(GsRelayConnection *self,
				    const gchar *event_id,
				    const gchar *message,
				    GsRelayOkFunc ok_func,
				    gpointer user_data,
				    GError **error);
gboolean
gs_relay_connection_publish_json(GsRelayConnection *self,
				 const gchar *event_id,
				 const gchar *json,
				 GsRelayOkFunc ok_func,
				 gpointer user_data,
				 GError **error);
gboolean
gs_relay_connection_authenticate(GsRelayConnection *self,
				 GsRelayOkFunc func,
				 gpointer user_data,
				 GError **error);

gchar *
gs_relay_connection_neg_open(GsRelayConnection *self,
			     GsFilter *filter,
			     GBytes *initial,
			     GsRelayNegFunc func,
			     gpointer user_data,
			     GError **error);
gboolean
gs_relay_connection_neg_send(GsRelayConnection *self,
			     const gchar *sub_id,
			     GBytes *message,
			     GError **error);
void
gs_relay_connection_neg_close(GsRelayConnection *self, const gchar *sub_id);

gboolean
gs_relay_connection_send_raw(GsRelayConnection *self, const gchar *text, GError **error);

guint64
gs_relay_connection_get_protocol_errors(GsRelayConnection *self);
guint64
gs_relay_connection_get_bytes_sent(GsRelayConnection *self);
guint64
gs_relay_connection_get_bytes_received(GsRelayConnection *self);
gint64
gs_relay_connection_get_last_connected(GsRelayConnection *self);
gint64
gs_relay_connection_get_disconnected_at(GsRelayConnection *self);

void
gs_relay_connection_get_relay_limits(GsRelayConnection *self,
				     guint *max_subscriptions,
				     guint *max_filters);

G_END_DECLS
