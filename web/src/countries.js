// Joining GuardDuty's countries to the world map: world-atlas names its countries by ISO 3166-1
// numeric code ("840"), GuardDuty by alpha-2 (derived.attacker.countryCode, "US");
// i18n-iso-countries translates. Pure.
import countries from 'i18n-iso-countries';

// The numeric code of an alpha-2 one, or null when there is none ("XX", a typo).
export function numericOf(alpha2) {
  if (typeof alpha2 !== 'string') return null;
  return countries.alpha2ToNumeric(alpha2.toUpperCase()) ?? null;
}

// [{key: alpha-2, count}] → {byNumeric: Map(numeric → {code, count}), unknown: [codes]}: counts
// of codes that map to one country add up; the codes no map shows are listed, not dropped.
export function choropleth(buckets) {
  const byNumeric = new Map();
  const unknown = [];
  for (const { key, count } of buckets) {
    const n = numericOf(key);
    if (n === null) {
      unknown.push(key);
      continue;
    }
    const cur = byNumeric.get(n);
    byNumeric.set(n, { code: key.toUpperCase(), count: (cur?.count ?? 0) + count });
  }
  return { byNumeric, unknown };
}
