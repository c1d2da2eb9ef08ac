/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsPolicy"

#include "config.h"

#include <string.h>

#include "gs-enums-types.h"
#include "gs-error.h"
#include "gs-hex.h"
#include "gs-maintainers.h"
#include "gs-policy-private.h"
#include "gs-policy.h"
#include "gs-relay-url.h"

G_DEFINE_FINAL_TYPE(GsPolicy, gs_policy, G_TYPE_OBJECT)

/**
 * gs_policy_is_valid_identifier:
 *
 * Returns: %TRUE when @d may name a repository: not empty, not `.` or `..`, without `/` or
 *   `\`. (A NUL cannot occur: a JSON `\u0000` would change the string and so the id.)
 */
gboolean
gs_policy_is_valid_identifier(const gchar *d)
{
	if (d == NULL || d[0] == '\0' || g_strcmp0(d, ".") == 0 || g_strcmp0(d, "..") == 0)
		return FALSE;
	return strpbrk(d, "/\\") == NULL;
}

/* the class reference is kept for the life of the process, so the nick stays valid */
static const gchar *
gs_policy_enum_nick(GEnumClass **klass, GType type, gint value)
{
	GEnumValue *v;

	if (g_once_init_enter(klass))
		g_once_init_leave(klass, g_type_class_ref(type));
	v = g_enum_get_value(*klass, value);
	return v != NULL ? v->value_nick : NULL;
}

/**
 * gs_reject_reason_to_string:
 *
 * Returns: the nick, e.g. "does-not-list-service": the `reason` metric label
 */
const gchar *
gs_reject_reason_to_string(GsRejectReason reason)
{
	static GEnumClass *klass = NULL;
	return gs_policy_enum_nick(&klass, GS_TYPE_REJECT_REASON, reason);
}

const gchar *
gs_policy_verdict_to_string(GsPolicyVerdict verdict)
{
	static GEnumClass *klass = NULL;
	return gs_policy_enum_nick(&klass, GS_TYPE_POLICY_VERDICT, verdict);
}

void
gs_policy_result_clear(GsPolicyResult *result)
{
	g_clear_pointer(&result->dependency, g_free);
	result->verdict = GS_POLICY_VERDICT_ACCEPTED;
	result->reason = GS_REJECT_REASON_NONE;
}

static gboolean
gs_policy_set_result(GsPolicyResult *result,
		     GsPolicyVerdict verdict,
		     GsRejectReason reason,
		     const gchar *dependency)
{
	g_free(result->dependency);
	result->verdict = verdict;
	result->reason = reason;
	result->dependency = g_strdup(dependency);
	return TRUE;
}

static gboolean
gs_policy_reject(GsPolicyResult *result, GsRejectReason reason)
{
	return gs_policy_set_result(result, GS_POLICY_VERDICT_REJECTED, reason, NULL);
}

/* ---- what is accepted: the store, the announcement cache and the pending overlay ---- */

static gboolean
gs_policy_is_blacklisted(GsPolicy *self, const gchar *pubkey)
{
	return g_hash_table_contains(self->blacklist_pubkeys, pubkey);
}

static gboolean
gs_policy_has_event(GsPolicy *self, const gchar *id, gboolean *found, GError **error)
{
	g_autoptr(GError) error_local = NULL;

	guint8 raw[32];

	if (g_hash_table_contains(self->pending_ids, id) ||
	    (gs_hex_decode_lower(id, raw, sizeof(raw)) &&
	     g_hash_table_contains(self->stored_ids, raw))) {
		*found = TRUE;
		return TRUE;
	}
	*found = gs_store_has_event(self->store, id, &error_local);
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	return TRUE;
}

/* is the coordinate `kind:pubkey:d` an accepted (stored or pending) event? */
static gboolean
gs_policy_has_coordinate(GsPolicy *self, const gchar *coordinate, gboolean *found, GError **error)
{
	guint kind = 0;
	g_autofree gchar *pubkey = NULL;
	g_autofree gchar *d = NULL;
	g_autoptr(GError) error_local = NULL;

	*found = FALSE;
	if (!gs_coordinate_parse(coordinate, &kind, &pubkey, &d, NULL))
		return TRUE;
	if (kind == GS_KIND_ANNOUNCEMENT)
		return gs_maintainers_has_announcement(self->maintainers, d, pubkey, found, error);
	if (!gs_kind_is_addressable(kind) && !gs_kind_is_replaceable(kind))
		return TRUE;
	if (g_hash_table_contains(self->pending_coords, coordinate)) {
		*found = TRUE;
		return TRUE;
	}
	/* whether a version is stored, without reading and parsing it */
	*found = gs_store_has_latest(self->store, kind, pubkey, d, &error_local);
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	return TRUE;
}

