// Series and benchmark names are user data: `toString`, `constructor`, `__proto__` and the
// like, random unicode, HTML and Markdown specials go through import (parsers → store), the
// analysis the editor shows, every report format, `check` (the built CLI as a child process)
// and the webview's data shaping. Nothing throws, exit codes stay 0 or 1 (2 only for a
// refused input, with one line and no stack trace), and every name comes back intact.
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { loadConfig } from '../../src/core/config';
import { toOtlpRequest } from '../../src/core/export/otlp';
import { analyzeStore } from '../../src/core/findings/from-store';
import type { RunRecord } from '../../src/core/model';
import { parseQuantity } from '../../src/core/config/quantity';
import { normaliseUnit } from '../../src/core/parsers/units';
import { seededRandom, type Random } from '../../src/core/stats/random';
import { HistoryStore } from '../../src/core/store/history-store';
import { importFile } from '../../src/core/store/import';
import { recordLine } from '../../src/core/share/note-format';
import { sourceKindOf } from '../../src/extension/trends/shaping';
import { packDetail, unpackDetail } from '../../src/protocol/trends-packing';
import type { SeriesDetail, SeriesOverview } from '../../src/protocol/trends';
import { groupOverview, matchesSearch, queryOverview } from '../../webview/src/overview-model';
import { samplesAround, tempDir } from './check-fixture';

const repoRoot = join(__dirname, '../..');
const CLI = join(repoRoot, 'dist/cli.js');

/** Names an object inherits, and the ones that change an object when assigned. */
export const PROTOTYPE_NAMES = [
  'toString', 'constructor', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__',
  'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__lookupGetter__',
];

const PIECES = [
  ...PROTOTYPE_NAMES,
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '&amp;', '"q"', "it's", '|', '*b*', '_i_', '`c`', '# h', '[l](u)', '~~s~~', '$m$', '\\',
  'é', '日本語', '😀', '\u200b', 'עברית', 'Ω≈ç', 'a', 'sort', '-', '1.', ' ',
];

/** The prototype names, then `count` random names built from hostile pieces, all distinct and trimmed. */
export function hostileNames(random: Random, count: number): string[] {
  const names = new Set(PROTOTYPE_NAMES);
  while (names.size < PROTOTYPE_NAMES.length + count) {
    const parts = 1 + Math.floor(random() * 4);
    let name = '';
    for (let i = 0; i < parts; i++) name += PIECES[Math.floor(random() * PIECES.length)];
    name = name.trim();
    if (name) names.add(name);
  }
  return [...names];
}

