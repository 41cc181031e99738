import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { cpuMinEffect, takeBaseOption } from '../../src/cli/commands/check-base';
import type { BenchmarkResult } from '../../src/core/runner';
import { CliError } from '../../src/cli/cli-types';
import { ConfigError, parseConfigText } from '../../src/core/config';
import { HistoryStore } from '../../src/core/store/history-store';
import { runCli } from './check-fixture';

function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'core.hooksPath=/dev/null', ...args], { cwd: dir, encoding: 'utf8' });
}

const awkProgram = (n: number) => `BEGIN { for (i = 0; i < ${n}; i++) s += i % 7; if (s < 0) print s }\n`;

/** main: an awk loop of 100,000 iterations; branch "slower": the same loop twice as long. */
function makeRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pp-check-base-'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 't@example.com');
  git(dir, 'config', 'user.name', 'T');
  writeFileSync(join(dir, 'work.awk'), awkProgram(100_000));
  writeFileSync(
    join(dir, 'perfpulse.json'),
    JSON.stringify({ benchmarks: [{ name: 'awk', command: 'awk -f work.awk', runs: 8, warmup: 1, metrics: ['time', 'instructions'], instructionRuns: 2 }] }),
  );
  writeFileSync(join(dir, '.gitignore'), 'out/\nhistory/\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'base');
  git(dir, 'checkout', '-q', '-b', 'slower');
  writeFileSync(join(dir, 'work.awk'), awkProgram(200_000));
  git(dir, 'commit', '-q', '-am', 'twice the work');
  return dir;
}

const worktreeLeftovers = () => readdirSync(tmpdir()).filter((n) => n.startsWith('perf-pulse-worktree-'));

describe('takeBaseOption', () => {
  it('takes --base REV, --base=REV and a bare --base (GITHUB_BASE_REF) out of the arguments', () => {
    assert.deepEqual(takeBaseOption(['--base', 'main', '--json', 'x.json'], {}), { candidates: ['main'], rest: ['--json', 'x.json'] });
    assert.deepEqual(takeBaseOption(['--base=v1.2'], {}), { candidates: ['v1.2'], rest: [] });
    assert.deepEqual(takeBaseOption(['--base', '--no-record'], { GITHUB_BASE_REF: 'develop' }), { candidates: ['origin/develop', 'develop'], rest: ['--no-record'] });
    assert.deepEqual(takeBaseOption(['--base'], { GITHUB_BASE_REF: 'main' }), { candidates: ['origin/main', 'main'], rest: [] });
    assert.equal(takeBaseOption(['--json', 'x'], {}), undefined);
    assert.throws(() => takeBaseOption(['--base'], {}), (e: Error) => e instanceof CliError && /GITHUB_BASE_REF, which is not set/.test(e.message));
  });
});

describe('"metrics" in perfpulse.json', () => {
  const config = (metrics: unknown) => JSON.stringify({ benchmarks: [{ name: 'awk', command: 'awk -f w.awk', metrics }] });
  it('accepts time with instructions, and rejects unknown metrics or a list without time, at the offending line', () => {
    assert.deepEqual(parseConfigText(config(['time', 'instructions']), 'perfpulse.json').config.benchmarks[0].metrics, ['time', 'instructions']);
    assert.throws(() => parseConfigText(config(['time', 'cycles']), 'perfpulse.json'), (e: Error) => e instanceof ConfigError && /metrics\.1 must be one of "time", "instructions"/.test(e.message));
    assert.throws(() => parseConfigText(config(['instructions']), 'perfpulse.json'), (e: Error) => e instanceof ConfigError && /metrics/.test(e.message));
  });
});

describe('cpuMinEffect', () => {
  const result = (runs: Array<{ wall: number; user?: number; system?: number }>) => ({ runs: runs.map((r) => ({ ...r, failed: false, exitCode: 0 })) }) as unknown as BenchmarkResult;
  it('is 2% for a CPU-bound program, however busy the machine was in most runs', () => {
    const loaded = result([{ wall: 0.26, user: 0.25, system: 0.005 }, { wall: 0.9, user: 0.26, system: 0.004 }, { wall: 1.2, user: 0.25, system: 0.006 }]);
    assert.equal(cpuMinEffect(loaded, loaded), 0.02);
    // Busy throughout: even the fastest run had 0.6 of a CPU.
    const busy = result([{ wall: 0.42, user: 0.25, system: 0.005 }, { wall: 0.9, user: 0.26, system: 0.004 }]);
    assert.equal(cpuMinEffect(busy, busy), 0.02);
  });
  it('grows as the CPU share shrinks, so a sleeping program is not failed for a trivial CPU change', () => {
    const sleeping = result([{ wall: 0.021, user: 0.0005, system: 0.0005 }, { wall: 0.024, user: 0.0006, system: 0.0005 }]);
    const effect = cpuMinEffect(sleeping, sleeping)!;
    assert.ok(effect > 0.35 && effect < 0.45, String(effect));
  });
  it('is undefined when CPU times are unknown', () => {
    assert.equal(cpuMinEffect(result([{ wall: 0.1 }]), result([{ wall: 0.1 }])), undefined);
  });
});

