/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsStore"

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-store-checkpoint.h"
#include "gs-store-private.h"
#include "gs-store-schema.h"
#include "gs-store-sql.h"

#define GS_STORE_TAG_SECRET_SIZE 16

/* statements of 1, 2, 4, ... GS_STORE_TAGS_PER_STMT tags rows */
#define GS_STORE_TAG_STMTS 7
G_STATIC_ASSERT(1 << (GS_STORE_TAG_STMTS - 1) == GS_STORE_TAGS_PER_STMT);

/* the log length from which a checkpoint runs: ~100 MB (25,000 pages of 4 KiB). Each
 * checkpoint copies every index page written since the last one, and the random-key indexes
 * are written all over by each large commit: 100 MB instead of 40 MB wrote 12 % fewer bytes in
 * bench/ingest (100,000 events). Without the checkpoint thread, SQLite's own checkpoints run
 * from GS_STORE_AUTOCHECKPOINT_BYTES. */
#define GS_STORE_CHECKPOINT_BYTES (25000 * 4096)
#define GS_STORE_AUTOCHECKPOINT_BYTES (10000 * 4096)

/* the page size of new databases; an existing database keeps the one it was made with.
 * Against 4 KiB: 4 % fewer instructions an inserted event (fewer, larger B-tree pages to
 * descend and balance) and half as many writes of log frames, for as many bytes
 * (docs/benchmarks.md, "Ingest", session 6) */
#define GS_STORE_PAGE_SIZE 8192

/* how long a writer waits for another connection's lock (a second process, a backup tool,
 * the checkpoint thread's RESTART), in steps of GS_STORE_BUSY_STEP_USEC */
#define GS_STORE_BUSY_TIMEOUT_MS 5000
#define GS_STORE_BUSY_STEP_USEC 1000

