/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsRejectedIndex"

#include "config.h"

#include <string.h>

#include "gs-enums-types.h"
#include "gs-error.h"
#include "gs-hex.h"
#include "gs-rejected-index.h"

/* the GVariant type of gs_rejected_index_export(): one tuple per cold entry */
#define GS_REJECTED_INDEX_STATE_TYPE "a(sxqasx)"

typedef struct {
	gchar id[65];
	guint8 id_raw[32];
	gint64 created_at;
	guint kind;
	GsRejectedEventType type;
	GStrv keys;	    /* dependency keys it is filed under; may be empty */
	guint64 seq;	    /* insertion order, to hand events back in arrival order */
	gint64 cold_expiry; /* microseconds, wall clock */
	gint64 hot_expiry;  /* only meaningful while @event is set */
	GsEvent *event;	    /* the hot tier; NULL once expired or for refused events */
	GList *hot_link;    /* in hot_order while @event is set */
} GsRejectedEntry;

struct _GsRejectedIndex {
	GObject parent_instance;
	guint hot_secs;
	guint cold_secs;
	GsClockFunc clock;
	gpointer clock_data;
	guint64 next_seq;
	GHashTable *entries; /* id hex -> GsRejectedEntry (owned) */
	GHashTable *by_key;  /* dependency key -> GHashTable set of GsRejectedEntry */
	GQueue hot_order;    /* entries with an event, oldest first */
	guint max_hot;
	GsRejectedIndexCounters counters[GS_REJECTED_EVENT_TYPE_LAST];
};

G_DEFINE_FINAL_TYPE(GsRejectedIndex, gs_rejected_index, G_TYPE_OBJECT)

static void
gs_rejected_entry_free(GsRejectedEntry *entry)
{
	g_strfreev(entry->keys);
	g_clear_pointer(&entry->event, gs_event_unref);
	g_free(entry);
}

static gint64
gs_rejected_index_default_clock(gpointer user_data)
{
	return g_get_real_time();
}

static gint64
gs_rejected_index_now(GsRejectedIndex *self)
{
	return self->clock(self->clock_data);
}

/**
 * gs_rejected_event_type_for_kind:
 *
 * Returns: the `event_type` metric label class of @kind
 */
GsRejectedEventType
gs_rejected_event_type_for_kind(guint kind)
{
	if (kind == 30617)
		return GS_REJECTED_EVENT_TYPE_ANNOUNCEMENT;
	if (kind == 30618)
		return GS_REJECTED_EVENT_TYPE_STATE;
	return GS_REJECTED_EVENT_TYPE_OTHER;
}

/**
 * gs_rejected_event_type_to_string:
 *
 * Returns: the nick ("announcement", "state", "other"), the `event_type` label value
 */
const gchar *
gs_rejected_event_type_to_string(GsRejectedEventType event_type)
{
	static GEnumClass *klass = NULL;
	GEnumValue *value;

	if (g_once_init_enter(&klass))
		g_once_init_leave(&klass, g_type_class_ref(GS_TYPE_REJECTED_EVENT_TYPE));
	value = g_enum_get_value(klass, event_type);
	return value != NULL ? value->value_nick : NULL;
}

static void
gs_rejected_index_unfile(GsRejectedIndex *self, GsRejectedEntry *entry)
{
	for (guint i = 0; entry->keys[i] != NULL; i++) {
		GHashTable *set = g_hash_table_lookup(self->by_key, entry->keys[i]);
		if (set == NULL)
			continue;
		g_hash_table_remove(set, entry);
		if (g_hash_table_size(set) == 0)
			g_hash_table_remove(self->by_key, entry->keys[i]);
	}
}

static void
gs_rejected_index_file(GsRejectedIndex *self, GsRejectedEntry *entry)
{
	for (guint i = 0; entry->keys[i] != NULL; i++) {
		GHashTable *set = g_hash_table_lookup(self->by_key, entry->keys[i]);
		if (set == NULL) {
			set = g_hash_table_new(g_direct_hash, g_direct_equal);
			g_hash_table_insert(self->by_key, g_strdup(entry->keys[i]), set);
		}
		g_hash_table_add(set, entry);
	}
}

/* drops the event of @entry (the hot tier); its id stays in the cold tier */
static void
gs_rejected_index_drop_hot(GsRejectedIndex *self, GsRejectedEntry *entry, gboolean expired)
{
	GsRejectedIndexCounters *c = &self->counters[entry->type];

	if (entry->event == NULL)
		return;
	g_clear_pointer(&entry->event, gs_event_unref);
	g_queue_delete_link(&self->hot_order, g_steal_pointer(&entry->hot_link));
	c->hot_current--;
	if (expired)
		c->hot_expired++;
}

