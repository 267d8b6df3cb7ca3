// Throughput benchmark (issue 3; a benchmark, never a test): training steps per second per
// model ("model-steps/s") of the real trainGroup, for each model at batch 128, for replica
// groups of R runs and for 1 worker thread vs all cores (each worker training its own group),
// with the FLOPs per step and the GFLOP/s achieved; beside it, the same training step in
// PyTorch (bench/torch_reference.py: one run at a time, 2 threads) when python3 has torch.
//
//   npm run bench                                  # the full table, under 3 minutes
//   node dist/bench/bench.js --models mmoe --replicas 8,32 --jobs 2 --no-torch
import { spawnSync } from 'child_process';
import os from 'os';
import path from 'path';
import { Worker, parentPort, workerData } from 'worker_threads';
import { BackendChoice, initBackend } from '../src/engine/backend';
import { DEFAULTS } from '../src/config/defaults';
import { DataConfig, TASKS, makeRunData, studyConstants } from '../src/data/generator';
import { ModelShape } from '../src/models/types';
import { MODEL_NAMES } from '../src/models/zoo';
import { Group, trainGroup } from '../src/train/replicas';

const PYTHON = '/usr/bin/python3';
const TORCH_SCRIPT = path.resolve(__dirname, '../../bench/torch_reference.py');
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
  /** Timed model-steps per worker and configuration (steps per run = target / R, at least 6). */
  target: number;
  /** Each configuration is timed this many times and the best kept: other processes share the cores. */
  repeat: number;
  torch: boolean;
  torchSteps: number;
}

function parseArgs(argv: string[]): Options {
  const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  const o: Options = {
    backend: 'auto', models: [...MODEL_NAMES], replicas: [1, 8, 32, 128], jobs: [...new Set([1, cores])],
    target: 800, repeat: 2, torch: true, torchSteps: 1000,
  };
  const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === '--backend') o.backend = value() as BackendChoice;
    else if (flag === '--models') o.models = list(value());
    else if (flag === '--replicas') o.replicas = list(value()).map(Number);
    else if (flag === '--jobs') o.jobs = list(value()).map(Number);
    else if (flag === '--target') o.target = Number(value());
    else if (flag === '--repeat') o.repeat = Number(value());
    else if (flag === '--torch-steps') o.torchSteps = Number(value());
    else if (flag === '--no-torch') o.torch = false;
    else throw new Error(`unknown flag ${flag}; allowed: --backend, --models, --replicas, --jobs, --target, --repeat, --torch-steps, --no-torch`);
  }
  return o;
}

/** Multiply-adds per row of one forward pass, from the model sizes (paper §5.1). */
export function forwardMacs(model: string, s: ModelShape): number {
  const { inputDim: d, experts: E, expertUnits: H, towerUnits: T, tasks } = s;
  const towers = (inUnits: number) => tasks * (inUnits * T + T);
  if (model === 'shared-bottom') return d * s.bottomUnits + towers(s.bottomUnits);
  const gates = model === 'mmoe' ? tasks : 1;
  return d * E * H + d * gates * E + gates * E * H + towers(H);
}

/** FLOPs of one training step of one run: forward ≈ 2·MACs per row, training ≈ 3× forward. */
export function trainFlops(model: string, s: ModelShape, batch: number): number {
  return 3 * 2 * forwardMacs(model, s) * batch;
}

// ---------------------------------------------------------------- worker side

