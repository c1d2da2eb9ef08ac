/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsHttp"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-http-server.h"

struct _GsHttpServer {
	GObject parent_instance;
	SoupServer *server;
	GsHttpHealthFunc health_func;
	gpointer health_data;
	GsHttpDocumentFunc nip11_func;
	gpointer nip11_data;
	GsHttpDocumentFunc page_func;
	gpointer page_data;
	GsHttpWebsocketCheckFunc ws_check;
	GsHttpWebsocketFunc ws_func;
	gpointer ws_data;
};

G_DEFINE_FINAL_TYPE(GsHttpServer, gs_http_server, G_TYPE_OBJECT)

typedef struct {
	GsHttpServer *self; /* unowned: the server outlives its handlers */
	SoupServerCallback callback;
	gpointer user_data;
} GsHttpGetHandler;

static const gchar gs_http_default_page[] =
	"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>grasp-syncd</title></head>"
	"<body><h1>grasp-syncd</h1><p>This is a grasp-sync daemon: it keeps a GRASP server's "
	"Nostr git data (NIP-34) complete by syncing it from other relays. Nostr clients can "
	"connect to this address with a websocket; <code>Accept: application/nostr+json</code> "
	"gives the NIP-11 document, <a href=\"/health\">/health</a> the daemon's health.</p>"
	"</body></html>\n";

/*
 * Plain HTTP answers close the connection: libsoup 3.2 leaks the server side of an idle
 * keep-alive connection that the client closes (fixed upstream in 3.3), and scrapers and
 * health checks gain nothing from keep-alive.
 */
static void
gs_http_set_text(SoupServerMessage *msg, guint status, const gchar *type, const gchar *body)
{
	soup_message_headers_replace(
		soup_server_message_get_response_headers(msg), "Connection", "close");
	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, type, SOUP_MEMORY_COPY, body, strlen(body));
}

static gboolean
gs_http_method_is(SoupServerMessage *msg, const gchar *method)
{
	return g_strcmp0(soup_server_message_get_method(msg), method) == 0;
}

/* GET and HEAD only; anything else is answered 405 with an Allow header */
static gboolean
gs_http_check_get(SoupServerMessage *msg, const gchar *allow)
{
	if (gs_http_method_is(msg, SOUP_METHOD_GET) || gs_http_method_is(msg, SOUP_METHOD_HEAD))
		return TRUE;
	soup_message_headers_replace(soup_server_message_get_response_headers(msg), "Allow", allow);
	gs_http_set_text(msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "text/plain", "method not allowed\n");
	return FALSE;
}

