// The Alerts page's forms as pure functions: the JSON of a rule or a channel (the shapes of
// /api/alerts, docs/alerting.md) from what the form holds, and the form's values back from a
// definition the server returned, so that editing and saving again changes nothing else.

export const RULE_KINDS = ['finding', 'threshold', 'first_seen'];
export const CHANNEL_TYPES = ['webhook', 'slack', 'teams', 'email', 'sns'];
export const QUERY_LANGUAGES = ['kql', 'lucene', 'dsl'];

// Durations the server writes as milliseconds, shown back in the largest exact unit.
export function formatDuration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) return '';
  for (const [unit, size] of [['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000]]) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const trimmed = (v) => (typeof v === 'string' ? v.trim() : '');
const list = (v) => trimmed(v).split(/[\s,]+/).filter(Boolean);

// {name, kind, language, query, channels: [], enabled, include_samples, throttle, group_by,
//  count_increase, realert_on_severity_rise, window, threshold, cardinality_field, field,
//  lookback, time_field} -> the rule's JSON. A DSL query that is not JSON is an Error naming it.
export function ruleFromForm(f) {
  const rule = { name: trimmed(f.name), kind: f.kind || 'finding' };
  if (f.language === 'dsl') {
    let dsl;
    try { dsl = JSON.parse(f.query); } catch (e) { throw new Error(`The query DSL is not JSON: ${e.message}`); }
    rule.query = { dsl };
  } else {
    rule.query = { [f.language === 'lucene' ? 'lucene' : 'kql']: trimmed(f.query) || '*' };
  }
  rule.channels = [...(f.channels ?? [])];
  rule.enabled = f.enabled !== false;
  rule.include_samples = Boolean(f.include_samples);
  if (trimmed(f.throttle)) rule.throttle = trimmed(f.throttle);
  if (trimmed(f.group_by)) rule.group_by = trimmed(f.group_by);
  if (rule.kind === 'finding') {
    rule.realert_on_severity_rise = f.realert_on_severity_rise !== false;
    if (trimmed(String(f.count_increase ?? ''))) rule.count_increase = Number(f.count_increase);
  } else if (rule.kind === 'threshold') {
    rule.window = trimmed(f.window);
    rule.threshold = Number(f.threshold);
    if (trimmed(f.cardinality_field)) rule.cardinality_field = trimmed(f.cardinality_field);
    if (trimmed(f.time_field)) rule.time_field = trimmed(f.time_field);
  } else {
    rule.field = trimmed(f.field);
    rule.lookback = trimmed(f.lookback);
    if (trimmed(f.time_field)) rule.time_field = trimmed(f.time_field);
  }
  return rule;
}

export function formFromRule(r) {
  const language = Object.keys(r.query ?? { kql: '' })[0] ?? 'kql';
  const q = r.query?.[language];
  return {
    name: r.name ?? '',
    kind: r.kind ?? 'finding',
    language,
    query: language === 'dsl' ? JSON.stringify(q, null, 2) : (q ?? ''),
    channels: [...(r.channels ?? [])],
    enabled: r.enabled !== false,
    include_samples: Boolean(r.include_samples),
    throttle: formatDuration(r.throttle),
    group_by: r.group_by ?? '',
    realert_on_severity_rise: r.realert_on_severity_rise !== false,
    count_increase: r.count_increase ? String(r.count_increase) : '',
    window: formatDuration(r.window),
    threshold: r.threshold !== undefined ? String(r.threshold) : '',
    cardinality_field: r.cardinality_field ?? '',
    field: r.field ?? '',
    lookback: formatDuration(r.lookback),
    time_field: r.time_field && r.time_field !== 'updatedAt' ? r.time_field : '',
  };
}

// {name, type, url, secret, headers (lines "Name: value"), smtp_url, from, to, username,
//  password, starttls, topic_arn, endpoint, access_key_id, secret_access_key, session_token,
//  title_template, body_template, ca_file} -> the channel's JSON. A header line without a colon is an Error naming it.
export function channelFromForm(f) {
  const c = { name: trimmed(f.name), type: f.type || 'webhook' };
  if (['webhook', 'slack', 'teams'].includes(c.type)) c.url = trimmed(f.url);
  if (c.type === 'webhook') {
    if (trimmed(f.secret)) c.secret = trimmed(f.secret);
    const headers = {};
    for (const line of trimmed(f.headers).split('\n').map((l) => l.trim()).filter(Boolean)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`A header is "Name: value", got "${line}"`);
      headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
    }
    if (Object.keys(headers).length) c.headers = headers;
  } else if (c.type === 'email') {
    c.smtp_url = trimmed(f.smtp_url);
    c.from = trimmed(f.from);
    c.to = list(f.to);
    if (trimmed(f.username)) c.username = trimmed(f.username);
    if (trimmed(f.password)) c.password = f.password;
    c.starttls = f.starttls !== false;
  } else if (c.type === 'sns') {
    c.topic_arn = trimmed(f.topic_arn);
    if (trimmed(f.endpoint)) c.endpoint = trimmed(f.endpoint);
    if (trimmed(f.access_key_id)) c.access_key_id = trimmed(f.access_key_id);
    if (trimmed(f.secret_access_key)) c.secret_access_key = f.secret_access_key;
    if (trimmed(f.session_token)) c.session_token = f.session_token;
  }
  if (trimmed(f.title_template)) c.title_template = f.title_template;
  if (trimmed(f.body_template)) c.body_template = f.body_template;
  if (trimmed(f.ca_file)) c.ca_file = trimmed(f.ca_file);
  return c;
}

export function formFromChannel(c) {
  return {
    name: c.name ?? '',
    type: c.type ?? 'webhook',
    url: c.url ?? '',
    secret: c.secret ?? '',
    headers: Object.entries(c.headers ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n'),
    smtp_url: c.smtp_url ?? '',
    from: c.from ?? '',
    to: (c.to ?? []).join(', '),
    username: c.username ?? '',
    password: c.password ?? '',
    starttls: c.starttls !== false,
    topic_arn: c.topic_arn ?? '',
    endpoint: c.endpoint ?? '',
    access_key_id: c.access_key_id ?? '',
    secret_access_key: c.secret_access_key ?? '',
    session_token: c.session_token ?? '',
    title_template: c.title_template ?? '',
    body_template: c.body_template ?? '',
    ca_file: c.ca_file ?? '',
  };
}

// Where a channel delivers, in a few words, for the list.
export function channelTarget(c) {
  if (c.type === 'email') return `${(c.to ?? []).join(', ')} via ${c.smtp_url}`;
  if (c.type === 'sns') return c.topic_arn;
  return c.url ?? '';
}

// A rule's query as one line, for the list.
export function queryText(r) {
  const [language, q] = Object.entries(r.query ?? {})[0] ?? ['kql', ''];
  return `${language}: ${language === 'dsl' ? JSON.stringify(q) : q}`;
}

// The Discover address of an alert's findings.
export function findingsHref(alert) {
  const ids = (alert.finding_ids ?? []).slice(0, 50).map((id) => `"${id}"`).join(' or ');
  return `#/discover?${new URLSearchParams({ q: `id:(${ids})`, range: 'all' })}`;
}
