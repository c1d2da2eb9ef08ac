/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
/* the store lookups the acceptance policy makes (existence without reading an event, several
 * tag references in one query), and the policy's verdicts through them across replacements
 * and deletions */

#include "config.h"

#include "gs-error.h"
#include "gs-policy.h"
#include "gs-test-utils.h"

#define SERVICE "wss://relay.example.com"

enum { OWNER = 1, OTHER, STRANGER };

typedef struct {
	GsStore *store;
	GsPolicy *policy;
	gint64 clock;
} Fixture;

static void
fixture_set_up(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	fx->store = gs_store_new(":memory:", &error);
	g_assert_no_error(error);
	fx->policy = gs_test_policy_new(fx->store, SERVICE);
	fx->clock = 1700000000;
}

static void
fixture_tear_down(Fixture *fx, gconstpointer data)
{
	g_clear_object(&fx->policy);
	g_clear_object(&fx->store);
}

/* one tag [name, value] (or none when @name is %NULL), its own second */
static GsEvent *
event_new(Fixture *fx, guint32 seed, guint kind, const gchar *name, const gchar *value)
{
	const gchar *tags[] = {name, value, NULL, NULL};
	const gchar *none[] = {NULL};

	return gs_test_event_new(seed, fx->clock++, kind, name != NULL ? tags : none, "content");
}

static void
store_event(Fixture *fx, GsEvent *event)
{
	gs_test_store_insert_expect(fx->store, event, GS_STORE_RESULT_STORED);
}

static GsPolicyVerdict
verdict_of(Fixture *fx, GsEvent *event)
{
	g_auto(GsPolicyResult) result = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_policy_decide(fx->policy, event, &result, &error));
	g_assert_no_error(error);
	return result.verdict;
}

