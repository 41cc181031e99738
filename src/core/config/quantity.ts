import { lookupTable } from '../own-keys';

/** Parses the durations and limits people write in perfpulse.json ("2ms", "60s", "512MB", or a bare number). */

const TIME_UNITS = lookupTable<number>({ ns: 1e-9, us: 1e-6, 'µs': 1e-6, ms: 1e-3, s: 1, min: 60, m: 60, h: 3600 });
const SIZE_UNITS = lookupTable<number>({ B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 });

export interface Quantity {
  value: number;
  /** The normalised unit the value is in: 's', 'B', or undefined for a bare number. */
  unit?: 's' | 'B';
}

export function parseQuantity(input: number | string): Quantity {
  if (typeof input === 'number') return { value: input };
  const match = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Zµ]+)\s*$/.exec(input);
  if (!match) throw new Error(`"${input}" is not a number with a unit such as 2ms, 60s or 512MB`);
  const [, amount, unit] = match;
  if (unit in TIME_UNITS) return { value: Number(amount) * TIME_UNITS[unit], unit: 's' };
  if (unit in SIZE_UNITS) return { value: Number(amount) * SIZE_UNITS[unit], unit: 'B' };
  throw new Error(`unknown unit "${unit}" in "${input}"`);
}

/** Seconds from a duration setting (number = seconds). */
export function parseDuration(input: number | string): number {
  const q = parseQuantity(input);
  if (q.unit && q.unit !== 's') throw new Error(`"${input}" is not a duration`);
  return q.value;
}
