/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-hex.h"
#include "gs-relay-url.h"
#include "gs-sync-harness.h"

/* GS_TEST_TIME_SCALE (set by the valgrind test setup) stretches timeouts and time bounds */
guint
gs_harness_scale(void)
{
	static guint scale = 0;

	if (scale == 0) {
		const gchar *env = g_getenv("GS_TEST_TIME_SCALE");
		scale = env != NULL ? CLAMP(g_ascii_strtoull(env, NULL, 10), 1, 1000) : 1;
	}
	return scale;
}

static gint64
gs_harness_clock(gpointer user_data)
{
	GsHarness *h = user_data;
	return (h->frozen ? h->frozen_us : g_get_real_time()) + h->clock_offset_us;
}

/* unix seconds of the manager's clock */
gint64
gs_harness_now(GsHarness *h)
{
	return gs_harness_clock(h) / G_USEC_PER_SEC;
}

/* stops the manager's clock: from now on it moves only with gs_harness_advance() */
void
gs_harness_freeze(GsHarness *h)
{
	h->frozen_us = g_get_real_time();
	h->frozen = TRUE;
}

/* moves the manager's clock forward (backoff, the 15 minute rule, the daily pass) */
void
gs_harness_advance(GsHarness *h, gint64 seconds)
{
	h->clock_offset_us += seconds * G_USEC_PER_SEC;
}

