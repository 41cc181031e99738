import vscode = require('vscode');
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { Disposable } from '../disposable';
import { affects, readSettings } from '../settings';
import type { WorkspaceFolderServices } from './folders';
import { launcherScripts } from './cli-launcher';

/** The variable the CLI reads for its history folder (see core/store/location.ts). */
export const HISTORY_ENV = 'PERF_PULSE_HISTORY';

/** Writes a file only when its content differs, through a rename so another window never runs half a script. */
async function writeIfChanged(file: string, text: string, mode: number): Promise<void> {
  const current = await readFile(file, 'utf8').catch(() => undefined);
  if (current === text) return;
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text, { mode });
  await rename(temp, file);
}

/**
 * `perf-pulse` in VS Code's integrated terminal: the launcher's folder goes on the PATH of new
 * terminals (the environment variable collection), and in a single-folder window PERF_PULSE_HISTORY
 * names the folder's history, so the CLI reads and writes what the editor shows from any subfolder.
 * Only in a trusted workspace; the `perfPulse.terminal.addCli` setting turns it off.
 */
export class TerminalCli extends Disposable {
  private applying = Promise.resolve();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly folders: WorkspaceFolderServices,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.schedule()));
    this._register(folders.onDidChange(() => this.schedule()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (affects(e, ['terminal.addCli', 'history.location', 'history.path'])) this.schedule();
    }));
    this.schedule();
  }

  /** The folder the launcher lives in. */
  get binDir(): string {
    return join(this.context.globalStorageUri.fsPath, 'bin');
  }

  private schedule(): void {
    this.applying = this.applying.then(() => this.apply()).catch((err) => this.log.warn(`could not put perf-pulse on the terminal's PATH: ${err}`));
  }

  /** Resolves once the collection says what the current state asks for. */
  whenApplied(): Promise<void> {
    return this.applying;
  }

  private async apply(): Promise<void> {
    const collection = this.context.environmentVariableCollection;
    if (!vscode.workspace.isTrusted || !readSettings()['terminal.addCli']) {
      collection.clear();
      return;
    }
    const cli = join(this.context.extensionUri.fsPath, 'dist', 'cli.js');
    const scripts = launcherScripts(process.execPath, cli);
    await mkdir(this.binDir, { recursive: true });
    await writeIfChanged(join(this.binDir, 'perf-pulse'), scripts.posix, 0o755);
    if (process.platform === 'win32') await writeIfChanged(join(this.binDir, 'perf-pulse.cmd'), scripts.windows, 0o644);
    collection.clear();
    collection.description = new vscode.MarkdownString('Puts `perf-pulse` (the CLI that comes with Perf Pulse) on the PATH, reading the history the editor shows.');
    collection.prepend('PATH', this.binDir + delimiter);
    const folders = this.folders.all();
    if (folders.length === 1) collection.replace(HISTORY_ENV, folders[0].history.directory());
    // Several folders: the API scopes variables per folder, but a terminal does not reliably get its
    // own folder's scope (VS Code 1.100's server gave a terminal in one folder another folder's value),
    // and another folder's history is worse than none. Without the variable the CLI finds the history
    // of the folder it runs in as the editor does (the editor registers each folder's history for it).
    this.log.info(`terminal: perf-pulse on the PATH from ${this.binDir}`);
  }
}