/* a|A|q (coordinates) or e|E|q (ids): compared as characters, as this runs for every tag of
 * every event, several times */
gboolean
gs_policy_is_reference_tag(const gchar *name, gboolean coordinate)
{
	if (name == NULL || name[0] == '\0' || name[1] != '\0')
		return FALSE;
	if (name[0] == 'q')
		return TRUE;
	return coordinate ? name[0] == 'a' || name[0] == 'A' : name[0] == 'e' || name[0] == 'E';
}

static gboolean
gs_policy_is_coordinate(const gchar *value)
{
	return gs_coordinate_parse(value, NULL, NULL, NULL, NULL);
}

/* does a stored or pending event carry [e|E|q, id] or [a|A|q, coordinate]? the stored ones in
 * one query */
static gboolean
gs_policy_is_referenced(GsPolicy *self, GsEvent *event, gboolean *found, GError **error)
{
	const gchar *names[] = {"e", "E", "q", "a", "A", "q"};
	const gchar *values[G_N_ELEMENTS(names)];
	g_autofree gchar *coordinate = gs_event_dup_coordinate(event);
	g_autoptr(GError) error_local = NULL;
	guint n = coordinate != NULL ? 6 : 3;

	*found = g_hash_table_contains(self->pending_refs, gs_event_get_id(event)) ||
		 (coordinate != NULL && g_hash_table_contains(self->pending_refs, coordinate));
	if (*found)
		return TRUE;
	for (guint i = 0; i < n; i++)
		values[i] = i < 3 ? gs_event_get_id(event) : coordinate;
	*found = gs_store_has_tag_references(self->store, names, values, n, &error_local);
	if (error_local != NULL) {
		g_propagate_error(error, g_steal_pointer(&error_local));
		return FALSE;
	}
	return TRUE;
}

/* ---- the rules ---- */

static gboolean
gs_policy_repo_is_blacklisted(GsPolicy *self, const gchar *pubkey, const gchar *d)
{
	g_autofree gchar *coordinate = NULL;

	if (g_hash_table_contains(self->blacklist_identifiers, d))
		return TRUE;
	if (g_hash_table_size(self->blacklist_coordinates) == 0)
		return FALSE;
	coordinate = gs_coordinate_build(GS_KIND_ANNOUNCEMENT, pubkey, d);
	return g_hash_table_contains(self->blacklist_coordinates, coordinate);
}

/* an announcement or state of a blacklisted repository, also when it comes from a
 * maintainer who lists the blacklisted owner */
static gboolean
gs_policy_names_blacklisted_repo(GsPolicy *self, GsEvent *event, const gchar *d)
{
	g_auto(GStrv) maintainers = NULL;

	if (gs_policy_repo_is_blacklisted(self, gs_event_get_pubkey(event), d))
		return TRUE;
	if (gs_event_get_kind(event) != GS_KIND_ANNOUNCEMENT)
		return FALSE;
	maintainers = gs_maintainers_dup_listed(event);
	for (guint i = 0; maintainers[i] != NULL; i++) {
		if (gs_policy_repo_is_blacklisted(self, maintainers[i], d))
			return TRUE;
	}
	return FALSE;
}

