/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsMessage"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-filter-private.h"
#include "gs-hex.h"
#include "gs-json.h"
#include "gs-message.h"

static const gchar *gs_message_verbs[] = {
	[GS_MESSAGE_EVENT] = "EVENT",
	[GS_MESSAGE_REQ] = "REQ",
	[GS_MESSAGE_CLOSE] = "CLOSE",
	[GS_MESSAGE_AUTH] = "AUTH",
	[GS_MESSAGE_COUNT] = "COUNT",
	[GS_MESSAGE_OK] = "OK",
	[GS_MESSAGE_EOSE] = "EOSE",
	[GS_MESSAGE_CLOSED] = "CLOSED",
	[GS_MESSAGE_NOTICE] = "NOTICE",
	[GS_MESSAGE_NEG_OPEN] = "NEG-OPEN",
	[GS_MESSAGE_NEG_MSG] = "NEG-MSG",
	[GS_MESSAGE_NEG_CLOSE] = "NEG-CLOSE",
	[GS_MESSAGE_NEG_ERR] = "NEG-ERR",
};

const gchar *
gs_message_type_to_string(GsMessageType type)
{
	if ((guint)type >= G_N_ELEMENTS(gs_message_verbs))
		return "UNKNOWN";
	return gs_message_verbs[type];
}

void
gs_message_free(GsMessage *msg)
{
	if (msg == NULL)
		return;
	g_free(msg->sub_id);
	if (msg->event != NULL)
		json_node_unref(msg->event);
	if (msg->filters != NULL)
		g_ptr_array_unref(msg->filters);
	g_free(msg->text);
	g_free(msg->event_id);
	g_free(msg);
}

static gboolean
gs_message_bad(GError **error, const gchar *verb, const gchar *what)
{
	g_set_error(error, GS_ERROR, GS_ERROR_PROTOCOL, "bad %s message: %s", verb, what);
	return FALSE;
}

/* the element at @idx as a string, or an error naming the verb */
static gboolean
gs_message_get_string(JsonArray *arr, guint idx, const gchar *verb, gchar **out, GError **error)
{
	JsonNode *node;

	if (idx >= json_array_get_length(arr))
		return gs_message_bad(error, verb, "too few elements");
	node = json_array_get_element(arr, idx);
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING)
		return gs_message_bad(error, verb, "expected a string");
	*out = g_strdup(json_node_get_string(node));
	return TRUE;
}

static gboolean
gs_message_get_object(JsonArray *arr, guint idx, const gchar *verb, JsonNode **out, GError **error)
{
	JsonNode *node;

	if (idx >= json_array_get_length(arr))
		return gs_message_bad(error, verb, "too few elements");
	node = json_array_get_element(arr, idx);
	if (!JSON_NODE_HOLDS_OBJECT(node))
		return gs_message_bad(error, verb, "expected an object");
	*out = json_node_ref(node);
	return TRUE;
}

static gboolean
gs_message_check_len(JsonArray *arr, guint min, guint max, const gchar *verb, GError **error)
{
	guint len = json_array_get_length(arr);
	if (len < min)
		return gs_message_bad(error, verb, "too few elements");
	if (len > max)
		return gs_message_bad(error, verb, "too many elements");
	return TRUE;
}

/* REQ and COUNT: ["REQ", sub, filter, ...] with at least one filter */
static gboolean
gs_message_parse_filters(GsMessage *msg, JsonArray *arr, const gchar *verb, GError **error)
{
	guint len = json_array_get_length(arr);

	if (!gs_message_get_string(arr, 1, verb, &msg->sub_id, error))
		return FALSE;
	if (len < 3)
		return gs_message_bad(error, verb, "no filter");
	msg->filters = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
	for (guint i = 2; i < len; i++) {
		JsonNode *node = json_array_get_element(arr, i);
		if (!JSON_NODE_HOLDS_OBJECT(node))
			return gs_message_bad(error, verb, "a filter is not an object");
		g_ptr_array_add(msg->filters, json_node_ref(node));
	}
	return TRUE;
}

