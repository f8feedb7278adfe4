// Alerting on the real server, with real receivers on loopback: an HTTP receiver written for
// this test takes the webhook, Slack, Teams and SNS requests (and checks each SNS request against
// the SigV4 signature the aws4 package computes for it), and smtp-server takes the e-mails.
// Covers the API (CRUD, errors, persistence), the bodies of every channel type, retries of a
// failing receiver, and SIGKILL between the outbox write and the delivery.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import aws4 from 'aws4';
import { SMTPServer } from 'smtp-server';
import { sampleFindings, startServer, vigil } from './helpers.mjs';

const SECRET = 'webhook-secret-1';
const AWS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:vigil-alerts';

let dir;
let receiver;
let smtp;
let server;
let url;

// Requests by path; `failFirst[path]` answers 503 that many times first; waiters resolve when a
// path has n successful requests.
const got = {};
const failures = {};
const failFirst = {};
const waiters = [];
const mails = [];

function arrived(path) {
  for (const w of [...waiters]) {
    if (w.check()) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  }
  return path;
}

function until(check) {
  if (check()) return Promise.resolve();
  return new Promise((resolve) => waiters.push({ check, resolve }));
}
const received = (path, n) => until(() => (got[path]?.length ?? 0) >= n);

let base = '';
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-'));
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const path = req.url;
      if ((failFirst[path] ?? 0) > 0) {
        failFirst[path] -= 1;
        failures[path] = (failures[path] ?? 0) + 1;
        res.writeHead(503).end('try later');
        return;
      }
      (got[path] ??= []).push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      arrived(path);
    });
  });
  // Vigil keeps its connections open; one reset by a killed server is not an error here.
  receiver.on('clientError', (e, socket) => socket.destroy());
  receiver.on('connection', (socket) => socket.on('error', () => {}));
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${receiver.address().port}`;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      let text = '';
      stream.on('data', (d) => { text += d; });
      stream.on('end', () => {
        mails.push({ from: session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address), text });
        callback();
        arrived('mail');
      });
    },
  });
  // libcurl keeps its SMTP connection open too; its reset by a killed server is not an error.
  smtp.on('error', () => {});
  await new Promise((r) => smtp.listen(0, '127.0.0.1', r));
  server = startServer(join(dir, 'data'));
  url = await server.ready;
});

after(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  receiver?.close();
  smtp?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method, path, body) {
  const res = await fetch(new URL(path, url), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const template = sampleFindings().find((f) => f.type.startsWith('Recon:EC2/PortProbe'));
function finding(id, severity, count = 1, extra = {}) {
  const f = structuredClone(template);
  f.id = id;
  f.severity = severity;
  f.service.count = count;
  f.service.additionalInfo = { ...(f.service.additionalInfo ?? {}), sample: false };
  f.updatedAt = new Date(Date.now() - 60_000 + count).toISOString();
  return Object.assign(f, extra);
}

async function push(...findings) {
  const res = await fetch(new URL('/api/ingest', url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson' },
    body: findings.map((f) => JSON.stringify(f)).join('\n'),
  });
  assert.equal(res.status, 200, await res.text());
}

test('channels and rules: create, validate, list, persist', async () => {
  let r = await call('POST', '/api/alerts/channels', {
    name: 'hook', type: 'webhook', url: `${base}/hook`, secret: SECRET, headers: { 'X-Team': 'soc' },
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.secret, '********');
  for (const [name, type] of [['slack', 'slack'], ['teams', 'teams']]) {
    r = await call('POST', '/api/alerts/channels', { name, type, url: `${base}/${name}` });
    assert.equal(r.status, 201);
  }
  r = await call('POST', '/api/alerts/channels', {
    name: 'mail', type: 'email', smtp_url: `smtp://127.0.0.1:${smtp.server.address().port}`,
    from: 'vigil@example.com', to: ['soc@example.com', 'oncall@example.com'], starttls: false,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await call('POST', '/api/alerts/channels', {
    name: 'sns', type: 'sns', topic_arn: TOPIC, endpoint: `${base}/sns`,
    access_key_id: AWS.accessKeyId, secret_access_key: AWS.secretAccessKey,
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.secret_access_key, '********');

  // Mistakes are named.
  r = await call('POST', '/api/alerts/channels', { name: 'hook', type: 'webhook', url: `${base}/x` });
  assert.equal(r.status, 409);
  r = await call('POST', '/api/alerts/channels', { name: 'x', type: 'webhook', url: 'ftp://x' });
  assert.equal(r.status, 400);
  assert.match(r.body.error.reason, /\[url\]/);
  r = await call('POST', '/api/alerts/rules', { name: 'r', query: { kql: 'severity >= 7' }, channels: ['nope'] });
  assert.equal(r.status, 400);
  assert.match(r.body.error.reason, /no alert channel is named \[nope\]/);
  r = await call('POST', '/api/alerts/rules', { name: 'r', query: { kql: 'severity >=' }, channels: ['hook'] });
  assert.equal(r.status, 400);
  assert.match(r.body.error.reason, /query\.kql/);

  r = await call('POST', '/api/alerts/rules', {
    name: 'high', query: { kql: 'severity >= 7' }, channels: ['hook', 'slack', 'teams', 'mail', 'sns'],
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await call('DELETE', '/api/alerts/channels/slack');
  assert.equal(r.status, 409);
  assert.match(r.body.error.reason, /used by rule\(s\) \[high\]/);
  r = await call('GET', '/api/alerts/rules');
  assert.deepEqual(r.body.rules.map((x) => x.name), ['high']);
  r = await call('GET', '/api/alerts/channels');
  assert.deepEqual(r.body.channels.map((x) => x.name), ['hook', 'mail', 'slack', 'sns', 'teams']);
});

test('a matching finding reaches every channel, with its ids, signed', async () => {
  await push(finding('low-1', 3), finding('high-1', 8.2));
  await Promise.all(['/hook', '/slack', '/teams', '/sns'].map((p) => received(p, 1)));
  await until(() => mails.length >= 1);

  const hook = got['/hook'][0];
  const alert = JSON.parse(hook.body);
  assert.deepEqual(alert.finding_ids, ['high-1']);
  assert.equal(alert.rule, 'high');
  assert.equal(alert.reason, 'new finding');
  assert.equal(alert.severity_label, 'High');
  assert.equal(alert.findings[0].id, 'high-1');
  assert.equal(hook.headers['x-team'], 'soc');
  assert.equal(hook.headers['idempotency-key'], alert.notification_id);
  const expected = 'sha256=' + createHmac('sha256', SECRET).update(hook.body).digest('hex');
  assert.equal(hook.headers['x-vigil-signature'], expected);
  assert.match(alert.link, /#\/discover\?q=id%3A%28%22high-1%22%29/);

  const slack = JSON.parse(got['/slack'][0].body);
  assert.equal(slack.blocks[0].type, 'header');
  const fields = slack.blocks[1].fields.map((f) => f.text).join('\n');
  assert.match(fields, /\*Severity\*\nHigh \(8\.2\)/);
  assert.match(fields, /\*Type\*\nRecon:EC2\/PortProbe/);
  assert.match(fields, /\*Account\*\n\d{12}/);
  assert.match(JSON.stringify(slack.blocks), /high-1/);

  const teams = JSON.parse(got['/teams'][0].body);
  assert.equal(teams.type, 'message');
  const card = teams.attachments[0].content;
  assert.equal(teams.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
  assert.equal(card.type, 'AdaptiveCard');
  assert.ok(card.body.some((b) => b.type === 'FactSet' && b.facts.some((f) => f.title === 'Severity')));
  assert.match(JSON.stringify(card), /high-1/);

  const mail = mails[0];
  assert.equal(mail.from, 'vigil@example.com');
  assert.deepEqual(mail.to, ['soc@example.com', 'oncall@example.com']);
  assert.match(mail.text, /^Subject: \[High\] high: new finding/m);
  assert.match(mail.text, /Content-Type: multipart\/alternative/);
  assert.match(mail.text, /Content-Type: text\/html/);
  assert.match(mail.text, /high-1/);
  assert.match(mail.text, /^Message-ID: <[0-9a-f]+\.mail@vigil>/m);

  // SNS: the signature is the one aws4 computes for the same request.
  const sns = got['/sns'][0];
  const form = new URLSearchParams(sns.body);
  assert.equal(form.get('Action'), 'Publish');
  assert.equal(form.get('TopicArn'), TOPIC);
  assert.deepEqual(JSON.parse(form.get('Message')).finding_ids, ['high-1']);
  const attributes = {};
  for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
    attributes[form.get(`MessageAttributes.entry.${i}.Name`)] = [
      form.get(`MessageAttributes.entry.${i}.Value.DataType`), form.get(`MessageAttributes.entry.${i}.Value.StringValue`)];
  }
  assert.deepEqual(attributes.severity, ['Number', '8.2']);
  assert.equal(attributes.type[1], template.type);
  const signed = sns.headers.authorization.match(/SignedHeaders=([^,]+)/)[1].split(';');
  const headers = {};
  for (const h of signed) if (h !== 'host') headers[h] = sns.headers[h];
  const reference = { host: sns.headers.host, path: '/sns', method: 'POST', service: 'sns', region: 'eu-west-1', body: sns.body, headers };
  aws4.sign(reference, AWS);
  assert.equal(sns.headers.authorization, reference.headers.Authorization);
});

test('no duplicates: stale and unchanged versions do not alert, a severity rise does', async () => {
  await push(finding('high-1', 8.2), finding('high-1', 8.2, 2));
  await push(finding('high-1', 9.1, 3));
  await received('/hook', 2);
  // Deliveries of a channel keep their order, so nothing else came before this one.
  const second = JSON.parse(got['/hook'][1].body);
  assert.equal(second.reason, 'severity rose into Critical');
  assert.deepEqual(second.finding_ids, ['high-1']);
  assert.notEqual(second.notification_id, JSON.parse(got['/hook'][0].body).notification_id);
});

test('a failing receiver gets the notification once its retries succeed', async () => {
  let r = await call('POST', '/api/alerts/channels', { name: 'flaky', type: 'webhook', url: `${base}/flaky` });
  assert.equal(r.status, 201);
  r = await call('POST', '/api/alerts/rules', { name: 'flaky-rule', query: { kql: 'id:flaky*' }, channels: ['flaky'] });
  assert.equal(r.status, 201);
  failFirst['/flaky'] = 3;
  await push(finding('flaky-1', 5));
  await received('/flaky', 1);
  assert.equal(failures['/flaky'], 3);
  assert.deepEqual(JSON.parse(got['/flaky'][0].body).finding_ids, ['flaky-1']);
  // The alert's document records the delivery (just after the receiver answered: asked until
  // it is there, for at most a minute).
  let history;
  for (const deadline = Date.now() + 60_000; ;) {
    history = await call('GET', '/api/alerts/history?rule=flaky-rule');
    if (history.body.alerts[0]?.delivery?.flaky?.status === 'delivered') break;
    assert.ok(Date.now() < deadline, JSON.stringify(history.body));
    await new Promise((res) => setImmediate(res));
  }
  assert.equal(history.body.total, 1);
  assert.equal(history.body.alerts[0].delivery.flaky.attempts, 4);
  const metrics = await (await fetch(new URL('/metrics', url))).text();
  assert.match(metrics, /vigil_alert_deliveries_total\{channel="flaky"\} 1/);
  assert.match(metrics, /vigil_alert_delivery_failures_total\{channel="flaky"\} 3/);
});

test('SIGKILL between the outbox write and the delivery loses and duplicates nothing', async () => {
  let r = await call('POST', '/api/alerts/channels', { name: 'down', type: 'webhook', url: `${base}/down` });
  assert.equal(r.status, 201);
  r = await call('POST', '/api/alerts/rules', { name: 'down-rule', query: { kql: 'id:down*' }, channels: ['down'] });
  assert.equal(r.status, 201);
  failFirst['/down'] = 1e9;  // the receiver is down: nothing can be delivered before the kill
  for (let i = 0; i < 5; i++) await push(finding(`down-${i}`, 5));
  // A channel that keeps failing holds back only itself: another rule's webhook goes out.
  const before = got['/hook'].length;
  await push(finding('high-2', 7.5));
  await received('/hook', before + 1);
  assert.deepEqual(JSON.parse(got['/hook'][before].body).finding_ids, ['high-2']);
  assert.ok((failures['/down'] ?? 0) >= 1);
  server.child.kill('SIGKILL');
  await server.exited;
  failFirst['/down'] = 0;
  server = startServer(join(dir, 'data'));
  url = await server.ready;
  await received('/down', 5);
  const ids = got['/down'].map((x) => JSON.parse(x.body).finding_ids[0]).sort();
  assert.deepEqual(ids, ['down-0', 'down-1', 'down-2', 'down-3', 'down-4']);
  const keys = new Set(got['/down'].map((x) => x.headers['idempotency-key']));
  assert.equal(keys.size, 5);
  // The definitions survived too, and the state: an unchanged version does not alert again, and
  // a new finding after the restart does (its arrival shows that nothing else was queued).
  r = await call('GET', '/api/alerts/rules/down-rule');
  assert.equal(r.status, 200);
  await push(finding('down-0', 5, 2), finding('down-9', 5));
  await received('/down', 6);
  assert.deepEqual(JSON.parse(got['/down'][5].body).finding_ids, ['down-9']);
});

test('the configuration file defines channels and rules the API may not change', async () => {
  server.child.kill('SIGTERM');
  await server.exited;
  const config = join(dir, 'vigil.yaml');
  writeFileSync(config, [
    'alerts:',
    '  base_url: https://vigil.example.com',
    '  channels:',
    `    - {name: ops, type: webhook, url: "${base}/ops"}`,
    '  rules:',
    '    - name: ops-critical',
    '      query: {kql: "severity >= 9"}',
    '      channels: [ops]',
    '      throttle: 5m',
  ].join('\n'));
  server = startServer(join(dir, 'data'), ['--config', config]);
  url = await server.ready;
  let r = await call('GET', '/api/alerts/rules/ops-critical');
  assert.equal(r.status, 200);
  assert.equal(r.body.configured, true);
  assert.equal(r.body.throttle, 300000);
  r = await call('DELETE', '/api/alerts/rules/ops-critical');
  assert.equal(r.status, 409);
  assert.match(r.body.error.reason, /configuration file/);
  await push(finding('ops-1', 9.5));
  await received('/ops', 1);
  const alert = JSON.parse(got['/ops'][0].body);
  assert.ok(alert.link.startsWith('https://vigil.example.com/#/discover?'), alert.link);
  // A mistake in the file stops the server with its place.
  server.child.kill('SIGTERM');
  await server.exited;
  writeFileSync(config, 'alerts:\n  rules:\n    - {name: x, query: {kql: "a"}, channels: [missing]}\n');
  const bad = startServer(join(dir, 'data'), ['--config', config]);
  await assert.rejects(bad.ready, /no channel is named \[missing\]/);
  server = startServer(join(dir, 'data'));
  url = await server.ready;
});

test('an offline load is judged by the rules; the server delivers its notifications at start', async () => {
  let r = await call('POST', '/api/alerts/channels', { name: 'offline', type: 'webhook', url: `${base}/offline` });
  assert.equal(r.status, 201);
  r = await call('POST', '/api/alerts/rules', { name: 'offline-rule', query: { kql: 'id:offline*' }, channels: ['offline'] });
  assert.equal(r.status, 201);
  server.child.kill('SIGTERM');
  await server.exited;
  const file = join(dir, 'offline.jsonl');
  writeFileSync(file, [finding('offline-1', 5), finding('offline-2', 6), finding('elsewhere-1', 2)]
    .map((f) => JSON.stringify(f)).join('\n'));
  let out = vigil(['ingest', '--data', join(dir, 'data'), file]);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /alert rules: 1 alerts \(0 held back by throttles\), 1 notifications queued/);
  assert.equal(got['/offline'], undefined);  // nothing is delivered offline
  // The same file again: stale versions, no alert.
  out = vigil(['ingest', '--data', join(dir, 'data'), file]);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /alert rules: 0 alerts .*, 0 notifications queued for `vigil serve` to deliver \(1 in the outbox\)/);
  server = startServer(join(dir, 'data'));
  url = await server.ready;
  await received('/offline', 1);
  const alert = JSON.parse(got['/offline'][0].body);
  assert.deepEqual([...alert.finding_ids].sort(), ['offline-1', 'offline-2']);
  // Nothing else was queued: the next alert is the next request.
  await push(finding('offline-3', 5));
  await received('/offline', 2);
  assert.deepEqual(JSON.parse(got['/offline'][1].body).finding_ids, ['offline-3']);
});
