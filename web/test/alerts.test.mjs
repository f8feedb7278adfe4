// The Alerts page's pure forms: a rule's and a channel's JSON from the form and back, durations,
// and the address of an alert's findings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ruleFromForm, formFromRule, channelFromForm, formFromChannel, formatDuration, findingsHref, channelTarget, queryText,
} from '../src/alert_forms.js';

test('durations come back in the largest exact unit', () => {
  assert.equal(formatDuration(300000), '5m');
  assert.equal(formatDuration(7 * 86400000), '7d');
  assert.equal(formatDuration(90000), '90s');
  assert.equal(formatDuration(1500), '1500ms');
  assert.equal(formatDuration(0), '');
  assert.equal(formatDuration(undefined), '');
});

test('a rule of each kind from its form and back', () => {
  const finding = ruleFromForm({
    name: ' high ', kind: 'finding', language: 'kql', query: 'severity >= 7', channels: ['a', 'b'], enabled: true,
    include_samples: false, throttle: '5m', group_by: '', realert_on_severity_rise: false, count_increase: '10',
  });
  assert.deepEqual(finding, {
    name: 'high', kind: 'finding', query: { kql: 'severity >= 7' }, channels: ['a', 'b'], enabled: true,
    include_samples: false, throttle: '5m', realert_on_severity_rise: false, count_increase: 10,
  });
  const threshold = ruleFromForm({ name: 't', kind: 'threshold', language: 'lucene', query: 'type:Recon*', channels: ['a'], window: '5m', threshold: '20', group_by: 'accountId', time_field: '' });
  assert.deepEqual(threshold.query, { lucene: 'type:Recon*' });
  assert.equal(threshold.threshold, 20);
  assert.equal(threshold.window, '5m');
  assert.equal(threshold.group_by, 'accountId');
  assert.equal(threshold.field, undefined);
  const first = ruleFromForm({ name: 'f', kind: 'first_seen', language: 'dsl', query: '{"term":{"region":"eu-west-1"}}', channels: ['a'], field: 'type', lookback: '7d' });
  assert.deepEqual(first.query, { dsl: { term: { region: 'eu-west-1' } } });
  assert.equal(first.lookback, '7d');
  assert.throws(() => ruleFromForm({ name: 'x', language: 'dsl', query: '{bad' }), /The query DSL is not JSON/);

  // What the server returns (durations in ms) fills the form so that saving again is the same.
  const server = { name: 't', kind: 'threshold', query: { lucene: 'type:Recon*' }, channels: ['a'], enabled: true, include_samples: false, throttle: 0, group_by: 'accountId', window: 300000, threshold: 20, time_field: 'updatedAt' };
  const again = ruleFromForm(formFromRule(server));
  assert.deepEqual(again, { name: 't', kind: 'threshold', query: { lucene: 'type:Recon*' }, channels: ['a'], enabled: true, include_samples: false, group_by: 'accountId', window: '5m', threshold: 20 });
  assert.equal(formFromRule({ name: 'd', query: { dsl: { match_all: {} } }, channels: [] }).query, '{\n  "match_all": {}\n}');
  assert.equal(queryText(server), 'lucene: type:Recon*');
});

test('a channel of each type from its form and back', () => {
  const hook = channelFromForm({ name: 'hook', type: 'webhook', url: ' https://h.example/x ', secret: 's', headers: 'X-Team: soc\n\nX-Env: prod' });
  assert.deepEqual(hook, { name: 'hook', type: 'webhook', url: 'https://h.example/x', secret: 's', headers: { 'X-Team': 'soc', 'X-Env': 'prod' } });
  assert.throws(() => channelFromForm({ name: 'h', type: 'webhook', headers: 'no colon' }), /"Name: value", got "no colon"/);
  const mail = channelFromForm({ name: 'm', type: 'email', smtp_url: 'smtp://mx:587', from: 'v@x', to: 'a@x, b@x c@x', starttls: false, url: 'ignored', ca_file: ' /etc/vigil/ca.pem ' });
  assert.deepEqual(mail, { name: 'm', type: 'email', smtp_url: 'smtp://mx:587', from: 'v@x', to: ['a@x', 'b@x', 'c@x'], starttls: false, ca_file: '/etc/vigil/ca.pem' });
  const sns = channelFromForm({ name: 's', type: 'sns', topic_arn: 'arn:aws:sns:eu-west-1:123456789012:t', endpoint: '' });
  assert.deepEqual(sns, { name: 's', type: 'sns', topic_arn: 'arn:aws:sns:eu-west-1:123456789012:t' });
  // What the API shows of a channel comes back on a save (redacted secrets are kept by the server).
  const stored = { name: 't', type: 'sns', topic_arn: sns.topic_arn, access_key_id: 'AK', secret_access_key: '********', session_token: '********', ca_file: '/etc/ca.pem' };
  for (const c of [hook, mail, sns, stored]) assert.deepEqual(channelFromForm(formFromChannel(c)), c);
  assert.equal(channelTarget(mail), 'a@x, b@x, c@x via smtp://mx:587');
  assert.equal(channelTarget(sns), sns.topic_arn);
});

test('an alert links to its findings in Discover over all time', () => {
  const href = findingsHref({ finding_ids: ['a1', 'b2'] });
  const params = new URLSearchParams(href.split('?')[1]);
  assert.equal(params.get('q'), 'id:("a1" or "b2")');
  assert.equal(params.get('range'), 'all');
});
