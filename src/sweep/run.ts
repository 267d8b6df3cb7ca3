// The sweep runner: plan groups, skip finished runs, train on workers, journal every
// finished run as it lands, and write the tidy tables at the end (or when stopped).
import * as fs from 'fs';
import * as path from 'path';
import { SweepConfig } from '../config/defaults';
import { DATA_STREAM_VERSION } from '../data/generator';
import { Backend, versions } from '../engine/backend';
import { ModelFile, checkRecordedModelFiles, modelFilesFor } from '../models/custom';
import { appendLines, readJournal, writeAtomic } from '../output/files';
import { JOURNAL, MANIFEST, checkFolder, clearSweepFiles, readManifest } from './folder';
import { Engine, engineFor } from '../train/engines';
export { ENGINES, Engine } from '../train/engines';
import { allRuns, planRunSets, runId } from './plan';
import { runPool } from './pool';
import { Shard } from './shard';
import { RunRecord, recordId, writeRunTables } from './tables';

export interface SweepOptions {
  config: SweepConfig;
  configHash: string;
  out: string;
  jobs: number;
  replicas: number;
  backend: Backend;
  /** fused where an architecture has a fused engine, tfjs otherwise; or tfjs for every model. */
  engine: Engine;
  force: boolean;
  /** Run only this shard's runs (null: all). */
  shard: Shard | null;
  /** What the user asked for, recorded in the manifest. */
  preset: string;
  command: string[];
  onProgress?: (done: number, total: number) => void;
  /** Run-steps (one run trained one step) done, of the sweep's total, reported every few hundred steps. */
  onSteps?: (done: number, total: number) => void;
  onWarn?: (line: string) => void;
}

export interface SweepOutcome {
  status: 'complete' | 'interrupted';
  done: number;
  total: number;
  resumed: number;
  repairedJournal: boolean;
  files: string[];
}

export interface RunningSweep {
  outcome: Promise<SweepOutcome>;
  /** Ctrl-C: end the workers, keep every finished run, write what there is. */
  stop(): void;
}

const pkg = require('../../../package.json') as { name: string; version: string };

export function startSweep(o: SweepOptions): RunningSweep {
  const mode = checkFolder(o.out, o.config, o.configHash, o.shard, o.force); // refuses before anything is written
  if (mode === 'resume') checkRecordedModelFiles(readManifest(o.out)?.modelFiles as ModelFile[] | undefined, `--out ${JSON.stringify(o.out)}`);
  const modelFiles = modelFilesFor(o.config.sweep.models); // --model-file models: hashed in the manifest, loaded by each worker
  fs.mkdirSync(o.out, { recursive: true });
  if (mode === 'replace') clearSweepFiles(o.out);

  const journal = path.join(o.out, JOURNAL);
  const { entries, repaired } = readJournal<RunRecord>(journal);
  const wanted = allRuns(o.config, o.shard);
  const wantedIds = new Set(wanted.map(runId));
  const records = new Map<string, RunRecord>();
  for (const e of entries) if (wantedIds.has(recordId(e))) records.set(recordId(e), e);
  const resumed = records.size;
  const todo = wanted.filter((k) => !records.has(runId(k)));
  const started = new Date();
  const manifest = (status: string) => ({
    tool: pkg.name,
    version: pkg.version,
    status,
    configHash: o.configHash,
    shard: o.shard,
    preset: o.preset,
    config: o.config,
    seeds: { base: o.config.sweep.seed, perRun: 'runs.csv column seed = hash(base seed, run)' },
    dataStream: DATA_STREAM_VERSION,
    backend: o.backend,
    engine: o.engine,
    engines: Object.fromEntries(o.config.sweep.models.map((m) => [m, engineFor(m, o.engine)])),
    versions: versions(),
    command: o.command,
    jobs: o.jobs,
    replicas: o.replicas,
    modelFiles,
    runsTotal: wanted.length,
    runsDone: records.size,
    started: started.toISOString(),
    updated: new Date().toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
  });
  writeAtomic(path.join(o.out, MANIFEST), JSON.stringify(manifest('running'), null, 2) + '\n');
  o.onProgress?.(records.size, wanted.length);
  const stepsTotal = wanted.length * o.config.train.steps;
  let stepsDone = records.size * o.config.train.steps;
  o.onSteps?.(stepsDone, stepsTotal);

  const pool = runPool(planRunSets(todo, o.replicas, o.jobs), o.jobs, { backend: o.backend, engine: o.engine, config: o.config, modelFiles }, {
    onGroup(group, results) {
      const recs: RunRecord[] = results.map((result) => ({ model: group.model, correlation: group.correlation, lr: group.lr, result }));
      appendLines(journal, recs.map((r) => JSON.stringify(r)));
      for (const r of recs) records.set(recordId(r), r);
      o.onProgress?.(records.size, wanted.length);
    },
    onSteps(steps) {
      stepsDone += steps;
      o.onSteps?.(stepsDone, stepsTotal);
    },
    onWarn: (line) => o.onWarn?.(line),
  });
  let stopped = false;

  const outcome = pool.finished.then(() => {
    const status = !stopped && records.size === wanted.length ? 'complete' : 'interrupted';
    const files = writeRunTables(o.out, o.config, [...records.values()]);
    writeAtomic(path.join(o.out, MANIFEST), JSON.stringify(manifest(status), null, 2) + '\n');
    return { status, done: records.size, total: wanted.length, resumed, repairedJournal: repaired, files } as SweepOutcome;
  });
  return {
    outcome,
    stop() {
      stopped = true;
      pool.stop();
    },
  };
}
