/** The detail chart's keyboard handling. */
import type { RunPoint, SeriesDetail } from '../../src/protocol/trends';

/** What the keyboard moves and calls on the chart. */
export interface KeyboardTarget {
  readonly detail: SeriesDetail | undefined;
  /** The runs in view, [first, end). */
  readonly visible: [number, number];
  /** The highlighted run. */
  readonly active: number | undefined;
  readonly callbacks: { openCommit(run: RunPoint): void; copy(text: string): void };
  setActive(index: number | undefined, fromKeyboard: boolean): void;
  panBy(fraction: number): void;
  zoomBy(factor: number): void;
  resetZoom(): void;
}

/**
 * The chart's keyboard: arrows step through runs (Ctrl: by 10; Shift: pan), Home/End, + - 0
 * zoom, Enter opens the run's commit, C copies its hash, Escape leaves the run.
 */
export function onChartKey(e: KeyboardEvent, chart: KeyboardTarget): void {
  const d = chart.detail;
  if (!d || d.runs.length === 0) return;
  const [i0, i1] = chart.visible;
  const current = chart.active ?? Math.max(0, Math.min(d.runs.length - 1, i1 - 2));
  switch (e.key) {
    case 'ArrowLeft':
    case 'ArrowRight': {
      e.preventDefault();
      const step = e.key === 'ArrowLeft' ? -1 : 1;
      if (e.shiftKey) chart.panBy(step * 0.2);
      else chart.setActive(Math.max(0, Math.min(d.runs.length - 1, current + step * (e.ctrlKey ? 10 : 1))), true);
      break;
    }
    case 'Home':
      e.preventDefault();
      chart.setActive(Math.max(0, i0), true);
      break;
    case 'End':
      e.preventDefault();
      chart.setActive(Math.min(d.runs.length - 1, i1 - 1), true);
      break;
    case '+':
    case '=':
      e.preventDefault();
      chart.zoomBy(1.5);
      break;
    case '-':
      e.preventDefault();
      chart.zoomBy(1 / 1.5);
      break;
    case '0':
      e.preventDefault();
      chart.resetZoom();
      break;
    case 'Enter':
      if (chart.active !== undefined) {
        e.preventDefault();
        chart.callbacks.openCommit(d.runs[chart.active]);
      }
      break;
    case 'c':
    case 'C':
      if (chart.active !== undefined && d.runs[chart.active].commit) {
        e.preventDefault();
        chart.callbacks.copy(d.runs[chart.active].commit!);
      }
      break;
    case 'Escape':
      if (chart.active !== undefined) {
        e.stopPropagation();
        chart.setActive(undefined, true);
      }
      break;
  }
}
