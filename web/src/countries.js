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

// A ring of [lon, lat] points that crosses the antimeridian (Russia's east, Fiji) spans more than
// 180 degrees of longitude; drawn as it is, it stripes the whole map. Such rings get 360 added to
// their negative longitudes, so they continue past 180 instead.
export function unwrapRing(ring) {
  let min = Infinity;
  let max = -Infinity;
  for (const [lon] of ring) {
    if (lon < min) min = lon;
    if (lon > max) max = lon;
  }
  if (max - min <= 180) return ring;
  return ring.map(([lon, lat]) => [lon < 0 ? lon + 360 : lon, lat]);
}

// The same for every ring of a Polygon or MultiPolygon geometry.
export function unwrapGeometry(g) {
  if (g?.type === 'Polygon') return { ...g, coordinates: g.coordinates.map(unwrapRing) };
  if (g?.type === 'MultiPolygon') return { ...g, coordinates: g.coordinates.map((p) => p.map(unwrapRing)) };
  return g;
}
