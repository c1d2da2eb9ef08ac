/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsHex"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"

static const gchar hexdigits[] = "0123456789abcdef";

/* -1 for anything that is not a hex digit; upper case is accepted when decoding */
static gint
gs_hex_nibble(gchar c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* @out must hold 2 * @len + 1 bytes; it is NUL-terminated */
void
gs_hex_encode_to(const guint8 *buf, gsize len, gchar *out)
{
	for (gsize i = 0; i < len; i++) {
		out[2 * i] = hexdigits[buf[i] >> 4];
		out[2 * i + 1] = hexdigits[buf[i] & 0x0f];
	}
	out[2 * len] = '\0';
}

gchar *
gs_hex_encode(const guint8 *buf, gsize len)
{
	gchar *out = g_malloc(2 * len + 1);
	gs_hex_encode_to(buf, len, out);
	return out;
}

/* decodes exactly @outlen bytes; FALSE unless @hexlen == 2 * @outlen and every digit is hex */
gboolean
gs_hex_decode_to(const gchar *hex, gsize hexlen, guint8 *out, gsize outlen)
{
	if (hexlen != 2 * outlen)
		return FALSE;
	for (gsize i = 0; i < outlen; i++) {
		gint hi = gs_hex_nibble(hex[2 * i]);
		gint lo = gs_hex_nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return FALSE;
		out[i] = (guint8)((hi << 4) | lo);
	}
	return TRUE;
}

GBytes *
gs_hex_decode(const gchar *hex, GError **error)
{
	gsize hexlen = strlen(hex);
	g_autofree guint8 *buf = NULL;

	if (hexlen % 2 != 0) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "hex string has odd length %" G_GSIZE_FORMAT,
			    hexlen);
		return NULL;
	}
	buf = g_malloc(hexlen / 2 + 1);
	if (!gs_hex_decode_to(hex, hexlen, buf, hexlen / 2)) {
		g_set_error_literal(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "hex string has a non-hex character");
		return NULL;
	}
	return g_bytes_new_take(g_steal_pointer(&buf), hexlen / 2);
}

/* TRUE when @hex is exactly @expected_len lower-case hex digits */
gboolean
gs_hex_is_lower(const gchar *hex, gsize expected_len)
{
	gsize i;
	for (i = 0; hex[i] != '\0'; i++) {
		gchar c = hex[i];
		if (i >= expected_len)
			return FALSE;
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return FALSE;
	}
	return i == expected_len;
}
