import vscode = require('vscode');
import type { PerfStatusBar } from '../status-bar';
import { Disposable } from '../disposable';
import { ConfigDiagnostics } from '../config-diagnostics';
import type { TrendsPanelController } from '../trends';
import { HistoryService } from './history-service';
import { RunService } from './run-service';
import { FindingsService, RUN_SCHEME, RunDocumentProvider } from './findings-service';
import { FindingCodeActions } from './code-actions';
import { BenchmarkCodeLens } from './code-lens';
import { FindingNotifier } from './notifier';
import { HistoryTrendsSource } from './trends-source';
import { FindingCommands, clearHistory, createConfig, exportReport } from './commands';
import { TaskCapture } from './capture/task-capture';
import { TerminalCapture } from './capture/terminal-capture';
import { ReportCapture } from './capture/report-capture';
import { importResults } from './import-results';
import { CompareService } from './compare-service';
import { SyncService } from './sync-service';
import { HotCodeLens, ProfileService } from './profile-service';
import { storedProfileSource } from './stored-profile-source';

export interface ServicesModule {
  createServices(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, statusBar: PerfStatusBar, trends: TrendsPanelController): Promise<PerfPulseServices>;
}

type Handler = (...args: unknown[]) => unknown;

/**
 * Stage two: the container that owns every service. Built once, on first need,
 * and disposed with the extension.
 */
export class PerfPulseServices extends Disposable {
  readonly config: ConfigDiagnostics;
  readonly history: HistoryService;
  readonly runs: RunService;
  readonly findings: FindingsService;
  readonly trendsSource: HistoryTrendsSource;
  readonly sync: SyncService;
  readonly compare: CompareService;
  readonly profiles: ProfileService;
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
    this.history = this._register(new HistoryService(context, log));
    this.runs = this._register(new RunService(this.config, this.history, statusBar, log));
    this.findings = this._register(new FindingsService(this.history, this.config, statusBar, log));
    this.sync = this._register(new SyncService(this.history, log));
    this.compare = new CompareService(this.config, log);
    this._register(new FindingNotifier(this.findings, context.workspaceState, log));
    this.trendsSource = this._register(new HistoryTrendsSource(this.history, this.findings));
    this._register(vscode.workspace.registerTextDocumentContentProvider(RUN_SCHEME, new RunDocumentProvider(this.history)));
    this._register(vscode.languages.registerCodeActionsProvider({ scheme: 'file' }, new FindingCodeActions(this.findings, log), { providedCodeActionKinds: FindingCodeActions.kinds }));
    const lens = this._register(new BenchmarkCodeLens(this.findings, this.config));
    this._register(vscode.languages.registerCodeLensProvider(BenchmarkCodeLens.selector(), lens));
    this.profiles = this._register(new ProfileService(context, this.config, this.history, log));
    this.findings.setProfileHints((seriesId) => this.profiles.diffHint(seriesId));
    this._register(this.profiles.onDidChange(() => this.findings.setProfileHints((seriesId) => this.profiles.diffHint(seriesId))));
    this._register(vscode.languages.registerCodeLensProvider({ scheme: 'file' }, this._register(new HotCodeLens(this.profiles))));
    // The trends panel's flame graph: profiles from beside the history; the panel opens on a new one.
    trends.setProfileSource(storedProfileSource(() => this.history.directory()));
    this._register(this.profiles.onDidProfile((benchmark) => void trends.showProfile(benchmark)));
    this._register(vscode.window.registerUriHandler({
      handleUri: (uri) => {
        if (uri.path === '/trends') {
          const seriesId = new URLSearchParams(uri.query).get('series') ?? undefined;
          this.trends.show(seriesId ? { seriesId } : { view: 'overview' });
        }
      },
    }));

    // Capture: all on by default, each with its own switch; nothing runs in an untrusted workspace.
    const startCapture = () => {
      this._register(new TaskCapture(this.history, log));
      this._register(new TerminalCapture(this.history, log));
      (this as { reports?: ReportCapture }).reports = this._register(new ReportCapture(this.history, context.workspaceState, log));
    };
    if (vscode.workspace.isTrusted) startCapture();
    else this._register(vscode.workspace.onDidGrantWorkspaceTrust(startCapture));

    this._register(this.runs.onDidFinish(() => {
      if (vscode.workspace.getConfiguration('perfPulse.sync').get<boolean>('afterRun', false)) void this.sync.sync({ quiet: true });
      void this.history.compactIfDue((id) => this.findings.runsToProtect(id)).catch((err) => log.warn(`compaction failed: ${err}`));
    }));

    const commands = new FindingCommands(this.history, this.findings);
    this.handle('perfPulse.runAll', () => this.runs.runAll());
    this.handle('perfPulse.runBenchmark', (name) => this.runs.pickAndRun(typeof name === 'string' ? name : undefined));
    this.handle('perfPulse.profileBenchmark', (name, options) => {
      const o = typeof options === 'object' && options !== null ? (options as { rev?: unknown; seriesId?: unknown }) : {};
      return this.profiles.profile(typeof name === 'string' ? name : undefined, {
        ...(typeof o.rev === 'string' ? { rev: o.rev } : {}),
        ...(typeof o.seriesId === 'string' ? { seriesId: o.seriesId } : {}),
      });
    });
    this.handle('perfPulse.compareWithHead', (name) => this.compare.compareWithHead(typeof name === 'string' ? name : undefined));
    this.handle('perfPulse.showTrends', (arg) => {
      const seriesId = typeof arg === 'object' && arg && 'seriesId' in arg ? String((arg as { seriesId: string }).seriesId) : undefined;
      this.trends.show(seriesId ? { seriesId } : { view: this.findings.findings.length ? 'findings' : 'overview' });
    });
    this.handle('perfPulse.showFindings', () => commands.showFindings());
    this.handle('perfPulse.acceptBaseline', (arg) => commands.accept(arg as { seriesId: string; recordId: string } | undefined));
    this.handle('perfPulse.ignoreSeries', (arg) => commands.ignore(arg as { seriesId: string } | undefined));
    this.handle('perfPulse.importResults', (uris) => importResults(this.history, log, Array.isArray(uris) ? (uris as vscode.Uri[]) : undefined));
    this.handle('perfPulse.exportReport', (uri, format) => exportReport(this.findings, uri as vscode.Uri | undefined, format as 'md' | 'json' | 'html' | undefined));
    this.handle('perfPulse.createConfig', () => createConfig());
    this.handle('perfPulse.clearHistory', (confirmed) => clearHistory(this.history, this.findings, confirmed === true));
    this.handle('perfPulse.syncHistory', () => this.sync.sync({ quiet: false }));
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

export async function createServices(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, statusBar: PerfStatusBar, trends: TrendsPanelController): Promise<PerfPulseServices> {
  const services = new PerfPulseServices(context, log, statusBar, trends);
  await services.history.ready();
  // The start-up analysis starts now; the debounce is for bursts of changes, and there are none yet.
  void services.findings.refresh().catch((err) => log.error(`analysis failed: ${err?.stack ?? err}`));
  return services;
}
