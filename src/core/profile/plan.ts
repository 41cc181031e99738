import { closeSync, openSync, readSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LaunchPlan } from '../runner/command';
import { resolveExecutable } from '../runner/command';
import { withBenchtime } from './go-bench';
import type { ProfilerKind } from './model';
import { ProfileError } from './paths';

/**
 * Which profiler fits a benchmark's command, and the command line that runs it under that
 * profiler. The profiler's output goes to `outDir` (a temporary folder of ours): its path is
 * the only thing added to the user's command, nothing read from history or reports is.
 *
 *  - `node …` → V8's `--cpu-prof` flags after `node`; a Node script (npm, npx, tsx, mocha: a
 *    `#!…node` first line) or a shell line naming one → the same flags in NODE_OPTIONS;
 *  - `go test -bench …` → `-cpuprofile` (and `-o`, so the test binary lands in `outDir`);
 *  - `python …` (or a script with a python `#!` line) → `python -m cProfile -o …`;
 *  - anything else → `valgrind --tool=callgrind`, where Valgrind is installed.
 */

export type ProfilerSetting = 'auto' | ProfilerKind;

/** What to profile: CPU time, or allocated bytes (V8's --heap-prof, Go's -memprofile). */
export type ProfileMode = 'cpu' | 'alloc';

/** The V8 sampling interval in microseconds: 4× V8's default rate, still cheap (see bench/RESULTS.md). */
export const V8_SAMPLING_INTERVAL_US = 250;

export interface ProfileCommand {
  profiler: ProfilerKind;
  file: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  /** Keep stdout (Go's benchmark lines, to normalise per operation). */
  captureStdout: boolean;
  /** The Python interpreter that wrote a cProfile file, to read it back. */
  python?: string;
}

export interface PlanInput {
  plan: LaunchPlan;
  /** The program, resolved on PATH. */
  file: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  outDir: string;
  setting?: ProfilerSetting;
  /** For go test -bench: the operations to run (-benchtime=Nx). */
  goIterations?: number;
  mode?: ProfileMode;
}

