import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../check-fixture';
import { CliBundle } from './cli-bundle';
import { runOnTerminal } from './pty';

/**
 * Names taken from data (a benchmark's name in perfpulse.json, a phase's name, a traced command
 * line) reach the terminal: the headings, the live line, the results table and the trace summary.
 * A hostile name must not set the window title, clear the screen, ring the bell or recolour the
 * output: its control characters are shown as `\uXXXX`, never written raw.
 */
const HOSTILE = 'evil\u001b]0;pwned\u0007\u001b[31mRED\u001b[2J\r';
/** What the data's escapes would look like if they got through. */
const RAW = /\u001b\]|\u0007|\u001b\[2J|\u001b\[31m/;

describe('names from data never reach the terminal as control characters', function () {
  this.timeout(240_000);
  let cli: CliBundle;
  let tmp: ReturnType<typeof tempDir>;
  let ws: string;
  const env = () => ({ PATH: process.env.PATH, HOME: tmp.dir, PERF_PULSE_STATE_DIR: path.join(tmp.dir, 'state'), TERM: 'xterm-256color' });
  before(() => {
    cli = new CliBundle();
    tmp = tempDir('pp-escapes-');
    ws = path.join(tmp.dir, 'ws');
    fs.mkdirSync(ws);
    fs.writeFileSync(
      path.join(ws, 'perfpulse.json'),
      JSON.stringify({ version: 1, benchmarks: [{ name: HOSTILE, command: 'sleep 0.05', runs: 3, warmup: 0 }], phases: [{ name: `phase ${HOSTILE}`, match: 'sleep' }] }),
    );
  });
  after(() => {
    cli.dispose();
    tmp.dispose();
  });

  it('run on a terminal: heading, live line and table show the name escaped', () => {
    const r = runOnTerminal(['node', cli.file, 'run', '--history', path.join(tmp.dir, 'h')], { env: env(), cwd: ws });
    assert.equal(r.code, 0, r.output);
    assert.doesNotMatch(r.output, RAW, JSON.stringify(r.output.slice(0, 2000)));
    assert.match(r.output, /evil\\u001b\]0;pwned\\u0007/, 'the name is shown, escaped');
  });

  it('run piped (a CI log that renders escapes): no raw control characters either', () => {
    const r = spawnSync(process.execPath, [cli.file, 'run', '--history', path.join(tmp.dir, 'h')], { cwd: ws, env: env(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, RAW, JSON.stringify((r.stdout + r.stderr).slice(0, 2000)));
    assert.match(r.stdout, /^evil\\u001b\]0;pwned\\u0007\\u001b\[31mRED\\u001b\[2J\\u000d +[\d.]+ ms/m);
  });

  it('history list, report and check: series names from the history are printed escaped', () => {
    const history = path.join(tmp.dir, 'imported');
    const file = path.join(tmp.dir, 'hyperfine.json');
    fs.writeFileSync(file, JSON.stringify({ results: [{ command: HOSTILE, mean: 0.1, stddev: 0.01, median: 0.1, min: 0.09, max: 0.11, times: [0.1, 0.1, 0.11] }] }));
    for (const commit of ['a', 'b', 'c']) {
      const r = spawnSync(process.execPath, [cli.file, 'import', file, '--history', history, '--commit', commit.repeat(40)], { cwd: ws, env: env(), encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    }
    for (const args of [['history', 'list'], ['report'], ['report', '--format', 'md'], ['check', file]]) {
      const r = spawnSync(process.execPath, [cli.file, ...args, '--history', history], { cwd: ws, env: env(), encoding: 'utf8' });
      assert.ok(r.status === 0 || r.status === 1, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotMatch(r.stdout + r.stderr, RAW, `${args.join(' ')}: ${JSON.stringify((r.stdout + r.stderr).slice(0, 1500))}`);
      assert.match(r.stdout, /evil\\u001b/, args.join(' '));
    }
  });

  it('trace: a phase named in perfpulse.json and a traced command line are printed escaped', () => {
    const out = path.join(tmp.dir, 'trace.json');
    const r = spawnSync(process.execPath, [cli.file, 'trace', '--interval', '0.1', '--out', out, '--', 'sh', '-c', `sleep 0.3; : '${HOSTILE}'`], { cwd: ws, env: env(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stdout, RAW, JSON.stringify(r.stdout.slice(0, 2000)));
    assert.match(r.stdout, /phase evil\\u001b\]0;pwned/, r.stdout);
    assert.ok(fs.existsSync(out));
  });
});
