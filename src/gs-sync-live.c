/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include <string.h>

#include "gs-error.h"
#include "gs-filter.h"
#include "gs-sync-filters.h"
#include "gs-sync-manager-private.h"

/*
 * Live subscriptions (specs/sync.md 2): the layer filters with `limit:0`, kept open for the
 * life of the connection and not tracked as batches. A relay gets few REQs: one for L1, one
 * for L2 (state and repository filters of the confirmed and pending repositories) and one for
 * L3 (their root events), each split only past 200 filters (strfry's limit per REQ) or the
 * limit a relay states when it refuses a REQ with "too many filters (at most N)", and past
 * GS_SYNC_MAX_REQ_BYTES (strfry closes the connection on messages over 128 KiB). They follow
 * the item sets: the new REQ opens before the old one closes, so nothing published meanwhile
 * is missed. L2 and L3 grow in *parts*: the items discovered since the last change get REQs of
 * their own, and a part is merged with the older ones that are at most twice its size (one REQ
 * set replaces them), so a historic sync that discovers its items a window at a time sends
 * each item's filters O(log n) times, not once per window. An item that leaves, a REQ that
 * the relay closed or that is larger than the relay takes rebuilds the whole layer. On a relay
 * followed relay-wide (gs_sync_wide_live(): its relay-wide negentropy session is under way or
 * showed that it holds little we do not want), L2 and L3 are one REQ `{limit:0}` instead,
 * which also covers the items discovered later; it stays open until the items' REQs replace it.
 */

static void
gs_sync_live_sub_free(GsSyncLiveSub *sub)
{
	g_free(sub->sub_id);
	g_ptr_array_unref(sub->filters);
	g_free(sub);
}

static void
gs_sync_live_part_free(GsSyncLivePart *part)
{
	g_ptr_array_unref(part->items);
	g_free(part);
}

static GsSyncLiveSub *
gs_sync_live_find(GsSyncRelay *relay, const gchar *sub_id)
{
	for (guint l = 0; l < G_N_ELEMENTS(relay->live); l++) {
		for (guint i = 0; i < relay->live[l]->len; i++) {
			GsSyncLiveSub *sub = g_ptr_array_index(relay->live[l], i);
			if (g_strcmp0(sub->sub_id, sub_id) == 0)
				return sub;
		}
	}
	return NULL;
}

gboolean
gs_sync_live_is_sub(GsSyncRelay *relay, const gchar *sub_id)
{
	return gs_sync_live_find(relay, sub_id) != NULL;
}

static void
gs_sync_live_event_cb(GsRelayConnection *conn,
		      const gchar *sub_id,
		      const gchar *json,
		      gsize len,
		      gpointer user_data)
{
	GsSyncRelay *relay = user_data;
	GsSyncLiveSub *sub = gs_sync_live_find(relay, sub_id);

	if (sub != NULL)
		gs_sync_intake_event(relay->manager, relay, json, len, sub->filters, TRUE, NULL);
}

/* "too many filters (at most N)": split live REQs at N filters from now on */
static gboolean
gs_sync_live_learn_max_filters(GsSyncRelay *relay, const gchar *message)
{
	const gchar *at = message != NULL ? strstr(message, "too many filters") : NULL;
	const gchar *most = at != NULL ? strstr(at, "at most ") : NULL;
	guint64 n;

	if (most == NULL)
		return FALSE;
	n = g_ascii_strtoull(most + strlen("at most "), NULL, 10);
	if (n == 0 || n >= relay->max_filters)
		return FALSE;
	relay->max_filters = (guint)n;
	g_info("%s: at most %u filters a REQ", relay->url, relay->max_filters);
	return TRUE;
}

