// The default command: run a sweep (models × correlations × lrs × runs) and write tidy CSVs.
import * as path from 'path';
import { Command, Option } from 'commander';
import { SweepConfig } from '../config/defaults';
import { FLAG_BINDINGS, configHash, resolveConfig } from '../config/load';
import { gridPoints } from '../config/grid';
import { SCHEMA, checkFlag } from '../config/schema';
import { cosineForLabelCorrelation, labelCorrelationRange } from '../data/correlation';
import { studyConstants } from '../data/generator';
import { initBackend } from '../engine/backend';
import { registerModelFiles } from '../models/custom';
import { BUILTIN_NAMES } from '../models/zoo';
import { usage } from '../errors';
import { OUTPUTS } from '../output/columns';
import { writeSummaries } from '../report/summary';
import { TableRow, runTable } from '../report/table';
import { duration, estimateSeconds, STEPS_PER_SECOND } from '../sweep/estimate';
import { extendsRuns } from '../sweep/extend';
import { JOURNAL, checkFolder, readManifest } from '../sweep/folder';
import { readRecords } from '../sweep/journal';
import { recordId } from '../sweep/tables';
import { checkSweepBounds, plannedRuns } from '../sweep/bounds';
import { RunKey, allRuns, axesNotRead, modelLrPairs, planRunSets, runId } from '../sweep/plan';
import { ENGINES, Engine, startSweep } from '../sweep/run';
import { Shard, parseShardText, shardFromEnv } from '../sweep/shard';
import { claimDefaultOut, SIGNAL_EXIT } from './fail';
import { ExitStatus, addBackendOption, addConfigOptions, backendChoice, cores, defaultOut, positiveInt, positiveIntArg } from './options';
import { progress } from './progress';

export const SWEEP_FLAGS: [string, string][] = [
  ['--correlation <list>', 'cosines p between the task weight vectors, comma-separated, each in [-1, 1]'],
  ['--label-correlation <list>', 'instead of --correlation: target Pearson correlations of the two labels; each is turned into the cosine that gives it (recorded as correlation, with label_correlation beside it)'],
  ['--models <list>', `comma-separated: ${BUILTIN_NAMES.join(', ')}, or the name of a --model-file model`],
  ['--runs <n>', 'independent runs per model, correlation and lr (at most 100,000 runs per sweep or shard, 2,000,000 in all)'],
  ['--seed <n>', 'base seed; run seeds are derived from it and the run index (the same at every correlation)'],
  ['--steps <n>', 'training steps per run'],
  ['--batch-size <n>', 'rows per training step'],
  ['--lr <list>', 'Adam learning rates for every model (replacing a preset\'s rates by model); a list is a grid, each reported, the best marked in summary.csv'],
  ['--eval-every <n>', 'steps between held-out evaluations (curves.csv)'],
  ['--lr-schedule <name>', 'constant (default) or cosine: lr·½(1 + cos(π·t/steps)) at step t, annealed towards 0 by the last step'],
  ['--train-size <n>', 'training rows per run; 0 draws fresh rows every step'],
  ['--eval-size <n>', 'held-out rows per run'],
];

