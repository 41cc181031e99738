import type { CallNode } from './model';

/**
 * Deterministic profilers (cProfile, callgrind) record a call graph, not stacks: each
 * function's self and inclusive cost, and per caller→callee edge the inclusive cost of the
 * callee through that edge. A flame graph needs a tree; this unfolds the graph from its
 * roots, splitting each function's cost among its callees in proportion to the edges
 * (as gprof-style tools do). Exact per-function figures stay with the profiler's own numbers.
 */

export interface GraphFunction {
  /** Index into the profile's frames. */
  frame: number;
  self: number;
  inclusive: number;
  /** Callee frame → inclusive cost of the callee when called from here. */
  callees: Map<number, number>;
  /** Whether any other function calls this one. */
  called: boolean;
}

/** Paths thinner than this share of the total are folded into their parent's self cost. */
const MIN_SHARE = 1e-3;
const MAX_DEPTH = 128;

export function unfoldCallGraph(functions: Map<number, GraphFunction>, total: number): CallNode[] {
  const roots: CallNode[] = [];
  const floor = total * MIN_SHARE;
  const onPath = new Set<number>();
  const expand = (fn: GraphFunction, budget: number, depth: number): CallNode => {
    const scale = fn.inclusive > 0 ? budget / fn.inclusive : 0;
    const node: CallNode = { frame: fn.frame, self: fn.self * scale, children: [] };
    onPath.add(fn.frame);
    for (const [callee, cost] of fn.callees) {
      const share = cost * scale;
      const target = functions.get(callee);
      // Recursion, depth and thin paths: their cost stays on this node, so no cost is lost.
      if (!target || onPath.has(callee) || depth >= MAX_DEPTH || share < floor) {
        if (!target || !onPath.has(callee)) node.self += share;
        continue;
      }
      node.children.push(expand(target, share, depth + 1));
    }
    onPath.delete(fn.frame);
    return node;
  };
  for (const fn of functions.values()) {
    if (!fn.called && fn.inclusive > 0) roots.push(expand(fn, fn.inclusive, 0));
  }
  return roots;
}
