/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* The way SQLite reads the events for a NIP-01 filter: a filter that names ids, tag values or
 * authors is read through those, never through every stored event of its kinds. The store
 * keeps no statistics (no ANALYZE), so these plans are the ones a running relay gets. */

#include "config.h"

#include "gs-filter.h"
#include "gs-store-private.h"
#include "gs-store-sql.h"
#include "gs-store.h"
#include "gs-test-utils.h"

typedef struct {
	const gchar *filter;
	const gchar *uses;   /* in the plan of the events table */
	const gchar *avoids; /* (nullable): never in the plan */
} PlanCase;

#define ID_X "\"aa00000000000000000000000000000000000000000000000000000000000001\""
#define PK_Y "\"bb00000000000000000000000000000000000000000000000000000000000002\""

static const PlanCase plan_cases[] = {
	/* a patch's statuses, as NIP-34 clients ask for them */
	{"{\"kinds\":[1630,1631,1632,1633],\"#e\":[" ID_X "]}",
	 "INTEGER PRIMARY KEY",
	 "events_kind"},
	{"{\"kinds\":[1617],\"#a\":[\"30617:x:y\"],\"since\":5,\"until\":99999}",
	 "INTEGER PRIMARY KEY",
	 "events_kind"},
	{"{\"kinds\":[1617],\"ids\":[" ID_X "]}", "events_id", "events_kind"},
	{"{\"kinds\":[1617],\"authors\":[" PK_Y "]}", "events_pubkey", "events_kind"},
	{"{\"authors\":[" PK_Y "],\"since\":5}", "events_pubkey (pk8=? AND created_at>?)", NULL},
	{"{\"kinds\":[1617],\"since\":5}", "events_kind (kind=? AND created_at>?)", NULL},
	{"{\"#e\":[" ID_X "],\"#p\":[" PK_Y "]}", "INTEGER PRIMARY KEY", NULL},
	{"{\"since\":5,\"until\":10}", "events_created", NULL},
};

/* the plan's lines that read the events table `e`, joined */
static gchar *
events_plan(GsStore *store, const gchar *filter_json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsFilter) filter = gs_filter_new_from_json(filter_json, -1, &error);
	g_autoptr(GString) sql =
		g_string_new("EXPLAIN QUERY PLAN SELECT e.id FROM events e WHERE ");
	g_autoptr(GArray) params = g_array_new(FALSE, FALSE, sizeof(GsStoreSqlParam));
	g_autoptr(GString) plan = g_string_new(NULL);
	sqlite3_stmt *stmt = NULL;

	g_assert_no_error(error);
	g_assert_true(gs_store_sql_filter_where(
		filter, gs_store_get_tag_secret(store), sql, params, &error));
	g_assert_no_error(error);
	g_string_append(sql, " ORDER BY e.created_at DESC, e.id LIMIT 500");
	stmt = gs_store_sql_prepare_params(gs_store_get_db(store), sql->str, params, &error);
	g_assert_no_error(error);
	while (sqlite3_step(stmt) == SQLITE_ROW) {
		const gchar *detail = (const gchar *)sqlite3_column_text(stmt, 3);
		if (g_str_has_prefix(detail, "SEARCH e ") || g_str_has_prefix(detail, "SCAN e"))
			g_string_append_printf(plan, "%s;", detail);
	}
	sqlite3_finalize(stmt);
	return g_string_free(g_steal_pointer(&plan), FALSE);
}

static void
test_plan(gconstpointer data)
{
	const PlanCase *c = data;
	GsTestStore ts;
	g_autofree gchar *plan = NULL;

	gs_test_store_open(&ts);
	plan = events_plan(ts.store, c->filter);
	g_test_message("%s: %s", c->filter, plan);
	g_assert_nonnull(strstr(plan, c->uses));
	g_assert_null(strstr(plan, "SCAN e"));
	if (c->avoids != NULL)
		g_assert_null(strstr(plan, c->avoids));
	gs_test_store_close(&ts);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(plan_cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/store-plan/%u", i);
		g_test_add_data_func(path, &plan_cases[i], test_plan);
	}
	return g_test_run();
}
