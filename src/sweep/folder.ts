// The output folder: a new sweep, the same sweep resumed, or another sweep refused.
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../errors';
import { SweepConfig } from '../config/defaults';
import { OUTPUTS } from '../output/columns';
import { canonicalJson } from '../config/load';
import { DATA_STREAM_VERSION } from '../data/generator';
import { extendsRuns } from './extend';
import { Shard } from './shard';

export const MANIFEST = 'manifest.json';
export const JOURNAL = 'journal.jsonl';

/** Files a sweep (and `report` on it) writes; --force removes only these, never anything else in the folder. */
export const SWEEP_FILES = [MANIFEST, JOURNAL, ...Object.values(OUTPUTS).map((o) => o.file), 'report.md', 'claims.csv', 'figures'];

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
  for (const section of Object.keys(b) as (keyof SweepConfig)[]) {
    const sa = (a[section] ?? {}) as unknown as Record<string, unknown>;
    const sb = b[section] as unknown as Record<string, unknown>;
    for (const key of Object.keys(sb)) {
      if (canonicalJson(sa[key]) !== canonicalJson(sb[key])) out.push(`${section}.${key} ${canonicalJson(sa[key])} → ${canonicalJson(sb[key])}`);
    }
  }
  return out;
}

export function readManifest(dir: string): Manifest | null {
  const file = path.join(dir, MANIFEST);
  if (!fs.existsSync(file)) return null;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

/** The refusal of a folder written with another data stream (a manifest without the field is stream 1), or null. */
export function otherDataStream(what: string, dir: string, m: Manifest, allowed: string): UsageError | null {
  const v = typeof m.dataStream === 'number' ? m.dataStream : 1;
  if (v === DATA_STREAM_VERSION) return null;
  return new UsageError(`${what} ${JSON.stringify(dir)} was written with data stream ${v}; this mmoe-sweep writes data stream ${DATA_STREAM_VERSION}; allowed: ${allowed}`, dir);
}

export const shardName = (s: Shard | null | undefined) => (s ? `shard ${s.index}/${s.count}` : 'the whole sweep');

/**
 * Decides, before anything is written, what happens in `dir`: 'new' (absent or empty),
 * 'resume' (holds this same sweep and shard), 'replace' (--force), or refuses with a UsageError.
 */
export function checkFolder(dir: string, cfg: SweepConfig, hash: string, shard: Shard | null, force: boolean): 'new' | 'resume' | 'replace' {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`--out ${JSON.stringify(dir)} is a file; allowed: a folder that is new, empty, or holds this same sweep`, dir);
  }
  if (!fs.existsSync(dir) || fs.readdirSync(dir).length === 0) return 'new';
  const manifest = readManifest(dir);
  const sameShard = manifest !== null && shardName(manifest.shard) === shardName(shard);
  const stale = manifest && otherDataStream('--out', dir, manifest, 'a new folder, or --force to replace it');
  if (stale && !force) throw stale; // its runs were drawn from other data: resuming would mix two studies
  if (manifest && !stale && manifest.configHash === hash && sameShard) return 'resume';
  if (manifest && !stale && sameShard && extendsRuns(manifest.config, cfg)) return 'resume'; // more runs: train only the new ones
  if (force) return 'replace';
  if (manifest && manifest.configHash === hash) {
    throw new UsageError(`--out ${JSON.stringify(dir)} holds ${shardName(manifest.shard)} of this sweep, not ${shardName(shard)}; allowed: a folder per shard, or --force to replace it`, dir);
  }
  if (!manifest) {
    throw new UsageError(`--out ${JSON.stringify(dir)} is not empty and holds no sweep manifest; allowed: a new or empty folder, this same sweep, or --force to write into it`, dir);
  }
  const diff = configDiff(manifest.config, cfg);
  const shown = diff.length > 3 ? `${diff.slice(0, 3).join('; ')}; and ${diff.length - 3} more` : diff.join('; ');
  throw new UsageError(`--out ${JSON.stringify(dir)} holds another sweep (${shown || 'different config'}); allowed: a new folder, the same config to resume, or --force to replace it`, dir);
}

export function clearSweepFiles(dir: string): void {
  for (const f of SWEEP_FILES) fs.rmSync(path.join(dir, f), { force: true, recursive: true });
}
