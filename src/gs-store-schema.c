/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsStore"

#include "config.h"

#include "gs-error.h"
#include "gs-store-schema.h"
#include "gs-store-sql.h"
#include "gs-sync-state.h"

typedef struct {
	guint version;
	const gchar *sql;
} GsStoreMigration;

/*
 * The migration steps, oldest first. Step N turns a version N-1 database into version N; a new
 * table (sync state, outbox) is a new step appended here, never an edit of an old one.
 *
 * events.d is the replaceable/addressable key: '' for replaceable kinds, the `d` tag ('' when
 * missing) for addressable kinds, NULL for everything else; the partial unique index keeps one
 * version per key.
 *
 * Ids, pubkeys and tag values are random, so every insert lands on a random page of their
 * indexes and each such page is written again by the commit. Small index entries keep those
 * indexes, and so the pages a batch dirties, small: id8 and pk8 are the first 8 bytes of the id
 * and pubkey (big-endian), and tags holds, for every single-letter tag with a value, the key
 * (SipHash-2-4 of name, NUL, value under the secret meta.tag-secret) and the event. Lookups
 * compare the full id or pubkey too; without the secret a tag value cannot be made to collide
 * with another, and queries re-check tags on the parsed events. events.tag_keys keeps an event's
 * keys (8 bytes each) so that deleting it can remove its tags rows.
 */
static const GsStoreMigration gs_store_migrations[] = {
	{1,
	 "CREATE TABLE meta ("
	 "  name TEXT PRIMARY KEY,"
	 "  value BLOB NOT NULL) WITHOUT ROWID;"
	 "CREATE TABLE events ("
	 "  seq INTEGER PRIMARY KEY,"
	 "  id8 INTEGER NOT NULL,"
	 "  id BLOB NOT NULL,"
	 "  pk8 INTEGER NOT NULL,"
	 "  pubkey BLOB NOT NULL,"
	 "  created_at INTEGER NOT NULL,"
	 "  kind INTEGER NOT NULL,"
	 "  d TEXT,"
	 "  tag_keys BLOB,"
	 "  json TEXT NOT NULL);"
	 "CREATE INDEX events_id ON events (id8);"
	 "CREATE UNIQUE INDEX events_address ON events (kind, pubkey, d) WHERE d IS NOT NULL;"
	 "CREATE INDEX events_created ON events (created_at);"
	 "CREATE INDEX events_kind ON events (kind, created_at);"
	 "CREATE INDEX events_pubkey ON events (pk8, created_at);"
	 "CREATE TABLE tags ("
	 "  key INTEGER NOT NULL,"
	 "  event INTEGER NOT NULL,"
	 "  PRIMARY KEY (key, event)) WITHOUT ROWID;"
	 /* NIP-09: ids deleted by their author, and addresses deleted up to a time */
	 "CREATE TABLE deleted_ids ("
	 "  id BLOB NOT NULL,"
	 "  pubkey BLOB NOT NULL,"
	 "  deletion BLOB NOT NULL,"
	 "  PRIMARY KEY (id, pubkey)) WITHOUT ROWID;"
	 "CREATE TABLE deleted_addresses ("
	 "  kind INTEGER NOT NULL,"
	 "  pubkey BLOB NOT NULL,"
	 "  d TEXT NOT NULL,"
	 "  deleted_until INTEGER NOT NULL,"
	 "  deletion BLOB NOT NULL,"
	 "  PRIMARY KEY (kind, pubkey, d)) WITHOUT ROWID;"
	 /* versions of a key that lost to a newer one: relays keep offering them through
	  * negentropy, so they belong in the local set (specs/sync.md section 14) */
	 "CREATE TABLE superseded ("
	 "  id BLOB PRIMARY KEY,"
	 "  kind INTEGER NOT NULL,"
	 "  pubkey BLOB NOT NULL,"
	 "  d TEXT NOT NULL,"
	 "  created_at INTEGER NOT NULL) WITHOUT ROWID;"
	 "CREATE INDEX superseded_address ON superseded (kind, pubkey, d);"},
	/* the sync engine's persisted state (gs-sync-state.c) */
	{2, GS_SYNC_STATE_SCHEMA},
	/* the home-relay outbox (GsHomeRelay): one row per event still to deliver into the GRASP
	 * server's own relay, written in the transaction that stores the event. event is the
	 * event's row (events.seq), so rows sort in storing order and join the event without an
	 * index; id is kept to notice a row number reused after the event was removed. state 0:
	 * pending, 1: refused by home (retried daily). Times are unix seconds. */
	{3,
	 "CREATE TABLE home_outbox ("
	 "  event INTEGER PRIMARY KEY,"
	 "  id BLOB NOT NULL,"
	 "  queued_at INTEGER NOT NULL,"
	 "  state INTEGER NOT NULL DEFAULT 0,"
	 "  attempts INTEGER NOT NULL DEFAULT 0,"
	 "  last_result TEXT,"
	 "  next_retry INTEGER NOT NULL DEFAULT 0);"
	 "CREATE INDEX home_outbox_due ON home_outbox (state, next_retry);"},
	/* NIP-09: the created_at and kind of a deleted event, once seen (stored before its
	 * deletion, or offered after it), so that its id joins the negentropy local set and
	 * relays holding it do not make us fetch it again (specs/sync.md section 14); NULL while
	 * the event has not been seen */
	{4,
	 "ALTER TABLE deleted_ids ADD COLUMN created_at INTEGER;"
	 "ALTER TABLE deleted_ids ADD COLUMN kind INTEGER;"},
	/* NIP-09: the versions of a deleted address the store has seen (stored before the `a`
	 * deletion and removed by it, or offered and refused after it), for the negentropy local
	 * set as deleted_ids above; d as in events.d */
	{5,
	 "CREATE TABLE deleted_versions ("
	 "  id BLOB PRIMARY KEY,"
	 "  pubkey BLOB NOT NULL,"
	 "  kind INTEGER NOT NULL,"
	 "  d TEXT NOT NULL,"
	 "  created_at INTEGER NOT NULL) WITHOUT ROWID;"},
	/* the home outbox's index holds only the rows a query by state or retry time looks for
	 * (refused, or waiting for a retry time): a row that is queued and then delivered, as
	 * nearly every row is, no longer writes and deletes an index entry (GsHomeOutbox's
	 * queries name the index's condition so that SQLite uses it) */
	{6,
	 "DROP INDEX home_outbox_due;"
	 "CREATE INDEX home_outbox_due ON home_outbox (state, next_retry) "
	 "WHERE state != 0 OR next_retry != 0;"},
};

