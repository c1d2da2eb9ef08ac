/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-ingest-known.h"
#include "gs-ingest.h"
#include "gs-test-utils.h"

#define SERVICE "wss://relay.example.com"
#define NOW 1700100000

typedef struct {
	gchar *source;
	guint64 seq;
	GsIngestOutcome outcome;
	GsRejectReason reason;
	gchar *event_id;
	gchar *message;
} Seen;

typedef struct {
	GsStore *store;
	GsPolicy *policy;
	GsRejectedIndex *index;
	GsIngest *ingest;
	gint64 now;
	gint64 clock;
	GArray *seen;		  /* Seen */
	GHashTable *sources_seen; /* id -> source, from the insert hook */
	gchar *dir;		  /* the store's directory, for a store on disk */
} Fixture;

static gint64
fixture_clock(gpointer user_data)
{
	Fixture *fx = user_data;
	return fx->now * G_USEC_PER_SEC;
}

static void
seen_clear(Seen *s)
{
	g_free(s->source);
	g_free(s->event_id);
	g_free(s->message);
}

static void
fixture_set_up(Fixture *fx, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	fx->now = NOW;
	fx->clock = NOW - 100000;
	if (data != NULL) {
		g_autofree gchar *path = NULL;
		fx->dir = gs_test_tmpdir_new();
		path = g_build_filename(fx->dir, "store.db", NULL);
		fx->store = gs_store_new(path, &error);
	} else
		fx->store = gs_store_new(":memory:", &error);
	g_assert_no_error(error);
	fx->policy = gs_test_policy_new(fx->store, SERVICE);
	fx->index = gs_rejected_index_new(120, 7 * 24 * 3600);
	gs_rejected_index_set_clock(fx->index, fixture_clock, fx);
	fx->ingest = gs_ingest_new(fx->store, fx->policy, fx->index);
	gs_ingest_set_clock(fx->ingest, fixture_clock, fx);
	fx->seen = g_array_new(FALSE, TRUE, sizeof(Seen));
	g_array_set_clear_func(fx->seen, (GDestroyNotify)seen_clear);
}

static void
fixture_tear_down(Fixture *fx, gconstpointer data)
{
	g_clear_object(&fx->ingest);
	g_clear_object(&fx->index);
	g_clear_object(&fx->policy);
	g_clear_object(&fx->store);
	if (fx->dir != NULL)
		gs_test_tmpdir_remove(fx->dir);
	g_free(fx->dir);
	g_array_unref(fx->seen);
	g_clear_pointer(&fx->sources_seen, g_hash_table_unref);
}

static void
record_cb(GsIngest *ingest, const GsIngestResult *result, gpointer user_data)
{
	Fixture *fx = user_data;
	Seen s = {
		.source = g_strdup(result->source),
		.seq = result->seq,
		.outcome = result->outcome,
		.reason = result->reason,
		.event_id = result->event != NULL ? g_strdup(gs_event_get_id(result->event)) : NULL,
		.message = result->error != NULL ? g_strdup(result->error->message) : NULL,
	};
	if ((result->outcome == GS_INGEST_OUTCOME_INVALID ||
	     result->outcome == GS_INGEST_OUTCOME_FAILED) &&
	    result->error == NULL)
		g_error("an invalid or failed result without an error");
	g_array_append_val(fx->seen, s);
}

static Seen *
seen_last(Fixture *fx)
{
	g_assert_cmpuint(fx->seen->len, >, 0);
	return &g_array_index(fx->seen, Seen, fx->seen->len - 1);
}

static guint64
store_count(Fixture *fx)
{
	g_autoptr(GsFilter) filter = NULL;
	g_autoptr(GError) error = NULL;
	guint64 n = 0;

	filter = gs_filter_new_from_json("{}", -1, &error);
	g_assert_no_error(error);
	g_assert_true(gs_store_count(fx->store, filter, &n, &error));
	g_assert_no_error(error);
	return n;
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

/* tags as "name\tvalue" lines joined by '\n' */
static GsEvent *
event_at(guint32 seed, gint64 created_at, guint kind, const gchar *tags, const gchar *content)
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
	return gs_test_event_new(
		seed, created_at, kind, (const gchar *const *)flat->pdata, content);
}

static GsEvent *
event_new(Fixture *fx, guint32 seed, guint kind, const gchar *tags)
{
	return event_at(seed, fx->clock++, kind, tags, "content");
}

static GsEvent *
announcement_new(Fixture *fx, guint32 seed, const gchar *d)
{
	g_autofree gchar *tags = g_strdup_printf("d\t%s\nrelays\t%s", d, SERVICE);
	return event_new(fx, seed, 30617, tags);
}

static void
submit(Fixture *fx, const gchar *source, GsEvent *event)
{
	gs_ingest_submit(fx->ingest,
			 source,
			 gs_event_get_json(event),
			 gs_event_get_json_size(event),
			 record_cb,
			 fx);
}

static GsIngestCounters
counters(Fixture *fx, const gchar *source)
{
	GsIngestCounters c;
	g_assert_true(gs_ingest_get_counters(fx->ingest, source, &c));
	return c;
}

/* ---- bad input through the whole pipeline ---- */

typedef struct {
	const gchar *name;
	GsIngestOutcome outcome;
	GsRejectReason reason;
	gchar *json;
	gsize len;
} BadCase;

