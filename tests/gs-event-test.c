/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-event.h"
#include "gs-test-utils.h"

static void
gs_event_sign_verify_roundtrip(void)
{
	const gchar *tags[] = {"d", "repo", NULL, "relays", "wss://a", "wss://b", NULL, NULL};
	g_autoptr(GsEvent) ev = gs_test_event_new(1, 1700000000, 30617, tags, "hi \"there\"\n");
	g_autoptr(GsEvent) ev2 = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(gs_event_verify(ev, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(gs_event_get_d_tag(ev), ==, "repo");
	ev2 = gs_event_new_from_json(gs_event_get_json(ev), -1, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(gs_event_get_id(ev2), ==, gs_event_get_id(ev));
	g_assert_cmpstr(gs_event_get_json(ev2), ==, gs_event_get_json(ev));
	g_assert_true(gs_event_verify(ev2, &error));
}

int
main(int argc, char **argv)
{
	gs_test_init(&argc, &argv);
	g_test_add_func("/grasp-sync/event/sign-verify-roundtrip", gs_event_sign_verify_roundtrip);
	return g_test_run();
}
