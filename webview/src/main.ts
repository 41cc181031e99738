/**
 * The trends panel app: keeps the view state (saved with setState so it survives a
 * reload), routes host messages to the three screens and reports when it has painted.
 */
import './styles.css';
import { DEFAULT_VIEW_STATE, type HostMessage, type SeriesDetail, type TrendsViewState } from '../../src/protocol/trends';
import { unpackDetail } from '../../src/protocol/trends-packing';
import { CompareView, defaultCompare } from './compare';
import { DetailView } from './detail';
import { afterPaint, h } from './dom';
import { OverviewView } from './overview';
import { onHostMessage, post, savedState, saveState } from './vscode-api';

const app = document.getElementById('app') ?? document.body.appendChild(h('div', { id: 'app', class: 'app' }));
const restored = savedState();
let state: TrendsViewState = { ...DEFAULT_VIEW_STATE, ...restored };
let detail: SeriesDetail | undefined;
const errorBanner = h('div', { class: 'error-banner', role: 'alert', hidden: true });

/** The webview asks for series data itself; the host only pushes the overview and live updates. */
function requestWhatTheViewNeeds(): void {
  if ((state.view === 'detail' || state.view === 'compare') && state.seriesId && detail?.series.id !== state.seriesId) {
    post({ type: 'requestDetail', seriesId: state.seriesId });
  }
  if (state.view === 'compare' && state.compare) post({ type: 'requestCompare', request: state.compare });
}

function update(partial: Partial<TrendsViewState>): void {
  const previous = state;
  state = { ...state, ...partial };
  saveState(state);
  const viewChanged = previous.view !== state.view || previous.seriesId !== state.seriesId;
  // Another series: its profile is asked for when its Profile section is opened.
  if (previous.seriesId !== state.seriesId) detailView.showProfile(false);
  if ((state.view === 'detail' || state.view === 'compare') && state.seriesId && detail?.series.id !== state.seriesId) post({ type: 'requestDetail', seriesId: state.seriesId });
  if (state.view === 'compare' && state.compare && (viewChanged || previous.compare !== state.compare)) post({ type: 'requestCompare', request: state.compare });
  // A zoom change came from the chart itself; redrawing would only repeat its frame.
  if (Object.keys(partial).length === 1 && 'zoom' in partial) return;
  render(viewChanged);
}

const overview = new OverviewView({
  open: (seriesId) => update({ view: 'detail', seriesId, zoom: undefined }),
  change: update,
});
const detailView = new DetailView({
  back: () => update({ view: 'overview' }),
  change: update,
  openCommit: (run) => {
    if (run.commit) post({ type: 'openCommit', commit: run.commit });
  },
  copy: (text) => post({ type: 'copy', text }),
  compare: () => {
    if (detail) update({ view: 'compare', compare: state.compare?.seriesId === detail.series.id ? state.compare : defaultCompare(detail) });
  },
  error: showError,
  profile: () => {
    if (state.seriesId) post({ type: 'requestProfile', seriesId: state.seriesId });
  },
});
const compareView = new CompareView({
  back: () => update({ view: 'detail' }),
  request: (request) => update({ compare: request }),
});

app.replaceChildren(errorBanner, overview.element, detailView.element, compareView.element);

function showError(message: string): void {
  errorBanner.textContent = message;
  errorBanner.hidden = false;
  setTimeout(() => (errorBanner.hidden = true), 8000);
}

/** Tells the host (and the benchmark) when a screen with its data has been painted. */
function reportPainted(view: TrendsViewState['view']): void {
  afterPaint((at) => post({ type: 'rendered', view, at }));
}

function render(moveFocus = false): void {
  const screen = state.view === 'detail' ? 'detail' : state.view === 'compare' ? 'compare' : 'overview';
  overview.element.hidden = screen !== 'overview';
  detailView.element.hidden = screen !== 'detail';
  compareView.element.hidden = screen !== 'compare';
  if (screen === 'overview') {
    overview.render(state);
    if (overview.hasData) reportPainted(state.view);
    if (moveFocus) overview.focus();
  } else if (screen === 'detail') {
    detailView.render(state);
    if (moveFocus) detailView.focus();
    if (detailView.seriesId === state.seriesId) reportPainted('detail');
  } else {
    compareView.setDetail(detail);
    if (compareView.render(state.compare)) reportPainted('compare');
  }
}

function receive(message: HostMessage): void {
  switch (message.type) {
    case 'init':
      // A state saved by this webview (reload) wins over what the host remembers.
      if (!restored) state = { ...DEFAULT_VIEW_STATE, ...message.state };
      saveState(state);
      requestWhatTheViewNeeds();
      render();
      break;
    case 'overview':
      overview.setData(message.series);
      if (state.view === 'overview' || state.view === 'findings') render();
      break;
    case 'detail':
      // Marks for the profiling script (scripts/bench/trends/profile-detail.ts).
      performance.mark('pp-detail-received');
      detail = unpackDetail(message.detail);
      detailView.setData(detail);
      compareView.setDetail(detail);
      if (state.view === 'detail' && state.seriesId === detail.series.id) render();
      else if (state.view === 'compare' && state.compare?.seriesId === detail.series.id) render();
      performance.mark('pp-detail-handled');
      break;
    case 'compare':
      compareView.setResult(message.result);
      if (state.view === 'compare') render();
      break;
    case 'profile':
      detailView.profile.setReply(message.reply);
      break;
    case 'navigate':
      update({ view: message.view, seriesId: message.seriesId ?? state.seriesId, ...(message.seriesId && message.seriesId !== state.seriesId ? { zoom: undefined } : {}) });
      if (message.view === 'detail' && message.profile) {
        detailView.showProfile(true);
        if (state.seriesId) post({ type: 'requestProfile', seriesId: state.seriesId });
      }
      break;
    case 'error':
      showError(message.message);
      break;
    case 'exported':
      break;
  }
}

onHostMessage(receive);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && state.view === 'detail' && detailView.profileOpen && !(e.target instanceof HTMLSelectElement)) detailView.showProfile(false);
  else if (e.key === 'Escape' && state.view === 'detail' && !(e.target instanceof HTMLSelectElement)) update({ view: 'overview' });
  if (e.key === '/' && state.view !== 'detail' && !(e.target instanceof HTMLInputElement)) {
    e.preventDefault();
    (overview.element.querySelector('input[type="search"]') as HTMLInputElement | null)?.focus();
  }
});
// The chart is exposed for the benchmark and UI tests, which drive zoom programmatically.
(window as unknown as { perfPulseTrends: unknown }).perfPulseTrends = { chart: detailView.chart, profile: detailView.profile, state: () => state };
post({ type: 'ready' });
