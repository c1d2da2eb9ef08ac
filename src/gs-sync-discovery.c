/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-relay-url.h"
#include "gs-sync-filters.h"
#include "gs-sync-manager-private.h"
#include "gs-sync-rules.h"

/*
 * Discovery (specs/sync.md 7): the targets follow what the store accepted. At start-up every
 * stored announcement becomes a target repository and every stored patch, pull request and
 * issue naming one becomes a root event. Afterwards `GsStore::event-stored` queues new
 * announcements, roots and deletions, and a periodic drain (every batch-window, not reset by
 * new events) updates the targets and runs the three-way diff for every relay.
 *
 * Everything in the store was accepted by the policy (ours, archived or a maintainer's), so
 * each announcement is a full target. Its relays are the URLs of its `relays` tags plus, for
 * each `clone` URL whose host is known as a relay elsewhere (a GRASP server), `ws(s)://host`.
 */

/* `wss://host[:port]` of a normalised URL */
static gchar *
gs_sync_discovery_origin(const gchar *url)
{
	const gchar *host = strstr(url, "://");
	const gchar *slash = host != NULL ? strchr(host + 3, '/') : NULL;

	return slash != NULL ? g_strndup(url, slash - url) : g_strdup(url);
}

static void
gs_sync_discovery_tag_urls(GsEvent *event, const gchar *name, gboolean clone, GHashTable *out)
{
	for (guint i = 0; i < gs_event_get_n_tags(event); i++) {
		const gchar *const *tag = gs_event_get_tag(event, i);
		if (g_strcmp0(tag[0], name) != 0)
			continue;
		for (guint j = 1; tag[j] != NULL; j++) {
			g_autofree gchar *url = gs_relay_url_normalise(tag[j], clone, NULL);
			if (url == NULL)
				continue;
			g_hash_table_add(
				out, clone ? gs_sync_discovery_origin(url) : g_steal_pointer(&url));
		}
	}
}

