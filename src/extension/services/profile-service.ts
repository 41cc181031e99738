import vscode = require('vscode');
import { promises as fsp } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { FunctionShare } from '../../core/profile/model';
import { formatSeconds } from '../../core/format';
import { Disposable } from '../disposable';
import type { ConfigDiagnostics } from '../config-diagnostics';
import { affects, readSettings } from '../settings';
import type { HistoryService } from './history-service';
import type { ProfileHint } from './findings-service';
import type { WorkspaceFolderServices } from './folders';
import { tools } from './load-tools';
import { latestRunIn } from '../../core/profile/run-link';
import { requireTrust } from './workspace';

/** Functions below this share of a benchmark's time get no hint at their definition. */
export const HOT_SHARE = 0.05;

export interface HotSpot {
  benchmark: string;
  fn: FunctionShare;
  /** The profile as a .cpuprofile, for VS Code's profile viewer. */
  cpuprofile: vscode.Uri;
}

/** What "Profile Benchmark" may be told besides the benchmark: a base revision, the regression it explains. */
export interface ProfileOptions {
  rev?: string;
  seriesId?: string;
  /** When no benchmark is named: the ones to offer (those defined in the file it was run on). */
  offer?: string[];
}

/**
 * The options of `perfPulse.profileBenchmark`: from its argument (`{ benchmark, folder, rev,
 * seriesId }` from a quick fix) or, as before folders, from a second argument `{ rev, seriesId }`.
 */
export function profileArgs(arg: unknown, options?: unknown): Pick<ProfileOptions, 'rev' | 'seriesId'> {
  const read = (o: unknown) => (typeof o === 'object' && o !== null && !(o instanceof vscode.Uri) ? (o as { rev?: unknown; seriesId?: unknown }) : {});
  const a = read(arg);
  const b = read(options);
  const rev = typeof a.rev === 'string' ? a.rev : typeof b.rev === 'string' ? b.rev : undefined;
  const seriesId = typeof a.seriesId === 'string' ? a.seriesId : typeof b.seriesId === 'string' ? b.seriesId : undefined;
  return { ...(rev ? { rev } : {}), ...(seriesId ? { seriesId } : {}) };
}

/**
 * "Perf Pulse: Profile Benchmark" for one workspace folder: one profiled run of a benchmark
 * (apart from its timed runs), kept beside the folder's history; afterwards its hottest
 * functions are marked where they are defined (see HotCodeLens). Nothing is profiled unless asked.
 */
export class ProfileService extends Disposable {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChange = this.changed.event;
  private readonly profiled = this._register(new vscode.EventEmitter<string>());
  /** A benchmark's profile (and differential, if asked) has been stored. */
  readonly onDidProfile = this.profiled.event;
  /** The latest profile of each benchmark profiled in this session. */
  private readonly latest = new Map<string, { shares: FunctionShare[]; cpuprofile: vscode.Uri }>();
  private running?: AbortController;
  /** What the latest differential profile of a regression found, by series. */
  private readonly diffs = new Map<string, ProfileHint>();

  constructor(
    private readonly config: ConfigDiagnostics,
    private readonly history: HistoryService,
    private readonly log: vscode.LogOutputChannel,
    readonly folder: vscode.WorkspaceFolder,
  ) {
    super();
    this._register({ dispose: () => this.running?.abort() });
  }

  /** "most of it is in `f` (file:line): +2.1 ms of +2.4 ms" for a series whose regression was profiled. */
  diffHint(seriesId: string): ProfileHint | undefined {
    return this.diffs.get(seriesId);
  }

