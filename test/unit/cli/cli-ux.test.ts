import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseCommandLine, UsageError } from '../../../src/cli/args';
import type { CliCommand } from '../../../src/cli/cli-types';
import { command as check } from '../../../src/cli/commands/check';
import { command as compare } from '../../../src/cli/commands/compare';
import { command as detect } from '../../../src/cli/commands/detect';
import { command as exportCommand } from '../../../src/cli/commands/export';
import { command as history } from '../../../src/cli/commands/history';
import { command as importCommand } from '../../../src/cli/commands/import';
import { command as parse } from '../../../src/cli/commands/parse';
import { command as report } from '../../../src/cli/commands/report';
import { command as run } from '../../../src/cli/commands/run';
import { command as sync } from '../../../src/cli/commands/sync';
import { colourWanted, paint } from '../../../src/cli/colour';
import { LiveLine } from '../../../src/cli/progress';
import { hyperfineJson, hyperfineMarkdown, meanAndDeviation, relativeSpeeds, relativeSummaryLines } from '../../../src/cli/run-exports';
import { formatSeconds, formatSpread } from '../../../src/core/format';
import { DEFAULT_POLICY, resolvePolicy, type BenchmarkResult } from '../../../src/core/runner';
import { seedHistory, tempDir } from '../check-fixture';
import { CliBundle, isOneLineError } from './cli-bundle';
import { finalScreen, runOnTerminal, withoutColour } from './pty';

const ROOT = path.join(__dirname, '../../..');
const PACKAGE = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
const COMMAND_MODULES: Record<string, CliCommand> = { check, compare, detect, export: exportCommand, history, import: importCommand, parse, report, run, sync };
const COMMANDS = Object.keys(COMMAND_MODULES).sort();

/** A result as the runner returns it, from its successful wall times. */
function result(name: string, samples: number[]): BenchmarkResult {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    name,
    unit: 's',
    runs: samples.map((wall) => ({ wall, user: wall / 2, system: wall / 4, exitCode: 0, failed: false })),
    samples,
    summary: { n: samples.length, median: sorted[Math.floor(sorted.length / 2)], mean: samples.reduce((a, b) => a + b, 0) / samples.length, min: sorted[0], max: sorted[sorted.length - 1], mad: 0, p90: 0, p95: 0, p99: 0, outliers: 0 },
    failedRuns: 0,
    outlierIndices: [],
    memoryMethod: 'none',
    cpuMethod: 'exact',
    launcher: 'native',
    shell: false,
    warnings: [],
    vcs: {},
    machine: {} as BenchmarkResult['machine'],
    loadAverage: [],
    timestamp: 0,
  };
}

describe('CLI argument layer (parseCommandLine)', () => {
  const specs = { runs: { type: 'string' as const, short: 'r' }, json: { type: 'boolean' as const }, series: { type: 'string' as const, multiple: true } };
  const problem = (argv: string[], rules = {}) => {
    try {
      parseCommandLine(argv, specs, rules);
    } catch (err) {
      assert.ok(err instanceof UsageError, String(err));
      return err.message;
    }
    return undefined;
  };

  it('words every mistake the same way', () => {
    assert.equal(problem(['--nope']), 'unknown option --nope');
    assert.equal(problem(['-x']), 'unknown option -x');
    assert.equal(problem(['--runs']), 'option --runs needs a value');
    assert.equal(problem(['--runs=']), 'option --runs needs a value');
    assert.equal(problem(['--runs', '--json']), 'option --runs needs a value');
    assert.equal(problem(['-r']), 'option --runs needs a value');
    assert.equal(problem(['--json=yes']), 'option --json takes no value');
    assert.equal(problem(['a', 'b'], { maxPositionals: 1 }), 'unexpected argument b');
    assert.equal(problem(['--', 'cmd']), 'unexpected argument cmd');
  });

  it('reads values, short names, repeated options, and what follows --', () => {
    const parsed = parseCommandLine(['-r', '3', '--series', 'a', '--series=b', 'x', '--json', '--', 'sleep 1', '--runs'], specs, { allowDashes: true });
    assert.deepEqual({ ...parsed.values }, { runs: '3', series: ['a', 'b'], json: true });
    assert.deepEqual(parsed.positionals, ['x']);
    assert.deepEqual(parsed.afterDashes, ['sleep 1', '--runs']);
    assert.equal(parseCommandLine(['--runs=-1'], specs).values.runs, '-1', 'a value that starts with a dash is given with =');
    assert.equal(Object.getPrototypeOf(parsed.values), null);
  });
});

