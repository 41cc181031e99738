import vscode = require('vscode');
import { CONFIG_FILE_NAME, type LoadedConfig } from '../../core/config';
import {
  analyzeIncrementally,
  editorCode,
  editorFindings,
  editorSeverity,
  editorText,
  lastGoodRunText,
  loadDecisions,
  readAnalysisCache,
  writeAnalysisCache,
  yieldEvery,
  type Analysis,
  type AnalysisCache,
  type Finding,
  type SeriesAnalysis,
} from '../../core/findings';
import type { RunRecord } from '../../core/model';
import { Disposable } from '../disposable';
import { ConfigDiagnostics } from '../config-diagnostics';
import type { HistoryService } from './history-service';
import { SourceLocator } from './source-locator';
import { detectOffThread } from './detect-off-thread';
import { affects, readSettings } from '../settings';

export const RUN_SCHEME = 'perf-pulse-run';
const ANALYSIS_DEBOUNCE_MS = 250;
/** The analysis holds the extension host's thread for at most this long at a time. */
const ANALYSIS_SLICE_MS = 10;
const CACHE_FILE = 'analysis-cache.bin';
/** Series located for the view's "go to source" and the editor-title actions; more are located on demand. */
const LOCATE_LIMIT = 500;

/** A finding with the place in the source it was put on. */
/** What a differential profile found for a regression: its headline and the function it names, relative to the folder. */
export interface ProfileHint {
  text: string;
  file?: string;
  line?: number;
}

export interface LocatedFinding {
  finding: Finding;
  series?: SeriesAnalysis;
  location?: vscode.Location;
}

/** Runs that count as timings: failed task or terminal runs are kept in the history but never judged. */
export function judgedRuns(runs: RunRecord[]): RunRecord[] {
  return runs.filter((r) => r.extra?.failed !== true);
}

/**
 * Turns one folder's history into findings, and findings into diagnostics on the source.
 * Recomputed (debounced) whenever the history, the config or the decisions change; the
 * status bar and the Perf Pulse view listen to `onDidChange`.
 */
