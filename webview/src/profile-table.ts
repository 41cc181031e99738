/**
 * The profile as a table of functions: self and total time with their shares (and, for a
 * differential profile, the change of self time), sortable by any column. Rows are focusable;
 * ↑/↓ move between them, Home/End to the first and last.
 */
import { escapeHtml, h } from './dom';
import { sortRows, type FunctionRow, type TableSortKey } from './flame-model';
import { formatValue } from './format';

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;

export class ProfileTable {
  readonly element: HTMLElement;
  private readonly table = h('table', { class: 'profile-table' });
  private rows: FunctionRow[] = [];
  private differential = false;
  private sort: TableSortKey = 'self';
  private descending = true;
  private query = '';

  constructor() {
    this.element = h('div', { class: 'profile-table-wrap' }, this.table);
    this.table.addEventListener('click', (e) => {
      const button = (e.target as Element).closest<HTMLButtonElement>('button[data-sort]');
      if (!button) return;
      const key = button.dataset.sort as TableSortKey;
      this.descending = key === this.sort ? !this.descending : key !== 'name';
      this.sort = key;
      this.render();
      this.table.querySelector<HTMLButtonElement>(`button[data-sort="${key}"]`)?.focus();
    });
    this.table.addEventListener('keydown', (e) => {
      const row = (e.target as Element).closest('tr.fn');
      if (!row) return;
      const all = [...this.table.querySelectorAll<HTMLTableRowElement>('tr.fn')];
      const i = all.indexOf(row as HTMLTableRowElement);
      const next = e.key === 'ArrowDown' ? all[i + 1] : e.key === 'ArrowUp' ? all[i - 1] : e.key === 'Home' ? all[0] : e.key === 'End' ? all[all.length - 1] : undefined;
      if (!next) return;
      e.preventDefault();
      e.stopPropagation();
      next.focus();
    });
  }

  setRows(rows: FunctionRow[], differential: boolean): void {
    this.rows = rows;
    this.differential = differential;
    if (!differential && this.sort === 'delta') this.sort = 'self';
    this.render();
  }

  setQuery(query: string): void {
    this.query = query.trim().toLowerCase();
    this.render();
  }

  focus(): void {
    this.table.querySelector<HTMLElement>('tr.fn')?.focus();
  }

  private render(): void {
    const head = (key: TableSortKey, text: string, numeric = true) => {
      const sorted = this.sort === key;
      const aria = sorted ? (this.descending ? 'descending' : 'ascending') : 'none';
      const arrow = sorted ? (this.descending ? ' ▼' : ' ▲') : '';
      return `<th scope="col" aria-sort="${aria}"${numeric ? ' class="num"' : ''}><button type="button" data-sort="${key}">${escapeHtml(text)}${arrow}</button></th>`;
    };
    const q = this.query;
    const shown = sortRows(q ? this.rows.filter((r) => r.name.toLowerCase().includes(q) || r.file.toLowerCase().includes(q)) : this.rows, this.sort, this.descending);
    const body = shown.map((r) => {
      const where = r.file ? `${r.file}${r.line ? `:${r.line}` : ''}` : '';
      const delta = r.deltaSelf ?? 0;
      const deltaCell = this.differential
        ? `<td class="num ${delta > 0 ? 'worse' : delta < 0 ? 'better' : ''}">${delta >= 0 ? '+' : '−'}${escapeHtml(formatValue(Math.abs(delta), 's'))}</td>`
        : '';
      return (
        `<tr class="fn" tabindex="0" data-name="${escapeHtml(r.name)}" aria-label="${escapeHtml(`${r.name}: self ${percent(r.selfShare)}, total ${percent(r.totalShare)}`)}">` +
        `<td class="name">${escapeHtml(r.name)}</td><td class="where">${escapeHtml(where)}</td>` +
        `<td class="num">${escapeHtml(formatValue(r.self, 's'))}</td><td class="num">${percent(r.selfShare)}</td>` +
        `<td class="num">${escapeHtml(formatValue(r.total, 's'))}</td><td class="num">${percent(r.totalShare)}</td>${deltaCell}</tr>`
      );
    });
    this.table.innerHTML =
      `<caption class="visually-hidden">Functions of the profile, sorted by ${this.sort}</caption>` +
      `<thead><tr>${head('name', 'Function', false)}<th scope="col">Location</th>${head('self', 'Self')}<th scope="col" class="num">Self %</th>${head('total', 'Total')}<th scope="col" class="num">Total %</th>${this.differential ? head('delta', 'Δ self') : ''}</tr></thead>` +
      `<tbody>${body.join('') || '<tr><td colspan="7" class="empty">No function matches.</td></tr>'}</tbody>`;
  }
}
