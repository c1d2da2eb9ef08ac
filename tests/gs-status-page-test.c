/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "gs-fake-provider.h"
#include "gs-status-page.h"
#include "gs-sync-metrics.h"
#include "gs-test-utils.h"

typedef struct {
	GsFakeProvider *fake;
	GsMetrics *metrics;
	GsStatusPage *page;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	f->fake = gs_fake_provider_new_populated();
	f->metrics = gs_metrics_new();
	gs_sync_metrics_register(f->metrics);
	gs_sync_metrics_bind(f->metrics, GS_STATUS_PROVIDER(f->fake));
	f->page = gs_status_page_new(GS_STATUS_PROVIDER(f->fake), f->metrics);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_object_unref(f->page);
	g_object_unref(f->metrics);
	g_object_unref(f->fake);
}

/* one row per relay with the status's class; nothing loaded from elsewhere; refreshes */
static void
gs_status_page_html_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *html = gs_status_page_render_html(f->page);
	const struct {
		const gchar *url;
		const gchar *status;
		const gchar *health;
	} rows[] = {
		{GS_FAKE_CONNECTED, "connected", "healthy"},
		{GS_FAKE_CONNECTING, "connecting", "degraded"},
		{GS_FAKE_DEAD, "disconnected", "dead"},
		{GS_FAKE_DEGRADED, "connected-degraded", "healthy"},
		{GS_FAKE_LIMITED, "connected", "rate-limited"},
		{GS_FAKE_SYNCING, "syncing", "healthy"},
	};
	const gchar *prev = html;

	for (guint i = 0; i < G_N_ELEMENTS(rows); i++) {
		g_autofree gchar *row = g_strdup_printf(
			"<tr data-status=\"%s\"><td class=\"url\">%s", rows[i].status, rows[i].url);
		g_autofree gchar *badge = g_strdup_printf(
			"<span class=\"badge st-%s\">%s</span>", rows[i].status, rows[i].status);
		g_autofree gchar *health = g_strdup_printf(
			"<td class=\"hl-%s\">%s</td>", rows[i].health, rows[i].health);
		const gchar *at = strstr(prev, row);
		g_assert_nonnull(at);
		g_assert_nonnull(strstr(at, badge));
		g_assert_nonnull(strstr(at, health));
		prev = at; /* rows in URL order */
	}
	g_assert_nonnull(strstr(html, "<meta http-equiv=\"refresh\" content=\"10\">"));
	g_assert_nonnull(strstr(html, "2 (negentropy-undelivered, error)"));
	g_assert_nonnull(strstr(html, "<span id=\"RelayCount\"><b>6</b> relays</span>"));
	g_assert_nonnull(strstr(html, "<span id=\"DegradedRelayCount\"><b>1</b> degraded</span>"));
	g_assert_nonnull(strstr(html, "2023-11-14 22:28:20 UTC")); /* last event of connected */
	g_assert_nonnull(strstr(
		html,
		"home relay <b>ws://127.0.0.1:3334</b> <span>connected</span><span><b>42</b> "
		"pending (oldest 95 s)</span><span><b>3</b> refused</span>"));
	g_assert_null(strstr(html, "src="));
	g_assert_null(strstr(html, "<link"));
	g_assert_null(strstr(html, "http://"));
	g_assert_null(strstr(html, "https://"));
}

/* text from the engine (failure reasons) is escaped */
static void
gs_status_page_escape_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GPtrArray) failed =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_failed_batch_free);
	g_autofree gchar *html = NULL;

	g_ptr_array_add(
		failed,
		gs_failed_batch_new("<script>alert(1)</script>", GS_SYNC_METHOD_REQ_EOSE, 0, 0, 1));
	gs_relay_status_set_failed_batches(gs_fake_provider_get(f->fake, GS_FAKE_CONNECTED),
					   failed);
	html = gs_status_page_render_html(f->page);
	g_assert_null(strstr(html, "<script>"));
	g_assert_nonnull(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
}