/* the JSON of an event from its members' raw JSON texts */
static gchar *
json_of(const gchar *id,
	const gchar *pubkey,
	const gchar *created_at,
	const gchar *kind,
	const gchar *tags,
	const gchar *content,
	const gchar *sig)
{
	GString *out = g_string_new("{");
	const gchar *names[] = {"id", "pubkey", "created_at", "kind", "tags", "content", "sig"};
	const gchar *values[] = {id, pubkey, created_at, kind, tags, content, sig};
	gboolean first = TRUE;

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if (values[i] == NULL)
			continue;
		g_string_append_printf(out, "%s\"%s\":%s", first ? "" : ",", names[i], values[i]);
		first = FALSE;
	}
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}

static void
bad_add(GPtrArray *cases,
	const gchar *name,
	GsIngestOutcome outcome,
	GsRejectReason reason,
	gchar *json)
{
	BadCase *c = g_new0(BadCase, 1);
	c->name = name;
	c->outcome = outcome;
	c->reason = reason;
	c->json = json;
	c->len = strlen(json);
	g_ptr_array_add(cases, c);
}

static void
bad_case_free(BadCase *c)
{
	g_free(c->json);
	g_free(c);
}

#define INVALID(n, r, j) bad_add(cases, n, GS_INGEST_OUTCOME_INVALID, GS_REJECT_REASON_##r, j)
#define REJECTED(n, r, j) bad_add(cases, n, GS_INGEST_OUTCOME_REJECTED, GS_REJECT_REASON_##r, j)

/* every member of a valid event replaced, one at a time, by something wrong */
static void
bad_fields(GPtrArray *cases, GsEvent *ev)
{
	g_autofree gchar *id = g_strdup_printf("\"%s\"", gs_event_get_id(ev));
	g_autofree gchar *pk = g_strdup_printf("\"%s\"", gs_event_get_pubkey(ev));
	g_autofree gchar *sig = g_strdup_printf("\"%s\"", gs_event_get_sig(ev));
	g_autofree gchar *ca = g_strdup_printf("%" G_GINT64_FORMAT, gs_event_get_created_at(ev));
	g_autofree gchar *upper_id = g_ascii_strup(id, -1);
	const gchar *tags = "[[\"d\",\"repo\"],[\"relays\",\"" SERVICE "\"]]";
	const gchar *kind = "30617";
	const gchar *content = "\"content\"";

	INVALID("id-missing", INVALID_EVENT, json_of(NULL, pk, ca, kind, tags, content, sig));
	INVALID("id-number", INVALID_EVENT, json_of("12", pk, ca, kind, tags, content, sig));
	INVALID("id-upper", INVALID_EVENT, json_of(upper_id, pk, ca, kind, tags, content, sig));
	INVALID("id-short", INVALID_EVENT, json_of("\"abcd\"", pk, ca, kind, tags, content, sig));
	INVALID("pubkey-missing", INVALID_EVENT, json_of(id, NULL, ca, kind, tags, content, sig));
	INVALID("pubkey-null", INVALID_EVENT, json_of(id, "null", ca, kind, tags, content, sig));
	INVALID("sig-missing", INVALID_EVENT, json_of(id, pk, ca, kind, tags, content, NULL));
	INVALID("sig-short", INVALID_EVENT, json_of(id, pk, ca, kind, tags, content, "\"00\""));
	INVALID("created-at-missing",
		INVALID_EVENT,
		json_of(id, pk, NULL, kind, tags, content, sig));
	INVALID("created-at-string",
		INVALID_EVENT,
		json_of(id, pk, "\"1700000000\"", kind, tags, content, sig));
	INVALID("created-at-negative",
		INVALID_EVENT,
		json_of(id, pk, "-1", kind, tags, content, sig));
	INVALID("created-at-float",
		INVALID_EVENT,
		json_of(id, pk, "1.5", kind, tags, content, sig));
	INVALID("kind-missing", INVALID_EVENT, json_of(id, pk, ca, NULL, tags, content, sig));
	INVALID("kind-string", INVALID_EVENT, json_of(id, pk, ca, "\"1\"", tags, content, sig));
	INVALID("kind-too-big", INVALID_EVENT, json_of(id, pk, ca, "70000", tags, content, sig));
	INVALID("tags-missing", INVALID_EVENT, json_of(id, pk, ca, kind, NULL, content, sig));
	INVALID("tags-object", INVALID_EVENT, json_of(id, pk, ca, kind, "{}", content, sig));
	INVALID("tag-not-array", INVALID_EVENT, json_of(id, pk, ca, kind, "[\"d\"]", content, sig));
	INVALID("tag-empty", INVALID_EVENT, json_of(id, pk, ca, kind, "[[]]", content, sig));
	INVALID("tag-number",
		INVALID_EVENT,
		json_of(id, pk, ca, kind, "[[\"d\",1]]", content, sig));
	INVALID("content-missing", INVALID_EVENT, json_of(id, pk, ca, kind, tags, NULL, sig));
	INVALID("content-number", INVALID_EVENT, json_of(id, pk, ca, kind, tags, "7", sig));
	/* well-formed, but the id is not the hash of this content */
	INVALID("content-changed", BAD_ID, json_of(id, pk, ca, kind, tags, "\"other\"", sig));
	INVALID("kind-changed", BAD_ID, json_of(id, pk, ca, "30618", tags, content, sig));
}

