/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>
#include <stdio.h>

G_BEGIN_DECLS

/* helpers the benchmark programs share: CPU and memory of a process, the load average,
 * reading JSONL, scratch directories */

gint64
bench_cpu_usec(void);
gdouble
bench_proc_cpu(const gchar *pid);
guint64
bench_status_field(const gchar *path, const gchar *field);
guint64
bench_rss_kib(void);
gchar *
bench_loadavg(void);
gchar *
bench_read_line(FILE *fp);
void
bench_remove_tree(const gchar *dir);

G_END_DECLS
