/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-message.h"
#include "gs-sync-filters.h"
#include "gs-sync-peek.h"
#include "gs-sync-run-private.h"

/*
 * Running one historic batch (specs/sync.md 4) on a live relay:
 * - negentropy: one NIP-77 session per filter (strfry takes one filter per NEG-OPEN) over the
 *   local set from the store plus the rejected ids, then `{ids:[...]}` fetch rounds with the
 *   retry protection of 4.3; "no NIP-77" or a transient failure falls back to REQ+EOSE;
 * - REQ+EOSE: one paged subscription per filter (a page's limit applies per filter, so a
 *   filter alone is what makes `until = oldest seen` correct).
 * Each filter is a *stream*: a subscription, or one waiting for a slot of the relay's budget
 * or for a rate limit to end. The batch ends once, through gs_sync_index_end_batch(); the
 * index's batch-finished signal then tears the run down (gs_sync_runner_batch_finished()),
 * whoever ended it (this file, a disconnection, a fresh start).
 */

#define GS_SYNC_RUN_RATE_RETRIES 3

static void
gs_sync_stream_free(GsSyncStream *stream)
{
	g_clear_pointer(&stream->base, gs_filter_unref);
	g_clear_pointer(&stream->current, gs_filter_unref);
	g_clear_pointer(&stream->pager, gs_sync_pager_free);
	g_clear_pointer(&stream->ids, g_hash_table_unref);
	g_clear_pointer(&stream->tag_values, g_hash_table_unref);
	g_free(stream->sub_id);
	g_free(stream);
}

gint
gs_sync_run_strcmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

GsSyncRun *
gs_sync_run_ref(GsSyncRun *run)
{
	run->ref_count++;
	return run;
}

void
gs_sync_run_unref(GsSyncRun *run)
{
	if (--run->ref_count > 0)
		return;
	g_ptr_array_unref(run->base);
	g_ptr_array_unref(run->streams);
	g_hash_table_unref(run->need);
	g_hash_table_unref(run->req_seen);
	g_object_unref(run->cancellable);
	gs_sync_batch_unref(run->batch);
	g_free(run);
}

static void
gs_sync_run_request(GsSyncRun *run, GsSyncStream *stream);

/* timeout ------------------------------------------------------------------------------------- */

static gboolean
gs_sync_run_has_open(GsSyncRun *run)
{
	for (guint i = 0; i < run->streams->len; i++) {
		GsSyncStream *stream = g_ptr_array_index(run->streams, i);
		if (stream->sub_id != NULL)
			return TRUE;
	}
	return FALSE;
}

/* no EOSE within batch-timeout, reset by each event: the batch fails (section 4.2); time spent
 * waiting for a slot or a rate limit does not count */
static gboolean
gs_sync_run_timeout_cb(gpointer user_data)
{
	GsSyncRun *run = user_data;
	gint64 left = run->timeout_due - g_get_monotonic_time();

	run->timeout_id = 0;
	/* events came since it was armed (gs_sync_run_touch_timeout()): wait for the rest */
	if (left > 0 && !run->ended) {
		run->timeout_id =
			g_timeout_add((guint)((left + 999) / 1000), gs_sync_run_timeout_cb, run);
		return G_SOURCE_REMOVE;
	}
	if (!gs_sync_run_has_open(run)) {
		gs_sync_run_arm_timeout(run);
		return G_SOURCE_REMOVE;
	}
	g_info("%s: batch %" G_GUINT64_FORMAT " timed out",
	       run->relay->url,
	       gs_sync_batch_get_id(run->batch));
	gs_sync_batch_mark_failed(run->batch, "timeout");
	gs_sync_run_finish(run, GS_SYNC_OUTCOME_FAILED, "timeout");
	return G_SOURCE_REMOVE;
}

void
gs_sync_run_arm_timeout(GsSyncRun *run)
{
	g_clear_handle_id(&run->timeout_id, g_source_remove);
	run->timeout_due = g_get_monotonic_time() +
			   (gint64)run->manager->opts.batch_timeout_ms * G_TIME_SPAN_MILLISECOND;
	if (!run->ended)
		run->timeout_id = g_timeout_add(
			run->manager->opts.batch_timeout_ms, gs_sync_run_timeout_cb, run);
}

