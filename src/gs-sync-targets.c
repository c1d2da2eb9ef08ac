/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-relay-url.h"
#include "gs-sync-rules.h"
#include "gs-sync-targets.h"

/*
 * What the sync engine wants: the target repositories (coordinate -> level and the relays to
 * sync it from) and their root events (id -> the target coordinates it names), derived by the
 * caller from the accepted announcements and roots; plus the relays to follow, which are the
 * bootstrap relays and every relay a target names, never one of our service URLs.
 * Targets are replaced, not only grown: a relay dropped from an announcement, or a deleted
 * announcement, shrinks them (specs/sync.md 1).
 */

typedef struct {
	GsSyncLevel level;
	gchar **relays; /* sorted, distinct */
} GsSyncRepoTarget;

struct _GsSyncTargets {
	GObject parent_instance;
	GHashTable *service_urls; /* set */
	GHashTable *bootstrap;	  /* set */
	GHashTable *repos;	  /* coordinate -> GsSyncRepoTarget */
	GHashTable *relay_repos;  /* relay -> set of coordinates naming it */
	GHashTable *roots;	  /* root id -> set of target coordinates it names */
	GHashTable *repo_roots;	  /* coordinate -> set of root ids */
	guint n_repos;		  /* the values last notified */
	guint n_roots;
};

enum { PROP_0, PROP_REPOS, PROP_ROOT_EVENTS, N_PROPS };
static GParamSpec *props[N_PROPS] = {NULL};

enum { SIGNAL_REPO_CHANGED, SIGNAL_ROOT_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS] = {0};

G_DEFINE_FINAL_TYPE(GsSyncTargets, gs_sync_targets, G_TYPE_OBJECT)

static GHashTable *
gs_sync_set_new(void)
{
	return g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, NULL);
}

static GHashTable *
gs_sync_map_new(GDestroyNotify value_free)
{
	return g_hash_table_new_full(gs_filter_value_hash, g_str_equal, g_free, value_free);
}

static gint
gs_sync_strcmp(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* returns: (transfer full): the keys of @set (nullable), sorted */
static GPtrArray *
gs_sync_set_sorted(GHashTable *set)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter iter;
	gpointer key;

	if (set == NULL)
		return out;
	g_hash_table_iter_init(&iter, set);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_ptr_array_add(out, g_strdup(key));
	g_ptr_array_sort(out, gs_sync_strcmp);
	return out;
}

static gchar **
gs_sync_set_to_strv(GHashTable *set, GHashTable *minus)
{
	g_autoptr(GPtrArray) sorted = gs_sync_set_sorted(set);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (guint i = 0; i < sorted->len; i++) {
		const gchar *value = g_ptr_array_index(sorted, i);
		if (minus == NULL || !g_hash_table_contains(minus, value))
			g_strv_builder_add(builder, value);
	}
	return g_strv_builder_end(builder);
}

/* replaces @set by the normalised forms of @urls; URLs that cannot be relays are dropped (an
 * announcement may list anything) */
static void
gs_sync_set_replace_urls(GHashTable *set, const gchar *const *urls)
{
	g_hash_table_remove_all(set);
	for (guint i = 0; urls != NULL && urls[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		gchar *url = gs_relay_url_normalise(urls[i], FALSE, &error);
		if (url == NULL) {
			g_debug("ignoring relay URL: %s", error->message);
			continue;
		}
		g_hash_table_add(set, url);
	}
}

/* @map: key -> set; adds @value to the set of @key */
static void
gs_sync_multimap_add(GHashTable *map, const gchar *key, const gchar *value)
{
	GHashTable *set = g_hash_table_lookup(map, key);
	if (set == NULL) {
		set = gs_sync_set_new();
		g_hash_table_insert(map, g_strdup(key), set);
	}
	g_hash_table_add(set, g_strdup(value));
}

static void
gs_sync_multimap_remove(GHashTable *map, const gchar *key, const gchar *value)
{
	GHashTable *set = g_hash_table_lookup(map, key);
	if (set == NULL)
		return;
	g_hash_table_remove(set, value);
	if (g_hash_table_size(set) == 0)
		g_hash_table_remove(map, key);
}

static void
gs_sync_repo_target_free(GsSyncRepoTarget *target)
{
	g_strfreev(target->relays);
	g_free(target);
}

/* notifies each count property whose value changed since the last call */
static void
gs_sync_targets_update_counts(GsSyncTargets *self)
{
	guint n_repos = g_hash_table_size(self->repos);
	guint n_roots = g_hash_table_size(self->roots);

	if (n_repos != self->n_repos) {
		self->n_repos = n_repos;
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_REPOS]);
	}
	if (n_roots != self->n_roots) {
		self->n_roots = n_roots;
		g_object_notify_by_pspec(G_OBJECT(self), props[PROP_ROOT_EVENTS]);
	}
}

