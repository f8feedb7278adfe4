// Discover's state in the page address (#/discover?q=...), so a view can be bookmarked, shared
// and restored by the back button. Pure.

import { DEFAULT_RANGE, QUICK_RANGES } from './timerange.js';

export const DEFAULT_STATE = Object.freeze({
  query: '',
  syntax: 'kql',
  range: DEFAULT_RANGE,
  filters: [],
  columns: null, // null: the default columns
  sort: null, // null: newest first
});

// `defaultFilters`: the page's own (the overview hides sample findings); filters equal to them
// stay out of the address, and any others, none included, are written.
export function encodeState(s, defaultFilters = []) {
  const p = new URLSearchParams();
  if (s.query) p.set('q', s.query);
  if (s.syntax && s.syntax !== 'kql') p.set('syntax', s.syntax);
  if (s.range.quick !== undefined) {
    if (s.range.quick !== DEFAULT_RANGE.quick) p.set('range', s.range.quick);
  } else {
    p.set('from', String(s.range.from));
    p.set('to', String(s.range.to));
  }
  if (JSON.stringify(s.filters) !== JSON.stringify(defaultFilters)) p.set('filters', JSON.stringify(s.filters));
  if (s.columns) p.set('columns', s.columns.join(','));
  if (s.sort) p.set('sort', `${s.sort.field}:${s.sort.order}`);
  return p.toString();
}

// Anything malformed falls back to the default of that part (an address may be typed by hand).
export function decodeState(search, defaultFilters = []) {
  const p = new URLSearchParams(search);
  const s = { ...DEFAULT_STATE, filters: defaultFilters.map((f) => ({ ...f })) };
  if (p.has('q')) s.query = p.get('q');
  if (p.get('syntax') === 'lucene') s.syntax = 'lucene';
  const quick = p.get('range');
  const from = Number(p.get('from'));
  const to = Number(p.get('to'));
  if (quick && QUICK_RANGES.some((r) => r.id === quick)) s.range = { quick };
  else if (p.has('from') && p.has('to') && Number.isFinite(from) && Number.isFinite(to) && from <= to) s.range = { from, to };
  if (p.has('filters')) s.filters = [];
  try {
    const f = JSON.parse(p.get('filters') ?? 'null');
    if (Array.isArray(f)) {
      s.filters = f.filter((x) => x && typeof x.field === 'string' && ['string', 'number', 'boolean'].includes(typeof x.value))
        .map((x) => ({ field: x.field, value: x.value, negate: Boolean(x.negate) }));
    }
  } catch { /* the default */ }
  if (p.get('columns')) s.columns = p.get('columns').split(',').filter(Boolean);
  const sort = p.get('sort')?.match(/^(.+):(asc|desc)$/);
  if (sort) s.sort = { field: sort[1], order: sort[2] };
  return s;
}
