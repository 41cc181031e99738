/** The contract every `perf-pulse` sub-command follows. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C; long-running commands must stop their children and return. */
  signal: AbortSignal;
  /** Which streams are terminals (absent: neither, as in tests and pipes). */
  terminal?: TerminalInfo;
}

export interface TerminalInfo {
  stdout: boolean;
  stderr: boolean;
  /** The terminal's width now (it may be resized during a run). */
  columns: () => number;
}

export interface CliCommand {
  /** One line for `perf-pulse --help`. */
  summary: string;
  /** Full usage text for `perf-pulse <name> --help`. */
  usage: string;
  /** Returns the process exit code. Throw `CliError` for a clean failure message. */
  run(argv: string[], io: CliIO): Promise<number>;
}

/** A failure the user must read: printed to stderr without a stack, with its exit code (2 unless said). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'CliError';
  }
}
