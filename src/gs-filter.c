/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsFilter"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-filter-private.h"
#include "gs-hex.h"
#include "gs-json.h"

/* slots of @sets */
#define GS_FILTER_SLOT_IDS 0
#define GS_FILTER_SLOT_AUTHORS 1
#define GS_FILTER_SLOT_TAGS 2
#define GS_FILTER_N_SLOTS (GS_FILTER_SLOT_TAGS + GS_FILTER_N_LETTERS)

/* up to this many values a linear search is cheaper than a set */
#define GS_FILTER_SET_MIN 16

G_DEFINE_BOXED_TYPE(GsFilter, gs_filter, gs_filter_ref, gs_filter_unref)

gint
gs_filter_letter_index(gchar letter)
{
	if (letter >= 'A' && letter <= 'Z')
		return letter - 'A';
	if (letter >= 'a' && letter <= 'z')
		return 26 + (letter - 'a');
	return -1;
}

static gchar
gs_filter_index_letter(guint idx)
{
	return idx < 26 ? (gchar)('A' + idx) : (gchar)('a' + (idx - 26));
}

GsFilter *
gs_filter_new(void)
{
	GsFilter *self = g_new0(GsFilter, 1);
	g_atomic_ref_count_init(&self->ref);
	self->since = -1;
	self->until = -1;
	self->limit = -1;
	return self;
}

GsFilter *
gs_filter_ref(GsFilter *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_ref_count_inc(&self->ref);
	return self;
}

void
gs_filter_unref(GsFilter *self)
{
	g_return_if_fail(self != NULL);
	if (!g_atomic_ref_count_dec(&self->ref))
		return;
	g_clear_pointer(&self->ids, g_ptr_array_unref);
	g_clear_pointer(&self->authors, g_ptr_array_unref);
	g_clear_pointer(&self->kinds, g_array_unref);
	for (guint i = 0; i < GS_FILTER_N_LETTERS; i++)
		g_clear_pointer(&self->tags[i], g_ptr_array_unref);
	if (self->sets != NULL) {
		for (guint i = 0; i < GS_FILTER_N_SLOTS; i++)
			g_clear_pointer(&self->sets[i], g_hash_table_unref);
		g_free(self->sets);
	}
	g_free(self);
}

static GPtrArray *
gs_filter_strv_new(void)
{
	return g_ptr_array_new_with_free_func(g_free);
}

static GPtrArray *
gs_filter_strv_copy(GPtrArray *src)
{
	GPtrArray *dst;
	if (src == NULL)
		return NULL;
	dst = g_ptr_array_new_full(src->len, g_free);
	for (guint i = 0; i < src->len; i++)
		g_ptr_array_add(dst, g_strdup(g_ptr_array_index(src, i)));
	return dst;
}

/* returns: (transfer full): a deep copy, not shared with @self */
GsFilter *
gs_filter_copy(const GsFilter *self)
{
	GsFilter *copy = gs_filter_new();

	g_return_val_if_fail(self != NULL, NULL);
	copy->ids = gs_filter_strv_copy(self->ids);
	copy->authors = gs_filter_strv_copy(self->authors);
	if (self->kinds != NULL) {
		copy->kinds = g_array_sized_new(FALSE, FALSE, sizeof(guint), self->kinds->len);
		g_array_append_vals(copy->kinds, self->kinds->data, self->kinds->len);
	}
	for (guint i = 0; i < GS_FILTER_N_LETTERS; i++)
		copy->tags[i] = gs_filter_strv_copy(self->tags[i]);
	copy->since = self->since;
	copy->until = self->until;
	copy->limit = self->limit;
	return copy;
}

static gboolean
gs_filter_strv_find(GPtrArray *arr, const gchar *value)
{
	for (guint i = 0; i < arr->len; i++) {
		if (strcmp(g_ptr_array_index(arr, i), value) == 0)
			return TRUE;
	}
	return FALSE;
}

/**
 * gs_filter_value_hash:
 * @v: a NUL-terminated string
 *
 * A #GHashFunc for strings (with g_str_equal()), for the sets of event ids, coordinates and
 * tag values a sync keeps: it reads eight bytes at a time where g_str_hash() reads one, and
 * 64-digit ids were most of what hashing cost the syncing side's main thread.
 *
 * Returns: the hash
 */
