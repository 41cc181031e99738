import { readdirSync, readFileSync } from 'node:fs';
import { CLOCK_TICKS_PER_SECOND as TICKS_PER_SECOND, readSmall } from '../runner/proc';

/**
 * The few /proc reads the trace sampler makes, each through one reused buffer: a
 * sampler that allocated per read would cost more than the processes it watches.
 * Linux only; every reader answers undefined where a file is missing (the process
 * ended while we looked, or this is not Linux).
 */

// USER_HZ and the cheap small-file read are the runner's: one reader of /proc for both.
export { CLOCK_TICKS_PER_SECOND as TICKS_PER_SECOND } from '../runner/proc';

/** What one /proc/<pid>/stat line says, CPU times in seconds. */
export interface ProcStat {
  pid: number;
  /** The short command name (field 2), at most 15 characters. */
  comm: string;
  /** R, S, D, Z (zombie: exited, not yet reaped), … */
  state: string;
  ppid: number;
  pgrp: number;
  session: number;
  /** The process's own user + system CPU. */
  cpu: number;
  /** CPU of the children it has reaped (cutime + cstime), each with what they reaped in turn. */
  childCpu: number;
  /** When it started, in clock ticks since boot: with the pid, identifies a process across pid reuse. */
  startTicks: number;
}

export function parseStat(pid: number, text: string): ProcStat | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  // The name may hold spaces and parentheses: the fields start after the last ')'.
  const f = text.slice(close + 2).split(' ');
  // f[0] is field 3 (state); utime is field 14, starttime field 22.
  const ticks = (i: number) => Number(f[i - 3]);
  const stat: ProcStat = {
    pid,
    comm: text.slice(open + 1, close),
    state: f[0],
    ppid: ticks(4),
    pgrp: ticks(5),
    session: ticks(6),
    cpu: (ticks(14) + ticks(15)) / TICKS_PER_SECOND,
    childCpu: (ticks(16) + ticks(17)) / TICKS_PER_SECOND,
    startTicks: ticks(22),
  };
  return Number.isFinite(stat.startTicks) && Number.isFinite(stat.cpu) ? stat : undefined;
}

export function readStat(pid: number): ProcStat | undefined {
  const text = readSmall(`/proc/${pid}/stat`);
  return text === undefined ? undefined : parseStat(pid, text);
}

function kbField(text: string, name: string): number | undefined {
  const at = text.indexOf(name);
  if (at < 0) return undefined;
  const value = parseInt(text.slice(at + name.length, at + name.length + 32).trim(), 10);
  return Number.isFinite(value) ? value * 1024 : undefined;
}

/** Resident memory now (VmRSS) and its peak so far (VmHWM, exact between samples), in bytes. */
export function readMemory(pid: number): { rss: number; peak: number } | undefined {
  const text = readSmall(`/proc/${pid}/status`);
  if (text === undefined) return undefined;
  const rss = kbField(text, 'VmRSS:');
  if (rss === undefined) return undefined; // a zombie or a kernel thread
  return { rss, peak: kbField(text, 'VmHWM:') ?? rss };
}

/** The command line, arguments joined by spaces (at most `max` characters); undefined once gone. */
export function readCommandLine(pid: number, max = 1000): string | undefined {
  const text = readSmall(`/proc/${pid}/cmdline`);
  if (text === undefined) return undefined;
  const line = text.split('\0').filter((a) => a.length > 0).join(' ');
  return line.length > max ? line.slice(0, max - 1) + '…' : line;
}

/** Whether the process's environment holds `entry` (NAME=value). Unreadable (another user's): false. */
export function environmentHas(pid: number, entry: string): boolean {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return false;
  }
  return text.startsWith(entry + '\0') || text.includes('\0' + entry + '\0') || text === entry;
}

/** The pids in /proc now. */
export function listPids(): number[] {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) out.push(Number(name));
  }
  return out;
}

/** Seconds since boot (CLOCK_BOOTTIME, the clock of a process's start time), at 10 ms resolution. */
export function secondsSinceBoot(): number | undefined {
  const text = readSmall('/proc/uptime');
  const value = text === undefined ? NaN : Number(text.split(' ')[0]);
  return Number.isFinite(value) ? value : undefined;
}
