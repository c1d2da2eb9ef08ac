/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "gs-store.h"

G_BEGIN_DECLS

/**
 * GsRelayNeg:
 *
 * The NIP-77 responder sessions of one relay connection. Each NEG-OPEN builds a sealed
 * negentropy item set from the store for its filter; NEG-MSG continues the session; NEG-CLOSE
 * (or freeing) drops it. The calls return the message to send back (NEG-MSG or NEG-ERR), so
 * this holds no I/O. Limits: at most @max_sessions open sessions, a filter may match at most
 * @max_items events, and the sessions together hold at most @max_items items.
 */
typedef struct _GsRelayNeg GsRelayNeg;

GsRelayNeg *
gs_relay_neg_new(GsStore *store, guint max_sessions, guint max_items, guint frame_limit);
void
gs_relay_neg_free(GsRelayNeg *self);
gchar *
gs_relay_neg_open(GsRelayNeg *self, const gchar *sub_id, JsonNode *filter, const gchar *hex);
gchar *
gs_relay_neg_msg(GsRelayNeg *self, const gchar *sub_id, const gchar *hex);
gboolean
gs_relay_neg_close(GsRelayNeg *self, const gchar *sub_id);
guint
gs_relay_neg_get_session_count(GsRelayNeg *self);
guint64
gs_relay_neg_get_item_count(GsRelayNeg *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsRelayNeg, gs_relay_neg_free)

G_END_DECLS
