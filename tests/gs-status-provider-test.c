/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include "gs-error.h"
#include "gs-fake-provider.h"
#include "gs-test-utils.h"

static void
count_notify_cb(GObject *object, GParamSpec *pspec, gpointer user_data)
{
	GPtrArray *names = user_data;
	g_ptr_array_add(names, g_strdup(pspec->name));
}

static gint
sort_strings(const gchar **a, const gchar **b)
{
	return g_strcmp0(*a, *b);
}

/* a property notifies once per real change, never for a write of the same value */
static void
gs_relay_status_notify_test(void)
{
	g_autoptr(GsRelayStatus) relay = gs_relay_status_new("wss://r.example.com");
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) failed =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_failed_batch_free);
	g_autoptr(GPtrArray) copy = NULL;
	GsFailedBatch *batch;

	g_assert_cmpint(gs_relay_status_get_status(relay), ==, GS_CONNECTION_STATUS_DISCONNECTED);
	g_assert_cmpint(gs_relay_status_get_health(relay), ==, GS_RELAY_HEALTH_DISCONNECTED);
	g_assert_cmpint(gs_relay_status_get_supports_negentropy(relay), ==, -1);
	g_signal_connect(relay, "notify", G_CALLBACK(count_notify_cb), names);
	gs_relay_status_set_status(relay, GS_CONNECTION_STATUS_CONNECTING);
	gs_relay_status_set_status(relay, GS_CONNECTION_STATUS_CONNECTING);
	g_object_set(relay, "consecutive-failures", 0u, "is-bootstrap", FALSE, NULL);
	g_object_set(relay, "consecutive-failures", 3u, "naughty-category", "protocol_error", NULL);
	g_object_set(relay, "naughty-category", "protocol_error", NULL);
	g_ptr_array_add(failed, gs_failed_batch_new("timeout", GS_SYNC_METHOD_REQ_EOSE, 1, 2, 5));
	gs_relay_status_set_failed_batches(relay, failed);
	gs_relay_status_set_failed_batches(relay, failed);
	/* one g_object_set() dispatches its notifications in no promised order */
	g_ptr_array_sort(names, (GCompareFunc)sort_strings);
	g_assert_cmpuint(names->len, ==, 4);
	g_assert_cmpstr(g_ptr_array_index(names, 0), ==, "consecutive-failures");
	g_assert_cmpstr(g_ptr_array_index(names, 1), ==, "failed-batches");
	g_assert_cmpstr(g_ptr_array_index(names, 2), ==, "naughty-category");
	g_assert_cmpstr(g_ptr_array_index(names, 3), ==, "status");
	copy = gs_relay_status_dup_failed_batches(relay);
	g_assert_cmpuint(copy->len, ==, 1);
	batch = g_ptr_array_index(copy, 0);
	g_assert_cmpstr(batch->reason, ==, "timeout");
	g_assert_cmpuint(batch->n_roots, ==, 2);
	g_assert_cmpuint(gs_relay_status_get_failed_batches(relay), ==, 1);
	g_assert_cmpstr(gs_relay_status_get_naughty_category(relay), ==, "protocol_error");
}