/* the relays to sync one announcement's repository from */
static gchar **
gs_sync_discovery_repo_relays(GsSyncManager *self, GsEvent *announcement)
{
	g_autoptr(GHashTable) relays = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GHashTable) clones = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GsSyncTargets *targets = gs_sync_index_get_targets(self->index);
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter iter;
	gpointer key;

	gs_sync_discovery_tag_urls(announcement, "relays", FALSE, relays);
	gs_sync_discovery_tag_urls(announcement, "clone", TRUE, clones);
	g_hash_table_iter_init(&iter, clones);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (g_hash_table_contains(relays, key) || gs_sync_targets_has_relay(targets, key) ||
		    gs_sync_manager_lookup(self, key) != NULL)
			g_ptr_array_add(out, g_strdup(key));
	}
	g_hash_table_iter_init(&iter, relays);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(out, g_strdup(key));
	g_ptr_array_add(out, NULL);
	return (gchar **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

/* the coordinates of @coordinates that a stored event tags with `a` (borrowed): a repository
 * found in a sync is new, nothing tags it yet, and one index seek each says so, where the
 * roots' query (kinds and 100 coordinates) had SQLite read through every stored root */
static GPtrArray *
gs_sync_discovery_referenced(GsSyncManager *self, GPtrArray *coordinates)
{
	GPtrArray *out = g_ptr_array_new();

	for (guint i = 0; i < coordinates->len; i++) {
		const gchar *coordinate = g_ptr_array_index(coordinates, i);
		g_autoptr(GError) error = NULL;
		/* on a failure the query below says what is wrong */
		if (gs_store_has_tag_reference(self->store, "a", coordinate, &error) ||
		    error != NULL)
			g_ptr_array_add(out, (gpointer)coordinate);
	}
	return out;
}

/* the stored roots of newly targeted repositories */
static void
gs_sync_discovery_load_roots(GsSyncManager *self, GPtrArray *all)
{
	GsSyncTargets *targets = gs_sync_index_get_targets(self->index);
	g_autoptr(GPtrArray) coordinates = gs_sync_discovery_referenced(self, all);

	for (guint off = 0; off < coordinates->len; off += GS_SYNC_FILTERS_CHUNK) {
		g_autoptr(GPtrArray) filters =
			g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
		g_autoptr(GPtrArray) events = NULL;
		g_autoptr(GError) error = NULL;
		GsFilter *filter = gs_filter_new();

		gs_filter_add_kind(filter, GS_SYNC_KIND_PATCH);
		gs_filter_add_kind(filter, GS_SYNC_KIND_PULL_REQUEST);
		gs_filter_add_kind(filter, GS_SYNC_KIND_ISSUE);
		for (guint i = off; i < MIN(off + GS_SYNC_FILTERS_CHUNK, coordinates->len); i++)
			gs_filter_add_tag_value(filter, 'a', g_ptr_array_index(coordinates, i));
		g_ptr_array_add(filters, filter);
		events = gs_store_query(self->store, filters, 0, &error);
		if (events == NULL) {
			g_warning("failed to load root events: %s", error->message);
			return;
		}
		for (guint i = 0; i < events->len; i++)
			gs_sync_targets_add_root_event(targets, g_ptr_array_index(events, i));
	}
}

/* makes @announcement's repository a target; returns: %TRUE when it was not one before */
static gboolean
gs_sync_discovery_add_repo(GsSyncManager *self, GsEvent *announcement)
{
	GsSyncTargets *targets = gs_sync_index_get_targets(self->index);
	g_autofree gchar *coordinate = gs_event_dup_coordinate(announcement);
	g_auto(GStrv) relays = NULL;
	gboolean known;

	if (coordinate == NULL || !gs_sync_check_repo_coordinate(coordinate, NULL, NULL))
		return FALSE;
	known = gs_sync_targets_get_repo_level(targets, coordinate, NULL);
	relays = gs_sync_discovery_repo_relays(self, announcement);
	gs_sync_targets_set_repo(
		targets, coordinate, GS_SYNC_LEVEL_FULL, (const gchar *const *)relays, NULL);
	return !known;
}

static GPtrArray *
gs_sync_discovery_query(GsSyncManager *self, guint kind, GError **error)
{
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	GsFilter *filter = gs_filter_new();

	gs_filter_add_kind(filter, kind);
	g_ptr_array_add(filters, filter);
	return gs_store_query(self->store, filters, 0, error);
}

/**
 * gs_sync_discovery_load:
 *
 * The targets from the store, at start-up.
 *
 * Returns: %FALSE with the store's error when it cannot be read
 */
gboolean
gs_sync_discovery_load(GsSyncManager *self, GError **error)
{
	g_autoptr(GPtrArray) announcements = NULL;
	g_autoptr(GPtrArray) coordinates = g_ptr_array_new_with_free_func(g_free);

	announcements = gs_sync_discovery_query(self, GS_SYNC_KIND_REPO_ANNOUNCEMENT, error);
	if (announcements == NULL) {
		g_prefix_error(error, "failed to load repository announcements: ");
		return FALSE;
	}
	/* twice: clone hosts count as GRASP servers once any announcement names them */
	for (guint pass = 0; pass < 2; pass++) {
		for (guint i = 0; i < announcements->len; i++) {
			GsEvent *event = g_ptr_array_index(announcements, i);
			if (gs_sync_discovery_add_repo(self, event))
				g_ptr_array_add(coordinates, gs_event_dup_coordinate(event));
		}
	}
	gs_sync_discovery_load_roots(self, coordinates);
	g_debug("targets: %u repositories, %u root events",
		gs_sync_targets_get_n_repos(gs_sync_index_get_targets(self->index)),
		gs_sync_targets_get_n_roots(gs_sync_index_get_targets(self->index)));
	return TRUE;
}

static gboolean
gs_sync_discovery_wants(guint kind)
{
	return kind == GS_SYNC_KIND_REPO_ANNOUNCEMENT || gs_sync_kind_is_root(kind) || kind == 5;
}

static gboolean
gs_sync_discovery_kick_cb(gpointer user_data)
{
	GsSyncManager *self = GS_SYNC_MANAGER(user_data);

	self->kick_id = 0;
	gs_sync_discovery_drain_cb(self);
	return G_SOURCE_REMOVE;
}

/**
 * gs_sync_discovery_kick:
 *
 * Drains the queue as soon as the main loop is free instead of at the next batch-window tick
 * (which keeps its own pace): called when a batch's worth of items is queued, and when the
 * ingest has decided every event it held, so that the work of the next layer starts as soon
 * as its inputs are stored rather than up to a window later.
 */
void
gs_sync_discovery_kick(GsSyncManager *self)
{
	if (self->kick_id == 0 && self->running && self->queue->len > 0)
		self->kick_id = g_idle_add_full(G_PRIORITY_DEFAULT,
						gs_sync_discovery_kick_cb,
						g_object_ref(self),
						g_object_unref);
}

void
gs_sync_discovery_event_stored_cb(GsStore *store, GsEvent *event, GsSyncManager *self)
{
	if (!gs_sync_discovery_wants(gs_event_get_kind(event)))
		return;
	g_ptr_array_add(self->queue, gs_event_ref(event));
	if (self->queue->len % GS_SYNC_FILTERS_CHUNK == 0)
		gs_sync_discovery_kick(self);
}

/* an announcement as the store holds it now: replaced, deleted, or still this one;
 * @is_latest: it is known to be the stored version, without asking the store */
static void
gs_sync_discovery_announcement(GsSyncManager *self,
			       GsEvent *event,
			       gboolean is_latest,
			       GPtrArray *added)
{
	GsSyncTargets *targets = gs_sync_index_get_targets(self->index);
	g_autofree gchar *coordinate = gs_event_dup_coordinate(event);
	g_autoptr(GsEvent) latest = NULL;
	g_autoptr(GError) error = NULL;

	if (coordinate == NULL)
		return;
	if (is_latest) {
		if (gs_sync_discovery_add_repo(self, event))
			g_ptr_array_add(added, g_steal_pointer(&coordinate));
		return;
	}
	latest = gs_store_get_latest(self->store,
				     GS_SYNC_KIND_REPO_ANNOUNCEMENT,
				     gs_event_get_pubkey(event),
				     gs_event_get_d_tag(event),
				     &error);
	if (latest == NULL) {
		if (g_error_matches(error, GS_ERROR, GS_ERROR_NOT_FOUND) &&
		    gs_sync_targets_remove_repo(targets, coordinate))
			g_info("repository %s is no longer a target", coordinate);
		return;
	}
	if (gs_sync_discovery_add_repo(self, latest))
		g_ptr_array_add(added, g_steal_pointer(&coordinate));
}

/* a NIP-09 deletion naming announcements by address */
static void
gs_sync_discovery_deletion(GsSyncManager *self, GsEvent *event, GPtrArray *added)
{
	for (guint i = 0; i < gs_event_get_n_tags(event); i++) {
		const gchar *const *tag = gs_event_get_tag(event, i);
		g_autofree gchar *pubkey = NULL;
		g_autofree gchar *d = NULL;
		g_autoptr(GsEvent) latest = NULL;
		guint kind = 0;

		if (g_strcmp0(tag[0], "a") != 0 || tag[1] == NULL ||
		    !gs_coordinate_parse(tag[1], &kind, &pubkey, &d, NULL) ||
		    kind != GS_SYNC_KIND_REPO_ANNOUNCEMENT)
			continue;
		latest = gs_store_get_latest(self->store, kind, pubkey, d, NULL);
		if (latest != NULL)
			gs_sync_discovery_announcement(self, latest, TRUE, added);
		else if (gs_sync_targets_remove_repo(gs_sync_index_get_targets(self->index),
						     tag[1]))
			g_info("repository %s is no longer a target", tag[1]);
	}
}

/* follows the relays the targets name that are not followed yet */
static void
gs_sync_discovery_follow_relays(GsSyncManager *self)
{
	GsSyncTargets *targets = gs_sync_index_get_targets(self->index);
	g_auto(GStrv) urls = gs_sync_targets_dup_relays(targets);

	for (guint i = 0; urls[i] != NULL; i++) {
		if (gs_sync_manager_lookup(self, urls[i]) == NULL) {
			GsSyncRelay *relay = gs_sync_manager_ensure_relay(
				self, urls[i], gs_sync_targets_is_bootstrap(targets, urls[i]));
			gs_sync_manager_maybe_connect(self, relay);
		}
	}
}

/**
 * gs_sync_discovery_sync_relays:
 *
 * Follows every relay the targets name, and gives each live relay its new work: the
 * three-way diff is the only place that creates it.
 */
void
gs_sync_discovery_sync_relays(GsSyncManager *self)
{
	GHashTableIter iter;
	gpointer value;

	gs_sync_discovery_follow_relays(self);
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsSyncRelay *relay = value;
		if (!gs_sync_relay_can_subscribe(relay))
			continue;
		gs_sync_discovery_diff_relay(self, relay);
		if (relay->live_dirty)
			gs_sync_live_rebuild(self, relay);
	}
	gs_sync_index_clear_touched(self->index);
}

