import { randomUUID } from 'node:crypto';
import { median } from '../stats/summary';
import type { MachineFingerprint, RunRecord, VcsInfo } from '../model';
import { seriesIdOf } from '../series-id';
import type { BuildAnatomy } from './timeline';
import type { BuildAnatomyRow } from '../report/model';

/**
 * One build against the median of recent ones, step by step ("tsc +12.4 s, critical path
 * moved from webpack to tsc"), and the history records that keep each build: one series
 * for the build's wall time and one per phase, so that the detector and the findings
 * treat them as any benchmark's series.
 */

/** What is kept of a build to compare later ones with it (in its wall-time record). */
export interface BuildFigures {
  wallSeconds: number;
  cpuSeconds: number;
  parallelEfficiency: number;
  phases: Array<{ name: string; seconds: number }>;
  /** The phase of the longest step on the critical path. */
  criticalPhase?: string;
}

export interface PhaseChange {
  phase: string;
  seconds: number;
  medianSeconds: number;
  delta: number;
}

export interface BuildComparison {
  /** How many earlier builds the medians are of. */
  builds: number;
  wall: { seconds: number; medianSeconds: number; delta: number };
  /** Phases whose time changed, the largest change first (new and gone phases included). */
  changes: PhaseChange[];
  criticalPathMoved?: { from: string; to: string };
  /** One line each, e.g. "tsc +12.4 s (median 30.1 s)". */
  lines: string[];
}

/** Extra-field key of the wall-time record holding the build's figures (JSON). */
export const BUILD_FIGURES_KEY = 'buildFigures';
export const BUILD_GROUP = 'build';
export const BUILD_PHASE_GROUP = 'build-phase';

export function buildFigures(anatomy: BuildAnatomy): BuildFigures {
  const longest = [...anatomy.criticalPath].sort((a, b) => b.end - b.start - (a.end - a.start))[0];
  const criticalPhase = longest ? longest.phase ?? longest.command.split(' ')[0] : undefined;
  return {
    wallSeconds: anatomy.wallSeconds,
    cpuSeconds: anatomy.cpuSeconds,
    parallelEfficiency: anatomy.parallelEfficiency,
    phases: anatomy.phases.map((p) => ({ name: p.name, seconds: p.seconds })),
    ...(criticalPhase ? { criticalPhase } : {}),
  };
}

/** Reads figures kept in a history record, which is untrusted: anything malformed is undefined. */
export function figuresOf(record: RunRecord): BuildFigures | undefined {
  const text = record.extra?.[BUILD_FIGURES_KEY];
  if (typeof text !== 'string' || text.length > 200_000) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const v = value as Partial<BuildFigures>;
  const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  if (!v || typeof v !== 'object' || !finite(v.wallSeconds) || !finite(v.cpuSeconds) || !finite(v.parallelEfficiency) || !Array.isArray(v.phases)) return undefined;
  const phases = v.phases.filter((p): p is { name: string; seconds: number } => !!p && typeof p === 'object' && typeof p.name === 'string' && finite(p.seconds));
  return { wallSeconds: v.wallSeconds, cpuSeconds: v.cpuSeconds, parallelEfficiency: v.parallelEfficiency, phases, ...(typeof v.criticalPhase === 'string' ? { criticalPhase: v.criticalPhase } : {}) };
}

const signed = (seconds: number) => `${seconds >= 0 ? '+' : '−'}${Math.abs(seconds).toFixed(1)} s`;

/** Phases that moved by less than this (seconds and share of their median) are not worth a line. */
const MIN_CHANGE_SECONDS = 0.1;
const MIN_CHANGE_SHARE = 0.05;

