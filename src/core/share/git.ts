import { spawn } from 'node:child_process';

/** The outcome of one git invocation. */
export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface GitOptions {
  /** Bytes written to git's stdin, then closed. */
  input?: string | Buffer;
  /** Extra environment, merged over the process environment. */
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
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

/**
 * Runs git in one repository. Output is kept as bytes because notes and
 * `cat-file --batch` hand back blobs whose sizes are counted in bytes.
 * Messages are forced to English so that the few we recognise stay recognisable.
 */
export class Git {
  constructor(
    readonly cwd: string,
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
  ) {}

  run(args: string[], options: GitOptions = {}): Promise<GitResult> {
    return new Promise((resolve, reject) => {
      const child = spawn('git', args, {
        cwd: this.cwd,
        env: { ...this.baseEnv, ...options.env, LC_ALL: 'C', LANG: 'C', GIT_TERMINAL_PROMPT: '0' },
        stdio: ['pipe', 'pipe', 'pipe'],
        signal: options.signal,
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
