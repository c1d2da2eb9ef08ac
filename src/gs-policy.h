/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

#include "gs-enums.h"
#include "gs-event.h"
#include "gs-store.h"

G_BEGIN_DECLS

#define GS_TYPE_POLICY (gs_policy_get_type())
G_DECLARE_FINAL_TYPE(GsPolicy, gs_policy, GS, POLICY, GObject)

/**
 * GsPolicyResult:
 * @verdict: what to do with the event
 * @reason: for %GS_POLICY_VERDICT_REJECTED, why; %GS_REJECT_REASON_NONE otherwise
 * @dependency: for %GS_POLICY_VERDICT_DEFERRED, what it waits for: a coordinate
 *   `kind:pubkey:d` or an event id (64 hex digits); %NULL otherwise. Owned by the result.
 *
 * The typed outcome of gs_policy_decide(). Clear it with gs_policy_result_clear().
 */
typedef struct {
	GsPolicyVerdict verdict;
	GsRejectReason reason;
	gchar *dependency;
} GsPolicyResult;

void
gs_policy_result_clear(GsPolicyResult *result);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GsPolicyResult, gs_policy_result_clear)

/**
 * GsPolicy:
 *
 * The acceptance policy of specs/sync.md section 10, for events whose size, id and signature
 * were already checked. "Accepted" means stored: the policy reads what was accepted before
 * from the store (with an in-memory cache of announcements per `d`, kept current from
 * `GsStore::event-stored`), plus an overlay of events accepted but not yet committed
 * (gs_policy_add_pending()), so that one batch can hold an announcement and its state.
 *
 * Main-thread only, like the store.
 */

GsPolicy *
gs_policy_new(GsStore *store);

gboolean
gs_policy_set_service_urls(GsPolicy *self, const gchar *const *urls, GError **error);
void
gs_policy_set_archive_mode(GsPolicy *self, GsArchiveMode mode);
gboolean
gs_policy_set_archive_pubkeys(GsPolicy *self, const gchar *const *pubkeys, GError **error);
gboolean
gs_policy_set_archive_services(GsPolicy *self, const gchar *const *hosts, GError **error);
gboolean
gs_policy_set_repository_blacklist(GsPolicy *self, const gchar *const *entries, GError **error);
gboolean
gs_policy_set_event_blacklist(GsPolicy *self, const gchar *const *pubkeys, GError **error);

gboolean
gs_policy_decide(GsPolicy *self, GsEvent *event, GsPolicyResult *result, GError **error);
void
gs_policy_add_pending(GsPolicy *self, GsEvent *event);
void
gs_policy_clear_pending(GsPolicy *self);

GStrv
gs_policy_dup_wait_keys(GsPolicy *self, GsEvent *event, const GsPolicyResult *result);
typedef void (*GsPolicyKeyFunc)(const gchar *key, gpointer user_data);
void
gs_policy_foreach_arrival_key(GsPolicy *self,
			      GsEvent *event,
			      GsPolicyKeyFunc func,
			      gpointer user_data);
GStrv
gs_policy_dup_arrival_keys(GsPolicy *self, GsEvent *event);

gboolean
gs_policy_is_valid_identifier(const gchar *d);
const gchar *
gs_reject_reason_to_string(GsRejectReason reason);
const gchar *
gs_policy_verdict_to_string(GsPolicyVerdict verdict);

G_END_DECLS
