import { sha1 } from './sha1';

/**
 * The stable id of a series: the same benchmark, metric, machine (and suite, when the input has
 * one that keeps series apart) always map to the same id, whichever process (CLI, extension,
 * another clone) recorded it. Without a suite the id is what it always was.
 */
export function seriesIdOf(name: string, metric: string, machineId: string, suite?: string): string {
  const key = suite === undefined ? `${name}\u0000${metric}\u0000${machineId}` : `${name}\u0000${metric}\u0000${machineId}\u0000suite\u0000${suite}`;
  // Hex of the first 8 bytes: the same text as slicing the full hex, without keeping the full hex alive behind a slice.
  return sha1(key).toString('hex', 0, 8);
}
