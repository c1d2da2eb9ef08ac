/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-sync-manager.h"
#include "gs-sync-rules.h"

G_BEGIN_DECLS

/*
 * Internal to the sync manager and its parts (gs-sync-manager.c: relays, state machine and
 * control; gs-sync-discovery.c: targets; gs-sync-runner.c: historic batches; gs-sync-live.c:
 * live subscriptions and event intake; gs-sync-state.c: persistence). Everything runs on the
 * main context.
 */

typedef struct _GsSyncRun GsSyncRun;
typedef struct _GsSyncWide GsSyncWide;

/* filters in one live REQ at most: strfry's limit; a relay that says less is believed */
#define GS_SYNC_LIVE_MAX_FILTERS 200
/* the largest REQ we send: strfry drops connections sending messages over 128 KiB */
#define GS_SYNC_MAX_REQ_BYTES (96 * 1024)

/* the NIP-77 knowledge about a relay */
typedef enum {
	GS_SYNC_NIP77_UNKNOWN = -1,
	GS_SYNC_NIP77_NO = 0,
	GS_SYNC_NIP77_YES = 1,
} GsSyncNip77;

/* a historic subscription waiting for a free slot or for a rate limit to end */
typedef void (*GsSyncSlotFunc)(GsSyncRun *run, gpointer data);

typedef struct {
	GsSyncRun *run; /* a reference */
	GsSyncSlotFunc func;
	gpointer data;
	GDestroyNotify data_free;
} GsSyncSlotWaiter;

/* the items of a batch to run again */
typedef struct {
	GPtrArray *repos;
	GPtrArray *roots;
} GsSyncItems;

void
gs_sync_items_free(GsSyncItems *items);

/* a live REQ: one per layer (more when a layer has over 200 filters, or has several parts) */
typedef struct {
	gchar *sub_id;
	GPtrArray *filters; /* of GsFilter */
	gboolean eose_seen;
	gboolean refused; /* closed by the relay, or over the connection's budget: not sent again
			     until the layer is rebuilt or the relay reconnects */
	gboolean held;	  /* not sent: over the live share of the budget during a historic pass
			     (gs_sync_live_release_held() sends it when the pass ends) */
	guint part;	  /* the GsSyncLivePart it belongs to (L2, L3), 0 for L1 */
} GsSyncLiveSub;

/* the items whose live filters were sent together (gs-sync-live.c) */
typedef struct {
	guint id;
	GPtrArray *items; /* gchar *: L2 "s:" or "f:" + coordinate, L3 root event ids */
} GsSyncLivePart;

typedef struct {
	GsSyncManager *manager; /* not a reference: the manager owns the relay */
	gchar *url;
	GsRelayConnection *conn;
	gboolean bootstrap;	  /* configured or added as bootstrap: never dropped */
	gboolean added_bootstrap; /* added as bootstrap through AddRelay (persisted) */
	gboolean pinned;	  /* added through AddRelay: dropped only by RemoveRelay */
	gboolean paused;	  /* Disconnect(): no attempt until Reconnect() */
	gboolean closing;	  /* we are closing the connection: not a failure */
	gboolean ever_connected;  /* persisted */
	gboolean explicit_resync; /* the next connection starts afresh */
	gint64 last_connected;	  /* unix s of the manager's clock, 0 never */
	gint64 disconnected_at;	  /* unix s, -1 unknown */
	gint64 last_eose[3];	  /* unix s of the last historic EOSE per layer, 0 never */
	GsSyncNip77 nip77;
	gint64 nip77_learned_at;
	gint64 next_daily_at; /* unix s of the next daily pass, 0 none scheduled */
	gint64 pass_started;  /* monotonic us when the current historic pass began, 0 none */
	/* what events of historic batches count as now (ngit_sync_events_total{source}), and
	 * whether they are gaps live sync left (ngit_sync_gap_events_total) */
	GsSyncEventSource hist_source;
	gboolean hist_gap;
	gboolean l1_wanted; /* the L1 historic batch still has to be sent */
	gint64 l1_since;    /* its since, -1 none */
	/* live subscriptions per layer (index 0: L1, 1: L2, 2: L3) */
	GPtrArray *live[3];
	GPtrArray *live_parts[3];  /* of GsSyncLivePart, oldest first (L2 and L3) */
	GHashTable *live_items[3]; /* item -> the GsSyncLivePart covering it */
	guint live_next_part;
	gboolean live_dirty;
	gint64 live_catch_up; /* > 0: live REQs opened now also ask for what came since then */
	guint max_filters;    /* filters per REQ the relay takes: 200, or what it said */
	guint max_subs;	      /* subscriptions the relay takes (its NIP-11 document), 0 unknown */
	/* historic subscriptions: sub id -> GsSyncRun (not a reference) */
	GHashTable *hist_subs;
	GHashTable *fetching;	/* id -> the GsSyncRun fetching it by id (not a reference) */
	guint n_slots;		/* historic subscriptions and NEG sessions in use */
	guint learned_cap;	/* what the relay said it takes, 0 unknown */
	GQueue waiters;		/* of GsSyncSlotWaiter */
	guint waiters_retry_id; /* the connection refused one for its own budget: try again then */
	guint completion_id;
	GPtrArray *redo; /* of GsSyncItems: batches that had failed before a restart */
	/* the relay-wide reconciliation of the current pass (gs-sync-runner-wide.c), or %NULL;
	 * the size of our set when the relay last made one too costly, 0 never */
	GsSyncWide *wide;
	guint wide_declined_local;
	gboolean wide_live; /* its last relay-wide session succeeded: live L2/L3 is `{limit:0}` */
	gboolean wide_live_refused; /* it closed that REQ on this connection */
	/* counters */
	GsSyncRelayStats stats;
	GHashTable *failure_reasons;  /* reason -> count */
	GHashTable *fallback_reasons; /* reason -> count */
} GsSyncRelay;

