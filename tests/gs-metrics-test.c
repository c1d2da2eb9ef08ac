/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "gs-error.h"
#include "gs-metrics.h"
#include "gs-test-utils.h"

/*
 * A small reader of the 0.0.4 text format, written from the format's description, so that
 * the output is checked by parsing it back rather than by comparing strings only.
 */
typedef struct {
	gchar *name;
	GPtrArray *label_names;
	GPtrArray *label_values;
	gdouble value;
} Sample;

static void
sample_free(Sample *s)
{
	g_free(s->name);
	g_ptr_array_unref(s->label_names);
	g_ptr_array_unref(s->label_values);
	g_free(s);
}

static const gchar *
parse_label_value(const gchar *p, GString *out)
{
	g_assert_cmpint(*p, ==, '"');
	for (p++; *p != '"'; p++) {
		g_assert_cmpint(*p, !=, '\0');
		g_assert_cmpint(*p, !=, '\n');
		if (*p != '\\') {
			g_string_append_c(out, *p);
			continue;
		}
		p++;
		if (*p == 'n')
			g_string_append_c(out, '\n');
		else if (*p == '\\' || *p == '"')
			g_string_append_c(out, *p);
		else
			g_error("bad escape \\%c", *p);
	}
	return p + 1;
}

static const gchar *
parse_labels(const gchar *p, Sample *s)
{
	for (p++; *p != '}';) {
		const gchar *eq = strchr(p, '=');
		g_autoptr(GString) value = g_string_new(NULL);
		g_assert_nonnull(eq);
		g_ptr_array_add(s->label_names, g_strndup(p, eq - p));
		p = parse_label_value(eq + 1, value);
		g_ptr_array_add(s->label_values, g_string_free(g_steal_pointer(&value), FALSE));
		if (*p == ',')
			p++;
	}
	return p + 1;
}

static Sample *
parse_sample(const gchar *line)
{
	Sample *s = g_new0(Sample, 1);
	const gchar *p = line;
	gchar *end = NULL;

	s->label_names = g_ptr_array_new_with_free_func(g_free);
	s->label_values = g_ptr_array_new_with_free_func(g_free);
	while (g_ascii_isalnum(*p) || *p == '_' || *p == ':')
		p++;
	s->name = g_strndup(line, p - line);
	if (*p == '{')
		p = parse_labels(p, s);
	g_assert_cmpint(*p, ==, ' ');
	p++;
	if (g_strcmp0(p, "+Inf") == 0)
		s->value = INFINITY;
	else if (g_strcmp0(p, "-Inf") == 0)
		s->value = -INFINITY;
	else if (g_strcmp0(p, "NaN") == 0)
		s->value = NAN;
	else {
		s->value = g_ascii_strtod(p, &end);
		g_assert_true(end != p && *end == '\0');
	}
	return s;
}

/* every line is a HELP, a TYPE or a sample of the family last typed */
static GPtrArray *
parse_exposition(const gchar *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	GPtrArray *samples = g_ptr_array_new_with_free_func((GDestroyNotify)sample_free);
	g_autofree gchar *family = NULL;

	g_assert_true(g_str_has_suffix(text, "\n"));
	for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		Sample *s;
		if (g_str_has_prefix(lines[i], "# HELP "))
			continue;
		if (g_str_has_prefix(lines[i], "# TYPE ")) {
			g_auto(GStrv) parts = g_strsplit(lines[i] + 7, " ", -1);
			g_assert_cmpuint(g_strv_length(parts), ==, 2);
			g_free(family);
			family = g_strdup(parts[0]);
			continue;
		}
		s = parse_sample(lines[i]);
		g_assert_nonnull(family);
		g_assert_true(g_str_has_prefix(s->name, family));
		g_ptr_array_add(samples, s);
	}
	return samples;
}

