import type { Analysis, Finding, SeriesAnalysis, VerdictKind } from '../../core/findings';
import { formatChange, formatValue } from '../../core/format';

/**
 * What the Perf Pulse view shows, from the decision layer's verdicts (the same words as `check`):
 * the groups in their order and each series' line of numbers. No `vscode` import: plain data,
 * unit-tested.
 */

export type ViewGroupKind = 'new' | 'standing' | 'environment' | 'suspect' | 'at-risk' | 'unknown' | 'healthy';

export const VIEW_GROUPS: readonly { kind: ViewGroupKind; label: string; icon: string; color: string }[] = [
  { kind: 'new', label: 'New regressions', icon: 'error', color: 'charts.red' },
  { kind: 'standing', label: 'Standing', icon: 'warning', color: 'charts.yellow' },
  { kind: 'environment', label: 'Environment changes', icon: 'server-environment', color: 'charts.blue' },
  { kind: 'suspect', label: 'Suspect, not yet confirmed', icon: 'question', color: 'charts.orange' },
  { kind: 'at-risk', label: 'Over budget, at risk', icon: 'dashboard', color: 'charts.orange' },
  { kind: 'unknown', label: 'Too few runs to tell', icon: 'circle-large-outline', color: 'disabledForeground' },
  { kind: 'healthy', label: 'Healthy', icon: 'pass', color: 'charts.green' },
];

export interface ViewSeries {
  series: SeriesAnalysis;
  group: ViewGroupKind;
  /** The finding the line is about, when there is one. */
  finding?: Finding;
  /** "+25% · 311 → 389 ms · since a1b2c3d" */
  numbers: string;
}

export interface ViewGroup {
  kind: ViewGroupKind;
  label: string;
  items: ViewSeries[];
}

/** The group of a series: its verdict, with healthy for fine ones. */
export function groupOf(series: SeriesAnalysis): ViewGroupKind {
  const kind: VerdictKind | undefined = series.verdict?.kind;
  if (kind) return kind === 'fine' ? 'healthy' : kind;
  // Analyses from before the decision layer: the series' own status.
  if (series.status === 'regressed' || series.status === 'over-budget') return 'new';
  if (series.status === 'insufficient-data') return 'unknown';
  return 'healthy';
}

/**
 * A commit as the view shows it: the short form of an object name, nothing else. Histories come
 * with repositories, and a "commit" there can be any string.
 */
export function displayCommit(commit: string | undefined): string | undefined {
  return commit && /^[0-9a-f]{7,64}$/i.test(commit) ? commit.slice(0, 7) : undefined;
}

function when(point: { commit?: string; timestamp: number }): string {
  return displayCommit(point.commit) ?? new Date(point.timestamp).toISOString().slice(0, 10);
}

/** "311 → 389 ms": the unit once when both ends have it; never a dangling space for a unit-less metric. */
export function valuePair(before: number, after: number, unit: string): string {
  const a = formatValue(before, unit).trim();
  const b = formatValue(after, unit).trim();
  const unitOf = (s: string) => s.slice(s.lastIndexOf(' ') + 1);
  if (a.includes(' ') && b.includes(' ') && unitOf(a) === unitOf(b)) return `${a.slice(0, a.lastIndexOf(' '))} → ${b}`;
  return `${a} → ${b}`;
}