/* the statements of the write path and the point lookups, prepared once at open */
static const gchar *const gs_store_stmt_sql[GS_STORE_STMT_LAST] = {
	[GS_STORE_STMT_BEGIN] = "BEGIN IMMEDIATE",
	[GS_STORE_STMT_COMMIT] = "COMMIT",
	[GS_STORE_STMT_ROLLBACK] = "ROLLBACK",
	[GS_STORE_STMT_CHECK_NEW] =
		"SELECT EXISTS (SELECT 1 FROM events WHERE id8 = ?1 AND id = ?2), "
		"EXISTS (SELECT 1 FROM deleted_ids WHERE id = ?2 AND pubkey = ?3)",
	[GS_STORE_STMT_HAS_ID] = "SELECT seq FROM events WHERE id8 = ?1 AND id = ?2",
	[GS_STORE_STMT_IS_DELETED_ID] = "SELECT 1 FROM deleted_ids WHERE id = ?1 AND pubkey = ?2",
	[GS_STORE_STMT_DELETED_UNTIL] = "SELECT deleted_until FROM deleted_addresses "
					"WHERE kind = ?1 AND pubkey = ?2 AND d = ?3",
	[GS_STORE_STMT_ANY_DELETED_ADDRESS] = "SELECT EXISTS (SELECT 1 FROM deleted_addresses)",
	[GS_STORE_STMT_GET_ADDRESS] = "SELECT seq, tag_keys, id, created_at FROM events "
				      "WHERE kind = ?1 AND pubkey = ?2 AND d = ?3",
	[GS_STORE_STMT_FIND_BY_ID_AUTHOR] = "SELECT seq, tag_keys FROM events WHERE id8 = ?1 "
					    "AND id = ?2 AND pubkey = ?3 AND kind != 5",
	[GS_STORE_STMT_FIND_ADDRESS_UNTIL] = "SELECT seq, tag_keys FROM events WHERE kind = ?1 "
					     "AND pubkey = ?2 AND d = ?3 AND created_at <= ?4",
	[GS_STORE_STMT_DELETE_SEQ] = "DELETE FROM events WHERE seq = ?1",
	[GS_STORE_STMT_DELETE_TAG] = "DELETE FROM tags WHERE key = ?1 AND event = ?2",
	[GS_STORE_STMT_INSERT_EVENT] =
		"INSERT INTO events (id8, id, pk8, pubkey, created_at, kind, d, tag_keys, json) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[GS_STORE_STMT_INSERT_SUPERSEDED] = "INSERT OR IGNORE INTO superseded "
					    "(id, kind, pubkey, d, created_at) "
					    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[GS_STORE_STMT_DELETE_SUPERSEDED] = "DELETE FROM superseded WHERE id = ?1",
	/* with the created_at and kind of the deleter's own event when it is stored */
	[GS_STORE_STMT_INSERT_DELETED_ID] =
		"INSERT OR IGNORE INTO deleted_ids (id, pubkey, deletion, created_at, kind) "
		"SELECT ?2, ?3, ?4, e.created_at, e.kind FROM (SELECT 1) "
		"LEFT JOIN events e ON e.id8 = ?1 AND e.id = ?2 AND e.pubkey = ?3 AND e.kind != 5",
	[GS_STORE_STMT_NOTE_DELETED_ID] = "UPDATE deleted_ids SET created_at = ?3, kind = ?4 "
					  "WHERE id = ?1 AND pubkey = ?2 AND created_at IS NULL",
	[GS_STORE_STMT_UPSERT_DELETED_ADDRESS] =
		"INSERT INTO deleted_addresses (kind, pubkey, d, deleted_until, deletion) "
		"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (kind, pubkey, d) DO UPDATE "
		"SET deleted_until = excluded.deleted_until, deletion = excluded.deletion "
		"WHERE excluded.deleted_until > deleted_addresses.deleted_until",
	/* the stored versions an `a` deletion is about to remove */
	[GS_STORE_STMT_KEEP_DELETED_VERSIONS] =
		"INSERT OR IGNORE INTO deleted_versions (id, pubkey, kind, d, created_at) "
		"SELECT id, pubkey, kind, d, created_at FROM events "
		"WHERE kind = ?1 AND pubkey = ?2 AND d = ?3 AND created_at <= ?4",
	/* a version refused because a deletion of its address covers it */
	[GS_STORE_STMT_NOTE_DELETED_VERSION] =
		"INSERT OR IGNORE INTO deleted_versions (id, pubkey, kind, d, created_at) "
		"SELECT ?4, ?2, ?1, ?3, ?5 FROM deleted_addresses WHERE kind = ?1 "
		"AND pubkey = ?2 AND d = ?3 AND deleted_until >= ?5",
	[GS_STORE_STMT_GET_BY_ID] = "SELECT id, json FROM events WHERE id8 = ?1 AND id = ?2",
	[GS_STORE_STMT_HAS_TAG] = "SELECT 1 FROM tags WHERE key = ?1 LIMIT 1",
	[GS_STORE_STMT_HEALTH] = "SELECT max(seq) FROM events",
	/* gs_store_find_addressable(): see there */
	[GS_STORE_STMT_FIND_ADDRESSABLE] =
		"SELECT e.id, e.json FROM events e WHERE +e.kind = ?1 AND e.d = ?2 "
		"AND e.seq IN (SELECT event FROM tags WHERE key = ?3) "
		"ORDER BY e.created_at DESC, e.id",
	[GS_STORE_STMT_FIND_ADDRESSABLE_NO_D] = "SELECT e.id, e.json FROM events e "
						"WHERE e.kind = ?1 AND e.d = ?2 "
						"ORDER BY e.created_at DESC, e.id",
};

struct _GsStore {
	GObject parent_instance;
	gchar *path;
	sqlite3 *db;
	guint schema_version;
	sqlite3_stmt *stmts[GS_STORE_STMT_LAST];
	sqlite3_stmt *tag_stmts[GS_STORE_TAG_STMTS]; /* [i]: 2^i rows, prepared when first used */
	GArray *pending_tags; /* GsStoreTagRow: the tags rows of this transaction's events */
	/* whether deleted_addresses has a row, read at the start of each write transaction (which
	 * holds the write lock) and set by the transaction's own `a` deletions: without one, an
	 * addressable event skips the lookup of its address there */
	gboolean any_deleted_address;
	GsStoreCheckpointer *checkpointer; /* NULL when not in WAL mode (":memory:") */
	GsStoreInsertHook hook;
	gpointer hook_data;
	GDestroyNotify hook_destroy;
	gint write_errcode; /* extended code of the last failed write, 0 after a commit */
	guint8 tag_secret[GS_STORE_TAG_SECRET_SIZE];
	GsStoreIds *ids; /* the ids in events and deleted_ids */
};

