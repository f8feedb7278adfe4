// API keys on the real server: keys made with `vigil keygen`, a configuration file, every route
// class without a key and with each role, account-scoped keys that must never see another
// account's findings (hits, counts, buckets, documents) nor write them, the failed-auth limiter,
// and the rule that a server without keys listens on loopback only. Expected answers come from the raw
// findings, not from Vigil's output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { Client } from '@opensearch-project/opensearch';
import { vigil, jsonLines, newestVersions, openStream, startServer } from './helpers.mjs';

let dir;
let server;
let url;
let findings;
let scopeAccount;
const keys = {};

// A key from `vigil keygen`, and the configuration entry it printed.
function keygen(name, role, accounts = []) {
  const r = vigil(['keygen', '--name', name, '--role', role, ...accounts.flatMap((a) => ['--account', a])]);
  assert.equal(r.status, 0, r.stderr);
  const key = r.stdout.match(/^key: (\S+)$/m)[1];
  const entry = r.stdout.slice(r.stdout.indexOf('    - name:'));
  assert.match(entry, new RegExp(`sha256: [0-9a-f]{64}`));
  assert.ok(!entry.includes(key), 'the entry holds the hash, never the key');
  return { key, entry };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-auth-'));
  const gen = join(dir, 'generated.jsonl');
  let r = vigil(['generate', '--count', '800', '--seed', '9', '--end', '2026-01-01T00:00:00Z', '--out', gen]);
  assert.equal(r.status, 0, r.stderr);
  r = vigil(['ingest', '-q', '--data', join(dir, 'data'), gen]);
  assert.equal(r.status, 0, r.stderr);
  findings = newestVersions(jsonLines(readFileSync(gen, 'utf8')));
  const perAccount = new Map();
  for (const f of findings) perAccount.set(f.accountId, (perAccount.get(f.accountId) ?? 0) + 1);
  assert.ok(perAccount.size > 1, 'the data spans several accounts');
  scopeAccount = [...perAccount.keys()].sort()[0];
  const entries = [];
  for (const [name, role, accounts] of [
    ['ops', 'admin', []], ['analyst', 'read', []], ['pusher', 'ingest', []], ['tenant', 'read', [scopeAccount]],
    ['feeder', 'ingest', [scopeAccount]],
  ]) {
    const k = keygen(name, role, accounts);
    keys[name] = k.key;
    entries.push(k.entry);
  }
  const config = join(dir, 'vigil.yaml');
  writeFileSync(config, `auth:\n  header: x-vigil-key\n  api_keys:\n${entries.join('')}limits:\n  max_bulk_items: 500\n`);
  server = startServer(join(dir, 'data'), ['--config', config]);
  url = await server.ready;
});