/* an event arrived: the timeout starts again, as gs_sync_run_arm_timeout() would do it, but
 * without a new main-loop source for every event (the armed one, when it fires early, waits
 * for the rest) */
void
gs_sync_run_touch_timeout(GsSyncRun *run)
{
	if (run->timeout_id == 0) {
		gs_sync_run_arm_timeout(run);
		return;
	}
	run->timeout_due = g_get_monotonic_time() +
			   (gint64)run->manager->opts.batch_timeout_ms * G_TIME_SPAN_MILLISECOND;
}

/* streams ------------------------------------------------------------------------------------- */

static GsSyncStream *
gs_sync_run_find_stream(GsSyncRun *run, const gchar *sub_id)
{
	for (guint i = 0; i < run->streams->len; i++) {
		GsSyncStream *stream = g_ptr_array_index(run->streams, i);
		if (g_strcmp0(stream->sub_id, sub_id) == 0)
			return stream;
	}
	return NULL;
}

/* closes the stream's subscription (if open) and gives its slot back */
static void
gs_sync_run_detach(GsSyncRun *run, GsSyncStream *stream)
{
	GsSyncManager *self = run->manager;
	g_autofree gchar *sub_id = g_steal_pointer(&stream->sub_id);

	if (sub_id == NULL)
		return;
	g_hash_table_remove(run->relay->hist_subs, sub_id);
	gs_sync_index_remove_subscription(self->index, run->batch, sub_id);
	gs_relay_connection_unsubscribe(run->relay->conn, sub_id);
	gs_sync_runner_release_slot(run->relay);
}

static void
gs_sync_run_drop_stream(GsSyncRun *run, GsSyncStream *stream)
{
	gs_sync_run_detach(run, stream);
	g_ptr_array_remove(run->streams, stream);
}

/* closes every stream of @run, open or waiting for a slot */
void
gs_sync_run_drop_streams(GsSyncRun *run)
{
	while (run->streams->len > 0)
		gs_sync_run_drop_stream(run, g_ptr_array_index(run->streams, 0));
}

/* a page's event matched against its filter without parsing it here (gs-sync-peek.c): it goes
 * to the ingest as JSON; returns: %FALSE when it must be parsed to decide */
static gboolean
gs_sync_run_event_peeked(GsSyncRun *run,
			 GsSyncStream *stream,
			 const gchar *sub_id,
			 const gchar *json,
			 gsize len)
{
	gchar id[65];
	gint64 created_at;

	switch (gs_sync_peek_match(
		json, len, stream->current, stream->tag_values, id, &created_at)) {
	case GS_SYNC_PEEK_NO_MATCH:
		gs_sync_intake_dropped(run->manager, run->relay, id);
		return TRUE;
	case GS_SYNC_PEEK_MATCH:
		break;
	case GS_SYNC_PEEK_UNSURE:
	default:
		return FALSE;
	}
	gs_sync_intake_peeked(run->manager, run->relay, json, len, id);
	stream->page_events++;
	gs_sync_pager_record(stream->pager, id, created_at);
	if (run->phase == GS_SYNC_PHASE_NEG)
		g_hash_table_add(run->req_seen, g_strdup(id));
	gs_sync_batch_record_event(run->batch, sub_id, id, created_at);
	gs_sync_run_touch_timeout(run);
	return TRUE;
}

