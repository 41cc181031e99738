import { strict as assert } from 'node:assert';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '../../..');
export const fixturesDir = join(repoRoot, 'test/fixtures/profile');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `perf-pulse …` as a user runs it: a real process, from the sources. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve) => {
    // From the repository (where tsx resolves); the workspace is named with --workspace.
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), ...args], { cwd: repoRoot, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Fixture', '-c', 'user.email=fixture@example.com', '-c', 'commit.gpgsign=false', ...args], { cwd, encoding: 'utf8' }).trim();
}

export interface FixtureRepo {
  dir: string;
  /** The commit before the slowdown. */
  base: string;
  dispose(): void;
}

/**
 * A git repository of one fixture project: its files in a first commit, then the files of
 * its `slow/` folder in a second ("slow down one function"), checked out.
 */
export function makeFixtureRepo(name: 'node' | 'python' | 'go' | 'ts'): FixtureRepo {
  const root = mkdtempSync(join(tmpdir(), `perf-pulse-profile-${name}-`));
  const dir = join(root, 'repo');
  const source = join(fixturesDir, name);
  cpSync(source, dir, { recursive: true, filter: (src) => !src.startsWith(join(source, 'slow')) });
  git(root, 'init', '-q', '-b', 'main', dir);
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'three functions');
  const base = git(dir, 'rev-parse', 'HEAD');
  const slow = join(source, 'slow');
  for (const file of readdirSync(slow)) cpSync(join(slow, file), join(dir, file));
  git(dir, 'commit', '-q', '-am', 'slow down one function');
  return { dir, base, dispose: () => rmSync(root, { recursive: true, force: true }) };
}

export interface ContractDoc {
  benchmark: string;
  profiler: string;
  functions: Array<{ name: string; file: string; line: number; selfShare: number; totalShare: number }>;
  diff?: Array<{ name: string; file: string; line: number; deltaSeconds: number; shareOfDelta: number }>;
}

/** Checks the `--json` contract: exactly its fields, shares in [0, 1], sorted by share. */
export function assertContract(doc: ContractDoc, benchmark: string, profiler: string, withDiff: boolean): void {
  assert.deepEqual(Object.keys(doc).sort(), withDiff ? ['benchmark', 'diff', 'functions', 'profiler'] : ['benchmark', 'functions', 'profiler']);
  assert.equal(doc.benchmark, benchmark);
  assert.equal(doc.profiler, profiler);
  assert.ok(doc.functions.length > 0);
  for (const f of doc.functions) {
    assert.deepEqual(Object.keys(f).sort(), ['file', 'line', 'name', 'selfShare', 'totalShare']);
    assert.ok(f.selfShare >= 0 && f.selfShare <= 1 && f.totalShare >= 0 && f.totalShare <= 1, JSON.stringify(f));
    assert.ok(f.selfShare <= f.totalShare + 1e-9, `self share within total share: ${JSON.stringify(f)}`);
  }
  for (let i = 1; i < doc.functions.length; i++) assert.ok(doc.functions[i - 1].selfShare >= doc.functions[i].selfShare, 'functions sorted by share');
  if (!withDiff) return;
  assert.ok(doc.diff && doc.diff.length > 0);
  for (const d of doc.diff) {
    assert.deepEqual(Object.keys(d).sort(), ['deltaSeconds', 'file', 'line', 'name', 'shareOfDelta']);
    assert.ok(d.shareOfDelta >= 0 && d.shareOfDelta <= 1 && d.deltaSeconds > 0, JSON.stringify(d));
  }
  for (let i = 1; i < doc.diff.length; i++) assert.ok(doc.diff[i - 1].shareOfDelta >= doc.diff[i].shareOfDelta, 'diff sorted by share');
}

