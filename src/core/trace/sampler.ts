import { environmentHas, listPids, readCommandLine, readMemory, readStat, secondsSinceBoot, TICKS_PER_SECOND, type ProcStat } from './proc-reader';

/**
 * Samples a running process tree from /proc: every process's start and end, command
 * line, CPU time and resident memory, at a set interval.
 *
 * Which processes belong to the tree: the root (started in a session of its own), any
 * process whose parent belongs, anything in the root's session or process group (an
 * orphan re-parented to init stays there), and anything carrying the trace's marker in
 * its environment: a daemon that called setsid() and whose parent died left both the
 * session and the parent links, but it inherited the environment. Only processes started
 * after the root are considered, and each unknown pid is classified once.
 *
 * Processes shorter than an interval, and the part of a process's life after its last
 * sample, are accounted for by the CPU their parent reaped: when a child ends, the
 * kernel adds its whole CPU time (and that of what it reaped) to the parent's cutime and
 * cstime. Between two samples the growth of a live parent's reaped CPU, less what its
 * ended children had used when last seen, is their unseen tail plus any process that
 * came and went unseen. The tail is shared among the ended children by how fast they
 * were using CPU; what a child could not have used in the time left goes to a "short
 * processes" entry of that parent. The caller itself is the root's parent, so the
 * root's own tail is found the same way from the caller's reaped CPU (exact in the CLI,
 * which reaps nothing else meanwhile). The sum over all processes is then the tree's
 * getrusage total, plus what daemons (reaped by init, not by us) used while sampled.
 *
 * Linux only: elsewhere `supported` is false and the trace holds the root alone, timed
 * by the caller (see `unsupportedReason`).
 */

export interface SampledProcess {
  pid: number;
  ppid: number;
  command: string;
  /** Seconds from the trace's origin (the spawn of the root); exact to a clock tick (10 ms). */
  start: number;
  /** Seconds from the origin; estimated within one interval for all but the root. Undefined: still running when sampling stopped. */
  end?: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /** How it was found to belong: by its parent link, its session or group, or the environment marker. */
  joinedBy: 'root' | 'parent' | 'session' | 'marker' | 'unseen';
  /** An entry standing for processes that started and ended between two samples (their CPU, under this parent pid). */
  unseen?: boolean;
}

export interface TreeSample {
  /** Seconds from the origin. */
  t: number;
  /** CPU in use over the last interval, in cores (1 = one core busy). */
  cpuCores: number;
  rssBytes: number;
  processes: number;
}

export interface TreeTrace {
  supported: boolean;
  unsupportedReason?: string;
  intervalSeconds: number;
  processes: SampledProcess[];
  samples: TreeSample[];
  /** Seconds the sampler itself spent (its own CPU can be read by the caller; this is wall time inside sampling passes). */
  samplingSeconds: number;
  passes: number;
}

export const MIN_INTERVAL_SECONDS = 0.1;
export const MAX_INTERVAL_SECONDS = 10;
export const DEFAULT_INTERVAL_SECONDS = 1;

/** Why per-process sampling is not available here, or undefined on Linux. */
export function unsupportedReason(platform: string = process.platform): string | undefined {
  return platform === 'linux' ? undefined : `per-process sampling reads /proc, which ${platform} does not have: the trace holds the command alone`;
}

interface Tracked {
  pid: number;
  startTicks: number;
  ppid: number;
  comm: string;
  command: string;
  start: number;
  lastSeen: number;
  /** CPU at the last sample and at the one before (for the rate). */
  cpu: number;
  prevCpu: number;
  prevSeen: number;
  childCpu: number;
  rss: number;
  peakRss: number;
  tail: number;
  end?: number;
  zombie: boolean;
  joinedBy: SampledProcess['joinedBy'];
  /** First seen with its parent's command line: a fork that may not have exec'd yet. */
  forkOfParent: boolean;
}

export interface SamplerOptions {
  rootPid: number;
  /** `NAME=value` put into the root's environment, inherited by everything it starts. */
  marker: string;
  intervalSeconds: number;
  /** process.hrtime.bigint() just before the root was spawned: the trace's origin. */
  originNs: bigint;
  /** Called after every pass (the live view). */
  onSample?: (sample: TreeSample, live: readonly SampledProcess[]) => void;
}

