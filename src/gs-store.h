/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib-object.h>
#include <sqlite3.h>

#include "gs-enums.h"
#include "gs-event.h"
#include "gs-filter.h"

G_BEGIN_DECLS

#define GS_TYPE_STORE (gs_store_get_type())
G_DECLARE_FINAL_TYPE(GsStore, gs_store, GS, STORE, GObject)

/**
 * GsStore:
 *
 * The SQLite 3 event store (WAL mode). It keeps NIP-01 events with replaceable and addressable
 * semantics (one version per key, the newest; ties go to the lowest id) and honours NIP-09
 * deletions. Every write is one transaction, so a crash at any instant leaves a consistent
 * store and every committed batch survives a process crash.
 *
 * The store is used from the thread that created it (the main context); it is not thread-safe.
 * It does not check ids or signatures: callers store only verified events.
 *
 * Signals:
 * - `event-stored` (GsEvent *event): emitted once for each event whose result was
 *   %GS_STORE_RESULT_STORED or %GS_STORE_RESULT_REPLACED, after the transaction that wrote it
 *   committed, in insertion order. Never for duplicates or refused events. If a later event of
 *   the same batch replaced or deleted it, it is still announced (its result said stored).
 */

/**
 * GsStoreItem:
 * @created_at: the event's created_at (never negative)
 * @id: the event id, raw 32 bytes
 *
 * One element of a negentropy (NIP-77) item set.
 */
typedef struct {
	guint64 created_at;
	guint8 id[32];
} GsStoreItem;

/**
 * GsStoreInsertHook:
 * @store: the store
 * @db: the store's connection, inside the open write transaction
 * @event: the event just written
 * @seq: the event's row number (see gs_store_lookup_seq())
 * @result: %GS_STORE_RESULT_STORED or %GS_STORE_RESULT_REPLACED
 * @user_data: the data given to gs_store_set_insert_hook()
 * @error: a #GError
 *
 * Called inside the write transaction for each stored event, after its rows are written, so
 * that another table (the home-relay outbox) is written atomically with the event. The hook
 * may run statements on @db but must not begin, commit or roll back a transaction, must not
 * call back into @store, and must finalize or reset its statements before returning.
 *
 * Returns: %TRUE on success; on %FALSE (with @error set) the whole transaction is rolled back
 *   and the insert call fails with that error.
 */
typedef gboolean (*GsStoreInsertHook)(GsStore *store,
				      sqlite3 *db,
				      GsEvent *event,
				      gint64 seq,
				      GsStoreResult result,
				      gpointer user_data,
				      GError **error);

/**
 * gs_store_new:
 * @path: the database file, created when missing (its directory must exist); ":memory:" gives
 *   a private in-memory store (no WAL) for tests
 * @error: a #GError
 *
 * Opens or creates the store: WAL journal, synchronous=NORMAL, foreign keys on, a busy
 * timeout, and the schema migrated to the newest version this code knows.
 *
 * Returns: (transfer full) (nullable): the store, or %NULL with %GS_ERROR_STORE set when the
 *   file cannot be opened, is not a database, is corrupt, or has a schema version newer than
 *   this code knows (the message names both versions).
 */
GsStore *
gs_store_new(const gchar *path, GError **error);

/**
 * gs_store_get_path:
 *
 * Returns: (transfer none): the path given to gs_store_new()
 */
const gchar *
gs_store_get_path(GsStore *self);

/**
 * gs_store_get_schema_version:
 *
 * Returns: the schema version (`PRAGMA user_version`) of the open database
 */
guint
gs_store_get_schema_version(GsStore *self);

/**
 * gs_store_get_db:
 *
 * For classes that keep their own tables in the store (sync state, outbox): run statements
 * on the store's connection. Do not close it, and do not leave a transaction open.
 *
 * Returns: (transfer none): the SQLite connection, valid for the life of @self
 */
sqlite3 *
gs_store_get_db(GsStore *self);

/**
 * gs_store_set_insert_hook:
 * @hook: (nullable): the hook, or %NULL to remove it
 * @user_data: (closure): data for @hook
 * @destroy: (nullable): frees @user_data when the hook is replaced or the store finalized
 *
 * Sets the one insert hook (see #GsStoreInsertHook), replacing any previous one. Set by the
 * store's owner (the daemon) before the first insert.
 */
