/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsEvent"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-event-private.h"
#include "gs-event.h"
#include "gs-hex.h"
#include "gs-json.h"
#include "gs-sha256.h"

struct _GsEvent {
	gatomicrefcount ref;
	guint8 id[32];
	guint8 pubkey[32];
	guint8 sig[64];
	gchar id_hex[65];
	gchar pubkey_hex[65];
	gchar sig_hex[129];
	gint64 created_at;
	guint kind;
	gchar *content;
	GPtrArray *tags; /* of GStrv, each with at least one element */
	gchar *json;	 /* our compact serialisation of the event object */
	gsize json_len;
	/* where the tags array and the content string are in @json: the canonical form the id
	 * is hashed over is made of these two and the header, so it is never built */
	gsize tags_off;
	gsize tags_len;
	gsize content_off;
	gsize content_len;
};

G_DEFINE_BOXED_TYPE(GsEvent, gs_event, gs_event_ref, gs_event_unref)

static GsEvent *
gs_event_alloc(void)
{
	GsEvent *self = g_new0(GsEvent, 1);
	g_atomic_ref_count_init(&self->ref);
	self->tags = g_ptr_array_new_with_free_func(g_free);
	return self;
}

/**
 * gs_event_tag_pack:
 * @n: the number of values, at least 1
 * @values: the values (need not be NUL-terminated)
 * @lens: their lengths in bytes
 *
 * One tag in a single allocation: the %NULL-terminated array of pointers, then the strings.
 * An event's tags are freed on another thread than the one that parsed them (the main context
 * frees what the ingest workers built), where each free() costs more than usual: one block a
 * tag instead of one per value and one for the array.
 *
 * Returns: (transfer full): the tag, freed with g_free()
 */
gchar **
gs_event_tag_pack(guint n, const gchar *const *values, const gsize *lens)
{
	gsize size = (n + 1) * sizeof(gchar *);
	gchar **tag;
	gchar *p;

	for (guint i = 0; i < n; i++)
		size += lens[i] + 1;
	tag = g_malloc(size);
	p = (gchar *)(tag + n + 1);
	for (guint i = 0; i < n; i++) {
		tag[i] = p;
		memcpy(p, values[i], lens[i]);
		p[lens[i]] = '\0';
		p += lens[i] + 1;
	}
	tag[n] = NULL;
	return tag;
}

static gchar **
gs_event_tag_pack_strv(const gchar *const *strv)
{
	guint n = g_strv_length((gchar **)strv);
	g_autofree gsize *lens = g_new(gsize, n);

	for (guint i = 0; i < n; i++)
		lens[i] = strlen(strv[i]);
	return gs_event_tag_pack(n, strv, lens);
}

GsEvent *
gs_event_ref(GsEvent *self)
{
	g_return_val_if_fail(self != NULL, NULL);
	g_atomic_ref_count_inc(&self->ref);
	return self;
}

void
gs_event_unref(GsEvent *self)
{
	g_return_if_fail(self != NULL);
	if (!g_atomic_ref_count_dec(&self->ref))
		return;
	g_free(self->content);
	g_ptr_array_unref(self->tags);
	g_free(self->json);
	g_free(self);
}

static void
gs_event_append_tags(const GsEvent *self, GString *out)
{
	g_string_append_c(out, '[');
	for (guint i = 0; i < self->tags->len; i++) {
		gchar **tag = g_ptr_array_index(self->tags, i);
		if (i > 0)
			g_string_append_c(out, ',');
		g_string_append_c(out, '[');
		for (guint j = 0; tag[j] != NULL; j++) {
			if (j > 0)
				g_string_append_c(out, ',');
			gs_json_append_string(out, tag[j]);
		}
		g_string_append_c(out, ']');
	}
	g_string_append_c(out, ']');
}

/* our JSON of the event; @raw_tags and @raw_content (nullable) are texts of the tags array and
 * the content string already written exactly as this function would write them */
