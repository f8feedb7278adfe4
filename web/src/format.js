// How values read in the table and the expanded row. Pure.

export const SEVERITY_LABELS = ['Low', 'Medium', 'High', 'Critical'];

// GuardDuty's bands: 1.0-3.9 Low, 4.0-6.9 Medium, 7.0-8.9 High, 9.0-10.0 Critical.
export function severityLabel(severity) {
  if (typeof severity !== 'number' || Number.isNaN(severity)) return '';
  if (severity >= 9) return 'Critical';
  if (severity >= 7) return 'High';
  if (severity >= 4) return 'Medium';
  return 'Low';
}

// A time as "2026-01-01 12:00:00" in UTC (what GuardDuty and the API use).
export function formatTime(value) {
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) return value === undefined || value === null ? '' : String(value);
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '').replace('Z', '');
}

export function formatValue(value) {
  if (value === undefined || value === null) return '';
  if (Array.isArray(value)) return value.map(formatValue).join(', ');
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function formatCount(n) {
  return Number(n).toLocaleString('en-US');
}
