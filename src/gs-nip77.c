/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsNegentropy"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-json.h"
#include "gs-nip77.h"

static const gchar *const labels[] = {"NEG-OPEN", "NEG-MSG", "NEG-CLOSE", "NEG-ERR"};

const gchar *
gs_nip77_type_to_string(GsNip77Type type)
{
	g_return_val_if_fail(type <= GS_NIP77_TYPE_ERR, NULL);
	return labels[type];
}

/* TRUE if @label is one of the four NIP-77 message labels */
gboolean
gs_nip77_type_from_string(const gchar *label, GsNip77Type *type)
{
	for (guint i = 0; i < G_N_ELEMENTS(labels); i++) {
		if (g_strcmp0(label, labels[i]) == 0) {
			if (type != NULL)
				*type = (GsNip77Type)i;
			return TRUE;
		}
	}
	return FALSE;
}

/* ["LABEL","sub id" */
static GString *
gs_nip77_start(GsNip77Type type, const gchar *sub_id)
{
	GString *out = g_string_new("[\"");
	g_string_append(out, labels[type]);
	g_string_append(out, "\",");
	gs_json_append_string(out, sub_id);
	return out;
}

static void
gs_nip77_append_hex(GString *out, GBytes *payload)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(payload, &len);
	gsize at = out->len;

	g_string_append_c(out, '"');
	g_string_set_size(out, at + 1 + 2 * len);
	gs_hex_encode_to(data, len, out->str + at + 1);
	g_string_append_c(out, '"');
}

/* Returns: (transfer full): ["NEG-OPEN",sub_id,filter,hex] */
gchar *
gs_nip77_open_new(const gchar *sub_id, JsonNode *filter, GBytes *payload)
{
	g_autofree gchar *filter_json = NULL;

	g_return_val_if_fail(sub_id != NULL, NULL);
	g_return_val_if_fail(filter != NULL && JSON_NODE_HOLDS_OBJECT(filter), NULL);
	g_return_val_if_fail(payload != NULL, NULL);

	filter_json = json_to_string(filter, FALSE);
	return gs_nip77_open_new_text(sub_id, filter_json, payload);
}

/**
 * gs_nip77_open_new_text:
 * @filter_json: the filter as compact JSON text (e.g. gs_filter_to_json())
 *
 * As gs_nip77_open_new(), for a filter already written as JSON (no JsonNode built).
 *
 * Returns: (transfer full): ["NEG-OPEN",sub_id,filter,hex]
 */
gchar *
gs_nip77_open_new_text(const gchar *sub_id, const gchar *filter_json, GBytes *payload)
{
	g_autoptr(GString) out = NULL;

	g_return_val_if_fail(sub_id != NULL, NULL);
	g_return_val_if_fail(filter_json != NULL && filter_json[0] == '{', NULL);
	g_return_val_if_fail(payload != NULL, NULL);

	out = gs_nip77_start(GS_NIP77_TYPE_OPEN, sub_id);
	g_string_append_c(out, ',');
	g_string_append(out, filter_json);
	g_string_append_c(out, ',');
	gs_nip77_append_hex(out, payload);
	g_string_append_c(out, ']');
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Returns: (transfer full): ["NEG-MSG",sub_id,hex] */
gchar *
gs_nip77_msg_new(const gchar *sub_id, GBytes *payload)
{
	g_autoptr(GString) out = NULL;

	g_return_val_if_fail(sub_id != NULL, NULL);
	g_return_val_if_fail(payload != NULL, NULL);

	out = gs_nip77_start(GS_NIP77_TYPE_MSG, sub_id);
	g_string_append_c(out, ',');
	gs_nip77_append_hex(out, payload);
	g_string_append_c(out, ']');
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Returns: (transfer full): ["NEG-CLOSE",sub_id] */
gchar *
gs_nip77_close_new(const gchar *sub_id)
{
	g_autoptr(GString) out = NULL;

	g_return_val_if_fail(sub_id != NULL, NULL);
	out = gs_nip77_start(GS_NIP77_TYPE_CLOSE, sub_id);
	g_string_append_c(out, ']');
	return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Returns: (transfer full): ["NEG-ERR",sub_id,reason] */
gchar *
gs_nip77_err_new(const gchar *sub_id, const gchar *reason)
{
	g_autoptr(GString) out = NULL;

	g_return_val_if_fail(sub_id != NULL, NULL);
	g_return_val_if_fail(reason != NULL, NULL);
	out = gs_nip77_start(GS_NIP77_TYPE_ERR, sub_id);
	g_string_append_c(out, ',');
	gs_json_append_string(out, reason);
	g_string_append_c(out, ']');
	return g_string_free(g_steal_pointer(&out), FALSE);
}

void
gs_nip77_message_free(GsNip77Message *msg)
{
	if (msg == NULL)
		return;
	g_free(msg->sub_id);
	g_clear_pointer(&msg->filter, json_node_unref);
	g_clear_pointer(&msg->payload, g_bytes_unref);
	g_free(msg->reason);
	g_clear_pointer(&msg->extra, json_node_unref);
	g_free(msg);
}

/* the string at @index, or NULL with an error naming @what */
static const gchar *
gs_nip77_get_string(JsonArray *array, guint index, const gchar *what, GError **error)
{
	JsonNode *node = json_array_get_element(array, index);
	if (!JSON_NODE_HOLDS_VALUE(node) || json_node_get_value_type(node) != G_TYPE_STRING) {
		g_set_error(error, GS_ERROR, GS_ERROR_PROTOCOL, "%s is not a string", what);
		return NULL;
	}
	return json_node_get_string(node);
}

static gboolean
gs_nip77_check_length(GsNip77Type type, guint len, GError **error)
{
	const guint min[] = {4, 3, 2, 3};
	const guint max[] = {4, 3, 2, 4};

	if (type == GS_NIP77_TYPE_OPEN && len == 5) {
		g_set_error_literal(error,
				    GS_ERROR,
				    GS_ERROR_PROTOCOL,
				    "the old 5-element NEG-OPEN form is not supported");
		return FALSE;
	}
	if (len < min[type] || len > max[type]) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_PROTOCOL,
			    "%s has %u elements, expected %u to %u",
			    labels[type],
			    len,
			    min[type],
			    max[type]);
		return FALSE;
	}
	return TRUE;
}

static GBytes *
gs_nip77_get_payload(JsonArray *array, guint index, GError **error)
{
	const gchar *hex = gs_nip77_get_string(array, index, "negentropy message", error);
	g_autoptr(GError) error_local = NULL;
	GBytes *payload;

	if (hex == NULL)
		return NULL;
	payload = gs_hex_decode(hex, &error_local);
	if (payload == NULL) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_PROTOCOL,
			    "negentropy message: %s",
			    error_local->message);
		return NULL;
	}
	return payload;
}

