import * as path from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { BOOLEAN, numberValue, parseCommandLine, STRING, stringValue, wholeNumberValue, type OptionSpecs, type OptionValues } from '../args';
import { analyzeWorkspaceHistory, assertHistoryWritable, openHistory } from '../history-access';
import { byteSizeOption } from '../byte-size-option';
import { fsProblem, oneLine } from '../problems';
import { resolveHistoryDir } from '../../core/store/location';
import { StoreError } from '../../core/store/errors';
import { ConfigError, loadConfig, type LoadedConfig } from '../../core/config';
import type { Sensitivity } from '../../core/detect';
import { machineFingerprint, vcsInfo } from '../../core/env';
import type { Analysis, Finding } from '../../core/findings/types';
import { FailOnError, failsUnder, notFailingBecause, parseFailOn, type FailLevel, type FailPolicy } from '../../core/findings/verdicts';
import type { MachineFingerprint, RunRecord, VcsInfo } from '../../core/model';
import { parseFile } from '../../core/parsers';
import { buildReport, toJson, toJUnit, toMarkdown } from '../../core/report';
import { runBenchmarksSettled, toRunRecords } from '../../core/runner';
import { recordFromMeasurement } from '../../core/records';
import { baseBranchFromEnv } from '../../core/ci';
import { CI_FEEDBACK_OPTIONS, CI_FEEDBACK_SPECS, ciFeedback } from '../ci-feedback';
import { BASE_USAGE, runBaseCheck, takeBaseOption } from './check-base';
import { appendStepSummary, writeOut } from '../write-out';

const usage = `Usage: perf-pulse check [options] [RESULT_FILE...]
       perf-pulse check --base REV [options]

Runs the configured benchmarks (or reads the given result files as the current run),
compares them with the history and its baseline, records them, and reports.

Options:
  --workspace DIR        the workspace folder (default: the current folder)
  --history DIR          the history folder (default: as the editor resolves it)
  --fail-on LEVEL[,standing]
                         regression (default): any new regression or budget breach fails;
                         budget: new budget breaches and critical regressions fail;
                         critical: only new critical findings fail;
                         ",standing" (e.g. regression,standing): standing findings
                         (already present in earlier runs) fail too. Environment
                         changes, suspects and at-risk budgets never fail
  --base-branch NAME     the branch whose recent runs are the baseline
                         (default: GITHUB_BASE_REF or CI_MERGE_REQUEST_TARGET_BRANCH_NAME
                         in a pull/merge request, else main or master, whichever the history has)
  --sensitivity LEVEL    low | default | high
  --format NAME          the format of the result files (default: detected)
  --report FILE.md       write the Markdown report there (stdout then gets a summary)
  --json FILE            write the report as JSON
  --junit FILE           write JUnit XML: one test case per series, failing on a finding
  --no-record            do not add the current run to the history
  --include-hostname     name the machine's hostname in the reports (default: the
                         machine by its fingerprint: CPU model, cores, OS)
  --max-input-size SIZE  refuse result files larger than this (default 128MB; e.g. 512MB)
${CI_FEEDBACK_OPTIONS}
${BASE_USAGE}                         With --base, --report, --json, --junit, --no-record, --comment
                         and the annotations work as without it.

When GITHUB_STEP_SUMMARY is set, the Markdown report is appended to it.

Exit codes: 0 no finding at or above --fail-on; 1 a finding at or above it;
2 could not run (the reason is printed).
`;

export type FailOn = FailLevel;

export function str(flags: OptionValues, name: string): string | undefined {
  return stringValue(flags, name);
}

export function sensitivityOf(value: string | undefined): Sensitivity | undefined {
  if (value === undefined) return undefined;
  if (value === 'low' || value === 'default' || value === 'high') return value;
  throw new CliError(`--sensitivity must be low, default or high (got "${value}")`);
}

/** Does a finding make `check` fail at this level? Only new findings (and standing ones when asked); see verdicts.ts. */
export function failsAt(finding: Finding, level: FailOn | FailPolicy): boolean {
  return failsUnder(finding, typeof level === 'string' ? { level, standing: false } : level);
}

function failOnText(policy: FailPolicy): string {
  return `${policy.level}${policy.standing ? ',standing' : ''}`;
}

