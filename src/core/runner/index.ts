import { randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { parseText } from '../parsers';
import { formatSeconds } from '../format';
import type { BenchmarkConfig } from '../config';
import { busyMachineWarning, loadAverage, machineFingerprint, vcsInfo } from '../env';
import type { MachineFingerprint, Measurement, RunRecord, RunSummary, SourceLocation, VcsInfo } from '../model';
import { assertMayRunPrograms } from '../program-gate';
import { seriesIdOf } from '../series-id';
import { median, outlierIndices, summarize } from '../stats/summary';
import { CommandSyntaxError, planCommand, resolveExecutable, type LaunchPlan } from './command';
import { launchOnce, StderrTail, type LaunchResult, type LaunchSpec } from './launch';
import { LauncherServer } from './launcher-server';
import { ensureLauncher, type LauncherChoice } from './native-launcher';
import { DEFAULT_POLICY, resolvePolicy, StoppingRule, type RunPolicy } from './policy';
import { countInstructions, INSTRUCTIONS_METRIC, InstructionCountError, type InstructionTarget } from './instructions';

export { CommandSyntaxError, planCommand, splitCommandLine, quoteForShell, resolveExecutable, type LaunchPlan } from './command';
export { launchOnce, type LaunchResult, type LaunchSpec } from './launch';
export { ensureLauncher, launcherCacheDir, LAUNCHER_ENV, type LauncherChoice } from './native-launcher';
export { killTree, isAlive, processTree } from './proc';
export { countInstructions, findValgrind, InstructionCountError, INSTRUCTIONS_METRIC, type InstructionTarget } from './instructions';
export { resolvePolicy, medianInterval, medianIsPrecise, StoppingRule, DEFAULT_POLICY, type RunPolicy } from './policy';

export interface RunProgress {
  benchmark: string;
  index: number;
  total: number;
  phase: 'warmup' | 'measure' | 'prepare' | 'calibrate';
  run: number;
  /** In the measure phase: the successful timings so far (a live view: read it during the call, do not keep it). */
  samples?: readonly number[];
}

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (p: RunProgress) => void;
  log?: (line: string) => void;
  /** The workspace folder: benchmark `cwd`s are relative to it. */
  cwd: string;
  /** Sample peak memory while runs are in progress (default true). */
  sampleMemory?: boolean;
  /** Seed for the bootstrap interval in the summary. */
  seed?: number;
  /** Stop early once the median's 95% interval is within ± this share (default 0.01). */
  precision?: number;
  /** Called as each benchmark finishes or fails, so callers can keep results even if a later one is cancelled. */
  onResult?: (settled: SettledBenchmark) => void;
}

export interface SampleRun {
  /** Seconds (shell start-up already subtracted when a shell was used). */
  wall: number;
  user?: number;
  system?: number;
  peakRssBytes?: number;
  exitCode: number | null;
  signal?: string;
  timedOut?: boolean;
  failed: boolean;
  /**
   * The same run timed in this process around the whole launch (the request to the native
   * launcher and its reply, or Node's spawn call to the exit event): what a naive runner reports.
   */
  launchWall?: number;
}

export interface BenchmarkResult {
  name: string;
  unit: 's';
  runs: SampleRun[];
  /** Wall times of the successful runs, in run order. */
  samples: number[];
  summary: RunSummary;
  failedRuns: number;
  /** Indices into `samples` of robust (MAD-based) outliers: flagged, never dropped. */
  outlierIndices: number[];
  /** Median CPU seconds per run (mean when the clock-tick resolution would round the median away). */
  user?: number;
  system?: number;
  peakRssBytes?: number;
  memoryMethod: 'exact' | 'sampled' | 'none';
  cpuMethod: 'exact' | 'sampled' | 'none';
  /**
   * What started and timed each run: `native`, the small launcher that spawns with
   * posix_spawn and times to wait4 (as hyperfine does); `node`, Node's child_process,
   * timed from after the exec (used where no C compiler could build the launcher).
   */
  launcher: 'native' | 'node';
  shell: boolean;
  /** Seconds of shell start-up subtracted from each run. */
  shellOverhead?: number;
  warnings: string[];
  vcs: VcsInfo;
  machine: MachineFingerprint;
  loadAverage: number[];
  timestamp: number;
  /** Why measuring stopped. */
  stopReason?: string;
  /** Measurements read from the command's output when the benchmark has a `format`. */
  parsed?: Measurement[];
  /** Instructions executed per run, counted under Valgrind, when the benchmark's metrics ask for them. */
  instructions?: number[];
}