static void
gs_sync_run_event_cb(GsRelayConnection *conn,
		     const gchar *sub_id,
		     const gchar *json,
		     gsize len,
		     gpointer user_data)
{
	GsSyncRelay *relay = user_data;
	GsSyncRun *run = g_hash_table_lookup(relay->hist_subs, sub_id);
	g_autoptr(GPtrArray) filters = NULL;
	g_autoptr(GsEvent) event = NULL;
	GsSyncStream *stream;
	gchar id[65];

	if (run == NULL || (stream = gs_sync_run_find_stream(run, sub_id)) == NULL)
		return;
	if (stream->ids != NULL && gs_message_peek_event_id(json, len, id)) {
		/* a fetch by ids: the id says whether it is one we asked for; the ingest's
		 * workers parse and check it */
		if (gs_sync_intake_raw(run->manager, relay, json, len, stream->ids, id)) {
			gs_sync_batch_record_event(run->batch, sub_id, id, 0);
			gs_sync_run_touch_timeout(run);
		}
		return;
	}
	if (stream->tag_values != NULL && gs_sync_run_event_peeked(run, stream, sub_id, json, len))
		return;
	filters = g_ptr_array_new();
	g_ptr_array_add(filters, stream->current);
	gs_sync_intake_event(run->manager, relay, json, len, filters, FALSE, &event);
	if (event == NULL)
		return;
	stream->page_events++;
	if (stream->pager != NULL)
		gs_sync_pager_record(
			stream->pager, gs_event_get_id(event), gs_event_get_created_at(event));
	/* a filter fetched with REQ while the batch's other filters reconcile: what it
	 * brought is not fetched again by id */
	if (run->phase == GS_SYNC_PHASE_NEG)
		g_hash_table_add(run->req_seen, g_strdup(gs_event_get_id(event)));
	gs_sync_batch_record_event(
		run->batch, sub_id, gs_event_get_id(event), gs_event_get_created_at(event));
	gs_sync_run_touch_timeout(run);
}

static void
gs_sync_run_stream_eose(GsSyncRun *run, GsSyncStream *stream)
{
	gs_sync_run_detach(run, stream);
	gs_sync_run_arm_timeout(run);
	if (stream->pager != NULL &&
	    gs_sync_pager_end_page(stream->pager) == GS_SYNC_PAGE_STEP_NEXT) {
		g_clear_pointer(&stream->current, gs_filter_unref);
		stream->current = gs_sync_filters_page(stream->base, stream->pager);
		gs_sync_run_request(run, stream);
		return;
	}
	g_ptr_array_remove(run->streams, stream);
	gs_sync_run_check(run);
}

/**
 * gs_sync_runner_learn_cap:
 * @message: (nullable): the relay's refusal; "at most N" in it is believed
 * @in_use: historic subscriptions open when it refused
 *
 * Lowers the number of historic subscriptions and sessions kept open on @relay: to what it
 * said (less the live REQs), else to what it had accepted. Never raises it.
 */
void
gs_sync_runner_learn_cap(GsSyncRelay *relay, const gchar *message, guint in_use)
{
	const gchar *most = message != NULL ? strstr(message, "at most ") : NULL;
	guint live = gs_sync_live_n_open(relay);
	guint64 said = most != NULL ? g_ascii_strtoull(most + strlen("at most "), NULL, 10) : 0;
	guint cap = said > 0 ? (said > live + 1 ? (guint)MIN(said - live, G_MAXUINT) : 1)
			     : MAX(in_use, 1);

	/* the relay's whole budget, for the live share too (as if its NIP-11 document said so) */
	if (said > 0 && said <= G_MAXUINT && (relay->max_subs == 0 || said < relay->max_subs))
		relay->max_subs = (guint)said;
	if (relay->learned_cap != 0 && relay->learned_cap <= cap)
		return;
	relay->learned_cap = cap;
	g_info("%s: keeping at most %u historic subscriptions open", relay->url, cap);
}

/* a relay that says how many subscriptions it takes (CLOSED, NEG-ERR): stay under what it
 * allowed */
gboolean
gs_sync_text_is_sub_limit(const gchar *message)
{
	g_autofree gchar *lower = g_ascii_strdown(message != NULL ? message : "", -1);
	const gchar *what[] = {"subscription", "session", "concurrent", "reqs", "open"};

	if (strstr(lower, "max subscriptions") != NULL ||
	    strstr(lower, "maximum subscriptions") != NULL ||
	    strstr(lower, "subscription limit") != NULL)
		return TRUE;
	if (strstr(lower, "too many") == NULL)
		return FALSE;
	for (guint i = 0; i < G_N_ELEMENTS(what); i++) {
		if (strstr(lower, what[i]) != NULL)
			return TRUE;
	}
	return FALSE;
}

