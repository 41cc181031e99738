import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';

/** The CLI bundled as the release bundles it, in a temp folder, run as a child process. */
export class CliBundle {
  readonly dir = mkdtempSync(join(tmpdir(), 'perf-pulse-cli-'));
  readonly file = join(this.dir, 'cli.js');

  constructor() {
    buildSync({ entryPoints: [join(__dirname, '../../../src/cli/main.ts')], outfile: this.file, bundle: true, platform: 'node', format: 'cjs', target: 'node18', logLevel: 'error', mainFields: ['module', 'main'] });
    // Readable by any user, for the tests that drop root's privileges.
    chmodSync(this.dir, 0o755);
    chmodSync(this.file, 0o755);
  }

  run(args: string[], options: SpawnSyncOptions & { env?: NodeJS.ProcessEnv } = {}): { code: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [this.file, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
      ...options,
      env: { PATH: process.env.PATH, HOME: this.dir, PERF_PULSE_STATE_DIR: join(this.dir, 'state'), ...options.env },
    });
    return { code: r.status, stdout: String(r.stdout ?? ''), stderr: String(r.stderr ?? '') };
  }

  dispose(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A stack trace line as Node prints it. */
export const STACK_LINE = /^\s+at .+(:\d+:\d+\)?|\(native\)|\(<anonymous>\))$/m;

/** What every failure must look like: one line `perf-pulse[ command]: …`, no stack. */
export function isOneLineError(stderr: string): boolean {
  const lines = stderr.split('\n').filter((l) => l.trim() !== '' && !/^perf-pulse( [a-z-]+)?: warning: /.test(l));
  return lines.length === 1 && /^perf-pulse( [a-z-]+)?: \S/.test(lines[0]) && !STACK_LINE.test(stderr);
}
