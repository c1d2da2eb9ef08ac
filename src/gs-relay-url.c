/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRelay"

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "gs-error.h"
#include "gs-relay-url.h"

static gpointer
gs_relay_url_invalid(GError **error, const gchar *url, const gchar *why)
{
	/* the URL came from an event or a config file: never put raw control bytes in a log */
	g_autofree gchar *shown = g_strescape(url, NULL);
	g_set_error(error,
		    GS_ERROR,
		    GS_ERROR_INVALID_ARGUMENT,
		    "invalid relay URL \"%.200s\": %s",
		    shown,
		    why);
	return NULL;
}

static gboolean
gs_relay_url_has_bad_byte(const gchar *url)
{
	for (const guchar *p = (const guchar *)url; *p != '\0'; p++) {
		if (*p <= 0x20 || *p == 0x7f)
			return TRUE;
	}
	return FALSE;
}

/* TRUE when @url starts with `scheme://` (RFC 3986: ALPHA *( ALPHA / DIGIT / + / - / . )) */
static gboolean
gs_relay_url_has_scheme(const gchar *url)
{
	const gchar *p = url;

	if (!g_ascii_isalpha(*p))
		return FALSE;
	while (g_ascii_isalnum(*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	return g_str_has_prefix(p, "://");
}

/* the ws scheme for @scheme (already lower-case), or NULL */
static const gchar *
gs_relay_url_map_scheme(const gchar *scheme, gboolean from_clone)
{
	if (g_strcmp0(scheme, "ws") == 0 || g_strcmp0(scheme, "wss") == 0)
		return scheme;
	if (from_clone && g_strcmp0(scheme, "http") == 0)
		return "ws";
	if (from_clone && g_strcmp0(scheme, "https") == 0)
		return "wss";
	return NULL;
}

/* a DNS name (letters, digits, '-', '_', '.') or an IP address; lower-cased, trailing dot gone */
static gchar *
gs_relay_url_norm_host(const gchar *raw, const gchar *url, GError **error)
{
	g_autofree gchar *host = g_ascii_strdown(raw != NULL ? raw : "", -1);
	gsize len = strlen(host);

	if (strchr(host, ':') != NULL) {
		g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(host);
		/* RFC 5952 text, so [0:0::1] and [::1] are one relay */
		if (addr == NULL)
			return gs_relay_url_invalid(error, url, "bad IPv6 address or a zone id");
		return g_inet_address_to_string(addr);
	}
	if (len > 0 && host[len - 1] == '.')
		host[--len] = '\0';
	if (len == 0)
		return gs_relay_url_invalid(error, url, "empty host");
	for (const gchar *p = host; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
			return gs_relay_url_invalid(error, url, "bad character in host");
	}
	return g_steal_pointer(&host);
}

/* the normalised URL; @host_out (nullable) gets the host without brackets */
static gchar *
gs_relay_url_build(GUri *uri,
		   const gchar *url,
		   gboolean from_clone,
		   gchar **host_out,
		   GError **error)
{
	const gchar *scheme = gs_relay_url_map_scheme(g_uri_get_scheme(uri), from_clone);
	gint port = g_uri_get_port(uri);
	g_autofree gchar *host = NULL;
	g_autofree gchar *path = g_strdup(g_uri_get_path(uri));
	g_autofree gchar *port_str = NULL;
	gboolean ipv6;
	gsize path_len = strlen(path);

	if (scheme == NULL)
		return gs_relay_url_invalid(error, url, "scheme is not ws or wss");
	if (g_uri_get_userinfo(uri) != NULL)
		return gs_relay_url_invalid(error, url, "user information is not allowed");
	host = gs_relay_url_norm_host(g_uri_get_host(uri), url, error);
	if (host == NULL)
		return NULL;
	if (port == 0)
		return gs_relay_url_invalid(error, url, "port 0");
	if ((port == 80 && g_strcmp0(scheme, "ws") == 0) ||
	    (port == 443 && g_strcmp0(scheme, "wss") == 0))
		port = -1;
	port_str = port > 0 ? g_strdup_printf(":%d", port) : g_strdup("");
	while (path_len > 0 && path[path_len - 1] == '/')
		path[--path_len] = '\0';
	ipv6 = strchr(host, ':') != NULL;
	if (host_out != NULL)
		*host_out = g_strdup(host);
	return g_strdup_printf(
		"%s://%s%s%s%s%s", scheme, ipv6 ? "[" : "", host, ipv6 ? "]" : "", port_str, path);
}

static gchar *
gs_relay_url_normalise_full(const gchar *url, gboolean from_clone, gchar **host_out, GError **error)
{
	g_autofree gchar *trimmed = NULL;
	g_autofree gchar *full = NULL;
	g_autofree gchar *result = NULL;
	g_autoptr(GUri) uri = NULL;
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(url != NULL, NULL);

	if (strlen(url) > GS_RELAY_URL_MAX_LEN) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_TOO_LARGE,
			    "relay URL is longer than %d bytes",
			    GS_RELAY_URL_MAX_LEN);
		return NULL;
	}
	trimmed = g_strstrip(g_strdup(url));
	if (trimmed[0] == '\0')
		return gs_relay_url_invalid(error, url, "empty");
	if (gs_relay_url_has_bad_byte(trimmed))
		return gs_relay_url_invalid(error, url, "whitespace or control character");
	if (gs_relay_url_has_scheme(trimmed))
		full = g_steal_pointer(&trimmed);
	else
		full = g_strconcat(
			g_str_has_prefix(trimmed, "//") ? "wss:" : "wss://", trimmed, NULL);
	uri = g_uri_parse(full, G_URI_FLAGS_ENCODED, &error_local);
	if (uri == NULL)
		return gs_relay_url_invalid(error, url, error_local->message);
	result = gs_relay_url_build(uri, url, from_clone, host_out, error);
	if (result != NULL && strlen(result) > GS_RELAY_URL_MAX_LEN) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_TOO_LARGE,
			    "normalised relay URL is longer than %d bytes",
			    GS_RELAY_URL_MAX_LEN);
		if (host_out != NULL)
			g_clear_pointer(host_out, g_free);
		return NULL;
	}
	return g_steal_pointer(&result);
}

