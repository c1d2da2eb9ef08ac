/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* the sync manager's decisions: options, control methods, the daily pass, the 15 minute rule,
 * dropping relays, the subscription budget, NIP-77 marks and what survives a restart */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-message.h"
#include "gs-relay-url.h"
#include "integration/gs-sync-harness.h"

static void
test_options_from_config(void)
{
	g_autoptr(GsConfig) config = gs_config_new();
	g_autoptr(GError) error = NULL;
	GsSyncManagerOptions opts;

	g_assert_true(gs_config_validate(config, &error));
	gs_sync_manager_options_init(&opts);
	gs_sync_manager_options_load_config(&opts, config);
	g_assert_cmpuint(g_strv_length(opts.bootstrap_relays), ==, 2);
	g_assert_cmpuint(g_strv_length(opts.service_urls), ==, 0);
	g_assert_false(opts.disable_negentropy);
	g_assert_cmpuint(opts.batch_window_ms, ==, 5000);
	g_assert_cmpuint(opts.completion_extra_ms, ==, 1000);
	g_assert_cmpuint(opts.batch_timeout_ms, ==, 120000);
	g_assert_cmpuint(opts.health_tick_ms, ==, 2000);
	g_assert_cmpuint(opts.base_backoff_secs, ==, 5);
	g_assert_cmpuint(opts.connect_timeout_ms, ==, 5000);
	g_assert_cmpuint(opts.max_backoff_secs, ==, 3600);
	g_assert_cmpint(opts.quick_reconnect_secs, ==, 900);
	g_assert_cmpint(opts.daily_min_secs, ==, 23 * 3600);
	g_assert_cmpint(opts.daily_max_secs, ==, 25 * 3600);
	g_assert_cmpuint(opts.rate_limit_cooldown_ms, ==, 65000);
	g_assert_cmpuint(opts.dead_after_secs, ==, 24 * 3600);
	g_assert_cmpuint(opts.naughty_expiry_secs, ==, 12 * 3600);
	g_assert_cmpuint(opts.negentropy_frame_limit, ==, 60000);
	g_assert_cmpuint(opts.req_page_limit, ==, 500);
	g_assert_cmpuint(opts.max_subscriptions, ==, 70);
	g_assert_cmpuint(opts.max_event_bytes, ==, 262144);

	g_assert_true(
		gs_config_set_value(config, "sync", "batch-window-ms", "250", "test", &error));
	g_assert_true(
		gs_config_set_value(config, "sync", "base-backoff-secs", "2", "test", &error));
	g_assert_true(
		gs_config_set_value(config, "sync", "disable-negentropy", "true", "test", &error));
	g_assert_no_error(error);
	gs_sync_manager_options_load_config(&opts, config);
	g_assert_cmpuint(opts.batch_window_ms, ==, 250);
	g_assert_cmpuint(opts.base_backoff_secs, ==, 2);
	g_assert_cmpuint(opts.connect_timeout_ms, ==, 2000);
	g_assert_true(opts.disable_negentropy);
	gs_sync_manager_options_clear(&opts);
}

static void
count_cb(GsSyncManager *manager, const gchar *url, guint *n)
{
	(*n)++;
}

static gboolean
relay_has_no_client(GsHarness *h, gpointer data)
{
	return gs_test_relay_get_connection_count(data) == 0;
}

