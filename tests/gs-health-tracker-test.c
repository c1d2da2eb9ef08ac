/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <libsoup/soup.h>

#include "gs-enums-types.h"
#include "gs-error.h"
#include "gs-health-tracker.h"
#include "gs-test-utils.h"

#define URL "wss://relay.example.com"
#define URL2 "wss://other.example.com"
#define SEC ((gint64)G_USEC_PER_SEC)
#define HOUR (3600 * SEC)
#define T0 ((gint64)1700000000 * SEC)

typedef struct {
	GsHealthTracker *tracker;
	gint64 now;
	GPtrArray *ended; /* urls of rate-limit-ended, in order */
	gboolean remove_in_handler;
} Fixture;

static gint64
fixture_clock(gpointer user_data)
{
	Fixture *f = user_data;
	return f->now;
}

static void
fixture_on_ended(GsHealthTracker *tracker, const gchar *url, Fixture *f)
{
	g_ptr_array_add(f->ended, g_strdup(url));
	if (f->remove_in_handler)
		gs_health_tracker_remove(tracker, url);
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
	f->tracker = gs_health_tracker_new();
	f->now = T0;
	f->ended = g_ptr_array_new_with_free_func(g_free);
	gs_health_tracker_set_clock(f->tracker, fixture_clock, f);
	gs_health_tracker_set_seed(f->tracker, 42);
	g_signal_connect(f->tracker, "rate-limit-ended", G_CALLBACK(fixture_on_ended), f);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
	g_clear_object(&f->tracker);
	g_ptr_array_unref(f->ended);
}

/* iterates the default main context until @n signals arrived or @timeout_ms passed */
static void
fixture_wait_ended(Fixture *f, guint n, guint timeout_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;

	while (f->ended->len < n && g_get_monotonic_time() < deadline)
		g_main_context_iteration(NULL, FALSE);
}

/* delay of the next attempt after one more failure at the current time */
static gint64
fixture_fail(Fixture *f, const gchar *url, GsNaughtyCategory category)
{
	gs_health_tracker_record_failure(f->tracker, url, category);
	return gs_health_tracker_get_next_retry_at(f->tracker, url) - f->now;
}

/* backoff ------------------------------------------------------------------------------- */

static void
test_backoff_schedule(Fixture *f, gconstpointer data)
{
	const gint64 expected[] = {5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600, 3600};

	for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
		gint64 delay = fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE);
		g_test_message("failure %u: %.3f s", i + 1, (gdouble)delay / SEC);
		g_assert_cmpuint(
			gs_health_tracker_get_consecutive_failures(f->tracker, URL), ==, i + 1);
		g_assert_cmpint(delay, >=, expected[i] * SEC);
		g_assert_cmpint(delay, <, expected[i] * SEC * 12 / 10);
		g_assert_cmpint(gs_health_tracker_get_health(f->tracker, URL),
				==,
				GS_RELAY_HEALTH_DEGRADED);

		/* not before the retry time, and then at once */
		g_assert_false(gs_health_tracker_can_attempt(f->tracker, URL));
		f->now += delay - 1;
		g_assert_false(gs_health_tracker_can_attempt(f->tracker, URL));
		f->now += 1;
		g_assert_true(gs_health_tracker_can_attempt(f->tracker, URL));
	}
}

static void
test_backoff_custom(Fixture *f, gconstpointer data)
{
	const gint64 expected[] = {1, 2, 4, 8, 8};

	gs_health_tracker_set_backoff(f->tracker, 1, 8);
	for (guint i = 0; i < G_N_ELEMENTS(expected); i++) {
		gint64 delay = fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE);
		g_assert_cmpint(delay, >=, expected[i] * SEC);
		g_assert_cmpint(delay, <, expected[i] * SEC * 12 / 10);
	}
}

/* a streak of thousands of failures never overflows the doubling */
static void
test_backoff_long_streak(Fixture *f, gconstpointer data)
{
	for (guint i = 0; i < 5000; i++)
		fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE);
	g_assert_cmpint(fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE), <, 3600 * SEC * 12 / 10);
	g_assert_cmpint(fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE), >=, 3600 * SEC);
}

static void
test_jitter_bounds(Fixture *f, gconstpointer data)
{
	gint64 lo = G_MAXINT64;
	gint64 hi = 0;
	gint64 cap_hi = 0;

	for (guint i = 0; i < 2000; i++) {
		g_autofree gchar *url = g_strdup_printf("wss://r%u.example.com", i);
		gint64 delay = fixture_fail(f, url, GS_NAUGHTY_CATEGORY_NONE);
		lo = MIN(lo, delay);
		hi = MAX(hi, delay);
	}
	/* 0 to 20 % over 5 s, and it is really used: 2000 draws come near both ends */
	g_assert_cmpint(lo, >=, 5 * SEC);
	g_assert_cmpint(hi, <, 6 * SEC);
	g_assert_cmpint(lo, <, 5 * SEC + SEC / 50);
	g_assert_cmpint(hi, >, 6 * SEC - SEC / 50);

	/* at the cap too */
	for (guint i = 0; i < 200; i++) {
		g_autofree gchar *url = g_strdup_printf("wss://cap%u.example.com", i);
		gint64 delay = 0;
		for (guint j = 0; j < 12; j++)
			delay = fixture_fail(f, url, GS_NAUGHTY_CATEGORY_NONE);
		g_assert_cmpint(delay, >=, 3600 * SEC);
		cap_hi = MAX(cap_hi, delay);
	}
	g_assert_cmpint(cap_hi, <, 4320 * SEC);
	g_assert_cmpint(cap_hi, >, 4200 * SEC);
}