/* NIP-11 asks for these so that browser clients can read the document */
static void
gs_http_add_cors(SoupServerMessage *msg)
{
	SoupMessageHeaders *hdrs = soup_server_message_get_response_headers(msg);
	soup_message_headers_replace(hdrs, "Access-Control-Allow-Origin", "*");
	soup_message_headers_replace(hdrs, "Access-Control-Allow-Headers", "*");
	soup_message_headers_replace(hdrs, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
}

static gboolean
gs_http_is_websocket_upgrade(SoupServerMessage *msg)
{
	SoupMessageHeaders *hdrs = soup_server_message_get_request_headers(msg);
	return soup_message_headers_header_contains(hdrs, "Upgrade", "websocket");
}

/* the peer's address, for logs; libsoup's own getter warns when the peer is already gone
 * (a client that connected and vanished), which is routine for a server, not a warning */
static gchar *
gs_http_dup_peer(SoupServerMessage *msg)
{
	GSocket *sock = soup_server_message_get_socket(msg);
	g_autoptr(GSocketAddress) addr = NULL;

	if (sock != NULL)
		addr = g_socket_get_remote_address(sock, NULL);
	if (addr == NULL || !G_IS_INET_SOCKET_ADDRESS(addr))
		return NULL;
	return g_inet_address_to_string(
		g_inet_socket_address_get_address(G_INET_SOCKET_ADDRESS(addr)));
}

/* the 101 answer is written: the connection is the websocket's from here on */
static void
gs_http_upgraded_cb(SoupServerMessage *msg, gpointer user_data)
{
	GsHttpServer *self = GS_HTTP_SERVER(user_data);
	g_autofree gchar *peer = gs_http_dup_peer(msg);
	g_autoptr(GIOStream) stream = soup_server_message_steal_connection(msg);
	g_autoptr(GsWebsocket) ws = NULL;

	if (stream == NULL)
		return;
	ws = gs_websocket_new_server(stream);
	if (self->ws_func == NULL) {
		gs_websocket_close(ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
		return;
	}
	self->ws_func(ws, peer, self->ws_data);
}

/*
 * the websocket upgrade of `/`: refused with the check's status, else answered 101 (libsoup
 * checks the handshake and answers 400 to a bad one; no extension is offered) and handed to
 * a GsWebsocket once that answer is written
 */
static void
gs_http_root_upgrade(GsHttpServer *self, SoupServerMessage *msg)
{
	guint status = SOUP_STATUS_SERVICE_UNAVAILABLE;
	g_autofree gchar *reason = NULL;

	if (self->ws_func == NULL) {
		gs_http_set_text(msg, SOUP_STATUS_NOT_FOUND, "text/plain", "no relay endpoint\n");
		return;
	}
	if (self->ws_check != NULL && !self->ws_check(self->ws_data, &status, &reason)) {
		g_autofree gchar *peer = gs_http_dup_peer(msg);

		g_debug("refusing websocket from %s: %s",
			peer != NULL ? peer : "an unknown peer",
			reason);
		gs_http_set_text(msg, status, "text/plain", reason != NULL ? reason : "refused\n");
		return;
	}
	if (soup_websocket_server_process_handshake(msg, NULL, NULL, NULL, NULL))
		g_signal_connect_object(
			msg, "wrote-informational", G_CALLBACK(gs_http_upgraded_cb), self, 0);
}

static void
gs_http_root_cb(SoupServer *server,
		SoupServerMessage *msg,
		const char *path,
		GHashTable *query,
		gpointer user_data)
{
	GsHttpServer *self = GS_HTTP_SERVER(user_data);
	SoupMessageHeaders *req = soup_server_message_get_request_headers(msg);
	g_autofree gchar *body = NULL;

	if (g_strcmp0(path, "/") != 0) {
		gs_http_set_text(msg, SOUP_STATUS_NOT_FOUND, "text/plain", "not found\n");
		return;
	}
	if (gs_http_is_websocket_upgrade(msg) && gs_http_method_is(msg, SOUP_METHOD_GET)) {
		gs_http_root_upgrade(self, msg);
		return;
	}
	if (gs_http_method_is(msg, SOUP_METHOD_OPTIONS)) {
		gs_http_add_cors(msg);
		soup_server_message_set_status(msg, SOUP_STATUS_NO_CONTENT, NULL);
		return;
	}
	if (!gs_http_check_get(msg, "GET, HEAD, OPTIONS"))
		return;
	if (self->nip11_func != NULL &&
	    soup_message_headers_header_contains(req, "Accept", "application/nostr+json")) {
		body = self->nip11_func(self->nip11_data);
		gs_http_add_cors(msg);
		gs_http_set_text(msg, SOUP_STATUS_OK, "application/nostr+json", body);
		return;
	}
	if (self->page_func != NULL)
		body = self->page_func(self->page_data);
	gs_http_set_text(msg,
			 SOUP_STATUS_OK,
			 "text/html; charset=utf-8",
			 body != NULL ? body : gs_http_default_page);
}

static void
gs_http_health_cb(SoupServer *server,
		  SoupServerMessage *msg,
		  const char *path,
		  GHashTable *query,
		  gpointer user_data)
{
	GsHttpServer *self = GS_HTTP_SERVER(user_data);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *body = NULL;

	if (!gs_http_check_get(msg, "GET, HEAD"))
		return;
	if (self->health_func != NULL && !self->health_func(self->health_data, &error)) {
		body = g_strdup_printf("unhealthy: %s\n",
				       error != NULL ? error->message : "unknown");
		gs_http_set_text(msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "text/plain", body);
		return;
	}
	gs_http_set_text(msg, SOUP_STATUS_OK, "text/plain", "ok\n");
}

static void
gs_http_get_handler_cb(SoupServer *server,
		       SoupServerMessage *msg,
		       const char *path,
		       GHashTable *query,
		       gpointer user_data)
{
	GsHttpGetHandler *h = user_data;
	if (!gs_http_check_get(msg, "GET, HEAD"))
		return;
	h->callback(server, msg, path, query, h->user_data);
}

/* refuse large bodies before libsoup buffers them: no path takes more than a few KiB */
static void
gs_http_got_headers_cb(SoupServerMessage *msg, gpointer user_data)
{
	SoupMessageHeaders *hdrs = soup_server_message_get_request_headers(msg);
	goffset len = soup_message_headers_get_content_length(hdrs);
	SoupEncoding enc = soup_message_headers_get_encoding(hdrs);

	if (len > GS_HTTP_SERVER_MAX_BODY || enc == SOUP_ENCODING_CHUNKED ||
	    enc == SOUP_ENCODING_EOF) {
		soup_message_headers_replace(
			soup_server_message_get_response_headers(msg), "Connection", "close");
		gs_http_set_text(msg,
				 SOUP_STATUS_REQUEST_ENTITY_TOO_LARGE,
				 "text/plain",
				 "request too large\n");
	}
}

static void
gs_http_request_started_cb(SoupServer *server, SoupServerMessage *msg, gpointer user_data)
{
	g_signal_connect(msg, "got-headers", G_CALLBACK(gs_http_got_headers_cb), NULL);
}

/**
 * gs_http_parse_listen_address:
 * @address: `host:port`, `[v6]:port`; port 0 picks a free port
 */
gboolean
gs_http_parse_listen_address(const gchar *address, gchar **host, guint16 *port, GError **error)
{
	const gchar *colon = strrchr(address, ':');
	g_autofree gchar *h = NULL;
	guint64 p = 0;

	if (colon == NULL || colon == address ||
	    !g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &p, NULL)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "listen address '%s' is not host:port",
			    address);
		return FALSE;
	}
	h = g_strndup(address, colon - address);
	if (h[0] == '[' && h[strlen(h) - 1] == ']') {
		gchar *inner = g_strndup(h + 1, strlen(h) - 2);
		g_free(h);
		h = inner;
	}
	if (!g_hostname_is_ip_address(h) && g_strcmp0(h, "localhost") != 0) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "listen address '%s': host must be an IP address or localhost",
			    address);
		return FALSE;
	}
	*host = g_steal_pointer(&h);
	*port = (guint16)p;
	return TRUE;
}

