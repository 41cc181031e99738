import type { Direction, Measurement } from '../model';
import { ParseError } from './errors';
import { customEntries, customMeasurement } from './gab-custom';
import { type FormatModule, isObject, asNumber, asString } from './shared';

/**
 * github-action-benchmark's history file `data.js`:
 * `window.BENCHMARK_DATA = { lastUpdate, repoUrl, entries: { <suite>: [{ commit, date, tool, benches: [...] }] } }`.
 * Each entry is one run at one commit. Direction comes from the tool: throughput tools
 * (`benchmarkjs`, `customBiggerIsBetter`, JMH in ops/time) are bigger-is-better, the rest smaller.
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

/** Every run in a `data.js`, oldest first. Throws ParseError on anything else. */
export function parseGabDataJs(text: string): HistoryEntry[] {
  if (!looksLikeDataJs(text)) throw new ParseError('not a github-action-benchmark data.js (expected "window.BENCHMARK_DATA = {...}")');
  const body = text.replace(PREFIX, '').trim().replace(/;\s*$/, '');
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (err) {
    throw new ParseError(`data.js does not hold valid JSON after "window.BENCHMARK_DATA =": ${(err as Error).message}`);
  }
  if (!isObject(data) || !isObject(data.entries)) throw new ParseError('data.js must have an "entries" object');
  const history: HistoryEntry[] = [];
  for (const [suite, runs] of Object.entries(data.entries)) {
    if (!Array.isArray(runs)) throw new ParseError(`data.js entries["${suite}"] is not an array`);
    runs.forEach((run, i) => {
      if (!isObject(run)) throw new ParseError(`data.js entries["${suite}"][${i}] is not an object`);
      const date = asNumber(run.date);
      if (date === undefined) throw new ParseError(`data.js entries["${suite}"][${i}] has no numeric "date"`);
      const tool = asString(run.tool);
      const direction = toolDirection(tool);
      const measurements = customEntries(run.benches, `data.js entries["${suite}"][${i}].benches`).map((e) => {
        const m = customMeasurement(e, direction);
        m.group = suite;
        return m;
      });
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
    const history = parseGabDataJs(input.text);
    const all = history.flatMap((h) => h.measurements);
    if (all.length === 0) throw new ParseError('data.js holds no benchmark results');
    return all;
  },
};
