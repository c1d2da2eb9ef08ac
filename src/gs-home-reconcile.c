/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsHome"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-home-reconcile.h"
#include "gs-home-relay-private.h"
#include "gs-neg-session.h"
#include "gs-sync-filters.h"
#include "gs-sync-rules.h"

/*
 * Reconciliation with home: which of the events the store holds for our repositories does
 * home lack? The question is asked per layer filter (specs/sync.md 2, built from the store's
 * own announcements and root events), one filter at a time:
 *  - with NIP-77, one negentropy session per filter over the store's items for it: its
 *    `have` ids are what home lacks;
 *  - without (home says so, stays silent, or a session fails), home's ids for the filter are
 *    read with paged REQs (4.5) and compared with the store's.
 * The first "no NIP-77" sends the remaining filters straight to REQ.
 */

typedef struct {
	GsRelayConnection *conn;
	GsStore *store;
	GsHomeReconcileOptions opts;
	GPtrArray *filters;
	guint next;
	GsHomeReconcileResult *result;
	GHashTable *lacking; /* hex ids already in result->lacking */
	/* the REQ comparison of the current filter */
	GsSyncPager *pager;
	gchar *sub_id;
	GHashTable *home_ids; /* hex */
	guint page_timeout_id;
	gulong cancel_id;
} GsHomeReconcile;

static void
gs_home_reconcile_run_next(GTask *task);

void
gs_home_reconcile_options_init(GsHomeReconcileOptions *options)
{
	options->neg_timeout_ms = 10000;
	options->negentropy_frame_limit = 60000;
	options->page_limit = GS_SYNC_PAGER_DEFAULT_LIMIT;
	options->page_timeout_ms = 120000;
	options->max_items = 10000000;
	options->disable_negentropy = FALSE;
}

void
gs_home_reconcile_result_free(GsHomeReconcileResult *result)
{
	g_array_unref(result->lacking);
	g_free(result);
}

/* ends the REQ comparison in progress, if any: no callback comes for it after this */
static void
gs_home_reconcile_end_req(GsHomeReconcile *r)
{
	g_clear_handle_id(&r->page_timeout_id, g_source_remove);
	if (r->sub_id != NULL)
		gs_relay_connection_unsubscribe(r->conn, r->sub_id);
	g_clear_pointer(&r->sub_id, g_free);
	g_clear_pointer(&r->pager, gs_sync_pager_free);
	g_clear_pointer(&r->home_ids, g_hash_table_unref);
}

static void
gs_home_reconcile_free(GsHomeReconcile *r)
{
	gs_home_reconcile_end_req(r);
	g_clear_pointer(&r->result, gs_home_reconcile_result_free);
	g_ptr_array_unref(r->filters);
	g_hash_table_unref(r->lacking);
	g_object_unref(r->conn);
	g_object_unref(r->store);
	g_free(r);
}

/* the one way the task ends */
static void
gs_home_reconcile_return(GTask *task, GError *error)
{
	GsHomeReconcile *r = g_task_get_task_data(task);

	gs_home_reconcile_end_req(r);
	if (r->cancel_id != 0) {
		g_cancellable_disconnect(g_task_get_cancellable(task), r->cancel_id);
		r->cancel_id = 0;
	}
	if (error != NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task,
				      g_steal_pointer(&r->result),
				      (GDestroyNotify)gs_home_reconcile_result_free);
	g_object_unref(task);
}

static void
gs_home_reconcile_add_lacking(GsHomeReconcile *r, const guint8 *id)
{
	gchar hex[65];

	gs_hex_encode_to(id, 32, hex);
	hex[64] = '\0';
	if (g_hash_table_contains(r->lacking, hex))
		return;
	g_hash_table_add(r->lacking, g_strdup(hex));
	g_array_set_size(r->result->lacking, r->result->lacking->len + 1);
	memcpy(g_array_index(r->result->lacking, GsNegentropyId, r->result->lacking->len - 1).bytes,
	       id,
	       32);
}

