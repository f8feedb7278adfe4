// The alerting benchmark (docs/alerting.md): what 100 active alert rules cost the ingest path, and
// how long a pushed finding takes to reach a webhook. Usage:
//
//   node bench/alerts.mjs [--count 200000] [--history N] [--seconds 10] [--rate 1000] [--json]
//
// Both parts run `vigil serve` (VIGIL_BIN, default build/release/vigil) on a fresh temporary data
// directory, and a local HTTP receiver in this process as the one webhook channel: it answers 200
// to every request and counts them.
//
// 1. Ingest rate with rules against none (target: with >= 80% of without). N findings are
//    generated once with --history more (default N) before them (`vigil generate --count
//    N+history --days 7`: the last week up to now, sample findings and updates included). On
//    each server the history is pushed first (untimed, before any rule exists), then the N
//    findings (new ones and updates of earlier ones) are pushed to POST /api/ingest as JSON
//    Lines, 500 findings a request,
//    by 2 concurrent clients; findings/s is N over the time from the first request to the last
//    answer. Once on a server with no rules, once on another with 100 rules made through the API
//    first (all alerting): finding rules (KQL on severity, type, account, action, attacker country, ports...;
//    most match a small part of the findings, a few with a throttle), threshold rules (more than
//    T matching findings, or distinct attackers, within 5 minutes per account or region) and
//    first_seen rules (a type, country, ASN, instance type... not seen within 7 days), all with
//    include_samples (with --history 0 the data directory starts empty, so the first_seen rules
//    find every value new at first and alert far more than they do on a data set with history).
//    Other servers run the same rules made to match nothing (each query AND an account that
//    never sends, evaluated last): the cost of evaluating the rules without the alerts; and the
//    100 rules of which every tenth alerts as defined and the others match nothing (most rules
//    are quiet at any one time in service). The server without rules runs first and again last,
//    and each ratio is against the mean of the two (this machine's rate drifts by 10% or more
//    over minutes). The cost of one alert is the time of the run with all rules alerting over
//    the run matching nothing, per alert; from it, the alert rate up to which 80% is retained.
//    Alerts are made while the push is answered (they are in the time); their deliveries go on
//    meanwhile (to this process's receiver, on the same two cores), and what is left after the
//    last push is not in the time: the script waits until the outbox has nothing pending (GET /metrics, with a deadline) and reports that wait as the drain, with the alerts
//    made (GET /api/alerts/history, vigil_alerts_total), the notifications delivered and the
//    webhook requests that arrived.
// 2. Latency from a push to the webhook, at --rate findings/s (target: p99 <= 100 ms). A fresh
//    server with the channel and one finding rule matching everything ({"kql":"*"}). Every 10 ms
//    a request of rate/100 findings, each with a new unique id, is pushed (without waiting for
//    earlier answers), for --seconds; the send time of each id is noted just before its request
//    goes out, and when a webhook body arrives, each id of its "finding_ids" gets now - sent
//    (all findings of one push make one alert, so one request carries them all). p50, p99 and
//    max over findings; every pushed finding must arrive (the script waits up to 60 s after the
//    last push, then reports what is missing). The pushes' own answer times are reported too.
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VIGIL = process.env.VIGIL_BIN || join(ROOT, 'build', 'release', 'vigil');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const COUNT = Number(option('count', '200000'));
// Findings before the timed ones, ingested first (untimed, before the rules are made), so that
// the rules meet a data set with a history as they would in service: first_seen rules then find
// new only what is new. --history 0 measures on an empty data directory instead.
const HISTORY = Number(option('history', String(COUNT)));
const SECONDS = Number(option('seconds', '10'));
const RATE = Number(option('rate', '1000'));
const JSON_OUT = process.argv.includes('--json');
const log = (...a) => { if (!JSON_OUT) console.log(...a); };
for (const [name, v] of [['count', COUNT], ['seconds', SECONDS], ['rate', RATE]]) {
  if (!(v > 0)) throw new Error(`--${name} must be a positive number`);
}

