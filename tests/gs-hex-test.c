/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-hex.h"
#include "gs-test-utils.h"

#define ID "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

typedef struct {
	const gchar *hex;
	gboolean lower; /* exactly 64 lower-case digits */
	gboolean any;	/* exactly 64 digits of either case */
} HexCase;

static const HexCase hex_cases[] = {
	{ID, TRUE, TRUE},
	{"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef", FALSE, TRUE},
	{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeF", FALSE, TRUE},
	{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde", FALSE, FALSE},
	{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0", FALSE, FALSE},
	{"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg", FALSE, FALSE},
	{"g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", FALSE, FALSE},
	{"0123456789abcdef0123456789abcdef 123456789abcdef0123456789abcdef", FALSE, FALSE},
	{"0123456789abcdef0123456789abcdef/123456789abcdef0123456789abcdef", FALSE, FALSE},
	{"0123456789abcdef0123456789abcdef:123456789abcdef0123456789abcdef", FALSE, FALSE},
	{"0123456789abcdef0123456789abcdef`123456789abcdef0123456789abcdef", FALSE, FALSE},
	{"0123456789abcdef0123456789abcdef@123456789abcdef0123456789abcdef", FALSE, FALSE},
	{"0123456789abcdef0123456789abcdef\xc3\xa9"
	 "23456789abcdef0123456789abcdef",
	 FALSE,
	 FALSE},
	{"", FALSE, FALSE},
};

static void
test_hex_case(gconstpointer data)
{
	const HexCase *c = data;
	guint8 lower[32], any[32];
	gboolean lower_ok = gs_hex_decode_lower(c->hex, lower, 32);
	gboolean any_ok = gs_hex_decode_to(c->hex, strlen(c->hex), any, 32);

	g_assert_cmpint(gs_hex_is_lower(c->hex, 64), ==, c->lower);
	g_assert_cmpint(lower_ok, ==, c->lower);
	g_assert_cmpint(any_ok, ==, c->any);
	if (c->lower)
		g_assert_cmpmem(lower, 32, any, 32);
}

/* every byte value, alone and as either digit of a pair */
static void
test_hex_every_byte(void)
{
	for (guint b = 1; b < 256; b++) {
		gchar hex[3] = {(gchar)b, '0', '\0'};
		gchar swapped[3] = {'0', (gchar)b, '\0'};
		gboolean is_lower = (b >= '0' && b <= '9') || (b >= 'a' && b <= 'f');
		gboolean is_digit = is_lower || (b >= 'A' && b <= 'F');
		guint8 out = 0;

		g_assert_cmpint(gs_hex_is_lower(hex, 2), ==, is_lower);
		g_assert_cmpint(gs_hex_decode_lower(swapped, &out, 1), ==, is_lower);
		g_assert_cmpint(gs_hex_decode_to(hex, 2, &out, 1), ==, is_digit);
		if (is_digit)
			g_assert_cmpuint(out >> 4, ==, g_ascii_xdigit_value((gchar)b));
	}
}

/* encoding and decoding agree on every byte value */
static void
test_hex_round_trip(void)
{
	guint8 all[256], back[256];
	gchar hex[513];

	for (guint i = 0; i < 256; i++)
		all[i] = (guint8)i;
	gs_hex_encode_to(all, 256, hex);
	g_assert_true(gs_hex_is_lower(hex, 512));
	g_assert_true(gs_hex_decode_lower(hex, back, 256));
	g_assert_cmpmem(all, 256, back, 256);
	g_assert_true(gs_hex_decode_to(hex, 512, back, 256));
	g_assert_cmpmem(all, 256, back, 256);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	for (guint i = 0; i < G_N_ELEMENTS(hex_cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/hex/case/%u", i);
		g_test_add_data_func(path, &hex_cases[i], test_hex_case);
	}
	g_test_add_func("/hex/every-byte", test_hex_every_byte);
	g_test_add_func("/hex/round-trip", test_hex_round_trip);
	return g_test_run();
}
