// Mutation harness for the CI regression run (issue 11; docs/CI.md). Each mutation is a
// plausible bug written as data (file, exact search text, replacement). For each one: copy the
// sources to a temporary folder, apply it, build, run the ci preset and `compare` it against
// the committed baseline (results/ci-baseline), and record whether compare exits 3 (caught)
// and how long it took. Controls: the unmodified code with two other base seeds must not be
// flagged (no false alarm).
//
//   npm run mutants                         # every mutation and both controls
//   node dist/bench/mutants.js --only gate-shared,adam-bias --no-controls
//   node dist/bench/mutants.js --controls-only   # only the two no-false-alarm runs
//   node dist/bench/mutants.js --control-seeds 2 --keep /tmp/kept   # keep each sweep folder (to re-compare at another tolerance)
//   node dist/bench/mutants.js --engines fused,tfjs   # also the tfjs patch sets (default: fused, the ci preset's engine)
//   node dist/bench/mutants.js --build-only  # check every patch still applies and builds (seconds)
//   npm run ci-baseline                     # regenerate results/ci-baseline (one command)
//
// Engines: a mutation lists one patch set per engine ("tfjs": src/models and the tfjs trainer;
// "fused": the TypeScript around the fused wasm kernels, so no C compiler is needed). Each
// engine's patch set is run with `--engine NAME`, so a bug is looked for on the path it breaks;
// --engines picks the patch sets (default: fused, the engine the ci preset trains on).
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { intListFlag } from './flags';

const ROOT = path.resolve(__dirname, '../..');
const PRESET = 'ci';
export const BASELINE = 'results/ci-baseline';
/** What a sweep needs to be rebuilt from the sources alone. */
const COPY = ['src', 'bin', 'configs', 'package.json', 'tsconfig.json'];
/** The base seeds of the two no-false-alarm controls (the baseline and the mutants use the ci preset's seed, 1). */
const CONTROL_SEEDS = [2, 3];

export interface Patch {
  /** Repository-relative file. */
  file: string;
  /** Exact text, which must occur exactly once (a stale mutation is an error, not a pass). */
  search: string;
  replace: string;
}

export interface Mutation {
  name: string;
  description: string;
  /** Engine name → the patches that put this bug on that engine's path. */
  engines: Record<string, Patch[]>;
}

