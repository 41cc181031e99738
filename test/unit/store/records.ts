import { randomUUID } from 'node:crypto';
import type { MachineFingerprint, RunRecord } from '../../../src/core/model';
import { seriesIdOf } from '../../../src/core/series-id';

export const TEST_MACHINE: MachineFingerprint = {
  id: 'm-test',
  cpuModel: 'Test CPU',
  cores: 4,
  os: 'linux',
  arch: 'x64',
  runtimes: { node: '20' },
};

/** A realistic run record for tests. */
export function makeRecord(name: string, i: number, options: { samples?: number; metric?: string; id?: string; timestamp?: number } = {}): RunRecord {
  const metric = options.metric ?? 'time';
  const base = 0.01 + (name.length % 7) * 0.001;
  const samples = options.samples ? Array.from({ length: options.samples }, (_, k) => base * (1 + 0.01 * Math.sin(i * 31 + k))) : undefined;
  return {
    v: 1,
    id: options.id ?? randomUUID(),
    seriesId: seriesIdOf(name, metric, TEST_MACHINE.id),
    name,
    metric,
    unit: 's',
    direction: 'smaller',
    value: base * (1 + 0.001 * (i % 13)),
    ...(samples ? { samples } : {}),
    timestamp: 1_700_000_000_000 + (options.timestamp ?? i) * 60_000,
    vcs: { commit: `c${i.toString(16).padStart(7, '0')}`, branch: 'main', dirty: i % 5 === 0 },
    machine: TEST_MACHINE,
    source: 'benchmark',
    group: 'suite',
    config: { command: `run ${name}`, runs: 10 },
    extra: { exitCode: 0, user: 0.5 },
  };
}
