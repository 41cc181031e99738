import { spawn, type StdioOptions } from 'node:child_process';
import { closeSync, ftruncateSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertMayRunPrograms } from '../program-gate';
import { doneFigures, parseLauncherReply } from './launcher-protocol';
import type { LauncherChoice } from './native-launcher';
import { killTree, mainThreadRunDelay, reapedChildrenCpu, TreeMemorySampler } from './proc';

/** One launch of one program, measured. */
export interface LaunchSpec {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Sample the process tree's peak memory while it runs (Linux). */
  sampleMemory?: boolean;
  /** Keep what the program writes to stdout (for harness output); otherwise it goes to the null device. */
  captureStdout?: boolean;
  /** A file the program's stderr is appended to (kept open across runs by the caller); else the null device. */
  stderrFd?: number;
  /** How to start and time the program (see `ensureLauncher`); default: Node's child_process. */
  launcher?: LauncherChoice;
}

export interface LaunchResult {
  /**
   * Through the native launcher: seconds from just before posix_spawn to the return of
   * wait4, read by the launcher itself (as hyperfine measures).
   *
   * Through Node's child_process: seconds from the moment the program's image replaced the
   * forked launcher to its exit. spawn() returns once exec has succeeded, so timing from
   * its return leaves out the launcher's own fork, which for a large Node process costs
   * far more than the program does. Between the exec and that return this thread may
   * wait for a CPU (on a loaded machine, for milliseconds) while the program already
   * runs: all of this thread's runqueue wait during spawn (kernel schedstat) is counted
   * as the program's (see `programStart`).
   */
  wall: number;
  /** Seconds from calling spawn to the exit event: what a naive runner reports. */
  wallFromSpawn: number;
  /** Which launcher timed the run. */
  launcher: 'native' | 'node';
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  cancelled: boolean;
  /**
   * CPU seconds of the program and the descendants it waited for: exact to the
   * microsecond from wait4 through the native launcher; through Node, exact at
   * clock-tick resolution on Linux and absent elsewhere.
   */
  user?: number;
  system?: number;
  peakRssBytes?: number;
  stdout?: string;
  /** Why the program could not start (e.g. not found), when it did not. */
  startError?: string;
}

/** Process groups we started and that have not exited yet: killed if this process exits first. */
export const live = new Set<number>();
let exitHookInstalled = false;
export function track(pid: number): void {
  live.add(pid);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const p of live) killTree(p);
    });
  }
}

/**
 * When the program started, as far as this thread can tell, for a spawn() called at `t0`
 * that returned at `t1` with `waitedNs` of runqueue wait of this thread in between.
 *
 * Physically the program starts after `t0` and after the fork, and has exec'd by `t1`:
 * the exec closes libuv's exec pipe, which wakes this thread blocked in spawn(), and the
 * program runs from then on while this thread first waits for a CPU, then finishes
 * spawn(). Which part of the wait came after the exec cannot be told from the totals
 * (one wait for the wake-up, plus one per preemption, before or after it), so all of it
 * is counted as the program's: the start is `t1 - waitedNs`, never before `t0`. A wait
 * that came before the exec (this thread preempted during the fork, on a loaded machine)
 * then makes the reading longer, never shorter. Not counted: this thread's own work
 * between the wake-up and `t1` (returning from spawn(), and the page faults a fork leaves
 * behind: usually well under a millisecond), which the lateness of the exit event
 * (SIGCHLD, then the event loop: about a millisecond) normally more than makes up for.
 * With no wait (an idle machine), the start is the return of spawn().
 */
export function programStart(t0: bigint, t1: bigint, waitedNs: number | undefined): bigint {
  if (waitedNs === undefined || !(waitedNs > 0)) return t1;
  const waited = BigInt(Math.round(waitedNs));
  return waited < t1 - t0 ? t1 - waited : t0;
}

/** A difference of tick-based seconds, without floating-point dust. */
function ticks(seconds: number): number {
  return Math.max(0, Math.round(seconds * 1e6) / 1e6);
}

/**
 * Stops a run on its timeout or when cancelled, and remembers which happened. `kill`
 * is called at most once per cause; it may be called before the program's pid is
 * known, so callers that learn the pid later call `killIfStopped` then.
 */
export class RunGuard {
  timedOut = false;
  cancelled = false;
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => {
    this.cancelled = true;
    this.kill();
  };