/* relays --------------------------------------------------------------------------------------- */

/* @urls: (nullable): our own relay URLs (normalised here; invalid ones dropped): never followed,
 * never a target */
void
gs_sync_targets_set_service_urls(GsSyncTargets *self, const gchar *const *urls)
{
	g_return_if_fail(GS_IS_SYNC_TARGETS(self));
	gs_sync_set_replace_urls(self->service_urls, urls);
}

/* returns: (transfer full): our service URLs, sorted */
gchar **
gs_sync_targets_dup_service_urls(GsSyncTargets *self)
{
	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), NULL);
	return gs_sync_set_to_strv(self->service_urls, NULL);
}

gboolean
gs_sync_targets_is_service_url(GsSyncTargets *self, const gchar *url)
{
	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), FALSE);
	return url != NULL && g_hash_table_contains(self->service_urls, url);
}

/* @urls: (nullable): the configured bootstrap relays (normalised here; invalid ones dropped):
 * always followed */
void
gs_sync_targets_set_bootstrap_relays(GsSyncTargets *self, const gchar *const *urls)
{
	g_return_if_fail(GS_IS_SYNC_TARGETS(self));
	gs_sync_set_replace_urls(self->bootstrap, urls);
}

gboolean
gs_sync_targets_is_bootstrap(GsSyncTargets *self, const gchar *url)
{
	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), FALSE);
	return url != NULL && g_hash_table_contains(self->bootstrap, url);
}

/**
 * gs_sync_targets_has_relay:
 *
 * Returns: %TRUE when @url is to be followed: a bootstrap relay or a relay named by a target
 *   repository, and not one of our service URLs
 */
gboolean
gs_sync_targets_has_relay(GsSyncTargets *self, const gchar *url)
{
	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), FALSE);
	if (url == NULL || g_hash_table_contains(self->service_urls, url))
		return FALSE;
	return g_hash_table_contains(self->bootstrap, url) ||
	       g_hash_table_contains(self->relay_repos, url);
}

/* returns: (transfer full): the relays to follow (gs_sync_targets_has_relay()), sorted */
gchar **
gs_sync_targets_dup_relays(GsSyncTargets *self)
{
	g_autoptr(GHashTable) set = g_hash_table_new(gs_filter_value_hash, g_str_equal);
	GHashTableIter iter;
	gpointer key;

	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), NULL);
	g_hash_table_iter_init(&iter, self->bootstrap);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_hash_table_add(set, key);
	g_hash_table_iter_init(&iter, self->relay_repos);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		g_hash_table_add(set, key);
	return gs_sync_set_to_strv(set, self->service_urls);
}

/* whether @announcement makes its repository ours, with our service URLs (see
 * gs_sync_announcement_is_ours()) */
gboolean
gs_sync_targets_is_ours(GsSyncTargets *self, const GsEvent *announcement)
{
	g_auto(GStrv) urls = NULL;

	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), FALSE);
	g_return_val_if_fail(announcement != NULL, FALSE);
	urls = gs_sync_targets_dup_service_urls(self);
	return gs_sync_announcement_is_ours(announcement, (const gchar *const *)urls);
}

/* repositories --------------------------------------------------------------------------------- */

static gchar **
gs_sync_targets_relays_copy(const gchar *const *relays)
{
	g_autoptr(GHashTable) set = gs_sync_set_new();

	gs_sync_set_replace_urls(set, relays);
	return gs_sync_set_to_strv(set, NULL);
}

