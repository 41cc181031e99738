import * as path from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { oneLine, printable } from '../problems';
import { assertHistoryWritable } from '../history-access';
import { ConfigError, loadConfig, type BenchmarkConfig } from '../../core/config';
import { formatBytes, formatSeconds } from '../../core/format';
import { BOOLEAN, parseCommandLine, STRING, stringValue, UsageError, wholeNumberValue, type OptionSpecs, type OptionValues } from '../args';
import { colourWanted, paint as paint_, underCi, type Paint } from '../colour';
import { LiveLine } from '../progress';
import { hyperfineJson, hyperfineMarkdown, relativeSummaryLines } from '../run-exports';
import { assertCanWriteOut, writeOut } from '../write-out';
import { resolvePolicy, RunCancelledError, runBenchmarksSettled, toRunRecords, type BenchmarkResult, type RunPolicy, type SettledBenchmark } from '../../core/runner';

const usage = `Usage: perf-pulse run [NAME...] [options]
       perf-pulse run [options] -- 'CMD' ['CMD'...]

Runs the benchmarks of perfpulse.json (all, or the named ones) with warm-up, enough
runs for a stable median, outlier flags, CPU time and peak memory, and records every
result in the workspace history.

After --, each argument is a command to time ad hoc, with no config file (as hyperfine
does); it is started as a configured command would be (directly, or through the shell
when it uses shell syntax). Ad-hoc results are not recorded in the history. With two
or more commands the output ends with how much faster the fastest ran than each other
(mean ratio ± its standard deviation, as hyperfine computes it).

Options:
  --workspace DIR        the workspace folder (default: the current folder)
  --json                 print { "results": [...] } (times in seconds) instead of a table
  --history DIR          the history folder (default: as the editor resolves it)
  --no-record            do not add the results to the history
  -r, --runs N           exactly N runs of each (default: until the median is precise,
                         at least 10 runs and 3 s; or the benchmark's settings)
  -w, --warmup N         N warm-up runs before measuring (default 1, or the benchmark's)
  -p, --prepare CMD      run CMD before every run (warm-up runs too), untimed
  --export-json FILE     write the results as hyperfine's JSON export does
  --export-markdown FILE write hyperfine's Markdown table (mean ± σ, min, max, relative)

On a terminal, a live line per benchmark shows the runs done, the current median ± MAD
and the time left, and is erased when the benchmark ends; there is none when the
output is not a terminal or CI is set. Colour: NO_COLOR turns it off, FORCE_COLOR on.

Exit codes: 0 every benchmark ran; 2 a config or run error (the reason is on stderr);
130 interrupted (Ctrl-C stops every child process first).
`;

const RUN_OPTIONS: OptionSpecs = {
  workspace: STRING,
  history: STRING,
  json: BOOLEAN,
  'no-record': BOOLEAN,
  runs: { type: 'string', short: 'r' },
  warmup: { type: 'string', short: 'w' },
  prepare: { type: 'string', short: 'p' },
  'export-json': STRING,
  'export-markdown': STRING,
};

/** The benchmarks to run: ad-hoc commands after `--`, else the configured ones (all, or the named ones). */
async function benchmarksToRun(workspace: string, names: string[], adHoc: string[] | undefined): Promise<BenchmarkConfig[]> {
  if (adHoc === undefined) return (await selectBenchmarks(workspace, names)).benches;
  if (names.length) throw new UsageError(`give benchmark names or ad-hoc commands after --, not both (got ${names[0]})`);
  if (!adHoc.length) throw new UsageError('expected at least one command after --');
  const empty = adHoc.find((c) => c.trim() === '');
  if (empty !== undefined) throw new UsageError('an ad-hoc command is empty');
  return adHoc.map((command) => ({ name: command, command }));
}

