import vscode = require('vscode');
import {
  DEFAULT_VIEW_STATE,
  WEBVIEW_MESSAGE_TYPES,
  type HostMessage,
  type TrendsView,
  type TrendsViewState,
  type WebviewMessage,
} from '../../protocol/trends';
import type { TrendsDataSource } from './data-source';
import { trendsHtml, makeNonce } from './html';
import { openCommitInGit } from './git-commit';
import { packDetail } from '../../protocol/trends-packing';
import { profileReply, seriesOfBenchmark, type ProfileSource } from './profile-source';

/**
 * node:crypto is required when a panel first renders, not when the extension loads: its first
 * require costs milliseconds that would otherwise count against activation.
 */
function secureRandomInt(max: number): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { randomInt } = require('node:crypto') as typeof import('node:crypto');
  return randomInt(max);
}
import { restoreViewState } from './view-state';

export const TRENDS_VIEW_TYPE = 'perfPulse.trends';

export interface TrendsShowOptions {
  seriesId?: string;
  view?: 'overview' | 'findings';
}

export interface TrendsPanelController extends vscode.Disposable {
  /** Opens the panel (or brings it forward) on the overview, the findings, or one series. */
  show(options?: TrendsShowOptions): void;
  /** Where the panel's Profile sections get profiles (set once the services have loaded). */
  setProfileSource(source: ProfileSource): void;
  /** Opens the panel on a benchmark's profile (after "Profile Benchmark"); false when it has no series yet. */
  showProfile(benchmark: string): Promise<boolean>;
}

function isWebviewMessage(value: unknown): value is WebviewMessage {
  return typeof value === 'object' && value !== null && WEBVIEW_MESSAGE_TYPES.includes((value as { type: WebviewMessage['type'] }).type);
}


/** One open panel: its webview, the data flowing to it, and its subscriptions. */
class TrendsPanelSession implements vscode.Disposable {
  private ready = false;
  private stale = false;
  private state: TrendsViewState;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly extensionUri: vscode.Uri,
    private readonly source: TrendsDataSource,
    initialState: TrendsViewState,
    private readonly onDisposed: () => void,
    private readonly profiles: () => ProfileSource | undefined = () => undefined,
  ) {
    this.state = initialState;
    const distUri = vscode.Uri.joinPath(extensionUri, 'dist', 'webview');
    panel.webview.options = {
      enableScripts: true,
      localResourceRoots: [distUri, vscode.Uri.joinPath(extensionUri, 'media')],
    };
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    panel.webview.html = trendsHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(distUri, 'trends.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(distUri, 'trends.css')).toString(),
      nonce: makeNonce(secureRandomInt),
    });
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((message: unknown) => void this.receive(message)),
      source.onDidChange((ids) => void this.refresh(ids)),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.stale) void this.refresh(this.state.seriesId ? [this.state.seriesId] : []);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  /** Set before the webview is ready: open the Profile section once it is. */
  private profileOnReady = false;

  navigate(view: TrendsView, seriesId?: string, profile = false): void {
    this.panel.reveal();
    this.state = { ...this.state, view, seriesId: seriesId ?? this.state.seriesId };
    if (this.ready) void this.post({ type: 'navigate', view, seriesId, ...(profile ? { profile } : {}) });
    else this.profileOnReady = profile;
  }

  private post(message: HostMessage): Thenable<boolean> {
    return this.panel.webview.postMessage(message);
  }

  private async receive(message: unknown): Promise<void> {
    if (!isWebviewMessage(message)) return;
    try {
      switch (message.type) {
        case 'ready':
          this.ready = true;
          // The webview asks for the series or comparison it shows; the host sends the overview.
          await this.post({ type: 'init', state: this.state });
          await this.sendOverview();
          if (this.profileOnReady && this.state.seriesId) await this.post({ type: 'navigate', view: 'detail', seriesId: this.state.seriesId, profile: true });
          this.profileOnReady = false;
          break;
        case 'requestOverview':
          await this.sendOverview();
          break;
        case 'requestDetail':
          await this.sendDetail(message.seriesId);
          break;
        case 'requestProfile': {
          const series = (await this.source.listSeries()).find((s) => s.id === message.seriesId);
          if (!series) throw new Error(`No series with id ${message.seriesId}`);
          await this.post({ type: 'profile', reply: await profileReply(this.profiles(), series) });
          break;
        }
        case 'requestCompare':
          await this.post({ type: 'compare', result: await this.source.compare(message.request) });
          break;
        case 'stateChanged':
          this.state = restoreViewState(message.state);
          break;
        case 'openCommit':
          await openCommitInGit(message.commit);
          break;
        case 'copy':
          await vscode.env.clipboard.writeText(message.text);
          void vscode.window.setStatusBarMessage(`Copied ${message.text}`, 3000);
          break;
        case 'export':
          await this.saveExport(message);
          break;
        case 'rendered':
          break;
      }
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      await this.post({ type: 'error', message: text, requestType: message.type });
    }
  }

  private async sendOverview(): Promise<void> {
    await this.post({ type: 'overview', series: await this.source.listSeries(), generatedAt: Date.now() });
  }

  private async sendDetail(seriesId: string): Promise<void> {
    await this.post({ type: 'detail', detail: packDetail(await this.source.loadSeries(seriesId)) });
  }

  /** New runs arrived: resend what is on screen; a hidden panel catches up when shown. */
  private async refresh(changedIds: string[]): Promise<void> {
    if (!this.ready) return;
    if (!this.panel.visible) {
      this.stale = true;
      return;
    }
    this.stale = false;
    try {
      await this.sendOverview();
      const current = this.state.seriesId;
      if (current && this.state.view === 'detail' && (changedIds.length === 0 || changedIds.includes(current))) await this.sendDetail(current);
    } catch (error) {
      await this.post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }

  private async saveExport(message: Extract<WebviewMessage, { type: 'export' }>): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const safeName = message.fileName.replace(/[^\w.-]+/g, '_');
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, safeName) : undefined,
      filters: { [message.format.toUpperCase()]: [message.format] },
      saveLabel: `Export ${message.format.toUpperCase()}`,
    });
    if (!target) return;
    const bytes = message.format === 'png' ? Buffer.from(message.data, 'base64') : Buffer.from(message.data, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    await this.post({ type: 'exported', path: target.fsPath });
    void vscode.window.showInformationMessage(`Perf Pulse: exported ${target.fsPath}`);
  }

  dispose(): void {
    for (const s of this.subscriptions.splice(0)) s.dispose();
    this.onDisposed();
  }
}

