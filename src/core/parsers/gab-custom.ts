import type { Direction, Measurement } from '../model';
import { ParseError } from './errors';
import { normaliseUnit, scaled, splitUnitList } from './units';
import { type FormatModule, isObject, asNumber, asString, requireJson, requireSome, baseName } from './shared';

/**
 * github-action-benchmark custom JSON: `[{ name, unit, value, range?, extra? }]`, the same shape for
 * `customSmallerIsBetter` and `customBiggerIsBetter`: the direction is not in the file, so the format
 * name carries it. Auto-detection uses the file name (`...bigger...` / `...smaller...`) and otherwise
 * guesses bigger-is-better only when every unit is a rate (`req/s`, `ops/s`).
 * Time and size units are normalised; `range` ("± 20", "3", "5%") becomes a spread of kind `range`.
 * A Go benchmark's unit `ns/op\t 88 B/op\t 3 allocs/op` is the unit `ns/op` and two further
 * metrics, each its own series (`Name (B/op)`, `Name (allocs/op)`), as go-test-bench reads them.
 * An entry whose value is not a number (`"null"`, `null`, `"NaN"`) is skipped with a warning
 * that names it; the rest of the file is read.
 */

/** `range` strings: "± 20", "+/- 3", "3", "5%" (relative to the value). */
export function parseRange(range: unknown, value: number, scale: number): number | undefined {
  if (typeof range === 'number') return Number.isFinite(range) ? scaled(Math.abs(range), scale) : undefined;
  if (typeof range !== 'string' || range.length > 100) return undefined;
  const match = /(\d+(?:[.,]\d+)*(?:[eE][+-]?\d+)?)\s*(%?)/.exec(range);
  if (!match) return undefined;
  const n = Number(match[1].replace(/,/g, ''));
  if (!Number.isFinite(n)) return undefined;
  return match[2] === '%' ? Math.abs((value * n) / 100) : scaled(n, scale);
}

export interface CustomEntry {
  name: string;
  /** The unit of `value` (the first token of a Go unit list). */
  unit: string;
  value: number;
  range?: unknown;
  /** Further metrics written into the unit (Go's `B/op`, `allocs/op`), as `[value, unit]`. */
  extras?: Array<[number, string]>;
}

/**
 * The entries of a custom benchmark array. An entry without a readable value or name is skipped
 * and a warning naming it is added to `warnings` (no warnings list: it is an error).
 */
export function customEntries(j: unknown, what: string, warnings?: string[]): CustomEntry[] {
  if (!Array.isArray(j)) throw new ParseError(`${what} must be an array of { name, unit, value }`);
  const out: CustomEntry[] = [];
  j.forEach((e, i) => {
    const skip = (why: string) => {
      if (!warnings) throw new ParseError(`${what} entry [${i}] ${why}`);
      warnings.push(`${what}[${i}] ${why}; skipped`);
    };
    if (!isObject(e)) return skip('is not an object');
    const name = asString(e.name);
    if (name === undefined) return skip('has no "name"');
    const value = asNumber(e.value);
    if (value === undefined) return skip(`(${JSON.stringify(name.slice(0, 200))}) has no numeric "value" (${describeValue(e.value)})`);
    const rawUnit = asString(e.unit) ?? '';
    const list = splitUnitList(rawUnit);
    const entry: CustomEntry = { name, unit: list ? list.unit : rawUnit, value, range: e.range };
    if (list) entry.extras = list.extras;
    out.push(entry);
  });
  return out;
}

/** A short, safe description of an unreadable value for a warning. */
function describeValue(value: unknown): string {
  if (value === undefined) return 'none';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** One custom entry as a measurement; `direction` overrides the unit's own idea when the tool says. */
export function customMeasurement(e: CustomEntry, direction?: Direction): Measurement {
  const unit = normaliseUnit(e.unit);
  const value = scaled(e.value, unit.scale);
  const m: Measurement = { series: e.name, unit: unit.unit, direction: direction ?? unit.direction, value };
  m.metric = unit.kind === 'time' ? 'time' : unit.kind === 'ops-rate' ? 'throughput' : unit.kind === 'memory' ? 'memory' : e.unit || 'value';
  const spread = parseRange(e.range, value, unit.scale);
  if (spread !== undefined) m.spread = { kind: 'range', value: spread };
  return m;
}

/**
 * A custom entry's measurements: the entry itself, then one series per further metric of its
 * unit (named and typed as go-test-bench names them: `Name (B/op)`, metric `B/op`).
 */
export function customMeasurements(e: CustomEntry, direction?: Direction): Measurement[] {
  const out = [customMeasurement(e, direction)];
  for (const [raw, rawUnit] of e.extras ?? []) {
    const unit = normaliseUnit(rawUnit);
    out.push({ series: `${e.name} (${rawUnit})`, metric: rawUnit, unit: unit.unit, direction: unit.direction, value: scaled(raw, unit.scale) });
  }
  return out;
}

function looksCustom(j: unknown): boolean {
  return (
    Array.isArray(j) &&
    j.length > 0 &&
    j.every((e) => isObject(e) && typeof e.name === 'string' && 'value' in e && typeof e.unit === 'string')
  );
}

function nameSays(fileName: string | undefined): 'bigger' | 'smaller' | undefined {
  const name = fileName ? baseName(fileName).toLowerCase() : '';
  if (name.includes('bigger')) return 'bigger';
  if (name.includes('smaller')) return 'smaller';
  return undefined;
}

function allRates(j: unknown): boolean {
  return Array.isArray(j) && j.every((e) => isObject(e) && typeof e.unit === 'string' && normaliseUnit(e.unit).direction === 'bigger');
}

function customFormat(direction: Direction): FormatModule {
  return {
    name: direction === 'bigger' ? 'gab-custom-bigger' : 'gab-custom-smaller',
    description: `github-action-benchmark custom${direction === 'bigger' ? 'BiggerIsBetter' : 'SmallerIsBetter'} JSON`,
    detect(input) {
      const j = input.json();
      if (!looksCustom(j)) return false;
      const said = nameSays(input.fileName) ?? (allRates(j) ? 'bigger' : 'smaller');
      return said === direction;
    },
    parse(input) {
      const entries = customEntries(requireJson(input, 'github-action-benchmark custom JSON'), 'custom benchmark JSON', input.warnings);
      return requireSome(entries.flatMap((e) => customMeasurements(e, direction)), 'custom benchmark entries');
    },
  };
}

export const gabCustomSmaller = customFormat('smaller');
export const gabCustomBigger = customFormat('bigger');
