/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsConfig"

#include "config.h"

#include <string.h>

#include "gs-config-parse.h"
#include "gs-config.h"
#include "gs-error.h"

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

/* the one configuration table; keep each group's rows together, the docs follow this order */
/* clang-format off */
#define GS_INT(g, k, t, def, env, lo, hi, desc) \
	{g, k, GS_CONFIG_TYPE_##t, def, env, lo, hi, NULL, NULL, GS_CONFIG_KEY_FLAG_NONE, desc}
#define GS_LIST(g, k, env, check, flags, desc) \
	{g, k, GS_CONFIG_TYPE_STRV, "", env, 0, 0, NULL, check, flags, desc}
#define GS_BOOL(g, k, def, env, desc) \
	{g, k, GS_CONFIG_TYPE_BOOLEAN, def, env, 0, 0, NULL, NULL, GS_CONFIG_KEY_FLAG_NONE, desc}
#define GS_CHOICE(g, k, def, choices, desc) \
	{g, k, GS_CONFIG_TYPE_CHOICE, def, NULL, 0, 0, choices, NULL, GS_CONFIG_KEY_FLAG_NONE, desc}
static const GsConfigKey gs_config_keys[] = {
	GS_LIST("sync", "service-urls", "NGIT_DOMAIN", gs_config_check_relay_url,
		GS_CONFIG_KEY_FLAG_ENV_BELOW_FILE,
		"Relay URLs of this GRASP service; a repository is ours when its announcement "
		"lists one of them. NGIT_DOMAIN counts only when no file or option sets the key"),
	/* with no configuration at all the daemon archives from these public GRASP relays */
	{"sync", "bootstrap-relays", GS_CONFIG_TYPE_STRV, "wss://relay.ngit.dev;wss://gitnostr.com;",
	 "NGIT_SYNC_BOOTSTRAP_RELAY_URL", 0, 0, NULL, gs_config_check_relay_url,
	 GS_CONFIG_KEY_FLAG_NONE,
	 "Relays always followed and never dropped; discovery starts from them"},
	GS_CHOICE("sync", "archive", "all", "none|all",
		  "all: accept every repository announcement (GRASP-05 archive); none: only "
		  "ours and those matched by archive-pubkeys or archive-services"),
	GS_LIST("sync", "archive-pubkeys", NULL, gs_config_check_pubkey, GS_CONFIG_KEY_FLAG_NONE,
		"Also accept announcements whose author or a listed maintainer is one of these "
		"public keys (hex)"),
	GS_LIST("sync", "archive-services", NULL, gs_config_check_host, GS_CONFIG_KEY_FLAG_NONE,
		"Also accept announcements whose clone URLs name one of these hosts"),
	GS_LIST("sync", "repository-blacklist", NULL, gs_config_check_coordinate,
		GS_CONFIG_KEY_FLAG_NONE,
		"Repositories never synced, as coordinates 30617:<pubkey>:<identifier>"),
	GS_LIST("sync", "event-blacklist", NULL, gs_config_check_pubkey, GS_CONFIG_KEY_FLAG_NONE,
		"Public keys (hex) whose events are never synced, also when listed as maintainers"),
	GS_INT("sync", "base-backoff-secs", SECONDS, "5", "NGIT_SYNC_BASE_BACKOFF_SECS", 1, 3600,
	       "First retry delay after a relay fails, doubled for each further failure; "
	       "also the connect timeout"),
	GS_INT("sync", "max-backoff-secs", SECONDS, "3600", "NGIT_SYNC_MAX_BACKOFF_SECS", 1, 604800,
	       "Longest retry delay"),
	GS_BOOL("sync", "disable-negentropy", "false", "NGIT_SYNC_DISABLE_NEGENTROPY",
		"Fetch history with REQ+EOSE paging only, never NIP-77 negentropy"),
	GS_INT("sync", "batch-window-ms", MILLISECONDS, "5000", "NGIT_SYNC_BATCH_WINDOW_MS", 1,
	       3600000,
	       "How often newly stored announcements and root events become new sync work"),
	GS_INT("sync", "batch-timeout-secs", SECONDS, "120", NULL, 1, 86400,
	       "A historic batch with no EOSE for this long (reset by each event) fails"),
	GS_INT("sync", "quick-reconnect-secs", SECONDS, "900", NULL, 0, 86400,
	       "A reconnection within this time of the disconnect catches up from there; "
	       "a later one starts afresh"),
	GS_INT("sync", "daily-min-hours", HOURS, "23", NULL, 1, 720,
	       "Shortest interval of each relay's daily full pass (drawn at random per relay)"),
	GS_INT("sync", "daily-max-hours", HOURS, "25", NULL, 1, 720,
	       "Longest interval of each relay's daily full pass"),
	GS_INT("sync", "rate-limit-cooldown-secs", SECONDS, "65", NULL, 1, 86400,
	       "After a relay says it is rate limiting, no new subscriptions or connection "
	       "attempts to it for this long"),
	GS_INT("sync", "dead-after-hours", HOURS, "24", NULL, 1, 8760,
	       "A relay failing for this long is dead and retried once per this period"),
	GS_INT("sync", "negentropy-frame-limit", INT, "60000", NULL, 4096, 1000000,
	       "Largest negentropy message of a NEG-MSG sent to a relay, in bytes before hex encoding"
	       " (the hex on the wire is twice as long)"),
	GS_INT("sync", "req-page-limit", INT, "500", NULL, 1, 100000,
	       "The limit of each historic REQ page"),
	GS_INT("sync", "max-subscriptions-per-relay", INT, "70", NULL, 1, 1000,
	       "Most subscriptions open on one relay at a time"),
	GS_INT("sync", "rejected-hot-cache-duration-secs", SECONDS, "120",
	       "NGIT_REJECTED_HOT_CACHE_DURATION_SECS", 1, 86400,
	       "How long a deferred event waits for the event it depends on"),
	GS_INT("sync", "rejected-cold-index-expiry-secs", SECONDS, "604800",
	       "NGIT_REJECTED_COLD_INDEX_EXPIRY_SECS", 60, 31536000,
	       "How long a refused event id is remembered so that it is not fetched again"),
	GS_INT("sync", "naughty-list-expiration-hours", HOURS, "12",
	       "NGIT_NAUGHTY_LIST_EXPIRATION_HOURS", 1, 8760,
	       "How long a relay with DNS, TLS or protocol errors stays on the naughty list "
	       "(retried at most hourly meanwhile)"),
	GS_INT("sync", "max-event-bytes", INT, "262144", NULL, 1024, 16777216,
	       "Largest event accepted, as JSON, in bytes"),
	{"http", "listen", GS_CONFIG_TYPE_LISTEN, "127.0.0.1:7334", "NGIT_BIND_ADDRESS", 0, 0, NULL,
	 NULL, GS_CONFIG_KEY_FLAG_NONE,
	 "Address of the HTTP server: /metrics, /status, /health and the relay endpoint"},
	{"store", "path", GS_CONFIG_TYPE_PATH, "", NULL, 0, 0, NULL, NULL, GS_CONFIG_KEY_FLAG_NONE,
	 "Directory of the event store; empty means the state directory"},
	GS_CHOICE("dbus", "bus", "system", "system|session|none",
		  "Message bus on which to own dev.graspsync.GraspSync1"),
	GS_BOOL("relay", "accept-events", "true", NULL,
		"Accept EVENT messages from clients of the relay endpoint (checked by the "
		"acceptance policy like synced events)"),
	GS_INT("relay", "default-limit", INT, "500", NULL, 1, 1000000,
	       "Events returned for a REQ filter without a limit"),
	GS_INT("relay", "max-limit", INT, "5000", NULL, 1, 1000000,
	       "Largest limit honoured in a REQ filter"),
	GS_INT("relay", "max-message-bytes", INT, "524288", NULL, 1024, 67108864,
	       "Largest websocket message accepted from a client, in bytes"),
	GS_INT("relay", "max-subscriptions", INT, "50", NULL, 1, 10000,
	       "Most open subscriptions per client connection"),
	GS_INT("relay", "max-filters", INT, "10", NULL, 1, 1000,
	       "Most filters in one REQ"),
	GS_INT("relay", "max-subid-length", INT, "64", NULL, 1, 1024,
	       "Longest subscription id accepted"),
	GS_INT("relay", "max-connections", INT, "1024", NULL, 1, 1000000,
	       "Most simultaneous client connections"),
	GS_INT("relay", "events-per-minute", INT, "120", NULL, 1, 1000000,
	       "EVENT messages accepted per client connection per minute"),
	GS_INT("relay", "max-sync-events", INT, "1000000", NULL, 1, 100000000,
	       "Most events in a NIP-77 negentropy session a client opens"),
	GS_INT("relay", "negentropy-frame-limit", INT, "60000", NULL, 4096, 1000000,
	       "Largest negentropy message of a NEG-MSG sent to a client, in bytes before hex encoding"
	       " (the hex on the wire is twice as long)"),
	GS_INT("relay", "max-checking-bytes", INT, "1048576", NULL, 1024, 1073741824,
	       "EVENT messages of one client connection waiting to be checked, in bytes, at "
	       "most (one event is always taken)"),
	{"home", "relay", GS_CONFIG_TYPE_STRING, NULL, "NGIT_HOME_RELAY_URL", 0, 0, NULL,
	 gs_config_check_relay_url, GS_CONFIG_KEY_FLAG_NONE,
	 "Relay of the GRASP server into which synced events are delivered; unset: none"},
	GS_INT("home", "max-in-flight", INT, "500", NULL, 1, 10000,
	       "Events sent to the home relay and not yet answered with OK, at most (4 MiB of them at most)"),
	GS_INT("home", "ok-timeout-secs", SECONDS, "30", NULL, 1, 3600,
	       "An event the home relay does not answer within this time is sent again later"),
	{"identity", "secret-key-file", GS_CONFIG_TYPE_PATH, "identity.key", NULL, 0, 0, NULL,
	 NULL, GS_CONFIG_KEY_FLAG_NONE,
	 "File holding this daemon's Nostr secret key (NIP-42 AUTH); relative to the state "
	 "directory"},
};
#undef GS_INT
#undef GS_LIST
#undef GS_BOOL
#undef GS_CHOICE

/* pairs (lower, upper) that must be ordered once every source is loaded */
static const struct {
	const gchar *group;
	const gchar *lower;
	const gchar *upper;
} gs_config_orders[] = {
	{"sync", "base-backoff-secs", "max-backoff-secs"},
	{"sync", "daily-min-hours", "daily-max-hours"},
	{"relay", "default-limit", "max-limit"},
};
/* clang-format on */

#define GS_CONFIG_N_KEYS G_N_ELEMENTS(gs_config_keys)

/**
 * gs_config_get_keys:
 *
 * Returns: (transfer none): the configuration table, grouped by group
 */
const GsConfigKey *
gs_config_get_keys(guint *n_keys)
{
	if (n_keys != NULL)
		*n_keys = GS_CONFIG_N_KEYS;
	return gs_config_keys;
}

const gchar *
gs_config_type_to_string(GsConfigType type)
{
	const gchar *names[] = {"string",
				"list",
				"boolean",
				"integer",
				"seconds",
				"milliseconds",
				"hours",
				"choice",
				"address",
				"path"};
	g_return_val_if_fail((guint)type < G_N_ELEMENTS(names), NULL);
	return names[type];
}

const gchar *
gs_config_source_to_string(GsConfigSource source)
{
	const gchar *names[] = {"default", "file", "environment", "command-line"};
	g_return_val_if_fail((guint)source < G_N_ELEMENTS(names), NULL);
	return names[source];
}

static gint
gs_config_find_key(const gchar *group, const gchar *key)
{
	for (guint i = 0; i < GS_CONFIG_N_KEYS; i++) {
		if (g_strcmp0(gs_config_keys[i].group, group) == 0 &&
		    g_strcmp0(gs_config_keys[i].key, key) == 0)
			return (gint)i;
	}
	return -1;
}

static gboolean
gs_config_group_known(const gchar *group)
{
	for (guint i = 0; i < GS_CONFIG_N_KEYS; i++) {
		if (g_strcmp0(gs_config_keys[i].group, group) == 0)
			return TRUE;
	}
	return FALSE;
}

static void
gs_config_value_clear(GsConfigValue *v)
{
	g_clear_pointer(&v->origin, g_free);
	g_clear_pointer(&v->str, g_free);
	g_clear_pointer(&v->strv, g_strfreev);
	v->num = 0;
	v->set = FALSE;
}

/* moves @src into @dst, freeing what @dst held */
static void
gs_config_value_move(GsConfigValue *dst, GsConfigValue *src)
{
	gs_config_value_clear(dst);
	*dst = *src;
	memset(src, 0, sizeof(*src));
}

static GsConfigLayer *
gs_config_layer_new(void)
{
	return g_new0(GsConfigValue, GS_CONFIG_N_KEYS);
}

static void
gs_config_layer_free(GsConfigLayer *layer)
{
	if (layer == NULL)
		return;
	for (guint i = 0; i < GS_CONFIG_N_KEYS; i++)
		gs_config_value_clear(&layer[i]);
	g_free(layer);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsConfigLayer, gs_config_layer_free)

static void
gs_config_layer_swap(GsConfigLayer **a, GsConfigLayer **b)
{
	GsConfigLayer *tmp = *a;
	*a = *b;
	*b = tmp;
}

/* one string value as written in any source; @v is filled only on success */
static gboolean
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
static gboolean
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
static gboolean
gs_config_read_keyfile(GKeyFile *kf, const gchar *origin, GsConfigLayer *layer, GError **error)
{
	for (guint i = 0; i < GS_CONFIG_N_KEYS; i++) {
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
static GsConfigLayer *
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

static gboolean
gs_config_read_env(const GsConfigKey *k, const gchar *text, GsConfigValue *v, GError **error)
{
	if (k->type == GS_CONFIG_TYPE_STRV) {
		g_auto(GStrv) items = g_strsplit(text, ",", -1);
		return gs_config_parse_list(k, (const gchar *const *)items, v, error);
	}
	return gs_config_parse_text(k, text, v, error);
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
	for (guint i = 0; i < G_N_ELEMENTS(gs_config_orders); i++) {
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
