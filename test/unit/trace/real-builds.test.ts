import { availableParallelism } from 'node:os';
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { traceCommand } from '../../../src/cli/commands/trace';
import type { CliIO } from '../../../src/cli/cli-types';
import { assertChromeTrace, copyFixture, readStrace, readTime, REPO_BIN, underStrace, underTime, within } from './trace-fixture';

/**
 * The trace of real builds, checked against tools that watch the same run another way:
 * GNU time (getrusage of the whole tree) for CPU time, strace for every process's life.
 * Nothing here depends on how fast the machine is: a loaded machine stretches every
 * process alike, and the checks compare the trace with what those tools saw.
 */

interface Summary {
  wallSeconds: number;
  cpuSeconds: number;
  parallelEfficiency: number;
  peakRssBytes: number;
  criticalPath: Array<{ command: string; start: number; end: number }>;
  processes: Array<{ pid: number; command: string; start: number; end: number; cpuSeconds: number; peakRssBytes: number }>;
}

async function trace(argv: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; summary: Summary; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), cwd, env, signal: new AbortController().signal };
  const code = await traceCommand(argv, io);
  return { code, summary: JSON.parse(stdout) as Summary, stderr };
}

const INTERVAL = 0.1;
const cores = () => availableParallelism();

describe('perf-pulse trace on real builds', function () {
  this.timeout(300_000);
  if (process.platform !== 'linux') return;

  it('make -j2 of four C files: every process longer than two intervals, the critical path strace\'s record names, CPU and efficiency as getrusage says', async () => {
    const fx = copyFixture('make-c');
    try {
      const timeFile = join(fx.dir, 'time.txt');
      const straceFile = join(fx.dir, 'strace.txt');
      const { code, summary } = await trace(
        ['--interval', String(INTERVAL), '--out', 'trace.json', '--json', '--', ...underTime(timeFile, underStrace(straceFile, ['make', '-j2']))],
        fx.dir,
      );
      assert.equal(code, 0);
      const truth = readTime(timeFile);
      // The whole tree's CPU from getrusage (GNU time around everything, strace included).
      within(summary.cpuSeconds, truth.cpu, 0.05, 'CPU seconds');
      within(summary.parallelEfficiency, truth.cpu / (truth.wall * cores()), 0.05, 'parallel efficiency');
      // Not only the total: the per-process figures add up to it.
      within(summary.processes.reduce((a, p) => a + p.cpuSeconds, 0), truth.cpu, 0.05, 'sum of per-process CPU');

      const events = assertChromeTrace(readFileSync(join(fx.dir, 'trace.json'), 'utf8'));
      const samples = events.filter((e) => e.ph === 'C' && e.name === 'CPU (cores)').map((e) => (e.ts as number) / 1e6);
      const maxGap = Math.max(INTERVAL, ...samples.slice(1).map((t, i) => t - samples[i]));
      const listed = new Map(summary.processes.map((p) => [p.pid, p]));
      let long = 0;
      for (const p of readStrace(straceFile).values()) {
        if (!p.exited || p.last - p.first <= 2 * INTERVAL) continue;
        long++;
        const mine = listed.get(p.pid);
        assert.ok(mine, `pid ${p.pid} ran ${(p.last - p.first).toFixed(2)} s (strace) and is not in the trace`);
        assert.ok(Math.abs(mine.end - mine.start - (p.last - p.first)) <= maxGap + 0.05, `pid ${p.pid} (${mine.command}): ${(mine.end - mine.start).toFixed(3)} s in the trace, ${(p.last - p.first).toFixed(3)} s by strace`);
      }
      // How many steps outlast two intervals depends on the machine's speed; the compiles of big.c and heavy.h's users do.
      assert.ok(long >= 2, `strace saw the compiles (${long} long processes)`);

      // What a person reading the build would name, from strace's record: the step that
      // finished last, after the one that finished last before that one started, … over the
      // compiles and the link that ran longer than two intervals (shorter ones the trace need
      // not show). Ends closer than one sampling gap are a tie: either is right.
      const steps = [...readStrace(straceFile).values()].filter((p) => p.exited && p.last - p.first > 2 * INTERVAL && /^cc /.test(p.command ?? ''));
      const path = summary.criticalPath.map((c) => c.command).filter((command) => steps.some((s) => s.command === command));
      assert.ok(path.length >= 1, `critical path: ${JSON.stringify(summary.criticalPath.map((c) => c.command))}`);
      let before = Infinity;
      for (let i = path.length - 1; i >= 0; i--) {
        const ended = steps.filter((c) => c.last <= before + maxGap);
        const latest = Math.max(...ended.map((c) => c.last));
        const acceptable = ended.filter((c) => c.last >= latest - maxGap);
        const chosen = acceptable.find((c) => c.command === path[i]);
        assert.ok(chosen, `step ${i} of ${JSON.stringify(path)}: expected one of ${acceptable.map((c) => c.command).join(' | ')}`);
        before = chosen.first;
      }
      // … and it goes back to the first compiles.
      assert.ok(!steps.some((c) => c.last <= before - maxGap), `the path stops too early: ${JSON.stringify(path)}`);
      for (const file of ['big', 'small', 'other']) assert.ok(summary.processes.some((p) => p.command.includes(`-c ${file}.c`)), `${file}.c compile listed`);
    } finally {
      fx.dispose();
    }
  });

  it('tsc and esbuild in parallel under npm run build: tsc is the critical path, CPU and efficiency as getrusage says', async () => {
    const fx = copyFixture('ts-project');
    try {
      const timeFile = join(fx.dir, 'time.txt');
      const env = { ...process.env, PATH: `${REPO_BIN}:${process.env.PATH}` };
      const { code, summary } = await trace(['--interval', String(INTERVAL), '--out', 'trace.json', '--json', '--', ...underTime(timeFile, ['npm', 'run', 'build'])], fx.dir, env);
      assert.equal(code, 0);
      const truth = readTime(timeFile);
      within(summary.cpuSeconds, truth.cpu, 0.05, 'CPU seconds');
      within(summary.parallelEfficiency, truth.cpu / (truth.wall * cores()), 0.05, 'parallel efficiency');
      assertChromeTrace(readFileSync(join(fx.dir, 'trace.json'), 'utf8'));
      const path = summary.criticalPath.map((c) => c.command);
      assert.equal(path.length, 1, `critical path: ${JSON.stringify(path)}`);
      assert.match(path[0], /typescript[/\\]bin[/\\]tsc -p \.|tsc -p \./);
      assert.ok(summary.processes.some((p) => /npm-cli\.js run build|npm run build/.test(p.command)), 'npm listed');
      // Both outputs were built.
      assert.ok(readFileSync(join(fx.dir, 'out', 'main.js'), 'utf8').length > 0);
      assert.ok(readFileSync(join(fx.dir, 'dist', 'bundle.js'), 'utf8').length > 0);
    } finally {
      fx.dispose();
    }
  });
});