/** A benchmark that could not be measured: config problem, missing program, every run failed. */
export class RunError extends Error {
  constructor(
    readonly benchmark: string,
    message: string,
  ) {
    super(`benchmark "${benchmark}": ${message}`);
    this.name = 'RunError';
  }
}

/** Thrown when the AbortSignal fires; every process we started is gone by then. */
export class RunCancelledError extends Error {
  constructor() {
    super('the run was cancelled');
    this.name = 'AbortError';
  }
}

/** Anything a one-off command needs; a benchmark entry is one. */
export type CommandSpec = Pick<BenchmarkConfig, 'command'> & Partial<Omit<BenchmarkConfig, 'command'>>;

/** Warn when runs are this short: process start-up then dominates the number. */
const SHORT_RUN_SECONDS = 0.005;

/**
 * Runs per request to the native launcher when nothing has to happen between runs (no
 * prepare command, no timeout, not interleaved): it starts them back to back, as hyperfine
 * does, and this process hears of them when the last has ended (runs of 20 ms or more end
 * a batch early). The stopping rule is applied after each batch.
 */
const BATCH_RUNS = 10;

interface Prepared {
  name: string;
  bench: CommandSpec;
  plan: LaunchPlan;
  file: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  prepare?: { plan: LaunchPlan; file: string };
  policy: RunPolicy;
  shellCost?: ShellCost;
}

interface ShellCost {
  wall: number;
  user: number;
  system: number;
}

function describeCommand(name: string, plan: LaunchPlan): string {
  return plan.viaShell ? `${name}: via ${plan.file} (${plan.shellReason})` : `${name}: ${plan.file} ${plan.args.join(' ')}`.trim();
}

function prepareCommand(spec: CommandSpec, name: string, workspace: string, precision?: number): Prepared {
  const cwd = resolvePath(workspace, spec.cwd ?? '.');
  const env: NodeJS.ProcessEnv = { ...process.env, ...(spec.env ?? {}) };
  const planOf = (command: string | string[], shell?: boolean): { plan: LaunchPlan; file: string } => {
    let plan: LaunchPlan;
    try {
      plan = planCommand(command, { shell });
    } catch (err) {
      if (err instanceof CommandSyntaxError) throw new RunError(name, err.message);
      throw err;
    }
    const file = resolveExecutable(plan.file, cwd, env);
    if (!file) throw new RunError(name, `command not found: ${plan.file} (looked in PATH${plan.file.includes('/') ? ` and ${cwd}` : ''})`);
    return { plan, file };
  };
  let policy: RunPolicy;
  try {
    policy = resolvePolicy(spec, precision === undefined ? undefined : { ...DEFAULT_POLICY, precision });
  } catch (err) {
    throw new RunError(name, (err as Error).message);
  }
  const main = planOf(spec.command, spec.shell);
  return {
    name,
    bench: spec,
    plan: main.plan,
    file: main.file,
    cwd,
    env,
    prepare: spec.prepare ? planOf(spec.prepare) : undefined,
    policy,
  };
}

/** Shell start-up cost per cwd and shell, measured once per session (as hyperfine does). */
class Session {
  private shellCosts = new Map<string, Promise<ShellCost>>();
  readonly stderr = new StderrTail();
  constructor(
    readonly options: RunOptions,
    readonly launcher: LauncherChoice,
  ) {}

  private server: LauncherServer | undefined;

  /**
   * Starts a program the session's way: through the warm native launcher when there is
   * one (its stderr into the session's tail file), else through launchOnce.
   */
  launch(spec: Omit<LaunchSpec, 'launcher' | 'captureStdout'>): Promise<LaunchResult> {
    return this.launchBatch(spec, 1).then((runs) => runs[0]);
  }

  /**
   * Up to `count` runs of one program, back to back where the native launcher can do that
   * (see LauncherServer.runBatch); one run otherwise. At least one result.
   */
  async launchBatch(spec: Omit<LaunchSpec, 'launcher' | 'captureStdout'>, count: number): Promise<LaunchResult[]> {
    if (this.launcher.kind !== 'native') return [await launchOnce({ ...spec, launcher: this.launcher })];
    this.server ??= new LauncherServer(this.launcher.path);
    const { stderrFd, ...rest } = spec;
    return this.server.runBatch({ ...rest, stderrPath: stderrFd === this.stderr.fd ? this.stderr.path : undefined }, count);
  }

