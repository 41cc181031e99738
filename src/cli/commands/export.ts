import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { renderMetricsText } from '../../core/export/openmetrics';
import { ExportError, sendOtlp, toOtlpRequest } from '../../core/export/otlp';
import { DEFAULT_JOB, pushToPushgateway } from '../../core/export/pushgateway';
import { selectForExport, type ExportSelection } from '../../core/export/select';
import { shareableRecord, type SharePolicy } from '../../core/share/shareable';
import { lookupTable } from '../../core/own-keys';
import { resolveHistoryDir } from '../../core/store/history-store';
import { withHistoryAt } from '../history-access';
import { BOOLEAN, listValue, parseCommandLine, STRING, stringValue, UsageError } from '../args';
import { version } from '../../../package.json';

const usage = `Usage: perf-pulse export TARGET... [options]

Sends the latest value of each series to monitoring systems.

Targets (one or more):
  --prometheus FILE    write the OpenMetrics text format to FILE (atomically, for a
                       node_exporter textfile collector or a file scrape); '-' for stdout
  --pushgateway URL    push to a Prometheus Pushgateway (text format 0.0.4), one group
                       per machine: /metrics/job/<job>/machine/<machine id>
  --otlp URL           POST OpenTelemetry metrics (OTLP/HTTP JSON) to URL; /v1/metrics
                       is added when URL has no path (e.g. http://localhost:4318)

Options:
  --job NAME           the Pushgateway job (default: ${DEFAULT_JOB})
  --series ID          only this series (repeatable; ids as 'perf-pulse report' lists them)
  --all-runs           OTLP only: every run as a data point, not only the latest
  --header K=V         extra HTTP header for --otlp/--pushgateway (repeatable), e.g. an API key
  --include-hostname   also send the machine's hostname (default: machines are known by
                       their fingerprint id; see docs/SHARING.md for what is sent)
  --workspace DIR      the workspace folder (default: the current folder)
  --history DIR        the history folder (default: as the editor resolves it)

Metric names: perfpulse_benchmark_seconds (and _bytes, ...) with labels benchmark,
metric, machine, branch, commit, source; OTLP: perfpulse.benchmark.duration (and
.size, ...) per machine resource. See docs/SHARING.md.

Exit codes: 0 exported; 2 could not export (the reason, and a receiver's status and
answer, are printed).
`;

/** Writes via a temporary file and a rename, so a collector never reads half a file. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(temp, text);
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw new CliError(`cannot write ${file}: ${(err as Error).message}`);
  }
}

function parseHeaders(raw: string[] | undefined): Record<string, string> {
  const headers = lookupTable<string>(); // names typed by the user, `__proto__` included
  for (const h of raw ?? []) {
    const eq = h.indexOf('=');
    if (eq <= 0) throw new CliError(`--header '${h}' must look like NAME=VALUE`);
    headers[h.slice(0, eq).trim()] = h.slice(eq + 1);
  }
  return headers;
}

async function run(argv: string[], io: CliIO): Promise<number> {
  const { values: given } = parseCommandLine(
    argv,
    {
      prometheus: STRING,
      pushgateway: STRING,
      otlp: STRING,
      job: STRING,
      series: { type: 'string', multiple: true },
      'all-runs': BOOLEAN,
      'include-hostname': BOOLEAN,
      header: { type: 'string', multiple: true },
      workspace: STRING,
      history: STRING,
    },
    { maxPositionals: 0 },
  );
  const values = {
    prometheus: stringValue(given, 'prometheus'),
    pushgateway: stringValue(given, 'pushgateway'),
    otlp: stringValue(given, 'otlp'),
    job: stringValue(given, 'job'),
    series: listValue(given, 'series'),
    'all-runs': given['all-runs'] === true,
    'include-hostname': given['include-hostname'] === true,
    header: listValue(given, 'header'),
    workspace: stringValue(given, 'workspace'),
    history: stringValue(given, 'history'),
  };
  if (!values.prometheus && !values.pushgateway && !values.otlp) throw new UsageError('choose a target: --prometheus FILE, --pushgateway URL or --otlp URL');
  const headers = parseHeaders(values.header);
  const workspaceDir = values.workspace ?? io.cwd;
  const historyDir = resolveHistoryDir({ workspaceDir, override: values.history, env: io.env });
  const policy: SharePolicy = { includeHostname: values['include-hostname'] === true, workspaceDir: path.resolve(io.cwd, workspaceDir) };

  // Exporting must not create an empty history as a side effect of a wrong folder.
  if (!existsSync(historyDir)) throw new CliError(`there is no history at ${historyDir} (record runs first, or pass --history DIR)`);
  return withHistoryAt(
    historyDir,
    async (store) => {
      const known = new Set(store.listSeries().map((s) => s.seriesId));
      const unknown = (values.series ?? []).filter((id) => !known.has(id));
      if (unknown.length) throw new CliError(`no series ${unknown.map((id) => `'${id}'`).join(', ')} in the history at ${historyDir}`);
      // Only the shareable form of a record leaves the machine (see core/share/shareable.ts).
      const shareable = async (selection: ExportSelection) => (await selectForExport(store.allRecords(), selection)).map((r) => shareableRecord(r, policy));
      const latest = await shareable({ seriesIds: values.series });
      if (latest.length === 0) io.stderr(`perf-pulse export: the history at ${historyDir} has no series; exporting nothing\n`);

      if (values.prometheus) {
        const text = renderMetricsText(latest, 'openmetrics');
        if (values.prometheus === '-') io.stdout(text);
        else {
          const file = path.resolve(io.cwd, values.prometheus);
          await writeAtomically(file, text);
          io.stdout(`Wrote ${latest.length} series to ${file} (OpenMetrics text).\n`);
        }
      }
      if (values.pushgateway) {
        const pushed = await pushToPushgateway(values.pushgateway, values.job ?? DEFAULT_JOB, latest, { headers, signal: io.signal });
        for (const g of pushed.groups) io.stdout(`Pushed ${g.series} series of machine ${g.machine} to ${g.url}.\n`);
      }
      if (values.otlp && latest.length) {
        const records = values['all-runs'] ? await shareable({ seriesIds: values.series, allRuns: true }) : latest;
        await sendOtlp(values.otlp, toOtlpRequest(records, version), { headers, signal: io.signal });
        io.stdout(`Sent ${records.length} data point(s) to ${values.otlp} (OTLP/HTTP JSON).\n`);
      }
      return 0;
    },
    { userErrors: [ExportError] },
  );
}

export const command: CliCommand = {
  summary: 'send the latest results to Prometheus (OpenMetrics, Pushgateway) or OpenTelemetry (OTLP)',
  usage,
  run,
};
export default command;
