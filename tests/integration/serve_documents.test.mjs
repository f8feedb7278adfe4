// The document and index API of `vigil serve` (_bulk, _doc, _create, _update, index create,
// delete and exists), driven by the official OpenSearch JavaScript client against the real
// binary on loopback. The findings come from the real samples and `vigil generate --seed 5`;
// expected answers are worked out here from the raw findings, not from Vigil's output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Client } from '@opensearch-project/opensearch';
import { vigil, jsonLines, newestVersions, openStream, sampleFindings, startServer } from './helpers.mjs';

let dir;
let server;
let client;
let url;
let generated;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-docs-'));
  const gen = join(dir, 'generated.jsonl');
  const r = vigil(['generate', '--count', '1500', '--seed', '5', '--end', '2026-01-01T00:00:00Z', '--out', gen]);
  assert.equal(r.status, 0, r.stderr);
  generated = jsonLines(readFileSync(gen, 'utf8'));
  server = startServer(join(dir, 'data'));
  url = await server.ready;
  client = new Client({ node: url, maxRetries: 0, requestTimeout: 120000 });  // no silent retries: a retried create would be a 409
});

after(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    assert.equal(exit.code, 0, exit.stderr);
  }
  rmSync(dir, { recursive: true, force: true });
});

// The client throws on 4xx: the error's status and Elasticsearch error type.
async function failure(promise) {
  try {
    await promise;
  } catch (e) {
    return { status: e.meta?.statusCode, type: e.meta?.body?.error?.type, reason: e.meta?.body?.error?.reason };
  }
  assert.fail('the call succeeded');
}

test('indices: create, exists, create again, get, delete', async () => {
  const created = await client.indices.create({ index: 'people', body: { settings: { number_of_shards: 1 } } });
  assert.deepEqual(created.body, { acknowledged: true, shards_acknowledged: true, index: 'people' });
  assert.equal((await client.indices.exists({ index: 'people' })).body, true);
  assert.equal((await client.indices.exists({ index: 'nobody' })).body, false);
  const again = await failure(client.indices.create({ index: 'people' }));
  assert.equal(again.status, 400);
  assert.equal(again.type, 'resource_already_exists_exception');
  const bad = await failure(client.indices.create({ index: 'Bad*Name' }));
  assert.equal(bad.status, 400);
  assert.equal(bad.type, 'invalid_index_name_exception');
  const info = await client.indices.get({ index: 'people' });
  assert.ok(info.body.people.mappings);
  const wildcard = await failure(client.indices.delete({ index: 'peo*' }));
  assert.equal(wildcard.status, 400);
  assert.equal((await client.indices.delete({ index: 'people' })).body.acknowledged, true);
  assert.equal((await client.indices.exists({ index: 'people' })).body, false);
  const gone = await failure(client.indices.delete({ index: 'people' }));
  assert.equal(gone.status, 404);
  assert.equal(gone.type, 'index_not_found_exception');
});

test('bulk into a generic index: every action, item by item, a bad line failing alone', async () => {
  const body = [
    JSON.stringify({ index: { _index: 'hosts', _id: 'h1' } }),
    JSON.stringify({ name: 'web-1', ip: '10.0.0.1', tags: ['web', 'prod'], owner: { team: 'blue' } }),
    JSON.stringify({ create: { _index: 'hosts', _id: 'h1' } }),
    JSON.stringify({ name: 'duplicate' }),
    JSON.stringify({ index: { _index: 'hosts', _id: 'h2' } }),
    '{"name": "web-2", broken',
    JSON.stringify({ index: { _index: 'hosts' } }),
    JSON.stringify({ name: 'auto-id', owner: { team: 'red' } }),
    JSON.stringify({ update: { _index: 'hosts', _id: 'h1' } }),
    JSON.stringify({ doc: { owner: { oncall: 'ann' } } }),
    JSON.stringify({ delete: { _index: 'hosts', _id: 'nope' } }),
    JSON.stringify({ frobnicate: { _index: 'hosts' } }),
    JSON.stringify({ index: { _index: 'hosts', _id: 'h3' } }),
    JSON.stringify({ name: 'web-3', owner: { team: 'blue' } }),
  ].join('\n') + '\n';
  const r = await client.bulk({ body });
  assert.equal(r.body.errors, true);
  const got = r.body.items.map((i) => {
    const [action, v] = Object.entries(i)[0];
    return [action, v.status, v.result ?? v.error.type];
  });
  assert.deepEqual(got, [
    ['index', 201, 'created'],
    ['create', 409, 'version_conflict_engine_exception'],
    ['index', 400, 'mapper_parsing_exception'],
    ['index', 201, 'created'],
    ['update', 200, 'updated'],
    ['delete', 404, 'not_found'],
    ['index', 400, 'illegal_argument_exception'], // the unknown action; the line after it is the next action
    ['index', 201, 'created'],
  ]);
  const autoId = r.body.items[3].index._id;
  assert.match(autoId, /^[A-Za-z0-9_-]{20}$/);
  // Searchable the moment the bulk call returns, by dotted field names.
  const blue = await client.count({ index: 'hosts', body: { query: { term: { 'owner.team': 'blue' } } } });
  assert.equal(blue.body.count, 2);
  const h1 = await client.get({ index: 'hosts', id: 'h1' });
  assert.deepEqual(h1.body._source, { name: 'web-1', ip: '10.0.0.1', tags: ['web', 'prod'], owner: { team: 'blue', oncall: 'ann' } });
  const tags = await client.count({ index: 'hosts', q: 'tags:prod' });
  assert.equal(tags.body.count, 1);
});