static gboolean
gs_message_parse_ok(GsMessage *msg, JsonArray *arr, GError **error)
{
	JsonNode *node;

	if (!gs_message_check_len(arr, 3, 4, "OK", error))
		return FALSE;
	if (!gs_message_get_string(arr, 1, "OK", &msg->event_id, error))
		return FALSE;
	if (!gs_hex_is_lower(msg->event_id, 64))
		return gs_message_bad(error, "OK", "event id is not 64 lower-case hex digits");
	node = json_array_get_element(arr, 2);
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_BOOLEAN)
		return gs_message_bad(error, "OK", "expected a boolean");
	msg->ok = json_node_get_boolean(node);
	if (json_array_get_length(arr) == 4)
		return gs_message_get_string(arr, 3, "OK", &msg->text, error);
	msg->text = g_strdup("");
	return TRUE;
}

static gboolean
gs_message_parse_neg(GsMessage *msg, JsonArray *arr, const gchar *verb, GError **error)
{
	JsonNode *filter = NULL;

	if (!gs_message_get_string(arr, 1, verb, &msg->sub_id, error))
		return FALSE;
	switch (msg->type) {
	case GS_MESSAGE_NEG_OPEN:
		/* the pre-v1 draft had 5 elements; it is not supported */
		if (!gs_message_check_len(arr, 4, 4, verb, error))
			return FALSE;
		if (!gs_message_get_object(arr, 2, verb, &filter, error))
			return FALSE;
		msg->filters = g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
		g_ptr_array_add(msg->filters, filter);
		return gs_message_get_string(arr, 3, verb, &msg->text, error);
	case GS_MESSAGE_NEG_MSG:
		return gs_message_check_len(arr, 3, 3, verb, error) &&
		       gs_message_get_string(arr, 2, verb, &msg->text, error);
	case GS_MESSAGE_NEG_ERR:
		/* strfry adds a 4th element (a limit) after "blocked: ..." */
		return gs_message_check_len(arr, 3, 4, verb, error) &&
		       gs_message_get_string(arr, 2, verb, &msg->text, error);
	case GS_MESSAGE_NEG_CLOSE:
		return gs_message_check_len(arr, 2, 2, verb, error);
	default:
		return gs_message_bad(error, verb, "not a NIP-77 verb");
	}
}

static gboolean
gs_message_parse_client(GsMessage *msg, JsonArray *arr, const gchar *verb, GError **error)
{
	switch (msg->type) {
	case GS_MESSAGE_EVENT:
	case GS_MESSAGE_AUTH:
		return gs_message_check_len(arr, 2, 2, verb, error) &&
		       gs_message_get_object(arr, 1, verb, &msg->event, error);
	case GS_MESSAGE_REQ:
	case GS_MESSAGE_COUNT:
		return gs_message_parse_filters(msg, arr, verb, error);
	case GS_MESSAGE_CLOSE:
		return gs_message_check_len(arr, 2, 2, verb, error) &&
		       gs_message_get_string(arr, 1, verb, &msg->sub_id, error);
	case GS_MESSAGE_NEG_OPEN:
	case GS_MESSAGE_NEG_MSG:
	case GS_MESSAGE_NEG_CLOSE:
		return gs_message_parse_neg(msg, arr, verb, error);
	default:
		return gs_message_bad(error, verb, "not sent by clients");
	}
}

