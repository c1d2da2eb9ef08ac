/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * GsConnectionStatus:
 * @GS_CONNECTION_STATUS_DISCONNECTED: no connection
 * @GS_CONNECTION_STATUS_CONNECTING: connection attempt in progress
 * @GS_CONNECTION_STATUS_SYNCING: connected, historic sync in progress, live subscriptions active
 * @GS_CONNECTION_STATUS_CONNECTED: connected, every historic batch succeeded, live
 * @GS_CONNECTION_STATUS_CONNECTED_DEGRADED: connected and live, but a historic batch failed
 *
 * The value is the value of the `ngit_sync_relay_connected` metric and of the D-Bus `Status`
 * property; the nick is the one spelling used everywhere else.
 */
typedef enum {
	GS_CONNECTION_STATUS_DISCONNECTED = 0,
	GS_CONNECTION_STATUS_CONNECTING = 1,
	GS_CONNECTION_STATUS_SYNCING = 2,
	GS_CONNECTION_STATUS_CONNECTED = 3,
	GS_CONNECTION_STATUS_CONNECTED_DEGRADED = 4,
} GsConnectionStatus;

/**
 * GsRelayHealth:
 *
 * The value of the `ngit_sync_relay_status` metric.
 */
typedef enum {
	GS_RELAY_HEALTH_HEALTHY = 1,
	GS_RELAY_HEALTH_DISCONNECTED = 2,
	GS_RELAY_HEALTH_DEGRADED = 3,
	GS_RELAY_HEALTH_DEAD = 4,
	GS_RELAY_HEALTH_RATE_LIMITED = 5,
} GsRelayHealth;

typedef enum {
	GS_SYNC_METHOD_NEGENTROPY,
	GS_SYNC_METHOD_REQ_EOSE,
} GsSyncMethod;

typedef enum {
	GS_SYNC_LEVEL_FULL,
	GS_SYNC_LEVEL_STATE_ONLY,
} GsSyncLevel;

/**
 * GsSyncOutcome:
 * @GS_SYNC_OUTCOME_PENDING: the batch has not ended yet
 * @GS_SYNC_OUTCOME_COMPLETE: every subscription reached EOSE and nothing is missing
 * @GS_SYNC_OUTCOME_FAILED: a subscription was CLOSED, timed out, or ids were never delivered
 * @GS_SYNC_OUTCOME_ABORTED: the connection dropped; the items are redone on reconnect
 *
 * How a historic batch ended; the nick is the `outcome` label of `ngit_sync_batches_total`.
 */
typedef enum {
	GS_SYNC_OUTCOME_PENDING,
	GS_SYNC_OUTCOME_COMPLETE,
	GS_SYNC_OUTCOME_FAILED,
	GS_SYNC_OUTCOME_ABORTED,
} GsSyncOutcome;

/**
 * GsStoreResult:
 * @GS_STORE_RESULT_STORED: a new event was written
 * @GS_STORE_RESULT_DUPLICATE: the event was already stored
 * @GS_STORE_RESULT_REPLACED: stored, and an older replaceable/addressable version was removed
 * @GS_STORE_RESULT_REFUSED_DELETED: a NIP-09 deletion names this event or its address
 * @GS_STORE_RESULT_REFUSED_OLDER: a newer version of this replaceable/addressable event exists
 */
typedef enum {
	GS_STORE_RESULT_STORED,
	GS_STORE_RESULT_DUPLICATE,
	GS_STORE_RESULT_REPLACED,
	GS_STORE_RESULT_REFUSED_DELETED,
	GS_STORE_RESULT_REFUSED_OLDER,
} GsStoreResult;

/* the nicks of the mkenums GTypes: the spelling used on D-Bus, in /status and in metrics */
const gchar *
gs_connection_status_to_string(GsConnectionStatus status);
const gchar *
gs_relay_health_to_string(GsRelayHealth health);
const gchar *
gs_sync_method_to_string(GsSyncMethod method);
const gchar *
gs_sync_level_to_string(GsSyncLevel level);

