// `report --check --strict`, the sanity gates, `--json` and `--junit` through the real CLI on
// synthetic sweeps whose verdict is known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { runCli, tmpDir } from '../helpers/cli';
import { PAPER_LIKE, Truth, writeSynthetic } from './synthetic';
import { junitCases } from './xml';

const MODELS = ['shared-bottom', 'omoe', 'mmoe'];
const dir = tmpDir('claims-cli');

test('--strict: a sweep too small to decide passes --check but fails --check --strict, naming the unresolved claims', () => {
  const small = writeSynthetic(path.join(dir, 'small'), { models: MODELS, correlations: [0.5, 1], runs: 3, truth: PAPER_LIKE });
  assert.equal(runCli(['report', small, '--check']).code, 0);
  const strict = runCli(['report', small, '--check', '--strict']);
  assert.equal(strict.code, 3);
  assert.match(strict.stderr, /check failed: C1 unresolved \(--strict\); C2 unresolved \(--strict\); C3 unresolved \(--strict\); C4 unresolved \(--strict\); C5 unresolved \(--strict\)\n$/);
  // the paper's own numbers at 30 runs decide every claim: strict passes (C5 with a 30% margin)
  const paper = writeSynthetic(path.join(dir, 'paper'), { models: MODELS, correlations: [0.5, 1], runs: 30, truth: PAPER_LIKE });
  const ok = runCli(['report', paper, '--check', '--strict', '--margin', '0.3']);
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
});

test('sanity gate: every model at normalized loss 1.3 fails --check whatever the claims say; C5 does not pass', () => {
  const truth: Truth = (model, p, run, noise) => 1.3 + 0.01 * noise() + (model === 'mmoe' ? 0 : 0.05);
  const flat = writeSynthetic(path.join(dir, 'flat'), { models: MODELS, correlations: [0.5, 1], runs: 12, truth });
  const r = runCli(['report', flat, '--check']);
  assert.equal(r.code, 3);
  for (const m of MODELS) assert.match(r.stdout, new RegExp(`^S-${m}\\s+fail\\s+${m} learnt nothing: mean normalized loss 1\\.\\d+ at p=`, 'm'));
  assert.match(r.stdout, /^C5  unresolved /m);
  assert.match(r.stderr, /check failed: .*S-shared-bottom: .*S-omoe: .*S-mmoe: /);
  // the gate reads normalized loss even when the report uses raw
  assert.equal(runCli(['report', flat, '--check', '--metric', 'raw']).code, 3);
});

test('--junit: one test case per claim and per sanity gate, failures carrying the numbers; --json the same verdict', () => {
  const truth: Truth = (model, p, run, noise) => PAPER_LIKE(model === 'mmoe' ? 'omoe' : model, p, run, noise) + (model === 'mmoe' ? 0.02 : 0);
  const bad = writeSynthetic(path.join(dir, 'bad'), { models: MODELS, correlations: [0.5, 1], runs: 12, truth });
  const junit = path.join(dir, 'report.xml');
  const r = runCli(['report', bad, '--check', '--junit', junit]);
  assert.equal(r.code, 3);
  const cases = junitCases(fs.readFileSync(junit, 'utf8'));
  assert.deepEqual(cases.map((c) => c.attrs.name.split(':')[0]), ['C1', 'C2', 'C3', 'C4', 'C5', 'S-shared-bottom', 'S-omoe', 'S-mmoe']);
  const failed = cases.filter((c) => c.children.some((x) => x.name === 'failure'));
  assert.deepEqual(failed.map((c) => c.attrs.name.split(':')[0]), ['C1', 'C5']); // mmoe given omoe's losses: worse, and rising with p
  assert.match(failed[0].children.find((x) => x.name === 'failure')!.attrs.message, /C1 fail: p=0\.5: shared-bottom > omoe: wilcoxon 12 pairs, effect [\d.]+ .*p=0\.5: omoe > mmoe: wilcoxon 12 pairs, effect -0\.02\d* \(95% CI -[\d.]+ – -[\d.]+\), p [^,]+, fail/s);
  const json = JSON.parse(runCli(['report', bad, '--check', '--json']).stdout);
  assert.deepEqual(json.claims.map((c: { verdict: string }) => c.verdict).slice(0, 1), ['fail']);
  assert.equal(json.check.passed, false);
  assert.deepEqual(json.check.failures, ['C1 fails', 'C5 fails']);
  assert.equal(json.gates.length, 3);
  assert.equal(json.design, 'independent samples across correlations');
  // a claim the sweep cannot judge is a skipped case, not a pass
  const one = writeSynthetic(path.join(dir, 'one'), { models: ['mmoe'], correlations: [0.5], runs: 4, truth: PAPER_LIKE });
  const skipped = junitCases((runCli(['report', one, '--junit', junit]), fs.readFileSync(junit, 'utf8'))).filter((c) => c.children.some((x) => x.name === 'skipped'));
  assert.equal(skipped.length, 5);
});

test('--junit into a folder that does not exist: exit 2, one line naming it', () => {
  const good = writeSynthetic(path.join(dir, 'good'), { models: MODELS, correlations: [0.5], runs: 3, truth: PAPER_LIKE });
  const r = runCli(['report', good, '--junit', path.join(dir, 'no', 'such', 'x.xml')]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^mmoe-sweep: --junit ".*x\.xml" cannot be written \(ENOENT\); allowed: a writable file path\n$/);
});