export function compareBuild(current: BuildFigures, earlier: readonly BuildFigures[]): BuildComparison {
  const wallMedian = earlier.length ? median(earlier.map((b) => b.wallSeconds)) : current.wallSeconds;
  const names = new Map<string, true>();
  for (const b of [current, ...earlier]) for (const p of b.phases) names.set(p.name, true);
  const changes: PhaseChange[] = [];
  for (const name of names.keys()) {
    const now = current.phases.find((p) => p.name === name)?.seconds ?? 0;
    // A phase absent from a build took no time in it.
    const before = earlier.length ? median(earlier.map((b) => b.phases.find((p) => p.name === name)?.seconds ?? 0)) : now;
    const delta = now - before;
    if (Math.abs(delta) >= MIN_CHANGE_SECONDS && Math.abs(delta) >= MIN_CHANGE_SHARE * Math.max(before, now)) changes.push({ phase: name, seconds: now, medianSeconds: before, delta });
  }
  changes.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
  const usual = mostCommon(earlier.map((b) => b.criticalPhase).filter((p): p is string => p !== undefined));
  const moved = usual !== undefined && current.criticalPhase !== undefined && usual !== current.criticalPhase ? { from: usual, to: current.criticalPhase } : undefined;
  const lines = [`build ${current.wallSeconds.toFixed(1)} s, ${signed(current.wallSeconds - wallMedian)} against the median of ${earlier.length} earlier build${earlier.length === 1 ? '' : 's'} (${wallMedian.toFixed(1)} s)`];
  for (const c of changes.slice(0, 8)) lines.push(`${c.phase} ${signed(c.delta)} (${c.seconds.toFixed(1)} s, median ${c.medianSeconds.toFixed(1)} s)`);
  if (moved) lines.push(`critical path moved from ${moved.from} to ${moved.to}`);
  return { builds: earlier.length, wall: { seconds: current.wallSeconds, medianSeconds: wallMedian, delta: current.wallSeconds - wallMedian }, changes, ...(moved ? { criticalPathMoved: moved } : {}), lines };
}

function mostCommon(values: string[]): string | undefined {
  const counts = new Map<string, number>();
  let best: string | undefined;
  for (const v of values) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (best === undefined || n > counts.get(best)!) best = v;
  }
  return best;
}

/** The series id of a build's wall time, where its earlier builds are found. */
export function buildSeriesId(name: string, machineId: string): string {
  return seriesIdOf(name, 'time', machineId);
}

/** The records of one traced build: its wall time (with the figures to compare later builds with), and one per phase. */
export function buildRecords(name: string, anatomy: BuildAnatomy, context: { timestamp: number; vcs: VcsInfo; machine: MachineFingerprint; command: string }): RunRecord[] {
  const figures = buildFigures(anatomy);
  const base = { v: 1 as const, timestamp: context.timestamp, vcs: context.vcs, machine: context.machine, source: 'task' as const, config: { command: context.command } };
  const wall: RunRecord = {
    ...base,
    id: randomUUID(),
    seriesId: buildSeriesId(name, context.machine.id),
    name,
    metric: 'time',
    unit: 's',
    direction: 'smaller',
    value: anatomy.wallSeconds,
    group: BUILD_GROUP,
    extra: {
      cpuSeconds: anatomy.cpuSeconds,
      parallelEfficiency: anatomy.parallelEfficiency,
      peakRssBytes: anatomy.peakRssBytes,
      criticalPath: anatomy.criticalPath.map((c) => c.phase ?? c.command).join(' → ').slice(0, 2000),
      [BUILD_FIGURES_KEY]: JSON.stringify(figures),
    },
  };
  const phases: RunRecord[] = figures.phases.map((p) => {
    const phaseName = `${name} › ${p.name}`;
    return { ...base, id: randomUUID(), seriesId: seriesIdOf(phaseName, 'time', context.machine.id), name: phaseName, metric: 'time', unit: 's', direction: 'smaller', value: p.seconds, group: BUILD_PHASE_GROUP };
  });
  return [wall, ...phases];
}

/** The report's rows for the build series: the latest build of each, against the median of the ones before it. */
export function buildAnatomyRows(series: ReadonlyArray<{ name: string; records: readonly RunRecord[] }>, recent = 10): BuildAnatomyRow[] {
  const rows: BuildAnatomyRow[] = [];
  for (const s of series) {
    const kept = [...s.records].sort((a, b) => a.timestamp - b.timestamp).flatMap((r) => {
      const f = figuresOf(r);
      return f ? [{ record: r, figures: f }] : [];
    });
    const latest = kept[kept.length - 1];
    if (!latest) continue;
    const earlier = kept.slice(-1 - recent, -1).map((k) => k.figures);
    const path = latest.record.extra?.criticalPath;
    rows.push({
      name: s.name,
      wallSeconds: latest.figures.wallSeconds,
      cpuSeconds: latest.figures.cpuSeconds,
      parallelEfficiency: latest.figures.parallelEfficiency,
      criticalPath: typeof path === 'string' ? path : '',
      phases: latest.figures.phases,
      comparison: earlier.length ? compareBuild(latest.figures, earlier).lines : [],
    });
  }
  return rows;
}
