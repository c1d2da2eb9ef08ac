/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "gs-error.h"
#include "gs-store-private.h"
#include "gs-store-sql.h"
#include "gs-store.h"
#include "gs-test-utils.h"

typedef GsTestStore Fixture;

static gboolean
has(GsStore *store, GsEvent *event)
{
	g_autoptr(GError) error = NULL;
	gboolean found = gs_store_has_event(store, gs_event_get_id(event), &error);
	g_assert_no_error(error);
	return found;
}

/* an event with a made-up id and signature, for volume: the store does not verify */
static GsEvent *
fake_event(guint64 n, guint kind, gint64 created_at)
{
	g_autofree gchar *id =
		g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)&n, sizeof(n));
	g_autofree gchar *json = NULL;
	g_autoptr(GError) error = NULL;
	GsEvent *event;

	json = g_strdup_printf(
		"{\"id\":\"%s\",\"pubkey\":\"%064x\",\"created_at\":%" G_GINT64_FORMAT
		",\"kind\":%u,\"tags\":[[\"a\",\"30617:%064x:repo\"],[\"p\",\"x\"]],"
		"\"content\":\"a fake event of a typical size for a comment\","
		"\"sig\":\"%0128x\"}",
		id,
		(guint)(n % 50),
		created_at,
		kind,
		(guint)(n % 10),
		0);
	event = gs_event_new_from_json(json, -1, &error);
	g_assert_no_error(error);
	return event;
}

/* ordering by id as the store sorts: lower-case hex sorts like the bytes */
static gboolean
id_lower(GsEvent *a, GsEvent *b)
{
	return strcmp(gs_event_get_id(a), gs_event_get_id(b)) < 0;
}

/* the published SipHash-2-4 vectors: key 00..0f, messages 00..(n-1) */
static void
store_siphash(void)
{
	guint8 key[16];
	guint8 msg[64];

	for (guint i = 0; i < 16; i++)
		key[i] = (guint8)i;
	for (guint i = 0; i < 64; i++)
		msg[i] = (guint8)i;
	g_assert_cmphex(gs_store_sql_siphash(key, msg, 0), ==, 0x726fdb47dd0e0e31ULL);
	g_assert_cmphex(gs_store_sql_siphash(key, msg, 15), ==, 0xa129ca6149be45e5ULL);
}

/* outcomes ------------------------------------------------------------------------------------ */

static void
store_open_reopen(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) ev = gs_test_event_new(1, 100, 1, NULL, "hello");
	g_autoptr(GsEvent) back = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpuint(gs_store_get_schema_version(fx->store), >=, 1);
	g_assert_cmpstr(gs_store_get_path(fx->store), ==, fx->path);
	g_assert_true(gs_store_check_health(fx->store, &error));
	gs_test_store_insert_expect(fx->store, ev, GS_STORE_RESULT_STORED);
	g_clear_object(&fx->store);
	fx->store = gs_store_new(fx->path, &error);
	g_assert_no_error(error);
	back = gs_store_get_event(fx->store, gs_event_get_id(ev), &error);
	g_assert_no_error(error);
	g_assert_cmpstr(gs_event_get_json(back), ==, gs_event_get_json(ev));
	g_assert_true(gs_event_verify(back, &error));
}

static void
store_outcomes(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) note = gs_test_event_new(1, 100, 1, NULL, "note");
	g_autoptr(GsEvent) meta1 = gs_test_event_new(1, 100, 0, NULL, "{\"name\":\"a\"}");
	g_autoptr(GsEvent) meta2 = gs_test_event_new(1, 200, 0, NULL, "{\"name\":\"b\"}");
	g_autoptr(GsEvent) meta0 = gs_test_event_new(1, 50, 0, NULL, "{\"name\":\"z\"}");
	const gchar *del_tags[] = {"e", gs_event_get_id(note), NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(1, 300, 5, del_tags, "");

	gs_test_store_insert_expect(fx->store, note, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, note, GS_STORE_RESULT_DUPLICATE);
	gs_test_store_insert_expect(fx->store, meta1, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, meta2, GS_STORE_RESULT_REPLACED);
	g_assert_false(has(fx->store, meta1));
	gs_test_store_insert_expect(fx->store, meta1, GS_STORE_RESULT_REFUSED_OLDER);
	gs_test_store_insert_expect(fx->store, meta0, GS_STORE_RESULT_REFUSED_OLDER);
	gs_test_store_insert_expect(fx->store, deletion, GS_STORE_RESULT_STORED);
	g_assert_false(has(fx->store, note));
	gs_test_store_insert_expect(fx->store, note, GS_STORE_RESULT_REFUSED_DELETED);
	g_assert_true(has(fx->store, meta2));
	g_assert_true(has(fx->store, deletion));
}

