/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-event.h"
#include "gs-store.h"

G_BEGIN_DECLS

/*
 * GsTestHome: a scripted home relay for the home-relay tests. A libsoup websocket server on
 * 127.0.0.1 that keeps what it accepts in an in-memory GsStore, answers REQ from it (with an
 * optional cap per filter, to make the client page), answers NIP-77 as a responder over it
 * (or says "unknown envelope"), can demand NIP-42 AUTH before EVENTs, and lets a judge
 * decide each EVENT's OK. It counts every EVENT it receives, per id.
 */
typedef struct _GsTestHome GsTestHome;

/**
 * GsTestHomeVerdict:
 * @GS_TEST_HOME_ACCEPT: store it, answer `OK true` (`duplicate:` when stored already)
 * @GS_TEST_HOME_REFUSE: answer `OK false` with the judge's message
 * @GS_TEST_HOME_HOLD: store it but keep the `OK true` until gs_test_home_release()
 * @GS_TEST_HOME_SILENT: never answer
 */
typedef enum {
	GS_TEST_HOME_ACCEPT,
	GS_TEST_HOME_REFUSE,
	GS_TEST_HOME_HOLD,
	GS_TEST_HOME_SILENT,
} GsTestHomeVerdict;

/* @times: how many times this id has been received, this one included */
typedef GsTestHomeVerdict (*GsTestHomeJudge)(GsTestHome *home,
					     GsEvent *event,
					     guint times,
					     const gchar **message,
					     gpointer user_data);

GsTestHome *
gs_test_home_new(void);
void
gs_test_home_free(GsTestHome *self);
const gchar *
gs_test_home_get_url(GsTestHome *self);
GsStore *
gs_test_home_get_store(GsTestHome *self);

void
gs_test_home_set_judge(GsTestHome *self, GsTestHomeJudge judge, gpointer user_data);
void
gs_test_home_set_no_nip77(GsTestHome *self, gboolean no_nip77);
void
gs_test_home_set_req_cap(GsTestHome *self, guint cap);
void
gs_test_home_set_req_silent(GsTestHome *self, gboolean silent);
void
gs_test_home_set_require_auth(GsTestHome *self, gboolean require_auth, gboolean accept_auth);

guint
gs_test_home_release(GsTestHome *self);
guint
gs_test_home_get_held(GsTestHome *self);
guint
gs_test_home_get_times(GsTestHome *self, const gchar *id);
guint
gs_test_home_get_n_events(GsTestHome *self);
guint
gs_test_home_get_n_ids(GsTestHome *self);
guint
gs_test_home_get_max_outstanding(GsTestHome *self);
guint
gs_test_home_get_n_auth(GsTestHome *self);
guint
gs_test_home_get_n_neg_open(GsTestHome *self);
guint
gs_test_home_get_n_req(GsTestHome *self);
guint
gs_test_home_get_n_connections(GsTestHome *self);
void
gs_test_home_reset_counts(GsTestHome *self);

void
gs_test_home_replace_store(GsTestHome *self, GPtrArray *events);
void
gs_test_home_drop_connections(GsTestHome *self);
void
gs_test_home_stop(GsTestHome *self);
void
gs_test_home_restart(GsTestHome *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(GsTestHome, gs_test_home_free)

/* iterates the default main context until @cond holds; fails the test after @ms */
#define GS_TEST_WAIT_FOR(cond, ms)                                                                 \
	G_STMT_START                                                                               \
	{                                                                                          \
		gint64 deadline_ = g_get_monotonic_time() + (gint64)(ms)*1000;                     \
		while (!(cond) && g_get_monotonic_time() < deadline_)                              \
			gs_test_home_iterate(50);                                                  \
		g_assert_true(cond);                                                               \
	}                                                                                          \
	G_STMT_END

void
gs_test_home_iterate(guint max_ms);
void
gs_test_home_run(guint ms);

G_END_DECLS