const BATCH = 500; // findings per push in part 1
const CLIENTS = 2; // concurrent pushers in part 1
const TICK_MS = 10; // part 2: a push every 10 ms...
const PER_TICK = Math.max(1, Math.round((RATE * TICK_MS) / 1000)); // ...of this many findings
const INTERVAL_MS = (PER_TICK * 1000) / RATE; // (exactly 10 ms unless the rate is not a multiple of 100)
const ARRIVAL_TIMEOUT_MS = 60_000;
const DRAIN_TIMEOUT_MS = 120_000;

const WORK = mkdtempSync(join(tmpdir(), 'vigil-bench-alerts-'));
const servers = new Set();

// The non-empty lines of a file, read as bytes (a file of 200,000 findings is larger than the
// longest string Node.js makes).
function readLines(path) {
  const buf = readFileSync(path);
  const out = [];
  for (let start = 0; start < buf.length;) {
    let end = buf.indexOf(10, start);
    if (end < 0) end = buf.length;
    if (end > start) {
      const line = buf.toString('utf8', start, end);
      if (line.trim()) out.push(line);
    }
    start = end + 1;
  }
  return out;
}

// Runs a vigil command; its messages go to this process's standard error.
function run(args) {
  const r = spawnSync(VIGIL, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`vigil ${args[0]} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
}

function startServer(data) {
  const child = spawn(VIGIL, ['serve', '--data', data, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (https?:\/\/[0-9.]+:\d+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`vigil serve exited with ${code}: ${stderr}`)));
  });
  const server = { child, ready, exited, stderr: () => stderr };
  servers.add(server);
  return server;
}

async function stopServer(server) {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGTERM');
  const { code, signal } = await server.exited;
  servers.delete(server);
  if (code !== 0 && signal !== 'SIGTERM') log(`  (vigil serve ended with ${code ?? signal})`);
}

// HTTP to the server, over kept-alive connections.
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function request(base, method, path, body, contentType = 'application/json') {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const headers = body === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) };
    const req = http.request({ agent, hostname: u.hostname, port: u.port, path: u.pathname + u.search, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
async function api(base, method, path, body) {
  const r = await request(base, method, path, body === undefined ? undefined : JSON.stringify(body));
  let j;
  try { j = JSON.parse(r.text); } catch { j = r.text; }
  if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path} answered ${r.status}: ${r.text.slice(0, 500)}`);
  return j;
}

// The webhook receiver: 200 to everything; `onAlert` sees each parsed body with its arrival time.
// `keys`: the Idempotency-Key of each request, to count the same notification received twice.
const receiver = { requests: 0, connections: 0, bad: 0, repeated: 0, keys: new Set(), onAlert: null };
const hook = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const now = performance.now();
    receiver.requests += 1;
    const key = req.headers['idempotency-key'];
    if (key !== undefined) {
      if (receiver.keys.has(key)) receiver.repeated += 1;
      receiver.keys.add(key);
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    let body;
    try { body = JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { body = null; }
    if (!body || !Array.isArray(body.finding_ids)) { receiver.bad += 1; return; }
    receiver.onAlert?.(body, now);
  });
});
hook.on('connection', (socket) => {
  receiver.connections += 1;
  socket.on('error', () => {}); // a connection reset by a stopped server is not the benchmark's
});
hook.on('clientError', (e, socket) => socket.destroy());
hook.keepAliveTimeout = 30_000;
await new Promise((resolve) => hook.listen(0, '127.0.0.1', resolve));
const HOOK_URL = `http://127.0.0.1:${hook.address().port}/hook`;
const CHANNEL = { name: 'bench-hook', type: 'webhook', url: HOOK_URL };

// Prometheus text -> {name: sum over its series}, and name{label="x"} -> value.
async function metrics(base) {
  const r = await request(base, 'GET', '/metrics');
  const out = {};
  for (const line of r.text.split('\n')) {
    const m = line.match(/^(vigil_alert\w*)(\{[^}]*\})?\s+(\S+)$/);
    if (!m) continue;
    const v = Number(m[3]);
    out[m[1]] = (out[m[1]] ?? 0) + v;
    if (m[2]) out[m[1] + m[2]] = v;
  }
  return out;
}

