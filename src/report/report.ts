// `mmoe-sweep report`: from a sweep folder (finished or merged), the verdict on the paper's
// claims, report.md, claims.csv and the figures. Reads output files only.
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'csv-stringify/sync';
import { writeAtomic } from '../output/files';
import { Claim, ClaimOptions, Comparison, CLAIM_DEFAULTS, claimName, claimRows, Gate, judgeClaims, MIN_RUNS_FOR_ESTIMATE, sanityGates } from './claims';
import { REPORT_OUTPUTS, reportHeader } from './columns';
import { buildFigures, CORRELATION_FILE, facetCells, FIGURES_DIR, Figure, gainCells, gateRuns, gateWidth, gateWidths, gateWidthText, GRID_FIGURE, gridFigure, histogramRange, modelsByValue, removeStaleFigures, Skipped, writeFigures } from './figures';
import { cellKey, Facets, loadFacets, orderModels, pointText, runsOf, Sweep } from './load';
import { usage } from '../errors';
import { PAPER_FIGURE4 } from './paper';
import { iqr, mean, meanCi, sd } from './stats';
import { describe, Metric } from './summary';

export interface ReportOptions extends Partial<ClaimOptions> {
  metric: Metric;
  /** A sweep with --set axes: the axes fixed, "KEY=V" each (load.ts pointFilter); the others are reported per combination. */
  where?: string[];
}

/** One combination's runs and the claims judged on them alone. */
export interface ReportSet {
  sweep: Sweep;
  claims: Claim[];
}

export interface ReportResult {
  /** The combination the paper-shaped sections and figures show (the only one without open --set axes), as read for this report (its metric). */
  sweep: Sweep;
  /** One per combination reported, each with its claims (named by the combination when there are several). */
  sets: ReportSet[];
  /** Every set's claims, in order. */
  claims: Claim[];
  /** The sanity gates, per model (and combination, named by it when there are several), on normalized loss whatever the metric. */
  gates: Gate[];
  /** The --set axes the report covers per combination (not fixed by --where); [] for a one-combination report. */
  open: string[];
  files: string[];
  report: string;
  /** One line per input that was missing and the figures or tables left out for it, and per PDF not drawn, for stderr. */
  warnings: string[];
  /** Figure files of an earlier report that this one did not redraw, removed. */
  removed: string[];
}

/** Reads everything first (a UsageError leaves the folder untouched), then writes into `into` (a staging folder; default dir). */
export async function writeReport(dir: string, options: ReportOptions, into = dir): Promise<ReportResult> {
  const facets = loadFacets(dir, options.metric, options.where);
  const open = Object.keys(facets.open);
  if (facets.sweeps.length === 0) throw usage('--where', (options.where ?? []).join(' '), `a combination with finished runs in ${displayPath(dir)}`);
  const o: ClaimOptions = { ...CLAIM_DEFAULTS, ...options };
  // claims are judged on one combination's runs at a time; with several, each claim is named by its combination
  const sets = facets.sweeps.map((sweep): ReportSet => {
    const claims = judgeClaims(sweep, o);
    return { sweep, claims: open.length ? claims.map((c) => ({ ...c, combination: facetPoint(sweep, open) })) : claims };
  });
  // the gates read normalized loss whatever --metric says: "learnt nothing" is 1 − R² ≥ 1 (read again only under --metric raw)
  const normalized = options.metric === 'normalized' ? sets.map((x) => x.sweep) : loadFacets(dir, 'normalized', options.where).sweeps;
  const gates = normalized.flatMap((s) => sanityGates(s).map((g) => (open.length ? { ...g, combination: facetPoint(s, open) } : g)));
  const ref = reference(facets);
  const sweep = ref.sweep;
  const { figures, skipped } = buildFigures(sweep);
  const grid = gridFigure(facets);
  if (grid) for (const f of figures) (f.spec.title as { subtitle: string[] }).subtitle.push(`--set combination: ${pointText(facetPoint(sweep, open))}`);
  const drawn = grid ? [...figures, grid] : figures;
  const { files, warnings } = await writeFigures(into, drawn);
  const removed = removeStaleFigures(dir, files); // in the folder itself: the staged set holds only what this report wrote
  const claimsFile = path.join(into, REPORT_OUTPUTS.claims.file);
  const axes = Object.keys(facets.folder.grid);
  const claimsCsv = sets.flatMap((x) => claimRows(x.claims, options.metric, axes, x.sweep.point));
  writeAtomic(claimsFile, stringify(claimsCsv, { header: true, columns: [...reportHeader('claims'), ...axes] }));
  const report = path.join(into, 'report.md');
  writeAtomic(report, markdown({ facets, sets, gates, ref, figures, grid, skipped, o }));
  return { sweep, sets, claims: sets.flatMap((x) => x.claims), gates, open, files: [report, claimsFile, ...files], report, warnings: [...missingInputs(sweep, skipped), ...warnings], removed };
}

