import type { Direction, Measurement } from '../model';
import { ParseError } from './errors';
import { customEntries, customMeasurements } from './gab-custom';
import { type FormatModule, isObject, asNumber, asString } from './shared';

/**
 * github-action-benchmark's history file `data.js`:
 * `window.BENCHMARK_DATA = { lastUpdate, repoUrl, entries: { <suite>: [{ commit, date, tool, benches: [...] }] } }`.
 * Each entry is one run at one commit. Direction comes from the tool: throughput tools
 * (`benchmarkjs`, `customBiggerIsBetter`, JMH in ops/time) are bigger-is-better, the rest smaller.
 * The suite (the key of `entries`; projects often keep one per machine) is part of each series'
 * identity (`Measurement.suite`) as well as its group: the same benchmark in two suites is two
 * series. A value that is not a number, or a run without a date, is skipped with a warning that
 * names it; the rest of the history is read.
 */
export interface HistoryEntry {
  commit?: { id: string; message?: string; timestamp?: string; url?: string; author?: string };
  date: number;
  tool?: string;
  suite?: string;
  measurements: Measurement[];
}

const PREFIX = /^\s*(?:window\.)?BENCHMARK_DATA\s*=\s*/;

export function looksLikeDataJs(text: string): boolean {
  return PREFIX.test(text.slice(0, 200));
}

function toolDirection(tool: string | undefined): Direction | undefined {
  if (tool === 'customBiggerIsBetter' || tool === 'benchmarkjs') return 'bigger';
  if (tool === 'customSmallerIsBetter') return 'smaller';
  return undefined;
}

function commitOf(c: unknown): HistoryEntry['commit'] {
  if (!isObject(c)) return undefined;
  const id = asString(c.id);
  if (id === undefined) return undefined;
  const commit: NonNullable<HistoryEntry['commit']> = { id };
  const message = asString(c.message);
  const timestamp = asString(c.timestamp);
  const url = asString(c.url);
  const author = isObject(c.author) ? asString(c.author.username) ?? asString(c.author.name) : asString(c.author);
  if (message !== undefined) commit.message = message;
  if (timestamp !== undefined) commit.timestamp = timestamp;
  if (url !== undefined) commit.url = url;
  if (author !== undefined) commit.author = author;
  return commit;
}

/** Bare NaN / Infinity after a key (JavaScript, not JSON), as a value: read as null, then skipped. */
const NON_JSON_NUMBER = /(:\s*)(?:NaN|-?Infinity)(\s*[,}\]])/g;

function parseBody(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (err) {
    // data.js is JavaScript: a writer that is not JSON.stringify may leave NaN or Infinity in it.
    try {
      return JSON.parse(body.replace(NON_JSON_NUMBER, '$1null$2'));
    } catch {
      throw new ParseError(`data.js does not hold valid JSON after "window.BENCHMARK_DATA =": ${(err as Error).message}`);
    }
  }
}

/**
 * Every run in a `data.js`, oldest first. Throws ParseError when the file is not one; entries it
 * cannot read (no date, a value that is not a number) are skipped and named in `warnings`.
 */
export function parseGabDataJs(text: string, warnings: string[] = []): HistoryEntry[] {
  if (!looksLikeDataJs(text)) throw new ParseError('not a github-action-benchmark data.js (expected "window.BENCHMARK_DATA = {...}")');
  const data = parseBody(text.replace(PREFIX, '').trim().replace(/;\s*$/, ''));
  if (!isObject(data) || !isObject(data.entries)) throw new ParseError('data.js must have an "entries" object');
  const history: HistoryEntry[] = [];
  for (const [suite, runs] of Object.entries(data.entries)) {
    if (!Array.isArray(runs)) throw new ParseError(`data.js entries["${suite}"] is not an array`);
    runs.forEach((run, i) => {
      const where = `data.js entries[${JSON.stringify(suite)}][${i}]`;
      if (!isObject(run)) return void warnings.push(`${where} is not an object; skipped`);
      const date = asNumber(run.date);
      if (date === undefined) return void warnings.push(`${where} has no numeric "date"; skipped`);
      const tool = asString(run.tool);
      const direction = toolDirection(tool);
      if (!Array.isArray(run.benches)) return void warnings.push(`${where}.benches is not an array; skipped`);
      const measurements = customEntries(run.benches, `${where}.benches`, warnings).flatMap((e) =>
        customMeasurements(e, direction).map((m) => ({ ...m, group: suite, suite })),
      );
      const entry: HistoryEntry = { date, suite, measurements };
      const commit = commitOf(run.commit);
      if (commit) entry.commit = commit;
      if (tool !== undefined) entry.tool = tool;
      history.push(entry);
    });
  }
  return history.sort((a, b) => a.date - b.date);
}

export const gabDataJs: FormatModule = {
  name: 'gab-data-js',
  description: 'github-action-benchmark history data.js',
  detect: (input) => looksLikeDataJs(input.text),
  parse(input) {
    const history = parseGabDataJs(input.text, input.warnings);
    const all = history.flatMap((h) => h.measurements);
    if (all.length === 0) throw new ParseError('data.js holds no benchmark results');
    return all;
  },
};
