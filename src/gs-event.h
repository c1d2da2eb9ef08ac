/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define GS_TYPE_EVENT (gs_event_get_type())

/**
 * GsEvent:
 *
 * An immutable, atomically refcounted NIP-01 event. It may be shared between threads.
 * Parsing checks the shape of every field but neither the id nor the signature: call
 * gs_event_verify() (or the two halves) for that.
 */
typedef struct _GsEvent GsEvent;

GType
gs_event_get_type(void) G_GNUC_CONST;

gboolean
gs_crypto_init(GError **error);

GsEvent *
gs_event_new_from_json(const gchar *json, gssize len, GError **error);
GsEvent *
gs_event_new_from_node(JsonNode *node, GError **error);
GsEvent *
gs_event_new_signed(const guint8 *seckey,
		    gint64 created_at,
		    guint kind,
		    GPtrArray *tags,
		    const gchar *content,
		    GError **error);
GsEvent *
gs_event_ref(GsEvent *self);
void
gs_event_unref(GsEvent *self);

const gchar *
gs_event_get_id(const GsEvent *self);
const guint8 *
gs_event_get_id_raw(const GsEvent *self);
const gchar *
gs_event_get_pubkey(const GsEvent *self);
const guint8 *
gs_event_get_pubkey_raw(const GsEvent *self);
const gchar *
gs_event_get_sig(const GsEvent *self);
gint64
gs_event_get_created_at(const GsEvent *self);
guint
gs_event_get_kind(const GsEvent *self);
const gchar *
gs_event_get_content(const GsEvent *self);
guint
gs_event_get_n_tags(const GsEvent *self);
const gchar *const *
gs_event_get_tag(const GsEvent *self, guint idx);
const gchar *
gs_event_get_tag_value(const GsEvent *self, const gchar *name);
GPtrArray *
gs_event_get_tag_values(const GsEvent *self, const gchar *name);
const gchar *
gs_event_get_d_tag(const GsEvent *self);
gchar *
gs_event_dup_coordinate(const GsEvent *self);
const gchar *
gs_event_get_json(const GsEvent *self);
gsize
gs_event_get_json_size(const GsEvent *self);

gchar *
gs_event_serialize_canonical(const GsEvent *self);
void
gs_event_compute_id(const GsEvent *self, guint8 *out);
gboolean
gs_event_check_id(const GsEvent *self, GError **error);
gboolean
gs_event_check_signature(const GsEvent *self, GError **error);
gboolean
gs_event_verify(const GsEvent *self, GError **error);

gboolean
gs_schnorr_verify(const guint8 *pubkey, const guint8 *msg32, const guint8 *sig, GError **error);

gboolean
gs_seckey_generate(guint8 *seckey, GError **error);
gboolean
gs_seckey_get_pubkey(const guint8 *seckey, guint8 *pubkey, GError **error);

gboolean
gs_kind_is_replaceable(guint kind);
gboolean
gs_kind_is_ephemeral(guint kind);
gboolean
gs_kind_is_addressable(guint kind);

gboolean
gs_coordinate_parse(const gchar *coordinate,
		    guint *kind,
		    gchar **pubkey,
		    gchar **d,
		    GError **error);
gchar *
gs_coordinate_build(guint kind, const gchar *pubkey, const gchar *d);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsEvent, gs_event_unref)

G_END_DECLS