guint
gs_filter_value_hash(gconstpointer v)
{
	const guchar *p = v;
	gsize len = strlen(v);
	guint64 h = (0x9e3779b97f4a7c15ULL ^ (guint64)len) * 0xbf58476d1ce4e5b9ULL;
	guint64 w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	w = 0;
	memcpy(&w, p, len);
	h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return (guint)h;
}

/* returns: (transfer none): the set of the values of @arr, built when first needed */
static GHashTable *
gs_filter_set(GsFilter *self, guint slot, GPtrArray *arr)
{
	if (self->sets == NULL)
		self->sets = g_new0(GHashTable *, GS_FILTER_N_SLOTS);
	if (self->sets[slot] == NULL) {
		self->sets[slot] = g_hash_table_new(gs_filter_value_hash, g_str_equal);
		for (guint i = 0; i < arr->len; i++)
			g_hash_table_add(self->sets[slot], g_ptr_array_index(arr, i));
	}
	return self->sets[slot];
}

/* the builders ignore a value that is already present, so callers can add freely; the values
 * keep the order they were first added in */
static void
gs_filter_strv_add_unique(GsFilter *self, guint slot, GPtrArray **arr, const gchar *value)
{
	GHashTable *set = NULL;
	gchar *copy;

	if (*arr == NULL)
		*arr = gs_filter_strv_new();
	if ((*arr)->len < GS_FILTER_SET_MIN) {
		if (gs_filter_strv_find(*arr, value))
			return;
	} else {
		set = gs_filter_set(self, slot, *arr);
		if (g_hash_table_contains(set, value))
			return;
	}
	copy = g_strdup(value);
	g_ptr_array_add(*arr, copy);
	if (set != NULL)
		g_hash_table_add(set, copy);
}

void
gs_filter_add_id(GsFilter *self, const gchar *id)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(gs_hex_is_lower(id, 64));
	gs_filter_strv_add_unique(self, GS_FILTER_SLOT_IDS, &self->ids, id);
}

void
gs_filter_add_author(GsFilter *self, const gchar *pubkey)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(gs_hex_is_lower(pubkey, 64));
	gs_filter_strv_add_unique(self, GS_FILTER_SLOT_AUTHORS, &self->authors, pubkey);
}

void
gs_filter_add_kind(GsFilter *self, guint kind)
{
	g_return_if_fail(self != NULL);
	g_return_if_fail(kind <= 65535);
	if (self->kinds == NULL)
		self->kinds = g_array_new(FALSE, FALSE, sizeof(guint));
	for (guint i = 0; i < self->kinds->len; i++) {
		if (g_array_index(self->kinds, guint, i) == kind)
			return;
	}
	g_array_append_val(self->kinds, kind);
}

void
gs_filter_add_tag_value(GsFilter *self, gchar letter, const gchar *value)
{
	gint idx = gs_filter_letter_index(letter);

	g_return_if_fail(self != NULL);
	g_return_if_fail(idx >= 0);
	g_return_if_fail(value != NULL);
	gs_filter_strv_add_unique(self, GS_FILTER_SLOT_TAGS + idx, &self->tags[idx], value);
}

/**
 * gs_filter_add_tag_values_distinct:
 * @values: (array length=n_values): values of `#letter`, no two equal, none in the filter yet
 *
 * gs_filter_add_tag_value() for each of @values, without looking for each in the values
 * already there: for builders whose values come from a set (the sync's chunks of 100 roots or
 * coordinates), where the check cost a hash set per filter.
 */
void
gs_filter_add_tag_values_distinct(GsFilter *self,
				  gchar letter,
				  const gchar *const *values,
				  guint n_values)
{
	gint idx = gs_filter_letter_index(letter);
	GPtrArray **arr;

	g_return_if_fail(self != NULL);
	g_return_if_fail(idx >= 0);
	arr = &self->tags[idx];
	if (*arr == NULL)
		*arr = gs_filter_strv_new();
	for (guint i = 0; i < n_values; i++) {
		gchar *copy = g_strdup(values[i]);
		g_ptr_array_add(*arr, copy);
		/* a set built already (by earlier single adds) must know the value too */
		if (self->sets != NULL && self->sets[GS_FILTER_SLOT_TAGS + idx] != NULL)
			g_hash_table_add(self->sets[GS_FILTER_SLOT_TAGS + idx], copy);
	}
}