static void
gs_sync_live_state_cb(GsRelayConnection *conn,
		      const gchar *sub_id,
		      GsRelaySubscriptionEnd end,
		      const gchar *prefix,
		      const gchar *message,
		      gpointer user_data)
{
	GsSyncRelay *relay = user_data;
	GsSyncLiveSub *sub = gs_sync_live_find(relay, sub_id);

	if (sub == NULL)
		return;
	if (end == GS_RELAY_SUBSCRIPTION_EOSE) {
		sub->eose_seen = TRUE;
		return;
	}
	/* closed or aborted: the relay forgot it; a rate limit sends it again afterwards */
	g_clear_pointer(&sub->sub_id, g_free);
	if (end != GS_RELAY_SUBSCRIPTION_CLOSED)
		return;
	g_info("%s: live subscription closed: %s", relay->url, message != NULL ? message : "");
	if (g_strcmp0(gs_sync_reason_from_closed(message), "rate-limited") == 0) {
		gs_sync_manager_enter_rate_limit(relay->manager, relay, FALSE);
	} else if (gs_sync_live_learn_max_filters(relay, message)) {
		gs_sync_live_rebuild(relay->manager, relay);
	} else if (sub->part == 0 && g_ptr_array_find(relay->live[1], sub, NULL)) {
		/* the relay takes no `{limit:0}`: the items' own REQs, for this connection */
		relay->wide_live_refused = TRUE;
		gs_sync_live_rebuild(relay->manager, relay);
	} else {
		/* sending it again at every batch window would only be refused again (and re-send
		 * the whole layer each time); the next connection tries again */
		sub->refused = TRUE;
	}
}

/* the live REQs open on the relay now */
guint
gs_sync_live_n_open(GsSyncRelay *relay)
{
	guint n = 0;

	for (guint l = 0; l < G_N_ELEMENTS(relay->live); l++) {
		for (guint i = 0; i < relay->live[l]->len; i++) {
			GsSyncLiveSub *sub = g_ptr_array_index(relay->live[l], i);
			n += sub->sub_id != NULL;
		}
	}
	return n;
}

/*
 * While a historic pass runs, live L2/L3 REQs get at most half of the relay's subscription
 * budget: the rest is for the pass's REQs and NEG sessions. Without this share, the live REQs
 * of a large history (one per 10 filters on a relay taking 10 filters a REQ: 120 for 8,000
 * repositories and 29,000 roots) took nearly every subscription the relay allows, and the
 * historic work went on a few at a time. The REQs over the share are held and sent when the
 * pass ends; the relay would have refused them anyway when they do not fit.
 */
static gboolean
gs_sync_live_share_full(GsSyncRelay *relay)
{
	return relay->pass_started > 0 &&
	       gs_sync_live_n_open(relay) >= MAX(gs_sync_relay_budget(relay) / 2, 2);
}

/* a merged part may be tried: the budget and the live share have room for new REQs */
static gboolean
gs_sync_live_has_room(GsSyncRelay *relay)
{
	return gs_relay_connection_get_n_subscriptions(relay->conn) + 1 <
		       gs_sync_relay_budget(relay) &&
	       !gs_sync_live_share_full(relay);
}

/* also outside a pass, the items' live REQs leave the last subscription of the budget to
 * historic work: a batch found between passes (a new repository) must be able to fetch, or it
 * would wait for a slot the live REQs never give back */
static gboolean
gs_sync_live_over_share(GsSyncRelay *relay, GsSyncLiveSub *sub)
{
	guint budget = gs_sync_relay_budget(relay);

	return sub->part != 0 &&
	       (gs_sync_live_share_full(relay) ||
		(budget > 1 && gs_relay_connection_get_n_subscriptions(relay->conn) + 1 >= budget));
}

static gboolean
gs_sync_live_open(GsSyncRelay *relay, GsSyncLiveSub *sub)
{
	g_autoptr(GError) error = NULL;

	sub->eose_seen = FALSE;
	sub->held = gs_sync_live_over_share(relay, sub);
	if (sub->held) {
		g_debug("%s: live subscription held until the historic pass ends", relay->url);
		sub->refused = TRUE;
		return TRUE;
	}
	sub->sub_id = gs_relay_connection_subscribe(relay->conn,
						    sub->filters,
						    gs_sync_live_event_cb,
						    gs_sync_live_state_cb,
						    relay,
						    &error);
	if (sub->sub_id == NULL) {
		g_debug("%s: live subscription not opened: %s", relay->url, error->message);
		/* over the connection's subscription budget: as if the relay had refused it */
		sub->refused = g_error_matches(error, GS_ERROR, GS_ERROR_BUSY) &&
			       gs_relay_connection_is_open(relay->conn);
		return sub->refused;
	}
	sub->refused = FALSE;
	return TRUE;
}