/* the filter is done (compared or failed): on to the next */
static void
gs_home_reconcile_filter_done(GTask *task)
{
	GsHomeReconcile *r = g_task_get_task_data(task);

	gs_home_reconcile_end_req(r);
	r->next++;
	gs_home_reconcile_run_next(task);
}

static void
gs_home_reconcile_filter_failed(GTask *task, const gchar *why)
{
	GsHomeReconcile *r = g_task_get_task_data(task);
	g_autofree gchar *json = gs_filter_to_json(g_ptr_array_index(r->filters, r->next));

	g_info("reconciliation with home: filter %s not compared: %s", json, why);
	r->result->n_failed++;
	gs_home_reconcile_filter_done(task);
}

/* REQ comparison ----------------------------------------------------------------------------- */

static void
gs_home_reconcile_send_page(GTask *task);

/* home's ids for the filter are all read: what the store holds beyond them home lacks */
static void
gs_home_reconcile_compare(GTask *task)
{
	GsHomeReconcile *r = g_task_get_task_data(task);
	GsFilter *filter = g_ptr_array_index(r->filters, r->next);
	g_autoptr(GArray) items = NULL;
	g_autoptr(GError) error = NULL;

	if (!gs_store_query_items(r->store, filter, r->opts.max_items, &items, &error)) {
		gs_home_reconcile_filter_failed(task, error->message);
		return;
	}
	for (guint i = 0; i < items->len; i++) {
		GsStoreItem *item = &g_array_index(items, GsStoreItem, i);
		gchar hex[65];

		gs_hex_encode_to(item->id, 32, hex);
		hex[64] = '\0';
		if (!g_hash_table_contains(r->home_ids, hex))
			gs_home_reconcile_add_lacking(r, item->id);
	}
	r->result->n_req++;
	gs_home_reconcile_filter_done(task);
}

/* a home that never ends a REQ would keep the reconciliation (and what it remembers of the
 * deliveries meanwhile) for hours, one page timeout per filter: give up on it at once */
static gboolean
gs_home_reconcile_page_timeout_cb(gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	GsHomeReconcile *r = g_task_get_task_data(task);

	r->page_timeout_id = 0;
	gs_home_reconcile_return(task,
				 g_error_new(GS_ERROR,
					     GS_ERROR_TIMEOUT,
					     "home sent no EOSE within %u ms",
					     r->opts.page_timeout_ms));
	return G_SOURCE_REMOVE;
}

static void
gs_home_reconcile_arm_page_timeout(GTask *task)
{
	GsHomeReconcile *r = g_task_get_task_data(task);

	g_clear_handle_id(&r->page_timeout_id, g_source_remove);
	r->page_timeout_id =
		g_timeout_add(r->opts.page_timeout_ms, gs_home_reconcile_page_timeout_cb, task);
}

static void
gs_home_reconcile_event_cb(GsRelayConnection *conn,
			   const gchar *sub_id,
			   const gchar *json,
			   gsize len,
			   gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	GsHomeReconcile *r = g_task_get_task_data(task);
	g_autoptr(GsEvent) event = gs_event_new_from_json(json, (gssize)len, NULL);

	/* only the ids matter here; an unreadable event is one home cannot serve anyway */
	if (event == NULL)
		return;
	r->result->home_events++;
	g_hash_table_add(r->home_ids, g_strdup(gs_event_get_id(event)));
	gs_sync_pager_record(r->pager, gs_event_get_id(event), gs_event_get_created_at(event));
	gs_home_reconcile_arm_page_timeout(task);
}

