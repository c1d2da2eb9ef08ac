/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-maintainers.h"
#include "gs-policy.h"

G_BEGIN_DECLS

#define GS_KIND_DELETION 5
#define GS_KIND_USER_GRASP_LIST 10317
#define GS_KIND_ANNOUNCEMENT 30617
#define GS_KIND_STATE 30618

/* shared by gs-policy.c (the rules, the overlay) and gs-policy-config.c (the settings) */
struct _GsPolicy {
	GObject parent_instance;
	GsStore *store;
	GHashTable *service_urls;  /* normalised URL set */
	GHashTable *service_hosts; /* lower-case host set */
	/* URL as written -> GINT_TO_POINTER(1 + is ours), for relays and clone URLs: the
	 * announcements of a repository repeat them, normalising costs more than the rest of
	 * the decision; emptied when the service URLs change or it grows large */
	GHashTable *ours_relays;
	GHashTable *ours_clones;
	GsArchiveMode archive_mode;
	GHashTable *archive_pubkeys;
	GHashTable *archive_hosts;
	GHashTable *blacklist_pubkeys;
	GHashTable *blacklist_coordinates; /* "30617:<pubkey>:<d>" */
	GHashTable *blacklist_identifiers; /* "<d>" */
	GsMaintainers *maintainers;	   /* announcements per identifier */
	/* the overlay: accepted, not yet committed */
	GPtrArray *pending_events;
	GHashTable *pending_ids;    /* id hex (borrowed from pending_events) */
	GHashTable *pending_coords; /* coordinate (owned) */
	GHashTable *pending_refs;   /* tag values of e/E/q/a/A tags (borrowed) */
};

gboolean
gs_policy_is_reference_tag(const gchar *name, gboolean coordinate);
guint
gs_policy_str_hash(gconstpointer key);
GHashTable *
gs_policy_string_set_new(void);

G_END_DECLS
