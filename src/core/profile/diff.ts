import { functionCosts, functionKey, profileTotal, type Profile } from './model';

/**
 * A differential profile: the same benchmark profiled at a base revision and now, matched
 * function by function (by name and workspace-relative file, since lines move when code is
 * edited), ranked by how much of the slowdown each function's own (self) time explains.
 *
 * `shareOfDelta` is a function's growth divided by the sum of every growth: between 0 and 1,
 * and the functions listed add up to 1. Functions that got faster are left out of the ranking
 * (they explain none of a slowdown); `totalDeltaSeconds` says how much the whole profile moved.
 */

export interface DiffEntry {
  name: string;
  file: string;
  line: number;
  deltaSeconds: number;
  shareOfDelta: number;
  baseSeconds: number;
  headSeconds: number;
}

export interface ProfileDiff {
  entries: DiffEntry[];
  /** Head total minus base total, in seconds (the measured slowdown; negative for a speed-up). */
  totalDeltaSeconds: number;
  baseTotalSeconds: number;
  headTotalSeconds: number;
  /** Functions whose self time shrank, fastest first (for a differential flame graph's blue). */
  faster: DiffEntry[];
}

export function diffProfiles(base: Profile, head: Profile): ProfileDiff {
  const baseSelf = new Map<string, number>();
  for (const f of functionCosts(base)) baseSelf.set(functionKey(f.frame), (baseSelf.get(functionKey(f.frame)) ?? 0) + f.self * base.secondsPerUnit);
  const headSelf = new Map<string, { seconds: number; frame: { name: string; file: string; line: number } }>();
  for (const f of functionCosts(head)) {
    const key = functionKey(f.frame);
    const had = headSelf.get(key);
    headSelf.set(key, { seconds: (had?.seconds ?? 0) + f.self * head.secondsPerUnit, frame: had?.frame ?? f.frame });
  }
  const baseFrames = new Map<string, { name: string; file: string; line: number }>();
  for (const f of functionCosts(base)) baseFrames.set(functionKey(f.frame), f.frame);
  const all: DiffEntry[] = [];
  for (const key of new Set([...baseSelf.keys(), ...headSelf.keys()])) {
    const b = baseSelf.get(key) ?? 0;
    const h = headSelf.get(key)?.seconds ?? 0;
    const frame = headSelf.get(key)?.frame ?? baseFrames.get(key)!;
    all.push({ name: frame.name, file: frame.file, line: frame.line, deltaSeconds: h - b, shareOfDelta: 0, baseSeconds: b, headSeconds: h });
  }
  const grown = all.filter((e) => e.deltaSeconds > 0);
  const growth = grown.reduce((sum, e) => sum + e.deltaSeconds, 0);
  for (const e of grown) e.shareOfDelta = growth > 0 ? Math.min(1, e.deltaSeconds / growth) : 0;
  grown.sort((a, b) => b.shareOfDelta - a.shareOfDelta || a.name.localeCompare(b.name));
  const faster = all.filter((e) => e.deltaSeconds < 0).sort((a, b) => a.deltaSeconds - b.deltaSeconds);
  const baseTotalSeconds = profileTotal(base) * base.secondsPerUnit;
  const headTotalSeconds = profileTotal(head) * head.secondsPerUnit;
  return { entries: grown, totalDeltaSeconds: headTotalSeconds - baseTotalSeconds, baseTotalSeconds, headTotalSeconds, faster };
}

/** "most of it is in `f` (file:line): +2.1 ms of +2.4 ms", for a regression's message; undefined when nothing grew. */
export function diffHeadline(diff: ProfileDiff, formatSeconds: (s: number) => string): string | undefined {
  const top = diff.entries[0];
  if (!top) return undefined;
  const where = top.file ? ` (${top.file}${top.line ? `:${top.line}` : ''})` : '';
  const lead = top.shareOfDelta >= 0.5 ? 'most of it is in' : 'the largest part is in';
  return `${lead} \`${top.name}\`${where}: +${formatSeconds(top.deltaSeconds)} of ${diff.totalDeltaSeconds >= 0 ? '+' : '-'}${formatSeconds(Math.abs(diff.totalDeltaSeconds))}`;
}