/* does an `a`/`A`/`q` tag name a repository (30617/30618) that is blacklisted? */
static gboolean
gs_policy_references_blacklisted_repo(GsPolicy *self, GsEvent *event)
{
	if (g_hash_table_size(self->blacklist_coordinates) == 0 &&
	    g_hash_table_size(self->blacklist_identifiers) == 0)
		return FALSE;
	for (guint i = 0; i < gs_event_get_n_tags(event); i++) {
		const gchar *const *tag = gs_event_get_tag(event, i);
		guint kind = 0;
		g_autofree gchar *pubkey = NULL;
		g_autofree gchar *d = NULL;

		if (tag[1] == NULL || !gs_policy_is_reference_tag(tag[0], TRUE))
			continue;
		if (!gs_coordinate_parse(tag[1], &kind, &pubkey, &d, NULL))
			continue;
		if ((kind == GS_KIND_ANNOUNCEMENT || kind == GS_KIND_STATE) &&
		    gs_policy_repo_is_blacklisted(self, pubkey, d))
			return TRUE;
	}
	return FALSE;
}

static gboolean
gs_policy_url_is_ours_uncached(GsPolicy *self, const gchar *url, gboolean from_clone)
{
	g_autofree gchar *norm = gs_relay_url_normalise(url, from_clone, NULL);
	g_autofree gchar *host = NULL;

	if (norm == NULL)
		return FALSE;
	if (!from_clone)
		return g_hash_table_contains(self->service_urls, norm);
	host = gs_relay_url_host(norm, NULL);
	return host != NULL && g_hash_table_contains(self->service_hosts, host);
}

#define GS_POLICY_MAX_CACHED_URLS 4096

static gboolean
gs_policy_url_is_ours(GsPolicy *self, const gchar *url, gboolean from_clone)
{
	GHashTable *cache = from_clone ? self->ours_clones : self->ours_relays;
	gint cached = GPOINTER_TO_INT(g_hash_table_lookup(cache, url));
	gboolean ours;

	if (cached != 0)
		return cached == 2;
	ours = gs_policy_url_is_ours_uncached(self, url, from_clone);
	if (g_hash_table_size(cache) >= GS_POLICY_MAX_CACHED_URLS)
		g_hash_table_remove_all(cache);
	g_hash_table_insert(cache, g_strdup(url), GINT_TO_POINTER(ours ? 2 : 1));
	return ours;
}

static gboolean
gs_policy_clone_host_in(GsPolicy *self, const gchar *url, GHashTable *hosts)
{
	g_autofree gchar *norm = NULL;
	g_autofree gchar *host = NULL;

	if (g_hash_table_size(hosts) == 0)
		return FALSE;
	norm = gs_relay_url_normalise(url, TRUE, NULL);
	host = norm != NULL ? gs_relay_url_host(norm, NULL) : NULL;
	return host != NULL && g_hash_table_contains(hosts, host);
}

/* section 1: ours when a `relays` URL is a service URL or a `clone` URL is on a service
 * host, comparing normalised URLs and whole host names, never substrings */
static gboolean
gs_policy_announcement_is_ours(GsPolicy *self, GsEvent *event)
{
	for (guint i = 0; i < gs_event_get_n_tags(event); i++) {
		const gchar *const *tag = gs_event_get_tag(event, i);
		gboolean relays = g_strcmp0(tag[0], "relays") == 0;
		gboolean clone = g_strcmp0(tag[0], "clone") == 0;

		if (!relays && !clone)
			continue;
		for (guint j = 1; tag[j] != NULL; j++) {
			if (gs_policy_url_is_ours(self, tag[j], clone))
				return TRUE;
		}
	}
	return FALSE;
}

/* GRASP-05: archive = all, archive-pubkeys (author or a listed maintainer), archive-services
 * (a clone URL on one of the hosts) */
static gboolean
gs_policy_announcement_is_archived(GsPolicy *self, GsEvent *event)
{
	g_auto(GStrv) maintainers = NULL;

	if (self->archive_mode == GS_ARCHIVE_MODE_ALL)
		return TRUE;
	if (g_hash_table_contains(self->archive_pubkeys, gs_event_get_pubkey(event)))
		return TRUE;
	maintainers = gs_maintainers_dup_listed(event);
	for (guint i = 0; maintainers[i] != NULL; i++) {
		if (g_hash_table_contains(self->archive_pubkeys, maintainers[i]))
			return TRUE;
	}
	for (guint i = 0; i < gs_event_get_n_tags(event); i++) {
		const gchar *const *tag = gs_event_get_tag(event, i);
		if (g_strcmp0(tag[0], "clone") != 0)
			continue;
		for (guint j = 1; tag[j] != NULL; j++) {
			if (gs_policy_clone_host_in(self, tag[j], self->archive_hosts))
				return TRUE;
		}
	}
	return FALSE;
}

