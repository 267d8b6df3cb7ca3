// The journal of finished runs: every line checked against the record schema on the way in.
import { TASKS } from '../data/generator';
import { Journal, readJournal } from '../output/files';
import { RunRecord } from './tables';

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const finite = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
// a diverged run's losses may have no finite value: JSON writes NaN as null
const lossList = (x: unknown) => Array.isArray(x) && x.length === TASKS && x.every((v) => v === null || typeof v === 'number');

/** null for a complete run record, else what is wrong with it. */
export function recordProblem(x: unknown): string | null {
  if (!isObject(x)) return `not a run record (${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x})`;
  if (typeof x.model !== 'string' || x.model === '') return 'no model';
  if (!finite(x.correlation)) return 'no correlation';
  if (!finite(x.lr)) return 'no lr';
  if (x.point !== undefined && !(isObject(x.point) && Object.values(x.point).every(finite))) return 'a malformed point (--set axis values)';
  const r = x.result;
  if (!isObject(r)) return 'no result';
  if (!Number.isInteger(r.run) || (r.run as number) < 0) return 'no run index';
  if (!finite(r.seed)) return 'no seed';
  if (r.status !== 'ok' && r.status !== 'diverged') return `status ${JSON.stringify(r.status)}`;
  if (!Number.isInteger(r.steps)) return 'no steps';
  for (const k of ['trainLoss', 'evalLoss', 'trainNormalized', 'evalNormalized']) if (!lossList(r[k])) return `no ${k}`;
  if (!Array.isArray(r.curve) || !r.curve.every((c) => isObject(c) && Number.isInteger(c.step) && Number.isInteger(c.task) && (c.split === 'train' || c.split === 'eval'))) return 'a malformed curve';
  if (r.gates !== null && !(Array.isArray(r.gates) && r.gates.every((g) => Array.isArray(g) && g.every((w) => typeof w === 'number')))) return 'malformed gates';
  if (typeof r.seconds !== 'number') return 'no seconds';
  return null;
}

/** The journal's valid records; `repair` cuts a last line cut short by a crash off the file (never for merge's inputs). */
export function readRecords(file: string, repair: boolean): Journal<RunRecord> {
  return readJournal<RunRecord>(file, recordProblem, { repair });
}

/** "FILE:LINE: reason" for each dropped line, at most a few, then how many more. */
export function droppedLines(file: string, j: Journal<RunRecord>): string[] {
  const shownLines = j.dropped.slice(0, 3).map((d) => `${file}:${d.line}: ${d.reason}; that line is ignored (its run will be re-run)`);
  if (j.dropped.length > 3) shownLines.push(`${file}: and ${j.dropped.length - 3} more bad lines ignored`);
  return shownLines;
}
