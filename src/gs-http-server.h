/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "gs-websocket.h"

G_BEGIN_DECLS

#define GS_TYPE_HTTP_SERVER (gs_http_server_get_type())
G_DECLARE_FINAL_TYPE(GsHttpServer, gs_http_server, GS, HTTP_SERVER, GObject)

/* the largest request body any path accepts; larger requests get 413 */
#define GS_HTTP_SERVER_MAX_BODY (64 * 1024)

typedef gboolean (*GsHttpHealthFunc)(gpointer user_data, GError **error);
typedef gchar *(*GsHttpDocumentFunc)(gpointer user_data);
typedef gboolean (*GsHttpWebsocketCheckFunc)(gpointer user_data, guint *status, gchar **reason);
typedef void (*GsHttpWebsocketFunc)(GsWebsocket *conn, const gchar *peer, gpointer user_data);

GsHttpServer *
gs_http_server_new(void);
gboolean
gs_http_server_listen(GsHttpServer *self, const gchar *address, GError **error);
gchar *
gs_http_server_dup_uri(GsHttpServer *self);
guint16
gs_http_server_get_port(GsHttpServer *self);
void
gs_http_server_disconnect(GsHttpServer *self);

void
gs_http_server_set_health_func(GsHttpServer *self, GsHttpHealthFunc func, gpointer user_data);
void
gs_http_server_set_nip11_func(GsHttpServer *self, GsHttpDocumentFunc func, gpointer user_data);
void
gs_http_server_set_page_func(GsHttpServer *self, GsHttpDocumentFunc func, gpointer user_data);
void
gs_http_server_set_websocket_func(GsHttpServer *self,
				  GsHttpWebsocketCheckFunc check,
				  GsHttpWebsocketFunc func,
				  gpointer user_data);
void
gs_http_server_add_get_handler(GsHttpServer *self,
			       const gchar *path,
			       SoupServerCallback callback,
			       gpointer user_data);

gboolean
gs_http_parse_listen_address(const gchar *address, gchar **host, guint16 *port, GError **error);

G_END_DECLS