static void
gs_sync_live_close_all(GsSyncRelay *relay, GPtrArray *subs)
{
	for (guint i = 0; i < subs->len; i++) {
		GsSyncLiveSub *sub = g_ptr_array_index(subs, i);
		if (sub->sub_id != NULL)
			gs_relay_connection_unsubscribe(relay->conn, sub->sub_id);
	}
}

/* a key that is equal when two filter lists are */
static gchar *
gs_sync_live_key(GPtrArray *filters)
{
	GString *key = g_string_new(NULL);

	for (guint i = 0; i < filters->len; i++) {
		g_autofree gchar *json = gs_filter_to_json(g_ptr_array_index(filters, i));
		g_string_append(key, json);
		g_string_append_c(key, '\n');
	}
	return g_string_free(key, FALSE);
}

static gchar *
gs_sync_live_subs_key(GPtrArray *subs)
{
	g_autoptr(GPtrArray) all = g_ptr_array_new();

	for (guint i = 0; i < subs->len; i++) {
		GsSyncLiveSub *sub = g_ptr_array_index(subs, i);
		for (guint j = 0; j < sub->filters->len; j++)
			g_ptr_array_add(all, g_ptr_array_index(sub->filters, j));
	}
	return gs_sync_live_key(all);
}

/* every REQ of the layer is open and no larger than the relay takes */
static gboolean
gs_sync_live_layer_is_open(GsSyncRelay *relay, guint layer)
{
	GPtrArray *subs = relay->live[layer];

	for (guint i = 0; i < subs->len; i++) {
		GsSyncLiveSub *sub = g_ptr_array_index(subs, i);
		if ((sub->sub_id == NULL && !sub->refused) ||
		    sub->filters->len > relay->max_filters)
			return FALSE;
	}
	return subs->len > 0;
}

/* moves filters from @filters[@off] on into @chunk while the REQ stays within the relay's
 * filter count and GS_SYNC_MAX_REQ_BYTES (one filter at least); returns: the next offset */
static guint
gs_sync_live_fill(GsSyncRelay *relay, GPtrArray *chunk, GPtrArray *filters, guint off)
{
	gsize bytes = 64; /* ["REQ","<id>", ... ] */

	for (; off < filters->len && chunk->len < relay->max_filters; off++) {
		GsFilter *filter = g_ptr_array_index(filters, off);
		g_autofree gchar *json = gs_filter_to_json(filter);
		if (chunk->len > 0 && bytes + strlen(json) + 1 > GS_SYNC_MAX_REQ_BYTES)
			break;
		bytes += strlen(json) + 1;
		g_ptr_array_add(chunk, gs_filter_ref(filter));
	}
	return off;
}

/* @filters as a REQ catching up from @since: no limit:0, so that the relay also sends what
 * it stored since then */
static void
gs_sync_live_catch_up_filters(GPtrArray *filters, gint64 since)
{
	for (guint i = 0; i < filters->len; i++) {
		GsFilter *copy = gs_filter_copy(g_ptr_array_index(filters, i));
		gs_filter_set_limit(copy, -1);
		gs_filter_set_since(copy, since);
		gs_filter_unref(g_ptr_array_index(filters, i));
		filters->pdata[i] = copy;
	}
}

/* opens the REQs for @filters, split as the relay takes them, as part @part of @layer */
static gboolean
gs_sync_live_open_filters(GsSyncRelay *relay, guint layer, guint part, GPtrArray *filters)
{
	gboolean ok = TRUE;

	for (guint off = 0; off < filters->len;) {
		GsSyncLiveSub *sub = g_new0(GsSyncLiveSub, 1);
		sub->part = part;
		sub->filters = g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
		off = gs_sync_live_fill(relay, sub->filters, filters, off);
		if (relay->live_catch_up > 0)
			gs_sync_live_catch_up_filters(sub->filters, relay->live_catch_up);
		g_ptr_array_add(relay->live[layer], sub);
		ok &= gs_sync_live_open(relay, sub);
	}
	return ok;
}

