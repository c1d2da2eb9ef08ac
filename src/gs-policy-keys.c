/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/* GsPolicy: the keys under which GsIngest files a deferred or refused event in the rejected
 * index, and the keys a stored event makes available */

#define G_LOG_DOMAIN "GsPolicy"

#include "config.h"

#include "gs-hex.h"
#include "gs-maintainers.h"
#include "gs-policy-private.h"
#include "gs-policy.h"

/**
 * gs_policy_dup_wait_keys:
 * @result: the decision for @event (deferred or rejected)
 *
 * The keys to file @event under in the rejected index: the result's dependency; the event's
 * own id (a stored event that references it makes it acceptable); and for announcements and
 * states, the author's announcement coordinate `30617:<author>:<d>`, which becomes available
 * when the author's announcement is stored or an accepted announcement lists the author as
 * a maintainer. Refusals that no later event can change (blacklisted, malformed) get none.
 *
 * Returns: (transfer full): the keys, possibly none
 */
GStrv
gs_policy_dup_wait_keys(GsPolicy *self, GsEvent *event, const GsPolicyResult *result)
{
	GPtrArray *keys = g_ptr_array_new();
	guint kind = gs_event_get_kind(event);
	gboolean repo_kind = kind == GS_KIND_ANNOUNCEMENT || kind == GS_KIND_STATE;

	if (result->verdict == GS_POLICY_VERDICT_DEFERRED ||
	    result->reason == GS_REJECT_REASON_DOES_NOT_LIST_SERVICE ||
	    result->reason == GS_REJECT_REASON_NOT_AUTHORIZED ||
	    result->reason == GS_REJECT_REASON_UNREFERENCED) {
		if (result->dependency != NULL)
			g_ptr_array_add(keys, g_strdup(result->dependency));
		if (repo_kind) {
			g_ptr_array_add(keys,
					gs_coordinate_build(GS_KIND_ANNOUNCEMENT,
							    gs_event_get_pubkey(event),
							    gs_event_get_d_tag(event)));
		} else {
			g_ptr_array_add(keys, g_strdup(gs_event_get_id(event)));
		}
	}
	g_ptr_array_add(keys, NULL);
	return (GStrv)g_ptr_array_free(keys, FALSE);
}

/**
 * GsPolicyKeyFunc:
 * @key: a key, valid during the call only
 * @user_data: the data given with the function
 */

/**
 * gs_policy_foreach_arrival_key:
 * @event: an event that was just stored
 * @func: called with each key in turn
 *
 * The keys @event makes available, one at a time and without copying them: its id, its
 * coordinate, the ids it references by `e`/`E`/`q`, and for an announcement `30617:<m>:<d>`
 * for each listed maintainer m. This runs for every stored event, so it builds only the
 * coordinates, in one buffer.
 */
void
gs_policy_foreach_arrival_key(GsPolicy *self,
			      GsEvent *event,
			      GsPolicyKeyFunc func,
			      gpointer user_data)
{
	guint kind = gs_event_get_kind(event);
	g_autoptr(GString) coordinate = NULL;

	g_return_if_fail(GS_IS_POLICY(self));
	func(gs_event_get_id(event), user_data);
	if (gs_kind_is_addressable(kind) || gs_kind_is_replaceable(kind)) {
		coordinate = g_string_sized_new(128);
		g_string_printf(coordinate,
				"%u:%s:%s",
				kind,
				gs_event_get_pubkey(event),
				gs_kind_is_addressable(kind) ? gs_event_get_d_tag(event) : "");
		func(coordinate->str, user_data);
	}
	for (guint i = 0; i < gs_event_get_n_tags(event); i++) {
		const gchar *const *tag = gs_event_get_tag(event, i);
		if (tag[1] != NULL && gs_policy_is_reference_tag(tag[0], FALSE) &&
		    gs_hex_is_lower(tag[1], 64))
			func(tag[1], user_data);
	}
	if (kind == GS_KIND_ANNOUNCEMENT) {
		g_auto(GStrv) maintainers = gs_maintainers_dup_listed(event);
		for (guint i = 0; maintainers[i] != NULL; i++) {
			g_string_printf(coordinate,
					"%u:%s:%s",
					GS_KIND_ANNOUNCEMENT,
					maintainers[i],
					gs_event_get_d_tag(event));
			func(coordinate->str, user_data);
		}
	}
}

static void
gs_policy_collect_key(const gchar *key, gpointer user_data)
{
	g_ptr_array_add(user_data, g_strdup(key));
}

/**
 * gs_policy_dup_arrival_keys:
 * @event: an event that was just stored
 *
 * The keys of gs_policy_foreach_arrival_key(), copied.
 *
 * Returns: (transfer full): the keys
 */
GStrv
gs_policy_dup_arrival_keys(GsPolicy *self, GsEvent *event)
{
	GPtrArray *keys = g_ptr_array_new();

	gs_policy_foreach_arrival_key(self, event, gs_policy_collect_key, keys);
	g_ptr_array_add(keys, NULL);
	return (GStrv)g_ptr_array_free(keys, FALSE);
}
