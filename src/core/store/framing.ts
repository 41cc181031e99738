import { crc32 } from './crc32';

/**
 * One stored line: `<crc32 as 8 hex> <byte length of json> <json>\n`.
 * JSON.stringify never emits a raw newline, so `\n` always ends a frame; the
 * length and checksum catch torn tails and overwritten bytes, so a damaged line
 * is skipped and reported while its neighbours still load.
 */
export function encodeFrame(json: string): Buffer {
  const body = Buffer.from(json, 'utf8');
  const head = Buffer.from(`${crc32(body).toString(16).padStart(8, '0')} ${body.length} `, 'latin1');
  const out = Buffer.allocUnsafe(head.length + body.length + 1);
  head.copy(out, 0);
  body.copy(out, head.length);
  out[out.length - 1] = 0x0a;
  return out;
}

/** The checksum an encoded frame carries in its header. */
export function frameCrc(frame: Uint8Array): number {
  return parseInt(Buffer.from(frame.buffer, frame.byteOffset, 8).toString('latin1'), 16);
}

export type FrameResult = { ok: true; json: string } | { ok: false; message: string };

/** Checks one line (without its trailing newline) and returns its JSON text. */
export function decodeFrame(buf: Uint8Array, start: number, end: number): FrameResult {
  // Header: 8 hex digits, a space, decimal length, a space.
  if (end - start < 11 || buf[start + 8] !== 0x20) return { ok: false, message: 'damaged record: bad frame header' };
  let crc = 0;
  for (let i = start; i < start + 8; i++) {
    const d = hexDigit(buf[i]);
    if (d < 0) return { ok: false, message: 'damaged record: bad frame header' };
    crc = crc * 16 + d;
  }
  let p = start + 9;
  let length = 0;
  let digits = 0;
  while (p < end && buf[p] >= 0x30 && buf[p] <= 0x39 && digits < 12) {
    length = length * 10 + (buf[p] - 0x30);
    p++;
    digits++;
  }
  if (digits === 0 || p >= end || buf[p] !== 0x20) return { ok: false, message: 'damaged record: bad frame header' };
  const bodyStart = p + 1;
  if (end - bodyStart !== length) {
    return {
      ok: false,
      message: end - bodyStart < length
        ? `damaged record: ${end - bodyStart} of ${length} bytes present (torn or overwritten)`
        : `damaged record: ${end - bodyStart} bytes where ${length} were written (overwritten)`,
    };
  }
  if (crc32(buf, bodyStart, end) !== crc) return { ok: false, message: 'damaged record: checksum mismatch (bytes overwritten)' };
  const text = Buffer.isBuffer(buf) ? buf.toString('utf8', bodyStart, end) : Buffer.from(buf.buffer, buf.byteOffset + bodyStart, length).toString('utf8');
  return { ok: true, json: text };
}

function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

export interface FrameVisitor {
  /** A valid line: its JSON, byte offset in the file, byte length including the newline, 1-based line number. */
  record(json: string, offset: number, length: number, line: number): void;
  problem(offset: number, length: number, line: number, message: string): void;
}

/**
 * Visits the complete lines of `buf` (which starts at file offset `baseOffset`
 * and line `baseLine`). Returns how many bytes were consumed (up to the last
 * newline) and how many lines; a partial last line is left for the caller.
 */
export function scanFrames(
  buf: Buffer,
  baseOffset: number,
  baseLine: number,
  visitor: FrameVisitor,
): { consumed: number; lines: number } {
  let start = 0;
  let line = baseLine;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) break;
    line++;
    if (nl > start) {
      const r = decodeFrame(buf, start, nl);
      if (r.ok) visitor.record(r.json, baseOffset + start, nl + 1 - start, line);
      else visitor.problem(baseOffset + start, nl + 1 - start, line, r.message);
    }
    start = nl + 1;
  }
  return { consumed: start, lines: line - baseLine };
}
