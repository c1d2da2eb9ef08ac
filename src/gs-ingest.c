/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsIngest"

#include "config.h"

#include <string.h>

#include "gs-enums-types.h"
#include "gs-error.h"
#include "gs-ingest-item.h"
#include "gs-ingest-private.h"
#include "gs-ingest.h"

/*
 * The pipeline. On the main context: the raw size limit, then the event goes into a staging
 * job. Jobs of up to GS_INGEST_JOB_SIZE events run on a GThreadPool (parse, tag and clock
 * limits, id, signature). Finished jobs come back through a mutex-protected list and a
 * GSource woken with g_main_context_wakeup(). Each source (relay URL or client connection)
 * has a queue of its events in arrival order; an event becomes ready only when every earlier
 * event of its source is ready (the reorder buffer), so results keep per-source order.
 * Ready events are drained in slices of at most GS_INGEST_SLICE_EVENTS events or
 * GS_INGEST_SLICE_USEC of policy work: each slice is decided, then its accepted events are
 * inserted in one transaction (gs_store_insert_batch), then the callbacks run. While more
 * events are on their way from the workers, ready ones gather for up to GS_INGEST_GATHER_USEC
 * first: a commit writes every index page the transaction touched, and the id, author and tag
 * indexes take random inserts, so 200 events a commit wrote 16 KB a stored event and cost
 * the main thread 75 us an event, 1,500 a commit 9 KB and 49 us (bench/ingest, 100,000
 * events); gathering for 0.2 s instead of 0.1 s (5,000 events a commit instead of 3,700)
 * wrote 14 % fewer bytes. An event that arrives alone is stored at once; under a backlog the
 * main context is busy for up to about 0.2 s a slice.
 * The worker half of an event's way is in gs-ingest-item.c, the decide-and-store step in
 * gs-ingest-decide.c.
 *
 * Within a slice, accepted events are shown to the policy as "pending" (gs_policy_add_pending)
 * so that an announcement and its state, or a patch and its comments, can be accepted in the
 * same slice. The store still decides replacement and deletion: a pending event the store
 * then refuses (older version, deleted) may have let a dependent event in; that dependent
 * would also have been accepted had the two arrived in separate slices a moment apart.
 */

#define GS_INGEST_JOB_SIZE 32
#ifndef GS_INGEST_GATHER_USEC
#define GS_INGEST_GATHER_USEC 200000
#endif
#define GS_INGEST_EXPIRE_INTERVAL_SECS 10

typedef struct {
	GSource source;
	GsIngest *self;
} GsIngestSource;

G_DEFINE_FINAL_TYPE(GsIngest, gs_ingest, G_TYPE_OBJECT)

static void
gs_ingest_source_state_free(GsIngestSourceState *state)
{
	g_free(state->name);
	g_free(state);
}

static gint64
gs_ingest_default_clock(gpointer user_data)
{
	return g_get_real_time();
}

static void
gs_ingest_worker(gpointer data, gpointer user_data)
{
	GPtrArray *job = data;
	GsIngest *self = GS_INGEST(user_data);

	for (guint i = 0; i < job->len; i++)
		gs_ingest_item_work(g_ptr_array_index(job, i), self->known);
	g_mutex_lock(&self->lock);
	g_ptr_array_add(self->finished, job);
	g_mutex_unlock(&self->lock);
	if (g_atomic_int_compare_and_exchange(&self->wake_pending, 0, 1))
		g_main_context_wakeup(self->context);
}

/* ---- the main-context side ---- */

static GsIngestSourceState *
gs_ingest_source_state(GsIngest *self, const gchar *name)
{
	GsIngestSourceState *state = g_hash_table_lookup(self->sources, name);

	if (state == NULL) {
		state = g_new0(GsIngestSourceState, 1);
		state->name = g_strdup(name);
		g_queue_init(&state->inflight);
		g_hash_table_insert(self->sources, state->name, state);
	}
	state->forgotten = FALSE;
	return state;
}

