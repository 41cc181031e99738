import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeHistory, analyzeIncrementally, type AnalyzeInput } from '../../src/core/findings/analyze';
import { decodeAnalysisCache, encodeAnalysisCache, readAnalysisCache, writeAnalysisCache } from '../../src/core/findings/analysis-cache-file';
import type { RunRecord, SeriesInfo } from '../../src/core/model';
import { normal, seededRandom } from '../../src/core/stats/random';
import { seriesInfoOf } from './findings-fixture';

const MACHINE = { id: 'm1', cpuModel: 'cpu', cores: 4, os: 'linux', arch: 'x64', runtimes: {} };

function runsOf(id: string, levels: number[], seed = 1, noise = 0.003): RunRecord[] {
  const random = seededRandom(seed);
  return levels.map((level, i) => ({
    v: 1,
    id: `${id}-${i}`,
    seriesId: id,
    name: id,
    metric: 'time',
    unit: 's',
    direction: 'smaller',
    value: level * (1 + noise * normal(random)),
    timestamp: 1_700_000_000_000 + i * 86_400_000,
    vcs: { commit: `${String(i).padStart(4, '0')}${'f'.repeat(36)}`, branch: 'main' },
    machine: MACHINE,
    source: 'benchmark',
  }));
}

/** A history in memory that counts how often each series is read, as a store would be. */
class CountingHistory {
  readonly reads = new Map<string, number>();
  constructor(readonly byId: Map<string, RunRecord[]>) {}
  infos(): SeriesInfo[] {
    return [...this.byId.values()].map(seriesInfoOf);
  }
  input(extra: Partial<AnalyzeInput> = {}): AnalyzeInput {
    return {
      series: this.infos(),
      load: async (id) => {
        this.reads.set(id, (this.reads.get(id) ?? 0) + 1);
        return this.byId.get(id) ?? [];
      },
      ...extra,
    };
  }
  totalReads(): number {
    return [...this.reads.values()].reduce((a, b) => a + b, 0);
  }
}

const step = (a: number, b: number, at: number, n: number) => Array.from({ length: n }, (_, i) => (i < at ? a : b));

function workspace(): CountingHistory {
  const byId = new Map<string, RunRecord[]>();
  for (let k = 0; k < 12; k++) byId.set(`s${k}`, runsOf(`s${k}`, Array(30).fill(0.01 * (k + 1)), k + 1));
  byId.set('slow', runsOf('slow', step(0.02, 0.025, 20, 30), 99));
  return new CountingHistory(byId);
}

