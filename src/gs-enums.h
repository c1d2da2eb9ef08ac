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

G_END_DECLS
