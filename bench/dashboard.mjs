// The dashboard benchmark: how long the GuardDuty overview takes to render completely over N
// generated findings, measured in Debian's Chromium (playwright-core) from navigation to the last
// panel drawn, and the server time of the overview's searches. Usage (make bench runs it):
//
//   node bench/dashboard.mjs [--count 1000000] [--data DIR] [--rounds 7] [--json]
//
// Without --data, N findings are generated (30 days up to now, seeds 1, 2, ... per 200,000) and ingested into
// /tmp/vigil-bench-dashboard-N/data, which is kept and reused by later runs of the same N. The
// page is opened over all time (so a data set of any age shows whole). Round 1 is the first
// visit after the server starts (its column caches cold); the next rounds reload the page (each a
// full navigation: the script, the map, the searches and the drawing again) and are summarised
// as the median and the worst. "Drawn" is the second animation frame after the page says it is
// ready: every chart has painted by then.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { overviewRequest, overviewRequests, latestRequest, HIDE_SAMPLES } from '../web/src/overview.js';
import { pickInterval } from '../web/src/timerange.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const VIGIL = process.env.VIGIL_BIN || join(ROOT, 'build', 'release', 'vigil');

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const COUNT = Number(option('count', '1000000'));
const ROUNDS = Number(option('rounds', '7'));
const JSON_OUT = process.argv.includes('--json');
const log = (...a) => { if (!JSON_OUT) console.log(...a); };

// Runs a vigil command; its messages go to this process's standard error.
function run(args) {
  const r = spawnSync(VIGIL, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`vigil ${args[0]} failed (${r.error?.message ?? `exit ${r.status ?? r.signal}`})`);
}

function dataDir() {
  const given = option('data', null);
  if (given) return given;
  const work = join('/tmp', `vigil-bench-dashboard-${COUNT}`);
  const data = join(work, 'data');
  if (existsSync(join(data, 'indices', 'findings'))) return data;
  mkdirSync(work, { recursive: true });
  const t0 = Date.now();
  log(`generating and ingesting ${COUNT} findings into ${data} ...`);
  // In files of at most 200,000 findings (about 600 MB: `vigil ingest` reads files of up to
  // 1 GiB), each from its own seed.
  const CHUNK = 200_000;
  for (let done = 0, seed = 1; done < COUNT; done += CHUNK, seed += 1) {
    const input = join(work, 'input.jsonl');
    run(['generate', '--count', String(Math.min(CHUNK, COUNT - done)), '--seed', String(seed), '--days', '30', '--out', input]);
    try {
      run(['ingest', '-q', '--data', data, input]);
    } catch (e) {
      rmSync(data, { recursive: true, force: true }); // not a data set to reuse
      throw e;
    } finally {
      rmSync(input, { force: true });
    }
  }
  log(`  done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return data;
}

function startServer(data) {
  const child = spawn(VIGIL, ['serve', '--data', data, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const ready = new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/[0-9.]+:\d+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`vigil serve exited with ${code}: ${stderr}`)));
  });
  return { child, ready };
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor((s.length - 1) / 2)]; };
const worst = (xs) => Math.max(...xs);

// One visit of the overview: milliseconds from navigation start to drawn, and the searches' own
// durations as the browser saw them.
async function visit(page, url, reload) {
  if (reload) await page.reload({ waitUntil: 'commit' });
  else await page.goto(`${url}/#/overview?range=all`, { waitUntil: 'commit' });
  await page.waitForFunction(() => ['ready', 'error'].includes(document.querySelector('#page')?.dataset.state), null, { polling: 'raf', timeout: 120_000 });
  const state = await page.getAttribute('#page', 'data-state');
  if (state !== 'ready') throw new Error(`the overview failed: ${await page.textContent('#error')}`);
  return page.evaluate(() => new Promise((resolve) => {
    requestAnimationFrame(() => requestAnimationFrame(() => {
      const searches = performance.getEntriesByType('resource').filter((e) => e.name.endsWith('/_search')).map((e) => e.duration);
      resolve({ drawn: performance.now(), searches, total: Number(document.querySelector('#total').dataset.count) });
    }));
  }));
}

// The server's own time ("took") and the wall time of the overview's searches, sent directly.
async function serverTimes(url, rounds) {
  const interval = pickInterval(Date.now() - 365 * 86_400_000, Date.now());
  const state = { query: '', syntax: 'kql', filters: [HIDE_SAMPLES] };
  const bodies = { overview: overviewRequest(state, { interval }), latest: latestRequest(state, {}) };
  const out = {};
  for (const [name, body] of Object.entries(bodies)) {
    const took = [];
    const wall = [];
    for (let i = 0; i < rounds; i += 1) {
      const t0 = performance.now();
      const res = await fetch(`${url}/findings/_search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const j = await res.json();
      wall.push(performance.now() - t0);
      if (!res.ok) throw new Error(JSON.stringify(j));
      took.push(j.took);
    }
    out[name] = { took_median_ms: median(took), wall_median_ms: median(wall), wall_worst_ms: worst(wall) };
  }
  // As the page asks: the panels in groups and the latest findings, all at once.
  const wall = [];
  for (let i = 0; i < rounds; i += 1) {
    const t0 = performance.now();
    await Promise.all([...overviewRequests(state, { interval }), bodies.latest].map(async (body) => {
      const res = await fetch(`${url}/findings/_search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      if (!res.ok) throw new Error(await res.text());
      await res.json();
    }));
    wall.push(performance.now() - t0);
  }
  out['page (in parallel)'] = { wall_median_ms: median(wall), wall_worst_ms: worst(wall) };
  return out;
}

const data = dataDir();
const server = startServer(data);
const url = await server.ready;
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const first = await visit(page, url, false);
  const rounds = [];
  for (let i = 1; i < ROUNDS; i += 1) rounds.push(await visit(page, url, true));
  const server = await serverTimes(url, ROUNDS);
  const result = {
    findings_in_index: COUNT,
    findings_shown: first.total,
    first_visit_ms: Math.round(first.drawn),
    first_visit_searches_ms: first.searches.map(Math.round),
    reload_median_ms: Math.round(median(rounds.map((r) => r.drawn))),
    reload_worst_ms: Math.round(worst(rounds.map((r) => r.drawn))),
    reload_search_median_ms: Math.round(median(rounds.flatMap((r) => r.searches))),
    server,
    target_ms: 1000,
  };
  if (JSON_OUT) {
    console.log(JSON.stringify(result));
  } else {
    log(`overview over ${COUNT.toLocaleString('en-US')} findings (${first.total.toLocaleString('en-US')} shown, sample findings hidden):`);
    log(`  first visit (server caches cold): drawn at ${result.first_visit_ms} ms; its searches took ${result.first_visit_searches_ms.join(' and ')} ms`);
    log(`  reloads (${rounds.length}): drawn at ${result.reload_median_ms} ms median, ${result.reload_worst_ms} ms worst (target <= 1000 ms)`);
    for (const [name, s] of Object.entries(server)) {
      const took = s.took_median_ms === undefined ? '' : ` took ${s.took_median_ms} ms`;
      log(`  server: ${name}${took} (wall ${s.wall_median_ms.toFixed(1)} ms median, ${s.wall_worst_ms.toFixed(1)} ms worst)`);
    }
  }
} finally {
  await browser.close();
  server.child.kill('SIGTERM');
}
