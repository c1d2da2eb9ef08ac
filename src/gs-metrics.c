/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsMetrics"

#include "config.h"

#include <math.h>
#include <stdarg.h>

#include "gs-error.h"
#include "gs-metrics.h"

typedef struct {
	GStrv values;  /* one per label name of the family */
	gdouble value; /* counter or gauge; histogram: the sum */
	guint64 count; /* histogram: observations */
	guint64 *hits; /* histogram: per bucket, not cumulative */
} GsMetricSeries;

typedef struct {
	gchar *name;
	gchar *help;
	GsMetricType type;
	GStrv labels;
	GArray *buckets;    /* of gdouble, strictly increasing, +Inf implied */
	GHashTable *series; /* rendered label set -> GsMetricSeries */
} GsMetricFamily;

typedef struct {
	GsMetricsCollectFunc func;
	gpointer user_data;
	GDestroyNotify destroy;
} GsMetricsCollector;

struct _GsMetrics {
	GObject parent_instance;
	GPtrArray *families; /* of GsMetricFamily, in registration order */
	GHashTable *by_name; /* name -> GsMetricFamily, unowned */
	GArray *collectors;  /* of GsMetricsCollector */
};

G_DEFINE_FINAL_TYPE(GsMetrics, gs_metrics, G_TYPE_OBJECT)

static void
gs_metric_series_free(GsMetricSeries *series)
{
	g_strfreev(series->values);
	g_free(series->hits);
	g_free(series);
}

static void
gs_metric_family_free(GsMetricFamily *family)
{
	g_free(family->name);
	g_free(family->help);
	g_strfreev(family->labels);
	if (family->buckets != NULL)
		g_array_unref(family->buckets);
	g_hash_table_unref(family->series);
	g_free(family);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsMetricFamily, gs_metric_family_free)

const gchar *
gs_metric_type_to_string(GsMetricType type)
{
	if (type == GS_METRIC_TYPE_COUNTER)
		return "counter";
	if (type == GS_METRIC_TYPE_GAUGE)
		return "gauge";
	if (type == GS_METRIC_TYPE_HISTOGRAM)
		return "histogram";
	return NULL;
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names, [a-zA-Z_][a-zA-Z0-9_]* for label names */
static gboolean
gs_metrics_name_is_valid(const gchar *name, gboolean is_label)
{
	if (name == NULL || name[0] == '\0' || g_ascii_isdigit(name[0]))
		return FALSE;
	for (const gchar *p = name; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '_' && (is_label || *p != ':'))
			return FALSE;
	}
	/* label names starting with __ are reserved for Prometheus itself */
	return !is_label || !g_str_has_prefix(name, "__");
}

static gboolean
gs_metrics_check_labels(const gchar *name,
			GsMetricType type,
			const gchar *const *labels,
			GError **error)
{
	for (guint i = 0; labels != NULL && labels[i] != NULL; i++) {
		if (!gs_metrics_name_is_valid(labels[i], TRUE) ||
		    (type == GS_METRIC_TYPE_HISTOGRAM && g_strcmp0(labels[i], "le") == 0)) {
			g_set_error(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "metric %s: invalid label name '%s'",
				    name,
				    labels[i]);
			return FALSE;
		}
		for (guint j = 0; j < i; j++) {
			if (g_strcmp0(labels[i], labels[j]) == 0) {
				g_set_error(error,
					    GS_ERROR,
					    GS_ERROR_INVALID_ARGUMENT,
					    "metric %s: label '%s' given twice",
					    name,
					    labels[i]);
				return FALSE;
			}
		}
	}
	return TRUE;
}

