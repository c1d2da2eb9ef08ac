/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-config-parse.h"
#include "gs-config.h"
#include "gs-error.h"
#include "gs-test-utils.h"

#define PK_A "aa11111111111111111111111111111111111111111111111111111111111111"

typedef struct {
	gchar *tmpdir;
	gchar *filename;
	GsConfig *config;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	f->tmpdir = gs_test_tmpdir_new();
	f->filename = g_build_filename(f->tmpdir, "grasp-syncd.conf", NULL);
	f->config = gs_config_new();
	gs_config_set_state_dir(f->config, f->tmpdir);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_object(&f->config);
	gs_test_tmpdir_remove(f->tmpdir);
	g_free(f->tmpdir);
	g_free(f->filename);
}

static void
write_file(const gchar *filename, const gchar *contents)
{
	g_autoptr(GError) error = NULL;
	g_file_set_contents(filename, contents, -1, &error);
	g_assert_no_error(error);
}

/* loads @contents as the config file; returns the error or NULL */
static GError *
load_contents(Fixture *f, const gchar *contents)
{
	GError *error = NULL;
	write_file(f->filename, contents);
	if (gs_config_load_file(f->config, f->filename, FALSE, &error))
		gs_config_validate(f->config, &error);
	return error;
}

static void
gs_config_defaults_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree gchar *store = NULL;
	g_autofree gchar *key = NULL;
	g_autofree gchar *expected_key = g_build_filename(f->tmpdir, "identity.key", NULL);

	g_assert_true(gs_config_validate(f->config, &error));
	g_assert_no_error(error);
	g_assert_cmpint(gs_config_get_int(f->config, "sync", "base-backoff-secs"), ==, 5);
	g_assert_cmpint(gs_config_get_int(f->config, "sync", "max-backoff-secs"), ==, 3600);
	g_assert_cmpint(gs_config_get_int(f->config, "sync", "batch-window-ms"), ==, 5000);
	g_assert_cmpint(gs_config_get_int(f->config, "sync", "max-event-bytes"), ==, 262144);
	g_assert_cmpint(gs_config_get_int(f->config, "relay", "max-sync-events"), ==, 1000000);
	g_assert_false(gs_config_get_boolean(f->config, "sync", "disable-negentropy"));
	g_assert_true(gs_config_get_boolean(f->config, "relay", "accept-events"));
	g_assert_cmpstr(gs_config_get_string(f->config, "http", "listen"), ==, "127.0.0.1:7334");
	g_assert_cmpstr(gs_config_get_string(f->config, "sync", "archive"), ==, "all");
	g_assert_cmpstr(gs_config_get_string(f->config, "dbus", "bus"), ==, "system");
	g_assert_null(gs_config_get_string(f->config, "home", "relay"));
	/* the embedded default: public GRASP relays, so that no configuration means archiving */
	g_assert_cmpuint(
		g_strv_length((gchar **)gs_config_get_strv(f->config, "sync", "bootstrap-relays")),
		==,
		2);
	g_assert_cmpstr(gs_config_get_strv(f->config, "sync", "bootstrap-relays")[0],
			==,
			"wss://relay.ngit.dev");
	g_assert_cmpuint(
		g_strv_length((gchar **)gs_config_get_strv(f->config, "sync", "service-urls")),
		==,
		0);
	g_assert_cmpint(
		gs_config_get_source(f->config, "http", "listen"), ==, GS_CONFIG_SOURCE_DEFAULT);
	store = gs_config_dup_path(f->config, "store", "path");
	g_assert_cmpstr(store, ==, f->tmpdir);
	key = gs_config_dup_path(f->config, "identity", "secret-key-file");
	g_assert_cmpstr(key, ==, expected_key);
}

