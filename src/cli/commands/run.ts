import * as path from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { lookupTable } from '../../core/own-keys';
import { oneLine } from '../problems';
import { assertHistoryWritable } from '../history-access';
import { ConfigError, loadConfig, type BenchmarkConfig } from '../../core/config';
import { formatBytes, formatSeconds } from '../../core/format';
import { RunCancelledError, runBenchmarksSettled, toRunRecords, type BenchmarkResult, type SettledBenchmark } from '../../core/runner';

const usage = `Usage: perf-pulse run [NAME...] [options]

Runs the benchmarks of perfpulse.json (all, or the named ones) with warm-up, enough
runs for a stable median, outlier flags, CPU time and peak memory, and records every
result in the workspace history.

Options:
  --workspace DIR   the workspace folder (default: the current folder)
  --json            print { "results": [...] } (times in seconds) instead of a table
  --history DIR     the history folder (default: as the editor resolves it)
  --no-record       do not add the results to the history

Exit codes: 0 every benchmark ran; 2 a config or run error (the reason is on stderr);
130 interrupted (Ctrl-C stops every child process first).
`;

export interface CliArgs {
  flags: Record<string, string | true>;
  positional: string[];
}

/** `--name value`, `--name=value` and boolean flags; unknown options are an error that shows the usage. */
export function parseCliArgs(argv: string[], valued: readonly string[], booleans: readonly string[], usageText: string): CliArgs {
  const flags = lookupTable<string | true>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--') || arg === '--') {
      if (arg === '--') positional.push(...argv.slice(i + 1));
      else positional.push(arg);
      if (arg === '--') break;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    if (booleans.includes(name) && eq < 0) flags[name] = true;
    else if (valued.includes(name)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new CliError(`option --${name} needs a value\n\n${usageText}`);
      flags[name] = value;
    } else throw new CliError(`unknown option ${arg}\n\n${usageText}`);
  }
  return { flags, positional };
}

export function flagValue(args: CliArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}

/** The configured benchmarks, or the named ones; config problems become clean CLI errors. */
export async function selectBenchmarks(workspace: string, names: string[]): Promise<{ file: string; benches: BenchmarkConfig[] }> {
  let loaded;
  try {
    loaded = await loadConfig(workspace);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message);
    throw err;
  }
  const all = loaded.config.benchmarks;
  if (!names.length) {
    if (!all.length) throw new CliError(`${loaded.file}: no benchmarks are configured`);
    return { file: loaded.file, benches: all };
  }
  const unknown = names.filter((n) => !all.some((b) => b.name === n));
  if (unknown.length) {
    throw new CliError(`${loaded.file}: no benchmark named ${unknown.map((n) => `"${n}"`).join(', ')}; configured: ${all.map((b) => b.name).join(', ') || 'none'}`);
  }
  return { file: loaded.file, benches: names.map((n) => all.find((b) => b.name === n)!) };
}

/** The JSON shape of one result (the `run --json` contract). */
export function resultJson(r: BenchmarkResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    name: r.name,
    unit: 's',
    median: r.summary.median,
    mean: r.summary.mean,
    min: r.summary.min,
    max: r.summary.max,
    mad: r.summary.mad,
    samples: r.samples,
    user: r.user ?? null,
    system: r.system ?? null,
    peakRssBytes: r.peakRssBytes ?? null,
    failedRuns: r.failedRuns,
    outliers: r.outlierIndices.length,
    outlierIndices: r.outlierIndices,
    cpuMethod: r.cpuMethod,
    memoryMethod: r.memoryMethod,
    launcher: r.launcher,
    shell: r.shell,
    warnings: r.warnings,
    vcs: r.vcs,
    machine: r.machine,
    loadAverage: r.loadAverage,
    timestamp: r.timestamp,
  };
  if (r.shellOverhead !== undefined) out.shellOverhead = r.shellOverhead;
  if (r.parsed) out.parsed = r.parsed;
  return out;
}