static GsMetricFamily *
gs_metrics_new_family(GsMetrics *self,
		      const gchar *name,
		      GsMetricType type,
		      const gchar *help,
		      const gchar *const *labels,
		      GError **error)
{
	GsMetricFamily *family;

	if (!gs_metrics_name_is_valid(name, FALSE)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "invalid metric name '%s'",
			    name != NULL ? name : "(null)");
		return NULL;
	}
	if (g_hash_table_contains(self->by_name, name)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "metric %s registered twice",
			    name);
		return NULL;
	}
	if (!gs_metrics_check_labels(name, type, labels, error))
		return NULL;
	family = g_new0(GsMetricFamily, 1);
	family->name = g_strdup(name);
	family->help = g_strdup(help != NULL ? help : "");
	family->type = type;
	family->labels = labels != NULL ? g_strdupv((gchar **)labels) : g_new0(gchar *, 1);
	family->series = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)gs_metric_series_free);
	return family;
}

static void
gs_metrics_append_family(GsMetrics *self, GsMetricFamily *family)
{
	g_ptr_array_add(self->families, family);
	g_hash_table_insert(self->by_name, family->name, family);
}

/**
 * gs_metrics_register:
 * @labels: (nullable): %NULL-terminated label names
 *
 * Adds a counter or gauge family. The error says why a name or label is not acceptable.
 */
gboolean
gs_metrics_register(GsMetrics *self,
		    const gchar *name,
		    GsMetricType type,
		    const gchar *help,
		    const gchar *const *labels,
		    GError **error)
{
	GsMetricFamily *family;

	g_return_val_if_fail(GS_IS_METRICS(self), FALSE);
	g_return_val_if_fail(type != GS_METRIC_TYPE_HISTOGRAM, FALSE);
	family = gs_metrics_new_family(self, name, type, help, labels, error);
	if (family == NULL)
		return FALSE;
	gs_metrics_append_family(self, family);
	return TRUE;
}

/**
 * gs_metrics_register_histogram:
 * @buckets: upper bounds, strictly increasing and finite; `+Inf` is added
 */
gboolean
gs_metrics_register_histogram(GsMetrics *self,
			      const gchar *name,
			      const gchar *help,
			      const gchar *const *labels,
			      const gdouble *buckets,
			      guint n_buckets,
			      GError **error)
{
	g_autoptr(GsMetricFamily) family = NULL;

	g_return_val_if_fail(GS_IS_METRICS(self), FALSE);
	family = gs_metrics_new_family(self, name, GS_METRIC_TYPE_HISTOGRAM, help, labels, error);
	if (family == NULL)
		return FALSE;
	for (guint i = 0; i < n_buckets; i++) {
		if (!isfinite(buckets[i]) || (i > 0 && buckets[i] <= buckets[i - 1])) {
			g_set_error(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "histogram %s: buckets must be finite and increasing",
				    name);
			return FALSE;
		}
	}
	family->buckets = g_array_sized_new(FALSE, FALSE, sizeof(gdouble), n_buckets);
	g_array_append_vals(family->buckets, buckets, n_buckets);
	gs_metrics_append_family(self, g_steal_pointer(&family));
	return TRUE;
}

gboolean
gs_metrics_has(GsMetrics *self, const gchar *name)
{
	g_return_val_if_fail(GS_IS_METRICS(self), FALSE);
	return g_hash_table_contains(self->by_name, name);
}

/**
 * gs_metrics_describe:
 * @type: (out) (optional):
 * @help: (out) (optional) (transfer none):
 * @labels: (out) (optional) (transfer none): the label names, %NULL-terminated
 *
 * Returns: %FALSE when no family has this name
 */
gboolean
gs_metrics_describe(GsMetrics *self,
		    const gchar *name,
		    GsMetricType *type,
		    const gchar **help,
		    const gchar *const **labels)
{
	GsMetricFamily *family;

	g_return_val_if_fail(GS_IS_METRICS(self), FALSE);
	family = g_hash_table_lookup(self->by_name, name);
	if (family == NULL)
		return FALSE;
	if (type != NULL)
		*type = family->type;
	if (help != NULL)
		*help = family->help;
	if (labels != NULL)
		*labels = (const gchar *const *)family->labels;
	return TRUE;
}

