/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsHome"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-home-outbox.h"

typedef enum {
	GS_HOME_STMT_ADD,
	GS_HOME_STMT_BEGIN,
	GS_HOME_STMT_COMMIT,
	GS_HOME_STMT_ROLLBACK,
	GS_HOME_STMT_LOAD_DUE,
	GS_HOME_STMT_REMOVE,
	GS_HOME_STMT_SET_RESULT,
	GS_HOME_STMT_REQUEUE,
	GS_HOME_STMT_SECOND_CHANCE,
	GS_HOME_STMT_COUNT_REFUSED,
	GS_HOME_STMT_COUNT_ALL,
	GS_HOME_STMT_OLDEST,
	GS_HOME_STMT_NEXT_RETRY,
	GS_HOME_STMT_REFUSED,
	GS_HOME_STMT_LAST
} GsHomeStmt;

/* the condition of the partial index home_outbox_due (schema 6), named in every query that
 * should use it: SQLite takes a partial index only when the query's WHERE contains it */
#define GS_HOME_OUTBOX_INDEXED "(state != 0 OR next_retry != 0)"

/*
 * LOAD_DUE walks the rows in storing order from the cursor (a range of the integer key);
 * without NOT INDEXED SQLite prefers home_outbox_due and sorts every pending row per call.
 *
 * A row whose number is reused by another event (the old one was removed) is taken over by
 * the new event with a fresh history; re-adding the same event changes nothing, so a refused
 * event stays refused and a pending one keeps its schedule.
 */
static const gchar *const gs_home_outbox_sql[GS_HOME_STMT_LAST] = {
	[GS_HOME_STMT_ADD] =
		"INSERT INTO home_outbox (event, id, queued_at) VALUES (?1, ?2, ?3) "
		"ON CONFLICT (event) DO UPDATE SET id = excluded.id, "
		"queued_at = excluded.queued_at, state = 0, attempts = 0, last_result = NULL, "
		"next_retry = 0 WHERE home_outbox.id != excluded.id",
	[GS_HOME_STMT_BEGIN] = "BEGIN IMMEDIATE",
	[GS_HOME_STMT_COMMIT] = "COMMIT",
	[GS_HOME_STMT_ROLLBACK] = "ROLLBACK",
	[GS_HOME_STMT_LOAD_DUE] = "SELECT o.event, o.id, o.attempts, e.json "
				  "FROM home_outbox o NOT INDEXED "
				  "LEFT JOIN events e ON e.seq = o.event AND e.id = o.id "
				  "WHERE o.event > ?1 AND o.state = 0 AND o.next_retry <= ?2 "
				  "ORDER BY o.event LIMIT ?3",
	[GS_HOME_STMT_REMOVE] = "DELETE FROM home_outbox WHERE event = ?1 AND id = ?2",
	[GS_HOME_STMT_SET_RESULT] = "UPDATE home_outbox SET state = ?3, attempts = ?4, "
				    "last_result = ?5, next_retry = ?6 "
				    "WHERE event = ?1 AND id = ?2",
	[GS_HOME_STMT_REQUEUE] =
		"UPDATE home_outbox SET state = 0, next_retry = 0 "
		"WHERE " GS_HOME_OUTBOX_INDEXED " AND state = 1 AND next_retry <= ?1",
	[GS_HOME_STMT_SECOND_CHANCE] =
		"UPDATE home_outbox SET state = 0, next_retry = 0 "
		"WHERE " GS_HOME_OUTBOX_INDEXED " AND state = 1 AND attempts = 1 "
		"AND coalesce(last_result, '') NOT LIKE 'auth-required:%'",
	[GS_HOME_STMT_COUNT_REFUSED] =
		"SELECT count(*) FROM home_outbox WHERE " GS_HOME_OUTBOX_INDEXED " AND state = 1",
	[GS_HOME_STMT_COUNT_ALL] = "SELECT count(*) FROM home_outbox",
	[GS_HOME_STMT_OLDEST] = "SELECT min(queued_at) FROM home_outbox WHERE state = 0",
	/* ?1 is a time (>= 0): a row due at once (next_retry 0) is not what it looks for */
	[GS_HOME_STMT_NEXT_RETRY] =
		"SELECT min(next_retry) FROM home_outbox "
		"WHERE " GS_HOME_OUTBOX_INDEXED " AND state = 0 AND next_retry > ?1",
	[GS_HOME_STMT_REFUSED] =
		"SELECT event, id, attempts, last_result, next_retry FROM home_outbox "
		"WHERE " GS_HOME_OUTBOX_INDEXED " AND state = 1 ORDER BY event LIMIT ?1",
};

