// The first hour: --dry-run, extending a finished sweep, help, and progress lines.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { eta, progress } from '../../src/cli/progress';
import { duration, estimateSeconds, STEPS_PER_SECOND } from '../../src/sweep/estimate';
import { allRuns } from '../../src/sweep/plan';
import { resolveConfig } from '../../src/config/load';
import { ROOT, readTable, runCli, snapshot, tmpDir, withoutColumns } from '../helpers/cli';

const smoke = JSON.parse(fs.readFileSync(path.join(ROOT, 'configs', 'smoke.json'), 'utf8'));
const CELLS = smoke.sweep.models.length * smoke.sweep.correlations.length * smoke.train.lr.length;

test('--dry-run prints the config, runs, groups and an estimate, exits 0 and writes nothing', () => {
  const dir = tmpDir('dry');
  const before = snapshot(dir);
  const r = runCli(['--preset', 'smoke', '--runs', '5', '--replicas', '2', '--jobs', '1', '--dry-run'], { cwd: dir }); // --jobs: run sets per correlation are a multiple of it
  assert.equal(r.code, 0, r.stderr);
  assert.equal(snapshot(dir), before, 'no results/ folder, nothing at all');
  assert.match(r.stdout, /"steps": 40/);
  assert.match(r.stdout, new RegExp(`^runs: ${CELLS * 5} `, 'm'));
  assert.match(r.stdout, new RegExp(`^groups: ${CELLS * 3} of up to 2 replicas`, 'm')); // 5 runs → groups of 2, 2, 1
  assert.match(r.stdout, /^estimate: about (< 1s|\d+s) at the measured/m); // 15 runs × 40 steps at batch 32
  assert.match(r.stdout, /^output: results\/smoke-\d{8}-\d{6} \(a new sweep\)$/m);
  // into a folder holding another sweep: refused exactly as the sweep would be, still nothing written
  const other = path.join(dir, 'other');
  fs.mkdirSync(other);
  fs.writeFileSync(path.join(other, 'notes.txt'), 'x');
  const snap = snapshot(dir);
  const refused = runCli(['--preset', 'smoke', '--dry-run', '--out', other]);
  assert.equal(refused.code, 2);
  assert.equal(snapshot(dir), snap);
});

test('the estimate is steps over the measured rate, per worker, scaled by batch size', () => {
  const cfg = resolveConfig({ preset: 'default', flags: {} });
  const runs = allRuns(cfg);
  const per = cfg.sweep.runs * cfg.sweep.correlations.length * cfg.train.steps * (cfg.train.batchSize / 128);
  const rates = STEPS_PER_SECOND.fused; // the default engine
  const want = per * (1 / rates['shared-bottom'] + 1 / rates.omoe + 1 / rates.mmoe) / 2;
  assert.ok(Math.abs(estimateSeconds(cfg, runs, 2).seconds - want) < 1e-6);
  assert.equal(estimateSeconds(cfg, runs, 1).seconds, 2 * estimateSeconds(cfg, runs, 2).seconds);
  // every built-in model has a measured rate; a --model-file model (tfjs, unmeasured) is estimated at the slowest
  assert.deepEqual(estimateSeconds(cfg, runs.map((r) => ({ ...r, model: 'cgc' })), 2).unmeasured, []);
  assert.deepEqual(estimateSeconds(cfg, runs.map((r) => ({ ...r, model: 'deep-bottom' })), 2).unmeasured, ['deep-bottom']);
  assert.deepEqual([duration(0.2), duration(0), duration(59.4), duration(75), duration(4000), duration(NaN)], ['< 1s', '0s', '59s', '1m 15s', '1h 06m', 'unknown']);
});

