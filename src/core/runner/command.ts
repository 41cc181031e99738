import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** A command line that cannot be understood, e.g. an unterminated quote. */
export class CommandSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandSyntaxError';
  }
}

/** Either the argv a command splits into, or the reason it needs a shell. */
export type SplitResult = { argv: string[]; shellReason?: undefined } | { argv?: undefined; shellReason: string };

/** Words that only mean something to a shell: running them as a program would fail or differ. */
const SHELL_WORDS = new Set([
  'if', 'then', 'else', 'elif', 'fi', 'for', 'while', 'until', 'do', 'done', 'case', 'esac', 'function', 'select',
  '!', '{', '}', '[[', 'cd', 'export', 'unset', 'set', 'source', '.', 'alias', 'eval', 'exec', 'exit', 'ulimit', 'umask',
  'trap', 'shift', 'read', 'wait', 'local', 'declare', 'typeset', 'readonly', 'return', 'break', 'continue', 'time',
]);

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

/**
 * Splits a command line into argv the way a POSIX shell would, when it can do so
 * without a shell: quotes ('...', "...") and backslash escapes are honoured. As soon
 * as the line uses something only a shell provides (pipes, `&&`, `;`, redirections,
 * globs, `$VAR`, command substitution, subshells, `~`, comments, environment
 * assignments, shell keywords or builtins) it reports why instead.
 */
export function splitCommandLine(line: string): SplitResult {
  const argv: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  const n = line.length;
  const endWord = () => {
    if (inWord) argv.push(word);
    word = '';
    inWord = false;
  };
  let firstWordRaw = ''; // the first word as typed, to spot `NAME=value` prefixes
  while (i < n) {
    const c = line[i];
    if (c === ' ' || c === '\t') {
      if (argv.length === 0 && inWord) firstWordRaw = firstWordRaw || line.slice(0, i).trim();
      endWord();
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') return { shellReason: 'it has several lines' };
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close < 0) throw new CommandSyntaxError(`unterminated single quote in: ${line}`);
      word += line.slice(i + 1, close);
      inWord = true;
      i = close + 1;
      continue;
    }
    if (c === '"') {
      i++;
      inWord = true;
      let closed = false;
      while (i < n) {
        const d = line[i];
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '$' || d === '`') return { shellReason: `it expands ${d === '$' ? 'a variable' : 'a command'} inside double quotes` };
        if (d === '\\' && i + 1 < n && '"\\$`\n'.includes(line[i + 1])) {
          word += line[i + 1];
          i += 2;
          continue;
        }
        word += d;
        i++;
      }
      if (!closed) throw new CommandSyntaxError(`unterminated double quote in: ${line}`);
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= n) throw new CommandSyntaxError(`a backslash ends the command: ${line}`);
      word += line[i + 1];
      inWord = true;
      i += 2;
      continue;
    }
    if ('|&;<>()'.includes(c)) return { shellReason: `it uses the shell operator "${c}"` };
    if (c === '$' || c === '`') return { shellReason: c === '$' ? 'it expands a variable' : 'it substitutes a command' };
    if ('*?['.includes(c)) return { shellReason: `it uses the glob character "${c}"` };
    if ((c === '~' || c === '#') && !inWord) return { shellReason: c === '~' ? 'it uses "~" for the home folder' : 'it has a comment' };
    if (c === '{' || c === '}') return { shellReason: `it uses "${c}"` };
    word += c;
    inWord = true;
    i++;
  }
  if (argv.length === 0 && inWord) firstWordRaw = firstWordRaw || line.trim();
  endWord();
  if (argv.length === 0) throw new CommandSyntaxError('the command is empty');
  // An assignment only counts when the name part was typed unquoted.
  if (ASSIGNMENT.test(firstWordRaw)) return { shellReason: 'it starts with an environment assignment' };
  if (SHELL_WORDS.has(argv[0])) return { shellReason: `"${argv[0]}" is a shell keyword or builtin` };
  return { argv };
}

/** How one command will be launched: a program and its arguments, and whether that program is a shell we added. */
export interface LaunchPlan {
  file: string;
  args: string[];
  /** True when we wrapped the command in a shell (its start-up is then calibrated and subtracted). */
  viaShell: boolean;
  /** Why a shell was needed, for the log. */
  shellReason?: string;
  /** The command as the user wrote it, for messages. */
  display: string;
}

/** The shell used for commands that need one, and its argument that takes a script. */
export function defaultShell(platform = process.platform): { file: string; flag: string[] } {
  return platform === 'win32' ? { file: process.env.ComSpec || 'cmd.exe', flag: ['/d', '/s', '/c'] } : { file: '/bin/sh', flag: ['-c'] };
}

/**
 * Decides how to launch a command: as argv when it is an array or splits cleanly,
 * through the shell when it needs one or when `shell: true` is set.
 */
export function planCommand(command: string | string[], options: { shell?: boolean; platform?: NodeJS.Platform } = {}): LaunchPlan {
  const shell = defaultShell(options.platform);
  if (Array.isArray(command)) {
    if (command.length === 0 || !command[0]) throw new CommandSyntaxError('the command is empty');
    if (options.shell) {
      return { file: shell.file, args: [...shell.flag, command.map(quoteForShell).join(' ')], viaShell: true, shellReason: 'shell is set', display: command.join(' ') };
    }
    return { file: command[0], args: command.slice(1), viaShell: false, display: command.join(' ') };
  }
  const display = command.trim();
  if (!display) throw new CommandSyntaxError('the command is empty');
  if (options.shell === true) return { file: shell.file, args: [...shell.flag, display], viaShell: true, shellReason: 'shell is set', display };
  const split = splitCommandLine(display);
  if (split.argv && (options.shell === false || !split.shellReason)) {
    return { file: split.argv[0], args: split.argv.slice(1), viaShell: false, display };
  }
  if (options.shell === false) {
    throw new CommandSyntaxError(`"${display}" needs a shell (${split.shellReason}), but shell is false`);
  }
  return { file: shell.file, args: [...shell.flag, display], viaShell: true, shellReason: split.shellReason, display };
}

/** Quotes one argument for a POSIX shell. */
export function quoteForShell(arg: string): string {
  return /^[A-Za-z0-9_\-+=.,/:@%]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/**
 * Finds the program file the way execvp would, once, so that each run execs
 * directly instead of trying every PATH entry. Returns undefined when not found.
 */
export function resolveExecutable(file: string, cwd: string, env: NodeJS.ProcessEnv, platform = process.platform): string | undefined {
  const isFile = (p: string) => {
    try {
      if (!statSync(p).isFile()) return false;
      if (platform !== 'win32') accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (file.includes('/') || (platform === 'win32' && file.includes('\\'))) {
    const full = isAbsolute(file) ? file : resolve(cwd, file);
    return isFile(full) ? full : undefined;
  }
  const pathVar = env.PATH ?? env.Path ?? '';
  const exts = platform === 'win32' ? ['', ...(env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';')] : [''];
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const candidate = join(isAbsolute(dir) ? dir : resolve(cwd, dir), file + ext);
      if (isFile(candidate)) return candidate;
    }
  }
  return undefined;
}
