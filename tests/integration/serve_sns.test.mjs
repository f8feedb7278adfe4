// POST /api/ingest/sns on the real server: an SNS HTTPS subscription end to end. Amazon SNS itself
// cannot run here, so a local stand-in plays its part: it holds an RSA key and a certificate made
// with Debian's openssl, serves the certificate, signs each delivery exactly as SNS documents
// (SignatureVersion 1 and 2), and records the GET of the SubscribeURL that confirms a
// subscription. The server trusts the stand-in's address only through
// sns.extra_trusted_url_prefixes; everything else (topic list, signature check, Basic challenge,
// ingest of the message) is the production path. Expected answers come from the raw findings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import http from 'node:http';
import { createSign } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { vigil, sampleFindings, startServer } from './helpers.mjs';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:guardduty-findings';
let dir;
let server;
let url;
let sns;          // the stand-in: {base, confirmations, certFetches, close}
let privateKey;
let ingestKey;
let readKey;

function openssl(args) {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

function keygen(name, role) {
  const r = vigil(['keygen', '--name', name, '--role', role]);
  assert.equal(r.status, 0, r.stderr);
  return { key: r.stdout.match(/^key: (\S+)$/m)[1], entry: r.stdout.slice(r.stdout.indexOf('    - name:')) };
}

function startStandIn(certPem) {
  const state = { confirmations: [], certFetches: 0 };
  const srv = http.createServer((req, res) => {
    if (req.url === '/SimpleNotificationService-test.pem') {
      state.certFetches += 1;
      res.writeHead(200, { 'content-type': 'application/x-pem-file' });
      res.end(certPem);
    } else if (req.url.startsWith('/?Action=ConfirmSubscription')) {
      state.confirmations.push(req.url);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end('<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>'
        + `${TOPIC}:1</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>`);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  return new Promise((resolve) => srv.listen(0, '127.0.0.1', () => {
    state.base = `http://127.0.0.1:${srv.address().port}/`;
    state.close = () => new Promise((r) => srv.close(r));
    resolve(state);
  }));
}

// The string SNS signs (docs: "Verifying the signatures of Amazon SNS messages").
function stringToSign(m) {
  const keys = m.Type === 'Notification'
    ? ['Message', 'MessageId', ...(m.Subject !== undefined ? ['Subject'] : []), 'Timestamp', 'TopicArn', 'Type']
    : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.map((k) => `${k}\n${m[k]}\n`).join('');
}

let counter = 0;
function delivery(type, fields = {}, { version = '2', key = privateKey, topic = TOPIC } = {}) {
  counter += 1;
  const m = {
    Type: type,
    MessageId: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
    TopicArn: topic,
    Timestamp: new Date().toISOString(),
    SignatureVersion: version,
    SigningCertURL: `${sns.base}SimpleNotificationService-test.pem`,
    ...fields,
  };
  if (type !== 'Notification') {
    m.Token = `token${counter}`;
    m.SubscribeURL = `${sns.base}?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=token${counter}`;
  }
  const signer = createSign(version === '2' ? 'RSA-SHA256' : 'RSA-SHA1');
  signer.update(stringToSign(m));
  m.Signature = signer.sign(key, 'base64');
  return m;
}

function post(body, { key, type, auth } = {}) {
  const u = new URL('/api/ingest/sns', url);
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers = { 'content-type': 'text/plain; charset=UTF-8', 'user-agent': 'Amazon Simple Notification Service Agent' };
  if (type) headers['x-amz-sns-message-type'] = type;
  if (auth) headers.authorization = auth;
  else if (key) headers.authorization = `Basic ${Buffer.from(`sns:${key}`).toString('base64')}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ method: 'POST', hostname: u.hostname, port: u.port, path: u.pathname, headers }, (res) => {
      let out = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { out += d; });
      res.on('end', () => {
        let parsed = out;
        try { parsed = JSON.parse(out); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(text);
  });
}

async function getDoc(id) {
  const u = new URL(`/findings/_doc/${encodeURIComponent(id)}`, url);
  const res = await fetch(u, { headers: { authorization: `ApiKey ${readKey}` } });
  return { status: res.status, body: await res.json() };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-sns-'));
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'sns.key'), '-out', join(dir, 'sns.pem'),
    '-days', '2', '-subj', '/CN=sns.amazonaws.com']);
  privateKey = readFileSync(join(dir, 'sns.key'), 'utf8');
  sns = await startStandIn(readFileSync(join(dir, 'sns.pem'), 'utf8'));
  const ingest = keygen('sns', 'ingest');
  const read = keygen('analyst', 'read');
  ingestKey = ingest.key;
  readKey = read.key;
  const config = join(dir, 'vigil.yaml');
  writeFileSync(config, `auth:\n  api_keys:\n${ingest.entry}${read.entry}`
    + `sns:\n  topic_arns:\n    - ${TOPIC}\n  extra_trusted_url_prefixes:\n    - "${sns.base}"\n`);
  server = startServer(join(dir, 'data'), ['--config', config]);
  url = await server.ready;
});

after(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    assert.equal(exit.code, 0, exit.stderr);
    assert.ok(!exit.stderr.includes(ingestKey.slice(4, 20)), 'no part of a key is logged');
  }
  if (sns) await sns.close();
  rmSync(dir, { recursive: true, force: true });
});

test('without credentials SNS is challenged for Basic auth, and a read key is refused', async () => {
  const res = await post(delivery('Notification', { Message: '{}' }));
  assert.equal(res.status, 401);
  assert.match(res.headers['www-authenticate'], /^Basic realm="vigil"/);
  const wrongRole = await post(delivery('Notification', { Message: '{}' }), { key: readKey });
  assert.equal(wrongRole.status, 403);
  const badBasic = await post(delivery('Notification', { Message: '{}' }), { auth: 'Basic !!!' });
  assert.equal(badBasic.status, 401);
  assert.match(badBasic.body.error.reason, /Basic credentials/);
});

test('a subscription confirmation is verified, then confirmed through its SubscribeURL', async () => {
  const before = sns.confirmations.length;
  const m = delivery('SubscriptionConfirmation', { Message: 'You have chosen to subscribe to the topic.' });
  const res = await post(m, { key: ingestKey, type: 'SubscriptionConfirmation' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(res.body, { type: 'SubscriptionConfirmation', topic: TOPIC, confirmed: true });
  assert.equal(sns.confirmations.length, before + 1);
  assert.ok(sns.confirmations.at(-1).endsWith(`Token=${m.Token}`));
});

test('notifications carrying EventBridge events are ingested, with either signature version', async () => {
  const findings = sampleFindings().slice(0, 4);
  assert.ok(findings.length === 4);
  for (const [i, f] of findings.entries()) {
    const event = { version: '0', id: `evt-${i}`, 'detail-type': 'GuardDuty Finding', source: 'aws.guardduty',
      account: f.accountId, time: f.updatedAt, region: f.region, resources: [], detail: f };
    const res = await post(delivery('Notification', { Message: JSON.stringify(event), Subject: 'GuardDuty' },
      { version: i % 2 ? '1' : '2' }), { key: ingestKey, type: 'Notification' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.errors, false);
    assert.equal(res.body.items.length, 1);
    assert.equal(res.body.items[0].id, f.id);
    assert.ok(['created', 'updated'].includes(res.body.items[0].status), res.body.items[0].status);
    const doc = await getDoc(f.id);
    assert.equal(doc.status, 200);
    assert.equal(doc.body._source.type, f.type);
    assert.equal(doc.body._source.accountId, f.accountId);
  }
  // The certificate was fetched once and cached.
  assert.equal(sns.certFetches, 1);
});

test('forged, tampered, unlisted and malformed deliveries are refused and nothing is ingested', async () => {
  const f = { ...sampleFindings()[0], id: 'ffffffffffffffffffffffffffff0001' };
  const message = JSON.stringify(f);
  // Signed by another key.
  const other = join(dir, 'other.key');
  openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', other]);
  let res = await post(delivery('Notification', { Message: message }, { key: readFileSync(other, 'utf8') }), { key: ingestKey });
  assert.equal(res.status, 403);
  assert.equal(res.body.error.type, 'security_exception');
  assert.match(res.body.error.reason, /signature .* does not match/);
  // Tampered after signing.
  const tampered = delivery('Notification', { Message: '{}' });
  tampered.Message = message;
  res = await post(tampered, { key: ingestKey });
  assert.equal(res.status, 403);
  // A topic not in the configuration.
  res = await post(delivery('Notification', { Message: message }, { topic: 'arn:aws:sns:us-east-1:210987654321:other' }), { key: ingestKey });
  assert.equal(res.status, 403);
  assert.match(res.body.error.reason, /is not in sns\.topic_arns/);
  // A certificate URL outside SNS.
  const elsewhere = delivery('Notification', { Message: message });
  elsewhere.SigningCertURL = 'https://example.com/cert.pem';
  res = await post(elsewhere, { key: ingestKey });
  assert.equal(res.status, 403);
  assert.match(res.body.error.reason, /SigningCertURL/);
  // Not an SNS document at all, and a header that contradicts the body.
  res = await post('{"Type": "Notification"', { key: ingestKey });
  assert.equal(res.status, 400);
  res = await post({ Type: 'Notification', MessageId: 'x' }, { key: ingestKey });
  assert.equal(res.status, 400);
  assert.match(res.body.error.reason, /no \[TopicArn\]/);
  res = await post(delivery('Notification', { Message: message }), { key: ingestKey, type: 'SubscriptionConfirmation' });
  assert.equal(res.status, 400);
  assert.match(res.body.error.reason, /x-amz-sns-message-type/);
  assert.equal((await getDoc(f.id)).status, 404, 'no refused delivery reached the index');
});

test('a signed notification whose message is not a finding is answered item by item', async () => {
  const res = await post(delivery('Notification', { Message: '{"hello": "world"}' }), { key: ingestKey });
  assert.equal(res.status, 400);
  assert.equal(res.body.errors, true);
  assert.equal(res.body.items[0].status, 'rejected');
});

test('an unsubscribe confirmation is acknowledged and not renewed', async () => {
  const before = sns.confirmations.length;
  const res = await post(delivery('UnsubscribeConfirmation', { Message: 'unsubscribed' }), { key: ingestKey });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { type: 'UnsubscribeConfirmation', topic: TOPIC, confirmed: false });
  assert.equal(sns.confirmations.length, before);
});
