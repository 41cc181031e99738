import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { commands } from '../../src/cli/commands';
import { FORMAT_MODULES, ParseError, detectFormat, makeInput, parseText } from '../../src/core/parsers';
import type { Measurement } from '../../src/core/model';
import { seededRandom, type Random } from '../../src/core/stats/random';
import { recordsFromMeasurements } from '../../src/core/store/import';
import { HistoryStore } from '../../src/core/store/history-store';
import { CliBundle, STACK_LINE } from './cli/cli-bundle';
import { printable } from '../../src/cli/problems';

/**
 * A seeded fuzz test over every parser (src/core/parsers/index.ts) and every CLI command
 * (src/cli/commands/index.ts). Inputs: the real fixtures mutated (characters flipped, slices cut,
 * duplicated or deleted, hostile strings and huge numbers put in), truncated, random bytes, deep
 * nesting. Parsers must return well-formed measurements or throw ParseError (never a TypeError or
 * RangeError); each CLI command, run as a child process, must exit 0, 1 or 2, and when it fails say so in one line `perf-pulse <command>: …`
 * with no stack trace.
 */
const SEED = 20261203;
const PARSER_INPUTS = 1200;
const CLI_RUNS = 150;
const CLI_CONCURRENCY = 3;
/** Ad-hoc `run -- CMD…` invocations, beyond the configured-benchmark runs. */
const AD_HOC_RUNS = 20;
/** The history files the CLI runs see damaged. */
const DAMAGED_FILES = /\.(seg|bin)$/;

const FIXTURE_DIR = path.join(__dirname, '../fixtures/reference');

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return fs.statSync(p).isDirectory() ? filesUnder(p) : name === 'README.md' ? [] : [p];
  });
}

const FIXTURES = filesUnder(FIXTURE_DIR)
  .sort()
  .map((file) => ({ name: path.relative(FIXTURE_DIR, file), text: fs.readFileSync(file, 'utf8') }));

/** Names that break code indexing plain objects, Markdown, HTML, XML, terminals and command lines. */
const HOSTILE = [
  '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf',
  '<script>alert(1)</script>', '| a | `b` **c** [d](javascript:e) <img src=x onerror=f>', ']]>', '</failure>',
  '\u0000', '\u202e\u0007\u001b[31m', '\ud800', '😀', '\r\n', '--output=/tmp/perf-pulse-fuzz-owned', '$(touch perf-pulse-fuzz-owned)',
  '../../../../etc/passwd', '&bogus;&#0;&#x110000;', '%s%n%x', 'a'.repeat(70_000),
];
const HUGE = ['1e308', '-1e308', '1e999', '-1e999', '-0', '9007199254740993', '123456789012345678901234567890', '1e-320', '-1', '-5e3', 'NaN', 'Infinity', '0'];

/** Hostile strings that may name an output file: none that climbs out of the run's folder (the tests may run as root). */
const HOSTILE_PLACES = HOSTILE.filter((h) => !h.includes('\u0000') && !h.includes('..') && !h.startsWith('/') && h.length < 1000);

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)];
const int = (random: Random, max: number): number => Math.floor(random() * max);

function randomText(random: Random, length: number): string {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = int(random, 256);
  return random() < 0.5 ? bytes.toString('utf8') : bytes.toString('latin1');
}

/** Replaces a random JSON string or number leaf with a hostile string or a huge number, keeping the rest. */
function mutateJsonLeaves(random: Random, text: string): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  const raw: string[] = [];
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string' && random() < 0.2) return pick(random, HOSTILE);
    if (typeof node === 'number' && random() < 0.2) {
      raw.push(pick(random, HUGE));
      return `\u0001RAW${raw.length - 1}\u0001`;
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[random() < 0.05 ? pick(random, HOSTILE) : k] = walk(v);
      return out;
    }
    return node;
  };
  // Numbers JSON cannot hold (1e999, NaN) go in as raw text: parsers meet what JSON.parse makes of them.
  return JSON.stringify(walk(doc)).replace(/"\\u0001RAW(\d+)\\u0001"/g, (_, i) => raw[Number(i)]);
}

