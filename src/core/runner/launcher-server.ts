import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { LaunchResult, LaunchSpec } from './launch';
import { live, RunGuard, track } from './launch';
import { doneFigures, encodeRunRequest, parseLauncherReply, STOP_REQUEST, type LauncherReply } from './launcher-protocol';
import { killTree, TreeMemorySampler } from './proc';

/** What a serve-mode run needs beyond a LaunchSpec: where the program's stderr goes. */
export interface ServedLaunchSpec extends Omit<LaunchSpec, 'captureStdout' | 'stderrFd' | 'launcher'> {
  /** A file the program's stderr is appended to; else the null device. */
  stderrPath?: string;
}

/**
 * Runs shorter than this are not sampled at all: for them the exact peak of the largest
 * process (from wait4) stands for the tree, and nothing in this process wakes up while
 * they run.
 */
const TREE_SAMPLING_DELAY_MS = 20;

interface PendingRun {
  spec: ServedLaunchSpec;
  sentAt: bigint;
  onReply(reply: LauncherReply): void;
  onLauncherGone(why: string): void;
}

/**
 * The native launcher kept running for a measuring session: one request per run or per
 * batch of short runs, one at a time. A warm launcher starts every run the same way, and
 * this process only waits on a pipe while runs are timed, so it competes with them for
 * nothing.
 */
export class LauncherServer {
  private readonly child: ChildProcessWithoutNullStreams;
  private buffered = '';
  private launcherErrors = '';
  private pending: PendingRun | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private gone: string | undefined;

  constructor(path: string) {
    // A process group of its own: a Ctrl-C in the terminal goes to this process, which
    // stops the runs itself; the launcher must outlive that to report them.
    this.child = spawn(path, ['--serve'], { stdio: ['pipe', 'pipe', 'pipe'], detached: true, windowsHide: true });
    this.child.stdout.setEncoding('latin1');
    this.child.stdout.on('data', (text: string) => this.onData(text));
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (text: string) => {
      this.launcherErrors = (this.launcherErrors + text).slice(-2000);
    });
    // A broken pipe when the launcher died is reported through 'exit' below.
    this.child.stdin.on('error', () => undefined);
    this.child.once('error', (err) => this.markGone(`the launcher could not start: ${err.message}`));
    this.child.once('exit', (code, signal) => {
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.markGone(`the native launcher ${why}${this.launcherErrors ? `: ${this.launcherErrors.trim()}` : ''}`);
    });
  }

  /** Runs one program. Never rejects: failures come back in `startError`, like launchOnce. */
  async run(spec: ServedLaunchSpec): Promise<LaunchResult> {
    return (await this.runBatch(spec, 1))[0];
  }

  /**
   * Runs one program up to `count` times back to back, as hyperfine does, and reports the
   * runs once the last has ended: this process sleeps through all of them. The launcher
   * ends a batch sooner after a run of 20 ms or more (its pid woke this process anyway), a
   * start failure, or a cancel; so the result holds 1 to `count` runs. With a timeout each
   * run is a batch of its own, so that the timeout applies to that run. Never rejects.
   */
  runBatch(spec: ServedLaunchSpec, count: number): Promise<LaunchResult[]> {
    const next = this.queue.then(() => this.runNow(spec, spec.timeoutMs ? 1 : Math.max(1, Math.floor(count))));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Ends the launcher: it exits when its input closes. */
  dispose(): void {
    if (!this.gone) this.child.stdin.end();
  }

  private markGone(why: string): void {
    if (this.gone) return;
    this.gone = why;
    this.pending?.onLauncherGone(why);
  }

  private onData(text: string): void {
    this.buffered += text;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      const reply = parseLauncherReply(line);
      if (reply) this.pending?.onReply(reply);
    }
  }

  private runNow(spec: ServedLaunchSpec, count: number): Promise<LaunchResult[]> {
    return new Promise((resolve) => {
      const result = (extra: Partial<LaunchResult>, sentAt?: bigint, runs = 1): LaunchResult => ({
        wall: 0,
        // In a batch this process sees only the whole: each run gets its share of it.
        wallFromSpawn: sentAt !== undefined ? Number(process.hrtime.bigint() - sentAt) / 1e9 / runs : 0,
        launcher: 'native',
        exitCode: null,
        timedOut: false,
        cancelled: false,
        ...extra,
      });
      if (spec.signal?.aborted) return resolve([result({ cancelled: true, startError: 'cancelled' })]);
      if (this.gone) return resolve([result({ startError: this.gone })]);
      const request = encodeRunRequest(spec.file, spec.args, spec.cwd, spec.env, spec.stderrPath ?? '', count);
      if (!request) return resolve([result({ startError: 'an argument or environment variable holds a NUL byte' })]);

      /** The runs reported so far; the one in progress has not been. */
      const figures: Array<Partial<LaunchResult>> = [];
      let pid: number | undefined;
      let sampler: TreeMemorySampler | undefined;
      let stopSent = false;
      const guard = new RunGuard(spec, () => {
        if (pid !== undefined) killTree(pid);
        // Runs of a batch that have not started yet must not start.
        if (!stopSent && !this.gone) {
          stopSent = true;
          this.child.stdin.write(STOP_REQUEST);
        }
      });
      const endRun = () => {
        sampler?.stop();
        sampler = undefined;
        if (pid !== undefined) live.delete(pid);
        pid = undefined;
      };
      const settle = (extra?: Partial<LaunchResult>) => {
        endRun();
        guard.dispose();
        this.pending = undefined;
        if (extra || figures.length === 0) figures.push(extra ?? { startError: 'the native launcher reported no run' });
        const stops = { timedOut: guard.timedOut, cancelled: guard.cancelled };
        resolve(figures.map((f, i) => result({ ...(i === figures.length - 1 ? stops : {}), ...f }, sentAt, figures.length)));
      };
      const sentAt = process.hrtime.bigint();
      this.pending = {
        spec,
        sentAt,
        onReply: (reply) => {
          if (reply.kind === 'pid') {
            pid = reply.pid;
            track(pid);
            // The launcher reports the pid once the program has run 20 ms (or has ended), so
            // that nothing here wakes during short runs; where it reports at once, wait here.
            const sinceSentMs = Number(process.hrtime.bigint() - sentAt) / 1e6;
            if (spec.sampleMemory) sampler = new TreeMemorySampler(pid, Math.max(0, TREE_SAMPLING_DELAY_MS - sinceSentMs));
            // A timeout or cancel that came before the pid: act on it now.
            guard.killIfStopped();
          } else if (reply.kind === 'error') {
            endRun();
            figures.push({ startError: reply.message });
          } else if (reply.kind === 'done') {
            const peak = sampler?.stop();
            sampler = undefined;
            endRun();
            figures.push(doneFigures(reply, peak));
          } else {
            settle();
          }
        },
        onLauncherGone: (why) => {
          // Nobody can time or reap the program any more: stop it rather than leave it behind.
          if (pid !== undefined) killTree(pid);
          settle({ startError: why });
        },
      };
      this.child.stdin.write(request);
    });
  }
}
