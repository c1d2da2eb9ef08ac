/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-home-outbox.h"
#include "gs-home-relay.h"
#include "gs-message.h"
#include "gs-test-home.h"
#include "gs-test-utils.h"

typedef struct {
	gchar *tmpdir;
	gchar *path;
	GsStore *store;
	GsTestHome *home;
	GsHomeRelay *relay;
	GsHomeRelayOptions opts;
	gint64 clock_offset;   /* µs added to the real clock */
	GHashTable *from_home; /* ids the source function attributes to home */
	GHashTable *refuse;    /* id -> OK message home answers with */
	guint refuse_times;    /* refuse only the first this many times (0: always) */
	guint8 seckey[32];
} Fixture;

static gint64
fixture_clock(gpointer user_data)
{
	Fixture *f = user_data;
	return g_get_real_time() + f->clock_offset;
}

static const gchar *
fixture_source(GsEvent *event, gpointer user_data)
{
	Fixture *f = user_data;
	if (g_hash_table_contains(f->from_home, gs_event_get_id(event)))
		return gs_test_home_get_url(f->home);
	return "ws://127.0.0.1:1";
}

static GsTestHomeVerdict
fixture_judge(GsTestHome *home,
	      GsEvent *event,
	      guint times,
	      const gchar **message,
	      gpointer user_data)
{
	Fixture *f = user_data;
	const gchar *text = g_hash_table_lookup(f->refuse, gs_event_get_id(event));

	if (text == NULL || (f->refuse_times > 0 && times > f->refuse_times))
		return GS_TEST_HOME_ACCEPT;
	*message = text;
	return GS_TEST_HOME_REFUSE;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->tmpdir = gs_test_tmpdir_new();
	f->path = g_build_filename(f->tmpdir, "events.db", NULL);
	f->store = gs_store_new(f->path, &error);
	g_assert_no_error(error);
	f->home = gs_test_home_new();
	f->from_home = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f->refuse = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	gs_test_home_set_judge(f->home, fixture_judge, f);
	gs_test_seckey_from_seed(77, f->seckey);
	gs_home_relay_options_init(&f->opts);
	f->opts.base_backoff_secs = 1;
	f->opts.max_backoff_secs = 2;
	f->opts.clock = fixture_clock;
	f->opts.clock_data = f;
	f->opts.seed = 42;
	f->opts.status_interval_ms = 50;
	f->opts.seckey = f->seckey;
}

static void
fixture_new_relay(Fixture *f)
{
	g_autoptr(GError) error = NULL;

	f->relay = gs_home_relay_new(f->store, gs_test_home_get_url(f->home), &f->opts, &error);
	g_assert_no_error(error);
	gs_home_relay_set_source_func(f->relay, fixture_source, f);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_object(&f->relay);
	g_clear_pointer(&f->home, gs_test_home_free);
	g_clear_object(&f->store);
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_hash_table_unref(f->from_home);
	g_hash_table_unref(f->refuse);
	gs_test_tmpdir_remove(f->tmpdir);
	g_free(f->tmpdir);
	g_free(f->path);
}

/* @n kind-1 notes from key @seed, stored in one batch; returns them */
static GPtrArray *
fixture_store_notes(Fixture *f, guint32 seed, guint n)
{
	GPtrArray *events = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < n; i++) {
		g_autofree gchar *content = g_strdup_printf("note %u/%u", seed, i);
		g_ptr_array_add(events, gs_test_event_new(seed, 1700000000 + i, 1, NULL, content));
	}
	g_assert_true(gs_store_insert_batch(f->store, events, NULL, &error));
	g_assert_no_error(error);
	return events;
}

static gboolean
home_has(Fixture *f, GsEvent *event)
{
	return gs_store_has_event(gs_test_home_get_store(f->home), gs_event_get_id(event), NULL);
}

static guint
home_count(Fixture *f, GPtrArray *events)
{
	guint n = 0;
	for (guint i = 0; i < events->len; i++)
		n += home_has(f, g_ptr_array_index(events, i));
	return n;
}

static gint64
pending(Fixture *f)
{
	return gs_home_relay_get_outbox_pending(f->relay);
}

