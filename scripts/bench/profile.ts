/**
 * Profiles (`npm run bench`, or `npx tsx scripts/bench/profile.ts`):
 *  - overhead: a benchmark of about 1 s run plainly and profiled (`captureProfile`, everything
 *    included: calibration, the profiled run, writing and decoding the profile), alternately,
 *    three times each; the ratio of the medians. Target: at most 2x for V8 and pprof. cProfile
 *    and callgrind are measured for the record (no target).
 *  - storage: the demo workspace's benchmarks profiled, and 100 of those profiles (25 per
 *    benchmark) kept with the default retention; the size of `<history>/profiles`. Target < 5 MB.
 * Writes bench/results/profile.json.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/core/config';
import { captureProfile, type CapturedProfile } from '../../src/core/profile';
import { recordProfile } from '../../src/core/profile/record';
import { launchOnce } from '../../src/core/runner/launch';
import { planCommand, resolveExecutable } from '../../src/core/runner/command';
import { median } from '../../src/core/stats/summary';

const root = join(__dirname, '..', '..');
const ROUNDS = Number(process.env.PROFILE_BENCH_ROUNDS ?? 3);

interface Case {
  profiler: string;
  dir: string;
  command: string[];
  target?: number;
}

async function plainRun(dir: string, command: string[]): Promise<number> {
  const plan = planCommand(command);
  const file = resolveExecutable(plan.file, dir, process.env)!;
  const started = process.hrtime.bigint();
  const r = await launchOnce({ file, args: plan.args, cwd: dir, env: process.env });
  if (r.exitCode !== 0) throw new Error(`${command.join(' ')} exited with ${r.exitCode}`);
  return Number(process.hrtime.bigint() - started) / 1e9;
}

async function profiledRun(dir: string, command: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  await captureProfile({ name: 'bench', command }, { workspace: dir });
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function workloads(tmp: string): Case[] {
  const node = join(tmp, 'node');
  mkdirSync(node);
  // About 1 s of CPU (measured with /usr/bin/time), in a few functions.
  writeFileSync(
    join(node, 'bench.js'),
    [
      'function hash(n) { let h = 0; for (let i = 0; i < n; i++) h = (Math.imul(h, 31) + i) | 0; return h; }',
      'function sortSome(n) { const a = new Float64Array(n); for (let i = 0; i < n; i++) a[i] = Math.sin(i); a.sort(); return a[n >> 1]; }',
      'function json(n) { return JSON.parse(JSON.stringify(Array.from({ length: n }, (_, i) => ({ i, s: String(i) })))).length; }',
      'let sink = 0;',
      'for (let r = 0; r < 20; r++) { sink += hash(15_000_000); sink += sortSome(120_000); sink += json(12_000); }',
      'if (sink === 42) console.log(sink);',
      '',
    ].join('\n'),
  );
  const go = join(tmp, 'go');
  cpSync(join(root, 'test/fixtures/profile/go'), go, { recursive: true, filter: (src) => !src.endsWith('slow') });
  const python = join(tmp, 'python');
  cpSync(join(root, 'test/fixtures/profile/python'), python, { recursive: true, filter: (src) => !src.endsWith('slow') });
  const c = join(tmp, 'c');
  mkdirSync(c);
  writeFileSync(join(c, 'hot.c'), '#include <stdio.h>\nstatic long __attribute__((noinline)) hot(long n){long s=0;for(long i=0;i<n;i++)s+=i*i%7;return s;}\nint main(void){printf("%ld\\n",hot(20000000));return 0;}\n');
  return [
    { profiler: 'v8', dir: node, command: ['node', 'bench.js'], target: 2 },
    { profiler: 'pprof', dir: go, command: ['go', 'test', '-run', 'NONE', '-bench', 'Work', '-benchtime', '1s'], target: 2 },
    { profiler: 'cprofile', dir: python, command: ['python3', 'bench.py'] },
    { profiler: 'callgrind', dir: c, command: ['./hot'] },
  ];
}

function folderBytes(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const s = statSync(p);
    if (s.isDirectory()) {
      const inner = folderBytes(p);
      bytes += inner.bytes;
      files += inner.files;
    } else {
      bytes += s.size;
      files++;
    }
  }
  return { bytes, files };
}

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(os.tmpdir(), 'perf-pulse-profile-bench-'));
  const rows: Array<Record<string, string>> = [];
  const targets: Array<{ what: string; target: string; measured: string; met?: boolean }> = [];
  const load = os.loadavg().map((l) => l.toFixed(1)).join(', ');
  try {
    const cases = workloads(tmp);
    const { execFileSync } = await import('node:child_process');
    execFileSync('gcc', ['-O1', '-g', '-o', join(tmp, 'c', 'hot'), join(tmp, 'c', 'hot.c')]);
    for (const c of cases) {
      await plainRun(c.dir, c.command); // warm: Go's build cache, the page cache
      const plain: number[] = [];
      const profiled: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        plain.push(await plainRun(c.dir, c.command));
        profiled.push(await profiledRun(c.dir, c.command));
      }
      const ratio = median(profiled) / median(plain);
      console.log(`${c.profiler}: plain ${median(plain).toFixed(2)} s, profiled ${median(profiled).toFixed(2)} s, ${ratio.toFixed(2)}x`);
      rows.push({ what: `${c.profiler}: ${c.command.join(' ')}`, plain: `${median(plain).toFixed(2)} s (${plain.map((p) => p.toFixed(2)).join(', ')})`, profiled: `${median(profiled).toFixed(2)} s (${profiled.map((p) => p.toFixed(2)).join(', ')})`, ratio: `${ratio.toFixed(2)}x` });
      targets.push({ what: `profiling a ~1 s benchmark with ${c.profiler}: profiled / plain time`, target: c.target ? `≤ ${c.target}x` : '(for the record)', measured: `${ratio.toFixed(2)}x`, ...(c.target ? { met: ratio <= c.target } : {}) });
    }

    // Storage: the demo's benchmarks, 25 profiles each, kept with the default retention.
    const demo = join(tmp, 'demo');
    cpSync(join(root, 'examples/demo'), demo, { recursive: true });
    const { config } = await loadConfig(demo);
    const captured: CapturedProfile[] = [];
    for (const bench of config.benchmarks) captured.push(await captureProfile(bench, { workspace: demo }));
    const history = join(tmp, 'history');
    const now = Date.now();
    for (let i = 0; i < 100; i++) await recordProfile(history, captured[i % captured.length], { commit: `c${i}`, now: now + i });
    const { bytes, files } = folderBytes(join(history, 'profiles'));
    const perBench = captured.map((c) => `${c.benchmark}: ${c.profile.frames.length} frames`).join('; ');
    rows.push({ what: `storage: 100 profiles of the demo's ${captured.length} benchmarks`, plain: '', profiled: `${(bytes / 1024 / 1024).toFixed(2)} MB in ${files} files (${(bytes / files / 1024).toFixed(1)} KB each)`, ratio: perBench });
    targets.push({ what: "profile storage, 100 profiles of the demo's benchmarks", target: '< 5 MB', measured: `${(bytes / 1024 / 1024).toFixed(2)} MB`, met: bytes < 5 * 1024 * 1024 });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const notes = `Load average when the profile bench started: ${load} (${os.cpus().length} cores). Plain and profiled runs alternate, ${ROUNDS} of each; times are wall seconds of the whole call (for pprof: building and linking the test binary and the profiled run; the short calibration run that fixes the operation count happens only for a differential profile, --rev; for V8: writing and reading the .cpuprofile).`;
  mkdirSync(join(root, 'bench/results'), { recursive: true });
  writeFileSync(join(root, 'bench/results/profile.json'), JSON.stringify({ title: 'Profiles: overhead and storage', rows, targets, notes }, null, 2) + '\n');
  console.log('wrote bench/results/profile.json');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
