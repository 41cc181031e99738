import { randomBytes } from 'node:crypto';
import type { MachineFingerprint, RunRecord } from '../../../src/core/model';
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
  const values = Array.from({ length: Math.max(samples, 5) }, () => spec.base * Math.exp(0.03 * normal(random)));
  const summary = summarize(values, { bootstrap: false });
  const record: RunRecord = {
    v: 1,
    id: randomBytes(12).toString('hex'),
    seriesId: spec.seriesId,
    name: spec.name,
    metric: 'time',
    unit: 's',
    direction: 'smaller',
    value: summary.median,
    summary,
    timestamp,
    vcs: { commit: randomBytes(20).toString('hex'), branch: 'main', dirty: false },
    machine: BENCH_MACHINE,
    source: 'benchmark',
    group: 'go-test-bench',
    config: { command: 'go test -bench . ./...', runs: samples || 30 },
  };
  if (samples) record.samples = values.map((v) => Number(v.toPrecision(6)));
  return record;
}

export { seededRandom };
