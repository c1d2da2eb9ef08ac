/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* not for daemon code: the daemon verifies, it never signs. Exposed for the BIP-340 test
 * vectors, whose signing cases need a chosen auxiliary randomness. */
gboolean
gs_schnorr_sign(const guint8 *seckey,
		const guint8 *msg32,
		const guint8 *aux_rand32,
		guint8 *sig,
		GError **error);

G_END_DECLS