/* the same seed gives the same schedule, another seed another one */
static void
test_jitter_seeded(Fixture *f, gconstpointer data)
{
	g_autoptr(GsHealthTracker) a = gs_health_tracker_new();
	g_autoptr(GsHealthTracker) b = gs_health_tracker_new();
	g_autoptr(GsHealthTracker) c = gs_health_tracker_new();
	gboolean differs = FALSE;

	gs_health_tracker_set_clock(a, fixture_clock, f);
	gs_health_tracker_set_clock(b, fixture_clock, f);
	gs_health_tracker_set_clock(c, fixture_clock, f);
	gs_health_tracker_set_seed(a, 7);
	gs_health_tracker_set_seed(b, 7);
	gs_health_tracker_set_seed(c, 8);
	for (guint i = 0; i < 10; i++) {
		gs_health_tracker_record_failure(a, URL, GS_NAUGHTY_CATEGORY_NONE);
		gs_health_tracker_record_failure(b, URL, GS_NAUGHTY_CATEGORY_NONE);
		gs_health_tracker_record_failure(c, URL, GS_NAUGHTY_CATEGORY_NONE);
		g_assert_cmpint(gs_health_tracker_get_next_retry_at(a, URL),
				==,
				gs_health_tracker_get_next_retry_at(b, URL));
		if (gs_health_tracker_get_next_retry_at(a, URL) !=
		    gs_health_tracker_get_next_retry_at(c, URL))
			differs = TRUE;
	}
	g_assert_true(differs);
}

/* dead ---------------------------------------------------------------------------------- */

static void
test_dead_then_daily(Fixture *f, gconstpointer data)
{
	gint64 first = f->now;
	guint n = 0;

	/* fail at every allowed attempt for a day: degraded until the streak is 24 h old */
	while (f->now - first < 24 * HOUR) {
		g_assert_cmpint(gs_health_tracker_get_health(f->tracker, URL),
				==,
				n == 0 ? GS_RELAY_HEALTH_DISCONNECTED : GS_RELAY_HEALTH_DEGRADED);
		gs_health_tracker_record_failure(f->tracker, URL, GS_NAUGHTY_CATEGORY_NONE);
		n++;
		f->now = MIN(gs_health_tracker_get_next_retry_at(f->tracker, URL),
			     first + 24 * HOUR);
	}
	g_test_message("%u attempts in the first day", n);
	g_assert_cmpuint(n, >, 20);
	g_assert_cmpuint(n, <, 40);

	/* 24 h after the first failure the relay is dead, before any further failure */
	g_assert_cmpint(gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DEAD);
	f->now -= 1;
	g_assert_cmpint(
		gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DEGRADED);
	f->now += 1;

	/* dead relays are tried once per 24 h, exactly */
	for (guint day = 0; day < 3; day++) {
		f->now = MAX(f->now, gs_health_tracker_get_next_retry_at(f->tracker, URL));
		g_assert_true(gs_health_tracker_can_attempt(f->tracker, URL));
		g_assert_cmpint(fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE), ==, 24 * HOUR);
		g_assert_cmpint(
			gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DEAD);
		f->now += 24 * HOUR - 1;
		g_assert_false(gs_health_tracker_can_attempt(f->tracker, URL));
		f->now += 1;
	}
}

static void
test_dead_after_configured(Fixture *f, gconstpointer data)
{
	gs_health_tracker_set_dead_after(f->tracker, 60);
	fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE);
	f->now += 59 * SEC;
	g_assert_cmpint(
		gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DEGRADED);
	f->now += SEC;
	g_assert_cmpint(gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DEAD);
	g_assert_cmpint(fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE), ==, 60 * SEC);
}

static void
test_success_resets(Fixture *f, gconstpointer data)
{
	for (guint i = 0; i < 6; i++)
		fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE);
	f->now += 25 * HOUR;
	g_assert_cmpint(gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DEAD);

	gs_health_tracker_record_success(f->tracker, URL);
	g_assert_cmpuint(gs_health_tracker_get_consecutive_failures(f->tracker, URL), ==, 0);
	g_assert_cmpint(gs_health_tracker_get_next_retry_at(f->tracker, URL), ==, 0);
	g_assert_true(gs_health_tracker_can_attempt(f->tracker, URL));
	g_assert_cmpint(
		gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DISCONNECTED);
	gs_health_tracker_record_connected(f->tracker, URL);
	g_assert_cmpint(gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_HEALTHY);

	/* a new streak starts from the base again, and a new 24 h */
	g_assert_cmpint(fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE), <, 6 * SEC);
	g_assert_cmpint(
		gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DEGRADED);
	f->now += 23 * HOUR;
	g_assert_cmpint(
		gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DEGRADED);
}

