// Talking to the server: JSON requests with the API key the user gave (kept in this browser's
// local storage), and errors that say what went wrong (the server's reason, or that it is
// unreachable).

const KEY_STORAGE = 'vigil.apiKey';

export class ApiError extends Error {
  constructor(message, { status = 0, type = '', unauthorized = false } = {}) {
    super(message);
    this.status = status;
    this.type = type;
    this.unauthorized = unauthorized;
  }
}

export function apiKey() {
  try { return localStorage.getItem(KEY_STORAGE) ?? ''; } catch { return ''; }
}

export function setApiKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch { /* storage refused: the key lasts this page */ }
}

// The reason of an Elasticsearch-shaped error body, with its root cause when that says more.
export function errorReason(body) {
  const e = body?.error;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object') {
    const root = Array.isArray(e.root_cause) && e.root_cause[0]?.reason;
    return e.reason ?? root ?? JSON.stringify(e);
  }
  return '';
}

// The Authorization header of the key the user gave, if any.
export function authHeaders() {
  const key = apiKey();
  return key ? { authorization: `ApiKey ${key}` } : {};
}

export async function request(method, path, body, { signal } = {}) {
  const headers = { accept: 'application/json', ...authHeaders() };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError('The server cannot be reached. Is vigil serve running?', { status: 0 });
  }
  const text = await res.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  if (!res.ok) {
    const reason = errorReason(parsed) || text || res.statusText;
    throw new ApiError(reason, {
      status: res.status,
      type: parsed?.error?.type ?? '',
      unauthorized: res.status === 401 || res.status === 403,
    });
  }
  return parsed;
}

export const search = (index, body, opts) => request('POST', `/${encodeURIComponent(index)}/_search`, body, opts);
export const mapping = (index, opts) => request('GET', `/${encodeURIComponent(index)}/_mapping`, undefined, opts);

// What a page shows for a failed request: the server's reason; a refused key also asks for
// another (main.js's prompt).
export function reportError(e) {
  if (e instanceof ApiError && e.unauthorized) {
    document.dispatchEvent(new CustomEvent('vigil:unauthorized', { detail: e.message }));
  }
  return e.message;
}