static gboolean
gs_message_parse_relay(GsMessage *msg, JsonArray *arr, const gchar *verb, GError **error)
{
	switch (msg->type) {
	case GS_MESSAGE_EVENT:
		return gs_message_check_len(arr, 3, 3, verb, error) &&
		       gs_message_get_string(arr, 1, verb, &msg->sub_id, error) &&
		       gs_message_get_object(arr, 2, verb, &msg->event, error);
	case GS_MESSAGE_OK:
		return gs_message_parse_ok(msg, arr, error);
	case GS_MESSAGE_EOSE:
		return gs_message_check_len(arr, 2, 2, verb, error) &&
		       gs_message_get_string(arr, 1, verb, &msg->sub_id, error);
	case GS_MESSAGE_CLOSED:
		if (!gs_message_check_len(arr, 2, 3, verb, error) ||
		    !gs_message_get_string(arr, 1, verb, &msg->sub_id, error))
			return FALSE;
		if (json_array_get_length(arr) == 3)
			return gs_message_get_string(arr, 2, verb, &msg->text, error);
		msg->text = g_strdup("");
		return TRUE;
	case GS_MESSAGE_NOTICE:
	case GS_MESSAGE_AUTH:
		return gs_message_check_len(arr, 2, 2, verb, error) &&
		       gs_message_get_string(arr, 1, verb, &msg->text, error);
	case GS_MESSAGE_COUNT:
		return gs_message_check_len(arr, 3, 3, verb, error) &&
		       gs_message_get_string(arr, 1, verb, &msg->sub_id, error) &&
		       gs_message_get_object(arr, 2, verb, &msg->event, error);
	case GS_MESSAGE_NEG_MSG:
	case GS_MESSAGE_NEG_ERR:
		return gs_message_parse_neg(msg, arr, verb, error);
	default:
		return gs_message_bad(error, verb, "not sent by relays");
	}
}

static gboolean
gs_message_lookup_verb(const gchar *verb, GsMessageType *type)
{
	for (guint i = 0; i < G_N_ELEMENTS(gs_message_verbs); i++) {
		if (g_strcmp0(verb, gs_message_verbs[i]) == 0) {
			*type = (GsMessageType)i;
			return TRUE;
		}
	}
	return FALSE;
}

/**
 * gs_message_parse:
 * @origin: who sent it; decides which verbs and shapes are valid
 *
 * Returns: (transfer full): the message, or %NULL with %GS_ERROR_PROTOCOL (malformed JSON, not
 * an array, unknown verb, wrong shape); the error message is fit for a NOTICE.
 */
GsMessage *
gs_message_parse(const gchar *data, gsize len, GsMessageOrigin origin, GError **error)
{
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(GsMessage) msg = g_new0(GsMessage, 1);
	g_autofree gchar *verb = NULL;
	JsonArray *arr;
	gboolean ok;

	root = gs_json_parse(data, (gssize)len, error);
	if (root == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_ARRAY(root)) {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_PROTOCOL, "message is not a JSON array");
		return NULL;
	}
	arr = json_node_get_array(root);
	if (!gs_message_get_string(arr, 0, "message", &verb, error))
		return NULL;
	if (!gs_message_lookup_verb(verb, &msg->type)) {
		g_set_error(error, GS_ERROR, GS_ERROR_PROTOCOL, "unknown message type %.32s", verb);
		return NULL;
	}
	if (origin == GS_MESSAGE_FROM_CLIENT)
		ok = gs_message_parse_client(msg, arr, verb, error);
	else
		ok = gs_message_parse_relay(msg, arr, verb, error);
	if (!ok)
		return NULL;
	return g_steal_pointer(&msg);
}

static gsize
gs_message_skip_ws(const gchar *data, gsize len, gsize pos)
{
	while (pos < len &&
	       (data[pos] == ' ' || data[pos] == '\t' || data[pos] == '\n' || data[pos] == '\r'))
		pos++;
	return pos;
}

/* position just after the closing quote of the JSON string starting at @pos, or 0 */
static gsize
gs_message_skip_string(const gchar *data, gsize len, gsize pos)
{
	if (pos >= len || data[pos] != '"')
		return 0;
	for (pos++; pos < len; pos++) {
		if (data[pos] == '\\')
			pos++;
		else if (data[pos] == '"')
			return pos + 1;
	}
	return 0;
}

