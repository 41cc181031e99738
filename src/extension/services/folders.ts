import vscode = require('vscode');
import { Disposable } from '../disposable';
import type { ConfigDiagnostics } from '../config-diagnostics';
import { FolderServices } from './folder-services';
import { folderOf, localFolders } from './workspace';

/** What a command may carry to say which folder it is about: a view item, a notification's button, a URI from a menu. */
export interface FolderArg {
  folder?: string;
}

/**
 * The folders Perf Pulse works on, each with its own services, kept in step with the
 * workspace's folders. Commands find their folder here: the one they name, the one of the
 * file they were run on, the active editor's, the only one, or the user's pick.
 */
export class WorkspaceFolderServices extends Disposable {
  private readonly byKey = new Map<string, FolderServices>();
  private readonly changed = this._register(new vscode.EventEmitter<void>());
  /** Fires when folders were added or removed, or one gained or lost its perfpulse.json. */
  readonly onDidChange = this.changed.event;
  private readonly findingsChanged = this._register(new vscode.EventEmitter<FolderServices>());
  /** Fires after a folder's analysis was recomputed. */
  readonly onDidChangeFindings = this.findingsChanged.event;
  private readonly profilesChanged = this._register(new vscode.EventEmitter<FolderServices>());
  /** Fires after a folder profiled a benchmark (its hot code and hints changed). */
  readonly onDidChangeProfiles = this.profilesChanged.event;
  private readonly profiled = this._register(new vscode.EventEmitter<string>());
  /** Fires with the benchmark's name when a folder has stored a new profile of it. */
  readonly onDidProfile = this.profiled.event;
  private readonly perFolder = new Map<string, vscode.Disposable[]>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
    private readonly config: ConfigDiagnostics,
  ) {
    super();
    this.update();
    this._register(vscode.workspace.onDidChangeWorkspaceFolders(() => this.update()));
    this._register({
      dispose: () => {
        for (const key of [...this.byKey.keys()]) this.remove(key);
      },
    });
  }

  private update(): void {
    const wanted = new Map(localFolders().map((f) => [f.uri.toString(), f]));
    let changed = false;
    for (const key of [...this.byKey.keys()]) {
      if (!wanted.has(key)) {
        this.remove(key);
        changed = true;
      }
    }
    for (const [key, folder] of wanted) {
      if (this.byKey.has(key)) continue;
      const services = new FolderServices(this.context, this.log, this.config, folder);
      this.byKey.set(key, services);
      this.perFolder.set(key, [
        services.onDidChangeHasConfig(() => this.changed.fire()),
        services.findings.onDidChange(() => this.findingsChanged.fire(services)),
        services.profiles.onDidChange(() => this.profilesChanged.fire(services)),
        services.profiles.onDidProfile((benchmark) => this.profiled.fire(benchmark)),
      ]);
      changed = true;
    }
    if (changed) this.changed.fire();
  }

  private remove(key: string): void {
    for (const d of this.perFolder.get(key) ?? []) d.dispose();
    this.perFolder.delete(key);
    this.byKey.get(key)?.dispose();
    this.byKey.delete(key);
  }

  /** Every folder, in the workspace's order. */
  all(): FolderServices[] {
    return localFolders().map((f) => this.byKey.get(f.uri.toString())).filter((s): s is FolderServices => !!s);
  }

  get(key: string | null | undefined): FolderServices | undefined {
    return key ? this.byKey.get(key) : undefined;
  }

  forUri(uri: vscode.Uri | undefined): FolderServices | undefined {
    const folder = folderOf(uri);
    return folder ? this.byKey.get(folder.uri.toString()) : undefined;
  }

  /** The folder whose history holds a series (the first, when several do). */
  withSeries(seriesId: string): FolderServices | undefined {
    return this.all().find((f) => f.findings.analysis?.series.some((s) => s.id === seriesId));
  }

  /** The first folder: in a single-folder window, the folder. */
  first(): FolderServices | undefined {
    return this.all()[0];
  }

  /**
   * The folder a command is about, without asking: named by its argument, the folder of the
   * URI it was run on, the active editor's, or the only candidate. Undefined when it takes a pick.
   */
  implied(arg?: unknown, candidates?: (f: FolderServices) => boolean): FolderServices | undefined {
    if (arg instanceof vscode.Uri) return this.forUri(arg);
    if (arg && typeof arg === 'object' && typeof (arg as FolderArg).folder === 'string') return this.get((arg as FolderArg).folder);
    const all = this.all();
    if (all.length === 1) return all[0];
    const active = this.forUri(vscode.window.activeTextEditor?.document.uri);
    if (active && (!candidates || candidates(active))) return active;
    const fitting = candidates ? all.filter(candidates) : all;
    return fitting.length === 1 ? fitting[0] : undefined;
  }

  /** As `implied`, else the user picks among the candidates (those with a perfpulse.json, say). */
  async resolve(arg: unknown, placeHolder: string, candidates?: (f: FolderServices) => boolean): Promise<FolderServices | undefined> {
    const implied = this.implied(arg, candidates);
    if (implied) return implied;
    const fitting = candidates ? this.all().filter(candidates) : this.all();
    const pool = fitting.length ? fitting : this.all();
    if (!pool.length) return undefined;
    const picked = await vscode.window.showQuickPick(
      pool.map((f) => ({ label: f.folder.name, description: vscode.workspace.asRelativePath(f.folder.uri, true), services: f })),
      { placeHolder },
    );
    return picked?.services;
  }
}
