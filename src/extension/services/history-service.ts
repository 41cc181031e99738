import vscode = require('vscode');
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunRecord, SeriesInfo } from '../../core/model';
import { HistoryStore, registerWorkspaceHistory, resolveHistoryDir } from '../../core/store/history-store';
import { Disposable } from '../disposable';
import { affects, readSettings } from '../settings';
import { isMultiRootWorkspace } from './workspace';

/** A store and what watches it: both live exactly as long as the store is open. */
class OpenHistory extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;

  constructor(readonly store: HistoryStore, log: vscode.LogOutputChannel) {
    super();
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(store.dir), '**/*')));
    const refresh = () => {
      if (this.isDisposed) return;
      void store.refresh().then((changed) => changed && !this.isDisposed && this.changed.fire(), (err) => log.warn(`history refresh failed: ${err}`));
    };
    this._register(watcher.onDidChange(refresh));
    this._register(watcher.onDidCreate(refresh));
  }

  /** Stops watching, then closes the store. */
  async close(): Promise<void> {
    this.dispose();
    await this.store.close();
  }
}

/**
 * One workspace folder's history store, opened once. Other processes (the CLI, another
 * window) write to the same folder; a watcher on it refreshes the view of the data. When
 * the history is reopened (its setting changed) or cleared, the old store's watcher goes
 * with it.
 */
export class HistoryService extends Disposable {
  private opening?: Promise<OpenHistory>;
  /** Stores opened and not yet closed (at most one; a test checks that reopening leaks none). */
  private readonly live = new Set<OpenHistory>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires when records were added, by this window or by another process. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    readonly folder: vscode.WorkspaceFolder,
  ) {
    super();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (affects(e, ['history.location', 'history.path'], folder.uri)) void this.reopen();
    }));
    this._register({ dispose: () => void this.release() });
  }

  /** This folder's own part of the extension's storage: the window's storage itself for a single folder. */
  storageDir(): string {
    const base = (this.context.storageUri ?? this.context.globalStorageUri).fsPath;
    if (!isMultiRootWorkspace()) return base;
    // Named by the folder's URI, so a renamed or reordered folder keeps its history.
    return join(base, 'folders', createHash('sha256').update(this.folder.uri.toString()).digest('hex').slice(0, 16));
  }

  /** Where this folder's history lives. */
  directory(): string {
    const settings = readSettings(this.folder.uri);
    return resolveHistoryDir({
      workspaceDir: this.folder.uri.fsPath,
      storageDir: this.storageDir(),
      location: settings['history.location'],
      override: settings['history.path'] || undefined,
    });
  }

  /** A file of this folder's own, in the extension's storage beside (not inside) the history: never shared with the CLI. */
  stateFile(name: string): string {
    return join(this.storageDir(), name);
  }

  get extensionVersion(): string {
    return String(this.context.extension.packageJSON.version ?? '');
  }

  async ready(): Promise<HistoryStore> {
    return (await this.opened()).store;
  }

  /** How many stores this service watches now: one while open, none once disposed. */
  get watchedStores(): number {
    return this.live.size;
  }

  private opened(): Promise<OpenHistory> {
    return (this.opening ??= this.open());
  }

  private async open(): Promise<OpenHistory> {
    const dir = this.directory();
    const settings = readSettings(this.folder.uri);
    const store = await HistoryStore.open(dir, {
      onWarning: (message) => this.log.warn(`history: ${message}`),
      retention: { keepSamplesRuns: settings['history.rawRunsPerSeries'], maxRunsPerSeries: settings['history.maxRunsPerSeries'] },
    });
    await registerWorkspaceHistory(this.folder.uri.fsPath, dir).catch((err) => this.log.warn(`could not register the history for the CLI: ${err}`));
    for (const problem of store.problems) this.log.warn(`history: damaged record skipped in ${problem.file} at byte ${problem.offset}: ${problem.message}`);
    if (store.problems.length) {
      void vscode.window.showWarningMessage(`Perf Pulse: ${store.problems.length} damaged history record(s) were skipped in ${dir}; everything else loaded. See the log for where.`, 'Show Log').then((c) => c && this.log.show());
    }
    this.log.info(`history of ${this.folder.name}: ${dir} (${store.listSeries().length} series)`);
    const open = new OpenHistory(store, this.log);
    open.onDidChange(() => this.changed.fire());
    this.live.add(open);
    if (this.isDisposed) await this.closeOne(open);
    return open;
  }

  private async closeOne(open: OpenHistory): Promise<void> {
    this.live.delete(open);
    await open.close();
  }

  /** Closes the open store and everything that watches it. */
  private async release(): Promise<void> {
    const old = this.opening;
    this.opening = undefined;
    if (old) await this.closeOne(await old);
  }

  private async reopen(): Promise<void> {
    await this.release();
    await this.ready();
    this.changed.fire();
  }

  /** Removes every history file of this folder (the caller asked the user first), then starts empty. */
  async clear(): Promise<void> {
    const dir = this.directory();
    await this.release();
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
