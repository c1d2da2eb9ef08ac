/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * A relay endpoint for interop tests driven by another program (tests/relay-interop.mjs).
 * It prints `URL ws://127.0.0.1:PORT/` and `HTTP http://127.0.0.1:PORT` and then reads
 * commands from stdin, one a line:
 *   ADD <event JSON>   verify and store an event; answers `ADDED <id>` or `ERROR <why>`
 * It exits when stdin closes.
 */

#include "config.h"

#include <gio/gunixinputstream.h>
#include <stdio.h>
#include <string.h>

#include "gs-test-relay.h"
#include "gs-test-utils.h"

typedef struct {
	GsTestRelay *relay;
	GDataInputStream *in;
	GMainLoop *loop;
} Harness;

static void
harness_reply(const gchar *format, ...) G_GNUC_PRINTF(1, 2);

static void
harness_reply(const gchar *format, ...)
{
	va_list args;
	va_start(args, format);
	vprintf(format, args);
	va_end(args);
	fputc('\n', stdout);
	fflush(stdout);
}

static void
harness_add(Harness *h, const gchar *json)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GsEvent) ev = gs_event_new_from_json(json, -1, &error);
	GsStoreResult result;

	if (ev == NULL || !gs_event_verify(ev, &error) ||
	    !gs_store_insert(gs_test_relay_get_store(h->relay), ev, &result, &error)) {
		harness_reply("ERROR %s", error->message);
		return;
	}
	harness_reply("ADDED %s", gs_event_get_id(ev));
}

static void
harness_read_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	Harness *h = user_data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *line =
		g_data_input_stream_read_line_finish_utf8(h->in, res, NULL, &error);

	if (line == NULL) {
		g_main_loop_quit(h->loop);
		return;
	}
	if (g_str_has_prefix(line, "ADD "))
		harness_add(h, line + 4);
	else
		harness_reply("ERROR unknown command");
	g_data_input_stream_read_line_async(h->in, G_PRIORITY_DEFAULT, NULL, harness_read_cb, h);
}

int
main(int argc, char **argv)
{
	g_autoptr(GInputStream) stdin_stream = g_unix_input_stream_new(0, FALSE);
	g_autoptr(GError) error = NULL;
	Harness h = {0};

	g_log_writer_default_set_use_stderr(TRUE);
	g_setenv("GIO_USE_PROXY_RESOLVER", "dummy", TRUE);
	if (!gs_crypto_init(&error))
		g_error("%s", error->message);
	h.relay = gs_test_relay_new(NULL);
	h.in = g_data_input_stream_new(stdin_stream);
	h.loop = g_main_loop_new(NULL, FALSE);
	harness_reply("URL %s", gs_test_relay_get_url(h.relay));
	harness_reply("HTTP %s", gs_test_relay_get_http_url(h.relay));
	g_data_input_stream_read_line_async(h.in, G_PRIORITY_DEFAULT, NULL, harness_read_cb, &h);
	g_main_loop_run(h.loop);
	g_object_unref(h.in);
	g_object_unref(h.relay);
	g_main_loop_unref(h.loop);
	return 0;
}
