/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelay"

#include "config.h"

#include <string.h>

#include "gs-filter.h"
#include "gs-hex.h"
#include "gs-json.h"
#include "gs-relay-replay.h"

/* keys (48 bytes each) a page reads: few for the first, so the first event leaves at once */
#define GS_RELAY_REPLAY_PAGE_FIRST 100
#define GS_RELAY_REPLAY_PAGE_MAX 1000

/* one filter of the REQ, read page by page */
typedef struct {
	GsFilter *filter;
	GsStoreRawQuery *query; /* prepared at the first read */
	gint64 remaining;	/* events of this filter still to give */
	gint64 cursor;		/* created_at of the last event given; -1 before the first */
	GHashTable *at_cursor;	/* raw ids given (or skipped) at created_at == cursor */
	GArray *page;		/* GsStoreRawKey */
	guint pos;
	guint page_limit;
	gboolean exhausted; /* the store has nothing beyond this page */
} GsRelayStream;

struct _GsRelayReplay {
	GsStore *store;
	GPtrArray *streams; /* GsRelayStream */
	gchar *prefix;	    /* ["EVENT",<sub id>, */
	gsize prefix_len;
	guint queries;
};

static void
gs_relay_stream_free(GsRelayStream *stream)
{
	gs_filter_unref(stream->filter);
	g_clear_pointer(&stream->query, gs_store_raw_query_free);
	g_hash_table_unref(stream->at_cursor);
	g_clear_pointer(&stream->page, g_array_unref);
	g_free(stream);
}

static guint
gs_relay_id_hash(gconstpointer id)
{
	guint h;
	memcpy(&h, id, sizeof(h));
	return h;
}

static gboolean
gs_relay_id_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, 32) == 0;
}

/* the store's order: newer first, then the lower id */
static gboolean
gs_relay_replay_before(const GsStoreRawKey *a, const GsStoreRawKey *b)
{
	if (a->created_at != b->created_at)
		return a->created_at > b->created_at;
	return memcmp(a->id, b->id, 32) < 0;
}

/* the next page of keys: up to the cursor, without what was already given at the cursor */
static gboolean
gs_relay_stream_refill(GsRelayReplay *self, GsRelayStream *stream, GError **error)
{
	guint seen = g_hash_table_size(stream->at_cursor);
	gint64 want = MIN((gint64)stream->page_limit, stream->remaining) + seen;
	g_autoptr(GArray) keys = g_array_new(FALSE, FALSE, sizeof(GsStoreRawKey));

	if (stream->query == NULL) {
		stream->query = gs_store_raw_query_new(self->store, stream->filter, error);
		if (stream->query == NULL)
			return FALSE;
	}
	self->queries++;
	if (!gs_store_raw_query_keys(stream->query, stream->cursor, want, keys, error))
		return FALSE;
	/* a filter of n ids has at most n events: a page of that many keys is all of them */
	stream->exhausted = keys->len < want || (gs_filter_get_ids(stream->filter) != NULL &&
						 want >= gs_filter_get_ids(stream->filter)->len);
	g_clear_pointer(&stream->page, g_array_unref);
	stream->page = g_array_sized_new(FALSE, FALSE, sizeof(GsStoreRawKey), keys->len);
	stream->pos = 0;
	for (guint i = 0; i < keys->len; i++) {
		GsStoreRawKey *key = &g_array_index(keys, GsStoreRawKey, i);
		if (key->created_at == stream->cursor &&
		    g_hash_table_contains(stream->at_cursor, key->id))
			continue;
		g_array_append_val(stream->page, *key);
	}
	/* a page of nothing but ids already given at one timestamp: ask for more next time */
	if (stream->page->len == 0)
		stream->page_limit = MIN(stream->page_limit * 2, G_MAXINT32);
	else
		stream->page_limit = GS_RELAY_REPLAY_PAGE_MAX;
	return TRUE;
}