static void
has_latest_follows_replacement_and_deletion(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) v1 = event_new(fx, OWNER, 30001, "d", "list");
	g_autoptr(GsEvent) v2 = event_new(fx, OWNER, 30001, "d", "list");
	g_autofree gchar *coordinate = gs_event_dup_coordinate(v1);
	g_autoptr(GsEvent) deletion = NULL;
	g_autoptr(GsEvent) relays = event_new(fx, OWNER, 10002, NULL, NULL);
	const gchar *pk = gs_event_get_pubkey(v1);
	g_autoptr(GError) error = NULL;

	g_assert_false(gs_store_has_latest(fx->store, 30001, pk, "list", &error));
	g_assert_no_error(error);
	store_event(fx, v1);
	g_assert_true(gs_store_has_latest(fx->store, 30001, pk, "list", &error));
	g_assert_false(gs_store_has_latest(fx->store, 30001, pk, "other", &error));
	g_assert_false(gs_store_has_latest(fx->store, 30002, pk, "list", &error));
	/* replaced: still a version of the key */
	gs_test_store_insert_expect(fx->store, v2, GS_STORE_RESULT_REPLACED);
	g_assert_true(gs_store_has_latest(fx->store, 30001, pk, "list", &error));
	/* deleted by its author: none */
	fx->clock += 10;
	deletion = event_new(fx, OWNER, 5, "a", coordinate);
	store_event(fx, deletion);
	g_assert_false(gs_store_has_latest(fx->store, 30001, pk, "list", &error));
	g_assert_no_error(error);
	/* replaceable: d ignored */
	store_event(fx, relays);
	g_assert_true(gs_store_has_latest(fx->store, 10002, pk, "anything", &error));
	g_assert_true(gs_store_has_latest(fx->store, 10002, pk, NULL, &error));
	g_assert_no_error(error);
	g_assert_false(gs_store_has_latest(fx->store, 1, pk, NULL, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(gs_store_has_latest(fx->store, 30001, "zz", "list", &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
}

static void
has_tag_references_any_pair(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) root = event_new(fx, OWNER, 1, NULL, NULL);
	g_autoptr(GsEvent) reply = event_new(fx, OTHER, 1, "E", gs_event_get_id(root));
	const gchar *id = gs_event_get_id(root);
	const gchar *names[] = {"e", "E", "q", "a", "A", "q", "x"};
	const gchar *values[] = {id, id, id, "30001:x:y", "30001:x:y", "30001:x:y", id};
	const gchar *miss_names[] = {"e", "q", "a"};
	const gchar *bad_names[] = {"e", "ee"};
	g_autoptr(GError) error = NULL;

	store_event(fx, root);
	g_assert_false(gs_store_has_tag_references(fx->store, names, values, 6, &error));
	g_assert_no_error(error);
	store_event(fx, reply);
	/* the one pair that matches, second of six */
	g_assert_true(gs_store_has_tag_references(fx->store, names, values, 6, &error));
	g_assert_true(gs_store_has_tag_references(fx->store, names + 1, values + 1, 1, &error));
	g_assert_no_error(error);
	g_assert_false(gs_store_has_tag_references(fx->store, miss_names, values, 3, &error));
	g_assert_false(gs_store_has_tag_references(fx->store, names + 2, values + 2, 4, &error));
	g_assert_false(gs_store_has_tag_references(fx->store, names, values, 0, &error));
	g_assert_no_error(error);
	g_assert_false(gs_store_has_tag_references(fx->store, names, values, 7, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(gs_store_has_tag_references(fx->store, bad_names, values, 2, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
}

/* a reply to an addressable event is accepted while a version of it is stored, and waits for
 * it again once its author deleted it */
static void
policy_coordinate_deleted(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) target = event_new(fx, OWNER, 30001, "d", "list");
	g_autofree gchar *coordinate = gs_event_dup_coordinate(target);
	g_autoptr(GsEvent) reply = event_new(fx, STRANGER, 1111, "a", coordinate);
	g_autoptr(GsEvent) deletion = NULL;

	g_assert_cmpint(verdict_of(fx, reply), ==, GS_POLICY_VERDICT_DEFERRED);
	store_event(fx, target);
	g_assert_cmpint(verdict_of(fx, reply), ==, GS_POLICY_VERDICT_ACCEPTED);
	fx->clock += 10;
	deletion = event_new(fx, OWNER, 5, "a", coordinate);
	store_event(fx, deletion);
	g_assert_cmpint(verdict_of(fx, reply), ==, GS_POLICY_VERDICT_DEFERRED);
}

/* a reply to a regular event is accepted while the event is stored (the policy remembers the
 * regular events the store stored), and waits for it again once its author deleted it */
static void
policy_root_deleted(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) root = event_new(fx, OWNER, 1, NULL, NULL);
	g_autoptr(GsEvent) reply = event_new(fx, STRANGER, 1111, "e", gs_event_get_id(root));
	g_autoptr(GsEvent) other_reply = event_new(fx, OTHER, 1111, "E", gs_event_get_id(root));
	g_autoptr(GsEvent) not_author = event_new(fx, STRANGER, 5, "e", gs_event_get_id(root));
	g_autoptr(GsEvent) deletion = NULL;

	g_assert_cmpint(verdict_of(fx, reply), ==, GS_POLICY_VERDICT_DEFERRED);
	store_event(fx, root);
	g_assert_cmpint(verdict_of(fx, reply), ==, GS_POLICY_VERDICT_ACCEPTED);
	g_assert_cmpint(verdict_of(fx, reply), ==, GS_POLICY_VERDICT_ACCEPTED);
	/* someone else's deletion removes nothing */
	store_event(fx, not_author);
	g_assert_cmpint(verdict_of(fx, other_reply), ==, GS_POLICY_VERDICT_ACCEPTED);
	fx->clock += 10;
	deletion = event_new(fx, OWNER, 5, "e", gs_event_get_id(root));
	store_event(fx, deletion);
	g_assert_false(gs_store_has_event(fx->store, gs_event_get_id(root), NULL));
	g_assert_cmpint(verdict_of(fx, reply), ==, GS_POLICY_VERDICT_DEFERRED);
	g_assert_cmpint(verdict_of(fx, other_reply), ==, GS_POLICY_VERDICT_DEFERRED);
}

static GsEvent *
announcement_new(Fixture *fx, guint32 seed, const gchar *maintainer)
{
	g_autofree gchar *listed = NULL;
	const gchar *tags[] = {"d", "repo", NULL, "relays", SERVICE, NULL, NULL, NULL, NULL, NULL};

	if (maintainer != NULL) {
		tags[6] = "maintainers";
		tags[7] = maintainer;
	}
	return gs_test_event_new(seed, fx->clock++, 30617, tags, "");
}

/* accepted (pending), then committed, as the ingest does */
static void
accept_and_store(Fixture *fx, GsEvent *event)
{
	g_assert_cmpint(verdict_of(fx, event), ==, GS_POLICY_VERDICT_ACCEPTED);
	gs_policy_add_pending(fx->policy, event);
	store_event(fx, event);
	gs_policy_clear_pending(fx->policy);
}

/* the verdict of a policy made now, which knows nothing but the store */
static GsPolicyVerdict
fresh_verdict_of(Fixture *fx, GsEvent *event)
{
	g_autoptr(GsPolicy) fresh = gs_policy_new(fx->store);
	g_auto(GsPolicyResult) result = {0};
	g_autoptr(GError) error = NULL;
	const gchar *urls[] = {SERVICE, NULL};

	g_assert_true(gs_policy_set_service_urls(fresh, urls, &error));
	g_assert_true(gs_policy_decide(fresh, event, &result, &error));
	g_assert_no_error(error);
	return result.verdict;
}

/* the announcements of an identifier are known from the first one accepted on: those stored
 * after it, through the policy or not, count; a deletion makes them read again. Each verdict
 * is also the one a policy made afresh gives */
static void
policy_announcements_after_accept(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) state_other = event_new(fx, OTHER, 30618, "d", "repo");
	g_autoptr(GsEvent) state_stranger = event_new(fx, STRANGER, 30618, "d", "repo");
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, gs_event_get_pubkey(state_other));
	g_autoptr(GsEvent) listed =
		announcement_new(fx, OTHER, gs_event_get_pubkey(state_stranger));
	g_autofree gchar *coordinate = gs_event_dup_coordinate(owner);
	g_autoptr(GsEvent) deletion = NULL;

	accept_and_store(fx, owner);
	g_assert_cmpint(verdict_of(fx, state_other), ==, GS_POLICY_VERDICT_ACCEPTED);
	g_assert_cmpint(verdict_of(fx, state_stranger), ==, GS_POLICY_VERDICT_REJECTED);
	g_assert_cmpint(fresh_verdict_of(fx, state_stranger), ==, GS_POLICY_VERDICT_REJECTED);
	/* OTHER's announcement, stored without the policy, lists STRANGER */
	store_event(fx, listed);
	g_assert_cmpint(verdict_of(fx, state_stranger), ==, GS_POLICY_VERDICT_ACCEPTED);
	g_assert_cmpint(fresh_verdict_of(fx, state_stranger), ==, GS_POLICY_VERDICT_ACCEPTED);
	/* the owner deletes its announcement */
	fx->clock += 10;
	deletion = event_new(fx, OWNER, 5, "a", coordinate);
	store_event(fx, deletion);
	g_assert_false(
		gs_store_has_latest(fx->store, 30617, gs_event_get_pubkey(owner), "repo", NULL));
	g_assert_cmpint(verdict_of(fx, state_other), ==, fresh_verdict_of(fx, state_other));
	g_assert_cmpint(verdict_of(fx, state_stranger), ==, fresh_verdict_of(fx, state_stranger));
}

/* an event no accepted event names gets in when a stored one names it, by id (e, E, q) or by
 * its coordinate (a, A, q) */
static void
policy_referenced_each_tag(Fixture *fx, gconstpointer data)
{
	const gchar *names[] = {"e", "E", "q", "a", "A", "q"};

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autoptr(GsEvent) lonely = event_new(fx, STRANGER, 30001, "d", names[i]);
		g_autofree gchar *coordinate = gs_event_dup_coordinate(lonely);
		g_autoptr(GsEvent) naming = NULL;
		g_autoptr(GsEvent) other = NULL;

		g_assert_cmpint(verdict_of(fx, lonely), ==, GS_POLICY_VERDICT_REJECTED);
		/* stored without the policy: only the tag matters here */
		naming = event_new(
			fx, OTHER, 1, names[i], i < 3 ? gs_event_get_id(lonely) : coordinate);
		store_event(fx, naming);
		g_assert_cmpint(verdict_of(fx, lonely), ==, GS_POLICY_VERDICT_ACCEPTED);
		/* an unrelated stored event does not count */
		other = event_new(fx, OTHER, 30001, "d", names[i]);
		g_assert_cmpint(verdict_of(fx, other), ==, GS_POLICY_VERDICT_REJECTED);
	}
}

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	ADD("/grasp-sync/policy-lookups/store/has-latest",
	    has_latest_follows_replacement_and_deletion);
	ADD("/grasp-sync/policy-lookups/store/has-tag-references", has_tag_references_any_pair);
	ADD("/grasp-sync/policy-lookups/coordinate-deleted", policy_coordinate_deleted);
	ADD("/grasp-sync/policy-lookups/root-deleted", policy_root_deleted);
	ADD("/grasp-sync/policy-lookups/announcements-after-accept",
	    policy_announcements_after_accept);
	ADD("/grasp-sync/policy-lookups/referenced-each-tag", policy_referenced_each_tag);
	return g_test_run();
}
