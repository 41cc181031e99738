// What the kernel says about a process: CPU time used so far, whether it lives, what it runs.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** The resolution of cpuMs(): one clock tick. */
export function cpuResolutionMs(): number {
  return 1000 / clockTicks();
}

/** User + system CPU time the process has used, in ms (from /proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces and parentheses; the fields after the last ')' do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`/proc/${pid}/stat: unexpected format`);
  return ((utime + stime) * 1000) / clockTicks();
}

export function isAlive(pid: number): boolean {
  return fs.existsSync(`/proc/${pid}`);
}

export function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** An extension host of VS Code's server is a Node process started with --type=extensionHost. */
export function isExtensionHost(pid: number): boolean {
  return /extensionHost/.test(commandLine(pid));
}