guint
gs_store_schema_get_latest(void)
{
	return gs_store_migrations[G_N_ELEMENTS(gs_store_migrations) - 1].version;
}

static gboolean
gs_store_schema_apply(sqlite3 *db, guint from, GError **error)
{
	g_autofree gchar *set_version = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(gs_store_migrations); i++) {
		const GsStoreMigration *m = &gs_store_migrations[i];
		if (m->version <= from)
			continue;
		if (!gs_store_sql_exec(db, m->sql, error)) {
			g_prefix_error(
				error, "failed to migrate to schema version %u: ", m->version);
			return FALSE;
		}
		g_debug("migrated the store to schema version %u", m->version);
	}
	set_version = g_strdup_printf("PRAGMA user_version = %u", gs_store_schema_get_latest());
	return gs_store_sql_exec(db, set_version, error);
}

static gboolean
gs_store_schema_migrate_locked(sqlite3 *db, const gchar *path, guint *version, GError **error)
{
	gint64 current = 0;

	if (!gs_store_sql_query_int(db, "PRAGMA user_version", &current, error))
		return FALSE;
	if (current < 0 || current > (gint64)gs_store_schema_get_latest()) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_STORE,
			    "%s has schema version %" G_GINT64_FORMAT
			    ", newer than the newest this grasp-syncd knows (%u); "
			    "use a newer grasp-syncd or another state directory",
			    path,
			    current,
			    gs_store_schema_get_latest());
		return FALSE;
	}
	if (current < (gint64)gs_store_schema_get_latest() &&
	    !gs_store_schema_apply(db, (guint)current, error))
		return FALSE;
	*version = gs_store_schema_get_latest();
	return TRUE;
}

/**
 * gs_store_schema_migrate:
 * @path: for messages
 * @version_out: (out): the schema version now in force
 *
 * Brings the database to the newest schema in one IMMEDIATE transaction, so that a second
 * process opening the same file waits instead of migrating twice.
 *
 * Returns: %FALSE with %GS_ERROR_STORE when the database is newer than this code, or on failure
 */
gboolean
gs_store_schema_migrate(sqlite3 *db, const gchar *path, guint *version_out, GError **error)
{
	if (!gs_store_sql_exec(db, "BEGIN IMMEDIATE", error))
		return FALSE;
	if (!gs_store_schema_migrate_locked(db, path, version_out, error)) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return FALSE;
	}
	return gs_store_sql_exec(db, "COMMIT", error);
}