static void
gs_event_build_json_from(GsEvent *self,
			 const gchar *raw_tags,
			 gsize raw_tags_len,
			 const gchar *raw_content,
			 gsize raw_content_len)
{
	GString *out = g_string_sized_new(256 + raw_tags_len + raw_content_len);

	g_string_append_printf(out,
			       "{\"id\":\"%s\",\"pubkey\":\"%s\",\"created_at\":%" G_GINT64_FORMAT
			       ",\"kind\":%u,\"tags\":",
			       self->id_hex,
			       self->pubkey_hex,
			       self->created_at,
			       self->kind);
	self->tags_off = out->len;
	if (raw_tags != NULL)
		g_string_append_len(out, raw_tags, raw_tags_len);
	else
		gs_event_append_tags(self, out);
	self->tags_len = out->len - self->tags_off;
	g_string_append(out, ",\"content\":");
	self->content_off = out->len;
	if (raw_content != NULL)
		g_string_append_len(out, raw_content, raw_content_len);
	else
		gs_json_append_string(out, self->content);
	self->content_len = out->len - self->content_off;
	g_string_append_printf(out, ",\"sig\":\"%s\"}", self->sig_hex);
	self->json_len = out->len;
	self->json = g_string_free(out, FALSE);
}

static void
gs_event_build_json(GsEvent *self)
{
	gs_event_build_json_from(self, NULL, 0, NULL, 0);
}

/* takes the content and tags of @fields */
static GsEvent *
gs_event_new_from_fields(GsEventFields *fields)
{
	GsEvent *self = gs_event_alloc();

	memcpy(self->id_hex, fields->id, sizeof(self->id_hex));
	memcpy(self->pubkey_hex, fields->pubkey, sizeof(self->pubkey_hex));
	memcpy(self->sig_hex, fields->sig, sizeof(self->sig_hex));
	gs_hex_decode_to(self->id_hex, 64, self->id, 32);
	gs_hex_decode_to(self->pubkey_hex, 64, self->pubkey, 32);
	gs_hex_decode_to(self->sig_hex, 128, self->sig, 64);
	self->created_at = fields->created_at;
	self->kind = fields->kind;
	self->content = g_steal_pointer(&fields->content);
	g_ptr_array_unref(self->tags);
	self->tags = g_steal_pointer(&fields->tags);
	gs_event_build_json_from(self,
				 fields->raw_tags,
				 fields->raw_tags_len,
				 fields->raw_content,
				 fields->raw_content_len);
	return self;
}

static gboolean
gs_event_invalid(GError **error, const gchar *field, const gchar *what)
{
	g_set_error(error, GS_ERROR, GS_ERROR_INVALID_EVENT, "invalid event: %s %s", field, what);
	return FALSE;
}

static gboolean
gs_event_parse_hex_field(JsonObject *obj,
			 const gchar *field,
			 gsize nbytes,
			 guint8 *raw,
			 gchar *hex,
			 GError **error)
{
	JsonNode *node = json_object_get_member(obj, field);
	const gchar *str;

	if (node == NULL)
		return gs_event_invalid(error, field, "is missing");
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
		return gs_event_invalid(error, field, "is not a string");
	str = json_node_get_string(node);
	if (!gs_hex_is_lower(str, 2 * nbytes)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_EVENT,
			    "invalid event: %s must be %" G_GSIZE_FORMAT " lower-case hex digits",
			    field,
			    2 * nbytes);
		return FALSE;
	}
	memcpy(hex, str, 2 * nbytes + 1);
	return gs_hex_decode_to(str, 2 * nbytes, raw, nbytes);
}

static gboolean
gs_event_parse_integer(JsonObject *obj, const gchar *field, gint64 max, gint64 *out, GError **error)
{
	JsonNode *node = json_object_get_member(obj, field);
	gint64 val;

	if (node == NULL)
		return gs_event_invalid(error, field, "is missing");
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_INT64)
		return gs_event_invalid(error, field, "is not an integer");
	val = json_node_get_int(node);
	if (val < 0 || val > max) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_EVENT,
			    "invalid event: %s %" G_GINT64_FORMAT " is out of range",
			    field,
			    val);
		return FALSE;
	}
	*out = val;
	return TRUE;
}

