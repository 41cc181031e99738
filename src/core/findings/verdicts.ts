import type { SeriesInfo } from '../model';
import { shortCommit } from './message';
import type { EnvironmentChange, Finding, FindingStatus, SeriesAnalysis, Verdict, VerdictKind } from './types';

/**
 * The decision layer: one verdict per series (new, standing, environment, suspect, at risk, unknown,
 * fine) with its reason in words, the environment changes found across series, and the gate that
 * says which findings fail a check. `check`, the reports, the editor and the trends panel all read
 * these, so they agree on why something is or is not failing.
 */

const DAY_MS = 86_400_000;
/** A shift most series of a machine made at one commit is the environment when at least this many moved. */
export const ENVIRONMENT_MIN_SERIES = 3;

const PRIORITY: Record<VerdictKind, number> = { new: 0, standing: 1, environment: 2, suspect: 3, 'at-risk': 4, unknown: 5, fine: 6 };

export function verdictLabel(kind: VerdictKind): string {
  return kind === 'at-risk' ? 'at risk' : kind === 'new' ? 'new finding' : kind === 'standing' ? 'standing finding' : kind === 'environment' ? 'environment change' : kind;
}

/** "a1b2c3d" or the date of a run without a commit. */
export function whereOf(point: { commit?: string; timestamp: number }): string {
  return shortCommit(point.commit) ?? new Date(point.timestamp).toISOString().replace(/\.\d+Z$/, 'Z');
}

/** "since a1b2c3d, 41 days, 63 runs": how long a standing finding has been there. */
export function sinceText(firstBad: { commit?: string; timestamp: number }, latestTimestamp: number, runs: number): string {
  const days = Math.floor(Math.max(0, latestTimestamp - firstBad.timestamp) / DAY_MS);
  return `since ${whereOf(firstBad)}, ${days} day${days === 1 ? '' : 's'}, ${runs} run${runs === 1 ? '' : 's'}`;
}

/** The series' verdict from its findings (worst status first), else the verdict it had without findings. */
export function composeVerdict(findings: readonly Finding[], fallback: Verdict): Verdict {
  const ranked = findings
    .filter((f) => f.status && !(f.kind === 'improvement' && f.status !== 'environment'))
    .map((f) => ({ f, kind: f.status as VerdictKind }))
    .sort((a, b) => PRIORITY[a.kind] - PRIORITY[b.kind]);
  const top = ranked[0];
  if (!top || PRIORITY[top.kind] > PRIORITY[fallback.kind]) return { ...fallback, findingIds: findings.map((f) => f.id) };
  const { f, kind } = top;
  const label = kind === 'new' ? (f.kind === 'budget' ? 'new budget breach' : 'new regression') : kind === 'standing' ? (f.kind === 'budget' ? 'standing budget breach' : 'standing regression') : verdictLabel(kind);
  return {
    ...fallback,
    kind,
    reason: `${label}: ${f.reason ?? f.message}`,
    metric: f.metric ?? fallback.metric,
    findingIds: findings.map((x) => x.id),
  };
}

export interface EnvironmentPass {
  series: SeriesAnalysis[];
  findings: Finding[];
  environment: EnvironmentChange[];
}

function moveKey(commit: string | undefined, timestamp: number): string {
  return commit ? `commit:${commit}` : `time:${timestamp}`;
}

/**
 * Across series: a change that most series of a machine (at least ENVIRONMENT_MIN_SERIES and more than
 * half of those measured then) made the same way at one commit is the environment (a runner, a
 * toolchain), and so is every finding a series already marked as a shift between runs of one commit.
 * Each such event is reported once, listing its series; its findings become `environment` and never fail.
 * Returns new objects: the inputs (which may sit in a cache) are left as they are.
 */