test('_doc CRUD on a generic index, with Elasticsearch statuses', async () => {
  let r = await client.index({ index: 'notes', id: 'n1', body: { text: 'first', n: 1 } });
  assert.equal(r.statusCode, 201);
  assert.equal(r.body.result, 'created');
  r = await client.index({ index: 'notes', id: 'n1', body: { text: 'second', n: 2 } });
  assert.equal(r.statusCode, 200);
  assert.equal(r.body.result, 'updated');
  r = await client.index({ index: 'notes', body: { text: 'no id' } });
  assert.equal(r.statusCode, 201);
  assert.equal((await client.get({ index: 'notes', id: r.body._id })).body._source.text, 'no id');
  const conflict = await failure(client.create({ index: 'notes', id: 'n1', body: { text: 'x' } }));
  assert.equal(conflict.status, 409);
  assert.equal(conflict.type, 'version_conflict_engine_exception');
  r = await client.update({ index: 'notes', id: 'n1', body: { doc: { n: 3 } } });
  assert.equal(r.body.result, 'updated');
  r = await client.update({ index: 'notes', id: 'n1', body: { doc: { n: 3 } } });
  assert.equal(r.body.result, 'noop');
  const missing = await failure(client.update({ index: 'notes', id: 'zz', body: { doc: { n: 1 } } }));
  assert.equal(missing.status, 404);
  assert.equal(missing.type, 'document_missing_exception');
  r = await client.update({ index: 'notes', id: 'zz', body: { doc: { n: 1 }, doc_as_upsert: true } });
  assert.equal(r.body.result, 'created');
  assert.deepEqual((await client.get({ index: 'notes', id: 'n1' })).body._source, { text: 'second', n: 3 });
  r = await client.delete({ index: 'notes', id: 'n1' });
  assert.equal(r.body.result, 'deleted');
  const again = await failure(client.delete({ index: 'notes', id: 'n1' }));
  assert.equal(again.status, 404);
  const noIndex = await failure(client.delete({ index: 'no-such-index', id: 'n1' }));
  assert.equal(noIndex.type, 'index_not_found_exception');
  const bad = await failure(client.index({ index: 'notes', id: 'n9', body: '[1,2,3]' }));
  assert.equal(bad.status, 400);
  assert.equal(bad.type, 'mapper_parsing_exception');
  assert.equal((await client.count({ index: 'notes' })).body.count, 2);
});

