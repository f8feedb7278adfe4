// The "GuardDuty overview" dashboard's questions to the server, one _search each, and how their
// answers become panel data. Pure: the page that draws them comes next (docs/dashboard.md).
import { buildQuery, TIME_FIELD } from './request.js';

// Sample findings (GuardDuty's "generate sample findings") are hidden by default: a filter the
// user can remove like any other.
export const HIDE_SAMPLES = Object.freeze({ field: 'derived.sample', value: true, negate: true });

export const SEVERITY_ORDER = ['Critical', 'High', 'Medium', 'Low'];

// Every panel's aggregation over what the query bar, the filters and the time range select.
// `interval` is pickInterval's answer for the range.
export function overviewRequest(state, { from = null, to = null, interval }) {
  const histogram = {
    field: TIME_FIELD, ...interval.params, min_doc_count: 0,
    ...(from !== null && to !== null ? { extended_bounds: { min: from, max: to } } : {}),
  };
  return {
    query: buildQuery({ ...state, from, to }),
    size: 0,
    track_total_hits: true,
    aggs: {
      severity: { terms: { field: 'derived.severityLabel', size: 4 } },
      // Attacks by the attacker's country: inbound activity only, every prober counted.
      countries: {
        filter: { term: { 'derived.direction': 'inbound' } },
        aggs: { codes: { terms: { field: 'derived.attacker.countryCode', size: 300 } } },
      },
      types: { terms: { field: 'type', size: 10 } },
      over_time: { date_histogram: histogram, aggs: { severity: { terms: { field: 'derived.severityLabel', size: 4 } } } },
      accounts: { terms: { field: 'accountId', size: 10 } },
      attacker_ips: {
        terms: { field: 'derived.attacker.ip', size: 10 },
        aggs: {
          org: { terms: { field: 'derived.attacker.asnOrg', size: 1 } },
          country: { terms: { field: 'derived.attacker.countryName', size: 1 } },
        },
      },
      resources: { terms: { field: 'resource.resourceType', size: 10 } },
    },
  };
}

// The page asks overviewRequest's aggregations in groups, one _search each, all at once: the
// server answers them on its threads in parallel (Kibana sends a request per panel). The
// attacker IPs (a bucket per IP), the heaviest over millions of findings, go first and on their
// own, so that a thread starts on them at once while another answers the rest; the group with
// the panels' total carries the exact count.
export const PANEL_GROUPS = [['attacker_ips'], ['severity', 'countries', 'types', 'accounts', 'resources'], ['over_time']];
const TOTAL_GROUP = 1;

export function overviewRequests(state, opts) {
  const whole = overviewRequest(state, opts);
  return PANEL_GROUPS.map((names, i) => ({
    ...whole,
    track_total_hits: i === TOTAL_GROUP,
    aggs: Object.fromEntries(names.map((n) => [n, whole.aggs[n]])),
  }));
}

// The answers of overviewRequests (in its order) as one answer of overviewRequest.
export function mergeAnswers(answers) {
  return { hits: answers[TOTAL_GROUP]?.hits, aggregations: Object.assign({}, ...answers.map((a) => a?.aggregations ?? {})) };
}

// The newest High and Critical findings.
export function latestRequest(state, { from = null, to = null, size = 10 }) {
  const q = buildQuery({ ...state, from, to, filters: [...(state.filters ?? []), { field: 'severity', value: 7, range: true }] });
  return { query: q, size, sort: [{ [TIME_FIELD]: { order: 'desc' } }], fields: ['derived.*'] };
}

const buckets = (agg) => (agg?.buckets ?? []).map((b) => ({ key: b.key, count: b.doc_count }));

// The answer of overviewRequest as panel data.
export function panels(res) {
  const a = res.aggregations ?? {};
  const bySeverity = Object.fromEntries(SEVERITY_ORDER.map((s) => [s, 0]));
  for (const b of buckets(a.severity)) bySeverity[b.key] = b.count;
  return {
    total: res.hits?.total?.value ?? 0,
    severity: bySeverity,
    countries: buckets(a.countries?.codes),
    types: buckets(a.types),
    overTime: (a.over_time?.buckets ?? []).map((b) => ({
      key: b.key,
      ...Object.fromEntries(SEVERITY_ORDER.map((s) => [s, (b.severity?.buckets ?? []).find((x) => x.key === s)?.doc_count ?? 0])),
    })),
    accounts: buckets(a.accounts),
    attackerIps: (a.attacker_ips?.buckets ?? []).map((b) => ({
      ip: b.key, count: b.doc_count, org: b.org?.buckets?.[0]?.key ?? '', country: b.country?.buckets?.[0]?.key ?? '',
    })),
    resources: buckets(a.resources),
  };
}
