import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { runCli, seedHistory, stepLevels, tempDir } from './check-fixture';

describe('perf-pulse report (from the history, running nothing)', function () {
  this.timeout(30_000);
  let tmp: ReturnType<typeof tempDir>;
  let history: string;
  before(async () => {
    tmp = tempDir('pp-report-');
    history = join(tmp.dir, 'history');
    await seedHistory(history, [
      { name: 'sort-10k', levels: stepLevels(0.0121, 0.0143), markAt: 15 },
      { name: 'parse-json', levels: stepLevels(0.004, 0.004) },
    ]);
  });
  after(() => tmp.dispose());

  it('md to stdout by default, with the regression and the table', async () => {
    const run = await runCli(['report', '--history', history], tmp.dir);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^# Perf Pulse report/);
    assert.match(run.stdout, /sort-10k is 1\d% slower since a1b2c3d/);
    assert.match(run.stdout, /\| parse-json \| 4(\.\d+)? ms \|.*\| no change \|/);
  });

  it('html and json to a file; junit valid', async () => {
    const html = join(tmp.dir, 'out/report.html');
    assert.equal((await runCli(['report', '--history', history, '--format', 'html', '--output', html], tmp.dir)).code, 0);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!DOCTYPE html>/);
    assert.match(page, /sort-10k is 1\d% slower since a1b2c3d/);
    const json = await runCli(['report', '--history', history, '--format=json'], tmp.dir);
    const parsed = JSON.parse(json.stdout);
    assert.equal(parsed.summary.regressions, 1);
    assert.equal(parsed.baseBranch, 'main');
    const junit = await runCli(['report', '--history', history, '--format', 'junit'], tmp.dir);
    assert.equal(XMLValidator.validate(junit.stdout), true);
  });

  it('an absent history gives an empty report and is not created', async () => {
    const missing = join(tmp.dir, 'no-history-here');
    const run = await runCli(['report', '--history', missing], tmp.dir);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /No series recorded yet/);
    assert.match(run.stderr, /no history at .*no-history-here/);
    const { existsSync } = await import('node:fs');
    assert.equal(existsSync(missing), false);
  });

  it('bad usage and a broken config exit 2 with the reason', async () => {
    const bad = await runCli(['report', '--history', history, '--format', 'pdf'], tmp.dir);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format must be md, json, html or junit/);
    const ws = join(tmp.dir, 'ws');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(ws);
    writeFileSync(join(ws, 'perfpulse.json'), '{ "benchmarks": [ { "name": 1 } ] }');
    const broken = await runCli(['report', '--workspace', ws, '--history', history], tmp.dir);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /perfpulse\.json/);
  });
});