struct _GsSyncManager {
	GObject parent_instance;
	GsSyncManagerOptions opts;
	GsStore *store;
	GsIngest *ingest;
	GsRejectedIndex *rejected; /* nullable */
	GsSyncIndex *index;
	GsHealthTracker *health;
	GHashTable *relays; /* url -> GsSyncRelay */
	GHashTable *runs;   /* batch id (guint64 *) -> GsSyncRun */
	GRand *rand;
	gboolean running;
	gboolean persist;
	/* discovery */
	GPtrArray *queue;	   /* of GsEvent, stored since the last drain */
	GHashTable *hist_stored;   /* raw ids (guint8[32]) of events a sync found stored, or NULL;
				    * emptied when no pass runs (gs-sync-intake.c) */
	GHashTable *hist_inflight; /* raw id -> GPtrArray of copies waiting, or NULL: a
				    * historic event with the ingest (gs-sync-intake.c) */
	gboolean reload_targets;
	guint drain_id;
	GPtrArray *confirm_queue; /* of GsSyncBatch: confirmed items not yet saved */
	guint kick_id;		  /* an early drain (gs_sync_discovery_kick()) */
	guint settle_id;	  /* the ingest went idle (gs_sync_manager_ingest_idle()) */
	guint resume_id;	  /* historic work resumes after the ingest backlog */
	guint tick_id;
	gint64 rejected_saved_at; /* unix s of the last save of the rejected index */
	gulong stored_id;
	/* counters */
	guint64 events_synced;
	guint64 events_by_source[GS_SYNC_EVENT_SOURCE_LAST];

	guint64 memory_trims; /* times the heap was trimmed after the last historic pass */
	gboolean backlogged;  /* historic work waits for the ingest (gs_sync_runner_backlogged) */
	guint64 backlog_pauses;
	GsSyncDurationHistogram durations;
};

