/**
 * The "Profile" section of a series: the latest profile of its benchmark (or the latest
 * differential profile, base revision against the working tree) as a flame graph or a table,
 * with a search that highlights matching frames.
 */
import type { ProfileReply, WireProfile } from '../../src/protocol/profile';
import { h } from './dom';
import { FlameGraph } from './flame';
import { buildFlameTree, functionRows, mergeDiff, pathTo, searchFrames, type FlameNode } from './flame-model';
import { formatDate, formatValue } from './format';
import { ProfileTable } from './profile-table';

type Shown = 'flame' | 'table';
type Which = 'latest' | 'diff';

export class ProfileView {
  readonly element: HTMLElement;
  readonly flame: FlameGraph;
  private readonly table = new ProfileTable();
  private readonly summary = h('p', { class: 'profile-summary', 'aria-live': 'polite' });
  private readonly crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Zoom path' });
  private readonly searchInput = h('input', { type: 'search', placeholder: 'Search functions', 'aria-label': 'Search functions in the profile' });
  private readonly searchNote = h('span', { class: 'search-note', 'aria-live': 'polite' });
  private readonly shownGroup: HTMLElement;
  private readonly whichGroup: HTMLElement;
  private readonly legend = h('div', { class: 'legend diff-legend', hidden: true });
  private readonly body = h('div', { class: 'profile-body' });
  private reply: ProfileReply | undefined;
  private shown: Shown = 'flame';
  private which: Which = 'latest';
  private root: FlameNode | undefined;

