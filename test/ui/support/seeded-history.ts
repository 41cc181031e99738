// Histories for the UI tests of the Perf Pulse view, written through the real HistoryStore: series
// whose shapes the decision layer judges as new, standing, environment-free, suspect, at risk and
// healthy. Deterministic: levels with ~1% of sine-shaped noise, commits that are real-looking
// object names.
import { createHash } from 'crypto';
import { machineFingerprintSync } from '../../../src/core/env/machine';
import type { RunRecord } from '../../../src/core/model';
import { seriesIdOf } from '../../../src/core/series-id';
import { summarize } from '../../../src/core/stats/summary';
import { HistoryStore } from '../../../src/core/store/history-store';

const HOUR = 3_600_000;

export function commitOf(i: number, salt = ''): string {
  return createHash('sha1').update(`commit ${salt}${i}`).digest('hex');
}

/** One series: `levels[i]` is run i's level in seconds. */
export function seededSeries(name: string, levels: number[], options: { start?: number; salt?: string; noise?: number; commitAt?: (i: number) => number } = {}): RunRecord[] {
  const machine = machineFingerprintSync();
  const start = options.start ?? Date.UTC(2026, 10, 1);
  const noise = options.noise ?? 0.01;
  return levels.map((level, i) => {
    const samples = Array.from({ length: 7 }, (_, k) => level * (1 + noise * Math.sin(i * 7 + k * 3)));
    const summary = summarize(samples, { seed: 1 });
    return {
      v: 1,
      id: `${name}-${i}`,
      seriesId: seriesIdOf(name, 'time', machine.id),
      name,
      metric: 'time',
      unit: 's',
      direction: 'smaller',
      value: summary.median,
      samples,
      summary,
      timestamp: start + i * HOUR,
      vcs: { commit: commitOf(options.commitAt ? options.commitAt(i) : i, options.salt), branch: 'main', dirty: false },
      machine,
      source: 'benchmark',
    } as RunRecord;
  });
}

const steps = (n: number, at: number, a: number, b: number) => Array.from({ length: n }, (_, i) => (i < at ? a : b));

/** The series the view test shows: one of each kind the view groups by. */
export function viewHistory(salt = ''): RunRecord[] {
  return [
    // A step long ago: standing.
    ...seededSeries('parse', steps(60, 20, 0.02, 0.026), { salt }),
    // A step at the newest commit, measured four times: new.
    ...seededSeries('sort', steps(60, 56, 0.311, 0.389), { salt, commitAt: (i) => Math.min(i, 56) }),
    // A step between runs of one commit: the environment, not the code.
    ...seededSeries('io', steps(60, 43, 0.08, 0.1), { salt, commitAt: (i) => (i >= 40 && i < 46 ? 40 : i) }),
    // One high last run: suspect until later runs confirm it.
    ...seededSeries('hash', [...steps(59, 59, 0.05, 0.05), 0.07], { salt }),
    // Just under its budget of 300 ms (perfpulse.json): at risk, not a breach.
    ...seededSeries('render', steps(60, 60, 0.292, 0.292), { salt }),
    // Flat: healthy.
    ...seededSeries('noop', steps(60, 60, 0.004, 0.004), { salt }),
    ...seededSeries('startup', steps(60, 60, 0.12, 0.12), { salt }),
  ];
}

export async function writeHistory(dir: string, records: RunRecord[]): Promise<void> {
  const store = await HistoryStore.open(dir);
  try {
    await store.append(records);
  } finally {
    await store.close();
  }
}
