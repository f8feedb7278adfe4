// EventBridge-shaped pushes to POST /api/ingest with curl (Debian's), as an API destination or a
// script sends them: one event, an array, JSON Lines, a gzip'd body, duplicates, updates that
// arrive out of order, and one bad item in a batch. Expected outcomes follow from the findings'
// own updatedAt and service.count, not from Vigil's answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { sampleFindings, startServer } from './helpers.mjs';

let dir;
let server;
let url;
let seq = 0;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-curl-'));
  server = startServer(join(dir, 'data'));
  url = await server.ready;
});

after(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    assert.equal(exit.code, 0, exit.stderr);
  }
  rmSync(dir, { recursive: true, force: true });
});

// A copy of a real sample finding with a fresh id (32 hex digits) and the given version.
function finding(updatedAt, count = 1, id = undefined) {
  seq += 1;
  const base = sampleFindings()[seq % sampleFindings().length];
  return {
    ...base,
    id: id ?? `c0ffee${String(seq).padStart(26, '0')}`,
    updatedAt,
    service: { ...base.service, count },
  };
}

function event(f) {
  return { version: '0', id: `evt-${f.id}-${f.updatedAt}`, 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty',
    account: f.accountId, time: f.updatedAt, region: f.region, resources: [], detail: f };
}

// POSTs the bytes with curl; resolves with {status, body}.
function curl(bytes, headers = []) {
  const file = join(dir, `body-${seq}-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, bytes);
  const args = ['-sS', '-o', '-', '-w', '\n%{http_code}', '-X', 'POST', `${url}/api/ingest`,
    '-H', 'content-type: application/json', ...headers.flatMap((h) => ['-H', h]), '--data-binary', `@${file}`];
  const r = spawnSync('curl', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const cut = r.stdout.lastIndexOf('\n');
  return { status: Number(r.stdout.slice(cut + 1)), body: JSON.parse(r.stdout.slice(0, cut)) };
}

async function source(id) {
  const res = await fetch(`${url}/findings/_doc/${id}`);
  return res.status === 200 ? (await res.json())._source : null;
}

test('one event, an array, JSON Lines and a gzip body: each finding created and searchable', async () => {
  const one = finding('2026-11-01T10:00:00.000Z');
  let r = curl(JSON.stringify(event(one)));
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.items.map((i) => [i.status, i.id]), [['created', one.id]]);
  assert.equal((await source(one.id)).updatedAt, one.updatedAt);

  const array = [1, 2, 3].map((h) => finding(`2026-11-01T1${h}:00:00.000Z`));
  r = curl(JSON.stringify(array.map(event)));
  assert.deepEqual(r.body.items.map((i) => [i.status, i.id]), array.map((f) => ['created', f.id]));

  const lines = [1, 2, 3].map((h) => finding(`2026-11-02T1${h}:00:00.000Z`));
  r = curl(lines.map((f) => JSON.stringify(event(f))).join('\n') + '\n', ['content-type: application/x-ndjson']);
  assert.deepEqual(r.body.items.map((i) => [i.status, i.id]), lines.map((f) => ['created', f.id]));

  const zipped = finding('2026-11-03T10:00:00.000Z');
  r = curl(gzipSync(JSON.stringify(event(zipped))), ['content-encoding: gzip']);
  assert.deepEqual(r.body.items.map((i) => [i.status, i.id]), [['created', zipped.id]]);

  const res = await fetch(`${url}/findings/_count`);
  assert.equal((await res.json()).count, 8);
});

test('duplicates are stale, and updates arriving out of order keep the newest version', async () => {
  const id = 'c0ffee0000000000000000000000beef';
  const v1 = finding('2026-11-05T10:00:00.000Z', 1, id);
  const v2 = finding('2026-11-05T11:00:00.000Z', 4, id);
  const v3 = finding('2026-11-05T11:00:00.000Z', 9, id);  // same time, higher count: newer
  assert.equal(curl(JSON.stringify(event(v2))).body.items[0].status, 'created');
  // The same event again, then an older version: both stale, the index keeps v2.
  assert.equal(curl(JSON.stringify(event(v2))).body.items[0].status, 'stale');
  let r = curl(JSON.stringify(event(v1)));
  assert.equal(r.body.items[0].status, 'stale');
  assert.equal(r.body.stale, 1);
  assert.equal((await source(id)).service.count, 4);
  // The newest arrives last: updated in place, still one document.
  r = curl(JSON.stringify(event(v3)));
  assert.equal(r.body.items[0].status, 'updated');
  const s = await source(id);
  assert.equal(s.service.count, 9);
  assert.equal(s.updatedAt, v3.updatedAt);
  const res = await fetch(`${url}/findings/_count?q=id:${id}`);
  assert.equal((await res.json()).count, 1);
});

test('one bad item in a batch is rejected alone, with its reason; the others go in', async () => {
  const good = [finding('2026-11-06T10:00:00.000Z'), finding('2026-11-06T11:00:00.000Z')];
  const bad = { ...finding('2026-11-06T12:00:00.000Z') };
  delete bad.id;
  const r = curl(JSON.stringify([event(good[0]), event(bad), event(good[1])]));
  assert.equal(r.status, 200);
  assert.equal(r.body.errors, true);
  assert.deepEqual(r.body.items.map((i) => i.status), ['created', 'rejected', 'created']);
  assert.match(r.body.items[1].reason, /id/);
  assert.ok(r.body.items[1].location.length > 0);
  for (const f of good) assert.equal((await source(f.id)).updatedAt, f.updatedAt);
});
