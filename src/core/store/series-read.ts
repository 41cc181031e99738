import * as fs from 'node:fs';
import type { RunRecord } from '../model';
import type { HistoryStore } from './history-store';
import { decodeFrame } from './framing';
import { commitMarkerOf } from './append-commit';
import { IndexDamage, LOCATION_WIDTH } from './series-index';
import { checkIndexedFrame, locationInRange } from './index-check';
import { readFully } from './byte-io';

/**
 * A series' records with where each lies, oldest first, read in few reads per segment. Locations
 * from the index file are each checked against their frame (`IndexDamage` when they disagree);
 * damaged records are skipped and reported to the store.
 */
export async function readLocatedRecords(store: HistoryStore, seriesId: string): Promise<Located[]> {
  const state = store.series.get(seriesId);
  if (!state) return [];
  const locations = await store.locationsOf(state);
  // Locations before this point come from the index file: each is checked against its frame.
  const fromIndex = state.base && store.index ? state.base.count * LOCATION_WIDTH : 0;
  const covered = store.index?.header.segments ?? [];
  const bySegment = new Map<number, Member[]>();
  const seen = new Set<string>();
  for (let i = 0; i < locations.length; i += LOCATION_WIDTH) {
    const [seg, offset, length, crc] = [locations[i], locations[i + 1], locations[i + 2], locations[i + 3]];
    if (i < fromIndex) {
      if (!locationInRange(seg, offset, length, covered)) throw new IndexDamage(`an entry of series ${seriesId} points outside the segments`);
      if (seen.has(`${seg}:${offset}`)) throw new IndexDamage(`series ${seriesId} lists a record twice`);
      seen.add(`${seg}:${offset}`);
    }
    let list = bySegment.get(seg);
    if (!list) bySegment.set(seg, (list = []));
    list.push({ offset, length, crc, order: i, fromIndex: i < fromIndex });
  }
  const segments = store.segments;
  const out: Located[] = [];
  // Synchronous reads: a series is a few page-cached ranges, and thread-pool round trips
  // cost more than the reads themselves on a busy machine.
  for (const [segIndex, members] of [...bySegment.entries()].sort((a, b) => a[0] - b[0])) {
    const segment = segments[segIndex];
    const fd = fs.openSync(segment.file, 'r');
    try {
      for (const [start, end, group] of coalesce(members)) {
        const buf = Buffer.allocUnsafe(end - start);
        const bytesRead = readFully(fd, buf, start);
        for (const m of group) {
          const at = m.offset - start;
          let json: string;
          if (m.fromIndex) {
            const check = checkIndexedFrame(buf, at, Math.max(0, bytesRead - at), m.length, m.crc);
            if ('mismatch' in check) throw new IndexDamage(`an entry of series ${seriesId} points at segments/${segment.name} byte ${m.offset}, where ${check.mismatch}`);
            if ('damaged' in check) {
              store.report({ file: segment.file, offset: m.offset, length: m.length, message: check.damaged });
              continue;
            }
            json = check.json;
          } else {
            const lineEnd = at + m.length - 1;
            if (lineEnd >= bytesRead || buf[lineEnd] !== 0x0a) {
              store.report({ file: segment.file, offset: m.offset, length: m.length, message: 'damaged record: line end missing (truncated or overwritten)' });
              continue;
            }
            const frame = decodeFrame(buf, at, lineEnd);
            if (!frame.ok) {
              store.report({ file: segment.file, offset: m.offset, length: m.length, message: frame.message });
              continue;
            }
            json = frame.json;
          }
          if (m.fromIndex && commitMarkerOf(json)) throw new IndexDamage(`an entry of series ${seriesId} points at a commit marker (segments/${segment.name} byte ${m.offset})`);
          const record = store.parseRecord(json, segment.file, m.offset);
          if (!record) continue;
          if (record.seriesId !== seriesId) {
            if (m.fromIndex) throw new IndexDamage(`an entry of series ${seriesId} points at a record of series ${record.seriesId} (segments/${segment.name} byte ${m.offset})`);
            continue;
          }
          out.push({ record, where: `${segIndex}:${m.offset}`, order: m.order });
        }
      }
    } finally {
      fs.closeSync(fd);
    }
  }
  out.sort((a, b) => a.record.timestamp - b.record.timestamp || a.order - b.order);
  return out;
}

export interface Member {
  offset: number;
  length: number;
  crc: number;
  order: number;
  fromIndex: boolean;
}

export interface Located {
  record: RunRecord;
  /** Segment number and offset. */
  where: string;
  order: number;
}

/** Groups records of one file into few reads: neighbours closer than 64 KiB share one. */
export function coalesce(members: Member[]): Array<[number, number, Member[]]> {
  const sorted = [...members].sort((a, b) => a.offset - b.offset);
  const out: Array<[number, number, Member[]]> = [];
  for (const m of sorted) {
    const last = out[out.length - 1];
    if (last && m.offset - last[1] < 65536 && m.offset + m.length - last[0] < 16 << 20) {
      last[1] = Math.max(last[1], m.offset + m.length);
      last[2].push(m);
    } else {
      out.push([m.offset, m.offset + m.length, [m]]);
    }
  }
  return out;
}
