import * as path from 'node:path';
import { CliError, type CliIO } from '../cli-types';
import { openHistory } from '../history-access';
import { ConfigError, loadConfig, type BenchmarkConfig } from '../../core/config';
import { compareCounts, comparePaired, INSTRUCTIONS_MIN_EFFECT, LookSchedule, MIN_PAIRS, settled, TIME_MIN_EFFECT, type PairedVerdict } from '../../core/detect/paired-ab';
import { vcsInfo } from '../../core/env';
import type { RunRecord } from '../../core/model';
import {
  baseComparisonJson,
  baseComparisonJUnit,
  baseComparisonMarkdown,
  baseVerdictHeadline,
  failingRows,
  rowFailsAt,
  rowFromVerdict,
  type BaseComparisonReport,
  type BaseComparisonRow,
} from '../../core/report/base-comparison';
import {
  countCommandInstructions,
  DEFAULT_INSTRUCTION_RUNS,
  RunCancelledError,
  RunError,
  runInterleaved,
  toRunRecords,
  wantsInstructions,
  withWorktree,
  WorktreeError,
  type BenchmarkResult,
  type SampleRun,
} from '../../core/runner';
import { median } from '../../core/stats/summary';
import { appendStepSummary, writeOut } from '../write-out';
import type { OptionValues } from '../args';
import { benchmarkNotesFeedback } from '../ci-feedback';

/**
 * `perf-pulse check --base REV`: the pull-request gate. The base revision is checked out in a
 * temporary worktree and each benchmark runs there and in the working tree alternately, in this
 * job, so the verdict compares like with like however busy the machine is; the job fails on a
 * "slower" verdict (see core/detect/paired-ab.ts), never on "unknown".
 */

/** Seconds of measuring one benchmark (both sides) after which a sequential comparison takes its last look. */
export const BASE_MAX_SECONDS = 180;

export const BASE_USAGE = `  --base REV             gate on an interleaved comparison with REV instead of the history:
                         REV is checked out in a temporary git worktree and each benchmark
                         runs there and in the working tree alternately (A B, B A, A B, …),
                         judged by wall time, CPU time and (with the metric) instructions.
                         Fails only on "slower": the ratio's interval wholly above ${TIME_MIN_EFFECT * 100}%
                         for time, ${INSTRUCTIONS_MIN_EFFECT * 100}% for instruction counts (--fail-on critical:
                         its lower end at 10% or more); "unknown" says how to settle it.
                         Time is measured sequentially: looks after 16, 32, 64 and 96 pairs
                         (the last at ${BASE_MAX_SECONDS} s of measuring a benchmark), stopping once the
                         verdict is settled; the 1% error is split between the looks.
                         Without a value: the pull request's base branch (GITHUB_BASE_REF,
                         as origin/NAME or NAME)
  --runs N               with --base: exactly N runs per side, one look at 99%
                         (default: sequential, as above)
  --seed N               with --base: seed of the statistics (default 1)
`;

export type FailLevel = 'regression' | 'budget' | 'critical';

export interface BaseOption {
  /** Revisions to try, in order (the first that resolves is used). */
  candidates: string[];
  /** The arguments without the --base option. */
  rest: string[];
}

/**
 * Takes `--base REV`, `--base=REV` or a bare `--base` (last, or followed by another option)
 * out of the arguments. A bare one means the pull request's base branch from GITHUB_BASE_REF.
 * Undefined when there is no --base.
 */
export function takeBaseOption(argv: readonly string[], env: NodeJS.ProcessEnv): BaseOption | undefined {
  const rest: string[] = [];
  let candidates: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--base=')) {
      const value = arg.slice('--base='.length);
      candidates = value ? [value] : fromGithub(env);
    } else if (arg === '--base') {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        candidates = [next];
        i++;
      } else candidates = fromGithub(env);
    } else rest.push(arg);
  }
  return candidates ? { candidates, rest } : undefined;
}

function fromGithub(env: NodeJS.ProcessEnv): string[] {
  const ref = env.GITHUB_BASE_REF?.trim();
  if (!ref) throw new CliError('--base needs a revision (e.g. --base origin/main); without one it reads GITHUB_BASE_REF, which is not set');
  return [`origin/${ref}`, ref];
}

export interface BaseCheckArgs {
  workspace: string;
  historyDir?: string;
  failOn: FailLevel;
  reportFile?: string;
  jsonFile?: string;
  junitFile?: string;
  runs?: number;
  record: boolean;
  seed: number;
  /** --comment, --github-token, --no-annotations: the pull-request feedback, as `check` gives it. */
  feedback?: OptionValues;
}