/** The open axes' values of a combination. */
const facetPoint = (s: Sweep, open: string[]) => Object.fromEntries(open.map((k) => [k, s.point[k]]));

/**
 * The combination the paper-shaped sections show when the report covers several: the one at
 * the config's own values of the open axes (manifest config, before --set) when the grid has
 * it, else the first. Declared in report.md; `--where` reports any other in full.
 */
function reference(f: Facets): { sweep: Sweep; why: string } {
  const cfg = f.folder.manifest.config ?? {};
  const open = Object.keys(f.open);
  const own = Object.fromEntries(open.map((k) => [k, Number(cfg[k.split('.')[0]]?.[k.split('.')[1]])]));
  const at = f.sweeps.find((s) => open.every((k) => s.point[k] === own[k]));
  if (at || open.length === 0) return { sweep: at ?? f.sweeps[0], why: "the config's own value" };
  const shown = open.every((k) => Number.isFinite(own[k])) ? ` (${pointText(own)})` : '';
  return { sweep: f.sweeps[0], why: `the first combination: the config's own value${shown} is not in the grid` };
}

/** "gates.csv (nor gates.csv.gz) is absent: skipped fig6-gates and the gate table". */
function missingInputs(s: Sweep, skipped: Skipped[]): string[] {
  return s.missing.map((m) => {
    const file = m.split(' ')[0];
    const left = skipped.filter((k) => k.reason.startsWith(file)).map((k) => k.figure);
    if (file === 'gates.csv') left.push('the gate table');
    return `${m} is absent in ${displayPath(s.dir)}: skipped ${left.length ? left.join(', ') : 'nothing'}`;
  });
}

/** A folder as the user can type it here: relative to the working directory, never a machine path. */
export function displayPath(dir: string): string {
  return path.relative(process.cwd(), path.resolve(dir)).split(path.sep).join('/') || '.';
}

/** The sweep's recorded command line, runnable here: `npx mmoe-sweep`, writing into `dir`. */
export function reproduceCommand(command: unknown, dir: string): string | null {
  if (!Array.isArray(command) || !command.every((a) => typeof a === 'string')) return null;
  const args: string[] = [];
  const outputOnly = ['--quiet', '--json', '--force']; // change what is printed or replaced, not the numbers
  for (let i = 0; i < command.length; i++) {
    if (command[i] === '--out') i++;
    else if (!command[i].startsWith('--out=') && !outputOnly.includes(command[i])) args.push(command[i]);
  }
  const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);
  return ['npx', 'mmoe-sweep', ...args, '--out', displayPath(dir)].map(quote).join(' ');
}

// ---- formatting -------------------------------------------------------------------------

export function num(x: number, digits = 4): string {
  if (Number.isNaN(x)) return '—';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '−∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(2) : String(+x.toPrecision(digits));
}

