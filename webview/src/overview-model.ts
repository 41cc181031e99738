/**
 * Filtering, sorting and grouping of the overview rows. Pure: it runs in Node for the
 * unit tests and keeps the DOM code in overview.ts small.
 */
import type { SeriesOverview, SeriesSourceKind, SeriesStatus, SortKey } from '../../src/protocol/trends';

/** Worst first: what a user must look at comes to the top. */
export const STATUS_ORDER: SeriesStatus[] = ['regressed', 'over-budget', 'suspect', 'noisy', 'improved', 'stable', 'insufficient-data'];
export const STATUS_LABEL: Record<SeriesStatus, string> = {
  regressed: 'Regressed',
  'over-budget': 'Over budget',
  suspect: 'Suspect',
  noisy: 'Noisy',
  improved: 'Improved',
  stable: 'Stable',
  'insufficient-data': 'Too few runs',
};
/** Statuses that count as findings: they need a human. */
export const FINDING_STATUSES: ReadonlySet<SeriesStatus> = new Set(['regressed', 'over-budget', 'suspect']);

export const SOURCE_ORDER: SeriesSourceKind[] = ['benchmark', 'task', 'test', 'terminal', 'import'];
export const SOURCE_LABEL: Record<SeriesSourceKind, string> = {
  benchmark: 'Benchmarks',
  task: 'Tasks',
  test: 'Tests',
  terminal: 'Terminal commands',
  import: 'Imported',
};

export interface OverviewQuery {
  search: string;
  statuses: readonly SeriesStatus[];
  sort: SortKey;
  sortDescending: boolean;
  findingsOnly?: boolean;
}

export interface OverviewGroup {
  key: 'findings' | SeriesSourceKind;
  label: string;
  rows: SeriesOverview[];
}

/**
 * Every whitespace-separated term must occur in the name, group, metric, source or status
 * (case-insensitive), so "parser regress" narrows as a user expects.
 */
export function matchesSearch(series: SeriesOverview, search: string): boolean {
  const terms = search.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const haystack = `${series.name} ${series.group ?? ''} ${series.metric} ${series.source} ${series.status} ${STATUS_LABEL[series.status]}`.toLowerCase();
  return terms.every((t) => haystack.includes(t));
}

/** How far from "no change" a series moved, in log space so +10% and −9.1% rank alike. */
function changeMagnitude(s: SeriesOverview): number {
  return s.changeRatio && s.changeRatio > 0 ? Math.abs(Math.log(s.changeRatio)) : 0;
}

function compareBy(sort: SortKey): (a: SeriesOverview, b: SeriesOverview) => number {
  switch (sort) {
    case 'name':
      return (a, b) => a.name.localeCompare(b.name);
    case 'change':
      return (a, b) => changeMagnitude(b) - changeMagnitude(a);
    case 'latest':
      return (a, b) => b.latest - a.latest;
    case 'runs':
      return (a, b) => b.runs - a.runs;
    case 'recent':
      return (a, b) => b.lastTimestamp - a.lastTimestamp;
    case 'status':
      return (a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || changeMagnitude(b) - changeMagnitude(a);
  }
}

/** Filtered and sorted rows (name breaks ties so the order is stable). */
export function queryOverview(series: readonly SeriesOverview[], query: OverviewQuery): SeriesOverview[] {
  const statuses = new Set(query.statuses);
  const rows = series.filter(
    (s) =>
      (statuses.size === 0 || statuses.has(s.status)) &&
      (!query.findingsOnly || FINDING_STATUSES.has(s.status)) &&
      matchesSearch(s, query.search),
  );
  const by = compareBy(query.sort);
  const sign = query.sortDescending ? -1 : 1;
  return rows.sort((a, b) => sign * by(a, b) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

/** Findings first as their own group, then the rest grouped by source in a fixed order. */
export function groupOverview(rows: readonly SeriesOverview[]): OverviewGroup[] {
  const findings = rows.filter((s) => FINDING_STATUSES.has(s.status));
  const groups: OverviewGroup[] = findings.length ? [{ key: 'findings', label: 'Findings', rows: findings }] : [];
  for (const source of SOURCE_ORDER) {
    const inSource = rows.filter((s) => s.source === source && !FINDING_STATUSES.has(s.status));
    if (inSource.length) groups.push({ key: source, label: SOURCE_LABEL[source], rows: inSource });
  }
  return groups;
}

export function countByStatus(series: readonly SeriesOverview[]): Record<SeriesStatus, number> {
  const counts = Object.fromEntries(STATUS_ORDER.map((s) => [s, 0])) as Record<SeriesStatus, number>;
  for (const s of series) counts[s.status]++;
  return counts;
}

/** SVG path of a sparkline in a width × height box (y grows downwards); empty for fewer than two points. */
export function sparklinePath(values: readonly number[], width: number, height: number, pad = 2): string {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2) return '';
  let min = Infinity;
  let max = -Infinity;
  for (const v of finite) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max - min || Math.abs(max) || 1;
  const dx = (width - 2 * pad) / (finite.length - 1);
  let d = '';
  finite.forEach((v, i) => {
    const x = pad + i * dx;
    const y = height - pad - ((v - min) / span) * (height - 2 * pad);
    d += `${i ? 'L' : 'M'}${x.toFixed(1)} ${y.toFixed(1)}`;
  });
  return d;
}

/** Names longer than this many characters are elided in the middle in the overview table. */
export const NAME_CHARS = 48;
/** A shared prefix shorter than this is left in place: dropping it would save little. */
const MIN_PREFIX = 12;
/** Where a series name may be cut: after a separator of its parts (pytest `::`, paths, dots, ` › `). */
const SEPARATOR_END = /(::|\/|\.|›\s|\s)$/;

/**
 * The prefix that all the names share, up to the end of a separator (`a/b.py::`), when it is
 * long enough to be worth dropping; '' otherwise. Long test ids share most of their text
 * (`tests/benchmarks/test_micro_benchmarks.py::test_…`); the part after it tells them apart.
 */
export function sharedNamePrefix(names: readonly string[]): string {
  if (names.length < 2) return '';
  let prefix = names[0];
  for (const name of names) {
    let i = 0;
    while (i < prefix.length && i < name.length && prefix[i] === name[i]) i++;
    prefix = prefix.slice(0, i);
    if (!prefix) return '';
  }
  // Back up to the end of a separator, and never swallow a whole name.
  while (prefix && (!SEPARATOR_END.test(prefix) || names.some((n) => n.length === prefix.length))) prefix = prefix.slice(0, -1);
  return prefix.length >= MIN_PREFIX ? prefix : '';
}

/**
 * A series name as the overview shows it (the full name goes in the tooltip): without the
 * prefix its neighbours share, then elided in the middle so both its start and the end that
 * tells it apart stay: `tests/benchmarks/te…test_many_models_core_model`.
 */
export function displayName(name: string, sharedPrefix = '', max = NAME_CHARS): string {
  const shown = sharedPrefix && name.startsWith(sharedPrefix) && name.length > sharedPrefix.length ? `…${name.slice(sharedPrefix.length)}` : name;
  if (shown.length <= max) return shown;
  const tail = Math.ceil((max - 1) * 0.6);
  const head = max - 1 - tail;
  return `${shown.slice(0, head)}…${shown.slice(shown.length - tail)}`;
}
