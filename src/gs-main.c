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

#include "gs-daemon.h"
#include "gs-event.h"

/* exit status for a bad command line or configuration, as for a usage error */
#define GS_MAIN_EXIT_USAGE 2

static gboolean
gs_main_quit_cb(gpointer user_data)
{
	GMainLoop *loop = user_data;
	g_message("signal received, stopping");
	g_main_loop_quit(loop);
	return G_SOURCE_CONTINUE;
}

typedef struct {
	GMainLoop *loop;
	gint status;
} GsMainFailure;

static void
gs_main_failed_cb(GsDaemon *daemon, const gchar *reason, gpointer user_data)
{
	GsMainFailure *failure = user_data;
	g_printerr("grasp-syncd: %s\n", reason);
	failure->status = EXIT_FAILURE;
	g_main_loop_quit(failure->loop);
}

static gboolean
gs_main_reload_cb(gpointer user_data)
{
	GsDaemon *daemon = user_data;
	g_autoptr(GError) error = NULL;

	if (!gs_daemon_reload(daemon, &error))
		g_warning("configuration not reloaded, keeping the previous one: %s",
			  error->message);
	return G_SOURCE_CONTINUE;
}

int
main(int argc, char *argv[])
{
	gboolean verbose = FALSE;
	gboolean version = FALSE;
	gboolean print_config = FALSE;
	GsMainFailure failure = {NULL, EXIT_SUCCESS};
	g_autoptr(GsDaemon) daemon = NULL;
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
		{"print-config",
		 0,
		 0,
		 G_OPTION_ARG_NONE,
		 &print_config,
		 N_("Print the effective configuration, with the source of each value, and exit"),
		 NULL},
		{NULL}};

	setlocale(LC_ALL, "");
	bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
	textdomain(GETTEXT_PACKAGE);
	g_log_writer_default_set_use_stderr(TRUE);

	daemon = gs_daemon_new();
	context = g_option_context_new(NULL);
	g_option_context_set_summary(context, _("Keep a GRASP server's Nostr git data complete"));
	g_option_context_set_main_group(context, gs_daemon_get_option_group(daemon));
	g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("grasp-syncd: %s\n%s\n", error->message, _("See grasp-syncd --help"));
		return GS_MAIN_EXIT_USAGE;
	}
	if (argc > 1) {
		g_printerr("grasp-syncd: %s: %s\n", _("unexpected argument"), argv[1]);
		return GS_MAIN_EXIT_USAGE;
	}
	if (version) {
		g_print("grasp-syncd %s\n", PACKAGE_VERSION);
		return EXIT_SUCCESS;
	}
	if (verbose)
		g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
	if (!gs_daemon_setup(daemon, &error)) {
		g_printerr("grasp-syncd: %s\n", error->message);
		return GS_MAIN_EXIT_USAGE;
	}
	if (print_config) {
		g_autofree gchar *dump = gs_config_dump(gs_daemon_get_config(daemon));
		g_print("%s", dump);
		return EXIT_SUCCESS;
	}

	/* handlers first: a signal that arrives while starting is handled once the loop runs */
	loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGINT, gs_main_quit_cb, loop);
	g_unix_signal_add(SIGTERM, gs_main_quit_cb, loop);
	g_unix_signal_add(SIGHUP, gs_main_reload_cb, daemon);
	failure.loop = loop;
	g_signal_connect(daemon, "failed", G_CALLBACK(gs_main_failed_cb), &failure);
	if (!gs_crypto_init(&error) || !gs_daemon_start(daemon, &error)) {
		g_printerr("grasp-syncd: %s\n", error->message);
		return EXIT_FAILURE;
	}
	g_main_loop_run(loop);
	gs_daemon_stop(daemon);
	return failure.status;
}
