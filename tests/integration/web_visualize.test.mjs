// Visualize and the dashboards in Debian's Chromium (playwright-core) against the real binary on a
// seeded data set: a visualization built in the editor shows what the raw findings say, is saved,
// and is there (with its query) after the server restarts; a dashboard gets saved panels, arranged
// on the grid, saved and reopened; its panels agree with the data, and a click on a pie slice
// filters every panel. Screenshots go to VIGIL_TEST_OUTPUT.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, TEST_OUTPUT, openBrowserSuite, closeBrowserSuite } from './helpers.mjs';

const END = '2026-01-01T00:00:00Z';
const OUT = TEST_OUTPUT;

let dir;
let data;
let server;
let url;
let findings;
let browser;
let page;

before(async () => {
  ({ dir, data, findings, server, url, browser, page } = await openBrowserSuite('vigil-visualize-', { count: 1500, seed: 31, end: END }));
});

after(() => closeBrowserSuite({ browser, server, dir }));

const label = (s) => (s >= 9 ? 'Critical' : s >= 7 ? 'High' : s >= 4 ? 'Medium' : 'Low');

// Keys by count, then key, as Elasticsearch orders terms; the first `n`.
function top(values, n) {
  const counts = new Map();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n);
}

async function ready() {
  await page.waitForSelector('#page[data-state="ready"], #page[data-state="error"]');
  const state = await page.getAttribute('#page', 'data-state');
  assert.equal(state, 'ready', state === 'error' ? await page.textContent('#page') : '');
}

async function objects(type) {
  const res = await fetch(`${url}/api/objects/${type}`);
  assert.equal(res.status, 200);
  return (await res.json()).objects;
}

test('a bar chart built in the editor shows the data, keeps its query, and survives a restart', async () => {
  await page.goto(`${url}/#/visualize`);
  await ready();
  assert.match(await page.textContent('#vis-list'), /No saved visualizations yet/);
  await page.click('#new-bar');
  await ready();
  assert.equal(await page.inputValue('#vis-kind'), 'bar');
  assert.equal(await page.inputValue('#vis-field'), 'derived.severityLabel');
  // The field list comes from the mapping: numeric fields only for an average.
  await page.selectOption('#vis-metric', 'avg');
  const numeric = await page.$$eval('#fields-metric option', (os) => os.map((o) => o.value));
  assert.ok(numeric.includes('severity') && !numeric.includes('type'), numeric.slice(0, 5).join(','));
  await page.fill('#vis-metric-field', 'type');
  await page.dispatchEvent('#vis-metric-field', 'change');
  assert.match(await page.textContent('#vis-problems'), /The average needs a numeric field; \[type\] is keyword/);
  await page.selectOption('#vis-metric', 'count');
  await page.selectOption('#range', 'all');
  await ready();
  const rows = JSON.parse(await page.getAttribute('#preview', 'data-rows'));
  assert.deepEqual(rows, top(findings.map((f) => label(f.severity)), 4));

  // The visualization's own query, then saved.
  await page.fill('#query', 'severity >= 7');
  await page.press('#query', 'Enter');
  await ready();
  const high = top(findings.filter((f) => f.severity >= 7).map((f) => label(f.severity)), 4);
  assert.deepEqual(JSON.parse(await page.getAttribute('#preview', 'data-rows')), high);
  await page.click('#vis-save');
  assert.match(await page.textContent('#vis-problems'), /Give the visualization a title/);
  await page.fill('#vis-title', 'High and Critical by label');
  await page.click('#vis-save');
  await page.waitForSelector('#vis-status[data-saved]');
  const id = await page.getAttribute('#vis-status', 'data-saved');
  assert.match(page.url(), new RegExp(`#/visualize/edit\\?id=${id}$`));
  await page.screenshot({ path: join(OUT, 'web-visualize-editor.png'), fullPage: true });

  server.child.kill('SIGTERM');
  assert.equal((await server.exited).code, 0);
  server = startServer(data);
  url = await server.ready; // a new port: the page is opened again from it

  await page.goto(`${url}/#/visualize`);
  await ready();
  const listed = await page.$$eval('#vis-list tbody tr', (trs) => trs.map((tr) => [tr.dataset.id, tr.cells[0].textContent, tr.cells[1].textContent]));
  assert.deepEqual(listed, [[id, 'High and Critical by label', 'Bar']]);
  await page.click(`#vis-list tr[data-id="${id}"] a`);
  await ready();
  assert.equal(await page.inputValue('#vis-title'), 'High and Critical by label');
  assert.equal(await page.inputValue('#query'), 'severity >= 7');
  await page.selectOption('#range', 'all');
  await ready();
  assert.deepEqual(JSON.parse(await page.getAttribute('#preview', 'data-rows')), high);
  await page.screenshot({ path: join(OUT, 'web-visualize-after-restart.png'), fullPage: true });
  // A query nothing matches says so.
  await page.fill('#query', 'type : "no such type"');
  await page.press('#query', 'Enter');
  await ready();
  assert.deepEqual(JSON.parse(await page.getAttribute('#preview', 'data-rows')), []);
  assert.equal(await page.isVisible('#preview p.empty'), true);
});

// The centre of the largest slice of the pie in `selector` (ECharts draws the first, largest,
// slice clockwise from twelve o'clock, between 40 % and 72 % of the radius).
async function largestSlice(selector, fraction) {
  const box = await page.locator(`${selector} canvas`).first().boundingBox();
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  const r = (Math.min(box.width, box.height) / 2) * 0.56;
  const angle = Math.PI * fraction; // half the slice, from the top
  return [cx + r * Math.sin(angle), cy - r * Math.cos(angle)];
}

