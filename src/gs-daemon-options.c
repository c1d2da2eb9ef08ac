/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsDaemon"

#include "config.h"

#include <glib/gi18n.h>
#include <unistd.h>

#include "gs-daemon-private.h"
#include "gs-daemon.h"

/* the command line of grasp-syncd, and the configuration it builds with the file and the
 * environment (gs_daemon_setup) */

/* --system, --session and --no-dbus all set [dbus] bus; two different ones conflict */
static gboolean
gs_daemon_option_bus_cb(const gchar *option_name,
			const gchar *value,
			gpointer user_data,
			GError **error)
{
	GsDaemon *self = GS_DAEMON(user_data);
	const gchar *bus = g_strcmp0(option_name, "--system") == 0    ? "system"
			   : g_strcmp0(option_name, "--session") == 0 ? "session"
								      : "none";

	if (self->opt_bus != NULL && g_strcmp0(self->opt_bus, bus) != 0) {
		g_set_error(error,
			    G_OPTION_ERROR,
			    G_OPTION_ERROR_BAD_VALUE,
			    _("%s cannot be used together with %s"),
			    option_name,
			    self->opt_bus_option);
		return FALSE;
	}
	g_free(self->opt_bus);
	g_free(self->opt_bus_option);
	self->opt_bus = g_strdup(bus);
	self->opt_bus_option = g_strdup(option_name);
	return TRUE;
}

/**
 * gs_daemon_get_option_group:
 *
 * The daemon's command-line options; they take effect in gs_daemon_setup().
 *
 * Returns: (transfer full): a group holding a reference to @self
 */
GOptionGroup *
gs_daemon_get_option_group(GsDaemon *self)
{
	GOptionGroup *group;
	const GOptionEntry entries[] = {
		{"config",
		 0,
		 0,
		 G_OPTION_ARG_FILENAME,
		 &self->opt_config,
		 N_("Read the configuration from FILE, not /etc/grasp-sync/grasp-syncd.conf"),
		 N_("FILE")},
		{"state-dir",
		 0,
		 0,
		 G_OPTION_ARG_FILENAME,
		 &self->opt_state_dir,
		 N_("Keep the event store and sync state in DIR"),
		 N_("DIR")},
		{"listen",
		 0,
		 0,
		 G_OPTION_ARG_STRING,
		 &self->opt_listen,
		 N_("Serve HTTP on ADDR, such as 127.0.0.1:7334"),
		 N_("ADDR")},
		{"bootstrap-relay",
		 0,
		 0,
		 G_OPTION_ARG_STRING_ARRAY,
		 &self->opt_bootstrap_relays,
		 N_("Always follow the relay at URL (repeatable)"),
		 N_("URL")},
		{"service-url",
		 0,
		 0,
		 G_OPTION_ARG_STRING_ARRAY,
		 &self->opt_service_urls,
		 N_("Relay URL of this GRASP service (repeatable)"),
		 N_("URL")},
		{"archive",
		 0,
		 0,
		 G_OPTION_ARG_STRING,
		 &self->opt_archive,
		 N_("Archive every repository (all) or only matching ones (none)"),
		 N_("MODE")},
		{"archive-pubkey",
		 0,
		 0,
		 G_OPTION_ARG_STRING_ARRAY,
		 &self->opt_archive_pubkeys,
		 N_("Also archive the repositories of this public key (repeatable)"),
		 N_("HEX")},
		{"home-relay",
		 0,
		 0,
		 G_OPTION_ARG_STRING,
		 &self->opt_home_relay,
		 N_("Deliver every synced event into the relay at URL (the GRASP server's own)"),
		 N_("URL")},
		{"system",
		 0,
		 G_OPTION_FLAG_NO_ARG,
		 G_OPTION_ARG_CALLBACK,
		 gs_daemon_option_bus_cb,
		 N_("Own the D-Bus name on the system bus"),
		 NULL},
		{"session",
		 0,
		 G_OPTION_FLAG_NO_ARG,
		 G_OPTION_ARG_CALLBACK,
		 gs_daemon_option_bus_cb,
		 N_("Own the D-Bus name on the session bus"),
		 NULL},
		{"no-dbus",
		 0,
		 G_OPTION_FLAG_NO_ARG,
		 G_OPTION_ARG_CALLBACK,
		 gs_daemon_option_bus_cb,
		 N_("Do not use D-Bus"),
		 NULL},
		{NULL}};

	g_return_val_if_fail(GS_IS_DAEMON(self), NULL);
	group = g_option_group_new("daemon",
				   _("Daemon options"),
				   _("Show daemon options"),
				   g_object_ref(self),
				   g_object_unref);
	g_option_group_add_entries(group, entries);
	g_option_group_set_translation_domain(group, GETTEXT_PACKAGE);
	return group;
}

