// How a command ends when something goes wrong: user and environment errors as one line
// (exit 2), bugs with their trace (exit 1); signals deferred while a set of files is committed.
import * as fs from 'fs';
import * as path from 'path';
import { UsageError, envError, isEnvError, truncateMessage, usage } from '../errors';

/** Every exit code the CLI uses (README "Exit codes"). */
export const EXIT = { ok: 0, bug: 1, usage: 2, checkFailed: 3, hangup: 129, interrupted: 130, terminated: 143 } as const;

export const SIGNAL_EXIT: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: EXIT.hangup, SIGINT: EXIT.interrupted, SIGTERM: EXIT.terminated };

/** The one line for a user or environment error, or null for a bug (whose trace the user should report). */
export function userFailureLine(e: unknown): string | null {
  let err: UsageError | null = null;
  if (e instanceof UsageError) err = e;
  else if (isEnvError(e)) err = envError(e, e.syscall ?? 'use');
  else if (e instanceof RangeError && /Array buffer allocation failed|Invalid (typed )?array length|Invalid string length/.test(e.message)) {
    err = new UsageError(`out of memory (${e.message}); allowed: smaller sizes (README "Limits")`);
  }
  return err ? `mmoe-sweep: ${truncateMessage(err.message)}\n` : null;
}

/** A TTY progress bar hides the cursor; whatever way the process ends, show it again. */
export function restoreCursorOnExit(): void {
  if (!process.stderr.isTTY) return;
  process.on('exit', () => {
    try {
      process.stderr.write('\x1b[?25h');
    } catch {
      // the terminal is gone
    }
  });
}

/**
 * Runs `fn` (which writes a set of files) with SIGINT, SIGTERM and SIGHUP deferred: a first
 * signal lets it finish, so the folder ends with the new set, then exits with the signal's
 * code; a second one exits at once (exit hooks remove the staging folder and the lock), so the
 * folder keeps the old set.
 */
export async function deferSignals<T>(what: string, fn: () => Promise<T> | T): Promise<{ value: T; signal: NodeJS.Signals | null }> {
  let signal: NodeJS.Signals | null = null;
  const on = (s: NodeJS.Signals) => {
    if (signal) process.exit(SIGNAL_EXIT[s] ?? EXIT.interrupted);
    signal = s;
    process.stderr.write(`${s}: finishing ${what} so no file is half-written (send it again to abandon the new files)\n`);
  };
  const sigs: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of sigs) process.on(s, on);
  try {
    const value = await fn();
    await new Promise((r) => setImmediate(r)); // a signal that arrived during synchronous work is delivered now
    return { value, signal };
  } finally {
    for (const s of sigs) process.off(s, on);
  }
}

/** The default --out: results/<preset>-<timestamp>, with -2, -3… when a sweep started in the same second holds that name. */
export function claimDefaultOut(base: string): string {
  try {
    fs.mkdirSync(path.dirname(base), { recursive: true });
  } catch (e) {
    if (isEnvError(e)) throw envError(e, 'create folder', path.dirname(base));
    throw e;
  }
  for (let i = 1; i < 1000; i++) {
    const candidate = i === 1 ? base : `${base}-${i}`;
    try {
      fs.mkdirSync(candidate); // exclusive: of two sweeps racing for a name, one gets it
      return candidate;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      if (isEnvError(e)) throw envError(e, 'create folder', candidate);
      throw e;
    }
  }
  throw usage('--out', base, 'a folder name not yet taken (pass --out)');
}