export function markEnvironment(series: readonly SeriesAnalysis[], findings: readonly Finding[], infos: readonly SeriesInfo[]): EnvironmentPass {
  const infoById = new Map(infos.map((i) => [i.seriesId, i]));
  const bySeries = new Map(series.map((s) => [s.id, s]));
  type Move = { seriesId: string; ratio: number };
  // machine → key → kind → series that moved
  const moves = new Map<string, Map<string, { commit?: string; timestamp: number; regression: Move[]; improvement: Move[] }>>();
  for (const s of series) {
    if (s.ignored) continue;
    const machine = s.machineId ?? '';
    const seen = new Set<string>();
    const points = [...(s.changePoints ?? [])];
    for (const f of findings) {
      if (f.seriesId !== s.id || !f.change || f.kind === 'budget') continue;
      points.push({ index: f.change.index, kind: f.change.kind, ratio: f.change.ratio, ...(f.firstBad.commit ? { commit: f.firstBad.commit } : {}), timestamp: f.firstBad.timestamp, confirmed: f.change.confirmed });
    }
    for (const p of points) {
      const key = moveKey(p.commit, p.timestamp);
      if (seen.has(`${key}|${p.kind}`)) continue;
      seen.add(`${key}|${p.kind}`);
      let byKey = moves.get(machine);
      if (!byKey) moves.set(machine, (byKey = new Map()));
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { ...(p.commit ? { commit: p.commit } : {}), timestamp: p.timestamp, regression: [], improvement: [] }));
      entry.timestamp = Math.min(entry.timestamp, p.timestamp);
      entry[p.kind].push({ seriesId: s.id, ratio: p.ratio });
    }
  }

  const environment: EnvironmentChange[] = [];
  const envOfFinding = new Map<string, EnvironmentChange>();
  // Series of the machine that were being measured at time t (the checked run may be newer than the store's index).
  const measuredAt = (machine: string, t: number) =>
    series.filter((s) => {
      if (s.ignored || (s.machineId ?? '') !== machine) return false;
      const info = infoById.get(s.id);
      const first = info?.firstTimestamp ?? -Infinity;
      const last = Math.max(info?.lastTimestamp ?? -Infinity, s.latest?.timestamp ?? -Infinity);
      return first <= t && t <= last;
    }).length;
  for (const [machine, byKey] of moves) {
    for (const [key, entry] of byKey) {
      for (const kind of ['regression', 'improvement'] as const) {
        const moved = entry[kind];
        if (moved.length < ENVIRONMENT_MIN_SERIES) continue;
        const of = Math.max(measuredAt(machine, entry.timestamp), moved.length);
        if (moved.length * 2 <= of) continue;
        const ids = new Set(moved.map((m) => m.seriesId));
        const matching = findings.filter((f) => ids.has(f.seriesId) && f.kind === kind && moveKey(f.firstBad.commit, f.firstBad.timestamp) === key);
        const names = moved.map((m) => bySeries.get(m.seriesId)?.name ?? m.seriesId);
        const env: EnvironmentChange = {
          key: `${machine}|${key}|${kind}`,
          ...(machine ? { machineId: machine } : {}),
          ...(entry.commit ? { commit: entry.commit } : {}),
          timestamp: entry.timestamp,
          cause: 'machine-wide',
          kind,
          series: moved.map((m) => ({ seriesId: m.seriesId, name: bySeries.get(m.seriesId)?.name ?? m.seriesId, ratio: m.ratio })),
          findingIds: matching.map((f) => f.id),
          seriesOfMachine: of,
          message: `${moved.length} of ${of} series of this machine moved ${kind === 'regression' ? 'worse' : 'better'} together at ${whereOf(entry)}: the environment (runner, toolchain, machine), not the code (${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`,
        };
        environment.push(env);
        for (const f of matching) envOfFinding.set(f.id, env);
      }
    }
  }

  // Shifts between runs of one commit, marked per series: one event per machine and commit.
  const sameCommit = new Map<string, EnvironmentChange>();
  for (const f of findings) {
    if (f.status !== 'environment' || envOfFinding.has(f.id)) continue;
    const machine = bySeries.get(f.seriesId)?.machineId ?? '';
    const key = `${machine}|${moveKey(f.firstBad.commit, f.firstBad.timestamp)}|same-commit`;
    let env = sameCommit.get(key);
    if (!env) {
      env = {
        key,
        ...(machine ? { machineId: machine } : {}),
        ...(f.firstBad.commit ? { commit: f.firstBad.commit } : {}),
        timestamp: f.firstBad.timestamp,
        cause: 'same-commit',
        kind: f.kind === 'improvement' ? 'improvement' : 'regression',
        series: [],
        findingIds: [],
        seriesOfMachine: 0,
        message: '',
      };
      sameCommit.set(key, env);
    }
    env.series.push({ seriesId: f.seriesId, name: f.name, ratio: f.change?.ratio ?? NaN });
    env.findingIds.push(f.id);
  }
  for (const env of sameCommit.values()) {
    const names = env.series.map((s) => s.name);
    env.seriesOfMachine = measuredAt(env.machineId ?? '', env.timestamp);
    env.message = `runs of the same commit ${whereOf(env)} disagree: the environment (machine load, runner), not the code (${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''})`;
    environment.push(env);
    for (const id of env.findingIds) envOfFinding.set(id, env);
  }

  const outFindings = findings.map((f) => {
    const env = envOfFinding.get(f.id);
    if (!env || env.cause === 'same-commit') return f;
    const others = env.series.length - 1;
    return {
      ...f,
      status: 'environment' as FindingStatus,
      severity: 'info' as const,
      reason: `moved with ${others} other series of this machine at ${whereOf(env)} (${env.series.length} of ${env.seriesOfMachine}): the environment, not the code`,
    };
  });
  const findingsBySeries = new Map<string, Finding[]>();
  for (const f of outFindings) findingsBySeries.set(f.seriesId, [...(findingsBySeries.get(f.seriesId) ?? []), f]);
  // Every series' verdict from its findings (as marked now) and what it had without them.
  const outSeries = series.map((s) => {
    const own = findingsBySeries.get(s.id) ?? [];
    const machineWide = own.some((f) => envOfFinding.get(f.id)?.cause === 'machine-wide');
    const codeChange = own.some((f) => (f.kind === 'regression' || f.kind === 'improvement') && (f.status === 'new' || f.status === 'standing'));
    const status = machineWide && !codeChange && (s.status === 'regressed' || s.status === 'improved') ? 'stable' : s.status;
    return { ...s, status, ...(s.verdict ? { verdict: composeVerdict(own, s.verdict) } : {}) };
  });
  return { series: outSeries, findings: outFindings, environment: environment.sort((a, b) => a.timestamp - b.timestamp) };
}

