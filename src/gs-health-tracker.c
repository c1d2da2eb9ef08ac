/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#define G_LOG_DOMAIN "GsSync"

#include "config.h"

#include <libsoup/soup.h>
#include <string.h>

#include "gs-enums-types.h"
#include "gs-error.h"
#include "gs-health-tracker.h"

/*
 * Per-relay connection health (sync spec section 6). Keys are normalised relay URLs
 * (gs_relay_url_normalise()); the tracker does not normalise them again. All times are
 * wall-clock microseconds from the injected clock.
 */

typedef struct {
	gchar *url;
	gboolean connected;
	guint failures;
	gint64 first_failure_at; /* start of the failure streak; 0 when none */
	gint64 next_retry_at;	 /* 0: may try now */
	GsNaughtyCategory naughty;
	gint64 naughty_first_seen;
	guint naughty_occurrences;
	gint64 rate_limited_until; /* by the clock; the timer is what ends it */
	GSource *rate_limit_source;
} GsHealthEntry;

typedef struct {
	GsHealthTracker *self; /* not a ref: dispose destroys every source first */
	gchar *url;
} GsHealthTimer;

struct _GsHealthTracker {
	GObject parent_instance;
	GHashTable *entries; /* url -> GsHealthEntry */
	GMainContext *context;
	GsClockFunc clock_func;
	gpointer clock_data;
	GRand *rand;
	gint64 base_backoff;   /* µs */
	gint64 max_backoff;    /* µs */
	gint64 dead_after;     /* µs; also the retry interval of a dead relay */
	gint64 naughty_expiry; /* µs */
	guint rate_limit_ms;   /* cooldown */
};

enum { SIGNAL_RATE_LIMIT_ENDED, SIGNAL_LAST };

static guint signals[SIGNAL_LAST] = {0};

G_DEFINE_FINAL_TYPE(GsHealthTracker, gs_health_tracker, G_TYPE_OBJECT)

static void
gs_health_log(const gchar *url, const gchar *format, ...) G_GNUC_PRINTF(2, 3);

/* debug lines carry the relay as a journal field */
static void
gs_health_log(const gchar *url, const gchar *format, ...)
{
	va_list args;
	g_autofree gchar *msg = NULL;

	va_start(args, format);
	msg = g_strdup_vprintf(format, args);
	va_end(args);
	g_log_structured(G_LOG_DOMAIN,
			 G_LOG_LEVEL_DEBUG,
			 "GS_RELAY_URL",
			 url,
			 "MESSAGE",
			 "%s: %s",
			 url,
			 msg);
}

static void
gs_health_entry_free(GsHealthEntry *entry)
{
	if (entry->rate_limit_source != NULL) {
		g_source_destroy(entry->rate_limit_source);
		g_source_unref(entry->rate_limit_source);
	}
	g_free(entry->url);
	g_free(entry);
}

static void
gs_health_timer_free(GsHealthTimer *timer)
{
	g_free(timer->url);
	g_free(timer);
}

static gint64
gs_health_tracker_now(GsHealthTracker *self)
{
	return self->clock_func(self->clock_data);
}

static gint64
gs_health_real_time(gpointer user_data)
{
	return g_get_real_time();
}

static GsHealthEntry *
gs_health_tracker_lookup(GsHealthTracker *self, const gchar *url)
{
	g_return_val_if_fail(GS_IS_HEALTH_TRACKER(self), NULL);
	g_return_val_if_fail(url != NULL, NULL);
	return g_hash_table_lookup(self->entries, url);
}

static GsHealthEntry *
gs_health_tracker_ensure(GsHealthTracker *self, const gchar *url)
{
	GsHealthEntry *entry = gs_health_tracker_lookup(self, url);

	if (entry == NULL) {
		entry = g_new0(GsHealthEntry, 1);
		entry->url = g_strdup(url);
		g_hash_table_insert(self->entries, entry->url, entry);
	}
	return entry;
}

