import * as fs from 'node:fs';
import * as path from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { HistoryStore, StoreError } from '../../core/store/history-store';
import { describeProblem } from '../../core/store/errors';
import { DEFAULT_RETENTION, type RetentionOptions } from '../../core/store/retention';
import { resolveHistoryDir } from '../../core/store/location';
import { assertHistoryWritable, historyExists } from '../history-access';
import { fsProblem, printable } from '../problems';
import { formatValue } from '../../core/format';
import { lookupTable, ownValue } from '../../core/own-keys';
import { BOOLEAN, listValue, parseCommandLine, STRING, stringValue, UsageError, wholeNumberValue, type OptionSpecs, type OptionValues } from '../args';

const usage = `Usage: perf-pulse history <list|export|verify|compact|where> [options]

The workspace's performance history (see docs/HISTORY.md for where it lives).

  list [--json]                               the series with run counts and latest values
  export [--format json|csv] [--series ID…] [--out FILE]
                                              all or some series (ids or names); stdout by default.
                                              A backup: it holds everything (environment values,
                                              hostnames, paths); share with sync, export or report
  verify [--json] [--acknowledge-losses]      re-read every record and compare the segments with the
                                              index: damaged records, segment files deleted, cut short
                                              or duplicated (with the records each cost), a damaged
                                              index (rebuilt); exit 1 when anything is found. Losses
                                              stay reported until --acknowledge-losses
  compact [--keep-samples N] [--max-runs N] [--max-age-days N]
                                              drop old raw samples (summaries stay), apply limits
  where                                       print the history folder

Options for all:
  --workspace DIR   the workspace (default: current folder)
  --history DIR     the history folder itself (overrides everything; also PERF_PULSE_HISTORY)

Exit codes: 0 done, 1 verify found damage or loss, 2 bad usage or an unreadable history.
`;

export const command: CliCommand = {
  summary: 'list, export, verify or compact the workspace history',
  usage,
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, HISTORY_OPTIONS);
    const [sub, ...args] = positionals;
    if (!sub) throw new UsageError('expected a sub-command: list, export, verify, compact or where');
    const allowed = ownValue(SUB_OPTIONS, sub);
    if (!allowed) throw new UsageError(`unknown sub-command '${sub}': expected list, export, verify, compact or where`);
    const foreign = Object.keys(values).find((name) => name !== 'workspace' && name !== 'history' && !allowed.includes(name));
    if (foreign) throw new UsageError(`unknown option --${foreign} for history ${sub}`);
    // `--series a b`: the names after --series are series too.
    if (args.length && !(sub === 'export' && values.series)) throw new UsageError(`unexpected argument ${args[0]}`);
    const dir = historyDirFor({ workspace: stringValue(values, 'workspace'), history: stringValue(values, 'history') }, io);
    switch (sub) {
      case 'list':
        return list(dir, values.json === true, io);
      case 'export':
        return exportHistory(dir, values, [...(listValue(values, 'series') ?? []), ...args], io);
      case 'verify':
        return verify(dir, values.json === true, values['acknowledge-losses'] === true, io);
      case 'compact':
        return compact(dir, values, io);
      default:
        io.stdout(dir + '\n');
        return 0;
    }
  },
};

const HISTORY_OPTIONS: OptionSpecs = {
  workspace: STRING,
  history: STRING,
  json: BOOLEAN,
  format: STRING,
  out: STRING,
  series: { type: 'string', multiple: true },
  'acknowledge-losses': BOOLEAN,
  'keep-samples': STRING,
  'max-runs': STRING,
  'max-age-days': STRING,
};

/** The options of each sub-command besides --workspace and --history. */
const SUB_OPTIONS: Readonly<Record<string, readonly string[]>> = lookupTable({
  list: ['json'],
  export: ['format', 'out', 'series'],
  verify: ['json', 'acknowledge-losses'],
  compact: ['keep-samples', 'max-runs', 'max-age-days'],
  where: [],
});