/* replaces the subscriptions of L1 when its filters changed; returns: %FALSE when a
 * subscription could not be opened (tried again at the next rebuild) */
static gboolean
gs_sync_live_set_layer(GsSyncRelay *relay, guint layer, GPtrArray *filters)
{
	g_autofree gchar *want = gs_sync_live_key(filters);
	g_autofree gchar *have = gs_sync_live_subs_key(relay->live[layer]);
	g_autoptr(GPtrArray) old = NULL;

	if (g_strcmp0(want, have) == 0 && gs_sync_live_layer_is_open(relay, layer))
		return TRUE;
	if (filters->len == 0 && relay->live[layer]->len == 0)
		return TRUE;
	old = g_steal_pointer(&relay->live[layer]);
	relay->live[layer] = g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_live_sub_free);
	if (!gs_sync_live_open_filters(relay, layer, 0, filters)) {
		gs_sync_live_close_all(relay, old);
		return FALSE;
	}
	gs_sync_live_close_all(relay, old);
	return TRUE;
}

/* the live filters of L2 ("s:" state, "f:" full repository items) or L3 (root ids) items */
static GPtrArray *
gs_sync_live_part_filters(guint layer, GPtrArray *items)
{
	g_autoptr(GPtrArray) state = g_ptr_array_new();
	g_autoptr(GPtrArray) full = g_ptr_array_new();
	GPtrArray *filters;
	GPtrArray *repo_filters;

	if (layer == 2)
		return gs_sync_filters_roots(items, GS_SYNC_FILTERS_LIVE, -1, NULL);
	for (guint i = 0; i < items->len; i++) {
		const gchar *item = g_ptr_array_index(items, i);
		g_ptr_array_add(item[0] == 's' ? state : full, (gpointer)(item + 2));
	}
	filters = gs_sync_filters_state(state, GS_SYNC_FILTERS_LIVE, -1, NULL);
	repo_filters = gs_sync_filters_repos(full, GS_SYNC_FILTERS_LIVE, -1, NULL);
	if (filters == NULL || repo_filters == NULL) {
		g_clear_pointer(&filters, g_ptr_array_unref);
		g_clear_pointer(&repo_filters, g_ptr_array_unref);
		return NULL;
	}
	for (guint i = 0; i < repo_filters->len; i++)
		g_ptr_array_add(filters, gs_filter_ref(g_ptr_array_index(repo_filters, i)));
	g_ptr_array_unref(repo_filters);
	return filters;
}

/* closes the REQs of the parts of @layer from index @from on and forgets those parts */
static void
gs_sync_live_drop_parts(GsSyncRelay *relay, guint layer, guint from)
{
	GPtrArray *parts = relay->live_parts[layer];
	g_autoptr(GHashTable) ids = g_hash_table_new(g_direct_hash, g_direct_equal);
	GPtrArray *subs = relay->live[layer];

	for (guint p = from; p < parts->len; p++) {
		GsSyncLivePart *part = g_ptr_array_index(parts, p);
		g_hash_table_add(ids, GUINT_TO_POINTER(part->id));
		for (guint i = 0; i < part->items->len; i++)
			g_hash_table_remove(relay->live_items[layer], part->items->pdata[i]);
	}
	for (guint i = subs->len; i-- > 0;) {
		GsSyncLiveSub *sub = g_ptr_array_index(subs, i);
		if (!g_hash_table_contains(ids, GUINT_TO_POINTER(sub->part)))
			continue;
		if (sub->sub_id != NULL)
			gs_relay_connection_unsubscribe(relay->conn, sub->sub_id);
		g_ptr_array_remove_index(subs, i);
	}
	if (from < parts->len)
		g_ptr_array_remove_range(parts, from, parts->len - from);
}

/* the layer as sent still serves @want: every REQ open, none too large, nothing to remove */
static gboolean
gs_sync_live_parts_intact(GsSyncRelay *relay, guint layer, GHashTable *want)
{
	GHashTableIter iter;
	gpointer key;

	if (relay->live[layer]->len > 0 && !gs_sync_live_layer_is_open(relay, layer))
		return FALSE;
	g_hash_table_iter_init(&iter, relay->live_items[layer]);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (!g_hash_table_contains(want, key))
			return FALSE;
	}
	return TRUE;
}