static gboolean
gs_nip77_parse_body(GsNip77Message *msg, JsonArray *array, GError **error)
{
	JsonNode *node;
	const gchar *reason;

	switch (msg->type) {
	case GS_NIP77_TYPE_OPEN:
		node = json_array_get_element(array, 2);
		if (!JSON_NODE_HOLDS_OBJECT(node)) {
			g_set_error_literal(error,
					    GS_ERROR,
					    GS_ERROR_PROTOCOL,
					    "NEG-OPEN filter is not an object");
			return FALSE;
		}
		msg->filter = json_node_copy(node);
		msg->payload = gs_nip77_get_payload(array, 3, error);
		return msg->payload != NULL;
	case GS_NIP77_TYPE_MSG:
		msg->payload = gs_nip77_get_payload(array, 2, error);
		return msg->payload != NULL;
	case GS_NIP77_TYPE_ERR:
		reason = gs_nip77_get_string(array, 2, "NEG-ERR reason", error);
		if (reason == NULL)
			return FALSE;
		msg->reason = g_strdup(reason);
		if (json_array_get_length(array) == 4)
			msg->extra = json_node_copy(json_array_get_element(array, 3));
		return TRUE;
	case GS_NIP77_TYPE_CLOSE:
	default:
		return TRUE;
	}
}

/**
 * gs_nip77_message_new_from_array:
 * @array: a parsed message, e.g. from the connection's dispatcher
 *
 * Returns: (transfer full): the message, or %NULL with a %GS_ERROR_PROTOCOL error
 */
GsNip77Message *
gs_nip77_message_new_from_array(JsonArray *array, GError **error)
{
	g_autoptr(GsNip77Message) msg = g_new0(GsNip77Message, 1);
	guint len;
	const gchar *label;
	const gchar *sub_id;

	g_return_val_if_fail(array != NULL, NULL);

	len = json_array_get_length(array);
	if (len == 0) {
		g_set_error_literal(error, GS_ERROR, GS_ERROR_PROTOCOL, "empty message array");
		return NULL;
	}
	label = gs_nip77_get_string(array, 0, "message label", error);
	if (label == NULL)
		return NULL;
	if (!gs_nip77_type_from_string(label, &msg->type)) {
		g_set_error(error, GS_ERROR, GS_ERROR_PROTOCOL, "not a NIP-77 message: %s", label);
		return NULL;
	}
	if (!gs_nip77_check_length(msg->type, len, error))
		return NULL;
	sub_id = gs_nip77_get_string(array, 1, "subscription id", error);
	if (sub_id == NULL)
		return NULL;
	if (*sub_id == '\0' || g_utf8_strlen(sub_id, -1) > GS_NIP77_SUB_ID_MAX) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_PROTOCOL,
			    "subscription id must have 1 to %d characters",
			    GS_NIP77_SUB_ID_MAX);
		return NULL;
	}
	msg->sub_id = g_strdup(sub_id);
	if (!gs_nip77_parse_body(msg, array, error))
		return NULL;
	return g_steal_pointer(&msg);
}

/* parses one websocket text frame; see gs_nip77_message_new_from_array() */
GsNip77Message *
gs_nip77_message_parse(const gchar *data, gssize len, GError **error)
{
	g_autoptr(JsonNode) root = gs_json_parse(data, len, error);

	if (root == NULL)
		return NULL;
	if (!JSON_NODE_HOLDS_ARRAY(root)) {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_PROTOCOL, "message is not a JSON array");
		return NULL;
	}
	return gs_nip77_message_new_from_array(json_node_get_array(root), error);
}