static gboolean
gs_health_entry_is_naughty(GsHealthTracker *self, GsHealthEntry *entry, gint64 now)
{
	return entry->naughty != GS_NAUGHTY_CATEGORY_NONE &&
	       now - entry->naughty_first_seen < self->naughty_expiry;
}

static gboolean
gs_health_entry_is_dead(GsHealthTracker *self, GsHealthEntry *entry, gint64 now)
{
	return entry->failures > 0 && now - entry->first_failure_at >= self->dead_after;
}

/* min(base * 2^(failures-1), max), without overflowing for long streaks */
static gint64
gs_health_tracker_backoff(GsHealthTracker *self, guint failures)
{
	gint64 delay = self->base_backoff;

	for (guint i = 1; i < failures && delay < self->max_backoff; i++)
		delay *= 2;
	return MIN(delay, self->max_backoff);
}

/**
 * gs_health_tracker_draw_backoff:
 * @failures: the number of failures in a row, from 1
 *
 * The backoff schedule on its own, for other things that retry (the home-relay outbox):
 * min(base * 2^(failures-1), max) plus up to 20 % random jitter, with this tracker's base,
 * maximum and random source.
 *
 * Returns: the delay in microseconds
 */
gint64
gs_health_tracker_draw_backoff(GsHealthTracker *self, guint failures)
{
	gint64 delay;

	g_return_val_if_fail(GS_IS_HEALTH_TRACKER(self), 0);
	delay = gs_health_tracker_backoff(self, MAX(failures, 1));
	return delay + (gint64)(g_rand_double_range(self->rand, 0.0, GS_HEALTH_JITTER) * delay);
}

/* the cooldown is over: by its timer, by tick() or by removal of the relay */
static void
gs_health_tracker_end_rate_limit(GsHealthTracker *self, GsHealthEntry *entry)
{
	g_autofree gchar *url = g_strdup(entry->url);

	if (entry->rate_limit_source == NULL)
		return;
	g_source_destroy(entry->rate_limit_source);
	g_clear_pointer(&entry->rate_limit_source, g_source_unref);
	entry->rate_limited_until = 0;
	gs_health_log(url, "rate-limit cooldown ended");
	/* @entry may be gone after this: a handler can remove the relay */
	g_signal_emit(self, signals[SIGNAL_RATE_LIMIT_ENDED], 0, url);
}

static gboolean
gs_health_tracker_rate_limit_cb(gpointer user_data)
{
	GsHealthTimer *timer = user_data;
	GsHealthEntry *entry = gs_health_tracker_lookup(timer->self, timer->url);

	if (entry != NULL)
		gs_health_tracker_end_rate_limit(timer->self, entry);
	return G_SOURCE_REMOVE;
}

/**
 * gs_health_tracker_set_clock:
 * @func: (nullable): the clock; %NULL restores g_get_real_time()
 *
 * Tests inject a clock to run days of schedule without waiting.
 */
void
gs_health_tracker_set_clock(GsHealthTracker *self, GsClockFunc func, gpointer user_data)
{
	g_return_if_fail(GS_IS_HEALTH_TRACKER(self));
	self->clock_func = func != NULL ? func : gs_health_real_time;
	self->clock_data = func != NULL ? user_data : NULL;
}

/* makes the jitter reproducible */
void
gs_health_tracker_set_seed(GsHealthTracker *self, guint32 seed)
{
	g_return_if_fail(GS_IS_HEALTH_TRACKER(self));
	g_rand_set_seed(self->rand, seed);
}

void
gs_health_tracker_set_backoff(GsHealthTracker *self, guint base_secs, guint max_secs)
{
	g_return_if_fail(GS_IS_HEALTH_TRACKER(self));
	g_return_if_fail(base_secs > 0 && base_secs <= max_secs);
	self->base_backoff = (gint64)base_secs * G_USEC_PER_SEC;
	self->max_backoff = (gint64)max_secs * G_USEC_PER_SEC;
}