static void
gs_relay_status_live_test(void)
{
	g_autoptr(GsRelayStatus) relay = gs_relay_status_new("wss://r");
	const struct {
		GsConnectionStatus status;
		gboolean live;
	} cases[] = {
		{GS_CONNECTION_STATUS_DISCONNECTED, FALSE},
		{GS_CONNECTION_STATUS_CONNECTING, FALSE},
		{GS_CONNECTION_STATUS_SYNCING, TRUE},
		{GS_CONNECTION_STATUS_CONNECTED, TRUE},
		{GS_CONNECTION_STATUS_CONNECTED_DEGRADED, TRUE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		gs_relay_status_set_status(relay, cases[i].status);
		g_assert_cmpint(gs_relay_status_is_live(relay), ==, cases[i].live);
	}
}

/* the nicks come from the mkenums GTypes and are the spelling users see */
static void
gs_enums_nick_test(void)
{
	const gchar *status[] = {
		"disconnected", "connecting", "syncing", "connected", "connected-degraded"};
	const gchar *health[] = {"healthy", "disconnected", "degraded", "dead", "rate-limited"};

	for (guint i = 0; i < G_N_ELEMENTS(status); i++)
		g_assert_cmpstr(gs_connection_status_to_string(i), ==, status[i]);
	for (guint i = 0; i < G_N_ELEMENTS(health); i++)
		g_assert_cmpstr(gs_relay_health_to_string(i + 1), ==, health[i]);
	g_assert_null(gs_connection_status_to_string(5));
	g_assert_null(gs_relay_health_to_string(0));
	g_assert_cmpstr(gs_sync_method_to_string(GS_SYNC_METHOD_REQ_EOSE), ==, "req-eose");
	g_assert_cmpstr(gs_sync_level_to_string(GS_SYNC_LEVEL_STATE_ONLY), ==, "state-only");
}

static void
gs_status_provider_read_test(void)
{
	g_autoptr(GsFakeProvider) fake = gs_fake_provider_new_populated();
	GsStatusProvider *provider = GS_STATUS_PROVIDER(fake);
	g_autoptr(GPtrArray) relays = gs_status_provider_dup_relays(provider);
	g_autoptr(GPtrArray) repos = gs_status_provider_dup_repos(provider);
	g_auto(GStrv) service_urls = gs_status_provider_dup_service_urls(provider);
	g_autoptr(GsRelayStatus) dead = NULL;

	g_assert_cmpuint(relays->len, ==, 6);
	/* sorted by URL */
	g_assert_cmpstr(
		gs_relay_status_get_url(g_ptr_array_index(relays, 0)), ==, GS_FAKE_CONNECTED);
	g_assert_cmpstr(gs_relay_status_get_url(g_ptr_array_index(relays, 5)), ==, GS_FAKE_SYNCING);
	g_assert_cmpuint(repos->len, ==, 2);
	g_assert_cmpuint(gs_status_provider_get_repo_count(provider), ==, 2);
	g_assert_cmpuint(gs_status_provider_get_root_count(provider), ==, 5);
	g_assert_cmpint(gs_status_provider_get_started_at(provider), ==, GS_FAKE_STARTED_AT);
	g_assert_cmpstr(service_urls[0], ==, "wss://git.example.org");
	g_assert_cmpuint(gs_status_provider_count_live(provider), ==, 4);
	g_assert_cmpuint(gs_status_provider_count_relays(provider, NULL, NULL), ==, 6);
	dead = gs_status_provider_lookup_relay(provider, GS_FAKE_DEAD);
	g_assert_cmpuint(gs_relay_status_get_consecutive_failures(dead), ==, 12);
	g_assert_null(gs_status_provider_lookup_relay(provider, "wss://nope"));
}

typedef struct {
	const gchar *url;
	GQuark domain;
	gint code;
	const gchar *message;
} BadUrl;

/* every caller gets the same errors for bad URLs before the engine is asked */
static void
gs_status_provider_bad_url_test(void)
{
	g_autoptr(GsFakeProvider) fake = gs_fake_provider_new_populated();
	GsStatusProvider *provider = GS_STATUS_PROVIDER(fake);
	const BadUrl cases[] = {
		{"", GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "no relay URL given"},
		{"http://x.example.com",
		 GS_ERROR,
		 GS_ERROR_INVALID_ARGUMENT,
		 "malformed relay URL*"},
		{"wss://user@x.example.com", GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "malformed*"},
		{"wss://", GS_ERROR, GS_ERROR_INVALID_ARGUMENT, "malformed*"},
		{"wss://unknown.example.com",
		 GS_ERROR,
		 GS_ERROR_NOT_FOUND,
		 "relay wss://unknown.example.com is not followed"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_assert_false(gs_status_provider_resync(provider, cases[i].url, &error));
		g_assert_error(error, cases[i].domain, cases[i].code);
		g_assert_true(g_pattern_match_simple(cases[i].message, error->message));
	}
	g_assert_cmpuint(gs_fake_provider_get_log(fake)->len, ==, 0);
}

static void
relay_signal_cb(GsStatusProvider *provider, GsRelayStatus *relay, gpointer user_data)
{
	GPtrArray *seen = user_data;
	g_ptr_array_add(seen, g_strdup(gs_relay_status_get_url(relay)));
}

static void
gs_status_provider_actions_test(void)
{
	g_autoptr(GsFakeProvider) fake = gs_fake_provider_new_populated();
	GsStatusProvider *provider = GS_STATUS_PROVIDER(fake);
	g_autoptr(GPtrArray) added = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;
	g_autofree gchar *url = NULL;
	GPtrArray *log = gs_fake_provider_get_log(fake);
	GsRelayStatus *degraded = gs_fake_provider_get(fake, GS_FAKE_DEGRADED);

	g_signal_connect(provider, "relay-added", G_CALLBACK(relay_signal_cb), added);
	g_signal_connect(provider, "relay-removed", G_CALLBACK(relay_signal_cb), removed);
	url = gs_status_provider_add_relay(provider, "NEW.example.com:443/", FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(url, ==, "wss://new.example.com");
	g_assert_cmpuint(added->len, ==, 1);
	g_assert_true(gs_status_provider_remove_relay(provider, "wss://new.example.com/", &error));
	g_assert_no_error(error);
	g_assert_cmpstr(g_ptr_array_index(removed, 0), ==, "wss://new.example.com");
	g_assert_true(gs_status_provider_retry_failed(provider, "Degraded.Example.com", &error));
	g_assert_no_error(error);
	g_assert_cmpint(gs_relay_status_get_status(degraded), ==, GS_CONNECTION_STATUS_CONNECTED);
	g_assert_false(gs_status_provider_retry_failed(provider, GS_FAKE_DEGRADED, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	gs_fake_provider_set_busy(fake, TRUE);
	g_assert_false(gs_status_provider_resync_all(provider, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_BUSY);
	g_assert_cmpuint(log->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(log, 0), ==, "add-relay wss://new.example.com");
	g_assert_cmpstr(g_ptr_array_index(log, 2), ==, "retry-failed " GS_FAKE_DEGRADED);
}

static void
count_signal_cb(GsStatusProvider *provider, gpointer user_data)
{
	(*(guint *)user_data)++;
}

/* the home relay in the summary (GetStatus, /status) and RetryHomeRefused */
static void
gs_status_provider_home_test(void)
{
	g_autoptr(GsFakeProvider) fake = gs_fake_provider_new_populated();
	g_autoptr(GsFakeProvider) bare = gs_fake_provider_new();
	g_autoptr(GVariant) summary = NULL;
	g_autoptr(GVariant) home = NULL;
	g_autoptr(GVariant) none = NULL;
	g_autoptr(GError) error = NULL;
	const gchar *url = NULL;
	guint changed = 0, n = 0;

	summary = gs_status_provider_dup_summary(GS_STATUS_PROVIDER(fake), "1.2.3");
	home = g_variant_lookup_value(summary, "Home", G_VARIANT_TYPE_VARDICT);
	g_assert_nonnull(home);
	g_assert_true(g_variant_lookup(home, "Url", "&s", &url));
	g_assert_cmpstr(url, ==, GS_FAKE_HOME);
	g_signal_connect(fake, "home-changed", G_CALLBACK(count_signal_cb), &changed);
	g_assert_true(gs_status_provider_retry_home_refused(GS_STATUS_PROVIDER(fake), &n, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(n, ==, 3);
	g_assert_cmpuint(changed, ==, 1);

	/* no home relay: no Home key, and RetryHomeRefused says so */
	none = gs_status_provider_dup_summary(GS_STATUS_PROVIDER(bare), "1.2.3");
	g_assert_false(g_variant_lookup(none, "Home", "@a{sv}", NULL));
	g_assert_null(gs_status_provider_dup_home(GS_STATUS_PROVIDER(bare)));
	g_assert_false(gs_status_provider_retry_home_refused(GS_STATUS_PROVIDER(bare), &n, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_NOT_FOUND);
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/relay-status/notify", gs_relay_status_notify_test);
	g_test_add_func("/grasp-sync/relay-status/live", gs_relay_status_live_test);
	g_test_add_func("/grasp-sync/relay-status/enum-nicks", gs_enums_nick_test);
	g_test_add_func("/grasp-sync/status-provider/read", gs_status_provider_read_test);
	g_test_add_func("/grasp-sync/status-provider/bad-url", gs_status_provider_bad_url_test);
	g_test_add_func("/grasp-sync/status-provider/actions", gs_status_provider_actions_test);
	g_test_add_func("/grasp-sync/status-provider/home", gs_status_provider_home_test);
	return g_test_run();
}
