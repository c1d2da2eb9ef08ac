/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-error.h"
#include "gs-sync-manager-private.h"
#include "gs-sync-state.h"

/*
 * The sync state that survives a restart, in the store's database (tables of
 * GS_SYNC_STATE_SCHEMA, created by the store's migrations):
 * - sync_relays: per relay, its flags, last connection and disconnection, the last EOSE of
 *   each layer, what we know of its NIP-77 support and since when, its next daily pass, and
 *   the health tracker's export (backoff) as GVariant text;
 * - sync_confirmed: the items confirmed on each relay, so that a restart within the
 *   quick-reconnect window catches up instead of starting afresh;
 * - sync_failed: each relay's failed batches, run again when it catches up;
 * - sync_kv: the rejected index's export (its expiry times are absolute, so they keep
 *   running while the daemon is down).
 * Each save is a statement of its own (autocommit), small and independent: a crash loses at
 * most the last change, never the consistency of the store.
 */

void
gs_sync_items_free(GsSyncItems *items)
{
	g_ptr_array_unref(items->repos);
	g_ptr_array_unref(items->roots);
	g_free(items);
}

static sqlite3_stmt *
gs_sync_state_prepare(GsSyncManager *self, const gchar *sql)
{
	sqlite3_stmt *stmt = NULL;
	sqlite3 *db = gs_store_get_db(self->store);

	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		g_warning("sync state: %s: %s", sql, sqlite3_errmsg(db));
		return NULL;
	}
	return stmt;
}

static void
gs_sync_state_step(GsSyncManager *self, sqlite3_stmt *stmt)
{
	gint rc = sqlite3_step(stmt);

	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		g_warning("sync state: %s", sqlite3_errmsg(gs_store_get_db(self->store)));
	sqlite3_finalize(stmt);
}

/* the tables exist (the store migrated them); returns: %FALSE with %GS_ERROR_STORE if not */
gboolean
gs_sync_state_init(GsSyncManager *self, GError **error)
{
	sqlite3 *db = gs_store_get_db(self->store);
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_prepare_v2(db, "SELECT 1 FROM sync_relays LIMIT 1", -1, &stmt, NULL) !=
	    SQLITE_OK) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_STORE,
			    "the store has no sync state tables: %s",
			    sqlite3_errmsg(db));
		return FALSE;
	}
	sqlite3_finalize(stmt);
	return TRUE;
}

void
gs_sync_state_save_relay(GsSyncManager *self, GsSyncRelay *relay)
{
	g_autoptr(GVariant) health = gs_health_tracker_export(self->health, relay->url);
	g_autofree gchar *health_text = health != NULL ? g_variant_print(health, TRUE) : NULL;
	sqlite3_stmt *stmt = gs_sync_state_prepare(
		self,
		"INSERT OR REPLACE INTO sync_relays (url, bootstrap, pinned, ever_connected, "
		"last_connected, disconnected_at, last_eose_l1, last_eose_l2, last_eose_l3, nip77, "
		"nip77_learned_at, next_daily_at, health) "
		"VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");

	if (stmt == NULL)
		return;
	sqlite3_bind_text(stmt, 1, relay->url, -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, relay->added_bootstrap);
	sqlite3_bind_int(stmt, 3, relay->pinned);
	sqlite3_bind_int(stmt, 4, relay->ever_connected);
	sqlite3_bind_int64(stmt, 5, relay->last_connected);
	sqlite3_bind_int64(stmt, 6, relay->disconnected_at);
	for (guint i = 0; i < 3; i++)
		sqlite3_bind_int64(stmt, 7 + i, relay->last_eose[i]);
	sqlite3_bind_int(stmt, 10, relay->nip77);
	sqlite3_bind_int64(stmt, 11, relay->nip77_learned_at);
	sqlite3_bind_int64(stmt, 12, relay->next_daily_at);
	if (health_text != NULL)
		sqlite3_bind_text(stmt, 13, health_text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 13);
	gs_sync_state_step(self, stmt);
}

