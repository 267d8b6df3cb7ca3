// One writer per sweep folder: an O_EXCL lock file naming its holder (pid, host, start time),
// held for the life of a sweep, a merge or a report into the folder, released on every exit.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { UsageError } from '../errors';
import { fail, removeStaleTemps, tempName, writeNew } from '../output/files';

export const LOCK = '.mmoe-sweep.lock';

export interface LockInfo {
  pid: number;
  host: string;
  started: string;
  command: string;
}

export interface Lock {
  file: string;
  release(): void;
}

/** Is a process with this pid running on this machine? (EPERM: it runs, as another user.) */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const x = JSON.parse(fs.readFileSync(file, 'utf8'));
    return x && typeof x === 'object' && typeof x.pid === 'number' && typeof x.host === 'string' ? (x as LockInfo) : null;
  } catch {
    return null;
  }
}

/** link(2) fails with EEXIST if the lock exists; where a file system has no hard links, O_EXCL does the same (the content lands a moment later). */
function linkOrCreate(tmp: string, file: string, text: string): void {
  try {
    fs.linkSync(tmp, file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
    writeNew(file, text);
  }
}

const held = new Set<Lock>();
let exitHook = false;

/** Locks still held when the process exits (normally, by process.exit or after a signal) are released. */
function hookExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const l of [...held]) l.release();
  });
}

/**
 * Takes the lock on `dir` (which must exist) for `what` ("sweep", "merge", "report"), or
 * refuses with one line naming the holder. A lock left by a dead process on this host is
 * taken over; one from another host is respected (its pid means nothing here).
 */
export function acquireLock(dir: string, what: string): Lock {
  const file = path.join(dir, LOCK);
  const info: LockInfo = { pid: process.pid, host: os.hostname(), started: new Date().toISOString(), command: what };
  const text = JSON.stringify(info) + '\n';
  for (let attempt = 0; attempt < 3; attempt++) {
    // written whole to a temporary file, then linked to the lock name: the lock never exists half-written
    const tmp = tempName(file);
    try {
      writeNew(tmp, text);
      linkOrCreate(tmp, file, text);
      fs.rmSync(tmp, { force: true });
      const lock: Lock = {
        file,
        release() {
          if (!held.delete(lock)) return;
          const now = readLock(file);
          if (now && now.pid === info.pid && now.started === info.started && now.host === info.host) fs.rmSync(file, { force: true });
        },
      };
      held.add(lock);
      hookExit();
      removeStaleTemps(dir, pidAlive); // leftovers of a crashed writer, now that no live writer can own them
      return lock;
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') fail(e, 'lock', dir);
    }
    const holder = readLock(file);
    if (holder && holder.host === os.hostname() && !pidAlive(holder.pid)) {
      // stale: its process is gone. Move it aside under a unique name, so two takers cannot both remove a fresh lock
      const aside = tempName(file);
      try {
        fs.renameSync(file, aside);
      } catch {
        continue;
      }
      const moved = readLock(aside);
      if (moved && moved.pid === holder.pid && moved.started === holder.started) fs.rmSync(aside, { force: true });
      else fs.renameSync(aside, file); // not the stale lock we saw: put it back
      continue;
    }
    if (!holder) {
      // unreadable: a lock file written by hand, or damaged
      throw new UsageError(`${JSON.stringify(dir)} is locked (${JSON.stringify(file)} exists but is not a lock this version wrote); allowed: one writer at a time, delete that file if no mmoe-sweep is writing there`, dir);
    }
    throw new UsageError(`${JSON.stringify(dir)} is in use by another mmoe-sweep ${holder.command} (pid ${holder.pid} on ${holder.host}, since ${holder.started}); allowed: one writer per folder at a time (another --out, or wait${holder.host === os.hostname() ? '' : `; if that process is gone, delete ${JSON.stringify(file)}`})`, dir);
  }
  throw new UsageError(`${JSON.stringify(dir)}: could not take the lock ${JSON.stringify(file)} after 3 attempts; allowed: one writer per folder at a time`, dir);
}
