/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include <gio/gio.h>

#include "gs-event.h"
#include "gs-policy.h"
#include "gs-store.h"

G_BEGIN_DECLS

void
gs_test_init(int *argc, char ***argv);
void
gs_test_seckey_from_seed(guint32 seed, guint8 *seckey);
GsEvent *
gs_test_event_new(guint32 key_seed,
		  gint64 created_at,
		  guint kind,
		  const gchar *const *tags_flat,
		  const gchar *content);
gchar *
gs_test_tmpdir_new(void);
void
gs_test_tmpdir_remove(const gchar *path);

/* a fresh store in a directory of its own, for a test fixture */
typedef struct {
	gchar *tmpdir;
	gchar *path;
	GsStore *store;
} GsTestStore;

void
gs_test_store_open(GsTestStore *ts);
void
gs_test_store_close(GsTestStore *ts);
/* the two as a GTest fixture's setup and teardown */
void
gs_test_store_setup(GsTestStore *ts, gconstpointer data);
void
gs_test_store_teardown(GsTestStore *ts, gconstpointer data);
void
gs_test_store_insert_expect(GsStore *store, GsEvent *event, GsStoreResult expected);

/* a policy over @store serving the one @service_url */
GsPolicy *
gs_test_policy_new(GsStore *store, const gchar *service_url);

/* running other programs (integration tests) */
const gchar *
gs_test_env_path(const gchar *name);
GSubprocess *
gs_test_spawn(const gchar *const *argv,
	      const gchar *var,
	      const gchar *value,
	      GDataInputStream **out);
gchar *
gs_test_read_line(GDataInputStream *stream, guint secs);
gint
gs_test_run(const gchar *const *argv, gchar **envp, gchar **out, gchar **err);
void
gs_test_assert_contains(const gchar *haystack, const gchar *needle);

G_END_DECLS
