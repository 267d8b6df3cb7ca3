// Crash-safe file writes: a whole file via write-then-rename, a journal via whole-line appends.
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'csv-stringify/sync';
import { OutputName, OUTPUTS, header } from './columns';

export function writeAtomic(file: string, text: string | Uint8Array): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Writes one of the documented outputs; rows are arrays in the order of its columns. */
export function writeCsv(dir: string, name: OutputName, rows: unknown[][]): string {
  const file = path.join(dir, OUTPUTS[name].file);
  writeAtomic(file, stringify(rows, { header: true, columns: header(name), cast: { boolean: (b) => String(b) } }));
  return file;
}

/** Appends complete lines and flushes them to disk, so a crash loses at most a line being written. */
export function appendLines(file: string, lines: string[]): void {
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, lines.map((l) => `${l}\n`).join(''));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Reads a JSON-lines journal. A last line cut short by a crash (no newline, or not JSON) is
 * dropped and the file rewritten without it; `repaired` says so.
 */
export function readJournal<T>(file: string): { entries: T[]; repaired: boolean } {
  if (!fs.existsSync(file)) return { entries: [], repaired: false };
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const entries: T[] = [];
  let good = 0;
  let repaired = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line === '') continue;
    const complete = i < lines.length - 1; // followed by a newline
    try {
      if (!complete) throw new Error('cut short');
      entries.push(JSON.parse(line) as T);
      good += line.length + 1;
    } catch {
      repaired = true;
      break;
    }
  }
  if (repaired) writeAtomic(file, text.slice(0, good));
  return { entries, repaired };
}
