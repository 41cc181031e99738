// The 1,000,000-measurement history the memory figure opens: 2,000 series x 500 runs shaped
// like the history store benchmark's (the newest 50 runs of each series keep 30 raw samples,
// older runs keep a summary, as compaction leaves them), written through HistoryStore.append.
// Building it takes minutes, so it is kept in the temporary folder and reused by later runs
// while the store format and this shape are unchanged.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryStore, STORE_FORMAT_VERSION } from '../../../src/core/store/history-store';
import { DEFAULT_RETENTION } from '../../../src/core/store/retention';
import { benchRecord, seededRandom, seriesSpecs, dirBytes } from '../store/generate';

const DAY = 86_400_000;
/** Runs appended at once: one append per 10 runs keeps the build quick without huge batches in memory. */
const RUNS_PER_APPEND = 10;

export interface GeneratedHistory {
  dir: string;
  records: number;
  series: number;
  reused: boolean;
  buildSeconds: number;
  bytes: number;
}

export async function millionMeasurementHistory(series = 2000, runs = 500, log: (s: string) => void = () => undefined): Promise<GeneratedHistory> {
  const key = `perf-pulse-bench-history-${series}x${runs}-store${STORE_FORMAT_VERSION}-samples${DEFAULT_RETENTION.keepSamplesRuns}`;
  const dir = path.join(os.tmpdir(), key);
  // Written only after the store closed cleanly, so an interrupted build is never reused.
  const marker = `${dir}.complete.json`;
  if (fs.existsSync(marker) && fs.existsSync(dir)) {
    const done = JSON.parse(fs.readFileSync(marker, 'utf8')) as GeneratedHistory;
    return { ...done, dir, reused: true };
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const started = performance.now();
  const specs = seriesSpecs(series);
  const random = seededRandom(1);
  const start = Date.UTC(2025, 0, 1);
  const store = await HistoryStore.open(dir);
  try {
    for (let first = 0; first < runs; first += RUNS_PER_APPEND) {
      const batch = [];
      for (let run = first; run < Math.min(runs, first + RUNS_PER_APPEND); run++) {
        const samples = run >= runs - DEFAULT_RETENTION.keepSamplesRuns ? 30 : 0;
        for (const spec of specs) batch.push(benchRecord(spec, run, start + (run * DAY) / 4, samples, random));
      }
      await store.append(batch);
      if ((first / RUNS_PER_APPEND) % 10 === 9) log(`  history: ${(first + RUNS_PER_APPEND) * series} of ${runs * series} records`);
    }
  } finally {
    await store.close();
  }
  const result: GeneratedHistory = { dir, records: series * runs, series, reused: false, buildSeconds: (performance.now() - started) / 1000, bytes: dirBytes(dir) };
  fs.writeFileSync(marker, JSON.stringify(result, null, 2));
  return result;
}

// Run directly to build (or find) the cached history ahead of a benchmark run.
if (require.main === module) {
  millionMeasurementHistory(2000, 500, (s) => process.stderr.write(s + '\n'))
    .then((h) => console.log(JSON.stringify(h)))
    .catch((err) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
