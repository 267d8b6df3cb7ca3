// The schema of a sweep config: one rule per key, used for config files and for flags alike,
// so every bad value gets the same one-line message naming the value and what is allowed.
import { usage } from '../errors';
import { decimalFlag } from './number';
import { MODEL_NAMES } from '../models/zoo';
import { checkGrid } from './grid';
import { LR_SCHEDULES } from '../train/schedule';

type Kind = 'int' | 'number' | 'numbers' | 'numbersOrNull' | 'models' | 'grid' | 'choice' | 'lrs';

export interface Rule {
  kind: Kind;
  min?: number;
  max?: number;
  /** min is exclusive (a value must be > min). */
  above?: boolean;
  /** Most values in a list. */
  maxItems?: number;
  /** The allowed words of a 'choice'. */
  choices?: readonly string[];
  doc: string;
}

// Upper bounds: far above any study, low enough that nothing is allocated beyond what a machine has (README "Limits").
const upTo = (max: number): Rule => ({ kind: 'int', min: 1, max, doc: '' });
const rule = (r: Rule, doc: string): Rule => ({ ...r, doc });

export const SCHEMA: Record<string, Record<string, Rule>> = {
  data: {
    dim: rule({ kind: 'int', min: 2, max: 10_000, doc: '' }, 'input dimension d'),
    scale: rule({ kind: 'number', min: 0, above: true, doc: '' }, 'c, the norm of each task weight vector'),
    sinusoids: rule({ kind: 'int', min: 0, max: 1_000, doc: '' }, 'm, the number of sinusoids'),
    alpha: rule({ kind: 'numbersOrNull', doc: '' }, 'fixed α_i (m numbers) or null to draw them from alphaStd'),
    beta: rule({ kind: 'numbersOrNull', doc: '' }, 'fixed β_i (m numbers) or null to draw them from betaStd'),
    alphaStd: rule({ kind: 'number', min: 0, doc: '' }, 'std of α_i when drawn'),
    betaStd: rule({ kind: 'number', min: 0, doc: '' }, 'std of β_i when drawn'),
    noiseStd: rule({ kind: 'number', min: 0, doc: '' }, 'σ, std of the label noise'),
    trainSize: rule({ kind: 'int', min: 0, max: 10_000_000, doc: '' }, 'training rows per run (0 streams fresh rows every step)'),
    evalSize: rule({ kind: 'int', min: 2, max: 10_000_000, doc: '' }, 'held-out rows per run'),
  },
  model: {
    bottomUnits: rule(upTo(100_000), 'shared-bottom ReLU units'),
    experts: rule(upTo(1_024), 'experts of omoe and mmoe'),
    expertUnits: rule(upTo(100_000), 'ReLU units of each expert'),
    towerUnits: rule(upTo(100_000), 'ReLU units of each task tower'),
    taskUnits: rule(upTo(100_000), 'single-task, cross-stitch, l2-constrained: ReLU units of each task\'s own layer'),
    cgcTaskExperts: rule(upTo(1_024), 'cgc: task-specific experts per task'),
    cgcSharedExperts: rule(upTo(1_024), 'cgc: shared experts'),
    pleTaskExperts: rule(upTo(1_024), 'ple: task-specific experts per task in each level'),
    pleSharedExperts: rule(upTo(1_024), 'ple: shared experts in each level'),
    pleLevels: rule(upTo(16), 'ple: CGC levels'),
    l2Lambda: rule({ kind: 'number', min: 0, doc: '' }, 'l2-constrained: λ, the weight of Σ‖θ_k − θ_l‖² in the loss'),
  },
  train: {
    steps: rule(upTo(100_000_000), 'training steps per run'),
    batchSize: rule(upTo(1_000_000), 'rows per training step'),
    lr: rule({ kind: 'lrs', min: 0, above: true, maxItems: 100, doc: '' }, 'Adam learning rates (a list is a grid), or lists by model name, e.g. {"shared-bottom": [0.003], "default": [0.01]}'),
    evalEvery: rule(upTo(100_000_000), 'steps between held-out evaluations'),
    lrSchedule: rule({ kind: 'choice', choices: LR_SCHEDULES, doc: '' }, 'constant: lr at every step; cosine: lr·½(1 + cos(π·t/steps)) at step t = 0 … steps − 1, from lr down towards 0'),
  },
  sweep: {
    models: rule({ kind: 'models', doc: '' }, 'architectures to train'),
    correlations: rule({ kind: 'numbers', min: -1, max: 1, maxItems: 1_000, doc: '' }, 'cosines p between the task weight vectors'),
    runs: rule(upTo(100_000), 'runs per model, correlation and lr'),
    seed: rule({ kind: 'int', min: 0, max: 2 ** 32 - 1, doc: '' }, 'base seed'),
    grid: rule({ kind: 'grid', doc: '' }, 'more grid axes: dotted config key → list of values, e.g. {"model.experts": [4, 8]} (what --set writes)'),
  },
  report: {
    histogramBins: rule(upTo(10_000), 'histogram bins below histogramMax'),
    histogramMax: rule({ kind: 'number', min: 0, above: true, doc: '' }, 'upper edge of the last regular histogram bin'),
  },
};

