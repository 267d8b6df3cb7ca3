// --label-correlation: the sweep runs at the cosine whose label correlation is the one asked, checked by simulation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { DEFAULTS } from '../../src/config/defaults';
import { labelCorrelationCurve } from '../../src/data/correlation';
import { studyConstants } from '../../src/data/generator';
import { readTable, runCli, tmpDir } from '../helpers/cli';

test('--label-correlation runs at cosines whose simulated label correlation is the target', () => {
  const out = path.join(tmpDir('labelcorr'), 'out');
  const targets = [0.1, 0.5];
  const r = runCli(['--preset', 'smoke', '--models', 'mmoe', '--label-correlation', targets.join(','), '--out', out, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const t = readTable(path.join(out, 'runs.csv'));
  const pairs = new Map(t.rows.map((row) => [Number(row[t.header.indexOf('correlation')]), Number(row[t.header.indexOf('label_correlation')])]));
  assert.equal(pairs.size, 2);
  const cosines = [...pairs.keys()];
  [...pairs.values()].forEach((lc, i) => assert.ok(Math.abs(lc - targets[i]) < 1e-4, `recorded ${lc} for target ${targets[i]}`));
  // independent check: simulate the generator at the chosen cosines
  const sim = labelCorrelationCurve(DEFAULTS.data, studyConstants(DEFAULTS.data, 1), cosines, 10, 20000, 99);
  sim.forEach((s, i) => assert.ok(Math.abs(s.mean - targets[i]) < 0.01, `cosine ${s.cosine}: simulated ${s.mean}, target ${targets[i]}`));
  // the cosines are not the targets: with these constants label correlation is far below the cosine
  cosines.forEach((c, i) => assert.ok(c > targets[i] + 0.1, `cosine ${c} for label correlation ${targets[i]}`));
});

test('a label correlation the constants cannot reach is refused, naming the reachable range', () => {
  const out = path.join(tmpDir('labelcorr-bad'), 'out');
  const r = runCli(['--preset', 'smoke', '--label-correlation', '-0.9', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--label-correlation: got -0\.9; allowed: values in \[-?\d\.\d+, \d\.\d+\]/);
});