static void
gs_ingest_push_staging(GsIngest *self)
{
	g_autoptr(GError) error = NULL;
	GPtrArray *job;

	if (self->staging->len == 0)
		return;
	job = g_steal_pointer(&self->staging);
	self->staging = g_ptr_array_sized_new(GS_INGEST_JOB_SIZE);
	if (!g_thread_pool_push(self->pool, job, &error)) {
		/* no thread could be started: do the work here rather than lose events */
		g_warning("failed to start an ingest worker: %s", error->message);
		gs_ingest_worker(job, self);
	}
}

static void
gs_ingest_make_ready(GsIngest *self, GsIngestItem *item)
{
	if (self->ready.length == 0)
		self->ready_since = g_get_monotonic_time();
	g_queue_push_tail(&self->ready, item);
}

/* the reorder buffer: ready are the done items at the head of their source's queue */
static void
gs_ingest_advance(GsIngest *self, GsIngestSourceState *state)
{
	GQueue *inflight = &state->inflight;
	while (inflight->head != NULL && ((GsIngestItem *)inflight->head->data)->done)
		gs_ingest_make_ready(self, g_queue_pop_head(inflight));
}

static void
gs_ingest_enqueue(GsIngest *self, GsIngestItem *item)
{
	self->n_pending++;
	g_queue_push_tail(&item->source->inflight, item);
	if (item->decided) {
		/* refused before any work: it only waits for its turn */
		item->done = TRUE;
		gs_ingest_advance(self, item->source);
		return;
	}
	g_ptr_array_add(self->staging, item);
	if (self->staging->len >= GS_INGEST_JOB_SIZE)
		gs_ingest_push_staging(self);
}

static GsIngestItem *
gs_ingest_item_new_for(GsIngest *self,
		       const gchar *source,
		       GsIngestDoneFunc callback,
		       gpointer user_data)
{
	GsIngestItem *item = gs_ingest_item_new();

	item->source = gs_ingest_source_state(self, source);
	item->seq = item->source->next_seq++;
	item->order = self->next_order++;
	item->now_secs = self->clock(self->clock_data) / G_USEC_PER_SEC;
	item->callback = callback;
	item->user_data = user_data;
	item->source->counters.received++;
	item->source->n_items++;
	self->totals.received++;
	return item;
}

/**
 * gs_ingest_submit:
 * @source: where the event came from: a relay URL or a client connection name
 * @json: the event object as received
 * @len: its length in bytes
 * @callback: (nullable): called once with the result, on this object's main context
 *
 * Counts the event as received and runs it through the pipeline. Never blocks on CPU work:
 * parsing and verification happen on worker threads.
 */
void
gs_ingest_submit(GsIngest *self,
		 const gchar *source,
		 const gchar *json,
		 gsize len,
		 GsIngestDoneFunc callback,
		 gpointer user_data)
{
	GsIngestItem *item;

	g_return_if_fail(GS_IS_INGEST(self));
	g_return_if_fail(source != NULL);
	g_return_if_fail(json != NULL || len == 0);

	item = gs_ingest_item_new_for(self, source, callback, user_data);
	item->size = len;
	self->pending_bytes += len;
	if (gs_ingest_item_check_size(item, len, self->max_event_bytes)) {
		item->json = g_strndup(json, len);
		item->len = len;
	}
	gs_ingest_enqueue(self, item);
}

/**
 * gs_ingest_submit_event:
 * @event: an event parsed elsewhere (e.g. by the relay endpoint); its id and signature are
 *   still checked
 *
 * As gs_ingest_submit(), without the parse step; the size limit applies to our JSON of it.
 */
void
gs_ingest_submit_event(GsIngest *self,
		       const gchar *source,
		       GsEvent *event,
		       GsIngestDoneFunc callback,
		       gpointer user_data)
{
	GsIngestItem *item;

	g_return_if_fail(GS_IS_INGEST(self));
	g_return_if_fail(source != NULL);
	g_return_if_fail(event != NULL);

	item = gs_ingest_item_new_for(self, source, callback, user_data);
	item->event = gs_event_ref(event);
	item->size = gs_event_get_json_size(event);
	self->pending_bytes += item->size;
	gs_ingest_item_check_size(item, item->size, self->max_event_bytes);
	gs_ingest_enqueue(self, item);
}

