/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-event-private.h"
#include "gs-hex.h"
#include "gs-test-utils.h"

/*
 * The fast event parser may accept or decline; when it accepts, the strict json-glib parser
 * must accept too and read the very same event. Checked on real events, on our own signed
 * events with awkward strings, and on many mutations of both.
 */

typedef struct {
	guint accepted;
	guint declined;
} Tally;

static void
assert_same_event(GsEvent *fast, GsEvent *strict)
{
	g_assert_cmpstr(gs_event_get_id(fast), ==, gs_event_get_id(strict));
	g_assert_cmpstr(gs_event_get_pubkey(fast), ==, gs_event_get_pubkey(strict));
	g_assert_cmpstr(gs_event_get_sig(fast), ==, gs_event_get_sig(strict));
	g_assert_cmpint(gs_event_get_created_at(fast), ==, gs_event_get_created_at(strict));
	g_assert_cmpuint(gs_event_get_kind(fast), ==, gs_event_get_kind(strict));
	g_assert_cmpstr(gs_event_get_content(fast), ==, gs_event_get_content(strict));
	g_assert_cmpuint(gs_event_get_n_tags(fast), ==, gs_event_get_n_tags(strict));
	for (guint i = 0; i < gs_event_get_n_tags(fast); i++) {
		g_assert_true(g_strv_equal((const gchar *const *)gs_event_get_tag(fast, i),
					   (const gchar *const *)gs_event_get_tag(strict, i)));
	}
	/* the JSON we store, including copied raw tags and content, and the id over it */
	g_assert_cmpstr(gs_event_get_json(fast), ==, gs_event_get_json(strict));
	g_assert_cmpuint(gs_event_get_json_size(fast), ==, gs_event_get_json_size(strict));
	g_assert_cmpint(gs_event_check_id(fast, NULL), ==, gs_event_check_id(strict, NULL));
	{
		/* the id hashed from the parts of our JSON is the hash of the canonical form */
		g_autofree gchar *canon = gs_event_serialize_canonical(strict);
		g_autofree gchar *want =
			g_compute_checksum_for_string(G_CHECKSUM_SHA256, canon, -1);
		guint8 id[32];
		g_autofree gchar *got = NULL;
		gs_event_compute_id(fast, id);
		got = gs_hex_encode(id, 32);
		g_assert_cmpstr(got, ==, want);
	}
}

static void
check_one(const gchar *json, gsize len, Tally *tally)
{
	GsEventFields fields;
	gboolean fast_ok = gs_event_fields_parse(json, len, &fields);
	g_autoptr(GsEvent) strict = gs_event_new_from_json_strict(json, (gssize)len, NULL);
	g_autoptr(GsEvent) fast = NULL;

	gs_event_fields_clear(&fields);
	if (!fast_ok) {
		tally->declined++;
		return;
	}
	tally->accepted++;
	if (strict == NULL)
		g_error("fast parser accepted what the strict one refuses: %.*s", (gint)len, json);
	fast = gs_event_new_from_json(json, (gssize)len, NULL);
	g_assert_nonnull(fast);
	assert_same_event(fast, strict);
}

static GPtrArray *
load_lines(const gchar *name)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "data", name, NULL);
	g_autofree gchar *contents = NULL;
	g_autoptr(GError) error = NULL;
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) split = NULL;

	g_assert_true(g_file_get_contents(path, &contents, NULL, &error));
	g_assert_no_error(error);
	split = g_strsplit(contents, "\n", -1);
	for (guint i = 0; split[i] != NULL; i++) {
		if (split[i][0] != '\0')
			g_ptr_array_add(lines, g_strdup(split[i]));
	}
	return lines;
}