static GPtrArray *
bad_cases_new(Fixture *fx)
{
	GPtrArray *cases = g_ptr_array_new_with_free_func((GDestroyNotify)bad_case_free);
	g_autoptr(GsEvent) ev = announcement_new(fx, 1, "repo");
	g_autofree gchar *json = g_strdup(gs_event_get_json(ev));
	g_autofree gchar *bad_sig = g_strdup(json);
	g_autofree gchar *big_content = g_strnfill(300 * 1024, 'x');
	g_autoptr(GsEvent) big = event_at(2, NOW - 10, 30617, "d\tbig", big_content);
	g_autoptr(GString) deep = g_string_new(NULL);
	g_autoptr(GString) many = g_string_new("d\tmany\nrelays\t" SERVICE);
	g_autoptr(GsEvent) too_many = NULL;
	g_autoptr(GsEvent) future =
		event_at(3, NOW + 15 * 60 + 1, 30617, "d\tf\nrelays\t" SERVICE, "");
	gchar *p;

	bad_fields(cases, ev);
	INVALID("empty", MALFORMED_JSON, g_strdup(""));
	INVALID("truncated", MALFORMED_JSON, g_strndup(json, strlen(json) / 2));
	INVALID("trailing-data", MALFORMED_JSON, g_strconcat(json, " {}", NULL));
	INVALID("single-quotes", MALFORMED_JSON, g_strdup("{'id':'x'}"));
	INVALID("array", INVALID_EVENT, g_strdup("[]"));
	INVALID("string", INVALID_EVENT, g_strdup("\"event\""));
	INVALID("null", INVALID_EVENT, g_strdup("null"));
	INVALID("non-utf8", MALFORMED_JSON, g_strdup("{\"content\":\"\xff\xfe\"}"));
	INVALID("non-utf8-in-valid-event",
		MALFORMED_JSON,
		json_of("\"00\"", "\"00\"", "1", "1", "[]", "\"caf\xc3\x28\"", "\"00\""));
	for (guint i = 0; i < 100000; i++)
		g_string_append_c(deep, '[');
	INVALID("deep-nesting", MALFORMED_JSON, g_strdup(deep->str));
	/* a flipped signature bit */
	p = strstr(bad_sig, "\"sig\":\"") + 7;
	*p = *p == '0' ? '1' : '0';
	INVALID("bad-signature", BAD_SIGNATURE, g_strdup(bad_sig));
	REJECTED("oversized", TOO_LARGE, g_strdup(gs_event_get_json(big)));
	for (guint i = 0; i < GS_INGEST_MAX_TAGS - 1; i++)
		g_string_append_printf(many, "\nt\t%u", i);
	too_many = event_at(4, NOW - 10, 30617, many->str, "");
	REJECTED("too-many-tags", TOO_MANY_TAGS, g_strdup(gs_event_get_json(too_many)));
	REJECTED("future", FUTURE, g_strdup(gs_event_get_json(future)));
	return cases;
}

static void
gs_ingest_bad_input(Fixture *fx, gconstpointer data)
{
	g_autoptr(GPtrArray) cases = bad_cases_new(fx);
	GsIngestCounters c;

	for (guint i = 0; i < cases->len; i++) {
		BadCase *bc = g_ptr_array_index(cases, i);
		g_autofree gchar *source = g_strdup_printf("wss://bad%u.example.net", i);
		Seen *s;

		gs_ingest_submit(fx->ingest, source, bc->json, bc->len, record_cb, fx);
		gs_ingest_flush(fx->ingest);
		s = seen_last(fx);
		g_test_message("%s: %s/%s %s",
			       bc->name,
			       gs_ingest_outcome_to_string(s->outcome),
			       gs_reject_reason_to_string(s->reason),
			       s->message);
		g_assert_cmpstr(s->source, ==, source);
		g_assert_cmpint(s->outcome, ==, bc->outcome);
		g_assert_cmpstr(gs_reject_reason_to_string(s->reason),
				==,
				gs_reject_reason_to_string(bc->reason));
		c = counters(fx, source);
		g_assert_cmpuint(c.received, ==, 1);
		g_assert_cmpuint(c.outcomes[bc->outcome], ==, 1);
		g_assert_cmpuint(c.reasons[bc->reason], ==, 1);
	}
	/* nothing got in, everything was counted */
	g_assert_cmpuint(store_count(fx), ==, 0);
	c = counters(fx, NULL);
	g_assert_cmpuint(c.received, ==, cases->len);
	g_assert_cmpuint(c.outcomes[GS_INGEST_OUTCOME_STORED], ==, 0);
	g_assert_cmpuint(c.outcomes[GS_INGEST_OUTCOME_INVALID] +
				 c.outcomes[GS_INGEST_OUTCOME_REJECTED],
			 ==,
			 cases->len);
}

static void
gs_ingest_limits_edge(Fixture *fx, gconstpointer data)
{
	g_autoptr(GString) many = g_string_new("d\tmany\nrelays\t" SERVICE);
	g_autoptr(GsEvent) max_tags = NULL;
	g_autoptr(GsEvent) near_future =
		event_at(3, NOW + 15 * 60, 30617, "d\tf\nrelays\t" SERVICE, "");
	g_autofree gchar *content = NULL;
	g_autoptr(GsEvent) max_size = NULL;
	gsize base;

	/* exactly 2,000 tags, 15 minutes ahead, and the byte limit itself are all fine */
	for (guint i = 0; i < GS_INGEST_MAX_TAGS - 2; i++)
		g_string_append_printf(many, "\nt\t%u", i);
	max_tags = event_at(4, NOW - 10, 30617, many->str, "");
	g_assert_cmpuint(gs_event_get_n_tags(max_tags), ==, GS_INGEST_MAX_TAGS);
	{
		g_autoptr(GsEvent) probe =
			event_at(5, NOW - 10, 30617, "d\tbig\nrelays\t" SERVICE, "");
		base = gs_event_get_json_size(probe);
	}
	content = g_strnfill(GS_INGEST_DEFAULT_MAX_EVENT_BYTES - base, 'x');
	max_size = event_at(5, NOW - 10, 30617, "d\tbig\nrelays\t" SERVICE, content);
	g_assert_cmpuint(gs_event_get_json_size(max_size), ==, GS_INGEST_DEFAULT_MAX_EVENT_BYTES);

	submit(fx, "src", max_tags);
	submit(fx, "src", near_future);
	submit(fx, "src", max_size);
	gs_ingest_flush(fx->ingest);
	g_assert_cmpuint(fx->seen->len, ==, 3);
	for (guint i = 0; i < 3; i++)
		g_assert_cmpint(
			g_array_index(fx->seen, Seen, i).outcome, ==, GS_INGEST_OUTCOME_STORED);
	g_assert_cmpuint(store_count(fx), ==, 3);

	/* a smaller configured limit */
	gs_ingest_set_max_event_bytes(fx->ingest, 1000);
	submit(fx, "src", max_tags);
	gs_ingest_flush(fx->ingest);
	g_assert_cmpint(seen_last(fx)->reason, ==, GS_REJECT_REASON_TOO_LARGE);
}

