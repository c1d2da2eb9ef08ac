/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include "gs-error.h"
#include "gs-hex.h"
#include "gs-relay-url.h"
#include "gs-sync-rules.h"

/* the pure decisions of the sync engine that look at events and times, not at its state */

/**
 * gs_sync_kind_is_root:
 *
 * Patches (1617), pull requests (1618) and issues (1621) can be root events; status events
 * (1630-1633), pull request updates (1619) and comments (1111) never are.
 */
gboolean
gs_sync_kind_is_root(guint kind)
{
	return kind == GS_SYNC_KIND_PATCH || kind == GS_SYNC_KIND_PULL_REQUEST ||
	       kind == GS_SYNC_KIND_ISSUE;
}

/**
 * gs_sync_check_repo_coordinate:
 * @identifier: (out) (optional) (transfer full): its `d` part
 *
 * Returns: %TRUE when @coordinate is `30617:<64 hex>:<d>` with a non-empty d, else %FALSE
 *   with %GS_ERROR_INVALID_ARGUMENT
 */
gboolean
gs_sync_check_repo_coordinate(const gchar *coordinate, gchar **identifier, GError **error)
{
	guint kind = 0;
	g_autofree gchar *d = NULL;

	if (coordinate == NULL || !gs_coordinate_parse(coordinate, &kind, NULL, &d, NULL) ||
	    kind != GS_SYNC_KIND_REPO_ANNOUNCEMENT || d[0] == '\0') {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "not a repository coordinate: %.80s",
			    coordinate != NULL ? coordinate : "(null)");
		return FALSE;
	}
	if (identifier != NULL)
		*identifier = g_steal_pointer(&d);
	return TRUE;
}

/* returns: %TRUE when @id is 64 lower-case hex digits, else %FALSE with
 * %GS_ERROR_INVALID_ARGUMENT */
gboolean
gs_sync_check_event_id(const gchar *id, GError **error)
{
	if (id != NULL && gs_hex_is_lower(id, 64))
		return TRUE;
	g_set_error(error,
		    GS_ERROR,
		    GS_ERROR_INVALID_ARGUMENT,
		    "not an event id: %.80s",
		    id != NULL ? id : "(null)");
	return FALSE;
}

/**
 * gs_sync_decide_entry:
 * @now: unix seconds
 * @disconnected_at: when the relay's last connection ended (persisted across restarts), or -1
 *   when unknown
 * @quick_reconnect_secs: the window (`quick-reconnect-secs`, 900), also the `since` margin
 * @ever_connected: whether the relay was ever connected (persisted)
 * @explicit_resync: a Resync was asked for
 * @since: (out) (optional): for a catch-up, `disconnected_at - window`; -1 for a fresh start
 *
 * The sync entry of specs/sync.md 5. A catch-up needs a known disconnection no more than the
 * window ago; a disconnection time in the future (the clock went back) cannot be trusted and
 * gives a fresh start.
 */
GsSyncEntry
gs_sync_decide_entry(gint64 now,
		     gint64 disconnected_at,
		     gint64 quick_reconnect_secs,
		     gboolean ever_connected,
		     gboolean explicit_resync,
		     gint64 *since)
{
	gboolean catch_up = !explicit_resync && ever_connected && disconnected_at >= 0 &&
			    disconnected_at <= now &&
			    now - disconnected_at <= MAX(quick_reconnect_secs, 0);

	if (since != NULL)
		*since = catch_up ? MAX(disconnected_at - MAX(quick_reconnect_secs, 0), 0) : -1;
	return catch_up ? GS_SYNC_ENTRY_CATCH_UP : GS_SYNC_ENTRY_FRESH_START;
}

/* every value (index 1 on) of every tag named @name */
static gboolean
gs_sync_any_tag_value(const GsEvent *event,
		      const gchar *name,
		      gboolean (*match)(const gchar *value, const gchar *const *service_urls),
		      const gchar *const *service_urls)
{
	for (guint i = 0; i < gs_event_get_n_tags(event); i++) {
		const gchar *const *tag = gs_event_get_tag(event, i);
		if (g_strcmp0(tag[0], name) != 0)
			continue;
		for (guint j = 1; tag[j] != NULL; j++) {
			if (match(tag[j], service_urls))
				return TRUE;
		}
	}
	return FALSE;
}

static gboolean
gs_sync_relay_matches(const gchar *value, const gchar *const *service_urls)
{
	g_autofree gchar *url = gs_relay_url_normalise(value, FALSE, NULL);
	return url != NULL && g_strv_contains(service_urls, url);
}

static gboolean
gs_sync_clone_matches(const gchar *value, const gchar *const *service_urls)
{
	g_autofree gchar *url = gs_relay_url_normalise(value, TRUE, NULL);
	g_autofree gchar *host = url != NULL ? gs_relay_url_host(url, NULL) : NULL;

	for (guint i = 0; host != NULL && service_urls[i] != NULL; i++) {
		g_autofree gchar *ours = gs_relay_url_host(service_urls[i], NULL);
		if (g_strcmp0(ours, host) == 0)
			return TRUE;
	}
	return FALSE;
}

/**
 * gs_sync_announcement_is_ours:
 * @announcement: a repository announcement (30617)
 * @service_urls: (nullable): our service URLs, normalised
 *
 * A repository is ours when its announcement lists one of our service URLs in a `relays` tag,
 * or names one of their hosts in a `clone` URL (specs/sync.md 1). Both sides are normalised and
 * compared whole: `example.com` never matches `notexample.com`, nor `wss://example.com/a` the
 * service `wss://example.com`.
 */
gboolean
gs_sync_announcement_is_ours(const GsEvent *announcement, const gchar *const *service_urls)
{
	g_return_val_if_fail(announcement != NULL, FALSE);
	if (service_urls == NULL || service_urls[0] == NULL)
		return FALSE;
	return gs_sync_any_tag_value(announcement, "relays", gs_sync_relay_matches, service_urls) ||
	       gs_sync_any_tag_value(announcement, "clone", gs_sync_clone_matches, service_urls);
}
