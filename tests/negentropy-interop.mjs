// Copyright 2026 The grasp-sync authors
// SPDX-License-Identifier: GPL-3.0-or-later
//
// Interop of grasp-sync's negentropy (through tests/gs-negentropy-harness and the shared
// line protocol) with two independent implementations from npm:
//   @nostr-dev-kit/sync (both roles) and nostr-tools' nip77 (initiator only: as a responder
//   it drops IdList ranges, so it is never used as one).
// Every session must end with have = A\B and need = B\A exactly. Where the transcripts of
// two implementations must agree byte for byte, this is checked too. Known faults of theirs
// are pinned by tests that show them. Output is TAP; usage: node negentropy-interop.mjs HARNESS

import { spawn } from 'node:child_process';
import { webcrypto } from 'node:crypto';
import readline from 'node:readline';

if (!globalThis.crypto) globalThis.crypto = webcrypto; // Debian 12's node 18 lacks the global

let ndk, nip77;
try {
  ndk = await import('@nostr-dev-kit/sync');
  ({ nip77 } = await import('nostr-tools'));
} catch (e) {
  console.log(`Bail out! npm packages missing (run: npm ci --prefix tests): ${e.message}`);
  process.exit(1);
}

const HARNESS = process.argv[2];
const OFF = 2 ** 31; // nostr-tools always has a limit; this one is never reached

// ---------------------------------------------------------------- helpers

const hex = (u8) => Buffer.from(u8).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));

