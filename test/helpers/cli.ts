// Runs the real executable, as a user would, and reads the files it writes.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export const ROOT = path.resolve(__dirname, '../../..');
export const BIN = path.join(ROOT, 'bin', 'mmoe-sweep.js');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tmpDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `mmoe-${label}-`));
}

/** A CSV as header + rows of strings (the files hold no quoted commas). */
export function readTable(file: string): { header: string[]; rows: string[][] } {
  const lines = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  return { header: lines[0].split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

/** The same table without the named (timing) columns, as one string to compare. */
export function withoutColumns(file: string, drop: string[]): string {
  const t = readTable(file);
  const keep = t.header.map((h, i) => (drop.includes(h) ? -1 : i)).filter((i) => i >= 0);
  return [t.header, ...t.rows].map((r) => keep.map((i) => r[i]).join(',')).join('\n');
}

/** Every file under dir, recursively, with its size: to show that a refused command wrote nothing. */
export function snapshot(dir: string): string {
  if (!fs.existsSync(dir)) return '<absent>';
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(`${path.relative(dir, p)}:${fs.statSync(p).size}:${fs.statSync(p).mtimeMs}`);
    }
  };
  walk(dir);
  return out.join('\n');
}