void
gs_filter_set_since(GsFilter *self, gint64 since)
{
	g_return_if_fail(self != NULL);
	self->since = since < 0 ? -1 : since;
}

void
gs_filter_set_until(GsFilter *self, gint64 until)
{
	g_return_if_fail(self != NULL);
	self->until = until < 0 ? -1 : until;
}

void
gs_filter_set_limit(GsFilter *self, gint64 limit)
{
	g_return_if_fail(self != NULL);
	self->limit = limit < 0 ? -1 : limit;
}

/* returns: (transfer none) (nullable) */
GPtrArray *
gs_filter_get_ids(const GsFilter *self)
{
	return self->ids;
}

/* returns: (transfer none) (nullable) */
GPtrArray *
gs_filter_get_authors(const GsFilter *self)
{
	return self->authors;
}

/* returns: (transfer none) (nullable) (element-type guint) */
GArray *
gs_filter_get_kinds(const GsFilter *self)
{
	return self->kinds;
}

/* returns: (transfer full): the letters of the tag conditions present, in ASCII order ("" when
 * none) */
gchar *
gs_filter_get_tag_letters(const GsFilter *self)
{
	GString *letters = g_string_new(NULL);
	for (guint i = 0; i < GS_FILTER_N_LETTERS; i++) {
		if (self->tags[i] != NULL)
			g_string_append_c(letters, gs_filter_index_letter(i));
	}
	return g_string_free(letters, FALSE);
}

/* returns: (transfer none) (nullable): the values of `#letter`, %NULL when absent */
GPtrArray *
gs_filter_get_tag_values(const GsFilter *self, gchar letter)
{
	gint idx = gs_filter_letter_index(letter);
	return idx < 0 ? NULL : self->tags[idx];
}

gint64
gs_filter_get_since(const GsFilter *self)
{
	return self->since;
}

gint64
gs_filter_get_until(const GsFilter *self)
{
	return self->until;
}

gint64
gs_filter_get_limit(const GsFilter *self)
{
	return self->limit;
}

/* parsing ------------------------------------------------------------------------------------- */

static gboolean
gs_filter_invalid(GError **error, const gchar *member, const gchar *what)
{
	g_set_error(error,
		    GS_ERROR,
		    GS_ERROR_INVALID_ARGUMENT,
		    "filter member '%.40s': %s",
		    member,
		    what);
	return FALSE;
}

static JsonArray *
gs_filter_member_array(JsonNode *node, const gchar *member, GError **error)
{
	if (!JSON_NODE_HOLDS_ARRAY(node)) {
		gs_filter_invalid(error, member, "not an array");
		return NULL;
	}
	return json_node_get_array(node);
}

/* ids and authors: exact 64-digit lower-case hex (NIP-01 dropped prefix matching) */
static gboolean
gs_filter_parse_hex_array(JsonNode *node, const gchar *member, GPtrArray **out, GError **error)
{
	JsonArray *arr = gs_filter_member_array(node, member, error);
	g_autoptr(GPtrArray) values = NULL;

	if (arr == NULL)
		return FALSE;
	values = g_ptr_array_new_full(json_array_get_length(arr), g_free);
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonNode *el = json_array_get_element(arr, i);
		const gchar *str = NULL;
		if (JSON_NODE_HOLDS_VALUE(el) && json_node_get_value_type(el) == G_TYPE_STRING)
			str = json_node_get_string(el);
		if (str == NULL || !gs_hex_is_lower(str, 64))
			return gs_filter_invalid(
				error, member, "values must be 64 lower-case hex digits");
		g_ptr_array_add(values, g_strdup(str));
	}
	*out = g_steal_pointer(&values);
	return TRUE;
}

/* returns FALSE unless @node is an integer in [0, @max]: floats (even 1.0) and strings fail */
static gboolean
gs_filter_node_get_uint(JsonNode *node, gint64 max, gint64 *out)
{
	gint64 v;
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
		return FALSE;
	v = json_node_get_int(node);
	if (v < 0 || v > max)
		return FALSE;
	*out = v;
	return TRUE;
}