describe('one duration formatter', () => {
  it('scales ns, µs, ms, s and min with three significant digits, and puts a spread in its value\'s unit', () => {
    assert.deepEqual([4.2e-8, 8.5e-4, 0.2146, 1.2449, 42.5, 125].map(formatSeconds), ['42 ns', '850 µs', '215 ms', '1.24 s', '42.5 s', '2 min 5 s']);
    assert.equal(formatSpread(0.2146, 0.00321), '215 ms ± 3.21 ms');
    assert.equal(formatSpread(1.5, 0.0004), '1.5 s ± 0.0004 s');
  });
});

describe('colour and progress decisions', () => {
  it('colour: on a terminal unless NO_COLOR or TERM=dumb; FORCE_COLOR forces it either way', () => {
    assert.equal(colourWanted(true, {}), true);
    assert.equal(colourWanted(false, {}), false);
    assert.equal(colourWanted(true, { NO_COLOR: '1' }), false);
    assert.equal(colourWanted(true, { NO_COLOR: '' }), true, 'an empty NO_COLOR is not set (no-color.org)');
    assert.equal(colourWanted(true, { TERM: 'dumb' }), false);
    assert.equal(colourWanted(false, { FORCE_COLOR: '1' }), true);
    assert.equal(colourWanted(true, { FORCE_COLOR: '0' }), false);
    assert.equal(colourWanted(false, { FORCE_COLOR: '1', NO_COLOR: '1' }), true);
  });

  it('the live line counts runs against the policy and the time left from the runs so far', () => {
    let now = 0;
    let written = '';
    const line = new LiveLine({ write: (t) => (written += t), columns: () => 200, paint: paint(false), now: () => now });
    line.begin('sort', resolvePolicy({ runs: 10 }));
    line.update({ benchmark: 'sort', index: 0, total: 1, phase: 'measure', run: 0, samples: [] });
    assert.equal(line.text(), 'sort  0/10 runs');
    now = 2000;
    line.update({ benchmark: 'sort', index: 0, total: 1, phase: 'measure', run: 2, samples: [0.9, 1.1] });
    // Two runs in 2 s: 8 left at 1 s each.
    assert.equal(line.text(), 'sort  2/10 runs  median 1 s ± 0.148 s  ETA 8 s');
    now = 5000;
    assert.match(line.text()!, /ETA 5 s$/, 'the time left counts down between runs');
    line.dispose();
    assert.ok(written.endsWith('\r\u001b[2K'), 'the line is erased at the end');

    const adaptive = new LiveLine({ write: () => undefined, columns: () => 200, paint: paint(false), now: () => now });
    now = 0;
    adaptive.begin('fast', DEFAULT_POLICY);
    adaptive.update({ benchmark: 'fast', index: 0, total: 1, phase: 'measure', run: 0, samples: [] });
    now = 100;
    adaptive.update({ benchmark: 'fast', index: 0, total: 1, phase: 'measure', run: 10, samples: Array(10).fill(0.01) });
    // 10 ms a run: the 3 s minimum takes about 300 runs.
    assert.match(adaptive.text()!, /^fast {2}10\/~300 runs {2}median 10 ms ± 0 ms {2}ETA 3 s$/);
    adaptive.dispose();
  });
});

