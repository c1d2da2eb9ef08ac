/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gs-error.h"
#include "gs-sync-targets.h"
#include "gs-test-utils.h"

typedef struct {
	GsSyncTargets *targets;
	guint n_repo_changed;
	guint n_root_changed;
	guint n_notify_repos;
	guint n_notify_roots;
	GPtrArray *changed; /* what the signals named, in order */
} Fixture;

static void
test_repo_changed_cb(GsSyncTargets *targets, const gchar *coordinate, Fixture *fx)
{
	fx->n_repo_changed++;
	g_ptr_array_add(fx->changed, g_strdup(coordinate));
}

static void
test_root_changed_cb(GsSyncTargets *targets, const gchar *id, Fixture *fx)
{
	fx->n_root_changed++;
	g_ptr_array_add(fx->changed, g_strdup(id));
}

static void
test_notify_cb(GObject *obj, GParamSpec *pspec, Fixture *fx)
{
	if (g_strcmp0(pspec->name, "repos") == 0)
		fx->n_notify_repos++;
	else if (g_strcmp0(pspec->name, "root-events") == 0)
		fx->n_notify_roots++;
}

static void
fixture_setup(Fixture *fx, gconstpointer data)
{
	fx->targets = gs_sync_targets_new();
	fx->changed = g_ptr_array_new_with_free_func(g_free);
	g_signal_connect(fx->targets, "repo-changed", G_CALLBACK(test_repo_changed_cb), fx);
	g_signal_connect(fx->targets, "root-changed", G_CALLBACK(test_root_changed_cb), fx);
	g_signal_connect(fx->targets, "notify", G_CALLBACK(test_notify_cb), fx);
}

static void
fixture_teardown(Fixture *fx, gconstpointer data)
{
	g_object_unref(fx->targets);
	g_ptr_array_unref(fx->changed);
}

static void
fixture_reset(Fixture *fx)
{
	fx->n_repo_changed = fx->n_root_changed = fx->n_notify_repos = fx->n_notify_roots = 0;
	g_ptr_array_set_size(fx->changed, 0);
}

static gchar *
test_coord(guint owner, const gchar *d)
{
	return g_strdup_printf("30617:%064x:%s", owner, d);
}

static gchar *
test_id(guint n)
{
	return g_strdup_printf("%064x", n);
}

static void
test_set_repo(Fixture *fx, const gchar *coord, GsSyncLevel level, const gchar *const *relays)
{
	g_autoptr(GError) error = NULL;
	g_assert_true(gs_sync_targets_set_repo(fx->targets, coord, level, relays, &error));
	g_assert_no_error(error);
}

/* the length of @arr, which it frees */
static guint
test_len(GPtrArray *arr)
{
	guint len = arr->len;
	g_ptr_array_unref(arr);
	return len;
}

static void
test_assert_strv(gchar **got, const gchar *const *want)
{
	g_assert_true(g_strv_equal((const gchar *const *)got, want));
	g_strfreev(got);
}