/* a failure streak this long makes the relay dead; dead relays are retried once per @secs */
void
gs_health_tracker_set_dead_after(GsHealthTracker *self, guint secs)
{
	g_return_if_fail(GS_IS_HEALTH_TRACKER(self));
	g_return_if_fail(secs > 0);
	self->dead_after = (gint64)secs * G_USEC_PER_SEC;
}

/* in milliseconds, so tests can use a cooldown of a few ms; applies to later rate limits */
void
gs_health_tracker_set_rate_limit_cooldown(GsHealthTracker *self, guint msecs)
{
	g_return_if_fail(GS_IS_HEALTH_TRACKER(self));
	g_return_if_fail(msecs > 0);
	self->rate_limit_ms = msecs;
}

void
gs_health_tracker_set_naughty_expiry(GsHealthTracker *self, guint secs)
{
	g_return_if_fail(GS_IS_HEALTH_TRACKER(self));
	g_return_if_fail(secs > 0);
	self->naughty_expiry = (gint64)secs * G_USEC_PER_SEC;
}

/**
 * gs_health_tracker_record_success:
 *
 * A connection opened: the failure streak, the backoff and any naughty listing end (a
 * successful connection proves the fault that put the relay on the list gone).
 */
void
gs_health_tracker_record_success(GsHealthTracker *self, const gchar *url)
{
	GsHealthEntry *entry = gs_health_tracker_ensure(self, url);

	if (entry->failures > 0)
		gs_health_log(url, "recovered after %u failures", entry->failures);
	entry->failures = 0;
	entry->first_failure_at = 0;
	entry->next_retry_at = 0;
	entry->naughty = GS_NAUGHTY_CATEGORY_NONE;
	entry->naughty_first_seen = 0;
	entry->naughty_occurrences = 0;
}

static void
gs_health_entry_add_naughty(GsHealthTracker *self,
			    GsHealthEntry *entry,
			    GsNaughtyCategory category,
			    gint64 now)
{
	if (!gs_health_entry_is_naughty(self, entry, now)) {
		entry->naughty_first_seen = now;
		entry->naughty_occurrences = 0;
	}
	entry->naughty = category;
	entry->naughty_occurrences++;
}

/**
 * gs_health_tracker_record_failure:
 * @category: from gs_health_classify_error(), or %GS_NAUGHTY_CATEGORY_NONE
 *
 * A connection attempt failed or a connection dropped unexpectedly. The next attempt waits
 * min(base * 2^(failures-1), max) plus up to 20 % jitter; once per hour at most while the
 * relay is on the naughty list; once per dead-after period when the relay is dead.
 */
void
gs_health_tracker_record_failure(GsHealthTracker *self,
				 const gchar *url,
				 GsNaughtyCategory category)
{
	GsHealthEntry *entry = gs_health_tracker_ensure(self, url);
	gint64 now = gs_health_tracker_now(self);
	gint64 delay;

	entry->connected = FALSE;
	if (entry->failures++ == 0)
		entry->first_failure_at = now;
	if (category != GS_NAUGHTY_CATEGORY_NONE)
		gs_health_entry_add_naughty(self, entry, category, now);

	delay = gs_health_tracker_draw_backoff(self, entry->failures);
	if (gs_health_entry_is_naughty(self, entry, now))
		delay = MAX(delay, (gint64)GS_HEALTH_NAUGHTY_RETRY_SECS * G_USEC_PER_SEC);
	if (gs_health_entry_is_dead(self, entry, now))
		delay = self->dead_after;
	entry->next_retry_at = now + delay;
	gs_health_log(url,
		      "failure %u%s%s, next attempt in %.1f s",
		      entry->failures,
		      category != GS_NAUGHTY_CATEGORY_NONE ? ", naughty: " : "",
		      category != GS_NAUGHTY_CATEGORY_NONE ? gs_naughty_category_to_string(category)
							   : "",
		      (gdouble)delay / G_USEC_PER_SEC);
}

