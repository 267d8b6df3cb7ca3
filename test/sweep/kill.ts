// Kill a real sweep mid-way, as a user's Ctrl-C (or the OS) would: for the resume tests.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { BIN, ROOT } from '../helpers/cli';

export const journalLines = (dir: string) => (fs.existsSync(path.join(dir, 'journal.jsonl')) ? fs.readFileSync(path.join(dir, 'journal.jsonl'), 'utf8').split('\n').filter(Boolean).length : 0);

/** Starts a sweep and kills it once at least one run is journaled; resolves to its exit code and signal. */
export function startAndKill(args: string[], out: string, signal: NodeJS.Signals): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args, '--out', out], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const poll = setInterval(() => {
      if (journalLines(out) >= 1) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 20);
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      resolve({ code, signal: sig, stderr });
    });
  });
}
