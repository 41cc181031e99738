import vscode = require('vscode');
import { createHash } from 'node:crypto';
import { tools } from '../load-tools';
import { recordFromMeasurement } from '../../../core/records';
import { Disposable } from '../../disposable';
import type { WorkspaceFolderServices } from '../folders';
import { affects, readSettings } from '../../settings';
import { captureContext, captureEnabled } from './capture-context';

const DEBOUNCE_MS = 400;
/** Content hashes of reports already ingested, kept across restarts (bounded). */
const SEEN_KEY = 'perfPulse.ingestedReports';
const SEEN_LIMIT = 500;

/**
 * Watches test report files and records their durations once per distinct content.
 * File-system events only: nothing polls.
 */
export class ReportCapture extends Disposable {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private watchers: vscode.Disposable[] = [];

  constructor(
    private readonly folders: WorkspaceFolderServices,
    private readonly state: vscode.Memento,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.watch();
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (affects(e, ['capture.reportGlobs'])) this.watch();
    }));
    this._register(folders.onDidChange(() => this.watch()));
    this._register({ dispose: () => this.unwatch() });
  }

  private unwatch(): void {
    for (const w of this.watchers) w.dispose();
    this.watchers = [];
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private watch(): void {
    this.unwatch();
    // Each folder with its own globs, recorded into its own history.
    for (const { folder } of this.folders.all()) this.watchFolder(folder);
  }

  private watchFolder(folder: vscode.WorkspaceFolder): void {
    const globs = readSettings(folder.uri)['capture.reportGlobs'];
    for (const glob of globs) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, glob));
      watcher.onDidCreate((uri) => this.schedule(uri));
      watcher.onDidChange((uri) => this.schedule(uri));
      this.watchers.push(watcher);
      // A tool that creates its report folder and writes the report at once can beat the
      // watcher to the new folder: when a folder named in the glob appears, look inside it.
      const folderName = /^\*\*\/([^*?/{}[\]]+)\/\*\*\/(.+)$/.exec(glob);
      if (folderName) {
        const dirWatcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, `**/${folderName[1]}`), false, true, true);
        dirWatcher.onDidCreate((dir) => {
          setTimeout(() => {
            void vscode.workspace.findFiles(new vscode.RelativePattern(dir, `**/${folderName[2]}`), undefined, 200).then((uris) => uris.forEach((u) => this.schedule(u)));
          }, DEBOUNCE_MS);
        });
        this.watchers.push(dirWatcher);
      }
    }
  }

  private schedule(uri: vscode.Uri): void {
    if (!captureEnabled('reports', this.folders.forUri(uri)?.folder)) return;
    if (uri.fsPath.includes('/node_modules/')) return;
    const key = uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => {
      this.timers.delete(key);
      void this.ingest(uri);
    }, DEBOUNCE_MS));
  }

  /** Parses one report and records it, unless the same content was recorded before. Returns the number of records. */
  async ingest(uri: vscode.Uri): Promise<number> {
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch (err) {
      this.log.warn(`report ${uri.fsPath}: cannot read it: ${err}`);
      return 0;
    }
    const services = this.folders.forUri(uri);
    if (!services) return 0;
    const hash = createHash('sha1').update(text).digest('hex');
    const seen = this.state.get<string[]>(SEEN_KEY, []);
    if (seen.includes(hash)) return 0;
    const { parseText, ParseError } = tools();
    let measurements;
    let format: string;
    try {
      // Relative to its workspace folder, a report's tests keep their series on every machine.
      const root = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
      const parsed = parseText(text, { fileName: uri.fsPath, ...(root ? { root } : {}) });
      measurements = parsed.measurements;
      format = parsed.format;
    } catch (err) {
      const message = err instanceof ParseError ? err.message : String(err);
      this.log.warn(`report ${vscode.workspace.asRelativePath(uri)} was not recorded: ${message}`);
      return 0;
    }
    const ctx = await captureContext('report', services.folder);
    ctx.config = { file: vscode.workspace.asRelativePath(uri), format };
    const records = measurements.map((m) => recordFromMeasurement(m, ctx));
    await services.history.append(records);
    await this.state.update(SEEN_KEY, [...seen, hash].slice(-SEEN_LIMIT));
    this.log.info(`report ${vscode.workspace.asRelativePath(uri)} (${format}): recorded ${records.length} measurement(s)`);
    return records.length;
  }
}