/* everything stored reaches home, once each, in a window of max-in-flight */
static void
home_deliver_all(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) before = NULL;
	g_autoptr(GPtrArray) after = NULL;
	GsHomeRelayStats stats;

	f->opts.max_in_flight = 7;
	fixture_new_relay(f);
	before = fixture_store_notes(f, 1, 120);
	g_assert_cmpint(pending(f), ==, 120);
	g_assert_false(gs_home_relay_is_connected(f->relay));
	gs_home_relay_start(f->relay);
	GS_TEST_WAIT_FOR(pending(f) == 0, 10000);
	/* stored while connected: delivered at once */
	after = fixture_store_notes(f, 2, 30);
	GS_TEST_WAIT_FOR(pending(f) == 0 && home_count(f, after) == 30, 10000);
	g_assert_cmpuint(home_count(f, before), ==, 120);
	g_assert_cmpuint(gs_test_home_get_n_events(f->home), ==, 150);
	g_assert_cmpuint(gs_test_home_get_n_ids(f->home), ==, 150);
	g_assert_cmpuint(gs_test_home_get_max_outstanding(f->home), <=, 7);
	gs_home_relay_get_stats(f->relay, &stats);
	g_assert_cmpuint(stats.delivered, ==, 150);
	g_assert_cmpuint(stats.duplicate + stats.refused + stats.retried, ==, 0);
	g_assert_cmpint(gs_home_relay_get_oldest_pending_seconds(f->relay), ==, 0);
}

/* no more than max-in-flight events await their OK; each OK lets one more go */
static GsTestHomeVerdict
judge_hold(GsTestHome *home, GsEvent *event, guint times, const gchar **message, gpointer data)
{
	return GS_TEST_HOME_HOLD;
}

static void
home_window(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;

	f->opts.max_in_flight = 10;
	gs_test_home_set_judge(f->home, judge_hold, f);
	fixture_new_relay(f);
	events = fixture_store_notes(f, 1, 35);
	gs_home_relay_start(f->relay);
	GS_TEST_WAIT_FOR(gs_test_home_get_held(f->home) == 10, 5000);
	gs_test_home_run(200);
	g_assert_cmpuint(gs_test_home_get_n_events(f->home), ==, 10);
	for (guint round = 0; round < 3; round++) {
		guint before = gs_test_home_get_n_events(f->home);
		g_assert_cmpuint(gs_test_home_release(f->home), ==, 10);
		GS_TEST_WAIT_FOR(gs_test_home_get_n_events(f->home) == MIN(before + 10, 35), 5000);
	}
	gs_test_home_release(f->home);
	GS_TEST_WAIT_FOR(pending(f) == 0, 5000);
	g_assert_cmpuint(gs_test_home_get_max_outstanding(f->home), ==, 10);
	g_assert_cmpuint(gs_test_home_get_n_events(f->home), ==, 35);
}

/* events that came from home are not queued; duplicates count as delivered */
static void
home_source_and_duplicates(Fixture *f, gconstpointer data)
{
	g_autoptr(GsEvent) mine = gs_test_event_new(3, 1700000000, 1, NULL, "mine");
	g_autoptr(GsEvent) theirs = gs_test_event_new(3, 1700000001, 1, NULL, "from home");
	g_autoptr(GsEvent) both = gs_test_event_new(3, 1700000002, 1, NULL, "home has it");
	GsHomeRelayStats stats;

	fixture_new_relay(f);
	g_hash_table_add(f->from_home, g_strdup(gs_event_get_id(theirs)));
	g_assert_true(gs_store_insert(gs_test_home_get_store(f->home), both, NULL, NULL));
	g_assert_true(gs_store_insert(f->store, mine, NULL, NULL));
	g_assert_true(gs_store_insert(f->store, theirs, NULL, NULL));
	g_assert_true(gs_store_insert(f->store, both, NULL, NULL));
	g_assert_cmpint(pending(f), ==, 2);
	gs_home_relay_start(f->relay);
	GS_TEST_WAIT_FOR(pending(f) == 0, 5000);
	g_assert_true(home_has(f, mine));
	g_assert_false(home_has(f, theirs));
	g_assert_cmpuint(gs_test_home_get_times(f->home, gs_event_get_id(theirs)), ==, 0);
	gs_home_relay_get_stats(f->relay, &stats);
	g_assert_cmpuint(stats.delivered, ==, 1);
	g_assert_cmpuint(stats.duplicate, ==, 1);
}

