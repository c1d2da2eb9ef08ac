/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

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

/* creates a directory and opens a new store in it (events.db) */
void
gs_test_store_open(GsTestStore *ts)
{
	g_autoptr(GError) error = NULL;

	ts->tmpdir = gs_test_tmpdir_new();
	ts->path = g_build_filename(ts->tmpdir, "events.db", NULL);
	ts->store = gs_store_new(ts->path, &error);
	g_assert_no_error(error);
	g_assert_nonnull(ts->store);
}

/* closes the store and removes its directory */
void
gs_test_store_close(GsTestStore *ts)
{
	g_clear_object(&ts->store);
	gs_test_tmpdir_remove(ts->tmpdir);
	g_clear_pointer(&ts->tmpdir, g_free);
	g_clear_pointer(&ts->path, g_free);
}

GsPolicy *
gs_test_policy_new(GsStore *store, const gchar *service_url)
{
	g_autoptr(GError) error = NULL;
	const gchar *urls[] = {service_url, NULL};
	GsPolicy *policy = gs_policy_new(store);

	g_assert_true(gs_policy_set_service_urls(policy, urls, &error));
	g_assert_no_error(error);
	return policy;
}

void
gs_test_store_setup(GsTestStore *ts, gconstpointer data)
{
	gs_test_store_open(ts);
}

void
gs_test_store_teardown(GsTestStore *ts, gconstpointer data)
{
	gs_test_store_close(ts);
}

/* inserts @event alone and asserts the store's outcome */
void
gs_test_store_insert_expect(GsStore *store, GsEvent *event, GsStoreResult expected)
{
	g_autoptr(GError) error = NULL;
	GsStoreResult result = 99;

	g_assert_true(gs_store_insert(store, event, &result, &error));
	g_assert_no_error(error);
	g_assert_cmpint(result, ==, expected);
}

/* a path the meson test environment gives, e.g. GS_CTL_PATH */
const gchar *
gs_test_env_path(const gchar *name)
{
	const gchar *path = g_getenv(name);
	if (path == NULL)
		g_error("%s is not set; run through meson test", name);
	return path;
}

/* children die with the test, so that a failed assertion leaves nothing running */
static void
gs_test_child_setup_cb(gpointer user_data)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/**
 * gs_test_spawn:
 * @var: (nullable): an environment variable to set for the child, to @value
 * @out: (out): the child's stdout
 */
GSubprocess *
gs_test_spawn(const gchar *const *argv,
	      const gchar *var,
	      const gchar *value,
	      GDataInputStream **out)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocessLauncher) launcher =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	GSubprocess *proc;

	g_subprocess_launcher_set_child_setup(launcher, gs_test_child_setup_cb, NULL, NULL);
	if (var != NULL)
		g_subprocess_launcher_setenv(launcher, var, value, TRUE);
	proc = g_subprocess_launcher_spawnv(launcher, argv, &error);
	g_assert_no_error(error);
	*out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(proc));
	return proc;
}

static void
gs_test_read_line_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GAsyncResult **out = user_data;
	*out = g_object_ref(res);
}

static gboolean
gs_test_timeout_cb(gpointer user_data)
{
	gboolean *expired = user_data;
	*expired = TRUE;
	return G_SOURCE_REMOVE;
}

/* returns: (nullable): the next line, or %NULL at EOF or after @secs seconds */
gchar *
gs_test_read_line(GDataInputStream *stream, guint secs)
{
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GCancellable) cancellable = g_cancellable_new();
	gboolean expired = FALSE;
	guint id = g_timeout_add_seconds(secs, gs_test_timeout_cb, &expired);

	g_data_input_stream_read_line_async(
		stream, G_PRIORITY_DEFAULT, cancellable, gs_test_read_line_cb, &res);
	while (res == NULL && !expired)
		g_main_context_iteration(NULL, TRUE);
	if (res == NULL) {
		g_cancellable_cancel(cancellable);
		while (res == NULL)
			g_main_context_iteration(NULL, TRUE);
	} else {
		g_source_remove(id);
	}
	return g_data_input_stream_read_line_finish_utf8(stream, res, NULL, NULL);
}

/**
 * gs_test_run:
 * @envp: (nullable): the environment, %NULL for the test's own
 *
 * Runs a command to its end, logging it and its output.
 *
 * Returns: its exit status, or 128 + the signal that killed it
 */
gint
gs_test_run(const gchar *const *argv, gchar **envp, gchar **out, gchar **err)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *cmdline = g_strjoinv(" ", (gchar **)argv);
	gint status = 0;

	g_test_message("$ %s", cmdline);
	g_assert_true(g_spawn_sync(NULL,
				   (gchar **)argv,
				   envp,
				   G_SPAWN_SEARCH_PATH,
				   NULL,
				   NULL,
				   out,
				   err,
				   &status,
				   &error));
	g_assert_no_error(error);
	if (out != NULL)
		g_test_message("%s", *out);
	if (err != NULL && (*err)[0] != '\0')
		g_test_message("stderr: %s", *err);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void
gs_test_assert_contains(const gchar *haystack, const gchar *needle)
{
	if (strstr(haystack, needle) == NULL)
		g_error("expected \"%s\" in:\n%s", needle, haystack);
}