/** The line of numbers beside a series' name. */
export function numbersOf(series: SeriesAnalysis, group: ViewGroupKind, finding: Finding | undefined): string {
  const budget = series.budget;
  if (finding?.kind === 'budget' || (group === 'at-risk' && budget)) {
    if (budget) {
      const side = series.direction === 'smaller' ? 'over' : 'under';
      // Near the limit without a run over it yet: say so rather than "0 of 20 runs over".
      const evidence = budget.overRuns ? `${budget.overRuns} of ${budget.runsInWindow} runs ${side}` : `near the limit`;
      return `${formatValue(budget.current, series.unit).trim()} · budget ${formatValue(budget.limit, series.unit).trim()} · ${evidence}`;
    }
  }
  if (finding && finding.kind !== 'budget') {
    const ratio = finding.change?.ratio ?? (finding.before && finding.after !== undefined ? finding.after / finding.before : undefined);
    const parts: string[] = [];
    if (ratio !== undefined && Number.isFinite(ratio)) parts.push(formatChange(ratio));
    if (finding.before !== undefined && finding.after !== undefined) parts.push(valuePair(finding.before, finding.after, series.unit));
    parts.push(`since ${when(finding.firstBad)}`);
    return parts.join(' · ');
  }
  const latest = series.latest ? formatValue(series.latest.value, series.unit).trim() : undefined;
  const runs = `${series.runs} run${series.runs === 1 ? '' : 's'}`;
  if (group === 'unknown') {
    const need = series.verdict?.needRuns;
    return [latest, need ? `${need} more run${need === 1 ? '' : 's'} to tell` : runs].filter(Boolean).join(' · ');
  }
  const change = series.change && Number.isFinite(series.change.ratio) ? `${formatChange(series.change.ratio)} vs baseline` : undefined;
  return [latest, change, runs].filter(Boolean).join(' · ');
}

/** The finding a series' line is about: the verdict's own, else its first active one. */
function findingFor(series: SeriesAnalysis, group: ViewGroupKind, byId: Map<string, Finding>, bySeries: Map<string, Finding[]>): Finding | undefined {
  const own = (series.verdict?.findingIds ?? []).map((id) => byId.get(id)).filter((f): f is Finding => !!f);
  const candidates = own.length ? own : bySeries.get(series.id) ?? [];
  const active = candidates.filter((f) => f.kind !== 'improvement' || f.status === 'environment');
  return active.find((f) => (f.status ?? 'new') === group) ?? active[0];
}

/** The view's groups, in order, each sorted: biggest change first, then by name. Ignored series are left out. */
export function buildGroups(analysis: Analysis): ViewGroup[] {
  const byId = new Map(analysis.findings.map((f) => [f.id, f]));
  const bySeries = new Map<string, Finding[]>();
  for (const f of analysis.findings) bySeries.set(f.seriesId, [...(bySeries.get(f.seriesId) ?? []), f]);
  const buckets = new Map<ViewGroupKind, ViewSeries[]>(VIEW_GROUPS.map((g) => [g.kind, []]));
  for (const series of analysis.series) {
    if (series.ignored) continue;
    const group = groupOf(series);
    const finding = group === 'healthy' || group === 'unknown' ? undefined : findingFor(series, group, byId, bySeries);
    buckets.get(group)!.push({ series, group, finding, numbers: numbersOf(series, group, finding) });
  }
  const size = (v: ViewSeries) => Math.abs(Math.log(v.finding?.change?.ratio ?? 1));
  // One shared collator: localeCompare builds one per call, which dominates the sort of thousands of series.
  const byName = new Intl.Collator(undefined, { numeric: true }).compare;
  return VIEW_GROUPS.map(({ kind, label }) => ({
    kind,
    label,
    items: buckets.get(kind)!.sort((a, b) => size(b) - size(a) || byName(a.series.name, b.series.name)),
  })).filter((g) => g.items.length);
}

/** "2 new · 1 standing": what a folder's line or the view's badge says. */
export function countsText(groups: readonly ViewGroup[]): string {
  const words: Partial<Record<ViewGroupKind, string>> = { new: 'new', standing: 'standing', environment: 'environment', suspect: 'suspect', 'at-risk': 'at risk' };
  const parts = groups.filter((g) => words[g.kind]).map((g) => `${g.items.length} ${words[g.kind]}`);
  const healthy = groups.find((g) => g.kind === 'healthy')?.items.length ?? 0;
  return parts.length ? parts.join(' · ') : `${healthy} healthy`;
}