  /** Opens a session once the launcher is chosen, so that every run in it is timed the same way. */
  static async open(options: RunOptions): Promise<Session> {
    // Every benchmark, harness and launcher build starts from a session: one check covers them.
    assertMayRunPrograms('run benchmarks');
    const launcher = await ensureLauncher();
    if (launcher.kind === 'node') options.log?.(`timing through Node's child_process: ${launcher.reason}`);
    return new Session(options, launcher);
  }

  /**
   * `batched`: whether the runs it is subtracted from start back to back; the shell is then
   * timed that way too, since a program started right after another starts faster.
   */
  shellCost(p: Prepared, batched: boolean): Promise<ShellCost> {
    const key = `${p.file}\u0000${p.cwd}\u0000${batched}`;
    let cost = this.shellCosts.get(key);
    if (!cost) {
      cost = this.calibrateShell(p, batched);
      this.shellCosts.set(key, cost);
    }
    return cost;
  }

  /** Runs the shell with an empty script: what it costs to start and exit. */
  private async calibrateShell(p: Prepared, batched: boolean): Promise<ShellCost> {
    const args = [...p.plan.args.slice(0, -1), ''];
    const walls: number[] = [];
    let user = 0;
    let system = 0;
    const runs = 40;
    for (let i = 0; i < runs + 3; ) {
      const results = await this.launchBatch({ file: p.file, args, cwd: p.cwd, env: p.env, signal: this.options.signal }, batched ? Math.min(BATCH_RUNS, runs + 3 - i) : 1);
      for (const r of results) {
        if (r.cancelled) throw new RunCancelledError();
        if (r.startError || r.exitCode !== 0) throw new RunError(p.name, `the shell ${p.file} does not start: ${r.startError ?? `exit code ${r.exitCode}`}`);
        if (i++ < 3 || walls.length === runs) continue;
        walls.push(r.wall);
        user += r.user ?? 0;
        system += r.system ?? 0;
      }
    }
    const cost = { wall: median(walls), user: user / runs, system: system / runs };
    this.options.log?.(`shell start-up of ${p.file}: ${formatSeconds(cost.wall)} (median of ${runs}), subtracted from each run`);
    return cost;
  }

  async runPrepare(p: Prepared): Promise<void> {
    if (!p.prepare) return;
    this.stderr.reset();
    const r = await this.launch({
      file: p.prepare.file,
      args: p.prepare.plan.args,
      cwd: p.cwd,
      env: p.env,
      timeoutMs: p.policy.timeoutMs,
      signal: this.options.signal,
      stderrFd: this.stderr.fd,
    });
    if (r.cancelled) throw new RunCancelledError();
    if (r.startError || r.exitCode !== 0) {
      const why = r.startError ?? (r.timedOut ? `timed out after ${p.policy.timeoutMs} ms` : r.signal ? `was killed by ${r.signal}` : `exited with code ${r.exitCode}`);
      throw new RunError(p.name, `the prepare command "${p.prepare.plan.display}" ${why}${stderrSuffix(this.stderr.read())}`);
    }
  }

  /** Up to `count` measured (or warm-up) runs of the command back to back, shell cost subtracted (at least one; see launchBatch). */
  async measureBatch(p: Prepared, count: number): Promise<SampleRun[]> {
    this.stderr.reset();
    const raws = await this.launchBatch(
      {
        file: p.file,
        args: p.plan.args,
        cwd: p.cwd,
        env: p.env,
        timeoutMs: p.policy.timeoutMs,
        signal: this.options.signal,
        sampleMemory: this.options.sampleMemory !== false,
        stderrFd: this.stderr.fd,
      },
      count,
    );
    if (raws.some((raw) => raw.cancelled)) throw new RunCancelledError();
    return raws.map((raw) => this.sampleOf(p, raw));
  }

  private sampleOf(p: Prepared, raw: LaunchResult): SampleRun {
    if (raw.startError) throw new RunError(p.name, `cannot start ${p.file}: ${raw.startError}`);
    const failed = raw.exitCode !== 0 || raw.timedOut;
    const shell = p.shellCost;
    const run: SampleRun = {
      wall: Math.max(0, raw.wall - (shell?.wall ?? 0)),
      exitCode: raw.exitCode,
      failed,
      launchWall: raw.wallFromSpawn,
    };
    if (raw.user !== undefined) run.user = Math.max(0, raw.user - (shell?.user ?? 0));
    if (raw.system !== undefined) run.system = Math.max(0, raw.system - (shell?.system ?? 0));
    if (raw.peakRssBytes !== undefined) run.peakRssBytes = raw.peakRssBytes;
    if (raw.signal) run.signal = raw.signal;
    if (raw.timedOut) run.timedOut = true;
    return run;
  }

