/**
 * History store benchmark (`npm run bench`): builds 1,000,000 records
 * (2,000 series x 500 runs, the last 50 runs of each with 30 raw samples, the
 * rest summaries, as compaction leaves them) in a temporary folder, then in a
 * fresh process measures opening + listing, reading one series, appending a
 * 100-series run and the heap that opening costs. Also sizes a year of daily
 * use (50 series x 365 runs x 30 samples) before and after compaction.
 * Writes bench/results/store.json.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HistoryStore } from '../../src/core/store/history-store';
import { DEFAULT_RETENTION } from '../../src/core/store/retention';
import { benchRecord, seededRandom, seriesSpecs, dirBytes } from './store/generate';

const SERIES = Number(process.env.STORE_BENCH_SERIES ?? 2000);
const RUNS = Number(process.env.STORE_BENCH_RUNS ?? 500);
const DAY = 86_400_000;

async function build(dir: string): Promise<number> {
  const specs = seriesSpecs(SERIES);
  const random = seededRandom(1);
  const start = Date.UTC(2025, 0, 1);
  const t = performance.now();
  const store = await HistoryStore.open(dir);
  // One append per run of every series, as a CI job records them.
  for (let run = 0; run < RUNS; run++) {
    const withSamples = run >= RUNS - DEFAULT_RETENTION.keepSamplesRuns ? 30 : 0;
    await store.append(specs.map((s) => benchRecord(s, run, start + run * DAY / 4, withSamples, random)));
    if (run % 50 === 49) process.stderr.write(`  built ${(run + 1) * SERIES} records\n`);
  }
  await store.close();
  return (performance.now() - t) / 1000;
}

async function yearOfDailyUse(dir: string): Promise<{ before: number; after: number; compactS: number }> {
  const specs = seriesSpecs(50);
  const random = seededRandom(2);
  const start = Date.UTC(2025, 0, 1);
  const store = await HistoryStore.open(dir);
  for (let day = 0; day < 365; day++) await store.append(specs.map((s) => benchRecord(s, day, start + day * DAY, 30, random)));
  await store.close();
  const before = dirBytes(dir);
  const again = await HistoryStore.open(dir);
  const t = performance.now();
  await again.compact({ now: start + 366 * DAY });
  const compactS = (performance.now() - t) / 1000;
  await again.close();
  return { before, after: dirBytes(dir), compactS };
}

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-store-bench-'));
  try {
    const big = path.join(root, 'big');
    process.stderr.write(`store bench: building ${SERIES} series x ${RUNS} runs in ${big}\n`);
    const buildS = await build(big);
    const bytes = dirBytes(big);
    const child = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'store/measure.ts'), big, String(SERIES), '--compact'], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (child.status !== 0) throw new Error(`measurement process failed: ${child.stderr}`);
    const m = JSON.parse(child.stdout.trim().split('\n').pop()!);
    const year = await yearOfDailyUse(path.join(root, 'year'));
    const mb = (b: number) => b / 2 ** 20;

    const rows = [
      { what: 'records in the store', value: String(m.runs), note: `${m.series} series, ${mb(bytes).toFixed(0)} MB on disk, built in ${buildS.toFixed(1)} s` },
      { what: 'open + listSeries', value: `${m.openMs.toFixed(1)} ms`, note: `fresh process, index present; CPU ${m.openCpuMs.toFixed(1)} ms; load average ${m.loadAverage.toFixed(1)} on ${m.cores} cores` },
      { what: 'heap growth from opening', value: `${m.heapGrowthMB.toFixed(1)} MB`, note: `after gc; RSS +${m.rssGrowthMB.toFixed(1)} MB` },
      { what: 'readSeries, as appended', value: `${m.readMedianMs.toFixed(2)} ms`, note: `median of 25 random series of ${m.runsPerSeries} runs, each run in a separate place (one append per run of all series); max ${m.readMaxMs.toFixed(2)} ms; CPU ${m.readCpuMedianMs.toFixed(2)} ms` },
      { what: 'readSeries after compaction', value: `${m.readCompactedMedianMs.toFixed(2)} ms`, note: `median of 25 random series, each series contiguous; CPU ${m.readCompactedCpuMs.toFixed(2)} ms; compacting the 1M records took ${m.compactS.toFixed(0)} s` },
      { what: 'append one run of 100 series', value: `${m.appendMedianMs.toFixed(2)} ms`, note: `median of 11, durable (fdatasync); first (creates the file) ${m.appendFirstMs.toFixed(2)} ms; CPU ${m.appendCpuMedianMs.toFixed(2)} ms` },
      { what: 'a year of daily use, raw', value: `${mb(year.before).toFixed(1)} MB`, note: '50 series x 365 runs x 30 samples' },
      { what: 'a year of daily use, compacted', value: `${mb(year.after).toFixed(1)} MB`, note: `default retention (samples for the last ${DEFAULT_RETENTION.keepSamplesRuns} runs); compaction took ${year.compactS.toFixed(1)} s` },
    ];
    const targets = [
      { what: 'open store + list series (1M records)', target: '< 1000 ms', measured: `${m.openMs.toFixed(1)} ms`, met: m.openMs < 1000 },
      { what: 'read one series (500 runs), as appended', target: '< 20 ms', measured: `${m.readMedianMs.toFixed(2)} ms`, met: m.readMedianMs < 20 },
      { what: 'read one series (500 runs), compacted', target: '< 20 ms', measured: `${m.readCompactedMedianMs.toFixed(2)} ms`, met: m.readCompactedMedianMs < 20 },
      { what: 'append a run of 100 series', target: '< 5 ms', measured: `${m.appendMedianMs.toFixed(2)} ms`, met: m.appendMedianMs < 5 },
      { what: 'heap growth from opening the store', target: '< 100 MB', measured: `${m.heapGrowthMB.toFixed(1)} MB`, met: m.heapGrowthMB < 100 },
      { what: 'a year of daily use (compacted)', target: '< 50 MB', measured: `${mb(year.after).toFixed(1)} MB`, met: mb(year.after) < 50 },
      { what: 'no damaged records in the generated store', target: '0', measured: String(m.problems), met: m.problems === 0 },
    ];
    console.log('## History store\n');
    console.log('| what | value | note |\n|---|---|---|');
    for (const r of rows) console.log(`| ${r.what} | ${r.value} | ${r.note} |`);
    console.log('\n| target | wanted | measured | met |\n|---|---|---|---|');
    for (const t of targets) console.log(`| ${t.what} | ${t.target} | ${t.measured} | ${t.met ? 'yes' : 'NO'} |`);
    const out = path.join(__dirname, '../../bench/results');
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(path.join(out, 'store.json'), JSON.stringify({ title: 'History store', rows, targets }, null, 2) + '\n');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