/* --state-dir, else systemd's STATE_DIRECTORY, else the system or the user's directory */
static gchar *
gs_daemon_find_state_dir(GsDaemon *self)
{
	const gchar *systemd = g_getenv("STATE_DIRECTORY");

	if (self->opt_state_dir != NULL)
		return g_canonicalize_filename(self->opt_state_dir, NULL);
	if (systemd != NULL && systemd[0] != '\0') {
		/* one directory per StateDirectory= entry, colon-separated */
		g_auto(GStrv) dirs = g_strsplit(systemd, ":", 2);
		return g_canonicalize_filename(dirs[0], NULL);
	}
	if (geteuid() == 0)
		return g_strdup(GS_DAEMON_SYSTEM_STATE_DIR);
	return g_build_filename(g_get_user_state_dir(), "grasp-sync", NULL);
}

static gboolean
gs_daemon_apply_options(GsDaemon *self, GError **error)
{
	const struct {
		const gchar *option;
		const gchar *group;
		const gchar *key;
		const gchar *value;
		gchar **values;
	} options[] = {
		{"--listen", "http", "listen", self->opt_listen, NULL},
		{"--archive", "sync", "archive", self->opt_archive, NULL},
		{"--home-relay", "home", "relay", self->opt_home_relay, NULL},
		{self->opt_bus_option, "dbus", "bus", self->opt_bus, NULL},
		{"--bootstrap-relay", "sync", "bootstrap-relays", NULL, self->opt_bootstrap_relays},
		{"--service-url", "sync", "service-urls", NULL, self->opt_service_urls},
		{"--archive-pubkey", "sync", "archive-pubkeys", NULL, self->opt_archive_pubkeys},
	};

	for (guint i = 0; i < G_N_ELEMENTS(options); i++) {
		if (options[i].value != NULL && !gs_config_set_value(self->config,
								     options[i].group,
								     options[i].key,
								     options[i].value,
								     options[i].option,
								     error))
			return FALSE;
		if (options[i].values != NULL &&
		    !gs_config_set_strv(self->config,
					options[i].group,
					options[i].key,
					(const gchar *const *)options[i].values,
					options[i].option,
					error))
			return FALSE;
	}
	return TRUE;
}

/**
 * gs_daemon_setup:
 *
 * Finds the state directory and builds the configuration from the built-in defaults, the
 * file, the environment and the command line, in that order of precedence. Nothing is
 * created or opened yet, so `--print-config` can run it safely. The error names the file,
 * variable or option and the key at fault.
 */
gboolean
gs_daemon_setup(GsDaemon *self, GError **error)
{
	g_return_val_if_fail(GS_IS_DAEMON(self), FALSE);

	g_free(self->state_dir);
	self->state_dir = gs_daemon_find_state_dir(self);
	gs_config_set_state_dir(self->config, self->state_dir);
	if (self->opt_config != NULL) {
		if (!gs_config_load_file(self->config, self->opt_config, FALSE, error))
			return FALSE;
	} else {
		if (!gs_config_load_file(self->config, GS_DAEMON_DEFAULT_CONFIG, TRUE, error))
			return FALSE;
	}
	if (!gs_config_load_environment(self->config, NULL, error))
		return FALSE;
	if (!gs_daemon_apply_options(self, error))
		return FALSE;
	return gs_config_validate(self->config, error);
}