/* ---- ordering ---- */

static void
gs_ingest_order_per_source(Fixture *fx, gconstpointer data)
{
	const guint n_sources = 8;
	const guint per_source = 150;
	g_autoptr(GPtrArray) events =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	g_autoptr(GArray) expected = g_array_new(FALSE, FALSE, sizeof(gint));
	g_autofree guint64 *next = g_new0(guint64, n_sources);
	g_autofree gchar *big = g_strnfill(GS_INGEST_DEFAULT_MAX_EVENT_BYTES + 1, ' ');

	/* events are valid announcements, bad JSON (parsed on a worker) or oversized
	 * (refused before the pool): every kind of result must keep its place */
	for (guint i = 0; i < n_sources * per_source; i++) {
		g_autofree gchar *source = g_strdup_printf("wss://r%u.example.net", i % n_sources);
		g_autofree gchar *d = g_strdup_printf("r%u", i);
		guint what = (i * 7) % 5;
		if (what == 0) {
			gs_ingest_submit(fx->ingest, source, "{\"id\":", 6, record_cb, fx);
		} else if (what == 1) {
			gs_ingest_submit(fx->ingest, source, big, strlen(big), record_cb, fx);
		} else {
			GsEvent *ev = announcement_new(fx, 10 + i % 50, d);
			g_ptr_array_add(events, ev);
			submit(fx, source, ev);
		}
	}
	gs_ingest_flush(fx->ingest);
	g_assert_cmpuint(fx->seen->len, ==, n_sources * per_source);
	for (guint i = 0; i < fx->seen->len; i++) {
		Seen *s = &g_array_index(fx->seen, Seen, i);
		guint src = (guint)g_ascii_strtoull(s->source + strlen("wss://r"), NULL, 10);
		guint orig = (guint)s->seq * n_sources + src;
		guint what = (orig * 7) % 5;

		g_assert_cmpuint(s->seq, ==, next[src]);
		next[src]++;
		if (what == 0)
			g_assert_cmpint(s->reason, ==, GS_REJECT_REASON_MALFORMED_JSON);
		else if (what == 1)
			g_assert_cmpint(s->reason, ==, GS_REJECT_REASON_TOO_LARGE);
		else
			g_assert_cmpint(s->outcome, ==, GS_INGEST_OUTCOME_STORED);
	}
	g_assert_cmpuint(store_count(fx), ==, events->len);
}

/* jobs finish out of order on the workers; what becomes ready together is decided in arrival
 * order over all sources, so a state from one relay right after its announcement from another
 * is accepted with it rather than deferred until the announcement is stored */
static void
gs_ingest_arrival_order(Fixture *fx, gconstpointer data)
{
	const guint n_repos = 800;
	g_autoptr(GPtrArray) states =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	guint k = 0;

	/* announcement i, then the state of i - 1: a state comes two events after its
	 * announcement, from another source, and sometimes in the next job */
	for (guint i = 0; i <= n_repos; i++) {
		g_autofree gchar *d = g_strdup_printf("a%u", i);
		g_autofree gchar *state_tags = g_strdup_printf("d\t%s", d);
		g_autofree gchar *source = NULL;

		if (i < n_repos) {
			g_autoptr(GsEvent) ann = announcement_new(fx, 10 + i % 50, d);
			source = g_strdup_printf("wss://r%u.example.net", k++ % 4);
			submit(fx, source, ann);
			g_ptr_array_add(states, event_new(fx, 10 + i % 50, 30618, state_tags));
		}
		if (i > 0) {
			g_free(source);
			source = g_strdup_printf("wss://r%u.example.net", k++ % 4);
			submit(fx, source, g_ptr_array_index(states, i - 1));
		}
	}
	gs_ingest_flush(fx->ingest);
	g_assert_cmpuint(fx->seen->len, ==, 2 * n_repos);
	for (guint i = 0; i < fx->seen->len; i++) {
		Seen *s = &g_array_index(fx->seen, Seen, i);
		g_assert_cmpint(s->outcome, ==, GS_INGEST_OUTCOME_STORED);
	}
	g_assert_cmpuint(store_count(fx), ==, 2 * n_repos);
}

/* ---- deferral ---- */