/* the table itself: grouped, unique, units in the names, documented */
static void
gs_config_table_test(void)
{
	guint n_keys = 0;
	const GsConfigKey *keys = gs_config_get_keys(&n_keys);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) groups_done = g_hash_table_new(g_str_hash, g_str_equal);

	g_assert_cmpuint(n_keys, >=, 40);
	for (guint i = 0; i < n_keys; i++) {
		const GsConfigKey *k = &keys[i];
		gchar *id = g_strdup_printf("%s.%s", k->group, k->key);
		gboolean secs = g_str_has_suffix(k->key, "-secs");
		gboolean ms = g_str_has_suffix(k->key, "-ms");
		gboolean hours = g_str_has_suffix(k->key, "-hours");

		g_assert_false(g_hash_table_contains(seen, id));
		g_hash_table_add(seen, id);
		if (i > 0 && g_strcmp0(keys[i - 1].group, k->group) != 0) {
			g_assert_false(g_hash_table_contains(groups_done, k->group));
			g_hash_table_add(groups_done, (gpointer)keys[i - 1].group);
		}
		g_assert_cmpint(secs, ==, k->type == GS_CONFIG_TYPE_SECONDS);
		g_assert_cmpint(ms, ==, k->type == GS_CONFIG_TYPE_MILLISECONDS);
		g_assert_cmpint(hours, ==, k->type == GS_CONFIG_TYPE_HOURS);
		g_assert_true(k->env == NULL || g_str_has_prefix(k->env, "NGIT_"));
		g_assert_cmpuint(strlen(k->description), >, 10);
		g_assert_false(g_str_has_suffix(k->description, "."));
		g_assert_true((k->type == GS_CONFIG_TYPE_CHOICE) == (k->choices != NULL));
		g_assert_true(k->min <= k->max);
		g_assert_cmpint(k->max, <=, G_MAXINT32);
	}
}

static void
gs_config_file_test(Fixture *f, gconstpointer data)
{
	const gchar *const *relays;
	g_autofree gchar *store = NULL;
	g_autoptr(GError) error = NULL;

	error = load_contents(f,
			      "# a comment\n"
			      "[sync]\n"
			      "base-backoff-secs = 7\n"
			      "disable-negentropy=yes\n"
			      "bootstrap-relays=wss://a.example.com; relay.example.org ;\n"
			      "archive=none\n"
			      "archive-pubkeys=" PK_A "\n"
			      "[http]\n"
			      "listen=[::1]:0\n"
			      "[store]\n"
			      "path=events\n"
			      "[home]\n"
			      "relay=ws://127.0.0.1:8080\n");
	g_assert_no_error(error);
	g_assert_cmpint(gs_config_get_int(f->config, "sync", "base-backoff-secs"), ==, 7);
	g_assert_true(gs_config_get_boolean(f->config, "sync", "disable-negentropy"));
	relays = gs_config_get_strv(f->config, "sync", "bootstrap-relays");
	g_assert_cmpuint(g_strv_length((gchar **)relays), ==, 2);
	g_assert_cmpstr(relays[0], ==, "wss://a.example.com");
	g_assert_cmpstr(relays[1], ==, "relay.example.org");
	g_assert_cmpstr(gs_config_get_strv(f->config, "sync", "archive-pubkeys")[0], ==, PK_A);
	g_assert_cmpstr(gs_config_get_string(f->config, "sync", "archive"), ==, "none");
	g_assert_cmpstr(gs_config_get_string(f->config, "http", "listen"), ==, "[::1]:0");
	g_assert_cmpstr(
		gs_config_get_string(f->config, "home", "relay"), ==, "ws://127.0.0.1:8080");
	g_assert_cmpint(gs_config_get_source(f->config, "sync", "base-backoff-secs"),
			==,
			GS_CONFIG_SOURCE_FILE);
	g_assert_cmpint(gs_config_get_source(f->config, "sync", "max-backoff-secs"),
			==,
			GS_CONFIG_SOURCE_DEFAULT);
	store = gs_config_dup_path(f->config, "store", "path");
	g_assert_true(g_str_has_prefix(store, f->tmpdir));
	g_assert_true(g_str_has_suffix(store, "/events"));
	g_assert_cmpstr(gs_config_get_filename(f->config), ==, f->filename);
	g_assert_true(gs_config_get_file_loaded(f->config));
}

