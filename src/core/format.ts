/**
 * Human formatting of measured values, shared by the CLI, the editor and reports: the one way
 * every CLI command prints a duration (tables, lists, progress, summaries).
 */

// Values in their units and the words for a change live in src/protocol/units.ts, so the
// trends panel (which may import only src/protocol/) writes them exactly as the rest does.
export {
  changeWord,
  durationScale,
  formatBytes,
  formatScaled,
  formatSeconds,
  formatSpread,
  formatValue,
  metricKind,
  type DurationUnit,
  type MetricKind,
} from '../protocol/units';

/** "+18%", "-4.2%" from a ratio new/old. */
export function formatChange(ratio: number): string {
  const pct = (ratio - 1) * 100;
  const digits = Math.abs(pct) < 10 ? 1 : 0;
  return `${pct >= 0 ? '+' : ''}${pct.toFixed(digits)}%`;
}
