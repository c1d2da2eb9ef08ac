/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gs-error.h"
#include "gs-event.h"
#include "gs-identity.h"
#include "gs-test-utils.h"

/* created on first use (mode 0600), the same key afterwards */
static void
identity_create_then_load(void)
{
	g_autofree gchar *dir = gs_test_tmpdir_new();
	g_autofree gchar *path = g_build_filename(dir, "identity.key", NULL);
	g_autoptr(GError) error = NULL;
	guint8 first[32], second[32], pubkey[32];
	gboolean created = FALSE;
	GStatBuf st;

	g_assert_true(gs_identity_load(path, first, &created, &error));
	g_assert_no_error(error);
	g_assert_true(created);
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpint(st.st_mode & 0777, ==, 0600);
	g_assert_true(gs_seckey_get_pubkey(first, pubkey, NULL));
	g_assert_true(gs_identity_load(path, second, &created, &error));
	g_assert_false(created);
	g_assert_cmpmem(first, 32, second, 32);
	gs_test_tmpdir_remove(dir);
}

static const gchar *const bad_keys[] = {
	"",
	"not a key\n",
	"0123",
	/* upper case */
	"AB0000000000000000000000000000000000000000000000000000000000000001",
	/* zero is no secret key */
	"0000000000000000000000000000000000000000000000000000000000000000",
	/* the group order is not either */
	"fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
};

static void
identity_bad_file(gconstpointer data)
{
	const gchar *text = data;
	g_autofree gchar *dir = gs_test_tmpdir_new();
	g_autofree gchar *path = g_build_filename(dir, "identity.key", NULL);
	g_autoptr(GError) error = NULL;
	guint8 seckey[32];

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	g_assert_false(gs_identity_load(path, seckey, NULL, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_assert_nonnull(strstr(error->message, path));
	gs_test_tmpdir_remove(dir);
}

/* a key with surrounding blanks is fine; a missing directory is an error */
static void
identity_edges(void)
{
	g_autofree gchar *dir = gs_test_tmpdir_new();
	g_autofree gchar *path = g_build_filename(dir, "identity.key", NULL);
	g_autofree gchar *nowhere = g_build_filename(dir, "no", "such", "identity.key", NULL);
	g_autoptr(GError) error = NULL;
	guint8 seckey[32];

	g_assert_true(g_file_set_contents(
		path,
		"  0000000000000000000000000000000000000000000000000000000000000003\n\n",
		-1,
		NULL));
	g_assert_true(gs_identity_load(path, seckey, NULL, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(seckey[31], ==, 3);
	g_assert_false(gs_identity_load(nowhere, seckey, NULL, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	gs_test_tmpdir_remove(dir);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/identity/create-then-load", identity_create_then_load);
	for (guint i = 0; i < G_N_ELEMENTS(bad_keys); i++) {
		g_autofree gchar *path = g_strdup_printf("/grasp-sync/identity/bad-file/%u", i);
		g_test_add_data_func(path, bad_keys[i], identity_bad_file);
	}
	g_test_add_func("/grasp-sync/identity/edges", identity_edges);
	return g_test_run();
}
