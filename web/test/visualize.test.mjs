// Visualize's and the dashboards' pure modules: fields from the mapping, the checks of a
// visualization, its request and its data, and the grid's layout rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mappingFields, fieldsFor, defaultVis, normalizeVis, checkVis, visQuery, visRequest, visData, bucketFilter,
} from '../src/visualization.js';
import { addPanel, movePanel, resizePanel, removePanel, readingOrder, settle } from '../src/grid.js';
import { TIME_FIELD } from '../src/request.js';

const MAPPING = {
  findings: {
    mappings: {
      properties: {
        type: { type: 'keyword' },
        severity: { type: 'double' },
        title: { type: 'text', fields: { keyword: { type: 'keyword' } } },
        derived: { properties: { severityLabel: { type: 'keyword' }, attacker: { properties: { location: { type: 'geo_point' }, ip: { type: 'ip' } } } } },
        service: { properties: { eventLastSeen: { type: 'date' }, count: { type: 'long' } } },
      },
    },
  },
};

test('fields from the mapping: enrichment first, text via its keyword, no geo points', () => {
  const fields = mappingFields(MAPPING, 'findings');
  assert.deepEqual(fields.map((f) => f.name), [
    'derived.attacker.ip', 'derived.severityLabel', 'severity', 'type', 'service.count', 'service.eventLastSeen', 'title.keyword',
  ]);
  assert.deepEqual(fieldsFor(fields, 'number').map((f) => f.name), ['severity', 'service.count']);
  assert.deepEqual(fieldsFor(fields, 'date').map((f) => f.name), ['service.eventLastSeen']);
  assert.equal(fieldsFor(fields, 'terms').length, 7);
  assert.deepEqual(mappingFields({}, 'findings'), []);
});

test('checks say what is wrong in words', () => {
  const fields = mappingFields(MAPPING, 'findings');
  assert.deepEqual(checkVis(defaultVis('pie'), fields), []);
  assert.deepEqual(checkVis({ ...defaultVis('pie'), buckets: { type: 'date_histogram', field: TIME_FIELD } }, fields),
    ['A pie / donut takes top values of a field (terms) as buckets.']);
  assert.deepEqual(checkVis({ ...defaultVis('metric'), metric: { type: 'avg', field: 'type' } }, fields),
    ['The average needs a numeric field; [type] is keyword.']);
  assert.deepEqual(checkVis({ ...defaultVis('metric'), metric: { type: 'sum' } }, fields), ['Choose the field of the sum.']);
  assert.deepEqual(checkVis({ ...defaultVis('bar'), buckets: { type: 'terms', field: 'nope', size: 5 } }, fields), ['There is no field [nope].']);
  assert.deepEqual(checkVis({ ...defaultVis('line'), buckets: { type: 'date_histogram', field: 'type' } }, fields),
    ['A date histogram needs a date field; [type] is keyword.']);
  assert.deepEqual(checkVis({ ...defaultVis('table'), buckets: { type: 'terms', field: 'type', size: 0 } }, fields),
    ['The number of top values must be 1 to 100.']);
  // Without the mapping only the shape is checked.
  assert.deepEqual(checkVis({ ...defaultVis('bar'), buckets: { type: 'terms', field: 'nope', size: 5 } }), []);
});

test('a saved object with parts missing is filled from the defaults', () => {
  const v = normalizeVis({ title: 'x', kind: 'map' });
  assert.equal(v.buckets.field, 'derived.attacker.countryCode');
  assert.deepEqual(v.metric, { type: 'count' });
  assert.deepEqual(v.filters, []);
  assert.equal(normalizeVis({ kind: 'radar' }).kind, 'pie');
});