/** Records of result files, as runs of this machine at this commit. */
export async function recordsFromFiles(
  files: string[],
  cwd: string,
  format: string | undefined,
  machine: MachineFingerprint,
  vcs: VcsInfo,
  options: { maxBytes?: number; warn?: (line: string) => void; root?: string } = {},
): Promise<RunRecord[]> {
  const records: RunRecord[] = [];
  const timestamp = Date.now();
  for (const file of files) {
    const full = path.resolve(cwd, file);
    let result;
    try {
      // Test reports name files by absolute path: relative to the workspace, every machine records the same series.
      result = await parseFile(full, { ...(format ? { format } : {}), ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}), root: options.root ?? cwd });
    } catch (err) {
      const message = (err as Error).message;
      throw new CliError(message.includes(full) || message.includes(file) ? message : `${file}: ${message}`);
    }
    for (const warning of result.warnings ?? []) options.warn?.(`warning: ${file}: ${warning}`);
    for (const m of result.measurements) {
      records.push(
        recordFromMeasurement(m, {
          timestamp,
          vcs,
          machine,
          source: 'benchmark',
          defaultGroup: result.format,
          config: { file: path.relative(cwd, full) || file, format: result.format },
        }),
      );
    }
  }
  return records;
}

async function loadOptionalConfig(workspace: string, required: boolean): Promise<LoadedConfig | undefined> {
  try {
    return await loadConfig(workspace);
  } catch (err) {
    if (err instanceof ConfigError) {
      const missing = err.problems[0]?.message.startsWith('no ');
      if (missing && !required) return undefined;
      throw new CliError(`configuration problem: ${err.message}`);
    }
    throw err;
  }
}

const UNKNOWN_LINES = 10;

function summaryLine(analysis: Analysis, failing: Finding[], policy: FailPolicy): string {
  const level = failOnText(policy);
  const active = analysis.findings.filter((f) => f.kind !== 'improvement');
  const head = failing.length
    ? `perf-pulse check: FAIL (${failing.length} finding${failing.length === 1 ? '' : 's'} at or above --fail-on ${level})`
    : `perf-pulse check: OK (${analysis.series.length} series, ${active.length} finding${active.length === 1 ? '' : 's'} not failing under --fail-on ${level})`;
  const lines = active.map((f) => {
    const why = notFailingBecause(f, policy);
    return `  ${f.status ?? 'new'} ${f.severity}: ${f.message}${why ? ` — not failing: ${why}` : ''}`;
  });
  const unknown = analysis.series.filter((s) => s.verdict?.kind === 'unknown' && !s.ignored).map((s) => `  unknown: ${s.name}: ${s.verdict!.reason.replace(/^unknown: /, '')}`);
  // The report has them all; the summary names the first few.
  const shown = unknown.length > UNKNOWN_LINES ? [...unknown.slice(0, UNKNOWN_LINES), `  … and ${unknown.length - UNKNOWN_LINES} more series unknown (see the report)`] : unknown;
  return [head, ...lines, ...shown].join('\n') + '\n';
}

/** `check --base`: the same outputs and exit codes, the verdict from an interleaved A/B with the base. */
async function checkAgainstBase(candidates: string[], argv: string[], io: CliIO): Promise<number> {
  const { values: flags, positionals: files } = parseCommandLine(argv, BASE_CHECK_OPTIONS);
  if (files.length) throw new CliError(`--base measures the configured benchmarks; result files (${files[0]}) cannot be compared with a revision`);
  // Standing findings are a history's notion; against a base everything measured is new.
  const failOn = (str(flags, 'fail-on') ?? 'regression').replace(/,standing$/, '') as FailOn;
  if (!['regression', 'budget', 'critical'].includes(failOn)) throw new CliError(`--fail-on must be regression, budget or critical, optionally with ,standing (got "${str(flags, 'fail-on')}")`);
  const runs = wholeNumberValue(flags, 'runs', 1);
  const seed = numberValue(flags, 'seed') ?? 1;
  return runBaseCheck(candidates, {
    workspace: path.resolve(io.cwd, str(flags, 'workspace') ?? '.'),
    historyDir: str(flags, 'history'),
    failOn,
    reportFile: str(flags, 'report'),
    jsonFile: str(flags, 'json'),
    junitFile: str(flags, 'junit'),
    runs,
    record: !flags['no-record'],
    seed,
    feedback: flags,
  }, io);
}

/** The options `check` and `check --base` share. */
const COMMON_OPTIONS: OptionSpecs = {
  workspace: STRING,
  history: STRING,
  'fail-on': STRING,
  report: STRING,
  json: STRING,
  junit: STRING,
  'no-record': BOOLEAN,
  ...CI_FEEDBACK_SPECS,
};
const CHECK_OPTIONS: OptionSpecs = {
  ...COMMON_OPTIONS,
  'base-branch': STRING,
  sensitivity: STRING,
  format: STRING,
  'max-input-size': STRING,
  'include-hostname': BOOLEAN,
};
export const BASE_CHECK_OPTIONS: OptionSpecs = { ...COMMON_OPTIONS, runs: STRING, seed: STRING };

