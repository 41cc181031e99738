import vscode = require('vscode');
import type { CompareRequest, CompareResult, SeriesDetail, SeriesOverview } from '../protocol/trends';
import type { TrendsDataSource } from './trends/data-source';

/**
 * The trends panel is registered at activation (so that a panel restored after a reload
 * finds its serializer), but its data comes from stage two: this source loads it on the
 * first request.
 */
export class LazyTrendsSource implements TrendsDataSource, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<string[]>();
  readonly onDidChange = this.emitter.event;
  private inner?: Promise<TrendsDataSource>;
  private forward?: vscode.Disposable;

  constructor(private readonly load: () => Promise<TrendsDataSource>) {}

  private source(): Promise<TrendsDataSource> {
    return (this.inner ??= this.load().then((s) => {
      this.forward = s.onDidChange((ids) => this.emitter.fire(ids));
      return s;
    }));
  }

  async listSeries(): Promise<SeriesOverview[]> {
    return (await this.source()).listSeries();
  }
  async loadSeries(seriesId: string): Promise<SeriesDetail> {
    return (await this.source()).loadSeries(seriesId);
  }
  async compare(request: CompareRequest): Promise<CompareResult> {
    return (await this.source()).compare(request);
  }
  dispose(): void {
    this.forward?.dispose();
    this.emitter.dispose();
  }
}
