/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsStore"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-store-sql.h"

/* always returns FALSE, with GS_ERROR_STORE naming what failed and SQLite's own message */
gboolean
gs_store_sql_error(sqlite3 *db, const gchar *what, GError **error)
{
	g_set_error(error,
		    GS_ERROR,
		    GS_ERROR_STORE,
		    "%s: %s (%d)",
		    what,
		    sqlite3_errmsg(db),
		    sqlite3_extended_errcode(db));
	return FALSE;
}

gboolean
gs_store_sql_exec(sqlite3 *db, const gchar *sql, GError **error)
{
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return gs_store_sql_error(db, "failed to run SQL", error);
	return TRUE;
}

/* @persistent: the statement is kept for the life of the connection (SQLite then avoids its
 * lookaside memory) */
sqlite3_stmt *
gs_store_sql_prepare(sqlite3 *db, const gchar *sql, gboolean persistent, GError **error)
{
	sqlite3_stmt *stmt = NULL;
	guint flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;

	if (sqlite3_prepare_v3(db, sql, -1, flags, &stmt, NULL) != SQLITE_OK) {
		gs_store_sql_error(db, "failed to prepare a statement", error);
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

/* runs @sql, which returns one integer (NULL reads as 0) */
gboolean
gs_store_sql_query_int(sqlite3 *db, const gchar *sql, gint64 *out, GError **error)
{
	g_autoptr(sqlite3_stmt) stmt = gs_store_sql_prepare(db, sql, FALSE, error);
	gint rc;

	if (stmt == NULL)
		return FALSE;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW)
		return gs_store_sql_error(db, "failed to read from the store", error);
	*out = sqlite3_column_int64(stmt, 0);
	return TRUE;
}

/* steps a statement that returns no rows, then resets it */
gboolean
gs_store_sql_step_done(sqlite3 *db, sqlite3_stmt *stmt, const gchar *what, GError **error)
{
	gint rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE) {
		gs_store_sql_error(db, what, error);
		sqlite3_reset(stmt);
		return FALSE;
	}
	sqlite3_reset(stmt);
	return TRUE;
}

/* copies a 32-byte id column; a damaged row is GS_ERROR_STORE, not a crash */
gboolean
gs_store_sql_column_id(sqlite3_stmt *stmt, gint col, guint8 *out, GError **error)
{
	const void *blob = sqlite3_column_blob(stmt, col);

	if (blob == NULL || sqlite3_column_bytes(stmt, col) != 32) {
		g_set_error_literal(error, GS_ERROR, GS_ERROR_STORE, "a stored id is damaged");
		return FALSE;
	}
	memcpy(out, blob, 32);
	return TRUE;
}

void
gs_store_sql_bind_blob32(sqlite3_stmt *stmt, gint idx, const guint8 *blob)
{
	sqlite3_bind_blob(stmt, idx, blob, 32, SQLITE_TRANSIENT);
}

/* decodes 64 lower-case hex digits; GS_ERROR_INVALID_ARGUMENT otherwise */
gboolean
gs_store_sql_decode_hex32(const gchar *hex, guint8 *out, GError **error)
{
	if (hex == NULL || !gs_hex_decode_lower(hex, out, 32)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "not 64 lower-case hex digits: %.80s",
			    hex != NULL ? hex : "(null)");
		return FALSE;
	}
	return TRUE;
}

/* binds a 32-byte id or pubkey at @idx8 (its 8-byte prefix) and @idx (the blob) */
void
gs_store_sql_bind_key32(sqlite3_stmt *stmt, gint idx8, gint idx, const guint8 *raw)
{
	sqlite3_bind_int64(stmt, idx8, gs_store_sql_key8(raw));
	gs_store_sql_bind_blob32(stmt, idx, raw);
}

/* as gs_store_sql_bind_key32(), without a copy: for the write path, where @raw (the event's
 * id or pubkey) outlives the step and the statement's bindings are cleared or bound again
 * before its next step (gs_store_stmt(), gs_store_stmt_rebind()). A copy is a malloc() and a
 * free() per value. */
void
gs_store_sql_bind_key32_static(sqlite3_stmt *stmt, gint idx8, gint idx, const guint8 *raw)
{
	sqlite3_bind_int64(stmt, idx8, gs_store_sql_key8(raw));
	sqlite3_bind_blob(stmt, idx, raw, 32, SQLITE_STATIC);
}

/* the first 8 bytes of an id or pubkey, big-endian, as the integer its index holds */
gint64
gs_store_sql_key8(const guint8 *raw)
{
	guint64 be;
	memcpy(&be, raw, sizeof(be));
	return (gint64)GUINT64_FROM_BE(be);
}