static void
test_states(Fixture *f, gconstpointer data)
{
	/* unknown */
	g_assert_cmpint(
		gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DISCONNECTED);
	g_assert_true(gs_health_tracker_can_attempt(f->tracker, URL));
	g_assert_cmpuint(gs_health_tracker_get_consecutive_failures(f->tracker, URL), ==, 0);
	g_assert_cmpint(gs_health_tracker_get_next_retry_at(f->tracker, URL), ==, 0);

	gs_health_tracker_record_connected(f->tracker, URL);
	g_assert_cmpint(gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_HEALTHY);
	gs_health_tracker_record_disconnected(f->tracker, URL);
	g_assert_cmpint(
		gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DISCONNECTED);

	/* an unexpected drop: a failure, so degraded, and no longer connected */
	gs_health_tracker_record_connected(f->tracker, URL);
	fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE);
	g_assert_cmpint(
		gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DEGRADED);

	/* rate-limited is checked first, even over dead */
	f->now += 24 * HOUR;
	g_assert_cmpint(gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DEAD);
	gs_health_tracker_rate_limit(f->tracker, URL);
	g_assert_cmpint(
		gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_RATE_LIMITED);

	/* the values are the ngit_sync_relay_status metric */
	g_assert_cmpint(GS_RELAY_HEALTH_HEALTHY, ==, 1);
	g_assert_cmpint(GS_RELAY_HEALTH_RATE_LIMITED, ==, 5);
}

/* rate limits --------------------------------------------------------------------------- */

static void
test_rate_limit_timer(Fixture *f, gconstpointer data)
{
	gint64 start = g_get_monotonic_time();

	gs_health_tracker_set_rate_limit_cooldown(f->tracker, 30);
	gs_health_tracker_rate_limit(f->tracker, URL);
	g_assert_true(gs_health_tracker_is_rate_limited(f->tracker, URL));
	g_assert_false(gs_health_tracker_can_attempt(f->tracker, URL));
	g_assert_false(gs_health_tracker_is_rate_limited(f->tracker, URL2));

	fixture_wait_ended(f, 1, 2000);
	g_assert_cmpuint(f->ended->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(f->ended, 0), ==, URL);
	g_assert_cmpint(g_get_monotonic_time() - start, >=, 30 * 1000);
	g_assert_false(gs_health_tracker_is_rate_limited(f->tracker, URL));
	g_assert_true(gs_health_tracker_can_attempt(f->tracker, URL));
	g_assert_cmpint(
		gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DISCONNECTED);

	/* one-shot */
	fixture_wait_ended(f, 2, 80);
	g_assert_cmpuint(f->ended->len, ==, 1);
}

/* the default 65 s cooldown, ended by the clock and tick() */
static void
test_rate_limit_tick(Fixture *f, gconstpointer data)
{
	gs_health_tracker_rate_limit(f->tracker, URL);
	f->now += 64 * SEC;
	gs_health_tracker_tick(f->tracker);
	g_assert_true(gs_health_tracker_is_rate_limited(f->tracker, URL));
	g_assert_cmpuint(f->ended->len, ==, 0);

	f->now += SEC;
	gs_health_tracker_tick(f->tracker);
	g_assert_cmpuint(f->ended->len, ==, 1);
	g_assert_false(gs_health_tracker_is_rate_limited(f->tracker, URL));
	gs_health_tracker_tick(f->tracker);
	g_assert_cmpuint(f->ended->len, ==, 1);
}

/* a second rate limit restarts the cooldown: one end signal, after the second */
static void
test_rate_limit_restart(Fixture *f, gconstpointer data)
{
	gs_health_tracker_rate_limit(f->tracker, URL);
	f->now += 60 * SEC;
	gs_health_tracker_rate_limit(f->tracker, URL);
	f->now += 10 * SEC;
	gs_health_tracker_tick(f->tracker);
	g_assert_true(gs_health_tracker_is_rate_limited(f->tracker, URL));
	f->now += 55 * SEC;
	gs_health_tracker_tick(f->tracker);
	g_assert_cmpuint(f->ended->len, ==, 1);
}

/* a rate-limited relay keeps its failure backoff */
static void
test_rate_limit_and_backoff(Fixture *f, gconstpointer data)
{
	gint64 delay = fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE);

	gs_health_tracker_rate_limit(f->tracker, URL);
	f->now += 65 * SEC;
	gs_health_tracker_tick(f->tracker);
	g_assert_cmpint(delay, <, 65 * SEC);
	g_assert_true(gs_health_tracker_can_attempt(f->tracker, URL));
	g_assert_cmpint(
		gs_health_tracker_get_health(f->tracker, URL), ==, GS_RELAY_HEALTH_DEGRADED);
}