static void
gs_home_reconcile_state_cb(GsRelayConnection *conn,
			   const gchar *sub_id,
			   GsRelaySubscriptionEnd end,
			   const gchar *prefix,
			   const gchar *message,
			   gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	GsHomeReconcile *r = g_task_get_task_data(task);

	switch (end) {
	case GS_RELAY_SUBSCRIPTION_EOSE:
		gs_relay_connection_unsubscribe(conn, r->sub_id);
		g_clear_pointer(&r->sub_id, g_free);
		if (gs_sync_pager_end_page(r->pager) == GS_SYNC_PAGE_STEP_NEXT)
			gs_home_reconcile_send_page(task);
		else
			gs_home_reconcile_compare(task);
		break;
	case GS_RELAY_SUBSCRIPTION_CLOSED:
		g_clear_pointer(&r->sub_id, g_free);
		gs_home_reconcile_filter_failed(task, message != NULL ? message : "CLOSED");
		break;
	case GS_RELAY_SUBSCRIPTION_ABORTED:
	default:
		g_clear_pointer(&r->sub_id, g_free);
		gs_home_reconcile_return(task,
					 g_error_new(G_IO_ERROR,
						     G_IO_ERROR_CONNECTION_CLOSED,
						     "connection to home lost: %s",
						     message != NULL ? message : ""));
		break;
	}
}

static void
gs_home_reconcile_send_page(GTask *task)
{
	GsHomeReconcile *r = g_task_get_task_data(task);
	g_autoptr(GPtrArray) page = g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	g_autoptr(GError) error = NULL;

	g_ptr_array_add(page,
			gs_sync_filters_page(g_ptr_array_index(r->filters, r->next), r->pager));
	r->sub_id = gs_relay_connection_subscribe(r->conn,
						  page,
						  gs_home_reconcile_event_cb,
						  gs_home_reconcile_state_cb,
						  task,
						  &error);
	if (r->sub_id == NULL) {
		gs_home_reconcile_return(task, g_steal_pointer(&error));
		return;
	}
	gs_home_reconcile_arm_page_timeout(task);
}

static void
gs_home_reconcile_start_req(GTask *task)
{
	GsHomeReconcile *r = g_task_get_task_data(task);

	r->pager = gs_sync_filters_pager_new(g_ptr_array_index(r->filters, r->next),
					     r->opts.page_limit);
	r->home_ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	gs_home_reconcile_send_page(task);
}

/* negentropy ---------------------------------------------------------------------------------- */

static void
gs_home_reconcile_neg_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	GsHomeReconcile *r = g_task_get_task_data(task);
	g_autoptr(GError) error = NULL;
	g_autoptr(GsNegSessionResult) neg = gs_neg_session_run_finish(res, &error);

	if (neg != NULL) {
		for (guint i = 0; i < neg->have->len; i++)
			gs_home_reconcile_add_lacking(
				r, g_array_index(neg->have, GsNegentropyId, i).bytes);
		r->result->n_negentropy++;
		gs_home_reconcile_filter_done(task);
		return;
	}
	if (g_error_matches(error, GS_ERROR, GS_ERROR_UNSUPPORTED)) {
		g_info("home does not reconcile with NIP-77 (%s): comparing ids with REQ",
		       error->message);
		r->result->negentropy_unsupported = TRUE;
		gs_home_reconcile_start_req(task);
	} else if (g_error_matches(error, GS_ERROR, GS_ERROR_PROTOCOL) ||
		   g_error_matches(error, GS_ERROR, GS_ERROR_TIMEOUT)) {
		g_info("negentropy with home failed (%s): comparing this filter with REQ",
		       error->message);
		gs_home_reconcile_start_req(task);
	} else {
		/* connection lost, cancelled, no budget */
		gs_home_reconcile_return(task, g_steal_pointer(&error));
	}
}

static void
gs_home_reconcile_start_neg(GTask *task)
{
	GsHomeReconcile *r = g_task_get_task_data(task);
	GsFilter *filter = g_ptr_array_index(r->filters, r->next);
	g_autoptr(GsNegentropyStorage) local = gs_negentropy_storage_new(0);
	g_autoptr(GArray) items = NULL;
	g_autoptr(GError) error = NULL;

	if (!gs_store_query_items(r->store, filter, r->opts.max_items, &items, &error)) {
		gs_home_reconcile_filter_failed(task, error->message);
		return;
	}
	for (guint i = 0; i < items->len; i++) {
		GsStoreItem *item = &g_array_index(items, GsStoreItem, i);
		gs_negentropy_storage_add(local, item->created_at, item->id, NULL);
	}
	gs_negentropy_storage_seal(local);
	gs_neg_session_run_async(r->conn,
				 filter,
				 local,
				 r->opts.negentropy_frame_limit,
				 r->opts.neg_timeout_ms,
				 g_task_get_cancellable(task),
				 gs_home_reconcile_neg_cb,
				 task);
}

