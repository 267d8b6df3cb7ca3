// Writing a set of files into a sweep folder (report's outputs) as one: under the folder's lock,
// into a staging folder, then moved into place, so an interrupt leaves the old set or the new.
import * as fs from 'fs';
import * as path from 'path';
import { usage } from '../errors';
import { commitStage, makeStage, removeStage } from '../output/files';
import { acquireLock } from '../sweep/lock';
import { deferSignals } from './fail';

export async function writeSetInto<T>(dir: string, what: string, fn: (stage: string) => Promise<T>): Promise<{ value: T; signal: NodeJS.Signals | null; moved: (file: string) => string }> {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw usage('sweep folder', dir, 'an existing folder written by mmoe-sweep (or merged from its shards)');
  const lock = acquireLock(dir, what);
  let stage: string | null = null;
  try {
    stage = makeStage(dir);
    const s = stage;
    const r = await deferSignals(`the ${what}`, async () => {
      const value = await fn(s);
      commitStage(s, dir);
      return value;
    });
    return { ...r, moved: (file) => path.join(dir, path.relative(s, file)) };
  } finally {
    if (stage) removeStage(stage);
    lock.release();
  }
}