function rng(seed) {
  // mulberry32: small, deterministic, good enough for test data
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// two sides from one seed; timestamps stay below 2^31 for the JS implementations
function makeSets({ common, aOnly, bOnly, oneTs = false, seed }) {
  const r = rng(seed);
  const total = common + aOnly + bOnly;
  const a = [], b = [], aSet = new Set(), bSet = new Set();
  for (let i = 0; i < total; i++) {
    const id = Array.from({ length: 32 }, () => Math.floor(r() * 256));
    const item = {
      ts: oneTs ? 1700000000 : 1600000000 + Math.floor(r() * Math.max(1, total / 3)),
      id: hex(id),
    };
    if (i < common + aOnly) { a.push(item); aSet.add(item.id); }
    if (i < common || i >= common + aOnly) { b.push(item); bSet.add(item.id); }
  }
  return {
    a, b,
    aMinusB: [...aSet].filter((x) => !bSet.has(x)).sort(),
    bMinusA: [...bSet].filter((x) => !aSet.has(x)).sort(),
  };
}

function sameSet(got, expected, what) {
  const g = [...new Set(got)].sort();
  if (g.length !== expected.length || g.some((x, i) => x !== expected[i]))
    throw new Error(`${what}: got ${g.length} ids, expected ${expected.length}`);
}

// ---------------------------------------------------------------- our harness

class Ours {
  constructor(items, limit, referenceDigest = false) {
    this.limit = limit;
    this.proc = spawn(HARNESS, [], {
      env: { ...process.env, FRAMESIZELIMIT: String(limit),
             GS_NEGENTROPY_REFERENCE_DIGEST: referenceDigest ? '1' : '0' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.stderr = '';
    this.proc.stderr.on('data', (d) => { this.stderr += d; });
    this.lines = [];
    this.waiters = [];
    this.exited = null;
    readline.createInterface({ input: this.proc.stdout }).on('line', (l) => this.push(l));
    this.proc.on('exit', (code) => { this.exited = code; this.push(null); });
    this.proc.stdin.on('error', () => {});
    this.proc.stdin.write(items.map((x) => `item,${x.ts},${x.id}\n`).join('') + 'seal\n');
  }
  push(l) {
    if (this.waiters.length) this.waiters.shift()(l); else this.lines.push(l);
  }
  async line() {
    const l = this.lines.length ? this.lines.shift() : await new Promise((res) => this.waiters.push(res));
    if (l === null) throw new Error(`harness exited (${this.exited}): ${this.stderr.trim()}`);
    return l;
  }
  async msg() {
    const l = await this.line();
    if (!l.startsWith('msg,')) throw new Error(`expected msg, got ${l}`);
    const m = l.slice(4);
    if (this.limit && m.length / 2 > this.limit) throw new Error('harness message over its limit');
    return m;
  }
  async initiate() { this.proc.stdin.write('initiate\n'); return this.msg(); }
  async respond(m) { this.proc.stdin.write(`msg,${m}\n`); return this.msg(); }
  async reconcile(m) {
    this.proc.stdin.write(`msg,${m}\n`);
    const have = [], need = [];
    for (;;) {
      const l = await this.line();
      if (l.startsWith('have,')) have.push(l.slice(5));
      else if (l.startsWith('need,')) need.push(l.slice(5));
      else if (l === 'done') return { next: null, have, need };
      else if (l.startsWith('msg,')) return { next: l.slice(4), have, need };
      else throw new Error(`unexpected line ${l}`);
    }
  }
  close() { this.proc.stdin.end(); }
}

// ---------------------------------------------------------------- their sides

function ndkStorage(items) {
  const s = new ndk.NegentropyStorage();
  for (const x of items) s.insert(x.ts, x.id);
  s.seal();
  return s;
}

class NdkInitiator {
  constructor(items, limit) { this.neg = new ndk.Negentropy(ndkStorage(items), limit); }
  async initiate() { return hex(await this.neg.initiate()); }
  async reconcile(m) {
    const r = await this.neg.reconcile(unhex(m));
    return { next: r.nextMessage ? hex(r.nextMessage) : null, have: r.have.map(hex), need: r.need.map(hex) };
  }
  close() {}
}

class NdkResponder {
  constructor(items, limit) { this.neg = new ndk.Negentropy(ndkStorage(items), limit); }
  async respond(m) { return hex((await this.neg.reconcile(unhex(m))).nextMessage); }
  close() {}
}

function ntStorage(items) {
  const s = new nip77.NegentropyStorageVector();
  for (const x of items) s.insert(x.ts, x.id);
  s.seal();
  return s;
}

class NtInitiator {
  constructor(items, limit) { this.neg = new nip77.Negentropy(ntStorage(items), limit || OFF); }
  async initiate() { return this.neg.initiate(); }
  async reconcile(m) {
    const have = [], need = [];
    const next = this.neg.reconcile(m, (id) => have.push(id), (id) => need.push(id));
    return { next, have, need };
  }
  close() {}
}

// ---------------------------------------------------------------- sessions

async function session(init, resp, limits = {}) {
  const have = [], need = [];
  let q = await init.initiate();
  const transcript = [q];
  for (let round = 0; q !== null; round++) {
    if (round > 20000) throw new Error('no end after 20000 rounds');
    if (round > 0 && limits.init && q.length / 2 > limits.init) throw new Error('initiator over limit');
    const r = await resp.respond(q);
    if (limits.resp && r.length / 2 > limits.resp) throw new Error('responder over limit');
    transcript.push(r);
    const out = await init.reconcile(r);
    have.push(...out.have);
    need.push(...out.need);
    q = out.next;
    if (q !== null) transcript.push(q);
  }
  init.close();
  resp.close();
  return { have, need, transcript };
}

// ---------------------------------------------------------------- TAP

let n = 0, failed = 0;
async function check(name, fn) {
  n++;
  try {
    await fn();
    console.log(`ok ${n} - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok ${n} - ${name}`);
    for (const l of String(e.stack || e).split('\n')) console.log(`# ${l}`);
  }
}

// ---------------------------------------------------------------- the tests

const SETS = [
  { name: 'both-empty', common: 0, aOnly: 0, bOnly: 0, seed: 1 },
  { name: 'a-empty', common: 0, aOnly: 0, bOnly: 1500, seed: 2 },
  { name: 'b-empty', common: 0, aOnly: 1500, bOnly: 0, seed: 3 },
  { name: 'disjoint', common: 0, aOnly: 2000, bOnly: 2000, seed: 4 },
  { name: 'equal', common: 5000, aOnly: 0, bOnly: 0, seed: 5 },
  { name: 'superset', common: 3000, aOnly: 500, bOnly: 0, seed: 6 },
  { name: 'mixed', common: 10000, aOnly: 300, bOnly: 300, seed: 7 },
  { name: 'one-timestamp', common: 2000, aOnly: 200, bOnly: 200, oneTs: true, seed: 8 },
  { name: 'small', common: 20, aOnly: 5, bOnly: 6, seed: 9 },
  { name: 'random-a', common: 777, aOnly: 33, bOnly: 1, seed: 10 },
  { name: 'random-b', common: 1234, aOnly: 0, bOnly: 97, seed: 11 },
];

for (const spec of SETS) {
  const s = makeSets(spec);
  const expect = (res) => { sameSet(res.have, s.aMinusB, 'have'); sameSet(res.need, s.bMinusA, 'need'); };

  // their responder without a frame limit: see the pinned fault below
  for (const l of [0, 4096, 60000])
    await check(`${spec.name}: ours (limit ${l}) initiates, ndk responds`, async () =>
      expect(await session(new Ours(s.a, l), new NdkResponder(s.b, 0), { init: l })));

  for (const li of [0, 60000])
    for (const lr of [0, 4096, 60000])
      await check(`${spec.name}: ndk (limit ${li}) initiates, ours (limit ${lr}) responds`, async () =>
        expect(await session(new NdkInitiator(s.a, li), new Ours(s.b, lr), { init: li, resp: lr })));

  for (const [li, lr] of [[0, 0], [4096, 4096], [60000, 0], [0, 60000], [60000, 4096]])
    await check(`${spec.name}: nostr-tools (limit ${li || 'off'}) initiates, ours (limit ${lr}) responds`, async () =>
      expect(await session(new NtInitiator(s.a, li), new Ours(s.b, lr), { init: li, resp: lr })));

  // the first message has no echoed bounds, so all three write the same bytes
  await check(`${spec.name}: initiate is byte-identical to ndk and nostr-tools`, async () => {
    const ours = new Ours(s.a, 0);
    const mine = await ours.initiate();
    ours.close();
    const theirs = [await new NdkInitiator(s.a, 0).initiate(), await new NtInitiator(s.a, 0).initiate()];
    if (theirs.some((t) => t !== mine)) throw new Error(`ours ${mine.slice(0, 80)}… differs`);
  });

  // ours and nostr-tools' initiators in lockstep: every message byte for byte, every
  // round, with and without frame limits (ours with the reference's remainder digest)
  for (const [li, lr] of [[0, 0], [4096, 0], [0, 4096], [4096, 4096], [60000, 60000]])
    await check(`${spec.name}: transcript identical to nostr-tools (limits ${li}/${lr})`, async () => {
      const a = await session(new Ours(s.a, li, true), new Ours(s.b, lr, true), { init: li, resp: lr });
      const b = await session(new NtInitiator(s.a, li), new Ours(s.b, lr, true), { init: li, resp: lr });
      expect(a);
      if (a.transcript.length !== b.transcript.length) throw new Error('round counts differ');
      a.transcript.forEach((m, i) => { if (m !== b.transcript[i]) throw new Error(`message ${i} differs`); });
    });
}

// A responder processes Fingerprint and Skip ranges as any peer does; nostr-tools' reconcile
// does the same for them, so on messages without IdList ranges its output must equal ours.
await check('responder replies match nostr-tools on fingerprint-only messages', async () => {
  let compared = 0;
  for (const spec of SETS) {
    const s = makeSets(spec);
    for (const lr of [0, 4096]) {
      const ours = new Ours(s.b, lr, true);
      const { transcript } = await session(new NtInitiator(s.a, 0), new Ours(s.b, lr, true));
      for (let i = 0; i < transcript.length; i += 2) {
        const m = transcript[i];
        if (hasIdList(m)) continue;
        const mine = await ours.respond(m);
        const theirs = new nip77.Negentropy(ntStorage(s.b), lr || OFF).reconcile(m) ?? '61';
        if (mine !== theirs) throw new Error(`${spec.name}: reply to message ${i} differs`);
        compared++;
      }
      ours.close();
    }
  }
  if (compared < 20) throw new Error(`only ${compared} messages compared`);
});

// ---------------------------------------------------------------- their faults, pinned

// @nostr-dev-kit/sync 1.0.0: when its responder's IdList overflows its own frame limit it
// digests the remainder without first shrinking the range, so an empty initiator learns
// only what fitted into the first frame and then sees a (wrong) match. Ours learns all.
await check('pinned fault: ndk responder with a limit loses ids (1869 of 3000)', async () => {
  const s = makeSets({ common: 0, aOnly: 0, bOnly: 3000, seed: 99 });
  const theirs = await session(new Ours(s.a, 0), new NdkResponder(s.b, 60000));
  if (new Set(theirs.need).size !== 1869) throw new Error(`learnt ${theirs.need.length}`);
  const ours = await session(new Ours(s.a, 0), new Ours(s.b, 60000));
  sameSet(ours.need, s.bMinusA, 'need');
});

// @nostr-dev-kit/sync 1.0.0 pads every bound it decodes to 32 bytes and re-emits it so:
// an echoed infinity bound is 00 20 00*32 instead of 00 00, and a timestamp-only bound
// grows by 32 bytes. Harmless (same key) but not
// byte-identical to the reference; ours echoes the peer's bytes.
await check('pinned fault: ndk re-emits received bounds padded to 32 bytes', async () => {
  const s = makeSets({ common: 0, aOnly: 40, bOnly: 40, seed: 5 });
  const ours = new Ours(s.a, 0);
  const q = await ours.initiate();
  const theirs = await new NdkResponder(s.b, 0).respond(q);
  const mine = await new Ours(s.b, 0).respond(q);
  // the last range: an IdList up to the initiator's infinity bound
  const padded = '0020' + '00'.repeat(32) + '02';
  if (!theirs.includes(padded) || mine.includes(padded) || !mine.includes('000002'))
    throw new Error('ndk no longer pads bounds; update this test');
  // ours reads the padded bounds as the same keys: one round settles everything
  const res = await ours.reconcile(theirs);
  sameSet(res.have, s.aMinusB, 'have');
  sameSet(res.need, s.bMinusA, 'need');
  ours.close();
});

// @nostr-dev-kit/sync 1.0.0 reads a range whose mode is missing as a Skip, and a short id
// prefix as whatever bytes are left; ours rejects such truncated messages.
await check('pinned fault: ndk accepts a truncated message, ours rejects it', async () => {
  const reply = await new NdkResponder([], 0).respond('610000');
  if (reply !== '61') throw new Error(`ndk answered ${reply}`);
  const ours = new Ours([], 0);
  await ours.respond('610000').then(() => { throw new Error('ours accepted it'); },
    (e) => { if (!/truncated/.test(e.message)) throw e; });
});

console.log(`1..${n}`);
process.exit(failed ? 1 : 0);

// true if any range of message @m (hex) is an IdList
function hasIdList(m) {
  const b = unhex(m);
  let p = 1;
  const varint = () => { let v = 0; for (;;) { const x = b[p++]; v = v * 128 + (x & 0x7f); if (!(x & 0x80)) return v; } };
  while (p < b.length) {
    varint();
    const len = varint();
    p += len;
    const mode = varint();
    if (mode === 1) p += 16;
    else if (mode === 2) return true;
  }
  return false;
}