static void
gs_home_reconcile_run_next(GTask *task)
{
	GsHomeReconcile *r = g_task_get_task_data(task);

	if (r->next >= r->filters->len) {
		gs_home_reconcile_return(task, NULL);
		return;
	}
	r->result->n_filters++;
	if (r->opts.disable_negentropy || r->result->negentropy_unsupported)
		gs_home_reconcile_start_req(task);
	else
		gs_home_reconcile_start_neg(task);
}

/* the store's repositories and roots ---------------------------------------------------------- */

static gint
gs_home_reconcile_strcmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* coordinates a store query names at most (SQLite binds about 30,000 values) */
#define GS_HOME_RECONCILE_COORDS_PER_QUERY 1000

/*
 * Root events (specs/sync.md 2) of the coordinates in @repos: stored patches, pull requests
 * and issues with an `a` tag naming one of them. Only their ids are read (the tag index),
 * never the events, so a large store costs 40 bytes a root here.
 */
static GPtrArray *
gs_home_reconcile_roots(GsStore *store, GPtrArray *repos, GError **error)
{
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) roots = g_ptr_array_new_with_free_func(g_free);

	for (guint start = 0; start < repos->len; start += GS_HOME_RECONCILE_COORDS_PER_QUERY) {
		guint end = MIN(start + GS_HOME_RECONCILE_COORDS_PER_QUERY, repos->len);
		g_autoptr(GsFilter) filter = gs_filter_new();
		g_autoptr(GArray) items = NULL;

		gs_filter_add_kind(filter, GS_SYNC_KIND_PATCH);
		gs_filter_add_kind(filter, GS_SYNC_KIND_PULL_REQUEST);
		gs_filter_add_kind(filter, GS_SYNC_KIND_ISSUE);
		for (guint i = start; i < end; i++)
			gs_filter_add_tag_value(filter, 'a', g_ptr_array_index(repos, i));
		if (!gs_store_query_items(store, filter, G_MAXUINT, &items, error))
			return NULL;
		for (guint i = 0; i < items->len; i++) {
			gchar *hex = gs_hex_encode(g_array_index(items, GsStoreItem, i).id, 32);
			/* an event naming coordinates of two queries comes back twice */
			if (!g_hash_table_add(seen, hex))
				continue;
			g_ptr_array_add(roots, g_strdup(hex));
		}
	}
	return g_steal_pointer(&roots);
}

/**
 * gs_home_reconcile_build_filters:
 *
 * The layer filters (specs/sync.md 2, historic) of everything the store holds for its
 * repositories: layer 1, then state and repository filters for every stored announcement's
 * coordinate, then the thread filters of every stored root event.
 *
 * Returns: (transfer full) (element-type GsFilter): the filters, or %NULL with
 *   %GS_ERROR_STORE
 */
GPtrArray *
gs_home_reconcile_build_filters(GsStore *store, GError **error)
{
	g_autoptr(GPtrArray) all =
		gs_store_dup_coordinates(store, GS_SYNC_KIND_REPO_ANNOUNCEMENT, error);
	g_autoptr(GPtrArray) repos = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) roots = NULL;
	g_autoptr(GPtrArray) filters = NULL;
	g_autoptr(GPtrArray) items = NULL;

	if (all == NULL)
		return NULL;
	/* a `d` a filter cannot name is skipped, not fatal */
	for (guint i = 0; i < all->len; i++) {
		if (gs_sync_check_repo_coordinate(g_ptr_array_index(all, i), NULL, NULL))
			g_ptr_array_add(repos, g_strdup(g_ptr_array_index(all, i)));
	}
	g_ptr_array_sort(repos, gs_home_reconcile_strcmp);
	roots = gs_home_reconcile_roots(store, repos, error);
	if (roots == NULL)
		return NULL;
	filters = gs_sync_filters_layer1(GS_SYNC_FILTERS_HISTORIC, -1);
	items = gs_sync_filters_items(repos, NULL, roots, GS_SYNC_FILTERS_HISTORIC, -1, error);
	if (items == NULL)
		return NULL;
	g_ptr_array_extend_and_steal(filters, g_steal_pointer(&items));
	return g_steal_pointer(&filters);
}