function mutate(random: Random, text: string): string {
  let out = text;
  const steps = 1 + int(random, 6);
  for (let s = 0; s < steps; s++) {
    const at = int(random, out.length + 1);
    const len = int(random, Math.max(1, Math.min(400, out.length - at)));
    switch (int(random, 7)) {
      case 0: out = out.slice(0, at) + randomText(random, 1 + int(random, 3)) + out.slice(at + 1); break;
      case 1: out = out.slice(0, at) + pick(random, HOSTILE) + out.slice(at); break;
      case 2: out = out.slice(0, at) + out.slice(at + len); break;
      case 3: out = out.slice(0, at + len) + out.slice(at, at + len) + out.slice(at + len); break;
      case 4: out = out.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/gi, (m) => (random() < 0.15 ? pick(random, HUGE) : m)); break;
      case 5: out = mutateJsonLeaves(random, out) ?? out.replace(/"([^"]{0,40})"/g, (m) => (random() < 0.15 ? `"${pick(random, HOSTILE).replace(/"/g, '')}"` : m)); break;
      default: out = out.slice(0, at); break;
    }
  }
  return out;
}

function deepNesting(depth: number): string[] {
  return [
    '['.repeat(depth) + ']'.repeat(depth),
    '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
    `{"results":[${'{"times":'.repeat(depth)}1${'}'.repeat(depth)}]}`,
    `<testsuites>${'<testsuite name="s">'.repeat(depth)}<testcase name="t" time="1"/>${'</testsuite>'.repeat(depth)}</testsuites>`,
    `<testsuite name="s">${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}</testsuite>`,
  ];
}

/** The inputs every parser sees: mutated fixtures, truncations, random bytes, deep nesting, huge names. */
function parserInputs(random: Random): Array<{ name: string; text: string }> {
  const inputs: Array<{ name: string; text: string }> = [];
  for (const depth of [1000, 100_000]) for (const text of deepNesting(depth)) inputs.push({ name: `nested-${depth}`, text });
  inputs.push({ name: 'huge-name.xml', text: `<testsuite name="${'n'.repeat(60_000)}"><testcase name="${'t'.repeat(60_000)}" time="1"/></testsuite>` });
  inputs.push({ name: 'many-attributes.xml', text: `<testsuite name="s"><testcase name="t" time="1" ${Array.from({ length: 5000 }, (_, i) => `a${i}="${i}"`).join(' ')}/></testsuite>` });
  inputs.push({ name: 'entity.xml', text: '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><testsuite name="&b;"><testcase name="t" time="1"/></testsuite>' });
  while (inputs.length < PARSER_INPUTS) {
    const base = pick(random, FIXTURES);
    const kind = random();
    if (kind < 0.1) inputs.push({ name: `random-bytes`, text: randomText(random, int(random, 4096)) });
    else if (kind < 0.25) inputs.push({ name: `${base.name} (truncated)`, text: base.text.slice(0, int(random, base.text.length)) });
    else inputs.push({ name: `${base.name} (mutated)`, text: mutate(random, base.text) });
  }
  return inputs;
}

function wellFormed(ms: Measurement[], where: string): void {
  assert.ok(Array.isArray(ms), where);
  for (const m of ms) {
    assert.equal(typeof m.series, 'string', where);
    assert.equal(typeof m.unit, 'string', where);
    assert.ok(m.direction === 'smaller' || m.direction === 'bigger', where);
    assert.equal(typeof m.value, 'number', where);
  }
}

describe('fuzz: every parser and every CLI command (seeded)', function () {
  this.timeout(300_000);

  it('the fixtures cover every parser', () => {
    const formats = new Set(FIXTURES.map((f) => detectFormat(f.text, f.name)));
    for (const module of FORMAT_MODULES) assert.ok(formats.has(module.name), `no fixture is read as ${module.name}`);
  });

  it(`${PARSER_INPUTS} inputs: every parser returns measurements or throws ParseError, nothing else`, () => {
    const random = seededRandom(SEED);
    const inputs = parserInputs(random);
    let calls = 0;
    for (const { name, text } of inputs) {
      const input = makeInput(text, name);
      for (const module of FORMAT_MODULES) {
        calls++;
        let detected: unknown;
        try {
          detected = module.detect(input);
        } catch (err) {
          assert.fail(`${module.name}.detect threw ${(err as Error)?.name} on ${name}: ${(err as Error)?.message}`);
        }
        assert.equal(typeof detected, 'boolean');
        try {
          wellFormed(module.parse(input), `${module.name} on ${name}`);
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          assert.ok(err instanceof ParseError, `${module.name}.parse threw ${(err as Error)?.name} on ${name}: ${(err as Error)?.message}`);
        }
      }
      try {
        const result = parseText(text, { fileName: name });
        wellFormed(result.measurements, `parseText on ${name}`);
        assert.ok(result.measurements.every((m) => Number.isFinite(m.value) && !(m.unit === 's' && m.value < 0)), name);
      } catch (err) {
        if (err instanceof assert.AssertionError) throw err;
        assert.ok(err instanceof ParseError, `parseText threw ${(err as Error)?.name} on ${name}`);
        assert.ok(!/could not read as/.test(err.message), `a parser crashed inside parseText on ${name}: ${err.message}`);
      }
    }
    assert.equal(inputs.length, PARSER_INPUTS);
    assert.ok(calls >= PARSER_INPUTS * FORMAT_MODULES.length);
  });

  describe(`${CLI_RUNS} runs of the CLI`, () => {
    let cli: CliBundle;
    let root: string;
    let history: string;
    before(async () => {
      cli = new CliBundle();
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'pp-fuzz-'));
      // A history whose series carry hostile names, for the commands that read one.
      history = path.join(root, 'history');
      const store = await HistoryStore.open(history);
      const names = HOSTILE;
      const measurements: Measurement[] = names.map((name, i) => ({ series: name, unit: 's', direction: 'smaller', value: 0.01 * (i + 1) }));
      for (let run = 0; run < 12; run++) {
        const records = recordsFromMeasurements(measurements.map((m) => ({ ...m, value: m.value * (run < 8 ? 1 : 1.5) })), 'fuzz', { timestamp: Date.UTC(2026, 0, 1 + run), vcs: { commit: run % 2 ? '--output=/tmp/perf-pulse-fuzz-owned' : `${run}`.padStart(40, 'a'), branch: 'main' } });
        await store.append(records);
      }
      await store.close();
    });
    after(() => {
      cli?.dispose();
      if (root) fs.rmSync(root, { recursive: true, force: true });
    });

    /**
     * One command line per run: a command of the registry with a fuzzed file or fuzzed arguments.
     * `exits` lists the codes allowed besides 0, 1 and 2 (trace passes its command's code on).
     */
    function invocations(random: Random): Array<{ args: string[]; cwd: string; exits?: number[] }> {
      const names = Object.keys(commands).sort();
      const out: Array<{ args: string[]; cwd: string; exits?: number[] }> = [];
      for (let i = 0; i < CLI_RUNS; i++) {
        const name = names[i % names.length];
        const cwd = path.join(root, `run-${i}`);
        fs.mkdirSync(cwd);
        const base = pick(random, FIXTURES);
        const kind = random();
        const text = kind < 0.15 ? randomText(random, int(random, 2048)) : kind < 0.3 ? base.text.slice(0, int(random, base.text.length)) : kind < 0.4 ? pick(random, deepNesting(20_000)) : mutate(random, base.text);
        const file = path.join(cwd, path.basename(base.name));
        fs.writeFileSync(file, text);
        const ownHistory = path.join(cwd, 'h');
        const hostile = pick(random, HOSTILE.filter((h) => !h.includes('\u0000') && h.length < 1000));
        const copy = () => {
          fs.cpSync(history, ownHistory, { recursive: true });
          // Damage the copy now and then: a flipped byte in a segment. (A damaged index.bin has
          // its own corruption tests: the store checks the index against the segments.)
          if (random() < 0.3) {
            const files = filesUnder(ownHistory).filter((f) => DAMAGED_FILES.test(f));
            if (files.length) {
              const target = pick(random, files);
              const bytes = fs.readFileSync(target);
              if (bytes.length) bytes[int(random, bytes.length)] ^= 1 + int(random, 255);
              fs.writeFileSync(target, bytes);
            }
          }
          return ownHistory;
        };
        switch (name) {
          case 'parse': out.push({ args: ['parse', file, ...(random() < 0.3 ? ['--format', pick(random, FORMAT_MODULES).name] : [])], cwd }); break;
          case 'import': out.push({ args: ['import', file, '--history', ownHistory, ...(random() < 0.3 ? ['--commit', hostile] : [])], cwd }); break;
          case 'check': out.push({ args: ['check', file, '--history', random() < 0.5 ? copy() : ownHistory, ...(random() < 0.3 ? ['--base-branch', hostile] : [])], cwd }); break;
          case 'detect': {
            const series = { series: [{ id: hostile, direction: 'smaller', values: Array.from({ length: 30 }, (_, k) => (k < 20 ? 1 : 1.3) + random() * 0.01) }] };
            fs.writeFileSync(file, random() < 0.5 ? mutate(random, JSON.stringify(series)) : text);
            out.push({ args: ['detect', file], cwd });
            break;
          }
          case 'report': out.push({ args: ['report', '--history', copy(), '--format', pick(random, ['md', 'json', 'html', 'junit', hostile])], cwd }); break;
          case 'export': out.push({ args: ['export', '--history', copy(), ...(random() < 0.5 ? ['--prometheus', path.join(cwd, 'metrics.prom')] : ['--otlp', pick(random, ['http://127.0.0.1:9', hostile])])], cwd }); break;
          case 'history': out.push({ args: ['history', pick(random, ['list', 'export', 'verify', 'compact', hostile]), '--history', random() < 0.2 ? file : copy()], cwd }); break;
          case 'sync': out.push({ args: ['sync', '--no-push', '--history', copy(), '--remote', hostile], cwd }); break;
          case 'run': {
            const config = { version: 1, benchmarks: [{ name: hostile, command: `${JSON.stringify(process.execPath)} -e 0`, runs: 2, warmup: 0, maxTime: '1s' }] };
            fs.writeFileSync(path.join(cwd, 'perfpulse.json'), random() < 0.7 ? mutate(random, JSON.stringify(config)) : JSON.stringify(config));
            out.push({ args: ['run', '--history', ownHistory], cwd });
            break;
          }
          case 'compare': out.push({ args: ['compare', '--rev', hostile], cwd }); break;
          case 'trace': {
            // Odd options, hostile output places and phases, commands that fail, crash or do not exist.
            fs.mkdirSync(path.join(cwd, 'a-folder'));
            if (random() < 0.5) fs.writeFileSync(path.join(cwd, 'perfpulse.json'), random() < 0.5 ? mutate(random, JSON.stringify({ version: 1, phases: [{ name: hostile, match: hostile }] })) : JSON.stringify({ version: 1, phases: [{ name: hostile, match: 'e' }] }));
            const traced = pick(random, [
              { words: ['true'], exits: [0] },
              { words: ['sh', '-c', 'exit 3'], exits: [3] },
              { words: ['sh', '-c', 'kill -9 $$'], exits: [137] },
              { words: ['./no-such-program', hostile], exits: [] }, // cannot start: exit 2
              { words: [hostile], exits: [] },
            ]);
            const options = [
              ...(random() < 0.6 ? ['--out', pick(random, ['a-folder', `${path.basename(file)}/trace.json`, 'new/deep/trace.json', pick(random, HOSTILE_PLACES), ''])] : []),
              ...(random() < 0.4 ? ['--interval', pick(random, ['0', '0.05', '0.1', '10', '10.5', '-1', 'NaN', '1e9', '.', hostile, ''])] : []),
              ...(random() < 0.2 ? ['--json'] : []),
              ...(random() < 0.2 ? ['--record', hostile, '--history', random() < 0.5 ? file : ownHistory] : []),
              ...(random() < 0.1 ? [pick(random, ['--bogus', '--json=1', '-x', hostile])] : []),
            ];
            out.push({ args: ['trace', ...options, ...(random() < 0.9 ? ['--'] : []), ...(random() < 0.1 ? [] : traced.words)], cwd, exits: traced.exits });
            break;
          }
          default: out.push({ args: [name, file], cwd });
        }
      }
      // Beyond the per-command share: what the registries add, and the ad-hoc run mode.
      let extra = 0;
      const place = () => {
        const cwd = path.join(root, `extra-${extra++}`);
        fs.mkdirSync(cwd);
        fs.mkdirSync(path.join(cwd, 'a-folder'));
        fs.writeFileSync(path.join(cwd, 'a-file'), 'kept');
        return cwd;
      };
      for (const module of FORMAT_MODULES) {
        const cwd = place();
        const base = pick(random, FIXTURES);
        const file = path.join(cwd, path.basename(base.name));
        fs.writeFileSync(file, random() < 0.5 ? mutate(random, base.text) : base.text);
        out.push({ args: ['parse', file, '--format', module.name], cwd });
      }
      for (const unknown of [...HOSTILE.filter((h) => !h.includes('\u0000') && h.length < 1000), 'nosuch', 'Run', 'trace2', '-', '--']) out.push({ args: [unknown, '--help'], cwd: place() });
      for (let i = 0; i < AD_HOC_RUNS; i++) {
        const hostile = pick(random, HOSTILE.filter((h) => !h.includes('\u0000') && h.length < 1000));
        const exportTo = pick(random, ['a-folder', 'a-file/x.json', 'new/deep/x.json', pick(random, HOSTILE_PLACES), '']);
        out.push({
          args: [
            'run',
            ...pick(random, [[], ['--runs', pick(random, ['1', '2', '0', '-1', '1e9', 'x', hostile])], ['--warmup', pick(random, ['0', '-1', 'x'])]]),
            ...(random() < 0.5 ? [pick(random, ['--export-json', '--export-markdown']), exportTo] : []),
            ...(random() < 0.3 ? ['--prepare', pick(random, ['true', 'false', hostile, ''])] : []),
            ...(random() < 0.2 ? ['--history', 'h'] : []),
            '--',
            ...pick(random, [['true'], ['true', 'false'], [hostile], [''], ['sh -c "kill -9 $$"'], []]),
          ],
          cwd: place(),
        });
      }
      return out;
    }

    function runCli(args: string[], cwd: string): Promise<{ code: number | null; stderr: string }> {
      return new Promise((resolve) => {
        const child = spawn(process.execPath, [cli.file, ...args], { cwd, env: { PATH: process.env.PATH, HOME: cwd, PERF_PULSE_STATE_DIR: path.join(cwd, 'state') }, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolve({ code, stderr });
        });
      });
    }

    it('every command exits 0, 1 or 2; a failure is one line naming the problem, never a stack trace', async () => {
      const random = seededRandom(SEED + 1);
      const runs = invocations(random);
      const failures: string[] = [];
      let next = 0;
      const worker = async () => {
        while (next < runs.length) {
          const { args, cwd, exits } = runs[next++];
          const { code, stderr } = await runCli(args, cwd);
          const shown = `perf-pulse ${args.map((a) => JSON.stringify(a.length > 80 ? a.slice(0, 80) + '…' : a)).join(' ')} → exit ${code}: ${stderr.slice(0, 600)}`;
          if (code !== 0 && code !== 1 && code !== 2 && !exits?.includes(code ?? -1)) failures.push(`bad exit code: ${shown}`);
          else if (STACK_LINE.test(stderr)) failures.push(`stack trace: ${shown}`);
          else if (/internal error/.test(stderr)) failures.push(`internal error: ${shown}`);
          else if (code === 2) {
            const messages = stderr.split('\n').filter((l) => /^perf-pulse( [a-z-]+)?: /.test(l) && !/: warning: /.test(l));
            // `run` logs each benchmark's progress and failed runs (`NAME: run 3 exited with code 2`) before its one-line verdict.
            const benchmarks = args[0] === 'run' && args.includes('--') ? args.slice(args.indexOf('--') + 1).map(printable) : [];
            const progress = (l: string) => /^\[\d+\/\d+\] |^warning: |^shell start-up of /.test(l) || benchmarks.some((b) => l.startsWith(`${b}: `));
            const other = stderr.split('\n').filter((l) => l.trim() !== '' && !/^perf-pulse( [a-z-]+)?: /.test(l) && !progress(l));
            if (messages.length === 0 || other.length) failures.push(`not a one-line message: ${shown}`);
          }
        }
      };
      await Promise.all(Array.from({ length: CLI_CONCURRENCY }, worker));
      // Every command and every parser format of the registries was run: a new one is covered without editing this test.
      assert.deepEqual([...new Set(runs.slice(0, CLI_RUNS).map((r) => r.args[0]))].sort(), Object.keys(commands).sort());
      const formats = new Set(runs.filter((r) => r.args[0] === 'parse').map((r) => r.args[r.args.indexOf('--format') + 1]));
      for (const module of FORMAT_MODULES) assert.ok(formats.has(module.name), `parse --format ${module.name} was not run`);
      assert.ok(runs.some((r) => r.args[0] === 'trace') && runs.filter((r) => r.args[0] === 'run' && r.args.includes('--')).length >= AD_HOC_RUNS);
      assert.equal(runs.length, CLI_RUNS + FORMAT_MODULES.length + runs.filter((r) => !(r.args[0] in commands)).length + AD_HOC_RUNS);
      assert.deepEqual(failures, []);
      assert.ok(!fs.existsSync('/tmp/perf-pulse-fuzz-owned'), 'a hostile argument reached a program as an option');
    });
  });
});
