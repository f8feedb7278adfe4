// Vigil's documents against the reference pipeline's flattener: npm `flat` (default options) is
// run on each finding, and every leaf key and value it produces must be in Vigil's document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { flatten } from 'flat';
import { vigil, sampleFiles, tempDir, jsonLines } from './helpers.mjs';

function bareFinding(event) {
  return event['detail-type'] !== undefined ? event.detail : event;
}

function assertContainsFlat(doc, finding, where) {
  const expected = flatten(finding);
  assert.ok(Object.keys(expected).length > 10, `${where}: too few leaves to be a finding`);
  for (const [key, value] of Object.entries(expected)) {
    assert.ok(Object.hasOwn(doc, key), `${where}: key ${key} from npm flat is missing`);
    assert.deepEqual(doc[key], value, `${where}: value of ${key}`);
  }
}

test('every sample flattens to a superset of what npm flat gives', () => {
  const files = sampleFiles();
  assert.ok(files.length >= 45);
  for (const file of files) {
    const r = vigil(['flatten', '--ingested-at', '2024-01-01T00:00:00Z', file]);
    assert.equal(r.status, 0, `${file}: ${r.stderr}`);
    const docs = jsonLines(r.stdout);
    assert.equal(docs.length, 1, file);
    const finding = bareFinding(JSON.parse(readFileSync(file, 'utf8')));
    assertContainsFlat(docs[0], finding, file);
    assert.equal(docs[0]['derived.ingestedAt'], '2024-01-01T00:00:00.000Z');
  }
});

test('generated findings flatten to a superset of what npm flat gives', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'gen.jsonl');
  const g = vigil(['generate', '--count', '3000', '--seed', '7', '--end', '2025-06-01T00:00:00Z',
    '--out', file]);
  assert.equal(g.status, 0, g.stderr);
  const r = vigil(['flatten', file]);
  assert.equal(r.status, 0, r.stderr.slice(0, 2000));
  const docs = jsonLines(r.stdout);
  const findings = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(docs.length, findings.length);
  findings.forEach((f, i) => assertContainsFlat(docs[i], f, `line ${i + 1}`));
});

test('array-collapsed fields hold every element, in order', (t) => {
  const dir = tempDir(t);
  const file = join(dir, 'f.json');
  const finding = bareFinding(JSON.parse(readFileSync(sampleFiles().find((f) => f.includes('security_monkey')), 'utf8')));
  writeFileSync(file, JSON.stringify(finding));
  const doc = jsonLines(vigil(['flatten', file]).stdout)[0];
  const details = finding.service.action.portProbeAction.portProbeDetails;
  assert.deepEqual(doc['service.action.portProbeAction.portProbeDetails.remoteIpDetails.ipAddressV4'],
    details.map((d) => d.remoteIpDetails.ipAddressV4));
  assert.deepEqual(doc['service.action.portProbeAction.portProbeDetails.localPortDetails.port'],
    details.map((d) => d.localPortDetails.port));
});