/* removes @entry from every table and the live counters, and frees it */
static void
gs_rejected_index_remove_entry(GsRejectedIndex *self, GsRejectedEntry *entry)
{
	GsRejectedIndexCounters *c = &self->counters[entry->type];

	gs_rejected_index_unfile(self, entry);
	gs_rejected_index_drop_hot(self, entry, FALSE);
	c->cold_current--;
	g_hash_table_remove(self->entries, entry->id);
}

/* the keys, without duplicates and empty strings, in their order */
static GStrv
gs_rejected_index_dup_keys(const gchar *const *dependencies)
{
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; dependencies != NULL && dependencies[i] != NULL; i++) {
		if (dependencies[i][0] == '\0' ||
		    !g_hash_table_add(seen, (gpointer)dependencies[i]))
			continue;
		g_strv_builder_add(builder, dependencies[i]);
	}
	return g_strv_builder_end(builder);
}

static GsRejectedEntry *
gs_rejected_index_insert(GsRejectedIndex *self,
			 const gchar *id_hex,
			 gint64 created_at,
			 guint kind,
			 GStrv keys,
			 gint64 cold_expiry)
{
	GsRejectedEntry *entry = g_hash_table_lookup(self->entries, id_hex);

	/* a re-added id replaces its old entry: the newest decision counts */
	if (entry != NULL)
		gs_rejected_index_remove_entry(self, entry);
	entry = g_new0(GsRejectedEntry, 1);
	memcpy(entry->id, id_hex, 64);
	gs_hex_decode_to(id_hex, 64, entry->id_raw, 32);
	entry->created_at = created_at;
	entry->kind = kind;
	entry->type = gs_rejected_event_type_for_kind(kind);
	entry->keys = keys;
	entry->seq = self->next_seq++;
	entry->cold_expiry = cold_expiry;
	g_hash_table_insert(self->entries, entry->id, entry);
	gs_rejected_index_file(self, entry);
	self->counters[entry->type].cold_current++;
	return entry;
}

/**
 * gs_rejected_index_add_deferred:
 * @event: a verified event the policy deferred
 * @dependencies: (array zero-terminated=1): the keys whose arrival may make it acceptable
 *
 * Files @event in both tiers. Adding an id that is already held replaces its entry.
 */
void
gs_rejected_index_add_deferred(GsRejectedIndex *self,
			       GsEvent *event,
			       const gchar *const *dependencies)
{
	gint64 now = gs_rejected_index_now(self);
	GsRejectedEntry *entry;

	g_return_if_fail(GS_IS_REJECTED_INDEX(self));
	g_return_if_fail(event != NULL);

	entry = gs_rejected_index_insert(self,
					 gs_event_get_id(event),
					 gs_event_get_created_at(event),
					 gs_event_get_kind(event),
					 gs_rejected_index_dup_keys(dependencies),
					 now + (gint64)self->cold_secs * G_USEC_PER_SEC);
	entry->event = gs_event_ref(event);
	entry->hot_expiry = now + (gint64)self->hot_secs * G_USEC_PER_SEC;
	g_queue_push_tail(&self->hot_order, entry);
	entry->hot_link = self->hot_order.tail;
	self->counters[entry->type].hot_current++;
	/* a flood of orphans must not grow memory without bound: the oldest leave early */
	while (self->hot_order.length > self->max_hot)
		gs_rejected_index_drop_hot(self, self->hot_order.head->data, TRUE);
}

/**
 * gs_rejected_index_add_rejected:
 * @event: a verified event the policy refused
 * @dependencies: (array zero-terminated=1) (nullable): keys whose arrival should let it be
 *   fetched again (for example the coordinate of an author who may later be listed as a
 *   maintainer)
 *
 * Files the id of @event in the cold tier only.
 */
void
gs_rejected_index_add_rejected(GsRejectedIndex *self,
			       GsEvent *event,
			       const gchar *const *dependencies)
{
	g_return_if_fail(GS_IS_REJECTED_INDEX(self));
	g_return_if_fail(event != NULL);

	gs_rejected_index_insert(self,
				 gs_event_get_id(event),
				 gs_event_get_created_at(event),
				 gs_event_get_kind(event),
				 gs_rejected_index_dup_keys(dependencies),
				 gs_rejected_index_now(self) +
					 (gint64)self->cold_secs * G_USEC_PER_SEC);
}