/* opens the REQs of @part's items; returns: %FALSE when one could not be sent */
static gboolean
gs_sync_live_open_part(GsSyncRelay *relay, guint layer, GsSyncLivePart *part)
{
	g_autoptr(GPtrArray) filters = gs_sync_live_part_filters(layer, part->items);

	if (filters == NULL) {
		g_warning("%s: bad items in the index", relay->url);
		return TRUE;
	}
	return gs_sync_live_open_filters(relay, layer, part->id, filters);
}

/* every REQ of part @id is open on the relay */
static gboolean
gs_sync_live_part_is_open(GsSyncRelay *relay, guint layer, guint id)
{
	for (guint i = 0; i < relay->live[layer]->len; i++) {
		GsSyncLiveSub *sub = g_ptr_array_index(relay->live[layer], i);
		if (sub->part == id && sub->sub_id == NULL)
			return FALSE;
	}
	return TRUE;
}

/* closes and forgets the REQs of part @id */
static void
gs_sync_live_close_part(GsSyncRelay *relay, guint layer, guint id)
{
	GPtrArray *subs = relay->live[layer];

	for (guint i = subs->len; i-- > 0;) {
		GsSyncLiveSub *sub = g_ptr_array_index(subs, i);
		if (sub->part != id)
			continue;
		if (sub->sub_id != NULL)
			gs_relay_connection_unsubscribe(relay->conn, sub->sub_id);
		g_ptr_array_remove_index(subs, i);
	}
}

/* L2 or L3: sends the items of @want not yet live as a new part, merged with the newest parts
 * that are at most twice its size; with @added, @want holds only items to add, else every item
 * the layer must serve (the layer is sent again when some must leave); returns: %FALSE when a
 * REQ could not be opened */
static gboolean
gs_sync_live_set_items(GsSyncRelay *relay, guint layer, GPtrArray *want, gboolean added)
{
	GPtrArray *parts = relay->live_parts[layer];
	g_autoptr(GHashTable) wanted = g_hash_table_new(gs_filter_value_hash, g_str_equal);
	GsSyncLivePart *part;
	guint from, n_new;
	gboolean ok;

	for (guint i = 0; !added && i < want->len; i++)
		g_hash_table_add(wanted, want->pdata[i]);
	if (!added && !gs_sync_live_parts_intact(relay, layer, wanted))
		gs_sync_live_drop_parts(relay, layer, 0);
	part = g_new0(GsSyncLivePart, 1);
	part->id = ++relay->live_next_part;
	part->items = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < want->len; i++) {
		if (!g_hash_table_contains(relay->live_items[layer], want->pdata[i]))
			g_ptr_array_add(part->items, g_strdup(want->pdata[i]));
	}
	if (part->items->len == 0) {
		gs_sync_live_part_free(part);
		return TRUE;
	}
	n_new = part->items->len;
	for (from = parts->len;
	     from > 0 && gs_sync_live_has_room(relay) &&
	     ((GsSyncLivePart *)parts->pdata[from - 1])->items->len <= 2 * part->items->len;
	     from--) {
		GsSyncLivePart *older = g_ptr_array_index(parts, from - 1);
		for (guint i = 0; i < older->items->len; i++)
			g_ptr_array_add(part->items, g_strdup(older->items->pdata[i]));
	}
	/* the new REQs first, then the ones they replace; when the merged REQs do not all open
	 * (the budget, or the live share during a pass), the older parts stay as they are and
	 * the new items get a part of their own */
	ok = gs_sync_live_open_part(relay, layer, part);
	if (from < parts->len && !gs_sync_live_part_is_open(relay, layer, part->id)) {
		gs_sync_live_close_part(relay, layer, part->id);
		g_ptr_array_set_size(part->items, n_new);
		from = parts->len;
		ok = gs_sync_live_open_part(relay, layer, part);
	}
	gs_sync_live_drop_parts(relay, layer, from);
	g_ptr_array_add(parts, part);
	for (guint i = 0; i < part->items->len; i++)
		g_hash_table_insert(relay->live_items[layer], part->items->pdata[i], part);
	return ok;
}