static guint
gs_policy_count_tags(GsEvent *event, const gchar *name)
{
	guint n = 0;
	for (guint i = 0; i < gs_event_get_n_tags(event); i++) {
		if (g_strcmp0(gs_event_get_tag(event, i)[0], name) == 0)
			n++;
	}
	return n;
}

/* the first listed maintainer (not the author, not blacklisted) whose announcement with
 * identifier @d we do not have, as a coordinate; %NULL when we have them all */
static gboolean
gs_policy_first_missing_maintainer(GsPolicy *self,
				   GsEvent *event,
				   const gchar *d,
				   gchar **coordinate,
				   GError **error)
{
	g_auto(GStrv) maintainers = gs_maintainers_dup_listed(event);

	*coordinate = NULL;
	for (guint i = 0; maintainers[i] != NULL; i++) {
		gboolean found = FALSE;
		if (g_strcmp0(maintainers[i], gs_event_get_pubkey(event)) == 0 ||
		    gs_policy_is_blacklisted(self, maintainers[i]))
			continue;
		if (!gs_maintainers_has_announcement(
			    self->maintainers, d, maintainers[i], &found, error))
			return FALSE;
		if (!found) {
			*coordinate = gs_coordinate_build(GS_KIND_ANNOUNCEMENT, maintainers[i], d);
			return TRUE;
		}
	}
	return TRUE;
}

static gboolean
gs_policy_decide_announcement(GsPolicy *self,
			      GsEvent *event,
			      const gchar *d,
			      GsPolicyResult *result,
			      GError **error)
{
	gboolean is_maintainer = FALSE;
	g_autofree gchar *missing = NULL;

	if (gs_policy_count_tags(event, "clone") > 1)
		return gs_policy_reject(result, GS_REJECT_REASON_MULTIPLE_CLONE_TAGS);
	if (gs_policy_announcement_is_ours(self, event) ||
	    gs_policy_announcement_is_archived(self, event))
		return gs_policy_set_result(result, GS_POLICY_VERDICT_ACCEPTED, 0, NULL);
	if (!gs_maintainers_is_maintainer(self->maintainers,
					  d,
					  gs_event_get_pubkey(event),
					  self->blacklist_pubkeys,
					  &is_maintainer,
					  error))
		return FALSE;
	if (is_maintainer)
		return gs_policy_set_result(result, GS_POLICY_VERDICT_ACCEPTED, 0, NULL);
	if (!gs_policy_first_missing_maintainer(self, event, d, &missing, error))
		return FALSE;
	if (missing != NULL)
		return gs_policy_set_result(result, GS_POLICY_VERDICT_DEFERRED, 0, missing);
	return gs_policy_reject(result, GS_REJECT_REASON_DOES_NOT_LIST_SERVICE);
}

static gboolean
gs_policy_decide_state(GsPolicy *self,
		       GsEvent *event,
		       const gchar *d,
		       GsPolicyResult *result,
		       GError **error)
{
	const gchar *author = gs_event_get_pubkey(event);
	gboolean any = FALSE;
	gboolean is_maintainer = FALSE;
	g_autofree gchar *own = NULL;

	if (!gs_maintainers_has_announcement(self->maintainers, d, NULL, &any, error))
		return FALSE;
	if (!any) {
		own = gs_coordinate_build(GS_KIND_ANNOUNCEMENT, author, d);
		return gs_policy_set_result(result, GS_POLICY_VERDICT_DEFERRED, 0, own);
	}
	if (!gs_maintainers_is_maintainer(
		    self->maintainers, d, author, self->blacklist_pubkeys, &is_maintainer, error))
		return FALSE;
	if (is_maintainer)
		return gs_policy_set_result(result, GS_POLICY_VERDICT_ACCEPTED, 0, NULL);
	return gs_policy_reject(result, GS_REJECT_REASON_NOT_AUTHORIZED);
}

/* the first `a`/`A`/`q` coordinate or `e`/`E`/`q` id that is accepted decides; otherwise
 * being referenced by a stored event; otherwise wait for the first reference */