describe('findings: incremental analysis with a cache', () => {
  it('gives the same analysis as a full one, cold and warm, and reads nothing when nothing changed', async () => {
    const history = workspace();
    const full = await analyzeHistory(history.input());
    history.reads.clear();
    const cold = await analyzeIncrementally(history.input());
    assert.deepEqual(cold.analysis, full);
    assert.equal(cold.stats.read, 13);
    assert.equal(history.totalReads(), 13, 'runs read once are kept for the per-series step');
    assert.ok(full.findings.some((f) => f.seriesId === 'slow' && f.kind === 'regression'));

    history.reads.clear();
    const warm = await analyzeIncrementally({ ...history.input(), cache: cold.cache });
    assert.deepEqual(warm.analysis, full);
    assert.equal(history.totalReads(), 0);
    assert.deepEqual(warm.stats, { series: 13, read: 0, reread: 0, reused: 13, detected: false });
  });

  it('reads only the series that changed, and judges the whole history again', async () => {
    const history = workspace();
    const first = await analyzeIncrementally(history.input());
    // A new run on one series, a regression on another: two series change.
    history.byId.set('s3', runsOf('s3', Array(31).fill(0.04), 4));
    history.byId.set('s5', runsOf('s5', step(0.06, 0.08, 22, 32), 6));
    history.reads.clear();
    const next = await analyzeIncrementally({ ...history.input(), cache: first.cache });
    assert.deepEqual([...history.reads.keys()].sort(), ['s3', 's5']);
    assert.equal(next.stats.read, 2);
    assert.equal(next.stats.detected, true);
    assert.deepEqual(next.analysis, await analyzeHistory(history.input()));
    assert.ok(next.analysis.findings.some((f) => f.seriesId === 's5' && f.kind === 'regression'));
  });

  it('analyses every series again (without reading the unchanged ones twice) when decisions change', async () => {
    const history = workspace();
    const first = await analyzeIncrementally(history.input());
    const decisions = { version: 1 as const, accepted: [], ignored: [{ seriesId: 'slow', at: 1 }] };
    history.reads.clear();
    const next = await analyzeIncrementally({ ...history.input({ decisions }), cache: first.cache });
    assert.equal(next.stats.reused, 0);
    assert.equal(next.stats.read, 0, 'values come from the cache');
    assert.equal(next.stats.reread, 13, 'the per-series step reads each series once');
    assert.deepEqual(next.analysis, await analyzeHistory(history.input({ decisions })));
    assert.ok(!next.analysis.findings.some((f) => f.seriesId === 'slow'));
  });

  it('over the keep limit, reads a series again only when the whole history judges it otherwise than it alone', async () => {
    const history = workspace();
    const cold = await analyzeIncrementally({ ...history.input(), keepRuns: 0 });
    assert.equal(cold.stats.read, 13);
    assert.ok(cold.stats.reread < 13, `read again ${cold.stats.reread}`);
    assert.deepEqual(cold.analysis, await analyzeHistory(history.input()));
  });

  it('over the keep limit, a series the whole history judges otherwise than it alone is read again and analysed with that verdict', async () => {
    // 300 noisy stable series and one with a step: alone, a few stable series show a candidate change
    // that Benjamini-Hochberg across all 301 series' tests drops.
    const byId = new Map<string, RunRecord[]>();
    for (let k = 0; k < 300; k++) byId.set(`s${k}`, runsOf(`s${k}`, Array(40).fill(0.01), k + 1, 0.01));
    byId.set('step', runsOf('step', step(0.01, 0.0104, 30, 40), 7, 0.01));
    const history = new CountingHistory(byId);
    const full = await analyzeHistory(history.input());
    history.reads.clear();
    const cold = await analyzeIncrementally({ ...history.input(), keepRuns: 0 });
    assert.deepEqual(cold.analysis, full);
    assert.ok(cold.stats.reread >= 1 && cold.stats.reread < 10, `read again ${cold.stats.reread}`);
    assert.equal(history.totalReads(), 301 + cold.stats.reread);
    assert.deepEqual(full.findings.map((f) => f.seriesId), ['step']);
  });

  it('gives the event loop turns while it works', async () => {
    const history = workspace();
    let pauses = 0;
    await analyzeIncrementally({ ...history.input(), pause: async () => void pauses++ });
    assert.ok(pauses >= 13, `paused ${pauses} times`);
  });

  it('keeps the cache on disk: what is read back serves a warm analysis; a damaged file is ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-analysis-cache-'));
    try {
      const history = workspace();
      const cold = await analyzeIncrementally(history.input());
      const file = join(dir, 'sub', 'analysis-cache.bin');
      await writeAnalysisCache(file, cold.cache);
      const back = await readAnalysisCache(file);
      assert.ok(back);
      assert.deepEqual([...back.series.get('slow')!.values], [...cold.cache.series.get('slow')!.values]);
      assert.deepEqual(decodeAnalysisCache(encodeAnalysisCache(back)).series.get('s1')!.key, cold.cache.series.get('s1')!.key);
      history.reads.clear();
      const warm = await analyzeIncrementally({ ...history.input(), cache: back });
      assert.equal(history.totalReads(), 0);
      assert.deepEqual(warm.analysis.findings.map((f) => f.id), cold.analysis.findings.map((f) => f.id));

      writeFileSync(file, encodeAnalysisCache(cold.cache).subarray(0, 200));
      assert.equal(await readAnalysisCache(file), undefined);
      writeFileSync(file, 'not a cache');
      assert.equal(await readAnalysisCache(file), undefined);
      assert.equal(await readAnalysisCache(join(dir, 'missing.bin')), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
