// `vigil serve` on loopback, driven by the official OpenSearch JavaScript client (npm
// @opensearch-project/opensearch) and by raw HTTP where the client cannot misbehave on purpose.
// The data: the real samples plus 2,000 findings from `vigil generate --seed 3`; the answers are
// worked out here from the raw findings (the newest version of each), not from Vigil's output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import net from 'node:net';
import { Client } from '@opensearch-project/opensearch';
import { vigil, SAMPLES, jsonLines, listFiles, newestVersions, sampleFindings, startServer } from './helpers.mjs';

const END = '2026-01-01T00:00:00Z';

let dir;
let server;
let url;
let client;
let findings;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-serve-'));
  const data = join(dir, 'data');
  const gen = join(dir, 'generated.jsonl');
  let r = vigil(['generate', '--count', '2000', '--seed', '3', '--end', END, '--out', gen]);
  assert.equal(r.status, 0, r.stderr);
  r = vigil(['ingest', '-q', '--data', data, gen, SAMPLES]);
  assert.equal(r.status, 0, r.stderr);
  findings = newestVersions([...jsonLines(readFileSync(gen, 'utf8')), ...sampleFindings()]);
  server = startServer(data);
  url = await server.ready;
  client = new Client({ node: url, maxRetries: 0, requestTimeout: 120000 });  // no silent retries: a retried create would be a 409
});

after(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

// One request over a new socket, written byte for byte; resolves with what the server sent
// before closing (or after `waitMs` of silence).
function rawRequest(text) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const socket = net.connect(Number(u.port), u.hostname, () => socket.write(text));
    let got = '';
    socket.on('data', (d) => { got += d; });
    socket.on('end', () => resolve(got));
    socket.on('error', reject);
  });
}

test('GET / and cluster health answer as one green node', async () => {
  const info = await client.info();
  assert.equal(info.statusCode, 200);
  assert.match(info.body.version.number, /^\d+\.\d+\.\d+$/);
  const health = await client.cluster.health();
  assert.equal(health.body.status, 'green');
  assert.equal(health.body.number_of_nodes, 1);
  const cat = await client.cat.indices({ format: 'json' });
  assert.deepEqual(cat.body.map((i) => [i.index, Number(i['docs.count'])]), [['findings', findings.length]]);
});

test('count: everything, and a q= query string, as the data says', async () => {
  const all = await client.count({ index: 'findings' });
  assert.equal(all.body.count, findings.length);
  const high = await client.count({ index: 'findings', q: 'severity:>=7' });
  assert.equal(high.body.count, findings.filter((f) => f.severity >= 7).length);
  const dsl = await client.count({ index: 'findings', body: { query: { term: { region: 'us-east-1' } } } });
  assert.equal(dsl.body.count, findings.filter((f) => f.region === 'us-east-1').length);
});

test('search with the DSL: a filtered terms aggregation and sorted hits', async () => {
  const r = await client.search({
    index: 'findings',
    body: {
      size: 5,
      query: { bool: { filter: [{ range: { severity: { gte: 5 } } }] } },
      sort: [{ updatedAt: 'desc' }],
      _source: ['id', 'updatedAt', 'severity'],
      aggs: { types: { terms: { field: 'type', size: 1000 } } },
    },
  });
  const matching = findings.filter((f) => f.severity >= 5);
  assert.equal(r.body.hits.total.value, matching.length);
  const expected = new Map();
  for (const f of matching) expected.set(f.type, (expected.get(f.type) ?? 0) + 1);
  const got = new Map(r.body.aggregations.types.buckets.map((b) => [b.key, b.doc_count]));
  assert.deepEqual(got, expected);
  const newest = Math.max(...matching.map((f) => Date.parse(f.updatedAt)));
  assert.equal(Date.parse(r.body.hits.hits[0]._source.updatedAt), newest);
  for (const h of r.body.hits.hits) assert.ok(h._source.severity >= 5);
});

test('search with q=, from and size', async () => {
  const type = 'Recon:EC2/PortProbeUnprotectedPort';
  const want = findings.filter((f) => f.type === type).length;
  assert.ok(want > 2);
  const r = await client.search({ index: 'findings', q: `type:"${type}"`, size: 2, from: 1 });
  assert.equal(r.body.hits.total.value, want);
  assert.equal(r.body.hits.hits.length, 2);
  for (const h of r.body.hits.hits) assert.equal(h._source.type, type);
  // An index pattern reaches the same index.
  const p = await client.search({ index: 'find*', q: `type:"${type}"`, size: 0 });
  assert.equal(p.body.hits.total.value, want);
});

