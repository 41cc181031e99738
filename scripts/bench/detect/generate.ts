/**
 * Seeded generator of labelled benchmark histories for the detection quality benchmark.
 * Noise shapes are drawn from a wide family (some deliberately odd ones too), noise levels
 * and step sizes vary, and a third of the series have no change at all.
 */
import { seededRandom, normal, type Random } from '../../../src/core/stats/random';
import type { Direction } from '../../../src/core/model';

export interface TrueChange {
  index: number;
  kind: 'regression' | 'improvement';
  /** |log step| / series noise. */
  sizeInNoise: number;
  /** |new/old - 1|. */
  relative: number;
}

export interface LabelledSeries {
  id: string;
  direction: Direction;
  values: number[];
  changes: TrueChange[];
  noiseShape: string;
  /** Noise of the series as a relative sd (log scale). */
  noise: number;
}

export const NOISE_SHAPES = [
  'gaussian', 'heavy-tailed', 'spikes', 'bimodal', 'ar1', 'quantised', 'variance-change',
  'excursions', 'drift', 'lognormal-skew', 'uniform', 'seasonal', 'mixed',
] as const;
/**
 * Shapes added later, kept out of the main corpus so its figures stay comparable across
 * versions: a separate check that the detector copes with noise it was not tuned on.
 */
export const EXTRA_NOISE_SHAPES = ['bursts', 'trimodal', 'coarse-quantised', 'ar-heavy'] as const;
export type NoiseShape = (typeof NOISE_SHAPES)[number] | (typeof EXTRA_NOISE_SHAPES)[number];

function uniform(r: Random, a: number, b: number): number {
  return a + (b - a) * r();
}
function logUniform(r: Random, a: number, b: number): number {
  return Math.exp(uniform(r, Math.log(a), Math.log(b)));
}
function pick<T>(r: Random, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}
/** Student t with df degrees of freedom (df > 2), scaled to unit sd. */
function studentT(r: Random, df: number): number {
  let chi = 0;
  for (let i = 0; i < df; i++) {
    const z = normal(r);
    chi += z * z;
  }
  return normal(r) / Math.sqrt(chi / df) / Math.sqrt(df / (df - 2));
}