test('bulk into findings: the real samples and generated findings, enriched, newest version kept', async () => {
  const all = [...sampleFindings(), ...generated];
  const newest = newestVersions(all);
  // In batches of 1,000 operations, without ids: a finding is stored under its own id.
  for (let i = 0; i < all.length; i += 1000) {
    const body = all.slice(i, i + 1000).flatMap((f) => [{ index: { _index: 'findings' } }, f]);
    const r = await client.bulk({ body });
    assert.equal(r.body.errors, false, JSON.stringify(r.body.items.find((x) => x.index.error)));
    r.body.items.forEach((item, k) => assert.equal(item.index._id, all[i + k].id));
  }
  assert.equal((await client.count({ index: 'findings' })).body.count, newest.length);
  // Each stored finding is its newest version.
  const some = newest.slice(0, 25);
  for (const f of some) {
    const doc = await client.get({ index: 'findings', id: f.id });
    assert.equal(doc.body._source.updatedAt, f.updatedAt);
    assert.equal(doc.body._source.service?.count, f.service?.count);
  }
  // Aggregations over what bulk wrote, including derived fields.
  const byType = new Map();
  for (const f of newest) byType.set(f.type, (byType.get(f.type) ?? 0) + 1);
  const agg = await client.search({
    index: 'findings',
    body: { size: 0, aggs: { t: { terms: { field: 'type', size: 1000 } }, c: { terms: { field: 'derived.severityLabel' } } } },
  });
  assert.deepEqual(new Map(agg.body.aggregations.t.buckets.map((b) => [b.key, b.doc_count])), byType);
  const labelled = agg.body.aggregations.c.buckets.reduce((n, b) => n + b.doc_count, 0);
  assert.equal(labelled, newest.length);
  // Sending an older version again changes nothing; a stale index is a noop.
  const oldest = all.find((f) => newest.find((n) => n.id === f.id) !== f);
  if (oldest) {
    const r = await client.bulk({ body: [{ index: { _index: 'findings', _id: oldest.id } }, oldest] });
    assert.equal(r.body.items[0].index.result, 'noop');
  }
  // A document that is not a finding, a wrong _id and an update fail alone.
  const f = newest[0];
  const r = await client.bulk({
    body: [
      { index: { _index: 'findings' } }, { hello: 'world' },
      { index: { _index: 'findings', _id: 'not-its-id' } }, f,
      { update: { _index: 'findings', _id: f.id } }, { doc: { severity: 1 } },
      { delete: { _index: 'findings', _id: f.id } },
    ],
  });
  assert.deepEqual(r.body.items.map((i) => Object.values(i)[0].status), [400, 400, 400, 200]);
  assert.match(r.body.items[1].index.error.reason, /not the finding's id/);
  assert.equal((await client.count({ index: 'findings' })).body.count, newest.length - 1);
  // PUT /findings/_doc/{id} with the finding puts it back.
  const put = await client.index({ index: 'findings', id: f.id, body: f });
  assert.equal(put.body.result, 'created');
  assert.equal((await client.count({ index: 'findings' })).body.count, newest.length);
});

test('bulk limits and empty bodies', async () => {
  const empty = await failure(client.bulk({ body: '\n' }));
  assert.equal(empty.status, 400);
  const noIndex = await client.bulk({ body: [{ index: {} }, { a: 1 }] });
  assert.equal(noIndex.body.items[0].index.status, 400);
  assert.equal(noIndex.body.items[0].index.error.type, 'action_request_validation_exception');
  const lines = [];
  for (let i = 0; i < 10001; i++) lines.push({ delete: { _index: 'x', _id: String(i) } });
  const tooMany = await failure(client.bulk({ body: lines }));
  assert.equal(tooMany.status, 400);
  assert.match(tooMany.reason, /at most 10000/);
});

test('GET /api/stream: created and updated findings as they are committed, filtered by q=', async () => {
  const all = openStream(url, '/api/stream');
  const high = openStream(url, '/api/stream?q=severity:>=7');
  const [resAll, resHigh] = await Promise.all([all.connected, high.connected]);
  assert.equal(resAll.statusCode, 200);
  assert.match(resAll.headers['content-type'], /^text\/event-stream/);
  assert.equal(resHigh.statusCode, 200);
  const base = sampleFindings()[0];
  const a = { ...base, id: 'stream-a', severity: 8, updatedAt: '2026-03-01T00:00:00.000Z' };
  const b = { ...base, id: 'stream-b', severity: 2, updatedAt: '2026-03-01T00:00:00.000Z' };
  const a2 = { ...a, updatedAt: '2026-03-02T00:00:00.000Z' };
  const push = (body) => fetch(new URL('/api/ingest', url), {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  assert.equal((await push([a, b])).status, 200);
  assert.equal((await push(a)).status, 200); // the same version again: stale, no event
  const bulk = await client.bulk({ body: [{ index: { _index: 'findings' } }, a2] });
  assert.equal(bulk.body.items[0].index.result, 'updated');
  const got = await all.next(3);
  assert.deepEqual(got.map((e) => [e.change, e.finding.id]), [['created', 'stream-a'], ['created', 'stream-b'], ['updated', 'stream-a']]);
  assert.ok(got[0].seq < got[1].seq && got[1].seq < got[2].seq);
  assert.equal(got[2].finding.updatedAt, '2026-03-02T00:00:00.000Z');
  assert.equal(got[0].finding.accountId, base.accountId);
  const filtered = await high.next(2);
  assert.deepEqual(filtered.map((e) => [e.change, e.finding.id]), [['created', 'stream-a'], ['updated', 'stream-a']]);
  // b (severity 2) never reaches the filtered stream: one more event proves the order.
  const c = { ...a, id: 'stream-c', severity: 9 };
  assert.equal((await push(c)).status, 200);
  assert.deepEqual((await high.next(3)).map((e) => e.finding.id), ['stream-a', 'stream-a', 'stream-c']);
  all.close();
  high.close();
  const bad = await fetch(new URL('/api/stream?q=type:(', url));
  assert.equal(bad.status, 400);
});
