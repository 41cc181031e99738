import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { decodeFrame } from './framing';
import { readFirstLine } from './segment-file';

export interface SegmentListing {
  /** Segment files that hold the history, sorted by name. */
  live: string[];
  /** Segments a compaction replaced (named in a compacted segment's first line), present or not. */
  superseded: Set<string>;
  /** Temporary files of interrupted compactions. */
  temporary: string[];
  /** Every name in the folder. */
  present: Set<string>;
}

/** The segment folder as the loader sees it: what is live, what a compaction replaced, what is temporary. */
export async function listSegments(segmentsDir: string): Promise<SegmentListing> {
  const names = (await fsp.readdir(segmentsDir)).sort();
  const superseded = new Set<string>();
  for (const name of names) {
    if (!name.startsWith('c-') || !name.endsWith('.seg')) continue;
    const header = await readCompactionHeader(path.join(segmentsDir, name)).catch(() => undefined);
    for (const old of header?.supersedes ?? []) superseded.add(old);
  }
  return {
    live: names.filter((n) => n.endsWith('.seg') && !superseded.has(n)),
    superseded,
    temporary: names.filter((n) => n.endsWith('.tmp')),
    present: new Set(names),
  };
}

async function readCompactionHeader(file: string): Promise<{ supersedes: string[] } | undefined> {
  const line = await readFirstLine(file);
  if (!line) return undefined;
  const frame = decodeFrame(line, 0, line.length);
  if (!frame.ok) return undefined;
  const header = JSON.parse(frame.json) as { kind?: string; supersedes?: unknown };
  if (header.kind !== 'compaction' || !Array.isArray(header.supersedes)) return undefined;
  return { supersedes: header.supersedes.filter((s): s is string => typeof s === 'string') };
}