/* AddRelay, RemoveRelay, Resync, RetryFailed and their refusals */
static void
test_control(GsHarness *h, gconstpointer data)
{
	GsTestRelay *relay = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *boot[] = {"ws://127.0.0.1:9", NULL};
	g_autofree gchar *added = NULL;
	g_autofree gchar *url = gs_relay_url_normalise(gs_test_relay_get_url(relay), FALSE, NULL);
	g_autoptr(GError) error = NULL;
	guint n_added = 0, n_removed = 0;

	gs_harness_start(h, boot);
	g_signal_connect(h->manager, "relay-added", G_CALLBACK(count_cb), &n_added);
	g_signal_connect(h->manager, "relay-removed", G_CALLBACK(count_cb), &n_removed);

	g_assert_null(gs_sync_manager_add_relay(h->manager, "http://x", FALSE, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_null(gs_sync_manager_add_relay(h->manager, GS_HARNESS_SERVICE "/", FALSE, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);

	/* another spelling of the same relay is the same relay */
	added = gs_sync_manager_add_relay(h->manager, gs_test_relay_get_url(relay), FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(added, ==, url);
	g_assert_cmpuint(n_added, ==, 1);
	g_assert_false(gs_sync_manager_get_relay_is_bootstrap(h->manager, url));
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	/* an added relay stays although no repository names it */
	gs_harness_run_for(h, 4 * h->opts.health_tick_ms);
	g_assert_true(gs_sync_manager_has_relay(h->manager, url));

	g_assert_false(gs_sync_manager_remove_relay(h->manager, "ws://127.0.0.1:1", &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_NOT_FOUND);
	g_clear_error(&error);
	g_assert_false(gs_sync_manager_remove_relay(h->manager, boot[0], &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(gs_sync_manager_retry_failed(h->manager, boot[0], &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_BUSY);
	g_clear_error(&error);
	g_assert_false(gs_sync_manager_resync(h->manager, "ws://127.0.0.1:1", &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_NOT_FOUND);
	g_clear_error(&error);

	g_assert_true(gs_sync_manager_remove_relay(h->manager, url, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(n_removed, ==, 1);
	g_assert_false(gs_sync_manager_has_relay(h->manager, url));
	/* closed directly, not left waiting */
	g_assert_true(gs_harness_wait(h, relay_has_no_client, relay, GS_HARNESS_WAIT_MS));
}

static const gchar *daily_expected = "connected syncing connected ";

/* the daily pass: 23-25 h after the first connection the relay is synced afresh */
static void
test_daily_pass(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 2, 1);
	g_autoptr(GString) tail = g_string_new(NULL);
	gint64 now, next, second;
	GArray *seen;
	guint neg_opens;

	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	now = gs_harness_now(h);
	next = gs_sync_manager_get_relay_next_daily_at(h->manager, url);
	g_assert_cmpint(next, >=, now + 23 * 3600 - 5);
	g_assert_cmpint(next, <=, now + 25 * 3600);

	/* not yet */
	gs_harness_advance(h, next - now - 60);
	gs_harness_run_for(h, 4 * h->opts.health_tick_ms);
	g_assert_cmpint(gs_sync_manager_get_relay_status(h->manager, url),
			==,
			GS_CONNECTION_STATUS_CONNECTED);
	neg_opens = gs_test_relay_get_received(source, GS_MESSAGE_NEG_OPEN);

	gs_harness_advance(h, 120);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_SYNCING));
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	seen = gs_harness_get_statuses(h, url);
	for (guint i = seen->len - 3; i < seen->len; i++)
		g_string_append_printf(
			tail,
			"%s ",
			gs_connection_status_to_string(g_array_index(seen, GsConnectionStatus, i)));
	g_assert_cmpstr(tail->str, ==, daily_expected);
	/* with negentropy, and rescheduled */
	g_assert_cmpuint(gs_test_relay_get_received(source, GS_MESSAGE_NEG_OPEN), >, neg_opens);
	second = gs_sync_manager_get_relay_next_daily_at(h->manager, url);
	g_assert_cmpint(second, >=, next + 23 * 3600);
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, events->len);
}

/* the historic filters sent from @start on: how many carry a since, how many do not */
static void
count_since(GPtrArray *log, guint start, guint *with, guint *without)
{
	*with = *without = 0;
	for (guint i = start; i < log->len; i++) {
		const gchar *text = g_ptr_array_index(log, i);
		g_autoptr(GsMessage) msg =
			gs_message_parse(text, strlen(text), GS_MESSAGE_FROM_CLIENT, NULL);

		if (msg == NULL ||
		    (msg->type != GS_MESSAGE_REQ && msg->type != GS_MESSAGE_NEG_OPEN))
			continue;
		for (guint j = 0; j < msg->filters->len; j++) {
			g_autoptr(GsFilter) f =
				gs_filter_new_from_node(g_ptr_array_index(msg->filters, j), NULL);
			if (gs_filter_get_limit(f) == 0 || gs_filter_get_ids(f) != NULL)
				continue;
			if (gs_filter_get_since(f) >= 0)
				(*with)++;
			else
				(*without)++;
		}
	}
}

/* a reconnection more than 15 minutes after the disconnection starts afresh */
static void
test_late_reconnect(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 2, 1);
	guint start, with, without;

	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_test_relay_drop_connections(source);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_DISCONNECTED));
	start = gs_test_relay_get_log(source)->len;
	gs_harness_advance(h, 901);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	count_since(gs_test_relay_get_log(source), start, &with, &without);
	g_assert_cmpuint(with, ==, 0);
	g_assert_cmpuint(without, >=, 1 + 4 + 3); /* L1, the repository's L2, the roots' L3 */
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
}

static gboolean
relay_gone(GsHarness *h, gpointer data)
{
	return !gs_sync_manager_has_relay(h->manager, data);
}

/* a relay named by an announcement is dropped when the announcement stops naming it */
static void
test_relay_removed(GsHarness *h, gconstpointer data)
{
	GsTestRelay *boot = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	GsTestRelay *other = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *bootstrap[] = {gs_test_relay_get_url(boot), NULL};
	const gchar *listed[] = {gs_test_relay_get_url(other), NULL};
	g_autofree gchar *other_url = gs_relay_url_normalise(listed[0], FALSE, NULL);
	gint64 at = g_get_real_time() / G_USEC_PER_SEC - 600;
	g_autoptr(GsEvent) first = gs_harness_announcement(1, "alpha", at, listed);
	g_autoptr(GsEvent) second = gs_harness_announcement(1, "alpha", at + 60, NULL);
	guint n_removed = 0;

	gs_test_relay_add_event(boot, first);
	gs_harness_start(h, bootstrap);
	g_signal_connect(h->manager, "relay-removed", G_CALLBACK(count_cb), &n_removed);
	g_assert_true(gs_harness_wait_status(h, other_url, GS_CONNECTION_STATUS_CONNECTED));
	gs_test_relay_add_event(boot, second);
	g_assert_true(gs_harness_wait(h, relay_gone, other_url, GS_HARNESS_WAIT_MS));
	g_assert_cmpuint(n_removed, ==, 1);
	g_assert_true(gs_harness_wait(h, relay_has_no_client, other, GS_HARNESS_WAIT_MS));
	/* the bootstrap relay stays */
	g_assert_true(gs_sync_manager_has_relay(h->manager, bootstrap[0]));
	g_assert_true(gs_harness_has(h, second));
}

typedef struct {
	const gchar *url;
	guint max_subs;
} BudgetWatch;

static gboolean
budget_watch(GsHarness *h, gpointer data)
{
	BudgetWatch *w = data;
	GsRelayConnection *conn = gs_sync_manager_get_connection(h->manager, w->url);

	w->max_subs = MAX(w->max_subs, gs_relay_connection_get_n_subscriptions(conn));
	return gs_sync_manager_get_relay_status(h->manager, w->url) ==
	       GS_CONNECTION_STATUS_CONNECTED;
}

/* many filters, small pages and a budget of 6 subscriptions: all of it, never over budget */
static void
test_budget(GsHarness *h, gconstpointer data)
{
	GsRelayLimits limits;
	GsTestRelay *source;
	g_autofree gchar *url = NULL;
	const gchar *bootstrap[2] = {NULL, NULL};
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	BudgetWatch w = {NULL, 0};
	GsSyncRelayStats stats;

	gs_relay_limits_init(&limits);
	limits.events_per_minute = 0;
	limits.max_subscriptions = 6;
	source = gs_test_relay_new_full(NULL, &limits);
	g_ptr_array_add(h->relays, source);
	url = gs_relay_url_normalise(gs_test_relay_get_url(source), FALSE, NULL);
	bootstrap[0] = url;
	for (guint r = 0; r < 3; r++) {
		g_autofree gchar *d = g_strdup_printf("repo%u", r);
		g_autoptr(GPtrArray) repo = gs_harness_repo_events(1 + r * 10, d, bootstrap, 12, 2);
		for (guint i = 0; i < repo->len; i++)
			g_ptr_array_add(events, gs_event_ref(g_ptr_array_index(repo, i)));
	}
	gs_test_relay_add_events(source, events);
	h->opts.max_subscriptions = 6;
	h->opts.disable_negentropy = TRUE;
	h->opts.req_page_limit = 10;
	gs_harness_start(h, bootstrap);
	w.url = url;
	g_assert_true(gs_harness_wait(h, budget_watch, &w, GS_HARNESS_WAIT_MS));
	g_assert_cmpuint(w.max_subs, <=, 6);
	g_assert_cmpuint(w.max_subs, >=, 4);
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	gs_sync_manager_get_relay_stats(h->manager, url, &stats);
	g_assert_cmpuint(stats.batches[GS_SYNC_METHOD_REQ_EOSE][GS_SYNC_OUTCOME_FAILED], ==, 0);
	g_assert_cmpuint(stats.batches[GS_SYNC_METHOD_REQ_EOSE][GS_SYNC_OUTCOME_COMPLETE], >=, 3);
	g_assert_cmpuint(stats.batches[GS_SYNC_METHOD_NEGENTROPY][GS_SYNC_OUTCOME_COMPLETE], ==, 0);
}

/* live REQs grow in parts: a root found once the relay is live costs the live filters of that
 * root (and its historic batch), not those of every root again */
static void
test_live_parts(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 60, 0);
	g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autofree gchar *coordinate = gs_harness_coordinate(1, "alpha");
	GsRelayConnection *conn;
	guint64 sent;

	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	conn = gs_sync_manager_get_connection(h->manager, url);
	sent = gs_relay_connection_get_bytes_sent(conn);
	g_ptr_array_add(
		fresh,
		gs_harness_root(3, 1621, coordinate, g_get_real_time() / G_USEC_PER_SEC, "new"));
	gs_test_relay_add_event(source, g_ptr_array_index(fresh, 0));
	g_assert_true(gs_harness_wait_stored(h, fresh));
	/* its batch window, its L3 batch and the completion check */
	gs_harness_run_for(h, 1000);
	g_assert_cmpint(gs_sync_manager_get_relay_status(h->manager, url),
			==,
			GS_CONNECTION_STATUS_CONNECTED);
	g_assert_cmpuint(gs_relay_connection_get_bytes_sent(conn), >, sent);
	/* the 60 old roots' ids sent once more would be 60 x 3 x 64 bytes */
	g_assert_cmpuint(gs_relay_connection_get_bytes_sent(conn) - sent, <, 60 * 64);
}

/* a relay that refuses some live REQs (too many subscriptions): new items cost their own
 * filters, not the refused layer re-sent whole at every batch window */
static void
test_live_refused(GsHarness *h, gconstpointer data)
{
	GsRelayLimits limits;
	GsTestRelay *source;
	g_autofree gchar *url = NULL;
	const gchar *bootstrap[2] = {NULL, NULL};
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GPtrArray) more = NULL;
	g_autoptr(GPtrArray) fresh = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autofree gchar *coordinate = gs_harness_coordinate(1, "alpha");
	GsRelayConnection *conn;
	guint64 sent;

	gs_relay_limits_init(&limits);
	limits.events_per_minute = 0;
	limits.max_filters = 2;
	limits.max_subscriptions = 6;
	source = gs_test_relay_new_full(NULL, &limits);
	g_ptr_array_add(h->relays, source);
	url = gs_relay_url_normalise(gs_test_relay_get_url(source), FALSE, NULL);
	bootstrap[0] = url;
	events = gs_harness_repo_events(1, "alpha", bootstrap, 40, 0);
	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	/* a second repository: its live REQs are more than the relay takes */
	more = gs_harness_repo_events(2, "beta", bootstrap, 40, 0);
	gs_test_relay_add_events(source, more);
	g_assert_true(gs_harness_wait_stored(h, more));
	gs_harness_run_for(h, 1000);
	conn = gs_sync_manager_get_connection(h->manager, url);
	sent = gs_relay_connection_get_bytes_sent(conn);
	g_ptr_array_add(
		fresh,
		gs_harness_root(3, 1621, coordinate, g_get_real_time() / G_USEC_PER_SEC, "new"));
	gs_test_relay_add_event(source, g_ptr_array_index(fresh, 0));
	g_assert_true(gs_harness_wait_stored(h, fresh));
	gs_harness_run_for(h, 1000);
	/* re-sending the 80 old roots' live filters would be 80 x 3 x 64 bytes */
	g_assert_cmpuint(gs_relay_connection_get_bytes_sent(conn) - sent, <, 80 * 64);
}

static gboolean
nip77_unknown(GsHarness *h, gpointer data)
{
	return gs_sync_manager_get_relay_supports_negentropy(h->manager, data) == -1;
}

/* "no NIP-77" is remembered for 24 hours, then negentropy is tried again */
static void
test_nip77_expiry(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NO_NIP77);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 1, 1);
	g_autoptr(GError) error = NULL;
	guint opens;

	gs_test_relay_add_events(source, events);
	h->opts.daily_min_secs = h->opts.daily_max_secs = 7 * 86400;
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_cmpint(gs_sync_manager_get_relay_supports_negentropy(h->manager, url), ==, 0);
	/* the mark holds: a resync within the day uses REQ+EOSE at once */
	opens = gs_test_relay_get_received(source, GS_MESSAGE_NEG_OPEN);
	g_assert_true(gs_sync_manager_resync(h->manager, url, &error));
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_cmpuint(gs_test_relay_get_received(source, GS_MESSAGE_NEG_OPEN), ==, opens);
	/* a day later it is forgotten, and the next pass tries negentropy again */
	gs_harness_advance(h, 86400 + 60);
	g_assert_true(gs_harness_wait(h, nip77_unknown, (gpointer)url, GS_HARNESS_WAIT_MS));
	g_assert_true(gs_sync_manager_resync(h->manager, url, &error));
	g_assert_no_error(error);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_cmpuint(gs_test_relay_get_received(source, GS_MESSAGE_NEG_OPEN), >, opens);
	g_assert_cmpint(gs_sync_manager_get_relay_supports_negentropy(h->manager, url), ==, 0);
}

