import { resolve } from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { oneLine } from '../problems';
import type { Measurement } from '../../core/model';
import { FORMAT_DESCRIPTIONS, FORMATS, ParseError, parseFile, parseText } from '../../core/parsers';
import { byteSizeOption } from '../byte-size-option';
import { BOOLEAN, parseCommandLine, STRING, stringValue, UsageError } from '../args';

/**
 * `perf-pulse parse FILE [--format NAME]`: what a benchmark output or test report holds, as JSON.
 * The default output is an external contract: per measurement exactly `series`, `unit`,
 * `direction`, `value` and, only when the format has raw samples, `samples`. `--full` adds
 * everything else we know (metric, spread, iterations, group, location).
 */
const usage = `Usage: perf-pulse parse FILE|- [--format NAME] [--full]

Reads a benchmark harness output or a test report and prints what it holds.

Output (stdout):
  { "format": NAME, "measurements": [ { "series", "unit", "direction": "smaller"|"bigger",
                                        "value", "samples"?: [...] } ] }
  Times are in seconds ("s"), sizes in bytes ("B"), rates in "ops/s"; samples appear only when
  the format records raw samples. --full adds metric, spread, iterations, group and location.

Options:
  --format NAME   read as this format instead of auto-detecting it
  --full          print every field of each measurement
  --max-input-size SIZE
                  refuse files larger than this (default 128MB; e.g. 512MB, 2GB)

Formats:
${FORMAT_DESCRIPTIONS.map((f) => `  ${f.name.padEnd(22)} ${f.description}`).join('\n')}

Exit codes: 0 done, 2 unreadable input or bad usage (the reason is on stderr).
`;

interface Args {
  file: string;
  format?: string;
  full: boolean;
  maxBytes?: number;
}

function parseArgs(argv: string[]): Args {
  const { values, positionals: files } = parseCommandLine(argv, { format: STRING, full: BOOLEAN, 'max-input-size': STRING }, { maxPositionals: 1 });
  if (files.length !== 1) throw new UsageError('expected exactly one FILE (or - for stdin)');
  const format = stringValue(values, 'format');
  if (format !== undefined && !FORMATS.includes(format)) throw new CliError(`unknown format '${format}'. Known formats: ${FORMATS.join(', ')}`);
  const size = stringValue(values, 'max-input-size');
  const maxBytes = size !== undefined ? byteSizeOption(size) : undefined;
  return { file: files[0], format, full: values.full === true, ...(maxBytes ? { maxBytes } : {}) };
}

/** The contract's shape: exactly these keys, samples only when present. */
function contractShape(m: Measurement): Record<string, unknown> {
  const out: Record<string, unknown> = { series: m.series, unit: m.unit, direction: m.direction, value: m.value };
  if (m.samples && m.samples.length > 0) out.samples = m.samples;
  return out;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export const command: CliCommand = {
  summary: 'print the measurements in a benchmark output or test report (JSON)',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const args = parseArgs(argv);
    let result;
    try {
      result =
        args.file === '-'
          ? parseText(await readStdin(), { format: args.format, fileName: '<stdin>', root: io.cwd })
          : await parseFile(resolve(io.cwd, args.file), { format: args.format, maxBytes: args.maxBytes, root: io.cwd });
    } catch (err) {
      if (err instanceof ParseError) throw new CliError(args.file === '-' ? err.message : `${args.file}: ${err.reason}`);
      throw err;
    }
    for (const warning of result.warnings ?? []) io.stderr(`perf-pulse parse: warning: ${oneLine(`${args.file}: ${warning}`)}\n`);
    const measurements = args.full ? result.measurements : result.measurements.map(contractShape);
    io.stdout(JSON.stringify({ format: result.format, measurements }, null, 2) + '\n');
    return 0;
  },
};
