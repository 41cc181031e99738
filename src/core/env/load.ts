import * as os from 'node:os';

/** 1, 5 and 15 minute load averages; [0, 0, 0] where the OS has none (Windows). */
export function loadAverage(): number[] {
  return os.loadavg();
}

/**
 * A warning when other work competes for the CPU, or undefined. The threshold is half
 * the cores: beyond that, a benchmark's process is likely to wait for a core.
 */
export function busyMachineWarning(load: number[] = loadAverage(), cores = os.cpus().length || 1): string | undefined {
  const oneMinute = load[0] ?? 0;
  if (oneMinute > cores * 0.5) {
    return `the machine is busy (load average ${oneMinute.toFixed(2)} on ${cores} cores): timings may be noisy`;
  }
  return undefined;
}
