/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsMain"

#include "config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <stdlib.h>

#include "gs-event.h"

static gboolean
gs_main_quit_cb(gpointer user_data)
{
	GMainLoop *loop = user_data;
	g_info("signal received, stopping");
	g_main_loop_quit(loop);
	return G_SOURCE_REMOVE;
}

int
main(int argc, char *argv[])
{
	gboolean verbose = FALSE;
	gboolean version = FALSE;
	g_autoptr(GMainLoop) loop = NULL;
	g_autoptr(GOptionContext) context = NULL;
	g_autoptr(GError) error = NULL;
	const GOptionEntry entries[] = {
		{"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_("Show debug messages"), NULL},
		{"version",
		 0,
		 0,
		 G_OPTION_ARG_NONE,
		 &version,
		 N_("Show the version and exit"),
		 NULL},
		{NULL}};

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);

	context = g_option_context_new(NULL);
	g_option_context_set_summary(context, _("Keep a GRASP server's Nostr git data complete"));
	g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("grasp-syncd: %s\n", error->message);
		return 2;
	}
	if (version) {
		g_print("grasp-syncd %s\n", PACKAGE_VERSION);
		return EXIT_SUCCESS;
	}
	if (verbose)
		g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
	if (!gs_crypto_init(&error)) {
		g_printerr("grasp-syncd: %s\n", error->message);
		return EXIT_FAILURE;
	}

	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, gs_main_quit_cb, loop);
	g_unix_signal_add(SIGTERM, gs_main_quit_cb, loop);
	g_message("grasp-syncd %s running", PACKAGE_VERSION);
	g_main_loop_run(loop);
	return EXIT_SUCCESS;
}