/* adds the items of @from not seen yet to @to */
static void
gs_sync_live_add_new(GHashTable *seen, GPtrArray *from, GPtrArray *to)
{
	for (guint i = 0; i < from->len; i++) {
		const gchar *item = g_ptr_array_index(from, i);
		if (g_hash_table_add(seen, (gpointer)item))
			g_ptr_array_add(to, g_strdup(item));
	}
}

/* the confirmed and pending items of @relay, each once */
static void
gs_sync_live_collect(GsSyncManager *self, GsSyncRelay *relay, GPtrArray *repos, GPtrArray *roots)
{
	g_autoptr(GHashTable) seen = g_hash_table_new(gs_filter_value_hash, g_str_equal);
	g_autoptr(GPtrArray) pending = gs_sync_index_dup_pending_batches(self->index, relay->url);
	g_autoptr(GPtrArray) c_repos = gs_sync_index_dup_confirmed_repos(self->index, relay->url);
	g_autoptr(GPtrArray) c_roots = gs_sync_index_dup_confirmed_roots(self->index, relay->url);

	gs_sync_live_add_new(seen, c_repos, repos);
	gs_sync_live_add_new(seen, c_roots, roots);
	for (guint b = 0; b < pending->len; b++) {
		GsSyncBatch *batch = g_ptr_array_index(pending, b);
		gs_sync_live_add_new(seen, gs_sync_batch_get_repos(batch), repos);
		gs_sync_live_add_new(seen, gs_sync_batch_get_roots(batch), roots);
	}
}

/* the L2 items: "s:" + coordinate for every repository, "f:" + coordinate for full ones */
static GPtrArray *
gs_sync_live_l2_items(GsSyncTargets *targets, GPtrArray *repos)
{
	g_autoptr(GPtrArray) full =
		gs_sync_targets_filter_by_level(targets, repos, GS_SYNC_LEVEL_FULL);
	GPtrArray *items = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < repos->len; i++)
		g_ptr_array_add(items, g_strconcat("s:", repos->pdata[i], NULL));
	for (guint i = 0; i < full->len; i++)
		g_ptr_array_add(items, g_strconcat("f:", full->pdata[i], NULL));
	return items;
}

/* a relay-wide REQ `{limit:0}` (part 0 of layer 1) among the relay's live REQs, or %NULL;
 * @open_only: one that is open or was refused (not one the relay closed) */
static GsSyncLiveSub *
gs_sync_live_find_wide(GsSyncRelay *relay, gboolean open_only)
{
	for (guint i = 0; i < relay->live[1]->len; i++) {
		GsSyncLiveSub *sub = g_ptr_array_index(relay->live[1], i);
		if (sub->part == 0 && (!open_only || sub->sub_id != NULL || sub->refused))
			return sub;
	}
	return NULL;
}

/* L2 and L3 as the one REQ `{limit:0}` (gs_sync_wide_live()): part 0 of layer 1 */
static gboolean
gs_sync_live_set_wide(GsSyncRelay *relay)
{
	g_autoptr(GPtrArray) filters =
		g_ptr_array_new_with_free_func((GDestroyNotify)gs_filter_unref);
	gboolean ok = TRUE;

	if (gs_sync_live_find_wide(relay, TRUE) == NULL) {
		GsFilter *all = gs_filter_new();
		gs_filter_set_limit(all, 0);
		g_ptr_array_add(filters, all);
		ok = gs_sync_live_open_filters(relay, 1, 0, filters);
	}
	/* what the items' REQs asked for comes on it now */
	gs_sync_live_drop_parts(relay, 1, 0);
	gs_sync_live_drop_parts(relay, 2, 0);
	return ok;
}

/* closes the `{limit:0}` REQ, once the items' REQs are open */
static void
gs_sync_live_drop_wide(GsSyncRelay *relay)
{
	GPtrArray *subs = relay->live[1];

	for (guint i = subs->len; i-- > 0;) {
		GsSyncLiveSub *sub = g_ptr_array_index(subs, i);
		if (sub->part != 0)
			continue;
		if (sub->sub_id != NULL)
			gs_relay_connection_unsubscribe(relay->conn, sub->sub_id);
		g_ptr_array_remove_index(subs, i);
	}
}