static void
test_rate_limit_remove(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) urls = NULL;

	gs_health_tracker_set_rate_limit_cooldown(f->tracker, 20);
	gs_health_tracker_rate_limit(f->tracker, URL);
	gs_health_tracker_rate_limit(f->tracker, URL2);
	gs_health_tracker_remove(f->tracker, URL);
	urls = gs_health_tracker_dup_urls(f->tracker);
	g_assert_cmpuint(g_strv_length(urls), ==, 1);
	g_assert_cmpstr(urls[0], ==, URL2);
	fixture_wait_ended(f, 2, 100);
	g_assert_cmpuint(f->ended->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(f->ended, 0), ==, URL2);
}

/* handlers may remove the relay, from the timer and from tick() */
static void
test_rate_limit_handler_removes(Fixture *f, gconstpointer data)
{
	f->remove_in_handler = TRUE;
	gs_health_tracker_set_rate_limit_cooldown(f->tracker, 10);
	gs_health_tracker_rate_limit(f->tracker, URL);
	fixture_wait_ended(f, 1, 2000);
	g_assert_cmpuint(f->ended->len, ==, 1);

	gs_health_tracker_set_rate_limit_cooldown(f->tracker, 65000);
	gs_health_tracker_rate_limit(f->tracker, URL);
	gs_health_tracker_rate_limit(f->tracker, URL2);
	f->now += 65 * SEC;
	gs_health_tracker_tick(f->tracker);
	g_assert_cmpuint(f->ended->len, ==, 3);
	g_assert_null(gs_health_tracker_export(f->tracker, URL));
	g_assert_null(gs_health_tracker_export(f->tracker, URL2));
}

/* a tracker freed during a cooldown leaves no timer behind */
static void
test_rate_limit_dispose(Fixture *f, gconstpointer data)
{
	gs_health_tracker_set_rate_limit_cooldown(f->tracker, 10);
	gs_health_tracker_rate_limit(f->tracker, URL);
	g_clear_object(&f->tracker);
	fixture_wait_ended(f, 1, 50);
	g_assert_cmpuint(f->ended->len, ==, 0);
}

typedef struct {
	const gchar *text;
	gboolean expected;
} GsTextCase;