/* after a drain: the three-way diff of the items whose targets changed, on every relay that
 * takes work (the others get the full diff when they can take it again: connect, end of a rate
 * limit), and their live filters */
static void
gs_sync_discovery_sync_touched(GsSyncManager *self)
{
	GHashTableIter iter;
	gpointer value;

	gs_sync_discovery_follow_relays(self);
	g_hash_table_iter_init(&iter, self->relays);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsSyncRelay *relay = value;
		g_autoptr(GPtrArray) repos = NULL;
		g_autoptr(GPtrArray) roots = NULL;

		if (!gs_sync_relay_can_subscribe(relay))
			continue;
		if (gs_sync_index_diff_touched(self->index, relay->url, &repos, &roots)) {
			g_debug("%s: new work: %u repositories, %u root events",
				relay->url,
				repos->len,
				roots->len);
			gs_sync_runner_start_batch(self, relay, repos, roots, -1, NULL);
		}
		gs_sync_live_add(self, relay, repos, roots);
	}
	gs_sync_index_clear_touched(self->index);
}

/* the three-way diff of one live relay, turned into historic batches and live filters */
void
gs_sync_discovery_diff_relay(GsSyncManager *self, GsSyncRelay *relay)
{
	g_autoptr(GPtrArray) repos = NULL;
	g_autoptr(GPtrArray) roots = NULL;

	if (!gs_sync_relay_can_subscribe(relay))
		return;
	if (!gs_sync_index_diff(self->index, relay->url, &repos, &roots))
		return;
	g_debug("%s: new work: %u repositories, %u root events",
		relay->url,
		repos->len,
		roots->len);
	gs_sync_runner_start_batch(self, relay, repos, roots, -1, NULL);
	gs_sync_live_rebuild(self, relay);
}