  constructor(
    private readonly spec: Pick<LaunchSpec, 'timeoutMs' | 'signal'>,
    private readonly kill: () => void,
  ) {
    this.timer = spec.timeoutMs
      ? setTimeout(() => {
          this.timedOut = true;
          this.kill();
        }, spec.timeoutMs)
      : undefined;
    spec.signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  get stopped(): boolean {
    return this.timedOut || this.cancelled;
  }

  killIfStopped(): void {
    if (this.stopped) this.kill();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.spec.signal?.removeEventListener('abort', this.onAbort);
  }
}

/** Runs a program once and measures it. Never rejects: start failures come back in `startError`. */
export function launchOnce(spec: LaunchSpec): Promise<LaunchResult> {
  const launcher = spec.launcher;
  return launcher?.kind === 'native' ? launchNative(spec, launcher.path) : launchThroughNode(spec);
}

/**
 * Runs a program through the native launcher, which times it from just before its
 * spawn to its reaping. The launcher's own start (a fork of this process) happens
 * before that clock starts and costs nothing in the measurement.
 */
function launchNative(spec: LaunchSpec, launcherPath: string): Promise<LaunchResult> {
  return new Promise((resolve) => {
    const empty = (startError: string): LaunchResult => ({ wall: 0, wallFromSpawn: 0, launcher: 'native', exitCode: null, timedOut: false, cancelled: false, startError });
    if (spec.signal?.aborted) return resolve({ ...empty('cancelled'), cancelled: true });
    const stdio: StdioOptions = ['ignore', spec.captureStdout ? 'pipe' : 'ignore', spec.stderrFd ?? 'ignore', 'pipe'];
    const t0 = process.hrtime.bigint();
    let child;
    try {
      child = spawn(launcherPath, [spec.file, ...spec.args], { cwd: spec.cwd, env: spec.env, stdio, detached: true, windowsHide: true });
    } catch (err) {
      return resolve(empty((err as Error).message));
    }
    const launcherPid = child.pid;
    if (launcherPid !== undefined) track(launcherPid);
    let reportText = '';
    let sampler: TreeMemorySampler | undefined;
    const replies = () => reportText.split('\n').flatMap((line) => parseLauncherReply(line) ?? []);
    const reportPipe = child.stdio[3] as NodeJS.ReadableStream | null;
    reportPipe?.on('data', (chunk: Buffer) => {
      reportText += chunk.toString('latin1');
      if (!sampler && spec.sampleMemory) {
        const started = replies().find((r) => r.kind === 'pid');
        if (started?.kind === 'pid') sampler = new TreeMemorySampler(started.pid);
      }
    });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    let spawnError: string | undefined;
    const guard = new RunGuard(spec, () => {
      if (launcherPid !== undefined) killTree(launcherPid);
    });
    let exitAt: bigint | undefined;
    let launcherCode: number | null = null;
    let launcherSignal: string | null = null;
    child.once('error', (err) => {
      spawnError = err.message;
      if (launcherPid === undefined) finish();
    });
    child.once('exit', (code, sig) => {
      exitAt = process.hrtime.bigint();
      launcherCode = code;
      launcherSignal = sig;
    });
    // 'close' comes after the exit and after every pipe (the report, and stdout when kept) is drained.
    child.once('close', () => finish());
    let finished = false;
    function finish(): void {
      if (finished) return;
      finished = true;
      guard.dispose();
      const { timedOut, cancelled } = guard;
      const sampledPeak = sampler?.stop();
      if (launcherPid !== undefined) live.delete(launcherPid);
      const end = exitAt ?? process.hrtime.bigint();
      const wallFromSpawn = Number(end - t0) / 1e9;
      const all = replies();
      const done = all.find((r) => r.kind === 'done');
      const error = all.find((r) => r.kind === 'error');
      const base = { wallFromSpawn, launcher: 'native' as const, timedOut, cancelled, stdout: spec.captureStdout ? Buffer.concat(chunks).toString('utf8') : undefined };
      if (spawnError || error || done?.kind !== 'done') {
        // Killed on a timeout or a cancel, it reports nothing: that is no start failure.
        const reason = error?.kind === 'error' ? error.message : undefined;
        const why = timedOut || cancelled ? undefined : spawnError ?? reason ?? `the launcher ended without a report (${launcherSignal ? `killed by ${launcherSignal}` : `exit code ${launcherCode}`})`;
        return resolve({ ...base, wall: wallFromSpawn, exitCode: null, signal: timedOut || cancelled ? 'SIGKILL' : undefined, startError: why });
      }
      resolve({ ...base, ...doneFigures(done, sampledPeak) });
    }
  });
}

/** Runs a program through Node's child_process and times it from the moment it was exec'd. */
function launchThroughNode(spec: LaunchSpec): Promise<LaunchResult> {
  return new Promise((resolve) => {
    const empty = (startError: string): LaunchResult => ({ wall: 0, wallFromSpawn: 0, launcher: 'node', exitCode: null, timedOut: false, cancelled: false, startError });
    if (spec.signal?.aborted) return resolve({ ...empty('cancelled'), cancelled: true });
    const stdio: StdioOptions = ['ignore', spec.captureStdout ? 'pipe' : 'ignore', spec.stderrFd ?? 'ignore'];
    const cpuBefore = reapedChildrenCpu();
    const delayBefore = mainThreadRunDelay();
    const t0 = process.hrtime.bigint();
    let child;
    try {
      child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, stdio, detached: true, windowsHide: true });
    } catch (err) {
      return resolve(empty((err as Error).message));
    }
    const t1Raw = process.hrtime.bigint();
    const delayAfter = mainThreadRunDelay();
    const t1 = programStart(t0, t1Raw, delayBefore !== undefined && delayAfter !== undefined ? delayAfter - delayBefore : undefined);
    const pid = child.pid;
    let startError: string | undefined;
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    const sampler = pid !== undefined && spec.sampleMemory ? new TreeMemorySampler(pid) : undefined;
    if (pid !== undefined) track(pid);
    const guard = new RunGuard(spec, () => {
      if (pid !== undefined) killTree(pid);
    });
    let t2: bigint | undefined;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    const finish = () => {
      guard.dispose();
      const { timedOut, cancelled } = guard;
      const peakRssBytes = sampler?.stop();
      if (pid !== undefined) live.delete(pid);
      const cpuAfter = reapedChildrenCpu();
      const end = t2 ?? process.hrtime.bigint();
      resolve({
        wall: Number(end - t1) / 1e9,
        wallFromSpawn: Number(end - t0) / 1e9,
        launcher: 'node',
        exitCode,
        signal: exitSignal ?? undefined,
        timedOut,
        cancelled,
        user: cpuBefore && cpuAfter ? ticks(cpuAfter.user - cpuBefore.user) : undefined,
        system: cpuBefore && cpuAfter ? ticks(cpuAfter.system - cpuBefore.system) : undefined,
        peakRssBytes,
        stdout: spec.captureStdout ? Buffer.concat(chunks).toString('utf8') : undefined,
        startError,
      });
    };
    child.once('error', (err) => {
      startError = err.message;
      if (pid === undefined) finish();
    });
    child.once('exit', (code, sig) => {
      t2 = process.hrtime.bigint();
      exitCode = code;
      exitSignal = sig;
      // With a stdout pipe, wait until it is drained; otherwise the exit is the end.
      if (!spec.captureStdout) finish();
    });
    if (spec.captureStdout) child.once('close', () => finish());
  });
}

