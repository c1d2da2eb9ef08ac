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

/*
 * A hex digit's value plus one (so that 0 stands for any other byte, NUL included), with
 * GS_HEX_UPPER set for the upper-case ones: ids, pubkeys and signatures are read by the
 * million, and one table load a digit is cheaper than three range checks.
 */
#define GS_HEX_UPPER 0x20
static const guint8 gs_hex_digit[256] = {
	['0'] = 1,
	['1'] = 2,
	['2'] = 3,
	['3'] = 4,
	['4'] = 5,
	['5'] = 6,
	['6'] = 7,
	['7'] = 8,
	['8'] = 9,
	['9'] = 10,
	['a'] = 11,
	['b'] = 12,
	['c'] = 13,
	['d'] = 14,
	['e'] = 15,
	['f'] = 16,
	['A'] = 11 | GS_HEX_UPPER,
	['B'] = 12 | GS_HEX_UPPER,
	['C'] = 13 | GS_HEX_UPPER,
	['D'] = 14 | GS_HEX_UPPER,
	['E'] = 15 | GS_HEX_UPPER,
	['F'] = 16 | GS_HEX_UPPER,
};

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
	const guchar *p = (const guchar *)hex;

	if (hexlen != 2 * outlen)
		return FALSE;
	for (gsize i = 0; i < outlen; i++) {
		guint hi = gs_hex_digit[p[2 * i]] & ~GS_HEX_UPPER;
		guint lo = gs_hex_digit[p[2 * i + 1]] & ~GS_HEX_UPPER;
		if (hi == 0 || lo == 0)
			return FALSE;
		out[i] = (guint8)(((hi - 1) << 4) | (lo - 1));
	}
	return TRUE;
}

/**
 * gs_hex_decode_lower:
 * @hex: a NUL-terminated string
 *
 * Decodes @hex when it is exactly 2 * @outlen lower-case hex digits (NIP-01's ids, pubkeys and
 * signatures); reads no further than its first byte that is not one.
 *
 * Returns: %FALSE, with @out undefined, for anything else
 */
gboolean
gs_hex_decode_lower(const gchar *hex, guint8 *out, gsize outlen)
{
	const guchar *p = (const guchar *)hex;

	for (gsize i = 0; i < outlen; i++) {
		guint hi = gs_hex_digit[p[2 * i]];
		guint lo = hi != 0 && !(hi & GS_HEX_UPPER) ? gs_hex_digit[p[2 * i + 1]] : 0;
		if (lo == 0 || (lo & GS_HEX_UPPER))
			return FALSE;
		out[i] = (guint8)(((hi - 1) << 4) | (lo - 1));
	}
	return p[2 * outlen] == '\0';
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
	const guchar *p = (const guchar *)hex;

	/* a NUL (0 in the table) ends it before the next byte is read */
	for (gsize i = 0; i < expected_len; i++) {
		guint v = gs_hex_digit[p[i]];
		if (v == 0 || (v & GS_HEX_UPPER))
			return FALSE;
	}
	return p[expected_len] == '\0';
}
