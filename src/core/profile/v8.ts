import { existsSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FrameTable, type CallNode, type Profile } from './model';
import { ProfileFormatError, workspaceRelative } from './paths';

/**
 * V8's `.cpuprofile` (what `node --cpu-prof` writes, the Chrome DevTools format): a tree of
 * nodes with call frames, and the sampled node of each tick with the time since the previous.
 * Frames of files with a source map are mapped back to their source (TypeScript and others).
 */

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface V8Node {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

export interface CpuProfile {
  nodes: V8Node[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

function isCpuProfile(value: unknown): value is CpuProfile {
  const v = value as CpuProfile;
  return typeof v === 'object' && v !== null && Array.isArray(v.nodes) && v.nodes.every((n) => typeof n?.id === 'number' && typeof n.callFrame === 'object' && n.callFrame !== null);
}

/** The frame a V8 call frame stands for, mapped through a source map where the file has one. */
class FrameResolver {
  private readonly maps = new Map<string, { map: SourceMap; dir: string } | undefined>();
  constructor(private readonly workspace: string) {}

  private sourceMapOf(file: string): { map: SourceMap; dir: string } | undefined {
    if (this.maps.has(file)) return this.maps.get(file);
    let found: { map: SourceMap; dir: string } | undefined;
    try {
      const text = readFileSync(file, 'utf8');
      const m = /\/\/[#@] sourceMappingURL=(\S+)\s*$/.exec(text.slice(-100_000));
      let payload: SourceMapPayload | undefined;
      let dir = dirname(file);
      if (m && m[1].startsWith('data:')) {
        const comma = m[1].indexOf(',');
        payload = JSON.parse(Buffer.from(m[1].slice(comma + 1), m[1].slice(0, comma).endsWith(';base64') ? 'base64' : 'utf8').toString('utf8'));
      } else {
        const mapFile = m ? resolve(dirname(file), decodeURIComponent(m[1])) : `${file}.map`;
        if (existsSync(mapFile)) {
          payload = JSON.parse(readFileSync(mapFile, 'utf8'));
          dir = dirname(mapFile);
        }
      }
      if (payload && Array.isArray(payload.sources) && typeof payload.mappings === 'string') found = { map: new SourceMap(payload), dir };
    } catch {
      // No readable map: the frame stays in the generated file.
    }
    this.maps.set(file, found);
    return found;
  }

  resolve(frame: CallFrame): { name: string; file: string; line: number } {
    const name = frame.functionName || (frame.url ? '(anonymous)' : '');
    let file = frame.url;
    if (file.startsWith('file://')) {
      try {
        file = fileURLToPath(file);
      } catch {
        // Leave an odd URL as it is.
      }
    }
    let line = frame.lineNumber >= 0 ? frame.lineNumber + 1 : 0;
    if (isAbsolute(file)) {
      const sm = this.sourceMapOf(file);
      const entry = sm && frame.lineNumber >= 0 ? (sm.map.findEntry(frame.lineNumber, Math.max(0, frame.columnNumber)) as { originalSource?: string; originalLine?: number }) : undefined;
      if (sm && entry?.originalSource !== undefined && entry.originalLine !== undefined) {
        const source = entry.originalSource;
        const sourceRoot = (sm.map.payload as SourceMapPayload).sourceRoot ?? '';
        file = source.startsWith('file://') ? fileURLToPath(source) : resolve(sm.dir, sourceRoot, source);
        line = entry.originalLine + 1;
      }
    }
    return { name: name || '(anonymous)', file: file ? workspaceRelative(file, this.workspace) : '', line };
  }
}

/** Sample durations: each sample lasts until the next one (DevTools' rule); the last lasts the mean interval. */
function sampleDurations(profile: CpuProfile): number[] {
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const out = new Array<number>(samples.length).fill(0);
  let sum = 0;
  for (let i = 0; i + 1 < samples.length; i++) {
    out[i] = Math.max(0, deltas[i + 1] ?? 0) / 1e6;
    sum += out[i];
  }
  if (samples.length) out[samples.length - 1] = samples.length > 1 ? sum / (samples.length - 1) : Math.max(0, profile.endTime - profile.startTime) / 1e6;
  return out;
}

/** Adds one V8 profile (one process) to a profile under construction; `(root)` is dropped, its children become roots. */
function addCpuProfile(profile: CpuProfile, table: FrameTable, resolver: FrameResolver, roots: CallNode[]): void {
  const byId = new Map<number, V8Node>();
  for (const n of profile.nodes) byId.set(n.id, n);
  const self = new Map<number, number>();
  const durations = sampleDurations(profile);
  (profile.samples ?? []).forEach((id, i) => self.set(id, (self.get(id) ?? 0) + durations[i]));
  const build = (root: V8Node): CallNode => {
    const top: CallNode = { frame: table.intern(resolver.resolve(root.callFrame)), self: self.get(root.id) ?? 0, children: [] };
    const stack: Array<[V8Node, CallNode]> = [[root, top]];
    while (stack.length) {
      const [v8, node] = stack.pop()!;
      for (const childId of v8.children ?? []) {
        const child = byId.get(childId);
        if (!child) continue;
        const frame = table.intern(resolver.resolve(child.callFrame));
        // Frames that map to the same function and line are one node (e.g. several closures of one source line).
        let target = node.children.find((c) => c.frame === frame);
        if (!target) {
          target = { frame, self: 0, children: [] };
          node.children.push(target);
        }
        target.self += self.get(child.id) ?? 0;
        stack.push([child, target]);
      }
    }
    return top;
  };
  const root = profile.nodes.find((n) => n.callFrame.functionName === '(root)') ?? profile.nodes[0];
  if (!root) return;
  const tree = build(root);
  for (const child of tree.children) {
    const same = roots.find((r) => r.frame === child.frame);
    if (same) mergeInto(same, child);
    else roots.push(child);
  }
}

function mergeInto(target: CallNode, source: CallNode): void {
  target.self += source.self;
  for (const child of source.children) {
    const same = target.children.find((c) => c.frame === child.frame);
    if (same) mergeInto(same, child);
    else target.children.push(child);
  }
}

/** Decodes `.cpuprofile` texts (one per Node process the command started) into one profile. */
export function decodeCpuProfiles(texts: Array<{ text: string; file: string }>, workspace: string): Profile {
  const table = new FrameTable();
  const resolver = new FrameResolver(workspace);
  const roots: CallNode[] = [];
  for (const { text, file } of texts) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ProfileFormatError(`${file}: not a V8 CPU profile (${(err as Error).message})`);
    }
    if (!isCpuProfile(value)) throw new ProfileFormatError(`${file}: not a V8 CPU profile (no "nodes" with call frames)`);
    addCpuProfile(value, table, resolver, roots);
  }
  return { profiler: 'v8', unit: 'seconds', secondsPerUnit: 1, frames: table.frames, roots };
}

/** The process id in Node's profile file names (`Heap.20261203.134500.4321.0.001.heapprofile`). */
function processOf(file: string): string {
  return file.split(/[\\/]/).pop()!.split('.')[3] ?? '';
}

/** Call frames with their file and line, by process, script and function, from CPU profiles. */
function knownCallFrames(cpuProfiles: Array<{ text: string; file: string }>): Map<string, CallFrame> {
  const known = new Map<string, CallFrame>();
  for (const { text, file } of cpuProfiles) {
    try {
      const value = JSON.parse(text) as unknown;
      if (!isCpuProfile(value)) continue;
      for (const n of value.nodes) {
        const cf = n.callFrame as CallFrame & { scriptId?: string };
        if (cf.url) known.set(`${processOf(file)}:${cf.scriptId}:${cf.functionName}`, cf);
      }
    } catch {
      // Without it, frames keep what the heap profile says.
    }
  }
  return known;
}

interface HeapNode {
  callFrame: CallFrame;
  selfSize: number;
  children?: HeapNode[];
}

function isHeapProfile(value: unknown): value is { head: HeapNode } {
  const head = (value as { head?: HeapNode })?.head;
  return typeof head === 'object' && head !== null && typeof head.callFrame === 'object' && head.callFrame !== null;
}

/**
 * V8's sampling heap profiles (`node --heap-prof`, `.heapprofile`): a tree of call frames with
 * the bytes allocated there (sampled; the allocations still alive when the profile was written).
 */
export function decodeHeapProfiles(texts: Array<{ text: string; file: string }>, workspace: string, cpuProfiles: Array<{ text: string; file: string }> = []): Profile {
  const table = new FrameTable();
  const resolver = new FrameResolver(workspace);
  const roots: CallNode[] = [];
  const known = knownCallFrames(cpuProfiles);
  for (const { text, file } of texts) {
    const pid = processOf(file);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new ProfileFormatError(`${file}: not a V8 heap profile (${(err as Error).message})`);
    }
    if (!isHeapProfile(value)) throw new ProfileFormatError(`${file}: not a V8 heap profile (no "head" call frame)`);
    const frameOf = (cf: CallFrame) => table.intern(resolver.resolve(cf.url ? cf : known.get(`${pid}:${(cf as { scriptId?: string }).scriptId}:${cf.functionName}`) ?? cf));
    const toNode = (h: HeapNode): CallNode => {
      const top: CallNode = { frame: frameOf(h.callFrame), self: Math.max(0, Number(h.selfSize) || 0), children: [] };
      const stack: Array<[HeapNode, CallNode]> = [[h, top]];
      while (stack.length) {
        const [heap, node] = stack.pop()!;
        for (const child of heap.children ?? []) {
          if (typeof child?.callFrame !== 'object' || child.callFrame === null) continue;
          const c: CallNode = { frame: frameOf(child.callFrame), self: Math.max(0, Number(child.selfSize) || 0), children: [] };
          node.children.push(c);
          stack.push([child, c]);
        }
      }
      return top;
    };
    const tree = toNode(value.head);
    for (const child of tree.children) {
      const same = roots.find((r) => r.frame === child.frame);
      if (same) mergeInto(same, child);
      else roots.push(child);
    }
  }
  return { profiler: 'v8', unit: 'bytes', secondsPerUnit: 0, frames: table.frames, roots };
}
