import type { RunRecord } from '../model';
import { setOwn } from '../own-keys';

/**
 * The text of one git note: the records measured on one commit, one JSON
 * object per line, sorted, each line written canonically (the id first, then
 * keys in sorted order, recursively). Canonical lines matter: two machines
 * that write the same record produce the same bytes, so a line-wise union
 * (our merge, or `git notes merge -s cat_sort_uniq`) never duplicates a record,
 * and a sorted note keeps diffs and merges small.
 */

/** One line of a note that is not a record we can read. */
export interface NoteProblem {
  commit: string;
  /** 1-based line within the note. */
  line: number;
  problem: string;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {}; // plain-object-ok: filled with setOwn, so JSON's keys stay keys
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) setOwn(out, key, canonical(v));
    }
    return out;
  }
  return value;
}

/** The single line that stands for a record in a note (no newline). */
export function recordLine(record: RunRecord): string {
  const { id, ...rest } = record;
  const body = JSON.stringify(canonical(rest));
  // Put the id first so that sorting lines sorts records by id.
  return body === '{}' ? `{"id":${JSON.stringify(id)}}` : `{"id":${JSON.stringify(id)},${body.slice(1)}`;
}

/** The full text of a note holding these records: de-duplicated by id, sorted, newline-terminated. */
export function noteText(records: Iterable<RunRecord>): string {
  return mergeNoteLines(Array.from(records, recordLine), 'note').text;
}

/**
 * The union of note lines, as a note: records de-duplicated by id (when two
 * copies differ, e.g. one lost its raw samples to compaction, the fuller line
 * wins, deterministically), lines we cannot read kept verbatim so that a merge
 * never destroys what a newer Perf Pulse or a person wrote, all sorted.
 */
export function mergeNoteLines(lines: Iterable<string>, commit: string): { text: string; records: RunRecord[]; problems: NoteProblem[] } {
  const byId = new Map<string, { line: string; record: RunRecord }>();
  const unreadable = new Map<string, string>();
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    const parsed = parseLine(line);
    if (typeof parsed === 'string') {
      unreadable.set(line, parsed);
      continue;
    }
    const had = byId.get(parsed.id);
    if (!had || line.length > had.line.length || (line.length === had.line.length && line > had.line)) byId.set(parsed.id, { line, record: parsed });
  }
  const all = [...unreadable.keys(), ...Array.from(byId.values(), (e) => e.line)].sort();
  // Problems point at lines of the note as written back (sorted), which is what a person would open.
  const problems: NoteProblem[] = [];
  if (unreadable.size) all.forEach((line, i) => unreadable.has(line) && problems.push({ commit, line: i + 1, problem: unreadable.get(line)! }));
  return { text: all.length ? all.join('\n') + '\n' : '', records: Array.from(byId.values(), (e) => e.record), problems };
}

function parseLine(line: string): RunRecord | string {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return `not JSON (${(err as Error).message})`;
  }
  return recordProblem(value) ?? (value as RunRecord);
}

const DIRECTIONS = new Set(['smaller', 'bigger']);

/** Why a parsed line is not a usable record, or undefined when it is one. */
export function recordProblem(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (r.v !== 1) return `unsupported record version ${JSON.stringify(r.v)} (this Perf Pulse reads version 1)`;
  for (const key of ['id', 'seriesId', 'name', 'metric', 'unit', 'source'] as const) {
    if (typeof r[key] !== 'string' || (key !== 'unit' && r[key] === '')) return `field "${key}" must be a non-empty string`;
  }
  if (!DIRECTIONS.has(r.direction as string)) return 'field "direction" must be "smaller" or "bigger"';
  if (typeof r.value !== 'number' || !Number.isFinite(r.value)) return 'field "value" must be a finite number';
  if (typeof r.timestamp !== 'number' || !Number.isFinite(r.timestamp)) return 'field "timestamp" must be a number';
  if (!r.vcs || typeof r.vcs !== 'object') return 'field "vcs" must be an object';
  const machine = r.machine as Record<string, unknown> | undefined;
  if (!machine || typeof machine !== 'object' || typeof machine.id !== 'string') return 'field "machine" must be an object with an "id"';
  return undefined;
}

/**
 * Reads the records of one note. Lines that are not records are reported,
 * never fatal: one damaged line must not hide a commit's other results.
 */
export function parseNote(commit: string, text: string, problems: NoteProblem[]): RunRecord[] {
  const merged = mergeNoteLines(text.split('\n'), commit);
  problems.push(...merged.problems);
  return merged.records;
}
