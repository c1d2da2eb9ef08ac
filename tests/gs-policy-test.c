/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-policy.h"
#include "gs-test-utils.h"

#define SERVICE "wss://relay.example.com"

/* key seeds */
enum { OWNER = 1, M1, M2, M3, STRANGER, BLACK };

typedef struct {
	GsStore *store;
	GsPolicy *policy;
	gint64 clock;
	GPtrArray *strings; /* freed at tear-down */
} Fixture;

static void
fixture_set_up(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	fx->store = gs_store_new(":memory:", &error);
	g_assert_no_error(error);
	fx->policy = gs_test_policy_new(fx->store, SERVICE);
	fx->clock = 1700000000;
	fx->strings = g_ptr_array_new_with_free_func(g_free);
}

static void
fixture_tear_down(Fixture *fx, gconstpointer data)
{
	g_clear_object(&fx->policy);
	g_clear_object(&fx->store);
	g_ptr_array_unref(fx->strings);
}

static gchar *
pubkey_of(guint32 seed)
{
	guint8 seckey[32];
	guint8 pubkey[32];

	gs_test_seckey_from_seed(seed, seckey);
	g_assert_true(gs_seckey_get_pubkey(seckey, pubkey, NULL));
	return gs_hex_encode(pubkey, 32);
}

static gchar *
coordinate_of(guint32 seed, const gchar *d)
{
	g_autofree gchar *pubkey = pubkey_of(seed);
	return gs_coordinate_build(30617, pubkey, d);
}

/* the announcement coordinate of @seed for @d, valid until tear-down */
static const gchar *
coord(Fixture *fx, guint32 seed, const gchar *d)
{
	gchar *c = coordinate_of(seed, d);
	g_ptr_array_add(fx->strings, c);
	return c;
}

/* tags as "name\tvalue\tvalue" lines joined by '\n' */
static GsEvent *
event_new(Fixture *fx, guint32 seed, guint kind, const gchar *tags)
{
	g_autoptr(GPtrArray) flat = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) lines = g_strsplit(tags != NULL ? tags : "", "\n", -1);

	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) fields = NULL;
		if (lines[i][0] == '\0')
			continue;
		fields = g_strsplit(lines[i], "\t", -1);
		for (guint j = 0; fields[j] != NULL; j++)
			g_ptr_array_add(flat, g_strdup(fields[j]));
		g_ptr_array_add(flat, NULL);
	}
	g_ptr_array_add(flat, NULL);
	/* each event gets its own second so that ids differ */
	return gs_test_event_new(
		seed, fx->clock++, kind, (const gchar *const *)flat->pdata, "content");
}

static GsEvent *
announcement_new(Fixture *fx, guint32 seed, const gchar *d, const gchar *extra)
{
	g_autofree gchar *tags = g_strdup_printf("d\t%s\n%s", d, extra != NULL ? extra : "");
	return event_new(fx, seed, 30617, tags);
}

/* "maintainers" tag value list for the seeds, terminated by 0 */
static gchar *
maintainers_tag(guint32 first, ...)
{
	GString *tag = g_string_new("maintainers");
	va_list args;

	va_start(args, first);
	for (guint32 seed = first; seed != 0; seed = va_arg(args, guint32)) {
		g_autofree gchar *pk = pubkey_of(seed);
		g_string_append_printf(tag, "\t%s", pk);
	}
	va_end(args);
	return g_string_free(tag, FALSE);
}

static void
store_event(Fixture *fx, GsEvent *event)
{
	g_autoptr(GError) error = NULL;
	GsStoreResult result;

	g_assert_true(gs_store_insert(fx->store, event, &result, &error));
	g_assert_no_error(error);
	g_assert_cmpint(result, ==, GS_STORE_RESULT_STORED);
}

static void
assert_verdict(Fixture *fx,
	       GsEvent *event,
	       GsPolicyVerdict verdict,
	       GsRejectReason reason,
	       const gchar *dependency)
{
	g_auto(GsPolicyResult) result = {0};
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_policy_decide(fx->policy, event, &result, &error));
	g_assert_no_error(error);
	if (result.verdict != verdict || result.reason != reason) {
		g_error("expected %s/%s, got %s/%s",
			gs_policy_verdict_to_string(verdict),
			gs_reject_reason_to_string(reason),
			gs_policy_verdict_to_string(result.verdict),
			gs_reject_reason_to_string(result.reason));
	}
	g_assert_cmpstr(result.dependency, ==, dependency);
}

static void
assert_accepted(Fixture *fx, GsEvent *event)
{
	assert_verdict(fx, event, GS_POLICY_VERDICT_ACCEPTED, GS_REJECT_REASON_NONE, NULL);
}

static void
assert_rejected(Fixture *fx, GsEvent *event, GsRejectReason reason)
{
	assert_verdict(fx, event, GS_POLICY_VERDICT_REJECTED, reason, NULL);
}

/* ---- announcements: ours, look-alikes, shape ---- */

typedef struct {
	const gchar *tag;
	gboolean ours;
} UrlCase;

