/**
 * The flame graph (root on top, callees below, width by total time), drawn with d3 as SVG.
 * Click a frame to zoom into it; its callers stay above as the way back. Keyboard: frames
 * form a tree with one tab stop; arrows move to the caller (↑), the heaviest callee (↓) and
 * siblings (←/→), Enter zooms in, Escape zooms out one level.
 */
import { select } from 'd3-selection';
import { diffColours, fitLabel, moveFrom, partition, searchFrames, type DiffColour, type FlameMove, type FlameNode, type FlameRect } from './flame-model';
import { formatValue } from './format';

const ROW = 20;
/** Frames narrower than this many pixels are not drawn. */
const MIN_PX = 2;

export interface FlameCallbacks {
  /** The zoom focus changed (for the breadcrumb and the search share). */
  focused(focus: FlameNode): void;
}

const percent = (x: number) => `${(x * 100).toFixed(x < 0.1 ? 1 : 0)}%`;

export function frameLabel(node: FlameNode, whole: number): string {
  const where = node.file ? ` (${node.file}${node.line ? `:${node.line}` : ''})` : '';
  const share = whole > 0 ? ` · ${percent(node.total / whole)} of the time` : '';
  let text = `${node.name}${where}: total ${formatValue(node.total, 's')}, self ${formatValue(node.self, 's')}${share}`;
  if (node.baseTotal !== undefined) {
    const d = node.self - (node.baseSelf ?? 0);
    text += `; self ${d >= 0 ? '+' : '−'}${formatValue(Math.abs(d), 's')} against the base`;
  }
  return text;
}

export class FlameGraph {
  readonly element: HTMLElement;
  private readonly svg: SVGSVGElement;
  private root: FlameNode | undefined;
  private focus: FlameNode | undefined;
  /** The frame with the tab stop. */
  private current: FlameNode | undefined;
  private colours: Map<FlameNode, DiffColour> | undefined;
  private query = '';
  private visible = new Set<FlameNode>();
  private byId = new Map<string, FlameNode>();

  constructor(private readonly callbacks: FlameCallbacks) {
    this.svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    this.svg.setAttribute('class', 'flame');
    this.svg.setAttribute('role', 'tree');
    this.svg.setAttribute('aria-label', 'Flame graph: callers above their callees, width by time');
    this.element = document.createElement('div');
    this.element.className = 'flame-wrap';
    this.element.append(this.svg);
    this.svg.addEventListener('keydown', (e) => this.onKey(e));
    // A frame focused by the pointer or a screen reader takes the tab stop, so the arrows start there.
    this.svg.addEventListener('focusin', (e) => {
      const id = (e.target as Element).closest?.('g.frame')?.getAttribute('data-id');
      const node = id ? this.byId.get(id) : undefined;
      if (node && node !== this.current) {
        this.current = node;
        for (const g of this.svg.querySelectorAll('g.frame')) g.setAttribute('tabindex', g === e.target ? '0' : '-1');
      }
    });
    new ResizeObserver(() => this.draw()).observe(this.element);
  }

  setTree(root: FlameNode, differential: boolean): void {
    this.root = root;
    this.focus = root;
    this.current = root;
    this.colours = differential ? diffColours(root) : undefined;
    this.draw();
    this.callbacks.focused(root);
  }

  get focusNode(): FlameNode | undefined {
    return this.focus;
  }

  setQuery(query: string): void {
    this.query = query;
    this.draw();
  }

  zoomTo(node: FlameNode, moveFocus = false): void {
    this.focus = node;
    this.current = node;
    this.draw();
    this.callbacks.focused(node);
    if (moveFocus) this.focusCurrent();
  }

  zoomOut(): void {
    if (this.focus?.parent) this.zoomTo(this.focus.parent, true);
  }

  resetZoom(): void {
    if (this.root) this.zoomTo(this.root);
  }

  focusCurrent(): void {
    this.svg.querySelector<SVGGElement>('g.frame[tabindex="0"]')?.focus();
  }

