// The server's saved objects (/api/objects, docs/http-api.md): visualizations and dashboards.
import { request } from './api.js';

const path = (type, id) => `/api/objects/${encodeURIComponent(type)}${id ? `/${encodeURIComponent(id)}` : ''}`;

export const listObjects = (type, opts) => request('GET', path(type), undefined, opts).then((r) => r.objects);
export const getObject = (type, id, opts) => request('GET', path(type, id), undefined, opts);
export const deleteObject = (type, id, version) =>
  request('DELETE', `${path(type, id)}${version ? `?version=${version}` : ''}`);

// Creates (no id) or replaces an object; `version` is the one being replaced (0: a new id must
// not exist), so that a save over somebody else's newer save is refused (409).
export function saveObject(type, id, attributes, version) {
  const body = { attributes, ...(version !== undefined && version !== null ? { version } : {}) };
  return id ? request('PUT', path(type, id), body) : request('POST', path(type), body);
}
