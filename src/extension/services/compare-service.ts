import vscode = require('vscode');
import * as path from 'node:path';
import { compareSamples, type AbResult } from '../../core/detect/ab';
import { formatSeconds } from '../../core/format';
import { tools } from './load-tools';
import type { ConfigDiagnostics } from '../config-diagnostics';
import type { WorkspaceFolderServices } from './folders';
import { requireTrust } from './workspace';

export interface HeadComparison {
  name: string;
  head: { median: number; runs: number };
  workingTree: { median: number; runs: number };
  verdict: AbResult;
}

/**
 * Compare Working Tree with HEAD: the benchmark runs alternately (A B A B) in a temporary
 * git worktree of HEAD and in the workspace, so drift of the machine hits both alike.
 */
export class CompareService {
  constructor(
    private readonly config: ConfigDiagnostics,
    private readonly folders: WorkspaceFolderServices,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** `name`: the benchmark (asked for when absent); `where`: what names the folder (see WorkspaceFolderServices.resolve). */
  async compareWithHead(name?: string, where?: unknown): Promise<HeadComparison | undefined> {
    if (!requireTrust('run benchmarks')) return undefined;
    const services = await this.folders.resolve(where, 'Compare a benchmark of which folder?', (f) => f.hasConfig);
    if (!services) return undefined;
    const folder = services.folder;
    const loaded = await this.config.load(folder);
    if (!loaded) return undefined;
    const timed = loaded.config.benchmarks.filter((b) => !b.format);
    const benchName = name ?? (await vscode.window.showQuickPick(timed.map((b) => b.name), { placeHolder: 'Benchmark to compare between HEAD and the working tree' }));
    if (!benchName) return undefined;
    const bench = timed.find((b) => b.name === benchName);
    if (!bench) {
      void vscode.window.showErrorMessage(`Perf Pulse: no timed benchmark named ${benchName} in ${vscode.workspace.asRelativePath(loaded.file)}.`);
      return undefined;
    }
    const workspace = folder.uri.fsPath;
    const { RunCancelledError, runInterleaved, withWorktree } = tools();
    try {
      const comparison = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Perf Pulse: ${bench.name}, HEAD vs working tree`, cancellable: true },
        async (progress, token) => {
          const controller = new AbortController();
          token.onCancellationRequested(() => controller.abort());
          return withWorktree(workspace, 'HEAD', async (headDir, commit) => {
            this.log.info(`compare ${bench.name}: HEAD ${commit.slice(0, 12)} in ${headDir} vs the working tree`);
            const result = await runInterleaved(
              { ...bench, name: `${bench.name} (HEAD)`, cwd: path.resolve(headDir, bench.cwd ?? '.') },
              { ...bench, name: `${bench.name} (working tree)`, cwd: path.resolve(workspace, bench.cwd ?? '.') },
              {
                cwd: workspace,
                signal: controller.signal,
                log: (line) => this.log.info(`[compare] ${line}`),
                onProgress: (p) => progress.report({ message: `${p.benchmark}: ${p.phase} ${p.run}` }),
              },
            );
            const verdict = compareSamples(result.a.samples, result.b.samples, { seed: 1 });
            return {
              name: bench.name,
              head: { median: result.a.summary.median, runs: result.a.samples.length },
              workingTree: { median: result.b.summary.median, runs: result.b.samples.length },
              verdict,
            } satisfies HeadComparison;
          });
        },
      );
      const text = `${comparison.name}: working tree ${formatSeconds(comparison.workingTree.median)} vs HEAD ${formatSeconds(comparison.head.median)} (${comparison.workingTree.runs}+${comparison.head.runs} interleaved runs): ${comparison.verdict.message}`;
      this.log.info(text);
      const show = comparison.verdict.verdict === 'slower' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
      void show(`Perf Pulse: ${text}`);
      return comparison;
    } catch (err) {
      if (err instanceof RunCancelledError) return undefined;
      throw err;
    }
  }
}
