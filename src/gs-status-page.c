/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsHttp"

#include "config.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "gs-status-page.h"

struct _GsStatusPage {
	GObject parent_instance;
	GsStatusProvider *provider;
	GsMetrics *metrics;
};

G_DEFINE_FINAL_TYPE(GsStatusPage, gs_status_page, G_TYPE_OBJECT)

/* one colour per status and per health, also used as CSS class names (the nicks) */
static const gchar gs_status_page_style[] =
	"body{font-family:system-ui,sans-serif;margin:1.5em;color:#1f2328;background:#fff}"
	"h1{font-size:1.4em;margin:0 0 .3em}"
	"table{border-collapse:collapse;margin:1em 0}"
	"th,td{border-bottom:1px solid #d0d7de;padding:.3em .6em;text-align:left;font-size:.9em}"
	"th{background:#f6f8fa}"
	"td.num{text-align:right}"
	".badge{display:inline-block;padding:.1em .5em;border-radius:1em;color:#fff;"
	"font-weight:600}"
	".st-disconnected{background-color:#6e7781}"
	".st-connecting{background-color:#9a6700}"
	".st-syncing{background-color:#0969da}"
	".st-connected{background-color:#1a7f37}"
	".st-connected-degraded{background-color:#bc4c00}"
	".hl-healthy{color:#1a7f37}"
	".hl-disconnected{color:#6e7781}"
	".hl-degraded{color:#9a6700}"
	".hl-dead{color:#cf222e}"
	".hl-rate-limited{color:#8250df}"
	".summary span{margin-right:1.5em}"
	"footer{color:#6e7781;font-size:.8em}";

/* "2023-11-14 22:13:20 UTC", or @never for 0 */
static gchar *
gs_status_page_format_time(gint64 unix_secs, const gchar *never)
{
	g_autoptr(GDateTime) dt = NULL;

	if (unix_secs <= 0)
		return g_strdup(never);
	dt = g_date_time_new_from_unix_utc(unix_secs);
	if (dt == NULL)
		return g_strdup(never);
	return g_date_time_format(dt, "%Y-%m-%d %H:%M:%S UTC");
}

static gchar *
gs_status_page_format_uptime(gint64 secs)
{
	if (secs >= 86400)
		return g_strdup_printf("%" G_GINT64_FORMAT "d %" G_GINT64_FORMAT "h",
				       secs / 86400,
				       (secs % 86400) / 3600);
	if (secs >= 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT "h %" G_GINT64_FORMAT "min",
				       secs / 3600,
				       (secs % 3600) / 60);
	return g_strdup_printf("%" G_GINT64_FORMAT "min", secs / 60);
}

static void
gs_status_page_append_escaped(GString *html, const gchar *text)
{
	g_autofree gchar *escaped = g_markup_escape_text(text != NULL ? text : "", -1);
	g_string_append(html, escaped);
}

/* the home relay and its outbox, when one is configured */
static void
gs_status_page_append_home(GString *html, GVariant *summary)
{
	g_autoptr(GVariant) home = g_variant_lookup_value(summary, "Home", G_VARIANT_TYPE_VARDICT);
	const gchar *url = "";
	gboolean connected = FALSE;
	guint64 pending = 0, refused = 0, oldest = 0;

	if (home == NULL)
		return;
	g_variant_lookup(home, "Url", "&s", &url);
	g_variant_lookup(home, "Connected", "b", &connected);
	g_variant_lookup(home, "OutboxPending", "t", &pending);
	g_variant_lookup(home, "OutboxRefused", "t", &refused);
	g_variant_lookup(home, "OldestPendingSeconds", "t", &oldest);
	g_string_append(html, "<p class=\"summary\" id=\"home\">home relay <b>");
	gs_status_page_append_escaped(html, url);
	g_string_append_printf(html,
			       "</b> <span>%s</span><span><b>%" G_GUINT64_FORMAT
			       "</b> pending (oldest %" G_GUINT64_FORMAT
			       " s)</span><span><b>%" G_GUINT64_FORMAT "</b> refused</span></p>\n",
			       connected ? "connected" : "not connected",
			       pending,
			       oldest,
			       refused);
}

static void
gs_status_page_append_summary(GsStatusPage *self, GString *html, GVariant *summary)
{
	const gchar *keys[] = {"RelayCount",
			       "ConnectedRelayCount",
			       "DegradedRelayCount",
			       "DeadRelayCount",
			       "RepoCount",
			       "RootEventCount"};
	const gchar *labels[] = {
		"relays", "live", "degraded", "dead", "repositories", "root events"};
	guint64 uptime = 0;
	g_autofree gchar *uptime_str = NULL;

	g_string_append(html, "<p class=\"summary\">");
	for (guint i = 0; i < G_N_ELEMENTS(keys); i++) {
		guint32 n = 0;
		g_variant_lookup(summary, keys[i], "u", &n);
		g_string_append_printf(
			html, "<span id=\"%s\"><b>%u</b> %s</span>", keys[i], n, labels[i]);
	}
	g_variant_lookup(summary, "UptimeSeconds", "t", &uptime);
	uptime_str = gs_status_page_format_uptime((gint64)uptime);
	g_string_append_printf(html, "<span>up %s</span></p>\n", uptime_str);
	gs_status_page_append_home(html, summary);
}

