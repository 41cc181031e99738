/**
 * Names the step a process stands for, from its command line: the tools of common
 * builds (npm scripts, make, tsc, esbuild, jest/vitest workers, go build, cargo and
 * rustc, C compilers, bundlers), and the phases a workspace names in perfpulse.json.
 * A "wrapper" (a shell, npm, make, env) only starts other steps: the critical path
 * looks through it to the steps it ran.
 */

export interface RecognizedStep {
  /** The tool: tsc, esbuild, cc, make, npm, go, cargo, rustc, jest, vitest, … */
  tool: string;
  /** A short name for the step, e.g. "tsc -p app", "cc b.o", "npm run build". */
  name: string;
  /** Starts other steps rather than doing the work itself. */
  wrapper: boolean;
  /** A shell or a helper like env and time: no phase of its own (what it runs is). */
  anonymous?: boolean;
  /** Part of the step that started it (cc1, as and ld under a compiler driver). */
  partOfParent?: boolean;
}

/** A phase named in perfpulse.json: processes whose command line contains `match`. */
export interface NamedPhase {
  name: string;
  match: string;
}

function baseName(word: string): string {
  const slash = word.lastIndexOf('/');
  return slash >= 0 ? word.slice(slash + 1) : word;
}

function optionValue(words: string[], ...names: string[]): string | undefined {
  for (let i = 0; i < words.length - 1; i++) if (names.includes(words[i])) return words[i + 1];
  for (const w of words) for (const n of names) if (n.startsWith('--') && w.startsWith(n + '=')) return w.slice(n.length + 1);
  return undefined;
}

const SHELLS = new Set(['sh', 'bash', 'dash', 'zsh', 'fish', 'env', 'time', 'nice', 'xargs', 'timeout', 'perf-pulse']);
const C_COMPILERS = new Set(['gcc', 'cc', 'clang', 'g++', 'c++', 'clang++']);
const C_INTERNALS = new Set(['cc1', 'cc1plus', 'as', 'collect2', 'ld', 'ld.bfd', 'ld.gold', 'lto1']);
const BUNDLERS = new Set(['webpack', 'vite', 'rollup', 'parcel', 'swc', 'babel', 'eslint', 'prettier', 'mocha', 'pytest']);

/** The script a `node` command runs (node [options] script …), as the words after node's own options. */
function nodeScript(words: string[]): string[] {
  let i = 1;
  while (i < words.length && words[i].startsWith('-')) i++;
  return words.slice(i);
}

export function recognizeStep(command: string): RecognizedStep | undefined {
  const words = command.split(' ').filter((w) => w.length > 0);
  if (!words.length) return undefined;
  let program = baseName(words[0]);
  let rest = words.slice(1);
  if (program === 'node' || program === 'nodejs' || program === 'tsx' || program === 'ts-node') {
    const script = nodeScript(words);
    if (!script.length) return undefined;
    const path = script[0];
    if (/jest-worker|jest-circus|processChild\.js/.test(path)) return { tool: 'jest', name: 'jest worker', wrapper: false };
    if (/vitest[/\\].*(worker|forks|threads)|tinypool/.test(path)) return { tool: 'vitest', name: 'vitest worker', wrapper: false };
    if (/npm-cli\.js$|[/\\]npm$/.test(path)) program = 'npm';
    else if (/npx-cli\.js$|[/\\]npx$/.test(path)) program = 'npx';
    else if (/pnpm|yarn/.test(baseName(path))) program = baseName(path).replace(/\.c?js$/, '');
    else program = baseName(path).replace(/\.c?js$/, '');
    // typescript/bin/tsc, esbuild/bin/esbuild, vitest/vitest.mjs, jest/bin/jest.js …
    if (/typescript[/\\]lib[/\\]tsc\.js$/.test(path)) program = 'tsc';
    if (/vitest\.mjs$/.test(path)) program = 'vitest';
    rest = script.slice(1);
  }
  if (SHELLS.has(program)) return { tool: program, name: program, wrapper: true, anonymous: true };
  if (program === 'npm' || program === 'pnpm' || program === 'yarn' || program === 'npx') {
    const sub = rest.filter((w) => !w.startsWith('-'));
    const script = sub[0] === 'run' || sub[0] === 'run-script' ? sub[1] : sub[0];
    return { tool: program, name: script ? `${program} run ${script}` : program, wrapper: true };
  }
  if (program === 'make' || program === 'gmake') {
    const dir = optionValue(rest, '-C', '--directory');
    const targets = rest.filter((w) => !w.startsWith('-') && !w.includes('=') && w !== dir);
    return { tool: 'make', name: ['make', ...(dir ? ['-C', dir] : []), ...targets].join(' '), wrapper: true };
  }
  if (program === 'tsc') {
    const project = optionValue(rest, '-p', '--project', '-b', '--build');
    return { tool: 'tsc', name: project ? `tsc -p ${project}` : 'tsc', wrapper: false };
  }
  if (program === 'esbuild') {
    const entry = rest.find((w) => !w.startsWith('-'));
    // esbuild's JS API starts the native binary with --service: the JS side is the wrapper.
    if (rest.some((w) => w.startsWith('--service'))) return { tool: 'esbuild', name: 'esbuild', wrapper: false };
    return { tool: 'esbuild', name: entry ? `esbuild ${baseName(entry)}` : 'esbuild', wrapper: false };
  }
  if (program === 'jest' || program === 'vitest') return { tool: program, name: program, wrapper: true };
  if (program === 'go') {
    const sub = rest.find((w) => !w.startsWith('-'));
    return { tool: 'go', name: sub ? `go ${sub}` : 'go', wrapper: true };
  }
  if (program === 'compile' && rest.includes('-p')) return { tool: 'go', name: `go compile ${optionValue(rest, '-p')}`, wrapper: false };
  if (program === 'link' && rest.includes('-buildmode=exe')) return { tool: 'go', name: 'go link', wrapper: false };
  if (program === 'cargo') {
    const sub = rest.find((w) => !w.startsWith('-') && !w.startsWith('+'));
    return { tool: 'cargo', name: sub ? `cargo ${sub}` : 'cargo', wrapper: true };
  }
  if (program === 'rustc') {
    const crate = optionValue(rest, '--crate-name');
    return { tool: 'rustc', name: crate ? `rustc ${crate}` : 'rustc', wrapper: false };
  }
  if (C_COMPILERS.has(program) || /^(x86_64|aarch64|arm)[\w-]*-(gcc|g\+\+)(-\d+)?$/.test(program) || /^gcc-\d+$/.test(program)) {
    const output = optionValue(rest, '-o');
    const source = rest.find((w) => /\.(c|cc|cpp|cxx|m|s|S)$/.test(w));
    return { tool: 'cc', name: `cc ${baseName(output ?? source ?? '')}`.trim(), wrapper: false };
  }
  if (C_INTERNALS.has(program)) return { tool: 'cc', name: program, wrapper: false, partOfParent: true };
  if (BUNDLERS.has(program)) return { tool: program, name: program, wrapper: false };
  return undefined;
}

/** The first named phase whose `match` the command contains. */
export function namedPhaseOf(command: string, phases: readonly NamedPhase[]): string | undefined {
  for (const p of phases) if (p.match.length > 0 && command.includes(p.match)) return p.name;
  return undefined;
}