static gint64
query_int(GsHarness *h, const gchar *sql)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = gs_store_new(h->db_path, &error);
	sqlite3_stmt *stmt = NULL;
	gint64 value = -1;

	g_assert_no_error(error);
	g_assert_cmpint(
		sqlite3_prepare_v2(gs_store_get_db(store), sql, -1, &stmt, NULL), ==, SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

/* what survives a restart: the relay's row, NIP-77 knowledge, confirmed items, and failed
 * batches, which run again when the relay catches up */
static void
test_persistence(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 2, 1);
	g_autoptr(GPtrArray) later = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autofree gchar *beta = gs_harness_coordinate(2, "beta");
	GsTestRelayKnobs broken = {.flags = GS_TEST_RELAY_IDS_NOT_SERVED};
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	GsSyncTargets *targets;
	gint64 last_connected;

	/* recent: a catch-up (since = disconnection - 15 min) must find them */
	g_ptr_array_add(later, gs_harness_announcement(2, "beta", now - 10, bootstrap));
	g_ptr_array_add(later, gs_harness_root(3, 1621, beta, now - 5, "beta issue"));

	/* alpha syncs, then beta's announcement is listed but never served: L1 fails */
	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_test_relay_drop_connections(source);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_DISCONNECTED));
	gs_test_relay_set_knobs(source, &broken);
	gs_test_relay_add_events(source, later);
	gs_harness_advance(h, 7);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED_DEGRADED));
	last_connected = gs_sync_manager_get_relay_last_connected(h->manager, url);
	gs_harness_stop(h);

	g_assert_cmpint(query_int(h, "SELECT count(*) FROM sync_relays"), ==, 1);
	g_assert_cmpint(query_int(h, "SELECT ever_connected FROM sync_relays"), ==, 1);
	g_assert_cmpint(query_int(h, "SELECT nip77 FROM sync_relays"), ==, 1);
	g_assert_cmpint(
		query_int(h, "SELECT disconnected_at FROM sync_relays"), >=, last_connected);
	g_assert_cmpint(query_int(h, "SELECT count(*) FROM sync_failed"), ==, 1);
	/* alpha, its two roots */
	g_assert_cmpint(query_int(h, "SELECT count(*) FROM sync_confirmed"), ==, 3);

	/* the relay is fixed; a restart catches up and runs the failed L1 batch again */
	gs_test_relay_set_knobs(source, NULL);
	gs_harness_open_store(h);
	gs_harness_start(h, bootstrap);
	/* the stored repository and its stored roots are targets again at once */
	targets = gs_sync_index_get_targets(gs_sync_manager_get_index(h->manager));
	g_assert_cmpuint(gs_sync_targets_get_n_repos(targets), ==, 1);
	g_assert_cmpuint(gs_sync_targets_get_n_roots(targets), ==, 2);
	g_assert_cmpint(gs_sync_manager_get_relay_supports_negentropy(h->manager, url), ==, 1);
	g_assert_cmpint(
		gs_sync_manager_get_relay_last_connected(h->manager, url), ==, last_connected);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_stored(h, later));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	g_assert_cmpuint(gs_sync_manager_get_relay_failed_batches(h->manager, url), ==, 0);
}