/**
 * GsNaughtyCategory:
 * @GS_NAUGHTY_CATEGORY_NONE: not on the naughty list: the failure says nothing about the
 *   relay itself (refused, timed out, reset, cancelled, a temporary DNS failure)
 * @GS_NAUGHTY_CATEGORY_DNS_LOOKUP_FAILED: the relay's host name does not exist
 * @GS_NAUGHTY_CATEGORY_TLS_CERTIFICATE_INVALID: the relay's TLS certificate was refused
 * @GS_NAUGHTY_CATEGORY_PROTOCOL_ERROR: the peer is not a websocket server, or breaks TLS or
 *   HTTP
 *
 * Why a connection attempt failed, for the naughty list (sync spec section 6). The metric
 * label is gs_naughty_category_to_string(), e.g. `dns_lookup_failed`.
 */
typedef enum {
	GS_NAUGHTY_CATEGORY_NONE,
	GS_NAUGHTY_CATEGORY_DNS_LOOKUP_FAILED,
	GS_NAUGHTY_CATEGORY_TLS_CERTIFICATE_INVALID,
	GS_NAUGHTY_CATEGORY_PROTOCOL_ERROR,
} GsNaughtyCategory;

/**
 * GsPolicyVerdict:
 * @GS_POLICY_VERDICT_ACCEPTED: store it
 * @GS_POLICY_VERDICT_DUPLICATE: the event is already stored
 * @GS_POLICY_VERDICT_DEFERRED: it depends on a coordinate or event we do not have yet
 * @GS_POLICY_VERDICT_REJECTED: refused; the result names a #GsRejectReason
 *
 * What the acceptance policy (specs/sync.md section 10) decides for one verified event.
 */
typedef enum {
	GS_POLICY_VERDICT_ACCEPTED,
	GS_POLICY_VERDICT_DUPLICATE,
	GS_POLICY_VERDICT_DEFERRED,
	GS_POLICY_VERDICT_REJECTED,
} GsPolicyVerdict;

/**
 * GsRejectReason:
 * @GS_REJECT_REASON_NONE: not rejected
 * @GS_REJECT_REASON_MALFORMED_JSON: the bytes are not one JSON document (or nest too deep)
 * @GS_REJECT_REASON_INVALID_EVENT: a field is missing, of the wrong type or out of range
 * @GS_REJECT_REASON_BAD_ID: the id is not the SHA-256 of the event's canonical form
 * @GS_REJECT_REASON_BAD_SIGNATURE: the BIP-340 signature does not verify
 * @GS_REJECT_REASON_TOO_LARGE: the event JSON is over `max-event-bytes`
 * @GS_REJECT_REASON_TOO_MANY_TAGS: the event has more than 2,000 tags
 * @GS_REJECT_REASON_FUTURE: `created_at` is more than 15 minutes ahead of our clock
 * @GS_REJECT_REASON_EPHEMERAL: an ephemeral kind (20000-29999), never stored
 * @GS_REJECT_REASON_BLACKLISTED: the author or the repository is blacklisted
 * @GS_REJECT_REASON_INVALID_IDENTIFIER: a 30617/30618 `d` tag is missing, empty, `.`, `..`,
 *   or contains `/` or `\`
 * @GS_REJECT_REASON_MULTIPLE_CLONE_TAGS: an announcement has more than one `clone` tag
 * @GS_REJECT_REASON_DOES_NOT_LIST_SERVICE: an announcement that is neither ours, archived,
 *   nor by a maintainer of an accepted announcement
 * @GS_REJECT_REASON_NOT_AUTHORIZED: a state event whose author maintains no accepted
 *   announcement with its `d`
 * @GS_REJECT_REASON_UNREFERENCED: the event references nothing (no `a`/`A`/`q`/`e`/`E`
 *   tag) and nothing stored references it
 * @GS_REJECT_REASON_DELETED: a stored NIP-09 deletion names the event or its address
 * @GS_REJECT_REASON_SUPERSEDED: a newer version of the replaceable/addressable key is stored
 * @GS_REJECT_REASON_STORE_ERROR: the store failed to write it (counted, retried by sync)
 * @GS_REJECT_REASON_SHUTDOWN: the ingest was disposed before the event was processed
 *
 * Why an event was not stored; the nick is the `reason` label of
 * `ngit_sync_events_rejected_total`.
 */