/* returns: (transfer full): the family names in registration order */
GStrv
gs_metrics_dup_names(GsMetrics *self)
{
	GStrv names;

	g_return_val_if_fail(GS_IS_METRICS(self), NULL);
	names = g_new0(gchar *, self->families->len + 1);
	for (guint i = 0; i < self->families->len; i++) {
		GsMetricFamily *family = g_ptr_array_index(self->families, i);
		names[i] = g_strdup(family->name);
	}
	return names;
}

static void
gs_metrics_append_escaped(GString *str, const gchar *value, gboolean quote)
{
	for (const gchar *p = value; *p != '\0'; p++) {
		if (*p == '\\')
			g_string_append(str, "\\\\");
		else if (*p == '\n')
			g_string_append(str, "\\n");
		else if (*p == '"' && quote)
			g_string_append(str, "\\\"");
		else
			g_string_append_c(str, *p);
	}
}

/* `{a="x",b="y"}`, or "" without labels; also the key of the series. Label values must be
 * UTF-8 in the exposition format, so invalid sequences are replaced. */
static gchar *
gs_metrics_label_set(GsMetricFamily *family, const gchar *const *values, const gchar *le)
{
	GString *str = g_string_new(NULL);
	guint n_labels = g_strv_length(family->labels);

	for (guint i = 0; i < n_labels; i++) {
		g_autofree gchar *valid = g_utf8_make_valid(values[i], -1);
		g_string_append_printf(str, "%s%s=\"", i > 0 ? "," : "{", family->labels[i]);
		gs_metrics_append_escaped(str, valid, TRUE);
		g_string_append_c(str, '"');
	}
	if (le != NULL)
		g_string_append_printf(str, "%sle=\"%s\"", n_labels > 0 ? "," : "{", le);
	if (str->len > 0)
		g_string_append_c(str, '}');
	return g_string_free(str, FALSE);
}

static GsMetricFamily *
gs_metrics_lookup_family(GsMetrics *self, const gchar *name, const gchar *const *values)
{
	GsMetricFamily *family = g_hash_table_lookup(self->by_name, name);
	guint n_values = values != NULL ? g_strv_length((gchar **)values) : 0;

	if (family == NULL) {
		g_critical("metric %s is not registered", name);
		return NULL;
	}
	if (n_values != g_strv_length(family->labels)) {
		g_critical("metric %s takes %u label values, got %u",
			   name,
			   g_strv_length(family->labels),
			   n_values);
		return NULL;
	}
	for (guint i = 0; i < n_values; i++) {
		if (values[i] == NULL) {
			g_critical("metric %s: label value %u is NULL", name, i);
			return NULL;
		}
	}
	return family;
}

static GsMetricSeries *
gs_metrics_ensure_series(GsMetricFamily *family, const gchar *const *values)
{
	g_autofree gchar *key = gs_metrics_label_set(family, values, NULL);
	GsMetricSeries *series = g_hash_table_lookup(family->series, key);

	if (series != NULL)
		return series;
	series = g_new0(GsMetricSeries, 1);
	series->values = values != NULL ? g_strdupv((gchar **)values) : g_new0(gchar *, 1);
	if (family->buckets != NULL)
		series->hits = g_new0(guint64, family->buckets->len + 1);
	g_hash_table_insert(family->series, g_steal_pointer(&key), series);
	return series;
}

/* counters take only positive deltas; gauges any */
void
gs_metrics_add(GsMetrics *self, const gchar *name, const gchar *const *values, gdouble delta)
{
	GsMetricFamily *family;

	g_return_if_fail(GS_IS_METRICS(self));
	family = gs_metrics_lookup_family(self, name, values);
	if (family == NULL)
		return;
	if (family->type == GS_METRIC_TYPE_HISTOGRAM ||
	    (family->type == GS_METRIC_TYPE_COUNTER && !(delta >= 0))) {
		g_critical("metric %s: cannot add %g to a %s",
			   name,
			   delta,
			   gs_metric_type_to_string(family->type));
		return;
	}
	gs_metrics_ensure_series(family, values)->value += delta;
}

