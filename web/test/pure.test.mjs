// The front end's pure modules, with node --test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QUICK_RANGES, resolveRange, pickInterval, describeRange } from '../src/timerange.js';
import { barQuery, buildQuery, discoverRequest, boundsRequest, TIME_FIELD } from '../src/request.js';
import { getField, flattenDoc, filterable, hitValue, hitFields } from '../src/fields.js';
import { severityLabel, formatTime, formatValue } from '../src/format.js';
import { DEFAULT_STATE, encodeState, decodeState } from '../src/state.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

test('quick ranges end now; absolute ranges are kept; bad ones are refused', () => {
  assert.deepEqual(resolveRange({ quick: '24h' }, NOW), { from: NOW - 86_400_000, to: NOW });
  assert.deepEqual(resolveRange({ quick: 'all' }, NOW), { from: null, to: null });
  assert.deepEqual(resolveRange({ from: 5, to: 9 }, NOW), { from: 5, to: 9 });
  assert.throws(() => resolveRange({ quick: '2d' }, NOW), /unknown time range \[2d\]/);
  assert.throws(() => resolveRange({ from: 9, to: 5 }, NOW), /after its end/);
  assert.ok(QUICK_RANGES.every((r) => describeRange({ quick: r.id }) === r.label));
});

test('the histogram interval keeps the bucket count under the limit', () => {
  assert.deepEqual(pickInterval(0, 15 * 60_000).params, { fixed_interval: '1m' });
  assert.deepEqual(pickInterval(0, 86_400_000).params, { fixed_interval: '30m' });
  assert.deepEqual(pickInterval(0, 30 * 86_400_000).params, { fixed_interval: '12h' });
  assert.deepEqual(pickInterval(0, 365 * 86_400_000).params, { calendar_interval: 'week' });
  for (const span of [1, 60_000, 3_600_000, 86_400_000 * 7, 86_400_000 * 400]) {
    const iv = pickInterval(0, span);
    assert.ok(span / iv.ms <= 120 || iv.params.calendar_interval === 'year', `span ${span}`);
  }
});

test('the query bar, the pills and the time range make one bool query', () => {
  assert.equal(barQuery('  ', 'kql'), null);
  assert.deepEqual(barQuery('severity >= 7', 'kql'), { kql: { query: 'severity >= 7' } });
  assert.deepEqual(barQuery('severity:>=7', 'lucene'), { query_string: { query: 'severity:>=7', default_operator: 'AND' } });
  assert.throws(() => barQuery('x', 'sql'), /unknown query syntax/);
  assert.deepEqual(buildQuery({ query: '', syntax: 'kql' }), { match_all: {} });
  const q = buildQuery({
    query: 'type : *Portscan*', syntax: 'kql', from: 1, to: 2,
    filters: [{ field: 'accountId', value: '1' }, { field: 'region', value: 'x', negate: true }, { field: 'a', value: 1, disabled: true }],
  });
  assert.deepEqual(q, {
    bool: {
      must: [{ kql: { query: 'type : *Portscan*' } }],
      filter: [{ range: { [TIME_FIELD]: { format: 'epoch_millis', gte: 1, lte: 2 } } }, { term: { accountId: '1' } }],
      must_not: [{ term: { region: 'x' } }],
    },
  });
});

test('Discover asks for one page, the exact total and the histogram', () => {
  const body = discoverRequest({ ...DEFAULT_STATE, filters: [] }, { page: 2, pageSize: 25, interval: pickInterval(0, 86_400_000), from: 0, to: 86_400_000 });
  assert.equal(body.size, 25);
  assert.equal(body.from, 50);
  assert.equal(body.track_total_hits, true);
  assert.deepEqual(body.fields, ['derived.*']);
  assert.deepEqual(body.sort, [{ [TIME_FIELD]: { order: 'desc' } }]);
  assert.deepEqual(body.aggs.over_time.date_histogram, {
    field: TIME_FIELD, fixed_interval: '30m', min_doc_count: 0, extended_bounds: { min: 0, max: 86_400_000 },
  });
  const b = boundsRequest({ ...DEFAULT_STATE, filters: [] });
  assert.deepEqual(Object.keys(b.aggs), ['first', 'last']);
});