static gboolean
gs_policy_decide_reference(GsPolicy *self, GsEvent *event, GsPolicyResult *result, GError **error)
{
	const gchar *first = NULL;
	gboolean found = FALSE;

	for (guint pass = 0; pass < 2; pass++) {
		gboolean coordinates = pass == 0;
		for (guint i = 0; i < gs_event_get_n_tags(event); i++) {
			const gchar *const *tag = gs_event_get_tag(event, i);
			gboolean ok;

			if (tag[1] == NULL || !gs_policy_is_reference_tag(tag[0], coordinates))
				continue;
			if (coordinates ? !gs_policy_is_coordinate(tag[1])
					: !gs_hex_is_lower(tag[1], 64))
				continue;
			ok = coordinates ? gs_policy_has_coordinate(self, tag[1], &found, error)
					 : gs_policy_has_event(self, tag[1], &found, error);
			if (!ok)
				return FALSE;
			if (found)
				return gs_policy_set_result(
					result, GS_POLICY_VERDICT_ACCEPTED, 0, NULL);
		}
	}
	if (!gs_policy_is_referenced(self, event, &found, error))
		return FALSE;
	if (found)
		return gs_policy_set_result(result, GS_POLICY_VERDICT_ACCEPTED, 0, NULL);
	for (guint i = 0; i < gs_event_get_n_tags(event) && first == NULL; i++) {
		const gchar *const *tag = gs_event_get_tag(event, i);
		if (tag[1] == NULL)
			continue;
		if ((gs_policy_is_reference_tag(tag[0], TRUE) && gs_policy_is_coordinate(tag[1])) ||
		    (gs_policy_is_reference_tag(tag[0], FALSE) && gs_hex_is_lower(tag[1], 64)))
			first = tag[1];
	}
	if (first != NULL)
		return gs_policy_set_result(result, GS_POLICY_VERDICT_DEFERRED, 0, first);
	return gs_policy_reject(result, GS_REJECT_REASON_UNREFERENCED);
}

/* blacklists, then the shape rules that need no lookup; %TRUE when they decided */
static gboolean
gs_policy_decide_static(GsPolicy *self, GsEvent *event, GsPolicyResult *result)
{
	guint kind = gs_event_get_kind(event);
	const gchar *d = gs_event_get_d_tag(event);

	if (gs_policy_is_blacklisted(self, gs_event_get_pubkey(event)))
		return gs_policy_reject(result, GS_REJECT_REASON_BLACKLISTED);
	if (gs_kind_is_ephemeral(kind))
		return gs_policy_reject(result, GS_REJECT_REASON_EPHEMERAL);
	if (kind == GS_KIND_ANNOUNCEMENT || kind == GS_KIND_STATE) {
		if (!gs_policy_is_valid_identifier(d))
			return gs_policy_reject(result, GS_REJECT_REASON_INVALID_IDENTIFIER);
		if (gs_policy_names_blacklisted_repo(self, event, d))
			return gs_policy_reject(result, GS_REJECT_REASON_BLACKLISTED);
		return FALSE;
	}
	if (gs_policy_references_blacklisted_repo(self, event))
		return gs_policy_reject(result, GS_REJECT_REASON_BLACKLISTED);
	return FALSE;
}

static gboolean
gs_policy_decide_rules(GsPolicy *self, GsEvent *event, GsPolicyResult *result, GError **error)
{
	guint kind = gs_event_get_kind(event);

	if (kind == GS_KIND_ANNOUNCEMENT)
		return gs_policy_decide_announcement(
			self, event, gs_event_get_d_tag(event), result, error);
	if (kind == GS_KIND_STATE)
		return gs_policy_decide_state(
			self, event, gs_event_get_d_tag(event), result, error);
	if (kind == GS_KIND_DELETION || kind == GS_KIND_USER_GRASP_LIST)
		return gs_policy_set_result(result, GS_POLICY_VERDICT_ACCEPTED, 0, NULL);
	return gs_policy_decide_reference(self, event, result, error);
}

