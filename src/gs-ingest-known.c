/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Which ids GsIngest's workers may skip the signature check for. In a sync from many relays
 * most events arrive once a relay, and each copy was parsed and verified before the policy
 * found it a duplicate (34 % of the engine's CPU in bench/sync-scale). An id here is one
 * computed from the event's canonical serialisation, never a claimed one.
 *
 * Two kinds of known ids: those of stored events, looked up in the store file on read-only
 * connections (WAL lets them read while the main context writes; a connection serves one
 * worker at a time and is reset after each lookup, so it never holds a snapshot open against
 * the checkpoint thread), and those verified on a worker and not yet decided on the main
 * context, counted in a hash table so that copies arriving together are verified once. An
 * id is added there only after its signature verified: a copy with a bad signature must not
 * make a good copy of the same event a duplicate. A store that is not a file (":memory:") or
 * whose file cannot be opened read-only has only the second kind.
 *
 * Most events of a sync are new, and a store lookup for each cost as much CPU as a tenth of
 * its verification (bench/ingest). A Bloom filter of the stored ids' 8-byte prefixes answers
 * "certainly not stored" without SQLite; only a hit is looked up. The first worker that needs
 * it fills it from the store's id index; GsIngest adds the ids it stores (event-stored). An id
 * it misses (stored by another process, or while it was being filled) is only verified again,
 * never skipped wrongly: a miss means "verify", as without the filter. Removed events stay in
 * it and cost a lookup. When it holds more ids than it was sized for, it is dropped and filled
 * again, larger.
 */

#define G_LOG_DOMAIN "GsIngest"

#include "config.h"

#include <sqlite3.h>
#include <string.h>

#include "gs-id-filter.h"
#include "gs-ingest-known.h"
#include "gs-store-sql.h"

#define GS_INGEST_KNOWN_SQL "SELECT 1 FROM events WHERE id8 = ?1 AND id = ?2"
#define GS_INGEST_KNOWN_SCAN_SQL "SELECT id8 FROM events"
#define GS_INGEST_KNOWN_COUNT_SQL "SELECT max(seq) FROM events"
/* the ids the filter is sized for beyond those stored when it is filled */
#define GS_INGEST_KNOWN_HEADROOM 65536

struct _GsIngestKnown {
	gchar *path; /* NULL: no store file to look in */
	GMutex lock;
	GHashTable *pending; /* 32-byte id -> count, under @lock */
	GPtrArray *readers;  /* idle sqlite3_stmt of the readers, under @lock */
	gboolean failed;     /* opening a reader failed once: no more tries; under @lock */
	GsIdFilter *filter;  /* stored ids, or NULL while not filled; under @lock */
	gboolean filling;    /* a worker is filling a filter; under @lock */
};

static guint
gs_ingest_known_hash(gconstpointer key)
{
	guint h;
	memcpy(&h, key, sizeof(h));
	return h;
}

static gboolean
gs_ingest_known_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, 32) == 0;
}

static void
gs_ingest_known_close_reader(sqlite3_stmt *stmt)
{
	sqlite3 *db = sqlite3_db_handle(stmt);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

/**
 * gs_ingest_known_new:
 * @store_path: (nullable): the store's file; %NULL or ":memory:" for none
 */
GsIngestKnown *
gs_ingest_known_new(const gchar *store_path)
{
	GsIngestKnown *self = g_new0(GsIngestKnown, 1);

	if (store_path != NULL && g_strcmp0(store_path, ":memory:") != 0)
		self->path = g_strdup(store_path);
	g_mutex_init(&self->lock);
	self->pending =
		g_hash_table_new_full(gs_ingest_known_hash, gs_ingest_known_equal, g_free, NULL);
	self->readers =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_ingest_known_close_reader);
	return self;
}

void
gs_ingest_known_free(GsIngestKnown *self)
{
	gs_id_filter_free(self->filter);
	g_ptr_array_unref(self->readers);
	g_hash_table_unref(self->pending);
	g_mutex_clear(&self->lock);
	g_free(self->path);
	g_free(self);
}

