// The "GuardDuty overview" dashboard in Debian's Chromium (playwright-core) against the real
// binary on a seeded data set: each panel shows what the raw findings say (severity counts, types,
// the latest High/Critical), or, for the map's derived attacker countries, what the API answers to
// the same question asked here independently; clicks add filters that narrow every panel.
// Screenshots go to VIGIL_TEST_OUTPUT.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TEST_OUTPUT, openBrowserSuite, closeBrowserSuite } from './helpers.mjs';

const END = '2026-01-01T00:00:00Z';
const OUT = TEST_OUTPUT;
const FROM = Date.parse('2025-12-12T00:00:00Z');
const TO = Date.parse(END);

let dir;
let server;
let url;
let findings;
let browser;
let page;

before(async () => {
  ({ dir, findings, server, url, browser, page } = await openBrowserSuite('vigil-overview-', { count: 2000, seed: 12, end: END }));
});

after(() => closeBrowserSuite({ browser, server, dir }));

const seen = (f) => Date.parse(f.service?.eventLastSeen ?? '');
const sample = (f) => f.service?.additionalInfo?.sample === true;
const label = (s) => (s >= 9 ? 'Critical' : s >= 7 ? 'High' : s >= 4 ? 'Medium' : 'Low');
const shown = () => findings.filter((f) => seen(f) >= FROM && seen(f) <= TO && !sample(f));

async function ready() {
  await page.waitForSelector('#page[data-state="ready"], #page[data-state="error"]');
  assert.equal(await page.getAttribute('#page', 'data-state'), 'ready', await page.textContent('#error'));
  return Number(await page.getAttribute('#total', 'data-count'));
}

async function api(body) {
  const res = await fetch(`${url}/findings/_search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200);
  return res.json();
}

// Top `n` keys by count, then key, as Elasticsearch orders terms.
function top(values, n) {
  const counts = new Map();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

test('the overview over a range: severity counts, types, time bars and the latest High/Critical, as the data says', async () => {
  await page.goto(`${url}/#/overview?from=${FROM}&to=${TO}`);
  const total = await ready();
  const want = shown();
  assert.ok(want.length > 500 && want.length < findings.length);
  assert.equal(total, want.length, 'sample findings are hidden by default');
  assert.equal(await page.textContent('#filters li span'), 'NOT derived.sample: true');
  for (const s of ['Critical', 'High', 'Medium', 'Low']) {
    assert.equal(Number(await page.getAttribute(`#severity .tile[data-label="${s}"]`, 'data-count')),
      want.filter((f) => label(f.severity) === s).length, s);
  }
  assert.deepEqual(JSON.parse(await page.getAttribute('#types', 'data-items')), top(want.map((f) => f.type), 10));
  assert.equal(Number(await page.getAttribute('#overtime', 'data-total')), want.length);
  // The latest High and Critical: the ten newest, newest first.
  const latest = want.filter((f) => f.severity >= 7).sort((a, b) => seen(b) - seen(a)).slice(0, 10).map((f) => f.id);
  assert.deepEqual(await page.$$eval('#latest-table tbody tr', (trs) => trs.map((tr) => tr.dataset.id)), latest);
  // Top accounts.
  const accounts = await page.$$eval('#accounts-table tbody tr', (trs) => trs.map((tr) => [tr.cells[0].textContent, Number(tr.cells[1].textContent.replace(/,/g, ''))]));
  assert.deepEqual(accounts, top(want.map((f) => f.accountId), 10));
  await page.screenshot({ path: join(OUT, 'web-overview.png'), fullPage: true });
});

test('the map colours exactly the countries the API counts inbound attackers from', async () => {
  const res = await api({
    size: 0,
    query: { bool: {
      filter: [{ range: { 'service.eventLastSeen': { gte: FROM, lte: TO, format: 'epoch_millis' } } }, { term: { 'derived.direction': 'inbound' } }],
      must_not: [{ term: { 'derived.sample': true } }],
    } },
    aggs: { c: { terms: { field: 'derived.attacker.countryCode', size: 300 } } },
  });
  const want = res.aggregations.c.buckets.map((b) => [b.key, b.doc_count]).sort();
  assert.ok(want.length > 5, 'attacks from several countries');
  const got = JSON.parse(await page.getAttribute('#map', 'data-countries')).sort();
  assert.deepEqual(got, want);
});

