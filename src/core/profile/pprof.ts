import { gunzipSync } from 'node:zlib';
import { Profile as PprofProfile } from 'pprof-format';
import { FrameTable, addPath, type CallNode, type CostUnit, type Profile } from './model';
import { ProfileFormatError, workspaceRelative } from './paths';

/**
 * Go's pprof profiles (`go test -cpuprofile` / `-memprofile`): gzipped protobuf
 * (profile.proto), decoded with pprof-format. Each sample is a stack of locations, leaf
 * first; a location lists its inlined functions innermost first.
 */

/** Which sample value to read: CPU time, or allocated bytes for a memory profile. */
const PREFERRED_TYPES: ReadonlyArray<[string, CostUnit, number]> = [
  ['cpu', 'seconds', 1e-9],
  ['alloc_space', 'bytes', 1],
  ['inuse_space', 'bytes', 1],
];

export function decodePprof(bytes: Uint8Array, file: string, workspace: string): Profile {
  let raw = bytes;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (err) {
      throw new ProfileFormatError(`${file}: not a pprof profile (bad gzip: ${(err as Error).message})`);
    }
  }
  let profile: PprofProfile;
  try {
    profile = PprofProfile.decode(raw);
  } catch (err) {
    throw new ProfileFormatError(`${file}: not a pprof profile (${(err as Error).message})`);
  }
  const str = (i: number | bigint): string => profile.stringTable.strings[Number(i)] ?? '';
  const types = profile.sampleType.map((t) => str(t.type));
  let valueIndex = types.length - 1;
  let unit: CostUnit = 'seconds';
  let factor = 1e-9;
  for (const [type, u, f] of PREFERRED_TYPES) {
    const i = types.indexOf(type);
    if (i >= 0) {
      valueIndex = i;
      unit = u;
      factor = f;
      break;
    }
  }
  if (valueIndex < 0) throw new ProfileFormatError(`${file}: the pprof profile has no sample types`);
  if (unit === 'seconds' && str(profile.sampleType[valueIndex].unit) !== 'nanoseconds') factor = 1e-9;

  const functions = new Map<string, { name: string; file: string; startLine: number }>();
  for (const f of profile.function) functions.set(String(f.id), { name: str(f.name) || str(f.systemName), file: str(f.filename), startLine: Number(f.startLine) });
  // Without a start line (Go before 1.20 writes none), the first line sampled in the function stands in.
  const firstSampled = new Map<string, number>();
  for (const loc of profile.location) {
    for (const l of loc.line) {
      const id = String(l.functionId);
      const line = Number(l.line);
      if (line > 0 && line < (firstSampled.get(id) ?? Infinity)) firstSampled.set(id, line);
    }
  }
  for (const [id, fn] of functions) if (!(fn.startLine > 0)) fn.startLine = firstSampled.get(id) ?? 0;
  const table = new FrameTable();
  /** Location id → its frames, outermost first. */
  const locationFrames = new Map<string, number[]>();
  for (const loc of profile.location) {
    const frames: number[] = [];
    for (let i = loc.line.length - 1; i >= 0; i--) {
      const fn = functions.get(String(loc.line[i].functionId));
      if (!fn) continue;
      frames.push(table.intern({ name: fn.name || '(unknown)', file: fn.file ? workspaceRelative(fn.file, workspace) : '', line: fn.startLine || 0 }));
    }
    if (!frames.length) frames.push(table.intern({ name: `0x${BigInt(loc.address).toString(16)}`, file: '', line: 0 }));
    locationFrames.set(String(loc.id), frames);
  }
  const roots: CallNode[] = [];
  for (const sample of profile.sample) {
    const value = Number(sample.value[valueIndex] ?? 0) * factor;
    if (!(value > 0)) continue;
    const path: number[] = [];
    for (let i = sample.locationId.length - 1; i >= 0; i--) path.push(...(locationFrames.get(String(sample.locationId[i])) ?? []));
    // A goroutine preempted in a loop shows runtime.asyncPreempt as its leaf: the time is its caller's.
    while (path.length > 1 && table.frames[path[path.length - 1]].name === 'runtime.asyncPreempt') path.pop();
    addPath(roots, path, value);
  }
  return { profiler: 'pprof', unit, secondsPerUnit: unit === 'seconds' ? 1 : 0, frames: table.frames, roots };
}
