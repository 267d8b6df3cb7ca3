// The output folder: a new sweep, the same sweep resumed, or another sweep refused.
import * as fs from 'fs';
import * as path from 'path';
import { UsageError, usage } from '../errors';
import { SweepConfig } from '../config/defaults';
import { OUTPUTS } from '../output/columns';
import { TEMP_PREFIX, fail, writeNew } from '../output/files';
import { canonicalJson } from '../config/load';
import { damagedManifest, parseManifestText } from '../config/duplicates';
import { DATA_STREAM_VERSION } from '../data/generator';
import { extendsRuns } from './extend';
import { LOCK } from './lock';
import { Shard } from './shard';

export const MANIFEST = 'manifest.json';
export const JOURNAL = 'journal.jsonl';

/** Files a sweep writes at the top of its folder; the manifest lists the ones it wrote. */
export const SWEEP_FILES = [MANIFEST, JOURNAL, ...Object.values(OUTPUTS).map((o) => o.file)];
/** What `report` writes into a sweep folder: --force on a sweep folder replaces these too. */
export const REPORT_FILES = ['report.md', 'claims.csv'];
export const FIGURES_DIR = 'figures';
const FIGURE_FILE = /\.(csv|svg|png|pdf|vl\.json)$/;

export interface Manifest {
  tool: string;
  version: string;
  status: 'running' | 'complete' | 'interrupted';
  configHash: string;
  config: SweepConfig;
  shard: Shard | null;
  [key: string]: unknown;
}

/** "train.steps 100 → 200" for every key that differs. */
export function configDiff(a: SweepConfig, b: SweepConfig): string[] {
  const out: string[] = [];
  // keys a config may leave out, shown by what their absence means
  const absent: Record<string, string> = { 'train.lrSchedule': '"constant"', 'sweep.grid': 'no --set axes' };
  for (const section of Object.keys(b) as (keyof SweepConfig)[]) {
    const sa = ((a ?? {})[section] ?? {}) as unknown as Record<string, unknown>;
    const sb = b[section] as unknown as Record<string, unknown>;
    const show = (v: unknown, key: string) => (v === undefined ? absent[`${section}.${key}`] ?? '(absent)' : canonicalJson(v));
    for (const key of new Set([...Object.keys(sa), ...Object.keys(sb)])) {
      if (canonicalJson(sa[key]) !== canonicalJson(sb[key])) out.push(`${section}.${key} ${show(sa[key], key)} → ${show(sb[key], key)}`);
    }
  }
  return out;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** null for a manifest this tool wrote, else what is wrong with it. */
export function manifestProblem(x: unknown): string | null {
  if (!isObject(x)) return 'not a JSON object';
  if (x.tool !== 'mmoe-sweep') return 'no "tool": "mmoe-sweep"';
  if (typeof x.configHash !== 'string' || x.configHash === '') return 'no configHash';
  if (!['running', 'complete', 'interrupted'].includes(x.status as string)) return `status ${JSON.stringify(x.status)}`;
  if (!isObject(x.config) || !isObject(x.config.sweep) || !isObject(x.config.train)) return 'no config';
  // what plans the runs: a hand-edited value here would make resume or merge plan nothing and call it complete
  const { sweep, train } = x.config;
  const numbers = (v: unknown, ok: (n: number) => boolean) => Array.isArray(v) && v.length > 0 && v.every((n) => typeof n === 'number' && ok(n));
  const rates = (v: unknown) => numbers(v, (r) => Number.isFinite(r) && r > 0);
  if (!Array.isArray(sweep.models) || sweep.models.length === 0 || !sweep.models.every((m) => typeof m === 'string' && m !== '' && !(m in Object.prototype))) return 'a malformed config.sweep.models';
  if (!numbers(sweep.correlations, (p) => p >= -1 && p <= 1)) return 'a malformed config.sweep.correlations';
  if (!Number.isInteger(sweep.runs) || (sweep.runs as number) < 1) return 'a malformed config.sweep.runs';
  const lr = train.lr;
  const byModel = isObject(lr) && !Array.isArray(lr) && Object.keys(lr).length > 0 && Object.entries(lr).every(([k, v]) => !(k in Object.prototype) && rates(v));
  if (!rates(lr) && !byModel) return 'a malformed config.train.lr';
  if (x.shard !== null && x.shard !== undefined && !(isObject(x.shard) && Number.isInteger(x.shard.index) && Number.isInteger(x.shard.count))) return 'a malformed shard';
  return null;
}

/**
 * The folder's manifest: null when there is none; a UsageError when there is one but it is
 * damaged (empty, not JSON, not an object, fields missing), so nothing decides on a guess.
 */
export function readManifest(dir: string): Manifest | null {
  const file = path.join(dir, MANIFEST);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    fail(e, 'read', file);
  }
  const allowed = 'a manifest written by mmoe-sweep (move the folder aside, or delete the file to start over)';
  const x = parseManifestText(file, text, allowed);
  const problem = manifestProblem(x);
  if (problem) throw damagedManifest(file, problem, allowed);
  return x as Manifest;
}

