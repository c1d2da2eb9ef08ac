/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <sqlite3.h>

#include <glib.h>

G_BEGIN_DECLS

/**
 * GsHomeOutbox:
 *
 * The `home_outbox` table of the store (schema version 3): the events still to deliver into
 * the home relay, with their attempts, last result and next retry time. A plain helper that
 * owns prepared statements on the store's connection; #GsHomeRelay drives it. Rows are keyed
 * by the event's row number (`events.seq`) and keep the event id, because a row number can be
 * reused once its event was removed: every change names both, so it never touches the row of
 * another event.
 *
 * Times are unix seconds of the caller's clock. Not thread-safe (the store's thread only).
 */
typedef struct _GsHomeOutbox GsHomeOutbox;

/**
 * GsHomeOutboxState:
 * @GS_HOME_OUTBOX_PENDING: to deliver (once its next retry time has come)
 * @GS_HOME_OUTBOX_REFUSED: home refused it; kept with the reason, tried again when its next
 *   retry time (a day later) has come and gs_home_outbox_requeue_refused() moves it back
 */
typedef enum {
	GS_HOME_OUTBOX_PENDING = 0,
	GS_HOME_OUTBOX_REFUSED = 1,
} GsHomeOutboxState;

/**
 * GsHomeOutboxEntry:
 * @seq: the event's row number
 * @id: the event id, 64 lower-case hex digits
 * @id_raw: the event id, 32 bytes
 * @attempts: deliveries that ended in a retry or a refusal so far
 * @message: (nullable): `["EVENT",<the stored event>]`, ready to send, or %NULL when the
 *   event is no longer stored (replaced or deleted since it was queued); %NULL in
 *   gs_home_outbox_dup_refused()
 * @message_len: the length of @message in bytes
 * @last_result: (nullable): the last OK message, or why it was retried
 * @next_retry: when it may be sent again (0: at once)
 */
typedef struct {
	gint64 seq;
	gchar id[65];
	guint8 id_raw[32];
	guint attempts;
	gchar *message;
	gsize message_len;
	gchar *last_result;
	gint64 next_retry;
} GsHomeOutboxEntry;

void
gs_home_outbox_entry_free(GsHomeOutboxEntry *entry);

GsHomeOutbox *
gs_home_outbox_new(sqlite3 *db, GError **error);
void
gs_home_outbox_free(GsHomeOutbox *self);

gboolean
gs_home_outbox_add(GsHomeOutbox *self,
		   gint64 seq,
		   const guint8 *id,
		   gint64 now,
		   gboolean *added,
		   GError **error);

gboolean
gs_home_outbox_begin(GsHomeOutbox *self, GError **error);
gboolean
gs_home_outbox_commit(GsHomeOutbox *self, GError **error);
void
gs_home_outbox_rollback(GsHomeOutbox *self);

GPtrArray *
gs_home_outbox_load_due(GsHomeOutbox *self, gint64 after, gint64 now, guint max, GError **error);

gboolean
gs_home_outbox_remove(GsHomeOutbox *self,
		      gint64 seq,
		      const guint8 *id,
		      gboolean *removed,
		      GError **error);
gboolean
gs_home_outbox_set_result(GsHomeOutbox *self,
			  gint64 seq,
			  const guint8 *id,
			  GsHomeOutboxState state,
			  guint attempts,
			  const gchar *result,
			  gint64 next_retry,
			  GError **error);
gboolean
gs_home_outbox_requeue_refused(GsHomeOutbox *self,
			       gint64 due_before,
			       guint *n_requeued,
			       GError **error);

gboolean
gs_home_outbox_requeue_first_refusals(GsHomeOutbox *self, guint *n_requeued, GError **error);

gint64
gs_home_outbox_count(GsHomeOutbox *self, GsHomeOutboxState state);
gint64
gs_home_outbox_get_oldest_queued(GsHomeOutbox *self);
gint64
gs_home_outbox_get_next_retry(GsHomeOutbox *self, gint64 after);
GPtrArray *
gs_home_outbox_dup_refused(GsHomeOutbox *self, guint max, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsHomeOutbox, gs_home_outbox_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsHomeOutboxEntry, gs_home_outbox_entry_free)

G_END_DECLS