export class FindingsService extends Disposable {
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('perf-pulse'));
  private readonly changed = this._register(new vscode.EventEmitter<Analysis>());
  readonly onDidChange = this.changed.event;
  readonly locator: SourceLocator;
  private analysisValue?: Analysis;
  private located: LocatedFinding[] = [];
  private locations = new Map<string, vscode.Location>();
  /** The config the last analysis used, for locating series on demand. */
  private lastConfig?: LoadedConfig;
  /** Where a differential profile found a regression's time ("most of it is in …"), by series. */
  private profileHints: (seriesId: string) => ProfileHint | undefined = () => undefined;
  private timer?: NodeJS.Timeout;
  private running?: Promise<Analysis>;
  private again = false;
  /** The previous analysis' per-series values and results: only what changed is read and judged again. */
  private cache?: AnalysisCache;
  private cacheLoaded = false;

  constructor(
    private readonly history: HistoryService,
    private readonly config: ConfigDiagnostics,
    private readonly log: vscode.LogOutputChannel,
    readonly folder: vscode.WorkspaceFolder,
  ) {
    super();
    this.locator = new SourceLocator(folder);
    this._register(history.onDidChange(() => this.schedule()));
    this._register(config.onDidChange((uri) => {
      if (vscode.workspace.getWorkspaceFolder(uri)?.uri.toString() === folder.uri.toString()) this.schedule();
    }));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (affects(e, ['detection'], folder.uri)) this.schedule();
    }));
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, '**/*{_test.go,.cc,.cpp,.py,.rs,.bench.ts,.bench.js,.java,.kt,.cs}'), true, false, true));
    this._register(watcher.onDidChange(() => this.locator.invalidate()));
    this._register({ dispose: () => clearTimeout(this.timer) });
  }

  get analysis(): Analysis | undefined {
    return this.analysisValue;
  }

  /** Active findings shown in the editor, with where they are shown. */
  get findings(): readonly LocatedFinding[] {
    return this.located;
  }

  /** Files that define a series of this folder (as far as they were located): where the editor offers to run them. */
  get sourceFiles(): vscode.Uri[] {
    const seen = new Map<string, vscode.Uri>();
    // perfpulse.json has actions of its own: a benchmark located only by its entry there is not a source file.
    for (const l of this.locations.values()) if (!l.uri.path.endsWith(`/${CONFIG_FILE_NAME}`)) seen.set(l.uri.toString(), l.uri);
    return [...seen.values()];
  }

  /** The configured benchmarks whose series are defined in a file (for "Run Benchmark…" on that file). */
  benchmarksDefinedIn(uri: vscode.Uri): string[] {
    const names = new Set<string>();
    for (const [seriesId, location] of this.locations) {
      if (location.uri.toString() !== uri.toString()) continue;
      const series = this.analysisValue?.series.find((s) => s.id === seriesId);
      if (series?.source === 'benchmark') names.add(series.group ?? series.name);
    }
    return [...names];
  }

  /** Where a series is defined, when it can be told. */
  async locationOf(seriesId: string): Promise<vscode.Location | undefined> {
    const known = this.locations.get(seriesId);
    if (known) return known;
    const series = this.analysisValue?.series.find((s) => s.id === seriesId);
    const location = series ? await this.locator.locate(series, this.lastConfig ?? (await this.currentConfig())) : undefined;
    if (location) this.locations.set(seriesId, location);
    return location;
  }

  seriesByName(name: string): SeriesAnalysis[] {
    return this.analysisValue?.series.filter((s) => s.name === name) ?? [];
  }

  /** The finding a diagnostic shows (diagnostics reach code-action providers as copies, so match by message). */
  findingForDiagnostic(d: vscode.Diagnostic): LocatedFinding | undefined {
    const located = this.located.find((f) => editorText(f.finding) === d.message);
    if (located) return located;
    // Between an analysis and the next publish the lists can differ for a moment: fall back to the analysis.
    const finding = this.analysisValue?.findings.find((f) => editorText(f) === d.message);
    return finding ? { finding, series: this.analysisValue?.series.find((s) => s.id === finding.seriesId) } : undefined;
  }

  /**
   * How many of a series' newest runs its current verdict rests on: from the run before its
   * oldest active change (the last good one) to the newest. Compaction keeps them whole.
   */
  runsToProtect(seriesId: string): number {
    const series = this.analysisValue?.series.find((s) => s.id === seriesId);
    if (!series) return 0;
    const oldest = series.changes.reduce((min, c) => Math.min(min, c.lastGoodIndex), series.runs);
    return series.runs - Math.max(0, oldest - 1);
  }

  schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh().catch((err) => this.log.error(`analysis failed: ${err?.stack ?? err}`)), ANALYSIS_DEBOUNCE_MS);
  }

  /** Recomputes now (coalescing overlapping requests) and returns the analysis. */
  async refresh(): Promise<Analysis> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.compute();
    try {
      return await this.running;
    } finally {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.schedule();
      }
    }
  }

  private async currentConfig(): Promise<LoadedConfig | undefined> {
    return this.config.check(ConfigDiagnostics.uriFor(this.folder));
  }

  private async compute(): Promise<Analysis> {
    const t0 = performance.now();
    const store = await this.history.ready();
    const config = await this.currentConfig();
    const decisions = await loadDecisions(this.history.directory()).catch((err) => {
      this.log.warn(`${err.message}; decisions ignored until the file is fixed`);
      return undefined;
    });
    const benchmarkBudgets = Object.fromEntries((config?.config.benchmarks ?? []).filter((b) => b.budget).map((b) => [b.name, b.budget!]));
    const sensitivity = readSettings(this.folder.uri)['detection.sensitivity'];
    const cacheFile = this.history.stateFile(CACHE_FILE);
    let cacheNote = 'cache in memory';
    if (!this.cacheLoaded) {
      this.cacheLoaded = true;
      this.cache = await readAnalysisCache(cacheFile);
      cacheNote = this.cache ? 'cache from disk' : 'no cache';
    }
    const { analysis, cache, stats } = await analyzeIncrementally({
      series: store.listSeries(),
      load: async (id) => judgedRuns(await store.readSeries(id)),
      budgets: config?.config.budgets,
      benchmarkBudgets,
      decisions,
      options: { sensitivity },
      cache: this.cache,
      // A new version may judge differently; a cache of another history folder is of no use.
      version: `${this.history.extensionVersion}|${store.dir}`,
      pause: yieldEvery(ANALYSIS_SLICE_MS),
      detect: detectOffThread((why) => this.log.warn(`detector ran on the extension host's thread: ${why}`)),
    });
    this.cache = cache;
    const changed = stats.read > 0 || stats.reused < stats.series || stats.detected;
    if (changed) void writeAnalysisCache(cacheFile, cache).catch((err) => this.log.warn(`could not save the analysis cache: ${err}`));
    const located: LocatedFinding[] = [];
    for (const finding of editorFindings(analysis)) {
      const series = analysis.series.find((s) => s.id === finding.seriesId);
      const location = series ? await this.locator.locate(series, config) : undefined;
      located.push({ finding, series, location });
    }
    // Every series' source (bounded), for "go to source" and the actions on benchmark files.
    const locations = new Map<string, vscode.Location>();
    for (const { finding, location } of located) if (location) locations.set(finding.seriesId, location);
    for (const series of analysis.series.slice(0, LOCATE_LIMIT)) {
      if (series.ignored || locations.has(series.id) || series.source === 'terminal') continue;
      const location = await this.locator.locate(series, config).catch(() => undefined);
      if (location) locations.set(series.id, location);
    }
    this.analysisValue = analysis;
    this.located = located;
    this.locations = locations;
    this.lastConfig = config;
    this.publish();
    this.log.info(
      `analysis: ${analysis.series.length} series, ${located.length} active finding(s) in ${(performance.now() - t0).toFixed(0)} ms ` +
        `(${cacheNote}; read ${stats.read}, read again ${stats.reread}, reused ${stats.reused}; detector ${stats.detected ? 'ran' : 'skipped: nothing changed'})`,
    );
    this.changed.fire(analysis);
    return analysis;
  }

  /** Adds what differential profiles found to the diagnostics of their regressions (see ProfileService). */
  setProfileHints(hints: (seriesId: string) => ProfileHint | undefined): void {
    this.profileHints = hints;
    this.publish();
  }

  private publish(): void {
    const byFile = new Map<string, { uri: vscode.Uri; list: vscode.Diagnostic[] }>();
    for (const { finding, location } of this.located) {
      if (!location) continue;
      const d = new vscode.Diagnostic(location.range, editorText(finding), severityOf(finding));
      d.source = 'Perf Pulse';
      d.code = {
        value: editorCode(finding),
        target: vscode.Uri.parse(`${vscode.env.uriScheme}://perf-pulse.perf-pulse/trends?series=${encodeURIComponent(finding.seriesId)}`),
      };
      if (finding.lastGood) {
        // The related information names the trend and the commit of the last good run (its
        // document shows that run), not the record's internal id.
        const { place, message } = lastGoodRunText(finding.name, finding.unit, finding.lastGood);
        d.relatedInformation = [
          new vscode.DiagnosticRelatedInformation(new vscode.Location(runUri(this.folder, finding.seriesId, finding.lastGood.recordId, place), new vscode.Position(0, 0)), message),
        ];
      }
      // The message stays as it is (code actions find their finding by it); the profile's answer
      // is related information that leads to the function.
      // The profile's files are relative to this folder: the one the benchmark ran in.
      const hint = this.profileHints(finding.seriesId);
      if (hint) {
        const target = hint.file ? vscode.Uri.joinPath(this.folder.uri, hint.file) : location.uri;
        const at = new vscode.Position(Math.max(0, (hint.line ?? 1) - 1), 0);
        d.relatedInformation = [...(d.relatedInformation ?? []), new vscode.DiagnosticRelatedInformation(new vscode.Location(target, at), hint.text)];
      }
      const key = location.uri.toString();
      const entry = byFile.get(key) ?? { uri: location.uri, list: [] };
      entry.list.push(d);
      byFile.set(key, entry);
    }
    this.diagnostics.clear();
    for (const { uri, list } of byFile.values()) this.diagnostics.set(uri, list);
  }
}

