import { randomUUID } from 'node:crypto';
import { availableParallelism, constants } from 'node:os';
import { startWatched } from '../runner/launch';
import { ProcessTreeSampler, type SampledProcess, type TreeSample, type TreeTrace } from './sampler';

/** The environment variable that marks every process of one trace (see sampler.ts). */
export const TRACE_MARKER_ENV = 'PERF_PULSE_TRACE';

export interface TraceRunOptions {
  file: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  intervalSeconds: number;
  signal?: AbortSignal;
  /** Where the command's output goes: the caller's (default), stdout onto stderr (the caller prints a report on stdout), or nowhere. */
  output?: 'inherit' | 'stderr' | 'ignore';
  onSample?: (sample: TreeSample, live: readonly SampledProcess[]) => void;
}

export interface TraceRun {
  /** The command's exit code; 128 + the signal number when a signal ended it; undefined when it did not start. */
  exitCode?: number;
  signal?: string;
  startError?: string;
  rootPid?: number;
  wallSeconds: number;
  cores: number;
  trace: TreeTrace;
}


/**
 * Runs a command under the sampler (through the gated launch path) and returns its
 * trace once it has ended. Sampling stops with the command: processes it left running
 * (daemons) are reported as running on, not stopped.
 */
export async function runTraced(options: TraceRunOptions): Promise<TraceRun> {
  const marker = `${TRACE_MARKER_ENV}=${randomUUID()}`;
  const env = { ...options.env, [TRACE_MARKER_ENV]: marker.slice(TRACE_MARKER_ENV.length + 1) };
  const child = startWatched({ file: options.file, args: options.args, cwd: options.cwd, env, signal: options.signal, output: options.output }, `trace ${options.file}`);
  const cores = availableParallelism();
  const sampler = child.pid !== undefined ? new ProcessTreeSampler({ rootPid: child.pid, marker, intervalSeconds: options.intervalSeconds, originNs: child.originNs, onSample: options.onSample }) : undefined;
  sampler?.start();
  const exit = await child.exited;
  const wallSeconds = Number(exit.endNs - child.originNs) / 1e9;
  if (options.signal?.aborted && sampler) {
    // Cancelled: the whole tree was sent SIGKILL, which each process acts on when it next
    // runs. Watch them go (up to 2 s) so that every one gets its end.
    for (let i = 0; i < 100 && sampler.liveCount > 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      sampler.sampleNow();
    }
  }
  const trace: TreeTrace = sampler?.finish(wallSeconds) ?? { supported: false, unsupportedReason: 'the command did not start', intervalSeconds: options.intervalSeconds, processes: [], samples: [], samplingSeconds: 0, passes: 0 };
  if (!trace.supported && child.pid !== undefined) {
    // Elsewhere than Linux: the command alone, timed by us.
    trace.processes = [{ pid: child.pid, ppid: process.pid, command: [options.file, ...options.args].join(' '), start: 0, end: wallSeconds, cpuSeconds: 0, peakRssBytes: 0, joinedBy: 'root' }];
  }
  const exitCode = exit.code ?? (exit.signal ? 128 + (constants.signals[exit.signal] ?? 0) : undefined);
  return {
    ...(exit.startError ? { startError: exit.startError } : { exitCode }),
    ...(exit.signal ? { signal: exit.signal } : {}),
    ...(child.pid !== undefined ? { rootPid: child.pid } : {}),
    wallSeconds,
    cores,
    trace,
  };
}