/**
 * gs_metrics_inc:
 * @...: the label values, then %NULL
 *
 * Adds 1 to a counter or gauge: `gs_metrics_inc(m, "x_total", url, "success", NULL)`.
 */
void
gs_metrics_inc(GsMetrics *self, const gchar *name, ...)
{
	va_list args;
	g_autoptr(GPtrArray) values = g_ptr_array_new();
	const gchar *value;

	va_start(args, name);
	while ((value = va_arg(args, const gchar *)) != NULL)
		g_ptr_array_add(values, (gpointer)value);
	va_end(args);
	g_ptr_array_add(values, NULL);
	gs_metrics_add(self, name, (const gchar *const *)values->pdata, 1);
}

void
gs_metrics_set(GsMetrics *self, const gchar *name, const gchar *const *values, gdouble value)
{
	GsMetricFamily *family;

	g_return_if_fail(GS_IS_METRICS(self));
	family = gs_metrics_lookup_family(self, name, values);
	if (family == NULL)
		return;
	if (family->type != GS_METRIC_TYPE_GAUGE) {
		g_critical("metric %s: only gauges are set", name);
		return;
	}
	gs_metrics_ensure_series(family, values)->value = value;
}

void
gs_metrics_observe(GsMetrics *self, const gchar *name, const gchar *const *values, gdouble value)
{
	GsMetricFamily *family;
	GsMetricSeries *series;
	guint idx = 0;

	g_return_if_fail(GS_IS_METRICS(self));
	family = gs_metrics_lookup_family(self, name, values);
	if (family == NULL)
		return;
	if (family->type != GS_METRIC_TYPE_HISTOGRAM || isnan(value)) {
		g_critical("metric %s: cannot observe %g", name, value);
		return;
	}
	series = gs_metrics_ensure_series(family, values);
	while (idx < family->buckets->len && value > g_array_index(family->buckets, gdouble, idx))
		idx++;
	series->hits[idx]++;
	series->count++;
	series->value += value;
}

/**
 * gs_metrics_set_total:
 *
 * Sets a counter to a total its source keeps itself (for collectors that read counts at
 * scrape time). The source should only count up: Prometheus reads a smaller value as a
 * counter reset.
 */
void
gs_metrics_set_total(GsMetrics *self, const gchar *name, const gchar *const *values, gdouble value)
{
	GsMetricFamily *family;

	g_return_if_fail(GS_IS_METRICS(self));
	family = gs_metrics_lookup_family(self, name, values);
	if (family == NULL)
		return;
	if (family->type != GS_METRIC_TYPE_COUNTER) {
		g_critical("metric %s: only counters take totals", name);
		return;
	}
	gs_metrics_ensure_series(family, values)->value = value;
}

/**
 * gs_metrics_set_histogram:
 * @counts: observations per bucket, not cumulative, the last one for `+Inf`
 * @n_counts: the family's number of buckets plus one
 * @sum: the sum of the observations
 *
 * Sets a histogram from counts its source keeps itself.
 */
void
gs_metrics_set_histogram(GsMetrics *self,
			 const gchar *name,
			 const gchar *const *values,
			 const guint64 *counts,
			 guint n_counts,
			 gdouble sum)
{
	GsMetricFamily *family;
	GsMetricSeries *series;

	g_return_if_fail(GS_IS_METRICS(self));
	family = gs_metrics_lookup_family(self, name, values);
	if (family == NULL)
		return;
	if (family->type != GS_METRIC_TYPE_HISTOGRAM || n_counts != family->buckets->len + 1) {
		g_critical("metric %s: not a histogram of %u buckets", name, n_counts - 1);
		return;
	}
	series = gs_metrics_ensure_series(family, values);
	series->count = 0;
	for (guint i = 0; i < n_counts; i++) {
		series->hits[i] = counts[i];
		series->count += counts[i];
	}
	series->value = sum;
}

