import vscode = require('vscode');
import type { LoadedConfig } from '../../core/config';
import {
  analyzeIncrementally,
  editorCode,
  editorFindings,
  editorSeverity,
  editorText,
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
import type { PerfStatusBar } from '../status-bar';
import type { HistoryService } from './history-service';
import { SourceLocator } from './source-locator';
import { detectOffThread } from './detect-off-thread';
import { primaryFolder } from './workspace';

export const RUN_SCHEME = 'perf-pulse-run';
const ANALYSIS_DEBOUNCE_MS = 250;
/** The analysis holds the extension host's thread for at most this long at a time. */
const ANALYSIS_SLICE_MS = 10;
const CACHE_FILE = 'analysis-cache.bin';

/** A finding with the place in the source it was put on. */
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
 * Turns the history into findings, and findings into diagnostics on the source and the
 * status-bar badge. Recomputed (debounced) whenever the history, the config or the
 * decisions change.
 */
export class FindingsService extends Disposable {
  private readonly diagnostics = this._register(vscode.languages.createDiagnosticCollection('perf-pulse'));
  private readonly changed = this._register(new vscode.EventEmitter<Analysis>());
  readonly onDidChange = this.changed.event;
  readonly locator = new SourceLocator();
  private analysisValue?: Analysis;
  private located: LocatedFinding[] = [];
  /** Where a differential profile found a regression's time ("most of it is in …"), by series. */
  private profileHints: (seriesId: string) => { text: string; file?: string; line?: number } | undefined = () => undefined;
  private timer?: NodeJS.Timeout;
  private running?: Promise<Analysis>;
  private again = false;
  /** The previous analysis' per-series values and results: only what changed is read and judged again. */
  private cache?: AnalysisCache;
  private cacheLoaded = false;

  constructor(
    private readonly history: HistoryService,
    private readonly config: ConfigDiagnostics,
    private readonly statusBar: PerfStatusBar,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(history.onDidChange(() => this.schedule()));
    this._register(config.onDidChange(() => this.schedule()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('perfPulse.detection')) this.schedule();
    }));
    const watcher = this._register(vscode.workspace.createFileSystemWatcher('**/*{_test.go,.cc,.cpp,.py,.rs,.bench.ts,.bench.js,.java,.kt,.cs}', true, false, true));
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
    const folder = primaryFolder();
    return folder ? this.config.check(ConfigDiagnostics.uriFor(folder)) : undefined;
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
    const sensitivity = vscode.workspace.getConfiguration('perfPulse.detection').get<'low' | 'default' | 'high'>('sensitivity', 'default');
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
    this.analysisValue = analysis;
    this.located = located;
    this.publish();
    this.log.info(
      `analysis: ${analysis.series.length} series, ${located.length} active finding(s) in ${(performance.now() - t0).toFixed(0)} ms ` +
        `(${cacheNote}; read ${stats.read}, read again ${stats.reread}, reused ${stats.reused}; detector ${stats.detected ? 'ran' : 'skipped: nothing changed'})`,
    );
    this.changed.fire(analysis);
    return analysis;
  }

  /** Adds what differential profiles found to the diagnostics of their regressions (see ProfileService). */
  setProfileHints(hints: (seriesId: string) => { text: string; file?: string; line?: number } | undefined): void {
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
        const when = finding.lastGood.commit ? finding.lastGood.commit.slice(0, 7) : new Date(finding.lastGood.timestamp).toISOString();
        d.relatedInformation = [
          new vscode.DiagnosticRelatedInformation(
            new vscode.Location(runUri(finding.seriesId, finding.lastGood.recordId), new vscode.Position(0, 0)),
            `last good run: ${when}`,
          ),
        ];
      }
      // The message stays as it is (code actions find their finding by it); the profile's answer
      // is related information that leads to the function.
      const hint = this.profileHints(finding.seriesId);
      const folder = primaryFolder();
      if (hint) {
        const target = hint.file && folder ? vscode.Uri.joinPath(folder.uri, hint.file) : location.uri;
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
    // The badge counts what the code did: environment changes, suspects and budgets at risk are not counted.
    this.statusBar.setFindings(
      this.located.filter(({ finding }) => !finding.status || finding.status === 'new' || finding.status === 'standing').map(({ finding }) => ({
        severity: finding.severity,
        kind: finding.kind,
        seriesId: finding.seriesId,
        text: finding.message,
      })),
    );
  }
}

export function runUri(seriesId: string, recordId: string): vscode.Uri {
  return vscode.Uri.from({ scheme: RUN_SCHEME, path: `/${seriesId}/${recordId}.json` });
}

function severityOf(f: Finding): vscode.DiagnosticSeverity {
  const level = editorSeverity(f);
  return level === 'error' ? vscode.DiagnosticSeverity.Error : level === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
}

/** Shows a recorded run (the target of "last good run" links) as read-only JSON. */
export class RunDocumentProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly history: HistoryService) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const [, seriesId, file] = uri.path.split('/');
    const recordId = file.replace(/\.json$/, '');
    const run = (await this.history.readSeries(seriesId)).find((r) => r.id === recordId);
    return run ? JSON.stringify(run, null, 2) + '\n' : `// This run (${recordId}) is no longer in the history.\n`;
  }
}
