import { unfoldCallGraph, type GraphFunction } from './call-graph';
import { FrameTable, type FunctionCost, type Profile } from './model';
import { ProfileFormatError, workspaceRelative } from './paths';

/**
 * Valgrind callgrind's output (format version 1, as `valgrind --tool=callgrind` writes it):
 * per function its own cost lines, and per call (`calls=`) the inclusive cost of the callee
 * through that call. The first event (Ir, instructions executed) is read. Names may be
 * compressed (`(12) name` defines, `(12)` refers); positions may be relative (`+3`, `-1`, `*`).
 */

interface Fn {
  name: string;
  file: string;
  line: number;
  self: number;
  callees: Map<string, number>;
  called: boolean;
}

/** A position: decimal, or hexadecimal with 0x (instruction addresses). */
const number = (t: string): number => (t.startsWith('0x') ? parseInt(t.slice(2), 16) : parseInt(t, 10));

/** `rec'2` is callgrind's name for the second level of a recursion: the same function. */
const baseName = (name: string) => name.replace(/'\d+$/, '');

export function decodeCallgrind(texts: Array<{ text: string; file: string }>, workspace: string): Profile {
  const fns = new Map<string, Fn>();
  let sawHeader = false;
  for (const { text } of texts) {
    const names = new Map<string, Map<string, string>>([['fl', new Map()], ['fn', new Map()], ['ob', new Map()]]);
    const expand = (space: 'fl' | 'fn' | 'ob', value: string): string => {
      const m = /^\((\d+)\)(?:\s+(.*))?$/.exec(value);
      if (!m) return value;
      const table = names.get(space)!;
      if (m[2] !== undefined) table.set(m[1], m[2]);
      return table.get(m[1]) ?? value;
    };
    let positionColumns = 1;
    let last: number[] = [0];
    let fileName = '';
    let inlinedFile: string | undefined;
    let current: Fn | undefined;
    let callTarget: string | undefined;
    let pendingCall: string | undefined;
    let skipNext = false;
    const fnOf = (name: string, fl: string): Fn => {
      const key = baseName(name);
      let fn = fns.get(key);
      if (!fn) {
        fn = { name: key, file: fl, line: 0, self: 0, callees: new Map(), called: false };
        fns.set(key, fn);
      } else if (!fn.file) fn.file = fl; // first met as a call target: its file comes with its definition
      return fn;
    };
    for (const rawLine of text.split('\n')) {
      const line = rawLine.trimEnd();
      if (!line || line.startsWith('#')) continue;
      if (/^[0-9+\-*]/.test(line)) {
        if (skipNext) {
          skipNext = false;
          continue;
        }
        const tokens = line.split(/\s+/);
        const positions = tokens.slice(0, positionColumns).map((t, i) => {
          const prev = last[i] ?? 0;
          const v = t === '*' ? prev : t.startsWith('+') ? prev + number(t.slice(1)) : t.startsWith('-') ? prev - number(t.slice(1)) : number(t);
          return Number.isFinite(v) ? v : prev;
        });
        last = positions;
        const cost = Number(tokens[positionColumns] ?? 0) || 0;
        if (!current) continue;
        if (pendingCall !== undefined) {
          if (pendingCall !== current.name) current.callees.set(pendingCall, (current.callees.get(pendingCall) ?? 0) + cost);
          pendingCall = undefined;
          continue;
        }
        current.self += cost;
        const lineNo = positions[positions.length - 1];
        if (inlinedFile === undefined && lineNo > 0 && (current.line === 0 || lineNo < current.line) && current.file === fileName) current.line = lineNo;
        continue;
      }
      const eq = line.indexOf('=');
      const colon = line.indexOf(':');
      if (eq > 0 && (colon < 0 || eq < colon)) {
        const key = line.slice(0, eq);
        const value = line.slice(eq + 1).trim();
        switch (key) {
          case 'fl':
            fileName = expand('fl', value);
            inlinedFile = undefined;
            break;
          case 'fi':
          case 'fe': {
            const f = expand('fl', value);
            inlinedFile = f === fileName ? undefined : f;
            break;
          }
          case 'fn':
            current = fnOf(expand('fn', value), fileName);
            inlinedFile = undefined;
            break;
          case 'cfi':
          case 'cfl':
            expand('fl', value);
            break;
          case 'cob':
          case 'ob':
            expand('ob', value);
            break;
          case 'cfn':
            callTarget = baseName(expand('fn', value));
            break;
          case 'calls':
            if (callTarget !== undefined) {
              pendingCall = callTarget;
              if (!fns.has(callTarget)) fnOf(callTarget, '');
              fns.get(callTarget)!.called ||= callTarget !== current?.name;
            }
            break;
          case 'jump':
          case 'jcnd':
            skipNext = true;
            break;
          default:
            break;
        }
        continue;
      }
      if (colon > 0) {
        const key = line.slice(0, colon);
        const value = line.slice(colon + 1).trim();
        if (key === 'events' || key === 'version' || key === 'creator') sawHeader = true;
        if (key === 'positions') {
          positionColumns = Math.max(1, value.split(/\s+/).length);
          last = new Array(positionColumns).fill(0);
        }
      }
    }
  }
  if (!sawHeader || !fns.size) throw new ProfileFormatError(`${texts[0]?.file ?? 'callgrind output'}: not a callgrind profile`);
  const table = new FrameTable();
  const frameOf = new Map<string, number>();
  for (const fn of fns.values()) frameOf.set(fn.name, table.intern({ name: fn.name, file: fn.file && fn.file !== '???' ? workspaceRelative(fn.file, workspace) : '', line: fn.line }));
  const graph = new Map<number, GraphFunction>();
  const exact: FunctionCost[] = [];
  let total = 0;
  for (const fn of fns.values()) {
    const frame = frameOf.get(fn.name)!;
    let inclusive = fn.self;
    const callees = new Map<number, number>();
    for (const [name, cost] of fn.callees) {
      inclusive += cost;
      callees.set(frameOf.get(name)!, cost);
    }
    graph.set(frame, { frame, self: fn.self, inclusive, callees, called: fn.called });
    exact.push({ frame: table.frames[frame], self: fn.self, total: inclusive });
    total += fn.self;
  }
  return { profiler: 'callgrind', unit: 'instructions', secondsPerUnit: 0, frames: table.frames, roots: unfoldCallGraph(graph, total), exactFunctions: exact };
}