/**
 * gs_metrics_lookup:
 * @value: (out) (optional): the counter or gauge value; a histogram's sum
 *
 * Returns: %FALSE when the series does not exist
 */
gboolean
gs_metrics_lookup(GsMetrics *self, const gchar *name, const gchar *const *values, gdouble *value)
{
	GsMetricFamily *family;
	GsMetricSeries *series;
	g_autofree gchar *key = NULL;

	g_return_val_if_fail(GS_IS_METRICS(self), FALSE);
	family = gs_metrics_lookup_family(self, name, values);
	if (family == NULL)
		return FALSE;
	key = gs_metrics_label_set(family, values, NULL);
	series = g_hash_table_lookup(family->series, key);
	if (series == NULL)
		return FALSE;
	if (value != NULL)
		*value = series->value;
	return TRUE;
}

guint
gs_metrics_count_series(GsMetrics *self, const gchar *name)
{
	GsMetricFamily *family;

	g_return_val_if_fail(GS_IS_METRICS(self), 0);
	family = g_hash_table_lookup(self->by_name, name);
	return family != NULL ? g_hash_table_size(family->series) : 0;
}

/* drops every series of the family, e.g. before a collector sets them again */
void
gs_metrics_clear(GsMetrics *self, const gchar *name)
{
	GsMetricFamily *family;

	g_return_if_fail(GS_IS_METRICS(self));
	family = g_hash_table_lookup(self->by_name, name);
	if (family == NULL) {
		g_critical("metric %s is not registered", name);
		return;
	}
	g_hash_table_remove_all(family->series);
}

/**
 * gs_metrics_remove_label_value:
 *
 * Drops, in every family with the label, the series whose value for it is @value: the series
 * of a removed relay disappear with `gs_metrics_remove_label_value(m, "relay", url)`.
 *
 * Returns: the number of series removed
 */
guint
gs_metrics_remove_label_value(GsMetrics *self, const gchar *label, const gchar *value)
{
	guint n_removed = 0;

	g_return_val_if_fail(GS_IS_METRICS(self), 0);
	for (guint i = 0; i < self->families->len; i++) {
		GsMetricFamily *family = g_ptr_array_index(self->families, i);
		GHashTableIter iter;
		GsMetricSeries *series;
		gint idx = -1;

		for (guint j = 0; family->labels[j] != NULL; j++) {
			if (g_strcmp0(family->labels[j], label) == 0)
				idx = (gint)j;
		}
		if (idx < 0)
			continue;
		g_hash_table_iter_init(&iter, family->series);
		while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&series)) {
			if (g_strcmp0(series->values[idx], value) == 0) {
				g_hash_table_iter_remove(&iter);
				n_removed++;
			}
		}
	}
	return n_removed;
}

/* collectors run in the order added, at every gs_metrics_collect() */
void
gs_metrics_add_collector(GsMetrics *self,
			 GsMetricsCollectFunc func,
			 gpointer user_data,
			 GDestroyNotify destroy)
{
	GsMetricsCollector collector = {func, user_data, destroy};

	g_return_if_fail(GS_IS_METRICS(self));
	g_array_append_val(self->collectors, collector);
}

void
gs_metrics_collect(GsMetrics *self)
{
	g_return_if_fail(GS_IS_METRICS(self));
	for (guint i = 0; i < self->collectors->len; i++) {
		GsMetricsCollector *c = &g_array_index(self->collectors, GsMetricsCollector, i);
		c->func(self, c->user_data);
	}
}

/* Go's float formatting as Prometheus reads it: integers plainly, +Inf, -Inf, NaN */
static void
gs_metrics_append_value(GString *str, gdouble value)
{
	gchar buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (isnan(value))
		g_string_append(str, "NaN");
	else if (isinf(value))
		g_string_append(str, value > 0 ? "+Inf" : "-Inf");
	else if (value == floor(value) && fabs(value) < 1e15)
		g_string_append_printf(str, "%.0f", value);
	else
		g_string_append(str, g_ascii_dtostr(buf, sizeof(buf), value));
}

