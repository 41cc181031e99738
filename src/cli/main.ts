import { commands } from './commands';
import { CliError, type CliIO } from './cli-types';

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
  const load = commands[name];
  if (!load) {
    io.stderr(`perf-pulse: unknown command '${name}'. Known: ${Object.keys(commands).sort().join(', ')}\n`);
    return 2;
  }
  const command = await load();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout(command.usage.endsWith('\n') ? command.usage : command.usage + '\n');
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`perf-pulse ${name}: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr(`perf-pulse ${name}: ${(err as Error)?.stack ?? String(err)}\n`);
    return 2;
  }
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
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = controller.signal.aborted && code === 0 ? 130 : code;
    },
    (err) => {
      process.stderr.write(String(err?.stack ?? err) + '\n');
      process.exitCode = 2;
    },
  );
}
