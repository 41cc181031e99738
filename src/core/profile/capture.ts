import { mkdtempSync, promises as fsp, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import type { BenchmarkConfig } from '../config';
import { assertMayRunPrograms } from '../program-gate';
import { CommandSyntaxError, planCommand, resolveExecutable, type LaunchPlan } from '../runner/command';
import { launchOnce, StderrTail, type LaunchResult } from '../runner/launch';
import { decodeCallgrind } from './callgrind';
import { decodePstatsJson, PSTATS_TO_JSON } from './cprofile';
import { goBenchSettings, goDefinitionLines, goNsPerOp, iterationsFor, perOperation, withBenchtime } from './go-bench';
import { profileTotal, type Profile } from './model';
import { ProfileError } from './paths';
import { planProfile, type ProfileCommand, type ProfileMode, type ProfilerSetting } from './plan';
import { decodePprof } from './pprof';
import { decodeCpuProfiles, decodeHeapProfiles } from './v8';

/**
 * Profiles one benchmark: one run of its command under the profiler that fits, apart from
 * the timed runs (a profiler slows a program down; its timings are never recorded). Every
 * program starts through the runner's launcher after the program gate.
 */

export interface CaptureOptions {
  /** The workspace folder: the benchmark's cwd is relative to it, and profile files are named relative to it. */
  workspace: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
  /** Go benchmarks: the operations to run (a differential profile passes the base's on). */
  goIterations?: number;
  /**
   * Go benchmarks: find a fixed count of operations first (a short calibration run), so that
   * the profile is per operation and comparable with another (a differential profile's base).
   * Without it (or goIterations) the command runs as written and the profile is per run.
   */
  calibrateGo?: boolean;
  /** CPU time (default), or allocated bytes. */
  mode?: ProfileMode;
}

export interface CapturedProfile {
  benchmark: string;
  profile: Profile;
  /** Wall seconds of the profiled run (profiler included). */
  profiledWall: number;
  /** What the costs are per: the whole run, or one operation of each Go benchmark. */
  per: 'run' | 'op';
  /** The command as run, for the log. */
  command: string;
  /** Go benchmarks: the operations run per benchmark (-benchtime=Nx). */
  goIterations?: number;
}

type BenchmarkSpec = Pick<BenchmarkConfig, 'name' | 'command'> & Partial<Pick<BenchmarkConfig, 'cwd' | 'env' | 'shell' | 'prepare' | 'timeoutMs' | 'profiler'>>;

function planOf(command: string | string[], shell: boolean | undefined, name: string): LaunchPlan {
  try {
    return planCommand(command, { shell });
  } catch (err) {
    if (err instanceof CommandSyntaxError) throw new ProfileError(`benchmark "${name}": ${err.message}`);
    throw err;
  }
}

function failure(name: string, what: string, r: LaunchResult, stderr: string): ProfileError {
  const why = r.startError ?? (r.timedOut ? 'timed out' : r.signal ? `was killed by ${r.signal}` : `exited with code ${r.exitCode}`);
  const tail = stderr.trim().split('\n').slice(-3).join(' ').trim();
  return new ProfileError(`benchmark "${name}": ${what} ${why}${tail ? `; stderr: ${tail.slice(0, 400)}` : ''}`);
}

async function run(spec: { file: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv; captureStdout?: boolean; timeoutMs?: number; signal?: AbortSignal }, stderr: StderrTail): Promise<LaunchResult> {
  stderr.reset();
  const r = await launchOnce({ ...spec, stderrFd: stderr.fd });
  if (r.cancelled) throw new ProfileError('the profile was cancelled');
  return r;
}

/** Reads every file the profiler wrote whose name passes `keep`. */
async function outputs(outDir: string, keep: (name: string) => boolean): Promise<Array<{ text: string; file: string }>> {
  const names = readdirSync(outDir).filter(keep).sort();
  return Promise.all(names.map(async (name) => ({ file: name, text: await fsp.readFile(join(outDir, name), 'utf8') })));
}

async function decode(cmd: ProfileCommand, outDir: string, workspace: string, ctx: { cwd: string; env: NodeJS.ProcessEnv; name: string; signal?: AbortSignal; stderr: StderrTail; mode: ProfileMode }): Promise<Profile> {
  switch (cmd.profiler) {
    case 'v8': {
      if (ctx.mode === 'alloc') {
        const heaps = await outputs(outDir, (n) => n.endsWith('.heapprofile'));
        if (!heaps.length) throw new ProfileError(`benchmark "${ctx.name}": Node wrote no heap profile (is the command a Node program of version 12 or later?)`);
        return decodeHeapProfiles(heaps, workspace, await outputs(outDir, (n) => n.endsWith('.cpuprofile')));
      }
      const files = await outputs(outDir, (n) => n.endsWith('.cpuprofile'));
      if (!files.length) throw new ProfileError(`benchmark "${ctx.name}": Node wrote no CPU profile (is the command a Node program of version 12 or later?)`);
      return decodeCpuProfiles(files, workspace);
    }
    case 'pprof': {
      const file = join(outDir, 'profile.pprof');
      const bytes = await fsp.readFile(file).catch(() => undefined);
      if (!bytes) throw new ProfileError(`benchmark "${ctx.name}": go test wrote no profile (a -bench run of one package is needed)`);
      return decodePprof(bytes, 'profile.pprof', workspace);
    }
    case 'cprofile': {
      // pstats files are marshal dumps: the interpreter that wrote it reads it back as JSON.
      const r = await run({ file: cmd.python!, args: ['-c', PSTATS_TO_JSON, join(outDir, 'profile.pstats')], cwd: ctx.cwd, env: ctx.env, captureStdout: true, signal: ctx.signal }, ctx.stderr);
      if (r.startError || r.exitCode !== 0) throw failure(ctx.name, 'reading the cProfile output', r, ctx.stderr.read());
      return decodePstatsJson(r.stdout ?? '', 'profile.pstats', workspace);
    }
    case 'callgrind': {
      const files = await outputs(outDir, (n) => n.startsWith('callgrind.out.'));
      if (!files.length) throw new ProfileError(`benchmark "${ctx.name}": callgrind wrote no profile`);
      return decodeCallgrind(files, workspace);
    }
  }
}

/** A short unprofiled run of a Go benchmark command (-benchtime=100ms): how many operations fill its benchtime. */
async function calibrateGo(file: string, args: string[], ctx: { cwd: string; env: NodeJS.ProcessEnv; name: string; signal?: AbortSignal; stderr: StderrTail; targetSeconds: number; log?: (line: string) => void }): Promise<number> {
  const [test, ...rest] = args;
  const r = await run({ file, args: [test, ...withBenchtime(rest, '100ms', 1)], cwd: ctx.cwd, env: ctx.env, captureStdout: true, signal: ctx.signal }, ctx.stderr);
  if (r.startError || r.exitCode !== 0) throw failure(ctx.name, 'the calibration run of go test', r, ctx.stderr.read());
  const nsPerOp = goNsPerOp(r.stdout ?? '');
  if (!(nsPerOp > 0)) throw new ProfileError(`benchmark "${ctx.name}": go test reported no ns/op (does -bench match a benchmark?)`);
  const iterations = iterationsFor(ctx.targetSeconds, nsPerOp);
  ctx.log?.(`${ctx.name}: ${iterations} operations per benchmark fill about ${ctx.targetSeconds} s`);
  return iterations;
}

/** Profiles a benchmark once. Throws ProfileError (no profiler fits, profiler missing, the run failed). */
export async function captureProfile(bench: BenchmarkSpec, options: CaptureOptions): Promise<CapturedProfile> {
  assertMayRunPrograms('profile a benchmark');
  const workspace = realpathSync(resolvePath(options.workspace));
  const cwd = resolvePath(workspace, bench.cwd ?? '.');
  const env: NodeJS.ProcessEnv = { ...process.env, ...(bench.env ?? {}) };
  const plan = planOf(bench.command, bench.shell, bench.name);
  const file = resolveExecutable(plan.file, cwd, env);
  if (!file) throw new ProfileError(`benchmark "${bench.name}": command not found: ${plan.file}`);
  const outDir = mkdtempSync(join(tmpdir(), 'perf-pulse-profile-'));
  const stderr = new StderrTail();
  try {
    const setting = (bench.profiler ?? 'auto') as ProfilerSetting;
    const mode = options.mode ?? 'cpu';
    let cmd = planProfile({ plan, file, cwd, env, outDir, setting, mode });
    let goIterations: number | undefined;
    let goCount = 1;
    if (cmd.profiler === 'pprof') {
      const go = goBenchSettings(plan.args.slice(1));
      goCount = go.count;
      goIterations = options.goIterations ?? go.fixedIterations;
      if (goIterations === undefined && options.calibrateGo) goIterations = await calibrateGo(file, plan.args, { cwd, env, name: bench.name, signal: options.signal, stderr, targetSeconds: go.targetSeconds, log: options.log });
      if (goIterations !== undefined) cmd = planProfile({ plan, file, cwd, env, outDir, setting, goIterations, mode });
    }
    if (bench.prepare) {
      const prep = planOf(bench.prepare, undefined, bench.name);
      const prepFile = resolveExecutable(prep.file, cwd, env);
      if (!prepFile) throw new ProfileError(`benchmark "${bench.name}": prepare command not found: ${prep.file}`);
      const r = await run({ file: prepFile, args: prep.args, cwd, env, timeoutMs: bench.timeoutMs, signal: options.signal }, stderr);
      if (r.startError || r.exitCode !== 0) throw failure(bench.name, `the prepare command "${prep.display}"`, r, stderr.read());
    }
    const display = [cmd.file, ...cmd.args].join(' ');
    options.log?.(`${bench.name}: profiling with ${cmd.profiler}: ${display}`);
    // A profiler slows the program down (callgrind about 50×): the benchmark's timeout is scaled to match.
    const timeoutMs = bench.timeoutMs ? bench.timeoutMs * (cmd.profiler === 'callgrind' ? 100 : 10) : undefined;
    const r = await run({ file: cmd.file, args: cmd.args, cwd, env: cmd.env, captureStdout: cmd.captureStdout, timeoutMs, signal: options.signal }, stderr);
    if (r.startError || r.exitCode !== 0 || r.timedOut) throw failure(bench.name, `the profiled run (${cmd.profiler})`, r, stderr.read());
    const profile = await decode(cmd, outDir, workspace, { cwd, env, name: bench.name, signal: options.signal, stderr, mode });
    let per: CapturedProfile['per'] = 'run';
    if (cmd.profiler === 'pprof' && goIterations !== undefined) {
      perOperation(profile, goIterations, goCount);
      per = 'op';
    }
    if (cmd.profiler === 'pprof') goDefinitionLines(profile, workspace, (f) => {
      try {
        return readFileSync(f, 'utf8');
      } catch {
        return undefined;
      }
    });
    if (cmd.profiler === 'callgrind') {
      // Instructions become seconds in proportion to one plain run of the command.
      const plain = await run({ file, args: plan.args, cwd, env, timeoutMs: bench.timeoutMs, signal: options.signal }, stderr);
      const total = profileTotal(profile);
      if (!plain.startError && plain.exitCode === 0 && total > 0) profile.secondsPerUnit = plain.wall / total;
    }
    return { benchmark: bench.name, profile, profiledWall: r.wall, per, command: display, ...(goIterations !== undefined ? { goIterations } : {}) };
  } finally {
    stderr.dispose();
    rmSync(outDir, { recursive: true, force: true });
  }
}