static void
gs_sync_state_delete_where_url(GsSyncManager *self, const gchar *table, const gchar *url)
{
	g_autofree gchar *sql = g_strdup_printf("DELETE FROM %s WHERE url = ?", table);
	sqlite3_stmt *stmt = gs_sync_state_prepare(self, sql);

	if (stmt == NULL)
		return;
	sqlite3_bind_text(stmt, 1, url, -1, SQLITE_STATIC);
	gs_sync_state_step(self, stmt);
}

void
gs_sync_state_delete_relay(GsSyncManager *self, const gchar *url)
{
	gs_sync_state_flush_confirmed(self);
	gs_sync_state_delete_where_url(self, "sync_relays", url);
	gs_sync_state_delete_where_url(self, "sync_confirmed", url);
	gs_sync_state_delete_where_url(self, "sync_failed", url);
}

void
gs_sync_state_clear_confirmed(GsSyncManager *self, GsSyncRelay *relay)
{
	gs_sync_state_flush_confirmed(self);
	gs_sync_state_delete_where_url(self, "sync_confirmed", relay->url);
	gs_sync_state_delete_where_url(self, "sync_failed", relay->url);
}

static void
gs_sync_state_insert_items(GsSyncManager *self, const gchar *url, GPtrArray *items, gint is_root)
{
	sqlite3_stmt *stmt;

	if (items->len == 0)
		return;
	stmt = gs_sync_state_prepare(
		self, "INSERT OR IGNORE INTO sync_confirmed (url, item, is_root) VALUES (?, ?, ?)");
	if (stmt == NULL)
		return;
	for (guint i = 0; i < items->len; i++) {
		sqlite3_bind_text(stmt, 1, url, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, g_ptr_array_index(items, i), -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 3, is_root);
		if (sqlite3_step(stmt) != SQLITE_DONE)
			g_warning("sync state: %s", sqlite3_errmsg(gs_store_get_db(self->store)));
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
}

/**
 * gs_sync_state_flush_confirmed:
 *
 * Saves the confirmed items of the batches that ended since the last flush, in one
 * transaction. Called on the health tick (every 2 s), before the confirmed state of a relay
 * is cleared or deleted, and when the engine stops: a history of 100,000 events ends about
 * 400 batches, and a transaction each cost the main thread a commit each.
 */
void
gs_sync_state_flush_confirmed(GsSyncManager *self)
{
	g_autoptr(GPtrArray) batches = NULL;
	sqlite3 *db;

	if (self->confirm_queue->len == 0)
		return;
	batches = g_steal_pointer(&self->confirm_queue);
	self->confirm_queue = g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_batch_unref);
	db = gs_store_get_db(self->store);
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (guint i = 0; i < batches->len; i++) {
		GsSyncBatch *batch = g_ptr_array_index(batches, i);
		const gchar *url = gs_sync_batch_get_relay(batch);
		gs_sync_state_insert_items(self, url, gs_sync_batch_get_repos(batch), 0);
		gs_sync_state_insert_items(self, url, gs_sync_batch_get_roots(batch), 1);
	}
	if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

/* the items of a batch that ended complete or failed are confirmed on its relay: saved with
 * the next flush (a failed batch's list at once) */
void
gs_sync_state_save_confirmed(GsSyncManager *self, GsSyncRelay *relay, GsSyncBatch *batch)
{
	g_ptr_array_add(self->confirm_queue, gs_sync_batch_ref(batch));
	if (gs_sync_batch_get_outcome(batch) == GS_SYNC_OUTCOME_FAILED) {
		gs_sync_state_flush_confirmed(self);
		gs_sync_state_save_failed(self, relay);
	}
}

static gchar *
gs_sync_state_join(GPtrArray *items)
{
	g_autoptr(GPtrArray) copy = g_ptr_array_sized_new(items->len + 1);

	for (guint i = 0; i < items->len; i++)
		g_ptr_array_add(copy, g_ptr_array_index(items, i));
	g_ptr_array_add(copy, NULL);
	return g_strjoinv(" ", (gchar **)copy->pdata);
}

/* the relay's failed list, replaced whole */
void
gs_sync_state_save_failed(GsSyncManager *self, GsSyncRelay *relay)
{
	g_autoptr(GPtrArray) failed = gs_sync_index_dup_failed_batches(self->index, relay->url);
	sqlite3_stmt *stmt;

	gs_sync_state_delete_where_url(self, "sync_failed", relay->url);
	for (guint i = 0; i < failed->len; i++) {
		GsSyncBatch *batch = g_ptr_array_index(failed, i);
		g_autofree gchar *repos = gs_sync_state_join(gs_sync_batch_get_repos(batch));
		g_autofree gchar *roots = gs_sync_state_join(gs_sync_batch_get_roots(batch));

		stmt = gs_sync_state_prepare(self,
					     "INSERT INTO sync_failed (url, seq, reason, repos, "
					     "roots) VALUES (?, ?, ?, ?, ?)");
		if (stmt == NULL)
			return;
		sqlite3_bind_text(stmt, 1, relay->url, -1, SQLITE_STATIC);
		sqlite3_bind_int(stmt, 2, i);
		sqlite3_bind_text(stmt, 3, gs_sync_batch_get_reason(batch), -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 4, repos, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 5, roots, -1, SQLITE_STATIC);
		gs_sync_state_step(self, stmt);
	}
}

static GPtrArray *
gs_sync_state_split(const gchar *text)
{
	g_auto(GStrv) parts = g_strsplit(text != NULL ? text : "", " ", -1);
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; parts[i] != NULL; i++) {
		if (parts[i][0] != '\0')
			g_ptr_array_add(out, g_strdup(parts[i]));
	}
	return out;
}

