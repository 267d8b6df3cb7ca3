// Merging shard folders into the folder a single-machine sweep would have written.
import * as fs from 'fs';
import * as path from 'path';
import { UsageError } from '../errors';
import { appendLines, readJournal, writeAtomic } from '../output/files';
import { ModelFile, registerModelFiles } from '../models/custom';
import { JOURNAL, MANIFEST, Manifest, checkFolder, clearSweepFiles, configDiff, otherDataStream, readManifest, shardName } from './folder';
import { allRuns, runId } from './plan';
import { RunRecord, recordId, sortRecords, writeRunTables } from './tables';

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

export function mergeShards(dirs: string[], out: string, force: boolean): MergeOutcome {
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
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length) throw new UsageError(`shard ${missing.map((i) => `${i}/${count}`).join(', ')} is missing; allowed: all ${count} shards of the sweep`, missing);

  const cfg = first.config;
  const records = new Map<string, RunRecord>();
  dirs.forEach((dir) => {
    for (const r of readJournal<RunRecord>(path.join(dir, JOURNAL)).entries) records.set(recordId(r), r);
  });
  const wanted = allRuns(cfg);
  const absent = wanted.filter((k) => !records.has(runId(k)));
  if (absent.length) throw new UsageError(`the shards lack ${absent.length} runs (first: ${runId(absent[0])}); allowed: complete shards`, absent.length);

  const mode = checkFolder(out, cfg, first.configHash, null, force);
  fs.mkdirSync(out, { recursive: true });
  if (mode !== 'new') clearSweepFiles(out);
  const sorted = sortRecords(cfg, wanted.map((k) => records.get(runId(k))!));
  appendLines(path.join(out, JOURNAL), sorted.map((r) => JSON.stringify(r)));
  const files = writeRunTables(out, cfg, sorted);
  const backends = [...new Set(manifests.map((m) => String(m.backend)))];
  const manifest = {
    ...first,
    status: 'complete',
    shard: null,
    backend: backends.join('+'),
    command: ['merge', ...process.argv.slice(3)],
    // dir as given, so the manifest names no machine path
    mergedFrom: dirs.map((d, i) => ({ dir: d, shard: manifests[i].shard, backend: manifests[i].backend, started: manifests[i].started, updated: manifests[i].updated })),
    runsTotal: wanted.length,
    runsDone: sorted.length,
    updated: new Date().toISOString(),
  };
  writeAtomic(path.join(out, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return { runs: sorted.length, files };
}