static void
gs_metrics_render_histogram(GString *str, GsMetricFamily *family, GsMetricSeries *series)
{
	guint64 cumulative = 0;
	g_autofree gchar *labels =
		gs_metrics_label_set(family, (const gchar *const *)series->values, NULL);

	for (guint i = 0; i <= family->buckets->len; i++) {
		g_autoptr(GString) le = g_string_new(NULL);
		g_autofree gchar *set = NULL;

		if (i < family->buckets->len)
			gs_metrics_append_value(le, g_array_index(family->buckets, gdouble, i));
		else
			g_string_append(le, "+Inf");
		cumulative += series->hits[i];
		set = gs_metrics_label_set(family, (const gchar *const *)series->values, le->str);
		g_string_append_printf(
			str, "%s_bucket%s %" G_GUINT64_FORMAT "\n", family->name, set, cumulative);
	}
	g_string_append_printf(str, "%s_sum%s ", family->name, labels);
	gs_metrics_append_value(str, series->value);
	g_string_append_printf(
		str, "\n%s_count%s %" G_GUINT64_FORMAT "\n", family->name, labels, series->count);
}

static void
gs_metrics_render_family(GString *str, GsMetricFamily *family)
{
	g_autoptr(GList) keys = NULL;

	g_string_append_printf(str, "# HELP %s ", family->name);
	gs_metrics_append_escaped(str, family->help, FALSE);
	g_string_append_printf(
		str, "\n# TYPE %s %s\n", family->name, gs_metric_type_to_string(family->type));
	/* a family without labels always has its single series */
	if (family->labels[0] == NULL)
		gs_metrics_ensure_series(family, NULL);
	keys = g_list_sort(g_hash_table_get_keys(family->series), (GCompareFunc)g_strcmp0);
	for (GList *l = keys; l != NULL; l = l->next) {
		GsMetricSeries *series = g_hash_table_lookup(family->series, l->data);
		if (family->type == GS_METRIC_TYPE_HISTOGRAM) {
			gs_metrics_render_histogram(str, family, series);
			continue;
		}
		g_string_append_printf(str, "%s%s ", family->name, (const gchar *)l->data);
		gs_metrics_append_value(str, series->value);
		g_string_append_c(str, '\n');
	}
}

/**
 * gs_metrics_render:
 *
 * Runs the collectors, then renders every family as `text/plain; version=0.0.4`.
 *
 * Returns: (transfer full): the exposition text
 */
gchar *
gs_metrics_render(GsMetrics *self)
{
	GString *str = g_string_new(NULL);

	g_return_val_if_fail(GS_IS_METRICS(self), NULL);
	gs_metrics_collect(self);
	for (guint i = 0; i < self->families->len; i++)
		gs_metrics_render_family(str, g_ptr_array_index(self->families, i));
	return g_string_free(str, FALSE);
}

static void
gs_metrics_finalize(GObject *object)
{
	GsMetrics *self = GS_METRICS(object);

	for (guint i = 0; i < self->collectors->len; i++) {
		GsMetricsCollector *c = &g_array_index(self->collectors, GsMetricsCollector, i);
		if (c->destroy != NULL)
			c->destroy(c->user_data);
	}
	g_array_unref(self->collectors);
	g_hash_table_unref(self->by_name);
	g_ptr_array_unref(self->families);
	G_OBJECT_CLASS(gs_metrics_parent_class)->finalize(object);
}

static void
gs_metrics_class_init(GsMetricsClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = gs_metrics_finalize;
}

static void
gs_metrics_init(GsMetrics *self)
{
	self->families = g_ptr_array_new_with_free_func((GDestroyNotify)gs_metric_family_free);
	self->by_name = g_hash_table_new(g_str_hash, g_str_equal);
	self->collectors = g_array_new(FALSE, FALSE, sizeof(GsMetricsCollector));
}

GsMetrics *
gs_metrics_new(void)
{
	return g_object_new(GS_TYPE_METRICS, NULL);
}