void
gs_health_tracker_record_connected(GsHealthTracker *self, const gchar *url)
{
	gs_health_tracker_ensure(self, url)->connected = TRUE;
}

/* the connection closed; an unexpected drop is also a record_failure() */
void
gs_health_tracker_record_disconnected(GsHealthTracker *self, const gchar *url)
{
	gs_health_tracker_ensure(self, url)->connected = FALSE;
}

/**
 * gs_health_tracker_rate_limit:
 *
 * The relay asked us to slow down: no new subscriptions or connection attempts until the
 * cooldown ends. A one-shot timer on the thread-default main context of the tracker's creation
 * ends it and emits #GsHealthTracker::rate-limit-ended. A second call restarts the cooldown.
 */
void
gs_health_tracker_rate_limit(GsHealthTracker *self, const gchar *url)
{
	GsHealthEntry *entry = gs_health_tracker_ensure(self, url);
	GsHealthTimer *timer = g_new0(GsHealthTimer, 1);

	if (entry->rate_limit_source != NULL) {
		g_source_destroy(entry->rate_limit_source);
		g_clear_pointer(&entry->rate_limit_source, g_source_unref);
	}
	timer->self = self;
	timer->url = g_strdup(url);
	entry->rate_limited_until =
		gs_health_tracker_now(self) + (gint64)self->rate_limit_ms * G_TIME_SPAN_MILLISECOND;
	entry->rate_limit_source = g_timeout_source_new(self->rate_limit_ms);
	g_source_set_name(entry->rate_limit_source, "GsHealthTracker rate limit");
	g_source_set_callback(entry->rate_limit_source,
			      gs_health_tracker_rate_limit_cb,
			      timer,
			      (GDestroyNotify)gs_health_timer_free);
	g_source_attach(entry->rate_limit_source, self->context);
	gs_health_log(url, "rate limited for %u ms", self->rate_limit_ms);
}

/**
 * gs_health_tracker_tick:
 *
 * The periodic tick's share of health work: ends cooldowns that are over by the clock (their
 * timers would, a little later) and drops expired naughty listings.
 */
void
gs_health_tracker_tick(GsHealthTracker *self)
{
	gint64 now = gs_health_tracker_now(self);
	g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter iter;
	GsHealthEntry *entry;

	g_return_if_fail(GS_IS_HEALTH_TRACKER(self));
	g_hash_table_iter_init(&iter, self->entries);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&entry)) {
		if (entry->naughty != GS_NAUGHTY_CATEGORY_NONE &&
		    !gs_health_entry_is_naughty(self, entry, now)) {
			gs_health_log(entry->url, "naughty listing expired");
			entry->naughty = GS_NAUGHTY_CATEGORY_NONE;
			entry->naughty_occurrences = 0;
		}
		if (entry->rate_limit_source != NULL && now >= entry->rate_limited_until)
			g_ptr_array_add(due, g_strdup(entry->url));
	}
	/* signal handlers may change the table, so end the cooldowns after iterating */
	for (guint i = 0; i < due->len; i++) {
		entry = gs_health_tracker_lookup(self, g_ptr_array_index(due, i));
		if (entry != NULL)
			gs_health_tracker_end_rate_limit(self, entry);
	}
}

/* the relay is no longer tracked; its cooldown ends without a signal */
void
gs_health_tracker_remove(GsHealthTracker *self, const gchar *url)
{
	g_return_if_fail(GS_IS_HEALTH_TRACKER(self));
	g_hash_table_remove(self->entries, url);
}