static void
gs_sync_run_stream_closed(GsSyncRun *run, GsSyncStream *stream, const gchar *message)
{
	const gchar *reason = gs_sync_reason_from_closed(message);
	GsSyncRelay *relay = run->relay;
	guint open = relay->n_slots;

	gs_sync_run_detach(run, stream);
	g_debug("%s: batch %" G_GUINT64_FORMAT " subscription closed: %s",
		relay->url,
		gs_sync_batch_get_id(run->batch),
		message != NULL ? message : "");
	if (g_strcmp0(reason, "rate-limited") == 0 &&
	    stream->rate_retries++ < GS_SYNC_RUN_RATE_RETRIES) {
		gs_sync_manager_enter_rate_limit(run->manager, relay, FALSE);
		gs_sync_run_request(run, stream);
		return;
	}
	if (gs_sync_text_is_sub_limit(message) && open > 1 && stream->rate_retries++ < 8) {
		gs_sync_runner_learn_cap(relay, message, open - 1);
		gs_sync_run_request(run, stream);
		return;
	}
	gs_sync_batch_mark_failed(run->batch, reason);
	g_ptr_array_remove(run->streams, stream);
	gs_sync_run_check(run);
}

static void
gs_sync_run_state_cb(GsRelayConnection *conn,
		     const gchar *sub_id,
		     GsRelaySubscriptionEnd end,
		     const gchar *prefix,
		     const gchar *message,
		     gpointer user_data)
{
	GsSyncRelay *relay = user_data;
	GsSyncRun *run = g_hash_table_lookup(relay->hist_subs, sub_id);
	g_autoptr(GsSyncRun) hold = NULL;
	GsSyncStream *stream;

	if (run == NULL || (stream = gs_sync_run_find_stream(run, sub_id)) == NULL)
		return;
	hold = gs_sync_run_ref(run);
	if (end == GS_RELAY_SUBSCRIPTION_EOSE) {
		gs_sync_run_stream_eose(run, stream);
	} else if (end == GS_RELAY_SUBSCRIPTION_CLOSED) {
		gs_sync_run_stream_closed(run, stream, message);
	} else {
		/* the connection dropped: the disconnection ends the batch as aborted */
		g_hash_table_remove(relay->hist_subs, sub_id);
		g_clear_pointer(&stream->sub_id, g_free);
	}
	gs_sync_runner_flush_waiters(relay);
}

/* sends the stream's subscription; runs with a slot taken */
static void
gs_sync_run_send(GsSyncRun *run, gpointer data)
{
	GsSyncStream *stream = data;
	GsSyncRelay *relay = run->relay;
	g_autoptr(GPtrArray) filters = g_ptr_array_new();
	g_autoptr(GError) error = NULL;

	if (run->ended || !g_ptr_array_find(run->streams, stream, NULL)) {
		gs_sync_runner_release_slot(relay);
		return;
	}
	g_ptr_array_add(filters, stream->current);
	stream->sub_id = gs_relay_connection_subscribe(
		relay->conn, filters, gs_sync_run_event_cb, gs_sync_run_state_cb, relay, &error);
	if (stream->sub_id == NULL) {
		/* the connection's budget is smaller than ours thought: wait for a slot */
		gs_sync_runner_release_slot(relay);
		gs_sync_runner_learn_cap(relay, NULL, relay->n_slots);
		g_debug("%s: %s", relay->url, error->message);
		gs_sync_run_retry_with_slot(run, gs_sync_run_send, stream);
		return;
	}
	stream->page_events = 0;
	g_hash_table_insert(relay->hist_subs, g_strdup(stream->sub_id), run);
	gs_sync_index_add_subscription(run->manager->index, run->batch, stream->sub_id, NULL, NULL);
	gs_sync_run_arm_timeout(run);
}

static void
gs_sync_run_request(GsSyncRun *run, GsSyncStream *stream)
{
	if (!g_ptr_array_find(run->streams, stream, NULL))
		g_ptr_array_add(run->streams, stream);
	gs_sync_run_with_slot(run, gs_sync_run_send, stream, NULL);
}

/* a filter that names ids and nothing else (a negentropy fetch) */
static gboolean
gs_sync_filter_is_ids_only(const GsFilter *filter)
{
	g_autofree gchar *letters = gs_filter_get_tag_letters(filter);

	return gs_filter_get_ids(filter) != NULL && gs_filter_get_authors(filter) == NULL &&
	       gs_filter_get_kinds(filter) == NULL && (letters == NULL || letters[0] == '\0') &&
	       gs_filter_get_since(filter) < 0 && gs_filter_get_until(filter) < 0;
}

