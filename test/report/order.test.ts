// Every list of models the report and compare print follows one order (load.ts orderModels):
// single-task, shared-bottom, omoe, mmoe, cgc, ple, cross-stitch, l2-constrained, then models of
// one's own by name, whatever order the config, runs.csv or the lr map gives them in.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { compareSweeps, COMPARE_DEFAULTS } from '../../src/report/compare';
import { writeReport } from '../../src/report/report';
import { tmpDir } from '../helpers/cli';
import { writeSynthetic } from './synthetic';

const base = tmpDir('order');
// runs.csv and the config in an order that is none of the display order's
const MODELS = ['zeta-net', 'mmoe', 'single-task', 'alpha-net', 'shared-bottom'];
const ORDERED = ['single-task', 'shared-bottom', 'mmoe', 'alpha-net', 'zeta-net'];
const LR: Record<string, number[]> = { mmoe: [0.01], 'zeta-net': [0.003], 'single-task': [0.003], 'alpha-net': [0.01], 'shared-bottom': [0.003] };

function sweep(name: string): string {
  const dir = writeSynthetic(path.join(base, name), { models: MODELS, correlations: [0.5, 1], runs: 4, truth: (m, p, run, noise) => 0.3 + 0.01 * MODELS.indexOf(m) + 0.01 * noise() });
  const manifestFile = path.join(dir, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  manifest.config.train.lr = LR;
  manifest.config.train.lrSchedule = 'cosine';
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
  return dir;
}

test('report.md: the header\'s models and lr by model, the tables and the legends in the display order', async () => {
  const dir = sweep('a');
  await writeReport(dir, { metric: 'normalized' });
  const md = fs.readFileSync(path.join(dir, 'report.md'), 'utf8');
  assert.ok(md.includes(`Models ${ORDERED.join(', ')};`), md.split('\n')[2]);
  // grouped by rate, each group in the display order, the groups by their first model; in parentheses, so the schedule reads as every model's
  assert.ok(md.includes('lr by model (single-task, shared-bottom, zeta-net 0.003; mmoe, alpha-net 0.01) with a cosine decay to 0 over the steps;'), md.split('\n')[2]);
  const tableModels = (heading: string) => [...new Set(md.split(`${heading}\n\n`)[1].split('\n\n')[0].split('\n').slice(2).map((l) => l.split('|')[1].trim()))];
  assert.deepEqual(tableModels('## Final held-out loss'), ORDERED);
  assert.deepEqual(tableModels('## MTL gain over single-task'), ORDERED.slice(1));
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'figures', 'fig4-final-loss.vl.json'), 'utf8'));
  assert.deepEqual(spec.layer[0].encoding.color.scale.domain, ORDERED);
});

test('compare: cells by model in the display order (models of one\'s own by name, not interleaved by correlation), then correlation', () => {
  const c = compareSweeps(sweep('b'), sweep('c'), { metric: 'normalized', ...COMPARE_DEFAULTS });
  assert.deepEqual(c.cells.map((x) => `${x.axes.model} ${x.axes.correlation}`), ORDERED.flatMap((m) => [`${m} 0.5`, `${m} 1`]));
});