static gboolean
gs_message_expect(const gchar *data, gsize len, gsize *pos, gchar c)
{
	*pos = gs_message_skip_ws(data, len, *pos);
	if (*pos >= len || data[*pos] != c)
		return FALSE;
	(*pos)++;
	return TRUE;
}

/**
 * gs_message_peek_event:
 * @sub_id: (out) (optional): the subscription id of a relay EVENT (plain ids only: an id with
 *   escapes is left to gs_message_parse())
 * @event_offset: (out): where the event object starts in @data
 * @event_len: (out): its length
 *
 * The hot path for EVENT messages: finds the event object without building a JSON tree, so
 * that parsing and verification can happen on a worker thread. It only locates; the event
 * parser validates. Returns %FALSE for anything that is not a plain EVENT message, in which
 * case the caller uses gs_message_parse().
 */
gboolean
gs_message_peek_event(const gchar *data,
		      gsize len,
		      GsMessageOrigin origin,
		      gchar **sub_id,
		      gsize *event_offset,
		      gsize *event_len)
{
	gsize pos = 0;
	gsize end = len;
	gsize sub_start;

	if (!gs_message_expect(data, len, &pos, '['))
		return FALSE;
	pos = gs_message_skip_ws(data, len, pos);
	if (len - pos < 7 || memcmp(data + pos, "\"EVENT\"", 7) != 0)
		return FALSE;
	pos += 7;
	if (!gs_message_expect(data, len, &pos, ','))
		return FALSE;
	if (origin == GS_MESSAGE_FROM_RELAY) {
		pos = gs_message_skip_ws(data, len, pos);
		gsize sub_end;
		sub_start = pos;
		sub_end = gs_message_skip_string(data, len, pos);
		if (sub_end == 0 || memchr(data + sub_start, '\\', sub_end - sub_start) != NULL)
			return FALSE;
		pos = sub_end;
		if (!gs_message_expect(data, len, &pos, ','))
			return FALSE;
		if (sub_id != NULL)
			*sub_id = g_strndup(data + sub_start + 1, sub_end - sub_start - 2);
	}
	pos = gs_message_skip_ws(data, len, pos);
	while (end > pos && (data[end - 1] == ' ' || data[end - 1] == '\n' ||
			     data[end - 1] == '\r' || data[end - 1] == '\t'))
		end--;
	if (end <= pos + 1 || data[end - 1] != ']' || data[pos] != '{') {
		if (sub_id != NULL)
			g_clear_pointer(sub_id, g_free);
		return FALSE;
	}
	end--;
	while (end > pos && (data[end - 1] == ' ' || data[end - 1] == '\n' ||
			     data[end - 1] == '\r' || data[end - 1] == '\t'))
		end--;
	*event_offset = pos;
	*event_len = end - pos;
	return TRUE;
}

/* position just after the JSON value starting at @pos (a scan: it only balances brackets and
 * skips strings), or 0 when the input ends first */
static gsize
gs_message_skip_value(const gchar *data, gsize len, gsize pos)
{
	gsize depth = 0;

	while (pos < len) {
		gchar c = data[pos];
		if (c == '"') {
			pos = gs_message_skip_string(data, len, pos);
			if (pos == 0)
				return 0;
		} else if (c == '{' || c == '[') {
			depth++;
			pos++;
		} else if (c == '}' || c == ']') {
			if (depth == 0)
				return pos;
			depth--;
			pos++;
		} else if (c == ',' && depth == 0) {
			return pos;
		} else {
			pos++;
		}
		if (depth == 0 && (c == '"' || c == '}' || c == ']'))
			return pos;
	}
	return 0;
}