struct _GsHomeOutbox {
	sqlite3 *db;
	sqlite3_stmt *stmts[GS_HOME_STMT_LAST];
};

void
gs_home_outbox_entry_free(GsHomeOutboxEntry *entry)
{
	g_free(entry->message);
	g_free(entry->last_result);
	g_free(entry);
}

static gboolean
gs_home_outbox_fail(GsHomeOutbox *self, const gchar *what, GError **error)
{
	g_set_error(error,
		    GS_ERROR,
		    GS_ERROR_STORE,
		    "home outbox: failed to %s: %s",
		    what,
		    sqlite3_errmsg(self->db));
	return FALSE;
}

static sqlite3_stmt *
gs_home_outbox_stmt(GsHomeOutbox *self, GsHomeStmt which)
{
	sqlite3_stmt *stmt = self->stmts[which];
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return stmt;
}

/* steps a statement that returns no rows, then resets it */
static gboolean
gs_home_outbox_step_done(GsHomeOutbox *self, sqlite3_stmt *stmt, const gchar *what, GError **error)
{
	gint rc = sqlite3_step(stmt);

	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE)
		return gs_home_outbox_fail(self, what, error);
	return TRUE;
}

/* a one-number query; -1 when it fails (logged: used for figures only) */
static gint64
gs_home_outbox_query_number(GsHomeOutbox *self, sqlite3_stmt *stmt)
{
	gint64 value = -1;
	gint rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW)
		value = sqlite3_column_type(stmt, 0) == SQLITE_NULL ? 0
								    : sqlite3_column_int64(stmt, 0);
	else
		g_warning("home outbox: query failed: %s", sqlite3_errmsg(self->db));
	sqlite3_reset(stmt);
	return value;
}

/* the row's id column (a 32-byte blob), raw and as hex; FALSE for a damaged row */
static gboolean
gs_home_outbox_column_id(sqlite3_stmt *stmt, gint col, GsHomeOutboxEntry *entry)
{
	if (sqlite3_column_bytes(stmt, col) != 32)
		return FALSE;
	memcpy(entry->id_raw, sqlite3_column_blob(stmt, col), 32);
	gs_hex_encode_to(entry->id_raw, 32, entry->id);
	entry->id[64] = '\0';
	return TRUE;
}

/**
 * gs_home_outbox_add:
 * @seq: the event's row number (`events.seq`)
 * @id: the event id, raw 32 bytes
 * @now: the queueing time
 * @added: (out) (optional): %TRUE when a row was written, %FALSE when the event was queued
 *   already (pending or refused: then nothing changes)
 *
 * Queues an event. Runs inside the caller's transaction (the store's insert, or
 * gs_home_outbox_begin()).
 */
gboolean
gs_home_outbox_add(GsHomeOutbox *self,
		   gint64 seq,
		   const guint8 *id,
		   gint64 now,
		   gboolean *added,
		   GError **error)
{
	sqlite3_stmt *stmt = gs_home_outbox_stmt(self, GS_HOME_STMT_ADD);

	sqlite3_bind_int64(stmt, 1, seq);
	sqlite3_bind_blob(stmt, 2, id, 32, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, now);
	if (!gs_home_outbox_step_done(self, stmt, "queue an event", error))
		return FALSE;
	if (added != NULL)
		*added = sqlite3_changes(self->db) > 0;
	return TRUE;
}

