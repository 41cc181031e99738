import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Measurement, ParseResult } from '../model';
import { ParseError } from './errors';
import { type FormatModule, makeInput, baseName, finiteOnly } from './shared';
import { gabDataJs } from './gab-data-js';
import { junit, JUnitReader } from './junit';
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
import { catch2Xml } from './catch2-xml';
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
 *   and `(total)` (`total-time`), see test-report.ts. Absolute file paths in names become relative to
 *   the workspace root when the caller gives it (`root`); skipped tests are never durations.
 * - Facts that describe a run but must not split a series (Go's GOMAXPROCS) are `tags`, not names.
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
  catch2Xml,
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
  /** The workspace root: test reports that name files by absolute path are named relative to it. */
  root?: string;
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

/**
 * What a result keeps of a parser's measurements: finite values only (corrupt rows are dropped
 * silently, as before), and no negative duration: a time below zero is a broken clock or a broken
 * report, never a measurement, so each is left out with a warning naming it.
 */
function keptMeasurements(formatName: string, measurements: Measurement[], earlierWarnings: readonly string[] = [], requireSome = true): ParseResult {
  const kept: Measurement[] = [];
  const warnings: string[] = [...earlierWarnings];
  for (const m of finiteOnly(measurements)) {
    const negative = m.unit === 's' && (m.value < 0 || (m.samples?.some((v) => v < 0) ?? false));
    if (negative) warnings.push(`"${m.series}": negative duration (${m.value < 0 ? `${m.value} s` : 'a sample below 0 s'}), skipped`);
    else kept.push(m);
  }
  if (kept.length === 0 && requireSome) {
    const why = warnings.length ? `; ${warnings.length} with a negative duration skipped` : '';
    throw new ParseError(`no measurements found (read as ${formatName}${why})`);
  }
  return warnings.length ? { format: formatName, measurements: kept, warnings } : { format: formatName, measurements: kept };
}

/** A parser's failure as the ParseError the caller gets, naming the file and the format it was read as. */
function asParseError(err: unknown, moduleName: string, file: string | undefined, explicitFormat: boolean): ParseError {
  if (err instanceof ParseError) {
    const reason = explicitFormat || err.reason.includes(moduleName) ? err.reason : `${err.reason} (read as ${moduleName})`;
    return new ParseError(reason, { file, tried: err.tried });
  }
  // A parser bug must still reach the user as a readable message, not a stack.
  return new ParseError(`could not read as ${moduleName}: ${(err as Error)?.message ?? String(err)}`, { file });
}

/** Parses a text in the given or detected format. Throws ParseError (listing what was tried when nothing matched). */
export function parseText(text: string, options: ParseOptions = {}): ParseResult {
  const file = options.fileName;
  if (typeof text !== 'string') throw new ParseError('input is not text', { file });
  const input = makeInput(text, file, options.siblings, options.root);
  let module: FormatModule | undefined;
  if (options.format) module = moduleNamed(options.format, file);
  else module = REGISTRY.find((f) => safeDetect(f, input));
  if (!module) {
    const what = text.trim() === '' ? 'the input is empty' : notRecognised(input.json());
    throw new ParseError(`${what}; tried: ${FORMATS.join(', ')}`, { file, tried: [...FORMATS] });
  }
  try {
    return keptMeasurements(module.name, module.parse(input), input.warnings);
  } catch (err) {
    throw asParseError(err, module.name, file, !!options.format);
  }
}

/** The largest result file read by default (`--max-input-size` raises it). */
export const DEFAULT_MAX_INPUT_BYTES = 128 * 1024 * 1024;

/** `200MB`, `1.5GB`, `512KB` or a number of bytes (K, M, G are powers of 1024); undefined when unreadable. */
export function parseByteSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb?|kib|mb?|mib|gb?|gib)?\s*$/i.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const bytes = Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
  return Number.isFinite(bytes) && bytes > 0 ? Math.floor(bytes) : undefined;
}

function describeBytes(bytes: number): string {
  return bytes >= 1024 ** 3 ? `${+(bytes / 1024 ** 3).toFixed(1)} GB` : bytes >= 1024 ** 2 ? `${+(bytes / 1024 ** 2).toFixed(1)} MB` : `${+(bytes / 1024).toFixed(1)} KB`;
}

function readProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EISDIR') return 'is a directory, not a file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'ENOTDIR') return 'a folder on its path is a file';
  return (err as Error)?.message ?? String(err);
}

/**
 * Refuses a file larger than the limit before reading any of it, naming both sizes, so a huge
 * file is a clear message instead of minutes of work and gigabytes of memory.
 */
export async function checkInputSize(path: string, maxBytes = DEFAULT_MAX_INPUT_BYTES): Promise<void> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    return; // Reading it will say what is wrong, in the caller's words.
  }
  if (size > maxBytes) {
    throw new ParseError(`is ${describeBytes(size)}, over the ${describeBytes(maxBytes)} limit for a result file (raise it with --max-input-size)`, { file: path });
  }
}

const CRITERION_SIBLINGS = ['sample.json', 'benchmark.json'];

