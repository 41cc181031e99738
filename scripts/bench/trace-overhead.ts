/**
 * The trace sampler's own cost (`npm run bench`): the CPU and memory the sampling adds to
 * the process that runs it (the CLI, or the editor's extension host), at 1 s and 0.1 s.
 *
 * Each measurement runs in a fresh Node process (so one's heap does not colour the next):
 * it starts a tree of 40 sleeping processes through the same gated launch path, once
 * sampled and once not, and takes the difference of the process's own CPU time
 * (process.cpuUsage) over the same wall time. Sleeping children keep the machine's load
 * out of it; the cost of a pass grows with the number of processes on the machine (it
 * lists /proc), which is reported. Memory: the growth of the process's resident size
 * and heap while sampling, and the sampler's result size.
 *
 * Targets (issue 20): at 1 s at most 1% of one core and 50 MB; at 0.1 s at most 5% of one core.
 * Writes bench/results/trace-overhead.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { startWatched } from '../../src/core/runner/launch';
import { runTraced } from '../../src/core/trace';

const CHILDREN = 40;

interface Measured {
  interval: number;
  seconds: number;
  cpuSampled: number;
  cpuUnsampled: number;
  rssGrowthBytes: number;
  heapGrowthBytes: number;
  passes: number;
  processesSeen: number;
  passMs: number;
}

function workload(seconds: number): string[] {
  return ['sh', '-c', `for i in $(seq ${CHILDREN}); do sleep ${seconds} & done; wait`];
}

async function measureHere(interval: number, seconds: number): Promise<Measured> {
  const [file, ...args] = workload(seconds);
  // Warm: the modules and the launch path once, unmeasured.
  await startWatched({ file: 'true', args: [], cwd: process.cwd(), env: process.env, output: 'ignore' }, 'warm up').exited;
  global.gc?.();
  const c0 = process.cpuUsage();
  await startWatched({ file, args, cwd: process.cwd(), env: process.env, output: 'ignore' }, 'bench').exited;
  const c1 = process.cpuUsage();
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const heap0 = process.memoryUsage().heapUsed;
  let rssPeak = rss0;
  let heapPeak = heap0;
  const run = await runTraced({
    file,
    args,
    cwd: process.cwd(),
    env: process.env,
    intervalSeconds: interval,
    output: 'ignore',
    onSample: () => {
      const m = process.memoryUsage();
      rssPeak = Math.max(rssPeak, m.rss);
      heapPeak = Math.max(heapPeak, m.heapUsed);
    },
  });
  const c2 = process.cpuUsage();
  const cpu = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1e6;
  return {
    interval,
    seconds,
    cpuUnsampled: cpu(c0, c1),
    cpuSampled: cpu(c1, c2),
    rssGrowthBytes: rssPeak - rss0,
    heapGrowthBytes: heapPeak - heap0,
    passes: run.trace.passes,
    processesSeen: run.trace.processes.filter((p) => !p.unseen).length,
    passMs: (run.trace.samplingSeconds / Math.max(1, run.trace.passes)) * 1000,
  };
}

async function main(): Promise<void> {
  if (process.argv[2] === '--one') {
    const m = await measureHere(Number(process.argv[3]), Number(process.argv[4]));
    process.stdout.write(JSON.stringify(m));
    return;
  }
  if (process.platform !== 'linux') {
    console.log('trace-overhead: the sampler reads /proc; nothing to measure on', process.platform);
    return;
  }
  const procCount = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).length;
  const load = loadavg()[0];
  const rows: Array<Record<string, string>> = [];
  const targets: Array<{ what: string; target: string; measured: string; met: boolean }> = [];
  for (const [interval, seconds, cpuTarget] of [
    [1, 30, 0.01],
    [0.1, 15, 0.05],
  ] as const) {
    const out = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--one', String(interval), String(seconds)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (out.status !== 0) throw new Error(`measurement at ${interval} s failed: ${out.stderr.slice(-500)}`);
    const m = JSON.parse(out.stdout) as Measured;
    const share = (m.cpuSampled - m.cpuUnsampled) / m.seconds;
    rows.push({
      interval: `${interval} s`,
      'CPU added (share of one core)': `${(share * 100).toFixed(2)}%`,
      'CPU sampled / unsampled': `${(m.cpuSampled * 1000).toFixed(0)} ms / ${(m.cpuUnsampled * 1000).toFixed(0)} ms over ${m.seconds} s`,
      'per pass': `${m.passMs.toFixed(2)} ms wall (${m.passes} passes)`,
      'RSS growth': `${(m.rssGrowthBytes / 1e6).toFixed(1)} MB`,
      'heap growth': `${(m.heapGrowthBytes / 1e6).toFixed(1)} MB`,
      'tree / machine': `${m.processesSeen} processes traced, ${procCount} in /proc`,
    });
    targets.push({ what: `sampler CPU at ${interval} s`, target: `≤ ${cpuTarget * 100}% of one core`, measured: `${(share * 100).toFixed(2)}%`, met: share <= cpuTarget });
    if (interval === 1) targets.push({ what: 'sampler memory at 1 s (RSS growth of the sampling process)', target: '≤ 50 MB', measured: `${(m.rssGrowthBytes / 1e6).toFixed(1)} MB`, met: m.rssGrowthBytes <= 50e6 });
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync(
    'bench/results/trace-overhead.json',
    JSON.stringify(
      {
        title: 'Trace sampler overhead',
        rows,
        targets,
        notes: `A tree of ${CHILDREN} sleeping processes, traced through the gated launch path; the CPU added is the sampling process's own CPU time (process.cpuUsage) traced minus untraced over the same wall time, in a fresh Node process per interval. A pass lists /proc and reads stat for each process not yet classified (once), then stat and status of each traced process: its cost grows with the traced processes and, a little, with the machine's. Load average at start ${load.toFixed(1)} on ${cpus().length} cores.`,
      },
      null,
      2,
    ) + '\n',
  );
  for (const r of rows) console.log(r);
  for (const t of targets) console.log(`${t.met ? 'met' : 'NOT met'}: ${t.what}: ${t.measured} (target ${t.target})`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
