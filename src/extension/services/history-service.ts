import vscode = require('vscode');
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord, SeriesInfo } from '../../core/model';
import { DEFAULT_RETENTION, HistoryStore, registerWorkspaceHistory, resolveHistoryDir } from '../../core/store/history-store';
import { Disposable } from '../disposable';
import { primaryFolder } from './workspace';

/**
 * The workspace's history store, opened once. Other processes (the CLI, another
 * window) write to the same folder; a watcher on it refreshes the view of the data.
 */
export class HistoryService extends Disposable {
  private store?: Promise<HistoryStore>;
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires when records were added, by this window or by another process. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('perfPulse.history.location') || e.affectsConfiguration('perfPulse.history.path')) void this.reopen();
    }));
  }

  /** Where the history lives for this window. */
  directory(): string {
    const folder = primaryFolder();
    const storageDir = (this.context.storageUri ?? this.context.globalStorageUri).fsPath;
    const settings = vscode.workspace.getConfiguration('perfPulse.history');
    const location = settings.get<'workspaceStorage' | 'workspace'>('location', 'workspaceStorage');
    const override = settings.get<string>('path') || undefined;
    return resolveHistoryDir({ workspaceDir: folder?.uri.fsPath, storageDir, location, override });
  }

  /** A file of this window's own, in the extension's storage beside (not inside) the history: never shared with the CLI. */
  stateFile(name: string): string {
    return join((this.context.storageUri ?? this.context.globalStorageUri).fsPath, name);
  }

  get extensionVersion(): string {
    return String(this.context.extension.packageJSON.version ?? '');
  }

  ready(): Promise<HistoryStore> {
    return (this.store ??= this.open());
  }

  private async open(): Promise<HistoryStore> {
    const dir = this.directory();
    const settings = vscode.workspace.getConfiguration('perfPulse.history');
    const store = await HistoryStore.open(dir, {
      onWarning: (message) => this.log.warn(`history: ${message}`),
      retention: {
        keepSamplesRuns: settings.get<number>('rawRunsPerSeries', DEFAULT_RETENTION.keepSamplesRuns),
        maxRunsPerSeries: settings.get<number>('maxRunsPerSeries', DEFAULT_RETENTION.maxRunsPerSeries),
      },
    });
    const folder = primaryFolder();
    if (folder) await registerWorkspaceHistory(folder.uri.fsPath, dir).catch((err) => this.log.warn(`could not register the history for the CLI: ${err}`));
    for (const problem of store.problems) this.log.warn(`history: damaged record skipped in ${problem.file} at byte ${problem.offset}: ${problem.message}`);
    if (store.problems.length) {
      void vscode.window.showWarningMessage(`Perf Pulse: ${store.problems.length} damaged history record(s) were skipped in ${dir}; everything else loaded. See the log for where.`, 'Show Log').then((c) => c && this.log.show());
    }
    this.log.info(`history: ${dir} (${store.listSeries().length} series)`);
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '**/*')));
    const refresh = () => void store.refresh().then((changed) => changed && this.changed.fire(), (err) => this.log.warn(`history refresh failed: ${err}`));
    this._register(watcher.onDidChange(refresh));
    this._register(watcher.onDidCreate(refresh));
    this._register({ dispose: () => void store.close() });
    return store;
  }

  private async reopen(): Promise<void> {
    const old = this.store;
    this.store = undefined;
    if (old) await (await old).close();
    await this.ready();
    this.changed.fire();
  }

  /** Removes every history file of this workspace (the caller asked the user first), then starts empty. */
  async clear(): Promise<void> {
    const old = this.store;
    this.store = undefined;
    const dir = this.directory();
    if (old) await (await old).close();
    await rm(dir, { recursive: true, force: true });
    this.log.info(`history cleared: ${dir}`);
    await this.ready();
    this.changed.fire();
  }

  /**
   * Runs compaction when the store says it is due; off the user's path. `protect` says how many
   * recent runs of a series a current verdict depends on: those keep their raw samples.
   */
  async compactIfDue(protect?: (seriesId: string) => number): Promise<void> {
    const store = await this.ready();
    if (!store.needsCompaction()) return;
    const report = await store.compact({ protect });
    this.log.info(`history compacted: ${JSON.stringify(report)}`);
  }

  async append(records: RunRecord[]): Promise<void> {
    if (!records.length) return;
    const store = await this.ready();
    await store.append(records);
    this.changed.fire();
  }

  /** Re-reads what other writers added and tells listeners. */
  async notifyChanged(): Promise<void> {
    await (await this.ready()).refresh();
    this.changed.fire();
  }

  async listSeries(): Promise<SeriesInfo[]> {
    return (await this.ready()).listSeries();
  }

  async readSeries(seriesId: string): Promise<RunRecord[]> {
    return (await this.ready()).readSeries(seriesId);
  }
}