void
gs_harness_setup(GsHarness *h, gconstpointer data)
{
	const gchar *service[] = {GS_HARNESS_SERVICE, NULL};

	memset(h, 0, sizeof(*h));
	h->tmpdir = gs_test_tmpdir_new();
	h->db_path = g_build_filename(h->tmpdir, "events.db", NULL);
	h->relays = g_ptr_array_new_with_free_func(g_object_unref);
	h->statuses = g_hash_table_new_full(
		g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
	gs_sync_manager_options_init(&h->opts);
	h->opts.service_urls = g_strdupv((gchar **)service);
	h->opts.batch_window_ms = 100;
	h->opts.completion_extra_ms = 150;
	h->opts.batch_timeout_ms = 3000 * gs_harness_scale();
	h->opts.health_tick_ms = 50;
	h->opts.connect_timeout_ms = 1000 * gs_harness_scale();
	h->opts.neg_timeout_ms = 1000 * gs_harness_scale();
	h->opts.rate_limit_cooldown_ms = 300 * gs_harness_scale();
	h->opts.clock = gs_harness_clock;
	h->opts.clock_data = h;
	h->opts.seed = 1234;
	gs_harness_open_store(h);
}

/* (re)opens our store and the parts over it, as a daemon start does */
void
gs_harness_open_store(GsHarness *h)
{
	const gchar *service[] = {GS_HARNESS_SERVICE, NULL};
	g_autoptr(GError) error = NULL;

	h->store = gs_store_new(h->db_path, &error);
	g_assert_no_error(error);
	h->policy = gs_policy_new(h->store);
	g_assert_true(gs_policy_set_service_urls(h->policy, service, &error));
	gs_policy_set_archive_mode(h->policy, GS_ARCHIVE_MODE_NONE);
	h->rejected = gs_rejected_index_new(120, 7 * 24 * 3600);
	h->ingest = gs_ingest_new(h->store, h->policy, h->rejected);
}

static void
gs_harness_status_cb(GsRelayConnection *conn, GParamSpec *pspec, GsHarness *h)
{
	GArray *seen = gs_harness_get_statuses(h, gs_relay_connection_get_url(conn));
	GsConnectionStatus status = gs_relay_connection_get_status(conn);

	g_debug("%s: observed %s",
		gs_relay_connection_get_url(conn),
		gs_connection_status_to_string(status));
	g_array_append_val(seen, status);
}

static void
gs_harness_relay_added_cb(GsSyncManager *manager, const gchar *url, GsHarness *h)
{
	GsRelayConnection *conn = gs_sync_manager_get_connection(manager, url);
	GArray *seen = g_array_new(FALSE, FALSE, sizeof(GsConnectionStatus));
	GsConnectionStatus status = gs_relay_connection_get_status(conn);

	g_array_append_val(seen, status);
	g_hash_table_replace(h->statuses, g_strdup(url), seen);
	g_signal_connect(conn, "notify::status", G_CALLBACK(gs_harness_status_cb), h);
}

/* returns: (transfer none): the statuses of @url observed so far, the first one at register */
GArray *
gs_harness_get_statuses(GsHarness *h, const gchar *url)
{
	g_autofree gchar *normal = gs_relay_url_normalise(url, FALSE, NULL);
	GArray *seen = g_hash_table_lookup(h->statuses, normal);
	g_assert_nonnull(seen);
	return seen;
}

void
gs_harness_start(GsHarness *h, const gchar *const *bootstrap)
{
	g_autoptr(GError) error = NULL;

	g_strfreev(h->opts.bootstrap_relays);
	h->opts.bootstrap_relays = g_strdupv((gchar **)bootstrap);
	h->manager = gs_sync_manager_new(h->store, h->ingest, h->rejected, &h->opts);
	g_signal_connect(h->manager, "relay-added", G_CALLBACK(gs_harness_relay_added_cb), h);
	g_assert_true(gs_sync_manager_start(h->manager, &error));
	g_assert_no_error(error);
}

/* stops and drops the manager and the parts over the store, keeping the database file */
void
gs_harness_stop(GsHarness *h)
{
	if (h->manager != NULL)
		gs_sync_manager_stop(h->manager);
	g_clear_object(&h->manager);
	if (h->ingest != NULL)
		gs_ingest_flush(h->ingest);
	g_clear_object(&h->ingest);
	g_clear_object(&h->policy);
	g_clear_object(&h->rejected);
	g_clear_object(&h->store);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

void
gs_harness_teardown(GsHarness *h, gconstpointer data)
{
	gs_harness_stop(h);
	g_ptr_array_unref(h->relays);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_hash_table_unref(h->statuses);
	gs_sync_manager_options_clear(&h->opts);
	gs_test_tmpdir_remove(h->tmpdir);
	g_free(h->tmpdir);
	g_free(h->db_path);
}

/**
 * gs_harness_run_cases:
 *
 * The main() of a scenario program: each case runs with a harness of its own.
 */
int
gs_harness_run_cases(int *argc, char ***argv, const GsHarnessCase *cases, guint n_cases)
{
	gs_test_init(argc, argv);
	for (guint i = 0; i < n_cases; i++) {
		g_autofree gchar *path = g_strdup_printf("/grasp-sync/sync/%s", cases[i].name);
		g_test_add(path,
			   GsHarness,
			   NULL,
			   gs_harness_setup,
			   cases[i].func,
			   gs_harness_teardown);
	}
	return g_test_run();
}

GsTestRelay *
gs_harness_relay_new(GsHarness *h, GsTestRelayFlags flags)
{
	GsTestRelayKnobs knobs = {.flags = flags};
	GsTestRelay *relay = gs_test_relay_new(&knobs);

	g_ptr_array_add(h->relays, relay);
	return relay;
}

static gboolean
gs_harness_wake_cb(gpointer user_data)
{
	return G_SOURCE_CONTINUE;
}

/* runs the main loop until @cond holds or @timeout_ms pass; returns: whether it held */
gboolean
gs_harness_wait(GsHarness *h, GsHarnessCond cond, gpointer data, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	guint wake = g_timeout_add(10, gs_harness_wake_cb, NULL);
	gboolean ok;

	while (!(ok = cond(h, data)) && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, TRUE);
	g_source_remove(wake);
	return ok;
}

static gboolean
gs_harness_never(GsHarness *h, gpointer data)
{
	return FALSE;
}

void
gs_harness_run_for(GsHarness *h, guint ms)
{
	gs_harness_wait(h, gs_harness_never, NULL, ms);
}

typedef struct {
	const gchar *url;
	GsConnectionStatus status;
} GsHarnessStatusWait;

static gboolean
gs_harness_status_is(GsHarness *h, gpointer data)
{
	GsHarnessStatusWait *w = data;
	return gs_sync_manager_get_relay_status(h->manager, w->url) == w->status;
}

gboolean
gs_harness_wait_status(GsHarness *h, const gchar *url, GsConnectionStatus status)
{
	GsHarnessStatusWait w = {url, status};
	return gs_harness_wait(h, gs_harness_status_is, &w, GS_HARNESS_WAIT_MS);
}

gboolean
gs_harness_has(GsHarness *h, GsEvent *event)
{
	return gs_store_has_event(h->store, gs_event_get_id(event), NULL);
}

static gboolean
gs_harness_has_all(GsHarness *h, gpointer data)
{
	GPtrArray *events = data;
	for (guint i = 0; i < events->len; i++) {
		if (!gs_harness_has(h, g_ptr_array_index(events, i)))
			return FALSE;
	}
	return TRUE;
}

gboolean
gs_harness_wait_stored(GsHarness *h, GPtrArray *events)
{
	return gs_harness_wait(h, gs_harness_has_all, events, GS_HARNESS_WAIT_MS);
}

/* @expected: ends with -1 */
void
gs_harness_assert_statuses(GsHarness *h, const gchar *url, const GsConnectionStatus *expected)
{
	GArray *seen = gs_harness_get_statuses(h, url);
	g_autoptr(GString) want = g_string_new(NULL);
	g_autoptr(GString) got = g_string_new(NULL);

	for (guint i = 0; expected[i] != (GsConnectionStatus)-1; i++)
		g_string_append_printf(want, "%s ", gs_connection_status_to_string(expected[i]));
	for (guint i = 0; i < seen->len; i++)
		g_string_append_printf(
			got,
			"%s ",
			gs_connection_status_to_string(g_array_index(seen, GsConnectionStatus, i)));
	g_assert_cmpstr(got->str, ==, want->str);
}

/* returns: (transfer full): the set of every event id in @store */
GHashTable *
gs_harness_ids(GsStore *store)
{
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GError) error = NULL;
	GHashTable *ids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	g_ptr_array_add(filters, gs_filter_new());
	events = gs_store_query(store, filters, 0, &error);
	g_assert_no_error(error);
	for (guint i = 0; i < events->len; i++)
		g_hash_table_add(ids, g_strdup(gs_event_get_id(g_ptr_array_index(events, i))));
	return ids;
}

guint
gs_harness_n_events(GsStore *store)
{
	g_autoptr(GHashTable) ids = gs_harness_ids(store);
	return g_hash_table_size(ids);
}

/* set equality of the two stores' events */
void
gs_harness_assert_same_ids(GsStore *a, GsStore *b)
{
	g_autoptr(GHashTable) ia = gs_harness_ids(a);
	g_autoptr(GHashTable) ib = gs_harness_ids(b);
	GHashTableIter iter;
	gpointer key;

	g_hash_table_iter_init(&iter, ia);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (!g_hash_table_contains(ib, key))
			g_error("event %s is only in the first store", (const gchar *)key);
	}
	g_hash_table_iter_init(&iter, ib);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (!g_hash_table_contains(ia, key))
			g_error("event %s is only in the second store", (const gchar *)key);
	}
}

