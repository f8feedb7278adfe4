// Search requests of the dashboard, as Elasticsearch query DSL: the query bar (KQL or Lucene),
// the filter pills and the time range, combined in one bool query. Pure.

export const TIME_FIELD = 'service.eventLastSeen';

// The query bar's text as a query: KQL (Vigil's `kql` query) or Lucene (`query_string`).
export function barQuery(text, syntax) {
  const t = (text ?? '').trim();
  if (t === '') return null;
  if (syntax === 'lucene') return { query_string: { query: t, default_operator: 'AND' } };
  if (syntax === 'kql') return { kql: { query: t } };
  throw new Error(`unknown query syntax [${syntax}]`);
}

// A pill: {field, value, negate}. Its query is a term on the field (a phrase-free exact match),
// or, with `range: true`, the field at least the value.
export function filterQuery(f) {
  if (f.range) return { range: { [f.field]: { gte: f.value } } };
  return { term: { [f.field]: f.value } };
}

export function rangeQuery(from, to) {
  if (from === null && to === null) return null;
  const r = { format: 'epoch_millis' };
  if (from !== null) r.gte = from;
  if (to !== null) r.lte = to;
  return { range: { [TIME_FIELD]: r } };
}

// Everything that narrows the data: {query, syntax, filters, from, to} → one query.
export function buildQuery({ query, syntax, filters = [], from = null, to = null }) {
  const must = [];
  const filter = [];
  const mustNot = [];
  const q = barQuery(query, syntax);
  if (q) must.push(q);
  const r = rangeQuery(from, to);
  if (r) filter.push(r);
  for (const f of filters) {
    if (f.disabled) continue;
    (f.negate ? mustNot : filter).push(filterQuery(f));
  }
  if (must.length + filter.length + mustNot.length === 0) return { match_all: {} };
  const bool = {};
  if (must.length) bool.must = must;
  if (filter.length) bool.filter = filter;
  if (mustNot.length) bool.must_not = mustNot;
  return { bool };
}

// Discover's search: one page of hits sorted by `sort` ({field, order}), the exact total, and the
// histogram of hits over time when an interval is given.
export function discoverRequest(state, { page = 0, pageSize = 50, interval = null, from = null, to = null } = {}) {
  const body = {
    query: buildQuery({ ...state, from, to }),
    size: pageSize,
    from: page * pageSize,
    track_total_hits: true,
    fields: ['derived.*'], // enrichment: indexed, not in the stored original
    sort: [{ [state.sort?.field ?? TIME_FIELD]: { order: state.sort?.order ?? 'desc' } }],
  };
  if (interval) {
    body.aggs = {
      over_time: {
        date_histogram: {
          field: TIME_FIELD,
          ...interval.params,
          min_doc_count: 0,
          ...(from !== null && to !== null ? { extended_bounds: { min: from, max: to } } : {}),
        },
      },
    };
  }
  return body;
}

// The oldest and newest time in the data that matches, for "all time".
export function boundsRequest(state) {
  return {
    query: buildQuery(state),
    size: 0,
    aggs: { first: { min: { field: TIME_FIELD } }, last: { max: { field: TIME_FIELD } } },
  };
}
