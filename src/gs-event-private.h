/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "gs-event.h"

G_BEGIN_DECLS

/* not for daemon code: the daemon verifies, it never signs. Exposed for the BIP-340 test
 * vectors, whose signing cases need a chosen auxiliary randomness. */
gboolean
gs_schnorr_sign(const guint8 *seckey,
		const guint8 *msg32,
		const guint8 *aux_rand32,
		guint8 *sig,
		GError **error);

/**
 * GsEventFields:
 * @raw_tags: (nullable): the input's text of the tags array when it is written exactly as
 *   the event's JSON writes it, so that it can be copied instead of escaped again
 * @raw_content: (nullable): the same for the content string (with its quotes)
 *
 * An event's members as gs_event_fields_parse() read them; @content and @tags are owned.
 */
typedef struct {
	gchar id[65];
	gchar pubkey[65];
	gchar sig[129];
	gint64 created_at;
	guint kind;
	gchar *content;
	GPtrArray *tags; /* of GStrv */
	const gchar *raw_tags;
	gsize raw_tags_len;
	const gchar *raw_content;
	gsize raw_content_len;
} GsEventFields;

gchar **
gs_event_tag_pack(guint n, const gchar *const *values, const gsize *lens);

gboolean
gs_event_fields_parse(const gchar *json, gsize len, GsEventFields *fields);
void
gs_event_fields_clear(GsEventFields *fields);

/* the strict path of gs_event_new_from_json() alone, for tests that compare the two */
GsEvent *
gs_event_new_from_json_strict(const gchar *json, gssize len, GError **error);

G_END_DECLS