static void
refuse_range(Fixture *f, GPtrArray *events, guint from, guint to, const gchar *message)
{
	for (guint i = from; i < to; i++)
		g_hash_table_insert(f->refuse,
				    g_strdup(gs_event_get_id(g_ptr_array_index(events, i))),
				    g_strdup(message));
}

/* blocked: kept with its reason and not retried in a loop; rate-limited: retried, delivered */
static void
home_refused_and_rate_limited(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GPtrArray) refused = NULL;
	g_autoptr(GError) error = NULL;
	GsHomeRelayStats stats;

	fixture_new_relay(f);
	events = fixture_store_notes(f, 4, 30);
	refuse_range(f, events, 0, 5, "blocked: not a repository we host");
	refuse_range(f, events, 5, 6, "invalid: bad tags");
	refuse_range(f, events, 10, 20, "rate-limited: slow down");
	f->refuse_times = 0;
	gs_home_relay_start(f->relay);
	/* the blocked ones settle at once; the rate-limited ones stay queued while refused */
	GS_TEST_WAIT_FOR(gs_home_relay_get_outbox_refused(f->relay) == 6, 5000);
	GS_TEST_WAIT_FOR(home_count(f, events) == 14, 5000);
	g_assert_cmpint(pending(f), ==, 10);
	/* now home takes them: after the backoff they arrive */
	for (guint i = 10; i < 20; i++)
		g_hash_table_remove(f->refuse, gs_event_get_id(g_ptr_array_index(events, i)));
	GS_TEST_WAIT_FOR(pending(f) == 0, 10000);
	g_assert_cmpuint(home_count(f, events), ==, 24);
	/* the refused ones had one second chance once the queue drained, and no more: 3 s
	 * later they were sent twice each */
	gs_test_home_run(3000);
	for (guint i = 0; i < 6; i++)
		g_assert_cmpuint(gs_test_home_get_times(
					 f->home, gs_event_get_id(g_ptr_array_index(events, i))),
				 ==,
				 2);
	for (guint i = 10; i < 20; i++)
		g_assert_cmpuint(gs_test_home_get_times(
					 f->home, gs_event_get_id(g_ptr_array_index(events, i))),
				 >=,
				 2);
	gs_home_relay_get_stats(f->relay, &stats);
	g_assert_cmpuint(stats.refused, ==, 12);
	g_assert_cmpuint(stats.refusals[GS_HOME_REFUSAL_BLOCKED], ==, 10);
	g_assert_cmpuint(stats.refusals[GS_HOME_REFUSAL_INVALID], ==, 2);
	g_assert_cmpuint(stats.delivered, ==, 24);
	g_assert_cmpuint(stats.retried, >=, 10);
	refused = gs_home_relay_dup_refused(f->relay, 100, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(refused->len, ==, 6);
	for (guint i = 0; i < refused->len; i++) {
		GsHomeOutboxEntry *e = g_ptr_array_index(refused, i);
		g_assert_cmpstr(e->id, ==, gs_event_get_id(g_ptr_array_index(events, i)));
		g_assert_cmpstr(e->last_result,
				==,
				i < 5 ? "blocked: not a repository we host" : "invalid: bad tags");
		g_assert_cmpuint(e->attempts, ==, 2);
	}

	/* a day later they are tried once more; home still refuses them */
	f->clock_offset += (gint64)25 * 3600 * G_USEC_PER_SEC;
	gs_home_relay_run_maintenance(f->relay);
	GS_TEST_WAIT_FOR(gs_test_home_get_times(f->home, gs_event_get_id(events->pdata[0])) == 3,
			 5000);
	GS_TEST_WAIT_FOR(gs_home_relay_get_outbox_refused(f->relay) == 6, 5000);
	/* RetryHomeRefused after home changed its mind */
	g_hash_table_remove_all(f->refuse);
	g_assert_cmpuint(gs_home_relay_retry_refused(f->relay, &error), ==, 6);
	GS_TEST_WAIT_FOR(gs_home_relay_get_outbox_refused(f->relay) == 0 && pending(f) == 0, 5000);
	g_assert_cmpuint(home_count(f, events), ==, 30);
}

