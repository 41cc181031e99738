import vscode = require('vscode');
import type { PerfStatusBar, StatusFinding } from '../status-bar';
import { Disposable } from '../disposable';
import { ConfigDiagnostics } from '../config-diagnostics';
import type { TrendsPanelController } from '../trends';
import { readSettings } from '../settings';
import { FindingsTree } from '../view/findings-tree';
import { RunService } from './run-service';
import { RUN_SCHEME, RunDocumentProvider } from './findings-service';
import { FindingCodeActions } from './code-actions';
import { BenchmarkCodeLens } from './code-lens';
import { FindingCommands, clearHistory, createConfig, exportReport } from './commands';
import { TaskCapture } from './capture/task-capture';
import { TerminalCapture } from './capture/terminal-capture';
import { ReportCapture } from './capture/report-capture';
import { importResults } from './import-results';
import { CompareService } from './compare-service';
import { WorkspaceFolderServices } from './folders';
import type { FolderServices } from './folder-services';
import { FolderTrendsSource } from './folder-trends-source';
import { ContextKeys } from './context-keys';
import { TerminalCli } from './terminal-cli';
import { HotCodeLens, profileArgs } from './profile-service';
import { requireTrust } from './workspace';
import { storedProfileSource } from './stored-profile-source';
import type { ProfileSource } from '../trends/profile-source';

type Handler = (...args: unknown[]) => unknown;

/** A benchmark named by a command's argument: a string (CodeLens of old), or `{ benchmark }` from the view and quick fixes. */
function benchmarkArg(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && typeof (arg as { benchmark?: unknown }).benchmark === 'string') return (arg as { benchmark: string }).benchmark;
  return undefined;
}

/**
 * Stage two: the container that owns every service. Built once, on first need, and disposed
 * with the extension. Each workspace folder has its own history, findings and trends
 * (`folders`); running, comparing, capture, the view and the terminal serve them all.
 */
export class PerfPulseServices extends Disposable {
  readonly config: ConfigDiagnostics;
  readonly folders: WorkspaceFolderServices;
  readonly runs: RunService;
  readonly trendsSource: FolderTrendsSource;
  readonly compare: CompareService;
  readonly view: FindingsTree;
  readonly contextKeys: ContextKeys;
  readonly terminal: TerminalCli;
  readonly reports?: ReportCapture;
  private readonly handlers = new Map<string, Handler>();

  constructor(
    readonly context: vscode.ExtensionContext,
    readonly log: vscode.LogOutputChannel,
    readonly statusBar: PerfStatusBar,
    readonly trends: TrendsPanelController,
  ) {
    super();
    this.config = this._register(new ConfigDiagnostics(log));
    this.folders = this._register(new WorkspaceFolderServices(context, log, this.config));
    this.runs = this._register(new RunService(this.config, this.folders, statusBar, log));
    this.compare = new CompareService(this.config, this.folders, log);
    this.trendsSource = this._register(new FolderTrendsSource(this.folders));
    this.view = this._register(new FindingsTree(this.folders));
    this.contextKeys = this._register(new ContextKeys(this.folders, this.runs));
    this.terminal = this._register(new TerminalCli(context, this.folders, log));
    this._register(this.folders.onDidChangeFindings(() => this.updateStatusBar()));
    this._register(this.folders.onDidChange(() => this.updateStatusBar()));
    this._register(vscode.workspace.registerTextDocumentContentProvider(RUN_SCHEME, new RunDocumentProvider((key) => (this.folders.get(key) ?? this.folders.first())?.history)));
    this._register(vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new FindingCodeActions(this.folders, log), { providedCodeActionKinds: FindingCodeActions.kinds }));
    const lens = this._register(new BenchmarkCodeLens(this.folders, this.config));
    this._register(vscode.languages.registerCodeLensProvider(BenchmarkCodeLens.selector(), lens));
    // Each folder keeps its own profiles (beside its history); the marks follow the file's folder.
    this._register(vscode.languages.registerCodeLensProvider({ scheme: 'file' }, this._register(new HotCodeLens(this.folders))));
    // The trends panel's flame graph: profiles from beside each folder's history (the first
    // folder that has one of the benchmark); the panel opens on a new one.
    trends.setProfileSource(foldersProfileSource(this.folders));
    this._register(this.folders.onDidProfile((benchmark) => void trends.showProfile(benchmark)));
    this._register(vscode.window.registerUriHandler({
      handleUri: (uri) => {
        if (uri.path !== '/trends') return;
        const query = new URLSearchParams(uri.query);
        this.showTrends({ seriesId: query.get('series') ?? undefined, folder: query.get('folder') ?? undefined });
      },
    }));

    // Capture: all on by default, each with its own switch; nothing runs in an untrusted workspace.
    const startCapture = () => {
      this._register(new TaskCapture(this.folders, log));
      this._register(new TerminalCapture(this.folders, log));
      (this as { reports?: ReportCapture }).reports = this._register(new ReportCapture(this.folders, context.workspaceState, log));
    };
    if (vscode.workspace.isTrusted) startCapture();
    else this._register(vscode.workspace.onDidGrantWorkspaceTrust(startCapture));

    this._register(this.runs.onDidFinish(({ folder }) => {
      if (readSettings(folder.folder.uri)['sync.afterRun']) void folder.sync.sync({ quiet: true });
      void folder.history.compactIfDue((id) => folder.findings.runsToProtect(id)).catch((err) => log.warn(`compaction failed: ${err}`));
    }));

