/**
 * Deterministic synthetic histories for the trends panel: the benchmark and the tests draw
 * the same data from a seed. Test-only (the extension shows real histories), and pure (no
 * `vscode`), so the benchmark script can run it in Node and hand the result to a browser page.
 */
import { normal, seededRandom, type Random } from '../../../src/core/stats/random';
import type {
  ChangePointMark,
  CompareRequest,
  CompareResult,
  RunPoint,
  SeriesDetail,
  SeriesOverview,
  SeriesSourceKind,
  SeriesStatus,
} from '../../../src/protocol/trends';
import { changeRatio, downsampleForSparkline } from '../../../src/extension/trends/shaping';

export interface SampleDataOptions {
  series: number;
  runs: number;
  seed?: number;
  /** Give every run p50..p99 (costs memory; the benchmark wants it on a few series only). */
  percentiles?: boolean;
}

const SOURCES: SeriesSourceKind[] = ['benchmark', 'benchmark', 'task', 'test', 'terminal'];
const GROUPS: Record<SeriesSourceKind, string[]> = {
  benchmark: ['parser', 'sort', 'json', 'regex', 'hash'],
  task: ['build', 'lint', 'bundle'],
  test: ['unit', 'integration'],
  terminal: ['shell'],
  import: ['ci'],
};
const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

function hex(random: Random, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += Math.floor(random() * 16).toString(16);
  return s;
}

/** One series: a level with noise, at most one step change, sometimes a drift. */
function makeSeries(index: number, options: SampleDataOptions, random: Random): SeriesDetail {
  const source = SOURCES[index % SOURCES.length];
  const groupNames = GROUPS[source];
  const group = groupNames[index % groupNames.length];
  const name = `${group}/${source === 'terminal' ? 'cmd' : 'case'}-${String(index).padStart(3, '0')}`;
  const base = source === 'task' ? 20 + random() * 40 : 0.001 * (1 + random() * 50);
  const noise = index % 7 === 3 ? 0.12 : 0.02 + random() * 0.02;
  const kind = index % 5; // 0: regression, 1: improvement, 2-4: stable or drift
  const changeAt = kind <= 1 ? Math.floor(options.runs * (0.55 + random() * 0.3)) : -1;
  const step = kind === 0 ? 1.1 + random() * 0.3 : kind === 1 ? 0.75 + random() * 0.1 : 1;
  const drift = kind === 4 ? 0.15 / options.runs : 0;
  const runs: RunPoint[] = [];
  for (let i = 0; i < options.runs; i++) {
    const level = base * (i >= changeAt && changeAt >= 0 ? step : 1) * (1 + drift * i);
    const value = level * Math.exp(noise * normal(random));
    const spread = value * noise * (1 + random());
    const run: RunPoint = {
      id: `r${index}-${i}`,
      value,
      lo: value - spread,
      hi: value + spread,
      timestamp: START + i * (DAY / 4) + Math.floor(random() * 3_600_000),
      commit: hex(random, 40),
      message: i === changeAt ? `Rework ${group} hot path` : `Change ${i} in ${group}`,
      branch: i % 11 === 5 ? 'feature/faster' : 'main',
      machine: 'ci-linux-x64',
      n: 30,
    };
    if (options.percentiles) {
      run.percentiles = { p50: value, p90: value * (1 + 2 * noise), p95: value * (1 + 3 * noise), p99: value * (1 + 5 * noise) };
    }
    runs.push(run);
  }
  const changePoints: ChangePointMark[] =
    changeAt >= 0
      ? [{ index: changeAt, kind: step > 1 ? 'regression' : 'improvement', ratio: step, ratioCi: [step * 0.97, step * 1.03], pValue: 0.0004, severity: step > 1.2 ? 'critical' : 'warning' }]
      : [];
  const baseEnd = changeAt >= 0 ? changeAt - 1 : options.runs - 1;
  const baseFrom = Math.max(0, baseEnd - 30);
  const baseValues = runs.slice(baseFrom, baseEnd + 1).map((r) => r.value).sort((a, b) => a - b);
  const baselineMedian = baseValues[Math.floor(baseValues.length / 2)];
  const budget = index % 6 === 0 ? { statistic: 'median', max: base * 1.15 } : undefined;
  const latest = runs[runs.length - 1].value;
  let status: SeriesStatus = kind === 0 ? 'regressed' : kind === 1 ? 'improved' : noise > 0.1 ? 'noisy' : 'stable';
  if (budget && latest > budget.max && status !== 'regressed') status = 'over-budget';
  const lastLevel = base * (changeAt >= 0 ? step : 1) * (1 + drift * options.runs);
  const horizon = 20;
  const forecast =
    drift > 0
      ? {
          values: Array.from({ length: horizon }, (_, i) => lastLevel * (1 + drift * i)),
          lo: Array.from({ length: horizon }, (_, i) => lastLevel * (1 + drift * i) * (1 - noise * (1 + i / 10))),
          hi: Array.from({ length: horizon }, (_, i) => lastLevel * (1 + drift * i) * (1 + noise * (1 + i / 10))),
          note: 'rising about 0.03% per run',
        }
      : undefined;
  const series: SeriesOverview = {
    id: `s${String(index).padStart(4, '0')}`,
    name,
    metric: 'time',
    unit: 's',
    direction: 'smaller',
    source,
    group,
    status,
    sparkline: downsampleForSparkline(runs.map((r) => r.value)),
    latest,
    changeRatio: changeRatio(latest, baselineMedian),
    runs: runs.length,
    lastTimestamp: runs[runs.length - 1].timestamp,
    machineId: 'ci-linux-x64',
    statusNote: changePoints.length ? `${step > 1 ? '+' : ''}${((step - 1) * 100).toFixed(1)}% at run ${changeAt}` : undefined,
  };
  return {
    series,
    runs,
    changePoints,
    baseline: { from: baseFrom, to: baseEnd, median: baselineMedian, lo: baselineMedian * (1 - 2 * noise), hi: baselineMedian * (1 + 2 * noise) },
    budget,
    forecast,
  };
}