enum { PROP_0, PROP_PATH, PROP_LAST };
static GParamSpec *gs_store_props[PROP_LAST] = {NULL};

enum { SIGNAL_EVENT_STORED, SIGNAL_LAST };
static guint gs_store_signals[SIGNAL_LAST] = {0};

G_DEFINE_FINAL_TYPE(GsStore, gs_store, G_TYPE_OBJECT)

/* statements ---------------------------------------------------------------------------------- */

/* returns: (transfer none): the cached statement, reset and with no bindings */
sqlite3_stmt *
gs_store_stmt(GsStore *self, GsStoreStmt which)
{
	sqlite3_stmt *stmt = self->stmts[which];
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return stmt;
}

/* returns: (transfer none): the cached statement, reset, its bindings left: for a statement whose
 * caller binds every parameter each time (sqlite3_clear_bindings() is 200 instructions) */
sqlite3_stmt *
gs_store_stmt_rebind(GsStore *self, GsStoreStmt which)
{
	sqlite3_stmt *stmt = self->stmts[which];
	sqlite3_reset(stmt);
	return stmt;
}

gboolean
gs_store_fail(GsStore *self, const gchar *what, GError **error)
{
	self->write_errcode = sqlite3_extended_errcode(self->db);
	return gs_store_sql_error(self->db, what, error);
}

/* steps @stmt once: *found is whether it returned a row (left for the caller to read and
 * reset); on failure @stmt is reset */
gboolean
gs_store_step_row(GsStore *self, sqlite3_stmt *stmt, gboolean *found, GError **error)
{
	gint rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(stmt);
		return gs_store_sql_error(self->db, "failed to read from the store", error);
	}
	*found = rc == SQLITE_ROW;
	return TRUE;
}

/* steps a write that returns no rows, then resets it */
gboolean
gs_store_step_done(GsStore *self, sqlite3_stmt *stmt, GError **error)
{
	if (sqlite3_step(stmt) != SQLITE_DONE) {
		sqlite3_reset(stmt);
		return gs_store_fail(self, "failed to write to the store", error);
	}
	sqlite3_reset(stmt);
	return TRUE;
}

/* insert ------------------------------------------------------------------------------------- */

/* returns: (transfer none) (nullable): the cached "INSERT OR IGNORE INTO tags" for @n rows, a
 * power of two up to GS_STORE_TAGS_PER_STMT: ?1 is the first key, ?2 its event, and so on */
sqlite3_stmt *
gs_store_tags_stmt(GsStore *self, guint n, GError **error)
{
	g_autoptr(GString) sql = NULL;
	guint i = g_bit_nth_lsf(n, -1);

	g_return_val_if_fail(n >= 1 && n <= GS_STORE_TAGS_PER_STMT && (n & (n - 1)) == 0, NULL);
	if (self->tag_stmts[i] != NULL) {
		sqlite3_reset(self->tag_stmts[i]);
		return self->tag_stmts[i];
	}
	sql = g_string_new("INSERT OR IGNORE INTO tags (key, event) VALUES ");
	for (guint row = 0; row < n; row++)
		g_string_append_printf(
			sql, "%s(?%u, ?%u)", row == 0 ? "" : ", ", 2 * row + 1, 2 * row + 2);
	self->tag_stmts[i] = gs_store_sql_prepare(self->db, sql->str, TRUE, error);
	return self->tag_stmts[i];
}

GArray *
gs_store_get_pending_tags(GsStore *self)
{
	return self->pending_tags;
}

gboolean *
gs_store_get_any_deleted_address(GsStore *self)
{
	return &self->any_deleted_address;
}