/* events ------------------------------------------------------------------------------------- */

gchar *
gs_harness_pubkey(guint32 seed)
{
	guint8 seckey[32], pubkey[32];

	gs_test_seckey_from_seed(seed, seckey);
	g_assert_true(gs_seckey_get_pubkey(seckey, pubkey, NULL));
	return gs_hex_encode(pubkey, 32);
}

gchar *
gs_harness_coordinate(guint32 owner, const gchar *d)
{
	g_autofree gchar *pubkey = gs_harness_pubkey(owner);
	return g_strdup_printf("30617:%s:%s", pubkey, d);
}

/* a repository announcement listing our service and @relays (nullable) */
GsEvent *
gs_harness_announcement(guint32 owner, const gchar *d, gint64 at, const gchar *const *relays)
{
	return gs_harness_announcement_full(owner, d, at, relays, TRUE, NULL);
}

/**
 * gs_harness_announcement_full:
 * @ours: whether it lists our service URL
 * @maintainers: (nullable): the `maintainers` tag values
 */
GsEvent *
gs_harness_announcement_full(guint32 owner,
			     const gchar *d,
			     gint64 at,
			     const gchar *const *relays,
			     gboolean ours,
			     const gchar *const *maintainers)
{
	g_autoptr(GPtrArray) tags = g_ptr_array_new();

	g_ptr_array_add(tags, "d");
	g_ptr_array_add(tags, (gpointer)d);
	g_ptr_array_add(tags, NULL);
	g_ptr_array_add(tags, "name");
	g_ptr_array_add(tags, (gpointer)d);
	g_ptr_array_add(tags, NULL);
	g_ptr_array_add(tags, "relays");
	if (ours)
		g_ptr_array_add(tags, GS_HARNESS_SERVICE);
	for (guint i = 0; relays != NULL && relays[i] != NULL; i++)
		g_ptr_array_add(tags, (gpointer)relays[i]);
	g_ptr_array_add(tags, NULL);
	if (maintainers != NULL) {
		g_ptr_array_add(tags, "maintainers");
		for (guint i = 0; maintainers[i] != NULL; i++)
			g_ptr_array_add(tags, (gpointer)maintainers[i]);
		g_ptr_array_add(tags, NULL);
	}
	g_ptr_array_add(tags, NULL);
	return gs_test_event_new(owner, at, 30617, (const gchar *const *)tags->pdata, "");
}

