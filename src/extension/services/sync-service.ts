import vscode = require('vscode');
import type { SyncReport } from '../../core/share/sync';
import { tools } from './load-tools';
import { Disposable } from '../disposable';
import type { HistoryService } from './history-service';
import { readSettings } from '../settings';
import { requireTrust } from './workspace';

/** Shares one folder's history through git notes (`refs/notes/perf-pulse`), on demand or after each run. */
export class SyncService extends Disposable {
  private running?: Promise<SyncReport | undefined>;

  constructor(private readonly history: HistoryService, private readonly log: vscode.LogOutputChannel) {
    super();
  }

  sync(options: { quiet: boolean }): Promise<SyncReport | undefined> {
    return (this.running ??= this.run(options).finally(() => (this.running = undefined)));
  }

  private async run({ quiet }: { quiet: boolean }): Promise<SyncReport | undefined> {
    if (!requireTrust('sync the history through git')) return undefined;
    const folder = this.history.folder;
    const store = await this.history.ready();
    const { syncHistory, ShareError } = tools();
    const settings = readSettings(folder.uri);
    const remote = settings['sync.remote'] || undefined;
    const includeHostname = settings['share.includeHostname'];
    try {
      const report = await vscode.window.withProgress(
        { location: quiet ? vscode.ProgressLocation.Window : vscode.ProgressLocation.Notification, title: 'Perf Pulse: syncing history through git notes' },
        () => syncHistory(store, { workspaceDir: folder.uri.fsPath, remote, includeHostname, log: (line) => this.log.info(`sync: ${line}`) }),
      );
      if (report.imported) await this.history.notifyChanged();
      const summary = `${report.noted} local result(s) noted, ${report.imported} imported${report.remote ? `, ${report.pushed ? 'pushed to' : 'not pushed to'} ${report.remote}` : ' (no remote: notes kept locally)'}`;
      this.log.info(`sync: ${summary}`);
      if (report.detached.length) this.log.warn(`sync: results on ${report.detached.length} commit(s) no longer on any branch were kept: ${report.detached.map((d) => d.commit.slice(0, 7)).join(', ')}`);
      if (!quiet) void vscode.window.showInformationMessage(`Perf Pulse: ${summary}.`);
      return report;
    } catch (err) {
      const message = err instanceof ShareError ? err.message : String((err as Error)?.message ?? err);
      this.log.error(`sync failed: ${message}`);
      if (!quiet) void vscode.window.showErrorMessage(`Perf Pulse: sync failed: ${message}`, 'Show Log').then((c) => c && this.log.show());
      return undefined;
    }
  }
}
