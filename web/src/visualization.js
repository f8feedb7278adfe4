// Visualizations: what a saved one holds, the fields of the mapping it may use, its question to
// the server and how the answer becomes rows or a value. Pure (docs/dashboard.md, "Visualize").
//
// A visualization's attributes (stored by the server under /api/objects/visualization):
//   { title, kind: metric|table|pie|bar|line|map,
//     metric: {type: count|cardinality|sum|avg|min|max, field},
//     buckets: {type: none|terms|date_histogram, field, size},
//     query: {text, syntax: kql|lucene}, filters: [{field, value, negate}] }
import { barQuery, buildQuery, TIME_FIELD } from './request.js';

export const KINDS = [
  { id: 'metric', label: 'Metric' },
  { id: 'table', label: 'Table' },
  { id: 'pie', label: 'Pie / donut' },
  { id: 'bar', label: 'Bar' },
  { id: 'line', label: 'Line' },
  { id: 'map', label: 'Region map' },
];

// `field`: which fields a metric takes (none, any aggregatable one, numbers only).
export const METRICS = [
  { id: 'count', label: 'Count', field: null },
  { id: 'cardinality', label: 'Unique count', field: 'terms' },
  { id: 'sum', label: 'Sum', field: 'number' },
  { id: 'avg', label: 'Average', field: 'number' },
  { id: 'min', label: 'Minimum', field: 'number' },
  { id: 'max', label: 'Maximum', field: 'number' },
];

export const BUCKETS = [
  { id: 'none', label: 'None (one value)' },
  { id: 'terms', label: 'Top values of a field (terms)' },
  { id: 'date_histogram', label: 'Over time (date histogram)' },
];

// Which buckets each kind may have.
export const KIND_BUCKETS = {
  metric: ['none'],
  table: ['terms', 'date_histogram'],
  pie: ['terms'],
  bar: ['terms', 'date_histogram'],
  line: ['date_histogram', 'terms'],
  map: ['terms'],
};

export const MAX_TERMS = 100;

const TERMS_TYPES = new Set(['keyword', 'ip', 'boolean', 'long', 'double', 'date']);
const NUMBER_TYPES = new Set(['long', 'double']);

// The fields of a GET /{index}/_mapping answer: [{name, type}], the enrichment (derived.*) and
// the top-level fields first, then the rest by name; a text field's `keyword` sub-field is
// listed as its own field. geo_point and text fields are left out (no bucket or metric takes
// them).
export function mappingFields(res, index) {
  const props = res?.[index]?.mappings?.properties ?? {};
  const out = [];
  const walk = (p, prefix) => {
    for (const [k, v] of Object.entries(p)) {
      const name = prefix + k;
      if (v.properties) walk(v.properties, `${name}.`);
      if (v.type && v.type !== 'text' && v.type !== 'geo_point' && v.type !== 'object') out.push({ name, type: v.type });
      for (const [sub, sv] of Object.entries(v.fields ?? {})) {
        if (sv.type && TERMS_TYPES.has(sv.type)) out.push({ name: `${name}.${sub}`, type: sv.type });
      }
    }
  };
  walk(props, '');
  const rank = (f) => (f.name.startsWith('derived.') ? 0 : f.name.includes('.') ? 2 : 1);
  return out.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}

// The fields that suit a role: 'terms' (buckets, unique count), 'number' (sum, avg, min, max),
// 'date' (date histogram).
export function fieldsFor(fields, role) {
  if (role === 'number') return fields.filter((f) => NUMBER_TYPES.has(f.type));
  if (role === 'date') return fields.filter((f) => f.type === 'date');
  return fields.filter((f) => TERMS_TYPES.has(f.type));
}

// A new visualization of a kind, with sensible defaults for GuardDuty findings.
export function defaultVis(kind = 'pie') {
  const buckets = {
    metric: { type: 'none' },
    table: { type: 'terms', field: 'accountId', size: 10 },
    pie: { type: 'terms', field: 'type', size: 10 },
    bar: { type: 'terms', field: 'derived.severityLabel', size: 4 },
    line: { type: 'date_histogram', field: TIME_FIELD },
    map: { type: 'terms', field: 'derived.attacker.countryCode', size: MAX_TERMS },
  }[kind];
  return {
    title: '',
    kind,
    metric: { type: 'count' },
    buckets: { ...buckets },
    query: { text: '', syntax: 'kql' },
    filters: [],
  };
}

// The attributes read back from the server, with anything missing filled from the defaults (an
// object saved by hand through the API may hold less).
export function normalizeVis(a) {
  const kind = KINDS.some((k) => k.id === a?.kind) ? a.kind : 'pie';
  const d = defaultVis(kind);
  return {
    ...a,
    title: typeof a?.title === 'string' ? a.title : '',
    kind,
    metric: { ...d.metric, ...(a?.metric ?? {}) },
    buckets: { ...d.buckets, ...(a?.buckets ?? {}) },
    query: { ...d.query, ...(a?.query ?? {}) },
    filters: Array.isArray(a?.filters) ? a.filters : [],
  };
}