static gboolean
gs_event_check_utf8(const gchar *str, const gchar *field, GError **error)
{
	if (!g_utf8_validate(str, -1, NULL))
		return gs_event_invalid(error, field, "is not valid UTF-8");
	return TRUE;
}

static gboolean
gs_event_parse_tags(GsEvent *self, JsonObject *obj, GError **error)
{
	JsonNode *node = json_object_get_member(obj, "tags");
	JsonArray *tags;
	guint n_tags;

	if (node == NULL)
		return gs_event_invalid(error, "tags", "is missing");
	if (!JSON_NODE_HOLDS_ARRAY(node))
		return gs_event_invalid(error, "tags", "is not an array");
	tags = json_node_get_array(node);
	n_tags = json_array_get_length(tags);
	for (guint i = 0; i < n_tags; i++) {
		JsonNode *tnode = json_array_get_element(tags, i);
		JsonArray *tag;
		guint n;
		g_autofree const gchar **values = NULL;

		if (!JSON_NODE_HOLDS_ARRAY(tnode))
			return gs_event_invalid(
				error, "tags", "has an element that is not an array");
		tag = json_node_get_array(tnode);
		n = json_array_get_length(tag);
		if (n == 0)
			return gs_event_invalid(error, "tags", "has an empty tag");
		values = g_new0(const gchar *, n + 1);
		for (guint j = 0; j < n; j++) {
			JsonNode *vnode = json_array_get_element(tag, j);
			if (!JSON_NODE_HOLDS_VALUE(vnode) ||
			    json_node_get_value_type(vnode) != G_TYPE_STRING)
				return gs_event_invalid(
					error, "tags", "has a value that is not a string");
			values[j] = json_node_get_string(vnode);
			if (!gs_event_check_utf8(values[j], "tags", error))
				return FALSE;
		}
		if (values[0][0] == '\0')
			return gs_event_invalid(error, "tags", "has a tag with an empty name");
		g_ptr_array_add(self->tags, gs_event_tag_pack_strv(values));
	}
	return TRUE;
}

/**
 * gs_event_new_from_node:
 * @node: a JSON object
 *
 * Strict NIP-01 parsing. The id and signature are not checked. Unknown members are ignored.
 *
 * Returns: (transfer full): a new event, or %NULL with %GS_ERROR_INVALID_EVENT naming the field
 */
GsEvent *
gs_event_new_from_node(JsonNode *node, GError **error)
{
	g_autoptr(GsEvent) self = gs_event_alloc();
	JsonObject *obj;
	JsonNode *cnode;
	gint64 kind = 0;

	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error_literal(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_EVENT,
				    "invalid event: not a JSON object");
		return NULL;
	}
	obj = json_node_get_object(node);
	if (!gs_event_parse_hex_field(obj, "id", 32, self->id, self->id_hex, error))
		return NULL;
	if (!gs_event_parse_hex_field(obj, "pubkey", 32, self->pubkey, self->pubkey_hex, error))
		return NULL;
	if (!gs_event_parse_hex_field(obj, "sig", 64, self->sig, self->sig_hex, error))
		return NULL;
	if (!gs_event_parse_integer(obj, "created_at", G_MAXINT64, &self->created_at, error))
		return NULL;
	if (!gs_event_parse_integer(obj, "kind", 65535, &kind, error))
		return NULL;
	self->kind = (guint)kind;
	cnode = json_object_get_member(obj, "content");
	if (cnode == NULL) {
		gs_event_invalid(error, "content", "is missing");
		return NULL;
	}
	if (!JSON_NODE_HOLDS_VALUE(cnode) || json_node_get_value_type(cnode) != G_TYPE_STRING) {
		gs_event_invalid(error, "content", "is not a string");
		return NULL;
	}
	self->content = g_strdup(json_node_get_string(cnode));
	if (!gs_event_check_utf8(self->content, "content", error))
		return NULL;
	if (!gs_event_parse_tags(self, obj, error))
		return NULL;
	gs_event_build_json(self);
	return g_steal_pointer(&self);
}