async function readSiblings(path: string): Promise<Record<string, string> | undefined> {
  const name = baseName(path);
  if (name !== 'estimates.json' && name !== 'sample.json') return undefined;
  const siblings: Record<string, string> = {}; // plain-object-ok: keys are the fixed CRITERION_SIBLINGS
  const folder = dirname(path);
  for (const sibling of CRITERION_SIBLINGS) {
    if (sibling === name) continue;
    try {
      siblings[sibling] = await readFile(join(folder, sibling), 'utf8');
    } catch {
      // A missing sibling only means fewer details.
    }
  }
  // change/ holds no benchmark.json: the one in new/ names the benchmark (its folder name is sanitised).
  if (!siblings['benchmark.json'] && baseName(folder) === 'change') {
    try {
      siblings['benchmark.json'] = await readFile(join(folder, '..', 'new', 'benchmark.json'), 'utf8');
    } catch {
      // Named by its folder then.
    }
  }
  return siblings;
}

/** The head of a file that decides whether it streams: enough for every detector that looks at heads. */
const STREAM_CHUNK = 1024 * 1024;
/** Characters of JUnit XML parsed per batch of measurements handed on. */
const BATCH_CHARS = 256 * 1024;

/** How a result file is read: its format (detected when absent), the size limit, the workspace root (see `ParseOptions.root`). */
export interface ReadOptions {
  format?: string;
  maxBytes?: number;
  root?: string;
}

/** A file's measurements read a batch at a time (see `readMeasurements`); `format` and `warnings` are final once the batches end. */
export interface MeasurementReading {
  batches: AsyncGenerator<Measurement[], void, undefined>;
  /** Known after the first batch. */
  format: string;
  warnings: string[];
}

/**
 * Reads and parses a file as `parseFile` does, handing the kept measurements on in batches as they are
 * found: JUnit XML a chunk (a MB) at a time, so a report of any size never sits in memory whole, every
 * other format in one batch. The same measurements, in the same order, as `parseFile`; the same errors
 * (thrown from the batches), the last of them (`no measurements found`) after the last batch.
 */
export function readMeasurements(path: string, options: ReadOptions = {}): MeasurementReading {
  const reading: MeasurementReading = { batches: undefined as unknown as MeasurementReading['batches'], format: options.format ?? '', warnings: [] };
  reading.batches = measurementBatches(path, options, reading);
  return reading;
}

async function* measurementBatches(path: string, options: ReadOptions, reading: MeasurementReading): AsyncGenerator<Measurement[], void, undefined> {
  if (options.format) moduleNamed(options.format, path);
  await checkInputSize(path, options.maxBytes);
  if ((await stat(path).catch(() => undefined))?.isDirectory()) throw new ParseError('cannot read: is a directory, not a file', { file: path });
  const chunks = createReadStream(path, { encoding: 'utf8', highWaterMark: STREAM_CHUNK });
  let junitReader: JUnitReader | undefined;
  const whole: string[] = [];
  const keep = new KeptMeasurements();
  try {
    for await (const piece of chunks) {
      let chunk = piece as string;
      if (!junitReader && whole.length === 0) {
        if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
        const streams = options.format ? options.format === 'junit' : junit.detect(makeInput(chunk, path)) && detectFormat(chunk, path) === 'junit';
        if (streams) {
          junitReader = new JUnitReader(options.root);
          reading.format = 'junit';
        }
      }
      if (junitReader) {
        // A quarter of a chunk at a time: smaller batches are gone before the engine keeps them for long.
        for (let at = 0; at < chunk.length; at += BATCH_CHARS) {
          junitReader.write(at === 0 && chunk.length <= BATCH_CHARS ? chunk : chunk.slice(at, at + BATCH_CHARS));
          const batch = keep.filter(junitReader.take(), reading.warnings);
          if (batch.length) yield batch;
        }
      } else whole.push(chunk);
    }
  } catch (err) {
    chunks.destroy();
    if (err instanceof ParseError || !(err as NodeJS.ErrnoException)?.code) throw asParseError(err, 'junit', path, options.format === 'junit');
    throw new ParseError(`cannot read: ${readProblem(err)}`, { file: path });
  }
  if (junitReader) {
    let last: Measurement[];
    try {
      last = keep.filter(junitReader.finish(), reading.warnings);
      keep.check('junit', reading.warnings);
    } catch (err) {
      throw asParseError(err, 'junit', path, options.format === 'junit');
    }
    if (last.length) yield last;
    return;
  }
  const siblings = await readSiblings(path);
  const result = parseText(whole.join(''), { format: options.format, fileName: path, siblings, ...(options.root ? { root: options.root } : {}) });
  whole.length = 0;
  reading.format = result.format;
  reading.warnings.push(...(result.warnings ?? []));
  yield result.measurements;
}

/** `keptMeasurements` a batch at a time: counts what it keeps, so the end can say when nothing was. */
class KeptMeasurements {
  private kept = 0;

  filter(measurements: Measurement[], warnings: string[]): Measurement[] {
    const out = measurements.length ? keptMeasurements('', measurements, [], false) : undefined;
    if (!out) return [];
    warnings.push(...(out.warnings ?? []));
    this.kept += out.measurements.length;
    return out.measurements;
  }

  check(formatName: string, warnings: readonly string[]): void {
    if (this.kept === 0) keptMeasurements(formatName, [], warnings);
  }
}

/**
 * Reads and parses a file; every error names the file. Files over `maxBytes` are refused before
 * reading. JUnit XML (the format whose reports grow largest) is parsed as it is read, chunk by
 * chunk, so its text is never held whole; every other format is read whole and parsed.
 */
export async function parseFile(path: string, options: ReadOptions = {}): Promise<ParseResult> {
  const reading = readMeasurements(path, options);
  const measurements: Measurement[] = [];
  for await (const batch of reading.batches) for (const m of batch) measurements.push(m);
  return reading.warnings.length ? { format: reading.format, measurements, warnings: reading.warnings } : { format: reading.format, measurements };
}
