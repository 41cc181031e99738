import { namedPhaseOf, recognizeStep, type NamedPhase } from './phases';
import type { TreeTrace } from './sampler';

/**
 * The anatomy of a traced build: which processes ran when, the chain of them that set
 * the end time (critical path), how well the machine's cores were used, the steps that
 * took longest and the phases they belong to.
 */

export interface TimelineProcess {
  pid: number;
  ppid: number;
  command: string;
  start: number;
  /** Seconds from the start; a process still running when the trace ended ends with it. */
  end: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /** The step it stands for (tsc, cc b.o, npm run build, …) or a phase named in perfpulse.json. */
  phase?: string;
  /** Ran on after the traced command ended (a daemon). */
  outlived?: boolean;
  /** Stands for processes that came and went between two samples. */
  unseen?: boolean;
}

export interface CriticalStep {
  pid: number;
  command: string;
  phase?: string;
  start: number;
  end: number;
}

export interface PhaseSummary {
  name: string;
  start: number;
  end: number;
  /** Time any of its processes was running (the union of their spans). */
  seconds: number;
  cpuSeconds: number;
  processes: number;
}

export interface BuildAnatomy {
  wallSeconds: number;
  cpuSeconds: number;
  cores: number;
  /** CPU time ÷ (wall time × cores): 1 means every core was busy all the time. */
  parallelEfficiency: number;
  peakRssBytes: number;
  intervalSeconds: number;
  processes: TimelineProcess[];
  criticalPath: CriticalStep[];
  /** The longest steps (processes doing work rather than starting others), longest first. */
  topSteps: Array<{ command: string; phase?: string; seconds: number; cpuSeconds: number; shareOfWall: number }>;
  phases: PhaseSummary[];
  /** Steps running at each moment the count changed. */
  concurrency: Array<{ t: number; running: number }>;
  samples: TreeTrace['samples'];
}

function isWrapper(p: TimelineProcess, kids: TimelineProcess[]): boolean {
  const step = recognizeStep(p.command);
  if (step) return step.wrapper;
  if (!kids.length) return false;
  // An unknown program counts as a wrapper when its children ran for most of its life.
  const life = Math.max(p.end - p.start, 1e-9);
  return unionLength(kids.map((k) => [Math.max(k.start, p.start), Math.min(k.end, p.end)])) >= 0.5 * life;
}

function unionLength(spans: Array<[number, number]>): number {
  const sorted = spans.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  let total = 0;
  let curStart = -Infinity;
  let curEnd = -Infinity;
  for (const [a, b] of sorted) {
    if (a > curEnd) {
      if (curEnd > curStart) total += curEnd - curStart;
      curStart = a;
      curEnd = b;
    } else curEnd = Math.max(curEnd, b);
  }
  if (curEnd > curStart) total += curEnd - curStart;
  return total;
}

/**
 * The chain of steps that set a process's end: looking through wrappers, from its end
 * backwards, the child that ended last among those that ended before the step after it
 * started, then the one that ended last before that child started, and so on (as Bazel's
 * analyze-profile and Gradle's build scan walk their graphs).
 */
export function criticalPathOf(rootPid: number, processes: TimelineProcess[], tolerance = 0.05): CriticalStep[] {
  const children = new Map<number, TimelineProcess[]>();
  for (const p of processes) {
    if (p.unseen || p.pid === p.ppid) continue;
    const list = children.get(p.ppid);
    if (list) list.push(p);
    else children.set(p.ppid, [p]);
  }
  const visiting = new Set<number>();
  const chain = (p: TimelineProcess): CriticalStep[] => {
    const self: CriticalStep = { pid: p.pid, command: p.command, ...(p.phase ? { phase: p.phase } : {}), start: p.start, end: p.end };
    const kids = (children.get(p.pid) ?? []).filter((k) => k.end > k.start);
    if (visiting.has(p.pid) || !kids.length || !isWrapper(p, kids)) return [self];
    visiting.add(p.pid);
    const path: CriticalStep[] = [];
    let t = p.end;
    for (;;) {
      let best: TimelineProcess | undefined;
      for (const k of kids) {
        // A predecessor started before the step after it and ended before that step started
        // (give or take the uncertainty of a sampled end).
        if (k.start >= t - 1e-9 || k.end > t + tolerance) continue;
        if (!best || k.end > best.end || (k.end === best.end && k.end - k.start > best.end - best.start)) best = k;
      }
      if (!best) break;
      path.unshift(...chain(best));
      t = best.start;
    }
    visiting.delete(p.pid);
    return path.length ? path : [self];
  };
  const root = processes.find((p) => p.pid === rootPid && !p.unseen);
  return root ? chain(root) : [];
}

export interface AnalyzeOptions {
  rootPid: number;
  wallSeconds: number;
  cores: number;
  namedPhases?: readonly NamedPhase[];
}

