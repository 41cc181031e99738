import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ParseResult } from '../model';
import { ParseError } from './errors';
import { type FormatModule, makeInput, baseName, finiteOnly } from './shared';
import { gabDataJs } from './gab-data-js';
import { junit } from './junit';
import { goTestJson } from './go-test-json';
import { hyperfine } from './hyperfine';
import { pytestBenchmark } from './pytest-benchmark';
import { googleBenchmark } from './google-benchmark';
import { benchmarkDotNet } from './benchmarkdotnet';
import { jmh } from './jmh';
import { juliaBenchmarkTools } from './julia-benchmarktools';
import { vitestBench } from './vitest-bench';
import { criterionEstimates, criterionSample } from './criterion-files';
import { jestJson, vitestJson } from './jest-vitest-json';
import { mochaJson } from './mocha-json';
import { ctrf } from './ctrf';
import { gabCustomBigger, gabCustomSmaller } from './gab-custom';
import { bencherBmf } from './bencher-bmf';
import { catch2 } from './catch2';
import { goTestBench } from './go-test-bench';
import { benchmarkJs } from './benchmarkjs';
import { cargoLibtest, criterionBencher } from './libtest';

/**
 * Parsers for benchmark harness outputs and test reports: pure functions from text to
 * `Measurement`s. Every failure is a `ParseError` with a message a user can act on.
 *
 * Conventions shared by all formats (details at the top of each module):
 * - Units: times in seconds `s`, sizes in bytes `B`, operation rates in `ops/s` (bigger is better),
 *   byte rates in `B/s`; unknown units keep the harness's string (see units.ts).
 * - Series: the harness's own name. The primary metric (`time`, or `throughput` for ops/s harnesses)
 *   has the bare name; every other metric of the same benchmark gets `metric` set and a suffix,
 *   e.g. `BenchmarkFib-8 (B/op)`. Parameters are part of the name as the harness prints them.
 * - Centre: the median of the raw samples when the format has them (kept in `samples`); otherwise
 *   the harness's own estimate, with its spread and what that spread means (`spread.kind`).
 * - Test reports: `<suite> › <test>` per test (metric `time`), `<suite>` per suite (`suite-time`)
 *   and `(total)` (`total-time`), see test-report.ts.
 */
export { ParseError } from './errors';
export { parseGabDataJs, type HistoryEntry } from './gab-data-js';
export { normaliseUnit, type UnitInfo } from './units';

/**
 * Detection order matters: the most specific shapes come first, so that no file is claimed by
 * a looser detector (Bencher Metric Format accepts almost any object of objects and goes last
 * among JSON formats; libtest text is the catch-all for `test ... bench:` lines).
 */
const REGISTRY: readonly FormatModule[] = [
  gabDataJs,
  junit,
  goTestJson,
  hyperfine,
  pytestBenchmark,
  googleBenchmark,
  benchmarkDotNet,
  jmh,
  juliaBenchmarkTools,
  vitestBench,
  criterionEstimates,
  criterionSample,
  jestJson,
  vitestJson,
  mochaJson,
  ctrf,
  gabCustomBigger,
  gabCustomSmaller,
  bencherBmf,
  catch2,
  goTestBench,
  benchmarkJs,
  criterionBencher,
  cargoLibtest,
];

/** The format modules in detection order (for tests and tools that probe formats one by one). */
export const FORMAT_MODULES: readonly FormatModule[] = REGISTRY;
export type { FormatModule, ParseInput } from './shared';
export { makeInput } from './shared';

/** Stable format identifiers, as used in `perfpulse.json` `format` and `perf-pulse parse --format`. */
export const FORMATS: readonly string[] = REGISTRY.map((f) => f.name);

/** Format names with a one-line description each, for help texts. */
export const FORMAT_DESCRIPTIONS: readonly { name: string; description: string }[] = REGISTRY.map((f) => ({ name: f.name, description: f.description }));

/** The test-report formats (their measurements are test, suite and total times). */
export const TEST_REPORT_FORMATS: readonly string[] = ['junit', 'jest-json', 'vitest-json', 'mocha-json', 'go-test-json', 'ctrf'];

