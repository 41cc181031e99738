import { spawn, spawnSync } from 'node:child_process';
import { assertMayRunPrograms } from '../program-gate';

/**
 * The one place that starts git. Every invocation:
 * - passes the program gate first (the extension closes it in an untrusted workspace);
 * - runs with configuration that switches off what a repository's config can make git
 *   execute for the commands Perf Pulse uses: the fsmonitor hook (run by `status` and
 *   anything that refreshes the index), hooks (`push`'s pre-push, `update-ref`'s
 *   reference-transaction, `worktree add`'s post-checkout), the `ext::` transport, GPG for
 *   `log` signatures, the pager, and submodule recursion (filters: see `queries.ts`);
 * - runs in an environment stripped of the variables that would point git at another
 *   repository or index, or give it a pager, an editor or an external diff.
 * Diff commands add `--no-ext-diff --no-textconv` themselves (see `queries.ts`): an empty
 * `diff.external` is not "off" to git but a program it fails to start.
 * Revisions from data are validated (`names.ts`) and placed after `--end-of-options`.
 */
export const SAFE_CONFIG: readonly string[] = [
  'core.fsmonitor=false',
  'core.untrackedCache=false',
  'core.hooksPath=/dev/null',
  'core.pager=cat',
  'protocol.ext.allow=never',
  'log.showSignature=false',
  'submodule.recurse=false',
  'fetch.recurseSubmodules=false',
].flatMap((setting) => ['-c', setting]);

/**
 * Variables that would steer git away from the repository at `cwd` (set, for example, when
 * Perf Pulse runs from inside a git hook) or make it start a pager, an editor or an external
 * diff. Config given through the environment (`GIT_CONFIG_COUNT`, `GIT_CONFIG_PARAMETERS`)
 * stays: CI jobs pass credentials that way, and the `-c` overrides above are read after it,
 * so they still win.
 */
const STEERING_ENV = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_COMMON_DIR',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_NAMESPACE',
  'GIT_PREFIX',
  'GIT_EXTERNAL_DIFF',
  'GIT_DIFF_OPTS',
  'GIT_PAGER',
  'PAGER',
  'GIT_EDITOR',
  'GIT_SEQUENCE_EDITOR',
];

/** The environment git runs with: the caller's, minus steering variables, plus fixed settings. */
export function gitEnvironment(base: NodeJS.ProcessEnv, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const key of Object.keys(env)) {
    if (STEERING_ENV.includes(key)) delete env[key];
  }
  return {
    ...env,
    ...extra,
    LC_ALL: 'C',
    LANG: 'C',
    GIT_TERMINAL_PROMPT: '0',
    GIT_PAGER: 'cat',
    PAGER: 'cat',
    // Read-only commands (`status`) must not take the index lock or rewrite the index.
    GIT_OPTIONAL_LOCKS: '0',
  };
}

/** The outcome of one git invocation. */
export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface GitOptions {
  /** Bytes written to git's stdin, then closed. */
  input?: string | Buffer;
  /** Extra environment, merged over the process environment (never over the fixed settings). */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Kills git after this many milliseconds (the result then has a non-zero code). */
  timeoutMs?: number;
}

/** A git failure worth showing to a user: the command, its exit code and what git said. */
export class GitError extends Error {
  constructor(
    readonly args: string[],
    readonly code: number,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed (exit ${code}): ${stderr.trim() || 'no message'}`);
    this.name = 'GitError';
  }
}

/** The sub-command's name, skipping leading `-c key=value` settings. */
function commandOf(args: readonly string[]): string {
  let i = 0;
  while (args[i] === '-c') i += 2;
  return args[i] ?? '';
}

function gitArgs(args: readonly string[]): string[] {
  return ['--no-pager', ...SAFE_CONFIG, ...args];
}

/**
 * Runs git in one repository. Output is kept as bytes because notes and
 * `cat-file --batch` hand back blobs whose sizes are counted in bytes.
 * Messages are forced to English so that the few we recognise stay recognisable.
 */
export class Git {
  constructor(
    readonly cwd: string,
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
    /** Kills git after this many milliseconds unless a call says otherwise. */
    private readonly timeoutMs?: number,
  ) {}

  run(args: string[], options: GitOptions = {}): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      try {
        assertMayRunPrograms(`run git ${commandOf(args)}`);
      } catch (err) {
        reject(err);
        return;
      }
      const child = spawn('git', gitArgs(args), {
        cwd: this.cwd,
        env: gitEnvironment(this.baseEnv, options.env),
        stdio: ['pipe', 'pipe', 'pipe'],
        signal: options.signal,
        timeout: options.timeoutMs ?? this.timeoutMs,
        windowsHide: true,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') reject(new Error('git is not installed or not on PATH'));
        else reject(error);
      });
      child.on('close', (code) => {
        resolve({ code: code ?? 1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
      });
      // git may exit before reading all of stdin (e.g. on a bad argument); that is not our error.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
    });
  }

  /**
   * The synchronous form, for clean-up in a process `exit` handler only. Returns the exit
   * code (1 when git could not start or the gate is closed); output is discarded.
   */
  runSync(args: string[], timeoutMs = 30_000): number {
    try {
      assertMayRunPrograms(`run git ${commandOf(args)}`);
    } catch {
      return 1;
    }
    const result = spawnSync('git', gitArgs(args), { cwd: this.cwd, env: gitEnvironment(this.baseEnv), stdio: 'ignore', timeout: timeoutMs, windowsHide: true });
    return result.status ?? 1;
  }

  /** Runs git and returns trimmed stdout; throws `GitError` on a non-zero exit. */
  async text(args: string[], options: GitOptions = {}): Promise<string> {
    const result = await this.run(args, options);
    if (result.code !== 0) throw new GitError(args, result.code, result.stderr);
    return result.stdout.toString('utf8').trim();
  }

  /** Like `text` but returns undefined instead of throwing on a non-zero exit. */
  async maybe(args: string[], options: GitOptions = {}): Promise<string | undefined> {
    const result = await this.run(args, options);
    return result.code === 0 ? result.stdout.toString('utf8').trim() : undefined;
  }
}
