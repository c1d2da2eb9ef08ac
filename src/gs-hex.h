/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* lower-case hex, as Nostr and NIP-77 use on the wire */

void
gs_hex_encode_to(const guint8 *buf, gsize len, gchar *out);
gchar *
gs_hex_encode(const guint8 *buf, gsize len);
gboolean
gs_hex_decode_to(const gchar *hex, gsize hexlen, guint8 *out, gsize outlen);
GBytes *
gs_hex_decode(const gchar *hex, GError **error);
gboolean
gs_hex_decode_lower(const gchar *hex, guint8 *out, gsize outlen);
gboolean
gs_hex_is_lower(const gchar *hex, gsize expected_len);

G_END_DECLS
