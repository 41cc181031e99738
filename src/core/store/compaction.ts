import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { RunRecord, SeriesInfo } from '../model';
import type { HistoryStore } from './history-store';
import { encodeFrame } from './framing';
import { ioError } from './errors';
import { recordJson } from './migrate';
import { planRetention, thinRecord } from './retention';
import { syncDir } from './segment-file';
import { LOCATION_WIDTH } from './series-index';
import { listSegments } from './segment-list';
import { STORE_FORMAT_VERSION, WRITERS, type CompactOptions, type CompactReport } from './store-layout';
import { infoFrom } from './series-info';
import { writeAll } from './byte-io';

/**
 * Rewrites the history's segments (all but those live processes append to) into one compacted
 * segment, applying retention, and sets the store's view to the result. Called under the compaction lock.
 */
export async function compactSegments(store: HistoryStore, options: CompactOptions, report: CompactReport): Promise<void> {
  const now = options.now ?? Date.now();
  // Our own segment is sealed and compacted too; the next append opens a fresh one.
  await store.retireWriter();
  // Compaction trusts no index: what it keeps is what the segments hold, read from them.
  await store.load({ fromSegments: true, save: false });
  const listing = await listSegments(store.segmentsDir);
  // Leftovers of earlier compactions: superseded files and temporary files of interrupted runs.
  for (const old of listing.superseded) await fsp.rm(path.join(store.segmentsDir, old), { force: true });
  for (const tmp of listing.temporary) await fsp.rm(path.join(store.segmentsDir, tmp), { force: true });
  const compactable = new Set<number>();
  for (let i = 0; i < store.segments.length; i++) {
    const seg = store.segments[i];
    report.bytesBefore += (await fsp.stat(seg.file)).size;
    if (await store.writerAlive(seg.name)) report.skippedLive++;
    else compactable.add(i);
  }
  // A writer that finished after the load above may have appended more before it went:
  // read its segment to the end now that nobody writes it, or the deletion below loses that.
  for (const i of compactable) await store.scanTail(store.segments[i], i);
  report.segmentsBefore = store.segments.length;
  const name = `c-${Date.now().toString(36).padStart(9, '0')}-${store.writerId}.seg`;
  const target = path.join(store.segmentsDir, name);
  const tmp = target + '.tmp';
  const supersedes = [...compactable].map((i) => store.segments[i].name);
  const handle = await fsp.open(tmp, 'w');
  const newLocations = new Map<string, number[]>();
  const newInfos = new Map<string, SeriesInfo | undefined>();
  let written = 0;
  let writtenRecords = 0;
  try {
    const header = encodeFrame(JSON.stringify({ kind: 'compaction', version: STORE_FORMAT_VERSION, at: now, supersedes }));
    let pending: Buffer[] = [header];
    let pendingBytes = header.length;
    const flush = async () => {
      await writeAll(handle, Buffer.concat(pending));
      pending = [];
      pendingBytes = 0;
    };
    for (const info of store.listSeries()) {
      const state = store.series.get(info.seriesId)!;
      const locations = await store.locationsOf(state);
      const inCompactable = new Set<string>();
      for (let i = 0; i < locations.length; i += LOCATION_WIDTH) if (compactable.has(locations[i])) inCompactable.add(`${locations[i]}:${locations[i + 1]}`);
      const runs = await store.readLocated(info.seriesId);
      // Records in segments that live processes still append to stay where they are, duplicates included.
      const seen = new Set<string>();
      for (const r of runs) if (!inCompactable.has(r.where)) seen.add(r.record.id);
      const unique = runs.filter((r) => {
        if (!inCompactable.has(r.where)) return true;
        if (seen.has(r.record.id)) {
          report.duplicatesDropped++;
          return false;
        }
        seen.add(r.record.id);
        return true;
      });
      const plan = planRetention(unique.map((r) => r.record), store.retention, options, now);
      const locs: number[] = [];
      const kept: RunRecord[] = [];
      unique.forEach((r, i) => {
        const decision = plan[i];
        if (!inCompactable.has(r.where)) {
          kept.push(r.record);
          return;
        }
        if (decision === 'drop') {
          report.recordsDropped++;
          return;
        }
        const record = decision === 'thin' ? thinRecord(r.record) : r.record;
        if (decision === 'thin') report.samplesDropped++;
        kept.push(record);
        const frame = encodeFrame(recordJson(record));
        locs.push(0, header.length + written, frame.length, parseInt(frame.toString('latin1', 0, 8), 16));
        written += frame.length;
        writtenRecords++;
        pending.push(frame);
        pendingBytes += frame.length;
      });
      report.recordsKept += kept.length;
      newLocations.set(info.seriesId, locs);
      newInfos.set(info.seriesId, kept.length ? infoFrom(kept) : undefined);
      if (pendingBytes > 4 << 20) await flush();
    }
    await flush();
    await handle.sync();
  } catch (err) {
    await handle.close().catch(() => undefined);
    await fsp.rm(tmp, { force: true });
    throw ioError('write the compacted history file', tmp, err);
  }
  await handle.close();
  // The commit point: before this rename the old segments are the history, after it the new one is.
  await fsp.rename(tmp, target);
  await syncDir(store.segmentsDir);
  for (const old of supersedes) {
    await fsp.rm(path.join(store.segmentsDir, old), { force: true });
    await fsp.rm(path.join(store.dir, WRITERS, old + '.json'), { force: true });
  }
  await syncDir(store.segmentsDir);

  // New in-memory state: the compacted segment first, then the live segments left alone.
  const oldSegments = store.segments;
  const oldSeries = store.series;
  const headerLength = encodeFrame(JSON.stringify({ kind: 'compaction', version: STORE_FORMAT_VERSION, at: now, supersedes })).length;
  const remap = new Map<number, number>();
  store.segments = [{ name, file: target, size: headerLength + written, lines: 1 + writtenRecords }];
  oldSegments.forEach((seg, i) => {
    if (compactable.has(i)) return;
    remap.set(i, store.segments.length);
    store.segments.push(seg);
  });
  store.series = new Map();
  for (const [seriesId, state] of oldSeries) {
    const info = newInfos.get(seriesId);
    if (!info) continue;
    const tail = newLocations.get(seriesId) ?? [];
    const old = await store.locationsOf(state);
    for (let i = 0; i < old.length; i += LOCATION_WIDTH) {
      const to = remap.get(old[i]);
      if (to !== undefined) tail.push(to, old[i + 1], old[i + 2], old[i + 3]);
    }
    store.series.set(seriesId, { info, tail });
  }
  await store.index?.handle.close().catch(() => undefined);
  store.index = undefined;
  // The compaction is committed; an index that cannot be written now is rebuilt on a later open.
  await store.saveIndex().catch(() => undefined);
  report.compacted = true;
  report.segmentsAfter = store.segments.length;
  for (const seg of store.segments) report.bytesAfter += (await fsp.stat(seg.file)).size;
}
