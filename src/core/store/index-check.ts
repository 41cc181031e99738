import { closeSync, openSync, readSync } from 'node:fs';
import { decodeFrame } from './framing';
import { StoreError } from './errors';
import type { IndexHeader, RecordedLoss } from './series-index';
import type { SegmentListing } from './segment-list';

/**
 * Checks that tie the index to the segments, which are the source of truth: an
 * entry must point at a frame of the expected length and CRC-32 (and the caller
 * checks the series), and every segment the index covers must still be there,
 * at least as long as the index saw it.
 */

export type FrameCheck =
  | { ok: true; json: string }
  /** The index entry is right (the frame header agrees) but the segment's bytes are damaged. */
  | { ok: false; damaged: string }
  /** The bytes there are not the frame the index recorded: the index is wrong. */
  | { ok: false; mismatch: string };

/**
 * Checks the frame an index entry points to: `buf[at]` is the entry's offset, `available` the bytes
 * read from there, `length` and `crc` what the entry says.
 */
export function checkIndexedFrame(buf: Buffer, at: number, available: number, length: number, crc: number): FrameCheck {
  const head = frameHead(buf, at, Math.min(available, length));
  if (!head) return { ok: false, mismatch: 'no record starts there' };
  if (head.crc !== crc) return { ok: false, mismatch: 'another record is there' };
  if (head.length !== length) return { ok: false, mismatch: 'a record of another length is there' };
  if (available < length || buf[at + length - 1] !== 0x0a) return { ok: false, damaged: 'damaged record: line end missing (truncated or overwritten)' };
  const frame = decodeFrame(buf, at, at + length - 1);
  if (!frame.ok) return { ok: false, damaged: frame.message };
  return { ok: true, json: frame.json };
}

/** The CRC and whole line length a frame header announces, or undefined when `buf[at]` starts no frame header. */
function frameHead(buf: Buffer, at: number, limit: number): { crc: number; length: number } | undefined {
  if (limit < 11 || buf[at + 8] !== 0x20) return undefined;
  const crc = hex8(buf, at);
  if (crc < 0) return undefined;
  let p = at + 9;
  let body = 0;
  while (p < at + limit && buf[p] >= 0x30 && buf[p] <= 0x39 && p - at < 21) body = body * 10 + (buf[p++] - 0x30);
  if (p === at + 9 || p >= at + limit || buf[p] !== 0x20) return undefined;
  return { crc, length: p + 1 - at + body + 1 };
}

/** Whether a location taken from the index file is well formed and inside what the index covers. */
export function locationInRange(segment: number, offset: number, length: number, covered: ReadonlyArray<{ size: number }>): boolean {
  return Number.isInteger(segment) && segment >= 0 && segment < covered.length &&
    Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(length) && length >= 12 && offset + length <= covered[segment].size;
}

export interface StaleSegment {
  segment: string;
  /** `missing`: gone although no compaction replaced it; `truncated`: shorter than indexed; `replaced`: compacted away. */
  kind: 'missing' | 'truncated' | 'replaced';
  indexedSize: number;
  indexedRecords: number;
  size: number;
}

/**
 * Segments the index covers that are no longer as it saw them. A missing segment counts as lost only when
 * no compaction happened since the index was written (a compaction unknown to it may have replaced the file).
 */
export function staleSegments(header: IndexHeader, listing: SegmentListing, sizes: ReadonlyMap<string, number>): StaleSegment[] {
  const indexed = new Set(header.segments.map((s) => s.name));
  const compactedSince = listing.live.some((n) => n.startsWith('c-') && !indexed.has(n));
  const out: StaleSegment[] = [];
  for (const s of header.segments) {
    const size = sizes.get(s.name);
    const base = { segment: s.name, indexedSize: s.size, indexedRecords: s.records, size: size ?? 0 };
    if (size === undefined) out.push({ ...base, kind: listing.superseded.has(s.name) || compactedSince ? 'replaced' : 'missing' });
    else if (size < s.size) out.push({ ...base, kind: 'truncated' });
  }
  return out;
}

/** The losses stale segments stand for, given how many records each truncated segment still holds below its indexed size. */
export function lossesOf(stale: StaleSegment[], recordsLeft: (segment: string, below: number) => number, at: number): RecordedLoss[] {
  const out: RecordedLoss[] = [];
  for (const s of stale) {
    if (s.kind === 'replaced') continue;
    const records = s.kind === 'missing' ? s.indexedRecords : Math.max(0, s.indexedRecords - recordsLeft(s.segment, s.indexedSize));
    // An empty file gone (a writer whose first append failed) held nothing.
    if (records === 0 && s.indexedSize === s.size) continue;
    out.push({ segment: s.segment, kind: s.kind, records, bytes: s.indexedSize - s.size, at });
  }
  return out;
}

export function describeLoss(loss: RecordedLoss): string {
  const what = loss.kind === 'missing' ? 'is gone' : `was cut short by ${loss.bytes} bytes`;
  return `segments/${loss.segment} ${what}: ${loss.records} record(s) lost (noticed ${new Date(loss.at).toISOString()})`;
}

/** Adds losses not yet recorded (one noticed twice, by two processes or by open and verify, counts once). */
export function mergeLosses(known: RecordedLoss[], found: RecordedLoss[]): RecordedLoss[] {
  const out = [...known];
  for (const loss of found) if (!out.some((k) => k.segment === loss.segment && k.kind === loss.kind && k.bytes === loss.bytes && k.records === loss.records)) out.push(loss);
  return out;
}

/**
 * Fills in the CRC-32 of appended frames (left out when appending) from their headers, the 8 hex
 * digits at each frame's start: `locations[at + 3]` for each entry. Appended frames lie together,
 * so a few large reads serve thousands of them.
 */
export function readFrameCrcs(entries: Array<{ locations: Float64Array | number[]; at: number }>, fileOf: (segment: number) => string): void {
  const bySegment = new Map<number, typeof entries>();
  for (const e of entries) {
    const seg = e.locations[e.at];
    let list = bySegment.get(seg);
    if (!list) bySegment.set(seg, (list = []));
    list.push(e);
  }
  const window = Buffer.allocUnsafe(1 << 20);
  for (const [seg, list] of bySegment) {
    const file = fileOf(seg);
    list.sort((a, b) => a.locations[a.at + 1] - b.locations[b.at + 1]);
    const fd = openSync(file, 'r');
    try {
      let from = 0;
      let to = 0;
      for (const { locations, at } of list) {
        const offset = locations[at + 1];
        if (offset < from || offset + 8 > to) {
          from = offset;
          to = offset + readSync(fd, window, 0, window.length, offset);
        }
        const crc = offset + 8 <= to ? hex8(window, offset - from) : -1;
        if (crc < 0) throw new StoreError(`${file} changed under the history store (byte ${offset})`, file);
        locations[at + 3] = crc;
      }
    } finally {
      closeSync(fd);
    }
  }
}

/** The number 8 lower-case hex digits at `at` spell (a frame header's CRC-32), or -1. */
function hex8(buf: Buffer, at: number): number {
  let n = 0;
  for (let i = at; i < at + 8; i++) {
    const c = buf[i];
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1;
    if (d < 0) return -1;
    n = n * 16 + d;
  }
  return n;
}
