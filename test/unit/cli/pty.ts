import { spawnSync } from 'node:child_process';

/**
 * Runs a program on a real pseudo-terminal (python3's pty module, from Debian's python3) of
 * the given size, as a user's terminal would: stdout and stderr are the terminal. Returns
 * everything the program wrote, escapes included, and its exit code.
 */
const DRIVER = `
import os, pty, struct, sys, fcntl, termios
rows, cols = int(sys.argv[1]), int(sys.argv[2])
argv = sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
    os.execvp(argv[0], argv)
out = b''
while True:
    try:
        data = os.read(fd, 65536)
    except OSError:
        break
    if not data:
        break
    out += data
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status))
`;

export function runOnTerminal(argv: string[], options: { env: NodeJS.ProcessEnv; cwd: string; columns?: number }): { code: number | null; output: string } {
  const r = spawnSync('python3', ['-c', DRIVER, '40', String(options.columns ?? 160), ...argv], { cwd: options.cwd, env: options.env, encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw r.error;
  return { code: r.status, output: r.stdout };
}

/**
 * What a terminal shows after the output has been drawn: carriage returns move to the line's
 * start, `ESC[2K` erases the line, `ESC[K` erases to its end, colours take no room.
 */
export function finalScreen(raw: string): string[] {
  const lines: string[] = [''];
  let row = 0;
  let col = 0;
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '\u001b') {
      const m = /^\u001b\[([0-9;?]*)([A-Za-z])/.exec(raw.slice(i, i + 16));
      if (!m) throw new Error(`an escape the test's terminal does not know at ${i}: ${JSON.stringify(raw.slice(i, i + 16))}`);
      if (m[2] === 'K') lines[row] = m[1] === '2' ? '' : lines[row].slice(0, col);
      else if (m[2] !== 'm') throw new Error(`an escape the test's terminal does not know: ${JSON.stringify(m[0])}`);
      i += m[0].length - 1;
      continue;
    }
    if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      col = 0;
      lines[row] ??= '';
    } else {
      const line = lines[row].padEnd(col);
      lines[row] = line.slice(0, col) + ch + line.slice(col + 1);
      col++;
    }
  }
  return lines.map((l) => l.trimEnd());
}

/** Text without colour escapes (SGR). */
export function withoutColour(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}
