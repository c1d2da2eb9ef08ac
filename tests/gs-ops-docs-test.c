/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * What the code says against what users read: the metric families against docs/metrics.md
 * and the Grafana dashboards, the D-Bus members of the XML against docs/dbus.md (and a doc
 * comment on each), the registered error names against the docs. The configuration keys are
 * checked against the docs by gs-config-docs-test.
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "gs-error.h"
#include "gs-sync-metrics.h"
#include "gs-test-utils.h"

static gchar *
read_source(const gchar *dir, const gchar *name)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "..", dir, name, NULL);
	g_autoptr(GError) error = NULL;
	gchar *text = NULL;

	g_file_get_contents(path, &text, NULL, &error);
	g_assert_no_error(error);
	return text;
}

/* the cells of a Markdown table row "| a | b |", stripped; %NULL for other lines */
static GStrv
table_cells(const gchar *line)
{
	g_auto(GStrv) parts = NULL;
	g_autoptr(GStrvBuilder) b = NULL;

	if (!g_str_has_prefix(line, "| `"))
		return NULL;
	parts = g_strsplit(line, "|", -1);
	b = g_strv_builder_new();
	for (guint i = 1; parts[i] != NULL && parts[i + 1] != NULL; i++)
		g_strv_builder_add(b, g_strstrip(parts[i]));
	return g_strv_builder_end(b);
}

static gchar *
unquote(const gchar *cell)
{
	g_assert_true(g_str_has_prefix(cell, "`") && g_str_has_suffix(cell, "`"));
	return g_strndup(cell + 1, strlen(cell) - 2);
}

static GsMetrics *
registry_new(void)
{
	GsMetrics *m = gs_metrics_new();
	gs_sync_metrics_register(m);
	return m;
}

/* docs/metrics.md lists every family once, with its type and labels, and nothing else */
static void
gs_ops_docs_metrics_test(void)
{
	g_autoptr(GsMetrics) m = registry_new();
	g_autofree gchar *text = read_source("docs", "metrics.md");
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_auto(GStrv) names = gs_metrics_dup_names(m);
	g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) cells = table_cells(lines[i]);
		g_autofree gchar *name = NULL;
		g_autofree gchar *labels = NULL;
		const gchar *const *want_labels = NULL;
		GsMetricType type;

		if (cells == NULL || !g_str_has_prefix(cells[0], "`ngit_"))
			continue;
		name = unquote(cells[0]);
		g_test_message("docs/metrics.md: %s", name);
		if (!gs_metrics_describe(m, name, &type, NULL, &want_labels))
			g_error("docs/metrics.md lists %s, which is not registered", name);
		g_assert_cmpstr(cells[1], ==, gs_metric_type_to_string(type));
		labels = g_strjoinv(", ", (gchar **)want_labels);
		g_assert_cmpstr(cells[2], ==, labels[0] != '\0' ? labels : "—");
		g_assert_false(g_hash_table_contains(seen, name));
		g_hash_table_add(seen, g_steal_pointer(&name));
	}
	for (guint i = 0; names[i] != NULL; i++) {
		if (!g_hash_table_contains(seen, names[i]))
			g_error("%s is not in docs/metrics.md", names[i]);
	}
}

/* names in docs/dbus.md's table under @heading */
static GPtrArray *
dbus_doc_names(const gchar *text, const gchar *heading)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	gboolean in = FALSE;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) cells = NULL;
		if (g_str_has_prefix(lines[i], "### ")) {
			in = g_strcmp0(lines[i] + 4, heading) == 0;
			continue;
		}
		cells = in ? table_cells(lines[i]) : NULL;
		if (cells != NULL)
			g_ptr_array_add(names, unquote(cells[0]));
	}
	g_assert_cmpuint(names->len, >, 0);
	return names;
}

static void
assert_same_names(GPtrArray *doc, GPtrArray *code, const gchar *what)
{
	for (guint i = 0; i < code->len; i++) {
		if (!g_ptr_array_find_with_equal_func(doc, code->pdata[i], g_str_equal, NULL))
			g_error("%s %s is not in docs/dbus.md", what, (gchar *)code->pdata[i]);
	}
	for (guint i = 0; i < doc->len; i++) {
		if (!g_ptr_array_find_with_equal_func(code, doc->pdata[i], g_str_equal, NULL))
			g_error("docs/dbus.md lists %s %s, which the XML lacks",
				what,
				(gchar *)doc->pdata[i]);
	}
}