/** Which findings fail a check: `--fail-on LEVEL[,standing]`. */
export type FailLevel = 'regression' | 'budget' | 'critical';

export interface FailPolicy {
  level: FailLevel;
  /** Standing findings (already present before the checked run) fail too. */
  standing: boolean;
}

export class FailOnError extends Error {}

/** `regression`, `budget`, `critical`, each optionally with `,standing`. */
export function parseFailOn(text: string | undefined): FailPolicy {
  const parts = (text ?? 'regression').split(',').map((p) => p.trim()).filter(Boolean);
  let level: FailLevel | undefined;
  let standing = false;
  for (const p of parts) {
    if (p === 'standing') standing = true;
    else if ((p === 'regression' || p === 'budget' || p === 'critical') && !level) level = p;
    else throw new FailOnError(`--fail-on must be regression, budget or critical, optionally with ",standing" (got "${text}")`);
  }
  return { level: level ?? 'regression', standing };
}

/**
 * Does a finding fail the check? Only new ones (and standing ones when asked), at or above the level.
 * Environment changes, suspects, at-risk budgets and improvements never fail.
 */
export function failsUnder(finding: Finding, policy: FailPolicy): boolean {
  if (finding.kind === 'improvement') return false;
  const status = finding.status ?? 'new';
  if (status === 'standing' ? !policy.standing : status !== 'new') return false;
  if (policy.level === 'regression') return true;
  if (policy.level === 'budget') return finding.kind === 'budget' || finding.severity === 'critical';
  return finding.severity === 'critical';
}

/** Why a finding does not fail under the policy, in words; undefined when it fails. */
export function notFailingBecause(finding: Finding, policy: FailPolicy): string | undefined {
  if (failsUnder(finding, policy)) return undefined;
  switch (finding.status) {
    case 'standing':
      return 'standing: it was already there before the checked run (add ",standing" to --fail-on to fail on it)';
    case 'environment':
      return 'environment change: not the code';
    case 'suspect':
      return 'suspect: not yet confirmed by later runs';
    case 'at-risk':
      return 'at risk: not enough runs over the limit to call it a breach';
  }
  return finding.kind === 'improvement' ? 'an improvement' : `below --fail-on ${policy.level}`;
}

/**
 * How a finding reads in the editor (diagnostics, notifications): the finding's sentence first, then
 * what it is. Environment changes and suspects say so up front, so that neither reads as a code regression.
 */
export function editorText(finding: Finding): string {
  switch (finding.status) {
    case 'environment':
      return `Environment change, not the code: ${finding.message}${finding.reason ? ` — ${finding.reason}` : ''}`;
    case 'suspect':
      return `Suspect: ${finding.message}${finding.reason ? ` — ${finding.reason}` : ''}`;
    case 'standing':
      return `${finding.message} — standing: ${finding.reason ?? 'already in earlier runs'}`;
    case 'at-risk':
      return finding.reason ? `${finding.message} — ${finding.reason}` : finding.message;
    default:
      return finding.message;
  }
}

/** The diagnostic's code for a finding: what it is, for filters and quick fixes. */
export function editorCode(finding: Finding): string {
  if (finding.status === 'environment') return 'environment-change';
  if (finding.status === 'suspect') return 'suspect';
  if (finding.status === 'at-risk') return 'budget-at-risk';
  return finding.kind === 'budget' ? 'over-budget' : finding.kind;
}

/** How loud a finding is in the editor: errors for new critical findings and new breaches; environment changes and suspects are information. */
export function editorSeverity(finding: Finding): 'error' | 'warning' | 'information' {
  switch (finding.status) {
    case 'environment':
    case 'suspect':
      return 'information';
    case 'standing':
    case 'at-risk':
      return 'warning';
  }
  if (finding.kind === 'budget' || finding.severity === 'critical') return 'error';
  return finding.severity === 'warning' ? 'warning' : 'information';
}

/** The verdict as one sentence that starts with what it is: "at risk: …", "standing regression: …", "unknown: …". */
export function verdictSentence(v: Verdict): string {
  const label = verdictLabel(v.kind);
  const named = v.reason.startsWith(label) || v.reason.startsWith(`${v.kind}:`) || /^(new|standing) (regression|budget breach):/.test(v.reason);
  return named ? v.reason : `${label}: ${v.reason}`;
}
