import { commands } from './commands';
import { CliError, type CliIO } from './cli-types';
import { debugDetails, describeUnexpected, oneLine } from './problems';

const VERSION = '0.1.0';

function helpText(): string {
  const names = Object.keys(commands).sort();
  return [
    'perf-pulse: performance feedback for your workspace',
    '',
    'Usage: perf-pulse <command> [options]',
    '',
    'Commands:',
    ...names.map((n) => `  ${n}`),
    '',
    'Run `perf-pulse <command> --help` for the options of one command.',
    '',
  ].join('\n');
}

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(helpText());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-V') {
    io.stdout(VERSION + '\n');
    return 0;
  }
  const load = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (!load) {
    io.stderr(`perf-pulse: unknown command '${oneLine(name)}'. Known: ${Object.keys(commands).sort().join(', ')}\n`);
    return 2;
  }
  let usage = '';
  try {
    const command = await load();
    usage = command.usage;
    // Words after `--` belong to a command the sub-command runs (`trace -- node --help`), not to us.
    const ours = rest.includes('--') ? rest.slice(0, rest.indexOf('--')) : rest;
    if (ours.includes('--help') || ours.includes('-h')) {
      io.stdout(command.usage.endsWith('\n') ? command.usage : command.usage + '\n');
      return 0;
    }
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`perf-pulse ${name}: ${oneLine(withoutUsage(err.message, usage, name))}\n`);
      return err.exitCode;
    }
    // Never a stack trace: one line naming the file and the problem (the stack on request).
    io.stderr(`perf-pulse ${name}: ${oneLine(describeUnexpected(err))}\n${debugDetails(err, io.env)}`);
    return 2;
  }
}

/** A usage error says what is wrong in one line and points at `--help` instead of printing the whole usage. */
function withoutUsage(message: string, usage: string, name: string): string {
  if (!usage || !message.includes(usage.trim())) return message;
  const problem = message.replace(usage.trim(), '').trim();
  return `${problem || 'missing arguments'} (see \`perf-pulse ${name} --help\`)`;
}

if (require.main === module) {
  const controller = new AbortController();
  let interrupts = 0;
  process.on('SIGINT', () => {
    // First Ctrl-C: stop children cleanly; second: leave now.
    if (++interrupts > 1) process.exit(130);
    controller.abort();
  });
  process.on('SIGTERM', () => controller.abort());
  const io: CliIO = {
    stdout: (t) => process.stdout.write(t),
    stderr: (t) => process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    signal: controller.signal,
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