/* auth-required: AUTH once, then the events go through */
static void
home_auth(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;
	GsHomeRelayStats stats;

	gs_test_home_set_require_auth(f->home, TRUE, TRUE);
	fixture_new_relay(f);
	events = fixture_store_notes(f, 5, 40);
	gs_home_relay_start(f->relay);
	GS_TEST_WAIT_FOR(pending(f) == 0, 5000);
	g_assert_cmpuint(home_count(f, events), ==, 40);
	g_assert_cmpuint(gs_test_home_get_n_auth(f->home), ==, 1);
	gs_home_relay_get_stats(f->relay, &stats);
	g_assert_cmpuint(stats.refused, ==, 0);
	g_assert_cmpuint(stats.delivered, ==, 40);
}

/* AUTH refused: the events are refused with reason auth-required, not retried in a loop */
static void
home_auth_refused(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;
	GsHomeRelayStats stats;

	gs_test_home_set_require_auth(f->home, TRUE, FALSE);
	fixture_new_relay(f);
	events = fixture_store_notes(f, 6, 12);
	gs_home_relay_start(f->relay);
	GS_TEST_WAIT_FOR(gs_home_relay_get_outbox_refused(f->relay) == 12, 5000);
	gs_test_home_run(500);
	g_assert_cmpuint(gs_test_home_get_n_auth(f->home), ==, 1);
	g_assert_cmpuint(gs_test_home_get_n_events(f->home), <=, 24);
	gs_home_relay_get_stats(f->relay, &stats);
	g_assert_cmpuint(stats.refusals[GS_HOME_REFUSAL_AUTH_REQUIRED], ==, 12);
	g_assert_cmpuint(home_count(f, events), ==, 0);
}

/* no OK in time: retried with backoff, a late OK is ignored */
static GsTestHomeVerdict
judge_silent_once(GsTestHome *home,
		  GsEvent *event,
		  guint times,
		  const gchar **message,
		  gpointer data)
{
	return times == 1 ? GS_TEST_HOME_SILENT : GS_TEST_HOME_ACCEPT;
}

static void
home_ok_timeout(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;
	GsHomeRelayStats stats;

	f->opts.ok_timeout_ms = 300;
	gs_test_home_set_judge(f->home, judge_silent_once, f);
	fixture_new_relay(f);
	events = fixture_store_notes(f, 7, 5);
	gs_home_relay_start(f->relay);
	GS_TEST_WAIT_FOR(pending(f) == 0, 10000);
	gs_home_relay_get_stats(f->relay, &stats);
	g_assert_cmpuint(stats.retried, ==, 5);
	g_assert_cmpuint(stats.delivered, ==, 5);
	g_assert_cmpuint(gs_test_home_get_n_events(f->home), ==, 10);
}

/* a dropped connection keeps everything queued; home down for a while, then up: it drains */
static void
home_down_then_up(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) first = NULL;
	g_autoptr(GPtrArray) second = NULL;

	f->opts.max_in_flight = 5;
	gs_test_home_set_judge(f->home, judge_hold, f);
	fixture_new_relay(f);
	first = fixture_store_notes(f, 8, 50);
	gs_home_relay_start(f->relay);
	GS_TEST_WAIT_FOR(gs_test_home_get_held(f->home) == 5, 5000);
	/* the connection dies with 5 events unanswered; home is gone for a while */
	gs_test_home_stop(f->home);
	GS_TEST_WAIT_FOR(!gs_home_relay_is_connected(f->relay), 5000);
	second = fixture_store_notes(f, 9, 20);
	gs_test_home_run(1500);
	g_assert_cmpint(pending(f), ==, 70);
	g_assert_cmpint(gs_home_relay_get_oldest_pending_seconds(f->relay), >=, 1);
	gs_test_home_set_judge(f->home, fixture_judge, f);
	gs_test_home_restart(f->home);
	GS_TEST_WAIT_FOR(pending(f) == 0, 15000);
	g_assert_cmpuint(home_count(f, first), ==, 50);
	g_assert_cmpuint(home_count(f, second), ==, 20);
	g_assert_cmpuint(gs_test_home_get_n_connections(f->home), >=, 2);
}

