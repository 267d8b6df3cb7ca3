// `generate` and `correlation` through the real CLI, checked against the library and theory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { DEFAULTS } from '../../src/config/defaults';
import { theoreticalLabelCorrelation } from '../../src/data/correlation';
import { makeRunData, studyConstants } from '../../src/data/generator';
import { runSeed } from '../../src/sweep/plan';
import { readTable, runCli, tmpDir } from '../helpers/cli';

test('generate writes x0…x99, y1, y2: the first training rows run 0 of a sweep would see', () => {
  const dir = tmpDir('generate');
  const a = path.join(dir, 'a.csv');
  const r = runCli(['generate', '--correlation', '0.5', '--rows', '30', '--seed', '7', '--out', a]);
  assert.equal(r.code, 0, r.stderr);
  const t = readTable(a);
  assert.deepEqual(t.header, [...Array.from({ length: 100 }, (_, j) => `x${j}`), 'y1', 'y2']);
  assert.equal(t.rows.length, 30);
  // the sweep's own data path, with a training set of exactly these 30 rows
  const cfg = { ...DEFAULTS.data, trainSize: 30 };
  const data = makeRunData(cfg, 0.5, studyConstants(cfg, 7), runSeed(7, 0));
  const batch = { n: 30, x: new Float32Array(30 * 100), y: new Float32Array(60) };
  data.batches.next(batch); // one epoch, shuffled: compare as sets of rows
  const fromSweep = new Set(Array.from({ length: 30 }, (_, i) => [...batch.x.subarray(i * 100, i * 100 + 100), ...batch.y.subarray(i * 2, i * 2 + 2)].join(',')));
  for (const row of t.rows) assert.ok(fromSweep.has(row.map(Number).join(',')), 'a generated row is not in run 0 training data');
  const b = path.join(dir, 'b.csv');
  assert.equal(runCli(['generate', '--correlation', '0.5', '--rows', '30', '--seed', '7', '--out', b]).code, 0);
  assert.equal(fs.readFileSync(b, 'utf8'), fs.readFileSync(a, 'utf8'));
});

test('correlation matches the closed form at the paper cosines, with Figure-2-sized bars', () => {
  const out = path.join(tmpDir('corr'), 'c.csv');
  const r = runCli(['correlation', '--cosine', '0.5,0.9,1', '--trials', '8', '--rows', '10000', '--out', out, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const { points } = JSON.parse(r.stdout) as { points: { cosine: number; mean: number; twoStd: number }[] };
  const constants = studyConstants(DEFAULTS.data, 1);
  for (const p of points) {
    const theory = theoreticalLabelCorrelation(DEFAULTS.data, constants, p.cosine);
    // the spread of a Pearson r on 10k rows is about (1 − r²)/100; the mean of 8 trials is tighter
    assert.ok(Math.abs(p.mean - theory) < 0.015, `p=${p.cosine}: simulated ${p.mean}, theory ${theory}`);
    assert.ok(p.twoStd < 0.05, `p=${p.cosine}: 2 std ${p.twoStd}`);
  }
  // the calibrated defaults reproduce the paper's Figure 2 at its three study cosines
  const paper: Record<number, number> = { 0.5: 0.08, 0.9: 0.31, 1: 1.0 };
  for (const p of points) assert.ok(Math.abs(p.mean - paper[p.cosine]) < 0.03, `p=${p.cosine}: ${p.mean} vs paper ${paper[p.cosine]}`);
  assert.equal(readTable(out).rows.length, 3);
});
