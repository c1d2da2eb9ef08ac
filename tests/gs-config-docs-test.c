/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* the configuration table against what users read: docs/configuration.md, the example
 * data/grasp-syncd.conf and grasp-syncd.conf(5) must list exactly the keys of the table,
 * with the table's defaults and environment variables */

#include "config.h"

#include <string.h>

#include "gs-config.h"
#include "gs-test-utils.h"

static gchar *
read_source_file(const gchar *dir, const gchar *name)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "..", dir, name, NULL);
	g_autoptr(GError) error = NULL;
	gchar *contents = NULL;

	g_file_get_contents(path, &contents, NULL, &error);
	g_assert_no_error(error);
	return contents;
}

static const GsConfigKey *
find_key(const gchar *group, const gchar *key)
{
	guint n_keys = 0;
	const GsConfigKey *keys = gs_config_get_keys(&n_keys);

	for (guint i = 0; i < n_keys; i++) {
		if (g_strcmp0(keys[i].group, group) == 0 && g_strcmp0(keys[i].key, key) == 0)
			return &keys[i];
	}
	return NULL;
}

/* each key of the table was seen exactly once in @doc; @seen maps "group.key" to a count */
static void
assert_all_seen(GHashTable *seen, const gchar *doc)
{
	guint n_keys = 0;
	const GsConfigKey *keys = gs_config_get_keys(&n_keys);

	for (guint i = 0; i < n_keys; i++) {
		g_autofree gchar *id = g_strdup_printf("%s.%s", keys[i].group, keys[i].key);
		guint count = GPOINTER_TO_UINT(g_hash_table_lookup(seen, id));
		if (count != 1)
			g_error("%s lists [%s] %s %u times",
				doc,
				keys[i].group,
				keys[i].key,
				count);
	}
}

/* records one listed key, failing for a key the table lacks */
static const GsConfigKey *
see_key(GHashTable *seen, const gchar *doc, const gchar *group, const gchar *key)
{
	const GsConfigKey *k = find_key(group, key);
	gchar *id = g_strdup_printf("%s.%s", group, key);

	if (k == NULL)
		g_error("%s lists [%s] %s, which the configuration table lacks", doc, group, key);
	g_hash_table_insert(
		seen, id, GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(seen, id)) + 1));
	return k;
}

static gchar *
group_of_heading(const gchar *line, const gchar *prefix)
{
	if (!g_str_has_prefix(line, prefix) || !g_str_has_suffix(line, "]"))
		return NULL;
	return g_strndup(line + strlen(prefix), strlen(line) - strlen(prefix) - 1);
}

static void
check_md_row(GHashTable *seen, const gchar *group, const gchar *line)
{
	const gchar *doc = "docs/configuration.md";
	g_auto(GStrv) cells = g_strsplit(line, "|", -1);
	g_autofree gchar *key = NULL;
	g_autofree gchar *env = NULL;
	g_autofree gchar *def = NULL;
	const GsConfigKey *k;

	g_assert_cmpuint(g_strv_length(cells), ==, 7);
	for (guint i = 0; cells[i] != NULL; i++)
		g_strstrip(cells[i]);
	key = g_strndup(cells[1] + 1, strlen(cells[1]) - 2);
	k = see_key(seen, doc, group, key);
	g_test_message("%s: [%s] %s", doc, group, key);
	g_assert_true(g_str_has_prefix(cells[2], gs_config_type_to_string(k->type)));
	if (k->default_value != NULL && k->default_value[0] != '\0') {
		def = g_strdup_printf("`%s`", k->default_value);
		g_assert_cmpstr(cells[3], ==, def);
	} else {
		g_assert_true(g_str_has_prefix(cells[3], "("));
	}
	env = k->env != NULL ? g_strdup_printf("`%s`", k->env) : g_strdup("");
	g_assert_cmpstr(cells[4], ==, env);
	g_assert_cmpstr(cells[5], ==, k->description);
}

static void
gs_config_docs_markdown_test(void)
{
	g_autofree gchar *text = read_source_file("docs", "configuration.md");
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree gchar *group = NULL;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_autofree gchar *heading = group_of_heading(lines[i], "## [");
		if (heading != NULL) {
			g_free(group);
			group = g_steal_pointer(&heading);
		} else if (g_str_has_prefix(lines[i], "| `")) {
			g_assert_nonnull(group);
			check_md_row(seen, group, lines[i]);
		}
	}
	assert_all_seen(seen, "docs/configuration.md");
}

/* a commented-out key line of the example: "#key=value" */
static gboolean
parse_example_line(const gchar *line, gchar **key, gchar **value)
{
	g_autoptr(GRegex) re = g_regex_new("^#([a-z0-9-]+)=(.*)$", 0, 0, NULL);
	g_autoptr(GMatchInfo) match = NULL;

	if (!g_regex_match(re, line, 0, &match))
		return FALSE;
	*key = g_match_info_fetch(match, 1);
	*value = g_match_info_fetch(match, 2);
	return TRUE;
}

