// The sweep runner: plan groups, skip finished runs, train on workers, journal every
// finished run as it lands, and write the tidy tables at the end (or when stopped).
import * as path from 'path';
import { SweepConfig } from '../config/defaults';
import { DATA_STREAM_VERSION } from '../data/generator';
import { Backend, versions } from '../engine/backend';
import { ModelFile, checkRecordedModelFiles, modelFilesFor } from '../models/custom';
import { appendLines, writeAtomic } from '../output/files';
import { checkSweepBounds, plannedRuns } from './bounds';
import { JOURNAL, MANIFEST, checkFolder, clearSweepFiles, prepareFolder, readManifest, removeIfEmpty } from './folder';
import { droppedLines, readRecords } from './journal';
import { acquireLock } from './lock';
import { Engine, engineFor } from '../train/engines';
export { ENGINES, Engine } from '../train/engines';
import { allRuns, axesNotRead, planRunSets, runId } from './plan';
import { runPool } from './pool';
import { applyPoint } from '../config/grid';
import { Shard } from './shard';
import { RunRecord, recordId, writeRunTables } from './tables';
import { earlierSessions, timingOf } from './timing';

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
  /** The caller created `out` for this sweep: removed again if the sweep is refused before writing. */
  created?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** Run-steps (one run trained one step) done, of the sweep's total, reported every few hundred steps. */
  onSteps?: (done: number, total: number) => void;
  onWarn?: (line: string) => void;
  /** Once the folder and the bounds are accepted and the folder is locked, before any training: where a banner belongs. */
  onStart?: () => void;
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
  // refused before anything is written or allocated: another sweep in the folder, sizes beyond the bounds
  checkFolder(o.out, o.config, o.configHash, o.shard, o.force);
  try {
    checkSweepBounds(o.config, { jobs: o.jobs, replicas: o.replicas, shard: o.shard, planned: plannedRuns(o.config, o.shard) });
  } catch (e) {
    if (o.created) removeIfEmpty(o.out);
    throw e;
  }
  const created = prepareFolder(o.out) || Boolean(o.created); // a writable folder, probed, before any training
  const lock = acquireLock(o.out, 'sweep');
  const modelFiles = modelFilesFor(o.config.sweep.models); // --model-file models: hashed in the manifest, loaded by each worker
  const journal = path.join(o.out, JOURNAL);
  let setup, previous;
  try {
    const mode = checkFolder(o.out, o.config, o.configHash, o.shard, o.force); // again, now that no other writer can change it
    previous = mode === 'resume' ? readManifest(o.out) : null;
    if (mode === 'resume') checkRecordedModelFiles(previous?.modelFiles as ModelFile[] | undefined, `--out ${JSON.stringify(o.out)}`);
    if (mode === 'replace') clearSweepFiles(o.out);
    setup = readRecords(journal, true);
  } catch (e) {
    lock.release();
    if (created) removeIfEmpty(o.out);
    throw e;
  }
  o.onStart?.();
  for (const line of droppedLines(journal, setup)) o.onWarn?.(line);
  const { entries, repaired } = setup;
  const wanted = allRuns(o.config, o.shard);
  const wantedIds = new Set(wanted.map(runId));
  if (wantedIds.size !== wanted.length) throw new Error(`the plan repeats a run (${wanted.length} runs, ${wantedIds.size} distinct): the grid should have been refused`);
  const records = new Map<string, RunRecord>();
  for (const e of entries) if (wantedIds.has(recordId(e))) records.set(recordId(e), e);
  const resumed = records.size;
  const todo = wanted.filter((k) => !records.has(runId(k)));
  const started = new Date();
  // this session's runs and steps; the sessions before it from the manifest it resumes
  const earlier = earlierSessions(previous ?? null); // none for a new or replaced folder
  const session = { runs: 0, modelSteps: 0 };
  const modelStepsOf = (rs: Iterable<RunRecord>) => [...rs].reduce((a, r) => a + r.result.steps, 0);
  let modelSteps = modelStepsOf(records.values()); // of every run the folder holds
  const timing = () => timingOf([...earlier, { started: started.toISOString(), seconds: (Date.now() - started.getTime()) / 1000, ...session }], modelSteps);
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
    ...(o.config.sweep.grid ? { axesNotRead: axesNotRead(o.config) } : {}), // trained once for all their values, listed under each
    runsTotal: wanted.length,
    runsDone: records.size,
    ...timing(),
    updated: new Date().toISOString(),
  });
  const writeManifest = (status: string) => writeAtomic(path.join(o.out, MANIFEST), JSON.stringify(manifest(status), null, 2) + '\n');
  try {
    // a sweep with nothing left to train keeps its status until the tables are rewritten
    if (todo.length > 0) writeManifest('running');
  } catch (e) {
    lock.release();
    throw e;
  }
  o.onProgress?.(records.size, wanted.length);
  const stepsOf = (k: { point?: Record<string, number> }) => applyPoint(o.config, k.point).train.steps; // train.steps may be a --set axis
  const stepsTotal = wanted.reduce((a, k) => a + stepsOf(k), 0);
  let stepsDone = [...records.values()].reduce((a, r) => a + stepsOf(r), 0);
  o.onSteps?.(stepsDone, stepsTotal);

  let failure: unknown = null;
  let stopped = false;
  const pool = runPool(planRunSets(todo, o.replicas, o.jobs), o.jobs, { backend: o.backend, engine: o.engine, config: o.config, modelFiles }, {
    onGroup(group, results) {
      if (failure) return;
      const at = group.point && Object.keys(group.point).length ? { point: group.point } : {}; // journal lines without --set stay as they were
      const recs: RunRecord[] = results.map((result) => ({ model: group.model, correlation: group.correlation, lr: group.lr, ...at, result }));
      try {
        appendLines(journal, recs.map((r) => JSON.stringify(r)));
      } catch (e) {
        failure = e; // a full disk: stop training runs that could not be kept
        pool.stop();
        return;
      }
      for (const r of recs) records.set(recordId(r), r);
      const steps = modelStepsOf(recs);
      session.runs += recs.length;
      session.modelSteps += steps;
      modelSteps += steps;
      try {
        writeManifest('running'); // this session's time so far: a process killed without a word (SIGKILL, a dead machine) keeps it
      } catch (e) {
        failure = e;
        pool.stop();
        return;
      }
      o.onProgress?.(records.size, wanted.length);
    },
    onSteps(steps) {
      stepsDone += steps;
      o.onSteps?.(stepsDone, stepsTotal);
    },
    onWarn: (line) => o.onWarn?.(line),
  });

  const outcome = pool.finished
    .then(() => {
      if (failure) {
        try {
          writeManifest('interrupted'); // what the journal holds is kept; a re-run resumes from it
        } catch {
          // the disk is still full: the journal is the record
        }
        throw failure;
      }
      const status = !stopped && records.size === wanted.length ? 'complete' : 'interrupted';
      const files = writeRunTables(o.out, o.config, [...records.values()]);
      writeManifest(status);
      return { status, done: records.size, total: wanted.length, resumed, repairedJournal: repaired, files } as SweepOutcome;
    }); // the lock stays until the process exits: the caller still writes the summaries

  return {
    outcome,
    stop() {
      stopped = true;
      pool.stop();
    },
  };
}
