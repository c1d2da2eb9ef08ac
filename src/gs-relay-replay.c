/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelay"

#include "config.h"

#include <string.h>

#include "gs-filter.h"
#include "gs-json.h"
#include "gs-relay-replay.h"

/* a page aims at this much event JSON, within these bounds on its number of events */
#define GS_RELAY_REPLAY_PAGE_BYTES (128 * 1024)
#define GS_RELAY_REPLAY_PAGE_MIN 16
#define GS_RELAY_REPLAY_PAGE_MAX 1000
#define GS_RELAY_REPLAY_PAGE_FIRST 100

/* one filter of the REQ, read page by page */
typedef struct {
	GsFilter *filter;
	gint64 remaining;      /* events of this filter still to give */
	gint64 cursor;	       /* created_at of the last event given; -1 before the first */
	GHashTable *at_cursor; /* ids given (or skipped) at created_at == cursor */
	GPtrArray *page;       /* GsStoreRawEvent */
	guint pos;
	guint page_limit;
	gboolean exhausted; /* the store has nothing beyond this page */
} GsRelayStream;

struct _GsRelayReplay {
	GsStore *store;
	GPtrArray *streams; /* GsRelayStream */
	gchar *prefix;	    /* ["EVENT",<sub id>, */
	guint queries;
};

static void
gs_relay_stream_free(GsRelayStream *stream)
{
	gs_filter_unref(stream->filter);
	g_hash_table_unref(stream->at_cursor);
	g_clear_pointer(&stream->page, g_ptr_array_unref);
	g_free(stream);
}

/* the store's order: newer first, then the lower id */
static gboolean
gs_relay_replay_before(const GsStoreRawEvent *a, const GsStoreRawEvent *b)
{
	if (a->created_at != b->created_at)
		return a->created_at > b->created_at;
	return memcmp(a->id, b->id, 32) < 0;
}

/* a page size that keeps about GS_RELAY_REPLAY_PAGE_BYTES of events in memory */
static guint
gs_relay_stream_next_limit(GPtrArray *page, guint current)
{
	gsize bytes = 0;

	if (page->len == 0)
		return current;
	for (guint i = 0; i < page->len; i++)
		bytes += ((GsStoreRawEvent *)g_ptr_array_index(page, i))->json_len;
	return CLAMP(GS_RELAY_REPLAY_PAGE_BYTES / MAX(bytes / page->len, 1),
		     GS_RELAY_REPLAY_PAGE_MIN,
		     GS_RELAY_REPLAY_PAGE_MAX);
}

/* the next page: up to the cursor, without what was already given at the cursor */
static gboolean
gs_relay_stream_refill(GsRelayReplay *self, GsRelayStream *stream, GError **error)
{
	guint seen = g_hash_table_size(stream->at_cursor);
	gint64 want = MIN((gint64)stream->page_limit, stream->remaining) + seen;
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	g_autoptr(GPtrArray) result = NULL;
	GsFilter *page_filter = gs_filter_copy(stream->filter);
	guint rows = 0;

	gs_filter_set_limit(page_filter, want);
	if (stream->cursor >= 0)
		gs_filter_set_until(page_filter, stream->cursor);
	g_ptr_array_add(filters, page_filter);
	self->queries++;
	if (!gs_store_query_raw(self->store, page_filter, self->prefix, "]", &result, &rows, error))
		return FALSE;
	/* rows, not events: a row a tag check dropped still means the store had more */
	stream->exhausted = rows < want;
	g_clear_pointer(&stream->page, g_ptr_array_unref);
	stream->page = g_ptr_array_new_full(result->len, g_free);
	stream->pos = 0;
	for (guint i = 0; i < result->len; i++) {
		GsStoreRawEvent *ev = g_ptr_array_index(result, i);
		if (ev->created_at == stream->cursor &&
		    g_hash_table_contains(stream->at_cursor, ev->id_hex))
			continue;
		g_ptr_array_add(stream->page, g_steal_pointer(&result->pdata[i]));
	}
	/* a page of nothing but ids already given at one timestamp: ask for more next time */
	if (stream->page->len == 0)
		stream->page_limit = MIN(stream->page_limit * 2, G_MAXINT32);
	else
		stream->page_limit = gs_relay_stream_next_limit(stream->page, stream->page_limit);
	return TRUE;
}