/**
 * gs_message_peek_event_id:
 * @event_json: an event object, e.g. as located by gs_message_peek_event()
 * @id_out: (out caller-allocates): 65 bytes for the id and its NUL
 *
 * Finds the top-level `id` member without parsing the event, so that the relay endpoint can
 * name an event in its OK answer (for example when refusing it) while the parse and the
 * checks happen on the ingest's worker threads. Nothing is validated beyond the id's form.
 *
 * Returns: %TRUE when the object has a top-level `id` of 64 lower-case hex digits
 */
gboolean
gs_message_peek_event_id(const gchar *event_json, gsize len, gchar *id_out)
{
	gsize pos = 0;

	if (!gs_message_expect(event_json, len, &pos, '{'))
		return FALSE;
	for (;;) {
		gsize key = gs_message_skip_ws(event_json, len, pos);
		gsize key_end = gs_message_skip_string(event_json, len, key);
		if (key_end == 0)
			return FALSE;
		pos = key_end;
		if (!gs_message_expect(event_json, len, &pos, ':'))
			return FALSE;
		pos = gs_message_skip_ws(event_json, len, pos);
		if (key_end - key == 4 && memcmp(event_json + key, "\"id\"", 4) == 0) {
			if (len - pos < 66 || event_json[pos] != '"' || event_json[pos + 65] != '"')
				return FALSE;
			memcpy(id_out, event_json + pos + 1, 64);
			id_out[64] = '\0';
			return gs_hex_is_lower(id_out, 64);
		}
		pos = gs_message_skip_value(event_json, len, pos);
		if (pos == 0 || !gs_message_expect(event_json, len, &pos, ','))
			return FALSE;
	}
}

/* a plain JSON string at @pos (no escapes, no control characters): its end, or 0 */
static gsize
gs_message_plain_string(const gchar *data, gsize len, gsize pos)
{
	if (pos >= len || data[pos] != '"')
		return 0;
	for (pos++; pos < len; pos++) {
		if (data[pos] == '"')
			return pos + 1;
		if (data[pos] == '\\' || (guchar)data[pos] < 0x20)
			return 0;
	}
	return 0;
}

static gboolean
gs_message_peek_literal(const gchar *data, gsize len, gsize *pos, const gchar *word)
{
	gsize n = strlen(word);

	*pos = gs_message_skip_ws(data, len, *pos);
	if (len - *pos < n || memcmp(data + *pos, word, n) != 0)
		return FALSE;
	*pos += n;
	return TRUE;
}

/**
 * gs_message_peek_ok:
 * @data: a text message (valid UTF-8, as websocket text is)
 * @id_out: (out caller-allocates): 65 bytes for the event id and its NUL (written even when
 *   the message is not a plain OK)
 * @accepted: (out): the OK's boolean
 * @text: (out) (transfer full): its message, "" when it has none
 *
 * The hot path for OK answers (a home relay answers every event we publish): reads
 * `["OK","<id>",true|false,"<message>"]` without building a JSON tree. Only plain messages
 * are taken (strings without escapes or control characters, nothing after the array);
 * anything else returns %FALSE and is left to gs_message_parse(), which also reports what is
 * wrong with it.
 */
gboolean
gs_message_peek_ok(const gchar *data, gsize len, gchar *id_out, gboolean *accepted, gchar **text)
{
	gsize pos = 0, id_start, end;
	gsize text_start = 0, text_end = 0;
	gboolean ok;

	if (!gs_message_peek_literal(data, len, &pos, "[") ||
	    !gs_message_peek_literal(data, len, &pos, "\"OK\"") ||
	    !gs_message_peek_literal(data, len, &pos, ","))
		return FALSE;
	id_start = gs_message_skip_ws(data, len, pos);
	if (len - id_start < 66 || data[id_start] != '"' || data[id_start + 65] != '"')
		return FALSE;
	memcpy(id_out, data + id_start + 1, 64);
	id_out[64] = '\0';
	if (!gs_hex_is_lower(id_out, 64))
		return FALSE;
	pos = id_start + 66;
	if (!gs_message_peek_literal(data, len, &pos, ","))
		return FALSE;
	ok = gs_message_peek_literal(data, len, &pos, "true");
	if (!ok && !gs_message_peek_literal(data, len, &pos, "false"))
		return FALSE;
	if (gs_message_peek_literal(data, len, &pos, ",")) {
		text_start = gs_message_skip_ws(data, len, pos);
		text_end = gs_message_plain_string(data, len, text_start);
		if (text_end == 0)
			return FALSE;
		pos = text_end;
	}
	if (!gs_message_peek_literal(data, len, &pos, "]"))
		return FALSE;
	end = gs_message_skip_ws(data, len, pos);
	if (end != len)
		return FALSE;
	*accepted = ok;
	*text = text_end > 0 ? g_strndup(data + text_start + 1, text_end - text_start - 2)
			     : g_strdup("");
	return TRUE;
}