static void
gs_ingest_deferred_reprocessed(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) state = event_new(fx, 1, 30618, "d\trepo");
	g_autoptr(GsEvent) ann = announcement_new(fx, 1, "repo");
	g_autofree gchar *pk = pubkey_of(1);
	g_autofree gchar *coord = gs_coordinate_build(30617, pk, "repo");
	g_autofree gchar *patch_tags = g_strdup_printf("a\t%s", coord);
	g_autoptr(GsEvent) patch = event_new(fx, 2, 1617, patch_tags);
	g_autofree gchar *comment_tags = g_strdup_printf(
		"E\t%s\ne\t%s\nk\t1617", gs_event_get_id(patch), gs_event_get_id(patch));
	g_autoptr(GsEvent) comment = event_new(fx, 3, 1111, comment_tags);
	GsRejectedIndexCounters ri;
	GsIngestCounters c;

	/* the state and a comment arrive before what they need */
	submit(fx, "a", state);
	submit(fx, "a", comment);
	gs_ingest_flush(fx->ingest);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 0).outcome, ==, GS_INGEST_OUTCOME_DEFERRED);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 1).outcome, ==, GS_INGEST_OUTCOME_DEFERRED);
	g_assert_cmpuint(store_count(fx), ==, 0);
	g_assert_true(gs_rejected_index_contains(fx->index, gs_event_get_id(state)));

	/* the announcement arrives: the state is re-processed and stored */
	submit(fx, "b", ann);
	gs_ingest_flush(fx->ingest);
	g_assert_true(gs_store_has_event(fx->store, gs_event_get_id(state), NULL));
	g_assert_false(gs_rejected_index_contains(fx->index, gs_event_get_id(state)));
	g_assert_false(gs_store_has_event(fx->store, gs_event_get_id(comment), NULL));

	/* the patch arrives: the comment follows */
	submit(fx, "b", patch);
	gs_ingest_flush(fx->ingest);
	g_assert_true(gs_store_has_event(fx->store, gs_event_get_id(comment), NULL));
	g_assert_cmpuint(store_count(fx), ==, 4);
	/* callbacks only for submissions: four */
	g_assert_cmpuint(fx->seen->len, ==, 4);

	c = counters(fx, NULL);
	g_assert_cmpuint(c.received, ==, 4);
	g_assert_cmpuint(c.reprocessed, ==, 2);
	g_assert_cmpuint(c.outcomes[GS_INGEST_OUTCOME_DEFERRED], ==, 2);
	g_assert_cmpuint(c.outcomes[GS_INGEST_OUTCOME_STORED], ==, 4);
	gs_rejected_index_get_counters(fx->index, GS_REJECTED_EVENT_TYPE_STATE, &ri);
	g_assert_cmpuint(ri.hot_hits, ==, 1);
	g_assert_cmpuint(ri.hot_current, ==, 0);
	gs_rejected_index_get_counters(fx->index, GS_REJECTED_EVENT_TYPE_OTHER, &ri);
	g_assert_cmpuint(ri.hot_hits, ==, 1);
}

/* the store's insert hook asks where each event came from */
static gboolean
source_hook(GsStore *store,
	    sqlite3 *db,
	    GsEvent *event,
	    gint64 seq,
	    GsStoreResult result,
	    gpointer user_data,
	    GError **error)
{
	Fixture *fx = user_data;
	const gchar *source = gs_ingest_get_storing_source(fx->ingest, event);
	g_hash_table_insert(fx->sources_seen,
			    g_strdup(gs_event_get_id(event)),
			    g_strdup(source != NULL ? source : "(unknown)"));
	return TRUE;
}

static void
gs_ingest_storing_source(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) state = event_new(fx, 1, 30618, "d\trepo");
	g_autoptr(GsEvent) ann = announcement_new(fx, 1, "repo");
	g_autoptr(GsEvent) other = announcement_new(fx, 4, "other");
	g_autoptr(GsEvent) direct = announcement_new(fx, 5, "direct");

	fx->sources_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	gs_store_set_insert_hook(fx->store, source_hook, fx, NULL);
	g_assert_null(gs_ingest_get_storing_source(fx->ingest, ann));
	/* the state arrives from home first and waits for its announcement from elsewhere */
	submit(fx, "wss://home.example.com", state);
	submit(fx, "wss://other.example.com", other);
	gs_ingest_flush(fx->ingest);
	submit(fx, "wss://other.example.com", ann);
	gs_ingest_flush(fx->ingest);
	g_assert_true(gs_store_insert(fx->store, direct, NULL, NULL));
	g_assert_cmpuint(g_hash_table_size(fx->sources_seen), ==, 4);
	g_assert_cmpstr(g_hash_table_lookup(fx->sources_seen, gs_event_get_id(state)),
			==,
			"wss://home.example.com");
	g_assert_cmpstr(g_hash_table_lookup(fx->sources_seen, gs_event_get_id(ann)),
			==,
			"wss://other.example.com");
	g_assert_cmpstr(g_hash_table_lookup(fx->sources_seen, gs_event_get_id(other)),
			==,
			"wss://other.example.com");
	/* stored without the ingest */
	g_assert_cmpstr(
		g_hash_table_lookup(fx->sources_seen, gs_event_get_id(direct)), ==, "(unknown)");
	gs_store_set_insert_hook(fx->store, NULL, NULL, NULL);
}