const percentile = (sorted, p) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] : NaN);
const round1 = (x) => Math.round(x * 10) / 10;
const round2 = (x) => Math.round(x * 100) / 100;
const perCent = (part, whole) => `${((100 * part) / whole).toFixed(1)}%`;
const fmtInt = (x) => Math.round(x).toLocaleString('en-US');

// ---- Part 1: ingest rate with and without rules ----

function ruleSet(findings) {
  // The accounts of the generated data, most findings first (rules on real accounts match a
  // 20th of the findings or so), and some that never appear.
  const byAccount = new Map();
  for (const f of findings) byAccount.set(f.accountId, (byAccount.get(f.accountId) ?? 0) + 1);
  const accounts = [...byAccount.keys()].sort((a, b) => byAccount.get(b) - byAccount.get(a));
  const samples = { include_samples: true, channels: ['bench-hook'] };
  const finding = (kql, extra = {}) => ({ kind: 'finding', query: { kql }, ...extra });
  const rules = [
    finding('severity >= 7 and type:Recon*'),
    finding('service.action.actionType:PORT_PROBE and severity > 5'),
    finding('derived.severityLabel:Critical'),
    finding('type:"Policy:IAMUser/RootCredentialUsage"'),
    finding('type:UnauthorizedAccess* and derived.attacker.countryName:("China" or "Russia")'),
    finding('resource.resourceType:S3Bucket and derived.threatPurpose:Exfiltration'),
    finding('derived.threatFamilyName:Bitcoin* or type:CryptoCurrency*'),
    finding('service.action.networkConnectionAction.remotePortDetails.port:(22 or 3389) and severity >= 5'),
    finding('resource.instanceDetails.tags.value:production and severity >= 7'),
    finding('derived.resourceTypeAffected:Kubernetes and severity >= 8'),
    finding('region:(me-central-1 or sa-east-1) and severity >= 7'),
    finding('derived.threatPurpose:Backdoor'),
    finding('derived.threatPurpose:Trojan and severity >= 8'),
    finding('type:"UnauthorizedAccess:EC2/SSHBruteForce" and service.resourceRole:TARGET'),
    finding('type:*TorIPCaller and severity >= 5'),
    finding('derived.attacker.asnOrg:"CHINANET-BACKBONE" and severity >= 5'),
    finding('type:"Recon:EC2/Portscan"', { throttle: '5m', group_by: 'accountId' }),
    finding('derived.threatPurpose:PrivilegeEscalation', { throttle: '5m' }),
    finding('derived.threatPurpose:Persistence and severity >= 7'),
    finding('derived.threatPurpose:DefenseEvasion and not region:us-east-1'),
    finding('resource.resourceType:RDSDBInstance and type:*SuccessfulLogin'),
    finding('resource.resourceType:Lambda and severity >= 5'),
    finding('resource.resourceType:AttackSequence'),
    finding('type:Execution\\:Runtime* or type:"Execution:EC2/MaliciousFile"'),
    finding('derived.attacker.countryCode:(KP or IR) and severity >= 2'),
    finding('service.action.awsApiCallAction.api:(StopLogging or DeleteTrail or DeleteDetector)'),
    finding('derived.direction:outbound and severity >= 8', { throttle: '1m', group_by: 'accountId' }),
    finding('service.count >= 50 and severity >= 7'),
    finding('type:"PenTest:S3/KaliLinux" or type:PenTest*'),
    finding('derived.threatPurpose:Impact and resource.resourceType:S3Bucket', { count_increase: 10 }),
  ];
  // Per account: its high-severity findings (the first ten accounts), and accounts that never send.
  for (const a of accounts.slice(0, 10)) rules.push(finding(`accountId:${a} and severity >= 7`));
  for (const a of accounts.slice(10, 20)) rules.push(finding(`accountId:${a} and derived.severityLabel:(High or Critical) and not type:Recon*`, { throttle: '10m' }));
  for (let i = 0; i < 10; i += 1) rules.push(finding(`accountId:1234567890${String(i).padStart(2, '0')}`));
  // By region and severity.
  const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1', 'ap-northeast-1', 'us-east-2', 'ca-central-1', 'ap-south-1', 'eu-west-2'];
  for (const r of regions) rules.push(finding(`region:${r} and severity >= 8 and not derived.sample:true`));
  while (rules.length < 70) rules.push(finding(`service.action.networkConnectionAction.remotePortDetails.port:${6000 + rules.length} and severity >= 5`));

  const threshold = (kql, extra) => ({ kind: 'threshold', query: { kql }, window: '5m', ...extra });
  rules.push(
    threshold('severity >= 7', { threshold: 20, group_by: 'accountId' }),
    threshold('*', { threshold: 50, group_by: 'accountId' }),
    threshold('service.action.actionType:PORT_PROBE', { threshold: 10, group_by: 'accountId' }),
    threshold('type:*BruteForce', { threshold: 5, group_by: 'accountId' }),
    threshold('severity >= 5', { threshold: 100, group_by: 'region' }),
    threshold('derived.threatPurpose:Recon', { threshold: 10, cardinality_field: 'derived.attacker.ip', group_by: 'accountId' }),
    threshold('derived.severityLabel:Critical', { threshold: 3 }),
    threshold('derived.threatPurpose:UnauthorizedAccess', { threshold: 20, group_by: 'region' }),
    threshold('resource.resourceType:EKSCluster', { threshold: 30, group_by: 'accountId' }),
    threshold('resource.resourceType:AccessKey and severity >= 5', { threshold: 15, group_by: 'accountId' }),
    threshold('*', { threshold: 5, cardinality_field: 'derived.attacker.countryName', group_by: 'accountId' }),
    threshold('derived.direction:outbound', { threshold: 25, group_by: 'accountId', throttle: '15m' }),
    threshold('type:Trojan*', { threshold: 10, group_by: 'region' }),
    threshold('accountId:123456789001', { threshold: 1 }),
    threshold('service.action.actionType:DNS_REQUEST', { threshold: 40, group_by: 'accountId' }),
  );
  const firstSeen = (kql, field, extra = {}) => ({ kind: 'first_seen', query: { kql }, field, lookback: '7d', ...extra });
  rules.push(
    firstSeen('*', 'type'),
    firstSeen('*', 'type', { group_by: 'accountId' }),
    firstSeen('severity >= 7', 'derived.attacker.countryName', { group_by: 'accountId' }),
    firstSeen('*', 'derived.attacker.asn'),
    firstSeen('resource.resourceType:Instance', 'resource.instanceDetails.instanceType', { group_by: 'accountId' }),
    firstSeen('*', 'region', { group_by: 'accountId' }),
    firstSeen('resource.resourceType:AccessKey', 'resource.accessKeyDetails.userName', { group_by: 'accountId' }),
    firstSeen('service.action.actionType:AWS_API_CALL', 'service.action.awsApiCallAction.api'),
    firstSeen('severity >= 5', 'derived.threatPurpose', { group_by: 'region' }),
    firstSeen('service.action.actionType:PORT_PROBE', 'service.action.portProbeAction.portProbeDetails.localPortDetails.port'),
    firstSeen('*', 'resource.resourceType', { group_by: 'accountId' }),
    firstSeen('derived.direction:outbound', 'derived.remote.countryName', { lookback: '1d' }),
    firstSeen('severity >= 8', 'type', { lookback: '30d', group_by: 'region' }),
    firstSeen('*', 'resource.eksClusterDetails.name'),
    firstSeen('*', 'service.featureName', { group_by: 'accountId' }),
  );
  return rules.map((r, i) => ({ name: `r-${String(i + 1).padStart(3, '0')}`, ...r, ...samples }));
}

