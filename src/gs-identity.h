/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean
gs_identity_load(const gchar *path, guint8 *seckey, gboolean *created, GError **error);

G_END_DECLS