/* a clone URL on a host known as a relay makes that relay one to sync the repository from;
 * our own service URL never is one */
static void
test_clone_relay(GsHarness *h, gconstpointer data)
{
	GsTestRelay *boot = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	GsTestRelay *grasp = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *bootstrap[] = {gs_test_relay_get_url(boot), NULL};
	g_autofree gchar *grasp_url =
		gs_relay_url_normalise(gs_test_relay_get_url(grasp), FALSE, NULL);
	g_autofree gchar *clone = g_strdup_printf("http%s/npub1x/alpha.git", grasp_url + 2);
	g_autofree gchar *coordinate = gs_harness_coordinate(1, "alpha");
	gint64 at = g_get_real_time() / G_USEC_PER_SEC - 600;
	const gchar *tags[] = {
		"d", "alpha", NULL, "relays", GS_HARNESS_SERVICE, NULL, "clone", clone, NULL, NULL};
	g_autoptr(GsEvent) announcement = gs_test_event_new(1, at, 30617, tags, "");
	g_autoptr(GPtrArray) only_there =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autofree gchar *added = NULL;
	g_auto(GStrv) relays = NULL;

	g_ptr_array_add(only_there, gs_harness_state(1, "alpha", at + 1));
	g_ptr_array_add(only_there, gs_harness_root(2, 1617, coordinate, at + 2, "a patch"));
	gs_test_relay_add_event(boot, announcement);
	gs_test_relay_add_events(grasp, only_there);
	gs_harness_start(h, bootstrap);
	/* the GRASP server is known as a relay (here: added by hand), so its clone URL counts */
	added = gs_sync_manager_add_relay(h->manager, grasp_url, FALSE, NULL);
	g_assert_cmpstr(added, ==, grasp_url);
	g_assert_true(gs_harness_wait_stored(h, only_there));
	relays = gs_sync_manager_dup_relay_urls(h->manager);
	g_assert_cmpuint(g_strv_length(relays), ==, 2);
	g_assert_false(gs_sync_manager_has_relay(h->manager, GS_HARNESS_SERVICE));
}