static void
check_interface(const gchar *md, GDBusInterfaceInfo *iface, const gchar *prefix)
{
	g_autoptr(GPtrArray) methods = g_ptr_array_new();
	g_autoptr(GPtrArray) props = g_ptr_array_new();
	g_autofree gchar *h_methods = g_strdup_printf("%s methods", prefix);
	g_autofree gchar *h_props = g_strdup_printf("%s properties", prefix);
	g_autoptr(GPtrArray) doc_methods = dbus_doc_names(md, h_methods);
	g_autoptr(GPtrArray) doc_props = dbus_doc_names(md, h_props);

	for (guint i = 0; iface->methods[i] != NULL; i++)
		g_ptr_array_add(methods, iface->methods[i]->name);
	for (guint i = 0; iface->properties[i] != NULL; i++)
		g_ptr_array_add(props, iface->properties[i]->name);
	assert_same_names(doc_methods, methods, h_methods);
	assert_same_names(doc_props, props, h_props);
}

static void
gs_ops_docs_dbus_test(void)
{
	g_autofree gchar *xml = read_source("data", "dev.graspsync.GraspSync1.xml");
	g_autofree gchar *md = read_source("docs", "dbus.md");
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml(xml, &error);

	g_assert_no_error(error);
	check_interface(
		md, g_dbus_node_info_lookup_interface(node, "dev.graspsync.GraspSync1"), "Manager");
	check_interface(md,
			g_dbus_node_info_lookup_interface(node, "dev.graspsync.GraspSync1.Relay"),
			"Relay");
}

/* a gdbus-codegen doc comment ("Name: ...") right before every method and property */
static void
gs_ops_docs_dbus_comments_test(void)
{
	g_autofree gchar *xml = read_source("data", "dev.graspsync.GraspSync1.xml");
	g_auto(GStrv) lines = g_strsplit(xml, "\n", -1);
	g_autofree gchar *comment = NULL;
	guint n_members = 0;

	for (guint i = 0; lines[i] != NULL; i++) {
		const gchar *line = g_strstrip(lines[i]);
		const gchar *kinds[] = {
			"<method name=\"", "<property name=\"", "<interface name=\""};
		for (guint k = 0; k < G_N_ELEMENTS(kinds); k++) {
			g_autofree gchar *name = NULL;
			g_autofree gchar *want = NULL;
			const gchar *end;
			if (!g_str_has_prefix(line, kinds[k]))
				continue;
			end = strchr(line + strlen(kinds[k]), '"');
			name = g_strndup(line + strlen(kinds[k]), end - line - strlen(kinds[k]));
			want = g_strdup_printf("%s:", name);
			if (comment == NULL || !g_str_has_prefix(comment, want))
				g_error("%s has no doc comment starting with \"%s\"", name, want);
			n_members++;
			g_clear_pointer(&comment, g_free);
		}
		if (g_str_has_prefix(line, "<!--")) {
			g_autoptr(GString) c = g_string_new(NULL);
			for (i++; lines[i] != NULL && strstr(lines[i], "-->") == NULL; i++)
				g_string_append_printf(c, "%s\n", g_strstrip(lines[i]));
			g_free(comment);
			comment = g_strdup(c->str);
		} else if (line[0] != '\0' && !g_str_has_prefix(line, "<annotation")) {
			g_clear_pointer(&comment, g_free);
		}
	}
	/* 2 interfaces, 14 methods, 23 properties */
	g_assert_cmpuint(n_members, ==, 39);
}

/* the error table of docs/dbus.md is the registered GsError names */
static void
gs_ops_docs_errors_test(void)
{
	g_autofree gchar *md = read_source("docs", "dbus.md");
	g_autoptr(GPtrArray) doc = dbus_doc_names(md, "Errors");
	g_autoptr(GPtrArray) code = g_ptr_array_new_with_free_func(g_free);

	for (gint i = 0; i < GS_ERROR_LAST; i++) {
		g_autoptr(GError) error = g_error_new_literal(GS_ERROR, i, "x");
		g_ptr_array_add(code, g_dbus_error_encode_gerror(error));
	}
	assert_same_names(doc, code, "error");
}

