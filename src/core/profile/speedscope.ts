import type { CallNode, CostUnit, Profile, ProfileFrame, ProfilerKind } from './model';
import { PROFILER_KINDS } from './model';
import { ProfileFormatError } from './paths';

/**
 * Profiles in formats other tools open: speedscope's file format (an "evented" profile: open
 * and close events of each frame at cumulative cost offsets; speedscope.app, and Perf Pulse's
 * own storage) and V8's `.cpuprofile` (VS Code's profile viewer, Chrome DevTools).
 */

const SCHEMA = 'https://www.speedscope.app/file-format-schema.json';

interface SpeedscopeEvent {
  type: 'O' | 'C';
  frame: number;
  at: number;
}

export interface SpeedscopeFile {
  $schema: string;
  shared: { frames: Array<{ name: string; file?: string; line?: number }> };
  profiles: Array<{ type: 'evented'; name: string; unit: string; startValue: number; endValue: number; events: SpeedscopeEvent[] }>;
  name?: string;
  exporter?: string;
  /** Ours: what speedscope does not carry (it ignores unknown fields). */
  perfPulse?: { profiler: ProfilerKind; unit: CostUnit; secondsPerUnit: number; [key: string]: unknown };
}

/** Costs are rounded to this many significant digits: storage size, far below any profiler's precision. */
const round = (x: number): number => (x === 0 ? 0 : Number(x.toPrecision(6)));

export function toSpeedscope(profile: Profile, name: string, extra: Record<string, unknown> = {}): SpeedscopeFile {
  const events: SpeedscopeEvent[] = [];
  let at = 0;
  // Iterative: deep stacks must not overflow.
  const stack: Array<{ node: CallNode; open: boolean }> = [...profile.roots].reverse().map((node) => ({ node, open: true }));
  while (stack.length) {
    const { node, open } = stack.pop()!;
    if (!open) {
      events.push({ type: 'C', frame: node.frame, at: round(at) });
      continue;
    }
    events.push({ type: 'O', frame: node.frame, at: round(at) });
    at += node.self;
    stack.push({ node, open: false });
    for (let i = node.children.length - 1; i >= 0; i--) stack.push({ node: node.children[i], open: true });
  }
  const unit = profile.unit === 'seconds' ? 'seconds' : profile.unit === 'bytes' ? 'bytes' : 'none';
  return {
    $schema: SCHEMA,
    shared: { frames: profile.frames.map((f) => ({ name: f.name, ...(f.file ? { file: f.file } : {}), ...(f.line ? { line: f.line } : {}) })) },
    profiles: [{ type: 'evented', name, unit, startValue: 0, endValue: round(at), events }],
    name,
    exporter: 'perf-pulse',
    perfPulse: { profiler: profile.profiler, unit: profile.unit, secondsPerUnit: profile.secondsPerUnit, ...extra },
  };
}

/** Reads back a speedscope file written by `toSpeedscope` (or any evented speedscope profile). */
export function fromSpeedscope(value: unknown, file: string): Profile {
  const doc = value as SpeedscopeFile;
  if (typeof doc !== 'object' || doc === null || !Array.isArray(doc.shared?.frames) || !Array.isArray(doc.profiles)) {
    throw new ProfileFormatError(`${file}: not a speedscope profile`);
  }
  const frames: ProfileFrame[] = doc.shared.frames.map((f) => ({ name: String(f?.name ?? ''), file: typeof f?.file === 'string' ? f.file : '', line: typeof f?.line === 'number' ? f.line : 0 }));
  const roots: CallNode[] = [];
  for (const p of doc.profiles) {
    if (p?.type !== 'evented' || !Array.isArray(p.events)) continue;
    const open: Array<{ node: CallNode; at: number; childCost: number }> = [];
    for (const e of p.events) {
      if (typeof e?.frame !== 'number' || e.frame < 0 || e.frame >= frames.length || typeof e.at !== 'number') throw new ProfileFormatError(`${file}: a speedscope event names no known frame`);
      if (e.type === 'O') {
        const node: CallNode = { frame: e.frame, self: 0, children: [] };
        (open.length ? open[open.length - 1].node.children : roots).push(node);
        open.push({ node, at: e.at, childCost: 0 });
      } else {
        const top = open.pop();
        if (!top || top.node.frame !== e.frame) throw new ProfileFormatError(`${file}: speedscope events do not nest`);
        const total = e.at - top.at;
        top.node.self = Math.max(0, total - top.childCost);
        if (open.length) open[open.length - 1].childCost += total;
      }
    }
  }
  const meta = doc.perfPulse;
  const profiler = meta && PROFILER_KINDS.includes(meta.profiler) ? meta.profiler : 'v8';
  const unit: CostUnit = meta?.unit === 'instructions' || meta?.unit === 'bytes' ? meta.unit : 'seconds';
  return { profiler, unit, secondsPerUnit: typeof meta?.secondsPerUnit === 'number' ? meta.secondsPerUnit : 1, frames, roots };
}

/**
 * A V8 `.cpuprofile` of the tree: one node per call-tree node and one sample per node with
 * its self time (DevTools gives each sample the time until the next one, hence the shift).
 */
export function toCpuProfile(profile: Profile): object {
  const nodes: Array<{ id: number; callFrame: { functionName: string; scriptId: string; url: string; lineNumber: number; columnNumber: number }; hitCount: number; children: number[] }> = [];
  const samples: number[] = [];
  const selfMicros: number[] = [];
  const factor = profile.secondsPerUnit * 1e6;
  const rootId = 1;
  nodes.push({ id: rootId, callFrame: { functionName: '(root)', scriptId: '0', url: '', lineNumber: -1, columnNumber: -1 }, hitCount: 0, children: [] });
  const stack: Array<{ node: CallNode; parent: number }> = profile.roots.map((node) => ({ node, parent: rootId }));
  while (stack.length) {
    const { node, parent } = stack.pop()!;
    const id = nodes.length + 1;
    const f = profile.frames[node.frame];
    nodes.push({ id, callFrame: { functionName: f.name, scriptId: '0', url: f.file, lineNumber: f.line - 1, columnNumber: 0 }, hitCount: node.self > 0 ? 1 : 0, children: [] });
    nodes[parent - 1].children.push(id);
    if (node.self > 0) {
      samples.push(id);
      selfMicros.push(Math.max(1, Math.round(node.self * factor)));
    }
    for (const child of node.children) stack.push({ node: child, parent: id });
  }
  const timeDeltas = samples.map((_, i) => (i === 0 ? 0 : selfMicros[i - 1]));
  const endTime = selfMicros.reduce((a, b) => a + b, 0);
  // The last sample lasts until endTime: DevTools gives it that remainder.
  return { nodes, startTime: 0, endTime, samples, timeDeltas };
}
