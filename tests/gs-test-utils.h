/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "gs-event.h"

G_BEGIN_DECLS

void
gs_test_init(int *argc, char ***argv);
void
gs_test_seckey_from_seed(guint32 seed, guint8 *seckey);
GsEvent *
gs_test_event_new(guint32 key_seed,
		  gint64 created_at,
		  guint kind,
		  const gchar *const *tags_flat,
		  const gchar *content);
gchar *
gs_test_tmpdir_new(void);
void
gs_test_tmpdir_remove(const gchar *path);

G_END_DECLS