/* replaced before delivery: only the current version goes, even when it reuses the row */
static void
home_replaced_before_delivery(Fixture *f, gconstpointer data)
{
	const gchar *tags[] = {"d", "repo", NULL, NULL};
	g_autoptr(GsEvent) v1 = gs_test_event_new(10, 1700000000, 30617, tags, "v1");
	g_autoptr(GsEvent) v2 = gs_test_event_new(10, 1700000100, 30617, tags, "v2");
	g_autoptr(GsEvent) note = gs_test_event_new(10, 1700000000, 1, NULL, "note");
	GsStoreResult result;

	fixture_new_relay(f);
	g_assert_true(gs_store_insert(f->store, note, NULL, NULL));
	g_assert_true(gs_store_insert(f->store, v1, NULL, NULL));
	g_assert_true(gs_store_insert(f->store, v2, &result, NULL));
	g_assert_cmpint(result, ==, GS_STORE_RESULT_REPLACED);
	g_assert_cmpint(pending(f), ==, 2);
	gs_home_relay_start(f->relay);
	GS_TEST_WAIT_FOR(pending(f) == 0, 5000);
	g_assert_true(home_has(f, v2));
	g_assert_true(home_has(f, note));
	g_assert_cmpuint(gs_test_home_get_times(f->home, gs_event_get_id(v1)), ==, 0);
}

/* stopped with events in flight, a new instance on the same file resumes; nothing whose OK
 * was recorded is sent again */
static void
home_resume_after_restart(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GHashTable) left = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GsHomeOutbox) outbox = NULL;
	g_autoptr(GPtrArray) due = NULL;
	guint again = 0;

	f->opts.max_in_flight = 8;
	gs_test_home_set_judge(f->home, judge_hold, f);
	fixture_new_relay(f);
	events = fixture_store_notes(f, 11, 60);
	gs_home_relay_start(f->relay);
	GS_TEST_WAIT_FOR(gs_test_home_get_held(f->home) == 8, 5000);
	gs_test_home_release(f->home);
	GS_TEST_WAIT_FOR(gs_test_home_get_held(f->home) == 8, 5000);
	gs_home_relay_stop(f->relay);
	g_clear_object(&f->relay);
	g_clear_object(&f->store);

	/* what the file says is left */
	f->store = gs_store_new(f->path, &error);
	g_assert_no_error(error);
	outbox = gs_home_outbox_new(gs_store_get_db(f->store), &error);
	due = gs_home_outbox_load_due(outbox, 0, G_MAXINT64, 1000, &error);
	g_assert_cmpuint(due->len, ==, 52);
	for (guint i = 0; i < due->len; i++) {
		GsHomeOutboxEntry *entry = g_ptr_array_index(due, i);
		g_autoptr(GsMessage) msg = NULL;

		/* each row comes with its EVENT message, ready to send */
		g_assert_cmpuint(entry->message_len, ==, strlen(entry->message));
		msg = gs_message_parse(
			entry->message, entry->message_len, GS_MESSAGE_FROM_CLIENT, &error);
		g_assert_no_error(error);
		g_assert_cmpint(msg->type, ==, GS_MESSAGE_EVENT);
		g_assert_nonnull(strstr(entry->message, entry->id));
		g_hash_table_add(left, g_strdup(entry->id));
	}
	g_clear_pointer(&outbox, gs_home_outbox_free);

	gs_test_home_set_judge(f->home, fixture_judge, f);
	gs_test_home_reset_counts(f->home);
	fixture_new_relay(f);
	gs_home_relay_start(f->relay);
	GS_TEST_WAIT_FOR(pending(f) == 0, 10000);
	g_assert_cmpuint(home_count(f, events), ==, 60);
	for (guint i = 0; i < events->len; i++) {
		const gchar *id = gs_event_get_id(g_ptr_array_index(events, i));
		guint times = gs_test_home_get_times(f->home, id);
		g_assert_cmpuint(times, ==, g_hash_table_contains(left, id) ? 1 : 0);
		again += times;
	}
	g_assert_cmpuint(again, ==, 52);
}

