/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-filter.h"

G_BEGIN_DECLS

/* tag filters are indexed 'A'..'Z' -> 0..25, 'a'..'z' -> 26..51: also their serialisation order */
#define GS_FILTER_N_LETTERS 52

/* shared by gs-filter.c and the scanner of plain filter text, gs-filter-scan.c */
struct _GsFilter {
	gatomicrefcount ref;
	GPtrArray *ids;			      /* (nullable) of gchar*, lower-case hex */
	GPtrArray *authors;		      /* (nullable) of gchar* */
	GArray *kinds;			      /* (nullable) of guint */
	GPtrArray *tags[GS_FILTER_N_LETTERS]; /* (nullable) of gchar* */
	gint64 since;			      /* -1 when unset */
	gint64 until;
	gint64 limit;
	/* (nullable) while building: for each of ids, authors and the tags (by slot) with more
	 * than a few values, a set of the values, so that adding one is O(1); the strings are
	 * the arrays' own */
	GHashTable **sets;
};

/* -1 unless @letter is an ASCII letter */
gint
gs_filter_letter_index(gchar letter);

/**
 * GsFilterScan:
 * @data: the text, not necessarily NUL-terminated
 * @len: its length
 * @pos: where the scanner is
 * @bytes: every byte of the strings read so far, OR-ed: bit 7 is set when one was not ASCII
 *
 * A cursor over JSON text for the scanners of the plain form of REQ messages
 * (gs_message_peek_req()) and of their filters (gs_filter_scan()).
 */
typedef struct {
	const gchar *data;
	gsize len;
	gsize pos;
	guchar bytes;
} GsFilterScan;

gboolean
gs_filter_scan_char(GsFilterScan *s, gchar ch);
gboolean
gs_filter_scan_string(GsFilterScan *s, gsize *start, gsize *end);
gboolean
gs_filter_scan_end(GsFilterScan *s);
GsFilter *
gs_filter_scan(GsFilterScan *s);

G_END_DECLS
