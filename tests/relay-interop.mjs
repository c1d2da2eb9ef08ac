// Copyright 2026 The grasp-sync authors
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Interop of grasp-sync's relay endpoint with a third-party client: nostr-tools (pinned in
// tests/package-lock.json) publishes to and queries an endpoint started by
// tests/gs-relay-harness, which also stores events for it. Output is TAP; usage:
//   node relay-interop.mjs HARNESS

import { spawn } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import readline from 'node:readline';

if (!globalThis.crypto) globalThis.crypto = webcrypto; // Debian 12's node 18 lacks the global

let WebSocket, Relay, useWebSocketImplementation, pure, fetchRelayInformation;
try {
  ({ default: WebSocket } = await import('ws'));
  ({ Relay, useWebSocketImplementation } = await import('nostr-tools/relay'));
  pure = await import('nostr-tools/pure');
  ({ fetchRelayInformation } = await import('nostr-tools/nip11'));
} catch (e) {
  console.log(`Bail out! npm packages missing (run: npm ci --prefix tests): ${e.message}`);
  process.exit(1);
}
useWebSocketImplementation(WebSocket);

// ---------------------------------------------------------------- the endpoint

const harness = spawn(process.argv[2], [], { stdio: ['pipe', 'pipe', 'inherit'] });
const lines = readline.createInterface({ input: harness.stdout });
const waiting = [];
const pending = [];
lines.on('line', (line) => {
  const w = waiting.shift();
  if (w) w(line);
  else pending.push(line);
});
function nextLine() {
  if (pending.length) return Promise.resolve(pending.shift());
  return new Promise((resolve) => waiting.push(resolve));
}
async function store(event) {
  harness.stdin.write(`ADD ${JSON.stringify(event)}\n`);
  const line = await nextLine();
  if (!line.startsWith('ADDED ')) throw new Error(`harness: ${line}`);
}
const url = (await nextLine()).replace(/^URL /, '');
const httpUrl = (await nextLine()).replace(/^HTTP /, '');

// ---------------------------------------------------------------- helpers

const sk = pure.generateSecretKey();
const pk = pure.getPublicKey(sk);
const NOW = 1700000000;

function note(i, extra = {}) {
  return pure.finalizeEvent(
    { kind: 1, created_at: NOW + i, tags: [['t', 'interop']], content: `note ${i}`, ...extra },
    sk,
  );
}

function collect(relay, filters, { waitEose = true } = {}) {
  return new Promise((resolve, reject) => {
    const events = [];
    const timer = setTimeout(() => reject(new Error('no EOSE')), 5000);
    const sub = relay.subscribe(filters, {
      onevent: (ev) => events.push(ev),
      oneose: () => {
        clearTimeout(timer);
        resolve({ events, sub });
      },
      onclose: (reason) => {
        clearTimeout(timer);
        if (waitEose) reject(new Error(`closed: ${reason}`));
        else resolve({ events, sub, reason });
      },
    });
  });
}

const tests = [];
function test(name, fn) {
  tests.push({ name, fn });
}
function assert(cond, what) {
  if (!cond) throw new Error(what);
}

// ---------------------------------------------------------------- cases

const notes = Array.from({ length: 30 }, (_, i) => note(i));

test('NIP-11 document through fetchRelayInformation', async () => {
  const info = await fetchRelayInformation(url);
  assert(info.name === 'test relay', `name ${info.name}`);
  for (const nip of [1, 11, 45, 77]) assert(info.supported_nips.includes(nip), `NIP ${nip}`);
  assert(info.limitation.max_message_length === 524288, 'max_message_length');
  assert(info.limitation.auth_required === false, 'auth_required');
  const res = await fetch(httpUrl, { headers: { Accept: 'application/nostr+json' } });
  assert(res.headers.get('access-control-allow-origin') === '*', 'CORS header');
});

