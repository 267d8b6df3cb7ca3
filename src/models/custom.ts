// Your own architecture (--model-file): a CommonJS module that exports an Architecture, or a
// function ({ tf, layers }) => Architecture (so a file outside this package uses our tfjs).
// Checked on load by a probe forward pass; registered in the zoo under its name; recorded
// with its sha256 so that resume, worker threads and merge refuse a file that has changed.
import * as fs from 'fs';
import * as path from 'path';
import { createHash } from 'crypto';
import * as tf from '@tensorflow/tfjs';
import { UsageError } from '../errors';
import { initParams, disposeParams, ParamSpec, Params } from '../engine/params';
import { stream } from '../engine/random';
import * as layers from './layers';
import { Architecture, MODEL_KEYS, ModelKey, ModelShape, SUCCESSOR_DEFAULTS } from './types';
import { BUILTIN_NAMES, registerArchitecture } from './zoo';

/** One loaded model file, as the manifest records it. */
export interface ModelFile {
  name: string;
  /** The path as given, relative to the working directory when it lies under it (no machine paths in a manifest). */
  file: string;
  sha256: string;
}

const loaded = new Map<string, ModelFile>(); // by model name

const ALLOWED = 'a CommonJS module exporting an Architecture { name, summary, params(shape), forward(p, x, shape), optional penalty and reads } or a function ({ tf, layers }) returning one (docs/MODELS.md)';
const COMPONENTS = ['bottom', 'experts', 'gates', 'towers'];
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const RESERVED = new Set(['default']);

/** Small sizes for the probe; a custom model reads the keys it needs from the shape. */
const PROBE: ModelShape = { inputDim: 6, tasks: 2, bottomUnits: 5, experts: 3, expertUnits: 4, towerUnits: 3, ...SUCCESSOR_DEFAULTS };

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The custom models among `models`, in that order: what a sweep over them records and hands its workers. */
export function modelFilesFor(models: string[]): ModelFile[] {
  return models.flatMap((m) => (loaded.has(m) ? [loaded.get(m)!] : []));
}

/**
 * Loads and registers each file (a path, or a recorded ModelFile whose sha256 must still match).
 * `what` names the source in messages: the flag, or the manifest a recorded file came from.
 */
export function registerModelFiles(files: (string | ModelFile)[], what = '--model-file'): ModelFile[] {
  return files.map((f) => (typeof f === 'string' ? load(f, what) : loadRecorded(f, what)));
}

/**
 * Resume: the folder's manifest recorded these model files; each must be loaded now with the
 * same content, or the runs already in the folder came from another model.
 */
export function checkRecordedModelFiles(recorded: ModelFile[] | undefined, where: string): void {
  for (const r of recorded ?? []) {
    const now = loaded.get(r.name);
    if (now && now.sha256 !== r.sha256) {
      throw new UsageError(`${where} holds runs of model ${JSON.stringify(r.name)} from a file with sha256 ${r.sha256.slice(0, 12)}…; ${JSON.stringify(now.file)} now has ${now.sha256.slice(0, 12)}…; allowed: that file unchanged to resume, or a new --out`, now.file);
    }
  }
}

function loadRecorded(r: ModelFile, what: string): ModelFile {
  const m = load(r.file, what);
  if (m.sha256 !== r.sha256 || m.name !== r.name) {
    throw new UsageError(`${what}: model file ${JSON.stringify(r.file)} has changed since it was recorded (${r.name}, sha256 ${r.sha256.slice(0, 12)}…; now ${m.name}, ${m.sha256.slice(0, 12)}…); allowed: the file as it was`, r.file);
  }
  return m;
}

