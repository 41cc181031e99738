import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareBuild, figuresOf, type BuildFigures } from '../../../src/core/trace/compare';
import { main } from '../../../src/cli/main';
import { commands } from '../../../src/cli/commands';
import { command as traceCli } from '../../../src/cli/commands/trace';
import { command as reportCli } from '../../../src/cli/commands/report';
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
    const lazyReport = registry.report;
    registry.trace = async () => traceCli;
    registry.report = async () => reportCli;
    try {
      writeFileSync(join(dir, 'perfpulse.json'), JSON.stringify({ benchmarks: [], phases: [{ name: 'step-a', match: 'STEP=a' }, { name: 'step-b', match: 'STEP=b' }] }));
      const history = join(dir, 'history');
      // Two steps one after the other, each named by a marker in its own command line.
      // (`:` after the sleep keeps each shell from exec'ing sleep, which would drop the marker from its command line.)
      writeFileSync(join(dir, 'build.sh'), 'sh -c "sleep $1; : STEP=a"\nsh -c "sleep $2; : STEP=b"\n');
      const build = async (a: number, b: number) => {
        let stdout = '';
        let stderr = '';
        const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd: dir, env: { ...process.env, PERF_PULSE_HISTORY: '' }, signal: new AbortController().signal };
        const code = await main(['trace', '--interval', '0.1', '--json', '--record', 'demo build', '--history', history, '--', 'sh', 'build.sh', String(a), String(b)], io);
        assert.equal(code, 0, stderr);
        JSON.parse(stdout); // the contract's summary alone on stdout
        return stderr;
      };
      // Every step lasts at least four sampling intervals, so each is seen whatever the load.
      await build(1.2, 0.4);
      await build(1.2, 0.4);
      const third = await build(0.4, 1.6);
      assert.match(third, /against the median of 2 earlier builds/);
      assert.match(third, /step-b \+1\.\d s/);
      assert.match(third, /critical path moved from step-a to step-b/);
      const store = await HistoryStore.open(history);
      try {
        const names = (await store.listSeries()).map((s) => s.name).sort();
        assert.deepEqual(names, ['demo build', 'demo build › step-a', 'demo build › step-b']);
        const phaseB = (await store.listSeries()).find((s) => s.name === 'demo build › step-b')!;
        const runs = await store.readSeries(phaseB.seriesId);
        assert.equal(runs.length, 3);
        assert.ok(runs[2].value > runs[0].value + 0.8);
      } finally {
        await store.close();
      }
      // perf-pulse report shows the build's anatomy.
      let report = '';
      const io: CliIO = { stdout: (t) => (report += t), stderr: () => undefined, cwd: dir, env: { ...process.env }, signal: new AbortController().signal };
      assert.equal(await main(['report', '--workspace', dir, '--history', history], io), 0);
      assert.match(report, /## Build anatomy/);
      assert.match(report, /### demo build/);
      assert.match(report, /Critical path: [^\n]*step-b\./);
      assert.match(report, /critical path moved from step-a to step-b/);
      // Each phase's time, within a sampling interval (0.1 s) and a little scheduling of the one that slept 1 s.
      const stepB = Number(/\| step-b \| (\d+\.\d\d) \|/.exec(report)?.[1]);
      assert.ok(stepB >= 1.45 && stepB < 3, `step-b ${stepB}`);
      assert.match(report, /\| step-a \| \d+\.\d\d \|/);
    } finally {
      registry.trace = lazy;
      registry.report = lazyReport;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
