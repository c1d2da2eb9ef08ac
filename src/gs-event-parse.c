/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsEvent"

#include "config.h"

#include <string.h>

#include "gs-event-private.h"
#include "gs-hex.h"

/*
 * The fast path of gs_event_new_from_json(). Almost every event on the wire is a plain JSON
 * object with the seven NIP-01 members, so one pass over the bytes reads it straight into its
 * fields, without json-glib's tree, the lexical pre-check and the copies.
 *
 * It only ever *accepts* or *declines*: anything outside the plain shape (another member, a
 * duplicate, a fraction or exponent, a leading zero or minus sign, \u0000, a lone surrogate,
 * invalid UTF-8, an empty tag, trailing data, ...) is declined, and the caller runs the
 * strict json-glib path, which accepts or refuses it with its own message. So the fast path
 * cannot make a different decision from the strict one; tests/gs-event-parse-test.c checks
 * that it reads the same fields on real and mutated events.
 *
 * It also notes whether the tags array and the content are already written exactly as
 * gs_event_build_json() would write them (no whitespace, NIP-01 escapes only); the event's
 * JSON then reuses those bytes instead of escaping the strings again.
 */

typedef struct {
	const gchar *p;
	const gchar *end;
	gboolean canonical; /* the strings read so far are written as we would write them */
} GsLexer;

static gboolean
gs_lexer_skip_ws(GsLexer *lx)
{
	const gchar *start = lx->p;
	while (lx->p < lx->end &&
	       (*lx->p == ' ' || *lx->p == '\n' || *lx->p == '\r' || *lx->p == '\t'))
		lx->p++;
	return lx->p != start;
}

static gboolean
gs_lexer_expect(GsLexer *lx, gchar c)
{
	if (lx->p >= lx->end || *lx->p != c)
		return FALSE;
	lx->p++;
	return TRUE;
}

/* "<nbytes*2 lower-case hex digits>" into @hex (NUL-terminated) */
static gboolean
gs_lexer_hex(GsLexer *lx, gchar *hex, gsize ndigits)
{
	if (lx->end - lx->p < (gssize)ndigits + 2 || lx->p[0] != '"' || lx->p[ndigits + 1] != '"')
		return FALSE;
	for (gsize i = 0; i < ndigits; i++) {
		gchar c = lx->p[1 + i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
			return FALSE;
		hex[i] = c;
	}
	hex[ndigits] = '\0';
	lx->p += ndigits + 2;
	return TRUE;
}

/* a non-negative integer without sign, leading zero, fraction or exponent, up to @max */
static gboolean
gs_lexer_uint(GsLexer *lx, guint64 max, guint64 *out)
{
	guint64 val = 0;
	const gchar *start = lx->p;

	while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
		guint digit = (guint)(*lx->p - '0');
		if (val > (max - digit) / 10)
			return FALSE;
		val = val * 10 + digit;
		lx->p++;
	}
	if (lx->p == start || (*start == '0' && lx->p - start > 1))
		return FALSE;
	if (lx->p < lx->end && (*lx->p == '.' || *lx->p == 'e' || *lx->p == 'E'))
		return FALSE;
	*out = val;
	return TRUE;
}

static gint
gs_lexer_hex4(const gchar *p)
{
	gint val = 0;
	for (guint i = 0; i < 4; i++) {
		gint d = g_ascii_xdigit_value(p[i]);
		if (d < 0)
			return -1;
		val = (val << 4) | d;
	}
	return val;
}

/* is "\u<hex4>" at @p exactly how gs_json_append_string() writes code point @cp? */
static gboolean
gs_lexer_u_is_canonical(const gchar *p, gint cp)
{
	gchar want[7];
	if (cp >= 0x20 || cp == '\b' || cp == '\t' || cp == '\n' || cp == '\f' || cp == '\r')
		return FALSE;
	g_snprintf(want, sizeof(want), "\\u%04x", (guint)cp);
	return memcmp(p, want, 6) == 0;
}

