import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../cli-types';
import { ConfigError, loadConfig, type LoadedConfig } from '../../core/config';
import { buildReport, toHtml, toJson, toJUnit, toMarkdown } from '../../core/report';
import { resolveHistoryDir, type HistoryStore } from '../../core/store/history-store';
import type { BuildAnatomyRow } from '../../core/report/model';
import { BUILD_GROUP, buildAnatomyRows } from '../../core/trace/compare';
import { analyzeWorkspaceHistory, openHistory } from '../history-access';
import { sensitivityOf, str } from './check';
import { BOOLEAN, parseCommandLine, STRING } from '../args';

const usage = `Usage: perf-pulse report [options]

Writes the report of the recorded history without running anything.

Options:
  --workspace DIR       the workspace folder (default: the current folder)
  --history DIR         the history folder (default: as the editor resolves it)
  --format FORMAT       md (default), json, html or junit
  --output FILE         write there instead of stdout
  --base-branch NAME    judge only runs of this branch (default: main or master when recorded)
  --sensitivity LEVEL   low | default | high
  --include-hostname    name the machine's hostname in the report (default: left out)

Exit codes: 0 written; 2 could not (the reason is printed).
`;

const RENDER = { md: toMarkdown, json: toJson, html: toHtml, junit: toJUnit } as const;

async function optionalConfig(workspace: string): Promise<LoadedConfig | undefined> {
  try {
    return await loadConfig(workspace);
  } catch (err) {
    if (err instanceof ConfigError) {
      // Budgets come from the config; without one the report simply has none.
      if (err.problems[0]?.message.startsWith('no ')) return undefined;
      throw new CliError(`configuration problem: ${err.message}`);
    }
    throw err;
  }
}

export const command: CliCommand = {
  summary: 'write the report (Markdown, JSON, HTML or JUnit) of the recorded history',
  usage,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { values: flags } = parseCommandLine(
      argv,
      { workspace: STRING, history: STRING, format: STRING, output: STRING, 'base-branch': STRING, sensitivity: STRING, 'include-hostname': BOOLEAN },
      { maxPositionals: 0 },
    );
    const format = str(flags, 'format') ?? 'md';
    if (!Object.prototype.hasOwnProperty.call(RENDER, format)) throw new CliError(`--format must be md, json, html or junit (got "${format}")`);
    const sensitivity = sensitivityOf(str(flags, 'sensitivity'));
    const workspace = path.resolve(io.cwd, str(flags, 'workspace') ?? '.');
    const config = await optionalConfig(workspace);
    const dir = resolveHistoryDir({ workspaceDir: workspace, ...(str(flags, 'history') ? { override: str(flags, 'history') } : {}), env: io.env });
    if (!existsSync(dir)) {
      // A report must not create a history where there is none: it says so and shows nothing.
      io.stderr(`perf-pulse report: no history at ${dir} yet; the report is empty\n`);
      const empty = buildReport({ series: [], findings: [], events: [] }, { generatedAt: Date.now() });
      return write(RENDER[format as keyof typeof RENDER](empty), str(flags, 'output'), io);
    }
    const store = await openHistory(workspace, str(flags, 'history'), io.env);
    let text: string;
    try {
      const { analysis, baseBranch } = await analyzeWorkspaceHistory(store, { config, sensitivity, baseBranch: str(flags, 'base-branch') });
      const builds = await buildAnatomyOf(store);
      const report = buildReport(analysis, { generatedAt: Date.now(), ...(baseBranch ? { baseBranch } : {}), includeHostname: flags['include-hostname'] === true, workspaceDir: workspace, builds });
      text = RENDER[format as keyof typeof RENDER](report);
    } finally {
      await store.close();
    }
    return write(text, str(flags, 'output'), io);
  },
};

/** The traced builds kept by `perf-pulse trace --record` (their wall-time series). */
async function buildAnatomyOf(store: HistoryStore): Promise<BuildAnatomyRow[]> {
  const series = (await store.listSeries()).filter((s) => s.group === BUILD_GROUP);
  return buildAnatomyRows(await Promise.all(series.map(async (s) => ({ name: s.name, records: await store.readSeries(s.seriesId) }))));
}

async function write(text: string, output: string | undefined, io: CliIO): Promise<number> {
  if (!output) {
    io.stdout(text);
    return 0;
  }
  const full = path.resolve(io.cwd, output);
  try {
    await fs.mkdir(path.dirname(full), { recursive: true });
    await fs.writeFile(full, text);
  } catch (err) {
    throw new CliError(`cannot write ${output}: ${(err as Error).message}`);
  }
  return 0;
}