/* our own events with the strings that exercise escapes and UTF-8 */
static GPtrArray *
own_events(void)
{
	const gchar *contents[] = {
		"",
		"plain",
		"quote \" backslash \\ slash / tab \t newline \n cr \r",
		"controls \x01\x02\x1f\x7f bell \b formfeed \f",
		"unicode caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xe4\xb8\xad",
	};
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < G_N_ELEMENTS(contents); i++) {
		const gchar *tags[] = {"d",
				       contents[i],
				       NULL,
				       "e",
				       "x\"y",
				       "",
				       "root",
				       NULL,
				       "t",
				       "\xc3\xa9\n",
				       NULL,
				       NULL};
		g_autoptr(GsEvent) ev =
			gs_test_event_new(i, 1700000000 + i, 1 + i, tags, contents[i]);
		g_ptr_array_add(lines, g_strdup(gs_event_get_json(ev)));
	}
	return lines;
}

/* the same event spelt differently: whitespace, member order, escapes we would not use */
static gchar *
spelling(guint which,
	 const gchar *id,
	 const gchar *pk,
	 const gchar *created_at,
	 const gchar *kind,
	 const gchar *content,
	 const gchar *sig)
{
	if (which == 0) {
		return g_strdup_printf(
			" { \"id\" : \"%s\" , \"pubkey\":\"%s\",\"created_at\":%s,\"kind\":%s,"
			"\"tags\": [ [ \"t\" , \"a\" ] , [\"p\",\"b\"] ] "
			",\"content\":\"%s\",\"sig\":\"%s\" "
			"} \n",
			id,
			pk,
			created_at,
			kind,
			content,
			sig);
	}
	return g_strdup_printf(
		"{\"sig\":\"%s\",\"content\":\"%s\",\"tags\":[[\"t\",\"a\"],[\"p\",\"b\"]],"
		"\"kind\":%s,\"created_at\":%s,\"pubkey\":\"%s\",\"id\":\"%s\"}",
		sig,
		content,
		kind,
		created_at,
		pk,
		id);
}

static void
check_spellings(Tally *tally)
{
	const gchar *contents[] = {
		"a\\/b", "\\u00e9\\u00E9", "\\ud83d\\ude00", "\\u0009\\u001f\\u001F", "x\\ny"};
	const gchar *numbers[][2] = {
		{"1700000000", "1"}, {"0", "0"}, {"9223372036854775807", "65535"}};
	const gchar *id = "5c83da77af1dec6d7289834998ad7aafbd9e2191396d75ec3cc27f5a77226f36";
	const gchar *pk = "f7234bd4c1394dda46d09f35bd384dd30cc552ad5541990f98844fb06676e9ca";
	g_autofree gchar *sig = g_strnfill(128, 'a');

	for (guint s = 0; s < 2; s++) {
		for (guint c = 0; c < G_N_ELEMENTS(contents); c++) {
			for (guint n = 0; n < G_N_ELEMENTS(numbers); n++) {
				g_autofree gchar *json = spelling(
					s, id, pk, numbers[n][0], numbers[n][1], contents[c], sig);
				guint before = tally->accepted;
				check_one(json, strlen(json), tally);
				/* all of these are in the plain shape */
				g_assert_cmpuint(tally->accepted, ==, before + 1);
			}
		}
	}
}

