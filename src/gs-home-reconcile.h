/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-relay-connection.h"
#include "gs-store.h"

G_BEGIN_DECLS

/**
 * GsHomeReconcileOptions:
 * @neg_timeout_ms: a NEG-OPEN or NEG-MSG unanswered this long: no NIP-77 (first answer) or a
 *   failed session (later); the filter is then compared with REQ
 * @negentropy_frame_limit: largest NEG-MSG we send, bytes (0 for none)
 * @page_limit: the limit of each REQ page (specs/sync.md 4.5)
 * @page_timeout_ms: a REQ page without EOSE for this long (reset by each event) ends the
 *   reconciliation with %GS_ERROR_TIMEOUT
 * @max_items: the largest local set one filter may have
 * @disable_negentropy: compare with REQ only
 */
typedef struct {
	guint neg_timeout_ms;
	guint negentropy_frame_limit;
	guint page_limit;
	guint page_timeout_ms;
	guint max_items;
	gboolean disable_negentropy;
} GsHomeReconcileOptions;

void
gs_home_reconcile_options_init(GsHomeReconcileOptions *options);

/**
 * GsHomeReconcileResult:
 * @lacking: (element-type GsNegentropyId): ids the store holds and home lacks, each once
 * @n_filters: filters compared
 * @n_negentropy: filters reconciled with NIP-77
 * @n_req: filters compared by reading home's ids with paged REQs
 * @n_failed: filters that could not be compared (CLOSED, too many items)
 * @negentropy_unsupported: home said it does not speak NIP-77 (or stayed silent)
 * @home_events: events read from home by the REQ comparisons
 */
typedef struct {
	GArray *lacking;
	guint n_filters;
	guint n_negentropy;
	guint n_req;
	guint n_failed;
	gboolean negentropy_unsupported;
	guint64 home_events;
} GsHomeReconcileResult;

void
gs_home_reconcile_result_free(GsHomeReconcileResult *result);

GPtrArray *
gs_home_reconcile_build_filters(GsStore *store, GError **error);

void
gs_home_reconcile_async(GsRelayConnection *conn,
			GsStore *store,
			const GsHomeReconcileOptions *options,
			GCancellable *cancellable,
			GAsyncReadyCallback callback,
			gpointer user_data);
GsHomeReconcileResult *
gs_home_reconcile_finish(GAsyncResult *res, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsHomeReconcileResult, gs_home_reconcile_result_free)

G_END_DECLS