/* home takes 8 events at a time and rate-limits the rest: after one pause the window is 8,
 * and the events come in storing order, the refused ones first */
static GsTestHomeVerdict
judge_capped(GsTestHome *home, GsEvent *event, guint times, const gchar **message, gpointer data)
{
	if (gs_test_home_get_held(home) >= 8) {
		*message = "rate-limited: too many events waiting to be checked";
		return GS_TEST_HOME_REFUSE;
	}
	return GS_TEST_HOME_HOLD;
}

static gboolean
release_cb(gpointer user_data)
{
	gs_test_home_release(user_data);
	return G_SOURCE_CONTINUE;
}

/* delivers 200 notes (@seed) to a home taking 8 at a time (judge_capped), releasing what it
 * holds every 20 ms; returns: (transfer full): the notes */
static GPtrArray *
deliver_capped(Fixture *f, guint seed, GsHomeRelayStats *stats)
{
	GPtrArray *events;
	guint release_id;

	gs_test_home_set_judge(f->home, judge_capped, f);
	fixture_new_relay(f);
	events = fixture_store_notes(f, seed, 200);
	gs_home_relay_start(f->relay);
	release_id = g_timeout_add(20, release_cb, f->home);
	GS_TEST_WAIT_FOR(pending(f) == 0, 15000);
	g_source_remove(release_id);
	gs_home_relay_get_stats(f->relay, stats);
	return events;
}

static void
home_learn_window(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;
	GsHomeRelayStats stats;

	f->opts.max_in_flight = 30;
	events = deliver_capped(f, 12, &stats);
	g_assert_cmpuint(stats.window, ==, 8);
	g_assert_cmpuint(stats.retried, ==, 22);
	g_assert_cmpuint(stats.delivered, ==, 200);
	g_assert_cmpuint(gs_test_home_get_n_events(f->home), ==, 222);
	g_assert_cmpuint(home_count(f, events), ==, 200);
	g_assert_cmpuint(gs_test_home_get_max_outstanding(f->home), <=, 30);
}

/* home holds 8 events and names its budget in bytes, as our relay endpoint does */
static gsize test_budget;

static GsTestHomeVerdict
judge_budget(GsTestHome *home, GsEvent *event, guint times, const gchar **message, gpointer data)
{
	static gchar text[128];

	if (gs_test_home_get_held(home) >= 8) {
		g_snprintf(text,
			   sizeof(text),
			   "rate-limited: too many events waiting to be checked (at most "
			   "%" G_GSIZE_FORMAT " bytes)",
			   test_budget);
		*message = text;
		return GS_TEST_HOME_REFUSE;
	}
	return GS_TEST_HOME_HOLD;
}

/* a refusal that names a budget in bytes holds what is in flight to that many bytes, and
 * leaves the window's count alone */
static void
home_learn_budget(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;
	GsHomeRelayStats stats;
	gsize shortest = G_MAXSIZE, longest = 0;
	guint release_id;

	f->opts.max_in_flight = 30;
	gs_test_home_set_judge(f->home, judge_budget, f);
	fixture_new_relay(f);
	events = fixture_store_notes(f, 13, 200);
	for (guint i = 0; i < events->len; i++) {
		/* the EVENT message: ["EVENT",<json>] */
		gsize len = strlen(gs_event_get_json(g_ptr_array_index(events, i))) + 10;
		shortest = MIN(shortest, len);
		longest = MAX(longest, len);
	}
	/* 8 of them always fit, 9 never do */
	test_budget = 8 * longest + shortest / 2;
	g_assert_cmpuint(9 * shortest, >, test_budget);
	gs_home_relay_start(f->relay);
	release_id = g_timeout_add(20, release_cb, f->home);
	GS_TEST_WAIT_FOR(pending(f) == 0, 15000);
	g_source_remove(release_id);
	gs_home_relay_get_stats(f->relay, &stats);
	g_assert_cmpuint(stats.window, ==, 30);
	g_assert_cmpuint(stats.window_bytes, ==, test_budget);
	g_assert_cmpuint(stats.retried, ==, 22);
	g_assert_cmpuint(stats.delivered, ==, 200);
	g_assert_cmpuint(home_count(f, events), ==, 200);
}