interface Job {
  model: string;
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
  port.on('message', (msg: { type: 'job'; job: Job } | { type: 'go' }) => {
    try {
      if (msg.type === 'job') {
        // untimed: the runs' data, then a few steps so every kernel has run once
        trainGroup(makeGroup(msg.job, 3));
        pending = makeGroup(msg.job, msg.job.steps);
        port.postMessage({ type: 'ready' } satisfies FromWorker);
      } else {
        const started = process.hrtime.bigint();
        trainGroup(pending!);
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
  replicas: number;
  jobs: number;
  steps: number;
  modelStepsPerSec: number;
  msPerGroupStep: number;
  mflop: number;
  gflops: number;
}

/** Every one of `jobs` workers trains its own group of R runs; the clock runs from a common start to the last finish. */
async function measure(pool: Pool, model: string, replicas: number, jobs: number, target: number): Promise<Row> {
  const steps = Math.max(6, Math.round(target / replicas));
  const ws = pool.workers.slice(0, jobs);
  ws.forEach((w, worker) => w.postMessage({ type: 'job', job: { model, replicas, steps, worker } }));
  for (const w of ws) await expect(pool, w, 'ready');
  const started = process.hrtime.bigint();
  ws.forEach((w) => w.postMessage({ type: 'go' }));
  const seconds = await Promise.all(ws.map(async (w) => ((await expect(pool, w, 'done')) as { seconds: number }).seconds));
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const modelStepsPerSec = (jobs * replicas * steps) / wall;
  const flops = trainFlops(model, SHAPE, BATCH);
  return {
    model, replicas, jobs, steps, modelStepsPerSec,
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

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = Date.now();
  const cores = os.availableParallelism ? os.availableParallelism() : os.cpus().length;
  console.log(`mmoe-sweep bench: batch ${BATCH}, models ${o.models.join(', ')}, R ${o.replicas.join(', ')}, jobs ${o.jobs.join(', ')} (${cores} cores), best of ${o.repeat}`);
  console.log(`load average before: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}`);

  const torch = o.torch && torchAvailable() ? runTorch(o.models, o.torchSteps) : null;
  if (o.torch && !torch) console.log(`PyTorch reference skipped: ${PYTHON} cannot import torch`);

  const pool = startPool(Math.max(...o.jobs), o.backend);
  let backend = '';
  for (const w of pool.workers) backend = ((await expect(pool, w, 'up')) as { backend: string }).backend;
  console.log(`backend: ${backend}\n`);

  const header = `${'model'.padEnd(14)}${pad('R', 5)}${pad('jobs', 6)}${pad('steps', 7)}${pad('model-steps/s', 15)}${pad('ms/group-step', 15)}${pad('MFLOP/step', 12)}${pad('GFLOP/s', 9)}${pad('vs torch', 10)}`;
  console.log(header);
  const rows: Row[] = [];
  for (const model of o.models) {
    for (const jobs of o.jobs) {
      for (const R of o.replicas) {
        let row = await measure(pool, model, R, jobs, o.target);
        for (let i = 1; i < o.repeat; i++) {
          const again = await measure(pool, model, R, jobs, o.target);
          if (again.modelStepsPerSec > row.modelStepsPerSec) row = again;
        }
        rows.push(row);
        const t = torch?.results.get(model);
        console.log(
          `${model.padEnd(14)}${pad(R, 5)}${pad(jobs, 6)}${pad(row.steps, 7)}${pad(row.modelStepsPerSec.toFixed(0), 15)}` +
          `${pad(row.msPerGroupStep.toFixed(2), 15)}${pad(row.mflop.toFixed(2), 12)}${pad(row.gflops.toFixed(2), 9)}${pad(t ? `${(row.modelStepsPerSec / t).toFixed(2)}x` : '-', 10)}`,
        );
      }
    }
  }
  await Promise.all(pool.workers.map((w) => w.terminate()));

  const allCores = Math.max(...o.jobs);
  console.log('');
  if (torch) {
    console.log(torch.note);
    for (const model of o.models) {
      const t = torch.results.get(model);
      const best = rows.filter((r) => r.model === model && r.jobs === allCores).sort((a, b) => b.modelStepsPerSec - a.modelStepsPerSec)[0];
      if (!t || !best) continue;
      console.log(`  ${model.padEnd(14)} torch ${t.toFixed(0).padStart(6)} steps/s   ours (R=${best.replicas}, jobs ${allCores}) ${best.modelStepsPerSec.toFixed(0).padStart(6)}   ratio ${(best.modelStepsPerSec / t).toFixed(2)}x`);
    }
  }
  const mmoe = rows.filter((r) => r.model === 'mmoe' && r.jobs === allCores).sort((a, b) => b.modelStepsPerSec - a.modelStepsPerSec)[0];
  if (mmoe) console.log(`recommended default --replicas: ${mmoe.replicas} (best mmoe model-steps/s with ${allCores} jobs)`);
  console.log(`load average after: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

if (parentPort) {
  void workerMain();
} else if (require.main === module) {
  main().catch((e) => {
    console.error((e as Error).stack ?? String(e));
    process.exitCode = 1;
  });
}