  /** The hot functions defined in `relativeFile` (relative to this folder, `/`), hottest first. */
  hotSpots(relativeFile: string): HotSpot[] {
    const out: HotSpot[] = [];
    for (const [benchmark, { shares, cpuprofile }] of this.latest) {
      for (const fn of shares) {
        // A module's own code (V8's `(anonymous)`, Python's `<module>`, at line 1) holds everything: no hint.
        const moduleBody = fn.line === 1 && /^[(<]/.test(fn.name);
        if (fn.file === relativeFile && fn.line > 0 && fn.totalShare >= HOT_SHARE && !moduleBody) out.push({ benchmark, fn, cpuprofile });
      }
    }
    return out.sort((a, b) => b.fn.totalShare - a.fn.totalShare);
  }

  /**
   * Profiles `name` (picked when absent). With `rev`, also profiles that revision in a temporary
   * worktree and ranks what got slower; for a regression (`seriesId`), its diagnostic then says where.
   */
  async profile(name?: string, options: ProfileOptions = {}): Promise<FunctionShare[] | undefined> {
    if (!requireTrust('profile benchmarks')) return undefined;
    const folder = this.folder;
    if (this.running) {
      void vscode.window.showInformationMessage('Perf Pulse is already profiling a benchmark.');
      return undefined;
    }
    const loaded = await this.config.load(folder);
    if (!loaded) return undefined;
    const offered = options.offer?.length ? loaded.config.benchmarks.filter((b) => options.offer!.includes(b.name)) : loaded.config.benchmarks;
    const benchName =
      name ??
      (await vscode.window.showQuickPick(offered.map((b) => ({ label: b.name, description: Array.isArray(b.command) ? b.command.join(' ') : b.command })), { placeHolder: 'Benchmark to profile' }))?.label;
    if (!benchName) return undefined;
    const bench = loaded.config.benchmarks.find((b) => b.name === benchName);
    if (!bench) {
      void vscode.window.showErrorMessage(`Perf Pulse: no benchmark named ${benchName} in ${vscode.workspace.asRelativePath(loaded.file)}.`);
      return undefined;
    }
    const controller = new AbortController();
    this.running = controller;
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Perf Pulse: profiling ${bench.name}`, cancellable: true }, async (_progress, token) => {
        token.onCancellationRequested(() => controller.abort());
        const { captureProfile, recordProfile, functionShares, toCpuProfile, vcsInfo, withWorktree, diffProfiles, diffHeadline } = tools();
        const log = (line: string) => this.log.info(`[${bench.name}] ${line}`);
        let base: Awaited<ReturnType<typeof captureProfile>> | undefined;
        let baseCommit: string | undefined;
        if (options.rev) {
          await withWorktree(folder.uri.fsPath, options.rev, async (revDir) => {
            base = await captureProfile(bench, { workspace: revDir, signal: controller.signal, log, calibrateGo: true });
            baseCommit = (await vcsInfo(revDir)).commit;
          });
        }
        const captured = await captureProfile(bench, { workspace: folder.uri.fsPath, signal: controller.signal, log, ...(base?.goIterations !== undefined ? { goIterations: base.goIterations } : {}) });
        const shares = functionShares(captured.profile);
        // VS Code opens .cpuprofile files in its profile viewer: the hint's link.
        // In this folder's own part of the extension's storage: folders may share benchmark names.
        const dir = join(this.history.storageDir(), 'profiles');
        await fsp.mkdir(dir, { recursive: true });
        const cpuprofile = vscode.Uri.file(join(dir, `${bench.name.replace(/[^A-Za-z0-9._-]+/g, '_')}.cpuprofile`));
        await fsp.writeFile(cpuprofile.fsPath, JSON.stringify(toCpuProfile(captured.profile)));
        this.latest.set(bench.name, { shares, cpuprofile });
        this.changed.fire();
        const { commit } = await vcsInfo(folder.uri.fsPath);
        // The same retention as the history's raw samples (perfPulse.history.rawRunsPerSeries).
        const keepSamplesRuns = readSettings(folder.uri)['history.rawRunsPerSeries'];
        const findRun = async (benchmark: string, at: string) => latestRunIn(await this.history.ready(), benchmark, at);
        const now = Date.now();
        // A differential profile is kept as its two sides: the base (at its commit), then the head naming that commit.
        if (base && baseCommit) await recordProfile(this.history.directory(), base, { commit: baseCommit, retention: { keepSamplesRuns }, findRun, now: now - 1 });
        const file = await recordProfile(this.history.directory(), captured, { ...(commit ? { commit } : {}), ...(base && baseCommit ? { baseCommit } : {}), retention: { keepSamplesRuns }, findRun, now });
        this.log.info(`[${bench.name}] profile kept in ${file}`);
        this.profiled.fire(bench.name);
        if (base) {
          const diff = diffProfiles(base.profile, captured.profile);
          const headline = diffHeadline(diff, formatSeconds);
          const top = diff.entries[0];
          this.log.info(`[${bench.name}] against ${options.rev}: ${headline ?? 'no function got slower'}`);
          if (headline && top) {
            if (options.seriesId) this.diffs.set(options.seriesId, { text: headline, ...(top.file ? { file: top.file } : {}), ...(top.line ? { line: top.line } : {}) });
            this.changed.fire();
            void vscode.window.showInformationMessage(`Perf Pulse: ${bench.name} against ${(options.rev ?? "").slice(0, 12)}: ${headline}.`);
            return shares;
          }
        }
        const top = shares[0];
        if (top) {
          const where = top.file ? ` (${top.file}${top.line ? `:${top.line}` : ''})` : '';
          void vscode.window.showInformationMessage(`Perf Pulse: ${bench.name} spends most of its time in ${top.name}${where}: ${pct(top.totalShare)} (self ${pct(top.selfShare)}).`);
        }
        return shares;
      });
    } catch (err) {
      if (controller.signal.aborted) return undefined;
      this.log.error(`profile failed: ${(err as Error)?.stack ?? err}`);
      void vscode.window.showErrorMessage(`Perf Pulse: ${(err as Error)?.message ?? err}`, 'Show Log').then((c) => c && this.log.show());
      return undefined;
    } finally {
      this.running = undefined;
    }
  }
}

export const pct = (x: number): string => `${Math.round(x * 100)}%`;

/**
 * At the definition of each hot function of the latest profiles: "31% of sort-10k (self 24%)";
 * a click opens the profile in VS Code's profile viewer. The marks of a file come from the
 * profiles of its own folder.
 */
export class HotCodeLens extends Disposable implements vscode.CodeLensProvider {
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly folders: WorkspaceFolderServices) {
    super();
    this._register(folders.onDidChangeProfiles(() => this.changed.fire()));
    this._register(folders.onDidChange(() => this.changed.fire()));
    this._register(vscode.workspace.onDidChangeConfiguration((e) => {
      if (affects(e, ['codeLens'])) this.changed.fire();
    }));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!readSettings(document.uri)['codeLens.enabled']) return [];
    const services = this.folders.forUri(document.uri);
    if (!services) return [];
    const file = relative(services.folder.uri.fsPath, document.uri.fsPath).split(sep).join('/');
    return services.profiles.hotSpots(file).map(({ benchmark, fn, cpuprofile }) => {
      const line = Math.min(fn.line - 1, Math.max(0, document.lineCount - 1));
      return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
        title: `$(flame) ${pct(fn.totalShare)} of ${benchmark} (self ${pct(fn.selfShare)})`,
        tooltip: `${fn.name}: ${pct(fn.totalShare)} of ${benchmark}'s time is spent in it or what it calls, ${pct(fn.selfShare)} in its own code. Click to open the profile.`,
        command: 'vscode.open',
        arguments: [cpuprofile],
      });
    });
  }
}
