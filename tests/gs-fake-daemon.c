/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * The operator surfaces of grasp-syncd (D-Bus on the session bus, /status, /metrics and the
 * HTML page on 127.0.0.1) over the fake provider, for the integration tests that drive them
 * from outside: busctl, grasp-syncctl, chromium. Prints its HTTP URL on stdout once it owns
 * the bus name; stops on SIGTERM or SIGINT.
 */

#define G_LOG_DOMAIN "GsFakeDaemon"

#include "config.h"

#include <glib-unix.h>
#include <stdio.h>
#include <stdlib.h>

#include "gs-dbus-service.h"
#include "gs-fake-provider.h"
#include "gs-status-page.h"
#include "gs-sync-metrics.h"

typedef struct {
	GMainLoop *loop;
	GsHttpServer *http;
	gchar *check_page;
	gint status;
} FakeDaemon;

static void
acquired_cb(GsDbusService *service, gpointer user_data)
{
	FakeDaemon *d = user_data;
	g_autofree gchar *uri = gs_http_server_dup_uri(d->http);
	g_print("%s\n", uri);
	fflush(stdout);
}

static void
lost_cb(GsDbusService *service, gpointer user_data)
{
	FakeDaemon *d = user_data;
	d->status = EXIT_FAILURE;
	g_main_loop_quit(d->loop);
}

static gboolean
quit_cb(gpointer user_data)
{
	FakeDaemon *d = user_data;
	g_main_loop_quit(d->loop);
	return G_SOURCE_CONTINUE;
}

/* a test page served from the same origin, so that its script may read the status page */
static void
check_page_cb(SoupServer *server,
	      SoupServerMessage *msg,
	      const char *path,
	      GHashTable *query,
	      gpointer user_data)
{
	FakeDaemon *d = user_data;
	gchar *contents = NULL;
	gsize len = 0;

	if (!g_file_get_contents(d->check_page, &contents, &len, NULL)) {
		soup_server_message_set_status(msg, SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	soup_message_headers_replace(
		soup_server_message_get_response_headers(msg), "Connection", "close");
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(
		msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE, contents, len);
}

int
main(int argc, char **argv)
{
	FakeDaemon d = {0};
	g_autoptr(GsFakeProvider) fake = NULL;
	g_autoptr(GsMetrics) metrics = gs_metrics_new();
	g_autoptr(GsDbusService) service = NULL;
	g_autoptr(GsStatusPage) page = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GOptionContext) context = g_option_context_new(NULL);
	const GOptionEntry entries[] = {{"check-page",
					 0,
					 0,
					 G_OPTION_ARG_FILENAME,
					 &d.check_page,
					 "Serve FILE at /check",
					 "FILE"},
					{NULL}};

	g_log_writer_default_set_use_stderr(TRUE);
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, &argc, &argv, &error)) {
		g_printerr("%s\n", error->message);
		return 2;
	}
	fake = gs_fake_provider_new_populated();
	gs_sync_metrics_register(metrics);
	gs_sync_metrics_bind(metrics, GS_STATUS_PROVIDER(fake));
	gs_metrics_inc(metrics, GS_METRIC_CONNECTION_ATTEMPTS, GS_FAKE_CONNECTED, "success", NULL);
	d.loop = g_main_loop_new(NULL, FALSE);
	d.http = gs_http_server_new();
	page = gs_status_page_new(GS_STATUS_PROVIDER(fake), metrics);
	gs_status_page_attach(page, d.http);
	if (d.check_page != NULL)
		gs_http_server_add_get_handler(d.http, "/check", check_page_cb, &d);
	if (!gs_http_server_listen(d.http, "127.0.0.1:0", &error)) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	service = gs_dbus_service_new(GS_STATUS_PROVIDER(fake), metrics);
	g_signal_connect(service, "name-acquired", G_CALLBACK(acquired_cb), &d);
	g_signal_connect(service, "name-lost", G_CALLBACK(lost_cb), &d);
	if (!gs_dbus_service_start(service, G_BUS_TYPE_SESSION, &error)) {
		g_printerr("%s\n", error->message);
		return 1;
	}
	g_unix_signal_add(SIGTERM, quit_cb, &d);
	g_unix_signal_add(SIGINT, quit_cb, &d);
	g_main_loop_run(d.loop);
	gs_dbus_service_stop(service);
	g_object_unref(d.http);
	g_main_loop_unref(d.loop);
	g_free(d.check_page);
	return d.status;
}
