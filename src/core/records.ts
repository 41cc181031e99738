import { randomUUID } from 'node:crypto';
import type { MachineFingerprint, Measurement, RecordSource, RunRecord, VcsInfo } from './model';
import { seriesIdOf } from './series-id';
import { summarize } from './stats/summary';

export interface RecordContext {
  source: RecordSource;
  machine: MachineFingerprint;
  vcs: VcsInfo;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** Overrides the measurement's own group (e.g. the task group). */
  group?: string;
  config?: Record<string, unknown>;
  extra?: RunRecord['extra'];
}

/** A fresh, unique record id. */
export function newRecordId(): string {
  return randomUUID();
}

/** Turns one parsed or captured measurement into a history record. */
export function recordFromMeasurement(m: Measurement, ctx: RecordContext): RunRecord {
  const metric = m.metric ?? 'time';
  const record: RunRecord = {
    v: 1,
    id: newRecordId(),
    seriesId: seriesIdOf(m.series, metric, ctx.machine.id),
    name: m.series,
    metric,
    unit: m.unit,
    direction: m.direction,
    value: m.value,
    timestamp: ctx.timestamp,
    vcs: ctx.vcs,
    machine: ctx.machine,
    source: ctx.source,
  };
  if (m.samples?.length) {
    record.samples = m.samples;
    if (m.samples.length > 1) record.summary = summarize(m.samples, { seed: 1 });
  }
  if (m.spread) record.spread = m.spread;
  const group = ctx.group ?? m.group;
  if (group) record.group = group;
  if (m.location) record.location = m.location;
  if (ctx.config) record.config = ctx.config;
  if (ctx.extra) record.extra = ctx.extra;
  return record;
}

/** A single timed duration (a task, a terminal command) as a record. */
export function durationRecord(name: string, seconds: number, ctx: RecordContext): RunRecord {
  return recordFromMeasurement({ series: name, unit: 's', direction: 'smaller', value: seconds }, ctx);
}