/* a reloaded configuration: a new bootstrap relay is followed at once, the old one dropped */
static void
test_reconfigure(GsHarness *h, gconstpointer data)
{
	GsTestRelay *first = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	GsTestRelay *second = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	g_autofree gchar *a = gs_relay_url_normalise(gs_test_relay_get_url(first), FALSE, NULL);
	g_autofree gchar *b = gs_relay_url_normalise(gs_test_relay_get_url(second), FALSE, NULL);
	const gchar *before[] = {a, NULL};
	const gchar *after[] = {b, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", NULL, 2, 1);
	GsSyncManagerOptions opts = h->opts;

	gs_test_relay_add_events(second, events);
	gs_harness_start(h, before);
	g_assert_true(gs_harness_wait_status(h, a, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_sync_manager_get_relay_is_bootstrap(h->manager, a));
	opts.bootstrap_relays = (gchar **)after;
	opts.batch_window_ms = 150;
	gs_sync_manager_reconfigure(h->manager, &opts);
	g_assert_true(gs_sync_manager_get_relay_is_bootstrap(h->manager, b));
	g_assert_false(gs_sync_manager_get_relay_is_bootstrap(h->manager, a));
	g_assert_true(gs_harness_wait(h, relay_gone, a, GS_HARNESS_WAIT_MS));
	g_assert_true(gs_harness_wait_status(h, b, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_true(gs_harness_wait_stored(h, events));
	g_assert_true(gs_harness_wait(h, relay_has_no_client, first, GS_HARNESS_WAIT_MS));
}

/* a relay that takes fewer subscriptions and NEG sessions than our budget says so; we keep
 * under what it allowed, and it is still synced with negentropy, nothing failed; with
 * @data, its NIP-11 document is read first and nothing is refused at all */
static void
test_learned_budget(GsHarness *h, gconstpointer data)
{
	gboolean stated = data != NULL;
	g_autoptr(GPtrArray) replies =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	GsRelayLimits limits;
	GsTestRelay *source;
	g_autofree gchar *url = NULL;
	const gchar *bootstrap[2] = {NULL, NULL};
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	GsSyncRelayStats stats;

	gs_relay_limits_init(&limits);
	limits.events_per_minute = 0;
	limits.max_subscriptions = 8;
	/* stated: live needs L1, 2 REQs for L2 and 4 for L3, over half of the 8 during the pass */
	if (stated)
		limits.max_filters = 3;
	source = gs_test_relay_new_full(NULL, &limits);
	g_ptr_array_add(h->relays, source);
	url = gs_relay_url_normalise(gs_test_relay_get_url(source), FALSE, NULL);
	bootstrap[0] = url;
	h->opts.fetch_relay_info = stated;
	/* every filter reconciled, even with nothing here: the NEG sessions are what is counted */
	h->opts.negentropy_req_max_local = -1;
	/* 400 roots: four L3 batches of three filters, twelve NEG sessions at once */
	for (guint r = 0; r < 10; r++) {
		g_autofree gchar *d = g_strdup_printf("repo%u", r);
		g_autoptr(GPtrArray) repo = gs_harness_repo_events(1 + r * 10, d, bootstrap, 40, 1);
		for (guint i = 0; i < repo->len; i++)
			g_ptr_array_add(events, gs_event_ref(g_ptr_array_index(repo, i)));
	}
	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	g_assert_cmpint(gs_sync_manager_get_relay_supports_negentropy(h->manager, url), ==, 1);
	gs_sync_manager_get_relay_stats(h->manager, url, &stats);
	g_assert_cmpuint(stats.batches[GS_SYNC_METHOD_NEGENTROPY][GS_SYNC_OUTCOME_FAILED], ==, 0);
	g_assert_cmpuint(stats.batches[GS_SYNC_METHOD_REQ_EOSE][GS_SYNC_OUTCOME_COMPLETE], ==, 0);
	g_assert_false(gs_sync_manager_get_relay_historic_sync_had_failures(h->manager, url));
	/* L1, one L2 batch of 4 filters, L3 batches of 3 (four when discovery takes the 400 roots
	 * in one drain, more when the ingest hands them over in parts): when the relay stated its
	 * limit up front nothing is refused, else NEG-OPENs were refused and opened again once
	 * there was room */
	if (stated) {
		g_assert_cmpuint(gs_test_relay_get_refusals(source), ==, 0);
		g_assert_cmpuint(
			gs_test_relay_get_received(source, GS_MESSAGE_NEG_OPEN), >=, 1 + 4 + 12);
	} else {
		g_assert_cmpuint(gs_test_relay_get_refusals(source), >, 0);
		g_assert_cmpuint(
			gs_test_relay_get_received(source, GS_MESSAGE_NEG_OPEN), >, 1 + 4 + 12);
	}
	/* the live REQs held back during the pass (half of 8 subscriptions) are open now: new
	 * replies to roots of every repository arrive */
	for (guint i = 0; i < events->len; i += 20) {
		GsEvent *root = g_ptr_array_index(events, i);
		if (gs_event_get_kind(root) != 1617 && gs_event_get_kind(root) != 1621)
			continue;
		g_ptr_array_add(replies,
				gs_harness_reply(50,
						 1111,
						 "E",
						 gs_event_get_id(root),
						 g_get_real_time() / G_USEC_PER_SEC,
						 "live"));
		gs_test_relay_add_event(source, g_ptr_array_index(replies, replies->len - 1));
	}
	g_assert_cmpuint(replies->len, >, 10);
	g_assert_true(gs_harness_wait_stored(h, replies));
}

static gint64
harness_clock_us(gpointer user_data)
{
	return gs_harness_now(user_data) * G_USEC_PER_SEC;
}

/* REQs by id from @start on in @log that name @id */
static guint
fetches_of(GPtrArray *log, guint start, const gchar *id)
{
	guint n = 0;

	for (guint i = start; i < log->len; i++) {
		const gchar *text = g_ptr_array_index(log, i);
		if (g_str_has_prefix(text, "[\"REQ\"") && strstr(text, "\"ids\"") != NULL &&
		    strstr(text, id) != NULL)
			n++;
	}
	return n;
}

/* events their author deleted (NIP-09) that a relay keeps: the first pass fetches them once
 * and the store refuses them; later negentropy passes find them in the local set and request
 * nothing, even once the rejected index has forgotten them */
static void
test_deleted_offered(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 2, 1);
	g_autofree gchar *coordinate = gs_harness_coordinate(1, "alpha");
	gint64 at = g_get_real_time() / G_USEC_PER_SEC - 3600;
	g_autoptr(GsEvent) issue = gs_harness_root(40, 1621, coordinate, at, "deleted issue");
	const gchar *del_tags[] = {"e", gs_event_get_id(issue), NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(40, at + 60, 5, del_tags, "");
	g_autoptr(GsEvent) old_state = gs_harness_state(1, "alpha", at + 100);
	g_autoptr(GsEvent) new_state = gs_harness_state(1, "alpha", at + 200);
	g_autoptr(GError) error = NULL;
	GPtrArray *log = gs_test_relay_get_log(source);
	gint64 now, next;
	guint start, neg_opens;

	/* the relay keeps the issue and an older state (which replaced the one in @events); we
	 * have the issue's deletion by its author and a newer state */
	gs_test_relay_add_events(source, events);
	gs_test_relay_add_event(source, issue);
	gs_test_relay_add_event(source, old_state);
	g_assert_true(gs_store_insert(h->store, new_state, NULL, &error));
	g_assert_true(gs_store_insert(h->store, deletion, NULL, &error));
	g_assert_no_error(error);
	gs_rejected_index_set_clock(h->rejected, harness_clock_us, h);
	/* every filter reconciled, also those with nothing here, so that the ids are fetched */
	h->opts.negentropy_req_max_local = -1;
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_cmpuint(fetches_of(log, 0, gs_event_get_id(issue)), ==, 1);
	g_assert_cmpuint(fetches_of(log, 0, gs_event_get_id(old_state)), ==, 1);
	g_assert_false(gs_harness_has(h, issue));
	g_assert_false(gs_harness_has(h, old_state));
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, events->len + 1);

	/* the daily pass a week later, the rejected index's memory of the issue expired */
	now = gs_harness_now(h);
	next = gs_sync_manager_get_relay_next_daily_at(h->manager, url);
	gs_harness_advance(h, 7 * 24 * 3600 + 60);
	g_assert_false(gs_rejected_index_contains(h->rejected, gs_event_get_id(issue)));
	g_assert_cmpint(gs_harness_now(h), >, next);
	start = log->len;
	neg_opens = gs_test_relay_get_received(source, GS_MESSAGE_NEG_OPEN);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_SYNCING));
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_cmpuint(gs_test_relay_get_received(source, GS_MESSAGE_NEG_OPEN), >, neg_opens);
	g_assert_cmpuint(fetches_of(log, start, gs_event_get_id(issue)), ==, 0);
	g_assert_cmpuint(fetches_of(log, start, gs_event_get_id(old_state)), ==, 0);
	g_assert_cmpint(now, <, next);
}

/* the heap is trimmed when no historic pass runs any more: never while a relay without NIP-77
 * that sends no EOSE is syncing, once when its batch times out, once more after a Resync's pass */
static void
test_memory_trim(GsHarness *h, gconstpointer data)
{
	GsTestRelay *boot = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	GsTestRelay *slow = gs_harness_relay_new(h, GS_TEST_RELAY_NO_NIP77 | GS_TEST_RELAY_NO_EOSE);
	const gchar *bootstrap[] = {gs_test_relay_get_url(boot), NULL};
	const gchar *listed[] = {gs_test_relay_get_url(slow), NULL};
	g_autofree gchar *boot_url = gs_relay_url_normalise(bootstrap[0], FALSE, NULL);
	g_autofree gchar *slow_url = gs_relay_url_normalise(listed[0], FALSE, NULL);
	gint64 at = g_get_real_time() / G_USEC_PER_SEC - 600;
	g_autoptr(GsEvent) ann = gs_harness_announcement(1, "alpha", at, listed);
	guint64 trims;

	gs_test_relay_add_event(boot, ann);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, slow_url, GS_CONNECTION_STATUS_SYNCING));
	g_assert_true(gs_harness_wait_status(h, boot_url, GS_CONNECTION_STATUS_CONNECTED));
	/* the bootstrap relay may have finished before the other began */
	trims = gs_sync_manager_get_memory_trims(h->manager);
	g_assert_cmpuint(trims, <=, 1);
	gs_harness_run_for(h, 500);
	g_assert_cmpint(gs_sync_manager_get_relay_status(h->manager, slow_url),
			==,
			GS_CONNECTION_STATUS_SYNCING);
	g_assert_cmpuint(gs_sync_manager_get_memory_trims(h->manager), ==, trims);
	g_assert_true(gs_harness_wait_status(h, slow_url, GS_CONNECTION_STATUS_CONNECTED_DEGRADED));
	g_assert_cmpuint(gs_sync_manager_get_memory_trims(h->manager), ==, trims + 1);

	g_assert_true(gs_sync_manager_resync(h->manager, boot_url, NULL));
	g_assert_cmpint(gs_sync_manager_get_relay_status(h->manager, boot_url),
			==,
			GS_CONNECTION_STATUS_SYNCING);
	g_assert_cmpuint(gs_sync_manager_get_memory_trims(h->manager), ==, trims + 1);
	g_assert_true(gs_harness_wait_status(h, boot_url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_cmpuint(gs_sync_manager_get_memory_trims(h->manager), ==, trims + 2);
}

/* versions of an address its author deleted (NIP-09 `a`) that a relay keeps: the first pass
 * fetches them once and the store refuses them; later negentropy passes find them in the local
 * set, even once the rejected index has forgotten them */
static void
test_deleted_address_offered(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 2, 1);
	gint64 at = g_get_real_time() / G_USEC_PER_SEC - 3600;
	g_autoptr(GsEvent) state = gs_harness_state(1, "alpha", at);
	g_autofree gchar *address = g_strdup_printf("30618:%s:alpha", gs_event_get_pubkey(state));
	const gchar *del_tags[] = {"a", address, NULL, NULL};
	g_autoptr(GsEvent) deletion = gs_test_event_new(1, at + 60, 5, del_tags, "");
	g_autoptr(GError) error = NULL;
	GPtrArray *log = gs_test_relay_get_log(source);
	guint start, neg_opens;

	/* the relay keeps a state of the repository newer than the one in @events; we have its
	 * author's deletion of the address up to after it */
	gs_test_relay_add_events(source, events);
	gs_test_relay_add_event(source, state);
	g_assert_true(gs_store_insert(h->store, deletion, NULL, &error));
	g_assert_no_error(error);
	gs_rejected_index_set_clock(h->rejected, harness_clock_us, h);
	/* every filter reconciled, also those with nothing here, so that the ids are fetched */
	h->opts.negentropy_req_max_local = -1;
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_cmpuint(fetches_of(log, 0, gs_event_get_id(state)), ==, 1);
	g_assert_false(gs_harness_has(h, state));
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, events->len);

	/* the daily pass a week later, the rejected index's memory of the state expired */
	gs_harness_advance(h, 7 * 24 * 3600 + 60);
	g_assert_false(gs_rejected_index_contains(h->rejected, gs_event_get_id(state)));
	start = log->len;
	neg_opens = gs_test_relay_get_received(source, GS_MESSAGE_NEG_OPEN);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_SYNCING));
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_cmpuint(gs_test_relay_get_received(source, GS_MESSAGE_NEG_OPEN), >, neg_opens);
	g_assert_cmpuint(fetches_of(log, start, gs_event_get_id(state)), ==, 0);
}

