/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

#include "gs-event.h"

G_BEGIN_DECLS

#define GS_TYPE_FILTER (gs_filter_get_type())

/**
 * GsFilter:
 *
 * A NIP-01 filter: ids, authors, kinds, single-letter tag filters (`#a`, `#e`, …), since, until,
 * limit. Each condition present must match (AND); the values of one condition are alternatives
 * (OR); several filters in one REQ are OR-ed (gs_filters_match()). Ids and authors are exact
 * 64-digit lower-case hex (NIP-01 no longer has prefix matching). Refcounted; treat a filter
 * as immutable once it is shared.
 */
typedef struct _GsFilter GsFilter;

GType
gs_filter_get_type(void) G_GNUC_CONST;

GsFilter *
gs_filter_new(void);
GsFilter *
gs_filter_new_from_node(JsonNode *node, GError **error);
GsFilter *
gs_filter_new_from_json(const gchar *json, gssize len, GError **error);
GsFilter *
gs_filter_copy(const GsFilter *self);
GsFilter *
gs_filter_ref(GsFilter *self);
void
gs_filter_unref(GsFilter *self);

/* the builders ignore a value already present (a linear scan: meant for the filters we build,
 * of up to a few thousand values) */
void
gs_filter_add_id(GsFilter *self, const gchar *id);
void
gs_filter_add_author(GsFilter *self, const gchar *pubkey);
void
gs_filter_add_kind(GsFilter *self, guint kind);
void
gs_filter_add_tag_value(GsFilter *self, gchar letter, const gchar *value);
void
gs_filter_add_tag_values_distinct(GsFilter *self,
				  gchar letter,
				  const gchar *const *values,
				  guint n_values);
void
gs_filter_set_since(GsFilter *self, gint64 since);
void
gs_filter_set_until(GsFilter *self, gint64 until);
void
gs_filter_set_limit(GsFilter *self, gint64 limit);

/* NULL when the condition is absent; an empty array when present and empty (matches nothing) */
GPtrArray *
gs_filter_get_ids(const GsFilter *self);
GPtrArray *
gs_filter_get_authors(const GsFilter *self);
GArray *
gs_filter_get_kinds(const GsFilter *self);
gchar *
gs_filter_get_tag_letters(const GsFilter *self);
GPtrArray *
gs_filter_get_tag_values(const GsFilter *self, gchar letter);
/* -1 when unset */
gint64
gs_filter_get_since(const GsFilter *self);
gint64
gs_filter_get_until(const GsFilter *self);
gint64
gs_filter_get_limit(const GsFilter *self);

JsonNode *
gs_filter_to_node(const GsFilter *self);
gchar *
gs_filter_to_json(const GsFilter *self);

guint
gs_filter_value_hash(gconstpointer v);
gboolean
gs_filter_matches(const GsFilter *self, const GsEvent *event);
gboolean
gs_filter_is_empty_match(const GsFilter *self);
gboolean
gs_filters_match(GPtrArray *filters, const GsEvent *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsFilter, gs_filter_unref)

G_END_DECLS
