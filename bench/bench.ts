// Throughput benchmark (issues 3 and 8; a benchmark, never a test), in one invocation:
//  1. the real sweep: `mmoe-sweep` through the CLI with the paper preset's settings (fresh rows
//     every step, 2,000 held-out rows every 250 steps), all cores, the default --replicas, on
//     the fused and the tfjs engine: model-steps per wall second, evaluation and start-up included;
//  2. PyTorch (bench/torch_reference.py, when python3 has torch): the plain one-run-at-a-time
//     loop (2 threads) and the expert loop (R replicas as grouped 1×1 conv2d, one process per
//     core), and the ratio ours / expert;
//  3. the trainer alone (startGroup driven by trainGroup): model-steps/s per model, engine,
//     replica group size R and 1 worker vs all cores, with FLOPs per step and GFLOP/s.
//
//   npm run bench                                  # everything, a few minutes
//   node dist/bench/bench.js --models mmoe --replicas 8,32 --jobs 2 --no-torch --no-sweep
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Worker, parentPort, workerData } from 'worker_threads';
import { BackendChoice, initBackend } from '../src/engine/backend';
import { DEFAULTS } from '../src/config/defaults';
import { DataConfig, TASKS, makeRunData, studyConstants } from '../src/data/generator';
import { ModelShape } from '../src/models/types';
import { MODEL_NAMES } from '../src/models/zoo';
import { Engine } from '../src/train/engines';
import { Group, trainGroup } from '../src/train/replicas';
import { trainFlops } from './flops';
import { intFlag, intListFlag, runBench } from './flags';
import { usage } from '../src/errors';

const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = path.resolve(__dirname, '../../bench/torch_reference.py');
const BIN = path.resolve(__dirname, '../../bin/mmoe-sweep.js');
/** configs/paper.json's lr grid: a sweep trains every run at each, on the run's shared rows. */
const PAPER_LRS = 3;
const BATCH = 128;
const SHAPE: ModelShape = { ...DEFAULTS.model, inputDim: DEFAULTS.data.dim, tasks: TASKS };
// Rows drawn per run before the clock starts: the per-step cost (copying a shuffled batch) does
// not depend on the set's size, only the untimed set-up does.
const DATA: DataConfig = { ...DEFAULTS.data, trainSize: 1024, evalSize: 256 };

interface Options {
  backend: BackendChoice;
  models: string[];
  replicas: number[];
  jobs: number[];
  engines: Engine[];
  /** Part 1: runs and steps per run of the real sweep, per engine (the tfjs engine is slower: fewer steps). */
  sweep: boolean;
  sweepRuns: number;
  sweepSteps: Record<Engine, number>;
  /** Part 2: replicas of the expert PyTorch loop. */
  torchReplicas: number;
  micro: boolean;
  /** Timed model-steps per worker and configuration (steps per run = target / R, at least 6). */
  target: number;
  /** Each configuration is timed this many times and the best kept: other processes share the cores. */
  repeat: number;
  torch: boolean;
  torchSteps: number;
}

export function parseArgs(argv: string[]): Options {
  const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const o: Options = {
    backend: 'auto', models: [...MODEL_NAMES], replicas: [1, 8, 32], jobs: [...new Set([1, cores])], engines: ['fused', 'tfjs'],
    sweep: true, sweepRuns: 16, sweepSteps: { fused: 1000, tfjs: 400 }, torchReplicas: 32, micro: true,
    target: 800, repeat: 1, torch: true, torchSteps: 600,
  };
  const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw usage(flag, '(missing)', 'a value after the flag');
      return v;
    };
    if (flag === '--backend') o.backend = value() as BackendChoice;
    else if (flag === '--models') o.models = list(value());
    else if (flag === '--replicas') o.replicas = intListFlag(flag, value());
    else if (flag === '--jobs') o.jobs = intListFlag(flag, value());
    else if (flag === '--target') o.target = intFlag(flag, value());
    else if (flag === '--repeat') o.repeat = intFlag(flag, value());
    else if (flag === '--torch-steps') o.torchSteps = intFlag(flag, value());
    else if (flag === '--no-torch') o.torch = false;
    else if (flag === '--engines') o.engines = list(value()) as Engine[];
    else if (flag === '--no-sweep') o.sweep = false;
    else if (flag === '--sweep-runs') o.sweepRuns = intFlag(flag, value());
    else if (flag === '--sweep-steps') {
      const steps = intListFlag(flag, value());
      if (steps.length !== 2) throw usage(flag, steps.join(','), 'FUSED,TFJS: two step counts, the fused engine\'s then the tfjs engine\'s');
      [o.sweepSteps.fused, o.sweepSteps.tfjs] = steps;
    } else if (flag === '--torch-replicas') o.torchReplicas = intFlag(flag, value());
    else if (flag === '--no-micro') o.micro = false;
    else throw usage('unknown flag', flag, '--backend, --models, --replicas, --jobs, --engines, --target, --repeat, --torch-steps, --torch-replicas, --no-torch, --no-sweep, --sweep-runs, --sweep-steps FUSED,TFJS, --no-micro');
  }
  return o;
}