/* returns: (transfer none) (nullable): the stream's next event, %NULL at its end or on error */
static GsStoreRawEvent *
gs_relay_stream_head(GsRelayReplay *self, GsRelayStream *stream, GError **error)
{
	while (stream->page == NULL || stream->pos >= stream->page->len) {
		if (stream->remaining <= 0 || (stream->page != NULL && stream->exhausted))
			return NULL;
		if (!gs_relay_stream_refill(self, stream, error))
			return NULL;
	}
	return g_ptr_array_index(stream->page, stream->pos);
}

/* moves past the head; an event that was skipped does not count towards the limit */
static void
gs_relay_stream_advance(GsRelayStream *stream, const GsStoreRawEvent *head, gboolean counted)
{
	if (head->created_at != stream->cursor) {
		stream->cursor = head->created_at;
		g_hash_table_remove_all(stream->at_cursor);
	}
	g_hash_table_add(stream->at_cursor, g_strdup(head->id_hex));
	stream->pos++;
	if (counted)
		stream->remaining--;
}

/* the newest head of all streams, or NULL when all ended (or on error) */
static GsStoreRawEvent *
gs_relay_replay_best(GsRelayReplay *self, GError **error)
{
	GsStoreRawEvent *best = NULL;

	for (guint i = 0; i < self->streams->len; i++) {
		g_autoptr(GError) error_local = NULL;
		GsStoreRawEvent *head = gs_relay_stream_head(
			self, g_ptr_array_index(self->streams, i), &error_local);
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		if (head != NULL && (best == NULL || gs_relay_replay_before(head, best)))
			best = head;
	}
	return best;
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
		GsStoreRawEvent *best = gs_relay_replay_best(self, error);
		GsStoreRawEvent *taken = NULL;
		gboolean skip;

		if (best == NULL)
			return NULL;
		skip = exclude != NULL && g_hash_table_contains(exclude, best->id_hex);
		/* every stream whose head is that event moves past it; the first gives it up */
		for (guint i = 0; i < self->streams->len; i++) {
			GsRelayStream *stream = g_ptr_array_index(self->streams, i);
			GsStoreRawEvent *head =
				stream->page != NULL && stream->pos < stream->page->len
					? g_ptr_array_index(stream->page, stream->pos)
					: NULL;
			if (head == NULL || (head != best && memcmp(head->id, best->id, 32) != 0))
				continue;
			gs_relay_stream_advance(stream, head, !skip);
			if (taken == NULL)
				taken = g_steal_pointer(&stream->page->pdata[stream->pos - 1]);
		}
		if (!skip)
			return taken;
		g_free(taken);
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
	self->prefix = g_string_free(prefix, FALSE);
	self->store = g_object_ref(store);
	self->streams = g_ptr_array_new_with_free_func((GDestroyNotify)gs_relay_stream_free);
	for (guint i = 0; i < filters->len; i++) {
		GsRelayStream *stream = g_new0(GsRelayStream, 1);
		GsFilter *filter = g_ptr_array_index(filters, i);
		stream->filter = gs_filter_ref(filter);
		stream->remaining =
			gs_filter_get_limit(filter) >= 0 ? gs_filter_get_limit(filter) : G_MAXINT64;
		stream->cursor = -1;
		stream->at_cursor = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
		stream->page_limit = GS_RELAY_REPLAY_PAGE_FIRST;
		if (gs_filter_is_empty_match(filter))
			stream->remaining = 0;
		g_ptr_array_add(self->streams, stream);
	}
	return self;
}