/* one escape at @p (a backslash) into @out; returns the bytes consumed, 0 to decline */
static gsize
gs_lexer_unescape(GsLexer *lx, const gchar *p, const gchar *end, GString *out)
{
	const gchar *simple = "\"\\/bfnrt";
	const gchar *value = "\"\\/\b\f\n\r\t";
	const gchar *hit;
	gint cp;
	gint lo;

	if (end - p < 2)
		return 0;
	hit = p[1] != '\0' ? strchr(simple, p[1]) : NULL;
	if (hit != NULL) {
		g_string_append_c(out, value[hit - simple]);
		if (p[1] == '/')
			lx->canonical = FALSE;
		return 2;
	}
	if (p[1] != 'u' || end - p < 6 || (cp = gs_lexer_hex4(p + 2)) <= 0)
		return 0;
	if (!gs_lexer_u_is_canonical(p, cp))
		lx->canonical = FALSE;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return 0;
	if (cp < 0xd800 || cp > 0xdbff) {
		g_string_append_unichar(out, (gunichar)cp);
		return 6;
	}
	if (end - p < 12 || p[6] != '\\' || p[7] != 'u')
		return 0;
	lo = gs_lexer_hex4(p + 8);
	if (lo < 0xdc00 || lo > 0xdfff)
		return 0;
	g_string_append_unichar(
		out, 0x10000 + (((gunichar)cp - 0xd800) << 10) + ((gunichar)lo - 0xdc00));
	return 12;
}