export class ProcessTreeSampler {
  private readonly tracked = new Map<number, Tracked>();
  private readonly ended: Tracked[] = [];
  private readonly unseen: SampledProcess[] = [];
  /** Pids known not to be ours, dropped once they leave /proc (a pid can then be reused). */
  private readonly foreign = new Set<number>();
  private readonly samples: TreeSample[] = [];
  private readonly originBoot: number;
  private readonly originTicks: number;
  private readonly callerPid = process.pid;
  private callerChildCpu: number;
  private timer: NodeJS.Timeout | undefined;
  private lastPass = 0;
  private samplingNs = 0n;
  private passes = 0;
  /** CPU seconds the tree used since the last pass, as this pass finds it. */
  private passCpu = 0;
  private rootSession: number | undefined;
  readonly supported = unsupportedReason() === undefined;

  constructor(private readonly options: SamplerOptions) {
    const boot = this.supported ? secondsSinceBoot() : undefined;
    const sinceOrigin = Number(process.hrtime.bigint() - options.originNs) / 1e9;
    this.originBoot = (boot ?? 0) - sinceOrigin;
    this.originTicks = Math.floor(this.originBoot * TICKS_PER_SECOND) - 1;
    this.callerChildCpu = this.readCallerChildCpu();
  }

  /** Takes the first sample at once (the root has just been started) and then one per interval. */
  start(): void {
    if (!this.supported) return;
    this.sampleNow();
    this.timer = setInterval(() => this.sampleNow(), this.options.intervalSeconds * 1000);
    this.timer.unref?.();
  }

  private now(): number {
    return Number(process.hrtime.bigint() - this.options.originNs) / 1e9;
  }

  private readCallerChildCpu(): number {
    return (this.supported ? readStat(this.callerPid)?.childCpu : undefined) ?? 0;
  }

  /** One pass over /proc. */
  sampleNow(): void {
    if (!this.supported) return;
    const began = process.hrtime.bigint();
    const t = this.now();
    const dt = Math.max(t - this.lastPass, 1e-3);
    const present = new Set(listPids());
    this.passCpu = 0;
    const vanished: Tracked[] = [];
    const candidates: ProcStat[] = [];
    const childCpuGrowth = new Map<number, number>();
    for (const pid of present) {
      const known = this.tracked.get(pid);
      if (known) {
        const stat = readStat(pid);
        if (!stat || stat.startTicks !== known.startTicks) {
          vanished.push(known);
          if (stat && stat.startTicks >= this.originTicks) candidates.push(stat);
          continue;
        }
        childCpuGrowth.set(pid, Math.max(0, stat.childCpu - known.childCpu));
        this.update(known, stat, t);
        continue;
      }
      if (this.foreign.has(pid)) continue;
      const stat = readStat(pid);
      if (!stat) continue;
      // A process older than the root cannot descend from it.
      if (stat.startTicks < this.originTicks) this.foreign.add(pid);
      else candidates.push(stat);
    }
    for (const [pid, known] of this.tracked) if (!present.has(pid)) vanished.push(known);
    for (const pid of this.foreign) if (!present.has(pid)) this.foreign.delete(pid);
    for (const v of vanished) this.tracked.delete(v.pid);
    this.adopt(candidates, t);

    const callerNow = this.readCallerChildCpu();
    childCpuGrowth.set(this.callerPid, Math.max(0, callerNow - this.callerChildCpu));
    this.callerChildCpu = callerNow;
    const tails = this.accountVanished(vanished, childCpuGrowth, t);

    let rss = 0;
    for (const p of this.tracked.values()) rss += p.rss;
    const sample: TreeSample = { t, cpuCores: Math.max(0, this.passCpu + tails) / dt, rssBytes: rss, processes: this.tracked.size };
    // The first pass sees the root's first instant: no interval to measure over yet.
    if (this.passes > 0) this.samples.push(sample);
    this.lastPass = t;
    this.passes++;
    this.samplingNs += process.hrtime.bigint() - began;
    this.options.onSample?.(sample, [...this.tracked.values()].map((p) => this.toSampled(p)));
  }


