import { DEFAULT_VIEW_STATE, type TrendsViewState } from '../../protocol/trends';

const VIEWS = new Set(['overview', 'findings', 'detail', 'compare']);

/**
 * Accepts a state the webview saved (possibly by an older version, possibly damaged),
 * filling fields a newer version added; anything unusable gives the defaults.
 */
export function restoreViewState(saved: unknown): TrendsViewState {
  if (typeof saved !== 'object' || saved === null || Array.isArray(saved)) return { ...DEFAULT_VIEW_STATE };
  const state = { ...DEFAULT_VIEW_STATE, ...(saved as Partial<TrendsViewState>) };
  if (!VIEWS.has(state.view)) state.view = 'overview';
  if (!Array.isArray(state.statuses)) state.statuses = [];
  if (typeof state.search !== 'string') state.search = '';
  if (state.zoom && !(Array.isArray(state.zoom) && state.zoom.length === 2 && state.zoom.every(Number.isFinite))) state.zoom = undefined;
  return state;
}