static GsSyncStream *
gs_sync_stream_new(GsFilter *base, gboolean paged, guint limit)
{
	GsSyncStream *stream = g_new0(GsSyncStream, 1);

	stream->base = gs_filter_ref(base);
	if (paged) {
		stream->pager = gs_sync_filters_pager_new(base, limit);
		stream->current = gs_sync_filters_page(base, stream->pager);
		stream->tag_values = gs_sync_peek_values(base);
	} else {
		stream->current = gs_filter_ref(base);
	}
	if (gs_sync_filter_is_ids_only(base)) {
		GPtrArray *ids = gs_filter_get_ids(base);
		stream->ids = g_hash_table_new(gs_filter_value_hash, g_str_equal);
		for (guint i = 0; i < ids->len; i++)
			g_hash_table_add(stream->ids, g_ptr_array_index(ids, i));
	}
	return stream;
}

/**
 * gs_sync_run_req_filter:
 *
 * Fetches @filter with paged REQ+EOSE within @run's negentropy phase, in the slot the caller
 * holds: a filter whose local set is empty, where a reconciliation would only list every id
 * of the relay's set to be fetched by id afterwards.
 */
void
gs_sync_run_req_filter(GsSyncRun *run, GsFilter *filter)
{
	GsSyncStream *stream = gs_sync_stream_new(filter, TRUE, run->manager->opts.req_page_limit);

	g_ptr_array_add(run->streams, stream);
	gs_sync_run_send(run, stream);
}

/* REQ+EOSE over the items' filters (section 4.5) */
void
gs_sync_run_begin_req(GsSyncRun *run)
{
	run->phase = GS_SYNC_PHASE_REQ;
	run->method = GS_SYNC_METHOD_REQ_EOSE;
	for (guint i = 0; i < run->base->len; i++)
		gs_sync_run_request(run,
				    gs_sync_stream_new(g_ptr_array_index(run->base, i),
						       TRUE,
						       run->manager->opts.req_page_limit));
	gs_sync_run_check(run);
}

/* a round of `{ids:[...]}` fetches, 300 ids a filter (section 4.3) */
void
gs_sync_run_begin_fetch(GsSyncRun *run, GPtrArray *ids)
{
	g_autoptr(GPtrArray) filters = gs_sync_filters_ids(ids, NULL);

	for (guint i = 0; i < ids->len; i++) {
		if (!g_hash_table_contains(run->relay->fetching, ids->pdata[i]))
			g_hash_table_insert(run->relay->fetching, g_strdup(ids->pdata[i]), run);
	}
	run->phase = GS_SYNC_PHASE_FETCH;
	for (guint i = 0; filters != NULL && i < filters->len; i++)
		gs_sync_run_request(run,
				    gs_sync_stream_new(g_ptr_array_index(filters, i), FALSE, 0));
	gs_sync_run_check(run);
}

/* ending ------------------------------------------------------------------------------------- */

/* the ids @run was fetching are no longer fetched by it */
static void
gs_sync_run_forget_fetching(GsSyncRun *run)
{
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, run->need);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (g_hash_table_lookup(run->relay->fetching, key) == run)
			g_hash_table_remove(run->relay->fetching, key);
	}
}

void
gs_sync_run_finish(GsSyncRun *run, GsSyncOutcome outcome, const gchar *reason)
{
	g_autoptr(GsSyncRun) hold = gs_sync_run_ref(run);
	g_autoptr(GError) error = NULL;

	if (run->ended)
		return;
	if (!gs_sync_index_end_batch(run->manager->index, run->batch, outcome, reason, &error))
		g_warning("%s: %s", run->relay->url, error->message);
}

