import * as path from 'node:path';
import { CliError, type CliCommand } from '../cli-types';
import type { MachineFingerprint, VcsInfo } from '../../core/model';
import { FORMATS, ParseError } from '../../core/parsers';
import { byteSizeOption } from '../byte-size-option';
import { HistoryStore, StoreError } from '../../core/store/history-store';
import { importInto } from '../../core/store/import';
import { historyDirFor } from './history';
import { BOOLEAN, parseCommandLine, STRING, stringValue, UsageError } from '../args';
import { assertHistoryWritable } from '../history-access';
import { fsProblem, oneLine } from '../problems';

const usage = `Usage: perf-pulse import FILE… [--format NAME] [--this-machine] [--commit SHA] [--branch NAME]
                         [--workspace DIR] [--history DIR]

Adds results to the workspace history:
  - a Perf Pulse history export (JSON or CSV from \`perf-pulse history export\`): records kept exactly;
  - a github-action-benchmark data.js history: one run per entry, with its commit and date, one
    series per suite and benchmark (values that are not numbers are skipped with a warning);
  - any benchmark output \`perf-pulse parse\` reads (Bencher Metric Format included): one run, dated by
    the file's modification time.
Records already in the history are skipped: importing a file twice with the same commit, branch and
modification time adds nothing, while the same bytes at another commit, branch or time are new runs.

Options:
  --format NAME     read as this format (perf-pulse-json, perf-pulse-csv, gab-data-js or a parser format)
  --this-machine    record the runs as made on this machine (default: the machine "import")
  --commit SHA      commit of the imported runs (harness outputs carry none)
  --branch NAME     branch of the imported runs
  --workspace DIR   the workspace (default: current folder)
  --history DIR     the history folder itself
  --max-input-size SIZE
                    refuse files larger than this (default 128MB; e.g. 512MB, 2GB)

Exit codes: 0 all imported, 2 a file could not be read (the others are still imported).
`;

/** Entries the parser skipped, one line each: the first few, then how many more. */
const SKIPPED_SHOWN = 5;
function reportSkipped(file: string, warnings: readonly string[], write: (text: string) => void): void {
  for (const w of warnings.slice(0, SKIPPED_SHOWN)) write(`perf-pulse import: warning: ${oneLine(`${file}: ${w}`)}\n`);
  if (warnings.length > SKIPPED_SHOWN) write(`perf-pulse import: warning: ${file}: ${warnings.length - SKIPPED_SHOWN} more entries skipped\n`);
}

export const command: CliCommand = {
  summary: 'add benchmark results or exported/CI histories to the workspace history',
  usage,
  async run(argv, io) {
    const { values, positionals: files } = parseCommandLine(argv, {
      format: STRING,
      'this-machine': BOOLEAN,
      commit: STRING,
      branch: STRING,
      'max-input-size': STRING,
      workspace: STRING,
      history: STRING,
    });
    const format = stringValue(values, 'format');
    const thisMachine = values['this-machine'] === true;
    const size = stringValue(values, 'max-input-size');
    const maxBytes = size !== undefined ? byteSizeOption(size) : undefined;
    const vcs: VcsInfo = {};
    const commit = stringValue(values, 'commit');
    const branch = stringValue(values, 'branch');
    if (commit) vcs.commit = commit;
    if (branch) vcs.branch = branch;
    if (!files.length) throw new UsageError('expected at least one FILE');
    const location = { workspace: stringValue(values, 'workspace'), history: stringValue(values, 'history') };
    const known = ['perf-pulse', 'perf-pulse-json', 'perf-pulse-csv', ...FORMATS];
    if (format && !known.includes(format)) throw new CliError(`unknown format '${format}'. Known formats: ${known.join(', ')}`);
    let machine: MachineFingerprint | undefined;
    if (thisMachine) machine = await (await import('../../core/env/machine')).machineFingerprint();

    const dir = historyDirFor(location, io);
    await assertHistoryWritable(dir);
    let store: HistoryStore;
    try {
      store = await HistoryStore.open(dir);
    } catch (err) {
      throw err instanceof StoreError ? new CliError(err.message) : err;
    }
    let failed = 0;
    try {
      for (const file of files) {
        const full = path.resolve(io.cwd, file);
        try {
          const result = await importInto(store, full, { format, machine, vcs: Object.keys(vcs).length ? vcs : undefined, root: io.cwd, ...(maxBytes ? { maxBytes } : {}) });
          const added = result.added;
          const skipped = result.total - added;
          io.stdout(`${file}: ${added} run(s) added${skipped ? `, ${skipped} already in the history` : ''} (read as ${result.format})\n`);
          reportSkipped(file, result.warnings ?? [], io.stderr);
        } catch (err) {
          if (err instanceof ParseError) {
            failed++;
            io.stderr(`perf-pulse import: ${oneLine(err.file ? err.message.replace(err.file, file) : `${file}: ${err.message}`)}\n`);
          } else if (err instanceof StoreError) {
            throw new CliError(err.message);
          } else if (fsProblem(err)) {
            throw new CliError(`cannot write the history at ${dir}: ${fsProblem(err)}`);
          } else throw err;
        }
      }
    } finally {
      await store.close();
    }
    io.stdout(`History: ${dir}\n`);
    return failed ? 2 : 0;
  },
};