static gint
gs_ingest_item_cmp_order(gconstpointer a, gconstpointer b)
{
	const GsIngestItem *ia = *(GsIngestItem *const *)a;
	const GsIngestItem *ib = *(GsIngestItem *const *)b;

	return ia->order < ib->order ? -1 : ia->order > ib->order;
}

/* moves the items of the finished jobs into the reorder buffers and on to the ready queue.
 * The items that become ready together join it in arrival order over all sources, not source
 * by source: jobs finish out of order on the workers, and a source's run of items that waited
 * for an older job would otherwise overtake the other sources' items of that job, such as the
 * announcement a patch of the run refers to (the patch would then be deferred and decided
 * again once the announcement is stored: 15 % of the events of bench/ingest were) */
static void
gs_ingest_collect(GsIngest *self)
{
	g_autoptr(GPtrArray) jobs = NULL;
	g_autoptr(GPtrArray) ready = NULL;

	g_atomic_int_set(&self->wake_pending, 0);
	g_mutex_lock(&self->lock);
	if (self->finished->len > 0) {
		jobs = self->finished;
		self->finished = g_ptr_array_new();
	}
	g_mutex_unlock(&self->lock);
	if (jobs == NULL)
		return;
	g_ptr_array_set_free_func(jobs, (GDestroyNotify)g_ptr_array_unref);
	ready = g_ptr_array_new();
	for (guint i = 0; i < jobs->len; i++) {
		GPtrArray *job = g_ptr_array_index(jobs, i);
		for (guint j = 0; j < job->len; j++)
			((GsIngestItem *)g_ptr_array_index(job, j))->done = TRUE;
	}
	for (guint i = 0; i < jobs->len; i++) {
		GPtrArray *job = g_ptr_array_index(jobs, i);
		for (guint j = 0; j < job->len; j++) {
			GQueue *inflight =
				&((GsIngestItem *)g_ptr_array_index(job, j))->source->inflight;
			while (inflight->head != NULL &&
			       ((GsIngestItem *)inflight->head->data)->done)
				g_ptr_array_add(ready, g_queue_pop_head(inflight));
		}
	}
	g_ptr_array_sort(ready, gs_ingest_item_cmp_order);
	for (guint i = 0; i < ready->len; i++)
		gs_ingest_make_ready(self, g_ptr_array_index(ready, i));
}

/* @key arrived: queue the deferred events waiting for it */
static void
gs_ingest_key_arrived(const gchar *key, gpointer user_data)
{
	GsIngest *self = user_data;
	g_autoptr(GPtrArray) events = NULL;

	if (!gs_rejected_index_has_dependents(self->index, key))
		return;
	events = gs_rejected_index_take_dependents(self->index, key);
	for (guint j = 0; j < events->len; j++) {
		GsIngestItem *item = gs_ingest_item_new();
		gpointer id = NULL, origin = NULL;
		item->event = gs_event_ref(g_ptr_array_index(events, j));
		if (g_hash_table_steal_extended(
			    self->deferred_origins, gs_event_get_id(item->event), &id, &origin)) {
			item->origin = origin;
			g_free(id);
		}
		item->needs_verify = FALSE;
		item->done = TRUE;
		self->totals.reprocessed++;
		self->n_pending++;
		gs_ingest_make_ready(self, item);
	}
}

static void
gs_ingest_event_stored_cb(GsStore *store, GsEvent *event, gpointer user_data)
{
	GsIngest *self = GS_INGEST(user_data);

	if (self->known != NULL)
		gs_ingest_known_add_stored(self->known, gs_event_get_id_raw(event));
	/* while nothing waits (a bulk ingest of complete data), the keys are not worth making */
	if (!gs_rejected_index_has_any_dependents(self->index))
		return;
	gs_policy_foreach_arrival_key(self->policy, event, gs_ingest_key_arrived, self);
}

/*
 * When to drain: a transaction's cost is mostly per commit, so while more events are on
 * their way from the workers, ready events gather for up to GS_INGEST_GATHER_USEC or until
 * a full slice is ready. An event that arrives alone is drained at once. So is the gathered
 * lot once the workers have fewer events left than it holds: a sender that waits for
 * results before sending more (a relay's or client's window, bench/ingest's 8,192 in flight)
 * would otherwise let the workers run dry while the main context stores a large slice
 * (6,700-event slices cost bench/ingest 10 % of its rate). Unless a source says more is
 * coming (gs_ingest_set_more_func()): a relay streaming pages of history delivers them a page
 * at a time, each page ready before the next arrives, and drained page by page the
 * transactions were 3 times smaller than bench/ingest's (bench/sync, REQ+EOSE).
 */
