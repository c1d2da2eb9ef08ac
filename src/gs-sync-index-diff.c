/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-sync-index-private.h"

/*
 * The three-way diff of #GsSyncIndex (specs/sync.md 5): `new = targets - pending - confirmed`
 * per relay, over every target (gs_sync_index_diff()) or over the repositories and roots whose
 * targets changed since the last gs_sync_index_clear_touched() (gs_sync_index_diff_touched(),
 * what discovery needs after each drain: the rest of the targets did not change, so their diff
 * did not either).
 */

/* the roots of the full target @coordinate that are neither pending nor confirmed */
static void
gs_sync_index_diff_roots(GsSyncIndex *self,
			 GsSyncRelayState *state,
			 const gchar *coordinate,
			 GHashTable *pending,
			 GHashTable *out)
{
	g_autoptr(GPtrArray) ids = gs_sync_targets_dup_repo_roots(self->targets, coordinate);

	for (guint i = 0; i < ids->len; i++) {
		const gchar *id = g_ptr_array_index(ids, i);
		if (!g_hash_table_contains(pending, id) &&
		    !g_hash_table_contains(state->confirmed_roots, id))
			g_hash_table_add(out, g_strdup(id));
	}
}

/* @coordinate's part of the diff: the repository unless pending or confirmed at its level, and
 * for a full repository its new roots */
static void
gs_sync_index_diff_repo(GsSyncIndex *self,
			GsSyncRelayState *state,
			const gchar *coordinate,
			GHashTable *repos,
			GHashTable *roots)
{
	GsSyncLevel level = GS_SYNC_LEVEL_FULL;

	if (!gs_sync_targets_get_repo_level(self->targets, coordinate, &level))
		return;
	if (!g_hash_table_contains(state->pending_repos, coordinate) &&
	    gs_sync_relay_state_get_confirmed_level(state, coordinate) != (gint)level)
		g_hash_table_add(repos, g_strdup(coordinate));
	if (level == GS_SYNC_LEVEL_FULL)
		gs_sync_index_diff_roots(self, state, coordinate, state->pending_roots, roots);
}

static void
gs_sync_index_diff_relay(GsSyncIndex *self,
			 const gchar *relay,
			 GsSyncRelayState *state,
			 GHashTable *repos,
			 GHashTable *roots)
{
	g_autoptr(GPtrArray) targets = gs_sync_targets_dup_relay_repos(self->targets, relay);

	for (guint i = 0; i < targets->len; i++)
		gs_sync_index_diff_repo(self, state, g_ptr_array_index(targets, i), repos, roots);
}

/**
 * gs_sync_index_diff:
 * @relay: a relay URL
 * @new_repos: (out) (optional) (transfer full) (element-type utf8): target repositories naming
 *   @relay that are neither pending nor confirmed (at their current level) there, sorted
 * @new_roots: (out) (optional) (transfer full) (element-type utf8): root events of the full
 *   targets naming @relay that are neither pending nor confirmed there, sorted
 *
 * The three-way diff `new = targets - pending - confirmed` for one relay (specs/sync.md 5).
 * A disconnected relay gets nothing (it catches up when it connects); a connecting one does.
 * Our own service URLs get nothing.
 *
 * Returns: %TRUE when there is new work
 */
gboolean
gs_sync_index_diff(GsSyncIndex *self,
		   const gchar *relay,
		   GPtrArray **new_repos,
		   GPtrArray **new_roots)
{
	g_autoptr(GHashTable) repos = gs_sync_set_new();
	g_autoptr(GHashTable) roots = gs_sync_set_new();
	GsSyncRelayState *state;
	gboolean found;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), FALSE);
	state = gs_sync_index_relay(self, relay, FALSE);
	if (state != NULL && state->status != GS_CONNECTION_STATUS_DISCONNECTED)
		gs_sync_index_diff_relay(self, relay, state, repos, roots);
	found = g_hash_table_size(repos) > 0 || g_hash_table_size(roots) > 0;
	if (new_repos != NULL)
		*new_repos = gs_sync_set_dup_sorted(repos);
	if (new_roots != NULL)
		*new_roots = gs_sync_set_dup_sorted(roots);
	return found;
}

/**
 * gs_sync_index_diff_touched:
 *
 * gs_sync_index_diff() restricted to the repositories and root events whose targets changed
 * (added, relays or level changed, removed) since the last gs_sync_index_clear_touched(). The
 * diff of every other item is what it was at the last full diff of @relay, so discovery,
 * which adds items a window at a time, does not go through every target each time.
 *
 * Returns: %TRUE when there is new work
 */
gboolean
gs_sync_index_diff_touched(GsSyncIndex *self,
			   const gchar *relay,
			   GPtrArray **new_repos,
			   GPtrArray **new_roots)
{
	g_autoptr(GHashTable) repos = gs_sync_set_new();
	g_autoptr(GHashTable) roots = gs_sync_set_new();
	GsSyncRelayState *state;
	GHashTableIter iter;
	gpointer key;

	g_return_val_if_fail(GS_IS_SYNC_INDEX(self), FALSE);
	state = gs_sync_index_relay(self, relay, FALSE);
	if (state != NULL && state->status != GS_CONNECTION_STATUS_DISCONNECTED) {
		g_hash_table_iter_init(&iter, self->touched_repos);
		while (g_hash_table_iter_next(&iter, &key, NULL)) {
			if (gs_sync_targets_repo_names_relay(self->targets, key, relay))
				gs_sync_index_diff_repo(self, state, key, repos, roots);
		}
		g_hash_table_iter_init(&iter, self->touched_roots);
		while (g_hash_table_iter_next(&iter, &key, NULL)) {
			if (!g_hash_table_contains(state->pending_roots, key) &&
			    !g_hash_table_contains(state->confirmed_roots, key) &&
			    gs_sync_targets_root_wanted_from(self->targets, key, relay))
				g_hash_table_add(roots, g_strdup(key));
		}
	}
	if (new_repos != NULL)
		*new_repos = gs_sync_set_dup_sorted(repos);
	if (new_roots != NULL)
		*new_roots = gs_sync_set_dup_sorted(roots);
	return g_hash_table_size(repos) > 0 || g_hash_table_size(roots) > 0;
}

/**
 * gs_sync_index_peek_touched:
 * @repos: (out) (transfer none): the set of coordinates whose targets changed
 * @roots: (out) (transfer none): the set of root ids whose targets changed
 */
void
gs_sync_index_peek_touched(GsSyncIndex *self, GHashTable **repos, GHashTable **roots)
{
	g_return_if_fail(GS_IS_SYNC_INDEX(self));
	*repos = self->touched_repos;
	*roots = self->touched_roots;
}

/* forgets which items changed: every relay that takes work had its diff */
void
gs_sync_index_clear_touched(GsSyncIndex *self)
{
	g_return_if_fail(GS_IS_SYNC_INDEX(self));
	g_hash_table_remove_all(self->touched_repos);
	g_hash_table_remove_all(self->touched_roots);
}
