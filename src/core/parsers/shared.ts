import type { Measurement } from '../model';
import { median } from '../stats/summary';
import { ParseError } from './errors';
import { scaled } from './units';

/** What a format module sees: the text, its file name if known, and sibling files some formats use. */
export interface ParseInput {
  text: string;
  fileName?: string;
  /** Other files next to this one, by base name (criterion's `sample.json`, `benchmark.json`). */
  siblings?: Record<string, string>;
  /** The text as JSON, parsed once and shared by every detector; `undefined` when it is not JSON. */
  json(): unknown;
  /** What a parser skipped and the user should hear of (an entry with an unreadable value), one line each. */
  warnings: string[];
  /**
   * The workspace root, when the caller knows it. Reports that name tests by absolute file path
   * (jest, vitest, mocha, CTRF) are named relative to it, so that a laptop and CI record the same series.
   */
  root?: string;
}

/** One harness or report format: a cheap, unambiguous `detect` and a `parse` that throws only `ParseError`. */
export interface FormatModule {
  name: string;
  /** One line for `--help` and for error messages. */
  description: string;
  detect(input: ParseInput): boolean;
  parse(input: ParseInput): Measurement[];
}

const NOT_JSON = Symbol('not json');

export function makeInput(raw: string, fileName?: string, siblings?: Record<string, string>, root?: string): ParseInput {
  // Editors on Windows like to start UTF-8 files with a byte-order mark; no harness means it.
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  let cached: unknown = undefined;
  let parsed = false;
  return {
    text,
    fileName,
    siblings,
    warnings: [],
    ...(root ? { root } : {}),
    json() {
      if (!parsed) {
        parsed = true;
        const trimmed = text.trimStart();
        if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
          try {
            cached = JSON.parse(trimmed);
          } catch {
            cached = NOT_JSON;
          }
        } else {
          cached = NOT_JSON;
        }
      }
      return cached === NOT_JSON ? undefined : cached;
    },
  };
}

/** The JSON of an input, or a ParseError saying it is not valid JSON. */
export function requireJson(input: ParseInput, what: string): unknown {
  const value = input.json();
  if (value !== undefined) return value;
  const trimmed = input.text.trimStart();
  try {
    JSON.parse(trimmed);
  } catch (err) {
    throw new ParseError(`not valid JSON for ${what}: ${(err as Error).message}`);
  }
  throw new ParseError(`not valid JSON for ${what}`);
}

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** A finite number from a JSON number or a numeric string, else undefined. */
export function asNumber(value: unknown): number | undefined {
  if (isFiniteNumber(value)) return value;
  if (typeof value === 'string') {
    const text = value.trim();
    if (text === '') return undefined;
    // Most numbers have no thousands separators: no regex replace for them (this runs per attribute of large reports).
    const n = Number(text.includes(',') ? text.replace(/,/g, '') : text);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** All entries are finite numbers: such an array can be kept as raw samples. */
export function numericArray(value: unknown): number[] | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  return value.every(isFiniteNumber) ? (value as number[]) : undefined;
}

export function medianOf(values: readonly number[]): number {
  return median(values);
}

export function scaleAll(values: readonly number[], scale: number): number[] {
  return values.map((v) => scaled(v, scale));
}

/**
 * Lines of a text output. Very long lines are dropped: no harness writes them, and
 * skipping them keeps every line regex linear-time on adversarial input.
 */
export function textLines(text: string, maxLength = 2000): string[] {
  return text.split(/\r?\n/).filter((l) => l.length <= maxLength);
}

/**
 * The part of a text that detectors of line formats look at: enough to recognise any harness
 * output, and detection stays cheap on very large files (parsing still reads everything).
 */
export function detectionHead(text: string): string {
  return text.length <= 262144 ? text : text.slice(0, 262144);
}

/** Throws a clear error when a parser found nothing it could use. */
export function requireSome(measurements: Measurement[], what: string): Measurement[] {
  if (measurements.length === 0) throw new ParseError(`no ${what} found`);
  return measurements;
}

/** Drops measurements whose centre is not a finite number (corrupt rows), so nothing downstream sees NaN. */
export function finiteOnly(measurements: Measurement[]): Measurement[] {
  return measurements.filter((m) => Number.isFinite(m.value));
}

/** The file's base name without folders, for series names derived from paths. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts[parts.length - 1] ?? path;
}

/**
 * The same string, stored flat. A string built piece by piece (streaming XML parsers build each
 * attribute value one character at a time, and series names are joined from parts) is kept by the
 * engine as a tree of pieces that can cost five times its length; reading a character makes it
 * flatten the string once, so a report of 500,000 tests keeps 500,000 compact names.
 */
export function flatString(s: string): string {
  s.charCodeAt(0);
  return s;
}

function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(path);
}

/**
 * A path as the workspace knows it: relative to `root` with `/` separators when it lies inside the
 * root, else unchanged. Windows drive letters and separators are matched loosely, so that
 * `C:\ws\test\a.js` and `/home/ci/ws/test/a.js` both become `test/a.js`.
 */
export function workspaceRelative(path: string, root: string | undefined): string {
  if (!root || !isAbsolutePath(path)) return path;
  const slashes = (p: string) => p.replace(/\\/g, '/');
  const base = slashes(root).replace(/\/+$/, '');
  const full = slashes(path);
  if (base === '' || full.length <= base.length + 1 || full[base.length] !== '/') return path;
  const head = full.slice(0, base.length);
  const windows = /^[A-Za-z]:\//.test(base);
  if (windows ? head.toLowerCase() !== base.toLowerCase() : head !== base) return path;
  return full.slice(base.length + 1);
}