test('clicks filter every panel: a type from the donut legend, a country, then the pill removed', async () => {
  const [type] = top(shown().map((f) => f.type), 1)[0];
  await page.click(`#types-legend button[aria-label="Filter for type ${type}"]`);
  assert.equal(await ready(), shown().filter((f) => f.type === type).length);
  assert.deepEqual(JSON.parse(await page.getAttribute('#types', 'data-items')), [[type, shown().filter((f) => f.type === type).length]]);
  await page.click('#filters li:nth-child(2) button');
  await ready();
  // A country from the list beside the map: every panel narrows to its attacks.
  const code = await page.getAttribute('#countries-table tbody tr:first-child button', 'aria-label');
  const cc = code.replace('Filter for ', '');
  await page.click('#countries-table tbody tr:first-child button');
  const count = await ready();
  const res = await api({ size: 0, track_total_hits: true, query: { bool: {
    filter: [{ range: { 'service.eventLastSeen': { gte: FROM, lte: TO, format: 'epoch_millis' } } }, { term: { 'derived.attacker.countryCode': cc } }],
    must_not: [{ term: { 'derived.sample': true } }],
  } } });
  assert.equal(count, res.hits.total.value);
  // The map shows that country, and the other countries of the same findings (a port probe by
  // several probers names each).
  const map = new Map(JSON.parse(await page.getAttribute('#map', 'data-countries')));
  const inbound = await api({ size: 0, query: { bool: {
    filter: [{ range: { 'service.eventLastSeen': { gte: FROM, lte: TO, format: 'epoch_millis' } } },
      { term: { 'derived.attacker.countryCode': cc } }, { term: { 'derived.direction': 'inbound' } }],
    must_not: [{ term: { 'derived.sample': true } }],
  } }, aggs: { c: { terms: { field: 'derived.attacker.countryCode', size: 300 } } } });
  assert.deepEqual([...map.entries()].sort(), inbound.aggregations.c.buckets.map((b) => [b.key, b.doc_count]).sort());
  assert.equal(map.get(cc), inbound.hits.total.value);
  await page.screenshot({ path: join(OUT, 'web-overview-country.png'), fullPage: true });
  // Both filters off, the sample findings back in.
  await page.click('#filters li:nth-child(2) button');
  await ready();
  await page.click('#filters li button');
  assert.equal(await ready(), findings.filter((f) => seen(f) >= FROM && seen(f) <= TO).length);
  assert.match(page.url(), /filters=%5B%5D/);
});

test('a severity tile filters for its label; the overview is the default page', async () => {
  await page.goto(`${url}/`);
  await ready();
  assert.equal(await page.getAttribute('nav a[href="#/overview"]', 'aria-current'), 'page');
  await page.goto(`${url}/#/overview?from=${FROM}&to=${TO}`);
  await ready();
  await page.click('#severity .tile[data-label="High"]');
  assert.equal(await ready(), shown().filter((f) => label(f.severity) === 'High').length);
  assert.equal(Number(await page.getAttribute('#severity .tile[data-label="Low"]', 'data-count')), 0);
});

test('live: a pushed finding refreshes every panel in place, never blank (no flicker)', async () => {
  await page.goto(`${url}/#/overview?range=all`);
  const before = await ready();
  await page.waitForSelector('#live[data-status="live"]');
  // Watch every panel: a container found empty after a change, or a chart's canvas taken out of
  // the page, is a blank frame the user would see.
  await page.evaluate(() => {
    window.__blank = [];
    window.__canvases = [...document.querySelectorAll('canvas')];
    const watched = ['#severity', '#map', '#types', '#types-legend', '#overtime', '#countries', '#accounts', '#ips', '#resources', '#latest'];
    const observer = new MutationObserver(() => {
      for (const s of watched) if (document.querySelector(s)?.childElementCount === 0) window.__blank.push(s);
    });
    for (const s of watched) observer.observe(document.querySelector(s), { childList: true, subtree: true });
  });
  const pushed = findings.find((f) => f.severity >= 7 && !sample(f));
  const f = { ...pushed, id: 'live-overview-finding', updatedAt: '2026-01-02T00:00:00.000Z', service: { ...pushed.service, eventLastSeen: '2026-01-02T00:00:00.000Z' } };
  const res = await fetch(`${url}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(f) });
  assert.equal(res.status, 200);
  await page.waitForFunction((w) => document.querySelector('#total')?.dataset.count === String(w), before + 1);
  await ready();
  // The newest High finding leads the latest table; the tiles counted it.
  assert.equal(await page.getAttribute('#latest-table tbody tr:first-child', 'data-id'), 'live-overview-finding');
  assert.deepEqual(await page.evaluate(() => window.__blank), []);
  assert.equal(await page.evaluate(() => window.__canvases.length > 0 && window.__canvases.every((c) => c.isConnected)), true,
    'the charts were redrawn on their own canvases');
});
