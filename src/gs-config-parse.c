/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsConfig"

#include "config.h"

#include <string.h>

#include "gs-config-parse.h"
#include "gs-error.h"
#include "gs-hex.h"

static gboolean
gs_config_expected(GError **error, const gchar *what, const gchar *value)
{
	g_set_error(
		error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "expected %s, got “%s”", what, value);
	return FALSE;
}

/**
 * gs_config_parse_listen:
 * @host: (out) (optional): the host part, without brackets
 * @port: (out) (optional): the port, 0 for any free port
 *
 * Parses a listen address: `127.0.0.1:7334`, `[::1]:7334` or `localhost:7334`.
 */
gboolean
gs_config_parse_listen(const gchar *text, gchar **host, guint16 *port, GError **error)
{
	g_autofree gchar *h = NULL;
	const gchar *colon = strrchr(text, ':');
	guint64 p = 0;
	gboolean ok = FALSE;

	if (colon != NULL && colon != text) {
		if (text[0] == '[' && colon[-1] == ']')
			h = g_strndup(text + 1, colon - text - 2);
		else
			h = g_strndup(text, colon - text);
		ok = g_ascii_string_to_unsigned(colon + 1, 10, 0, G_MAXUINT16, &p, NULL);
		if (text[0] == '[')
			ok = ok && strchr(h, ':') != NULL && g_hostname_is_ip_address(h);
		else
			ok = ok && strchr(h, ':') == NULL &&
			     (g_hostname_is_ip_address(h) || g_strcmp0(h, "localhost") == 0);
	}
	if (!ok)
		return gs_config_expected(error,
					  "HOST:PORT with an IP address or localhost and a port "
					  "from 0 to 65535, such as 127.0.0.1:7334 or [::1]:7334",
					  text);
	if (host != NULL)
		*host = g_steal_pointer(&h);
	if (port != NULL)
		*port = (guint16)p;
	return TRUE;
}

/* the spellings of GKeyFile and of systemd-style environment files */
gboolean
gs_config_parse_boolean(const gchar *text, gint64 *out, GError **error)
{
	const gchar *yes[] = {"true", "yes", "1"};
	const gchar *no[] = {"false", "no", "0"};

	for (guint i = 0; i < G_N_ELEMENTS(yes); i++) {
		if (g_ascii_strcasecmp(text, yes[i]) == 0) {
			*out = 1;
			return TRUE;
		}
		if (g_ascii_strcasecmp(text, no[i]) == 0) {
			*out = 0;
			return TRUE;
		}
	}
	return gs_config_expected(error, "true or false", text);
}

/* decimal only, no sign for positive values, no spaces; @type names the unit in errors */
gboolean
gs_config_parse_int(const gchar *text,
		    gint64 min,
		    gint64 max,
		    GsConfigType type,
		    gint64 *out,
		    GError **error)
{
	const gchar *unit = type == GS_CONFIG_TYPE_SECONDS	  ? "a number of seconds"
			    : type == GS_CONFIG_TYPE_MILLISECONDS ? "a number of milliseconds"
			    : type == GS_CONFIG_TYPE_HOURS	  ? "a number of hours"
								  : "an integer";
	g_autofree gchar *what = NULL;

	if (g_ascii_string_to_signed(text, 10, min, max, out, NULL))
		return TRUE;
	what = g_strdup_printf("%s from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, unit, min, max);
	return gs_config_expected(error, what, text);
}

/* @choices: the allowed words separated by `|` */
gboolean
gs_config_parse_choice(const gchar *text, const gchar *choices, GError **error)
{
	g_auto(GStrv) words = g_strsplit(choices, "|", -1);
	g_autofree gchar *joined = NULL;
	g_autofree gchar *what = NULL;

	if (g_strv_contains((const gchar *const *)words, text))
		return TRUE;
	joined = g_strjoinv(", ", words);
	what = g_strdup_printf("one of %s", joined);
	return gs_config_expected(error, what, text);
}

/* ws:// or wss://, or no scheme (wss:// is assumed, as upstream does); the relay-URL
 * normaliser makes the canonical form where the URL is used */
gboolean
gs_config_check_relay_url(const gchar *value, GError **error)
{
	g_autofree gchar *full = NULL;
	g_autoptr(GUri) uri = NULL;
	const gchar *scheme;

	for (const gchar *c = value; *c != '\0'; c++) {
		if (g_ascii_isspace(*c) || g_ascii_iscntrl(*c))
			return gs_config_expected(error, "a ws:// or wss:// relay URL", value);
	}
	if (strlen(value) <= 2000) {
		full = strstr(value, "://") != NULL ? g_strdup(value)
						    : g_strconcat("wss://", value, NULL);
		uri = g_uri_parse(full, G_URI_FLAGS_NONE, NULL);
	}
	scheme = uri != NULL ? g_uri_get_scheme(uri) : "";
	if ((g_ascii_strcasecmp(scheme, "ws") != 0 && g_ascii_strcasecmp(scheme, "wss") != 0) ||
	    g_uri_get_host(uri) == NULL || g_uri_get_host(uri)[0] == '\0' ||
	    g_uri_get_userinfo(uri) != NULL)
		return gs_config_expected(error, "a ws:// or wss:// relay URL", value);
	return TRUE;
}

gboolean
gs_config_check_pubkey(const gchar *value, GError **error)
{
	if (!gs_hex_is_lower(value, 64))
		return gs_config_expected(error, "a public key of 64 lower-case hex digits", value);
	return TRUE;
}

/* a host name or address with an optional port, as in a clone URL; no scheme, no path */
gboolean
gs_config_check_host(const gchar *value, GError **error)
{
	gsize len = strlen(value);

	for (gsize i = 0; i < len; i++) {
		if (!g_ascii_isalnum(value[i]) && strchr(".-_:[]", value[i]) == NULL)
			len = 0;
	}
	if (len == 0 || len > 260)
		return gs_config_expected(error, "a host name such as git.example.com", value);
	return TRUE;
}

/* 30617:<owner pubkey>:<d>, the NIP-34 repository coordinate */
gboolean
gs_config_check_coordinate(const gchar *value, GError **error)
{
	g_autofree gchar *pubkey = NULL;

	if (strlen(value) > 6 + 64 + 1 && g_str_has_prefix(value, "30617:") &&
	    value[6 + 64] == ':') {
		pubkey = g_strndup(value + 6, 64);
		if (gs_hex_is_lower(pubkey, 64))
			return TRUE;
	}
	return gs_config_expected(
		error, "a repository coordinate 30617:<64 hex digits>:<identifier>", value);
}
