import { createHash } from 'node:crypto';

/**
 * The stable id of a series: the same benchmark, metric and machine always map
 * to the same id, whichever process (CLI, extension, another clone) recorded it.
 */
export function seriesIdOf(name: string, metric: string, machineId: string): string {
  return createHash('sha1').update(`${name}\u0000${metric}\u0000${machineId}`).digest('hex').slice(0, 16);
}