static GsMetrics *
metrics_new_basic(void)
{
	GsMetrics *m = gs_metrics_new();
	const gchar *relay[] = {"relay", NULL};
	const gchar *relay_result[] = {"relay", "result", NULL};
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_metrics_register(
		m, "x_events_total", GS_METRIC_TYPE_COUNTER, "Events seen", NULL, &error));
	g_assert_true(gs_metrics_register(
		m, "x_attempts_total", GS_METRIC_TYPE_COUNTER, "Attempts", relay_result, &error));
	g_assert_true(
		gs_metrics_register(m, "x_status", GS_METRIC_TYPE_GAUGE, "Status", relay, &error));
	g_assert_no_error(error);
	return m;
}

static void
gs_metrics_format_test(void)
{
	g_autoptr(GsMetrics) m = metrics_new_basic();
	g_autofree gchar *text = NULL;
	const gchar *b[] = {"wss://b.example.com", NULL};
	const gchar *a[] = {"wss://a.example.com", NULL};
	const gchar *expected =
		"# HELP x_events_total Events seen\n"
		"# TYPE x_events_total counter\n"
		"x_events_total 2\n"
		"# HELP x_attempts_total Attempts\n"
		"# TYPE x_attempts_total counter\n"
		"x_attempts_total{relay=\"wss://a.example.com\",result=\"failure\"} 1\n"
		"x_attempts_total{relay=\"wss://a.example.com\",result=\"success\"} 3\n"
		"# HELP x_status Status\n"
		"# TYPE x_status gauge\n"
		"x_status{relay=\"wss://a.example.com\"} 0.25\n"
		"x_status{relay=\"wss://b.example.com\"} -4\n";

	gs_metrics_inc(m, "x_events_total", NULL);
	gs_metrics_add(m, "x_events_total", NULL, 1);
	for (guint i = 0; i < 3; i++)
		gs_metrics_inc(m, "x_attempts_total", "wss://a.example.com", "success", NULL);
	gs_metrics_inc(m, "x_attempts_total", "wss://a.example.com", "failure", NULL);
	gs_metrics_set(m, "x_status", b, -4);
	gs_metrics_set(m, "x_status", a, 0.25);
	text = gs_metrics_render(m);
	g_assert_cmpstr(text, ==, expected);
}

/* a fresh family without labels shows 0; one with labels shows no sample, only HELP/TYPE */
static void
gs_metrics_empty_test(void)
{
	g_autoptr(GsMetrics) m = metrics_new_basic();
	g_autofree gchar *text = gs_metrics_render(m);

	g_assert_nonnull(strstr(text, "\nx_events_total 0\n"));
	g_assert_nonnull(strstr(text, "# TYPE x_status gauge\n"));
	g_assert_null(strstr(text, "x_status{"));
	g_assert_null(strstr(text, "x_attempts_total{"));
}

static void
gs_metrics_values_test(void)
{
	g_autoptr(GsMetrics) m = gs_metrics_new();
	const gchar *k[] = {"k", NULL};
	const struct {
		const gchar *label;
		gdouble value;
		const gchar *text;
	} cases[] = {
		{"a", 1.5, "1.5"},
		{"b", 1e20, "1e+20"},
		{"c", INFINITY, "+Inf"},
		{"d", -INFINITY, "-Inf"},
		{"e", NAN, "NaN"},
		{"f", 1700000000, "1700000000"},
		{"g", 0.1, "0.10000000000000001"},
	};
	g_autofree gchar *text = NULL;
	g_autoptr(GPtrArray) samples = NULL;

	g_assert_true(gs_metrics_register(m, "v", GS_METRIC_TYPE_GAUGE, "values", k, NULL));
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		const gchar *values[] = {cases[i].label, NULL};
		gs_metrics_set(m, "v", values, cases[i].value);
	}
	text = gs_metrics_render(m);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *line =
			g_strdup_printf("v{k=\"%s\"} %s\n", cases[i].label, cases[i].text);
		g_assert_nonnull(strstr(text, line));
	}
	samples = parse_exposition(text);
	g_assert_cmpuint(samples->len, ==, G_N_ELEMENTS(cases));
	for (guint i = 0; i < samples->len; i++) {
		Sample *s = g_ptr_array_index(samples, i);
		if (isnan(cases[i].value))
			g_assert_true(isnan(s->value));
		else
			g_assert_cmpfloat(s->value, ==, cases[i].value);
	}
}