export const pValue = (p: number) => (p < 1e-4 ? '< 0.0001' : num(p, 2));
const pct = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%` : '—');
const runsText = (n: number) => (Number.isNaN(n) ? `— (fewer than ${MIN_RUNS_FOR_ESTIMATE} runs)` : Number.isFinite(n) ? `≈ ${n}` : '∞ (no effect seen)');

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/** The number of runs a claim has now: the smallest sample among its comparisons. */
function runsNow(c: Claim): number {
  const sizes = c.comparisons.flatMap((x) => x.n.match(/\d+/g)?.map(Number) ?? []);
  return sizes.length ? Math.min(...sizes) : NaN;
}

/** One line per claim, as printed on stdout. */
export function verdictLine(c: Claim): string {
  const passed = c.comparisons.filter((x) => x.verdict === 'pass').length;
  const detail =
    c.verdict === 'not applicable'
      ? c.note
      : `${passed}/${c.comparisons.length} comparisons pass; runs: ${runsNow(c)}, needed ${runsText(c.needed)}`;
  return `${claimName(c)}  ${c.verdict.padEnd(14)}  ${c.text}  [${detail}]`;
}

// ---- report.md --------------------------------------------------------------------------

interface Page {
  facets: Facets;
  sets: ReportSet[];
  gates: Gate[];
  /** The combination the paper-shaped sections show, and why that one. */
  ref: { sweep: Sweep; why: string };
  /** The reference combination's figures. */
  figures: Figure[];
  /** Final loss across the open --set axes; null for a one-combination report. */
  grid: Figure | null;
  skipped: Skipped[];
  o: ClaimOptions;
}

/** An unresolved comparison's interval read as the effects its runs exclude, or null. */
function ruledOut(x: Comparison): string | null {
  if (x.verdict !== 'unresolved' || !Number.isFinite(x.effectLow) || !Number.isFinite(x.effectHigh)) return null;
  const reference = x.effect !== 0 && Number.isFinite(x.relative) && x.relative !== 0 ? x.effect / x.relative : NaN;
  const percent = (v: number) => { const r = Math.abs(v / reference) * 100; return r > 0 && r < 1 ? '< 1%' : `${r.toFixed(0)}%`; };
  const share = (v: number) => (Number.isFinite(reference) && reference > 0 ? ` (${percent(v)} of the reference)` : '');
  const favour = x.effectHigh > 0 ? `an effect above ${num(x.effectHigh)}${share(x.effectHigh)} in the claim's favour` : `any effect in the claim's favour (the interval lies below 0)`;
  const against = x.effectLow < 0 ? `one beyond ${num(-x.effectLow)}${share(x.effectLow)} against it` : 'any against it (the interval lies above 0)';
  return `${x.what}: ${favour}, and ${against}`;
}

/** "lr 0.003, 0.01" for one grid of every model; "lr by model (shared-bottom 0.003; omoe, mmoe 0.01)" when the config gives rates by model (in parentheses: the header's own clauses are split by ";" too). */
function lrText(lr: unknown, seen: number[]): string {
  if (!lr || Array.isArray(lr) || typeof lr !== 'object') return `lr ${seen.slice().sort((a, b) => a - b).join(', ')}`;
  const rates = Object.entries(lr as Record<string, unknown>).map(([model, r]): [string, string] => [model, (Array.isArray(r) ? r : []).join(', ')]);
  return `lr by model (${modelsByValue(rates).map(([value, models]) => `${models.join(', ')} ${value}`).join('; ')})`;
}

function markdown({ facets, sets, gates, ref, figures, grid, skipped, o }: Page): string {
  const s = ref.sweep;
  const m = s.manifest;
  const cfg = m.config ?? {};
  const all = sets.map((x) => x.sweep);
  const lrs = [...new Set(all.flatMap((x) => [...x.cells.values()].flatMap((c) => c.lrs)))];
  const open = Object.keys(facets.open);
  // headings of the sections that show the reference combination only, when there are several
  const at = open.length ? ` at ${pointText(facetPoint(s, open))}` : '';
  const out: string[] = [];
  out.push('# mmoe-sweep report', '');
  out.push(
    `Sweep \`${displayPath(s.dir)}\`: status **${m.status ?? '?'}**, backend ${m.backend ?? '?'}, mmoe-sweep ${m.version ?? '?'}` +
      `${m.mergedFrom ? `, merged from ${m.mergedFrom.length} shards` : ''}. Models ${orderModels(all.flatMap((x) => x.models)).join(', ')}; correlations ${[...new Set(all.flatMap((x) => x.correlations))].sort((a, b) => a - b).join(', ')}; ` +
      `${cfg.sweep?.runs ?? '?'} runs per cell; ${cfg.train?.steps ?? '?'} steps, batch ${cfg.train?.batchSize ?? '?'}, ${lrText(cfg.train?.lr, lrs)}${cfg.train?.lrSchedule === 'cosine' ? ' with a cosine decay to 0 over the steps' : ''}; ` +
      `${cfg.data?.trainSize === 0 ? 'fresh training rows every step' : `${cfg.data?.trainSize ?? '?'} training rows`}, ${cfg.data?.evalSize ?? '?'} held-out rows.`,
    '',
    ...(open.length === 0 && Object.keys(s.point).length ? [`**Combination of the --set axes reported** (\`--where\`): ${Object.entries(s.point).map(([k, v]) => `${k} = ${v}`).join(', ')}; the claims are judged on this combination's runs only.`, ''] : []),
    ...(open.length ? [facetsIntro(facets, all, ref), ''] : []),
    `**Metric:** \`--metric ${s.metric}\`: ${s.metric === 'normalized' ? "held-out MSE divided by the variance of the task's held-out labels (1 − R²)" : 'held-out MSE'}. Each run's value is its final held-out loss averaged over its two tasks` +
      ` (the tasks are symmetric; the paper reports one). Runs where a task diverged are left out.` +
      (all.some((x) => [...x.cells.values()].some((c) => c.lrs.length > 1)) ? ' With several learning rates for a model, each model and correlation is reported at the lr with the lowest mean (as the paper grid-searched lr); runs stay paired by index across models.' : ''),
    '',
  );
  if (m.status && m.status !== 'complete') out.push(`> The sweep is **${m.status}**: this report covers the runs finished so far.`, '');
  const merged = Array.isArray(m.command) && m.command[0] === 'merge';
  const again = merged ? null : reproduceCommand(m.command, s.dir);
  if (again || merged) {
    out.push(
      merged
        ? `Merged from ${m.mergedFrom?.length ?? 'several'} shards (\`npx mmoe-sweep ${m.command.join(' ')}\`). To reproduce it on one machine (the same numbers on the same backend), save manifest.json's \`config\` as a file and run the first line below with \`--config FILE\`; then this report:`
        : 'To reproduce the sweep (the same numbers on the same backend), then this report:',
      '',
      '```sh',
      again ?? `npx mmoe-sweep --config FILE --out ${displayPath(s.dir)}`,
      `npx mmoe-sweep report ${displayPath(s.dir)}${s.metric === 'normalized' ? '' : ` --metric ${s.metric}`}${Object.entries(open.length ? facets.fixed : s.point).map(([k, v]) => ` --where ${k}=${v}`).join('')}`,
      '```',
      '',
    );
  }

  out.push('## Verdict', '');
  const passed = (c: Claim) => (c.verdict === 'not applicable' ? '—' : `${c.comparisons.filter((x) => x.verdict === 'pass').length}/${c.comparisons.length}`);
  const needed = (c: Claim) => (c.verdict === 'not applicable' ? '—' : runsText(c.needed));
  // with several combinations: claim by claim, each combination on its own row (the statement on the first);
  // a claim no combination can judge (the sweep lacks its models or correlations) takes one row, "all"
  const verdictRows = open.length
    ? sets[0].claims.flatMap((first, i) => {
        const each = sets.map((x) => ({ c: x.claims[i], at: open.map((k) => String(x.sweep.point[k])) }));
        const rows = each.every((e) => e.c.verdict === 'not applicable') ? [{ c: first, at: open.map(() => 'all') }] : each;
        return rows.map(({ c, at }, j) => [c.id, j === 0 ? first.text : '', ...at, `**${c.verdict}**`, passed(c), num(runsNow(c)), needed(c)]);
      })
    : sets[0].claims.map((c) => [c.id, c.text, `**${c.verdict}**`, passed(c), num(runsNow(c)), needed(c)]);
  out.push(
    table(['claim', 'statement', ...open, 'verdict', 'comparisons passed', 'runs', 'runs needed'], verdictRows),
    '',
    sanityText(gates),
    '',
    `Each comparison is tested two-sided at α = ${o.alpha}; **pass** needs p < α with the test's direction and the mean effect both agreeing with the claim; **fail** needs p < α/k (k = comparisons in the claim) with both against it; anything else is **unresolved** (the runs cannot tell). A claim passes when every comparison passes, fails when any fails. *Runs needed* is the number of runs (per correlation, for comparisons across correlations) at which the observed effect would reach p < α with ${o.power * 100}% power (normal approximation, n = ((z₁₋α/₂ + z_power)·σ/δ)², twice that per group for unpaired comparisons), from the observed effect δ and its spread σ; the largest over the claim's comparisons. It is a rough guide: the observed effect is itself noisy.`,
    '',
  );

  if (grid) out.push(...gridSection(facets, lrs.length > 1));

  out.push(`## Final held-out loss${at}`, '');
  const showPaper = s.models.some((md) => PAPER_FIGURE4[md]);
  const showLabel = [...s.cells.values()].some((c) => Number.isFinite(c.labelCorrelation));
  out.push(
    table(
      ['model', 'correlation', ...(showLabel ? ['label correlation'] : []), ...(lrs.length > 1 ? ['lr'] : []), 'runs', 'diverged', 'mean', '95% CI of the mean', 'std', 'median', 'IQR', ...(showPaper ? ['paper (Fig. 4)'] : [])],
      s.models.flatMap((md) =>
        s.correlations
          .slice()
          .reverse()
          .filter((p) => s.cells.has(cellKey(md, p)))
          .map((p) => {
            const c = s.cells.get(cellKey(md, p))!;
            const v = [...c.runs.values()];
            const d = describe(v);
            const ci = meanCi(v);
            const paper = PAPER_FIGURE4[md]?.[p];
            return [md, String(p), ...(showLabel ? [num(c.labelCorrelation, 3)] : []), ...(lrs.length > 1 ? [String(c.lr)] : []), String(v.length), String(c.diverged), num(d.mean), `${num(ci.low)} – ${num(ci.high)}`, num(d.std), num(d.median), num(iqr(v)), ...(showPaper ? [paper === undefined ? '—' : String(paper)] : [])];
          }),
      ),
    ),
    '',
  );
  if (showPaper) out.push('The paper column is read off the published Figure 4 (about ±0.01; one task; the paper does not say whether it is held-out loss or on which scale): compare orderings and gaps, not levels.', '');

  const perTask = taskRows(s);
  if (perTask.length) {
    out.push(`## Final held-out loss per task${at}`, '');
    out.push(table(['model', 'correlation', 'task', 'runs', 'mean', '95% CI of the mean', 'std', 'median'], perTask), '', 'The same runs as above, each task on its own (the tasks are symmetric by construction, so a model\'s two rows at a correlation should agree within their intervals).', '');
  }

  const gains = gainCells(s);
  if (gains.length) {
    const ci = (v: number[]) => { const c = meanCi(v); return `${num(c.mean, 3)} (${num(c.low, 3)} – ${num(c.high, 3)})`; };
    const tasks = [...new Set(gains.filter((g) => g.task !== 'both').map((g) => g.task))];
    const rows = gains.filter((g) => g.task === 'both').map((g) => {
      const of = (t: string) => gains.find((x) => x.model === g.model && x.correlation === g.correlation && x.task === t)?.values ?? [];
      return [g.model, String(g.correlation), String(g.values.length), ci(g.values), ...tasks.map((t) => ci(of(t))), g.seesaw ? '**seesaw**' : '—'];
    });
    const seesaws = gains.filter((g) => g.task === 'both' && g.seesaw).map((g) => `${g.model} at ${g.correlation}`);
    out.push(`## MTL gain over single-task${at}`, '');
    out.push(
      table(['model', 'correlation', 'runs', 'MTL gain, both tasks (95% CI)', ...tasks.map((t) => `task ${t}`), 'seesaw'], rows),
      '',
      `MTL gain (PLE, Tang et al. 2020): (L_single − L) / L_single on each run's final held-out normalized loss, per task, against single-task's run with the same index (the same rows) at single-task's best lr for that correlation (lowest mean normalized loss); > 0 means better than one network per task. Each model at the lr reported above. *Both tasks*: each run's two gains averaged. A **seesaw** is one task's 95% interval above 0 while the other's lies below 0. ${seesaws.length ? `Seesaw: ${seesaws.join('; ')}.` : 'No model and correlation shows a seesaw.'}`,
      '',
    );
  }

  out.push('## Claims in detail', '');
  // claim by claim, as the verdict table; one entry for a claim no combination can judge
  const inapplicable = (i: number) => open.length > 0 && sets.every((x) => x.claims[i].verdict === 'not applicable');
  const detailed = sets[0].claims.flatMap((first, i) => (inapplicable(i) ? [{ c: first, name: `${first.id} (every combination)` }] : sets.map((x) => ({ c: x.claims[i], name: claimName(x.claims[i]) }))));
  for (const { c, name } of detailed) {
    out.push(`### ${name}: ${c.text} — ${c.verdict}`, '', `${c.note}.`, '');
    if (c.comparisons.length === 0) continue;
    out.push(
      table(
        ['comparison', 'test', 'n', 'statistic', 'effect (> 0 supports)', 'effect 95% CI', 'relative', 'rank-biserial', 'p', 'runs needed', 'verdict'],
        c.comparisons.map((x) => [x.what, x.test, x.n, num(x.statistic), num(x.effect), `${num(x.effectLow)} – ${num(x.effectHigh)}`, pct(x.relative), num(x.rankBiserial, 2), pValue(x.p), runsText(x.needed), x.verdict]),
      ),
      '',
    );
    const open = c.comparisons.map(ruledOut).filter((t): t is string => t !== null);
    if (open.length) out.push(`What the runs rule out where they cannot decide (the effect's 95% interval): ${open.join('; ')}.`, '');
  }

  out.push('## Figures', '');
  out.push(`Each figure is \`${FIGURES_DIR}/NAME.svg\` (and \`NAME.png\` and \`NAME.pdf\` beside it, for slides and papers), rendered from \`NAME.vl.json\` (Vega-Lite), which reads \`NAME.csv\` beside it: edit the spec and open it in the Vega editor (or \`vl2svg\`) to restyle.${open.length ? ` The figures below are of ${pointText(facetPoint(s, open))} only (their subtitles say so); \`${GRID_FIGURE}\` is under *Across the --set axes*.` : ''}`, '');
  const bottom = s.point['model.bottomUnits'] ?? cfg.model?.bottomUnits;
  const captions: Record<string, string> = {
    'fig2-label-correlation': `Figure 2 analog: label Pearson correlation vs cosine p, this sweep's closed-form values (runs.csv) beside the paper's${fs.existsSync(path.join(s.dir, CORRELATION_FILE)) ? ` and the simulated ones in ${CORRELATION_FILE} (mean ± 2 std)` : ` (place a \`mmoe-sweep correlation --out ${displayPath(path.join(s.dir, CORRELATION_FILE))}\` output here to add simulated ones)`}.`,
    'fig3-shared-bottom-curves': `Figure 3 analog: shared-bottom, held-out loss vs step per correlation (the paper used a 16-unit bottom here; ${bottom ? `this sweep's has ${bottom} units` : 'this sweep uses its configured bottom'}).`,
    'fig4-final-loss': "The headline: final held-out loss vs correlation per model, mean and 95% CI over runs (filled), beside the paper's Figure 4 final values (hollow).",
    'fig4-loss-curves': 'Figure 4 analog: held-out loss vs step per model and correlation.',
    'final-loss-by-task': 'Final held-out loss per task vs correlation, mean and 95% CI over runs.',
    'fig5-histograms': `Figure 5 analog: final-loss histograms, fraction of runs per bin over 0–${histogramRange(s)} (runs above it in the grey overflow bar)${histogramRange(s) === s.histogramMax ? '' : `; the range is wider than the config's ${s.histogramMax} because more than 5% of runs lie above that`}.`,
    'mtl-gain': "MTL gain over single-task vs correlation per model (PLE's view): mean and 95% CI over runs, both tasks and each task (a seesaw: one task above 0, the other below).",
    'fig6-gates': "Figure 6 analog: gate weights per expert, each task's experts ranked in each run by that task's own gate (expert indices are arbitrary across runs).",
  };
  for (const f of figures) out.push(`**${captions[f.name] ?? f.name}**`, '', `![${f.name}](${FIGURES_DIR}/${f.name}.svg)`, '');
  if (skipped.length) out.push(`Not drawn: ${skipped.map((k) => `${k.figure} (${k.reason})`).join('; ')}.`, '');

  const { rows: gateRows, widths } = gateSummary(s);
  if (gateRows.length) {
    const split = ['cgc', 'ple'].filter((md) => widths.has(md));
    out.push(`## Gates${at}`, '');
    out.push(
      table(['model', 'correlation', 'runs', 'experts per gate', 'effective experts, task 1', 'task 2', 'overlap of the two gates'], gateRows),
      '',
      `*Experts per gate*: how many experts a task's gate mixes, the width of its softmax (${gateWidthText(widths)}), read off gates.csv as the experts given weight > 0 in some run.${split.length ? ` ${split.join(' and ')}: a task's gate mixes its own experts and the shared ones${widths.has('ple') ? ' (ple: of its last level, the one recorded)' : ''}, not the other task's.` : ''} ` +
        `Effective experts: exp(entropy) of a task's mean gate weights, from 1 (one expert does everything) to the experts per gate (a uniform gate). Overlap: Σᵢ min(g¹ᵢ, g²ᵢ) between the two tasks' gates over the same experts (1 = the same distribution, as omoe's one gate by construction; lower = the tasks lean on different experts${split.length ? `; ${split.join(' and ')}'s tasks share only the shared experts` : ''}). Mean ± std over runs.`,
      '',
    );
  }
  return out.join('\n');
}