async function loadBenchmarks(workspace: string): Promise<BenchmarkConfig[]> {
  try {
    const { file, config } = await loadConfig(workspace);
    if (!config.benchmarks.length) throw new CliError(`${file}: no benchmarks configured; --base compares configured benchmarks`);
    return config.benchmarks;
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(`configuration problem: ${err.message}`);
    throw err;
  }
}

/** Per-run wall times in run order, a failed run as undefined (so pairs stay aligned). */
const runWalls = (runs: readonly SampleRun[]) => runs.map((run) => (run.failed ? undefined : run.wall));
/** Per-run CPU seconds (user + system) in run order; undefined where unknown or failed. */
const runCpu = (runs: readonly SampleRun[]) => runs.map((run) => (run.failed || run.user === undefined ? undefined : run.user + (run.system ?? 0)));

/**
 * The smallest CPU-time increase that counts: 2% for a CPU-bound program, else 2% of the
 * program's least disturbed wall time. A program that mostly waits or sleeps (its CPU time a small share
 * of its wall time) needs a large CPU increase before it matters; a CPU-bound one gets about 2%.
 * Judging CPU time too is what lets a busy machine see a CPU-bound slowdown: there the wall time
 * also holds the wait for a CPU (on a two-core VM with other work, pairs' wall ratios spread
 * ±40% where CPU ratios spread ±8%).
 */
export function cpuMinEffect(a: Pick<BenchmarkResult, 'runs'>, b: Pick<BenchmarkResult, 'runs'>): number | undefined {
  const ok = [...a.runs, ...b.runs].filter((r) => !r.failed && r.wall > 0);
  if (!ok.length || ok.some((r) => r.user === undefined)) return undefined;
  const cpu = median(ok.map((r) => r.user! + (r.system ?? 0)));
  if (!(cpu > 0)) return undefined;
  const fastest = Math.min(...ok.map((r) => r.wall));
  // A program that had half a CPU or more in its least disturbed run is CPU-bound: on a busy
  // machine even that run waited for a CPU, so its wall time would overstate the program's.
  if (cpu / fastest >= CPU_BOUND_SHARE) return TIME_MIN_EFFECT;
  return Math.min(1, (TIME_MIN_EFFECT * fastest) / cpu);
}

/** CPU over wall time of the least disturbed run from which a program counts as CPU-bound. */
const CPU_BOUND_SHARE = 0.5;

interface TimeVerdicts {
  wall: PairedVerdict;
  /** CPU time, when both sides' CPU times are known. */
  cpu?: PairedVerdict;
  /** The program is CPU-bound: its CPU time is the verdict that decides when to stop. */
  cpuBound: boolean;
}

/** Wall and CPU verdicts of the runs so far, at one confidence. */
function judgeTime(a: readonly SampleRun[], b: readonly SampleRun[], confidence?: number): TimeVerdicts {
  const at = confidence === undefined ? {} : { confidence };
  const wall = comparePaired(runWalls(a), runWalls(b), { minEffect: TIME_MIN_EFFECT, ...at });
  const cpuEffect = cpuMinEffect({ runs: a as SampleRun[] }, { runs: b as SampleRun[] });
  if (cpuEffect === undefined) return { wall, cpuBound: false };
  const cpu = comparePaired(runCpu(a), runCpu(b), { minEffect: cpuEffect, ...at });
  return { wall, cpu, cpuBound: cpuEffect === TIME_MIN_EFFECT };
}

/**
 * Can a sequential comparison stop? When a row is already slower (the job fails whatever comes), or
 * when the row that sees the program best is settled: its CPU time for a CPU-bound program (the wall
 * time on a busy machine may never settle), else its wall time.
 */
function timeSettled(v: TimeVerdicts): boolean {
  if (v.wall.verdict === 'slower' || v.cpu?.verdict === 'slower') return true;
  return settled(v.cpuBound && v.cpu ? v.cpu : v.wall);
}

/** Which side a RunError of an interleaved session belongs to (the runner names them "NAME (A)"/"NAME (B)"). */
const failedAtBase = (err: RunError, name: string) => err.benchmark === `${name} (A)`;

interface Measured {
  rows: Array<Omit<BaseComparisonRow, 'failing'>>;
  records: RunRecord[];
  errors: string[];
}

