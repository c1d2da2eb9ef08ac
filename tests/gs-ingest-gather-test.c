/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gs-ingest.h"
#include "gs-test-utils.h"

/*
 * GsIngest's gathering while a source says more events are coming
 * (gs_ingest_set_more_func()): ready events wait for the next ones, bounded in time, and are
 * stored at once when the source says it is done.
 */

#define SERVICE "wss://relay.example.com"
#define NOW 1700100000
/* GS_INGEST_GATHER_USEC in gs-ingest.c */
#define GATHER_USEC 200000

typedef struct {
	GsStore *store;
	GsPolicy *policy;
	GsRejectedIndex *index;
	GsIngest *ingest;
	gboolean more;
	guint n_asked; /* times the ingest asked whether more is coming */
	guint n_done;
	guint n_stored;
} Fixture;

static gboolean
fixture_more(gpointer user_data)
{
	Fixture *fx = user_data;
	fx->n_asked++;
	return fx->more;
}

static void
fixture_set_up(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	fx->store = gs_store_new(":memory:", &error);
	g_assert_no_error(error);
	fx->policy = gs_test_policy_new(fx->store, SERVICE);
	fx->index = gs_rejected_index_new(120, 7 * 24 * 3600);
	fx->ingest = gs_ingest_new(fx->store, fx->policy, fx->index);
}

static void
fixture_tear_down(Fixture *fx, gconstpointer data)
{
	g_clear_object(&fx->ingest);
	g_clear_object(&fx->index);
	g_clear_object(&fx->policy);
	g_clear_object(&fx->store);
}

static void
done_cb(GsIngest *ingest, const GsIngestResult *result, gpointer user_data)
{
	Fixture *fx = user_data;
	fx->n_done++;
	if (result->outcome == GS_INGEST_OUTCOME_STORED)
		fx->n_stored++;
}

/* an announcement of repository @d that lists the service: accepted */
static GsEvent *
announcement_new(guint32 seed, const gchar *d)
{
	const gchar *tags[] = {"d", d, NULL, "relays", SERVICE, NULL, NULL};
	return gs_test_event_new(seed, NOW, 30617, tags, "");
}

static void
submit(Fixture *fx, guint32 seed, const gchar *d)
{
	g_autoptr(GsEvent) event = announcement_new(seed, d);
	gs_ingest_submit_event(fx->ingest, "relay", event, done_cb, fx);
}

/* runs the main context without blocking for about @usec */
static void
iterate_for(gint64 usec)
{
	gint64 end = g_get_monotonic_time() + usec;

	while (g_get_monotonic_time() < end) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_usleep(1000);
	}
}

static guint64
transactions(Fixture *fx)
{
	GsIngestCounters c;

	g_assert_true(gs_ingest_get_counters(fx->ingest, NULL, &c));
	return c.transactions;
}

/* without a more-func, an event that arrives alone is stored at once: two events a moment
 * apart are two transactions */
static void
gs_ingest_gather_none(Fixture *fx, gconstpointer data)
{
	submit(fx, 1, "one");
	while (fx->n_done < 1)
		g_main_context_iteration(NULL, TRUE);
	submit(fx, 2, "two");
	gs_ingest_flush(fx->ingest);
	g_assert_cmpuint(fx->n_stored, ==, 2);
	g_assert_cmpuint(transactions(fx), ==, 2);
}

/* while more is coming, ready events wait for the next ones and share one transaction; the
 * wait is bounded: they are stored although the source never says it is done */
static void
gs_ingest_gather_more(Fixture *fx, gconstpointer data)
{
	gint64 start;

	gs_ingest_set_more_func(fx->ingest, fixture_more, fx);
	fx->more = TRUE;
	start = g_get_monotonic_time();
	submit(fx, 1, "one");
	iterate_for(GATHER_USEC / 5);
	g_assert_cmpuint(fx->n_done, ==, 0);
	submit(fx, 2, "two");
	while (fx->n_done < 2)
		g_main_context_iteration(NULL, TRUE);
	g_assert_cmpint(g_get_monotonic_time() - start, >=, GATHER_USEC);
	g_assert_cmpint(g_get_monotonic_time() - start, <, 30 * G_USEC_PER_SEC);
	g_assert_cmpuint(fx->n_stored, ==, 2);
	g_assert_cmpuint(transactions(fx), ==, 1);
	g_assert_cmpuint(fx->n_asked, >, 0);
}

/* when the source says it is done, what is ready is stored at once, before the gathering
 * time is up */
static void
gs_ingest_gather_released(Fixture *fx, gconstpointer data)
{
	gint64 start;

	gs_ingest_set_more_func(fx->ingest, fixture_more, fx);
	fx->more = TRUE;
	start = g_get_monotonic_time();
	submit(fx, 1, "one");
	iterate_for(GATHER_USEC / 5);
	g_assert_cmpuint(fx->n_done, ==, 0);
	fx->more = FALSE;
	while (fx->n_done < 1) {
		while (g_main_context_iteration(NULL, FALSE))
			;
		g_usleep(1000);
	}
	g_assert_cmpint(g_get_monotonic_time() - start, <, GATHER_USEC);
	g_assert_cmpuint(fx->n_stored, ==, 1);

	/* and with the func removed, as when the sync engine goes away */
	gs_ingest_set_more_func(fx->ingest, NULL, NULL);
	fx->n_asked = 0;
	submit(fx, 2, "two");
	gs_ingest_flush(fx->ingest);
	g_assert_cmpuint(fx->n_stored, ==, 2);
	g_assert_cmpuint(fx->n_asked, ==, 0);
}

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	ADD("/grasp-sync/ingest-gather/none", gs_ingest_gather_none);
	ADD("/grasp-sync/ingest-gather/more", gs_ingest_gather_more);
	ADD("/grasp-sync/ingest-gather/released", gs_ingest_gather_released);
	return g_test_run();
}