test('fields by flattened name, and every leaf of a document', () => {
  const doc = { a: { b: [{ c: 1 }, { c: 2 }] }, 'x.y': 3, e: {}, n: null };
  assert.equal(getField(doc, 'a.b.1.c'), 2);
  assert.equal(getField(doc, 'x.y'), 3);
  assert.equal(getField(doc, 'a.z'), undefined);
  assert.deepEqual(flattenDoc(doc), [['a.b.0.c', 1], ['a.b.1.c', 2], ['x.y', 3], ['e', {}], ['n', null]]);
  const hit = { _source: { a: 1, d: { x: 2 } }, fields: { 'derived.c': ['DE'], 'derived.ips': ['1', '2'], a: [1] } };
  assert.equal(hitValue(hit, 'a'), 1);
  assert.equal(hitValue(hit, 'derived.c'), 'DE');
  assert.deepEqual(hitValue(hit, 'derived.ips'), ['1', '2']);
  assert.equal(hitValue(hit, 'nope'), undefined);
  assert.deepEqual(hitFields(hit), [['a', 1], ['d.x', 2], ['derived.c', 'DE'], ['derived.ips', ['1', '2']]]);
  assert.ok(filterable('s') && filterable(1) && filterable(false) && !filterable(null) && !filterable({}));
});

test('values read as GuardDuty says them', () => {
  assert.deepEqual([1, 3.9, 4, 6.9, 7, 8.9, 9, 10].map(severityLabel), ['Low', 'Low', 'Medium', 'Medium', 'High', 'High', 'Critical', 'Critical']);
  assert.equal(severityLabel(undefined), '');
  assert.equal(formatTime('2026-01-01T10:20:30.123Z'), '2026-01-01 10:20:30');
  assert.equal(formatTime(undefined), '');
  assert.equal(formatValue(['a', 1]), 'a, 1');
});

test('the state survives the address, and malformed parts fall back to defaults', () => {
  const s = {
    ...DEFAULT_STATE, query: 'severity >= 7 and region : "us-east-1"', syntax: 'lucene', range: { from: 10, to: 20 },
    filters: [{ field: 'type', value: 'Recon:EC2/Portscan', negate: true }], columns: ['type', 'region'], sort: { field: 'severity', order: 'asc' },
  };
  assert.deepEqual(decodeState(encodeState(s)), s);
  assert.deepEqual(decodeState(encodeState(DEFAULT_STATE)), { ...DEFAULT_STATE, filters: [] });
  const bad = decodeState('range=2d&from=9&filters=%5Bnot-json&syntax=sql&sort=x');
  assert.deepEqual(bad.range, DEFAULT_STATE.range);
  assert.deepEqual(bad.filters, []);
  assert.equal(bad.syntax, 'kql');
  assert.equal(bad.sort, null);
});

test('Server-Sent Events: pieces in any size, comments, multi-line data, CRLF', async () => {
  const { SseParser } = await import('../src/stream.js');
  const text = 'retry: 3000\n: connected\n\nid: 1\nevent: finding\ndata: {"a":\ndata: 1}\n\n: keep-alive\n\r\nid: 2\r\nevent: finding\r\ndata: {"b":2}\r\n\r\n';
  for (const size of [1, 2, 5, 1000]) {
    const p = new SseParser();
    const got = [];
    for (let i = 0; i < text.length; i += size) got.push(...p.push(text.slice(i, i + size)));
    assert.deepEqual(got, [
      { event: 'finding', data: '{"a":\n1}', id: '1' },
      { event: 'finding', data: '{"b":2}', id: '2' },
    ], `pieces of ${size}`);
  }
});