static void
test_notice_detection(void)
{
	const GsTextCase cases[] = {
		{"rate limited", TRUE},
		{"Rate-Limited: slow your roll", TRUE},
		{"you are being RATE LIMITED", TRUE},
		{"rate: over the limit", TRUE},
		{"error: too many requests", TRUE},
		{"Too Many concurrent REQs", TRUE},
		{"please slow down", TRUE},
		{"throttled", TRUE},
		{"Throttling in effect", TRUE},
		{"ratelimit", TRUE},
		/* look-alikes that are not */
		{"rate this relay", FALSE},
		{"limited edition", FALSE},
		{"too few", FALSE},
		{"slow", FALSE},
		{"down for maintenance", FALSE},
		{"ERROR: bad msg: negentropy disabled", FALSE},
		{"blocked: pay to write", FALSE},
		{"auth-required: we only serve members", FALSE},
		{"", FALSE},
		{NULL, FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("NOTICE %s", cases[i].text);
		g_assert_cmpint(
			gs_health_notice_is_rate_limit(cases[i].text), ==, cases[i].expected);
	}
}

static void
test_closed_detection(void)
{
	const GsTextCase cases[] = {
		{"rate-limited: slow down", TRUE},
		{"rate-limited: daily issue limit for keys no steward has vouched for", TRUE},
		{"rate-limited:", TRUE},
		/* the prefix is machine-readable: exact, at the start */
		{"rate-limited", FALSE},
		{"Rate-Limited: x", FALSE},
		{" rate-limited: x", FALSE},
		{"error: rate-limited: x", FALSE},
		{"ERROR: bad req: too many filters", FALSE},
		{"blocked: rate-limited: no", FALSE},
		{"", FALSE},
		{NULL, FALSE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_test_message("CLOSED %s", cases[i].text);
		g_assert_cmpint(
			gs_health_closed_is_rate_limit(cases[i].text), ==, cases[i].expected);
	}
}

/* naughty list -------------------------------------------------------------------------- */

typedef struct {
	const gchar *name;
	GQuark (*domain)(void);
	gint code;
	const gchar *message;
	GsNaughtyCategory expected;
} GsClassifyCase;

#define NAUGHTY(name, domain, code, message, expected)                                             \
	{                                                                                          \
		name, domain##_quark, code, message, GS_NAUGHTY_CATEGORY_##expected                \
	}

static const GsClassifyCase classify_cases[] = {
	NAUGHTY("dns-not-found",
		g_resolver_error,
		G_RESOLVER_ERROR_NOT_FOUND,
		"Error resolving \xe2\x80\x9cnope.invalid\xe2\x80\x9d: Name or service not known",
		DNS_LOOKUP_FAILED),
	NAUGHTY("io-host-not-found",
		g_io_error,
		G_IO_ERROR_HOST_NOT_FOUND,
		"Host not found",
		DNS_LOOKUP_FAILED),
	NAUGHTY("tls-bad-certificate",
		g_tls_error,
		G_TLS_ERROR_BAD_CERTIFICATE,
		"Unacceptable TLS certificate",
		TLS_CERTIFICATE_INVALID),
	NAUGHTY("tls-not-tls",
		g_tls_error,
		G_TLS_ERROR_NOT_TLS,
		"Peer failed to perform TLS handshake",
		PROTOCOL_ERROR),
	NAUGHTY("tls-handshake", g_tls_error, G_TLS_ERROR_HANDSHAKE, "handshake", PROTOCOL_ERROR),
	NAUGHTY("ws-not-websocket",
		soup_websocket_error,
		SOUP_WEBSOCKET_ERROR_NOT_WEBSOCKET,
		"The server did not accept the WebSocket handshake.",
		PROTOCOL_ERROR),
	NAUGHTY("ws-bad-handshake",
		soup_websocket_error,
		SOUP_WEBSOCKET_ERROR_BAD_HANDSHAKE,
		"Server ignored WebSocket handshake",
		PROTOCOL_ERROR),
	NAUGHTY("ws-bad-origin",
		soup_websocket_error,
		SOUP_WEBSOCKET_ERROR_BAD_ORIGIN,
		"origin",
		PROTOCOL_ERROR),
	NAUGHTY("http-parsing",
		soup_session_error,
		SOUP_SESSION_ERROR_PARSING,
		"parse",
		PROTOCOL_ERROR),
	NAUGHTY("http-redirects",
		soup_session_error,
		SOUP_SESSION_ERROR_TOO_MANY_REDIRECTS,
		"Too many redirects",
		PROTOCOL_ERROR),
	/* look-alikes that are not naughty */
	NAUGHTY("refused", g_io_error, G_IO_ERROR_CONNECTION_REFUSED, "Connection refused", NONE),
	NAUGHTY("timeout", g_io_error, G_IO_ERROR_TIMED_OUT, "Socket I/O timed out", NONE),
	NAUGHTY("reset",
		g_io_error,
		G_IO_ERROR_CONNECTION_CLOSED,
		"Connection reset by peer",
		NONE),
	NAUGHTY("broken-pipe", g_io_error, G_IO_ERROR_BROKEN_PIPE, "Broken pipe", NONE),
	NAUGHTY("net-unreachable", g_io_error, G_IO_ERROR_NETWORK_UNREACHABLE, "unreachable", NONE),
	NAUGHTY("host-unreachable", g_io_error, G_IO_ERROR_HOST_UNREACHABLE, "No route", NONE),
	NAUGHTY("cancelled", g_io_error, G_IO_ERROR_CANCELLED, "Operation was cancelled", NONE),
	NAUGHTY("dns-temporary",
		g_resolver_error,
		G_RESOLVER_ERROR_TEMPORARY_FAILURE,
		"Temporary failure in name resolution",
		NONE),
	NAUGHTY("dns-words-wrong-domain",
		g_io_error,
		G_IO_ERROR_FAILED,
		"Error resolving \xe2\x80\x9cx\xe2\x80\x9d: Name or service not known",
		NONE),
	NAUGHTY("tls-words-wrong-domain", g_io_error, G_IO_ERROR_FAILED, "bad certificate", NONE),
	NAUGHTY("tls-eof",
		g_tls_error,
		G_TLS_ERROR_EOF,
		"TLS connection closed unexpectedly",
		NONE),
	NAUGHTY("tls-unavailable", g_tls_error, G_TLS_ERROR_UNAVAILABLE, "no TLS backend", NONE),
	NAUGHTY("ws-failed", soup_websocket_error, SOUP_WEBSOCKET_ERROR_FAILED, "failed", NONE),
	NAUGHTY("gs-timeout", gs_error, GS_ERROR_TIMEOUT, "connect timed out", NONE),
	NAUGHTY("gs-protocol", gs_error, GS_ERROR_PROTOCOL, "bad frame", NONE),
};

static void
test_classify(gconstpointer data)
{
	const GsClassifyCase *c = data;
	g_autoptr(GError) error = g_error_new_literal(c->domain(), c->code, c->message);

	g_assert_cmpint(gs_health_classify_error(error), ==, c->expected);
}

/* a real refused connection on loopback is not naughty, and nor is no error */
static void
test_classify_real_refused(void)
{
	g_autoptr(GSocketListener) listener = g_socket_listener_new();
	g_autoptr(GSocketClient) client = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	guint16 port = g_socket_listener_add_any_inet_port(listener, NULL, &error);

	g_assert_no_error(error);
	g_socket_listener_close(listener);
	/* loopback only; the desktop proxy resolver would need GSettings schemas */
	g_socket_client_set_enable_proxy(client, FALSE);
	conn = g_socket_client_connect_to_host(client, "127.0.0.1", port, NULL, &error);
	g_assert_null(conn);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
	g_assert_cmpint(gs_health_classify_error(error), ==, GS_NAUGHTY_CATEGORY_NONE);
	g_assert_cmpint(gs_health_classify_error(NULL), ==, GS_NAUGHTY_CATEGORY_NONE);
}

static void
test_naughty_hourly(Fixture *f, gconstpointer data)
{
	/* a DNS failure: an hour, not the 5 s of the first backoff step */
	g_assert_cmpint(fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_DNS_LOOKUP_FAILED), ==, HOUR);
	g_assert_cmpint(gs_health_tracker_get_naughty_category(f->tracker, URL),
			==,
			GS_NAUGHTY_CATEGORY_DNS_LOOKUP_FAILED);
	g_assert_cmpuint(gs_health_tracker_get_naughty_occurrences(f->tracker, URL), ==, 1);
	f->now += HOUR - 1;
	g_assert_false(gs_health_tracker_can_attempt(f->tracker, URL));
	f->now += 1;
	g_assert_true(gs_health_tracker_can_attempt(f->tracker, URL));

	/* while listed, any failure waits an hour; only naughty ones count as occurrences */
	g_assert_cmpint(fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE), ==, HOUR);
	g_assert_cmpuint(gs_health_tracker_get_naughty_occurrences(f->tracker, URL), ==, 1);
	f->now += HOUR;
	g_assert_cmpint(
		fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_TLS_CERTIFICATE_INVALID), ==, HOUR);
	g_assert_cmpuint(gs_health_tracker_get_naughty_occurrences(f->tracker, URL), ==, 2);
	g_assert_cmpint(gs_health_tracker_get_naughty_category(f->tracker, URL),
			==,
			GS_NAUGHTY_CATEGORY_TLS_CERTIFICATE_INVALID);

	/* a backoff step beyond an hour wins over the naughty hour */
	for (guint i = 0; i < 10; i++)
		fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_PROTOCOL_ERROR);
	g_assert_cmpint(fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_PROTOCOL_ERROR), >, HOUR);

	/* other relays are unaffected */
	g_assert_cmpint(gs_health_tracker_get_naughty_category(f->tracker, URL2),
			==,
			GS_NAUGHTY_CATEGORY_NONE);
	g_assert_cmpint(fixture_fail(f, URL2, GS_NAUGHTY_CATEGORY_NONE), <, 6 * SEC);
}

