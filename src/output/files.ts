// Crash-safe file writes: every byte checked, a whole file via temp-then-rename in its own
// folder, a journal via whole-line appends, and a set of files via a staging folder.
import * as fs from 'fs';
import * as path from 'path';
import { stringify } from 'csv-stringify/sync';
import { envError, isEnvError } from '../errors';
import { OutputName, OUTPUTS, header } from './columns';

/** Temporary names this process uses start with this, so leftovers are recognisable (and ours). */
export const TEMP_PREFIX = '.mmoe-tmp-';
let tempCount = 0;

export function tempName(file: string): string {
  return path.join(path.dirname(file), `${TEMP_PREFIX}${process.pid}-${++tempCount}-${path.basename(file)}`);
}

/** A failure while touching `file`: an environment error becomes one line (exit 2); anything else is a bug. */
export function fail(e: unknown, action: string, file: string): never {
  if (isEnvError(e)) throw envError(e, action, file);
  throw e;
}

/** fs.writeSync may write fewer bytes than asked (a filling disk): loop until all are written, or throw. */
export function writeFully(fd: number, data: string | Uint8Array): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let off = 0;
  while (off < buf.length) {
    const n = fs.writeSync(fd, buf, off, buf.length - off);
    if (n <= 0) throw Object.assign(new Error('short write: no bytes written'), { code: 'ENOSPC' });
    off += n;
  }
}

/** Creates `file` (refused if it exists), writes all of `text` and syncs it: for small files whose creation is the point (a lock, a probe). */
export function writeNew(file: string, text: string): void {
  const fd = fs.openSync(file, 'wx');
  try {
    writeFully(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function removeQuietly(file: string): void {
  try {
    fs.rmSync(file, { force: true, recursive: true });
  } catch {
    // best effort: the original error is the one to report
  }
}

/** fsync a folder so a rename in it survives a power cut; some file systems refuse, which is fine. */
function syncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // not supported here
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** A file written in pieces that appears under its name only when complete (commit), or not at all (abort). */
export interface AtomicFile {
  write(text: string | Uint8Array): void;
  commit(): void;
  abort(): void;
}

export function openAtomic(file: string): AtomicFile {
  const tmp = tempName(file);
  let fd: number | null = null;
  const abort = () => {
    if (fd !== null) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing
      }
      fd = null;
    }
    removeQuietly(tmp);
  };
  try {
    fd = fs.openSync(tmp, 'wx');
  } catch (e) {
    abort();
    fail(e, 'write', file);
  }
  return {
    write(text) {
      try {
        writeFully(fd!, text);
      } catch (e) {
        abort();
        fail(e, 'write', file);
      }
    },
    commit() {
      try {
        fs.fsyncSync(fd!);
        fs.closeSync(fd!);
        fd = null;
        fs.renameSync(tmp, file);
      } catch (e) {
        abort();
        fail(e, 'write', file);
      }
      syncDir(path.dirname(file));
    },
    abort,
  };
}

/** Replaces `file` with `text` or leaves the previous file intact (and no temporary file). */
export function writeAtomic(file: string, text: string | Uint8Array): void {
  const f = openAtomic(file);
  f.write(text);
  f.commit();
}

/** Writes one of the documented outputs; rows are arrays in the order of its columns. */
/** `axes`: the --set axis columns (dotted keys), after the file's own columns. */
export function writeCsv(dir: string, name: OutputName, rows: unknown[][], axes: string[] = []): string {
  const file = path.join(dir, OUTPUTS[name].file);
  writeAtomic(file, stringify(rows, { header: true, columns: [...header(name), ...axes], cast: { boolean: (b) => String(b) } }));
  return file;
}

/**
 * Appends complete lines and flushes them to disk, so a crash loses at most a line being
 * written; a failed append is cut back off, leaving the journal as it was.
 */
export function appendLines(file: string, lines: string[]): void {
  let fd: number | null = null;
  let size = 0;
  try {
    fd = fs.openSync(file, 'a');
    size = fs.fstatSync(fd).size;
    writeFully(fd, lines.map((l) => `${l}\n`).join(''));
    fs.fsyncSync(fd);
  } catch (e) {
    if (fd !== null) {
      try {
        fs.ftruncateSync(fd, size);
      } catch {
        // the reader drops a line cut short anyway
      }
    }
    fail(e, 'append to', file);
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

export interface JournalLine {
  /** 1-based line number in the file. */
  line: number;
  reason: string;
}

export interface Journal<T> {
  entries: T[];
  /** A last line cut short by a crash was cut off the file. */
  repaired: boolean;
  /** Complete lines that are not valid records: reported, and only they are dropped. */
  dropped: JournalLine[];
}

/**
 * Reads a JSON-lines journal; `check` returns null for a valid record or says what is wrong.
 * A bad line in the middle drops only that record. A last line cut short by a crash (no
 * newline) is dropped and, with `repair`, cut off the file so appends start on a clean line.
 */
export function readJournal<T>(file: string, check: (x: unknown) => string | null, opts: { repair: boolean } = { repair: true }): Journal<T> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { entries: [], repaired: false, dropped: [] };
    fail(e, 'read', file);
  }
  const lines = text.split('\n');
  const entries: T[] = [];
  const dropped: JournalLine[] = [];
  let repaired = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    if (i === lines.length - 1) {
      // no newline after it: a write cut short by a crash
      repaired = true;
      if (opts.repair) {
        try {
          fs.truncateSync(file, Buffer.byteLength(text) - Buffer.byteLength(line));
        } catch (e) {
          fail(e, 'repair', file);
        }
      }
      break;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      dropped.push({ line: i + 1, reason: 'not JSON' });
      continue;
    }
    const problem = check(value);
    if (problem) dropped.push({ line: i + 1, reason: problem });
    else entries.push(value as T);
  }
  return { entries, repaired, dropped };
}

