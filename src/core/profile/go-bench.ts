import { scaleTree, totalCost, type CallNode, type Profile } from './model';

/**
 * `go test -bench` runs each benchmark for about a second whatever one operation costs
 * (b.N grows until then), so two profiles of a benchmark hold about the same seconds even
 * when one operation got twice as slow. The profile is therefore rescaled to one operation:
 * the subtree under each `BenchmarkX` function is scaled so that it sums to the ns/op Go
 * printed for it (its sub-benchmarks added), and what runs beside the benchmarks (the
 * garbage collector's workers, the harness) by the same factor overall. The shares within a
 * benchmark are the profiler's; the totals are the benchmark's own measurement.
 */

/** ns/op per top-level benchmark function name (`BenchmarkSort`), sub-benchmarks summed. */
export function goBenchmarkNsPerOp(stdout: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of stdout.split('\n')) {
    const m = /^(Benchmark[^\s]*)\s+(\d+)\s+([\d.]+(?:e[-+]?\d+)?) ns\/op/.exec(line.trim());
    if (!m) continue;
    const top = m[1].split('/')[0].replace(/-\d+$/, '');
    out.set(top, (out.get(top) ?? 0) + Number(m[3]));
  }
  return out;
}

/** Rescales `profile` to one operation of each benchmark; false (profile untouched) when Go printed no ns/op. */
export function normaliseGoBenchmarks(profile: Profile, stdout: string): boolean {
  const perOp = goBenchmarkNsPerOp(stdout);
  if (!perOp.size) return false;
  const subtrees = new Map<string, CallNode[]>();
  const walk = (nodes: CallNode[]): void => {
    for (const node of nodes) {
      const name = profile.frames[node.frame].name;
      const top = /\.(Benchmark[^.]*)$/.exec(name)?.[1];
      if (top && perOp.has(top)) {
        const list = subtrees.get(top) ?? [];
        list.push(node);
        subtrees.set(top, list);
        continue; // a benchmark's subtree is scaled as a whole
      }
      walk(node.children);
    }
  };
  walk(profile.roots);
  if (!subtrees.size) return false;
  let measured = 0;
  let target = 0;
  const scaled = new Set<CallNode>();
  for (const [top, nodes] of subtrees) {
    const seconds = totalCost({ roots: nodes });
    const wanted = perOp.get(top)! * 1e-9;
    if (!(seconds > 0)) continue;
    scaleTree(nodes, wanted / seconds);
    nodes.forEach((n) => scaled.add(n));
    measured += seconds;
    target += wanted;
  }
  if (!(measured > 0)) return false;
  // Everything else (runtime workers, the harness) by the overall factor.
  const factor = target / measured;
  const rest = (nodes: CallNode[]): void => {
    for (const node of nodes) {
      if (scaled.has(node)) continue;
      node.self *= factor;
      rest(node.children);
    }
  };
  rest(profile.roots);
  return true;
}