test('a dashboard: saved panels added, arranged, saved and reopened; a slice click filters every panel', async () => {
  const put = async (id, attributes) => {
    const res = await fetch(`${url}/api/objects/visualization/${id}`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ attributes }),
    });
    assert.equal(res.status, 201);
  };
  await put('types-pie', { title: 'Types', kind: 'pie', metric: { type: 'count' }, buckets: { type: 'terms', field: 'type', size: 5 } });
  await put('count', { title: 'All findings', kind: 'metric', metric: { type: 'count' }, buckets: { type: 'none' } });
  await put('accounts', { title: 'Accounts', kind: 'table', metric: { type: 'count' }, buckets: { type: 'terms', field: 'accountId', size: 3 } });

  await page.goto(`${url}/#/dashboards`);
  await ready();
  await page.fill('#new-dashboard-title', 'SOC');
  await page.click('#create-dashboard');
  await page.waitForSelector('#dash-add');
  await ready();
  for (const title of ['Types', 'All findings', 'Accounts']) {
    await page.selectOption('#dash-add-vis', { label: title });
    await page.click('#dash-add');
    await ready();
  }
  const layout = () => page.$$eval('#dash-grid .dash-panel', (ps) => ps.map((p) => [p.dataset.visualization, ...['x', 'y', 'w', 'h'].map((k) => Number(p.dataset[k]))]));
  assert.deepEqual(await layout(), [['types-pie', 0, 0, 6, 4], ['count', 6, 0, 6, 4], ['accounts', 0, 4, 6, 4]]);
  // Widening the pie pushes the count below it; the count moves right and up beside the table.
  await page.click('button[aria-label="Wider: Types"]');
  assert.deepEqual(await layout(), [['types-pie', 0, 0, 7, 4], ['accounts', 0, 4, 6, 4], ['count', 6, 4, 6, 4]]);
  await page.click('button[aria-label="Narrower: Types"]');
  await page.click('button[aria-label="Taller: Types"]');
  assert.deepEqual(await layout(), [['types-pie', 0, 0, 6, 5], ['count', 6, 4, 6, 4], ['accounts', 0, 5, 6, 4]]);
  for (let i = 0; i < 5; i += 1) await page.click('button[aria-label="Move up: All findings"]');
  const arranged = await layout();
  assert.deepEqual(arranged, [['types-pie', 0, 0, 6, 5], ['count', 6, 0, 6, 4], ['accounts', 0, 5, 6, 4]]);
  await page.click('#dash-save');
  await page.waitForSelector('#dash-status[data-version]');
  const [saved] = await objects('dashboard');
  assert.deepEqual(saved.attributes.panels.map((p) => [p.visualization, p.x, p.y, p.w, p.h]).sort(), [...arranged].sort());

  // Reopened from its address, as anyone would: the layout and the numbers.
  await page.goto(`${url}/#/dashboard?id=${saved.id}&range=all`);
  await ready();
  assert.deepEqual(await layout(), arranged);
  assert.equal(await page.isVisible('#dash-add'), false, 'opened for viewing, not editing');
  const metric = '[data-visualization="count"] .panel-body';
  const pie = '[data-visualization="types-pie"] .panel-body';
  const table = '[data-visualization="accounts"] .panel-body';
  assert.equal(Number(await page.getAttribute(metric, 'data-value')), findings.length);
  const types = top(findings.map((f) => f.type), 5);
  assert.deepEqual(JSON.parse(await page.getAttribute(pie, 'data-rows')), types);
  assert.deepEqual(JSON.parse(await page.getAttribute(table, 'data-rows')), top(findings.map((f) => f.accountId), 3));
  await page.screenshot({ path: join(OUT, 'web-dashboard.png'), fullPage: true });

  // A click on the largest slice filters every panel for that type.
  const total = types.reduce((n, [, c]) => n + c, 0);
  const [x, y] = await largestSlice(pie, types[0][1] / total);
  await page.mouse.click(x, y);
  await page.waitForSelector('#filters li');
  await ready();
  assert.equal(await page.textContent('#filters li span'), `type: ${types[0][0]}`);
  const mine = findings.filter((f) => f.type === types[0][0]);
  assert.equal(Number(await page.getAttribute(metric, 'data-value')), mine.length);
  assert.deepEqual(JSON.parse(await page.getAttribute(table, 'data-rows')), top(mine.map((f) => f.accountId), 3));
  assert.match(page.url(), /filters=/, 'the filter is in the address');
  await page.screenshot({ path: join(OUT, 'web-dashboard-filtered.png'), fullPage: true });

  // The same from the keyboard: the pill removed, the second type's legend entry pressed.
  await page.click('#filters li button');
  await ready();
  assert.equal(Number(await page.getAttribute(metric, 'data-value')), findings.length);
  await page.focus(`${pie} .vis-legend button[aria-label="Filter for ${types[1][0]}"]`);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#filters li');
  await ready();
  assert.equal(await page.textContent('#filters li span'), `type: ${types[1][0]}`);
  assert.equal(Number(await page.getAttribute(metric, 'data-value')), findings.filter((f) => f.type === types[1][0]).length);

  // A second editor saving over a stale version is refused, and says so.
  await page.click('#dash-edit');
  const res = await fetch(`${url}/api/objects/dashboard/${saved.id}`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ attributes: { ...saved.attributes, title: 'SOC (theirs)' } }),
  });
  assert.equal(res.status, 200);
  await page.click('button[aria-label="Remove: All findings"]');
  await page.click('#dash-save');
  await page.waitForFunction(() => /Not saved/.test(document.querySelector('#dash-status').textContent));
  assert.match(await page.textContent('#dash-status'), /somebody else saved this dashboard meanwhile/);
  assert.equal((await objects('dashboard'))[0].attributes.panels.length, 3, 'their version stands');
});