/* the string between @start and @stop (its closing quote) with escapes */
static gchar *
gs_lexer_decode(GsLexer *lx, const gchar *start, const gchar *stop)
{
	g_autoptr(GString) out = g_string_sized_new(stop - start);
	const gchar *p = start;

	while (p < stop) {
		const gchar *bs = memchr(p, '\\', stop - p);
		gsize used;
		if (bs == NULL) {
			g_string_append_len(out, p, stop - p);
			break;
		}
		g_string_append_len(out, p, bs - p);
		used = gs_lexer_unescape(lx, bs, stop, out);
		if (used == 0)
			return NULL;
		p = bs + used;
	}
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* a JSON string, valid UTF-8: *str and *len are its text in the input when it has no escapes,
 * else the decoded copy in *owned; %FALSE to decline */
static gboolean
gs_lexer_string_span(GsLexer *lx, const gchar **str, gsize *len, gchar **owned)
{
	const gchar *start;
	const gchar *q;
	gboolean escaped = FALSE;

	*owned = NULL;
	if (!gs_lexer_expect(lx, '"'))
		return FALSE;
	start = lx->p;
	for (q = start; q < lx->end && *q != '"'; q++) {
		if ((guchar)*q < 0x20)
			return FALSE;
		if (*q == '\\') {
			escaped = TRUE;
			q++;
		}
	}
	if (q >= lx->end)
		return FALSE;
	*str = start;
	*len = q - start;
	if (escaped) {
		*owned = gs_lexer_decode(lx, start, q);
		if (*owned == NULL)
			return FALSE;
		*str = *owned;
		*len = strlen(*owned);
	}
	/* escapes only ever add whole UTF-8 sequences (never a NUL: \u0000 is declined), so the
	 * decoded string is valid exactly when the input was */
	if (!g_utf8_validate(*str, (gssize)*len, NULL)) {
		g_clear_pointer(owned, g_free);
		return FALSE;
	}
	lx->p = q + 1;
	return TRUE;
}

/* a JSON string, decoded and valid UTF-8; %NULL to decline */
static gchar *
gs_lexer_string(GsLexer *lx)
{
	const gchar *str;
	gsize len;
	gchar *owned;

	if (!gs_lexer_string_span(lx, &str, &len, &owned))
		return NULL;
	return owned != NULL ? owned : g_strndup(str, len);
}

/* a tag's values read so far: spans of the input, or decoded copies (owned) */
typedef struct {
	GArray *values; /* const gchar * */
	GArray *lens;	/* gsize */
	GPtrArray *owned;
} GsLexerTag;

static void
gs_lexer_tag_clear(GsLexerTag *tag)
{
	g_array_set_size(tag->values, 0);
	g_array_set_size(tag->lens, 0);
	g_ptr_array_set_size(tag->owned, 0);
}

/* [ "name", "value", ... ] with at least the name, which is not empty; packed in one block
 * (gs_event_tag_pack()) */
static gchar **
gs_lexer_tag(GsLexer *lx, GsLexerTag *tag)
{
	gs_lexer_tag_clear(tag);
	if (!gs_lexer_expect(lx, '['))
		return NULL;
	for (;;) {
		const gchar *str;
		gsize len;
		gchar *owned;
		if (gs_lexer_skip_ws(lx))
			lx->canonical = FALSE;
		if (!gs_lexer_string_span(lx, &str, &len, &owned))
			return NULL;
		if (owned != NULL)
			g_ptr_array_add(tag->owned, owned);
		g_array_append_val(tag->values, str);
		g_array_append_val(tag->lens, len);
		if (gs_lexer_skip_ws(lx))
			lx->canonical = FALSE;
		if (gs_lexer_expect(lx, ']'))
			break;
		if (!gs_lexer_expect(lx, ','))
			return NULL;
	}
	if (g_array_index(tag->lens, gsize, 0) == 0)
		return NULL;
	return gs_event_tag_pack(tag->values->len,
				 (const gchar *const *)(gpointer)tag->values->data,
				 (const gsize *)(gpointer)tag->lens->data);
}

/* the tags after the opening bracket and any whitespace, through the closing bracket */
static gboolean
gs_lexer_tag_list(GsLexer *lx, GsEventFields *fields, GsLexerTag *scratch)
{
	if (gs_lexer_expect(lx, ']'))
		return TRUE;
	for (;;) {
		gchar **tag = gs_lexer_tag(lx, scratch);
		if (tag == NULL)
			return FALSE;
		g_ptr_array_add(fields->tags, tag);
		if (gs_lexer_skip_ws(lx))
			lx->canonical = FALSE;
		if (gs_lexer_expect(lx, ']'))
			return TRUE;
		if (!gs_lexer_expect(lx, ','))
			return FALSE;
		if (gs_lexer_skip_ws(lx))
			lx->canonical = FALSE;
	}
}

static gboolean
gs_lexer_tags(GsLexer *lx, GsEventFields *fields)
{
	const gchar *start = lx->p;
	GsLexerTag scratch = {
		g_array_sized_new(FALSE, FALSE, sizeof(const gchar *), 8),
		g_array_sized_new(FALSE, FALSE, sizeof(gsize), 8),
		g_ptr_array_new_with_free_func(g_free),
	};
	gboolean ok;

	if (!gs_lexer_expect(lx, '['))
		ok = FALSE;
	else {
		lx->canonical = TRUE;
		if (gs_lexer_skip_ws(lx))
			lx->canonical = FALSE;
		ok = gs_lexer_tag_list(lx, fields, &scratch);
	}
	g_array_unref(scratch.values);
	g_array_unref(scratch.lens);
	g_ptr_array_unref(scratch.owned);
	if (ok && lx->canonical) {
		fields->raw_tags = start;
		fields->raw_tags_len = lx->p - start;
	}
	return ok;
}

static gboolean
gs_lexer_content(GsLexer *lx, GsEventFields *fields)
{
	const gchar *start = lx->p;

	lx->canonical = TRUE;
	fields->content = gs_lexer_string(lx);
	if (fields->content == NULL)
		return FALSE;
	if (lx->canonical) {
		fields->raw_content = start;
		fields->raw_content_len = lx->p - start;
	}
	return TRUE;
}

enum {
	GS_MEMBER_ID,
	GS_MEMBER_PUBKEY,
	GS_MEMBER_SIG,
	GS_MEMBER_CREATED_AT,
	GS_MEMBER_KIND,
	GS_MEMBER_TAGS,
	GS_MEMBER_CONTENT,
	GS_MEMBER_LAST
};

static gint
gs_lexer_member(GsLexer *lx)
{
	const gchar *names[] = {"id", "pubkey", "sig", "created_at", "kind", "tags", "content"};
	const gchar *start;

	if (!gs_lexer_expect(lx, '"'))
		return -1;
	start = lx->p;
	while (lx->p < lx->end && *lx->p != '"' && *lx->p != '\\')
		lx->p++;
	if (lx->p >= lx->end || *lx->p != '"')
		return -1;
	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		if ((gsize)(lx->p - start) == strlen(names[i]) &&
		    memcmp(start, names[i], lx->p - start) == 0) {
			lx->p++;
			return (gint)i;
		}
	}
	return -1;
}

