/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

#include "gs-home-outbox.h"
#include "gs-home-relay.h"
#include "gs-relay-connection.h"

G_BEGIN_DECLS

/* private to GsHomeRelay: shared by gs-home-relay.c and gs-home-delivery.c */

typedef enum {
	GS_HOME_AUTH_NONE,
	GS_HOME_AUTH_PENDING,
	GS_HOME_AUTH_DONE,
	GS_HOME_AUTH_FAILED,
} GsHomeAuth;

struct _GsHomeRelay {
	GObject parent_instance;
	GsStore *store;
	gchar *url;
	GsHomeRelayOptions opts;
	guint8 seckey[32];
	gboolean has_seckey;
	GsHomeOutbox *outbox;
	GsRelayConnection *conn;
	GsHealthTracker *health;
	GsHomeSourceFunc source_func;
	gpointer source_data;
	gboolean running;
	GHashTable *flights;	 /* id -> GsHomeFlight */
	GHashTable *flight_seqs; /* &flight->seq -> flight (not owned) */
	GArray *results;	 /* GsHomeResult, written by the next pump */
	gint64 cursor;
	gboolean rescan;
	guint pump_id;
	guint reconnect_id;
	guint ok_timer_id;
	guint wake_id;
	gint64 wake_at; /* wall, µs, of the armed wake timer */
	guint maintenance_id;
	guint window;	       /* events in flight at most now: grows up to window_ceiling */
	guint window_ceiling;  /* max_in_flight, or the count home was found to take */
	guint window_credit;   /* events accepted since the window last grew */
	gboolean window_full;  /* the last refill stopped at the window's count */
	gsize window_bytes;    /* bytes of EVENT messages in flight at most; 0: no limit */
	gsize bytes_in_flight; /* of the events in flight */
	guint64 next_send_seq; /* numbers the events sent */
	guint rate_limit_streak;
	gboolean second_chance;	   /* refusals recorded since the queue last drained */
	gboolean reconcile_wanted; /* reconcile once the queue has drained */
	gint64 paused_until;	   /* wall, µs */
	GsHomeAuth auth;
	GsHomeRelayStats stats;
	/* the observed state (properties) */
	guint counts_id;
	gboolean counts_dirty;
	gboolean shown_connected;
	gint64 shown_pending;
	gint64 shown_refused;
	GCancellable *reconcile_cancellable; /* non-NULL while a reconciliation runs */
	GHashTable *reconcile_delivered;     /* ids delivered while it runs */
	gint64 last_reconcile;		     /* wall, s, of the last one that finished */
};

/* an event sent and awaiting its OK (gs-home-delivery.c) */
typedef struct {
	gint64 seq;
	gchar id[65];
	guint8 id_raw[32];
	guint attempts;
	gsize bytes;	      /* of its EVENT message */
	guint64 send_seq;     /* sending order on this connection */
	gint64 deadline;      /* monotonic, µs */
	GsHomeAuth sent_auth; /* the AUTH state when it was sent */
} GsHomeFlight;

/* gs-home-relay.c */
gint64
gs_home_relay_now(GsHomeRelay *self);
gint64
gs_home_relay_now_secs(GsHomeRelay *self);
gboolean
gs_home_relay_is_open(GsHomeRelay *self);

/* gs-home-reconcile.c */
void
gs_home_relay_start_reconcile(GsHomeRelay *self);

/* gs-home-delivery.c */
void
gs_home_delivery_init(GsHomeRelay *self);

void
gs_home_delivery_finalize(GsHomeRelay *self);
void
gs_home_delivery_opened(GsHomeRelay *self);
void
gs_home_delivery_closed(GsHomeRelay *self);
void
gs_home_delivery_stop(GsHomeRelay *self);
void
gs_home_relay_schedule_pump(GsHomeRelay *self);
gboolean
gs_home_relay_flush(GsHomeRelay *self);
void
gs_home_relay_event_stored_cb(GsStore *store, GsEvent *event, gpointer user_data);

/* gs-home-window.c */
void
gs_home_delivery_reset_window(GsHomeRelay *self);
gboolean
gs_home_relay_window_overflow(GsHomeRelay *self, GsHomeFlight *flight, const gchar *message);
void
gs_home_relay_grow_window(GsHomeRelay *self, const GsHomeFlight *flight);

G_END_DECLS