/**
 * gs_policy_decide:
 * @event: an event whose size, id and signature were checked
 * @result: (out caller-allocates): cleared, then set to the decision
 * @error: a #GError
 *
 * Applies specs/sync.md section 10 in order: blacklists (author, repository, also through
 * listed maintainers), identifier and shape rules, then the rule of the kind.
 *
 * Duplicates: an event that is pending, or stored and not accepted by the rules now, is
 * %GS_POLICY_VERDICT_DUPLICATE (never deferred or refused). A stored event that the rules
 * accept is left %GS_POLICY_VERDICT_ACCEPTED: the insert that follows finds it with the lookup
 * it makes anyway and reports %GS_STORE_RESULT_DUPLICATE, so new events, the common case, cost
 * one id lookup instead of two.
 *
 * Returns: %TRUE with @result set; %FALSE with %GS_ERROR_STORE when a store lookup failed
 */
gboolean
gs_policy_decide(GsPolicy *self, GsEvent *event, GsPolicyResult *result, GError **error)
{
	gboolean stored = FALSE;

	g_return_val_if_fail(GS_IS_POLICY(self), FALSE);
	g_return_val_if_fail(event != NULL && result != NULL, FALSE);

	gs_policy_result_clear(result);
	if (gs_policy_decide_static(self, event, result))
		return TRUE;
	if (g_hash_table_contains(self->pending_ids, gs_event_get_id(event)))
		return gs_policy_set_result(result, GS_POLICY_VERDICT_DUPLICATE, 0, NULL);
	if (!gs_policy_decide_rules(self, event, result, error))
		return FALSE;
	if (result->verdict == GS_POLICY_VERDICT_ACCEPTED)
		return TRUE;
	if (!gs_policy_has_event(self, gs_event_get_id(event), &stored, error))
		return FALSE;
	if (stored)
		return gs_policy_set_result(result, GS_POLICY_VERDICT_DUPLICATE, 0, NULL);
	return TRUE;
}

/* ---- the pending overlay ---- */

/**
 * gs_policy_add_pending:
 * @event: an event gs_policy_decide() accepted, about to be inserted
 *
 * Makes later decisions see @event as accepted until gs_policy_clear_pending(), which the
 * caller invokes once the batch holding it was inserted (committed or failed).
 */
void
gs_policy_add_pending(GsPolicy *self, GsEvent *event)
{
	g_return_if_fail(GS_IS_POLICY(self));

	g_ptr_array_add(self->pending_events, gs_event_ref(event));
	g_hash_table_add(self->pending_ids, (gpointer)gs_event_get_id(event));
	if (gs_kind_is_addressable(gs_event_get_kind(event)) ||
	    gs_kind_is_replaceable(gs_event_get_kind(event)))
		g_hash_table_add(self->pending_coords, gs_event_dup_coordinate(event));
	if (gs_event_get_kind(event) == GS_KIND_ANNOUNCEMENT)
		gs_maintainers_add_pending(self->maintainers, event);
	for (guint i = 0; i < gs_event_get_n_tags(event); i++) {
		const gchar *const *tag = gs_event_get_tag(event, i);
		if (tag[1] != NULL && (gs_policy_is_reference_tag(tag[0], TRUE) ||
				       gs_policy_is_reference_tag(tag[0], FALSE)))
			g_hash_table_add(self->pending_refs, (gpointer)tag[1]);
	}
}

void
gs_policy_clear_pending(GsPolicy *self)
{
	g_return_if_fail(GS_IS_POLICY(self));
	g_hash_table_remove_all(self->pending_ids);
	g_hash_table_remove_all(self->pending_coords);
	g_hash_table_remove_all(self->pending_refs);
	gs_maintainers_clear_pending(self->maintainers);
	g_ptr_array_set_size(self->pending_events, 0);
}

/* ---- keeping the cache current ---- */

static guint
gs_policy_id_hash(gconstpointer key)
{
	guint hash;

	memcpy(&hash, key, sizeof(hash)); /* ids are hashes already */
	return hash;
}

static gboolean
gs_policy_id_equal(gconstpointer a, gconstpointer b)
{
	return memcmp(a, b, 32) == 0;
}

/* what gs_policy_has_event() may answer without the store: regular events, which only a
 * NIP-09 deletion removes (a replaceable or addressable one also goes when replaced) */
