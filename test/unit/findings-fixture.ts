import type { RunRecord, SeriesInfo } from '../../src/core/model';

/** The store index's entry for a series held in memory as its runs, oldest first. */
export function seriesInfoOf(runs: RunRecord[]): SeriesInfo {
  return {
    seriesId: runs[0].seriesId,
    name: runs[0].name,
    metric: 'time',
    unit: 's',
    direction: runs[0].direction,
    source: 'benchmark',
    machineId: 'm1',
    runs: runs.length,
    firstTimestamp: runs[0].timestamp,
    lastTimestamp: runs[runs.length - 1].timestamp,
    lastValue: runs[runs.length - 1].value,
  };
}
