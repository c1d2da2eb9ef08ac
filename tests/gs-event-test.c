/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-event-private.h"
#include "gs-event.h"
#include "gs-hex.h"
#include "gs-json.h"
#include "gs-test-utils.h"

/* the first event of fiatjaf/nak's README, signed with secret key 1 */
#define REAL_EVENT_ID "53443506e7d09e55b922a2369b80f926007a8a8a8ea5f09df1db59fe1993335e"
#define REAL_EVENT_PK "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
#define REAL_EVENT_SIG                                                                             \
	"4bdb609c975b2b61338c2ff4c7ce91d4afe74bea4ed1601a62e1fd125bd4c0ae6e0166cca96e5cfb7e0f5058" \
	"3e"                                                                                       \
	"b6a0dd0b66072566299b6007742db56278010c"

static gchar *
gs_test_data_read(const gchar *name)
{
	g_autofree gchar *path = g_test_build_filename(G_TEST_DIST, "data", name, NULL);
	g_autoptr(GError) error = NULL;
	gchar *data = NULL;

	g_file_get_contents(path, &data, NULL, &error);
	g_assert_no_error(error);
	return data;
}

/* non-empty lines of a data file */
static GStrv
gs_test_data_lines(const gchar *name)
{
	g_autofree gchar *data = gs_test_data_read(name);
	g_auto(GStrv) lines = g_strsplit(data, "\n", -1);
	g_autoptr(GStrvBuilder) builder = g_strv_builder_new();

	for (guint i = 0; lines[i] != NULL; i++) {
		if (lines[i][0] != '\0')
			g_strv_builder_add(builder, lines[i]);
	}
	return g_strv_builder_end(builder);
}