  dispose(): void {
    this.server?.dispose();
    this.stderr.dispose();
  }
}

function stderrSuffix(text: string): string {
  const t = text.trim();
  return t ? `; stderr: ${t}` : '';
}

function failureText(run: SampleRun, timeoutMs?: number): string {
  if (run.timedOut) return `timed out after ${timeoutMs} ms`;
  if (run.signal) return `was killed by ${run.signal}`;
  return `exited with code ${run.exitCode}`;
}

/** The per-run CPU figure to report: the median, unless the clock tick would round it to nothing. */
function cpuFigure(values: number[]): number | undefined {
  if (!values.length) return undefined;
  const m = median(values);
  // With 10 ms ticks, a median below 10 ticks is mostly rounding; the mean of the
  // exact cumulative counter is then the better estimate.
  return m >= 0.1 ? m : values.reduce((a, b) => a + b, 0) / values.length;
}

interface Context {
  machine: MachineFingerprint;
  vcs: VcsInfo;
  loadAverage: number[];
  timestamp: number;
  warnings: string[];
}

async function context(dir: string): Promise<Context> {
  const load = loadAverage();
  const [machine, vcs] = await Promise.all([machineFingerprint(), vcsInfo(dir)]);
  const warnings: string[] = [];
  const busy = busyMachineWarning(load, machine.cores);
  if (busy) warnings.push(busy);
  return { machine, vcs, loadAverage: load, timestamp: Date.now(), warnings };
}

/** Measures one or two prepared commands, interleaved when two. */
class Measurer {
  runs: SampleRun[] = [];
  samples: number[] = [];
  stopReason?: string;
  readonly rule: StoppingRule;
  constructor(readonly p: Prepared) {
    this.rule = new StoppingRule(p.policy);
  }
  record(run: SampleRun): void {
    this.runs.push(run);
    if (!run.failed) this.samples.push(run.wall);
  }
  /** A command that has failed every time so far, three times or more, will not start working. */
  hopeless(): boolean {
    return this.samples.length === 0 && this.runs.length >= 3;
  }
}

function buildResult(m: Measurer, ctx: Context, options: RunOptions, launcher: LauncherChoice): BenchmarkResult {
  const { p } = m;
  const failedRuns = m.runs.filter((r) => r.failed).length;
  if (m.samples.length === 0) {
    const first = m.runs.find((r) => r.failed);
    throw new RunError(p.name, `every run failed${first ? ` (the command ${failureText(first, p.policy.timeoutMs)})` : ''}`);
  }
  const summary = summarize(m.samples, { seed: options.seed });
  const ok = m.runs.filter((r) => !r.failed);
  const users = ok.flatMap((r) => (r.user === undefined ? [] : [r.user]));
  const systems = ok.flatMap((r) => (r.system === undefined ? [] : [r.system]));
  const peaks = ok.flatMap((r) => (r.peakRssBytes === undefined ? [] : [r.peakRssBytes]));
  const warnings = [...ctx.warnings];
  if (failedRuns) warnings.push(`${failedRuns} of ${m.runs.length} runs failed and are not counted as timings`);
  if (summary.median < SHORT_RUN_SECONDS) {
    warnings.push(`runs take under 5 ms (median ${formatSeconds(summary.median)}): process start-up dominates and small differences are not meaningful`);
  }
  if (launcher.kind === 'node' && summary.median < 0.1) {
    warnings.push(`timed through Node's child_process (${launcher.reason}): short runs may read up to about a millisecond off`);
  }
  const outliers = outlierIndices(m.samples);
  if (outliers.length) warnings.push(`${outliers.length} outlier run${outliers.length > 1 ? 's' : ''} (beyond 3.5 MADs of the median), kept and flagged`);
  if (p.shellCost && m.runs.some((r) => !r.failed && r.wall === 0)) {
    warnings.push('some runs were shorter than the shell start-up that is subtracted; they are reported as 0');
  }
  const linux = process.platform === 'linux';
  return {
    name: p.name,
    unit: 's',
    runs: m.runs,
    samples: m.samples,
    summary,
    failedRuns,
    outlierIndices: outliers,
    user: cpuFigure(users),
    system: cpuFigure(systems),
    peakRssBytes: peaks.length ? median(peaks) : undefined,
    memoryMethod: linux && options.sampleMemory !== false ? 'sampled' : launcher.kind === 'native' ? 'exact' : 'none',
    cpuMethod: linux || launcher.kind === 'native' ? 'exact' : 'none',
    launcher: launcher.kind,
    shell: p.plan.viaShell,
    shellOverhead: p.shellCost?.wall,
    warnings,
    vcs: ctx.vcs,
    machine: ctx.machine,
    loadAverage: ctx.loadAverage,
    timestamp: ctx.timestamp,
    stopReason: m.stopReason,
  };
}

