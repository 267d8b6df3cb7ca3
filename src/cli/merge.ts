// `mmoe-sweep merge`: shard folders → the folder a single-machine sweep would have written.
import { Command } from 'commander';
import { writeSummaries } from '../report/summary';
import { mergeShards } from '../sweep/merge';
import { EXIT, SIGNAL_EXIT, deferSignals } from './fail';
import { ExitStatus } from './options';

export function mergeCommand(program: Command, status: ExitStatus): void {
  program
    .command('merge')
    .description('merge the folders of a sharded sweep (--shard i/n) into one, checking that every shard is there once')
    .argument('<dirs...>', 'shard folders')
    .requiredOption('--out <dir>', 'folder to write the merged sweep into')
    .option('--force', 'replace a non-empty --out')
    .option('--quiet', 'print nothing on success')
    .addHelpText('after', '\nExample:\n  mmoe-sweep merge shard-1 shard-2 shard-3 --out merged && mmoe-sweep report merged --check')
    .action(async (dirs: string[], o: Record<string, unknown>) => void (status.code = await merge(dirs, o)));
}

export async function merge(dirs: string[], o: Record<string, unknown>): Promise<number> {
  const out = o.out as string;
  // the summaries are staged with the rest, so an interrupt leaves the old set or the whole new one
  const { value, signal } = await deferSignals('the merged files', () => mergeShards(dirs, out, Boolean(o.force), writeSummaries));
  if (!o.quiet) process.stdout.write(`merged ${dirs.length} shards, ${value.runs} runs, into ${out}\n`);
  return signal ? SIGNAL_EXIT[signal] ?? EXIT.interrupted : 0;
}