function pad(cells: string[][]): string {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

export function resultTable(results: BenchmarkResult[]): string {
  const rows = [['benchmark', 'median', '± MAD', 'min', 'max', 'runs', 'failed', 'outliers', 'user', 'system', 'peak RSS']];
  for (const r of results) {
    const opt = (v: number | undefined, f: (x: number) => string) => (v === undefined ? '-' : f(v));
    rows.push([
      r.name,
      formatSeconds(r.summary.median),
      formatSeconds(r.summary.mad),
      formatSeconds(r.summary.min),
      formatSeconds(r.summary.max),
      String(r.samples.length),
      String(r.failedRuns),
      String(r.outlierIndices.length),
      opt(r.user, formatSeconds),
      opt(r.system, formatSeconds),
      opt(r.peakRssBytes, formatBytes),
    ]);
  }
  return pad(rows);
}

/** Appends the results to the history; a store problem is reported, never thrown away silently. */
export async function recordResults(settled: SettledBenchmark[], workspace: string, historyFlag: string | undefined, io: CliIO): Promise<void> {
  const records = settled.flatMap((s) => (s.result ? toRunRecords(s.result, s.bench) : []));
  if (!records.length) return;
  const { HistoryStore, resolveHistoryDir } = await import('../../core/store/history-store');
  const dir = resolveHistoryDir({ workspaceDir: workspace, override: historyFlag, env: io.env });
  try {
    const store = await HistoryStore.open(dir);
    try {
      await store.append(records);
    } finally {
      await store.close();
    }
  } catch (err) {
    throw new CliError(`cannot record the results in ${dir}: ${(err as Error).message}`);
  }
}

export const command: CliCommand = {
  summary: 'run the configured benchmarks and record the results',
  usage,
  async run(argv, io) {
    const args = parseCliArgs(argv, ['workspace', 'history'], ['json', 'no-record'], usage);
    const workspace = path.resolve(io.cwd, flagValue(args, 'workspace') ?? '.');
    const { benches } = await selectBenchmarks(workspace, args.positional);
    if (args.flags['no-record'] !== true) {
      // Minutes of benchmarks must not end in "cannot record": check the history first.
      const { resolveHistoryDir } = await import('../../core/store/location');
      await assertHistoryWritable(resolveHistoryDir({ workspaceDir: workspace, override: flagValue(args, 'history'), env: io.env }));
    }
    const json = args.flags.json === true;
    const settled: SettledBenchmark[] = [];
    let cancelled = false;
    try {
      await runBenchmarksSettled(benches, {
        cwd: workspace,
        signal: io.signal,
        log: json ? undefined : (line) => io.stderr(line + '\n'),
        onProgress: json
          ? undefined
          : (p) => {
              if (p.phase === 'measure' && p.run === 0) io.stderr(`[${p.index + 1}/${p.total}] ${p.benchmark}…\n`);
            },
        onResult: (s) => settled.push(s),
      });
    } catch (err) {
      if (!(err instanceof RunCancelledError)) throw err;
      cancelled = true;
    }
    // Whatever finished is kept, even when interrupted.
    if (args.flags['no-record'] !== true) await recordResults(settled, workspace, flagValue(args, 'history'), io);
    const results = settled.flatMap((s) => (s.result ? [s.result] : []));
    if (json) io.stdout(JSON.stringify({ results: results.map(resultJson) }, null, 2) + '\n');
    else if (results.length) io.stdout(resultTable(results));
    for (const r of results) for (const w of r.warnings) io.stderr(`warning: ${oneLine(`${r.name}: ${w}`)}\n`);
    const errors = settled.filter((s) => s.error);
    for (const s of errors) io.stderr(`perf-pulse run: ${oneLine(s.error!.message)}\n`);
    if (cancelled) {
      io.stderr('perf-pulse run: interrupted; every benchmark process was stopped\n');
      return 130;
    }
    return errors.length ? 2 : 0;
  },
};
