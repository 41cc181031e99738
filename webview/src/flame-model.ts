/**
 * The flame graph's layout and data, without the DOM (unit-tested in Node): the call tree with
 * totals, its partition into rows of rectangles for a zoom focus, the differential merge and
 * its colours, search matching, keyboard moves between frames, and the function table's rows.
 */
import type { WireCallNode, WireProfile } from '../../src/protocol/profile';

export interface FlameNode {
  /** Position in a depth-first walk: stable id for the DOM. */
  id: number;
  name: string;
  file: string;
  line: number;
  /** Seconds (or the profile's unit times secondsPerUnit) spent in this frame itself on this path. */
  self: number;
  /** self + every callee's total. */
  total: number;
  depth: number;
  parent: FlameNode | undefined;
  children: FlameNode[];
  /** In a differential graph: the base revision's figures on the same path (0 when the path is new). */
  baseSelf?: number;
  baseTotal?: number;
}

/** The synthetic root above a profile's top frames. */
export const ROOT_NAME = 'all';

/** Functions are matched across profiles by name and file (lines move when code is edited). */
const keyOf = (name: string, file: string) => `${name}\u0000${file}`;

/** The call tree with totals, in seconds; children heaviest first. Iterative: stacks can be deep. */
export function buildFlameTree(profile: WireProfile): FlameNode {
  const scale = profile.secondsPerUnit > 0 && Number.isFinite(profile.secondsPerUnit) ? profile.secondsPerUnit : 1;
  const root: FlameNode = { id: 0, name: ROOT_NAME, file: '', line: 0, self: 0, total: 0, depth: 0, parent: undefined, children: [] };
  const work: Array<{ wire: WireCallNode; parent: FlameNode }> = profile.roots.map((wire) => ({ wire, parent: root }));
  while (work.length) {
    const { wire, parent } = work.pop()!;
    const frame = profile.frames[wire.f] ?? { name: '(unknown)', file: '', line: 0 };
    const self = Number.isFinite(wire.s) && wire.s > 0 ? wire.s * scale : 0;
    // Paths through the same function under one parent are one rectangle.
    let node = parent.children.find((c) => c.name === frame.name && c.file === frame.file);
    if (!node) {
      node = { id: 0, name: frame.name, file: frame.file, line: frame.line, self: 0, total: 0, depth: parent.depth + 1, parent, children: [] };
      parent.children.push(node);
    }
    node.self += self;
    for (const child of wire.c ?? []) work.push({ wire: child, parent: node });
  }
  finish(root);
  return root;
}

/** Computes totals bottom-up, sorts children heaviest first and numbers the nodes depth-first. */
function finish(root: FlameNode): void {
  const order = walk(root);
  for (let i = order.length - 1; i >= 0; i--) {
    const n = order[i];
    n.total = n.self + n.children.reduce((sum, c) => sum + c.total, 0);
    if (n.baseSelf !== undefined || n.children.some((c) => c.baseTotal !== undefined)) {
      n.baseSelf ??= 0;
      n.baseTotal = n.baseSelf + n.children.reduce((sum, c) => sum + (c.baseTotal ?? 0), 0);
    }
  }
  for (const n of order) n.children.sort((a, b) => b.total - a.total || a.name.localeCompare(b.name));
  walk(root).forEach((n, i) => (n.id = i));
}

/** Every node, parents before children (pre-order). */
export function walk(root: FlameNode): FlameNode[] {
  const out: FlameNode[] = [];
  const stack = [root];
  while (stack.length) {
    const n = stack.pop()!;
    out.push(n);
    for (let i = n.children.length - 1; i >= 0; i--) stack.push(n.children[i]);
  }
  return out;
}

/**
 * A differential tree: the head (working tree) profile's shape, each node also carrying the
 * base revision's self and total on the same path. Paths only in the base are kept with a head
 * cost of 0 so that the table still lists what disappeared.
 */
