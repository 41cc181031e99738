import * as path from 'node:path';
import { commitMarkerOf } from './append-commit';
import { crc32 } from './crc32';
import type { StoreProblem } from './errors';
import { describeLoss, lossesOf, mergeLosses, staleSegments } from './index-check';
import { migrateRecord } from './migrate';
import { scanSegmentFile } from './segment-file';
import type { SegmentListing } from './segment-list';
import { IndexDamage, LOCATION_WIDTH, readAllLocations, readIndex, type RecordedLoss } from './series-index';

/** A segment that disagrees with what the index recorded of it, or repeats another one. */
export interface SegmentMismatch {
  /** Path of the segment file. */
  file: string;
  /** `missing`: deleted; `truncated`: cut short; `duplicate`: repeats the records of another segment (a copy). */
  kind: 'missing' | 'truncated' | 'duplicate';
  /** Records lost (missing, truncated) or counted twice (duplicate). */
  records: number;
  /** Bytes lost (missing, truncated); 0 for a duplicate. */
  bytes: number;
  message: string;
}

export interface VerifyReport {
  segments: number;
  records: number;
  bytes: number;
  series: number;
  /** Damaged records (skipped when loading). */
  problems: StoreProblem[];
  /** Segments compared with the index: deleted, cut short or duplicated, with the records each cost. */
  mismatches: SegmentMismatch[];
  /** Damage in `index.bin` or disagreement with the segments; the index is rebuilt from the segments. */
  indexProblems: string[];
  /** Harmless leftovers (superseded segments, temporary files), and those removed as abandoned. */
  notes: string[];
}

export interface VerifyInput {
  dir: string;
  segmentsDir: string;
  indexFile: string;
  listing: SegmentListing;
  /** This process's own segment: a partial last line there is a write in progress. */
  ownSegment?: string;
  writerAlive: (segment: string) => Promise<boolean>;
  /** Losses noticed when the store was opened (recorded in the index it wrote, when it could write one). */
  knownLosses: RecordedLoss[];
  /** Index problems this process met (and repaired by a rebuild) since it opened the store. */
  indexRepairs: string[];
}

interface ScannedFrame {
  length: number;
  crc: number;
  seriesId: string;
  matched: boolean;
}

/**
 * Re-reads every segment byte for byte (every frame checked), then compares the
 * segments with the index on disk: its own checksums, every entry against the
 * frame it points to, each segment's size and record count, and the losses it
 * recorded. Records stored in two segments (a copied file) are reported too.
 */