/** The refusal of a folder written with another data stream (a manifest without the field is stream 1), or null. */
export function otherDataStream(what: string, dir: string, m: Manifest, allowed: string): UsageError | null {
  const v = typeof m.dataStream === 'number' ? m.dataStream : 1;
  if (v === DATA_STREAM_VERSION) return null;
  return new UsageError(`${what} ${JSON.stringify(dir)} was written with data stream ${v}; this mmoe-sweep writes data stream ${DATA_STREAM_VERSION}; allowed: ${allowed}`, dir);
}

export const shardName = (s: Shard | null | undefined) => (s ? `shard ${s.index}/${s.count}` : 'the whole sweep');

/** Names in the folder other than our lock and temporary files. */
function contents(dir: string): string[] {
  return fs.readdirSync(dir).filter((n) => n !== LOCK && !n.startsWith(TEMP_PREFIX));
}

/** Sweep output names already present in a folder that holds no manifest: --force will not delete them. */
function ours(dir: string): string[] {
  return contents(dir).filter((n) => SWEEP_FILES.includes(n) || REPORT_FILES.includes(n) || n === FIGURES_DIR);
}

/**
 * Decides, before anything is written, what happens in `dir`: 'new' (absent or empty),
 * 'resume' (holds this same sweep and shard), 'replace' (--force), or refuses with a UsageError.
 */
export function checkFolder(dir: string, cfg: SweepConfig, hash: string, shard: Shard | null, force: boolean): 'new' | 'resume' | 'replace' {
  const st = statOrNull(dir, '--out');
  if (st && !st.isDirectory()) {
    throw new UsageError(`--out ${JSON.stringify(dir)} is a file; allowed: a folder that is new, empty, or holds this same sweep`, dir);
  }
  if (!st || contents(dir).length === 0) return 'new';
  const manifest = readManifest(dir);
  const sameShard = manifest !== null && shardName(manifest.shard) === shardName(shard);
  const stale = manifest && otherDataStream('--out', dir, manifest, 'a new folder, or --force to replace it');
  if (stale && !force) throw stale; // its runs were drawn from other data: resuming would mix two studies
  const resumable = manifest && !stale && sameShard && (manifest.configHash === hash || extendsRuns(manifest.config, cfg)); // the same sweep, or more runs of it: train only what is missing
  if (resumable && !force && manifest.status === 'complete' && !fs.existsSync(path.join(dir, JOURNAL))) {
    // a committed study keeps its CSVs but not its journal, the record resume reads: it would retrain every run and rewrite the committed files
    throw new UsageError(`--out ${JSON.stringify(dir)} holds this sweep, complete, but not its ${JOURNAL} (a committed study keeps only its CSVs), so nothing in it can be resumed; allowed: a new --out to run it again (the same seed gives the same numbers), report to redraw it, or --force to replace it`, dir);
  }
  if (resumable) return 'resume';
  if (!manifest) {
    const clash = ours(dir);
    if (force && clash.length === 0) return 'replace'; // nothing to delete: the sweep writes beside the user's files
    throw new UsageError(
      force
        ? `--out ${JSON.stringify(dir)} holds no sweep manifest but has ${clash.map((n) => JSON.stringify(n)).join(', ')}; allowed: --force replaces only files a sweep wrote (per its manifest), so move those aside or use another folder`
        : `--out ${JSON.stringify(dir)} is not empty and holds no sweep manifest; allowed: a new or empty folder, this same sweep, or --force to write beside its files`,
      dir,
    );
  }
  if (force) return 'replace';
  if (manifest.configHash === hash) {
    throw new UsageError(`--out ${JSON.stringify(dir)} holds ${shardName(manifest.shard)} of this sweep, not ${shardName(shard)}; allowed: a folder per shard, or --force to replace it`, dir);
  }
  const diff = configDiff(manifest.config, cfg);
  const diffText = diff.length > 3 ? `${diff.slice(0, 3).join('; ')}; and ${diff.length - 3} more` : diff.join('; ');
  throw new UsageError(`--out ${JSON.stringify(dir)} holds another sweep (${diffText || 'different config'}); allowed: a new folder, the same config to resume, or --force to replace it`, dir);
}

