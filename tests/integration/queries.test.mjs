// The query engine through `vigil search`, on a fixed data set: the real samples plus 3,000
// findings from `vigil generate --seed 7` ending 2026-01-01 (with their updates), with the
// request time fixed at that end (--now), so date math gives the same answer every day.
//
// 1. Golden tests: every tests/queries/<area>/<name>.request.json is run and its response
//    compared with <name>.response.json (`took` aside), or, for a request that must fail, its
//    error line with <name>.error.txt. VIGIL_UPDATE_GOLDEN=1 rewrites the expected files from the
//    current output: review the diff before committing it.
// 2. Checks against the data itself: answers worked out here in JavaScript from the raw findings
//    (the newest version of each), not from Vigil's output.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { vigil, ROOT, SAMPLES, jsonLines, newestVersions, sampleFindings } from './helpers.mjs';

const END = '2026-01-01T00:00:00Z';
const QUERIES = join(ROOT, 'tests', 'queries');
const UPDATE = process.env.VIGIL_UPDATE_GOLDEN === '1';

let dir;
let data;
let findings;  // the newest version of every finding, as the raw JSON

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-queries-'));
  data = join(dir, 'data');
  const gen = join(dir, 'generated.jsonl');
  let r = vigil(['generate', '--count', '3000', '--seed', '7', '--end', END, '--out', gen]);
  assert.equal(r.status, 0, r.stderr);
  r = vigil(['ingest', '-q', '--data', data, gen, SAMPLES]);
  assert.equal(r.status, 0, r.stderr);
  // The newest version of each finding (updatedAt, then service.count), from the raw inputs.
  findings = newestVersions([...jsonLines(readFileSync(gen, 'utf8')), ...sampleFindings()]);
});

after(() => rmSync(dir, { recursive: true, force: true }));

function search(body) {
  const r = vigil(['search', '--data', data, '--now', END, '--json', body]);
  return r;
}

function goldenCases() {
  const cases = [];
  for (const area of readdirSync(QUERIES).sort()) {
    for (const f of readdirSync(join(QUERIES, area)).sort()) {
      if (f.endsWith('.request.json')) cases.push([area, f.slice(0, -'.request.json'.length)]);
    }
  }
  return cases;
}

test('golden requests and responses', async (t) => {
  const cases = goldenCases();
  assert.ok(cases.length >= 60, `only ${cases.length} golden requests`);
  for (const [area, name] of cases) {
    await t.test(`${area}/${name}`, () => {
      const base = join(QUERIES, area, name);
      const body = readFileSync(`${base}.request.json`, 'utf8');
      const r = search(body);
      if (existsSync(`${base}.error.txt`) || (UPDATE && r.status !== 0)) {
        if (UPDATE) writeFileSync(`${base}.error.txt`, r.stderr);
        assert.equal(r.status, 2, `expected a usage error, got ${r.status}: ${r.stdout}`);
        assert.equal(r.stderr, readFileSync(`${base}.error.txt`, 'utf8'));
        return;
      }
      assert.equal(r.status, 0, r.stderr);
      const got = JSON.parse(r.stdout);
      delete got.took;
      const text = JSON.stringify(got, null, 2) + '\n';
      if (UPDATE) writeFileSync(`${base}.response.json`, text);
      const want = JSON.parse(readFileSync(`${base}.response.json`, 'utf8'));
      assert.deepEqual(got, want);
    });
  }
});

// A flat key of the npm `flat` kind ("a.0.b") read from a raw finding.
function at(obj, path) {
  let v = obj;
  for (const p of path.split('.')) {
    if (v === undefined || v === null) return undefined;
    v = v[p];
  }
  return v;
}

test('the reference pipeline panel: top 5 prober countries in a time range, from the data', () => {
  const from = Date.parse('2025-12-20T00:00:00Z');
  const to = Date.parse('2026-01-01T00:00:00Z');
  const counts = new Map();
  let inRange = 0;
  for (const f of findings) {
    const seen = Date.parse(f.service?.eventLastSeen ?? '');
    if (!(seen >= from && seen < to)) continue;
    ++inRange;
    const c = at(f, 'service.action.portProbeAction.portProbeDetails.0.remoteIpDetails.country.countryName');
    if (c !== undefined) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const want = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, 5)
    .map(([key, doc_count]) => ({ key, doc_count }));
  assert.ok(want.length === 5 && want[0].doc_count > 1, 'the data set must have port probes');
  const body = JSON.stringify({
    size: 0,
    track_total_hits: true,
    query: { range: { 'service.eventLastSeen': { gte: '2025-12-20T00:00:00Z', lt: '2026-01-01T00:00:00Z' } } },
    aggs: { c: { terms: { field: 'service.action.portProbeAction.portProbeDetails.0.remoteIpDetails.country.countryName.keyword', size: 5 } } },
  });
  const r = search(body);
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout);
  assert.equal(got.hits.total.value, inRange);
  assert.deepEqual(got.aggregations.c.buckets, want);
});