static gint64
gs_ingest_drain_due(GsIngest *self)
{
	guint waiting;

	if (self->ready.length == 0)
		return G_MAXINT64;
	waiting = self->n_pending - self->ready.length;
	if (self->ready.length >= GS_INGEST_SLICE_EVENTS)
		return 0;
	if (waiting <= self->ready.length &&
	    (self->more_func == NULL || !self->more_func(self->more_data)))
		return 0;
	return self->ready_since + GS_INGEST_GATHER_USEC;
}

static gboolean
gs_ingest_has_work(GsIngest *self, gint *timeout)
{
	gint64 due;

	if (g_atomic_int_get(&self->wake_pending) != 0 || self->staging->len > 0)
		return TRUE;
	due = gs_ingest_drain_due(self);
	if (due == G_MAXINT64)
		return FALSE;
	due -= g_get_monotonic_time();
	if (due <= 0)
		return TRUE;
	if (timeout != NULL)
		*timeout = (gint)((due + 999) / 1000);
	return FALSE;
}

static gboolean
gs_ingest_source_prepare(GSource *source, gint *timeout)
{
	GsIngestSource *s = (GsIngestSource *)source;
	*timeout = -1;
	return s->self != NULL && gs_ingest_has_work(s->self, timeout);
}

static gboolean
gs_ingest_source_check(GSource *source)
{
	GsIngestSource *s = (GsIngestSource *)source;
	return s->self != NULL && gs_ingest_has_work(s->self, NULL);
}

static gboolean
gs_ingest_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
	GsIngest *self = ((GsIngestSource *)source)->self;

	if (self == NULL)
		return G_SOURCE_REMOVE;
	gs_ingest_push_staging(self);
	gs_ingest_collect(self);
	if (gs_ingest_drain_due(self) <= g_get_monotonic_time())
		gs_ingest_drain_slice(self);
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs gs_ingest_source_funcs = {
	gs_ingest_source_prepare,
	gs_ingest_source_check,
	gs_ingest_source_dispatch,
	NULL,
	NULL,
	NULL,
};

static gboolean
gs_ingest_expire_cb(gpointer user_data)
{
	GsIngest *self = GS_INGEST(user_data);
	GHashTableIter iter;
	gpointer key;

	gs_rejected_index_expire(self->index);
	/* a deferred event the index forgot will not be re-processed */
	g_hash_table_iter_init(&iter, self->deferred_origins);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (!gs_rejected_index_contains(self->index, key))
			g_hash_table_iter_remove(&iter);
	}
	return G_SOURCE_CONTINUE;
}

/**
 * gs_ingest_get_storing_source:
 * @event: an event being stored
 *
 * For the store's insert hook (the home-relay outbox): where an event that GsIngest is
 * storing right now came from. A deferred event that is stored once its dependency arrived
 * keeps the source it first came from.
 *
 * Returns: (nullable): the source given to gs_ingest_submit(), or %NULL when @event is not
 *   being stored by this ingest or its source is unknown
 */
const gchar *
gs_ingest_get_storing_source(GsIngest *self, GsEvent *event)
{
	g_return_val_if_fail(GS_IS_INGEST(self), NULL);
	if (self->storing == NULL)
		return NULL;
	/* the hook sees the events in batch order: resume after the last one found */
	for (guint n = 0; n < self->storing->len; n++) {
		guint i = (self->storing_pos + n) % self->storing->len;
		GsIngestItem *item = g_ptr_array_index(self->storing, i);
		if (item->event == event) {
			self->storing_pos = i + 1;
			return item->source != NULL ? item->source->name : item->origin;
		}
	}
	return NULL;
}

/**
 * gs_ingest_flush:
 *
 * Iterates the ingest's main context until every event submitted so far, and every deferred
 * event re-queued meanwhile, has had its callback. For tests, benchmarks and shutdown; call it
 * from the thread that owns the context.
 */