static void
test_naughty_expiry(Fixture *f, gconstpointer data)
{
	gint64 first_seen = f->now;
	g_auto(GStrv) urls = NULL;

	fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_DNS_LOOKUP_FAILED);
	/* more occurrences do not extend the 12 h from the first */
	f->now = first_seen + 11 * HOUR;
	fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_DNS_LOOKUP_FAILED);
	g_assert_cmpuint(gs_health_tracker_get_naughty_occurrences(f->tracker, URL), ==, 2);

	f->now = first_seen + 12 * HOUR - 1;
	gs_health_tracker_tick(f->tracker);
	g_assert_cmpint(gs_health_tracker_get_naughty_category(f->tracker, URL),
			==,
			GS_NAUGHTY_CATEGORY_DNS_LOOKUP_FAILED);
	f->now += 1;
	g_assert_cmpint(gs_health_tracker_get_naughty_category(f->tracker, URL),
			==,
			GS_NAUGHTY_CATEGORY_NONE);
	g_assert_cmpuint(gs_health_tracker_get_naughty_occurrences(f->tracker, URL), ==, 0);
	gs_health_tracker_tick(f->tracker);
	urls = gs_health_tracker_dup_urls(f->tracker);
	g_assert_cmpstr(urls[0], ==, URL);

	/* expired: back to the plain backoff; a new naughty failure starts a new listing */
	g_assert_cmpint(fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE), <, 1300 * SEC);
	fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_PROTOCOL_ERROR);
	g_assert_cmpuint(gs_health_tracker_get_naughty_occurrences(f->tracker, URL), ==, 1);
	f->now += 12 * HOUR - 1;
	g_assert_cmpint(gs_health_tracker_get_naughty_category(f->tracker, URL),
			==,
			GS_NAUGHTY_CATEGORY_PROTOCOL_ERROR);
}

static void
test_naughty_success_clears(Fixture *f, gconstpointer data)
{
	fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_TLS_CERTIFICATE_INVALID);
	f->now += HOUR;
	gs_health_tracker_record_success(f->tracker, URL);
	g_assert_cmpint(gs_health_tracker_get_naughty_category(f->tracker, URL),
			==,
			GS_NAUGHTY_CATEGORY_NONE);
	g_assert_cmpint(fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE), <, 6 * SEC);
}