/* TRUE when a connection attempt is allowed now; unknown relays may always be tried */
gboolean
gs_health_tracker_can_attempt(GsHealthTracker *self, const gchar *url)
{
	GsHealthEntry *entry = gs_health_tracker_lookup(self, url);

	if (entry == NULL)
		return TRUE;
	return entry->rate_limit_source == NULL &&
	       gs_health_tracker_now(self) >= entry->next_retry_at;
}

/* wall-clock µs of the earliest next attempt; 0 when it may be tried now */
gint64
gs_health_tracker_get_next_retry_at(GsHealthTracker *self, const gchar *url)
{
	GsHealthEntry *entry = gs_health_tracker_lookup(self, url);
	return entry != NULL ? entry->next_retry_at : 0;
}

guint
gs_health_tracker_get_consecutive_failures(GsHealthTracker *self, const gchar *url)
{
	GsHealthEntry *entry = gs_health_tracker_lookup(self, url);
	return entry != NULL ? entry->failures : 0;
}

/* states in the order of the spec: rate-limited, dead, degraded, healthy, disconnected */
GsRelayHealth
gs_health_tracker_get_health(GsHealthTracker *self, const gchar *url)
{
	GsHealthEntry *entry = gs_health_tracker_lookup(self, url);

	if (entry == NULL)
		return GS_RELAY_HEALTH_DISCONNECTED;
	if (entry->rate_limit_source != NULL)
		return GS_RELAY_HEALTH_RATE_LIMITED;
	if (gs_health_entry_is_dead(self, entry, gs_health_tracker_now(self)))
		return GS_RELAY_HEALTH_DEAD;
	if (entry->failures > 0)
		return GS_RELAY_HEALTH_DEGRADED;
	if (entry->connected)
		return GS_RELAY_HEALTH_HEALTHY;
	return GS_RELAY_HEALTH_DISCONNECTED;
}

gboolean
gs_health_tracker_is_rate_limited(GsHealthTracker *self, const gchar *url)
{
	GsHealthEntry *entry = gs_health_tracker_lookup(self, url);
	return entry != NULL && entry->rate_limit_source != NULL;
}

/* %GS_NAUGHTY_CATEGORY_NONE once the listing is older than the expiry, even before tick() */
GsNaughtyCategory
gs_health_tracker_get_naughty_category(GsHealthTracker *self, const gchar *url)
{
	GsHealthEntry *entry = gs_health_tracker_lookup(self, url);

	if (entry == NULL || !gs_health_entry_is_naughty(self, entry, gs_health_tracker_now(self)))
		return GS_NAUGHTY_CATEGORY_NONE;
	return entry->naughty;
}

guint
gs_health_tracker_get_naughty_occurrences(GsHealthTracker *self, const gchar *url)
{
	GsHealthEntry *entry = gs_health_tracker_lookup(self, url);

	if (entry == NULL || !gs_health_entry_is_naughty(self, entry, gs_health_tracker_now(self)))
		return 0;
	return entry->naughty_occurrences;
}

static gint
gs_health_url_cmp(gconstpointer a, gconstpointer b, gpointer user_data)
{
	return g_strcmp0(*(const gchar *const *)a, *(const gchar *const *)b);
}

/* returns: (transfer full): the tracked URLs, sorted */
GStrv
gs_health_tracker_dup_urls(GsHealthTracker *self)
{
	g_autofree gpointer *keys = NULL;
	guint n = 0;

	g_return_val_if_fail(GS_IS_HEALTH_TRACKER(self), NULL);
	keys = g_hash_table_get_keys_as_array(self->entries, &n);
	g_qsort_with_data(keys, (gint)n, sizeof(gpointer), gs_health_url_cmp, NULL);
	return g_strdupv((GStrv)keys);
}

/**
 * gs_health_tracker_export:
 *
 * What survives a restart, for the store: an `a{sv}` with `consecutive-failures` (u),
 * `first-failure-at` and `next-retry-at` (x, wall-clock µs), `naughty-category` (s, the
 * metric label, "none" when not listed), `naughty-first-seen` (x) and `naughty-occurrences`
 * (u). Connection state and cooldowns are not saved: after a restart nothing is connected and a
 * 65 s cooldown is long over.
 *
 * Returns: (transfer full) (nullable): the state, or %NULL for an unknown relay
 */