static void
gs_home_reconcile_cancelled_cb(GCancellable *cancellable, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	GsHomeReconcile *r = g_task_get_task_data(task);

	/* a negentropy session in progress ends by itself through the same cancellable */
	r->cancel_id = 0;
	if (r->sub_id != NULL || r->page_timeout_id != 0)
		gs_home_reconcile_return(task,
					 g_error_new_literal(G_IO_ERROR,
							     G_IO_ERROR_CANCELLED,
							     "reconciliation cancelled"));
}

/**
 * gs_home_reconcile_async:
 * @conn: an open connection to home
 * @options: (nullable): %NULL for the defaults
 *
 * Finds what home lacks of what @store holds for its repositories. Errors:
 * %G_IO_ERROR_CONNECTION_CLOSED when the connection drops, %G_IO_ERROR_CANCELLED,
 * %GS_ERROR_TIMEOUT when home does not end a REQ page in time,
 * %GS_ERROR_BUSY (not connected, no subscription budget), %GS_ERROR_STORE.
 */
void
gs_home_reconcile_async(GsRelayConnection *conn,
			GsStore *store,
			const GsHomeReconcileOptions *options,
			GCancellable *cancellable,
			GAsyncReadyCallback callback,
			gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(conn, cancellable, callback, user_data);
	GsHomeReconcile *r = g_new0(GsHomeReconcile, 1);
	g_autoptr(GError) error = NULL;

	r->conn = g_object_ref(conn);
	r->store = g_object_ref(store);
	if (options != NULL)
		r->opts = *options;
	else
		gs_home_reconcile_options_init(&r->opts);
	r->result = g_new0(GsHomeReconcileResult, 1);
	r->result->lacking = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	r->lacking = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	r->filters = g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	g_task_set_task_data(task, r, (GDestroyNotify)gs_home_reconcile_free);
	g_task_set_source_tag(task, gs_home_reconcile_async);

	if (!gs_relay_connection_is_open(conn)) {
		g_task_return_new_error(task, GS_ERROR, GS_ERROR_BUSY, "home is not connected");
		return;
	}
	g_ptr_array_unref(r->filters);
	r->filters = gs_home_reconcile_build_filters(store, &error);
	if (r->filters == NULL) {
		r->filters = g_ptr_array_new();
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	/* the callbacks own this reference until the task returns */
	g_object_ref(task);
	if (cancellable != NULL)
		r->cancel_id = g_cancellable_connect(
			cancellable, G_CALLBACK(gs_home_reconcile_cancelled_cb), task, NULL);
	gs_home_reconcile_run_next(task);
}

/* returns: (transfer full): what home lacks, or %NULL with the error above */
GsHomeReconcileResult *
gs_home_reconcile_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}

/* GsHomeRelay's use of it
 * ----------------------------------------------------------------------------- */

