/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * GsStore's in-memory Bloom filter of the ids it holds: every id in `events` or `deleted_ids`.
 * Each insert asks whether its id is stored or deleted; for a new event, the common case, the
 * filter answers "neither" without a SQLite lookup (7 % of the instructions of an insert).
 * Only a hit (a duplicate, a deletion, or one false hit in a hundred) runs the lookup.
 *
 * It is filled from the database at the first write transaction, then told of every id the
 * writer adds. A write by another connection (a second process) is seen through `PRAGMA
 * data_version` at the start of each transaction and empties it: the next transaction fills
 * it again. A rolled back id stays in it and only costs a lookup. Reads that ask whether ids
 * are stored (gs_store_has_event(), gs_store_remove_stored()) use it too, after checking
 * `PRAGMA data_version` the same way (gs_store_ids_current()). When it holds more ids than
 * it was sized for it is filled again, larger.
 */

#define G_LOG_DOMAIN "GsStore"

#include "config.h"

#include "gs-id-filter.h"
#include "gs-store-ids.h"
#include "gs-store-sql.h"

/* ids it is sized for beyond those stored when it is filled */
#define GS_STORE_IDS_HEADROOM 65536

struct _GsStoreIds {
	GsIdFilter *filter; /* NULL: not filled */
	gint64 data_version;
	sqlite3_stmt *version; /* PRAGMA data_version */
	guint headroom;
};

GsStoreIds *
gs_store_ids_new(void)
{
	GsStoreIds *self = g_new0(GsStoreIds, 1);
	self->headroom = GS_STORE_IDS_HEADROOM;
	return self;
}

/* for tests: the ids a new filter has room for beyond those stored */
void
gs_store_ids_set_headroom(GsStoreIds *self, guint headroom)
{
	self->headroom = headroom;
}

static void
gs_store_ids_clear(GsStoreIds *self)
{
	g_clear_pointer(&self->filter, gs_id_filter_free);
}

void
gs_store_ids_free(GsStoreIds *self)
{
	if (self == NULL)
		return;
	gs_store_ids_clear(self);
	sqlite3_finalize(self->version);
	g_free(self);
}

/* adds the first column of every row of @sql: an id8 integer, or a 32-byte id blob */
static gboolean
gs_store_ids_read(GsStoreIds *self, sqlite3 *db, const gchar *sql, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = gs_store_sql_prepare(db, sql, FALSE, error);
	gint rc;

	if (stmt == NULL)
		return FALSE;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		gint64 key8 = sqlite3_column_int64(stmt, 0);
		if (sqlite3_column_type(stmt, 0) == SQLITE_BLOB) {
			if (sqlite3_column_bytes(stmt, 0) < 8)
				continue;
			key8 = gs_store_sql_key8(sqlite3_column_blob(stmt, 0));
		}
		gs_id_filter_add(self->filter, key8);
	}
	if (rc != SQLITE_DONE)
		return gs_store_sql_error(db, "failed to read the stored ids", error);
	return TRUE;
}

static gboolean
gs_store_ids_fill(GsStoreIds *self, sqlite3 *db, GError **error)
{
	gint64 stored = 0;

	if (!gs_store_sql_query_int(db,
				    "SELECT (SELECT count(*) FROM events) + "
				    "(SELECT count(*) FROM deleted_ids)",
				    &stored,
				    error))
		return FALSE;
	self->filter = gs_id_filter_new((guint64)MAX(stored, 0) + self->headroom);
	if (!gs_store_ids_read(self, db, "SELECT id8 FROM events", error) ||
	    !gs_store_ids_read(self, db, "SELECT id FROM deleted_ids", error)) {
		gs_store_ids_clear(self);
		return FALSE;
	}
	return TRUE;
}

/* reads `PRAGMA data_version`: it changes when another connection commits */
static gboolean
gs_store_ids_version(GsStoreIds *self, sqlite3 *db, gint64 *version, GError **error)
{
	if (self->version == NULL) {
		self->version = gs_store_sql_prepare(db, "PRAGMA data_version", TRUE, error);
		if (self->version == NULL)
			return FALSE;
	}
	if (sqlite3_step(self->version) != SQLITE_ROW) {
		sqlite3_reset(self->version);
		return gs_store_sql_error(db, "failed to read the data version", error);
	}
	*version = sqlite3_column_int64(self->version, 0);
	sqlite3_reset(self->version);
	return TRUE;
}

/**
 * gs_store_ids_begin:
 *
 * At the start of a write transaction (the lock held): empties the filter when another
 * connection wrote since the last call, then fills it if empty. An error leaves it empty, so
 * that every id is looked up.
 */
gboolean
gs_store_ids_begin(GsStoreIds *self, sqlite3 *db, GError **error)
{
	gint64 version;

	if (!gs_store_ids_version(self, db, &version, error)) {
		gs_store_ids_clear(self);
		return FALSE;
	}
	if (version != self->data_version ||
	    (self->filter != NULL && gs_id_filter_is_full(self->filter)))
		gs_store_ids_clear(self);
	self->data_version = version;
	return self->filter != NULL || gs_store_ids_fill(self, db, error);
}

/**
 * gs_store_ids_current:
 *
 * For a read outside a write transaction: %TRUE when the filter is filled and no other
 * connection wrote since it was, so that a %FALSE from gs_store_ids_may_contain() holds for
 * the database as it is now. Otherwise it empties the filter (the next write transaction
 * fills it again) and every id is to be looked up.
 */
gboolean
gs_store_ids_current(GsStoreIds *self, sqlite3 *db)
{
	g_autoptr(GError) error = NULL;
	gint64 version;

	if (self->filter == NULL)
		return FALSE;
	if (!gs_store_ids_version(self, db, &version, &error)) {
		g_debug("%s", error->message);
		gs_store_ids_clear(self);
		return FALSE;
	}
	if (version != self->data_version)
		gs_store_ids_clear(self);
	return self->filter != NULL;
}

/* %FALSE: @id is certainly neither stored nor deleted */
gboolean
gs_store_ids_may_contain(GsStoreIds *self, const guint8 *id)
{
	return self->filter == NULL ||
	       gs_id_filter_may_contain(self->filter, gs_store_sql_key8(id));
}

/* @id was stored or deleted in the current transaction */
void
gs_store_ids_add(GsStoreIds *self, const guint8 *id)
{
	if (self->filter == NULL)
		return;
	gs_id_filter_add(self->filter, gs_store_sql_key8(id));
}
