// Durability against a killed process: SIGKILL a real `vigil ingest` in the middle of a large file,
// then check that reopening the data directory loses nothing that was acknowledged, and that
// ingesting the whole file again ends in the same index as a clean ingest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VIGIL, vigil, tempDir } from './helpers.mjs';

// What `vigil ingest --progress` prints on standard error after each durable commit of the
// archive and the index.
const PROGRESS = /^progress: committed (\d+) findings: .*; the index holds (\d+)$/;
// What recovery prints when a segment, a deletion file or a log record is damaged (a torn log
// tail, "cut short", is what a killed writer leaves and is not damage).
const DAMAGE =
  /corrupt|checksum mismatch|bad magic|unavailable|may reappear|cannot open segment|manifest says/i;

// Starts vigil without waiting for it. onStderrLine(line) is called for each complete line of
// its standard error as it arrives. `done` resolves to {status, signal, stdout, stderr} once it
// has exited and its output is all read.
function start(args, onStderrLine = () => {}) {
  const child = spawn(VIGIL, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk) => { stdout += chunk; });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    partial += chunk;
    let end;
    while ((end = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, end);
      partial = partial.slice(end + 1);
      onStderrLine(line);
    }
  });
  const done = once(child, 'close')
    .then(([status, signal]) => ({ status, signal, stdout, stderr }));
  return { child, done };
}

// The N of the summary's last line, "... the index holds N findings".
function holds(stdout) {
  const lines = stdout.trim().split('\n');
  const m = /the index holds (\d+) findings$/.exec(lines[lines.length - 1]);
  assert.ok(m, `no "the index holds N findings" line at the end of:\n${stdout}`);
  return Number(m[1]);
}

test('SIGKILL mid-ingest loses no acknowledged finding', { timeout: 480_000 }, async (t) => {
  // Registered before the temporary directory's removal (hooks run in order): a process still
  // writing there is stopped first when the test ends early.
  const running = [];
  t.after(async () => {
    for (const p of running) {
      p.child.kill('SIGKILL');
      await p.done.catch(() => {});
    }
  });
  const dir = tempDir(t);
  const file = join(dir, 'findings.jsonl');
  const gen = vigil(['generate', '--count', '60000', '--seed', '7', '--out', file]);
  assert.equal(gen.status, 0, gen.stderr);

  // The reference, meanwhile: a clean ingest of the same file into a directory of its own. It
  // prints only its summary, so it never fills its pipes while this process waits in spawnSync.
  const clean = start(['ingest', '--data', join(dir, 'clean'), file]);
  running.push(clean);

  // Killed right after its first durable commit, with most of the file still to read. Every
  // progress line it printed is a commit it acknowledged; the index only grows in this stream
  // (ids are never deleted), so the last count printed is a lower bound of what must survive.
  const data = join(dir, 'data');
  const acknowledged = [];
  const killed = start(['ingest', '--progress', '--data', data, file], (line) => {
    const m = PROGRESS.exec(line);
    if (!m) return;
    acknowledged.push({ committed: Number(m[1]), holds: Number(m[2]) });
    if (acknowledged.length === 1) killed.child.kill('SIGKILL');
  });
  running.push(killed);
  const k = await killed.done;
  assert.equal(k.signal, 'SIGKILL',
    `the ingest ended by itself (status ${k.status}):\n${k.stderr}`);
  assert.ok(acknowledged.length >= 1, `no progress line before the kill:\n${k.stderr}`);
  const last = acknowledged[acknowledged.length - 1];
  assert.ok(last.committed < 60000, `killed after the last commit: ${JSON.stringify(last)}`);
  assert.ok(last.holds > 0);

  // Reopen: an ingest of an empty file recovers the index and reports what it holds.
  const empty = join(dir, 'empty.jsonl');
  writeFileSync(empty, '');
  const reopened = vigil(['ingest', '--data', data, empty]);
  assert.equal(reopened.status, 0, reopened.stderr);
  const damage = reopened.stderr.split('\n').filter((l) => DAMAGE.test(l));
  assert.deepEqual(damage, [], `recovery reports damage:\n${reopened.stderr}`);
  const recovered = holds(reopened.stdout);
  assert.ok(recovered >= last.holds,
    `the index holds ${recovered} findings after the kill, but ${last.holds} were acknowledged`);

  // The whole file again, into the same directory: every finding of the file ends up indexed
  // once, as in the clean run (findings indexed before the kill are stale now, not duplicated).
  const resumed = vigil(['ingest', '--data', data, file]);
  assert.equal(resumed.status, 0, resumed.stderr);
  const c = await clean.done;
  assert.equal(c.status, 0, c.stderr);
  assert.ok(last.holds < holds(c.stdout), 'killed only after the whole file was indexed');
  assert.equal(holds(resumed.stdout), holds(c.stdout));
});
