/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* longest relay URL we accept, before and after normalisation */
#define GS_RELAY_URL_MAX_LEN 2000

/*
 * The one spelling of a relay URL (sync spec section 9). Index keys, metric labels, the D-Bus
 * Url and log lines all use it, so two spellings of one relay are one relay:
 *
 *   "Relay.Example.COM"                      -> "wss://relay.example.com"
 *   "WSS://relay.example.com:443/"           -> "wss://relay.example.com"
 *   "ws://relay.example.com:80/nostr/?x=1#y" -> "ws://relay.example.com/nostr"
 *   "wss://[2001:DB8::1]:7777"               -> "wss://[2001:db8::1]:7777"
 *   "https://git.example.com" (from_clone)   -> "wss://git.example.com"
 *
 * Rules: scheme lower-case, `wss` when missing; for URLs derived from a clone URL http becomes
 * ws and https wss; then anything but ws and wss is refused. Host lower-case (non-ASCII names
 * in punycode), one trailing dot dropped, IPv6 literals in brackets in RFC 5952 form. The default
 * port (80 for ws, 443 for wss) is dropped, others kept. The path is kept without trailing '/';
 * query and fragment are dropped. Userinfo, an empty host, a port of 0, an IPv6 zone id (it
 * means nothing on another machine), whitespace or control characters anywhere, and URLs over
 * GS_RELAY_URL_MAX_LEN bytes are refused.
 */

gchar *
gs_relay_url_normalise(const gchar *url, gboolean from_clone, GError **error);
gchar *
gs_relay_url_host(const gchar *url, GError **error);
gboolean
gs_relay_url_equal(const gchar *a, const gchar *b);

G_END_DECLS
