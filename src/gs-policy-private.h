/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-maintainers.h"
#include "gs-policy.h"

G_BEGIN_DECLS

#define GS_KIND_DELETION 5
/* regular events gs_policy_has_event() remembers as stored at most (about 80 bytes each) */
#define GS_POLICY_MAX_STORED_IDS 131072
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
	/* raw 32-byte ids of regular events this store stored since the policy was made (a
	 * positive cache for the roots a sync names: only a NIP-09 deletion removes a regular
	 * event, so any stored deletion empties it); emptied too when it grows large */
	GHashTable *stored_ids;
};

gboolean
gs_policy_is_reference_tag(const gchar *name, gboolean coordinate);
guint
gs_policy_str_hash(gconstpointer key);
GHashTable *
gs_policy_string_set_new(void);

G_END_DECLS
