import vscode = require('vscode');
import type { CompareRequest, CompareResult, SeriesDetail, SeriesOverview } from '../../protocol/trends';
import type { TrendsDataSource } from '../trends/data-source';
import { Disposable } from '../disposable';
import type { FolderServices } from './folder-services';
import type { WorkspaceFolderServices } from './folders';

/**
 * The trends panel shows one folder's history at a time (series of two folders may share a name
 * and an id): the folder the last "Show Trends" was about. Switching folders redraws the panel.
 */
export class FolderTrendsSource extends Disposable implements TrendsDataSource {
  private readonly changed = this._register(new vscode.EventEmitter<string[]>());
  readonly onDidChange = this.changed.event;
  private currentKey?: string;

  constructor(private readonly folders: WorkspaceFolderServices) {
    super();
    this._register(folders.onDidChangeFindings((f) => {
      if (f === this.current()) this.changed.fire(f.findings.analysis?.series.map((s) => s.id) ?? []);
    }));
    this._register(folders.onDidChange(() => {
      if (this.currentKey && !folders.get(this.currentKey)) this.select(undefined);
    }));
  }

  /** The folder shown: the one chosen last, else the first with findings, else the first. */
  current(): FolderServices | undefined {
    return this.folders.get(this.currentKey) ?? this.folders.all().find((f) => f.findings.findings.length) ?? this.folders.first();
  }

  /** Shows another folder's history; the panel redraws everything. */
  select(folder: FolderServices | undefined): void {
    const before = this.current();
    this.currentKey = folder?.key;
    if (this.current() !== before) this.changed.fire([]);
  }

  private source(): TrendsDataSource {
    const folder = this.current();
    if (!folder) throw new Error('Open a folder to see its performance history.');
    return folder.trends;
  }

  listSeries(): Promise<SeriesOverview[]> {
    return this.folders.all().length ? this.source().listSeries() : Promise.resolve([]);
  }
  loadSeries(seriesId: string): Promise<SeriesDetail> {
    return this.source().loadSeries(seriesId);
  }
  compare(request: CompareRequest): Promise<CompareResult> {
    return this.source().compare(request);
  }
}