static gboolean
gs_store_read_any_deleted_address(GsStore *self, GError **error)
{
	sqlite3_stmt *stmt = gs_store_stmt(self, GS_STORE_STMT_ANY_DELETED_ADDRESS);
	gboolean found = FALSE;

	if (!gs_store_step_row(self, stmt, &found, error))
		return FALSE;
	self->any_deleted_address = !found || sqlite3_column_int(stmt, 0) != 0;
	sqlite3_reset(stmt);
	return TRUE;
}

static gboolean
gs_store_insert_one(GsStore *self, GsEvent *event, GsStoreResult *result, GError **error)
{
	const gchar *d = gs_store_event_key_d(event);
	gint64 seq = 0;

	if (!gs_store_classify(self, event, d, result, error))
		return FALSE;
	if (*result == GS_STORE_RESULT_REFUSED_DELETED)
		return gs_store_note_deleted(self, event, d, error);
	if (*result != GS_STORE_RESULT_STORED && *result != GS_STORE_RESULT_REPLACED)
		return TRUE;
	if (!gs_store_write_event(self, event, d, &seq, error))
		return FALSE;
	if (gs_event_get_kind(event) == 5 && !gs_store_apply_deletion(self, event, error))
		return FALSE;
	if (self->hook != NULL &&
	    !self->hook(self, self->db, event, seq, *result, self->hook_data, error))
		return FALSE;
	return TRUE;
}

static gboolean
gs_store_check_batch(GPtrArray *events, GError **error)
{
	for (guint i = 0; i < events->len; i++) {
		GsEvent *event = g_ptr_array_index(events, i);
		if (gs_kind_is_ephemeral(gs_event_get_kind(event))) {
			g_set_error(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "event %s has ephemeral kind %u, which is never stored",
				    gs_event_get_id(event),
				    gs_event_get_kind(event));
			return FALSE;
		}
	}
	return TRUE;
}

/* also forgets the tags rows waiting for the commit */
static void
gs_store_rollback(GsStore *self)
{
	sqlite3_stmt *stmt = gs_store_stmt(self, GS_STORE_STMT_ROLLBACK);

	g_array_set_size(self->pending_tags, 0);
	if (sqlite3_get_autocommit(self->db))
		return; /* SQLite already rolled back (e.g. after SQLITE_FULL) */
	if (sqlite3_step(stmt) != SQLITE_DONE)
		g_warning("failed to roll back: %s", sqlite3_errmsg(self->db));
	sqlite3_reset(stmt);
}

/* runs the inserts of one transaction; on failure nothing is left behind */
static gboolean
gs_store_insert_transaction(GsStore *self,
			    GPtrArray *events,
			    GArray *results,
			    GPtrArray *stored,
			    GError **error)
{
	g_autoptr(GError) ids_error = NULL;

	if (!gs_store_step_done(self, gs_store_stmt(self, GS_STORE_STMT_BEGIN), error))
		return FALSE;
	if (!gs_store_read_any_deleted_address(self, error)) {
		gs_store_rollback(self);
		return FALSE;
	}
	/* without the filter every id is looked up */
	if (!gs_store_ids_begin(self->ids, self->db, &ids_error))
		g_debug("%s", ids_error->message);
	for (guint i = 0; i < events->len; i++) {
		GsEvent *event = g_ptr_array_index(events, i);
		GsStoreResult result = GS_STORE_RESULT_STORED;
		if (!gs_store_insert_one(self, event, &result, error)) {
			gs_store_rollback(self);
			return FALSE;
		}
		g_array_append_val(results, result);
		if (result == GS_STORE_RESULT_STORED || result == GS_STORE_RESULT_REPLACED)
			g_ptr_array_add(stored, gs_event_ref(event));
	}
	if (!gs_store_flush_tags(self, error) ||
	    !gs_store_step_done(self, gs_store_stmt(self, GS_STORE_STMT_COMMIT), error)) {
		gs_store_rollback(self);
		return FALSE;
	}
	self->write_errcode = 0;
	return TRUE;
}

