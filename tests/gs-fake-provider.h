/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-status-provider.h"

G_BEGIN_DECLS

/*
 * GsFakeProvider: a test double of the sync engine's #GsStatusProvider. It holds relays in
 * every state and answers the control actions the way the engine is specified to (sync spec
 * sections 3-5), changing the relay's properties so that notifications flow; it records each
 * action in a log ("resync wss://a.example.com") and fails every action with BUSY while
 * gs_fake_provider_set_busy() is on.
 */
#define GS_TYPE_FAKE_PROVIDER (gs_fake_provider_get_type())
G_DECLARE_FINAL_TYPE(GsFakeProvider, gs_fake_provider, GS, FAKE_PROVIDER, GObject)

/* the relays of gs_fake_provider_new_populated(), in URL order */
#define GS_FAKE_CONNECTED "wss://connected.example.com"
#define GS_FAKE_CONNECTING "wss://connecting.example.com"
#define GS_FAKE_DEAD "wss://dead.example.com"
#define GS_FAKE_DEGRADED "wss://degraded.example.com"
#define GS_FAKE_LIMITED "wss://limited.example.com/nostr"
#define GS_FAKE_SYNCING "wss://syncing.example.com"
#define GS_FAKE_STARTED_AT 1700000000
/* the home relay of gs_fake_provider_new_populated(): 42 events pending, 3 refused */
#define GS_FAKE_HOME "ws://127.0.0.1:3334"

GsFakeProvider *
gs_fake_provider_new(void);
GsFakeProvider *
gs_fake_provider_new_populated(void);
void
gs_fake_provider_add(GsFakeProvider *self, GsRelayStatus *relay);
void
gs_fake_provider_remove(GsFakeProvider *self, const gchar *url);
GsRelayStatus *
gs_fake_provider_get(GsFakeProvider *self, const gchar *url);
void
gs_fake_provider_set_counts(GsFakeProvider *self, guint repos, guint roots);
void
gs_fake_provider_set_busy(GsFakeProvider *self, gboolean busy);
void
gs_fake_provider_set_home(GsFakeProvider *self,
			  const gchar *url,
			  gboolean connected,
			  guint64 pending,
			  guint64 refused);
GPtrArray *
gs_fake_provider_get_log(GsFakeProvider *self);

G_END_DECLS