test('msearch: several searches in one call, each answering for itself', async () => {
  const r = await client.msearch({
    body: [
      { index: 'findings' }, { size: 0, query: { range: { severity: { gte: 7 } } } },
      { index: 'no-such-index' }, { query: { match_all: {} } },
      {}, { size: 0, query: { nope: {} } },
      { index: ['find*'] }, { size: 1, query: { term: { region: 'us-east-1' } } },
    ],
  });
  const [high, missing, bad, region] = r.body.responses;
  assert.equal(high.status, 200);
  assert.equal(high.hits.total.value, findings.filter((f) => f.severity >= 7).length);
  assert.equal(missing.status, 404);
  assert.equal(missing.error.type, 'index_not_found_exception');
  assert.equal(bad.status, 400);
  assert.equal(bad.error.type, 'parsing_exception');
  assert.equal(region.hits.total.value, findings.filter((f) => f.region === 'us-east-1').length);
  assert.equal(region.hits.hits[0]._source.region, 'us-east-1');
});

test('get a document by id: its newest version; a missing id is 404 found:false', async () => {
  const f = findings.find((x) => (x.service?.count ?? 0) > 1) ?? findings[0];
  const r = await client.get({ index: 'findings', id: f.id });
  assert.equal(r.body.found, true);
  assert.equal(r.body._id, f.id);
  assert.equal(r.body._source.updatedAt, f.updatedAt);
  assert.equal(r.body._source.service?.count, f.service?.count);
  await assert.rejects(client.get({ index: 'findings', id: 'no-such-finding' }), (e) => {
    assert.equal(e.meta.statusCode, 404);
    assert.equal(e.meta.body.found, false);
    return true;
  });
});

test('mapping: the dynamic types of the findings, nested as Elasticsearch reports them', async () => {
  const r = await client.indices.getMapping({ index: 'findings' });
  const p = r.body.findings.mappings.properties;
  assert.equal(p.severity.type, 'double');
  assert.equal(p.updatedAt.type, 'date');
  assert.equal(p.accountId.type, 'keyword');
  assert.equal(p.title.type, 'text');
  assert.equal(p.title.fields.keyword.type, 'keyword');
  assert.equal(p.service.properties.count.type, 'long');
});

test('errors in Elasticsearch shape: syntax, unknown index, wrong method, unknown path', async () => {
  const check = async (promise, status, type, reasonPart) => {
    await assert.rejects(promise, (e) => {
      assert.equal(e.meta.statusCode, status);
      assert.equal(e.meta.body.status, status);
      assert.equal(e.meta.body.error.type, type);
      assert.ok(e.meta.body.error.reason.includes(reasonPart), e.meta.body.error.reason);
      return true;
    });
  };
  await check(client.search({ index: 'findings', q: 'type:(' }), 400, 'parse_exception', "Cannot parse 'type:('");
  await check(client.search({ index: 'findings', body: { query: { nope: {} } } }), 400, 'parsing_exception', 'nope');
  await check(client.search({ index: 'findings', body: { size: 20000 } }), 400, 'illegal_argument_exception', 'Result window is too large');
  await check(client.search({ index: 'no-such-index', body: {} }), 404, 'index_not_found_exception', 'no-such-index');
  await check(client.transport.request({ method: 'DELETE', path: '/findings/_search' }), 405, 'method_not_allowed_exception', 'GET,POST');
  await check(client.transport.request({ method: 'GET', path: '/a/b/c/d' }), 404, 'resource_not_found_exception', '/a/b/c/d');
});

