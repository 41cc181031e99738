/** Human formatting of measured values, shared by the CLI, the editor and reports. */

/** "12.1 ms", "850 µs", "1.24 s", "2 min 5 s". Three significant digits. */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const abs = Math.abs(seconds);
  if (abs >= 120) {
    const m = Math.floor(abs / 60);
    return `${seconds < 0 ? '-' : ''}${m} min ${Math.round(abs - m * 60)} s`;
  }
  if (abs >= 1) return `${sig(seconds)} s`;
  if (abs >= 1e-3) return `${sig(seconds * 1e3)} ms`;
  if (abs >= 1e-6) return `${sig(seconds * 1e6)} µs`;
  if (abs === 0) return '0 s';
  return `${sig(seconds * 1e9)} ns`;
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
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : 2;
  return Number(v.toFixed(digits)).toString();
}