static void
gs_ingest_same_slice(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) ann = announcement_new(fx, 1, "repo");
	g_autoptr(GsEvent) state = event_new(fx, 1, 30618, "d\trepo");
	g_autofree gchar *reply_tags = g_strdup_printf("e\t%s", gs_event_get_id(state));
	g_autoptr(GsEvent) reply = event_new(fx, 2, 1, reply_tags);
	GsIngestCounters c;

	/* submitted together they are decided in one slice, in order */
	submit(fx, "a", ann);
	submit(fx, "a", state);
	submit(fx, "a", reply);
	submit(fx, "a", reply);
	gs_ingest_flush(fx->ingest);
	g_assert_cmpuint(fx->seen->len, ==, 4);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 0).outcome, ==, GS_INGEST_OUTCOME_STORED);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 1).outcome, ==, GS_INGEST_OUTCOME_STORED);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 2).outcome, ==, GS_INGEST_OUTCOME_STORED);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 3).outcome, ==, GS_INGEST_OUTCOME_DUPLICATE);
	c = counters(fx, NULL);
	g_assert_cmpuint(c.outcomes[GS_INGEST_OUTCOME_DEFERRED], ==, 0);
	g_assert_cmpuint(c.reprocessed, ==, 0);

	submit(fx, "b", ann);
	gs_ingest_flush(fx->ingest);
	g_assert_cmpint(seen_last(fx)->outcome, ==, GS_INGEST_OUTCOME_DUPLICATE);
}

static void
gs_ingest_store_refusals(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) old = event_at(1, NOW - 500, 30617, "d\trepo\nrelays\t" SERVICE, "old");
	g_autoptr(GsEvent) newer =
		event_at(1, NOW - 400, 30617, "d\trepo\nrelays\t" SERVICE, "new");
	g_autoptr(GsEvent) note = event_new(fx, 9, 1, NULL);

	submit(fx, "a", newer);
	gs_ingest_flush(fx->ingest);
	submit(fx, "a", old);
	submit(fx, "a", note);
	gs_ingest_flush(fx->ingest);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 1).outcome, ==, GS_INGEST_OUTCOME_REJECTED);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 1).reason, ==, GS_REJECT_REASON_SUPERSEDED);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 2).reason, ==, GS_REJECT_REASON_UNREFERENCED);
	/* both are remembered, so that negentropy does not fetch them again */
	g_assert_true(gs_rejected_index_contains(fx->index, gs_event_get_id(old)));
	g_assert_true(gs_rejected_index_contains(fx->index, gs_event_get_id(note)));
}

static void
gs_ingest_submit_parsed(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) ann = announcement_new(fx, 1, "repo");
	g_autofree gchar *json = g_strdup(gs_event_get_json(ann));
	gchar *p = strstr(json, "\"sig\":\"") + 7;
	g_autoptr(GsEvent) forged = NULL;
	g_autoptr(GError) error = NULL;

	*p = *p == 'a' ? 'b' : 'a';
	forged = gs_event_new_from_json(json, -1, &error);
	g_assert_no_error(error);
	gs_ingest_submit_event(fx->ingest, "client-1", forged, record_cb, fx);
	gs_ingest_submit_event(fx->ingest, "client-1", ann, record_cb, fx);
	gs_ingest_submit_event(fx->ingest, "client-1", ann, NULL, NULL);
	gs_ingest_flush(fx->ingest);
	g_assert_cmpuint(fx->seen->len, ==, 2);
	g_assert_cmpint(
		g_array_index(fx->seen, Seen, 0).reason, ==, GS_REJECT_REASON_BAD_SIGNATURE);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 1).outcome, ==, GS_INGEST_OUTCOME_STORED);
	g_assert_cmpuint(counters(fx, "client-1").outcomes[GS_INGEST_OUTCOME_DUPLICATE], ==, 1);
	g_assert_cmpuint(counters(fx, "client-1").received, ==, 3);
}

/* ---- counters ---- */

static void
gs_ingest_counters_snapshot(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) ann = announcement_new(fx, 1, "repo");
	g_autoptr(GVariant) snap = NULL;
	g_autoptr(GVariant) sources = NULL;
	g_autoptr(GVariant) relay = NULL;
	g_autoptr(GVariant) outcomes = NULL;
	g_autoptr(GVariant) reasons = NULL;
	GsIngestCounters c;
	guint64 v = 0;

	submit(fx, "wss://one.example.net", ann);
	gs_ingest_submit(fx->ingest, "wss://two.example.net", "nope", 4, NULL, NULL);
	gs_ingest_flush(fx->ingest);

	snap = gs_ingest_dup_counters(fx->ingest);
	g_assert_true(g_variant_lookup(snap, "received", "t", &v));
	g_assert_cmpuint(v, ==, 2);
	outcomes = g_variant_lookup_value(snap, "outcomes", G_VARIANT_TYPE("a{st}"));
	g_assert_true(g_variant_lookup(outcomes, "stored", "t", &v));
	g_assert_cmpuint(v, ==, 1);
	g_assert_true(g_variant_lookup(outcomes, "invalid", "t", &v));
	g_assert_cmpuint(v, ==, 1);
	reasons = g_variant_lookup_value(snap, "reasons", G_VARIANT_TYPE("a{st}"));
	g_assert_true(g_variant_lookup(reasons, "malformed-json", "t", &v));
	g_assert_cmpuint(v, ==, 1);
	g_assert_false(g_variant_lookup(reasons, "bad-signature", "t", &v));
	sources = g_variant_lookup_value(snap, "sources", G_VARIANT_TYPE("a{sa{sv}}"));
	g_assert_cmpuint(g_variant_n_children(sources), ==, 2);
	relay = g_variant_lookup_value(sources, "wss://one.example.net", G_VARIANT_TYPE("a{sv}"));
	g_assert_true(g_variant_lookup(relay, "received", "t", &v));
	g_assert_cmpuint(v, ==, 1);

	/* a removed relay's series disappear; the totals stay */
	gs_ingest_forget_source(fx->ingest, "wss://one.example.net");
	g_assert_false(gs_ingest_get_counters(fx->ingest, "wss://one.example.net", &c));
	g_assert_cmpuint(c.received, ==, 0);
	g_assert_cmpuint(counters(fx, NULL).received, ==, 2);
	g_assert_cmpstr(gs_ingest_outcome_to_string(GS_INGEST_OUTCOME_DEFERRED), ==, "deferred");
}

