import vscode = require('vscode');
import { CONFIG_FILE_NAME } from '../../core/config';
import { Disposable } from '../disposable';
import type { ConfigDiagnostics } from '../config-diagnostics';
import { HistoryService } from './history-service';
import { FindingsService } from './findings-service';
import { FindingNotifier } from './notifier';
import { HistoryTrendsSource } from './trends-source';
import { SyncService } from './sync-service';
import { ProfileService } from './profile-service';

/**
 * Everything Perf Pulse keeps for one workspace folder: its history, its findings (with their
 * diagnostics and notifications), its trends data, its sync and its profiles. In a multi-root workspace each
 * folder has its own, built when the folder is added and disposed when it is removed.
 */
export class FolderServices extends Disposable {
  readonly history: HistoryService;
  readonly findings: FindingsService;
  readonly trends: HistoryTrendsSource;
  readonly sync: SyncService;
  readonly profiles: ProfileService;
  private configPresent = false;
  private readonly configChanged = this._register(new vscode.EventEmitter<void>());
  /** Fires when perfpulse.json appeared in or left this folder. */
  readonly onDidChangeHasConfig = this.configChanged.event;

  constructor(
    context: vscode.ExtensionContext,
    log: vscode.LogOutputChannel,
    config: ConfigDiagnostics,
    readonly folder: vscode.WorkspaceFolder,
  ) {
    super();
    this.history = this._register(new HistoryService(context, log, folder));
    this.findings = this._register(new FindingsService(this.history, config, log, folder));
    this.trends = this._register(new HistoryTrendsSource(this.history, this.findings));
    this.sync = this._register(new SyncService(this.history, log));
    // Profiles are kept beside this folder's history; what a differential profile found joins its regression's diagnostic.
    this.profiles = this._register(new ProfileService(config, this.history, log, folder));
    this.findings.setProfileHints((seriesId) => this.profiles.diffHint(seriesId));
    this._register(this.profiles.onDidChange(() => this.findings.setProfileHints((seriesId) => this.profiles.diffHint(seriesId))));
    this._register(new FindingNotifier(this.findings, context.workspaceState, log));
    this._register(config.onDidChange((uri) => {
      if (uri.toString() === this.configUri.toString()) void this.checkConfig();
    }));
    void this.checkConfig();
  }

  /** The folder's URI as a string: how commands and view items name the folder. */
  get key(): string {
    return this.folder.uri.toString();
  }

  get configUri(): vscode.Uri {
    return vscode.Uri.joinPath(this.folder.uri, CONFIG_FILE_NAME);
  }

  /** Whether the folder has a perfpulse.json (valid or not). */
  get hasConfig(): boolean {
    return this.configPresent;
  }

  async checkConfig(): Promise<boolean> {
    let present: boolean;
    try {
      await vscode.workspace.fs.stat(this.configUri);
      present = true;
    } catch {
      present = false;
    }
    if (present !== this.configPresent) {
      this.configPresent = present;
      this.configChanged.fire();
    }
    return present;
  }
}