  private update(p: Tracked, stat: ProcStat, t: number): void {
    if (stat.comm !== p.comm || p.forkOfParent) {
      // It exec'd another program (the later command is the one doing the work), or, seen
      // as a fork still carrying its parent's command line, it may have exec'd one of the
      // same name since (sh running sh -c …).
      p.comm = stat.comm;
      const command = readCommandLine(p.pid) || stat.comm;
      if (command !== p.command) p.forkOfParent = false;
      p.command = command;
    }
    p.ppid = stat.ppid;
    if (stat.state === 'Z' && !p.zombie) {
      // Exited, not yet reaped: its final CPU is readable; it ended since the last sample.
      p.zombie = true;
      p.end = this.estimateEnd(p, stat.cpu - p.cpu, t);
    }
    this.passCpu += Math.max(0, stat.cpu - p.cpu);
    p.prevCpu = p.cpu;
    p.prevSeen = p.lastSeen;
    p.cpu = stat.cpu;
    p.childCpu = stat.childCpu;
    p.lastSeen = t;
    if (!p.zombie) {
      const memory = readMemory(p.pid);
      p.rss = memory?.rss ?? 0;
      if (memory && memory.peak > p.peakRss) p.peakRss = memory.peak;
    } else p.rss = 0;
  }

  private adopt(candidates: ProcStat[], t: number): void {
    const root = this.options.rootPid;
    // Parents start before their children: in start order, one pass finds whole new subtrees.
    candidates.sort((a, b) => a.startTicks - b.startTicks || a.pid - b.pid);
    let pending = candidates;
    for (let changed = true; changed && pending.length; ) {
      changed = false;
      const rest: ProcStat[] = [];
      for (const c of pending) {
        if (c.pid === root) this.rootSession = c.session;
        const joinedBy: SampledProcess['joinedBy'] | undefined =
          c.pid === root ? 'root'
          : this.tracked.has(c.ppid) ? 'parent'
          : (this.rootSession !== undefined && c.session === this.rootSession) || c.pgrp === root ? 'session'
          : undefined;
        if (joinedBy) {
          this.track(c, joinedBy, t);
          changed = true;
        } else rest.push(c);
      }
      pending = rest;
    }
    for (const c of pending) {
      if (environmentHas(c.pid, this.options.marker)) this.track(c, 'marker', t);
      else this.foreign.add(c.pid);
    }
  }

  private track(stat: ProcStat, joinedBy: SampledProcess['joinedBy'], t: number): void {
    const memory = stat.state === 'Z' ? undefined : readMemory(stat.pid);
    this.passCpu += stat.cpu;
    const start = Math.max(0, Math.min(t, stat.startTicks / TICKS_PER_SECOND - this.originBoot));
    const command = readCommandLine(stat.pid) || stat.comm;
    this.tracked.set(stat.pid, {
      forkOfParent: this.tracked.get(stat.ppid)?.command === command,
      pid: stat.pid,
      startTicks: stat.startTicks,
      ppid: stat.ppid,
      comm: stat.comm,
      command,
      start,
      lastSeen: t,
      prevSeen: start,
      cpu: stat.cpu,
      prevCpu: 0,
      childCpu: stat.childCpu,
      rss: memory?.rss ?? 0,
      peakRss: memory?.peak ?? 0,
      tail: 0,
      zombie: stat.state === 'Z',
      joinedBy,
    });
    // Children it started and reaped before we first saw it: their CPU is in its reaped total already.
    if (stat.childCpu > 0.005) this.unseenUnder(stat.pid, stat.childCpu, start, t);
  }

  private unseenUnder(owner: number, cpuSeconds: number, start: number, end: number): void {
    const parent = this.tracked.get(owner);
    this.unseen.push({
      pid: owner,
      ppid: owner,
      command: `(short processes under ${parent ? parent.command : 'the root'})`,
      start,
      end,
      cpuSeconds,
      peakRssBytes: 0,
      joinedBy: 'unseen',
      unseen: true,
    });
  }

  /** CPU a process was using when last seen, in cores. */
  private rate(p: Tracked): number {
    const span = p.lastSeen - p.prevSeen;
    return span > 1e-3 ? Math.max(0, p.cpu - p.prevCpu) / span : 0;
  }

  /** When a process seen last at `lastSeen` most likely ended, given the CPU it used after that. */
  private estimateEnd(p: Tracked, tail: number, t: number): number {
    const gap = Math.max(0, t - p.lastSeen);
    const rate = this.rate(p);
    // A busy process ended once it had used its tail; an idle one, anywhere in the gap.
    const end = rate >= 0.3 && tail > 0 ? p.lastSeen + Math.min(gap, tail / rate) : p.lastSeen + gap / 2;
    return Math.max(p.start, end);
  }

