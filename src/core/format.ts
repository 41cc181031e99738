/**
 * Human formatting of measured values, shared by the CLI, the editor and reports: the one way
 * every CLI command prints a duration (tables, lists, progress, summaries).
 */

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

/** A value in its unit: seconds and bytes get scaled units, others keep theirs. */
export function formatValue(value: number, unit: string): string {
  if (unit === 's') return formatSeconds(value);
  if (unit === 'B') return formatBytes(value);
  return `${sig(value)} ${unit}`;
}

/** "+18%", "-4.2%" from a ratio new/old. */
export function formatChange(ratio: number): string {
  const pct = (ratio - 1) * 100;
  const digits = Math.abs(pct) < 10 ? 1 : 0;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(digits)}%`;
}

function sig(v: number): string {
  const abs = Math.abs(v);
  // Below 1 (a ratio, a rate in another unit): three significant digits, not "0".
  if (abs > 0 && abs < 1) return Number(v.toPrecision(3)).toString();
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return Number(v.toFixed(digits)).toString();
}
