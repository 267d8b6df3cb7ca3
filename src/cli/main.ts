// Entry point: build the commands, run one, and turn user errors into one line and exit code 2.
import { Command, CommanderError } from 'commander';
import { UsageError, truncateMessage } from '../errors';
import { EXIT, restoreCursorOnExit, userFailureLine } from './fail';
import { correlationCommand } from './correlation';
import { generateCommand } from './generate';
import { mergeCommand } from './merge';
import { ExitStatus } from './options';
import { reportCommand } from './report';
import { sweepCommand } from './sweep';

const pkg = require('../../../package.json') as { version: string };

// commander's own errors (unknown flag, missing value), folded onto one line
const oneLine = {
  outputError: (text: string, write: (s: string) => void) =>
    write(`mmoe-sweep: ${truncateMessage(`${text.replace(/^error: /, '').trim()}; allowed: see mmoe-sweep --help`)}\n`),
};

/** The --preset a command line names (for --help to show what it sets), else default. */
function presetIn(argv: string[]): string {
  const i = argv.findIndex((a) => a === '--preset' || a.startsWith('--preset='));
  if (i < 0) return 'default';
  return argv[i].includes('=') ? argv[i].slice('--preset='.length) : (argv[i + 1] ?? 'default');
}

export function buildProgram(status: ExitStatus, argv: string[] = []): Command {
  const program = new Command('mmoe-sweep')
    .description('Shared-Bottom vs OMoE vs MMoE as the correlation between two tasks falls (Ma et al., KDD 2018, §3.2 and §5)')
    .version(pkg.version)
    .enablePositionalOptions() // a subcommand's --correlation is its own, not the sweep's
    .addHelpText('after', '\nExamples:\n  npx mmoe-sweep --preset smoke --out /tmp/smoke\n  npx mmoe-sweep --correlation 0.5 --dry-run\n  npx mmoe-sweep --preset paper --runs 30 --jobs 2\n  npx mmoe-sweep help report\n\nAll flags, config keys, output files and their columns: docs/REFERENCE.md.');
  sweepCommand(program, status, presetIn(argv));
  generateCommand(program, status);
  correlationCommand(program, status);
  reportCommand(program, status);
  mergeCommand(program, status);
  for (const c of [program, ...program.commands]) c.exitOverride().configureOutput(oneLine).showSuggestionAfterError(true);
  return program;
}

/** Runs the CLI on argv (without node and script); resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const status: ExitStatus = { code: 0 };
  restoreCursorOnExit();
  try {
    const program = buildProgram(status, argv);
    const commands = program.commands.map((c) => c.name());
    if (argv[0] === 'help') {
      // `help [command]`: the sweep (the default command) has no name of its own, so commander's implicit help command is off
      const about = argv[1];
      if (about !== undefined && !commands.includes(about)) throw new UsageError(`help: unknown command ${JSON.stringify(about)}; allowed: ${commands.join(', ')}, or no command for the sweep's flags`, about);
      argv = about === undefined ? ['--help'] : [about, '--help'];
    }
    if (argv.length > 0 && !argv[0].startsWith('-') && !commands.includes(argv[0])) {
      throw new UsageError(`unknown command ${JSON.stringify(argv[0])}; allowed: ${[...commands, 'help'].join(', ')}, or sweep flags (see --help)`, argv[0]);
    }
    await program.parseAsync(argv, { from: 'user' });
    return status.code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // --help and --version end here with 0
    const line = userFailureLine(e); // user and environment errors (a full disk, a read-only folder): one line
    if (line) {
      process.stderr.write(line);
      return EXIT.usage;
    }
    throw e;
  }
}
