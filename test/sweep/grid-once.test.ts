// --set model.experts=2,4 --models mmoe,single-task: single-task (no experts) trains once per run,
// its run is listed under both values in every CSV, mmoe's MTL gain at each value pairs with that
// run (runs.csv, summary.csv, report.md), and a dry run, an interrupted and resumed sweep, a
// journal from before Architecture.reads and shards merged all agree with one straight run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { readTable, runCli, tmpDir, withoutColumns } from '../helpers/cli';
import { journalLines, startAndKill } from './kill';

// long enough per run that a kill lands mid-sweep
const ARGS = ['--preset', 'smoke', '--models', 'mmoe,single-task', '--set', 'model.experts=2,4', '--steps', '300', '--jobs', '2', '--quiet'];
const FILES = ['runs.csv', 'curves.csv', 'gates.csv', 'summary.csv', 'histogram.csv', 'params.csv'];
const CORRS = [0.5, 1]; // the smoke preset's
const RUNS = 2;
const EXPERTS = [2, 4];
const TRAINED = (EXPERTS.length + 1) * CORRS.length * RUNS; // mmoe at each value, single-task once: 12, not 16
const root = tmpDir('grid-once');
const whole = path.join(root, 'whole');
const journal = (dir: string) => fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const sameAsWhole = (dir: string, what: string) => {
  for (const f of FILES) assert.equal(withoutColumns(path.join(dir, f), ['seconds']), withoutColumns(path.join(whole, f), ['seconds']), `${f} ${what}`);
};