static void
test_targets_relays(Fixture *fx, gconstpointer data)
{
	/* given in any spelling; what cannot be a relay is dropped */
	const gchar *service[] = {"OURS.example/", NULL};
	const gchar *bootstrap[] = {"wss://boot.example", "wss://ours.example:443", "", NULL};
	const gchar *r1[] = {"wss://b.example",
			     "WSS://A.Example/",
			     "wss://ours.example",
			     "https://c.example",
			     "wss://user@d.example",
			     NULL};
	const gchar *r2[] = {"wss://b.example", NULL};
	const gchar *want1[] = {"wss://a.example", "wss://b.example", "wss://boot.example", NULL};
	const gchar *want2[] = {"wss://b.example", "wss://boot.example", NULL};
	const gchar *want3[] = {"wss://boot.example", NULL};
	const gchar *want_relays[] = {
		"wss://a.example", "wss://b.example", "wss://ours.example", NULL};
	g_autofree gchar *c1 = test_coord(1, "one");

	gs_sync_targets_set_service_urls(fx->targets, service);
	gs_sync_targets_set_bootstrap_relays(fx->targets, bootstrap);
	g_assert_true(gs_sync_targets_is_bootstrap(fx->targets, "wss://boot.example"));
	g_assert_false(gs_sync_targets_is_bootstrap(fx->targets, "wss://a.example"));
	g_assert_true(gs_sync_targets_is_service_url(fx->targets, "wss://ours.example"));
	test_assert_strv(gs_sync_targets_dup_relays(fx->targets), want3);

	test_set_repo(fx, c1, GS_SYNC_LEVEL_FULL, r1);
	test_assert_strv(gs_sync_targets_dup_relays(fx->targets), want1);
	test_assert_strv(gs_sync_targets_dup_repo_relays(fx->targets, c1), want_relays);
	/* our own service URL is never followed, even when a bootstrap or named */
	g_assert_false(gs_sync_targets_has_relay(fx->targets, "wss://ours.example"));
	g_assert_false(gs_sync_targets_repo_names_relay(fx->targets, c1, "wss://ours.example"));
	g_assert_cmpuint(
		test_len(gs_sync_targets_dup_relay_repos(fx->targets, "wss://ours.example")),
		==,
		0);
	g_assert_true(gs_sync_targets_has_relay(fx->targets, "wss://a.example"));
	g_assert_true(gs_sync_targets_repo_names_relay(fx->targets, c1, "wss://a.example"));
	/* bootstrap relays are asked for every target, named or not */
	g_assert_true(gs_sync_targets_repo_names_relay(fx->targets, c1, "wss://boot.example"));
	g_assert_cmpuint(
		test_len(gs_sync_targets_dup_relay_repos(fx->targets, "wss://boot.example")),
		==,
		1);
	g_assert_false(gs_sync_targets_repo_names_relay(fx->targets, c1, "wss://z.example"));

	/* a relay dropped from the announcement shrinks the targets */
	test_set_repo(fx, c1, GS_SYNC_LEVEL_FULL, r2);
	test_assert_strv(gs_sync_targets_dup_relays(fx->targets), want2);
	g_assert_false(gs_sync_targets_has_relay(fx->targets, "wss://a.example"));
	/* and a removed announcement too; bootstrap relays stay */
	g_assert_true(gs_sync_targets_remove_repo(fx->targets, c1));
	test_assert_strv(gs_sync_targets_dup_relays(fx->targets), want3);
	g_assert_null(gs_sync_targets_dup_repo_relays(fx->targets, c1));
}

static void
test_targets_repo_signals(Fixture *fx, gconstpointer data)
{
	const gchar *r1[] = {"wss://a.example", NULL};
	const gchar *r1_again[] = {"wss://a.example", "wss://a.example", NULL};
	g_autofree gchar *c1 = test_coord(1, "one");
	g_autofree gchar *c2 = test_coord(2, "two");
	GsSyncLevel level = GS_SYNC_LEVEL_FULL;
	guint n = 0;

	test_set_repo(fx, c1, GS_SYNC_LEVEL_FULL, r1);
	g_assert_cmpuint(fx->n_repo_changed, ==, 1);
	g_assert_cmpuint(fx->n_notify_repos, ==, 1);
	/* the same again (relays repeated) is no change */
	test_set_repo(fx, c1, GS_SYNC_LEVEL_FULL, r1_again);
	g_assert_cmpuint(fx->n_repo_changed, ==, 1);
	g_assert_cmpuint(fx->n_notify_repos, ==, 1);
	/* a new level is a change, but not of the count */
	test_set_repo(fx, c1, GS_SYNC_LEVEL_STATE_ONLY, r1);
	g_assert_cmpuint(fx->n_repo_changed, ==, 2);
	g_assert_cmpuint(fx->n_notify_repos, ==, 1);
	g_assert_true(gs_sync_targets_get_repo_level(fx->targets, c1, &level));
	g_assert_cmpint(level, ==, GS_SYNC_LEVEL_STATE_ONLY);
	test_set_repo(fx, c2, GS_SYNC_LEVEL_FULL, NULL);
	g_assert_cmpuint(fx->n_notify_repos, ==, 2);
	g_object_get(fx->targets, "repos", &n, NULL);
	g_assert_cmpuint(n, ==, 2);
	g_assert_cmpuint(gs_sync_targets_get_n_repos(fx->targets), ==, 2);
	fixture_reset(fx);
	g_assert_true(gs_sync_targets_remove_repo(fx->targets, c2));
	g_assert_false(gs_sync_targets_remove_repo(fx->targets, c2));
	g_assert_false(gs_sync_targets_remove_repo(fx->targets, NULL));
	g_assert_cmpuint(fx->n_repo_changed, ==, 1);
	g_assert_cmpuint(fx->n_notify_repos, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(fx->changed, 0), ==, c2);
	g_assert_false(gs_sync_targets_get_repo_level(fx->targets, c2, NULL));
}