// ---------------------------------------------------------------- worker side

interface Job {
  model: string;
  engine: Engine;
  replicas: number;
  steps: number;
  worker: number;
}

type FromWorker = { type: 'up'; backend: string } | { type: 'ready' } | { type: 'done'; seconds: number } | { type: 'error'; message: string };

function makeGroup(job: Job, steps: number): Group {
  const constants = studyConstants(DATA, 1);
  const runs = Array.from({ length: job.replicas }, (_, i) => {
    const seed = 1_000_003 * (job.worker + 1) + i;
    return { run: i, seed, data: makeRunData(DATA, 0.5, constants, seed) };
  });
  return { model: job.model, shape: SHAPE, lr: 0.001, train: { steps, batchSize: BATCH, lr: [0.001], evalEvery: steps }, runs };
}

async function workerMain(): Promise<void> {
  const port = parentPort!;
  const backend = await initBackend((workerData as { backend: BackendChoice }).backend);
  let pending: Group | null = null;
  let job: Job | null = null;
  port.on('message', (msg: { type: 'job'; job: Job } | { type: 'go' }) => {
    try {
      if (msg.type === 'job') {
        job = msg.job;
        // untimed: the runs' data, then a few steps so every kernel has run once
        trainGroup(makeGroup(msg.job, 3), msg.job.engine);
        pending = makeGroup(msg.job, msg.job.steps);
        port.postMessage({ type: 'ready' } satisfies FromWorker);
      } else {
        const started = process.hrtime.bigint();
        trainGroup(pending!, job!.engine);
        pending = null;
        port.postMessage({ type: 'done', seconds: Number(process.hrtime.bigint() - started) / 1e9 } satisfies FromWorker);
      }
    } catch (e) {
      port.postMessage({ type: 'error', message: (e as Error).stack ?? String(e) } satisfies FromWorker);
    }
  });
  port.postMessage({ type: 'up', backend } satisfies FromWorker);
}

// ---------------------------------------------------------------- main side

interface Pool {
  workers: Worker[];
  next(w: Worker): Promise<FromWorker>;
}

function startPool(n: number, backend: BackendChoice): Pool {
  const queues = new Map<Worker, FromWorker[]>();
  const waiting = new Map<Worker, (m: FromWorker) => void>();
  const workers = Array.from({ length: n }, () => {
    const w = new Worker(__filename, { workerData: { backend } });
    queues.set(w, []);
    w.on('message', (m: FromWorker) => {
      const resolve = waiting.get(w);
      if (resolve) {
        waiting.delete(w);
        resolve(m);
      } else queues.get(w)!.push(m);
    });
    w.on('error', (e) => {
      const resolve = waiting.get(w);
      if (resolve) resolve({ type: 'error', message: e.stack ?? String(e) });
    });
    return w;
  });
  return {
    workers,
    next: (w) => {
      const q = queues.get(w)!;
      if (q.length > 0) return Promise.resolve(q.shift()!);
      return new Promise((resolve) => waiting.set(w, resolve));
    },
  };
}

async function expect(pool: Pool, w: Worker, type: FromWorker['type']): Promise<FromWorker> {
  const m = await pool.next(w);
  if (m.type === 'error') throw new Error(`bench worker failed:\n${m.message}`);
  if (m.type !== type) throw new Error(`bench worker: expected ${type}, got ${m.type}`);
  return m;
}

interface Row {
  model: string;
  engine: Engine;
  replicas: number;
  jobs: number;
  steps: number;
  modelStepsPerSec: number;
  msPerGroupStep: number;
  mflop: number;
  gflops: number;
}

