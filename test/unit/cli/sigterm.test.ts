import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { tempDir } from '../check-fixture';
import { CliBundle } from './cli-bundle';

/**
 * `timeout 60 perf-pulse …` and a cancelled CI job send SIGTERM once. The CLI used to only pass
 * it on to the command's abort signal, so a command that was not watching it (here `report` on a
 * history path inside /proc that it reads without end) ran on for ever. It now ends within a
 * grace period, with 143.
 */
describe('SIGTERM ends the CLI even when the command does not watch for it', function () {
  this.timeout(120_000);
  let cli: CliBundle;
  let tmp: ReturnType<typeof tempDir>;
  before(() => {
    cli = new CliBundle();
    tmp = tempDir('pp-sigterm-');
  });
  after(() => {
    cli.dispose();
    tmp.dispose();
  });

  it('report on PERF_PULSE_HISTORY=/proc/self, SIGTERM once: exit 143 well before a minute', async function () {
    if (process.platform !== 'linux') this.skip();
    const child = spawn(process.execPath, [cli.file, 'report'], { cwd: tmp.dir, env: { PATH: process.env.PATH, HOME: tmp.dir, PERF_PULSE_STATE_DIR: path.join(tmp.dir, 'state'), PERF_PULSE_HISTORY: '/proc/self' }, stdio: 'ignore' });
    const ended = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Let it get going (the bundle loaded, the history being read) before the signal.
    await new Promise((r) => setTimeout(r, 3000));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const code = await ended;
    clearTimeout(killer);
    assert.equal(code, 143, 'the CLI ended on SIGTERM by itself (null: it had to be killed)');
  });
});