const NODE = /^(node|nodejs)(\.exe)?$/i;
const PYTHON = /^python(\d+(\.\d+)?)?(\.exe)?$/i;
const OTHER_JS_RUNTIMES = /^(deno|bun)(\.exe)?$/i;
const NODE_TOOLS_IN_SHELL = /(^|[\s;&|(])(node|nodejs|npm|npx|pnpm|yarn|tsx|ts-node)(\s|$)/;

/** The interpreter named by a script's `#!` line ("/usr/bin/env python3" → python3), if any. */
export function shebangInterpreter(file: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const buf = Buffer.alloc(256);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const first = buf.subarray(0, n).toString('utf8').split('\n')[0];
    if (!first.startsWith('#!')) return undefined;
    const words = first.slice(2).trim().split(/\s+/);
    const program = basename(words[0] ?? '') === 'env' ? words.slice(1).find((w) => !w.startsWith('-')) : words[0];
    return program || undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Bytes between two samples of V8's allocation profiler (Node's default is 512 KiB): finer, still cheap. */
export const V8_HEAP_SAMPLING_BYTES = 32 * 1024;

function v8Flags(outDir: string, mode: ProfileMode, quote = (s: string) => s): string[] {
  const cpu = ['--cpu-prof', `--cpu-prof-dir=${quote(outDir)}`, `--cpu-prof-interval=${V8_SAMPLING_INTERVAL_US}`];
  // A heap profile leaves out the file and line of optimised functions; the CPU profile of the same process has them.
  return mode === 'alloc' ? ['--heap-prof', `--heap-prof-dir=${quote(outDir)}`, `--heap-prof-interval=${V8_HEAP_SAMPLING_BYTES}`, ...cpu] : cpu;
}

/** NODE_OPTIONS takes double quotes around a value with spaces. */
function withNodeOptions(env: NodeJS.ProcessEnv, outDir: string, mode: ProfileMode): NodeJS.ProcessEnv {
  const flags = v8Flags(outDir, mode, (dir) => `"${dir.replace(/(["\\])/g, '\\$1')}"`).join(' ');
  return { ...env, NODE_OPTIONS: env.NODE_OPTIONS ? `${env.NODE_OPTIONS} ${flags}` : flags };
}

function goTestBench(input: PlanInput): boolean {
  const { plan } = input;
  return !plan.viaShell && /^go(\.exe)?$/i.test(basename(input.file)) && plan.args[0] === 'test' && plan.args.some((a) => /^--?bench(=|$)/.test(a));
}

function pythonCommand(input: PlanInput, python: string, args: string[]): ProfileCommand {
  // Interpreter options stay before `-m cProfile`; the script (or `-m module`) and its arguments after.
  const withValue = new Set(['-W', '-X', '-Q']);
  let i = 0;
  while (i < args.length && args[i].startsWith('-') && args[i] !== '-m' && args[i] !== '-') {
    if (args[i] === '-c' || args[i].startsWith('-c')) throw new ProfileError(`no profiler fits "${input.plan.display}": cProfile cannot profile "python -c"; put the code in a file or set "profiler" in perfpulse.json`);
    i += withValue.has(args[i]) ? 2 : 1;
  }
  if (i >= args.length) throw new ProfileError(`no profiler fits "${input.plan.display}": no script or module to profile`);
  return {
    profiler: 'cprofile',
    file: python,
    args: [...args.slice(0, i), '-m', 'cProfile', '-o', join(input.outDir, 'profile.pstats'), ...args.slice(i)],
    env: input.env,
    captureStdout: false,
    python,
  };
}

function callgrindCommand(input: PlanInput): ProfileCommand {
  const valgrind = resolveExecutable('valgrind', input.cwd, input.env);
  if (!valgrind) {
    throw new ProfileError(`no profiler for "${input.plan.display}": it needs Valgrind's callgrind, which is not installed; install it with: sudo apt-get install valgrind (or set "profiler" in perfpulse.json)`);
  }
  return {
    profiler: 'callgrind',
    file: valgrind,
    args: ['--tool=callgrind', `--callgrind-out-file=${join(input.outDir, 'callgrind.out.%p')}`, '--trace-children=yes', '-q', '--', input.file, ...input.plan.args],
    env: input.env,
    captureStdout: false,
  };
}

/** The profiled command for a benchmark, or a ProfileError saying why there is none. */
export function planProfile(input: PlanInput): ProfileCommand {
  const { plan, file, outDir } = input;
  const setting = input.setting ?? 'auto';
  const program = basename(file);
  const interpreter = plan.viaShell ? undefined : shebangInterpreter(file);
  const isNode = !plan.viaShell && NODE.test(program);
  const nodeScript = isNode || (interpreter !== undefined && NODE.test(basename(interpreter))) || (plan.viaShell && NODE_TOOLS_IN_SHELL.test(plan.display));
  const pythonScript = interpreter !== undefined && PYTHON.test(basename(interpreter));
  const isPython = !plan.viaShell && PYTHON.test(program);
  const mode = input.mode ?? 'cpu';
  const v8 = (): ProfileCommand =>
    isNode
      ? { profiler: 'v8', file, args: [...v8Flags(outDir, mode), ...plan.args], env: input.env, captureStdout: false }
      : { profiler: 'v8', file, args: plan.args, env: withNodeOptions(input.env, outDir, mode), captureStdout: false };
  const pprof = (): ProfileCommand => {
    if (!goTestBench(input)) throw new ProfileError(`the pprof profiler fits only "go test -bench …" commands, not "${plan.display}"`);
    const [test, ...rest] = plan.args;
    // A fixed count of operations (see go-bench.ts); without one yet, the calibration run's arguments.
    const timed = input.goIterations !== undefined ? withBenchtime(rest, `${input.goIterations}x`) : rest;
    const output = mode === 'alloc' ? `-memprofile=${join(outDir, 'profile.pprof')}` : `-cpuprofile=${join(outDir, 'profile.pprof')}`;
    return { profiler: 'pprof', file, args: [test, output, `-o=${join(outDir, 'bench.test')}`, ...timed], env: input.env, captureStdout: true };
  };
  const cprofile = (): ProfileCommand => {
    if (isPython) return pythonCommand(input, file, plan.args);
    if (pythonScript) {
      const python = resolveExecutable(interpreter!, input.cwd, input.env) ?? interpreter!;
      return pythonCommand(input, python, [file, ...plan.args]);
    }
    throw new ProfileError(`the cprofile profiler fits only Python commands, not "${plan.display}"`);
  };
  const chosen = planFor();
  if (mode === 'alloc' && (chosen.profiler === 'cprofile' || chosen.profiler === 'callgrind')) {
    throw new ProfileError(`no allocation profiler for "${plan.display}": allocations are profiled for Node (V8 --heap-prof) and Go benchmarks (-memprofile); ${chosen.profiler} measures time`);
  }
  return chosen;

  function planFor(): ProfileCommand {
    switch (setting) {
      case 'v8':
        return v8();
      case 'pprof':
        return pprof();
      case 'cprofile':
        return cprofile();
      case 'callgrind':
        return callgrindCommand(input);
      default:
        break;
    }
    if (nodeScript) return v8();
    if (goTestBench(input)) return pprof();
    if (isPython || pythonScript) return cprofile();
    if (!plan.viaShell && OTHER_JS_RUNTIMES.test(program)) {
      throw new ProfileError(`no profiler fits "${plan.display}": ${program} does not write a V8 CPU profile Perf Pulse can collect; set "profiler" in perfpulse.json (e.g. "callgrind")`);
    }
    if (!plan.viaShell && /^go(\.exe)?$/i.test(program)) {
      throw new ProfileError(`no profiler fits "${plan.display}": Go programs are profiled through "go test -bench …" (pprof)`);
    }
    return callgrindCommand(input);
  }
}