after(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    assert.equal(exit.code, 0, exit.stderr);
    for (const k of Object.values(keys)) {
      assert.ok(!exit.stderr.includes(k.slice(4, 20)), 'no part of a key is ever logged');
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

// One request; resolves with {status, headers, body (parsed when JSON)}.
function request(method, path, { key, scheme = 'ApiKey', headers = {}, body, localAddress } = {}) {
  const u = new URL(path, url);
  const h = { ...headers };
  if (key) h.authorization = `${scheme} ${key}`;
  if (body !== undefined) h['content-type'] = path.includes('_bulk') ? 'application/x-ndjson' : 'application/json';
  return new Promise((resolve, reject) => {
    const req = http.request({ method, hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers: h, localAddress }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        let parsed = text;
        try { parsed = JSON.parse(text); } catch { /* text */ }
        resolve({ status: res.statusCode, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(typeof body === 'string' ? body : JSON.stringify(body));
    req.end();
  });
}

const aFinding = () => findings[0];
const bulkBody = (f) => `${JSON.stringify({ index: { _index: 'findings' } })}\n${JSON.stringify(f)}\n`;

test('without a key: only GET / and /api/health answer; everything else is a 401', async () => {
  assert.equal((await request('GET', '/')).status, 200);
  assert.equal((await request('GET', '/api/health')).status, 200);
  for (const [method, path, body] of [
    ['GET', '/findings/_count'], ['POST', '/findings/_search', {}], ['GET', '/_cat/indices'],
    ['GET', '/findings/_mapping'], ['POST', '/_bulk', bulkBody(aFinding())], ['POST', '/api/ingest', aFinding()],
    ['PUT', '/other'], ['DELETE', '/findings'], ['GET', '/metrics'], ['GET', `/findings/_doc/${aFinding().id}`],
  ]) {
    const r = await request(method, path, { body });
    assert.equal(r.status, 401, `${method} ${path}`);
    assert.equal(r.body.error.type, 'security_exception');
    assert.match(r.headers['www-authenticate'], /ApiKey/);
  }
  const wrong = await request('GET', '/findings/_count', { key: 'vgl_not-a-key' });
  assert.equal(wrong.status, 401);
  assert.ok(!JSON.stringify(wrong.body).includes('not-a-key'), 'the key is not echoed');
});

test('roles: read only reads, ingest only writes, admin does everything', async () => {
  const analyst = { key: keys.analyst };
  assert.equal((await request('GET', '/findings/_count', analyst)).body.count, findings.length);
  for (const [method, path, body] of [
    ['POST', '/_bulk', bulkBody(aFinding())], ['POST', '/api/ingest', aFinding()], ['PUT', '/other'],
    ['DELETE', '/findings'], ['GET', '/metrics'], ['DELETE', `/findings/_doc/${aFinding().id}`],
  ]) {
    const r = await request(method, path, { ...analyst, body });
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.match(r.body.error.reason, /analyst/);
  }
  const pusher = { key: keys.pusher };
  let r = await request('POST', '/api/ingest', { ...pusher, body: aFinding() });
  assert.equal(r.status, 200);
  assert.equal(r.body.items[0].status, 'stale'); // already there, same version
  r = await request('POST', '/_bulk', { ...pusher, body: bulkBody(aFinding()) });
  assert.equal(r.status, 200);
  assert.equal(r.body.items[0].index.result, 'noop');
  assert.equal((await request('GET', '/findings/_count', pusher)).status, 403);
  assert.equal((await request('PUT', '/scratch', pusher)).status, 403);
  const ops = { key: keys.ops };
  assert.equal((await request('PUT', '/scratch', ops)).status, 200);
  assert.equal((await request('GET', '/metrics', ops)).status, 200);
  assert.equal((await request('DELETE', '/scratch', ops)).status, 200);
  assert.equal((await request('GET', '/findings/_count', ops)).body.count, findings.length);
  // Bearer, and the custom header an EventBridge connection sends; two different keys refused.
  assert.equal((await request('GET', '/findings/_count', { key: keys.analyst, scheme: 'bearer' })).status, 200);
  assert.equal((await request('POST', '/api/ingest', { headers: { 'x-vigil-key': keys.pusher }, body: aFinding() })).status, 200);
  r = await request('GET', '/findings/_count', { key: keys.analyst, headers: { 'x-vigil-key': keys.ops } });
  assert.equal(r.status, 401);
  // The official client, with the key in its headers.
  const client = new Client({ node: url, headers: { authorization: `ApiKey ${keys.analyst}` } });
  assert.equal((await client.count({ index: 'findings' })).body.count, findings.length);
  // Limits from the configuration file: 500 operations per bulk request.
  const big = Array.from({ length: 501 }, () => bulkBody(aFinding())).join('');
  r = await request('POST', '/_bulk', { ...pusher, body: big });
  assert.equal(r.status, 400);
  assert.match(r.body.error.reason, /at most 500/);
});

test('an account-scoped key never sees another account: hits, counts, buckets, documents', async () => {
  const mine = findings.filter((f) => f.accountId === scopeAccount);
  const other = findings.find((f) => f.accountId !== scopeAccount);
  const client = new Client({ node: url, headers: { authorization: `ApiKey ${keys.tenant}` } });
  assert.equal((await client.count({ index: 'findings' })).body.count, mine.length);
  assert.equal((await client.count({ index: 'findings', q: `accountId:${other.accountId}` })).body.count, 0);
  const s = await client.search({
    index: 'findings',
    body: {
      size: 1000,
      query: { match_all: {} },
      aggs: { accounts: { terms: { field: 'accountId', size: 100 } }, types: { terms: { field: 'type', size: 1000 } } },
    },
  });
  assert.equal(s.body.hits.total.value, mine.length);
  assert.ok(s.body.hits.hits.every((h) => h._source.accountId === scopeAccount));
  assert.deepEqual(s.body.aggregations.accounts.buckets.map((b) => [b.key, b.doc_count]), [[scopeAccount, mine.length]]);
  assert.equal(s.body.aggregations.types.buckets.reduce((n, b) => n + b.doc_count, 0), mine.length);
  // A query that asks for the other account explicitly still gets nothing of it.
  const forced = await client.search({ index: 'findings', body: { query: { term: { accountId: other.accountId } } } });
  assert.equal(forced.body.hits.total.value, 0);
  const m = await client.msearch({ body: [{ index: 'findings' }, { query: { match_all: {} }, size: 0 }] });
  assert.equal(m.body.responses[0].hits.total.value, mine.length);
  const theirs = await request('GET', `/findings/_doc/${other.id}`, { key: keys.tenant });
  assert.equal(theirs.status, 404);
  assert.equal(theirs.body.found, false);
  const own = await request('GET', `/findings/_doc/${mine[0].id}`, { key: keys.tenant });
  assert.equal(own.status, 200);
  assert.equal(own.body._source.id, mine[0].id);
});

test('the live stream of a scoped key carries its accounts only; without a key it is a 401', async () => {
  assert.equal((await request('GET', '/api/stream')).status, 401);
  const stream = openStream(url, '/api/stream', { authorization: `ApiKey ${keys.tenant}` });
  assert.equal((await stream.connected).statusCode, 200);
  const base = findings.find((f) => f.accountId === scopeAccount);
  const other = findings.find((f) => f.accountId !== scopeAccount);
  const later = '2026-06-01T00:00:00.000Z';
  for (const f of [{ ...other, updatedAt: later }, { ...base, updatedAt: later }]) {
    assert.equal((await request('POST', '/api/ingest', { key: keys.pusher, body: f })).status, 200);
  }
  const got = await stream.next(1);
  stream.close();
  assert.deepEqual(got.map((e) => [e.change, e.finding.id, e.finding.accountId]), [['updated', base.id, scopeAccount]]);
});

test('a scoped key writes its accounts only; _cat/indices counts what it may see', async () => {
  const mine = findings.filter((f) => f.accountId === scopeAccount);
  const own = mine[1];
  const other = findings.filter((f) => f.accountId !== scopeAccount)[1];
  const later = '2026-07-01T00:00:00.000Z';
  const feeder = { key: keys.feeder };
  // /api/ingest: the other account's finding is rejected on its own, the rest goes in.
  let r = await request('POST', '/api/ingest', { ...feeder, body: [{ ...other, updatedAt: later }, { ...own, updatedAt: later }] });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.deepEqual(r.body.items.map((i) => i.status), ['rejected', 'updated']);
  assert.match(r.body.items[0].reason, new RegExp(`account \\[${other.accountId}\\], outside the account scope`));
  // _bulk: the same per item, as a 403 security_exception; a generic index and a delete too.
  const laterStill = '2026-08-01T00:00:00.000Z';
  const bulk = [
    { index: { _index: 'findings' } }, { ...other, updatedAt: laterStill },
    { index: { _index: 'findings' } }, { ...own, updatedAt: laterStill },
    { index: { _index: 'notes', _id: 'n1' } }, { text: 'hello' },
    { delete: { _index: 'findings', _id: own.id } },
  ].map((l) => JSON.stringify(l)).join('\n') + '\n';
  r = await request('POST', '/_bulk', { ...feeder, body: bulk });
  assert.equal(r.status, 200);
  assert.equal(r.body.errors, true);
  const items = r.body.items.map((i) => Object.values(i)[0]);
  assert.deepEqual(items.map((i) => i.status), [403, 200, 403, 403]);
  assert.ok(items.filter((i) => i.status === 403).every((i) => i.error.type === 'security_exception'));
  // A single-document write of the other account's finding: 403.
  r = await request('PUT', `/findings/_doc/${other.id}`, { ...feeder, body: { ...other, updatedAt: laterStill } });
  assert.equal(r.status, 403);
  assert.equal(r.body.error.type, 'security_exception');
  // What an unscoped key sees: the other account's finding untouched, the own one updated and
  // not deleted, no `notes` index.
  const ops = { key: keys.ops };
  r = await request('GET', `/findings/_doc/${other.id}`, ops);
  assert.equal(r.body._source.updatedAt, other.updatedAt);
  r = await request('GET', `/findings/_doc/${own.id}`, ops);
  assert.equal(r.body._source.updatedAt, laterStill);
  assert.equal((await request('HEAD', '/notes', ops)).status, 404);
  // _cat/indices: the tenant counts its account's findings, an unscoped key all of them.
  r = await request('GET', '/_cat/indices?format=json', { key: keys.tenant });
  assert.equal(r.status, 200);
  assert.equal(r.body.find((i) => i.index === 'findings')['docs.count'], String(mine.length));
  r = await request('GET', '/_cat/indices?format=json', ops);
  assert.equal(r.body.find((i) => i.index === 'findings')['docs.count'], String(findings.length));
});

test('saved objects: read and admin keys save them; ingest keys and account-scoped keys may not change them', async () => {
  const attributes = { title: 'by type', kind: 'pie' };
  let r = await request('PUT', '/api/objects/visualization/auth-vis', { key: keys.analyst, body: { attributes } });
  assert.equal(r.status, 201);
  assert.equal((await request('GET', '/api/objects/visualization/auth-vis', { key: keys.ops })).status, 200);
  r = await request('GET', '/api/objects', { key: keys.pusher });
  assert.equal(r.status, 403);
  r = await request('PUT', '/api/objects/visualization/auth-vis', { key: keys.pusher, body: { attributes } });
  assert.equal(r.status, 403);
  // A tenant's key reads the shared objects but changes none of them.
  r = await request('GET', '/api/objects', { key: keys.tenant });
  assert.equal(r.status, 200);
  assert.ok(r.body.objects.some((o) => o.id === 'auth-vis'));
  for (const [method, path] of [
    ['PUT', '/api/objects/visualization/auth-vis'], ['POST', '/api/objects/visualization'],
    ['DELETE', '/api/objects/visualization/auth-vis'],
  ]) {
    r = await request(method, path, { key: keys.tenant, body: method === 'DELETE' ? undefined : { attributes } });
    assert.equal(r.status, 403, `${method} ${path}`);
    assert.match(r.body.error.reason, /tenant.*limited to some accounts/);
  }
  assert.equal((await request('GET', '/api/objects/visualization/auth-vis')).status, 401);
  assert.equal((await request('DELETE', '/api/objects/visualization/auth-vis', { key: keys.ops })).status, 200);
});

test('failed keys are limited per address: the 11th try in a minute is a 429, others unaffected', async () => {
  const from = { localAddress: '127.0.0.2' };
  for (let i = 0; i < 10; i++) {
    const r = await request('GET', '/findings/_count', { ...from, key: `vgl_guess-${i}` });
    assert.equal(r.status, 401);
  }
  let r = await request('GET', '/findings/_count', { ...from, key: 'vgl_guess-10' });
  assert.equal(r.status, 429);
  assert.ok(Number(r.headers['retry-after']) > 0);
  // Even the right key waits: the address is refused before its key is looked at.
  r = await request('GET', '/findings/_count', { ...from, key: keys.analyst });
  assert.equal(r.status, 429);
  assert.equal((await request('GET', '/api/health', from)).status, 200);
  r = await request('GET', '/findings/_count', { key: keys.analyst });
  assert.equal(r.status, 200);
});

test('beyond loopback: refused without keys, served with them; a bad configuration file is named', async () => {
  const open = vigil(['serve', '--data', join(dir, 'open'), '--listen', '0.0.0.0:0']);
  assert.equal(open.status, 2);
  assert.match(open.stderr, /refusing to listen on 0\.0\.0\.0 without API keys/);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'auth:\n  api_keys:\n    - name: x\n      role: writer\n      sha256: 00\n');
  const r = vigil(['serve', '--data', join(dir, 'bad'), '--config', bad]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /bad\.yaml:\d+:\d+: auth\.api_keys\[0\]/);
  const config = join(dir, 'wide.yaml');
  writeFileSync(config, `auth:\n  api_keys:\n${keygen('wide', 'read').entry}`);
  const wide = startServer(join(dir, 'wide'), ['--config', config], '0.0.0.0:0');
  const address = await wide.ready;
  try {
    const port = new URL(address).port;
    const res = await fetch(`http://127.0.0.1:${port}/_cat/indices?format=json`);
    assert.equal(res.status, 401);
  } finally {
    wide.child.kill('SIGTERM');
    await wide.exited;
  }
});

test('TLS: with a certificate the server speaks HTTPS only; a bad key file is named', async () => {
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
    '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8' });
  assert.equal(made.status, 0, made.stderr);
  const config = join(dir, 'tls.yaml');
  const reader = keygen('tls-reader', 'read');
  writeFileSync(config, `tls:\n  cert_file: ${cert}\n  key_file: ${key}\nauth:\n  api_keys:\n${reader.entry}`);
  const tls = startServer(join(dir, 'tls'), ['--config', config]);
  const address = await tls.ready;
  try {
    assert.match(address, /^https:/);
    const client = new Client({ node: address, ssl: { ca: readFileSync(cert, 'utf8') }, headers: { authorization: `ApiKey ${reader.key}` } });
    assert.equal((await client.count({ index: 'findings' })).body.count, 0);
    // A client that does not trust the certificate is refused by its own TLS stack.
    await assert.rejects(new Client({ node: address }).count({ index: 'findings' }));
    // Plain HTTP on the TLS port gets no answer.
    await assert.rejects(fetch(address.replace('https:', 'http:') + '/'));
  } finally {
    tls.child.kill('SIGTERM');
    assert.equal((await tls.exited).code, 0);
  }
  const wrong = join(dir, 'wrong.yaml');
  writeFileSync(wrong, `tls:\n  cert_file: ${cert}\n  key_file: ${cert}\n`);
  const r = vigil(['serve', '--data', join(dir, 'wrong'), '--config', wrong]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /tls\.key_file .*cert\.pem/);
});
