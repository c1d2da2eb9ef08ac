/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsConfig"

#include "config.h"

#include <string.h>

#include "gs-config-parse.h"
#include "gs-config-private.h"
#include "gs-config.h"
#include "gs-error.h"

struct _GsConfig {
	GObject parent_instance;
	gchar *state_dir;
	gchar *filename;
	gboolean file_optional;
	gboolean file_loaded;
	GsConfigLayer *layers[GS_CONFIG_SOURCE_LAST];
};

enum { SIGNAL_CHANGED, SIGNAL_LAST };
static guint signals[SIGNAL_LAST] = {0};

G_DEFINE_FINAL_TYPE(GsConfig, gs_config, G_TYPE_OBJECT)

#define GS_CONFIG_N_KEYS gs_config_n_keys

static const GsConfigValue *
gs_config_effective(GsConfig *self, guint idx, GsConfigSource *source)
{
	GsConfigSource order[] = {GS_CONFIG_SOURCE_COMMAND_LINE,
				  GS_CONFIG_SOURCE_ENVIRONMENT,
				  GS_CONFIG_SOURCE_FILE,
				  GS_CONFIG_SOURCE_DEFAULT};

	if (gs_config_keys[idx].flags & GS_CONFIG_KEY_FLAG_ENV_BELOW_FILE) {
		order[1] = GS_CONFIG_SOURCE_FILE;
		order[2] = GS_CONFIG_SOURCE_ENVIRONMENT;
	}
	for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
		const GsConfigValue *v = &self->layers[order[i]][idx];
		if (v->set) {
			if (source != NULL)
				*source = order[i];
			return v;
		}
	}
	if (source != NULL)
		*source = GS_CONFIG_SOURCE_DEFAULT;
	return &self->layers[GS_CONFIG_SOURCE_DEFAULT][idx];
}

/* the value in key-file syntax, or NULL when unset */
static gchar *
gs_config_render(const GsConfigKey *k, const GsConfigValue *v)
{
	g_autoptr(GKeyFile) kf = NULL;

	switch (k->type) {
	case GS_CONFIG_TYPE_BOOLEAN:
		return g_strdup(v->num ? "true" : "false");
	case GS_CONFIG_TYPE_INT:
	case GS_CONFIG_TYPE_SECONDS:
	case GS_CONFIG_TYPE_MILLISECONDS:
	case GS_CONFIG_TYPE_HOURS:
		return g_strdup_printf("%" G_GINT64_FORMAT, v->num);
	case GS_CONFIG_TYPE_STRV:
		kf = g_key_file_new();
		g_key_file_set_string_list(kf,
					   "g",
					   "k",
					   (const gchar *const *)v->strv,
					   v->strv != NULL ? g_strv_length(v->strv) : 0);
		return g_key_file_get_value(kf, "g", "k", NULL);
	default:
		if (v->str == NULL)
			return NULL;
		kf = g_key_file_new();
		g_key_file_set_string(kf, "g", "k", v->str);
		return g_key_file_get_value(kf, "g", "k", NULL);
	}
}

/* "the default", a file name, "environment variable X" or "option --x" */
static gchar *
gs_config_describe_origin(GsConfigSource source, const GsConfigValue *v)
{
	switch (source) {
	case GS_CONFIG_SOURCE_FILE:
		return g_strdup(v->origin);
	case GS_CONFIG_SOURCE_ENVIRONMENT:
		return g_strdup_printf("environment variable %s", v->origin);
	case GS_CONFIG_SOURCE_COMMAND_LINE:
		return g_strdup_printf("option %s", v->origin != NULL ? v->origin : "");
	default:
		return g_strdup("the default");
	}
}

static gint
gs_config_lookup(const gchar *group, const gchar *key, guint types)
{
	gint idx = gs_config_find_key(group, key);

	if (idx < 0) {
		g_critical("unknown configuration key [%s] %s", group, key);
		return -1;
	}
	if (((1u << gs_config_keys[idx].type) & types) == 0) {
		g_critical("configuration key [%s] %s is a %s",
			   group,
			   key,
			   gs_config_type_to_string(gs_config_keys[idx].type));
		return -1;
	}
	return idx;
}

#define GS_CONFIG_TYPES_STRING                                                                     \
	((1u << GS_CONFIG_TYPE_STRING) | (1u << GS_CONFIG_TYPE_CHOICE) |                           \
	 (1u << GS_CONFIG_TYPE_LISTEN) | (1u << GS_CONFIG_TYPE_PATH))