static gint
gs_rejected_entry_cmp_seq(gconstpointer a, gconstpointer b)
{
	const GsRejectedEntry *ea = *(GsRejectedEntry *const *)a;
	const GsRejectedEntry *eb = *(GsRejectedEntry *const *)b;
	return ea->seq < eb->seq ? -1 : (ea->seq > eb->seq ? 1 : 0);
}

/* the entries filed under @key, in insertion order */
static GPtrArray *
gs_rejected_index_dup_filed(GsRejectedIndex *self, const gchar *key)
{
	GHashTable *set = g_hash_table_lookup(self->by_key, key);
	GPtrArray *filed = g_ptr_array_new();
	GHashTableIter iter;
	gpointer entry;

	if (set == NULL)
		return filed;
	g_hash_table_iter_init(&iter, set);
	while (g_hash_table_iter_next(&iter, &entry, NULL))
		g_ptr_array_add(filed, entry);
	g_ptr_array_sort(filed, gs_rejected_entry_cmp_seq);
	return filed;
}

/**
 * gs_rejected_index_take_dependents:
 * @key: a dependency key that just became available (a stored event's id or coordinate)
 *
 * Invalidates every entry filed under @key (it leaves both tiers: its id may be fetched
 * again) and returns the events that were still in the hot tier, in the order they were
 * added, for re-processing. Expired entries are not returned (they count as misses).
 *
 * Returns: (transfer full) (element-type GsEvent): the events, possibly none
 */
GPtrArray *
gs_rejected_index_take_dependents(GsRejectedIndex *self, const gchar *key)
{
	g_autoptr(GPtrArray) filed = NULL;
	GPtrArray *events = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	gint64 now;

	g_return_val_if_fail(GS_IS_REJECTED_INDEX(self), events);
	g_return_val_if_fail(key != NULL, events);

	if (!g_hash_table_contains(self->by_key, key))
		return events;
	now = gs_rejected_index_now(self);
	filed = gs_rejected_index_dup_filed(self, key);
	for (guint i = 0; i < filed->len; i++) {
		GsRejectedEntry *entry = g_ptr_array_index(filed, i);
		GsRejectedIndexCounters *c = &self->counters[entry->type];

		c->invalidated++;
		if (entry->event != NULL && entry->hot_expiry > now) {
			c->hot_hits++;
			g_ptr_array_add(events, gs_event_ref(entry->event));
		} else {
			c->hot_misses++;
		}
		gs_rejected_index_remove_entry(self, entry);
	}
	return events;
}

/**
 * gs_rejected_index_contains:
 * @id_hex: an event id
 *
 * Returns: %TRUE when @id_hex is held (in either tier) and not expired
 */
gboolean
gs_rejected_index_contains(GsRejectedIndex *self, const gchar *id_hex)
{
	GsRejectedEntry *entry;

	g_return_val_if_fail(GS_IS_REJECTED_INDEX(self), FALSE);
	entry = g_hash_table_lookup(self->entries, id_hex);
	return entry != NULL && entry->cold_expiry > gs_rejected_index_now(self);
}

/**
 * gs_rejected_index_has_dependents:
 *
 * Returns: %TRUE when some entry is filed under @key
 */
gboolean
gs_rejected_index_has_dependents(GsRejectedIndex *self, const gchar *key)
{
	g_return_val_if_fail(GS_IS_REJECTED_INDEX(self), FALSE);
	return g_hash_table_contains(self->by_key, key);
}

/**
 * gs_rejected_index_has_any_dependents:
 *
 * Returns: %TRUE when some entry is filed under some key: %FALSE lets a caller skip computing
 *   the keys an arriving event makes available
 */
gboolean
gs_rejected_index_has_any_dependents(GsRejectedIndex *self)
{
	g_return_val_if_fail(GS_IS_REJECTED_INDEX(self), FALSE);
	return g_hash_table_size(self->by_key) > 0;
}

/**
 * gs_rejected_index_expire:
 *
 * Drops hot events and cold entries whose TTL has passed. The owner calls it from a timer;
 * lookups ignore expired entries in between.
 *
 * Returns: the number of hot events and cold entries dropped
 */
guint
gs_rejected_index_expire(GsRejectedIndex *self)
{
	gint64 now = gs_rejected_index_now(self);
	g_autoptr(GPtrArray) dead = g_ptr_array_new();
	GHashTableIter iter;
	gpointer value;
	guint dropped = 0;

	g_return_val_if_fail(GS_IS_REJECTED_INDEX(self), 0);

	g_hash_table_iter_init(&iter, self->entries);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsRejectedEntry *entry = value;

		if (entry->event != NULL &&
		    (entry->hot_expiry <= now || entry->cold_expiry <= now)) {
			gs_rejected_index_drop_hot(self, entry, TRUE);
			dropped++;
		}
		if (entry->cold_expiry <= now)
			g_ptr_array_add(dead, entry);
	}
	for (guint i = 0; i < dead->len; i++) {
		GsRejectedEntry *entry = g_ptr_array_index(dead, i);
		self->counters[entry->type].cold_expired++;
		gs_rejected_index_remove_entry(self, entry);
		dropped++;
	}
	return dropped;
}