/** The sanity gates in a line: which models learnt nothing, where (stdout, --json and --junit give every gate). */
function sanityText(gates: Gate[]): string {
  const failed = gates.filter((g) => g.verdict === 'fail');
  if (failed.length === 0) return `**Sanity:** every model learnt something (mean normalized loss < 1 in every cell${gates.some((g) => g.combination) ? ' of every combination' : ''}).`;
  const where = (g: Gate) => (Number.isFinite(g.mean) ? `${num(g.mean)} at p=${g.correlation}` : 'no run that did not diverge');
  return `**Sanity: learnt nothing** (mean normalized loss ≥ 1 in some cell, no better than predicting the mean label): ${failed.map((g) => `${claimName({ ...g, id: g.model })} ${where(g)}`).join('; ')}. A claim about such a model cannot pass, and \`report --check\` fails.`;
}

/** What a report over several combinations of the --set axes computes per combination, and which one the paper-shaped sections show. */
function facetsIntro(f: Facets, all: Sweep[], ref: { sweep: Sweep; why: string }): string {
  const open = Object.keys(f.open);
  const axes = open.map((k) => `${k} = ${f.open[k].join(', ')}`).join('; ');
  const fixed = Object.keys(f.fixed).length ? ` Fixed by \`--where\`: ${pointText(f.fixed)}.` : '';
  const empty = f.empty.length ? ` No runs yet at ${f.empty.join('; ')}.` : '';
  return (
    `**The --set axes are facets:** ${axes} (${all.length} combinations with runs).${fixed}${empty} Every number below is computed within one combination: runs of different combinations are never pooled in a statistic, and each model and correlation is reported at its best lr within the combination. ` +
    `The claims are judged on each combination's runs on their own and named by it (\`C1 [${pointText(facetPoint(all[0], open))}]\`); *Across the --set axes* compares the combinations; the other tables, the figures and the gates show one combination, **${pointText(facetPoint(ref.sweep, open))}** (${ref.why}). ` +
    `\`${[...Object.keys(f.fixed).map((k) => `${k}=${f.fixed[k]}`), ...open.map((k) => `${k}=V`)].map((w) => `--where ${w}`).join(' ')}\` reports any combination on its own, in full (replacing these files).`
  );
}

