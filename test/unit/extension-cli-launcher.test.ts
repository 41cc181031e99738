import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launcherScripts, shellQuote } from '../../src/extension/services/cli-launcher';

describe("the terminal's perf-pulse launcher", function () {
  this.timeout(20_000);

  it('quotes any path as one shell word', () => {
    for (const text of ["plain", "with space", "it's", "$HOME `x` \"q\" \\ ;|&"]) {
      assert.equal(execFileSync('/bin/sh', ['-c', `printf '%s' ${shellQuote(text)}`], { encoding: 'utf8' }), text);
    }
  });

  it("runs the CLI with the editor's Node, passing every argument through as it was given", function () {
    if (process.platform === 'win32') this.skip();
    // A folder whose name a careless script would split or expand.
    const dir = join(mkdtempSync(join(tmpdir(), 'perf-pulse-launcher-')), "it's a $dir");
    mkdirSync(dir, { recursive: true });
    const cli = join(dir, 'cli.js');
    writeFileSync(cli, 'process.stdout.write(JSON.stringify({ args: process.argv.slice(2), asNode: process.env.ELECTRON_RUN_AS_NODE, fromEditor: process.env.PERF_PULSE_FROM_EDITOR }));\n');
    const launcher = join(dir, 'perf-pulse');
    writeFileSync(launcher, launcherScripts(process.execPath, cli).posix);
    chmodSync(launcher, 0o755);
    const out = JSON.parse(execFileSync(launcher, ['history', 'list', 'two words', '--x=$HOME'], { encoding: 'utf8' }));
    assert.deepEqual(out, { args: ['history', 'list', 'two words', '--x=$HOME'], asNode: '1', fromEditor: '1' });
  });

  it('writes a Windows launcher that passes the arguments on', () => {
    const { windows } = launcherScripts('C:\\VS Code\\Code.exe', 'C:\\ext\\dist\\cli.js');
    assert.match(windows, /set ELECTRON_RUN_AS_NODE=1\r\n/);
    assert.match(windows, /"C:\\VS Code\\Code\.exe" "C:\\ext\\dist\\cli\.js" %\*\r\n$/);
  });

  it('writes a % in a Windows path as %%, so cmd.exe does not expand %NAME% from it', () => {
    const { windows } = launcherScripts('C:\\Users\\a%PATH%b\\Code.exe', 'C:\\100%\\cli.js');
    assert.match(windows, /"C:\\Users\\a%%PATH%%b\\Code\.exe" "C:\\100%%\\cli\.js" %\*\r\n$/);
  });
});
