// Shared helpers for the integration tests: they run the real `vigil` binary.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readdirSync, statSync } from 'node:fs';
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