/* after each stream or session ends: the next phase, or the end of the batch */
void
gs_sync_run_check(GsSyncRun *run)
{
	if (run->ended || run->streams->len > 0 || run->n_neg > 0)
		return;
	if (gs_sync_batch_get_failed(run->batch)) {
		gs_sync_run_finish(run, GS_SYNC_OUTCOME_FAILED, NULL);
		return;
	}
	switch (run->phase) {
	case GS_SYNC_PHASE_NEG:
		gs_sync_run_neg_done(run);
		break;
	case GS_SYNC_PHASE_FETCH:
		switch (gs_sync_batch_decide_fetch(run->batch)) {
		case GS_SYNC_FETCH_COMPLETE:
			gs_sync_run_finish(run, GS_SYNC_OUTCOME_COMPLETE, NULL);
			break;
		case GS_SYNC_FETCH_REFETCH: {
			g_autoptr(GPtrArray) ids = gs_sync_batch_begin_refetch(run->batch);
			gs_sync_run_begin_fetch(run, ids);
			break;
		}
		case GS_SYNC_FETCH_FALLBACK:
			gs_sync_run_fallback(run, "negentropy-undelivered");
			break;
		case GS_SYNC_FETCH_FAIL:
		default:
			gs_sync_batch_mark_failed(run->batch, "negentropy-undelivered");
			gs_sync_run_finish(run, GS_SYNC_OUTCOME_FAILED, "negentropy-undelivered");
			break;
		}
		break;
	case GS_SYNC_PHASE_REQ:
	default:
		gs_sync_run_finish(run, GS_SYNC_OUTCOME_COMPLETE, NULL);
		break;
	}
}

/* the index ended @batch (whoever asked): count it and tear its run down */
void
gs_sync_runner_batch_finished(GsSyncManager *self, GsSyncBatch *batch)
{
	guint64 id = gs_sync_batch_get_id(batch);
	GsSyncRun *run = g_hash_table_lookup(self->runs, &id);
	GsSyncOutcome outcome = gs_sync_batch_get_outcome(batch);
	GsSyncRelay *relay;

	if (run == NULL)
		return;
	g_hash_table_remove(self->runs, &run->id);
	relay = run->relay;
	run->ended = TRUE;
	gs_sync_run_forget_fetching(run);
	gs_sync_wide_run_ended(run, outcome);
	relay->stats.batches[run->method][outcome]++;
	if (outcome == GS_SYNC_OUTCOME_FAILED)
		gs_sync_relay_count_reason(relay->failure_reasons,
					   gs_sync_batch_get_reason(batch) != NULL
						   ? gs_sync_batch_get_reason(batch)
						   : "error");
	if (outcome == GS_SYNC_OUTCOME_COMPLETE) {
		gint64 now = gs_sync_manager_now(self);
		if (gs_sync_batch_is_layer1(batch))
			relay->last_eose[0] = now;
		if (gs_sync_batch_get_repos(batch)->len > 0)
			relay->last_eose[1] = now;
		if (gs_sync_batch_get_roots(batch)->len > 0)
			relay->last_eose[2] = now;
	}
	if (outcome != GS_SYNC_OUTCOME_ABORTED)
		gs_sync_state_save_confirmed(self, relay, batch);
	g_clear_handle_id(&run->timeout_id, g_source_remove);
	/* the running sessions' slots come back now: their callbacks may come after the relay
	 * is gone */
	for (guint i = run->n_neg_waiting; i < run->n_neg; i++)
		gs_sync_runner_release_slot(relay);
	g_cancellable_cancel(run->cancellable);
	gs_sync_run_drop_streams(run);
	gs_sync_run_drop_waiters(run);
	gs_sync_run_unref(run);
	gs_sync_runner_flush_waiters(relay);
}

/* NOTICE "rate limited" names no subscription: what got no answer was probably dropped, so it
 * is sent again once the cooldown ends */
void
gs_sync_runner_requeue_unanswered(GsSyncRelay *relay)
{
	g_autoptr(GPtrArray) runs = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, relay->hist_subs);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (!g_ptr_array_find(runs, value, NULL))
			g_ptr_array_add(runs, value);
	}
	for (guint i = 0; i < runs->len; i++) {
		GsSyncRun *run = g_ptr_array_index(runs, i);
		for (guint j = 0; j < run->streams->len; j++) {
			GsSyncStream *stream = g_ptr_array_index(run->streams, j);
			if (stream->sub_id == NULL || stream->page_events > 0)
				continue;
			gs_sync_run_detach(run, stream);
			gs_sync_run_with_slot(run, gs_sync_run_send, stream, NULL);
		}
	}
}

/* starting ------------------------------------------------------------------------------------ */

GsSyncMethod
gs_sync_runner_choose_method(GsSyncManager *self, GsSyncRelay *relay)
{
	if (self->opts.disable_negentropy || relay->nip77 == GS_SYNC_NIP77_NO)
		return GS_SYNC_METHOD_REQ_EOSE;
	return GS_SYNC_METHOD_NEGENTROPY;
}

