import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from '../store/segment-file';
import type { AnalysisCache, CachedSeries } from './analyze';

/**
 * The analysis cache on disk, so that a new window does not read the whole history again:
 * a magic line, the length of a JSON header (per series: key, verdict, results, how many
 * values), then every series' judged values as little-endian float64, in header order.
 * A cache that cannot be read is simply not used: it only saves work.
 */

const LITTLE_ENDIAN = os.endianness() === 'LE';
const MAGIC = Buffer.from('perf-pulse analysis cache 1\n');

interface Header {
  inputs: string;
  selection: string;
  series: { id: string; key: string; count: number; verdict: string; analysis: CachedSeries['analysis']; findings: CachedSeries['findings'] }[];
}

export function encodeAnalysisCache(cache: AnalysisCache): Buffer {
  const entries = [...cache.series.entries()];
  const header: Header = {
    inputs: cache.inputs,
    selection: cache.selection,
    series: entries.map(([id, e]) => ({ id, key: e.key, count: e.values.length, verdict: e.verdict, analysis: e.analysis, findings: e.findings })),
  };
  const json = Buffer.from(JSON.stringify(header));
  // The values start on an 8-byte boundary so they can be viewed in place when read.
  const headerEnd = MAGIC.length + 4 + json.length;
  const valuesAt = Math.ceil(headerEnd / 8) * 8;
  const total = entries.reduce((n, [, e]) => n + e.values.length, 0);
  const out = Buffer.alloc(valuesAt + total * 8);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(json.length, MAGIC.length);
  json.copy(out, MAGIC.length + 4);
  let at = valuesAt;
  for (const [, e] of entries) {
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(e.values.buffer, e.values.byteOffset, e.values.byteLength), at);
      at += e.values.byteLength;
    } else {
      for (let i = 0; i < e.values.length; i++, at += 8) out.writeDoubleLE(e.values[i], at);
    }
  }
  return out;
}

export function decodeAnalysisCache(bytes: Buffer): AnalysisCache {
  if (bytes.length < MAGIC.length + 4 || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error('not an analysis cache of this version');
  const length = bytes.readUInt32LE(MAGIC.length);
  const headerEnd = MAGIC.length + 4 + length;
  if (headerEnd > bytes.length) throw new Error('analysis cache is cut short');
  const header = JSON.parse(bytes.subarray(MAGIC.length + 4, headerEnd).toString('utf8')) as Header;
  let at = Math.ceil(headerEnd / 8) * 8;
  const series = new Map<string, CachedSeries>();
  for (const s of header.series) {
    const end = at + s.count * 8;
    if (end > bytes.length) throw new Error('analysis cache is cut short');
    const values = new Float64Array(s.count);
    if (LITTLE_ENDIAN) new Uint8Array(values.buffer).set(bytes.subarray(at, end));
    else for (let i = 0; i < s.count; i++) values[i] = bytes.readDoubleLE(at + i * 8);
    at = end;
    series.set(s.id, { key: s.key, values, verdict: s.verdict, analysis: s.analysis, findings: s.findings });
  }
  return { inputs: header.inputs, selection: header.selection, series };
}

/** The cache in `file`, or undefined when there is none or it cannot be used. */
export async function readAnalysisCache(file: string): Promise<AnalysisCache | undefined> {
  try {
    return decodeAnalysisCache(await fsp.readFile(file));
  } catch {
    return undefined;
  }
}

export async function writeAnalysisCache(file: string, cache: AnalysisCache): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  await writeFileAtomic(file, encodeAnalysisCache(cache));
}
