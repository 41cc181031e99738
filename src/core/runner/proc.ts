import { execFile } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';

/**
 * Process facts read from Linux's /proc. Every function degrades to "unknown"
 * (undefined / empty) elsewhere, so callers can say which method they used.
 */

const IS_LINUX = process.platform === 'linux';

/** USER_HZ: the unit of the CPU times in /proc/<pid>/stat; 100 on every mainstream Linux ABI. */
export const CLOCK_TICKS_PER_SECOND = 100;

const smallFileBuffer = Buffer.alloc(16384);

/** Reads a small /proc file into a reused buffer (far cheaper than readFileSync, which matters while timing). */
export function readSmall(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const n = readSync(fd, smallFileBuffer, 0, smallFileBuffer.length, 0);
    return smallFileBuffer.toString('latin1', 0, n);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function statFields(text: string): string[] {
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const close = text.lastIndexOf(')');
  return text.slice(close + 2).split(' ');
}

/**
 * CPU seconds of this process's reaped children (cutime, cstime). The kernel adds a
 * child's exact CPU time (and that of the descendants it waited for) when it is
 * reaped, so the difference across one run is that run's CPU time, at clock-tick
 * resolution. Undefined off Linux. In a process that reaps other children at the same
 * time (an editor's extension host running git, say), their CPU lands here too: the
 * CLI, which starts nothing else while measuring, gives the clean figure.
 */
export function reapedChildrenCpu(): { user: number; system: number } | undefined {
  if (!IS_LINUX) return undefined;
  try {
    const f = statFields(readFileSync('/proc/self/stat', 'latin1'));
    // After the name: state(3) ppid(4) ... utime(14) stime(15) cutime(16) cstime(17); f[0] is field 3.
    return { user: Number(f[13]) / CLOCK_TICKS_PER_SECOND, system: Number(f[14]) / CLOCK_TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/**
 * Nanoseconds this process's main thread has spent runnable but waiting for a CPU
 * (the second field of schedstat). Undefined off Linux or without schedstats.
 */
export function mainThreadRunDelay(): number | undefined {
  if (!IS_LINUX) return undefined;
  const text = readSmall(`/proc/self/task/${process.pid}/schedstat`);
  if (text === undefined) return undefined;
  const value = Number(text.split(' ')[1]);
  return Number.isFinite(value) ? value : undefined;
}

interface ProcEntry {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
}

/**
 * Processes known not to belong to any tree we started: read once, then skipped, so
 * that walking /proc on a machine with hundreds of processes costs little. A pid is
 * reused only after the kernel's pid counter wraps, which is rare within one run;
 * the set is dropped when it grows large so that stale entries cannot pile up.
 */
const foreign = new Set<number>();

function listProcesses(rootPid: number): ProcEntry[] {
  const out: ProcEntry[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  if (foreign.size > 50_000) foreign.clear();
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(name);
    // Older processes that were not ours cannot have become ours.
    if (pid < rootPid && foreign.has(pid)) continue;
    const text = readSmall(`/proc/${name}/stat`);
    if (text === undefined) continue; // the process ended while we looked
    const f = statFields(text);
    out.push({ pid, ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]) });
  }
  return out;
}

/**
 * The live processes of the tree started as `rootPid` (which leads its own session):
 * every descendant by parent links, plus anything left in its session or group
 * (orphans re-parented to init stay in the session). Linux only; [] elsewhere.
 */
export function processTree(rootPid: number): number[] {
  if (!IS_LINUX) return [];
  const all = listProcesses(rootPid);
  const children = new Map<number, number[]>();
  for (const p of all) {
    const list = children.get(p.ppid);
    if (list) list.push(p.pid);
    else children.set(p.ppid, [p.pid]);
  }
  const found = new Set<number>();
  for (const p of all) if (p.pid === rootPid || p.session === rootPid || p.pgrp === rootPid) found.add(p.pid);
  const queue = [...found];
  while (queue.length) {
    const pid = queue.pop()!;
    for (const child of children.get(pid) ?? []) {
      if (!found.has(child)) {
        found.add(child);
        queue.push(child);
      }
    }
  }
  // Anything older than the root that is not in the tree now never will be.
  for (const p of all) if (p.pid < rootPid && !found.has(p.pid)) foreign.add(p.pid);
  return [...found];
}


function kbField(text: string, name: string): number | undefined {
  const at = text.indexOf(name);
  if (at < 0) return undefined;
  const value = parseInt(text.slice(at + name.length, at + name.length + 32).trim(), 10);
  return Number.isFinite(value) ? value * 1024 : undefined;
}

/**
 * Current and peak resident memory of one live process, in bytes (VmRSS, VmHWM).
 * Read with one reused buffer: this runs while a benchmark is being timed.
 */
export function processMemory(pid: number): { rss: number; peak: number } | undefined {
  if (!IS_LINUX) return undefined;
  const text = readSmall(`/proc/${pid}/status`);
  if (text === undefined) return undefined;
  const rss = kbField(text, 'VmRSS:');
  const peak = kbField(text, 'VmHWM:');
  if (rss === undefined || peak === undefined) return undefined; // a zombie has no memory left
  return { rss, peak };
}

/**
 * Samples the peak memory of a running process tree. The root's own peak is read
 * often (one small file); the whole tree is discovered less often, because finding
 * descendants means scanning /proc. The result is the larger of the biggest single
 * process peak (VmHWM, exact per process) and the largest sum of the tree's resident
 * sizes seen at one moment.
 */
export class TreeMemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private peak = 0;
  private samples = 0;
  private readonly startedAt = Date.now();
  /** No tree walk in the first moments: most commands are one process, and short ones must not be disturbed. */
  private lastTreeScan = Date.now();
  private tree: number[] = [];

  /**
   * `firstSampleMs`: when to look first. Through the native launcher the largest
   * process's peak is known exactly from wait4, so the sampler only has to catch trees
   * of processes and can leave short runs undisturbed.
   */
  constructor(
    private readonly rootPid: number,
    firstSampleMs = 1,
  ) {
    if (IS_LINUX) this.schedule(firstSampleMs);
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.sample();
      const elapsed = Date.now() - this.startedAt;
      // Dense at first (short commands), sparser later so long runs are not disturbed.
      this.schedule(Math.min(50, Math.max(2, elapsed / 4)));
    }, delayMs);
    this.timer.unref?.();
  }

  sample(): void {
    const now = Date.now();
    if (now - this.lastTreeScan >= Math.max(30, (now - this.startedAt) / 2)) {
      this.tree = processTree(this.rootPid);
      this.lastTreeScan = now;
    }
    const pids = this.tree.length ? this.tree : [this.rootPid];
    let sum = 0;
    let alive = 0;
    for (const pid of pids) {
      const m = processMemory(pid);
      if (!m) continue;
      alive++;
      sum += m.rss;
      if (m.peak > this.peak) this.peak = m.peak;
    }
    if (sum > this.peak) this.peak = sum;
    if (alive) this.samples++;
  }

  /** Stops sampling; the peak in bytes, or undefined when no sample caught the process alive. */
  stop(): number | undefined {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    return this.samples > 0 ? this.peak : undefined;
  }
}

/** True while a process with this id exists (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  if (IS_LINUX) {
    try {
      const f = statFields(readFileSync(`/proc/${pid}/stat`, 'latin1'));
      return f[0] !== 'Z' && f[0] !== 'X';
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Kills a whole process tree started with `detached: true` (its own process group):
 * the group at once, then any descendant that moved to another group. On Windows,
 * `taskkill /T /F` does the walk.
 */
export function killTree(rootPid: number): void {
  if (process.platform === 'win32') {
    try {
      execFile('taskkill', ['/pid', String(rootPid), '/T', '/F'], { windowsHide: true }, () => undefined);
    } catch {
      // Nothing left to kill.
    }
    return;
  }
  const stragglers = processTree(rootPid);
  try {
    process.kill(-rootPid, 'SIGKILL');
  } catch {
    // The group is already gone.
  }
  for (const pid of stragglers) {
    if (pid === process.pid) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}
