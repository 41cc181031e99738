import { unfoldCallGraph, type GraphFunction } from './call-graph';
import { FrameTable, type FunctionCost, type Profile } from './model';
import { ProfileFormatError, workspaceRelative } from './paths';

/**
 * Python's cProfile. Its output file (`-o`) is a marshal dump of pstats' dictionary, which
 * only Python reads reliably: the profiled interpreter itself turns it into JSON with
 * `PSTATS_TO_JSON` (run like any other program, through the program gate), and this module
 * reads that JSON: per function (file, line, name) the call counts, its own time (tt), its
 * cumulative time (ct), and per caller the same figures for the calls from that caller.
 */

/** A Python program (passed to `python -c`) that prints a pstats file as JSON: [[file, line, name], tt, ct, [[caller], ct]...]. */
export const PSTATS_TO_JSON = [
  'import json, marshal, sys',
  "with open(sys.argv[1], 'rb') as f: stats = marshal.load(f)",
  'out = [[list(k), v[2], v[3], [[list(c), cv[3]] for c, cv in v[4].items()]] for k, v in stats.items()]',
  'json.dump(out, sys.stdout)',
].join('\n');

type Key = [string, number, string];
type Row = [Key, number, number, Array<[Key, number]>];

function isKey(k: unknown): k is Key {
  return Array.isArray(k) && k.length === 3 && typeof k[0] === 'string' && typeof k[1] === 'number' && typeof k[2] === 'string';
}

function isRows(value: unknown): value is Row[] {
  return Array.isArray(value) && value.every((r) => Array.isArray(r) && r.length === 4 && isKey(r[0]) && typeof r[1] === 'number' && typeof r[2] === 'number' && Array.isArray(r[3]) && r[3].every((c: unknown) => Array.isArray(c) && isKey(c[0]) && typeof c[1] === 'number'));
}

/** A built-in shows as ('~', 0, '<built-in method …>'): no file and no line. */
function frameOf(key: Key, workspace: string): { name: string; file: string; line: number } {
  const [file, line, name] = key;
  if (file === '~') return { name, file: '', line: 0 };
  return { name, file: workspaceRelative(file, workspace), line };
}

export function decodePstatsJson(text: string, file: string, workspace: string): Profile {
  let rows: unknown;
  try {
    rows = JSON.parse(text);
  } catch (err) {
    throw new ProfileFormatError(`${file}: cannot read the cProfile statistics (${(err as Error).message})`);
  }
  if (!isRows(rows)) throw new ProfileFormatError(`${file}: cannot read the cProfile statistics (unexpected shape)`);
  const table = new FrameTable();
  const keyText = (k: Key) => JSON.stringify(k);
  const frameByKey = new Map<string, number>();
  for (const [key] of rows) frameByKey.set(keyText(key), table.intern(frameOf(key, workspace)));
  const graph = new Map<number, GraphFunction>();
  const exact: FunctionCost[] = [];
  let total = 0;
  for (const [key, tt, ct] of rows) {
    const frame = frameByKey.get(keyText(key))!;
    graph.set(frame, { frame, self: tt, inclusive: ct, callees: new Map(), called: false });
    exact.push({ frame: table.frames[frame], self: tt, total: ct });
    total += tt;
  }
  for (const [key, , , callers] of rows) {
    const callee = frameByKey.get(keyText(key))!;
    for (const [callerKey, ct] of callers) {
      const caller = frameByKey.get(keyText(callerKey));
      if (caller === undefined) continue;
      const fn = graph.get(caller)!;
      fn.callees.set(callee, (fn.callees.get(callee) ?? 0) + ct);
      if (caller !== callee) graph.get(callee)!.called = true;
    }
  }
  // cProfile's own `disable` call is the profiler, not the program.
  for (const fn of graph.values()) {
    if (/^<method 'disable' of '_lsprof\.Profiler'/.test(table.frames[fn.frame].name)) fn.inclusive = fn.self = 0;
  }
  return { profiler: 'cprofile', unit: 'seconds', secondsPerUnit: 1, frames: table.frames, roots: unfoldCallGraph(graph, total), exactFunctions: exact };
}