/* label values with backslash, quote and newline, and invalid UTF-8, read back unchanged */
static void
gs_metrics_escaping_test(void)
{
	g_autoptr(GsMetrics) m = gs_metrics_new();
	const gchar *labels[] = {"relay", "reason", NULL};
	const gchar *values[] = {"wss://x.example.com/a\\b", "say \"hi\"\nnow", NULL};
	const gchar *bad_utf8[] = {"ws://\xff", "ok", NULL};
	g_autofree gchar *text = NULL;
	g_autoptr(GPtrArray) samples = NULL;
	Sample *s;

	g_assert_true(gs_metrics_register(m,
					  "e_total",
					  GS_METRIC_TYPE_COUNTER,
					  "Help with \\ backslash\nand a newline",
					  labels,
					  NULL));
	gs_metrics_inc(m, "e_total", values[0], values[1], NULL);
	gs_metrics_add(m, "e_total", bad_utf8, 2);
	text = gs_metrics_render(m);
	g_assert_nonnull(strstr(text, "# HELP e_total Help with \\\\ backslash\\nand a newline\n"));
	g_assert_nonnull(strstr(text,
				"e_total{relay=\"wss://x.example.com/a\\\\b\",reason=\"say "
				"\\\"hi\\\"\\nnow\"} 1\n"));
	g_assert_true(g_utf8_validate(text, -1, NULL));
	samples = parse_exposition(text);
	g_assert_cmpuint(samples->len, ==, 2);
	s = g_ptr_array_index(samples, 1);
	g_assert_cmpstr(g_ptr_array_index(s->label_names, 0), ==, "relay");
	g_assert_cmpstr(g_ptr_array_index(s->label_values, 0), ==, values[0]);
	g_assert_cmpstr(g_ptr_array_index(s->label_values, 1), ==, values[1]);
	s = g_ptr_array_index(samples, 0);
	g_assert_cmpstr(g_ptr_array_index(s->label_values, 0), ==, "ws://\xef\xbf\xbd");
}

static void
gs_metrics_histogram_test(void)
{
	g_autoptr(GsMetrics) m = gs_metrics_new();
	const gdouble buckets[] = {1, 10, 100};
	const gchar *labels[] = {"relay", NULL};
	const gchar *relay[] = {"wss://r", NULL};
	const gdouble observed[] = {0.5, 1, 7, 50, 5000};
	g_autofree gchar *text = NULL;
	const gchar *expected = "# HELP h_seconds Durations\n"
				"# TYPE h_seconds histogram\n"
				"h_seconds_bucket{relay=\"wss://r\",le=\"1\"} 2\n"
				"h_seconds_bucket{relay=\"wss://r\",le=\"10\"} 3\n"
				"h_seconds_bucket{relay=\"wss://r\",le=\"100\"} 4\n"
				"h_seconds_bucket{relay=\"wss://r\",le=\"+Inf\"} 5\n"
				"h_seconds_sum{relay=\"wss://r\"} 5058.5\n"
				"h_seconds_count{relay=\"wss://r\"} 5\n"
				"# HELP p_seconds Plain\n"
				"# TYPE p_seconds histogram\n"
				"p_seconds_bucket{le=\"0.5\"} 0\n"
				"p_seconds_bucket{le=\"+Inf\"} 0\n"
				"p_seconds_sum 0\n"
				"p_seconds_count 0\n";
	const gdouble half[] = {0.5};
	gdouble sum = 0;

	g_assert_true(gs_metrics_register_histogram(
		m, "h_seconds", "Durations", labels, buckets, G_N_ELEMENTS(buckets), NULL));
	g_assert_true(gs_metrics_register_histogram(m, "p_seconds", "Plain", NULL, half, 1, NULL));
	for (guint i = 0; i < G_N_ELEMENTS(observed); i++)
		gs_metrics_observe(m, "h_seconds", relay, observed[i]);
	text = gs_metrics_render(m);
	g_assert_cmpstr(text, ==, expected);
	g_assert_true(gs_metrics_lookup(m, "h_seconds", relay, &sum));
	g_assert_cmpfloat(sum, ==, 5058.5);
	g_ptr_array_unref(parse_exposition(text));
}

