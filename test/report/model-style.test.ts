// Models in one order everywhere (the single-task baseline, the paper's three, the zoo, then
// models of one's own by name), each with a colour, dash and shape of its own that does not
// move when the set of models in the sweep changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { orderModels } from '../../src/report/load';
import { writeReport } from '../../src/report/report';
import { tmpDir } from '../helpers/cli';
import { writeSynthetic } from './synthetic';

const ZOO = ['single-task', 'shared-bottom', 'omoe', 'mmoe', 'cgc', 'ple', 'cross-stitch', 'l2-constrained'];

test('orderModels: single-task, the paper\'s three, cgc, ple, cross-stitch, l2-constrained, then others by name', () => {
  const shuffled = ['zeta', 'l2-constrained', 'mmoe', 'Beta', 'alpha', 'cross-stitch', 'omoe', 'single-task', 'ple', 'shared-bottom', 'cgc', 'mmoe'];
  assert.deepEqual(orderModels(shuffled), [...ZOO, 'Beta', 'alpha', 'zeta']);
  assert.deepEqual(orderModels(['mmoe', 'shared-bottom', 'omoe']), ['shared-bottom', 'omoe', 'mmoe']);
});

/** encoding name (color, strokeDash, shape) → model → value, from every model scale in a Vega-Lite spec. */
function modelScales(spec: unknown, out = new Map<string, Map<string, string>>(), key = ''): Map<string, Map<string, string>> {
  if (Array.isArray(spec)) spec.forEach((s) => modelScales(s, out, key));
  else if (spec && typeof spec === 'object') {
    const o = spec as Record<string, any>;
    if (o.field === 'model' && o.scale?.domain) {
      if (!out.has(key)) out.set(key, new Map());
      o.scale.domain.forEach((m: string, i: number) => {
        const v = JSON.stringify(o.scale.range[i]);
        const before = out.get(key)!.get(m);
        assert.ok(before === undefined || before === v, `${m} has two ${key}s in one figure`);
        out.get(key)!.set(m, v);
      });
    }
    for (const [k, v] of Object.entries(o)) modelScales(v, out, k);
  }
  return out;
}

async function styles(name: string, models: string[]) {
  const dir = writeSynthetic(path.join(tmpDir('model-style'), name), { models, correlations: [0.5, 1], runs: 4, truth: (m, p, run, noise) => 0.1 + 0.01 * models.indexOf(m) + 0.005 * Math.abs(noise()) });
  await writeReport(dir, { metric: 'normalized' });
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'figures', 'fig4-final-loss.vl.json'), 'utf8'));
  const domain = (JSON.stringify(spec).match(/"domain":\["[^\]]*\]/) ?? [''])[0];
  return { scales: modelScales(spec), domain };
}

test('every model keeps its colour, dash and shape whichever models share the sweep; the paper\'s three keep theirs', async () => {
  const all = await styles('all', [...ZOO].reverse().concat(['my-net', 'deep-single-task']));
  const two = await styles('two', ['my-net', 'mmoe', 'cgc']);
  assert.ok(all.domain.startsWith(`"domain":${JSON.stringify([...ZOO, 'deep-single-task', 'my-net'])}`), all.domain);
  for (const enc of ['color', 'strokeDash', 'shape']) {
    const a = all.scales.get(enc)!;
    assert.equal(a.size, 10, enc);
    assert.equal(new Set(a.values()).size, 10, `${enc}: every model its own`);
    for (const [m, v] of two.scales.get(enc)!) assert.equal(v, a.get(m), `${m}'s ${enc} moved`);
  }
  const color = all.scales.get('color')!;
  assert.deepEqual(['shared-bottom', 'omoe', 'mmoe'].map((m) => JSON.parse(color.get(m)!)), ['#d62728', '#ff7f0e', '#1f77b4']);
});