/**
 * A temporary file that collects a program's stderr across runs, so a failed run can
 * say what went wrong without the cost of a pipe on every measured run.
 */
export class StderrTail {
  readonly fd: number;
  readonly path: string;
  constructor() {
    this.path = join(tmpdir(), `perf-pulse-stderr-${process.pid}-${Math.random().toString(36).slice(2)}.log`);
    // Append mode: the child shares the file offset, and appends land after a truncation.
    this.fd = openSync(this.path, 'a+');
  }
  reset(): void {
    ftruncateSync(this.fd, 0);
  }
  /** The last `max` characters written since the last reset. */
  read(max = 2000): string {
    try {
      const text = readFileSync(this.path, 'utf8');
      return text.length > max ? '…' + text.slice(-max) : text;
    } catch {
      return '';
    }
  }
  write(text: string): void {
    writeSync(this.fd, text);
  }
  dispose(): void {
    try {
      closeSync(this.fd);
      unlinkSync(this.path);
    } catch {
      // Already gone.
    }
  }
}

/** A program started to be watched (traced) rather than timed: its output goes where the caller's does. */
export interface WatchedChild {
  pid: number | undefined;
  /** process.hrtime.bigint() just before the spawn. */
  originNs: bigint;
  /** Settles once the program has exited and been reaped. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; endNs: bigint; startError?: string }>;
}

/**
 * Starts a program in a session and process group of its own (so that its whole tree can
 * be found and stopped), passing the program gate first. stdout and stderr are the
 * caller's (stdout onto the caller's stderr when the caller's stdout is for a report, or
 * both to the null device);
 * stdin is the null device, since a program in another session cannot read the
 * terminal. Cancelling `signal` kills the tree.
 */
export function startWatched(spec: { file: string; args: string[]; cwd: string; env: NodeJS.ProcessEnv; signal?: AbortSignal; output?: 'inherit' | 'stderr' | 'ignore' }, action: string): WatchedChild {
  assertMayRunPrograms(action);
  const originNs = process.hrtime.bigint();
  let child;
  try {
    child = spawn(spec.file, spec.args, { cwd: spec.cwd, env: spec.env, stdio: spec.output === 'ignore' ? 'ignore' : ['ignore', spec.output === 'stderr' ? 2 : 'inherit', 'inherit'], detached: true, windowsHide: true });
  } catch (err) {
    const message = (err as Error).message;
    return { pid: undefined, originNs, exited: Promise.resolve({ code: null, signal: null, endNs: process.hrtime.bigint(), startError: message }) };
  }
  const pid = child.pid;
  if (pid !== undefined) track(pid);
  const guard = new RunGuard({ signal: spec.signal }, () => {
    if (pid !== undefined) killTree(pid);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; endNs: bigint; startError?: string }>((resolve) => {
    let startError: string | undefined;
    child.once('error', (err) => {
      startError = err.message;
      if (pid === undefined) {
        guard.dispose();
        resolve({ code: null, signal: null, endNs: process.hrtime.bigint(), startError });
      }
    });
    child.once('exit', (code, sig) => {
      const endNs = process.hrtime.bigint();
      guard.dispose();
      if (pid !== undefined) live.delete(pid);
      resolve({ code, signal: sig, endNs, ...(startError ? { startError } : {}) });
    });
  });
  return { pid, originNs, exited };
}
