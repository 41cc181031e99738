import { BOOLEAN, flagValue, parseCommandLine, STRING, stringValue, UsageError, type OptionSpecs } from '../args';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { CONFIG_FILE_NAME, ConfigError, loadConfig, phasesFor } from '../../core/config';
import { assertCanWriteOut, writeOut } from '../write-out';
import { formatBytes, formatSeconds } from '../../core/format';
import { analyzeTrace, runTraced, toChromeTrace, DEFAULT_INTERVAL_SECONDS, MAX_INTERVAL_SECONDS, MIN_INTERVAL_SECONDS, type BuildAnatomy, type NamedPhase } from '../../core/trace';
import { buildFigures, buildRecords, buildSeriesId, compareBuild, figuresOf, type BuildComparison } from '../../core/trace/compare';
import { machineFingerprint, vcsInfo } from '../../core/env';
import { openHistory } from '../history-access';
import { printable } from '../problems';

const DEFAULT_OUT = 'perf-pulse-trace.json';
/** How many earlier builds the comparison takes the median of. */
const RECENT_BUILDS = 10;

const usage = `Usage: perf-pulse trace [--interval SECONDS] [--out FILE] [--json] -- CMD [ARGS...]

Runs a command and samples its whole process tree (every child process's start, end,
command line, CPU time and resident memory), then writes the timeline as Chrome trace
event JSON (open it in https://ui.perfetto.dev or chrome://tracing) and prints the
build's anatomy: wall and CPU time, parallel efficiency, peak memory, the critical path,
the longest steps and the phases.

Options:
  --interval SECONDS  sampling interval, ${MIN_INTERVAL_SECONDS} to ${MAX_INTERVAL_SECONDS} (default ${DEFAULT_INTERVAL_SECONDS})
  --out FILE          where to write the trace (default ${DEFAULT_OUT})
  --json              print { "wallSeconds", "cpuSeconds", "parallelEfficiency", "peakRssBytes",
                      "criticalPath", "processes" } (times in seconds from the start) instead of
                      a table; the command's own stdout then goes to stderr
  --record NAME       also keep this build in the history as the series NAME (its wall
                      time, and one series per phase), and print how it compares with
                      the median of the last ${RECENT_BUILDS} builds recorded under NAME
  --history DIR       the history folder for --record (default: as the editor resolves it)

Per-process sampling reads /proc (Linux). Elsewhere the trace holds the command alone.

Exit codes: the command's (128 + N when signal N ended it; 2 when it could not start, as for any bad input);
2 for bad options or a trace file that cannot be written.
`;

export interface TraceArgs {
  intervalSeconds: number;
  out: string;
  json: boolean;
  record?: string;
  history?: string;
  command: string[];
}

const TRACE_OPTIONS: OptionSpecs = { interval: STRING, out: STRING, json: BOOLEAN, record: STRING, history: STRING };

/**
 * Splits our options from the traced command: at `--`, or (without one) at the first word that
 * is not an option of ours, so the command's own flags (`make -j2`) never reach our parser.
 */
function splitAtCommand(argv: string[]): { ours: string[]; command: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return { ours: argv.slice(0, i), command: argv.slice(i + 1) };
    if (!arg.startsWith('-')) return { ours: argv.slice(0, i), command: argv.slice(i) };
    const name = arg.replace(/^--?/, '').split('=')[0];
    if (!arg.includes('=') && Object.prototype.hasOwnProperty.call(TRACE_OPTIONS, name) && TRACE_OPTIONS[name].type === 'string') i++;
  }
  return { ours: argv, command: [] };
}

/** The options before `--` and the command after it, read by the CLI's one argument layer. */
export function parseTraceArgs(argv: string[]): TraceArgs {
  const { ours, command } = splitAtCommand(argv);
  const { values } = parseCommandLine(ours, TRACE_OPTIONS, { maxPositionals: 0 });
  const args: TraceArgs = { intervalSeconds: DEFAULT_INTERVAL_SECONDS, out: stringValue(values, 'out') ?? DEFAULT_OUT, json: flagValue(values, 'json'), command };
  const record = stringValue(values, 'record');
  const history = stringValue(values, 'history');
  if (record !== undefined) args.record = record;
  if (history !== undefined) args.history = history;
  const text = stringValue(values, 'interval');
  if (text !== undefined) {
    const seconds = Number(text);
    if (!/^\d*\.?\d+$/.test(text) || !(seconds >= MIN_INTERVAL_SECONDS && seconds <= MAX_INTERVAL_SECONDS)) {
      throw new CliError(`--interval must be a number of seconds from ${MIN_INTERVAL_SECONDS} to ${MAX_INTERVAL_SECONDS}, not "${text}"`);
    }
    args.intervalSeconds = seconds;
  }
  if (!args.command.length) throw new UsageError('no command to trace: perf-pulse trace [options] -- CMD [ARGS...]');
  return args;
}

/** The `--json` summary, exactly as the CLI contract gives it. */
export function traceSummaryJson(anatomy: BuildAnatomy): Record<string, unknown> {
  return {
    wallSeconds: anatomy.wallSeconds,
    cpuSeconds: anatomy.cpuSeconds,
    parallelEfficiency: anatomy.parallelEfficiency,
    peakRssBytes: anatomy.peakRssBytes,
    criticalPath: anatomy.criticalPath.map((c) => ({ command: c.command, start: c.start, end: c.end })),
    processes: anatomy.processes
      .filter((p) => !p.unseen)
      .map((p) => ({ pid: p.pid, command: p.command, start: p.start, end: p.end, cpuSeconds: p.cpuSeconds, peakRssBytes: p.peakRssBytes })),
  };
}

