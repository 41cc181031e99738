// The launcher scripts that put the bundled CLI on the integrated terminal's PATH (written by
// terminal-cli.ts). No `vscode` import: unit-tested by running them.

/** A string as one POSIX shell word: single-quoted, with each ' spelled '\''. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * The launcher scripts: `perf-pulse` runs the extension's bundled CLI with the editor's own
 * Node (VS Code's executable, as Node through ELECTRON_RUN_AS_NODE), so nothing needs installing.
 */
export function launcherScripts(nodePath: string, cliPath: string): { posix: string; windows: string } {
  const posix = [
    '#!/bin/sh',
    '# Written by the Perf Pulse extension: its bundled CLI, run with the editor\'s Node.',
    // PERF_PULSE_FROM_EDITOR: the CLI then drops ELECTRON_RUN_AS_NODE, so what it starts does not inherit it.
    `ELECTRON_RUN_AS_NODE=1 PERF_PULSE_FROM_EDITOR=1 exec ${shellQuote(nodePath)} ${shellQuote(cliPath)} "$@"`,
    '',
  ].join('\n');
  // cmd.exe has no quoting for `"` inside a quoted word; paths cannot contain it on Windows. It
  // expands `%NAME%` even inside quotes (a user folder may hold a `%`): `%%` is a literal `%`.
  const cmdWord = (p: string) => `"${p.replace(/%/g, '%%')}"`;
  const windows = ['@echo off', 'rem Written by the Perf Pulse extension: its bundled CLI, run with the editor\'s Node.', 'setlocal', 'set ELECTRON_RUN_AS_NODE=1', 'set PERF_PULSE_FROM_EDITOR=1', `${cmdWord(nodePath)} ${cmdWord(cliPath)} %*`, ''].join('\r\n');
  return { posix, windows };
}