  constructor() {
    this.flame = new FlameGraph({ focused: (focus) => this.onFocus(focus) });
    const segmented = (label: string, options: [string, string][], pick: (v: string) => void) => {
      const group = h('div', { class: 'segmented', role: 'group', 'aria-label': label });
      for (const [value, text] of options) {
        const b = h('button', { type: 'button', 'data-value': value, 'aria-pressed': 'false' }, text);
        b.addEventListener('click', () => pick(value));
        group.append(b);
      }
      return group;
    };
    this.shownGroup = segmented('Show as', [['flame', 'Flame graph'], ['table', 'Table']], (v) => this.show(v as Shown));
    this.whichGroup = segmented('Profile', [['latest', 'Latest'], ['diff', 'Differential']], (v) => this.pick(v as Which));
    const reset = h('button', { type: 'button', 'aria-label': 'Zoom out to the whole profile' }, 'Reset zoom');
    reset.addEventListener('click', () => this.flame.resetZoom());
    this.searchInput.addEventListener('input', () => this.applySearch());
    this.searchInput.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.searchInput.value) {
        this.searchInput.value = '';
        this.applySearch();
        e.stopPropagation();
      }
    });
    this.legend.innerHTML = '<span><span class="swatch s-slower"></span>slower (self time grew)</span><span><span class="swatch s-faster"></span>faster</span><span>deeper colour, larger change</span>';
    const hint = h('p', { class: 'hint' }, 'Click a frame to zoom in · keyboard: ↑ caller, ↓ callee, ←/→ siblings, Enter zooms in, Escape zooms out, Home resets');
    const controls = h('div', { class: 'controls', role: 'toolbar', 'aria-label': 'Profile controls' }, this.shownGroup, this.whichGroup, reset, this.searchInput, this.searchNote);
    this.element = h('section', { class: 'profile', 'aria-label': 'Profile', hidden: true }, this.summary, controls, this.crumbs, this.legend, this.body, hint);
    this.crumbs.addEventListener('click', (e) => {
      const id = (e.target as Element).closest<HTMLButtonElement>('button[data-id]')?.dataset.id;
      const node = id !== undefined && this.root ? pathTo(this.flame.focusNode ?? this.root).find((n) => String(n.id) === id) : undefined;
      if (node) this.flame.zoomTo(node, true);
    });
  }

  get seriesId(): string | undefined {
    return this.reply?.seriesId;
  }

  setReply(reply: ProfileReply, preferDiff = false): void {
    this.reply = reply;
    this.which = (preferDiff || !reply.latest) && reply.diff ? 'diff' : 'latest';
    this.renderProfile();
  }

  show(shown: Shown): void {
    this.shown = shown;
    this.renderBody();
    if (shown === 'table') this.table.focus();
    else this.flame.focusCurrent();
  }

  pick(which: Which): void {
    if (which === 'diff' && !this.reply?.diff) return;
    this.which = which;
    this.renderProfile();
  }

  private renderProfile(): void {
    const reply = this.reply;
    if (!reply) return;
    const press = (group: HTMLElement, value: string) => {
      for (const b of group.querySelectorAll<HTMLButtonElement>('button')) b.setAttribute('aria-pressed', String(b.dataset.value === value));
    };
    const diffButton = this.whichGroup.querySelector<HTMLButtonElement>('button[data-value="diff"]')!;
    diffButton.disabled = !reply.diff;
    diffButton.title = reply.diff ? '' : 'Profile against a revision (Perf Pulse: Profile Benchmark with a base) for a differential profile';
    press(this.whichGroup, this.which);
    const diff = this.which === 'diff' ? reply.diff : undefined;
    const profile: WireProfile | undefined = diff ? diff.head : reply.latest;
    if (!profile) {
      this.root = undefined;
      this.summary.textContent = reply.note ?? `No profile of ${reply.benchmark} yet: run "Perf Pulse: Profile Benchmark".`;
      this.body.replaceChildren();
      this.crumbs.replaceChildren();
      this.legend.hidden = true;
      return;
    }
    this.root = diff ? mergeDiff(diff.base, diff.head) : buildFlameTree(profile);
    const at = [profile.commit ? profile.commit.slice(0, 7) : '', profile.timestamp ? formatDate(profile.timestamp) : ''].filter(Boolean).join(', ');
    const unit = profile.unit === 'seconds' ? '' : ` (${profile.unit}, converted to time)`;
    this.summary.textContent = diff
      ? `Differential profile of ${reply.benchmark}: ${formatValue(this.root.baseTotal ?? 0, 's')} at ${diff.base.commit?.slice(0, 7) ?? 'the base'} → ${formatValue(this.root.total, 's')} now${unit}. Red frames got slower, blue faster.`
      : `${profile.profiler} profile of ${reply.benchmark}${at ? ` (${at})` : ''}: ${formatValue(this.root.total, 's')}${unit}.`;
    this.legend.hidden = !diff;
    this.flame.setTree(this.root, !!diff);
    this.table.setRows(functionRows(this.root), !!diff);
    this.applySearch();
    this.renderBody();
  }

  private renderBody(): void {
    for (const b of this.shownGroup.querySelectorAll<HTMLButtonElement>('button')) b.setAttribute('aria-pressed', String(b.dataset.value === this.shown));
    if (!this.root) return;
    this.body.replaceChildren(this.shown === 'flame' ? this.flame.element : this.table.element);
    if (this.shown === 'flame') this.flame.draw();
  }

  private applySearch(): void {
    const query = this.searchInput.value;
    this.flame.setQuery(query);
    this.table.setQuery(query);
    this.updateSearchNote();
  }

  private updateSearchNote(): void {
    const query = this.searchInput.value.trim();
    if (!this.root || !query) {
      this.searchNote.textContent = '';
      return;
    }
    const { matches, share } = searchFrames(this.root, query, this.flame.focusNode ?? this.root);
    this.searchNote.textContent = matches.size ? `${matches.size} frames match · ${(share * 100).toFixed(1)}% of the time shown` : 'No frame matches';
  }

  private onFocus(focus: FlameNode): void {
    this.crumbs.replaceChildren(
      ...pathTo(focus).map((n, i, all) => {
        const b = h('button', { type: 'button', class: 'crumb', 'data-id': String(n.id), 'aria-current': i === all.length - 1 ? 'true' : undefined }, n.name);
        return b;
      }),
    );
    this.updateSearchNote();
  }

  focus(): void {
    if (this.shown === 'table') this.table.focus();
    else this.flame.focusCurrent();
  }
}
