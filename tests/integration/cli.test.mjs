// The command line against the real binary: flatten, generate, ingest, errors and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, copyFileSync } from 'node:fs';
import { join, relative, basename } from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { vigil, sampleFiles, tempDir, jsonLines, listFiles, SAMPLES } from './helpers.mjs';

const END = '2025-06-01T00:00:00Z';

test('--version and help', () => {
  const v = vigil(['--version']);
  assert.equal(v.status, 0);
  assert.match(v.stdout, /^vigil \d+\.\d+\.\d+/);
  const all = vigil(['help']);
  assert.equal(all.status, 0);
  for (const command of ['flatten', 'ingest', 'generate', 'bench', 'help']) {
    assert.match(all.stdout, new RegExp(`^  ${command}\\b`, 'm'), all.stdout);
  }
  assert.equal(vigil(['help', 'nope']).status, 2);
  const h = vigil(['help', 'ingest']);
  assert.equal(h.status, 0);
  assert.match(h.stdout, /--data/);
});

test('usage errors exit 2 with one readable line', () => {
  const r = vigil(['ingest']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^vigil: .*paths.*required/m);
  assert.equal(vigil(['no-such-command']).status, 2);
  assert.equal(vigil(['generate', '--count', 'many']).status, 2);
  assert.equal(vigil(['generate', '--count', '1', '--end', 'soon']).status, 2);
});

test('flatten --types maps GuardDuty fields', () => {
  const file = sampleFiles().find((f) => f.includes('panther__03'));
  const r = vigil(['flatten', '--types', file]);
  assert.equal(r.status, 0, r.stderr);
  const types = jsonLines(r.stdout)[0];
  assert.equal(types.severity, 'double');
  assert.equal(types.updatedAt, 'date');
  assert.equal(types['service.eventLastSeen'], 'date');
  assert.equal(types['service.count'], 'long');
  assert.equal(types.title, 'text');
  assert.equal(types.type, 'keyword');
  assert.equal(types['resource.instanceDetails.networkInterfaces.0.publicIp'], 'ip');
  assert.equal(types['resource.instanceDetails.networkInterfaces.publicIp'], 'ip');
  assert.equal(types['service.action.networkConnectionAction.remoteIpDetails.ipAddressV4'], 'ip');
  assert.equal(types['service.action.networkConnectionAction.remoteIpDetails.organization.asn'], 'keyword');
  assert.equal(types['service.action.networkConnectionAction.localPortDetails.port'], 'long');
  assert.equal(types['service.action.networkConnectionAction.blocked'], 'boolean');
  assert.equal(types['derived.attacker.location'], 'geo_point');
  assert.equal(types['derived.attacker.ip'], 'ip');
  assert.equal(types['derived.ingestedAt'], 'date');
  assert.equal(types['resource.instanceDetails.platform'], 'none');
  assert.equal(types['service.additionalInfo'], 'object');
});

test('flatten reads standard input and reports rejected events with exit 1', () => {
  const good = readFileSync(sampleFiles().find((f) => f.includes('panther__03')), 'utf8').trim();
  const input = `${good}\n{"id": "x", "type": "T:EC2/F", "accountId": "1", "region": "us-east-1", "severity": "high", "updatedAt": "2024-01-01T00:00:00Z"}\n`;
  const r = vigil(['flatten'], { input });
  assert.equal(r.status, 1);
  assert.equal(jsonLines(r.stdout).length, 1);
  assert.equal(r.stderr.trim(),
    '<stdin>:2: rejected: field "severity": expected a number from 0 to 10, got the string "high"');
});

test('generate is deterministic for a seed and realistic', (t) => {
  const dir = tempDir(t);
  const a = vigil(['generate', '--count', '2000', '--seed', '42', '--end', END]);
  const b = vigil(['generate', '--count', '2000', '--seed', '42', '--end', END]);
  const c = vigil(['generate', '--count', '2000', '--seed', '43', '--end', END]);
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.notEqual(a.stdout, c.stdout);
  const lines = a.stdout.trim().split('\n');
  assert.equal(lines.length, 2000);
  const findings = lines.map((l) => JSON.parse(l));
  const sizes = lines.map((l) => Buffer.byteLength(l));
  assert.ok(sizes.every((s) => s >= 2000 && s <= 6200), `sizes ${Math.min(...sizes)}..${Math.max(...sizes)}`);
  const ids = new Set(findings.map((f) => f.id));
  assert.ok(ids.size < findings.length, 'some findings are updates of earlier ones');
  const end = Date.parse(END);
  for (const f of findings) {
    assert.ok(Date.parse(f.updatedAt) <= end && Date.parse(f.updatedAt) >= end - 30 * 86400e3);
  }
  // Everything generated is accepted by the reader.
  const file = join(dir, 'g.jsonl');
  writeFileSync(file, a.stdout);
  const r = vigil(['flatten', file]);
  assert.equal(r.status, 0, r.stderr.slice(0, 1000));
  const docs = jsonLines(r.stdout);
  assert.equal(docs.length, 2000);
  const labels = new Set(docs.map((d) => d['derived.severityLabel']));
  assert.deepEqual([...labels].sort(), ['Critical', 'High', 'Low', 'Medium']);
  assert.ok(docs.some((d) => Array.isArray(d['derived.attacker.ip']) && d['derived.attacker.ip'].length > 1),
    'multi-prober port probes');
  assert.ok(docs.some((d) => d['derived.direction'] === 'outbound' && d['derived.destination.ip']));
  assert.ok(docs.some((d) => d['derived.sample'] === true));
});