/* one transaction for many results (an OK round, a reconciliation's findings) */
gboolean
gs_home_outbox_begin(GsHomeOutbox *self, GError **error)
{
	return gs_home_outbox_step_done(
		self, gs_home_outbox_stmt(self, GS_HOME_STMT_BEGIN), "begin", error);
}

gboolean
gs_home_outbox_commit(GsHomeOutbox *self, GError **error)
{
	return gs_home_outbox_step_done(
		self, gs_home_outbox_stmt(self, GS_HOME_STMT_COMMIT), "commit", error);
}

void
gs_home_outbox_rollback(GsHomeOutbox *self)
{
	if (sqlite3_get_autocommit(self->db))
		return; /* SQLite rolled back already */
	if (!gs_home_outbox_step_done(
		    self, gs_home_outbox_stmt(self, GS_HOME_STMT_ROLLBACK), "roll back", NULL))
		g_warning("home outbox: failed to roll back: %s", sqlite3_errmsg(self->db));
}

static GsHomeOutboxEntry *
gs_home_outbox_entry_from_row(sqlite3_stmt *stmt)
{
	g_autoptr(GsHomeOutboxEntry) entry = g_new0(GsHomeOutboxEntry, 1);

	entry->seq = sqlite3_column_int64(stmt, 0);
	if (!gs_home_outbox_column_id(stmt, 1, entry))
		return NULL;
	entry->attempts = (guint)CLAMP(sqlite3_column_int64(stmt, 2), 0, G_MAXUINT);
	return g_steal_pointer(&entry);
}

/* the `["EVENT",<json>]` message of the event JSON in column @col, built with one copy */
static void
gs_home_outbox_entry_set_message(GsHomeOutboxEntry *entry, sqlite3_stmt *stmt, gint col)
{
	static const gchar head[] = "[\"EVENT\",";
	const gchar *json = (const gchar *)sqlite3_column_text(stmt, col);
	gsize len = (gsize)sqlite3_column_bytes(stmt, col);
	gchar *message;

	if (json == NULL)
		return;
	message = g_malloc(sizeof(head) - 1 + len + 2);
	memcpy(message, head, sizeof(head) - 1);
	memcpy(message + sizeof(head) - 1, json, len);
	message[sizeof(head) - 1 + len] = ']';
	message[sizeof(head) + len] = '\0';
	entry->message = message;
	entry->message_len = sizeof(head) + len;
}

/**
 * gs_home_outbox_load_due:
 * @after: only rows after this row number (the delivery cursor); 0 for all
 * @now: rows whose next retry time is later are not due
 * @max: the most rows to return
 *
 * Returns: (transfer full) (element-type GsHomeOutboxEntry): the pending rows that are due,
 *   in storing order, each with its `EVENT` message; %NULL with %GS_ERROR_STORE on failure
 */
GPtrArray *
gs_home_outbox_load_due(GsHomeOutbox *self, gint64 after, gint64 now, guint max, GError **error)
{
	sqlite3_stmt *stmt = gs_home_outbox_stmt(self, GS_HOME_STMT_LOAD_DUE);
	g_autoptr(GPtrArray) entries =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_home_outbox_entry_free);
	gint rc;

	sqlite3_bind_int64(stmt, 1, after);
	sqlite3_bind_int64(stmt, 2, now);
	sqlite3_bind_int64(stmt, 3, max);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		GsHomeOutboxEntry *entry = gs_home_outbox_entry_from_row(stmt);
		if (entry == NULL) {
			g_warning("home outbox: row %" G_GINT64_FORMAT " has a damaged id",
				  (gint64)sqlite3_column_int64(stmt, 0));
			continue;
		}
		if (sqlite3_column_type(stmt, 3) != SQLITE_NULL)
			gs_home_outbox_entry_set_message(entry, stmt, 3);
		g_ptr_array_add(entries, entry);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		gs_home_outbox_fail(self, "read due events", error);
		return NULL;
	}
	return g_steal_pointer(&entries);
}