void
gs_store_set_insert_hook(GsStore *self,
			 GsStoreInsertHook hook,
			 gpointer user_data,
			 GDestroyNotify destroy);

/**
 * gs_store_insert:
 * @event: a verified event
 * @result: (out) (optional): what happened to it
 * @error: a #GError
 *
 * Inserts one event in a transaction of its own; see gs_store_insert_batch().
 *
 * Returns: %TRUE when the event was processed (whatever the @result); %FALSE with
 *   %GS_ERROR_INVALID_ARGUMENT for an ephemeral event (kinds 20000-29999 are never stored),
 *   %GS_ERROR_STORE when the database failed, or the hook's error.
 */
gboolean
gs_store_insert(GsStore *self, GsEvent *event, GsStoreResult *result, GError **error);

/**
 * gs_store_insert_batch:
 * @events: (element-type GsEvent): verified events, inserted in this order
 * @results: (element-type GsStoreResult) (nullable): an array of #GsStoreResult (guint-sized
 *   enum elements); on success it holds one result per event, in order (it is cleared first)
 * @error: a #GError
 *
 * Inserts many events in one transaction with cached prepared statements. Per event:
 * - %GS_STORE_RESULT_DUPLICATE: the id is already stored;
 * - %GS_STORE_RESULT_REFUSED_DELETED: a stored NIP-09 deletion by the event's author names its
 *   id, or its address with a deletion time >= its created_at;
 * - %GS_STORE_RESULT_REFUSED_OLDER: a newer version of the replaceable/addressable key is
 *   stored (newer = larger created_at, or equal created_at and lower id);
 * - %GS_STORE_RESULT_REPLACED: stored, and the older version of its key was removed;
 * - %GS_STORE_RESULT_STORED: stored.
 * A stored kind-5 deletion is applied at once to the deleter's own events (`e` tags) and
 * addresses (`a` tags, versions with created_at <= the deletion's), and remembered.
 *
 * Ephemeral events make the whole call fail before anything is written (filter them out
 * first). Later events of a batch see the effects of earlier ones.
 *
 * Returns: %TRUE when the transaction committed; %FALSE with an error (as for
 *   gs_store_insert()) when nothing of the batch was stored; @results is then empty.
 */
gboolean
gs_store_insert_batch(GsStore *self, GPtrArray *events, GArray *results, GError **error);

/**
 * gs_store_query:
 * @filters: (element-type GsFilter): NIP-01 filters, OR-ed
 * @max_limit: the most events any one filter may return (also used when a filter has no
 *   limit); 0 for no cap
 * @error: a #GError
 *
 * Each filter returns its newest events up to its limit (NIP-01: the limit applies per filter;
 * `limit: 0` returns nothing); the union is de-duplicated and ordered newest first
 * (created_at descending, then id ascending).
 *
 * Returns: (transfer full) (element-type GsEvent) (nullable): the events (possibly none), or
 *   %NULL with %GS_ERROR_TOO_LARGE for a filter with more values than SQLite can bind (over
 *   30,000), or %GS_ERROR_STORE
 */
GPtrArray *
gs_store_query(GsStore *self, GPtrArray *filters, guint max_limit, GError **error);

/**
 * GsStoreRawEvent:
 * @created_at: the event's created_at
 * @id: the event id, raw 32 bytes
 * @id_hex: the same in lower-case hex
 * @json_len: the length of the stored JSON within @text
 * @len: the length of @text
 * @text: the caller's prefix, the event's stored JSON as is, the caller's suffix, NUL
 *
 * One stored event as gs_store_query_raw() reads it: its JSON text, never parsed. Freed with
 * g_free().
 */
typedef struct {
	gint64 created_at;
	guint8 id[32];
	gchar id_hex[65];
	gsize json_len;
	gsize len;
	gchar text[];
} GsStoreRawEvent;

gboolean
gs_store_query_raw(GsStore *self,
		   GsFilter *filter,
		   const gchar *prefix,
		   const gchar *suffix,
		   GPtrArray **events_out,
		   guint *rows_out,
		   GError **error);

