/**
 * One model for every profiler's output (V8 .cpuprofile, Go pprof, Python cProfile,
 * Valgrind callgrind): the functions with their self and total cost, and a call tree for
 * flame graphs. Costs are seconds, except where the profiler measures something else
 * (`unit`); `secondsPerUnit` then converts.
 */

export type ProfilerKind = 'v8' | 'pprof' | 'cprofile' | 'callgrind';

export const PROFILER_KINDS: readonly ProfilerKind[] = ['v8', 'pprof', 'cprofile', 'callgrind'];

/** A function as the profiler names it. `file` is relative to the workspace when inside it; `line` is 1-based, 0 when unknown. */
export interface ProfileFrame {
  name: string;
  file: string;
  line: number;
}

/** One node of the call tree: a frame, the cost spent in it on this path, and its callees. */
export interface CallNode {
  frame: number;
  self: number;
  children: CallNode[];
}

export type CostUnit = 'seconds' | 'instructions' | 'bytes';

export interface Profile {
  profiler: ProfilerKind;
  unit: CostUnit;
  /** Seconds per unit of cost (1 for seconds; an estimate for instructions). */
  secondsPerUnit: number;
  frames: ProfileFrame[];
  /** The top frames of the call tree (one per thread or process top). */
  roots: CallNode[];
  /** Exact per-function figures when the profiler records them (cProfile, callgrind); otherwise derived from the tree. */
  exactFunctions?: FunctionCost[];
}

/** A function's cost over the whole profile. `total` counts a recursive function once per stack. */
export interface FunctionCost {
  frame: ProfileFrame;
  self: number;
  total: number;
}

/** Names profilers give to functions without one: `(anonymous)`, `<lambda>`, `<listcomp>`, `(program)`. */
const UNNAMED = /^[(<].*[)>]$/;

/**
 * The identity of a function across two profiles: lines move when code is edited, names and
 * files do not. Unnamed functions (closures, lambdas) are told apart by their line.
 */
export function functionKey(frame: ProfileFrame): string {
  return UNNAMED.test(frame.name) ? `${frame.name}\u0000${frame.file}\u0000${frame.line}` : `${frame.name}\u0000${frame.file}`;
}

/** The sum of every node's self cost. */
export function totalCost(profile: Pick<Profile, 'roots'>): number {
  let sum = 0;
  const stack = [...profile.roots];
  while (stack.length) {
    const node = stack.pop()!;
    sum += node.self;
    for (const c of node.children) stack.push(c);
  }
  return sum;
}

/** The profile's whole cost: the profiler's own total where it records exact figures, else the tree's. */
export function profileTotal(profile: Profile): number {
  if (profile.exactFunctions) return profile.exactFunctions.reduce((sum, f) => sum + f.self, 0);
  return totalCost(profile);
}

/**
 * Self and total cost per function from the call tree (or the profiler's exact figures).
 * A function that appears several times on one stack (recursion) counts its subtree once.
 */
export function functionCosts(profile: Profile): FunctionCost[] {
  if (profile.exactFunctions) return profile.exactFunctions;
  const byKey = new Map<string, FunctionCost>();
  const onStack = new Map<string, number>();
  const costOf = (frame: ProfileFrame): FunctionCost => {
    const key = functionKey(frame);
    let cost = byKey.get(key);
    if (!cost) {
      cost = { frame, self: 0, total: 0 };
      byKey.set(key, cost);
    }
    return cost;
  };
  // Iterative depth-first walk: profiles can be thousands of frames deep.
  const subtotals = new Map<CallNode, number>();
  const stack: Array<{ node: CallNode; leaving: boolean }> = profile.roots.map((node) => ({ node, leaving: false }));
  while (stack.length) {
    const step = stack.pop()!;
    const frame = profile.frames[step.node.frame];
    const key = functionKey(frame);
    if (!step.leaving) {
      onStack.set(key, (onStack.get(key) ?? 0) + 1);
      stack.push({ node: step.node, leaving: true });
      for (const child of step.node.children) stack.push({ node: child, leaving: false });
      continue;
    }
    let subtotal = step.node.self;
    for (const child of step.node.children) subtotal += subtotals.get(child) ?? 0;
    for (const child of step.node.children) subtotals.delete(child);
    subtotals.set(step.node, subtotal);
    const cost = costOf(frame);
    cost.self += step.node.self;
    const depth = onStack.get(key)! - 1;
    if (depth === 0) {
      cost.total += subtotal;
      onStack.delete(key);
    } else onStack.set(key, depth);
  }
  return [...byKey.values()];
}

/** A function with its shares of the profile's total cost (0..1). */
export interface FunctionShare {
  name: string;
  file: string;
  line: number;
  selfShare: number;
  totalShare: number;
  /** Seconds (converted with secondsPerUnit). */
  selfSeconds: number;
  totalSeconds: number;
}

const clampShare = (x: number): number => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** The hottest functions first (by self share, then total share). */
export function functionShares(profile: Profile): FunctionShare[] {
  const total = profileTotal(profile);
  return functionCosts(profile)
    .map((f) => ({
      name: f.frame.name,
      file: f.frame.file,
      line: f.frame.line,
      selfShare: total > 0 ? clampShare(f.self / total) : 0,
      totalShare: total > 0 ? clampShare(f.total / total) : 0,
      selfSeconds: f.self * profile.secondsPerUnit,
      totalSeconds: f.total * profile.secondsPerUnit,
    }))
    .sort((a, b) => b.selfShare - a.selfShare || b.totalShare - a.totalShare || a.name.localeCompare(b.name));
}

/** Interns frames by (name, file, line) while a decoder builds a profile. */
export class FrameTable {
  readonly frames: ProfileFrame[] = [];
  private readonly index = new Map<string, number>();
  intern(frame: ProfileFrame): number {
    const key = `${frame.name}\u0000${frame.file}\u0000${frame.line}`;
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.frames.length;
      this.frames.push(frame);
      this.index.set(key, i);
    }
    return i;
  }
}

/** Adds a path of frames (outermost first) with `cost` at its leaf, merging with existing paths. */
export function addPath(roots: CallNode[], path: readonly number[], cost: number): void {
  let level = roots;
  let node: CallNode | undefined;
  for (const frame of path) {
    node = level.find((n) => n.frame === frame);
    if (!node) {
      node = { frame, self: 0, children: [] };
      level.push(node);
    }
    level = node.children;
  }
  if (node) node.self += cost;
}

/** Multiplies every cost in a subtree by `factor`. */
export function scaleTree(nodes: CallNode[], factor: number): void {
  const stack = [...nodes];
  while (stack.length) {
    const n = stack.pop()!;
    n.self *= factor;
    for (const c of n.children) stack.push(c);
  }
}
