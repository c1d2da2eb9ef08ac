// A home relay that no one here wrote: @nostr-relay/core over ws, with an in-memory event
// repository, on 127.0.0.1. Prints its URL on the first line of stdout and serves until stdin
// closes or it is killed. Used by tests/integration/gs-home-test.c (case npm-home).
//
// Copyright 2026 The grasp-sync authors
// SPDX-License-Identifier: GPL-3.0-or-later

import { EventRepository } from '@nostr-relay/common';
import { NostrRelay } from '@nostr-relay/core';
import { WebSocketServer } from 'ws';

const kindClass = (kind) => {
  if (kind === 0 || kind === 3 || (kind >= 10000 && kind < 20000)) return 'replaceable';
  if (kind >= 20000 && kind < 30000) return 'ephemeral';
  if (kind >= 30000 && kind < 40000) return 'addressable';
  return 'regular';
};

const dTag = (event) => (event.tags.find((t) => t[0] === 'd') ?? [])[1] ?? '';

const matches = (event, filter) => {
  if (filter.ids && !filter.ids.includes(event.id)) return false;
  if (filter.authors && !filter.authors.includes(event.pubkey)) return false;
  if (filter.kinds && !filter.kinds.includes(event.kind)) return false;
  if (filter.since !== undefined && event.created_at < filter.since) return false;
  if (filter.until !== undefined && event.created_at > filter.until) return false;
  for (const [key, values] of Object.entries(filter)) {
    if (!key.startsWith('#') || key.length !== 2) continue;
    const name = key.slice(1);
    if (!event.tags.some((t) => t[0] === name && values.includes(t[1]))) return false;
  }
  return true;
};

// the methods @nostr-relay/core needs from a repository, over a Map; NIP-01 replaceable rules
class MemoryRepository extends EventRepository {
  constructor() {
    super();
    this.events = new Map();
    this.keys = new Map();
  }

  isSearchSupported() {
    return false;
  }

  upsert(event) {
    if (this.events.has(event.id)) return { isDuplicate: true };
    const cls = kindClass(event.kind);
    if (cls === 'replaceable' || cls === 'addressable') {
      const key = `${event.kind}:${event.pubkey}:${cls === 'addressable' ? dTag(event) : ''}`;
      const old = this.events.get(this.keys.get(key));
      if (old && (old.created_at > event.created_at ||
                  (old.created_at === event.created_at && old.id < event.id)))
        return { isDuplicate: true };
      if (old) this.events.delete(old.id);
      this.keys.set(key, event.id);
    }
    this.events.set(event.id, event);
    return { isDuplicate: false };
  }

  find(filter) {
    const found = [...this.events.values()]
      .filter((e) => matches(e, filter))
      .sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : 1));
    return filter.limit !== undefined ? found.slice(0, filter.limit) : found;
  }

  async destroy() {}
}

const silent = { log() {}, info() {}, warn() {}, error() {}, debug() {}, setLogLevel() {} };
const relay = new NostrRelay(new MemoryRepository(), { logger: silent });
const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 8 * 1024 * 1024 });

wss.on('connection', (ws) => {
  relay.handleConnection(ws);
  ws.on('message', async (data) => {
    let message;
    try {
      message = JSON.parse(data.toString());
    } catch {
      ws.send(JSON.stringify(['NOTICE', 'invalid: not JSON']));
      return;
    }
    try {
      await relay.handleMessage(ws, message);
    } catch (error) {
      ws.send(JSON.stringify(['NOTICE', `error: ${error.message}`]));
    }
  });
  ws.on('close', () => relay.handleDisconnect(ws));
});

wss.on('listening', () => {
  process.stdout.write(`ws://127.0.0.1:${wss.address().port}\n`);
});

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