  private onKey(e: KeyboardEvent): void {
    const moves: Record<string, FlameMove> = { ArrowUp: 'parent', ArrowDown: 'child', ArrowLeft: 'previous', ArrowRight: 'next' };
    if (!this.current) return;
    if (moves[e.key]) {
      const next = moveFrom(this.current, moves[e.key], (n) => this.visible.has(n));
      if (next) {
        this.current = next;
        this.draw();
        this.focusCurrent();
      }
    } else if (e.key === 'Enter' || e.key === ' ') {
      this.zoomTo(this.current, true);
    } else if (e.key === 'Escape') {
      if (!this.focus?.parent) return;
      this.zoomOut();
    } else if (e.key === 'Home' && this.root) {
      this.zoomTo(this.root, true);
    } else return;
    e.preventDefault();
    e.stopPropagation();
  }

  /** Redraws for the current size, focus, search and tab stop. */
  draw(): void {
    const root = this.root;
    const focus = this.focus;
    if (!root || !focus) return;
    const width = Math.max(200, this.element.clientWidth || 800);
    const rects = partition(root, focus, MIN_PX / width);
    this.visible = new Set(rects.map((r) => r.node));
    this.byId = new Map(rects.map((r) => [String(r.node.id), r.node]));
    if (this.current && !this.visible.has(this.current)) this.current = focus;
    const depth = rects.reduce((m, r) => Math.max(m, r.depth), 0);
    const height = (depth + 1) * ROW;
    this.svg.setAttribute('width', String(width));
    this.svg.setAttribute('height', String(height));
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    const { matches } = searchFrames(root, this.query, focus);
    const whole = root.total;
    const colours = this.colours;
    const frames = select(this.svg)
      .selectAll<SVGGElement, FlameRect>('g.frame')
      .data(rects, (r) => String(r.node.id))
      .join((enter) => {
        const g = enter.append('g');
        g.append('title');
        g.append('rect').attr('height', ROW - 1).attr('rx', 2);
        g.append('text').attr('y', ROW / 2).attr('dy', '0.35em').attr('x', 4);
        g.on('click', (_e, r) => this.zoomTo(r.node, true));
        return g;
      });
    frames
      .attr('class', (r) => {
        const c = colours?.get(r.node);
        const kind = r.node === root ? 'root' : c ? `diff-${c.kind}` : `hue-${hue(r.node.name)}`;
        // A deep red or blue takes the theme's button text colour (light on a strong colour) to stay readable.
        const strong = c && c.kind !== 'same' && c.intensity >= 0.6 ? 'strong' : '';
        return ['frame', kind, strong, r.ancestor ? 'ancestor' : '', matches.has(r.node) ? 'match' : '', this.query && !matches.has(r.node) ? 'dim' : '', r.node === focus ? 'focus' : ''].filter(Boolean).join(' ');
      })
      .attr('transform', (r) => `translate(${(r.x0 * width).toFixed(2)},${r.depth * ROW})`)
      .attr('tabindex', (r) => (r.node === this.current ? '0' : '-1'))
      .attr('role', 'treeitem')
      .attr('aria-level', (r) => String(r.depth + 1))
      .attr('aria-expanded', (r) => (r.node.children.length ? String(r.node === focus || r.ancestor || this.visible.has(r.node.children[0])) : null))
      .attr('aria-selected', (r) => String(r.node === focus))
      .attr('aria-label', (r) => frameLabel(r.node, whole))
      .attr('data-name', (r) => r.node.name)
      .attr('data-id', (r) => String(r.node.id));
    frames.select('title').text((r) => frameLabel(r.node, whole));
    frames
      .select('rect')
      .attr('width', (r) => Math.max(0, (r.x1 - r.x0) * width - 1).toFixed(2))
      // Intensity of a differential colour: the theme's red or blue, more opaque for a larger change.
      .attr('fill-opacity', (r) => {
        const c = colours?.get(r.node);
        return c && c.kind !== 'same' ? (0.25 + 0.75 * c.intensity).toFixed(3) : null;
      });
    frames.select('text').text((r) => fitLabel(r.node.name, (r.x1 - r.x0) * width));
  }
}

/** One of a few theme chart colours per function name, so a function keeps its colour when zooming. */
function hue(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return h % 4;
}
