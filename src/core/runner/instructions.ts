import { spawn } from 'node:child_process';
import { assertMayRunPrograms } from '../program-gate';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveExecutable } from './command';

/**
 * Instruction counts of a program, measured by Valgrind's cachegrind with the cache
 * simulation off: it counts every instruction executed (exact, and the same from run to
 * run for a deterministic program, however busy the machine is) at the lowest cost of
 * Valgrind's tools (lackey and callgrind count the same but run slower). Children are
 * followed (`--trace-children=yes`), so a command run through a shell counts the shell too,
 * which is the same on both sides of a comparison.
 */

export const INSTRUCTIONS_METRIC = 'instructions';

/** Valgrind is missing or cannot run: the message is one line a user can act on. */
export class InstructionCountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InstructionCountError';
  }
}

export interface InstructionTarget {
  /** The resolved program and its arguments, as the runner would start it. */
  file: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** The `valgrind` program on PATH, or a clear one-line error. */
export function findValgrind(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  const found = resolveExecutable('valgrind', cwd, env);
  if (!found) {
    throw new InstructionCountError('the "instructions" metric needs Valgrind, which is not installed (valgrind not found in PATH); install it (Debian/Ubuntu: apt-get install valgrind) or remove "instructions" from the benchmark\'s metrics');
  }
  return found;
}

/** Sum of the `summary:` lines (the first event, Ir, with `--cache-sim=no`) of cachegrind output files. */
export function parseCachegrindSummary(text: string): number | undefined {
  const m = /^summary:\s+(\d+)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** Runs the program once under cachegrind and returns the instructions it executed (with its children). */
export async function countInstructionsOnce(target: InstructionTarget, valgrind = findValgrind(target.env, target.cwd)): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'perf-pulse-cachegrind-'));
  try {
    const args = ['--tool=cachegrind', '--cache-sim=no', '--trace-children=yes', `--cachegrind-out-file=${join(dir, 'cg.%p')}`, '-q', '--', target.file, ...target.args];
    const { code, signal, stderr, timedOut } = await runQuietly(valgrind, args, target);
    if (target.signal?.aborted) throw new InstructionCountError('cancelled');
    if (timedOut) throw new InstructionCountError(`timed out after ${target.timeoutMs} ms under Valgrind`);
    if (code !== 0) {
      const tail = stderr.split('\n').filter((l) => l.trim() && !/^--\d+-- warning: (specified|simulated|L3|LL)/.test(l) && !/cache found/.test(l)).slice(-2).join(' ').trim();
      throw new InstructionCountError(`under Valgrind the command ${signal ? `was killed by ${signal}` : `exited with code ${code}`}${tail ? `; stderr: ${tail.slice(0, 300)}` : ''}`);
    }
    let total = 0;
    let files = 0;
    for (const name of readdirSync(dir)) {
      const count = parseCachegrindSummary(readFileSync(join(dir, name), 'utf8'));
      if (count === undefined) continue;
      total += count;
      files++;
    }
    if (!files) throw new InstructionCountError('Valgrind wrote no instruction count');
    return total;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `runs` counts of the program in turn (each under cachegrind). */
export async function countInstructions(target: InstructionTarget, runs: number): Promise<number[]> {
  assertMayRunPrograms('count instructions under Valgrind');
  const valgrind = findValgrind(target.env, target.cwd);
  const counts: number[] = [];
  for (let i = 0; i < runs; i++) counts.push(await countInstructionsOnce(target, valgrind));
  return counts;
}

function runQuietly(file: string, args: string[], target: InstructionTarget): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; timedOut: boolean }> {
  return new Promise((resolvePromise, reject) => {
    // A process group of its own, so a timeout or a cancel stops the program and its children.
    const child = spawn(file, args, { cwd: target.cwd, env: target.env, stdio: ['ignore', 'ignore', 'pipe'], detached: process.platform !== 'win32', windowsHide: true });
    let stderr = '';
    let timedOut = false;
    const kill = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const timer = target.timeoutMs ? setTimeout(() => {
      timedOut = true;
      kill();
    }, target.timeoutMs) : undefined;
    const onAbort = () => kill();
    target.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      target.signal?.removeEventListener('abort', onAbort);
      reject(new InstructionCountError(`cannot start Valgrind (${file}): ${err.message}`));
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      target.signal?.removeEventListener('abort', onAbort);
      resolvePromise({ code, signal, stderr, timedOut });
    });
  });
}