function load(file: string, what: string): ModelFile {
  const abs = path.resolve(file);
  const bad = (problem: string) => new UsageError(`${what} ${JSON.stringify(file)}: ${problem}; allowed: ${ALLOWED}`, file, ALLOWED);
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(abs);
  } catch (e) {
    throw bad(`cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  const hash = sha256(bytes);
  const same = [...loaded.values()].find((m) => path.resolve(m.file) === abs);
  if (same && same.sha256 === hash) return same; // loaded once per process; registering again changes nothing
  let exported: unknown;
  try {
    delete require.cache[abs];
    exported = require(abs);
  } catch (e) {
    throw bad(`throws on load (${firstLine(e)})`);
  }
  const arch = resolveExport(exported, bad);
  checkMembers(arch, bad);
  if (BUILTIN_NAMES.includes(arch.name)) throw bad(`its name ${JSON.stringify(arch.name)} is a built-in model's (${BUILTIN_NAMES.join(', ')})`);
  // "default" is train.lr's key for the models it does not name; Object.prototype's members ("constructor", "toString") would find inherited values in lookups by name
  if (RESERVED.has(arch.name) || arch.name in Object.prototype) throw bad(`its name ${JSON.stringify(arch.name)} is reserved (default, or a member of every JavaScript object)`);
  const other = loaded.get(arch.name);
  if (other && other.sha256 === hash) return other; // the same module from another path (shards merged from other machines)
  if (other && path.resolve(other.file) !== abs) throw bad(`its name ${JSON.stringify(arch.name)} is already taken by ${JSON.stringify(other.file)}`);
  probe(arch, bad);
  checkReads(arch, bad);
  registerArchitecture(arch);
  const m: ModelFile = { name: arch.name, file: recordedPath(file, abs), sha256: hash };
  loaded.set(arch.name, m);
  return m;
}

/** What the manifest records: a path under the working directory relative to it, any other as given. */
function recordedPath(given: string, abs: string): string {
  const rel = path.relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : given;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

type Bad = (problem: string) => UsageError;

function resolveExport(exported: unknown, bad: Bad): Architecture {
  let v = exported as Record<string, unknown> | ((lib: unknown) => unknown) | null;
  if (v && typeof v === 'object' && 'default' in v && !('forward' in v)) v = v.default as typeof v;
  if (typeof v === 'function') {
    try {
      v = (v as (lib: unknown) => unknown)({ tf, layers }) as typeof v;
    } catch (e) {
      throw bad(`its exported function throws (${firstLine(e)})`);
    }
  }
  if (!v || typeof v !== 'object') throw bad(`it exports ${v === null ? 'null' : typeof v}, not an Architecture object`);
  return v as unknown as Architecture;
}

function checkMembers(a: Architecture, bad: Bad): void {
  const o = a as unknown as Record<string, unknown>;
  const missing = ['name', 'summary', 'params', 'forward'].filter((k) => o[k] === undefined);
  if (missing.length) throw bad(`the Architecture lacks ${missing.join(', ')}`);
  if (typeof o.name !== 'string' || !NAME.test(o.name)) throw bad(`name ${JSON.stringify(o.name)} is not a string of letters, digits, '.', '_', '-'`);
  if (typeof o.summary !== 'string' || o.summary.trim() === '') throw bad('summary is not a non-empty string');
  for (const k of ['params', 'forward']) if (typeof o[k] !== 'function') throw bad(`${k} is ${typeof o[k]}, not a function`);
  if (o.penalty !== undefined && typeof o.penalty !== 'function') throw bad(`penalty is ${typeof o.penalty}, not a function`);
  const r = o.reads;
  if (r !== undefined && !(Array.isArray(r) && r.every((k) => MODEL_KEYS.includes(k)) && new Set(r).size === r.length)) {
    throw bad(`reads is ${JSON.stringify(r)}, not a list of distinct model keys (${MODEL_KEYS.join(', ')})`);
  }
}

/**
 * The model keys whose value changes what `a` computes at `shape`: its parameter specs, or its
 * predictions, gates and penalty on a probe batch, each key moved in turn (one up, one down, doubled,
 * 1), the rest kept.
 */
export function keysChanging(a: Architecture, shape: ModelShape): ModelKey[] {
  const specs = a.params({ ...shape });
  const p = initParams(specs, [1]);
  const s = stream('model-file:reads');
  const xs = Float32Array.from({ length: 3 * shape.inputDim }, () => s.normal());
  const outputs = (sh: ModelShape): number[] => {
    tf.engine().startScope();
    try {
      const x = tf.tensor3d(xs, [1, 3, shape.inputDim]);
      const f = a.forward(p, x, sh);
      return [f.predictions, f.gates, a.penalty?.(p, sh)].flatMap((t) => (t ? Array.from(t.dataSync()) : []));
    } finally {
      tf.engine().endScope();
    }
  };
  try {
    const base = outputs({ ...shape });
    // below and above, so a read through a cap (min(experts, 3)) shows too
    const probes = (v: number): number[] => [...new Set([v + 1, 2 * v, Math.max(1, v - 1), 1])].filter((u) => u !== v);
    return MODEL_KEYS.filter((k) => probes(shape[k] as number).some((value) => {
      const moved: ModelShape = { ...shape, [k]: value };
      try {
        if (JSON.stringify(a.params({ ...moved })) !== JSON.stringify(specs)) return true;
        const out = outputs(moved);
        return out.length !== base.length || out.some((v, i) => !Object.is(v, base[i]));
      } catch {
        return true; // it fails at the other value: it reads the key
      }
    }));
  } finally {
    disposeParams(p);
  }
}

/** A declared `reads` must list every model key the probe sees the model use: the sweep trains it once for the values of the others. */
function checkReads(a: Architecture, bad: Bad): void {
  if (!a.reads) return;
  const missed = keysChanging(a, PROBE).filter((k) => !a.reads!.includes(k));
  if (missed.length) throw bad(`reads lists ${a.reads.join(', ') || 'no key'} but the model changes with ${missed.map((k) => `model.${k}`).join(', ')} too (a --set axis over it would train it once); list those keys in reads, or leave reads out (every model key)`);
}

function checkSpecs(specs: unknown, bad: Bad): ParamSpec[] {
  if (!Array.isArray(specs) || specs.length === 0) throw bad('params(shape) does not return a non-empty array of parameter specs');
  const names = new Set<string>();
  for (const sp of specs as Record<string, unknown>[]) {
    const label = `params(shape) spec ${JSON.stringify(sp?.name)}`;
    if (!sp || typeof sp.name !== 'string' || sp.name === '') throw bad('params(shape) returns a spec without a name');
    if (names.has(sp.name)) throw bad(`${label} appears twice`);
    names.add(sp.name);
    if (!Array.isArray(sp.shape) || !sp.shape.every((n) => Number.isInteger(n) && n > 0)) throw bad(`${label}: shape is not a list of positive integers`);
    if (!COMPONENTS.includes(sp.component as string)) throw bad(`${label}: component is not one of ${COMPONENTS.join(', ')}`);
    if (sp.init !== 'glorot' && sp.init !== 'zeros') throw bad(`${label}: init is not glorot or zeros`);
    for (const k of ['fanIn', 'fanOut']) if (typeof sp[k] !== 'number' || !((sp[k] as number) > 0)) throw bad(`${label}: ${k} is not a positive number`);
  }
  return specs as ParamSpec[];
}

/** The cpu backend's first use prints an install hint; the probe may be the first use. */
function quietBackend(): void {
  const backend = tf.backend(); // initialises one if none is yet
  if (tf.getBackend() === 'cpu') (backend as unknown as { firstUse: boolean }).firstUse = false;
}

/**
 * A forward pass on a probe batch: predictions [R, B, tasks] of finite numbers, gates null or
 * [R, B, G, E], and the replica contract (replica 0 alone predicts what it predicts in a pair).
 */
function probe(a: Architecture, bad: Bad): void {
  let specs: ParamSpec[];
  try {
    specs = checkSpecs(a.params({ ...PROBE }), bad);
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw bad(`params(shape) throws (${firstLine(e)})`);
  }
  quietBackend();
  const R = 2, B = 3;
  const s = stream('model-file:probe');
  const xs = Float32Array.from({ length: R * B * PROBE.inputDim }, () => s.normal());
  const pair = initParams(specs, [1, 2]);
  const alone = initParams(specs, [1]);
  try {
    const run = (p: Params, r: number) => {
      const x = tf.tensor3d(xs.subarray(0, r * B * PROBE.inputDim), [r, B, PROBE.inputDim]);
      const out = a.forward(p, x, { ...PROBE }) as unknown as Record<string, unknown>;
      const pred = out?.predictions;
      if (!(pred instanceof tf.Tensor)) throw bad('forward(p, x, shape) does not return { predictions: tf.Tensor, gates }');
      if (pred.shape.join() !== [r, B, PROBE.tasks].join()) throw bad(`forward gives predictions of shape [${pred.shape}] for x of shape [${r}, ${B}, ${PROBE.inputDim}]; expected [${r}, ${B}, ${PROBE.tasks}] (replicas, rows, tasks)`);
      const g = out.gates;
      if (g !== null && !(g instanceof tf.Tensor && g.rank === 4 && g.shape[0] === r && g.shape[1] === B)) throw bad(`forward's gates are neither null nor a tensor [${r}, ${B}, gates, experts]`);
      if (a.penalty) {
        const pen = a.penalty(p, { ...PROBE });
        if (!(pen instanceof tf.Tensor) || pen.rank !== 0) throw bad('penalty(p, shape) does not return a scalar tensor');
      }
      return Float64Array.from(pred.dataSync());
    };
    let inPair: Float64Array, byItself: Float64Array;
    tf.engine().startScope(); // every tensor the probe makes is freed at endScope
    try {
      [inPair, byItself] = [run(pair, R), run(alone, 1)];
    } catch (e) {
      if (e instanceof UsageError) throw e;
      throw bad(`forward throws on a probe batch (${firstLine(e)})`);
    } finally {
      tf.engine().endScope();
    }
    if (!inPair.every(Number.isFinite)) throw bad('forward gives non-finite predictions at initialisation');
    const gap = byItself.reduce((m, v, i) => Math.max(m, Math.abs(v - inPair[i])), 0);
    if (gap > 1e-4) throw bad(`forward mixes replicas: replica 0 predicts differently alone than in a pair (by ${gap.toExponential(2)}); each replica must use only its own slice of every parameter`);
  } finally {
    disposeParams(pair);
    disposeParams(alone);
  }
}
