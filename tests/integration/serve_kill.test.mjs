// Nothing acknowledged over HTTP is lost: clients push findings to POST /api/ingest and record
// every item the server acknowledged; the server is killed with SIGKILL in the middle of the
// pushes; after a restart on the same data directory every acknowledged finding is there, with
// at least the version that was acknowledged (an unacknowledged push may or may not be).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { vigil, tempDir, jsonLines, startServer } from './helpers.mjs';

const version = (f) => [Date.parse(f.updatedAt), f.service?.count ?? 0];
const newer = (a, b) => a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);

test('SIGKILL during concurrent pushes loses no acknowledged finding', async (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const gen = join(dir, 'f.jsonl');
  const r = vigil(['generate', '--count', '6000', '--seed', '11', '--end', '2026-01-01T00:00:00Z', '--out', gen]);
  assert.equal(r.status, 0, r.stderr);
  const all = jsonLines(readFileSync(gen, 'utf8'));

  let server = startServer(data);
  const url = await server.ready;
  const acked = new Map();  // id -> the newest acknowledged version
  let pushes = 0;
  let killed = false;
  // Four clients, each pushing its quarter in batches of 50.
  const clients = [0, 1, 2, 3].map(async (c) => {
    const mine = all.filter((_, i) => i % 4 === c);
    for (let i = 0; i < mine.length && !killed; i += 50) {
      const batch = mine.slice(i, i + 50);
      let res;
      try {
        res = await fetch(`${url}/api/ingest`, {
          method: 'POST', body: batch.map((f) => JSON.stringify(f)).join('\n'),
          headers: { 'content-type': 'application/x-ndjson' },
        });
      } catch {
        return;  // the server is gone: this push was not acknowledged
      }
      if (res.status !== 200) return;
      const body = await res.json();
      for (const [k, item] of body.items.entries()) {
        if (!['created', 'updated', 'stale'].includes(item.status)) continue;
        const f = batch[k];
        assert.equal(item.id, f.id);
        const have = acked.get(f.id);
        if (!have || newer(version(f), version(have))) acked.set(f.id, f);
      }
      ++pushes;
    }
  });
  // Kill once a good part of the pushes are acknowledged, while the others are in flight.
  while (pushes < 40) await new Promise((resolve) => setImmediate(resolve));
  server.child.kill('SIGKILL');
  killed = true;
  const { signal } = await server.exited;
  assert.equal(signal, 'SIGKILL');
  await Promise.all(clients);
  assert.ok(acked.size > 0);

  server = startServer(data);
  const again = await server.ready;
  t.after(async () => { server.child.kill('SIGTERM'); await server.exited; });
  let missing = 0;
  let older = 0;
  for (const f of acked.values()) {
    const res = await fetch(`${again}/findings/_doc/${f.id}`);
    if (res.status !== 200) { ++missing; continue; }
    const doc = (await res.json())._source;
    if (newer(version(f), version(doc))) ++older;
  }
  assert.equal(missing, 0, `${missing} of ${acked.size} acknowledged findings are missing`);
  assert.equal(older, 0, `${older} acknowledged findings came back older than acknowledged`);
});
