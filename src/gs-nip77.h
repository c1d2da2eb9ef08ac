/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/*
 * The NIP-77 wrapper around negentropy messages, JSON arrays over the relay websocket:
 *
 *   client -> relay  ["NEG-OPEN", <sub id>, <filter object>, <initial message, hex>]
 *   both ways        ["NEG-MSG", <sub id>, <message, hex>]
 *   client -> relay  ["NEG-CLOSE", <sub id>]
 *   relay -> client  ["NEG-ERR", <sub id>, <reason>]   (strfry may add a 4th element, the
 *                                                       record maximum, after "blocked: ...")
 *
 * Builders write lower-case hex; the parser accepts either case. Subscription ids are
 * 1..64 characters, as in NIP-01. The old 5-element NEG-OPEN draft is refused.
 */

#define GS_NIP77_SUB_ID_MAX 64

typedef enum {
	GS_NIP77_TYPE_OPEN,
	GS_NIP77_TYPE_MSG,
	GS_NIP77_TYPE_CLOSE,
	GS_NIP77_TYPE_ERR,
} GsNip77Type;

typedef struct {
	GsNip77Type type;
	gchar *sub_id;
	JsonNode *filter; /* NEG-OPEN: the filter object; else NULL */
	GBytes *payload;  /* NEG-OPEN, NEG-MSG: the negentropy message; else NULL */
	gchar *reason;	  /* NEG-ERR: the reason; else NULL */
	JsonNode *extra;  /* NEG-ERR: the optional 4th element; else NULL */
} GsNip77Message;

gchar *
gs_nip77_open_new(const gchar *sub_id, JsonNode *filter, GBytes *payload);
gchar *
gs_nip77_open_new_text(const gchar *sub_id, const gchar *filter_json, GBytes *payload);
gchar *
gs_nip77_msg_new(const gchar *sub_id, GBytes *payload);
gchar *
gs_nip77_close_new(const gchar *sub_id);
gchar *
gs_nip77_err_new(const gchar *sub_id, const gchar *reason);

const gchar *
gs_nip77_type_to_string(GsNip77Type type);
gboolean
gs_nip77_type_from_string(const gchar *label, GsNip77Type *type);

GsNip77Message *
gs_nip77_message_new_from_array(JsonArray *array, GError **error);
GsNip77Message *
gs_nip77_message_parse(const gchar *data, gssize len, GError **error);
void
gs_nip77_message_free(GsNip77Message *msg);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsNip77Message, gs_nip77_message_free)

G_END_DECLS
