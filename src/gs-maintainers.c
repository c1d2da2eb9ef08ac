/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsPolicy"

#include "config.h"

#include "gs-hex.h"
#include "gs-maintainers.h"

#define GS_KIND_DELETION 5
#define GS_KIND_ANNOUNCEMENT 30617
/* a crude bound on the cache: identifiers are few, but a hostile peer can invent many */
#define GS_MAINTAINERS_MAX_CACHED 65536

struct _GsMaintainers {
	GsStore *store;
	GHashTable *stored;  /* d -> GHashTable author -> GStrv listed, loaded on demand */
	GHashTable *pending; /* d -> GHashTable author -> GStrv listed */
};

static GHashTable *
gs_maintainers_repo_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_strfreev);
}

/**
 * gs_maintainers_dup_listed:
 * @announcement: a kind 30617 event
 *
 * Returns: (transfer full): every value of every `maintainers` tag that is a pubkey (64
 *   lower-case hex digits), in order; other values are ignored
 */
GStrv
gs_maintainers_dup_listed(GsEvent *announcement)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (guint i = 0; i < gs_event_get_n_tags(announcement); i++) {
		const gchar *const *tag = gs_event_get_tag(announcement, i);
		if (g_strcmp0(tag[0], "maintainers") != 0)
			continue;
		for (guint j = 1; tag[j] != NULL; j++) {
			if (gs_hex_is_lower(tag[j], 64))
				g_strv_builder_add(builder, tag[j]);
		}
	}
	return g_strv_builder_end(builder);
}

static void
gs_maintainers_repo_set(GHashTable *repo, GsEvent *announcement)
{
	g_hash_table_replace(repo,
			     g_strdup(gs_event_get_pubkey(announcement)),
			     gs_maintainers_dup_listed(announcement));
}

/* the stored announcements of @d: (transfer none), or %NULL with @error set */
static GHashTable *
gs_maintainers_load(GsMaintainers *self, const gchar *d, GError **error)
{
	GHashTable *repo = g_hash_table_lookup(self->stored, d);
	g_autoptr(GPtrArray) events = NULL;

	if (repo != NULL)
		return repo;
	events = gs_store_find_addressable(self->store, GS_KIND_ANNOUNCEMENT, d, error);
	if (events == NULL)
		return NULL;
	if (g_hash_table_size(self->stored) >= GS_MAINTAINERS_MAX_CACHED)
		g_hash_table_remove_all(self->stored);
	repo = gs_maintainers_repo_new();
	for (guint i = 0; i < events->len; i++)
		gs_maintainers_repo_set(repo, g_ptr_array_index(events, i));
	g_hash_table_insert(self->stored, g_strdup(d), repo);
	return repo;
}

/**
 * gs_maintainers_has_announcement:
 * @author: (nullable): an author, or %NULL for any
 * @found: (out): whether a stored or pending announcement of @d (by @author) exists
 *
 * Returns: %TRUE; %FALSE with %GS_ERROR_STORE when the store failed
 */
gboolean
gs_maintainers_has_announcement(GsMaintainers *self,
				const gchar *d,
				const gchar *author,
				gboolean *found,
				GError **error)
{
	GHashTable *repo = gs_maintainers_load(self, d, error);
	GHashTable *pending = g_hash_table_lookup(self->pending, d);

	if (repo == NULL)
		return FALSE;
	if (author == NULL) {
		*found = g_hash_table_size(repo) > 0 ||
			 (pending != NULL && g_hash_table_size(pending) > 0);
	} else {
		*found = g_hash_table_contains(repo, author) ||
			 (pending != NULL && g_hash_table_contains(pending, author));
	}
	return TRUE;
}

/* is @pubkey an author or a listed maintainer in @repo? Lists of @excluded authors do not
 * count */
static gboolean
gs_maintainers_repo_lists(GHashTable *repo, const gchar *pubkey, GHashTable *excluded)
{
	GHashTableIter iter;
	gpointer author;
	gpointer listed;

	if (repo == NULL)
		return FALSE;
	g_hash_table_iter_init(&iter, repo);
	while (g_hash_table_iter_next(&iter, &author, &listed)) {
		if (excluded != NULL && g_hash_table_contains(excluded, author))
			continue;
		if (g_strcmp0(author, pubkey) == 0 ||
		    g_strv_contains((const gchar *const *)listed, pubkey))
			return TRUE;
	}
	return FALSE;
}

/**
 * gs_maintainers_is_maintainer:
 * @excluded: (nullable): a set of pubkeys (the event blacklist) that are never maintainers
 *   and whose lists do not count
 * @is_maintainer: (out): whether @pubkey is in the recursive maintainer set of @d
 *
 * Returns: %TRUE; %FALSE with %GS_ERROR_STORE when the store failed
 */
gboolean
gs_maintainers_is_maintainer(GsMaintainers *self,
			     const gchar *d,
			     const gchar *pubkey,
			     GHashTable *excluded,
			     gboolean *is_maintainer,
			     GError **error)
{
	GHashTable *repo = gs_maintainers_load(self, d, error);

	if (repo == NULL)
		return FALSE;
	*is_maintainer = (excluded == NULL || !g_hash_table_contains(excluded, pubkey)) &&
			 (gs_maintainers_repo_lists(repo, pubkey, excluded) ||
			  gs_maintainers_repo_lists(
				  g_hash_table_lookup(self->pending, d), pubkey, excluded));
	return TRUE;
}

/* an announcement accepted, not yet committed. Its identifier's stored announcements are
 * loaded now, when they are usually none, rather than at the first lookup after the commit:
 * gs_maintainers_stored() then keeps the entry current, and the repositories a sync stored a
 * layer earlier are not read back and parsed (a third of the policy's work in a sync) */
void
gs_maintainers_add_pending(GsMaintainers *self, GsEvent *announcement)
{
	const gchar *d = gs_event_get_d_tag(announcement);
	GHashTable *repo = g_hash_table_lookup(self->pending, d);

	if (!g_hash_table_contains(self->stored, d))
		gs_maintainers_load(self, d, NULL);

	if (repo == NULL) {
		repo = gs_maintainers_repo_new();
		g_hash_table_insert(self->pending, g_strdup(d), repo);
	}
	gs_maintainers_repo_set(repo, announcement);
}

void
gs_maintainers_clear_pending(GsMaintainers *self)
{
	g_hash_table_remove_all(self->pending);
}

/**
 * gs_maintainers_stored:
 * @event: an event the store just stored (any kind)
 *
 * Keeps the cache current: a stored announcement replaces its author's entry; a deletion
 * may have removed announcements, so the cache is dropped and reloaded on demand.
 */
void
gs_maintainers_stored(GsMaintainers *self, GsEvent *event)
{
	guint kind = gs_event_get_kind(event);

	if (kind == GS_KIND_ANNOUNCEMENT) {
		GHashTable *repo = g_hash_table_lookup(self->stored, gs_event_get_d_tag(event));
		if (repo != NULL)
			gs_maintainers_repo_set(repo, event);
	} else if (kind == GS_KIND_DELETION) {
		g_hash_table_remove_all(self->stored);
	}
}

GsMaintainers *
gs_maintainers_new(GsStore *store)
{
	GsMaintainers *self = g_new0(GsMaintainers, 1);

	self->store = g_object_ref(store);
	self->stored = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
	self->pending = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
	return self;
}

void
gs_maintainers_free(GsMaintainers *self)
{
	g_hash_table_unref(self->pending);
	g_hash_table_unref(self->stored);
	g_object_unref(self->store);
	g_free(self);
}
