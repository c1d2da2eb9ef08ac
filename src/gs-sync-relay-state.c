/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-sync-relay-state.h"

GsSyncRelayState *
gs_sync_relay_state_new(void)
{
	GsSyncRelayState *self = g_new0(GsSyncRelayState, 1);

	self->status = GS_CONNECTION_STATUS_DISCONNECTED;
	self->confirmed_repos =
		g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
	self->confirmed_roots =
		g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
	self->pending = g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_batch_unref);
	self->pending_repos = g_hash_table_new(gs_filter_value_hash, g_str_equal);
	self->pending_roots = g_hash_table_new(gs_filter_value_hash, g_str_equal);
	self->failed = g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_batch_unref);
	self->completed_at = -1;
	return self;
}

void
gs_sync_relay_state_free(GsSyncRelayState *self)
{
	if (self == NULL)
		return;
	g_hash_table_unref(self->confirmed_repos);
	g_hash_table_unref(self->confirmed_roots);
	g_hash_table_unref(self->pending_repos);
	g_hash_table_unref(self->pending_roots);
	g_ptr_array_unref(self->pending);
	g_ptr_array_unref(self->failed);
	g_free(self);
}

/* returns: the #GsSyncLevel @coordinate was confirmed at, or -1 when it is not confirmed */
gint
gs_sync_relay_state_get_confirmed_level(GsSyncRelayState *self, const gchar *coordinate)
{
	return GPOINTER_TO_INT(g_hash_table_lookup(self->confirmed_repos, coordinate)) - 1;
}

void
gs_sync_relay_state_confirm_repo(GsSyncRelayState *self, const gchar *coordinate, GsSyncLevel level)
{
	g_hash_table_insert(
		self->confirmed_repos, g_strdup(coordinate), GINT_TO_POINTER((gint)level + 1));
}

static void
gs_sync_relay_state_index_items(GHashTable *set, GPtrArray *items, gboolean add)
{
	for (guint i = 0; i < items->len; i++) {
		if (add)
			g_hash_table_add(set, g_ptr_array_index(items, i));
		else
			g_hash_table_remove(set, g_ptr_array_index(items, i));
	}
}

/* @batch becomes pending: its items join the pending sets (the batch keeps the strings; its
 * items are not pending elsewhere, see gs_sync_relay_state_check_not_pending) */
void
gs_sync_relay_state_add_pending(GsSyncRelayState *self, GsSyncBatch *batch)
{
	g_ptr_array_add(self->pending, gs_sync_batch_ref(batch));
	gs_sync_relay_state_index_items(self->pending_repos, gs_sync_batch_get_repos(batch), TRUE);
	gs_sync_relay_state_index_items(self->pending_roots, gs_sync_batch_get_roots(batch), TRUE);
}

/* the pending batch at @idx ends: its items leave the pending sets */
void
gs_sync_relay_state_remove_pending(GsSyncRelayState *self, guint idx)
{
	GsSyncBatch *batch = g_ptr_array_index(self->pending, idx);

	gs_sync_relay_state_index_items(self->pending_repos, gs_sync_batch_get_repos(batch), FALSE);
	gs_sync_relay_state_index_items(self->pending_roots, gs_sync_batch_get_roots(batch), FALSE);
	g_ptr_array_remove_index(self->pending, idx);
}

static gboolean
gs_sync_relay_state_check_items(GHashTable *pending, GPtrArray *items, GError **error)
{
	for (guint i = 0; items != NULL && i < items->len; i++) {
		const gchar *item = g_ptr_array_index(items, i);
		if (g_hash_table_contains(pending, item)) {
			g_set_error(error, GS_ERROR, GS_ERROR_BUSY, "already pending: %s", item);
			return FALSE;
		}
	}
	return TRUE;
}

/**
 * gs_sync_relay_state_check_not_pending:
 *
 * An item is in one pending batch per relay at most, and so is the L1 batch (no items).
 *
 * Returns: %FALSE with %GS_ERROR_BUSY when a batch of @repos and @roots would break that
 */
gboolean
gs_sync_relay_state_check_not_pending(GsSyncRelayState *self,
				      GPtrArray *repos,
				      GPtrArray *roots,
				      GError **error)
{
	gboolean layer1 = (repos == NULL || repos->len == 0) && (roots == NULL || roots->len == 0);

	for (guint i = 0; layer1 && i < self->pending->len; i++) {
		if (gs_sync_batch_is_layer1(g_ptr_array_index(self->pending, i))) {
			g_set_error_literal(
				error, GS_ERROR, GS_ERROR_BUSY, "an L1 batch is already pending");
			return FALSE;
		}
	}
	return gs_sync_relay_state_check_items(self->pending_repos, repos, error) &&
	       gs_sync_relay_state_check_items(self->pending_roots, roots, error);
}

/* returns: (transfer none) (nullable): the pending batch that owns @sub_id */
GsSyncBatch *
gs_sync_relay_state_lookup_subscription(GsSyncRelayState *self, const gchar *sub_id)
{
	for (guint i = 0; i < self->pending->len; i++) {
		GsSyncBatch *batch = g_ptr_array_index(self->pending, i);
		if (gs_sync_batch_has_subscription(batch, sub_id))
			return batch;
	}
	return NULL;
}

/* returns: (transfer full) (element-type GsSyncBatch): a new array referencing @batches
 * (nullable: empty) */
GPtrArray *
gs_sync_batches_dup(GPtrArray *batches)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_batch_unref);

	for (guint i = 0; batches != NULL && i < batches->len; i++)
		g_ptr_array_add(out, gs_sync_batch_ref(g_ptr_array_index(batches, i)));
	return out;
}

static gint
gs_sync_strcmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* returns: (transfer full) (element-type utf8): the keys of @set (nullable: empty), sorted */
GPtrArray *
gs_sync_set_dup_sorted(GHashTable *set)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter iter;
	gpointer key;

	if (set == NULL)
		return out;
	g_hash_table_iter_init(&iter, set);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(out, g_strdup(key));
	g_ptr_array_sort(out, gs_sync_strcmp);
	return out;
}