describe('ad-hoc summary and exports (hyperfine\'s shapes and arithmetic)', () => {
  const a = result('cmd a', [0.1, 0.102, 0.098, 0.1]);
  const b = result('cmd b', [0.142, 0.145, 0.139, 0.142]);

  it('"ran N ± d times faster than": the ratio of means, its error propagated from both standard deviations', () => {
    const sd = (xs: number[]) => {
      const m = xs.reduce((s, x) => s + x, 0) / xs.length;
      return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
    };
    const [ra, rb] = relativeSpeeds([b, a]).sort((x, y) => x.ratio - y.ratio);
    assert.equal(ra.name, 'cmd a');
    assert.equal(ra.ratio, 1);
    const ratio = 0.142 / 0.1;
    assert.ok(Math.abs(rb.ratio - ratio) < 1e-12);
    const expected = ratio * Math.sqrt((sd(b.samples) / 0.142) ** 2 + (sd(a.samples) / 0.1) ** 2);
    assert.ok(Math.abs(rb.stddev! - expected) < 1e-12);
    assert.deepEqual(relativeSummaryLines([b, a]), [`'cmd a' ran 1.42 ± ${expected.toFixed(2)} times faster than 'cmd b'`]);
    assert.deepEqual(relativeSummaryLines([result('one', [1])]), []);
    assert.deepEqual(relativeSummaryLines([result('x', [1]), result('y', [2])]), ["'x' ran 2.00 times faster than 'y'"], 'one run each: no deviation to propagate');
  });

  it('says what hyperfine 1.15.0 said about the same times (summary lines, Markdown export, mean and σ)', () => {
    const dir = path.join(ROOT, 'test/fixtures/hyperfine-summary');
    const exported = JSON.parse(fs.readFileSync(path.join(dir, 'export.json'), 'utf8')) as { results: Array<{ command: string; mean: number; stddev: number; times: number[] }> };
    const results = exported.results.map((r) => result(r.command, r.times));
    for (const [i, r] of exported.results.entries()) {
      const ours = meanAndDeviation(r.times);
      assert.ok(Math.abs(ours.mean - r.mean) < 1e-12 && Math.abs(ours.stddev! - r.stddev) < 1e-12, r.command);
      assert.equal(results[i].summary.min, Math.min(...r.times));
    }
    const printed = fs.readFileSync(path.join(dir, 'summary.txt'), 'utf8');
    const fastest = /^ {2}(.+) ran$/m.exec(printed)![1];
    const theirs = [...printed.matchAll(/^ {4}(.+) times faster than (.+)$/gm)].map((m) => `${fastest} ran ${m[1]} times faster than ${m[2]}`);
    assert.equal(theirs.length, 2);
    assert.deepEqual(relativeSummaryLines(results), theirs);
    assert.equal(hyperfineMarkdown(results), fs.readFileSync(path.join(dir, 'export.md'), 'utf8'));
  });

  it('--export-json and --export-markdown have hyperfine\'s fields and table', () => {
    const json = JSON.parse(hyperfineJson([a, b]));
    assert.deepEqual(Object.keys(json.results[0]), ['command', 'mean', 'stddev', 'median', 'user', 'system', 'min', 'max', 'times', 'exit_codes']);
    assert.equal(json.results[1].command, 'cmd b');
    assert.deepEqual(json.results[1].times, b.samples);
    assert.deepEqual(json.results[1].exit_codes, [0, 0, 0, 0]);
    const md = hyperfineMarkdown([a, result('a | `b`', [0.2, 0.2])]).split('\n');
    assert.equal(md[0], '| Command | Mean [ms] | Min [ms] | Max [ms] | Relative |');
    assert.equal(md[1], '|:---|---:|---:|---:|---:|');
    assert.match(md[2], /^\| `cmd a` \| 100\.0 ± 1\.6 \| 98\.0 \| 102\.0 \| 1\.00 \|$/);
    assert.match(md[3], /^\| `` a \\\| `b` `` \| 200\.0 ± 0\.0 \| 200\.0 \| 200\.0 \| 2\.00 ± 0\.03 \|$/);
  });
});