static GPtrArray *
gs_sync_runner_filters(GsSyncManager *self,
		       GPtrArray *repos,
		       GPtrArray *roots,
		       gint64 since,
		       GError **error)
{
	GsSyncTargets *targets = gs_sync_index_get_targets(self->index);
	g_autoptr(GPtrArray) full = NULL;
	g_autoptr(GPtrArray) state = NULL;

	if ((repos == NULL || repos->len == 0) && (roots == NULL || roots->len == 0))
		return gs_sync_filters_layer1(GS_SYNC_FILTERS_HISTORIC, since);
	full = gs_sync_targets_filter_by_level(targets, repos, GS_SYNC_LEVEL_FULL);
	state = gs_sync_targets_filter_by_level(targets, repos, GS_SYNC_LEVEL_STATE_ONLY);
	return gs_sync_filters_items(full, state, roots, GS_SYNC_FILTERS_HISTORIC, since, error);
}

static gboolean
gs_sync_runner_start_one(GsSyncManager *self,
			 GsSyncRelay *relay,
			 GPtrArray *repos,
			 GPtrArray *roots,
			 gint64 since,
			 GError **error)
{
	GsSyncMethod method = gs_sync_runner_choose_method(self, relay);
	g_autoptr(GPtrArray) filters = gs_sync_runner_filters(self, repos, roots, since, error);
	GsSyncBatch *batch;
	GsSyncRun *run;

	if (filters == NULL)
		return FALSE;
	batch = gs_sync_index_register_batch(self->index, relay->url, method, repos, roots, error);
	if (batch == NULL)
		return FALSE;
	run = g_new0(GsSyncRun, 1);
	run->ref_count = 1;
	run->manager = self;
	run->relay = relay;
	run->batch = batch;
	run->id = gs_sync_batch_get_id(batch);
	run->method = method;
	run->base = g_steal_pointer(&filters);
	run->streams = g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_stream_free);
	run->need = g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
	run->req_seen = g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
	run->cancellable = g_cancellable_new();
	g_hash_table_insert(self->runs, &run->id, run);
	gs_sync_run_arm_timeout(run);
	if (method == GS_SYNC_METHOD_NEGENTROPY)
		gs_sync_run_begin_neg(run);
	else
		gs_sync_run_begin_req(run);
	return TRUE;
}

/**
 * gs_sync_runner_start_batch:
 * @repos: (nullable): repository coordinates
 * @roots: (nullable): root event ids; with @repos empty too this is the L1 batch
 * @since: -1, or the catch-up bound
 *
 * Registers and starts historic batches for the items on a live relay, 100 repositories and
 * 100 roots a batch.
 *
 * Returns: %FALSE with @error set when the relay is not live or rate limited
 *   (%GS_ERROR_BUSY), or the index refused the batch
 */
gboolean
gs_sync_runner_start_batch(GsSyncManager *self,
			   GsSyncRelay *relay,
			   GPtrArray *repos,
			   GPtrArray *roots,
			   gint64 since,
			   GError **error)
{
	guint n_repos = repos != NULL ? repos->len : 0;
	guint n_roots = roots != NULL ? roots->len : 0;
	guint step = GS_SYNC_FILTERS_CHUNK;
	gboolean ok = TRUE;

	if (!gs_sync_relay_can_subscribe(relay)) {
		g_set_error(error, GS_ERROR, GS_ERROR_BUSY, "%s takes no new work now", relay->url);
		return FALSE;
	}
	if (n_repos == 0 && n_roots == 0)
		return gs_sync_runner_start_one(self, relay, NULL, NULL, since, error);
	for (guint off = 0; ok && (off < n_repos || off < n_roots); off += step) {
		g_autoptr(GPtrArray) r = g_ptr_array_new();
		g_autoptr(GPtrArray) e = g_ptr_array_new();
		for (guint i = off; i < MIN(off + step, n_repos); i++)
			g_ptr_array_add(r, g_ptr_array_index(repos, i));
		for (guint i = off; i < MIN(off + step, n_roots); i++)
			g_ptr_array_add(e, g_ptr_array_index(roots, i));
		ok = gs_sync_runner_start_one(self, relay, r, e, since, error);
	}
	return ok;
}
