/**
 * What every part of the detail chart shares: its options, the plot margins, and the frame
 * (the data and scales one drawing uses), so the drawing, axes, annotations, tooltip and
 * export modules read the same state without reaching into the chart object.
 */
import type { ScaleLinear, ScaleLogarithmic } from 'd3-scale';
import type { Selection } from 'd3-selection';
import type { SeriesDetail } from '../../src/protocol/trends';
import type { RunColumns } from './run-columns';

export interface ChartOptions {
  xMode: 'run' | 'time';
  yScale: 'linear' | 'log';
  tab: 'runs' | 'percentiles';
  /** Domain to restore (from saved state); ignored when it does not fit the data. */
  zoom?: [number, number];
}

export type YScale = ScaleLinear<number, number> | ScaleLogarithmic<number, number>;
export type Svg = Selection<SVGSVGElement, unknown, null, undefined>;
export type G = Selection<SVGGElement, unknown, null, undefined>;
export type LayerName = 'grid' | 'xAxis' | 'yAxis' | 'baseline' | 'forecast' | 'budget' | 'changes' | 'hover' | 'brush';
export type Layers = Record<LayerName, G>;
export type ChangePoint = SeriesDetail['changePoints'][number];

export const MARGIN = { top: 40, right: 24, bottom: 30, left: 72 };

/** One drawing's data and scales. */
export interface Frame {
  readonly detail: SeriesDetail;
  readonly options: ChartOptions;
  /** x position of each run: its index, or its timestamp on a time axis. */
  readonly xs: Float64Array;
  readonly runColumns: RunColumns;
  readonly x: ScaleLinear<number, number>;
  readonly y: YScale;
  readonly width: number;
  readonly height: number;
}