describe('perf-pulse check --base (interleaved with the base revision)', function () {
  this.timeout(120_000);
  let repo: string;
  before(() => {
    repo = makeRepo();
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  it('fails (exit 1) on a slowdown against the base, says the verdict came from an interleaved comparison, in every output', async () => {
    const before = worktreeLeftovers().length;
    const r = await runCli(['check', '--base', 'main', '--workspace', repo, '--no-record', '--json', 'out/r.json', '--junit', 'out/j.xml', '--report', 'out/r.md'], repo);
    assert.equal(r.code, 1, r.stderr + r.stdout);
    assert.match(r.stdout, /perf-pulse check --base: FAIL \(\d slower against base main \([0-9a-f]{7}\)/);
    const json = JSON.parse(readFileSync(join(repo, 'out/r.json'), 'utf8'));
    assert.equal(json.mode, 'base');
    assert.equal(json.comparison, 'interleaved');
    assert.equal(json.base.commit, git(repo, 'rev-parse', 'main').trim());
    assert.equal(json.status, 'fail');
    const instr = json.comparisons.find((c: { metric: string }) => c.metric === 'instructions');
    assert.equal(instr.verdict, 'slower', instr.message);
    assert.equal(instr.failing, true);
    assert.ok(instr.ratio > 1.8 && instr.ratio < 2.2, String(instr.ratio));
    assert.equal(instr.interval, 'range over runs');
    const time = json.comparisons.find((c: { metric: string }) => c.metric === 'time');
    assert.ok(['slower', 'unknown'].includes(time.verdict), time.message);
    // Measured sequentially: it stops at a scheduled look, and the interval has that look's share of the 1%.
    const confidenceByLook: Record<number, string> = { 16: '99.9%', 32: '99.9%', 64: '99.8%', 96: '99.4%' };
    assert.ok(confidenceByLook[time.pairs], `stopped at a look: ${time.pairs} pairs`);
    assert.ok(time.looks >= 1 && time.looks <= 4, String(time.looks));
    const shown = time.looks === 4 || time.pairs === 96 ? '99.4%' : confidenceByLook[time.pairs];
    assert.equal(time.interval, `${shown} Hodges-Lehmann of per-pair log ratios`, time.message);
    assert.ok(time.message.includes(`(${shown} CI `) && time.message.includes(`over ${time.pairs} interleaved pairs`), time.message);
    assert.equal(time.ratioCi.length, 2);
    const md = readFileSync(join(repo, 'out/r.md'), 'utf8');
    assert.match(md, /interleaved comparison with the base revision\*\* `main`/);
    assert.match(md, /\| awk \| instructions \| [\d,]+ instr\. \| [\d,]+ instr\. \| \+\d+\.\d% \| .* \(range\) \| \*\*slower\*\* \(fails\) \|/);
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(readFileSync(join(repo, 'out/j.xml'), 'utf8'));
    const cases = ([] as Array<Record<string, unknown>>).concat(xml.testsuites.testsuite.testcase);
    assert.ok(cases.find((c) => c['@name'] === 'awk (instructions)')?.failure, 'the instruction case fails');
    assert.equal(worktreeLeftovers().length, before, 'the temporary worktree is removed');
    assert.equal(git(repo, 'worktree', 'list', '--porcelain').match(/^worktree /gm)?.length, 1);
  });

  it('A/A against the same commit: the instruction counts are the same, exit 0; records the working tree unless --no-record', async () => {
    const history = join(repo, 'history');
    const r = await runCli(['check', '--base', 'HEAD', '--workspace', repo, '--history', history, '--json', 'out/aa.json'], repo);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const json = JSON.parse(readFileSync(join(repo, 'out/aa.json'), 'utf8'));
    const instr = json.comparisons.find((c: { metric: string }) => c.metric === 'instructions');
    assert.equal(instr.verdict, 'same', instr.message);
    assert.ok(Math.abs(instr.ratio - 1) < 1e-4, String(instr.ratio));
    const store = await HistoryStore.open(history);
    try {
      const series = store.listSeries();
      const counts = series.find((s) => s.metric === 'instructions');
      assert.ok(counts, 'an instructions series is recorded');
      assert.equal(counts.unit, 'count');
      assert.equal(counts.name, 'awk (instructions)', 'the name says the metric in every message');
      assert.equal(counts.direction, 'smaller');
      assert.ok(series.find((s) => s.metric === 'time'));
    } finally {
      await store.close();
    }
  });

  it('resolves an untrusted REV as a revision only: an option-like REV is an unknown revision (exit 2) and writes nothing', async () => {
    const target = join(repo, 'injected.txt');
    const r = await runCli(['check', `--base=--output=${target}`, '--workspace', repo, '--no-record'], repo);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--base: (unknown|refused) revision "--output=/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one line');
    assert.equal(existsSync(target), false);
  });

  it('a bare --base uses GITHUB_BASE_REF (origin/NAME, else NAME)', async () => {
    const r = await runCli(['check', '--base', '--workspace', repo, '--no-record', '--json', 'out/gh.json'], repo, { GITHUB_BASE_REF: 'main' });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(JSON.parse(readFileSync(join(repo, 'out/gh.json'), 'utf8')).base.rev, 'main');
  });

  it('without Valgrind the instruction metric is a one-line error (exit 2)', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'pp-bin-'));
    try {
      for (const tool of ['git', 'awk', 'sh']) symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), join(bin, tool));
      // The runner starts programs with this process's environment.
      const path = process.env.PATH;
      process.env.PATH = bin;
      const r = await runCli(['check', '--base', 'main', '--workspace', repo, '--no-record'], repo, { PATH: bin }).finally(() => {
        process.env.PATH = path;
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /could not run:\n {2}benchmark "awk": the "instructions" metric needs Valgrind, which is not installed/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('result files cannot be checked against a base', async () => {
    const r = await runCli(['check', '--base', 'main', '--workspace', repo, 'results.json'], repo);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--base measures the configured benchmarks/);
  });
});