static void
gs_sync_targets_link(GsSyncTargets *self, const gchar *coordinate, gchar **relays, gboolean add)
{
	for (guint i = 0; relays != NULL && relays[i] != NULL; i++) {
		if (add)
			gs_sync_multimap_add(self->relay_repos, relays[i], coordinate);
		else
			gs_sync_multimap_remove(self->relay_repos, relays[i], coordinate);
	}
}

/**
 * gs_sync_targets_set_repo:
 * @coordinate: `30617:<owner>:<d>` of an accepted announcement
 * @level: full (all layers) or state-only
 * @relays: (nullable): the relays to sync it from (the announcement's `relays` tag and GRASP
 *   clone hosts, as the caller derives them); normalised here, invalid ones dropped
 *
 * Adds or replaces a target repository; emits #GsSyncTargets::repo-changed when something
 * changed.
 *
 * Returns: %FALSE with %GS_ERROR_INVALID_ARGUMENT when @coordinate is not a repository's
 */
gboolean
gs_sync_targets_set_repo(GsSyncTargets *self,
			 const gchar *coordinate,
			 GsSyncLevel level,
			 const gchar *const *relays,
			 GError **error)
{
	GsSyncRepoTarget *target;
	g_auto(GStrv) copy = NULL;

	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), FALSE);
	if (!gs_sync_check_repo_coordinate(coordinate, NULL, error))
		return FALSE;
	copy = gs_sync_targets_relays_copy(relays);
	target = g_hash_table_lookup(self->repos, coordinate);
	if (target != NULL && target->level == level &&
	    g_strv_equal((const gchar *const *)target->relays, (const gchar *const *)copy))
		return TRUE;
	if (target == NULL) {
		target = g_new0(GsSyncRepoTarget, 1);
		g_hash_table_insert(self->repos, g_strdup(coordinate), target);
	}
	gs_sync_targets_link(self, coordinate, target->relays, FALSE);
	g_strfreev(target->relays);
	target->level = level;
	target->relays = g_steal_pointer(&copy);
	gs_sync_targets_link(self, coordinate, target->relays, TRUE);
	gs_sync_targets_update_counts(self);
	g_signal_emit(self, signals[SIGNAL_REPO_CHANGED], 0, coordinate);
	return TRUE;
}

static void
gs_sync_targets_drop_root(GsSyncTargets *self, const gchar *id)
{
	g_autoptr(GPtrArray) coordinates = gs_sync_set_sorted(g_hash_table_lookup(self->roots, id));

	for (guint i = 0; i < coordinates->len; i++)
		gs_sync_multimap_remove(self->repo_roots, g_ptr_array_index(coordinates, i), id);
	g_hash_table_remove(self->roots, id);
}

/**
 * gs_sync_targets_remove_repo:
 *
 * Drops a target repository (its announcement was deleted or is no longer accepted), and the
 * root events that named no other target. Emits #GsSyncTargets::root-changed for each root
 * dropped, then #GsSyncTargets::repo-changed.
 *
 * Returns: %TRUE when it was a target
 */
gboolean
gs_sync_targets_remove_repo(GsSyncTargets *self, const gchar *coordinate)
{
	GsSyncRepoTarget *target;
	g_autoptr(GPtrArray) ids = NULL;
	g_autoptr(GPtrArray) dropped = g_ptr_array_new_with_free_func(g_free);
	g_autofree gchar *copy = NULL;

	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), FALSE);
	target = coordinate != NULL ? g_hash_table_lookup(self->repos, coordinate) : NULL;
	if (target == NULL)
		return FALSE;
	coordinate = copy = g_strdup(coordinate);
	gs_sync_targets_link(self, coordinate, target->relays, FALSE);
	ids = gs_sync_set_sorted(g_hash_table_lookup(self->repo_roots, coordinate));
	for (guint i = 0; i < ids->len; i++) {
		const gchar *id = g_ptr_array_index(ids, i);
		gs_sync_multimap_remove(self->roots, id, coordinate);
		if (!g_hash_table_contains(self->roots, id))
			g_ptr_array_add(dropped, g_strdup(id));
	}
	g_hash_table_remove(self->repo_roots, coordinate);
	g_hash_table_remove(self->repos, coordinate);
	gs_sync_targets_update_counts(self);
	for (guint i = 0; i < dropped->len; i++)
		g_signal_emit(self, signals[SIGNAL_ROOT_CHANGED], 0, g_ptr_array_index(dropped, i));
	g_signal_emit(self, signals[SIGNAL_REPO_CHANGED], 0, coordinate);
	return TRUE;
}

