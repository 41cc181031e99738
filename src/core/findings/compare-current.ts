import type { RunRecord } from '../model';
import { seededRandom, seedFromString } from '../stats/random';
import { median, scaledMad } from '../stats/summary';
import { mannWhitney } from '../stats/tests';

/**
 * The current run against its baseline runs, for CI where the current run is a single new point
 * the history detector cannot confirm yet. Samples of the current run are compared with the pooled
 * samples of the most recent baseline runs (Mann–Whitney), the interval of the ratio of medians is a
 * seeded bootstrap, and the change must also clear the run-to-run noise of the baseline runs so
 * that between-run drift alone does not make a finding.
 */

export interface CurrentComparison {
  ratio: number;
  ratioCi: [number, number];
  pValue: number;
  baselineMedian: number;
  currentMedian: number;
  significant: boolean;
}

const BASELINE_RUNS = 5;
const MIN_SAMPLES = 3;
const BOOTSTRAP = 1000;

function resampleMedian(values: readonly number[], random: () => number): number {
  const copy = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) copy[i] = values[Math.floor(random() * values.length)];
  return median(copy);
}

export function compareCurrent(
  baselineRuns: readonly RunRecord[],
  current: RunRecord,
  options: { alpha?: number; minEffect?: number; noiseMultiple?: number } = {},
): CurrentComparison | undefined {
  const alpha = options.alpha ?? 0.01;
  const minEffect = options.minEffect ?? 0.015;
  const noiseMultiple = options.noiseMultiple ?? 2;
  const recent = baselineRuns.slice(-BASELINE_RUNS);
  const before = recent.flatMap((r) => r.samples ?? []);
  const after = current.samples ?? [];
  if (before.length < MIN_SAMPLES || after.length < MIN_SAMPLES) return undefined;
  const baselineMedian = median(before);
  const currentMedian = median(after);
  if (!(baselineMedian > 0)) return undefined;
  const ratio = currentMedian / baselineMedian;
  const random = seededRandom(seedFromString(current.seriesId + current.id));
  const ratios: number[] = [];
  for (let i = 0; i < BOOTSTRAP; i++) ratios.push(resampleMedian(after, random) / resampleMedian(before, random));
  ratios.sort((a, b) => a - b);
  const ratioCi: [number, number] = [ratios[Math.floor(0.025 * BOOTSTRAP)], ratios[Math.ceil(0.975 * BOOTSTRAP) - 1]];
  const { pValue } = mannWhitney(before, after);
  // Run-to-run noise of the whole history of baseline runs (their medians), relative to the level.
  const runValues = baselineRuns.slice(-30).map((r) => r.value);
  const runNoise = runValues.length >= 3 ? scaledMad(runValues) / Math.abs(median(runValues)) : 0;
  const effect = Math.abs(ratio - 1);
  const significant =
    pValue < alpha && effect >= minEffect && effect >= noiseMultiple * runNoise && (ratioCi[0] > 1 || ratioCi[1] < 1);
  return { ratio, ratioCi, pValue, baselineMedian, currentMedian, significant };
}
