/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

/*
 * GsStore's checkpoints, off the writer's thread. SQLite's automatic checkpoint runs inside the
 * COMMIT that crosses the threshold: it copies the log's pages into the database and fsyncs
 * both files, and the writer (the daemon's main context) waits for the disk meanwhile. Here
 * the writer's WAL hook only wakes a thread, which runs a PASSIVE checkpoint on a connection
 * of its own. A passive checkpoint takes no lock the writer needs: commits go on appending to
 * the log while it copies what was committed before it started. The log starts over from its
 * beginning only at the first transaction that starts after a checkpoint copied everything.
 * A single passive pass leaves behind what the writer appended during it (the log grew to
 * 330 MB in bench/ingest), so passes follow one another until one finds nothing new to
 * copy; the log then starts over at once if the writer is between transactions (a RESTART
 * with nothing to copy, which takes the writer's lock only if it is free and syncs nothing),
 * or else at the writer's next transaction that starts while the log is all copied. Only
 * when the writer stays ahead for GS_STORE_CHECKPOINT_PASSES passes does a RESTART follow:
 * it waits for the writer's transaction to end and keeps the next one waiting while it copies
 * the tail and syncs the database. That wait used to follow every checkpoint and cost the
 * writer 0.1-0.5 s each time (two fsyncs on this machine's disk), during which the ingest's
 * workers ran out of verified work (docs/benchmarks.md, "Ingest", session 6). What a commit
 * guarantees does not change (the log is the same, and a crash at any point is recovered from
 * it as before).
 */

#define G_LOG_DOMAIN "GsStore"

#include "config.h"

#include "gs-store-checkpoint.h"
#include "gs-store-sql.h"

#define GS_STORE_CHECKPOINT_BUSY_MS 200
/* passive passes before a blocking RESTART; most checkpoints catch up in two or three */
#define GS_STORE_CHECKPOINT_PASSES 6

struct _GsStoreCheckpointer {
	sqlite3 *db; /* the thread's own connection */
	GThread *thread;
	GMutex lock;
	GCond cond;
	gboolean due;	 /* under @lock */
	gboolean stop;	 /* under @lock */
	guint threshold; /* atomic */
	guint runs;	 /* checkpoints run, under @lock */
	guint restarts;	 /* of which ended with a RESTART, under @lock */
};

/* the whole log is in the database: start it over now if the writer is between transactions
 * (a RESTART that finds nothing to copy only resets the log's header, without a sync), else
 * leave it to the writer's next transaction that starts while the log is all copied. Never
 * waits for the writer. */