/* queues what home lacks, in one transaction; returns how many were queued */
static guint
gs_home_relay_queue_lacking(GsHomeRelay *self, GArray *lacking, GError **error)
{
	gint64 now = gs_home_relay_now_secs(self);
	guint n = 0;

	if (!gs_home_outbox_begin(self->outbox, error))
		return 0;
	for (guint i = 0; i < lacking->len; i++) {
		const guint8 *id = g_array_index(lacking, GsNegentropyId, i).bytes;
		gchar hex[65];
		gint64 seq = 0;
		gboolean added = FALSE;

		gs_hex_encode_to(id, 32, hex);
		hex[64] = '\0';
		/* its OK came while home's answer was on its way */
		if (g_hash_table_contains(self->reconcile_delivered, hex))
			continue;
		/* removed from the store meanwhile */
		if (!gs_store_lookup_seq(self->store, id, &seq, NULL))
			continue;
		if (!gs_home_outbox_add(self->outbox, seq, id, now, &added, error)) {
			gs_home_outbox_rollback(self->outbox);
			return 0;
		}
		n += added;
	}
	if (!gs_home_outbox_commit(self->outbox, error)) {
		gs_home_outbox_rollback(self->outbox);
		return 0;
	}
	return n;
}

static void
gs_home_relay_reconcile_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GsHomeRelay) self = GS_HOME_RELAY(user_data);
	g_autoptr(GError) error = NULL;
	g_autoptr(GsHomeReconcileResult) result = gs_home_reconcile_finish(res, &error);
	guint queued;

	g_clear_object(&self->reconcile_cancellable);
	if (result == NULL) {
		/* the next connect, or the daily pass, runs it again */
		if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
		    !g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
			g_message("reconciliation with home relay %s failed: %s",
				  self->url,
				  error->message);
		g_clear_pointer(&self->reconcile_delivered, g_hash_table_unref);
		return;
	}
	gs_home_relay_flush(self);
	queued = gs_home_relay_queue_lacking(self, result->lacking, &error);
	g_clear_pointer(&self->reconcile_delivered, g_hash_table_unref);
	if (error != NULL) {
		g_warning("reconciliation with home: %s", error->message);
		return;
	}
	self->last_reconcile = gs_home_relay_now_secs(self);
	self->stats.reconciliations++;
	self->stats.reconciled += queued;
	g_info("reconciled with home relay %s over %u filters (%u with NIP-77, %u with REQ, %u "
	       "failed): home lacked %u events, %u queued",
	       self->url,
	       result->n_filters,
	       result->n_negentropy,
	       result->n_req,
	       result->n_failed,
	       result->lacking->len,
	       queued);
	if (queued > 0) {
		self->rescan = TRUE;
		gs_home_relay_schedule_pump(self);
	}
}

void
gs_home_relay_start_reconcile(GsHomeRelay *self)
{
	GsHomeReconcileOptions opts;

	if (self->reconcile_cancellable != NULL || !gs_home_relay_is_open(self))
		return;
	gs_home_reconcile_options_init(&opts);
	opts.neg_timeout_ms = self->opts.neg_timeout_ms;
	opts.negentropy_frame_limit = self->opts.negentropy_frame_limit;
	opts.page_limit = self->opts.req_page_limit;
	opts.disable_negentropy = self->opts.disable_negentropy;
	self->reconcile_cancellable = g_cancellable_new();
	self->reconcile_delivered = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	gs_home_reconcile_async(self->conn,
				self->store,
				&opts,
				self->reconcile_cancellable,
				gs_home_relay_reconcile_cb,
				g_object_ref(self));
}

/**
 * gs_home_relay_reconcile:
 *
 * Starts a reconciliation with home now (one runs on every connect and daily by itself).
 *
 * Returns: %FALSE with %GS_ERROR_BUSY when home is not connected
 */
gboolean
gs_home_relay_reconcile(GsHomeRelay *self, GError **error)
{
	g_return_val_if_fail(GS_IS_HOME_RELAY(self), FALSE);
	if (!gs_home_relay_is_open(self)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_BUSY,
			    "home relay %s is not connected",
			    self->url);
		return FALSE;
	}
	gs_home_relay_start_reconcile(self);
	return TRUE;
}

gboolean
gs_home_relay_is_reconciling(GsHomeRelay *self)
{
	g_return_val_if_fail(GS_IS_HOME_RELAY(self), FALSE);
	return self->reconcile_cancellable != NULL;
}