static void
gs_sync_state_load_items(GsSyncManager *self, GsSyncRelay *relay)
{
	g_autoptr(GPtrArray) repos = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) roots = g_ptr_array_new_with_free_func(g_free);
	sqlite3_stmt *stmt = gs_sync_state_prepare(
		self, "SELECT item, is_root FROM sync_confirmed WHERE url = ?");

	if (stmt == NULL)
		return;
	sqlite3_bind_text(stmt, 1, relay->url, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const gchar *item = (const gchar *)sqlite3_column_text(stmt, 0);
		g_ptr_array_add(sqlite3_column_int(stmt, 1) ? roots : repos, g_strdup(item));
	}
	sqlite3_finalize(stmt);
	gs_sync_index_restore_confirmed(self->index, relay->url, repos, roots);
	stmt = gs_sync_state_prepare(
		self, "SELECT repos, roots FROM sync_failed WHERE url = ? ORDER BY seq");
	if (stmt == NULL)
		return;
	sqlite3_bind_text(stmt, 1, relay->url, -1, SQLITE_STATIC);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		GsSyncItems *items = g_new0(GsSyncItems, 1);
		items->repos = gs_sync_state_split((const gchar *)sqlite3_column_text(stmt, 0));
		items->roots = gs_sync_state_split((const gchar *)sqlite3_column_text(stmt, 1));
		g_ptr_array_add(relay->redo, items);
	}
	sqlite3_finalize(stmt);
}

static void
gs_sync_state_load_health(GsSyncManager *self, GsSyncRelay *relay, const gchar *text)
{
	g_autoptr(GVariant) state = NULL;
	g_autoptr(GError) error = NULL;

	if (text == NULL)
		return;
	state = g_variant_parse(NULL, text, NULL, NULL, &error);
	if (state == NULL || !gs_health_tracker_import(self->health, relay->url, state, &error))
		g_warning("%s: saved health ignored: %s", relay->url, error->message);
}