static void
gs_event_sign_verify_roundtrip(void)
{
	const gchar *tags[] = {"d", "repo", NULL, "relays", "wss://a", "wss://b", NULL, NULL};
	g_autoptr(GsEvent) ev = gs_test_event_new(1, 1700000000, 30617, tags, "hi \"there\"\n");
	g_autoptr(GsEvent) ev2 = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_event_verify(ev, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(gs_event_get_d_tag(ev), ==, "repo");
	ev2 = gs_event_new_from_json(gs_event_get_json(ev), -1, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(gs_event_get_id(ev2), ==, gs_event_get_id(ev));
	g_assert_cmpstr(gs_event_get_json(ev2), ==, gs_event_get_json(ev));
	g_assert_true(gs_event_verify(ev2, &error));
}

/* BIP-340 vectors ------------------------------------------------------------------------- */

static void
gs_test_unhex(const gchar *hex, guint8 *out, gsize outlen)
{
	g_assert_true(gs_hex_decode_to(hex, strlen(hex), out, outlen));
}

/* one CSV row: index,secret key,public key,aux_rand,message,signature,result,comment */
static void
gs_event_bip340_row(GStrv f, guint *n_signed)
{
	guint8 pk[32], msg[32], sig[64], sk[32], aux[32], out[64], derived[32];
	gboolean expect = g_strcmp0(f[6], "TRUE") == 0;
	g_autoptr(GError) error = NULL;

	g_test_message("BIP-340 vector %s: %s", f[0], f[7]);
	gs_test_unhex(f[2], pk, 32);
	gs_test_unhex(f[4], msg, 32);
	gs_test_unhex(f[5], sig, 64);
	g_assert_cmpint(gs_schnorr_verify(pk, msg, sig, &error), ==, expect);
	if (!expect)
		g_assert_error(error, GS_ERROR, GS_ERROR_BAD_SIGNATURE);
	if (f[1][0] == '\0')
		return;

	/* signing vectors: derive the key, sign with the vector's aux and get its signature */
	gs_test_unhex(f[1], sk, 32);
	gs_test_unhex(f[3], aux, 32);
	g_assert_true(gs_seckey_get_pubkey(sk, derived, NULL));
	g_assert_cmpmem(derived, 32, pk, 32);
	g_assert_true(gs_schnorr_sign(sk, msg, aux, out, NULL));
	g_assert_cmpmem(out, 64, sig, 64);
	(*n_signed)++;

	/* our events are signed with a NULL aux: it must be BIP-340's all-zero aux */
	if (g_strcmp0(f[3], "0000000000000000000000000000000000000000000000000000000000000000") ==
	    0) {
		g_assert_true(gs_schnorr_sign(sk, msg, NULL, out, NULL));
		g_assert_cmpmem(out, 64, sig, 64);
	}
}

static void
gs_event_bip340_vectors(void)
{
	g_auto(GStrv) lines = gs_test_data_lines("bip340-vectors.csv");
	guint n_rows = 0;
	guint n_signed = 0;

	g_assert_true(g_str_has_prefix(lines[0], "index,secret key,public key,aux_rand"));
	for (guint i = 1; lines[i] != NULL; i++) {
		g_auto(GStrv) f = g_strsplit(lines[i], ",", 8);
		g_assert_cmpuint(g_strv_length(f), ==, 8);
		gs_event_bip340_row(f, &n_signed);
		n_rows++;
	}
	g_assert_cmpuint(n_rows, ==, 15);
	g_assert_cmpuint(n_signed, ==, 4);
}

/* the verify entry point on its own, with inputs of the wrong kind */
static void
gs_event_schnorr_verify_id_swap(void)
{
	guint8 pk[32], id[32], sig[64];
	g_autoptr(GError) error = NULL;

	gs_test_unhex(REAL_EVENT_PK, pk, 32);
	gs_test_unhex(REAL_EVENT_ID, id, 32);
	gs_test_unhex(REAL_EVENT_SIG, sig, 64);
	g_assert_true(gs_schnorr_verify(pk, id, sig, &error));
	g_assert_no_error(error);

	/* the signature over a different message, and a key swapped for its message */
	id[31] ^= 0x01;
	g_assert_false(gs_schnorr_verify(pk, id, sig, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_BAD_SIGNATURE);
	g_clear_error(&error);
	id[31] ^= 0x01;
	g_assert_false(gs_schnorr_verify(id, pk, sig, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_BAD_SIGNATURE);
}

/* real events --------------------------------------------------------------------------- */

static void
gs_event_real_events(void)
{
	g_auto(GStrv) lines = gs_test_data_lines("nostr-events.jsonl");
	g_autoptr(GHashTable) kinds = g_hash_table_new(g_direct_hash, g_direct_equal);
	const guint wanted[] = {30617, 30618, 1617, 1621, 1630, 1631, 1632, 1633, 1111};

	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GsEvent) ev = gs_event_new_from_json(lines[i], -1, &error);
		g_autoptr(GsEvent) again = NULL;

		g_assert_no_error(error);
		if (!gs_event_verify(ev, &error))
			g_error("line %u: %s", i + 1, error->message);

		/* our compact form carries the same event */
		again = gs_event_new_from_json(gs_event_get_json(ev), -1, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(gs_event_get_id(again), ==, gs_event_get_id(ev));
		g_assert_true(gs_event_verify(again, NULL));
		g_hash_table_add(kinds, GUINT_TO_POINTER(gs_event_get_kind(ev)));
	}
	g_assert_cmpuint(g_strv_length(lines), >=, 20);
	for (guint i = 0; i < G_N_ELEMENTS(wanted); i++) {
		g_test_message("kind %u", wanted[i]);
		g_assert_true(g_hash_table_contains(kinds, GUINT_TO_POINTER(wanted[i])));
	}
}

/* escapes in the source JSON (\u00f6, surrogate pairs, \") decode to the raw UTF-8 the id
 * was computed over */
static void
gs_event_real_event_escapes(void)
{
	g_auto(GStrv) lines = gs_test_data_lines("nostr-events.jsonl");
	gboolean seen_pair = FALSE;
	gboolean seen_backslash = FALSE;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr(GsEvent) ev = gs_event_new_from_json(lines[i], -1, NULL);
		const gchar *content = gs_event_get_content(ev);
		if (g_str_has_prefix(gs_event_get_id(ev), "cd720b23")) {
			g_assert_nonnull(strstr(content, "lill\xc3\xb6rdag"));
			g_assert_nonnull(strstr(content, "\xf0\x9f\x98\x8e"));
			seen_pair = TRUE;
		}
		if (g_str_has_prefix(gs_event_get_id(ev), "485a5f36")) {
			g_assert_nonnull(strstr(content, "Europe\\n"));
			seen_backslash = TRUE;
		}
	}
	g_assert_true(seen_pair);
	g_assert_true(seen_backslash);
}

static void
gs_event_real_event_edited(void)
{
	g_autofree gchar *line = gs_test_data_read("nostr-events-edited.jsonl");
	g_autoptr(GError) error = NULL;
	g_autoptr(GsEvent) ev = gs_event_new_from_json(g_strstrip(line), -1, &error);

	g_assert_no_error(error);
	g_assert_true(gs_event_check_signature(ev, &error));
	g_assert_false(gs_event_check_id(ev, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_BAD_SIGNATURE);
	g_clear_error(&error);
	g_assert_false(gs_event_verify(ev, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_BAD_SIGNATURE);
}

/* mutations: every field is covered by the id or the signature ------------------------ */

typedef struct {
	gchar *id;
	gchar *pubkey;
	gchar *sig;
	gchar *content;
	gint64 created_at;
	guint kind;
	GPtrArray *tags; /* of GStrv */
} GsTestFields;

static void
gs_test_fields_clear(GsTestFields *f)
{
	g_free(f->id);
	g_free(f->pubkey);
	g_free(f->sig);
	g_free(f->content);
	g_ptr_array_unref(f->tags);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(GsTestFields, gs_test_fields_clear)

static void
gs_test_fields_init(GsTestFields *f, const GsEvent *ev)
{
	f->id = g_strdup(gs_event_get_id(ev));
	f->pubkey = g_strdup(gs_event_get_pubkey(ev));
	f->sig = g_strdup(gs_event_get_sig(ev));
	f->content = g_strdup(gs_event_get_content(ev));
	f->created_at = gs_event_get_created_at(ev);
	f->kind = gs_event_get_kind(ev);
	f->tags = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	for (guint i = 0; i < gs_event_get_n_tags(ev); i++)
		g_ptr_array_add(f->tags, g_strdupv((GStrv)gs_event_get_tag(ev, i)));
}

static gchar *
gs_test_fields_to_json(const GsTestFields *f)
{
	GString *out = g_string_new("{\"id\":");
	gs_json_append_string(out, f->id);
	g_string_append(out, ",\"pubkey\":");
	gs_json_append_string(out, f->pubkey);
	g_string_append_printf(out,
			       ",\"created_at\":%" G_GINT64_FORMAT ",\"kind\":%u,\"tags\":[",
			       f->created_at,
			       f->kind);
	for (guint i = 0; i < f->tags->len; i++) {
		gchar **tag = g_ptr_array_index(f->tags, i);
		g_string_append(out, i > 0 ? ",[" : "[");
		for (guint j = 0; tag[j] != NULL; j++) {
			if (j > 0)
				g_string_append_c(out, ',');
			gs_json_append_string(out, tag[j]);
		}
		g_string_append_c(out, ']');
	}
	g_string_append(out, "],\"content\":");
	gs_json_append_string(out, f->content);
	g_string_append(out, ",\"sig\":");
	gs_json_append_string(out, f->sig);
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}

/* next lower-case hex digit of the last one: still well-formed, different value */
static void
gs_test_bump_hex(gchar *hex)
{
	gchar *last = hex + strlen(hex) - 1;
	const gchar *digits = "0123456789abcdef";
	*last = digits[(strchr(digits, *last) - digits + 1) % 16];
}

typedef enum {
	GS_MUTATE_NONE,
	GS_MUTATE_ID,
	GS_MUTATE_PUBKEY,
	GS_MUTATE_SIG,
	GS_MUTATE_CREATED_AT,
	GS_MUTATE_KIND,
	GS_MUTATE_CONTENT,
	GS_MUTATE_TAG_NAME,
	GS_MUTATE_TAG_ADD,
	GS_MUTATE_TAG_DROP,
	GS_MUTATE_LAST,
} GsMutation;

/* returns FALSE when @m does not apply (no tag to change) */
static gboolean
gs_test_fields_mutate(GsTestFields *f, GsMutation m)
{
	const gchar *extra[] = {"x", NULL};
	gchar **tag0 = f->tags->len > 0 ? g_ptr_array_index(f->tags, 0) : NULL;

	switch (m) {
	case GS_MUTATE_ID:
		gs_test_bump_hex(f->id);
		break;
	case GS_MUTATE_PUBKEY:
		gs_test_bump_hex(f->pubkey);
		break;
	case GS_MUTATE_SIG:
		gs_test_bump_hex(f->sig);
		break;
	case GS_MUTATE_CREATED_AT:
		f->created_at++;
		break;
	case GS_MUTATE_KIND:
		f->kind ^= 1;
		break;
	case GS_MUTATE_CONTENT: {
		gchar *old = f->content;
		f->content = g_strconcat(old, " ", NULL);
		g_free(old);
		break;
	}
	case GS_MUTATE_TAG_NAME:
		if (tag0 == NULL)
			return FALSE;
		g_free(tag0[0]);
		tag0[0] = g_strdup("zz");
		break;
	case GS_MUTATE_TAG_ADD:
		g_ptr_array_add(f->tags, g_strdupv((GStrv)extra));
		break;
	case GS_MUTATE_TAG_DROP:
		if (tag0 == NULL)
			return FALSE;
		g_ptr_array_remove_index(f->tags, 0);
		break;
	case GS_MUTATE_NONE:
	case GS_MUTATE_LAST:
	default:
		break;
	}
	return TRUE;
}

static void
gs_event_mutations(void)
{
	g_auto(GStrv) lines = gs_test_data_lines("nostr-events.jsonl");
	guint n_checked = 0;

	for (guint i = 0; lines[i] != NULL; i++) {
		g_autoptr(GsEvent) ev = gs_event_new_from_json(lines[i], -1, NULL);
		for (GsMutation m = GS_MUTATE_NONE; m < GS_MUTATE_LAST; m++) {
			g_auto(GsTestFields) f = {NULL};
			g_autofree gchar *json = NULL;
			g_autoptr(GsEvent) mutated = NULL;
			g_autoptr(GError) error = NULL;

			gs_test_fields_init(&f, ev);
			if (!gs_test_fields_mutate(&f, m))
				continue;
			json = gs_test_fields_to_json(&f);
			mutated = gs_event_new_from_json(json, -1, &error);
			g_assert_no_error(error);
			if (m == GS_MUTATE_NONE) {
				g_assert_true(gs_event_verify(mutated, &error));
				g_assert_no_error(error);
				continue;
			}
			g_assert_false(gs_event_verify(mutated, &error));
			g_assert_error(error, GS_ERROR, GS_ERROR_BAD_SIGNATURE);
			n_checked++;
		}
	}
	g_assert_cmpuint(n_checked, >=, 8 * g_strv_length(lines));
}

/* canonical serialisation ---------------------------------------------------------------- */

typedef struct {
	const gchar *name;
	const gchar *content;
	const gchar *expected; /* the JSON string as it appears in the serialisation */
} GsCanonicalCase;

static const GsCanonicalCase canonical_cases[] = {
	{"newline", "a\nb", "\"a\\nb\""},
	{"quote", "say \"hi\"", "\"say \\\"hi\\\"\""},
	{"backslash", "C:\\dir\\", "\"C:\\\\dir\\\\\""},
	{"carriage-return", "a\rb", "\"a\\rb\""},
	{"tab", "a\tb", "\"a\\tb\""},
	{"backspace", "a\bb", "\"a\\bb\""},
	{"form-feed", "a\fb", "\"a\\fb\""},
	{"control-01", "\x01", "\"\\u0001\""},
	{"control-0b", "a\x0b", "\"a\\u000b\""},
	{"control-1b", "\x1b[31m", "\"\\u001b[31m\""},
	{"control-1f", "\x1f", "\"\\u001f\""},
	{"del-verbatim", "\x7f", "\"\x7f\""},
	{"slash-verbatim", "a/b</script>", "\"a/b</script>\""},
	{"latin1", "caf\xc3\xa9", "\"caf\xc3\xa9\""},
	{"euro", "\xe2\x82\xac", "\"\xe2\x82\xac\""},
	{"line-separator", "\xe2\x80\xa8", "\"\xe2\x80\xa8\""},
	{"emoji", "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""},
	{"empty", "", "\"\""},
	{"all", "\"\\\n\r\t\b\f\x02", "\"\\\"\\\\\\n\\r\\t\\b\\f\\u0002\""},
};

static void
gs_event_canonical_content(gconstpointer data)
{
	const GsCanonicalCase *c = data;
	g_autoptr(GsEvent) ev = gs_test_event_new(7, 1700000000, 1, NULL, c->content);
	g_autofree gchar *canon = gs_event_serialize_canonical(ev);
	g_autofree gchar *expected = g_strdup_printf(
		"[0,\"%s\",1700000000,1,[],%s]", gs_event_get_pubkey(ev), c->expected);
	g_autoptr(GsEvent) parsed = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_cmpstr(canon, ==, expected);

	/* and our own JSON parses back to the same bytes and the same id */
	parsed = gs_event_new_from_json(gs_event_get_json(ev), -1, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(gs_event_get_content(parsed), ==, c->content);
	g_assert_true(gs_event_verify(parsed, &error));
	g_assert_no_error(error);
}

static void
gs_event_canonical_tags(void)
{
	const gchar *tags[] = {"e", "a\"b", "", NULL, "t", "\t\x01\xc3\xa9", NULL, "-", NULL, NULL};
	g_autoptr(GsEvent) ev = gs_test_event_new(7, 42, 1621, tags, "x");
	g_autofree gchar *canon = gs_event_serialize_canonical(ev);
	g_autofree gchar *expected =
		g_strdup_printf("[0,\"%s\",42,1621,[[\"e\",\"a\\\"b\",\"\"],[\"t\","
				"\"\\t\\u0001\xc3\xa9\"],[\"-\"]],\"x\"]",
				gs_event_get_pubkey(ev));

	g_assert_cmpstr(canon, ==, expected);
}

/* whitespace, member order, escapes and unknown members of the input do not matter: the
 * canonical form is rebuilt from the values */
static void
gs_event_canonical_from_input(void)
{
	const gchar *json = "{ \"sig\" : \"" REAL_EVENT_SIG "\",\n\t\"content\": \"caf\\u00e9 \\/ "
			    "\\u00E9\", \"tags\" : [ [ \"t\" , \"x\" ] ] , \"kind\" : 1 ,"
			    "\"created_at\" : 7, \"extra\": {\"nested\": [1, 2.5, null, true]},"
			    "\"pubkey\": \"" REAL_EVENT_PK "\", \"id\": \"" REAL_EVENT_ID "\" }";
	g_autoptr(GError) error = NULL;
	g_autoptr(GsEvent) ev = gs_event_new_from_json(json, -1, &error);
	g_autofree gchar *canon = NULL;

	g_assert_no_error(error);
	canon = gs_event_serialize_canonical(ev);
	g_assert_cmpstr(canon,
			==,
			"[0,\"" REAL_EVENT_PK "\",7,1,[[\"t\",\"x\"]],\"caf\xc3\xa9 / \xc3\xa9\"]");
	g_assert_cmpstr(gs_event_get_json(ev),
			==,
			"{\"id\":\"" REAL_EVENT_ID "\",\"pubkey\":\"" REAL_EVENT_PK
			"\",\"created_at\":7,\"kind\":1,\"tags\":[[\"t\",\"x\"]],\"content\":"
			"\"caf\xc3\xa9 / \xc3\xa9\",\"sig\":\"" REAL_EVENT_SIG "\"}");
}

/* bad input ------------------------------------------------------------------------------ */

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define F_ID "\"id\":\"" HEX64 "\","
#define F_PK "\"pubkey\":\"" HEX64 "\","
#define F_CA "\"created_at\":1700000000,"
#define F_KIND "\"kind\":1,"
#define F_TAGS "\"tags\":[[\"t\",\"x\"]],"
#define F_CONTENT "\"content\":\"hi\","
#define F_SIG "\"sig\":\"" HEX64 HEX64 "\""
/* an event with the given members between the others */
#define EV(members) "{" members "}"
#define EV_ALL EV(F_ID F_PK F_CA F_KIND F_TAGS F_CONTENT F_SIG)
#define EV_CONTENT(c) EV(F_ID F_PK F_CA F_KIND F_TAGS "\"content\":" c "," F_SIG)
#define EV_TAGS(t) EV(F_ID F_PK F_CA F_KIND "\"tags\":" t "," F_CONTENT F_SIG)
#define EV_KIND(k) EV(F_ID F_PK F_CA "\"kind\":" k "," F_TAGS F_CONTENT F_SIG)
#define EV_CA(v) EV(F_ID F_PK "\"created_at\":" v "," F_KIND F_TAGS F_CONTENT F_SIG)
#define EV_ID(v) EV("\"id\":" v "," F_PK F_CA F_KIND F_TAGS F_CONTENT F_SIG)
#define EV_PK(v) EV(F_ID "\"pubkey\":" v "," F_CA F_KIND F_TAGS F_CONTENT F_SIG)
#define EV_SIG(v) EV(F_ID F_PK F_CA F_KIND F_TAGS F_CONTENT "\"sig\":" v)

/* the real event of REAL_EVENT_ID with one member replaced */
#define REAL(id, pk, sig)                                                                          \
	"{\"id\":\"" id "\",\"pubkey\":\"" pk                                                      \
	"\",\"created_at\":1698632644,\"kind\":1,\"tags\":[],"                                     \
	"\"content\":\"hello from the nostr army knife\",\"sig\":\"" sig "\"}"

typedef enum {
	GS_BAD_PARSE,  /* gs_event_new_from_json() fails */
	GS_BAD_VERIFY, /* parses, gs_event_verify() fails */
} GsBadStage;

typedef struct {
	const gchar *name;
	const gchar *json;
	gssize len; /* -1: NUL-terminated */
	GsBadStage stage;
	gint code;
	const gchar *message; /* nullable: a substring of the error message */
} GsBadCase;

#define BAD(name, json, message)                                                                   \
	{                                                                                          \
		name, json, -1, GS_BAD_PARSE, GS_ERROR_INVALID_EVENT, message                      \
	}
#define BAD_SIG(name, json, message)                                                               \
	{                                                                                          \
		name, json, -1, GS_BAD_VERIFY, GS_ERROR_BAD_SIGNATURE, message                     \
	}

static const GsBadCase bad_cases[] = {
	/* malformed JSON */
	BAD("json/empty", "", NULL),
	BAD("json/whitespace", "  \n", NULL),
	BAD("json/truncated", "{\"id\":", NULL),
	BAD("json/array", "[" EV_ALL "]", "not a JSON object"),
	BAD("json/null", "null", "not a JSON object"),
	BAD("json/string", "\"event\"", NULL),
	BAD("json/trailing-comma", "{" F_ID F_PK F_CA F_KIND F_TAGS F_CONTENT F_SIG ",}", NULL),
	BAD("json/missing-colon", "{\"id\" \"x\"}", NULL),
	BAD("json/single-quotes", EV_CONTENT("'hi'"), NULL),
	BAD("json/comment", "{/* c */" F_ID F_PK F_CA F_KIND F_TAGS F_CONTENT F_SIG "}", NULL),
	BAD("json/second-document", EV_ALL "{}", "after the JSON document"),
	BAD("json/trailing-garbage", EV_ALL " x", NULL),
	BAD("json/byte-order-mark", "\xef\xbb\xbf" EV_ALL, NULL),
	{"json/nul-byte",
	 EV_ALL "\0",
	 sizeof(EV_ALL "\0") - 1,
	 GS_BAD_PARSE,
	 GS_ERROR_INVALID_EVENT,
	 NULL},
	BAD("json/deep-nesting",
	    EV_TAGS("[[[[[[[[[[[[[[[[[[[[\"x\"]]]]]]]]]]]]]]]]]]]"),
	    "nested deeper"),
	BAD("json/nesting-in-unknown-member",
	    "{\"x\":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]," F_ID F_PK F_CA F_KIND F_TAGS F_CONTENT
		    F_SIG "}",
	    "nested deeper"),
	/* id, pubkey, sig: missing, wrong type, wrong length, upper case, not hex */
	BAD("id/missing", EV(F_PK F_CA F_KIND F_TAGS F_CONTENT F_SIG), "id is missing"),
	BAD("id/number", EV_ID("12"), "id is not a string"),
	BAD("id/null", EV_ID("null"), "id is not a string"),
	BAD("id/array", EV_ID("[\"" HEX64 "\"]"), NULL),
	BAD("id/short",
	    EV_ID("\"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\""),
	    "64 lower-case hex"),
	BAD("id/long", EV_ID("\"" HEX64 "0\""), NULL),
	BAD("id/empty", EV_ID("\"\""), NULL),
	BAD("id/upper-case",
	    EV_ID("\"0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\""),
	    "lower-case hex"),
	BAD("id/not-hex",
	    EV_ID("\"g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\""),
	    NULL),
	BAD("pubkey/missing", EV(F_ID F_CA F_KIND F_TAGS F_CONTENT F_SIG), "pubkey is missing"),
	BAD("pubkey/number", EV_PK("1"), NULL),
	BAD("pubkey/short", EV_PK("\"abcd\""), NULL),
	BAD("pubkey/upper-case-hex",
	    EV_PK("\"79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798\""),
	    "lower-case hex"),
	BAD("sig/missing", EV(F_ID F_PK F_CA F_KIND F_TAGS "\"content\":\"hi\""), "sig is missing"),
	BAD("sig/bool", EV_SIG("true"), NULL),
	BAD("sig/short", EV_SIG("\"" HEX64 "\""), "128 lower-case hex"),
	BAD("sig/upper-case",
	    EV_SIG("\"" HEX64 "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef\""),
	    NULL),
	/* created_at */
	BAD("created-at/missing",
	    EV(F_ID F_PK F_KIND F_TAGS F_CONTENT F_SIG),
	    "created_at is missing"),
	BAD("created-at/string", EV_CA("\"1700000000\""), "not an integer"),
	BAD("created-at/negative", EV_CA("-1"), "out of range"),
	BAD("created-at/float", EV_CA("1700000000.5"), NULL),
	BAD("created-at/float-integral", EV_CA("1700000000.0"), NULL),
	BAD("created-at/exponent", EV_CA("17e8"), NULL),
	BAD("created-at/past-63-bits", EV_CA("9223372036854775808"), "out of range"),
	BAD("created-at/past-64-bits", EV_CA("18446744075409551616"), "out of range"),
	BAD("created-at/huge-exponent", EV_CA("1e999"), NULL),
	BAD("created-at/null", EV_CA("null"), NULL),
	/* kind */
	BAD("kind/missing", EV(F_ID F_PK F_CA F_TAGS F_CONTENT F_SIG), "kind is missing"),
	BAD("kind/65536", EV_KIND("65536"), "out of range"),
	BAD("kind/negative", EV_KIND("-1"), NULL),
	BAD("kind/string", EV_KIND("\"1\""), NULL),
	BAD("kind/float", EV_KIND("1.0"), NULL),
	BAD("kind/hex", EV_KIND("0x10"), NULL),
	BAD("kind/octal", EV_KIND("0777"), NULL),
	BAD("kind/plus", EV_KIND("+1"), NULL),
	/* content */
	BAD("content/missing", EV(F_ID F_PK F_CA F_KIND F_TAGS F_SIG), "content is missing"),
	BAD("content/number", EV_CONTENT("1"), "content is not a string"),
	BAD("content/null", EV_CONTENT("null"), NULL),
	BAD("content/object", EV_CONTENT("{}"), NULL),
	/* tags */
	BAD("tags/missing", EV(F_ID F_PK F_CA F_KIND F_CONTENT F_SIG), "tags is missing"),
	BAD("tags/object", EV_TAGS("{}"), "not an array"),
	BAD("tags/string", EV_TAGS("\"t\""), NULL),
	BAD("tags/flat", EV_TAGS("[\"t\",\"x\"]"), "not an array"),
	BAD("tags/number-value", EV_TAGS("[[\"t\",1]]"), "not a string"),
	BAD("tags/null-value", EV_TAGS("[[\"t\",null]]"), NULL),
	BAD("tags/nested-array", EV_TAGS("[[\"t\",[\"x\"]]]"), NULL),
	BAD("tags/object-value", EV_TAGS("[[\"t\",{}]]"), NULL),
	BAD("tags/empty-tag", EV_TAGS("[[]]"), "empty tag"),
	BAD("tags/empty-name", EV_TAGS("[[\"\",\"x\"]]"), "empty name"),
	BAD("tags/second-bad", EV_TAGS("[[\"t\",\"x\"],[2]]"), NULL),
	/* escapes */
	BAD("escape/unknown", EV_CONTENT("\"a\\xb\""), "invalid escape"),
	BAD("escape/upper-u", EV_CONTENT("\"\\U0041\""), NULL),
	BAD("escape/apostrophe", EV_CONTENT("\"\\'\""), NULL),
	BAD("escape/short-u", EV_CONTENT("\"\\u12\""), NULL),
	BAD("escape/not-hex-u", EV_CONTENT("\"\\u00zz\""), "four hex digits"),
	BAD("escape/u0000", EV_CONTENT("\"a\\u0000b\""), "u0000"),
	BAD("escape/raw-newline", EV_CONTENT("\"a\nb\""), "control character"),
	BAD("escape/raw-control",
	    EV_CONTENT("\"a\x01"
		       "b\""),
	    NULL),
	BAD("escape/raw-tab-in-tag", EV_TAGS("[[\"t\",\"a\tb\"]]"), NULL),
	BAD("escape/unterminated", EV_CONTENT("\"abc\\\""), NULL),
	/* not UTF-8: raw bytes and lone surrogate escapes, in content and in tags */
	BAD("utf8/raw-ff-content", EV_CONTENT("\"a\xff\""), NULL),
	BAD("utf8/raw-ff-tag", EV_TAGS("[[\"t\",\"\xff\"]]"), NULL),
	BAD("utf8/overlong-nul", EV_CONTENT("\"\xc0\x80\""), NULL),
	BAD("utf8/encoded-surrogate", EV_CONTENT("\"\xed\xa0\x80\""), NULL),
	BAD("utf8/truncated-sequence", EV_CONTENT("\"\xe2\x82\""), NULL),
	BAD("utf8/lone-high-surrogate", EV_CONTENT("\"\\ud800\""), "lone high surrogate"),
	BAD("utf8/lone-low-surrogate", EV_CONTENT("\"\\udc00x\""), "lone low surrogate"),
	BAD("utf8/high-then-letter", EV_CONTENT("\"\\ud83dx\""), NULL),
	BAD("utf8/high-then-bmp", EV_CONTENT("\"\\ud83d\\u0041\""), NULL),
	BAD("utf8/reversed-pair", EV_CONTENT("\"\\ude00\\ud83d\""), NULL),
	BAD("utf8/lone-surrogate-tag", EV_TAGS("[[\"t\",\"\\udfff\"]]"), NULL),
	BAD("utf8/lone-surrogate-tag-name", EV_TAGS("[[\"\\ud800\"]]"), NULL),
	/* well-formed but not the signed event */
	BAD_SIG("verify/wrong-id",
		REAL("53443506e7d09e55b922a2369b80f926007a8a8a8ea5f09df1db59fe1993335f",
		     REAL_EVENT_PK,
		     REAL_EVENT_SIG),
		"does not match"),
	BAD_SIG("verify/wrong-sig",
		REAL(REAL_EVENT_ID,
		     REAL_EVENT_PK,
		     "4bdb609c975b2b61338c2ff4c7ce91d4afe74bea4ed1601a62e1fd125bd4c0ae6e0166cca96e5"
		     "cfb7e0f"
		     "5058"
		     "3eb6a0dd0b66072566299b6007742db56278010d"),
		"signature does not verify"),
	BAD_SIG("verify/other-events-sig",
		REAL(REAL_EVENT_ID,
		     REAL_EVENT_PK,
		     "5687c1a97066c349cb3bde0c0719fd1652a13403ba6aca7557b646307ee6718528cd86989db08"
		     "bf6a7fd"
		     "04be"
		     "a0b0b87c1dd1b78c2d21b80b80eebab7f40b8916"),
		"signature does not verify"),
	BAD_SIG("verify/zero-sig",
		REAL(REAL_EVENT_ID,
		     REAL_EVENT_PK,
		     "00000000000000000000000000000000000000000000000000000000000000000000000000000"
		     "0000000"
		     "00000000000000000000000000000000000000000000"),
		NULL),
};

static void
gs_event_bad_input(gconstpointer data)
{
	const GsBadCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GsEvent) ev = gs_event_new_from_json(c->json, c->len, &error);

	if (c->stage == GS_BAD_PARSE) {
		g_assert_null(ev);
		g_assert_error(error, GS_ERROR, c->code);
	} else {
		g_assert_no_error(error);
		g_assert_false(gs_event_verify(ev, &error));
		g_assert_error(error, GS_ERROR, c->code);
	}
	if (c->message != NULL && strstr(error->message, c->message) == NULL)
		g_error("\"%s\" does not contain \"%s\"", error->message, c->message);
}

/* the base of the table parses, so every failure above is the one change it makes */
static void
gs_event_bad_input_base(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsEvent) ev = gs_event_new_from_json(EV_ALL, -1, &error);
	g_autoptr(GsEvent) real = gs_event_new_from_json(
		REAL(REAL_EVENT_ID, REAL_EVENT_PK, REAL_EVENT_SIG), -1, &error);

	g_assert_no_error(error);
	g_assert_nonnull(ev);
	g_assert_true(gs_event_verify(real, &error));
	g_assert_no_error(error);
}

/* an x coordinate that is not on the curve (BIP-340 vectors 5 and 14), in an event whose id
 * matches its content, fails on the key and not on the id */
static void
gs_event_bad_pubkey_point(void)
{
	const gchar *bad_keys[] = {
		"eefdea4cdb677750a420fee807eacf21eb9898ae79b9768766e4faa04a2d4a34",
		"fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc30",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bad_keys); i++) {
		g_autofree gchar *draft =
			g_strdup_printf(REAL(HEX64, "%s", REAL_EVENT_SIG), bad_keys[i]);
		g_autoptr(GsEvent) ev = gs_event_new_from_json(draft, -1, NULL);
		guint8 id[32];
		gchar id_hex[65];
		g_autofree gchar *json = NULL;
		g_autoptr(GsEvent) ev2 = NULL;
		g_autoptr(GError) error = NULL;

		gs_event_compute_id(ev, id);
		gs_hex_encode_to(id, 32, id_hex);
		json = g_strdup_printf(REAL("%s", "%s", REAL_EVENT_SIG), id_hex, bad_keys[i]);
		ev2 = gs_event_new_from_json(json, -1, &error);
		g_assert_no_error(error);
		g_assert_true(gs_event_check_id(ev2, &error));
		g_assert_false(gs_event_verify(ev2, &error));
		g_assert_error(error, GS_ERROR, GS_ERROR_BAD_SIGNATURE);
		g_assert_nonnull(strstr(error->message, "not a valid x-only key"));
	}
}

/* size limits are the ingest's job: a huge tag list parses and verifies */
static void
gs_event_huge_tag_count(void)
{
	const guint n = 50000;
	g_autoptr(GPtrArray) tags = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
	guint8 seckey[32];
	g_autoptr(GsEvent) ev = NULL;
	g_autoptr(GsEvent) parsed = NULL;
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < n; i++) {
		gchar **tag = g_new0(gchar *, 3);
		tag[0] = g_strdup("t");
		tag[1] = g_strdup_printf("%u", i);
		g_ptr_array_add(tags, tag);
	}
	gs_test_seckey_from_seed(3, seckey);
	ev = gs_event_new_signed(seckey, 1700000000, 1, tags, "many", &error);
	g_assert_no_error(error);
	parsed = gs_event_new_from_json(gs_event_get_json(ev), -1, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(gs_event_get_n_tags(parsed), ==, n);
	g_assert_cmpstr(gs_event_get_tag(parsed, n - 1)[1], ==, "49999");
	g_assert_true(gs_event_verify(parsed, &error));
	g_assert_no_error(error);
}

/* a megabyte of '[' is refused by the depth check before json-glib recurses into it */
static void
gs_event_deep_nesting_large(void)
{
	const gsize n = 1024 * 1024;
	g_autofree gchar *json = g_malloc(n + 1);
	g_autoptr(GError) error = NULL;
	g_autoptr(GsEvent) ev = NULL;

	memset(json, '[', n);
	json[n] = '\0';
	ev = gs_event_new_from_json(json, -1, &error);
	g_assert_null(ev);
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_EVENT);
}

/* coordinates ---------------------------------------------------------------------------- */

#define PK REAL_EVENT_PK

typedef struct {
	const gchar *name;
	const gchar *coordinate;
	gboolean ok;
	guint kind;
	const gchar *d;
} GsCoordinateCase;

static const GsCoordinateCase coordinate_cases[] = {
	{"repo", "30617:" PK ":grasp-sync", TRUE, 30617, "grasp-sync"},
	{"empty-d", "30617:" PK ":", TRUE, 30617, ""},
	{"d-with-colons", "30617:" PK ":a:b::c", TRUE, 30617, "a:b::c"},
	{"d-unicode", "30618:" PK ":caf\xc3\xa9", TRUE, 30618, "caf\xc3\xa9"},
	{"replaceable", "10002:" PK ":", TRUE, 10002, ""},
	{"kind-0", "0:" PK ":", TRUE, 0, ""},
	{"kind-max", "65535:" PK ":x", TRUE, 65535, "x"},
	{"kind-65536", "65536:" PK ":x", FALSE, 0, NULL},
	{"kind-negative", "-1:" PK ":x", FALSE, 0, NULL},
	{"kind-plus", "+30617:" PK ":x", FALSE, 0, NULL},
	{"kind-leading-zero", "030617:" PK ":x", FALSE, 0, NULL},
	{"kind-leading-zero-short", "01:" PK ":x", FALSE, 0, NULL},
	{"kind-99999", "99999:" PK ":x", FALSE, 0, NULL},
	{"kind-hex", "0x77d9:" PK ":x", FALSE, 0, NULL},
	{"kind-empty", ":" PK ":x", FALSE, 0, NULL},
	{"kind-space", " 30617:" PK ":x", FALSE, 0, NULL},
	{"pubkey-upper",
	 "30617:79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798:x",
	 FALSE,
	 0,
	 NULL},
	{"pubkey-short", "30617:79be667e:x", FALSE, 0, NULL},
	{"pubkey-long", "30617:" PK "00:x", FALSE, 0, NULL},
	{"pubkey-npub",
	 "30617:npub1hw6amg8p24ne08c9gdq8hhpqx0t0pwanpae9z25crn7m9uy7yarse465gr:x",
	 FALSE,
	 0,
	 NULL},
	{"no-d-separator", "30617:" PK, FALSE, 0, NULL},
	{"kind-only", "30617", FALSE, 0, NULL},
	{"empty", "", FALSE, 0, NULL},
	{"colons", "::", FALSE, 0, NULL},
};

static void
gs_event_coordinate_parse(gconstpointer data)
{
	const GsCoordinateCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *pubkey = NULL;
	g_autofree gchar *d = NULL;
	g_autofree gchar *built = NULL;
	guint kind = 0;

	if (!c->ok) {
		g_assert_false(gs_coordinate_parse(c->coordinate, &kind, &pubkey, &d, &error));
		g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
		g_assert_null(pubkey);
		g_assert_null(d);
		return;
	}
	g_assert_true(gs_coordinate_parse(c->coordinate, &kind, &pubkey, &d, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(kind, ==, c->kind);
	g_assert_cmpstr(pubkey, ==, PK);
	g_assert_cmpstr(d, ==, c->d);

	/* parse and build are inverse */
	built = gs_coordinate_build(kind, pubkey, d);
	g_assert_cmpstr(built, ==, c->coordinate);
}

static void
gs_event_coordinate_build(void)
{
	g_autofree gchar *a = gs_coordinate_build(30617, PK, "repo");
	g_autofree gchar *b = gs_coordinate_build(30617, PK, NULL);
	g_autofree gchar *c = gs_coordinate_build(0, PK, "");
	const gchar *tags[] = {"d", "grasp", NULL, NULL};
	g_autoptr(GsEvent) ann = gs_test_event_new(5, 1, 30617, tags, "");
	g_autoptr(GsEvent) note = gs_test_event_new(5, 1, 1, NULL, "");
	g_autoptr(GsEvent) relays = gs_test_event_new(5, 1, 10002, tags, "");
	g_autoptr(GsEvent) no_d = gs_test_event_new(5, 1, 30618, NULL, "");
	g_autofree gchar *ann_coord = gs_event_dup_coordinate(ann);
	g_autofree gchar *relays_coord = gs_event_dup_coordinate(relays);
	g_autofree gchar *no_d_coord = gs_event_dup_coordinate(no_d);
	g_autofree gchar *expected = NULL;

	g_assert_cmpstr(a, ==, "30617:" PK ":repo");
	g_assert_cmpstr(b, ==, "30617:" PK ":");
	g_assert_cmpstr(c, ==, "0:" PK ":");
	expected = g_strdup_printf("30617:%s:grasp", gs_event_get_pubkey(ann));
	g_assert_cmpstr(ann_coord, ==, expected);
	g_assert_null(gs_event_dup_coordinate(note));
	/* replaceable: no d, whatever the tags say */
	g_assert_true(g_str_has_suffix(relays_coord, ":"));
	g_assert_true(g_str_has_prefix(relays_coord, "10002:"));
	g_assert_true(g_str_has_suffix(no_d_coord, ":"));
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/event/sign-verify-roundtrip", gs_event_sign_verify_roundtrip);
	g_test_add_func("/grasp-sync/event/bip340-vectors", gs_event_bip340_vectors);
	g_test_add_func("/grasp-sync/event/schnorr-verify-swapped",
			gs_event_schnorr_verify_id_swap);
	g_test_add_func("/grasp-sync/event/real/verify", gs_event_real_events);
	g_test_add_func("/grasp-sync/event/real/escapes", gs_event_real_event_escapes);
	g_test_add_func("/grasp-sync/event/real/edited-after-signing", gs_event_real_event_edited);
	g_test_add_func("/grasp-sync/event/real/mutations", gs_event_mutations);
	for (guint i = 0; i < G_N_ELEMENTS(canonical_cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/grasp-sync/event/canonical/content/%s",
							 canonical_cases[i].name);
		g_test_add_data_func_full(
			path, &canonical_cases[i], gs_event_canonical_content, NULL);
	}
	g_test_add_func("/grasp-sync/event/canonical/tags", gs_event_canonical_tags);
	g_test_add_func("/grasp-sync/event/canonical/from-input", gs_event_canonical_from_input);
	g_test_add_func("/grasp-sync/event/bad/base-parses", gs_event_bad_input_base);
	for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		g_autofree gchar *path =
			g_strdup_printf("/grasp-sync/event/bad/%s", bad_cases[i].name);
		g_test_add_data_func_full(path, &bad_cases[i], gs_event_bad_input, NULL);
	}
	g_test_add_func("/grasp-sync/event/bad/pubkey-not-on-curve", gs_event_bad_pubkey_point);
	g_test_add_func("/grasp-sync/event/bad/deep-nesting-megabyte", gs_event_deep_nesting_large);
	g_test_add_func("/grasp-sync/event/huge-tag-count", gs_event_huge_tag_count);
	for (guint i = 0; i < G_N_ELEMENTS(coordinate_cases); i++) {
		g_autofree gchar *path = g_strdup_printf("/grasp-sync/event/coordinate/parse/%s",
							 coordinate_cases[i].name);
		g_test_add_data_func_full(
			path, &coordinate_cases[i], gs_event_coordinate_parse, NULL);
	}
	g_test_add_func("/grasp-sync/event/coordinate/build", gs_event_coordinate_build);
	return g_test_run();
}