/** Whether runs of this command can go to the launcher in batches: nothing has to happen between them. */
function batchable(p: Prepared): boolean {
  return !p.prepare && !p.policy.timeoutMs;
}

async function warmUp(session: Session, p: Prepared, progress: (phase: RunProgress['phase'], run: number) => void, batched = false): Promise<void> {
  for (let i = 0; i < p.policy.warmup; ) {
    if (p.prepare) {
      progress('prepare', i);
      await session.runPrepare(p);
    }
    progress('warmup', i);
    i += (await session.measureBatch(p, batched ? Math.min(BATCH_RUNS, p.policy.warmup - i) : 1)).length;
  }
}

/** One run, or with `batch` > 1 up to that many back to back (never beyond maxRuns). */
async function measureStep(session: Session, m: Measurer, progress: (phase: RunProgress['phase'], run: number, samples?: readonly number[]) => void, batch = 1): Promise<void> {
  if (m.p.prepare) {
    progress('prepare', m.runs.length);
    await session.runPrepare(m.p);
  }
  progress('measure', m.runs.length, m.samples);
  const count = Math.max(1, Math.min(batch, m.p.policy.maxRuns - m.runs.length));
  for (const run of await session.measureBatch(m.p, count)) {
    m.record(run);
    if (run.failed) session.options.log?.(`${m.p.name}: run ${m.runs.length} ${failureText(run, m.p.policy.timeoutMs)}${stderrSuffix(session.stderr.read(500))}`);
  }
}

async function runPrepared(session: Session, p: Prepared, index: number, total: number): Promise<BenchmarkResult> {
  const { options } = session;
  const ctx = await context(p.cwd);
  const progress = (phase: RunProgress['phase'], run: number, samples?: readonly number[]) =>
    options.onProgress?.({ benchmark: p.name, index, total, phase, run, ...(samples ? { samples } : {}) });
  options.log?.(describeCommand(p.name, p.plan));
  const batched = batchable(p);
  if (p.plan.viaShell) {
    progress('calibrate', 0);
    p.shellCost = await session.shellCost(p, batched);
  }
  await warmUp(session, p, progress, batched);
  const m = new Measurer(p);
  const started = process.hrtime.bigint();
  for (;;) {
    await measureStep(session, m, progress, batched ? BATCH_RUNS : 1);
    if (m.hopeless()) break;
    const reason = m.rule.decide({ samples: m.samples, runs: m.runs.length, elapsed: Number(process.hrtime.bigint() - started) / 1e9 });
    if (reason) {
      m.stopReason = reason;
      break;
    }
  }
  return buildResult(m, ctx, options, session.launcher);
}

/**
 * A benchmark whose command is a harness (`format` set): it is run once, and what it
 * reports (on stdout or in its output file) is parsed instead of timed.
 */