/* totals and histograms kept by their source, set at scrape time */
static void
gs_metrics_set_totals_test(void)
{
	g_autoptr(GsMetrics) m = metrics_new_basic();
	const gdouble buckets[] = {1, 10};
	const guint64 counts[] = {2, 0, 3};
	const gchar *labels[] = {"wss://a", "success", NULL};
	g_autofree gchar *text = NULL;

	g_assert_true(gs_metrics_register_histogram(m, "d_seconds", "d", NULL, buckets, 2, NULL));
	gs_metrics_set_total(m, "x_attempts_total", labels, 41);
	gs_metrics_set_total(m, "x_attempts_total", labels, 42);
	gs_metrics_set_total(m, "x_events_total", NULL, 7);
	gs_metrics_set_histogram(m, "d_seconds", NULL, counts, G_N_ELEMENTS(counts), 123.5);
	text = gs_metrics_render(m);
	g_assert_nonnull(
		strstr(text, "x_attempts_total{relay=\"wss://a\",result=\"success\"} 42\n"));
	g_assert_nonnull(strstr(text, "x_events_total 7\n"));
	g_assert_nonnull(strstr(text,
				"d_seconds_bucket{le=\"1\"} 2\n"
				"d_seconds_bucket{le=\"10\"} 2\n"
				"d_seconds_bucket{le=\"+Inf\"} 5\n"
				"d_seconds_sum 123.5\n"
				"d_seconds_count 5\n"));
}

static void
gs_metrics_remove_label_test(void)
{
	g_autoptr(GsMetrics) m = metrics_new_basic();
	const gchar *a[] = {"wss://a", NULL};
	const gchar *b[] = {"wss://b", NULL};
	g_autofree gchar *text = NULL;
	gdouble v = 0;

	gs_metrics_inc(m, "x_attempts_total", "wss://a", "success", NULL);
	gs_metrics_inc(m, "x_attempts_total", "wss://a", "failure", NULL);
	gs_metrics_inc(m, "x_attempts_total", "wss://b", "success", NULL);
	gs_metrics_set(m, "x_status", a, 3);
	gs_metrics_set(m, "x_status", b, 1);
	gs_metrics_inc(m, "x_events_total", NULL);
	g_assert_cmpuint(gs_metrics_remove_label_value(m, "relay", "wss://a"), ==, 3);
	g_assert_cmpuint(gs_metrics_remove_label_value(m, "relay", "wss://a"), ==, 0);
	g_assert_cmpuint(gs_metrics_remove_label_value(m, "nope", "wss://b"), ==, 0);
	text = gs_metrics_render(m);
	g_assert_null(strstr(text, "wss://a"));
	g_assert_nonnull(strstr(text, "x_status{relay=\"wss://b\"} 1\n"));
	g_assert_nonnull(
		strstr(text, "x_attempts_total{relay=\"wss://b\",result=\"success\"} 1\n"));
	g_assert_false(gs_metrics_lookup(m, "x_status", a, NULL));
	g_assert_true(gs_metrics_lookup(m, "x_events_total", NULL, &v));
	g_assert_cmpfloat(v, ==, 1);
	g_assert_cmpuint(gs_metrics_count_series(m, "x_attempts_total"), ==, 1);
}

