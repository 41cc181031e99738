import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../store/segment-file';

/**
 * What people decided about findings: "this is the new normal" (an accepted baseline)
 * and "stop telling me about this series" (ignored). Kept beside the history in
 * `decisions.json` so that the editor, the CLI and CI agree; every change is reversible.
 */

export const DECISIONS_FILE = 'decisions.json';

export interface AcceptedBaseline {
  seriesId: string;
  /** Changes at or before this record no longer make findings. */
  recordId: string;
  /** Milliseconds since the epoch. */
  at: number;
  by?: string;
}

export interface IgnoredSeries {
  seriesId: string;
  at: number;
}

export interface Decisions {
  version: 1;
  accepted: AcceptedBaseline[];
  ignored: IgnoredSeries[];
}

export class DecisionsError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'DecisionsError';
  }
}

export function emptyDecisions(): Decisions {
  return { version: 1, accepted: [], ignored: [] };
}

/** Reads `decisions.json` from a history folder; a missing file means no decisions. */
export async function loadDecisions(historyDir: string): Promise<Decisions> {
  const file = join(historyDir, DECISIONS_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyDecisions();
    throw new DecisionsError(file, `cannot be read (${(err as Error).message})`);
  }
  return parseDecisions(text, file);
}

export function parseDecisions(text: string, file: string): Decisions {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DecisionsError(file, `is not valid JSON (${(err as Error).message})`);
  }
  if (!raw || typeof raw !== 'object') throw new DecisionsError(file, 'must hold a JSON object');
  const obj = raw as Record<string, unknown>;
  if (obj.version !== 1) throw new DecisionsError(file, `has unsupported version ${JSON.stringify(obj.version)} (expected 1)`);
  const accepted = Array.isArray(obj.accepted) ? obj.accepted : [];
  const ignored = Array.isArray(obj.ignored) ? obj.ignored : [];
  const out = emptyDecisions();
  accepted.forEach((a, i) => {
    const e = a as Partial<AcceptedBaseline>;
    if (typeof e?.seriesId !== 'string' || typeof e.recordId !== 'string') {
      throw new DecisionsError(file, `accepted[${i}] needs string "seriesId" and "recordId"`);
    }
    out.accepted.push({ seriesId: e.seriesId, recordId: e.recordId, at: Number(e.at) || 0, ...(typeof e.by === 'string' ? { by: e.by } : {}) });
  });
  ignored.forEach((g, i) => {
    const e = g as Partial<IgnoredSeries>;
    if (typeof e?.seriesId !== 'string') throw new DecisionsError(file, `ignored[${i}] needs a string "seriesId"`);
    out.ignored.push({ seriesId: e.seriesId, at: Number(e.at) || 0 });
  });
  return out;
}

async function update(historyDir: string, change: (d: Decisions) => void): Promise<Decisions> {
  const decisions = await loadDecisions(historyDir);
  change(decisions);
  await fs.mkdir(historyDir, { recursive: true });
  await writeFileAtomic(join(historyDir, DECISIONS_FILE), JSON.stringify(decisions, null, 2) + '\n');
  return decisions;
}

/** Makes the level from `recordId` on the series' baseline. Replaces an earlier acceptance of the same series. */
export function acceptBaseline(historyDir: string, seriesId: string, recordId: string, by?: string): Promise<Decisions> {
  return update(historyDir, (d) => {
    d.accepted = d.accepted.filter((a) => a.seriesId !== seriesId);
    d.accepted.push({ seriesId, recordId, at: Date.now(), ...(by ? { by } : {}) });
  });
}

export function undoAccept(historyDir: string, seriesId: string): Promise<Decisions> {
  return update(historyDir, (d) => {
    d.accepted = d.accepted.filter((a) => a.seriesId !== seriesId);
  });
}

export function ignoreSeries(historyDir: string, seriesId: string): Promise<Decisions> {
  return update(historyDir, (d) => {
    if (!d.ignored.some((g) => g.seriesId === seriesId)) d.ignored.push({ seriesId, at: Date.now() });
  });
}

export function unignoreSeries(historyDir: string, seriesId: string): Promise<Decisions> {
  return update(historyDir, (d) => {
    d.ignored = d.ignored.filter((g) => g.seriesId !== seriesId);
  });
}