/**
 * --force: removes what a sweep (and `report` on it) wrote here, and only that: nothing at all
 * unless the folder holds a manifest; in figures/ only figure files, and the folder only if it ends empty.
 */
export function clearSweepFiles(dir: string): void {
  if (!readManifest(dir)) return;
  try {
    for (const f of [...SWEEP_FILES, ...REPORT_FILES]) fs.rmSync(path.join(dir, f), { force: true });
    const figures = path.join(dir, FIGURES_DIR);
    if (fs.existsSync(figures) && fs.statSync(figures).isDirectory()) {
      for (const e of fs.readdirSync(figures, { withFileTypes: true })) if (e.isFile() && FIGURE_FILE.test(e.name)) fs.rmSync(path.join(figures, e.name));
      if (fs.readdirSync(figures).length === 0) fs.rmdirSync(figures);
    }
  } catch (e) {
    fail(e, 'clear', dir);
  }
}

function statOrNull(p: string, flag: string): fs.Stats | null {
  try {
    return fs.statSync(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      // a dangling symbolic link is not "absent": mkdir would fail on it
      if (fs.lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink()) throw usage(flag, p, 'a folder path (this is a symbolic link to nothing)');
      return null;
    }
    fail(e, 'use', p);
  }
}

/** Kernel file systems where files are not storage (Node's recursive mkdir loops forever on /proc). */
const PSEUDO = ['/proc', '/sys', '/dev'];

/**
 * Makes sure `dir` is a folder we can write and sync in, before any training: creates it
 * (one level at a time), then writes, fsyncs and removes a probe file. Returns whether it
 * created the folder. Every failure is one line naming the path and the cause.
 */
export function prepareFolder(dir: string, flag = '--out'): boolean {
  if (dir.trim() === '') throw usage(flag, dir, 'a folder path');
  if (dir.includes('\0')) throw usage(flag, dir, 'a folder path without NUL characters');
  const abs = path.resolve(dir);
  // the nearest existing ancestor, resolved through symbolic links
  const missing: string[] = [];
  let at = abs;
  while (!statOrNull(at, flag)) {
    missing.unshift(at);
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  let real: string;
  try {
    real = fs.realpathSync(at);
  } catch (e) {
    fail(e, 'use', at);
  }
  if (PSEUDO.some((p) => real === p || real.startsWith(`${p}/`))) throw usage(flag, dir, `a folder on a real file system (${real} is under ${PSEUDO.join(', ')})`);
  if (!fs.statSync(at).isDirectory()) throw usage(flag, dir, `a folder path (${at} is a file)`);
  const made: string[] = [];
  for (const m of missing) {
    try {
      fs.mkdirSync(m);
      made.push(m);
    } catch (e) {
      // another sweep racing for the same new folder made it first: the lock decides which one writes
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.lstatSync(m).isDirectory()) fail(e, 'create folder', m);
    }
  }
  const probe = path.join(abs, `${TEMP_PREFIX}${process.pid}-probe`);
  try {
    writeNew(probe, 'probe\n');
  } catch (e) {
    fs.rmSync(probe, { force: true });
    for (const m of made.reverse()) removeIfEmpty(m); // undo what we created
    fail(e, 'write into', abs);
  }
  fs.rmSync(probe, { force: true });
  return made.length > 0;
}

/** Removes a folder this process created, if nothing was written into it (a refused start). */
export function removeIfEmpty(dir: string): void {
  try {
    // another writer's lock counts as content: call this after releasing one's own
    if (fs.readdirSync(dir).every((n) => n.startsWith(TEMP_PREFIX))) fs.rmSync(dir, { recursive: true, force: true });
  } catch {
    // best effort
  }
}