/* a connection starts with the start window; while home accepts a full window it grows, up to
 * max-in-flight, without a retry */
static void
home_window_grows(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;
	GsHomeRelayStats stats;
	guint release_id;

	f->opts.max_in_flight = 40;
	f->opts.start_window = 4;
	gs_test_home_set_judge(f->home, judge_hold, f);
	fixture_new_relay(f);
	events = fixture_store_notes(f, 14, 400);
	gs_home_relay_start(f->relay);
	GS_TEST_WAIT_FOR(gs_test_home_get_held(f->home) == 4, 5000);
	gs_test_home_run(200);
	g_assert_cmpuint(gs_test_home_get_n_events(f->home), ==, 4);
	release_id = g_timeout_add(20, release_cb, f->home);
	GS_TEST_WAIT_FOR(pending(f) == 0, 15000);
	g_source_remove(release_id);
	gs_home_relay_get_stats(f->relay, &stats);
	g_assert_cmpuint(stats.window, ==, 40);
	g_assert_cmpuint(gs_test_home_get_max_outstanding(f->home), ==, 40);
	g_assert_cmpuint(stats.retried, ==, 0);
	g_assert_cmpuint(stats.delivered, ==, 400);
	g_assert_cmpuint(gs_test_home_get_n_events(f->home), ==, 400);
}

/* home takes 8 at a time and says so with `rate-limited:` only: a window growing from 4 passes
 * 8 by one event, and stays at 8 from then on; far fewer retries than a window starting at 30
 * (home_learn_window) */
static void
home_window_grows_to_cap(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;
	GsHomeRelayStats stats;

	f->opts.max_in_flight = 30;
	f->opts.start_window = 4;
	events = deliver_capped(f, 15, &stats);
	g_assert_cmpuint(stats.window, ==, 8);
	g_assert_cmpuint(stats.retried, >=, 1);
	g_assert_cmpuint(stats.retried, <=, 2);
	g_assert_cmpuint(stats.delivered, ==, 200);
	g_assert_cmpuint(home_count(f, events), ==, 200);
	g_assert_cmpuint(gs_test_home_get_max_outstanding(f->home), <=, 9);
}

static gint64
shown_property(GsHomeRelay *relay, const gchar *name)
{
	gint64 value = -1;
	g_object_get(relay, name, &value, NULL);
	return value;
}

static void
count_notify_cb(GObject *object, GParamSpec *pspec, gpointer user_data)
{
	(*(guint *)user_data)++;
}