test('--dry-run counts single-task once per run, in its text and in --json', () => {
  const out = path.join(root, 'dry');
  const text = runCli([...ARGS, '--dry-run', '--out', out]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^runs: ${TRAINED} \\(2 models .*; single-task once for all values of model\\.experts \\(it does not read it\\)\\)$`, 'm'));
  const json = runCli([...ARGS, '--dry-run', '--json', '--out', out]);
  const j = JSON.parse(json.stdout);
  assert.equal(j.runs, TRAINED);
  assert.equal(j.toTrain, TRAINED);
  assert.ok(!fs.existsSync(out), 'a dry run writes nothing');
});

test('a straight run trains single-task once per run and lists it under both values; mtl_gain pairs with that run', () => {
  const r = runCli([...ARGS, '--out', whole]);
  assert.equal(r.code, 0, r.stderr);
  const records = journal(whole);
  assert.equal(records.length, TRAINED);
  const single = records.filter((x) => x.model === 'single-task');
  assert.equal(single.length, CORRS.length * RUNS, 'one single-task run per correlation and run index');
  assert.ok(single.every((x) => x.point === undefined), 'its record carries no model.experts: it did not see one');
  const manifest = JSON.parse(fs.readFileSync(path.join(whole, 'manifest.json'), 'utf8'));
  assert.equal(manifest.runsTotal, TRAINED);
  assert.deepEqual(manifest.axesNotRead, { 'single-task': ['model.experts'] });

  // runs.csv: a row per model × correlation × run × task × experts value
  const runs = readTable(path.join(whole, 'runs.csv'));
  const c = (n: string) => runs.header.indexOf(n);
  assert.equal(runs.rows.length, 2 * CORRS.length * RUNS * 2 * EXPERTS.length);
  const trained = new Map(single.map((x) => [`${x.correlation}|${x.result.run}`, x.result.evalNormalized as number[]]));
  for (const e of EXPERTS) {
    const at = (m: string) => runs.rows.filter((x) => x[c('model')] === m && x[c('model.experts')] === String(e));
    assert.equal(at('single-task').length, CORRS.length * RUNS * 2, `single-task rows at experts ${e}`);
    // the same run under each value: its row equals the first value's but for the axis column
    const first = runs.rows.filter((x) => x[c('model')] === 'single-task' && x[c('model.experts')] === String(EXPERTS[0]));
    assert.deepEqual(at('single-task').map((x) => x.slice(0, -1)), first.map((x) => x.slice(0, -1)));
    for (const x of at('single-task')) assert.equal(Number(x[c('eval_loss_normalized')]), trained.get(`${x[c('correlation')]}|${x[c('run')]}`)![Number(x[c('task')]) - 1]);
    for (const x of at('mmoe')) {
      const s = trained.get(`${x[c('correlation')]}|${x[c('run')]}`)![Number(x[c('task')]) - 1];
      const want = (s - Number(x[c('eval_loss_normalized')])) / s;
      assert.ok(Math.abs(Number(x[c('mtl_gain')]) - want) < 1e-12, `mmoe experts ${e} run ${x[c('run')]} task ${x[c('task')]}: ${x[c('mtl_gain')]} vs ${want}`);
    }
  }
  // curves.csv lists single-task's curve under both values too; gates.csv has mmoe's only
  const curves = readTable(path.join(whole, 'curves.csv'));
  const count = (m: string, e: number) => curves.rows.filter((x) => x[0] === m && x.at(-1) === String(e)).length;
  assert.ok(count('single-task', 2) > 0 && count('single-task', 2) === count('single-task', 4));
  assert.deepEqual(new Set(readTable(path.join(whole, 'gates.csv')).rows.map((x) => x[0])), new Set(['mmoe']));
});

test('summary.csv and report.md give mmoe at each experts value the gain against that single-task run', () => {
  const runs = readTable(path.join(whole, 'runs.csv'));
  const c = (n: string) => runs.header.indexOf(n);
  const summary = readTable(path.join(whole, 'summary.csv'));
  const s = (n: string) => summary.header.indexOf(n);
  const report = runCli(['report', whole]);
  assert.equal(report.code, 0, report.stderr);
  const md = fs.readFileSync(path.join(whole, 'report.md'), 'utf8');
  const across = md.slice(md.indexOf('## Across the --set axes'));
  for (const e of EXPERTS) {
    for (const p of CORRS) {
      const rows = runs.rows.filter((x) => x[c('model')] === 'mmoe' && x[c('correlation')] === String(p) && x[c('model.experts')] === String(e));
      const gain = (task: number) => rows.filter((x) => x[c('task')] === String(task)).map((x) => Number(x[c('mtl_gain')]));
      for (const task of [1, 2]) {
        const g = gain(task);
        const row = summary.rows.find((x) => x[s('model')] === 'mmoe' && x[s('correlation')] === String(p) && x[s('task')] === String(task) && x[s('metric')] === 'normalized' && x.at(-1) === String(e))!;
        assert.equal(Number(row[s('mtl_gain_runs')]), RUNS);
        assert.ok(Math.abs(Number(row[s('mtl_gain_mean')]) - g.reduce((a, b) => a + b, 0) / g.length) < 1e-12, `summary.csv mmoe p=${p} experts ${e} task ${task}`);
      }
      // report.md *Across the --set axes*: both tasks' gains averaged per run, then over runs
      const both = gain(1).map((g1, i) => (g1 + gain(2)[i]) / 2).reduce((a, b) => a + b, 0) / RUNS;
      const line = across.split('\n').find((l) => l.startsWith(`| mmoe | ${p} | ${e} |`))!;
      const shown = Number(line.split('|').at(-2)!.trim().split(' ')[0]);
      assert.ok(Math.abs(shown - both) <= 1e-3 * Math.abs(both) + 1e-12, `report.md mmoe p=${p} experts ${e}: ${shown} vs ${both}`);
    }
  }
});

test('interrupted (SIGINT) and resumed: only the missing runs train, the CSVs equal the straight run\'s', async () => {
  const out = path.join(root, 'interrupted');
  const r = await startAndKill(ARGS, out, 'SIGINT');
  assert.equal(r.code, 130, r.stderr);
  const kept = journalLines(out);
  assert.ok(kept >= 1 && kept < TRAINED, `kept ${kept}`);
  const resumed = runCli([...ARGS, '--json', '--out', out]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const j = JSON.parse(resumed.stdout);
  assert.equal(j.resumed, kept);
  assert.equal(journalLines(out), TRAINED, 'each run trained once across the two invocations');
  sameAsWhole(out, 'after an interrupt and resume');
});

test('a journal written before Architecture.reads (single-task once per value) resumes with nothing to train', () => {
  const out = path.join(root, 'old-journal');
  fs.cpSync(whole, out, { recursive: true });
  // what the sweep wrote before: each single-task run journaled at every experts value
  const lines = journal(whole).flatMap((x) => (x.model === 'single-task' ? EXPERTS.map((e) => ({ ...x, point: { 'model.experts': e } })) : [x]));
  fs.writeFileSync(path.join(out, 'journal.jsonl'), lines.map((x) => JSON.stringify(x)).join('\n') + '\n');
  FILES.forEach((f) => fs.rmSync(path.join(out, f)));
  const dry = JSON.parse(runCli([...ARGS, '--dry-run', '--json', '--out', out]).stdout);
  assert.equal(dry.toTrain, 0);
  const r = runCli([...ARGS, '--json', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).resumed, TRAINED);
  sameAsWhole(out, 'from a journal of before');
});

test('2 shards merged equal the straight run; the shards train single-task once between them', () => {
  const shards = [1, 2].map((i) => path.join(root, `shard${i}`));
  shards.forEach((dir, i) => assert.equal(runCli([...ARGS, '--shard', `${i + 1}/2`, '--out', dir]).code, 0));
  assert.equal(shards.reduce((n, d) => n + journalLines(d), 0), TRAINED);
  assert.equal(shards.flatMap(journal).filter((x) => x.model === 'single-task').length, CORRS.length * RUNS);
  const merged = path.join(root, 'merged');
  const r = runCli(['merge', ...shards, '--out', merged]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(journalLines(merged), TRAINED);
  sameAsWhole(merged, 'merged from 2 shards');
});
