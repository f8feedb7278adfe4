// Saved objects (/api/objects) on the real server: create, read, list, replace and delete
// visualizations, dashboards and searches; errors that name the field at fault; optimistic
// concurrency with versions; and what was saved is there after a clean restart and after kill -9.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startServer } from './helpers.mjs';

let dir;
let server;
let url;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-objects-'));
  server = startServer(join(dir, 'data'));
  url = await server.ready;
});

after(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

async function call(method, path, body) {
  const res = await fetch(new URL(path, url), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const pie = { title: 'Findings by type', kind: 'pie', agg: { type: 'terms', field: 'type', size: 10 } };

test('create, read, list, replace, delete', async () => {
  let r = await call('POST', '/api/objects/visualization', { attributes: pie });
  assert.equal(r.status, 201);
  const id = r.body.id;
  assert.match(id, /^[0-9a-f]{16}$/);
  assert.equal(r.body.version, 1);
  assert.equal(r.body.type, 'visualization');
  assert.deepEqual(r.body.attributes, pie);
  assert.ok(Math.abs(Date.parse(r.body.updated_at) - Date.now()) < 3600e3);

  r = await call('PUT', '/api/objects/visualization/by-account',
    { attributes: { title: 'by account', kind: 'bar', agg: { type: 'terms', field: 'accountId' } } });
  assert.equal(r.status, 201);
  r = await call('PUT', '/api/objects/dashboard/soc',
    { attributes: { title: 'SOC', panels: [{ visualization: id, x: 0, y: 0, w: 6, h: 4 }] } });
  assert.equal(r.status, 201);

  r = await call('GET', `/api/objects/visualization/${id}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.attributes, pie);

  r = await call('GET', '/api/objects');
  assert.equal(r.body.total, 3);
  assert.deepEqual(r.body.objects.map((o) => `${o.type}/${o.attributes.title}`),
    ['dashboard/SOC', 'visualization/by account', 'visualization/Findings by type']);
  r = await call('GET', '/api/objects/visualization?search=ACCOUNT');
  assert.deepEqual(r.body.objects.map((o) => o.id), ['by-account']);
  r = await call('GET', '/api/objects?type=dashboard');
  assert.deepEqual(r.body.objects.map((o) => o.id), ['soc']);

  r = await call('PUT', `/api/objects/visualization/${id}`, { attributes: { ...pie, title: 'Types' }, version: 1 });
  assert.equal(r.status, 200);
  assert.equal(r.body.version, 2);
  assert.equal(r.body.attributes.title, 'Types');

  r = await call('DELETE', '/api/objects/visualization/by-account');
  assert.deepEqual([r.status, r.body.result], [200, 'deleted']);
  r = await call('GET', '/api/objects/visualization/by-account');
  assert.equal(r.status, 404);
  assert.equal(r.body.error.reason, 'saved object [visualization/by-account] not found');
});

test('two editors of one object: the second save with a stale version is a 409', async () => {
  let r = await call('PUT', '/api/objects/search/shared', { attributes: { title: 'shared', query: 'severity >= 7' }, version: 0 });
  assert.equal(r.status, 201);
  r = await call('PUT', '/api/objects/search/shared', { attributes: { title: 'shared' }, version: 0 });
  assert.equal(r.status, 409);
  const first = await call('PUT', '/api/objects/search/shared?version=1', { attributes: { title: 'first' } });
  assert.equal(first.status, 200);
  const second = await call('PUT', '/api/objects/search/shared?version=1', { attributes: { title: 'second' } });
  assert.equal(second.status, 409);
  assert.equal(second.body.error.type, 'version_conflict_engine_exception');
  assert.match(second.body.error.reason, /current version is 2 and 1 was given/);
  assert.equal((await call('GET', '/api/objects/search/shared')).body.attributes.title, 'first');
  assert.equal((await call('DELETE', '/api/objects/search/shared?version=1')).status, 409);
  assert.equal((await call('DELETE', '/api/objects/search/shared?version=2')).status, 200);
});

test('bad input is refused with the problem named, and nothing is stored', async () => {
  const before = (await call('GET', '/api/objects')).body.total;
  for (const [method, path, body, status, reason] of [
    ['POST', '/api/objects/widget', { attributes: pie }, 400, /unknown saved object type \[widget\]/],
    ['PUT', '/api/objects/visualization/a.b', { attributes: pie }, 400, /invalid saved object id \[a\.b\]/],
    ['POST', '/api/objects/visualization', '{"attributes": {"title": "x",', 400, /line 1, column 30/],
    ['POST', '/api/objects/visualization', { title: 'x' }, 400, /unknown field \[title\]/],
    ['POST', '/api/objects/visualization', {}, 400, /\[attributes\] is missing/],
    ['POST', '/api/objects/visualization', { attributes: { kind: 'pie' } }, 400, /\[title\] is missing/],
    ['POST', '/api/objects/visualization', { attributes: { title: 'x', kind: 'radar' } }, 400, /\[kind\] must be one of/],
    ['POST', '/api/objects/dashboard', { attributes: { title: 'x', panels: [{ visualization: 'v', x: 10, y: 0, w: 4, h: 3 }] } }, 400,
      /goes past the grid's 12 columns/],
    ['POST', '/api/objects/search', '{"attributes": {"title": "x", "n": 1e999}}', 400, /number overflow parsing '1e999'/],
    ['PUT', '/api/objects/search/s?version=x', { attributes: { title: 's' } }, 400, /\[version\] must be a non-negative integer/],
    ['DELETE', '/api/objects/search/none', undefined, 404, /not found/],
  ]) {
    const r = await call(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${JSON.stringify(r.body)}`);
    assert.match(r.body.error.reason, reason);
  }
  assert.equal((await call('GET', '/api/objects')).body.total, before);
});

test('saved objects survive a restart and a kill -9', async () => {
  const vis = await call('PUT', '/api/objects/visualization/survivor', { attributes: { ...pie, title: 'survivor' } });
  assert.equal(vis.status, 201);
  const listed = (await call('GET', '/api/objects')).body;
  // One plain JSON file per object, in DATA/objects/<type>/.
  assert.ok(readdirSync(join(dir, 'data', 'objects', 'visualization')).includes('survivor.json'));
  const onDisk = JSON.parse(readFileSync(join(dir, 'data', 'objects', 'visualization', 'survivor.json'), 'utf8'));
  assert.deepEqual(onDisk.attributes, vis.body.attributes);

  server.child.kill('SIGTERM');
  assert.equal((await server.exited).code, 0);
  server = startServer(join(dir, 'data'));
  url = await server.ready;
  assert.deepEqual((await call('GET', '/api/objects')).body, listed);

  // A save acknowledged just before the process is killed outright is kept.
  const last = await call('PUT', '/api/objects/visualization/survivor', { attributes: { ...pie, title: 'after' }, version: 1 });
  assert.equal(last.status, 200);
  server.child.kill('SIGKILL');
  await server.exited;
  server = startServer(join(dir, 'data'));
  url = await server.ready;
  const r = await call('GET', '/api/objects/visualization/survivor');
  assert.equal(r.body.version, 2);
  assert.equal(r.body.attributes.title, 'after');
});