async function runHarness(session: Session, p: Prepared, bench: BenchmarkConfig, index: number, total: number): Promise<BenchmarkResult> {
  const { options } = session;
  const ctx = await context(p.cwd);
  const output = bench.output ?? 'stdout';
  const outFile = output === 'stdout' ? undefined : resolvePath(p.cwd, output.file);
  const before = outFile ? await fsp.stat(outFile).then((s) => s.mtimeMs, () => undefined) : undefined;
  if (p.prepare) {
    options.onProgress?.({ benchmark: p.name, index, total, phase: 'prepare', run: 0 });
    await session.runPrepare(p);
  }
  options.onProgress?.({ benchmark: p.name, index, total, phase: 'measure', run: 0 });
  session.stderr.reset();
  const raw = await launchOnce({
    file: p.file,
    args: p.plan.args,
    cwd: p.cwd,
    env: p.env,
    timeoutMs: p.policy.timeoutMs,
    signal: options.signal,
    captureStdout: !outFile,
    sampleMemory: options.sampleMemory !== false,
    stderrFd: session.stderr.fd,
    launcher: session.launcher,
  });
  if (raw.cancelled) throw new RunCancelledError();
  if (raw.startError) throw new RunError(p.name, `cannot start ${p.file}: ${raw.startError}`);
  if (raw.exitCode !== 0 || raw.timedOut) {
    const run: SampleRun = { wall: raw.wall, exitCode: raw.exitCode, signal: raw.signal, timedOut: raw.timedOut, failed: true };
    throw new RunError(p.name, `the harness ${failureText(run, p.policy.timeoutMs)}${stderrSuffix(session.stderr.read())}`);
  }
  let text: string;
  if (outFile) {
    const after = await fsp.stat(outFile).then((s) => s.mtimeMs, () => undefined);
    if (after === undefined || after === before) throw new RunError(p.name, `the command did not write its output file ${outFile}`);
    text = await fsp.readFile(outFile, 'utf8');
  } else text = raw.stdout ?? '';
  let parsed: Measurement[];
  try {
    parsed = parseText(text, { format: bench.format === 'auto' ? undefined : bench.format, fileName: outFile ?? `${p.name} (stdout)`, root: options.cwd }).measurements;
  } catch (err) {
    throw new RunError(p.name, `cannot read the ${bench.format} output: ${(err as Error).message}`);
  }
  if (!parsed.length) throw new RunError(p.name, `the ${bench.format} output holds no measurements`);
  const m = new Measurer(p);
  m.record({ wall: raw.wall, user: raw.user, system: raw.system, peakRssBytes: raw.peakRssBytes, exitCode: raw.exitCode, failed: false });
  m.stopReason = 'harness';
  const result = buildResult(m, ctx, options, session.launcher);
  // The harness's own wall time is no benchmark figure: drop the short-run warning.
  result.warnings = result.warnings.filter((w) => !w.startsWith('runs take under'));
  result.parsed = parsed;
  return result;
}

function checkSignal(signal?: AbortSignal): void {
  if (signal?.aborted) throw new RunCancelledError();
}

/** Measures one benchmark with the full runner. Throws RunError or RunCancelledError. */
export async function runBenchmark(bench: BenchmarkConfig, options: RunOptions): Promise<BenchmarkResult> {
  return (await runBenchmarks([bench], options))[0];
}

export interface SettledBenchmark {
  bench: BenchmarkConfig;
  result?: BenchmarkResult;
  error?: RunError;
}

/**
 * Runs every benchmark in turn; one that fails does not stop the others. A
 * cancellation stops everything (RunCancelledError).
 */
export async function runBenchmarksSettled(benches: BenchmarkConfig[], options: RunOptions): Promise<SettledBenchmark[]> {
  const session = await Session.open(options);
  const out: SettledBenchmark[] = [];
  try {
    for (let i = 0; i < benches.length; i++) {
      checkSignal(options.signal);
      const bench = benches[i];
      try {
        const p = prepareCommand(bench, bench.name, options.cwd, options.precision);
        const result = bench.format ? await runHarness(session, p, bench, i, benches.length) : await runPrepared(session, p, i, benches.length);
        if (!bench.format && wantsInstructions(bench)) result.instructions = await countBenchmarkInstructions(p, options.signal);
        out.push({ bench, result });
        options.onResult?.(out[out.length - 1]);
      } catch (err) {
        if (err instanceof RunError) {
          out.push({ bench, error: err });
          options.onResult?.(out[out.length - 1]);
        } else throw err;
      }
    }
  } finally {
    session.dispose();
  }
  return out;
}

/** Whether a benchmark's metrics ask for an instruction count. */
export function wantsInstructions(bench: Partial<BenchmarkConfig>): boolean {
  return bench.metrics?.includes('instructions') === true;
}

/** Runs under Valgrind per measurement of the instructions metric. */
export const DEFAULT_INSTRUCTION_RUNS = 3;

async function countBenchmarkInstructions(p: Prepared, signal: AbortSignal | undefined, runs = p.bench.instructionRuns ?? DEFAULT_INSTRUCTION_RUNS): Promise<number[]> {
  try {
    return await countInstructions(targetOf(p, signal), runs);
  } catch (err) {
    if (signal?.aborted) throw new RunCancelledError();
    if (err instanceof InstructionCountError) throw new RunError(p.name, err.message);
    throw err;
  }
}