export function mergeDiff(base: WireProfile, head: WireProfile): FlameNode {
  const headTree = buildFlameTree(head);
  const baseTree = buildFlameTree(base);
  const work: Array<{ from: FlameNode; into: FlameNode }> = [{ from: baseTree, into: headTree }];
  headTree.baseSelf = 0;
  while (work.length) {
    const { from, into } = work.pop()!;
    into.baseSelf = (into.baseSelf ?? 0) + from.self;
    for (const child of from.children) {
      let match = into.children.find((c) => c.name === child.name && c.file === child.file);
      if (!match) {
        match = { id: 0, name: child.name, file: child.file, line: child.line, self: 0, total: 0, depth: into.depth + 1, parent: into, children: [] };
        into.children.push(match);
      }
      work.push({ from: child, into: match });
    }
  }
  for (const n of walk(headTree)) n.baseSelf ??= 0;
  finish(headTree);
  return headTree;
}

/** One rectangle: x0..x1 as fractions of the width, `depth` rows below the top. */
export interface FlameRect {
  node: FlameNode;
  x0: number;
  x1: number;
  depth: number;
  /** An ancestor of the zoom focus, drawn full width above it. */
  ancestor: boolean;
}

/**
 * The partition for a zoom focus: the focus spans the full width, its callees share it in
 * proportion to their totals, and its ancestors are drawn full width above (as the way back).
 * Rectangles narrower than `minWidth` (a fraction) are left out, with their subtrees.
 */
export function partition(root: FlameNode, focus: FlameNode = root, minWidth = 0): FlameRect[] {
  const rects: FlameRect[] = [];
  const ancestors: FlameNode[] = [];
  for (let a = focus.parent; a; a = a.parent) ancestors.unshift(a);
  for (const a of ancestors) rects.push({ node: a, x0: 0, x1: 1, depth: a.depth, ancestor: true });
  if (!(focus.total > 0)) {
    rects.push({ node: focus, x0: 0, x1: 1, depth: focus.depth, ancestor: false });
    return rects;
  }
  const stack: Array<{ node: FlameNode; x0: number }> = [{ node: focus, x0: 0 }];
  while (stack.length) {
    const { node, x0 } = stack.pop()!;
    const width = node === focus ? 1 : node.total / focus.total;
    if (node !== focus && (width <= 0 || width < minWidth)) continue;
    rects.push({ node, x0, x1: x0 + width, depth: node.depth, ancestor: false });
    let x = x0;
    for (const child of node.children) {
      stack.push({ node: child, x0: x });
      x += child.total / focus.total;
    }
  }
  return rects;
}

/** How a frame of a differential graph is coloured: red slower, blue faster, intensity 0..1 by the change. */
export interface DiffColour {
  kind: 'slower' | 'faster' | 'same';
  intensity: number;
}

/** Changes under this fraction of the largest change count as unchanged. */
const SAME = 0.02;

/**
 * Colours by the change of each frame's own (self) time, scaled by the largest change in the
 * tree, so the frame that explains most of a slowdown is the deepest red.
 */
export function diffColours(root: FlameNode): Map<FlameNode, DiffColour> {
  const nodes = walk(root);
  const delta = (n: FlameNode) => n.self - (n.baseSelf ?? 0);
  const largest = nodes.reduce((m, n) => Math.max(m, Math.abs(delta(n))), 0);
  const out = new Map<FlameNode, DiffColour>();
  for (const n of nodes) {
    const d = delta(n);
    const intensity = largest > 0 ? Math.min(1, Math.abs(d) / largest) : 0;
    out.set(n, { kind: intensity < SAME ? 'same' : d > 0 ? 'slower' : 'faster', intensity: intensity < SAME ? 0 : intensity });
  }
  return out;
}

/**
 * Frames whose name or file contains the query (case-insensitive), and the share of the
 * focus's time they account for (a match inside a match is counted once).
 */
export function searchFrames(root: FlameNode, query: string, focus: FlameNode = root): { matches: Set<FlameNode>; share: number } {
  const q = query.trim().toLowerCase();
  const matches = new Set<FlameNode>();
  if (!q) return { matches, share: 0 };
  for (const n of walk(root)) if (n !== root && (n.name.toLowerCase().includes(q) || n.file.toLowerCase().includes(q))) matches.add(n);
  let covered = 0;
  const stack = [focus];
  while (stack.length) {
    const n = stack.pop()!;
    if (matches.has(n)) covered += n.total;
    else stack.push(...n.children);
  }
  return { matches, share: focus.total > 0 ? Math.min(1, covered / focus.total) : 0 };
}

