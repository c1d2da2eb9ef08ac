/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelay"

#include "config.h"

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-neg-session.h"

/*
 * One NIP-77 reconciliation as the initiator, over a GsRelayConnection: NEG-OPEN with our
 * first message, then NEG-MSG rounds until the codec is done, then NEG-CLOSE. The errors
 * tell the caller what to do next:
 *  - GS_ERROR_UNSUPPORTED: the relay does not do NIP-77 (a NOTICE saying so, NEG-ERR
 *    "blocked:" or "unsupported", or no first answer in time): fall back to REQ+EOSE;
 *  - GS_ERROR_PROTOCOL / GS_ERROR_TIMEOUT: a transient failure mid-session (NEG-ERR
 *    "closed:", a bad message, silence after the first reply): fall back for this batch;
 *  - G_IO_ERROR_CONNECTION_CLOSED: the connection dropped (the batch is aborted);
 *  - GS_ERROR_BUSY: not connected or no subscription budget;
 *  - GS_ERROR_TOO_LARGE: the session would cost more than the caller's budget (its traffic,
 *    or a weight for every id the relay has and we lack); it is closed before our next
 *    message goes out.
 */

typedef struct {
	GsRelayConnection *conn;
	GsNegentropy *neg;
	gchar *sub_id;
	guint first_timeout_ms;
	guint timeout_id;
	gboolean answered;
	gboolean finished;
	guint64 max_cost;  /* 0: no budget */
	guint need_weight; /* what each id we lack adds to the cost */
	GsNegSessionResult *result;
	gulong cancel_id;
} GsNegSession;

static void
gs_neg_session_free(GsNegSession *s)
{
	g_clear_handle_id(&s->timeout_id, g_source_remove);
	g_free(s->sub_id);
	g_clear_pointer(&s->neg, gs_negentropy_free);
	g_clear_pointer(&s->result, gs_neg_session_result_free);
	g_object_unref(s->conn);
	g_free(s);
}

void
gs_neg_session_result_free(GsNegSessionResult *result)
{
	g_array_unref(result->have);
	g_array_unref(result->need);
	g_free(result);
}

/*
 * The one way a session ends: the NEG subscription is closed (no callback comes after), the
 * task returns, and the reference the relay callbacks held is dropped. Runs once.
 */
static void
gs_neg_session_end(GTask *task, GError *error)
{
	GsNegSession *s = g_task_get_task_data(task);

	if (s->finished) {
		g_clear_error(&error);
		return;
	}
	s->finished = TRUE;
	g_clear_handle_id(&s->timeout_id, g_source_remove);
	if (s->sub_id != NULL) {
		gs_relay_connection_neg_close(s->conn, s->sub_id);
		g_clear_pointer(&s->sub_id, g_free);
	}
	if (s->cancel_id != 0) {
		g_cancellable_disconnect(g_task_get_cancellable(task), s->cancel_id);
		s->cancel_id = 0;
	}
	if (error != NULL)
		g_task_return_error(task, error);
	else
		g_task_return_pointer(task,
				      g_steal_pointer(&s->result),
				      (GDestroyNotify)gs_neg_session_result_free);
	g_object_unref(task);
}

static gboolean
gs_neg_session_timeout_cb(gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	GsNegSession *s = g_task_get_task_data(task);

	s->timeout_id = 0;
	/* silence before any answer means the relay ignores NEG-OPEN: no NIP-77 there */
	gs_neg_session_end(task,
			   s->answered
				   ? g_error_new(GS_ERROR, GS_ERROR_TIMEOUT, "NEG-MSG not answered")
				   : g_error_new(GS_ERROR,
						 GS_ERROR_UNSUPPORTED,
						 "NEG-OPEN not answered in %u ms",
						 s->first_timeout_ms));
	return G_SOURCE_REMOVE;
}

static void
gs_neg_session_arm_timeout(GTask *task)
{
	GsNegSession *s = g_task_get_task_data(task);
	g_clear_handle_id(&s->timeout_id, g_source_remove);
	s->timeout_id = g_timeout_add(s->first_timeout_ms, gs_neg_session_timeout_cb, task);
}

