/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-relay-url.h"
#include "gs-test-utils.h"

typedef struct {
	const gchar *name;
	const gchar *url;
	gboolean from_clone;
	const gchar *expected; /* NULL: refused with @code */
	gint code;
} GsUrlCase;

#define OK(name, url, expected)                                                                    \
	{                                                                                          \
		name, url, FALSE, expected, 0                                                      \
	}
#define CLONE(name, url, expected)                                                                 \
	{                                                                                          \
		name, url, TRUE, expected, 0                                                       \
	}
#define BAD(name, url)                                                                             \
	{                                                                                          \
		name, url, FALSE, NULL, GS_ERROR_INVALID_ARGUMENT                                  \
	}
#define BAD_CLONE(name, url)                                                                       \
	{                                                                                          \
		name, url, TRUE, NULL, GS_ERROR_INVALID_ARGUMENT                                   \
	}

static const GsUrlCase url_cases[] = {
	/* already normal */
	OK("plain", "wss://relay.example.com", "wss://relay.example.com"),
	OK("ws", "ws://relay.example.com", "ws://relay.example.com"),
	OK("ipv4", "ws://127.0.0.1:8080", "ws://127.0.0.1:8080"),
	/* case */
	OK("upper-scheme", "WSS://relay.example.com", "wss://relay.example.com"),
	OK("upper-host", "wss://Relay.Example.COM", "wss://relay.example.com"),
	OK("path-case-kept",
	   "wss://relay.example.com/Nostr/V1",
	   "wss://relay.example.com/Nostr/V1"),
	/* missing scheme */
	OK("no-scheme", "relay.example.com", "wss://relay.example.com"),
	OK("no-scheme-upper-slash", "Relay.Example.com/", "wss://relay.example.com"),
	OK("no-scheme-port", "localhost:7000", "wss://localhost:7000"),
	OK("no-scheme-ipv6", "[::1]:7000", "wss://[::1]:7000"),
	OK("scheme-relative", "//relay.example.com/", "wss://relay.example.com"),
	OK("query-holds-scheme", "relay.example.com/?r=http://x", "wss://relay.example.com"),
	/* trailing slashes, query, fragment */
	OK("trailing-slash", "wss://relay.example.com/", "wss://relay.example.com"),
	OK("trailing-slashes", "wss://relay.example.com///", "wss://relay.example.com"),
	OK("path", "wss://relay.example.com/nostr", "wss://relay.example.com/nostr"),
	OK("path-slash", "wss://relay.example.com/nostr/", "wss://relay.example.com/nostr"),
	OK("query", "wss://relay.example.com/?x=1", "wss://relay.example.com"),
	OK("fragment", "wss://relay.example.com#top", "wss://relay.example.com"),
	OK("path-query-fragment",
	   "wss://relay.example.com/a/b/?x=1&y#z",
	   "wss://relay.example.com/a/b"),
	OK("empty-query", "wss://relay.example.com?", "wss://relay.example.com"),
	/* ports */
	OK("wss-443", "wss://relay.example.com:443", "wss://relay.example.com"),
	OK("wss-443-slash", "wss://relay.example.com:443/", "wss://relay.example.com"),
	OK("ws-80", "ws://relay.example.com:80/", "ws://relay.example.com"),
	OK("ws-443-kept", "ws://relay.example.com:443", "ws://relay.example.com:443"),
	OK("wss-80-kept", "wss://relay.example.com:80", "wss://relay.example.com:80"),
	OK("port-kept", "wss://relay.example.com:7777/", "wss://relay.example.com:7777"),
	OK("port-path", "wss://relay.example.com:4443/x/", "wss://relay.example.com:4443/x"),
	OK("empty-port", "wss://relay.example.com:/", "wss://relay.example.com"),
	/* IPv6 */
	OK("ipv6-loopback", "wss://[::1]:7000/", "wss://[::1]:7000"),
	OK("ipv6-upper", "wss://[2001:DB8::1]", "wss://[2001:db8::1]"),
	OK("ipv6-default-port", "wss://[2001:db8::1]:443/", "wss://[2001:db8::1]"),
	OK("ipv6-mapped", "ws://[::FFFF:127.0.0.1]:80", "ws://[::ffff:127.0.0.1]"),
	OK("ipv6-uncompressed",
	   "wss://[2001:0DB8:0000:0000:0000:0000:0000:0001]",
	   "wss://[2001:db8::1]"),
	/* host spellings */
	OK("trailing-dot", "wss://relay.example.com./", "wss://relay.example.com"),
	OK("idn", "wss://rel\xc3\xa9.example", "wss://xn--rel-dma.example"),
	OK("punycode", "wss://XN--REL-DMA.example", "wss://xn--rel-dma.example"),
	OK("surrounding-space", "  wss://relay.example.com \n", "wss://relay.example.com"),
	OK("underscore", "wss://my_relay.example.com", "wss://my_relay.example.com"),
	/* clone-derived */
	CLONE("clone-https", "https://git.example.com", "wss://git.example.com"),
	CLONE("clone-http-80", "http://git.example.com:80/", "ws://git.example.com"),
	CLONE("clone-https-443-path",
	      "https://git.example.com:443/npub1x/repo.git",
	      "wss://git.example.com/npub1x/repo.git"),
	CLONE("clone-upper", "HTTPS://Git.Example.COM:8443", "wss://git.example.com:8443"),
	CLONE("clone-wss", "wss://git.example.com", "wss://git.example.com"),
	BAD_CLONE("clone-ftp", "ftp://git.example.com"),
	BAD_CLONE("clone-git", "git://git.example.com/repo.git"),
	BAD_CLONE("clone-ssh", "ssh://git@git.example.com/repo.git"),
	BAD_CLONE("clone-scp-style", "git@github.com:user/repo.git"),
	BAD_CLONE("clone-userinfo", "https://user:token@git.example.com/repo.git"),
	/* bad schemes */
	BAD("https-not-clone", "https://relay.example.com"),
	BAD("http-not-clone", "http://relay.example.com"),
	BAD("file", "file:///etc/passwd"),
	BAD("mailto", "mailto://relay@example.com"),
	BAD("wsss", "wsss://relay.example.com"),
	BAD("javascript", "javascript:alert(1)"),
	/* userinfo */
	BAD("userinfo", "wss://user@relay.example.com"),
	BAD("userinfo-password", "wss://user:pw@relay.example.com"),
	BAD("userinfo-empty", "wss://@relay.example.com"),
	/* garbage */
	BAD("empty", ""),
	BAD("blank", "   "),
	BAD("scheme-only", "wss://"),
	BAD("no-host-path", "wss:///nostr"),
	BAD("no-host-port", "wss://:443"),
	BAD("dot-host", "wss://./"),
	BAD("port-zero", "wss://relay.example.com:0"),
	BAD("port-too-big", "wss://relay.example.com:65536"),
	BAD("port-letters", "wss://relay.example.com:https"),
	BAD("inner-space", "wss://relay example.com"),
	BAD("path-space", "wss://relay.example.com/a b"),
	BAD("inner-newline", "wss://relay.example.com\n/x"),
	BAD("control", "wss://relay.example.com/\x01"),
	BAD("del", "wss://relay\x7f.example.com"),
	BAD("star-host", "wss://*.example.com"),
	BAD("encoded-slash-host", "wss://relay%2Fexample.com"),
	BAD("bad-percent", "wss://relay.example.com/%zz"),
	BAD("ipv6-unclosed", "wss://[::1"),
	BAD("ipv6-not-hex", "wss://[zz::1]"),
	BAD("ipv6-zone", "wss://[fe80::1%25eth0]:7000"),
	BAD("just-colon", ":"),
	BAD("comma-list", "wss://a.example.com,wss://b.example.com"),
};