function range(r: Rule): string {
  const lo = r.min === undefined ? '' : r.above ? `> ${r.min}` : `>= ${r.min}`;
  const hi = r.max === undefined ? '' : `<= ${r.max}`;
  if (r.min !== undefined && r.max !== undefined && !r.above) return `in [${r.min}, ${r.max}]`;
  return [lo, hi].filter(Boolean).join(' and ');
}

export function allowed(r: Rule): string {
  switch (r.kind) {
    case 'int':
      return `an integer ${range(r)}`.trim();
    case 'number':
      return `a number ${range(r)}`.trim();
    case 'numbers':
      return `a non-empty list of ${r.maxItems ? `at most ${r.maxItems} ` : ''}distinct numbers ${range(r)}`.trim();
    case 'numbersOrNull':
      return 'null or a list of numbers';
    case 'grid':
      return 'an object of dotted config key → list of values';
    case 'choice':
      return `one of ${r.choices!.join(', ')}`;
    case 'lrs':
      return `${allowed({ ...r, kind: 'numbers' })}, or an object of model name (or "default") → such a list`;
    case 'models':
      return `a non-empty list of ${MODEL_NAMES.join(', ')} (or a model of your own: --model-file)`;
  }
}

function inRange(v: number, r: Rule): boolean {
  if (!Number.isFinite(v)) return false;
  if (r.min !== undefined && (r.above ? v <= r.min : v < r.min)) return false;
  if (r.max !== undefined && v > r.max) return false;
  return true;
}

/** Checks one value against its rule; `where` names it in the message (a flag or a config key). */
export function check(where: string, value: unknown, r: Rule): unknown {
  const bad = () => usage(where, value, allowed(r));
  switch (r.kind) {
    case 'int':
      if (typeof value !== 'number' || !Number.isInteger(value) || !inRange(value, r)) throw bad();
      return value;
    case 'number':
      if (typeof value !== 'number' || !inRange(value, r)) throw bad();
      return value;
    case 'numbers': {
      if (!Array.isArray(value) || value.length === 0 || (r.maxItems !== undefined && value.length > r.maxItems)) throw bad();
      for (const v of value) if (typeof v !== 'number' || !inRange(v, r)) throw usage(where, v, allowed(r));
      // a repeated value (0.5,0.5 or 0,-0 or 0.001,1e-3) would train every run twice: refused, as numbers
      const seen = new Set<number>();
      for (const v of value) {
        if (seen.has(v)) throw usage(where, value, `${allowed(r)}: ${v} is given twice (equal as numbers)`);
        seen.add(v);
      }
      return value.map((v: number) => (Object.is(v, -0) ? 0 : v));
    }
    case 'numbersOrNull':
      if (value === null) return null;
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) throw bad();
      return value;
    case 'models':
      if (!Array.isArray(value) || value.length === 0) throw bad();
      for (const v of value) if (typeof v !== 'string' || !MODEL_NAMES.includes(v)) throw usage(where, v, allowed(r));
      if (new Set(value).size !== value.length) throw usage(where, value, `${allowed(r)}, each at most once`);
      return value;
    case 'grid':
      return checkGrid(where, value);
    case 'choice':
      if (typeof value !== 'string' || !r.choices!.includes(value)) throw bad();
      return value;
    case 'lrs': {
      const list: Rule = { ...r, kind: 'numbers' };
      if (Array.isArray(value)) return check(where, value, list);
      if (typeof value !== 'object' || value === null || Object.keys(value).length === 0) throw bad();
      const out: Record<string, unknown> = {};
      for (const [model, rates] of Object.entries(value)) {
        if (model !== 'default' && !MODEL_NAMES.includes(model)) throw usage(`${where}: model`, model, `${MODEL_NAMES.join(', ')} or default`);
        out[model] = check(`${where}.${model}`, rates, list);
      }
      return out;
    }
  }
}

/** A flag's text, parsed by its rule's kind and checked against the rule. */
export function checkFlag(flag: string, text: string, r: Rule): unknown {
  return check(flag, parseFlag(flag, text, r), r);
}

/**
 * Parses a flag's text by its rule's kind: "0.5,0.9" → [0.5, 0.9]; "12" → 12. A number must be
 * plain decimal (refused here, naming the flag); a word stays a word for check() to name.
 */
export function parseFlag(flag: string, text: string, r: Rule): unknown {
  const num = (t: string) => decimalFlag(flag, t, () => true, allowed(r.kind === 'lrs' ? { ...r, kind: 'numbers' } : r)); // the range is check()'s; a flag's rates are one list
  switch (r.kind) {
    case 'int':
    case 'number':
      return num(text);
    case 'numbers':
    case 'numbersOrNull':
    case 'lrs':
      return text.split(',').map(num);
    case 'models':
      return text.split(',').map((t) => t.trim());
    case 'grid':
    case 'choice':
      return text.trim();
  }
}