#define GS_CONFIG_TYPES_INT                                                                        \
	((1u << GS_CONFIG_TYPE_INT) | (1u << GS_CONFIG_TYPE_SECONDS) |                             \
	 (1u << GS_CONFIG_TYPE_MILLISECONDS) | (1u << GS_CONFIG_TYPE_HOURS))
#define GS_CONFIG_TYPES_ALL 0xffffffffu

void
gs_config_set_state_dir(GsConfig *self, const gchar *state_dir)
{
	g_return_if_fail(GS_IS_CONFIG(self));
	g_free(self->state_dir);
	self->state_dir = g_strdup(state_dir);
}

const gchar *
gs_config_get_state_dir(GsConfig *self)
{
	g_return_val_if_fail(GS_IS_CONFIG(self), NULL);
	return self->state_dir;
}

/**
 * gs_config_get_filename:
 *
 * Returns: (nullable): the configuration file given to gs_config_load_file()
 */
const gchar *
gs_config_get_filename(GsConfig *self)
{
	g_return_val_if_fail(GS_IS_CONFIG(self), NULL);
	return self->filename;
}

/* whether the file of gs_config_load_file() exists and was read */
gboolean
gs_config_get_file_loaded(GsConfig *self)
{
	g_return_val_if_fail(GS_IS_CONFIG(self), FALSE);
	return self->file_loaded;
}

/**
 * gs_config_load_file:
 * @filename: (nullable): the key file; NULL drops the file layer
 * @optional: a missing file is not an error (the default path)
 *
 * Replaces the file layer. On error (file unreadable, malformed, an unknown group or key, a
 * bad value; the message names the file, group and key) nothing changes. Call
 * gs_config_validate() once every source is loaded.
 */
gboolean
gs_config_load_file(GsConfig *self, const gchar *filename, gboolean optional, GError **error)
{
	GsConfigLayer *layer;
	gboolean loaded = FALSE;

	g_return_val_if_fail(GS_IS_CONFIG(self), FALSE);
	layer = gs_config_read_file(filename, optional, &loaded, error);
	if (layer == NULL)
		return FALSE;
	self->file_loaded = loaded;
	gs_config_layer_free(self->layers[GS_CONFIG_SOURCE_FILE]);
	self->layers[GS_CONFIG_SOURCE_FILE] = layer;
	g_free(self->filename);
	self->filename = g_strdup(filename);
	self->file_optional = optional;
	return TRUE;
}

/**
 * gs_config_load_environment:
 * @envp: (nullable): the environment, or NULL for the process environment
 *
 * Replaces the environment layer from the variables of the table. An empty variable counts
 * as unset; lists are comma-separated. On error nothing changes.
 */
gboolean
gs_config_load_environment(GsConfig *self, const gchar *const *envp, GError **error)
{
	g_auto(GStrv) own = NULL;
	g_autoptr(GsConfigLayer) layer = gs_config_layer_new();

	g_return_val_if_fail(GS_IS_CONFIG(self), FALSE);
	if (envp == NULL)
		envp = (const gchar *const *)(own = g_get_environ());
	for (guint i = 0; i < GS_CONFIG_N_KEYS; i++) {
		const GsConfigKey *k = &gs_config_keys[i];
		const gchar *raw = k->env != NULL ? g_environ_getenv((gchar **)envp, k->env) : NULL;
		g_autofree gchar *text = raw != NULL ? g_strstrip(g_strdup(raw)) : NULL;
		GsConfigValue v = {0};

		if (text == NULL || text[0] == '\0')
			continue;
		if (!gs_config_read_env(k, text, &v, error)) {
			gs_config_value_clear(&v);
			g_prefix_error(error,
				       "environment variable %s ([%s] %s): ",
				       k->env,
				       k->group,
				       k->key);
			return FALSE;
		}
		v.set = TRUE;
		v.origin = g_strdup(k->env);
		gs_config_value_move(&layer[i], &v);
	}
	gs_config_layer_free(self->layers[GS_CONFIG_SOURCE_ENVIRONMENT]);
	self->layers[GS_CONFIG_SOURCE_ENVIRONMENT] = g_steal_pointer(&layer);
	return TRUE;
}

