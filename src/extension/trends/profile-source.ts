import type { ProfileReply } from '../../protocol/profile';
import type { SeriesOverview } from '../../protocol/trends';

/**
 * Where the trends panel gets a benchmark's profiles from. The panel knows only this; the
 * services wire it to the profiles stored beside the history (see stored-profile-source.ts),
 * once they have loaded.
 */
export interface ProfileSource {
  /** The latest profile of `benchmark` and its latest differential profile, when there are any. */
  profilesOf(benchmark: string): Promise<Pick<ProfileReply, 'latest' | 'diff'>>;
}

/** The panel's answer to `requestProfile` for one series. */
export async function profileReply(source: ProfileSource | undefined, series: SeriesOverview): Promise<ProfileReply> {
  const base = { seriesId: series.id, benchmark: series.name };
  if (series.source !== 'benchmark') return { ...base, note: `${series.name} is not a benchmark of perfpulse.json: only benchmarks are profiled.` };
  if (!source) return { ...base, note: 'Profiles load with the rest of Perf Pulse; try again in a moment.' };
  const found = await source.profilesOf(series.name);
  if (!found.latest && !found.diff) return { ...base, note: `No profile of ${series.name} yet: run "Perf Pulse: Profile Benchmark".` };
  return { ...base, ...found };
}

/** The series a profiled benchmark's timings are in (its time series), to open the panel on. */
export function seriesOfBenchmark(series: readonly SeriesOverview[], benchmark: string): SeriesOverview | undefined {
  const named = series.filter((s) => s.name === benchmark && s.source === 'benchmark');
  return named.find((s) => s.metric === 'time') ?? named[0];
}
