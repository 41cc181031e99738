import vscode = require('vscode');
import type { CompareRequest, CompareResult, SeriesDetail, SeriesOverview } from '../../protocol/trends';

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