/* returns: (transfer none) (nullable): the stream's next key, %NULL at its end or on error */
static GsStoreRawKey *
gs_relay_stream_head(GsRelayReplay *self, GsRelayStream *stream, GError **error)
{
	while (stream->page == NULL || stream->pos >= stream->page->len) {
		if (stream->remaining <= 0 || (stream->page != NULL && stream->exhausted))
			return NULL;
		if (!gs_relay_stream_refill(self, stream, error))
			return NULL;
	}
	return &g_array_index(stream->page, GsStoreRawKey, stream->pos);
}

/* the stream's head when it is @key's event, else %NULL */
static GsStoreRawKey *
gs_relay_stream_head_is(GsRelayStream *stream, const GsStoreRawKey *key)
{
	GsStoreRawKey *head;

	if (stream->page == NULL || stream->pos >= stream->page->len)
		return NULL;
	head = &g_array_index(stream->page, GsStoreRawKey, stream->pos);
	return memcmp(head->id, key->id, 32) == 0 ? head : NULL;
}

/* moves past the head; an event that was skipped (or did not match) does not count towards
 * the limit */
/* empties the ids given at the cursor: one by one while they are few, since
 * g_hash_table_remove_all() allocates the table's arrays anew (twice an event served) */
static void
gs_relay_stream_clear_cursor(GHashTable *at_cursor)
{
	GHashTableIter iter;

	if (g_hash_table_size(at_cursor) > 64) {
		g_hash_table_remove_all(at_cursor);
		return;
	}
	g_hash_table_iter_init(&iter, at_cursor);
	while (g_hash_table_iter_next(&iter, NULL, NULL))
		g_hash_table_iter_remove(&iter);
}

static void
gs_relay_stream_advance(GsRelayStream *stream, const GsStoreRawKey *head, gboolean counted)
{
	if (head->created_at != stream->cursor) {
		stream->cursor = head->created_at;
		gs_relay_stream_clear_cursor(stream->at_cursor);
	}
	g_hash_table_add(stream->at_cursor, g_memdup2(head->id, 32));
	stream->pos++;
	if (counted)
		stream->remaining--;
}

/* the newest head of all streams, or %FALSE when all ended (or on error) */
static gboolean
gs_relay_replay_best(GsRelayReplay *self, GsStoreRawKey *best_out, GError **error)
{
	GsStoreRawKey *best = NULL;

	for (guint i = 0; i < self->streams->len; i++) {
		g_autoptr(GError) error_local = NULL;
		GsStoreRawKey *head = gs_relay_stream_head(
			self, g_ptr_array_index(self->streams, i), &error_local);
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		if (head != NULL && (best == NULL || gs_relay_replay_before(head, best)))
			best = head;
	}
	if (best == NULL)
		return FALSE;
	*best_out = *best;
	return TRUE;
}

/* reads @key's event, and moves every stream whose head it is past it; %NULL when it is not
 * to be given (excluded, gone from the store, matching none of those filters) or on error */
static GsStoreRawEvent *
gs_relay_replay_take(GsRelayReplay *self, const GsStoreRawKey *key, gboolean skip, GError **error)
{
	g_autofree GsStoreRawEvent *ev = NULL;
	gboolean any = FALSE;

	for (guint i = 0; i < self->streams->len; i++) {
		GsRelayStream *stream = g_ptr_array_index(self->streams, i);
		GsStoreRawKey *head = gs_relay_stream_head_is(stream, key);
		gboolean matched = FALSE;
		if (head == NULL)
			continue;
		if (!skip && ev == NULL && !any) {
			ev = gs_store_raw_query_fetch(stream->query, key, self->prefix, "]", error);
			if (ev == NULL && error != NULL && *error != NULL)
				return NULL;
			/* gone since its key was read: given by nobody */
			skip = ev == NULL;
		}
		if (ev != NULL) {
			g_autoptr(GError) error_local = NULL;
			matched = gs_store_raw_query_matches(
				stream->query, ev, self->prefix_len, &error_local);
			if (error_local != NULL) {
				g_propagate_error(error, g_steal_pointer(&error_local));
				return NULL;
			}
		}
		gs_relay_stream_advance(stream, head, matched);
		any = any || matched;
	}
	return any ? g_steal_pointer(&ev) : NULL;
}