/** Noise in log units, sd ≈ sigma (the series' noise), shaped by `shape`. */
function noiseSeries(r: Random, shape: NoiseShape, n: number, sigma: number): number[] {
  const out = new Array<number>(n);
  switch (shape) {
    case 'gaussian':
      for (let i = 0; i < n; i++) out[i] = sigma * normal(r);
      break;
    case 'heavy-tailed': {
      const df = pick(r, [3, 4, 5]);
      for (let i = 0; i < n; i++) out[i] = sigma * studentT(r, df);
      break;
    }
    case 'spikes': {
      const rate = uniform(r, 0.01, 0.06);
      for (let i = 0; i < n; i++) {
        out[i] = sigma * normal(r);
        if (r() < rate) out[i] += sigma * uniform(r, 5, 40) * (r() < 0.85 ? 1 : -1);
      }
      break;
    }
    case 'bimodal': {
      // cache hit or miss: a second mode a few noise units to 20% above, independently or with
      // short runs (long runs of one mode would be real level shifts, not noise)
      const share = uniform(r, 0.1, 0.45);
      const gap = Math.max(uniform(r, 4, 12) * sigma, uniform(r, 0.02, 0.2));
      const sticky = r() < 0.5;
      let miss = false;
      for (let i = 0; i < n; i++) {
        miss = sticky ? (r() < 0.6 ? r() < share : miss) : r() < share;
        out[i] = sigma * normal(r) + (miss ? gap : 0);
      }
      break;
    }
    case 'ar1': {
      const phi = uniform(r, 0.3, 0.75);
      const innovation = sigma * Math.sqrt(1 - phi * phi);
      let x = sigma * normal(r);
      for (let i = 0; i < n; i++) {
        x = phi * x + innovation * normal(r);
        out[i] = x;
      }
      break;
    }
    case 'quantised':
      for (let i = 0; i < n; i++) out[i] = sigma * normal(r);
      break;
    case 'variance-change': {
      const at = Math.floor(uniform(r, 0.2, 0.8) * n);
      const factor = uniform(r, 2, 4);
      for (let i = 0; i < n; i++) out[i] = sigma * normal(r) * (i >= at ? factor : 1);
      break;
    }
    case 'excursions': {
      for (let i = 0; i < n; i++) out[i] = sigma * normal(r);
      const count = 1 + Math.floor(r() * 4);
      for (let k = 0; k < count; k++) {
        const at = Math.floor(r() * n);
        const len = 1 + Math.floor(r() * 3);
        const size = sigma * uniform(r, 5, 20) * (r() < 0.7 ? 1 : -1);
        for (let i = at; i < Math.min(n, at + len); i++) out[i] += size;
      }
      break;
    }
    case 'drift': {
      const total = sigma * uniform(r, 1, 4) * (r() < 0.5 ? 1 : -1);
      for (let i = 0; i < n; i++) out[i] = sigma * normal(r) + (total * i) / n;
      break;
    }
    case 'lognormal-skew':
      // right-skewed: most runs fast, a long tail of slow ones
      for (let i = 0; i < n; i++) out[i] = sigma * (Math.exp(0.8 * normal(r)) - 1.377) / 1.1;
      break;
    case 'uniform':
      for (let i = 0; i < n; i++) out[i] = sigma * Math.sqrt(12) * (r() - 0.5);
      break;
    case 'seasonal': {
      const period = pick(r, [5, 7, 12, 24]);
      const amp = sigma * uniform(r, 0.5, 1.5);
      const phase = r() * 2 * Math.PI;
      for (let i = 0; i < n; i++) out[i] = amp * Math.sin(phase + (2 * Math.PI * i) / period) + 0.7 * sigma * normal(r);
      break;
    }
    case 'bursts': {
      // a few stretches of 5-20 runs with 3-5x the noise (a noisy neighbour), then calm again
      for (let i = 0; i < n; i++) out[i] = sigma * normal(r);
      const count = 1 + Math.floor(r() * 3);
      for (let k = 0; k < count; k++) {
        const at = Math.floor(r() * n);
        const len = 5 + Math.floor(r() * 16);
        const f = uniform(r, 3, 5);
        for (let i = at; i < Math.min(n, at + len); i++) out[i] *= f;
      }
      break;
    }
    case 'trimodal': {
      // three levels (hit, miss, miss of the next cache): two slower modes of 10-30% and 5-15%
      const gap1 = Math.max(uniform(r, 4, 10) * sigma, 0.02);
      const gap2 = gap1 + Math.max(uniform(r, 4, 10) * sigma, 0.02);
      const p1 = uniform(r, 0.1, 0.3), p2 = uniform(r, 0.05, 0.15);
      for (let i = 0; i < n; i++) {
        const u = r();
        out[i] = sigma * normal(r) + (u < p2 ? gap2 : u < p1 + p2 ? gap1 : 0);
      }
      break;
    }
    case 'coarse-quantised':
      // rounded below to a resolution of 1-2 noise units: only a handful of distinct values
      for (let i = 0; i < n; i++) out[i] = sigma * normal(r);
      break;
    case 'ar-heavy': {
      // strong autocorrelation driven by heavy-tailed (t3) shocks
      const phi = uniform(r, 0.5, 0.8);
      let x = 0;
      for (let i = 0; i < n; i++) {
        x = phi * x + sigma * Math.sqrt(1 - phi * phi) * studentT(r, 3);
        out[i] = x;
      }
      break;
    }
    case 'mixed': {
      // heavy tails on top of mild autocorrelation and occasional spikes
      let x = 0;
      for (let i = 0; i < n; i++) {
        x = 0.4 * x + 0.9 * sigma * studentT(r, 4);
        out[i] = x + (r() < 0.02 ? sigma * uniform(r, 5, 25) : 0);
      }
      break;
    }
  }
  return out;
}

export interface CorpusOptions {
  seed: number;
  count?: number;
  /** Noise shapes, used in turn (default: the main corpus, NOISE_SHAPES). */
  shapes?: readonly NoiseShape[];
}

