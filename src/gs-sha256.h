/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* an incremental SHA-256: gs_sha256_init(), any number of gs_sha256_update(), then
 * gs_sha256_final() (which releases what init took) */
typedef struct {
	guint32 state[8];
	guint8 buf[64];
	gsize buf_len;
	guint64 total;
	GChecksum *portable; /* set when the SHA extensions are not used */
} GsSha256;

void
gs_sha256_init(GsSha256 *ctx);
void
gs_sha256_update(GsSha256 *ctx, const guint8 *data, gsize len);
void
gs_sha256_final(GsSha256 *ctx, guint8 *out);

/* SHA-256 of @len bytes at @data into @out (32 bytes). Uses the x86 SHA extensions when the
 * CPU has them (about ten times GLib's GChecksum for event-sized input), GChecksum otherwise.
 * Thread-safe. */
void
gs_sha256(const guint8 *data, gsize len, guint8 *out);

/* %TRUE when gs_sha256() runs on the SHA extensions (for benchmarks and logs) */
gboolean
gs_sha256_is_accelerated(void);

G_END_DECLS