static void
shutdown_cb(GsIngest *ingest, const GsIngestResult *result, gpointer user_data)
{
	guint *n = user_data;
	g_assert_true(result->outcome == GS_INGEST_OUTCOME_FAILED ||
		      result->outcome == GS_INGEST_OUTCOME_INVALID);
	if (result->outcome == GS_INGEST_OUTCOME_FAILED)
		g_assert_cmpint(result->reason, ==, GS_REJECT_REASON_SHUTDOWN);
	(*n)++;
}

static void
gs_ingest_dispose_pending(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) ann = announcement_new(fx, 1, "repo");
	guint n = 0;

	for (guint i = 0; i < 100; i++) {
		gs_ingest_submit(fx->ingest,
				 "a",
				 gs_event_get_json(ann),
				 gs_event_get_json_size(ann),
				 shutdown_cb,
				 &n);
		gs_ingest_submit(fx->ingest, "b", "[", 1, shutdown_cb, &n);
	}
	g_assert_cmpuint(gs_ingest_get_pending(fx->ingest), ==, 200);
	g_assert_cmpuint(gs_ingest_get_pending_bytes(fx->ingest),
			 ==,
			 100 * (gs_event_get_json_size(ann) + 1));
	/* every callback runs, once, before the object goes */
	g_clear_object(&fx->ingest);
	g_assert_cmpuint(n, ==, 200);
	g_assert_cmpuint(store_count(fx), ==, 0);
}

static void
gs_ingest_threads(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) ann = announcement_new(fx, 1, "repo");

	g_assert_cmpuint(gs_ingest_get_max_threads(fx->ingest), ==, g_get_num_processors());
	gs_ingest_set_max_threads(fx->ingest, 1);
	g_assert_cmpuint(gs_ingest_get_max_threads(fx->ingest), ==, 1);
	submit(fx, "a", ann);
	g_assert_cmpuint(gs_ingest_get_pending_bytes(fx->ingest), ==, gs_event_get_json_size(ann));
	gs_ingest_flush(fx->ingest);
	g_assert_cmpint(seen_last(fx)->outcome, ==, GS_INGEST_OUTCOME_STORED);
	g_assert_cmpuint(gs_ingest_get_pending_bytes(fx->ingest), ==, 0);
}

/* @event's JSON with one hex digit of its signature changed: the id still matches */
static gchar *
json_bad_sig(GsEvent *event)
{
	gchar *json = g_strdup(gs_event_get_json(event));
	gchar *sig = strstr(json, gs_event_get_sig(event));

	g_assert_nonnull(sig);
	sig[10] = sig[10] == '0' ? '1' : '0';
	return json;
}

static void
submit_json(Fixture *fx, const gchar *source, const gchar *json)
{
	gs_ingest_submit(fx->ingest, source, json, strlen(json), record_cb, fx);
}

/* a copy of a stored event, found in the store file, is a duplicate without verifying,
 * whatever its signature; new events are still verified */
static void
gs_ingest_known_stored(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) ann = announcement_new(fx, 1, "repo");
	g_autoptr(GsEvent) other = announcement_new(fx, 2, "other");
	g_autofree gchar *ann_bad = json_bad_sig(ann);
	g_autofree gchar *other_bad = json_bad_sig(other);

	submit(fx, "a", ann);
	gs_ingest_flush(fx->ingest);
	g_assert_cmpint(seen_last(fx)->outcome, ==, GS_INGEST_OUTCOME_STORED);
	g_assert_cmpuint(counters(fx, NULL).verify_skipped, ==, 0);

	/* its id is computed, not read: this copy never reaches the signature check */
	submit_json(fx, "b", ann_bad);
	gs_ingest_flush(fx->ingest);
	g_assert_cmpint(seen_last(fx)->outcome, ==, GS_INGEST_OUTCOME_DUPLICATE);
	g_assert_cmpuint(counters(fx, NULL).verify_skipped, ==, 1);
	g_assert_cmpuint(counters(fx, "b").verify_skipped, ==, 1);
	g_assert_cmpuint(counters(fx, "a").verify_skipped, ==, 0);

	/* a new event with a bad signature is verified and refused */
	submit_json(fx, "b", other_bad);
	gs_ingest_flush(fx->ingest);
	g_assert_cmpint(seen_last(fx)->outcome, ==, GS_INGEST_OUTCOME_INVALID);
	g_assert_cmpint(seen_last(fx)->reason, ==, GS_REJECT_REASON_BAD_SIGNATURE);
	g_assert_cmpuint(counters(fx, NULL).verify_skipped, ==, 1);
	g_assert_cmpuint(store_count(fx), ==, 1);

	/* a known event under a claimed id that its content does not give is still invalid */
	{
		g_autofree gchar *wrong_id = g_strdup(gs_event_get_json(ann));
		gchar *id = strstr(wrong_id, gs_event_get_id(ann));
		g_assert_nonnull(id);
		id[5] = id[5] == '0' ? '1' : '0';
		submit_json(fx, "b", wrong_id);
		gs_ingest_flush(fx->ingest);
		g_assert_cmpint(seen_last(fx)->outcome, ==, GS_INGEST_OUTCOME_INVALID);
		g_assert_cmpint(seen_last(fx)->reason, ==, GS_REJECT_REASON_BAD_ID);
	}
	g_assert_cmpuint(counters(fx, NULL).verify_skipped, ==, 1);
}