async function withStore<T>(dir: string, io: CliIO, fn: (store: HistoryStore) => Promise<T>, options: { retention?: Partial<RetentionOptions>; action?: string } = {}): Promise<T> {
  let store: HistoryStore;
  try {
    store = await HistoryStore.open(dir, { ...(options.retention ? { retention: options.retention } : {}), onWarning: (message) => io.stderr(`warning: ${message}\n`) });
  } catch (err) {
    throw asCliError(err, `cannot open the history at ${dir}`);
  }
  try {
    return await fn(store);
  } catch (err) {
    throw asCliError(err, `cannot ${options.action ?? 'read'} the history at ${dir}`);
  } finally {
    await store.close().catch(() => undefined);
  }
}

/** Store errors and file-system errors become one-line CLI errors; anything else stays a bug. */
function asCliError(err: unknown, context: string): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof StoreError) return new CliError(err.message);
  const problem = fsProblem(err);
  if (problem) {
    const file = (err as NodeJS.ErrnoException).path;
    return new CliError(`${context}: ${typeof file === 'string' ? `${file}: ` : ''}${problem}`);
  }
  return err;
}

function warnProblems(store: HistoryStore, io: CliIO): void {
  if (store.problems.length) {
    io.stderr(`warning: ${store.problems.length} damaged record(s) skipped; run \`perf-pulse history verify\` for details\n`);
  }
}

async function list(dir: string, json: boolean, io: CliIO): Promise<number> {
  if (!(await historyExists(dir))) {
    if (json) io.stdout('[]\n');
    else io.stdout(`No history yet in ${dir}\n`);
    return 0;
  }
  return withStore(dir, io, async (store) => {
    const series = store.listSeries();
    if (json) {
      io.stdout(JSON.stringify(series, null, 2) + '\n');
    } else {
      // Names come from the history (untrusted data): no raw control characters on the terminal.
      const rows = series.map((s) => [s.seriesId, printable(s.name), printable(s.metric), String(s.runs), formatValue(s.lastValue, s.unit), new Date(s.lastTimestamp).toISOString().slice(0, 16).replace('T', ' '), s.machineId]);
      const head = ['SERIES', 'NAME', 'METRIC', 'RUNS', 'LAST', 'WHEN (UTC)', 'MACHINE'];
      const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
      const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd() + '\n';
      io.stdout(line(head) + rows.map(line).join(''));
      io.stdout(`${series.length} series, ${series.reduce((n, s) => n + s.runs, 0)} runs in ${dir}\n`);
    }
    warnProblems(store, io);
    return 0;
  });
}

async function exportHistory(dir: string, values: OptionValues, wanted: string[], io: CliIO): Promise<number> {
  const format = stringValue(values, 'format') ?? 'json';
  if (format !== 'json' && format !== 'csv') throw new CliError(`--format must be json or csv (got "${format}")`);
  const out = stringValue(values, 'out');
  // A backup must never get an empty file and exit 0 because the history is missing or unreadable.
  if (!(await historyExists(dir))) throw new CliError(`no history in ${dir}: nothing to export (check --history, --workspace or PERF_PULSE_HISTORY)`);
  return withStore(dir, io, async (store) => {
    const series = store.listSeries();
    const ids = wanted.flatMap((w) => {
      const byId = series.filter((s) => s.seriesId === w);
      const matches = byId.length ? byId : series.filter((s) => s.name === w);
      if (!matches.length) throw new CliError(`no series '${w}' in ${dir} (see \`perf-pulse history list\`)`);
      return matches.map((s) => s.seriesId);
    });
    const chunks = format === 'json' ? store.exportJson(ids.length ? ids : undefined) : store.exportCsv(ids.length ? ids : undefined);
    if (out) {
      const target = path.resolve(io.cwd, out);
      const tmp = `${target}.${process.pid}.tmp`;
      const handle = await fs.promises.open(tmp, 'w').catch((err) => {
        throw new CliError(`cannot write ${target}: ${(err as Error).message}`);
      });
      try {
        for await (const chunk of chunks) await handle.write(chunk);
        await handle.close();
        await fs.promises.rename(tmp, target);
      } catch (err) {
        await handle.close().catch(() => undefined);
        await fs.promises.rm(tmp, { force: true });
        if (err instanceof CliError || err instanceof StoreError) throw err;
        throw new CliError(`cannot write ${target}: ${(err as Error).message}`);
      }
    } else {
      for await (const chunk of chunks) io.stdout(chunk);
    }
    warnProblems(store, io);
    return 0;
  });
}