gboolean
gs_store_insert_batch(GsStore *self, GPtrArray *events, GArray *results, GError **error)
{
	g_autoptr(GPtrArray) stored =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GArray) res = NULL;

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	g_return_val_if_fail(events != NULL, FALSE);
	g_return_val_if_fail(results == NULL ||
				     g_array_get_element_size(results) == sizeof(GsStoreResult),
			     FALSE);
	if (results != NULL)
		g_array_set_size(results, 0);
	if (!gs_store_check_batch(events, error))
		return FALSE;
	res = g_array_sized_new(FALSE, FALSE, sizeof(GsStoreResult), events->len);
	if (!gs_store_insert_transaction(self, events, res, stored, error))
		return FALSE;
	if (results != NULL)
		g_array_append_vals(results, res->data, res->len);
	for (guint i = 0; i < stored->len; i++)
		g_signal_emit(self, gs_store_signals[SIGNAL_EVENT_STORED], 0, stored->pdata[i]);
	return TRUE;
}

gboolean
gs_store_insert(GsStore *self, GsEvent *event, GsStoreResult *result, GError **error)
{
	g_autoptr(GPtrArray) events = g_ptr_array_new();
	g_autoptr(GArray) results = g_array_new(FALSE, FALSE, sizeof(GsStoreResult));

	g_return_val_if_fail(event != NULL, FALSE);
	g_ptr_array_add(events, event);
	if (!gs_store_insert_batch(self, events, results, error))
		return FALSE;
	if (result != NULL)
		*result = g_array_index(results, GsStoreResult, 0);
	return TRUE;
}

void
gs_store_set_insert_hook(GsStore *self,
			 GsStoreInsertHook hook,
			 gpointer user_data,
			 GDestroyNotify destroy)
{
	g_return_if_fail(GS_IS_STORE(self));
	if (self->hook_destroy != NULL)
		self->hook_destroy(self->hook_data);
	self->hook = hook;
	self->hook_data = user_data;
	self->hook_destroy = destroy;
}

/* health and accessors ------------------------------------------------------------------------ */

/* codes after which the file or the disk, not the request, is at fault */
static gboolean
gs_store_errcode_is_fatal(gint errcode)
{
	switch (errcode & 0xff) {
	case SQLITE_IOERR:
	case SQLITE_CORRUPT:
	case SQLITE_FULL:
	case SQLITE_NOTADB:
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
		return TRUE;
	default:
		return FALSE;
	}
}

gsize
gs_store_release_memory(GsStore *self)
{
	gint before = 0, after = 0, unused = 0;

	g_return_val_if_fail(GS_IS_STORE(self), 0);
	/* the page cache's own count: sqlite3_memory_used() needs the statistics turned off in
	 * gs_store_sqlite_init() */
	sqlite3_db_status(self->db, SQLITE_DBSTATUS_CACHE_USED, &before, &unused, FALSE);
	sqlite3_db_release_memory(self->db);
	sqlite3_db_status(self->db, SQLITE_DBSTATUS_CACHE_USED, &after, &unused, FALSE);
	return before > after ? (gsize)(before - after) : 0;
}

gboolean
gs_store_check_health(GsStore *self, GError **error)
{
	sqlite3_stmt *stmt;
	gboolean found = FALSE;

	g_return_val_if_fail(GS_IS_STORE(self), FALSE);
	if (gs_store_errcode_is_fatal(self->write_errcode)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_STORE,
			    "the last write to %s failed: %s",
			    self->path,
			    sqlite3_errstr(self->write_errcode));
		return FALSE;
	}
	stmt = gs_store_stmt(self, GS_STORE_STMT_HEALTH);
	if (!gs_store_step_row(self, stmt, &found, error))
		return FALSE;
	sqlite3_reset(stmt);
	return TRUE;
}

const gchar *
gs_store_get_path(GsStore *self)
{
	g_return_val_if_fail(GS_IS_STORE(self), NULL);
	return self->path;
}

guint
gs_store_get_schema_version(GsStore *self)
{
	g_return_val_if_fail(GS_IS_STORE(self), 0);
	return self->schema_version;
}

const guint8 *
gs_store_get_tag_secret(GsStore *self)
{
	return self->tag_secret;
}