/* NEG-ERR texts: "blocked:" and "unsupported" mean no NIP-77 for us; the rest is transient */
static GError *
gs_neg_session_classify_error(const GError *error)
{
	if (error->domain == GS_ERROR && error->code == GS_ERROR_PROTOCOL &&
	    (g_str_has_prefix(error->message, "blocked:") ||
	     g_str_has_prefix(error->message, "unsupported") ||
	     g_str_has_prefix(error->message, "UNSUPPORTED")))
		return g_error_new(GS_ERROR, GS_ERROR_UNSUPPORTED, "NEG-ERR %s", error->message);
	if (error->domain == GS_ERROR && error->code == GS_ERROR_PROTOCOL &&
	    g_str_has_prefix(error->message, "connection lost"))
		return g_error_new_literal(
			G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED, error->message);
	return g_error_copy(error);
}

/* with @next (nullable: the session is done) sent, would the session's traffic, or the weight
 * of the ids we lack, pass the budget? */
static gboolean
gs_neg_session_over_budget(GsNegSession *s, GBytes *next)
{
	guint64 traffic = s->result->bytes_sent + s->result->bytes_received;
	guint64 lacking = (guint64)s->need_weight * s->result->need->len;

	if (next != NULL)
		traffic += 2 * g_bytes_get_size(next);
	return s->max_cost > 0 && MAX(traffic, lacking) > s->max_cost;
}

static void
gs_neg_session_message_cb(GsRelayConnection *conn,
			  const gchar *sub_id,
			  const gchar *hex,
			  const GError *error,
			  gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	GsNegSession *s = g_task_get_task_data(task);
	g_autoptr(GBytes) msg = NULL;
	g_autoptr(GBytes) next = NULL;
	g_autoptr(GError) error_local = NULL;

	if (error != NULL) {
		/* the connection already forgot this subscription */
		g_clear_pointer(&s->sub_id, g_free);
		gs_neg_session_end(task, gs_neg_session_classify_error(error));
		return;
	}
	s->answered = TRUE;
	s->result->rounds++;
	s->result->bytes_received += strlen(hex);
	msg = gs_hex_decode(hex, &error_local);
	if (msg == NULL || !gs_negentropy_reconcile(s->neg,
						    g_bytes_get_data(msg, NULL),
						    g_bytes_get_size(msg),
						    &next,
						    s->result->have,
						    s->result->need,
						    &error_local)) {
		gs_neg_session_end(task,
				   g_error_new(GS_ERROR,
					       GS_ERROR_PROTOCOL,
					       "bad NEG-MSG: %s",
					       error_local->message));
		return;
	}
	if (next == NULL && !gs_neg_session_over_budget(s, NULL)) {
		gs_neg_session_end(task, NULL);
		return;
	}
	if (gs_neg_session_over_budget(s, next)) {
		gs_neg_session_end(
			task,
			g_error_new(GS_ERROR,
				    GS_ERROR_TOO_LARGE,
				    "negentropy session over its budget of %" G_GUINT64_FORMAT
				    " bytes (%u ids lacking so far)",
				    s->max_cost,
				    s->result->need->len));
		return;
	}
	s->result->bytes_sent += 2 * g_bytes_get_size(next); /* as hex */
	if (!gs_relay_connection_neg_send(conn, s->sub_id, next, &error_local)) {
		gs_neg_session_end(task, g_steal_pointer(&error_local));
		return;
	}
	gs_neg_session_arm_timeout(task);
}

static void
gs_neg_session_cancelled_cb(GCancellable *cancellable, gpointer user_data)
{
	GTask *task = G_TASK(user_data);
	GsNegSession *s = g_task_get_task_data(task);

	/* disconnecting from inside the handler would deadlock */
	s->cancel_id = 0;
	gs_neg_session_end(task,
			   g_error_new_literal(G_IO_ERROR,
					       G_IO_ERROR_CANCELLED,
					       "negentropy session cancelled"));
}