/**
 * gs_event_new_from_json:
 * @json: the event object as JSON text
 * @len: length of @json, or -1 when NUL-terminated
 *
 * Returns: (transfer full): a new event, or %NULL with %GS_ERROR_INVALID_EVENT
 */
GsEvent *
gs_event_new_from_json(const gchar *json, gssize len, GError **error)
{
	GsEventFields fields;
	GsEvent *self = NULL;

	if (len < 0)
		len = (gssize)strlen(json);
	/* the plain shape in one pass; anything else goes to the strict parser */
	if (gs_event_fields_parse(json, (gsize)len, &fields))
		self = gs_event_new_from_fields(&fields);
	gs_event_fields_clear(&fields);
	if (self != NULL)
		return self;
	return gs_event_new_from_json_strict(json, len, error);
}

/* json-glib with the depth and lexical checks of gs_json_parse(), then the field checks */
GsEvent *
gs_event_new_from_json_strict(const gchar *json, gssize len, GError **error)
{
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GError) error_local = NULL;

	root = gs_json_parse(json, len, &error_local);
	if (root == NULL) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_EVENT,
			    "invalid event: %s",
			    error_local->message);
		return NULL;
	}
	return gs_event_new_from_node(root, error);
}

/**
 * gs_event_new_signed:
 * @seckey: 32-byte secret key
 * @tags: (element-type GStrv) (nullable): tags, copied
 *
 * Builds, hashes and signs an event (BIP-340, deterministic: no auxiliary randomness).
 */
GsEvent *
gs_event_new_signed(const guint8 *seckey,
		    gint64 created_at,
		    guint kind,
		    GPtrArray *tags,
		    const gchar *content,
		    GError **error)
{
	g_autoptr(GsEvent) self = gs_event_alloc();

	g_return_val_if_fail(seckey != NULL, NULL);
	g_return_val_if_fail(created_at >= 0, NULL);
	g_return_val_if_fail(kind <= 65535, NULL);

	if (!gs_seckey_get_pubkey(seckey, self->pubkey, error))
		return NULL;
	gs_hex_encode_to(self->pubkey, 32, self->pubkey_hex);
	self->created_at = created_at;
	self->kind = kind;
	self->content = g_strdup(content != NULL ? content : "");
	if (!gs_event_check_utf8(self->content, "content", error))
		return NULL;
	for (guint i = 0; tags != NULL && i < tags->len; i++) {
		gchar **tag = g_ptr_array_index(tags, i);
		if (tag == NULL || tag[0] == NULL || tag[0][0] == '\0') {
			gs_event_invalid(error, "tags", "has a tag with an empty name");
			return NULL;
		}
		for (guint j = 0; tag[j] != NULL; j++) {
			if (!gs_event_check_utf8(tag[j], "tags", error))
				return NULL;
		}
		g_ptr_array_add(self->tags, gs_event_tag_pack_strv((const gchar *const *)tag));
	}
	gs_event_compute_id(self, self->id);
	gs_hex_encode_to(self->id, 32, self->id_hex);
	if (!gs_schnorr_sign(seckey, self->id, NULL, self->sig, error))
		return NULL;
	gs_hex_encode_to(self->sig, 64, self->sig_hex);
	gs_event_build_json(self);
	return g_steal_pointer(&self);
}

const gchar *
gs_event_get_id(const GsEvent *self)
{
	return self->id_hex;
}

const guint8 *
gs_event_get_id_raw(const GsEvent *self)
{
	return self->id;
}

const gchar *
gs_event_get_pubkey(const GsEvent *self)
{
	return self->pubkey_hex;
}

const guint8 *
gs_event_get_pubkey_raw(const GsEvent *self)
{
	return self->pubkey;
}