static void
gs_config_missing_file_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_config_load_file(f->config, f->filename, TRUE, &error));
	g_assert_no_error(error);
	g_assert_false(gs_config_get_file_loaded(f->config));
	g_assert_false(gs_config_load_file(f->config, f->filename, FALSE, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
	g_assert_nonnull(strstr(error->message, f->filename));
}

static void
gs_config_env_test(Fixture *f, gconstpointer data)
{
	const gchar *env[] = {
		"NGIT_SYNC_BASE_BACKOFF_SECS=11",
		"NGIT_SYNC_BOOTSTRAP_RELAY_URL=wss://a.example.com, wss://b.example.com",
		"NGIT_BIND_ADDRESS=",
		"NGIT_DOMAIN=grasp.example.com",
		"NGIT_SYNC_DISABLE_NEGENTROPY=true",
		NULL};
	const gchar *const *relays;
	g_autoptr(GError) error = load_contents(f, "[sync]\nbase-backoff-secs=20\n");

	g_assert_no_error(error);
	g_assert_true(gs_config_load_environment(f->config, env, &error));
	g_assert_no_error(error);
	g_assert_cmpint(gs_config_get_int(f->config, "sync", "base-backoff-secs"), ==, 11);
	g_assert_cmpint(gs_config_get_source(f->config, "sync", "base-backoff-secs"),
			==,
			GS_CONFIG_SOURCE_ENVIRONMENT);
	g_assert_true(gs_config_get_boolean(f->config, "sync", "disable-negentropy"));
	relays = gs_config_get_strv(f->config, "sync", "bootstrap-relays");
	g_assert_cmpuint(g_strv_length((gchar **)relays), ==, 2);
	g_assert_cmpstr(relays[1], ==, "wss://b.example.com");
	/* an empty variable counts as unset */
	g_assert_cmpstr(gs_config_get_string(f->config, "http", "listen"), ==, "127.0.0.1:7334");
	/* NGIT_DOMAIN supplies service-urls only when the file sets none */
	g_assert_cmpstr(
		gs_config_get_strv(f->config, "sync", "service-urls")[0], ==, "grasp.example.com");
	g_clear_error(&error);
	error = load_contents(f, "[sync]\nservice-urls=wss://mine.example.com\n");
	g_assert_no_error(error);
	g_assert_cmpstr(gs_config_get_strv(f->config, "sync", "service-urls")[0],
			==,
			"wss://mine.example.com");
	g_assert_cmpint(
		gs_config_get_source(f->config, "sync", "service-urls"), ==, GS_CONFIG_SOURCE_FILE);
}

static void
gs_config_cli_test(Fixture *f, gconstpointer data)
{
	const gchar *env[] = {"NGIT_BIND_ADDRESS=0.0.0.0:8000", NULL};
	const gchar *relays[] = {"wss://cli.example.com", NULL};
	g_autoptr(GError) error =
		load_contents(f, "[http]\nlisten=127.0.0.2:9\n[sync]\nbootstrap-relays=wss://f;\n");

	g_assert_no_error(error);
	g_assert_true(gs_config_load_environment(f->config, env, &error));
	g_assert_cmpstr(gs_config_get_string(f->config, "http", "listen"), ==, "0.0.0.0:8000");
	g_assert_true(
		gs_config_set_value(f->config, "http", "listen", "[::]:1", "--listen", &error));
	g_assert_no_error(error);
	g_assert_cmpstr(gs_config_get_string(f->config, "http", "listen"), ==, "[::]:1");
	g_assert_cmpint(gs_config_get_source(f->config, "http", "listen"),
			==,
			GS_CONFIG_SOURCE_COMMAND_LINE);
	g_assert_true(gs_config_set_strv(
		f->config, "sync", "bootstrap-relays", relays, "--bootstrap-relay", &error));
	g_assert_no_error(error);
	g_assert_cmpuint(
		g_strv_length((gchar **)gs_config_get_strv(f->config, "sync", "bootstrap-relays")),
		==,
		1);
	g_assert_true(
		gs_config_set_value(f->config, "sync", "archive", "none", "--archive", &error));
	g_assert_cmpstr(gs_config_get_string(f->config, "sync", "archive"), ==, "none");
	g_assert_true(gs_config_validate(f->config, &error));
}

typedef struct {
	const gchar *name;
	const gchar *contents;
	const gchar *message; /* after "<file>: " */
} ErrorCase;

static const ErrorCase error_cases[] = {
	{"bad-integer",
	 "[sync]\nbase-backoff-secs=abc\n",
	 "[sync] base-backoff-secs: expected a number of seconds from 1 to 3600, got “abc”"},
	{"out-of-range",
	 "[sync]\nmax-backoff-secs=0\n",
	 "[sync] max-backoff-secs: expected a number of seconds from 1 to 604800, got “0”"},
	{"integer-trailing-junk",
	 "[relay]\nmax-limit=10k\n",
	 "[relay] max-limit: expected an integer from 1 to 1000000, got “10k”"},
	{"bad-boolean",
	 "[sync]\ndisable-negentropy=maybe\n",
	 "[sync] disable-negentropy: expected true or false, got “maybe”"},
	{"unknown-key", "[sync]\nbase-backof-secs=5\n", "unknown key [sync] base-backof-secs"},
	{"unknown-group", "[synk]\nbase-backoff-secs=5\n", "unknown group [synk]"},
	{"unknown-both", "[sync]\nfoo=1\n[bar]\n", "unknown key [sync] foo; unknown group [bar]"},
	{"malformed", "this is not a key file\n", "Key file"},
	{"bad-listen",
	 "[http]\nlisten=localhost\n",
	 "[http] listen: expected HOST:PORT with an IP address or localhost"},
	{"bad-listen-port",
	 "[http]\nlisten=127.0.0.1:70000\n",
	 "[http] listen: expected HOST:PORT"},
	{"bad-listen-v6", "[http]\nlisten=::1:80\n", "[http] listen: expected HOST:PORT"},
	{"bad-listen-host", "[http]\nlisten=example.com:80\n", "[http] listen: expected HOST:PORT"},
	{"bad-choice",
	 "[sync]\narchive=some\n",
	 "[sync] archive: expected one of none, all, got “some”"},
	{"bad-bus", "[dbus]\nbus=user\n", "[dbus] bus: expected one of system, session, none"},
	{"bad-relay-url",
	 "[sync]\nbootstrap-relays=wss://ok.example.com;https://web.example.com;\n",
	 "[sync] bootstrap-relays: expected a ws:// or wss:// relay URL, got “https://web"},
	{"relay-url-userinfo",
	 "[home]\nrelay=wss://user@relay.example.com\n",
	 "[home] relay: expected a ws:// or wss:// relay URL"},
	{"bad-pubkey",
	 "[sync]\narchive-pubkeys=npub1xyz\n",
	 "[sync] archive-pubkeys: expected a public key of 64 lower-case hex digits"},
	{"bad-host",
	 "[sync]\narchive-services=https://git.example.com\n",
	 "[sync] archive-services: expected a host name"},
	{"bad-coordinate",
	 "[sync]\nrepository-blacklist=30617:abc:repo\n",
	 "[sync] repository-blacklist: expected a repository coordinate"},
	{"order",
	 "[sync]\nbase-backoff-secs=600\nmax-backoff-secs=60\n",
	 "[sync] base-backoff-secs (600, from "},
};

static void
gs_config_error_test(gconstpointer data)
{
	const ErrorCase *c = data;
	Fixture f = {0};
	g_autoptr(GError) error = NULL;

	fixture_setup(&f, NULL);
	error = load_contents(&f, c->contents);
	g_assert_nonnull(error);
	g_test_message("%s: %s", c->name, error->message);
	g_assert_nonnull(strstr(error->message, f.filename));
	g_assert_nonnull(strstr(error->message, c->message));
	fixture_teardown(&f, NULL);
}

static void
gs_config_env_error_test(Fixture *f, gconstpointer data)
{
	const gchar *bad_int[] = {"NGIT_SYNC_MAX_BACKOFF_SECS=soon", NULL};
	const gchar *bad_url[] = {"NGIT_SYNC_BOOTSTRAP_RELAY_URL=wss://a.example.com,ftp://b",
				  NULL};
	const gchar *good[] = {"NGIT_SYNC_MAX_BACKOFF_SECS=60", NULL};
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_config_load_environment(f->config, good, &error));
	g_assert_false(gs_config_load_environment(f->config, bad_int, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_assert_cmpstr(
		error->message,
		==,
		"environment variable NGIT_SYNC_MAX_BACKOFF_SECS ([sync] max-backoff-secs): "
		"expected a number of seconds from 1 to 604800, got “soon”");
	g_clear_error(&error);
	g_assert_false(gs_config_load_environment(f->config, bad_url, &error));
	g_assert_nonnull(strstr(error->message, "NGIT_SYNC_BOOTSTRAP_RELAY_URL ([sync]"));
	g_assert_nonnull(strstr(error->message, "“ftp://b”"));
	/* a failed load keeps the previous environment layer */
	g_assert_cmpint(gs_config_get_int(f->config, "sync", "max-backoff-secs"), ==, 60);
}

static void
gs_config_cli_error_test(Fixture *f, gconstpointer data)
{
	const gchar *pubkeys[] = {PK_A, "ABCDEF", NULL};
	g_autoptr(GError) error = NULL;

	g_assert_false(
		gs_config_set_value(f->config, "http", "listen", "nonsense", "--listen", &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_assert_true(
		g_str_has_prefix(error->message, "--listen ([http] listen): expected HOST:PORT"));
	g_clear_error(&error);
	g_assert_false(gs_config_set_strv(
		f->config, "sync", "archive-pubkeys", pubkeys, "--archive-pubkey", &error));
	g_assert_true(
		g_str_has_prefix(error->message, "--archive-pubkey ([sync] archive-pubkeys)"));
	g_assert_nonnull(strstr(error->message, "“ABCDEF”"));
	g_assert_cmpint(gs_config_get_source(f->config, "sync", "archive-pubkeys"),
			==,
			GS_CONFIG_SOURCE_DEFAULT);
	g_clear_error(&error);
	/* the order check names both sources */
	g_assert_true(gs_config_set_value(
		f->config, "relay", "default-limit", "9000", "--default-limit", &error));
	g_assert_false(gs_config_validate(f->config, &error));
	g_assert_cmpstr(
		error->message,
		==,
		"[relay] default-limit (9000, from option --default-limit) must not be greater "
		"than [relay] max-limit (5000, from the default)");
}

static void
gs_config_changed_cb(GsConfig *config, const gchar *group, const gchar *key, GPtrArray *changes)
{
	g_ptr_array_add(changes, g_strdup_printf("%s.%s", group, key));
}

static void
gs_config_reload_test(Fixture *f, gconstpointer data)
{
	const gchar *env[] = {"NGIT_BIND_ADDRESS=127.0.0.1:1", NULL};
	g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	guint n_changed = 99;

	error = load_contents(f, "[sync]\nbase-backoff-secs=7\n[http]\nlisten=127.0.0.1:2\n");
	g_assert_no_error(error);
	g_assert_true(gs_config_load_environment(f->config, env, &error));
	g_signal_connect(f->config, "changed", G_CALLBACK(gs_config_changed_cb), changes);

	/* a change hidden by the environment is no change */
	write_file(f->filename,
		   "[sync]\nbase-backoff-secs=8\narchive=none\n[http]\nlisten=127.0.0.1:3\n");
	g_assert_true(gs_config_reload(f->config, &n_changed, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(n_changed, ==, 2);
	g_assert_cmpuint(changes->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(changes, 0), ==, "sync.archive");
	g_assert_cmpstr(g_ptr_array_index(changes, 1), ==, "sync.base-backoff-secs");
	g_assert_cmpint(gs_config_get_int(f->config, "sync", "base-backoff-secs"), ==, 8);

	/* a bad file, or one that breaks an order rule, keeps the previous values */
	write_file(f->filename, "[sync]\nbase-backoff-secs=nine\n");
	g_assert_false(gs_config_reload(f->config, &n_changed, &error));
	g_assert_nonnull(strstr(error->message, "[sync] base-backoff-secs: expected"));
	g_clear_error(&error);
	write_file(f->filename, "[sync]\nbase-backoff-secs=9\nmax-backoff-secs=8\n");
	g_assert_false(gs_config_reload(f->config, &n_changed, &error));
	g_assert_nonnull(strstr(error->message, "must not be greater than"));
	g_clear_error(&error);
	write_file(f->filename, "[nonsense]\n");
	g_assert_false(gs_config_reload(f->config, &n_changed, &error));
	g_clear_error(&error);
	g_assert_cmpint(gs_config_get_int(f->config, "sync", "base-backoff-secs"), ==, 8);
	g_assert_cmpstr(gs_config_get_string(f->config, "sync", "archive"), ==, "none");
	g_assert_cmpuint(changes->len, ==, 2);

	/* removing the file entirely brings back the defaults */
	write_file(f->filename, "");
	g_assert_true(gs_config_reload(f->config, &n_changed, &error));
	g_assert_cmpuint(n_changed, ==, 2);
	g_assert_cmpint(gs_config_get_int(f->config, "sync", "base-backoff-secs"), ==, 5);
}

/* the dump names each source and loads back to the same effective values */
static void
gs_config_dump_test(Fixture *f, gconstpointer data)
{
	const gchar *env[] = {"NGIT_BIND_ADDRESS=127.0.0.1:4", NULL};
	g_autoptr(GsConfig) copy = gs_config_new();
	g_autofree gchar *dump = NULL;
	g_autofree gchar *dumpfile = g_build_filename(f->tmpdir, "dump.conf", NULL);
	g_autoptr(GError) error = NULL;
	guint n_keys = 0;
	const GsConfigKey *keys = gs_config_get_keys(&n_keys);

	error = load_contents(f,
			      "[sync]\nbatch-window-ms=100\nservice-urls=wss://a;wss://b\\;x;\n"
			      "[home]\nrelay=wss://home.example.com\n");
	g_assert_no_error(error);
	g_assert_true(gs_config_load_environment(f->config, env, &error));
	g_assert_true(gs_config_set_value(f->config, "dbus", "bus", "none", "--no-dbus", &error));
	dump = gs_config_dump(f->config);
	g_test_message("%s", dump);
	g_assert_nonnull(strstr(dump,
				"# from environment variable NGIT_BIND_ADDRESS\n"
				"listen=127.0.0.1:4\n"));
	g_assert_nonnull(strstr(dump, "# from option --no-dbus\nbus=none\n"));
	g_assert_nonnull(strstr(dump, "# from the default\nmax-backoff-secs=3600\n"));
	g_assert_nonnull(strstr(dump, "batch-window-ms=100\n"));
	g_assert_nonnull(strstr(dump, "[identity]\n"));
	write_file(dumpfile, dump);
	gs_config_set_state_dir(copy, "/nonexistent");
	g_assert_true(gs_config_load_file(copy, dumpfile, FALSE, &error));
	g_assert_no_error(error);
	for (guint i = 0; i < n_keys; i++) {
		g_autofree gchar *a = NULL;
		g_autofree gchar *b = NULL;
		if (keys[i].type == GS_CONFIG_TYPE_PATH) {
			a = gs_config_dup_path(f->config, keys[i].group, keys[i].key);
			b = gs_config_dup_path(copy, keys[i].group, keys[i].key);
		} else {
			a = gs_config_dup_value_string(f->config, keys[i].group, keys[i].key);
			b = gs_config_dup_value_string(copy, keys[i].group, keys[i].key);
		}
		g_assert_cmpstr(a, ==, b);
	}
	g_assert_cmpstr(gs_config_get_strv(copy, "sync", "service-urls")[1], ==, "wss://b;x");
}

static void
gs_config_listen_test(void)
{
	const struct {
		const gchar *text;
		const gchar *host; /* NULL: invalid */
		guint16 port;
	} cases[] = {
		{"127.0.0.1:7334", "127.0.0.1", 7334},
		{"0.0.0.0:0", "0.0.0.0", 0},
		{"[::1]:80", "::1", 80},
		{"localhost:65535", "localhost", 65535},
		{"127.0.0.1", NULL, 0},
		{"127.0.0.1:", NULL, 0},
		{":80", NULL, 0},
		{"127.0.0.1:-1", NULL, 0},
		{"127.0.0.1:65536", NULL, 0},
		{"[127.0.0.1]:80", NULL, 0},
		{"[::1:80", NULL, 0},
		{"::1:80", NULL, 0},
		{"example.com:80", NULL, 0},
		{"", NULL, 0},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *host = NULL;
		g_autoptr(GError) error = NULL;
		guint16 port = 1;
		gboolean ok = gs_config_parse_listen(cases[i].text, &host, &port, &error);

		g_test_message("%s", cases[i].text);
		g_assert_cmpint(ok, ==, cases[i].host != NULL);
		if (ok) {
			g_assert_cmpstr(host, ==, cases[i].host);
			g_assert_cmpuint(port, ==, cases[i].port);
		} else {
			g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
		}
	}
}

static void
gs_config_checks_test(void)
{
	const struct {
		GsConfigCheckFunc check;
		const gchar *value;
		gboolean ok;
	} cases[] = {
		{gs_config_check_relay_url, "wss://relay.example.com", TRUE},
		{gs_config_check_relay_url, "WS://127.0.0.1:7777/path", TRUE},
		{gs_config_check_relay_url, "relay.example.com", TRUE},
		{gs_config_check_relay_url, "http://relay.example.com", FALSE},
		{gs_config_check_relay_url, "wss://", FALSE},
		{gs_config_check_relay_url, "wss://a b", FALSE},
		{gs_config_check_pubkey, PK_A, TRUE},
		{gs_config_check_pubkey,
		 "AA11111111111111111111111111111111111111111111111111111111111111",
		 FALSE},
		{gs_config_check_pubkey, "aa11", FALSE},
		{gs_config_check_host, "git.example.com", TRUE},
		{gs_config_check_host, "git.example.com:8443", TRUE},
		{gs_config_check_host, "git.example.com/x", FALSE},
		{gs_config_check_coordinate, "30617:" PK_A ":repo", TRUE},
		{gs_config_check_coordinate, "30617:" PK_A ":", FALSE},
		{gs_config_check_coordinate, "30618:" PK_A ":repo", FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_test_message("%s", cases[i].value);
		g_assert_cmpint(cases[i].check(cases[i].value, &error), ==, cases[i].ok);
		g_assert_true((error == NULL) == cases[i].ok);
	}
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/config/table", gs_config_table_test);
	g_test_add_func("/grasp-sync/config/listen", gs_config_listen_test);
	g_test_add_func("/grasp-sync/config/checks", gs_config_checks_test);
	g_test_add("/grasp-sync/config/defaults",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_config_defaults_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/config/file",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_config_file_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/config/missing-file",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_config_missing_file_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/config/env",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_config_env_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/config/cli",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_config_cli_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/config/env-error",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_config_env_error_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/config/cli-error",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_config_cli_error_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/config/reload",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_config_reload_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/config/dump",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_config_dump_test,
		   fixture_teardown);
	for (guint i = 0; i < G_N_ELEMENTS(error_cases); i++) {
		g_autofree gchar *path =
			g_strdup_printf("/grasp-sync/config/error/%s", error_cases[i].name);
		g_test_add_data_func(path, &error_cases[i], gs_config_error_test);
	}
	return g_test_run();
}
