/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include <string.h>

#include "gs-hex.h"
#include "gs-sync-manager-private.h"

/*
 * The intake of every event a relay sends, live or historic: it is counted, checked against
 * the filters of the subscription it came on (relays send events that match nothing we asked,
 * section 14), and handed to the ingest with the relay URL as its source. Events of fetches by
 * id are matched on the id they state and parsed by the ingest's workers, not here.
 */

/* the ids of stored events remembered at most (about 70 bytes each) */
#define GS_SYNC_INTAKE_MAX_STORED 131072

/* how an event handed to the ingest came, decided when it arrived */
typedef struct {
	GsSyncManager *manager; /* a reference */
	GsSyncEventSource source;
	gboolean live;
	gboolean gap;
	gboolean claimed; /* @id is in the manager's hist_inflight */
	guint8 id[32];	  /* the id its JSON states */
} GsSyncIntake;

/* a copy of an event whose first copy is with the ingest, waiting for its outcome */
typedef struct {
	gchar *url; /* the relay it came from */
	gchar *json;
	gsize len;
} GsSyncHeldCopy;

static void
gs_sync_held_copy_free(GsSyncHeldCopy *copy)
{
	g_free(copy->url);
	g_free(copy->json);
	g_free(copy);
}

static GsSyncHeldCopy *
gs_sync_held_copy_new(const gchar *url, const gchar *json, gsize len)
{
	GsSyncHeldCopy *copy = g_new0(GsSyncHeldCopy, 1);

	copy->url = g_strdup(url);
	copy->json = g_strndup(json, len);
	copy->len = len;
	return copy;
}

static void
gs_sync_held_copies_free(gpointer copies)
{
	if (copies != NULL)
		g_ptr_array_unref(copies);
}

static void
gs_sync_intake_done_cb(GsIngest *ingest, const GsIngestResult *result, gpointer user_data);

/*
 * The layers' filters overlap: a status names its repository (`#a`, L2) and its root (`#e`,
 * L3), a comment its root twice (`#e` and `#E`), so a REQ+EOSE sync receives about 1.5 copies
 * of each event (bench/sync). A copy of an event whose earlier copy the ingest stored (or
 * found stored) is not handed to it again: the ids kept here are those of events the ingest
 * parsed and checked, their id computed from their content, so a later message stating one
 * is either the same event or one whose id does not match its content, which the ingest
 * would refuse. A copy that arrives while the first is still with the ingest (the `#e` and
 * `#E` subscriptions of one batch bring a comment at the same time) waits for the first's
 * outcome: stored as that id, it is only counted; otherwise (a copy with a bad signature or a
 * wrong id came first) the next copy goes to the ingest. Only historic copies are matched (by
 * the id the JSON states, as the peek reads it); the set of stored ids is bounded and emptied
 * when no pass runs.
 */
static guint
gs_sync_intake_id_hash(gconstpointer key)
{
	guint h;
	memcpy(&h, key, sizeof(h));
	return h;
}

static gboolean
gs_sync_intake_id_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, 32) == 0;
}

static void
gs_sync_intake_remember_stored(GsSyncManager *self, GsEvent *event)
{
	if (self->hist_stored == NULL)
		self->hist_stored = g_hash_table_new_full(
			gs_sync_intake_id_hash, gs_sync_intake_id_equal, g_free, NULL);
	else if (g_hash_table_size(self->hist_stored) >= GS_SYNC_INTAKE_MAX_STORED)
		g_hash_table_remove_all(self->hist_stored);
	g_hash_table_add(self->hist_stored, g_memdup2(gs_event_get_id_raw(event), 32));
}

static GsSyncIntake *
gs_sync_intake_new(GsSyncManager *self, GsSyncRelay *relay, gboolean live)
{
	GsSyncIntake *intake = g_new0(GsSyncIntake, 1);

	intake->manager = g_object_ref(self);
	intake->source = live ? GS_SYNC_EVENT_SOURCE_LIVE : relay->hist_source;
	intake->live = live;
	intake->gap = !live && relay->hist_gap;
	return intake;
}

/* hands a historic event to the ingest as JSON; @claimed (nullable): the id it states, whose
 * further copies wait for its outcome (gs_sync_intake_settle()) */
static void
gs_sync_intake_submit(GsSyncManager *self,
		      GsSyncRelay *relay,
		      const gchar *json,
		      gsize len,
		      const guint8 *claimed)
{
	GsSyncIntake *intake = gs_sync_intake_new(self, relay, FALSE);

	if (claimed != NULL) {
		if (self->hist_inflight == NULL)
			self->hist_inflight = g_hash_table_new_full(gs_sync_intake_id_hash,
								    gs_sync_intake_id_equal,
								    g_free,
								    gs_sync_held_copies_free);
		intake->claimed = TRUE;
		memcpy(intake->id, claimed, 32);
		g_hash_table_insert(self->hist_inflight, g_memdup2(claimed, 32), NULL);
	}
	gs_ingest_submit(self->ingest, relay->url, json, len, gs_sync_intake_done_cb, intake);
}