static void
gs_config_docs_example_test(void)
{
	g_autofree gchar *text = read_source_file("data", "grasp-syncd.conf");
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree gchar *group = NULL;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_autofree gchar *heading = group_of_heading(lines[i], "[");
		g_autofree gchar *key = NULL;
		g_autofree gchar *value = NULL;

		if (heading != NULL) {
			g_free(group);
			group = g_steal_pointer(&heading);
		} else if (parse_example_line(lines[i], &key, &value)) {
			const GsConfigKey *k = NULL;
			g_assert_nonnull(group);
			k = see_key(seen, "data/grasp-syncd.conf", group, key);
			g_assert_cmpstr(
				value, ==, k->default_value != NULL ? k->default_value : "");
		}
	}
	assert_all_seen(seen, "data/grasp-syncd.conf");
}

/* the example with every key uncommented loads and gives exactly the defaults */
static void
gs_config_docs_example_loads_test(void)
{
	g_autofree gchar *text = read_source_file("data", "grasp-syncd.conf");
	g_autoptr(GRegex) re = g_regex_new("^#([a-z0-9-]+=)", G_REGEX_MULTILINE, 0, NULL);
	g_autofree gchar *uncommented = g_regex_replace(re, text, -1, 0, "\\1", 0, NULL);
	g_autofree gchar *tmpdir = gs_test_tmpdir_new();
	g_autofree gchar *filename = g_build_filename(tmpdir, "example.conf", NULL);
	g_autoptr(GsConfig) defaults = gs_config_new();
	g_autoptr(GsConfig) example = gs_config_new();
	g_autoptr(GError) error = NULL;
	guint n_keys = 0;
	const GsConfigKey *keys = gs_config_get_keys(&n_keys);

	g_assert_true(g_file_set_contents(filename, uncommented, -1, NULL));
	g_assert_true(gs_config_load_file(example, filename, FALSE, &error));
	g_assert_no_error(error);
	g_assert_true(gs_config_validate(example, &error));
	for (guint i = 0; i < n_keys; i++) {
		g_autofree gchar *a =
			gs_config_dup_value_string(defaults, keys[i].group, keys[i].key);
		g_autofree gchar *b =
			gs_config_dup_value_string(example, keys[i].group, keys[i].key);
		g_assert_cmpstr(a, ==, b);
		/* unset strings stay unset when written empty */
		if (keys[i].default_value != NULL)
			g_assert_cmpint(gs_config_get_source(example, keys[i].group, keys[i].key),
					==,
					GS_CONFIG_SOURCE_FILE);
	}
	gs_test_tmpdir_remove(tmpdir);
}

static void
check_man_entry(GHashTable *seen, const gchar *group, const gchar *line)
{
	const gchar *doc = "docs/grasp-syncd.conf.5.scd";
	const gchar *end = strchr(line + 1, '*');
	g_autofree gchar *key = NULL;
	g_autofree gchar *def = NULL;
	g_autofree gchar *env = NULL;
	const GsConfigKey *k;

	g_assert_nonnull(end);
	key = g_strndup(line + 1, end - line - 1);
	k = see_key(seen, doc, group, key);
	g_test_message("%s: [%s] %s", doc, group, key);
	if (k->default_value != NULL && k->default_value[0] != '\0') {
		def = g_strdup_printf("default: %s", k->default_value);
		g_assert_nonnull(strstr(line, def));
	}
	if (k->env != NULL) {
		env = g_strdup_printf("environment: %s)", k->env);
		g_assert_nonnull(strstr(line, env));
	} else {
		g_assert_null(strstr(line, "environment:"));
	}
}

static void
gs_config_docs_man_test(void)
{
	g_autofree gchar *text = read_source_file("docs", "grasp-syncd.conf.5.scd");
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autofree gchar *group = NULL;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_autofree gchar *heading = group_of_heading(lines[i], "## [");
		if (heading != NULL) {
			g_free(group);
			group = g_steal_pointer(&heading);
		} else if (lines[i][0] == '#') {
			g_clear_pointer(&group, g_free);
		} else if (group != NULL && lines[i][0] == '*') {
			check_man_entry(seen, group, lines[i]);
		}
	}
	assert_all_seen(seen, "docs/grasp-syncd.conf.5.scd");
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/config-docs/markdown", gs_config_docs_markdown_test);
	g_test_add_func("/grasp-sync/config-docs/example", gs_config_docs_example_test);
	g_test_add_func("/grasp-sync/config-docs/example-loads", gs_config_docs_example_loads_test);
	g_test_add_func("/grasp-sync/config-docs/man", gs_config_docs_man_test);
	return g_test_run();
}