/* each of these must be declined, whatever the strict parser then says */
static void
check_declined(void)
{
	const gchar *id = "\"5c83da77af1dec6d7289834998ad7aafbd9e2191396d75ec3cc27f5a77226f36\"";
	const gchar *pk = "\"f7234bd4c1394dda46d09f35bd384dd30cc552ad5541990f98844fb06676e9ca\"";
	g_autofree gchar *sig = g_strdup_printf("\"%0128d\"", 0);
	const gchar *variants[][3] = {
		/* created_at, kind, extra */
		{"1", "1.0", ""},
		{"1", "-0", ""},
		{"01", "1", ""},
		{"1e3", "1", ""},
		{"1", "65536", ""},
		{"9223372036854775808", "1", ""},
		{"1", "1", ",\"extra\":1"},
		{"1", "1", ",\"kind\":2"},
		{"1", "\"1\"", ""},
		{"null", "1", ""},
	};

	for (guint i = 0; i < G_N_ELEMENTS(variants); i++) {
		g_autofree gchar *json = g_strdup_printf(
			"{\"id\":%s,\"pubkey\":%s,\"created_at\":%s,\"kind\":%s,\"tags\":[],"
			"\"content\":\"\",\"sig\":%s%s}",
			id,
			pk,
			variants[i][0],
			variants[i][1],
			sig,
			variants[i][2]);
		GsEventFields fields;
		g_assert_false(gs_event_fields_parse(json, strlen(json), &fields));
		gs_event_fields_clear(&fields);
	}
	{
		const gchar *bad_strings[] = {
			"\\u0000", "\\ud800", "\\udc00x", "\\x", "\xff", "\x01", "\\"};
		for (guint i = 0; i < G_N_ELEMENTS(bad_strings); i++) {
			g_autofree gchar *json = g_strdup_printf(
				"{\"id\":%s,\"pubkey\":%s,\"created_at\":1,\"kind\":1,\"tags\":[],"
				"\"content\":\"%s\",\"sig\":%s}",
				id,
				pk,
				bad_strings[i],
				sig);
			GsEventFields fields;
			g_assert_false(gs_event_fields_parse(json, strlen(json), &fields));
			gs_event_fields_clear(&fields);
			g_assert_null(gs_event_new_from_json(json, -1, NULL));
		}
	}
}

static void
mutate_and_check(GRand *rand, const gchar *line, guint rounds, Tally *tally)
{
	const gchar *inserts[] = {"\"",
				  "\\",
				  "[",
				  "]",
				  "{",
				  "}",
				  ",",
				  ":",
				  " ",
				  "\\u00",
				  "0",
				  "-",
				  "\xc3",
				  "\\n",
				  "e",
				  "."};
	gsize len = strlen(line);

	for (guint r = 0; r < rounds; r++) {
		g_autoptr(GString) m = g_string_new_len(line, len);
		guint edits = g_rand_int_range(rand, 1, 4);
		for (guint e = 0; e < edits && m->len > 0; e++) {
			gsize at = g_rand_int_range(rand, 0, m->len);
			switch (g_rand_int_range(rand, 0, 4)) {
			case 0:
				m->str[at] ^= (gchar)(1 << g_rand_int_range(rand, 0, 8));
				break;
			case 1:
				g_string_erase(m, at, 1);
				break;
			case 2:
				g_string_insert(
					m,
					at,
					inserts[g_rand_int_range(rand, 0, G_N_ELEMENTS(inserts))]);
				break;
			default:
				g_string_truncate(m, at);
				break;
			}
		}
		check_one(m->str, m->len, tally);
	}
}

static void
gs_event_parse_differential(void)
{
	g_autoptr(GPtrArray) real = load_lines("nostr-events.jsonl");
	g_autoptr(GPtrArray) edited = load_lines("nostr-events-edited.jsonl");
	g_autoptr(GPtrArray) own = own_events();
	g_autoptr(GRand) rand = g_rand_new_with_seed(2026);
	GPtrArray *sets[] = {real, edited, own};
	Tally tally = {0};

	for (guint s = 0; s < G_N_ELEMENTS(sets); s++) {
		for (guint i = 0; i < sets[s]->len; i++) {
			const gchar *line = g_ptr_array_index(sets[s], i);
			check_one(line, strlen(line), &tally);
		}
	}
	/* the fast path reads every real and own event except the one with an extra member */
	g_assert_cmpuint(tally.accepted, ==, real->len + edited->len + own->len - 1);
	g_assert_cmpuint(tally.declined, ==, 1);
	check_spellings(&tally);
	for (guint s = 0; s < G_N_ELEMENTS(sets); s++) {
		for (guint i = 0; i < sets[s]->len; i++)
			mutate_and_check(rand, g_ptr_array_index(sets[s], i), 300, &tally);
	}
	g_test_message("fast path: %u accepted, %u declined", tally.accepted, tally.declined);
	g_assert_cmpuint(tally.declined, >, 0);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/event-parse/differential", gs_event_parse_differential);
	g_test_add_func("/grasp-sync/event-parse/declined", check_declined);
	return g_test_run();
}