const gchar *
gs_event_get_sig(const GsEvent *self)
{
	return self->sig_hex;
}

gint64
gs_event_get_created_at(const GsEvent *self)
{
	return self->created_at;
}

guint
gs_event_get_kind(const GsEvent *self)
{
	return self->kind;
}

const gchar *
gs_event_get_content(const GsEvent *self)
{
	return self->content;
}

guint
gs_event_get_n_tags(const GsEvent *self)
{
	return self->tags->len;
}

/* returns: (transfer none): the NULL-terminated tag; element 0 is its name */
const gchar *const *
gs_event_get_tag(const GsEvent *self, guint idx)
{
	g_return_val_if_fail(idx < self->tags->len, NULL);
	return (const gchar *const *)g_ptr_array_index(self->tags, idx);
}

/* returns: (nullable): element 1 of the first tag called @name that has one */
const gchar *
gs_event_get_tag_value(const GsEvent *self, const gchar *name)
{
	for (guint i = 0; i < self->tags->len; i++) {
		gchar **tag = g_ptr_array_index(self->tags, i);
		if (tag[1] != NULL && g_strcmp0(tag[0], name) == 0)
			return tag[1];
	}
	return NULL;
}

/* returns: (transfer container) (element-type utf8): element 1 of every tag called @name, in
 * order; the strings belong to the event */
GPtrArray *
gs_event_get_tag_values(const GsEvent *self, const gchar *name)
{
	GPtrArray *values = g_ptr_array_new();
	for (guint i = 0; i < self->tags->len; i++) {
		gchar **tag = g_ptr_array_index(self->tags, i);
		if (tag[1] != NULL && g_strcmp0(tag[0], name) == 0)
			g_ptr_array_add(values, tag[1]);
	}
	return values;
}

/* returns: (nullable): the `d` tag's value; addressable events without one have d = "" */
const gchar *
gs_event_get_d_tag(const GsEvent *self)
{
	const gchar *d = gs_event_get_tag_value(self, "d");
	if (d == NULL && gs_kind_is_addressable(self->kind))
		return "";
	return d;
}

/* returns: (nullable): `kind:pubkey:d` for addressable and `kind:pubkey:` for replaceable
 * events, %NULL for others */
gchar *
gs_event_dup_coordinate(const GsEvent *self)
{
	if (gs_kind_is_addressable(self->kind))
		return gs_coordinate_build(self->kind, self->pubkey_hex, gs_event_get_d_tag(self));
	if (gs_kind_is_replaceable(self->kind))
		return gs_coordinate_build(self->kind, self->pubkey_hex, "");
	return NULL;
}

/* our compact JSON of the event: fixed member order, NIP-01 escaping, unknown members dropped */
const gchar *
gs_event_get_json(const GsEvent *self)
{
	return self->json;
}

gsize
gs_event_get_json_size(const GsEvent *self)
{
	return self->json_len;
}

/* the NIP-01 serialisation the id is the SHA-256 of: [0,pubkey,created_at,kind,tags,content] */
gchar *
gs_event_serialize_canonical(const GsEvent *self)
{
	GString *out = g_string_sized_new(128 + strlen(self->content));
	g_string_append_printf(out,
			       "[0,\"%s\",%" G_GINT64_FORMAT ",%u,",
			       self->pubkey_hex,
			       self->created_at,
			       self->kind);
	gs_event_append_tags(self, out);
	g_string_append_c(out, ',');
	gs_json_append_string(out, self->content);
	g_string_append_c(out, ']');
	return g_string_free(out, FALSE);
}

/* @out: 32 bytes; the SHA-256 of gs_event_serialize_canonical(), hashed from the parts of
 * our JSON that it shares instead of being built */
