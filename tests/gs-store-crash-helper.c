/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * Used by gs-store-test's kill -9 case: inserts batches into the store at argv[1] for ever and,
 * after each COMMIT returned, writes the id of every event of the batch to stdout, one a line,
 * then "commit N". The test kills it with SIGKILL at a random moment.
 */

#include "config.h"

#include <stdio.h>

#include "gs-store.h"

#define BATCH_SIZE 200

static GsEvent *
fake_event(guint64 n)
{
	g_autofree gchar *id =
		g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)&n, sizeof(n));
	g_autofree gchar *json = NULL;
	g_autoptr(GError) error = NULL;
	GsEvent *event;

	json = g_strdup_printf(
		"{\"id\":\"%s\",\"pubkey\":\"%064x\",\"created_at\":%" G_GUINT64_FORMAT
		",\"kind\":1,\"tags\":[[\"t\",\"crash\"],[\"e\",\"%s\"]],"
		"\"content\":\"event %" G_GUINT64_FORMAT "\",\"sig\":\"%0128x\"}",
		id,
		7,
		1700000000 + n,
		id,
		n,
		0);
	event = gs_event_new_from_json(json, -1, &error);
	if (event == NULL)
		g_error("%s", error->message);
	return event;
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsStore) store = NULL;
	guint64 n = 0;

	g_log_writer_default_set_use_stderr(TRUE);
	if (argc != 2)
		g_error("usage: %s DATABASE", argv[0]);
	store = gs_store_new(argv[1], &error);
	if (store == NULL)
		g_error("%s", error->message);
	for (guint batch = 0;; batch++) {
		g_autoptr(GPtrArray) events =
			g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
		for (guint i = 0; i < BATCH_SIZE; i++)
			g_ptr_array_add(events, fake_event(n++));
		if (!gs_store_insert_batch(store, events, NULL, &error))
			g_error("%s", error->message);
		for (guint i = 0; i < events->len; i++)
			printf("%s\n", gs_event_get_id(g_ptr_array_index(events, i)));
		printf("commit %u\n", batch);
		fflush(stdout);
	}
	return 0;
}