/** `count` series of `runs` runs each, deterministic for a seed. */
export function generateTrendsData(options: SampleDataOptions): SeriesDetail[] {
  const random = seededRandom(options.seed ?? 42);
  return Array.from({ length: options.series }, (_, i) => makeSeries(i, options, random));
}

/** A plausible comparison between two runs of a generated series (synthetic samples around each run's value). */
export function sampleCompare(detail: SeriesDetail, request: CompareRequest, seed = 7): CompareResult {
  const random = seededRandom(seed);
  const pick = (ref: string) => detail.runs.find((r) => r.id === ref || r.commit === ref) ?? detail.runs[detail.runs.length - 1];
  const a = pick(request.a.ref);
  const b = pick(request.b.ref);
  const samples = (run: RunPoint) => Array.from({ length: 40 }, () => run.value * Math.exp(0.03 * normal(random)));
  const ratio = b.value / a.value;
  const verdict = ratio > 1.03 ? 'slower' : ratio < 0.97 ? 'faster' : 'same';
  return {
    request,
    unit: detail.series.unit,
    direction: detail.series.direction,
    labelA: a.commit?.slice(0, 7) ?? a.id,
    labelB: b.commit?.slice(0, 7) ?? b.id,
    samplesA: samples(a),
    samplesB: samples(b),
    verdict,
    ratio,
    ratioCi: [ratio * 0.98, ratio * 1.02],
    pValue: verdict === 'same' ? 0.4 : 0.001,
    message: verdict === 'same' ? 'No difference the data can show' : `B is ${verdict} by ${Math.abs((ratio - 1) * 100).toFixed(1)}%`,
  };
}
