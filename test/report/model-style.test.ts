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

async function styles(name: string, models: string[], truth = (m: string, noise: () => number) => 0.1 + 0.01 * models.indexOf(m) + 0.005 * Math.abs(noise())) {
  const dir = writeSynthetic(path.join(tmpDir('model-style'), name), { models, correlations: [0.5, 1], runs: 4, truth: (m, p, run, noise) => truth(m, noise) });
  await writeReport(dir, { metric: 'normalized' });
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'figures', 'fig4-final-loss.vl.json'), 'utf8'));
  const domain = (JSON.stringify(spec).match(/"domain":\["[^\]]*\]/) ?? [''])[0];
  return { scales: modelScales(spec), domain, svg: fs.readFileSync(path.join(dir, 'figures', 'fig4-final-loss.svg'), 'utf8') };
}

/** "mark|correlation|model" → x in pixels, for every mean point and interval bar in the SVG vega drew. */
function markXs(svg: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of svg.matchAll(/aria-label="task correlation \(cosine p\): ([\d.]+); ([^"]*)" role="graphics-symbol" aria-roledescription="(point|rule mark)" transform="translate\(([-\d.]+),/g)) {
    const model = m[2].match(/model: ([^;]+)/)![1];
    if (m[3] === 'point' && !m[2].includes('mean:')) continue; // the paper's hollow points
    out.set(`${m[3]}|${m[1]}|${model}`, Number(m[4]));
  }
  return out;
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

test('models at the same correlation stand side by side, 7 px apart in legend order, each interval bar on its point', async () => {
  const models = ['single-task', 'shared-bottom', 'omoe', 'mmoe', 'my-net'];
  const { svg } = await styles('same', models, () => 0.1); // every model the same loss: without the dodge every mark lies on one spot
  const xs = markXs(svg);
  assert.equal(xs.size, 2 * 2 * models.length);
  for (const p of ['0.5', '1']) {
    const at = models.map((m) => xs.get(`point|${p}|${m}`)!);
    for (let i = 1; i < at.length; i++) assert.ok(Math.abs(at[i] - at[i - 1] - 7) < 1e-6, `p=${p}: ${models[i - 1]} at ${at[i - 1]}, ${models[i]} at ${at[i]}`);
    for (const m of models) assert.equal(xs.get(`rule mark|${p}|${m}`), xs.get(`point|${p}|${m}`), `${m}'s interval is off its point`);
  }
});