static void
store_ephemeral(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) note = gs_test_event_new(1, 100, 1, NULL, "note");
	g_autoptr(GsEvent) eph = gs_test_event_new(1, 100, 20001, NULL, "typing");
	g_autoptr(GPtrArray) batch = g_ptr_array_new();
	g_autoptr(GArray) results = g_array_new(FALSE, FALSE, sizeof(GsStoreResult));
	g_autoptr(GError) error = NULL;
	GsStoreResult result = GS_STORE_RESULT_STORED;

	g_assert_false(gs_store_insert(fx->store, eph, &result, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_ptr_array_add(batch, note);
	g_ptr_array_add(batch, eph);
	g_assert_false(gs_store_insert_batch(fx->store, batch, results, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_assert_cmpuint(results->len, ==, 0);
	g_assert_false(has(fx->store, note));
	g_assert_false(has(fx->store, eph));
}

static void
store_replaceable_tie(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) a = gs_test_event_new(2, 500, 10002, NULL, "one");
	g_autoptr(GsEvent) b = gs_test_event_new(2, 500, 10002, NULL, "two");
	GsEvent *low = id_lower(a, b) ? a : b;
	GsEvent *high = low == a ? b : a;
	g_autoptr(GError) error = NULL;
	g_autoptr(GsEvent) latest = NULL;

	/* same created_at: the lowest id wins, whichever arrives first */
	gs_test_store_insert_expect(fx->store, high, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, low, GS_STORE_RESULT_REPLACED);
	gs_test_store_insert_expect(fx->store, high, GS_STORE_RESULT_REFUSED_OLDER);
	latest = gs_store_get_latest(fx->store, 10002, gs_event_get_pubkey(a), NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(gs_event_get_id(latest), ==, gs_event_get_id(low));
}

static guint
deleted_count(GsStore *store, const gchar *filter_json)
{
	g_autoptr(GsFilter) f = gs_filter_new_from_json(filter_json, -1, NULL);
	g_autoptr(GArray) items = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(f);
	g_assert_true(gs_store_query_deleted_items(store, f, 100, &items, &error));
	g_assert_no_error(error);
	return items->len;
}

/* events deleted by id join the negentropy local set once the store has seen them: stored
 * before the deletion, or refused after it; never seen, their time is unknown */
static void
store_deleted_items(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) stored = gs_test_event_new(1, 100, 1, NULL, "stored first");
	g_autoptr(GsEvent) late = gs_test_event_new(1, 120, 1111, NULL, "offered after");
	g_autoptr(GsEvent) never = gs_test_event_new(1, 130, 1, NULL, "never seen");
	g_autoptr(GsEvent) other = gs_test_event_new(2, 140, 1, NULL, "someone else's");
	const gchar *del_tags[] = {"e",
				   gs_event_get_id(stored),
				   NULL,
				   "e",
				   gs_event_get_id(late),
				   NULL,
				   "e",
				   gs_event_get_id(never),
				   NULL,
				   "e",
				   gs_event_get_id(other),
				   NULL,
				   NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(1, 300, 5, del_tags, "");
	g_autoptr(GsFilter) all = gs_filter_new_from_json("{}", -1, NULL);
	g_autoptr(GArray) items = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *by_other =
		g_strdup_printf("{\"authors\":[\"%s\"]}", gs_event_get_pubkey(other));
	g_autofree gchar *by_id = g_strdup_printf("{\"ids\":[\"%s\"]}", gs_event_get_id(late));

	gs_test_store_insert_expect(fx->store, stored, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, other, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, deletion, GS_STORE_RESULT_STORED);
	g_assert_false(has(fx->store, stored));
	g_assert_true(has(fx->store, other)); /* not the deleter's */
	g_assert_cmpuint(deleted_count(fx->store, "{}"), ==, 1);
	gs_test_store_insert_expect(fx->store, late, GS_STORE_RESULT_REFUSED_DELETED);
	gs_test_store_insert_expect(fx->store, late, GS_STORE_RESULT_REFUSED_DELETED);
	g_assert_true(gs_store_query_deleted_items(fx->store, all, 100, &items, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(items->len, ==, 2);
	g_assert_cmpuint(g_array_index(items, GsStoreItem, 0).created_at, ==, 100);
	g_assert_cmpmem(
		g_array_index(items, GsStoreItem, 0).id, 32, gs_event_get_id_raw(stored), 32);
	g_assert_cmpuint(g_array_index(items, GsStoreItem, 1).created_at, ==, 120);
	g_assert_cmpmem(g_array_index(items, GsStoreItem, 1).id, 32, gs_event_get_id_raw(late), 32);
	g_clear_pointer(&items, g_array_unref);
	g_assert_false(gs_store_query_deleted_items(fx->store, all, 1, &items, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_TOO_LARGE);
	/* kinds, times and authors filter; tags cannot, so they do not */
	g_assert_cmpuint(deleted_count(fx->store, "{\"kinds\":[1111]}"), ==, 1);
	g_assert_cmpuint(deleted_count(fx->store, "{\"since\":110}"), ==, 1);
	g_assert_cmpuint(deleted_count(fx->store, "{\"until\":110}"), ==, 1);
	g_assert_cmpuint(deleted_count(fx->store, "{\"#e\":[\"x\"]}"), ==, 2);
	g_assert_cmpuint(deleted_count(fx->store, by_other), ==, 0);
	g_assert_cmpuint(deleted_count(fx->store, by_id), ==, 1);
}

/* the versions of an address its author deleted (NIP-09 `a`) join the local set too: those
 * the deletion removed and those offered after it; newer versions and other addresses do not */
static void
store_deleted_versions(Fixture *fx, gconstpointer data)
{
	const gchar *alpha_tags[] = {"d", "alpha", NULL, NULL};
	const gchar *beta_tags[] = {"d", "beta", NULL, NULL};
	g_autoptr(GsEvent) v1 = gs_test_event_new(1, 100, 30617, alpha_tags, "v1");
	g_autoptr(GsEvent) v2 = gs_test_event_new(1, 200, 30617, alpha_tags, "v2");
	g_autoptr(GsEvent) v3 = gs_test_event_new(1, 220, 30617, alpha_tags, "v3");
	g_autoptr(GsEvent) v4 = gs_test_event_new(1, 400, 30617, alpha_tags, "v4");
	g_autoptr(GsEvent) beta = gs_test_event_new(1, 210, 30617, beta_tags, "beta");
	g_autoptr(GsEvent) relays = gs_test_event_new(1, 230, 10002, NULL, "relays");
	g_autoptr(GsEvent) theirs = gs_test_event_new(2, 240, 30617, alpha_tags, "theirs");
	g_autofree gchar *alpha = g_strdup_printf("30617:%s:alpha", gs_event_get_pubkey(v1));
	g_autofree gchar *list = g_strdup_printf("10002:%s:", gs_event_get_pubkey(v1));
	g_autofree gchar *other = g_strdup_printf("30617:%s:alpha", gs_event_get_pubkey(theirs));
	const gchar *del_tags[] = {"a", alpha, NULL, "a", list, NULL, "a", other, NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(1, 300, 5, del_tags, "");
	g_autoptr(GsFilter) all = gs_filter_new_from_json("{}", -1, NULL);
	g_autoptr(GArray) items = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *by_id = g_strdup_printf("{\"ids\":[\"%s\"]}", gs_event_get_id(v3));
	g_autofree gchar *by_theirs =
		g_strdup_printf("{\"authors\":[\"%s\"]}", gs_event_get_pubkey(theirs));

	gs_test_store_insert_expect(fx->store, v1, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, v2, GS_STORE_RESULT_REPLACED);
	gs_test_store_insert_expect(fx->store, beta, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, relays, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, theirs, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, deletion, GS_STORE_RESULT_STORED);
	/* the deletion removed v2 and the relay list and kept them; v1 is a superseded version */
	g_assert_false(has(fx->store, v2));
	g_assert_false(has(fx->store, relays));
	g_assert_true(has(fx->store, beta));
	g_assert_true(has(fx->store, theirs)); /* not the deleter's */
	g_assert_cmpuint(deleted_count(fx->store, "{}"), ==, 2);
	/* a version never seen is kept once offered, however often; a newer one is stored */
	gs_test_store_insert_expect(fx->store, v3, GS_STORE_RESULT_REFUSED_DELETED);
	gs_test_store_insert_expect(fx->store, v3, GS_STORE_RESULT_REFUSED_DELETED);
	gs_test_store_insert_expect(fx->store, v2, GS_STORE_RESULT_REFUSED_DELETED);
	gs_test_store_insert_expect(fx->store, v4, GS_STORE_RESULT_STORED);
	g_assert_true(gs_store_query_deleted_items(fx->store, all, 100, &items, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(items->len, ==, 3);
	g_assert_cmpuint(g_array_index(items, GsStoreItem, 0).created_at, ==, 200);
	g_assert_cmpmem(g_array_index(items, GsStoreItem, 0).id, 32, gs_event_get_id_raw(v2), 32);
	g_assert_cmpuint(g_array_index(items, GsStoreItem, 1).created_at, ==, 220);
	g_assert_cmpmem(g_array_index(items, GsStoreItem, 1).id, 32, gs_event_get_id_raw(v3), 32);
	g_assert_cmpuint(g_array_index(items, GsStoreItem, 2).created_at, ==, 230);
	g_assert_cmpmem(
		g_array_index(items, GsStoreItem, 2).id, 32, gs_event_get_id_raw(relays), 32);
	g_clear_pointer(&items, g_array_unref);
	g_assert_false(gs_store_query_deleted_items(fx->store, all, 2, &items, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_TOO_LARGE);
	g_assert_cmpuint(deleted_count(fx->store, "{\"kinds\":[30617]}"), ==, 2);
	g_assert_cmpuint(deleted_count(fx->store, "{\"since\":210,\"until\":225}"), ==, 1);
	g_assert_cmpuint(deleted_count(fx->store, "{\"#d\":[\"beta\"]}"), ==, 3);
	g_assert_cmpuint(deleted_count(fx->store, by_id), ==, 1);
	g_assert_cmpuint(deleted_count(fx->store, by_theirs), ==, 0);
}

static guint
superseded_count(GsStore *store, const gchar *filter_json)
{
	g_autoptr(GsFilter) f = gs_filter_new_from_json(filter_json, -1, NULL);
	g_autoptr(GArray) items = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_store_query_superseded_items(store, f, 100, &items, &error));
	g_assert_no_error(error);
	return items->len;
}

/* the losers of a key are offered for the negentropy local set, sorted (created_at, id) */
static void
assert_superseded(GsStore *store, const gchar *filter_json, GsEvent *older, GsEvent *newer)
{
	g_autoptr(GsFilter) f = gs_filter_new_from_json(filter_json, -1, NULL);
	g_autoptr(GArray) items = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *by_author = NULL;

	g_assert_true(gs_store_query_superseded_items(store, f, 100, &items, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(items->len, ==, 2);
	g_assert_cmpmem(
		g_array_index(items, GsStoreItem, 0).id, 32, gs_event_get_id_raw(older), 32);
	g_assert_cmpmem(
		g_array_index(items, GsStoreItem, 1).id, 32, gs_event_get_id_raw(newer), 32);
	g_clear_pointer(&items, g_array_unref);
	g_assert_false(gs_store_query_superseded_items(store, f, 1, &items, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_TOO_LARGE);
	/* conditions a superseded row cannot answer give nothing; others filter */
	g_assert_cmpuint(superseded_count(store, "{\"#a\":[\"x\"]}"), ==, 0);
	g_assert_cmpuint(superseded_count(store, "{\"#d\":[\"other\"]}"), ==, 0);
	g_assert_cmpuint(superseded_count(store, "{\"until\":150}"), ==, 1);
	by_author = g_strdup_printf("{\"authors\":[\"%s\"]}", gs_event_get_pubkey(older));
	g_assert_cmpuint(superseded_count(store, by_author), ==, 2);
}

static void
store_addressable(Fixture *fx, gconstpointer data)
{
	const gchar *d1[] = {"d", "repo", NULL, NULL};
	const gchar *d2[] = {"d", "other", NULL, NULL};
	g_autoptr(GsEvent) r1 = gs_test_event_new(3, 100, 30617, d1, "v1");
	g_autoptr(GsEvent) r2 = gs_test_event_new(3, 200, 30617, d1, "v2");
	g_autoptr(GsEvent) o1 = gs_test_event_new(3, 100, 30617, d2, "o");
	g_autoptr(GsEvent) x1 = gs_test_event_new(4, 100, 30617, d1, "someone else");
	g_autoptr(GsEvent) t1 = gs_test_event_new(3, 200, 30617, d1, "v2 tie");
	GsEvent *low = id_lower(r2, t1) ? r2 : t1;
	GsEvent *high = low == r2 ? t1 : r2;
	g_autoptr(GsEvent) latest = NULL;
	g_autoptr(GError) error = NULL;

	gs_test_store_insert_expect(fx->store, r1, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, o1, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, x1, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, low, GS_STORE_RESULT_REPLACED);
	gs_test_store_insert_expect(fx->store, high, GS_STORE_RESULT_REFUSED_OLDER);
	gs_test_store_insert_expect(fx->store, r1, GS_STORE_RESULT_REFUSED_OLDER);
	g_assert_true(has(fx->store, o1));
	g_assert_true(has(fx->store, x1));
	latest = gs_store_get_latest(fx->store, 30617, gs_event_get_pubkey(r1), "repo", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(gs_event_get_id(latest), ==, gs_event_get_id(low));
	assert_superseded(fx->store, "{\"kinds\":[30617],\"#d\":[\"repo\"]}", r1, high);
}

/* NIP-09 -------------------------------------------------------------------------------------- */

static void
store_deletion_foreign(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) mine = gs_test_event_new(1, 100, 1621, NULL, "issue");
	g_autoptr(GsEvent) theirs = gs_test_event_new(2, 100, 1621, NULL, "their issue");
	const gchar *tags[] = {
		"e", gs_event_get_id(mine), NULL, "e", gs_event_get_id(theirs), NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(1, 300, 5, tags, "spam");
	g_autoptr(GError) error = NULL;

	gs_test_store_insert_expect(fx->store, mine, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, deletion, GS_STORE_RESULT_STORED);
	g_assert_false(has(fx->store, mine));
	g_assert_true(gs_store_is_deleted(
		fx->store, gs_event_get_id(mine), gs_event_get_pubkey(mine), &error));
	g_assert_false(gs_store_is_deleted(
		fx->store, gs_event_get_id(theirs), gs_event_get_pubkey(theirs), &error));
	g_assert_no_error(error);
	/* the deletion came first: another author's event is not affected by it */
	gs_test_store_insert_expect(fx->store, theirs, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, mine, GS_STORE_RESULT_REFUSED_DELETED);
}

static void
store_deletion_foreign_stored(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) theirs = gs_test_event_new(2, 100, 1, NULL, "theirs");
	const gchar *tags[] = {"e", gs_event_get_id(theirs), NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(1, 300, 5, tags, "");

	gs_test_store_insert_expect(fx->store, theirs, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, deletion, GS_STORE_RESULT_STORED);
	g_assert_true(has(fx->store, theirs));
}

static void
store_deletion_address(Fixture *fx, gconstpointer data)
{
	const gchar *d[] = {"d", "repo", NULL, NULL};
	g_autoptr(GsEvent) v1 = gs_test_event_new(1, 100, 30618, d, "v1");
	g_autoptr(GsEvent) v0 = gs_test_event_new(1, 50, 30618, d, "v0");
	g_autoptr(GsEvent) v3 = gs_test_event_new(1, 300, 30618, d, "v3");
	g_autoptr(GsEvent) other = gs_test_event_new(2, 100, 30618, d, "other author");
	g_autofree gchar *coord = gs_event_dup_coordinate(v1);
	g_autofree gchar *coord_other = gs_event_dup_coordinate(other);
	const gchar *tags[] = {"a", coord, NULL, "a", coord_other, NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(1, 200, 5, tags, "");
	g_autoptr(GError) error = NULL;
	g_autoptr(GsEvent) latest = NULL;

	gs_test_store_insert_expect(fx->store, v1, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, other, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, deletion, GS_STORE_RESULT_STORED);
	g_assert_false(has(fx->store, v1));
	g_assert_true(has(fx->store, other));
	/* versions up to the deletion's created_at stay out; later ones come in */
	gs_test_store_insert_expect(fx->store, v0, GS_STORE_RESULT_REFUSED_DELETED);
	gs_test_store_insert_expect(fx->store, v1, GS_STORE_RESULT_REFUSED_DELETED);
	gs_test_store_insert_expect(fx->store, v3, GS_STORE_RESULT_STORED);
	latest = gs_store_get_latest(fx->store, 30618, gs_event_get_pubkey(v1), "repo", &error);
	g_assert_no_error(error);
	g_assert_cmpstr(gs_event_get_id(latest), ==, gs_event_get_id(v3));
}

static void
store_deletion_address_later(Fixture *fx, gconstpointer data)
{
	const gchar *d[] = {"d", "repo", NULL, NULL};
	g_autoptr(GsEvent) v3 = gs_test_event_new(1, 300, 30618, d, "v3");
	g_autofree gchar *coord = gs_event_dup_coordinate(v3);
	const gchar *tags[] = {"a", coord, NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(1, 200, 5, tags, "");
	g_autoptr(GsEvent) old_deletion = gs_test_event_new(1, 100, 5, tags, "older");
	g_autoptr(GsEvent) v2 = gs_test_event_new(1, 150, 30618, d, "v2");

	/* a version newer than the deletion survives it */
	gs_test_store_insert_expect(fx->store, v3, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, deletion, GS_STORE_RESULT_STORED);
	g_assert_true(has(fx->store, v3));
	/* an older deletion does not lower the remembered time */
	gs_test_store_insert_expect(fx->store, old_deletion, GS_STORE_RESULT_STORED);
	g_clear_object(&fx->store);
	fx->store = gs_store_new(fx->path, NULL);
	g_assert_nonnull(fx->store);
	gs_test_store_insert_expect(fx->store, v2, GS_STORE_RESULT_REFUSED_DELETED);
}

static void
store_deletion_of_deletion(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) note = gs_test_event_new(1, 100, 1, NULL, "note");
	const gchar *t1[] = {"e", gs_event_get_id(note), NULL, NULL};
	g_autoptr(GsEvent) del1 = gs_test_event_new(1, 200, 5, t1, "");
	const gchar *t2[] = {"e", gs_event_get_id(del1), NULL, NULL};
	g_autoptr(GsEvent) del2 = gs_test_event_new(1, 300, 5, t2, "");

	/* a deletion request against a deletion request has no effect (NIP-09) */
	gs_test_store_insert_expect(fx->store, del2, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, del1, GS_STORE_RESULT_STORED);
	g_assert_true(has(fx->store, del1));
	gs_test_store_insert_expect(fx->store, note, GS_STORE_RESULT_REFUSED_DELETED);
}

static void
store_superseded_restored(Fixture *fx, gconstpointer data)
{
	const gchar *d[] = {"d", "repo", NULL, NULL};
	g_autoptr(GsEvent) v1 = gs_test_event_new(1, 100, 30618, d, "v1");
	g_autoptr(GsEvent) v2 = gs_test_event_new(1, 200, 30618, d, "v2");
	const gchar *tags[] = {"e", gs_event_get_id(v2), NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(1, 300, 5, tags, "");

	gs_test_store_insert_expect(fx->store, v1, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, v2, GS_STORE_RESULT_REPLACED);
	g_assert_cmpuint(superseded_count(fx->store, "{\"kinds\":[30618]}"), ==, 1);
	/* deleting v2 by id leaves the key empty: v1 may come back, and is no longer a loser */
	gs_test_store_insert_expect(fx->store, deletion, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, v1, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, v2, GS_STORE_RESULT_REFUSED_DELETED);
	g_assert_cmpuint(superseded_count(fx->store, "{\"kinds\":[30618]}"), ==, 0);
}

/* queries ------------------------------------------------------------------------------------- */

static GPtrArray *
query_json(GsStore *store, const gchar *const *filters_json, guint max_limit)
{
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	g_autoptr(GError) error = NULL;
	GPtrArray *events;

	for (guint i = 0; filters_json[i] != NULL; i++) {
		GsFilter *f = gs_filter_new_from_json(filters_json[i], -1, &error);
		g_assert_no_error(error);
		g_ptr_array_add(filters, f);
	}
	events = gs_store_query(store, filters, max_limit, &error);
	g_assert_no_error(error);
	g_assert_nonnull(events);
	return events;
}

/* @expect: indexes into @all, in the expected order, ending with -1 */
static void
assert_events(GPtrArray *got, GsEvent **all, const gint *expect)
{
	guint n = 0;
	for (; expect[n] >= 0; n++) {
		g_assert_cmpuint(n, <, got->len);
		g_assert_cmpstr(gs_event_get_id(g_ptr_array_index(got, n)),
				==,
				gs_event_get_id(all[expect[n]]));
	}
	g_assert_cmpuint(got->len, ==, n);
}

typedef struct {
	const gchar *filters[4];
	guint max_limit;
	gint expect[8];
} QueryCase;

static void
store_query(Fixture *fx, gconstpointer data)
{
	const gchar *ta[] = {"a", "30617:x:repo", NULL, "e", "root", NULL, NULL};
	const gchar *tb[] = {"E", "root", NULL, "p", "bob", NULL, NULL};
	const gchar *tc[] = {"e", "other", NULL, "t", "x", NULL, NULL};
	GsEvent *ev[5];
	g_autofree gchar *f_author = NULL;
	g_autofree gchar *f_ids = NULL;
	g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GError) error = NULL;

	ev[0] = gs_test_event_new(1, 100, 1621, ta, "issue");
	ev[1] = gs_test_event_new(2, 200, 1111, tb, "comment");
	ev[2] = gs_test_event_new(1, 300, 1111, tc, "reply");
	ev[3] = gs_test_event_new(2, 300, 1617, ta, "patch");
	ev[4] = gs_test_event_new(3, 400, 1, NULL, "note");
	for (guint i = 0; i < 5; i++)
		g_ptr_array_add(batch, ev[i]);
	g_assert_true(gs_store_insert_batch(fx->store, batch, NULL, &error));
	g_assert_no_error(error);
	f_author = g_strdup_printf("{\"authors\":[\"%s\"]}", gs_event_get_pubkey(ev[0]));
	f_ids = g_strdup_printf(
		"{\"ids\":[\"%s\",\"%s\"]}", gs_event_get_id(ev[4]), gs_event_get_id(ev[1]));
	{
		/* created_at 300 is shared by ev2 and ev3: ordered by id */
		gint tie_first = id_lower(ev[2], ev[3]) ? 2 : 3;
		gint tie_second = tie_first == 2 ? 3 : 2;
		QueryCase cases[] = {
			{{"{}"}, 0, {4, tie_first, tie_second, 1, 0, -1}},
			{{"{}"}, 2, {4, tie_first, -1}},
			{{"{\"limit\":1}", "{\"kinds\":[1621]}"}, 0, {4, 0, -1}},
			{{"{\"kinds\":[1111]}"}, 0, {2, 1, -1}},
			{{"{\"kinds\":[1111],\"limit\":1}", "{\"kinds\":[1111]}"}, 0, {2, 1, -1}},
			{{"{\"#e\":[\"root\"]}"}, 0, {3, 0, -1}},
			{{"{\"#E\":[\"root\"]}"}, 0, {1, -1}},
			{{"{\"#e\":[\"root\"],\"#a\":[\"30617:x:repo\"],\"kinds\":[1617]}"},
			 0,
			 {3, -1}},
			{{"{\"#e\":[\"root\",\"other\"],\"since\":150}"},
			 0,
			 {tie_first, tie_second, -1}},
			{{"{\"until\":200,\"since\":200}"}, 0, {1, -1}},
			{{f_author}, 0, {2, 0, -1}},
			{{f_ids, "{\"kinds\":[1]}"}, 0, {4, 1, -1}},
			{{"{\"limit\":0}"}, 0, {-1}},
			{{"{\"kinds\":[]}", "{\"#p\":[\"bob\"]}"}, 0, {1, -1}},
			{{"{\"#p\":[\"nobody\"]}"}, 0, {-1}},
		};
		for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
			g_autoptr(GPtrArray) got =
				query_json(fx->store, cases[i].filters, cases[i].max_limit);
			g_test_message("query case %u: %s", i, cases[i].filters[0]);
			assert_events(got, ev, cases[i].expect);
		}
	}
}

static void
store_count(Fixture *fx, gconstpointer data)
{
	const gchar *t[] = {"e", "root", NULL, NULL};
	g_autoptr(GsFilter) f = gs_filter_new();
	g_autoptr(GsFilter) empty = gs_filter_new_from_json("{\"ids\":[]}", -1, NULL);
	g_autoptr(GError) error = NULL;
	guint64 count = 99;

	for (guint i = 0; i < 7; i++) {
		g_autoptr(GsEvent) ev = gs_test_event_new(1, 100 + i, 1111, i < 3 ? t : NULL, "c");
		gs_test_store_insert_expect(fx->store, ev, GS_STORE_RESULT_STORED);
	}
	g_assert_true(gs_store_count(fx->store, f, &count, &error));
	g_assert_cmpuint(count, ==, 7);
	gs_filter_add_tag_value(f, 'e', "root");
	gs_filter_set_limit(f, 1);
	g_assert_true(gs_store_count(fx->store, f, &count, &error));
	g_assert_cmpuint(count, ==, 3);
	g_assert_true(gs_store_count(fx->store, empty, &count, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(count, ==, 0);
}

static void
store_query_too_many_values(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsFilter) f = NULL;
	g_autoptr(GPtrArray) filters = g_ptr_array_new();
	g_autoptr(GPtrArray) got = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) json = g_string_new("{\"#t\":[\"0\"");
	gint max = sqlite3_limit(gs_store_get_db(fx->store), SQLITE_LIMIT_VARIABLE_NUMBER, -1);

	for (gint i = 1; i <= max; i++)
		g_string_append_printf(json, ",\"%d\"", i);
	g_string_append(json, "]}");
	f = gs_filter_new_from_json(json->str, -1, &error);
	g_assert_no_error(error);
	g_ptr_array_add(filters, f);
	got = gs_store_query(fx->store, filters, 0, &error);
	g_assert_error(error, GS_ERROR, GS_ERROR_TOO_LARGE);
	g_assert_null(got);
}

static void
store_items(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GsFilter) f = gs_filter_new_from_json("{\"kinds\":[1111]}", -1, NULL);
	g_autoptr(GsFilter) none = gs_filter_new_from_json("{\"kinds\":[7]}", -1, NULL);
	g_autoptr(GArray) items = NULL;
	g_autoptr(GError) error = NULL;

	/* created_at repeats so that the id order matters */
	for (guint i = 0; i < 40; i++)
		g_ptr_array_add(batch, fake_event(i, i % 4 == 0 ? 1 : 1111, 1000 - (i % 5)));
	g_assert_true(gs_store_insert_batch(fx->store, batch, NULL, &error));
	g_assert_true(gs_store_query_items(fx->store, f, 30, &items, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(items->len, ==, 30);
	for (guint i = 1; i < items->len; i++) {
		GsStoreItem *a = &g_array_index(items, GsStoreItem, i - 1);
		GsStoreItem *b = &g_array_index(items, GsStoreItem, i);
		g_assert_true(a->created_at < b->created_at ||
			      (a->created_at == b->created_at && memcmp(a->id, b->id, 32) < 0));
	}
	g_clear_pointer(&items, g_array_unref);
	g_assert_false(gs_store_query_items(fx->store, f, 29, &items, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_TOO_LARGE);
	g_assert_null(items);
	g_clear_error(&error);
	g_assert_true(gs_store_query_items(fx->store, none, 0, &items, &error));
	g_assert_cmpuint(items->len, ==, 0);
}

/* lookups for the acceptance policy ----------------------------------------------------------- */

static void
store_lookups(Fixture *fx, gconstpointer data)
{
	const gchar *d[] = {"d", "repo", NULL, "maintainers", "x", NULL, NULL};
	g_autoptr(GsEvent) owner = gs_test_event_new(1, 100, 30617, d, "");
	g_autoptr(GsEvent) maint = gs_test_event_new(2, 200, 30617, d, "");
	g_autofree gchar *coord = gs_event_dup_coordinate(owner);
	const gchar *ta[] = {"a", coord, NULL, NULL};
	g_autoptr(GsEvent) issue = gs_test_event_new(3, 300, 1621, ta, "bug");
	const gchar *te[] = {"e", gs_event_get_id(issue), NULL, NULL};
	g_autoptr(GsEvent) reply = gs_test_event_new(4, 400, 1111, te, "+1");
	g_autoptr(GPtrArray) anns = NULL;
	g_autoptr(GPtrArray) refs = NULL;
	g_autoptr(GsEvent) none = NULL;
	g_autoptr(GError) error = NULL;

	gs_test_store_insert_expect(fx->store, owner, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, maint, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, issue, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, reply, GS_STORE_RESULT_STORED);

	anns = gs_store_find_addressable(fx->store, 30617, "repo", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(anns->len, ==, 2);
	g_assert_true(g_ptr_array_index(anns, 0) != NULL);
	g_assert_cmpstr(gs_event_get_id(g_ptr_array_index(anns, 0)), ==, gs_event_get_id(maint));
	g_clear_pointer(&anns, g_ptr_array_unref);
	anns = gs_store_find_addressable(fx->store, 30617, "nope", &error);
	g_assert_cmpuint(anns->len, ==, 0);

	g_assert_true(gs_store_has_tag_reference(fx->store, "a", coord, &error));
	g_assert_true(gs_store_has_tag_reference(fx->store, "e", gs_event_get_id(issue), &error));
	g_assert_false(gs_store_has_tag_reference(fx->store, "E", gs_event_get_id(issue), &error));
	g_assert_no_error(error);
	g_assert_false(gs_store_has_tag_reference(fx->store, "ee", "x", &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	refs = gs_store_find_referencing(fx->store, "e", gs_event_get_id(issue), 0, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(refs->len, ==, 1);
	g_assert_cmpstr(gs_event_get_id(g_ptr_array_index(refs, 0)), ==, gs_event_get_id(reply));

	none = gs_store_get_latest(fx->store, 30617, gs_event_get_pubkey(issue), "repo", &error);
	g_assert_error(error, GS_ERROR, GS_ERROR_NOT_FOUND);
	g_assert_null(none);
	g_clear_error(&error);
	none = gs_store_get_latest(fx->store, 1, gs_event_get_pubkey(issue), NULL, &error);
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
}

static void
store_get_event_errors(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsEvent) ev = NULL;

	ev = gs_store_get_event(fx->store, "not-hex", &error);
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_assert_null(ev);
	g_clear_error(&error);
	ev = gs_store_get_event(fx->store,
				"0000000000000000000000000000000000000000000000000000000000000001",
				&error);
	g_assert_error(error, GS_ERROR, GS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(gs_store_has_event(fx->store, "ABCD", &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
}

/* signal and hook ----------------------------------------------------------------------------- */

typedef struct {
	Fixture *fx;
	GPtrArray *seen;   /* ids, in emission order */
	GArray *committed; /* gboolean: visible to a second connection at emission */
} SignalData;

static void
on_event_stored(GsStore *store, GsEvent *event, gpointer user_data)
{
	SignalData *sd = user_data;
	g_autoptr(GsStore) other = NULL;
	g_autoptr(GError) error = NULL;
	gboolean found;

	/* emitted after COMMIT: no transaction is open, and a second connection sees the event */
	g_assert_true(sqlite3_get_autocommit(gs_store_get_db(store)));
	other = gs_store_new(sd->fx->path, &error);
	g_assert_no_error(error);
	found = has(other, event);
	g_array_append_val(sd->committed, found);
	g_ptr_array_add(sd->seen, g_strdup(gs_event_get_id(event)));
}

static void
store_signal_after_commit(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) committed = g_array_new(FALSE, FALSE, sizeof(gboolean));
	SignalData sd = {fx, seen, committed};
	gboolean expect_committed[] = {TRUE, TRUE, FALSE, TRUE};
	g_autoptr(GsEvent) a = gs_test_event_new(1, 100, 1, NULL, "a");
	g_autoptr(GsEvent) b = gs_test_event_new(1, 50, 1, NULL, "b");
	g_autoptr(GsEvent) m1 = gs_test_event_new(1, 100, 0, NULL, "m1");
	g_autoptr(GsEvent) m0 = gs_test_event_new(1, 90, 0, NULL, "m0");
	g_autoptr(GsEvent) m2 = gs_test_event_new(1, 110, 0, NULL, "m2");
	g_autoptr(GPtrArray) batch = g_ptr_array_new();
	g_autoptr(GArray) results = g_array_new(FALSE, FALSE, sizeof(GsStoreResult));
	g_autoptr(GError) error = NULL;
	GsStoreResult expect[] = {GS_STORE_RESULT_STORED,
				  GS_STORE_RESULT_STORED,
				  GS_STORE_RESULT_DUPLICATE,
				  GS_STORE_RESULT_STORED,
				  GS_STORE_RESULT_REFUSED_OLDER,
				  GS_STORE_RESULT_REPLACED};

	g_signal_connect(fx->store, "event-stored", G_CALLBACK(on_event_stored), &sd);
	g_ptr_array_add(batch, a);
	g_ptr_array_add(batch, b);
	g_ptr_array_add(batch, a);
	g_ptr_array_add(batch, m1);
	g_ptr_array_add(batch, m0);
	g_ptr_array_add(batch, m2);
	g_assert_true(gs_store_insert_batch(fx->store, batch, results, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(results->len, ==, G_N_ELEMENTS(expect));
	for (guint i = 0; i < results->len; i++)
		g_assert_cmpint(g_array_index(results, GsStoreResult, i), ==, expect[i]);
	g_assert_cmpuint(seen->len, ==, 4);
	g_assert_cmpstr(g_ptr_array_index(seen, 0), ==, gs_event_get_id(a));
	g_assert_cmpstr(g_ptr_array_index(seen, 1), ==, gs_event_get_id(b));
	g_assert_cmpstr(g_ptr_array_index(seen, 2), ==, gs_event_get_id(m1));
	g_assert_cmpstr(g_ptr_array_index(seen, 3), ==, gs_event_get_id(m2));
	/* m1 was announced (its result said stored) though m2 replaced it in the same batch */
	for (guint i = 0; i < committed->len; i++)
		g_assert_cmpint(g_array_index(committed, gboolean, i), ==, expect_committed[i]);
	/* duplicates alone: no signal */
	g_assert_true(gs_store_insert_batch(fx->store, batch, results, &error));
	g_assert_cmpuint(seen->len, ==, 4);
	g_signal_handlers_disconnect_by_data(fx->store, &sd);
}

typedef struct {
	guint calls;
	guint fail_at; /* 0: never */
	gboolean destroyed;
} HookData;

static gboolean
outbox_hook(GsStore *store,
	    sqlite3 *db,
	    GsEvent *event,
	    gint64 seq,
	    GsStoreResult result,
	    gpointer user_data,
	    GError **error)
{
	HookData *hd = user_data;
	sqlite3_stmt *stmt = NULL;
	gint rc;

	g_assert_false(sqlite3_get_autocommit(db));
	/* @seq is the event's row, already written in this transaction */
	g_assert_cmpint(
		sqlite3_prepare_v2(db, "SELECT id FROM events WHERE seq = ?", -1, &stmt, NULL),
		==,
		SQLITE_OK);
	sqlite3_bind_int64(stmt, 1, seq);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
	g_assert_cmpmem(sqlite3_column_blob(stmt, 0),
			sqlite3_column_bytes(stmt, 0),
			gs_event_get_id_raw(event),
			32);
	sqlite3_finalize(stmt);
	stmt = NULL;
	if (++hd->calls == hd->fail_at) {
		g_set_error(error, GS_ERROR, GS_ERROR_INTERNAL, "hook refused");
		return FALSE;
	}
	g_assert_cmpint(
		sqlite3_prepare_v2(
			db, "INSERT INTO test_outbox (id, result) VALUES (?, ?)", -1, &stmt, NULL),
		==,
		SQLITE_OK);
	sqlite3_bind_text(stmt, 1, gs_event_get_id(event), -1, SQLITE_STATIC);
	sqlite3_bind_int(stmt, 2, result);
	rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	g_assert_cmpint(rc, ==, SQLITE_DONE);
	return TRUE;
}

static void
count_emission(GsStore *store, GsEvent *event, gpointer user_data)
{
	(*(guint *)user_data)++;
}

static void
hook_data_destroy(gpointer data)
{
	((HookData *)data)->destroyed = TRUE;
}

static gint64
outbox_rows(GsStore *store)
{
	sqlite3_stmt *stmt = NULL;
	gint64 n;

	sqlite3_prepare_v2(
		gs_store_get_db(store), "SELECT count(*) FROM test_outbox", -1, &stmt, NULL);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
	n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

static void
store_insert_hook(Fixture *fx, gconstpointer data)
{
	HookData hd = {0};
	g_autoptr(GsEvent) a = gs_test_event_new(1, 100, 1, NULL, "a");
	g_autoptr(GsEvent) b = gs_test_event_new(1, 101, 1, NULL, "b");
	g_autoptr(GsEvent) c = gs_test_event_new(1, 102, 1, NULL, "c");
	g_autoptr(GPtrArray) batch = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	guint emitted = 0;

	g_assert_cmpint(
		sqlite3_exec(gs_store_get_db(fx->store),
			     "CREATE TABLE test_outbox (id TEXT PRIMARY KEY, result INTEGER)",
			     NULL,
			     NULL,
			     NULL),
		==,
		SQLITE_OK);
	gs_store_set_insert_hook(fx->store, outbox_hook, &hd, hook_data_destroy);
	g_signal_connect(fx->store, "event-stored", G_CALLBACK(count_emission), &emitted);
	gs_test_store_insert_expect(fx->store, a, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, a, GS_STORE_RESULT_DUPLICATE);
	g_assert_cmpuint(hd.calls, ==, 1);
	g_assert_cmpint(outbox_rows(fx->store), ==, 1);

	/* the hook fails on the second event: the whole batch rolls back, nothing is announced */
	hd.fail_at = 3;
	g_ptr_array_add(batch, b);
	g_ptr_array_add(batch, c);
	g_assert_false(gs_store_insert_batch(fx->store, batch, NULL, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INTERNAL);
	g_assert_false(has(fx->store, b));
	g_assert_false(has(fx->store, c));
	g_assert_cmpint(outbox_rows(fx->store), ==, 1);
	g_assert_cmpuint(emitted, ==, 1);
	g_clear_error(&error);

	hd.fail_at = 0;
	g_assert_true(gs_store_insert_batch(fx->store, batch, NULL, &error));
	g_assert_cmpint(outbox_rows(fx->store), ==, 3);
	g_assert_cmpuint(emitted, ==, 3);
	gs_store_set_insert_hook(fx->store, NULL, NULL, NULL);
	g_assert_true(hd.destroyed);
}

static void
store_lookup_seq(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) a = gs_test_event_new(1, 100, 1, NULL, "a");
	g_autoptr(GsEvent) b = gs_test_event_new(1, 101, 1, NULL, "b");
	g_autoptr(GsEvent) old =
		gs_test_event_new(2, 100, 30617, (const gchar *[]){"d", "r", NULL, NULL}, "");
	g_autoptr(GsEvent) new =
		gs_test_event_new(2, 200, 30617, (const gchar *[]){"d", "r", NULL, NULL}, "");
	g_autoptr(GError) error = NULL;
	gint64 seq_a = 0, seq_b = 0, seq_old = 0, seq_new = 0;

	gs_test_store_insert_expect(fx->store, a, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, b, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, old, GS_STORE_RESULT_STORED);
	g_assert_true(gs_store_lookup_seq(fx->store, gs_event_get_id_raw(a), &seq_a, &error));
	g_assert_no_error(error);
	g_assert_true(gs_store_lookup_seq(fx->store, gs_event_get_id_raw(b), &seq_b, &error));
	g_assert_true(gs_store_lookup_seq(fx->store, gs_event_get_id_raw(old), &seq_old, &error));
	/* rows are numbered in insertion order */
	g_assert_cmpint(seq_a, <, seq_b);
	g_assert_cmpint(seq_b, <, seq_old);

	/* a replaced version is gone; its successor has a row of its own (which may reuse the
	 * number of the removed one: SQLite hands out max(seq) + 1) */
	gs_test_store_insert_expect(fx->store, new, GS_STORE_RESULT_REPLACED);
	g_assert_false(gs_store_lookup_seq(fx->store, gs_event_get_id_raw(old), &seq_new, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_true(gs_store_lookup_seq(fx->store, gs_event_get_id_raw(new), &seq_new, &error));
	g_assert_cmpint(seq_new, >, seq_b);
}

/* files --------------------------------------------------------------------------------------- */

static void
store_future_schema(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = NULL;
	g_autofree gchar *expect = NULL;
	guint latest = gs_store_get_schema_version(fx->store);

	g_assert_cmpint(
		sqlite3_exec(
			gs_store_get_db(fx->store), "PRAGMA user_version = 9999", NULL, NULL, NULL),
		==,
		SQLITE_OK);
	g_clear_object(&fx->store);
	store = gs_store_new(fx->path, &error);
	g_assert_error(error, GS_ERROR, GS_ERROR_STORE);
	g_assert_null(store);
	g_assert_nonnull(strstr(error->message, "9999"));
	expect = g_strdup_printf("(%u)", latest);
	g_assert_nonnull(strstr(error->message, expect));
	g_test_message("%s", error->message);
}

static gint
strcmp_cb(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* the addresses of every stored version of a kind, without the events */
static void
store_dup_coordinates(Fixture *fx, gconstpointer data)
{
	const gchar *tags_a[] = {"d", "alpha", NULL, NULL};
	const gchar *tags_b[] = {"d", "beta", NULL, NULL};
	const gchar *tags_empty[] = {NULL};
	g_autoptr(GsEvent) a1 = gs_test_event_new(1, 100, 30617, tags_a, "");
	g_autoptr(GsEvent) a2 = gs_test_event_new(1, 200, 30617, tags_a, "newer");
	g_autoptr(GsEvent) b = gs_test_event_new(2, 100, 30617, tags_b, "");
	g_autoptr(GsEvent) nod = gs_test_event_new(3, 100, 30617, tags_empty, "");
	g_autoptr(GsEvent) state = gs_test_event_new(1, 100, 30618, tags_a, "");
	g_autoptr(GPtrArray) coords = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *want_a = g_strdup_printf("30617:%s:alpha", gs_event_get_pubkey(a1));
	g_autofree gchar *want_b = g_strdup_printf("30617:%s:beta", gs_event_get_pubkey(b));
	g_autofree gchar *want_nod = g_strdup_printf("30617:%s:", gs_event_get_pubkey(nod));

	coords = gs_store_dup_coordinates(fx->store, 30617, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(coords->len, ==, 0);
	g_clear_pointer(&coords, g_ptr_array_unref);
	gs_test_store_insert_expect(fx->store, a1, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, a2, GS_STORE_RESULT_REPLACED);
	gs_test_store_insert_expect(fx->store, b, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, nod, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, state, GS_STORE_RESULT_STORED);
	coords = gs_store_dup_coordinates(fx->store, 30617, &error);
	g_assert_no_error(error);
	g_ptr_array_sort(coords, strcmp_cb);
	g_assert_cmpuint(coords->len, ==, 3);
	g_assert_true(g_ptr_array_find_with_equal_func(coords, want_a, g_str_equal, NULL));
	g_assert_true(g_ptr_array_find_with_equal_func(coords, want_b, g_str_equal, NULL));
	g_assert_true(g_ptr_array_find_with_equal_func(coords, want_nod, g_str_equal, NULL));
	g_assert_null(gs_store_dup_coordinates(fx->store, 1, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
}

/* a version 2 file (before the home-relay outbox and the deleted events' times) keeps its
 * events and deletions, and gains the table and the columns */
static void
store_migrate_from_2(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) a = gs_test_event_new(1, 100, 1, NULL, "a");
	g_autoptr(GsEvent) gone = gs_test_event_new(1, 150, 1, NULL, "gone");
	const gchar *del_tags[] = {"e", gs_event_get_id(gone), NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(1, 200, 5, del_tags, "");
	g_autoptr(GsFilter) all = gs_filter_new_from_json("{}", -1, NULL);
	g_autoptr(GArray) items = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = NULL;
	gint64 seq = 0;

	gs_test_store_insert_expect(fx->store, a, GS_STORE_RESULT_STORED);
	gs_test_store_insert_expect(fx->store, deletion, GS_STORE_RESULT_STORED);
	g_assert_cmpint(
		sqlite3_exec(gs_store_get_db(fx->store),
			     "DROP TABLE home_outbox;"
			     "DROP TABLE deleted_versions;"
			     "CREATE TABLE old_deleted (id BLOB NOT NULL, pubkey BLOB NOT NULL,"
			     "  deletion BLOB NOT NULL, PRIMARY KEY (id, pubkey)) WITHOUT ROWID;"
			     "INSERT INTO old_deleted SELECT id, pubkey, deletion FROM deleted_ids;"
			     "DROP TABLE deleted_ids;"
			     "ALTER TABLE old_deleted RENAME TO deleted_ids;"
			     "PRAGMA user_version = 2",
			     NULL,
			     NULL,
			     NULL),
		==,
		SQLITE_OK);
	g_clear_object(&fx->store);
	store = gs_store_new(fx->path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(gs_store_get_schema_version(store), >=, 4);
	/* the deletion holds; the deleted event's time is learnt when it is offered again */
	g_assert_true(gs_store_query_deleted_items(store, all, 10, &items, &error));
	g_assert_cmpuint(items->len, ==, 0);
	g_clear_pointer(&items, g_array_unref);
	gs_test_store_insert_expect(store, gone, GS_STORE_RESULT_REFUSED_DELETED);
	g_assert_true(gs_store_query_deleted_items(store, all, 10, &items, &error));
	g_assert_cmpuint(items->len, ==, 1);
	g_assert_true(gs_store_lookup_seq(store, gs_event_get_id_raw(a), &seq, &error));
	g_assert_cmpint(sqlite3_exec(gs_store_get_db(store),
				     "SELECT count(*) FROM home_outbox WHERE state = 0",
				     NULL,
				     NULL,
				     NULL),
			==,
			SQLITE_OK);
}

/* a version 4 file (before the versions of deleted addresses) keeps its address deletions and
 * learns the versions offered after the migration */
static void
store_migrate_from_4(Fixture *fx, gconstpointer data)
{
	const gchar *d_tags[] = {"d", "alpha", NULL, NULL};
	g_autoptr(GsEvent) old = gs_test_event_new(1, 100, 30617, d_tags, "old");
	g_autofree gchar *alpha = g_strdup_printf("30617:%s:alpha", gs_event_get_pubkey(old));
	const gchar *del_tags[] = {"a", alpha, NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(1, 200, 5, del_tags, "");
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = NULL;

	gs_test_store_insert_expect(fx->store, deletion, GS_STORE_RESULT_STORED);
	g_assert_cmpint(sqlite3_exec(gs_store_get_db(fx->store),
				     "DROP TABLE deleted_versions; PRAGMA user_version = 4",
				     NULL,
				     NULL,
				     NULL),
			==,
			SQLITE_OK);
	g_clear_object(&fx->store);
	store = gs_store_new(fx->path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(gs_store_get_schema_version(store), >=, 5);
	g_assert_cmpuint(deleted_count(store, "{}"), ==, 0);
	gs_test_store_insert_expect(store, old, GS_STORE_RESULT_REFUSED_DELETED);
	g_assert_cmpuint(deleted_count(store, "{}"), ==, 1);
}

static void
store_corrupt_file(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "garbage.db", NULL);
	g_autofree gchar *garbage = g_malloc(16384);
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = NULL;

	for (guint i = 0; i < 16384; i++)
		garbage[i] = (gchar)g_test_rand_int_range(0, 256);
	g_assert_true(g_file_set_contents(path, garbage, 16384, NULL));
	store = gs_store_new(path, &error);
	g_assert_error(error, GS_ERROR, GS_ERROR_STORE);
	g_assert_null(store);
	g_assert_nonnull(strstr(error->message, "not a database"));
	g_test_message("%s", error->message);
}

static void
store_missing_dir(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *path = g_build_filename(fx->tmpdir, "no", "such", "x.db", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = gs_store_new(path, &error);

	g_assert_error(error, GS_ERROR, GS_ERROR_STORE);
	g_assert_null(store);
	g_assert_nonnull(strstr(error->message, path));
}

/* rows changed behind the store's back give errors, not crashes */
static void
store_damaged_rows(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) ev = gs_test_event_new(1, 100, 1, NULL, "x");
	g_autoptr(GsFilter) all = gs_filter_new();
	g_autoptr(GPtrArray) filters = g_ptr_array_new();
	g_autoptr(GPtrArray) got = NULL;
	g_autoptr(GArray) items = NULL;
	g_autoptr(GError) error = NULL;
	sqlite3 *db = gs_store_get_db(fx->store);

	gs_test_store_insert_expect(fx->store, ev, GS_STORE_RESULT_STORED);
	g_ptr_array_add(filters, all);
	g_assert_cmpint(sqlite3_exec(db, "UPDATE events SET json = '{\"id\":1}'", NULL, NULL, NULL),
			==,
			SQLITE_OK);
	got = gs_store_query(fx->store, filters, 0, &error);
	g_assert_error(error, GS_ERROR, GS_ERROR_STORE);
	g_assert_null(got);
	g_clear_error(&error);
	g_assert_cmpint(
		sqlite3_exec(db, "UPDATE events SET json = '', id = x'00'", NULL, NULL, NULL),
		==,
		SQLITE_OK);
	got = gs_store_query(fx->store, filters, 0, &error);
	g_assert_error(error, GS_ERROR, GS_ERROR_STORE);
	g_clear_error(&error);
	g_assert_false(gs_store_query_items(fx->store, all, 10, &items, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_STORE);
}

/* overwrites the pages after the first with garbage behind SQLite's back */
static void
store_health_corrupted(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *junk = g_malloc(1 << 20);
	FILE *f;

	for (guint i = 0; i < 2000; i++)
		g_ptr_array_add(batch, fake_event(i, 1, 1000 + i));
	g_assert_true(gs_store_insert_batch(fx->store, batch, NULL, &error));
	g_assert_cmpint(sqlite3_exec(gs_store_get_db(fx->store),
				     "PRAGMA wal_checkpoint(TRUNCATE)",
				     NULL,
				     NULL,
				     NULL),
			==,
			SQLITE_OK);
	memset(junk, 0x5a, 1 << 20);
	f = fopen(fx->path, "r+");
	g_assert_nonnull(f);
	g_assert_cmpint(fseek(f, 4096, SEEK_SET), ==, 0);
	g_assert_cmpuint(fwrite(junk, 1, 1 << 20, f), ==, 1 << 20);
	fclose(f);
	sqlite3_db_release_memory(gs_store_get_db(fx->store));
	g_assert_false(gs_store_check_health(fx->store, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_STORE);
	g_test_message("%s", error->message);
}

static goffset
file_size(const gchar *path)
{
	GStatBuf st;
	return g_stat(path, &st) == 0 ? (goffset)st.st_size : -1;
}

/* checkpoints run on the store's own thread once the log passes the threshold: the events
 * reach the database file, the log starts over instead of growing, and nothing is lost */
static void
store_checkpoint_thread(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *wal = g_strconcat(fx->path, "-wal", NULL);
	g_autoptr(GError) error = NULL;
	goffset db_before = file_size(fx->path);
	goffset wal_max = 0;
	g_autoptr(GsFilter) all = gs_filter_new();
	guint64 n = 0;
	guint64 count = 0;

	/* below the default threshold (10,000 pages) nothing runs */
	for (guint round = 0; round < 2; round++) {
		g_autoptr(GPtrArray) batch =
			g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
		for (guint i = 0; i < 200; i++, n++)
			g_ptr_array_add(batch, fake_event(n, 1, 1000 + (gint64)n));
		g_assert_true(gs_store_insert_batch(fx->store, batch, NULL, &error));
		g_assert_no_error(error);
	}
	g_assert_cmpuint(gs_store_get_checkpoint_runs(fx->store), ==, 0);
	g_assert_cmpint(file_size(fx->path), ==, db_before);

	gs_store_set_checkpoint_threshold(fx->store, 64);
	for (guint round = 0; round < 40; round++) {
		g_autoptr(GPtrArray) batch =
			g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
		for (guint i = 0; i < 200; i++, n++)
			g_ptr_array_add(batch, fake_event(n, 1, 1000 + (gint64)n));
		g_assert_true(gs_store_insert_batch(fx->store, batch, NULL, &error));
		g_assert_no_error(error);
		wal_max = MAX(wal_max, file_size(wal));
	}
	/* the checkpoints run on their own thread: the first may finish before the later ones
	 * have copied most of the events, so wait for the file itself */
	for (guint i = 0; i < 500 && file_size(fx->path) <= db_before + 1024 * 1024; i++)
		g_usleep(10000);
	g_assert_cmpuint(gs_store_get_checkpoint_runs(fx->store), >, 0);
	g_assert_cmpint(file_size(fx->path), >, db_before + 1024 * 1024);
	/* 8,400 events of ~300 bytes: the log alone would be several MB without restarts */
	g_test_message("largest log %" G_GOFFSET_FORMAT " bytes, database %" G_GOFFSET_FORMAT,
		       wal_max,
		       file_size(fx->path));
	g_clear_object(&fx->store);
	fx->store = gs_store_new(fx->path, &error);
	g_assert_no_error(error);
	g_assert_true(gs_store_count(fx->store, all, &count, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(count, ==, n);
}

/* throughput (logged, not asserted) ----------------------------------------------------------- */

static gdouble
cpu_seconds(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

/* wall time on a shared machine understates the store, so CPU time is logged too */
static void
store_insert_rate(Fixture *fx, gconstpointer data)
{
	const guint n = 20000;
	g_autoptr(GPtrArray) all = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GError) error = NULL;
	g_autoptr(GTimer) timer = NULL;
	guint64 count = 0;
	g_autoptr(GsFilter) f = gs_filter_new();
	gdouble cpu;

	for (guint i = 0; i < n; i++)
		g_ptr_array_add(all, fake_event(i, 1111, 1000000 + i));
	timer = g_timer_new();
	cpu = cpu_seconds();
	for (guint i = 0; i < n; i += 1000) {
		g_autoptr(GPtrArray) batch = g_ptr_array_new();
		for (guint j = i; j < i + 1000; j++)
			g_ptr_array_add(batch, g_ptr_array_index(all, j));
		g_assert_true(gs_store_insert_batch(fx->store, batch, NULL, &error));
		g_assert_no_error(error);
	}
	cpu = cpu_seconds() - cpu;
	g_test_message("inserted %u events in batches of 1000: %.0f events/s wall, %.0f per CPU s",
		       n,
		       n / g_timer_elapsed(timer, NULL),
		       n / cpu);
	g_assert_true(gs_store_count(fx->store, f, &count, &error));
	g_assert_cmpuint(count, ==, n);
}

/* kill -9 ------------------------------------------------------------------------------------- */

static GPid
spawn_crash_helper(const gchar *db_path, gint *stdout_fd)
{
	g_autofree gchar *helper =
		g_test_build_filename(G_TEST_BUILT, "gs-store-crash-helper", NULL);
	const gchar *argv[] = {helper, db_path, NULL};
	g_autoptr(GError) error = NULL;
	GPid pid = 0;

	g_spawn_async_with_pipes(NULL,
				 (gchar **)argv,
				 NULL,
				 G_SPAWN_DO_NOT_REAP_CHILD,
				 NULL,
				 NULL,
				 &pid,
				 NULL,
				 stdout_fd,
				 NULL,
				 &error);
	g_assert_no_error(error);
	return pid;
}

/* reads acknowledged ids until @commits commits were seen (or EOF when @commits is 0); a line
 * cut short by the kill has no newline and is ignored */
static guint
read_acks(FILE *f, GPtrArray *acked, guint commits)
{
	gchar line[128];
	guint seen = 0;
	g_autoptr(GPtrArray) pending = g_ptr_array_new_with_free_func(g_free);

	while (fgets(line, sizeof(line), f) != NULL) {
		if (strchr(line, '\n') == NULL)
			break;
		g_strchomp(line);
		if (g_str_has_prefix(line, "commit ")) {
			g_ptr_array_extend_and_steal(acked, g_steal_pointer(&pending));
			pending = g_ptr_array_new_with_free_func(g_free);
			if (++seen == commits)
				break;
			continue;
		}
		g_ptr_array_add(pending, g_strdup(line));
	}
	return seen;
}

static void
store_kill9(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) acked = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	sqlite3_stmt *stmt = NULL;
	g_autoptr(GsFilter) all = gs_filter_new();
	guint64 count = 0;
	gint fd = -1;
	gint status = 0;
	GPid pid;
	FILE *f;

	g_clear_object(&fx->store);
	pid = spawn_crash_helper(fx->path, &fd);
	f = fdopen(fd, "r");
	g_assert_cmpuint(read_acks(f, acked, 25), ==, 25);
	g_usleep(g_test_rand_int_range(0, 20000));
	g_assert_cmpint(kill(pid, SIGKILL), ==, 0);
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	g_spawn_close_pid(pid);
	read_acks(f, acked, 0);
	fclose(f);
	g_test_message("%u events acknowledged before the kill", acked->len);

	fx->store = gs_store_new(fx->path, &error);
	g_assert_no_error(error);
	g_assert_cmpint(
		sqlite3_prepare_v2(
			gs_store_get_db(fx->store), "PRAGMA integrity_check", -1, &stmt, NULL),
		==,
		SQLITE_OK);
	g_assert_cmpint(sqlite3_step(stmt), ==, SQLITE_ROW);
	g_assert_cmpstr((const gchar *)sqlite3_column_text(stmt, 0), ==, "ok");
	sqlite3_finalize(stmt);
	for (guint i = 0; i < acked->len; i++) {
		if (!gs_store_has_event(fx->store, g_ptr_array_index(acked, i), &error))
			g_error("acknowledged event %s is missing", (gchar *)acked->pdata[i]);
	}
	/* batches are all or nothing: the helper writes 200 events a transaction */
	g_assert_true(gs_store_count(fx->store, all, &count, &error));
	g_assert_cmpuint(count, >=, acked->len);
	g_assert_cmpuint(count % 200, ==, 0);
	g_assert_true(gs_store_check_health(fx->store, &error));
}

/* the page cache filled by inserts and a query is given back, and the store still answers */
static void
store_release_memory(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	g_autoptr(GPtrArray) found = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *content = g_strnfill(2000, 'x');
	int cache_used = 0, unused = 0;

	for (guint i = 0; i < 500; i++)
		g_ptr_array_add(events, gs_test_event_new(i + 1, 1000 + i, 1, NULL, content));
	g_assert_true(gs_store_insert_batch(fx->store, events, NULL, &error));
	g_assert_no_error(error);
	g_ptr_array_add(filters, gs_filter_new());
	found = gs_store_query(fx->store, filters, 1000, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(found->len, ==, 500);
	g_assert_cmpint(sqlite3_db_status(gs_store_get_db(fx->store),
					  SQLITE_DBSTATUS_CACHE_USED,
					  &cache_used,
					  &unused,
					  FALSE),
			==,
			SQLITE_OK);
	/* 500 events of 2 KB: more than a megabyte of pages */
	g_assert_cmpint(cache_used, >, 1024 * 1024);
	g_assert_cmpuint(gs_store_release_memory(fx->store), >, 1024 * 1024);
	cache_used = 0;
	g_assert_cmpint(sqlite3_db_status(gs_store_get_db(fx->store),
					  SQLITE_DBSTATUS_CACHE_USED,
					  &cache_used,
					  &unused,
					  FALSE),
			==,
			SQLITE_OK);
	g_assert_cmpint(cache_used, <, 256 * 1024);
	g_assert_true(has(fx->store, g_ptr_array_index(events, 499)));
	g_assert_true(gs_store_check_health(fx->store, &error));
	g_assert_no_error(error);
}

int
main(int argc, char **argv)
{
	struct {
		const gchar *name;
		void (*func)(Fixture *, gconstpointer);
	} tests[] = {
		{"open-reopen", store_open_reopen},
		{"outcomes", store_outcomes},
		{"ephemeral", store_ephemeral},
		{"replaceable-tie", store_replaceable_tie},
		{"addressable", store_addressable},
		{"deletion-foreign", store_deletion_foreign},
		{"deletion-foreign-stored", store_deletion_foreign_stored},
		{"deletion-address", store_deletion_address},
		{"deletion-address-later", store_deletion_address_later},
		{"deletion-of-deletion", store_deletion_of_deletion},
		{"superseded-restored", store_superseded_restored},
		{"query", store_query},
		{"count", store_count},
		{"query-too-many-values", store_query_too_many_values},
		{"items", store_items},
		{"lookups", store_lookups},
		{"get-event-errors", store_get_event_errors},
		{"signal-after-commit", store_signal_after_commit},
		{"insert-hook", store_insert_hook},
		{"lookup-seq", store_lookup_seq},
		{"dup-coordinates", store_dup_coordinates},
		{"future-schema", store_future_schema},
		{"migrate-from-2", store_migrate_from_2},
		{"deleted-items", store_deleted_items},
		{"deleted-versions", store_deleted_versions},
		{"migrate-from-4", store_migrate_from_4},
		{"corrupt-file", store_corrupt_file},
		{"missing-dir", store_missing_dir},
		{"damaged-rows", store_damaged_rows},
		{"health-corrupted", store_health_corrupted},
		{"checkpoint-thread", store_checkpoint_thread},
		{"insert-rate", store_insert_rate},
		{"kill9", store_kill9},
		{"release-memory", store_release_memory},
	};

	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/store/siphash", store_siphash);
	for (guint i = 0; i < G_N_ELEMENTS(tests); i++) {
		g_autofree gchar *path = g_strdup_printf("/grasp-sync/store/%s", tests[i].name);
		g_test_add(path,
			   Fixture,
			   NULL,
			   gs_test_store_setup,
			   tests[i].func,
			   gs_test_store_teardown);
	}
	return g_test_run();
}
