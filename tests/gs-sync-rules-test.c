/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-sync-rules.h"
#include "gs-test-utils.h"

static void
gs_sync_rules_entry_table(void)
{
	const gint64 now = 1700000000;
	const struct {
		gint64 disconnected_at;
		gint64 window;
		gboolean ever_connected;
		gboolean resync;
		GsSyncEntry entry;
		gint64 since;
	} table[] = {
		/* first connection ever */
		{-1, 900, FALSE, FALSE, GS_SYNC_ENTRY_FRESH_START, -1},
		{now - 10, 900, FALSE, FALSE, GS_SYNC_ENTRY_FRESH_START, -1},
		/* connected before, but when it ended is unknown */
		{-1, 900, TRUE, FALSE, GS_SYNC_ENTRY_FRESH_START, -1},
		/* within the window, measured from the disconnection */
		{now - 60, 900, TRUE, FALSE, GS_SYNC_ENTRY_CATCH_UP, now - 60 - 900},
		{now, 900, TRUE, FALSE, GS_SYNC_ENTRY_CATCH_UP, now - 900},
		{now - 900, 900, TRUE, FALSE, GS_SYNC_ENTRY_CATCH_UP, now - 1800},
		/* more than 15 min */
		{now - 901, 900, TRUE, FALSE, GS_SYNC_ENTRY_FRESH_START, -1},
		{now - 86400, 900, TRUE, FALSE, GS_SYNC_ENTRY_FRESH_START, -1},
		/* Resync always starts afresh */
		{now - 60, 900, TRUE, TRUE, GS_SYNC_ENTRY_FRESH_START, -1},
		{-1, 900, FALSE, TRUE, GS_SYNC_ENTRY_FRESH_START, -1},
		/* a disconnection in the future: the clock went back */
		{now + 5, 900, TRUE, FALSE, GS_SYNC_ENTRY_FRESH_START, -1},
		/* other windows */
		{now - 100, 120, TRUE, FALSE, GS_SYNC_ENTRY_CATCH_UP, now - 220},
		{now - 121, 120, TRUE, FALSE, GS_SYNC_ENTRY_FRESH_START, -1},
		{now, 0, TRUE, FALSE, GS_SYNC_ENTRY_CATCH_UP, now},
		{now - 1, 0, TRUE, FALSE, GS_SYNC_ENTRY_FRESH_START, -1},
		{now - 1, -5, TRUE, FALSE, GS_SYNC_ENTRY_FRESH_START, -1},
	};

	for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
		gint64 since = 12345;
		GsSyncEntry entry = gs_sync_decide_entry(now,
							 table[i].disconnected_at,
							 table[i].window,
							 table[i].ever_connected,
							 table[i].resync,
							 &since);
		g_test_message("row %u", i);
		g_assert_cmpint(entry, ==, table[i].entry);
		g_assert_cmpint(since, ==, table[i].since);
	}
	/* since never goes below zero, and may be omitted */
	{
		gint64 since = 12345;
		g_assert_cmpint(gs_sync_decide_entry(100, 50, 900, TRUE, FALSE, &since),
				==,
				GS_SYNC_ENTRY_CATCH_UP);
		g_assert_cmpint(since, ==, 0);
		g_assert_cmpint(gs_sync_decide_entry(100, 50, 900, TRUE, FALSE, NULL),
				==,
				GS_SYNC_ENTRY_CATCH_UP);
	}
}

static void
gs_sync_rules_root_kinds(void)
{
	const guint roots[] = {1617, 1618, 1621};
	const guint others[] = {1619, 1630, 1631, 1632, 1633, 1111, 1, 7, 30617, 30618, 1620, 1622};

	for (guint i = 0; i < G_N_ELEMENTS(roots); i++)
		g_assert_true(gs_sync_kind_is_root(roots[i]));
	for (guint i = 0; i < G_N_ELEMENTS(others); i++)
		g_assert_false(gs_sync_kind_is_root(others[i]));
}

