/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsConfig"

#include "config.h"

#include <string.h>

#include "gs-config-parse.h"
#include "gs-config-private.h"
#include "gs-error.h"

/* the values of one source (a layer): reading them from a key file or the environment */

void
gs_config_value_clear(GsConfigValue *v)
{
	g_clear_pointer(&v->origin, g_free);
	g_clear_pointer(&v->str, g_free);
	g_clear_pointer(&v->strv, g_strfreev);
	v->num = 0;
	v->set = FALSE;
}

/* moves @src into @dst, freeing what @dst held */
void
gs_config_value_move(GsConfigValue *dst, GsConfigValue *src)
{
	gs_config_value_clear(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

GsConfigLayer *
gs_config_layer_new(void)
{
	return g_new0(GsConfigValue, gs_config_n_keys);
}

void
gs_config_layer_free(GsConfigLayer *layer)
{
	if (layer == NULL)
		return;
	for (guint i = 0; i < gs_config_n_keys; i++)
		gs_config_value_clear(&layer[i]);
	g_free(layer);
}

void
gs_config_layer_swap(GsConfigLayer **a, GsConfigLayer **b)
{
	GsConfigLayer *tmp = *a;
	*a = *b;
	*b = tmp;
}

/* one string value as written in any source; @v is filled only on success */
gboolean
gs_config_parse_text(const GsConfigKey *k, const gchar *text, GsConfigValue *v, GError **error)
{
	switch (k->type) {
	case GS_CONFIG_TYPE_BOOLEAN:
		return gs_config_parse_boolean(text, &v->num, error);
	case GS_CONFIG_TYPE_INT:
	case GS_CONFIG_TYPE_SECONDS:
	case GS_CONFIG_TYPE_MILLISECONDS:
	case GS_CONFIG_TYPE_HOURS:
		return gs_config_parse_int(text, k->min, k->max, k->type, &v->num, error);
	case GS_CONFIG_TYPE_CHOICE:
		if (!gs_config_parse_choice(text, k->choices, error))
			return FALSE;
		v->str = g_strdup(text);
		return TRUE;
	case GS_CONFIG_TYPE_LISTEN:
		if (!gs_config_parse_listen(text, NULL, NULL, error))
			return FALSE;
		v->str = g_strdup(text);
		return TRUE;
	case GS_CONFIG_TYPE_STRING:
		if (text[0] == '\0')
			return TRUE; /* empty: unset */
		if (k->check != NULL && !k->check(text, error))
			return FALSE;
		v->str = g_strdup(text);
		return TRUE;
	case GS_CONFIG_TYPE_PATH:
		v->str = g_strdup(text);
		return TRUE;
	case GS_CONFIG_TYPE_STRV:
	default:
		g_assert_not_reached();
	}
}

/* list items from any source: whitespace around items and empty items are dropped */
gboolean
gs_config_parse_list(const GsConfigKey *k,
		     const gchar *const *items,
		     GsConfigValue *v,
		     GError **error)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (guint i = 0; items != NULL && items[i] != NULL; i++) {
		g_autofree gchar *item = g_strstrip(g_strdup(items[i]));
		if (item[0] == '\0')
			continue;
		if (k->check != NULL && !k->check(item, error))
			return FALSE;
		g_strv_builder_add(builder, item);
	}
	v->strv = g_strv_builder_end(builder);
	return TRUE;
}

static gboolean
gs_config_read_key(GKeyFile *kf, const GsConfigKey *k, GsConfigValue *v, GError **error)
{
	if (k->type == GS_CONFIG_TYPE_STRV) {
		g_auto(GStrv) items = g_key_file_get_string_list(kf, k->group, k->key, NULL, error);
		if (items == NULL)
			return FALSE;
		return gs_config_parse_list(k, (const gchar *const *)items, v, error);
	} else {
		g_autofree gchar *text = g_key_file_get_string(kf, k->group, k->key, error);
		if (text == NULL)
			return FALSE;
		return gs_config_parse_text(k, text, v, error);
	}
}

/* every group and key of @kf must be in the table: a typo must not pass silently */
static gboolean
gs_config_check_unknown(GKeyFile *kf, const gchar *origin, GError **error)
{
	g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
	g_autoptr(GString) unknown = g_string_new(NULL);

	for (guint i = 0; groups[i] != NULL; i++) {
		g_auto(GStrv) keys = NULL;
		if (!gs_config_group_known(groups[i])) {
			g_string_append_printf(unknown, "; unknown group [%s]", groups[i]);
			continue;
		}
		keys = g_key_file_get_keys(kf, groups[i], NULL, NULL);
		for (guint j = 0; keys != NULL && keys[j] != NULL; j++) {
			if (gs_config_find_key(groups[i], keys[j]) < 0)
				g_string_append_printf(
					unknown, "; unknown key [%s] %s", groups[i], keys[j]);
		}
	}
	if (unknown->len > 0) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "%s: %s",
			    origin,
			    unknown->str + 2);
		return FALSE;
	}
	return TRUE;
}

/* fills @layer from @kf; @origin (NULL for the built-in defaults) names it in errors */
gboolean
gs_config_read_keyfile(GKeyFile *kf, const gchar *origin, GsConfigLayer *layer, GError **error)
{
	for (guint i = 0; i < gs_config_n_keys; i++) {
		const GsConfigKey *k = &gs_config_keys[i];
		GsConfigValue v = {0};

		if (!g_key_file_has_key(kf, k->group, k->key, NULL))
			continue;
		if (!gs_config_read_key(kf, k, &v, error)) {
			gs_config_value_clear(&v);
			g_prefix_error(error,
				       "%s: [%s] %s: ",
				       origin != NULL ? origin : "built-in default",
				       k->group,
				       k->key);
			return FALSE;
		}
		v.set = TRUE;
		v.origin = g_strdup(origin);
		gs_config_value_move(&layer[i], &v);
	}
	return TRUE;
}

/* a new file layer; a missing optional file, or no file at all, gives an empty layer */
GsConfigLayer *
gs_config_read_file(const gchar *filename, gboolean optional, gboolean *loaded, GError **error)
{
	g_autoptr(GsConfigLayer) layer = gs_config_layer_new();
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error_local = NULL;

	*loaded = FALSE;
	if (filename == NULL)
		return g_steal_pointer(&layer);
	if (!g_key_file_load_from_file(kf, filename, G_KEY_FILE_NONE, &error_local)) {
		if (optional && g_error_matches(error_local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_steal_pointer(&layer);
		g_propagate_prefixed_error(
			error, g_steal_pointer(&error_local), "failed to load %s: ", filename);
		return NULL;
	}
	if (!gs_config_check_unknown(kf, filename, error))
		return NULL;
	if (!gs_config_read_keyfile(kf, filename, layer, error))
		return NULL;
	*loaded = TRUE;
	return g_steal_pointer(&layer);
}

/* the effective value: the highest layer that sets the key, else the (maybe unset) default */
gboolean
gs_config_read_env(const GsConfigKey *k, const gchar *text, GsConfigValue *v, GError **error)
{
	if (k->type == GS_CONFIG_TYPE_STRV) {
		g_auto(GStrv) items = g_strsplit(text, ",", -1);
		return gs_config_parse_list(k, (const gchar *const *)items, v, error);
	}
	return gs_config_parse_text(k, text, v, error);
}
