import type { RunRecord, SeriesInfo } from '../model';
import { StoreError } from './errors';
import { migrateRecord } from './migrate';

/**
 * What the store keeps of a series without reading its runs (`SeriesInfo`: run count, first and
 * last time, latest value and names), built and updated from records; and the checks a record
 * passes before it is stored.
 */

/** A shallow copy of a record checked for storing (validation may fill in defaults; the caller's object stays untouched). */
export function checkedRecord(r: RunRecord, i: number): RunRecord {
  try {
    return migrateRecord({ ...r });
  } catch (err) {
    throw new StoreError(`Refusing to store record ${i} (${r?.name ?? r?.id ?? '?'}): ${(err as Error).message}`);
  }
}

/** Whether two records of one series describe the same run (their ids aside). */
export function sameRun(a: RunRecord, b: RunRecord): boolean {
  return a.timestamp === b.timestamp && a.value === b.value &&
    (a.vcs?.commit ?? '') === (b.vcs?.commit ?? '') && (a.vcs?.branch ?? '') === (b.vcs?.branch ?? '') && Boolean(a.vcs?.dirty) === Boolean(b.vcs?.dirty);
}

/** Counts one more run of the series; the latest run (ties: the later one) gives the names and the value. */
export function updateInfo(info: SeriesInfo, record: RunRecord): void {
  info.runs++;
  if (record.timestamp < info.firstTimestamp) info.firstTimestamp = record.timestamp;
  if (record.timestamp >= info.lastTimestamp) {
    info.lastTimestamp = record.timestamp;
    info.lastValue = record.value;
    info.name = record.name;
    info.unit = record.unit;
    info.direction = record.direction;
    info.source = record.source;
    if (record.group !== undefined) info.group = record.group;
    if (record.location) info.location = record.location;
  }
}

/** The info of a series made of these runs. */
export function infoFrom(runs: RunRecord[]): SeriesInfo {
  const first = runs[0];
  const info: SeriesInfo = {
    seriesId: first.seriesId,
    name: first.name,
    metric: first.metric,
    unit: first.unit,
    direction: first.direction,
    source: first.source,
    machineId: first.machine.id,
    runs: 0,
    firstTimestamp: first.timestamp,
    lastTimestamp: first.timestamp,
    lastValue: first.value,
  };
  if (first.group !== undefined) info.group = first.group;
  if (first.location) info.location = first.location;
  for (const r of runs) updateInfo(info, r);
  return info;
}

/** Merges what `from` says of later runs into `into`, as `updateInfo` would record by record. */
export function mergeInfo(into: SeriesInfo, from: SeriesInfo): void {
  const runs = into.runs + from.runs;
  if (from.firstTimestamp < into.firstTimestamp) into.firstTimestamp = from.firstTimestamp;
  if (from.lastTimestamp >= into.lastTimestamp) {
    into.lastTimestamp = from.lastTimestamp;
    into.lastValue = from.lastValue;
    into.name = from.name;
    into.unit = from.unit;
    into.direction = from.direction;
    into.source = from.source;
    if (from.group !== undefined) into.group = from.group;
    if (from.location) into.location = from.location;
  }
  into.runs = runs;
}