export const command: CliCommand = {
  summary: 'run the benchmarks (or read result files), compare with the history, report and fail CI on a regression',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const base = takeBaseOption(argv, io.env);
    if (base) return checkAgainstBase(base.candidates, base.rest, io);
    const { values: flags, positionals: files } = parseCommandLine(argv, CHECK_OPTIONS);
    let failOn: FailPolicy;
    try {
      failOn = parseFailOn(str(flags, 'fail-on'));
    } catch (err) {
      if (err instanceof FailOnError) throw new CliError(err.message);
      throw err;
    }
    const sensitivity = sensitivityOf(str(flags, 'sensitivity'));
    const workspace = path.resolve(io.cwd, str(flags, 'workspace') ?? '.');
    const maxInput = str(flags, 'max-input-size');
    const maxBytes = maxInput !== undefined ? byteSizeOption(maxInput) : undefined;
    const config = await loadOptionalConfig(workspace, files.length === 0);
    // Before any benchmark runs: the results must have somewhere to go.
    const historyDir = resolveHistoryDir({ workspaceDir: workspace, ...(str(flags, 'history') ? { override: str(flags, 'history') } : {}), env: io.env });
    if (!flags['no-record']) await assertHistoryWritable(historyDir);
    const [machine, vcs] = await Promise.all([machineFingerprint(), vcsInfo(workspace)]);

    let current: RunRecord[];
    const failures: string[] = [];
    if (files.length) {
      current = await recordsFromFiles(files, io.cwd, str(flags, 'format'), machine, vcs, { maxBytes, root: workspace, warn: (line) => io.stderr(`perf-pulse check: ${oneLine(line)}\n`) });
    } else {
      const benches = config?.config.benchmarks ?? [];
      if (!benches.length) throw new CliError(`${config?.file ?? 'perfpulse.json'}: no benchmarks configured and no result files given`);
      const settled = await runBenchmarksSettled(benches, { cwd: workspace, signal: io.signal, log: (line) => io.stderr(line + '\n') });
      current = [];
      for (const s of settled) {
        if (s.result) for (const record of toRunRecords(s.result, s.bench)) current.push(record);
        else if (s.error) failures.push(s.error.message);
      }
    }
    if (io.signal.aborted) throw new CliError('cancelled');

    const store = await openHistory(workspace, str(flags, 'history'), io.env);
    try {
      if (!flags['no-record'] && current.length) {
        try {
          await store.append(current);
        } catch (err) {
          if (err instanceof StoreError || fsProblem(err)) throw new CliError(`cannot record the results in ${store.dir}: ${err instanceof StoreError ? err.message : fsProblem(err)}`);
          throw err;
        }
      }
      const { analysis, baseBranch } = await analyzeWorkspaceHistory(store, {
        config,
        sensitivity,
        baseBranch: str(flags, 'base-branch') ?? baseBranchFromEnv(io.env),
        current,
        // CI judges what it just measured; the whole history is `perf-pulse report`'s job.
        seriesIds: new Set(current.map((r) => r.seriesId)),
      });
      const report = buildReport(analysis, {
        generatedAt: Date.now(),
        machine,
        vcs,
        failOn,
        ...(baseBranch ? { baseBranch } : {}),
        includeHostname: flags['include-hostname'] === true,
        workspaceDir: workspace,
      });
      const markdown = toMarkdown(report);
      const failing = analysis.findings.filter((f) => !analysis.series.find((s) => s.id === f.seriesId)?.ignored && failsAt(f, failOn));

      const reportFile = str(flags, 'report');
      if (reportFile) await writeOut(reportFile, markdown, io.cwd);
      const jsonFile = str(flags, 'json');
      if (jsonFile) await writeOut(jsonFile, toJson(report), io.cwd);
      const junitFile = str(flags, 'junit');
      if (junitFile) await writeOut(junitFile, toJUnit(report), io.cwd);
      await appendStepSummary(markdown, io);
      io.stdout(reportFile ? summaryLine(analysis, failing, failOn) : markdown);
      await ciFeedback({ flags, io, analysis, markdown, fails: (f) => failing.includes(f), config, workspace, vcs });

      if (failures.length) {
        throw new CliError(`${failures.length} benchmark${failures.length === 1 ? '' : 's'} could not run:\n  ${failures.join('\n  ')}`);
      }
      return failing.length ? 1 : 0;
    } finally {
      await store.close().catch(() => undefined);
    }
  },
};
