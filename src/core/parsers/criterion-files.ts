import type { Measurement } from '../model';
import { ParseError } from './errors';
import { type FormatModule, type ParseInput, isObject, asNumber, asString, numericArray, medianOf, requireJson, requireSome } from './shared';
import { scaled } from './units';

/**
 * criterion.rs result files under `target/criterion/<id>/new/`:
 * - `estimates.json`: `{ Mean|Median|Slope|StdDev|MedianAbsDev: { point_estimate, confidence_interval: { lower_bound, upper_bound } } }`
 *   in nanoseconds; criterion 0.3 and later write the keys in snake case (`mean`, `median`, `slope`,
 *   `std_dev`, `median_abs_dev`) and `"slope": null` for flat sampling.
 *   The centre is criterion's headline estimate (the slope when there is one, else the mean), the
 *   spread half its 95% confidence interval. With a sibling `sample.json` the samples are
 *   `times[i] / iters[i]` and the centre is their median.
 *   In a `change/estimates.json` (only Mean and Median, relative changes against the previous run)
 *   the values are ratios: it becomes one measurement of metric `change`, unit `ratio`.
 * - `sample.json`: `{ iters: [...], times: [...] }` (older versions: `[[iters...], [times...]]`).
 * The series is `full_id` from a sibling `benchmark.json` (for `change/`, the one in `new/`), else the
 * folder path before `new/`, else `criterion`.
 */
const NS = 1e-9;

interface Estimate {
  point: number;
  halfWidth?: number;
}

function estimate(value: unknown): Estimate | undefined {
  if (!isObject(value)) return undefined;
  const point = asNumber(value.point_estimate);
  if (point === undefined) return undefined;
  const ci = isObject(value.confidence_interval) ? value.confidence_interval : undefined;
  const lo = ci ? asNumber(ci.lower_bound) : undefined;
  const hi = ci ? asNumber(ci.upper_bound) : undefined;
  return { point, halfWidth: lo !== undefined && hi !== undefined ? Math.abs(hi - lo) / 2 : undefined };
}

/** An estimate by its name in either spelling: criterion 0.2 `StdDev`, 0.3+ `std_dev`. */
function field(j: Record<string, unknown>, older: string, newer: string): unknown {
  return Object.prototype.hasOwnProperty.call(j, newer) ? j[newer] : Object.prototype.hasOwnProperty.call(j, older) ? j[older] : undefined;
}

function looksLikeEstimates(j: unknown): boolean {
  if (!isObject(j)) return false;
  const mean = field(j, 'Mean', 'mean');
  return isObject(mean) && 'point_estimate' in mean && isObject(field(j, 'Median', 'median'));
}

function isChangeFile(j: Record<string, unknown>, fileName?: string): boolean {
  if (fileName && /[\\/]change[\\/][^\\/]*$/.test(fileName)) return true;
  return ['StdDev', 'std_dev', 'Slope', 'slope', 'MedianAbsDev', 'median_abs_dev'].every((key) => !(key in j));
}

/** Per-iteration times in seconds from a sample.json value, or undefined if it is not one. */
export function samplesFromSampleJson(j: unknown): number[] | undefined {
  let iters: number[] | undefined;
  let times: number[] | undefined;
  if (isObject(j)) {
    iters = numericArray(j.iters);
    times = numericArray(j.times);
  } else if (Array.isArray(j) && j.length === 2) {
    iters = numericArray(j[0]);
    times = numericArray(j[1]);
  }
  if (!iters || !times || iters.length !== times.length) return undefined;
  const out: number[] = [];
  for (let i = 0; i < iters.length; i++) if (iters[i] > 0) out.push(scaled(times[i] / iters[i], NS));
  return out.length > 0 ? out : undefined;
}

function seriesName(input: ParseInput): string {
  const bench = input.siblings?.['benchmark.json'];
  if (bench) {
    try {
      const b = JSON.parse(bench) as unknown;
      const id = isObject(b) ? asString(b.full_id) ?? asString(b.title) : undefined;
      if (id) return id;
    } catch {
      // An unreadable benchmark.json only costs us the nicer name.
    }
  }
  const path = (input.fileName ?? '').split(/[\\/]/);
  // .../criterion/<group>/<function>/new/estimates.json → "<group>/<function>"
  const at = path.length - 2;
  if (at >= 1 && (path[at] === 'new' || path[at] === 'base' || path[at] === 'change')) {
    const criterionRoot = path.lastIndexOf('criterion', at);
    const parts = criterionRoot >= 0 ? path.slice(criterionRoot + 1, at) : path.slice(Math.max(0, at - 1), at);
    if (parts.length > 0 && parts.every(Boolean)) return parts.join('/');
  }
  return 'criterion';
}

export const criterionEstimates: FormatModule = {
  name: 'criterion-estimates',
  description: 'criterion.rs estimates.json',
  detect: (input) => looksLikeEstimates(input.json()),
  parse(input) {
    const j = requireJson(input, 'criterion estimates.json');
    if (!looksLikeEstimates(j) || !isObject(j)) throw new ParseError('criterion estimates.json must have "mean" and "median" estimates');
    const series = seriesName(input);
    const headline = estimate(field(j, 'Slope', 'slope')) ?? estimate(field(j, 'Mean', 'mean'));
    if (!headline) throw new ParseError('criterion estimates.json has no point estimate');
    if (isChangeFile(j, input.fileName)) {
      const m: Measurement = { series: `${series} (change)`, metric: 'change', unit: 'ratio', direction: 'smaller', value: headline.point };
      if (headline.halfWidth !== undefined) m.spread = { kind: 'interval95', value: headline.halfWidth };
      return [m];
    }
    let samples: number[] | undefined;
    const sampleText = input.siblings?.['sample.json'];
    if (sampleText) {
      try {
        samples = samplesFromSampleJson(JSON.parse(sampleText));
      } catch {
        samples = undefined;
      }
    }
    const m: Measurement = { series, metric: 'time', unit: 's', direction: 'smaller', value: samples ? medianOf(samples) : scaled(headline.point, NS) };
    if (samples) m.samples = samples;
    if (headline.halfWidth !== undefined) m.spread = { kind: 'interval95', value: scaled(headline.halfWidth, NS) };
    return [m];
  },
};

export const criterionSample: FormatModule = {
  name: 'criterion-sample',
  description: 'criterion.rs sample.json',
  detect(input) {
    const j = input.json();
    if (isObject(j)) return Array.isArray(j.iters) && Array.isArray(j.times);
    return Array.isArray(j) && j.length === 2 && Array.isArray(j[0]) && Array.isArray(j[1]) && j[0].length === j[1].length && j[0].length > 0 && typeof j[0][0] === 'number';
  },
  parse(input) {
    const samples = samplesFromSampleJson(requireJson(input, 'criterion sample.json'));
    if (!samples) throw new ParseError('criterion sample.json must hold equally long "iters" and "times" arrays of numbers');
    return requireSome([{ series: seriesName(input), metric: 'time', unit: 's', direction: 'smaller', value: medianOf(samples), samples }], 'criterion samples');
  },
};