static void
gs_policy_note_stored(GsPolicy *self, GsEvent *event)
{
	guint kind = gs_event_get_kind(event);

	if (kind == GS_KIND_DELETION) {
		g_hash_table_remove_all(self->stored_ids);
		return;
	}
	if (gs_kind_is_replaceable(kind) || gs_kind_is_addressable(kind) ||
	    gs_kind_is_ephemeral(kind))
		return;
	if (g_hash_table_size(self->stored_ids) >= GS_POLICY_MAX_STORED_IDS)
		g_hash_table_remove_all(self->stored_ids);
	g_hash_table_add(self->stored_ids, g_memdup2(gs_event_get_id_raw(event), 32));
}

static void
gs_policy_event_stored_cb(GsStore *store, GsEvent *event, gpointer user_data)
{
	GsPolicy *self = GS_POLICY(user_data);
	gs_maintainers_stored(self->maintainers, event);
	gs_policy_note_stored(self, event);
}

static void
gs_policy_dispose(GObject *object)
{
	GsPolicy *self = GS_POLICY(object);

	if (self->store != NULL)
		g_signal_handlers_disconnect_by_data(self->store, self);
	g_clear_object(&self->store);
	G_OBJECT_CLASS(gs_policy_parent_class)->dispose(object);
}

static void
gs_policy_finalize(GObject *object)
{
	GsPolicy *self = GS_POLICY(object);

	g_hash_table_unref(self->service_urls);
	g_hash_table_unref(self->service_hosts);
	g_hash_table_unref(self->ours_relays);
	g_hash_table_unref(self->ours_clones);
	g_hash_table_unref(self->archive_pubkeys);
	g_hash_table_unref(self->archive_hosts);
	g_hash_table_unref(self->blacklist_pubkeys);
	g_hash_table_unref(self->blacklist_coordinates);
	g_hash_table_unref(self->blacklist_identifiers);
	g_clear_pointer(&self->maintainers, gs_maintainers_free);
	g_hash_table_unref(self->pending_ids);
	g_hash_table_unref(self->pending_coords);
	g_hash_table_unref(self->pending_refs);
	g_hash_table_unref(self->stored_ids);
	g_ptr_array_unref(self->pending_events);
	G_OBJECT_CLASS(gs_policy_parent_class)->finalize(object);
}

static void
gs_policy_class_init(GsPolicyClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);
	object_class->dispose = gs_policy_dispose;
	object_class->finalize = gs_policy_finalize;
}

static void
gs_policy_init(GsPolicy *self)
{
	self->service_urls = gs_policy_string_set_new();
	self->service_hosts = gs_policy_string_set_new();
	self->ours_relays = g_hash_table_new_full(gs_policy_str_hash, g_str_equal, g_free, NULL);
	self->ours_clones = g_hash_table_new_full(gs_policy_str_hash, g_str_equal, g_free, NULL);
	self->archive_pubkeys = gs_policy_string_set_new();
	self->archive_hosts = gs_policy_string_set_new();
	self->blacklist_pubkeys = gs_policy_string_set_new();
	self->blacklist_coordinates = gs_policy_string_set_new();
	self->blacklist_identifiers = gs_policy_string_set_new();
	self->pending_events = g_ptr_array_new_with_free_func((GDestroyNotify)gs_event_unref);
	self->pending_ids = g_hash_table_new(gs_policy_str_hash, g_str_equal);
	self->pending_coords = gs_policy_string_set_new();
	self->pending_refs = g_hash_table_new(gs_policy_str_hash, g_str_equal);
	self->stored_ids =
		g_hash_table_new_full(gs_policy_id_hash, gs_policy_id_equal, g_free, NULL);
}

/**
 * gs_policy_new:
 * @store: the store whose contents are "accepted"
 *
 * Returns: (transfer full): a policy with no service URLs, no archive mode and empty
 *   blacklists (it accepts announcements only through maintainers until configured)
 */
GsPolicy *
gs_policy_new(GsStore *store)
{
	GsPolicy *self;

	g_return_val_if_fail(GS_IS_STORE(store), NULL);
	self = g_object_new(GS_TYPE_POLICY, NULL);
	self->store = g_object_ref(store);
	self->maintainers = gs_maintainers_new(store);
	g_signal_connect(store, "event-stored", G_CALLBACK(gs_policy_event_stored_cb), self);
	return self;
}
