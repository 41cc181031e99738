import type { Direction, Measurement } from '../model';
import { ParseError } from './errors';
import { normaliseUnit, scaled } from './units';
import { type FormatModule, isObject, asNumber, asString, requireJson, requireSome, baseName } from './shared';

/**
 * github-action-benchmark custom JSON: `[{ name, unit, value, range?, extra? }]`, the same shape for
 * `customSmallerIsBetter` and `customBiggerIsBetter`: the direction is not in the file, so the format
 * name carries it. Auto-detection uses the file name (`...bigger...` / `...smaller...`) and otherwise
 * guesses bigger-is-better only when every unit is a rate (`req/s`, `ops/s`).
 * Time and size units are normalised; `range` ("± 20", "3", "5%") becomes a spread of kind `range`.
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
  unit: string;
  value: number;
  range?: unknown;
}

export function customEntries(j: unknown, what: string): CustomEntry[] {
  if (!Array.isArray(j)) throw new ParseError(`${what} must be an array of { name, unit, value }`);
  return j.map((e, i) => {
    if (!isObject(e)) throw new ParseError(`${what} entry [${i}] is not an object`);
    const name = asString(e.name);
    const value = asNumber(e.value);
    if (name === undefined) throw new ParseError(`${what} entry [${i}] has no "name"`);
    if (value === undefined) throw new ParseError(`${what} entry [${i}] ("${name}") has no numeric "value"`);
    return { name, unit: asString(e.unit) ?? '', value, range: e.range };
  });
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
      const entries = customEntries(requireJson(input, 'github-action-benchmark custom JSON'), 'custom benchmark JSON');
      return requireSome(entries.map((e) => customMeasurement(e, direction)), 'custom benchmark entries');
    },
  };
}

export const gabCustomSmaller = customFormat('smaller');
export const gabCustomBigger = customFormat('bigger');