void
gs_event_compute_id(const GsEvent *self, guint8 *out)
{
	gchar head[128];
	gint head_len = g_snprintf(head,
				   sizeof(head),
				   "[0,\"%s\",%" G_GINT64_FORMAT ",%u,",
				   self->pubkey_hex,
				   self->created_at,
				   self->kind);
	GsSha256 ctx;

	if (self->json == NULL) {
		/* still being built (gs_event_new_signed()) */
		g_autofree gchar *canon = gs_event_serialize_canonical(self);
		gs_sha256((const guint8 *)canon, strlen(canon), out);
		return;
	}
	gs_sha256_init(&ctx);
	gs_sha256_update(&ctx, (const guint8 *)head, (gsize)head_len);
	gs_sha256_update(&ctx, (const guint8 *)self->json + self->tags_off, self->tags_len);
	gs_sha256_update(&ctx, (const guint8 *)",", 1);
	gs_sha256_update(&ctx, (const guint8 *)self->json + self->content_off, self->content_len);
	gs_sha256_update(&ctx, (const guint8 *)"]", 1);
	gs_sha256_final(&ctx, out);
}

gboolean
gs_event_check_id(const GsEvent *self, GError **error)
{
	guint8 id[32];
	gs_event_compute_id(self, id);
	if (memcmp(id, self->id, 32) != 0) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_BAD_SIGNATURE,
			    "event id %s does not match its content",
			    self->id_hex);
		return FALSE;
	}
	return TRUE;
}

/* BIP-340 over the id; the id itself is not recomputed here */
gboolean
gs_event_check_signature(const GsEvent *self, GError **error)
{
	if (!gs_schnorr_verify(self->pubkey, self->id, self->sig, error)) {
		g_prefix_error(error, "event %s: ", self->id_hex);
		return FALSE;
	}
	return TRUE;
}

gboolean
gs_event_verify(const GsEvent *self, GError **error)
{
	return gs_event_check_id(self, error) && gs_event_check_signature(self, error);
}

gboolean
gs_kind_is_replaceable(guint kind)
{
	return kind == 0 || kind == 3 || (kind >= 10000 && kind < 20000);
}

gboolean
gs_kind_is_ephemeral(guint kind)
{
	return kind >= 20000 && kind < 30000;
}

gboolean
gs_kind_is_addressable(guint kind)
{
	return kind >= 30000 && kind < 40000;
}

/**
 * gs_coordinate_parse:
 * @coordinate: `kind:pubkey:d`; d may be empty and may itself contain ':'
 *
 * Returns: %TRUE when kind is a decimal 0..65535 without leading zeros and pubkey 64
 *   lower-case hex digits; otherwise %GS_ERROR_INVALID_ARGUMENT
 */
gboolean
gs_coordinate_parse(const gchar *coordinate, guint *kind, gchar **pubkey, gchar **d, GError **error)
{
	const gchar *c1 = strchr(coordinate, ':');
	const gchar *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	guint k = 0;
	gboolean ok = c1 != NULL && c2 != NULL && c1 != coordinate && c1 - coordinate <= 5 &&
		      c2 - c1 - 1 == 64;

	/* the kind in canonical decimal only ("030617" would parse as 30617 but name a
	 * different index key than gs_coordinate_build() makes), up to 65535; the pubkey in
	 * lower-case hex. Checked in place: the policy parses a coordinate for most events. */
	ok = ok && !(coordinate[0] == '0' && c1 - coordinate > 1);
	for (const gchar *p = coordinate; ok && p < c1; p++) {
		ok = *p >= '0' && *p <= '9';
		k = k * 10 + (guint)(*p - '0');
	}
	for (const gchar *p = c1 + 1; ok && p < c2; p++)
		ok = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
	if (!ok || k > 65535) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "not a coordinate kind:pubkey:d: %.80s",
			    coordinate);
		return FALSE;
	}
	if (kind != NULL)
		*kind = k;
	if (pubkey != NULL)
		*pubkey = g_strndup(c1 + 1, 64);
	if (d != NULL)
		*d = g_strdup(c2 + 1);
	return TRUE;
}

gchar *
gs_coordinate_build(guint kind, const gchar *pubkey, const gchar *d)
{
	return g_strdup_printf("%u:%s:%s", kind, pubkey, d != NULL ? d : "");
}