/**
 * gs_message_peek_req:
 * @data: a client's text message
 * @sub_id: (out) (transfer full): the subscription id
 * @filters: (out) (transfer full) (element-type GsFilter): the filters, at least one
 *
 * The hot path for REQ messages: a syncing peer pages its history through megabytes of REQs
 * of many filters. `["REQ", "<sub>", {filter}, ...]` in the plain form of gs_filter_scan()
 * (strings without escapes, integers without a sign, fraction or exponent, each member at
 * most once) is read straight into filters, without a JSON tree. Anything else returns %FALSE,
 * and the caller uses gs_message_parse() and gs_filter_new_from_node(), which also say what is
 * wrong with it: what this accepts, they accept, with the same subscription id and filters.
 * The subscription id is not checked here (its length and emptiness are the caller's limits).
 *
 * Returns: %TRUE when the message is a REQ in the plain form
 */
gboolean
gs_message_peek_req(const gchar *data, gsize len, gchar **sub_id, GPtrArray **filters)
{
	GsFilterScan s = {data, len, 0, 0};
	g_autoptr(GPtrArray) out = NULL;
	gsize verb, verb_end, sub, sub_end;

	if (!gs_filter_scan_char(&s, '[') || !gs_filter_scan_string(&s, &verb, &verb_end) ||
	    verb_end - verb != 3 || memcmp(data + verb, "REQ", 3) != 0 ||
	    !gs_filter_scan_char(&s, ',') || !gs_filter_scan_string(&s, &sub, &sub_end))
		return FALSE;
	out = g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	while (gs_filter_scan_char(&s, ',')) {
		GsFilter *filter = gs_filter_scan(&s);
		if (filter == NULL)
			return FALSE;
		g_ptr_array_add(out, filter);
	}
	if (out->len == 0 || !gs_filter_scan_char(&s, ']') || !gs_filter_scan_end(&s))
		return FALSE;
	/* only UTF-8 is taken here (websocket text always is): what json-glib does with the rest
	 * is left to it */
	if ((s.bytes & 0x80) != 0 && !g_utf8_validate_len(data, len, NULL))
		return FALSE;
	*sub_id = g_strndup(data + sub, sub_end - sub);
	*filters = g_steal_pointer(&out);
	return TRUE;
}

static gchar *
gs_message_build_strings(const gchar *verb, const gchar *a, const gchar *b)
{
	GString *out = g_string_new("[");
	gs_json_append_string(out, verb);
	if (a != NULL) {
		g_string_append_c(out, ',');
		gs_json_append_string(out, a);
	}
	if (b != NULL) {
		g_string_append_c(out, ',');
		gs_json_append_string(out, b);
	}
	g_string_append_c(out, ']');
	return g_string_free(out, FALSE);
}

/* @filters: (element-type JsonNode) */
gchar *
gs_message_build_req(const gchar *sub_id, GPtrArray *filters)
{
	GString *out = g_string_new("[\"REQ\",");
	gs_json_append_string(out, sub_id);
	for (guint i = 0; i < filters->len; i++) {
		g_autofree gchar *json = json_to_string(g_ptr_array_index(filters, i), FALSE);
		g_string_append_c(out, ',');
		g_string_append(out, json);
	}
	g_string_append_c(out, ']');
	return g_string_free(out, FALSE);
}