test('generate --envelope writes EventBridge events', () => {
  const r = vigil(['generate', '--count', '5', '--envelope', '--end', END]);
  assert.equal(r.status, 0);
  for (const e of jsonLines(r.stdout)) {
    assert.equal(e['detail-type'], 'GuardDuty Finding');
    assert.equal(e.source, 'aws.guardduty');
    assert.equal(typeof e.detail.id, 'string');
  }
});

test('ingest archives every accepted event in GuardDuty export layout', (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const gen = join(dir, 'in', 'gen.jsonl');
  mkdirSync(join(dir, 'in'));
  assert.equal(vigil(['generate', '--count', '500', '--seed', '3', '--envelope', '--end', END, '--out', gen]).status, 0);
  const r = vigil(['ingest', '--data', data, join(dir, 'in'), SAMPLES]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^read 546 events from 47 files: 546 accepted, 0 skipped, 0 rejected$/m);
  const files = listFiles(join(data, 'archive'));
  assert.ok(files.length > 10);
  let lines = 0;
  const ids = new Set();
  for (const f of files) {
    const rel = relative(join(data, 'archive'), f);
    const m = /^AWSLogs\/(\d+)\/GuardDuty\/([a-z0-9-]+)\/(\d{4})\/(\d{2})\/(\d{2})\/[0-9a-f-]{36}\.jsonl\.gz$/.exec(rel);
    assert.ok(m, `layout of ${rel}`);
    for (const line of gunzipSync(readFileSync(f)).toString('utf8').split('\n').filter(Boolean)) {
      const finding = JSON.parse(line);
      assert.equal(finding['detail-type'], undefined, 'bare findings, no envelope');
      assert.equal(finding.accountId, m[1]);
      assert.equal(finding.region, m[2]);
      const day = new Date(Date.parse(finding.updatedAt.replace(' ', 'T') + (finding.updatedAt.includes('Z') ? '' : 'Z')));
      assert.equal(day.getUTCFullYear(), Number(m[3]), rel);
      assert.equal(day.getUTCMonth() + 1, Number(m[4]), rel);
      assert.equal(day.getUTCDate(), Number(m[5]), rel);
      ids.add(finding.id);
      lines++;
    }
  }
  assert.equal(lines, 546, 'every accepted event, duplicates and stale updates included');
  // The archive is itself an input: ingesting it again reads the same findings.
  const again = vigil(['ingest', '--data', join(dir, 'data2'), join(data, 'archive')]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /read 546 events from \d+ files: 546 accepted/);
});

test('ingest reports bad input precisely and keeps the rest', (t) => {
  const dir = tempDir(t);
  const inDir = join(dir, 'in');
  mkdirSync(inDir);
  const good = readFileSync(sampleFiles().find((f) => f.includes('panther__03')), 'utf8').trim();
  writeFileSync(join(inDir, 'batch.jsonl'), `${good}\n${good.slice(0, 200)}\n${good}\n`);
  // A GuardDuty export object cut in half.
  const big = Array.from({ length: 300 }, () => good).join('\n') + '\n';
  const gz = gzipSync(big);
  writeFileSync(join(inDir, 'cut.jsonl.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
  writeFileSync(join(inDir, 'deep.json'), '['.repeat(200) + ']'.repeat(200));
  copyFileSync(sampleFiles()[0], join(inDir, basename(sampleFiles()[0])));
  const r = vigil(['ingest', '--data', join(dir, 'data'), inDir]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /batch\.jsonl:2:136: rejected: invalid JSON: invalid string: missing closing quote/);
  assert.match(r.stderr, /cut\.jsonl\.gz: rejected: gzip: unexpected end of compressed data/);
  assert.match(r.stderr, /deep\.json:1:66 \(array element 0\): rejected: invalid JSON: nesting deeper than the limit of 64 levels/);
  const m = /read (\d+) events from 4 files: (\d+) accepted, 0 skipped, (\d+) rejected, 1 input errors/.exec(r.stdout);
  assert.ok(m, r.stdout);
  assert.equal(Number(m[3]), 2);
  assert.ok(Number(m[2]) > 3 && Number(m[2]) < 300);
  assert.equal(Number(m[1]), Number(m[2]) + 2);
});

test('ingest indexes with upserts; reindex rebuilds from the archive; retention deletes', (t) => {
  const dir = tempDir(t);
  const data = join(dir, 'data');
  const first = vigil(['ingest', '--data', data, SAMPLES]);
  assert.equal(first.status, 0, first.stderr);
  const holds = (out) => Number(/the index holds (\d+) findings/.exec(out)[1]);
  const indexed = Number(/indexed (\d+) new findings/.exec(first.stdout)[1]);
  assert.ok(indexed > 30, first.stdout);
  assert.equal(holds(first.stdout), indexed);

  // The same files again: all stale, nothing new.
  const again = vigil(['ingest', '--data', data, SAMPLES]);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /indexed 0 new findings, updated 0, 46 stale/);
  assert.equal(holds(again.stdout), indexed);

  // Reindex from the archive (which holds both copies): the same findings.
  const re = vigil(['reindex', '--data', data]);
  assert.equal(re.status, 0, re.stderr);
  assert.equal(holds(re.stdout), indexed);

  // The samples were last updated years ago: a 30-day retention deletes them all.
  const ret = vigil(['retention', '--data', data, '--days', '30']);
  assert.equal(ret.status, 0, ret.stderr);
  assert.match(ret.stdout, new RegExp(`deleted ${indexed} findings`));
  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, '');
  const after = vigil(['ingest', '--data', data, empty]);
  assert.equal(holds(after.stdout), 0);
});
