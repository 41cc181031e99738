import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MachineFingerprint, RunRecord, RunSummary } from '../../../src/core/model';
import { seriesIdOf } from '../../../src/core/series-id';
import { summarize } from '../../../src/core/stats/summary';
import { seededRandom, normal, type Random } from '../../../src/core/stats/random';

export const BENCH_MACHINE: MachineFingerprint = {
  id: '3f9c2a7b1d0e',
  cpuModel: 'AMD EPYC 7B13 64-Core Processor',
  cores: 8,
  os: 'linux 6.1.0',
  arch: 'x64',
  runtimes: { node: '20.19.0', go: '1.22.1' },
  hostname: 'ci-runner-7',
};

export interface SeriesSpec {
  name: string;
  seriesId: string;
  base: number;
}

export function seriesSpecs(count: number): SeriesSpec[] {
  return Array.from({ length: count }, (_, i) => {
    const name = `pkg${(i % 40).toString().padStart(2, '0')}/Benchmark${['Parse', 'Encode', 'Sort', 'Hash', 'Render'][i % 5]}_${i}`;
    return { name, seriesId: seriesIdOf(name, 'time', BENCH_MACHINE.id), base: 1e-4 * (1 + (i % 97)) };
  });
}

/**
 * One realistic run: what a benchmark run records. With `samples`, raw samples
 * plus their summary; without, the summary alone (what compaction leaves).
 */
export function benchRecord(spec: SeriesSpec, run: number, timestamp: number, samples: number, random: Random): RunRecord {
  const values = samples ? Array.from({ length: samples }, () => spec.base * Math.exp(0.03 * normal(random))) : [];
  // Summaries of thinned runs are synthesised (same shape, no sorting) to keep generating a million fast.
  const summary = samples ? summarize(values, { bootstrap: false }) : syntheticSummary(spec.base * Math.exp(0.03 * normal(random)));
  const record: RunRecord = {
    v: 1,
    id: hex(random, 24),
    seriesId: spec.seriesId,
    name: spec.name,
    metric: 'time',
    unit: 's',
    direction: 'smaller',
    value: summary.median,
    summary,
    timestamp,
    vcs: { commit: hex(random, 40), branch: 'main', dirty: false },
    machine: BENCH_MACHINE,
    source: 'benchmark',
    group: 'go-test-bench',
    config: { command: 'go test -bench . ./...', runs: samples || 30 },
  };
  if (samples) record.samples = values.map((v) => Number(v.toPrecision(6)));
  return record;
}

/** Hex digits from the seeded generator (cheaper than crypto for a million ids). */
function hex(random: Random, digits: number): string {
  let out = '';
  while (out.length < digits) out += Math.floor(random() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, digits);
}

function syntheticSummary(median: number): RunSummary {
  const r = (x: number) => Number(x.toPrecision(6));
  return {
    n: 30,
    median: r(median),
    mean: r(median * 1.004),
    min: r(median * 0.95),
    max: r(median * 1.09),
    mad: r(median * 0.03),
    p90: r(median * 1.04),
    p95: r(median * 1.05),
    p99: r(median * 1.08),
    outliers: 0,
  };
}

export { seededRandom };

/** Bytes on disk under a folder (files only), for the size figures of the benches. */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(p) : fs.statSync(p).size;
  }
  return total;
}
