import { strict as assert } from 'node:assert';
import { appendFileSync, copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { acceptBaseline, ignoreSeries, undoAccept, unignoreSeries } from '../../src/core/findings/decisions';
import { HistoryStore } from '../../src/core/store/history-store';
import { REGRESSION_COMMIT, runCli, seedHistory, stepLevels, tempDir, writeHyperfine } from './check-fixture';

const FIXTURES = join(__dirname, '../fixtures');

describe('perf-pulse check (end to end on fixture workspaces)', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  let ws: string;
  let history: string;
  beforeEach(() => {
    tmp = tempDir('pp-check-');
    ws = tmp.dir;
    history = join(ws, 'history');
  });
  afterEach(() => tmp.dispose());

  async function seededRegression() {
    return seedHistory(history, [
      { name: 'sort-10k', levels: stepLevels(0.0121, 0.0143), markAt: 15 },
      { name: 'parse-json', levels: stepLevels(0.004, 0.004) },
    ]);
  }

  it('a regression already in earlier runs is standing: reported with its age, exit 0 unless --fail-on asks for standing ones', async () => {
    await seededRegression();
    const results = join(ws, 'results.json');
    writeHyperfine(results, [{ name: 'sort-10k', level: 0.0143 }, { name: 'parse-json', level: 0.004 }]);
    const json = join(ws, 'report.json');
    const run = await runCli(['check', '--workspace', ws, '--history', history, '--no-record', '--json', json, results], ws);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /\*\*Check passes\*\* \(--fail-on regression\): nothing new in the checked run; reported, not failing: 1 standing finding \(add ",standing" to --fail-on to fail on them\)/);
    assert.match(run.stdout, /\*\*critical\*\* \(standing, not failing\): sort-10k is 1\d% slower since a1b2c3d .*Why: already in earlier runs: since a1b2c3d, \d+ days, 10 runs/);
    assert.match(run.stdout, /\| sort-10k \| 14\.\d ms \| 12\.\d ms \| \+1\d% \|.*\| regressed \\?\(standing\\?\) \|/);
    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(report.summary.failing, 0);
    assert.equal(report.summary.standing, 1);
    assert.equal(report.findings.find((f: { kind: string }) => f.kind === 'regression').status, 'standing');
    assert.equal(report.series.find((r: { name: string }) => r.name === 'sort-10k').decision, 'standing');
    assert.equal(report.series.find((r: { name: string }) => r.name === 'parse-json').decision, 'fine');
    assert.match(report.series.find((r: { name: string }) => r.name === 'parse-json').reason, /within the run-to-run noise of [\d.]+% of 24 earlier runs/);

    const asked = await runCli(['check', '--workspace', ws, '--history', history, '--no-record', '--fail-on', 'regression,standing', results], ws);
    assert.equal(asked.code, 1, asked.stdout);
    assert.match(asked.stdout, /\(standing, fails the check\)/);
  });

  it('fails (exit 1) with --fail-on regression,standing on a seeded regression, with the numbers, the table, the commit range and a failing JUnit case', async () => {
    await seededRegression();
    const results = join(ws, 'results.json');
    writeHyperfine(results, [{ name: 'sort-10k', level: 0.0143 }, { name: 'parse-json', level: 0.004 }]);
    const md = join(ws, 'out/report.md');
    const junit = join(ws, 'out/junit.xml');
    const json = join(ws, 'out/report.json');
    const run = await runCli(['check', '--workspace', ws, '--history', history, '--fail-on', 'regression,standing', '--report', md, '--junit', junit, '--json', json, results], ws);
    assert.equal(run.code, 1, run.stderr + run.stdout);
    assert.match(run.stdout, /FAIL/);
    const text = readFileSync(md, 'utf8');
    assert.match(text, /sort-10k is 1[6-9]% slower since a1b2c3d \\\(median 12\.\d ms → 14\.\d ms, 95% CI \+\d+(\.\d{1,2})?% to \+\d+(\.\d{1,2})?%, p \\< 0\.001\\\)/);
    assert.match(text, /commits 14cccc\w*\.\.a1b2c3d|commits \w{7}\.\.a1b2c3d/);
    assert.match(text, /\| Series \| Current \| Baseline \| Change \| 95% CI \| Verdict \| Why \|/);
    assert.match(text, /\| sort-10k \| 14\.\d ms \| 12\.\d ms \| \+1\d% \|.*\| regressed \\?\(standing\\?\) \|/);
    assert.match(text, /\| parse-json \| 4 ms \|.*\| no change \|/);

    const xml = readFileSync(junit, 'utf8');
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml);
    const suite = parsed.testsuites.testsuite;
    assert.equal(suite['@name'], 'perf-pulse');
    const cases = ([] as Array<{ '@name': string; failure?: { '@message': string } }>).concat(suite.testcase);
    assert.equal(cases.length, 2);
    const sort = cases.find((c) => c['@name'] === 'sort-10k');
    const parse = cases.find((c) => c['@name'] === 'parse-json');
    assert.ok(sort?.failure, 'the regressed series fails');
    assert.match(sort.failure['@message'], /sort-10k is \d+% slower since a1b2c3d/);
    assert.ok(parse);
    assert.equal(parse.failure, undefined);

    const report = JSON.parse(readFileSync(json, 'utf8'));
    assert.equal(report.health, 'critical');
    const finding = report.findings.find((f: { kind: string }) => f.kind === 'regression');
    assert.equal(finding.firstBad.commit, REGRESSION_COMMIT);
    assert.equal(finding.lastGood.recordId, 'sort-10k-14');

    // The current run was recorded.
    const store = await HistoryStore.open(history);
    const sortId = store.listSeries().find((s) => s.name === 'sort-10k')!.seriesId;
    assert.equal((await store.readSeries(sortId)).length, 25);
    await store.close();
  });

  it('passes (exit 0) when nothing changed, and appends the report to GITHUB_STEP_SUMMARY', async () => {
    await seedHistory(history, [{ name: 'sort-10k', levels: stepLevels(0.012, 0.012) }]);
    const results = join(ws, 'results.json');
    writeHyperfine(results, [{ name: 'sort-10k', level: 0.012 }]);
    const summary = join(ws, 'step-summary.md');
    writeFileSync(summary, 'earlier step\n');
    const run = await runCli(['check', '--history', history, results], ws, { GITHUB_STEP_SUMMARY: summary });
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /Healthy/);
    assert.match(run.stdout, /\| sort-10k \| 12 ms \| 12 ms \|/);
    const written = readFileSync(summary, 'utf8');
    assert.ok(written.startsWith('earlier step\n# Perf Pulse report'), written.slice(0, 80));
  });

  it('compares the current run with the base branch runs before it (a new regression in CI)', async () => {
    await seedHistory(history, [{ name: 'sort-10k', levels: stepLevels(0.012, 0.012) }]);
    // Runs of a feature branch are not the baseline, even when they are slower.
    await seedHistory(history, [{ name: 'sort-10k', levels: [0.02, 0.02, 0.02] }], 'feature');
    const results = join(ws, 'results.json');
    writeHyperfine(results, [{ name: 'sort-10k', level: 0.0138 }]);
    const run = await runCli(['check', '--history', history, '--no-record', results], ws);
    assert.equal(run.code, 1, run.stderr + run.stdout);
    assert.match(run.stdout, /sort-10k is 1[4-6]% slower since \d{4}-\d\d-\d\dT.*\(median 12 ms → 13\.\d ms, 95% CI \+\d+(\.\d{1,2})?% to \+\d+(\.\d{1,2})?%, p \\< 0\.001\\\)/);
    assert.match(run.stdout, /baseline: main/);
    const store = await HistoryStore.open(history);
    const id = store.listSeries()[0].seriesId;
    assert.equal((await store.readSeries(id)).length, 27, '--no-record leaves the history alone');
    await store.close();
  });

  it('--fail-on: a warning-level regression fails at regression only; a critical one at every level; budgets at budget', async () => {
    await seedHistory(history, [{ name: 'parse-json', levels: stepLevels(0.01, 0.0105), markAt: 15 }]);
    const results = join(ws, 'results.json');
    writeHyperfine(results, [{ name: 'parse-json', level: 0.0105 }]);
    const args = ['check', '--history', history, '--no-record', results];
    // The regression is standing (in 9 earlier runs): the levels apply once standing ones are asked for.
    assert.equal((await runCli([...args, '--fail-on', 'regression'], ws)).code, 0);
    assert.equal((await runCli([...args, '--fail-on', 'regression,standing'], ws)).code, 1);
    assert.equal((await runCli([...args, '--fail-on', 'budget,standing'], ws)).code, 0);
    assert.equal((await runCli([...args, '--fail-on', 'critical,standing'], ws)).code, 0);

    for (const wrong of ['sometimes', 'regression,sometimes', 'regression,critical']) {
      const bad = await runCli([...args, '--fail-on', wrong], ws);
      assert.equal(bad.code, 2, wrong);
      assert.match(bad.stderr, /--fail-on must be regression, budget or critical, optionally with ",standing"/);
    }
  });

  it('--fail-on budget and critical: a budget breach and a large regression', async () => {
    copyFileSync(join(FIXTURES, 'check-regression/perfpulse.json'), join(ws, 'perfpulse.json'));
    await seededRegression();
    const results = join(ws, 'results.json');
    writeHyperfine(results, [{ name: 'sort-10k', level: 0.0143 }]);
    const args = ['check', '--history', history, '--no-record', results];
    const budget = await runCli([...args, '--fail-on', 'budget,standing'], ws);
    assert.equal(budget.code, 1, budget.stderr);
    assert.match(budget.stdout, /sort-10k median 14\.\d ms is over its budget of 13 ms \\\(error budget: \d+% of the last 10 runs over\\\)/);
    assert.match(budget.stdout, /## Budgets/);
    assert.equal((await runCli([...args, '--fail-on', 'critical,standing'], ws)).code, 1, 'an 18% regression over budget is critical');
    assert.equal((await runCli([...args, '--fail-on', 'budget'], ws)).code, 0, 'the breach was there before the checked run: standing');
  });

  it('the demo case: the first run of sort-10k at 314 ms against a 300 ms budget is at risk, exit 0 at every level', async () => {
    writeFileSync(join(ws, 'perfpulse.json'), JSON.stringify({ version: 1, benchmarks: [{ name: 'sort-10k', command: 'true', budget: { statistic: 'median', max: '300ms' } }] }));
    const results = join(ws, 'results.json');
    writeHyperfine(results, [{ name: 'sort-10k', level: 0.314 }]);
    for (const level of ['regression', 'budget', 'critical,standing']) {
      const run = await runCli(['check', '--workspace', ws, '--history', history, '--no-record', '--fail-on', level, results], ws);
      assert.equal(run.code, 0, `${level}: ${run.stdout}`);
      assert.match(run.stdout, /\*\*at risk\*\* \(not failing\): sort-10k median 314 ms is over its budget of 300 ms in 1 of the last 1 run: at risk, not yet a breach\. Why: 1 of the last 1 run over: not yet a breach \\\(needs 5 runs in the window with 2 or more over, or 3 runs whose 95% interval is over the limit\\\)/);
      assert.match(run.stdout, /\| sort-10k \| 314 ms \|.*\| at risk \|/);
      assert.doesNotMatch(run.stdout, /error budget: 100% of the last 1 runs over/);
    }
  });

  it('runs the configured benchmarks (real processes) when no result files are given, and records them', async () => {
    writeFileSync(
      join(ws, 'perfpulse.json'),
      JSON.stringify({ version: 1, benchmarks: [{ name: 'node-noop', command: [process.execPath, '-e', '0'], runs: 3, warmup: 0 }] }),
    );
    const junit = join(ws, 'junit.xml');
    const run = await runCli(['check', '--history', history, '--junit', junit], ws);
    assert.equal(run.code, 0, run.stderr + run.stdout);
    assert.match(run.stdout, /\| node-noop \| \d+(\.\d+)? ms \|/);
    assert.match(readFileSync(junit, 'utf8'), /<testcase classname="perf-pulse" name="node-noop"/);
    const store = await HistoryStore.open(history);
    const [info] = store.listSeries();
    const [record] = await store.readSeries(info.seriesId);
    assert.equal(record.samples?.length, 3);
    await store.close();
  });

  it('exits 2 with the reason when a configured benchmark cannot run, after recording the others', async () => {
    writeFileSync(
      join(ws, 'perfpulse.json'),
      JSON.stringify({ version: 1, benchmarks: [{ name: 'ok', command: [process.execPath, '-e', '0'], runs: 2, warmup: 0 }, { name: 'missing', command: 'no-such-program-pp --x', runs: 2 }] }),
    );
    const run = await runCli(['check', '--history', history], ws);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /benchmark "missing": command not found: no-such-program-pp/);
    const store = await HistoryStore.open(history);
    assert.deepEqual(store.listSeries().map((s) => s.name), ['ok']);
    await store.close();
  });

  it('exits 2 naming the file when the config is broken', async () => {
    copyFileSync(join(FIXTURES, 'check-broken-config/perfpulse.json'), join(ws, 'perfpulse.json'));
    const run = await runCli(['check', '--history', history], ws);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /perfpulse\.json:\d+:\d+: /);
    assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
    assert.equal(existsSync(join(history, 'decisions.json')), false);
  });

  it('exits 2 naming the file when a result file cannot be parsed', async () => {
    const results = join(ws, 'garbage.json');
    writeFileSync(results, '{"nothing": "here"');
    const run = await runCli(['check', '--history', history, results], ws);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /garbage\.json/);
  });

  it('accepting the new level or ignoring the series makes the finding go away; undo brings it back', async () => {
    const seeded = await seededRegression();
    const results = join(ws, 'results.json');
    writeHyperfine(results, [{ name: 'sort-10k', level: 0.0143 }]);
    const args = ['check', '--history', history, '--no-record', '--fail-on', 'regression,standing', results];
    const sort = seeded.get('sort-10k')!;
    assert.equal((await runCli(args, ws)).code, 1);
    await acceptBaseline(history, sort[0].seriesId, sort[15].id);
    const accepted = await runCli(args, ws);
    assert.equal(accepted.code, 0, accepted.stdout);
    assert.match(accepted.stdout, /\| sort-10k \| 14\.\d ms \| 14\.\d ms \|/);
    await undoAccept(history, sort[0].seriesId);
    assert.equal((await runCli(args, ws)).code, 1);
    await ignoreSeries(history, sort[0].seriesId);
    const ignored = await runCli(args, ws);
    assert.equal(ignored.code, 0);
    assert.match(ignored.stdout, /regressed \\\(ignored\\\)/);
    await unignoreSeries(history, sort[0].seriesId);
    assert.equal((await runCli(args, ws)).code, 1);
  });

  it('exits 2 with the reason when decisions.json is damaged, and leaves it as it was', async () => {
    await seededRegression();
    const file = join(history, 'decisions.json');
    writeFileSync(file, '{"version": 1, "accepted": [');
    const results = join(ws, 'results.json');
    writeHyperfine(results, [{ name: 'sort-10k', level: 0.0143 }]);
    const run = await runCli(['check', '--history', history, '--no-record', results], ws);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /decisions\.json: is not valid JSON/);
    assert.equal(readFileSync(file, 'utf8'), '{"version": 1, "accepted": [');
    appendFileSync(file, '');
  });
});