/**
 * GsStoreRawKey:
 * @seq: the event's row
 * @created_at: its created_at
 * @id: its id, raw 32 bytes
 *
 * What gs_store_raw_query_keys() reads of each matching event.
 */
typedef struct {
	gint64 seq;
	gint64 created_at;
	guint8 id[32];
} GsStoreRawKey;

typedef struct _GsStoreRawQuery GsStoreRawQuery;

GsStoreRawQuery *
gs_store_raw_query_new(GsStore *self, GsFilter *filter, GError **error);
gboolean
gs_store_raw_query_keys(GsStoreRawQuery *self,
			gint64 until,
			gint64 limit,
			GArray *keys,
			GError **error);
GsStoreRawEvent *
gs_store_raw_query_fetch(GsStoreRawQuery *self,
			 const GsStoreRawKey *key,
			 const gchar *prefix,
			 const gchar *suffix,
			 GError **error);
gboolean
gs_store_raw_query_matches(GsStoreRawQuery *self,
			   const GsStoreRawEvent *ev,
			   gsize prefix_len,
			   GError **error);
void
gs_store_raw_query_free(GsStoreRawQuery *self);
gboolean
gs_store_read_begin(GsStore *self);
void
gs_store_read_end(GsStore *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsStoreRawQuery, gs_store_raw_query_free)

/**
 * gs_store_count:
 * @filter: a filter; its limit is ignored
 * @count: (out): the number of stored events matching it
 * @error: a #GError
 *
 * Returns: %TRUE on success; %FALSE with %GS_ERROR_TOO_LARGE or %GS_ERROR_STORE
 */
gboolean
gs_store_count(GsStore *self, GsFilter *filter, guint64 *count, GError **error);

/**
 * gs_store_query_items:
 * @filter: a filter; its limit is ignored
 * @max_items: the most items the caller accepts
 * @items_out: (out) (transfer full) (element-type GsStoreItem): the items of the stored events
 *   matching @filter, sorted by (created_at, id) ascending, as NIP-77 wants them
 * @error: a #GError
 *
 * The negentropy local set for @filter.
 *
 * Returns: %TRUE on success; %FALSE with %GS_ERROR_TOO_LARGE when more than @max_items events
 *   match (@items_out is then untouched), or %GS_ERROR_STORE
 */
gboolean
gs_store_query_items(GsStore *self,
		     GsFilter *filter,
		     guint max_items,
		     GArray **items_out,
		     GError **error);

/**
 * gs_store_query_superseded_items:
 * @filter: a filter; its limit is ignored
 * @max_items: the most items the caller accepts
 * @items_out: (out) (transfer full) (element-type GsStoreItem): sorted as by
 *   gs_store_query_items()
 * @error: a #GError
 *
 * The replaceable and addressable versions the store refused or removed as older
 * (%GS_STORE_RESULT_REFUSED_OLDER, or the loser of a %GS_STORE_RESULT_REPLACED) that match
 * @filter. Relays keep offering such versions through negentropy, so they belong in the local
 * set beside gs_store_query_items() (specs/sync.md section 14). Only ids, authors, kinds, `#d`,
 * since and until can be checked on them: a filter with another tag condition gets no items.
 *
 * Returns: %TRUE on success; %FALSE with %GS_ERROR_TOO_LARGE when more than @max_items match,
 *   or %GS_ERROR_STORE
 */
gboolean
gs_store_query_superseded_items(GsStore *self,
				GsFilter *filter,
				guint max_items,
				GArray **items_out,
				GError **error);

/**
 * gs_store_query_deleted_items:
 * @filter: a filter; its limit is ignored
 * @max_items: the most items the caller accepts
 * @items_out: (out) (transfer full) (element-type GsStoreItem): sorted as by
 *   gs_store_query_items()
 * @error: a #GError
 *
 * The events their author deleted (NIP-09) that the store has seen: by id, or as versions of
 * an address deleted up to their created_at; stored before the deletion arrived, or refused
 * after it (%GS_STORE_RESULT_REFUSED_DELETED). Relays that keep
 * them offer them through negentropy for ever, so they belong in the local set beside
 * gs_store_query_items() (specs/sync.md section 14). Their ids, authors, kinds, since and
 * until are checked against @filter; their tags are not known, so tag conditions are not
 * applied and the items may reach past the filter (extra ids in a local set only tell the
 * relay what we hold).
 *
 * Returns: %TRUE on success; %FALSE with %GS_ERROR_TOO_LARGE when more than @max_items match,
 *   or %GS_ERROR_STORE
 */
