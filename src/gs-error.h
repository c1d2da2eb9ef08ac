/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define GS_ERROR (gs_error_quark())

/**
 * GsError:
 * @GS_ERROR_INTERNAL: an unexpected internal failure
 * @GS_ERROR_INVALID_ARGUMENT: a caller passed a bad argument (D-Bus, CLI, config)
 * @GS_ERROR_INVALID_EVENT: an event is malformed; the message names the field
 * @GS_ERROR_BAD_SIGNATURE: an event's id or Schnorr signature does not verify
 * @GS_ERROR_TOO_LARGE: input is over a configured or protocol size limit
 * @GS_ERROR_PROTOCOL: a peer broke the wire protocol (NIP-01, NIP-77)
 * @GS_ERROR_TIMEOUT: a peer did not answer in time
 * @GS_ERROR_NOT_FOUND: the named thing (relay, event) is unknown
 * @GS_ERROR_BUSY: the operation cannot run now; try again later
 * @GS_ERROR_UNSUPPORTED: the peer does not support the feature (e.g. NIP-77)
 * @GS_ERROR_STORE: the event store failed or is unusable
 *
 * Each code is registered as a D-Bus error name `dev.graspsync.GraspSync1.Error.<Name>`.
 */
typedef enum {
	GS_ERROR_INTERNAL,
	GS_ERROR_INVALID_ARGUMENT,
	GS_ERROR_INVALID_EVENT,
	GS_ERROR_BAD_SIGNATURE,
	GS_ERROR_TOO_LARGE,
	GS_ERROR_PROTOCOL,
	GS_ERROR_TIMEOUT,
	GS_ERROR_NOT_FOUND,
	GS_ERROR_BUSY,
	GS_ERROR_UNSUPPORTED,
	GS_ERROR_STORE,
	GS_ERROR_LAST /*< skip >*/
} GsError;

GQuark
gs_error_quark(void);

G_END_DECLS