/* stores a parsed value on the command-line layer */
static void
gs_config_store_cli(GsConfig *self, gint idx, GsConfigValue *v, const gchar *origin)
{
	v->set = TRUE;
	v->origin = g_strdup(origin);
	gs_config_value_move(&self->layers[GS_CONFIG_SOURCE_COMMAND_LINE][idx], v);
}

/**
 * gs_config_set_value:
 * @origin: the option that gave the value, such as `--listen`, used in errors and the dump
 *
 * Sets a key that is not a list on the command-line layer, which wins over every other
 * source. The error names @origin, the group and the key.
 */
gboolean
gs_config_set_value(GsConfig *self,
		    const gchar *group,
		    const gchar *key,
		    const gchar *value,
		    const gchar *origin,
		    GError **error)
{
	GsConfigValue v = {0};
	gint idx;

	g_return_val_if_fail(GS_IS_CONFIG(self), FALSE);
	g_return_val_if_fail(value != NULL && origin != NULL, FALSE);
	idx = gs_config_lookup(group, key, GS_CONFIG_TYPES_ALL & ~(1u << GS_CONFIG_TYPE_STRV));
	if (idx < 0)
		return FALSE;
	if (!gs_config_parse_text(&gs_config_keys[idx], value, &v, error)) {
		gs_config_value_clear(&v);
		g_prefix_error(error, "%s ([%s] %s): ", origin, group, key);
		return FALSE;
	}
	gs_config_store_cli(self, idx, &v, origin);
	return TRUE;
}

/**
 * gs_config_set_strv:
 *
 * Like gs_config_set_value() for a list; the list replaces the lists of other sources.
 */
gboolean
gs_config_set_strv(GsConfig *self,
		   const gchar *group,
		   const gchar *key,
		   const gchar *const *values,
		   const gchar *origin,
		   GError **error)
{
	GsConfigValue v = {0};
	gint idx;

	g_return_val_if_fail(GS_IS_CONFIG(self), FALSE);
	g_return_val_if_fail(origin != NULL, FALSE);
	idx = gs_config_lookup(group, key, 1u << GS_CONFIG_TYPE_STRV);
	if (idx < 0)
		return FALSE;
	if (!gs_config_parse_list(&gs_config_keys[idx], values, &v, error)) {
		gs_config_value_clear(&v);
		g_prefix_error(error, "%s ([%s] %s): ", origin, group, key);
		return FALSE;
	}
	gs_config_store_cli(self, idx, &v, origin);
	return TRUE;
}

/**
 * gs_config_validate:
 *
 * Checks what no single value can: pairs of keys that must be ordered, such as
 * base-backoff-secs <= max-backoff-secs. The error names both keys and their sources.
 */
gboolean
gs_config_validate(GsConfig *self, GError **error)
{
	g_return_val_if_fail(GS_IS_CONFIG(self), FALSE);
	for (guint i = 0; i < gs_config_n_orders; i++) {
		gint lo = gs_config_find_key(gs_config_orders[i].group, gs_config_orders[i].lower);
		gint hi = gs_config_find_key(gs_config_orders[i].group, gs_config_orders[i].upper);
		GsConfigSource lo_src, hi_src;
		const GsConfigValue *lo_v = gs_config_effective(self, lo, &lo_src);
		const GsConfigValue *hi_v = gs_config_effective(self, hi, &hi_src);
		g_autofree gchar *lo_from = gs_config_describe_origin(lo_src, lo_v);
		g_autofree gchar *hi_from = gs_config_describe_origin(hi_src, hi_v);

		if (lo_v->num <= hi_v->num)
			continue;
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "[%s] %s (%" G_GINT64_FORMAT ", from %s) must not be greater than "
			    "[%s] %s (%" G_GINT64_FORMAT ", from %s)",
			    gs_config_orders[i].group,
			    gs_config_orders[i].lower,
			    lo_v->num,
			    lo_from,
			    gs_config_orders[i].group,
			    gs_config_orders[i].upper,
			    hi_v->num,
			    hi_from);
		return FALSE;
	}
	return TRUE;
}

static GPtrArray *
gs_config_snapshot(GsConfig *self)
{
	GPtrArray *values = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < GS_CONFIG_N_KEYS; i++)
		g_ptr_array_add(
			values,
			gs_config_render(&gs_config_keys[i], gs_config_effective(self, i, NULL)));
	return values;
}

/**
 * gs_config_reload:
 * @n_changed: (out) (optional): how many effective values changed
 *
 * Reads the configuration file again (SIGHUP). When the file is bad, or makes the
 * configuration invalid, the previous configuration stays and the error says why. Otherwise
 * #GsConfig::changed is emitted for each key whose effective value changed.
 */