/** --runs, --warmup and --prepare over every benchmark's own settings. */
function withOverrides(benches: BenchmarkConfig[], values: OptionValues): BenchmarkConfig[] {
  const runs = wholeNumberValue(values, 'runs', 1);
  const warmup = wholeNumberValue(values, 'warmup', 0);
  const prepare = stringValue(values, 'prepare');
  if (runs === undefined && warmup === undefined && prepare === undefined) return benches;
  return benches.map((b) => {
    const out: BenchmarkConfig = { ...b };
    if (runs !== undefined) {
      // A fixed count replaces the adaptive limits, as in the config.
      out.runs = runs;
      delete out.minRuns;
      delete out.maxRuns;
      delete out.minTime;
      delete out.maxTime;
    }
    if (warmup !== undefined) out.warmup = warmup;
    if (prepare !== undefined) out.prepare = prepare;
    return out;
  });
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

function pad(cells: string[][], paint: Paint = paint_(false)): string {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return (
    cells
      .map((row, r) => {
        const line = row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
        if (r === 0) return paint.bold(line);
        // The name in colour: padding stays outside the escapes so the columns line up.
        return paint.cyan(row[0]) + line.slice(row[0].length);
      })
      .join('\n') + '\n'
  );
}

export function resultTable(results: BenchmarkResult[], paint?: Paint): string {
  const rows = [['benchmark', 'median', '± MAD', 'min', 'max', 'runs', 'failed', 'outliers', 'user', 'system', 'peak RSS']];
  for (const r of results) {
    const opt = (v: number | undefined, f: (x: number) => string) => (v === undefined ? '-' : f(v));
    rows.push([
      printable(r.name),
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
  return pad(rows, paint);
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
  summary: "run the configured benchmarks and record the results, or time commands ad hoc: run -- 'cmd a' 'cmd b'",
  usage,
  async run(argv, io) {
    const { values, positionals, afterDashes } = parseCommandLine(argv, RUN_OPTIONS, { allowDashes: true });
    const workspace = path.resolve(io.cwd, stringValue(values, 'workspace') ?? '.');
    const adHoc = afterDashes !== undefined;
    if (adHoc && stringValue(values, 'history')) throw new UsageError('ad-hoc commands are not recorded: --history goes with configured benchmarks');
    const benches = withOverrides(await benchmarksToRun(workspace, positionals, afterDashes), values);
    // Ad-hoc commands are not recorded (as hyperfine records nothing): their names are command lines, not series.
    const record = !adHoc && values['no-record'] !== true;
    if (record) {
      // Minutes of benchmarks must not end in "cannot record": check the history first.
      const { resolveHistoryDir } = await import('../../core/store/location');
      await assertHistoryWritable(resolveHistoryDir({ workspaceDir: workspace, override: stringValue(values, 'history'), env: io.env }));
    }
    // Likewise the exports: checked before minutes of runs, not after.
    for (const name of ['export-json', 'export-markdown']) {
      const file = stringValue(values, name);
      if (file) await assertCanWriteOut(file, io.cwd);
    }
    const json = values.json === true;
    const terminal = io.terminal;
    const outPaint = paint_(colourWanted(terminal?.stdout === true, io.env));
    const errPaint = paint_(colourWanted(terminal?.stderr === true, io.env));
    // The live line needs a terminal on both streams (it is drawn on stderr, the table goes to stdout).
    const live = !json && terminal?.stdout && terminal.stderr && !underCi(io.env) ? new LiveLine({ write: io.stderr, columns: terminal.columns, paint: errPaint }) : undefined;
    const stderr = live ? live.around(io.stderr) : io.stderr;
    const settled: SettledBenchmark[] = [];
    const startedBenchmarks = new Set<number>();
    let cancelled = false;
    try {
      await runBenchmarksSettled(benches, {
        cwd: workspace,
        signal: io.signal,
        log: json
          ? undefined
          : (line) => {
              // The runner names the command before its first progress event: the heading comes first.
              if (live && settled.length < benches.length && !startedBenchmarks.has(settled.length)) startBenchmark(settled.length);
              stderr((live ? errPaint.dim(printable(line)) : printable(line)) + '\n');
            },
        onProgress: json
          ? undefined
          : (p) => {
              if (live) {
                if (!startedBenchmarks.has(p.index)) startBenchmark(p.index);
                live.update(p);
              } else if (p.phase === 'measure' && p.run === 0) io.stderr(`[${p.index + 1}/${p.total}] ${printable(p.benchmark)}…\n`);
            },
        onResult: (s) => {
          live?.end();
          settled.push(s);
        },
      });
    } catch (err) {
      if (!(err instanceof RunCancelledError)) throw err;
      cancelled = true;
    } finally {
      live?.dispose();
    }
    // Whatever finished is kept, even when interrupted.
    if (record) await recordResults(settled, workspace, stringValue(values, 'history'), io);
    const results = settled.flatMap((s) => (s.result ? [s.result] : []));
    const exportJson = stringValue(values, 'export-json');
    if (exportJson && results.length) await writeOut(exportJson, hyperfineJson(results), io.cwd);
    const exportMarkdown = stringValue(values, 'export-markdown');
    if (exportMarkdown && results.length) await writeOut(exportMarkdown, hyperfineMarkdown(results), io.cwd);
    if (json) io.stdout(JSON.stringify({ results: results.map(resultJson) }, null, 2) + '\n');
    else if (results.length) {
      io.stdout(resultTable(results, outPaint));
      const summary = adHoc ? relativeSummaryLines(results, (t) => outPaint.bold(outPaint.green(t))) : [];
      if (summary.length) io.stdout(`\n${outPaint.bold('Summary')}\n${summary.map((l) => `  ${l}\n`).join('')}`);
    }
    const problem = (text: string) => io.stderr(errPaint.red(text) + '\n');
    for (const r of results) for (const w of r.warnings) io.stderr(`${errPaint.yellow('warning:')} ${oneLine(`${r.name}: ${w}`)}\n`);
    const errors = settled.filter((s) => s.error);
    for (const s of errors) problem(`perf-pulse run: ${oneLine(s.error!.message)}`);
    if (cancelled) {
      problem('perf-pulse run: interrupted; every benchmark process was stopped');
      return 130;
    }
    return errors.length ? 2 : 0;

    function startBenchmark(index: number): void {
      startedBenchmarks.add(index);
      const bench = benches[index];
      // A permanent heading per benchmark; the live line is drawn under it.
      stderr(`${errPaint.bold(`[${index + 1}/${benches.length}]`)} ${printable(bench.name)}\n`);
      let policy: RunPolicy | undefined;
      try {
        policy = bench.format ? undefined : resolvePolicy(bench);
      } catch {
        policy = undefined; // the runner reports the bad setting
      }
      live!.begin(bench.name, policy);
    }
  },
};