/**
 * gs_home_outbox_remove:
 * @id: the event id, raw 32 bytes
 * @removed: (out) (optional): %FALSE when the row was gone or belongs to another event now
 *
 * Home has the event (OK true, or a duplicate), or the event is no longer stored.
 */
gboolean
gs_home_outbox_remove(GsHomeOutbox *self,
		      gint64 seq,
		      const guint8 *id,
		      gboolean *removed,
		      GError **error)
{
	sqlite3_stmt *stmt = gs_home_outbox_stmt(self, GS_HOME_STMT_REMOVE);

	sqlite3_bind_int64(stmt, 1, seq);
	sqlite3_bind_blob(stmt, 2, id, 32, SQLITE_STATIC);
	if (!gs_home_outbox_step_done(self, stmt, "remove a delivered event", error))
		return FALSE;
	if (removed != NULL)
		*removed = sqlite3_changes(self->db) > 0;
	return TRUE;
}

/**
 * gs_home_outbox_set_result:
 * @id: the event id, raw 32 bytes
 * @state: pending (a retry at @next_retry) or refused
 * @result: (nullable): what home said, or why it is retried
 *
 * Records a delivery that did not succeed.
 */
gboolean
gs_home_outbox_set_result(GsHomeOutbox *self,
			  gint64 seq,
			  const guint8 *id,
			  GsHomeOutboxState state,
			  guint attempts,
			  const gchar *result,
			  gint64 next_retry,
			  GError **error)
{
	sqlite3_stmt *stmt = gs_home_outbox_stmt(self, GS_HOME_STMT_SET_RESULT);

	sqlite3_bind_int64(stmt, 1, seq);
	sqlite3_bind_blob(stmt, 2, id, 32, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 3, state);
	sqlite3_bind_int64(stmt, 4, attempts);
	if (result != NULL)
		sqlite3_bind_text(stmt, 5, result, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 6, next_retry);
	return gs_home_outbox_step_done(self, stmt, "record a delivery result", error);
}

/**
 * gs_home_outbox_requeue_refused:
 * @due_before: refused rows whose retry time is at or before this go back to pending;
 *   %G_MAXINT64 for all of them (`RetryHomeRefused`)
 * @n_requeued: (out) (optional): how many
 */
gboolean
gs_home_outbox_requeue_refused(GsHomeOutbox *self,
			       gint64 due_before,
			       guint *n_requeued,
			       GError **error)
{
	sqlite3_stmt *stmt = gs_home_outbox_stmt(self, GS_HOME_STMT_REQUEUE);

	sqlite3_bind_int64(stmt, 1, due_before);
	if (!gs_home_outbox_step_done(self, stmt, "requeue refused events", error))
		return FALSE;
	if (n_requeued != NULL)
		*n_requeued = (guint)sqlite3_changes(self->db);
	return TRUE;
}

/**
 * gs_home_outbox_requeue_first_refusals:
 * @n_requeued: (out) (optional): how many
 *
 * Refused rows that were refused once only go back to pending: the one second chance a
 * refusal gets, since an event that reached home before the one it depends on is refused
 * for a reason that goes away. Not `auth-required:` ones: AUTH failed already.
 */
gboolean
gs_home_outbox_requeue_first_refusals(GsHomeOutbox *self, guint *n_requeued, GError **error)
{
	sqlite3_stmt *stmt = gs_home_outbox_stmt(self, GS_HOME_STMT_SECOND_CHANCE);

	if (!gs_home_outbox_step_done(self, stmt, "requeue refused events", error))
		return FALSE;
	if (n_requeued != NULL)
		*n_requeued = (guint)sqlite3_changes(self->db);
	return TRUE;
}

/*
 * rows in @state (pending includes those in flight); -1 on failure. Pending rows are all rows
 * but the refused ones: SQLite counts a whole table by its pages' cell counts, without
 * reading the rows a `state = 0` range would (the outbox counts are refreshed every second
 * while a backlog of perhaps a million rows drains)
 */