static gint
gs_store_item_cmp(gconstpointer a, gconstpointer b)
{
	const GsStoreItem *ia = a;
	const GsStoreItem *ib = b;
	if (ia->created_at != ib->created_at)
		return ia->created_at < ib->created_at ? -1 : 1;
	return memcmp(ia->id, ib->id, 32);
}

/**
 * gs_rejected_index_dup_items:
 *
 * The ids to add to a negentropy local set so that a peer does not send them again.
 *
 * Returns: (transfer full) (element-type GsStoreItem): the unexpired entries' (created_at,
 *   id), sorted as NIP-77 wants them
 */
GArray *
gs_rejected_index_dup_items(GsRejectedIndex *self)
{
	GArray *items = g_array_new(FALSE, FALSE, sizeof(GsStoreItem));
	gint64 now = gs_rejected_index_now(self);
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->entries);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsRejectedEntry *entry = value;
		GsStoreItem item;

		if (entry->cold_expiry <= now)
			continue;
		item.created_at = (guint64)entry->created_at;
		memcpy(item.id, entry->id_raw, 32);
		g_array_append_val(items, item);
	}
	g_array_sort(items, gs_store_item_cmp);
	return items;
}

static gint
gs_rejected_index_cmp_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const gchar *const *)a, *(const gchar *const *)b);
}

/**
 * gs_rejected_index_dup_ids:
 *
 * Returns: (transfer full): the unexpired ids (hex), sorted
 */
GStrv
gs_rejected_index_dup_ids(GsRejectedIndex *self)
{
	g_autoptr(GPtrArray) ids = g_ptr_array_new();
	gint64 now = gs_rejected_index_now(self);
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->entries);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		GsRejectedEntry *entry = value;
		if (entry->cold_expiry > now)
			g_ptr_array_add(ids, g_strdup(entry->id));
	}
	g_ptr_array_sort(ids, gs_rejected_index_cmp_strings);
	g_ptr_array_add(ids, NULL);
	return (GStrv)g_ptr_array_steal(ids, NULL);
}

/**
 * gs_rejected_index_get_counters:
 * @counters: (out caller-allocates): the values for @event_type
 */
void
gs_rejected_index_get_counters(GsRejectedIndex *self,
			       GsRejectedEventType event_type,
			       GsRejectedIndexCounters *counters)
{
	g_return_if_fail(GS_IS_REJECTED_INDEX(self));
	g_return_if_fail(event_type < GS_REJECTED_EVENT_TYPE_LAST);
	*counters = self->counters[event_type];
}

/**
 * gs_rejected_index_export:
 *
 * The cold tier as a GVariant of type `a(sxqasx)`: (id, created_at, kind, dependency keys,
 * expiry in microseconds since the epoch) per unexpired entry, in insertion order.
 *
 * Returns: (transfer full): a floating-free GVariant
 */
GVariant *
gs_rejected_index_export(GsRejectedIndex *self)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new();
	GVariantBuilder builder;
	gint64 now = gs_rejected_index_now(self);
	GHashTableIter iter;
	gpointer value;

	g_hash_table_iter_init(&iter, self->entries);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_ptr_array_add(all, value);
	g_ptr_array_sort(all, gs_rejected_entry_cmp_seq);
	g_variant_builder_init(&builder, G_VARIANT_TYPE(GS_REJECTED_INDEX_STATE_TYPE));
	for (guint i = 0; i < all->len; i++) {
		GsRejectedEntry *entry = g_ptr_array_index(all, i);
		if (entry->cold_expiry <= now)
			continue;
		g_variant_builder_add(&builder,
				      "(sxq^asx)",
				      entry->id,
				      entry->created_at,
				      (guint16)entry->kind,
				      entry->keys,
				      entry->cold_expiry);
	}
	return g_variant_ref_sink(g_variant_builder_end(&builder));
}

/**
 * gs_rejected_index_import:
 * @state: a GVariant from gs_rejected_index_export()
 *
 * Adds the cold entries of @state (expired ones are skipped; an id already held is replaced).
 *
 * Returns: %TRUE on success; %FALSE with %GS_ERROR_INVALID_ARGUMENT (nothing imported) when
 *   @state has the wrong type or holds a malformed id
 */
