import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../check-fixture';
import { CliBundle, isOneLineError } from './cli-bundle';

/**
 * `trace --out` and `run --export-json/--export-markdown` name where results go. When that place
 * cannot be written (a folder, a path under a file), the CLI says so before it starts the
 * command, not after a build or minutes of runs whose results are then lost.
 */
describe('an output that cannot be written is refused before anything runs', function () {
  this.timeout(120_000);
  let cli: CliBundle;
  let tmp: ReturnType<typeof tempDir>;
  const env = () => ({ PATH: process.env.PATH, HOME: tmp.dir, PERF_PULSE_STATE_DIR: path.join(tmp.dir, 'state') });
  before(() => {
    cli = new CliBundle();
    tmp = tempDir('pp-out-first-');
    fs.mkdirSync(path.join(tmp.dir, 'folder'));
    fs.writeFileSync(path.join(tmp.dir, 'file'), 'keep me');
  });
  after(() => {
    cli.dispose();
    tmp.dispose();
  });

  const cases: Array<{ args: (marker: string) => string[]; problem: RegExp }> = [
    { args: (m) => ['trace', '--out', 'folder', '--', 'touch', m], problem: /^perf-pulse trace: cannot write folder: it is a folder$/ },
    { args: (m) => ['trace', '--out', 'file/trace.json', '--', 'touch', m], problem: /^perf-pulse trace: cannot write file\/trace\.json: .*file is not a folder$/ },
    { args: (m) => ['run', '--runs', '1', '--warmup', '0', '--export-json', 'folder', '--', `touch ${m}`], problem: /^perf-pulse run: cannot write folder: it is a folder/ },
    { args: (m) => ['run', '--runs', '1', '--warmup', '0', '--export-markdown', 'file/x.md', '--', `touch ${m}`], problem: /^perf-pulse run: cannot write file\/x\.md: .*file is not a folder/ },
  ];
  for (const [i, c] of cases.entries()) {
    it(`perf-pulse ${c.args('MARKER').join(' ')}`, () => {
      const marker = path.join(tmp.dir, `ran-${i}`);
      const r = spawnSync(process.execPath, [cli.file, ...c.args(marker)], { cwd: tmp.dir, env: env(), encoding: 'utf8' });
      assert.equal(r.status, 2, r.stderr);
      assert.ok(isOneLineError(r.stderr), r.stderr);
      assert.match(r.stderr.trim(), c.problem);
      assert.ok(!fs.existsSync(marker), 'the command was not started');
      assert.equal(fs.readFileSync(path.join(tmp.dir, 'file'), 'utf8'), 'keep me');
    });
  }

  it('a nonexistent folder is still made, as before', () => {
    const r = spawnSync(process.execPath, [cli.file, 'trace', '--out', 'new/deep/trace.json', '--', 'true'], { cwd: tmp.dir, env: env(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(fs.statSync(path.join(tmp.dir, 'new/deep/trace.json')).size > 0);
  });
});
