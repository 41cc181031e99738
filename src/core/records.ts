import { randomUUID } from 'node:crypto';
import type { MachineFingerprint, Measurement, RecordSource, RunRecord, VcsInfo } from './model';
import { seriesIdOf } from './series-id';
import { summarize } from './stats/summary';
import { RECORD_VERSION } from './store/migrate';

export interface RecordContext {
  source: RecordSource;
  machine: MachineFingerprint;
  vcs: VcsInfo;
  /** Milliseconds since the epoch. */
  timestamp: number;
  /** Overrides the measurement's own group (e.g. the task group). */
  group?: string;
  /** The group when neither `group` nor the measurement names one (e.g. the harness format). */
  defaultGroup?: string;
  /** The record id; default: a fresh unique one. */
  id?: string;
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
    v: RECORD_VERSION,
    id: ctx.id ?? newRecordId(),
    seriesId: seriesIdOf(m.series, metric, ctx.machine.id, m.suite),
    name: m.series,
    metric,
    unit: m.unit,
    direction: m.direction,
    value: m.value,
    timestamp: ctx.timestamp,
    vcs: { ...ctx.vcs },
    machine: ctx.machine,
    source: ctx.source,
  };
  if (m.samples?.length) {
    record.samples = m.samples;
    // The seeded bootstrap is cheap for harness-sized sample sets; skipped for huge ones.
    if (m.samples.length > 1) record.summary = summarize(m.samples, { seed: 1, bootstrap: m.samples.length <= 5000 });
  }
  if (m.spread) record.spread = m.spread;
  const group = ctx.group ?? m.group ?? ctx.defaultGroup;
  if (group) record.group = group;
  if (m.location) record.location = m.location;
  if (ctx.config) record.config = ctx.config;
  const extra = { ...m.tags, ...(m.iterations !== undefined ? { iterations: m.iterations } : {}), ...ctx.extra };
  if (Object.keys(extra).length) record.extra = extra;
  return record;
}

/** A single timed duration (a task, a terminal command) as a record. */
export function durationRecord(name: string, seconds: number, ctx: RecordContext): RunRecord {
  return recordFromMeasurement({ series: name, unit: 's', direction: 'smaller', value: seconds }, ctx);
}