gboolean
gs_http_server_listen(GsHttpServer *self, const gchar *address, GError **error)
{
	g_autofree gchar *host = NULL;
	guint16 port = 0;
	g_autoptr(GInetAddress) inet = NULL;
	g_autoptr(GSocketAddress) saddr = NULL;

	if (!gs_http_parse_listen_address(address, &host, &port, error))
		return FALSE;
	if (g_strcmp0(host, "localhost") == 0)
		inet = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	else
		inet = g_inet_address_new_from_string(host);
	saddr = g_inet_socket_address_new(inet, port);
	if (!soup_server_listen(self->server, saddr, 0, error)) {
		g_prefix_error(error, "failed to listen on %s: ", address);
		return FALSE;
	}
	return TRUE;
}

/* returns: (transfer full): `http://host:port` of the first listener, or %NULL */
gchar *
gs_http_server_dup_uri(GsHttpServer *self)
{
	GSList *uris = soup_server_get_uris(self->server);
	gchar *str = NULL;

	if (uris != NULL) {
		GUri *uri = uris->data;
		str = g_strdup_printf("http://%s:%d", g_uri_get_host(uri), g_uri_get_port(uri));
	}
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	return str;
}

guint16
gs_http_server_get_port(GsHttpServer *self)
{
	GSList *uris = soup_server_get_uris(self->server);
	guint16 port = 0;

	if (uris != NULL)
		port = (guint16)g_uri_get_port(uris->data);
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	return port;
}

void
gs_http_server_disconnect(GsHttpServer *self)
{
	soup_server_disconnect(self->server);
}

void
gs_http_server_set_health_func(GsHttpServer *self, GsHttpHealthFunc func, gpointer user_data)
{
	self->health_func = func;
	self->health_data = user_data;
}

void
gs_http_server_set_nip11_func(GsHttpServer *self, GsHttpDocumentFunc func, gpointer user_data)
{
	self->nip11_func = func;
	self->nip11_data = user_data;
}

void
gs_http_server_set_page_func(GsHttpServer *self, GsHttpDocumentFunc func, gpointer user_data)
{
	self->page_func = func;
	self->page_data = user_data;
}

/**
 * gs_http_server_set_websocket_func:
 * @check: (nullable): asked before the handshake; returning %FALSE refuses the upgrade with
 *   the HTTP status and reason it sets (e.g. 503 when at the connection limit)
 * @func: receives every accepted connection
 */
void
gs_http_server_set_websocket_func(GsHttpServer *self,
				  GsHttpWebsocketCheckFunc check,
				  GsHttpWebsocketFunc func,
				  gpointer user_data)
{
	self->ws_check = check;
	self->ws_func = func;
	self->ws_data = user_data;
}

/* one handler per path; other methods than GET/HEAD are answered 405 */
void
gs_http_server_add_get_handler(GsHttpServer *self,
			       const gchar *path,
			       SoupServerCallback callback,
			       gpointer user_data)
{
	GsHttpGetHandler *h = g_new0(GsHttpGetHandler, 1);
	h->self = self;
	h->callback = callback;
	h->user_data = user_data;
	soup_server_add_handler(self->server, path, gs_http_get_handler_cb, h, g_free);
}

static void
gs_http_server_dispose(GObject *object)
{
	GsHttpServer *self = GS_HTTP_SERVER(object);
	if (self->server != NULL)
		soup_server_disconnect(self->server);
	g_clear_object(&self->server);
	G_OBJECT_CLASS(gs_http_server_parent_class)->dispose(object);
}

static void
gs_http_server_class_init(GsHttpServerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = gs_http_server_dispose;
}

static void
gs_http_server_init(GsHttpServer *self)
{
	self->server = soup_server_new("server-header", "grasp-syncd/" PACKAGE_VERSION " ", NULL);
	g_signal_connect(
		self->server, "request-started", G_CALLBACK(gs_http_request_started_cb), self);
	soup_server_add_handler(self->server, "/", gs_http_root_cb, self, NULL);
	soup_server_add_handler(self->server, "/health", gs_http_health_cb, self, NULL);
	/* `/`'s websocket upgrades are gs_http_root_upgrade()'s, without extensions (no
	 * permessage-deflate: the relay endpoint bounds each connection's queue by comparing the
	 * bytes it queued with the bytes TCP acknowledged, which needs uncompressed frames) */
}

GsHttpServer *
gs_http_server_new(void)
{
	return g_object_new(GS_TYPE_HTTP_SERVER, NULL);
}
