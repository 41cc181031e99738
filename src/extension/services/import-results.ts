import vscode = require('vscode');
import { tools } from './load-tools';
import type { HistoryService } from './history-service';

/** Import Results…: harness outputs, test reports, exports and CI histories into this workspace's history. */
export async function importResults(history: HistoryService, log: vscode.LogOutputChannel, given?: vscode.Uri[]): Promise<number> {
  const uris = given ?? (await vscode.window.showOpenDialog({
    canSelectMany: true,
    openLabel: 'Import',
    filters: { 'Results and histories': ['json', 'js', 'txt', 'xml', 'jsonl', 'csv', 'log'], 'All files': ['*'] },
  }));
  if (!uris?.length) return 0;
  const store = await history.ready();
  let added = 0;
  const failures: string[] = [];
  for (const uri of uris) {
    try {
      // A file's origin machine is unknown: imported series stay apart from this machine's (as with `perf-pulse import`).
      const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
      const { records, format, earlierIds } = await tools().importFile(uri.fsPath, root ? { root } : {});
      const n = await store.appendNew(records, { earlierIds });
      added += n;
      log.info(`import ${uri.fsPath} (${format}): ${n} new record(s) of ${records.length}`);
    } catch (err) {
      failures.push(`${vscode.workspace.asRelativePath(uri)}: ${(err as Error).message}`);
      log.error(`import ${uri.fsPath}: ${(err as Error).message}`);
    }
  }
  if (added) await history.notifyChanged();
  if (failures.length) void vscode.window.showErrorMessage(`Perf Pulse could not import ${failures.join('; ')}`);
  else void vscode.window.showInformationMessage(`Perf Pulse imported ${added} record(s) from ${uris.length} file(s).`);
  return added;
}
