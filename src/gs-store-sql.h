/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include "gs-filter.h"

G_BEGIN_DECLS

/* private to GsStore: small SQLite helpers and the NIP-01 filter to SQL translation */

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

typedef enum {
	GS_STORE_SQL_INT,
	GS_STORE_SQL_TEXT,
	GS_STORE_SQL_BLOB32,
} GsStoreSqlType;

/* one parameter of a generated statement; text is borrowed from the filter */
typedef struct {
	GsStoreSqlType type;
	gint64 num;
	const gchar *text;
	guint8 blob[32];
} GsStoreSqlParam;

gboolean
gs_store_sql_error(sqlite3 *db, const gchar *what, GError **error);
gboolean
gs_store_sql_exec(sqlite3 *db, const gchar *sql, GError **error);
sqlite3_stmt *
gs_store_sql_prepare(sqlite3 *db, const gchar *sql, gboolean persistent, GError **error);
gboolean
gs_store_sql_query_int(sqlite3 *db, const gchar *sql, gint64 *out, GError **error);
gboolean
gs_store_sql_step_done(sqlite3 *db, sqlite3_stmt *stmt, const gchar *what, GError **error);
gboolean
gs_store_sql_column_id(sqlite3_stmt *stmt, gint col, guint8 *out, GError **error);
void
gs_store_sql_bind_blob32(sqlite3_stmt *stmt, gint idx, const guint8 *blob);
gboolean
gs_store_sql_decode_hex32(const gchar *hex, guint8 *out, GError **error);
void
gs_store_sql_bind_key32_static(sqlite3_stmt *stmt, gint idx8, gint idx, const guint8 *raw);
void
gs_store_sql_bind_key32(sqlite3_stmt *stmt, gint idx8, gint idx, const guint8 *raw);

gint64
gs_store_sql_key8(const guint8 *raw);
guint64
gs_store_sql_siphash(const guint8 *key, const guint8 *data, gsize len);
gint64
gs_store_sql_tag_key(const guint8 *key, const gchar *name, const gchar *value);
gboolean
gs_store_sql_filter_where(GsFilter *filter,
			  const guint8 *key,
			  GString *sql,
			  GArray *params,
			  GError **error);
gboolean
gs_store_sql_superseded_where(GsFilter *filter, GString *sql, GArray *params);
void
gs_store_sql_deleted_where(GsFilter *filter, GString *sql, GArray *params);
sqlite3_stmt *
gs_store_sql_prepare_params(sqlite3 *db, const gchar *sql, GArray *params, GError **error);

G_END_DECLS