gboolean
gs_store_query_deleted_items(GsStore *self,
			     GsFilter *filter,
			     guint max_items,
			     GArray **items_out,
			     GError **error);

/**
 * gs_store_get_event:
 * @id_hex: 64 lower-case hex digits
 * @error: a #GError
 *
 * Returns: (transfer full) (nullable): the stored event, or %NULL with %GS_ERROR_NOT_FOUND when
 *   it is not stored, %GS_ERROR_INVALID_ARGUMENT for a malformed id, or %GS_ERROR_STORE
 */
GsEvent *
gs_store_get_event(GsStore *self, const gchar *id_hex, GError **error);

/**
 * gs_store_has_event:
 * @id_hex: 64 lower-case hex digits
 * @error: (nullable): a #GError
 *
 * Returns: %TRUE when the event is stored; %FALSE when it is not, or on failure (then @error is
 *   set: %GS_ERROR_INVALID_ARGUMENT or %GS_ERROR_STORE)
 */
gboolean
gs_store_has_event(GsStore *self, const gchar *id_hex, GError **error);

/**
 * gs_store_remove_stored:
 * @ids_hex: (element-type utf8): ids, 64 lower-case hex digits each
 * @error: (nullable): a #GError
 *
 * Removes from @ids_hex the ids of stored events (as gs_store_has_event() would answer, for
 * the lot at once: most answers "not stored" come from the store's id filter, without a
 * lookup). The order of the rest is not kept. An id that is malformed or whose lookup fails
 * stays.
 *
 * Returns: %TRUE, or %FALSE with @error set after the first failure (the other ids are asked
 *   about all the same)
 */
gboolean
gs_store_remove_stored(GsStore *self, GPtrArray *ids_hex, GError **error);

/**
 * gs_store_lookup_seq:
 * @id: the event id, raw 32 bytes
 * @seq: (out): the event's row number, `events.seq`
 * @error: a #GError
 *
 * For tables that refer to stored events (the home-relay outbox): the row number of a stored
 * event. It stays the same for as long as the event is stored; once the event is removed
 * (replaced, deleted) the number may later be given to another event, so a referring table
 * also keeps the id and checks it.
 *
 * Returns: %TRUE with @seq set; %FALSE with %GS_ERROR_NOT_FOUND when the event is not stored,
 *   or %GS_ERROR_STORE
 */
gboolean
gs_store_lookup_seq(GsStore *self, const guint8 *id, gint64 *seq, GError **error);

/**
 * gs_store_is_deleted:
 * @id_hex: 64 lower-case hex digits
 * @pubkey_hex: 64 lower-case hex digits, the event's author
 * @error: (nullable): a #GError
 *
 * Returns: %TRUE when a stored NIP-09 deletion by @pubkey_hex names @id_hex; %FALSE when none
 *   does, or on failure (then @error is set)
 */
gboolean
gs_store_is_deleted(GsStore *self, const gchar *id_hex, const gchar *pubkey_hex, GError **error);

/**
 * gs_store_has_tag_reference:
 * @tag_name: a single-letter tag name ("e", "E", "a", "q", ...; case matters)
 * @value: the tag value (element 1)
 * @error: (nullable): a #GError
 *
 * Answers "does any stored event carry the tag [@tag_name, @value, ...]", through the tag
 * index.
 *
 * Returns: %TRUE when one does; %FALSE when none does, or on failure (then @error is set:
 *   %GS_ERROR_INVALID_ARGUMENT for a tag name that is not one ASCII letter, or %GS_ERROR_STORE)
 */
gboolean
gs_store_has_tag_reference(GsStore *self,
			   const gchar *tag_name,
			   const gchar *value,
			   GError **error);

