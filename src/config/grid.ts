// `--set KEY=V1,V2,...`: any scalar config key as one more axis of the grid (like model,
// correlation and lr). The axes live in config.sweep.grid, so the config hash and manifest hold them.
import { usage } from '../errors';
import { SweepConfig } from './defaults';
import { Rule, SCHEMA, allowed, check, parseFlag } from './schema';

/** Dotted key → its values, in the order given (the first key varies slowest). */
export type Grid = Record<string, number[]>;
/** One combination of axis values. */
export type Point = Record<string, number>;

/** Keys that are axes already, each with the flag that sets it. */
const OWN_FLAGS: Record<string, string> = { 'sweep.models': '--models', 'sweep.correlations': '--correlation', 'train.lr': '--lr', 'sweep.runs': '--runs', 'sweep.seed': '--seed' };

/** Every key --set accepts: the scalar (int or number) keys of data, model and train. */
export const axisKeys = (): string[] => ['data', 'model', 'train'].flatMap((s) => Object.entries(SCHEMA[s]).filter(([, r]) => r.kind === 'int' || r.kind === 'number').map(([k]) => `${s}.${k}`));

/** The schema rule of an axis key, or a UsageError when the key cannot be an axis; `where` names the flag or config key. */
function axisRule(where: string, key: string): Rule {
  if (OWN_FLAGS[key]) throw usage(where, key, `a key that is not an axis already (use ${OWN_FLAGS[key]} for ${key})`);
  const [section, name] = key.split('.');
  const r = Object.hasOwn(SCHEMA, section) && Object.hasOwn(SCHEMA[section], name) && key.split('.').length === 2 ? SCHEMA[section][name] : undefined;
  if (!r) throw usage(where, key, `a dotted config key: one of ${axisKeys().join(', ')}`);
  const kind = section === 'report' ? 'a report setting, not a training one' : r.kind === 'choice' ? `a word (${r.choices!.join(' or ')}), not a number: run one sweep per value` : 'a list, not a scalar';
  if (!axisKeys().includes(key)) throw usage(where, key, `a key with one number per run (${key} is ${kind}); one of ${axisKeys().join(', ')}`);
  return r;
}

/** Checks one axis key and its values; `where` names the flag or config key in the message. */
function checkAxis(where: string, key: string, values: unknown): number[] {
  const r = axisRule(where, key);
  if (!Array.isArray(values) || values.length === 0 || values.length > 100) throw usage(`${where} ${key}`, values, `a list of 1 to 100 values, each ${allowed(r)}`);
  const out = values.map((v) => check(`${where} ${key}`, v, r) as number);
  const seen = new Set<number>();
  for (const v of out) {
    // a repeated value would train every run twice: refused, as for --lr and --correlation
    if (seen.has(v)) throw usage(`${where} ${key}`, values, `distinct values, each ${allowed(r)}: ${v} is given twice (equal as numbers)`);
    seen.add(v);
  }
  return out.map((v) => (Object.is(v, -0) ? 0 : v));
}

/** A config file's sweep.grid: an object of dotted key → list of values. */
export function checkGrid(where: string, value: unknown): Grid {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw usage(where, value, 'an object of dotted config key → list of values, e.g. {"model.experts": [4, 8]}');
  const out: Grid = {};
  for (const [key, values] of Object.entries(value as Record<string, unknown>)) out[key] = checkAxis(where, key, values);
  return out;
}

/** The --set flags (each "KEY=V1,V2,..."), in the order given. */
export function parseSets(texts: string[]): Grid {
  const out: Grid = {};
  for (const text of texts) {
    const eq = text.indexOf('=');
    if (eq <= 0) throw usage('--set', text, 'KEY=V1,V2,... with a dotted config key, e.g. model.experts=4,8,16');
    const key = text.slice(0, eq).trim();
    if (Object.hasOwn(out, key)) throw usage('--set', key, 'each key at most once (list all its values in one --set)');
    // the key first, so an unknown key is named before its values; each value plain decimal, as every flag's number
    const r = axisRule('--set', key);
    const values = text.slice(eq + 1).split(',').map((t) => parseFlag(`--set ${key}`, t, r));
    out[key] = checkAxis('--set', key, values);
  }
  return out;
}

/** Every combination of the axes' values, the first axis varying slowest; [{}] without axes. */
export function gridPoints(grid: Grid | undefined): Point[] {
  let points: Point[] = [{}];
  for (const [key, values] of Object.entries(grid ?? {})) points = points.flatMap((p) => values.map((v) => ({ ...p, [key]: v })));
  return points;
}

/** The config a run at this point trains with: each axis key set to its value. */
export function applyPoint(cfg: SweepConfig, point: Point | undefined): SweepConfig {
  if (!point || Object.keys(point).length === 0) return cfg;
  const out = JSON.parse(JSON.stringify(cfg)) as SweepConfig;
  for (const [key, v] of Object.entries(point)) {
    const [section, name] = key.split('.');
    ((out as unknown as Record<string, Record<string, unknown>>)[section])[name] = v;
  }
  return out;
}

/** "model.experts=4;data.noiseStd=0.1" ("" without axes): part of a run's id and of a cell's key. */
export function pointLabel(point: Point | undefined): string {
  return Object.entries(point ?? {}).map(([k, v]) => `${k}=${v}`).join(';');
}
