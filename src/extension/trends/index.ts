export { registerTrendsPanel, TRENDS_VIEW_TYPE, type TrendsPanelController, type TrendsShowOptions } from './panel';
export type { TrendsDataSource } from './data-source';
export { downsampleForSparkline, changeRatio, SPARKLINE_POINTS } from './shaping';