/* gs-sync-manager.c */
gint64
gs_sync_manager_now(GsSyncManager *self);
GsSyncRelay *
gs_sync_manager_lookup(GsSyncManager *self, const gchar *url);
GsSyncRelay *
gs_sync_manager_ensure_relay(GsSyncManager *self, const gchar *url, gboolean bootstrap);
gboolean
gs_sync_relay_is_live(GsSyncRelay *relay);
gboolean
gs_sync_relay_can_subscribe(GsSyncRelay *relay);
void
gs_sync_manager_maybe_connect(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_manager_connect(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_manager_begin_entry(GsSyncManager *self,
			    GsSyncRelay *relay,
			    GsSyncEntry entry,
			    gint64 since);
void
gs_sync_manager_remove(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_manager_arm_timers(GsSyncManager *self);
void
gs_sync_manager_schedule_daily(GsSyncManager *self, GsSyncRelay *relay);
gboolean
gs_sync_relay_is_wanted(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_manager_apply_bootstrap(GsSyncManager *self);
void
gs_sync_manager_start_work(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_manager_completion_check(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_manager_relay_changed(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_manager_enter_rate_limit(GsSyncManager *self, GsSyncRelay *relay, gboolean from_notice);
void
gs_sync_relay_count_reason(GHashTable *reasons, const gchar *reason);

/* gs-sync-discovery.c */
gboolean
gs_sync_discovery_load(GsSyncManager *self, GError **error);
void
gs_sync_discovery_event_stored_cb(GsStore *store, GsEvent *event, GsSyncManager *self);
gboolean
gs_sync_discovery_drain_cb(gpointer user_data);
void
gs_sync_discovery_kick(GsSyncManager *self);
gboolean
gs_sync_manager_settled(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_manager_ingest_idle(GsSyncManager *self);
void
gs_sync_discovery_diff_relay(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_discovery_sync_relays(GsSyncManager *self);

/* gs-sync-live.c */
void
gs_sync_live_rebuild(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_live_add(GsSyncManager *self, GsSyncRelay *relay, GPtrArray *repos, GPtrArray *roots);
void
gs_sync_live_clear(GsSyncRelay *relay);
gboolean
gs_sync_live_is_sub(GsSyncRelay *relay, const gchar *sub_id);
guint
gs_sync_live_n_open(GsSyncRelay *relay);
void
gs_sync_live_resend_unanswered(GsSyncRelay *relay);

/* gs-sync-runner-wide.c */
void
gs_sync_wide_clear(GsSyncRelay *relay);
gboolean
gs_sync_wide_live(GsSyncRelay *relay);
void
gs_sync_live_release_held(GsSyncRelay *relay, gint64 since);
guint
gs_sync_relay_budget(GsSyncRelay *relay);
void
gs_sync_intake_event(GsSyncManager *self,
		     GsSyncRelay *relay,
		     const gchar *json,
		     gsize len,
		     GPtrArray *filters,
		     gboolean live,
		     GsEvent **event_out);

void
gs_sync_intake_raw_event(GsSyncManager *self, GsSyncRelay *relay, const gchar *json, gsize len);
void
gs_sync_intake_dropped(GsSyncManager *self, GsSyncRelay *relay, const gchar *id);
gboolean
gs_sync_intake_more_coming(gpointer user_data);
void
gs_sync_intake_peeked(GsSyncManager *self,
		      GsSyncRelay *relay,
		      const gchar *json,
		      gsize len,
		      const gchar *id);
void
gs_sync_intake_forget_stored(GsSyncManager *self);
gboolean
gs_sync_intake_raw(GsSyncManager *self,
		   GsSyncRelay *relay,
		   const gchar *json,
		   gsize len,
		   GHashTable *ids,
		   const gchar *id);

/* gs-sync-runner.c */
gboolean
gs_sync_runner_start_batch(GsSyncManager *self,
			   GsSyncRelay *relay,
			   GPtrArray *repos,
			   GPtrArray *roots,
			   gint64 since,
			   GError **error);
void
gs_sync_runner_batch_finished(GsSyncManager *self, GsSyncBatch *batch);
void
gs_sync_runner_release_slot(GsSyncRelay *relay);
void
gs_sync_runner_learn_cap(GsSyncRelay *relay, const gchar *message, guint in_use);
void
gs_sync_runner_flush_waiters(GsSyncRelay *relay);
gboolean
gs_sync_runner_backlogged(GsSyncManager *self);
void
gs_sync_runner_clear_waiters(GsSyncRelay *relay);
void
gs_sync_runner_requeue_unanswered(GsSyncRelay *relay);
GsSyncMethod
gs_sync_runner_choose_method(GsSyncManager *self, GsSyncRelay *relay);

/* gs-sync-state.c */
gboolean
gs_sync_state_init(GsSyncManager *self, GError **error);
void
gs_sync_state_save_relay(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_state_save_confirmed(GsSyncManager *self, GsSyncRelay *relay, GsSyncBatch *batch);
void
gs_sync_state_clear_confirmed(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_state_save_failed(GsSyncManager *self, GsSyncRelay *relay);
void
gs_sync_state_flush_confirmed(GsSyncManager *self);
void
gs_sync_state_delete_relay(GsSyncManager *self, const gchar *url);
gboolean
gs_sync_state_load_relays(GsSyncManager *self, GError **error);
void
gs_sync_state_save_rejected(GsSyncManager *self);
void
gs_sync_state_load_rejected(GsSyncManager *self);

G_END_DECLS