GVariant *
gs_health_tracker_export(GsHealthTracker *self, const gchar *url)
{
	GsHealthEntry *entry = gs_health_tracker_lookup(self, url);
	GVariantDict dict;

	if (entry == NULL)
		return NULL;
	g_variant_dict_init(&dict, NULL);
	g_variant_dict_insert(&dict, "consecutive-failures", "u", entry->failures);
	g_variant_dict_insert(&dict, "first-failure-at", "x", entry->first_failure_at);
	g_variant_dict_insert(&dict, "next-retry-at", "x", entry->next_retry_at);
	g_variant_dict_insert(
		&dict, "naughty-category", "s", gs_naughty_category_to_string(entry->naughty));
	g_variant_dict_insert(&dict, "naughty-first-seen", "x", entry->naughty_first_seen);
	g_variant_dict_insert(&dict, "naughty-occurrences", "u", entry->naughty_occurrences);
	return g_variant_ref_sink(g_variant_dict_end(&dict));
}

static gboolean
gs_health_import_member(GsHealthEntry *entry, const gchar *key, GVariant *value, GError **error)
{
	const struct {
		const gchar *key;
		const gchar *type;
	} members[] = {
		{"consecutive-failures", "u"},
		{"first-failure-at", "x"},
		{"next-retry-at", "x"},
		{"naughty-category", "s"},
		{"naughty-first-seen", "x"},
		{"naughty-occurrences", "u"},
	};

	for (guint i = 0; i < G_N_ELEMENTS(members); i++) {
		if (g_strcmp0(key, members[i].key) != 0)
			continue;
		if (!g_variant_is_of_type(value, G_VARIANT_TYPE(members[i].type))) {
			g_set_error(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "health state member %s is not of type %s",
				    key,
				    members[i].type);
			return FALSE;
		}
	}
	if (g_strcmp0(key, "consecutive-failures") == 0)
		entry->failures = g_variant_get_uint32(value);
	else if (g_strcmp0(key, "first-failure-at") == 0)
		entry->first_failure_at = g_variant_get_int64(value);
	else if (g_strcmp0(key, "next-retry-at") == 0)
		entry->next_retry_at = g_variant_get_int64(value);
	else if (g_strcmp0(key, "naughty-first-seen") == 0)
		entry->naughty_first_seen = g_variant_get_int64(value);
	else if (g_strcmp0(key, "naughty-occurrences") == 0)
		entry->naughty_occurrences = g_variant_get_uint32(value);
	else if (g_strcmp0(key, "naughty-category") == 0 &&
		 !gs_naughty_category_from_string(g_variant_get_string(value, NULL),
						  &entry->naughty)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "unknown naughty category %s",
			    g_variant_get_string(value, NULL));
		return FALSE;
	}
	return TRUE;
}

/**
 * gs_health_tracker_import:
 * @state: an `a{sv}` from gs_health_tracker_export(); unknown members are ignored
 *
 * Restores a relay's saved state, replacing what the tracker has for it.
 *
 * Returns: %TRUE, or %FALSE with %GS_ERROR_INVALID_ARGUMENT (the tracker is then unchanged)
 */
