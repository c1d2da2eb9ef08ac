/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "gs-event.h"

G_BEGIN_DECLS

/**
 * GsMessageOrigin:
 *
 * Who sent a message: the same verb has different shapes in the two directions
 * (`["EVENT", event]` from a client, `["EVENT", sub, event]` from a relay).
 */
typedef enum {
	GS_MESSAGE_FROM_CLIENT,
	GS_MESSAGE_FROM_RELAY,
} GsMessageOrigin;

typedef enum {
	GS_MESSAGE_EVENT,
	GS_MESSAGE_REQ,
	GS_MESSAGE_CLOSE,
	GS_MESSAGE_AUTH,
	GS_MESSAGE_COUNT,
	GS_MESSAGE_OK,
	GS_MESSAGE_EOSE,
	GS_MESSAGE_CLOSED,
	GS_MESSAGE_NOTICE,
	GS_MESSAGE_NEG_OPEN,
	GS_MESSAGE_NEG_MSG,
	GS_MESSAGE_NEG_CLOSE,
	GS_MESSAGE_NEG_ERR,
} GsMessageType;

/**
 * GsMessage:
 * @type: the verb
 * @sub_id: subscription id (REQ, CLOSE, COUNT, NEG-*, relay EVENT, EOSE, CLOSED), else %NULL
 * @event: the event object (EVENT, client AUTH), not yet parsed into a #GsEvent
 * @filters: (element-type JsonNode): REQ and COUNT filters; NEG-OPEN has exactly one
 * @text: NOTICE/CLOSED/OK/NEG-ERR message, relay AUTH challenge, NEG-OPEN/NEG-MSG hex
 * @event_id: OK's event id (64 lower-case hex)
 * @ok: OK's boolean
 *
 * A parsed NIP-01/NIP-42/NIP-77 message. Shapes are checked; contents (filters, events, hex)
 * are left to their own parsers so that each reports its own error.
 */
typedef struct {
	GsMessageType type;
	gchar *sub_id;
	JsonNode *event;
	GPtrArray *filters;
	gchar *text;
	gchar *event_id;
	gboolean ok;
} GsMessage;

GsMessage *
gs_message_parse(const gchar *data, gsize len, GsMessageOrigin origin, GError **error);
void
gs_message_free(GsMessage *msg);
const gchar *
gs_message_type_to_string(GsMessageType type);

gboolean
gs_message_peek_event(const gchar *data,
		      gsize len,
		      GsMessageOrigin origin,
		      gchar **sub_id,
		      gsize *event_offset,
		      gsize *event_len);

gboolean
gs_message_peek_event_id(const gchar *event_json, gsize len, gchar *id_out);

gboolean
gs_message_peek_req(const gchar *data, gsize len, gchar **sub_id, GPtrArray **filters);

gboolean
gs_message_peek_ok(const gchar *data, gsize len, gchar *id_out, gboolean *accepted, gchar **text);

gchar *
gs_message_build_req(const gchar *sub_id, GPtrArray *filters);
gchar *
gs_message_build_close(const gchar *sub_id);
gchar *
gs_message_build_client_event(const GsEvent *event);
gchar *
gs_message_build_auth(const GsEvent *event);
gchar *
gs_message_build_event(const gchar *sub_id, const GsEvent *event);
gchar *
gs_message_build_eose(const gchar *sub_id);
gchar *
gs_message_build_ok(const gchar *event_id, gboolean accepted, const gchar *message);
gchar *
gs_message_build_closed(const gchar *sub_id, const gchar *message);
gchar *
gs_message_build_notice(const gchar *message);
gchar *
gs_message_build_auth_challenge(const gchar *challenge);
gchar *
gs_message_build_count(const gchar *sub_id, guint64 count, gboolean approximate);

gchar *
gs_message_split_prefix(const gchar *text, const gchar **rest);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsMessage, gs_message_free)

G_END_DECLS