/** "## Across the --set axes": final loss per model × correlation × combination, each task too, and the figure. */
function gridSection(f: Facets, showLr: boolean): string[] {
  const open = Object.keys(f.open);
  const cells = facetCells(f);
  const same = (a: { model: string; correlation: number; point: Record<string, number> }, b: typeof a) => a.model === b.model && a.correlation === b.correlation && open.every((k) => a.point[k] === b.point[k]);
  const tasks = [...new Set(cells.filter((c) => c.task !== 'both').map((c) => c.task))];
  const ci = (v: number[]) => { const c = meanCi(v); return `${num(c.mean)} (${num(c.low)} – ${num(c.high)})`; };
  // with single-task in the sweep: each combination's MTL gain (both tasks), against single-task of the same combination
  const gains = f.sweeps.flatMap((s) => gainCells(s).filter((g) => g.task === 'both').map((g) => ({ ...g, point: s.point })));
  const gainOf = (c: (typeof cells)[number]) => gains.find((g) => same(g, c));
  const rows = cells.filter((c) => c.task === 'both').map((c) => {
    const d = meanCi(c.values);
    const of = (t: string) => cells.find((x) => x.task === t && same(x, c))?.values ?? [];
    const gain = gainOf(c);
    return [c.model, String(c.correlation), ...open.map((k) => String(c.point[k])), ...(showLr ? [String(c.lr)] : []), String(c.values.length), String(c.diverged), num(d.mean), `${num(d.low)} – ${num(d.high)}`, ...tasks.map((t) => ci(of(t))), ...(gains.length ? [gain ? ci(gain.values) : '—'] : [])];
  });
  return [
    '## Across the --set axes',
    '',
    table(['model', 'correlation', ...open, ...(showLr ? ['lr'] : []), 'runs', 'diverged', 'mean', '95% CI of the mean', ...tasks.map((t) => `task ${t}: mean (95% CI)`), ...(gains.length ? ['MTL gain, both tasks (95% CI)'] : [])], rows),
    '',
    `Final held-out loss per model, correlation and combination: mean over that combination's runs (each run: mean of its two tasks) with the Student-t 95% interval of the mean and the number of runs; the task columns are each task on its own${gains.length ? '; MTL gain as in *MTL gain over single-task*, against single-task of the same combination' : ''}. Runs of different combinations are never pooled. \`${FIGURES_DIR}/${GRID_FIGURE}.csv\` holds the same losses.`,
    '',
    `**Final held-out loss vs ${open[0]} per model, one panel per correlation${open.length > 1 ? ` and per value of ${open.slice(1).join(', ')}` : ''}: mean and 95% CI over the runs of each combination.**`,
    '',
    `![${GRID_FIGURE}](${FIGURES_DIR}/${GRID_FIGURE}.svg)`,
    '',
  ];
}

