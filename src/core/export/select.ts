import type { RunRecord } from '../model';

export interface ExportSelection {
  /** Only these series ids (default: all). */
  seriesIds?: string[];
  /** Every run instead of only the latest run of each series. */
  allRuns?: boolean;
}

/**
 * The records an export sends: by default the latest run of each series
 * (monitoring systems want the current value, not the archive), newest by
 * timestamp with the id breaking ties so that the choice is stable.
 */
export async function selectForExport(records: AsyncIterable<RunRecord> | Iterable<RunRecord>, selection: ExportSelection = {}): Promise<RunRecord[]> {
  const wanted = selection.seriesIds?.length ? new Set(selection.seriesIds) : undefined;
  const all: RunRecord[] = [];
  const latest = new Map<string, RunRecord>();
  for await (const r of records) {
    if (wanted && !wanted.has(r.seriesId)) continue;
    if (selection.allRuns) {
      all.push(r);
      continue;
    }
    const had = latest.get(r.seriesId);
    if (!had || r.timestamp > had.timestamp || (r.timestamp === had.timestamp && r.id > had.id)) latest.set(r.seriesId, r);
  }
  const chosen = selection.allRuns ? all : [...latest.values()];
  return chosen.sort((a, b) => (a.seriesId < b.seriesId ? -1 : a.seriesId > b.seriesId ? 1 : a.timestamp - b.timestamp));
}