describe('the CLI as users run it (bundled, real processes, a real terminal)', function () {
  this.timeout(240_000);
  let cli: CliBundle;
  let tmp: ReturnType<typeof tempDir>;
  const env = (extra: NodeJS.ProcessEnv = {}) => ({ PATH: process.env.PATH, HOME: cli.dir, PERF_PULSE_STATE_DIR: path.join(cli.dir, 'state'), TERM: 'xterm-256color', ...extra });
  before(() => {
    cli = new CliBundle();
    tmp = tempDir('pp-cli-ux-');
  });
  after(() => {
    cli.dispose();
    tmp.dispose();
  });

  it('every command words unknown options and missing values the same way: one line, exit 2', () => {
    const valued: Record<string, string[]> = {
      check: ['--report'],
      compare: ['--runs'],
      export: ['--job'],
      history: ['list', '--workspace'],
      import: ['--commit'],
      parse: ['--format'],
      report: ['--format'],
      run: ['--runs'],
      sync: ['--remote'],
    };
    for (const name of COMMANDS) {
      const unknown = cli.run([name, '--no-such-flag'], { cwd: tmp.dir });
      assert.equal(unknown.code, 2, name);
      assert.equal(unknown.stderr, `perf-pulse ${name}: unknown option --no-such-flag (see \`perf-pulse ${name} --help\`)\n`);
      const args = valued[name];
      if (!args) continue;
      const missing = cli.run([name, ...args], { cwd: tmp.dir });
      assert.equal(missing.code, 2, name);
      assert.equal(missing.stderr, `perf-pulse ${name}: option ${args[args.length - 1]} needs a value (see \`perf-pulse ${name} --help\`)\n`);
    }
  });

  it('--help lists every command with its summary; help CMD and CMD --help print that command\'s usage; --version is the package\'s', () => {
    const help = cli.run(['--help']);
    assert.equal(help.code, 0);
    for (const name of COMMANDS) {
      const command = COMMAND_MODULES[name];
      assert.match(help.stdout, new RegExp(`^  ${name} +${command.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
      const viaHelp = cli.run(['help', name]);
      assert.equal(viaHelp.code, 0);
      assert.equal(viaHelp.stdout, command.usage);
      assert.equal(cli.run([name, '--help']).stdout, command.usage);
    }
    const unknown = cli.run(['help', 'nope']);
    assert.equal(unknown.code, 2);
    assert.ok(isOneLineError(unknown.stderr), unknown.stderr);
    const version = cli.run(['--version']);
    assert.equal(version.stdout, `perf-pulse ${PACKAGE.version}\n`);
    assert.equal(cli.run(['-V']).stdout, version.stdout);
  });

  it('EPIPE: a reader that stops early (| head) ends the CLI quietly with exit 0', async () => {
    const history = path.join(tmp.dir, 'big-history');
    await seedHistory(history, Array.from({ length: 60 }, (_, i) => ({ name: `series ${i}`, levels: Array(40).fill(0.01) })));
    const r = spawnSync('bash', ['-c', `node "${cli.file}" history export --format csv --history "${history}" | head -n 2; echo "exit=\${PIPESTATUS[0]}" >&2`], { env: env(), encoding: 'utf8' });
    assert.equal(r.stdout.split('\n').length, 3, r.stdout.slice(0, 300));
    assert.equal(r.stderr, 'exit=0\n');
  });

  it('history list prints durations as run does (215 ms, not 0.2146 s)', async () => {
    const history = path.join(tmp.dir, 'h-list');
    await seedHistory(history, [{ name: 'sort', levels: [0.2146] }]);
    const r = cli.run(['history', 'list', '--history', history]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\S+ +sort +time +1 +21\d ms +/m);
  });

  it('check --base takes --comment, --github-token and --no-annotations as check does', () => {
    const r = cli.run(['check', '--base', 'HEAD', '--comment', '--github-token', 't', '--no-annotations', '--no-record', '--bogus'], { cwd: tmp.dir });
    assert.equal(r.stderr, 'perf-pulse check: unknown option --bogus (see `perf-pulse check --help`)\n', 'only the unknown option is refused');
  });

  describe('run', () => {
    let ws: string;
    before(() => {
      ws = path.join(tmp.dir, 'ws');
      fs.mkdirSync(ws);
    });

    it('on a terminal: a live line per benchmark (runs, median ± MAD, ETA) redrawn in place, leaving a clean table and the summary', () => {
      const r = runOnTerminal(['node', cli.file, 'run', '--runs', '4', '--', 'sleep 0.1', 'sleep 0.3'], { env: env(), cwd: ws });
      assert.equal(r.code, 0, r.output);
      const raw = withoutColour(r.output);
      assert.match(raw, /\r\u001b\[2Ksleep 0\.1 {2}[1-3]\/4 runs {2}median \d+(\.\d+)? ms( ± [\d.]+ ms)? {2}ETA \d+ (s|ms)/, 'a live line was drawn in place');
      assert.match(r.output, /\u001b\[1m/, 'colour on a terminal');
      const screen = finalScreen(r.output);
      assert.ok(!screen.some((l) => /ETA|warm-up|\/4 runs/.test(l)), `no progress left behind:\n${screen.join('\n')}`);
      const header = screen.findIndex((l) => /^benchmark +median +± MAD +min +max +runs/.test(l));
      assert.ok(header >= 0, screen.join('\n'));
      assert.match(screen[header + 1], /^sleep 0\.1 +[\d.]+ ms +/);
      assert.match(screen[header + 2], /^sleep 0\.3 +[\d.]+ ms +/);
      assert.equal(screen[header + 4], 'Summary');
      assert.match(screen[header + 5], /^ {2}'sleep 0\.[13]' ran \d+\.\d\d ± \d+\.\d\d times faster than 'sleep 0\.[13]'$/);
      assert.ok(!fs.existsSync(path.join(ws, '.perfpulse')) && !fs.existsSync(path.join(cli.dir, 'state', 'history')), 'ad-hoc runs are not recorded');
    });

    it('on a terminal with NO_COLOR: no colour; with stdout piped or under CI: no live line', () => {
      const plain = runOnTerminal(['node', cli.file, 'run', '-r', '3', '--', 'sleep 0.05'], { env: env({ NO_COLOR: '1' }), cwd: ws });
      assert.equal(plain.code, 0, plain.output);
      assert.doesNotMatch(plain.output, /\u001b\[[0-9;]*m/);
      assert.match(plain.output, /runs {2}median/);
      // `perf-pulse run | tee log`: stderr is still the terminal, stdout is not: no live line either.
      const teed = runOnTerminal(['sh', '-c', `node "${cli.file}" run -r 3 -- 'sleep 0.05' | cat`], { env: env(), cwd: ws });
      assert.equal(teed.code, 0, teed.output);
      assert.doesNotMatch(teed.output, /\u001b\[2K|ETA|runs {2}median/);
      assert.match(teed.output, /^sleep 0\.05 +[\d.]+ ms/m);
      const ci = runOnTerminal(['node', cli.file, 'run', '-r', '3', '--', 'sleep 0.05'], { env: env({ CI: 'true' }), cwd: ws });
      assert.equal(ci.code, 0, ci.output);
      assert.doesNotMatch(ci.output, /\u001b\[2K|ETA|runs {2}median/);
      assert.match(ci.output, /\[1\/1\] sleep 0\.05…/);
    });

    it('piped: no live line and no colour, unless FORCE_COLOR', () => {
      const piped = cli.run(['run', '-r', '3', '--', 'sleep 0.05'], { cwd: ws, env: env() });
      assert.equal(piped.code, 0, piped.stderr);
      assert.doesNotMatch(piped.stdout + piped.stderr, /\u001b/);
      assert.match(piped.stdout, /^sleep 0\.05 +[\d.]+ ms/m);
      const forced = cli.run(['run', '-r', '3', '--', 'sleep 0.05'], { cwd: ws, env: env({ FORCE_COLOR: '1' }) });
      assert.match(forced.stdout, /\u001b\[1mbenchmark/);
      assert.doesNotMatch(forced.stderr, /\u001b\[2K|ETA/);
    });

    it('ad hoc: --runs, --warmup, --prepare, --export-json (read back as hyperfine) and --export-markdown', () => {
      const counter = path.join(ws, 'prepared');
      const r = cli.run(['run', '--runs', '3', '--warmup', '2', '--prepare', `sh -c 'echo x >> ${counter}'`, '--export-json', 'out/r.json', '--export-markdown', 'out/r.md', '--', 'sleep 0.02', 'true'], { cwd: ws, env: env() });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(fs.readFileSync(counter, 'utf8').split('\n').filter(Boolean).length, 2 * (3 + 2), 'prepare before each warm-up and measured run');
      const json = JSON.parse(fs.readFileSync(path.join(ws, 'out/r.json'), 'utf8'));
      assert.deepEqual(json.results.map((x: { command: string; times: number[] }) => [x.command, x.times.length]), [['sleep 0.02', 3], ['true', 3]]);
      const md = fs.readFileSync(path.join(ws, 'out/r.md'), 'utf8');
      assert.match(md, /^\| `sleep 0\.02` \| [\d.]+ ± [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ ± [\d.]+ \|$/m);
      assert.match(md, /^\| `true` \| [\d.]+ ± [\d.]+ \| [\d.]+ \| [\d.]+ \| 1\.00 \|$/m, 'true is the fastest');
      assert.match(r.stdout, /^ {2}'true' ran \d+\.\d\d ± \d+\.\d\d times faster than 'sleep 0\.02'$/m);
      const parsed = cli.run(['parse', 'out/r.json'], { cwd: ws, env: env() });
      assert.equal(parsed.code, 0, parsed.stderr);
      assert.equal(JSON.parse(parsed.stdout).format, 'hyperfine');
    });

    it('ad hoc mistakes are usage errors', () => {
      const cases: Array<[string[], string]> = [
        [['run', '--'], 'expected at least one command after --'],
        [['run', 'name', '--', 'true'], 'give benchmark names or ad-hoc commands after --, not both (got name)'],
        [['run', '--history', 'h', '--', 'true'], 'ad-hoc commands are not recorded: --history goes with configured benchmarks'],
        [['run', '--runs', '0', '--', 'true'], '--runs must be a whole number of at least 1 (got "0")'],
      ];
      for (const [argv, message] of cases) {
        const r = cli.run(argv, { cwd: ws, env: env() });
        assert.equal(r.code, 2);
        assert.ok(r.stderr.startsWith(`perf-pulse run: ${message}`), r.stderr);
        assert.ok(isOneLineError(r.stderr), r.stderr);
      }
    });
  });
});
