/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsConfig"

#include "config.h"

#include "gs-config-parse.h"
#include "gs-config-private.h"
#include "gs-config.h"

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
const GsConfigKey gs_config_keys[] = {
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
	GS_INT("relay", "max-checking-bytes", INT, "8388608", NULL, 1024, 1073741824,
	       "EVENT messages of one client connection waiting to be checked, in bytes, at "
	       "most (one event is always taken)"),
	GS_INT("relay", "max-checking-bytes-total", INT, "67108864", NULL, 1048576, 2147483647,
	       "Event JSON the ingest may have waiting to be checked, from every source, for a "
	       "client connection to send more, in bytes (one event is always taken)"),
	{"home", "relay", GS_CONFIG_TYPE_STRING, NULL, "NGIT_HOME_RELAY_URL", 0, 0, NULL,
	 gs_config_check_relay_url, GS_CONFIG_KEY_FLAG_NONE,
	 "Relay of the GRASP server into which synced events are delivered; unset: none"},
	GS_INT("home", "max-in-flight", INT, "4000", NULL, 1, 10000,
	       "Events sent to the home relay and not yet answered with OK, at most (4 MiB of them at most); a connection starts at 500 and grows while home accepts a full window in time"),
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
const GsConfigOrder gs_config_orders[] = {
	{"sync", "base-backoff-secs", "max-backoff-secs"},
	{"sync", "daily-min-hours", "daily-max-hours"},
	{"relay", "default-limit", "max-limit"},
};
/* clang-format on */

const guint gs_config_n_keys = G_N_ELEMENTS(gs_config_keys);
const guint gs_config_n_orders = G_N_ELEMENTS(gs_config_orders);

/**
 * gs_config_get_keys:
 *
 * Returns: (transfer none): the configuration table, grouped by group
 */
const GsConfigKey *
gs_config_get_keys(guint *n_keys)
{
	if (n_keys != NULL)
		*n_keys = gs_config_n_keys;
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

gint
gs_config_find_key(const gchar *group, const gchar *key)
{
	for (guint i = 0; i < gs_config_n_keys; i++) {
		if (g_strcmp0(gs_config_keys[i].group, group) == 0 &&
		    g_strcmp0(gs_config_keys[i].key, key) == 0)
			return (gint)i;
	}
	return -1;
}

gboolean
gs_config_group_known(const gchar *group)
{
	for (guint i = 0; i < gs_config_n_keys; i++) {
		if (g_strcmp0(gs_config_keys[i].group, group) == 0)
			return TRUE;
	}
	return FALSE;
}