test('raw HTTP: keep-alive, gzip bodies, malformed requests and oversized headers', async () => {
  // Two requests on one connection, the second closing it.
  const two = await rawRequest(
    'GET /_count HTTP/1.1\r\nHost: x\r\n\r\nGET /findings/_count?q=severity:>=7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const counts = [...two.matchAll(/"count":(\d+)/g)].map((m) => Number(m[1]));
  assert.deepEqual(counts, [findings.length, findings.filter((f) => f.severity >= 7).length]);
  // Expect: 100-continue gets its interim answer, then the real one.
  const cont = await rawRequest('POST /findings/_count HTTP/1.1\r\nHost: x\r\nConnection: close\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
  assert.match(cont, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 OK/);
  assert.match(cont, new RegExp(`"count":${findings.length}`));
  // A gzip'd body.
  const { gzipSync } = await import('node:zlib');
  const body = gzipSync(JSON.stringify({ query: { term: { region: 'us-east-1' } } }));
  const res = await fetch(`${url}/findings/_count`, {
    method: 'POST', body, headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
  });
  assert.equal(res.status, 200);
  assert.equal((await res.json()).count, findings.filter((f) => f.region === 'us-east-1').length);
  // Not gzip at all, though it says so.
  const bad = await fetch(`${url}/findings/_count`, {
    method: 'POST', body: 'plain', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
  });
  assert.equal(bad.status, 400);
  assert.match((await bad.json()).error.reason, /gzip/);
  // Garbage instead of a request line: 400 and the connection closed.
  const garbage = await rawRequest('\x01\x02 nonsense\r\n\r\n');
  assert.match(garbage, /^HTTP\/1\.1 400 /);
  // Headers over the 16 KiB limit.
  const big = await rawRequest(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
  assert.match(big, /^HTTP\/1\.1 431 /);
  // Invalid UTF-8 in a body: a 400 whose body is still valid JSON.
  const utf = await fetch(`${url}/findings/_search`, {
    method: 'POST', body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), headers: { 'content-type': 'application/json' },
  });
  assert.equal(utf.status, 400);
  const parsed = JSON.parse(await utf.text());
  assert.equal(parsed.status, 400);
  // The server still answers.
  assert.equal((await client.count({ index: 'findings' })).body.count, findings.length);
});

test('abuse: a 1 GB body, 100,000-deep nesting, 1,000 connections at once, a slow client', async () => {
  // A declared 1 GB body is refused before it is sent.
  const huge = await rawRequest('POST /findings/_search HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{"query":');
  assert.match(huge, /^HTTP\/1\.1 413 /);
  assert.match(huge, /larger than the limit of 104857600 bytes/);
  // Deep nesting: a 400 naming the depth, in a search body and in a push.
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  let res = await fetch(`${url}/findings/_search`, { method: 'POST', body: `{"query":${deep}}`, headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 400);
  assert.match((await res.json()).error.reason, /deep|depth|nest/i);
  res = await fetch(`${url}/api/ingest`, { method: 'POST', body: deep, headers: { 'content-type': 'application/json' } });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).items[0].status, 'rejected');
  // A slow client that sent half a request holds nothing up.
  const u = new URL(url);
  const slow = net.connect(Number(u.port), u.hostname);
  await new Promise((resolve) => slow.on('connect', resolve));
  slow.write('POST /findings/_search HTTP/1.1\r\nHost: x\r\nContent-Le');
  // 1,000 connections at once, each with a request: every one answered.
  const answers = await Promise.all(Array.from({ length: 1000 }, () =>
    rawRequest('GET /findings/_count HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')));
  for (const a of answers) assert.match(a, new RegExp(`"count":${findings.length}`));
  slow.destroy();
  assert.equal((await client.count({ index: 'findings' })).body.count, findings.length);
});

// What POST /api/ingest took: the newest version of each pushed finding, and every accepted
// event (stale ones too: the archive keeps them all).
const pushedNewest = new Map();
const pushedAccepted = [];
let archivedBeforeServing = 0;  // archive lines of pushed ids that the initial ingest wrote

async function push(body, contentType = 'application/json') {
  const res = await fetch(`${url}/api/ingest`, { method: 'POST', body, headers: { 'content-type': contentType } });
  return { status: res.status, body: await res.json() };
}

// The outcome the index must report for `f`, given what was pushed before it.
function expectOutcome(f) {
  const have = pushedNewest.get(f.id);
  const t = (x) => [Date.parse(x.updatedAt), x.service?.count ?? 0];
  pushedAccepted.push(f);
  if (!have) { pushedNewest.set(f.id, f); return 'created'; }
  const [a, b] = t(f);
  const [c, d] = t(have);
  if (a > c || (a === c && b > d)) { pushedNewest.set(f.id, f); return 'updated'; }
  return 'stale';
}

test('POST /api/ingest: events, findings, arrays and JSON Lines, item by item, searchable at once', async () => {
  const gen = join(dir, 'pushed.jsonl');
  const r = vigil(['generate', '--count', '60', '--seed', '99', '--envelope', '--end', END, '--out', gen]);
  assert.equal(r.status, 0, r.stderr);
  const events = jsonLines(readFileSync(gen, 'utf8'));
  const before = (await client.count({ index: 'findings' })).body.count;

  // One EventBridge event: created, and found by id and by search right away.
  let p = await push(JSON.stringify(events[0]));
  assert.equal(p.status, 200);
  assert.deepEqual(p.body.items.map((i) => [i.status, i.id]), [[expectOutcome(events[0].detail), events[0].detail.id]]);
  const got = await client.get({ index: 'findings', id: events[0].detail.id });
  assert.equal(got.body._source.updatedAt, events[0].detail.updatedAt);
  assert.equal((await client.count({ index: 'findings' })).body.count, before + 1);

  // The same event again: stale.
  p = await push(JSON.stringify(events[0]));
  assert.deepEqual(p.body.items.map((i) => i.status), [expectOutcome(events[0].detail)]);
  assert.equal(p.body.stale, 1);

  // An array of bare findings.
  const batch = events.slice(1, 21).map((e) => e.detail);
  p = await push(JSON.stringify(batch));
  assert.equal(p.status, 200);
  assert.deepEqual(p.body.items.map((i) => [i.status, i.id]), batch.map((f) => [expectOutcome(f), f.id]));

  // JSON Lines of events with a broken line and a non-finding event among them.
  const rest = events.slice(21);
  const other = { version: '0', id: 'x', 'detail-type': 'EC2 Instance State-change Notification', source: 'aws.ec2', account: '123456789012', time: END, region: 'us-east-1', resources: [], detail: { state: 'running' } };
  const lines = [JSON.stringify(rest[0]), '{"broken": ', JSON.stringify(other), ...rest.slice(1).map((e) => JSON.stringify(e))];
  p = await push(lines.join('\n') + '\n', 'application/x-ndjson');
  assert.equal(p.status, 200);
  assert.equal(p.body.errors, true);
  assert.equal(p.body.items.length, lines.length);
  assert.equal(p.body.items[1].status, 'rejected');
  assert.match(p.body.items[1].location, /^line 2\b/);
  assert.ok(p.body.items[1].reason.length > 0);
  assert.equal(p.body.items[2].status, 'skipped');
  const expected = [rest[0], ...rest.slice(1)].map((e) => expectOutcome(e.detail));
  const gotStatuses = p.body.items.filter((_, i) => i !== 1 && i !== 2).map((i) => i.status);
  assert.deepEqual(gotStatuses, expected);

  // Only garbage: 400, every item rejected. An empty body: 400.
  p = await push('{"nope":');
  assert.equal(p.status, 400);
  assert.ok(p.body.items.every((i) => i.status === 'rejected'));
  p = await push('  ');
  assert.equal(p.status, 400);
  assert.equal(p.body.error.type, 'parse_exception');

  // The index holds the newest version of every pushed finding.
  assert.equal((await client.count({ index: 'findings' })).body.count, before + pushedNewest.size);
  for (const f of pushedNewest.values()) {
    const d = await client.get({ index: 'findings', id: f.id });
    assert.equal(d.body._source.updatedAt, f.updatedAt);
    assert.equal(d.body._source.service?.count, f.service?.count);
  }
});

test('vigil ingest --url sends files to the server and sums up its answers', async () => {
  // The samples again: every finding is there already, so each is stale (and archived again).
  const samples = sampleFindings();
  let r = vigil(['ingest', '--url', url, SAMPLES]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^sent ${samples.length} events from \\d+ files to ${url}: 0 created, 0 updated, ${samples.length} stale, 0 skipped, 0 rejected`));
  for (const f of samples) pushedAccepted.push(f);
  archivedBeforeServing += samples.length;  // `vigil ingest --data` archived them at the start
  // A JSON Lines file with a bad third line: that line is reported, the rest goes in.
  const gen = join(dir, 'url.jsonl');
  r = vigil(['generate', '--count', '5', '--seed', '123', '--end', END, '--out', gen]);
  assert.equal(r.status, 0, r.stderr);
  const lines = readFileSync(gen, 'utf8').trim().split('\n');
  lines.splice(2, 0, '{"id": 1}');
  writeFileSync(gen, lines.join('\n') + '\n');
  r = vigil(['ingest', '--url', url, gen]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /url\.jsonl:line 3: rejected: /);
  for (const f of jsonLines(readFileSync(gen, 'utf8')).filter((x) => typeof x.id === 'string')) expectOutcome(f);
  const ids = new Set(lines.map((l) => JSON.parse(l).id).filter((x) => typeof x === 'string'));
  assert.match(r.stdout, new RegExp(`^sent 6 events from 1 files .*: ${ids.size} created, .* 1 rejected`));
  for (const id of ids) assert.equal((await client.get({ index: 'findings', id })).body.found, true);
  // No server there: a clear error.
  r = vigil(['ingest', '--url', 'http://127.0.0.1:1', gen]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot connect to the server at 127\.0\.0\.1:1/);
});

test('vigil search --url asks the server', async () => {
  const total = (await client.count({ index: 'findings', q: 'severity:>=7' })).body.count;
  let r = vigil(['search', '--url', url, '--size', '3', 'severity:>=7']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^3 of ${total} matching findings \\(newest first\\)$`, 'm'));
  assert.match(r.stdout, /^last seen +severity +type/);
  r = vigil(['search', '--url', url, '--syntax', 'kql', '--raw', 'severity >= 7']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).hits.total.value, total);
  r = vigil(['search', '--url', url, '--json', '{"size":0,"aggs":{"r":{"terms":{"field":"region","size":1000}}}}']);
  assert.equal(r.status, 0, r.stderr);
  const buckets = JSON.parse(r.stdout).aggregations.r.buckets;
  assert.equal(buckets.reduce((a, b) => a + b.doc_count, 0), (await client.count({ index: 'findings' })).body.count);
  r = vigil(['search', '--url', url, 'type:(']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /parse_exception: Cannot parse 'type:\('/);
});

