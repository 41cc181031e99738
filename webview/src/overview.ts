import type { SeriesOverview, SeriesStatus, SortKey, TrendsViewState } from '../../src/protocol/trends';
import { escapeHtml, h } from './dom';
import { formatChange, formatValue, isWorse } from './format';
import { STATUS_LABEL, STATUS_ORDER, countByStatus, displayName, groupOverview, queryOverview, sharedNamePrefix, sparklinePath } from './overview-model';

const SPARK_W = 128;
/** Rows (including group headings) in the first paint: more than any panel shows at once. */
const FIRST_ROWS = 50;
const CHUNK_ROWS = 150;
const SPARK_H = 26;

export interface OverviewCallbacks {
  open(seriesId: string): void;
  change(partial: Partial<TrendsViewState>): void;
}

const SORT_COLUMNS: { key: SortKey | undefined; label: string; className: string; numeric?: boolean }[] = [
  { key: 'status', label: 'Status', className: 'c-status' },
  { key: 'name', label: 'Series', className: 'c-name' },
  { key: undefined, label: 'Trend', className: 'c-trend' },
  { key: 'latest', label: 'Latest', className: 'c-latest', numeric: true },
  { key: 'change', label: 'vs baseline', className: 'c-change', numeric: true },
  { key: 'runs', label: 'Runs', className: 'c-runs', numeric: true },
  { key: undefined, label: 'Note', className: 'c-note' },
];

/** The list of all series: search, status chips, sortable columns, findings first, grouped by source. */
export class OverviewView {
  readonly element: HTMLElement;
  private readonly search: HTMLInputElement;
  private readonly chips: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly table: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private readonly findingsToggle: HTMLButtonElement;
  private series: SeriesOverview[] | undefined;
  private state!: TrendsViewState;
  /** The row that owns tabindex=0 (roving tabindex). */
  private focusId: string | undefined;
  private generation = 0;
  private queryKey = '';

