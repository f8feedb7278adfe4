// The overview's pure modules: its requests, its panel data, and the country join of the map.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overviewRequest, overviewRequests, mergeAnswers, latestRequest, panels, HIDE_SAMPLES } from '../src/overview.js';
import { numericOf, choropleth, unwrapRing, unwrapGeometry } from '../src/countries.js';
import { pickInterval } from '../src/timerange.js';
import { TIME_FIELD } from '../src/request.js';

const state = { query: '', syntax: 'kql', filters: [HIDE_SAMPLES] };

test('one request answers every panel; the map counts inbound attackers only', () => {
  const body = overviewRequest(state, { from: 0, to: 86_400_000, interval: pickInterval(0, 86_400_000) });
  assert.equal(body.size, 0);
  assert.deepEqual(body.query, {
    bool: {
      filter: [{ range: { [TIME_FIELD]: { format: 'epoch_millis', gte: 0, lte: 86_400_000 } } }],
      must_not: [{ term: { 'derived.sample': true } }],
    },
  });
  assert.deepEqual(Object.keys(body.aggs), ['severity', 'countries', 'types', 'over_time', 'accounts', 'attacker_ips', 'resources']);
  assert.deepEqual(body.aggs.countries.filter, { term: { 'derived.direction': 'inbound' } });
  assert.equal(body.aggs.over_time.date_histogram.fixed_interval, '30m');
  const latest = latestRequest(state, { from: 0, to: 1 });
  assert.deepEqual(latest.query.bool.filter.at(-1), { range: { severity: { gte: 7 } } });
});

test('panel data from an answer: severities in order with zeros, stacked time buckets, IP details', () => {
  const p = panels({
    hits: { total: { value: 5 } },
    aggregations: {
      severity: { buckets: [{ key: 'High', doc_count: 3 }, { key: 'Low', doc_count: 2 }] },
      countries: { doc_count: 4, codes: { buckets: [{ key: 'CN', doc_count: 3 }] } },
      over_time: { buckets: [{ key: 0, doc_count: 5, severity: { buckets: [{ key: 'High', doc_count: 3 }, { key: 'Low', doc_count: 2 }] } }] },
      attacker_ips: { buckets: [{ key: '1.2.3.4', doc_count: 2, org: { buckets: [{ key: 'Example AS', doc_count: 2 }] }, country: { buckets: [] } }] },
    },
  });
  assert.equal(p.total, 5);
  assert.deepEqual(p.severity, { Critical: 0, High: 3, Medium: 0, Low: 2 });
  assert.deepEqual(p.countries, [{ key: 'CN', count: 3 }]);
  assert.deepEqual(p.overTime, [{ key: 0, Critical: 0, High: 3, Medium: 0, Low: 2 }]);
  assert.deepEqual(p.attackerIps, [{ ip: '1.2.3.4', count: 2, org: 'Example AS', country: '' }]);
  assert.deepEqual(p.types, []);
});

test('countries join the map by ISO numeric code; unknown codes are listed', () => {
  assert.equal(numericOf('US'), '840');
  assert.equal(numericOf('cn'), '156');
  assert.equal(numericOf('XX'), null);
  assert.equal(numericOf(undefined), null);
  const { byNumeric, unknown } = choropleth([{ key: 'US', count: 5 }, { key: 'us', count: 1 }, { key: 'XX', count: 2 }, { key: 'DE', count: 1 }]);
  assert.deepEqual([...byNumeric.entries()], [['840', { code: 'US', count: 6 }], ['276', { code: 'DE', count: 1 }]]);
  assert.deepEqual(unknown, ['XX']);
});

test('rings across the antimeridian continue past 180 instead of striping the map', () => {
  assert.deepEqual(unwrapRing([[170, 60], [-170, 60], [-170, 65], [170, 65]]), [[170, 60], [190, 60], [190, 65], [170, 65]]);
  const ordinary = [[10, 0], [20, 0], [20, 10], [10, 0]];
  assert.equal(unwrapRing(ordinary), ordinary);
  const g = unwrapGeometry({ type: 'MultiPolygon', coordinates: [[[[179, 1], [-179, 1], [-179, 2]]]] });
  assert.deepEqual(g.coordinates[0][0], [[179, 1], [181, 1], [181, 2]]);
  assert.deepEqual(unwrapGeometry({ type: 'Point', coordinates: [1, 2] }), { type: 'Point', coordinates: [1, 2] });
});

test('the page asks the panels in groups, in parallel: together they are the one request', () => {
  const opts = { from: 0, to: 86_400_000, interval: pickInterval(0, 86_400_000) };
  const whole = overviewRequest(state, opts);
  const groups = overviewRequests(state, opts);
  assert.ok(groups.length > 1);
  assert.deepEqual(Object.assign({}, ...groups.map((g) => g.aggs)), whole.aggs);
  assert.deepEqual(Object.keys(Object.assign({}, ...groups.map((g) => g.aggs))).sort(), Object.keys(whole.aggs).sort());
  assert.equal(groups.filter((g) => g.track_total_hits).length, 1);
  assert.deepEqual(Object.keys(groups[0].aggs), ['attacker_ips'], 'the heaviest first');
  for (const g of groups) assert.deepEqual(g.query, whole.query);
  const merged = mergeAnswers(groups.map((g) => (g.track_total_hits
    ? { hits: { total: { value: 3 } }, aggregations: { severity: { buckets: [{ key: 'High', doc_count: 3 }] } } }
    : { hits: { total: { value: 10000, relation: 'gte' } }, aggregations: {} })));
  assert.equal(panels(merged).total, 3);
  assert.equal(panels(merged).severity.High, 3);
});
