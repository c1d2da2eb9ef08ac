/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define GS_TYPE_CONFIG (gs_config_get_type())
G_DECLARE_FINAL_TYPE(GsConfig, gs_config, GS, CONFIG, GObject)

/**
 * GsConfigType:
 * @GS_CONFIG_TYPE_STRING: a string, optionally checked; empty means unset
 * @GS_CONFIG_TYPE_STRV: a list (`a;b;` in the file, comma-separated in the environment)
 * @GS_CONFIG_TYPE_BOOLEAN: true or false
 * @GS_CONFIG_TYPE_INT: an integer within [min, max]
 * @GS_CONFIG_TYPE_SECONDS: an integer number of seconds (key name ends in `-secs`)
 * @GS_CONFIG_TYPE_MILLISECONDS: an integer number of milliseconds (key name ends in `-ms`)
 * @GS_CONFIG_TYPE_HOURS: an integer number of hours (key name ends in `-hours`)
 * @GS_CONFIG_TYPE_CHOICE: one of the words in `choices` (`"none|all"`)
 * @GS_CONFIG_TYPE_LISTEN: a listen address `HOST:PORT`, HOST an IP address or `localhost`
 * @GS_CONFIG_TYPE_PATH: a file name; relative names are taken from the state directory
 */
typedef enum {
	GS_CONFIG_TYPE_STRING,
	GS_CONFIG_TYPE_STRV,
	GS_CONFIG_TYPE_BOOLEAN,
	GS_CONFIG_TYPE_INT,
	GS_CONFIG_TYPE_SECONDS,
	GS_CONFIG_TYPE_MILLISECONDS,
	GS_CONFIG_TYPE_HOURS,
	GS_CONFIG_TYPE_CHOICE,
	GS_CONFIG_TYPE_LISTEN,
	GS_CONFIG_TYPE_PATH,
} GsConfigType;

/**
 * GsConfigSource:
 *
 * Where an effective value came from, lowest precedence first.
 */
typedef enum {
	GS_CONFIG_SOURCE_DEFAULT,
	GS_CONFIG_SOURCE_FILE,
	GS_CONFIG_SOURCE_ENVIRONMENT,
	GS_CONFIG_SOURCE_COMMAND_LINE,
	GS_CONFIG_SOURCE_LAST /*< skip >*/
} GsConfigSource;

/**
 * GsConfigKeyFlags:
 * @GS_CONFIG_KEY_FLAG_ENV_BELOW_FILE: the environment variable only supplies a value when
 *   neither the file nor the command line sets the key (`NGIT_DOMAIN` for `service-urls`,
 *   which is derived from a variable an ngit-grasp environment file sets anyway)
 */
typedef enum {
	GS_CONFIG_KEY_FLAG_NONE = 0,
	GS_CONFIG_KEY_FLAG_ENV_BELOW_FILE = 1 << 0,
} GsConfigKeyFlags;

/* checks one string value (or one list item); the error says what was expected */
typedef gboolean (*GsConfigCheckFunc)(const gchar *value, GError **error);

/**
 * GsConfigKey:
 * @default_value: (nullable): the default in key-file syntax; NULL for an unset string
 * @env: (nullable): the environment variable that sets the key
 * @min: smallest value of the integer types
 * @max: largest value of the integer types
 * @choices: (nullable): the `|`-separated words of a %GS_CONFIG_TYPE_CHOICE
 * @check: (nullable): extra check of a string or of each list item
 *
 * One row of the configuration table: docs/configuration.md, data/grasp-syncd.conf and
 * grasp-syncd.conf(5) list exactly these rows (a test checks it).
 */
typedef struct {
	const gchar *group;
	const gchar *key;
	GsConfigType type;
	const gchar *default_value;
	const gchar *env;
	gint64 min;
	gint64 max;
	const gchar *choices;
	GsConfigCheckFunc check;
	GsConfigKeyFlags flags;
	const gchar *description;
} GsConfigKey;

const GsConfigKey *
gs_config_get_keys(guint *n_keys);
const gchar *
gs_config_type_to_string(GsConfigType type);
const gchar *
gs_config_source_to_string(GsConfigSource source);

GsConfig *
gs_config_new(void);
void
gs_config_set_state_dir(GsConfig *self, const gchar *state_dir);
const gchar *
gs_config_get_state_dir(GsConfig *self);
const gchar *
gs_config_get_filename(GsConfig *self);
gboolean
gs_config_get_file_loaded(GsConfig *self);

gboolean
gs_config_load_file(GsConfig *self, const gchar *filename, gboolean optional, GError **error);
gboolean
gs_config_load_environment(GsConfig *self, const gchar *const *envp, GError **error);
gboolean
gs_config_set_value(GsConfig *self,
		    const gchar *group,
		    const gchar *key,
		    const gchar *value,
		    const gchar *origin,
		    GError **error);
gboolean
gs_config_set_strv(GsConfig *self,
		   const gchar *group,
		   const gchar *key,
		   const gchar *const *values,
		   const gchar *origin,
		   GError **error);
gboolean
gs_config_validate(GsConfig *self, GError **error);
gboolean
gs_config_reload(GsConfig *self, guint *n_changed, GError **error);

const gchar *
gs_config_get_string(GsConfig *self, const gchar *group, const gchar *key);
const gchar *const *
gs_config_get_strv(GsConfig *self, const gchar *group, const gchar *key);
gboolean
gs_config_get_boolean(GsConfig *self, const gchar *group, const gchar *key);
gint64
gs_config_get_int(GsConfig *self, const gchar *group, const gchar *key);
gchar *
gs_config_dup_path(GsConfig *self, const gchar *group, const gchar *key);
gchar *
gs_config_dup_value_string(GsConfig *self, const gchar *group, const gchar *key);
GsConfigSource
gs_config_get_source(GsConfig *self, const gchar *group, const gchar *key);
gchar *
gs_config_dump(GsConfig *self);

G_END_DECLS
