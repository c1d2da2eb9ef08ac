/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

#include "gs-event.h"
#include "gs-store.h"

G_BEGIN_DECLS

/**
 * GsMaintainers:
 *
 * For the acceptance policy: the stored repository announcements (kind 30617) of each
 * identifier `d`, with the maintainers each author lists, loaded from the store on first use
 * and kept current with gs_maintainers_stored(); plus the announcements accepted but not yet
 * committed (the pending overlay). Main-thread only.
 *
 * The recursive maintainer set of `d` is the union of the authors of its stored announcements
 * and the maintainers they list: each stored announcement was itself accepted through that set
 * (or as ours), so following the lists from any one of them reaches no one else.
 */
typedef struct _GsMaintainers GsMaintainers;

GsMaintainers *
gs_maintainers_new(GsStore *store);
void
gs_maintainers_free(GsMaintainers *self);

GStrv
gs_maintainers_dup_listed(GsEvent *announcement);
gboolean
gs_maintainers_has_announcement(GsMaintainers *self,
				const gchar *d,
				const gchar *author,
				gboolean *found,
				GError **error);
gboolean
gs_maintainers_is_maintainer(GsMaintainers *self,
			     const gchar *d,
			     const gchar *pubkey,
			     GHashTable *excluded,
			     gboolean *is_maintainer,
			     GError **error);
void
gs_maintainers_add_pending(GsMaintainers *self, GsEvent *announcement);
void
gs_maintainers_clear_pending(GsMaintainers *self);
void
gs_maintainers_stored(GsMaintainers *self, GsEvent *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsMaintainers, gs_maintainers_free)

G_END_DECLS
