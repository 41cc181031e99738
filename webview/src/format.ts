/** Number formatting for the panel. Pure: unit tests run it in Node. */

const TIME_UNITS: [number, string][] = [
  [3600, 'h'],
  [60, 'min'],
  [1, 's'],
  [1e-3, 'ms'],
  [1e-6, 'µs'],
  [1e-9, 'ns'],
];
const BYTE_UNITS: [number, string][] = [
  [1024 ** 3, 'GiB'],
  [1024 ** 2, 'MiB'],
  [1024, 'KiB'],
  [1, 'B'],
];

function threeDigits(x: number): string {
  const a = Math.abs(x);
  const digits = a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return x.toFixed(digits);
}

/** A value with its unit scaled to read well: 0.00123 s → "1.23 ms", 2048 B → "2.00 KiB". */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return '–';
  const table = unit === 's' ? TIME_UNITS : unit === 'B' ? BYTE_UNITS : unit === 'B/s' ? BYTE_UNITS : undefined;
  if (table) {
    const suffix = unit === 'B/s' ? '/s' : '';
    const a = Math.abs(value);
    if (a === 0) return `0 ${table[table.length - 2][1]}${suffix}`;
    if (unit === 's' && a >= 60) return `${threeDigits(value / 60)} min`;
    const [scale, name] = table.find(([s]) => a >= s) ?? table[table.length - 1];
    return `${threeDigits(value / scale)} ${name}${suffix}`;
  }
  const a = Math.abs(value);
  const prefixes: [number, string][] = [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  const hit = prefixes.find(([s]) => a >= s);
  const text = hit ? `${threeDigits(value / hit[0])}${hit[1]}` : a >= 1 || a === 0 ? threeDigits(value) : value.toPrecision(3);
  return unit && unit !== 'count' ? `${text} ${unit}` : text;
}

/** A ratio as a signed percentage: 1.123 → "+12.3%", 0.9 → "−10.0%". */
export function formatChange(ratio: number | undefined): string {
  if (ratio === undefined || !Number.isFinite(ratio)) return '–';
  const pct = (ratio - 1) * 100;
  if (Math.abs(pct) < 0.05) return '±0.0%';
  return `${pct > 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)}%`;
}

/** Whether a change of this ratio is bad news given which way is better. */
export function isWorse(ratio: number | undefined, direction: 'smaller' | 'bigger'): boolean {
  if (ratio === undefined) return false;
  return direction === 'smaller' ? ratio > 1 : ratio < 1;
}

export function formatPValue(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return '';
  return p < 0.001 ? 'p < 0.001' : `p = ${p.toFixed(3)}`;
}

/** Epoch ms → "2026-01-05 14:03" in UTC, so screenshots and tests are stable across time zones. */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '–';
  return d.toISOString().slice(0, 16).replace('T', ' ');
}