static void
gs_status_page_append_failures(GString *html, GsRelayStatus *relay)
{
	g_autoptr(GPtrArray) failed = gs_relay_status_dup_failed_batches(relay);

	if (failed->len == 0) {
		g_string_append(html, "<td class=\"num\">0</td>");
		return;
	}
	g_string_append_printf(html, "<td class=\"num\" title=\"");
	for (guint i = 0; i < failed->len; i++) {
		GsFailedBatch *batch = g_ptr_array_index(failed, i);
		g_string_append_printf(html, "%s", i > 0 ? ", " : "");
		gs_status_page_append_escaped(html, batch->reason);
	}
	g_string_append_printf(html, "\">%u (", failed->len);
	for (guint i = 0; i < failed->len; i++) {
		GsFailedBatch *batch = g_ptr_array_index(failed, i);
		g_string_append(html, i > 0 ? ", " : "");
		gs_status_page_append_escaped(html, batch->reason);
	}
	g_string_append(html, ")</td>");
}

static void
gs_status_page_append_row(GString *html, GsRelayStatus *relay)
{
	const gchar *status = gs_connection_status_to_string(gs_relay_status_get_status(relay));
	const gchar *health = gs_relay_health_to_string(gs_relay_status_get_health(relay));
	const gchar *neg[] = {"unknown", "no", "yes"};
	gint supports = gs_relay_status_get_supports_negentropy(relay);
	g_autofree gchar *connected =
		gs_status_page_format_time(gs_relay_status_get_last_connected(relay), "never");
	g_autofree gchar *event =
		gs_status_page_format_time(gs_relay_status_get_last_event_at(relay), "never");
	g_autofree gchar *retry =
		gs_status_page_format_time(gs_relay_status_get_next_retry_at(relay), "");

	g_string_append_printf(html, "<tr data-status=\"%s\"><td class=\"url\">", status);
	gs_status_page_append_escaped(html, gs_relay_status_get_url(relay));
	if (gs_relay_status_get_is_bootstrap(relay))
		g_string_append(html, " (bootstrap)");
	g_string_append_printf(html,
			       "</td><td><span class=\"badge st-%s\">%s</span></td>"
			       "<td class=\"hl-%s\">%s</td><td class=\"num\">%u</td>"
			       "<td class=\"num\">%u</td>",
			       status,
			       status,
			       health,
			       health,
			       gs_relay_status_get_consecutive_failures(relay),
			       gs_relay_status_get_pending_batches(relay));
	gs_status_page_append_failures(html, relay);
	g_string_append_printf(html,
			       "<td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>\n",
			       neg[CLAMP(supports, -1, 1) + 1],
			       connected,
			       event,
			       retry);
}

/* returns: (transfer full): the whole HTML document */
gchar *
gs_status_page_render_html(GsStatusPage *self)
{
	g_autoptr(GVariant) summary =
		gs_status_provider_dup_summary(self->provider, PACKAGE_VERSION);
	g_autoptr(GPtrArray) relays = gs_status_provider_dup_relays(self->provider);
	g_auto(GStrv) service_urls = gs_status_provider_dup_service_urls(self->provider);
	g_autofree gchar *services = g_strjoinv(", ", service_urls);
	GString *html = g_string_new(NULL);

	g_string_append_printf(html,
			       "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			       "<meta http-equiv=\"refresh\" content=\"%u\">"
			       "<meta name=\"viewport\" content=\"width=device-width\">"
			       "<title>grasp-syncd status</title><style>%s</style></head><body>\n"
			       "<h1>grasp-syncd</h1>\n<p>Syncing for ",
			       GS_STATUS_PAGE_REFRESH_SECS,
			       gs_status_page_style);
	gs_status_page_append_escaped(html, services[0] != '\0' ? services : "(no service URLs)");
	g_string_append(html, "</p>\n");
	gs_status_page_append_summary(self, html, summary);
	g_string_append(html,
			"<table id=\"relays\"><thead><tr><th>Relay</th><th>Status</th>"
			"<th>Health</th><th>Failures</th><th>Pending</th><th>Failed batches</th>"
			"<th>Negentropy</th><th>Last connected</th><th>Last event</th>"
			"<th>Next retry</th></tr></thead><tbody>\n");
	for (guint i = 0; i < relays->len; i++)
		gs_status_page_append_row(html, g_ptr_array_index(relays, i));
	g_string_append_printf(html,
			       "</tbody></table>\n<footer>grasp-syncd %s · "
			       "<a href=\"/status\">/status</a> (JSON) · "
			       "<a href=\"/metrics\">/metrics</a> (Prometheus) · "
			       "reloads every %u s</footer>\n</body></html>\n",
			       PACKAGE_VERSION,
			       GS_STATUS_PAGE_REFRESH_SECS);
	return g_string_free(html, FALSE);
}