/* returns: %TRUE when @coordinate is a target; @level (optional) receives its level */
gboolean
gs_sync_targets_get_repo_level(GsSyncTargets *self, const gchar *coordinate, GsSyncLevel *level)
{
	GsSyncRepoTarget *target;

	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), FALSE);
	target = coordinate != NULL ? g_hash_table_lookup(self->repos, coordinate) : NULL;
	if (target == NULL)
		return FALSE;
	if (level != NULL)
		*level = target->level;
	return TRUE;
}

/* returns: (transfer full) (nullable): the relays of a target repository, %NULL if unknown */
gchar **
gs_sync_targets_dup_repo_relays(GsSyncTargets *self, const gchar *coordinate)
{
	GsSyncRepoTarget *target;

	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), NULL);
	target = coordinate != NULL ? g_hash_table_lookup(self->repos, coordinate) : NULL;
	return target != NULL ? g_strdupv(target->relays) : NULL;
}

/*
 * whether @coordinate is a target to be synced from @relay (never from our service URLs).
 * Bootstrap relays are asked for every target: they are where an operator points us to find
 * history, and an announcement that names only our own service would otherwise never be
 * fetched beyond L1 from anywhere.
 */
gboolean
gs_sync_targets_repo_names_relay(GsSyncTargets *self, const gchar *coordinate, const gchar *relay)
{
	GHashTable *set;

	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), FALSE);
	if (relay == NULL || coordinate == NULL || g_hash_table_contains(self->service_urls, relay))
		return FALSE;
	if (g_hash_table_contains(self->bootstrap, relay))
		return g_hash_table_contains(self->repos, coordinate);
	set = g_hash_table_lookup(self->relay_repos, relay);
	return set != NULL && g_hash_table_contains(set, coordinate);
}

/* returns: (transfer full) (element-type utf8): the targets to sync from @relay, sorted; none
 * for our service URLs */
GPtrArray *
gs_sync_targets_dup_relay_repos(GsSyncTargets *self, const gchar *relay)
{
	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), NULL);
	if (relay == NULL || g_hash_table_contains(self->service_urls, relay))
		return gs_sync_set_sorted(NULL);
	if (g_hash_table_contains(self->bootstrap, relay))
		return gs_sync_set_sorted(self->repos);
	return gs_sync_set_sorted(g_hash_table_lookup(self->relay_repos, relay));
}

/**
 * gs_sync_targets_filter_by_level:
 * @coordinates: (element-type utf8) (nullable): e.g. the repositories of a diff or a batch
 *
 * Returns: (transfer full) (element-type utf8): those of @coordinates that are targets at
 *   @level, in the same order (to split items for gs_sync_filters_items())
 */
GPtrArray *
gs_sync_targets_filter_by_level(GsSyncTargets *self, GPtrArray *coordinates, GsSyncLevel level)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), out);
	for (guint i = 0; coordinates != NULL && i < coordinates->len; i++) {
		const gchar *coordinate = g_ptr_array_index(coordinates, i);
		GsSyncLevel found;
		if (gs_sync_targets_get_repo_level(self, coordinate, &found) && found == level)
			g_ptr_array_add(out, g_strdup(coordinate));
	}
	return out;
}

guint
gs_sync_targets_get_n_repos(GsSyncTargets *self)
{
	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), 0);
	return g_hash_table_size(self->repos);
}

/* root events ---------------------------------------------------------------------------------- */

/**
 * gs_sync_targets_add_root:
 * @id: the root event's id
 * @coordinate: a target repository the root names in an `a` tag
 *
 * Records a root event (a patch, pull request or issue) of a target repository; call it for
 * every target the event names. Emits #GsSyncTargets::root-changed when it is news.
 *
 * Returns: %FALSE with @error set when @id is not an event id (%GS_ERROR_INVALID_ARGUMENT) or
 *   @coordinate is not a target (%GS_ERROR_NOT_FOUND)
 */
