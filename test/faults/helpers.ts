// Shared pieces of the fault battery: one-line assertions, tiny sweeps, and the mounts that
// make a full disk or a read-only folder real (skipped, with the reason, where not permitted).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, CliResult, ROOT, runCli, snapshot, tmpDir } from '../helpers/cli';

export { BIN, ROOT, runCli, snapshot, tmpDir };

/** A smoke sweep cut down to seconds: 2 models × 1 correlation × 2 runs, 20 steps. */
export const TINY = ['--preset', 'smoke', '--models', 'shared-bottom,mmoe', '--correlation', '0.5', '--steps', '20', '--jobs', '1', '--quiet'];
export const TINY_RUNS = 4;

/** Exit code, exactly one line on stderr naming `fragment`, no stack trace. */
export function assertOneLine(r: CliResult, code: number, fragment: string | RegExp): void {
  assert.equal(r.code, code, `exit ${r.code}, wanted ${code}; stderr: ${r.stderr}`);
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `not one line on stderr:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, 'stack trace printed');
  assert.ok(lines[0].length <= 320, `line too long (${lines[0].length} chars)`);
  if (typeof fragment === 'string') assert.ok(lines[0].includes(fragment), `stderr does not name ${fragment}: ${lines[0]}`);
  else assert.match(lines[0], fragment);
}

/** Files whose names mark a temporary file or staging folder, anywhere under dir. */
export function temps(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((n) => /\.mmoe-tmp-|\.tmp$/.test(n));
}

const built = new Map<string, string>();

/** A finished tiny sweep (built once per test file); each caller gets its own copy. */
export function finishedSweep(label: string, extra: string[] = []): string {
  const key = extra.join(' ');
  if (!built.has(key)) {
    const dir = path.join(tmpDir('faults-ref'), 'out');
    const r = runCli([...TINY, ...extra, '--out', dir]);
    assert.equal(r.code, 0, r.stderr);
    built.set(key, dir);
  }
  const copy = path.join(tmpDir(`faults-${label}`), 'out');
  fs.cpSync(built.get(key)!, copy, { recursive: true });
  return copy;
}

export const journalLines = (dir: string) => fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean);

/** Can this process mount a tmpfs? (root in a container often cannot; CI may not.) */
export function mountSkip(): string | false {
  if (process.platform !== 'linux') return 'tmpfs mounts are Linux only';
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const probe = tmpDir('mountprobe');
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { encoding: 'utf8' });
  if (m.status !== 0) return `mount is not permitted here (${(m.stderr || m.error?.message || '').trim().split('\n')[0]})`;
  spawnSync('umount', [probe]);
  return false;
}

/** A tmpfs of `kb` KB at a fresh folder; unmounted by the returned function. */
export function tmpfs(kb: number): { dir: string; unmount: () => void } {
  const dir = tmpDir('tmpfs');
  const m = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${kb}k`, 'tmpfs', dir], { encoding: 'utf8' });
  assert.equal(m.status, 0, m.stderr);
  return { dir, unmount: () => void spawnSync('umount', ['-l', dir]) };
}

/** Runs `fn` on a fresh tmpfs of `kb` KB, unmounted afterwards whatever happens. */
export function withTmpfs(kb: number, fn: (dir: string) => void): void {
  const t = tmpfs(kb);
  try {
    fn(t.dir);
  } finally {
    t.unmount();
  }
}

/** Fills a file system to within `leaveKb` KB of full. */
export function fill(dir: string, leaveKb: number): void {
  const st = fs.statfsSync(dir);
  const free = st.bavail * st.bsize;
  const size = Math.max(0, free - leaveKb * 1024);
  fs.writeFileSync(path.join(dir, 'filler'), Buffer.alloc(size, 1));
}

/** Makes `dir` read-only for root too: a read-only bind mount of it onto itself. */
export function readOnly(dir: string): () => void {
  let m = spawnSync('mount', ['--bind', dir, dir], { encoding: 'utf8' });
  assert.equal(m.status, 0, m.stderr);
  m = spawnSync('mount', ['-o', 'remount,bind,ro', dir, dir], { encoding: 'utf8' });
  assert.equal(m.status, 0, m.stderr);
  return () => void spawnSync('umount', ['-l', dir]);
}

/** Starts the CLI without waiting; resolves with its result. */
export function startCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { child: ReturnType<typeof spawn>; done: Promise<CliResult & { signal: string | null }> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult & { signal: string | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code: code ?? -1, stdout, stderr, signal }));
  });
  return { child, done };
}

/** Waits until `cond` holds (polling), or fails after `ms`. */
export async function until(cond: () => boolean, ms = 60_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