/* SipHash-2-4 (Aumasson and Bernstein), the keyed hash of the tags index */

#define GS_SIP_ROTL(x, b) (guint64)(((x) << (b)) | ((x) >> (64 - (b))))

static guint64
gs_store_sql_le64(const guint8 *p)
{
	guint64 v;
	memcpy(&v, p, sizeof(v));
	return GUINT64_FROM_LE(v);
}

/* inlined: called 20-30 times a tag key, 3 % of an ingest's main-context instructions */
G_ALWAYS_INLINE static inline void
gs_store_sql_sipround(guint64 *v)
{
	v[0] += v[1];
	v[1] = GS_SIP_ROTL(v[1], 13) ^ v[0];
	v[0] = GS_SIP_ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = GS_SIP_ROTL(v[3], 16) ^ v[2];
	v[0] += v[3];
	v[3] = GS_SIP_ROTL(v[3], 21) ^ v[0];
	v[2] += v[1];
	v[1] = GS_SIP_ROTL(v[1], 17) ^ v[2];
	v[2] = GS_SIP_ROTL(v[2], 32);
}

G_ALWAYS_INLINE static inline void
gs_store_sql_sipcompress(guint64 *v, guint64 m)
{
	v[3] ^= m;
	gs_store_sql_sipround(v);
	gs_store_sql_sipround(v);
	v[0] ^= m;
}