export const MUTATIONS: Mutation[] = [
  {
    name: 'gate-shared',
    description: "mmoe: both towers read gate 1's mixture (mmoe degenerates to omoe)",
    engines: {
      tfjs: [{ file: 'src/models/mmoe.ts', search: 'return { predictions: towers(p, perGate(mixed)), gates };', replace: 'const [first] = perGate(mixed);\n    return { predictions: towers(p, [first, first]), gates };' }],
      // the second gate is still a parameter (and trained on nothing): only the mixture a tower reads changes
      fused: [{ file: 'src/engine/fused/mmoe.ts', search: 'taskGate: (k) => k }', replace: 'taskGate: () => 0 }' }],
    },
  },
  {
    name: 'gates-uniform',
    description: 'omoe and mmoe: gate logits multiplied by 0, so every gate is frozen uniform (1/E per expert)',
    engines: {
      tfjs: [{ file: 'src/models/layers.ts', search: "const gates = tf.softmax(tf.matMul(x, p['gates.w']).reshape([R, B, G, E])) as tf.Tensor4D;", replace: "const gates = tf.softmax(tf.mul(tf.matMul(x, p['gates.w']), 0).reshape([R, B, G, E])) as tf.Tensor4D;" }],
      // the gate logits zeroed before the softmax (so 1/E) and their gradient zeroed after the mixture's backward
      fused: [
        { file: 'src/engine/fused/dense.ts', search: 'K!.softmax(Z * 4, N1, A, E, G, n); // eq. 8', replace: 'for (let b = 0; b < n; b++) R1.f32().fill(0, Z + b * N1 + A, Z + (b + 1) * N1);\n    K!.softmax(Z * 4, N1, A, E, G, n);' },
        { file: 'src/engine/fused/dense.ts', search: 'if (G > 0) K!.mix_bwd(Z * 4, DZ * 4, N1, A, E, H, G, n, DMIX * 4);', replace: 'if (G > 0) { K!.mix_bwd(Z * 4, DZ * 4, N1, A, E, H, G, n, DMIX * 4); for (let b = 0; b < n; b++) R1.f32().fill(0, DZ + b * N1 + A, DZ + (b + 1) * N1); }' },
      ],
    },
  },
  {
    name: 'expert-linear',
    description: "omoe and mmoe: the experts' ReLU dropped (linear experts)",
    engines: {
      tfjs: [{ file: 'src/models/layers.ts', search: "const experts = dense(p, 'experts', x, true)", replace: "const experts = dense(p, 'experts', x, false)" }],
      // with experts (G > 0) the first layer's bias is added without the ReLU, and its backward skips the ReLU's mask
      fused: [
        { file: 'src/engine/fused/dense.ts', search: 'K!.bias_relu(Z * 4, N1, (par + B1) * 4, A, n);', replace: 'if (G > 0) { const F = R1.f32(); for (let b = 0; b < n; b++) for (let c = 0; c < A; c++) F[Z + b * N1 + c] += F[par + B1 + c]; } else K!.bias_relu(Z * 4, N1, (par + B1) * 4, A, n);' },
        { file: 'src/engine/fused/dense.ts', search: 'K!.relu_bwd(Z * 4, DZ * 4, N1, A, n, (GRAD + B1) * 4);', replace: 'if (G > 0) { const F = R1.f32(); F.fill(0, GRAD + B1, GRAD + B1 + A); for (let b = 0; b < n; b++) for (let c = 0; c < A; c++) F[GRAD + B1 + c] += F[DZ + b * N1 + c]; } else K!.relu_bwd(Z * 4, DZ * 4, N1, A, n, (GRAD + B1) * 4);' },
      ],
    },
  },
  {
    name: 'labels-swapped',
    description: "training: each tower is trained on the other task's labels (evaluation unchanged)",
    engines: {
      tfjs: [{ file: 'src/train/engines.ts', search: 'const ys = tf.tensor3d(y, [R, batch, T]);', replace: 'const ys = tf.reverse(tf.tensor3d(y, [R, batch, T]), 2);' }],
      // the fused group steps on a copy of the batch with each row's two labels exchanged
      fused: [{ file: 'src/train/engines.ts', search: 'const losses = group.step(x, y, batch);', replace: 'const swapped = y.slice();\n      for (let i = 0; i < swapped.length; i += T) swapped.subarray(i, i + T).reverse();\n      const losses = group.step(x, swapped, batch);' }],
    },
  },
  {
    name: 'adam-bias',
    description: "Adam: bias correction of both moments dropped (the host loop is forced for every group size: it equals tf.train.adam bit for bit, test/engine/adam.test.ts)",
    engines: {
      tfjs: [
        { file: 'src/engine/adam.ts', search: 'const mHat = f(mi / om1), vHat = f(vi / om2);', replace: 'const mHat = mi, vHat = vi;' },
        { file: 'src/engine/adam.ts', search: 'return (host ?? total <= HOST_ADAM_MAX_PARAMS) ? hostAdam(params, learningRate) : kernelAdam(params, learningRate);', replace: 'return hostAdam(params, learningRate);' },
      ],
      // the fused Adam kernel divides the moments by the factors it is given: 1 instead of 1 − β^t
      fused: [{ file: 'src/engine/fused/dense.ts', search: '1 - beta1, 1 - beta2, 1 - accBeta1, 1 - accBeta2, epsilon, -lr);', replace: '1 - beta1, 1 - beta2, 1, 1, epsilon, -lr);' }],
    },
  },
];

interface Outcome {
  name: string;
  engine: string;
  /** 'caught' (compare exit 3), 'missed' (exit 0), or what went wrong. */
  result: string;
  seconds: number;
  worse: string;
  /** Every cell: model@correlation relative shift (p worse). */
  cells: string;
}

