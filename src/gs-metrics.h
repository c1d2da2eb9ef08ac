/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GS_TYPE_METRICS (gs_metrics_get_type())
G_DECLARE_FINAL_TYPE(GsMetrics, gs_metrics, GS, METRICS, GObject)

/**
 * GsMetricType:
 * @GS_METRIC_TYPE_COUNTER: only goes up; reset only by a restart
 * @GS_METRIC_TYPE_GAUGE: any value, usually set from live state by a collector
 * @GS_METRIC_TYPE_HISTOGRAM: observations counted into cumulative buckets
 */
typedef enum {
	GS_METRIC_TYPE_COUNTER,
	GS_METRIC_TYPE_GAUGE,
	GS_METRIC_TYPE_HISTOGRAM,
} GsMetricType;

/* called at every scrape, before rendering, to set gauges from live state */
typedef void (*GsMetricsCollectFunc)(GsMetrics *metrics, gpointer user_data);

/*
 * A Prometheus registry with the text exposition format 0.0.4:
 *
 *   # HELP ngit_sync_relay_failures Consecutive failures of the relay
 *   # TYPE ngit_sync_relay_failures gauge
 *   ngit_sync_relay_failures{relay="wss://relay.example.com"} 3
 *
 * Families are rendered in registration order, series sorted by their label values. HELP text
 * escapes '\' and newline; label values escape '\', '"' and newline. A family without labels
 * always has its one series (0 until changed); a family with labels shows only the series that
 * were set. Label values are given in the order of the family's label names; passing the wrong
 * number of values is a programming error (g_critical).
 */

GsMetrics *
gs_metrics_new(void);
gboolean
gs_metrics_register(GsMetrics *self,
		    const gchar *name,
		    GsMetricType type,
		    const gchar *help,
		    const gchar *const *labels,
		    GError **error);
gboolean
gs_metrics_register_histogram(GsMetrics *self,
			      const gchar *name,
			      const gchar *help,
			      const gchar *const *labels,
			      const gdouble *buckets,
			      guint n_buckets,
			      GError **error);
gboolean
gs_metrics_has(GsMetrics *self, const gchar *name);
gboolean
gs_metrics_describe(GsMetrics *self,
		    const gchar *name,
		    GsMetricType *type,
		    const gchar **help,
		    const gchar *const **labels);
GStrv
gs_metrics_dup_names(GsMetrics *self);
const gchar *
gs_metric_type_to_string(GsMetricType type);

void
gs_metrics_add(GsMetrics *self, const gchar *name, const gchar *const *values, gdouble delta);
void
gs_metrics_inc(GsMetrics *self, const gchar *name, ...) G_GNUC_NULL_TERMINATED;
void
gs_metrics_set(GsMetrics *self, const gchar *name, const gchar *const *values, gdouble value);
void
gs_metrics_observe(GsMetrics *self, const gchar *name, const gchar *const *values, gdouble value);
void
gs_metrics_set_total(GsMetrics *self, const gchar *name, const gchar *const *values, gdouble value);
void
gs_metrics_set_histogram(GsMetrics *self,
			 const gchar *name,
			 const gchar *const *values,
			 const guint64 *counts,
			 guint n_counts,
			 gdouble sum);
gboolean
gs_metrics_lookup(GsMetrics *self, const gchar *name, const gchar *const *values, gdouble *value);
guint
gs_metrics_count_series(GsMetrics *self, const gchar *name);
void
gs_metrics_clear(GsMetrics *self, const gchar *name);
guint
gs_metrics_remove_label_value(GsMetrics *self, const gchar *label, const gchar *value);

void
gs_metrics_add_collector(GsMetrics *self,
			 GsMetricsCollectFunc func,
			 gpointer user_data,
			 GDestroyNotify destroy);
void
gs_metrics_collect(GsMetrics *self);
gchar *
gs_metrics_render(GsMetrics *self);

G_END_DECLS