function targetOf(p: Prepared, signal: AbortSignal | undefined): InstructionTarget {
  // Valgrind is far slower than the program: a run's timeout is scaled to match.
  return { file: p.file, args: p.plan.args, cwd: p.cwd, env: p.env, signal, ...(p.policy.timeoutMs ? { timeoutMs: p.policy.timeoutMs * 100 } : {}) };
}

/**
 * Instruction counts of a command as a benchmark would run it (its cwd, env and shell):
 * `runs` runs under Valgrind. Throws RunError (Valgrind missing, the command failed) or
 * RunCancelledError.
 */
export async function countCommandInstructions(spec: CommandSpec, workspace: string, runs: number, signal?: AbortSignal): Promise<number[]> {
  const p = prepareCommand(spec, spec.name ?? 'command', workspace);
  return countBenchmarkInstructions(p, signal, runs);
}

/** Runs every benchmark in turn; throws the first RunError after all have run. */
export async function runBenchmarks(benches: BenchmarkConfig[], options: RunOptions): Promise<BenchmarkResult[]> {
  const settled = await runBenchmarksSettled(benches, options);
  const failed = settled.find((s) => s.error);
  if (failed?.error) throw failed.error;
  return settled.map((s) => s.result!);
}

export interface InterleavedResult {
  a: BenchmarkResult;
  b: BenchmarkResult;
  /** Which side each measured run belonged to, in the order they ran. */
  order: Array<'a' | 'b'>;
}

/**
 * Runs two commands alternately, A B A B … (or, counterbalanced, A B B A A B …), so that
 * drift of the machine (thermal, background work) hits both alike. Stops when both have met their minimums and
 * both medians are precise, or at the first limit. `runs` fixes the count per side.
 */
export async function runInterleaved(
  a: CommandSpec,
  b: CommandSpec,
  options: RunOptions & {
    runs?: number;
    counterbalance?: boolean;
    /**
     * Called after each pair with both sides' runs so far (in run order) and the seconds spent measuring;
     * true stops the session there (a sequential comparison that has its verdict). `runs` stays the cap.
     */
    afterPair?: (a: readonly SampleRun[], b: readonly SampleRun[], elapsedSeconds: number) => boolean;
  },
): Promise<InterleavedResult> {
  const fixed = options.runs !== undefined ? { runs: options.runs } : {};
  const pa = prepareCommand({ ...a, ...fixed }, a.name ?? 'A', options.cwd, options.precision);
  const pb = prepareCommand({ ...b, ...fixed }, b.name ?? 'B', options.cwd, options.precision);
  const session = await Session.open(options);
  try {
    const [ctxA, ctxB] = await Promise.all([context(pa.cwd), context(pb.cwd)]);
    const progressOf = (p: Prepared, index: number) => (phase: RunProgress['phase'], run: number) =>
      options.onProgress?.({ benchmark: p.name, index, total: 2, phase, run });
    for (const p of [pa, pb]) {
      options.log?.(describeCommand(p.name, p.plan));
      if (p.plan.viaShell) p.shellCost = await session.shellCost(p, false);
    }
    await warmUp(session, pa, progressOf(pa, 0));
    await warmUp(session, pb, progressOf(pb, 1));
    const ma = new Measurer(pa);
    const mb = new Measurer(pb);
    const order: Array<'a' | 'b'> = [];
    const started = process.hrtime.bigint();
    let doneA: string | undefined;
    let doneB: string | undefined;
    for (let pair = 0; ; pair++) {
      // Counterbalanced (A B, B A, A B, …): whatever the second run of a pair suffers on a busy
      // machine falls on both sides alike instead of always on B.
      const bFirst = options.counterbalance === true && pair % 2 === 1;
      for (const side of bFirst ? (['b', 'a'] as const) : (['a', 'b'] as const)) {
        await measureStep(session, side === 'a' ? ma : mb, side === 'a' ? progressOf(pa, 0) : progressOf(pb, 1));
        order.push(side);
      }
      if (ma.hopeless() || mb.hopeless()) break;
      const elapsed = Number(process.hrtime.bigint() - started) / 1e9;
      if (options.afterPair?.(ma.runs, mb.runs, elapsed)) {
        ma.stopReason = mb.stopReason = 'settled';
        break;
      }
      // Each side's clock is half the session: they share it.
      doneA = ma.rule.decide({ samples: ma.samples, runs: ma.runs.length, elapsed: elapsed / 2 }) ?? (doneA === 'precise' ? undefined : doneA);
      doneB = mb.rule.decide({ samples: mb.samples, runs: mb.runs.length, elapsed: elapsed / 2 }) ?? (doneB === 'precise' ? undefined : doneB);
      const limit = (r?: string) => r === 'max-runs' || r === 'max-time';
      if (limit(doneA) || limit(doneB) || (doneA && doneB)) {
        ma.stopReason = doneA ?? doneB;
        mb.stopReason = doneB ?? doneA;
        break;
      }
    }
    return { a: buildResult(ma, ctxA, options, session.launcher), b: buildResult(mb, ctxB, options, session.launcher), order };
  } finally {
    session.dispose();
  }
}