static void
gs_sync_rules_checks(void)
{
	const gchar *pk = "0000000000000000000000000000000000000000000000000000000000000abc";
	g_autofree gchar *good = g_strdup_printf("30617:%s:my:repo", pk);
	g_autofree gchar *d = NULL;
	const gchar *bad[] = {
		"",
		"30617",
		"30617:abc:x",
		"30618:0000000000000000000000000000000000000000000000000000000000000abc:x",
		"30617:0000000000000000000000000000000000000000000000000000000000000abc:",
		"30617:0000000000000000000000000000000000000000000000000000000000000ABC:x",
		"x:0000000000000000000000000000000000000000000000000000000000000abc:x"};
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_sync_check_repo_coordinate(good, &d, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(d, ==, "my:repo");
	g_assert_false(gs_sync_check_repo_coordinate(NULL, NULL, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) e = NULL;
		g_assert_false(gs_sync_check_repo_coordinate(bad[i], NULL, &e));
		g_assert_error(e, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	}
	g_assert_true(gs_sync_check_event_id(pk, NULL));
	g_clear_error(&error);
	g_assert_false(gs_sync_check_event_id("abc", &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_assert_false(gs_sync_check_event_id(NULL, NULL));
}

static gboolean
test_is_ours(const gchar *const *tags, const gchar *const *service_urls)
{
	g_autoptr(GsEvent) ev = gs_test_event_new(1, 1700000000, 30617, tags, "");
	return gs_sync_announcement_is_ours(ev, service_urls);
}

static void
gs_sync_rules_is_ours(void)
{
	const gchar *ours[] = {"wss://example.com", "wss://relay.other.net:8443", NULL};
	const gchar *none[] = {NULL};
	const struct {
		const gchar *tags[12];
		gboolean want;
	} table[] = {
		{{"d", "r", NULL, "relays", "wss://a.org", "wss://example.com/", NULL, NULL}, TRUE},
		{{"d", "r", NULL, "relays", "example.com", NULL, NULL}, TRUE},
		{{"d", "r", NULL, "relays", "WSS://EXAMPLE.COM:443", NULL, NULL}, TRUE},
		{{"d",
		  "r",
		  NULL,
		  "relays",
		  "wss://a.org",
		  NULL,
		  "relays",
		  "wss://example.com",
		  NULL,
		  NULL},
		 TRUE},
		/* never substrings */
		{{"d", "r", NULL, "relays", "wss://notexample.com", NULL, NULL}, FALSE},
		{{"d", "r", NULL, "relays", "wss://example.com.evil.org", NULL, NULL}, FALSE},
		{{"d", "r", NULL, "relays", "wss://example.com/sub", NULL, NULL}, FALSE},
		{{"d", "r", NULL, "relays", "wss://relay.other.net", NULL, NULL}, FALSE},
		{{"d", "r", NULL, "relays", "wss://relay.other.net:8443/", NULL, NULL}, TRUE},
		/* clone hosts */
		{{"d", "r", NULL, "clone", "https://example.com/npub1x/r.git", NULL, NULL}, TRUE},
		{{"d", "r", NULL, "clone", "https://EXAMPLE.com:443/x", NULL, NULL}, TRUE},
		{{"d",
		  "r",
		  NULL,
		  "clone",
		  "https://github.com/x",
		  "https://relay.other.net/y",
		  NULL,
		  NULL},
		 TRUE},
		{{"d", "r", NULL, "clone", "https://notexample.com/x.git", NULL, NULL}, FALSE},
		{{"d", "r", NULL, "clone", "https://git.example.com/x.git", NULL, NULL}, FALSE},
		{{"d", "r", NULL, "clone", "git@example.com:x.git", NULL, NULL}, FALSE},
		{{"d", "r", NULL, "clone", "ftp://example.com/x", NULL, NULL}, FALSE},
		/* other tags do not count */
		{{"d",
		  "r",
		  NULL,
		  "web",
		  "https://example.com/",
		  NULL,
		  "r",
		  "wss://example.com",
		  NULL,
		  NULL},
		 FALSE},
		{{"d", "r", NULL, NULL}, FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
		g_test_message("row %u", i);
		g_assert_cmpint(test_is_ours(table[i].tags, ours), ==, table[i].want);
		g_assert_false(test_is_ours(table[i].tags, none));
		g_assert_false(test_is_ours(table[i].tags, NULL));
	}
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/sync-rules/entry-table", gs_sync_rules_entry_table);
	g_test_add_func("/grasp-sync/sync-rules/root-kinds", gs_sync_rules_root_kinds);
	g_test_add_func("/grasp-sync/sync-rules/checks", gs_sync_rules_checks);
	g_test_add_func("/grasp-sync/sync-rules/is-ours", gs_sync_rules_is_ours);
	return g_test_run();
}