/** A command line or phase name from the traced processes or perfpulse.json, cut and made safe for the terminal. */
function short(command: string, max = 70): string {
  return printable(command.length > max ? command.slice(0, max - 1) + '…' : command);
}

export function traceSummaryText(anatomy: BuildAnatomy, out: string, note?: string): string {
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  const lines = [
    `wall ${formatSeconds(anatomy.wallSeconds)}, CPU ${formatSeconds(anatomy.cpuSeconds)}, parallel efficiency ${pct(anatomy.parallelEfficiency)} of ${anatomy.cores} cores, peak memory ${formatBytes(anatomy.peakRssBytes)}, ${anatomy.processes.filter((p) => !p.unseen).length} processes`,
    '',
    'critical path:',
    ...anatomy.criticalPath.map((c) => `  ${formatSeconds(c.start).padStart(8)} → ${formatSeconds(c.end).padEnd(8)} ${short(c.phase ?? c.command)}`),
    '',
    'longest steps:',
    ...anatomy.topSteps.map((s) => `  ${formatSeconds(s.seconds).padStart(8)} ${pct(s.shareOfWall).padStart(4)}  ${short(s.phase ?? s.command)}`),
  ];
  if (anatomy.phases.length) {
    lines.push('', 'phases:');
    for (const p of anatomy.phases.slice(0, 15)) lines.push(`  ${formatSeconds(p.seconds).padStart(8)}  CPU ${formatSeconds(p.cpuSeconds).padStart(8)}  ${short(p.name)}`);
  }
  if (note) lines.push('', note);
  lines.push('', `trace written to ${printable(out)} (open it in https://ui.perfetto.dev or chrome://tracing)`);
  return lines.join('\n') + '\n';
}

/** The phases perfpulse.json (in the current folder, if there is one) names for this command. */
async function configuredPhases(cwd: string, commandLine: string): Promise<NamedPhase[]> {
  if (!existsSync(join(cwd, CONFIG_FILE_NAME))) return [];
  try {
    return phasesFor((await loadConfig(cwd)).config, commandLine);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
}

export async function traceCommand(argv: string[], io: CliIO): Promise<number> {
  const args = parseTraceArgs(argv);
  const namedPhases = await configuredPhases(io.cwd, args.command.join(' '));
  // Before the build: its trace must have somewhere to go.
  await assertCanWriteOut(args.out, io.cwd);
  const [file, ...rest] = args.command;
  const run = await runTraced({ file, args: rest, cwd: io.cwd, env: io.env, intervalSeconds: args.intervalSeconds, signal: io.signal, output: args.json ? 'stderr' : 'inherit' });
  if (run.startError !== undefined || run.rootPid === undefined) {
    io.stderr(`perf-pulse trace: cannot start ${file}: ${run.startError ?? 'no process'}\n`);
    // Not a shell's 127: a command that cannot be started is bad input, which is exit 2 everywhere.
    return 2;
  }
  const anatomy = analyzeTrace(run.trace, { rootPid: run.rootPid, wallSeconds: run.wallSeconds, cores: run.cores, namedPhases });
  await writeOut(args.out, JSON.stringify(toChromeTrace(anatomy, run.rootPid, args.command.join(' '))) + '\n', io.cwd);
  if (args.json) io.stdout(JSON.stringify(traceSummaryJson(anatomy), null, 2) + '\n');
  else io.stdout(traceSummaryText(anatomy, args.out, run.trace.unsupportedReason));
  if (args.record !== undefined) {
    const comparison = await recordBuild(args.record, anatomy, args, io);
    // With --json, stdout holds the contract's summary alone.
    (args.json ? io.stderr : io.stdout)(['', 'against earlier builds:', ...comparison.lines.map((l) => `  ${l}`), ''].join('\n'));
  }
  return run.exitCode ?? 1;
}

/** Compares the build with the median of the recent ones recorded under `name`, then records it. */
async function recordBuild(name: string, anatomy: BuildAnatomy, args: TraceArgs, io: CliIO): Promise<BuildComparison> {
  const [machine, vcs] = await Promise.all([machineFingerprint(), vcsInfo(io.cwd)]);
  const store = await openHistory(io.cwd, args.history, io.env);
  try {
    const earlier = (await store.readSeries(buildSeriesId(name, machine.id)))
      .sort((a, b) => a.timestamp - b.timestamp)
      .slice(-RECENT_BUILDS)
      .flatMap((r) => figuresOf(r) ?? []);
    const comparison = compareBuild(buildFigures(anatomy), earlier);
    await store.append(buildRecords(name, anatomy, { timestamp: Date.now(), vcs, machine, command: args.command.join(' ') }));
    return comparison;
  } finally {
    await store.close();
  }
}

export const command: CliCommand = {
  summary: 'run a command and trace its process tree (Chrome trace JSON, critical path, parallel efficiency)',
  usage,
  run: (argv, io) => traceCommand(argv, io),
};
