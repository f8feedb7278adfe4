// The dashboard's Discover page in Debian's Chromium (headless, driven by playwright-core),
// against the real binary on loopback with a seeded data set. Every count the page shows is
// checked against the raw findings (the newest version of each), not against Vigil's answers.
// Each test saves a screenshot under VIGIL_TEST_OUTPUT (build/release/test-output by default).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { vigil, startServer, TEST_OUTPUT, openBrowserSuite, closeBrowserSuite } from './helpers.mjs';

const END = '2026-01-01T00:00:00Z';
const OUT = TEST_OUTPUT;
// An absolute range inside the data: the last 10 days before END.
const FROM = Date.parse('2025-12-22T00:00:00Z');
const TO = Date.parse(END);

let dir;
let server;
let url;
let findings;
let browser;
let page;

before(async () => {
  ({ dir, findings, server, url, browser, page } = await openBrowserSuite('vigil-web-', { count: 1500, seed: 11, end: END }));
});

after(() => closeBrowserSuite({ browser, server, dir }));

const seen = (f) => Date.parse(f.service?.eventLastSeen ?? '');
const inRange = (f) => seen(f) >= FROM && seen(f) <= TO;

// Waits until the page has answered the current request, then returns the count it shows.
async function shownCount() {
  await page.waitForSelector('#page[data-state="ready"], #page[data-state="error"]');
  return Number(await page.getAttribute('#total', 'data-count'));
}

async function screenshot(name) {
  await page.screenshot({ path: join(OUT, `web-discover-${name}.png`), fullPage: true });
}

