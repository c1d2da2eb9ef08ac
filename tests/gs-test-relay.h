/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <libsoup/soup.h>

#include "gs-message.h"
#include "gs-relay-server.h"
#include "gs-store.h"

G_BEGIN_DECLS

/**
 * GsTestRelayFlags:
 * @GS_TEST_RELAY_NO_NIP77: NEG-OPEN/NEG-MSG/NEG-CLOSE are answered `NOTICE "unknown envelope"`
 *   and otherwise ignored, like a relay without negentropy
 * @GS_TEST_RELAY_NEG_SILENT: NEG-OPEN is never answered
 * @GS_TEST_RELAY_IDS_NOT_SERVED: a REQ with an `ids` filter gets only EOSE (negentropy lists
 *   ids the relay then does not serve)
 * @GS_TEST_RELAY_NO_EOSE: stored events are sent but EOSE never is
 * @GS_TEST_RELAY_REFUSE_REQ: every REQ is answered `CLOSED` with the knobs' closed_text
 * @GS_TEST_RELAY_NOTICE_RATE_LIMITED: every REQ is answered `NOTICE "rate-limited: ..."` and
 *   dropped
 * @GS_TEST_RELAY_SEND_GARBAGE: before answering a REQ or NEG-OPEN the relay sends garbage:
 *   text that is not JSON, wrong array shapes, unknown verbs, and an EVENT for the
 *   subscription whose id and signature are wrong
 * @GS_TEST_RELAY_REFUSE_BROAD_REQ: a REQ with a filter that names no ids, authors, kinds or
 *   tags is answered `CLOSED "blocked: filter too broad"`, as some relays do
 * @GS_TEST_RELAY_FORGE_COPIES: before answering a REQ the relay sends, for each event it
 *   matches, a copy whose content was changed: its stated id and signature no longer fit it
 *
 * Ways to make the test relay misbehave; combine freely.
 */
typedef enum {
	GS_TEST_RELAY_NONE = 0,
	GS_TEST_RELAY_NO_NIP77 = 1 << 0,
	GS_TEST_RELAY_NEG_SILENT = 1 << 1,
	GS_TEST_RELAY_IDS_NOT_SERVED = 1 << 2,
	GS_TEST_RELAY_NO_EOSE = 1 << 3,
	GS_TEST_RELAY_REFUSE_REQ = 1 << 4,
	GS_TEST_RELAY_NOTICE_RATE_LIMITED = 1 << 5,
	GS_TEST_RELAY_SEND_GARBAGE = 1 << 6,
	GS_TEST_RELAY_REFUSE_BROAD_REQ = 1 << 7,
	GS_TEST_RELAY_FORGE_COPIES = 1 << 8,
} GsTestRelayFlags;

/**
 * GsTestRelayKnobs:
 * @flags: see #GsTestRelayFlags
 * @req_cap: REQ results are capped at this many events per filter, whatever the filter's
 *   limit (0: no cap beyond the limits)
 * @drop_after_events: the connection is dropped (no close handshake) once it has been sent
 *   this many EVENTs (0: never)
 * @closed_text: (nullable): the CLOSED text of %GS_TEST_RELAY_REFUSE_REQ, e.g.
 *   "rate-limited: slow down" or "auth-required: x"; %NULL gives "blocked: refused by test"
 */
typedef struct {
	GsTestRelayFlags flags;
	guint req_cap;
	guint drop_after_events;
	const gchar *closed_text;
} GsTestRelayKnobs;

#define GS_TYPE_TEST_RELAY (gs_test_relay_get_type())
G_DECLARE_FINAL_TYPE(GsTestRelay, gs_test_relay, GS, TEST_RELAY, GObject)

GsTestRelay *
gs_test_relay_new(const GsTestRelayKnobs *knobs);
GsTestRelay *
gs_test_relay_new_full(const GsTestRelayKnobs *knobs, const GsRelayLimits *limits);
void
gs_test_relay_set_knobs(GsTestRelay *self, const GsTestRelayKnobs *knobs);
const gchar *
gs_test_relay_get_url(GsTestRelay *self);
const gchar *
gs_test_relay_get_http_url(GsTestRelay *self);
GsStore *
gs_test_relay_get_store(GsTestRelay *self);
GsRelayServer *
gs_test_relay_get_server(GsTestRelay *self);
GsIngest *
gs_test_relay_get_ingest(GsTestRelay *self);
GsPolicy *
gs_test_relay_get_policy(GsTestRelay *self);
void
gs_test_relay_add_event(GsTestRelay *self, GsEvent *event);
void
gs_test_relay_add_events(GsTestRelay *self, GPtrArray *events);
guint
gs_test_relay_get_received(GsTestRelay *self, GsMessageType type);
guint
gs_test_relay_get_refusals(GsTestRelay *self);
GPtrArray *
gs_test_relay_get_log(GsTestRelay *self);
void
gs_test_relay_reset_counters(GsTestRelay *self);
guint
gs_test_relay_get_connection_count(GsTestRelay *self);
void
gs_test_relay_drop_connections(GsTestRelay *self);

G_END_DECLS