function run(cmd: string, args: string[], cwd: string): { code: number; out: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  return { code: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** A fresh copy of the sources with node_modules linked, and a tsconfig that builds src only. */
function copySources(dir: string): void {
  for (const item of COPY) fs.cpSync(path.join(ROOT, item), path.join(dir, item), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const tsconfig = JSON.parse(fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8'));
  // a mutation may leave a helper unused; that is not the bug being looked for
  fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({ ...tsconfig, compilerOptions: { ...tsconfig.compilerOptions, noUnusedLocals: false, sourceMap: false }, include: ['src/**/*.ts'] }));
}

function applyPatch(dir: string, p: Patch): void {
  const file = path.join(dir, p.file);
  if (!fs.existsSync(file)) throw new Error(`mutation patch: ${p.file} does not exist`);
  const text = fs.readFileSync(file, 'utf8');
  const count = text.split(p.search).length - 1;
  if (count !== 1) throw new Error(`mutation patch: ${p.file} contains the search text ${count} times (want exactly 1): ${JSON.stringify(p.search)}`);
  fs.writeFileSync(file, text.replace(p.search, () => p.replace));
}

function engineFlag(dir: string, engine: string | null): string[] {
  if (engine === null) return [];
  const help = run(process.execPath, [path.join(dir, 'bin/mmoe-sweep.js'), '--help'], dir).out;
  if (help.includes('--engine')) return ['--engine', engine];
  if (engine === 'tfjs') return []; // the only engine of a CLI without --engine
  throw new Error(`engine ${engine}: this CLI has no --engine flag`);
}

/** Builds the (patched) copy, runs the ci preset and compares it with the baseline. */
function trial(name: string, engine: string | null, patches: Patch[], extra: string[], buildOnly = false, keep: string | null = null): Outcome {
  const t0 = Date.now();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mmoe-mutant-${name}-`));
  try {
    copySources(dir);
    for (const p of patches) applyPatch(dir, p);
    const built = run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], dir);
    if (built.code !== 0) return { name, engine: engine ?? '', result: `build failed: ${built.out.split('\n')[0]}`, seconds: (Date.now() - t0) / 1000, worse: '', cells: '' };
    if (buildOnly) return { name, engine: engine ?? '', result: 'built', seconds: (Date.now() - t0) / 1000, worse: '', cells: '' };
    const bin = path.join(dir, 'bin/mmoe-sweep.js');
    const sweep = run(process.execPath, [bin, '--preset', PRESET, '--out', path.join(dir, 'sweep'), '--quiet', ...engineFlag(dir, engine), ...extra], dir);
    if (sweep.code !== 0) return { name, engine: engine ?? '', result: `sweep exit ${sweep.code}: ${sweep.out.trim().split('\n').pop()}`, seconds: (Date.now() - t0) / 1000, worse: '', cells: '' };
    // the baseline is judged by the unmodified compare (the repository's build), never the mutant's
    const cmp = run(process.execPath, [path.join(ROOT, 'bin/mmoe-sweep.js'), 'compare', path.join(ROOT, BASELINE), path.join(dir, 'sweep'), '--json'], ROOT);
    const seconds = (Date.now() - t0) / 1000;
    if (cmp.code !== 0 && cmp.code !== 3) return { name, engine: engine ?? '', result: `compare exit ${cmp.code}: ${cmp.out.trim().split('\n').pop()}`, seconds, worse: '', cells: '' };
    const json = JSON.parse(cmp.out.slice(cmp.out.indexOf('{'), cmp.out.lastIndexOf('}') + 1));
    const cells = json.cells as { axes: Record<string, string>; relative: number | string; pWorse: number; verdict: string }[];
    const shown = (c: (typeof cells)[number]) => `${c.axes.model}@${c.axes.correlation} ${Number(c.relative) >= 0 ? '+' : ''}${(Number(c.relative) * 100).toFixed(0)}%`;
    const worse = cells.filter((c) => c.verdict === 'worse').map(shown).join(', ');
    const all = cells.map((c) => `${shown(c)} (p ${Number(c.pWorse).toPrecision(2)})`).join(', ');
    if (keep) fs.cpSync(path.join(dir, 'sweep'), path.join(keep, `${name}-${engine ?? 'default'}`), { recursive: true });
    return { name, engine: engine ?? '', result: cmp.code === 3 ? 'caught' : 'missed', seconds, worse, cells: all };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Regenerates results/ci-baseline from the unmodified code (run after any change to the data streams or the ci preset). */
function makeBaseline(): void {
  const out = path.join(ROOT, BASELINE);
  const r = spawnSync(process.execPath, ['bin/mmoe-sweep.js', '--preset', PRESET, '--out', BASELINE, '--force', '--quiet'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`baseline sweep failed (exit ${r.status})`);
  fs.rmSync(path.join(out, 'journal.jsonl'), { force: true }); // the finished sweep's runs are all in runs.csv
  process.stdout.write(`written: ${BASELINE} (commit it)\n`);
}

function main(argv: string[]): void {
  if (argv.includes('--baseline')) return makeBaseline();
  const only = argv.includes('--only') ? argv[argv.indexOf('--only') + 1].split(',') : null;
  const unknown = only?.filter((n) => !MUTATIONS.some((m) => m.name === n)) ?? [];
  if (unknown.length) throw new Error(`--only: unknown mutation ${unknown.join(', ')}; allowed: ${MUTATIONS.map((m) => m.name).join(', ')}`);
  if (!fs.existsSync(path.join(ROOT, BASELINE, 'runs.csv'))) throw new Error(`${BASELINE} is missing: run npm run ci-baseline first`);
  const outcomes: Outcome[] = [];
  const report = (o: Outcome) => {
    outcomes.push(o);
    process.stdout.write(`${o.name.padEnd(16)} ${o.engine.padEnd(6)} ${o.result.padEnd(8)} ${o.seconds.toFixed(0).padStart(5)} s  ${o.worse}${o.cells ? `  [all cells: ${o.cells}]` : ''}\n`);
  };
  process.stdout.write(`${'mutation'.padEnd(16)} ${'engine'.padEnd(6)} ${'result'.padEnd(8)} ${'time'.padStart(7)}  cells worse (relative shift)\n`);
  const buildOnly = argv.includes('--build-only');
  const keep = argv.includes('--keep') ? path.resolve(argv[argv.indexOf('--keep') + 1]) : null;
  // the ci preset trains on the default engine (fused); the tfjs patch sets run on request, against the same baseline
  const engines = argv.includes('--engines') ? argv[argv.indexOf('--engines') + 1].split(',') : ['fused'];
  const seeds = argv.includes('--control-seeds') ? intListFlag('--control-seeds', argv[argv.indexOf('--control-seeds') + 1], 0) : CONTROL_SEEDS;
  if (!argv.includes('--no-controls') && !buildOnly) {
    for (const seed of seeds) report(trial(`control-seed${seed}`, null, [], ['--seed', String(seed)], false, keep));
  }
  for (const m of MUTATIONS.filter((x) => (!only || only.includes(x.name)) && !argv.includes('--controls-only'))) {
    for (const [engine, patches] of Object.entries(m.engines).filter(([e]) => engines.includes(e))) report(trial(m.name, engine, patches, [], buildOnly, keep));
  }
  const controls = outcomes.filter((o) => o.name.startsWith('control'));
  const mutants = outcomes.filter((o) => !o.name.startsWith('control'));
  const caught = mutants.filter((o) => o.result === 'caught').length;
  const falseAlarms = controls.filter((o) => o.result !== 'missed').length;
  process.stdout.write(`caught ${caught}/${mutants.length} mutations; false alarms ${falseAlarms}/${controls.length} controls; total ${outcomes.reduce((a, o) => a + o.seconds, 0).toFixed(0)} s\n`);
  if (buildOnly) process.exitCode = mutants.every((o) => o.result === 'built') ? 0 : 1;
  else process.exitCode = caught === mutants.length && falseAlarms === 0 ? 0 : 1;
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`mutants: ${(e as Error).message}\n`);
    process.exitCode = 2;
  }
}
