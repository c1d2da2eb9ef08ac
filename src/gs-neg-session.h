/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-filter.h"
#include "gs-negentropy.h"
#include "gs-relay-connection.h"

G_BEGIN_DECLS

/**
 * GsNegSessionResult:
 * @have: (element-type GsNegentropyId): ids we hold and the relay lacks
 * @need: (element-type GsNegentropyId): ids the relay holds and we lack
 * @rounds: relay replies processed
 * @bytes_sent: hex characters sent in NEG-OPEN/NEG-MSG payloads
 * @bytes_received: hex characters received in NEG-MSG payloads
 */
typedef struct {
	GArray *have;
	GArray *need;
	guint rounds;
	guint64 bytes_sent;
	guint64 bytes_received;
} GsNegSessionResult;

void
gs_neg_session_result_free(GsNegSessionResult *result);

void
gs_neg_session_run_async(GsRelayConnection *conn,
			 GsFilter *filter,
			 GsNegentropyStorage *local,
			 gsize frame_size_limit,
			 guint first_reply_timeout_ms,
			 GCancellable *cancellable,
			 GAsyncReadyCallback callback,
			 gpointer user_data);
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
				gpointer user_data);
GsNegSessionResult *
gs_neg_session_run_finish(GAsyncResult *res, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsNegSessionResult, gs_neg_session_result_free)

G_END_DECLS