/* the metric names and labels a PromQL expression or legend uses are ours */
static void
check_expression(GsMetrics *m, const gchar *expr, const gchar *legend)
{
	g_autoptr(GRegex) names = g_regex_new("ngit_[a-z_]+", 0, 0, NULL);
	g_autoptr(GRegex) labels = g_regex_new(
		"(?:by \\(([a-z_, ]+)\\))|(?:\\{\\{([a-z_]+)\\}\\})|(?:\\{([a-z_]+)=)", 0, 0, NULL);
	g_autoptr(GMatchInfo) match = NULL;
	g_autoptr(GString) both = g_string_new(expr);
	g_autoptr(GHashTable) allowed = g_hash_table_new(g_str_hash, g_str_equal);

	g_test_message("%s | %s", expr, legend != NULL ? legend : "");
	g_hash_table_add(allowed, (gpointer) "le");
	for (g_regex_match(names, expr, 0, &match); g_match_info_matches(match);
	     g_match_info_next(match, NULL)) {
		g_autofree gchar *name = g_match_info_fetch(match, 0);
		const gchar *const *family_labels = NULL;
		const gchar *suffixes[] = {"_bucket", "_sum", "_count"};
		if (!gs_metrics_describe(m, name, NULL, NULL, &family_labels)) {
			for (guint i = 0; i < G_N_ELEMENTS(suffixes) && family_labels == NULL;
			     i++) {
				if (g_str_has_suffix(name, suffixes[i])) {
					name[strlen(name) - strlen(suffixes[i])] = '\0';
					gs_metrics_describe(m, name, NULL, NULL, &family_labels);
				}
			}
		}
		if (family_labels == NULL)
			g_error("%s uses %s, which is not registered", expr, name);
		for (guint i = 0; family_labels[i] != NULL; i++)
			g_hash_table_add(allowed, (gpointer)family_labels[i]);
	}
	g_clear_pointer(&match, g_match_info_unref);
	if (legend != NULL)
		g_string_append_printf(both, " %s", legend);
	for (g_regex_match(labels, both->str, 0, &match); g_match_info_matches(match);
	     g_match_info_next(match, NULL)) {
		for (gint g = 1; g <= 3; g++) {
			g_autofree gchar *group = g_match_info_fetch(match, g);
			g_auto(GStrv) parts = group != NULL ? g_strsplit(group, ",", -1) : NULL;
			for (guint i = 0; parts != NULL && parts[i] != NULL; i++) {
				if (g_strstrip(parts[i])[0] != '\0' &&
				    !g_hash_table_contains(allowed, parts[i]))
					g_error("%s uses the label %s, which its metrics lack",
						both->str,
						parts[i]);
			}
		}
	}
}

/* every query of data/grasp-sync-dashboard.json renders from our metrics */
static void
gs_ops_docs_dashboard_test(void)
{
	g_autoptr(GsMetrics) m = registry_new();
	g_autofree gchar *text = read_source("data", "grasp-sync-dashboard.json");
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonArray *panels;
	guint n_targets = 0;

	g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
	panels = json_object_get_array_member(json_node_get_object(json_parser_get_root(parser)),
					      "panels");
	for (guint i = 0; i < json_array_get_length(panels); i++) {
		JsonObject *panel = json_array_get_object_element(panels, i);
		JsonArray *targets;
		if (!json_object_has_member(panel, "targets"))
			continue;
		targets = json_object_get_array_member(panel, "targets");
		for (guint j = 0; j < json_array_get_length(targets); j++) {
			JsonObject *t = json_array_get_object_element(targets, j);
			check_expression(m,
					 json_object_get_string_member(t, "expr"),
					 json_object_get_string_member_with_default(
						 t, "legendFormat", NULL));
			n_targets++;
		}
	}
	g_assert_cmpuint(n_targets, >=, 30);
}

/*
 * The sync panels ("Proactive Sync" row) of upstream ngit-grasp's published Grafana dashboard,
 * restated as their queries and legends: they must render from our metrics unchanged.
 */
static void
gs_ops_docs_upstream_dashboard_test(void)
{
	g_autoptr(GsMetrics) m = registry_new();
	const gchar *queries[][2] = {
		{"ngit_sync_relays_connected_total", "Connected"},
		{"ngit_sync_relays_tracked_total", "Tracked"},
		{"ngit_sync_relays_dead_total", "Dead"},
		{"count(ngit_sync_relay_status == 1)", "healthy"},
		{"count(ngit_sync_relay_status == 2)", "degraded"},
		{"count(ngit_sync_relay_status == 3)", "dead"},
		{"increase(ngit_sync_connection_attempts_total{result=\"success\"}[5m])",
		 "success"},
		{"increase(ngit_sync_connection_attempts_total{result=\"failure\"}[5m])",
		 "failure"},
		{"rate(ngit_sync_events_total[5m])", "{{source}}"},
		{"increase(ngit_sync_gap_events_total[1h])", "{{relay}}"},
		{"ngit_uptime_seconds", "Uptime"},
		{"ngit_build_info", "{{version}}"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(queries); i++)
		check_expression(m, queries[i][0], queries[i][1]);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/ops-docs/metrics", gs_ops_docs_metrics_test);
	g_test_add_func("/grasp-sync/ops-docs/dbus", gs_ops_docs_dbus_test);
	g_test_add_func("/grasp-sync/ops-docs/dbus-comments", gs_ops_docs_dbus_comments_test);
	g_test_add_func("/grasp-sync/ops-docs/errors", gs_ops_docs_errors_test);
	g_test_add_func("/grasp-sync/ops-docs/dashboard", gs_ops_docs_dashboard_test);
	g_test_add_func("/grasp-sync/ops-docs/upstream-dashboard",
			gs_ops_docs_upstream_dashboard_test);
	return g_test_run();
}