static JsonNode *
gs_status_page_records_to_json(GPtrArray *records)
{
	g_autoptr(JsonArray) array = json_array_new();
	JsonNode *node = json_node_new(JSON_NODE_ARRAY);

	for (guint i = 0; i < records->len; i++)
		json_array_add_element(array,
				       json_gvariant_serialize(g_ptr_array_index(records, i)));
	json_node_set_array(node, array);
	return node;
}

/* returns: (transfer full): `{"daemon": {...}, "relays": [...], "repos": [...]}` */
gchar *
gs_status_page_render_json(GsStatusPage *self)
{
	g_autoptr(GVariant) summary =
		gs_status_provider_dup_summary(self->provider, PACKAGE_VERSION);
	g_autoptr(GPtrArray) relays = gs_status_provider_dup_relays(self->provider);
	g_autoptr(GPtrArray) repos = gs_status_provider_dup_repos(self->provider);
	g_autoptr(GPtrArray) relay_records =
		g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
	g_autoptr(GPtrArray) repo_records =
		g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
	g_autoptr(JsonObject) root = json_object_new();
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

	for (guint i = 0; i < relays->len; i++)
		g_ptr_array_add(relay_records,
				gs_relay_status_to_variant(g_ptr_array_index(relays, i)));
	for (guint i = 0; i < repos->len; i++)
		g_ptr_array_add(repo_records, gs_repo_info_to_variant(g_ptr_array_index(repos, i)));
	json_object_set_member(root, "daemon", json_gvariant_serialize(summary));
	json_object_set_member(root, "relays", gs_status_page_records_to_json(relay_records));
	json_object_set_member(root, "repos", gs_status_page_records_to_json(repo_records));
	json_node_set_object(node, root);
	return json_to_string(node, TRUE);
}

static void
gs_status_page_respond(SoupServerMessage *msg, const gchar *type, gchar *body)
{
	SoupMessageHeaders *hdrs = soup_server_message_get_response_headers(msg);

	/* as GsHttpServer does: no keep-alive for plain answers (libsoup 3.2 leak) */
	soup_message_headers_replace(hdrs, "Connection", "close");
	soup_message_headers_replace(hdrs, "Cache-Control", "no-store");
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(msg, type, SOUP_MEMORY_TAKE, body, strlen(body));
}

static void
gs_status_page_status_cb(SoupServer *server,
			 SoupServerMessage *msg,
			 const char *path,
			 GHashTable *query,
			 gpointer user_data)
{
	gs_status_page_respond(msg, "application/json", gs_status_page_render_json(user_data));
}

static void
gs_status_page_metrics_cb(SoupServer *server,
			  SoupServerMessage *msg,
			  const char *path,
			  GHashTable *query,
			  gpointer user_data)
{
	GsStatusPage *self = GS_STATUS_PAGE(user_data);
	gs_status_page_respond(
		msg, "text/plain; version=0.0.4; charset=utf-8", gs_metrics_render(self->metrics));
}

static gchar *
gs_status_page_html_cb(gpointer user_data)
{
	return gs_status_page_render_html(GS_STATUS_PAGE(user_data));
}

/**
 * gs_status_page_attach:
 *
 * Serves `/status`, `/metrics` and the `/` page on @server. @server must not outlive @self.
 */
void
gs_status_page_attach(GsStatusPage *self, GsHttpServer *server)
{
	g_return_if_fail(GS_IS_STATUS_PAGE(self));
	gs_http_server_add_get_handler(server, "/status", gs_status_page_status_cb, self);
	gs_http_server_add_get_handler(server, "/metrics", gs_status_page_metrics_cb, self);
	gs_http_server_set_page_func(server, gs_status_page_html_cb, self);
}

static void
gs_status_page_dispose(GObject *object)
{
	GsStatusPage *self = GS_STATUS_PAGE(object);

	g_clear_object(&self->provider);
	g_clear_object(&self->metrics);
	G_OBJECT_CLASS(gs_status_page_parent_class)->dispose(object);
}

static void
gs_status_page_class_init(GsStatusPageClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = gs_status_page_dispose;
}

static void
gs_status_page_init(GsStatusPage *self)
{
}

GsStatusPage *
gs_status_page_new(GsStatusProvider *provider, GsMetrics *metrics)
{
	GsStatusPage *self;

	g_return_val_if_fail(GS_IS_STATUS_PROVIDER(provider), NULL);
	g_return_val_if_fail(GS_IS_METRICS(metrics), NULL);
	self = g_object_new(GS_TYPE_STATUS_PAGE, NULL);
	self->provider = g_object_ref(provider);
	self->metrics = g_object_ref(metrics);
	return self;
}