static void
gs_relay_url_case(gconstpointer data)
{
	const GsUrlCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autofree gchar *out = gs_relay_url_normalise(c->url, c->from_clone, &error);
	g_autofree gchar *again = NULL;

	if (c->expected == NULL) {
		g_assert_null(out);
		g_assert_error(error, GS_ERROR, c->code);
		return;
	}
	g_assert_no_error(error);
	g_assert_cmpstr(out, ==, c->expected);

	/* normal form is a fixed point, and a relay URL, not a clone URL */
	again = gs_relay_url_normalise(out, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(again, ==, out);
}

static void
gs_relay_url_length(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) url = g_string_new("wss://relay.example.com/");
	g_autofree gchar *out = NULL;
	g_autofree gchar *bare = NULL;

	/* exactly the limit is accepted */
	while (url->len < GS_RELAY_URL_MAX_LEN)
		g_string_append_c(url, 'a');
	out = gs_relay_url_normalise(url->str, FALSE, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(strlen(out), ==, GS_RELAY_URL_MAX_LEN);

	/* one byte more is not */
	g_string_append_c(url, 'a');
	g_assert_null(gs_relay_url_normalise(url->str, FALSE, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_TOO_LARGE);
	g_clear_error(&error);

	/* nor is a URL that only grows past it when "wss://" is added */
	bare = g_strdup(url->str + strlen("wss://"));
	g_assert_cmpuint(strlen(bare), <=, GS_RELAY_URL_MAX_LEN);
	g_assert_null(gs_relay_url_normalise(bare, FALSE, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_TOO_LARGE);
	g_clear_error(&error);

	/* a megabyte is refused before it is parsed */
	g_string_set_size(url, 1024 * 1024);
	memset(url->str + 6, 'a', url->len - 6);
	g_assert_null(gs_relay_url_normalise(url->str, FALSE, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_TOO_LARGE);
}

static void
gs_relay_url_equal_test(void)
{
	g_assert_true(gs_relay_url_equal("Relay.Example.com", "wss://relay.example.com:443/"));
	g_assert_true(
		gs_relay_url_equal("wss://relay.example.com/x?y", "wss://relay.example.com/x/"));
	g_assert_true(gs_relay_url_equal("wss://[::1]:443", "wss://[0:0::1]"));
	g_assert_false(gs_relay_url_equal("wss://example.com", "wss://notexample.com"));
	g_assert_false(gs_relay_url_equal("wss://example.com", "wss://example.com.evil.org"));
	g_assert_false(gs_relay_url_equal("wss://example.com", "wss://sub.example.com"));
	g_assert_false(gs_relay_url_equal("ws://example.com", "wss://example.com"));
	g_assert_false(gs_relay_url_equal("wss://example.com", "wss://example.com:4443"));
	g_assert_false(gs_relay_url_equal("wss://example.com/a", "wss://example.com/A"));
	g_assert_false(gs_relay_url_equal("wss://example.com/a", "wss://example.com"));
	/* https is a clone URL, not a relay URL */
	g_assert_false(gs_relay_url_equal("https://example.com", "wss://example.com"));
	/* two invalid URLs are not "equal" */
	g_assert_false(gs_relay_url_equal("wss://", "wss://"));
	g_assert_false(gs_relay_url_equal(NULL, "wss://example.com"));
	g_assert_false(gs_relay_url_equal("wss://example.com", NULL));
}

static void
gs_relay_url_host_test(void)
{
	const struct {
		const gchar *url;
		const gchar *host;
	} cases[] = {
		{"wss://Relay.Example.COM:7777/x", "relay.example.com"},
		{"relay.example.com", "relay.example.com"},
		{"wss://notexample.com", "notexample.com"},
		{"wss://example.com.evil.org/example.com", "example.com.evil.org"},
		{"wss://[2001:DB8::1]:443", "2001:db8::1"},
		{"ws://127.0.0.1:8080", "127.0.0.1"},
		{"wss://relay.example.com.", "relay.example.com"},
	};
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree gchar *host = gs_relay_url_host(cases[i].url, &error);
		g_assert_no_error(error);
		g_assert_cmpstr(host, ==, cases[i].host);
	}
	g_assert_null(gs_relay_url_host("https://example.com", &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_clear_error(&error);
	g_assert_null(gs_relay_url_host("wss://user@example.com", &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
}

/* errors name the URL, escaped, so a log line never carries raw control bytes */
static void
gs_relay_url_error_message(void)
{
	g_autoptr(GError) error = NULL;

	g_assert_null(gs_relay_url_normalise("wss://a\x1b[31m.example.com", FALSE, &error));
	g_assert_error(error, GS_ERROR, GS_ERROR_INVALID_ARGUMENT);
	g_assert_null(strchr(error->message, '\x1b'));
	g_assert_nonnull(strstr(error->message, "\\033[31m"));
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	for (guint i = 0; i < G_N_ELEMENTS(url_cases); i++) {
		g_autofree gchar *path =
			g_strdup_printf("/grasp-sync/relay-url/normalise/%s", url_cases[i].name);
		g_test_add_data_func_full(path, &url_cases[i], gs_relay_url_case, NULL);
	}
	g_test_add_func("/grasp-sync/relay-url/length", gs_relay_url_length);
	g_test_add_func("/grasp-sync/relay-url/equal", gs_relay_url_equal_test);
	g_test_add_func("/grasp-sync/relay-url/host", gs_relay_url_host_test);
	g_test_add_func("/grasp-sync/relay-url/error-message", gs_relay_url_error_message);
	return g_test_run();
}
