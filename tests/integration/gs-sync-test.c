/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* the acceptance scenarios of specs/sync.md 13, one meson test each */

#include "config.h"

#include "gs-sync-harness.h"

#define END ((GsConnectionStatus)-1)

static const GsConnectionStatus status_connected[] = {GS_CONNECTION_STATUS_DISCONNECTED,
						      GS_CONNECTION_STATUS_CONNECTING,
						      GS_CONNECTION_STATUS_SYNCING,
						      GS_CONNECTION_STATUS_CONNECTED,
						      END};

/* 1. bootstrap sync: every event of the source arrives; disconnected -> connecting -> syncing
 * -> connected */
static void
test_bootstrap(GsHarness *h, gconstpointer data)
{
	GsTestRelay *source = gs_harness_relay_new(h, GS_TEST_RELAY_NONE);
	const gchar *url = gs_test_relay_get_url(source);
	const gchar *bootstrap[] = {url, NULL};
	g_autoptr(GPtrArray) events = gs_harness_repo_events(1, "alpha", bootstrap, 6, 3);

	gs_test_relay_add_events(source, events);
	gs_harness_start(h, bootstrap);
	g_assert_true(gs_harness_wait_status(h, url, GS_CONNECTION_STATUS_CONNECTED));
	gs_harness_assert_same_ids(h->store, gs_test_relay_get_store(source));
	gs_harness_assert_statuses(h, url, status_connected);
	g_assert_cmpstr(
		gs_connection_status_to_string(gs_sync_manager_get_relay_status(h->manager, url)),
		==,
		"connected");
	g_assert_true(gs_sync_manager_get_relay_historic_sync_completed(h->manager, url));
	g_assert_false(gs_sync_manager_get_relay_historic_sync_had_failures(h->manager, url));
	g_assert_cmpuint(gs_sync_manager_get_relay_pending_batches(h->manager, url), ==, 0);
	g_assert_cmpint(gs_sync_manager_get_relay_supports_negentropy(h->manager, url), ==, 1);
}

static const struct {
	const gchar *name;
	void (*func)(GsHarness *h, gconstpointer data);
} cases[] = {
	{"bootstrap", test_bootstrap},
};

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
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
