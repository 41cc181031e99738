import vscode = require('vscode');
import { Disposable } from '../disposable';
import type { WorkspaceFolderServices } from './folders';
import type { RunService } from './run-service';

/**
 * The context keys the manifest's `when` clauses read, so that menus and the palette offer only
 * what can apply:
 * - perfPulse.hasConfig: some folder has a perfpulse.json; perfPulse.configMissing: some folder has none
 *   (perfPulse.foldersWithoutConfig: which, for `resourcePath in …` on the explorer's roots);
 * - perfPulse.hasHistory: some folder has recorded series; perfPulse.hasFindings: some folder has active findings;
 * - perfPulse.running: benchmarks are running;
 * - perfPulse.benchmarkSources: the files that define a recorded series (for `resourcePath in …`).
 */
export class ContextKeys extends Disposable {
  private readonly values = new Map<string, unknown>();

  constructor(private readonly folders: WorkspaceFolderServices, runs: RunService) {
    super();
    this._register(folders.onDidChange(() => this.update()));
    this._register(folders.onDidChangeFindings(() => this.update()));
    this._register(runs.onDidChangeRunning((running) => this.set('perfPulse.running', running)));
    this.set('perfPulse.running', false);
    this.update();
  }

  update(): void {
    const all = this.folders.all();
    this.set('perfPulse.hasConfig', all.some((f) => f.hasConfig));
    this.set('perfPulse.configMissing', all.some((f) => !f.hasConfig));
    this.set('perfPulse.foldersWithoutConfig', all.filter((f) => !f.hasConfig).map((f) => f.folder.uri.fsPath));
    this.set('perfPulse.hasHistory', all.some((f) => (f.findings.analysis?.series.length ?? 0) > 0));
    this.set('perfPulse.hasFindings', all.some((f) => f.findings.findings.length > 0));
    this.set('perfPulse.multiRoot', all.length > 1);
    this.set('perfPulse.benchmarkSources', [...new Set(all.flatMap((f) => f.findings.sourceFiles.map((u) => u.fsPath)))].sort());
  }

  /** What a key is set to now (for tests). */
  get(key: string): unknown {
    return this.values.get(key);
  }

  private set(key: string, value: unknown): void {
    const before = this.values.get(key);
    if (JSON.stringify(before) === JSON.stringify(value)) return;
    this.values.set(key, value);
    void vscode.commands.executeCommand('setContext', key, value);
  }
}