/**
 * Registers the trends panel's serializer (so an open panel survives a reload with its
 * selection, zoom and filters) and returns the controller the commands call.
 */
export function registerTrendsPanel(context: vscode.ExtensionContext, source: TrendsDataSource): TrendsPanelController {
  let session: TrendsPanelSession | undefined;
  let profiles: ProfileSource | undefined;
  const attach = (panel: vscode.WebviewPanel, state: TrendsViewState) => {
    session?.panel.dispose();
    const created = new TrendsPanelSession(panel, context.extensionUri, source, state, () => {
      if (session === created) session = undefined;
    }, () => profiles);
    session = created;
    return created;
  };

  const serializer = vscode.window.registerWebviewPanelSerializer(TRENDS_VIEW_TYPE, {
    async deserializeWebviewPanel(panel: vscode.WebviewPanel, saved: unknown) {
      attach(panel, restoreViewState(saved));
    },
  });

  const show = (options: TrendsShowOptions = {}, profile = false) => {
    const view: TrendsView = options.seriesId ? 'detail' : options.view ?? 'overview';
    if (session) {
      session.navigate(view, options.seriesId, profile);
      return;
    }
    const panel = vscode.window.createWebviewPanel(TRENDS_VIEW_TYPE, 'Perf Pulse: Trends', vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    });
    attach(panel, { ...DEFAULT_VIEW_STATE, view, seriesId: options.seriesId }).navigate(view, options.seriesId, profile);
  };

  return {
    show: (options) => show(options),
    setProfileSource(next) {
      profiles = next;
    },
    async showProfile(benchmark) {
      const series = seriesOfBenchmark(await source.listSeries(), benchmark);
      if (!series) return false;
      show({ seriesId: series.id }, true);
      return true;
    },
    dispose() {
      serializer.dispose();
      session?.panel.dispose();
    },
  };
}
