/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-store-ids.h"
#include "gs-store.h"

G_BEGIN_DECLS

/* shared by gs-store.c (lifecycle and writes) and gs-store-query.c (reads) */

/* the most tags rows one statement inserts (a power of two: fewer rows go by halves) */
#define GS_STORE_TAGS_PER_STMT 64

/* a tags row waiting for the end of its transaction (gs_store_flush_tags()) */
typedef struct {
	gint64 key;
	gint64 event;
	gboolean removed; /* its event was removed in the same transaction */
} GsStoreTagRow;

typedef enum {
	GS_STORE_STMT_BEGIN,
	GS_STORE_STMT_COMMIT,
	GS_STORE_STMT_ROLLBACK,
	GS_STORE_STMT_CHECK_NEW,
	GS_STORE_STMT_HAS_ID,
	GS_STORE_STMT_IS_DELETED_ID,
	GS_STORE_STMT_DELETED_UNTIL,
	GS_STORE_STMT_ANY_DELETED_ADDRESS,
	GS_STORE_STMT_GET_ADDRESS,
	GS_STORE_STMT_FIND_BY_ID_AUTHOR,
	GS_STORE_STMT_FIND_ADDRESS_UNTIL,
	GS_STORE_STMT_DELETE_SEQ,
	GS_STORE_STMT_DELETE_TAG,
	GS_STORE_STMT_INSERT_EVENT,
	GS_STORE_STMT_INSERT_SUPERSEDED,
	GS_STORE_STMT_DELETE_SUPERSEDED,
	GS_STORE_STMT_INSERT_DELETED_ID,
	GS_STORE_STMT_NOTE_DELETED_ID,
	GS_STORE_STMT_UPSERT_DELETED_ADDRESS,
	GS_STORE_STMT_KEEP_DELETED_VERSIONS,
	GS_STORE_STMT_NOTE_DELETED_VERSION,
	GS_STORE_STMT_GET_BY_ID,
	GS_STORE_STMT_HAS_TAG,
	GS_STORE_STMT_HEALTH,
	GS_STORE_STMT_FIND_ADDRESSABLE,
	GS_STORE_STMT_FIND_ADDRESSABLE_NO_D,
	GS_STORE_STMT_LAST
} GsStoreStmt;

/* gs-store.c */
sqlite3_stmt *
gs_store_stmt(GsStore *self, GsStoreStmt which);
sqlite3_stmt *
gs_store_stmt_rebind(GsStore *self, GsStoreStmt which);
sqlite3_stmt *
gs_store_tags_stmt(GsStore *self, guint n, GError **error);
GArray *
gs_store_get_pending_tags(GsStore *self);
gboolean *
gs_store_get_any_deleted_address(GsStore *self);
gboolean
gs_store_step_row(GsStore *self, sqlite3_stmt *stmt, gboolean *found, GError **error);
gboolean
gs_store_step_done(GsStore *self, sqlite3_stmt *stmt, GError **error);
gboolean
gs_store_fail(GsStore *self, const gchar *what, GError **error);
const guint8 *
gs_store_get_tag_secret(GsStore *self);
GsStoreIds *
gs_store_get_ids(GsStore *self);
/* for tests: the log length (pages) from which the checkpoint thread runs, its runs so far
 * (0 without the thread, e.g. for ":memory:"), and how many of them ended with a RESTART that
 * held the writer off */
void
gs_store_set_checkpoint_threshold(GsStore *self, guint pages);
guint
gs_store_get_checkpoint_runs(GsStore *self);
guint
gs_store_get_checkpoint_restarts(GsStore *self);

/* gs-store-query.c */
GsEvent *
gs_store_parse_stored(const gchar *json, gsize len, const gchar *id_hex, GError **error);

/* gs-store-write.c: one event's part of an insert transaction */
const gchar *
gs_store_event_key_d(const GsEvent *event);
gboolean
gs_store_classify(GsStore *self,
		  const GsEvent *event,
		  const gchar *d,
		  GsStoreResult *result,
		  GError **error);
gboolean
gs_store_write_event(GsStore *self,
		     const GsEvent *event,
		     const gchar *d,
		     gint64 *seq,
		     GError **error);
gboolean
gs_store_flush_tags(GsStore *self, GError **error);
gboolean
gs_store_apply_deletion(GsStore *self, const GsEvent *deletion, GError **error);
gboolean
gs_store_note_deleted(GsStore *self, const GsEvent *event, const gchar *d, GError **error);

G_END_DECLS
