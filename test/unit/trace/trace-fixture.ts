import { strict as assert } from 'node:assert';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Ground truth for the trace tests, from tools that watch the same run another way. */

export const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'trace');
export const REPO_BIN = join(__dirname, '..', '..', '..', 'node_modules', '.bin');

export function copyFixture(name: string): { dir: string; dispose: () => void } {
  const root = mkdtempSync(join(tmpdir(), `perf-pulse-trace-${name}-`));
  const dir = join(root, name);
  cpSync(join(FIXTURES, name), dir, { recursive: true });
  return { dir, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

/** Words that run CMD under GNU time, which writes "wall user system" (getrusage of the whole waited-for tree) to `file`. */
export function underTime(file: string, command: string[]): string[] {
  return ['/usr/bin/time', '-f', '%e %U %S', '-o', file, ...command];
}

export function readTime(file: string): { wall: number; cpu: number } {
  const line = readFileSync(file, 'utf8').trim().split('\n').pop()!;
  const [wall, user, system] = line.split(' ').map(Number);
  return { wall, cpu: user + system };
}

/** Words that run CMD under strace, logging every process's system calls for process life (fork, exec, exit). */
export function underStrace(file: string, command: string[]): string[] {
  return ['strace', '-f', '-q', '-ttt', '-e', 'trace=process', '-o', file, ...command];
}

export interface StracedProcess {
  pid: number;
  /** Wall-clock seconds (epoch) of its first and last event. */
  first: number;
  last: number;
  exited: boolean;
  /** The arguments of its last execve, joined by spaces. */
  command?: string;
}

/** Each process's life as strace saw it: from its first event to its "+++ exited"/"+++ killed" line. */
export function readStrace(file: string): Map<number, StracedProcess> {
  const out = new Map<number, StracedProcess>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^(\d+)\s+(\d+\.\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const pid = Number(m[1]);
    const t = Number(m[2]);
    const p = out.get(pid) ?? { pid, first: t, last: t, exited: false };
    p.last = t;
    if (/^\+\+\+ (exited|killed)/.test(m[3])) p.exited = true;
    const exec = /^execve\("[^"]*", \[(.*?)\]/.exec(m[3]);
    if (exec) p.command = [...exec[1].matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((a) => a[1]).join(' ');
    out.set(pid, p);
    // A child exists from its parent's fork: count that as its first moment.
    const forked = /(?:clone3?|fork|vfork)\(.*\)\s+=\s+(\d+)$|resumed>.*\)\s+=\s+(\d+)$/.exec(m[3]);
    const child = forked ? Number(forked[1] ?? forked[2]) : NaN;
    if (child > 0 && /clone|fork/.test(m[3]) && !out.has(child)) out.set(child, { pid: child, first: t, last: t, exited: false });
  }
  return out;
}

/** Checks the shape of Chrome trace event JSON (the JSON Object Format): what Perfetto and chrome://tracing need to open it. */
export function assertChromeTrace(text: string): Array<Record<string, unknown>> {
  const parsed = JSON.parse(text) as { traceEvents?: unknown };
  assert.ok(parsed && Array.isArray(parsed.traceEvents), 'a traceEvents array');
  const events = parsed.traceEvents as Array<Record<string, unknown>>;
  const int = (v: unknown) => typeof v === 'number' && Number.isInteger(v);
  for (const e of events) {
    assert.equal(typeof e.name, 'string', `name: ${JSON.stringify(e)}`);
    assert.ok(['X', 'B', 'E', 'C', 'M', 'i', 'I'].includes(e.ph as string), `ph: ${JSON.stringify(e)}`);
    assert.ok(typeof e.ts === 'number' && (e.ts as number) >= 0 && Number.isFinite(e.ts), `ts: ${JSON.stringify(e)}`);
    assert.ok(int(e.pid) && int(e.tid), `pid/tid: ${JSON.stringify(e)}`);
    if (e.ph === 'X') assert.ok(typeof e.dur === 'number' && (e.dur as number) >= 0, `dur: ${JSON.stringify(e)}`);
    if (e.ph === 'M') assert.ok(e.args && typeof e.args === 'object', `metadata args: ${JSON.stringify(e)}`);
    if (e.ph === 'C') {
      assert.ok(e.args && Object.values(e.args as object).every((v) => typeof v === 'number' && Number.isFinite(v)), `counter args: ${JSON.stringify(e)}`);
    }
  }
  return events;
}

export function within(actual: number, expected: number, relative: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= relative * Math.abs(expected), `${what}: ${actual} is not within ${relative * 100}% of ${expected}`);
}
