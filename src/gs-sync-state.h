/*
 * Copyright 2026 The grasp-sync authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#pragma once

/*
 * The tables of the persisted sync state (see gs-sync-state.c), one migration step of the
 * store's schema. Item lists in sync_failed are space-separated coordinates and ids (neither
 * holds a space: both are checked before they become batch items).
 */
#define GS_SYNC_STATE_SCHEMA                                                                       \
	"CREATE TABLE sync_relays ("                                                               \
	"  url TEXT PRIMARY KEY,"                                                                  \
	"  bootstrap INTEGER NOT NULL DEFAULT 0,"                                                  \
	"  pinned INTEGER NOT NULL DEFAULT 0,"                                                     \
	"  ever_connected INTEGER NOT NULL DEFAULT 0,"                                             \
	"  last_connected INTEGER NOT NULL DEFAULT 0,"                                             \
	"  disconnected_at INTEGER NOT NULL DEFAULT -1,"                                           \
	"  last_eose_l1 INTEGER NOT NULL DEFAULT 0,"                                               \
	"  last_eose_l2 INTEGER NOT NULL DEFAULT 0,"                                               \
	"  last_eose_l3 INTEGER NOT NULL DEFAULT 0,"                                               \
	"  nip77 INTEGER NOT NULL DEFAULT -1,"                                                     \
	"  nip77_learned_at INTEGER NOT NULL DEFAULT 0,"                                           \
	"  next_daily_at INTEGER NOT NULL DEFAULT 0,"                                              \
	"  health TEXT);"                                                                          \
	"CREATE TABLE sync_confirmed ("                                                            \
	"  url TEXT NOT NULL,"                                                                     \
	"  item TEXT NOT NULL,"                                                                    \
	"  is_root INTEGER NOT NULL,"                                                              \
	"  PRIMARY KEY (url, item)) WITHOUT ROWID;"                                                \
	"CREATE TABLE sync_failed ("                                                               \
	"  url TEXT NOT NULL,"                                                                     \
	"  seq INTEGER NOT NULL,"                                                                  \
	"  reason TEXT,"                                                                           \
	"  repos TEXT NOT NULL,"                                                                   \
	"  roots TEXT NOT NULL,"                                                                   \
	"  PRIMARY KEY (url, seq));"                                                               \
	"CREATE TABLE sync_kv ("                                                                   \
	"  key TEXT PRIMARY KEY,"                                                                  \
	"  value TEXT NOT NULL);"
