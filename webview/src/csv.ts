/** CSV export of a series. Pure, RFC 4180 quoting. */
import type { SeriesDetail } from '../../src/protocol/trends';

export function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = typeof value === 'number' ? (Number.isFinite(value) ? String(value) : '') : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One line per run, oldest first, with the unit in the header and ISO dates. */
export function seriesToCsv(detail: SeriesDetail): string {
  const unit = detail.series.unit;
  const header = ['run', 'timestamp', 'commit', 'branch', 'machine', 'message', `value (${unit})`, `lo (${unit})`, `hi (${unit})`, 'n', 'p50', 'p90', 'p95', 'p99', 'change point'];
  const changeAt = new Map(detail.changePoints.map((c) => [c.index, c]));
  const lines = detail.runs.map((r, i) => {
    const cp = changeAt.get(i);
    return [
      i,
      new Date(r.timestamp).toISOString(),
      r.commit,
      r.branch,
      r.machine,
      r.message,
      r.value,
      r.lo,
      r.hi,
      r.n,
      r.percentiles?.p50,
      r.percentiles?.p90,
      r.percentiles?.p95,
      r.percentiles?.p99,
      cp ? `${cp.kind} x${cp.ratio.toFixed(4)}` : undefined,
    ]
      .map(csvField)
      .join(',');
  });
  return [header.map(csvField).join(','), ...lines].join('\r\n') + '\r\n';
}

/** A file name from a series name: letters, digits, dot, dash and underscore only. */
export function exportFileName(seriesName: string, extension: string): string {
  const base = seriesName.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'series';
  return `${base}.${extension}`;
}