static void
test_naughty_to_string(void)
{
	const struct {
		GsNaughtyCategory value;
		const gchar *label;
	} cases[] = {
		{GS_NAUGHTY_CATEGORY_NONE, "none"},
		{GS_NAUGHTY_CATEGORY_DNS_LOOKUP_FAILED, "dns_lookup_failed"},
		{GS_NAUGHTY_CATEGORY_TLS_CERTIFICATE_INVALID, "tls_certificate_invalid"},
		{GS_NAUGHTY_CATEGORY_PROTOCOL_ERROR, "protocol_error"},
	};
	g_autoptr(GEnumClass) klass = g_type_class_ref(GS_TYPE_NAUGHTY_CATEGORY);
	GsNaughtyCategory parsed = GS_NAUGHTY_CATEGORY_NONE;

	g_assert_cmpuint(klass->n_values, ==, G_N_ELEMENTS(cases));
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_assert_cmpstr(gs_naughty_category_to_string(cases[i].value), ==, cases[i].label);
		g_assert_true(gs_naughty_category_from_string(cases[i].label, &parsed));
		g_assert_cmpint(parsed, ==, cases[i].value);
	}
	/* why a to-string at all: mkenums' nick has hyphens, the metric label underscores */
	g_assert_cmpstr(g_enum_get_value(klass, GS_NAUGHTY_CATEGORY_DNS_LOOKUP_FAILED)->value_nick,
			==,
			"dns-lookup-failed");
	g_assert_false(gs_naughty_category_from_string("dns-lookup-failed", &parsed));
	g_assert_false(gs_naughty_category_from_string("", NULL));
	g_assert_false(gs_naughty_category_from_string(NULL, NULL));
	g_assert_null(gs_naughty_category_to_string((GsNaughtyCategory)99));
}

/* persistence --------------------------------------------------------------------------- */

static void
test_export_import(Fixture *f, gconstpointer data)
{
	g_autoptr(GsHealthTracker) other = gs_health_tracker_new();
	g_autoptr(GVariant) state = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *text = NULL;

	g_assert_null(gs_health_tracker_export(f->tracker, URL));
	for (guint i = 0; i < 3; i++)
		fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_DNS_LOOKUP_FAILED);
	state = gs_health_tracker_export(f->tracker, URL);
	g_assert_true(g_variant_is_of_type(state, G_VARIANT_TYPE_VARDICT));
	text = g_variant_print(state, TRUE);
	g_test_message("%s", text);
	g_assert_nonnull(strstr(text, "'naughty-category': <'dns_lookup_failed'>"));

	/* a restarted daemon: same clock, fresh tracker */
	gs_health_tracker_set_clock(other, fixture_clock, f);
	g_assert_true(gs_health_tracker_import(other, URL, state, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(gs_health_tracker_get_consecutive_failures(other, URL), ==, 3);
	g_assert_cmpint(gs_health_tracker_get_next_retry_at(other, URL),
			==,
			gs_health_tracker_get_next_retry_at(f->tracker, URL));
	g_assert_cmpint(gs_health_tracker_get_naughty_category(other, URL),
			==,
			GS_NAUGHTY_CATEGORY_DNS_LOOKUP_FAILED);
	g_assert_cmpuint(gs_health_tracker_get_naughty_occurrences(other, URL), ==, 3);
	g_assert_false(gs_health_tracker_can_attempt(other, URL));

	/* the streak continues where it was: dead 24 h after the first failure */
	f->now += 24 * HOUR;
	g_assert_cmpint(gs_health_tracker_get_health(other, URL), ==, GS_RELAY_HEALTH_DEAD);
}

static void
test_import_bad(Fixture *f, gconstpointer data)
{
	const gchar *bad[] = {
		"'not a dict'",
		"{'consecutive-failures': <int32 1>, 'first-failure-at': <int64 5>}",
		"{'next-retry-at': <'soon'>}",
		"{'naughty-category': <'dns-lookup-failed'>}",
		"{'naughty-category': <'evil'>}",
		"{'consecutive-failures': <uint32 2>}",
		"@a{ss} {'consecutive-failures': '1'}",
	};
	g_autoptr(GVariant) before = NULL;
	g_autoptr(GVariant) after = NULL;
	g_autoptr(GVariant) extra = NULL;
	g_autoptr(GError) error = NULL;

	fixture_fail(f, URL, GS_NAUGHTY_CATEGORY_NONE);
	before = gs_health_tracker_export(f->tracker, URL);
	for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
		g_autoptr(GVariant) v = g_variant_parse(NULL, bad[i], NULL, NULL, &error);
		g_assert_no_error(error);
		g_test_message("import %s", bad[i]);
		g_assert_false(gs_health_tracker_import(f->tracker, URL, v, &error));
		g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
		g_clear_error(&error);
	}
	after = gs_health_tracker_export(f->tracker, URL);
	g_assert_true(g_variant_equal(before, after));

	/* members we do not know are ignored; absent ones are zero */
	extra = g_variant_parse(NULL,
				"{'future-member': <true>, 'consecutive-failures': <uint32 0>}",
				NULL,
				NULL,
				&error);
	g_assert_no_error(error);
	g_assert_true(gs_health_tracker_import(f->tracker, URL, extra, &error));
	g_assert_no_error(error);
	g_assert_cmpuint(gs_health_tracker_get_consecutive_failures(f->tracker, URL), ==, 0);
	g_assert_true(gs_health_tracker_can_attempt(f->tracker, URL));
}

