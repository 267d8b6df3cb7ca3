// The default command: run a sweep (models × correlations × lrs × runs) and write tidy CSVs.
import { Command } from 'commander';
import { SweepConfig } from '../config/defaults';
import { configHash, resolveConfig } from '../config/load';
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
import { ENGINES, Engine, startSweep } from '../sweep/run';
import { Shard, parseShardText, shardFromEnv } from '../sweep/shard';
import { ExitStatus, addBackendOption, addConfigOptions, backendChoice, cores, defaultOut, positiveInt } from './options';
import { progress } from './progress';

export const SWEEP_FLAGS: [string, string][] = [
  ['--correlation <list>', 'cosines p between the task weight vectors, comma-separated, each in [-1, 1]'],
  ['--label-correlation <list>', 'instead of --correlation: target Pearson correlations of the two labels; each is turned into the cosine that gives it (recorded as correlation, with label_correlation beside it)'],
  ['--models <list>', `comma-separated: ${BUILTIN_NAMES.join(', ')}, or the name of a --model-file model`],
  ['--runs <n>', 'independent runs per model, correlation and lr'],
  ['--seed <n>', 'base seed; run seeds are derived from it and the run index (the same at every correlation)'],
  ['--steps <n>', 'training steps per run'],
  ['--batch-size <n>', 'rows per training step'],
  ['--lr <list>', 'Adam learning rates; a list is a grid, each reported, the best marked in summary.csv'],
  ['--eval-every <n>', 'steps between held-out evaluations (curves.csv)'],
  ['--train-size <n>', 'training rows per run; 0 draws fresh rows every step'],
  ['--eval-size <n>', 'held-out rows per run'],
];

function formatTable(rows: TableRow[]): string {
  const showLr = new Set(rows.map((r) => r.lr)).size > 1;
  const head = ['model', 'correlation', ...(showLr ? ['lr'] : []), 'runs', 'eval loss (mean ± std)', 'normalized (mean ± std)'];
  const body = rows.map((r) => [
    r.model,
    String(r.correlation),
    ...(showLr ? [String(r.lr)] : []),
    r.diverged ? `${r.runs} (+${r.diverged} diverged)` : String(r.runs),
    `${r.mean.toFixed(4)} ± ${r.std.toFixed(4)}`,
    `${r.normalizedMean.toFixed(4)} ± ${r.normalizedStd.toFixed(4)}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function sweepCommand(program: Command, status: ExitStatus): Command {
  for (const [flags, doc] of SWEEP_FLAGS) program.option(flags, doc);
  addConfigOptions(program);
  program
    .option('--out <dir>', 'output folder (default: results/<preset>-<timestamp>); re-running into it resumes')
    .option('--jobs <n>', `worker threads (default: the number of cores, here ${cores()})`)
    .option('--replicas <n>', 'up to n runs of one correlation trained together: every model and lr of them in lockstep on one shared batch, each as one batched computation (8: see docs/PERFORMANCE.md)', '8')
    .option('--shard <i/n|auto>', 'run shard i of n (a balanced 1/n of the runs), or auto from JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or MMOE_SWEEP_SHARD_INDEX; merge the folders with `mmoe-sweep merge`')
    .option('--shard-count <n>', 'with --shard auto under a Kubernetes Indexed Job: the number of shards (or MMOE_SWEEP_SHARD_COUNT)')
    .option('--engine <name>', 'fused: the hand-written training step where an architecture has one (tfjs for the others); tfjs: every model through tfjs autodiff, the readable reference', 'fused')
    .option('--force', 'write into a non-empty --out that holds another sweep, replacing its sweep files')
    .option('--model-file <file>', 'a JavaScript (CommonJS) module exporting an Architecture, registered under its name for --models (repeatable; docs/MODELS.md)', (f: string, all: string[] | undefined) => [...(all ?? []), f])
    .option('--quiet', 'no progress and no table; errors only')
    .option('--json', 'print a machine-readable summary on stdout instead of the table');
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
  return text.trim() === 'auto' ? shardFromEnv(process.env, count) : parseShardText(text);
}

export async function runSweepCommand(opts: Record<string, unknown>): Promise<number> {
  registerModelFiles((opts.modelFile as string[] | undefined) ?? []); // before the config: --models may name them
  const config = resolveConfig({ preset: opts.preset as string, configFile: opts.config as string | undefined, flags: opts });
  if (opts.labelCorrelation !== undefined) config.sweep.correlations = cosinesFor(config, opts);
  const jobs = opts.jobs === undefined ? cores() : positiveInt('--jobs', opts.jobs as string);
  const replicas = positiveInt('--replicas', opts.replicas as string);
  const choice = backendChoice(opts.backend as string);
  const backend = await initBackend(choice).catch(() => {
    throw usage('--backend', choice, `auto, or one that loads here (${choice} did not; see README "Backends")`);
  });
  const engine = opts.engine as Engine;
  if (!ENGINES.includes(engine)) throw usage('--engine', opts.engine, ENGINES.join(', '));
  const shard = shardOption(opts.shard as string | undefined, opts.shardCount as string | undefined);
  const out = (opts.out as string | undefined) ?? defaultOut(opts.preset as string);
  const quiet = Boolean(opts.quiet);
  const say = (line: string) => !quiet && process.stderr.write(`${line}\n`);

  const bar = progress({ quiet, label: 'sweep' });
  say(`backend: ${backend}; engine: ${engine}; jobs: ${jobs}; replicas: ${replicas}; ${shard ? `shard ${shard.index}/${shard.count}; ` : ''}output: ${out}`);
  const sweep = startSweep({
    config, configHash: configHash(config), out, jobs, replicas, backend, engine, shard, force: Boolean(opts.force),
    preset: opts.preset as string, command: process.argv.slice(2),
    onProgress: (done, total) => bar.update(done, total),
    onWarn: (line) => process.stderr.write(`warning: ${line}\n`),
  });

  let signal: NodeJS.Signals | null = null;
  const onSignal = (s: NodeJS.Signals) => {
    if (signal) return;
    signal = s;
    sweep.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const outcome = await sweep.outcome;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  bar.stop();

  const files = [...outcome.files, ...(outcome.done > 0 ? writeSummaries(out) : [])];
  if (outcome.repairedJournal) process.stderr.write('note: a run record cut short by an earlier crash was dropped and will be re-run\n');
  if (outcome.status === 'interrupted') {
    const again = ['mmoe-sweep', ...process.argv.slice(2).filter((a, i, all) => a !== '--out' && all[i - 1] !== '--out' && !a.startsWith('--out=')), '--out', out];
    process.stderr.write(`interrupted: ${outcome.done}/${outcome.total} runs kept in ${out}; resume with: ${again.join(' ')}\n`);
    return signal === 'SIGTERM' ? 143 : 130;
  }
  const rows = runTable(out);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ status: outcome.status, out, backend, engine, runs: outcome.total, resumed: outcome.resumed, table: rows, files }) + '\n');
  } else if (!quiet) {
    process.stdout.write(`${formatTable(rows)}\n\n${outcome.total} runs (${outcome.resumed} from an earlier invocation) on ${backend}, engine ${engine}; files in ${out}: ${Object.values(OUTPUTS).map((o) => o.file).filter((f) => files.some((x) => x.endsWith(f))).join(', ')}, manifest.json\n`);
  }
  return 0;
}
