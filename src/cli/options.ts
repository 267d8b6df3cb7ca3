// Parsing and checking the flags every command shares; commands stay parse → validate → call.
import * as os from 'os';
import * as path from 'path';
import { Command, Option } from 'commander';
import { BACKENDS, BackendChoice } from '../engine/backend';
import { usage } from '../errors';
import { presetNames } from '../config/load';
import { decimalFlag } from '../config/number';

/** commander drops an action's return value; each command leaves its exit code here. */
export interface ExitStatus {
  code: number;
}

/** A whole number >= 1 in plain decimal ("1e3" is 1000; "2.5", "0x10" and " 5" are refused). */
export function positiveInt(flag: string, text: string): number {
  return decimalFlag(flag, text, (n) => Number.isInteger(n) && n >= 1, 'an integer >= 1');
}

/** commander's parser for an integer flag, so --help shows its default as a number. */
export const positiveIntArg = (flag: string) => (text: string) => positiveInt(flag, text);

export function addConfigOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--preset <name>', `preset in configs/ (${presetNames().join(', ')})`).default('default', 'default'))
    .option('--config <file>', 'JSON config file over the preset (same sections as configs/*.json); flags override it');
}

export function addBackendOption(cmd: Command): Command {
  return cmd.addOption(new Option('--backend <name>', 'tensorflow (tfjs-node), wasm, cpu, or auto: the first of those that loads').default('auto', 'auto'));
}

export function backendChoice(text: string): BackendChoice {
  if (!(BACKENDS as readonly string[]).includes(text)) throw usage('--backend', text, BACKENDS.join(', '));
  return text as BackendChoice;
}

export function cores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

export function timestamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

/** Relative to the working directory, so the manifest, messages and report name no machine path. */
export function defaultOut(preset: string): string {
  return path.join('results', `${preset}-${timestamp()}`);
}