static void
test_urls(Fixture *f, gconstpointer data)
{
	g_auto(GStrv) urls = NULL;

	gs_health_tracker_record_connected(f->tracker, URL);
	fixture_fail(f, URL2, GS_NAUGHTY_CATEGORY_NONE);
	urls = gs_health_tracker_dup_urls(f->tracker);
	g_assert_cmpuint(g_strv_length(urls), ==, 2);
	g_assert_cmpstr(urls[0], ==, URL2);
	g_assert_cmpstr(urls[1], ==, URL);
	gs_health_tracker_remove(f->tracker, URL2);
	g_assert_cmpuint(gs_health_tracker_get_consecutive_failures(f->tracker, URL2), ==, 0);
	g_assert_true(gs_health_tracker_can_attempt(f->tracker, URL2));
}

/* the schedule on its own: same steps and jitter as connection failures, no state kept */
static void
test_draw_backoff(Fixture *f, gconstpointer data)
{
	const gint64 steps[] = {5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600};
	g_auto(GStrv) urls = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(steps); i++) {
		gint64 base = steps[i] * G_USEC_PER_SEC;
		for (guint j = 0; j < 50; j++) {
			gint64 d = gs_health_tracker_draw_backoff(f->tracker, i + 1);
			g_assert_cmpint(d, >=, base);
			g_assert_cmpint(d, <=, base + base / 5);
		}
	}
	/* 0 failures is treated as the first */
	g_assert_cmpint(gs_health_tracker_draw_backoff(f->tracker, 0), <, 6 * G_USEC_PER_SEC);
	gs_health_tracker_set_backoff(f->tracker, 1, 4);
	g_assert_cmpint(gs_health_tracker_draw_backoff(f->tracker, 9), <=, 4800000);
	/* the relay table is untouched */
	urls = gs_health_tracker_dup_urls(f->tracker);
	g_assert_cmpuint(g_strv_length(urls), ==, 0);
}

#define ADD(path, func)                                                                            \
	g_test_add("/grasp-sync/health-tracker/" path,                                             \
		   Fixture,                                                                        \
		   NULL,                                                                           \
		   fixture_setup,                                                                  \
		   func,                                                                           \
		   fixture_teardown)

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	ADD("backoff/schedule", test_backoff_schedule);
	ADD("backoff/custom", test_backoff_custom);
	ADD("backoff/long-streak", test_backoff_long_streak);
	ADD("backoff/jitter-bounds", test_jitter_bounds);
	ADD("backoff/jitter-seeded", test_jitter_seeded);
	ADD("backoff/draw", test_draw_backoff);
	ADD("dead/after-24h-then-daily", test_dead_then_daily);
	ADD("dead/after-configured", test_dead_after_configured);
	ADD("success-resets", test_success_resets);
	ADD("states", test_states);
	ADD("rate-limit/timer-signal", test_rate_limit_timer);
	ADD("rate-limit/tick", test_rate_limit_tick);
	ADD("rate-limit/restart", test_rate_limit_restart);
	ADD("rate-limit/keeps-backoff", test_rate_limit_and_backoff);
	ADD("rate-limit/remove", test_rate_limit_remove);
	ADD("rate-limit/handler-removes", test_rate_limit_handler_removes);
	ADD("rate-limit/dispose", test_rate_limit_dispose);
	g_test_add_func("/grasp-sync/health-tracker/rate-limit/notice", test_notice_detection);
	g_test_add_func("/grasp-sync/health-tracker/rate-limit/closed", test_closed_detection);
	for (guint i = 0; i < G_N_ELEMENTS(classify_cases); i++) {
		g_autofree gchar *path = g_strdup_printf(
			"/grasp-sync/health-tracker/naughty/classify/%s", classify_cases[i].name);
		g_test_add_data_func_full(path, &classify_cases[i], test_classify, NULL);
	}
	g_test_add_func("/grasp-sync/health-tracker/naughty/classify/real-refused",
			test_classify_real_refused);
	ADD("naughty/hourly-retry", test_naughty_hourly);
	ADD("naughty/expiry-12h", test_naughty_expiry);
	ADD("naughty/success-clears", test_naughty_success_clears);
	g_test_add_func("/grasp-sync/health-tracker/naughty/to-string", test_naughty_to_string);
	ADD("persistence/export-import", test_export_import);
	ADD("persistence/import-bad", test_import_bad);
	ADD("urls", test_urls);
	return g_test_run();
}