    const commands = new FindingCommands(this.folders);
    this.handle('perfPulse.runAll', (arg) => this.runs.runAll(arg));
    this.handle('perfPulse.runBenchmark', (arg) => this.runs.pickAndRun(benchmarkArg(arg), arg));
    this.handle('perfPulse.profileBenchmark', async (arg, options) => {
      if (!requireTrust('profile benchmarks')) return undefined;
      const folder = await this.folders.resolve(arg, 'Profile a benchmark of which folder?', (f) => f.hasConfig);
      if (!folder) {
        void vscode.window.showWarningMessage('Perf Pulse: open a folder with a perfpulse.json to profile benchmarks.');
        return undefined;
      }
      // Run on a source file (its editor or the explorer): offer the benchmarks defined there.
      const offer = arg instanceof vscode.Uri ? folder.findings.benchmarksDefinedIn(arg) : undefined;
      return folder.profiles.profile(benchmarkArg(arg), { ...profileArgs(arg, options), ...(offer ? { offer } : {}) });
    });
    this.handle('perfPulse.compareWithHead', (arg) => this.compare.compareWithHead(benchmarkArg(arg), arg));
    this.handle('perfPulse.showTrends', (arg) => {
      const target = typeof arg === 'object' && arg ? (arg as { seriesId?: unknown; folder?: unknown }) : {};
      this.showTrends({
        seriesId: typeof target.seriesId === 'string' ? target.seriesId : undefined,
        folder: typeof target.folder === 'string' ? target.folder : arg instanceof vscode.Uri ? this.folders.forUri(arg)?.key : undefined,
      });
    });
    this.handle('perfPulse.showFindings', () => commands.showFindings());
    this.handle('perfPulse.acceptBaseline', (arg) => commands.accept(arg as { seriesId: string; recordId?: string; folder?: string } | undefined));
    this.handle('perfPulse.ignoreSeries', (arg) => commands.ignore(arg as { seriesId: string; folder?: string } | undefined));
    this.handle('perfPulse.goToSource', (arg) => commands.goToSource(arg as { seriesId: string; folder?: string } | undefined));
    this.handle('perfPulse.refreshView', () => Promise.all(this.folders.all().map((f) => f.findings.refresh())));
    this.handle('perfPulse.importResults', async (uris) => {
      const given = Array.isArray(uris) ? (uris as vscode.Uri[]) : uris instanceof vscode.Uri ? [uris] : undefined;
      const folder = await this.folders.resolve(given?.[0], 'Import into the history of which folder?');
      return folder ? importResults(folder.history, log, given) : 0;
    });
    this.handle('perfPulse.exportReport', (uri, format, where) => exportReport(this.folders, uri as vscode.Uri | undefined, format as 'md' | 'json' | 'html' | undefined, where));
    this.handle('perfPulse.createConfig', (arg) => createConfig(this.folders, arg));
    this.handle('perfPulse.clearHistory', (confirmed, where) => clearHistory(this.folders, confirmed === true, where));
    this.handle('perfPulse.syncHistory', async (arg) => (await this.folders.resolve(arg, 'Sync the history of which folder?'))?.sync.sync({ quiet: false }));
  }

  /** The first folder's history: the folder's, in a single-folder window. */
  get history() {
    return this.requireFirst().history;
  }

  /** The first folder's findings: the folder's, in a single-folder window. */
  get findings() {
    return this.requireFirst().findings;
  }

  private requireFirst(): FolderServices {
    const first = this.folders.first();
    if (!first) throw new Error('no local workspace folder is open');
    return first;
  }

  private showTrends(target: { seriesId?: string; folder?: string }): void {
    const folder = this.folders.get(target.folder) ?? (target.seriesId ? this.folders.withSeries(target.seriesId) : undefined) ?? this.folders.implied();
    if (folder) this.trendsSource.select(folder);
    const current = this.trendsSource.current();
    this.trends.show(target.seriesId ? { seriesId: target.seriesId } : { view: current?.findings.findings.length ? 'findings' : 'overview' });
  }

  /** The status bar counts what the code did in every folder: new and standing regressions and breaches. */
  private updateStatusBar(): void {
    const multi = this.folders.all().length > 1;
    const findings: StatusFinding[] = this.folders.all().flatMap((services) =>
      services.findings.findings
        .filter(({ finding }) => !finding.status || finding.status === 'new' || finding.status === 'standing')
        .map(({ finding }) => ({
          severity: finding.severity,
          kind: finding.kind,
          seriesId: finding.seriesId,
          text: multi ? `${services.folder.name}: ${finding.message}` : finding.message,
          status: finding.status === 'standing' ? ('standing' as const) : ('new' as const),
          folder: services.key,
        })),
    );
    this.statusBar.setFindings(findings);
  }

  protected handle(id: string, handler: Handler): void {
    this.handlers.set(id, handler);
  }

  async execute(id: string, args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(id);
    if (!handler) throw new Error(`the command ${id} is not available in this version`);
    return handler(...args);
  }
}

/** Builds stage two: the module's one entry point, loaded by extension.ts from its own bundle. */
export async function createServices(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, statusBar: PerfStatusBar, trends: TrendsPanelController): Promise<PerfPulseServices> {
  const services = new PerfPulseServices(context, log, statusBar, trends);
  await Promise.all(services.folders.all().map((f) => f.history.ready()));
  // The start-up analyses start now; the debounce is for bursts of changes, and there are none yet.
  for (const folder of services.folders.all()) void folder.findings.refresh().catch((err) => log.error(`analysis of ${folder.folder.name} failed: ${err?.stack ?? err}`));
  return services;
}

/** The stored profiles of every folder, looked up in folder order. */
function foldersProfileSource(folders: WorkspaceFolderServices): ProfileSource {
  return {
    async profilesOf(benchmark) {
      for (const folder of folders.all()) {
        const found = await storedProfileSource(() => folder.history.directory()).profilesOf(benchmark);
        if (found.latest || found.diff) return found;
      }
      return {};
    },
  };
}