gboolean
gs_config_reload(GsConfig *self, guint *n_changed, GError **error)
{
	g_autoptr(GsConfigLayer) layer = NULL;
	g_autoptr(GPtrArray) before = NULL;
	g_autoptr(GPtrArray) after = NULL;
	gboolean loaded = FALSE;
	guint count = 0;

	g_return_val_if_fail(GS_IS_CONFIG(self), FALSE);
	layer = gs_config_read_file(self->filename, self->file_optional, &loaded, error);
	if (layer == NULL)
		return FALSE;
	before = gs_config_snapshot(self);
	gs_config_layer_swap(&self->layers[GS_CONFIG_SOURCE_FILE], &layer);
	if (!gs_config_validate(self, error)) {
		gs_config_layer_swap(&self->layers[GS_CONFIG_SOURCE_FILE], &layer);
		return FALSE;
	}
	self->file_loaded = loaded;
	after = gs_config_snapshot(self);
	for (guint i = 0; i < GS_CONFIG_N_KEYS; i++) {
		if (g_strcmp0(g_ptr_array_index(before, i), g_ptr_array_index(after, i)) == 0)
			continue;
		count++;
		g_signal_emit(self,
			      signals[SIGNAL_CHANGED],
			      0,
			      gs_config_keys[i].group,
			      gs_config_keys[i].key);
	}
	if (n_changed != NULL)
		*n_changed = count;
	return TRUE;
}

const gchar *
gs_config_get_string(GsConfig *self, const gchar *group, const gchar *key)
{
	gint idx = gs_config_lookup(group, key, GS_CONFIG_TYPES_STRING);
	g_return_val_if_fail(GS_IS_CONFIG(self), NULL);
	if (idx < 0)
		return NULL;
	return gs_config_effective(self, idx, NULL)->str;
}

/**
 * gs_config_get_strv:
 *
 * Returns: (transfer none): the list, never NULL (an empty list when nothing is set)
 */
const gchar *const *
gs_config_get_strv(GsConfig *self, const gchar *group, const gchar *key)
{
	static const gchar *const empty[] = {NULL};
	gint idx = gs_config_lookup(group, key, 1u << GS_CONFIG_TYPE_STRV);
	const GsConfigValue *v;

	g_return_val_if_fail(GS_IS_CONFIG(self), empty);
	if (idx < 0)
		return empty;
	v = gs_config_effective(self, idx, NULL);
	return v->strv != NULL ? (const gchar *const *)v->strv : empty;
}

gboolean
gs_config_get_boolean(GsConfig *self, const gchar *group, const gchar *key)
{
	gint idx = gs_config_lookup(group, key, 1u << GS_CONFIG_TYPE_BOOLEAN);
	g_return_val_if_fail(GS_IS_CONFIG(self), FALSE);
	if (idx < 0)
		return FALSE;
	return gs_config_effective(self, idx, NULL)->num != 0;
}

gint64
gs_config_get_int(GsConfig *self, const gchar *group, const gchar *key)
{
	gint idx = gs_config_lookup(group, key, GS_CONFIG_TYPES_INT);
	g_return_val_if_fail(GS_IS_CONFIG(self), 0);
	if (idx < 0)
		return 0;
	return gs_config_effective(self, idx, NULL)->num;
}

/**
 * gs_config_dup_path:
 *
 * Returns: (transfer full): a path key made absolute: a relative value is taken from the
 * state directory, an empty one is the state directory itself
 */
gchar *
gs_config_dup_path(GsConfig *self, const gchar *group, const gchar *key)
{
	gint idx = gs_config_lookup(group, key, 1u << GS_CONFIG_TYPE_PATH);
	const gchar *value;

	g_return_val_if_fail(GS_IS_CONFIG(self), NULL);
	if (idx < 0)
		return NULL;
	value = gs_config_effective(self, idx, NULL)->str;
	if (value == NULL || value[0] == '\0')
		return g_canonicalize_filename(self->state_dir != NULL ? self->state_dir : ".",
					       NULL);
	return g_canonicalize_filename(value, self->state_dir);
}

/**
 * gs_config_dup_value_string:
 *
 * Returns: (transfer full) (nullable): the effective value in key-file syntax (lists as
 * `a;b;`), NULL when unset; for log lines and status output
 */