/**
 * gs_relay_url_normalise:
 * @url: a relay URL as found in an event, a config file or on D-Bus
 * @from_clone: %TRUE when @url was derived from a git clone URL (http and https allowed)
 *
 * See the rules in gs-relay-url.h.
 *
 * Returns: (transfer full): the normalised URL, or %NULL with %GS_ERROR_INVALID_ARGUMENT, or
 *   %GS_ERROR_TOO_LARGE for URLs over %GS_RELAY_URL_MAX_LEN bytes
 */
gchar *
gs_relay_url_normalise(const gchar *url, gboolean from_clone, GError **error)
{
	return gs_relay_url_normalise_full(url, from_clone, NULL, error);
}

/**
 * gs_relay_url_host:
 * @url: a relay URL, normalised or not
 *
 * Compare hosts with this, never with a substring or suffix test on the URL: the host of
 * `wss://notexample.com` is not `example.com`.
 *
 * Returns: (transfer full): the lower-case host of @url (an IPv6 address without brackets),
 *   or %NULL with the error of gs_relay_url_normalise()
 */
gchar *
gs_relay_url_host(const gchar *url, GError **error)
{
	gchar *host = NULL;
	g_autofree gchar *normalised = gs_relay_url_normalise_full(url, FALSE, &host, error);

	if (normalised == NULL)
		return NULL;
	return host;
}

/* TRUE when both URLs are valid and name the same relay; NULL-safe */
gboolean
gs_relay_url_equal(const gchar *a, const gchar *b)
{
	g_autofree gchar *na = NULL;
	g_autofree gchar *nb = NULL;

	if (a == NULL || b == NULL)
		return FALSE;
	na = gs_relay_url_normalise(a, FALSE, NULL);
	nb = gs_relay_url_normalise(b, FALSE, NULL);
	return na != NULL && nb != NULL && strcmp(na, nb) == 0;
}