/**
 * gs_relay_replay_next:
 * @exclude: (nullable): hex ids not to give (they are on their way by another path)
 * @error: a #GError
 *
 * Returns: (transfer full) (nullable): the next event, its text the whole EVENT message; %NULL
 *   at the end, or with @error set when the store fails (%GS_ERROR_TOO_LARGE for a filter with
 *   too many values, %GS_ERROR_STORE). Free it with g_free().
 */
GsStoreRawEvent *
gs_relay_replay_next(GsRelayReplay *self, GHashTable *exclude, GError **error)
{
	for (;;) {
		g_autoptr(GError) error_local = NULL;
		GsStoreRawKey key;
		GsStoreRawEvent *ev;
		gboolean skip = FALSE;

		if (!gs_relay_replay_best(self, &key, error))
			return NULL;
		if (exclude != NULL) {
			gchar hex[65];
			gs_hex_encode_to(key.id, 32, hex);
			skip = g_hash_table_contains(exclude, hex);
		}
		ev = gs_relay_replay_take(self, &key, skip, &error_local);
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		if (ev != NULL)
			return ev;
	}
}

/* store queries so far (for tests and benchmarks) */
guint
gs_relay_replay_get_query_count(GsRelayReplay *self)
{
	return self->queries;
}

void
gs_relay_replay_free(GsRelayReplay *self)
{
	if (self == NULL)
		return;
	g_ptr_array_unref(self->streams);
	g_object_unref(self->store);
	g_free(self->prefix);
	g_free(self);
}

/**
 * gs_relay_replay_new:
 * @filters: (element-type GsFilter): the REQ's filters, each with its limit (a filter without
 *   one is read to its end); referenced
 * @sub_id: the subscription id the EVENT messages name
 *
 * Nothing is read before the first gs_relay_replay_next().
 */
GsRelayReplay *
gs_relay_replay_new(GsStore *store, GPtrArray *filters, const gchar *sub_id)
{
	GsRelayReplay *self = g_new0(GsRelayReplay, 1);
	GString *prefix = g_string_new("[\"EVENT\",");

	gs_json_append_string(prefix, sub_id);
	g_string_append_c(prefix, ',');
	self->prefix_len = prefix->len;
	self->prefix = g_string_free(prefix, FALSE);
	self->store = g_object_ref(store);
	self->streams = g_ptr_array_new_with_free_func((GDestroyNotify)gs_relay_stream_free);
	for (guint i = 0; i < filters->len; i++) {
		GsRelayStream *stream = g_new0(GsRelayStream, 1);
		GsFilter *filter = g_ptr_array_index(filters, i);
		GPtrArray *ids = gs_filter_get_ids(filter);
		stream->filter = gs_filter_ref(filter);
		stream->remaining =
			gs_filter_get_limit(filter) >= 0 ? gs_filter_get_limit(filter) : G_MAXINT64;
		stream->cursor = -1;
		stream->at_cursor =
			g_hash_table_new_full(gs_relay_id_hash, gs_relay_id_equal, g_free, NULL);
		/* the events an `ids` filter names fit in one page of keys, when they are few */
		stream->page_limit = ids != NULL && ids->len <= GS_RELAY_REPLAY_PAGE_MAX
					     ? MAX(ids->len, 1)
					     : GS_RELAY_REPLAY_PAGE_FIRST;
		if (gs_filter_is_empty_match(filter))
			stream->remaining = 0;
		g_ptr_array_add(self->streams, stream);
	}
	return self;
}