export function analyzeTrace(trace: TreeTrace, options: AnalyzeOptions): BuildAnatomy {
  const wall = options.wallSeconds;
  const processes: TimelineProcess[] = trace.processes.map((p) => ({
    pid: p.pid,
    ppid: p.ppid,
    command: p.command,
    start: Math.min(p.start, wall),
    end: Math.min(Math.max(p.end ?? wall, p.start), Math.max(wall, p.end ?? wall)),
    cpuSeconds: p.cpuSeconds,
    peakRssBytes: p.peakRssBytes,
    ...(p.end === undefined ? { outlived: true } : {}),
    ...(p.unseen ? { unseen: true } : {}),
  }));
  assignPhases(processes, options.namedPhases ?? []);
  const cpuSeconds = round(processes.reduce((a, p) => a + p.cpuSeconds, 0));
  const peakFromSamples = trace.samples.reduce((a, s) => Math.max(a, s.rssBytes), 0);
  const peakOfOne = processes.reduce((a, p) => Math.max(a, p.peakRssBytes), 0);
  const cores = Math.max(1, options.cores);
  const steps = processes.filter((p) => !p.unseen && !isWrapper(p, processes.filter((k) => k.ppid === p.pid && !k.unseen)));
  return {
    wallSeconds: round(wall),
    cpuSeconds,
    cores,
    parallelEfficiency: wall > 0 ? round(cpuSeconds / (wall * cores)) : 0,
    peakRssBytes: Math.max(peakFromSamples, peakOfOne),
    intervalSeconds: trace.intervalSeconds,
    processes,
    criticalPath: criticalPathOf(options.rootPid, processes, Math.max(0.05, trace.intervalSeconds)),
    topSteps: steps
      .map((p) => ({ command: p.command, ...(p.phase ? { phase: p.phase } : {}), seconds: round(p.end - p.start), cpuSeconds: p.cpuSeconds, shareOfWall: wall > 0 ? round((p.end - p.start) / wall) : 0 }))
      .sort((a, b) => b.seconds - a.seconds)
      .slice(0, 5),
    phases: phaseSummaries(processes),
    concurrency: concurrencyOf(steps),
    samples: trace.samples,
  };
}

/** Each process's phase: a named one it matches, else the step it is, else its parent's. */
function assignPhases(processes: TimelineProcess[], named: readonly NamedPhase[]): void {
  const byPid = new Map(processes.filter((p) => !p.unseen).map((p) => [p.pid, p]));
  const done = new Set<number>();
  const phaseOf = (p: TimelineProcess, depth = 0): string | undefined => {
    if (done.has(p.pid) || depth > 500) return p.phase;
    const parent = p.ppid === p.pid ? undefined : byPid.get(p.ppid);
    const inherited = parent ? phaseOf(parent, depth + 1) : undefined;
    const step = recognizeStep(p.command);
    // A compiler's own parts (cc1, as, ld) belong to the compile that started them.
    const internal = step?.partOfParent === true;
    const own = step && !step.anonymous ? step.name : undefined;
    const phase = namedPhaseOf(p.command, named) ?? (internal && inherited ? inherited : own) ?? inherited;
    if (phase) p.phase = phase;
    done.add(p.pid);
    return phase;
  };
  for (const p of processes) if (!p.unseen) phaseOf(p);
  // Unseen short processes belong to the phase of the process that reaped them.
  for (const p of processes) {
    const owner = p.unseen ? byPid.get(p.pid) : undefined;
    if (owner?.phase) p.phase = owner.phase;
  }
}

function phaseSummaries(processes: TimelineProcess[]): PhaseSummary[] {
  const groups = new Map<string, TimelineProcess[]>();
  for (const p of processes) {
    if (!p.phase) continue;
    const list = groups.get(p.phase);
    if (list) list.push(p);
    else groups.set(p.phase, [p]);
  }
  return [...groups]
    .map(([name, list]) => ({
      name,
      start: round(Math.min(...list.map((p) => p.start))),
      end: round(Math.max(...list.map((p) => p.end))),
      seconds: round(unionLength(list.map((p) => [p.start, p.end]))),
      cpuSeconds: round(list.reduce((a, p) => a + p.cpuSeconds, 0)),
      processes: list.filter((p) => !p.unseen).length,
    }))
    .sort((a, b) => a.start - b.start || b.seconds - a.seconds);
}

function concurrencyOf(steps: TimelineProcess[]): Array<{ t: number; running: number }> {
  const edges: Array<[number, number]> = [];
  for (const s of steps) {
    if (s.end <= s.start) continue;
    edges.push([s.start, 1], [s.end, -1]);
  }
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: Array<{ t: number; running: number }> = [];
  let running = 0;
  for (const [t, d] of edges) {
    running += d;
    const at = round(t);
    if (out.length && out[out.length - 1].t === at) out[out.length - 1].running = running;
    else out.push({ t: at, running });
  }
  return out;
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
