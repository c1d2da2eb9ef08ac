/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "gs-test-utils.h"

/* GLib 2.74 logs to stdout, which meson's TAP parser would read as test output */
void
gs_test_init(int *argc, char ***argv)
{
	g_autoptr(GError) error = NULL;

	g_log_writer_default_set_use_stderr(TRUE);
	/* isolated dirs have no GSettings schemas, which GIO's desktop proxy resolver needs;
	 * tests only ever talk to 127.0.0.1 */
	g_setenv("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
	g_setenv("GSETTINGS_BACKEND", "memory", TRUE);
	g_test_init(argc, argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
	if (!gs_crypto_init(&error))
		g_error("%s", error->message);
}

/* a deterministic valid secret key for @seed: SHA-256 of the seed, which is valid for all
 * practical seeds (the chance of hitting zero or >= n is negligible, and checked) */
void
gs_test_seckey_from_seed(guint32 seed, guint8 *seckey)
{
	g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
	gsize len = 32;
	guint8 pubkey[32];

	g_checksum_update(sum, (const guchar *)"grasp-sync-test-key", -1);
	g_checksum_update(sum, (const guchar *)&seed, sizeof(seed));
	g_checksum_get_digest(sum, seckey, &len);
	g_assert_true(gs_seckey_get_pubkey(seckey, pubkey, NULL));
}

/**
 * gs_test_event_new:
 * @tags_flat: (nullable): tags as a flat NULL-separated list ending in two NULLs, e.g.
 *   { "d", "repo", NULL, "p", "abc", NULL, NULL }
 *
 * Signs a test event with the key of @key_seed.
 */
GsEvent *
gs_test_event_new(guint32 key_seed,
		  gint64 created_at,
		  guint kind,
		  const gchar *const *tags_flat,
		  const gchar *content)
{
	guint8 seckey[32];
	g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	g_autoptr(GError) error = NULL;
	GsEvent *ev;

	gs_test_seckey_from_seed(key_seed, seckey);
	for (guint i = 0; tags_flat != NULL && tags_flat[i] != NULL;) {
		g_autoptr(GStrvBuilder) b = g_strv_builder_new();
		for (; tags_flat[i] != NULL; i++)
			g_strv_builder_add(b, tags_flat[i]);
		g_ptr_array_add(tags, g_strv_builder_end(b));
		i++;
	}
	ev = gs_event_new_signed(seckey, created_at, kind, tags, content, &error);
	g_assert_no_error(error);
	return ev;
}

gchar *
gs_test_tmpdir_new(void)
{
	g_autoptr(GError) error = NULL;
	gchar *path = g_dir_make_tmp("grasp-sync-test-XXXXXX", &error);
	g_assert_no_error(error);
	return path;
}

static void
gs_test_rm_rf(const gchar *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const gchar *name;

	if (dir != NULL) {
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *child = g_build_filename(path, name, NULL);
			gs_test_rm_rf(child);
		}
	}
	g_remove(path);
}

void
gs_test_tmpdir_remove(const gchar *path)
{
	if (path != NULL)
		gs_test_rm_rf(path);
}