gboolean
gs_rejected_index_import(GsRejectedIndex *self, GVariant *state, GError **error)
{
	gint64 now = gs_rejected_index_now(self);
	GVariantIter iter;
	const gchar *id;
	const gchar **keys;
	gint64 created_at;
	gint64 expiry;
	guint16 kind;

	g_return_val_if_fail(GS_IS_REJECTED_INDEX(self), FALSE);
	if (!g_variant_is_of_type(state, G_VARIANT_TYPE(GS_REJECTED_INDEX_STATE_TYPE))) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "rejected index state has type %s, expected %s",
			    g_variant_get_type_string(state),
			    GS_REJECTED_INDEX_STATE_TYPE);
		return FALSE;
	}
	g_variant_iter_init(&iter, state);
	while (g_variant_iter_next(&iter, "(&sxq^a&sx)", &id, &created_at, &kind, &keys, &expiry)) {
		gboolean ok = gs_hex_is_lower(id, 64) && created_at >= 0;
		g_free(keys);
		if (!ok) {
			g_set_error(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "rejected index state holds a malformed entry %.70s",
				    id);
			return FALSE;
		}
	}
	g_variant_iter_init(&iter, state);
	while (g_variant_iter_next(&iter, "(&sxq^a&sx)", &id, &created_at, &kind, &keys, &expiry)) {
		if (expiry > now) {
			gs_rejected_index_insert(self,
						 id,
						 created_at,
						 kind,
						 gs_rejected_index_dup_keys(keys),
						 expiry);
		}
		g_free(keys);
	}
	return TRUE;
}

/**
 * gs_rejected_index_set_clock:
 * @clock: (nullable): the clock, or %NULL for g_get_real_time()
 */
void
gs_rejected_index_set_clock(GsRejectedIndex *self, GsClockFunc clock, gpointer user_data)
{
	g_return_if_fail(GS_IS_REJECTED_INDEX(self));
	self->clock = clock != NULL ? clock : gs_rejected_index_default_clock;
	self->clock_data = user_data;
}

/**
 * gs_rejected_index_set_max_hot:
 * @max_hot: the most events the hot tier holds (default 20,000); beyond it the oldest leave
 *   the hot tier early (counted as expired) and keep only their cold entry
 */
void
gs_rejected_index_set_max_hot(GsRejectedIndex *self, guint max_hot)
{
	g_return_if_fail(GS_IS_REJECTED_INDEX(self));
	self->max_hot = max_hot;
	while (self->hot_order.length > self->max_hot)
		gs_rejected_index_drop_hot(self, self->hot_order.head->data, TRUE);
}

guint
gs_rejected_index_get_hot_secs(GsRejectedIndex *self)
{
	g_return_val_if_fail(GS_IS_REJECTED_INDEX(self), 0);
	return self->hot_secs;
}

guint
gs_rejected_index_get_cold_secs(GsRejectedIndex *self)
{
	g_return_val_if_fail(GS_IS_REJECTED_INDEX(self), 0);
	return self->cold_secs;
}

static void
gs_rejected_index_finalize(GObject *object)
{
	GsRejectedIndex *self = GS_REJECTED_INDEX(object);

	g_queue_clear(&self->hot_order);
	g_hash_table_unref(self->by_key);
	g_hash_table_unref(self->entries);
	G_OBJECT_CLASS(gs_rejected_index_parent_class)->finalize(object);
}

static void
gs_rejected_index_class_init(GsRejectedIndexClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->finalize = gs_rejected_index_finalize;
}

static void
gs_rejected_index_init(GsRejectedIndex *self)
{
	self->clock = gs_rejected_index_default_clock;
	self->max_hot = GS_REJECTED_INDEX_DEFAULT_MAX_HOT;
	g_queue_init(&self->hot_order);
	self->entries = g_hash_table_new_full(
		g_str_hash, g_str_equal, NULL, (GDestroyNotify)gs_rejected_entry_free);
	self->by_key = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
}

/**
 * gs_rejected_index_new:
 * @hot_secs: how long deferred events stay whole (`rejected-hot-cache-duration-secs`, 120)
 * @cold_secs: how long ids stay (`rejected-cold-index-expiry-secs`, 604800)
 *
 * Returns: (transfer full): a new, empty index
 */
GsRejectedIndex *
gs_rejected_index_new(guint hot_secs, guint cold_secs)
{
	GsRejectedIndex *self = g_object_new(GS_TYPE_REJECTED_INDEX, NULL);
	self->hot_secs = hot_secs;
	self->cold_secs = cold_secs;
	return self;
}