// Pushes the batches with CLIENTS concurrent clients; checks every answer.
async function pushAll(base, batches) {
  const totals = { created: 0, updated: 0, stale: 0, skipped: 0, rejected: 0 };
  let next = 0;
  const client = async () => {
    while (next < batches.length) {
      const i = next;
      next += 1;
      const r = await request(base, 'POST', '/api/ingest', batches[i], 'application/x-ndjson');
      if (r.status !== 200) throw new Error(`POST /api/ingest (batch ${i}) answered ${r.status}: ${r.text.slice(0, 500)}`);
      const j = JSON.parse(r.text);
      for (const k of Object.keys(totals)) totals[k] += j[k];
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { ms: performance.now() - t0, totals };
}

// Waits until no notification is pending (polled, with a deadline).
async function drain(base) {
  const t0 = performance.now();
  for (;;) {
    const m = await metrics(base);
    if ((m.vigil_alert_notifications_pending ?? 0) === 0) return { ms: performance.now() - t0, metrics: m, complete: true };
    if (performance.now() - t0 > DRAIN_TIMEOUT_MS) return { ms: performance.now() - t0, metrics: m, complete: false };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function ingestRun(label, lines, rules, history) {
  const data = join(WORK, `ingest-${label}`);
  const server = startServer(data);
  try {
    const base = await server.ready;
    if (history.length) {
      // The data set's past, before the rules exist and untimed.
      const past = [];
      for (let i = 0; i < history.length; i += BATCH) past.push(history.slice(i, i + BATCH).join('\n') + '\n');
      await pushAll(base, past);
    }
    if (rules.length) {
      await api(base, 'POST', '/api/alerts/channels', CHANNEL);
      for (const r of rules) await api(base, 'POST', '/api/alerts/rules', r);
      const listed = await api(base, 'GET', '/api/alerts/rules');
      const n = Array.isArray(listed) ? listed.length : (listed.rules ?? listed.items ?? []).length;
      if (n !== rules.length) log(`  (GET /api/alerts/rules lists ${n} rules, ${rules.length} were made)`);
    }
    const batches = [];
    for (let i = 0; i < lines.length; i += BATCH) batches.push(lines.slice(i, i + BATCH).join('\n') + '\n');
    receiver.requests = 0;
    receiver.connections = 0;
    receiver.bad = 0;
    receiver.repeated = 0;
    receiver.keys.clear();
    const pushed = await pushAll(base, batches);
    const out = { findings: lines.length, seconds: Math.round(pushed.ms / 10) / 100, findings_per_s: Math.round((lines.length * 1000) / pushed.ms), ...pushed.totals };
    if (rules.length) {
      const d = await drain(base);
      // What the receiver had when nothing was pending (later requests: digests on their schedule).
      const received = { requests: receiver.requests, repeated: receiver.repeated };
      const history = await api(base, 'GET', '/api/alerts/history?size=0');
      const m = d.metrics;
      // Which rules alerted how often (the alerts index, by rule).
      const perRule = [];
      for (const r of rules) {
        const h = await api(base, 'GET', `/api/alerts/history?size=0&rule=${encodeURIComponent(r.name)}`);
        perRule.push({ name: r.name, kind: r.kind, query: r.query.kql, field: r.field, group_by: r.group_by, alerts: h.total });
      }
      const byKind = {};
      for (const r of perRule) {
        byKind[r.kind] ??= { rules: 0, rules_alerting: 0, alerts: 0 };
        byKind[r.kind].rules += 1;
        byKind[r.kind].rules_alerting += r.alerts > 0 ? 1 : 0;
        byKind[r.kind].alerts += r.alerts;
      }
      const topRules = perRule.sort((a, b) => b.alerts - a.alerts).slice(0, 5);
      Object.assign(out, {
        rules: rules.length,
        alerts_in_history: history.total,
        alerts_by_kind: byKind,
        top_rules: topRules,
        alerts_notified: m['vigil_alerts_total{outcome="notified"}'] ?? 0,
        alerts_suppressed: m['vigil_alerts_total{outcome="suppressed"}'] ?? 0,
        alerts_digest: m['vigil_alerts_total{outcome="digest"}'] ?? 0,
        rule_errors: m.vigil_alert_rule_errors_total ?? 0,
        notifications_delivered: m.vigil_alert_deliveries_total ?? 0,
        notifications_pending: m.vigil_alert_notifications_pending ?? 0,
        delivery_failures: m.vigil_alert_delivery_failures_total ?? 0,
        notifications_dropped: m.vigil_alert_notifications_dropped_total ?? 0,
        webhook_requests: received.requests,
        webhook_requests_repeated: received.repeated,
        webhook_requests_after_drain: receiver.requests - received.requests,
        webhook_connections: receiver.connections,
        webhook_bodies_without_finding_ids: receiver.bad,
        drain_ms: Math.round(d.ms),
        drained: d.complete,
      });
    }
    return out;
  } finally {
    await stopServer(server);
    const errors = server.stderr().split('\n').filter((l) => /error|fail|refus/i.test(l));
    if (errors.length) log(`  vigil serve (${label}) said:\n    ${errors.slice(0, 10).join('\n    ')}`);
    rmSync(data, { recursive: true, force: true });
  }
}

// ---- Part 2: push-to-webhook latency ----

async function latencyRun(lines) {
  const data = join(WORK, 'latency');
  const server = startServer(data);
  try {
    const base = await server.ready;
    await api(base, 'POST', '/api/alerts/channels', CHANNEL);
    await api(base, 'POST', '/api/alerts/rules', { name: 'everything', kind: 'finding', query: { kql: '*' }, channels: ['bench-hook'], include_samples: true });

    // The pushes, ready before the clock starts: each finding under a new id (its arn too).
    const pushes = [];
    let n = 0;
    for (let i = 0; i + PER_TICK <= lines.length; i += PER_TICK) {
      const ids = [];
      const body = [];
      for (const line of lines.slice(i, i + PER_TICK)) {
        const old = JSON.parse(line).id;
        const id = `be${(n += 1).toString(16).padStart(30, '0')}`;
        ids.push(id);
        body.push(line.split(old).join(id));
      }
      pushes.push({ ids, body: body.join('\n') + '\n' });
    }
    const total = pushes.length * PER_TICK;

    const sent = new Map(); // id -> send time
    const latency = []; // ms, per finding
    let duplicates = 0;
    let unknown = 0;
    let allArrived;
    const arrived = new Promise((resolve) => { allArrived = resolve; });
    receiver.requests = 0;
    receiver.connections = 0;
    receiver.bad = 0;
    receiver.onAlert = (body, now) => {
      for (const id of body.finding_ids) {
        const t = sent.get(id);
        if (t === undefined) { unknown += 1; continue; }
        if (t < 0) { duplicates += 1; continue; }
        latency.push(now - t);
        sent.set(id, -1);
      }
      if (latency.length === total) allArrived();
    };

    const acks = [];
    const failures = [];
    const inFlight = [];
    const t0 = performance.now();
    for (let k = 0; k < pushes.length; k += 1) {
      const due = t0 + k * INTERVAL_MS;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const p = pushes[k];
      const at = performance.now();
      for (const id of p.ids) sent.set(id, at);
      inFlight.push(request(base, 'POST', '/api/ingest', p.body, 'application/x-ndjson').then((r) => {
        acks.push(performance.now() - at);
        if (r.status !== 200) failures.push(`${r.status}: ${r.text.slice(0, 300)}`);
        else {
          const j = JSON.parse(r.text);
          if (j.created !== p.ids.length) failures.push(`push ${k}: created ${j.created} of ${p.ids.length}: ${r.text.slice(0, 300)}`);
        }
      }, (e) => { failures.push(e.message); }));
    }
    const pushSeconds = (performance.now() - t0) / 1000;
    await Promise.all(inFlight);
    let timer;
    const timedOut = await Promise.race([
      arrived.then(() => false),
      new Promise((resolve) => { timer = setTimeout(() => resolve(true), ARRIVAL_TIMEOUT_MS); }),
    ]);
    clearTimeout(timer);
    receiver.onAlert = null;
    const m = await metrics(base);

    latency.sort((a, b) => a - b);
    acks.sort((a, b) => a - b);
    return {
      rate_asked: RATE,
      rate_pushed: Math.round(total / pushSeconds),
      findings_per_push: PER_TICK,
      pushed: total,
      received: latency.length,
      missing: total - latency.length,
      timed_out: timedOut,
      duplicates,
      unknown_ids: unknown,
      push_failures: failures.length,
      push_failure_examples: failures.slice(0, 3),
      webhook_requests: receiver.requests,
      webhook_connections: receiver.connections,
      alerts_notified: m['vigil_alerts_total{outcome="notified"}'] ?? 0,
      rule_errors: m.vigil_alert_rule_errors_total ?? 0,
      delivery_failures: m.vigil_alert_delivery_failures_total ?? 0,
      latency_ms: { p50: round1(percentile(latency, 0.5)), p99: round1(percentile(latency, 0.99)), max: round1(latency.at(-1) ?? NaN) },
      push_answer_ms: { p50: round1(percentile(acks, 0.5)), p99: round1(percentile(acks, 0.99)), max: round1(acks.at(-1) ?? NaN) },
    };
  } finally {
    await stopServer(server);
    const errors = server.stderr().split('\n').filter((l) => /error|fail|refus/i.test(l));
    if (errors.length) log(`  vigil serve (latency) said:\n    ${errors.slice(0, 10).join('\n    ')}`);
    rmSync(data, { recursive: true, force: true });
  }
}

const cleanup = () => {
  for (const s of servers) s.child.kill('SIGTERM');
  rmSync(WORK, { recursive: true, force: true });
};
process.on('SIGINT', () => { cleanup(); process.exit(130); });

try {
  log(`generating ${COUNT.toLocaleString('en-US')} findings (part 1) and ${fmtInt(RATE * SECONDS)} (part 2) ...`);
  const ingestFile = join(WORK, 'ingest.jsonl');
  // One data set of a week: its first --history findings are the past, the last N are timed.
  run(['generate', '--count', String(COUNT + HISTORY), '--seed', '1', '--days', HISTORY > 0 ? '7' : '1', '--out', ingestFile]);
  const all = readLines(ingestFile);
  rmSync(ingestFile);
  const history = all.slice(0, HISTORY);
  const lines = all.slice(HISTORY);
  const latencyFile = join(WORK, 'latency.jsonl');
  run(['generate', '--count', String(Math.ceil(RATE * SECONDS)), '--seed', '2', '--days', '1', '--out', latencyFile]);
  const latencyLines = readLines(latencyFile);
  rmSync(latencyFile);

  const rules = ruleSet(lines.map((l) => JSON.parse(l)));
  log(`ingest: ${fmtInt(lines.length)} findings, ${BATCH} a push, ${CLIENTS} clients, after ${fmtInt(history.length)} findings of the week before`);
  // The runs; the one without rules first and again last (the rate of this machine drifts by
  // 10% or more over minutes): each ratio is against the mean of the two.
  const without = await ingestRun('without-rules', lines, [], history);
  log(`  no rules:  ${fmtInt(without.findings_per_s)} findings/s (${without.seconds} s)`);
  // The same rules made to match nothing (their queries AND an account that never sends, last,
  // so that each query is still evaluated in full): what evaluating 100 rules costs, without
  // the alerts they make.
  const quiet = rules.map((r) => ({ ...r, query: { kql: `(${r.query.kql}) and accountId:000000000000` } }));
  const quietRun = await ingestRun('quiet-rules', lines, quiet, history);
  log(`  ${rules.length} rules matching nothing: ${fmtInt(quietRun.findings_per_s)} findings/s (${quietRun.seconds} s; ${quietRun.alerts_in_history} alerts)`);
  // The same 100 rules of which every tenth alerts as defined and the rest match nothing, as
  // in service, where most rules are quiet at any one time.
  const some = rules.map((r, i) => (i % 10 === 0 ? r : quiet[i]));
  const someRun = await ingestRun('some-rules', lines, some, history);
  log(`  ${rules.length} rules, 1 in 10 alerting: ${fmtInt(someRun.findings_per_s)} findings/s (${someRun.seconds} s; ${someRun.alerts_in_history} alerts, ${perCent(someRun.alerts_in_history, lines.length)} of the findings)`);
  const withRules = await ingestRun('with-rules', lines, rules, history);
  log(`  ${rules.length} rules, all alerting: ${fmtInt(withRules.findings_per_s)} findings/s (${withRules.seconds} s; ${withRules.alerts_in_history} alerts, ${perCent(withRules.alerts_in_history, lines.length)} of the findings)`);
  log(`    alerts: notified ${withRules.alerts_notified}, suppressed ${withRules.alerts_suppressed}, digests ${withRules.alerts_digest}; rule errors ${withRules.rule_errors}`);
  log(`    by kind: ${Object.entries(withRules.alerts_by_kind).map(([k, v]) => `${k} ${v.alerts} (${v.rules_alerting} of ${v.rules} rules alerted)`).join(', ')}`);
  log(`    most alerts: ${withRules.top_rules.map((r) => `${r.name} [${r.kind} ${r.query}${r.field ? ` field ${r.field}` : ''}${r.group_by ? ` by ${r.group_by}` : ''}] ${r.alerts}`).join('; ')}`);
  log(`    notifications: ${withRules.notifications_delivered} delivered, ${withRules.notifications_pending} pending, ${withRules.delivery_failures} failed attempts, ${withRules.notifications_dropped} dropped; webhook requests received: ${withRules.webhook_requests} (over ${withRules.webhook_connections} connections; ${withRules.webhook_requests_repeated} with an idempotency key seen before; ${withRules.webhook_requests_after_drain} more after the drain); drained ${withRules.drained ? 'in' : 'NOT within'} ${withRules.drain_ms} ms after the last push`);
  const again = await ingestRun('without-rules-again', lines, [], history);
  log(`  no rules, again: ${fmtInt(again.findings_per_s)} findings/s (${again.seconds} s)`);
  const base = (without.findings_per_s + again.findings_per_s) / 2;
  const quietRatio = quietRun.findings_per_s / base;
  const someRatio = someRun.findings_per_s / base;
  const ratio = withRules.findings_per_s / base;
  const pct = (x) => `${(x * 100).toFixed(0)}%`;
  log(`  retained (against ${fmtInt(base)} findings/s, the mean without rules; target >= 80% with 100 rules):`);
  log(`    ${pct(quietRatio)} matching nothing (the evaluation alone), ${pct(someRatio)} with 1 in 10 alerting, ${pct(ratio)} with all alerting`);
  // What one alert costs the ingest: the time the alerting run took over the evaluation alone,
  // per alert; and the alert rate up to which 80% stays retained at that cost.
  const perAlertMs = ((withRules.seconds - quietRun.seconds) * 1000) / Math.max(1, withRules.alerts_in_history);
  log(`    ${round2(perAlertMs)} ms of ingest time per alert (all alerting against matching nothing): 80% retained up to about ${fmtInt(0.2 / (perAlertMs / 1000))} alerts/s`);

  log(`latency: ${fmtInt(RATE)} findings/s (${PER_TICK} a push every ${round1(INTERVAL_MS)} ms) for ${SECONDS} s, one rule matching everything`);
  const latency = await latencyRun(latencyLines);
  log(`  push to webhook: p50 ${latency.latency_ms.p50} ms, p99 ${latency.latency_ms.p99} ms, max ${latency.latency_ms.max} ms (target p99 <= 100 ms)`);
  log(`  received ${fmtInt(latency.received)} of ${fmtInt(latency.pushed)} findings pushed (${latency.rate_pushed}/s) in ${latency.webhook_requests} webhook requests${latency.missing ? `: ${latency.missing} MISSING${latency.timed_out ? ` after ${ARRIVAL_TIMEOUT_MS / 1000} s` : ''}` : ''}${latency.duplicates ? `, ${latency.duplicates} duplicates` : ''}`);
  log(`  push answers: p50 ${latency.push_answer_ms.p50} ms, p99 ${latency.push_answer_ms.p99} ms${latency.push_failures ? `; ${latency.push_failures} failed pushes, e.g. ${latency.push_failure_examples[0]}` : ''}`);

  if (JSON_OUT) {
    console.log(JSON.stringify({
      ingest: {
        without_rules: without,
        without_rules_again: again,
        base_findings_per_s: Math.round(base),
        quiet_rules: quietRun,
        quiet_retained: Math.round(quietRatio * 1000) / 1000,
        some_rules: someRun,
        some_retained: Math.round(someRatio * 1000) / 1000,
        with_rules: withRules,
        retained: Math.round(ratio * 1000) / 1000,
        ms_per_alert: round2(perAlertMs),
        target_retained: 0.8,
      },
      latency: { ...latency, target_p99_ms: 100 },
    }));
  }
} finally {
  for (const s of [...servers]) await stopServer(s);
  agent.destroy();
  const closed = new Promise((resolve) => hook.close(resolve));
  hook.closeAllConnections?.(); // the server's kept-alive connections, if it left any
  await closed;
  rmSync(WORK, { recursive: true, force: true });
}
