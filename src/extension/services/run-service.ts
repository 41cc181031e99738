import vscode = require('vscode');
import type { BenchmarkConfig } from '../../core/config';
import type { BenchmarkResult } from '../../core/runner';
import { tools } from './load-tools';
import { formatSeconds } from '../../core/format';
import type { ConfigDiagnostics } from '../config-diagnostics';
import type { PerfStatusBar } from '../status-bar';
import { Disposable } from '../disposable';
import type { FolderServices } from './folder-services';
import type { WorkspaceFolderServices } from './folders';
import { requireTrust } from './workspace';

export interface RunFinished {
  folder: FolderServices;
  results: BenchmarkResult[];
}

/**
 * Runs configured benchmarks of one folder with a cancellable progress notification and records
 * the results in that folder's history. One run at a time in the window: benchmarks measured
 * side by side would slow each other down.
 */
export class RunService extends Disposable {
  private running?: AbortController;
  private readonly finished = this._register(new vscode.EventEmitter<RunFinished>());
  readonly onDidFinish = this.finished.event;
  private readonly runningChanged = this._register(new vscode.EventEmitter<boolean>());
  /** Fires true when a run starts and false when it ends. */
  readonly onDidChangeRunning = this.runningChanged.event;

  constructor(
    private readonly config: ConfigDiagnostics,
    private readonly folders: WorkspaceFolderServices,
    private readonly statusBar: PerfStatusBar,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this._register({ dispose: () => this.running?.abort() });
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  private folderFor(arg: unknown): Promise<FolderServices | undefined> {
    return this.folders.resolve(arg, 'Run the benchmarks of which folder?', (f) => f.hasConfig);
  }

  async runAll(arg?: unknown): Promise<BenchmarkResult[] | undefined> {
    if (!requireTrust('run benchmarks')) return undefined;
    const folder = await this.folderFor(arg);
    return folder ? this.run(undefined, folder) : this.noFolder();
  }

  async pickAndRun(name?: string, arg?: unknown): Promise<BenchmarkResult[] | undefined> {
    if (!requireTrust('run benchmarks')) return undefined;
    const services = await this.folderFor(arg);
    if (!services) return this.noFolder();
    if (name) return this.run([name], services);
    const folder = services.folder;
    const loaded = await this.config.load(folder);
    if (!loaded) return undefined;
    // Run on a source file (its editor title or the explorer): offer the benchmarks defined there.
    const inFile = arg instanceof vscode.Uri && !arg.path.endsWith('/perfpulse.json') ? services.findings.benchmarksDefinedIn(arg) : [];
    const offered = inFile.length ? loaded.config.benchmarks.filter((b) => inFile.includes(b.name)) : loaded.config.benchmarks;
    const picked = await vscode.window.showQuickPick(
      offered.map((b) => ({ label: b.name, description: Array.isArray(b.command) ? b.command.join(' ') : b.command })),
      { placeHolder: 'Benchmark to run', canPickMany: true },
    );
    if (!picked?.length) return undefined;
    return this.run(picked.map((p) => p.label), services);
  }

  private noFolder(): undefined {
    if (!this.folders.all().length) void vscode.window.showWarningMessage('Perf Pulse: open a folder with a perfpulse.json to run benchmarks.');
    return undefined;
  }

  /**
   * Runs the named benchmarks (all when none are named) of a folder (the only or first one when not
   * given). Results are recorded one benchmark at a time, so a cancel keeps what finished.
   */
  async run(names?: string[], services = this.folders.implied(undefined, (f) => f.hasConfig) ?? this.folders.first()): Promise<BenchmarkResult[] | undefined> {
    if (!requireTrust('run benchmarks')) return undefined;
    if (!services) return this.noFolder();
    const folder = services.folder;
    if (this.running) {
      void vscode.window.showInformationMessage('Perf Pulse is already running benchmarks.');
      return undefined;
    }
    const loaded = await this.config.load(folder);
    if (!loaded) return undefined;
    let benches: BenchmarkConfig[] = loaded.config.benchmarks;
    if (names?.length) {
      const unknown = names.filter((n) => !benches.some((b) => b.name === n));
      if (unknown.length) {
        void vscode.window.showErrorMessage(`Perf Pulse: no benchmark named ${unknown.join(', ')} in ${vscode.workspace.asRelativePath(loaded.file)}.`);
        return undefined;
      }
      benches = benches.filter((b) => names.includes(b.name));
    }
    if (!benches.length) {
      void vscode.window.showInformationMessage(`Perf Pulse: ${vscode.workspace.asRelativePath(loaded.file)} lists no benchmarks.`);
      return undefined;
    }
    const controller = new AbortController();
    this.running = controller;
    this.runningChanged.fire(true);
    const results: BenchmarkResult[] = [];
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Perf Pulse', cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => controller.abort());
          const { runBenchmark, toRunRecords } = tools();
          for (const [i, bench] of benches.entries()) {
            if (controller.signal.aborted) break;
            this.statusBar.running(i + 1, benches.length, bench.name);
            progress.report({ message: `${i + 1}/${benches.length} ${bench.name}`, increment: i ? 100 / benches.length : 0 });
            this.log.info(`running ${bench.name}`);
            const result = await runBenchmark(bench, {
              cwd: folder.uri.fsPath,
              signal: controller.signal,
              log: (line) => this.log.info(`[${bench.name}] ${line}`),
              onProgress: (p) => progress.report({ message: `${i + 1}/${benches.length} ${bench.name} (${p.phase} ${p.run})` }),
            });
            if (controller.signal.aborted) break;
            for (const w of result.warnings) this.log.warn(`[${bench.name}] ${w}`);
            this.log.info(`[${bench.name}] median ${formatSeconds(result.summary.median)} over ${result.samples.length} runs, ${result.failedRuns} failed`);
            await services.history.append(toRunRecords(result, bench));
            results.push(result);
          }
        },
      );
    } catch (err) {
      this.log.error(`run failed: ${(err as Error)?.stack ?? err}`);
      void vscode.window.showErrorMessage(`Perf Pulse: the run failed: ${(err as Error)?.message ?? err}`, 'Show Log').then((c) => c && this.log.show());
    } finally {
      this.running = undefined;
      this.runningChanged.fire(false);
      const last = results.at(-1);
      this.statusBar.idle(controller.signal.aborted ? 'run cancelled' : last ? `${last.name} ${formatSeconds(last.summary.median)}` : undefined);
    }
    if (controller.signal.aborted) this.log.info(`run cancelled after ${results.length} benchmark(s)`);
    this.finished.fire({ folder: services, results });
    return results;
  }
}