test('GET /metrics: requests by route and status, pushed events by outcome, index figures', async () => {
  const before = await (await fetch(`${url}/metrics`)).text();
  const value = (text, name, labels) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
    return line === undefined ? undefined : Number(line.split(' ').pop());
  };
  const route = 'route="/{index}/_count",method="GET",status="200"';
  const n0 = value(before, 'vigil_http_requests_total', route) ?? 0;
  for (let i = 0; i < 3; ++i) await fetch(`${url}/findings/_count`);
  await fetch(`${url}/findings/_count?q=type:(`);
  const text = await (await fetch(`${url}/metrics`)).text();
  assert.equal(value(text, 'vigil_http_requests_total', route), n0 + 3);
  assert.ok(value(text, 'vigil_http_requests_total', 'route="/{index}/_count",method="GET",status="400"') >= 1);
  assert.ok(value(text, 'vigil_http_requests_total', 'route="unmatched",method="GET",status="404"') >= 1);
  const count = value(text, 'vigil_http_request_duration_seconds_count', 'route="/{index}/_count"');
  assert.equal(value(text, 'vigil_http_request_duration_seconds_bucket', 'route="/{index}/_count",le="+Inf"'), count);
  // What the pushes of the ingest test did.
  assert.equal(value(text, 'vigil_ingest_events_total', 'outcome="created"'), pushedNewest.size);
  assert.equal(value(text, 'vigil_ingest_events_total', 'outcome="skipped"'), 1);
  assert.equal(value(text, 'vigil_index_docs', 'index="findings"'), findings.length + pushedNewest.size);
  assert.match(text, /^# TYPE vigil_index_file_bytes gauge$/m);
});

test('SIGTERM stops the server cleanly; pushed findings are in the archive; it opens again', async () => {
  server.child.kill('SIGTERM');
  const { code, stderr } = await server.exited;
  assert.equal(code, 0, stderr);
  assert.match(stderr, /SIGTERM: stopping/);
  // Every accepted push, stale ones included, sealed into the archive's partition files.
  const { gunzipSync } = await import('node:zlib');
  const pushedIds = new Set(pushedAccepted.map((f) => f.id));
  let archived = 0;
  for (const file of listFiles(join(dir, 'data', 'archive', 'AWSLogs'))) {
    for (const f of jsonLines(gunzipSync(readFileSync(file)).toString('utf8'))) {
      if (pushedIds.has(f.id)) ++archived;
    }
  }
  assert.equal(archived, pushedAccepted.length + archivedBeforeServing);
  const again = startServer(join(dir, 'data'));
  url = await again.ready;
  client = new Client({ node: url, maxRetries: 0, requestTimeout: 120000 });  // no silent retries: a retried create would be a 409
  assert.equal((await client.count({ index: 'findings' })).body.count, findings.length + pushedNewest.size);
  server = again;
});
