import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { MachineFingerprint, Measurement, RecordSource, RunRecord, VcsInfo } from '../model';
import { recordFromMeasurement } from '../records';
import { sha1 } from '../sha1';
import { checkInputSize, parseFile, parseGabDataJs, ParseError, readMeasurements, type HistoryEntry } from '../parsers';
import { looksLikeDataJs } from '../parsers/gab-data-js';
import { IMPORT_MACHINE } from './migrate';
import { detectExport, parseExport } from './export-format';

/** Facts that a harness output does not carry, supplied by whoever imports it. */
export interface RecordContext {
  /** Defaults to the `import` machine: a file's origin machine is unknown. */
  machine?: MachineFingerprint;
  vcs?: VcsInfo;
  /** Milliseconds since the epoch; defaults to now. */
  timestamp?: number;
  source?: RecordSource;
  /**
   * Mixed into record ids, so importing the same input twice adds nothing. It must name
   * everything that makes a run distinct (content, commit, branch, time); the series,
   * metric, machine and position are added here.
   */
  idSeed?: string;
  config?: Record<string, unknown>;
}

function stableId(...parts: Array<string | number | undefined>): string {
  // Hex of the first 12 bytes: the text of the full hex's first 24 characters, as its own small string (a slice would keep the full hex alive).
  return sha1(parts.map((p) => String(p ?? '')).join('\u0000')).toString('hex', 0, 12);
}

/**
 * What makes one imported run distinct from another: the file's content, when it
 * was measured and at which commit and branch (the machine is added per record).
 */
export function runIdentity(content: string, timestamp: number, vcs: VcsInfo = {}): string {
  return stableId('run', content, timestamp, vcs.commit, vcs.branch, vcs.dirty === undefined ? undefined : String(vcs.dirty));
}

/** Turns parsed measurements (one run of each series) into run records; `firstIndex` is the first one's position in the whole run (ids depend on it). */
export function recordsFromMeasurements(measurements: Measurement[], format: string, ctx: RecordContext = {}, firstIndex = 0): RunRecord[] {
  const machine = ctx.machine ?? IMPORT_MACHINE;
  const timestamp = ctx.timestamp ?? Date.now();
  // One config object and one vcs object for all the records of a run, not a copy each.
  const config = { format, ...(ctx.config ?? {}) };
  const vcs = ctx.vcs ?? {};
  return measurements.map((m, i) =>
    recordFromMeasurement(m, {
      id: ctx.idSeed !== undefined ? stableId(ctx.idSeed, firstIndex + i, m.series, m.metric ?? 'time', machine.id) : stableId(Math.random(), Date.now(), firstIndex + i),
      machine,
      timestamp,
      vcs,
      source: ctx.source ?? 'import',
      defaultGroup: format,
      config,
    }),
  );
}

/** github-action-benchmark history: every entry becomes records at its commit and date. */
export function recordsFromGabHistory(entries: HistoryEntry[], ctx: { machine?: MachineFingerprint } = {}): RunRecord[] {
  const machine = ctx.machine ?? IMPORT_MACHINE;
  return entries.flatMap((entry) =>
    recordsFromMeasurements(entry.measurements, 'gab-data-js', {
      machine,
      timestamp: entry.date,
      vcs: entry.commit ? { commit: entry.commit.id } : {},
      idSeed: stableId('gab', entry.suite, entry.commit?.id, entry.date),
      config: {
        ...(entry.tool ? { tool: entry.tool } : {}),
        ...(entry.commit?.message ? { commitMessage: entry.commit.message } : {}),
        ...(entry.commit?.url ? { commitUrl: entry.commit.url } : {}),
      },
    }),
  );
}

export interface ImportResult {
  file: string;
  /** `perf-pulse-json`, `perf-pulse-csv`, `gab-data-js` or a parser format name. */
  format: string;
  records: RunRecord[];
  /** Entries skipped as unreadable (a value that is not a number), each naming the entry. */
  warnings?: string[];
  /**
   * The id an earlier version gave each record (new id → old id), for inputs whose ids
   * once came from the content alone: `appendNew` skips a record whose old id is stored
   * with the same time, commit and branch, so re-importing after an upgrade adds nothing.
   */
  earlierIds?: Map<string, string>;
}

/**
 * Reads one file into records: our own JSON/CSV export (exact, ids kept), a
 * github-action-benchmark `data.js` history, or any output the parsers know
 * (Bencher Metric Format included), as one run dated by the file's mtime.
 * Errors are `ParseError`s that name the file.
 */
