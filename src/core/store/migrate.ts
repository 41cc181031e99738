import { createHash } from 'node:crypto';
import type { MachineFingerprint, RunRecord } from '../model';
import { seriesIdOf } from '../series-id';

/** The record format version this code writes. */
export const RECORD_VERSION = 1;

/** The machine of records whose origin machine is unknown (imports of CI histories, very old records). */
export const IMPORT_MACHINE: MachineFingerprint = Object.freeze({
  id: 'import',
  cpuModel: 'unknown',
  cores: 0,
  os: 'unknown',
  arch: 'unknown',
  runtimes: {},
}) as MachineFingerprint;

export class RecordFormatError extends Error {}

/**
 * Brings a stored record of any known version to the current `RunRecord`.
 * Version 0 was the first prototype's shape `{ name, value, time, unit? }`;
 * it is kept so the migration path exists and is exercised.
 * Throws `RecordFormatError` naming what is wrong.
 */
export function migrateRecord(raw: unknown): RunRecord {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new RecordFormatError('record is not a JSON object');
  const r = raw as Record<string, unknown>;
  const v = r.v ?? 0;
  if (v === 1) return checkRecord(r);
  if (v === 0) return checkRecord(fromV0(r) as unknown as Record<string, unknown>);
  if (typeof v === 'number' && v > RECORD_VERSION) {
    throw new RecordFormatError(`record version ${v} was written by a newer Perf Pulse; update the extension to read it`);
  }
  throw new RecordFormatError(`unknown record version ${JSON.stringify(v)}`);
}

function fromV0(r: Record<string, unknown>): RunRecord {
  const name = r.name;
  const value = r.value;
  if (typeof name !== 'string' || typeof value !== 'number') throw new RecordFormatError('version 0 record needs a name and a numeric value');
  const timestamp = typeof r.time === 'number' ? r.time : Date.parse(String(r.time));
  if (!Number.isFinite(timestamp)) throw new RecordFormatError(`version 0 record has no valid time: ${JSON.stringify(r.time)}`);
  const metric = 'time';
  const machine = IMPORT_MACHINE;
  // A content-derived id keeps re-migration and re-import idempotent.
  const id = 'v0-' + createHash('sha1').update(`${name}\u0000${value}\u0000${timestamp}`).digest('hex').slice(0, 20);
  return {
    v: 1,
    id,
    seriesId: seriesIdOf(name, metric, machine.id),
    name,
    metric,
    unit: typeof r.unit === 'string' ? r.unit : 's',
    direction: 'smaller',
    value,
    timestamp,
    vcs: {},
    machine: { ...machine, runtimes: {} },
    source: 'import',
  };
}

const SOURCES = new Set(['benchmark', 'task', 'terminal', 'report', 'import']);

function checkRecord(r: Record<string, unknown>): RunRecord {
  const missing: string[] = [];
  for (const key of ['id', 'seriesId', 'name', 'metric', 'unit'] as const) if (typeof r[key] !== 'string') missing.push(key);
  if (typeof r.value !== 'number') missing.push('value');
  if (typeof r.timestamp !== 'number') missing.push('timestamp');
  if (!r.machine || typeof r.machine !== 'object' || typeof (r.machine as { id?: unknown }).id !== 'string') missing.push('machine.id');
  if (missing.length) throw new RecordFormatError(`record lacks ${missing.join(', ')}`);
  if (r.direction !== 'smaller' && r.direction !== 'bigger') throw new RecordFormatError(`record has direction ${JSON.stringify(r.direction)}`);
  if (typeof r.source !== 'string' || !SOURCES.has(r.source)) throw new RecordFormatError(`record has unknown source ${JSON.stringify(r.source)}`);
  if (!r.vcs || typeof r.vcs !== 'object') r.vcs = {};
  return r as unknown as RunRecord;
}

/** Serialises a record with `v`, `id` and `seriesId` first, so scans can pick them out cheaply. */
export function recordJson(record: RunRecord): string {
  const { v, id, seriesId, ...rest } = record;
  return JSON.stringify({ v: v ?? RECORD_VERSION, id, seriesId, ...rest });
}
