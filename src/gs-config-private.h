/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-config.h"

G_BEGIN_DECLS

/* the configuration table (gs-config-keys.c), shared by the GsConfig implementation */

/* a pair of keys of one group whose values must be ordered (lower <= upper) */
typedef struct {
	const gchar *group;
	const gchar *lower;
	const gchar *upper;
} GsConfigOrder;

extern const GsConfigKey gs_config_keys[];
extern const guint gs_config_n_keys;
extern const GsConfigOrder gs_config_orders[];
extern const guint gs_config_n_orders;

gint
gs_config_find_key(const gchar *group, const gchar *key);
gboolean
gs_config_group_known(const gchar *group);

/* one value of one key in one layer (default, file, environment, command line) */
typedef struct {
	gboolean set;
	gchar *origin; /* file name, environment variable or option; NULL for defaults */
	gchar *str;    /* string-like types; NULL = unset */
	gchar **strv;  /* GS_CONFIG_TYPE_STRV */
	gint64 num;    /* booleans and integers */
} GsConfigValue;

/* one source: an array of GS_CONFIG_N_KEYS values, in table order */
typedef GsConfigValue GsConfigLayer;

/* gs-config-layer.c */

void
gs_config_value_clear(GsConfigValue *v);
void
gs_config_value_move(GsConfigValue *dst, GsConfigValue *src);
GsConfigLayer *
gs_config_layer_new(void);
void
gs_config_layer_free(GsConfigLayer *layer);
void
gs_config_layer_swap(GsConfigLayer **a, GsConfigLayer **b);
gboolean
gs_config_parse_text(const GsConfigKey *k, const gchar *text, GsConfigValue *v, GError **error);
gboolean
gs_config_parse_list(const GsConfigKey *k,
		     const gchar *const *items,
		     GsConfigValue *v,
		     GError **error);
gboolean
gs_config_read_keyfile(GKeyFile *kf, const gchar *origin, GsConfigLayer *layer, GError **error);
GsConfigLayer *
gs_config_read_file(const gchar *filename, gboolean optional, gboolean *loaded, GError **error);
gboolean
gs_config_read_env(const GsConfigKey *k, const gchar *text, GsConfigValue *v, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsConfigLayer, gs_config_layer_free)

G_END_DECLS
