/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsIdFilter"

#include "config.h"

#include "gs-id-filter.h"

#define GS_ID_FILTER_BITS_PER_ID 24
#define GS_ID_FILTER_FULL_BITS_PER_ID 10

struct _GsIdFilter {
	guint64 *bits;
	guint64 mask; /* number of bits - 1, a power of two minus one */
	guint64 n;    /* ids added */
	guint64 max;  /* ids it is sized for */
};

GsIdFilter *
gs_id_filter_new(guint64 n_ids)
{
	GsIdFilter *self = g_new0(GsIdFilter, 1);
	guint64 n_bits = 64;

	while (n_bits < n_ids * GS_ID_FILTER_BITS_PER_ID)
		n_bits <<= 1;
	self->bits = g_new0(guint64, n_bits / 64);
	self->mask = n_bits - 1;
	self->max = n_bits / GS_ID_FILTER_FULL_BITS_PER_ID;
	return self;
}

void
gs_id_filter_free(GsIdFilter *self)
{
	if (self == NULL)
		return;
	g_free(self->bits);
	g_free(self);
}

/* ids are SHA-256 digests: the two halves of their first 8 bytes give the probes (double
 * hashing) */
static gboolean
gs_id_filter_probe(const GsIdFilter *self, gint64 key8, guint64 *bits)
{
	guint64 h1 = (guint64)key8 & G_MAXUINT32;
	guint64 h2 = ((guint64)key8 >> 32) | 1;
	gboolean all = TRUE;

	for (guint i = 0; i < 4; i++) {
		guint64 bit = (h1 + i * h2) & self->mask;
		guint64 word = 1ULL << (bit % 64);
		if (bits != NULL)
			bits[bit / 64] |= word;
		else if ((self->bits[bit / 64] & word) == 0)
			all = FALSE;
	}
	return all;
}

void
gs_id_filter_add(GsIdFilter *self, gint64 key8)
{
	gs_id_filter_probe(self, key8, self->bits);
	self->n++;
}

/* %FALSE: an id with this prefix was certainly never added */
gboolean
gs_id_filter_may_contain(const GsIdFilter *self, gint64 key8)
{
	return gs_id_filter_probe(self, key8, NULL);
}

/* more ids were added than it is sized for: false hits grow, build a larger one */
gboolean
gs_id_filter_is_full(const GsIdFilter *self)
{
	return self->n > self->max;
}