GsStoreIds *
gs_store_get_ids(GsStore *self)
{
	return self->ids;
}

sqlite3 *
gs_store_get_db(GsStore *self)
{
	g_return_val_if_fail(GS_IS_STORE(self), NULL);
	return self->db;
}

/* opening ------------------------------------------------------------------------------------- */

/* the writer's wait for a lock: SQLite's own busy timeout sleeps 1, 2, 5, ... 25, 50, 100 ms,
 * so a lock held for 150 ms (the checkpoint thread's RESTART syncing the database) kept the
 * writer asleep for 180 ms; steps of 1 ms wake it within a millisecond of the lock's release */
static gint
gs_store_busy_cb(gpointer user_data, gint count)
{
	if ((gint64)count * GS_STORE_BUSY_STEP_USEC >= GS_STORE_BUSY_TIMEOUT_MS * 1000)
		return 0;
	g_usleep(GS_STORE_BUSY_STEP_USEC);
	return 1;
}

/* the database's page size: GS_STORE_PAGE_SIZE for a new one, whatever it was made with for
 * an existing one */
static guint
gs_store_page_size(GsStore *self)
{
	gint64 size = 0;

	if (!gs_store_sql_query_int(self->db, "PRAGMA page_size", &size, NULL) || size <= 0)
		return 4096;
	return (guint)size;
}

static gboolean
gs_store_set_autocheckpoint(GsStore *self, GError **error)
{
	g_autofree gchar *sql =
		g_strdup_printf("PRAGMA wal_autocheckpoint = %u",
				GS_STORE_AUTOCHECKPOINT_BYTES / gs_store_page_size(self));
	return gs_store_sql_exec(self->db, sql, error);
}

/*
 * WAL with synchronous=NORMAL: a commit appends to the WAL without an fsync; the WAL is synced
 * at checkpoints. Every committed transaction survives a crash of this process (the data is in
 * the kernel's page cache), and the database is never corrupted; only an OS crash or power cut
 * can roll back the last commits. Those events are still on the relays and the next sync fetches
 * them again, so an fsync per batch would buy little and cost most of the insert rate.
 */
static gboolean
gs_store_configure(GsStore *self, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = NULL;
	const gchar *mode;

	sqlite3_busy_handler(self->db, gs_store_busy_cb, NULL);
	/* before the switch to WAL: a new database takes its page size from its first write */
	if (!gs_store_sql_exec(
		    self->db, "PRAGMA page_size = " G_STRINGIFY(GS_STORE_PAGE_SIZE), error))
		return FALSE;
	stmt = gs_store_sql_prepare(self->db, "PRAGMA journal_mode = WAL", FALSE, error);
	if (stmt == NULL)
		return FALSE;
	if (sqlite3_step(stmt) != SQLITE_ROW)
		return gs_store_sql_error(self->db, "failed to switch to WAL", error);
	mode = (const gchar *)sqlite3_column_text(stmt, 0);
	if (g_strcmp0(mode, "wal") != 0 && g_strcmp0(self->path, ":memory:") != 0) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_STORE,
			    "the journal mode is %s, not wal",
			    mode != NULL ? mode : "unknown");
		return FALSE;
	}
	/* a larger page cache keeps the random-key index pages of a batch in memory (measured
	 * with bench/gs-store-bench: 26k -> 35k events/s at 100k stored events). Checkpointing
	 * every 10,000 WAL pages (~40 MB) instead of 1,000 copies an index page written by many
	 * batches once rather than once per few batches: -10 % CPU and -25 % wall time per
	 * inserted event in batches of 200-500 (bench/ingest.c data, 50k events). The checkpoints
	 * themselves run on another thread (gs_store_start_checkpointer()); this setting is the
	 * fallback when that thread cannot start */
	g_clear_pointer(&stmt, sqlite3_finalize);
	if (!gs_store_sql_exec(self->db,
			       "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; "
			       "PRAGMA cache_size = -65536",
			       error))
		return FALSE;
	return gs_store_set_autocheckpoint(self, error);
}