void
gs_ingest_flush(GsIngest *self)
{
	g_return_if_fail(GS_IS_INGEST(self));
	while (self->n_pending > 0)
		g_main_context_iteration(self->context, TRUE);
}

/**
 * gs_ingest_get_pending:
 *
 * Returns: the number of events whose callback has not run yet
 */
guint
gs_ingest_get_pending(GsIngest *self)
{
	g_return_val_if_fail(GS_IS_INGEST(self), 0);
	return self->n_pending;
}

/**
 * gs_ingest_get_pending_bytes:
 *
 * Returns: the JSON sizes of the submitted events whose callback has not run yet (what a
 *   backlog holds, roughly: parsed events take a few times their JSON size)
 */
guint64
gs_ingest_get_pending_bytes(GsIngest *self)
{
	g_return_val_if_fail(GS_IS_INGEST(self), 0);
	return self->pending_bytes;
}

/**
 * gs_ingest_set_more_func:
 * @func: (nullable): asked whether more events are coming soon; %NULL for never
 *
 * Lets ready events gather for a larger transaction, still at most GS_INGEST_GATHER_USEC
 * and GS_INGEST_SLICE_EVENTS, while @func says a source is still sending (the sync engine:
 * historic subscriptions open). Without it the gathered events are stored as soon as the
 * workers hold fewer than are ready. @func runs on the main context, often: keep it cheap.
 */
void
gs_ingest_set_more_func(GsIngest *self, GsIngestMoreFunc func, gpointer user_data)
{
	g_return_if_fail(GS_IS_INGEST(self));
	self->more_func = func;
	self->more_data = user_data;
}

/**
 * gs_ingest_set_max_threads:
 * @max_threads: worker threads for parse and verification; 0 for one per processor
 */
void
gs_ingest_set_max_threads(GsIngest *self, guint max_threads)
{
	g_return_if_fail(GS_IS_INGEST(self));
	self->max_threads = max_threads > 0 ? max_threads : g_get_num_processors();
	g_thread_pool_set_max_threads(self->pool, (gint)self->max_threads, NULL);
}

guint
gs_ingest_get_max_threads(GsIngest *self)
{
	g_return_val_if_fail(GS_IS_INGEST(self), 0);
	return self->max_threads;
}

/**
 * gs_ingest_set_max_event_bytes:
 * @max_event_bytes: the largest event JSON accepted (`max-event-bytes`, 256 KiB)
 */
void
gs_ingest_set_max_event_bytes(GsIngest *self, gsize max_event_bytes)
{
	g_return_if_fail(GS_IS_INGEST(self));
	self->max_event_bytes = max_event_bytes;
}

/**
 * gs_ingest_set_clock:
 * @clock: (nullable): the clock for the `created_at` limit, %NULL for g_get_real_time()
 */
void
gs_ingest_set_clock(GsIngest *self, GsClockFunc clock, gpointer user_data)
{
	g_return_if_fail(GS_IS_INGEST(self));
	self->clock = clock != NULL ? clock : gs_ingest_default_clock;
	self->clock_data = user_data;
}

/* every event still in the pipeline gets its callback, as failed */
static void
gs_ingest_fail_all(GsIngest *self)
{
	GHashTableIter iter;
	gpointer value;

	gs_ingest_collect(self);
	g_hash_table_iter_init(&iter, self->sources);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsIngestSourceState *state = value;
		while (state->inflight.length > 0)
			g_queue_push_tail(&self->ready, g_queue_pop_head(&state->inflight));
	}
	while (self->ready.length > 0) {
		GsIngestItem *item = g_queue_pop_head(&self->ready);
		/* an unverified copy may be of an event that is failed here too */
		if (!item->decided || item->verify_skipped) {
			gs_ingest_item_set(item,
					   GS_INGEST_OUTCOME_FAILED,
					   GS_REJECT_REASON_SHUTDOWN,
					   g_error_new_literal(GS_ERROR,
							       GS_ERROR_BUSY,
							       "the ingest shut down first"));
		}
		gs_ingest_finish(self, item);
	}
}

