// Shared helpers for the integration tests: they run the real `vigil` binary.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, readdirSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SAMPLES = join(ROOT, 'data', 'guardduty', 'samples');
export const VIGIL = process.env.VIGIL_BIN || join(ROOT, 'build', 'release', 'vigil');

// Runs vigil; returns {status, stdout, stderr}.
export function vigil(args, options = {}) {
  const r = spawnSync(VIGIL, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...options });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-it-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function listFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p));
    else out.push(p);
  }
  return out.sort();
}

export function sampleFiles() {
  return readdirSync(SAMPLES).filter((f) => f.endsWith('.json')).map((f) => join(SAMPLES, f)).sort();
}

export function jsonLines(text) {
  return text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l));
}

// The newest version of each finding (updatedAt, then service.count), as Vigil keeps them.
export function newestVersions(all) {
  const newest = new Map();
  const time = (s) => { const t = s.replace(' ', 'T'); return Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(t) ? t : t + 'Z'); };
  const version = (x) => [time(x.updatedAt), x.service?.count ?? 0];
  for (const x of all) {
    const have = newest.get(x.id);
    if (!have) { newest.set(x.id, x); continue; }
    const [a, b] = version(x);
    const [c, d] = version(have);
    if (a > c || (a === c && b > d)) newest.set(x.id, x);
  }
  return [...newest.values()];
}

// The findings of the sample files (events unwrapped).
export function sampleFindings() {
  const out = [];
  for (const f of sampleFiles()) {
    const j = JSON.parse(readFileSync(f, 'utf8'));
    for (const item of Array.isArray(j) ? j : [j]) {
      const finding = item.detail && item['detail-type'] ? item.detail : item;
      if (finding && finding.id && finding.type) out.push(finding);
    }
  }
  return out;
}

// Starts `vigil serve` (on a free port of 127.0.0.1 unless `listen` says otherwise). `ready` resolves with the address it prints;
// `exited` with {code, signal, stderr} once it ends.
export function startServer(data, extraArgs = [], listen = '127.0.0.1:0') {
  const child = spawn(VIGIL, ['serve', '--data', data, '--listen', listen, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const ready = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (https?:\/\/[0-9.]+:\d+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`vigil serve exited with ${code}: ${stderr}`)));
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, ready, exited };
}

// Reads Server-Sent Events from `path` of the server at `base`; `events` fills as they arrive, `connected` resolves on
// the server's first comment, `next(n)` resolves once n events are in.
export function openStream(base, path, headers = {}) {
  const u = new URL(path, base);
  const events = [];
  const waiters = [];
  let buffer = '';
  let connectedResolve;
  const connected = new Promise((resolve) => { connectedResolve = resolve; });
  const req = http.get({ hostname: u.hostname, port: u.port, path: u.pathname + u.search, headers }, (res) => {
    res.setEncoding('utf8');
    res.on('data', (chunk) => {
      buffer += chunk;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.includes(': connected')) connectedResolve(res);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        const type = block.split('\n').find((l) => l.startsWith('event: '));
        if (data && type === 'event: finding') events.push(JSON.parse(data.slice(6)));
      }
      for (const w of [...waiters]) {
        if (events.length >= w.n) { waiters.splice(waiters.indexOf(w), 1); w.resolve(events.slice()); }
      }
    });
  });
  const next = (n) => new Promise((resolve, reject) => {
    if (events.length >= n) return resolve(events.slice());
    waiters.push({ n, resolve });
    // A failure bound, not a synchronisation: the events are normally there within milliseconds.
    setTimeout(() => reject(new Error(`only ${events.length} of ${n} events arrived`)), 20000).unref();
  });
  return { events, connected, next, close: () => req.destroy() };
}

// A data directory in a new temporary directory, holding `count` generated findings (seed, 30
// days ending `end`): {dir, data, findings} with the newest version of each raw finding.
export function seededData(prefix, { count, seed, end }) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const gen = join(dir, 'generated.jsonl');
  let r = vigil(['generate', '--count', String(count), '--seed', String(seed), '--days', '30', '--end', end, '--out', gen]);
  assert.equal(r.status, 0, r.stderr);
  const data = join(dir, 'data');
  r = vigil(['ingest', '-q', '--data', data, gen]);
  assert.equal(r.status, 0, r.stderr);
  return { dir, data, findings: newestVersions(jsonLines(readFileSync(gen, 'utf8'))) };
}

// Debian's Chromium, headless, driven by playwright-core; the flags keep it off the network
// (this machine's is closed) and quiet.
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

// Where the browser suites save their screenshots.
export const TEST_OUTPUT = process.env.VIGIL_TEST_OUTPUT || join(ROOT, 'build', 'release', 'test-output');

// A browser suite's set-up: seeded data (seededData's options), the server on it, and Chromium
// with one page, on which any page error fails the test.
export async function openBrowserSuite(prefix, seedOptions) {
  mkdirSync(TEST_OUTPUT, { recursive: true });
  const { dir, data, findings } = seededData(prefix, seedOptions);
  const server = startServer(data);
  const url = await server.ready;
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on('pageerror', (e) => { throw e; });
  return { dir, data, findings, server, url, browser, page };
}

// Its tear-down: the browser closed, the server stopped cleanly (exit code 0), the data removed.
export async function closeBrowserSuite({ browser, server, dir }) {
  await browser?.close();
  if (server) {
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    assert.equal(exit.code, 0, exit.stderr);
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}