gchar *
gs_message_build_close(const gchar *sub_id)
{
	return gs_message_build_strings("CLOSE", sub_id, NULL);
}

gchar *
gs_message_build_client_event(const GsEvent *event)
{
	return g_strdup_printf("[\"EVENT\",%s]", gs_event_get_json(event));
}

gchar *
gs_message_build_auth(const GsEvent *event)
{
	return g_strdup_printf("[\"AUTH\",%s]", gs_event_get_json(event));
}

gchar *
gs_message_build_event(const gchar *sub_id, const GsEvent *event)
{
	GString *out = g_string_sized_new(gs_event_get_json_size(event) + 32);
	g_string_append(out, "[\"EVENT\",");
	gs_json_append_string(out, sub_id);
	g_string_append_c(out, ',');
	g_string_append_len(out, gs_event_get_json(event), gs_event_get_json_size(event));
	g_string_append_c(out, ']');
	return g_string_free(out, FALSE);
}

gchar *
gs_message_build_eose(const gchar *sub_id)
{
	return gs_message_build_strings("EOSE", sub_id, NULL);
}

gchar *
gs_message_build_ok(const gchar *event_id, gboolean accepted, const gchar *message)
{
	/* sized for the usual case (a hex id, a short text, nothing to escape): one allocation */
	GString *out = g_string_sized_new(96 + (message != NULL ? strlen(message) : 0));

	g_string_append(out, "[\"OK\",");
	gs_json_append_string(out, event_id);
	g_string_append(out, accepted ? ",true," : ",false,");
	gs_json_append_string(out, message != NULL ? message : "");
	g_string_append_c(out, ']');
	return g_string_free(out, FALSE);
}

gchar *
gs_message_build_closed(const gchar *sub_id, const gchar *message)
{
	return gs_message_build_strings("CLOSED", sub_id, message != NULL ? message : "");
}

gchar *
gs_message_build_notice(const gchar *message)
{
	return gs_message_build_strings("NOTICE", message, NULL);
}

gchar *
gs_message_build_auth_challenge(const gchar *challenge)
{
	return gs_message_build_strings("AUTH", challenge, NULL);
}

/* NIP-45 answer: ["COUNT", sub, {"count": n}], with "approximate": true when it is an estimate */
gchar *
gs_message_build_count(const gchar *sub_id, guint64 count, gboolean approximate)
{
	GString *out = g_string_new("[\"COUNT\",");
	gs_json_append_string(out, sub_id);
	g_string_append_printf(out, ",{\"count\":%" G_GUINT64_FORMAT, count);
	if (approximate)
		g_string_append(out, ",\"approximate\":true");
	g_string_append(out, "}]");
	return g_string_free(out, FALSE);
}

/**
 * gs_message_split_prefix:
 * @text: an OK/CLOSED/NEG-ERR message
 * @rest: (out) (optional): the text after the prefix and its spaces
 *
 * NIP-01 machine-readable prefixes are lower-case words ending in ':' ("rate-limited: slow
 * down"). strfry's "ERROR: bad req" is not one.
 *
 * Returns: (transfer full) (nullable): the prefix without the colon, or %NULL when none
 */
gchar *
gs_message_split_prefix(const gchar *text, const gchar **rest)
{
	const gchar *p = text;

	while (*p != '\0' && ((*p >= 'a' && *p <= 'z') || *p == '-'))
		p++;
	if (p == text || *p != ':') {
		if (rest != NULL)
			*rest = text;
		return NULL;
	}
	if (rest != NULL) {
		const gchar *r = p + 1;
		while (*r == ' ')
			r++;
		*rest = r;
	}
	return g_strndup(text, p - text);
}