/* one saved row: a relay still followed gets its state back, others are forgotten */
static void
gs_sync_state_load_row(GsSyncManager *self, sqlite3_stmt *stmt)
{
	const gchar *url = (const gchar *)sqlite3_column_text(stmt, 0);
	gboolean bootstrap = sqlite3_column_int(stmt, 1);
	gboolean pinned = sqlite3_column_int(stmt, 2);
	GsSyncTargets *targets = gs_sync_index_get_targets(self->index);
	GsSyncRelay *relay = gs_sync_manager_lookup(self, url);

	if (relay == NULL && !pinned && !gs_sync_targets_has_relay(targets, url)) {
		g_autofree gchar *copy = g_strdup(url);
		gs_sync_state_delete_relay(self, copy);
		return;
	}
	if (relay == NULL)
		relay = gs_sync_manager_ensure_relay(self, url, bootstrap);
	relay->pinned = pinned;
	if (bootstrap && pinned) {
		relay->added_bootstrap = TRUE;
		relay->bootstrap = TRUE;
	}
	relay->ever_connected = sqlite3_column_int(stmt, 3);
	relay->last_connected = sqlite3_column_int64(stmt, 4);
	relay->disconnected_at = sqlite3_column_int64(stmt, 5);
	for (guint i = 0; i < 3; i++)
		relay->last_eose[i] = sqlite3_column_int64(stmt, 6 + i);
	relay->nip77 = CLAMP(sqlite3_column_int(stmt, 9), -1, 1);
	relay->nip77_learned_at = sqlite3_column_int64(stmt, 10);
	relay->next_daily_at = sqlite3_column_int64(stmt, 11);
	gs_sync_state_load_health(self, relay, (const gchar *)sqlite3_column_text(stmt, 12));
	gs_sync_state_load_items(self, relay);
}

/* the saved relays, after the targets and the bootstrap relays are known */
gboolean
gs_sync_state_load_relays(GsSyncManager *self, GError **error)
{
	sqlite3 *db = gs_store_get_db(self->store);
	sqlite3_stmt *stmt = NULL;
	gint rc;

	if (sqlite3_prepare_v2(db,
			       "SELECT url, bootstrap, pinned, ever_connected, last_connected, "
			       "disconnected_at, last_eose_l1, last_eose_l2, last_eose_l3, nip77, "
			       "nip77_learned_at, next_daily_at, health FROM sync_relays",
			       -1,
			       &stmt,
			       NULL) != SQLITE_OK) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_STORE,
			    "failed to read the sync state: %s",
			    sqlite3_errmsg(db));
		return FALSE;
	}
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		gs_sync_state_load_row(self, stmt);
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_STORE,
			    "failed to read the sync state: %s",
			    sqlite3_errmsg(db));
		return FALSE;
	}
	return TRUE;
}

void
gs_sync_state_save_rejected(GsSyncManager *self)
{
	g_autoptr(GVariant) state = NULL;
	g_autofree gchar *text = NULL;
	sqlite3_stmt *stmt;

	if (self->rejected == NULL)
		return;
	state = gs_rejected_index_export(self->rejected);
	text = g_variant_print(state, TRUE);
	stmt = gs_sync_state_prepare(self,
				     "INSERT OR REPLACE INTO sync_kv (key, value) VALUES "
				     "('rejected-index', ?)");
	if (stmt == NULL)
		return;
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_STATIC);
	gs_sync_state_step(self, stmt);
}

void
gs_sync_state_load_rejected(GsSyncManager *self)
{
	g_autoptr(GVariant) state = NULL;
	g_autoptr(GError) error = NULL;
	sqlite3_stmt *stmt;

	if (self->rejected == NULL)
		return;
	stmt = gs_sync_state_prepare(self,
				     "SELECT value FROM sync_kv WHERE key = 'rejected-index'");
	if (stmt == NULL)
		return;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		state = g_variant_parse(
			NULL, (const gchar *)sqlite3_column_text(stmt, 0), NULL, NULL, &error);
	sqlite3_finalize(stmt);
	if (state == NULL) {
		if (error != NULL)
			g_warning("saved rejected index ignored: %s", error->message);
		return;
	}
	if (!gs_rejected_index_import(self->rejected, state, &error))
		g_warning("saved rejected index ignored: %s", error->message);
}
