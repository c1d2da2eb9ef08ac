/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsStore, one event's part of a write transaction: NIP-01 replaceable and addressable rules,
 * NIP-09 deletions, and the rows of an event. The transaction itself is in gs-store.c. */

#define G_LOG_DOMAIN "GsStore"

#include "config.h"

#include <string.h>

#include "gs-hex.h"
#include "gs-store-private.h"
#include "gs-store-sql.h"

static void
gs_store_bind_text(sqlite3_stmt *stmt, gint idx, const gchar *text)
{
	sqlite3_bind_text(stmt, idx, text, -1, SQLITE_STATIC);
}

/* the replaceable/addressable key's d: "" for replaceable kinds, the d tag for addressable ones,
 * NULL for every other kind */
const gchar *
gs_store_event_key_d(const GsEvent *event)
{
	guint kind = gs_event_get_kind(event);
	if (gs_kind_is_replaceable(kind))
		return "";
	if (gs_kind_is_addressable(kind))
		return gs_event_get_d_tag(event);
	return NULL;
}

static sqlite3_stmt *
gs_store_stmt_address(GsStore *self,
		      GsStoreStmt which,
		      guint kind,
		      const guint8 *pk,
		      const gchar *d)
{
	sqlite3_stmt *stmt = gs_store_stmt(self, which);
	sqlite3_bind_int64(stmt, 1, kind);
	gs_store_sql_bind_blob32(stmt, 2, pk);
	gs_store_bind_text(stmt, 3, d);
	return stmt;
}

/* removing ------------------------------------------------------------------------------------ */

/* marks the tags rows of @seq still waiting in this transaction (rows are appended in the order
 * of their events' seq) removed; returns whether there were any. A run of removed rows at the
 * end goes, so that a seq SQLite hands out again (the largest one, once removed) comes after
 * every row left and the order holds. */
