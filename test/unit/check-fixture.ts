import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, type CliCommand, type CliIO } from '../../src/cli/cli-types';
import { command as checkCommand } from '../../src/cli/commands/check';
import { command as reportCommand } from '../../src/cli/commands/report';
import { machineFingerprint } from '../../src/core/env';
import type { RunRecord } from '../../src/core/model';
import { seriesIdOf } from '../../src/core/series-id';
import { seededRandom, normal } from '../../src/core/stats/random';
import { median } from '../../src/core/stats/summary';
import { HistoryStore } from '../../src/core/store/history-store';

/** Temp workspaces with a seeded history, and an in-process CLI whose output is captured. */

export const REGRESSION_COMMIT = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';

export interface SeedSeries {
  name: string;
  /** Level (seconds) of each run, oldest first. */
  levels: number[];
  /** Commit of the run at this index is REGRESSION_COMMIT. */
  markAt?: number;
}

export function samplesAround(level: number, n: number, seed: number, noise = 0.01): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => level * (1 + noise * normal(random)));
}

export async function seedHistory(dir: string, series: SeedSeries[], branch = 'main'): Promise<Map<string, RunRecord[]>> {
  const machine = await machineFingerprint();
  const store = await HistoryStore.open(dir);
  const out = new Map<string, RunRecord[]>();
  const start = Date.UTC(2026, 0, 1);
  let seed = 1;
  for (const s of series) {
    const records = s.levels.map((level, i): RunRecord => {
      const samples = samplesAround(level, 15, seed++);
      const commit = i === s.markAt ? REGRESSION_COMMIT : `${String(i).padStart(2, '0')}${'c'.repeat(38)}`;
      return {
        v: 1,
        id: `${s.name}-${i}`,
        seriesId: seriesIdOf(s.name, 'time', machine.id),
        name: s.name,
        metric: 'time',
        unit: 's',
        direction: 'smaller',
        value: median(samples),
        samples,
        timestamp: start + i * 3600_000,
        vcs: { commit, branch },
        machine,
        source: 'benchmark',
      };
    });
    out.set(s.name, records);
  }
  await store.append([...out.values()].flat());
  await store.close();
  return out;
}

/** A hyperfine --export-json file with one result per entry. */
export function writeHyperfine(file: string, results: { name: string; level: number }[], seed = 99): void {
  const json = {
    results: results.map((r, i) => {
      const times = samplesAround(r.level, 15, seed + i);
      const mean = times.reduce((a, b) => a + b, 0) / times.length;
      return { command: r.name, mean, stddev: 0, median: median(times), min: Math.min(...times), max: Math.max(...times), times };
    }),
  };
  writeFileSync(file, JSON.stringify(json));
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    signal: new AbortController().signal,
  };
  // The same contract as the CLI's dispatcher (src/cli/main.ts), without its dynamic import.
  const [name, ...rest] = argv;
  const commands: Record<string, CliCommand> = { check: checkCommand, report: reportCommand };
  let code: number;
  try {
    code = await commands[name].run(rest, io);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    io.stderr(`perf-pulse ${name}: ${err.message}\n`);
    code = err.exitCode;
  }
  return { code, stdout, stderr };
}

export function tempDir(prefix: string): { dir: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, dispose: () => rmSync(dir, { recursive: true, force: true }) };
}

/** 15 runs at `before`, then runs at `after` from index 15 (marked with REGRESSION_COMMIT). */
export function stepLevels(before: number, after: number, total = 24, at = 15): number[] {
  return Array.from({ length: total }, (_, i) => (i < at ? before : after));
}