static gboolean
gs_filter_parse_kinds(GsFilter *self, JsonNode *node, GError **error)
{
	JsonArray *arr = gs_filter_member_array(node, "kinds", error);

	if (arr == NULL)
		return FALSE;
	self->kinds = g_array_sized_new(FALSE, FALSE, sizeof(guint), json_array_get_length(arr));
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		gint64 v = 0;
		guint kind;
		if (!gs_filter_node_get_uint(json_array_get_element(arr, i), 65535, &v))
			return gs_filter_invalid(
				error, "kinds", "values must be integers 0..65535");
		kind = (guint)v;
		g_array_append_val(self->kinds, kind);
	}
	return TRUE;
}

static gboolean
gs_filter_parse_tag(GsFilter *self, const gchar *member, JsonNode *node, GError **error)
{
	JsonArray *arr = gs_filter_member_array(node, member, error);
	gint idx = gs_filter_letter_index(member[1]);

	if (arr == NULL)
		return FALSE;
	self->tags[idx] = g_ptr_array_new_full(json_array_get_length(arr), g_free);
	for (guint i = 0; i < json_array_get_length(arr); i++) {
		JsonNode *el = json_array_get_element(arr, i);
		if (!JSON_NODE_HOLDS_VALUE(el) || json_node_get_value_type(el) != G_TYPE_STRING)
			return gs_filter_invalid(error, member, "values must be strings");
		g_ptr_array_add(self->tags[idx], g_strdup(json_node_get_string(el)));
	}
	return TRUE;
}

static gboolean
gs_filter_parse_number(JsonNode *node, const gchar *member, gint64 *out, GError **error)
{
	if (!gs_filter_node_get_uint(node, G_MAXINT64, out))
		return gs_filter_invalid(error, member, "not a non-negative integer");
	return TRUE;
}

static gboolean
gs_filter_is_tag_member(const gchar *member)
{
	return member[0] == '#' && gs_filter_letter_index(member[1]) >= 0 && member[2] == '\0';
}

static gboolean
gs_filter_parse_member(GsFilter *self, const gchar *member, JsonNode *node, GError **error)
{
	if (g_strcmp0(member, "ids") == 0)
		return gs_filter_parse_hex_array(node, member, &self->ids, error);
	if (g_strcmp0(member, "authors") == 0)
		return gs_filter_parse_hex_array(node, member, &self->authors, error);
	if (g_strcmp0(member, "kinds") == 0)
		return gs_filter_parse_kinds(self, node, error);
	if (g_strcmp0(member, "since") == 0)
		return gs_filter_parse_number(node, member, &self->since, error);
	if (g_strcmp0(member, "until") == 0)
		return gs_filter_parse_number(node, member, &self->until, error);
	if (g_strcmp0(member, "limit") == 0)
		return gs_filter_parse_number(node, member, &self->limit, error);
	if (gs_filter_is_tag_member(member))
		return gs_filter_parse_tag(self, member, node, error);
	/* unknown members (NIP-50 "search", multi-letter tags, typos) are refused rather than
	 * ignored: dropping a condition would widen the filter, so we would serve, count or
	 * reconcile a different set of events than the sender asked for */
	if (member[0] == '#')
		return gs_filter_invalid(error, member, "tag filters are '#' and one ASCII letter");
	return gs_filter_invalid(error, member, "unknown filter member");
}

/**
 * gs_filter_new_from_node:
 * @node: a JSON object
 *
 * Parses and validates a NIP-01 filter. Unknown members are refused (see
 * gs_filter_parse_member()).
 *
 * Returns: (transfer full) (nullable): the filter, or %NULL with %GS_ERROR_INVALID_ARGUMENT
 *   naming the offending member
 */
GsFilter *
gs_filter_new_from_node(JsonNode *node, GError **error)
{
	g_autoptr(GsFilter) self = gs_filter_new();
	JsonObject *obj;
	JsonObjectIter iter;
	const gchar *member;
	JsonNode *value;

	g_return_val_if_fail(node != NULL, NULL);
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "filter is not a JSON object");
		return NULL;
	}
	obj = json_node_get_object(node);
	json_object_iter_init(&iter, obj);
	while (json_object_iter_next(&iter, &member, &value)) {
		if (!gs_filter_parse_member(self, member, value, error))
			return NULL;
	}
	return g_steal_pointer(&self);
}

/* returns: (transfer full) (nullable): as gs_filter_new_from_node(); malformed or too deeply
 * nested JSON is also %GS_ERROR_INVALID_ARGUMENT */