test('the request: page and visualization queries both hold; terms ordered by the metric', () => {
  const vis = { ...defaultVis('bar'), query: { text: 'severity >= 7', syntax: 'kql' }, filters: [{ field: 'accountId', value: '1', negate: true }] };
  const q = visQuery(vis, { query: 'type:*Port*', syntax: 'lucene', filters: [], from: 1, to: 2 });
  assert.deepEqual(q.bool.must, [{ query_string: { query: 'type:*Port*', default_operator: 'AND' } }, { kql: { query: 'severity >= 7' } }]);
  assert.deepEqual(q.bool.must_not, [{ term: { accountId: '1' } }]);
  assert.deepEqual(q.bool.filter, [{ range: { [TIME_FIELD]: { format: 'epoch_millis', gte: 1, lte: 2 } } }]);
  assert.deepEqual(visQuery({ ...defaultVis('pie'), query: { text: 'a', syntax: 'kql' } }, {}), { bool: { must: [{ kql: { query: 'a' } }] } });

  const sum = { ...defaultVis('table'), metric: { type: 'sum', field: 'service.count' } };
  const body = visRequest(sum, {});
  assert.deepEqual(body.aggs.b, { terms: { field: 'accountId', size: 10, order: { m: 'desc' } }, aggs: { m: { sum: { field: 'service.count' } } } });
  const line = visRequest(defaultVis('line'), { from: 0, to: 10 }, { ms: 60000, params: { fixed_interval: '1m' } });
  assert.deepEqual(line.aggs.b.date_histogram, { field: TIME_FIELD, fixed_interval: '1m', min_doc_count: 0, extended_bounds: { min: 0, max: 10 } });
  assert.equal(visRequest(defaultVis('metric'), {}).aggs, undefined);
  assert.deepEqual(visRequest({ ...defaultVis('metric'), metric: { type: 'cardinality', field: 'type' } }, {}).aggs, { m: { cardinality: { field: 'type' } } });
});

test('the data: a value, or rows with the metric; a click filters on the bucket', () => {
  assert.deepEqual(visData(defaultVis('metric'), { hits: { total: { value: 42 } } }), { total: 42, value: 42 });
  assert.deepEqual(visData({ ...defaultVis('metric'), metric: { type: 'avg', field: 'severity' } },
    { hits: { total: { value: 2 } }, aggregations: { m: { value: 5.5 } } }), { total: 2, value: 5.5 });
  const res = { hits: { total: { value: 9 } }, aggregations: { b: { sum_other_doc_count: 2, buckets: [{ key: 'a', doc_count: 4 }, { key: 'b', doc_count: 3 }] } } };
  assert.deepEqual(visData(defaultVis('pie'), res), { total: 9, other: 2, rows: [{ key: 'a', label: 'a', value: 4 }, { key: 'b', label: 'b', value: 3 }] });
  assert.deepEqual(bucketFilter(defaultVis('pie'), { key: 'a', label: 'a' }), { field: 'type', value: 'a', negate: false });
  assert.deepEqual(bucketFilter({ ...defaultVis('pie'), buckets: { type: 'terms', field: 'derived.sample' } }, { key: 1, label: 'true' }).value, true);
  assert.equal(bucketFilter(defaultVis('line'), { key: 0, label: 'x' }), null);
});

test('the grid: new panels fill the first free place; moves and resizes push others down, never overlap', () => {
  let panels = addPanel([], 'a');
  panels = addPanel(panels, 'b');
  panels = addPanel(panels, 'c');
  assert.deepEqual(panels.map((p) => [p.x, p.y, p.w, p.h]), [[0, 0, 6, 4], [6, 0, 6, 4], [0, 4, 6, 4]]);
  // Widening a onto b pushes b below it.
  const wide = resizePanel(panels, 0, 6, 0);
  assert.deepEqual(wide[0], { visualization: 'a', x: 0, y: 0, w: 12, h: 4 });
  assert.equal(wide[1].y, 4);
  assert.equal(wide[2].y, 4, 'c, beside b, stays');
  // Moves stay on the grid.
  assert.deepEqual(movePanel(panels, 1, 5, 0)[1].x, 6);
  assert.deepEqual(movePanel(panels, 0, -3, -3)[0], { visualization: 'a', x: 0, y: 0, w: 6, h: 4 });
  assert.equal(resizePanel(panels, 1, 10, 0)[1].w, 6);
  assert.equal(resizePanel(panels, 1, -10, -10)[1].h, 1);
  // Moving c up onto a pushes a (and what a then covers) down.
  const up = movePanel(panels, 2, 0, -4);
  assert.equal(up[2].y, 0);
  assert.equal(up[0].y, 4);
  for (let i = 0; i < up.length; i += 1) {
    for (let j = i + 1; j < up.length; j += 1) {
      const [a, b] = [up[i], up[j]];
      assert.ok(!(a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h), `${i} and ${j} overlap`);
    }
  }
  assert.deepEqual(readingOrder(up), [2, 1, 0]);
  assert.deepEqual(removePanel(panels, 1).map((p) => p.visualization), ['a', 'c']);
  assert.deepEqual(settle([{ x: 0, y: 0, w: 12, h: 2 }, { x: 0, y: 1, w: 3, h: 1 }], 0)[1].y, 2);
});