export interface ParseOptions {
  /** A name from FORMATS; auto-detected when absent. */
  format?: string;
  /** Used in error messages and by detectors that look at names (criterion folders, gab custom direction). */
  fileName?: string;
  /** Files next to this one by base name, e.g. criterion's `sample.json` and `benchmark.json`. */
  siblings?: Record<string, string>;
}

function moduleNamed(name: string, file?: string): FormatModule {
  const found = REGISTRY.find((f) => f.name === name);
  if (!found) throw new ParseError(`unknown format '${name}'. Known formats: ${FORMATS.join(', ')}`, { file });
  return found;
}

function safeDetect(module: FormatModule, input: ReturnType<typeof makeInput>): boolean {
  try {
    return module.detect(input);
  } catch {
    return false;
  }
}

/** The format of a text, or undefined when no parser recognises it. */
export function detectFormat(text: string, fileName?: string): string | undefined {
  const input = makeInput(text, fileName);
  return REGISTRY.find((f) => safeDetect(f, input))?.name;
}

/** Why auto-detection found nothing, with a hint for files that sit next to parseable ones. */
function notRecognised(json: unknown): string {
  if (json !== null && typeof json === 'object' && !Array.isArray(json) && 'full_id' in json && 'group_id' in json) {
    return "this is criterion's benchmark.json, which names a benchmark but holds no measurements (read estimates.json or sample.json in the same folder)";
  }
  return 'the input matches no known benchmark or test report format';
}

/** Parses a text in the given or detected format. Throws ParseError (listing what was tried when nothing matched). */
export function parseText(text: string, options: ParseOptions = {}): ParseResult {
  const file = options.fileName;
  if (typeof text !== 'string') throw new ParseError('input is not text', { file });
  const input = makeInput(text, file, options.siblings);
  let module: FormatModule | undefined;
  if (options.format) module = moduleNamed(options.format, file);
  else module = REGISTRY.find((f) => safeDetect(f, input));
  if (!module) {
    const what = text.trim() === '' ? 'the input is empty' : notRecognised(input.json());
    throw new ParseError(`${what}; tried: ${FORMATS.join(', ')}`, { file, tried: [...FORMATS] });
  }
  try {
    const measurements = finiteOnly(module.parse(input));
    if (measurements.length === 0) throw new ParseError(`no measurements found (read as ${module.name})`);
    return input.warnings.length ? { format: module.name, measurements, warnings: input.warnings } : { format: module.name, measurements };
  } catch (err) {
    if (err instanceof ParseError) {
      const reason = options.format || err.reason.includes(module.name) ? err.reason : `${err.reason} (read as ${module.name})`;
      throw new ParseError(reason, { file, tried: err.tried });
    }
    // A parser bug must still reach the user as a readable message, not a stack.
    throw new ParseError(`could not read as ${module.name}: ${(err as Error)?.message ?? String(err)}`, { file });
  }
}

const CRITERION_SIBLINGS = ['sample.json', 'benchmark.json'];

async function readSiblings(path: string): Promise<Record<string, string> | undefined> {
  const name = baseName(path);
  if (name !== 'estimates.json' && name !== 'sample.json') return undefined;
  const siblings: Record<string, string> = {}; // plain-object-ok: keys are the fixed CRITERION_SIBLINGS
  for (const sibling of CRITERION_SIBLINGS) {
    if (sibling === name) continue;
    try {
      siblings[sibling] = await readFile(join(dirname(path), sibling), 'utf8');
    } catch {
      // A missing sibling only means fewer details.
    }
  }
  return siblings;
}

/** Reads and parses a file; every error names the file. */
export async function parseFile(path: string, options: { format?: string } = {}): Promise<ParseResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException)?.code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory, not a file' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new ParseError(`cannot read: ${why}`, { file: path });
  }
  const siblings = await readSiblings(path);
  return parseText(text, { format: options.format, fileName: path, siblings });
}