static void
collect_cb(GsMetrics *m, gpointer user_data)
{
	guint *calls = user_data;
	const gchar *relay[] = {"wss://live", NULL};
	(*calls)++;
	gs_metrics_clear(m, "x_status");
	if (*calls == 1)
		gs_metrics_set(m, "x_status", relay, 2);
}

/* collectors run at every render: series they no longer set are gone */
static void
gs_metrics_collector_test(void)
{
	g_autoptr(GsMetrics) m = metrics_new_basic();
	const gchar *stale[] = {"wss://stale", NULL};
	guint calls = 0;
	g_autofree gchar *first = NULL;
	g_autofree gchar *second = NULL;

	gs_metrics_set(m, "x_status", stale, 4);
	gs_metrics_add_collector(m, collect_cb, &calls, NULL);
	first = gs_metrics_render(m);
	g_assert_cmpuint(calls, ==, 1);
	g_assert_nonnull(strstr(first, "x_status{relay=\"wss://live\"} 2\n"));
	g_assert_null(strstr(first, "stale"));
	second = gs_metrics_render(m);
	g_assert_cmpuint(calls, ==, 2);
	g_assert_null(strstr(second, "x_status{"));
}

typedef struct {
	const gchar *name;
	GsMetricType type;
	const gchar *labels[3];
	const gdouble *buckets;
	guint n_buckets;
} BadFamily;

static const gdouble bad_order[] = {1, 1};
static const gdouble bad_inf[] = {1, INFINITY};

static const BadFamily bad_families[] = {
	{"", GS_METRIC_TYPE_COUNTER, {NULL}, NULL, 0},
	{"1abc", GS_METRIC_TYPE_COUNTER, {NULL}, NULL, 0},
	{"a-b", GS_METRIC_TYPE_GAUGE, {NULL}, NULL, 0},
	{"a b", GS_METRIC_TYPE_GAUGE, {NULL}, NULL, 0},
	{"dup", GS_METRIC_TYPE_GAUGE, {NULL}, NULL, 0},
	{"ok", GS_METRIC_TYPE_GAUGE, {"a:b", NULL}, NULL, 0},
	{"ok", GS_METRIC_TYPE_GAUGE, {"__name", NULL}, NULL, 0},
	{"ok", GS_METRIC_TYPE_GAUGE, {"9x", NULL}, NULL, 0},
	{"ok", GS_METRIC_TYPE_GAUGE, {"relay", "relay", NULL}, NULL, 0},
	{"ok", GS_METRIC_TYPE_HISTOGRAM, {"le", NULL}, NULL, 0},
	{"ok", GS_METRIC_TYPE_HISTOGRAM, {NULL}, bad_order, 2},
	{"ok", GS_METRIC_TYPE_HISTOGRAM, {NULL}, bad_inf, 2},
};

static void
gs_metrics_bad_family_test(gconstpointer data)
{
	const BadFamily *bad = data;
	g_autoptr(GsMetrics) m = gs_metrics_new();
	g_autoptr(GError) error = NULL;
	gboolean ok;

	g_assert_true(gs_metrics_register(m, "dup", GS_METRIC_TYPE_GAUGE, "x", NULL, NULL));
	if (bad->type == GS_METRIC_TYPE_HISTOGRAM)
		ok = gs_metrics_register_histogram(
			m, bad->name, "h", bad->labels, bad->buckets, bad->n_buckets, &error);
	else
		ok = gs_metrics_register(m, bad->name, bad->type, "h", bad->labels, &error);
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_assert_false(ok);
	g_assert_false(gs_metrics_has(m, "ok"));
}

/* misuse by the caller is a critical (fatal in tests, so checked in a subprocess where
 * criticals are made non-fatal), and changes nothing */
typedef struct {
	const gchar *what;
	const gchar *message;
} Misuse;

static const Misuse misuses[] = {
	{"negative", "*cannot add -1 to a counter*"},
	{"label-count", "*takes 1 label values, got 2*"},
	{"unknown", "*nope_total is not registered*"},
	{"set-counter", "*only gauges are set*"},
	{"observe-gauge", "*cannot observe*"},
	{"total-gauge", "*only counters take totals*"},
};