/**
 * gs_neg_session_run_async:
 * @filter: the one filter of the NEG-OPEN
 * @local: our sealed items for @filter (from the store, plus ids we do not want again)
 * @frame_size_limit: 0, or at least 4096: the largest NEG-MSG payload we send (bytes)
 * @first_reply_timeout_ms: how long each relay answer may take
 *
 * Reconciles @local with what the relay holds for @filter. The session holds a reference on
 * the task until the relay's last answer, timeout, error or disconnect.
 */
void
gs_neg_session_run_async(GsRelayConnection *conn,
			 GsFilter *filter,
			 GsNegentropyStorage *local,
			 gsize frame_size_limit,
			 guint first_reply_timeout_ms,
			 GCancellable *cancellable,
			 GAsyncReadyCallback callback,
			 gpointer user_data)
{
	gs_neg_session_run_budget_async(conn,
					filter,
					local,
					frame_size_limit,
					first_reply_timeout_ms,
					0,
					0,
					cancellable,
					callback,
					user_data);
}

/**
 * gs_neg_session_run_budget_async:
 * @max_cost: 0 for no budget; else the session ends with %GS_ERROR_TOO_LARGE (NEG-CLOSE sent)
 *   rather than send a message that takes its traffic (hex characters sent and received)
 *   past @max_cost, or when @need_weight times the ids the relay has and we lack passes it
 * @need_weight: what each id the relay has and we lack may cost (to fetch it)
 *
 * gs_neg_session_run_async() with a budget: for sessions that are worth it only while the
 * differences are few (a relay-wide reconciliation).
 */
void
gs_neg_session_run_budget_async(GsRelayConnection *conn,
				GsFilter *filter,
				GsNegentropyStorage *local,
				gsize frame_size_limit,
				guint first_reply_timeout_ms,
				guint64 max_cost,
				guint need_weight,
				GCancellable *cancellable,
				GAsyncReadyCallback callback,
				gpointer user_data)
{
	g_autoptr(GTask) task = g_task_new(conn, cancellable, callback, user_data);
	GsNegSession *s = g_new0(GsNegSession, 1);
	g_autoptr(GBytes) first = NULL;
	g_autoptr(GError) error = NULL;

	s->conn = g_object_ref(conn);
	s->first_timeout_ms = first_reply_timeout_ms;
	s->max_cost = max_cost;
	s->need_weight = need_weight;
	s->result = g_new0(GsNegSessionResult, 1);
	s->result->have = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	s->result->need = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	g_task_set_task_data(task, s, (GDestroyNotify)gs_neg_session_free);
	g_task_set_source_tag(task, gs_neg_session_run_async);

	s->neg = gs_negentropy_new(local, frame_size_limit, &error);
	if (s->neg != NULL)
		first = gs_negentropy_initiate(s->neg, &error);
	if (first == NULL) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	if (gs_neg_session_over_budget(s, first)) {
		g_task_return_new_error(task,
					GS_ERROR,
					GS_ERROR_TOO_LARGE,
					"negentropy session over its budget of %" G_GUINT64_FORMAT
					" bytes at its first message",
					max_cost);
		return;
	}
	s->result->bytes_sent += 2 * g_bytes_get_size(first); /* as hex */
	s->sub_id = gs_relay_connection_neg_open(
		conn, filter, first, gs_neg_session_message_cb, task, &error);
	if (s->sub_id == NULL) {
		g_task_return_error(task, g_steal_pointer(&error));
		return;
	}
	/* the relay callbacks own this reference until the session ends */
	g_object_ref(task);
	gs_neg_session_arm_timeout(task);
	if (cancellable != NULL)
		s->cancel_id = g_cancellable_connect(
			cancellable, G_CALLBACK(gs_neg_session_cancelled_cb), task, NULL);
}

/* returns: (transfer full): have/need and traffic figures, or %NULL with the error above */
GsNegSessionResult *
gs_neg_session_run_finish(GAsyncResult *res, GError **error)
{
	return g_task_propagate_pointer(G_TASK(res), error);
}