gchar *
gs_config_dup_value_string(GsConfig *self, const gchar *group, const gchar *key)
{
	gint idx = gs_config_lookup(group, key, GS_CONFIG_TYPES_ALL);
	g_return_val_if_fail(GS_IS_CONFIG(self), NULL);
	if (idx < 0)
		return NULL;
	return gs_config_render(&gs_config_keys[idx], gs_config_effective(self, idx, NULL));
}

GsConfigSource
gs_config_get_source(GsConfig *self, const gchar *group, const gchar *key)
{
	GsConfigSource source = GS_CONFIG_SOURCE_DEFAULT;
	gint idx = gs_config_lookup(group, key, GS_CONFIG_TYPES_ALL);

	g_return_val_if_fail(GS_IS_CONFIG(self), GS_CONFIG_SOURCE_DEFAULT);
	if (idx >= 0)
		gs_config_effective(self, idx, &source);
	return source;
}

/**
 * gs_config_dump:
 *
 * Returns: (transfer full): the effective configuration as a key file that loads back to
 * the same values, each key preceded by a comment saying where its value came from
 */
gchar *
gs_config_dump(GsConfig *self)
{
	GString *out = g_string_new("# effective configuration of grasp-syncd\n");
	const gchar *group = NULL;

	g_return_val_if_fail(GS_IS_CONFIG(self), NULL);
	g_string_append_printf(out,
			       "# state directory: %s\n# configuration file: %s%s\n",
			       self->state_dir != NULL ? self->state_dir : "(none)",
			       self->filename != NULL ? self->filename : "(none)",
			       self->filename == NULL || self->file_loaded ? "" : " (not present)");
	for (guint i = 0; i < GS_CONFIG_N_KEYS; i++) {
		const GsConfigKey *k = &gs_config_keys[i];
		GsConfigSource source;
		const GsConfigValue *v = gs_config_effective(self, i, &source);
		g_autofree gchar *from = gs_config_describe_origin(source, v);
		g_autofree gchar *value = k->type == GS_CONFIG_TYPE_PATH
						  ? gs_config_dup_path(self, k->group, k->key)
						  : gs_config_render(k, v);

		if (g_strcmp0(group, k->group) != 0) {
			g_string_append_printf(out, "\n[%s]\n", k->group);
			group = k->group;
		}
		g_string_append_printf(out, "# from %s\n", from);
		if (value == NULL)
			g_string_append_printf(out, "#%s= (unset)\n", k->key);
		else
			g_string_append_printf(out, "%s=%s\n", k->key, value);
	}
	return g_string_free(out, FALSE);
}

static void
gs_config_finalize(GObject *object)
{
	GsConfig *self = GS_CONFIG(object);

	for (guint i = 0; i < GS_CONFIG_SOURCE_LAST; i++)
		gs_config_layer_free(self->layers[i]);
	g_free(self->state_dir);
	g_free(self->filename);
	G_OBJECT_CLASS(gs_config_parent_class)->finalize(object);
}

static void
gs_config_class_init(GsConfigClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->finalize = gs_config_finalize;

	/**
	 * GsConfig::changed:
	 * @group: the group of the key
	 * @key: the key whose effective value changed on reload
	 */
	signals[SIGNAL_CHANGED] = g_signal_new("changed",
					       G_TYPE_FROM_CLASS(klass),
					       G_SIGNAL_RUN_LAST,
					       0,
					       NULL,
					       NULL,
					       NULL,
					       G_TYPE_NONE,
					       2,
					       G_TYPE_STRING,
					       G_TYPE_STRING);
}

/* the defaults go through the same parser as a file, so the table cannot hold a bad one */
static void
gs_config_init(GsConfig *self)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < GS_CONFIG_SOURCE_LAST; i++)
		self->layers[i] = gs_config_layer_new();
	for (guint i = 0; i < GS_CONFIG_N_KEYS; i++) {
		if (gs_config_keys[i].default_value != NULL)
			g_key_file_set_value(kf,
					     gs_config_keys[i].group,
					     gs_config_keys[i].key,
					     gs_config_keys[i].default_value);
	}
	if (!gs_config_read_keyfile(kf, NULL, self->layers[GS_CONFIG_SOURCE_DEFAULT], &error))
		g_critical("%s", error->message);
}

GsConfig *
gs_config_new(void)
{
	return g_object_new(GS_TYPE_CONFIG, NULL);
}