export async function verifyHistory(input: VerifyInput): Promise<VerifyReport & { indexNeedsRebuild: boolean }> {
  const { listing } = input;
  const problems: StoreProblem[] = [];
  const frames = new Map<string, Map<number, ScannedFrame>>();
  /** Byte ranges of damaged lines per segment: an index entry pointing into one is right, the segment is damaged. */
  const damaged = new Map<string, Array<[number, number]>>();
  const sizes = new Map<string, number>();
  const firstSeen = new Map<string, string>();
  const repeats = new Map<string, { copy: string; of: string; records: number }>();
  let repeatsWithin = 0;
  let records = 0;
  let bytes = 0;
  const series = new Set<string>();
  for (const name of listing.live) {
    const file = path.join(input.segmentsDir, name);
    const here = new Map<number, ScannedFrame>();
    frames.set(name, here);
    const damage: Array<[number, number]> = [];
    damaged.set(name, damage);
    const result = await scanSegmentFile(file, 0, 0, {
      record: (json, offset, length, line) => {
        let raw: unknown;
        try {
          raw = JSON.parse(json);
        } catch (err) {
          problems.push({ file, offset, line, message: `damaged record: invalid JSON (${(err as Error).message})` });
          damage.push([offset, offset + length]);
          return;
        }
        if ((raw as { kind?: unknown })?.kind === 'compaction' || commitMarkerOf(json)) return;
        try {
          const record = migrateRecord(raw);
          series.add(record.seriesId);
          records++;
          here.set(offset, { length, crc: crc32(Buffer.from(json, 'utf8')), seriesId: record.seriesId, matched: false });
          const earlier = firstSeen.get(record.id);
          if (earlier === undefined) firstSeen.set(record.id, name);
          else if (earlier === name) repeatsWithin++;
          else {
            const key = `${earlier}\0${name}`;
            const entry = repeats.get(key) ?? { copy: name, of: earlier, records: 0 };
            entry.records++;
            repeats.set(key, entry);
          }
        } catch (err) {
          problems.push({ file, offset, line, message: `unreadable record: ${(err as Error).message}` });
          damage.push([offset, offset + length]);
        }
      },
      problem: (offset, length, line, message) => {
        problems.push({ file, offset, line, length, message });
        damage.push([offset, offset + length]);
      },
    });
    sizes.set(name, result.size);
    bytes += result.size;
    if (result.size > result.end && name !== input.ownSegment && !(await input.writerAlive(name))) {
      problems.push({ file, offset: result.end, line: result.lines + 1, length: result.size - result.end, message: 'incomplete record at the end of the file (a write was interrupted)' });
    }
  }

  const indexProblems = [...input.indexRepairs];
  const indexed = new Set<string>();
  let indexNeedsRebuild = false;
  let losses = input.knownLosses;
  const notes: string[] = [];
  const read = await readIndex(input.indexFile);
  if (read.index) {
    const { header } = read.index;
    for (const s of header.segments) indexed.add(s.name);
    try {
      losses = mergeLosses(header.losses, losses);
      const stale = staleSegments(header, listing, sizes);
      const recordsLeft = (segment: string, below: number) => [...(frames.get(segment)?.entries() ?? [])].filter(([o, f]) => o + f.length <= below).length;
      losses = mergeLosses(losses, lossesOf(stale, recordsLeft, Date.now()));
      const disagreement = compareEntries(header.segments.map((s) => s.name), header.segments.map((s) => s.size), readAllLocations(read.index), frames, damaged);
      if (disagreement) {
        indexProblems.push(`index.bin: disagrees with the segments (${disagreement}); rebuilt from the segments`);
        indexNeedsRebuild = true;
      }
      if (stale.some((s) => s.kind === 'replaced')) notes.push('index.bin predates a compaction; it is rewritten from the segments');
    } catch (err) {
      if (!(err instanceof IndexDamage)) throw err;
      indexProblems.push(`index.bin: ${err.message}; rebuilt from the segments`);
      indexNeedsRebuild = true;
    } finally {
      await read.index.handle.close().catch(() => undefined);
    }
  } else if (!read.missing) {
    indexProblems.push(`index.bin: ${read.damage}; rebuilt from the segments (losses it recorded, if any, are forgotten)`);
    indexNeedsRebuild = true;
  }

  const mismatches: SegmentMismatch[] = losses.map((loss) => ({
    file: path.join(input.segmentsDir, loss.segment),
    kind: loss.kind,
    records: loss.records,
    bytes: loss.bytes,
    message: describeLoss(loss),
  }));
  for (const r of repeats.values()) {
    // The copy is the one the index has not seen (when it has seen just one); else the later name.
    if (indexed.has(r.copy) && !indexed.has(r.of)) [r.copy, r.of] = [r.of, r.copy];
    mismatches.push({
      file: path.join(input.segmentsDir, r.copy),
      kind: 'duplicate',
      records: r.records,
      bytes: 0,
      message: `segments/${r.copy} repeats ${r.records} record(s) of segments/${r.of} (a copied file?): they count twice until \`perf-pulse history compact\` removes the duplicates`,
    });
  }
  if (repeatsWithin) notes.push(`${repeatsWithin} record(s) stored twice within one segment; the next compaction removes the duplicates`);
  for (const old of listing.superseded) if (listing.present.has(old)) notes.push(`${old}: superseded by a compaction, removed by the next one`);
  for (const tmp of listing.temporary) notes.push(`${tmp}: temporary file of an interrupted compaction, removed by the next one`);
  return { segments: listing.live.length, records, bytes, series: series.size, problems, mismatches, indexProblems, notes, indexNeedsRebuild };
}

/**
 * Every index entry must point at a scanned frame of its series with its length and CRC, and every
 * frame inside what the index covers must be pointed at once. Returns what disagrees, or undefined.
 */
function compareEntries(
  names: string[],
  coveredSizes: number[],
  locations: Map<string, Float64Array>,
  frames: Map<string, Map<number, ScannedFrame>>,
  damaged: Map<string, Array<[number, number]>>,
): string | undefined {
  // Where each segment's last whole record ends: an entry beyond it points at bytes cut off (a loss, reported as such).
  const ends = new Map<string, number>();
  for (const [name, inSegment] of frames) {
    let end = 0;
    for (const [o, f] of inSegment) end = Math.max(end, o + f.length);
    for (const [, to] of damaged.get(name) ?? []) end = Math.max(end, to);
    ends.set(name, end);
  }
  let wrong = 0;
  let twice = 0;
  for (const [seriesId, locs] of locations) {
    for (let i = 0; i < locs.length; i += LOCATION_WIDTH) {
      const name = names[locs[i]];
      const inSegment = name === undefined ? undefined : frames.get(name);
      if (!inSegment) {
        // A segment gone or cut short is reported as a loss, not as index damage.
        if (name === undefined || !Number.isInteger(locs[i])) wrong++;
        continue;
      }
      const frame = inSegment.get(locs[i + 1]);
      if (!frame) {
        const offset = locs[i + 1];
        const inDamage = (damaged.get(name) ?? []).some(([from, to]) => offset >= from && offset < to);
        if (!inDamage && offset < (ends.get(name) ?? 0)) wrong++;
        continue;
      }
      if (frame.length !== locs[i + 2] || frame.crc !== locs[i + 3] || frame.seriesId !== seriesId) wrong++;
      else if (frame.matched) twice++;
      else frame.matched = true;
    }
  }
  let unlisted = 0;
  names.forEach((name, i) => {
    for (const [offset, frame] of frames.get(name) ?? []) if (!frame.matched && offset + frame.length <= coveredSizes[i]) unlisted++;
  });
  const parts: string[] = [];
  if (wrong) parts.push(`${wrong} entr${wrong === 1 ? 'y points' : 'ies point'} at the wrong record`);
  if (twice) parts.push(`${twice} record(s) listed twice`);
  if (unlisted) parts.push(`${unlisted} record(s) it covers are not listed`);
  return parts.length ? parts.join(', ') : undefined;
}
