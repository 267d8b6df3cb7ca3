// Merging shard folders into the folder a single-machine sweep would have written.
import * as path from 'path';
import { UsageError } from '../errors';
import { appendLines, commitStage, makeStage, removeStage, writeAtomic } from '../output/files';
import { ModelFile, registerModelFiles } from '../models/custom';
import { JOURNAL, MANIFEST, Manifest, checkFolder, clearSweepFiles, configDiff, otherDataStream, prepareFolder, readManifest, removeIfEmpty, shardName } from './folder';
import { readRecords } from './journal';
import { acquireLock } from './lock';
import { allRuns, runId } from './plan';
import { RunRecord, recordId, sortRecords, writeRunTables } from './tables';
import { mergedTiming } from './timing';

export interface MergeOutcome {
  runs: number;
  files: string[];
}

function shardManifest(dir: string): Manifest {
  const m = readManifest(dir);
  if (!m) throw new UsageError(`${JSON.stringify(dir)} holds no sweep manifest; allowed: folders written by mmoe-sweep --shard i/n`, dir);
  const stale = otherDataStream('shard', dir, m, 'shards written by this version (run them again)');
  if (stale) throw stale;
  if (m.status !== 'complete') throw new UsageError(`${JSON.stringify(dir)} is ${shardName(m.shard)} with status ${m.status}; allowed: complete shards (re-run its command to finish it)`, dir);
  return m;
}

const listed = (xs: number[], count: number) => `${xs.slice(0, 5).map((i) => `${i}/${count}`).join(', ')}${xs.length > 5 ? ` and ${xs.length - 5} more` : ''}`;

/**
 * Reads every shard (never writing to one), then writes the merged set into a staging folder
 * inside `out` and moves it into place in one synchronous step: `out` holds the old set or the
 * new one. `finish` adds files computed from the staged set (the summaries).
 */
export function mergeShards(dirs: string[], out: string, force: boolean, finish: (stage: string) => string[] = () => []): MergeOutcome {
  const manifests = dirs.map(shardManifest);
  const first = manifests[0];
  manifests.forEach((m, i) => {
    if (m.configHash !== first.configHash) {
      throw new UsageError(`${JSON.stringify(dirs[i])} is from another sweep than ${JSON.stringify(dirs[0])} (${configDiff(first.config, m.config).slice(0, 3).join('; ')}); allowed: shards of one sweep`, dirs[i]);
    }
    if (!m.shard) throw new UsageError(`${JSON.stringify(dirs[i])} holds a whole sweep, not a shard; allowed: folders written with --shard i/n`, dirs[i]);
    if (m.shard.count !== first.shard!.count) throw new UsageError(`${JSON.stringify(dirs[i])} is ${shardName(m.shard)} but ${JSON.stringify(dirs[0])} is ${shardName(first.shard)}; allowed: shards with one count`, dirs[i]);
  });
  // --model-file models: every shard's, unchanged since it ran (params.csv needs each architecture)
  manifests.forEach((m, i) => registerModelFiles((m.modelFiles as ModelFile[] | undefined) ?? [], `${JSON.stringify(dirs[i])} manifest`));
  const count = first.shard!.count;
  const byIndex = new Map<number, string>();
  manifests.forEach((m, i) => {
    const seen = byIndex.get(m.shard!.index);
    if (seen) throw new UsageError(`shard ${m.shard!.index}/${count} is given twice: ${JSON.stringify(seen)} and ${JSON.stringify(dirs[i])}; allowed: each shard once`, dirs[i]);
    byIndex.set(m.shard!.index, dirs[i]);
  });
  const missing: number[] = [];
  for (let i = 1; i <= count && missing.length < 6; i++) if (!byIndex.has(i)) missing.push(i);
  if (missing.length) throw new UsageError(`shard ${listed(missing, count)} ${missing.length > 1 ? 'are' : 'is'} missing (${count - byIndex.size} in all); allowed: all ${count} shards of the sweep`, missing);

  const cfg = first.config;
  const records = new Map<string, RunRecord>();
  dirs.forEach((dir) => {
    for (const r of readRecords(path.join(dir, JOURNAL), false).entries) records.set(recordId(r), r);
  });
  const wanted = allRuns(cfg);
  const absent = wanted.filter((k) => !records.has(runId(k)));
  if (absent.length) throw new UsageError(`the shards lack ${absent.length} runs (first: ${runId(absent[0])}); allowed: complete shards`, absent.length);

  checkFolder(out, cfg, first.configHash, null, force);
  const created = prepareFolder(out);
  const lock = acquireLock(out, 'merge');
  let stage: string | null = null;
  try {
    const mode = checkFolder(out, cfg, first.configHash, null, force);
    stage = makeStage(out);
    const sorted = sortRecords(cfg, wanted.map((k) => records.get(runId(k))!));
    appendLines(path.join(stage, JOURNAL), sorted.map((r) => JSON.stringify(r)));
    const staged = writeRunTables(stage, cfg, sorted);
    const backends = [...new Set(manifests.map((m) => String(m.backend)))];
    const manifest = {
      ...first,
      status: 'complete',
      shard: null,
      backend: backends.join('+'),
      command: ['merge', ...process.argv.slice(3)],
      mergedFrom: dirs.map((d, i) => ({ dir: d, // as given, so the manifest names no machine path
        shard: manifests[i].shard, backend: manifests[i].backend, started: manifests[i].started, updated: manifests[i].updated, seconds: manifests[i].seconds, sessions: manifests[i].sessions ?? 1 })),
      runsTotal: wanted.length,
      runsDone: sorted.length,
      ...mergedTiming(manifests, sorted.reduce((a, r) => a + r.result.steps, 0)), // not the first shard's
      updated: new Date().toISOString(),
    };
    writeAtomic(path.join(stage, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
    staged.push(...finish(stage));
    if (mode !== 'new') clearSweepFiles(out);
    commitStage(stage, out);
    return { runs: sorted.length, files: staged.map((f) => path.join(out, path.relative(stage!, f))) };
  } catch (e) {
    if (stage) removeStage(stage);
    lock.release();
    if (created) removeIfEmpty(out);
    throw e;
  } finally {
    lock.release();
  }
}