/* the first copy of @intake's id has its outcome: its other copies are only counted when it
 * was stored (or found stored) as that id, else the next one goes to the ingest */
static void
gs_sync_intake_settle(GsSyncManager *self, GsSyncIntake *intake, const GsIngestResult *result)
{
	g_autoptr(GPtrArray) copies = NULL;
	gpointer key = NULL;
	gboolean stored;

	if (self->hist_inflight == NULL ||
	    !g_hash_table_steal_extended(
		    self->hist_inflight, intake->id, &key, (gpointer *)&copies))
		return;
	g_free(key);
	if (copies == NULL)
		return;
	stored = result->event != NULL &&
		 (result->outcome == GS_INGEST_OUTCOME_STORED ||
		  result->outcome == GS_INGEST_OUTCOME_DUPLICATE) &&
		 memcmp(gs_event_get_id_raw(result->event), intake->id, 32) == 0;
	while (copies->len > 0) {
		g_autoptr(GPtrArray) rest = NULL;
		GsSyncHeldCopy *copy = g_ptr_array_index(copies, 0);
		GsSyncRelay *relay = gs_sync_manager_lookup(self, copy->url);
		if (relay != NULL && stored) {
			relay->stats.events_known++;
		} else if (relay != NULL) {
			gs_sync_intake_submit(self, relay, copy->json, copy->len, intake->id);
			g_ptr_array_remove_index(copies, 0);
			if (copies->len > 0)
				g_hash_table_insert(self->hist_inflight,
						    g_memdup2(intake->id, 32),
						    g_steal_pointer(&copies));
			return;
		}
		g_ptr_array_remove_index(copies, 0);
	}
}

/* forgets the ids of stored events (no pass runs) */
void
gs_sync_intake_forget_stored(GsSyncManager *self)
{
	g_clear_pointer(&self->hist_stored, g_hash_table_unref);
}

static void
gs_sync_intake_done_cb(GsIngest *ingest, const GsIngestResult *result, gpointer user_data)
{
	GsSyncIntake *intake = user_data;
	GsSyncManager *self = intake->manager;
	GsSyncRelay *relay;

	if (intake->claimed)
		gs_sync_intake_settle(self, intake, result);
	if (!intake->live && result->event != NULL &&
	    (result->outcome == GS_INGEST_OUTCOME_STORED ||
	     result->outcome == GS_INGEST_OUTCOME_DUPLICATE))
		gs_sync_intake_remember_stored(self, result->event);
	if (result->outcome == GS_INGEST_OUTCOME_STORED) {
		self->events_synced++;
		self->events_by_source[intake->source]++;
		relay = intake->gap ? gs_sync_manager_lookup(self, result->source) : NULL;
		if (relay != NULL)
			relay->stats.gap_events++;
	}
	/* this was the last event the ingest held */
	if (gs_ingest_get_pending(ingest) <= 1)
		gs_sync_manager_ingest_idle(self);
	g_object_unref(self);
	g_free(intake);
}

/**
 * gs_sync_intake_event:
 * @filters: (element-type GsFilter) (nullable): the subscription's filters
 * @live: whether it came on a live subscription, else on a historic batch
 * @event_out: (out) (optional) (transfer full): the parsed event when it matched and went to
 *   the ingest, else %NULL
 *
 * Counts the event as received from @relay, parses it, drops it when it matches none of
 * @filters, and submits it to the ingest, which verifies, decides and stores. Events that
 * cannot be parsed, or are too large to parse, go to the ingest raw so that they are counted
 * with their reason.
 */
void
gs_sync_intake_event(GsSyncManager *self,
		     GsSyncRelay *relay,
		     const gchar *json,
		     gsize len,
		     GPtrArray *filters,
		     gboolean live,
		     GsEvent **event_out)
{
	g_autoptr(GsEvent) event = NULL;

	if (event_out != NULL)
		*event_out = NULL;
	relay->stats.events_received++;
	relay->stats.last_event_at = gs_sync_manager_now(self);
	if (len > self->opts.max_event_bytes ||
	    (event = gs_event_new_from_json(json, len, NULL)) == NULL) {
		gs_ingest_submit(self->ingest,
				 relay->url,
				 json,
				 len,
				 gs_sync_intake_done_cb,
				 gs_sync_intake_new(self, relay, live));
		return;
	}
	if (filters != NULL && !gs_filters_match(filters, event)) {
		relay->stats.events_dropped++;
		g_debug("%s: dropped event %s: it matches no filter of its subscription",
			relay->url,
			gs_event_get_id(event));
		return;
	}
	gs_ingest_submit_event(self->ingest,
			       relay->url,
			       event,
			       gs_sync_intake_done_cb,
			       gs_sync_intake_new(self, relay, live));
	if (event_out != NULL)
		*event_out = g_steal_pointer(&event);
}

