/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsPolicy"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-policy-private.h"
#include "gs-policy.h"
#include "gs-relay-url.h"

/* the policy's configuration: service URLs, archive modes and blacklists, each checked and
 * kept as a string set */

/* a string hash that reads 8 bytes a step: the keys here are ids, pubkeys and coordinates of
 * 64 to 100 characters, which g_str_hash() reads one at a time (2 % of the main context's
 * instructions during an ingest) */
guint
gs_policy_str_hash(gconstpointer key)
{
	const gchar *s = key;
	gsize len = strlen(s);
	guint64 h = 0x9e3779b97f4a7c15ULL ^ len;
	guint64 word = 0;

	for (; len >= 8; s += 8, len -= 8) {
		memcpy(&word, s, 8);
		h = (h ^ word) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	word = 0;
	memcpy(&word, s, len);
	h = (h ^ word) * 0xc4ceb9fe1a85ec53ULL;
	return (guint)(h ^ (h >> 29));
}

GHashTable *
gs_policy_string_set_new(void)
{
	return g_hash_table_new_full(gs_policy_str_hash, g_str_equal, g_free, NULL);
}

static gboolean
gs_policy_check_pubkeys(const gchar *const *pubkeys, const gchar *what, GError **error)
{
	for (guint i = 0; pubkeys != NULL && pubkeys[i] != NULL; i++) {
		if (!gs_hex_is_lower(pubkeys[i], 64)) {
			g_set_error(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "%s: %.80s is not a pubkey (64 lower-case hex digits)",
				    what,
				    pubkeys[i]);
			return FALSE;
		}
	}
	return TRUE;
}

static void
gs_policy_fill_set(GHashTable *set, const gchar *const *values)
{
	g_hash_table_remove_all(set);
	for (guint i = 0; values != NULL && values[i] != NULL; i++)
		g_hash_table_add(set, g_strdup(values[i]));
}

/**
 * gs_policy_set_service_urls:
 * @urls: (array zero-terminated=1): our relay URLs (`service-urls`)
 *
 * Returns: %TRUE; %FALSE with %GS_ERROR_INVALID_ARGUMENT (and nothing changed) when a URL
 *   does not normalise
 */
gboolean
gs_policy_set_service_urls(GsPolicy *self, const gchar *const *urls, GError **error)
{
	g_autoptr(GHashTable) set = gs_policy_string_set_new();
	g_autoptr(GHashTable) hosts = gs_policy_string_set_new();

	g_return_val_if_fail(GS_IS_POLICY(self), FALSE);
	for (guint i = 0; urls != NULL && urls[i] != NULL; i++) {
		g_autofree gchar *norm = gs_relay_url_normalise(urls[i], FALSE, error);
		gchar *host;
		if (norm == NULL) {
			g_prefix_error(error, "service URL %.80s: ", urls[i]);
			return FALSE;
		}
		host = gs_relay_url_host(norm, NULL);
		if (host != NULL)
			g_hash_table_add(hosts, host);
		g_hash_table_add(set, g_steal_pointer(&norm));
	}
	g_hash_table_unref(self->service_urls);
	self->service_urls = g_steal_pointer(&set);
	g_hash_table_unref(self->service_hosts);
	self->service_hosts = g_steal_pointer(&hosts);
	g_hash_table_remove_all(self->ours_relays);
	g_hash_table_remove_all(self->ours_clones);
	return TRUE;
}

void
gs_policy_set_archive_mode(GsPolicy *self, GsArchiveMode mode)
{
	g_return_if_fail(GS_IS_POLICY(self));
	self->archive_mode = mode;
}

gboolean
gs_policy_set_archive_pubkeys(GsPolicy *self, const gchar *const *pubkeys, GError **error)
{
	g_return_val_if_fail(GS_IS_POLICY(self), FALSE);
	if (!gs_policy_check_pubkeys(pubkeys, "archive-pubkeys", error))
		return FALSE;
	gs_policy_fill_set(self->archive_pubkeys, pubkeys);
	return TRUE;
}

/**
 * gs_policy_set_archive_services:
 * @hosts: (array zero-terminated=1): host names (`archive-services`), e.g. "git.example.com"
 *
 * Announcements whose `clone` URLs name one of these hosts exactly are archived.
 */
gboolean
gs_policy_set_archive_services(GsPolicy *self, const gchar *const *hosts, GError **error)
{
	g_return_val_if_fail(GS_IS_POLICY(self), FALSE);
	g_hash_table_remove_all(self->archive_hosts);
	for (guint i = 0; hosts != NULL && hosts[i] != NULL; i++) {
		if (hosts[i][0] == '\0' || strpbrk(hosts[i], "/:@ ") != NULL) {
			g_set_error(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "archive-services: %.80s is not a host name",
				    hosts[i]);
			g_hash_table_remove_all(self->archive_hosts);
			return FALSE;
		}
		g_hash_table_add(self->archive_hosts, g_ascii_strdown(hosts[i], -1));
	}
	return TRUE;
}

/**
 * gs_policy_set_repository_blacklist:
 * @entries: (array zero-terminated=1): each either a coordinate `30617:<pubkey>:<d>` (that
 *   repository) or a bare identifier `<d>` (every repository with that identifier)
 *
 * Returns: %TRUE; %FALSE with %GS_ERROR_INVALID_ARGUMENT (nothing changed) for a coordinate
 *   of another kind or an invalid identifier
 */
gboolean
gs_policy_set_repository_blacklist(GsPolicy *self, const gchar *const *entries, GError **error)
{
	g_autoptr(GHashTable) coords = gs_policy_string_set_new();
	g_autoptr(GHashTable) idents = gs_policy_string_set_new();

	g_return_val_if_fail(GS_IS_POLICY(self), FALSE);
	for (guint i = 0; entries != NULL && entries[i] != NULL; i++) {
		guint kind = 0;
		g_autofree gchar *pubkey = NULL;
		g_autofree gchar *d = NULL;

		if (gs_coordinate_parse(entries[i], &kind, &pubkey, &d, NULL)) {
			if (kind != GS_KIND_ANNOUNCEMENT || !gs_policy_is_valid_identifier(d)) {
				g_set_error(error,
					    GS_ERROR,
					    GS_ERROR_INVALID_ARGUMENT,
					    "repository-blacklist: %.80s is not a 30617 coordinate",
					    entries[i]);
				return FALSE;
			}
			g_hash_table_add(coords, gs_coordinate_build(kind, pubkey, d));
		} else if (gs_policy_is_valid_identifier(entries[i])) {
			g_hash_table_add(idents, g_strdup(entries[i]));
		} else {
			g_set_error(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "repository-blacklist: %.80s is not a repository identifier",
				    entries[i]);
			return FALSE;
		}
	}
	g_hash_table_unref(self->blacklist_coordinates);
	self->blacklist_coordinates = g_steal_pointer(&coords);
	g_hash_table_unref(self->blacklist_identifiers);
	self->blacklist_identifiers = g_steal_pointer(&idents);
	return TRUE;
}

gboolean
gs_policy_set_event_blacklist(GsPolicy *self, const gchar *const *pubkeys, GError **error)
{
	g_return_val_if_fail(GS_IS_POLICY(self), FALSE);
	if (!gs_policy_check_pubkeys(pubkeys, "event-blacklist", error))
		return FALSE;
	gs_policy_fill_set(self->blacklist_pubkeys, pubkeys);
	return TRUE;
}