/**
 * gs_sync_live_rebuild:
 *
 * Brings the live subscriptions of a relay in line with its confirmed and pending items. On a
 * relay that takes no new subscription (rate limited) it waits for the next rebuild.
 */
void
gs_sync_live_rebuild(GsSyncManager *self, GsSyncRelay *relay)
{
	GsSyncTargets *targets = gs_sync_index_get_targets(self->index);
	g_autoptr(GPtrArray) repos = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) roots = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) l1 = gs_sync_filters_layer1(GS_SYNC_FILTERS_LIVE, -1);
	g_autoptr(GPtrArray) l2 = NULL;
	gboolean ok = TRUE;

	if (!gs_sync_relay_can_subscribe(relay)) {
		relay->live_dirty = TRUE;
		return;
	}
	ok &= gs_sync_live_set_layer(relay, 0, l1);
	if (gs_sync_wide_live(relay)) {
		ok &= gs_sync_live_set_wide(relay);
		relay->live_dirty = !ok;
		return;
	}
	gs_sync_live_collect(self, relay, repos, roots);
	l2 = gs_sync_live_l2_items(targets, repos);
	ok &= gs_sync_live_set_items(relay, 1, l2, FALSE);
	ok &= gs_sync_live_set_items(relay, 2, roots, FALSE);
	gs_sync_live_drop_wide(relay);
	relay->live_dirty = !ok;
}

/* whether an item whose targets changed must leave the live filters of @relay: it is live
 * there but no longer a target of this relay (or no longer a full one) */
static gboolean
gs_sync_live_touched_leave(GsSyncManager *self, GsSyncRelay *relay)
{
	GsSyncTargets *targets = gs_sync_index_get_targets(self->index);
	GHashTable *repos, *roots;
	GHashTableIter iter;
	gpointer key;

	gs_sync_index_peek_touched(self->index, &repos, &roots);
	g_hash_table_iter_init(&iter, repos);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		g_autofree gchar *state = g_strconcat("s:", key, NULL);
		g_autofree gchar *full = g_strconcat("f:", key, NULL);
		GsSyncLevel level = GS_SYNC_LEVEL_FULL;
		gboolean named = gs_sync_targets_repo_names_relay(targets, key, relay->url) &&
				 gs_sync_targets_get_repo_level(targets, key, &level);
		if ((!named && g_hash_table_contains(relay->live_items[1], state)) ||
		    ((!named || level != GS_SYNC_LEVEL_FULL) &&
		     g_hash_table_contains(relay->live_items[1], full)))
			return TRUE;
	}
	g_hash_table_iter_init(&iter, roots);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (g_hash_table_contains(relay->live_items[2], key) &&
		    !gs_sync_targets_root_wanted_from(targets, key, relay->url))
			return TRUE;
	}
	return FALSE;
}

/**
 * gs_sync_live_add:
 * @repos: (nullable): repositories that just became pending on @relay
 * @roots: (nullable): root events that just became pending on @relay
 *
 * After a discovery drain: adds the live filters of the new items as a part of their own
 * (gs_sync_live_set_items()) without going through every item of the relay. When a changed
 * item must leave the live filters, a layer is not fully open, or an earlier change could not
 * be sent, the relay's live subscriptions are rebuilt instead (gs_sync_live_rebuild()).
 */
void
gs_sync_live_add(GsSyncManager *self, GsSyncRelay *relay, GPtrArray *repos, GPtrArray *roots)
{
	GsSyncTargets *targets = gs_sync_index_get_targets(self->index);
	g_autoptr(GPtrArray) l2 = NULL;
	gboolean ok = TRUE;

	if (!gs_sync_relay_can_subscribe(relay)) {
		relay->live_dirty = TRUE;
		return;
	}
	/* relay-wide, or just no longer: the rebuild sets the one REQ or replaces it */
	if (gs_sync_wide_live(relay) || gs_sync_live_find_wide(relay, FALSE) != NULL ||
	    relay->live_dirty || !gs_sync_live_layer_is_open(relay, 0) ||
	    (relay->live[1]->len > 0 && !gs_sync_live_layer_is_open(relay, 1)) ||
	    (relay->live[2]->len > 0 && !gs_sync_live_layer_is_open(relay, 2)) ||
	    gs_sync_live_touched_leave(self, relay)) {
		gs_sync_live_rebuild(self, relay);
		return;
	}
	if (repos != NULL && repos->len > 0) {
		l2 = gs_sync_live_l2_items(targets, repos);
		ok &= gs_sync_live_set_items(relay, 1, l2, TRUE);
	}
	if (roots != NULL && roots->len > 0)
		ok &= gs_sync_live_set_items(relay, 2, roots, TRUE);
	relay->live_dirty = !ok;
}

