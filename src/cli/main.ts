import { version } from '../../package.json';
import { commands } from './commands';
import { CliError, type CliCommand, type CliIO } from './cli-types';
import { UsageError } from './args';
import { debugDetails, describeUnexpected, oneLine } from './problems';

function hasCommand(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(commands, name);
}

/** The top-level help: every command with its one-line summary. */
async function helpText(): Promise<string> {
  const names = Object.keys(commands).sort();
  const loaded: Array<[string, CliCommand]> = await Promise.all(names.map(async (n) => [n, await commands[n]()] as [string, CliCommand]));
  const width = Math.max(...names.map((n) => n.length), 'help'.length);
  const entry = (name: string, summary: string) => `  ${name.padEnd(width)}  ${summary}`;
  return [
    `perf-pulse ${version}: performance feedback for your workspace`,
    '',
    'Usage: perf-pulse <command> [options]',
    "       perf-pulse run -- 'cmd a' 'cmd b'   (ad-hoc: time commands with no config file)",
    '',
    'Commands:',
    ...loaded.map(([name, c]) => entry(name, c.summary)),
    entry('help', 'print the help of a command: perf-pulse help <command>'),
    '',
    'Options:',
    '  -h, --help      print this help (`perf-pulse <command> --help` for one command)',
    '  -V, --version   print the version',
    '',
    'Environment: NO_COLOR / FORCE_COLOR (colour on a terminal), CI (no live progress),',
    'PERF_PULSE_HISTORY (the history folder), PERF_PULSE_DEBUG=1 (stack traces of internal errors).',
    '',
  ].join('\n');
}

function unknownCommand(name: string, io: CliIO): number {
  io.stderr(`perf-pulse: unknown command '${oneLine(name)}'. Known: ${Object.keys(commands).sort().join(', ')} (see \`perf-pulse --help\`)\n`);
  return 2;
}

async function commandHelp(name: string, io: CliIO): Promise<number> {
  const { usage } = await commands[name]();
  io.stdout(usage.endsWith('\n') ? usage : usage + '\n');
  return 0;
}

/** `--help` or `-h` among the command's own arguments (not after `--`, where they belong to ad-hoc commands). */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    // A usage mistake: the help goes with it, on stderr.
    io.stderr(await helpText());
    return 2;
  }
  if (name === '--help' || name === '-h') {
    io.stdout(await helpText());
    return 0;
  }
  if (name === 'help') {
    if (!rest.length) {
      io.stdout(await helpText());
      return 0;
    }
    if (rest.length > 1) {
      io.stderr(`perf-pulse help: unexpected argument ${oneLine(rest[1])} (see \`perf-pulse --help\`)\n`);
      return 2;
    }
    return hasCommand(rest[0]) ? commandHelp(rest[0], io) : unknownCommand(rest[0], io);
  }
  if (name === '--version' || name === '-V') {
    io.stdout(`perf-pulse ${version}\n`);
    return 0;
  }
  if (!hasCommand(name)) return unknownCommand(name, io);
  try {
    if (asksForHelp(rest)) return await commandHelp(name, io);
    const command = await commands[name]();
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`perf-pulse ${name}: ${oneLine(err.message)} (see \`perf-pulse ${name} --help\`)\n`);
      return err.exitCode;
    }
    if (err instanceof CliError) {
      io.stderr(`perf-pulse ${name}: ${oneLine(err.message)}\n`);
      return err.exitCode;
    }
    // Never a stack trace: one line naming the file and the problem (the stack on request).
    io.stderr(`perf-pulse ${name}: ${oneLine(describeUnexpected(err))}\n${debugDetails(err, io.env)}`);
    return 2;
  }
}

/** How long a command may take to wind down after SIGTERM before the CLI leaves anyway. */
const SIGTERM_GRACE_MS = 10_000;

if (require.main === module) {
  // Started by the editor's terminal launcher with VS Code's own executable as Node (see
  // src/extension/services/terminal-cli.ts): the benchmarks and tools it starts must not inherit that.
  if (process.env.PERF_PULSE_FROM_EDITOR) {
    delete process.env.ELECTRON_RUN_AS_NODE;
    delete process.env.PERF_PULSE_FROM_EDITOR;
  }
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    // First Ctrl-C: stop children cleanly; second: leave now.
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  });
  // SIGTERM (`timeout`, a cancelled CI job): stop children cleanly, as for Ctrl-C; a command that
  // does not watch the signal (a read stuck on an odd history path) still ends after a grace period.
  process.on('SIGTERM', () => {
    controller.abort();
    setTimeout(() => process.exit(143), SIGTERM_GRACE_MS).unref();
  });
  const io: CliIO = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    signal: controller.signal,
    terminal: {
      stdout: process.stdout.isTTY === true,
      stderr: process.stderr.isTTY === true,
      columns: () => process.stderr.columns || process.stdout.columns || 80,
    },
  };
  // Errors outside any command's await chain (a stream's, a timer's) still end as one line, exit 2.
  const lastResort = (err: unknown) => {
    process.stderr.write(`perf-pulse: ${oneLine(describeUnexpected(err))}\n${debugDetails(err, process.env)}`);
    process.exit(2);
  };
  // A reader that stops early (`| head`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    lastResort(err);
  });
  process.on('uncaughtException', lastResort);
  process.on('unhandledRejection', lastResort);
  main(process.argv.slice(2), io).then((code) => {
    process.exitCode = controller.signal.aborted && code === 0 ? 130 : code;
  }, lastResort);
}