static const UrlCase url_cases[] = {
	{"relays\twss://relay.example.com", TRUE},
	{"relays\tWSS://Relay.Example.COM:443/", TRUE},
	{"relays\trelay.example.com", TRUE},
	{"relays\twss://other.example.net\twss://relay.example.com/", TRUE},
	{"clone\thttps://relay.example.com/npub1xyz/repo.git", TRUE},
	{"clone\thttp://RELAY.example.com:8080/repo.git", TRUE},
	{"clone\thttps://git.other.net/repo.git\thttps://relay.example.com/r.git", TRUE},
	/* look-alikes: never a substring, a suffix or another port of the relay URL */
	{"relays\twss://notrelay.example.com", FALSE},
	{"relays\twss://relay.example.com.evil.net", FALSE},
	{"relays\twss://evil.net/relay.example.com", FALSE},
	{"relays\twss://relay.example.com:8443", FALSE},
	{"relays\twss://relay.example.co", FALSE},
	{"relays\twss://relay.example.com/nostr", FALSE},
	{"relays\twss://user@relay.example.com", FALSE},
	{"relays\thttps://relay.example.com", FALSE},
	{"relays\t", FALSE},
	{"clone\thttps://relay.example.com.evil.net/repo.git", FALSE},
	{"clone\thttps://evil.net/relay.example.com/repo.git", FALSE},
	{"clone\thttps://notrelay.example.com/repo.git", FALSE},
	{"clone\tgit@relay.example.com:repo.git", FALSE},
	{"clone\tssh://git@relay.example.com/repo.git", FALSE},
	{"clone\thttps://evil.net/?h=relay.example.com", FALSE},
	{"web\thttps://relay.example.com/repo", FALSE},
	{"r\twss://relay.example.com", FALSE},
};

static void
gs_policy_announcement_urls(Fixture *fx, gconstpointer data)
{
	for (guint i = 0; i < G_N_ELEMENTS(url_cases); i++) {
		g_autoptr(GsEvent) ev = announcement_new(fx, OWNER, "repo", url_cases[i].tag);
		g_test_message("case %u: %s", i, url_cases[i].tag);
		if (url_cases[i].ours)
			assert_accepted(fx, ev);
		else
			assert_rejected(fx, ev, GS_REJECT_REASON_DOES_NOT_LIST_SERVICE);
	}
}

static void
gs_policy_announcement_identifier(Fixture *fx, gconstpointer data)
{
	const gchar *bad[] = {"", ".", "..", "a/b", "/", "a\\b", "\\"};
	g_autoptr(GsEvent) no_d = event_new(fx, OWNER, 30617, "relays\t" SERVICE);
	g_autoptr(GsEvent) no_d_state = event_new(fx, OWNER, 30618, "HEAD\tref: refs/heads/main");
	g_autoptr(GsEvent) odd_ok = announcement_new(fx, OWNER, "...", "relays\t" SERVICE);

	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GsEvent) ann = announcement_new(fx, OWNER, bad[i], "relays\t" SERVICE);
		g_autofree gchar *tags = g_strdup_printf("d\t%s", bad[i]);
		g_autoptr(GsEvent) state = event_new(fx, OWNER, 30618, tags);
		assert_rejected(fx, ann, GS_REJECT_REASON_INVALID_IDENTIFIER);
		assert_rejected(fx, state, GS_REJECT_REASON_INVALID_IDENTIFIER);
	}
	assert_rejected(fx, no_d, GS_REJECT_REASON_INVALID_IDENTIFIER);
	assert_rejected(fx, no_d_state, GS_REJECT_REASON_INVALID_IDENTIFIER);
	assert_accepted(fx, odd_ok);
	g_assert_false(gs_policy_is_valid_identifier(NULL));
	g_assert_true(gs_policy_is_valid_identifier("my-repo.v2"));
}

static void
gs_policy_announcement_clone_tags(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) two =
		announcement_new(fx,
				 OWNER,
				 "repo",
				 "relays\t" SERVICE "\nclone\thttps://a.net/r.git\n"
				 "clone\thttps://b.net/r.git");
	g_autoptr(GsEvent) one_multi = announcement_new(
		fx, OWNER, "repo", "clone\thttps://a.net/r.git\thttps://relay.example.com/r.git");

	assert_rejected(fx, two, GS_REJECT_REASON_MULTIPLE_CLONE_TAGS);
	assert_accepted(fx, one_multi);
}