// ---- sets of files -----------------------------------------------------------------------

const stages = new Set<string>();
let stageHook = false;

/** A staging folder inside `dir`: write a set of files there, then commitStage moves them in. */
export function makeStage(dir: string): string {
  const stage = path.join(dir, `${TEMP_PREFIX}${process.pid}-${++tempCount}-stage`);
  try {
    fs.mkdirSync(stage);
  } catch (e) {
    fail(e, 'write into', dir);
  }
  if (!stageHook) process.on('exit', removeStages);
  stageHook = true;
  stages.add(stage);
  return stage;
}

/** An exit before a stage was committed (an error, a second Ctrl-C) leaves no half-written set behind. */
function removeStages(): void {
  for (const s of stages) removeQuietly(s);
  stages.clear();
}

/**
 * Moves every file of `stage` into `dir` (sub-folders merged file by file), then removes the
 * stage. Synchronous, so no signal handler can run half-way through; renames within one
 * folder, so no copy can fail for want of space.
 */
export function commitStage(stage: string, dir: string): void {
  const move = (from: string, to: string) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      const src = path.join(from, e.name);
      const dst = path.join(to, e.name);
      if (e.isDirectory() && fs.existsSync(dst) && fs.statSync(dst).isDirectory()) move(src, dst);
      else {
        if (e.isDirectory()) removeQuietly(dst);
        fs.renameSync(src, dst);
      }
    }
  };
  try {
    move(stage, dir);
    fs.rmSync(stage, { recursive: true, force: true });
    stages.delete(stage);
    syncDir(dir);
  } catch (e) {
    fail(e, 'move files into', dir);
  }
}

export function removeStage(stage: string): void {
  removeQuietly(stage);
  stages.delete(stage);
}

/** Removes temporary files and stages left in `dir` by processes that are gone (never by a live one). */
export function removeStaleTemps(dir: string, alive: (pid: number) => boolean): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = name.startsWith(TEMP_PREFIX) ? /^(\d+)-/.exec(name.slice(TEMP_PREFIX.length)) : null;
    if (m && !alive(Number(m[1]))) removeQuietly(path.join(dir, name));
  }
}
