// `mmoe-sweep report DIR`: judge the paper's claims on a sweep folder, write report.md and figures.
import * as path from 'path';
import { Command, Option } from 'commander';
import { checkFailures, Claim, CLAIM_DEFAULTS, claimName, Gate, sweepDesign } from '../report/claims';
import { JunitCase, junitXml } from '../report/junit';
import { loadFacets, parseMetric, pointText } from '../report/load';
import { num, pValue, verdictLine, writeReport } from '../report/report';
import { CHECK_FAILED, checkWritable, writeChecked } from './compare';
import { decimalFlag } from '../config/number';
import { EXIT, SIGNAL_EXIT } from './fail';
import { ExitStatus } from './options';
import { writeSetInto } from './sets';

export { CHECK_FAILED };

export function reportCommand(program: Command, status: ExitStatus): void {
  program
    .command('report')
    .description("judge the paper's claims on a sweep folder; write report.md, claims.csv and figures/ into it")
    .argument('<dir>', 'a sweep output folder (finished, interrupted, or merged from shards)')
    .addOption(new Option('--metric <name>', 'loss the report, figures and claims use: normalized (MSE / variance of the task\'s held-out labels) or raw (MSE)').default('normalized'))
    .option('--margin <fraction>', "C5: how far above its loss at the highest correlation mmoe's loss at the lowest may be, relative", String(CLAIM_DEFAULTS.margin))
    .option('--alpha <level>', 'significance level of each comparison', String(CLAIM_DEFAULTS.alpha))
    .option('--check', `exit ${CHECK_FAILED} when a claim fails or a sanity gate fails (a model whose mean normalized loss is >= 1 in some cell learnt nothing); for CI`)
    .option('--strict', 'with --check: an unresolved claim fails the check too')
    .option('--json', 'print the verdict (claims, sanity gates, design, check) as JSON on stdout instead of the lines')
    .option('--where <key=value>', 'a sweep with --set axes: fix an axis at one value (repeatable, e.g. --where model.experts=4); every axis fixed: a report of that one combination. Axes left open are facets: claims judged per combination (named C1 [KEY=V]), a table and figure (grid-final-loss) of final loss against the axis values, the other sections for one combination report.md names', (t: string, all: string[] | undefined) => [...(all ?? []), t])
    .option('--junit <file>', 'also write JUnit XML: one test case per claim and per sanity gate')
    .addHelpText('after', '\nExamples:\n  mmoe-sweep --preset ci --out /tmp/ci && mmoe-sweep report /tmp/ci --check --junit report.xml\n  mmoe-sweep --set model.experts=2,4,8,16 --models omoe,mmoe --correlation 0.5 --out /tmp/experts && mmoe-sweep report /tmp/experts')
    .action(async (dir: string, o: Record<string, unknown>) => void (status.code = await report(dir, o)));
}

export async function report(dir: string, o: Record<string, unknown>): Promise<number> {
  const metric = parseMetric(o.metric as string);
  const margin = decimalFlag('--margin', o.margin as string, (x) => x >= 0, 'a number >= 0 (0.1 = 10%)');
  const alpha = decimalFlag('--alpha', o.alpha as string, (x) => x > 0 && x < 1, 'a number in (0, 1)');
  if (o.junit !== undefined) checkWritable(o.junit as string, '--junit');
  const where = (o.where as string[] | undefined) ?? [];
  // under the folder's lock (writeSetInto), so a sweep still writing there is refused first
  const { value: r, signal, moved } = await writeSetInto(dir, 'report', async (stage) => {
    const written = await writeReport(dir, { metric, margin, alpha, where }, stage);
    // the gates read normalized loss whatever --metric says: "learnt nothing" is 1 − R² ≥ 0 (read again only under --metric raw)
    const normalized = metric === 'normalized' ? written.sets.map((x) => x.sweep) : loadFacets(dir, 'normalized', where).sweeps;
    // with several combinations of the --set axes, gates and design are per combination, named by it
    const named = (s: (typeof normalized)[number]) => (written.open.length ? { combination: Object.fromEntries(written.open.map((k) => [k, s.point[k]])) } : {});
    const gates: Gate[] = written.gates; // as report.md states them
    const designs = normalized.map((s) => ({ ...named(s), text: sweepDesign(s).text }));
    const design = { text: [...new Set(designs.map((d) => d.text))].length === 1 ? designs[0].text : designs.map((d) => `${pointText(d.combination ?? {})}: ${d.text}`).join('; ') };
    return { ...written, gates, design };
  });
  const { gates, design } = r;
  for (const w of r.warnings) process.stderr.write(`warning: ${w}\n`);
  if (r.removed.length) process.stderr.write(`removed ${r.removed.length} stale figure files: ${r.removed.map((f) => path.basename(f)).join(', ')}\n`);
  const failures = o.check ? checkFailures(r.claims, gates, Boolean(o.strict)) : [];
  if (o.junit !== undefined) writeChecked(o.junit as string, junitXml('mmoe-sweep report', junitCases(r.claims, gates, Boolean(o.strict))), '--junit');
  if (o.json) {
    const json = { dir, metric, ...(r.open.length ? { facets: r.open } : {}), design: design.text, claims: r.claims, gates, check: o.check ? { strict: Boolean(o.strict), passed: failures.length === 0, failures } : null, written: r.files.map(moved) };
    process.stdout.write(`${JSON.stringify(json, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`);
  } else {
    for (const c of r.claims) process.stdout.write(`${verdictLine(c)}\n`);
    for (const g of gates) process.stdout.write(`${claimName(g).padEnd(3)}  ${g.verdict.padEnd(14)}  ${g.text}\n`);
    process.stdout.write(`design: ${design.text}\nwritten: ${moved(r.report)}, claims.csv and ${r.files.length - 2} files in figures/\n`);
  }
  if (signal) return SIGNAL_EXIT[signal] ?? EXIT.interrupted;
  if (failures.length) {
    process.stderr.write(`mmoe-sweep: check failed: ${failures.join('; ')}\n`);
    return CHECK_FAILED;
  }
  return 0;
}

function junitCases(claims: Claim[], gates: Gate[], strict: boolean): JunitCase[] {
  const claimCases = claims.map((c): JunitCase => {
    const numbers = c.comparisons.map((x) => `${x.what}: ${x.test} ${x.n}, effect ${num(x.effect)} (95% CI ${num(x.effectLow)} – ${num(x.effectHigh)}), p ${pValue(x.p)}, ${x.verdict}`).join('\n');
    const base = { name: `${claimName(c)}: ${c.text}`, classname: 'report.claims', output: `${c.verdict}. ${c.note}.${numbers ? `\n${numbers}` : ''}` };
    if (c.verdict === 'fail' || (strict && c.verdict === 'unresolved')) return { ...base, failure: `${claimName(c)} ${c.verdict}${c.verdict === 'unresolved' ? ' (--strict)' : ''}: ${numbers}` };
    if (c.verdict === 'not applicable') return { ...base, skipped: c.note };
    return base;
  });
  const gateCases = gates.map((g): JunitCase => ({ name: `${claimName(g)}: ${g.model} learnt something (mean normalized loss < 1)`, classname: 'report.sanity', ...(g.verdict === 'fail' ? { failure: g.text } : { output: g.text }) }));
  return [...claimCases, ...gateCases];
}