gint64
gs_home_outbox_count(GsHomeOutbox *self, GsHomeOutboxState state)
{
	sqlite3_stmt *stmt = gs_home_outbox_stmt(self, GS_HOME_STMT_COUNT_REFUSED);
	gint64 refused = gs_home_outbox_query_number(self, stmt);
	gint64 all;

	if (state == GS_HOME_OUTBOX_REFUSED || refused < 0)
		return refused;
	all = gs_home_outbox_query_number(self, gs_home_outbox_stmt(self, GS_HOME_STMT_COUNT_ALL));
	return all < 0 ? -1 : all - refused;
}

/* the queueing time of the oldest pending row; 0 when none is pending, -1 on failure */
gint64
gs_home_outbox_get_oldest_queued(GsHomeOutbox *self)
{
	return gs_home_outbox_query_number(self, gs_home_outbox_stmt(self, GS_HOME_STMT_OLDEST));
}

/* the earliest retry time of a pending row later than @after; 0 when none, -1 on failure */
gint64
gs_home_outbox_get_next_retry(GsHomeOutbox *self, gint64 after)
{
	sqlite3_stmt *stmt = gs_home_outbox_stmt(self, GS_HOME_STMT_NEXT_RETRY);
	/* a time: rows due at once (next_retry 0) are never later than it */
	sqlite3_bind_int64(stmt, 1, MAX(after, 0));
	return gs_home_outbox_query_number(self, stmt);
}

/**
 * gs_home_outbox_dup_refused:
 * @max: the most rows to return
 *
 * Returns: (transfer full) (element-type GsHomeOutboxEntry): the refused rows in storing
 *   order, with their reason in @last_result; %NULL with %GS_ERROR_STORE on failure
 */
GPtrArray *
gs_home_outbox_dup_refused(GsHomeOutbox *self, guint max, GError **error)
{
	sqlite3_stmt *stmt = gs_home_outbox_stmt(self, GS_HOME_STMT_REFUSED);
	g_autoptr(GPtrArray) entries =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_home_outbox_entry_free);
	gint rc;

	sqlite3_bind_int64(stmt, 1, max);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		GsHomeOutboxEntry *entry = gs_home_outbox_entry_from_row(stmt);
		if (entry == NULL)
			continue;
		entry->last_result = g_strdup((const gchar *)sqlite3_column_text(stmt, 3));
		entry->next_retry = sqlite3_column_int64(stmt, 4);
		g_ptr_array_add(entries, entry);
	}
	sqlite3_reset(stmt);
	if (rc != SQLITE_DONE) {
		gs_home_outbox_fail(self, "read refused events", error);
		return NULL;
	}
	return g_steal_pointer(&entries);
}

/**
 * gs_home_outbox_new:
 * @db: the store's connection (gs_store_get_db()), migrated to schema 3 or later
 *
 * Returns: (transfer full) (nullable): the outbox, or %NULL with %GS_ERROR_STORE when the
 *   table is missing or a statement cannot be prepared
 */
GsHomeOutbox *
gs_home_outbox_new(sqlite3 *db, GError **error)
{
	g_autoptr(GsHomeOutbox) self = g_new0(GsHomeOutbox, 1);

	self->db = db;
	for (guint i = 0; i < GS_HOME_STMT_LAST; i++) {
		if (sqlite3_prepare_v3(db,
				       gs_home_outbox_sql[i],
				       -1,
				       SQLITE_PREPARE_PERSISTENT,
				       &self->stmts[i],
				       NULL) != SQLITE_OK) {
			gs_home_outbox_fail(self, "prepare its statements", error);
			return NULL;
		}
	}
	return g_steal_pointer(&self);
}

void
gs_home_outbox_free(GsHomeOutbox *self)
{
	for (guint i = 0; i < GS_HOME_STMT_LAST; i++)
		sqlite3_finalize(self->stmts[i]);
	g_free(self);
}