static void
misuse_run(GsMetrics *m, const gchar *what)
{
	const gchar *two[] = {"a", "b", NULL};
	const gchar *one[] = {"a", NULL};

	if (g_strcmp0(what, "negative") == 0)
		gs_metrics_add(m, "x_events_total", NULL, -1);
	else if (g_strcmp0(what, "label-count") == 0)
		gs_metrics_set(m, "x_status", two, 1);
	else if (g_strcmp0(what, "unknown") == 0)
		gs_metrics_inc(m, "nope_total", NULL);
	else if (g_strcmp0(what, "set-counter") == 0)
		gs_metrics_set(m, "x_events_total", NULL, 5);
	else if (g_strcmp0(what, "total-gauge") == 0)
		gs_metrics_set_total(m, "x_status", one, 1);
	else
		gs_metrics_observe(m, "x_status", one, 1);
}

static void
gs_metrics_misuse_test(gconstpointer data)
{
	const Misuse *misuse = data;

	if (g_test_subprocess()) {
		g_autoptr(GsMetrics) m = metrics_new_basic();
		g_log_set_always_fatal(G_LOG_FATAL_MASK);
		misuse_run(m, misuse->what);
		g_assert_false(gs_metrics_lookup(m, "x_events_total", NULL, NULL));
		g_assert_cmpuint(gs_metrics_count_series(m, "x_status"), ==, 0);
		return;
	}
	g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
	g_test_trap_assert_passed();
	g_test_trap_assert_stderr(misuse->message);
}

static void
gs_metrics_describe_test(void)
{
	g_autoptr(GsMetrics) m = metrics_new_basic();
	g_auto(GStrv) names = gs_metrics_dup_names(m);
	const gchar *const *labels = NULL;
	const gchar *help = NULL;
	GsMetricType type = GS_METRIC_TYPE_GAUGE;

	g_assert_cmpuint(g_strv_length(names), ==, 3);
	g_assert_cmpstr(names[1], ==, "x_attempts_total");
	g_assert_true(gs_metrics_describe(m, "x_attempts_total", &type, &help, &labels));
	g_assert_cmpint(type, ==, GS_METRIC_TYPE_COUNTER);
	g_assert_cmpstr(help, ==, "Attempts");
	g_assert_cmpstr(labels[1], ==, "result");
	g_assert_null(labels[2]);
	g_assert_false(gs_metrics_describe(m, "x", NULL, NULL, NULL));
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/metrics/format", gs_metrics_format_test);
	g_test_add_func("/grasp-sync/metrics/empty", gs_metrics_empty_test);
	g_test_add_func("/grasp-sync/metrics/values", gs_metrics_values_test);
	g_test_add_func("/grasp-sync/metrics/escaping", gs_metrics_escaping_test);
	g_test_add_func("/grasp-sync/metrics/histogram", gs_metrics_histogram_test);
	g_test_add_func("/grasp-sync/metrics/remove-label", gs_metrics_remove_label_test);
	g_test_add_func("/grasp-sync/metrics/set-totals", gs_metrics_set_totals_test);
	g_test_add_func("/grasp-sync/metrics/collector", gs_metrics_collector_test);
	for (guint i = 0; i < G_N_ELEMENTS(misuses); i++) {
		g_autofree gchar *path =
			g_strdup_printf("/grasp-sync/metrics/misuse/%s", misuses[i].what);
		g_test_add_data_func(path, &misuses[i], gs_metrics_misuse_test);
	}
	g_test_add_func("/grasp-sync/metrics/describe", gs_metrics_describe_test);
	for (guint i = 0; i < G_N_ELEMENTS(bad_families); i++) {
		g_autofree gchar *path = g_strdup_printf("/grasp-sync/metrics/bad-family/%u", i);
		g_test_add_data_func(path, &bad_families[i], gs_metrics_bad_family_test);
	}
	return g_test_run();
}