gboolean
gs_sync_targets_add_root(GsSyncTargets *self,
			 const gchar *id,
			 const gchar *coordinate,
			 GError **error)
{
	GHashTable *known;

	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), FALSE);
	if (!gs_sync_check_event_id(id, error))
		return FALSE;
	if (coordinate == NULL || !g_hash_table_contains(self->repos, coordinate)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_NOT_FOUND,
			    "not a target repository: %.80s",
			    coordinate != NULL ? coordinate : "(null)");
		return FALSE;
	}
	known = g_hash_table_lookup(self->roots, id);
	if (known != NULL && g_hash_table_contains(known, coordinate))
		return TRUE;
	gs_sync_multimap_add(self->roots, id, coordinate);
	gs_sync_multimap_add(self->repo_roots, coordinate, id);
	gs_sync_targets_update_counts(self);
	g_signal_emit(self, signals[SIGNAL_ROOT_CHANGED], 0, id);
	return TRUE;
}

/* returns: %TRUE when @id was a root event; emits #GsSyncTargets::root-changed then */
gboolean
gs_sync_targets_remove_root(GsSyncTargets *self, const gchar *id)
{
	g_autofree gchar *copy = NULL;

	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), FALSE);
	if (id == NULL || !g_hash_table_contains(self->roots, id))
		return FALSE;
	copy = g_strdup(id);
	gs_sync_targets_drop_root(self, copy);
	gs_sync_targets_update_counts(self);
	g_signal_emit(self, signals[SIGNAL_ROOT_CHANGED], 0, copy);
	return TRUE;
}

gboolean
gs_sync_targets_has_root(GsSyncTargets *self, const gchar *id)
{
	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), FALSE);
	return id != NULL && g_hash_table_contains(self->roots, id);
}

/* returns: (transfer full) (element-type utf8): the root events of @coordinate, sorted */
GPtrArray *
gs_sync_targets_dup_repo_roots(GsSyncTargets *self, const gchar *coordinate)
{
	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), NULL);
	if (coordinate == NULL)
		return gs_sync_set_sorted(NULL);
	return gs_sync_set_sorted(g_hash_table_lookup(self->repo_roots, coordinate));
}

/* returns: whether root @id belongs to a full target repository synced from @relay */
gboolean
gs_sync_targets_root_wanted_from(GsSyncTargets *self, const gchar *id, const gchar *relay)
{
	GHashTable *coordinates;
	GHashTableIter iter;
	gpointer key;

	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), FALSE);
	coordinates = id != NULL ? g_hash_table_lookup(self->roots, id) : NULL;
	if (coordinates == NULL)
		return FALSE;
	g_hash_table_iter_init(&iter, coordinates);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		GsSyncRepoTarget *target = g_hash_table_lookup(self->repos, key);
		if (target != NULL && target->level == GS_SYNC_LEVEL_FULL &&
		    gs_sync_targets_repo_names_relay(self, key, relay))
			return TRUE;
	}
	return FALSE;
}

guint
gs_sync_targets_get_n_roots(GsSyncTargets *self)
{
	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), 0);
	return g_hash_table_size(self->roots);
}

/**
 * gs_sync_targets_match_root:
 * @event: any event
 *
 * The root rule (specs/sync.md 2): a patch, pull request or issue is a root event of every
 * target repository that **any** of its `a` tags names.
 *
 * Returns: (transfer full) (nullable) (element-type utf8): the target coordinates @event names,
 *   sorted, or %NULL when it is not a root event
 */
GPtrArray *
gs_sync_targets_match_root(GsSyncTargets *self, const GsEvent *event)
{
	g_autoptr(GHashTable) found = gs_sync_set_new();

	g_return_val_if_fail(GS_IS_SYNC_TARGETS(self), NULL);
	g_return_val_if_fail(event != NULL, NULL);
	if (!gs_sync_kind_is_root(gs_event_get_kind(event)))
		return NULL;
	for (guint i = 0; i < gs_event_get_n_tags(event); i++) {
		const gchar *const *tag = gs_event_get_tag(event, i);
		if (g_strcmp0(tag[0], "a") == 0 && tag[1] != NULL &&
		    g_hash_table_contains(self->repos, tag[1]))
			g_hash_table_add(found, g_strdup(tag[1]));
	}
	if (g_hash_table_size(found) == 0)
		return NULL;
	return gs_sync_set_sorted(found);
}

