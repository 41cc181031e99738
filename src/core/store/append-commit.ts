import { encodeFrame, type FrameVisitor } from './framing';

/**
 * All-or-nothing appends. In a format-2 segment every `append()` is its record
 * frames followed by one commit marker frame naming how many records and bytes
 * it covers. Readers take an append's records only once its marker is there, so
 * a reader never sees part of an append, whether the writer is still writing it
 * (another process, a large import) or was killed half way: an append without
 * its marker is treated as never written.
 */

const MARKER_PREFIX = '{"kind":"commit",';

/** The frame that ends an append of `records` records whose frames take `bytes` bytes. */
export function encodeCommitMarker(records: number, bytes: number): Buffer {
  return encodeFrame(`${MARKER_PREFIX}"records":${records},"bytes":${bytes}}`);
}

/** The marker's counts when `json` is a commit marker. Records start with `{"v":`, so the prefix decides. */
export function commitMarkerOf(json: string): { records: number; bytes: number } | undefined {
  if (!json.startsWith(MARKER_PREFIX)) return undefined;
  try {
    const m = JSON.parse(json) as { records?: unknown; bytes?: unknown };
    return { records: Number(m.records), bytes: Number(m.bytes) };
  } catch {
    return undefined;
  }
}

/**
 * Holds back the lines of an append until its commit marker arrives, then hands
 * them (records and damaged lines alike) to `inner`. Lines after the last marker
 * are never handed on: `committedEnd` and `committedLines` say where the committed
 * part of the file ends, which is where the next scan must start.
 */
export class CommitGate implements FrameVisitor {
  /** The lines since the last marker, in file order: records and damaged lines. */
  private pending: Array<{ json?: string; offset: number; length: number; line: number; message?: string }> = [];
  private pendingRecords = 0;
  private pendingDamage = 0;

  constructor(
    private readonly inner: FrameVisitor,
    public committedEnd: number,
    public committedLines: number,
  ) {}

  record(json: string, offset: number, length: number, line: number): void {
    const marker = commitMarkerOf(json);
    if (!marker) {
      this.pending.push({ json, offset, length, line });
      this.pendingRecords++;
      return;
    }
    // Damaged lines inside a committed append are damage done later (bytes overwritten):
    // they are reported where they are, and the append's other records still load.
    for (const p of this.pending) {
      if (p.json !== undefined) this.inner.record(p.json, p.offset, p.length, p.line);
      else this.inner.problem(p.offset, p.length, p.line, p.message!);
    }
    const bytes = offset - this.committedEnd;
    if (this.pendingDamage === 0 && (marker.records !== this.pendingRecords || marker.bytes !== bytes)) {
      this.inner.problem(offset, length, line, `damaged append: its commit marker counts ${marker.records} records in ${marker.bytes} bytes, the file holds ${this.pendingRecords} in ${bytes} (overwritten)`);
    }
    this.pending = [];
    this.pendingRecords = 0;
    this.pendingDamage = 0;
    this.committedEnd = offset + length;
    this.committedLines = line;
  }

  problem(offset: number, length: number, line: number, message: string): void {
    this.pending.push({ offset, length, line, message });
    this.pendingDamage++;
  }
}
