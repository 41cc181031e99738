import { strict as assert } from 'node:assert';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandSyntaxError, planCommand, quoteForShell, resolveExecutable, splitCommandLine } from '../../../src/core/runner/command';

describe('runner: argv splitting and shell detection', () => {
  const argv = (line: string) => {
    const r = splitCommandLine(line);
    assert.equal(r.shellReason, undefined, `"${line}" should not need a shell`);
    return r.argv;
  };
  const shell = (line: string) => {
    const r = splitCommandLine(line);
    assert.ok(r.shellReason, `"${line}" should need a shell`);
    return r.shellReason!;
  };

  it('splits on blanks and honours quotes and escapes', () => {
    assert.deepEqual(argv('sleep 0.05'), ['sleep', '0.05']);
    assert.deepEqual(argv('  node   -e  "console.log(1)"  '), ['node', '-e', 'console.log(1)']);
    assert.deepEqual(argv(`echo 'a b' "c d" e\\ f`), ['echo', 'a b', 'c d', 'e f']);
    assert.deepEqual(argv(`echo "say \\"hi\\"" 'it''s'`), ['echo', 'say "hi"', 'its']);
    assert.deepEqual(argv(`printf "%s\\n" x`), ['printf', '%s\\n', 'x'], 'backslash stays literal in double quotes unless it escapes');
    assert.deepEqual(argv(`echo '' ""`), ['echo', '', ''], 'empty quoted words are kept');
    assert.deepEqual(argv(`grep 'a|b' "x;y" '$HOME' '*.ts'`), ['grep', 'a|b', 'x;y', '$HOME', '*.ts'], 'quoted metacharacters are literal');
    assert.deepEqual(argv('python3 bench.py --n=10'), ['python3', 'bench.py', '--n=10']);
    assert.deepEqual(argv(`'FOO=1' cmd`), ['FOO=1', 'cmd'], 'a quoted assignment is a program name');
  });

  it('needs a shell for pipes, lists, redirections, globs, expansions, assignments and builtins', () => {
    assert.match(shell('ls | wc -l'), /"\|"/);
    assert.match(shell('make && ./run'), /"&"/);
    assert.match(shell('a; b'), /";"/);
    assert.match(shell('cmd > out.txt'), /">"/);
    assert.match(shell('cmd < in.txt'), /"<"/);
    assert.match(shell('(cd x && make)'), /"\("/);
    assert.match(shell('ls *.ts'), /glob/);
    assert.match(shell('ls file?.txt'), /glob/);
    assert.match(shell('ls [ab].txt'), /glob/);
    assert.match(shell('echo $HOME'), /variable/);
    assert.match(shell('echo "$HOME"'), /variable/);
    assert.match(shell('echo `date`'), /command/);
    assert.match(shell('echo "$(date)"'), /variable/);
    assert.match(shell('FOO=1 node x.js'), /environment assignment/);
    assert.match(shell('cd sub'), /builtin/);
    assert.match(shell('ls ~/x'), /home/);
    assert.match(shell('cmd # note'), /comment/);
    assert.match(shell('cmd &'), /"&"/);
    assert.match(shell('a\nb'), /lines/);
  });

  it('rejects unterminated quotes and empty commands with a clear error', () => {
    assert.throws(() => splitCommandLine(`echo 'oops`), (e: Error) => e instanceof CommandSyntaxError && /unterminated single quote/.test(e.message));
    assert.throws(() => splitCommandLine(`echo "oops`), /unterminated double quote/);
    assert.throws(() => splitCommandLine('   '), /empty/);
    assert.throws(() => planCommand([]), /empty/);
  });

  it('plans argv, shell, forced shell and array commands', () => {
    assert.deepEqual(planCommand('sleep 0.01'), { file: 'sleep', args: ['0.01'], viaShell: false, display: 'sleep 0.01' });
    const viaShell = planCommand('sleep 0.01 && true', { platform: 'linux' });
    assert.equal(viaShell.viaShell, true);
    assert.deepEqual([viaShell.file, ...viaShell.args], ['/bin/sh', '-c', 'sleep 0.01 && true']);
    assert.equal(planCommand('sleep 0.01', { shell: true, platform: 'linux' }).viaShell, true);
    assert.deepEqual(planCommand(['echo', 'a|b']), { file: 'echo', args: ['a|b'], viaShell: false, display: 'echo a|b' });
    assert.deepEqual(planCommand(['echo', 'a b'], { shell: true, platform: 'linux' }).args, ['-c', `echo 'a b'`]);
    assert.throws(() => planCommand('ls | wc', { shell: false }), /needs a shell.*shell is false/);
  });

  it('quotes arguments for the shell so that splitting gives them back', () => {
    for (const a of ['plain', 'a b', `it's`, '$HOME', '"q"', '']) {
      assert.deepEqual(splitCommandLine(`echo ${quoteForShell(a)}`).argv, ['echo', a]);
    }
  });

  it('resolves programs through PATH and relative to the working folder', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-cmd-'));
    try {
      const script = join(dir, 'tool.sh');
      writeFileSync(script, '#!/bin/sh\nexit 0\n');
      chmodSync(script, 0o755);
      writeFileSync(join(dir, 'not-executable'), 'x');
      assert.equal(resolveExecutable('tool.sh', '/', { PATH: `/nonexistent:${dir}` }), script);
      assert.equal(resolveExecutable('./tool.sh', dir, { PATH: '' }), script);
      assert.equal(resolveExecutable('not-executable', '/', { PATH: dir }), undefined);
      assert.equal(resolveExecutable('no-such-program-xyz', '/', { PATH: dir }), undefined);
      assert.match(resolveExecutable('sh', '/', process.env) ?? '', /\/sh$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