export function generateCorpus({ seed, count = 660, shapes = NOISE_SHAPES }: CorpusOptions): LabelledSeries[] {
  const r = seededRandom(seed);
  const out: LabelledSeries[] = [];
  for (let s = 0; s < count; s++) {
    const shape = shapes[s % shapes.length];
    const n = r() < 0.15 ? Math.floor(uniform(r, 20, 80)) : Math.floor(uniform(r, 80, 500));
    const sigma = logUniform(r, 0.003, 0.05);
    const direction: Direction = r() < 0.3 ? 'bigger' : 'smaller';
    const noise = noiseSeries(r, shape, n, sigma);
    const changeCount = r() < 0.35 ? 0 : 1 + Math.floor(r() * 3);
    const positions: number[] = [];
    const nearEnd = r() < 0.25;
    for (let k = 0; k < changeCount * 10 && positions.length < changeCount; k++) {
      const at = nearEnd && positions.length === 0 ? n - 1 - Math.floor(r() * 8) : Math.floor(uniform(r, 10, n - 1));
      if (at < 10 || positions.some((p) => Math.abs(p - at) < 20)) continue;
      positions.push(at);
    }
    positions.sort((a, b) => a - b);
    const level = new Float64Array(n);
    const changes: TrueChange[] = [];
    let current = 0;
    let next = 0;
    for (let i = 0; i < n; i++) {
      if (next < positions.length && positions[next] === i) {
        // step sizes relative to the noise, with a floor in relative terms now and then
        const k = r() < 0.75 ? uniform(r, 4, 14) : uniform(r, 1, 4);
        let step = k * sigma;
        if (r() < 0.3) step = Math.max(step, uniform(r, 0.03, 0.3));
        const sign = r() < 0.5 ? 1 : -1;
        current += sign * step;
        const worse = direction === 'smaller' ? sign > 0 : sign < 0;
        changes.push({ index: i, kind: worse ? 'regression' : 'improvement', sizeInNoise: step / sigma, relative: Math.abs(Math.exp(sign * step) - 1) });
        next++;
      }
      level[i] = current;
    }
    const base = direction === 'smaller' ? logUniform(r, 1e-4, 100) : logUniform(r, 10, 1e6);
    let values = Array.from(level, (l, i) => base * Math.exp(l + noise[i]));
    let visibleNoise = sigma;
    if (shape === 'coarse-quantised') {
      const unit = base * sigma * uniform(r, 1, 2);
      values = values.map((v) => Math.max(unit, Math.round(v / unit) * unit));
      const resolution = unit / base;
      visibleNoise = Math.sqrt(sigma * sigma + (resolution * resolution) / 12);
      for (const c of changes) c.sizeInNoise *= sigma / visibleNoise;
    }
    if (shape === 'quantised') {
      // whole milliseconds on a timing of a few ms to a few hundred ms
      const ms = logUniform(r, 3, 300);
      const unit = base / ms;
      values = values.map((v) => Math.max(unit, Math.round(v / unit) * unit));
      // rounding adds noise of its own; a step is judged against what can be seen
      visibleNoise = Math.sqrt(sigma * sigma + 1 / (12 * ms * ms));
      for (const c of changes) c.sizeInNoise *= sigma / visibleNoise;
    }
    out.push({ id: `s${s}-${shape}`, direction, values, changes, noiseShape: shape, noise: visibleNoise });
  }
  return out;
}


/**
 * Series shapes of the detector's edge cases, scored apart from the noise-shape corpora:
 * - `constant-step`: an exactly constant count (allocations, bytes) with steps to other constant
 *   levels, now and then a one-run blip of one unit;
 * - `last-spike`: 0.3-3% noise and one high last run (x1.2 to x2), no change: a confirmed alert
 *   at that run is a false one (a spike and a step cannot be told apart from one run);
 * - `short-prefix`: a change 3 to 9 runs after the start, or a short series of 10-30 runs without one;
 * - `zero-start`: a run of zeros, then counts around a level of 16-200 (Poisson-like).
 */
export const EDGE_SHAPES = ['constant-step', 'last-spike', 'short-prefix', 'zero-start'] as const;

function changeAt(index: number, direction: Direction, up: boolean, sizeInNoise: number, relative: number): TrueChange {
  const worse = direction === 'smaller' ? up : !up;
  return { index, kind: worse ? 'regression' : 'improvement', sizeInNoise, relative };
}

