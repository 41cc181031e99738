import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Process facts read from Linux's /proc. Every function degrades to "unknown"
 * (undefined / empty) elsewhere, so callers can say which method they used.
 */

const IS_LINUX = process.platform === 'linux';

/** USER_HZ: the unit of the CPU times in /proc/<pid>/stat; 100 on every mainstream Linux ABI. */
export const CLOCK_TICKS_PER_SECOND = 100;

function statFields(text: string): string[] {
  // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
  const close = text.lastIndexOf(')');
  return text.slice(close + 2).split(' ');
}

/**
 * CPU seconds of this process's reaped children (cutime, cstime). The kernel adds a
 * child's exact CPU time (and that of the descendants it waited for) when it is
 * reaped, so the difference across one run is that run's CPU time, at clock-tick
 * resolution. Undefined off Linux.
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

interface ProcEntry {
  pid: number;
  ppid: number;
  pgrp: number;
  session: number;
}

function listProcesses(): ProcEntry[] {
  const out: ProcEntry[] = [];
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    try {
      const f = statFields(readFileSync(`/proc/${name}/stat`, 'latin1'));
      out.push({ pid: Number(name), ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]) });
    } catch {
      // The process ended while we looked.
    }
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
  const all = listProcesses();
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
  return [...found];
}

/** Current and peak resident memory of one live process, in bytes (VmRSS, VmHWM). */
export function processMemory(pid: number): { rss: number; peak: number } | undefined {
  if (!IS_LINUX) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'latin1');
    const rss = /VmRSS:\s+(\d+) kB/.exec(text);
    const hwm = /VmHWM:\s+(\d+) kB/.exec(text);
    if (!rss || !hwm) return undefined; // a zombie has no memory left
    return { rss: Number(rss[1]) * 1024, peak: Number(hwm[1]) * 1024 };
  } catch {
    return undefined;
  }
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
  private lastTreeScan = 0;
  private tree: number[] = [];

  constructor(private readonly rootPid: number) {
    if (IS_LINUX) this.schedule(1);
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
    if (now - this.lastTreeScan >= Math.max(20, (now - this.startedAt) / 2)) {
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