/* once per process, before SQLite is first used: no global memory statistics (a mutex taken
 * by every allocation SQLite makes: 2 % of the instructions of an insert). Too late when
 * something else in the process used SQLite first; that only costs the mutex. */
static void
gs_store_sqlite_init(void)
{
	static gsize done = 0;

	if (g_once_init_enter(&done)) {
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		g_once_init_leave(&done, 1);
	}
}

/* No SQLITE_DBCONFIG_LOOKASIDE: Debian's SQLite is built with SQLITE_OMIT_LOOKASIDE, so every
 * allocation of a statement goes to malloc whatever is configured (the setting was accepted
 * and ignored). */

/* the key of the tags index hash (gs_store_sql_tag_key()), made once per database; a second
 * process opening a new database at the same time keeps whichever secret was written first */
static gboolean
gs_store_load_tag_secret(GsStore *self, GError **error)
{
	g_autoptr(sqlite3_stmt) insert = NULL;
	g_autoptr(sqlite3_stmt) select = NULL;
	guint8 fresh[GS_STORE_TAG_SECRET_SIZE];

	if (getrandom(fresh, sizeof(fresh), 0) != (gssize)sizeof(fresh)) {
		g_set_error(
			error, GS_ERROR, GS_ERROR_STORE, "no random bytes: %s", g_strerror(errno));
		return FALSE;
	}
	insert = gs_store_sql_prepare(self->db,
				      "INSERT OR IGNORE INTO meta (name, value) "
				      "VALUES ('tag-secret', ?1)",
				      FALSE,
				      error);
	if (insert == NULL)
		return FALSE;
	sqlite3_bind_blob(insert, 1, fresh, sizeof(fresh), SQLITE_STATIC);
	if (!gs_store_sql_step_done(self->db, insert, "failed to write the tag secret", error))
		return FALSE;
	select = gs_store_sql_prepare(
		self->db, "SELECT value FROM meta WHERE name = 'tag-secret'", FALSE, error);
	if (select == NULL)
		return FALSE;
	if (sqlite3_step(select) != SQLITE_ROW ||
	    sqlite3_column_bytes(select, 0) != GS_STORE_TAG_SECRET_SIZE) {
		g_set_error_literal(error, GS_ERROR, GS_ERROR_STORE, "the tag secret is damaged");
		return FALSE;
	}
	memcpy(self->tag_secret, sqlite3_column_blob(select, 0), GS_STORE_TAG_SECRET_SIZE);
	return TRUE;
}

static gboolean
gs_store_prepare_all(GsStore *self, GError **error)
{
	for (guint i = 0; i < GS_STORE_STMT_LAST; i++) {
		self->stmts[i] = gs_store_sql_prepare(self->db, gs_store_stmt_sql[i], TRUE, error);
		if (self->stmts[i] == NULL)
			return FALSE;
	}
	return TRUE;
}

/* checkpoints on a thread of their own (gs-store-checkpoint.c); without it, the writer's
 * automatic checkpoints set in gs_store_configure() stay */
static void
gs_store_start_checkpointer(GsStore *self)
{
	g_autoptr(GError) error = NULL;

	if (g_strcmp0(self->path, ":memory:") == 0)
		return;
	self->checkpointer = gs_store_checkpointer_new(
		self->db, self->path, GS_STORE_CHECKPOINT_BYTES / gs_store_page_size(self), &error);
	if (self->checkpointer == NULL)
		g_warning("checkpoints stay on the writer: %s", error->message);
}

void
gs_store_set_checkpoint_threshold(GsStore *self, guint pages)
{
	if (self->checkpointer != NULL)
		gs_store_checkpointer_set_threshold(self->checkpointer, pages);
}

guint
gs_store_get_checkpoint_runs(GsStore *self)
{
	return self->checkpointer != NULL ? gs_store_checkpointer_get_runs(self->checkpointer) : 0;
}

guint
gs_store_get_checkpoint_restarts(GsStore *self)
{
	return self->checkpointer != NULL ? gs_store_checkpointer_get_restarts(self->checkpointer)
					  : 0;
}

