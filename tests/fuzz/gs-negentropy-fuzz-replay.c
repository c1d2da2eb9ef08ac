/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* replays a fuzz corpus through the libFuzzer entry point, for builds without libFuzzer */

#include "config.h"

#include <gio/gio.h>
#include <stdio.h>

int
LLVMFuzzerTestOneInput(const guint8 *data, gsize size);

int
main(int argc, char **argv)
{
	guint count = 0;

	for (int i = 1; i < argc; i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(GDir) dir = g_dir_open(argv[i], 0, &error);
		const gchar *name;

		if (dir == NULL) {
			fprintf(stderr, "%s\n", error->message);
			return 1;
		}
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree gchar *path = g_build_filename(argv[i], name, NULL);
			g_autofree gchar *contents = NULL;
			gsize len = 0;

			if (!g_file_get_contents(path, &contents, &len, &error)) {
				fprintf(stderr, "%s\n", error->message);
				return 1;
			}
			LLVMFuzzerTestOneInput((const guint8 *)contents, len);
			count++;
		}
	}
	printf("replayed %u inputs\n", count);
	return count > 0 ? 0 : 1;
}