/** Every one of `jobs` workers trains its own group of R runs; the clock runs from a common start to the last finish. */
async function measure(pool: Pool, model: string, engine: Engine, replicas: number, jobs: number, target: number): Promise<Row> {
  const steps = Math.max(6, Math.round(target / replicas));
  const ws = pool.workers.slice(0, jobs);
  ws.forEach((w, worker) => w.postMessage({ type: 'job', job: { model, engine, replicas, steps, worker } }));
  for (const w of ws) await expect(pool, w, 'ready');
  const started = process.hrtime.bigint();
  ws.forEach((w) => w.postMessage({ type: 'go' }));
  const seconds = await Promise.all(ws.map(async (w) => ((await expect(pool, w, 'done')) as { seconds: number }).seconds));
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const modelStepsPerSec = (jobs * replicas * steps) / wall;
  const flops = trainFlops(model, SHAPE, BATCH);
  return {
    model, engine, replicas, jobs, steps, modelStepsPerSec,
    msPerGroupStep: (1000 * seconds.reduce((a, b) => a + b, 0)) / seconds.length / steps,
    mflop: flops / 1e6,
    gflops: (modelStepsPerSec * flops) / 1e9,
  };
}

interface TorchResult {
  model: string;
  steps_per_s: number;
}

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
}

