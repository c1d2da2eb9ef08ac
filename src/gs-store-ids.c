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
 * it again. A rolled back id stays in it and only costs a lookup. When it holds more ids than
 * it was sized for it is filled again, larger.
 */

#define G_LOG_DOMAIN "GsStore"

#include "config.h"

#include "gs-store-ids.h"
#include "gs-store-sql.h"

/* bits per id it is sized for, bits per id at which it is full (4 probes: about 0.3 % and
 * 1.2 % false hits), and ids it is sized for beyond those stored when it is filled */
#define GS_STORE_IDS_BITS_PER_ID 24
#define GS_STORE_IDS_FULL_BITS_PER_ID 10
#define GS_STORE_IDS_HEADROOM 65536

struct _GsStoreIds {
	guint64 *bits; /* NULL: not filled */
	guint64 mask;  /* number of bits - 1 */
	guint64 n;     /* ids added */
	guint64 max;   /* ids it is sized for */
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
	g_clear_pointer(&self->bits, g_free);
	self->n = 0;
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

/* ids are SHA-256 digests: the two halves of their first 8 bytes give the probes */
static gboolean
gs_store_ids_probe(GsStoreIds *self, gint64 key8, gboolean set)
{
	guint64 h1 = (guint64)key8 & G_MAXUINT32;
	guint64 h2 = ((guint64)key8 >> 32) | 1;
	gboolean all = TRUE;

	for (guint i = 0; i < 4; i++) {
		guint64 bit = (h1 + i * h2) & self->mask;
		guint64 word = 1ULL << (bit % 64);
		if (set)
			self->bits[bit / 64] |= word;
		else if ((self->bits[bit / 64] & word) == 0)
			all = FALSE;
	}
	return all;
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
		gs_store_ids_probe(self, key8, TRUE);
		self->n++;
	}
	if (rc != SQLITE_DONE)
		return gs_store_sql_error(db, "failed to read the stored ids", error);
	return TRUE;
}

static gboolean
gs_store_ids_fill(GsStoreIds *self, sqlite3 *db, GError **error)
{
	gint64 stored = 0;
	guint64 n_bits = 64;

	if (!gs_store_sql_query_int(db,
				    "SELECT (SELECT count(*) FROM events) + "
				    "(SELECT count(*) FROM deleted_ids)",
				    &stored,
				    error))
		return FALSE;
	while (n_bits <
	       ((guint64)MAX(stored, 0) + GS_STORE_IDS_HEADROOM) * GS_STORE_IDS_BITS_PER_ID)
		n_bits <<= 1;
	self->bits = g_new0(guint64, n_bits / 64);
	self->mask = n_bits - 1;
	self->max = n_bits / GS_STORE_IDS_FULL_BITS_PER_ID;
	self->n = 0;
	if (!gs_store_ids_read(self, db, "SELECT id8 FROM events", error) ||
	    !gs_store_ids_read(self, db, "SELECT id FROM deleted_ids", error)) {
		gs_store_ids_clear(self);
		return FALSE;
	}
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

	if (self->version == NULL) {
		self->version = gs_store_sql_prepare(db, "PRAGMA data_version", TRUE, error);
		if (self->version == NULL)
			return FALSE;
	}
	if (sqlite3_step(self->version) != SQLITE_ROW) {
		sqlite3_reset(self->version);
		gs_store_ids_clear(self);
		return gs_store_sql_error(db, "failed to read the data version", error);
	}
	version = sqlite3_column_int64(self->version, 0);
	sqlite3_reset(self->version);
	if (version != self->data_version || self->n > self->max)
		gs_store_ids_clear(self);
	self->data_version = version;
	return self->bits != NULL || gs_store_ids_fill(self, db, error);
}

/* %FALSE: @id is certainly neither stored nor deleted */
gboolean
gs_store_ids_may_contain(GsStoreIds *self, const guint8 *id)
{
	return self->bits == NULL || gs_store_ids_probe(self, gs_store_sql_key8(id), FALSE);
}

/* @id was stored or deleted in the current transaction */
void
gs_store_ids_add(GsStoreIds *self, const guint8 *id)
{
	if (self->bits == NULL)
		return;
	gs_store_ids_probe(self, gs_store_sql_key8(id), TRUE);
	self->n++;
}