/**
 * gs_sync_intake_raw:
 * @ids: the set of ids the historic subscription asked for
 * @id: the event's id, as its JSON says (gs_message_peek_event_id())
 *
 * gs_sync_intake_event() for a fetch by ids, without parsing the event on the main thread:
 * the id alone says whether it matches the subscription's filter, and the ingest's workers
 * parse it (reporting malformed JSON with its reason), check its id against its content and
 * its signature.
 *
 * Returns: %TRUE when it was one of @ids and went to the ingest
 */
gboolean
gs_sync_intake_raw(GsSyncManager *self,
		   GsSyncRelay *relay,
		   const gchar *json,
		   gsize len,
		   GHashTable *ids,
		   const gchar *id)
{
	if (!g_hash_table_contains(ids, id)) {
		relay->stats.events_received++;
		relay->stats.last_event_at = gs_sync_manager_now(self);
		relay->stats.events_dropped++;
		g_debug("%s: dropped event %s: it matches no filter of its subscription",
			relay->url,
			id);
		return FALSE;
	}
	gs_sync_intake_raw_event(self, relay, json, len);
	return TRUE;
}

/**
 * gs_sync_intake_raw_event:
 *
 * Counts an event of a historic subscription that gs_sync_peek_match() matched against its
 * filter, and hands it to the ingest as JSON: its workers parse and check it.
 */
void
gs_sync_intake_raw_event(GsSyncManager *self, GsSyncRelay *relay, const gchar *json, gsize len)
{
	relay->stats.events_received++;
	relay->stats.last_event_at = gs_sync_manager_now(self);
	gs_ingest_submit(self->ingest,
			 relay->url,
			 json,
			 len,
			 gs_sync_intake_done_cb,
			 gs_sync_intake_new(self, relay, FALSE));
}

/**
 * gs_sync_intake_peeked:
 * @id: the id the event states (64 hex digits, as gs_sync_peek_match() read it)
 *
 * gs_sync_intake_raw_event() for an event of a historic REQ that matched its filter, unless
 * an earlier copy of it was stored: then it is only counted (@relay's `events_known`), or is
 * with the ingest: then it waits for that copy's outcome.
 */
void
gs_sync_intake_peeked(GsSyncManager *self,
		      GsSyncRelay *relay,
		      const gchar *json,
		      gsize len,
		      const gchar *id)
{
	GPtrArray *copies = NULL;
	guint8 raw[32];

	if (!gs_hex_decode_to(id, 64, raw, sizeof(raw))) {
		gs_sync_intake_raw_event(self, relay, json, len);
		return;
	}
	relay->stats.events_received++;
	relay->stats.last_event_at = gs_sync_manager_now(self);
	if (self->hist_stored != NULL && g_hash_table_contains(self->hist_stored, raw)) {
		relay->stats.events_known++;
		return;
	}
	if (self->hist_inflight == NULL ||
	    !g_hash_table_lookup_extended(self->hist_inflight, raw, NULL, (gpointer *)&copies)) {
		gs_sync_intake_submit(self, relay, json, len, raw);
		return;
	}
	/* its first copy is with the ingest (another subscription of the pass brought it) */
	if (copies == NULL) {
		copies = g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_held_copy_free);
		g_hash_table_insert(self->hist_inflight, g_memdup2(raw, 32), copies);
	}
	g_ptr_array_add(copies, gs_sync_held_copy_new(relay->url, json, len));
}

/* an event of a historic subscription that matches none of its filters */
void
gs_sync_intake_dropped(GsSyncManager *self, GsSyncRelay *relay, const gchar *id)
{
	relay->stats.events_received++;
	relay->stats.last_event_at = gs_sync_manager_now(self);
	relay->stats.events_dropped++;
	g_debug("%s: dropped event %s: it matches no filter of its subscription", relay->url, id);
}

/**
 * gs_sync_intake_more_coming:
 *
 * The ingest's #GsIngestMoreFunc: a relay is still sending the pages of a historic fetch
 * (REQ streams and fetches by id open), so the events that are ready may wait for the next
 * ones and go into one larger transaction. The ingest bounds the wait (0.2 s, 8,000 events);
 * when the last historic subscription ends, what is ready is stored at once.
 */
gboolean
gs_sync_intake_more_coming(gpointer user_data)
{
	GsSyncManager *self = user_data;
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsSyncRelay *relay = value;
		if (g_hash_table_size(relay->hist_subs) > 0)
			return TRUE;
	}
	return FALSE;
}
