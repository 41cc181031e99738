import vscode = require('vscode');
import { CONFIG_FILE_NAME, ConfigError, parseConfigText, type LoadedConfig } from '../core/config';
import { Disposable } from './disposable';

/**
 * Validates perfpulse.json in every workspace folder, on start and on every change, and
 * puts each problem at its line as an error diagnostic. Nothing runs from a broken config:
 * `load()` returns undefined and says why.
 */
export class ConfigDiagnostics extends Disposable {
  private readonly collection = this._register(vscode.languages.createDiagnosticCollection('perf-pulse-config'));
  private readonly changed = this._register(new vscode.EventEmitter<vscode.Uri>());
  readonly onDidChange = this.changed.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    super();
    const watcher = this._register(vscode.workspace.createFileSystemWatcher(`**/${CONFIG_FILE_NAME}`));
    const refresh = (uri: vscode.Uri) => void this.check(uri).then(() => this.changed.fire(uri));
    this._register(watcher.onDidChange(refresh));
    this._register(watcher.onDidCreate(refresh));
    this._register(watcher.onDidDelete((uri) => {
      this.collection.delete(uri);
      this.changed.fire(uri);
    }));
    // Unsaved edits get feedback too.
    this._register(vscode.workspace.onDidChangeTextDocument((e) => {
      if (isConfig(e.document.uri)) this.publish(e.document.uri, e.document.getText());
    }));
    for (const folder of vscode.workspace.workspaceFolders ?? []) void this.check(configUri(folder));
  }

  static uriFor(folder: vscode.WorkspaceFolder): vscode.Uri {
    return configUri(folder);
  }

  /** Reads and validates; publishes diagnostics; returns the config or undefined when absent or broken. */
  async check(uri: vscode.Uri): Promise<LoadedConfig | undefined> {
    let text: string;
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
    if (open) text = open.getText();
    else {
      try {
        text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      } catch {
        this.collection.delete(uri);
        return undefined;
      }
    }
    return this.publish(uri, text);
  }

  private publish(uri: vscode.Uri, text: string): LoadedConfig | undefined {
    try {
      const loaded = parseConfigText(text, uri.fsPath);
      this.collection.delete(uri);
      return loaded;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      const diagnostics = err.problems.map((p) => {
        const start = new vscode.Position(p.line - 1, p.column - 1);
        const end = positionAfter(text, p.offset + Math.max(p.length, 1));
        const d = new vscode.Diagnostic(new vscode.Range(start, end), p.message, vscode.DiagnosticSeverity.Error);
        d.source = 'Perf Pulse';
        return d;
      });
      this.collection.set(uri, diagnostics);
      this.log.warn(err.message);
      return undefined;
    }
  }

  /** Loads the config for running: on a problem, tells the user (naming the file) and returns undefined. */
  async load(folder: vscode.WorkspaceFolder): Promise<LoadedConfig | undefined> {
    const uri = configUri(folder);
    const loaded = await this.check(uri);
    if (loaded) return loaded;
    const problems = this.collection.get(uri);
    if (problems?.length) {
      const first = problems[0];
      const choice = await vscode.window.showErrorMessage(
        `Perf Pulse: ${vscode.workspace.asRelativePath(uri)} line ${first.range.start.line + 1}: ${first.message}. Nothing was run.`,
        'Open Config',
      );
      if (choice === 'Open Config') await vscode.window.showTextDocument(uri, { selection: first.range });
    } else {
      const choice = await vscode.window.showWarningMessage(`Perf Pulse: no ${CONFIG_FILE_NAME} in ${folder.name}.`, 'Create Config');
      if (choice === 'Create Config') await vscode.commands.executeCommand('perfPulse.createConfig');
    }
    return undefined;
  }
}

function configUri(folder: vscode.WorkspaceFolder): vscode.Uri {
  return vscode.Uri.joinPath(folder.uri, CONFIG_FILE_NAME);
}

function isConfig(uri: vscode.Uri): boolean {
  return uri.path.endsWith(`/${CONFIG_FILE_NAME}`);
}

function positionAfter(text: string, offset: number): vscode.Position {
  let line = 0;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return new vscode.Position(line, end - lineStart);
}