async function verify(dir: string, json: boolean, acknowledge: boolean, io: CliIO): Promise<number> {
  if (!(await historyExists(dir))) {
    io.stdout(json ? JSON.stringify({ dir, segments: 0, records: 0, problems: [], mismatches: [], indexProblems: [], notes: [] }) + '\n' : `No history yet in ${dir}: nothing to verify\n`);
    return 0;
  }
  return withStore(dir, io, async (store) => {
    const report = await store.verify();
    const acknowledged = acknowledge ? (await store.acknowledgeLosses()).length : undefined;
    if (json) {
      io.stdout(JSON.stringify({ dir, ...report, ...(acknowledged !== undefined ? { acknowledged } : {}) }, null, 2) + '\n');
    } else {
      io.stdout(`${report.records} records in ${report.series} series, ${report.segments} segment file(s), ${report.bytes} bytes in ${dir}\n`);
      for (const note of report.notes) io.stdout(`note: ${note}\n`);
      if (report.problems.length === 0) io.stdout('No damaged records.\n');
      else {
        io.stdout(`${report.problems.length} damaged record(s), skipped when loading:\n`);
        for (const p of report.problems) io.stdout(`  ${describeProblem(p)}\n`);
      }
      if (report.mismatches.length) {
        const lost = report.mismatches.filter((m) => m.kind !== 'duplicate').reduce((sum, m) => sum + m.records, 0);
        io.stdout(`${report.mismatches.length} segment file(s) disagree with the index (${lost} record(s) lost):\n`);
        for (const m of report.mismatches) io.stdout(`  ${m.message}\n`);
      }
      for (const p of report.indexProblems) io.stdout(`${p}\n`);
      if (acknowledged !== undefined) io.stdout(`${acknowledged} recorded loss(es) acknowledged; verify no longer reports them.\n`);
    }
    return report.problems.length || report.mismatches.length || report.indexProblems.length ? 1 : 0;
  });
}

async function compact(dir: string, values: OptionValues, io: CliIO): Promise<number> {
  const retention: Partial<RetentionOptions> = {};
  const limits: Array<[string, keyof RetentionOptions]> = [['keep-samples', 'keepSamplesRuns'], ['max-runs', 'maxRunsPerSeries'], ['max-age-days', 'maxAgeDays']];
  for (const [flag, key] of limits) {
    const value = wholeNumberValue(values, flag, 0);
    if (value !== undefined) retention[key] = value;
  }
  if (!(await historyExists(dir))) {
    io.stdout(`No history yet in ${dir}: nothing to compact\n`);
    return 0;
  }
  await assertHistoryWritable(dir);
  return withStore(dir, io, async (store) => {
    const r = await store.compact();
    if (!r.compacted) {
      io.stdout('Another process is compacting this history right now; nothing done.\n');
      return 0;
    }
    const effective = { ...DEFAULT_RETENTION, ...retention };
    io.stdout(
      `Compacted ${dir}: ${r.segmentsBefore} → ${r.segmentsAfter} segment file(s), ${r.bytesBefore} → ${r.bytesAfter} bytes; ` +
        `${r.recordsKept} runs kept, ${r.samplesDropped} thinned to summaries (raw samples kept for the last ${effective.keepSamplesRuns} runs), ` +
        `${r.recordsDropped} dropped by limits, ${r.duplicatesDropped} duplicates removed` +
        (r.skippedLive ? `; ${r.skippedLive} file(s) in use by another process left for later` : '') +
        '.\n',
    );
    return 0;
  }, { retention, action: 'compact' });
}

/** `--workspace DIR` and `--history DIR`, shared by the history and import commands. */
export interface HistoryLocationArgs {
  workspace?: string;
  history?: string;
}

export function historyDirFor(location: HistoryLocationArgs, io: CliIO): string {
  return resolveHistoryDir({
    workspaceDir: path.resolve(io.cwd, location.workspace ?? '.'),
    override: location.history ? path.resolve(io.cwd, location.history) : undefined,
    env: io.env,
  });
}