/* the announcements of @events that are the stored version of their address: the store
 * announces an event only when it stored it as the newest version (GsStore::event-stored), so
 * only a later event of the queue can have replaced or deleted it since: the last one of each
 * address, in a queue without deletions (a deletion may name it by id), is still the latest */
static GHashTable *
gs_sync_discovery_latest(GPtrArray *events)
{
	g_autoptr(GHashTable) last = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	GHashTable *latest = g_hash_table_new(NULL, NULL);
	GHashTableIter iter;
	gpointer value;

	for (guint i = 0; i < events->len; i++) {
		GsEvent *event = g_ptr_array_index(events, i);
		gchar *coordinate;
		if (gs_event_get_kind(event) == 5)
			return latest;
		if (gs_event_get_kind(event) != GS_SYNC_KIND_REPO_ANNOUNCEMENT ||
		    (coordinate = gs_event_dup_coordinate(event)) == NULL)
			continue;
		g_hash_table_insert(last, coordinate, event);
	}
	g_hash_table_iter_init(&iter, last);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_hash_table_add(latest, value);
	return latest;
}

/* the periodic drain: announcements first (a root needs its repository), then roots */
gboolean
gs_sync_discovery_drain_cb(gpointer user_data)
{
	GsSyncManager *self = GS_SYNC_MANAGER(user_data);
	GsSyncTargets *targets = gs_sync_index_get_targets(self->index);
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GPtrArray) added = NULL;
	g_autoptr(GHashTable) latest = NULL;

	if (self->queue->len == 0)
		return G_SOURCE_CONTINUE;
	events = g_steal_pointer(&self->queue);
	self->queue = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	added = g_ptr_array_new_with_free_func(g_free);
	latest = gs_sync_discovery_latest(events);
	for (guint i = 0; i < events->len; i++) {
		GsEvent *event = g_ptr_array_index(events, i);
		if (gs_event_get_kind(event) == GS_SYNC_KIND_REPO_ANNOUNCEMENT)
			gs_sync_discovery_announcement(
				self, event, g_hash_table_contains(latest, event), added);
		else if (gs_event_get_kind(event) == 5)
			gs_sync_discovery_deletion(self, event, added);
	}
	gs_sync_discovery_load_roots(self, added);
	for (guint i = 0; i < events->len; i++)
		gs_sync_targets_add_root_event(targets, g_ptr_array_index(events, i));
	gs_sync_discovery_sync_touched(self);
	return G_SOURCE_CONTINUE;
}