static void
gs_policy_archive_modes(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *m1_tag = maintainers_tag(M1, 0);
	g_autofree gchar *m1 = pubkey_of(M1);
	g_autofree gchar *stranger = pubkey_of(STRANGER);
	const gchar *pubkeys[] = {m1, NULL};
	const gchar *hosts[] = {"Git.Example.org", NULL};
	const gchar *bad_hosts[] = {"https://git.example.org", NULL};
	const gchar *bad_keys[] = {"npub1abc", NULL};
	g_autoptr(GsEvent) by_m1 = announcement_new(fx, M1, "r1", NULL);
	g_autoptr(GsEvent) lists_m1 = announcement_new(fx, STRANGER, "r2", m1_tag);
	g_autoptr(GsEvent) on_host =
		announcement_new(fx, STRANGER, "r3", "clone\thttps://git.example.org/r3.git");
	g_autoptr(GsEvent) look_alike =
		announcement_new(fx, STRANGER, "r4", "clone\thttps://notgit.example.org/r4.git");
	g_autoptr(GsEvent) nothing = announcement_new(fx, STRANGER, "r5", NULL);
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(stranger);
	assert_rejected(fx, by_m1, GS_REJECT_REASON_DOES_NOT_LIST_SERVICE);
	assert_rejected(fx, on_host, GS_REJECT_REASON_DOES_NOT_LIST_SERVICE);

	g_assert_true(gs_policy_set_archive_pubkeys(fx->policy, pubkeys, &error));
	g_assert_true(gs_policy_set_archive_services(fx->policy, hosts, &error));
	g_assert_no_error(error);
	assert_accepted(fx, by_m1);
	assert_accepted(fx, lists_m1);
	assert_accepted(fx, on_host);
	assert_rejected(fx, look_alike, GS_REJECT_REASON_DOES_NOT_LIST_SERVICE);
	assert_rejected(fx, nothing, GS_REJECT_REASON_DOES_NOT_LIST_SERVICE);

	gs_policy_set_archive_mode(fx->policy, GS_ARCHIVE_MODE_ALL);
	assert_accepted(fx, look_alike);
	assert_accepted(fx, nothing);

	g_assert_false(gs_policy_set_archive_services(fx->policy, bad_hosts, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(gs_policy_set_archive_pubkeys(fx->policy, bad_keys, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
}

/* the keys a stored event makes available: its id, its coordinate, the ids it references,
 * and an announcement's maintainers' coordinates */
static void
gs_policy_arrival_keys(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *listed = maintainers_tag(M1, 0);
	g_autoptr(GsEvent) ann = announcement_new(fx, OWNER, "repo", listed);
	g_autoptr(GsEvent) root = event_new(fx, OWNER, 1621, NULL);
	g_autofree gchar *tags = g_strdup_printf("e\t%s\nE\t%s\ne\tnot-an-id\np\t%s",
						 gs_event_get_id(root),
						 gs_event_get_id(ann),
						 gs_event_get_pubkey(root));
	g_autoptr(GsEvent) reply = event_new(fx, M1, 1111, tags);
	g_auto(GStrv) ann_keys = gs_policy_dup_arrival_keys(fx->policy, ann);
	g_auto(GStrv) reply_keys = gs_policy_dup_arrival_keys(fx->policy, reply);

	g_assert_cmpuint(g_strv_length(ann_keys), ==, 3);
	g_assert_cmpstr(ann_keys[0], ==, gs_event_get_id(ann));
	g_assert_cmpstr(ann_keys[1], ==, coord(fx, OWNER, "repo"));
	g_assert_cmpstr(ann_keys[2], ==, coord(fx, M1, "repo"));
	g_assert_cmpuint(g_strv_length(reply_keys), ==, 3);
	g_assert_cmpstr(reply_keys[0], ==, gs_event_get_id(reply));
	g_assert_cmpstr(reply_keys[1], ==, gs_event_get_id(root));
	g_assert_cmpstr(reply_keys[2], ==, gs_event_get_id(ann));
}

/* the verdict on a URL is remembered: asking twice gives the same answer, and a change of the
 * service URLs is seen at once */
static void
gs_policy_service_urls_change(Fixture *fx, gconstpointer data)
{
	const gchar *other[] = {"wss://other.example.net", NULL};
	const gchar *both[] = {"wss://other.example.net", SERVICE, NULL};
	g_autoptr(GsEvent) ours = announcement_new(fx, OWNER, "repo", "relays\t" SERVICE);
	g_autoptr(GsEvent) clone =
		announcement_new(fx, OWNER, "repo", "clone\thttps://relay.example.com/r.git");

	for (guint round = 0; round < 2; round++) {
		assert_accepted(fx, ours);
		assert_accepted(fx, clone);
	}
	g_assert_true(gs_policy_set_service_urls(fx->policy, other, NULL));
	assert_rejected(fx, ours, GS_REJECT_REASON_DOES_NOT_LIST_SERVICE);
	assert_rejected(fx, clone, GS_REJECT_REASON_DOES_NOT_LIST_SERVICE);
	g_assert_true(gs_policy_set_service_urls(fx->policy, both, NULL));
	assert_accepted(fx, ours);
	assert_accepted(fx, clone);
}

static void
gs_policy_bad_service_url(Fixture *fx, gconstpointer data)
{
	const gchar *bad[] = {SERVICE, "ftp://relay.example.com", NULL};
	g_autoptr(GError) error = NULL;
	g_autoptr(GsEvent) ev = announcement_new(fx, OWNER, "repo", "relays\t" SERVICE);

	g_assert_false(gs_policy_set_service_urls(fx->policy, bad, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	/* nothing changed */
	assert_accepted(fx, ev);
}

/* ---- maintainers ---- */

static void
gs_policy_maintainers_transitive(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *lists_m1 = maintainers_tag(M1, 0);
	g_autofree gchar *lists_m2 = maintainers_tag(M2, 0);
	g_autofree gchar *owner_tags = g_strdup_printf("relays\t%s\n%s", SERVICE, lists_m1);
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", owner_tags);
	g_autoptr(GsEvent) m1 = announcement_new(fx, M1, "repo", lists_m2);
	g_autoptr(GsEvent) m2 = announcement_new(fx, M2, "repo", NULL);
	g_autoptr(GsEvent) m3 = announcement_new(fx, M3, "repo", NULL);
	g_autoptr(GsEvent) m2_other_repo = announcement_new(fx, M2, "other", NULL);
	g_autoptr(GsEvent) state_m2 = event_new(fx, M2, 30618, "d\trepo");
	g_autoptr(GsEvent) state_m3 = event_new(fx, M3, 30618, "d\trepo");
	g_autoptr(GsEvent) state_m2_other = event_new(fx, M2, 30618, "d\tother");

	store_event(fx, owner);
	/* M1 is listed by the owner, M2 only by M1 */
	assert_accepted(fx, m1);
	assert_rejected(fx, m2, GS_REJECT_REASON_DOES_NOT_LIST_SERVICE);
	store_event(fx, m1);
	assert_accepted(fx, m2);
	assert_accepted(fx, state_m2);
	store_event(fx, m2);
	assert_rejected(fx, m3, GS_REJECT_REASON_DOES_NOT_LIST_SERVICE);
	assert_rejected(fx, state_m3, GS_REJECT_REASON_NOT_AUTHORIZED);
	/* being a maintainer of "repo" says nothing about "other" */
	assert_rejected(fx, m2_other_repo, GS_REJECT_REASON_DOES_NOT_LIST_SERVICE);
	assert_verdict(fx,
		       state_m2_other,
		       GS_POLICY_VERDICT_DEFERRED,
		       GS_REJECT_REASON_NONE,
		       coord(fx, M2, "other"));
}

static void
gs_policy_three_maintainers(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *m1 = pubkey_of(M1);
	g_autofree gchar *m2 = pubkey_of(M2);
	g_autofree gchar *m3 = pubkey_of(M3);
	/* two in one tag, the third in a second tag */
	g_autofree gchar *tags = g_strdup_printf(
		"relays\t%s\nmaintainers\t%s\t%s\nmaintainers\t%s", SERVICE, m1, m2, m3);
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", tags);
	guint32 seeds[] = {OWNER, M1, M2, M3};

	store_event(fx, owner);
	for (guint i = 0; i < G_N_ELEMENTS(seeds); i++) {
		g_autoptr(GsEvent) state = event_new(fx, seeds[i], 30618, "d\trepo");
		g_autoptr(GsEvent) ann = announcement_new(fx, seeds[i], "repo", NULL);
		assert_accepted(fx, state);
		if (seeds[i] != OWNER)
			assert_accepted(fx, ann);
	}
}

static void
gs_policy_invalid_maintainer_keys(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *m1 = pubkey_of(M1);
	g_autofree gchar *upper = g_ascii_strup(m1, -1);
	g_autofree gchar *tags = g_strdup_printf("relays\t%s\nmaintainers\tnot-a-key\t\t%s\t%s0\t"
						 "npub1qqqq\t%s\nmaintainers",
						 SERVICE,
						 upper,
						 m1,
						 m1);
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", tags);
	g_autoptr(GsEvent) state_m1 = event_new(fx, M1, 30618, "d\trepo");
	g_autoptr(GsEvent) state_stranger = event_new(fx, STRANGER, 30618, "d\trepo");
	g_autoptr(GsEvent) m2 = announcement_new(
		fx,
		M2,
		"repo",
		"maintainers\tzz\tnot-a-"
		"key\t0000000000000000000000000000000000000000000000000000000000000000");
	g_auto(GStrv) keys = NULL;

	store_event(fx, owner);
	assert_accepted(fx, state_m1);
	assert_rejected(fx, state_stranger, GS_REJECT_REASON_NOT_AUTHORIZED);
	/* only well-formed keys become dependencies; the all-zero key is well-formed */
	assert_verdict(
		fx,
		m2,
		GS_POLICY_VERDICT_DEFERRED,
		GS_REJECT_REASON_NONE,
		"30617:0000000000000000000000000000000000000000000000000000000000000000:repo");
	keys = gs_policy_dup_arrival_keys(fx->policy, owner);
	for (guint i = 0; keys[i] != NULL; i++)
		g_assert_null(strstr(keys[i], "not-a-key"));
	g_assert_true(g_strv_contains((const gchar *const *)keys, coord(fx, M1, "repo")));
}

/* ---- blacklists ---- */

static void
gs_policy_event_blacklist(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *black = pubkey_of(BLACK);
	g_autofree gchar *lists_black = maintainers_tag(BLACK, M1, 0);
	g_autofree gchar *owner_tags = g_strdup_printf("relays\t%s\n%s", SERVICE, lists_black);
	const gchar *list[] = {black, NULL};
	const gchar *bad[] = {"xyz", NULL};
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", owner_tags);
	g_autoptr(GsEvent) black_ours = announcement_new(fx, BLACK, "mine", "relays\t" SERVICE);
	g_autoptr(GsEvent) black_ann = announcement_new(fx, BLACK, "repo", NULL);
	g_autoptr(GsEvent) black_state = event_new(fx, BLACK, 30618, "d\trepo");
	g_autoptr(GsEvent) m1_state = event_new(fx, M1, 30618, "d\trepo");
	g_autoptr(GsEvent) black_deletion = event_new(fx, BLACK, 5, "k\t1617");
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_policy_set_event_blacklist(fx->policy, list, &error));
	g_assert_no_error(error);
	store_event(fx, owner);
	assert_rejected(fx, black_ours, GS_REJECT_REASON_BLACKLISTED);
	/* listed as a maintainer changes nothing: the blacklist also holds for maintainers */
	assert_rejected(fx, black_ann, GS_REJECT_REASON_BLACKLISTED);
	assert_rejected(fx, black_state, GS_REJECT_REASON_BLACKLISTED);
	assert_rejected(fx, black_deletion, GS_REJECT_REASON_BLACKLISTED);
	assert_accepted(fx, m1_state);

	g_assert_false(gs_policy_set_event_blacklist(fx->policy, bad, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
}

static void
gs_policy_blacklisted_maintainer_list(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *black = pubkey_of(BLACK);
	g_autofree gchar *lists_m2 = maintainers_tag(M2, 0);
	g_autofree gchar *owner_tags = g_strdup_printf("relays\t%s\n%s", SERVICE, lists_m2);
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", owner_tags);
	g_autofree gchar *lists_m3 = maintainers_tag(M3, 0);
	g_autoptr(GsEvent) m2 = announcement_new(fx, M2, "repo", lists_m3);
	g_autoptr(GsEvent) m3_state = event_new(fx, M3, 30618, "d\trepo");
	const gchar *list[] = {black, NULL};
	const gchar *list_m2[] = {black, NULL, NULL};
	g_autofree gchar *m2_pk = pubkey_of(M2);

	g_assert_true(gs_policy_set_event_blacklist(fx->policy, list, NULL));
	store_event(fx, owner);
	store_event(fx, m2);
	assert_accepted(fx, m3_state);
	/* blacklisting M2 after its announcement was stored withdraws what it listed */
	list_m2[1] = m2_pk;
	g_assert_true(gs_policy_set_event_blacklist(fx->policy, list_m2, NULL));
	assert_rejected(fx, m3_state, GS_REJECT_REASON_NOT_AUTHORIZED);
}

static void
gs_policy_repository_blacklist(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *black_coord = coordinate_of(OWNER, "bad");
	g_autofree gchar *lists_owner = maintainers_tag(OWNER, 0);
	const gchar *list[] = {black_coord, "forbidden", NULL};
	const gchar *bad1[] = {
		"30618:0000000000000000000000000000000000000000000000000000000000000000:x", NULL};
	const gchar *bad2[] = {"a/b", NULL};
	g_autoptr(GsEvent) owner_bad = announcement_new(fx, OWNER, "bad", "relays\t" SERVICE);
	g_autoptr(GsEvent) owner_good = announcement_new(fx, OWNER, "good", "relays\t" SERVICE);
	g_autoptr(GsEvent) m1_bad = announcement_new(fx, M1, "bad", lists_owner);
	g_autoptr(GsEvent) stranger_bad = announcement_new(fx, STRANGER, "bad", "relays\t" SERVICE);
	g_autoptr(GsEvent) any_forbidden =
		announcement_new(fx, STRANGER, "forbidden", "relays\t" SERVICE);
	g_autoptr(GsEvent) owner_state = event_new(fx, OWNER, 30618, "d\tbad");
	g_autofree gchar *patch_tags = g_strdup_printf("a\t%s", black_coord);
	g_autoptr(GsEvent) patch = event_new(fx, M1, 1617, patch_tags);
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_policy_set_repository_blacklist(fx->policy, list, &error));
	g_assert_no_error(error);
	assert_rejected(fx, owner_bad, GS_REJECT_REASON_BLACKLISTED);
	assert_accepted(fx, owner_good);
	/* a maintainer of the blacklisted repository cannot bring it back */
	assert_rejected(fx, m1_bad, GS_REJECT_REASON_BLACKLISTED);
	/* a coordinate names one repository: someone else's "bad" is fine */
	assert_accepted(fx, stranger_bad);
	/* a bare identifier names them all */
	assert_rejected(fx, any_forbidden, GS_REJECT_REASON_BLACKLISTED);
	assert_rejected(fx, owner_state, GS_REJECT_REASON_BLACKLISTED);
	assert_rejected(fx, patch, GS_REJECT_REASON_BLACKLISTED);

	g_assert_false(gs_policy_set_repository_blacklist(fx->policy, bad1, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_false(gs_policy_set_repository_blacklist(fx->policy, bad2, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	/* the old list stays */
	assert_rejected(fx, owner_bad, GS_REJECT_REASON_BLACKLISTED);
}

/* ---- deferral and re-processing ---- */

static void
gs_policy_maintainer_before_owner(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *lists_owner = maintainers_tag(OWNER, 0);
	g_autofree gchar *lists_m1 = maintainers_tag(M1, 0);
	g_autofree gchar *owner_tags = g_strdup_printf("relays\t%s\n%s", SERVICE, lists_m1);
	g_autoptr(GsEvent) m1 = announcement_new(fx, M1, "repo", lists_owner);
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", owner_tags);
	g_autofree gchar *owner_coord = coordinate_of(OWNER, "repo");
	g_autofree gchar *m1_coord = coordinate_of(M1, "repo");
	g_auto(GsPolicyResult) result = {0};
	g_auto(GStrv) wait = NULL;
	g_auto(GStrv) arrival = NULL;

	g_assert_true(gs_policy_decide(fx->policy, m1, &result, NULL));
	g_assert_cmpint(result.verdict, ==, GS_POLICY_VERDICT_DEFERRED);
	g_assert_cmpstr(result.dependency, ==, owner_coord);
	/* filed under the owner's coordinate and under its own standing */
	wait = gs_policy_dup_wait_keys(fx->policy, m1, &result);
	g_assert_cmpuint(g_strv_length(wait), ==, 2);
	g_assert_cmpstr(wait[0], ==, owner_coord);
	g_assert_cmpstr(wait[1], ==, m1_coord);
	/* the owner's announcement makes both keys available */
	arrival = gs_policy_dup_arrival_keys(fx->policy, owner);
	g_assert_true(g_strv_contains((const gchar *const *)arrival, owner_coord));
	g_assert_true(g_strv_contains((const gchar *const *)arrival, m1_coord));
	g_assert_true(g_strv_contains((const gchar *const *)arrival, gs_event_get_id(owner)));

	store_event(fx, owner);
	assert_accepted(fx, m1);
}

static void
gs_policy_maintainer_owner_does_not_list(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *lists_owner = maintainers_tag(OWNER, 0);
	g_autoptr(GsEvent) m1 = announcement_new(fx, M1, "repo", lists_owner);
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", "relays\t" SERVICE);

	store_event(fx, owner);
	/* the owner is there and does not list M1: nothing left to wait for */
	assert_rejected(fx, m1, GS_REJECT_REASON_DOES_NOT_LIST_SERVICE);
}

static void
gs_policy_state_before_announcement(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) state =
		event_new(fx, OWNER, 30618, "d\trepo\nHEAD\tref: refs/heads/main");
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", "relays\t" SERVICE);
	g_autofree gchar *owner_coord = coordinate_of(OWNER, "repo");

	assert_verdict(fx, state, GS_POLICY_VERDICT_DEFERRED, GS_REJECT_REASON_NONE, owner_coord);
	store_event(fx, owner);
	assert_accepted(fx, state);
	/* stored and still acceptable: left to the store's insert to call it a duplicate */
	store_event(fx, state);
	assert_accepted(fx, state);
}

static void
gs_policy_comment_before_root(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *repo_coord = coordinate_of(OWNER, "repo");
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", "relays\t" SERVICE);
	g_autofree gchar *patch_tags = g_strdup_printf("a\t%s\nsubject\tfix", repo_coord);
	g_autoptr(GsEvent) patch = event_new(fx, M1, 1617, patch_tags);
	g_autofree gchar *comment_tags = g_strdup_printf(
		"E\t%s\nK\t1617\ne\t%s\nk\t1617", gs_event_get_id(patch), gs_event_get_id(patch));
	g_autoptr(GsEvent) comment = event_new(fx, STRANGER, 1111, comment_tags);
	g_autofree gchar *status_tags = g_strdup_printf("e\t%s\troot", gs_event_get_id(patch));
	g_autoptr(GsEvent) status = event_new(fx, OWNER, 1631, status_tags);

	/* patch before its repository: waits for the coordinate */
	assert_verdict(fx, patch, GS_POLICY_VERDICT_DEFERRED, GS_REJECT_REASON_NONE, repo_coord);
	/* comment before its root: waits for the root's id */
	assert_verdict(fx,
		       comment,
		       GS_POLICY_VERDICT_DEFERRED,
		       GS_REJECT_REASON_NONE,
		       gs_event_get_id(patch));
	store_event(fx, owner);
	assert_accepted(fx, patch);
	assert_verdict(fx,
		       status,
		       GS_POLICY_VERDICT_DEFERRED,
		       GS_REJECT_REASON_NONE,
		       gs_event_get_id(patch));
	store_event(fx, patch);
	assert_accepted(fx, comment);
	assert_accepted(fx, status);
}

static void
gs_policy_referenced_by_stored(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *repo_coord = coordinate_of(OWNER, "repo");
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", "relays\t" SERVICE);
	/* a reply that names an event we will never see, so it cannot get in on its own */
	g_autoptr(GsEvent) parent = event_new(
		fx, M1, 1, "e\t1111111111111111111111111111111111111111111111111111111111111111");
	g_autofree gchar *child_tags =
		g_strdup_printf("A\t%s\ne\t%s", repo_coord, gs_event_get_id(parent));
	g_autoptr(GsEvent) child = event_new(fx, M2, 1111, child_tags);
	g_autoptr(GsEvent) lonely = event_new(fx, M3, 1, "p\tsomeone");
	g_auto(GsPolicyResult) result = {0};
	g_auto(GStrv) wait = NULL;
	g_auto(GStrv) arrival = NULL;

	store_event(fx, owner);
	assert_verdict(fx,
		       parent,
		       GS_POLICY_VERDICT_DEFERRED,
		       GS_REJECT_REASON_NONE,
		       "1111111111111111111111111111111111111111111111111111111111111111");
	/* the parent also waits to be referenced: under its own id */
	g_assert_true(gs_policy_decide(fx->policy, parent, &result, NULL));
	wait = gs_policy_dup_wait_keys(fx->policy, parent, &result);
	g_assert_true(g_strv_contains((const gchar *const *)wait, gs_event_get_id(parent)));
	assert_accepted(fx, child);
	arrival = gs_policy_dup_arrival_keys(fx->policy, child);
	g_assert_true(g_strv_contains((const gchar *const *)arrival, gs_event_get_id(parent)));
	store_event(fx, child);
	assert_accepted(fx, parent);
	assert_rejected(fx, lonely, GS_REJECT_REASON_UNREFERENCED);
}

static void
gs_policy_q_tags(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *repo_coord = coordinate_of(OWNER, "repo");
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", "relays\t" SERVICE);
	g_autofree gchar *by_coord_tags = g_strdup_printf("q\t%s", repo_coord);
	g_autoptr(GsEvent) by_coord = event_new(fx, M1, 1, by_coord_tags);
	g_autofree gchar *by_id_tags = g_strdup_printf("q\t%s", gs_event_get_id(owner));
	g_autoptr(GsEvent) by_id = event_new(fx, M2, 1, by_id_tags);
	g_autoptr(GsEvent) garbage = event_new(fx, M2, 1, "q\tnot-an-id\na\tnope");

	assert_verdict(fx, by_coord, GS_POLICY_VERDICT_DEFERRED, GS_REJECT_REASON_NONE, repo_coord);
	store_event(fx, owner);
	assert_accepted(fx, by_coord);
	assert_accepted(fx, by_id);
	assert_rejected(fx, garbage, GS_REJECT_REASON_UNREFERENCED);
}

static void
gs_policy_other_kinds(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) deletion = event_new(fx, STRANGER, 5, "e\tabc");
	g_autoptr(GsEvent) grasp_list =
		event_new(fx, STRANGER, 10317, "g\twss://relay.example.com");
	g_autoptr(GsEvent) ephemeral = event_new(fx, STRANGER, 20001, NULL);
	g_autoptr(GsEvent) note = event_new(fx, STRANGER, 1, NULL);

	assert_accepted(fx, deletion);
	assert_accepted(fx, grasp_list);
	assert_rejected(fx, ephemeral, GS_REJECT_REASON_EPHEMERAL);
	assert_rejected(fx, note, GS_REJECT_REASON_UNREFERENCED);
	store_event(fx, deletion);
	assert_accepted(fx, deletion);
}

static void
gs_policy_duplicates(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", "relays\t" SERVICE);
	g_autoptr(GsEvent) state = event_new(fx, STRANGER, 30618, "d\trepo");
	g_autoptr(GsEvent) note = event_new(fx, STRANGER, 1, NULL);

	/* stored (by someone else) although the rules refuse them now: duplicates, never
	 * refusals that would put a stored id in the rejected index */
	store_event(fx, owner);
	assert_rejected(fx, state, GS_REJECT_REASON_NOT_AUTHORIZED);
	assert_rejected(fx, note, GS_REJECT_REASON_UNREFERENCED);
	store_event(fx, state);
	store_event(fx, note);
	assert_verdict(fx, state, GS_POLICY_VERDICT_DUPLICATE, GS_REJECT_REASON_NONE, NULL);
	assert_verdict(fx, note, GS_POLICY_VERDICT_DUPLICATE, GS_REJECT_REASON_NONE, NULL);
}

static void
gs_policy_pending_overlay(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *lists_m1 = maintainers_tag(M1, 0);
	g_autofree gchar *owner_tags = g_strdup_printf("relays\t%s\n%s", SERVICE, lists_m1);
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", owner_tags);
	g_autoptr(GsEvent) state = event_new(fx, M1, 30618, "d\trepo");
	g_autofree gchar *repo_coord = coordinate_of(OWNER, "repo");
	g_autofree gchar *patch_tags = g_strdup_printf("a\t%s", repo_coord);
	g_autoptr(GsEvent) patch = event_new(fx, M1, 1617, patch_tags);
	g_autofree gchar *reply_tags = g_strdup_printf("e\t%s", gs_event_get_id(patch));
	g_autoptr(GsEvent) reply = event_new(fx, M2, 1, reply_tags);

	/* an announcement accepted but not committed is visible to the next decision */
	assert_accepted(fx, owner);
	gs_policy_add_pending(fx->policy, owner);
	assert_verdict(fx, owner, GS_POLICY_VERDICT_DUPLICATE, GS_REJECT_REASON_NONE, NULL);
	assert_accepted(fx, state);
	assert_accepted(fx, patch);
	gs_policy_add_pending(fx->policy, patch);
	assert_accepted(fx, reply);
	gs_policy_clear_pending(fx->policy);
	assert_verdict(fx,
		       state,
		       GS_POLICY_VERDICT_DEFERRED,
		       GS_REJECT_REASON_NONE,
		       coord(fx, M1, "repo"));
	assert_verdict(fx,
		       reply,
		       GS_POLICY_VERDICT_DEFERRED,
		       GS_REJECT_REASON_NONE,
		       gs_event_get_id(patch));
}

static void
gs_policy_deletion_reloads(Fixture *fx, gconstpointer data)
{
	g_autofree gchar *lists_m1 = maintainers_tag(M1, 0);
	g_autofree gchar *owner_tags = g_strdup_printf("relays\t%s\n%s", SERVICE, lists_m1);
	g_autoptr(GsEvent) owner = announcement_new(fx, OWNER, "repo", owner_tags);
	g_autoptr(GsEvent) state = event_new(fx, M1, 30618, "d\trepo");
	g_autofree gchar *repo_coord = coordinate_of(OWNER, "repo");
	g_autofree gchar *del_tags = g_strdup_printf("a\t%s", repo_coord);
	g_autoptr(GsEvent) deletion = NULL;

	store_event(fx, owner);
	assert_accepted(fx, state);
	/* the owner deletes the announcement: M1 is no longer anyone's maintainer */
	fx->clock += 10;
	deletion = event_new(fx, OWNER, 5, del_tags);
	store_event(fx, deletion);
	assert_verdict(fx,
		       state,
		       GS_POLICY_VERDICT_DEFERRED,
		       GS_REJECT_REASON_NONE,
		       coord(fx, M1, "repo"));
}

static void
gs_policy_labels(void)
{
	g_assert_cmpstr(gs_reject_reason_to_string(GS_REJECT_REASON_DOES_NOT_LIST_SERVICE),
			==,
			"does-not-list-service");
	g_assert_cmpstr(
		gs_reject_reason_to_string(GS_REJECT_REASON_TOO_MANY_TAGS), ==, "too-many-tags");
	g_assert_cmpstr(gs_policy_verdict_to_string(GS_POLICY_VERDICT_DEFERRED), ==, "deferred");
}

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	ADD("/grasp-sync/policy/announcement/urls", gs_policy_announcement_urls);
	ADD("/grasp-sync/policy/announcement/identifier", gs_policy_announcement_identifier);
	ADD("/grasp-sync/policy/announcement/clone-tags", gs_policy_announcement_clone_tags);
	ADD("/grasp-sync/policy/announcement/archive", gs_policy_archive_modes);
	ADD("/grasp-sync/policy/config/service-urls-change", gs_policy_service_urls_change);
	ADD("/grasp-sync/policy/arrival-keys", gs_policy_arrival_keys);
	ADD("/grasp-sync/policy/config/bad-service-url", gs_policy_bad_service_url);
	ADD("/grasp-sync/policy/maintainers/transitive", gs_policy_maintainers_transitive);
	ADD("/grasp-sync/policy/maintainers/three", gs_policy_three_maintainers);
	ADD("/grasp-sync/policy/maintainers/invalid-keys", gs_policy_invalid_maintainer_keys);
	ADD("/grasp-sync/policy/blacklist/event", gs_policy_event_blacklist);
	ADD("/grasp-sync/policy/blacklist/maintainer-list", gs_policy_blacklisted_maintainer_list);
	ADD("/grasp-sync/policy/blacklist/repository", gs_policy_repository_blacklist);
	ADD("/grasp-sync/policy/defer/maintainer-before-owner", gs_policy_maintainer_before_owner);
	ADD("/grasp-sync/policy/defer/owner-does-not-list",
	    gs_policy_maintainer_owner_does_not_list);
	ADD("/grasp-sync/policy/defer/state-before-announcement",
	    gs_policy_state_before_announcement);
	ADD("/grasp-sync/policy/defer/comment-before-root", gs_policy_comment_before_root);
	ADD("/grasp-sync/policy/reference/referenced-by-stored", gs_policy_referenced_by_stored);
	ADD("/grasp-sync/policy/reference/q-tags", gs_policy_q_tags);
	ADD("/grasp-sync/policy/other-kinds", gs_policy_other_kinds);
	ADD("/grasp-sync/policy/duplicates", gs_policy_duplicates);
	ADD("/grasp-sync/policy/pending-overlay", gs_policy_pending_overlay);
	ADD("/grasp-sync/policy/deletion-reloads", gs_policy_deletion_reloads);
	g_test_add_func("/grasp-sync/policy/labels", gs_policy_labels);
	return g_test_run();
}
