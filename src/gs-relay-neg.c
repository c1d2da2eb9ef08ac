/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelay"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-hex.h"
#include "gs-negentropy.h"
#include "gs-nip77.h"
#include "gs-relay-neg.h"

struct _GsRelayNeg {
	GsStore *store; /* owned ref */
	guint max_sessions;
	guint max_items;
	guint frame_limit;
	GHashTable *sessions; /* sub id -> GsRelayNegSession */
	guint64 items;	      /* items held by all sessions */
};

typedef struct {
	GsRelayNeg *owner; /* unowned */
	GsNegentropy *neg;
	guint64 items;
} GsRelayNegSession;

static void
gs_relay_neg_session_free(GsRelayNegSession *session)
{
	session->owner->items -= session->items;
	gs_negentropy_free(session->neg);
	g_free(session);
}

/* the reply for a session that ends here: it is dropped, the client gets NEG-ERR */
static gchar *
gs_relay_neg_fail(GsRelayNeg *self, const gchar *sub_id, const gchar *reason)
{
	g_hash_table_remove(self->sessions, sub_id);
	return gs_nip77_err_new(sub_id, reason);
}

/* answers @hex within @session; a bad message ends the session with "closed: ..." */
static gchar *
gs_relay_neg_answer(GsRelayNeg *self,
		    const gchar *sub_id,
		    GsRelayNegSession *session,
		    const gchar *hex)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) in = gs_hex_decode(hex, &error);
	g_autoptr(GBytes) out = NULL;
	g_autofree gchar *reason = NULL;

	if (in != NULL)
		out = gs_negentropy_respond(
			session->neg, g_bytes_get_data(in, NULL), g_bytes_get_size(in), &error);
	if (out == NULL) {
		reason = g_strdup_printf("closed: bad negentropy message: %s", error->message);
		return gs_relay_neg_fail(self, sub_id, reason);
	}
	return gs_nip77_msg_new(sub_id, out);
}

static GsNegentropy *
gs_relay_neg_build(GsRelayNeg *self, GArray *items, GError **error)
{
	g_autoptr(GsNegentropyStorage) storage = gs_negentropy_storage_new(items->len);

	for (guint i = 0; i < items->len; i++) {
		GsStoreItem *item = &g_array_index(items, GsStoreItem, i);
		if (!gs_negentropy_storage_add(storage, item->created_at, item->id, error))
			return NULL;
	}
	gs_negentropy_storage_seal(storage);
	return gs_negentropy_new(storage, self->frame_limit, error);
}

/* the item set of @filter_node, or NULL with the NEG-ERR reason in @reason */
static GArray *
gs_relay_neg_query(GsRelayNeg *self, JsonNode *filter_node, gchar **reason)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsFilter) filter = gs_filter_new_from_node(filter_node, &error);
	GArray *items = NULL;

	if (filter == NULL) {
		*reason = g_strdup_printf("closed: bad filter: %s", error->message);
		return NULL;
	}
	if (!gs_store_query_items(self->store, filter, self->max_items, &items, &error)) {
		if (g_error_matches(error, GS_ERROR, GS_ERROR_TOO_LARGE))
			*reason = g_strdup_printf("blocked: too many results (more than %u)",
						  self->max_items);
		else
			*reason = g_strdup("error: could not read the store");
		g_debug("NEG-OPEN refused: %s", error->message);
		return NULL;
	}
	if (self->items + items->len > self->max_items) {
		*reason = g_strdup_printf("blocked: too many results held by this connection's "
					  "negentropy sessions (at most %u)",
					  self->max_items);
		g_array_unref(items);
		return NULL;
	}
	return items;
}

/**
 * gs_relay_neg_open:
 * @filter: the NEG-OPEN filter object (its limit is ignored)
 * @hex: the initiator's first message
 *
 * Opens (or re-opens: an open session of that id is closed first) a session.
 *
 * Returns: (transfer full): the NEG-MSG or NEG-ERR to send
 */
gchar *
gs_relay_neg_open(GsRelayNeg *self, const gchar *sub_id, JsonNode *filter, const gchar *hex)
{
	g_autoptr(GArray) items = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *reason = NULL;
	GsRelayNegSession *session;

	g_hash_table_remove(self->sessions, sub_id);
	if (g_hash_table_size(self->sessions) >= self->max_sessions) {
		reason = g_strdup_printf("blocked: too many open negentropy sessions (at most %u)",
					 self->max_sessions);
		return gs_nip77_err_new(sub_id, reason);
	}
	items = gs_relay_neg_query(self, filter, &reason);
	if (items == NULL)
		return gs_nip77_err_new(sub_id, reason);
	session = g_new0(GsRelayNegSession, 1);
	session->owner = self;
	session->neg = gs_relay_neg_build(self, items, &error);
	if (session->neg == NULL) {
		g_warning("cannot build a negentropy session: %s", error->message);
		g_free(session);
		return gs_nip77_err_new(sub_id, "error: internal error");
	}
	session->items = items->len;
	self->items += items->len;
	g_hash_table_insert(self->sessions, g_strdup(sub_id), session);
	return gs_relay_neg_answer(self, sub_id, session, hex);
}

/* returns: (transfer full): the NEG-MSG or NEG-ERR answering a NEG-MSG */
gchar *
gs_relay_neg_msg(GsRelayNeg *self, const gchar *sub_id, const gchar *hex)
{
	GsRelayNegSession *session = g_hash_table_lookup(self->sessions, sub_id);

	if (session == NULL)
		return gs_nip77_err_new(sub_id, "closed: unknown subscription handle");
	return gs_relay_neg_answer(self, sub_id, session, hex);
}

/* returns: %TRUE when a session of that id was open */
gboolean
gs_relay_neg_close(GsRelayNeg *self, const gchar *sub_id)
{
	return g_hash_table_remove(self->sessions, sub_id);
}

guint
gs_relay_neg_get_session_count(GsRelayNeg *self)
{
	return g_hash_table_size(self->sessions);
}

guint64
gs_relay_neg_get_item_count(GsRelayNeg *self)
{
	return self->items;
}

void
gs_relay_neg_free(GsRelayNeg *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->sessions);
	g_object_unref(self->store);
	g_free(self);
}

/**
 * gs_relay_neg_new:
 * @frame_limit: the negentropy frame size limit of answers, 0 for none (else >= 4096)
 */
GsRelayNeg *
gs_relay_neg_new(GsStore *store, guint max_sessions, guint max_items, guint frame_limit)
{
	GsRelayNeg *self = g_new0(GsRelayNeg, 1);
	self->store = g_object_ref(store);
	self->max_sessions = max_sessions;
	self->max_items = max_items;
	self->frame_limit = frame_limit;
	self->sessions = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)gs_relay_neg_session_free);
	return self;
}