export function generateEdgeCorpus({ seed, count = 200 }: { seed: number; count?: number }): LabelledSeries[] {
  const r = seededRandom(seed * 7919 + 17);
  const out: LabelledSeries[] = [];
  for (let s = 0; s < count; s++) {
    const shape = EDGE_SHAPES[s % EDGE_SHAPES.length];
    const direction: Direction = r() < 0.3 ? 'bigger' : 'smaller';
    const changes: TrueChange[] = [];
    let values: number[];
    let noise: number;
    if (shape === 'constant-step') {
      const n = Math.floor(uniform(r, 30, 300));
      let level = Math.round(logUniform(r, 10, 1e5));
      noise = 1 / Math.sqrt(12) / level;
      const steps = r() < 0.3 ? 0 : 1 + Math.floor(r() * 2);
      const positions: number[] = [];
      const nearEnd = r() < 0.25;
      for (let k = 0; k < 20 && positions.length < steps; k++) {
        const at = nearEnd && positions.length === 0 ? n - 1 - Math.floor(r() * 8) : Math.floor(uniform(r, 10, n - 1));
        if (at >= 10 && !positions.some((p) => Math.abs(p - at) < 20)) positions.push(at);
      }
      positions.sort((a, b) => a - b);
      values = [];
      let next = 0;
      for (let i = 0; i < n; i++) {
        if (next < positions.length && positions[next] === i) {
          const up = r() < 0.5;
          const rel = uniform(r, 0.02, 0.5);
          const to = Math.max(1, Math.round(level * (up ? 1 + rel : 1 / (1 + rel))));
          if (to !== level) changes.push(changeAt(i, direction, to > level, Math.abs(Math.log(to / level)) / noise, Math.abs(to / level - 1)));
          level = to;
          next++;
        }
        values.push(level);
      }
      if (r() < 0.5) {
        // a few one-run blips of one unit, away from the changes
        const blips = 1 + Math.floor(r() * 3);
        for (let k = 0; k < blips; k++) {
          const i = Math.floor(uniform(r, 1, n - 2));
          if (!positions.some((p) => Math.abs(p - i) <= 2)) values[i] += r() < 0.5 ? 1 : -1;
        }
      }
    } else if (shape === 'last-spike') {
      const n = Math.floor(uniform(r, 20, 300));
      noise = logUniform(r, 0.003, 0.03);
      const base = logUniform(r, 1e-3, 100);
      values = Array.from({ length: n }, () => base * Math.exp(noise * normal(r)));
      values[n - 1] *= uniform(r, 1.2, 2);
    } else if (shape === 'short-prefix') {
      noise = logUniform(r, 0.005, 0.03);
      const base = logUniform(r, 1e-3, 100);
      if (r() < 0.3) {
        const n = Math.floor(uniform(r, 10, 30));
        values = Array.from({ length: n }, () => base * Math.exp(noise * normal(r)));
      } else {
        const at = 3 + Math.floor(r() * 7);
        const n = at + Math.floor(uniform(r, 15, 100));
        const k = r() < 0.75 ? uniform(r, 4, 14) : uniform(r, 1, 4);
        const step = r() < 0.3 ? Math.max(k * noise, uniform(r, 0.03, 0.3)) : k * noise;
        const up = r() < 0.5;
        changes.push(changeAt(at, direction, up, step / noise, Math.abs(Math.exp(up ? step : -step) - 1)));
        values = Array.from({ length: n }, (_, i) => base * Math.exp((i >= at ? (up ? step : -step) : 0) + noise * normal(r)));
      }
    } else {
      const zeros = Math.floor(uniform(r, 10, 40));
      const n = zeros + Math.floor(uniform(r, 15, 150));
      const lambda = uniform(r, 16, 200);
      noise = 1 / Math.sqrt(lambda);
      changes.push(changeAt(zeros, direction, true, Math.sqrt(lambda), 1));
      values = Array.from({ length: n }, (_, i) => (i < zeros ? 0 : Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(r)))));
    }
    out.push({ id: `e${s}-${shape}`, direction, values, changes, noiseShape: shape, noise });
  }
  return out;
}