export async function importFile(file: string, options: { format?: string; maxBytes?: number; root?: string } & Omit<RecordContext, 'idSeed'> = {}): Promise<ImportResult> {
  let text: string;
  let mtime: number;
  await checkInputSize(file, options.maxBytes);
  try {
    text = await fsp.readFile(file, 'utf8');
    mtime = (await fsp.stat(file)).mtimeMs;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ParseError(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : (err as Error).message, { file });
  }
  const wantOwn = options.format === 'perf-pulse-json' || options.format === 'perf-pulse-csv' || options.format === 'perf-pulse';
  const own = detectExport(text);
  if (wantOwn || (!options.format && own)) {
    try {
      return { file, format: `perf-pulse-${own ?? 'json'}`, records: parseExport(text, file) };
    } catch (err) {
      throw new ParseError((err as Error).message.replace(`${file}: `, ''), { file });
    }
  }
  if (options.format === 'gab-data-js' || (!options.format && looksLikeDataJs(text))) {
    try {
      const warnings: string[] = [];
      const records = recordsFromGabHistory(parseGabDataJs(text, warnings), options);
      return { file, format: 'gab-data-js', records, ...(warnings.length ? { warnings } : {}) };
    } catch (err) {
      throw err instanceof ParseError ? err.withFile(file) : new ParseError((err as Error).message, { file });
    }
  }
  const content = createHash('sha1').update(text).digest('hex');
  // The parser reads the file again as it needs it (JUnit in chunks): the whole text need not stay alive meanwhile.
  text = '';
  const parsed = await parseFile(file, { format: options.format, maxBytes: options.maxBytes, ...(options.root ? { root: options.root } : {}) });
  const timestamp = options.timestamp ?? Math.round(mtime);
  const records = recordsFromMeasurements(parsed.measurements, parsed.format, {
    ...options,
    timestamp,
    // The same bytes measured at another commit, branch or time are another run.
    idSeed: runIdentity(content, timestamp, options.vcs),
    config: { format: parsed.format, file: path.basename(file) },
  });
  const machineId = (options.machine ?? IMPORT_MACHINE).id;
  const earlierIds = new Map(records.map((r, i) => [r.id, stableId(content, i, r.name, r.metric, machineId)]));
  return { file, format: parsed.format, records, earlierIds, ...(parsed.warnings?.length ? { warnings: parsed.warnings } : {}) };
}

/** What a store needs for `importInto`: `HistoryStore` has both. */
export interface ImportTarget {
  appendNew(records: RunRecord[], options?: { earlierIds?: ReadonlyMap<string, string> }): Promise<number>;
  appendStream(batches: AsyncIterable<RunRecord[]>, options?: { earlierIdOf?: (record: RunRecord, position: number) => string | undefined }): Promise<number>;
}

export interface ImportedFile {
  format: string;
  /** Records the file holds. */
  total: number;
  /** Records added (the others were in the history already). */
  added: number;
  warnings?: string[];
}

/** How many characters of a file's start decide whether it is one of our exports or a data.js. */
const HEAD_CHARS = 200;

/**
 * Imports one file into a history, as `importFile` then `appendNew` would, with the same records
 * and ids. A harness output or test report is streamed: parsed a chunk at a time and appended as it
 * is parsed, in one all-or-nothing append (`appendStream`), so a report of hundreds of thousands of
 * tests never has its text, its measurements or its records in memory whole. Exports and data.js
 * histories are read whole as before. Errors are `ParseError`s naming the file (nothing is added).
 */
export async function importInto(store: ImportTarget, file: string, options: { format?: string; maxBytes?: number; root?: string } & Omit<RecordContext, 'idSeed'> = {}): Promise<ImportedFile> {
  const wholeFormats = ['perf-pulse-json', 'perf-pulse-csv', 'perf-pulse', 'gab-data-js'];
  await checkInputSize(file, options.maxBytes);
  let head = '';
  let content: string;
  let mtime: number;
  try {
    // The content hash (part of every id) is needed before the first record: one pass over the text first.
    const hash = createHash('sha1');
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
      if (head.length < HEAD_CHARS) head += (chunk as string).slice(0, HEAD_CHARS);
      hash.update(chunk as string);
    }
    content = hash.digest('hex');
    mtime = (await fsp.stat(file)).mtimeMs;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ParseError(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : (err as Error).message, { file });
  }
  if ((options.format && wholeFormats.includes(options.format)) || (!options.format && (detectExport(head) || looksLikeDataJs(head)))) {
    const result = await importFile(file, options);
    const added = await store.appendNew(result.records, { earlierIds: result.earlierIds });
    return { format: result.format, total: result.records.length, added, ...(result.warnings?.length ? { warnings: result.warnings } : {}) };
  }
  const timestamp = options.timestamp ?? Math.round(mtime);
  const machineId = (options.machine ?? IMPORT_MACHINE).id;
  const reading = readMeasurements(file, { format: options.format, maxBytes: options.maxBytes, ...(options.root ? { root: options.root } : {}) });
  let total = 0;
  const ctx: RecordContext = {
    ...options,
    timestamp,
    // The same bytes measured at another commit, branch or time are another run.
    idSeed: runIdentity(content, timestamp, options.vcs),
  };
  async function* records(): AsyncGenerator<RunRecord[]> {
    for await (const batch of reading.batches) {
      const out = recordsFromMeasurements(batch, reading.format, { ...ctx, config: { format: reading.format, file: path.basename(file) } }, total);
      total += batch.length;
      yield out;
    }
  }
  const added = await store.appendStream(records(), { earlierIdOf: (r, i) => stableId(content, i, r.name, r.metric, machineId) });
  return { format: reading.format, total, added, ...(reading.warnings.length ? { warnings: reading.warnings } : {}) };
}
