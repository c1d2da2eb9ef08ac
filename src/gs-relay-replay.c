/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelay"

#include "config.h"

#include <string.h>

#include "gs-filter.h"
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
	GPtrArray *page;       /* GsEvent */
	guint pos;
	guint page_limit;
	gboolean exhausted; /* the store has nothing beyond this page */
} GsRelayStream;

struct _GsRelayReplay {
	GsStore *store;
	GPtrArray *streams; /* GsRelayStream */
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
gs_relay_replay_before(GsEvent *a, GsEvent *b)
{
	if (gs_event_get_created_at(a) != gs_event_get_created_at(b))
		return gs_event_get_created_at(a) > gs_event_get_created_at(b);
	return strcmp(gs_event_get_id(a), gs_event_get_id(b)) < 0;
}

/* a page size that keeps about GS_RELAY_REPLAY_PAGE_BYTES of events in memory */
static guint
gs_relay_stream_next_limit(GPtrArray *page, guint current)
{
	gsize bytes = 0;

	if (page->len == 0)
		return current;
	for (guint i = 0; i < page->len; i++)
		bytes += gs_event_get_json_size(g_ptr_array_index(page, i));
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

	gs_filter_set_limit(page_filter, want);
	if (stream->cursor >= 0)
		gs_filter_set_until(page_filter, stream->cursor);
	g_ptr_array_add(filters, page_filter);
	self->queries++;
	result = gs_store_query(self->store, filters, 0, error);
	if (result == NULL)
		return FALSE;
	stream->exhausted = result->len < want;
	g_clear_pointer(&stream->page, g_ptr_array_unref);
	stream->page = g_ptr_array_new_full(result->len, (GDestroyNotify)gs_event_unref);
	stream->pos = 0;
	for (guint i = 0; i < result->len; i++) {
		GsEvent *ev = g_ptr_array_index(result, i);
		if (gs_event_get_created_at(ev) == stream->cursor &&
		    g_hash_table_contains(stream->at_cursor, gs_event_get_id(ev)))
			continue;
		g_ptr_array_add(stream->page, gs_event_ref(ev));
	}
	/* a page of nothing but ids already given at one timestamp: ask for more next time */
	if (stream->page->len == 0)
		stream->page_limit = MIN(stream->page_limit * 2, G_MAXINT32);
	else
		stream->page_limit = gs_relay_stream_next_limit(stream->page, stream->page_limit);
	return TRUE;
}

/* returns: (transfer none) (nullable): the stream's next event, %NULL at its end or on error */
static GsEvent *
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
gs_relay_stream_advance(GsRelayStream *stream, GsEvent *head, gboolean counted)
{
	if (gs_event_get_created_at(head) != stream->cursor) {
		stream->cursor = gs_event_get_created_at(head);
		g_hash_table_remove_all(stream->at_cursor);
	}
	g_hash_table_add(stream->at_cursor, g_strdup(gs_event_get_id(head)));
	stream->pos++;
	if (counted)
		stream->remaining--;
}

/* the newest head of all streams, or NULL when all ended (or on error) */
static GsEvent *
gs_relay_replay_best(GsRelayReplay *self, GError **error)
{
	GsEvent *best = NULL;

	for (guint i = 0; i < self->streams->len; i++) {
		g_autoptr(GError) error_local = NULL;
		GsEvent *head = gs_relay_stream_head(
			self, g_ptr_array_index(self->streams, i), &error_local);
		if (error_local != NULL) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return NULL;
		}
		if (head != NULL && (best == NULL || gs_relay_replay_before(head, best)))
			best = head;
	}
	return best != NULL ? gs_event_ref(best) : NULL;
}

/**
 * gs_relay_replay_next:
 * @exclude: (nullable): hex ids not to give (they are on their way by another path)
 * @error: a #GError
 *
 * Returns: (transfer full) (nullable): the next event; %NULL at the end, or with @error set
 *   when the store fails (%GS_ERROR_TOO_LARGE for a filter with too many values,
 *   %GS_ERROR_STORE)
 */
GsEvent *
gs_relay_replay_next(GsRelayReplay *self, GHashTable *exclude, GError **error)
{
	for (;;) {
		g_autoptr(GsEvent) best = gs_relay_replay_best(self, error);
		gboolean skip;

		if (best == NULL)
			return NULL;
		skip = exclude != NULL && g_hash_table_contains(exclude, gs_event_get_id(best));
		for (guint i = 0; i < self->streams->len; i++) {
			GsRelayStream *stream = g_ptr_array_index(self->streams, i);
			GsEvent *head = stream->page != NULL && stream->pos < stream->page->len
						? g_ptr_array_index(stream->page, stream->pos)
						: NULL;
			if (head != NULL &&
			    strcmp(gs_event_get_id(head), gs_event_get_id(best)) == 0)
				gs_relay_stream_advance(stream, head, !skip);
		}
		if (!skip)
			return g_steal_pointer(&best);
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
	g_free(self);
}

/**
 * gs_relay_replay_new:
 * @filters: (element-type GsFilter): the REQ's filters, each with its limit (a filter without
 *   one is read to its end); referenced
 *
 * Nothing is read before the first gs_relay_replay_next().
 */
GsRelayReplay *
gs_relay_replay_new(GsStore *store, GPtrArray *filters)
{
	GsRelayReplay *self = g_new0(GsRelayReplay, 1);

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