test('stored events: newest first within the limit, then EOSE', async () => {
  for (const ev of notes) await store(ev);
  const relay = await Relay.connect(url);
  const { events } = await collect(relay, [{ kinds: [1], authors: [pk], limit: 10 }]);
  relay.close();
  assert(events.length === 10, `got ${events.length}`);
  events.forEach((ev, i) => {
    assert(pure.verifyEvent(ev), 'signature');
    assert(ev.id === notes[29 - i].id, `order at ${i}`);
  });
});

test('several filters and tag filters', async () => {
  const relay = await Relay.connect(url);
  const { events } = await collect(relay, [
    { ids: [notes[0].id, notes[1].id] },
    { '#t': ['interop'], until: NOW + 4, limit: 3 },
  ]);
  relay.close();
  const ids = new Set(events.map((e) => e.id));
  // ids 0 and 1, and the three newest up to NOW + 4: 4, 3, 2
  assert(events.length === 5, `got ${events.length}`);
  for (const i of [0, 1, 2, 3, 4]) assert(ids.has(notes[i].id), `note ${i}`);
});

test('live events after EOSE, none after CLOSE', async () => {
  const relay = await Relay.connect(url);
  const live = [];
  await new Promise((resolve) => {
    const sub = relay.subscribe([{ kinds: [1], since: NOW + 1000 }], {
      onevent: (ev) => live.push(ev),
      oneose: resolve,
    });
    relay._liveSub = sub;
  });
  const fresh = note(1000);
  await store(fresh);
  await new Promise((r) => setTimeout(r, 200));
  assert(live.length === 1 && live[0].id === fresh.id, `live ${live.length}`);
  relay._liveSub.close();
  await new Promise((r) => setTimeout(r, 100));
  await store(note(1001));
  await new Promise((r) => setTimeout(r, 200));
  relay.close();
  assert(live.length === 1, 'event after CLOSE');
});

test('COUNT', async () => {
  const relay = await Relay.connect(url);
  const count = await relay.count([{ kinds: [1], authors: [pk], until: NOW + 29 }], {});
  relay.close();
  assert(count === 30, `count ${count}`);
});

test('a refused REQ ends with CLOSED and its reason', async () => {
  const relay = await Relay.connect(url);
  const filters = Array.from({ length: 11 }, () => ({ kinds: [1] }));
  const { reason } = await collect(relay, filters, { waitEose: false });
  relay.close();
  assert(/^blocked: too many filters/.test(reason), `reason ${reason}`);
});

test('publish: accepted, duplicate, refused by the policy, invalid', async () => {
  const relay = await Relay.connect(url);
  const repo = pure.finalizeEvent(
    { kind: 30617, created_at: NOW, tags: [['d', 'interop'], ['name', 'interop']], content: '' },
    sk,
  );
  const outcome = async (ev) => {
    try {
      return `ok ${await relay.publish(ev)}`;
    } catch (e) {
      return `refused ${String(e.message ?? e)}`;
    }
  };
  const first = await outcome(repo);
  const again = await outcome(repo);
  const unrelated = await outcome(note(2000));
  const forged = await outcome({ ...note(2001), content: 'changed' });
  const { events } = await collect(relay, [{ kinds: [30617], authors: [pk] }]);
  relay.close();
  assert(first === 'ok ', `first: ${first}`);
  assert(/^ok duplicate: /.test(again), `again: ${again}`);
  assert(/^refused blocked: unreferenced/.test(unrelated), `unrelated: ${unrelated}`);
  assert(/^refused invalid: bad-id/.test(forged), `forged: ${forged}`);
  assert(events.length === 1 && events[0].id === repo.id, 'stored announcement');
});

// ---------------------------------------------------------------- TAP

console.log(`1..${tests.length}`);
let failed = 0;
for (const [i, t] of tests.entries()) {
  try {
    await t.fn();
    console.log(`ok ${i + 1} - ${t.name}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${i + 1} - ${t.name}`);
    console.log(`# ${String(e.stack ?? e).split('\n').join('\n# ')}`);
  }
}
harness.stdin.end();
await new Promise((resolve) => harness.on('exit', resolve));
process.exit(failed ? 1 : 0);
