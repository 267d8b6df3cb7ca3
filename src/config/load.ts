// Resolving a sweep config: defaults ← preset (configs/NAME.json) ← --config FILE ← flags.
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import { UsageError, usage } from '../errors';
import { DEFAULTS, SweepConfig } from './defaults';
import { findDuplicateKey } from './duplicates';
import { SCHEMA, check, checkFlag } from './schema';
import { applyPoint, gridPoints, parseSets, pointLabel } from './grid';
import { allLrs, lrsFor } from '../train/schedule';

export const PRESET_DIR = path.resolve(__dirname, '../../../configs');

export function presetNames(): string[] {
  return fs.readdirSync(PRESET_DIR).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

type Partial2 = { [section: string]: { [key: string]: unknown } };

/** Validates a parsed config object (a preset or a --config file) against the schema. */
export function validatePartial(obj: unknown, source: string): Partial2 {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw usage(`${source}`, obj, `a JSON object with sections ${Object.keys(SCHEMA).join(', ')}`);
  }
  const out: Partial2 = {};
  for (const [section, body] of Object.entries(obj as Record<string, unknown>)) {
    if (section === 'description') continue; // free text, for people reading the preset
    // own keys only: "constructor", "toString" or "__proto__" must not find Object.prototype's members
    const rules = Object.hasOwn(SCHEMA, section) ? SCHEMA[section] : undefined;
    if (!rules) throw usage(`${source}: unknown section`, section, `${Object.keys(SCHEMA).join(', ')}, description`);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw usage(`${source}: ${section}`, body, 'an object');
    out[section] = {};
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      const r = Object.hasOwn(rules, key) ? rules[key] : undefined;
      if (!r) throw usage(`${source}: unknown key ${section}.${key}`, key, Object.keys(rules).join(', '));
      out[section][key] = check(`${source}: ${section}.${key}`, value, r);
    }
  }
  return out;
}

export function readJsonFile(file: string, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`${what} ${JSON.stringify(file)} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}); allowed: a readable JSON file`, file);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what} ${JSON.stringify(file)} is not valid JSON (${(e as Error).message.split('\n')[0]}); allowed: a JSON object`, file);
  }
  // JSON.parse keeps the last of two equal keys: the file would not say what the sweep trains with
  const dup = findDuplicateKey(text);
  if (dup) throw new UsageError(`${what} ${JSON.stringify(file)} has the key ${JSON.stringify(dup.key)} twice (at ${dup.path}); allowed: each key once in an object (JSON would silently keep the last)`, file);
  return value;
}

export function loadPreset(name: string): Partial2 {
  const names = presetNames();
  if (!names.includes(name)) throw usage('--preset', name, names.join(', '));
  return validatePartial(readJsonFile(path.join(PRESET_DIR, `${name}.json`), 'preset'), `preset ${name}`);
}

function merge(base: SweepConfig, over: Partial2): SweepConfig {
  const out = JSON.parse(JSON.stringify(base)) as SweepConfig;
  for (const [section, body] of Object.entries(over)) Object.assign((out as unknown as Partial2)[section], body);
  return out;
}

/** A flag that sets one config key. */
export interface FlagBinding {
  flag: string;
  section: string;
  key: string;
}

export const FLAG_BINDINGS: FlagBinding[] = [
  { flag: 'correlation', section: 'sweep', key: 'correlations' },
  { flag: 'models', section: 'sweep', key: 'models' },
  { flag: 'runs', section: 'sweep', key: 'runs' },
  { flag: 'seed', section: 'sweep', key: 'seed' },
  { flag: 'steps', section: 'train', key: 'steps' },
  { flag: 'batchSize', section: 'train', key: 'batchSize' },
  { flag: 'lr', section: 'train', key: 'lr' },
  { flag: 'evalEvery', section: 'train', key: 'evalEvery' },
  { flag: 'lrSchedule', section: 'train', key: 'lrSchedule' },
  { flag: 'trainSize', section: 'data', key: 'trainSize' },
  { flag: 'evalSize', section: 'data', key: 'evalSize' },
];

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** Flags (as commander gives them: strings keyed by camelCase name) to a validated partial config. */
export function flagsToPartial(flags: Record<string, unknown>): Partial2 {
  const out: Partial2 = {};
  for (const b of FLAG_BINDINGS) {
    const text = flags[b.flag];
    if (typeof text !== 'string') continue;
    const r = SCHEMA[b.section][b.key];
    (out[b.section] ??= {})[b.key] = checkFlag(`--${kebab(b.flag)}`, text, r);
  }
  return out;
}

/** Checks that hold across keys, at every point of the --set grid. */
function checkWhole(base: SweepConfig): SweepConfig {
  for (const point of gridPoints(base.sweep.grid)) checkPoint(applyPoint(base, point), pointLabel(point));
  return base;
}

function checkPoint(cfg: SweepConfig, at: string): void {
  const where = at ? ` (at --set ${at})` : '';
  const m = cfg.data.sinusoids;
  for (const k of ['alpha', 'beta'] as const) {
    const v = cfg.data[k];
    if (v !== null && v.length !== m) throw usage(`data.${k} has ${v.length} values but data.sinusoids is ${m}${where}`, v, `null or exactly ${m} numbers`);
  }
}

export interface ConfigSources {
  preset: string;
  configFile?: string;
  flags: Record<string, unknown>;
}

export function resolveConfig(src: ConfigSources): SweepConfig {
  let cfg = merge(DEFAULTS, loadPreset(src.preset));
  if (src.configFile !== undefined) cfg = merge(cfg, validatePartial(readJsonFile(src.configFile, '--config'), `--config ${src.configFile}`));
  cfg = merge(cfg, flagsToPartial(src.flags));
  const sets = src.flags.set as string[] | undefined;
  if (sets && sets.length) cfg.sweep.grid = { ...cfg.sweep.grid, ...parseSets(sets) };
  if (cfg.sweep.grid && Object.keys(cfg.sweep.grid).length === 0) delete cfg.sweep.grid; // no axes: hashes as a config without the key
  if (cfg.train.lrSchedule === 'constant') delete cfg.train.lrSchedule; // the default: hashes as a config made before schedules existed
  return canonicalLr(checkWhole(cfg));
}

/**
 * Rates by model as the plan sees them, so equal plans are one sweep (one hash): each model of
 * the sweep named with its own list ("default" and keys of models not in the sweep dropped), and
 * one plain list when every model has the same.
 */
function canonicalLr(cfg: SweepConfig): SweepConfig {
  const lr = cfg.train.lr;
  if (Array.isArray(lr)) return cfg;
  const { models } = cfg.sweep;
  const lists = models.map((m) => lrsFor(lr, m));
  // train.lr is not a --set axis: checked here once, not at every grid point
  const missing = models.find((m, i) => lists[i].length === 0);
  if (missing) throw usage(`train.lr names no rates for ${missing}`, lr, `a list, or an object naming every model of the sweep (${models.join(', ')}) or a "default" (or --lr RATES for every model)`);
  const same = lists.every((l) => canonicalJson(l) === canonicalJson(lists[0]));
  cfg.train.lr = same ? lists[0] : Object.fromEntries(models.map((m, i) => [m, lists[i]]));
  const distinct = allLrs(cfg.train.lr, models).length;
  if (distinct > 100) throw usage('train.lr', `${distinct} distinct rates over the models`, 'at most 100 distinct rates in a sweep');
  return cfg;
}

/** JSON with sorted keys: the same config always serialises, and hashes, the same way. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

export function configHash(cfg: SweepConfig): string {
  return createHash('sha256').update(canonicalJson(cfg)).digest('hex').slice(0, 16);
}