static void
test_targets_bad_input(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *c1 = test_coord(1, "one");
	g_autofree gchar *id = test_id(5);
	const gchar *bad[] = {NULL,
			      "",
			      "30617:xyz:d",
			      "30618:"
			      "0000000000000000000000000000000000000000000000000000000000000001:d"};

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(gs_sync_targets_set_repo(
			fx->targets, bad[i], GS_SYNC_LEVEL_FULL, NULL, &error));
		g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(gs_sync_targets_add_root(fx->targets, id, c1, &error));
		g_assert_error(error, GS_ERROR, GS_ERROR_NOT_FOUND);
	}
	test_set_repo(fx, c1, GS_SYNC_LEVEL_FULL, NULL);
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(gs_sync_targets_add_root(fx->targets, "nothex", c1, &error));
		g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	}
	{
		g_autoptr(GError) error = NULL;
		g_assert_false(gs_sync_targets_add_root(fx->targets, NULL, c1, &error));
		g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	}
	g_assert_cmpuint(fx->n_repo_changed, ==, 1);
	g_assert_cmpuint(fx->n_root_changed, ==, 0);
	g_assert_cmpuint(gs_sync_targets_get_n_roots(fx->targets), ==, 0);
}

static void
test_targets_roots(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *c1 = test_coord(1, "one");
	g_autofree gchar *c2 = test_coord(2, "two");
	g_autofree gchar *a = test_id(10);
	g_autofree gchar *b = test_id(11);
	g_autoptr(GPtrArray) roots = NULL;
	g_autoptr(GError) error = NULL;

	test_set_repo(fx, c1, GS_SYNC_LEVEL_FULL, NULL);
	test_set_repo(fx, c2, GS_SYNC_LEVEL_FULL, NULL);
	fixture_reset(fx);
	g_assert_true(gs_sync_targets_add_root(fx->targets, a, c1, &error));
	g_assert_true(gs_sync_targets_add_root(fx->targets, a, c1, &error)); /* known: no change */
	g_assert_true(gs_sync_targets_add_root(fx->targets, a, c2, &error)); /* names c2 too */
	g_assert_true(gs_sync_targets_add_root(fx->targets, b, c1, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(fx->n_root_changed, ==, 3);
	g_assert_cmpuint(fx->n_notify_roots, ==, 2);
	g_assert_cmpuint(gs_sync_targets_get_n_roots(fx->targets), ==, 2);
	roots = gs_sync_targets_dup_repo_roots(fx->targets, c1);
	g_assert_cmpuint(roots->len, ==, 2);
	g_assert_cmpstr(g_ptr_array_index(roots, 0), ==, a);

	/* removing c1 drops b (it named only c1) but keeps a (it names c2 as well) */
	fixture_reset(fx);
	g_assert_true(gs_sync_targets_remove_repo(fx->targets, c1));
	g_assert_false(gs_sync_targets_has_root(fx->targets, b));
	g_assert_true(gs_sync_targets_has_root(fx->targets, a));
	g_assert_cmpuint(fx->n_root_changed, ==, 1);
	g_assert_cmpuint(fx->n_repo_changed, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(fx->changed, 0), ==, b);
	g_assert_cmpstr(g_ptr_array_index(fx->changed, 1), ==, c1);
	g_assert_cmpuint(fx->n_notify_roots, ==, 1);

	fixture_reset(fx);
	g_assert_true(gs_sync_targets_remove_root(fx->targets, a));
	g_assert_false(gs_sync_targets_remove_root(fx->targets, a));
	g_assert_false(gs_sync_targets_remove_root(fx->targets, NULL));
	g_assert_cmpuint(fx->n_root_changed, ==, 1);
	g_assert_cmpuint(fx->n_notify_roots, ==, 1);
	g_assert_cmpuint(test_len(gs_sync_targets_dup_repo_roots(fx->targets, c2)), ==, 0);
}

static void
test_targets_root_rule(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *c1 = test_coord(1, "one");
	g_autofree gchar *c2 = test_coord(2, "two");
	g_autofree gchar *unknown = test_coord(3, "three");
	const struct {
		guint kind;
		const gchar *first_a;
		const gchar *second_a;
		guint n_targets;
	} table[] = {
		{1617, c1, NULL, 1},
		{1618, c2, NULL, 1},
		{1621, c1, c2, 2},
		/* any a tag, not only the first */
		{1621, unknown, c2, 1},
		{1617, unknown, NULL, 0},
		{1621, NULL, NULL, 0},
		/* never roots, whatever they tag */
		{1619, c1, NULL, 0},
		{1630, c1, NULL, 0},
		{1631, c1, NULL, 0},
		{1632, c1, NULL, 0},
		{1633, c1, NULL, 0},
		{1111, c1, NULL, 0},
		{1, c1, NULL, 0},
	};

	test_set_repo(fx, c1, GS_SYNC_LEVEL_FULL, NULL);
	test_set_repo(fx, c2, GS_SYNC_LEVEL_STATE_ONLY, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(table); i++) {
		const gchar *tags[] = {"p",
				       "x",
				       NULL,
				       "a",
				       table[i].first_a,
				       NULL,
				       "A",
				       c2,
				       NULL,
				       "a",
				       table[i].second_a,
				       NULL,
				       NULL};
		g_autoptr(GsEvent) ev = NULL;
		g_autoptr(GPtrArray) coords = NULL;

		/* a missing a tag becomes an empty `e` tag so the list stays well formed */
		if (table[i].first_a == NULL)
			tags[3] = "e";
		if (table[i].second_a == NULL)
			tags[9] = "e";
		ev = gs_test_event_new(7, 1700000000 + i, table[i].kind, tags, "x");
		coords = gs_sync_targets_match_root(fx->targets, ev);
		g_test_message("row %u", i);
		if (table[i].n_targets == 0) {
			g_assert_null(coords);
			g_assert_false(gs_sync_targets_add_root_event(fx->targets, ev));
			g_assert_false(gs_sync_targets_has_root(fx->targets, gs_event_get_id(ev)));
			continue;
		}
		g_assert_nonnull(coords);
		g_assert_cmpuint(coords->len, ==, table[i].n_targets);
		g_assert_true(gs_sync_targets_add_root_event(fx->targets, ev));
		g_assert_true(gs_sync_targets_has_root(fx->targets, gs_event_get_id(ev)));
	}
	/* the rows that are roots: 4 events */
	g_assert_cmpuint(gs_sync_targets_get_n_roots(fx->targets), ==, 4);
	g_assert_cmpuint(test_len(gs_sync_targets_dup_repo_roots(fx->targets, c2)), ==, 3);
}

static void
test_targets_levels(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *c1 = test_coord(1, "one");
	g_autofree gchar *c2 = test_coord(2, "two");
	g_autofree gchar *c3 = test_coord(3, "three");
	g_autoptr(GPtrArray) items = g_ptr_array_new();
	g_autoptr(GPtrArray) full = NULL;
	g_autoptr(GPtrArray) state = NULL;

	test_set_repo(fx, c1, GS_SYNC_LEVEL_FULL, NULL);
	test_set_repo(fx, c2, GS_SYNC_LEVEL_STATE_ONLY, NULL);
	g_ptr_array_add(items, c2);
	g_ptr_array_add(items, c3); /* not a target: in neither */
	g_ptr_array_add(items, c1);
	full = gs_sync_targets_filter_by_level(fx->targets, items, GS_SYNC_LEVEL_FULL);
	state = gs_sync_targets_filter_by_level(fx->targets, items, GS_SYNC_LEVEL_STATE_ONLY);
	g_assert_cmpuint(full->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(full, 0), ==, c1);
	g_assert_cmpuint(state->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(state, 0), ==, c2);
}

static void
test_targets_is_ours(Fixture *fx, gconstpointer data)
{
	const gchar *service[] = {"wss://example.com", NULL};
	const gchar *tags_ours[] = {
		"d", "r", NULL, "clone", "https://example.com/x.git", NULL, NULL};
	const gchar *tags_not[] = {"d", "r", NULL, "clone", "https://notexample.com/x", NULL, NULL};
	g_autoptr(GsEvent) ours = gs_test_event_new(1, 1700000000, 30617, tags_ours, "");
	g_autoptr(GsEvent) other = gs_test_event_new(1, 1700000000, 30617, tags_not, "");

	g_assert_false(gs_sync_targets_is_ours(fx->targets, ours));
	gs_sync_targets_set_service_urls(fx->targets, service);
	g_assert_true(gs_sync_targets_is_ours(fx->targets, ours));
	g_assert_false(gs_sync_targets_is_ours(fx->targets, other));
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
#define ADD(path, func)                                                                            \
	g_test_add("/grasp-sync/sync-targets/" path,                                               \
		   Fixture,                                                                        \
		   NULL,                                                                           \
		   fixture_setup,                                                                  \
		   func,                                                                           \
		   fixture_teardown)
	ADD("relays", test_targets_relays);
	ADD("repo-signals", test_targets_repo_signals);
	ADD("bad-input", test_targets_bad_input);
	ADD("roots", test_targets_roots);
	ADD("root-rule", test_targets_root_rule);
	ADD("levels", test_targets_levels);
	ADD("is-ours", test_targets_is_ours);
#undef ADD
	return g_test_run();
}
