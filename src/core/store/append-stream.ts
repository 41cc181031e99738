import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { RunRecord, SeriesInfo } from '../model';
import type { HistoryStore } from './history-store';
import { decodeFrame, encodeFrame, frameCrc } from './framing';
import { StoreError, ioError } from './errors';
import { recordJson } from './migrate';
import { encodeCommitMarker } from './append-commit';
import { APPEND_CHUNK_BYTES, type Writer } from './store-layout';
import { checkedRecord, infoFrom, mergeInfo, sameRun, updateInfo } from './series-info';
import { SeriesSpill } from './series-spill';
import { writeAll } from './byte-io';

/** See `HistoryStore.appendStream`. */
export async function appendStreamed(
  store: HistoryStore,
  batches: AsyncIterable<RunRecord[]>,
  options: { earlierIdOf?: (record: RunRecord, position: number) => string | undefined },
): Promise<number> {
  store.assertOpen();
  let writer: Writer | undefined;
  let start = 0;
  let framesLength = 0;
  let records = 0;
  let position = 0;
  let chunk: Buffer[] = [];
  let chunkBytes = 0;
  // Series the history already had, or met twice here: their info and locations (segment number left out).
  const staged = new Map<string, { info: SeriesInfo; tail: number[] }>();
  const spill = new SeriesSpill(path.join(store.dir, `spill.${process.pid}-${randomBytes(4).toString('hex')}.tmp`));
  const writeChunk = async () => {
    if (!writer || chunkBytes === 0) return;
    const bytes = Buffer.concat(chunk, chunkBytes);
    chunk = [];
    chunkBytes = 0;
    await (store.options.writeBytes ?? writeAll)(writer.handle, bytes).catch((err) => {
      throw ioError('append to the history file', writer!.segment.file, err);
    });
  };
  try {
    for await (const batch of batches) {
      const checked = batch.map((r, i) => checkedRecord(r, position + i));
      // Ids stored already, read once per series the history has (retried as a whole when a compaction elsewhere replaced the segments).
      const storedIds = await store.withReload('read the history in', async () => {
        const out = new Map<string, Map<string, RunRecord>>();
        for (const r of checked) {
          if (out.has(r.seriesId) || !store.series.has(r.seriesId)) continue;
          out.set(r.seriesId, new Map((await store.readSeriesOnce(r.seriesId)).map((k) => [k.id, k])));
        }
        return out;
      });
      for (const r of checked) {
        const at = position++;
        const stored = storedIds.get(r.seriesId);
        if (stored) {
          if (stored.has(r.id)) continue;
          const earlierId = options.earlierIdOf?.(r, at);
          const earlier = earlierId !== undefined ? stored.get(earlierId) : undefined;
          if (earlier && sameRun(earlier, r)) continue;
        }
        if (!writer) {
          writer = await store.ensureWriter();
          start = writer.segment.size;
        }
        const frame = encodeFrame(recordJson(r));
        const offset = start + framesLength;
        const crc = frameCrc(frame);
        framesLength += frame.length;
        records++;
        chunk.push(frame);
        chunkBytes += frame.length;
        const known = staged.get(r.seriesId);
        if (known) {
          updateInfo(known.info, r);
          known.tail.push(offset, frame.length, crc);
        } else if (store.series.has(r.seriesId)) {
          staged.set(r.seriesId, { info: infoFrom([r]), tail: [offset, frame.length, crc] });
        } else {
          const line = spill.lineOf(r.seriesId);
          if (line === undefined) {
            await spill.add(r.seriesId, JSON.stringify(infoFrom([r])), offset, frame.length, crc);
          } else {
            // A new series met a second time: it is kept in memory after all, with its first record read back.
            await writeChunk();
            const [firstOffset, firstLength, firstCrc] = spill.drop(r.seriesId, line);
            const first = await readOwnFrame(store, writer, firstOffset, firstLength);
            const info = infoFrom([first]);
            updateInfo(info, r);
            staged.set(r.seriesId, { info, tail: [firstOffset, firstLength, firstCrc, offset, frame.length, crc] });
          }
        }
      }
      if (chunkBytes >= APPEND_CHUNK_BYTES) await writeChunk();
    }
    if (!writer) return 0;
    chunk.push(encodeCommitMarker(records, framesLength));
    chunkBytes += chunk[chunk.length - 1].length;
    await writeChunk();
    await writer.handle.datasync().catch((err) => {
      throw ioError('append to the history file', writer!.segment.file, err);
    });
  } catch (err) {
    // Take back whatever part of this append landed, and retire the file (as `appendNow` does).
    if (writer) {
      await writer.handle.truncate(start).catch(() => undefined);
      await store.retireWriter();
    }
    await spill.remove();
    throw err;
  }
  // Committed. Series that appeared meanwhile in another process's appends join the in-memory ones.
  const segIndex = writer.segmentIndex;
  for (const [seriesId, line] of spill.entries()) {
    if (!store.series.has(seriesId)) continue;
    const [offset, length, crc] = spill.drop(seriesId, line);
    staged.set(seriesId, { info: infoFrom([await readOwnFrame(store, writer, offset, length)]), tail: [offset, length, crc] });
  }
  for (const [seriesId, { info, tail }] of staged) {
    let state = store.series.get(seriesId);
    if (!state) store.series.set(seriesId, (state = { info, tail: [] }));
    else mergeInfo(state.info, info);
    for (let i = 0; i < tail.length; i += 3) state.tail.push(segIndex, tail[i], tail[i + 1], tail[i + 2]);
    store.tailRecords += tail.length / 3;
  }
  writer.segment.size = start + framesLength + encodeCommitMarker(records, framesLength).length;
  writer.segment.lines += records + 1;
  try {
    if (spill.count > 0) {
      await spill.close();
      // The index is the only place the spilled series are listed outside the segments: written now, then the view reloads.
      await store.saveIndex(spill.asSpilled(segIndex)).catch(() => undefined);
      store.stale = true;
    }
  } finally {
    await spill.remove();
  }
  return records;
}

/** Reads back one record this process appended to its own segment (its frame is on disk, maybe not committed yet). */
async function readOwnFrame(store: HistoryStore, writer: Writer, offset: number, length: number): Promise<RunRecord> {
  const buf = Buffer.alloc(length);
  // The writer's handle is append-only: read through one of our own.
  const handle = await fsp.open(writer.segment.file, 'r');
  const { bytesRead } = await handle.read(buf, 0, length, offset).finally(() => handle.close());
  const frame = bytesRead === length ? decodeFrame(buf, 0, length - 1) : undefined;
  const record = frame?.ok ? store.parseRecord(frame.json, writer.segment.file, offset) : undefined;
  if (!record) throw new StoreError(`${writer.segment.file} changed while it was appended to (byte ${offset})`, writer.segment.file);
  return record;
}