static void
gs_status_page_json_test(Fixture *f, gconstpointer data)
{
	g_autofree gchar *text = gs_status_page_render_json(f->page);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonObject *root, *daemon, *relay, *batch, *home;
	JsonArray *relays;

	g_assert_true(json_parser_load_from_data(parser, text, -1, &error));
	g_assert_no_error(error);
	root = json_node_get_object(json_parser_get_root(parser));
	daemon = json_object_get_object_member(root, "daemon");
	g_assert_cmpstr(json_object_get_string_member(daemon, "Version"), ==, PACKAGE_VERSION);
	g_assert_cmpint(json_object_get_int_member(daemon, "RelayCount"), ==, 6);
	g_assert_cmpint(json_object_get_int_member(daemon, "ConnectedRelayCount"), ==, 4);
	home = json_object_get_object_member(daemon, "Home");
	g_assert_cmpstr(json_object_get_string_member(home, "Url"), ==, GS_FAKE_HOME);
	g_assert_true(json_object_get_boolean_member(home, "Connected"));
	g_assert_cmpint(json_object_get_int_member(home, "OutboxPending"), ==, 42);
	g_assert_cmpint(json_object_get_int_member(home, "OutboxRefused"), ==, 3);
	relays = json_object_get_array_member(root, "relays");
	g_assert_cmpuint(json_array_get_length(relays), ==, 6);
	relay = json_array_get_object_element(relays, 3);
	g_assert_cmpstr(json_object_get_string_member(relay, "Url"), ==, GS_FAKE_DEGRADED);
	g_assert_cmpstr(
		json_object_get_string_member(relay, "StatusName"), ==, "connected-degraded");
	g_assert_cmpint(json_object_get_int_member(relay, "Status"), ==, 4);
	g_assert_cmpint(json_object_get_int_member(relay, "FailedBatches"), ==, 2);
	g_assert_true(json_object_get_boolean_member(relay, "HistoricSyncHadFailures"));
	batch = json_array_get_object_element(
		json_object_get_array_member(relay, "FailedBatchList"), 1);
	g_assert_cmpstr(json_object_get_string_member(batch, "Reason"), ==, "error");
	g_assert_cmpstr(json_object_get_string_member(batch, "Method"), ==, "req-eose");
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "repos")), ==, 2);
}

static void
get_done_cb(GObject *source, GAsyncResult *res, gpointer user_data)
{
	GAsyncResult **out = user_data;
	*out = g_object_ref(res);
}

static gchar *
http_get(SoupSession *session, const gchar *uri, const gchar *accept, gchar **type)
{
	g_autoptr(SoupMessage) msg = soup_message_new("GET", uri);
	g_autoptr(GAsyncResult) res = NULL;
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GError) error = NULL;

	if (accept != NULL)
		soup_message_headers_replace(
			soup_message_get_request_headers(msg), "Accept", accept);
	soup_session_send_and_read_async(session, msg, G_PRIORITY_DEFAULT, NULL, get_done_cb, &res);
	while (res == NULL)
		g_main_context_iteration(NULL, TRUE);
	body = soup_session_send_and_read_finish(session, res, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(soup_message_get_status(msg), ==, SOUP_STATUS_OK);
	*type = g_strdup(soup_message_headers_get_content_type(
		soup_message_get_response_headers(msg), NULL));
	return g_strndup(g_bytes_get_data(body, NULL), g_bytes_get_size(body));
}

static gchar *
nip11_cb(gpointer user_data)
{
	return g_strdup("{\"name\":\"nip11\"}");
}

/* served by GsHttpServer: /status, /metrics, and / for browsers but not for NIP-11 */
static void
gs_status_page_http_test(Fixture *f, gconstpointer data)
{
	g_autoptr(GsHttpServer) http = gs_http_server_new();
	g_autoptr(SoupSession) session = soup_session_new();
	g_autoptr(GError) error = NULL;
	g_autofree gchar *uri = NULL;
	g_autofree gchar *u_status = NULL, *u_metrics = NULL, *u_root = NULL;
	g_autofree gchar *status = NULL, *metrics = NULL, *page = NULL, *nip11 = NULL;
	g_autofree gchar *t_status = NULL, *t_metrics = NULL, *t_page = NULL, *t_nip11 = NULL;

	gs_status_page_attach(f->page, http);
	gs_http_server_set_nip11_func(http, nip11_cb, NULL);
	g_assert_true(gs_http_server_listen(http, "127.0.0.1:0", &error));
	uri = gs_http_server_dup_uri(http);
	u_status = g_strconcat(uri, "/status", NULL);
	u_metrics = g_strconcat(uri, "/metrics", NULL);
	u_root = g_strconcat(uri, "/", NULL);
	status = http_get(session, u_status, NULL, &t_status);
	metrics = http_get(session, u_metrics, NULL, &t_metrics);
	page = http_get(session, u_root, "text/html", &t_page);
	nip11 = http_get(session, u_root, "application/nostr+json", &t_nip11);
	g_assert_cmpstr(t_status, ==, "application/json");
	g_assert_nonnull(strstr(status, "\"StatusName\" : \"connected-degraded\""));
	g_assert_cmpstr(t_metrics, ==, "text/plain");
	g_assert_nonnull(strstr(metrics, "ngit_sync_relays_tracked_total 6\n"));
	g_assert_cmpstr(t_page, ==, "text/html");
	g_assert_nonnull(strstr(page, "<table id=\"relays\">"));
	g_assert_cmpstr(nip11, ==, "{\"name\":\"nip11\"}");
	gs_http_server_disconnect(http);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add("/grasp-sync/status-page/html",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_status_page_html_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/status-page/escape",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_status_page_escape_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/status-page/json",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_status_page_json_test,
		   fixture_teardown);
	g_test_add("/grasp-sync/status-page/http",
		   Fixture,
		   NULL,
		   fixture_setup,
		   gs_status_page_http_test,
		   fixture_teardown);
	return g_test_run();
}
