// The Alerts page in Debian's Chromium (playwright-core) against the real binary on a seeded data
// set and a webhook receiver written for this test: a channel and a rule made with the forms, the
// rule tested against the last days (the count agrees with the raw findings), a pushed finding's
// alert delivered and listed with its delivery and a link to its finding, the rule disabled, a
// mistake in the form shown with the server's reason. Screenshots go to VIGIL_TEST_OUTPUT.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { TEST_OUTPUT, openBrowserSuite, closeBrowserSuite } from './helpers.mjs';

const END = new Date().toISOString();

let dir;
let server;
let url;
let findings;
let browser;
let page;
let receiver;
let hookUrl;
const bodies = [];
let onBody = () => {};

before(async () => {
  ({ dir, findings, server, url, browser, page } = await openBrowserSuite('vigil-alerts-', { count: 600, seed: 7, end: END }));
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.writeHead(200).end('{}');
      onBody();
    });
  });
  // Vigil keeps its connections open; one reset by a killed server is not an error here.
  receiver.on('clientError', (e, socket) => socket.destroy());
  receiver.on('connection', (socket) => socket.on('error', () => {}));
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${receiver.address().port}/hook`;
});

after(async () => {
  receiver?.close();
  await closeBrowserSuite({ browser, server, dir });
});

async function ready() {
  await page.waitForSelector('#page[data-state="ready"], #page[data-state="error"]');
  const state = await page.getAttribute('#page', 'data-state');
  assert.equal(state, 'ready', state === 'error' ? await page.textContent('#page') : '');
}

async function api(path) {
  const res = await fetch(`${url}${path}`);
  assert.equal(res.status, 200);
  return res.json();
}

test('a channel and a rule made in the forms, tested, alerting, disabled', async () => {
  await page.goto(`${url}/#/alerts`);
  await ready();
  assert.match(await page.textContent('#alert-rules'), /No rules yet/);

  // A channel.
  await page.click('#new-channel');
  await page.fill('#f-name', 'soc-hook');
  await page.selectOption('#f-type', 'webhook');
  assert.equal(await page.isVisible('#f-smtp_url'), false);  // only the webhook's fields
  await page.fill('#f-url', hookUrl);
  await page.fill('#f-headers', 'X-Team: soc');
  await page.click('#channel-save');
  await page.waitForSelector('tr[data-channel="soc-hook"]');
  const channel = await api('/api/alerts/channels/soc-hook');
  assert.equal(channel.url, hookUrl);
  assert.deepEqual(channel.headers, { 'X-Team': 'soc' });

  // A rule with a mistake: the server's reason is shown, nothing is saved.
  await page.click('#new-rule');
  await page.fill('#f-name', 'high');
  await page.fill('#f-query', 'severity >=');
  await page.check('input[name="channel"][value="soc-hook"]');
  await page.click('#rule-save');
  await page.waitForSelector('#rule-error:not(:empty)');
  assert.match(await page.textContent('#rule-error'), /query\.kql/);
  assert.equal((await api('/api/alerts/rules')).rules.length, 0);

  // Tested over the last 7 days: the count the raw findings give.
  await page.fill('#f-query', 'severity >= 7');
  await page.fill('#preview-days', '7');
  await page.click('#rule-test');
  await page.waitForSelector('#rule-preview .preview-total');
  const since = Date.now() - 7 * 86400e3;
  const expected = findings.filter((f) => f.severity >= 7 && Date.parse(f.updatedAt) >= since
    && f.service?.additionalInfo?.sample !== true).length;
  assert.ok(expected > 0);
  assert.match(await page.textContent('#rule-preview .preview-total'), new RegExp(`^${expected.toLocaleString('en-US')} matching findings`));
  assert.doesNotMatch(await page.textContent('#rule-preview'), /null|undefined/);
  // Replayed one by one, each matching finding would have alerted once (no throttle yet).
  assert.match(await page.textContent('#rule-preview .preview-send'),
    new RegExp(`^Would have sent ${expected.toLocaleString('en-US')} alerts? \\(${expected.toLocaleString('en-US')} notifications\\)`));
  await page.screenshot({ path: join(TEST_OUTPUT, 'alerts-rule-test.png'), fullPage: true });

  await page.fill('#f-throttle', '10m');
  await page.click('#rule-save');
  await page.waitForSelector('tr[data-rule="high"]');
  const rule = await api('/api/alerts/rules/high');
  assert.deepEqual(rule.query, { kql: 'severity >= 7' });
  assert.equal(rule.throttle, 600000);
  assert.deepEqual(rule.channels, ['soc-hook']);

  // A pushed finding alerts; the page lists the alert, delivered, with a link to the finding.
  const finding = structuredClone(findings.find((f) => f.severity >= 7 && f.service?.additionalInfo?.sample !== true));
  finding.id = 'alert-page-finding';
  finding.updatedAt = new Date().toISOString();
  const arrived = new Promise((resolve) => { onBody = () => { if (bodies.length >= 1) resolve(); }; });
  const res = await fetch(`${url}/api/ingest`, { method: 'POST', body: JSON.stringify(finding) });
  assert.equal(res.status, 200);
  await arrived;
  assert.deepEqual(bodies[0].finding_ids, ['alert-page-finding']);
  for (const deadline = Date.now() + 60_000; ;) {
    await page.click('#refresh-history');
    await ready();
    const text = await page.textContent('#alert-history');
    if (/soc-hook: delivered/.test(text)) break;
    assert.ok(Date.now() < deadline, text);
  }
  const row = page.locator('#alert-history tbody tr').first();
  assert.match(await row.textContent(), /high.*new finding/);
  await row.locator('a').click();
  await ready();
  assert.match(page.url(), /#\/discover\?/);
  await page.waitForSelector('#total');
  assert.match(await page.textContent('#total'), /^1 finding/);
  await page.goto(`${url}/#/alerts`);
  await ready();
  await page.screenshot({ path: join(TEST_OUTPUT, 'alerts-page.png'), fullPage: true });

  // Disabled from the list.
  await page.click('tr[data-rule="high"] button.toggle');
  await page.waitForSelector('tr[data-rule="high"] td.state:text("disabled")');
  assert.equal((await api('/api/alerts/rules/high')).enabled, false);
  // The channel's delivery state.
  assert.equal(await page.textContent('tr[data-channel="soc-hook"] td.delivered'), '1');
});
