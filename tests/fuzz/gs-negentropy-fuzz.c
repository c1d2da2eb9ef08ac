/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * libFuzzer entry point for the negentropy decoder and reconciler. The first input byte
 * picks the local records (bit 0), the frame limit (bit 1) and the digest mode (bit 2); the
 * rest is a message fed to a responder and to an initiator. Beyond "no crash, no overread,
 * no leak", two properties are checked: whatever we answer stays within our frame limit,
 * and our own answer is a message our decoder accepts.
 */

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "gs-negentropy.h"

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

static GsNegentropyStorage *
fuzz_storage(guint n)
{
	GsNegentropyStorage *st = gs_negentropy_storage_new(n);
	guint32 x = 2463534242u;

	for (guint i = 0; i < n; i++) {
		guint8 id[GS_NEGENTROPY_ID_SIZE];
		for (guint j = 0; j < GS_NEGENTROPY_ID_SIZE; j++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			id[j] = x & 0xff;
		}
		/* runs of equal ids but for late bytes, to exercise long prefixes */
		if (i % 7 == 1)
			id[0] = 0x42;
		/* few timestamps, including 0, so that bounds need id prefixes */
		gs_negentropy_storage_add(st, (i % 5) * (i % 3), id, NULL);
	}
	gs_negentropy_storage_seal(st);
	return st;
}

/* our @msg must decode: hand it to a fresh session of the other role */
static void
fuzz_check_reply(GsNegentropyStorage *st, GBytes *msg, gboolean to_initiator, gsize limit)
{
	g_autoptr(GsNegentropy) peer = gs_negentropy_new(st, 0, NULL);
	g_autoptr(GBytes) q = NULL;
	g_autoptr(GBytes) r = NULL;
	g_autoptr(GError) error = NULL;
	GBytes *next = NULL;
	gsize len = 0;
	const guint8 *buf = g_bytes_get_data(msg, &len);

	if (limit != 0 && len > limit)
		abort();
	if (to_initiator) {
		q = gs_negentropy_initiate(peer, NULL);
		if (!gs_negentropy_reconcile(peer, buf, len, &next, NULL, NULL, &error))
			abort();
		g_clear_pointer(&next, g_bytes_unref);
	} else {
		r = gs_negentropy_respond(peer, buf, len, &error);
		if (r == NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size)
{
	static GsNegentropyStorage *stores[2] = {NULL, NULL};
	GsNegentropyStorage *st;
	gsize limit;
	gboolean reference;

	if (stores[0] == NULL) {
		stores[0] = fuzz_storage(20);
		stores[1] = fuzz_storage(3000);
	}
	if (size < 1)
		return 0;
	st = stores[data[0] & 1];
	limit = (data[0] & 2) ? GS_NEGENTROPY_FRAME_SIZE_LIMIT_MIN : 0;
	reference = (data[0] & 4) != 0;
	data++;
	size--;

	{
		g_autoptr(GsNegentropy) server = gs_negentropy_new(st, limit, NULL);
		g_autoptr(GBytes) reply = NULL;
		gs_negentropy_set_reference_digest(server, reference);
		reply = gs_negentropy_respond(server, data, size, NULL);
		if (reply != NULL)
			fuzz_check_reply(st, reply, TRUE, limit);
	}
	{
		g_autoptr(GsNegentropy) client = gs_negentropy_new(st, limit, NULL);
		g_autoptr(GBytes) q = gs_negentropy_initiate(client, NULL);
		g_autoptr(GArray) have = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
		g_autoptr(GArray) need = g_array_new(FALSE, FALSE, sizeof(GsNegentropyId));
		GBytes *next = NULL;
		if (q == NULL)
			abort();
		gs_negentropy_set_reference_digest(client, reference);
		if (gs_negentropy_reconcile(client, data, size, &next, have, need, NULL) &&
		    next != NULL) {
			fuzz_check_reply(st, next, FALSE, limit);
			g_bytes_unref(next);
		}
	}
	return 0;
}