const xml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
/** What a CommonMark reader sees in escaped text. */
const unescapeMarkdown = (text: string) => text.replace(/\\([!-/:-@[-`{-~])/g, '$1');
const decodeHtml = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

function newestSource(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const file = join(dir, name);
    const stat = statSync(file);
    newest = Math.max(newest, stat.isDirectory() ? newestSource(file) : stat.mtimeMs);
  }
  return newest;
}

function cli(args: string[], cwd: string): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertNoStack(stderr: string, what: string): void {
  assert.doesNotMatch(stderr, /^\s+at .+[:(]\d+/m, `${what} printed a stack trace:\n${stderr}`);
}

function hyperfine(file: string, names: string[], level: (i: number) => number, seed: number): void {
  const results = names.map((name, i) => {
    const times = samplesAround(level(i), 12, seed * 1000 + i);
    return { command: name, mean: times.reduce((a, b) => a + b, 0) / times.length, stddev: 0, median: times[6], min: Math.min(...times), max: Math.max(...times), times };
  });
  writeFileSync(file, JSON.stringify({ results }));
}

describe('hostile series names everywhere (seeded property test)', function () {
  this.timeout(240_000);
  const random = seededRandom(20261203);
  const names = hostileNames(random, 30);
  let tmp: ReturnType<typeof tempDir>;
  let ws: string;
  let history: string;

  before(() => {
    tmp = tempDir('pp-hostile-');
    ws = join(tmp.dir, 'ws');
    mkdirSync(ws);
    history = join(tmp.dir, 'history');
    // The CLI is tested as shipped: dist/cli.js, rebuilt when any source is newer.
    if (!existsSync(CLI) || statSync(CLI).mtimeMs < Math.max(newestSource(join(repoRoot, 'src')), newestSource(join(repoRoot, 'webview/src')))) {
      execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'ignore' });
    }
    // Benchmarks named by the hostile names (all but one prototype name, to look that one up absent),
    // every other one with a budget, and a global budget whose pattern is a prototype name.
    const configured = names.filter((n) => n !== 'isPrototypeOf');
    writeFileSync(
      join(ws, 'perfpulse.json'),
      JSON.stringify({
        version: 1,
        benchmarks: configured.map((name, i) => ({ name, command: 'true', ...(i % 2 === 0 ? { budget: { max: '1s' } } : {}) })),
        budgets: [{ series: 'valueOf*', max: '2s' }],
      }),
    );
    hyperfine(join(ws, 'hyperfine.json'), names, () => 0.01, 1);
  });
  after(() => tmp.dispose());

  it('import: every parser that carries names hands them to the store intact (hyperfine, Bencher BMF, custom JSON, JUnit)', async () => {
    // Bencher: names are object keys, and so are measure names: `__proto__` must be a key, not a prototype.
    const bmf = '{' + names.map((n, i) => `${JSON.stringify(n)}:{"latency":{"value":${1e6 + i}},"__proto__":{"value":3},"constructor":{"value":4}}`).join(',') + '}';
    writeFileSync(join(ws, 'bmf.json'), bmf);
    writeFileSync(join(ws, 'custom.json'), JSON.stringify(names.map((name, i) => ({ name, unit: PROTOTYPE_NAMES[i % PROTOTYPE_NAMES.length], value: i + 1 }))));
    writeFileSync(
      join(ws, 'junit.xml'),
      `<?xml version="1.0"?>\n<testsuites><testsuite name="suite" tests="${names.length}">\n` +
        names.map((n, i) => `<testcase classname="suite" name="${xml(n)}" time="${(i + 1) / 100}"/>`).join('\n') +
        '\n</testsuite></testsuites>\n',
    );

    const records: RunRecord[] = [];
    const hf = await importFile(join(ws, 'hyperfine.json'));
    assert.deepEqual(hf.records.map((r) => r.name), names);
    records.push(...hf.records);

    const b = await importFile(join(ws, 'bmf.json'), { format: 'bencher-bmf' });
    for (const name of names) {
      assert.equal(b.records.find((r) => r.name === name)?.unit, 's', `latency of ${JSON.stringify(name)}`);
      const proto = b.records.find((r) => r.name === `${name} (__proto__)`);
      assert.ok(proto && proto.unit === '__proto__' && proto.value === 3, `the __proto__ measure of ${JSON.stringify(name)}: ${JSON.stringify(proto)}`);
      const ctor = b.records.find((r) => r.name === `${name} (constructor)`);
      assert.ok(ctor && ctor.unit === 'constructor' && ctor.value === 4 && ctor.metric === 'constructor');
    }
    records.push(...b.records);

    const custom = await importFile(join(ws, 'custom.json'), { format: 'gab-custom-smaller' });
    custom.records.forEach((r, i) => {
      assert.equal(r.name, names[i]);
      assert.equal(r.unit, PROTOTYPE_NAMES[i % PROTOTYPE_NAMES.length], 'an unknown unit keeps its own string');
      assert.equal(r.value, i + 1, 'and its value');
    });
    records.push(...custom.records);

    const junit = await importFile(join(ws, 'junit.xml'));
    for (const name of names) assert.ok(junit.records.some((r) => r.name.endsWith(name)), `JUnit test ${JSON.stringify(name)}`);
    records.push(...junit.records);

    for (const r of records) assert.ok(Number.isFinite(r.value), `${r.name}: ${r.value}`);
    const store = await HistoryStore.open(history);
    await store.append(records);
    await store.close();
    const reopened = await HistoryStore.open(history);
    const stored = new Set(reopened.listSeries().map((s) => s.name));
    await reopened.close();
    for (const r of records) assert.ok(stored.has(r.name), `stored: ${JSON.stringify(r.name)}`);
  });

  it('the analysis the editor shows: config lookups, budgets and findings by name', async () => {
    const config = await loadConfig(ws);
    const configured = names.filter((n) => n !== 'isPrototypeOf');
    for (const name of configured) assert.equal(typeof config.benchmarkLines[name], 'number', `line of ${JSON.stringify(name)}`);
    assert.equal(config.benchmarkLines.isPrototypeOf, undefined, 'a name not configured has no line');

    // A step at run 8 gives each hyperfine series a regression; the budgets apply by name only.
    const store = await HistoryStore.open(join(tmp.dir, 'analysis-history'));
    const base = (await importFile(join(ws, 'hyperfine.json'))).records;
    const runs: RunRecord[] = [];
    for (let run = 0; run < 14; run++) {
      base.forEach((r, i) => {
        const samples = samplesAround(run < 8 ? 0.01 : 0.02, 12, run * 100 + i);
        runs.push({ ...r, id: `${r.id}-${run}`, value: samples.slice().sort((a, b) => a - b)[6], samples, timestamp: Date.UTC(2026, 0, 1) + run * 3600_000, vcs: { commit: `${String(run).padStart(2, '0')}${'c'.repeat(38)}`, branch: 'main' } });
      });
    }
    await store.append(runs);
    const { analysis } = await analyzeStore(store, { config });
    await store.close();
    const byName = new Map(analysis.series.map((s) => [s.name, s]));
    names.forEach((name) => {
      const s = byName.get(name);
      assert.ok(s, `analysed: ${JSON.stringify(name)}`);
      const index = configured.indexOf(name);
      const ownBudget = index >= 0 && index % 2 === 0;
      const globalBudget = name.startsWith('valueOf');
      assert.equal(s.budget?.limit, ownBudget ? 1 : globalBudget ? 2 : undefined, `budget of ${JSON.stringify(name)}`);
      assert.equal(s.runs, 14);
    });
    // The step is found (in most series: whether the detector sees each one is its own matter), and findings name their series.
    const regressed = new Set(analysis.findings.filter((f) => f.kind === 'regression').map((f) => f.name));
    assert.ok(regressed.size >= names.length / 2, `${regressed.size} of ${names.length} series regressed`);
    for (const f of analysis.findings) assert.ok(f.message.includes(f.name), f.message);
  });

  it('report: md, json, html and junit from the built CLI, every name back', () => {
    for (const format of ['md', 'json', 'html', 'junit']) {
      const run = cli(['report', '--history', history, '--workspace', ws, '--format', format], ws);
      assertNoStack(run.stderr, `report --format ${format}`);
      assert.equal(run.code, 0, run.stderr);
      const text = run.stdout;
      let found: (name: string) => boolean;
      if (format === 'json') {
        const seriesNames = new Set((JSON.parse(text).series as { name: string }[]).map((s) => s.name));
        found = (name) => seriesNames.has(name);
      } else if (format === 'junit') {
        const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (tag) => tag === 'testcase' }).parse(text);
        const cases = new Set((parsed.testsuites.testsuite.testcase as { '@name': string }[]).map((c) => c['@name']));
        found = (name) => cases.has(name);
      } else if (format === 'md') {
        const read = unescapeMarkdown(text);
        found = (name) => read.includes(`| ${name} |`);
      } else {
        const read = decodeHtml(text);
        assert.doesNotMatch(text, /<script|<img/i);
        found = (name) => read.includes(`<td>${name}</td>`) || read.includes(name);
      }
      for (const name of names) assert.ok(found(name), `${format} report names ${JSON.stringify(name)}`);
    }
  });

  it('check: the built CLI on result files, run after run, exits 0 or 1 and reports every name', () => {
    const checkHistory = join(tmp.dir, 'check-history');
    const codes: (number | null)[] = [];
    // A check needs 8 earlier runs to know the run-to-run noise; the step comes after 9, in
    // two series only (most series moving together would be an environment change).
    for (let run = 0; run < 11; run++) {
      hyperfine(join(ws, 'current.json'), names, (i) => (run < 9 || i > 1 ? 0.01 : 0.02), 50 + run);
      const r = cli(['check', 'current.json', '--history', checkHistory, '--report', 'check.md', '--json', 'check.json', '--junit', 'check.xml'], ws);
      assertNoStack(r.stderr, `check run ${run}`);
      assert.ok(r.code === 0 || r.code === 1, `check run ${run} exited ${r.code}: ${r.stderr}`);
      codes.push(r.code);
    }
    assert.ok(codes.includes(1), `the step was found (exit codes ${codes.join(',')})`);
    const json = JSON.parse(readFileSync(join(ws, 'check.json'), 'utf8'));
    const reported = new Set((json.series as { name: string }[]).map((s) => s.name));
    for (const name of names) assert.ok(reported.has(name), `check reports ${JSON.stringify(name)}`);
    const md = unescapeMarkdown(readFileSync(join(ws, 'check.md'), 'utf8'));
    for (const name of names) assert.ok(md.includes(name), `check.md names ${JSON.stringify(name)}`);
  });

  it('the CLI takes a prototype name where it expects a command, format or option as unknown (exit 2, one line)', () => {
    for (const args of [['constructor'], ['__proto__'], ['report', '--history', history, '--format', 'toString'], ['history', '--history', history, 'compact', 'toString', '5'], ['parse', '--format', 'constructor', join(ws, 'hyperfine.json')]]) {
      const r = cli(args, ws);
      assertNoStack(r.stderr, args.join(' '));
      assert.equal(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
      assert.ok(r.stderr.trim().length > 0, `${args.join(' ')} says why`);
    }
  });

  it('a perfpulse.json key named __proto__ is an unknown key, not a hidden prototype', () => {
    const dir = join(tmp.dir, 'proto-config');
    mkdirSync(dir);
    writeFileSync(join(dir, 'perfpulse.json'), '{ "version": 1, "benchmarks": [ { "name": "x", "command": "true", "__proto__": { "shell": true } } ] }');
    hyperfine(join(dir, 'r.json'), ['x'], () => 0.01, 7);
    const r = cli(['check', 'r.json', '--history', join(dir, 'h')], dir);
    assertNoStack(r.stderr, 'check with __proto__ in the config');
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, /perfpulse\.json:\d+:\d+: .*__proto__/);
  });

  it('units, quantities and machine facts named like prototype members stay plain strings', () => {
    for (const name of PROTOTYPE_NAMES) {
      const u = normaliseUnit(name);
      assert.deepEqual([u.unit, u.scale, u.kind], [name, 1, 'other'], name);
      assert.throws(() => parseQuantity(`5${name.replace(/_/g, '')}`), /unknown unit|not a number/);
      const request = toOtlpRequest([{ v: 1, id: 'r', seriesId: 's', name, metric: 'time', unit: 's', direction: 'smaller', value: 1, timestamp: 0, vcs: {}, machine: { id: 'm', cpuModel: name, cores: 1, os: name, arch: name, runtimes: {} }, source: 'benchmark' }], '1');
      const attrs = request.resourceMetrics[0].resource.attributes;
      assert.equal(attrs.find((a) => a.key === 'host.arch')?.value.stringValue, name);
      assert.equal(attrs.find((a) => a.key === 'os.type')?.value.stringValue, name);
    }
  });

  it('a note line keeps a key named __proto__ as a key (canonical JSON of what another version wrote)', () => {
    const record = { v: 1, id: 'r', seriesId: 's', name: '__proto__', metric: 'time', unit: 's', direction: 'smaller', value: 1, timestamp: 0, vcs: {}, machine: { id: 'm' }, source: 'benchmark', ...JSON.parse('{"extra":{"__proto__":1,"toString":2}}') } as RunRecord;
    const line = recordLine(record);
    assert.deepEqual(JSON.parse(line).extra, JSON.parse('{"__proto__":1,"toString":2}'));
    assert.match(line, /"extra":\{"__proto__":1,"toString":2\}/);
  });

  it('the webview data: source kinds, packing, search and grouping keep every name', () => {
    for (const name of PROTOTYPE_NAMES) assert.equal(sourceKindOf(name), 'benchmark', `source ${name}`);
    assert.equal(sourceKindOf('report'), 'test');
    const rows: SeriesOverview[] = names.map((name, i) => ({
      id: `id-${i}`, name, metric: PROTOTYPE_NAMES[i % PROTOTYPE_NAMES.length], unit: name, direction: 'smaller', source: sourceKindOf(PROTOTYPE_NAMES[i % PROTOTYPE_NAMES.length]),
      group: name, status: i % 3 ? 'stable' : 'regressed', sparkline: [1, 2], latest: 1, runs: 2, lastTimestamp: i,
    }));
    // What the host posts must survive the structured clone of postMessage.
    const posted = structuredClone(rows);
    assert.deepEqual(posted, rows);
    for (const row of rows) {
      assert.ok(matchesSearch(row, row.name), `search finds ${JSON.stringify(row.name)}`);
      const detail: SeriesDetail = { series: row, runs: names.map((n, i) => ({ id: n, value: i, timestamp: i, branch: n, machine: names[(i + 1) % names.length], commit: n, message: n })), changePoints: [] };
      const back = unpackDetail(structuredClone(packDetail(detail)));
      assert.deepEqual(back, detail);
    }
    const all = queryOverview(rows, { search: '', statuses: [], sort: 'name', sortDescending: false });
    assert.deepEqual(new Set(all.map((r) => r.name)), new Set(names));
    const grouped = groupOverview(all).flatMap((g) => g.rows.map((r) => r.name));
    assert.deepEqual(new Set(grouped), new Set(names));
  });
});
