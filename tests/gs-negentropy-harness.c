/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Drives GsNegentropy through the line protocol that negentropy implementations share for
 * cross-implementation testing. Lines on stdin:
 *
 *   item,<timestamp>,<64 hex id>   add a record (before seal)
 *   seal                           sort, then create the session; the frame size limit
 *                                  comes from FRAMESIZELIMIT (unset or 0: unlimited)
 *   initiate                       become the initiator, print msg,<hex>
 *   msg,<hex>                      responder: print msg,<hex>; initiator: print have,<id>
 *                                  and need,<id> lines, then done or msg,<hex>
 *
 * Output is lower-case hex, flushed after every line. Empty lines are ignored. Any error,
 * or a message we would send that exceeds the frame limit, prints a reason on stderr and
 * exits non-zero. GS_NEGENTROPY_REFERENCE_DIGEST=1 selects the reference's remainder
 * digest (see gs-negentropy.h) for byte-identical transcripts.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-negentropy.h"

typedef struct {
	GsNegentropyStorage *storage;
	GsNegentropy *session;
	gsize limit;
} Harness;

static gboolean
parse_u64(const gchar *str, guint64 *out, GError **error)
{
	return g_ascii_string_to_unsigned(str, 10, 0, G_MAXUINT64, out, error);
}

static gboolean
harness_item(Harness *h, gchar **fields, GError **error)
{
	guint64 ts = 0;
	guint8 id[GS_NEGENTROPY_ID_SIZE];

	if (g_strv_length(fields) != 3) {
		g_set_error_literal(
			error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "item needs 3 fields");
		return FALSE;
	}
	if (!parse_u64(fields[1], &ts, error))
		return FALSE;
	if (!gs_hex_decode_to(fields[2], strlen(fields[2]), id, sizeof(id))) {
		g_set_error_literal(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "bad item id");
		return FALSE;
	}
	return gs_negentropy_storage_add(h->storage, ts, id, error);
}

static gboolean
harness_seal(Harness *h, GError **error)
{
	const gchar *env = g_getenv("FRAMESIZELIMIT");
	guint64 limit = 0;

	if (h->session != NULL) {
		g_set_error_literal(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "sealed twice");
		return FALSE;
	}
	if (env != NULL && *env != '\0' && !parse_u64(env, &limit, error))
		return FALSE;
	gs_negentropy_storage_seal(h->storage);
	h->session = gs_negentropy_new(h->storage, limit, error);
	if (h->session == NULL)
		return FALSE;
	gs_negentropy_set_reference_digest(
		h->session, g_strcmp0(g_getenv("GS_NEGENTROPY_REFERENCE_DIGEST"), "1") == 0);
	h->limit = limit;
	return TRUE;
}

static gboolean
harness_print_msg(Harness *h, GBytes *msg, gboolean initiate, GError **error)
{
	gsize len = 0;
	const guint8 *data = g_bytes_get_data(msg, &len);
	g_autofree gchar *hex = NULL;

	if (h->limit != 0 && len > h->limit) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_TOO_LARGE,
			    "%s message of %" G_GSIZE_FORMAT
			    " bytes exceeds the frame limit %" G_GSIZE_FORMAT,
			    initiate ? "initiate" : "outgoing",
			    len,
			    h->limit);
		return FALSE;
	}
	hex = gs_hex_encode(data, len);
	printf("msg,%s\n", hex);
	fflush(stdout);
	return TRUE;
}

static void
harness_print_ids(const gchar *what, GArray *ids)
{
	for (guint i = 0; i < ids->len; i++) {
		gchar hex[2 * GS_NEGENTROPY_ID_SIZE + 1];
		gs_hex_encode_to(
			g_array_index(ids, GsNegentropyId, i).bytes, GS_NEGENTROPY_ID_SIZE, hex);
		printf("%s,%s\n", what, hex);
	}
	fflush(stdout);
}

static gboolean
harness_msg(Harness *h, gchar **fields, GError **error)
{
	g_autoptr(GBytes) in = NULL;
	g_autoptr(GBytes) out = NULL;
	g_autoptr(GArray) have = NULL;
	g_autoptr(GArray) need = NULL;

	if (h->session == NULL) {
		g_set_error_literal(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "msg before seal");
		return FALSE;
	}
	in = gs_hex_decode(fields[1] != NULL ? fields[1] : "", error);
	if (in == NULL)
		return FALSE;
	if (!gs_negentropy_is_initiator(h->session)) {
		out = gs_negentropy_respond(
			h->session, g_bytes_get_data(in, NULL), g_bytes_get_size(in), error);
		return out != NULL && harness_print_msg(h, out, FALSE, error);
	}
	have = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	need = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
	if (!gs_negentropy_reconcile(h->session,
				     g_bytes_get_data(in, NULL),
				     g_bytes_get_size(in),
				     &out,
				     have,
				     need,
				     error))
		return FALSE;
	harness_print_ids("have", have);
	harness_print_ids("need", need);
	if (out == NULL) {
		printf("done\n");
		fflush(stdout);
		return TRUE;
	}
	return harness_print_msg(h, out, FALSE, error);
}

static gboolean
harness_line(Harness *h, const gchar *line, GError **error)
{
	g_auto(GStrv) fields = g_strsplit(line, ",", -1);

	if (g_strcmp0(fields[0], "item") == 0) {
		if (h->session != NULL) {
			g_set_error_literal(
				error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "item after seal");
			return FALSE;
		}
		return harness_item(h, fields, error);
	}
	if (g_strcmp0(fields[0], "seal") == 0)
		return harness_seal(h, error);
	if (g_strcmp0(fields[0], "initiate") == 0) {
		g_autoptr(GBytes) msg = NULL;
		if (h->session == NULL) {
			g_set_error_literal(
				error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "initiate before seal");
			return FALSE;
		}
		msg = gs_negentropy_initiate(h->session, error);
		return msg != NULL && harness_print_msg(h, msg, TRUE, error);
	}
	if (g_strcmp0(fields[0], "msg") == 0)
		return harness_msg(h, fields, error);
	g_set_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "unknown command '%s'", fields[0]);
	return FALSE;
}

int
main(int argc, char **argv)
{
	Harness h = {.storage = gs_negentropy_storage_new(0)};
	gchar *line = NULL;
	gsize cap = 0;
	gssize len;
	int rc = 0;

	while ((len = getline(&line, &cap, stdin)) >= 0) {
		g_autoptr(GError) error = NULL;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (!harness_line(&h, line, &error)) {
			fprintf(stderr, "gs-negentropy-harness: %s\n", error->message);
			rc = 1;
			break;
		}
	}
	free(line);
	g_clear_pointer(&h.session, gs_negentropy_free);
	gs_negentropy_storage_unref(h.storage);
	return rc;
}