export type FlameMove = 'parent' | 'child' | 'previous' | 'next';

/** The frame a keyboard move reaches: up to the caller, down to the heaviest callee, or to a sibling. */
export function moveFrom(node: FlameNode, move: FlameMove, visible?: (n: FlameNode) => boolean): FlameNode | undefined {
  const ok = (n: FlameNode | undefined) => (n && (!visible || visible(n)) ? n : undefined);
  if (move === 'parent') return ok(node.parent);
  if (move === 'child') return node.children.find((c) => ok(c));
  const siblings = (node.parent?.children ?? []).filter((c) => ok(c));
  const i = siblings.indexOf(node);
  return siblings[move === 'previous' ? i - 1 : i + 1];
}

/** The frames from the root to `node`, for the breadcrumb. */
export function pathTo(node: FlameNode): FlameNode[] {
  const out: FlameNode[] = [];
  for (let n: FlameNode | undefined = node; n; n = n.parent) out.unshift(n);
  return out;
}

/** One function of the table. Shares are of the whole profile (0..1). */
export interface FunctionRow {
  name: string;
  file: string;
  line: number;
  self: number;
  total: number;
  selfShare: number;
  totalShare: number;
  /** Differential only: head self minus base self, seconds. */
  deltaSelf?: number;
}

export type TableSortKey = 'name' | 'self' | 'total' | 'delta';

/** Per function: self time summed over every path, total counted once per stack (recursion). */
export function functionRows(root: FlameNode): FunctionRow[] {
  const rows = new Map<string, FunctionRow & { baseSelf: number }>();
  const onStack = new Map<string, number>();
  const diff = root.baseTotal !== undefined;
  const stack: Array<{ node: FlameNode; leaving: boolean }> = root.children.map((node) => ({ node, leaving: false }));
  while (stack.length) {
    const { node, leaving } = stack.pop()!;
    const key = keyOf(node.name, node.file);
    if (!leaving) {
      const depth = onStack.get(key) ?? 0;
      onStack.set(key, depth + 1);
      let row = rows.get(key);
      if (!row) {
        row = { name: node.name, file: node.file, line: node.line, self: 0, total: 0, selfShare: 0, totalShare: 0, baseSelf: 0 };
        rows.set(key, row);
      }
      row.self += node.self;
      row.baseSelf += node.baseSelf ?? 0;
      if (depth === 0) row.total += node.total;
      stack.push({ node, leaving: true });
      for (const c of node.children) stack.push({ node: c, leaving: false });
    } else onStack.set(key, onStack.get(key)! - 1);
  }
  const whole = root.total;
  return [...rows.values()].map(({ baseSelf, ...row }) => ({
    ...row,
    selfShare: whole > 0 ? Math.min(1, row.self / whole) : 0,
    totalShare: whole > 0 ? Math.min(1, row.total / whole) : 0,
    ...(diff ? { deltaSelf: row.self - baseSelf } : {}),
  }));
}

export function sortRows(rows: readonly FunctionRow[], key: TableSortKey, descending: boolean): FunctionRow[] {
  const value = (r: FunctionRow): number | string => (key === 'name' ? r.name.toLowerCase() : key === 'delta' ? r.deltaSelf ?? 0 : r[key]);
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const va = value(a);
    const vb = value(b);
    const c = typeof va === 'string' ? va.localeCompare(vb as string) : va - (vb as number);
    return sign * c || a.name.localeCompare(b.name);
  });
}

/** A label cut to fit `width` pixels at about `charWidth` per character ('' when not even two fit). */
export function fitLabel(text: string, width: number, charWidth = 7): string {
  const room = Math.floor((width - 8) / charWidth);
  if (room < 2) return '';
  return text.length <= room ? text : `${text.slice(0, room - 1)}…`;
}
