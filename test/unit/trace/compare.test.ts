import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareBuild, figuresOf, type BuildFigures } from '../../../src/core/trace/compare';
import { main } from '../../../src/cli/main';
import { commands } from '../../../src/cli/commands';
import { command as traceCli } from '../../../src/cli/commands/trace';
import type { CliIO } from '../../../src/cli/cli-types';
import { HistoryStore } from '../../../src/core/store/history-store';
import type { RunRecord } from '../../../src/core/model';

const figures = (wall: number, phases: Record<string, number>, criticalPhase: string): BuildFigures => ({
  wallSeconds: wall,
  cpuSeconds: wall,
  parallelEfficiency: 0.5,
  phases: Object.entries(phases).map(([name, seconds]) => ({ name, seconds })),
  criticalPhase,
});

describe('comparing a build with the median of recent ones', function () {
  this.timeout(60_000);

  it('says which phase moved by how much, and where the critical path went', () => {
    const earlier = [figures(40, { webpack: 30, tsc: 20 }, 'webpack'), figures(42, { webpack: 31, tsc: 21 }, 'webpack'), figures(41, { webpack: 29, tsc: 19.8 }, 'webpack')];
    const c = compareBuild(figures(45, { webpack: 30.2, tsc: 32.4 }, 'tsc'), earlier);
    assert.equal(c.builds, 3);
    assert.equal(c.changes[0].phase, 'tsc');
    assert.ok(Math.abs(c.changes[0].delta - 12.4) < 1e-9);
    assert.ok(!c.changes.some((x) => x.phase === 'webpack'), 'a 1% change is no change');
    assert.deepEqual(c.criticalPathMoved, { from: 'webpack', to: 'tsc' });
    assert.ok(c.lines.includes('tsc +12.4 s (32.4 s, median 20.0 s)'), c.lines.join('\n'));
    assert.ok(c.lines.includes('critical path moved from webpack to tsc'));
  });

  it('reads kept figures from untrusted history records defensively', () => {
    const rec = (value: unknown) => ({ extra: { buildFigures: value } }) as unknown as RunRecord;
    assert.equal(figuresOf(rec('not json')), undefined);
    assert.equal(figuresOf(rec(JSON.stringify({ wallSeconds: 'x' }))), undefined);
    assert.equal(figuresOf(rec(5)), undefined);
    const ok = figuresOf(rec(JSON.stringify({ wallSeconds: 1, cpuSeconds: 1, parallelEfficiency: 0.5, phases: [{ name: 'a', seconds: 1 }, { name: 1 }, null], criticalPhase: 'a' })));
    assert.deepEqual(ok?.phases, [{ name: 'a', seconds: 1 }]);
  });

  it('perf-pulse trace --record: each phase becomes a series in the history; the next build is compared with them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perf-pulse-trace-record-'));
    const registry = commands as Record<string, (typeof commands)[string]>;
    const lazy = registry.trace;
    registry.trace = async () => traceCli;
    try {
      writeFileSync(join(dir, 'perfpulse.json'), JSON.stringify({ benchmarks: [], phases: [{ name: 'step-a', match: 'STEP=a' }, { name: 'step-b', match: 'STEP=b' }] }));
      const history = join(dir, 'history');
      const build = async (a: number, b: number) => {
        let stdout = '';
        let stderr = '';
        const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: { ...process.env, PERF_PULSE_HISTORY: '' }, signal: new AbortController().signal };
        const script = `sh -c 'sleep ${a} # STEP=a'; sh -c 'sleep ${b} # STEP=b'`;
        const code = await main(['trace', '--interval', '0.1', '--json', '--record', 'demo build', '--history', history, '--', 'sh', '-c', script], io);
        assert.equal(code, 0, stderr);
        JSON.parse(stdout); // the contract's summary alone on stdout
        return stderr;
      };
      await build(0.6, 0.2);
      await build(0.6, 0.2);
      const third = await build(0.2, 1.0);
      assert.match(third, /against the median of 2 earlier builds/);
      assert.match(third, /step-b \+0\.\d s/);
      assert.match(third, /critical path moved from step-a to step-b/);
      const store = await HistoryStore.open(history);
      try {
        const names = (await store.listSeries()).map((s) => s.name).sort();
        assert.deepEqual(names, ['demo build', 'demo build › step-a', 'demo build › step-b']);
        const phaseB = (await store.listSeries()).find((s) => s.name === 'demo build › step-b')!;
        const runs = await store.readSeries(phaseB.seriesId);
        assert.equal(runs.length, 3);
        assert.ok(runs[2].value > runs[0].value + 0.5);
      } finally {
        await store.close();
      }
    } finally {
      registry.trace = lazy;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