static gboolean
gs_lexer_value(GsLexer *lx, gint member, GsEventFields *fields)
{
	guint64 val = 0;

	switch (member) {
	case GS_MEMBER_ID:
		return gs_lexer_hex(lx, fields->id, 64);
	case GS_MEMBER_PUBKEY:
		return gs_lexer_hex(lx, fields->pubkey, 64);
	case GS_MEMBER_SIG:
		return gs_lexer_hex(lx, fields->sig, 128);
	case GS_MEMBER_CREATED_AT:
		if (!gs_lexer_uint(lx, G_MAXINT64, &val))
			return FALSE;
		fields->created_at = (gint64)val;
		return TRUE;
	case GS_MEMBER_KIND:
		if (!gs_lexer_uint(lx, 65535, &val))
			return FALSE;
		fields->kind = (guint)val;
		return TRUE;
	case GS_MEMBER_TAGS:
		return gs_lexer_tags(lx, fields);
	case GS_MEMBER_CONTENT:
	default:
		return gs_lexer_content(lx, fields);
	}
}

/**
 * gs_event_fields_parse:
 * @json: the event object as JSON text
 * @len: its length
 * @fields: (out caller-allocates): the members; free with gs_event_fields_clear() in all cases
 *
 * Returns: %TRUE when @json is a plain NIP-01 event object and @fields holds it; %FALSE when
 *   the strict parser must decide
 */
gboolean
gs_event_fields_parse(const gchar *json, gsize len, GsEventFields *fields)
{
	GsLexer lx = {json, json + len, TRUE};
	guint seen = 0;

	memset(fields, 0, sizeof(*fields));
	fields->tags = g_ptr_array_new_with_free_func(g_free);
	gs_lexer_skip_ws(&lx);
	if (!gs_lexer_expect(&lx, '{'))
		return FALSE;
	for (;;) {
		gint member;
		gs_lexer_skip_ws(&lx);
		member = gs_lexer_member(&lx);
		if (member < 0 || (seen & (1u << member)) != 0)
			return FALSE;
		seen |= 1u << member;
		gs_lexer_skip_ws(&lx);
		if (!gs_lexer_expect(&lx, ':'))
			return FALSE;
		gs_lexer_skip_ws(&lx);
		if (!gs_lexer_value(&lx, member, fields))
			return FALSE;
		gs_lexer_skip_ws(&lx);
		if (gs_lexer_expect(&lx, '}'))
			break;
		if (!gs_lexer_expect(&lx, ','))
			return FALSE;
	}
	gs_lexer_skip_ws(&lx);
	return lx.p == lx.end && seen == (1u << GS_MEMBER_LAST) - 1;
}

void
gs_event_fields_clear(GsEventFields *fields)
{
	g_clear_pointer(&fields->content, g_free);
	g_clear_pointer(&fields->tags, g_ptr_array_unref);
}