/* @key: 16 bytes */
guint64
gs_store_sql_siphash(const guint8 *key, const guint8 *data, gsize len)
{
	guint64 k0 = gs_store_sql_le64(key);
	guint64 k1 = gs_store_sql_le64(key + 8);
	guint64 v[4] = {0x736f6d6570736575ULL ^ k0,
			0x646f72616e646f6dULL ^ k1,
			0x6c7967656e657261ULL ^ k0,
			0x7465646279746573ULL ^ k1};
	guint64 last = (guint64)len << 56;
	gsize tail = len % 8;

	for (gsize off = 0; off < len - tail; off += 8)
		gs_store_sql_sipcompress(v, gs_store_sql_le64(data + off));
	for (gsize i = 0; i < tail; i++)
		last |= (guint64)data[len - tail + i] << (8 * i);
	gs_store_sql_sipcompress(v, last);
	v[2] ^= 0xff;
	for (guint i = 0; i < 4; i++)
		gs_store_sql_sipround(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/* the tags index key: SipHash-2-4 of name, NUL, value under the database's own secret @key.
 * A collision only costs a row the caller re-checks; without the secret nobody can craft a
 * value that collides with another (a fast unkeyed hash would allow that). */
gint64
gs_store_sql_tag_key(const guint8 *key, const gchar *name, const gchar *value)
{
	gsize name_len = strlen(name) + 1;
	gsize value_len = strlen(value);
	guint8 stack[256];
	g_autofree guint8 *heap = NULL;
	guint8 *buf = stack;

	if (name_len + value_len > sizeof(stack))
		buf = heap = g_malloc(name_len + value_len);
	memcpy(buf, name, name_len);
	memcpy(buf + name_len, value, value_len);
	return (gint64)gs_store_sql_siphash(key, buf, name_len + value_len);
}

/* filter translation ------------------------------------------------------------------------- */

static void
gs_store_sql_add_int(GArray *params, gint64 num)
{
	GsStoreSqlParam p = {.type = GS_STORE_SQL_INT, .num = num};
	g_array_append_val(params, p);
}

static void
gs_store_sql_placeholders(GString *sql, guint n)
{
	g_string_append_c(sql, '(');
	for (guint i = 0; i < n; i++)
		g_string_append(sql, i == 0 ? "?" : ",?");
	g_string_append_c(sql, ')');
}

/* `column IN (...)` over 32-byte blobs; the filter already checked the hex, so decoding cannot
 * fail */
static void
gs_store_sql_blob_in(GString *sql, GArray *params, const gchar *column, GPtrArray *values)
{
	g_string_append_printf(sql, " AND %s IN ", column);
	gs_store_sql_placeholders(sql, values->len);
	for (guint i = 0; i < values->len; i++) {
		GsStoreSqlParam p = {.type = GS_STORE_SQL_BLOB32};
		gs_hex_decode_to(g_ptr_array_index(values, i), 64, p.blob, 32);
		g_array_append_val(params, p);
	}
}

/* `prefix8 IN (...) AND column IN (...)`: the index holds the first 8 bytes, the row the rest */
static void
gs_store_sql_key_in(GString *sql,
		    GArray *params,
		    const gchar *prefix8,
		    const gchar *column,
		    GPtrArray *values)
{
	g_string_append_printf(sql, " AND %s IN ", prefix8);
	gs_store_sql_placeholders(sql, values->len);
	for (guint i = 0; i < values->len; i++) {
		GsStoreSqlParam p = {.type = GS_STORE_SQL_INT};
		guint8 raw[32];
		gs_hex_decode_to(g_ptr_array_index(values, i), 64, raw, 32);
		p.num = gs_store_sql_key8(raw);
		g_array_append_val(params, p);
	}
	gs_store_sql_blob_in(sql, params, column, values);
}

/* kinds, since and until over the table called @alias */
/* @no_kind_index, @no_time_index: the condition is written with a unary `+`, which keeps
 * SQLite from using an index for it (see gs_store_sql_filter_where()) */
static void
gs_store_sql_kinds_times_full(GString *sql,
			      GArray *params,
			      GsFilter *filter,
			      const gchar *alias,
			      gboolean no_kind_index,
			      gboolean no_time_index)
{
	GArray *kinds = gs_filter_get_kinds(filter);
	const gchar *kind_plus = no_kind_index ? "+" : "";
	const gchar *time_plus = no_time_index ? "+" : "";

	if (kinds != NULL) {
		g_string_append_printf(sql, " AND %s%s.kind IN ", kind_plus, alias);
		gs_store_sql_placeholders(sql, kinds->len);
		for (guint i = 0; i < kinds->len; i++)
			gs_store_sql_add_int(params, g_array_index(kinds, guint, i));
	}
	if (gs_filter_get_since(filter) >= 0) {
		g_string_append_printf(sql, " AND %s%s.created_at >= ?", time_plus, alias);
		gs_store_sql_add_int(params, gs_filter_get_since(filter));
	}
	if (gs_filter_get_until(filter) >= 0) {
		g_string_append_printf(sql, " AND %s%s.created_at <= ?", time_plus, alias);
		gs_store_sql_add_int(params, gs_filter_get_until(filter));
	}
}

static void
gs_store_sql_kinds_times(GString *sql, GArray *params, GsFilter *filter, const gchar *alias)
{
	gs_store_sql_kinds_times_full(sql, params, filter, alias, FALSE, FALSE);
}

/* tag conditions (of the tags @letters of @filter) go through the key index of the tags
 * table; the keys are exact but for an accidental 64-bit collision, which gs_store_query()
 * filters out on the parsed events */
static void
gs_store_sql_tags(GString *sql,
		  GArray *params,
		  GsFilter *filter,
		  const gchar *letters,
		  const guint8 *key)
{
	for (const gchar *l = letters; *l != '\0'; l++) {
		GPtrArray *values = gs_filter_get_tag_values(filter, *l);
		gchar name[2] = {*l, '\0'};
		g_string_append(sql, " AND e.seq IN (SELECT t.event FROM tags t WHERE t.key IN ");
		gs_store_sql_placeholders(sql, values->len);
		g_string_append_c(sql, ')');
		for (guint i = 0; i < values->len; i++)
			gs_store_sql_add_int(
				params,
				gs_store_sql_tag_key(key, name, g_ptr_array_index(values, i)));
	}
}

/**
 * gs_store_sql_filter_where:
 * @key: the tags index secret (see gs_store_sql_tag_key())
 * @sql: gets the conditions appended, for a query over `events e`
 * @params: (element-type GsStoreSqlParam): gets their parameters appended
 *
 * Appends "1 AND ..." for every condition of @filter except its limit. A filter that can never
 * match (gs_filter_is_empty_match()) must be handled by the caller: SQL cannot say `IN ()`.
 */
gboolean
gs_store_sql_filter_where(GsFilter *filter,
			  const guint8 *key,
			  GString *sql,
			  GArray *params,
			  GError **error)
{
	g_autofree gchar *letters = NULL;
	gboolean by_id_or_tag;
	gboolean by_author;

	g_return_val_if_fail(!gs_filter_is_empty_match(filter), FALSE);
	letters = gs_filter_get_tag_letters(filter);
	by_id_or_tag = gs_filter_get_ids(filter) != NULL || letters[0] != '\0';
	by_author = gs_filter_get_authors(filter) != NULL;
	g_string_append(sql, "1");
	if (gs_filter_get_ids(filter) != NULL)
		gs_store_sql_key_in(sql, params, "e.id8", "e.id", gs_filter_get_ids(filter));
	if (by_author)
		gs_store_sql_key_in(
			sql, params, "e.pk8", "e.pubkey", gs_filter_get_authors(filter));
	/* Without statistics SQLite takes an equality on (kind, created_at) for the narrowest
	 * way in, so `{"kinds":[1630],"#e":[X]}` (a patch's statuses) read every stored status
	 * and `{"ids":[X],"kinds":[1617]}` every patch. A kind has thousands of events where an
	 * id, a tag value or an author has few: when one of those is named, the kind (and, for
	 * ids and tags, the time range) only filter the rows that way finds. */
	gs_store_sql_kinds_times_full(
		sql, params, filter, "e", by_id_or_tag || by_author, by_id_or_tag);
	gs_store_sql_tags(sql, params, filter, letters, key);
	return TRUE;
}

/**
 * gs_store_sql_superseded_where:
 * @sql: gets the conditions appended, for a query over `superseded s`
 * @params: (element-type GsStoreSqlParam): gets their parameters appended
 *
 * As gs_store_sql_filter_where() for the superseded table, which knows a version's id, author,
 * kind, d and created_at but not its other tags.
 *
 * Returns: %FALSE (appending nothing) when @filter has a tag condition other than `#d`, which
 *   superseded rows cannot answer
 */
gboolean
gs_store_sql_superseded_where(GsFilter *filter, GString *sql, GArray *params)
{
	g_autofree gchar *letters = gs_filter_get_tag_letters(filter);
	GPtrArray *d_values = gs_filter_get_tag_values(filter, 'd');

	g_return_val_if_fail(!gs_filter_is_empty_match(filter), FALSE);
	if (letters[0] != '\0' && g_strcmp0(letters, "d") != 0)
		return FALSE;
	g_string_append(sql, "1");
	if (gs_filter_get_ids(filter) != NULL)
		gs_store_sql_blob_in(sql, params, "s.id", gs_filter_get_ids(filter));
	if (gs_filter_get_authors(filter) != NULL)
		gs_store_sql_blob_in(sql, params, "s.pubkey", gs_filter_get_authors(filter));
	gs_store_sql_kinds_times(sql, params, filter, "s");
	if (d_values != NULL) {
		g_string_append(sql, " AND s.d IN ");
		gs_store_sql_placeholders(sql, d_values->len);
		for (guint i = 0; i < d_values->len; i++) {
			GsStoreSqlParam p = {.type = GS_STORE_SQL_TEXT,
					     .text = g_ptr_array_index(d_values, i)};
			g_array_append_val(params, p);
		}
	}
	return TRUE;
}

/**
 * gs_store_sql_deleted_where:
 * @sql: gets conditions appended (each starting with AND), for a query over `deleted_ids x`
 *   or `deleted_versions x`
 * @params: (element-type GsStoreSqlParam): gets their parameters appended
 *
 * The conditions of @filter that a deleted event's row can answer: ids, authors, kinds, since
 * and until. Tag conditions are left out.
 */
void
gs_store_sql_deleted_where(GsFilter *filter, GString *sql, GArray *params)
{
	if (gs_filter_get_ids(filter) != NULL)
		gs_store_sql_blob_in(sql, params, "x.id", gs_filter_get_ids(filter));
	if (gs_filter_get_authors(filter) != NULL)
		gs_store_sql_blob_in(sql, params, "x.pubkey", gs_filter_get_authors(filter));
	gs_store_sql_kinds_times(sql, params, filter, "x");
}

static void
gs_store_sql_bind_param(sqlite3_stmt *stmt, gint idx, const GsStoreSqlParam *p)
{
	switch (p->type) {
	case GS_STORE_SQL_INT:
		sqlite3_bind_int64(stmt, idx, p->num);
		break;
	case GS_STORE_SQL_TEXT:
		sqlite3_bind_text(stmt, idx, p->text, -1, SQLITE_STATIC);
		break;
	case GS_STORE_SQL_BLOB32:
		gs_store_sql_bind_blob32(stmt, idx, p->blob);
		break;
	default:
		g_assert_not_reached();
	}
}

/* prepares @sql and binds @params in order; GS_ERROR_TOO_LARGE when SQLite cannot take that
 * many parameters. Text parameters are bound without copies: keep their owner alive. */
sqlite3_stmt *
gs_store_sql_prepare_params(sqlite3 *db, const gchar *sql, GArray *params, GError **error)
{
	gint max = sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, -1);
	sqlite3_stmt *stmt;

	if (params->len > (guint)max) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_TOO_LARGE,
			    "filter has %u values, more than the store can take (%d)",
			    params->len,
			    max);
		return NULL;
	}
	stmt = gs_store_sql_prepare(db, sql, FALSE, error);
	if (stmt == NULL)
		return NULL;
	for (guint i = 0; i < params->len; i++)
		gs_store_sql_bind_param(
			stmt, (gint)i + 1, &g_array_index(params, GsStoreSqlParam, i));
	return stmt;
}
