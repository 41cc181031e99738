// `perf-pulse profile` as users run it: real processes, real profilers, the contract's shapes
// and exit codes, and the profile kept beside the history.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setProgramGate, ProgramRefusedError } from '../../../src/core/program-gate';
import { captureProfile, functionShares, loadProfile, listProfiles } from '../../../src/core/profile';
import { decodeCpuProfiles } from '../../../src/core/profile/v8';
import { assertContract, fixturesDir, repoRoot, runCli } from './profile-fixture';

function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'perf-pulse-profile-cli-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const config = (command: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ version: 1, benchmarks: [{ name: 'b', command, ...extra }] });

describe('perf-pulse profile', function () {
  this.timeout(120_000);
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  describe('a Node benchmark (V8)', () => {
    let dir: string;
    let history: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'perf-pulse-profile-node-'));
      dirs.push(dir);
      cpSync(join(fixturesDir, 'node'), dir, { recursive: true, filter: (src) => !src.includes(`${join('node', 'slow')}`) });
      history = join(dir, 'history');
    });

    it('--json follows the contract, without "diff" when there is no --rev, and keeps the profile beside the history', async () => {
      const r = await runCli(['profile', 'work', '--json', '--workspace', dir, '--history', history]);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assertContract(doc, 'work', 'v8', false);
      const checksum = doc.functions.find((f: { name: string }) => f.name === 'checksum');
      assert.deepEqual([checksum.file, checksum.line], ['work.js', 17]);
      assert.ok(checksum.selfShare > 0.3, `checksum is the hot function: ${checksum.selfShare}`);
      const stored = await listProfiles(history, 'work');
      assert.equal(stored.length, 1);
      assert.ok(stored[0].startsWith(join(history, 'profiles')));
      const { meta, profile } = await loadProfile(stored[0]);
      assert.equal(meta.benchmark, 'work');
      assert.equal(meta.profiler, 'v8');
      // The stored (speedscope) profile gives the same shares as the one printed.
      const again = functionShares(profile).find((f) => f.name === 'checksum')!;
      assert.ok(Math.abs(again.selfShare - checksum.selfShare) < 1e-3, `${again.selfShare} vs ${checksum.selfShare}`);
    });

    it('prints a readable table without --json, writes a .cpuprofile with --out, and keeps nothing with --no-record', async () => {
      const out = join(dir, 'work.cpuprofile');
      const r = await runCli(['profile', 'work', '--workspace', dir, '--no-record', '--out', out, '--history', join(dir, 'other-history')]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^work: profiled with v8/);
      assert.match(r.stdout, /^\s+\d+\.\d%\s+\d+\.\d%\s+checksum\s+work\.js:17$/m);
      assert.ok(!existsSync(join(dir, 'other-history')));
      const exported = decodeCpuProfiles([{ text: readFileSync(out, 'utf8'), file: out }], dir);
      assert.ok(functionShares(exported).some((f) => f.name === 'checksum' && f.selfShare > 0.3));
    });
  });

  it('profiles a native program with callgrind, naming the C function and its line', async () => {
    const dir = workspace({
      'hot.c': [
        '#include <stdio.h>',
        'static long __attribute__((noinline)) hot(long n) {',
        '  long s = 0;',
        '  for (long i = 0; i < n; i++) s += i * i % 7;',
        '  return s;',
        '}',
        'int main(void) { printf("%ld\\n", hot(3000000)); return 0; }',
        '',
      ].join('\n'),
      'perfpulse.json': config(['./hot']),
    });
    dirs.push(dir);
    execFileSync('gcc', ['-g', '-O1', '-o', join(dir, 'hot'), join(dir, 'hot.c')]);
    const r = await runCli(['profile', 'b', '--json', '--workspace', dir, '--no-record']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout);
    assertContract(doc, 'b', 'callgrind', false);
    assert.equal(doc.functions[0].name, 'hot');
    assert.equal(doc.functions[0].file, 'hot.c');
    assert.ok(doc.functions[0].line >= 2 && doc.functions[0].line <= 4, `line ${doc.functions[0].line}`);
    assert.ok(doc.functions[0].selfShare > 0.8);
  });

  it('follows a source map back to the TypeScript function and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perf-pulse-profile-ts-'));
    dirs.push(dir);
    cpSync(join(fixturesDir, 'ts'), dir, { recursive: true });
    const esbuild = join(repoRoot, 'node_modules', '.bin', 'esbuild');
    execFileSync(esbuild, [join(dir, 'src', 'hot.ts'), '--sourcemap', `--outfile=${join(dir, 'dist', 'hot.js')}`, '--log-level=error']);
    const r = await runCli(['profile', 'hot', '--json', '--workspace', dir, '--no-record']);
    assert.equal(r.code, 0, r.stderr);
    const top = JSON.parse(r.stdout).functions[0];
    assert.deepEqual([top.name, top.file, top.line], ['hotLoop', 'src/hot.ts', 13]);
  });

  describe('--alloc: allocation profiles', () => {
    it('Node (V8 --heap-prof): the function that allocates what stays alive', async () => {
      const dir = workspace({
        'alloc.js': [
          "'use strict';",
          // Node's --heap-prof reports the sampled allocations still alive at exit: kept globally.
          'const kept = (globalThis.kept = []);',
          'function allocate(n) {',
          '  for (let i = 0; i < n; i++) kept.push(new Array(64).fill(i));',
          '}',
          'function compute(n) { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }',
          'allocate(20000);',
          'if (compute(1e6) === 1) console.log(kept.length);',
          '',
        ].join('\n'),
        'perfpulse.json': config(['node', 'alloc.js']),
      });
      dirs.push(dir);
      const r = await runCli(['profile', 'b', '--alloc', '--json', '--workspace', dir, '--no-record']);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assertContract(doc, 'b', 'v8', false);
      assert.deepEqual([doc.functions[0].name, doc.functions[0].file, doc.functions[0].line], ['allocate', 'alloc.js', 3]);
      assert.ok(doc.functions[0].selfShare > 0.5, `${doc.functions[0].selfShare}`);
    });

    it('Go (-memprofile): the function that allocates the most bytes', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'perf-pulse-profile-goalloc-'));
      dirs.push(dir);
      cpSync(join(fixturesDir, 'go'), dir, { recursive: true, filter: (src) => !src.endsWith('slow') });
      const r = await runCli(['profile', 'work', '--alloc', '--json', '--workspace', dir, '--no-record']);
      assert.equal(r.code, 0, r.stderr);
      const doc = JSON.parse(r.stdout);
      assertContract(doc, 'work', 'pprof', false);
      // SortNumbers makes a 400-float slice per operation (ParseRecords' strings are made in strconv); Checksum allocates nothing.
      const sort = doc.functions.find((f: { name: string }) => f.name === 'example.com/profilefixture.SortNumbers');
      assert.ok(sort && sort.selfShare > 0.2 && sort.file === 'work.go', JSON.stringify(doc.functions.slice(0, 3)));
      assert.ok(!doc.functions.some((f: { name: string; selfShare: number }) => f.name === 'example.com/profilefixture.Checksum' && f.selfShare > 0));
    });

    it('is refused where no allocation profiler exists, and together with --rev', async () => {
      const dir = workspace({ 'perfpulse.json': config(['python3', 'x.py']), 'x.py': 'print(1)\n' });
      dirs.push(dir);
      const python = await runCli(['profile', 'b', '--alloc', '--workspace', dir, '--no-record']);
      assert.equal(python.code, 2);
      assert.match(python.stderr, /no allocation profiler for "python3 x\.py"/);
      const rev = await runCli(['profile', 'b', '--alloc', '--rev', 'HEAD', '--workspace', dir]);
      assert.equal(rev.code, 2);
      assert.match(rev.stderr, /--alloc and --rev do not go together/);
    });
  });

  describe('exits 2 with one clear line', () => {
    it('when no profiler fits the command', async () => {
      const dir = workspace({ 'perfpulse.json': config(['python3', '-c', 'print(1)']) });
      dirs.push(dir);
      const r = await runCli(['profile', 'b', '--workspace', dir, '--no-record']);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^perf-pulse profile: no profiler fits "python3 -c print\(1\)": cProfile cannot profile "python -c"[^\n]*\n$/);
    });

    it('when the profiler that fits is not installed, with the install command', async () => {
      const bin = mkdtempSync(join(tmpdir(), 'perf-pulse-profile-bin-'));
      dirs.push(bin);
      symlinkSync(['/usr/bin/true', '/bin/true'].find((p) => existsSync(p))!, join(bin, 'true'));
      const dir = workspace({ 'perfpulse.json': config(['true']) });
      dirs.push(dir);
      const r = await runCli(['profile', 'b', '--workspace', dir, '--no-record'], { ...process.env, PATH: bin });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /^perf-pulse profile: no profiler for "true": it needs Valgrind's callgrind, which is not installed; install it with: sudo apt-get install valgrind[^\n]*\n$/);
    });

    it('when a profiler forced in perfpulse.json does not fit, and for an unknown benchmark', async () => {
      const dir = workspace({ 'perfpulse.json': config(['true'], { profiler: 'pprof' }) });
      dirs.push(dir);
      const forced = await runCli(['profile', 'b', '--workspace', dir, '--no-record']);
      assert.equal(forced.code, 2);
      assert.match(forced.stderr, /the pprof profiler fits only "go test -bench …" commands, not "true"/);
      const unknown = await runCli(['profile', 'nope', '--workspace', dir, '--no-record']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /perfpulse\.json: no benchmark named "nope"; configured: b\n$/);
    });

    it('for a wrong option, worded as every command words it, and nothing runs', async () => {
      const dir = workspace({ 'perfpulse.json': config(['touch', 'ran']) });
      dirs.push(dir);
      // An option where a value belongs is a missing value, not the value.
      const rev = await runCli(['profile', 'b', '--workspace', dir, '--rev', '--json']);
      assert.equal(rev.code, 2);
      assert.equal(rev.stderr, 'perf-pulse profile: option --rev needs a value (see `perf-pulse profile --help`)\n');
      const flag = await runCli(['profile', 'b', '--workspace', dir, '--json=yes']);
      assert.equal(flag.stderr, 'perf-pulse profile: option --json takes no value (see `perf-pulse profile --help`)\n');
      const two = await runCli(['profile', 'b', 'c', '--workspace', dir]);
      assert.equal(two.stderr, 'perf-pulse profile: give exactly one benchmark NAME (see `perf-pulse profile --help`)\n');
      assert.deepEqual(readdirSync(dir), ['perfpulse.json']);
    });

    it('when the profiler setting is not one the schema knows', async () => {
      const dir = workspace({ 'perfpulse.json': config(['true'], { profiler: 'perf' }) });
      dirs.push(dir);
      const r = await runCli(['profile', 'b', '--workspace', dir]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /perfpulse\.json:\d+:\d+: benchmarks\.0\.profiler must be one of "auto", "v8", "pprof", "cprofile", "callgrind"/);
    });
  });

  it('starts nothing while the program gate is closed (an untrusted workspace)', async () => {
    const dir = workspace({ 'perfpulse.json': config(['touch', 'ran']) });
    dirs.push(dir);
    setProgramGate(() => 'the workspace is not trusted');
    try {
      await assert.rejects(captureProfile({ name: 'b', command: ['node', '-e', 'require("fs").writeFileSync("ran", "")'] }, { workspace: dir }), ProgramRefusedError);
    } finally {
      setProgramGate(undefined);
    }
    assert.deepEqual(readdirSync(dir), ['perfpulse.json']);
  });
});