test('date math in aggregations is taken at the request time (--now), from the data', () => {
  // now = END (2026-01-01T00:00:00Z): now-1d/d is 2025-12-31, now-7d/d is 2025-12-25.
  const day = Date.parse('2025-12-31T00:00:00Z');
  const week = Date.parse('2025-12-25T00:00:00Z');
  let lastDay = 0;
  let before = 0;
  for (const f of findings) {
    const seen = Date.parse(f.service?.eventLastSeen ?? '');
    if (seen >= day) ++lastDay;
    else if (seen >= week) ++before;
  }
  assert.ok(lastDay > 0 && before > 0, 'the data set must have findings in both ranges');
  const r = search(JSON.stringify({
    size: 0,
    aggs: {
      recent: { date_range: { field: 'service.eventLastSeen', ranges: [{ from: 'now-1d/d' }, { from: 'now-7d/d', to: 'now-1d/d' }] } },
      days: {
        date_histogram: {
          field: 'service.eventLastSeen', calendar_interval: 'day', min_doc_count: 0,
          extended_bounds: { min: 'now-3d/d', max: 'now-1d/d' }, hard_bounds: { min: 'now-3d/d', max: 'now' },
        },
      },
    },
  }));
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout).aggregations;
  assert.deepEqual(got.recent.buckets.map((b) => [b.key, b.doc_count]), [
    ['2025-12-31T00:00:00.000Z-*', lastDay],
    ['2025-12-25T00:00:00.000Z-2025-12-31T00:00:00.000Z', before],
  ]);
  const perDay = (d) => findings.filter((f) => (f.service?.eventLastSeen ?? '').startsWith(d)).length;
  assert.deepEqual(got.days.buckets.map((b) => [b.key_as_string, b.doc_count]), [
    ['2025-12-29T00:00:00.000Z', perDay('2025-12-29')],
    ['2025-12-30T00:00:00.000Z', perDay('2025-12-30')],
    ['2025-12-31T00:00:00.000Z', perDay('2025-12-31')],
  ]);
});

test('every prober counts, not just the first: collapsed field against the data', () => {
  const counts = new Map();
  for (const f of findings) {
    const details = f.service?.action?.portProbeAction?.portProbeDetails ?? [];
    const countries = new Set(details.map((d) => d.remoteIpDetails?.country?.countryName).filter((c) => c !== undefined));
    for (const c of countries) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  const r = search(JSON.stringify({
    size: 0,
    aggs: { c: { terms: { field: 'service.action.portProbeAction.portProbeDetails.remoteIpDetails.country.countryName', size: 500 } } },
  }));
  assert.equal(r.status, 0, r.stderr);
  const got = Object.fromEntries(JSON.parse(r.stdout).aggregations.c.buckets.map((b) => [b.key, b.doc_count]));
  assert.deepEqual(got, Object.fromEntries(counts));
});

test('counts by severity label and a KQL query, from the data', () => {
  const label = (s) => (s >= 9 ? 'Critical' : s >= 7 ? 'High' : s >= 4 ? 'Medium' : 'Low');
  const counts = {};
  for (const f of findings) counts[label(f.severity)] = (counts[label(f.severity)] ?? 0) + 1;
  let r = search(JSON.stringify({ size: 0, aggs: { l: { terms: { field: 'derived.severityLabel' } } } }));
  assert.equal(r.status, 0, r.stderr);
  const got = Object.fromEntries(JSON.parse(r.stdout).aggregations.l.buckets.map((b) => [b.key, b.doc_count]));
  assert.deepEqual(got, counts);

  const want = findings.filter((f) => f.severity >= 7 && f.type.startsWith('UnauthorizedAccess:')).length;
  assert.ok(want > 0);
  r = search(JSON.stringify({ size: 0, track_total_hits: true, query: { kql: { query: 'severity >= 7 and type : UnauthorizedAccess*' } } }));
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).hits.total.value, want);
});

test('a bare query string prints a table of the newest findings', () => {
  const r = vigil(['search', '--data', data, '--size', '3', 'derived.severityLabel:Critical']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0], /^last seen\s+severity\s+type\s+account\s+region\s+attacker/);
  assert.equal(lines.length, 5);
  for (const l of lines.slice(1, 4)) assert.match(l, /Critical/);
  const want = findings.filter((f) => f.severity >= 9).length;
  assert.match(lines[4], new RegExp(`^3 of ${want} matching findings`));
  const bad = vigil(['search', '--data', data, 'type:(Recon']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^vigil: parse_exception: Cannot parse 'type:\(Recon': .* at the end\n$/);
});