function runTorch(models: string[], steps: number): { results: Map<string, number>; note: string } {
  const r = spawnSync(PYTHON, [TORCH_SCRIPT, '--threads', '2', '--json', '--steps', String(steps), '--warmup', '100', '--models', models.join(',')], { encoding: 'utf8' });
  if (r.status !== 0) return { results: new Map(), note: `torch reference failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').pop()}` };
  const results = new Map<string, number>();
  for (const line of r.stdout.split('\n')) {
    if (!line.trim().startsWith('{')) continue;
    const o = JSON.parse(line) as TorchResult;
    results.set(o.model, o.steps_per_s);
  }
  return { results, note: `PyTorch reference (${path.relative(process.cwd(), TORCH_SCRIPT)}): one run at a time, 2 threads, ${steps} timed steps, data pre-generated` };
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

/** The expert PyTorch loop: one process per core, each 1 thread and R grouped replicas, run at once; replica-steps/s summed. */
async function runTorchGrouped(models: string[], replicas: number, processes: number, steps: number): Promise<Map<string, number>> {
  const results = new Map<string, number>();
  for (const model of models) {
    const one = () =>
      new Promise<number>((resolve, reject) => {
        const child = spawn(PYTHON, [TORCH_SCRIPT, '--threads', '1', '--replicas', String(replicas), '--json', '--steps', String(steps), '--warmup', '20', '--models', model], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => (code === 0 ? resolve((JSON.parse(out.trim().split('\n').pop()!) as TorchResult).steps_per_s) : reject(new Error(`torch reference (grouped) failed: ${err.trim().split('\n').pop()}`))));
      });
    const rates = await Promise.all(Array.from({ length: processes }, one));
    results.set(model, rates.reduce((a, b) => a + b, 0));
  }
  return results;
}

interface SweepRow {
  model: string;
  engine: Engine;
  runs: number;
  steps: number;
  seconds: number;
  modelStepsPerSec: number;
}

/** Part 1: the CLI as a user runs it, wall clock from spawn to exit. */
function runSweep(model: string, engine: Engine, runs: number, steps: number, backend: BackendChoice): SweepRow {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mmoe-bench-'));
  const args = [BIN, '--preset', 'paper', '--models', model, '--correlation', '0.5', '--runs', String(runs), '--steps', String(steps),
    '--train-size', '0', '--eval-size', '2000', '--eval-every', '250', '--engine', engine, '--backend', backend, '--quiet', '--json', '--out', path.join(out, 'sweep')];
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fs.rmSync(out, { recursive: true, force: true });
  if (r.status !== 0) throw new Error(`bench sweep failed (exit ${r.status}): ${r.stderr.trim()}`);
  return { model, engine, runs, steps, seconds, modelStepsPerSec: (runs * PAPER_LRS * steps) / seconds };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  console.log(`mmoe-sweep bench: batch ${BATCH}, models ${o.models.join(', ')}, ${cores} cores`);
  console.log(`load average before: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}\n`);

  const hasTorch = o.torch && torchAvailable();
  if (o.torch && !hasTorch) console.log(`PyTorch reference skipped: ${PYTHON} cannot import torch\n`);
  const sweeps: SweepRow[] = [];
  if (o.sweep) {
    console.log(`1. Real sweep: mmoe-sweep --preset paper --models M --correlation 0.5 --runs ${o.sweepRuns} (its 3 lrs; fresh rows, 2,000 held-out rows every 250 steps), --jobs ${cores} (all cores), default --replicas; model-steps = runs × 3 lrs × steps`);
    console.log(`${'model'.padEnd(14)}${pad('engine', 7)}${pad('runs', 6)}${pad('steps', 7)}${pad('seconds', 9)}${pad('model-steps/s', 15)}`);
    for (const model of o.models)
      for (const engine of o.engines) {
        const row = runSweep(model, engine, o.sweepRuns, o.sweepSteps[engine], o.backend);
        sweeps.push(row);
        console.log(`${model.padEnd(14)}${pad(engine, 7)}${pad(row.runs, 6)}${pad(row.steps, 7)}${pad(row.seconds.toFixed(1), 9)}${pad(row.modelStepsPerSec.toFixed(0), 15)}`);
      }
    for (const model of o.models) {
      const [f, t] = (['fused', 'tfjs'] as const).map((e) => sweeps.find((r) => r.model === model && r.engine === e));
      if (f && t) console.log(`  ${model}: fused / tfjs ${(f.modelStepsPerSec / t.modelStepsPerSec).toFixed(2)}x`);
    }
    console.log('');
  }

  const torch = hasTorch ? runTorch(o.models, o.torchSteps) : null;
  const expert = hasTorch ? await runTorchGrouped(o.models, o.torchReplicas, cores, Math.max(20, Math.round((o.torchSteps * 4) / o.torchReplicas))) : null;
  if (torch && expert) {
    console.log(`2. PyTorch (${path.relative(process.cwd(), TORCH_SCRIPT)}, data pre-generated, not timed): plain = one run at a time, 2 threads; expert = ${o.torchReplicas} replicas as grouped 1x1 conv2d, ${cores} processes × 1 thread`);
    console.log(`${'model'.padEnd(14)}${pad('plain steps/s', 15)}${pad('expert replica-steps/s', 24)}${pad('ours (fused sweep)', 20)}${pad('ours / expert', 15)}`);
    for (const model of o.models) {
      const ours = sweeps.find((r) => r.model === model && r.engine === 'fused');
      const e = expert.get(model);
      console.log(`${model.padEnd(14)}${pad(torch.results.get(model)?.toFixed(0) ?? '-', 15)}${pad(e?.toFixed(0) ?? '-', 24)}${pad(ours ? ours.modelStepsPerSec.toFixed(0) : '-', 20)}${pad(ours && e ? `${(ours.modelStepsPerSec / e).toFixed(2)}x` : '-', 15)}`);
    }
    console.log('');
  }

  if (!o.micro) {
    console.log(`load average after: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return;
  }
  const pool = startPool(Math.max(...o.jobs), o.backend);
  let backend = '';
  for (const w of pool.workers) backend = ((await expect(pool, w, 'up')) as { backend: string }).backend;
  console.log(`3. The trainer alone (no CLI, no evaluation; each worker its own group), backend ${backend}, best of ${o.repeat}`);

  const header = `${'model'.padEnd(14)}${pad('engine', 7)}${pad('R', 5)}${pad('jobs', 6)}${pad('steps', 7)}${pad('model-steps/s', 15)}${pad('ms/group-step', 15)}${pad('MFLOP/step', 12)}${pad('GFLOP/s', 9)}`;
  console.log(header);
  const rows: Row[] = [];
  for (const model of o.models)
    for (const engine of o.engines)
      for (const jobs of o.jobs)
        for (const R of o.replicas) {
          let row = await measure(pool, model, engine, R, jobs, o.target);
          for (let i = 1; i < o.repeat; i++) {
            const again = await measure(pool, model, engine, R, jobs, o.target);
            if (again.modelStepsPerSec > row.modelStepsPerSec) row = again;
          }
          rows.push(row);
          console.log(
            `${model.padEnd(14)}${pad(engine, 7)}${pad(R, 5)}${pad(jobs, 6)}${pad(row.steps, 7)}${pad(row.modelStepsPerSec.toFixed(0), 15)}` +
            `${pad(row.msPerGroupStep.toFixed(2), 15)}${pad(row.mflop.toFixed(2), 12)}${pad(row.gflops.toFixed(2), 9)}`,
          );
        }
  await Promise.all(pool.workers.map((w) => w.terminate()));
  const allCores = Math.max(...o.jobs);
  for (const engine of o.engines) {
    const best = rows.filter((r) => r.model === 'mmoe' && r.engine === engine && r.jobs === allCores).sort((a, b) => b.modelStepsPerSec - a.modelStepsPerSec)[0];
    if (best) console.log(`best mmoe R on ${engine} with ${allCores} jobs: ${best.replicas} (${best.modelStepsPerSec.toFixed(0)} model-steps/s)`);
  }
  console.log(`load average after: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (parentPort) {
  void workerMain();
} else if (require.main === module) {
  runBench('bench', main);
}
