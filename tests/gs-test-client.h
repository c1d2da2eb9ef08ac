/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "gs-message.h"

G_BEGIN_DECLS

/*
 * GsTestClient: a websocket client for tests that collects the messages it receives, so a
 * test can send and then wait for the next message while the main context runs.
 */
typedef struct _GsTestClient GsTestClient;

GsTestClient *
gs_test_client_new(const gchar *url);
GsTestClient *
gs_test_client_try_new(const gchar *url, GError **error);
void
gs_test_client_free(GsTestClient *self);
void
gs_test_client_send(GsTestClient *self, const gchar *text);
void
gs_test_client_send_binary(GsTestClient *self, gconstpointer data, gsize len);
gchar *
gs_test_client_recv(GsTestClient *self, guint timeout_ms);
GsMessage *
gs_test_client_recv_message(GsTestClient *self, guint timeout_ms);
gboolean
gs_test_client_wait_closed(GsTestClient *self, guint timeout_ms);
gushort
gs_test_client_get_close_code(GsTestClient *self);
SoupWebsocketConnection *
gs_test_client_get_connection(GsTestClient *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsTestClient, gs_test_client_free)

/* iterates the default main context until @done is TRUE or @timeout_ms passed */
gboolean
gs_test_wait_until(gboolean *done, guint timeout_ms);
void
gs_test_iterate(guint ms);

G_END_DECLS