GsFilter *
gs_filter_new_from_json(const gchar *json, gssize len, GError **error)
{
	g_autoptr(JsonNode) node = NULL;
	g_autoptr(GError) error_local = NULL;

	g_return_val_if_fail(json != NULL, NULL);
	node = gs_json_parse(json, len, &error_local);
	if (node == NULL) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "invalid filter: %s",
			    error_local->message);
		return NULL;
	}
	return gs_filter_new_from_node(node, error);
}

/* serialising --------------------------------------------------------------------------------- */

static void
gs_filter_build_strv(JsonBuilder *builder, const gchar *member, GPtrArray *values)
{
	if (values == NULL)
		return;
	json_builder_set_member_name(builder, member);
	json_builder_begin_array(builder);
	for (guint i = 0; i < values->len; i++)
		json_builder_add_string_value(builder, g_ptr_array_index(values, i));
	json_builder_end_array(builder);
}

static void
gs_filter_build_int(JsonBuilder *builder, const gchar *member, gint64 value)
{
	if (value < 0)
		return;
	json_builder_set_member_name(builder, member);
	json_builder_add_int_value(builder, value);
}

/* returns: (transfer full): a JSON object, members in a fixed order: ids, authors, kinds, the
 * tag filters by letter (A-Z, a-z), since, until, limit */
JsonNode *
gs_filter_to_node(const GsFilter *self)
{
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();

	json_builder_begin_object(builder);
	gs_filter_build_strv(builder, "ids", self->ids);
	gs_filter_build_strv(builder, "authors", self->authors);
	if (self->kinds != NULL) {
		json_builder_set_member_name(builder, "kinds");
		json_builder_begin_array(builder);
		for (guint i = 0; i < self->kinds->len; i++)
			json_builder_add_int_value(builder, g_array_index(self->kinds, guint, i));
		json_builder_end_array(builder);
	}
	for (guint i = 0; i < GS_FILTER_N_LETTERS; i++) {
		gchar member[3] = {'#', gs_filter_index_letter(i), '\0'};
		gs_filter_build_strv(builder, member, self->tags[i]);
	}
	gs_filter_build_int(builder, "since", self->since);
	gs_filter_build_int(builder, "until", self->until);
	gs_filter_build_int(builder, "limit", self->limit);
	json_builder_end_object(builder);
	return json_builder_get_root(builder);
}

/* printable ASCII but '"' and '\\': what JSON writes as it is */
static gboolean
gs_filter_strv_is_plain(GPtrArray *values)
{
	for (guint i = 0; values != NULL && i < values->len; i++) {
		const guchar *p = g_ptr_array_index(values, i);
		for (; *p != '\0'; p++) {
			if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
				return FALSE;
		}
	}
	return TRUE;
}

static void
gs_filter_append_strv(GString *out, const gchar *member, GPtrArray *values)
{
	if (values == NULL)
		return;
	g_string_append_printf(out, "%s\"%s\":[", out->len > 1 ? "," : "", member);
	for (guint i = 0; i < values->len; i++) {
		if (i > 0)
			g_string_append_c(out, ',');
		g_string_append_c(out, '"');
		g_string_append(out, g_ptr_array_index(values, i));
		g_string_append_c(out, '"');
	}
	g_string_append_c(out, ']');
}

static void
gs_filter_append_int(GString *out, const gchar *member, gint64 value)
{
	if (value < 0)
		return;
	g_string_append_printf(
		out, "%s\"%s\":%" G_GINT64_FORMAT, out->len > 1 ? "," : "", member, value);
}

/* gs_filter_to_json() without a JsonNode, when no value needs escaping */
static gchar *
gs_filter_to_json_plain(const GsFilter *self)
{
	GString *out = g_string_sized_new(128);

	g_string_append_c(out, '{');
	gs_filter_append_strv(out, "ids", self->ids);
	gs_filter_append_strv(out, "authors", self->authors);
	if (self->kinds != NULL) {
		g_string_append_printf(out, "%s\"kinds\":[", out->len > 1 ? "," : "");
		for (guint i = 0; i < self->kinds->len; i++) {
			g_string_append_printf(out,
					       "%s%u",
					       i > 0 ? "," : "",
					       g_array_index(self->kinds, guint, i));
		}
		g_string_append_c(out, ']');
	}
	for (guint i = 0; i < GS_FILTER_N_LETTERS; i++) {
		gchar member[3] = {'#', gs_filter_index_letter(i), '\0'};
		gs_filter_append_strv(out, member, self->tags[i]);
	}
	gs_filter_append_int(out, "since", self->since);
	gs_filter_append_int(out, "until", self->until);
	gs_filter_append_int(out, "limit", self->limit);
	g_string_append_c(out, '}');
	return g_string_free(out, FALSE);
}

