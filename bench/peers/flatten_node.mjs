// The peer of `vigil bench flatten`: the same work done the way the reference pipeline's Lambda
// does it, in Node.js with npm `flat`: split JSON Lines, JSON.parse, unwrap an EventBridge
// envelope, check the required fields, flatten, add the array-collapsed fields and the derived
// fields (severity label, type parts, direction, remote party). Prints one line:
//   <findings> <best seconds> <median seconds>
// Usage: node flatten_node.mjs FILE ROUNDS
import { readFileSync } from 'node:fs';
import { flatten } from 'flat';

const [file, roundsArg] = process.argv.slice(2);
const rounds = Number(roundsArg || 5);
const text = readFileSync(file, 'utf8');

function label(sev) {
  if (sev < 4) return 'Low';
  if (sev < 7) return 'Medium';
  if (sev < 9) return 'High';
  return 'Critical';
}

function derive(finding, doc) {
  doc['derived.severityLabel'] = label(finding.severity);
  const m = /^([^:]+):([^/]+)\/([^.!]+)(?:\.([^!]+))?(?:!(.+))?$/.exec(finding.type);
  if (m) {
    doc['derived.threatPurpose'] = m[1];
    doc['derived.resourceTypeAffected'] = m[2];
    doc['derived.threatFamilyName'] = m[3];
    if (m[4]) doc['derived.detectionMechanism'] = m[4];
    if (m[5]) doc['derived.artifact'] = m[5];
  }
  const action = finding.service && finding.service.action;
  if (!action) return;
  doc['derived.actionType'] = action.actionType;
  const remotes = [];
  for (const v of Object.values(action)) {
    if (!v || typeof v !== 'object') continue;
    if (v.remoteIpDetails) remotes.push(v.remoteIpDetails);
    for (const inner of Object.values(v)) {
      if (Array.isArray(inner)) for (const it of inner) if (it && it.remoteIpDetails) remotes.push(it.remoteIpDetails);
    }
  }
  const nc = action.networkConnectionAction;
  const dir = nc ? (nc.connectionDirection || 'UNKNOWN').toLowerCase()
                 : action.actionType === 'DNS_REQUEST' ? 'outbound' : 'inbound';
  doc['derived.direction'] = dir;
  const role = dir === 'outbound' ? 'destination' : 'attacker';
  for (const r of remotes) {
    for (const group of ['remote', role]) {
      const add = (k, v) => {
        if (v === undefined || v === '') return;
        const key = `derived.${group}.${k}`;
        (doc[key] ||= []).push(v);
      };
      add('ip', r.ipAddressV4 || r.ipAddressV6);
      add('countryName', r.country && r.country.countryName);
      add('city', r.city && r.city.cityName);
      if (r.geoLocation) add('location', { lat: r.geoLocation.lat, lon: r.geoLocation.lon });
      if (r.organization) {
        add('asn', String(r.organization.asn));
        add('asnOrg', r.organization.asnOrg);
        add('org', r.organization.org);
        add('isp', r.organization.isp);
      }
    }
  }
}

function collapse(flat) {
  const out = {};
  for (const [k, v] of Object.entries(flat)) {
    if (!/\.\d+(\.|$)/.test(k) || v === null || typeof v === 'object') continue;
    const c = k.replace(/\.\d+(?=\.|$)/g, '');
    (out[c] ||= []).push(v);
  }
  return out;
}

function run() {
  let n = 0;
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (!line.trim()) continue;
    let finding = JSON.parse(line);
    if (finding['detail-type'] !== undefined) finding = finding.detail;
    for (const f of ['id', 'type', 'accountId', 'region', 'updatedAt']) {
      if (typeof finding[f] !== 'string' || !finding[f]) throw new Error(`bad ${f}`);
    }
    if (typeof finding.severity !== 'number') throw new Error('bad severity');
    if (Number.isNaN(Date.parse(finding.updatedAt))) throw new Error('bad updatedAt');
    const doc = flatten(finding);
    Object.assign(doc, collapse(doc));
    derive(finding, doc);
    doc['derived.ingestedAt'] = new Date().toISOString();
    n++;
  }
  return n;
}

const times = [];
let count = 0;
for (let i = 0; i < rounds; i++) {
  const t0 = process.hrtime.bigint();
  count = run();
  times.push(Number(process.hrtime.bigint() - t0) / 1e9);
}
times.sort((a, b) => a - b);
console.log(`${count} ${times[0]} ${times[Math.floor(times.length / 2)]}`);