function taskRows(s: Sweep): string[][] {
  const rows: string[][] = [];
  for (const md of s.models) {
    for (const p of s.correlations.slice().reverse()) {
      const c = s.cells.get(cellKey(md, p));
      if (!c || c.tasks.size < 2) continue;
      for (const [t, runs] of [...c.tasks].sort((a, b) => a[0] - b[0])) {
        const v = [...runs.values()];
        const d = describe(v);
        const ci = meanCi(v);
        rows.push([md, String(p), String(t), String(v.length), num(d.mean), `${num(ci.low)} – ${num(ci.high)}`, num(d.std), num(d.median)]);
      }
    }
  }
  return rows;
}

function gateSummary(s: Sweep): { rows: string[][]; widths: Map<string, number[]> } {
  const runs = gateRuns(s);
  const widths = gateWidths(runs);
  const rows: string[][] = [];
  const effective = (w: number[]) => Math.exp(-w.reduce((a, v) => a + (v > 0 ? v * Math.log(v) : 0), 0));
  const ms = (v: number[]) => `${num(mean(v), 3)} ± ${num(v.length > 1 ? sd(v) : 0, 2)}`;
  for (const model of s.models) {
    for (const p of s.correlations.slice().reverse()) {
      const cell = runs.filter((g) => g.model === model && g.correlation === p);
      if (cell.length === 0 || runsOf(s, model, p).size === 0) continue;
      const overlap = cell.map((g) => g.weights[0].reduce((a, v, i) => a + Math.min(v, g.weights[1][i] ?? 0), 0));
      rows.push([model, String(p), String(cell.length), gateWidth(widths.get(model)!), ms(cell.map((g) => effective(g.weights[0]))), ms(cell.map((g) => effective(g.weights[1]))), ms(overlap)]);
    }
  }
  return { rows, widths };
}