test('the page and its files: HTML for a browser, JSON for a client, ETags, gzip, nothing else', async () => {
  const html = await fetch(`${url}/`, { headers: { accept: 'text/html,application/xhtml+xml' } });
  assert.equal(html.status, 200);
  assert.match(html.headers.get('content-type'), /^text\/html/);
  assert.match(html.headers.get('content-security-policy'), /default-src 'self'/);
  assert.match(await html.text(), /<script type="module" src="\/_app\/app.js">/);
  const json = await fetch(`${url}/`);
  assert.equal((await json.json()).version.number, '7.10.2');
  const js = await fetch(`${url}/_app/app.js`, { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(js.status, 200);
  assert.equal(js.headers.get('content-encoding'), 'gzip');
  assert.match(js.headers.get('content-type'), /^text\/javascript/);
  const etag = js.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{16}"$/);
  await js.arrayBuffer();
  const again = await fetch(`${url}/_app/app.js`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
  for (const path of ['/_app/nothing.js', '/_app/..%2Fvigil', '/_app/%2e%2e%2fREADME.md']) {
    assert.equal((await fetch(`${url}${path}`)).status, 404, path);
  }
});

test('Discover over an absolute range: the total, the histogram and the newest rows, as the data says', async () => {
  await page.goto(`${url}/#/discover?from=${FROM}&to=${TO}`);
  const count = await shownCount();
  const want = findings.filter(inRange);
  assert.ok(want.length > 100, 'the range holds findings');
  assert.equal(count, want.length);
  assert.equal(await page.textContent('#total'), `${want.length.toLocaleString('en-US')} findings`);
  // Every hit is in one histogram bar; 10 days at under 120 bars is a bar per 3 hours, 80 of them
  // and one more for the range's last instant (its end is inclusive).
  assert.equal(Number(await page.getAttribute('#histogram', 'data-total')), want.length);
  assert.equal(Number(await page.getAttribute('#histogram', 'data-buckets')), 81);
  // 50 rows, newest first: the first is the newest finding of the range.
  const rows = await page.$$('#hits tr.hit');
  assert.equal(rows.length, 50);
  const newest = want.reduce((a, b) => (seen(b) > seen(a) ? b : a));
  const firstTime = await page.textContent('#hits tr.hit td[data-column="service.eventLastSeen"]');
  assert.equal(firstTime, new Date(seen(newest)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ''));
  // The attacker country column comes from the enrichment (not in the stored original): each one
  // shown is a country the raw finding names.
  const byId = new Map(findings.map((f) => [f.id, JSON.stringify(f)]));
  const countries = await page.$$eval('#hits tr.hit', (trs) => trs.map((tr) => [tr.dataset.id,
    tr.querySelector('td[data-column="derived.attacker.countryName"]').textContent]));
  const named = countries.filter(([, c]) => c !== '');
  assert.ok(named.length > 5, 'rows with an attacker country');
  // (a port probe by several probers lists each one's country)
  for (const [id, list] of named) {
    for (const c of list.split(', ')) assert.ok(byId.get(id).includes(`"countryName":${JSON.stringify(c)}`), `${id}: ${c}`);
  }
  await screenshot('range');
});

test('a KQL query narrows the count; a syntax error is shown with its position', async () => {
  await page.fill('#query', 'severity >= 7 and not region : "us-east-1"');
  await page.press('#query', 'Enter');
  const want = findings.filter((f) => inRange(f) && f.severity >= 7 && f.region !== 'us-east-1').length;
  assert.ok(want > 0);
  assert.equal(await shownCount(), want);
  assert.match(page.url(), /q=severity/);
  await page.fill('#query', 'severity >= 7 and (region : x');
  await page.press('#query', 'Enter');
  await page.waitForSelector('#page[data-state="error"]');
  const error = await page.textContent('#error');
  assert.match(error, /The query is wrong: .*column/);
  await screenshot('kql-error');
});

test('Lucene: the same question in the other syntax gives the same count', async () => {
  await page.selectOption('#syntax', 'lucene');
  await page.fill('#query', 'severity:>=7 AND NOT region:us-east-1');
  await page.press('#query', 'Enter');
  const want = findings.filter((f) => inRange(f) && f.severity >= 7 && f.region !== 'us-east-1').length;
  assert.equal(await shownCount(), want);
  await page.fill('#query', '');
  await page.selectOption('#syntax', 'kql');
  await page.press('#query', 'Enter');
  assert.equal(await shownCount(), findings.filter(inRange).length);
});

test('an expanded row filters for and out of a value; the pill removes the filter', async () => {
  await page.click('#hits tr.hit td.expand button');
  await page.waitForSelector('table.fields');
  const account = await page.textContent('#hits tr.hit td[data-column="accountId"]');
  await page.click(`table.fields button[aria-label="Filter for accountId: ${account}"]`);
  const mine = findings.filter((f) => inRange(f) && f.accountId === account).length;
  assert.equal(await shownCount(), mine);
  assert.equal(await page.textContent('#filters li span'), `accountId: ${account}`);
  await screenshot('filter-for');
  await page.click('#filters li button');
  assert.equal(await shownCount(), findings.filter(inRange).length);
  // Out instead of for: the rest of the range.
  await page.click('#hits tr.hit td.expand button');
  await page.waitForSelector('table.fields');
  const other = await page.textContent('#hits tr.hit td[data-column="accountId"]');
  await page.click(`table.fields button[aria-label="Filter out accountId: ${other}"]`);
  assert.equal(await shownCount(), findings.filter((f) => inRange(f) && f.accountId !== other).length);
  assert.equal(await page.textContent('#filters li span'), `NOT accountId: ${other}`);
  await page.click('#filters li button');
  assert.equal(await shownCount(), findings.filter(inRange).length);
});

test('columns: one added from a row and removed again; sorting by severity', async () => {
  await page.click('#hits tr.hit td.expand button');
  await page.click('table.fields button[aria-label="Toggle column severity"]');
  await shownCount();
  assert.ok(await page.$('#hits th >> text=severity'));
  await page.click('#hits th button.sort >> text=Severity');
  await shownCount();
  const top = Math.max(...findings.filter(inRange).map((f) => f.severity));
  // Descending by severity: the first row has the highest.
  assert.equal(Number(await page.textContent('#hits tr.hit td[data-column="severity"]')), top);
  await page.click('button[aria-label="Remove column severity"]');
  await shownCount();
  assert.equal(await page.$('#hits td[data-column="severity"]'), null);
  await screenshot('sorted');
});

test('All time counts every finding; an empty result says so', async () => {
  await page.selectOption('#range', 'all');
  assert.equal(await shownCount(), findings.length);
  await page.fill('#query', 'accountId : "000000000000"');
  await page.press('#query', 'Enter');
  assert.equal(await shownCount(), 0);
  assert.match(await page.textContent('#hits td.empty'), /No findings match/);
  await screenshot('empty');
});

test('live: a pushed finding appears without a reload; while paused it is counted, and shown on resume', async () => {
  await page.goto(`${url}/#/discover?range=all`);
  await page.waitForSelector('#live[data-status="live"]');
  const n = await shownCount();
  assert.equal(n, findings.length);
  const push = async (id) => {
    const f = { ...findings[0], id, updatedAt: '2026-01-02T00:00:00.000Z' };
    const res = await fetch(`${url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(f) });
    assert.equal(res.status, 200);
  };
  const countIs = (want) => page.waitForFunction((w) => document.querySelector('#total')?.dataset.count === String(w), want);
  await push('live-test-finding-1');
  await countIs(n + 1);
  await page.click('#pause');
  assert.equal(await page.getAttribute('#pause', 'aria-pressed'), 'true');
  await push('live-test-finding-2');
  await page.waitForSelector('#live[data-missed="1"]');
  assert.match(await page.textContent('#live'), /Paused · 1 new or updated/);
  assert.equal(Number(await page.getAttribute('#total', 'data-count')), n + 1);
  await screenshot('live-paused');
  await page.click('#pause');
  await countIs(n + 2);
  assert.equal(await page.textContent('#live'), 'Live');
});

test('a server with API keys: the page asks for a key, then shows the data; a wrong key is refused', async () => {
  const r = vigil(['keygen', '--name', 'analyst', '--role', 'read']);
  assert.equal(r.status, 0, r.stderr);
  const key = r.stdout.match(/^key: (\S+)$/m)[1];
  const entry = r.stdout.slice(r.stdout.indexOf('    - name:'));
  const config = join(dir, 'vigil.yaml');
  writeFileSync(config, `auth:\n  api_keys:\n${entry}`);
  const keyed = startServer(join(dir, 'data-keyed'), ['--config', config]);
  const keyedUrl = await keyed.ready;
  const context = await browser.newContext();
  const p = await context.newPage();
  try {
    await p.goto(`${keyedUrl}/#/discover?range=all`);
    await p.waitForSelector('#keyform #apikey');
    await p.fill('#apikey', 'vgl_not-a-key');
    await p.press('#apikey', 'Enter');
    await p.waitForSelector('#keyform #apikey');  // asked again
    await p.fill('#apikey', key);
    await p.press('#apikey', 'Enter');
    await p.waitForSelector('#page[data-state="ready"]');
    assert.equal(await p.$('#keyform'), null);
    assert.equal(Number(await p.getAttribute('#total', 'data-count')), 0);  // an empty index
    assert.match(await p.textContent('#hits td.empty'), /No findings match/);
    await p.screenshot({ path: join(OUT, 'web-discover-keyed.png') });
  } finally {
    await context.close();
    keyed.child.kill('SIGTERM');
    assert.equal((await keyed.exited).code, 0);
  }
});
