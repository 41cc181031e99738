import * as fs from 'node:fs';
import * as path from 'node:path';
import { isAscii } from 'node:buffer';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { BOOLEAN, parseCommandLine, UsageError } from '../args';
import { detectMany, NonFiniteValueError, type SeriesInput } from '../../core/detect';

/**
 * `perf-pulse detect FILE`: the extension's detector, with its defaults, on a JSON file of series.
 * Output lists the changes the product alerts on: confirmed changes of both kinds. Suspects
 * (too few runs after them to be sure) are left out unless `--suspects` is given.
 */
const usage = `Usage: perf-pulse detect FILE|- [--suspects] [--details]

Finds performance changes in run histories, exactly as the editor does.

Input (FILE, or - for stdin):
  { "series": [ { "id": "a", "direction": "smaller" | "bigger", "values": [number, ...] } ] }
  one value per run, oldest first.

Output (stdout):
  { "results": [ { "id": "a", "changes": [ { "index": i, "kind": "regression" | "improvement",
                                             "ratio": r, "pValue": p } ] } ] }
  index is the first run at the new level; ratio = new level / old level in the series' units
  (the estimate its interval is built on; for a step from 0 see "relative" below).
  Only confirmed changes are listed; --suspects adds provisional ones (with "confirmed": false;
  a change with one run after it is always one), --details adds the ratio's 95% interval,
  "difference" (new - old level in the series' units) with its interval, "relative" (false
  when the old level is 0: the ratio is then 1 + difference / the larger level, say the change
  by its difference), severity and the series' state.

Exit codes: 0 done, 2 bad input or usage.
`;

export const command: CliCommand = {
  summary: 'find regressions and improvements in series of run values (JSON in, JSON out)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values, positionals: files } = parseCommandLine(argv, { suspects: BOOLEAN, details: BOOLEAN }, { maxPositionals: 1 });
    if (files.length !== 1) throw new UsageError('expected exactly one FILE (or - for stdin)');
    const file = files[0];
    const name = file === '-' ? '<stdin>' : file;
    const series = parseSeriesBytes(readInput(file, io), name);
    const verdicts = detectValidated(series, name);
    const withSuspects = values.suspects === true;
    const details = values.details === true;
    const results = verdicts.map((v) => {
      const changes = v.changes
        .filter((c) => c.confirmed || withSuspects)
        .map((c) => {
          const out: Record<string, unknown> = { index: c.index, kind: c.kind, ratio: c.ratio, pValue: c.pValue };
          if (withSuspects) out.confirmed = c.confirmed;
          if (details) Object.assign(out, { ratioCi: c.ratioCi, difference: c.difference, differenceCi: c.differenceCi, relative: c.relative, severity: c.severity, lastGoodIndex: c.lastGoodIndex });
          return out;
        });
      return details ? { id: v.id, changes, state: v.state } : { id: v.id, changes };
    });
    io.stdout(JSON.stringify({ results }) + '\n');
    return 0;
  },
};

/**
 * The detector checks every value in its own first pass, so the values are not walked twice
 * (a million of them in a large file); a bad one is reported here with the file and the place.
 */
function detectValidated(series: SeriesInput[], name: string) {
  try {
    return detectMany(series);
  } catch (err) {
    if (!(err instanceof NonFiniteValueError)) throw err;
    const k = series.findIndex((s) => s.id === err.seriesId);
    throw new CliError(`${name}: series[${k}] ("${err.seriesId}"): values[${err.index}] is not a finite number`);
  }
}

function readInput(file: string, io: CliIO): Buffer {
  try {
    return file === '-' ? fs.readFileSync(0) : fs.readFileSync(path.resolve(io.cwd, file));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(`${file === '-' ? '<stdin>' : file}: cannot read (${code ?? (err as Error).message})`);
  }
}

/**
 * Series files are almost always plain ASCII (numbers and short ids). Decoding those as Latin-1
 * gives the same text and lets V8 keep a one-byte string, several times faster than UTF-8
 * decoding on a file of tens of megabytes. Rather than scan every byte first, decode as Latin-1
 * and parse; only if that fails (non-ASCII outside strings, or invalid JSON, whose message should
 * quote the real text) or an id came out with a character above 0x7f (the only strings that are
 * used or echoed) is the file decoded as UTF-8 and parsed again.
 */
export function parseSeriesBytes(bytes: Buffer, name: string): SeriesInput[] {
  if (bytes.length > 0 && bytes[0] < 0x80) {
    let series: SeriesInput[] | undefined;
    try {
      series = parseSeries(bytes.toString('latin1'), name);
    } catch {
      series = undefined;
    }
    if (series && series.every((s) => isPlainAscii(s.id))) return series;
  }
  return parseSeries(isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8'), name);
}

function isPlainAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}

/**
 * Validates the input contract (the values themselves are checked as they are detected, see
 * detectValidated); every problem names the file and the place.
 */
export function parseSeries(text: string, name: string): SeriesInput[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CliError(`${name}: not valid JSON (${(err as Error).message})`);
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray((doc as { series?: unknown }).series)) {
    throw new CliError(`${name}: expected an object with a "series" array`);
  }
  const list = (doc as { series: unknown[] }).series;
  const seen = new Set<string>();
  return list.map((item, k) => {
    const where = `${name}: series[${k}]`;
    if (!item || typeof item !== 'object') throw new CliError(`${where} is not an object`);
    const { id, direction, values } = item as Record<string, unknown>;
    if (typeof id !== 'string' || id === '') throw new CliError(`${where}: "id" must be a non-empty string`);
    if (seen.has(id)) throw new CliError(`${where}: duplicate id "${id}"`);
    seen.add(id);
    if (direction !== 'smaller' && direction !== 'bigger') {
      throw new CliError(`${where} ("${id}"): "direction" must be "smaller" or "bigger"`);
    }
    if (!Array.isArray(values)) throw new CliError(`${where} ("${id}"): "values" must be an array of numbers`);
    // Each value is checked by the detector (see detectValidated).
    return { id, direction, values: values as number[] };
  });
}