/* the observed state: properties with notify, and the status record of GetStatus */
static void
home_status(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) events = NULL;
	g_autoptr(GVariant) status = NULL;
	g_autoptr(GVariant) published = NULL;
	g_autoptr(GVariant) refusals = NULL;
	g_autofree gchar *url = NULL;
	gboolean connected = TRUE;
	gint64 shown_pending = -1, shown_refused = -1;
	guint n_pending_notify = 0, n_connected_notify = 0;
	guint64 n = 0;

	fixture_new_relay(f);
	events = fixture_store_notes(f, 13, 20);
	refuse_range(f, events, 0, 3, "restricted: members only");
	g_signal_connect(
		f->relay, "notify::outbox-pending", G_CALLBACK(count_notify_cb), &n_pending_notify);
	g_signal_connect(
		f->relay, "notify::connected", G_CALLBACK(count_notify_cb), &n_connected_notify);
	g_object_get(f->relay, "url", &url, "connected", &connected, NULL);
	g_assert_cmpstr(url, ==, gs_test_home_get_url(f->home));
	g_assert_false(connected);
	gs_home_relay_start(f->relay);
	g_object_get(f->relay, "outbox-pending", &shown_pending, NULL);
	g_assert_cmpint(shown_pending, ==, 20);
	GS_TEST_WAIT_FOR(n_connected_notify == 1, 5000);
	GS_TEST_WAIT_FOR(pending(f) == 0 && gs_test_home_get_n_events(f->home) == 23, 5000);
	GS_TEST_WAIT_FOR(n_pending_notify >= 2, 5000);
	GS_TEST_WAIT_FOR(shown_property(f->relay, "outbox-pending") == 0, 5000);
	g_object_get(f->relay,
		     "outbox-pending",
		     &shown_pending,
		     "outbox-refused",
		     &shown_refused,
		     "connected",
		     &connected,
		     NULL);
	g_assert_cmpint(shown_pending, ==, 0);
	g_assert_cmpint(shown_refused, ==, 3);
	g_assert_true(connected);

	status = gs_home_relay_dup_status(f->relay);
	g_assert_true(g_variant_lookup(status, "Connected", "b", &connected));
	g_assert_true(connected);
	g_assert_true(g_variant_lookup(status, "OutboxPending", "t", &n));
	g_assert_cmpuint(n, ==, 0);
	g_assert_true(g_variant_lookup(status, "OutboxRefused", "t", &n));
	g_assert_cmpuint(n, ==, 3);
	published = g_variant_lookup_value(status, "Published", G_VARIANT_TYPE("a{st}"));
	g_assert_true(g_variant_lookup(published, "delivered", "t", &n));
	g_assert_cmpuint(n, ==, 17);
	/* refused, and refused again on their one second chance */
	g_assert_true(g_variant_lookup(published, "refused", "t", &n));
	g_assert_cmpuint(n, ==, 6);
	refusals = g_variant_lookup_value(status, "Refusals", G_VARIANT_TYPE("a{st}"));
	g_assert_true(g_variant_lookup(refusals, "restricted", "t", &n));
	g_assert_cmpuint(n, ==, 6);
	g_assert_true(g_variant_lookup(refusals, "pow", "t", &n));
	g_assert_cmpuint(n, ==, 0);

	/* home goes away: connected turns FALSE */
	gs_test_home_stop(f->home);
	GS_TEST_WAIT_FOR(n_connected_notify == 2, 5000);
	g_object_get(f->relay, "connected", &connected, NULL);
	g_assert_false(connected);
}

/* a store without the home outbox table (schema 1) cannot take a home relay */
static void
home_no_table(Fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsHomeRelay) relay = NULL;

	g_assert_cmpint(
		sqlite3_exec(gs_store_get_db(f->store), "DROP TABLE home_outbox", NULL, NULL, NULL),
		==,
		SQLITE_OK);
	relay = gs_home_relay_new(f->store, gs_test_home_get_url(f->home), NULL, &error);
	g_assert_error(error, GS_ERROR, GS_ERROR_STORE);
	g_assert_null(relay);
}

#define ADD(path, func)                                                                            \
	g_test_add("/grasp-sync/home-relay/" path,                                                 \
		   Fixture,                                                                        \
		   NULL,                                                                           \
		   fixture_setup,                                                                  \
		   func,                                                                           \
		   fixture_teardown)

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	ADD("deliver-all", home_deliver_all);
	ADD("window", home_window);
	ADD("source-and-duplicates", home_source_and_duplicates);
	ADD("refused-and-rate-limited", home_refused_and_rate_limited);
	ADD("auth", home_auth);
	ADD("auth-refused", home_auth_refused);
	ADD("ok-timeout", home_ok_timeout);
	ADD("down-then-up", home_down_then_up);
	ADD("replaced-before-delivery", home_replaced_before_delivery);
	ADD("resume-after-restart", home_resume_after_restart);
	ADD("learn-window", home_learn_window);
	ADD("learn-budget", home_learn_budget);
	ADD("window-grows", home_window_grows);
	ADD("window-grows-to-cap", home_window_grows_to_cap);
	ADD("status", home_status);
	ADD("no-table", home_no_table);
	return g_test_run();
}
