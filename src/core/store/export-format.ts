import type { RunRecord } from '../model';
import { migrateRecord, RecordFormatError } from './migrate';

/**
 * The export formats. JSON is one document `{ format, version, records }`;
 * CSV has one row per run with the flat fields in their own columns (for
 * spreadsheets) and the nested ones as JSON cells, so both read back exactly.
 */
export const EXPORT_FORMAT = 'perf-pulse-history';
export const EXPORT_VERSION = 1;

export function jsonExportOpen(): string {
  return `{"format":"${EXPORT_FORMAT}","version":${EXPORT_VERSION},"records":[\n`;
}

export function jsonExportClose(): string {
  return '\n]}\n';
}

const COLUMNS = [
  'id', 'seriesId', 'name', 'metric', 'unit', 'direction', 'value', 'timestamp', 'time',
  'commit', 'branch', 'dirty', 'machineId', 'source', 'group',
  'samples', 'summary', 'spread', 'machine', 'location', 'config', 'extra',
] as const;
type Column = (typeof COLUMNS)[number];

export function csvHeader(): string {
  return COLUMNS.join(',') + '\r\n';
}

export function csvRow(r: RunRecord): string {
  const cells: Record<Column, string> = {
    id: r.id,
    seriesId: r.seriesId,
    name: r.name,
    metric: r.metric,
    unit: r.unit,
    direction: r.direction,
    value: numberCell(r.value),
    timestamp: String(r.timestamp),
    time: new Date(r.timestamp).toISOString(),
    commit: r.vcs.commit ?? '',
    branch: r.vcs.branch ?? '',
    dirty: r.vcs.dirty === undefined ? '' : String(r.vcs.dirty),
    machineId: r.machine.id,
    source: r.source,
    group: r.group ?? '',
    samples: jsonCell(r.samples),
    summary: jsonCell(r.summary),
    spread: jsonCell(r.spread),
    machine: jsonCell(r.machine),
    location: jsonCell(r.location),
    config: jsonCell(r.config),
    extra: jsonCell(r.extra),
  };
  return COLUMNS.map((c) => csvQuote(cells[c])).join(',') + '\r\n';
}

function numberCell(n: number): string {
  // JSON spelling round-trips every finite double exactly.
  return Number.isFinite(n) ? JSON.stringify(n) : String(n);
}

function jsonCell(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value);
}

function csvQuote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

/** Splits RFC 4180 CSV into rows of cells (quoted cells may hold commas, quotes and newlines). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  if (text.charCodeAt(0) === 0xfeff) i = 1;
  for (; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = false;
      } else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (quoted) throw new RecordFormatError('unterminated quoted cell at the end of the CSV');
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

/** Whether a text is one of our exports, and which. */
export function detectExport(text: string): 'json' | 'csv' | undefined {
  const head = text.slice(0, 200).replace(/^\uFEFF/, '');
  if (/^\s*\{\s*"format"\s*:\s*"perf-pulse-history"/.test(head)) return 'json';
  if (head.startsWith('id,seriesId,name,metric,')) return 'csv';
  return undefined;
}

/** Reads an export back into records. Errors name the row or record that is wrong. */
export function parseExport(text: string, fileName = 'export'): RunRecord[] {
  const kind = detectExport(text);
  if (kind === 'json') {
    let doc: { version?: number; records?: unknown };
    try {
      doc = JSON.parse(text);
    } catch (err) {
      throw new RecordFormatError(`${fileName}: invalid JSON (${(err as Error).message})`);
    }
    if (typeof doc.version === 'number' && doc.version > EXPORT_VERSION) {
      throw new RecordFormatError(`${fileName}: export version ${doc.version} is newer than this Perf Pulse understands`);
    }
    if (!Array.isArray(doc.records)) throw new RecordFormatError(`${fileName}: "records" is not an array`);
    return doc.records.map((raw, i) => {
      try {
        return migrateRecord(raw);
      } catch (err) {
        throw new RecordFormatError(`${fileName}: record ${i}: ${(err as Error).message}`);
      }
    });
  }
  if (kind === 'csv') return parseCsvExport(text, fileName);
  throw new RecordFormatError(`${fileName}: not a Perf Pulse history export`);
}

function parseCsvExport(text: string, fileName: string): RunRecord[] {
  const [header, ...rows] = parseCsv(text);
  const col = new Map(header.map((h, i) => [h, i]));
  for (const needed of ['id', 'seriesId', 'name', 'metric', 'unit', 'direction', 'value', 'timestamp', 'machine', 'source']) {
    if (!col.has(needed)) throw new RecordFormatError(`${fileName}: CSV header lacks the column "${needed}"`);
  }
  return rows.map((cells, i) => {
    const line = i + 2;
    const get = (name: Column) => cells[col.get(name) ?? -1] ?? '';
    const json = (name: Column): unknown => {
      const cell = get(name);
      if (cell === '') return undefined;
      try {
        return JSON.parse(cell);
      } catch {
        throw new RecordFormatError(`${fileName}: row ${line}, column ${name}: not valid JSON`);
      }
    };
    const raw: Record<string, unknown> = {
      v: 1,
      id: get('id'),
      seriesId: get('seriesId'),
      name: get('name'),
      metric: get('metric'),
      unit: get('unit'),
      direction: get('direction'),
      value: Number(get('value')),
      samples: json('samples'),
      summary: json('summary'),
      spread: json('spread'),
      timestamp: Number(get('timestamp')),
      vcs: dropUndefined({
        commit: get('commit') || undefined,
        branch: get('branch') || undefined,
        dirty: get('dirty') === '' ? undefined : get('dirty') === 'true',
      }),
      machine: json('machine') ?? { id: get('machineId') || 'import', cpuModel: 'unknown', cores: 0, os: 'unknown', arch: 'unknown', runtimes: {} },
      source: get('source'),
      group: get('group') || undefined,
      location: json('location'),
      config: json('config'),
      extra: json('extra'),
    };
    if (!Number.isFinite(raw.value as number)) throw new RecordFormatError(`${fileName}: row ${line}: value ${JSON.stringify(get('value'))} is not a number`);
    try {
      return migrateRecord(dropUndefined(raw));
    } catch (err) {
      throw new RecordFormatError(`${fileName}: row ${line}: ${(err as Error).message}`);
    }
  });
}

function dropUndefined<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}