/* the connection is gone, and with it its subscriptions */
void
gs_sync_live_clear(GsSyncRelay *relay)
{
	gs_sync_wide_clear(relay);
	relay->wide_live_refused = FALSE;
	for (guint l = 0; l < G_N_ELEMENTS(relay->live); l++) {
		g_clear_pointer(&relay->live[l], g_ptr_array_unref);
		relay->live[l] =
			g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_live_sub_free);
		g_clear_pointer(&relay->live_items[l], g_hash_table_unref);
		relay->live_items[l] = g_hash_table_new(gs_filter_value_hash, g_str_equal);
		g_clear_pointer(&relay->live_parts[l], g_ptr_array_unref);
		relay->live_parts[l] =
			g_ptr_array_new_with_free_func((GDestroyNotify)gs_sync_live_part_free);
	}
}

/*
 * During a pass each discovery drain adds its items as a part of their own (the live share
 * leaves no room to merge parts), so a pass that found its items in several drains ends with
 * more, smaller REQs than the items need; when they do not all fit in the budget, the items'
 * layers are sent again as one part each (the fewest REQs), catching up from @since.
 */
static void
gs_sync_live_consolidate(GsSyncRelay *relay, gint64 since)
{
	if (gs_sync_wide_live(relay))
		return;
	g_debug("%s: live REQs consolidated after the historic pass", relay->url);
	gs_sync_live_drop_parts(relay, 1, 0);
	gs_sync_live_drop_parts(relay, 2, 0);
	relay->live_catch_up = since;
	gs_sync_live_rebuild(relay->manager, relay);
	relay->live_catch_up = 0;
}

/**
 * gs_sync_live_release_held:
 * @since: unix seconds a little before the historic pass began
 *
 * The historic pass ended: the live REQs held back for it are sent, within the budget. Their
 * items' history was fetched during the pass, perhaps before events that came later: each
 * asks for what the relay stored since @since as well, so that nothing published between
 * an item's batch and now is missed. When they do not all fit, the items' REQs are
 * consolidated (gs_sync_live_consolidate()).
 */
void
gs_sync_live_release_held(GsSyncRelay *relay, gint64 since)
{
	gboolean all_sent = TRUE;

	for (guint l = 0; l < G_N_ELEMENTS(relay->live); l++) {
		for (guint i = 0; i < relay->live[l]->len; i++) {
			GsSyncLiveSub *sub = g_ptr_array_index(relay->live[l], i);
			if (!sub->held || sub->sub_id != NULL)
				continue;
			gs_sync_live_catch_up_filters(sub->filters, since);
			gs_sync_live_open(relay, sub);
			all_sent &= sub->sub_id != NULL;
		}
	}
	if (!all_sent)
		gs_sync_live_consolidate(relay, since);
}

/* after a rate limit: what the relay closed or never answered is sent again */
void
gs_sync_live_resend_unanswered(GsSyncRelay *relay)
{
	for (guint l = 0; l < G_N_ELEMENTS(relay->live); l++) {
		for (guint i = 0; i < relay->live[l]->len; i++) {
			GsSyncLiveSub *sub = g_ptr_array_index(relay->live[l], i);
			if (sub->eose_seen)
				continue;
			if (sub->sub_id != NULL) {
				gs_relay_connection_unsubscribe(relay->conn, sub->sub_id);
				g_clear_pointer(&sub->sub_id, g_free);
			}
			if (!gs_sync_live_open(relay, sub))
				relay->live_dirty = TRUE;
		}
	}
}
