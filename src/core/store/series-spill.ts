import { promises as fsp } from 'node:fs';
import { ioError } from './errors';
import { writeAll } from './byte-io';
import { LOCATION_WIDTH, type SpilledSeries } from './series-index';

/**
 * The series a streaming append met once and the history did not have: each one's info as a line of
 * JSON in a temporary file, its location (offset, length, frame CRC-32) in a typed array, its id in a
 * map to its line. About 100 bytes of memory a series instead of an object graph of several hundred.
 */
export class SeriesSpill {
  private handle: fsp.FileHandle | undefined;
  private readonly lines = new Map<string, number>();
  private locations = new Float64Array(3 * 1024);
  private dropped = new Uint8Array(1024);
  private pending: string[] = [];
  private pendingChars = 0;
  count = 0;

  constructor(readonly file: string) {}

  lineOf(seriesId: string): number | undefined {
    return this.lines.get(seriesId);
  }

  entries(): IterableIterator<[string, number]> {
    return this.lines.entries();
  }

  async add(seriesId: string, infoJson: string, offset: number, length: number, crc: number): Promise<void> {
    if (this.count * 3 + 3 > this.locations.length) {
      const locations = new Float64Array(this.locations.length * 2);
      locations.set(this.locations);
      this.locations = locations;
      const dropped = new Uint8Array(this.dropped.length * 2);
      dropped.set(this.dropped);
      this.dropped = dropped;
    }
    this.locations.set([offset, length, crc], this.count * 3);
    this.lines.set(seriesId, this.count++);
    this.pending.push(infoJson);
    this.pendingChars += infoJson.length;
    if (this.pendingChars >= 1 << 20) await this.flush();
  }

  /** Takes a line out (its series is kept elsewhere); returns its location. */
  drop(seriesId: string, line: number): [number, number, number] {
    this.dropped[line] = 1;
    this.lines.delete(seriesId);
    return [this.locations[line * 3], this.locations[line * 3 + 1], this.locations[line * 3 + 2]];
  }

  private async flush(): Promise<void> {
    if (!this.pending.length) return;
    this.handle ??= await fsp.open(this.file, 'w').catch((err) => {
      throw ioError('write a temporary file in', this.file, err);
    });
    const text = this.pending.join('\n') + '\n';
    this.pending = [];
    this.pendingChars = 0;
    await writeAll(this.handle, Buffer.from(text, 'utf8')).catch((err) => {
      throw ioError('write a temporary file in', this.file, err);
    });
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle?.close();
    this.handle = undefined;
  }

  /** The lines' locations for the index; the ids are forgotten (the index is all that is left to write). */
  asSpilled(segIndex: number): SpilledSeries {
    this.lines.clear();
    const locations = new Float64Array(this.count * LOCATION_WIDTH);
    for (let i = 0; i < this.count; i++) locations.set([segIndex, this.locations[i * 3], this.locations[i * 3 + 1], this.locations[i * 3 + 2]], i * LOCATION_WIDTH);
    return { infoFile: this.file, count: this.count, locations, dropped: this.dropped.subarray(0, this.count) };
  }

  async remove(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    await fsp.rm(this.file, { force: true }).catch(() => undefined);
  }
}
