/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench-util.h"

/* user + system CPU of this process (all its threads, ended ones included), microseconds */
gint64
bench_cpu_usec(void)
{
	struct rusage usage;
	getrusage(RUSAGE_SELF, &usage);
	return (gint64)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * G_USEC_PER_SEC +
	       usage.ru_utime.tv_usec + usage.ru_stime.tv_usec;
}

/* user + system CPU of another process (all its threads), seconds */
gdouble
bench_proc_cpu(const gchar *pid)
{
	g_autofree gchar *path = g_strdup_printf("/proc/%s/stat", pid);
	g_autofree gchar *stat = NULL;
	g_auto(GStrv) fields = NULL;
	const gchar *end;

	if (!g_file_get_contents(path, &stat, NULL, NULL))
		return 0;
	/* the fields after the command name, which is in brackets and may hold spaces */
	end = strrchr(stat, ')');
	if (end == NULL)
		return 0;
	fields = g_strsplit(end + 2, " ", 0);
	if (g_strv_length(fields) < 13)
		return 0;
	/* utime and stime are fields 14 and 15 of the whole line, 12 and 13 here */
	return (gdouble)(g_ascii_strtoull(fields[11], NULL, 10) +
			 g_ascii_strtoull(fields[12], NULL, 10)) /
	       (gdouble)sysconf(_SC_CLK_TCK);
}

/* a field of a /proc status file (@path) in KiB, or a plain count; 0 when missing */
guint64
bench_status_field(const gchar *path, const gchar *field)
{
	g_autofree gchar *status = NULL;
	const gchar *at;

	if (!g_file_get_contents(path, &status, NULL, NULL))
		return 0;
	at = strstr(status, field);
	return at != NULL ? g_ascii_strtoull(at + strlen(field), NULL, 10) : 0;
}

/* VmRSS of this process, KiB */
guint64
bench_rss_kib(void)
{
	return bench_status_field("/proc/self/status", "VmRSS:");
}

/* the three load averages, as /proc/loadavg gives them */
gchar *
bench_loadavg(void)
{
	g_autofree gchar *text = NULL;
	g_auto(GStrv) parts = NULL;

	if (!g_file_get_contents("/proc/loadavg", &text, NULL, NULL))
		return g_strdup("?");
	parts = g_strsplit(text, " ", 4);
	if (g_strv_length(parts) < 3)
		return g_strdup("?");
	return g_strdup_printf("%s %s %s", parts[0], parts[1], parts[2]);
}

/* the next line without its newline (free()), or NULL at the end */
gchar *
bench_read_line(FILE *fp)
{
	gchar *line = NULL;
	gsize cap = 0;
	gssize len = getline(&line, &cap, fp);

	if (len <= 0) {
		free(line);
		return NULL;
	}
	if (line[len - 1] == '\n')
		line[len - 1] = '\0';
	return line;
}

/* removes @dir and everything below it */
void
bench_remove_tree(const gchar *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const gchar *name;

	while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
		g_autofree gchar *path = g_build_filename(dir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			bench_remove_tree(path);
		else
			g_unlink(path);
	}
	g_rmdir(dir);
}