// What is wrong with a visualization, in words for the editor; empty when it can be drawn.
// `fields` ([{name, type}]) checks the field names and types when given.
export function checkVis(vis, fields = null) {
  const problems = [];
  const byName = fields ? new Map(fields.map((f) => [f.name, f.type])) : null;
  const metric = METRICS.find((m) => m.id === vis.metric?.type);
  if (!metric) problems.push(`Unknown metric [${vis.metric?.type}].`);
  if (metric?.field) {
    const f = vis.metric.field;
    if (!f) problems.push(`Choose the field of the ${metric.label.toLowerCase()}.`);
    else if (byName && !byName.has(f)) problems.push(`There is no field [${f}].`);
    else if (byName && !fieldsFor([{ name: f, type: byName.get(f) }], metric.field).length) {
      problems.push(`The ${metric.label.toLowerCase()} needs a ${metric.field === 'number' ? 'numeric' : 'keyword, number, IP or date'} field; [${f}] is ${byName.get(f)}.`);
    }
  }
  const allowed = KIND_BUCKETS[vis.kind] ?? [];
  const b = vis.buckets ?? { type: 'none' };
  if (!allowed.includes(b.type)) {
    problems.push(`A ${KINDS.find((k) => k.id === vis.kind)?.label.toLowerCase() ?? vis.kind} takes ${allowed.map((t) => BUCKETS.find((x) => x.id === t).label.toLowerCase()).join(' or ')} as buckets.`);
  } else if (b.type !== 'none') {
    const role = b.type === 'terms' ? 'terms' : 'date';
    if (!b.field) problems.push('Choose the field of the buckets.');
    else if (byName && !byName.has(b.field)) problems.push(`There is no field [${b.field}].`);
    else if (byName && !fieldsFor([{ name: b.field, type: byName.get(b.field) }], role).length) {
      problems.push(`${b.type === 'terms' ? 'Top values need a keyword, number, IP or boolean field' : 'A date histogram needs a date field'}; [${b.field}] is ${byName.get(b.field)}.`);
    }
    if (b.type === 'terms' && !(Number.isInteger(b.size) && b.size >= 1 && b.size <= MAX_TERMS)) {
      problems.push(`The number of top values must be 1 to ${MAX_TERMS}.`);
    }
  }
  return problems;
}

function metricAgg(metric) {
  if (!metric || metric.type === 'count') return null;
  return { [metric.type]: { field: metric.field } };
}

// The query of a visualization on a page: the page's query bar, filters and time range, and the
// visualization's own query and filters, all of which must hold.
export function visQuery(vis, { query = '', syntax = 'kql', filters = [], from = null, to = null } = {}) {
  const q = buildQuery({ query, syntax, filters: [...filters, ...(vis.filters ?? [])], from, to });
  const own = barQuery(vis.query?.text, vis.query?.syntax ?? 'kql');
  if (!own) return q;
  if (q.match_all) return { bool: { must: [own] } };
  return { bool: { ...q.bool, must: [...(q.bool.must ?? []), own] } };
}

// The _search body of a visualization. `interval` is pickInterval's answer for the time range
// (date histograms only).
export function visRequest(vis, page = {}, interval = null) {
  const { from = null, to = null } = page;
  const m = metricAgg(vis.metric);
  const body = { query: visQuery(vis, page), size: 0, track_total_hits: true };
  const b = vis.buckets ?? { type: 'none' };
  if (b.type === 'none') {
    if (m) body.aggs = { m };
    return body;
  }
  let bucket;
  if (b.type === 'terms') {
    bucket = { terms: { field: b.field, size: b.size ?? 10, ...(m ? { order: { m: 'desc' } } : {}) } };
  } else {
    bucket = {
      date_histogram: {
        field: b.field ?? TIME_FIELD,
        ...(interval ?? { params: { calendar_interval: 'day' } }).params,
        min_doc_count: 0,
        ...(from !== null && to !== null ? { extended_bounds: { min: from, max: to } } : {}),
      },
    };
  }
  if (m) bucket.aggs = { m };
  body.aggs = { b: bucket };
  return body;
}

// The answer as what the panel draws: {value} (no buckets) or {rows: [{key, label, value}]}
// (keys as the server gives them: dates as epoch milliseconds); `total` is the number of
// matching findings, `other` the count beyond the top values.
export function visData(vis, res) {
  const metricOf = (b, count) => (vis.metric?.type && vis.metric.type !== 'count' ? b?.m?.value ?? null : count);
  const total = res?.hits?.total?.value ?? 0;
  const b = vis.buckets ?? { type: 'none' };
  if (b.type === 'none') return { total, value: metricOf(res?.aggregations, total) };
  const agg = res?.aggregations?.b ?? {};
  const rows = (agg.buckets ?? []).map((x) => ({
    key: x.key,
    label: x.key_as_string ?? String(x.key),
    value: metricOf(x, x.doc_count),
  }));
  return { total, rows, other: agg.sum_other_doc_count ?? 0 };
}

// The filter a click on a bucket adds, or null (a date bucket narrows the time range instead).
export function bucketFilter(vis, row) {
  if (vis.buckets?.type !== 'terms') return null;
  // A boolean bucket's key is 1 or 0; its filter is on true or false.
  const value = row.label === 'true' || row.label === 'false' ? row.label === 'true' : row.key;
  return { field: vis.buckets.field, value, negate: false };
}
