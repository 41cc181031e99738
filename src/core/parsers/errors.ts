/**
 * The one error every parser throws for input it does not understand. The message is
 * meant for a user: it names the file (when known) and what is wrong, never a stack.
 */
export class ParseError extends Error {
  /** The file that could not be read, when the caller gave its name. */
  readonly file?: string;
  /** The formats that auto-detection tried, when none matched. */
  readonly tried?: string[];
  /** The problem without the file prefix. */
  readonly reason: string;

  constructor(reason: string, options: { file?: string; tried?: string[] } = {}) {
    super(options.file ? `${options.file}: ${reason}` : reason);
    this.name = 'ParseError';
    this.reason = reason;
    if (options.file !== undefined) this.file = options.file;
    if (options.tried !== undefined) this.tried = options.tried;
  }

  /** The same error, now naming the file it came from. */
  withFile(file: string | undefined): ParseError {
    if (!file || this.file) return this;
    return new ParseError(this.reason, { file, tried: this.tried });
  }
}