typedef enum {
	GS_REJECT_REASON_NONE,
	GS_REJECT_REASON_MALFORMED_JSON,
	GS_REJECT_REASON_INVALID_EVENT,
	GS_REJECT_REASON_BAD_ID,
	GS_REJECT_REASON_BAD_SIGNATURE,
	GS_REJECT_REASON_TOO_LARGE,
	GS_REJECT_REASON_TOO_MANY_TAGS,
	GS_REJECT_REASON_FUTURE,
	GS_REJECT_REASON_EPHEMERAL,
	GS_REJECT_REASON_BLACKLISTED,
	GS_REJECT_REASON_INVALID_IDENTIFIER,
	GS_REJECT_REASON_MULTIPLE_CLONE_TAGS,
	GS_REJECT_REASON_DOES_NOT_LIST_SERVICE,
	GS_REJECT_REASON_NOT_AUTHORIZED,
	GS_REJECT_REASON_UNREFERENCED,
	GS_REJECT_REASON_DELETED,
	GS_REJECT_REASON_SUPERSEDED,
	GS_REJECT_REASON_STORE_ERROR,
	GS_REJECT_REASON_SHUTDOWN,
	GS_REJECT_REASON_LAST /*< skip >*/
} GsRejectReason;

/**
 * GsIngestOutcome:
 * @GS_INGEST_OUTCOME_STORED: written to the store (new, or replacing an older version)
 * @GS_INGEST_OUTCOME_DUPLICATE: already stored
 * @GS_INGEST_OUTCOME_DEFERRED: waiting in the rejected index for a dependency
 * @GS_INGEST_OUTCOME_REJECTED: valid, but refused by a limit, the policy or the store
 * @GS_INGEST_OUTCOME_INVALID: not a valid event: malformed, wrong id or wrong signature
 * @GS_INGEST_OUTCOME_FAILED: the store failed, or the ingest shut down first
 *
 * What happened to one submitted event.
 */
typedef enum {
	GS_INGEST_OUTCOME_STORED,
	GS_INGEST_OUTCOME_DUPLICATE,
	GS_INGEST_OUTCOME_DEFERRED,
	GS_INGEST_OUTCOME_REJECTED,
	GS_INGEST_OUTCOME_INVALID,
	GS_INGEST_OUTCOME_FAILED,
	GS_INGEST_OUTCOME_LAST /*< skip >*/
} GsIngestOutcome;

/**
 * GsArchiveMode:
 * @GS_ARCHIVE_MODE_NONE: accept only announcements that are ours (or archive-listed)
 * @GS_ARCHIVE_MODE_ALL: accept every valid announcement (GRASP-05 `archive = all`)
 */
typedef enum {
	GS_ARCHIVE_MODE_NONE,
	GS_ARCHIVE_MODE_ALL,
} GsArchiveMode;

/**
 * GsRejectedEventType:
 * @GS_REJECTED_EVENT_TYPE_ANNOUNCEMENT: kind 30617
 * @GS_REJECTED_EVENT_TYPE_STATE: kind 30618
 * @GS_REJECTED_EVENT_TYPE_OTHER: every other kind (patches, issues, comments, ...)
 *
 * The `event_type` label of the `ngit_sync_rejected_*` metrics.
 */
typedef enum {
	GS_REJECTED_EVENT_TYPE_ANNOUNCEMENT,
	GS_REJECTED_EVENT_TYPE_STATE,
	GS_REJECTED_EVENT_TYPE_OTHER,
	GS_REJECTED_EVENT_TYPE_LAST /*< skip >*/
} GsRejectedEventType;

G_END_DECLS