static gboolean
gs_store_remove_pending_tags(GsStore *self, gint64 seq)
{
	GArray *pending = gs_store_get_pending_tags(self);
	GsStoreTagRow *rows = (GsStoreTagRow *)pending->data;
	guint lo = 0, hi = pending->len;
	gboolean found = FALSE;

	while (lo < hi) {
		guint mid = lo + (hi - lo) / 2;
		if (rows[mid].event < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (guint i = lo; i < pending->len && rows[i].event == seq; i++) {
		rows[i].removed = TRUE;
		found = TRUE;
	}
	while (pending->len > 0 && rows[pending->len - 1].removed)
		g_array_set_size(pending, pending->len - 1);
	return found;
}

/* deletes the event row @seq and its tags rows (@keys: its tag_keys, 8 bytes a key) */
static gboolean
gs_store_remove_event(GsStore *self, gint64 seq, GBytes *keys, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(keys, &len);
	sqlite3_stmt *stmt;

	/* an event stored by this transaction has its rows waiting, not in the table */
	if (gs_store_remove_pending_tags(self, seq))
		len = 0;
	for (gsize off = 0; off + 8 <= len; off += 8) {
		stmt = gs_store_stmt(self, GS_STORE_STMT_DELETE_TAG);
		sqlite3_bind_int64(stmt, 1, gs_store_sql_key8(data + off));
		sqlite3_bind_int64(stmt, 2, seq);
		if (!gs_store_step_done(self, stmt, error))
			return FALSE;
	}
	stmt = gs_store_stmt(self, GS_STORE_STMT_DELETE_SEQ);
	sqlite3_bind_int64(stmt, 1, seq);
	return gs_store_step_done(self, stmt, error);
}

/* the row @stmt stands on: column 0 is seq, 1 tag_keys */
static GBytes *
gs_store_row_keys(sqlite3_stmt *stmt, gint64 *seq)
{
	*seq = sqlite3_column_int64(stmt, 0);
	return g_bytes_new(sqlite3_column_blob(stmt, 1), sqlite3_column_bytes(stmt, 1));
}

/* deletes every event @select (bound, kept bound by the resets) returns; the select is run
 * again after each removal rather than held open across writes to the same table */
static gboolean
gs_store_remove_selected(GsStore *self, sqlite3_stmt *select, GError **error)
{
	for (;;) {
		g_autoptr(GBytes) keys = NULL;
		gboolean found = FALSE;
		gint64 seq;

		if (!gs_store_step_row(self, select, &found, error))
			return FALSE;
		if (!found) {
			sqlite3_reset(select);
			return TRUE;
		}
		keys = gs_store_row_keys(select, &seq);
		sqlite3_reset(select);
		if (!gs_store_remove_event(self, seq, keys, error))
			return FALSE;
	}
}

/* classifying --------------------------------------------------------------------------------- */

/* NIP-09: an address deleted up to T refuses versions with created_at <= T (no lookup while no
 * address is deleted) */
static gboolean
gs_store_check_deleted_address(GsStore *self,
			       const GsEvent *event,
			       const gchar *d,
			       gboolean *deleted,
			       GError **error)
{
	sqlite3_stmt *stmt;
	gboolean found = FALSE;

	if (!*gs_store_get_any_deleted_address(self)) {
		*deleted = FALSE;
		return TRUE;
	}
	stmt = gs_store_stmt_address(self,
				     GS_STORE_STMT_DELETED_UNTIL,
				     gs_event_get_kind(event),
				     gs_event_get_pubkey_raw(event),
				     d);
	if (!gs_store_step_row(self, stmt, &found, error))
		return FALSE;
	*deleted = found && gs_event_get_created_at(event) <= sqlite3_column_int64(stmt, 0);
	sqlite3_reset(stmt);
	return TRUE;
}

static gboolean
gs_store_add_superseded(GsStore *self,
			const guint8 *id,
			const GsEvent *event,
			const gchar *d,
			gint64 created_at,
			GError **error)
{
	sqlite3_stmt *stmt = gs_store_stmt(self, GS_STORE_STMT_INSERT_SUPERSEDED);

	gs_store_sql_bind_blob32(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, gs_event_get_kind(event));
	gs_store_sql_bind_blob32(stmt, 3, gs_event_get_pubkey_raw(event));
	gs_store_bind_text(stmt, 4, d);
	sqlite3_bind_int64(stmt, 5, created_at);
	return gs_store_step_done(self, stmt, error);
}

/* newer = larger created_at, or the same created_at and a lower id (NIP-01) */
static gboolean
gs_store_is_newer(gint64 created_at, const guint8 *id, const GsEvent *than)
{
	if (created_at != gs_event_get_created_at(than))
		return created_at > gs_event_get_created_at(than);
	return memcmp(id, gs_event_get_id_raw(than), 32) < 0;
}

/* the stored version of the key, if any, against @event: a newer one refuses it; an older one
 * is removed to make room. The loser is remembered as superseded either way. */
static gboolean
gs_store_resolve_address(GsStore *self,
			 const GsEvent *event,
			 const gchar *d,
			 GsStoreResult *result,
			 GError **error)
{
	sqlite3_stmt *stmt = gs_store_stmt_address(self,
						   GS_STORE_STMT_GET_ADDRESS,
						   gs_event_get_kind(event),
						   gs_event_get_pubkey_raw(event),
						   d);
	g_autoptr(GBytes) keys = NULL;
	gboolean found = FALSE;
	gint64 seq, old_created_at;
	guint8 old_id[32];

	if (!gs_store_step_row(self, stmt, &found, error))
		return FALSE;
	if (!found) {
		*result = GS_STORE_RESULT_STORED;
		return TRUE;
	}
	keys = gs_store_row_keys(stmt, &seq);
	old_created_at = sqlite3_column_int64(stmt, 3);
	if (!gs_store_sql_column_id(stmt, 2, old_id, error)) {
		sqlite3_reset(stmt);
		return FALSE;
	}
	sqlite3_reset(stmt);
	if (gs_store_is_newer(old_created_at, old_id, event)) {
		*result = GS_STORE_RESULT_REFUSED_OLDER;
		return gs_store_add_superseded(self,
					       gs_event_get_id_raw(event),
					       event,
					       d,
					       gs_event_get_created_at(event),
					       error);
	}
	*result = GS_STORE_RESULT_REPLACED;
	if (!gs_store_remove_event(self, seq, keys, error))
		return FALSE;
	return gs_store_add_superseded(self, old_id, event, d, old_created_at, error);
}

/* whether the id is stored, and whether its author deleted it (NIP-09), in one statement */
static gboolean
gs_store_check_new(GsStore *self,
		   const GsEvent *event,
		   gboolean *stored,
		   gboolean *deleted,
		   GError **error)
{
	sqlite3_stmt *stmt;
	gboolean found = FALSE;

	if (!gs_store_ids_may_contain(gs_store_get_ids(self), gs_event_get_id_raw(event))) {
		*stored = *deleted = FALSE;
		return TRUE;
	}
	stmt = gs_store_stmt(self, GS_STORE_STMT_CHECK_NEW);
	gs_store_sql_bind_key32(stmt, 1, 2, gs_event_get_id_raw(event));
	gs_store_sql_bind_blob32(stmt, 3, gs_event_get_pubkey_raw(event));
	if (!gs_store_step_row(self, stmt, &found, error))
		return FALSE;
	*stored = found && sqlite3_column_int(stmt, 0) != 0;
	*deleted = found && sqlite3_column_int(stmt, 1) != 0;
	sqlite3_reset(stmt);
	return TRUE;
}

/* decides the fate of @event: DUPLICATE, REFUSED_*, or STORED/REPLACED (room is then made) */
gboolean
gs_store_classify(GsStore *self,
		  const GsEvent *event,
		  const gchar *d,
		  GsStoreResult *result,
		  GError **error)
{
	gboolean stored = FALSE;
	gboolean deleted = FALSE;

	if (!gs_store_check_new(self, event, &stored, &deleted, error))
		return FALSE;
	if (stored) {
		*result = GS_STORE_RESULT_DUPLICATE;
		return TRUE;
	}
	/* a deletion request naming a deletion request has no effect (NIP-09) */
	if (gs_event_get_kind(event) == 5)
		deleted = FALSE;
	if (d != NULL && !deleted &&
	    !gs_store_check_deleted_address(self, event, d, &deleted, error))
		return FALSE;
	if (deleted) {
		*result = GS_STORE_RESULT_REFUSED_DELETED;
		return TRUE;
	}
	if (d == NULL) {
		*result = GS_STORE_RESULT_STORED;
		return TRUE;
	}
	return gs_store_resolve_address(self, event, d, result, error);
}

/* writing ------------------------------------------------------------------------------------- */

/* the tags index keys of @event's single-letter tags, without repeats, as big-endian bytes, into
 * @keys (GS_STORE_TAG_KEYS_ON_STACK keys) or, for more, a buffer to free; sets *@len (bytes) */
#define GS_STORE_TAG_KEYS_ON_STACK 64
static guint8 *
gs_store_event_tag_keys(GsStore *self, const GsEvent *event, guint8 *keys, gsize *len)
{
	guint n_tags = gs_event_get_n_tags(event);
	guint8 *out = n_tags <= GS_STORE_TAG_KEYS_ON_STACK ? keys : g_malloc(8 * (gsize)n_tags);

	*len = 0;
	for (guint i = 0; i < n_tags; i++) {
		const gchar *const *tag = gs_event_get_tag(event, i);
		guint64 be;
		gboolean repeat = FALSE;
		if (!g_ascii_isalpha(tag[0][0]) || tag[0][1] != '\0' || tag[1] == NULL)
			continue;
		be = GUINT64_TO_BE((guint64)gs_store_sql_tag_key(
			gs_store_get_tag_secret(self), tag[0], tag[1]));
		for (gsize off = 0; off < *len && !repeat; off += 8)
			repeat = memcmp(out + off, &be, 8) == 0;
		if (!repeat) {
			memcpy(out + *len, &be, 8);
			*len += 8;
		}
	}
	return out;
}

/* the tags rows of @seq wait for the end of the transaction: inserted then in key order, 64 to a
 * statement, SQLite spends 3,000 fewer instructions an event on them than with a statement per
 * event in its tags' order (bench/gs-store-bench --jsonl, bench/ingest's events) */
static void
gs_store_add_pending_tags(GsStore *self, gint64 seq, const guint8 *keys, gsize len)
{
	GArray *pending = gs_store_get_pending_tags(self);

	for (gsize off = 0; off + 8 <= len; off += 8) {
		GsStoreTagRow row = {.key = gs_store_sql_key8(keys + off), .event = seq};
		g_array_append_val(pending, row);
	}
}

/* a tags row to insert: the key as unsigned with its sign bit flipped, which orders as the
 * signed key does */
typedef struct {
	guint64 ukey;
	gint64 event;
} GsStoreTagSortRow;

/* sorts @rows (@n) by key, keeping the order of equal keys (their events', as added), with
 * @tmp as scratch: a radix sort, a byte a pass; glibc's qsort() took 3,700 instructions an
 * event for bench/ingest's ~4.5 rows */
static void
gs_store_sort_tag_rows(GsStoreTagSortRow *rows, GsStoreTagSortRow *tmp, gsize n)
{
	GsStoreTagSortRow *from = rows, *to = tmp;

	if (n < 2)
		return;
	for (guint shift = 0; shift < 64; shift += 8) {
		gsize count[257] = {0};
		GsStoreTagSortRow *swap;
		for (gsize i = 0; i < n; i++)
			count[((from[i].ukey >> shift) & 0xff) + 1]++;
		if (count[((from[0].ukey >> shift) & 0xff) + 1] == n)
			continue; /* every key has this byte */
		for (guint b = 1; b < 257; b++)
			count[b] += count[b - 1];
		for (gsize i = 0; i < n; i++)
			to[count[(from[i].ukey >> shift) & 0xff]++] = from[i];
		swap = from;
		from = to;
		to = swap;
	}
	if (from != rows)
		memcpy(rows, from, n * sizeof(*rows));
}

/* inserts @n (a power of two) rows from @rows */
static gboolean
gs_store_insert_tag_rows(GsStore *self, const GsStoreTagSortRow *rows, guint n, GError **error)
{
	sqlite3_stmt *stmt = gs_store_tags_stmt(self, n, error);

	if (stmt == NULL)
		return FALSE;
	for (guint i = 0; i < n; i++) {
		sqlite3_bind_int64(stmt, (gint)(2 * i + 1), (gint64)(rows[i].ukey ^ G_MININT64));
		sqlite3_bind_int64(stmt, (gint)(2 * i + 2), rows[i].event);
	}
	return gs_store_step_done(self, stmt, error);
}

/**
 * gs_store_flush_tags:
 *
 * Inserts the tags rows of the events this transaction stored (and did not remove again), in
 * key order: GS_STORE_TAGS_PER_STMT rows a statement, the rest by halves. Called before the
 * commit; the rows are gone from the list after it, whatever the outcome.
 */
gboolean
gs_store_flush_tags(GsStore *self, GError **error)
{
	GArray *pending = gs_store_get_pending_tags(self);
	const GsStoreTagRow *pend = (const GsStoreTagRow *)pending->data;
	g_autofree GsStoreTagSortRow *rows = g_new(GsStoreTagSortRow, 2 * pending->len + 1);
	guint n = 0;
	gboolean ok = TRUE;

	for (guint i = 0; i < pending->len; i++) {
		if (!pend[i].removed) {
			rows[n].ukey = (guint64)pend[i].key ^ G_MININT64;
			rows[n++].event = pend[i].event;
		}
	}
	g_array_set_size(pending, 0);
	gs_store_sort_tag_rows(rows, rows + n, n);
	for (guint done = 0, step = GS_STORE_TAGS_PER_STMT; ok && done < n; step /= 2) {
		while (ok && n - done >= step) {
			ok = gs_store_insert_tag_rows(self, rows + done, step, error);
			done += step;
		}
	}
	return ok;
}

gboolean
gs_store_write_event(GsStore *self,
		     const GsEvent *event,
		     const gchar *d,
		     gint64 *seq,
		     GError **error)
{
	/* every parameter is bound below */
	sqlite3_stmt *stmt = gs_store_stmt_rebind(self, GS_STORE_STMT_INSERT_EVENT);
	guint8 stack[8 * GS_STORE_TAG_KEYS_ON_STACK];
	gsize len = 0;
	guint8 *keys = gs_store_event_tag_keys(self, event, stack, &len);
	g_autofree guint8 *heap = keys != stack ? keys : NULL;

	gs_store_sql_bind_key32_static(stmt, 1, 2, gs_event_get_id_raw(event));
	gs_store_sql_bind_key32_static(stmt, 3, 4, gs_event_get_pubkey_raw(event));
	sqlite3_bind_int64(stmt, 5, gs_event_get_created_at(event));
	sqlite3_bind_int64(stmt, 6, gs_event_get_kind(event));
	if (d != NULL)
		gs_store_bind_text(stmt, 7, d);
	else
		sqlite3_bind_null(stmt, 7);
	if (len > 0)
		sqlite3_bind_blob(stmt, 8, keys, (gint)len, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, 8);
	sqlite3_bind_text(stmt,
			  9,
			  gs_event_get_json(event),
			  (gint)gs_event_get_json_size(event),
			  SQLITE_STATIC);
	if (!gs_store_step_done(self, stmt, error))
		return FALSE;
	*seq = sqlite3_last_insert_rowid(gs_store_get_db(self));
	gs_store_ids_add(gs_store_get_ids(self), gs_event_get_id_raw(event));
	gs_store_add_pending_tags(self, *seq, keys, len);
	if (d == NULL)
		return TRUE;
	/* a version that lost once and is current again (its successor was deleted) */
	stmt = gs_store_stmt(self, GS_STORE_STMT_DELETE_SUPERSEDED);
	gs_store_sql_bind_blob32(stmt, 1, gs_event_get_id_raw(event));
	return gs_store_step_done(self, stmt, error);
}

/* NIP-09 -------------------------------------------------------------------------------------- */

/* `e`: remember the id for the deleter, and remove the deleter's own event if stored */
static gboolean
gs_store_delete_id(GsStore *self, const GsEvent *deletion, const gchar *id_hex, GError **error)
{
	sqlite3_stmt *stmt = gs_store_stmt(self, GS_STORE_STMT_INSERT_DELETED_ID);
	guint8 id[32];

	if (!gs_hex_is_lower(id_hex, 64) || !gs_hex_decode_to(id_hex, 64, id, 32))
		return TRUE; /* not an event id: nothing to delete */
	gs_store_sql_bind_key32(stmt, 1, 2, id);
	gs_store_sql_bind_blob32(stmt, 3, gs_event_get_pubkey_raw(deletion));
	gs_store_sql_bind_blob32(stmt, 4, gs_event_get_id_raw(deletion));
	if (!gs_store_step_done(self, stmt, error))
		return FALSE;
	gs_store_ids_add(gs_store_get_ids(self), id);
	stmt = gs_store_stmt(self, GS_STORE_STMT_FIND_BY_ID_AUTHOR);
	gs_store_sql_bind_key32(stmt, 1, 2, id);
	gs_store_sql_bind_blob32(stmt, 3, gs_event_get_pubkey_raw(deletion));
	return gs_store_remove_selected(self, stmt, error);
}

/* an event refused as deleted, for the negentropy local set: a deletion of its id learns its
 * created_at and kind; a deletion of its address (@d: its key, or %NULL) that covers it keeps
 * it in deleted_versions */
gboolean
gs_store_note_deleted(GsStore *self, const GsEvent *event, const gchar *d, GError **error)
{
	sqlite3_stmt *stmt = gs_store_stmt(self, GS_STORE_STMT_NOTE_DELETED_ID);

	gs_store_sql_bind_blob32(stmt, 1, gs_event_get_id_raw(event));
	gs_store_sql_bind_blob32(stmt, 2, gs_event_get_pubkey_raw(event));
	sqlite3_bind_int64(stmt, 3, gs_event_get_created_at(event));
	sqlite3_bind_int64(stmt, 4, gs_event_get_kind(event));
	if (!gs_store_step_done(self, stmt, error))
		return FALSE;
	if (d == NULL)
		return TRUE;
	stmt = gs_store_stmt_address(self,
				     GS_STORE_STMT_NOTE_DELETED_VERSION,
				     gs_event_get_kind(event),
				     gs_event_get_pubkey_raw(event),
				     d);
	gs_store_sql_bind_blob32(stmt, 4, gs_event_get_id_raw(event));
	sqlite3_bind_int64(stmt, 5, gs_event_get_created_at(event));
	return gs_store_step_done(self, stmt, error);
}

/* `a`: versions of the deleter's own address up to the deletion's created_at go, and stay
 * refused */
static gboolean
gs_store_delete_address(GsStore *self, const GsEvent *deletion, const gchar *coord, GError **error)
{
	guint kind = 0;
	g_autofree gchar *pubkey = NULL;
	g_autofree gchar *d = NULL;
	const guint8 *pk = gs_event_get_pubkey_raw(deletion);
	gint64 until = gs_event_get_created_at(deletion);
	sqlite3_stmt *stmt;

	if (!gs_coordinate_parse(coord, &kind, &pubkey, &d, NULL))
		return TRUE;
	if (g_strcmp0(pubkey, gs_event_get_pubkey(deletion)) != 0)
		return TRUE; /* someone else's address: no effect */
	if (!gs_kind_is_replaceable(kind) && !gs_kind_is_addressable(kind))
		return TRUE;
	if (gs_kind_is_replaceable(kind))
		d[0] = '\0';
	stmt = gs_store_stmt_address(self, GS_STORE_STMT_UPSERT_DELETED_ADDRESS, kind, pk, d);
	sqlite3_bind_int64(stmt, 4, until);
	gs_store_sql_bind_blob32(stmt, 5, gs_event_get_id_raw(deletion));
	if (!gs_store_step_done(self, stmt, error))
		return FALSE;
	*gs_store_get_any_deleted_address(self) = TRUE;
	stmt = gs_store_stmt_address(self, GS_STORE_STMT_KEEP_DELETED_VERSIONS, kind, pk, d);
	sqlite3_bind_int64(stmt, 4, until);
	if (!gs_store_step_done(self, stmt, error))
		return FALSE;
	stmt = gs_store_stmt_address(self, GS_STORE_STMT_FIND_ADDRESS_UNTIL, kind, pk, d);
	sqlite3_bind_int64(stmt, 4, until);
	return gs_store_remove_selected(self, stmt, error);
}

gboolean
gs_store_apply_deletion(GsStore *self, const GsEvent *deletion, GError **error)
{
	for (guint i = 0; i < gs_event_get_n_tags(deletion); i++) {
		const gchar *const *tag = gs_event_get_tag(deletion, i);
		if (tag[1] == NULL)
			continue;
		if (g_strcmp0(tag[0], "e") == 0 &&
		    !gs_store_delete_id(self, deletion, tag[1], error))
			return FALSE;
		if (g_strcmp0(tag[0], "a") == 0 &&
		    !gs_store_delete_address(self, deletion, tag[1], error))
			return FALSE;
	}
	return TRUE;
}