static gboolean
gs_store_open(GsStore *self, GError **error)
{
	gint flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
		     SQLITE_OPEN_EXRESCODE;

	gs_store_sqlite_init();
	if (sqlite3_open_v2(self->path, &self->db, flags, NULL) != SQLITE_OK ||
	    !gs_store_configure(self, error) ||
	    !gs_store_schema_migrate(self->db, self->path, &self->schema_version, error) ||
	    !gs_store_load_tag_secret(self, error) || !gs_store_prepare_all(self, error)) {
		if (error != NULL && *error == NULL)
			gs_store_sql_error(self->db, "failed to open the database", error);
		g_prefix_error(error, "cannot use store %s: ", self->path);
		return FALSE;
	}
	gs_store_start_checkpointer(self);
	g_debug("opened %s, schema version %u", self->path, self->schema_version);
	return TRUE;
}

/* GObject ------------------------------------------------------------------------------------- */

static void
gs_store_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	GsStore *self = GS_STORE(object);
	switch (prop_id) {
	case PROP_PATH:
		g_value_set_string(value, self->path);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
gs_store_set_property(GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
	GsStore *self = GS_STORE(object);
	switch (prop_id) {
	case PROP_PATH:
		g_free(self->path);
		self->path = g_value_dup_string(value);
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
gs_store_finalize(GObject *object)
{
	GsStore *self = GS_STORE(object);

	if (self->hook_destroy != NULL)
		self->hook_destroy(self->hook_data);
	/* before the writer closes: its close checkpoints the rest and removes the log */
	gs_store_checkpointer_free(g_steal_pointer(&self->checkpointer), self->db);
	gs_store_ids_free(self->ids);
	for (guint i = 0; i < GS_STORE_STMT_LAST; i++)
		sqlite3_finalize(self->stmts[i]);
	for (guint i = 0; i < GS_STORE_TAG_STMTS; i++)
		sqlite3_finalize(self->tag_stmts[i]);
	g_array_unref(self->pending_tags);
	if (self->db != NULL && sqlite3_close(self->db) != SQLITE_OK)
		g_warning("failed to close %s: %s", self->path, sqlite3_errmsg(self->db));
	g_free(self->path);
	G_OBJECT_CLASS(gs_store_parent_class)->finalize(object);
}

static void
gs_store_class_init(GsStoreClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->get_property = gs_store_get_property;
	object_class->set_property = gs_store_set_property;
	object_class->finalize = gs_store_finalize;

	gs_store_props[PROP_PATH] = g_param_spec_string("path",
							NULL,
							NULL,
							NULL,
							G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
								G_PARAM_STATIC_STRINGS);
	g_object_class_install_properties(object_class, PROP_LAST, gs_store_props);

	/* GsStore::event-stored: see gs-store.h; emitted after COMMIT, in insertion order. It
	 * fires once per stored event, so it has a typed marshaller (the generic one goes through
	 * libffi) and passes the event without copying it (handlers that keep it take a ref) */
	gs_store_signals[SIGNAL_EVENT_STORED] =
		g_signal_new("event-stored",
			     G_TYPE_FROM_CLASS(klass),
			     G_SIGNAL_RUN_LAST,
			     0,
			     NULL,
			     NULL,
			     g_cclosure_marshal_VOID__BOXED,
			     G_TYPE_NONE,
			     1,
			     GS_TYPE_EVENT | G_SIGNAL_TYPE_STATIC_SCOPE);
	g_signal_set_va_marshaller(gs_store_signals[SIGNAL_EVENT_STORED],
				   G_TYPE_FROM_CLASS(klass),
				   g_cclosure_marshal_VOID__BOXEDv);
}

static void
gs_store_init(GsStore *self)
{
	self->ids = gs_store_ids_new();
	self->pending_tags = g_array_new(FALSE, FALSE, sizeof(GsStoreTagRow));
}

GsStore *
gs_store_new(const gchar *path, GError **error)
{
	g_autoptr(GsStore) self = NULL;

	g_return_val_if_fail(path != NULL, NULL);
	self = g_object_new(GS_TYPE_STORE, "path", path, NULL);
	if (!gs_store_open(self, error))
		return NULL;
	return g_steal_pointer(&self);
}
