/**
 * How a measured value and a change of it are put in words, the same in the editor, the CLI,
 * the reports and the trends panel. Pure and dependency-free: the core re-exports it
 * (src/core/format.ts) and the webview bundles it.
 *
 * Series carry normalised units (src/core/parsers/units.ts): `s`, `B`, `ops/s`, `B/s`,
 * `count`, or a harness's own unit string (possibly empty).
 */

/** What a unit measures, which decides the words for a change: slower, larger, more, higher. */
export type MetricKind = 'time' | 'size' | 'count' | 'rate' | 'other';

const TIME_UNITS = new Set(['s', 'ms', 'µs', 'us', 'ns', 'min', 'h']);
const SIZE_UNITS = new Set(['B', 'KiB', 'MiB', 'GiB', 'KB', 'MB', 'GB', 'bytes']);

export function metricKind(unit: string): MetricKind {
  const u = unit.trim();
  if (TIME_UNITS.has(u) || /^(s|ms|µs|us|ns)\/(op|iter)$/.test(u)) return 'time';
  if (SIZE_UNITS.has(u) || /^B\/(op|iter)$/.test(u)) return 'size';
  if (/\/s$/.test(u)) return 'rate';
  if (u === 'count' || u === '' || /^(instr\.?|instructions|allocs|allocs\/op|calls|items|count\/op)$/i.test(u)) return 'count';
  return 'other';
}

/**
 * The word for a change by `ratio` (new / old) of a metric: slower/faster for time,
 * larger/smaller for sizes, more/fewer for counts, higher/lower for rates and anything else.
 * The words say which way the value moved; whether that is better or worse follows from the
 * series' better direction and is said by the finding's kind (regression or improvement).
 * A time whose bigger values are better (a measured duration that should grow) is not
 * "slower": it goes higher or lower.
 */
export function changeWord(unit: string, ratio: number, direction: 'smaller' | 'bigger' = 'smaller'): string {
  const up = ratio >= 1;
  switch (metricKind(unit)) {
    case 'time':
      if (direction === 'bigger') return up ? 'higher' : 'lower';
      return up ? 'slower' : 'faster';
    case 'size':
      return up ? 'larger' : 'smaller';
    case 'count':
      return up ? 'more' : 'fewer';
    default:
      return up ? 'higher' : 'lower';
  }
}

export type DurationUnit = 'ns' | 'µs' | 'ms' | 's';

/** The unit a duration reads best in, and the factor from seconds to it. */
export function durationScale(seconds: number): { unit: DurationUnit; factor: number } {
  const abs = Math.abs(seconds);
  if (abs >= 1 || abs === 0 || !Number.isFinite(abs)) return { unit: 's', factor: 1 };
  if (abs >= 1e-3) return { unit: 'ms', factor: 1e3 };
  if (abs >= 1e-6) return { unit: 'µs', factor: 1e6 };
  return { unit: 'ns', factor: 1e9 };
}

/** "12.1 ms", "850 µs", "1.24 s", "2 min 5 s". Three significant digits. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const abs = Math.abs(seconds);
  if (abs >= 120) {
    const m = Math.floor(abs / 60);
    return `${seconds < 0 ? '-' : ''}${m} min ${Math.round(abs - m * 60)} s`;
  }
  const { unit, factor } = durationScale(seconds);
  return `${sig(seconds * factor)} ${unit}`;
}

/**
 * A duration and its spread in the duration's unit: "215 ms ± 3.21 ms" (not "215 ms ± 3210 µs"),
 * so the two read at a glance; in seconds from a minute on.
 */
export function formatSpread(seconds: number, spread: number): string {
  if (!Number.isFinite(seconds) || !Number.isFinite(spread)) return `${formatSeconds(seconds)} ± ${formatSeconds(spread)}`;
  const { unit, factor } = durationScale(seconds);
  return `${sig(seconds * factor)} ${unit} ± ${sig(spread * factor)} ${unit}`;
}

/** Sizes in binary units, as tools report memory and files: "512 B", "14.2 KiB", "1.5 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i ? sig(v) : Math.round(v)} ${units[i]}`;
}

const SI: Array<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
];

/** A number with an SI prefix from 10,000 up: "9870", "12.3k", "6.18M". */
export function formatScaled(value: number): { number: string; prefix: string } {
  const abs = Math.abs(value);
  if (abs >= 1e4) {
    const [scale, prefix] = SI.find(([s]) => abs >= s) ?? [1, ''];
    return { number: sig(value / scale), prefix };
  }
  return { number: sig(value), prefix: '' };
}

/**
 * A value in its unit, scaled to read well and never with an empty unit: seconds and bytes get
 * their own units, byte rates decimal ones ("6.18 MB/s", as network and disk rates are quoted),
 * other rates and counts an SI prefix ("1.5M ops/s", "45", "12.3k"), and a unit-less value
 * just its number.
 */
export function formatValue(value: number, unit: string): string {
  if (!Number.isFinite(value)) return String(value);
  if (unit === 's') return formatSeconds(value);
  if (unit === 'B') return formatBytes(value);
  const { number, prefix } = formatScaled(value);
  if (unit === 'B/s') return `${number} ${prefix}B/s`;
  if (unit === 'count' || unit.trim() === '') return `${number}${prefix}`;
  return `${number}${prefix} ${unit}`;
}

/**
 * Three significant digits (at least the integer part), without trailing zeros. Rounded half
 * away from zero on the decimal digits as written (6.175 → 6.18), not on the binary value
 * (whose toFixed gives 6.17).
 */
function sig(v: number): string {
  const abs = Math.abs(v);
  // Below 1 (a ratio, a rate in another unit): three significant digits, not "0".
  if (abs > 0 && abs < 1) return Number(v.toPrecision(3)).toString();
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  const rounded = Math.sign(v) * Number(`${Math.round(Number(`${abs}e${digits}`))}e-${digits}`);
  return (Object.is(rounded, -0) ? 0 : rounded).toString();
}