/**
 * gs_store_has_tag_references:
 * @tag_names: (array length=n): single-letter tag names
 * @values: (array length=n): the tag values, one for each name
 * @n: how many pairs, at most 6
 * @error: (nullable): a #GError
 *
 * gs_store_has_tag_reference() for several (name, value) pairs in one query: does any stored
 * event carry one of them?
 *
 * Returns: %TRUE when one does; %FALSE when none does (or @n is 0), or on failure (then
 *   @error is set: %GS_ERROR_INVALID_ARGUMENT for a bad tag name or more than 6 pairs, or
 *   %GS_ERROR_STORE)
 */
gboolean
gs_store_has_tag_references(GsStore *self,
			    const gchar *const *tag_names,
			    const gchar *const *values,
			    guint n,
			    GError **error);

/**
 * gs_store_find_referencing:
 * @tag_name: a single-letter tag name; case matters
 * @value: the tag value (element 1)
 * @max_events: the most events to return, 0 for all
 * @error: a #GError
 *
 * Returns: (transfer full) (element-type GsEvent) (nullable): the stored events carrying the tag
 *   [@tag_name, @value, ...], newest first (possibly none), or %NULL with
 *   %GS_ERROR_INVALID_ARGUMENT or %GS_ERROR_STORE
 */
GPtrArray *
gs_store_find_referencing(GsStore *self,
			  const gchar *tag_name,
			  const gchar *value,
			  guint max_events,
			  GError **error);

/**
 * gs_store_get_latest:
 * @kind: a replaceable or addressable kind
 * @pubkey_hex: the author, 64 lower-case hex digits
 * @d: (nullable): the `d` tag for addressable kinds (%NULL means ""); ignored for replaceable
 * @error: a #GError
 *
 * The stored version of the key (kind, pubkey[, d]); the store keeps only the latest one.
 *
 * Returns: (transfer full) (nullable): the event, or %NULL with %GS_ERROR_NOT_FOUND when none is
 *   stored, %GS_ERROR_INVALID_ARGUMENT when @kind is neither replaceable nor addressable or the
 *   pubkey is malformed, or %GS_ERROR_STORE
 */
GsEvent *
gs_store_get_latest(GsStore *self,
		    guint kind,
		    const gchar *pubkey_hex,
		    const gchar *d,
		    GError **error);

/**
 * gs_store_has_latest:
 * @kind: a replaceable or addressable kind
 * @pubkey_hex: the author, 64 lower-case hex digits
 * @d: (nullable): as for gs_store_get_latest()
 * @error: (nullable): a #GError
 *
 * Whether gs_store_get_latest() would find an event, without reading it.
 *
 * Returns: %TRUE when a version of the key is stored; %FALSE when none is, or on failure
 *   (then @error is set: %GS_ERROR_INVALID_ARGUMENT as gs_store_get_latest(), or
 *   %GS_ERROR_STORE)
 */
gboolean
gs_store_has_latest(GsStore *self,
		    guint kind,
		    const gchar *pubkey_hex,
		    const gchar *d,
		    GError **error);

/**
 * gs_store_find_addressable:
 * @kind: an addressable kind (30000-39999), e.g. 30617 for repository announcements
 * @d: the `d` tag value
 * @error: a #GError
 *
 * Every stored event of @kind whose `d` tag is @d, by any author: for example all the
 * announcements of one repository identifier (the owner's and the maintainers').
 *
 * Returns: (transfer full) (element-type GsEvent) (nullable): the events, newest first
 *   (possibly none), or %NULL with %GS_ERROR_INVALID_ARGUMENT or %GS_ERROR_STORE
 */
GPtrArray *
gs_store_find_addressable(GsStore *self, guint kind, const gchar *d, GError **error);

GPtrArray *
gs_store_dup_coordinates(GsStore *self, guint kind, GError **error);

/**
 * gs_store_check_health:
 * @error: a #GError
 *
 * A cheap read (for `/health`) that fails when the store can no longer be used.
 *
 * Returns: %TRUE when the store answers; %FALSE with %GS_ERROR_STORE otherwise
 */
gboolean
gs_store_check_health(GsStore *self, GError **error);

/**
 * gs_store_release_memory:
 *
 * Frees what SQLite's page cache holds for this store (up to 64 MiB); the pages are read
 * again, from the OS cache, when next needed. For an engine that falls idle after a large
 * sync.
 *
 * Returns: the bytes of SQLite memory freed
 */
gsize
gs_store_release_memory(GsStore *self);

G_END_DECLS