/* returns: (transfer full): compact JSON of gs_filter_to_node(); written directly (the live
 * REQs measure every filter this way) unless a tag value needs escaping */
gchar *
gs_filter_to_json(const GsFilter *self)
{
	g_autoptr(JsonNode) node = NULL;

	for (guint i = 0; i < GS_FILTER_N_LETTERS; i++) {
		if (!gs_filter_strv_is_plain(self->tags[i])) {
			node = gs_filter_to_node(self);
			return json_to_string(node, FALSE);
		}
	}
	return gs_filter_to_json_plain(self);
}

/* matching ------------------------------------------------------------------------------------ */

static gboolean
gs_filter_strv_contains(GPtrArray *values, const gchar *str)
{
	for (guint i = 0; i < values->len; i++) {
		if (strcmp(g_ptr_array_index(values, i), str) == 0)
			return TRUE;
	}
	return FALSE;
}

static gboolean
gs_filter_kinds_contain(GArray *kinds, guint kind)
{
	for (guint i = 0; i < kinds->len; i++) {
		if (g_array_index(kinds, guint, i) == kind)
			return TRUE;
	}
	return FALSE;
}

/* `#x` matches when any tag named x has one of the values at index 1 */
static gboolean
gs_filter_tag_matches(GPtrArray *values, gchar letter, const GsEvent *event)
{
	for (guint i = 0; i < gs_event_get_n_tags(event); i++) {
		const gchar *const *tag = gs_event_get_tag(event, i);
		if (tag[0][0] != letter || tag[0][1] != '\0' || tag[1] == NULL)
			continue;
		if (gs_filter_strv_contains(values, tag[1]))
			return TRUE;
	}
	return FALSE;
}

/* every condition present must hold; the limit is not a condition */
gboolean
gs_filter_matches(const GsFilter *self, const GsEvent *event)
{
	gint64 created_at = gs_event_get_created_at(event);

	g_return_val_if_fail(self != NULL, FALSE);
	g_return_val_if_fail(event != NULL, FALSE);
	if (self->ids != NULL && !gs_filter_strv_contains(self->ids, gs_event_get_id(event)))
		return FALSE;
	if (self->authors != NULL &&
	    !gs_filter_strv_contains(self->authors, gs_event_get_pubkey(event)))
		return FALSE;
	if (self->kinds != NULL && !gs_filter_kinds_contain(self->kinds, gs_event_get_kind(event)))
		return FALSE;
	if (self->since >= 0 && created_at < self->since)
		return FALSE;
	if (self->until >= 0 && created_at > self->until)
		return FALSE;
	for (guint i = 0; i < GS_FILTER_N_LETTERS; i++) {
		if (self->tags[i] != NULL &&
		    !gs_filter_tag_matches(self->tags[i], gs_filter_index_letter(i), event))
			return FALSE;
	}
	return TRUE;
}

/* TRUE when no event can ever match: a present but empty ids/authors/kinds/tag array, or
 * since > until. `limit: 0` does not count: it still matches live events. */
gboolean
gs_filter_is_empty_match(const GsFilter *self)
{
	g_return_val_if_fail(self != NULL, FALSE);
	if ((self->ids != NULL && self->ids->len == 0) ||
	    (self->authors != NULL && self->authors->len == 0) ||
	    (self->kinds != NULL && self->kinds->len == 0))
		return TRUE;
	for (guint i = 0; i < GS_FILTER_N_LETTERS; i++) {
		if (self->tags[i] != NULL && self->tags[i]->len == 0)
			return TRUE;
	}
	return self->since >= 0 && self->until >= 0 && self->since > self->until;
}

/* @filters: (element-type GsFilter): OR-ed; an empty list matches nothing */
gboolean
gs_filters_match(GPtrArray *filters, const GsEvent *event)
{
	g_return_val_if_fail(filters != NULL, FALSE);
	for (guint i = 0; i < filters->len; i++) {
		if (gs_filter_matches(g_ptr_array_index(filters, i), event))
			return TRUE;
	}
	return FALSE;
}