gboolean
gs_health_tracker_import(GsHealthTracker *self, const gchar *url, GVariant *state, GError **error)
{
	GsHealthEntry parsed = {NULL};
	GsHealthEntry *entry;
	GVariantIter iter;
	const gchar *key;
	GVariant *value;

	g_return_val_if_fail(GS_IS_HEALTH_TRACKER(self), FALSE);
	g_return_val_if_fail(url != NULL && state != NULL, FALSE);
	if (!g_variant_is_of_type(state, G_VARIANT_TYPE_VARDICT)) {
		g_set_error(error,
			    GS_ERROR,
			    GS_ERROR_INVALID_ARGUMENT,
			    "health state is %s, not a{sv}",
			    g_variant_get_type_string(state));
		return FALSE;
	}
	g_variant_iter_init(&iter, state);
	while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
		gboolean ok = gs_health_import_member(&parsed, key, value, error);
		g_variant_unref(value);
		if (!ok)
			return FALSE;
	}
	if (parsed.failures > 0 && parsed.first_failure_at <= 0) {
		g_set_error_literal(error,
				    GS_ERROR,
				    GS_ERROR_INVALID_ARGUMENT,
				    "health state has failures but no first-failure-at");
		return FALSE;
	}
	entry = gs_health_tracker_ensure(self, url);
	entry->failures = parsed.failures;
	entry->first_failure_at = parsed.failures > 0 ? parsed.first_failure_at : 0;
	entry->next_retry_at = MAX(parsed.next_retry_at, 0);
	entry->naughty = parsed.naughty;
	entry->naughty_first_seen = parsed.naughty_first_seen;
	entry->naughty_occurrences = parsed.naughty_occurrences;
	return TRUE;
}

static void
gs_health_tracker_dispose(GObject *object)
{
	GsHealthTracker *self = GS_HEALTH_TRACKER(object);

	/* destroys the cooldown timers, which point at us without a reference */
	g_hash_table_remove_all(self->entries);
	G_OBJECT_CLASS(gs_health_tracker_parent_class)->dispose(object);
}

static void
gs_health_tracker_finalize(GObject *object)
{
	GsHealthTracker *self = GS_HEALTH_TRACKER(object);

	g_hash_table_unref(self->entries);
	g_main_context_unref(self->context);
	g_rand_free(self->rand);
	G_OBJECT_CLASS(gs_health_tracker_parent_class)->finalize(object);
}

static void
gs_health_tracker_class_init(GsHealthTrackerClass *klass)
{
	GObjectClass *object_class = G_OBJECT_CLASS(klass);

	object_class->dispose = gs_health_tracker_dispose;
	object_class->finalize = gs_health_tracker_finalize;

	/**
	 * GsHealthTracker::rate-limit-ended:
	 * @url: the relay whose cooldown ended
	 *
	 * The sync manager recomputes the relay's work: subscriptions held back may go now.
	 */
	signals[SIGNAL_RATE_LIMIT_ENDED] = g_signal_new("rate-limit-ended",
							G_TYPE_FROM_CLASS(klass),
							G_SIGNAL_RUN_LAST,
							0,
							NULL,
							NULL,
							NULL,
							G_TYPE_NONE,
							1,
							G_TYPE_STRING);
}

static void
gs_health_tracker_init(GsHealthTracker *self)
{
	self->entries = g_hash_table_new_full(
		g_str_hash, g_str_equal, NULL, (GDestroyNotify)gs_health_entry_free);
	self->context = g_main_context_ref_thread_default();
	self->clock_func = gs_health_real_time;
	self->rand = g_rand_new();
	self->base_backoff = (gint64)GS_HEALTH_BASE_BACKOFF_SECS * G_USEC_PER_SEC;
	self->max_backoff = (gint64)GS_HEALTH_MAX_BACKOFF_SECS * G_USEC_PER_SEC;
	self->dead_after = (gint64)GS_HEALTH_DEAD_AFTER_SECS * G_USEC_PER_SEC;
	self->naughty_expiry = (gint64)GS_HEALTH_NAUGHTY_EXPIRY_SECS * G_USEC_PER_SEC;
	self->rate_limit_ms = GS_HEALTH_RATE_LIMIT_COOLDOWN_MS;
}

GsHealthTracker *
gs_health_tracker_new(void)
{
	return g_object_new(GS_TYPE_HEALTH_TRACKER, NULL);
}
