/**
 * Runs in a fresh process (with --expose-gc) against a store built by
 * scripts/bench/store.ts, and prints one JSON line of measurements.
 */
import { HistoryStore } from '../../../src/core/store/history-store';
import { benchRecord, seededRandom, seriesSpecs } from './generate';

import * as os from 'node:os';

/** CPU time (user + system) of this process since `since`, in ms: robust to a busy machine, unlike wall time. */
function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

const gc = (globalThis as { gc?: () => void }).gc;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function main(): Promise<void> {
  const [dir, seriesCountText] = process.argv.slice(2);
  if (!gc) throw new Error('run with --expose-gc');
  gc();
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const rssBefore = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const store = await HistoryStore.open(dir);
  const series = store.listSeries();
  const openMs = performance.now() - t0;
  const openCpuMs = cpuMs(cpu0);
  gc();
  gc();
  const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
  const rssGrowth = process.memoryUsage().rss - rssBefore;

  const random = seededRandom(99);
  const reads: number[] = [];
  const readCpu: number[] = [];
  let runsRead = 0;
  for (let i = 0; i < 25; i++) {
    const info = series[Math.floor(random() * series.length)];
    const c = process.cpuUsage();
    const t = performance.now();
    const runs = await store.readSeries(info.seriesId);
    reads.push(performance.now() - t);
    readCpu.push(cpuMs(c));
    runsRead = runs.length;
  }

  let compactS: number | undefined;
  const compacted: number[] = [];
  const compactedCpu: number[] = [];
  if (process.argv.includes('--compact')) {
    // The steady state: the extension compacts in the background, which lays each series out contiguously.
    const t = performance.now();
    await store.compact();
    compactS = (performance.now() - t) / 1000;
    for (let i = 0; i < 25; i++) {
      const info = series[Math.floor(random() * series.length)];
      const c = process.cpuUsage();
      const t1 = performance.now();
      await store.readSeries(info.seriesId);
      compacted.push(performance.now() - t1);
      compactedCpu.push(cpuMs(c));
    }
  }

  const specs = seriesSpecs(Number(seriesCountText)).slice(0, 100);
  const appends: number[] = [];
  const appendCpu: number[] = [];
  for (let i = 0; i < 11; i++) {
    const batch = specs.map((s) => benchRecord(s, 10_000 + i, Date.now() + i, 30, random));
    const c = process.cpuUsage();
    const t = performance.now();
    await store.append(batch);
    appends.push(performance.now() - t);
    appendCpu.push(cpuMs(c));
  }
  await store.close();
  process.stdout.write(
    JSON.stringify({
      openMs,
      openCpuMs,
      readCpuMedianMs: median(readCpu),
      appendCpuMedianMs: median(appendCpu),
      loadAverage: os.loadavg()[0],
      cores: os.cpus().length,
      series: series.length,
      runs: series.reduce((s, x) => s + x.runs, 0),
      heapGrowthMB: heapGrowth / 2 ** 20,
      rssGrowthMB: rssGrowth / 2 ** 20,
      readMedianMs: median(reads),
      readMaxMs: Math.max(...reads),
      runsPerSeries: runsRead,
      appendFirstMs: appends[0],
      appendMedianMs: median(appends),
      problems: store.problems.length,
      compactS,
      readCompactedMedianMs: compacted.length ? median(compacted) : undefined,
      readCompactedCpuMs: compactedCpu.length ? median(compactedCpu) : undefined,
    }) + '\n',
  );
}

main().catch((err) => {
  process.stderr.write(String(err?.stack ?? err) + '\n');
  process.exit(1);
});