/**
 * A recorded run as a read-only document: `/SERIES/RECORD/LABEL`, where the label (shown as the
 * document's name) is for people; the query names the folder whose history holds it.
 */
export function runUri(folder: vscode.WorkspaceFolder, seriesId: string, recordId: string, label = recordId): vscode.Uri {
  return vscode.Uri.from({
    scheme: RUN_SCHEME,
    path: `/${seriesId}/${encodeURIComponent(recordId)}/${label.replace(/[/\\]/g, '∕')}`,
    query: `folder=${encodeURIComponent(folder.uri.toString())}`,
  });
}

function severityOf(f: Finding): vscode.DiagnosticSeverity {
  const level = editorSeverity(f);
  return level === 'error' ? vscode.DiagnosticSeverity.Error : level === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
}

/** Shows a recorded run (the target of "last good run" links) as read-only JSON. */
export class RunDocumentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly historyOf: (folderUri: string | null) => HistoryService | undefined) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, seriesId, record] = uri.path.split('/');
    const recordId = decodeURIComponent(record ?? '');
    const history = this.historyOf(new URLSearchParams(uri.query).get('folder'));
    const run = history ? (await history.readSeries(seriesId)).find((r) => r.id === recordId) : undefined;
    return run ? JSON.stringify(run, null, 2) + '\n' : `// This run (${recordId}) is no longer in the history.\n`;
  }
}