GsEvent *
gs_harness_state(guint32 owner, const gchar *d, gint64 at)
{
	const gchar *tags[] = {"d",
			       d,
			       NULL,
			       "HEAD",
			       "ref: refs/heads/main",
			       NULL,
			       "refs/heads/main",
			       "0123456789abcdef0123456789abcdef01234567",
			       NULL,
			       NULL};
	return gs_test_event_new(owner, at, 30618, tags, "");
}

/* a patch, pull request or issue of the repository @coordinate */
GsEvent *
gs_harness_root(guint32 author, guint kind, const gchar *coordinate, gint64 at, const gchar *text)
{
	const gchar *tags[] = {"a", coordinate, NULL, "subject", text, NULL, NULL};
	return gs_test_event_new(author, at, kind, tags, text);
}

/* an event naming @target_id with a @tag tag (`e`, `E` or `q`) */
GsEvent *
gs_harness_reply(guint32 author,
		 guint kind,
		 const gchar *tag,
		 const gchar *target_id,
		 gint64 at,
		 const gchar *text)
{
	const gchar *tags[] = {tag, target_id, NULL, NULL};
	return gs_test_event_new(author, at, kind, tags, text);
}

/**
 * gs_harness_repo_events:
 *
 * An announcement, its state, @n_roots patches and issues, and @n_replies events on each root
 * tagging it with `E` (comments), `e` (status) and `q` (quotes) in turn, all in the past.
 *
 * Returns: (transfer full) (element-type GsEvent): the events, parents before children
 */
GPtrArray *
gs_harness_repo_events(guint32 owner,
		       const gchar *d,
		       const gchar *const *relays,
		       guint n_roots,
		       guint n_replies)
{
	return gs_harness_repo_events_full(owner, d, relays, TRUE, n_roots, n_replies);
}

GPtrArray *
gs_harness_repo_events_full(guint32 owner,
			    const gchar *d,
			    const gchar *const *relays,
			    gboolean ours,
			    guint n_roots,
			    guint n_replies)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autofree gchar *coordinate = gs_harness_coordinate(owner, d);
	gint64 base = g_get_real_time() / G_USEC_PER_SEC - 86400;
	const gchar *reply_tags[] = {"E", "e", "q"};
	const guint reply_kinds[] = {1111, 1630, 1111};

	g_ptr_array_add(out, gs_harness_announcement_full(owner, d, base, relays, ours, NULL));
	g_ptr_array_add(out, gs_harness_state(owner, d, base + 1));
	for (guint i = 0; i < n_roots; i++) {
		g_autofree gchar *text = g_strdup_printf("%s root %u", d, i);
		GsEvent *root = gs_harness_root(
			owner + 1 + i % 3, i % 2 ? 1621 : 1617, coordinate, base + 10 + i, text);
		g_ptr_array_add(out, root);
		for (guint j = 0; j < n_replies; j++) {
			g_autofree gchar *reply = g_strdup_printf("%s reply %u.%u", d, i, j);
			g_ptr_array_add(out,
					gs_harness_reply(owner + 7 + j,
							 reply_kinds[j % 3],
							 reply_tags[j % 3],
							 gs_event_get_id(root),
							 base + 1000 + i * 10 + j,
							 reply));
		}
	}
	return out;
}