/* the hysteresis of the ingest backpressure, over a made-up backlog */
static void
test_backlog_hysteresis(void)
{
	const guint64 max_events = 20000, max_bytes = 64 << 20;
	const struct {
		gboolean paused;
		guint64 events, bytes;
		gboolean expected;
	} steps[] = {
		{FALSE, 0, 0, FALSE},
		{FALSE, 19999, (64 << 20) - 1, FALSE},
		{FALSE, 20000, 0, TRUE},      /* events reach their limit */
		{FALSE, 10, 64 << 20, TRUE},  /* bytes reach theirs */
		{TRUE, 19999, 0, TRUE},	      /* under the limit is not enough */
		{TRUE, 10000, 0, TRUE},	      /* half is not under half */
		{TRUE, 9999, 32 << 20, TRUE}, /* both must be under half */
		{TRUE, 9999, (32 << 20) - 1, FALSE},
		{TRUE, 0, 0, FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
		g_test_message("step %u", i);
		g_assert_cmpint(gs_sync_backlog_update(steps[i].paused,
						       steps[i].events,
						       steps[i].bytes,
						       max_events,
						       max_bytes),
				==,
				steps[i].expected);
	}
	/* 0: no limit */
	g_assert_false(gs_sync_backlog_update(FALSE, G_MAXUINT64, G_MAXUINT64, 0, 0));
	g_assert_false(gs_sync_backlog_update(TRUE, G_MAXUINT64, 0, 0, 2));
	g_assert_true(gs_sync_backlog_update(FALSE, 5, G_MAXUINT64, 0, 1));
}

/* historic pages wait while the ingest's backlog is high, and every event still arrives */
static void
test_backlog(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NO_NIP77);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 10, 3);

	gs_test_relay_add_events(source, events);
	h->opts.req_page_limit = 5;
	h->opts.ingest_backlog_events = 3;
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_stored(h, events));
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	g_assert_cmpuint(gs_harness_n_events(h->store), ==, events->len);
	/* pages of 5 events put 3 or more in the ingest at once */
	g_assert_cmpuint(gs_sync_manager_get_backlog_pauses(h->manager), >, 0);
	g_assert_false(gs_sync_manager_get_backlogged(h->manager));
}