static gint
gs_store_checkpointer_try_restart(GsStoreCheckpointer *self)
{
	gint rc;

	sqlite3_busy_timeout(self->db, 0);
	rc = sqlite3_wal_checkpoint_v2(self->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	sqlite3_busy_timeout(self->db, GS_STORE_CHECKPOINT_BUSY_MS);
	return rc == SQLITE_BUSY ? SQLITE_OK : rc;
}

/* one checkpoint: passive passes until one finds the whole log copied and nothing appended
 * since the pass before (or the log started over meanwhile), so that the writer's next
 * transaction starts the log over; a RESTART when the writer stays ahead. Sets @restarted
 * when it took the RESTART. */
static gint
gs_store_checkpointer_copy(GsStoreCheckpointer *self, gboolean *restarted)
{
	gint previous = -1;

	*restarted = FALSE;
	for (guint pass = 0; pass < GS_STORE_CHECKPOINT_PASSES; pass++) {
		gint log_frames = 0, copied = 0;
		gint rc = sqlite3_wal_checkpoint_v2(
			self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log_frames, &copied);
		if (rc != SQLITE_OK)
			return rc;
		if (copied == log_frames && log_frames < previous)
			return SQLITE_OK; /* the writer started the log over meanwhile */
		if (copied == log_frames && log_frames == previous)
			return gs_store_checkpointer_try_restart(self);
		previous = log_frames;
	}
	*restarted = TRUE;
	return sqlite3_wal_checkpoint_v2(self->db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
}

static gpointer
gs_store_checkpointer_run(gpointer data)
{
	GsStoreCheckpointer *self = data;

	g_mutex_lock(&self->lock);
	for (;;) {
		gboolean restarted = FALSE;
		gint rc;

		while (!self->due && !self->stop)
			g_cond_wait(&self->cond, &self->lock);
		if (self->stop)
			break;
		self->due = FALSE;
		g_mutex_unlock(&self->lock);
		rc = gs_store_checkpointer_copy(self, &restarted);
		/* BUSY: a reader or another checkpointer (a backup tool) is in the way; the next
		 * commit past the threshold asks again */
		if (rc != SQLITE_OK && rc != SQLITE_BUSY)
			g_warning("checkpoint failed: %s", sqlite3_errmsg(self->db));
		g_mutex_lock(&self->lock);
		self->runs++;
		self->restarts += restarted ? 1 : 0;
		g_cond_broadcast(&self->cond);
	}
	g_mutex_unlock(&self->lock);
	return NULL;
}

/* the writer's WAL hook, after each commit: @frames is the log's length in pages */
static gint
gs_store_checkpointer_wal_hook(gpointer data, sqlite3 *db, const gchar *name, gint frames)
{
	GsStoreCheckpointer *self = data;

	if (frames < 0 || (guint)frames < (guint)g_atomic_int_get(&self->threshold))
		return SQLITE_OK;
	g_mutex_lock(&self->lock);
	self->due = TRUE;
	g_cond_signal(&self->cond);
	g_mutex_unlock(&self->lock);
	return SQLITE_OK;
}

/**
 * gs_store_checkpointer_new:
 * @writer: the store's connection, in WAL mode; its automatic checkpoints are replaced
 * @path: the database file
 * @threshold: the log length in pages from which a commit asks for a checkpoint
 *
 * Returns: (transfer full) (nullable): the checkpointer, or %NULL with @error set when its
 *   connection cannot be opened (the writer then keeps checkpointing by itself)
 */
GsStoreCheckpointer *
gs_store_checkpointer_new(sqlite3 *writer, const gchar *path, guint threshold, GError **error)
{
	GsStoreCheckpointer *self = g_new0(GsStoreCheckpointer, 1);
	gint flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;

	if (sqlite3_open_v2(path, &self->db, flags, NULL) != SQLITE_OK ||
	    !gs_store_sql_exec(self->db, "PRAGMA synchronous = NORMAL", error)) {
		if (error != NULL && *error == NULL)
			gs_store_sql_error(
				self->db, "failed to open the checkpoint connection", error);
		sqlite3_close(self->db);
		g_free(self);
		return NULL;
	}
	/* how long the RESTART step waits for the writer's transaction to end, holding off new
	 * ones meanwhile: short, as the writer's own wait for a lock is 5 s */
	sqlite3_busy_timeout(self->db, GS_STORE_CHECKPOINT_BUSY_MS);
	g_mutex_init(&self->lock);
	g_cond_init(&self->cond);
	self->threshold = threshold;
	self->thread = g_thread_new("gs-checkpoint", gs_store_checkpointer_run, self);
	sqlite3_wal_hook(writer, gs_store_checkpointer_wal_hook, self);
	return self;
}

void
gs_store_checkpointer_set_threshold(GsStoreCheckpointer *self, guint threshold)
{
	g_atomic_int_set(&self->threshold, threshold);
}

/**
 * gs_store_checkpointer_wait:
 *
 * Asks for a checkpoint now and waits until one has run (for tests).
 */
void
gs_store_checkpointer_wait(GsStoreCheckpointer *self)
{
	guint runs;

	g_mutex_lock(&self->lock);
	runs = self->runs;
	self->due = TRUE;
	g_cond_broadcast(&self->cond);
	while (self->runs == runs)
		g_cond_wait(&self->cond, &self->lock);
	g_mutex_unlock(&self->lock);
}

guint
gs_store_checkpointer_get_runs(GsStoreCheckpointer *self)
{
	guint runs;

	g_mutex_lock(&self->lock);
	runs = self->runs;
	g_mutex_unlock(&self->lock);
	return runs;
}

/* of gs_store_checkpointer_get_runs(), those that held the writer off with a RESTART */
guint
gs_store_checkpointer_get_restarts(GsStoreCheckpointer *self)
{
	guint restarts;

	g_mutex_lock(&self->lock);
	restarts = self->restarts;
	g_mutex_unlock(&self->lock);
	return restarts;
}

/* stops the thread (a checkpoint under way finishes first) and closes its connection; the
 * caller removes the WAL hook from @writer first, or closes @writer right after */
void
gs_store_checkpointer_free(GsStoreCheckpointer *self, sqlite3 *writer)
{
	if (self == NULL)
		return;
	sqlite3_wal_hook(writer, NULL, NULL);
	g_mutex_lock(&self->lock);
	self->stop = TRUE;
	g_cond_broadcast(&self->cond);
	g_mutex_unlock(&self->lock);
	g_thread_join(self->thread);
	sqlite3_close(self->db);
	g_mutex_clear(&self->lock);
	g_cond_clear(&self->cond);
	g_free(self);
}
