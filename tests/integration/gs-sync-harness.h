/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-sync-manager.h"
#include "gs-test-relay.h"
#include "gs-test-utils.h"

G_BEGIN_DECLS

/* our own service URL in every scenario; nothing listens there */
#define GS_HARNESS_SERVICE "wss://grasp.example.com"
/* how long a scenario waits for something that should happen, before failing */
#define GS_HARNESS_WAIT_MS (20000 * gs_harness_scale())

/*
 * The sync scenarios of specs/sync.md 13: a GsSyncManager over a temporary store, with its
 * policy and ingest, syncing from GsTestRelay relays on 127.0.0.1. Timers are shortened
 * through the options; the clock can be moved forward for the long schedules.
 */
typedef struct {
	gchar *tmpdir;
	gchar *db_path;
	GsStore *store;
	GsPolicy *policy;
	GsRejectedIndex *rejected;
	GsIngest *ingest;
	GsSyncManager *manager;
	GsSyncManagerOptions opts;
	gint64 clock_offset_us; /* added to the real clock */
	gboolean frozen;	/* the clock moves only with gs_harness_advance() */
	gint64 frozen_us;
	GHashTable *statuses; /* url -> GArray of GsConnectionStatus observed through notify */
	GPtrArray *relays;    /* of GsTestRelay, kept alive for the fixture's life */
} GsHarness;

guint
gs_harness_scale(void);
gint64
gs_harness_now(GsHarness *h);
void
gs_harness_freeze(GsHarness *h);
void
gs_harness_setup(GsHarness *h, gconstpointer data);
void
gs_harness_teardown(GsHarness *h, gconstpointer data);

/* one scenario of a test program: added as /grasp-sync/sync/NAME with a fresh harness */
typedef struct {
	const gchar *name;
	void (*func)(GsHarness *h, gconstpointer data);
} GsHarnessCase;

int
gs_harness_run_cases(int *argc, char ***argv, const GsHarnessCase *cases, guint n_cases);
void
gs_harness_open_store(GsHarness *h);
void
gs_harness_start(GsHarness *h, const gchar *const *bootstrap);
void
gs_harness_stop(GsHarness *h);
GsTestRelay *
gs_harness_relay_new(GsHarness *h, GsTestRelayFlags flags);
void
gs_harness_advance(GsHarness *h, gint64 seconds);

typedef gboolean (*GsHarnessCond)(GsHarness *h, gpointer data);
gboolean
gs_harness_wait(GsHarness *h, GsHarnessCond cond, gpointer data, guint timeout_ms);
void
gs_harness_run_for(GsHarness *h, guint ms);
gboolean
gs_harness_wait_status(GsHarness *h, const gchar *url, GsConnectionStatus status);
gboolean
gs_harness_wait_stored(GsHarness *h, GPtrArray *events);
void
gs_harness_assert_statuses(GsHarness *h, const gchar *url, const GsConnectionStatus *expected);

GHashTable *
gs_harness_ids(GsStore *store);
guint
gs_harness_n_events(GsStore *store);
void
gs_harness_assert_same_ids(GsStore *a, GsStore *b);
gboolean
gs_harness_has(GsHarness *h, GsEvent *event);
GArray *
gs_harness_get_statuses(GsHarness *h, const gchar *url);

/* events of a repository, signed by test keys */
GsEvent *
gs_harness_announcement(guint32 owner, const gchar *d, gint64 at, const gchar *const *relays);
GsEvent *
gs_harness_announcement_full(guint32 owner,
			     const gchar *d,
			     gint64 at,
			     const gchar *const *relays,
			     gboolean ours,
			     const gchar *const *maintainers);
gchar *
gs_harness_pubkey(guint32 seed);
GsEvent *
gs_harness_state(guint32 owner, const gchar *d, gint64 at);
GsEvent *
gs_harness_root(guint32 author, guint kind, const gchar *coordinate, gint64 at, const gchar *text);
GsEvent *
gs_harness_reply(guint32 author,
		 guint kind,
		 const gchar *tag,
		 const gchar *target_id,
		 gint64 at,
		 const gchar *text);
gchar *
gs_harness_coordinate(guint32 owner, const gchar *d);
GPtrArray *
gs_harness_repo_events(guint32 owner,
		       const gchar *d,
		       const gchar *const *relays,
		       guint n_roots,
		       guint n_replies);
GPtrArray *
gs_harness_repo_events_full(guint32 owner,
			    const gchar *d,
			    const gchar *const *relays,
			    gboolean ours,
			    guint n_roots,
			    guint n_replies);

G_END_DECLS