function locationOf(source: BenchmarkConfig['source']): SourceLocation | undefined {
  if (!source) return undefined;
  if (typeof source !== 'string') return { file: source.file, ...(source.line !== undefined ? { line: source.line } : {}) };
  const m = /^(.*?):(\d+)$/.exec(source);
  return m ? { file: m[1], line: Number(m[2]) } : { file: source };
}

/**
 * The history records of one result: the timing series (with CPU, memory, failures
 * and outliers as extra facts), or, for a harness format, one series per parsed
 * measurement.
 */
export function toRunRecords(result: BenchmarkResult, bench: BenchmarkConfig): RunRecord[] {
  const location = locationOf(bench.source);
  const base = {
    v: 1 as const,
    timestamp: result.timestamp,
    vcs: result.vcs,
    machine: result.machine,
    source: 'benchmark' as const,
    config: { ...bench } as Record<string, unknown>,
    ...(location ? { location } : {}),
  };
  if (result.parsed?.length) {
    return result.parsed.map((m) => {
      const metric = m.metric ?? 'time';
      return {
        ...base,
        id: randomUUID(),
        seriesId: seriesIdOf(m.series, metric, result.machine.id, m.suite),
        name: m.series,
        metric,
        unit: m.unit,
        direction: m.direction,
        value: m.value,
        ...(m.samples ? { samples: m.samples } : {}),
        ...(m.spread ? { spread: m.spread } : {}),
        group: m.group ?? bench.format,
        ...(m.location ? { location: m.location } : {}),
        ...(m.tags ? { extra: { ...m.tags } } : {}),
      };
    });
  }
  const extra: Record<string, number | string | boolean> = {
    failedRuns: result.failedRuns,
    outliers: result.outlierIndices.length,
    cpuMethod: result.cpuMethod,
    memoryMethod: result.memoryMethod,
    launcher: result.launcher,
    shell: result.shell,
    loadAverage1m: result.loadAverage[0] ?? 0,
  };
  if (result.user !== undefined) extra.user = result.user;
  if (result.system !== undefined) extra.system = result.system;
  if (result.peakRssBytes !== undefined) extra.peakRssBytes = result.peakRssBytes;
  if (result.shellOverhead !== undefined) extra.shellOverhead = result.shellOverhead;
  const records: RunRecord[] = [
    {
      ...base,
      id: randomUUID(),
      seriesId: seriesIdOf(result.name, 'time', result.machine.id),
      name: result.name,
      metric: 'time',
      unit: 's',
      direction: 'smaller',
      value: result.summary.median,
      samples: result.samples,
      summary: result.summary,
      spread: { kind: 'mad', value: result.summary.mad },
      extra,
    },
  ];
  if (result.instructions?.length) records.push(instructionRecord(result, result.instructions, base));
  return records;
}

/**
 * The instruction count series of a benchmark: its own metric, a count, smaller is better.
 * Its name says the metric, so every message and report about it does too.
 */
function instructionRecord(result: BenchmarkResult, counts: number[], base: Omit<RunRecord, 'id' | 'seriesId' | 'name' | 'metric' | 'unit' | 'direction' | 'value'>): RunRecord {
  const value = median(counts);
  const name = `${result.name} (${INSTRUCTIONS_METRIC})`;
  return {
    ...base,
    id: randomUUID(),
    seriesId: seriesIdOf(name, INSTRUCTIONS_METRIC, result.machine.id),
    name,
    metric: INSTRUCTIONS_METRIC,
    unit: 'count',
    direction: 'smaller',
    value,
    samples: counts,
    spread: { kind: 'range', value: (Math.max(...counts) - Math.min(...counts)) / 2 },
    extra: { tool: 'valgrind-cachegrind', runs: counts.length },
  };
}
export { withWorktree, WorktreeError } from './worktree';
