// Time ranges of the time picker: quick ranges relative to now ("last 24 hours") and absolute
// ones, resolved to epoch milliseconds, and the histogram interval that suits a range. Pure.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const QUICK_RANGES = [
  { id: '15m', label: 'Last 15 minutes', ms: 15 * MINUTE },
  { id: '1h', label: 'Last hour', ms: HOUR },
  { id: '24h', label: 'Last 24 hours', ms: DAY },
  { id: '7d', label: 'Last 7 days', ms: 7 * DAY },
  { id: '30d', label: 'Last 30 days', ms: 30 * DAY },
  { id: '90d', label: 'Last 90 days', ms: 90 * DAY },
  { id: '1y', label: 'Last year', ms: 365 * DAY },
  { id: 'all', label: 'All time', ms: null },
];

export const DEFAULT_RANGE = { quick: '30d' };

// {quick: id} or {from: ms, to: ms} → {from, to} in ms (null for an open end), at `now`.
export function resolveRange(range, now) {
  if (range && range.quick !== undefined) {
    const q = QUICK_RANGES.find((r) => r.id === range.quick);
    if (!q) throw new Error(`unknown time range [${range.quick}]`);
    return q.ms === null ? { from: null, to: null } : { from: now - q.ms, to: now };
  }
  if (range && Number.isFinite(range.from) && Number.isFinite(range.to)) {
    if (range.from > range.to) throw new Error('the start of the time range is after its end');
    return { from: range.from, to: range.to };
  }
  throw new Error('a time range is {quick} or {from, to}');
}

// What the picker shows for a range.
export function describeRange(range) {
  if (range.quick !== undefined) return QUICK_RANGES.find((r) => r.id === range.quick)?.label ?? range.quick;
  return `${new Date(range.from).toISOString()} → ${new Date(range.to).toISOString()}`;
}

// Fixed intervals a histogram may use, and calendar ones past a day.
const INTERVALS = [
  { ms: MINUTE, fixed: '1m' }, { ms: 5 * MINUTE, fixed: '5m' }, { ms: 10 * MINUTE, fixed: '10m' },
  { ms: 30 * MINUTE, fixed: '30m' }, { ms: HOUR, fixed: '1h' }, { ms: 3 * HOUR, fixed: '3h' },
  { ms: 12 * HOUR, fixed: '12h' }, { ms: DAY, calendar: 'day' }, { ms: 7 * DAY, calendar: 'week' },
  { ms: 30 * DAY, calendar: 'month' }, { ms: 365 * DAY, calendar: 'year' },
];

// The smallest interval giving at most `maxBuckets` buckets over [from, to]: the
// date_histogram parameters ({fixed_interval} or {calendar_interval}) and its length in ms.
export function pickInterval(from, to, maxBuckets = 120) {
  const span = Math.max(to - from, 1);
  const i = INTERVALS.find((iv) => span / iv.ms <= maxBuckets) ?? INTERVALS[INTERVALS.length - 1];
  return { ms: i.ms, params: i.fixed ? { fixed_interval: i.fixed } : { calendar_interval: i.calendar } };
}
