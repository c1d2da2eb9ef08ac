/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsDaemon"

#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "gs-error.h"
#include "gs-event.h"
#include "gs-hex.h"
#include "gs-identity.h"

/*
 * The daemon's Nostr identity: the secret key that signs NIP-42 AUTH events for relays (and
 * the home relay) that want to know who reads or writes. The file holds the key as 64
 * lower-case hex digits and a newline, mode 0600; it is created on first start.
 */

static gboolean
gs_identity_parse(const gchar *path, const gchar *text, guint8 *seckey, GError **error)
{
	g_autofree gchar *hex = g_strstrip(g_strdup(text));
	guint8 pubkey[32];

	if (strlen(hex) != 64 || !gs_hex_is_lower(hex, 64) ||
	    !gs_hex_decode_to(hex, 64, seckey, 32) || !gs_seckey_get_pubkey(seckey, pubkey, NULL)) {
		memset(seckey, 0, 32);
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "%s does not hold a secret key (64 lower-case hex digits)",
			    path);
		return FALSE;
	}
	return TRUE;
}

static gboolean
gs_identity_create(const gchar *path, guint8 *seckey, GError **error)
{
	gchar text[66];

	if (!gs_seckey_generate(seckey, error))
		return FALSE;
	gs_hex_encode_to(seckey, 32, text);
	text[64] = '\n';
	text[65] = '\0';
	if (!g_file_set_contents_full(path,
				      text,
				      65,
				      G_FILE_SET_CONTENTS_CONSISTENT |
					      G_FILE_SET_CONTENTS_ONLY_EXISTING,
				      0600,
				      error)) {
		memset(text, 0, sizeof(text));
		g_prefix_error(error, "cannot create the identity key: ");
		return FALSE;
	}
	memset(text, 0, sizeof(text));
	return TRUE;
}

/**
 * gs_identity_load:
 * @path: the key file
 * @seckey: (out caller-allocates): 32 bytes
 * @created: (out) (optional): %TRUE when the file did not exist and a new key was written
 *
 * Reads the daemon's secret key, creating a new one (mode 0600) when the file is missing.
 *
 * Returns: %FALSE with %GS_ERROR_INVALID_ARGUMENT for a file that holds no key, or a
 *   #GFileError when it cannot be read or written
 */
gboolean
gs_identity_load(const gchar *path, guint8 *seckey, gboolean *created, GError **error)
{
	g_autofree gchar *text = NULL;
	g_autoptr(GError) error_local = NULL;
	gboolean ok;

	if (created != NULL)
		*created = FALSE;
	if (!g_file_get_contents(path, &text, NULL, &error_local)) {
		if (!g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_propagate_error(error, g_steal_pointer(&error_local));
			return FALSE;
		}
		if (!gs_identity_create(path, seckey, error))
			return FALSE;
		if (created != NULL)
			*created = TRUE;
		return TRUE;
	}
	ok = gs_identity_parse(path, text, seckey, error);
	memset(text, 0, strlen(text));
	return ok;
}
