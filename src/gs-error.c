/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsError"

#include "config.h"

#include "gs-error.h"

/* the D-Bus names are part of the public interface: append, never reorder */
static const GDBusErrorEntry gs_error_entries[] = {
	{GS_ERROR_INTERNAL, "dev.graspsync.GraspSync1.Error.Internal"},
	{GS_ERROR_INVALID_ARGUMENT, "dev.graspsync.GraspSync1.Error.InvalidArgument"},
	{GS_ERROR_INVALID_EVENT, "dev.graspsync.GraspSync1.Error.InvalidEvent"},
	{GS_ERROR_BAD_SIGNATURE, "dev.graspsync.GraspSync1.Error.BadSignature"},
	{GS_ERROR_TOO_LARGE, "dev.graspsync.GraspSync1.Error.TooLarge"},
	{GS_ERROR_PROTOCOL, "dev.graspsync.GraspSync1.Error.Protocol"},
	{GS_ERROR_TIMEOUT, "dev.graspsync.GraspSync1.Error.Timeout"},
	{GS_ERROR_NOT_FOUND, "dev.graspsync.GraspSync1.Error.NotFound"},
	{GS_ERROR_BUSY, "dev.graspsync.GraspSync1.Error.Busy"},
	{GS_ERROR_UNSUPPORTED, "dev.graspsync.GraspSync1.Error.Unsupported"},
	{GS_ERROR_STORE, "dev.graspsync.GraspSync1.Error.Store"},
};

G_STATIC_ASSERT(G_N_ELEMENTS(gs_error_entries) == GS_ERROR_LAST);

GQuark
gs_error_quark(void)
{
	static gsize quark = 0;
	g_dbus_error_register_error_domain(
		"gs-error-quark", &quark, gs_error_entries, G_N_ELEMENTS(gs_error_entries));
	return (GQuark)quark;
}
