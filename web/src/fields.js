// Reading fields of a finding's _source by their flattened names ("resource.resourceType",
// "service.action.portProbeAction.portProbeDetails.0.localPortDetails.port"), and listing every
// field of a document for the expanded row. Pure.

// The value at `path`: dotted keys, array indexes as numbers; undefined when absent. A path may
// also name a key that itself holds dots.
export function getField(doc, path) {
  if (doc === null || typeof doc !== 'object') return undefined;
  if (Object.hasOwn(doc, path)) return doc[path];
  // Try each split point left to right: "a.b.c" is a → "b.c", then "a.b" → "c".
  for (let i = path.indexOf('.'); i > 0; i = path.indexOf('.', i + 1)) {
    const head = path.slice(0, i);
    if (Object.hasOwn(doc, head)) {
      const v = getField(doc[head], path.slice(i + 1));
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

// Every leaf of `doc` as [flattened name, value], in document order; empty objects and arrays
// are leaves of their own.
export function flattenDoc(doc, prefix = '', out = []) {
  const isObj = doc !== null && typeof doc === 'object';
  if (!isObj || Object.keys(doc).length === 0) {
    if (prefix !== '') out.push([prefix, doc]);
    return out;
  }
  for (const [k, v] of Object.entries(doc)) flattenDoc(v, prefix === '' ? k : `${prefix}.${k}`, out);
  return out;
}

// A value as a filter pill takes it: strings and numbers and booleans only.
export function filterable(value) {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

// A hit's value for a column: from `_source`, else from the `fields` the search asked the index
// for (the derived fields, which are indexed but not in the stored original). One value alone
// is itself; several stay a list.
export function hitValue(hit, path) {
  const v = getField(hit._source, path);
  if (v !== undefined) return v;
  const f = hit.fields?.[path];
  if (!Array.isArray(f)) return undefined;
  return f.length === 1 ? f[0] : f;
}

// Every field of a hit for the expanded row: the source's leaves in document order, then the
// index's `fields` that the source does not hold (the derived ones), by name.
export function hitFields(hit) {
  const out = flattenDoc(hit._source ?? {});
  const have = new Set(out.map(([k]) => k));
  const extra = Object.keys(hit.fields ?? {}).filter((k) => !have.has(k)).sort();
  for (const k of extra) out.push([k, hitValue({ fields: hit.fields }, k)]);
  return out;
}