function formatTable(rows: TableRow[]): string {
  const showLr = new Set(rows.map((r) => r.lr)).size > 1;
  const showSet = rows.some((r) => r.axes);
  const head = ['model', 'correlation', ...(showLr ? ['lr'] : []), ...(showSet ? ['--set'] : []), 'runs', 'eval loss (mean ± std)', 'normalized (mean ± std)'];
  const body = rows.map((r) => [
    r.model,
    String(r.correlation),
    ...(showLr ? [String(r.lr)] : []),
    ...(showSet ? [r.axes] : []),
    r.diverged ? `${r.runs} (+${r.diverged} diverged)` : String(r.runs),
    `${r.mean.toFixed(4)} ± ${r.std.toFixed(4)}`,
    `${r.normalizedMean.toFixed(4)} ± ${r.normalizedStd.toFixed(4)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

/** What `preset` sets for each config flag, for --help: "--runs" → "20". Empty when the preset does not resolve. */
export function presetValues(preset: string): Record<string, string> {
  let cfg: SweepConfig;
  try {
    cfg = resolveConfig({ preset, flags: {} });
  } catch {
    return {}; // a bad --preset is reported when the command runs, not while building --help
  }
  const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const text = (v: unknown): string => {
    if (v === undefined) return 'constant'; // train.lrSchedule, absent when constant
    if (Array.isArray(v)) return v.join(',');
    if (typeof v === 'object' && v !== null) return Object.entries(v).map(([m, rates]) => `${m} ${text(rates)}`).join('; '); // train.lr by model
    return String(v);
  };
  return Object.fromEntries(FLAG_BINDINGS.map((b) => [`--${kebab(b.flag)}`, text((cfg as unknown as Record<string, Record<string, unknown>>)[b.section][b.key])]));
}

export function sweepCommand(program: Command, status: ExitStatus, preset = 'default'): Command {
  const values = presetValues(preset);
  for (const [flags, doc] of SWEEP_FLAGS) {
    const value = values[flags.split(' ')[0]];
    program.option(flags, value === undefined ? doc : `${doc} (preset ${preset}: ${value})`);
  }
  addConfigOptions(program);
  program
    .option('--out <dir>', 'output folder (default: results/<preset>-<timestamp>); re-running into it resumes')
    .option('--jobs <n>', `worker threads (default: the number of cores, here ${cores()})`)
    .option('--replicas <n>', 'up to n runs of one correlation trained together: every model and lr of them in lockstep on one shared batch, each as one batched computation (8: see docs/PERFORMANCE.md)', positiveIntArg('--replicas'), 8)
    .option('--shard <i/n|auto>', 'run shard i of n (a balanced 1/n of the runs), or auto from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or MMOE_SWEEP_SHARD_INDEX; merge the folders with `mmoe-sweep merge`')
    .option('--shard-count <n>', 'with --shard auto under a Kubernetes Indexed Job: the number of shards (or MMOE_SWEEP_SHARD_COUNT)')
    .addOption(new Option('--engine <name>', 'fused: the hand-written training step where an architecture has one (tfjs for the others); tfjs: every model through tfjs autodiff, the readable reference').default('fused', 'fused'))
    .option('--force', 'write into a non-empty --out that holds another sweep, replacing its sweep files')
    .option('--model-file <file>', 'a JavaScript (CommonJS) module exporting an Architecture, registered under its name for --models (repeatable; docs/MODELS.md)', (f: string, all: string[] | undefined) => [...(all ?? []), f])
    .option('--set <key=values>', 'one more grid axis: a dotted config key and its values, e.g. model.experts=4,8,16 or data.noiseStd=0.1,0.5 (repeatable; a column named by the key in every CSV; a model that does not read a model.* key trains once for all its values, listed under each; docs/REFERENCE.md "--set")', (t: string, all: string[] | undefined) => [...(all ?? []), t])
    .option('--quiet', 'no progress and no table; errors only')
    .option('--json', 'print a machine-readable summary on stdout instead of the table')
    .option('--dry-run', 'print the resolved config, the number of runs and groups and a time estimate, then exit without writing anything');
  addBackendOption(program);
  return program.action(async (o: Record<string, unknown>) => void (status.code = await runSweepCommand(o)));
}

/** --label-correlation: each target label correlation → the cosine that gives it under the config's constants. */
function cosinesFor(config: SweepConfig, opts: Record<string, unknown>): number[] {
  if (opts.correlation !== undefined) throw usage('--label-correlation', opts.labelCorrelation, 'either --label-correlation or --correlation, not both');
  const r = SCHEMA.sweep.correlations;
  const targets = checkFlag('--label-correlation', opts.labelCorrelation as string, r) as number[];
  const constants = studyConstants(config.data, config.sweep.seed);
  const { min, max } = labelCorrelationRange(config.data, constants);
  return targets.map((t) => {
    try {
      return cosineForLabelCorrelation(config.data, constants, t);
    } catch {
      throw usage('--label-correlation', t, `values in [${min.toFixed(4)}, ${max.toFixed(4)}], the label correlations these generator constants reach`);
    }
  });
}

function shardOption(text: string | undefined, countText: string | undefined): Shard | null {
  const count = countText === undefined ? undefined : positiveInt('--shard-count', countText);
  if (text === undefined) return null;
  return text === 'auto' ? shardFromEnv(process.env, count) : parseShardText(text);
}

export async function runSweepCommand(opts: Record<string, unknown>): Promise<number> {
  registerModelFiles((opts.modelFile as string[] | undefined) ?? []); // before the config: --models may name them
  const config = resolveConfig({ preset: opts.preset as string, configFile: opts.config as string | undefined, flags: opts });
  if (opts.labelCorrelation !== undefined) config.sweep.correlations = cosinesFor(config, opts);
  checkRunCount(config);
  const jobs = opts.jobs === undefined ? cores() : positiveInt('--jobs', opts.jobs as string);
  const replicas = opts.replicas as number;
  const choice = backendChoice(opts.backend as string);
  if (opts.dryRun) return dryRun(config, opts, jobs, replicas);
  const backend = await initBackend(choice).catch(() => {
    throw usage('--backend', choice, `auto, or one that loads here (${choice} did not; see docs/REFERENCE.md "Backends")`);
  });
  const engine = opts.engine as Engine;
  if (!ENGINES.includes(engine)) throw usage('--engine', opts.engine, ENGINES.join(', '));
  const shard = shardOption(opts.shard as string | undefined, opts.shardCount as string | undefined);
  const out = (opts.out as string | undefined) ?? claimDefaultOut(defaultOut(opts.preset as string));
  const quiet = Boolean(opts.quiet);
  const say = (line: string) => !quiet && process.stderr.write(`${line}\n`);

  const bar = progress({ quiet, label: 'sweep' });
  // only for the message below: a folder the sweep refuses is refused by startSweep, with its own line
  const before = (() => { try { return readManifest(out); } catch { return null; } })();
  // said once startSweep has accepted the folder and the bounds: a refusal stays one line
  const onStart = () => {
    say(`backend: ${backend}; engine: ${engine}; jobs: ${jobs}; replicas: ${replicas}; ${shard ? `shard ${shard.index}/${shard.count}; ` : ''}output: ${out}`);
    if (before && extendsRuns(before.config, config)) say(`extending the sweep in ${out} from ${before.config.sweep.runs} to ${config.sweep.runs} runs per cell: only the new runs train`);
  };
  // step progress, where the sweep reports it (onSteps); an older runner ignores the extra option
  const onSteps = { onSteps: (done: number, total: number) => bar.steps(done, total) };
  const sweep = startSweep({
    config, configHash: configHash(config), out, jobs, replicas, backend, engine, shard, force: Boolean(opts.force),
    preset: opts.preset as string, command: process.argv.slice(2), created: opts.out === undefined,
    onProgress: (done, total) => bar.update(done, total),
    onWarn: (line) => process.stderr.write(`warning: ${line}\n`),
    onStart,
    ...onSteps,
  });

  let signal: NodeJS.Signals | null = null;
  const onSignal = (s: NodeJS.Signals) => {
    if (signal) return;
    signal = s;
    sweep.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal); // a closed terminal or ssh session: keep the finished runs, as for SIGTERM
  const outcome = await sweep.outcome;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
  bar.stop();

  const files = [...outcome.files, ...(outcome.done > 0 ? writeSummaries(out) : [])];
  if (outcome.repairedJournal) process.stderr.write('note: a run record cut short by an earlier crash was dropped and will be re-run\n');
  if (outcome.status === 'interrupted') {
    const again = ['npx', 'mmoe-sweep', ...process.argv.slice(2).filter((a, i, all) => a !== '--out' && all[i - 1] !== '--out' && !a.startsWith('--out=')), '--out', out];
    process.stderr.write(`interrupted: ${outcome.done}/${outcome.total} runs kept in ${out}; resume with: ${again.join(' ')}\n`);
    return (signal && SIGNAL_EXIT[signal]) ?? 130;
  }
  const rows = runTable(out);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ status: outcome.status, out, backend, engine, runs: outcome.total, resumed: outcome.resumed, table: rows, files }) + '\n');
  } else if (!quiet) {
    process.stdout.write(`${formatTable(rows)}\n\n${outcome.total} runs (${outcome.resumed} from an earlier invocation) on ${backend}, engine ${engine}; files in ${out}: ${Object.values(OUTPUTS).map((o) => o.file).filter((f) => files.some((x) => x.endsWith(f))).join(', ')}, manifest.json\n`);
  }
  return 0;
}

/** Each axis has its own bound, but their product did not: 100 × 100 --set values at --runs 100000 ran out of memory while planning (a V8 abort, exit 134). */
export const MAX_RUNS = 2_000_000;
function checkRunCount(config: SweepConfig): void {
  const axes: [string, number][] = [['(model, lr) pairs', modelLrPairs(config.train.lr, config.sweep.models)], ['correlations', config.sweep.correlations.length], ['runs', config.sweep.runs], ...Object.entries(config.sweep.grid ?? {}).map(([k, v]): [string, number] => [k, v.length])];
  const total = axes.reduce((n, [, c]) => n * c, 1);
  if (total > MAX_RUNS) throw usage('the sweep', `${axes.map(([k, c]) => `${c} ${k}`).join(' × ')} = ${total} runs`, `at most ${MAX_RUNS} runs in one sweep (fewer values or --runs)`);
}

/** "3 models × 2 lr", or with rates by model "4 (model, lr) pairs". */
function lrAxis(config: SweepConfig): string {
  const { models } = config.sweep;
  const lr = config.train.lr;
  return Array.isArray(lr) ? `${models.length} models × ${lr.length} lr` : `${modelLrPairs(lr, models)} (model, lr) pairs`;
}

/** The planned runs a resume still has to train: those not in the folder's journal (read, never repaired: a dry run writes nothing). */
function notYetRun(out: string, runs: RunKey[]): RunKey[] {
  const done = new Set(readRecords(path.join(out, JOURNAL), false).entries.map(recordId));
  return runs.filter((k) => !done.has(runId(k)));
}

/** --dry-run: what would run and for about how long; reads the --out folder (to say new, resume, extend or refuse) but writes nothing. */
function dryRun(config: SweepConfig, opts: Record<string, unknown>, jobs: number, replicas: number): number {
  const shard = shardOption(opts.shard as string | undefined, opts.shardCount as string | undefined);
  const out = (opts.out as string | undefined) ?? defaultOut(opts.preset as string);
  const engine = opts.engine as Engine;
  if (!ENGINES.includes(engine)) throw usage('--engine', opts.engine, ENGINES.join(', '));
  const mode = checkFolder(out, config, configHash(config), shard, Boolean(opts.force));
  checkSweepBounds(config, { jobs, replicas, shard, planned: plannedRuns(config, shard) }); // what the sweep itself would refuse
  const runs = allRuns(config, shard);
  const sets = planRunSets(runs, replicas, jobs);
  const groups = sets.flatMap((set) => set.groups);
  const workers = Math.min(jobs, cores(), sets.length);
  const todo = mode === 'resume' ? notYetRun(out, runs) : runs;
  const est = estimateSeconds(config, todo, workers, engine);
  const before = mode === 'resume' ? readManifest(out) : null;
  const extending = before !== null && extendsRuns(before.config, config);
  const kept = `the ${runs.length - todo.length} finished there kept`;
  const what = extending
    ? `extend the sweep there from ${before.config.sweep.runs} to ${config.sweep.runs} runs per cell: ${todo.length} new runs to train, ${kept}`
    : { new: 'a new sweep', resume: `resume: ${todo.length} runs to train, ${kept}`, replace: 'replace the sweep there (--force)' }[mode];
  const lines = [
    `resolved config (preset ${opts.preset}):`,
    JSON.stringify(config, null, 2),
    `runs: ${runs.length} (${lrAxis(config)} × ${config.sweep.correlations.length} correlations × ${config.sweep.runs} runs${config.sweep.grid ? ` × ${gridPoints(config.sweep.grid).length} --set combinations` : ''}${shard ? `, shard ${shard.index}/${shard.count}` : ''}${Object.entries(axesNotRead(config)).map(([m, keys]) => `; ${m} once for all values of ${keys.join(', ')} (it does not read ${keys.length > 1 ? 'them' : 'it'})`).join('')})`,
    `groups: ${groups.length} of up to ${replicas} replicas, in ${sets.length} run sets (the groups of a set share its rows), on ${workers} worker${workers === 1 ? '' : 's'}`,
    `output: ${out} (${what})`,
    `estimate: about ${duration(est.seconds)} at the measured wasm throughput, engine ${engine} (${Object.entries(STEPS_PER_SECOND[engine]).map(([m, r]) => `${m} ${r}`).join(', ')} steps/s per worker at batch 128; docs/REFERENCE.md)` +
      (est.unmeasured.length ? `; ${est.unmeasured.join(', ')} not measured, taken as the slowest` : ''),
    'dry run: nothing written',
  ];
  if (opts.json) process.stdout.write(JSON.stringify({ config, runs: runs.length, toTrain: todo.length, groups: groups.length, workers, out, mode: extending ? 'extend' : mode, estimateSeconds: Math.round(est.seconds) }) + '\n');
  else process.stdout.write(lines.join('\n') + '\n');
  return 0;
}
