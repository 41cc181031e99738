/**
 * One-line descriptions of failures the CLI did not foresee, so that no error ever reaches
 * the user as a stack trace: `perf-pulse <command>: <file>: <problem>`, exit code 2.
 * Set PERF_PULSE_DEBUG=1 to also print the stack (for reporting a bug).
 */

const FS_PROBLEMS: ReadonlyMap<string, string> = new Map([
  ['EACCES', 'permission denied'],
  ['EPERM', 'operation not permitted'],
  ['EROFS', 'read-only file system'],
  ['ENOSPC', 'no space left on the device'],
  ['EDQUOT', 'disk quota exceeded'],
  ['ENOTDIR', 'a part of the path is a file, not a folder'],
  ['EISDIR', 'is a folder, not a file'],
  ['ENOENT', 'no such file or folder'],
  ['EEXIST', 'already exists'],
  ['EMFILE', 'too many open files'],
  ['ENFILE', 'too many open files'],
  ['ENAMETOOLONG', 'the path is too long'],
  ['ELOOP', 'too many symbolic links on the path'],
  ['EIO', 'input/output error'],
  ['EBUSY', 'the file is busy'],
]);

/** What a Node file-system error means, in words (undefined for other errors). */
export function fsProblem(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException)?.code;
  return typeof code === 'string' ? FS_PROBLEMS.get(code) : undefined;
}

function firstLine(text: string): string {
  const line = text.split('\n').find((l) => l.trim() !== '') ?? '';
  return line.length > 500 ? line.slice(0, 500) + '…' : line;
}

/**
 * An unexpected error as one line. File-system errors name their file and what went wrong;
 * anything else is an internal error: its message, and how to see where it happened.
 */
export function describeUnexpected(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  const problem = fsProblem(err);
  if (problem) {
    const file = typeof e?.path === 'string' ? e.path : undefined;
    return file ? `${file}: ${problem}` : `${problem} (${firstLine(e?.message ?? '')})`;
  }
  if (err instanceof RangeError && /call stack|Invalid array length|Invalid string length/.test(err.message)) {
    return `the input is too large or too deeply nested to process (${err.message}); set PERF_PULSE_DEBUG=1 to see where`;
  }
  const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return `internal error: ${firstLine(message) || 'unknown'}; set PERF_PULSE_DEBUG=1 to see where`;
}

/** The stack, only when PERF_PULSE_DEBUG asks for it. */
export function debugDetails(err: unknown, env: NodeJS.ProcessEnv): string {
  if (!env.PERF_PULSE_DEBUG || env.PERF_PULSE_DEBUG === '0') return '';
  return `${(err as Error)?.stack ?? String(err)}\n`;
}

/**
 * A message as one printable line: its lines joined, and control characters (terminal escapes,
 * bidirectional overrides, NUL) from file names or file contents shown as `\uXXXX`, so a hostile
 * name can neither forge a second line nor recolour the terminal.
 */
export function oneLine(message: string): string {
  const lines = message
    .split(/\r?\n|\r/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  let out = '';
  for (const line of lines) out += out === '' ? line : `${out.endsWith(':') ? ' ' : '; '}${line}`;
  return printable(out);
}

/**
 * Text taken from data (a benchmark's name, a command line, a phase from perfpulse.json) made
 * safe to print on a terminal: every control character (escape sequences, bell, carriage return,
 * newline, bidirectional overrides) shown as `\uXXXX`, so a name cannot clear the screen, set the
 * window title, recolour or overwrite the output.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is escaped here
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
