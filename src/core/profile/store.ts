import { createHash, randomUUID } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { RetentionOptions } from '../store/retention';
import type { Profile, ProfilerKind } from './model';
import { ProfileFormatError } from './paths';
import { fromSpeedscope, toSpeedscope, type SpeedscopeFile } from './speedscope';

/**
 * Profiles kept beside the history, in `<history>/profiles/<benchmark key>/`, one gzipped
 * speedscope file each (`<time>-<id>.speedscope.json.gz`), with the run they belong to (the
 * benchmark's latest recorded run at the same commit) in the file. They follow the history's
 * retention: like raw samples, the most recent `keepSamplesRuns` per benchmark are kept, and
 * none older than `maxAgeDays` when that is set.
 */

export const PROFILES_FOLDER = 'profiles';

export interface StoredProfileMeta {
  benchmark: string;
  profiler: ProfilerKind;
  timestamp: number;
  /** What costs are per: the whole run, or one operation (Go benchmarks). */
  per: 'run' | 'op';
  commit?: string;
  /** The history record this profile belongs to, when the benchmark has one at this commit. */
  runId?: string;
  /** The base revision of a differential profile, when this is its head side. */
  baseCommit?: string;
}

export interface StoredProfile {
  file: string;
  meta: StoredProfileMeta;
}

/** A folder name for a benchmark that no name (slashes, dots, `..`, reserved words) can turn into another path. */
export function benchmarkFolder(name: string): string {
  return createHash('sha1').update(name).digest('hex').slice(0, 16);
}

export function profilesDir(historyDir: string): string {
  return join(historyDir, PROFILES_FOLDER);
}

const FILE = /^(\d{13})-[0-9a-f]{8}\.speedscope\.json\.gz$/;

/** Stores a profile and applies the retention to its benchmark's profiles. Returns the file. */
export async function saveProfile(historyDir: string, meta: StoredProfileMeta, profile: Profile, retention: Pick<RetentionOptions, 'keepSamplesRuns' | 'maxAgeDays'>): Promise<string> {
  const dir = join(profilesDir(historyDir), benchmarkFolder(meta.benchmark));
  await fsp.mkdir(dir, { recursive: true });
  const name = `${String(meta.timestamp).padStart(13, '0')}-${randomUUID().slice(0, 8)}.speedscope.json.gz`;
  const file = join(dir, name);
  const bytes = gzipSync(JSON.stringify(toSpeedscope(profile, meta.benchmark, { ...meta })), { level: 9 });
  // Written aside and renamed: a reader never sees half a file.
  const temp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(temp, bytes);
  await fsp.rename(temp, file);
  await pruneProfiles(historyDir, meta.benchmark, retention, meta.timestamp);
  return file;
}

/** The stored profiles of a benchmark, newest first (names only; nothing is decompressed). */
export async function listProfiles(historyDir: string, benchmark: string): Promise<string[]> {
  const dir = join(profilesDir(historyDir), benchmarkFolder(benchmark));
  const names = await fsp.readdir(dir).catch(() => [] as string[]);
  return names.filter((n) => FILE.test(n)).sort().reverse().map((n) => join(dir, n));
}

/** Drops the profiles beyond the retention; returns how many went. */
export async function pruneProfiles(historyDir: string, benchmark: string, retention: Pick<RetentionOptions, 'keepSamplesRuns' | 'maxAgeDays'>, now = Date.now()): Promise<number> {
  const files = await listProfiles(historyDir, benchmark);
  const oldest = retention.maxAgeDays > 0 ? now - retention.maxAgeDays * 86_400_000 : -Infinity;
  let dropped = 0;
  for (let i = 0; i < files.length; i++) {
    const time = Number(FILE.exec(files[i].split(/[\\/]/).pop()!)?.[1] ?? 0);
    if (i >= Math.max(1, retention.keepSamplesRuns) || time < oldest) {
      await fsp.rm(files[i], { force: true });
      dropped++;
    }
  }
  return dropped;
}

/** Reads a stored profile back: the model and what it belongs to. */
export async function loadProfile(file: string): Promise<{ profile: Profile; meta: StoredProfileMeta; speedscope: SpeedscopeFile }> {
  let doc: SpeedscopeFile;
  try {
    doc = JSON.parse(gunzipSync(await fsp.readFile(file)).toString('utf8')) as SpeedscopeFile;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw err;
    throw new ProfileFormatError(`${file}: not a stored profile (${(err as Error).message})`);
  }
  const profile = fromSpeedscope(doc, file);
  const m = (doc.perfPulse ?? {}) as Partial<StoredProfileMeta>;
  const meta: StoredProfileMeta = {
    benchmark: typeof m.benchmark === 'string' ? m.benchmark : doc.name ?? '',
    profiler: profile.profiler,
    timestamp: typeof m.timestamp === 'number' ? m.timestamp : 0,
    per: m.per === 'op' ? 'op' : 'run',
    ...(typeof m.commit === 'string' ? { commit: m.commit } : {}),
    ...(typeof m.runId === 'string' ? { runId: m.runId } : {}),
    ...(typeof m.baseCommit === 'string' ? { baseCommit: m.baseCommit } : {}),
  };
  return { profile, meta, speedscope: doc };
}