test('a finished sweep extended with a larger --runs trains only the new runs; any other change is refused', () => {
  const dir = tmpDir('extend');
  const out = path.join(dir, 'out');
  const sweep = (extra: string[]) => runCli(['--preset', 'smoke', '--out', out, '--quiet', ...extra]);
  assert.equal(sweep(['--runs', '1']).code, 0);
  const first = readTable(path.join(out, 'runs.csv'));
  // --dry-run says what re-running would do: extend, with the runs it would train; resume, with none left
  const untouched = snapshot(out);
  const dry = runCli(['--preset', 'smoke', '--out', out, '--runs', '3', '--dry-run']);
  assert.equal(dry.code, 0, dry.stderr);
  assert.ok(dry.stdout.includes(`output: ${out} (extend the sweep there from 1 to 3 runs per cell: ${CELLS * 2} new runs to train, the ${CELLS} finished there kept)\n`), dry.stdout);
  assert.doesNotMatch(dry.stdout, /resume/);
  const dryJson = JSON.parse(runCli(['--preset', 'smoke', '--out', out, '--runs', '3', '--dry-run', '--json']).stdout);
  assert.deepEqual([dryJson.mode, dryJson.runs, dryJson.toTrain], ['extend', CELLS * 3, CELLS * 2]);
  const same = runCli(['--preset', 'smoke', '--out', out, '--runs', '1', '--dry-run']);
  assert.ok(same.stdout.includes(`output: ${out} (resume: 0 runs to train, the ${CELLS} finished there kept)\n`), same.stdout);
  assert.equal(snapshot(out), untouched, 'a dry run writes nothing');
  const more = runCli(['--preset', 'smoke', '--out', out, '--runs', '2', '--json']);
  assert.equal(more.code, 0, more.stderr);
  assert.match(more.stderr, /extending the sweep in .* from 1 to 2 runs per cell: only the new runs train/);
  const summary = JSON.parse(more.stdout);
  assert.equal(summary.resumed, CELLS, 'the run-0 runs were kept, not retrained');
  assert.equal(summary.runs, CELLS * 2);
  // run 0's rows are byte-identical, timing included: they were not trained again
  const now = readTable(path.join(out, 'runs.csv'));
  const run = now.header.indexOf('run');
  assert.deepEqual(now.rows.filter((r) => r[run] === '0'), first.rows);
  assert.equal(now.rows.length, CELLS * 2 * 2);
  const journal = fs.readFileSync(path.join(out, 'journal.jsonl'), 'utf8').trim().split('\n');
  assert.equal(journal.length, CELLS * 2, 'each run journaled once');
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.config.sweep.runs, 2);
  assert.equal(manifest.status, 'complete');
  // the same numbers as a sweep run with --runs 2 from the start
  const fresh = path.join(dir, 'fresh');
  assert.equal(runCli(['--preset', 'smoke', '--out', fresh, '--quiet', '--runs', '2']).code, 0);
  assert.equal(withoutColumns(path.join(out, 'runs.csv'), ['seconds']), withoutColumns(path.join(fresh, 'runs.csv'), ['seconds']));
  // fewer runs, or more runs with another change: a different sweep, refused with the difference named
  const snap = snapshot(out);
  const fewer = sweep(['--runs', '1']);
  assert.equal(fewer.code, 2);
  assert.match(fewer.stderr, /sweep\.runs 2 → 1/);
  const changed = sweep(['--runs', '3', '--steps', '30']);
  assert.equal(changed.code, 2);
  assert.match(changed.stderr, /train\.steps 40 → 30/);
  assert.equal(snapshot(out), snap);
});

test('help: `help CMD` is `CMD --help`, `help` is --help, an unknown one is refused', () => {
  for (const cmd of ['report', 'correlation', 'generate', 'merge']) {
    const a = runCli(['help', cmd]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(a.stdout, runCli([cmd, '--help']).stdout);
    assert.match(a.stdout, new RegExp(`^Usage: mmoe-sweep ${cmd} `));
  }
  assert.equal(runCli(['help']).stdout, runCli(['--help']).stdout);
  const bad = runCli(['help', 'nope']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^mmoe-sweep: help: unknown command "nope"; allowed: generate, correlation, report, merge/);
});

test('--help shows numeric defaults unquoted and what the chosen preset sets', () => {
  const flat = (args: string[]) => runCli(args).stdout.replace(/\s+/g, ' ');
  const help = flat(['--help']);
  assert.match(help, /--replicas <n> .*\(default: 8\)/);
  assert.match(help, new RegExp(`--runs <n> [^-]*\\(preset default: ${resolveConfig({ preset: 'default', flags: {} }).sweep.runs}\\)`));
  assert.match(help, /--correlation <list> [^(]*\(preset default: 0\.5,0\.9,1\)/);
  const paper = flat(['--preset', 'paper', '--help']);
  assert.match(paper, /--runs <n> [^-]*\(preset paper: 200\)/);
  assert.match(paper, /--lr <list> .*?\(preset paper: shared-bottom 0\.003; omoe 0\.01; mmoe 0\.01\) --eval-every/, 'rates by model');
  assert.match(paper, /--lr-schedule <name> .*?\(preset paper: cosine\) --train-size/);
  assert.match(help, /--lr-schedule <name> .*?\(preset default: constant\) --train-size/, 'an absent schedule reads constant, not undefined');
  assert.match(help, /--engine <name> .*\(default: fused\)/);
  for (const h of [help, flat(['correlation', '--help'])]) assert.doesNotMatch(h, /default: "/, 'a default shown as a quoted string');
  assert.match(help, /npx mmoe-sweep/);
});

test('progress: the ETA is unknown until a run of this invocation finishes, then from its rate', () => {
  assert.equal(eta(5, 5, 10, 30), 'unknown', 'resumed runs say nothing about speed');
  assert.equal(eta(0, 2, 10, 20), '1m 20s');
  assert.equal(eta(0, 10, 10, 20), '0s');
  const lines: string[] = [];
  const p = progress({ quiet: false, label: 'sweep', tty: false, everySeconds: 3600, write: (s) => lines.push(s) });
  p.update(3, 12);
  p.steps(400, 1000); // within the interval: no new line
  p.update(12, 12); // the last update always prints
  assert.equal(lines.length, 2);
  assert.match(lines[0], /^sweep: 3\/12 runs \(25%\), (\d+s|< 1s) elapsed, eta unknown\n$/);
  assert.match(lines[1], /^sweep: 12\/12 runs \(100%\), (\d+s|< 1s) elapsed, eta (0s|< 1s) \| 400\/1000 run-steps\n$/);
});