/* copies arriving together are verified once; a bad copy does not make a good one a
 * duplicate */
static void
gs_ingest_known_pending(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) ann = announcement_new(fx, 1, "repo");
	g_autoptr(GsEvent) other = announcement_new(fx, 2, "other");
	g_autofree gchar *other_bad = json_bad_sig(other);

	/* one job, so one worker in order */
	gs_ingest_set_max_threads(fx->ingest, 1);
	submit(fx, "a", ann);
	submit(fx, "b", ann);
	submit_json(fx, "a", other_bad);
	submit(fx, "b", other);
	submit(fx, "c", other);
	gs_ingest_flush(fx->ingest);
	g_assert_cmpuint(fx->seen->len, ==, 5);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 0).outcome, ==, GS_INGEST_OUTCOME_STORED);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 1).outcome, ==, GS_INGEST_OUTCOME_DUPLICATE);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 2).outcome, ==, GS_INGEST_OUTCOME_INVALID);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 3).outcome, ==, GS_INGEST_OUTCOME_STORED);
	g_assert_cmpint(g_array_index(fx->seen, Seen, 4).outcome, ==, GS_INGEST_OUTCOME_DUPLICATE);
	g_assert_cmpuint(counters(fx, NULL).verify_skipped, ==, 2);
	g_assert_cmpuint(counters(fx, NULL).outcomes[GS_INGEST_OUTCOME_DUPLICATE], ==, 2);
	g_assert_cmpuint(store_count(fx), ==, 2);

	/* decided: known from the store now, which ":memory:" does not share, so verified */
	submit(fx, "d", ann);
	gs_ingest_flush(fx->ingest);
	g_assert_cmpint(seen_last(fx)->outcome, ==, GS_INGEST_OUTCOME_DUPLICATE);
	g_assert_cmpuint(counters(fx, NULL).verify_skipped, ==, 2);
}

/* the stored ids' filter: filled from the store on first use, told of ids stored later,
 * filled again (larger) once full; "not stored" answers never need the store */
static void
gs_ingest_known_filter(Fixture *fx, gconstpointer data)
{
	g_autoptr(GsEvent) before = gs_test_event_new(1, NOW - 10, 1, NULL, "before");
	g_autoptr(GsEvent) after = gs_test_event_new(1, NOW - 9, 1, NULL, "after");
	g_autoptr(GError) error = NULL;
	GsIngestKnown *known = gs_ingest_known_new(gs_store_get_path(fx->store));
	guint8 other[32] = {0};

	g_assert_true(gs_store_insert(fx->store, before, NULL, &error));
	g_assert_no_error(error);
	/* the first lookup fills the filter, which then has @before */
	g_assert_true(gs_ingest_known_contains(known, gs_event_get_id_raw(before)));
	g_assert_false(gs_ingest_known_contains(known, gs_event_get_id_raw(after)));
	g_assert_false(gs_ingest_known_contains(known, other));
	/* stored after the filter was filled: known once added */
	g_assert_true(gs_store_insert(fx->store, after, NULL, &error));
	g_assert_no_error(error);
	gs_ingest_known_add_stored(known, gs_event_get_id_raw(after));
	g_assert_true(gs_ingest_known_contains(known, gs_event_get_id_raw(after)));
	/* more ids than it was sized for (none of them stored): it is dropped, filled again
	 * from the store, and still finds both and not the others */
	for (guint32 i = 0; i < 300000; i++) {
		memcpy(other, &i, sizeof(i));
		other[31] = 0xa5;
		gs_ingest_known_add_stored(known, other);
	}
	g_assert_true(gs_ingest_known_contains(known, gs_event_get_id_raw(before)));
	g_assert_true(gs_ingest_known_contains(known, gs_event_get_id_raw(after)));
	g_assert_false(gs_ingest_known_contains(known, other));
	gs_ingest_known_free(known);
}

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	ADD("/grasp-sync/ingest/bad-input", gs_ingest_bad_input);
	ADD("/grasp-sync/ingest/limits-edge", gs_ingest_limits_edge);
	ADD("/grasp-sync/ingest/order-per-source", gs_ingest_order_per_source);
	ADD("/grasp-sync/ingest/arrival-order", gs_ingest_arrival_order);
	ADD("/grasp-sync/ingest/deferred-reprocessed", gs_ingest_deferred_reprocessed);
	ADD("/grasp-sync/ingest/storing-source", gs_ingest_storing_source);
	ADD("/grasp-sync/ingest/same-slice", gs_ingest_same_slice);
	ADD("/grasp-sync/ingest/store-refusals", gs_ingest_store_refusals);
	ADD("/grasp-sync/ingest/submit-parsed", gs_ingest_submit_parsed);
	ADD("/grasp-sync/ingest/counters", gs_ingest_counters_snapshot);
	ADD("/grasp-sync/ingest/dispose-pending", gs_ingest_dispose_pending);
	ADD("/grasp-sync/ingest/threads", gs_ingest_threads);
	ADD("/grasp-sync/ingest/known-pending", gs_ingest_known_pending);
	g_test_add("/grasp-sync/ingest/known-stored",
		   Fixture,
		   "disk",
		   fixture_set_up,
		   gs_ingest_known_stored,
		   fixture_tear_down);
	g_test_add("/grasp-sync/ingest/known-filter",
		   Fixture,
		   "disk",
		   fixture_set_up,
		   gs_ingest_known_filter,
		   fixture_tear_down);
	return g_test_run();
}