/* a new reader's prepared lookup, or %NULL */
static sqlite3_stmt *
gs_ingest_known_open_reader(GsIngestKnown *self)
{
	gint flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
	sqlite3 *db = NULL;
	sqlite3_stmt *stmt = NULL;

	if (sqlite3_open_v2(self->path, &db, flags, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(
		    db, GS_INGEST_KNOWN_SQL, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) !=
		    SQLITE_OK) {
		g_warning("cannot read the store to skip verifying duplicates: %s",
			  db != NULL ? sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	/* the writer's commits are short; a reader waits for one rather than verify */
	sqlite3_busy_timeout(db, 100);
	return stmt;
}

static sqlite3_stmt *
gs_ingest_known_take_reader(GsIngestKnown *self)
{
	sqlite3_stmt *stmt = NULL;
	gboolean open;

	g_mutex_lock(&self->lock);
	if (self->readers->len > 0)
		stmt = g_ptr_array_steal_index_fast(self->readers, self->readers->len - 1);
	open = stmt == NULL && self->path != NULL && !self->failed;
	g_mutex_unlock(&self->lock);
	if (!open)
		return stmt;
	stmt = gs_ingest_known_open_reader(self);
	if (stmt == NULL) {
		g_mutex_lock(&self->lock);
		self->failed = TRUE;
		g_mutex_unlock(&self->lock);
	}
	return stmt;
}

/* a filter of the ids stored now, read on @stmt's connection; %NULL on error */
static GsIdFilter *
gs_ingest_known_filter_read(sqlite3_stmt *stmt)
{
	sqlite3 *db = sqlite3_db_handle(stmt);
	sqlite3_stmt *scan = NULL;
	GsIdFilter *filter = NULL;
	gint64 stored = 0;
	gint rc = SQLITE_ERROR;

	if (sqlite3_prepare_v2(db, GS_INGEST_KNOWN_COUNT_SQL, -1, &scan, NULL) == SQLITE_OK &&
	    sqlite3_step(scan) == SQLITE_ROW)
		stored = MAX(sqlite3_column_int64(scan, 0), 0);
	sqlite3_finalize(scan);
	scan = NULL;
	filter = gs_id_filter_new((guint64)stored + GS_INGEST_KNOWN_HEADROOM);
	if (sqlite3_prepare_v2(db, GS_INGEST_KNOWN_SCAN_SQL, -1, &scan, NULL) == SQLITE_OK) {
		while ((rc = sqlite3_step(scan)) == SQLITE_ROW)
			gs_id_filter_add(filter, sqlite3_column_int64(scan, 0));
	}
	sqlite3_finalize(scan);
	if (rc != SQLITE_DONE) {
		g_debug("cannot read the stored ids: %s", sqlite3_errmsg(db));
		g_clear_pointer(&filter, gs_id_filter_free);
	}
	return filter;
}

/* on the worker that set @filling: fills the filter; returns %FALSE when @id is certainly
 * not stored */
static gboolean
gs_ingest_known_fill(GsIngestKnown *self, sqlite3_stmt *stmt, const guint8 *id)
{
	GsIdFilter *filter = gs_ingest_known_filter_read(stmt);
	gboolean maybe = TRUE;

	g_mutex_lock(&self->lock);
	self->filling = FALSE;
	if (self->filter == NULL)
		self->filter = g_steal_pointer(&filter);
	if (self->filter != NULL)
		maybe = gs_id_filter_may_contain(self->filter, gs_store_sql_key8(id));
	g_mutex_unlock(&self->lock);
	gs_id_filter_free(filter);
	return maybe;
}

/* is @id stored? An error counts as no: the event is then verified as usual. @fill: this
 * worker fills the filter first (then looks @id up only if the filter has it) */
static gboolean
gs_ingest_known_lookup(GsIngestKnown *self, const guint8 *id, gboolean fill)
{
	sqlite3_stmt *stmt = gs_ingest_known_take_reader(self);
	gboolean found;

	if (stmt == NULL) {
		g_mutex_lock(&self->lock);
		self->filling = self->filling && !fill;
		g_mutex_unlock(&self->lock);
		return FALSE;
	}
	if (fill && !gs_ingest_known_fill(self, stmt, id)) {
		g_mutex_lock(&self->lock);
		g_ptr_array_add(self->readers, stmt);
		g_mutex_unlock(&self->lock);
		return FALSE;
	}
	gs_store_sql_bind_key32(stmt, 1, 2, id);
	found = sqlite3_step(stmt) == SQLITE_ROW;
	/* ends the read transaction */
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	g_mutex_lock(&self->lock);
	g_ptr_array_add(self->readers, stmt);
	g_mutex_unlock(&self->lock);
	return found;
}

/**
 * gs_ingest_known_contains:
 * @id: 32 bytes, computed from the event's content
 *
 * On a worker thread. Returns: %TRUE when an event with @id is stored, or verified and still
 *   in the pipeline
 */
gboolean
gs_ingest_known_contains(GsIngestKnown *self, const guint8 *id)
{
	gboolean pending, maybe = TRUE, fill = FALSE;

	g_mutex_lock(&self->lock);
	pending = g_hash_table_contains(self->pending, id);
	if (!pending && self->filter != NULL)
		maybe = gs_id_filter_may_contain(self->filter, gs_store_sql_key8(id));
	else if (!pending && self->path != NULL && !self->failed && !self->filling)
		fill = self->filling = TRUE;
	g_mutex_unlock(&self->lock);
	return pending || (maybe && gs_ingest_known_lookup(self, id, fill));
}

/**
 * gs_ingest_known_add_stored:
 * @id: 32 bytes
 *
 * On the main context: an event with @id was stored. A filter that is being filled may miss
 * it (its event is then verified if it comes again).
 */
void
gs_ingest_known_add_stored(GsIngestKnown *self, const guint8 *id)
{
	g_mutex_lock(&self->lock);
	if (self->filter != NULL) {
		gs_id_filter_add(self->filter, gs_store_sql_key8(id));
		/* full: the next lookup fills a larger one */
		if (gs_id_filter_is_full(self->filter))
			g_clear_pointer(&self->filter, gs_id_filter_free);
	}
	g_mutex_unlock(&self->lock);
}

/* @id's signature verified; once for each gs_ingest_known_remove() */
void
gs_ingest_known_add(GsIngestKnown *self, const guint8 *id)
{
	guint n;

	g_mutex_lock(&self->lock);
	n = GPOINTER_TO_UINT(g_hash_table_lookup(self->pending, id));
	g_hash_table_insert(self->pending, g_memdup2(id, 32), GUINT_TO_POINTER(n + 1));
	g_mutex_unlock(&self->lock);
}

/* the event verified with gs_ingest_known_add() was decided (and stored, if it was) */
void
gs_ingest_known_remove(GsIngestKnown *self, const guint8 *id)
{
	guint n;

	g_mutex_lock(&self->lock);
	n = GPOINTER_TO_UINT(g_hash_table_lookup(self->pending, id));
	if (n > 1)
		g_hash_table_insert(self->pending, g_memdup2(id, 32), GUINT_TO_POINTER(n - 1));
	else
		g_hash_table_remove(self->pending, id);
	g_mutex_unlock(&self->lock);
}