  /**
   * Ends the processes gone since the last pass and shares out their unseen CPU (see
   * the module comment). Returns the CPU seconds found this way.
   */
  private accountVanished(vanished: Tracked[], growth: Map<number, number>, t: number): number {
    if (!vanished.length && ![...growth.values()].some((g) => g > 0)) return 0;
    const gone = new Map(vanished.map((v) => [v.pid, v]));
    /** The live process (or the caller) that reaped it, through any that vanished with it. */
    const ownerOf = (v: Tracked): number | undefined => {
      let parent = v.ppid;
      for (let hops = 0; hops < 1000; hops++) {
        if (parent === this.callerPid || this.tracked.has(parent)) return parent;
        const up = gone.get(parent);
        if (!up) return undefined;
        parent = up.ppid;
      }
      return undefined;
    };
    const byOwner = new Map<number, Tracked[]>();
    for (const v of vanished) {
      const owner = ownerOf(v);
      if (owner === undefined) continue;
      const list = byOwner.get(owner);
      if (list) list.push(v);
      else byOwner.set(owner, [v]);
    }
    let found = 0;
    for (const [owner, grew] of growth) {
      if (grew <= 0) continue;
      const children = byOwner.get(owner) ?? [];
      let residual = grew;
      for (const v of children) residual -= v.cpu + v.childCpu;
      if (residual <= 0.005) continue;
      found += residual;
      // Each ended child's expected tail: its last CPU rate over the time it had left.
      const expected = children.map((v) => (v.zombie ? 0 : Math.max(this.rate(v), 0.01) * Math.max(0, t - v.lastSeen)));
      const expectedSum = expected.reduce((a, b) => a + b, 0);
      children.forEach((v, i) => {
        if (v.zombie) return;
        const cap = Math.max(0, t - v.lastSeen) * Math.max(1, this.rate(v));
        const share = expectedSum > 0 ? (residual * expected[i]) / expectedSum : residual / children.length;
        v.tail = Math.min(cap, share);
      });
      const left = residual - children.reduce((a, v) => a + v.tail, 0);
      if (left > 0.005) this.unseenUnder(owner, left, this.lastPass, t);
    }
    for (const v of vanished) if (v.end === undefined) v.end = this.estimateEnd(v, v.tail, t);
    // A parent waits for its children: it cannot have ended before them.
    const byDepth = [...vanished].sort((a, b) => b.startTicks - a.startTicks);
    for (const v of byDepth) {
      const parent = gone.get(v.ppid);
      if (parent && v.end !== undefined && parent.end !== undefined && parent.end < v.end) parent.end = Math.min(t, v.end);
    }
    this.ended.push(...vanished);
    return found;
  }

  /** How many of the tree's processes were alive at the last pass. */
  get liveCount(): number {
    return this.tracked.size;
  }

  /** Stops sampling after one last pass (call once the root has been reaped); `rootEnd` in seconds from the origin. */
  finish(rootEnd?: number): TreeTrace {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.supported) this.sampleNow();
    const root = this.ended.find((p) => p.pid === this.options.rootPid);
    if (root && rootEnd !== undefined) root.end = rootEnd;
    const processes = [...this.ended, ...this.tracked.values()].map((p) => this.toSampled(p)).concat(this.unseen);
    processes.sort((a, b) => a.start - b.start || a.pid - b.pid);
    return {
      supported: this.supported,
      ...(this.supported ? {} : { unsupportedReason: unsupportedReason() }),
      intervalSeconds: this.options.intervalSeconds,
      processes,
      samples: this.samples,
      samplingSeconds: Number(this.samplingNs) / 1e9,
      passes: this.passes,
    };
  }

  private toSampled(p: Tracked): SampledProcess {
    return {
      pid: p.pid,
      ppid: p.ppid,
      command: p.command,
      start: p.start,
      ...(p.end !== undefined && (p.zombie || !this.tracked.has(p.pid)) ? { end: p.end } : {}),
      cpuSeconds: round6(p.cpu + p.tail),
      peakRssBytes: p.peakRss,
      joinedBy: p.joinedBy,
    };
  }
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
