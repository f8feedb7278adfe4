// E-mail alerts over STARTTLS, verified: smtp-server (npm) offers STARTTLS with a certificate of
// a CA made for this test by Debian's openssl. A channel that names the CA in `ca_file` delivers
// over TLS (the session is secure when the mail arrives); one that does not is refused by the
// certificate check, sends nothing, and says why in its status.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { SMTPServer } from 'smtp-server';
import { sampleFindings, startServer } from './helpers.mjs';

let dir;
let server;
let url;
const smtp = {};  // name -> { server, port, mails }

async function startSmtp(name, tls) {
  const s = { mails: [] };
  s.server = new SMTPServer({
    authOptional: true,
    key: tls.key,
    cert: tls.cert,
    onData(stream, session, callback) {
      let text = '';
      stream.on('data', (d) => { text += d; });
      stream.on('end', () => {
        s.mails.push({ secure: session.secure, to: session.envelope.rcptTo.map((r) => r.address), text });
        callback();
      });
    },
  });
  s.server.on('error', () => {});  // a handshake the client refused
  await new Promise((r) => s.server.listen(0, '127.0.0.1', r));
  s.port = s.server.server.address().port;
  smtp[name] = s;
}

let ca;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vigil-alerts-tls-'));
  // A CA made for the test, and a certificate for 127.0.0.1 signed by it.
  const d = join(dir, 'tls');
  mkdirSync(d);
  writeFileSync(join(d, 'san.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  const ssl = (args) => execFileSync('openssl', args, { cwd: d, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2',
    '-subj', '/CN=Vigil test CA']);
  ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'smtp.key', '-out', 'smtp.csr', '-subj', '/CN=127.0.0.1']);
  ssl(['x509', '-req', '-in', 'smtp.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'smtp.pem',
    '-days', '2', '-extfile', 'san.cnf']);
  ca = join(d, 'ca.pem');
  const tls = { key: readFileSync(join(d, 'smtp.key')), cert: readFileSync(join(d, 'smtp.pem')) };
  await startSmtp('trusted', tls);
  await startSmtp('untrusted', tls);
  server = startServer(join(dir, 'data'));
  url = await server.ready;
});

after(async () => {
  if (server) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  for (const s of Object.values(smtp)) s.server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function call(method, path, body) {
  const res = await fetch(new URL(path, url), {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

// Asks `check` again every 25 ms until it answers something (what the server does in the
// background has no event to wait on here), for at most 20 s.
async function eventually(check, what) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) assert.fail(`not within 20 s: ${what}`);
    await delay(25);
  }
}

test('STARTTLS with the channel\'s CA delivers; without it the certificate is refused', async () => {
  const mail = (name, extra) => ({
    name, type: 'email', smtp_url: `smtp://127.0.0.1:${(smtp[name] ?? smtp.trusted).port}`,
    from: 'vigil@example.com', to: ['soc@example.com'], ...extra,
  });
  let r = await call('POST', '/api/alerts/channels', mail('trusted', { ca_file: ca }));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  assert.equal(r.body.ca_file, ca);
  assert.equal(r.body.starttls, true);
  r = await call('POST', '/api/alerts/channels', mail('untrusted', {}));
  assert.equal(r.status, 201, JSON.stringify(r.body));
  r = await call('POST', '/api/alerts/channels', mail('relative', { ca_file: 'ca.pem' }));
  assert.equal(r.status, 400);
  assert.match(r.body.error.reason, /\[ca_file\] must be an absolute path/);
  r = await call('POST', '/api/alerts/rules', {
    name: 'high', query: { kql: 'severity >= 7' }, channels: ['trusted', 'untrusted'],
  });
  assert.equal(r.status, 201, JSON.stringify(r.body));

  const f = structuredClone(sampleFindings().find((x) => x.type.startsWith('Recon:EC2/PortProbe')));
  f.id = 'tls-1';
  f.severity = 8;
  f.service.additionalInfo = { ...(f.service.additionalInfo ?? {}), sample: false };
  f.updatedAt = new Date(Date.now() - 60_000).toISOString();
  const res = await fetch(new URL('/api/ingest', url), { method: 'POST', body: JSON.stringify(f) });
  assert.equal(res.status, 200, await res.text());

  // The trusted channel's mail arrives, over TLS.
  await eventually(() => smtp.trusted.mails.length > 0, 'the mail over STARTTLS');
  assert.equal(smtp.trusted.mails.length, 1);
  assert.equal(smtp.trusted.mails[0].secure, true);
  assert.match(smtp.trusted.mails[0].text, /tls-1/);

  // The other one fails on the certificate and keeps the notification for a retry.
  const status = await eventually(async () => {
    const c = (await call('GET', '/api/alerts/channels')).body.channels.find((x) => x.name === 'untrusted');
    return c.status.failures >= 1 ? c.status : null;
  }, 'a failed delivery on the untrusted channel');
  assert.match(status.last_error, /certificate/i);
  assert.equal(status.delivered, 0);
  assert.equal(status.pending, 1);
  assert.equal(smtp.untrusted.mails.length, 0);
  const trusted = (await call('GET', '/api/alerts/channels')).body.channels.find((x) => x.name === 'trusted');
  assert.equal(trusted.status.delivered, 1);
  assert.equal(trusted.status.failures, 0);
});