static const struct {
	const gchar *name;
	void (*func)(GsHarness *h, gconstpointer data);
	gconstpointer data;
} cases[] = {
	{"control", test_control},
	{"daily-pass", test_daily_pass},
	{"late-reconnect", test_late_reconnect},
	{"relay-removed", test_relay_removed},
	{"budget", test_budget},
	{"learned-budget", test_learned_budget},
	{"stated-budget", test_learned_budget, GINT_TO_POINTER(1)},
	{"live-parts", test_live_parts},
	{"live-refused", test_live_refused},
	{"nip77-expiry", test_nip77_expiry},
	{"persistence", test_persistence},
	{"clone-relay", test_clone_relay},
	{"reconfigure", test_reconfigure},
	{"deleted-offered", test_deleted_offered},
	{"deleted-address-offered", test_deleted_address_offered},
	{"memory-trim", test_memory_trim},
	{"backlog", test_backlog},
};

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/sync-manager/options-from-config", test_options_from_config);
	g_test_add_func("/grasp-sync/sync-manager/backlog-hysteresis", test_backlog_hysteresis);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *path =
			g_strdup_printf("/grasp-sync/sync-manager/%s", cases[i].name);
		g_test_add(path,
			   GsHarness,
			   cases[i].data,
			   gs_harness_setup,
			   cases[i].func,
			   gs_harness_teardown);
	}
	return g_test_run();
}
