/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-relay-server.h"

G_BEGIN_DECLS

/* for GsRelayClient: runs the incoming or outgoing tap; %FALSE means swallow the message */
gboolean
gs_relay_server_run_tap(GsRelayServer *self,
			GsRelayClient *client,
			gboolean outgoing,
			const gchar *text,
			gsize len);

G_END_DECLS