/* applies the root rule and records @event as a root of every target it names; returns: %TRUE
 * when it is a root event */
gboolean
gs_sync_targets_add_root_event(GsSyncTargets *self, const GsEvent *event)
{
	g_autoptr(GPtrArray) coordinates = gs_sync_targets_match_root(self, event);

	if (coordinates == NULL)
		return FALSE;
	/* cannot fail: the id is a parsed event's, each coordinate a target */
	for (guint i = 0; i < coordinates->len; i++)
		gs_sync_targets_add_root(
			self, gs_event_get_id(event), g_ptr_array_index(coordinates, i), NULL);
	return TRUE;
}

/* GObject -------------------------------------------------------------------------------------- */

static void
gs_sync_targets_get_property(GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
	GsSyncTargets *self = GS_SYNC_TARGETS(object);

	switch (prop_id) {
	case PROP_REPOS:
		g_value_set_uint(value, g_hash_table_size(self->repos));
		break;
	case PROP_ROOT_EVENTS:
		g_value_set_uint(value, g_hash_table_size(self->roots));
		break;
	default:
		G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
		break;
	}
}

static void
gs_sync_targets_finalize(GObject *object)
{
	GsSyncTargets *self = GS_SYNC_TARGETS(object);

	g_hash_table_unref(self->service_urls);
	g_hash_table_unref(self->bootstrap);
	g_hash_table_unref(self->repos);
	g_hash_table_unref(self->relay_repos);
	g_hash_table_unref(self->roots);
	g_hash_table_unref(self->repo_roots);
	G_OBJECT_CLASS(gs_sync_targets_parent_class)->finalize(object);
}

static void
gs_sync_targets_class_init(GsSyncTargetsClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	const GParamFlags flags =
		G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

	object_class->get_property = gs_sync_targets_get_property;
	object_class->finalize = gs_sync_targets_finalize;

	/* target repositories */
	props[PROP_REPOS] = g_param_spec_uint("repos", NULL, NULL, 0, G_MAXUINT, 0, flags);
	/* known root events */
	props[PROP_ROOT_EVENTS] =
		g_param_spec_uint("root-events", NULL, NULL, 0, G_MAXUINT, 0, flags);
	g_object_class_install_properties(object_class, N_PROPS, props);

	/**
	 * GsSyncTargets::repo-changed:
	 * @coordinate: a repository that was added, removed, or changed level or relays
	 */
	signals[SIGNAL_REPO_CHANGED] = g_signal_new("repo-changed",
						    G_TYPE_FROM_CLASS(klass),
						    G_SIGNAL_RUN_LAST,
						    0,
						    NULL,
						    NULL,
						    NULL,
						    G_TYPE_NONE,
						    1,
						    G_TYPE_STRING);
	/**
	 * GsSyncTargets::root-changed:
	 * @id: a root event that was added, removed, or now names other targets
	 */
	signals[SIGNAL_ROOT_CHANGED] = g_signal_new("root-changed",
						    G_TYPE_FROM_CLASS(klass),
						    G_SIGNAL_RUN_LAST,
						    0,
						    NULL,
						    NULL,
						    NULL,
						    G_TYPE_NONE,
						    1,
						    G_TYPE_STRING);
}

static void
gs_sync_targets_init(GsSyncTargets *self)
{
	self->service_urls = gs_sync_set_new();
	self->bootstrap = gs_sync_set_new();
	self->repos = gs_sync_map_new((GDestroyNotify)gs_sync_repo_target_free);
	self->relay_repos = gs_sync_map_new((GDestroyNotify)g_hash_table_unref);
	self->roots = gs_sync_map_new((GDestroyNotify)g_hash_table_unref);
	self->repo_roots = gs_sync_map_new((GDestroyNotify)g_hash_table_unref);
}

GsSyncTargets *
gs_sync_targets_new(void)
{
	return g_object_new(GS_TYPE_SYNC_TARGETS, NULL);
}