async function compareBenchmark(bench: BenchmarkConfig, revDir: string, args: BaseCheckArgs, io: CliIO, out: Measured): Promise<void> {
  const name = bench.name;
  const skipped = (metric: 'time' | 'instructions', why: string) => out.rows.push({ benchmark: name, metric, unit: metric === 'time' ? 's' : 'count', verdict: 'skipped', message: why });
  if (bench.format) {
    skipped('time', 'not compared: a harness-format benchmark reports its own numbers, which are not run interleaved');
    return;
  }
  const inBase = { ...bench, cwd: path.resolve(revDir, bench.cwd ?? '.'), name: `${name} (A)` };
  const here = { ...bench, cwd: path.resolve(args.workspace, bench.cwd ?? '.'), name: `${name} (B)` };
  // Sequential unless --runs fixes the count: looks at 16, 32, 64 and 96 pairs, stopping once settled.
  const schedule = args.runs === undefined ? new LookSchedule() : undefined;
  let judged: TimeVerdicts | undefined;
  let looks = 0;
  let stopped = false;
  const look = (ra: readonly SampleRun[], rb: readonly SampleRun[], confidence: number) => {
    looks++;
    judged = judgeTime(ra, rb, confidence);
    return judged;
  };
  let timed: { a: BenchmarkResult; b: BenchmarkResult } | undefined;
  try {
    timed = await runInterleaved(inBase, here, {
      cwd: args.workspace,
      runs: args.runs ?? schedule!.maxPairs,
      counterbalance: true,
      signal: io.signal,
      seed: args.seed,
      log: (l) => io.stderr(l + '\n'),
      ...(schedule
        ? {
            afterPair: (ra: readonly SampleRun[], rb: readonly SampleRun[], elapsed: number) => {
              const pairs = Math.min(ra.length, rb.length);
              const due = schedule.lookAt(pairs, pairs >= MIN_PAIRS && elapsed >= BASE_MAX_SECONDS);
              if (!due) return false;
              const verdicts = look(ra, rb, due.confidence);
              stopped = due.final || timeSettled(verdicts);
              return stopped;
            },
          }
        : {}),
    });
  } catch (err) {
    if (!(err instanceof RunError)) throw err;
    if (failedAtBase(err, name)) skipped('time', `not compared: it does not run at the base revision (${err.message}); a new benchmark gets a verdict once the base has it`);
    else out.errors.push(err.message.replace(`"${name} (B)"`, `"${name}"`));
    return;
  }
  const a = { ...timed.a, name };
  const b = { ...timed.b, name };
  if (schedule && !stopped) {
    // Ended without a look that stopped it (failed runs): a last look takes the error that is left.
    const last = schedule.lookAt(Math.min(a.runs.length, b.runs.length), true);
    if (last) look(a.runs, b.runs, last.confidence);
  }
  const verdicts = schedule ? judged! : judgeTime(a.runs, b.runs);
  const centre = (xs: Array<number | undefined>) => median(xs.filter((x): x is number => x !== undefined));
  const sequential = schedule ? { looks } : {};
  out.rows.push({ ...rowFromVerdict(name, 'time', verdicts.wall, centre(runWalls(a.runs)), centre(runWalls(b.runs))), timeBasis: 'wall', ...sequential });
  if (verdicts.cpu) {
    out.rows.push({ ...rowFromVerdict(name, 'time', verdicts.cpu, centre(runCpu(a.runs)), centre(runCpu(b.runs))), timeBasis: 'cpu', ...sequential });
  }
  if (wantsInstructions(bench)) {
    // Interleaved too, though counts do not drift with load: it costs nothing and keeps the method one.
    const runs = bench.instructionRuns ?? DEFAULT_INSTRUCTION_RUNS;
    const countsA: number[] = [];
    const countsB: number[] = [];
    try {
      for (let i = 0; i < runs; i++) {
        countsA.push(...(await countCommandInstructions(inBase, args.workspace, 1, io.signal)));
        countsB.push(...(await countCommandInstructions(here, args.workspace, 1, io.signal)));
      }
      out.rows.push(rowFromVerdict(name, 'instructions', compareCounts(countsA, countsB, { minEffect: INSTRUCTIONS_MIN_EFFECT }), median(countsA), median(countsB)));
      b.instructions = countsB;
    } catch (err) {
      if (!(err instanceof RunError)) throw err;
      if (failedAtBase(err, name) && countsA.length === 0 && !/Valgrind, which is not installed/.test(err.message)) skipped('instructions', `not compared: ${err.message}`);
      else out.errors.push(err.message.replace(/"[^"]*\((A|B)\)"/, `"${name}"`));
    }
  }
  out.records.push(...toRunRecords(b, bench));
}

/** Measures, judges, reports and records; returns the exit code (0 pass, 1 a slower verdict at --fail-on, 2 could not run). */
export async function runBaseCheck(candidates: string[], args: BaseCheckArgs, io: CliIO): Promise<number> {
  const benches = await loadBenchmarks(args.workspace);
  const vcs = await vcsInfo(args.workspace);
  const out: Measured = { rows: [], records: [], errors: [] };
  let resolved: { rev: string; commit: string } | undefined;
  try {
    // The first candidate that names a commit; the worktree is checked out by its hash.
    let lastError: WorktreeError | undefined;
    for (const rev of candidates) {
      try {
        await withWorktree(args.workspace, rev, async (revDir, commit) => {
          resolved = { rev, commit };
          io.stderr(`perf-pulse check: measuring the working tree against ${rev} = ${commit.slice(0, 12)}, interleaved, the base checked out in a temporary worktree\n`);
          for (const bench of benches) {
            if (io.signal.aborted) throw new RunCancelledError();
            await compareBenchmark(bench, revDir, args, io, out);
          }
        });
        lastError = undefined;
        break;
      } catch (err) {
        if (err instanceof WorktreeError && !resolved) {
          lastError = err;
          continue;
        }
        throw err;
      }
    }
    if (lastError) throw lastError;
  } catch (err) {
    if (err instanceof RunCancelledError) throw new CliError('cancelled', 130);
    if (err instanceof WorktreeError) throw new CliError(`--base: ${err.message}`);
    throw err;
  }
  if (!resolved) throw new CliError('--base: no revision to compare with');

  const report: BaseComparisonReport = {
    generatedAt: Date.now(),
    base: resolved,
    head: { ...(vcs.commit ? { commit: vcs.commit } : {}), ...(vcs.branch ? { branch: vcs.branch } : {}), ...(vcs.dirty ? { dirty: true } : {}) },
    failOn: args.failOn,
    rows: out.rows.map((r) => ({ ...r, failing: rowFailsAt(r, args.failOn) })),
    errors: out.errors,
  };

  if (args.record && out.records.length) {
    const store = await openHistory(args.workspace, args.historyDir, io.env);
    try {
      await store.append(out.records);
    } finally {
      await store.close();
    }
  }

  const markdown = baseComparisonMarkdown(report);
  if (args.reportFile) await writeOut(args.reportFile, markdown, io.cwd);
  if (args.jsonFile) await writeOut(args.jsonFile, baseComparisonJson(report), io.cwd);
  if (args.junitFile) await writeOut(args.junitFile, baseComparisonJUnit(report), io.cwd);
  await appendStepSummary(markdown, io);
  io.stdout(args.reportFile ? [baseVerdictHeadline(report), ...report.rows.filter((r) => r.verdict !== 'same').map((r) => `  ${r.benchmark} (${r.metric}): ${r.message}`)].join('\n') + '\n' : markdown);
  if (args.feedback) await baseFeedback(report, markdown, benches, vcs, args, io);
  if (report.errors.length) {
    throw new CliError(`${report.errors.length} benchmark${report.errors.length === 1 ? '' : 's'} could not run:\n  ${report.errors.join('\n  ')}`);
  }
  return failingRows(report).length ? 1 : 0;
}

/** Annotations on the source lines of the benchmarks judged slower (errors when they fail the check), and the pull-request comment. */
async function baseFeedback(report: BaseComparisonReport, markdown: string, benches: BenchmarkConfig[], vcs: { commit?: string }, args: BaseCheckArgs, io: CliIO): Promise<void> {
  const notes = report.rows
    .filter((r) => r.verdict === 'slower')
    .map((r) => ({
      name: r.benchmark,
      level: r.failing ? ('error' as const) : ('warning' as const),
      title: `Perf Pulse: ${r.benchmark} slower than ${report.base.rev}`,
      message: `${r.benchmark} (${r.metric === 'time' ? `${r.timeBasis ?? 'wall'} time` : r.metric}): ${r.message}`,
    }));
  await benchmarkNotesFeedback({ flags: args.feedback!, io, markdown, notes, benchmarks: benches, workspace: args.workspace, vcs });
}
