import { resolve } from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { oneLine } from '../problems';
import type { Measurement } from '../../core/model';
import { FORMAT_DESCRIPTIONS, FORMATS, ParseError, parseFile, parseText } from '../../core/parsers';
import { byteSizeOption } from '../byte-size-option';

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
  let format: string | undefined;
  let full = false;
  let maxBytes: number | undefined;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--format') {
      format = argv[++i];
      if (format === undefined) throw new CliError(`--format needs a NAME (one of ${FORMATS.join(', ')})`);
    } else if (a.startsWith('--format=')) {
      format = a.slice('--format='.length);
    } else if (a === '--max-input-size' || a.startsWith('--max-input-size=')) {
      const value = a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i];
      if (value === undefined) throw new CliError('--max-input-size needs a SIZE such as 200MB');
      maxBytes = byteSizeOption(value);
    } else if (a === '--full') {
      full = true;
    } else if (a.startsWith('-') && a !== '-') {
      throw new CliError(`unknown option ${a}\n${usage}`);
    } else {
      files.push(a);
    }
  }
  if (files.length !== 1) throw new CliError(`expected exactly one FILE (or - for stdin)\n${usage}`);
  if (format !== undefined && !FORMATS.includes(format)) throw new CliError(`unknown format '${format}'. Known formats: ${FORMATS.join(', ')}`);
  return { file: files[0], format, full, ...(maxBytes ? { maxBytes } : {}) };
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