static void
gs_ingest_dispose(GObject *object)
{
	GsIngest *self = GS_INGEST(object);

	if (self->pool != NULL) {
		gs_ingest_push_staging(self);
		/* let the workers finish what they hold, then fail everything not decided */
		g_thread_pool_free(g_steal_pointer(&self->pool), FALSE, TRUE);
		gs_ingest_fail_all(self);
	}
	/* the readers close before the store can: the last connection to close cleans up */
	g_clear_pointer(&self->known, gs_ingest_known_free);
	if (self->source != NULL) {
		((GsIngestSource *)self->source)->self = NULL;
		g_source_destroy(self->source);
		g_clear_pointer(&self->source, g_source_unref);
	}
	if (self->expire_source != NULL) {
		g_source_destroy(self->expire_source);
		g_clear_pointer(&self->expire_source, g_source_unref);
	}
	if (self->store != NULL)
		g_signal_handlers_disconnect_by_data(self->store, self);
	g_clear_object(&self->store);
	g_clear_object(&self->policy);
	g_clear_object(&self->index);
	G_OBJECT_CLASS(gs_ingest_parent_class)->dispose(object);
}

static void
gs_ingest_finalize(GObject *object)
{
	GsIngest *self = GS_INGEST(object);

	g_ptr_array_unref(self->staging);
	g_ptr_array_unref(self->finished);
	g_hash_table_unref(self->sources);
	g_hash_table_unref(self->deferred_origins);
	g_mutex_clear(&self->lock);
	g_main_context_unref(self->context);
	G_OBJECT_CLASS(gs_ingest_parent_class)->finalize(object);
}

static void
gs_ingest_class_init(GsIngestClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = gs_ingest_dispose;
	object_class->finalize = gs_ingest_finalize;
}

static void
gs_ingest_init(GsIngest *self)
{
	self->max_event_bytes = GS_INGEST_DEFAULT_MAX_EVENT_BYTES;
	self->clock = gs_ingest_default_clock;
	self->staging = g_ptr_array_sized_new(GS_INGEST_JOB_SIZE);
	self->finished = g_ptr_array_new();
	g_mutex_init(&self->lock);
	g_queue_init(&self->ready);
	self->sources = g_hash_table_new_full(
		g_str_hash, g_str_equal, NULL, (GDestroyNotify)gs_ingest_source_state_free);
	self->deferred_origins = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

/**
 * gs_ingest_new:
 * @store: where accepted events go
 * @policy: the acceptance policy (over @store)
 * @index: where deferred and refused events are filed; expired on a timer by the ingest
 *
 * Results are delivered on the thread-default main context of the caller.
 *
 * Returns: (transfer full): a new ingest with one worker thread per processor
 */
GsIngest *
gs_ingest_new(GsStore *store, GsPolicy *policy, GsRejectedIndex *index)
{
	GsIngest *self;
	g_autoptr(GError) error = NULL;

	g_return_val_if_fail(GS_IS_STORE(store), NULL);
	g_return_val_if_fail(GS_IS_POLICY(policy), NULL);
	g_return_val_if_fail(GS_IS_REJECTED_INDEX(index), NULL);

	self = g_object_new(GS_TYPE_INGEST, NULL);
	self->store = g_object_ref(store);
	self->policy = g_object_ref(policy);
	self->index = g_object_ref(index);
	self->known = gs_ingest_known_new(gs_store_get_path(store));
	self->context = g_main_context_ref_thread_default();
	self->max_threads = g_get_num_processors();
	self->pool =
		g_thread_pool_new(gs_ingest_worker, self, (gint)self->max_threads, FALSE, &error);
	g_assert_no_error(error); /* only exclusive pools can fail to start */
	self->source = g_source_new(&gs_ingest_source_funcs, sizeof(GsIngestSource));
	((GsIngestSource *)self->source)->self = self;
	g_source_set_name(self->source, "GsIngest");
	g_source_attach(self->source, self->context);
	self->expire_source = g_timeout_source_new_seconds(GS_INGEST_EXPIRE_INTERVAL_SECS);
	g_source_set_callback(self->expire_source, gs_ingest_expire_cb, self, NULL);
	g_source_attach(self->expire_source, self->context);
	g_signal_connect(store, "event-stored", G_CALLBACK(gs_ingest_event_stored_cb), self);
	return self;
}
