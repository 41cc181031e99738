import type { Direction } from '../model';
import { lookupTable } from '../own-keys';

/**
 * Unit normalisation shared by all parsers. Times become seconds, sizes bytes,
 * operation rates `ops/s` and byte rates `B/s`, so that series from different
 * harnesses compare. Units we do not know keep their own string.
 */
export interface UnitInfo {
  /** The normalised unit. */
  unit: string;
  /** Multiply a raw value by this to get the normalised unit. */
  scale: number;
  direction: Direction;
  kind: 'time' | 'memory' | 'ops-rate' | 'byte-rate' | 'count' | 'other';
}

// Units come from harness output: no inherited keys (a unit named `constructor` is unknown).
const TIME_SECONDS = lookupTable<number>({
  ps: 1e-12,
  ns: 1e-9,
  nanoseconds: 1e-9,
  us: 1e-6,
  'µs': 1e-6,
  'μs': 1e-6,
  microseconds: 1e-6,
  ms: 1e-3,
  milliseconds: 1e-3,
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  min: 60,
  mins: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hours: 3600,
});

// Units come from harness output: no inherited keys (a unit named `constructor` is unknown).
const SIZE_BYTES = lookupTable<number>({
  b: 1,
  byte: 1,
  bytes: 1,
  kb: 1e3,
  kib: 1024,
  kilobytes: 1e3,
  mb: 1e6,
  mib: 1024 ** 2,
  megabytes: 1e6,
  gb: 1e9,
  gib: 1024 ** 3,
  gigabytes: 1e9,
});

/** Per-iteration suffixes that do not change what a time or size means. */
const PER_ITERATION = /\/(?:iter|iteration|op|ops|call|run|it)$/i;

/** 999999.9999999999 (from 1 / 1e-6) is meant to be 1e6. */
function tidy(scale: number): number {
  const whole = Math.round(scale);
  return whole >= 1 && Math.abs(scale - whole) < 1e-9 * whole ? whole : scale;
}

function timeScale(unit: string): number | undefined {
  return TIME_SECONDS[unit] ?? TIME_SECONDS[unit.toLowerCase()];
}

function sizeScale(unit: string): number | undefined {
  // "b" alone is bytes only when written "B"; a lower-case "b" could be bits.
  if (unit === 'b') return undefined;
  return SIZE_BYTES[unit.toLowerCase()];
}

/**
 * Interpret a harness unit string such as `ns/iter`, `ops/ms`, `B/op`, `MB/s` or `Megabytes`. Of a
 * Go unit list (`ns/op\t 88 B/op\t 3 allocs/op`) the first token is the unit.
 */
export function normaliseUnit(raw: string): UnitInfo {
  const unit = (splitUnitList(raw)?.unit ?? raw).trim();
  const perIteration = unit.replace(PER_ITERATION, '');
  const t = timeScale(perIteration);
  if (t !== undefined) return { unit: 's', scale: t, direction: 'smaller', kind: 'time' };
  const b = sizeScale(perIteration);
  if (b !== undefined) return { unit: 'B', scale: b, direction: 'smaller', kind: 'memory' };

  const slash = unit.indexOf('/');
  if (slash > 0 && slash < unit.length - 1) {
    const what = unit.slice(0, slash).trim();
    const per = unit.slice(slash + 1).trim();
    const perSeconds = timeScale(per);
    if (perSeconds !== undefined) {
      if (/^(?:ops?|operations?|iters?|iterations?|runs?|calls?)$/i.test(what)) {
        return { unit: 'ops/s', scale: tidy(1 / perSeconds), direction: 'bigger', kind: 'ops-rate' };
      }
      const bytes = sizeScale(what);
      if (bytes !== undefined) return { unit: 'B/s', scale: tidy(bytes / perSeconds), direction: 'bigger', kind: 'byte-rate' };
      // Anything per unit of time (requests/s, MS/s) is a rate: more is better.
      return { unit, scale: 1, direction: 'bigger', kind: 'other' };
    }
  }
  if (/^(?:hz|ops)$/i.test(unit)) return { unit: 'ops/s', scale: 1, direction: 'bigger', kind: 'ops-rate' };
  if (/^(?:allocs?(?:\/op)?|count)$/i.test(unit)) return { unit: 'count', scale: 1, direction: 'smaller', kind: 'count' };
  return { unit, scale: 1, direction: 'smaller', kind: 'other' };
}

/**
 * `value * scale`, computed as a division when the scale is the inverse of a whole number
 * (1e-9, 1e-3...), so that 100 ns is exactly 1e-7 s rather than 1.0000000000000001e-7.
 */
export function scaled(value: number, scale: number): number {
  if (scale > 0 && scale < 1) {
    const inverse = Math.round(1 / scale);
    if (Math.abs(inverse * scale - 1) < 1e-12) return value / inverse;
  }
  return value * scale;
}

/** A unit string that carries further metrics after the first unit (see splitUnitList). */
export interface UnitList {
  /** The first unit token: the unit of the value it came with. */
  unit: string;
  /** The further metrics, as `[value, unit]` pairs in the order written. */
  extras: Array<[number, string]>;
}

const NUMBER_TOKEN = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/**
 * github-action-benchmark stores a Go benchmark's further metrics in its unit:
 * `ns/op\t    2346 B/op\t      43 allocs/op`. The first token is the unit of the value; the
 * rest are `<number> <unit>` pairs, each a metric of its own. Returns undefined for anything
 * else (a plain unit, or words such as `median ms` that are not such a list), so that only this
 * shape is taken apart.
 */
export function splitUnitList(raw: string): UnitList | undefined {
  if (raw.length > 1000) return undefined;
  const tokens = raw.trim().split(/\s+/);
  if (tokens.length < 3 || tokens.length % 2 === 0 || NUMBER_TOKEN.test(tokens[0])) return undefined;
  const extras: Array<[number, string]> = [];
  for (let i = 1; i + 1 < tokens.length; i += 2) {
    const value = Number(tokens[i]);
    if (!NUMBER_TOKEN.test(tokens[i]) || !Number.isFinite(value) || NUMBER_TOKEN.test(tokens[i + 1])) return undefined;
    extras.push([value, tokens[i + 1]]);
  }
  return { unit: tokens[0], extras };
}