  constructor(private readonly callbacks: OverviewCallbacks) {
    this.search = h('input', { type: 'search', placeholder: 'Search series: name, group, status…', 'aria-label': 'Search series', spellcheck: 'false' });
    this.search.addEventListener('input', () => this.callbacks.change({ search: this.search.value }));
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowDown') {
        e.preventDefault();
        this.focusRow(0);
      }
    });
    this.chips = h('div', { class: 'chips', role: 'group', 'aria-label': 'Filter by status' });
    this.chips.addEventListener('click', (e) => {
      const chip = (e.target as Element).closest<HTMLButtonElement>('button[data-status]');
      if (!chip) return;
      const status = chip.dataset.status as SeriesStatus;
      const set = new Set(this.state.statuses);
      if (set.has(status)) set.delete(status);
      else set.add(status);
      this.callbacks.change({ statuses: STATUS_ORDER.filter((s) => set.has(s)) });
    });
    this.findingsToggle = h('button', { type: 'button', 'aria-pressed': 'false', 'aria-label': 'Show findings only' }, 'Findings only');
    this.findingsToggle.addEventListener('click', () =>
      this.callbacks.change({ view: this.state.view === 'findings' ? 'overview' : 'findings' }),
    );
    const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': 'Overview controls' }, this.search, this.chips, h('span', { class: 'spacer' }), this.findingsToggle);
    this.summary = h('p', { class: 'summary', role: 'status' });

    const colgroup = h('colgroup', {}, ...SORT_COLUMNS.map((c) => h('col', { class: c.className })));
    const headRow = h('tr', {});
    for (const column of SORT_COLUMNS) {
      const th = h('th', { scope: 'col', class: column.numeric ? 'num' : undefined, 'data-sort': column.key });
      if (column.key) {
        const button = h('button', { type: 'button', 'data-sort': column.key }, column.label);
        button.addEventListener('click', () => {
          const key = column.key as SortKey;
          this.callbacks.change(key === this.state.sort ? { sortDescending: !this.state.sortDescending } : { sort: key, sortDescending: false });
        });
        th.append(button);
      } else th.textContent = column.label;
      headRow.append(th);
    }
    this.body = h('tbody', {});
    this.table = h('table', { class: 'series', 'aria-label': 'Performance series', 'aria-rowcount': '0' }, colgroup, h('thead', {}, headRow), this.body);
    this.body.addEventListener('click', (e) => {
      const row = (e.target as Element).closest<HTMLTableRowElement>('tr.row');
      if (row?.dataset.id) this.callbacks.open(row.dataset.id);
    });
    this.body.addEventListener('keydown', (e) => this.onRowKey(e));
    this.body.addEventListener('focusin', (e) => {
      const row = (e.target as Element).closest<HTMLTableRowElement>('tr.row');
      if (row?.dataset.id) this.setRovingFocus(row);
    });
    this.element = h('section', { class: 'screen overview', 'aria-label': 'All series' }, toolbar, this.summary, h('div', { class: 'table-wrap' }, this.table));
  }

  setData(series: SeriesOverview[]): void {
    this.series = series;
  }

  get hasData(): boolean {
    return this.series !== undefined;
  }

  render(state: TrendsViewState): void {
    this.state = state;
    if (this.search.value !== state.search) this.search.value = state.search;
    // Progressive rendering only when the rows change wholesale (first data, a new filter);
    // a live update re-renders in one go so the scroll position and focus do not jump.
    const queryKey = JSON.stringify([state.view, state.search, state.statuses, state.sort, state.sortDescending, this.series === undefined]);
    const progressive = queryKey !== this.queryKey;
    this.queryKey = queryKey;
    this.renderNow(progressive);
  }

  private renderNow(progressive: boolean): void {
    const state = this.state;
    const findingsOnly = state.view === 'findings';
    this.findingsToggle.setAttribute('aria-pressed', String(findingsOnly));
    for (const th of this.table.tHead!.querySelectorAll<HTMLElement>('th[data-sort]')) {
      const sorted = th.dataset.sort === state.sort;
      if (sorted) th.setAttribute('aria-sort', state.sortDescending ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
    if (!this.series) {
      this.summary.textContent = 'Loading…';
      return;
    }
    const counts = countByStatus(this.series);
    const active = new Set(state.statuses);
    this.chips.innerHTML = STATUS_ORDER.filter((s) => counts[s] > 0)
      .map(
        (s) =>
          `<button type="button" class="chip status-${s}" data-status="${s}" aria-pressed="${active.has(s)}" aria-label="${escapeHtml(`${STATUS_LABEL[s]}: ${counts[s]} series`)}"><span class="dot"></span>${STATUS_LABEL[s]}<span class="count">${counts[s]}</span></button>`,
      )
      .join('');
    const rows = queryOverview(this.series, { ...state, findingsOnly });
    const groups = groupOverview(rows);
    const findings = this.series.filter((s) => s.status === 'regressed' || s.status === 'over-budget' || s.status === 'suspect').length;
    this.summary.textContent =
      `${this.series.length} series · ${findings} finding${findings === 1 ? '' : 's'}` +
      (rows.length !== this.series.length ? ` · showing ${rows.length}` : '');
    if (!rows.some((r) => r.id === this.focusId)) this.focusId = rows.length ? groups[0].rows[0].id : undefined;
    const parts: string[] = [];
    for (const group of groups) {
      parts.push(`<tr class="group-row"><th colspan="7" scope="rowgroup">${escapeHtml(group.label)} <span class="count">(${group.rows.length})</span></th></tr>`);
      const prefix = sharedNamePrefix(group.rows.map((s) => s.name));
      for (const s of group.rows) parts.push(this.rowHtml(s, prefix));
    }
    if (rows.length === 0) parts.push(`<tr><td colspan="7" class="empty">${this.series.length ? 'No series match the search.' : 'No performance history yet: run a benchmark to see it here.'}</td></tr>`);
    const hadFocus = this.body.contains(document.activeElement);
    this.table.setAttribute('aria-rowcount', String(rows.length));
    // The first screenful goes in now and is painted; the rest follows in chunks after
    // the paint, so 500+ series show as fast as 50 and typing in the search stays fluid.
    const generation = ++this.generation;
    const first = progressive ? FIRST_ROWS : parts.length;
    this.body.innerHTML = parts.slice(0, first).join('');
    let next = first;
    const restoreFocus = () => {
      if (hadFocus && this.focusId) this.body.querySelector<HTMLElement>(`tr[data-id="${CSS.escape(this.focusId)}"]`)?.focus();
    };
    const appendMore = () => {
      if (generation !== this.generation) return;
      if (next < parts.length) {
        this.body.insertAdjacentHTML('beforeend', parts.slice(next, next + CHUNK_ROWS).join(''));
        next += CHUNK_ROWS;
        requestAnimationFrame(() => setTimeout(appendMore, 0));
      } else restoreFocus();
    };
    if (parts.length > first) requestAnimationFrame(() => setTimeout(appendMore, 0));
    else restoreFocus();
  }


  private rowHtml(s: SeriesOverview, namePrefix: string): string {
    const change = formatChange(s.changeRatio);
    const changeClass = s.changeRatio === undefined || Math.abs(s.changeRatio - 1) < 0.005 ? '' : isWorse(s.changeRatio, s.direction) ? 'worse' : 'better';
    const latest = formatValue(s.latest, s.unit);
    const label = `${s.name}, ${STATUS_LABEL[s.status]}, latest ${latest}, ${change} versus baseline, ${s.runs} runs`;
    const path = sparklinePath(s.sparkline, SPARK_W, SPARK_H);
    const sub = [s.group, s.metric !== 'time' ? s.metric : undefined].filter(Boolean).join(' · ');
    return (
      `<tr class="row status-${s.status}" data-id="${escapeHtml(s.id)}" tabindex="${s.id === this.focusId ? 0 : -1}" aria-label="${escapeHtml(label)}">` +
      `<td><span class="badge">${STATUS_LABEL[s.status]}</span></td>` +
      `<td><div class="name" title="${escapeHtml(s.name)}">${escapeHtml(displayName(s.name, namePrefix))}</div>${sub ? `<div class="sub">${escapeHtml(sub)}</div>` : ''}</td>` +
      `<td><svg class="spark" width="${SPARK_W}" height="${SPARK_H}" viewBox="0 0 ${SPARK_W} ${SPARK_H}" aria-hidden="true"><path d="${path}"/></svg></td>` +
      `<td class="num">${escapeHtml(latest)}</td>` +
      `<td class="num"><span class="change ${changeClass}">${change}</span></td>` +
      `<td class="num">${s.runs}</td>` +
      `<td class="note">${escapeHtml(s.statusNote ?? '')}</td></tr>`
    );
  }

  private rows(): HTMLTableRowElement[] {
    return [...this.body.querySelectorAll<HTMLTableRowElement>('tr.row')];
  }

  private setRovingFocus(row: HTMLTableRowElement): void {
    if (this.focusId === row.dataset.id) return;
    this.body.querySelector('tr.row[tabindex="0"]')?.setAttribute('tabindex', '-1');
    row.setAttribute('tabindex', '0');
    this.focusId = row.dataset.id;
  }

  private focusRow(index: number): void {
    const rows = this.rows();
    const row = rows[Math.max(0, Math.min(rows.length - 1, index))];
    if (!row) return;
    this.setRovingFocus(row);
    row.focus();
  }

  private onRowKey(e: KeyboardEvent): void {
    const row = (e.target as Element).closest<HTMLTableRowElement>('tr.row');
    if (!row) return;
    const rows = this.rows();
    const index = rows.indexOf(row);
    const page = Math.max(1, Math.floor(this.table.parentElement!.clientHeight / Math.max(1, row.offsetHeight)) - 1);
    const moves: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: rows.length - 1, PageDown: index + page, PageUp: index - page };
    if (e.key in moves) {
      e.preventDefault();
      if (e.key === 'ArrowUp' && index === 0) this.search.focus();
      else this.focusRow(moves[e.key]);
    } else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      if (row.dataset.id) this.callbacks.open(row.dataset.id);
    }
  }

  focus(): void {
    const row = this.focusId ? this.body.querySelector<HTMLElement>(`tr[data-id="${CSS.escape(this.focusId)}"]`) : null;
    (row ?? this.search).focus();
  }
}
