import vscode = require('vscode');
import type { CompareRequest, CompareResult, SeriesDetail, SeriesOverview } from '../../protocol/trends';
import { generateTrendsData, sampleCompare, type SampleDataOptions } from './sample-data';

/**
 * What the trends panel needs from the history store and the detector. The panel
 * never reads files itself; the extension wires this to the real store.
 */
export interface TrendsDataSource {
  /** Every series, each with a sparkline of at most 64 points (see `downsampleForSparkline`). */
  listSeries(): Promise<SeriesOverview[]>;
  /** One series with all its runs, change points, baseline, budget and forecast. Rejects with a readable message for an unknown id. */
  loadSeries(seriesId: string): Promise<SeriesDetail>;
  /** Two runs, commits or branches of one series, with the A/B verdict. */
  compare(request: CompareRequest): Promise<CompareResult>;
  /** Fires with the ids of series that gained or changed runs. */
  readonly onDidChange: vscode.Event<string[]>;
}

/**
 * A data source over generated histories, for the demo and the UI tests.
 * `append()` adds a run to a series and fires `onDidChange`, to exercise live updates.
 */
export class SampleTrendsDataSource implements TrendsDataSource, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<string[]>();
  readonly onDidChange = this.emitter.event;
  private readonly details: Map<string, SeriesDetail>;

  constructor(options: SampleDataOptions = { series: 40, runs: 120, percentiles: true }) {
    this.details = new Map(generateTrendsData(options).map((d) => [d.series.id, d]));
  }

  async listSeries(): Promise<SeriesOverview[]> {
    return [...this.details.values()].map((d) => d.series);
  }

  async loadSeries(seriesId: string): Promise<SeriesDetail> {
    const detail = this.details.get(seriesId);
    if (!detail) throw new Error(`No series with id ${seriesId}`);
    return detail;
  }

  async compare(request: CompareRequest): Promise<CompareResult> {
    return sampleCompare(await this.loadSeries(request.seriesId), request);
  }

  /** Adds one run (its value a ratio of the last one) to a series and announces it. */
  append(seriesId: string, ratio = 1): void {
    const detail = this.details.get(seriesId);
    if (!detail) return;
    const last = detail.runs[detail.runs.length - 1];
    const value = last.value * ratio;
    detail.runs = [...detail.runs, { ...last, id: `${last.id}+`, value, lo: value * 0.98, hi: value * 1.02, timestamp: last.timestamp + 3_600_000 }];
    detail.series = { ...detail.series, latest: value, runs: detail.runs.length, lastTimestamp: last.timestamp + 3_600_000 };
    this.emitter.fire([seriesId]);
  }

  dispose(): void {
    this.emitter.dispose();
  }
}
